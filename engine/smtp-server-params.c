/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The arguments of MAIL and RCPT: RFC 5321 §4.1.2 paths and the ESMTP
 * parameters SIZE (RFC 1870), BODY (RFC 6152), AUTH (RFC 4954 §5), RET,
 * ENVID, NOTIFY and ORCPT (RFC 3461 §4). */
#define G_LOG_DOMAIN "pochta-smtp-server"
#include "config.h"

#include <string.h>

#include "smtp-server-private.h"

/* RFC 5321 §4.1.2 atext (via RFC 5322 §3.2.3). */
static gboolean
is_atext (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Let-dig [Ldh-str]; lenient also takes "_", which hosts put in their
 * EHLO names though RFC 5321 §4.1.2 does not. */
static const char *
skip_sub_domain (const char *p, gboolean lenient)
{
  const char *start = p;

  while (g_ascii_isalnum (*p) || *p == '-' || (lenient && *p == '_'))
    p++;
  if (p == start || start[0] == '-' || p[-1] == '-')
    return NULL;
  return p;
}

/* Domain = sub-domain *("." sub-domain), or an address-literal
 * "[" 1*dcontent "]" whose inside we do not interpret further. */
static const char *
skip_domain (const char *p, gboolean lenient)
{
  if (*p == '[')
    {
      const char *q = p + 1;
      while (*q > 32 && *q < 127 && *q != '[' && *q != ']' && *q != '\\')
        q++;
      return *q == ']' && q > p + 1 ? q + 1 : NULL;
    }
  for (;;)
    {
      p = skip_sub_domain (p, lenient);
      if (p == NULL || *p != '.')
        return p;
      p++;
    }
}

gboolean
pochta_smtp_is_domain (const char *text, gboolean lenient)
{
  g_return_val_if_fail (text != NULL, FALSE);

  const char *end = skip_domain (text, lenient);
  return end != NULL && *end == '\0';
}

/* Local-part = Dot-string / Quoted-string (RFC 5321 §4.1.2). */
static const char *
skip_local_part (const char *p)
{
  if (*p == '"')
    {
      for (p++; *p != '"'; p++)
        {
          if (*p == '\\' && p[1] >= 32 && p[1] < 127)
            p++;
          else if (*p < 32 || *p >= 127)
            return NULL;
        }
      return p + 1;
    }
  for (;;)
    {
      const char *start = p;
      while (is_atext (*p))
        p++;
      if (p == start)
        return NULL;
      if (*p != '.')
        return p;
      p++;
    }
}

/* Path = "<" [ A-d-l ":" ] Mailbox ">" (RFC 5321 §4.1.2); the source route
 * is accepted and dropped (§4.1.1.3, App. C).  Returns the text after
 * ">" or NULL. */
static const char *
parse_path (const char *p, gboolean allow_null, char **out_mailbox)
{
  if (*p++ != '<')
    return NULL;
  if (allow_null && *p == '>')
    {
      *out_mailbox = g_strdup ("");
      return p + 1;
    }
  if (*p == '@')
    {
      for (;;)
        {
          p = skip_domain (p + 1, FALSE);
          if (p == NULL)
            return NULL;
          if (*p == ':')
            break;
          if (*p != ',' || p[1] != '@')
            return NULL;
          p++;
        }
      p++;
    }

  const char *mailbox = p;
  p = skip_local_part (p);
  if (p == NULL || *p != '@')
    return NULL;
  p = skip_domain (p + 1, FALSE);
  if (p == NULL || *p != '>')
    return NULL;
  *out_mailbox = g_strndup (mailbox, (gsize) (p - mailbox));
  return p + 1;
}

/* xtext (RFC 3461 §4): "+" and two upper-case hex digits stand for an
 * octet; other characters are printable ASCII but "+" and "=".  The
 * decoded values these parameters carry are printable ASCII as well
 * (RFC 3461 §4.2, §4.4; RFC 4954 §5). */
static char *
xtext_decode (const char *text)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        {
          int high = g_ascii_isupper (p[1]) || g_ascii_isdigit (p[1]) ? g_ascii_xdigit_value (p[1]) : -1;
          int low = high >= 0 && (g_ascii_isupper (p[2]) || g_ascii_isdigit (p[2]))
                    ? g_ascii_xdigit_value (p[2]) : -1;
          if (high < 0 || low < 0 || high * 16 + low < 0x20 || high * 16 + low > 0x7e)
            return NULL;
          g_string_append_c (out, (char) (high * 16 + low));
          p += 2;
        }
      else if (*p < 0x21 || *p > 0x7e || *p == '=')
        return NULL;
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* esmtp-keyword ["=" esmtp-value] (RFC 5321 §4.1.2). */
static gboolean
split_parameter (char *parameter, char **out_keyword, char **out_value)
{
  char *equals = strchr (parameter, '=');

  if (equals != NULL)
    *equals = '\0';
  *out_keyword = parameter;
  *out_value = equals != NULL ? equals + 1 : NULL;

  if (!g_ascii_isalnum (parameter[0]))
    return FALSE;
  for (const char *p = parameter; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;
  if (*out_value != NULL)
    {
      if (**out_value == '\0')
        return FALSE;
      for (const char *p = *out_value; *p != '\0'; p++)
        if (*p < 33 || *p > 126 || *p == '=')
          return FALSE;
    }
  return TRUE;
}

typedef enum
{
  SEEN_SIZE = 1 << 0,
  SEEN_BODY = 1 << 1,
  SEEN_AUTH = 1 << 2,
  SEEN_RET = 1 << 3,
  SEEN_ENVID = 1 << 4,
  SEEN_NOTIFY = 1 << 5,
  SEEN_ORCPT = 1 << 6,
} SeenParameters;

/* A parameter the session may take: its extension was advertised in
 * EHLO (RFC 5321 §4.1.1.11: otherwise 555), and it is not repeated
 * (RFC 1870 §6, RFC 3461 §4: 501). */
static gboolean
parameter_allowed (PochtaSmtpServer *self, PochtaSmtpExtension extension, SeenParameters bit,
                   guint *seen, const char *keyword)
{
  if (!self->envelope.extended || !pochta_smtp_server_has_extension (self, extension))
    {
      pochta_smtp_server_queue_reply (self, 555, "5.5.4", "%s parameter not recognized", keyword);
      return FALSE;
    }
  if (*seen & bit)
    {
      pochta_smtp_server_queue_reply (self, 501, "5.5.4", "Duplicate %s parameter", keyword);
      return FALSE;
    }
  *seen |= bit;
  return TRUE;
}

static gboolean
bad_value (PochtaSmtpServer *self, const char *keyword)
{
  pochta_smtp_server_queue_reply (self, 501, "5.5.4", "Syntax error in the %s parameter", keyword);
  return FALSE;
}

/* RFC 1870 §3, §6.1: SIZE=1*20DIGIT, over the fixed maximum is 552. */
static gboolean
apply_size (PochtaSmtpServer *self, const char *value, PochtaSmtpEnvelope *envelope)
{
  guint64 size = 0;
  gsize n_digits = value != NULL ? strspn (value, "0123456789") : 0;

  if (n_digits == 0 || value[n_digits] != '\0' || n_digits > 20)
    return bad_value (self, "SIZE");
  /* Twenty digits may not fit 64 bits; such a size exceeds any limit. */
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &size, NULL)
      || size > self->limits.message_size_max)
    {
      pochta_smtp_server_queue_reply (self, 552, "5.3.4", "Message size exceeds fixed maximum message size");
      return FALSE;
    }
  envelope->declared_size = (gsize) size;
  return TRUE;
}

