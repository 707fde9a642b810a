/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A host's outgoing SMTP: the MTA's attempts run as SMTP client sessions
 * over simulated connections, exchanger after exchanger. */
#define G_LOG_DOMAIN "pochta-host"
#include "config.h"

#include <string.h>

#include "format.h"
#include "host-private.h"
#include "smtp-client.h"

/* RFC 5321 §3.8: a session that ended without deciding a recipient
 * counts as a lost connection. */
#define CODE_CONNECTION_LOST 451

typedef struct
{
  PochtaSimHost *host;
  PochtaMta *mta;
  PochtaMtaAttempt *attempt;
  guint next_exchanger;
  char *exchanger;              /* the one being tried */
  GString *failures;            /* why the exchangers tried so far could not be reached */
} Relay;

static void try_next_exchanger (Relay *relay);

static void
relay_free (Relay *relay)
{
  g_free (relay->exchanger);
  g_string_free (relay->failures, TRUE);
  g_free (relay);
}

static gboolean
has_8bit (GBytes *message)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (message, &len);
  for (gsize i = 0; i < len; i++)
    if (data[i] & 0x80)
      return TRUE;
  return FALSE;
}

static PochtaSmtpClient *
new_client (Relay *relay, const PochtaHost *target)
{
  PochtaSimContext *context = pochta_sim_host_get_context (relay->host);
  const PochtaMtaEntry *entry = relay->attempt->entry;
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();
  const PochtaUser *user = NULL;

  for (guint i = 0; i < relay->attempt->recipients->len; i++)
    g_ptr_array_add (
      recipients,
      ((PochtaMtaRecipient *) g_ptr_array_index (relay->attempt->recipients, i))->mailbox);
  g_ptr_array_add (recipients, NULL);
  /* host.h: the sender's credentials, where the next hop offers AUTH
   * (the rfc821 profile has no EHLO, so no AUTH, RFC 4954 §3). */
  if (entry->auth_login != NULL && target->profile != POCHTA_SMTP_PROFILE_RFC821)
    {
      g_autofree char *mailbox
        = pochta_strdup_printf ("%s@%s", entry->auth_login, pochta_sim_host_get_name (relay->host));
      user = pochta_sim_context_find_mailbox (context, mailbox);
    }

  PochtaSmtpClientConfig config = {
    .hostname = pochta_sim_host_get_name (relay->host),
    .server_hostname = target->name,
    .generator = context->generator,
    .reverse_path = entry->reverse_path,
    .recipients = (const char *const *) recipients->pdata,
    .message = entry->message,
    .login = user != NULL ? user->login : NULL,
    .password = user != NULL ? user->password : NULL,
    .ret = entry->ret,
    .envid = entry->envid,
    .body_8bitmime = has_8bit (entry->message),
    .no_line_events = !context->record_lines,
    .no_received_line_events = TRUE,
  };
  PochtaSmtpClient *client = pochta_smtp_client_new (&config);
  for (guint i = 0; i < relay->attempt->recipients->len; i++)
    {
      const PochtaMtaRecipient *r = g_ptr_array_index (relay->attempt->recipients, i);
      pochta_smtp_client_set_recipient_dsn (client, i, r->notify, r->orcpt);
    }
  return client;
}

static void
finish (Relay *relay)
{
  pochta_mta_attempt_finish (relay->mta, relay->attempt);
  relay_free (relay);
}

static void
on_failed (PochtaConnection *connection, const char *reason, gpointer data)
{
  Relay *relay = data;
  PochtaSimContext *context = pochta_sim_host_get_context (relay->host);

  pochta_string_append_printf (relay->failures, "%sconnect to %s: %s",
                               relay->failures->len > 0 ? "; " : "", relay->exchanger, reason);
  pochta_sim_context_record (context, pochta_sim_host_get_name (relay->host), "connect-failed",
                             "%s: connect to %s: %s", relay->attempt->entry->id, relay->exchanger,
                             reason);
  try_next_exchanger (relay);
}

static const char *
event_of (const PochtaSmtpClientRecipient *r)
{
  switch (r->outcome)
    {
    case POCHTA_SMTP_OUTCOME_ACCEPTED: return "relayed";
    case POCHTA_SMTP_OUTCOME_TEMPORARY: return "temporary-failure";
    default: return "rejected";
    }
}

