/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SASL mechanisms PLAIN, LOGIN, CRAM-MD5 and DIGEST-MD5 on the server
 * side, what both sides share (names, digests, DIGEST-MD5 directive lists),
 * the APOP digest and strict base64, all without I/O.  The client side is
 * in sasl-client.c. */
#define G_LOG_DOMAIN "pochta-sasl"
#include "config.h"

#include <string.h>

#include "format.h"
#include "ascii-case-private.h"
#include "sasl-private.h"

/* ---- mechanism names ---- */

static const char *const mechanism_names[POCHTA_SASL_N_MECHANISMS] = {
  [POCHTA_SASL_PLAIN] = "PLAIN",
  [POCHTA_SASL_LOGIN] = "LOGIN",
  [POCHTA_SASL_CRAM_MD5] = "CRAM-MD5",
  [POCHTA_SASL_DIGEST_MD5] = "DIGEST-MD5",
};

const char *
pochta_sasl_mechanism_to_string (PochtaSaslMechanism mechanism)
{
  g_return_val_if_fail (mechanism < POCHTA_SASL_N_MECHANISMS, NULL);
  return mechanism_names[mechanism];
}

gboolean
pochta_sasl_mechanism_from_string (const char *name, PochtaSaslMechanism *out_mechanism)
{
  g_return_val_if_fail (name != NULL, FALSE);

  /* RFC 4422 §3.1: mechanism names are upper case on the wire, but RFC
   * 4954 §4 makes the AUTH argument case-insensitive like every SMTP
   * keyword. */
  for (guint i = 0; i < POCHTA_SASL_N_MECHANISMS; i++)
    {
      if (pochta_ascii_case_equal (name, mechanism_names[i]))
        {
          if (out_mechanism != NULL)
            *out_mechanism = (PochtaSaslMechanism) i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
pochta_sasl_mechanism_client_first (PochtaSaslMechanism mechanism)
{
  g_return_val_if_fail (mechanism < POCHTA_SASL_N_MECHANISMS, FALSE);
  return mechanism == POCHTA_SASL_PLAIN || mechanism == POCHTA_SASL_LOGIN;
}

int
pochta_sasl_mechanism_strength (PochtaSaslMechanism mechanism)
{
  static const int strengths[POCHTA_SASL_N_MECHANISMS] = {
    [POCHTA_SASL_CRAM_MD5] = 4,
    [POCHTA_SASL_DIGEST_MD5] = 3,
    [POCHTA_SASL_PLAIN] = 2,
    [POCHTA_SASL_LOGIN] = 1,
  };

  g_return_val_if_fail (mechanism < POCHTA_SASL_N_MECHANISMS, 0);
  return strengths[mechanism];
}

/* ---- building blocks ---- */

char *
pochta_sasl_cram_md5_digest (const char *secret, const char *challenge, gsize challenge_len)
{
  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (challenge != NULL || challenge_len == 0, NULL);

  /* GHmac applies RFC 2104's rule itself: a key longer than the 64-byte
   * MD5 block is replaced by its MD5 first (RFC 2195 §2 relies on it). */
  return g_compute_hmac_for_data (G_CHECKSUM_MD5,
                                  (const guchar *) secret, strlen (secret),
                                  (const guchar *) (challenge != NULL ? challenge : ""),
                                  challenge_len);
}

char *
pochta_apop_digest (const char *timestamp, const char *secret)
{
  g_return_val_if_fail (timestamp != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  g_autoptr (GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_checksum_update (md5, (const guchar *) timestamp, -1);
  g_checksum_update (md5, (const guchar *) secret, -1);
  return g_strdup (g_checksum_get_string (md5));
}

static char *
md5_hex_of_string (const GString *text)
{
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) text->str, text->len);
}

char *
pochta_sasl_digest_md5_value (const char *user,
                              const char *realm,
                              const char *password,
                              const char *nonce,
                              const char *cnonce,
                              const char *nc,
                              const char *qop,
                              const char *digest_uri,
                              const char *authzid,
                              gboolean    for_rspauth)
{
  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (realm != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (nonce != NULL, NULL);
  g_return_val_if_fail (cnonce != NULL, NULL);
  g_return_val_if_fail (nc != NULL, NULL);
  g_return_val_if_fail (qop != NULL, NULL);
  g_return_val_if_fail (digest_uri != NULL, NULL);

  /* RFC 2831 §2.1.2.1: A1 starts with the raw 16-byte MD5 of
   * user:realm:passwd, not its hex form. */
  guint8 user_hash[16];
  gsize user_hash_len = sizeof user_hash;
  g_autoptr (GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree char *user_realm_password = g_strconcat (user, ":", realm, ":", password, NULL);
  g_checksum_update (md5, (const guchar *) user_realm_password, -1);
  g_checksum_get_digest (md5, user_hash, &user_hash_len);
  g_assert (user_hash_len == sizeof user_hash);

  g_autoptr (GString) a1 = g_string_new (NULL);
  g_string_append_len (a1, (const char *) user_hash, sizeof user_hash);
  pochta_string_append_printf (a1, ":%s:%s", nonce, cnonce);
  /* An empty authzid is treated as absent: "authzid" only joins A1 when
   * the client asks to act as somebody (§2.1.2.1). */
  if (authzid != NULL && *authzid != '\0')
    pochta_string_append_printf (a1, ":%s", authzid);

  /* §2.1.2.1 and §2.1.3: the response uses "AUTHENTICATE:" digest-uri, the
   * server's rspauth ":" digest-uri; with integrity or confidentiality the
   * A2 also carries 32 zeros for the (absent) entity body. */
  g_autoptr (GString) a2 = g_string_new (for_rspauth ? ":" : "AUTHENTICATE:");
  g_string_append (a2, digest_uri);
  if (g_ascii_strcasecmp (qop, "auth-int") == 0 || g_ascii_strcasecmp (qop, "auth-conf") == 0)
    g_string_append (a2, ":00000000000000000000000000000000");

  g_autofree char *ha1 = md5_hex_of_string (a1);
  g_autofree char *ha2 = md5_hex_of_string (a2);
  g_autoptr (GString) kd = g_string_new (NULL);
  g_string_printf (kd, "%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
  return md5_hex_of_string (kd);
}

static gboolean
is_base64_alphabet (guint8 c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

GBytes *
pochta_base64_decode_strict (const char *text, gsize len)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len == 0)
    return g_bytes_new (NULL, 0);
  /* RFC 4648 §4: the encoded output is always whole 4-character quanta. */
  if (len % 4 != 0)
    return NULL;

  /* RFC 4648 §3.3 and RFC 4954 §4: '=' only pads the final quantum (at
   * most two of them); anything outside the alphabet is an error, not
   * noise to skip as g_base64_decode () would. */
  gsize padding = 0;
  while (padding < 2 && text[len - 1 - padding] == '=')
    padding++;
  for (gsize i = 0; i < len - padding; i++)
    {
      if (!is_base64_alphabet ((guint8) text[i]))
        return NULL;
    }

  g_autofree char *terminated = g_strndup (text, len);
  gsize decoded_len = 0;
  guchar *decoded = g_base64_decode (terminated, &decoded_len);
  return g_bytes_new_take (decoded, decoded_len);
}

/* ---- helpers shared by both sides ---- */

/* Compares without an early exit, so the time taken does not tell an
 * attacker how much of a password or digest was right. */
static gboolean
secret_equal (const void *a, gsize a_len, const void *b, gsize b_len)
{
  const guint8 *x = a;
  const guint8 *y = b;
  guint8 difference = 0;

  if (a_len != b_len)
    return FALSE;
  for (gsize i = 0; i < a_len; i++)
    difference |= x[i] ^ y[i];
  return difference == 0;
}

/* Digests arrive in hex "represented in lowercase" (RFC 2195 §2, RFC
 * 2831 §2.1.2.1); upper case is accepted too, since it names the same
 * octets. */
gboolean
pochta_sasl_hex_digest_equal (const char *expected, const char *received, gsize received_len)
{
  g_autofree char *lowered = g_ascii_strdown (received, received_len);
  return secret_equal (expected, strlen (expected), lowered, received_len);
}

static gboolean
is_hex (const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isxdigit (text[i]))
        return FALSE;
    }
  return TRUE;
}

/* Identities become C strings for the secret lookup, the events and the
 * transcript: a NUL inside one or bytes that are not UTF-8 (RFC 4616 §2,
 * RFC 2831 §2.1.2 charset=utf-8) break the mechanism's syntax.  NULL then. */
static char *
identity_from_bytes (const guint8 *data, gsize len)
{
  if (memchr (data, '\0', len) != NULL)
    return NULL;
  if (!g_utf8_validate_len ((const char *) data, len, NULL))
    return NULL;
  return g_strndup ((const char *) data, len);
}

static gboolean
identity_equal_ignoring_case (const char *a, const char *b)
{
  g_autofree char *folded_a = g_utf8_casefold (a, -1);
  g_autofree char *folded_b = g_utf8_casefold (b, -1);
  return strcmp (folded_a, folded_b) == 0;
}

GBytes *
pochta_sasl_bytes_from_string (GString *text)
{
  gsize len = text->len;
  return g_bytes_new_take (g_string_free (text, FALSE), len);
}

/* RFC 2831 §7.2 (RFC 2616 §2.2): inside a quoted-string only '"' and '\'
 * need a backslash. */
void
pochta_sasl_append_quoted (GString *out, const char *value)
{
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* ---- DIGEST-MD5 directive lists (RFC 2831 §7.1, the #rule of RFC 2616 §2.1) ---- */

void
pochta_sasl_directive_free (gpointer data)
{
  PochtaSaslDirective *directive = data;
  g_free (directive->name);
  g_free (directive->value);
  g_free (directive);
}

/* RFC 2616 §2.2 separators, which end a token. */
static gboolean
is_separator (guint8 c)
{
  return strchr ("()<>@,;:\\\"/[]?={} \t", c) != NULL && c != '\0';
}

static gboolean
is_token_char (guint8 c)
{
  return c > 0x20 && c < 0x7f && !is_separator (c);
}

/* An unquoted value should be a token, but nothing is lost by taking any
 * run of visible characters up to the next comma: the values are checked
 * one by one afterwards (clients that leave digest-uri unquoted exist). */
static gboolean
is_bare_value_char (guint8 c)
{
  return c > 0x20 && c != 0x7f && c != ',' && c != '"';
}

static gboolean
is_lws (guint8 c)
{
  return c == ' ' || c == '\t';
}

typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
} Cursor;

static void
skip_lws (Cursor *cursor)
{
  while (cursor->pos < cursor->len && is_lws (cursor->data[cursor->pos]))
    cursor->pos++;
}

static char *
read_quoted_string (Cursor *cursor)
{
  g_autoptr (GString) value = g_string_new (NULL);

  g_assert (cursor->data[cursor->pos] == '"');
  cursor->pos++;
  while (cursor->pos < cursor->len)
    {
      guint8 c = cursor->data[cursor->pos++];
      if (c == '"')
        return g_string_free (g_steal_pointer (&value), FALSE);
      /* quoted-pair = "\" CHAR */
      if (c == '\\')
        {
          if (cursor->pos == cursor->len)
            return NULL;
          c = cursor->data[cursor->pos++];
        }
      g_string_append_c (value, (char) c);
    }
  return NULL;  /* no closing quote */
}

static char *
read_run (Cursor *cursor, gboolean (*accept) (guint8 c))
{
  gsize start = cursor->pos;
  while (cursor->pos < cursor->len && accept (cursor->data[cursor->pos]))
    cursor->pos++;
  if (cursor->pos == start)
    return NULL;
  return g_strndup ((const char *) cursor->data + start, cursor->pos - start);
}

static gboolean
has_control_characters (const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      /* TEXT excludes CTLs but allows LWS (RFC 2616 §2.2); SASL messages
       * are never folded, so HT is the only control character left. */
      if ((data[i] < 0x20 && data[i] != '\t') || data[i] == 0x7f)
        return TRUE;
    }
  return FALSE;
}

/* Parses `name=value, name="quoted value", ...` into Directives in order.
 * NULL when the text breaks the grammar or is not UTF-8 (both sides
 * announce charset=utf-8). */
GPtrArray *
pochta_sasl_parse_directives (const guint8 *data, gsize len)
{
  g_autoptr (GPtrArray) directives = g_ptr_array_new_with_free_func (pochta_sasl_directive_free);
  Cursor cursor = { data, len, 0 };

  if (has_control_characters (data, len) || !g_utf8_validate_len ((const char *) data, len, NULL))
    return NULL;

  for (;;)
    {
      skip_lws (&cursor);
      if (cursor.pos == len)
        break;
      /* The #rule allows empty elements: "a=1,,b=2" (RFC 2616 §2.1). */
      if (data[cursor.pos] == ',')
        {
          cursor.pos++;
          continue;
        }

      g_autofree char *name = read_run (&cursor, is_token_char);
      if (name == NULL)
        return NULL;
      skip_lws (&cursor);
      if (cursor.pos == len || data[cursor.pos] != '=')
        return NULL;
      cursor.pos++;
      skip_lws (&cursor);
      if (cursor.pos == len)
        return NULL;

      char *value;
      if (data[cursor.pos] == '"')
        value = read_quoted_string (&cursor);
      else
        value = read_run (&cursor, is_bare_value_char);
      if (value == NULL)
        return NULL;

      PochtaSaslDirective *directive = g_new0 (PochtaSaslDirective, 1);
      directive->name = g_ascii_strdown (name, -1);
      directive->value = value;
      g_ptr_array_add (directives, directive);

      skip_lws (&cursor);
      if (cursor.pos < len && data[cursor.pos] != ',')
        return NULL;
    }
  return g_steal_pointer (&directives);
}

/* Finds a directive that may appear at most once.  FALSE when it appears
 * more often (RFC 2831 §2.1.1/§2.1.2: "This directive is required and MUST
 * appear exactly once" or "at most once"); *out_value is NULL when absent. */
gboolean
pochta_sasl_find_single_directive (GPtrArray *directives, const char *name, const char **out_value)
{
  *out_value = NULL;
  for (guint i = 0; i < directives->len; i++)
    {
      PochtaSaslDirective *directive = g_ptr_array_index (directives, i);
      if (strcmp (directive->name, name) != 0)
        continue;
      if (*out_value != NULL)
        return FALSE;
      *out_value = directive->value;
    }
  return TRUE;
}

/* ---- server side ---- */

typedef enum
{
  SERVER_NOT_STARTED,
  SERVER_PLAIN_WAIT_MESSAGE,
  SERVER_LOGIN_WAIT_USERNAME,
  SERVER_LOGIN_WAIT_PASSWORD,
  SERVER_CRAM_WAIT_RESPONSE,
  SERVER_DIGEST_WAIT_RESPONSE,
  SERVER_DIGEST_WAIT_ACKNOWLEDGEMENT,
  SERVER_DONE,
} ServerState;

struct _PochtaSaslServer
{
  PochtaSaslMechanism mechanism;
  char *service;
  char *hostname;
  PochtaGenerator *generator;  /* borrowed */
  PochtaSaslSecretFunc get_secret;
  gpointer user_data;

  ServerState state;
  char *challenge;       /* CRAM-MD5 msg-id, or the DIGEST-MD5 nonce */
  char *verified_login;  /* DIGEST-MD5: waiting for the client's empty ack */
  char *login;           /* after SUCCESS */
  char *claimed_login;
};

static gboolean
mechanism_needs_generator (PochtaSaslMechanism mechanism)
{
  return mechanism == POCHTA_SASL_CRAM_MD5 || mechanism == POCHTA_SASL_DIGEST_MD5;
}

PochtaSaslServer *
pochta_sasl_server_new (PochtaSaslMechanism  mechanism,
                        const char          *service,
                        const char          *hostname,
                        PochtaGenerator     *generator,
                        PochtaSaslSecretFunc get_secret,
                        gpointer             user_data)
{
  g_return_val_if_fail (mechanism < POCHTA_SASL_N_MECHANISMS, NULL);
  g_return_val_if_fail (service != NULL, NULL);
  g_return_val_if_fail (hostname != NULL, NULL);
  g_return_val_if_fail (generator != NULL || !mechanism_needs_generator (mechanism), NULL);
  g_return_val_if_fail (get_secret != NULL, NULL);

  PochtaSaslServer *self = g_new0 (PochtaSaslServer, 1);
  self->mechanism = mechanism;
  self->service = g_strdup (service);
  self->hostname = g_strdup (hostname);
  self->generator = generator;
  self->get_secret = get_secret;
  self->user_data = user_data;
  self->state = SERVER_NOT_STARTED;
  return self;
}

void
pochta_sasl_server_free (PochtaSaslServer *self)
{
  if (self == NULL)
    return;
  g_free (self->service);
  g_free (self->hostname);
  g_free (self->challenge);
  g_free (self->verified_login);
  g_free (self->login);
  g_free (self->claimed_login);
  g_free (self);
}

static PochtaSaslStatus
server_finish (PochtaSaslServer *self, PochtaSaslStatus status)
{
  g_assert (status != POCHTA_SASL_CONTINUE);
  self->state = SERVER_DONE;
  return status;
}

static PochtaSaslStatus
server_succeed (PochtaSaslServer *self, const char *login)
{
  g_assert (self->login == NULL);
  self->login = g_strdup (login);
  return server_finish (self, POCHTA_SASL_SUCCESS);
}

static PochtaSaslStatus
server_challenge (PochtaSaslServer *self,
                  ServerState       next_state,
                  GString          *challenge,
                  GBytes          **out_challenge)
{
  self->state = next_state;
  *out_challenge = pochta_sasl_bytes_from_string (challenge);
  return POCHTA_SASL_CONTINUE;
}

static void
server_claim (PochtaSaslServer *self, const char *login)
{
  g_free (self->claimed_login);
  self->claimed_login = g_strdup (login);
}

/* Unknown user and wrong password give the same FAILURE, so the exchange
 * does not reveal which logins exist. */
static PochtaSaslStatus
server_check_password (PochtaSaslServer *self,
                       const char       *login,
                       const guint8     *password,
                       gsize             password_len)
{
  if (strlen (login) > MAX_IDENTITY_OCTETS || password_len > MAX_IDENTITY_OCTETS)
    return server_finish (self, POCHTA_SASL_FAILURE);

  g_autofree char *secret = self->get_secret (login, self->user_data);
  if (secret == NULL || !secret_equal (secret, strlen (secret), password, password_len))
    return server_finish (self, POCHTA_SASL_FAILURE);
  return server_succeed (self, login);
}

/* RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd, where
 * none of the three parts contains a NUL. */
static PochtaSaslStatus
server_plain_message (PochtaSaslServer *self, const guint8 *message, gsize len)
{
  /* RFC 4954 §4 lets "AUTH PLAIN =" carry an empty message; it holds no
   * credentials, so it fails as credentials do (535), like an empty
   * authcid. */
  if (len == 0)
    return server_finish (self, POCHTA_SASL_FAILURE);

  const guint8 *first_nul = memchr (message, '\0', len);
  if (first_nul == NULL)
    return server_finish (self, POCHTA_SASL_MALFORMED);
  const guint8 *authcid = first_nul + 1;
  gsize rest_len = len - (gsize) (authcid - message);
  const guint8 *second_nul = memchr (authcid, '\0', rest_len);
  if (second_nul == NULL)
    return server_finish (self, POCHTA_SASL_MALFORMED);
  const guint8 *password = second_nul + 1;
  gsize password_len = len - (gsize) (password - message);
  if (memchr (password, '\0', password_len) != NULL)
    return server_finish (self, POCHTA_SASL_MALFORMED);

  g_autofree char *authzid = identity_from_bytes (message, (gsize) (first_nul - message));
  g_autofree char *login = identity_from_bytes (authcid, (gsize) (second_nul - authcid));
  if (authzid == NULL || login == NULL)
    return server_finish (self, POCHTA_SASL_MALFORMED);

  /* authcid = 1*SAFE and passwd = 1*SAFE: empty ones carry no
   * credentials. */
  if (*login == '\0')
    return server_finish (self, POCHTA_SASL_FAILURE);
  server_claim (self, login);
  if (password_len == 0)
    return server_finish (self, POCHTA_SASL_FAILURE);

  /* RFC 4616 §2: the server refuses an authzid the authcid may not act as
   * (example 2 of §4: Kurt may not act as Ursel).  On our hosts a user may
   * only act as himself, spelled in any case. */
  if (*authzid != '\0' && !identity_equal_ignoring_case (authzid, login))
    return server_finish (self, POCHTA_SASL_FAILURE);

  return server_check_password (self, login, password, password_len);
}

/* The LOGIN draft's own prompts are "User Name" and "Password"; we send
 * "Username:" and "Password:" instead, which is what Cyrus, Postfix, Exim
 * and Sendmail send and what some clients (Outlook Express among them)
 * insist on.  The draft tells clients to ignore the prompt text, so both
 * are correct (draft-murchison-sasl-login §2.2). */
static const char login_username_prompt[] = "Username:";
static const char login_password_prompt[] = "Password:";

static PochtaSaslStatus
server_login_username (PochtaSaslServer *self,
                       const guint8     *username,
                       gsize             len,
                       GBytes          **out_challenge)
{
  g_autofree char *login = identity_from_bytes (username, len);
  if (login == NULL)
    return server_finish (self, POCHTA_SASL_MALFORMED);
  if (*login == '\0')
    return server_finish (self, POCHTA_SASL_FAILURE);
  server_claim (self, login);
  return server_challenge (self, SERVER_LOGIN_WAIT_PASSWORD,
                           g_string_new (login_password_prompt), out_challenge);
}

static PochtaSaslStatus
server_cram_challenge (PochtaSaslServer *self, GBytes **out_challenge)
{
  /* RFC 2195 §2: the challenge is an RFC 822 msg-id
   * <random.timestamp@fqdn>, different every time; both numbers come from
   * the generator so that a replay with the same seed gives the same
   * bytes. */
  guint32 random = pochta_generator_next (self->generator);
  gint64 seconds = pochta_generator_get_time (self->generator) / G_USEC_PER_SEC;

  g_free (self->challenge);
  self->challenge = pochta_strdup_printf ("<%u.%" G_GINT64_FORMAT "@%s>",
                                          random, seconds, self->hostname);
  return server_challenge (self, SERVER_CRAM_WAIT_RESPONSE, g_string_new (self->challenge),
                           out_challenge);
}

/* RFC 2195 §2: response = user SP digest, the digest being 32 hex
 * characters; the user name is everything before the last space. */
static PochtaSaslStatus
server_cram_response (PochtaSaslServer *self, const guint8 *response, gsize len)
{
  if (len < 1 + 1 + MD5_HEX_CHARS)
    return server_finish (self, POCHTA_SASL_MALFORMED);

  gsize user_len = len - 1 - MD5_HEX_CHARS;
  const char *digest = (const char *) response + user_len + 1;
  if (response[user_len] != ' ' || !is_hex (digest, MD5_HEX_CHARS))
    return server_finish (self, POCHTA_SASL_MALFORMED);
  g_autofree char *login = identity_from_bytes (response, user_len);
  if (login == NULL)
    return server_finish (self, POCHTA_SASL_MALFORMED);

  server_claim (self, login);
  if (user_len > MAX_IDENTITY_OCTETS)
    return server_finish (self, POCHTA_SASL_FAILURE);
  g_autofree char *secret = self->get_secret (login, self->user_data);
  if (secret == NULL)
    return server_finish (self, POCHTA_SASL_FAILURE);

  g_autofree char *expected = pochta_sasl_cram_md5_digest (secret, self->challenge,
                                                           strlen (self->challenge));
  if (!pochta_sasl_hex_digest_equal (expected, digest, MD5_HEX_CHARS))
    return server_finish (self, POCHTA_SASL_FAILURE);
  return server_succeed (self, login);
}

static PochtaSaslStatus
server_digest_challenge (PochtaSaslServer *self, GBytes **out_challenge)
{
  g_free (self->challenge);
  self->challenge = pochta_generator_token (self->generator, DIGEST_NONCE_CHARS);

  /* RFC 2831 §2.1.1: one realm (our host), the nonce, only qop=auth (no
   * security layer), and the two directives that must appear exactly
   * once, charset=utf-8 and algorithm=md5-sess. */
  GString *challenge = g_string_new ("realm=");
  pochta_sasl_append_quoted (challenge, self->hostname);
  g_string_append (challenge, ",nonce=");
  pochta_sasl_append_quoted (challenge, self->challenge);
  g_string_append (challenge, ",qop=\"auth\",charset=utf-8,algorithm=md5-sess");
  g_assert (challenge->len < DIGEST_CHALLENGE_LIMIT);
  return server_challenge (self, SERVER_DIGEST_WAIT_RESPONSE, challenge, out_challenge);
}

typedef struct
{
  const char *username;
  const char *realm;
  const char *nonce;
  const char *cnonce;
  const char *nc;
  const char *qop;
  const char *digest_uri;
  const char *response;
  const char *authzid;
} DigestResponse;

/* Fills *out from the directives; FALSE when one is repeated, a required
 * one is missing (RFC 2831 §2.1.2: username, nonce, cnonce, nc,
 * digest-uri and response "MUST" be there) or a fixed-format value is
 * malformed. */
static gboolean
digest_response_parse (GPtrArray *directives, DigestResponse *out)
{
  const struct
  {
    const char *name;
    const char **value;
    gboolean required;
  } fields[] = {
    { "username", &out->username, TRUE },
    { "realm", &out->realm, FALSE },
    { "nonce", &out->nonce, TRUE },
    { "cnonce", &out->cnonce, TRUE },
    { "nc", &out->nc, TRUE },
    { "qop", &out->qop, FALSE },
    { "digest-uri", &out->digest_uri, TRUE },
    { "response", &out->response, TRUE },
    { "authzid", &out->authzid, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (!pochta_sasl_find_single_directive (directives, fields[i].name, fields[i].value))
        return FALSE;
      if (fields[i].required && (*fields[i].value == NULL || **fields[i].value == '\0'))
        return FALSE;
    }

  /* nc-value = 8LHEX and response-value = 32LHEX (§2.1.2). */
  if (strlen (out->nc) != DIGEST_NC_CHARS || !is_hex (out->nc, DIGEST_NC_CHARS))
    return FALSE;
  if (strlen (out->response) != MD5_HEX_CHARS || !is_hex (out->response, MD5_HEX_CHARS))
    return FALSE;
  return TRUE;
}

/* Everything in the response that must name this exchange: our realm, our
 * nonce, the first use of it, qop auth and our service on our host
 * (RFC 2831 §2.1.2, §2.1.3). */
static gboolean
digest_response_matches_exchange (PochtaSaslServer *self, const DigestResponse *response)
{
  g_autofree char *expected_uri = g_strconcat (self->service, "/", self->hostname, NULL);

  /* A missing realm means the empty realm (§2.1.2), never ours. */
  if (response->realm == NULL || g_ascii_strcasecmp (response->realm, self->hostname) != 0)
    return FALSE;
  if (strcmp (response->nonce, self->challenge) != 0)
    return FALSE;
  if (strcmp (response->nc, DIGEST_FIRST_NC) != 0)
    return FALSE;
  if (response->qop != NULL && g_ascii_strcasecmp (response->qop, "auth") != 0)
    return FALSE;
  if (g_ascii_strcasecmp (response->digest_uri, expected_uri) != 0)
    return FALSE;
  if (response->authzid != NULL && *response->authzid != '\0'
      && !identity_equal_ignoring_case (response->authzid, response->username))
    return FALSE;
  return TRUE;
}

static PochtaSaslStatus
server_digest_response (PochtaSaslServer *self,
                        const guint8     *data,
                        gsize             len,
                        GBytes          **out_challenge)
{
  DigestResponse response = { NULL };

  if (len >= DIGEST_RESPONSE_LIMIT)
    return server_finish (self, POCHTA_SASL_MALFORMED);
  g_autoptr (GPtrArray) directives = pochta_sasl_parse_directives (data, len);
  if (directives == NULL || !digest_response_parse (directives, &response))
    return server_finish (self, POCHTA_SASL_MALFORMED);

  server_claim (self, response.username);
  if (strlen (response.username) > MAX_IDENTITY_OCTETS)
    return server_finish (self, POCHTA_SASL_FAILURE);
  if (!digest_response_matches_exchange (self, &response))
    return server_finish (self, POCHTA_SASL_FAILURE);
  g_autofree char *secret = self->get_secret (response.username, self->user_data);
  if (secret == NULL)
    return server_finish (self, POCHTA_SASL_FAILURE);

  /* qop defaults to "auth" when the client leaves it out (§2.1.2). */
  const char *qop = response.qop != NULL ? response.qop : "auth";
  g_autofree char *expected = pochta_sasl_digest_md5_value (response.username, response.realm,
                                                            secret, response.nonce,
                                                            response.cnonce, response.nc, qop,
                                                            response.digest_uri,
                                                            response.authzid, FALSE);
  if (!pochta_sasl_hex_digest_equal (expected, response.response, MD5_HEX_CHARS))
    return server_finish (self, POCHTA_SASL_FAILURE);

  /* §2.1.3: the server proves that it knows the password too.  SMTP and
   * POP3 have no "additional data with success", so rspauth goes out as
   * one more challenge and the client answers it with an empty response
   * (RFC 4954 §4, RFC 5034 §4). */
  g_autofree char *rspauth = pochta_sasl_digest_md5_value (response.username, response.realm,
                                                           secret, response.nonce,
                                                           response.cnonce, response.nc, qop,
                                                           response.digest_uri,
                                                           response.authzid, TRUE);
  GString *challenge = g_string_new ("rspauth=");
  g_string_append (challenge, rspauth);
  self->verified_login = g_strdup (response.username);
  return server_challenge (self, SERVER_DIGEST_WAIT_ACKNOWLEDGEMENT, challenge, out_challenge);
}

static PochtaSaslStatus
server_digest_acknowledgement (PochtaSaslServer *self, gsize len)
{
  /* §2.1.3 ends the exchange after rspauth; the only thing the client may
   * still say is nothing. */
  if (len != 0)
    return server_finish (self, POCHTA_SASL_MALFORMED);
  g_autofree char *login = g_steal_pointer (&self->verified_login);
  return server_succeed (self, login);
}

PochtaSaslStatus
pochta_sasl_server_start (PochtaSaslServer *self,
                          gboolean          has_initial,
                          const guint8     *initial,
                          gsize             initial_len,
                          GBytes          **out_challenge)
{
  g_return_val_if_fail (self != NULL, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (self->state == SERVER_NOT_STARTED, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (initial != NULL || initial_len == 0, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (out_challenge != NULL, POCHTA_SASL_MALFORMED);

  *out_challenge = NULL;
  if (!has_initial)
    initial_len = 0;
  /* An empty initial response ("AUTH LOGIN =") reaches us as the data of
   * an empty GBytes, which is NULL: make it "" so that it is the empty
   * user name (FAILURE) and never a NULL handed to memchr (). */
  if (initial == NULL)
    initial = (const guint8 *) "";

  switch (self->mechanism)
    {
    case POCHTA_SASL_PLAIN:
      if (has_initial)
        return server_plain_message (self, initial, initial_len);
      /* RFC 4954 §4 and RFC 4616 §2: PLAIN's server speaks first only with
       * an empty challenge ("334 "). */
      return server_challenge (self, SERVER_PLAIN_WAIT_MESSAGE, g_string_new (NULL),
                               out_challenge);

    case POCHTA_SASL_LOGIN:
      if (has_initial)
        return server_login_username (self, initial, initial_len, out_challenge);
      return server_challenge (self, SERVER_LOGIN_WAIT_USERNAME,
                               g_string_new (login_username_prompt), out_challenge);

    case POCHTA_SASL_CRAM_MD5:
    case POCHTA_SASL_DIGEST_MD5:
      /* RFC 4954 §4: an initial response to a mechanism where the server
       * speaks first is a syntax error (501 5.7.0). */
      if (has_initial)
        return server_finish (self, POCHTA_SASL_MALFORMED);
      if (self->mechanism == POCHTA_SASL_CRAM_MD5)
        return server_cram_challenge (self, out_challenge);
      return server_digest_challenge (self, out_challenge);

    case POCHTA_SASL_N_MECHANISMS:
    default:
      break;
    }
  g_return_val_if_reached (POCHTA_SASL_MALFORMED);
}

PochtaSaslStatus
pochta_sasl_server_step (PochtaSaslServer *self,
                         const guint8     *response,
                         gsize             response_len,
                         GBytes          **out_challenge)
{
  g_return_val_if_fail (self != NULL, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (self->state != SERVER_NOT_STARTED, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (self->state != SERVER_DONE, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (response != NULL || response_len == 0, POCHTA_SASL_MALFORMED);
  g_return_val_if_fail (out_challenge != NULL, POCHTA_SASL_MALFORMED);

  *out_challenge = NULL;
  if (response == NULL)
    response = (const guint8 *) "";

  switch (self->state)
    {
    case SERVER_PLAIN_WAIT_MESSAGE:
      return server_plain_message (self, response, response_len);
    case SERVER_LOGIN_WAIT_USERNAME:
      return server_login_username (self, response, response_len, out_challenge);
    case SERVER_LOGIN_WAIT_PASSWORD:
      return server_check_password (self, self->claimed_login, response, response_len);
    case SERVER_CRAM_WAIT_RESPONSE:
      return server_cram_response (self, response, response_len);
    case SERVER_DIGEST_WAIT_RESPONSE:
      return server_digest_response (self, response, response_len, out_challenge);
    case SERVER_DIGEST_WAIT_ACKNOWLEDGEMENT:
      return server_digest_acknowledgement (self, response_len);
    case SERVER_NOT_STARTED:
    case SERVER_DONE:
    default:
      break;
    }
  g_return_val_if_reached (POCHTA_SASL_MALFORMED);
}

const char *
pochta_sasl_server_get_login (PochtaSaslServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->login;
}

const char *
pochta_sasl_server_get_claimed_login (PochtaSaslServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->claimed_login;
}

PochtaSaslMechanism
pochta_sasl_server_get_mechanism (PochtaSaslServer *self)
{
  g_return_val_if_fail (self != NULL, POCHTA_SASL_PLAIN);
  return self->mechanism;
}
