/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated host: its SMTP and POP3 services, relay policy, local
 * delivery and faults.  Outgoing SMTP is in host-relay.c. */
#define G_LOG_DOMAIN "pochta-host"
#include "config.h"

#include <string.h>

#include "format.h"
#include "ascii-case-private.h"
#include "host-private.h"
#include "pop3-server.h"
#include "smtp-server.h"

/* Mailbox of the bare <Postmaster> (RFC 5321 §4.5.1). */
#define POSTMASTER_MAILBOX "postmaster"
/* RFC 6647 leaves the greylisting delay to the site; 5 minutes is
 * Postgrey's, well under the MTA's first retry (RFC 5321 §4.5.4.1). */
#define DEFAULT_GREYLIST_DELAY (5 * G_TIME_SPAN_MINUTE)

struct _PochtaSimHost
{
  PochtaSimContext *context;
  const PochtaHost *description;    /* the network's */
  PochtaMailStore *store;
  PochtaMta *mta;
  PochtaSmtpPolicy directory_policy;
  gboolean up;
  guint link_node;                  /* in the context's link map; G_MAXUINT until asked */
  gboolean greylisting;
  gint64 greylist_delay;
  GHashTable *greylist;             /* "address\nsender\nrecipient" -> first try (gint64*) */
  gsize size_limit;
  GHashTable *full_mailboxes;       /* logins (any case) */
  /* The last local mailbox looked up and its user (NULL: none such): a
   * message's RCPT and its delivery ask for the same one, and a host's
   * mail is mostly for few users. */
  char *last_mailbox;
  const PochtaUser *last_user;
};

/* What the host's SMTP policy needs to know about one session. */
typedef struct
{
  PochtaSmtpServer *server;
  PochtaSimHost *host;
  char *client_host;                /* NULL: a client outside the network */
  char *client_address;
} SmtpSession;

/* ---- the host ---- */

PochtaSimHost *
pochta_sim_host_new (PochtaSimContext      *context,
                     const PochtaHost      *description,
                     const PochtaMtaConfig *mta_config)
{
  g_return_val_if_fail (context != NULL && description != NULL, NULL);

  PochtaSimHost *self = g_new0 (PochtaSimHost, 1);
  self->context = context;
  self->description = description;
  self->up = TRUE;
  self->link_node = G_MAXUINT;
  self->greylist_delay = DEFAULT_GREYLIST_DELAY;
  self->greylist = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->full_mailboxes
    = g_hash_table_new_full (pochta_ascii_case_hash, pochta_ascii_case_equal, g_free, NULL);
  self->store = pochta_mail_store_new (context->generator, description->name);
  pochta_directory_init_smtp_policy (context->directory, description->name, NULL, NULL,
                                     &self->directory_policy);
  PochtaMtaDriver driver = {
    .start_attempt = pochta_sim_host_relay_start,
    .inject = pochta_sim_host_relay_inject,
    .record = pochta_sim_host_relay_record,
    .is_up = pochta_sim_host_relay_is_up,
    .host_exists = pochta_sim_host_relay_host_exists,
    .user_data = self,
  };
  self->mta = pochta_mta_new (description->name, context->network, context->scheduler,
                              context->generator, mta_config, &driver);
  return self;
}

void
pochta_sim_host_free (PochtaSimHost *self)
{
  if (self == NULL)
    return;
  pochta_mta_free (self->mta);
  pochta_mail_store_unref (self->store);
  g_hash_table_unref (self->greylist);
  g_hash_table_unref (self->full_mailboxes);
  g_free (self->last_mailbox);
  g_free (self);
}

const char *
pochta_sim_host_get_name (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->description->name;
}

const char *
pochta_sim_host_get_address (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->description->address;
}

const PochtaHost *
pochta_sim_host_get_description (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->description;
}

PochtaSimContext *
pochta_sim_host_get_context (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->context;
}

PochtaMailStore *
pochta_sim_host_get_store (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->store;
}

void
pochta_sim_host_set_store (PochtaSimHost *self, PochtaMailStore *store)
{
  g_return_if_fail (self != NULL && store != NULL);

  pochta_mail_store_ref (store);
  pochta_mail_store_unref (self->store);
  self->store = store;
}

