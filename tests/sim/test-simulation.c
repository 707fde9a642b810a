/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the simulation object: determinism (DESIGN.md §2.2), the
 * console, the clock, signals, queries and refused actions. */
#include "config.h"

#include <string.h>

#include "sim-helpers.h"

#define IVANOV "Ivanov@comp1.otd1.constr.org"
#define PETROV "Petrov@comp3.otd2.constr.org"
#define COMP1 "comp1.otd1.constr.org"
#define COMP3 "comp3.otd2.constr.org"

typedef struct
{
  guint items;
  guint changes;
} Counts;

static void
on_item_added (PochtaSimulation *simulation, const PochtaTranscriptItem *item, Counts *counts)
{
  g_assert_cmpuint (item->index, ==, counts->items);
  counts->items++;
}

static void
on_changed (PochtaSimulation *simulation, Counts *counts)
{
  counts->changes++;
}

/* A little of everything: relay with a bounce, the hub, greylisting, a
 * slow link, a console, fetching. */
static char *
run_scenario (guint32 seed, Counts *counts)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (seed);
  g_autoptr (GError) error = NULL;

  g_signal_connect (simulation, "item-added", G_CALLBACK (on_item_added), counts);
  g_signal_connect (simulation, "changed", G_CALLBACK (on_changed), counts);
  pochta_simulation_set_fault (simulation, POCHTA_FAULT_GREYLISTING, "comp4.otd2.constr.org", TRUE,
                               0, &error);
  pochta_simulation_set_fault (simulation, POCHTA_FAULT_SLOW_LINK, "otd2-backbone", TRUE, 4,
                               &error);
  pochta_simulation_submit (simulation, IVANOV,
                            (const char *const[]){ PETROV, "Sidirov@comp3.otd2.constr.org", NULL },
                            "One", "Hello!\n..dots\n", &error);
  pochta_simulation_submit (simulation, "Sidorov@comp2.otd1.constr.org",
                            (const char *const[]){ "smirnov@constr.org", NULL }, "Тема",
                            "Привет!\n", &error);
  guint console
    = pochta_simulation_connect (simulation, "comp2.otd1.constr.org", COMP3, 25, &error);
  pochta_simulation_send_line (simulation, console, "EHLO comp2.otd1.constr.org", &error);
  pochta_simulation_send_line (simulation, console, "VRFY Petrov", &error);
  pochta_simulation_send_line (simulation, console, "QUIT", &error);
  pochta_simulation_advance (simulation, 10 * G_TIME_SPAN_MINUTE);
  pochta_simulation_fetch (simulation, PETROV, FALSE, &error);
  pochta_simulation_run_until_idle (simulation);
  pochta_simulation_fetch (simulation, "Smirnov@comp4.otd2.constr.org", TRUE, &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_no_error (error);

  g_autoptr (GPtrArray) fetched
    = pochta_simulation_dup_fetched (simulation, "Smirnov@comp4.otd2.constr.org");
  g_assert_cmpuint (fetched->len, ==, 1);
  g_assert_cmpuint (counts->items, ==,
                    pochta_transcript_get_n_items (pochta_simulation_get_transcript (simulation)));
  return sim_dump_transcript (pochta_simulation_get_transcript (simulation));
}

/* DESIGN.md §2.2: the same network, actions and seed give the same
 * transcript, byte for byte; another seed gives other challenges and
 * ids. */
static void
test_determinism (void)
{
  Counts first_counts = { 0 }, second_counts = { 0 }, other_counts = { 0 };
  g_autofree char *first = run_scenario (42, &first_counts);
  g_autofree char *second = run_scenario (42, &second_counts);
  g_autofree char *other = run_scenario (43, &other_counts);

  g_assert_cmpuint (strlen (first), >, 20000);
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpuint (first_counts.items, ==, second_counts.items);
  g_assert_cmpuint (first_counts.changes, ==, second_counts.changes);
  g_assert_cmpuint (first_counts.changes, >=, 8);
  g_assert_cmpstr (first, !=, other);
  /* Only the random parts differ: the same number of items. */
  g_assert_cmpuint (first_counts.items, ==, other_counts.items);
}

/* The console types lines as they are; the server's replies come back
 * after the path's latency; the thesis' VRFY answer (checklist F1). */
