/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the CRLF line splitter: terminators, limits, resynchronisation. */
#include "config.h"

#include <string.h>

#include "line-reader.h"

typedef struct
{
  const char *name;
  const char *input;        /* fed whole, byte by byte and in chunks */
  gsize input_len;          /* 0: strlen */
  gsize max_line;
  const char *expected;     /* each line as "STATUS:text|", text escaped as in the input */
} LineRow;

static const char *
status_name (PochtaLineStatus status)
{
  switch (status)
    {
    case POCHTA_LINE_CRLF: return "CRLF";
    case POCHTA_LINE_BARE_LF: return "LF";
    case POCHTA_LINE_TOO_LONG: return "LONG";
    case POCHTA_LINE_NONE:
    default: return "NONE";
    }
}

/* Renders bytes with C escapes so that rows can spell CR, LF and NUL. */
static char *
escape_bytes (const char *data, gsize len)
{
  GString *out = g_string_new (NULL);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) data[i];
      if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  return g_string_free (out, FALSE);
}

/* Feeds input in chunks of the given sizes (cycled) and renders every line. */
static char *
split (const LineRow *row, const gsize *chunks, gsize n_chunks, gsize *out_pending)
{
  g_autoptr (PochtaLineReader) reader = pochta_line_reader_new (row->max_line);
  GString *out = g_string_new (NULL);
  gsize len = row->input_len ? row->input_len : strlen (row->input);
  const guint8 *data = (const guint8 *) row->input;
  gsize offset = 0;
  gsize chunk_index = 0;

  while (offset < len)
    {
      /* MIN evaluates its arguments twice: take the chunk size first. */
      gsize wanted = chunks[chunk_index++ % n_chunks];
      gsize chunk = MIN (wanted, len - offset);
      gsize done = 0;
      while (done < chunk)
        {
          PochtaLineStatus status;
          gsize used = pochta_line_reader_feed (reader, data + offset + done, chunk - done, &status);
          g_assert_cmpuint (used, >, 0);
          done += used;
          if (status != POCHTA_LINE_NONE)
            {
              gsize line_len;
              const char *line = pochta_line_reader_get_line (reader, &line_len);
              g_assert_cmpint (line[line_len], ==, '\0');
              g_autofree char *escaped = escape_bytes (line, line_len);
              g_string_append_printf (out, "%s:%s|", status_name (status), escaped);
            }
        }
      offset += chunk;
    }
  *out_pending = pochta_line_reader_get_pending (reader);
  return g_string_free (out, FALSE);
}

static const LineRow rows[] = {
  { "crlf", "EHLO a\r\nQUIT\r\n", 0, 512, "CRLF:EHLO a|CRLF:QUIT|" },
  { "empty-line", "\r\n", 0, 512, "CRLF:|" },
  { "bare-lf", "NOOP\nQUIT\r\n", 0, 512, "LF:NOOP|CRLF:QUIT|" },
  /* \n.\r\n must come out as two lines so that a caller can see that
   * the dot line did not follow a CRLF (SMTP smuggling). */
  { "lf-dot-crlf", "x\n.\r\n", 0, 512, "LF:x|CRLF:.|" },
  { "bare-cr-stays-in-line", "a\rb\r\n", 0, 512, "CRLF:a\\rb|" },
  { "cr-cr-lf", "a\r\r\n", 0, 512, "CRLF:a\\r|" },
  { "nul-kept", "A\0B\r\n", 5, 512, "CRLF:A\\x00B|" },
  { "unfinished", "HELO x", 0, 512, "" },
  /* RFC 5321 §4.5.3.1.4: a line of exactly max octets including CRLF
   * fits; one more octet does not. */
  { "exactly-max", "abcdefgh\r\n", 0, 10, "CRLF:abcdefgh|" },
  { "max-plus-one", "abcdefghi\r\nok\r\n", 0, 10, "LONG:abcdefghi|CRLF:ok|" },
  { "far-too-long", "0123456789abcdefghij\r\nok\r\n", 0, 10, "LONG:012345678|CRLF:ok|" },
  { "long-bare-lf", "0123456789abcdefghij\nok\r\n", 0, 10, "LONG:012345678|CRLF:ok|" },
  { "bare-lf-at-max", "abcdefghi\n", 0, 10, "LF:abcdefghi|" },
};

static void
test_rows (void)
{
  static const gsize whole[] = { G_MAXSIZE };
  static const gsize bytewise[] = { 1 };
  static const gsize odd[] = { 3, 1, 7, 2, 5 };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const LineRow *row = &rows[i];
      const gsize *ways[] = { whole, bytewise, odd };
      const gsize way_len[] = { 1, 1, G_N_ELEMENTS (odd) };
      for (gsize w = 0; w < G_N_ELEMENTS (ways); w++)
        {
          gsize pending;
          g_autofree char *got = split (row, ways[w], way_len[w], &pending);
          if (g_strcmp0 (got, row->expected) != 0)
            g_error ("row %s, feeding way %" G_GSIZE_FORMAT ": expected \"%s\", got \"%s\"",
                     row->name, w, row->expected, got);
        }
    }
}

static void
test_pending_is_bounded (void)
{
  g_autoptr (PochtaLineReader) reader = pochta_line_reader_new (512);
  guint8 junk[4096];
  PochtaLineStatus status;

  memset (junk, 'x', sizeof junk);
  for (int i = 0; i < 256; i++)
    g_assert_cmpuint (pochta_line_reader_feed (reader, junk, sizeof junk, &status), ==, sizeof junk);
  g_assert_cmpint (status, ==, POCHTA_LINE_NONE);
  /* A megabyte without a line end is counted, not stored. */
  g_assert_cmpuint (pochta_line_reader_get_pending (reader), ==, 256 * sizeof junk);

  g_assert_cmpuint (pochta_line_reader_feed (reader, (const guint8 *) "\r\n", 2, &status), ==, 2);
  g_assert_cmpint (status, ==, POCHTA_LINE_TOO_LONG);
  gsize len;
  pochta_line_reader_get_line (reader, &len);
  g_assert_cmpuint (len, ==, 511);
}

static void
test_max_can_change (void)
{
  g_autoptr (PochtaLineReader) reader = pochta_line_reader_new (10);
  PochtaLineStatus status;
  const char *line = "0123456789ABCDEF\r\n";

  pochta_line_reader_set_max (reader, 1001);
  g_assert_cmpuint (pochta_line_reader_get_max (reader), ==, 1001);
  pochta_line_reader_feed (reader, (const guint8 *) line, strlen (line), &status);
  g_assert_cmpint (status, ==, POCHTA_LINE_CRLF);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/line-reader/rows", test_rows);
  g_test_add_func ("/engine/line-reader/pending-is-bounded", test_pending_is_bounded);
  g_test_add_func ("/engine/line-reader/max-can-change", test_max_can_change);
  return g_test_run ();
}
