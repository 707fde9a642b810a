/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the scenario runner: the thesis lesson on the simulation (its
 * CRAM-MD5 answer recomputed here), determinism of whole transcripts,
 * replaying to a step, expectations that fail, every Respond= mechanism,
 * pipelining and the checks. */
#include "config.h"

#include <string.h>

#include "scenario-runner.h"
#include "transcript-export.h"

static PochtaScenario *
load (const char *data)
{
  g_autoptr (GError) error = NULL;
  PochtaScenario *scenario = pochta_scenario_load_data (data, strlen (data), "t.scenario", "C", &error);
  g_assert_no_error (error);
  return scenario;
}

static PochtaScenarioRunner *
runner_new (PochtaScenario *scenario)
{
  g_autoptr (GError) error = NULL;
  PochtaScenarioRunner *runner = pochta_scenario_runner_new (scenario, &error);
  g_assert_no_error (error);
  return runner;
}

static PochtaTranscript *
transcript_of (PochtaScenarioRunner *runner)
{
  return pochta_simulation_get_transcript (pochta_scenario_runner_get_simulation (runner));
}

/* The LINE items of the transcript as "C: ..." and "S: ..." lines. */
static char *
wire_lines (PochtaScenarioRunner *runner, guint first, guint end)
{
  PochtaTranscript *transcript = transcript_of (runner);
  GString *out = g_string_new (NULL);
  for (guint i = first; i < end; i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind == POCHTA_ITEM_LINE)
        g_string_append_printf (out, "%s: %.*s\n", item->direction == POCHTA_DIRECTION_CLIENT ? "C" : "S",
                                (int) item->length, item->text);
    }
  return g_string_free (out, FALSE);
}

static char *
export_json (PochtaScenarioRunner *runner)
{
  g_autoptr (GBytes) json = pochta_transcript_export_json (transcript_of (runner));
  gsize len;
  const char *data = g_bytes_get_data (json, &len);
  return g_strndup (data, len);
}

static const PochtaTranscriptItem *
find_line (PochtaScenarioRunner *runner, const char *prefix)
{
  PochtaTranscript *transcript = transcript_of (runner);
  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind == POCHTA_ITEM_LINE && g_str_has_prefix (item->text, prefix))
        return item;
    }
  return NULL;
}

/* ---- the thesis session ---- */