static gboolean
apply_mail_parameter (PochtaSmtpServer   *self,
                      const char         *keyword,
                      const char         *value,
                      guint              *seen,
                      PochtaSmtpEnvelope *envelope)
{
  if (g_ascii_strcasecmp (keyword, "SIZE") == 0)
    return parameter_allowed (self, POCHTA_SMTP_EXT_SIZE, SEEN_SIZE, seen, "SIZE")
           && apply_size (self, value, envelope);

  if (g_ascii_strcasecmp (keyword, "BODY") == 0)
    {
      /* RFC 6152 §3: BODY=7BIT or BODY=8BITMIME. */
      if (!parameter_allowed (self, POCHTA_SMTP_EXT_8BITMIME, SEEN_BODY, seen, "BODY"))
        return FALSE;
      if (value != NULL && g_ascii_strcasecmp (value, "8BITMIME") == 0)
        envelope->body_8bitmime = TRUE;
      else if (value == NULL || g_ascii_strcasecmp (value, "7BIT") != 0)
        return bad_value (self, "BODY");
      return TRUE;
    }

  if (g_ascii_strcasecmp (keyword, "AUTH") == 0)
    {
      if (!parameter_allowed (self, POCHTA_SMTP_EXT_AUTH, SEEN_AUTH, seen, "AUTH"))
        return FALSE;
      g_autofree char *decoded = value != NULL ? xtext_decode (value) : NULL;
      if (decoded == NULL)
        return bad_value (self, "AUTH");
      /* RFC 4954 §5: from a client we have not authenticated, AUTH=<>. */
      envelope->auth = self->authenticated ? g_steal_pointer (&decoded) : g_strdup ("<>");
      return TRUE;
    }

  if (g_ascii_strcasecmp (keyword, "RET") == 0)
    {
      if (!parameter_allowed (self, POCHTA_SMTP_EXT_DSN, SEEN_RET, seen, "RET"))
        return FALSE;
      if (value != NULL && g_ascii_strcasecmp (value, "FULL") == 0)
        envelope->ret = POCHTA_DSN_RET_FULL;
      else if (value != NULL && g_ascii_strcasecmp (value, "HDRS") == 0)
        envelope->ret = POCHTA_DSN_RET_HDRS;
      else
        return bad_value (self, "RET");
      return TRUE;
    }

  if (g_ascii_strcasecmp (keyword, "ENVID") == 0)
    {
      if (!parameter_allowed (self, POCHTA_SMTP_EXT_DSN, SEEN_ENVID, seen, "ENVID"))
        return FALSE;
      envelope->envid = value != NULL ? xtext_decode (value) : NULL;
      return envelope->envid != NULL || bad_value (self, "ENVID");
    }

  pochta_smtp_server_queue_reply (self, 555, "5.5.4", "%s parameter not recognized", keyword);
  return FALSE;
}

