/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CRLF line splitting with a bounded, growable buffer. */
#define G_LOG_DOMAIN "pochta-line-reader"
#include "config.h"

#include <string.h>

#include "line-reader.h"

struct _PochtaLineReader
{
  /* The line being assembled, then the finished line, with room for a
   * NUL after it: a plain buffer, since every line of every session
   * passes through here and a library call per append showed. */
  guint8 *line;
  gsize line_len;
  gsize line_alloc;
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
  self->line_alloc = MIN (max_line, 128) + 1;
  self->line = g_malloc (self->line_alloc);
  self->max_line = max_line;
  return self;
}

void
pochta_line_reader_free (PochtaLineReader *self)
{
  if (self == NULL)
    return;
  g_free (self->line);
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
  self->line_len = 0;
  self->skipped = 0;
  self->complete = FALSE;
}

gsize
pochta_line_reader_get_pending (PochtaLineReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->complete ? 0 : self->line_len + self->skipped;
}

/* Appends what still fits; the rest of an over-long line is only counted.
 * One byte of room is kept for a CR that may turn out to end the line. */
static void
append_bounded (PochtaLineReader *self, const guint8 *data, gsize len)
{
  gsize room_for_content = self->max_line - 1;
  gsize room = self->line_len < room_for_content ? room_for_content - self->line_len : 0;
  gsize take = MIN (len, room);

  if (take > 0)
    {
      /* Doubling, never past max_line and its NUL. */
      if (self->line_len + take + 1 > self->line_alloc)
        {
          gsize alloc = self->line_alloc;
          while (self->line_len + take + 1 > alloc)
            alloc *= 2;
          self->line_alloc = MIN (alloc, self->max_line + 1);
          self->line = g_realloc (self->line, self->line_alloc);
        }
      memcpy (self->line + self->line_len, data, take);
      self->line_len += take;
    }
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
  if (self->skipped == 0 && self->line_len > 0 && self->line[self->line_len - 1] == '\r')
    {
      crlf = TRUE;
      self->line_len--;
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
  self->line[self->line_len] = '\0';
  if (out_len != NULL)
    *out_len = self->line_len;
  return (const char *) self->line;
}