PochtaMta *
pochta_sim_host_get_mta (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->mta;
}

gboolean
pochta_sim_host_is_up (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->up;
}

void
pochta_sim_host_set_up (PochtaSimHost *self, gboolean up)
{
  g_return_if_fail (self != NULL);

  gboolean was_up = self->up;
  self->up = up;
  if (up && !was_up)
    pochta_mta_run_due (self->mta);
}

void
pochta_sim_host_set_greylisting (PochtaSimHost *self, gboolean on)
{
  g_return_if_fail (self != NULL);
  self->greylisting = on;
}

gboolean
pochta_sim_host_get_greylisting (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->greylisting;
}

void
pochta_sim_host_set_greylist_delay (PochtaSimHost *self, gint64 delay)
{
  g_return_if_fail (self != NULL && delay >= 0);
  self->greylist_delay = delay;
}

void
pochta_sim_host_set_size_limit (PochtaSimHost *self, gsize limit)
{
  g_return_if_fail (self != NULL);
  self->size_limit = limit;
}

gsize
pochta_sim_host_get_size_limit (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size_limit;
}

void
pochta_sim_host_set_mailbox_full (PochtaSimHost *self, const char *login, gboolean full)
{
  g_return_if_fail (self != NULL && login != NULL);

  if (full)
    g_hash_table_add (self->full_mailboxes, g_strdup (login));
  else
    g_hash_table_remove (self->full_mailboxes, login);
}

gboolean
pochta_sim_host_is_mailbox_full (PochtaSimHost *self, const char *login)
{
  g_return_val_if_fail (self != NULL && login != NULL, FALSE);
  return g_hash_table_contains (self->full_mailboxes, login);
}

/* ---- addresses ---- */

static gboolean
is_under (const char *name, const char *domain)
{
  gsize nlen = strlen (name), dlen = strlen (domain);
  return nlen == dlen ? pochta_ascii_case_equal (name, domain)
                      : nlen > dlen && name[nlen - dlen - 1] == '.'
                          && pochta_ascii_case_equal (name + nlen - dlen, domain);
}

/* This host's place among domain's MX records: 0 none, 1 the best, 2 a
 * worse one. */
static int
mx_rank (PochtaSimHost *self, const char *domain)
{
  const GPtrArray *records = pochta_network_peek_mx (self->context->network, domain);
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      const PochtaMxRecord *mx = g_ptr_array_index (records, i);
      const PochtaMxRecord *best = g_ptr_array_index (records, 0);
      if (pochta_ascii_case_equal (mx->exchanger, self->description->name))
        return mx->preference == best->preference ? 1 : 2;
    }
  return 0;
}

/* The directory's user behind a mailbox of this host, or NULL. */
static const PochtaUser *
find_local_user (PochtaSimHost *self, const char *mailbox)
{
  if (self->last_mailbox == NULL || !pochta_ascii_case_equal (self->last_mailbox, mailbox))
    {
      g_free (self->last_mailbox);
      self->last_mailbox = g_strdup (mailbox);
      self->last_user = pochta_sim_context_find_mailbox (self->context, mailbox);
    }
  return self->last_user;
}

