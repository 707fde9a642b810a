/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real client's end of a bridged connection, sans-I/O: the bytes it
 * passes on, the lines it reports (fed whole, byte by byte and in random
 * chunks), content after 354, and its life; then real clients inside a
 * simulation: delivery and relay, the relay policy, their address in the
 * transcript and in Received:, shutdown, Maildir stores kept across runs. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bridge-client.h"
#include "event.h"
#include "simulation.h"

/* ---- lines ---- */

typedef enum
{
  FEED_WHOLE,
  FEED_BYTEWISE,
  FEED_RANDOM,
  N_FEEDS
} Feed;

/* "|" separates the recorded lines; a line of content starts with "~". */
typedef struct
{
  const char *name;
  PochtaProtocol protocol;
  const char *server_first;  /* what the server said before, or NULL */
  const char *input;
  gsize input_len;           /* 0: strlen (input) */
  gboolean hang_up;
  const char *expected;
  /* Events for the input written whole (0: not checked): the content
   * lines of one write come joined in one. */
  guint whole_events;
} LineRow;

static const LineRow line_rows[] = {
  { "commands", POCHTA_PROTOCOL_SMTP, NULL, "EHLO x\r\nMAIL FROM:<a@b>\r\n", 0, FALSE,
    "EHLO x|MAIL FROM:<a@b>" },
  { "bare-lf", POCHTA_PROTOCOL_SMTP, NULL, "NOOP\nQUIT\r\n", 0, FALSE, "NOOP|QUIT" },
  { "empty-line", POCHTA_PROTOCOL_SMTP, NULL, "\r\nNOOP\r\n", 0, FALSE, "|NOOP" },
  { "unfinished", POCHTA_PROTOCOL_SMTP, NULL, "NOOP\r\nQUI", 0, FALSE, "NOOP" },
  { "unfinished-hang-up", POCHTA_PROTOCOL_SMTP, NULL, "NOOP\r\nQUIT", 0, TRUE, "NOOP|QUIT" },
  /* RFC 5321 §4.1.1.4: 354 opens the content, the lone "." ends it. */
  { "content", POCHTA_PROTOCOL_SMTP, "250 OK\r\n354 Start mail input\r\n",
    "Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n", 0, FALSE, "~Subject: x|~|~..dot|~.|QUIT", 3 },
  { "reply-head-only", POCHTA_PROTOCOL_SMTP, "354", "a\r\n", 0, FALSE, "~a" },
  { "354-in-text", POCHTA_PROTOCOL_SMTP, "250 got 354 octets\r\n", "a\r\n", 0, FALSE, "a" },
  /* A POP3 server's lines are not watched: "354" there is no invitation. */
  { "pop3-354", POCHTA_PROTOCOL_POP3, "354 x\r\n", "USER a\r\nPASS b c\r\n", 0, FALSE,
    "USER a|PASS b c" },
};

typedef struct
{
  GString *lines;
  guint n_lines;
  guint n_events;
} Recorded;

/* Lines joined by LF in one event (n_lines) are recorded one by one. */
static void
record_events (PochtaBridgeClient *client, Recorded *recorded)
{
  PochtaEvent event = { 0 };

  while (pochta_bridge_client_session_class.next_event (client, &event))
    {
      g_assert_cmpint (event.type, ==, POCHTA_EVENT_LINE_SENT);
      recorded->n_events++;
      g_assert_true (event.n_lines <= 1 || event.in_data);
      const char *line = event.text;
      for (guint i = 0; i < MAX (event.n_lines, 1); i++)
        {
          const char *end = strchr (line, '\n');
          g_assert_true ((end != NULL) == (i + 1 < event.n_lines));
          if (recorded->n_lines++ > 0)
            g_string_append_c (recorded->lines, '|');
          if (event.in_data)
            g_string_append_c (recorded->lines, '~');
          g_string_append_len (recorded->lines, line, end != NULL ? end - line : (gssize) strlen (line));
          line = end != NULL ? end + 1 : line;
        }
      pochta_event_clear (&event);
    }
}

static void
write_in_chunks (PochtaBridgeClient *client, const guint8 *data, gsize len, Feed feed,
                 GRand *rand)
{
  gsize done = 0;

  while (done < len)
    {
      /* Drawn once: MIN () evaluates its arguments twice. */
      gsize chunk = feed == FEED_RANDOM ? (gsize) g_rand_int_range (rand, 1, 17) : 1;
      gsize n = feed == FEED_WHOLE ? len - done : MIN (len - done, chunk);
      pochta_bridge_client_write (client, data + done, n);
      done += n;
    }
}

