/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The client side of the SASL mechanisms PLAIN, LOGIN, CRAM-MD5 and
 * DIGEST-MD5, without I/O: answers to the server's challenges. */
#define G_LOG_DOMAIN "pochta-sasl"
#include "config.h"

#include <string.h>

#include "format.h"
#include "sasl-private.h"

/* ---- client side ---- */

typedef enum
{
  CLIENT_NOT_STARTED,
  CLIENT_PLAIN_SENT,
  CLIENT_LOGIN_USERNAME_SENT,
  CLIENT_LOGIN_PASSWORD_SENT,
  CLIENT_CRAM_SENT,
  CLIENT_DIGEST_WAIT_RSPAUTH,
  CLIENT_DONE,
} ClientState;

struct _PochtaSaslClient
{
  PochtaSaslMechanism mechanism;
  char *service;
  char *hostname;
  char *login;
  char *password;
  PochtaGenerator *generator;  /* borrowed */

  ClientState state;
  char *expected_rspauth;
};

PochtaSaslClient *
pochta_sasl_client_new (PochtaSaslMechanism mechanism,
                        const char         *service,
                        const char         *hostname,
                        const char         *login,
                        const char         *password,
                        PochtaGenerator    *generator)
{
  g_return_val_if_fail (mechanism < POCHTA_SASL_N_MECHANISMS, NULL);
  g_return_val_if_fail (service != NULL, NULL);
  g_return_val_if_fail (hostname != NULL, NULL);
  g_return_val_if_fail (login != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (generator != NULL || mechanism != POCHTA_SASL_DIGEST_MD5, NULL);

  PochtaSaslClient *self = g_new0 (PochtaSaslClient, 1);
  self->mechanism = mechanism;
  self->service = g_strdup (service);
  self->hostname = g_strdup (hostname);
  self->login = g_strdup (login);
  self->password = g_strdup (password);
  self->generator = generator;
  self->state = CLIENT_NOT_STARTED;
  return self;
}

void
pochta_sasl_client_free (PochtaSaslClient *self)
{
  if (self == NULL)
    return;
  g_free (self->service);
  g_free (self->hostname);
  g_free (self->login);
  g_free (self->password);
  g_free (self->expected_rspauth);
  g_free (self);
}

static GBytes *
client_plain_message (PochtaSaslClient *self)
{
  /* RFC 4616 §2: an empty authzid asks to act as the authcid itself. */
  GString *message = g_string_new (NULL);
  g_string_append_c (message, '\0');
  g_string_append (message, self->login);
  g_string_append_c (message, '\0');
  g_string_append (message, self->password);
  return pochta_sasl_bytes_from_string (message);
}

gboolean
pochta_sasl_client_initial_response (PochtaSaslClient *self, GBytes **out_response)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->state == CLIENT_NOT_STARTED, FALSE);
  g_return_val_if_fail (out_response != NULL, FALSE);

  *out_response = NULL;
  /* Only PLAIN: LOGIN may carry the user name on the AUTH line too, but
   * many servers do not expect it there, so the client waits for the
   * prompt as the draft's own example does (§2.3). */
  if (self->mechanism != POCHTA_SASL_PLAIN)
    return FALSE;
  *out_response = client_plain_message (self);
  self->state = CLIENT_PLAIN_SENT;
  return TRUE;
}

static PochtaSaslStatus
client_respond (PochtaSaslClient *self,
                ClientState       next_state,
                GBytes           *response,
                GBytes          **out_response)
{
  self->state = next_state;
  *out_response = response;
  return POCHTA_SASL_CONTINUE;
}

static PochtaSaslStatus
client_finish (PochtaSaslClient *self, PochtaSaslStatus status)
{
  self->state = CLIENT_DONE;
  return status;
}

