/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Assembles SMTP replies (RFC 5321 §4.2) from lines, strictly: three
 * digits 2-5 then SP, '-' or the end of the line; the same code on every
 * line of a multi-line reply.  Used by the SMTP client session. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint code;       /* 200..599 */
  GPtrArray *lines; /* of char*: the text of each line after "NNN-" / "NNN " */
} PochtaSmtpReply;

/* All lines' text joined with "\n". */
char *pochta_smtp_reply_dup_text (const PochtaSmtpReply *reply);

typedef enum
{
  POCHTA_SMTP_REPLY_INCOMPLETE, /* a continuation line was taken; need more */
  POCHTA_SMTP_REPLY_COMPLETE,   /* *out_reply is a whole reply */
  POCHTA_SMTP_REPLY_MALFORMED,  /* *out_error says what was wrong */
} PochtaSmtpReplyStatus;

typedef struct _PochtaSmtpReplyParser PochtaSmtpReplyParser;

/* max_lines bounds a multi-line reply (memory stays bounded on a hostile
 * server). */
PochtaSmtpReplyParser *pochta_smtp_reply_parser_new (guint max_lines);
void pochta_smtp_reply_parser_free (PochtaSmtpReplyParser *self);

/* Takes one line without its CRLF.  A COMPLETE reply belongs to the
 * parser and stays valid until the next line is pushed: the parser keeps
 * one reply and reuses its storage. */
PochtaSmtpReplyStatus pochta_smtp_reply_parser_push_line (PochtaSmtpReplyParser *self,
                                                         const char            *line,
                                                         gsize                  len,
                                                         const PochtaSmtpReply **out_reply,
                                                         char                 **out_error);

/* TRUE while a multi-line reply is unfinished. */
gboolean pochta_smtp_reply_parser_in_reply (PochtaSmtpReplyParser *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaSmtpReplyParser, pochta_smtp_reply_parser_free)

G_END_DECLS
