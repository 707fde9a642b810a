/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP client's envelope lines: MAIL FROM and RCPT TO with the
 * parameters the server's EHLO made possible (SIZE, BODY, DSN's RET,
 * ENVID, NOTIFY and ORCPT in xtext). */
#define G_LOG_DOMAIN "pochta-smtp-client"
#include "config.h"

#include <string.h>

#include "format.h"
#include "smtp-client-private.h"

/* RFC 3461 §4 / RFC 4954 §8: xtext escapes '+', '=' and everything outside
 * '!'..'~' as "+HH" with upper-case hex. */
static void
append_xtext (GString *out, const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;
      if (c >= '!' && c <= '~' && c != '+' && c != '=')
        g_string_append_c (out, (char) c);
      else
        pochta_string_append_printf (out, "+%02X", c);
    }
}

char *
pochta_smtp_client_build_mail_line (PochtaSmtpClient *self)
{
  GString *line = g_string_new (NULL);
  gboolean dsn = pochta_smtp_client_find_extension (self, "DSN") != NULL;

  g_string_append (line, "MAIL FROM:<");
  g_string_append (line, self->reverse_path);
  g_string_append_c (line, '>');
  /* RFC 1870 §5: the size in octets with CRLF counted, without stuffing. */
  if (pochta_smtp_client_find_extension (self, "SIZE") != NULL)
    pochta_string_append_printf (line, " SIZE=%" G_GSIZE_FORMAT, g_bytes_get_size (self->content));
  if (self->body_8bitmime && pochta_smtp_client_find_extension (self, "8BITMIME") != NULL)
    g_string_append (line, " BODY=8BITMIME");
  if (dsn && self->ret == POCHTA_DSN_RET_FULL)
    g_string_append (line, " RET=FULL");
  else if (dsn && self->ret == POCHTA_DSN_RET_HDRS)
    g_string_append (line, " RET=HDRS");
  if (dsn && self->envid != NULL)
    {
      g_string_append (line, " ENVID=");
      append_xtext (line, self->envid);
    }
  return g_string_free (line, FALSE);
}

static void
append_notify (GString *line, PochtaDsnNotify notify)
{
  static const struct { PochtaDsnNotify flag; const char *name; } names[] = {
    { POCHTA_DSN_NOTIFY_SUCCESS, "SUCCESS" },
    { POCHTA_DSN_NOTIFY_FAILURE, "FAILURE" },
    { POCHTA_DSN_NOTIFY_DELAY, "DELAY" },
  };

  g_string_append (line, " NOTIFY=");
  if (notify & POCHTA_DSN_NOTIFY_NEVER)
    {
      g_string_append (line, "NEVER");
      return;
    }
  gboolean first = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (!(notify & names[i].flag))
        continue;
      if (!first)
        g_string_append_c (line, ',');
      g_string_append (line, names[i].name);
      first = FALSE;
    }
}

/* RFC 3461 §4.2: ORCPT=addr-type;xtext.  A bare address is an rfc822 one.
 * The addr-type is an atom, which xtext leaves as it is, so the whole
 * value goes through xtext and nothing in it can break the line. */
static void
append_orcpt (GString *line, const char *orcpt)
{
  g_string_append (line, " ORCPT=");
  if (strchr (orcpt, ';') == NULL)
    g_string_append (line, "rfc822;");
  append_xtext (line, orcpt);
}

char *
pochta_smtp_client_build_rcpt_line (PochtaSmtpClient *self, const Recipient *recipient)
{
  GString *line = g_string_new (NULL);

  g_string_append (line, "RCPT TO:<");
  g_string_append (line, recipient->pub.mailbox);
  g_string_append_c (line, '>');
  if (pochta_smtp_client_find_extension (self, "DSN") != NULL)
    {
      if (recipient->pub.notify != POCHTA_DSN_NOTIFY_DEFAULT)
        append_notify (line, recipient->pub.notify);
      if (recipient->pub.orcpt != NULL)
        append_orcpt (line, recipient->pub.orcpt);
    }
  return g_string_free (line, FALSE);
}