static void
test_thesis (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) lesson = pochta_scenario_load_builtin ("seed-session", "C", &error);
  g_assert_no_error (error);
  g_autoptr (PochtaScenarioRunner) runner = runner_new (lesson);

  g_assert_cmpuint (pochta_scenario_runner_run_all (runner), ==, 0);
  g_assert_cmpuint (pochta_scenario_runner_get_position (runner), ==, 11);
  PochtaTranscript *transcript = transcript_of (runner);
  g_assert_cmpuint (pochta_transcript_get_n_connections (transcript), ==, 1);
  const PochtaTranscriptConnection *connection = pochta_transcript_get_connection (transcript, 1);
  g_assert_cmpstr (connection->client_host, ==, "comp1.otd1.constr.org");
  g_assert_cmpstr (connection->server_host, ==, "comp3.otd2.constr.org");

  /* The thesis' numbering: 40 lines, the greeting first. */
  const PochtaTranscriptItem *last = NULL;
  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    if (pochta_transcript_get_item (transcript, i)->kind == POCHTA_ITEM_LINE)
      last = pochta_transcript_get_item (transcript, i);
  g_assert_cmpuint (last->line_number, ==, 40);
  g_assert_cmpstr (find_line (runner, "220 ")->text, ==, "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready");
  g_assert_cmpuint (find_line (runner, "220 ")->line_number, ==, 1);
  g_assert_cmpuint (find_line (runner, "550 ")->line_number, ==, 23);

  /* RFC 2195 §2: line 12 is base64 of "Ivanov " and the hex HMAC-MD5 of
   * line 11's challenge keyed with ivanov123. */
  const PochtaTranscriptItem *challenge_line = find_line (runner, "334 ");
  g_assert_cmpuint (challenge_line->line_number, ==, 11);
  gsize len;
  g_autofree guchar *challenge = g_base64_decode (challenge_line->text + 4, &len);
  g_autofree char *digest = g_compute_hmac_for_data (G_CHECKSUM_MD5, (const guchar *) "ivanov123", 9, challenge, len);
  g_autofree char *plain = g_strdup_printf ("Ivanov %s", digest);
  g_autofree char *expected = g_base64_encode ((const guchar *) plain, strlen (plain));
  const PochtaTranscriptItem *response = pochta_transcript_get_item (transcript, challenge_line->index + 1);
  g_assert_cmpuint (response->line_number, ==, 12);
  g_assert_cmpstr (response->text, ==, expected);

  /* Each step's result: the reply its Expect= saw. */
  const PochtaStepResult *sidirov = pochta_scenario_runner_get_result (runner, 7);
  g_assert_true (sidirov->passed);
  g_assert_cmpstr (sidirov->expected, ==, "550");
  g_assert_cmpstr (sidirov->actual, ==, "550 No such user here");
  g_assert_null (sidirov->failure);
  const PochtaStepResult *ehlo = pochta_scenario_runner_get_result (runner, 1);
  g_assert_cmpstr (ehlo->actual, ==, "250 VRFY");
  g_autofree char *ehlo_lines = wire_lines (runner, ehlo->first_item, ehlo->end_item);
  g_assert_cmpstr (ehlo_lines, ==,
                   "C: EHLO comp1.otd1.constr.org\n"
                   "S: 250-comp3.otd2.constr.org says hello\n"
                   "S: 250-HELP\n"
                   "S: 250-AUTH CRAM-MD5 DIGEST-MD5\n"
                   "S: 250-SIZE 10240000\n"
                   "S: 250-ETRN\n"
                   "S: 250-TURN\n"
                   "S: 250 VRFY\n");
  g_assert_false (pochta_scenario_runner_next_step (runner));
  g_assert_null (pochta_scenario_runner_get_result (runner, 11));
}

/* ---- determinism and replay ---- */

static void
test_same_seed_same_json (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) lesson = pochta_scenario_load_builtin ("seed-session", "C", &error);
  g_assert_no_error (error);

  g_autoptr (PochtaScenarioRunner) first = runner_new (lesson);
  g_autoptr (PochtaScenarioRunner) second = runner_new (lesson);
  pochta_scenario_runner_run_all (first);
  pochta_scenario_runner_run_all (second);
  g_autofree char *a = export_json (first);
  g_autofree char *b = export_json (second);
  g_assert_cmpstr (a, ==, b);

  /* Another seed, another challenge: the transcript differs, and every
   * step still passes because Respond= answers whatever challenge comes. */
  g_autoptr (PochtaScenarioRunner) other = runner_new (lesson);
  g_assert_true (pochta_scenario_runner_set_seed (other, 7, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pochta_scenario_runner_get_seed (other), ==, 7);
  g_assert_cmpuint (pochta_scenario_runner_run_all (other), ==, 0);
  g_autofree char *c = export_json (other);
  g_assert_cmpstr (a, !=, c);
}

static void
count_simulations (PochtaScenarioRunner *runner, PochtaSimulation *simulation, guint *count)
{
  g_assert_true (POCHTA_IS_SIMULATION (simulation));
  /* Observers see the fresh simulation before any step touched it. */
  g_assert_cmpuint (pochta_transcript_get_n_items (pochta_simulation_get_transcript (simulation)), ==, 0);
  (*count)++;
}

