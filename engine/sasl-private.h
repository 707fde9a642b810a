/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the server side (sasl.c) and the client side (sasl-client.c) of the
 * SASL mechanisms share: limits and the DIGEST-MD5 directive lists. */
#pragma once

#include <glib.h>

#include "sasl.h"

G_BEGIN_DECLS

/* RFC 4616 §2: authzid, authcid and passwd "MUST accept up to 255 octets".
 * We accept exactly that much for every identity and password of every
 * mechanism; longer ones cannot exist on our hosts, so they fail as
 * credentials (535), not as syntax. */
#define MAX_IDENTITY_OCTETS 255

/* RFC 2831 §2.1.1: "The size of a digest-challenge MUST be less than 2048
 * bytes"; §2.1.2: "The size of a digest-response MUST be less than 4096
 * bytes". */
#define DIGEST_CHALLENGE_LIMIT 2048
#define DIGEST_RESPONSE_LIMIT  4096

/* RFC 2831 §2.1.1: the nonce carries "at least 64 bits of entropy"; 16
 * characters of [A-Za-z0-9] carry about 95.  The client's cnonce has the
 * same rule (§2.1.2). */
#define DIGEST_NONCE_CHARS 16

/* Lower-case hex MD5 and HMAC-MD5 are 32 characters (RFC 1321, RFC 2104). */
#define MD5_HEX_CHARS 32

/* RFC 2831 §2.1.2: nc-value = 8LHEX, and a fresh authentication always
 * starts with the first use of the nonce (§2.1.3: the server "MUST verify
 * that the nonce-count is 00000001"). */
#define DIGEST_NC_CHARS 8
#define DIGEST_FIRST_NC "00000001"

/* One directive of a DIGEST-MD5 challenge or response (RFC 2831 §7.1). */
typedef struct
{
  char *name;   /* lower case: directive names are case-insensitive */
  char *value;  /* unquoted */
} PochtaSaslDirective;

void pochta_sasl_directive_free (gpointer data);
/* A comma-separated directive list (the #rule of RFC 2616 §2.1); NULL
 * when it does not parse.  An array of PochtaSaslDirective*. */
GPtrArray *pochta_sasl_parse_directives (const guint8 *data, gsize len);
/* FALSE when name appears more than once; *out_value NULL when absent. */
gboolean pochta_sasl_find_single_directive (GPtrArray *directives, const char *name, const char **out_value);
/* Appends value as an RFC 2616 §2.2 quoted-string. */
void pochta_sasl_append_quoted (GString *out, const char *value);
/* Takes text and returns its bytes. */
GBytes *pochta_sasl_bytes_from_string (GString *text);
/* Constant-time comparison of a lower-case hex digest with one received
 * in either case. */
gboolean pochta_sasl_hex_digest_equal (const char *expected, const char *received, gsize received_len);

G_END_DECLS