static void
feed_server (PochtaBridgeClient *client, const char *text)
{
  gsize len = strlen (text);
  for (gsize i = 0; i < len; i++)
    g_assert_cmpint (pochta_bridge_client_session_class.feed (client, (const guint8 *) text + i, 1),
                     ==, 1);
}

static void
test_lines (gconstpointer data)
{
  const LineRow *row = data;
  gsize len = row->input_len > 0 ? row->input_len : strlen (row->input);

  for (Feed feed = 0; feed < N_FEEDS; feed++)
    {
      g_autoptr (PochtaBridgeClient) client = pochta_bridge_client_new (row->protocol);
      g_autoptr (GRand) rand = g_rand_new_with_seed (5321 + feed);
      g_autoptr (GString) lines = g_string_new (NULL);
      Recorded recorded = { lines, 0, 0 };
      const guint8 *unsent;

      if (row->server_first != NULL)
        feed_server (client, row->server_first);
      write_in_chunks (client, (const guint8 *) row->input, len, feed, rand);
      if (row->hang_up)
        pochta_bridge_client_hang_up (client);
      record_events (client, &recorded);
      g_assert_cmpstr (lines->str, ==, row->expected);
      if (feed == FEED_WHOLE && row->whole_events > 0)
        g_assert_cmpuint (recorded.n_events, ==, row->whole_events);
      /* The server gets every byte, exactly as it came. */
      gsize n = pochta_bridge_client_session_class.peek_output (client, &unsent);
      g_assert_cmpmem (unsent, n, row->input, len);
      g_assert_cmpuint (pochta_bridge_client_get_unsent (client), ==, len);
    }
}

/* RFC 4954 §4's 12288 octets are recorded whole; a longer line is cut
 * there, and the line after it is its own. */
static void
test_long_lines (void)
{
  for (gsize extra = 0; extra <= 1; extra++)
    for (Feed feed = 0; feed < N_FEEDS; feed++)
      {
        g_autoptr (PochtaBridgeClient) client = pochta_bridge_client_new (POCHTA_PROTOCOL_SMTP);
        g_autoptr (GRand) rand = g_rand_new_with_seed (4954 + feed);
        g_autoptr (GString) input = g_string_new (NULL);
        PochtaEvent event = { 0 };

        for (gsize i = 0; i < 12288 + extra * 500; i++)
          g_string_append_c (input, 'x');
        g_string_append (input, "\r\nNOOP\r\n");
        write_in_chunks (client, (const guint8 *) input->str, input->len, feed, rand);
        g_assert_true (pochta_bridge_client_session_class.next_event (client, &event));
        g_assert_cmpuint (event.length, ==, 12288);
        g_assert_cmpint (event.text[12287], ==, 'x');
        pochta_event_clear (&event);
        g_assert_true (pochta_bridge_client_session_class.next_event (client, &event));
        g_assert_cmpmem (event.text, event.length, "NOOP", 4);
        pochta_event_clear (&event);
        g_assert_false (pochta_bridge_client_session_class.next_event (client, &event));
      }
}

/* ---- life ---- */

