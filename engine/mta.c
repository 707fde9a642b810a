/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MTA queue: entries, attempts, retries, expiry and bounces. */
#define G_LOG_DOMAIN "pochta-mta"
#include "config.h"

#include <string.h>

#include "format.h"
#include "mta.h"

#define QUEUE_ID_CHARS 10

typedef struct
{
  PochtaMtaRecipient pub;
  gboolean reported;          /* its failure is in a bounce already */
} Recipient;

typedef struct
{
  PochtaMtaEntry pub;
  PochtaMta *mta;
  GList link;                 /* in mta->queue */
  guint64 timer;              /* scheduler id of the next attempt, 0 if none */
  guint running;              /* attempts under way (and one while starting them) */
  GSList *attempts;           /* the PochtaMtaAttempt* under way */
  gboolean due_while_down;
  gboolean flush_requested;   /* ETRN came while an attempt ran */
} Entry;

struct _PochtaMta
{
  char *hostname;
  PochtaNetwork *network;     /* borrowed */
  PochtaScheduler *scheduler; /* borrowed */
  PochtaGenerator *generator; /* borrowed */
  PochtaMtaConfig config;
  PochtaMtaDriver driver;
  char *relay_host;
  GQueue queue;               /* of Entry*, in order of arrival */
};

void
pochta_mta_config_init_defaults (PochtaMtaConfig *config)
{
  g_return_if_fail (config != NULL);

  config->retry_initial = 30 * G_TIME_SPAN_MINUTE;
  config->retry_max = 2 * G_TIME_SPAN_HOUR;
  config->give_up = 5 * G_TIME_SPAN_DAY;
}

const char *
pochta_mta_recipient_state_to_string (PochtaMtaRecipientState state)
{
  static const char *const names[] = { "queued", "sending", "delivered", "failed" };
  g_return_val_if_fail (state < G_N_ELEMENTS (names), NULL);
  return names[state];
}

/* ---- entries ---- */

static void
recipient_free (gpointer data)
{
  Recipient *r = data;
  g_free (r->pub.mailbox);
  g_free (r->pub.orcpt);
  g_free (r->pub.reply);
  g_free (r->pub.reason);
  g_free (r->pub.status);
  g_free (r->pub.remote_mta);
  g_free (r);
}

PochtaMtaEntry *
pochta_mta_entry_new (const char *reverse_path, GBytes *message)
{
  g_return_val_if_fail (reverse_path != NULL && message != NULL, NULL);

  Entry *entry = g_new0 (Entry, 1);
  entry->link.data = entry;
  entry->pub.reverse_path = g_strdup (reverse_path);
  entry->pub.message = g_bytes_ref (message);
  entry->pub.recipients = g_ptr_array_new_with_free_func (recipient_free);
  entry->pub.next_attempt = -1;
  return &entry->pub;
}

static void
attempt_free (gpointer data)
{
  PochtaMtaAttempt *attempt = data;
  g_ptr_array_unref (attempt->recipients);
  g_strfreev (attempt->exchangers);
  g_free (attempt);
}

void
pochta_mta_entry_free (PochtaMtaEntry *pub)
{
  Entry *entry = (Entry *) pub;
  if (entry == NULL)
    return;
  /* Attempts still under way when the simulation ends. */
  g_slist_free_full (entry->attempts, attempt_free);
  g_free (pub->id);
  g_free (pub->reverse_path);
  g_ptr_array_unref (pub->recipients);
  g_bytes_unref (pub->message);
  g_free (pub->auth_login);
  g_free (pub->envid);
  g_free (entry);
}

void
pochta_mta_entry_add_recipient (PochtaMtaEntry *entry,
                                const char     *mailbox,
                                PochtaDsnNotify notify,
                                const char     *orcpt)
{
  g_return_if_fail (entry != NULL && mailbox != NULL);

  Recipient *r = g_new0 (Recipient, 1);
  r->pub.mailbox = g_strdup (mailbox);
  r->pub.orcpt = g_strdup (orcpt);
  r->pub.notify = notify;
  g_ptr_array_add (entry->recipients, r);
}

/* ---- the MTA ---- */

