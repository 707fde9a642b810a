/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SASL mechanisms PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login),
 * CRAM-MD5 (RFC 2195) and DIGEST-MD5 (RFC 2831, historic per RFC 6331),
 * server and client side, plus the POP3 APOP digest (RFC 1939 §7).
 *
 * The SASL objects speak raw bytes: the protocol session (SMTP 334 lines,
 * POP3 "+ " lines) does the base64 on the wire, with
 * pochta_base64_decode_strict () so that malformed input is refused rather
 * than skipped (RFC 4954 §4).  Sans-I/O like the sessions: no clock, no
 * global state; nonces and challenges come from a PochtaGenerator. */
#pragma once

#include <glib.h>

#include "generator.h"

G_BEGIN_DECLS

typedef enum
{
  POCHTA_SASL_PLAIN,
  POCHTA_SASL_LOGIN,
  POCHTA_SASL_CRAM_MD5,
  POCHTA_SASL_DIGEST_MD5,
  POCHTA_SASL_N_MECHANISMS
} PochtaSaslMechanism;

/* "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5". */
const char *pochta_sasl_mechanism_to_string (PochtaSaslMechanism mechanism);
/* Case-insensitive; FALSE for a name that is not one of the four. */
gboolean pochta_sasl_mechanism_from_string (const char *name, PochtaSaslMechanism *out_mechanism);
/* TRUE for mechanisms where the client may send an initial response
 * (PLAIN, LOGIN); FALSE where the server speaks first (RFC 4954 §4). */
gboolean pochta_sasl_mechanism_client_first (PochtaSaslMechanism mechanism);
/* Client preference, strongest first: CRAM-MD5 > DIGEST-MD5 > PLAIN > LOGIN
 * (the order the SMTP engine issue fixes).  A higher number is stronger;
 * every mechanism's number is positive. */
int pochta_sasl_mechanism_strength (PochtaSaslMechanism mechanism);

typedef enum
{
  POCHTA_SASL_CONTINUE,   /* send *out_data as the next challenge/response */
  POCHTA_SASL_SUCCESS,    /* authenticated (server) / exchange done (client) */
  POCHTA_SASL_FAILURE,    /* credentials wrong (SMTP 535, POP3 -ERR [AUTH]) */
  POCHTA_SASL_MALFORMED,  /* the peer's message breaks the mechanism's syntax (SMTP 501) */
} PochtaSaslStatus;

/* Returns the password of login, or NULL when there is no such user.  The
 * lookup decides about case (constr.org logins are case-insensitive). */
typedef char *(*PochtaSaslSecretFunc) (const char *login, gpointer user_data);

/* ---- server side ---- */

typedef struct _PochtaSaslServer PochtaSaslServer;

/* service is the SASL service name ("smtp", "pop"; RFC 4954 §4, RFC 2831
 * §2.1.2), hostname the server's name (CRAM-MD5 msg-id, DIGEST-MD5 realm and
 * digest-uri).  generator supplies nonces and the timestamp; it is borrowed
 * and must outlive the server (NULL is allowed for PLAIN and LOGIN, which
 * need none).  get_secret is called at most once per exchange. */
PochtaSaslServer *pochta_sasl_server_new (PochtaSaslMechanism  mechanism,
                                          const char          *service,
                                          const char          *hostname,
                                          PochtaGenerator     *generator,
                                          PochtaSaslSecretFunc get_secret,
                                          gpointer             user_data);
void pochta_sasl_server_free (PochtaSaslServer *self);

/* Starts the exchange.  has_initial says whether the client sent an
 * initial response (which may be empty: SMTP "AUTH PLAIN ="); a server-first
 * mechanism given one returns MALFORMED (RFC 4954 §4: 501 5.7.0).
 * *out_challenge is set on CONTINUE (possibly empty: SMTP "334 "). */
PochtaSaslStatus pochta_sasl_server_start (PochtaSaslServer *self,
                                           gboolean          has_initial,
                                           const guint8     *initial,
                                           gsize             initial_len,
                                           GBytes          **out_challenge);

/* Feeds the client's next (decoded) response. */
PochtaSaslStatus pochta_sasl_server_step (PochtaSaslServer *self,
                                          const guint8     *response,
                                          gsize             response_len,
                                          GBytes          **out_challenge);

/* After SUCCESS: the authenticated identity (authcid) as the client wrote it. */
const char *pochta_sasl_server_get_login (PochtaSaslServer *self);
/* After SUCCESS or FAILURE: the login the client claimed, if it got that far. */
const char *pochta_sasl_server_get_claimed_login (PochtaSaslServer *self);
PochtaSaslMechanism pochta_sasl_server_get_mechanism (PochtaSaslServer *self);

/* ---- client side ---- */

typedef struct _PochtaSaslClient PochtaSaslClient;

/* generator (for the DIGEST-MD5 cnonce) is borrowed and must outlive the
 * client; NULL is allowed for the other mechanisms. */
PochtaSaslClient *pochta_sasl_client_new (PochtaSaslMechanism mechanism,
                                          const char         *service,
                                          const char         *hostname,
                                          const char         *login,
                                          const char         *password,
                                          PochtaGenerator    *generator);
void pochta_sasl_client_free (PochtaSaslClient *self);

/* For client-first mechanisms: the initial response to put on the AUTH
 * line (PLAIN's whole message).  FALSE when the mechanism has none. */
gboolean pochta_sasl_client_initial_response (PochtaSaslClient *self, GBytes **out_response);

/* Answers a (decoded) server challenge.  CONTINUE: send *out_response.
 * SUCCESS: DIGEST-MD5's rspauth checked out (send an empty response).
 * FAILURE: the server's rspauth was wrong.  MALFORMED: unparseable. */
PochtaSaslStatus pochta_sasl_client_step (PochtaSaslClient *self,
                                          const guint8     *challenge,
                                          gsize             challenge_len,
                                          GBytes          **out_response);

/* ---- building blocks, exposed for tests and the lessons ---- */

/* Lower-case hex HMAC-MD5 (RFC 2104) of challenge keyed by secret. */
char *pochta_sasl_cram_md5_digest (const char *secret, const char *challenge, gsize challenge_len);
/* Lower-case hex MD5 (timestamp + secret), RFC 1939 §7. */
char *pochta_apop_digest (const char *timestamp, const char *secret);
/* RFC 2831 §2.1.2.1 response-value; for_rspauth uses A2 = ":" digest-uri
 * (§2.1.3).  authzid may be NULL. */
char *pochta_sasl_digest_md5_value (const char *user,
                                    const char *realm,
                                    const char *password,
                                    const char *nonce,
                                    const char *cnonce,
                                    const char *nc,
                                    const char *qop,
                                    const char *digest_uri,
                                    const char *authzid,
                                    gboolean    for_rspauth);

/* Decodes RFC 4648 base64, refusing anything g_base64_decode () would
 * silently skip: characters outside the alphabet, '=' anywhere but at the
 * end, a length that is not a multiple of four.  The empty string decodes
 * to zero bytes.  NULL on error. */
GBytes *pochta_base64_decode_strict (const char *text, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaSaslServer, pochta_sasl_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaSaslClient, pochta_sasl_client_free)

G_END_DECLS