static void
test_console_lock_step (void)
{
  static const struct
  {
    const char *line;
    const char *reply;
  } steps[] = {
    { "EHLO comp1.otd1.constr.org", "250 VRFY" },
    { "MAIL FROM:<Ivanov@comp1.otd1.constr.org>", "250 OK" },
    { "VRFY Petrov", "250 Ivan Petrov <Petrov@comp3.otd2.constr.org>" },
    { "RCPT TO:<Petrov@comp3.otd2.constr.org>", "250 OK" },
    { "RCPT TO:<Sidirov@comp3.otd2.constr.org>", "550 No such user here" },
    { "DATA", "354 Start mail input; end with <CRLF>.<CRLF>" },
    { "Subject: by hand", NULL },
    { "", NULL },
    { "..a line with a dot", NULL },
    { ".", "250 OK" },
    { "QUIT", "221 comp3.otd2.constr.org Service closing transmission channel" },
  };
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (21);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  guint console = pochta_simulation_connect (simulation, COMP1, COMP3, 25, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (console, >, 0);
  g_assert_true (pochta_simulation_connection_is_open (simulation, console));
  g_assert_cmpuint (pochta_simulation_connection_get_transcript_id (simulation, console), ==, 0);
  g_assert_null (pochta_simulation_connection_get_last_reply (simulation, console));
  pochta_simulation_run_until_idle (simulation);
  g_assert_cmpstr (pochta_simulation_connection_get_last_reply (simulation, console), ==,
                   "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready");
  guint id = pochta_simulation_connection_get_transcript_id (simulation, console);
  g_assert_cmpuint (id, ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      gint64 sent = pochta_simulation_get_time (simulation);
      pochta_simulation_send_line (simulation, console, steps[i].line, &error);
      g_assert_no_error (error);
      pochta_simulation_run_until_idle (simulation);
      if (steps[i].reply == NULL)
        continue;
      g_assert_cmpstr (pochta_simulation_connection_get_last_reply (simulation, console), ==,
                       steps[i].reply);
      /* 41 ms there and 41 back; after QUIT the client's FIN takes 41
       * more to reach the server. */
      g_assert_cmpint (pochta_simulation_get_time (simulation) - sent, ==,
                       g_str_equal (steps[i].line, "QUIT") ? 123000 : 82000);
    }
  g_assert_false (pochta_simulation_connection_is_open (simulation, console));
  /* The last reply outlives the connection. */
  g_assert_cmpstr (pochta_simulation_connection_get_last_reply (simulation, console), ==,
                   "221 comp3.otd2.constr.org Service closing transmission channel");

  const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, id);
  g_assert_cmpstr (c->client_host, ==, COMP1);
  g_assert_cmpstr (c->client_address, ==, "192.0.2.11");
  g_assert_cmpuint (c->client_port, ==, 49152);
  g_assert_cmpstr (c->server_address, ==, "198.51.100.13");
  g_assert_cmpuint (c->server_port, ==, 25);
  g_assert_cmpint (c->close_time, >, c->open_time);

  /* The content the console typed is content, not commands. */
  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind == POCHTA_ITEM_LINE && item->direction == POCHTA_DIRECTION_CLIENT)
        g_assert_true (item->in_data
                       == (g_str_has_prefix (item->text, "Subject") || item->length == 0
                           || item->text[0] == '.'));
      if (item->kind == POCHTA_ITEM_LINE && item->direction == POCHTA_DIRECTION_SERVER
          && g_str_has_prefix (item->text, "354"))
        {
          g_assert_cmpuint (item->code, ==, 354);
          g_assert_false (item->in_data);
          g_assert_cmpstr (item->state_before, ==, "RCPT");
          g_assert_cmpstr (item->state_after, ==, "DATA");
        }
    }
  /* The server stored what the console sent, unstuffed (RFC 5321 §4.5.2). */
  g_autoptr (GPtrArray) petrov = sim_mailbox (simulation, PETROV, 1);
  g_autofree char *letter = sim_bytes_to_string (g_ptr_array_index (petrov, 0));
  g_assert_true (g_str_has_suffix (letter, "\r\nSubject: by hand\r\n\r\n.a line with a dot\r\n"));
}

