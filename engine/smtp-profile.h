/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Host profiles: what an SMTP server advertises and accepts, and the
 * texts it answers with (constr-org.md, "SMTP profiles"). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  /* The thesis' comp3: EHLO lists exactly HELP, AUTH CRAM-MD5 DIGEST-MD5,
   * SIZE, ETRN, TURN, VRFY; no enhanced status codes; EXPN, SEND, SOML and
   * SAML answer 502. */
  POCHTA_SMTP_PROFILE_SEED,
  /* A classic RFC 821 receiver: EHLO answers 500, HELO only; SEND, SOML,
   * SAML, TURN and EXPN implemented. */
  POCHTA_SMTP_PROFILE_RFC821,
  /* PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, SIZE, AUTH PLAIN LOGIN
   * CRAM-MD5 DIGEST-MD5, DSN, ETRN, VRFY, EXPN, HELP. */
  POCHTA_SMTP_PROFILE_MODERN,
  POCHTA_SMTP_N_PROFILES
} PochtaSmtpProfile;

const char *pochta_smtp_profile_to_string (PochtaSmtpProfile profile);
gboolean pochta_smtp_profile_from_string (const char *name, PochtaSmtpProfile *out_profile);

G_END_DECLS
