/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Appending a line and its CRLF to a GByteArray in one step: every line
 * of every session goes out, or into a message, through here, and two
 * appends cost two size checks. */
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

G_END_DECLS
