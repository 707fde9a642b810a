/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's printf gives what the C library's does, for the formats
 * it takes and for those it hands on. */
#include "config.h"

#include <string.h>

#include "format.h"

#define SAME(...)                                                          \
  G_STMT_START                                                             \
  {                                                                        \
    g_autofree char *ours = pochta_strdup_printf (__VA_ARGS__);            \
    g_autofree char *libc = g_strdup_printf (__VA_ARGS__);                 \
    g_assert_cmpstr (ours, ==, libc);                                      \
  }                                                                        \
  G_STMT_END

static void
test_same_as_printf (void)
{
  g_autofree char *long_text = g_strnfill (1000, 'y');

  SAME ("%s", "");
  SAME ("no conversion at all");
  SAME ("%s Hello %s", "comp3.otd2.constr.org", "comp1.otd1.constr.org");
  SAME ("%u %u", 0u, 4294967295u);
  SAME ("%d|%i|%d", -1, G_MININT, G_MAXINT);
  SAME ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, G_MININT64, G_MAXINT64);
  SAME ("%" G_GUINT64_FORMAT, G_MAXUINT64);
  SAME ("%" G_GSIZE_FORMAT " octets", (gsize) 1024);
  SAME ("<%u.%" G_GINT64_FORMAT "@%s>", 1896u, (gint64) 1164614400, "comp3.otd2.constr.org");
  SAME ("100%% of %s", "letters");
  SAME ("%s%s%s", "a", "", "c");
  SAME ("[%s] %s", long_text, long_text);  /* past the stack buffer */
  /* Not simple: handed to printf whole. */
  SAME ("%5u|%-3s|%x|%.2f", 7u, "a", 255u, 1.5);
  SAME ("%c%s", 'x', "y");
}

static void
test_is_simple (void)
{
  g_assert_true (pochta_format_is_simple ("plain"));
  g_assert_true (pochta_format_is_simple ("%s %u %d %i %lu %li %llu %lld %%"));
  g_assert_false (pochta_format_is_simple ("%x"));
  g_assert_false (pochta_format_is_simple ("%5s"));
  g_assert_false (pochta_format_is_simple ("%.*s"));
  g_assert_false (pochta_format_is_simple ("%ls"));
  g_assert_false (pochta_format_is_simple ("%lllu"));
  g_assert_false (pochta_format_is_simple ("trailing %"));
}

static gsize
format_into (char *buf, gsize size, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  gsize len = pochta_format_simple (buf, size, format, args);
  va_end (args);
  return len;
}

/* Like vsnprintf: cut to the buffer, NUL-terminated, the whole length
 * returned. */
static void
test_cut_to_buffer (void)
{
  char buf[8];

  memset (buf, 'Z', sizeof buf);
  g_assert_cmpuint (format_into (buf, sizeof buf, "%s-%u", "abcdef", 12345u), ==, 12);
  g_assert_cmpstr (buf, ==, "abcdef-");
  g_assert_cmpuint (format_into (buf, 1, "%u", 5u), ==, 1);
  g_assert_cmpstr (buf, ==, "");
  g_assert_cmpuint (format_into (NULL, 0, "%s", "four"), ==, 4);
  g_assert_cmpuint (format_into (buf, sizeof buf, "%s", (const char *) NULL), ==, 6);
  g_assert_cmpstr (buf, ==, "(null)");
}

/* Appends after what the string holds, short or past the first guess of
 * room, simple or not. */
static void
test_string_append (void)
{
  g_autoptr (GString) string = g_string_new ("Received: ");
  g_autofree char *long_text = g_strnfill (300, 'z');

  pochta_string_append_printf (string, "from %s (%u)", "comp1", 25u);
  g_assert_cmpstr (string->str, ==, "Received: from comp1 (25)");
  pochta_string_append_printf (string, "|%s|", long_text);
  g_assert_cmpuint (string->len, ==, 25 + 302);
  g_assert_true (g_str_has_suffix (string->str, "zzz|"));
  pochta_string_append_printf (string, "%03u", 7u);
  g_assert_true (g_str_has_suffix (string->str, "|007"));
  g_assert_cmpuint (strlen (string->str), ==, string->len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/format/same-as-printf", test_same_as_printf);
  g_test_add_func ("/engine/format/is-simple", test_is_simple);
  g_test_add_func ("/engine/format/cut-to-buffer", test_cut_to_buffer);
  g_test_add_func ("/engine/format/string-append", test_string_append);
  return g_test_run ();
}
