/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The host profiles of constr-org.md ("SMTP profiles"): what each one
 * advertises in EHLO, its SASL mechanisms and its reply texts. */
#define G_LOG_DOMAIN "pochta-smtp-profile"
#include "config.h"

#include "smtp-profile-private.h"

/* The thesis' comp3, line for line: HELP, AUTH CRAM-MD5 DIGEST-MD5, SIZE,
 * ETRN, TURN, VRFY and nothing else (no enhanced status codes, no EXPN). */
static const PochtaSmtpExtension seed_extensions[] = {
  POCHTA_SMTP_EXT_HELP,
  POCHTA_SMTP_EXT_AUTH,
  POCHTA_SMTP_EXT_SIZE,
  POCHTA_SMTP_EXT_ETRN,
  POCHTA_SMTP_EXT_TURN,
  POCHTA_SMTP_EXT_VRFY,
};

static const PochtaSaslMechanism seed_mechanisms[] = {
  POCHTA_SASL_CRAM_MD5,
  POCHTA_SASL_DIGEST_MD5,
};

/* The order constr-org.md lists them in: the transport extensions that
 * change how the client talks first, then AUTH and DSN, then the
 * commands.  PLAIN and LOGIN are offered without TLS because constr-org
 * is a closed lab network (RFC 4954 §4 and §14 otherwise forbid it). */
static const PochtaSmtpExtension modern_extensions[] = {
  POCHTA_SMTP_EXT_PIPELINING,
  POCHTA_SMTP_EXT_8BITMIME,
  POCHTA_SMTP_EXT_ENHANCEDSTATUSCODES,
  POCHTA_SMTP_EXT_SIZE,
  POCHTA_SMTP_EXT_AUTH,
  POCHTA_SMTP_EXT_DSN,
  POCHTA_SMTP_EXT_ETRN,
  POCHTA_SMTP_EXT_VRFY,
  POCHTA_SMTP_EXT_EXPN,
  POCHTA_SMTP_EXT_HELP,
};

static const PochtaSaslMechanism modern_mechanisms[] = {
  POCHTA_SASL_PLAIN,
  POCHTA_SASL_LOGIN,
  POCHTA_SASL_CRAM_MD5,
  POCHTA_SASL_DIGEST_MD5,
};

static const PochtaSmtpProfileInfo profiles[POCHTA_SMTP_N_PROFILES] = {
  [POCHTA_SMTP_PROFILE_SEED] = {
    .profile = POCHTA_SMTP_PROFILE_SEED,
    .name = "seed",
    .extensions = seed_extensions,
    .n_extensions = G_N_ELEMENTS (seed_extensions),
    .mechanisms = seed_mechanisms,
    .n_mechanisms = G_N_ELEMENTS (seed_mechanisms),
    .greeting = "Simple Mail Transfer Service Ready",
    .hello = "says hello",
    .mail_ok = "OK",
    .rcpt_ok = "OK",
    .data_ok = "OK",
  },
  /* RFC 821 knows no EHLO, so it advertises nothing; its texts are those
   * of RFC 821 §3.1 Example 1 and Appendix E. */
  [POCHTA_SMTP_PROFILE_RFC821] = {
    .profile = POCHTA_SMTP_PROFILE_RFC821,
    .name = "rfc821",
    .greeting = "Simple Mail Transfer Service Ready",
    .hello = NULL,
    .mail_ok = "OK",
    .rcpt_ok = "OK",
    .data_ok = "OK",
  },
  [POCHTA_SMTP_PROFILE_MODERN] = {
    .profile = POCHTA_SMTP_PROFILE_MODERN,
    .name = "modern",
    .extensions = modern_extensions,
    .n_extensions = G_N_ELEMENTS (modern_extensions),
    .mechanisms = modern_mechanisms,
    .n_mechanisms = G_N_ELEMENTS (modern_mechanisms),
    .greeting = "ESMTP Service ready",
    .hello = "Hello",
    .hello_names_client = TRUE,
    .mail_ok = "Sender OK",
    .rcpt_ok = "Recipient OK",
    .data_ok = "OK, queued as",
    .data_ok_names_id = TRUE,
  },
};

const char *
pochta_smtp_profile_to_string (PochtaSmtpProfile profile)
{
  g_return_val_if_fail (profile < POCHTA_SMTP_N_PROFILES, NULL);
  return profiles[profile].name;
}

gboolean
pochta_smtp_profile_from_string (const char *name, PochtaSmtpProfile *out_profile)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      if (g_ascii_strcasecmp (name, profiles[i].name) == 0)
        {
          if (out_profile != NULL)
            *out_profile = profiles[i].profile;
          return TRUE;
        }
    }
  return FALSE;
}

