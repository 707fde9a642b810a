/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Strict assembly of SMTP reply lines into whole replies (RFC 5321 §4.2). */
#define G_LOG_DOMAIN "pochta-smtp-reply"
#include "config.h"

#include <string.h>

#include "ascii-scan-private.h"
#include "byte-array-private.h"
#include "format.h"
#include "smtp-reply.h"

struct _PochtaSmtpReplyParser
{
  guint max_lines;
  gboolean in_reply;     /* a multi-line reply whose last line has not come */
  /* One reply, reused: a client reads a dozen replies a session, and a
   * fresh array and a string a line cost more than parsing them.  The
   * texts sit in one buffer, each ended by NUL (a reply text holds none,
   * RFC 5321 §4.2); reply.lines points into it once the reply is whole,
   * since the buffer may move while it grows. */
  PochtaSmtpReply reply;
  char *text;
  gsize text_len;
  gsize text_room;
  guint n_lines;
};

char *
pochta_smtp_reply_dup_text (const PochtaSmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, NULL);

  /* Measured first, then copied into one allocation. */
  gsize size = 1;
  for (guint i = 0; i < reply->lines->len; i++)
    size += strlen (g_ptr_array_index (reply->lines, i)) + (i > 0);
  char *text = g_malloc (size);
  char *at = text;
  for (guint i = 0; i < reply->lines->len; i++)
    {
      const char *line = g_ptr_array_index (reply->lines, i);
      gsize len = strlen (line);
      if (i > 0)
        *at++ = '\n';
      memcpy (at, line, len);
      at += len;
    }
  *at = '\0';
  return text;
}

PochtaSmtpReplyParser *
pochta_smtp_reply_parser_new (guint max_lines)
{
  g_return_val_if_fail (max_lines >= 1, NULL);

  PochtaSmtpReplyParser *self = g_new0 (PochtaSmtpReplyParser, 1);
  self->max_lines = max_lines;
  self->reply.lines = g_ptr_array_new ();
  return self;
}

void
pochta_smtp_reply_parser_free (PochtaSmtpReplyParser *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->reply.lines);
  g_free (self->text);
  g_free (self);
}

gboolean
pochta_smtp_reply_parser_in_reply (PochtaSmtpReplyParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->in_reply;
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

static void
start_reply (PochtaSmtpReplyParser *self, guint code)
{
  self->reply.code = code;
  self->text_len = 0;
  self->n_lines = 0;
  self->in_reply = TRUE;
}

/* Keeps the text of one line, NUL-terminated, after the others. */
static void
add_line (PochtaSmtpReplyParser *self, const char *text, gsize len)
{
  self->text = pochta_buffer_reserve (self->text, &self->text_room, self->text_len + len + 1, 256);
  self->n_lines++;
  memcpy (self->text + self->text_len, text, len);
  self->text[self->text_len + len] = '\0';
  self->text_len += len + 1;
}

static PochtaSmtpReplyStatus
malformed (PochtaSmtpReplyParser *self, char **out_error, char *error)
{
  self->in_reply = FALSE;
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
                                    const PochtaSmtpReply **out_reply,
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
  /* RFC 5321 §4.2: textstring = 1*(%d09 / %d32-126).  Octets above 126
   * are let through because SMTPUTF8 servers (RFC 6531 §3.7.4) send UTF-8
   * text; control characters (NUL, a stray CR, ...) never belong in a
   * reply. */
  if (pochta_ascii_has_control (text, text_len))
    return malformed (self, out_error,
                      g_strdup ("reply text contains a control character (RFC 5321 §4.2)"));

  if (self->in_reply && self->reply.code != code)
    return malformed (self, out_error,
                      pochta_strdup_printf ("multi-line reply %u continues with code %u; every line "
                                            "must carry the same code (RFC 5321 §4.2.1)",
                                            self->reply.code, code));

  if (!self->in_reply)
    start_reply (self, code);

  if (self->n_lines >= self->max_lines)
    return malformed (self, out_error,
                      pochta_strdup_printf ("reply %u has more than %u lines", code, self->max_lines));

  add_line (self, text, text_len);

  if (!last)
    return POCHTA_SMTP_REPLY_INCOMPLETE;

  self->in_reply = FALSE;
  g_ptr_array_set_size (self->reply.lines, self->n_lines);
  char *at = self->text;
  for (guint i = 0; i < self->n_lines; i++)
    {
      self->reply.lines->pdata[i] = at;
      at += strlen (at) + 1;
    }
  *out_reply = &self->reply;
  return POCHTA_SMTP_REPLY_COMPLETE;
}
