/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Strict assembly of SMTP reply lines into whole replies (RFC 5321 §4.2). */
#define G_LOG_DOMAIN "pochta-smtp-reply"
#include "config.h"

#include <string.h>

#include "format.h"
#include "smtp-reply.h"

struct _PochtaSmtpReplyParser
{
  guint max_lines;
  PochtaSmtpReply *pending; /* a multi-line reply whose last line has not come */
};

static PochtaSmtpReply *
reply_new (guint code)
{
  PochtaSmtpReply *reply = g_new0 (PochtaSmtpReply, 1);
  reply->code = code;
  reply->lines = g_ptr_array_new_with_free_func (g_free);
  return reply;
}

void
pochta_smtp_reply_free (PochtaSmtpReply *reply)
{
  if (reply == NULL)
    return;
  g_ptr_array_unref (reply->lines);
  g_free (reply);
}

char *
pochta_smtp_reply_dup_text (const PochtaSmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, NULL);

  GString *text = g_string_new (NULL);
  for (guint i = 0; i < reply->lines->len; i++)
    {
      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, g_ptr_array_index (reply->lines, i));
    }
  return g_string_free (text, FALSE);
}

PochtaSmtpReplyParser *
pochta_smtp_reply_parser_new (guint max_lines)
{
  g_return_val_if_fail (max_lines >= 1, NULL);

  PochtaSmtpReplyParser *self = g_new0 (PochtaSmtpReplyParser, 1);
  self->max_lines = max_lines;
  return self;
}

void
pochta_smtp_reply_parser_free (PochtaSmtpReplyParser *self)
{
  if (self == NULL)
    return;
  pochta_smtp_reply_free (self->pending);
  g_free (self);
}

gboolean
pochta_smtp_reply_parser_in_reply (PochtaSmtpReplyParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->pending != NULL;
}

/* RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39.  Replies starting
 * with 1 do not exist in SMTP, and the second digit only goes to 5. */
static guint
parse_code (const char *line, gsize len)
{
  if (len < 3)
    return 0;
  if (line[0] < '2' || line[0] > '5'
      || line[1] < '0' || line[1] > '5'
      || line[2] < '0' || line[2] > '9')
    return 0;
  return (guint) (line[0] - '0') * 100 + (guint) (line[1] - '0') * 10 + (guint) (line[2] - '0');
}

/* RFC 5321 §4.2: textstring = 1*(%d09 / %d32-126).  Octets above 126 are
 * let through because SMTPUTF8 servers (RFC 6531 §3.7.4) send UTF-8 text;
 * control characters (NUL, a stray CR, ...) never belong in a reply. */
static gboolean
text_is_clean (const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) text[i];
      if ((c < 32 && c != '\t') || c == 127)
        return FALSE;
    }
  return TRUE;
}

static PochtaSmtpReplyStatus
malformed (PochtaSmtpReplyParser *self, char **out_error, char *error)
{
  g_clear_pointer (&self->pending, pochta_smtp_reply_free);
  if (out_error != NULL)
    *out_error = error;
  else
    g_free (error);
  return POCHTA_SMTP_REPLY_MALFORMED;
}

PochtaSmtpReplyStatus
pochta_smtp_reply_parser_push_line (PochtaSmtpReplyParser *self,
                                    const char            *line,
                                    gsize                  len,
                                    PochtaSmtpReply      **out_reply,
                                    char                 **out_error)
{
  g_return_val_if_fail (self != NULL, POCHTA_SMTP_REPLY_MALFORMED);
  g_return_val_if_fail (line != NULL || len == 0, POCHTA_SMTP_REPLY_MALFORMED);
  g_return_val_if_fail (out_reply != NULL, POCHTA_SMTP_REPLY_MALFORMED);

  *out_reply = NULL;
  if (out_error != NULL)
    *out_error = NULL;

  guint code = parse_code (line, len);
  if (code == 0)
    return malformed (self, out_error,
                      g_strdup ("reply line does not start with a code of three digits 2-5 "
                                "(RFC 5321 §4.2)"));

  /* After the code: SP (last line), '-' (more lines follow) or nothing
   * at all, a last line without text (RFC 5321 §4.2.1: the SP SHOULD be
   * sent, so a bare "250" is tolerated). */
  gboolean last;
  if (len == 3 || line[3] == ' ')
    last = TRUE;
  else if (line[3] == '-')
    last = FALSE;
  else
    return malformed (self, out_error,
                      pochta_strdup_printf ("reply code %u is followed by neither SP nor '-' "
                                            "(RFC 5321 §4.2)", code));

  const char *text = len > 4 ? line + 4 : "";
  gsize text_len = len > 4 ? len - 4 : 0;
  if (!text_is_clean (text, text_len))
    return malformed (self, out_error,
                      g_strdup ("reply text contains a control character (RFC 5321 §4.2)"));

  if (self->pending != NULL && self->pending->code != code)
    return malformed (self, out_error,
                      pochta_strdup_printf ("multi-line reply %u continues with code %u; every line "
                                            "must carry the same code (RFC 5321 §4.2.1)",
                                            self->pending->code, code));

  if (self->pending == NULL)
    self->pending = reply_new (code);

  if (self->pending->lines->len >= self->max_lines)
    return malformed (self, out_error,
                      pochta_strdup_printf ("reply %u has more than %u lines", code, self->max_lines));

  g_ptr_array_add (self->pending->lines, g_strndup (text, text_len));

  if (!last)
    return POCHTA_SMTP_REPLY_INCOMPLETE;

  *out_reply = g_steal_pointer (&self->pending);
  return POCHTA_SMTP_REPLY_COMPLETE;
}