PochtaAddressKind
pochta_sim_host_classify (PochtaSimHost *self, const char *mailbox, const PochtaUser **out_user)
{
  g_return_val_if_fail (self != NULL && mailbox != NULL, POCHTA_ADDRESS_ELSEWHERE);

  const char *at = strrchr (mailbox, '@');
  const char *domain = at != NULL ? at + 1 : NULL;
  *out_user = NULL;
  if (domain == NULL)
    return pochta_ascii_case_equal (mailbox, POSTMASTER_MAILBOX) ? POCHTA_ADDRESS_POSTMASTER
                                                                  : POCHTA_ADDRESS_UNKNOWN_USER;
  if (pochta_ascii_case_equal (domain, self->description->name))
    {
      if (at - mailbox == strlen (POSTMASTER_MAILBOX)
          && g_ascii_strncasecmp (mailbox, POSTMASTER_MAILBOX, strlen (POSTMASTER_MAILBOX)) == 0)
        return POCHTA_ADDRESS_POSTMASTER;
      *out_user = find_local_user (self, mailbox);
      return *out_user != NULL ? POCHTA_ADDRESS_USER : POCHTA_ADDRESS_UNKNOWN_USER;
    }
  switch (mx_rank (self, domain))
    {
    case 1:
      *out_user = pochta_sim_context_find_in_domain (self->context, mailbox);
      return *out_user != NULL ? POCHTA_ADDRESS_USER : POCHTA_ADDRESS_UNKNOWN_USER;
    case 2:
      return POCHTA_ADDRESS_BACKUP;
    default:
      break;
    }
  /* constr-org.md: the hub takes mail for every name of the enterprise. */
  if (mx_rank (self, pochta_network_get_domain (self->context->network)) == 1
      && is_under (domain, pochta_network_get_domain (self->context->network)))
    return POCHTA_ADDRESS_HUB;
  return POCHTA_ADDRESS_ELSEWHERE;
}

/* ---- SMTP policy ---- */

/* RFC 6647's triplet: client address, sender, recipient. */
static gboolean
greylisted (SmtpSession *session, const PochtaSmtpEnvelope *envelope, const char *mailbox)
{
  PochtaSimHost *self = session->host;
  gint64 now = pochta_scheduler_get_time (self->context->scheduler);

  if (!self->greylisting || envelope->authenticated_as != NULL
      || g_strcmp0 (session->client_host, self->description->name) == 0)
    return FALSE;
  g_autofree char *key
    = pochta_strdup_printf ("%s\n%s\n%s", session->client_address, envelope->reverse_path, mailbox);
  gint64 *first = g_hash_table_lookup (self->greylist, key);
  if (first == NULL)
    {
      g_hash_table_insert (self->greylist, g_steal_pointer (&key), g_memdup2 (&now, sizeof now));
      return TRUE;
    }
  return now < *first + self->greylist_delay;
}

static PochtaSmtpRcptVerdict
check_recipient (const PochtaSmtpEnvelope *envelope,
                 const char *mailbox,
                 char **out_text,
                 gpointer data)
{
  SmtpSession *session = data;
  PochtaSimHost *self = session->host;
  const PochtaUser *user = NULL;

  switch (pochta_sim_host_classify (self, mailbox, &user))
    {
    case POCHTA_ADDRESS_UNKNOWN_USER:
      return POCHTA_SMTP_RCPT_NO_SUCH_USER;
    case POCHTA_ADDRESS_ELSEWHERE:
      /* RFC 5321 §3.6.2; constr-org.md: relay for the enterprise's own
       * hosts and for authenticated clients only. */
      if (envelope->authenticated_as == NULL && session->client_host == NULL)
        return POCHTA_SMTP_RCPT_RELAY_DENIED;
      break;
    default:
      break;
    }
  if (greylisted (session, envelope, mailbox))
    return POCHTA_SMTP_RCPT_GREYLISTED;
  if (user != NULL && pochta_ascii_case_equal (user->host, self->description->name)
      && pochta_sim_host_is_mailbox_full (self, user->login))
    return POCHTA_SMTP_RCPT_MAILBOX_FULL;
  return POCHTA_SMTP_RCPT_OK;
}

static PochtaSmtpDeliverVerdict
deliver (const PochtaSmtpEnvelope *envelope, GBytes *message, char **out_id, gpointer data)
{
  SmtpSession *session = data;
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();

  for (guint i = 0; i < envelope->recipients->len; i++)
    g_ptr_array_add (recipients, g_ptr_array_index (envelope->recipients, i));
  return pochta_sim_host_accept_message (session->host, envelope->reverse_path, recipients, message,
                                         envelope->ret, envelope->envid)
           ? POCHTA_SMTP_DELIVER_OK
           : POCHTA_SMTP_DELIVER_TEMPFAIL;
}

static PochtaSmtpVrfyVerdict
verify (const char *query, GPtrArray *out_matches, gpointer data)
{
  SmtpSession *session = data;
  PochtaSmtpPolicy *policy = &session->host->directory_policy;
  return policy->verify (query, out_matches, policy->user_data);
}

