/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of every fault (fault.h), switched on and off while mail flows:
 * host down, link down, mailbox full, greylisting, slow link, SIZE limit;
 * and the retries they cause (RFC 5321 §4.5.4.1). */
#include "config.h"

#include <string.h>

#include "sim-helpers.h"

#define IVANOV "Ivanov@comp1.otd1.constr.org"
#define PETROV "Petrov@comp3.otd2.constr.org"
#define KUZNETSOVA "Kuznetsova@comp3.otd2.constr.org"
#define COMP1 "comp1.otd1.constr.org"
#define COMP3 "comp3.otd2.constr.org"
#define MINUTES(n) ((gint64) (n) * G_TIME_SPAN_MINUTE)

static void
set_fault (PochtaSimulation *simulation,
           PochtaFaultKind kind,
           const char *target,
           gboolean on,
           guint64 parameter)
{
  g_autoptr (GError) error = NULL;
  pochta_simulation_set_fault (simulation, kind, target, on, parameter, &error);
  g_assert_no_error (error);
}

static void
submit (PochtaSimulation *simulation, const char *from, const char *const *to)
{
  g_autoptr (GError) error = NULL;
  pochta_simulation_submit (simulation, from, to, "Faults", "Hello!\n", &error);
  g_assert_no_error (error);
}

static gint64
elapsed (PochtaSimulation *simulation)
{
  return pochta_simulation_get_time (simulation) - POCHTA_SIMULATION_DEFAULT_START;
}

/* Host down, then up again: the letter waits in comp1's queue and goes at
 * the first retry after comp3 is back. */
static void
test_host_down_retry_then_success (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (11);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);

  set_fault (simulation, POCHTA_FAULT_HOST_DOWN, COMP3, TRUE, 0);
  g_assert_cmpint (pochta_simulation_get_host_state (simulation, COMP3), ==,
                   POCHTA_HOST_STATE_DOWN);
  submit (simulation, IVANOV, (const char *const[]) { PETROV, NULL });
  pochta_simulation_advance (simulation, MINUTES (20));

  /* RFC 5321 §4.5.3.2.1: 5 minutes for a host that does not answer; then
   * 30 minutes to the retry (§4.5.4.1). */
  g_autofree char *failed = sim_mta_events (transcript, COMP1, "connect-failed");
  sim_assert_template (failed, "{ID}: connect to comp3.otd2.constr.org: Connection timed out\n");
  g_autofree char *deferred = sim_mta_events (transcript, COMP1, "deferred");
  sim_assert_template (
    deferred, "{ID}: 1 recipient(s) still queued, next attempt Tue, 14 May 2002 10:50:00 +0400\n");
  g_autoptr (GPtrArray) queue = pochta_simulation_dup_queue (simulation, COMP1, NULL);
  g_assert_cmpuint (queue->len, ==, 1);
  const PochtaMtaEntry *entry = g_ptr_array_index (queue, 0);
  g_assert_cmpint (entry->next_attempt, ==, POCHTA_SIMULATION_DEFAULT_START + MINUTES (35));
  const PochtaMtaRecipient *recipient = g_ptr_array_index (entry->recipients, 0);
  g_assert_cmpstr (recipient->status, ==, "4.4.1");

  set_fault (simulation, POCHTA_FAULT_HOST_DOWN, COMP3, FALSE, 0);
  g_assert_cmpint (pochta_simulation_get_host_state (simulation, COMP3), ==, POCHTA_HOST_STATE_UP);
  pochta_simulation_advance (simulation, MINUTES (20));
  sim_assert_mailbox_size (simulation, PETROV, 1);
  g_autoptr (GArray) hops = sim_find_connections (transcript, COMP1, COMP3);
  g_assert_cmpuint (hops->len, ==, 1);
  g_assert_cmpint (
    pochta_transcript_get_connection (transcript, g_array_index (hops, guint, 0))->open_time, ==,
    POCHTA_SIMULATION_DEFAULT_START + MINUTES (35) + 41000);
  g_autoptr (GPtrArray) empty = pochta_simulation_dup_queue (simulation, COMP1, NULL);
  g_assert_cmpuint (empty->len, ==, 0);
}

