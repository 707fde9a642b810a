/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the transcript model: how lines are parsed, numbered and kept. */
#include "config.h"

#include <string.h>

#include "transcript.h"

#define T0 G_GINT64_CONSTANT (1021371300000000) /* 2002-05-14 10:15:00 UTC */

/* One line pushed after a connection opened with no other traffic, or
 * after `after` (a server line) when that is set. */
typedef struct
{
  const char *name;
  PochtaProtocol protocol;
  const char *after;         /* a server line sent first, or NULL */
  PochtaDirection direction;
  const char *text;
  gboolean in_data;
  const char *verb;          /* expected */
  guint code;
  PochtaReplyClass reply_class;
  const char *status;
} ParseRow;

#define SMTP POCHTA_PROTOCOL_SMTP
#define POP3 POCHTA_PROTOCOL_POP3
#define C POCHTA_DIRECTION_CLIENT
#define S POCHTA_DIRECTION_SERVER

static const ParseRow parse_rows[] = {
  { "smtp/client/ehlo", SMTP, NULL, C, "EHLO comp1.otd1.constr.org", FALSE, "EHLO" },
  { "smtp/client/lower-case-verb", SMTP, NULL, C, "mail FROM:<a@b>", FALSE, "MAIL" },
  { "smtp/client/verb-alone", SMTP, NULL, C, "QUIT", FALSE, "QUIT" },
  { "smtp/client/data-line", SMTP, NULL, C, "Subject: hello", TRUE, NULL },
  { "smtp/client/dot-line", SMTP, NULL, C, ".", TRUE, NULL },
  { "smtp/client/empty-line", SMTP, NULL, C, "", FALSE, NULL },
  { "smtp/client/leading-space", SMTP, NULL, C, " MAIL FROM:<a@b>", FALSE, NULL },
  { "smtp/client/punctuation", SMTP, NULL, C, "MA:L x", FALSE, NULL },
  { "smtp/client/sasl-response", SMTP, "334 PDQ1Njc4OTA+", C,
    "SXZhbm92IDBmMDAx", FALSE, NULL },
  { "smtp/client/sasl-cancel", SMTP, "334 ", C, "*", FALSE, NULL },
  { "smtp/client/after-235", SMTP, "235 Authentication successful", C,
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org>", FALSE, "MAIL" },
  { "smtp/server/greeting", SMTP, NULL, S,
    "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready", FALSE, NULL, 220,
    POCHTA_REPLY_POSITIVE },
  { "smtp/server/continuation", SMTP, NULL, S, "250-AUTH CRAM-MD5 DIGEST-MD5", FALSE, NULL, 250,
    POCHTA_REPLY_POSITIVE },
  { "smtp/server/bare-code", SMTP, NULL, S, "250", FALSE, NULL, 250, POCHTA_REPLY_POSITIVE },
  { "smtp/server/354", SMTP, NULL, S, "354 Start mail input; end with <CRLF>.<CRLF>", FALSE, NULL,
    354, POCHTA_REPLY_INTERMEDIATE },
  { "smtp/server/450", SMTP, NULL, S, "450 4.2.0 Greylisted, try again later", FALSE, NULL, 450,
    POCHTA_REPLY_TRANSIENT, "4.2.0" },
  { "smtp/server/550", SMTP, NULL, S, "550 No such user here", FALSE, NULL, 550,
    POCHTA_REPLY_PERMANENT },
  { "smtp/server/550-enhanced", SMTP, NULL, S, "550 5.1.1 No such user here", FALSE, NULL, 550,
    POCHTA_REPLY_PERMANENT, "5.1.1" },
  { "smtp/server/enhanced-three-digit-parts", SMTP, NULL, S, "554 5.123.456 x", FALSE, NULL, 554,
    POCHTA_REPLY_PERMANENT, "5.123.456" },
  { "smtp/server/enhanced-at-end", SMTP, NULL, S, "250 2.0.0", FALSE, NULL, 250,
    POCHTA_REPLY_POSITIVE, "2.0.0" },
  { "smtp/server/enhanced-in-continuation", SMTP, NULL, S, "250-2.1.5 ok", FALSE, NULL, 250,
    POCHTA_REPLY_POSITIVE, "2.1.5" },
  /* RFC 3463 §2: no class 3, at most three digits a part. */
  { "smtp/server/enhanced-class-3", SMTP, NULL, S, "354 3.0.0 go", FALSE, NULL, 354,
    POCHTA_REPLY_INTERMEDIATE },
  { "smtp/server/enhanced-four-digits", SMTP, NULL, S, "550 5.1234.1 x", FALSE, NULL, 550,
    POCHTA_REPLY_PERMANENT },
  { "smtp/server/enhanced-glued", SMTP, NULL, S, "550 5.1.1x", FALSE, NULL, 550,
    POCHTA_REPLY_PERMANENT },
  { "smtp/server/size-is-not-status", SMTP, NULL, S, "250-SIZE 10240000", FALSE, NULL, 250,
    POCHTA_REPLY_POSITIVE },
  { "smtp/server/garbage", SMTP, NULL, S, "hello", FALSE, NULL, 0, POCHTA_REPLY_NONE },
  { "smtp/server/four-digits", SMTP, NULL, S, "2500 x", FALSE, NULL, 0, POCHTA_REPLY_NONE },
  { "smtp/server/1yz", SMTP, NULL, S, "199 x", FALSE, NULL, 0, POCHTA_REPLY_NONE },
  { "smtp/server/second-digit-6", SMTP, NULL, S, "260 x", FALSE, NULL, 0, POCHTA_REPLY_NONE },
  { "pop3/client/user", POP3, NULL, C, "USER Petrov", FALSE, "USER" },
  { "pop3/client/lower-case", POP3, NULL, C, "retr 1", FALSE, "RETR" },
  { "pop3/client/sasl-response", POP3, "+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+", C,
    "dGltIGI5MTNhNjAy", FALSE, NULL },
  { "pop3/client/after-ok", POP3, "+OK", C, "STAT", FALSE, "STAT" },
  { "pop3/server/ok", POP3, NULL, S, "+OK POP3 server ready", FALSE, NULL, 0,
    POCHTA_REPLY_POSITIVE },
  { "pop3/server/ok-alone", POP3, NULL, S, "+OK", FALSE, NULL, 0, POCHTA_REPLY_POSITIVE },
  { "pop3/server/err", POP3, NULL, S, "-ERR no such message", FALSE, NULL, 0,
    POCHTA_REPLY_PERMANENT },
  { "pop3/server/err-in-use", POP3, NULL, S, "-ERR [IN-USE] maildrop already locked", FALSE, NULL,
    0, POCHTA_REPLY_PERMANENT, "IN-USE" },
  { "pop3/server/err-hierarchical", POP3, NULL, S, "-ERR [SYS/TEMP] try later", FALSE, NULL, 0,
    POCHTA_REPLY_PERMANENT, "SYS/TEMP" },
  { "pop3/server/ok-with-code", POP3, NULL, S, "+OK [AUTH] odd but legal", FALSE, NULL, 0,
    POCHTA_REPLY_POSITIVE, "AUTH" },
  { "pop3/server/unclosed-code", POP3, NULL, S, "-ERR [IN-USE locked", FALSE, NULL, 0,
    POCHTA_REPLY_PERMANENT },
  { "pop3/server/empty-code", POP3, NULL, S, "-ERR [] x", FALSE, NULL, 0,
    POCHTA_REPLY_PERMANENT },
  { "pop3/server/continuation", POP3, NULL, S, "+ PDE4OTY+", FALSE, NULL, 0,
    POCHTA_REPLY_INTERMEDIATE },
  { "pop3/server/empty-continuation", POP3, NULL, S, "+", FALSE, NULL, 0,
    POCHTA_REPLY_INTERMEDIATE },
  { "pop3/server/okay-is-not-ok", POP3, NULL, S, "+OKAY", FALSE, NULL, 0, POCHTA_REPLY_NONE },
  { "pop3/server/lower-case-ok", POP3, NULL, S, "+ok", FALSE, NULL, 0, POCHTA_REPLY_NONE },
  { "pop3/server/data-line", POP3, NULL, S, "+OK looks like status", TRUE, NULL, 0,
    POCHTA_REPLY_NONE },
  { "pop3/server/smtp-code-means-nothing", POP3, NULL, S, "250 OK", FALSE, NULL, 0,
    POCHTA_REPLY_NONE },
};

static void
test_parse (gconstpointer data)
{
  const ParseRow *row = data;
  g_autoptr (PochtaTranscript) transcript = pochta_transcript_new ();
  guint id = pochta_transcript_open_connection (transcript, row->protocol,
                                                "comp1.otd1.constr.org", "192.0.2.11", 40001,
                                                "comp3.otd2.constr.org", "198.51.100.13",
                                                row->protocol == SMTP ? 25 : 110, T0);
  if (row->after != NULL)
    pochta_transcript_add_line (transcript, id, T0, S, row->after, strlen (row->after), FALSE,
                                NULL, NULL);

  const PochtaTranscriptItem *item =
    pochta_transcript_add_line (transcript, id, T0 + 1000, row->direction, row->text,
                                strlen (row->text), row->in_data, NULL, NULL);

  g_assert_nonnull (item);
  g_assert_cmpstr (item->verb, ==, row->verb);
  g_assert_cmpuint (item->code, ==, row->code);
  g_assert_cmpint (item->reply_class, ==, row->reply_class);
  g_assert_cmpstr (item->status, ==, row->status);
  g_assert_cmpint (item->in_data, ==, row->in_data);
  g_assert_cmpuint (item->length, ==, strlen (row->text));
  g_assert_cmpmem (item->text, item->length, row->text, strlen (row->text));
}

/* After a SASL response the server answers; only a new challenge makes
 * the next client line a response again. */
static void
test_sasl_rounds (void)
{
  static const struct
  {
    PochtaDirection direction;
    const char *text;
    const char *verb;
  } lines[] = {
    { C, "AUTH LOGIN", "AUTH" },
    { S, "334 VXNlcm5hbWU6", NULL },
    { C, "SXZhbm92", NULL },
    { S, "334 UGFzc3dvcmQ6", NULL },
    { C, "aXZhbm92MTIz", NULL },
    { S, "235 Authentication successful", NULL },
    { C, "MAIL FROM:<Ivanov@comp1.otd1.constr.org>", "MAIL" },
    { S, "250 OK", NULL },
    { C, "NOOP", "NOOP" },
  };
  g_autoptr (PochtaTranscript) transcript = pochta_transcript_new ();
  guint id = pochta_transcript_open_connection (transcript, SMTP, "a", "192.0.2.1", 1, "b",
                                                "192.0.2.2", 25, T0);

  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      const PochtaTranscriptItem *item =
        pochta_transcript_add_line (transcript, id, T0, lines[i].direction, lines[i].text,
                                    strlen (lines[i].text), FALSE, NULL, NULL);
      g_assert_cmpstr (item->verb, ==, lines[i].verb);
    }
}