const PochtaSmtpProfileInfo *
pochta_smtp_profile_get_info (PochtaSmtpProfile profile)
{
  g_return_val_if_fail (profile < POCHTA_SMTP_N_PROFILES, NULL);
  return &profiles[profile];
}

gboolean
pochta_smtp_profile_has_extension (const PochtaSmtpProfileInfo *info,
                                   PochtaSmtpExtension          extension)
{
  g_return_val_if_fail (info != NULL, FALSE);

  for (guint i = 0; i < info->n_extensions; i++)
    if (info->extensions[i] == extension)
      return TRUE;
  return FALSE;
}

gboolean
pochta_smtp_profile_offers_mechanism (const PochtaSmtpProfileInfo *info,
                                      PochtaSaslMechanism          mechanism)
{
  g_return_val_if_fail (info != NULL, FALSE);

  for (guint i = 0; i < info->n_mechanisms; i++)
    if (info->mechanisms[i] == mechanism)
      return TRUE;
  return FALSE;
}

static const char *
extension_keyword (PochtaSmtpExtension extension)
{
  switch (extension)
    {
    case POCHTA_SMTP_EXT_PIPELINING: return "PIPELINING";
    case POCHTA_SMTP_EXT_8BITMIME: return "8BITMIME";
    case POCHTA_SMTP_EXT_ENHANCEDSTATUSCODES: return "ENHANCEDSTATUSCODES";
    case POCHTA_SMTP_EXT_SIZE: return "SIZE";
    case POCHTA_SMTP_EXT_AUTH: return "AUTH";
    case POCHTA_SMTP_EXT_DSN: return "DSN";
    case POCHTA_SMTP_EXT_HELP: return "HELP";
    case POCHTA_SMTP_EXT_ETRN: return "ETRN";
    case POCHTA_SMTP_EXT_TURN: return "TURN";
    case POCHTA_SMTP_EXT_VRFY: return "VRFY";
    case POCHTA_SMTP_EXT_EXPN: return "EXPN";
    case POCHTA_SMTP_N_EXTENSIONS:
    default:
      g_assert_not_reached ();
    }
}

char *
pochta_smtp_profile_format_extension (const PochtaSmtpProfileInfo *info,
                                      PochtaSmtpExtension          extension,
                                      gsize                        message_size_max)
{
  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (extension < POCHTA_SMTP_N_EXTENSIONS, NULL);

  GString *line = g_string_new (extension_keyword (extension));

  /* RFC 1870 §4: the fixed maximum message size, in octets. */
  if (extension == POCHTA_SMTP_EXT_SIZE)
    g_string_append_printf (line, " %" G_GSIZE_FORMAT, message_size_max);
  /* RFC 4954 §3: the mechanisms, space-separated. */
  else if (extension == POCHTA_SMTP_EXT_AUTH)
    for (guint i = 0; i < info->n_mechanisms; i++)
      g_string_append_printf (line, " %s", pochta_sasl_mechanism_to_string (info->mechanisms[i]));
  return g_string_free (line, FALSE);
}

/* The EHLO reply's extension lines of a profile, '\n' before each, kept
 * for the last size limit asked: a host answers many EHLOs with the same
 * list, and a size limit changes only with a fault switched on or off. */
typedef struct
{
  gsize message_size_max;
  char *lines;
} ExtensionLines;

static ExtensionLines extension_lines_cache[POCHTA_SMTP_N_PROFILES];
G_LOCK_DEFINE_STATIC (extension_lines_cache);

static char *
format_extension_lines (const PochtaSmtpProfileInfo *info, gsize message_size_max)
{
  GString *lines = g_string_new (NULL);

  for (guint i = 0; i < info->n_extensions; i++)
    {
      g_autofree char *keyword = pochta_smtp_profile_format_extension (info, info->extensions[i],
                                                                       message_size_max);
      g_string_append_c (lines, '\n');
      g_string_append (lines, keyword);
    }
  return g_string_free (lines, FALSE);
}

void
pochta_smtp_profile_append_extension_lines (PochtaSmtpProfile profile,
                                            gsize             message_size_max,
                                            GString          *out)
{
  g_return_if_fail (profile < POCHTA_SMTP_N_PROFILES && out != NULL);

  ExtensionLines *cached = &extension_lines_cache[profile];
  G_LOCK (extension_lines_cache);
  if (cached->lines == NULL || cached->message_size_max != message_size_max)
    {
      g_free (cached->lines);
      cached->lines = format_extension_lines (pochta_smtp_profile_get_info (profile), message_size_max);
      cached->message_size_max = message_size_max;
    }
  g_string_append (out, cached->lines);
  G_UNLOCK (extension_lines_cache);
}