static void
count_notify (PochtaBridgeClient *client, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_received_and_closed (void)
{
  g_autoptr (PochtaBridgeClient) client = pochta_bridge_client_new (POCHTA_PROTOCOL_SMTP);
  const PochtaSessionClass *klass = &pochta_bridge_client_session_class;
  const guint8 *data;
  guint notified = 0;

  pochta_bridge_client_set_notify (client, count_notify, &notified);
  klass->feed (client, (const guint8 *) "220 hello\r\n", 11);
  klass->feed (client, (const guint8 *) "250 OK\r\n", 8);
  g_assert_cmpuint (notified, ==, 2);
  gsize len = pochta_bridge_client_peek_received (client, &data);
  g_assert_cmpmem (data, len, "220 hello\r\n250 OK\r\n", 19);
  pochta_bridge_client_consume_received (client, 4);
  len = pochta_bridge_client_peek_received (client, &data);
  g_assert_cmpmem (data, len, "hello\r\n250 OK\r\n", 15);
  pochta_bridge_client_consume_received (client, 15);
  g_assert_cmpuint (pochta_bridge_client_peek_received (client, &data), ==, 0);

  g_assert_false (pochta_bridge_client_is_closed (client));
  g_assert_false (klass->is_done (client));
  klass->feed_eof (client);
  g_assert_cmpuint (notified, ==, 3);
  g_assert_true (pochta_bridge_client_is_closed (client));
  g_assert_true (klass->is_done (client));
  /* What the client writes after the server closed goes nowhere. */
  pochta_bridge_client_write (client, (const guint8 *) "NOOP\r\n", 6);
  g_assert_cmpuint (pochta_bridge_client_get_unsent (client), ==, 0);
}

static void
test_hang_up_and_detach (void)
{
  PochtaBridgeClient *client = pochta_bridge_client_new (POCHTA_PROTOCOL_POP3);
  const PochtaSessionClass *klass = &pochta_bridge_client_session_class;
  guint notified = 0;

  pochta_bridge_client_write (client, (const guint8 *) "QUIT\r\n", 6);
  pochta_bridge_client_hang_up (client);
  /* Done once the bytes written before the hang-up are out. */
  g_assert_false (klass->is_done (client));
  klass->consume_output (client, 6);
  g_assert_true (klass->is_done (client));
  g_assert_false (pochta_bridge_client_is_closed (client));

  /* The connection lets go: the bridge's reference still sees it. */
  pochta_bridge_client_set_notify (client, count_notify, &notified);
  pochta_bridge_client_ref (client);
  klass->free (client);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (pochta_bridge_client_is_closed (client));
  pochta_bridge_client_unref (client);
}

/* ---- in a simulation ---- */

#define COMP3 "comp3.otd2.constr.org"

typedef struct
{
  PochtaSimulation *simulation;
  PochtaBridgeClient *client;
  guint handle;
} Bridged;

static void
bridged_open (Bridged *b, PochtaSimulation *simulation, const char *host, guint16 port,
              const char *address)
{
  g_autoptr (GError) error = NULL;

  b->simulation = simulation;
  b->client = pochta_bridge_client_new (port == 110 ? POCHTA_PROTOCOL_POP3 : POCHTA_PROTOCOL_SMTP);
  b->handle = pochta_simulation_connect_bridged (simulation, host, port, address, 40025, b->client,
                                                 &error);
  g_assert_no_error (error);
  g_assert_cmpuint (b->handle, !=, 0);
}

/* Sends line (NULL: nothing), runs what is due now and returns what the
 * server said to it. */
static char *
bridged_say (Bridged *b, const char *line)
{
  const guint8 *data;

  if (line != NULL)
    {
      pochta_bridge_client_write (b->client, (const guint8 *) line, strlen (line));
      pochta_bridge_client_write (b->client, (const guint8 *) "\r\n", 2);
      pochta_simulation_bridged_ready (b->simulation, b->handle);
    }
  pochta_simulation_advance (b->simulation, 0);
  gsize len = pochta_bridge_client_peek_received (b->client, &data);
  char *text = g_strndup ((const char *) data, len);
  pochta_bridge_client_consume_received (b->client, len);
  return text;
}

static void
bridged_expect (Bridged *b, const char *line, const char *reply)
{
  g_autofree char *got = bridged_say (b, line);
  g_assert_cmpstr (got, ==, reply);
}

static void
bridged_close (Bridged *b)
{
  g_clear_pointer (&b->client, pochta_bridge_client_unref);
}

/* A stored message as a string (GBytes need not end in NUL). */
static char *
message_text (GPtrArray *messages, guint index)
{
  gsize len;
  const char *data = g_bytes_get_data (g_ptr_array_index (messages, index), &len);
  return g_strndup (data, len);
}

static PochtaSimulation *
new_simulation (void)
{
  g_autoptr (GError) error = NULL;
  PochtaSimulation *simulation = pochta_simulation_new_builtin (
    "constr-org", 1, POCHTA_SIMULATION_DEFAULT_START, 0, &error);
  g_assert_no_error (error);
  return simulation;
}

static void
send_letter (Bridged *b, const char *recipient)
{
  g_autofree char *rcpt = g_strdup_printf ("RCPT TO:<%s>", recipient);

  bridged_expect (b, NULL, "220 " COMP3 " Simple Mail Transfer Service Ready\r\n");
  g_autofree char *ehlo = bridged_say (b, "EHLO real.example.org");
  g_assert_true (g_str_has_prefix (ehlo, "250-" COMP3 " says hello\r\n"));
  bridged_expect (b, "MAIL FROM:<real@example.org>", "250 OK\r\n");
  bridged_expect (b, rcpt, "250 OK\r\n");
  bridged_expect (b, "DATA", "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
  const char *content = "Subject: real\r\n\r\nHi.\r\n";
  pochta_bridge_client_write (b->client, (const guint8 *) content, strlen (content));
  bridged_expect (b, ".", "250 OK\r\n");
  bridged_expect (b, "QUIT", "221 " COMP3 " Service closing transmission channel\r\n");
  g_assert_true (pochta_bridge_client_is_closed (b->client));
}

static void
test_simulation_delivers_and_relays (void)
{
  g_autoptr (PochtaSimulation) simulation = new_simulation ();
  g_autoptr (GError) error = NULL;
  Bridged b;

  /* comp3 is otd2.constr.org's best MX: final there, no AUTH needed, and
   * relayed to comp4 over the simulated LAN in virtual time. */
  bridged_open (&b, simulation, COMP3, 25, "127.0.0.2");
  send_letter (&b, "Smirnov@otd2.constr.org");
  bridged_close (&b);
  g_autoptr (GPtrArray) before
    = pochta_simulation_dup_mailbox (simulation, "Smirnov@comp4.otd2.constr.org", &error);
  g_assert_cmpuint (before->len, ==, 0);
  pochta_simulation_advance (simulation, G_USEC_PER_SEC);
  g_autoptr (GPtrArray) after
    = pochta_simulation_dup_mailbox (simulation, "Smirnov@comp4.otd2.constr.org", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 1);
  g_autofree char *stored = message_text (after, 0);
  g_assert_true (strstr (stored, "from real.example.org (real.example.org [127.0.0.2])") != NULL);
  g_assert_true (g_str_has_suffix (stored, "\r\nSubject: real\r\n\r\nHi.\r\n"));

  /* The transcript knows the real client by its address and port. */
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  const PochtaTranscriptConnection *connection = pochta_transcript_get_connection (transcript, 1);
  g_assert_cmpstr (connection->client_host, ==, "127.0.0.2");
  g_assert_cmpstr (connection->client_address, ==, "127.0.0.2");
  g_assert_cmpuint (connection->client_port, ==, 40025);
  g_assert_cmpstr (connection->server_host, ==, COMP3);
  g_assert_cmpuint (connection->server_port, ==, 25);
  g_assert_cmpint (connection->close_time, >=, connection->open_time);
  const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, 1);
  g_assert_cmpstr (item->text, ==, "EHLO real.example.org");
  g_assert_cmpint (item->direction, ==, POCHTA_DIRECTION_CLIENT);
}

static void
test_simulation_relay_needs_auth (void)
{
  g_autoptr (PochtaSimulation) simulation = new_simulation ();
  Bridged b;

  bridged_open (&b, simulation, COMP3, 25, "127.0.0.1");
  g_free (bridged_say (&b, NULL));
  g_free (bridged_say (&b, "HELO real.example.org"));
  bridged_expect (&b, "MAIL FROM:<real@example.org>", "250 OK\r\n");
  g_autofree char *denied = bridged_say (&b, "RCPT TO:<Smirnov@comp4.otd2.constr.org>");
  g_assert_true (g_str_has_prefix (denied, "550 "));
  bridged_close (&b);
}

static void
test_simulation_shutdown (void)
{
  g_autoptr (PochtaSimulation) simulation = new_simulation ();
  Bridged smtp, pop3;

  bridged_open (&smtp, simulation, COMP3, 25, "127.0.0.1");
  bridged_open (&pop3, simulation, COMP3, 110, "127.0.0.1");
  g_free (bridged_say (&smtp, NULL));
  g_free (bridged_say (&pop3, NULL));
  pochta_simulation_shutdown_connection (simulation, smtp.handle, NULL);
  pochta_simulation_shutdown_connection (simulation, pop3.handle, NULL);
  bridged_expect (&smtp, NULL,
                  "421 " COMP3 " Service not available, closing transmission channel\r\n");
  g_assert_true (pochta_bridge_client_is_closed (smtp.client));
  /* RFC 1939 §3: logged out without a word. */
  bridged_expect (&pop3, NULL, "");
  g_assert_true (pochta_bridge_client_is_closed (pop3.client));
  /* Over: nothing more happens. */
  pochta_simulation_shutdown_connection (simulation, smtp.handle, NULL);
  pochta_simulation_bridged_ready (simulation, smtp.handle);
  bridged_close (&smtp);
  bridged_close (&pop3);
}

static void
test_simulation_refuses (void)
{
  g_autoptr (PochtaSimulation) simulation = new_simulation ();
  g_autoptr (PochtaBridgeClient) client = pochta_bridge_client_new (POCHTA_PROTOCOL_SMTP);
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (pochta_simulation_connect_bridged (simulation, "nowhere.example", 25,
                                                       "127.0.0.1", 1, client, &error),
                    ==, 0);
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_HOST);
  g_clear_error (&error);
  g_assert_cmpuint (
    pochta_simulation_connect_bridged (simulation, COMP3, 26, "127.0.0.1", 1, client, &error), ==,
    0);
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_NO_SERVICE);

  pochta_simulation_record_event (simulation, COMP3, "too-many-sessions", "127.0.0.1 refused");
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  const PochtaTranscriptItem *item
    = pochta_transcript_get_item (transcript, pochta_transcript_get_n_items (transcript) - 1);
  g_assert_cmpint (item->kind, ==, POCHTA_ITEM_MTA);
  g_assert_cmpstr (item->host, ==, COMP3);
  g_assert_cmpstr (item->event, ==, "too-many-sessions");
  g_assert_cmpstr (item->text, ==, "127.0.0.1 refused");
}