static void
test_console_refused (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (22);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  guint console = pochta_simulation_connect (simulation, COMP1, COMP3, 26, &error);
  g_assert_no_error (error);
  pochta_simulation_send_line (simulation, console, "HELO nobody", &error);
  g_assert_no_error (error);
  pochta_simulation_run_until_idle (simulation);
  /* The SYN and the RST: one round trip. */
  g_assert_cmpint (pochta_simulation_get_time (simulation) - POCHTA_SIMULATION_DEFAULT_START, ==,
                   82000);
  g_assert_false (pochta_simulation_connection_is_open (simulation, console));
  g_assert_cmpuint (pochta_transcript_get_n_connections (transcript), ==, 0);
  g_autofree char *failed = sim_mta_events (transcript, COMP1, "connect-failed");
  g_assert_cmpstr (
    failed, ==,
    "console from comp1.otd1.constr.org to comp3.otd2.constr.org: Connection refused\n");
  g_assert_false (pochta_simulation_send_line (simulation, console, "HELO again", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_NO_CONNECTION);
}

/* A POP3 console: the port decides the protocol; hanging up ends it. */
static void
test_console_pop3_and_hang_up (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (23);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  guint console = pochta_simulation_connect (simulation, COMP3, COMP3, 110, &error);
  pochta_simulation_send_line (simulation, console, "USER Petrov", &error);
  pochta_simulation_send_line (simulation, console, "PASS petrov123", &error);
  pochta_simulation_send_line (simulation, console, "STAT", &error);
  pochta_simulation_close (simulation, console, &error);
  g_assert_no_error (error);
  pochta_simulation_run_until_idle (simulation);

  const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, 1);
  g_assert_cmpint (c->protocol, ==, POCHTA_PROTOCOL_POP3);
  g_autofree char *lines = sim_connection_lines (transcript, 1);
  sim_assert_template (lines, "S: +OK POP3 server ready <{ID}.{ID}@comp3.otd2.constr.org>\n"
                              "C: USER Petrov\n"
                              "C: PASS petrov123\n"
                              "C: STAT\n"
                              "S: +OK send PASS\n"
                              "S: +OK Petrov's maildrop has 0 messages (0 octets)\n"
                              "S: +OK 0 0\n");
  g_assert_false (pochta_simulation_connection_is_open (simulation, console));
  /* The lock went with the connection: the agent can log in now. */
  pochta_simulation_fetch (simulation, PETROV, TRUE, &error);
  g_assert_no_error (error);
  pochta_simulation_run_until_idle (simulation);
  g_autofree char *fetched = sim_mta_events (transcript, COMP3, "fetched");
  g_assert_cmpstr (fetched, ==, "Petrov@comp3.otd2.constr.org: 0 message(s) retrieved\n");
}

/* The GUI's step: one event at a time, the clock never going back. */
static void
test_step (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (24);
  g_autoptr (GError) error = NULL;
  Counts counts = { 0 };
  guint steps = 0;
  gint64 last = pochta_simulation_get_time (simulation);

  g_signal_connect (simulation, "changed", G_CALLBACK (on_changed), &counts);
  g_assert_true (pochta_simulation_is_idle (simulation));
  g_assert_false (pochta_simulation_step (simulation));
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "Steps",
                            "Hi\n", &error);
  g_assert_no_error (error);
  g_assert_false (pochta_simulation_is_idle (simulation));
  while (pochta_simulation_step (simulation))
    {
      g_assert_cmpint (pochta_simulation_get_time (simulation), >=, last);
      last = pochta_simulation_get_time (simulation);
      steps++;
    }
  g_assert_true (pochta_simulation_is_idle (simulation));
  g_assert_cmpuint (steps, >, 20);
  g_assert_cmpuint (counts.changes, ==, steps + 1);
  sim_assert_mailbox_size (simulation, PETROV, 1);

  /* advance () leaves the clock where it was asked to. */
  pochta_simulation_advance (simulation, 1234);
  g_assert_cmpint (pochta_simulation_get_time (simulation), ==, last + 1234);
}