/* RFC 3461 §4.1: NOTIFY=NEVER, or a list of SUCCESS, FAILURE, DELAY. */
static gboolean
parse_notify (const char *value, PochtaDsnNotify *out_notify)
{
  g_auto (GStrv) items = g_strsplit (value, ",", -1);
  guint notify = 0;

  for (guint i = 0; items[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (items[i], "NEVER") == 0)
        notify |= POCHTA_DSN_NOTIFY_NEVER;
      else if (g_ascii_strcasecmp (items[i], "SUCCESS") == 0)
        notify |= POCHTA_DSN_NOTIFY_SUCCESS;
      else if (g_ascii_strcasecmp (items[i], "FAILURE") == 0)
        notify |= POCHTA_DSN_NOTIFY_FAILURE;
      else if (g_ascii_strcasecmp (items[i], "DELAY") == 0)
        notify |= POCHTA_DSN_NOTIFY_DELAY;
      else
        return FALSE;
    }
  if ((notify & POCHTA_DSN_NOTIFY_NEVER) && notify != POCHTA_DSN_NOTIFY_NEVER)
    return FALSE;
  *out_notify = notify;
  return TRUE;
}

/* RFC 3461 §4.2: ORCPT=addr-type ";" xtext, addr-type an atom. */
static char *
parse_orcpt (const char *value)
{
  g_autofree char *decoded = xtext_decode (value);
  const char *semicolon = decoded != NULL ? strchr (decoded, ';') : NULL;

  if (semicolon == NULL || semicolon == decoded || semicolon[1] == '\0')
    return NULL;
  for (const char *p = decoded; p < semicolon; p++)
    if (!is_atext (*p))
      return NULL;
  return g_steal_pointer (&decoded);
}

static gboolean
apply_rcpt_parameter (PochtaSmtpServer    *self,
                      const char          *keyword,
                      const char          *value,
                      guint               *seen,
                      PochtaSmtpRecipient *recipient)
{
  if (g_ascii_strcasecmp (keyword, "NOTIFY") == 0)
    {
      if (!parameter_allowed (self, POCHTA_SMTP_EXT_DSN, SEEN_NOTIFY, seen, "NOTIFY"))
        return FALSE;
      return (value != NULL && parse_notify (value, &recipient->notify)) || bad_value (self, "NOTIFY");
    }
  if (g_ascii_strcasecmp (keyword, "ORCPT") == 0)
    {
      if (!parameter_allowed (self, POCHTA_SMTP_EXT_DSN, SEEN_ORCPT, seen, "ORCPT"))
        return FALSE;
      recipient->orcpt = value != NULL ? parse_orcpt (value) : NULL;
      return recipient->orcpt != NULL || bad_value (self, "ORCPT");
    }
  pochta_smtp_server_queue_reply (self, 555, "5.5.4", "%s parameter not recognized", keyword);
  return FALSE;
}

