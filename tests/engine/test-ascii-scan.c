/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The word-at-a-time text checks against the plain byte loops they
 * replace: every byte value at every position of texts that span one
 * word, a word and a tail, and two words. */
#include "config.h"

#include "ascii-scan-private.h"

static gboolean
control_by_bytes (const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) text[i];
      if ((c < 32 && c != '\t') || c == 127)
        return TRUE;
    }
  return FALSE;
}

static gboolean
printable_by_bytes (const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) text[i] < 0x20 || (guchar) text[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/* Each byte value in turn at each position of a printable text of each
 * length up to 17, the rest of the text staying "abc...". */
static void
test_every_byte_at_every_position (void)
{
  char text[17];
  guint checked = 0;

  for (gsize len = 1; len <= sizeof text; len++)
    for (gsize at = 0; at < len; at++)
      for (guint value = 0; value < 256; value++)
        {
          for (gsize i = 0; i < len; i++)
            text[i] = (char) ('a' + i);
          text[at] = (char) value;
          g_assert_cmpint (pochta_ascii_has_control (text, len), ==, control_by_bytes (text, len));
          g_assert_cmpint (pochta_ascii_is_printable (text, len), ==,
                           printable_by_bytes (text, len));
          checked++;
        }
  g_assert_cmpuint (checked, ==, 256u * (17 * 18 / 2));
}

/* Two odd bytes in one word: a borrow from one must not hide or invent
 * the other. */
static void
test_pairs_in_one_word (void)
{
  static const guchar values[] = { 0x00, 0x01, '\t', 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xc3, 0xff };
  char text[8];

  for (guint a = 0; a < G_N_ELEMENTS (values); a++)
    for (guint b = 0; b < G_N_ELEMENTS (values); b++)
      for (gsize i = 0; i < 8; i++)
        for (gsize j = 0; j < 8; j++)
          {
            memset (text, 'x', sizeof text);
            text[i] = (char) values[a];
            text[j] = (char) values[b];
            g_assert_cmpint (pochta_ascii_has_control (text, 8), ==, control_by_bytes (text, 8));
            g_assert_cmpint (pochta_ascii_is_printable (text, 8), ==, printable_by_bytes (text, 8));
          }
}

static void
test_known_texts (void)
{
  g_assert_false (pochta_ascii_has_control ("", 0));
  g_assert_true (pochta_ascii_is_printable ("", 0));
  g_assert_false (pochta_ascii_has_control ("comp3.otd2.constr.org ESMTP ready\twith a tab", 44));
  g_assert_false (pochta_ascii_is_printable ("comp3.otd2.constr.org ESMTP ready\twith a tab", 44));
  g_assert_true (pochta_ascii_has_control ("a stray CR\r in the middle of it", 31));
  g_assert_false (pochta_ascii_has_control ("UTF-8: \xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0", 17));
  g_assert_false (pochta_ascii_is_printable ("UTF-8: \xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0", 17));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/ascii-scan/every-byte-at-every-position",
                   test_every_byte_at_every_position);
  g_test_add_func ("/engine/ascii-scan/pairs-in-one-word", test_pairs_in_one_word);
  g_test_add_func ("/engine/ascii-scan/known-texts", test_known_texts);
  return g_test_run ();
}
