/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CRLF line splitting with a bounded, growable buffer. */
#define G_LOG_DOMAIN "pochta-line-reader"
#include "config.h"

#include <string.h>

#include "line-reader.h"

struct _PochtaLineReader
{
  GByteArray *line;    /* the line being assembled, then the finished line */
  gsize max_line;      /* including CRLF */
  gsize skipped;       /* bytes dropped from an over-long line */
  gboolean complete;   /* line holds a finished line from the last feed */
};

PochtaLineReader *
pochta_line_reader_new (gsize max_line)
{
  g_return_val_if_fail (max_line >= 3, NULL);

  PochtaLineReader *self = g_new0 (PochtaLineReader, 1);
  /* Start small: most lines are short and the array grows on demand up to
   * max_line, never beyond. */
  self->line = g_byte_array_sized_new (MIN (max_line, 128));
  self->max_line = max_line;
  return self;
}

void
pochta_line_reader_free (PochtaLineReader *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->line);
  g_free (self);
}

void
pochta_line_reader_set_max (PochtaLineReader *self, gsize max_line)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_line >= 3);
  self->max_line = max_line;
}

gsize
pochta_line_reader_get_max (PochtaLineReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->max_line;
}

void
pochta_line_reader_reset (PochtaLineReader *self)
{
  g_return_if_fail (self != NULL);
  /* Shrinking by hand: g_byte_array_set_size () goes through a general
   * remove, a call too many on every line. */
  self->line->len = 0;
  self->skipped = 0;
  self->complete = FALSE;
}

gsize
pochta_line_reader_get_pending (PochtaLineReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->complete ? 0 : self->line->len + self->skipped;
}

/* Appends what still fits; the rest of an over-long line is only counted.
 * One byte of room is kept for a CR that may turn out to end the line. */
static void
append_bounded (PochtaLineReader *self, const guint8 *data, gsize len)
{
  gsize room_for_content = self->max_line - 1;
  gsize room = self->line->len < room_for_content ? room_for_content - self->line->len : 0;
  gsize take = MIN (len, room);

  if (take > 0)
    g_byte_array_append (self->line, data, take);
  self->skipped += len - take;
}

gsize
pochta_line_reader_feed (PochtaLineReader *self,
                         const guint8     *data,
                         gsize             len,
                         PochtaLineStatus *out_status)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (data != NULL || len == 0, 0);
  g_return_val_if_fail (out_status != NULL, 0);

  if (self->complete)
    pochta_line_reader_reset (self);

  const guint8 *lf = len > 0 ? memchr (data, '\n', len) : NULL;
  if (lf == NULL)
    {
      append_bounded (self, data, len);
      *out_status = POCHTA_LINE_NONE;
      return len;
    }

  gsize used = (gsize) (lf - data) + 1;
  append_bounded (self, data, used - 1);

  gboolean crlf = FALSE;
  if (self->skipped == 0 && self->line->len > 0
      && self->line->data[self->line->len - 1] == '\r')
    {
      crlf = TRUE;
      self->line->len--;
    }
  else if (self->skipped > 0)
    {
      /* The CR, if any, was among the skipped bytes; the line is refused
       * either way, so its terminator no longer matters. */
      crlf = TRUE;
    }

  /* A line that fills the whole buffer and still ends in CRLF is exactly
   * max_line long and fits; anything skipped means it did not. */
  if (self->skipped > 0)
    *out_status = POCHTA_LINE_TOO_LONG;
  else
    *out_status = crlf ? POCHTA_LINE_CRLF : POCHTA_LINE_BARE_LF;

  self->complete = TRUE;
  return used;
}

const char *
pochta_line_reader_get_line (PochtaLineReader *self, gsize *out_len)
{
  g_return_val_if_fail (self != NULL, NULL);

  /* Keep a NUL after the content for callers that print it, without
   * counting it. */
  g_byte_array_append (self->line, (const guint8 *) "", 1);
  self->line->len--;
  if (out_len != NULL)
    *out_len = self->line->len;
  return (const char *) self->line->data;
}