static void
test_refused_actions (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (25);
  g_autoptr (GError) error = NULL;

  g_assert_false (pochta_simulation_submit (simulation, "Nobody@comp1.otd1.constr.org",
                                            (const char *const[]){ PETROV, NULL }, "x", "y",
                                            &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_USER);
  g_clear_error (&error);
  g_assert_false (pochta_simulation_submit (
    simulation, IVANOV, (const char *const[]){ "not an address", NULL }, "x", "y", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (
    pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ NULL }, "x", "y", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (pochta_simulation_submit (
    simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "two\nlines", "y", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (
    pochta_simulation_fetch (simulation, "Sidirov@comp3.otd2.constr.org", TRUE, &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_USER);
  g_clear_error (&error);
  g_assert_cmpuint (
    pochta_simulation_connect (simulation, COMP1, "comp9.otd1.constr.org", 25, &error), ==, 0);
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_HOST);
  g_clear_error (&error);
  g_assert_cmpuint (pochta_simulation_connect (simulation, COMP1, COMP3, 0, &error), ==, 0);
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID);
  g_clear_error (&error);
  guint console = pochta_simulation_connect (simulation, COMP1, COMP3, 25, &error);
  g_assert_false (pochta_simulation_send_line (simulation, console, "NOOP\r\nQUIT", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (pochta_simulation_send_line (simulation, 999, "NOOP", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_NO_CONNECTION);
  g_clear_error (&error);
  g_assert_false (pochta_simulation_set_relay_host (simulation, COMP1, "relay.example", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_HOST);
  g_clear_error (&error);
  g_assert_null (pochta_simulation_dup_queue (simulation, "comp9.otd1.constr.org", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_HOST);
  g_clear_error (&error);
  g_assert_null (
    pochta_simulation_dup_mailbox (simulation, "Sidirov@comp3.otd2.constr.org", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_USER);
  g_clear_error (&error);
  g_assert_null (pochta_simulation_new_builtin ("atlantis", 1, 0, 0, &error));
  g_assert_error (error, POCHTA_NETWORK_ERROR, POCHTA_NETWORK_ERROR_NOT_FOUND);
}

/* The simulation can end at any moment: mid-session, with queues full
 * and a maildrop locked (the sanitizer build checks that nothing leaks). */
static void
test_end_mid_flight (void)
{
  g_autoptr (GError) error = NULL;

  for (gint64 stop = 0; stop <= 400000; stop += 20000)
    {
      g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (26);
      pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "x",
                                "y\n", &error);
      pochta_simulation_submit (simulation, "Kuznetsova@comp3.otd2.constr.org",
                                (const char *const[]){ "petrov@constr.org", NULL }, "x", "y\n",
                                &error);
      pochta_simulation_connect (simulation, COMP3, COMP3, 110, &error);
      pochta_simulation_fetch (simulation, PETROV, FALSE, &error);
      g_assert_no_error (error);
      pochta_simulation_advance (simulation, stop);
      g_assert_nonnull (pochta_simulation_get_store (simulation, COMP3));
      g_assert_cmpstr (pochta_network_get_id (pochta_simulation_get_network (simulation)), ==,
                       "constr-org");
    }
}

static void
on_line_limit (PochtaSimulation *simulation, guint limit, gpointer data)
{
  guint *reached = data;
  g_assert_cmpuint (limit, ==, 10);
  (*reached)++;
}

/* DESIGN.md §5: past the line limit the transcript records no more
 * lines, says so once, and still records MTA events; the mail goes on. */
static void
test_line_limit (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (7);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;
  guint reached = 0, lines = 0, notes = 0, stored = 0, mta_after_note = 0;

  pochta_simulation_set_line_limit (simulation, 10);
  g_signal_connect (simulation, "line-limit-reached", G_CALLBACK (on_line_limit), &reached);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "One",
                            "Hello!\n", &error);
  pochta_simulation_run_until_idle (simulation);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "Two",
                            "Hello again!\n", &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_no_error (error);

  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      lines += item->kind == POCHTA_ITEM_LINE;
      if (item->kind == POCHTA_ITEM_NOTE)
        {
          notes++;
          g_assert_nonnull (strstr (item->text, "limit of 10 lines"));
        }
      if (item->kind == POCHTA_ITEM_MTA && notes > 0)
        mta_after_note++;
      if (item->kind == POCHTA_ITEM_MTA && g_strcmp0 (item->event, "stored") == 0)
        stored++;
    }
  g_assert_cmpuint (reached, ==, 1);
  g_assert_cmpuint (lines, ==, 10);
  g_assert_cmpuint (notes, ==, 1);
  g_assert_cmpuint (stored, ==, 2);
  g_assert_cmpuint (mta_after_note, >, 0);
}

/* A scale run counts what the agents retrieve without keeping it; the
 * count is the same either way. */
static void
test_fetched_counted (gconstpointer data)
{
  gboolean keep = GPOINTER_TO_INT (data);
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (3);
  g_autoptr (GError) error = NULL;

  pochta_simulation_set_keep_fetched (simulation, keep);
  for (guint i = 0; i < 2; i++)
    pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "Hi",
                              "Hello!\n", &error);
  pochta_simulation_run_until_idle (simulation);
  pochta_simulation_fetch (simulation, PETROV, FALSE, &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_no_error (error);

  g_autoptr (GPtrArray) fetched = pochta_simulation_dup_fetched (simulation, PETROV);
  g_assert_cmpuint (pochta_simulation_get_n_fetched (simulation, PETROV), ==, 2);
  g_assert_cmpuint (pochta_simulation_get_n_fetched (simulation, "petrov@COMP3.otd2.constr.org"), ==, 2);
  g_assert_cmpuint (pochta_simulation_get_n_fetched (simulation, IVANOV), ==, 0);
  g_assert_cmpuint (fetched->len, ==, keep ? 2 : 0);
}

/* The event counts match the MTA items of a recorded run, and are the
 * same when the events are neither recorded nor announced. */
static GHashTable *
run_two_letters_and_a_bounce (gboolean record)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (7);
  g_autoptr (GError) error = NULL;

  pochta_simulation_set_record_events (simulation, record);
  pochta_simulation_set_announce_items (simulation, record);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "One", "Hello!\n", &error);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, "Nobody@comp3.otd2.constr.org", NULL },
                            "Two", "Hello!\n", &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_no_error (error);

  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) events = pochta_simulation_list_events (simulation);
  for (guint i = 0; events[i] != NULL; i++)
    {
      if (i > 0)
        g_assert_cmpstr (events[i - 1], <, events[i]);
      guint64 *n = g_new (guint64, 1);
      *n = pochta_simulation_get_n_events (simulation, events[i]);
      g_assert_cmpuint (*n, >, 0);
      g_hash_table_insert (counts, g_strdup (events[i]), n);
    }
  g_assert_cmpuint (pochta_simulation_get_n_events (simulation, "no-such-event"), ==, 0);

  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GHashTable) items = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind != POCHTA_ITEM_MTA)
        continue;
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (items, item->event));
      g_hash_table_insert (items, item->event, GUINT_TO_POINTER (n + 1));
    }
  if (!record)
    g_assert_cmpuint (g_hash_table_size (items), ==, 0);
  else
    {
      g_assert_cmpuint (g_hash_table_size (items), ==, g_hash_table_size (counts));
      GHashTableIter iter;
      gpointer name, n;
      g_hash_table_iter_init (&iter, items);
      while (g_hash_table_iter_next (&iter, &name, &n))
        g_assert_cmpuint (GPOINTER_TO_UINT (n), ==, *(guint64 *) g_hash_table_lookup (counts, name));
    }
  return counts;
}

