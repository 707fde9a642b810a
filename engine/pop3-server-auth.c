/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Logging in to the POP3 server: USER/PASS and APOP (RFC 1939 §7), AUTH
 * (RFC 5034), the failure count, and taking the maildrop. */
#define G_LOG_DOMAIN "pochta-pop3-server"
#include "config.h"

#include <string.h>

#include "pop3-server-private.h"

/* A failed login attempt of any kind; after limits->auth_failures_max the
 * session closes once the -ERR is out. */
static void
auth_failed (PochtaPop3Server *self, const char *code, const char *text)
{
  pochta_pop3_server_enter_state (self, POCHTA_POP3_STATE_AUTHORIZATION);
  pochta_pop3_server_queue_reply (self, FALSE, code, "%s", text);
  self->auth_failures++;
  if (self->auth_failures >= self->limits.auth_failures_max)
    pochta_pop3_server_close (self, "too many authentication failures");
}

/* Credentials are right: take the maildrop (RFC 1939 §4), or say why
 * not with an RFC 2449/3206 response code. */
static void
finish_login (PochtaPop3Server *self, const char *login)
{
  g_autofree char *mailbox = NULL;
  g_autoptr (GError) error = NULL;

  pochta_pop3_server_enter_state (self, POCHTA_POP3_STATE_AUTHORIZATION);
  if (self->policy.login_delayed != NULL && self->policy.login_delayed (login, self->policy.user_data))
    {
      pochta_pop3_server_queue_reply (self, FALSE, "LOGIN-DELAY",
                                      "%s logged in too recently, try again later", login);
      return;
    }

  mailbox = self->policy.resolve_mailbox != NULL
              ? self->policy.resolve_mailbox (login, self->policy.user_data)
              : g_strdup (login);
  if (mailbox != NULL)
    self->lock = pochta_mail_store_lock (self->policy.store, mailbox, &error);
  if (self->lock == NULL)
    {
      if (g_error_matches (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_IN_USE))
        pochta_pop3_server_queue_reply (self, FALSE, "IN-USE", "unable to lock maildrop: it is in use");
      else if (mailbox == NULL
               || g_error_matches (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_NO_SUCH_MAILBOX)
               || g_error_matches (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_INVALID_NAME))
        pochta_pop3_server_queue_reply (self, FALSE, "SYS/PERM", "no maildrop for %s here", login);
      else
        pochta_pop3_server_queue_reply (self, FALSE, "SYS/TEMP", "unable to open maildrop");
      return;
    }

  self->login = g_strdup (login);
  self->messages = pochta_mailbox_lock_get_messages (self->lock);
  self->deleted = g_new0 (gboolean, self->messages->len + 1);
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_AUTHENTICATED, login);
  pochta_pop3_server_enter_state (self, POCHTA_POP3_STATE_TRANSACTION);

  guint count;
  gsize octets;
  pochta_pop3_server_count_live (self, &count, &octets);
  pochta_pop3_server_queue_reply (self, TRUE, NULL,
                                  "%s's maildrop has %u message%s (%" G_GSIZE_FORMAT " octets)", login,
                                  count, pochta_pop3_plural (count), octets);
}

/* ---- AUTHORIZATION commands ---- */

void
pochta_pop3_server_handle_user (PochtaPop3Server *self, const Command *command)
{
  self->pending_user = g_strdup (command->args[0]);
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "send PASS");
}

void
pochta_pop3_server_handle_pass (PochtaPop3Server *self, const Command *command)
{
  if (command->user == NULL)
    {
      pochta_pop3_server_queue_reply (self, FALSE, NULL, "PASS must follow a successful USER");
      return;
    }

  g_autofree char *secret = self->policy.get_secret (command->user, self->policy.user_data);
  if (secret == NULL || strcmp (secret, command->rest) != 0)
    {
      auth_failed (self, "AUTH", "invalid user name or password");
      return;
    }
  finish_login (self, command->user);
}