/* Host down for good: retries until the give-up time, then a bounce
 * with 5.4.7 (checklist Q04). */
static void
test_host_down_retry_then_bounce (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (12);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  PochtaMtaConfig config = { .give_up = MINUTES (180) };

  pochta_simulation_set_mta_config (simulation, &config);
  set_fault (simulation, POCHTA_FAULT_HOST_DOWN, COMP3, TRUE, 0);
  submit (simulation, IVANOV, (const char *const[]) { PETROV, NULL });
  pochta_simulation_run_until_idle (simulation);

  /* Tries at 0, 35, 100 and 180 minutes, each failing 5 minutes later. */
  g_autofree char *deferred = sim_mta_events (transcript, COMP1, "deferred");
  sim_assert_template (
    deferred, "{ID}: 1 recipient(s) still queued, next attempt Tue, 14 May 2002 10:50:00 +0400\n"
              "{ID}: 1 recipient(s) still queued, next attempt Tue, 14 May 2002 11:55:00 +0400\n"
              "{ID}: 1 recipient(s) still queued, next attempt Tue, 14 May 2002 13:15:00 +0400\n");
  g_autofree char *expired = sim_mta_events (transcript, COMP1, "expired");
  sim_assert_template (expired, "{ID}: given up after 4 attempt(s)\n");
  g_assert_cmpint (elapsed (simulation), ==, MINUTES (185));

  g_autoptr (GPtrArray) ivanov = sim_mailbox (simulation, IVANOV, 1);
  g_autofree char *summary = sim_python_read_dsn (g_ptr_array_index (ivanov, 0));
  if (summary != NULL)
    g_assert_nonnull (
      strstr (summary, "recipient: rfc822; Petrov@comp3.otd2.constr.org | failed | 5.4.7 | None | "
                       "X-Pochta; connect to comp3.otd2.constr.org: Connection timed out\n"));
  sim_assert_mailbox_size (simulation, PETROV, 0);
}

/* A host that goes down cuts its open connections: both ends see the end
 * of input, and the transcript closes the connection then. */