PochtaMta *
pochta_mta_new (const char            *hostname,
                PochtaNetwork         *network,
                PochtaScheduler       *scheduler,
                PochtaGenerator       *generator,
                const PochtaMtaConfig *config,
                const PochtaMtaDriver *driver)
{
  g_return_val_if_fail (hostname != NULL && network != NULL, NULL);
  g_return_val_if_fail (scheduler != NULL && generator != NULL && driver != NULL, NULL);
  g_return_val_if_fail (driver->start_attempt != NULL && driver->inject != NULL, NULL);

  PochtaMta *self = g_new0 (PochtaMta, 1);
  self->hostname = g_strdup (hostname);
  self->network = network;
  self->scheduler = scheduler;
  self->generator = generator;
  self->driver = *driver;
  pochta_mta_set_config (self, config);
  g_queue_init (&self->queue);
  return self;
}

void
pochta_mta_free (PochtaMta *self)
{
  if (self == NULL)
    return;
  GList *link;
  /* The queue's links live inside the entries. */
  while ((link = g_queue_pop_head_link (&self->queue)) != NULL)
    {
      Entry *entry = link->data;
      if (entry->timer != 0)
        pochta_scheduler_cancel (self->scheduler, entry->timer);
      pochta_mta_entry_free (&entry->pub);
    }
  g_free (self->relay_host);
  g_free (self->hostname);
  g_free (self);
}

const char *
pochta_mta_get_hostname (PochtaMta *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->hostname;
}

void
pochta_mta_set_config (PochtaMta *self, const PochtaMtaConfig *config)
{
  g_return_if_fail (self != NULL);

  PochtaMtaConfig defaults;
  pochta_mta_config_init_defaults (&defaults);
  self->config = config != NULL ? *config : defaults;
  if (self->config.retry_initial <= 0)
    self->config.retry_initial = defaults.retry_initial;
  if (self->config.retry_max <= 0)
    self->config.retry_max = defaults.retry_max;
  if (self->config.give_up <= 0)
    self->config.give_up = defaults.give_up;
  self->config.retry_max = MAX (self->config.retry_max, self->config.retry_initial);
}

void
pochta_mta_get_config (PochtaMta *self, PochtaMtaConfig *out_config)
{
  g_return_if_fail (self != NULL && out_config != NULL);
  *out_config = self->config;
}

void
pochta_mta_set_relay_host (PochtaMta *self, const char *relay_host)
{
  g_return_if_fail (self != NULL);
  g_free (self->relay_host);
  self->relay_host = g_strdup (relay_host);
}

const char *
pochta_mta_get_relay_host (PochtaMta *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->relay_host;
}

static void G_GNUC_PRINTF (3, 4)
record (PochtaMta *self, const char *event, const char *format, ...)
{
  if (self->driver.record == NULL)
    return;
  va_list args;
  va_start (args, format);
  g_autofree char *text = pochta_strdup_vprintf (format, args);
  va_end (args);
  self->driver.record (self, event, text, self->driver.user_data);
}

/* ---- routing (RFC 5321 §5.1) ---- */

static const char *
domain_of (const char *mailbox)
{
  const char *at = strrchr (mailbox, '@');
  return at != NULL ? at + 1 : NULL;
}

static GStrv
route_by_mx (PochtaMta *self, const char *domain, const char **out_status, const char **out_reason)
{
  const GPtrArray *records = pochta_network_peek_mx (self->network, domain);
  guint n_records = records != NULL ? records->len : 0;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint own_preference = G_MAXUINT;

  if (n_records == 0)
    {
      /* §5.1: no MX, so the domain itself is the implicit MX, if it is
       * a host at all. */
      gboolean exists = self->driver.host_exists != NULL
                          ? self->driver.host_exists (self, domain, self->driver.user_data)
                          : pochta_network_get_host (self->network, domain) != NULL;
      if (!exists)
        {
          *out_status = "5.1.2";
          *out_reason = "Host or domain name not found";
          return NULL;
        }
      g_strv_builder_add (builder, domain);
      return g_strv_builder_end (builder);
    }
  for (guint i = 0; i < n_records; i++)
    {
      const PochtaMxRecord *mx = g_ptr_array_index (records, i);
      if (g_ascii_strcasecmp (mx->exchanger, self->hostname) == 0)
        own_preference = MIN (own_preference, mx->preference);
    }
  /* §5.1: a relay in the list drops itself and every exchanger that is
   * not better than it.  Records come sorted, lowest preference first;
   * equal preferences keep the file's order, so runs repeat. */
  guint n = 0;
  for (guint i = 0; i < n_records; i++)
    {
      const PochtaMxRecord *mx = g_ptr_array_index (records, i);
      if (mx->preference < own_preference)
        {
          g_strv_builder_add (builder, mx->exchanger);
          n++;
        }
    }
  if (n == 0)
    {
      *out_status = "5.4.6";
      *out_reason = "Mail for this domain loops back to myself";
      return NULL;
    }
  return g_strv_builder_end (builder);
}

