/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Mail user agents: composing, submitting and fetching. */
#define G_LOG_DOMAIN "pochta-mua"
#include "config.h"

#include <string.h>

#include "format.h"
#include "host.h"
#include "mua.h"
#include "pop3-client.h"
#include "simulation.h"
#include "smtp-client.h"

#define MESSAGE_ID_TOKEN_CHARS 16
/* RFC 2047 §2: an encoded-word is at most 75 characters; "=?UTF-8?B?"
 * and "?=" leave 63, i.e. 45 octets of base64 input (whole characters
 * only, §5). */
#define ENCODED_WORD_OCTETS 45

/* ---- composing ---- */

static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      return FALSE;
  return TRUE;
}

/* RFC 2047 §4.1 "B" encoded-words, folded between words (RFC 5322
 * §2.2.3). */
static void
append_encoded (GString *out, const char *text)
{
  const char *p = text;

  while (*p != '\0')
    {
      const char *end = p;
      while (*end != '\0' && g_utf8_next_char (end) - p <= ENCODED_WORD_OCTETS)
        end = g_utf8_next_char (end);
      g_autofree char *b64 = g_base64_encode ((const guchar *) p, (gsize) (end - p));
      pochta_string_append_printf (out, "%s=?UTF-8?B?%s?=", p == text ? "" : "\r\n ", b64);
      p = end;
    }
}

static void
append_field (GString *out, const char *name, const char *value)
{
  pochta_string_append_printf (out, "%s: ", name);
  if (is_ascii (value))
    g_string_append (out, value);
  else
    append_encoded (out, value);
  g_string_append (out, "\r\n");
}

static void
append_from (GString *out, const PochtaUser *user)
{
  g_string_append (out, "From: ");
  if (is_ascii (user->full_name))
    g_string_append (out, user->full_name);
  else
    append_encoded (out, user->full_name);
  pochta_string_append_printf (out, " <%s@%s>\r\n", user->login, user->host);
}

/* Lines end in CRLF on the wire (RFC 5322 §2.3), whatever the user typed. */
static void
append_body (GString *out, const char *body)
{
  g_auto (GStrv) lines = g_strsplit (body, "\n", -1);
  guint n = g_strv_length (lines);

  /* A final newline ends the last line rather than starting one more. */
  if (n > 0 && lines[n - 1][0] == '\0')
    n--;
  for (guint i = 0; i < n; i++)
    {
      gsize len = strlen (lines[i]);
      if (len > 0 && lines[i][len - 1] == '\r')
        len--;
      g_string_append_len (out, lines[i], (gssize) len);
      g_string_append (out, "\r\n");
    }
}

GBytes *
pochta_mua_compose (const PochtaUser  *user,
                    const char *const *to,
                    const char        *subject,
                    const char        *body,
                    PochtaGenerator   *generator)
{
  g_return_val_if_fail (user != NULL && to != NULL && to[0] != NULL && generator != NULL, NULL);

  GString *out = g_string_new (NULL);
  g_autofree char *date = pochta_generator_format_date (generator);
  g_autofree char *token = pochta_generator_token (generator, MESSAGE_ID_TOKEN_CHARS);
  g_autofree char *to_list = g_strjoinv (", ", (char **) to);

  /* Appends rather than printf: a scale run composes every letter here. */
  g_string_append (out, "Date: ");
  g_string_append (out, date);
  g_string_append (out, "\r\n");
  append_from (out, user);
  g_string_append (out, "To: ");
  g_string_append (out, to_list);
  g_string_append (out, "\r\n");
  append_field (out, "Subject", subject != NULL ? subject : "");
  g_string_append (out, "Message-ID: <");
  g_string_append (out, token);
  g_string_append_c (out, '@');
  g_string_append (out, user->host);
  g_string_append (out, ">\r\n");
  if (body != NULL && !is_ascii (body))
    g_string_append (out, "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=UTF-8\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n");
  g_string_append (out, "\r\n");
  append_body (out, body != NULL ? body : "");
  return g_string_free_to_bytes (out);
}

/* ---- the agents ---- */

typedef struct
{
  PochtaSimContext *context;
  char *host;
  char *mailbox;
} Agent;

static Agent *
agent_new (PochtaSimContext *context, const PochtaUser *user)
{
  Agent *agent = g_new0 (Agent, 1);
  agent->context = context;
  agent->host = g_strdup (user->host);
  agent->mailbox = pochta_user_dup_mailbox (user);
  return agent;
}

static void
agent_free (Agent *agent)
{
  g_free (agent->host);
  g_free (agent->mailbox);
  g_free (agent);
}