static PochtaSaslStatus
client_cram_response (PochtaSaslClient *self,
                      const guint8     *challenge,
                      gsize             len,
                      GBytes          **out_response)
{
  /* RFC 2195 §2: the challenge is a msg-id, never empty. */
  if (len == 0)
    return client_finish (self, POCHTA_SASL_MALFORMED);
  g_autofree char *digest = pochta_sasl_cram_md5_digest (self->password,
                                                         (const char *) challenge, len);
  GString *response = g_string_new (self->login);
  g_string_append_c (response, ' ');
  g_string_append (response, digest);
  return client_respond (self, CLIENT_CRAM_SENT, pochta_sasl_bytes_from_string (response), out_response);
}

/* qop-options is a quoted, comma-separated list ("auth,auth-int");
 * RFC 2831 §2.1.1: without the directive the server supports only auth. */
static gboolean
qop_options_include_auth (const char *qop_options)
{
  if (qop_options == NULL)
    return TRUE;
  g_auto (GStrv) options = g_strsplit (qop_options, ",", -1);
  for (char **option = options; *option != NULL; option++)
    {
      if (g_ascii_strcasecmp (g_strstrip (*option), "auth") == 0)
        return TRUE;
    }
  return FALSE;
}

static const char *
first_directive (GPtrArray *directives, const char *name)
{
  for (guint i = 0; i < directives->len; i++)
    {
      PochtaSaslDirective *directive = g_ptr_array_index (directives, i);
      if (strcmp (directive->name, name) == 0)
        return directive->value;
    }
  return NULL;
}

static PochtaSaslStatus
client_digest_response (PochtaSaslClient *self,
                        const guint8     *challenge,
                        gsize             len,
                        GBytes          **out_response)
{
  const char *nonce;
  const char *qop_options;
  const char *algorithm;

  if (len >= DIGEST_CHALLENGE_LIMIT)
    return client_finish (self, POCHTA_SASL_MALFORMED);
  g_autoptr (GPtrArray) directives = pochta_sasl_parse_directives (challenge, len);
  if (directives == NULL
      || !pochta_sasl_find_single_directive (directives, "nonce", &nonce)
      || !pochta_sasl_find_single_directive (directives, "qop", &qop_options)
      || !pochta_sasl_find_single_directive (directives, "algorithm", &algorithm))
    return client_finish (self, POCHTA_SASL_MALFORMED);
  /* §2.1.1: nonce and algorithm=md5-sess are required, and we can only
   * do qop=auth (no security layer). */
  if (nonce == NULL || *nonce == '\0' || algorithm == NULL
      || g_ascii_strcasecmp (algorithm, "md5-sess") != 0
      || !qop_options_include_auth (qop_options))
    return client_finish (self, POCHTA_SASL_MALFORMED);

  /* §2.1.1: realm may repeat, one per realm the server serves; the first
   * is as good as any.  Without one the client picks, and the server's
   * own name is the only sensible pick. */
  const char *realm = first_directive (directives, "realm");
  if (realm == NULL)
    realm = self->hostname;

  g_autofree char *cnonce = pochta_generator_token (self->generator, DIGEST_NONCE_CHARS);
  g_autofree char *digest_uri = g_strconcat (self->service, "/", self->hostname, NULL);
  g_autofree char *value = pochta_sasl_digest_md5_value (self->login, realm, self->password,
                                                         nonce, cnonce, DIGEST_FIRST_NC, "auth",
                                                         digest_uri, NULL, FALSE);
  self->expected_rspauth = pochta_sasl_digest_md5_value (self->login, realm, self->password,
                                                         nonce, cnonce, DIGEST_FIRST_NC, "auth",
                                                         digest_uri, NULL, TRUE);

  /* The order of RFC 2831 §4's example response. */
  GString *response = g_string_new ("charset=utf-8,username=");
  pochta_sasl_append_quoted (response, self->login);
  g_string_append (response, ",realm=");
  pochta_sasl_append_quoted (response, realm);
  g_string_append (response, ",nonce=");
  pochta_sasl_append_quoted (response, nonce);
  g_string_append (response, ",nc=" DIGEST_FIRST_NC ",cnonce=");
  pochta_sasl_append_quoted (response, cnonce);
  g_string_append (response, ",digest-uri=");
  pochta_sasl_append_quoted (response, digest_uri);
  pochta_string_append_printf (response, ",response=%s,qop=auth", value);
  return client_respond (self, CLIENT_DIGEST_WAIT_RSPAUTH, pochta_sasl_bytes_from_string (response),
                         out_response);
}