/* A SASL challenge on one connection says nothing about another. */
static void
test_sasl_per_connection (void)
{
  g_autoptr (PochtaTranscript) transcript = pochta_transcript_new ();
  guint a = pochta_transcript_open_connection (transcript, SMTP, "a", "192.0.2.1", 1, "b",
                                               "192.0.2.2", 25, T0);
  guint b = pochta_transcript_open_connection (transcript, SMTP, "a", "192.0.2.1", 2, "b",
                                               "192.0.2.2", 25, T0);

  pochta_transcript_add_line (transcript, a, T0, S, "334 ", 4, FALSE, NULL, NULL);
  const PochtaTranscriptItem *item =
    pochta_transcript_add_line (transcript, b, T0, C, "NOOP", 4, FALSE, NULL, NULL);
  g_assert_cmpstr (item->verb, ==, "NOOP");
  item = pochta_transcript_add_line (transcript, a, T0, C, "NOOP", 4, FALSE, NULL, NULL);
  g_assert_null (item->verb);
}

static void
test_numbering (void)
{
  g_autoptr (PochtaTranscript) transcript = pochta_transcript_new ();

  pochta_transcript_add_mta_event (transcript, T0, "comp1.otd1.constr.org", "queued", "q1");
  guint id = pochta_transcript_open_connection (transcript, SMTP, "comp1.otd1.constr.org",
                                                "192.0.2.11", 40001, "comp3.otd2.constr.org",
                                                "198.51.100.13", 25, T0 + 10);
  pochta_transcript_add_line (transcript, id, T0 + 20, S, "220 x", 5, FALSE, NULL, "GREETING");
  pochta_transcript_add_note (transcript, T0 + 30, "a remark");
  pochta_transcript_add_line (transcript, id, T0 + 40, C, "QUIT", 4, FALSE, "GREETING", NULL);
  pochta_transcript_close_connection (transcript, id, T0 + 50);
  pochta_transcript_add_mta_event (transcript, T0 + 60, "comp1.otd1.constr.org", "delivered",
                                   NULL);

  static const struct
  {
    PochtaTranscriptItemKind kind;
    guint line_number;
    guint connection;
    gint64 time;
  } expected[] = {
    { POCHTA_ITEM_MTA, 0, 0, T0 },
    { POCHTA_ITEM_LINE, 1, 1, T0 + 20 },
    { POCHTA_ITEM_NOTE, 0, 0, T0 + 30 },
    { POCHTA_ITEM_LINE, 2, 1, T0 + 40 },
    { POCHTA_ITEM_MTA, 0, 0, T0 + 60 },
  };
  g_assert_cmpuint (pochta_transcript_get_n_items (transcript), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      g_assert_cmpuint (item->index, ==, i);
      g_assert_cmpint (item->kind, ==, expected[i].kind);
      g_assert_cmpuint (item->line_number, ==, expected[i].line_number);
      g_assert_cmpuint (item->connection, ==, expected[i].connection);
      g_assert_cmpint (item->time, ==, expected[i].time);
    }

  const PochtaTranscriptItem *first = pochta_transcript_get_item (transcript, 0);
  g_assert_cmpstr (first->host, ==, "comp1.otd1.constr.org");
  g_assert_cmpstr (first->event, ==, "queued");
  g_assert_cmpstr (first->text, ==, "q1");
  const PochtaTranscriptItem *last = pochta_transcript_get_item (transcript, 4);
  g_assert_cmpstr (last->text, ==, "");
  g_assert_cmpuint (last->length, ==, 0);
  const PochtaTranscriptItem *greeting = pochta_transcript_get_item (transcript, 1);
  g_assert_null (greeting->state_before);
  g_assert_cmpstr (greeting->state_after, ==, "GREETING");
  g_assert_cmpstr (pochta_transcript_get_item (transcript, 2)->text, ==, "a remark");
}