static gboolean G_GNUC_PRINTF (3, 4)
refuse (GError **error, PochtaSimulationError code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = pochta_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, POCHTA_SIMULATION_ERROR, code, message);
  return FALSE;
}

static const PochtaUser *
find_user (PochtaSimContext *context, const char *mailbox, PochtaSimHost **out_host, GError **error)
{
  const PochtaUser *user = pochta_sim_context_find_mailbox (context, mailbox);
  if (user == NULL)
    {
      g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_USER,
                   "no user %s on the network", mailbox);
      return NULL;
    }
  *out_host = pochta_sim_context_find_host (context, user->host);
  if (!pochta_sim_host_is_up (*out_host))
    {
      g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_HOST_DOWN,
                   "%s is down, so %s cannot use it", user->host, user->login);
      return NULL;
    }
  return user;
}

/* A mailbox the SMTP client can put in RCPT TO:<...> (RFC 5321 §4.1.2). */
static gboolean
is_plausible_mailbox (const char *mailbox)
{
  const char *at = strrchr (mailbox, '@');
  if (at == NULL || at == mailbox || at[1] == '\0')
    return FALSE;
  for (const char *p = mailbox; *p != '\0'; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f || *p == '<' || *p == '>')
      return FALSE;
  return TRUE;
}

static void
on_submit_failed (PochtaConnection *connection, const char *reason, gpointer data)
{
  Agent *agent = data;
  pochta_sim_context_record (agent->context, agent->host, "submit-failed", "%s: %s", agent->mailbox,
                             reason);
  agent_free (agent);
}

static void
on_submit_finished (PochtaConnection *connection, gpointer data)
{
  Agent *agent = data;
  PochtaSmtpClient *client = pochta_connection_get_client_session (connection);
  const char *error = pochta_smtp_client_get_error (client);

  /* RFC 5321 §3.3: what the server refused in the session is the
   * agent's to report; no bounce follows. */
  for (guint i = 0; i < pochta_smtp_client_get_n_recipients (client); i++)
    {
      const PochtaSmtpClientRecipient *r = pochta_smtp_client_get_recipient (client, i);
      if (r->outcome != POCHTA_SMTP_OUTCOME_ACCEPTED)
        pochta_sim_context_record (agent->context, agent->host, "submit-refused", "%s: <%s>: %u %s",
                                   agent->mailbox, r->mailbox, r->code,
                                   r->text != NULL ? r->text : "");
    }
  if (pochta_smtp_client_message_accepted (client))
    pochta_sim_context_record (agent->context, agent->host, "submitted",
                               "%s: the letter was accepted", agent->mailbox);
  else
    pochta_sim_context_record (agent->context, agent->host, "submit-failed", "%s: %s",
                               agent->mailbox,
                               error != NULL ? error : "the letter was not accepted");
  agent_free (agent);
}

gboolean
pochta_mua_submit (PochtaSimContext  *context,
                   const char        *from_mailbox,
                   const char *const *to,
                   const char        *subject,
                   const char        *body,
                   GError           **error)
{
  g_return_val_if_fail (context != NULL && from_mailbox != NULL && to != NULL, FALSE);

  PochtaSimHost *host = NULL;
  const PochtaUser *user = find_user (context, from_mailbox, &host, error);
  if (user == NULL)
    return FALSE;
  const PochtaHost *description = pochta_sim_host_get_description (host);
  if (description->smtp_port == 0)
    return refuse (error, POCHTA_SIMULATION_ERROR_NO_SERVICE,
                   "%s has no SMTP service", user->host);
  if (to[0] == NULL)
    return refuse (error, POCHTA_SIMULATION_ERROR_INVALID,
                   "a letter needs at least one recipient");
  for (guint i = 0; to[i] != NULL; i++)
    if (!is_plausible_mailbox (to[i]))
      return refuse (error, POCHTA_SIMULATION_ERROR_INVALID,
                   "'%s' is not a mailbox (local-part@domain)", to[i]);
  if ((subject != NULL
       && (!g_utf8_validate (subject, -1, NULL) || strpbrk (subject, "\r\n") != NULL))
      || (body != NULL && !g_utf8_validate (body, -1, NULL)))
    return refuse (error, POCHTA_SIMULATION_ERROR_INVALID,
                   "the subject must be one line and both it and the body UTF-8");

  g_autoptr (GBytes) letter = pochta_mua_compose (user, to, subject, body, context->generator);
  g_autofree char *mailbox = pochta_user_dup_mailbox (user);
  gboolean auth = description->profile != POCHTA_SMTP_PROFILE_RFC821;
  PochtaSmtpClientConfig config = {
    .hostname = user->host,
    .server_hostname = user->host,
    .generator = context->generator,
    .reverse_path = mailbox,
    .recipients = to,
    .message = letter,
    /* RFC 4954 §3: AUTH needs EHLO, which the rfc821 profile lacks. */
    .login = auth ? user->login : NULL,
    .password = auth ? user->password : NULL,
    .body_8bitmime = body != NULL && !is_ascii (body),
    .no_line_events = !context->record_lines,
    .no_received_line_events = TRUE,
  };
  PochtaConnectionOwner owner = {
    .failed = on_submit_failed,
    .finished = on_submit_finished,
    .user_data = agent_new (context, user),
    .destroy = (GDestroyNotify) agent_free,
  };
  g_autofree char *to_list = g_strjoinv (", ", (char **) to);
  pochta_sim_context_record (context, user->host, "submit", "%s writes to %s", mailbox, to_list);
  pochta_connection_open (context, POCHTA_PROTOCOL_SMTP, user->host, user->host,
                          description->smtp_port, pochta_smtp_client_new (&config),
                          &pochta_smtp_client_session_class, &owner);
  return TRUE;
}

