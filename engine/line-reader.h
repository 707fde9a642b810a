/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Splits a byte stream into CRLF-terminated lines with a bounded buffer.
 * Shared by every SMTP and POP3 session, server and client. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  /* All input was consumed and no line is complete yet. */
  POCHTA_LINE_NONE = 0,
  /* A line ended by CRLF (RFC 5321 §2.3.8: the only terminator). */
  POCHTA_LINE_CRLF,
  /* A line ended by an LF that no CR preceded.  The reader reports it as
   * a line of its own so that callers can refuse it; it never counts as
   * CRLF (SMTP smuggling, protocol-checklist §2.7). */
  POCHTA_LINE_BARE_LF,
  /* The line grew beyond the maximum before its LF came.  Its bytes were
   * thrown away up to and including that LF (the input resynchronises on
   * the next line); get_line () returns the first max bytes. */
  POCHTA_LINE_TOO_LONG,
} PochtaLineStatus;

typedef struct _PochtaLineReader PochtaLineReader;

/* max_line counts the terminator: RFC 5321's 512-octet command line is
 * max_line 512. */
PochtaLineReader *pochta_line_reader_new (gsize max_line);
void pochta_line_reader_free (PochtaLineReader *self);

void pochta_line_reader_set_max (PochtaLineReader *self, gsize max_line);
gsize pochta_line_reader_get_max (PochtaLineReader *self);

/* Consumes input up to the end of the next line, or all of it if no line
 * ends within it.  Returns the bytes consumed and sets *out_status.  When
 * the status is not NONE the line is available from get_line () until the
 * next call. */
gsize pochta_line_reader_feed (PochtaLineReader *self,
                               const guint8     *data,
                               gsize             len,
                               PochtaLineStatus *out_status);

/* The last complete line without its terminator.  It is NUL-terminated
 * for convenience but may itself contain NUL bytes: use out_len. */
const char *pochta_line_reader_get_line (PochtaLineReader *self, gsize *out_len);

/* Bytes of an unfinished line held (or skipped, when too long) so far. */
gsize pochta_line_reader_get_pending (PochtaLineReader *self);

/* Forgets any partial line. */
void pochta_line_reader_reset (PochtaLineReader *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaLineReader, pochta_line_reader_free)

G_END_DECLS
