/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whole-word checks over reply text: every reply line a session reads or
 * writes is checked for control characters, and eight bytes at a time
 * cost about what one byte costs in a plain loop.  The word tricks are
 * the classic "has a byte less than n" and "more than n" tests: exact for
 * the word as a whole, which is all these functions ask of them. */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

#define POCHTA_ASCII_ONES G_GUINT64_CONSTANT (0x0101010101010101)
#define POCHTA_ASCII_HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* Non-zero when a byte of word is below n (n at most 128). */
static inline guint64
pochta_ascii_word_has_below (guint64 word, guint n)
{
  return (word - POCHTA_ASCII_ONES * n) & ~word & POCHTA_ASCII_HIGHS;
}

/* Non-zero when a byte of word is above n (n at most 127). */
static inline guint64
pochta_ascii_word_has_above (guint64 word, guint n)
{
  return ((word + POCHTA_ASCII_ONES * (127 - n)) | word) & POCHTA_ASCII_HIGHS;
}

static inline gboolean
pochta_ascii_is_control (guchar c)
{
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* TRUE when text holds a control character other than TAB: NUL, CR,
 * LF, DEL and the rest of C0 (RFC 5321 §4.2 textstring).  Octets above
 * 127 are not control characters here. */
static inline gboolean
pochta_ascii_has_control (const char *text, gsize len)
{
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 word;
      memcpy (&word, text + i, 8);
      if (pochta_ascii_word_has_below (word, 0x20)
          || pochta_ascii_word_has_below (word ^ (POCHTA_ASCII_ONES * 0x7f), 1))
        {
          /* Mostly a TAB: look byte by byte. */
          for (gsize j = i; j < i + 8; j++)
            if (pochta_ascii_is_control ((guchar) text[j]))
              return TRUE;
        }
    }
  for (; i < len; i++)
    if (pochta_ascii_is_control ((guchar) text[i]))
      return TRUE;
  return FALSE;
}

/* TRUE when every byte of text is printable US-ASCII, SP to '~'. */
static inline gboolean
pochta_ascii_is_printable (const char *text, gsize len)
{
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 word;
      memcpy (&word, text + i, 8);
      if (pochta_ascii_word_has_below (word, 0x20) || pochta_ascii_word_has_above (word, 0x7e))
        return FALSE;
    }
  for (; i < len; i++)
    if ((guchar) text[i] - 0x20u >= 0x5fu)
      return FALSE;
  return TRUE;
}

G_END_DECLS