GStrv
pochta_mta_route (PochtaMta   *self,
                  const char  *domain,
                  const char **out_status,
                  const char **out_reason)
{
  g_return_val_if_fail (self != NULL && domain != NULL, NULL);
  g_return_val_if_fail (out_status != NULL && out_reason != NULL, NULL);

  if (self->relay_host != NULL && g_ascii_strcasecmp (self->relay_host, self->hostname) != 0)
    {
      GStrv exchangers = g_new0 (char *, 2);
      exchangers[0] = g_strdup (self->relay_host);
      return exchangers;
    }
  return route_by_mx (self, domain, out_status, out_reason);
}

/* ---- outcomes ---- */

static void
set_outcome (PochtaMtaRecipient *r,
             PochtaMtaRecipientState state,
             guint code,
             const char *reply,
             const char *reason,
             const char *status,
             const char *remote_mta)
{
  r->state = state;
  r->code = code;
  g_free (r->reply);
  r->reply = g_strdup (reply);
  g_free (r->reason);
  r->reason = g_strdup (reason);
  g_free (r->status);
  r->status = g_strdup (status);
  g_free (r->remote_mta);
  r->remote_mta = g_strdup (remote_mta);
}

void
pochta_mta_attempt_set_reply (PochtaMtaAttempt *attempt,
                              guint             index,
                              guint             code,
                              const char       *text,
                              const char       *remote_mta)
{
  g_return_if_fail (attempt != NULL && index < attempt->recipients->len);
  g_return_if_fail (code >= 200 && code < 600);

  PochtaMtaRecipient *r = g_ptr_array_index (attempt->recipients, index);
  g_autofree char *reply = pochta_strdup_printf ("%u %s", code, text != NULL ? text : "");
  g_autofree char *status = pochta_dsn_status_of_reply (code, text);
  PochtaMtaRecipientState state = code < 300   ? POCHTA_MTA_RECIPIENT_DELIVERED
                                  : code < 500 ? POCHTA_MTA_RECIPIENT_QUEUED
                                               : POCHTA_MTA_RECIPIENT_FAILED;
  set_outcome (r, state, code, reply, NULL, status, remote_mta);
}

void
pochta_mta_attempt_set_unreachable (PochtaMtaAttempt *attempt, const char *reason)
{
  g_return_if_fail (attempt != NULL && reason != NULL);

  for (guint i = 0; i < attempt->recipients->len; i++)
    {
      PochtaMtaRecipient *r = g_ptr_array_index (attempt->recipients, i);
      if (r->state == POCHTA_MTA_RECIPIENT_SENDING)
        set_outcome (r, POCHTA_MTA_RECIPIENT_QUEUED, 0, NULL, reason, "4.4.1", NULL);
    }
}

/* ---- bounces (RFC 5321 §6.1, RFC 3464) ---- */

/* RFC 3461 §4.1: NOTIFY=NEVER, or a list without FAILURE, asks for no
 * failure report. */
static gboolean
wants_failure_report (const PochtaMtaRecipient *r)
{
  return r->notify == POCHTA_DSN_NOTIFY_DEFAULT || (r->notify & POCHTA_DSN_NOTIFY_FAILURE) != 0;
}