static void
test_host_down_cuts_connections (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (13);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  guint console = pochta_simulation_connect (simulation, COMP1, COMP3, 25, &error);
  g_assert_no_error (error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_true (pochta_simulation_connection_is_open (simulation, console));
  guint id = pochta_simulation_connection_get_transcript_id (simulation, console);
  g_assert_cmpuint (id, ==, 1);

  set_fault (simulation, POCHTA_FAULT_HOST_DOWN, COMP3, TRUE, 0);
  g_assert_false (pochta_simulation_connection_is_open (simulation, console));
  g_assert_cmpint (pochta_transcript_get_connection (transcript, id)->close_time, ==,
                   pochta_simulation_get_time (simulation));
  g_autofree char *lost = sim_mta_events (transcript, COMP1, "connection-lost");
  g_assert_cmpstr (lost, ==,
                   "comp1.otd1.constr.org:49152 -> comp3.otd2.constr.org:25: the host went down; "
                   "bytes in flight are lost\n");
  g_assert_false (pochta_simulation_send_line (simulation, console, "NOOP", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_NO_CONNECTION);
  g_clear_error (&error);

  /* A down host's users cannot use it; connections to it time out. */
  g_assert_false (pochta_simulation_submit (
    simulation, PETROV, (const char *const[]){ IVANOV, NULL }, "x", "y", &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_HOST_DOWN);
  g_clear_error (&error);
  g_assert_false (pochta_simulation_fetch (simulation, PETROV, TRUE, &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_HOST_DOWN);
  g_clear_error (&error);
  gint64 start = pochta_simulation_get_time (simulation);
  guint unanswered = pochta_simulation_connect (simulation, COMP1, COMP3, 110, &error);
  g_assert_no_error (error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_false (pochta_simulation_connection_is_open (simulation, unanswered));
  g_assert_cmpint (pochta_simulation_get_time (simulation) - start, ==, MINUTES (5));
  g_autofree char *failed = sim_mta_events (transcript, COMP1, "connect-failed");
  g_assert_cmpstr (
    failed, ==,
    "console from comp1.otd1.constr.org to comp3.otd2.constr.org: Connection timed out\n");
}

/* The backbone to otd2 is down: no path, so comp1 times out; with the
 * link up again the retry gets through.  A link that fails under an open
 * connection cuts it. */
static void
test_link_down (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (14);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  guint console = pochta_simulation_connect (simulation, "comp4.otd2.constr.org", "mail.constr.org",
                                             25, &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_true (pochta_simulation_connection_is_open (simulation, console));

  set_fault (simulation, POCHTA_FAULT_LINK_DOWN, "otd2-backbone", TRUE, 0);
  g_assert_false (pochta_simulation_connection_is_open (simulation, console));
  g_autofree char *lost = sim_mta_events (transcript, "comp4.otd2.constr.org", "connection-lost");
  g_assert_cmpstr (lost, ==,
                   "comp4.otd2.constr.org:49152 -> mail.constr.org:25: no path left between the "
                   "hosts; bytes in flight are lost\n");

  submit (simulation, IVANOV, (const char *const[]) { PETROV, NULL });
  pochta_simulation_advance (simulation, MINUTES (10));
  g_autofree char *failed = sim_mta_events (transcript, COMP1, "connect-failed");
  sim_assert_template (
    failed, "{ID}: connect to comp3.otd2.constr.org: Connection timed out (no route to host)\n");
  /* Inside otd2 nothing changed. */
  submit (simulation, PETROV, (const char *const[]) { "Smirnov@comp4.otd2.constr.org", NULL });
  pochta_simulation_advance (simulation, G_TIME_SPAN_SECOND);
  sim_assert_mailbox_size (simulation, "Smirnov@comp4.otd2.constr.org", 1);

  set_fault (simulation, POCHTA_FAULT_LINK_DOWN, "otd2-backbone", FALSE, 0);
  pochta_simulation_run_until_idle (simulation);
  sim_assert_mailbox_size (simulation, PETROV, 1);
  g_assert_false (pochta_simulation_set_fault (simulation, POCHTA_FAULT_LINK_DOWN, "otd9-backbone",
                                               TRUE, 0, &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_LINK);
}

/* A full mailbox answers 452 (the seed profile has no enhanced codes);
 * the other recipient of the same transaction gets the letter, the full
 * one at a retry once there is room. */
static void
test_mailbox_full (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (15);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);

  set_fault (simulation, POCHTA_FAULT_MAILBOX_FULL, "petrov@comp3.otd2.constr.org", TRUE, 0);
  submit (simulation, IVANOV, (const char *const[]) { PETROV, KUZNETSOVA, NULL });
  pochta_simulation_advance (simulation, MINUTES (1));
  g_autofree char *temporary = sim_mta_events (transcript, COMP1, "temporary-failure");
  sim_assert_template (
    temporary, "{ID}: <Petrov@comp3.otd2.constr.org> to comp3.otd2.constr.org: 452 Mailbox full\n");
  sim_assert_mailbox_size (simulation, KUZNETSOVA, 1);
  sim_assert_mailbox_size (simulation, PETROV, 0);

  set_fault (simulation, POCHTA_FAULT_MAILBOX_FULL, PETROV, FALSE, 0);
  pochta_simulation_run_until_idle (simulation);
  sim_assert_mailbox_size (simulation, PETROV, 1);
  sim_assert_mailbox_size (simulation, KUZNETSOVA, 1);
  g_autoptr (GArray) hops = sim_find_connections (transcript, COMP1, COMP3);
  g_autofree char *second = sim_connection_lines (transcript, g_array_index (hops, guint, 1));
  /* The retry names only the recipient still queued. */
  g_assert_nonnull (
    strstr (second, "C: RCPT TO:<Petrov@comp3.otd2.constr.org>\nS: 250 OK\nC: DATA\n"));
  g_assert_null (strstr (second, "RCPT TO:<Kuznetsova"));
}

/* Greylisting: 450 on the first try of a (client, sender, recipient);
 * the retry 30 minutes later, past the 5-minute delay, gets through.
 * comp1 is an rfc821 host, so comp3 cannot authenticate to it (an
 * authenticated client is never greylisted). */
static void
test_greylisting (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (16);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);

  set_fault (simulation, POCHTA_FAULT_GREYLISTING, COMP1, TRUE, 0);
  submit (simulation, PETROV, (const char *const[]) { IVANOV, NULL });
  /* comp1's own users are not greylisted by their own host. */
  submit (simulation, IVANOV, (const char *const[]) { IVANOV, NULL });
  pochta_simulation_run_until_idle (simulation);

  g_autoptr (GArray) hops = sim_find_connections (transcript, COMP3, COMP1);
  g_assert_cmpuint (hops->len, ==, 2);
  g_autofree char *first = sim_connection_lines (transcript, g_array_index (hops, guint, 0));
  g_autofree char *second = sim_connection_lines (transcript, g_array_index (hops, guint, 1));
  g_assert_nonnull (
    strstr (first, "C: RCPT TO:<Ivanov@comp1.otd1.constr.org>\nS: 450 Greylisted, try again later\n"
                   "C: RSET\nS: 250 OK\nC: QUIT\n"));
  g_assert_nonnull (strstr (second, "C: RCPT TO:<Ivanov@comp1.otd1.constr.org>\nS: 250 OK\n"));
  g_assert_cmpint (
    pochta_transcript_get_connection (transcript, g_array_index (hops, guint, 1))->open_time
      - pochta_transcript_get_connection (transcript, g_array_index (hops, guint, 0))->open_time,
    >, MINUTES (30));
  sim_assert_mailbox_size (simulation, IVANOV, 2);
}

/* A slow link multiplies its latency: 20 ms of backbone become 200, for
 * the connections opened while it is slow. */
static void
test_slow_link (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (17);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  set_fault (simulation, POCHTA_FAULT_SLOW_LINK, "otd1-backbone", TRUE, 0);
  gint64 start = pochta_simulation_get_time (simulation);
  guint slow = pochta_simulation_connect (simulation, COMP1, COMP3, 25, &error);
  pochta_simulation_send_line (simulation, slow, "QUIT", &error);
  g_assert_no_error (error);
  pochta_simulation_run_until_idle (simulation);
  const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, 1);
  g_assert_cmpint (c->open_time - start, ==, 500 + 200000 + 20000 + 500);

  set_fault (simulation, POCHTA_FAULT_SLOW_LINK, "otd1-backbone", TRUE, 3);
  start = pochta_simulation_get_time (simulation);
  pochta_simulation_connect (simulation, COMP1, COMP3, 25, &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_cmpint (pochta_transcript_get_connection (transcript, 2)->open_time - start, ==, 81000);

  set_fault (simulation, POCHTA_FAULT_SLOW_LINK, "otd1-backbone", FALSE, 0);
  start = pochta_simulation_get_time (simulation);
  pochta_simulation_connect (simulation, COMP1, COMP3, 25, &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_cmpint (pochta_transcript_get_connection (transcript, 3)->open_time - start, ==, 41000);
}

/* A SIZE limit: comp3 (seed) advertises it, so comp1's client refuses
 * the letter itself and bounces it (RFC 1870 §6.1); comp1 (rfc821) has
 * no SIZE in its greeting, so it reads the whole letter and answers 552
 * (§6.3), which the agent reports. */
static void
test_size_limit (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (18);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  g_assert_false (
    pochta_simulation_set_fault (simulation, POCHTA_FAULT_SIZE_LIMIT, COMP3, TRUE, 0, &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID);
  g_clear_error (&error);

  set_fault (simulation, POCHTA_FAULT_SIZE_LIMIT, COMP3, TRUE, 300);
  submit (simulation, IVANOV, (const char *const[]) { PETROV, NULL });
  pochta_simulation_run_until_idle (simulation);
  g_autoptr (GArray) hops = sim_find_connections (transcript, COMP1, COMP3);
  g_autofree char *lines = sim_connection_lines (transcript, g_array_index (hops, guint, 0));
  g_assert_nonnull (strstr (lines, "S: 250-SIZE 300\n"));
  g_assert_null (strstr (lines, "C: MAIL"));
  g_autoptr (GPtrArray) ivanov = sim_mailbox (simulation, IVANOV, 1);
  g_autofree char *summary = sim_python_read_dsn (g_ptr_array_index (ivanov, 0));
  if (summary != NULL)
    g_assert_nonnull (strstr (summary,
                              "recipient: rfc822; Petrov@comp3.otd2.constr.org | failed | 5.0.0 | "
                              "dns; comp3.otd2.constr.org | smtp; 552 "));

  set_fault (simulation, POCHTA_FAULT_SIZE_LIMIT, COMP3, FALSE, 0);
  set_fault (simulation, POCHTA_FAULT_SIZE_LIMIT, COMP1, TRUE, 100);
  submit (simulation, IVANOV, (const char *const[]) { PETROV, NULL });
  pochta_simulation_run_until_idle (simulation);
  g_autofree char *refused = sim_mta_events (transcript, COMP1, "submit-failed");
  g_assert_nonnull (strstr (refused, "552"));
  sim_assert_mailbox_size (simulation, PETROV, 0);
}

static void
test_fault_names_and_targets (void)
{
  static const char *const names[] = {
    "host-down", "link-down", "mailbox-full", "greylisting", "slow-link", "size-limit",
  };
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (19);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      PochtaFaultKind kind = POCHTA_N_FAULTS;
      g_assert_true (pochta_fault_kind_from_string (names[i], &kind));
      g_assert_cmpint (kind, ==, (PochtaFaultKind) i);
      g_assert_cmpstr (pochta_fault_kind_to_string (kind), ==, names[i]);
    }
  g_assert_false (pochta_fault_kind_from_string ("meteor", NULL));

  g_assert_false (pochta_simulation_set_fault (simulation, POCHTA_FAULT_HOST_DOWN,
                                               "comp9.otd1.constr.org", TRUE, 0, &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_HOST);
  g_clear_error (&error);
  g_assert_false (pochta_simulation_set_fault (simulation, POCHTA_FAULT_MAILBOX_FULL,
                                               "Sidirov@comp3.otd2.constr.org", TRUE, 0, &error));
  g_assert_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_USER);
  g_clear_error (&error);

  /* Every switch is a note in the transcript. */
  set_fault (simulation, POCHTA_FAULT_GREYLISTING, COMP3, TRUE, 0);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, 0);
  g_assert_cmpint (item->kind, ==, POCHTA_ITEM_NOTE);
  g_assert_cmpstr (item->text, ==, "fault greylisting on comp3.otd2.constr.org");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/fault/host-down/retry-then-success", test_host_down_retry_then_success);
  g_test_add_func ("/sim/fault/host-down/retry-then-bounce", test_host_down_retry_then_bounce);
  g_test_add_func ("/sim/fault/host-down/cuts-connections", test_host_down_cuts_connections);
  g_test_add_func ("/sim/fault/link-down", test_link_down);
  g_test_add_func ("/sim/fault/mailbox-full", test_mailbox_full);
  g_test_add_func ("/sim/fault/greylisting", test_greylisting);
  g_test_add_func ("/sim/fault/slow-link", test_slow_link);
  g_test_add_func ("/sim/fault/size-limit", test_size_limit);
  g_test_add_func ("/sim/fault/names-and-targets", test_fault_names_and_targets);
  return g_test_run ();
}