static gboolean
expand (const char *list, GPtrArray *out_members, gpointer data)
{
  SmtpSession *session = data;
  PochtaSmtpPolicy *policy = &session->host->directory_policy;
  return policy->expand (list, out_members, policy->user_data);
}

/* constr-org.md: SMTP AUTH accepts any user of the enterprise. */
static char *
get_secret (const char *login, gpointer data)
{
  SmtpSession *session = data;
  const PochtaUser *user = pochta_sim_context_find_login (session->host->context, login);
  return user != NULL ? g_strdup (user->password) : NULL;
}

static PochtaSmtpEtrnVerdict
etrn (const char *node, guint *out_count, gpointer data)
{
  SmtpSession *session = data;
  int count = pochta_mta_flush (session->host->mta, node);

  if (count < 0)
    return POCHTA_SMTP_ETRN_UNABLE;
  *out_count = (guint) count;
  return count == 0 ? POCHTA_SMTP_ETRN_NONE_WAITING : POCHTA_SMTP_ETRN_PENDING;
}

static void
smtp_session_free (gpointer data)
{
  SmtpSession *session = data;
  pochta_smtp_server_free (session->server);
  g_free (session->client_host);
  g_free (session->client_address);
  g_free (session);
}

static SmtpSession *
smtp_session_new (PochtaSimHost *self, const char *client_host, const char *outside_address)
{
  SmtpSession *session = g_new0 (SmtpSession, 1);
  PochtaSimHost *client
    = client_host != NULL ? pochta_sim_context_find_host (self->context, client_host) : NULL;
  PochtaSmtpLimits limits;

  session->host = self;
  session->client_host = g_strdup (client != NULL ? pochta_sim_host_get_name (client) : NULL);
  /* A client from outside is the loopback bridge's (constr-org.md). */
  session->client_address = g_strdup (client != NULL ? pochta_sim_host_get_address (client)
                                      : outside_address != NULL ? outside_address
                                                                : "127.0.0.1");
  pochta_smtp_limits_init_defaults (&limits);
  if (self->size_limit > 0)
    limits.message_size_max = self->size_limit;

  PochtaSmtpPolicy policy = {
    .check_recipient = check_recipient,
    .verify = verify,
    .expand = expand,
    .get_secret = get_secret,
    .deliver = deliver,
    .etrn = etrn,
    .user_data = session,
  };
  PochtaSmtpConfig config = {
    .hostname = self->description->name,
    .profile = self->description->profile,
    .limits = &limits,
    .generator = self->context->generator,
    .client_address = session->client_address,
    .client_hostname = session->client_host,
    .report_data_lines = self->context->record_lines,
    .no_line_events = !self->context->record_lines,
    .no_received_line_events = TRUE,
  };
  session->server = pochta_smtp_server_new (&config, &policy);
  pochta_smtp_server_start (session->server);
  return session;
}

/* The SMTP server as a connection sees it, its policy data alongside. */
#define SERVER(session) (((SmtpSession *) (session))->server)

static gssize
smtp_feed (gpointer s, const guint8 *data, gsize len)
{
  return pochta_smtp_server_session_class.feed (SERVER (s), data, len);
}

static void
smtp_feed_eof (gpointer s)
{
  pochta_smtp_server_session_class.feed_eof (SERVER (s));
}

static gsize
smtp_peek (gpointer s, const guint8 **out_data)
{
  return pochta_smtp_server_session_class.peek_output (SERVER (s), out_data);
}

static void
smtp_consume (gpointer s, gsize n_bytes)
{
  pochta_smtp_server_session_class.consume_output (SERVER (s), n_bytes);
}

static gboolean
smtp_next_event (gpointer s, PochtaEvent *out_event)
{
  return pochta_smtp_server_session_class.next_event (SERVER (s), out_event);
}

static int
smtp_get_state (gpointer s)
{
  return pochta_smtp_server_session_class.get_state (SERVER (s));
}

static const char *
smtp_state_name (int state)
{
  return pochta_smtp_state_to_string ((PochtaSmtpState) state);
}