/* Checks "FROM:" or "TO:" and that the path follows at once: RFC 5321
 * §3.3 allows no space on either side of the colon. */
static const char *
skip_keyword (const char *args, const char *keyword)
{
  gsize len = strlen (keyword);

  if (g_ascii_strncasecmp (args, keyword, len) != 0)
    return NULL;
  return args[len] == '<' ? args + len : NULL;
}

/* Splits what follows the path into parameters; FALSE on a syntax error. */
static gboolean
split_parameters (const char *rest, GStrv *out_parameters)
{
  if (*rest != '\0' && *rest != ' ')
    return FALSE;
  /* Most commands carry no parameter at all. */
  if (*rest == '\0')
    {
      *out_parameters = g_new0 (char *, 1);
      return TRUE;
    }
  GPtrArray *parameters = g_ptr_array_new ();
  for (const char *word = rest; *word != '\0';)
    {
      word += strspn (word, " ");
      gsize len = strcspn (word, " ");
      if (len > 0)
        g_ptr_array_add (parameters, g_strndup (word, len));
      word += len;
    }
  g_ptr_array_add (parameters, NULL);
  *out_parameters = (GStrv) g_ptr_array_free (parameters, FALSE);
  return TRUE;
}

gboolean
pochta_smtp_server_parse_mail (PochtaSmtpServer   *self,
                               const char         *args,
                               PochtaSmtpEnvelope *out_envelope)
{
  g_auto (GStrv) parameters = NULL;
  guint seen = 0;

  g_return_val_if_fail (self != NULL && args != NULL && out_envelope != NULL, FALSE);

  const char *path = skip_keyword (args, "FROM:");
  const char *rest = path != NULL ? parse_path (path, TRUE, &out_envelope->reverse_path) : NULL;
  if (rest == NULL || !split_parameters (rest, &parameters))
    {
      pochta_smtp_server_queue_reply (self, 501, "5.1.7",
                                      "Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space");
      goto fail;
    }
  for (guint i = 0; parameters[i] != NULL; i++)
    {
      char *keyword, *value;
      if (!split_parameter (parameters[i], &keyword, &value))
        {
          pochta_smtp_server_queue_reply (self, 501, "5.5.4", "Syntax error in parameters");
          goto fail;
        }
      if (!apply_mail_parameter (self, keyword, value, &seen, out_envelope))
        goto fail;
    }
  return TRUE;

fail:
  g_clear_pointer (&out_envelope->reverse_path, g_free);
  g_clear_pointer (&out_envelope->envid, g_free);
  g_clear_pointer (&out_envelope->auth, g_free);
  return FALSE;
}

gboolean
pochta_smtp_server_parse_rcpt (PochtaSmtpServer    *self,
                               const char          *args,
                               PochtaSmtpRecipient *out_recipient)
{
  g_auto (GStrv) parameters = NULL;
  guint seen = 0;

  g_return_val_if_fail (self != NULL && args != NULL && out_recipient != NULL, FALSE);

  const char *path = skip_keyword (args, "TO:");
  const char *rest = NULL;
  /* RFC 5321 §4.1.1.3: <Postmaster> needs no domain. */
  if (path != NULL && g_ascii_strncasecmp (path, "<postmaster>", 12) == 0)
    {
      out_recipient->mailbox = g_strndup (path + 1, 10);
      rest = path + 12;
    }
  else if (path != NULL)
    rest = parse_path (path, FALSE, &out_recipient->mailbox);

  if (rest == NULL || !split_parameters (rest, &parameters))
    {
      pochta_smtp_server_queue_reply (self, 501, "5.1.3",
                                      "Syntax error in the forward-path; use RCPT TO:<mailbox>, no space");
      return FALSE;
    }
  for (guint i = 0; parameters[i] != NULL; i++)
    {
      char *keyword, *value;
      if (!split_parameter (parameters[i], &keyword, &value))
        {
          pochta_smtp_server_queue_reply (self, 501, "5.5.4", "Syntax error in parameters");
          return FALSE;
        }
      if (!apply_rcpt_parameter (self, keyword, value, &seen, out_recipient))
        return FALSE;
    }
  return TRUE;
}

void
pochta_smtp_recipient_free (gpointer data)
{
  PochtaSmtpRecipient *recipient = data;

  if (recipient == NULL)
    return;
  g_free (recipient->mailbox);
  g_free (recipient->orcpt);
  g_free (recipient);
}