static gboolean
is_hex_digest (const char *text)
{
  if (strlen (text) != 32)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

void
pochta_pop3_server_handle_apop (PochtaPop3Server *self, const Command *command)
{
  const char *name = command->args[0];
  const char *digest = command->args[1];

  if (self->timestamp == NULL)
    {
      pochta_pop3_server_queue_reply (self, FALSE, NULL, "APOP is not available here");
      return;
    }
  if (!is_hex_digest (digest))
    {
      auth_failed (self, "AUTH", "permission denied");
      return;
    }

  g_autofree char *secret = self->policy.get_secret (name, self->policy.user_data);
  g_autofree char *expected = secret != NULL ? pochta_apop_digest (self->timestamp, secret) : NULL;
  if (expected == NULL || g_ascii_strcasecmp (expected, digest) != 0)
    {
      auth_failed (self, "AUTH", "permission denied");
      return;
    }
  finish_login (self, name);
}

/* Acts on what the SASL server said after a start or a step. */
static void
sasl_progress (PochtaPop3Server *self, PochtaSaslStatus status, GBytes *challenge)
{
  switch (status)
    {
    case POCHTA_SASL_CONTINUE:
      {
        gsize len;
        const guint8 *data = g_bytes_get_data (challenge, &len);
        g_autofree char *encoded = g_base64_encode (data, len);
        g_autofree char *line = g_strconcat ("+ ", encoded, NULL);

        pochta_pop3_server_enter_state (self, POCHTA_POP3_STATE_SASL);
        pochta_pop3_server_queue_line (self, line, strlen (line), TRUE, FALSE);
        return;
      }
    case POCHTA_SASL_SUCCESS:
      {
        g_autofree char *login = g_strdup (pochta_sasl_server_get_login (self->sasl));
        g_clear_pointer (&self->sasl, pochta_sasl_server_free);
        finish_login (self, login);
        return;
      }
    case POCHTA_SASL_FAILURE:
      g_clear_pointer (&self->sasl, pochta_sasl_server_free);
      auth_failed (self, "AUTH", "authentication failed");
      return;
    case POCHTA_SASL_MALFORMED:
    default:
      g_clear_pointer (&self->sasl, pochta_sasl_server_free);
      auth_failed (self, NULL, "malformed authentication exchange");
      return;
    }
}

void
pochta_pop3_server_handle_auth (PochtaPop3Server *self, const Command *command)
{
  PochtaSaslMechanism mechanism;

  if (!pochta_sasl_mechanism_from_string (command->args[0], &mechanism)
      || !pochta_pop3_server_offers_mechanism (self, mechanism))
    {
      pochta_pop3_server_queue_reply (self, FALSE, NULL, "unsupported authentication mechanism");
      return;
    }

  /* RFC 5034 §4: "=" is an initial response of zero length. */
  g_autoptr (GBytes) initial = NULL;
  if (command->n_args == 2)
    {
      const char *text = command->args[1];
      initial = strcmp (text, "=") == 0 ? g_bytes_new (NULL, 0)
                                        : pochta_base64_decode_strict (text, strlen (text));
      if (initial == NULL)
        {
          auth_failed (self, NULL, "invalid base64 in the initial response");
          return;
        }
    }

  self->sasl = pochta_sasl_server_new (mechanism, "pop", self->hostname, self->generator,
                                       self->policy.get_secret, self->policy.user_data);
  gsize len = 0;
  const guint8 *data = initial != NULL ? g_bytes_get_data (initial, &len) : NULL;
  g_autoptr (GBytes) challenge = NULL;
  PochtaSaslStatus status =
    pochta_sasl_server_start (self->sasl, initial != NULL, data, len, &challenge);
  sasl_progress (self, status, challenge);
}

/* A line while a "+ " challenge is outstanding (RFC 5034 §4). */
void
pochta_pop3_server_sasl_response (PochtaPop3Server *self,
                                  PochtaLineStatus  status,
                                  const char       *line,
                                  gsize             len)
{
  if (status != POCHTA_LINE_CRLF)
    {
      g_clear_pointer (&self->sasl, pochta_sasl_server_free);
      auth_failed (self, NULL, status == POCHTA_LINE_TOO_LONG ? "authentication response too long"
                                                              : "line must end with CRLF");
      return;
    }
  if (len == 1 && line[0] == '*')
    {
      g_clear_pointer (&self->sasl, pochta_sasl_server_free);
      auth_failed (self, NULL, "authentication cancelled");
      return;
    }

  g_autoptr (GBytes) response = pochta_base64_decode_strict (line, len);
  if (response == NULL)
    {
      g_clear_pointer (&self->sasl, pochta_sasl_server_free);
      auth_failed (self, NULL, "invalid base64 in the authentication response");
      return;
    }

  gsize response_len;
  const guint8 *data = g_bytes_get_data (response, &response_len);
  g_autoptr (GBytes) challenge = NULL;
  PochtaSaslStatus sasl_status = pochta_sasl_server_step (self->sasl, data, response_len, &challenge);
  sasl_progress (self, sasl_status, challenge);
}