static gboolean
smtp_is_done (gpointer s)
{
  return pochta_smtp_server_session_class.is_done (SERVER (s));
}

static void
smtp_shutdown (gpointer s, const char *reason)
{
  pochta_smtp_server_session_class.shutdown (SERVER (s), reason);
}

static void
smtp_set_event_sink (gpointer s, PochtaEventSink sink, gpointer user_data)
{
  pochta_smtp_server_session_class.set_event_sink (SERVER (s), sink, user_data);
}

static const PochtaSessionClass host_smtp_session_class = {
  smtp_feed, smtp_feed_eof, smtp_peek, smtp_consume, smtp_next_event, smtp_get_state,
  smtp_state_name, smtp_is_done, smtp_session_free, smtp_shutdown, smtp_set_event_sink,
};

/* ---- POP3 ---- */

static char *
pop3_get_secret (const char *login, gpointer data)
{
  PochtaSimHost *self = data;
  g_autofree char *mailbox = pochta_strdup_printf ("%s@%s", login, self->description->name);
  const PochtaUser *user = pochta_sim_context_find_mailbox (self->context, mailbox);
  return user != NULL ? g_strdup (user->password) : NULL;
}

/* constr-org.md: maildrops are per host; the store's mailbox is the
 * login as the directory spells it, made on first use. */
static char *
pop3_resolve_mailbox (const char *login, gpointer data)
{
  PochtaSimHost *self = data;
  g_autofree char *mailbox = pochta_strdup_printf ("%s@%s", login, self->description->name);
  const PochtaUser *user = pochta_sim_context_find_mailbox (self->context, mailbox);

  if (user == NULL || !pochta_mail_store_create_mailbox (self->store, user->login, NULL))
    return NULL;
  return g_strdup (user->login);
}

static gpointer
pop3_session_new (PochtaSimHost *self)
{
  PochtaPop3Policy policy = {
    .get_secret = pop3_get_secret,
    .resolve_mailbox = pop3_resolve_mailbox,
    .store = self->store,
    .user_data = self,
  };
  PochtaPop3Config config = {
    .hostname = self->description->name,
    .generator = self->context->generator,
    .report_data_lines = self->context->record_lines,
    .no_line_events = !self->context->record_lines,
    .no_received_line_events = TRUE,
  };
  PochtaPop3Server *server = pochta_pop3_server_new (&config, &policy);
  pochta_pop3_server_start (server);
  return server;
}

gpointer
pochta_sim_host_accept (PochtaSimHost             *self,
                        guint16                    port,
                        const char                *client_host,
                        const char                *client_address,
                        const PochtaSessionClass **out_class)
{
  g_return_val_if_fail (self != NULL && out_class != NULL, NULL);

  if (port != 0 && port == self->description->smtp_port)
    {
      *out_class = &host_smtp_session_class;
      return smtp_session_new (self, client_host, client_address);
    }
  if (port != 0 && port == self->description->pop3_port)
    {
      *out_class = &pochta_pop3_server_session_class;
      return pop3_session_new (self);
    }
  return NULL;
}

/* ---- delivery ---- */

/* RFC 5321 §4.4: final delivery puts the reverse-path on top. */
static gboolean
store_locally (PochtaSimHost *self, const char *mailbox, const char *reverse_path, GBytes *message)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  gsize path_len = strlen (reverse_path);
  /* One allocation and three copies: every stored message passes here. */
  static const char head[] = "Return-Path: <", tail[] = ">\r\n";
  gsize size = sizeof head - 1 + path_len + sizeof tail - 1 + len;
  guint8 *content = g_malloc (size), *at = content;

  memcpy (at, head, sizeof head - 1);
  at += sizeof head - 1;
  memcpy (at, reverse_path, path_len);
  at += path_len;
  memcpy (at, tail, sizeof tail - 1);
  at += sizeof tail - 1;
  if (len > 0)
    memcpy (at, data, len);
  g_autoptr (GBytes) bytes = g_bytes_new_take (content, size);
  g_autoptr (PochtaStoredMessage) stored = NULL;
  if (pochta_mail_store_create_mailbox (self->store, mailbox, &error))
    stored = pochta_mail_store_deliver (self->store, mailbox, bytes, &error);
  if (stored == NULL)
    {
      pochta_sim_context_record (self->context, self->description->name, "store-failed",
                                 "mailbox %s: %s", mailbox, error->message);
      return FALSE;
    }
  pochta_sim_context_record (self->context, self->description->name, "stored",
                             "message from <%s> in mailbox %s (%" G_GSIZE_FORMAT " octets)",
                             reverse_path, mailbox, g_bytes_get_size (bytes));
  return TRUE;
}