static void
test_event_counts (void)
{
  g_autoptr (GHashTable) recorded = run_two_letters_and_a_bounce (TRUE);
  g_autoptr (GHashTable) counted = run_two_letters_and_a_bounce (FALSE);

  /* Both letters reach Petrov; Nobody's copy bounces back to Ivanov,
   * whose mailbox stores the report. */
  g_assert_cmpuint (*(guint64 *) g_hash_table_lookup (recorded, "stored"), ==, 3);
  g_assert_cmpuint (*(guint64 *) g_hash_table_lookup (recorded, "bounced"), ==, 1);
  g_assert_cmpuint (g_hash_table_size (counted), ==, g_hash_table_size (recorded));
  GHashTableIter iter;
  gpointer name, n;
  g_hash_table_iter_init (&iter, recorded);
  while (g_hash_table_iter_next (&iter, &name, &n))
    g_assert_cmpuint (*(guint64 *) n, ==, *(guint64 *) g_hash_table_lookup (counted, name));
}

static void
count_item (PochtaSimulation *simulation, const PochtaTranscriptItem *item, gpointer data)
{
  (*(guint *) data)++;
}

/* Items not announced are still recorded; announced again, they are
 * signalled again. */
static void
test_announce_items (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (5);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;
  guint announced = 0;
  Counts counts = { 0 };

  g_signal_connect (simulation, "item-added", G_CALLBACK (count_item), &announced);
  g_signal_connect (simulation, "changed", G_CALLBACK (on_changed), &counts);
  pochta_simulation_set_announce_items (simulation, FALSE);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "One",
                            "Hello!\n", &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_no_error (error);
  guint recorded = pochta_transcript_get_n_items (transcript);
  g_assert_cmpuint (recorded, >, 20);
  g_assert_cmpuint (announced, ==, 0);
  g_assert_cmpuint (counts.changes, ==, 0);

  pochta_simulation_set_announce_items (simulation, TRUE);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "Two",
                            "Hello!\n", &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_cmpuint (announced, ==, pochta_transcript_get_n_items (transcript) - recorded);
  g_assert_cmpuint (counts.changes, >=, 2);
}