static void
on_fetch_event (PochtaConnection *connection, const PochtaEvent *event, gpointer data)
{
  Agent *agent = data;
  if (event->type != POCHTA_EVENT_MESSAGE || event->bytes == NULL)
    return;
  GHashTable *counts = agent->context->n_fetched;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, agent->mailbox));
  g_hash_table_replace (counts, g_strdup (agent->mailbox), GUINT_TO_POINTER (n + 1));
  if (!agent->context->keep_fetched)
    return;
  GPtrArray *fetched = g_hash_table_lookup (agent->context->fetched, agent->mailbox);
  if (fetched == NULL)
    {
      fetched = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_hash_table_insert (agent->context->fetched, g_strdup (agent->mailbox), fetched);
    }
  g_ptr_array_add (fetched, g_bytes_ref (event->bytes));
}

static void
on_fetch_failed (PochtaConnection *connection, const char *reason, gpointer data)
{
  Agent *agent = data;
  pochta_sim_context_record (agent->context, agent->host, "fetch-failed", "%s: %s", agent->mailbox,
                             reason);
  agent_free (agent);
}

static void
on_fetch_finished (PochtaConnection *connection, gpointer data)
{
  Agent *agent = data;
  PochtaPop3Client *client = pochta_connection_get_client_session (connection);
  guint n_retrieved = 0;

  for (guint i = 0; i < pochta_pop3_client_get_n_messages (client); i++)
    n_retrieved += pochta_pop3_client_get_message (client, i)->content != NULL;
  if (pochta_pop3_client_succeeded (client))
    pochta_sim_context_record (agent->context, agent->host, "fetched",
                               "%s: %u message(s) retrieved", agent->mailbox, n_retrieved);
  else
    pochta_sim_context_record (
      agent->context, agent->host, "fetch-failed", "%s: %s", agent->mailbox,
      pochta_pop3_client_get_error (client) != NULL ? pochta_pop3_client_get_error (client)
                                                    : "the session did not end with QUIT");
  agent_free (agent);
}

gboolean
pochta_mua_fetch (PochtaSimContext *context,
                  const char       *user_mailbox,
                  gboolean          keep,
                  GError          **error)
{
  g_return_val_if_fail (context != NULL && user_mailbox != NULL, FALSE);

  PochtaSimHost *host = NULL;
  const PochtaUser *user = find_user (context, user_mailbox, &host, error);
  if (user == NULL)
    return FALSE;
  const PochtaHost *description = pochta_sim_host_get_description (host);
  if (description->pop3_port == 0)
    return refuse (error, POCHTA_SIMULATION_ERROR_NO_SERVICE,
                   "%s has no POP3 service", user->host);

  PochtaPop3ClientConfig config = {
    .server_hostname = user->host,
    .generator = context->generator,
    .login = user->login,
    .password = user->password,
    .method = POCHTA_POP3_LOGIN_AUTO,
    .delete_retrieved = !keep,
    .report_data_lines = context->record_lines,
    .no_line_events = !context->record_lines,
    .no_received_line_events = TRUE,
  };
  PochtaConnectionOwner owner = {
    .failed = on_fetch_failed,
    .client_event = on_fetch_event,
    .finished = on_fetch_finished,
    .user_data = agent_new (context, user),
    .destroy = (GDestroyNotify) agent_free,
  };
  pochta_sim_context_record (context, user->host, "fetch", "%s fetches mail (%s)", user->login,
                             keep ? "keeping it on the server" : "deleting it from the server");
  pochta_connection_open (context, POCHTA_PROTOCOL_POP3, user->host, user->host,
                          description->pop3_port, pochta_pop3_client_new (&config),
                          &pochta_pop3_client_session_class, &owner);
  return TRUE;
}