/* The login whose credentials the hop may use: the sender's, when the
 * sender is a user of this host (host.h). */
static char *
hop_login (PochtaSimHost *self, const char *reverse_path)
{
  const PochtaUser *user = reverse_path[0] != '\0'
                             ? pochta_sim_context_find_mailbox (self->context, reverse_path)
                             : NULL;
  if (user == NULL || !pochta_ascii_case_equal (user->host, self->description->name))
    return NULL;
  return g_strdup (user->login);
}

gboolean
pochta_sim_host_accept_message (PochtaSimHost *self,
                                const char    *reverse_path,
                                GPtrArray     *recipients,
                                GBytes        *message,
                                PochtaDsnRet   ret,
                                const char    *envid)
{
  g_return_val_if_fail (self != NULL && reverse_path != NULL && recipients != NULL, FALSE);

  g_autoptr (PochtaMtaEntry) entry = pochta_mta_entry_new (reverse_path, message);
  gboolean ok = TRUE;

  for (guint i = 0; i < recipients->len; i++)
    {
      const PochtaSmtpRecipient *recipient = g_ptr_array_index (recipients, i);
      const PochtaUser *user = NULL;
      PochtaAddressKind kind = pochta_sim_host_classify (self, recipient->mailbox, &user);
      if (kind == POCHTA_ADDRESS_POSTMASTER)
        ok &= store_locally (self, POSTMASTER_MAILBOX, reverse_path, message);
      else if (kind == POCHTA_ADDRESS_UNKNOWN_USER)
        /* Only a message made here gets this far (RCPT refuses the
         * rest); the sender is this host's own MAILER-DAEMON. */
        pochta_sim_context_record (self->context, self->description->name, "undeliverable",
                                   "no mailbox %s here; the message from <%s> is dropped",
                                   recipient->mailbox, reverse_path);
      else if (user != NULL && pochta_ascii_case_equal (user->host, self->description->name))
        ok &= store_locally (self, user->login, reverse_path, message);
      else if (user != NULL)
        {
          /* RFC 5321 §3.9.1: the alias's target replaces it in the
           * envelope; the header stays as it is. */
          g_autofree char *target = pochta_user_dup_mailbox (user);
          pochta_mta_entry_add_recipient (entry, target, recipient->notify, recipient->orcpt);
        }
      else
        pochta_mta_entry_add_recipient (entry, recipient->mailbox, recipient->notify,
                                        recipient->orcpt);
    }
  if (entry->recipients->len > 0)
    {
      entry->ret = ret;
      entry->envid = g_strdup (envid);
      entry->auth_login = hop_login (self, reverse_path);
      pochta_mta_enqueue (self->mta, g_steal_pointer (&entry));
    }
  return ok;
}

void
pochta_sim_host_inject (PochtaSimHost *self,
                        const char    *reverse_path,
                        const char    *recipient,
                        GBytes        *message)
{
  g_return_if_fail (self != NULL && reverse_path != NULL && recipient != NULL && message != NULL);

  PochtaSmtpRecipient r = { .mailbox = (char *) recipient };
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();
  g_ptr_array_add (recipients, &r);
  pochta_sim_host_accept_message (self, reverse_path, recipients, message, POCHTA_DSN_RET_DEFAULT,
                                  NULL);
}

guint
pochta_sim_host_get_link_node (PochtaSimHost *self)
{
  g_return_val_if_fail (self != NULL, 0);
  if (self->link_node == G_MAXUINT)
    self->link_node = pochta_link_map_find_node (self->context->links, self->description->name);
  return self->link_node;
}