static void
send_bounce (PochtaMta *self, Entry *entry, GPtrArray *failed)
{
  PochtaMtaEntry *pub = &entry->pub;
  g_autoptr (GArray) fields = g_array_new (FALSE, TRUE, sizeof (PochtaDsnRecipient));

  for (guint i = 0; i < failed->len; i++)
    {
      const PochtaMtaRecipient *r = g_ptr_array_index (failed, i);
      PochtaDsnRecipient field = {
        .final_recipient = r->mailbox,
        .original_recipient = r->orcpt,
        .action = "failed",
        .status = r->status,
        .remote_mta = r->remote_mta,
        .smtp_reply = r->reply,
        .reason = r->reason,
        .last_attempt = r->last_attempt,
      };
      if (wants_failure_report (r))
        g_array_append_val (fields, field);
    }
  if (fields->len == 0)
    return;
  /* §6.1: never a report about a report; it could loop for ever. */
  if (pub->reverse_path[0] == '\0')
    {
      record (self, "not-bounced",
              "%s: the reverse-path is <>, so no report is sent (RFC 5321 §6.1)", pub->id);
      return;
    }

  PochtaDsnReport report = {
    .reporting_mta = self->hostname,
    .reverse_path = pub->reverse_path,
    .envid = pub->envid,
    .arrival_date = pub->arrival_time,
    .utc_offset_minutes = pochta_generator_get_utc_offset (self->generator),
    .ret = pub->ret,
    .original = pub->message,
    .recipients = (const PochtaDsnRecipient *) (gpointer) fields->data,
    .n_recipients = fields->len,
  };
  g_autoptr (GBytes) dsn = pochta_dsn_build (&report, self->generator);
  record (self, "bounced", "%s: report on %u recipient(s) sent to <%s> with MAIL FROM:<>",
          pub->id, fields->len, pub->reverse_path);
  self->driver.inject (self, "", pub->reverse_path, dsn, self->driver.user_data);
}

/* ---- attempts ---- */

static void entry_run (gpointer data);

static void
schedule (PochtaMta *self, Entry *entry, gint64 time)
{
  if (entry->timer != 0)
    pochta_scheduler_cancel (self->scheduler, entry->timer);
  entry->pub.next_attempt = time;
  entry->timer = pochta_scheduler_add (self->scheduler, time, entry_run, entry, NULL);
}

static gint64
retry_interval (PochtaMta *self, guint attempts)
{
  gint64 interval = self->config.retry_initial;
  for (guint i = 1; i < attempts && interval < self->config.retry_max; i++)
    interval *= 2;
  return MIN (interval, self->config.retry_max);
}

static void
remove_entry (PochtaMta *self, Entry *entry)
{
  if (entry->timer != 0)
    pochta_scheduler_cancel (self->scheduler, entry->timer);
  g_queue_unlink (&self->queue, &entry->link);
  pochta_mta_entry_free (&entry->pub);
}

/* §4.5.4.1: give up at arrival + give_up; the last try falls exactly
 * then. */
static void
expire_or_retry (PochtaMta *self, Entry *entry, guint n_queued)
{
  gint64 now = pochta_scheduler_get_time (self->scheduler);
  gint64 deadline = entry->pub.arrival_time + self->config.give_up;

  if (now < deadline)
    {
      gint64 next = MIN (now + retry_interval (self, entry->pub.attempts), deadline);
      /* RFC 1985: ETRN asked for it during the attempt; go again now. */
      if (entry->flush_requested)
        next = now;
      entry->flush_requested = FALSE;
      g_autofree char *date
        = pochta_format_rfc5322_date (next, pochta_generator_get_utc_offset (self->generator));
      schedule (self, entry, next);
      record (self, "deferred", "%s: %u recipient(s) still queued, next attempt %s", entry->pub.id,
              n_queued, date);
      return;
    }
  for (guint i = 0; i < entry->pub.recipients->len; i++)
    {
      PochtaMtaRecipient *r = g_ptr_array_index (entry->pub.recipients, i);
      if (r->state != POCHTA_MTA_RECIPIENT_QUEUED)
        continue;
      g_autofree char *reply = g_strdup (r->reply);
      g_autofree char *reason = g_strdup (r->reason != NULL ? r->reason : "delivery time expired");
      g_autofree char *remote = g_strdup (r->remote_mta);
      set_outcome (r, POCHTA_MTA_RECIPIENT_FAILED, r->code, reply, reason, "5.4.7", remote);
    }
  record (self, "expired", "%s: given up after %u attempt(s)", entry->pub.id, entry->pub.attempts);
}

/* Once no attempt of the entry runs: bounce what failed, then retry,
 * expire or remove. */