static void
test_replay (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) lesson = pochta_scenario_load_builtin ("seed-session", "C", &error);
  g_assert_no_error (error);
  g_autoptr (PochtaScenarioRunner) runner = runner_new (lesson);
  guint created = 0;
  g_signal_connect (runner, "simulation-created", G_CALLBACK (count_simulations), &created);

  for (guint i = 0; i < 5; i++)
    g_assert_true (pochta_scenario_runner_next_step (runner));
  g_autofree char *at_five = export_json (runner);
  PochtaSimulation *before = pochta_scenario_runner_get_simulation (runner);
  g_object_add_weak_pointer (G_OBJECT (before), (gpointer *) &before);
  pochta_scenario_runner_run_all (runner);

  /* Step back to step 5: a new simulation with the same five steps. */
  g_assert_true (pochta_scenario_runner_replay_to (runner, 5, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (created, ==, 1);
  g_assert_null (before);
  g_assert_cmpuint (pochta_scenario_runner_get_position (runner), ==, 5);
  g_assert_nonnull (pochta_scenario_runner_get_result (runner, 4));
  g_assert_null (pochta_scenario_runner_get_result (runner, 5));
  g_autofree char *again = export_json (runner);
  g_assert_cmpstr (again, ==, at_five);

  /* Petrov's mailbox is empty again, as it was at step 5. */
  g_autoptr (GPtrArray) mailbox = pochta_simulation_dup_mailbox (pochta_scenario_runner_get_simulation (runner),
                                                                 "Petrov@comp3.otd2.constr.org", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mailbox->len, ==, 0);

  g_assert_true (pochta_scenario_runner_replay_to (runner, 0, &error));
  g_assert_cmpuint (pochta_scenario_runner_get_position (runner), ==, 0);
  g_assert_cmpuint (pochta_scenario_runner_run_all (runner), ==, 0);
  g_assert_cmpuint (created, ==, 2);
}

/* ---- failures ---- */

#define HEAD "[Scenario]\nId=t\nNetwork=constr-org\nSeed=3\n"
#define TO_COMP3 "Connection=comp1.otd1.constr.org -> comp3.otd2.constr.org:25\n"

static void
test_failed_expectations (void)
{
  g_autoptr (PochtaScenario) scenario = load (HEAD
    "[Step 01]\n" TO_COMP3 "Expect=220\n"                                    /* 5-7 */
    "[Step 02]\nSend=EHLO comp1.otd1.constr.org\nExpect=/^250 PIPELINING$/\n" /* 8-10 */
    "[Step 03]\nSend=RCPT TO:<Petrov@comp3.otd2.constr.org>\nExpect=250\n"    /* 11-13 */
    "Check=mailbox Petrov@comp3.otd2.constr.org 1\n"                          /* 14 */
    "[Step 04]\nSend=QUIT\nExpect=221\n");
  g_autoptr (PochtaScenarioRunner) runner = runner_new (scenario);

  g_assert_cmpuint (pochta_scenario_runner_run_all (runner), ==, 2);
  g_assert_cmpuint (pochta_scenario_runner_get_n_failures (runner), ==, 2);
  g_assert_true (pochta_scenario_runner_get_result (runner, 0)->passed);

  const PochtaStepResult *ehlo = pochta_scenario_runner_get_result (runner, 1);
  g_assert_false (ehlo->passed);
  g_assert_cmpstr (ehlo->failure, ==, "t.scenario:10: [Step 02] expected /^250 PIPELINING$/, got 250 VRFY");

  const PochtaStepResult *rcpt = pochta_scenario_runner_get_result (runner, 2);
  g_assert_cmpstr (rcpt->expected, ==, "250");
  g_assert_cmpstr (rcpt->actual, ==, "503 Bad sequence of commands: Need MAIL before RCPT");
  g_assert_cmpstr (rcpt->failure, ==,
                   "t.scenario:13: [Step 03] expected 250, got 503 Bad sequence of commands: Need MAIL before RCPT\n"
                   "t.scenario:14: [Step 03] Check=mailbox Petrov@comp3.otd2.constr.org 1 failed: there are 0");
  g_assert_true (pochta_scenario_runner_get_result (runner, 3)->passed);
}

static void
test_failed_action (void)
{
  g_autoptr (PochtaScenario) scenario = load (HEAD
    "[Step 01]\nDo=fault host-down comp1.otd1.constr.org on\n"
    "Do=submit Ivanov@comp1.otd1.constr.org Petrov@comp3.otd2.constr.org s b\n"   /* 7 */
    "[Step 02]\nDo=fault host-down comp1.otd1.constr.org off\n"
    "Do=submit Ivanov@comp1.otd1.constr.org Petrov@comp3.otd2.constr.org s b\n"
    "Check=mailbox Petrov@comp3.otd2.constr.org 1\n");
  g_autoptr (PochtaScenarioRunner) runner = runner_new (scenario);

  g_assert_cmpuint (pochta_scenario_runner_run_all (runner), ==, 1);
  const PochtaStepResult *down = pochta_scenario_runner_get_result (runner, 0);
  g_assert_true (g_str_has_prefix (down->failure,
                                   "t.scenario:7: [Step 01] submit Ivanov@comp1.otd1.constr.org "
                                   "Petrov@comp3.otd2.constr.org s b: "));
  /* The run goes on: the next step works. */
  g_assert_true (pochta_scenario_runner_get_result (runner, 1)->passed);
}

static void
test_no_reply (void)
{
  g_autoptr (PochtaScenario) scenario = load (HEAD
    "[Step 01]\nDo=fault host-down comp3.otd2.constr.org on\n" TO_COMP3 "Expect=220\n");
  g_autoptr (PochtaScenarioRunner) runner = runner_new (scenario);

  g_assert_cmpuint (pochta_scenario_runner_run_all (runner), ==, 1);
  const PochtaStepResult *result = pochta_scenario_runner_get_result (runner, 0);
  g_assert_null (result->actual);
  g_assert_cmpstr (result->failure, ==, "t.scenario:8: [Step 01] expected 220, got no reply");
}

/* ---- Respond= ---- */

typedef struct
{
  const char *mechanism;
  const char *steps;      /* after EHLO */
} MechanismRow;

static void
test_respond (void)
{
  /* comp2 (modern) offers every mechanism; Sidorov authenticates. */
  static const MechanismRow rows[] = {
    { "PLAIN", "[Step 03]\nSend=AUTH PLAIN\nExpect=/^334 ?$/\n"
               "[Step 04]\nRespond=PLAIN Sidorov\nExpect=235\n" },
    { "LOGIN", "[Step 03]\nSend=AUTH LOGIN\nExpect=/^334 VXNlcm5hbWU6$/\n"
               "[Step 04]\nRespond=LOGIN Sidorov\nExpect=/^334 UGFzc3dvcmQ6$/\n"
               "[Step 05]\nRespond=LOGIN Sidorov\nExpect=235\n" },
    { "CRAM-MD5", "[Step 03]\nSend=AUTH CRAM-MD5\nExpect=334\n"
                  "[Step 04]\nRespond=CRAM-MD5 Sidorov\nExpect=235\n" },
    { "DIGEST-MD5", "[Step 03]\nSend=AUTH DIGEST-MD5\nExpect=334\n"
                    "[Step 04]\nRespond=DIGEST-MD5 Sidorov\nExpect=334\n"
                    "[Step 05]\nRespond=DIGEST-MD5 Sidorov\nExpect=235\n" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *text = g_strconcat (HEAD,
        "[Step 01]\nConnection=comp1.otd1.constr.org -> comp2.otd1.constr.org:25\n"
        "[Step 02]\nSend=EHLO comp1.otd1.constr.org\n", rows[i].steps, NULL);
      g_autoptr (PochtaScenario) scenario = load (text);
      g_autoptr (PochtaScenarioRunner) runner = runner_new (scenario);
      guint failures = pochta_scenario_runner_run_all (runner);
      for (guint s = 0; failures > 0 && s < pochta_scenario_runner_get_position (runner); s++)
        if (!pochta_scenario_runner_get_result (runner, s)->passed)
          g_error ("%s: %s", rows[i].mechanism, pochta_scenario_runner_get_result (runner, s)->failure);
    }
}

static void
test_respond_pop3 (void)
{
  g_autoptr (PochtaScenario) scenario = load (HEAD
    "[Step 01]\nDo=submit Ivanov@comp1.otd1.constr.org Petrov@comp3.otd2.constr.org Hi there\n"
    "[Step 02]\nConnection=comp4.otd2.constr.org -> comp3.otd2.constr.org:110\nExpect=+OK\n"
    "[Step 03]\nRespond=APOP Petrov\nExpect=/^\\+OK .*1 message/\n"
    "[Step 04]\nSend=RETR 1\nExpect=+OK\nCheck=line /^S: Subject: Hi$/\nCheck=line /^S: there$/\n"
    "[Step 05]\nSend=QUIT\nExpect=+OK\n"
    "[Step 06]\nConnection=comp4.otd2.constr.org -> comp3.otd2.constr.org:110\n"
    "Send=USER Petrov\nSend=PASS wrong\nExpect=-ERR\n");
  g_autoptr (PochtaScenarioRunner) runner = runner_new (scenario);
  guint failures = pochta_scenario_runner_run_all (runner);
  for (guint s = 0; failures > 0 && s < pochta_scenario_runner_get_position (runner); s++)
    if (!pochta_scenario_runner_get_result (runner, s)->passed)
      g_error ("%s", pochta_scenario_runner_get_result (runner, s)->failure);

  /* RFC 1939 §7: APOP's digest is MD5 of the greeting's timestamp and
   * the secret. */
  const PochtaTranscriptItem *greeting = find_line (runner, "+OK ");
  const char *open = strchr (greeting->text, '<');
  g_autofree char *timestamp = g_strndup (open, (gsize) (strchr (open, '>') - open + 1));
  g_autofree char *secret = g_strconcat (timestamp, "petrov123", NULL);
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_MD5, secret, -1);
  g_autofree char *line = g_strconcat ("APOP Petrov ", digest, NULL);
  g_assert_nonnull (find_line (runner, line));
}

static void
test_respond_without_challenge (void)
{
  g_autoptr (PochtaScenario) scenario = load (HEAD
    "[Step 01]\n" TO_COMP3 "[Step 02]\nRespond=CRAM-MD5 Ivanov\n");
  g_autoptr (PochtaScenarioRunner) runner = runner_new (scenario);
  g_assert_cmpuint (pochta_scenario_runner_run_all (runner), ==, 1);
  g_assert_cmpstr (pochta_scenario_runner_get_result (runner, 1)->failure, ==,
                   "t.scenario:8: [Step 02] CRAM-MD5 Ivanov: the server's last reply "
                   "(220 comp3.otd2.constr.org Simple Mail Transfer Service Ready) is not a challenge");
}

/* ---- lock step and pipelining ---- */

static void
test_pipeline (void)
{
  static const char *const lines =
    "Send=MAIL FROM:<Sidorov@comp2.otd1.constr.org>\n"
    "Send=RCPT TO:<Smirnov@comp4.otd2.constr.org>\n"
    "Send=DATA\n";
  g_autofree char *lock_text = g_strconcat (HEAD,
    "[Step 01]\nConnection=comp2.otd1.constr.org -> comp4.otd2.constr.org:25\nSend=EHLO comp2.otd1.constr.org\n"
    "[Step 02]\n", lines, "Expect=354\n", NULL);
  g_autofree char *pipe_text = g_strconcat (HEAD,
    "[Step 01]\nConnection=comp2.otd1.constr.org -> comp4.otd2.constr.org:25\nSend=EHLO comp2.otd1.constr.org\n"
    "[Step 02]\nPipeline=true\n", lines, "Expect=354\n", NULL);
  g_autoptr (PochtaScenario) lock = load (lock_text);
  g_autoptr (PochtaScenario) pipe = load (pipe_text);
  g_autoptr (PochtaScenarioRunner) lock_runner = runner_new (lock);
  g_autoptr (PochtaScenarioRunner) pipe_runner = runner_new (pipe);
  g_assert_cmpuint (pochta_scenario_runner_run_all (lock_runner), ==, 0);
  g_assert_cmpuint (pochta_scenario_runner_run_all (pipe_runner), ==, 0);

  const PochtaStepResult *lock_step = pochta_scenario_runner_get_result (lock_runner, 1);
  const PochtaStepResult *pipe_step = pochta_scenario_runner_get_result (pipe_runner, 1);
  g_autofree char *lock_lines = wire_lines (lock_runner, lock_step->first_item, lock_step->end_item);
  g_autofree char *pipe_lines = wire_lines (pipe_runner, pipe_step->first_item, pipe_step->end_item);
  g_assert_cmpstr (lock_lines, ==,
                   "C: MAIL FROM:<Sidorov@comp2.otd1.constr.org>\n"
                   "S: 250 2.1.0 Sender OK\n"
                   "C: RCPT TO:<Smirnov@comp4.otd2.constr.org>\n"
                   "S: 250 2.1.5 Recipient OK\n"
                   "C: DATA\n"
                   "S: 354 Start mail input; end with <CRLF>.<CRLF>\n");
  /* RFC 2920 §3.1: the client sends the group at once; the replies come in
   * order. */
  g_assert_cmpstr (pipe_lines, ==,
                   "C: MAIL FROM:<Sidorov@comp2.otd1.constr.org>\n"
                   "C: RCPT TO:<Smirnov@comp4.otd2.constr.org>\n"
                   "C: DATA\n"
                   "S: 250 2.1.0 Sender OK\n"
                   "S: 250 2.1.5 Recipient OK\n"
                   "S: 354 Start mail input; end with <CRLF>.<CRLF>\n");
}

/* ---- the clock and the checks ---- */

static void
test_settle_and_wait (void)
{
  g_autoptr (PochtaScenario) scenario = load (HEAD
    "[Step 01]\nDo=fault greylisting comp4.otd2.constr.org on\n"
    "Do=submit Sidorov@comp2.otd1.constr.org Smirnov@constr.org s b\n"
    "Check=queue mail.constr.org 1\nCheck=event /^mail\\.constr\\.org deferred: /\n"
    "Check=no-event /^\\S+ relayed: .* to comp4/\n"
    "[Step 02]\nDo=wait 29m\nCheck=no-line /./\nCheck=queue mail.constr.org 1\n"
    "[Step 03]\nDo=wait 1m\nExpect=250\nCheck=queue mail.constr.org 0\n"
    "Check=mailbox Smirnov@comp4.otd2.constr.org 1\nCheck=line /^C: RCPT TO:<Smirnov@comp4/\n"
    "[Step 04]\nDo=fetch Smirnov@comp4.otd2.constr.org delete\nCheck=fetched Smirnov@comp4.otd2.constr.org 1\n"
    "Check=mailbox Smirnov@comp4.otd2.constr.org 0\n");
  g_autoptr (PochtaScenarioRunner) runner = runner_new (scenario);
  PochtaSimulation *simulation = pochta_scenario_runner_get_simulation (runner);
  gint64 start = pochta_simulation_get_time (simulation);

  g_assert_true (pochta_scenario_runner_next_step (runner));
  /* Settling ran the exchanges of the moment, not the retry 30 minutes on. */
  g_assert_cmpint (pochta_simulation_get_time (simulation) - start, <, G_TIME_SPAN_SECOND);
  gint64 next;
  g_assert_true (pochta_simulation_peek_next_time (simulation, &next));
  g_assert_cmpint (next - start, >=, 30 * G_TIME_SPAN_MINUTE);

  guint failures = pochta_scenario_runner_run_all (runner);
  for (guint s = 0; failures > 0 && s < pochta_scenario_runner_get_position (runner); s++)
    if (!pochta_scenario_runner_get_result (runner, s)->passed)
      g_error ("%s", pochta_scenario_runner_get_result (runner, s)->failure);
}

static void
test_checks_fail (void)
{
  g_autoptr (PochtaScenario) scenario = load (HEAD
    "[Step 01]\nDo=submit Ivanov@comp1.otd1.constr.org Petrov@comp3.otd2.constr.org s b\n"   /* 5-6 */
    "Check=mailbox Petrov@comp3.otd2.constr.org 2\n"                                          /* 7 */
    "Check=queue comp1.otd1.constr.org 1\n"                                                   /* 8 */
    "Check=event /^\\S+ bounced:/\n"                                                        /* 9 */
    "Check=no-event /^comp1\\S* queued:/\n"                                                   /* 10 */
    "Check=line /^S: 554/\n"                                                                  /* 11 */
    "Check=no-line /^C: DATA$/\n"                                                             /* 12 */
    "Check=fetched Petrov@comp3.otd2.constr.org 1\n");                                        /* 13 */
  g_autoptr (PochtaScenarioRunner) runner = runner_new (scenario);
  g_assert_cmpuint (pochta_scenario_runner_run_all (runner), ==, 1);
  g_auto (GStrv) failures = g_strsplit (pochta_scenario_runner_get_result (runner, 0)->failure, "\n", -1);
  g_assert_cmpuint (g_strv_length (failures), ==, 7);
  g_assert_cmpstr (failures[0], ==,
                   "t.scenario:7: [Step 01] Check=mailbox Petrov@comp3.otd2.constr.org 2 failed: there is 1");
  g_assert_cmpstr (failures[1], ==, "t.scenario:8: [Step 01] Check=queue comp1.otd1.constr.org 1 failed: there are 0");
  g_assert_cmpstr (failures[2], ==, "t.scenario:9: [Step 01] Check=event /^\\S+ bounced:/ failed: nothing in this step matches");
  g_assert_true (g_str_has_prefix (failures[3], "t.scenario:10: [Step 01] Check=no-event /^comp1\\S* queued:/ failed: "
                                                "comp1.otd1.constr.org queued: "));
  g_assert_cmpstr (failures[4], ==, "t.scenario:11: [Step 01] Check=line /^S: 554/ failed: nothing in this step matches");
  g_assert_cmpstr (failures[5], ==, "t.scenario:12: [Step 01] Check=no-line /^C: DATA$/ failed: C: DATA");
  g_assert_cmpstr (failures[6], ==,
                   "t.scenario:13: [Step 01] Check=fetched Petrov@comp3.otd2.constr.org 1 failed: there are 0");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/scenario-runner/thesis", test_thesis);
  g_test_add_func ("/engine/scenario-runner/same-seed-same-json", test_same_seed_same_json);
  g_test_add_func ("/engine/scenario-runner/replay", test_replay);
  g_test_add_func ("/engine/scenario-runner/failed-expectations", test_failed_expectations);
  g_test_add_func ("/engine/scenario-runner/failed-action", test_failed_action);
  g_test_add_func ("/engine/scenario-runner/no-reply", test_no_reply);
  g_test_add_func ("/engine/scenario-runner/respond", test_respond);
  g_test_add_func ("/engine/scenario-runner/respond-pop3", test_respond_pop3);
  g_test_add_func ("/engine/scenario-runner/respond-without-challenge", test_respond_without_challenge);
  g_test_add_func ("/engine/scenario-runner/pipeline", test_pipeline);
  g_test_add_func ("/engine/scenario-runner/settle-and-wait", test_settle_and_wait);
  g_test_add_func ("/engine/scenario-runner/checks-fail", test_checks_fail);
  return g_test_run ();
}
