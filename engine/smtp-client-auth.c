/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP client's AUTH exchange (RFC 4954): choosing the mechanism,
 * stepping the SASL client through the 334 challenges, cancelling, and
 * reading the outcome. */
#define G_LOG_DOMAIN "pochta-smtp-client"
#include "config.h"

#include <string.h>

#include "format.h"
#include "smtp-client-private.h"

/* RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with CRLF; RFC
 * 4954 §4 says an initial response that would break it must be left off
 * the AUTH line. */
#define COMMAND_LINE_MAX 512

static gboolean
choose_mechanism (PochtaSmtpClient *self, PochtaSaslMechanism *out_mechanism)
{
  const char *offered = pochta_smtp_client_find_extension (self, "AUTH");
  int best_strength = 0;

  /* The names are read where they stand, one at a time: a mechanism name
   * is at most 20 characters (RFC 4422 §3.1), so a longer word names no
   * mechanism we know. */
  for (const char *word = offered; *word != '\0';)
    {
      gsize len = strcspn (word, " ");
      char name[24];
      PochtaSaslMechanism mechanism;
      gboolean known = FALSE;

      if (len < sizeof name)
        {
          memcpy (name, word, len);
          name[len] = '\0';
          known = pochta_sasl_mechanism_from_string (name, &mechanism);
        }
      word += len;
      word += strspn (word, " ");
      if (!known)
        continue;
      if (self->force_mechanism)
        {
          if (mechanism == self->mechanism)
            {
              *out_mechanism = mechanism;
              return TRUE;
            }
          continue;
        }
      int strength = pochta_sasl_mechanism_strength (mechanism);
      if (strength > best_strength)
        {
          best_strength = strength;
          *out_mechanism = mechanism;
        }
    }
  return best_strength > 0;
}

static PochtaSaslClient *
new_sasl_client (PochtaSmtpClient *self, PochtaSaslMechanism mechanism)
{
  /* RFC 2831 §2.1.2: digest-uri is smtp/<the server's name>; without one
   * configured, the name the server greeted with (RFC 5321 §4.2). */
  const char *server = self->server_hostname;
  if (server == NULL)
    server = self->greeting_domain != NULL ? self->greeting_domain : "";
  /* RFC 4954 §4: the SASL service name for SMTP is "smtp". */
  return pochta_sasl_client_new (mechanism, "smtp", server, self->login, self->password,
                                 self->generator);
}

void
pochta_smtp_client_start_auth (PochtaSmtpClient *self)
{
  PochtaSaslMechanism mechanism;

  if (pochta_smtp_client_find_extension (self, "AUTH") == NULL)
    {
      pochta_smtp_client_give_up (self, POCHTA_SMTP_OUTCOME_PERMANENT, 554,
               "credentials were given but the server does not offer AUTH",
               "credentials were given but the server does not offer AUTH (RFC 4954 §3)");
      return;
    }
  if (!choose_mechanism (self, &mechanism))
    {
      g_autofree char *reason
        = self->force_mechanism
          ? pochta_strdup_printf ("the server does not offer AUTH %s (it offers: %s)",
                                  pochta_sasl_mechanism_to_string (self->mechanism),
                                  pochta_smtp_client_find_extension (self, "AUTH"))
          : pochta_strdup_printf ("no AUTH mechanism in common (the server offers: %s)",
                                  pochta_smtp_client_find_extension (self, "AUTH"));
      pochta_smtp_client_give_up (self, POCHTA_SMTP_OUTCOME_PERMANENT, 554, reason, reason);
      return;
    }

  const char *name = pochta_sasl_mechanism_to_string (mechanism);
  g_autoptr (GBytes) initial = NULL;
  self->mechanism_in_use = mechanism;
  self->sasl = new_sasl_client (self, mechanism);
  if (pochta_sasl_client_initial_response (self->sasl, &initial))
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (initial, &len);
      /* RFC 4954 §4: "=" is an initial response that is present but empty. */
      g_autofree char *encoded = len > 0 ? g_base64_encode (data, len) : g_strdup ("=");
      g_autofree char *line = g_strconcat ("AUTH ", name, " ", encoded, NULL);
      if (strlen (line) + 2 <= COMMAND_LINE_MAX)
        {
          pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_AUTH, 0, line);
          return;
        }
      /* Too long for the command line: start again and answer the empty
       * "334 " challenge instead (RFC 4954 §4). */
      pochta_sasl_client_free (self->sasl);
      self->sasl = new_sasl_client (self, mechanism);
    }
  g_autofree char *line = g_strconcat ("AUTH ", name, NULL);
  pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_AUTH, 0, line);
}