static void
settle (PochtaMta *self, Entry *entry)
{
  g_autoptr (GPtrArray) failed = g_ptr_array_new ();
  guint n_queued = 0;

  for (guint i = 0; i < entry->pub.recipients->len; i++)
    if (((PochtaMtaRecipient *) g_ptr_array_index (entry->pub.recipients, i))->state
        == POCHTA_MTA_RECIPIENT_QUEUED)
      n_queued++;
  if (n_queued > 0)
    expire_or_retry (self, entry, n_queued);

  n_queued = 0;
  for (guint i = 0; i < entry->pub.recipients->len; i++)
    {
      Recipient *r = g_ptr_array_index (entry->pub.recipients, i);
      if (r->pub.state == POCHTA_MTA_RECIPIENT_FAILED && !r->reported)
        {
          r->reported = TRUE;
          g_ptr_array_add (failed, r);
        }
      n_queued += r->pub.state == POCHTA_MTA_RECIPIENT_QUEUED;
    }
  if (failed->len > 0)
    send_bounce (self, entry, failed);
  if (n_queued == 0)
    {
      record (self, "done", "%s: every recipient delivered or bounced; removed from the queue",
              entry->pub.id);
      remove_entry (self, entry);
    }
}

static PochtaMtaAttempt *
attempt_for (GPtrArray *attempts, GPtrArray *keys, const char *key)
{
  for (guint i = 0; i < keys->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (keys, i), key) == 0)
      return g_ptr_array_index (attempts, i);
  return NULL;
}

/* §4.5.4.1: one transaction per destination. */
static void
group_recipients (PochtaMta *self, Entry *entry, GPtrArray *attempts)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  gint64 now = pochta_scheduler_get_time (self->scheduler);

  for (guint i = 0; i < entry->pub.recipients->len; i++)
    {
      PochtaMtaRecipient *r = g_ptr_array_index (entry->pub.recipients, i);
      if (r->state != POCHTA_MTA_RECIPIENT_QUEUED)
        continue;
      r->last_attempt = now;
      const char *domain = domain_of (r->mailbox);
      const char *key = self->relay_host != NULL ? self->relay_host : domain;
      if (key == NULL)
        {
          set_outcome (r, POCHTA_MTA_RECIPIENT_FAILED, 0, NULL, "No domain in the address", "5.1.3",
                       NULL);
          continue;
        }
      PochtaMtaAttempt *attempt = attempt_for (attempts, keys, key);
      if (attempt == NULL)
        {
          const char *status = NULL, *reason = NULL;
          GStrv exchangers
            = pochta_mta_route (self, domain != NULL ? domain : key, &status, &reason);
          if (exchangers == NULL)
            {
              set_outcome (r, POCHTA_MTA_RECIPIENT_FAILED, 0, NULL, reason, status, NULL);
              continue;
            }
          attempt = g_new0 (PochtaMtaAttempt, 1);
          attempt->entry = &entry->pub;
          attempt->recipients = g_ptr_array_new ();
          attempt->exchangers = exchangers;
          g_ptr_array_add (attempts, attempt);
          entry->attempts = g_slist_prepend (entry->attempts, attempt);
          g_ptr_array_add (keys, (gpointer) key);
        }
      r->state = POCHTA_MTA_RECIPIENT_SENDING;
      g_ptr_array_add (attempt->recipients, r);
    }
}

static void
entry_start (PochtaMta *self, Entry *entry)
{
  g_autoptr (GPtrArray) attempts = g_ptr_array_new ();

  entry->timer = 0;
  entry->pub.next_attempt = -1;
  entry->pub.attempts++;
  group_recipients (self, entry, attempts);

  /* An attempt may finish inside start_attempt; the extra count keeps
   * the entry from settling before every attempt has started. */
  entry->running = attempts->len + 1;
  for (guint i = 0; i < attempts->len; i++)
    self->driver.start_attempt (self, g_ptr_array_index (attempts, i), self->driver.user_data);
  if (--entry->running == 0)
    settle (self, entry);
}

static void
entry_run (gpointer data)
{
  Entry *entry = data;
  PochtaMta *self = entry->mta;

  entry->timer = 0;
  if (self->driver.is_up != NULL && !self->driver.is_up (self, self->driver.user_data))
    {
      entry->due_while_down = TRUE;
      return;
    }
  entry_start (self, entry);
}