/* The scenario of run_scenario () a second at a time, nothing announced,
 * lines and MTA events held back when defer (as the loopback bridge does)
 * and recorded at the end of each step; counts the steps after which
 * something was held. */
static char *
run_stepwise (gboolean defer, guint line_limit, guint *out_held_steps)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (42);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  pochta_simulation_set_announce_items (simulation, FALSE);
  pochta_simulation_set_defer_recording (simulation, defer);
  pochta_simulation_set_line_limit (simulation, line_limit);
  pochta_simulation_set_fault (simulation, POCHTA_FAULT_SLOW_LINK, "otd2-backbone", TRUE, 4,
                               &error);
  pochta_simulation_submit (simulation, IVANOV,
                            (const char *const[]){ PETROV, "Sidirov@comp3.otd2.constr.org", NULL },
                            "One", "Hello!\n..dots\n", &error);
  guint console
    = pochta_simulation_connect (simulation, "comp2.otd1.constr.org", COMP3, 25, &error);
  pochta_simulation_send_line (simulation, console, "EHLO comp2.otd1.constr.org", &error);
  pochta_simulation_send_line (simulation, console, "QUIT", &error);
  g_assert_no_error (error);
  *out_held_steps = 0;
  for (guint second = 0; second < 600 && !pochta_simulation_is_idle (simulation); second++)
    {
      pochta_simulation_advance (simulation, G_TIME_SPAN_SECOND);
      /* Read without asking the simulation, which would record them. */
      guint recorded = pochta_transcript_get_n_items (transcript);
      pochta_simulation_flush_recording (simulation);
      if (pochta_transcript_get_n_items (transcript) > recorded)
        (*out_held_steps)++;
    }
  g_assert_true (pochta_simulation_is_idle (simulation));
  return sim_dump_transcript (pochta_simulation_get_transcript (simulation));
}

/* Held items go into the transcript in the order and at the times they
 * came: the transcript is the same byte for byte, with or without a line
 * limit; getting the transcript records them, and so does turning
 * deferring off. */
static void
test_defer_recording (void)
{
  guint held_steps = 0;
  g_autofree char *direct = run_stepwise (FALSE, 0, &held_steps);
  g_assert_cmpuint (held_steps, ==, 0);
  g_autofree char *held = run_stepwise (TRUE, 0, &held_steps);
  g_assert_cmpuint (held_steps, >, 0);
  g_assert_cmpstr (held, ==, direct);

  g_autofree char *direct_limited = run_stepwise (FALSE, 25, &held_steps);
  g_autofree char *held_limited = run_stepwise (TRUE, 25, &held_steps);
  g_assert_nonnull (strstr (held_limited, "limit of 25 lines"));
  g_assert_cmpstr (held_limited, ==, direct_limited);

  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (42);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;
  pochta_simulation_set_announce_items (simulation, FALSE);
  pochta_simulation_set_defer_recording (simulation, TRUE);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "Two",
                            "Hello!\n", &error);
  g_assert_no_error (error);
  pochta_simulation_advance (simulation, 2 * G_TIME_SPAN_SECOND);
  guint before = pochta_transcript_get_n_items (transcript);
  pochta_simulation_set_defer_recording (simulation, FALSE);
  g_assert_cmpuint (pochta_transcript_get_n_items (transcript), >, before);
  pochta_simulation_set_defer_recording (simulation, TRUE);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "Three",
                            "Hello!\n", &error);
  pochta_simulation_advance (simulation, 2 * G_TIME_SPAN_SECOND);
  before = pochta_transcript_get_n_items (transcript);
  g_assert_cmpuint (pochta_transcript_get_n_items (pochta_simulation_get_transcript (simulation)),
                    >, before);
  pochta_simulation_run_until_idle (simulation);
  /* Items announced are never held. */
  pochta_simulation_set_defer_recording (simulation, TRUE);
  pochta_simulation_set_announce_items (simulation, TRUE);
  pochta_simulation_submit (simulation, IVANOV, (const char *const[]){ PETROV, NULL }, "Four",
                            "Hello!\n", &error);
  pochta_simulation_advance (simulation, 2 * G_TIME_SPAN_SECOND);
  before = pochta_transcript_get_n_items (transcript);
  pochta_simulation_flush_recording (simulation);
  g_assert_cmpuint (pochta_transcript_get_n_items (transcript), ==, before);
}