static void
test_simulation_maildir (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("pochta-bridge-XXXXXX", &error);
  g_assert_no_error (error);

  {
    g_autoptr (PochtaSimulation) simulation = new_simulation ();
    Bridged b;
    g_assert_true (pochta_simulation_set_maildir (simulation, root, &error));
    g_assert_no_error (error);
    bridged_open (&b, simulation, COMP3, 25, "127.0.0.1");
    send_letter (&b, "Petrov@" COMP3);
    bridged_close (&b);
  }
  g_autofree char *new_dir = g_build_filename (root, COMP3, "Petrov", "new", NULL);
  g_autoptr (GDir) dir = g_dir_open (new_dir, 0, &error);
  g_assert_no_error (error);
  const char *name = g_dir_read_name (dir);
  g_assert_nonnull (name);
  g_assert_null (g_dir_read_name (dir));
  g_autofree char *path = g_build_filename (new_dir, name, NULL);

  /* A new run on the same directory finds the letter. */
  g_autoptr (PochtaSimulation) again = new_simulation ();
  g_assert_true (pochta_simulation_set_maildir (again, root, &error));
  g_autoptr (GPtrArray) messages = pochta_simulation_dup_mailbox (again, "Petrov@" COMP3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  g_autofree char *stored = message_text (messages, 0);
  g_assert_true (g_str_has_suffix (stored, "\r\nSubject: real\r\n\r\nHi.\r\n"));

  g_remove (path);
  for (const char *const *sub = (const char *const[]){ "new", "cur", "tmp", NULL }; *sub; sub++)
    {
      g_autofree char *d = g_build_filename (root, COMP3, "Petrov", *sub, NULL);
      g_rmdir (d);
    }
  g_autofree char *user = g_build_filename (root, COMP3, "Petrov", NULL);
  g_rmdir (user);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (line_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/bridge-client/lines/%s", line_rows[i].name);
      g_test_add_data_func (path, &line_rows[i], test_lines);
    }
  g_test_add_func ("/engine/bridge-client/lines/long", test_long_lines);
  g_test_add_func ("/engine/bridge-client/received-and-closed", test_received_and_closed);
  g_test_add_func ("/engine/bridge-client/hang-up-and-detach", test_hang_up_and_detach);
  g_test_add_func ("/engine/bridge-client/simulation/delivers-and-relays",
                   test_simulation_delivers_and_relays);
  g_test_add_func ("/engine/bridge-client/simulation/relay-needs-auth",
                   test_simulation_relay_needs_auth);
  g_test_add_func ("/engine/bridge-client/simulation/shutdown", test_simulation_shutdown);
  g_test_add_func ("/engine/bridge-client/simulation/refuses", test_simulation_refuses);
  g_test_add_func ("/engine/bridge-client/simulation/maildir", test_simulation_maildir);
  return g_test_run ();
}