static void
test_connections (void)
{
  g_autoptr (PochtaTranscript) transcript = pochta_transcript_new ();

  g_assert_cmpuint (pochta_transcript_get_n_connections (transcript), ==, 0);
  g_assert_null (pochta_transcript_get_connection (transcript, 0));
  g_assert_null (pochta_transcript_get_connection (transcript, 1));

  pochta_transcript_add_note (transcript, T0, "before");
  guint smtp = pochta_transcript_open_connection (transcript, SMTP, "comp1.otd1.constr.org",
                                                  "192.0.2.11", 40001, "comp3.otd2.constr.org",
                                                  "198.51.100.13", 25, T0 + 1);
  guint pop3 = pochta_transcript_open_connection (transcript, POP3, "comp3.otd2.constr.org",
                                                  "198.51.100.13", 40002,
                                                  "comp3.otd2.constr.org", "198.51.100.13", 110,
                                                  T0 + 2);
  g_assert_cmpuint (smtp, ==, 1);
  g_assert_cmpuint (pop3, ==, 2);
  pochta_transcript_add_line (transcript, smtp, T0 + 3, C, "QUIT", 4, FALSE, NULL, NULL);
  pochta_transcript_close_connection (transcript, smtp, T0 + 4);

  const PochtaTranscriptConnection *c1 = pochta_transcript_get_connection (transcript, 1);
  g_assert_cmpuint (c1->id, ==, 1);
  g_assert_cmpint (c1->protocol, ==, SMTP);
  g_assert_cmpstr (c1->client_host, ==, "comp1.otd1.constr.org");
  g_assert_cmpstr (c1->client_address, ==, "192.0.2.11");
  g_assert_cmpuint (c1->client_port, ==, 40001);
  g_assert_cmpstr (c1->server_host, ==, "comp3.otd2.constr.org");
  g_assert_cmpstr (c1->server_address, ==, "198.51.100.13");
  g_assert_cmpuint (c1->server_port, ==, 25);
  g_assert_cmpint (c1->open_time, ==, T0 + 1);
  g_assert_cmpint (c1->close_time, ==, T0 + 4);
  g_assert_cmpuint (c1->open_index, ==, 1);
  g_assert_cmpuint (c1->close_index, ==, 2);

  const PochtaTranscriptConnection *c2 = pochta_transcript_get_connection (transcript, 2);
  g_assert_cmpint (c2->protocol, ==, POP3);
  g_assert_cmpuint (c2->server_port, ==, 110);
  g_assert_cmpint (c2->close_time, ==, -1);
  g_assert_cmpuint (c2->open_index, ==, 1);
  g_assert_cmpuint (c2->close_index, ==, 0);
  g_assert_cmpuint (pochta_transcript_get_n_connections (transcript), ==, 2);
  g_assert_null (pochta_transcript_get_connection (transcript, 3));
}