/* A "line-limit-reached" handler that records HANDLER_EVENTS events of
 * about 100 bytes: more than the held buffers' first room (64 items,
 * 4 KiB of text), so that holding them while the held items are recorded
 * makes the buffers grow. */
#define HANDLER_EVENTS 300

static void
record_on_limit (PochtaSimulation *simulation, guint limit, gpointer user_data)
{
  for (guint i = 0; i < HANDLER_EVENTS; i++)
    {
      g_autofree char *text = g_strdup_printf (
        "event %u of the handler, recorded while the line limit of %u is being reached", i, limit);
      pochta_simulation_record_event (simulation, "comp3.otd2.constr.org", "limit-handler", text);
    }
}

/* The transcript's items in order, without their times: kind and text. */
static char *
dump_without_times (PochtaTranscript *transcript)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      g_string_append_printf (out, "%d %s\n", item->kind, item->text);
    }
  return g_string_free (out, FALSE);
}

static char *
run_with_limit_handler (gboolean defer)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (42);
  g_autoptr (GError) error = NULL;

  pochta_simulation_set_announce_items (simulation, FALSE);
  pochta_simulation_set_defer_recording (simulation, defer);
  pochta_simulation_set_line_limit (simulation, 30);
  g_signal_connect (simulation, "line-limit-reached", G_CALLBACK (record_on_limit), NULL);
  pochta_simulation_submit (simulation, IVANOV,
                            (const char *const[]){ PETROV, "Sidirov@comp3.otd2.constr.org", NULL },
                            "One", "Hello!\nA second line\nA third\n..dots\n", &error);
  g_assert_no_error (error);
  for (guint second = 0; second < 600 && !pochta_simulation_is_idle (simulation); second++)
    {
      pochta_simulation_advance (simulation, G_TIME_SPAN_SECOND);
      pochta_simulation_flush_recording (simulation);
    }
  g_assert_true (pochta_simulation_is_idle (simulation));
  return dump_without_times (pochta_simulation_get_transcript (simulation));
}

/* What a handler records while held items are being recorded goes in
 * right after the item that raised its signal, as it would without
 * holding, and the held buffers may grow meanwhile (under ASan a stale
 * pointer into them would show). */
static void
test_defer_recording_reentrant (void)
{
  g_autofree char *direct = run_with_limit_handler (FALSE);
  g_autofree char *held = run_with_limit_handler (TRUE);
  const char *note = strstr (held, "transcript limit of 30 lines reached");

  g_assert_nonnull (note);
  /* The note, then the handler's events, one after the other. */
  const char *first = strchr (note, '\n') + 1;
  g_assert_true (g_str_has_prefix (first, "1 event 0 of the handler"));
  g_assert_nonnull (strstr (held, "event 299 of the handler"));
  g_assert_cmpstr (held, ==, direct);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/simulation/determinism", test_determinism);
  g_test_add_func ("/sim/simulation/console/lock-step", test_console_lock_step);
  g_test_add_func ("/sim/simulation/console/refused", test_console_refused);
  g_test_add_func ("/sim/simulation/console/pop3-hang-up", test_console_pop3_and_hang_up);
  g_test_add_func ("/sim/simulation/step", test_step);
  g_test_add_func ("/sim/simulation/refused-actions", test_refused_actions);
  g_test_add_func ("/sim/simulation/end-mid-flight", test_end_mid_flight);
  g_test_add_func ("/sim/simulation/line-limit", test_line_limit);
  g_test_add_func ("/sim/simulation/announce-items", test_announce_items);
  g_test_add_func ("/sim/simulation/defer-recording", test_defer_recording);
  g_test_add_func ("/sim/simulation/defer-recording/reentrant", test_defer_recording_reentrant);
  g_test_add_func ("/sim/simulation/event-counts", test_event_counts);
  g_test_add_data_func ("/sim/simulation/fetched/kept", GINT_TO_POINTER (TRUE), test_fetched_counted);
  g_test_add_data_func ("/sim/simulation/fetched/counted", GINT_TO_POINTER (FALSE),
                        test_fetched_counted);
  return g_test_run ();
}
