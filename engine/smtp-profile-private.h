/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What each host profile advertises in EHLO, which SASL mechanisms it
 * offers and the reply texts in which the profiles differ; read by the
 * SMTP server session. */
#pragma once

#include <glib.h>

#include "sasl.h"
#include "smtp-profile.h"

G_BEGIN_DECLS

/* EHLO keywords (RFC 5321 §4.1.1.1, §2.2.2).  Those that name a command
 * (HELP, ETRN, TURN, VRFY, EXPN, AUTH) must be answered by that command,
 * never 502, once advertised (RFC 5321 §4.2.4). */
typedef enum
{
  POCHTA_SMTP_EXT_PIPELINING,           /* RFC 2920 */
  POCHTA_SMTP_EXT_8BITMIME,             /* RFC 6152 */
  POCHTA_SMTP_EXT_ENHANCEDSTATUSCODES,  /* RFC 2034 */
  POCHTA_SMTP_EXT_SIZE,                 /* RFC 1870 */
  POCHTA_SMTP_EXT_AUTH,                 /* RFC 4954 */
  POCHTA_SMTP_EXT_DSN,                  /* RFC 3461 */
  POCHTA_SMTP_EXT_HELP,                 /* RFC 5321 §4.1.1.8 */
  POCHTA_SMTP_EXT_ETRN,                 /* RFC 1985 */
  POCHTA_SMTP_EXT_TURN,                 /* RFC 821 §4.1.1 */
  POCHTA_SMTP_EXT_VRFY,                 /* RFC 5321 §3.5.2 */
  POCHTA_SMTP_EXT_EXPN,                 /* RFC 5321 §3.5.2 */
  POCHTA_SMTP_N_EXTENSIONS
} PochtaSmtpExtension;

typedef struct
{
  PochtaSmtpProfile profile;
  const char *name;
  /* EHLO keywords in the order the profile advertises them. */
  const PochtaSmtpExtension *extensions;
  guint n_extensions;
  /* SASL mechanisms in the order advertised after "AUTH". */
  const PochtaSaslMechanism *mechanisms;
  guint n_mechanisms;
  /* Reply texts that differ between profiles; the server puts its own
   * domain before greeting and hello, as RFC 5321 §4.2 wants. */
  const char *greeting;        /* 220 <host> ... */
  const char *hello;           /* 250 <host> ... to EHLO and HELO */
  gboolean hello_names_client; /* hello is followed by the client's EHLO name */
  const char *mail_ok;         /* 250 to MAIL, SEND, SOML, SAML */
  const char *rcpt_ok;         /* 250 to RCPT */
  const char *data_ok;         /* 250 after the data */
  gboolean data_ok_names_id;   /* data_ok is followed by the queue id */
} PochtaSmtpProfileInfo;

const PochtaSmtpProfileInfo *pochta_smtp_profile_get_info (PochtaSmtpProfile profile);
gboolean pochta_smtp_profile_has_extension (const PochtaSmtpProfileInfo *info,
                                            PochtaSmtpExtension          extension);
gboolean pochta_smtp_profile_offers_mechanism (const PochtaSmtpProfileInfo *info,
                                               PochtaSaslMechanism          mechanism);
/* The EHLO keyword line as advertised: "SIZE 10240000", "AUTH CRAM-MD5
 * DIGEST-MD5". */
char *pochta_smtp_profile_format_extension (const PochtaSmtpProfileInfo *info,
                                            PochtaSmtpExtension          extension,
                                            gsize                        message_size_max);
/* Appends "\nKEYWORD params" for each extension of the profile, in its
 * order: the EHLO reply after its first line. */
void pochta_smtp_profile_append_extension_lines (PochtaSmtpProfile profile,
                                                 gsize             message_size_max,
                                                 GString          *out);

G_END_DECLS
