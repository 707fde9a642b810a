/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the transcript exporters and the JSON importer: exact text,
 * JSON schema and round trip, HTML structure and escaping, pcap headers,
 * checksums and sequence numbers, the diagram on every surface. */
#include "config.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "transcript-export-private.h"
#include "transcript-fixture.h"

#define C POCHTA_DIRECTION_CLIENT
#define S POCHTA_DIRECTION_SERVER

static char *
bytes_to_string (GBytes *bytes)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  return g_strndup (data, size);
}

static char *
export_string (PochtaTranscript *transcript, PochtaExportFormat format,
               const PochtaExportOptions *options)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = pochta_transcript_export (transcript, format, options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes_to_string (bytes);
}

static gboolean
contains (const char *haystack, const char *needle)
{
  return strstr (haystack, needle) != NULL;
}

/* Like strstr, but through NUL bytes. */
static gboolean
bytes_contain (const char *data, gsize size, const char *needle)
{
  gsize n = strlen (needle);
  for (gsize i = 0; i + n <= size; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static guint
count_occurrences (const char *haystack, const char *needle)
{
  guint n = 0;
  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* ---- Names, times, escaping ----------------------------------------- */

static void
test_format_names (void)
{
  static const struct
  {
    const char *name;
    PochtaExportFormat format;
  } rows[] = {
    { "txt", POCHTA_EXPORT_TEXT }, { "json", POCHTA_EXPORT_JSON },
    { "html", POCHTA_EXPORT_HTML }, { "pcap", POCHTA_EXPORT_PCAP },
    { "svg", POCHTA_EXPORT_SVG }, { "pdf", POCHTA_EXPORT_PDF }, { "png", POCHTA_EXPORT_PNG },
  };
  PochtaExportFormat format;

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_assert_cmpstr (pochta_export_format_to_string (rows[i].format), ==, rows[i].name);
      g_assert_true (pochta_export_format_from_string (rows[i].name, &format));
      g_assert_cmpint (format, ==, rows[i].format);
    }
  g_assert_true (pochta_export_format_from_string ("text", &format));
  g_assert_cmpint (format, ==, POCHTA_EXPORT_TEXT);
  g_assert_false (pochta_export_format_from_string ("TXT", &format));
  g_assert_false (pochta_export_format_from_string ("jpeg", &format));
  g_assert_false (pochta_export_format_from_string ("", &format));
}

static void
test_time (void)
{
  static const struct
  {
    gint64 usec;
    int offset;
    const char *time;
    const char *date;
  } rows[] = {
    { FIXTURE_T0, 0, "10:15:00.000", "2002-05-14" },
    { FIXTURE_T0 + 123456, 0, "10:15:00.123", "2002-05-14" },   /* truncated, not rounded */
    { FIXTURE_T0 + 999999, 0, "10:15:00.999", "2002-05-14" },
    { FIXTURE_T0, 240, "14:15:00.000", "2002-05-14" },
    { FIXTURE_T0, 180, "13:15:00.000", "2002-05-14" },
    { FIXTURE_T0, -300, "05:15:00.000", "2002-05-14" },
    { FIXTURE_T0, -630, "23:45:00.000", "2002-05-13" },         /* back over midnight */
    { FIXTURE_T0 + G_GINT64_CONSTANT (49500000000), 0, "00:00:00.000", "2002-05-15" },
    { 0, 0, "00:00:00.000", "1970-01-01" },
    { -1000, 0, "23:59:59.999", "1969-12-31" },                /* before the epoch */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr (GString) time = g_string_new (NULL);
      g_autoptr (GString) date = g_string_new (NULL);
      pochta_export_append_time (time, rows[i].usec, rows[i].offset);
      pochta_export_append_date (date, rows[i].usec, rows[i].offset);
      g_assert_cmpstr (time->str, ==, rows[i].time);
      g_assert_cmpstr (date->str, ==, rows[i].date);
    }
}

static void
test_escape (void)
{
  static const struct
  {
    const char *input;
    gsize length;
    const char *text;
    const char *html;
  } rows[] = {
    { "MAIL FROM:<a@b>", 15, "MAIL FROM:<a@b>", "MAIL FROM:&lt;a@b&gt;" },
    { "a\0b", 3, "a\\x00b", "a<span class=\"esc\">\\x00</span>b" },
    { "tab\there", 8, "tab\\x09here", "tab<span class=\"esc\">\\x09</span>here" },
    { "cr\r", 3, "cr\\x0D", "cr<span class=\"esc\">\\x0D</span>" },
    { "del\x7f", 4, "del\\x7F", "del<span class=\"esc\">\\x7F</span>" },
    { "back\\slash", 10, "back\\\\slash", "back\\\\slash" },
    { "not utf-8 \xff\xfe", 12, "not utf-8 \\xFF\\xFE",
      "not utf-8 <span class=\"esc\">\\xFF</span><span class=\"esc\">\\xFE</span>" },
    /* "Привет" is UTF-8 and stays as it is. */
    { "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 12,
      "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
      "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },
    /* A UTF-8 sequence cut short, and a C1 control (U+0085). */
    { "cut \xd0", 5, "cut \\xD0", "cut <span class=\"esc\">\\xD0</span>" },
    { "c1 \xc2\x85", 5, "c1 \\xC2\\x85",
      "c1 <span class=\"esc\">\\xC2</span><span class=\"esc\">\\x85</span>" },
    { "quotes \"'&", 10, "quotes \"'&", "quotes &quot;&#39;&amp;" },
    { "", 0, "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      g_autoptr (GString) html = g_string_new (NULL);
      pochta_export_append_visible (text, rows[i].input, rows[i].length, POCHTA_ESCAPE_TEXT);
      pochta_export_append_visible (html, rows[i].input, rows[i].length, POCHTA_ESCAPE_HTML);
      g_assert_cmpstr (text->str, ==, rows[i].text);
      g_assert_cmpstr (html->str, ==, rows[i].html);
      g_assert_true (g_utf8_validate (text->str, -1, NULL));
    }
}

/* ---- Text ------------------------------------------------------------ */

static PochtaTranscript *
small_transcript (void)
{
  PochtaTranscript *t = pochta_transcript_new ();
  static const char odd[] = "X-Odd: \\ \t\0\xff \xd0\x9f";

  pochta_transcript_add_mta_event (t, FIXTURE_T0, "comp1.otd1.constr.org", "queued", "q1");
  guint id = pochta_transcript_open_connection (t, POCHTA_PROTOCOL_SMTP, "comp1.otd1.constr.org",
                                                "192.0.2.11", 40001, "comp3.otd2.constr.org",
                                                "198.51.100.13", 25, FIXTURE_T0 + 1500);
  pochta_transcript_add_line (t, id, FIXTURE_T0 + 2000, S, "220 ready", 9, FALSE, NULL,
                              "GREETING");
  pochta_transcript_add_line (t, id, FIXTURE_T0 + 3000, C, odd, sizeof odd - 1, TRUE, NULL, NULL);
  pochta_transcript_add_line (t, id, FIXTURE_T0 + 3000, C, "", 0, TRUE, NULL, NULL);
  pochta_transcript_add_note (t, FIXTURE_T0 + 4000, "a note");
  pochta_transcript_add_mta_event (t, FIXTURE_T0 + 4000, "comp3.otd2.constr.org", "delivered",
                                   NULL);
  pochta_transcript_close_connection (t, id, FIXTURE_T0 + 5000);
  return t;
}

static void
test_text_small (void)
{
  g_autoptr (PochtaTranscript) t = small_transcript ();
  g_autofree char *text = export_string (t, POCHTA_EXPORT_TEXT, NULL);

  g_assert_cmpstr (text, ==,
                   "# 10:15:00.000 comp1.otd1.constr.org queued: q1\n"
                   "# connection 1: comp1.otd1.constr.org (192.0.2.11) -> "
                   "comp3.otd2.constr.org:25 smtp, 10:15:00.001\n"
                   "  1  S: 220 ready\n"
                   "  2  C: X-Odd: \\\\ \\x09\\x00\\xFF \xd0\x9f\n"
                   "  3  C:\n"
                   "# 10:15:00.004 a note\n"
                   "# 10:15:00.004 comp3.otd2.constr.org delivered\n"
                   "# connection 1 closed, 10:15:00.005\n");
}

static void
test_text_offset (void)
{
  g_autoptr (PochtaTranscript) t = small_transcript ();
  PochtaExportOptions options = { .utc_offset_minutes = 180 };
  g_autofree char *text = export_string (t, POCHTA_EXPORT_TEXT, &options);

  g_assert_true (g_str_has_prefix (text, "# 13:15:00.000 comp1.otd1.constr.org queued: q1\n"));
  g_assert_true (contains (text, "smtp, 13:15:00.001\n"));
  g_assert_true (g_str_has_suffix (text, "# connection 1 closed, 13:15:00.005\n"));
}

/* Two connections at once: each switch says whose lines follow. */
static PochtaTranscript *
interleaved_transcript (void)
{
  PochtaTranscript *t = pochta_transcript_new ();
  guint a = pochta_transcript_open_connection (t, POCHTA_PROTOCOL_SMTP, "comp1.otd1.constr.org",
                                               "192.0.2.11", 40001, "mail.constr.org",
                                               "203.0.113.1", 25, FIXTURE_T0);
  pochta_transcript_add_line (t, a, FIXTURE_T0 + 1000, S, "220 mail.constr.org", 19, FALSE, NULL,
                              NULL);
  guint b = pochta_transcript_open_connection (t, POCHTA_PROTOCOL_POP3, "comp2.otd1.constr.org",
                                               "192.0.2.12", 40002, "comp1.otd1.constr.org",
                                               "192.0.2.11", 110, FIXTURE_T0 + 1000);
  pochta_transcript_add_line (t, b, FIXTURE_T0 + 2000, S, "+OK ready", 9, FALSE, NULL, NULL);
  pochta_transcript_add_line (t, a, FIXTURE_T0 + 2000, C, "QUIT", 4, FALSE, NULL, NULL);
  pochta_transcript_add_line (t, a, FIXTURE_T0 + 3000, S, "221 bye", 7, FALSE, NULL, NULL);
  pochta_transcript_close_connection (t, a, FIXTURE_T0 + 3000);
  pochta_transcript_add_line (t, b, FIXTURE_T0 + 4000, C, "QUIT", 4, FALSE, NULL, NULL);
  return t;
}

static void
test_text_interleaved (void)
{
  g_autoptr (PochtaTranscript) t = interleaved_transcript ();
  g_autofree char *text = export_string (t, POCHTA_EXPORT_TEXT, NULL);

  g_assert_cmpstr (text, ==,
                   "# connection 1: comp1.otd1.constr.org (192.0.2.11) -> mail.constr.org:25 "
                   "smtp, 10:15:00.000\n"
                   "  1  S: 220 mail.constr.org\n"
                   "# connection 2: comp2.otd1.constr.org (192.0.2.12) -> "
                   "comp1.otd1.constr.org:110 pop3, 10:15:00.001\n"
                   "  2  S: +OK ready\n"
                   "# connection 1, continued\n"
                   "  3  C: QUIT\n"
                   "  4  S: 221 bye\n"
                   "# connection 1 closed, 10:15:00.003\n"
                   "# connection 2, continued\n"
                   "  5  C: QUIT\n");
}

static void
test_text_fixture (void)
{
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autofree char *text = export_string (t, POCHTA_EXPORT_TEXT, NULL);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  /* 68 numbered lines, 4 connection lines, 4 MTA and note lines, and
   * the empty string after the last newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, 68 + 4 + 4 + 1);
  g_assert_cmpstr (lines[0], ==, "# 10:15:00.000 comp1.otd1.constr.org queued: "
                   "<Ivanov@comp1.otd1.constr.org> to 3 recipients");
  g_assert_cmpstr (lines[1], ==, "# connection 1: comp1.otd1.constr.org (192.0.2.11) -> "
                   "comp3.otd2.constr.org:25 smtp, 10:15:00.100");
  g_assert_cmpstr (lines[2], ==,
                   "  1  S: 220 comp3.otd2.constr.org Simple Mail Transfer Service Ready");
  g_assert_cmpstr (lines[3], ==, "  2  C: EHLO comp1.otd1.constr.org");
  g_assert_cmpstr (lines[24], ==, " 23  S: 550 No such user here");
  g_assert_cmpstr (lines[31], ==, " 30  C:");
  g_assert_cmpstr (lines[33], ==, " 32  C: Test mail. A NUL \\x00 and a byte \\xFF here.");
  g_assert_cmpstr (lines[34], ==, " 33  C: ..signature");
  g_assert_cmpstr (lines[36], ==, " 35  C: .");
  g_assert_cmpstr (lines[38], ==, "# 10:15:00.122 comp3.otd2.constr.org delivered: "
                   "Petrov@comp3.otd2.constr.org, Kuznetsova@comp3.otd2.constr.org");
  g_assert_cmpstr (lines[41], ==, "# connection 1 closed, 10:15:00.124");
  g_assert_cmpstr (lines[43], ==, "# 10:15:00.125 Petrov fetches his mail from comp4 with POP3.");
  g_assert_cmpstr (lines[44], ==, "# connection 2: comp4.otd2.constr.org (198.51.100.14) -> "
                   "comp3.otd2.constr.org:110 pop3, 10:16:00.125");
  g_assert_cmpstr (lines[49], ==, " 43  S: -ERR [AUTH] invalid password");
  g_assert_cmpstr (lines[75], ==, "# connection 2 closed, 10:16:00.147");
}

static void
test_text_empty (void)
{
  g_autoptr (PochtaTranscript) t = pochta_transcript_new ();
  g_autoptr (GBytes) bytes = pochta_transcript_export_text (t, NULL);

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 0);
}

/* ---- JSON ------------------------------------------------------------ */

static JsonObject *
parse_json (GBytes *bytes, JsonParser *parser)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, data, (gssize) size, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
assert_members (JsonObject *object, const char *const *expected)
{
  g_autoptr (GList) members = json_object_get_members (object);
  guint i = 0;

  for (GList *l = members; l != NULL; l = l->next, i++)
    {
      g_assert_nonnull (expected[i]);
      g_assert_cmpstr (l->data, ==, expected[i]);
    }
  g_assert_null (expected[i]);
}

static void
test_json_schema (void)
{
  static const char *const root_members[] = { "format", "version", "connections", "items", NULL };
  static const char *const connection_members[] = {
    "id", "protocol", "client_host", "client_address", "client_port", "server_host",
    "server_address", "server_port", "open_time", "close_time", "open_index", "close_index",
    NULL,
  };
  static const char *const item_members[] = {
    "index", "line_number", "kind", "time", "connection", "direction", "text", "length", "verb",
    "code", "reply_class", "status", "in_data", "state_before", "state_after", "host", "event",
    NULL,
  };
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autoptr (GBytes) bytes = pochta_transcript_export_json (t);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root = parse_json (bytes, parser);

  assert_members (root, root_members);
  g_assert_cmpstr (json_object_get_string_member (root, "format"), ==, "pochta-transcript");
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);

  JsonArray *connections = json_object_get_array_member (root, "connections");
  g_assert_cmpuint (json_array_get_length (connections), ==, 2);
  JsonObject *c1 = json_array_get_object_element (connections, 0);
  assert_members (c1, connection_members);
  g_assert_cmpint (json_object_get_int_member (c1, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (c1, "protocol"), ==, "smtp");
  g_assert_cmpstr (json_object_get_string_member (c1, "client_address"), ==, "192.0.2.11");
  g_assert_cmpint (json_object_get_int_member (c1, "client_port"), ==, 40001);
  g_assert_cmpint (json_object_get_int_member (c1, "server_port"), ==, 25);
  g_assert_cmpint (json_object_get_int_member (c1, "open_time"), ==, FIXTURE_T0 + 100000);
  g_assert_cmpint (json_object_get_int_member (c1, "close_time"), ==, FIXTURE_T0 + 124000);
  g_assert_cmpint (json_object_get_int_member (c1, "open_index"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (c1, "close_index"), ==, 40);
  JsonObject *c2 = json_array_get_object_element (connections, 1);
  g_assert_cmpstr (json_object_get_string_member (c2, "protocol"), ==, "pop3");

  JsonArray *items = json_object_get_array_member (root, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, pochta_transcript_get_n_items (t));
  JsonObject *queued = json_array_get_object_element (items, 0);
  assert_members (queued, item_members);
  g_assert_cmpstr (json_object_get_string_member (queued, "kind"), ==, "mta");
  g_assert_true (json_object_get_null_member (queued, "direction"));
  g_assert_cmpstr (json_object_get_string_member (queued, "host"), ==, "comp1.otd1.constr.org");
  g_assert_cmpstr (json_object_get_string_member (queued, "event"), ==, "queued");
  g_assert_cmpint (json_object_get_int_member (queued, "connection"), ==, 0);

  JsonObject *rejected = json_array_get_object_element (items, 23);
  g_assert_cmpint (json_object_get_int_member (rejected, "line_number"), ==, 23);
  g_assert_cmpstr (json_object_get_string_member (rejected, "kind"), ==, "line");
  g_assert_cmpstr (json_object_get_string_member (rejected, "direction"), ==, "server");
  g_assert_cmpstr (json_object_get_string_member (rejected, "text"), ==, "550 No such user here");
  g_assert_cmpint (json_object_get_int_member (rejected, "code"), ==, 550);
  g_assert_cmpstr (json_object_get_string_member (rejected, "reply_class"), ==, "permanent");
  g_assert_cmpstr (json_object_get_string_member (rejected, "state_before"), ==, "RCPT");
  g_assert_false (json_object_has_member (rejected, "text_base64"));

  JsonObject *mail = json_array_get_object_element (items, 14);
  g_assert_cmpstr (json_object_get_string_member (mail, "verb"), ==, "MAIL");
  g_assert_cmpstr (json_object_get_string_member (mail, "state_after"), ==, "MAIL");

  /* The NUL and the 0xFF: a readable text and the exact bytes. */
  JsonObject *binary = json_array_get_object_element (items, 32);
  g_assert_cmpint (json_object_get_int_member (binary, "line_number"), ==, 32);
  g_assert_cmpstr (json_object_get_string_member (binary, "text"), ==,
                   "Test mail. A NUL \xef\xbf\xbd and a byte \xef\xbf\xbd here.");
  gsize n = 0;
  g_autofree guchar *decoded =
    g_base64_decode (json_object_get_string_member (binary, "text_base64"), &n);
  static const char expected[] = "Test mail. A NUL \0 and a byte \xff here.";
  g_assert_cmpmem (decoded, n, expected, sizeof expected - 1);
  g_assert_cmpint (json_object_get_int_member (binary, "length"), ==, sizeof expected - 1);
  g_assert_true (json_object_get_boolean_member (binary, "in_data"));
  g_assert_true (json_object_get_null_member (binary, "verb"));

  JsonObject *in_use = json_array_get_object_element (items, 46);
  g_assert_cmpstr (json_object_get_string_member (in_use, "status"), ==, "AUTH");
}

static void
assert_round_trip (PochtaTranscript *t)
{
  g_autoptr (GBytes) first = pochta_transcript_export_json (t);
  gsize size = 0;
  const char *data = g_bytes_get_data (first, &size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaTranscript) imported = pochta_transcript_import_json (data, size, &error);
  g_assert_no_error (error);
  g_assert_nonnull (imported);
  g_autoptr (GBytes) second = pochta_transcript_export_json (imported);
  g_autofree char *a = bytes_to_string (first);
  g_autofree char *b = bytes_to_string (second);
  g_assert_cmpstr (a, ==, b);

  g_assert_cmpuint (pochta_transcript_get_n_items (imported), ==,
                    pochta_transcript_get_n_items (t));
  g_assert_cmpuint (pochta_transcript_get_n_connections (imported), ==,
                    pochta_transcript_get_n_connections (t));
  for (guint i = 0; i < pochta_transcript_get_n_items (t); i++)
    {
      const PochtaTranscriptItem *x = pochta_transcript_get_item (t, i);
      const PochtaTranscriptItem *y = pochta_transcript_get_item (imported, i);
      g_assert_cmpmem (x->text, x->length, y->text, y->length);
      g_assert_cmpint (x->time, ==, y->time);
      g_assert_cmpstr (x->verb, ==, y->verb);
      g_assert_cmpuint (x->code, ==, y->code);
      g_assert_cmpstr (x->state_after, ==, y->state_after);
    }
}

static void
test_json_round_trip_fixture (void)
{
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  assert_round_trip (t);
}

static void
test_json_round_trip_open_connections (void)
{
  g_autoptr (PochtaTranscript) t = interleaved_transcript ();
  /* Connection 2 is still open, and a third opens after the last item. */
  pochta_transcript_open_connection (t, POCHTA_PROTOCOL_SMTP, "a", "192.0.2.1", 1, "b",
                                     "192.0.2.2", 25, FIXTURE_T0 + 9000);
  assert_round_trip (t);
  g_autoptr (GBytes) json = pochta_transcript_export_json (t);
  g_autofree char *text = bytes_to_string (json);
  g_assert_true (contains (text, "\"close_time\" : null"));
  g_assert_true (contains (text, "\"close_index\" : null"));
}

static void
test_json_round_trip_small (void)
{
  g_autoptr (PochtaTranscript) t = small_transcript ();
  g_autoptr (PochtaTranscript) empty = pochta_transcript_new ();
  assert_round_trip (t);
  assert_round_trip (empty);
}

/* Derived fields may be left out of a hand-written file. */
static void
test_json_minimal (void)
{
  static const char json[] =
    "{\"format\": \"pochta-transcript\", \"version\": 1,\n"
    " \"connections\": [{\"id\": 1, \"protocol\": \"smtp\", \"client_host\": \"a\",\n"
    "   \"client_address\": \"192.0.2.1\", \"client_port\": 1, \"server_host\": \"b\",\n"
    "   \"server_address\": \"192.0.2.2\", \"server_port\": 25, \"open_time\": 5,\n"
    "   \"close_time\": null, \"open_index\": 0, \"close_index\": null}],\n"
    " \"items\": [\n"
    "  {\"kind\": \"line\", \"time\": 6, \"connection\": 1, \"direction\": \"server\",\n"
    "   \"text\": \"550 5.1.1 No such user\"},\n"
    "  {\"kind\": \"line\", \"time\": 7, \"connection\": 1, \"direction\": \"client\",\n"
    "   \"text\": \"quit\", \"state_before\": \"READY\", \"state_after\": null},\n"
    "  {\"kind\": \"note\", \"time\": 8, \"text\": \"AQID\", \"text_base64\": \"AQID\"}\n"
    " ]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaTranscript) t = pochta_transcript_import_json (json, sizeof json - 1, &error);

  /* A note's text must be what its base64 says: this one is not. */
  g_assert_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_INVALID);
  g_assert_null (t);
  g_clear_error (&error);

  g_autofree char *fixed = g_strdup (json);
  char *note = strstr (fixed, ", \"text_base64\": \"AQID\"");
  memset (note, ' ', strlen (", \"text_base64\": \"AQID\""));
  t = pochta_transcript_import_json (fixed, strlen (fixed), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pochta_transcript_get_n_items (t), ==, 3);
  const PochtaTranscriptItem *reply = pochta_transcript_get_item (t, 0);
  g_assert_cmpuint (reply->code, ==, 550);
  g_assert_cmpstr (reply->status, ==, "5.1.1");
  g_assert_cmpint (reply->reply_class, ==, POCHTA_REPLY_PERMANENT);
  g_assert_cmpuint (reply->line_number, ==, 1);
  const PochtaTranscriptItem *quit = pochta_transcript_get_item (t, 1);
  g_assert_cmpstr (quit->verb, ==, "QUIT");
  g_assert_cmpstr (quit->state_before, ==, "READY");
  g_assert_null (quit->state_after);
  g_assert_cmpint (pochta_transcript_get_connection (t, 1)->close_time, ==, -1);
}

typedef struct
{
  const char *name;
  const char *from;   /* replaced in the small transcript's JSON ... */
  const char *to;     /* ... by this; from NULL: the whole document is `to` */
  const char *error;  /* part of the message */
} InvalidRow;

static const InvalidRow invalid_rows[] = {
  { "not-json", NULL, "{\"format\": ", "not JSON" },
  { "empty", NULL, "", "not JSON" },
  { "array", NULL, "[]", "the document is an array" },
  { "format", "\"pochta-transcript\"", "\"other\"", "format: \"other\"" },
  { "version", "\"version\" : 1", "\"version\" : 2", "version: 2 is not supported" },
  { "version-string", "\"version\" : 1", "\"version\" : \"1\"",
    "version: expected an integer, found a string" },
  { "unknown-root-field", "\"version\" : 1", "\"version\" : 1, \"extra\" : 0",
    "extra: unknown field" },
  { "no-items", "\"items\" :", "\"itemz\" :", "itemz: unknown field" },
  { "connection-id", "\"id\" : 1", "\"id\" : 2",
    "connections[0].id: 2, but connections are numbered" },
  { "protocol", "\"protocol\" : \"smtp\"", "\"protocol\" : \"imap\"",
    "connections[0].protocol: \"imap\" is neither" },
  { "port-range", "\"client_port\" : 40001", "\"client_port\" : 70000",
    "connections[0].client_port: 70000 is out of range 0..65535" },
  { "port-fraction", "\"server_port\" : 25", "\"server_port\" : 25.5",
    "connections[0].server_port: expected an integer, found a fraction" },
  { "host-missing", "\"client_host\" : \"comp1.otd1.constr.org\",", "",
    "connections[0].client_host: missing" },
  { "close-half", "\"close_index\" : 6", "\"close_index\" : null",
    "connections[0].close_time and close_index: both null" },
  { "close-before-open", "\"close_time\" : 1021371300005000", "\"close_time\" : 1",
    "connections[0].close_time: before open_time" },
  { "close-index-beyond", "\"close_index\" : 6", "\"close_index\" : 99",
    "connections[0].close_index: beyond the 6 items" },
  { "unknown-connection-field", "\"open_index\" : 1,", "\"open_index\" : 1, \"tls\" : true,",
    "connections[0].tls: unknown field" },
  { "kind", "\"kind\" : \"note\"", "\"kind\" : \"remark\"",
    "items[4].kind: \"remark\" is none of" },
  { "direction", "\"direction\" : \"server\"", "\"direction\" : \"both\"",
    "items[1].direction: \"both\" is neither" },
  { "code-mismatch", "\"code\" : 220", "\"code\" : 221",
    "items[1].code: 221, but the transcript makes it 220" },
  { "verb-mismatch", "\"verb\" : null,\n      \"code\" : 220",
    "\"verb\" : \"HELO\",\n      \"code\" : 220",
    "items[1].verb: \"HELO\", but the transcript makes it null" },
  { "class-mismatch", "\"reply_class\" : \"positive\"", "\"reply_class\" : \"permanent\"",
    "items[1].reply_class: \"permanent\", but the transcript makes it \"positive\"" },
  { "index-mismatch", "\"index\" : 1,", "\"index\" : 7,",
    "items[1].index: 7, but the transcript makes it 1" },
  { "line-number-mismatch", "\"line_number\" : 1,", "\"line_number\" : 2,",
    "items[1].line_number: 2, but the transcript makes it 1" },
  { "length-mismatch", "\"length\" : 9,", "\"length\" : 10,",
    "items[1].length: 10, but the text has 9 bytes" },
  { "bad-base64", "\"text_base64\" : \"", "\"text_base64\" : \"!",
    "items[2].text_base64: not base64" },
  { "base64-disagrees", "\"text\" : \"X-Odd", "\"text\" : \"Y-Odd",
    "items[2].text: does not match text_base64" },
  { "connection-not-open", "\"connection\" : 1,\n      \"direction\" : \"server\"",
    "\"connection\" : 2,\n      \"direction\" : \"server\"",
    "items[1].connection: 2 has not opened by this item" },
  { "line-after-close", "\"close_index\" : 6", "\"close_index\" : 2",
    "items[2].connection: 1 has closed before this item" },
  { "mta-with-direction", "\"kind\" : \"mta\",\n      \"time\" : 1021371300000000,\n"
    "      \"connection\" : 0,\n      \"direction\" : null",
    "\"kind\" : \"mta\",\n      \"time\" : 1021371300000000,\n"
    "      \"connection\" : 0,\n      \"direction\" : \"client\"",
    "items[0].direction: only a line has one" },
  { "mta-without-host", "\"host\" : \"comp1.otd1.constr.org\"", "\"host\" : null",
    "items[0].host: expected a string, found null" },
  { "note-with-host", "\"host\" : null,\n      \"event\" : null\n    },\n    {\n      \"index\" : 5",
    "\"host\" : \"x\",\n      \"event\" : null\n    },\n    {\n      \"index\" : 5",
    "items[4].host: only an MTA event has one" },
  { "text-number", "\"text\" : \"220 ready\"", "\"text\" : 220",
    "items[1].text: expected a string, found a number" },
  { "item-not-object", "\"items\" : [", "\"items\" : [ 5,", "items[0]: expected an object" },
};

static void
test_json_invalid (gconstpointer data)
{
  const InvalidRow *row = data;
  g_autoptr (PochtaTranscript) t = small_transcript ();
  g_autoptr (GBytes) bytes = pochta_transcript_export_json (t);
  g_autofree char *json = bytes_to_string (bytes);
  g_autofree char *broken = NULL;

  if (row->from == NULL)
    broken = g_strdup (row->to);
  else
    {
      char *at = strstr (json, row->from);
      if (at == NULL)
        g_error ("row %s: \"%s\" is not in the JSON:\n%s", row->name, row->from, json);
      *at = '\0';
      broken = g_strconcat (json, row->to, at + strlen (row->from), NULL);
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaTranscript) imported =
    pochta_transcript_import_json (broken, strlen (broken), &error);
  g_assert_null (imported);
  g_assert_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_INVALID);
  if (!contains (error->message, row->error))
    g_error ("row %s: error \"%s\" does not contain \"%s\"", row->name, error->message,
             row->error);
}

/* ---- HTML ------------------------------------------------------------ */

static void
test_html_self_contained (void)
{
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autofree char *html = export_string (t, POCHTA_EXPORT_HTML, NULL);
  static const char *const forbidden[] = {
    "<script", "src=", "href=", "url(", "@import", "http:", "https:", "<link", "<img",
  };

  g_assert_true (g_str_has_prefix (html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                                   "<meta charset=\"utf-8\">\n"));
  g_assert_true (g_str_has_suffix (html, "</body>\n</html>\n"));
  g_assert_true (g_utf8_validate (html, -1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (forbidden); i++)
    if (contains (html, forbidden[i]))
      g_error ("the page holds \"%s\"", forbidden[i]);
  g_assert_true (contains (html, "<title>Pochta transcript</title>"));
  g_assert_true (contains (html, "<style>"));
}

static void
test_html_rows (void)
{
  static const char *const expected[] = {
    "<tr class=\"c2\"><td class=\"n\">1</td><td class=\"t\">10:15:00.101</td>"
    "<td class=\"d\">S:</td><td class=\"l\">220 comp3.otd2.constr.org Simple Mail Transfer "
    "Service Ready</td><td class=\"s\">GREETING</td></tr>",
    "<tr class=\"command\"><td class=\"n\">2</td><td class=\"t\">10:15:00.102</td>"
    "<td class=\"d\">C:</td><td class=\"l\">EHLO comp1.otd1.constr.org</td>"
    "<td class=\"s\">GREETING \xe2\x86\x92 READY</td></tr>",
    "<tr class=\"c3\"><td class=\"n\">11</td>",
    "<tr class=\"other\"><td class=\"n\">12</td>",
    "<tr class=\"c5\"><td class=\"n\">23</td><td class=\"t\">10:15:00.117</td>"
    "<td class=\"d\">S:</td><td class=\"l\">550 No such user here</td>",
    "<td class=\"l\">MAIL FROM:&lt;Ivanov@comp1.otd1.constr.org&gt;</td>",
    "<tr class=\"data\"><td class=\"n\">32</td><td class=\"t\">10:15:00.120</td>"
    "<td class=\"d\">C:</td><td class=\"l\">Test mail. A NUL <span class=\"esc\">\\x00</span> "
    "and a byte <span class=\"esc\">\\xFF</span> here.</td>",
    "<tr class=\"c5\"><td class=\"n\">43</td>",
    "<tr class=\"event\"><td class=\"n\"></td><td class=\"t\">10:15:00.122</td>"
    "<td class=\"d\">MTA</td><td class=\"l\" colspan=\"2\">comp3.otd2.constr.org delivered: "
    "Petrov@comp3.otd2.constr.org, Kuznetsova@comp3.otd2.constr.org</td></tr>",
    "<td class=\"d\">Note</td><td class=\"l\" colspan=\"2\">Petrov fetches his mail from comp4 "
    "with POP3.</td>",
    "<section class=\"connection\" id=\"connection-1\">\n<h2>Connection 1: SMTP from "
    "comp1.otd1.constr.org (192.0.2.11:40001) to comp3.otd2.constr.org (198.51.100.13:25)</h2>",
    "<section class=\"connection\" id=\"connection-2\">\n<h2>Connection 2: POP3 from",
    "<p class=\"meta\">2 connections, 68 lines; virtual time from 2002-05-14 10:15:00.000 UTC.",
  };
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autofree char *html = export_string (t, POCHTA_EXPORT_HTML, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!contains (html, expected[i]))
      g_error ("the page lacks %s", expected[i]);
  g_assert_false (contains (html, "<Ivanov@"));
  g_assert_false (contains (html, "Explanation"));
  /* Every line is one row: 68 lines, 4 events and notes, 2 closings. */
  g_assert_cmpuint (count_occurrences (html, "<tr class="), ==, 68 + 4 + 2);
  g_assert_cmpuint (count_occurrences (html, "<tr class=\"c5\">"), ==, 3);
  g_assert_cmpuint (count_occurrences (html, "<tr class=\"c3\">"), ==, 2);
}

static void
test_html_interleaved (void)
{
  g_autoptr (PochtaTranscript) t = interleaved_transcript ();
  g_autofree char *html = export_string (t, POCHTA_EXPORT_HTML, NULL);

  g_assert_true (contains (html, "<h2>Connection 1, continued</h2>"));
  g_assert_true (contains (html, "<h2>Connection 2, continued</h2>"));
  g_assert_cmpuint (count_occurrences (html, "<section"), ==, 4);
  g_assert_cmpuint (count_occurrences (html, "</section>"), ==, 4);
}

static const char *
explain_code (const PochtaTranscriptItem *item, gpointer user_data)
{
  guint *calls = user_data;

  (*calls)++;
  if (item->code == 550)
    return "5yz: <b>permanent</b> & final";
  return NULL;
}

static void
test_html_explain (void)
{
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  guint calls = 0;
  PochtaExportOptions options = {
    .explain = explain_code,
    .explain_data = &calls,
    .title = "Lesson 1: <SMTP> & \"POP3\"",
  };
  g_autofree char *html = export_string (t, POCHTA_EXPORT_HTML, &options);

  g_assert_cmpuint (calls, ==, pochta_transcript_get_n_items (t));
  g_assert_true (contains (html, "<th>Explanation</th>"));
  g_assert_true (contains (html, "<td class=\"l\">550 No such user here</td>"
                           "<td class=\"s\">RCPT</td>"
                           "<td class=\"x\">5yz: &lt;b&gt;permanent&lt;/b&gt; &amp; final</td>"));
  g_assert_true (contains (html, "<td class=\"x\"></td>"));
  g_assert_false (contains (html, "<b>permanent"));
  g_assert_true (contains (html, "<title>Lesson 1: &lt;SMTP&gt; &amp; &quot;POP3&quot;</title>"));
  g_assert_true (contains (html, "<h1>Lesson 1: &lt;SMTP&gt; &amp; &quot;POP3&quot;</h1>"));
}

/* A note or an MTA event is outside text too: escaped like lines. */
static void
test_html_escape_events (void)
{
  g_autoptr (PochtaTranscript) t = pochta_transcript_new ();
  pochta_transcript_add_note (t, 0, "<script>alert(1)</script>");
  pochta_transcript_add_mta_event (t, 0, "<host>", "bounced", "5.1.1 \"x\" & 'y'");
  g_autofree char *html = export_string (t, POCHTA_EXPORT_HTML, NULL);

  g_assert_false (contains (html, "<script"));
  g_assert_true (contains (html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  g_assert_true (contains (html, "&lt;host&gt; bounced: 5.1.1 &quot;x&quot; &amp; &#39;y&#39;"));
}

/* ---- pcap ------------------------------------------------------------ */

typedef struct
{
  guint32 next[2];      /* the next sequence number expected from each side */
  gboolean started[2];
  GByteArray *stream[2];
  guint syn, fin;
} TcpFlow;

static guint16
get16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static guint32
get32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* RFC 1071, written again here rather than shared with the exporter. */
static guint16
internet_sum (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  guint32 sum = 0;
  for (gsize i = 0; i < a_len; i += 2)
    sum += (guint32) (a[i] << 8 | (i + 1 < a_len ? a[i + 1] : 0));
  for (gsize i = 0; i < b_len; i += 2)
    sum += (guint32) (b[i] << 8 | (i + 1 < b_len ? b[i + 1] : 0));
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

static guint
flow_index (PochtaTranscript *t, guint16 client_port, guint16 server_port)
{
  for (guint id = 1; id <= pochta_transcript_get_n_connections (t); id++)
    {
      const PochtaTranscriptConnection *c = pochta_transcript_get_connection (t, id);
      if (c->client_port == client_port && c->server_port == server_port)
        return id - 1;
    }
  g_error ("no connection has ports %u -> %u", client_port, server_port);
}

static void
check_frame (PochtaTranscript *t, TcpFlow *flows, const guint8 *frame, gsize length,
             gint64 time, gint64 *last_time)
{
  g_assert_cmpuint (length, >=, 14 + 20 + 20);
  g_assert_cmpuint (get16 (frame + 12), ==, 0x0800);
  g_assert_cmpuint (frame[0], ==, 0x02);     /* locally administered, unicast */
  g_assert_cmpuint (frame[6], ==, 0x02);

  const guint8 *ip = frame + 14;
  g_assert_cmpuint (ip[0], ==, 0x45);
  g_assert_cmpuint (get16 (ip + 2), ==, length - 14);
  g_assert_cmpuint (get16 (ip + 6), ==, 0x4000);  /* DF, no fragments */
  g_assert_cmpuint (ip[8], ==, 64);
  g_assert_cmpuint (ip[9], ==, 6);
  g_assert_cmpuint (internet_sum (ip, 20, NULL, 0), ==, 0xffff);
  g_assert_cmpmem (frame + 2, 4, ip + 16, 4);      /* MACs carry the addresses */
  g_assert_cmpmem (frame + 8, 4, ip + 12, 4);

  const guint8 *tcp = ip + 20;
  gsize tcp_length = length - 14 - 20;
  guint8 pseudo[12];
  memcpy (pseudo, ip + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = 6;
  pseudo[10] = (guint8) (tcp_length >> 8);
  pseudo[11] = (guint8) tcp_length;
  g_assert_cmpuint (internet_sum (pseudo, 12, tcp, tcp_length), ==, 0xffff);

  guint16 source = get16 (tcp), destination = get16 (tcp + 2);
  gboolean from_client = destination == 25 || destination == 110;
  TcpFlow *flow = &flows[from_client ? flow_index (t, source, destination)
                                     : flow_index (t, destination, source)];
  int side = from_client ? 0 : 1;
  guint32 seq = get32 (tcp + 4), ack = get32 (tcp + 8);
  guint8 flags = tcp[13];
  gsize header = (gsize) (tcp[12] >> 4) * 4;
  gsize payload = tcp_length - header;

  if (flags & 0x02)
    {
      g_assert_false (flow->started[side]);
      flow->started[side] = TRUE;
      flow->next[side] = seq + 1;
      flow->syn++;
      g_assert_cmpuint (header, ==, 24);   /* with the MSS option */
      g_assert_cmpuint (get16 (tcp + 22), ==, 1460);
    }
  else
    {
      g_assert_true (flow->started[side]);
      g_assert_cmpuint (seq, ==, flow->next[side]);
      flow->next[side] += (guint32) payload + ((flags & 0x01) ? 1 : 0);
      g_byte_array_append (flow->stream[side], tcp + header, (guint) payload);
      g_assert_cmpuint (payload, <=, 1460);
    }
  if (flags & 0x01)
    flow->fin++;
  if (flags & 0x10)
    g_assert_cmpuint (ack, ==, flow->next[1 - side]);
  else
    g_assert_true (flags == 0x02);  /* only the first SYN carries no ACK */
  if (payload > 0)
    g_assert_true (flags & 0x08);
  g_assert_cmpint (time, >=, *last_time);
  *last_time = time;
}

static void
check_pcap (PochtaTranscript *t, GBytes *bytes)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint n_connections = pochta_transcript_get_n_connections (t);
  TcpFlow *flows = g_new0 (TcpFlow, n_connections);
  gint64 last_time = G_MININT64;
  guint32 magic;

  for (guint i = 0; i < n_connections; i++)
    for (int side = 0; side < 2; side++)
      flows[i].stream[side] = g_byte_array_new ();

  /* The pcap file header, in the writer's byte order (libpcap's own). */
  g_assert_cmpuint (size, >=, 24);
  memcpy (&magic, data, 4);
  g_assert_cmpuint (magic, ==, 0xa1b2c3d4);
  guint16 major, minor;
  guint32 snaplen, linktype;
  memcpy (&major, data + 4, 2);
  memcpy (&minor, data + 6, 2);
  memcpy (&snaplen, data + 16, 4);
  memcpy (&linktype, data + 20, 4);
  g_assert_cmpuint (major, ==, 2);
  g_assert_cmpuint (minor, ==, 4);
  g_assert_cmpuint (snaplen, ==, 65535);
  g_assert_cmpuint (linktype, ==, 1);  /* DLT_EN10MB */

  for (gsize offset = 24; offset < size;)
    {
      guint32 record[4];
      g_assert_cmpuint (offset + 16, <=, size);
      memcpy (record, data + offset, 16);
      g_assert_cmpuint (record[2], ==, record[3]);  /* nothing cut */
      g_assert_cmpuint (offset + 16 + record[2], <=, size);
      gint64 time = (gint64) record[0] * G_USEC_PER_SEC + record[1];
      check_frame (t, flows, data + offset + 16, record[2], time, &last_time);
      offset += 16 + record[2];
    }

  /* Each side's bytes are its lines with CRLF, in order. */
  for (guint id = 1; id <= n_connections; id++)
    {
      TcpFlow *flow = &flows[id - 1];
      const PochtaTranscriptConnection *c = pochta_transcript_get_connection (t, id);
      GByteArray *expected[2] = { g_byte_array_new (), g_byte_array_new () };
      for (guint i = 0; i < pochta_transcript_get_n_items (t); i++)
        {
          const PochtaTranscriptItem *item = pochta_transcript_get_item (t, i);
          if (item->kind != POCHTA_ITEM_LINE || item->connection != id)
            continue;
          int side = item->direction == C ? 0 : 1;
          g_byte_array_append (expected[side], (const guint8 *) item->text, (guint) item->length);
          g_byte_array_append (expected[side], (const guint8 *) "\r\n", 2);
        }
      for (int side = 0; side < 2; side++)
        {
          g_assert_cmpmem (flow->stream[side]->data, flow->stream[side]->len,
                           expected[side]->data, expected[side]->len);
          g_byte_array_unref (flow->stream[side]);
          g_byte_array_unref (expected[side]);
        }
      g_assert_cmpuint (flow->syn, ==, 2);
      g_assert_cmpuint (flow->fin, ==, c->close_time >= 0 ? 2 : 0);
    }
  g_free (flows);
}

static void
test_pcap_fixture (void)
{
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = pochta_transcript_export_pcap (t, &error);

  g_assert_no_error (error);
  check_pcap (t, bytes);
}

static void
test_pcap_interleaved (void)
{
  g_autoptr (PochtaTranscript) t = interleaved_transcript ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = pochta_transcript_export_pcap (t, &error);

  g_assert_no_error (error);
  check_pcap (t, bytes);
}

/* A line longer than a segment is cut at the MSS (1460 octets). */
static void
test_pcap_long_line (void)
{
  g_autoptr (PochtaTranscript) t = pochta_transcript_new ();
  g_autofree char *line = g_malloc (4000);
  memset (line, 'x', 4000);
  guint id = pochta_transcript_open_connection (t, POCHTA_PROTOCOL_SMTP, "a", "192.0.2.1", 1025,
                                                "b", "192.0.2.2", 25, FIXTURE_T0);
  pochta_transcript_add_line (t, id, FIXTURE_T0 + 1, C, line, 4000, TRUE, NULL, NULL);
  pochta_transcript_close_connection (t, id, FIXTURE_T0 + 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = pochta_transcript_export_pcap (t, &error);

  g_assert_no_error (error);
  check_pcap (t, bytes);
  /* 3 handshake, 3 data segments and an ACK, 3 closing. */
  gsize size = g_bytes_get_size (bytes);
  g_assert_cmpuint (size, ==, 24 + 10 * 16 + 2 * 58 + 54 + (3 * 54 + 4002) + 54 + 3 * 54);
}

static void
test_pcap_not_ipv4 (void)
{
  g_autoptr (PochtaTranscript) t = pochta_transcript_new ();
  pochta_transcript_open_connection (t, POCHTA_PROTOCOL_SMTP, "localhost", "::1", 40000, "b",
                                     "192.0.2.2", 25, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = pochta_transcript_export_pcap (t, &error);

  g_assert_null (bytes);
  g_assert_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_UNSUPPORTED);
  g_assert_true (contains (error->message, "connection 1: the client address \"::1\" is not IPv4"));

  static const char *const bad[] = { "192.0.2", "192.0.2.256", "192.0.2.1.5", "a.b.c.d",
                                     "192.0.2.0001", "" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (PochtaTranscript) u = pochta_transcript_new ();
      pochta_transcript_open_connection (u, POCHTA_PROTOCOL_POP3, "a", "192.0.2.1", 1, "b",
                                         bad[i], 110, 0);
      g_autoptr (GError) e = NULL;
      g_autoptr (GBytes) b = pochta_transcript_export_pcap (u, &e);
      g_assert_null (b);
      g_assert_error (e, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_UNSUPPORTED);
    }
}

/* ---- Diagram --------------------------------------------------------- */

typedef struct
{
  guint depth;
  guint n_elements;
  char *root;
  char *width;
  char *height;
} SvgScan;

static void
svg_start (GMarkupParseContext *context, const char *name, const char **attribute_names,
           const char **attribute_values, gpointer user_data, GError **error)
{
  SvgScan *scan = user_data;

  if (scan->depth++ == 0)
    {
      scan->root = g_strdup (name);
      for (guint i = 0; attribute_names[i] != NULL; i++)
        if (strcmp (attribute_names[i], "width") == 0)
          scan->width = g_strdup (attribute_values[i]);
        else if (strcmp (attribute_names[i], "height") == 0)
          scan->height = g_strdup (attribute_values[i]);
    }
  scan->n_elements++;
}

static void
svg_end (GMarkupParseContext *context, const char *name, gpointer user_data, GError **error)
{
  SvgScan *scan = user_data;
  scan->depth--;
}

static GBytes *
export_diagram (PochtaTranscript *t, PochtaExportFormat format, const PochtaExportOptions *options)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = pochta_transcript_export_diagram (t, format, options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static void
test_diagram_svg (void)
{
  static const GMarkupParser parser = { svg_start, svg_end, NULL, NULL, NULL };
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autoptr (GBytes) bytes = export_diagram (t, POCHTA_EXPORT_SVG, NULL);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  SvgScan scan = { 0 };
  g_autoptr (GError) error = NULL;
  double width, height;

  g_assert_true (g_str_has_prefix (data, "<?xml"));
  GMarkupParseContext *context = g_markup_parse_context_new (&parser, 0, &scan, NULL);
  g_assert_true (g_markup_parse_context_parse (context, data, (gssize) size, &error)
                 && g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (context);

  g_assert_true (pochta_transcript_get_diagram_size (t, NULL, &width, &height, &error));
  g_autofree char *expected_width = g_strdup_printf ("%gpt", width);
  g_autofree char *expected_height = g_strdup_printf ("%gpt", height);
  g_assert_cmpstr (scan.root, ==, "svg");
  g_assert_cmpstr (scan.width, ==, expected_width);
  g_assert_cmpstr (scan.height, ==, expected_height);
  g_assert_cmpuint (scan.n_elements, >, 100);
  g_assert_cmpuint (scan.depth, ==, 0);
  g_free (scan.root);
  g_free (scan.width);
  g_free (scan.height);
}

typedef struct
{
  const guint8 *data;
  gsize size;
  gsize offset;
} ReadCursor;

static cairo_status_t
read_bytes (void *closure, unsigned char *out, unsigned int length)
{
  ReadCursor *cursor = closure;
  if (cursor->offset + length > cursor->size)
    return CAIRO_STATUS_READ_ERROR;
  memcpy (out, cursor->data + cursor->offset, length);
  cursor->offset += length;
  return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *
load_png (GBytes *bytes)
{
  ReadCursor cursor = { g_bytes_get_data (bytes, &cursor.size), 0, 0 };
  cursor.data = g_bytes_get_data (bytes, &cursor.size);
  cairo_surface_t *surface = cairo_image_surface_create_from_png_stream (read_bytes, &cursor);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  return surface;
}

/* Counts distinct colours (up to a bound) and whether `rgb` is there. */
static guint
scan_colours (cairo_surface_t *surface, guint32 rgb, gboolean *out_found)
{
  g_autoptr (GHashTable) colours = g_hash_table_new (NULL, NULL);
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);

  *out_found = FALSE;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 pixel;
        memcpy (&pixel, data + y * stride + x * 4, 4);
        if ((pixel & 0xffffff) == rgb)
          *out_found = TRUE;
        if (g_hash_table_size (colours) < 1000)
          g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
      }
  return g_hash_table_size (colours);
}

static void
test_diagram_png (void)
{
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  double width, height;
  g_autoptr (GError) error = NULL;

  g_assert_true (pochta_transcript_get_diagram_size (t, NULL, &width, &height, &error));
  static const double scales[] = { 0, 1, 1.5 };
  for (gsize i = 0; i < G_N_ELEMENTS (scales); i++)
    {
      PochtaExportOptions options = { .png_scale = scales[i] };
      double scale = scales[i] > 0 ? scales[i] : 2;
      g_autoptr (GBytes) bytes = export_diagram (t, POCHTA_EXPORT_PNG, &options);
      cairo_surface_t *surface = load_png (bytes);
      gboolean red;

      g_assert_cmpint (cairo_image_surface_get_width (surface), ==, (int) ceil (width * scale));
      g_assert_cmpint (cairo_image_surface_get_height (surface), ==, (int) ceil (height * scale));
      /* Not blank, and the 550 is drawn in the 5yz red (#c5221f). */
      g_assert_cmpuint (scan_colours (surface, 0xc5221f, &red), >, 10);
      g_assert_true (red);
      cairo_surface_destroy (surface);
    }
}

static void
test_diagram_pdf (void)
{
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autoptr (GBytes) bytes = export_diagram (t, POCHTA_EXPORT_PDF, NULL);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, >, 1000);
  g_assert_true (memcmp (data, "%PDF-", 5) == 0);
  g_assert_true (memcmp (data + size - 6, "%%EOF\n", 6) == 0);
  /* The dates are the connection's virtual opening, not the clock's. */
  g_assert_true (bytes_contain (data, size, "/CreationDate (20020514101500Z)"));
  g_assert_true (bytes_contain (data, size, "/ModDate (20020514101500Z)"));
}

static void
test_diagram_errors (void)
{
  g_autoptr (PochtaTranscript) empty = pochta_transcript_new ();
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autoptr (GError) error = NULL;
  PochtaExportOptions third = { .connection = 3 };

  g_assert_null (pochta_transcript_export_diagram (empty, POCHTA_EXPORT_SVG, NULL, &error));
  g_assert_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==, "the transcript has no connection to draw");
  g_clear_error (&error);
  g_assert_null (pochta_transcript_export_diagram (t, POCHTA_EXPORT_PNG, &third, &error));
  g_assert_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==, "the transcript has no connection 3");
}

/* Folding the 10 content lines into one arrow saves 9 rows of 25 points;
 * the POP3 connection is a different drawing. */
static void
test_diagram_layout (void)
{
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  PochtaExportOptions unfolded = { .fold_data_lines = G_MAXUINT };
  PochtaExportOptions second = { .connection = 2 };
  double w1, h1, w2, h2, w3, h3;
  g_autoptr (GError) error = NULL;

  g_assert_true (pochta_transcript_get_diagram_size (t, NULL, &w1, &h1, &error));
  g_assert_true (pochta_transcript_get_diagram_size (t, &unfolded, &w2, &h2, &error));
  g_assert_true (pochta_transcript_get_diagram_size (t, &second, &w3, &h3, &error));
  g_assert_cmpfloat (w2, >=, w1);  /* the unfolded content has longer lines */
  g_assert_cmpfloat (h2 - h1, ==, 9 * 25);
  g_assert_cmpfloat (h3, !=, h1);
  g_assert_cmpfloat (w1, >=, 600);
  g_assert_cmpfloat (h1, >=, 800);
}

/* A line too long for the page is cut, so the page keeps a sane width. */
static void
test_diagram_long_line (void)
{
  g_autoptr (PochtaTranscript) t = pochta_transcript_new ();
  g_autofree char *line = g_strnfill (3000, 'x');
  guint id = pochta_transcript_open_connection (t, POCHTA_PROTOCOL_SMTP, "a", "192.0.2.1", 1, "b",
                                                "192.0.2.2", 25, 0);
  pochta_transcript_add_line (t, id, 0, C, line, 3000, FALSE, NULL, NULL);
  double width, height;
  g_autoptr (GError) error = NULL;

  g_assert_true (pochta_transcript_get_diagram_size (t, NULL, &width, &height, &error));
  g_assert_cmpfloat (width, <, 1000);
  g_autoptr (GBytes) png = export_diagram (t, POCHTA_EXPORT_PNG, NULL);
  g_assert_cmpuint (g_bytes_get_size (png), >, 0);
}

/* ---- Determinism ----------------------------------------------------- */

static void
test_determinism (gconstpointer data)
{
  PochtaExportFormat format = GPOINTER_TO_INT (data);
  g_autoptr (PochtaTranscript) a = fixture_transcript_new ();
  g_autoptr (PochtaTranscript) b = fixture_transcript_new ();
  g_autoptr (GBytes) json = pochta_transcript_export_json (a);
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaTranscript) imported =
    pochta_transcript_import_json (g_bytes_get_data (json, NULL), g_bytes_get_size (json), &error);
  g_assert_no_error (error);

  g_autoptr (GBytes) first = pochta_transcript_export (a, format, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) second = pochta_transcript_export (b, format, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) third = pochta_transcript_export (imported, format, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (first), >, 0);
  g_assert_true (g_bytes_equal (first, second));
  g_assert_true (g_bytes_equal (first, third));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/export/format-names", test_format_names);
  g_test_add_func ("/engine/export/time", test_time);
  g_test_add_func ("/engine/export/escape", test_escape);
  g_test_add_func ("/engine/export/text/small", test_text_small);
  g_test_add_func ("/engine/export/text/utc-offset", test_text_offset);
  g_test_add_func ("/engine/export/text/interleaved", test_text_interleaved);
  g_test_add_func ("/engine/export/text/fixture", test_text_fixture);
  g_test_add_func ("/engine/export/text/empty", test_text_empty);
  g_test_add_func ("/engine/export/json/schema", test_json_schema);
  g_test_add_func ("/engine/export/json/round-trip/fixture", test_json_round_trip_fixture);
  g_test_add_func ("/engine/export/json/round-trip/open-connections",
                   test_json_round_trip_open_connections);
  g_test_add_func ("/engine/export/json/round-trip/small", test_json_round_trip_small);
  g_test_add_func ("/engine/export/json/minimal", test_json_minimal);
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/export/json/invalid/%s",
                                               invalid_rows[i].name);
      g_test_add_data_func (path, &invalid_rows[i], test_json_invalid);
    }
  g_test_add_func ("/engine/export/html/self-contained", test_html_self_contained);
  g_test_add_func ("/engine/export/html/rows", test_html_rows);
  g_test_add_func ("/engine/export/html/interleaved", test_html_interleaved);
  g_test_add_func ("/engine/export/html/explain", test_html_explain);
  g_test_add_func ("/engine/export/html/escape-events", test_html_escape_events);
  g_test_add_func ("/engine/export/pcap/fixture", test_pcap_fixture);
  g_test_add_func ("/engine/export/pcap/interleaved", test_pcap_interleaved);
  g_test_add_func ("/engine/export/pcap/long-line", test_pcap_long_line);
  g_test_add_func ("/engine/export/pcap/not-ipv4", test_pcap_not_ipv4);
  g_test_add_func ("/engine/export/diagram/svg", test_diagram_svg);
  g_test_add_func ("/engine/export/diagram/png", test_diagram_png);
  g_test_add_func ("/engine/export/diagram/pdf", test_diagram_pdf);
  g_test_add_func ("/engine/export/diagram/errors", test_diagram_errors);
  g_test_add_func ("/engine/export/diagram/layout", test_diagram_layout);
  g_test_add_func ("/engine/export/diagram/long-line", test_diagram_long_line);
  for (int format = POCHTA_EXPORT_TEXT; format <= POCHTA_EXPORT_PNG; format++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/export/determinism/%s",
                                               pochta_export_format_to_string (format));
      g_test_add_data_func (path, GINT_TO_POINTER (format), test_determinism);
    }
  int status = g_test_run ();
  /* cairo keeps its fonts (and fontconfig's patterns) for the life of the
   * process; let them go so that the leak checker sees only real leaks. */
  cairo_debug_reset_static_data ();
  FcFini ();
  return status;
}