static PochtaSaslStatus
client_digest_rspauth (PochtaSaslClient *self,
                       const guint8     *challenge,
                       gsize             len,
                       GBytes          **out_response)
{
  const char *rspauth;

  g_autoptr (GPtrArray) directives = pochta_sasl_parse_directives (challenge, len);
  if (directives == NULL || !pochta_sasl_find_single_directive (directives, "rspauth", &rspauth)
      || rspauth == NULL)
    return client_finish (self, POCHTA_SASL_MALFORMED);

  /* §2.1.3: a server that cannot produce rspauth does not know the
   * password; it may be an impostor, so the client gives up. */
  if (!pochta_sasl_hex_digest_equal (self->expected_rspauth, rspauth, strlen (rspauth)))
    return client_finish (self, POCHTA_SASL_FAILURE);
  *out_response = g_bytes_new (NULL, 0);
  return client_finish (self, POCHTA_SASL_SUCCESS);
}

/* The answer to the server's first challenge, which decides how each
 * mechanism begins. */
static PochtaSaslStatus
client_first_response (PochtaSaslClient *self,
                       const guint8     *challenge,
                       gsize             challenge_len,
                       GBytes          **out_response)
{
  switch (self->mechanism)
    {
    case POCHTA_SASL_PLAIN:
      /* RFC 4616 §2 / RFC 4954 §4: the server's only challenge is empty. */
      if (challenge_len != 0)
        return client_finish (self, POCHTA_SASL_MALFORMED);
      return client_respond (self, CLIENT_PLAIN_SENT, client_plain_message (self), out_response);
    case POCHTA_SASL_LOGIN:
      /* The draft: clients ignore the prompt text (§2.2). */
      return client_respond (self, CLIENT_LOGIN_USERNAME_SENT,
                             g_bytes_new (self->login, strlen (self->login)), out_response);
    case POCHTA_SASL_CRAM_MD5:
      return client_cram_response (self, challenge, challenge_len, out_response);
    case POCHTA_SASL_DIGEST_MD5:
      return client_digest_response (self, challenge, challenge_len, out_response);
    case POCHTA_SASL_N_MECHANISMS:
    default:
      break;
    }
  g_assert_not_reached ();
  return client_finish (self, POCHTA_SASL_MALFORMED);
}

PochtaSaslStatus
pochta_sasl_client_step (PochtaSaslClient *self,
                         const guint8     *challenge,
                         gsize             challenge_len,
                         GBytes          **out_response)
{
  g_return_val_if_fail (self != NULL, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (self->state != CLIENT_DONE, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (challenge != NULL || challenge_len == 0, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (out_response != NULL, POCHTA_SASL_MALFORMED);

  *out_response = NULL;
  if (challenge == NULL)
    challenge = (const guint8 *) "";

  switch (self->state)
    {
    case CLIENT_NOT_STARTED:
      return client_first_response (self, challenge, challenge_len, out_response);
    case CLIENT_LOGIN_USERNAME_SENT:
      return client_respond (self, CLIENT_LOGIN_PASSWORD_SENT,
                             g_bytes_new (self->password, strlen (self->password)), out_response);
    case CLIENT_DIGEST_WAIT_RSPAUTH:
      return client_digest_rspauth (self, challenge, challenge_len, out_response);
    case CLIENT_PLAIN_SENT:
    case CLIENT_LOGIN_PASSWORD_SENT:
    case CLIENT_CRAM_SENT:
      /* These mechanisms have said everything; a further challenge is not
       * part of them. */
      return client_finish (self, POCHTA_SASL_MALFORMED);
    case CLIENT_DONE:
    default:
      break;
    }
  g_return_val_if_reached (POCHTA_SASL_MALFORMED);
}