void
pochta_mta_attempt_finish (PochtaMta *self, PochtaMtaAttempt *attempt)
{
  g_return_if_fail (self != NULL && attempt != NULL);

  Entry *entry = (Entry *) attempt->entry;
  /* A recipient no reply decided counts as a lost connection (§3.8). */
  for (guint i = 0; i < attempt->recipients->len; i++)
    {
      PochtaMtaRecipient *r = g_ptr_array_index (attempt->recipients, i);
      if (r->state == POCHTA_MTA_RECIPIENT_SENDING)
        set_outcome (r, POCHTA_MTA_RECIPIENT_QUEUED, 451, "451 Connection lost", NULL, "4.4.2",
                     NULL);
    }
  entry->attempts = g_slist_remove (entry->attempts, attempt);
  attempt_free (attempt);
  g_return_if_fail (entry->running > 0);
  if (--entry->running == 0)
    settle (self, entry);
}

void
pochta_mta_enqueue (PochtaMta *self, PochtaMtaEntry *pub)
{
  g_return_if_fail (self != NULL && pub != NULL);
  g_return_if_fail (pub->recipients->len > 0);

  Entry *entry = (Entry *) pub;
  entry->mta = self;
  pub->id = pochta_generator_token (self->generator, QUEUE_ID_CHARS);
  pub->arrival_time = pochta_scheduler_get_time (self->scheduler);
  g_queue_push_tail_link (&self->queue, &entry->link);

  GString *to = g_string_new (NULL);
  for (guint i = 0; i < pub->recipients->len; i++)
    pochta_string_append_printf (
      to, "%s<%s>", i > 0 ? ", " : "",
      ((PochtaMtaRecipient *) g_ptr_array_index (pub->recipients, i))->mailbox);
  record (self, "queued", "%s: from <%s> to %s", pub->id, pub->reverse_path, to->str);
  g_string_free (to, TRUE);
  schedule (self, entry, pub->arrival_time);
}

GPtrArray *
pochta_mta_dup_queue (PochtaMta *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  GPtrArray *entries = g_ptr_array_new ();
  for (GList *l = self->queue.head; l != NULL; l = l->next)
    g_ptr_array_add (entries, &((Entry *) l->data)->pub);
  return entries;
}

guint
pochta_mta_get_queue_length (PochtaMta *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->queue.length;
}

static gboolean
node_matches (const char *node, gboolean subdomains, const char *domain)
{
  if (domain == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (domain, node) == 0)
    return TRUE;
  gsize dlen = strlen (domain), nlen = strlen (node);
  return subdomains && dlen > nlen && domain[dlen - nlen - 1] == '.'
         && g_ascii_strcasecmp (domain + dlen - nlen, node) == 0;
}

static gboolean
entry_waits_for (Entry *entry, const char *node, gboolean subdomains)
{
  for (guint i = 0; i < entry->pub.recipients->len; i++)
    {
      PochtaMtaRecipient *r = g_ptr_array_index (entry->pub.recipients, i);
      gboolean waiting
        = r->state == POCHTA_MTA_RECIPIENT_QUEUED || r->state == POCHTA_MTA_RECIPIENT_SENDING;
      if (waiting && node_matches (node, subdomains, domain_of (r->mailbox)))
        return TRUE;
    }
  return FALSE;
}

int
pochta_mta_flush (PochtaMta *self, const char *node)
{
  g_return_val_if_fail (self != NULL && node != NULL, -1);

  /* RFC 1985 §5: "@" asks for the node's subdomains too; "#" names a
   * queue, which this MTA does not have. */
  if (node[0] == '#')
    return -1;
  gboolean subdomains = node[0] == '@';
  const char *name = subdomains ? node + 1 : node;
  gint64 now = pochta_scheduler_get_time (self->scheduler);
  int count = 0;

  for (GList *l = self->queue.head; l != NULL; l = l->next)
    {
      Entry *entry = l->data;
      if (!entry_waits_for (entry, name, subdomains))
        continue;
      /* An attempt under way goes again as soon as it is over. */
      if (entry->running > 0)
        entry->flush_requested = TRUE;
      else
        schedule (self, entry, now);
      count++;
    }
  record (self, "flush", "ETRN %s: %d message(s) to attempt now", node, count);
  return count;
}

void
pochta_mta_run_due (PochtaMta *self)
{
  g_return_if_fail (self != NULL);

  gint64 now = pochta_scheduler_get_time (self->scheduler);
  for (GList *l = self->queue.head; l != NULL; l = l->next)
    {
      Entry *entry = l->data;
      if (entry->due_while_down)
        {
          entry->due_while_down = FALSE;
          schedule (self, entry, now);
        }
    }
}
