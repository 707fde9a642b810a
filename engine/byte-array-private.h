/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lines of bytes: appending a line and its CRLF to a GByteArray in one
 * step (every line of every session goes out, or into a message, through
 * here, and two appends cost two size checks), telling whether text
 * already ends each line in CRLF, and growing the plain buffers that hot
 * paths keep instead of a GByteArray. */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

static inline void
pochta_byte_array_append_line (GByteArray *out, const void *line, gsize len)
{
  guint at = out->len;

  g_byte_array_set_size (out, at + (guint) len + 2);
  if (len > 0)
    memcpy (out->data + at, line, len);
  out->data[at + len] = '\r';
  out->data[at + len + 1] = '\n';
}

/* The buffer with room for at least needed bytes: *room at least
 * doubles when it grows (so n appends copy O(n) bytes in all) and is
 * never below minimum.  The buffer may move. */
static inline gpointer
pochta_buffer_reserve (gpointer buffer, gsize *room, gsize needed, gsize minimum)
{
  if (needed <= *room)
    return buffer;
  *room = MAX (MAX (minimum, *room * 2), needed);
  return g_realloc (buffer, *room);
}

/* TRUE when data ends in LF and a CR stands before every LF: the wire
 * form of RFC 5321 §2.3.8 and RFC 1939 §3, as far as LFs go (a lone CR
 * is the caller's to judge).  memchr goes a word at a time. */
static inline gboolean
pochta_lines_end_in_crlf (const guint8 *data, gsize len)
{
  if (len == 0 || data[len - 1] != '\n')
    return FALSE;
  for (const guint8 *p = data, *end = data + len; (p = memchr (p, '\n', (gsize) (end - p))) != NULL; p++)
    if (p == data || p[-1] != '\r')
      return FALSE;
  return TRUE;
}

G_END_DECLS