/* pochta_transcript_add_lines () gives the items that adding each line
 * alone gives: parsed (a SASL round across the block), numbered, with
 * empty lines and a NUL kept. */
static void
assert_same_item (const PochtaTranscriptItem *a, const PochtaTranscriptItem *b)
{
  g_assert_cmpuint (a->index, ==, b->index);
  g_assert_cmpuint (a->line_number, ==, b->line_number);
  g_assert_cmpuint (a->connection, ==, b->connection);
  g_assert_cmpint (a->time, ==, b->time);
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpint (a->direction, ==, b->direction);
  g_assert_cmpuint (a->in_data, ==, b->in_data);
  g_assert_cmpuint (a->code, ==, b->code);
  g_assert_cmpint (a->reply_class, ==, b->reply_class);
  g_assert_cmpmem (a->text, a->length + 1, b->text, b->length + 1);
  g_assert_cmpstr (a->verb, ==, b->verb);
  g_assert_cmpstr (a->status, ==, b->status);
  g_assert_cmpstr (a->state_before, ==, b->state_before);
  g_assert_cmpstr (a->state_after, ==, b->state_after);
}

static void
test_lines_at_once (void)
{
  static const struct
  {
    PochtaDirection direction;
    gboolean in_data;
    const char *text;
    gsize length;
    guint n_lines;
  } blocks[] = {
    { POCHTA_DIRECTION_SERVER, FALSE, "250-comp3\n250-AUTH CRAM-MD5\n250 8BITMIME", 41, 3 },
    { POCHTA_DIRECTION_CLIENT, FALSE, "AUTH CRAM-MD5", 13, 1 },
    { POCHTA_DIRECTION_SERVER, FALSE, "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+", 40, 1 },
    /* The SASL response, then a command: only the second has a verb. */
    { POCHTA_DIRECTION_CLIENT, FALSE, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\nNOOP", 53, 2 },
    { POCHTA_DIRECTION_SERVER, FALSE, "235 2.7.0 Authentication successful\n250 2.0.0 OK", 48, 2 },
    { POCHTA_DIRECTION_CLIENT, TRUE, "Subject: x\n\nbody\0with NUL\n", 26, 4 },
  };
  g_autoptr (PochtaTranscript) each = pochta_transcript_new ();
  g_autoptr (PochtaTranscript) at_once = pochta_transcript_new ();
  guint ids[2];
  PochtaTranscript *both[] = { each, at_once };

  for (guint t = 0; t < 2; t++)
    ids[t] = pochta_transcript_open_connection (both[t], SMTP, "a", "192.0.2.1", 1, "b",
                                                "192.0.2.2", 25, T0);
  for (guint i = 0; i < G_N_ELEMENTS (blocks); i++)
    {
      gint64 time = T0 + i;
      const char *text = blocks[i].text, *end = text + blocks[i].length;
      for (guint line = 0; line < blocks[i].n_lines; line++)
        {
          const char *lf = memchr (text, '\n', (gsize) (end - text));
          const char *line_end = line + 1 < blocks[i].n_lines ? lf : end;
          pochta_transcript_add_line (each, ids[0], time, blocks[i].direction, text,
                                      (gsize) (line_end - text), blocks[i].in_data, "DATA", "DATA");
          text = line_end + 1;
        }
      const PochtaTranscriptItem *last = pochta_transcript_add_lines (
        at_once, ids[1], time, blocks[i].direction, blocks[i].text, blocks[i].length,
        blocks[i].n_lines, blocks[i].in_data, "DATA", "DATA");
      g_assert_true (last == pochta_transcript_get_item (
                               at_once, pochta_transcript_get_n_items (at_once) - 1));
    }
  g_assert_cmpuint (pochta_transcript_get_n_items (at_once), ==, 13);
  g_assert_cmpuint (pochta_transcript_get_n_items (each), ==, 13);
  g_assert_cmpuint (pochta_transcript_get_n_lines (at_once), ==, 13);
  for (guint i = 0; i < 13; i++)
    assert_same_item (pochta_transcript_get_item (each, i), pochta_transcript_get_item (at_once, i));
  /* What the parse found, so that the comparison is not between two
   * empty results. */
  g_assert_cmpuint (pochta_transcript_get_item (at_once, 2)->code, ==, 250);
  g_assert_cmpstr (pochta_transcript_get_item (at_once, 5)->verb, ==, NULL);
  g_assert_cmpstr (pochta_transcript_get_item (at_once, 6)->verb, ==, "NOOP");
  g_assert_cmpstr (pochta_transcript_get_item (at_once, 7)->status, ==, "2.7.0");
  g_assert_cmpuint (pochta_transcript_get_item (at_once, 10)->length, ==, 0);
  g_assert_cmpuint (pochta_transcript_get_item (at_once, 11)->length, ==, 13);
  g_assert_cmpuint (pochta_transcript_get_item (at_once, 12)->length, ==, 0);
}

/* Lines are counted bytes: NUL and bytes that are not UTF-8 survive. */
static void
test_binary_line (void)
{
  static const char line[] = "X\0Y\xff\r";
  g_autoptr (PochtaTranscript) transcript = pochta_transcript_new ();
  guint id = pochta_transcript_open_connection (transcript, SMTP, "a", "192.0.2.1", 1, "b",
                                                "192.0.2.2", 25, T0);

  const PochtaTranscriptItem *item =
    pochta_transcript_add_line (transcript, id, T0, C, line, sizeof line - 1, TRUE, NULL, NULL);
  g_assert_cmpuint (item->length, ==, 5);
  g_assert_cmpmem (item->text, item->length, line, sizeof line - 1);
  g_assert_cmpint (item->text[item->length], ==, '\0');

  item = pochta_transcript_add_line (transcript, id, T0, C, NULL, 0, FALSE, NULL, NULL);
  g_assert_cmpuint (item->length, ==, 0);
  g_assert_cmpstr (item->text, ==, "");
  g_assert_null (item->verb);
}

static void
test_names (void)
{
  static const struct
  {
    const char *name;
    int value;
  } protocols[] = { { "smtp", SMTP }, { "pop3", POP3 } },
    directions[] = { { "client", C }, { "server", S } },
    classes[] = { { "none", POCHTA_REPLY_NONE }, { "positive", POCHTA_REPLY_POSITIVE },
                  { "intermediate", POCHTA_REPLY_INTERMEDIATE },
                  { "transient", POCHTA_REPLY_TRANSIENT },
                  { "permanent", POCHTA_REPLY_PERMANENT } },
    kinds[] = { { "line", POCHTA_ITEM_LINE }, { "mta", POCHTA_ITEM_MTA },
                { "note", POCHTA_ITEM_NOTE } };

  for (gsize i = 0; i < G_N_ELEMENTS (protocols); i++)
    {
      PochtaProtocol value;
      g_assert_cmpstr (pochta_protocol_to_string (protocols[i].value), ==, protocols[i].name);
      g_assert_true (pochta_protocol_from_string (protocols[i].name, &value));
      g_assert_cmpint (value, ==, protocols[i].value);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (directions); i++)
    {
      PochtaDirection value;
      g_assert_cmpstr (pochta_direction_to_string (directions[i].value), ==, directions[i].name);
      g_assert_true (pochta_direction_from_string (directions[i].name, &value));
      g_assert_cmpint (value, ==, directions[i].value);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (classes); i++)
    {
      PochtaReplyClass value;
      g_assert_cmpstr (pochta_reply_class_to_string (classes[i].value), ==, classes[i].name);
      g_assert_true (pochta_reply_class_from_string (classes[i].name, &value));
      g_assert_cmpint (value, ==, classes[i].value);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      PochtaTranscriptItemKind value;
      g_assert_cmpstr (pochta_transcript_item_kind_to_string (kinds[i].value), ==, kinds[i].name);
      g_assert_true (pochta_transcript_item_kind_from_string (kinds[i].name, &value));
      g_assert_cmpint (value, ==, kinds[i].value);
    }

  PochtaProtocol protocol;
  PochtaReplyClass reply_class;
  g_assert_false (pochta_protocol_from_string ("SMTP", &protocol));
  g_assert_false (pochta_protocol_from_string ("", &protocol));
  g_assert_false (pochta_protocol_from_string (NULL, &protocol));
  g_assert_false (pochta_reply_class_from_string ("2", &reply_class));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (parse_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/transcript/parse/%s", parse_rows[i].name);
      g_test_add_data_func (path, &parse_rows[i], test_parse);
    }
  g_test_add_func ("/engine/transcript/parse/sasl-rounds", test_sasl_rounds);
  g_test_add_func ("/engine/transcript/parse/sasl-per-connection", test_sasl_per_connection);
  g_test_add_func ("/engine/transcript/numbering", test_numbering);
  g_test_add_func ("/engine/transcript/connections", test_connections);
  g_test_add_func ("/engine/transcript/binary-line", test_binary_line);
  g_test_add_func ("/engine/transcript/lines-at-once", test_lines_at_once);
  g_test_add_func ("/engine/transcript/names", test_names);
  return g_test_run ();
}