static void
on_finished (PochtaConnection *connection, gpointer data)
{
  Relay *relay = data;
  PochtaSimContext *context = pochta_sim_host_get_context (relay->host);
  PochtaSmtpClient *client = pochta_connection_get_client_session (connection);

  for (guint i = 0; i < pochta_smtp_client_get_n_recipients (client); i++)
    {
      const PochtaSmtpClientRecipient *r = pochta_smtp_client_get_recipient (client, i);
      if (r->outcome == POCHTA_SMTP_OUTCOME_PENDING)
        continue;
      guint code = r->code >= 200 && r->code < 600 ? r->code : CODE_CONNECTION_LOST;
      pochta_mta_attempt_set_reply (relay->attempt, i, code, r->text, relay->exchanger);
      pochta_sim_context_record (context, pochta_sim_host_get_name (relay->host), event_of (r),
                                 "%s: <%s> to %s: %u %s", relay->attempt->entry->id, r->mailbox,
                                 relay->exchanger, code, r->text != NULL ? r->text : "");
    }
  finish (relay);
}

static void
try_next_exchanger (Relay *relay)
{
  PochtaSimContext *context = pochta_sim_host_get_context (relay->host);
  GStrv exchangers = relay->attempt->exchangers;

  while (exchangers[relay->next_exchanger] != NULL)
    {
      const char *name = exchangers[relay->next_exchanger++];
      PochtaSimHost *target = pochta_sim_context_find_host (context, name);
      g_free (relay->exchanger);
      relay->exchanger = g_strdup (name);
      if (target == NULL)
        {
          pochta_string_append_printf (relay->failures, "%s%s: no such host",
                                       relay->failures->len > 0 ? "; " : "", name);
          continue;
        }
      const PochtaHost *description = pochta_sim_host_get_description (target);
      PochtaConnectionOwner owner = {
        .failed = on_failed,
        .finished = on_finished,
        .user_data = relay,
        /* The attempt itself belongs to the MTA's entry. */
        .destroy = (GDestroyNotify) relay_free,
      };
      /* A host without SMTP refuses port 25 (RFC 5321 §4.5.4.2). */
      guint16 port = description->smtp_port != 0 ? description->smtp_port : 25;
      pochta_connection_open (context, POCHTA_PROTOCOL_SMTP, pochta_sim_host_get_name (relay->host),
                              description->name, port, new_client (relay, description),
                              &pochta_smtp_client_session_class, &owner);
      return;
    }
  /* RFC 3463 X.4.1: no answer from any host. */
  pochta_mta_attempt_set_unreachable (relay->attempt, relay->failures->str);
  finish (relay);
}

void
pochta_sim_host_relay_start (PochtaMta *mta, PochtaMtaAttempt *attempt, gpointer host)
{
  g_return_if_fail (mta != NULL && attempt != NULL && host != NULL);

  Relay *relay = g_new0 (Relay, 1);
  relay->host = host;
  relay->mta = mta;
  relay->attempt = attempt;
  relay->failures = g_string_new (NULL);
  try_next_exchanger (relay);
}

void
pochta_sim_host_relay_inject (PochtaMta  *mta,
                              const char *reverse_path,
                              const char *recipient,
                              GBytes     *message,
                              gpointer    host)
{
  g_return_if_fail (host != NULL);
  pochta_sim_host_inject (host, reverse_path, recipient, message);
}

void
pochta_sim_host_relay_record (PochtaMta *mta, const char *event, const char *text, gpointer host)
{
  g_return_if_fail (host != NULL && event != NULL && text != NULL);
  pochta_sim_context_record (pochta_sim_host_get_context (host), pochta_sim_host_get_name (host),
                             event, "%s", text);
}

gboolean
pochta_sim_host_relay_is_up (PochtaMta *mta, gpointer host)
{
  g_return_val_if_fail (host != NULL, FALSE);
  return pochta_sim_host_is_up (host);
}

gboolean
pochta_sim_host_relay_host_exists (PochtaMta *mta, const char *name, gpointer host)
{
  g_return_val_if_fail (host != NULL && name != NULL, FALSE);
  return pochta_sim_context_find_host (pochta_sim_host_get_context (host), name) != NULL;
}
