/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The AUTH command of the SMTP server (RFC 4954): base64 on the wire,
 * the mechanisms themselves in sasl.c. */
#define G_LOG_DOMAIN "pochta-smtp-server"
#include "config.h"

#include <string.h>

#include "smtp-server-private.h"

/* The policy may have no secrets at all: then nobody authenticates. */
static char *
get_secret (const char *login, gpointer user_data)
{
  PochtaSmtpServer *self = user_data;

  if (self->policy.get_secret == NULL)
    return NULL;
  return self->policy.get_secret (login, self->policy.user_data);
}

static void
end_exchange (PochtaSmtpServer *self)
{
  g_clear_pointer (&self->sasl, pochta_sasl_server_free);
  pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_READY);
}

static void
succeed (PochtaSmtpServer *self)
{
  const char *login = pochta_sasl_server_get_login (self->sasl);

  self->authenticated = TRUE;
  g_free (self->envelope.authenticated_as);
  self->envelope.authenticated_as = g_strdup (login);
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_AUTHENTICATED, login);
  end_exchange (self);
  /* RFC 4954 §6: 235 2.7.0. */
  pochta_smtp_server_queue_reply (self, 235, "2.7.0", "Authentication successful");
}

/* Carries out what the mechanism said about the client's last message. */
static void
handle_status (PochtaSmtpServer *self, PochtaSaslStatus status, GBytes *challenge)
{
  switch (status)
    {
    case POCHTA_SASL_CONTINUE:
      {
        /* RFC 4954 §4: the challenge is the whole text of one 334 line,
         * base64, "334 " alone when it is empty; no enhanced code on 3yz
         * (RFC 2034 §4). */
        gsize len = 0;
        const guint8 *data = challenge != NULL ? g_bytes_get_data (challenge, &len) : NULL;
        g_autofree char *encoded = len > 0 ? g_base64_encode (data, len) : g_strdup ("");
        pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_AUTH);
        pochta_smtp_server_queue_reply (self, 334, NULL, "%s", encoded);
        return;
      }
    case POCHTA_SASL_SUCCESS:
      succeed (self);
      return;
    case POCHTA_SASL_FAILURE:
      self->auth_failures++;
      end_exchange (self);
      pochta_smtp_server_queue_reply (self, 535, "5.7.8", "Authentication credentials invalid");
      return;
    case POCHTA_SASL_MALFORMED:
    default:
      end_exchange (self);
      pochta_smtp_server_queue_reply (self, 501, "5.5.2", "Malformed authentication response");
      return;
    }
}

/* RFC 4954 §4: initial-response = base64 / "=", "=" being the empty one. */
static GBytes *
decode_response (const char *text, gsize len)
{
  if (len == 1 && text[0] == '=')
    return g_bytes_new (NULL, 0);
  return pochta_base64_decode_strict (text, len);
}

void
pochta_smtp_server_auth_command (PochtaSmtpServer *self, const char *args)
{
  PochtaSaslMechanism mechanism;

  g_assert (self != NULL && args != NULL);

  /* The extension exists only in a session EHLO opened (RFC 4954 §3);
   * one successful AUTH per session (§4). */
  if (!self->envelope.extended)
    {
      pochta_smtp_server_queue_reply (self, 503, "5.5.1", "Bad sequence of commands: AUTH needs EHLO");
      return;
    }
  if (self->authenticated)
    {
      pochta_smtp_server_queue_reply (self, 503, "5.5.1", "Bad sequence of commands: already authenticated");
      return;
    }
  /* RFC 4954 §9 allows closing after repeated failures (never before the
   * 3rd, which copy_limits () guarantees). */
  if (self->auth_failures >= self->limits.auth_failures_max)
    {
      pochta_smtp_server_queue_reply (self, 421, "4.7.0",
                                      "%s Too many authentication failures, closing transmission channel",
                                      self->hostname);
      pochta_smtp_server_close (self, "421 too many authentication failures");
      return;
    }

  const char *space = strchr (args, ' ');
  g_autofree char *name = space != NULL ? g_strndup (args, (gsize) (space - args)) : g_strdup (args);
  const char *initial = space != NULL ? space + 1 : NULL;

  if (!pochta_sasl_mechanism_from_string (name, &mechanism)
      || !pochta_smtp_profile_offers_mechanism (self->info, mechanism))
    {
      pochta_smtp_server_queue_reply (self, 504, "5.5.4", "Unrecognized authentication type");
      return;
    }
  if (initial != NULL && !pochta_sasl_mechanism_client_first (mechanism))
    {
      pochta_smtp_server_queue_reply (self, 501, "5.7.0", "%s does not take an initial response",
                                      pochta_sasl_mechanism_to_string (mechanism));
      return;
    }

  g_autoptr (GBytes) response = NULL;
  if (initial != NULL)
    {
      response = decode_response (initial, strlen (initial));
      if (response == NULL)
        {
          pochta_smtp_server_queue_reply (self, 501, "5.5.2", "Invalid base64 in the initial response");
          return;
        }
    }

  /* RFC 4954 §4: the SASL service name of SMTP is "smtp". */
  self->sasl = pochta_sasl_server_new (mechanism, "smtp", self->hostname, self->generator, get_secret, self);
  g_autoptr (GBytes) challenge = NULL;
  gsize len = 0;
  const guint8 *data = response != NULL ? g_bytes_get_data (response, &len) : NULL;
  PochtaSaslStatus status = pochta_sasl_server_start (self->sasl, response != NULL,
                                                      len > 0 ? data : NULL, len, &challenge);
  handle_status (self, status, challenge);
}

void
pochta_smtp_server_auth_line (PochtaSmtpServer *self,
                              const char       *line,
                              gsize             len,
                              PochtaLineStatus  status)
{
  g_assert (self != NULL && self->sasl != NULL);

  if (status == POCHTA_LINE_TOO_LONG)
    {
      end_exchange (self);
      pochta_smtp_server_queue_reply (self, 500, "5.5.6", "Authentication Exchange line is too long");
      return;
    }
  if (status == POCHTA_LINE_BARE_LF)
    {
      end_exchange (self);
      pochta_smtp_server_queue_reply (self, 500, "5.5.2",
                                      "Syntax error - line must end with CRLF, not a bare LF");
      return;
    }
  /* RFC 4954 §4: "*" cancels, and the server MUST answer 501. */
  if (len == 1 && line[0] == '*')
    {
      end_exchange (self);
      pochta_smtp_server_queue_reply (self, 501, "5.7.0", "Authentication cancelled");
      return;
    }

  g_autoptr (GBytes) response = pochta_base64_decode_strict (line, len);
  if (response == NULL)
    {
      end_exchange (self);
      pochta_smtp_server_queue_reply (self, 501, "5.5.2", "Invalid base64 in the response");
      return;
    }

  g_autoptr (GBytes) challenge = NULL;
  gsize response_len = 0;
  const guint8 *data = g_bytes_get_data (response, &response_len);
  PochtaSaslStatus result = pochta_sasl_server_step (self->sasl, response_len > 0 ? data : NULL,
                                                     response_len, &challenge);
  handle_status (self, result, challenge);
}

void
pochta_smtp_server_auth_abort (PochtaSmtpServer *self)
{
  g_assert (self != NULL);
  g_clear_pointer (&self->sasl, pochta_sasl_server_free);
}