/* RFC 4954 §4: a line with a single "*" cancels the exchange; the server
 * answers 501 and the session ends after QUIT. */
static void
cancel_auth (PochtaSmtpClient *self, const char *reason)
{
  g_assert (self->auth_cancel_reason == NULL);
  self->auth_cancel_reason = g_strdup (reason);
  pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_AUTH, 0, "*");
}

static void
answer_challenge (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  const char *text = g_ptr_array_index (reply->lines, 0);
  g_autoptr (GBytes) challenge = NULL;
  g_autoptr (GBytes) response = NULL;

  /* RFC 4954 §4: the challenge is the base64 text of a single 334 line. */
  if (reply->lines->len == 1)
    challenge = pochta_base64_decode_strict (text, strlen (text));
  if (challenge == NULL)
    {
      cancel_auth (self, "the server's AUTH challenge is not valid base64 (RFC 4954 §4)");
      return;
    }

  gsize len;
  const guint8 *data = g_bytes_get_data (challenge, &len);
  switch (pochta_sasl_client_step (self->sasl, data, len, &response))
    {
    case POCHTA_SASL_CONTINUE:
    case POCHTA_SASL_SUCCESS:
      {
        /* SUCCESS is DIGEST-MD5's rspauth checked: the answer is the empty
         * line RFC 4954 §4 asks for, since SMTP has no additional data
         * with success. */
        const guint8 *bytes = g_bytes_get_data (response, &len);
        g_autofree char *encoded = len > 0 ? g_base64_encode (bytes, len) : g_strdup ("");
        pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_AUTH, 0, encoded);
      }
      break;
    case POCHTA_SASL_FAILURE:
      cancel_auth (self, "the server failed to prove it knows the password "
                         "(DIGEST-MD5 rspauth, RFC 2831 §2.1.3)");
      break;
    case POCHTA_SASL_MALFORMED:
    default:
      {
        g_autofree char *reason
          = pochta_strdup_printf ("the server's %s challenge is malformed",
                                  pochta_sasl_mechanism_to_string (self->mechanism_in_use));
        cancel_auth (self, reason);
      }
      break;
    }
}

void
pochta_smtp_client_on_auth (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  if (self->auth_cancel_reason != NULL)
    {
      if (reply->code / 100 != 4 && reply->code / 100 != 5)
        {
          pochta_smtp_client_fail_sessionf (self, "the server answered %u to a cancelled AUTH; it must refuse "
                               "(RFC 4954 §4)", reply->code);
          return;
        }
      g_autofree char *text = pochta_smtp_reply_dup_text (reply);
      g_autofree char *reason = pochta_strdup_printf ("AUTH cancelled: %s", self->auth_cancel_reason);
      pochta_smtp_client_decide_open (self, FALSE, pochta_smtp_client_outcome_of_code (reply->code), reply->code, text);
      pochta_smtp_client_set_error (self, reason);
      pochta_smtp_client_send_quit (self);
      return;
    }
  switch (reply->code)
    {
    case 334:
      answer_challenge (self, reply);
      break;
    case 235:
      g_clear_pointer (&self->sasl, pochta_sasl_client_free);
      pochta_event_queue_push_text (self->events, POCHTA_EVENT_AUTHENTICATED, self->login);
      pochta_smtp_client_start_transaction (self);
      break;
    default:
      pochta_smtp_client_give_up_by_reply (self, reply, "AUTH failed");
      break;
    }
}
