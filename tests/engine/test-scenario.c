/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the scenario and lesson loader: the shipped thesis lesson read
 * back, translations, quiz answers, and a table of malformed files, each
 * with its exact "file:line: message". */
#include "config.h"

#include <string.h>

#include "scenario.h"

/* ---- the shipped lesson ---- */

static void
test_seed_session (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) lesson = pochta_scenario_load_builtin ("seed-session", "C", &error);
  g_assert_no_error (error);

  g_assert_cmpint (pochta_scenario_get_kind (lesson), ==, POCHTA_SCENARIO_KIND_LESSON);
  g_assert_cmpstr (pochta_scenario_get_id (lesson), ==, "seed-session");
  g_assert_cmpstr (pochta_scenario_get_title (lesson), ==, "An SMTP session between two departments");
  g_assert_cmpstr (pochta_scenario_get_level (lesson), ==, "beginner");
  g_assert_cmpstr (pochta_scenario_get_network_name (lesson), ==, "constr-org");
  g_assert_cmpuint (pochta_scenario_get_seed (lesson), ==, 1896);
  /* 2002-05-14T10:15:00+04:00. */
  g_assert_cmpint (pochta_scenario_get_start_time (lesson), ==, G_GINT64_CONSTANT (1021356900) * G_USEC_PER_SEC);
  g_assert_cmpint (pochta_scenario_get_utc_offset (lesson), ==, 240);
  g_assert_cmpuint (g_strv_length ((GStrv) pochta_scenario_get_objectives (lesson)), ==, 4);
  g_assert_cmpuint (pochta_scenario_get_n_steps (lesson), ==, 11);

  const PochtaScenarioStep *first = pochta_scenario_get_step (lesson, 0);
  g_assert_cmpstr (first->name, ==, "Step 01");
  g_assert_cmpuint (first->actions->len, ==, 1);
  const PochtaScenarioAction *connect = g_ptr_array_index (first->actions, 0);
  g_assert_cmpint (connect->kind, ==, POCHTA_ACTION_CONNECT);
  g_assert_cmpstr (connect->from_host, ==, "comp1.otd1.constr.org");
  g_assert_cmpstr (connect->to_host, ==, "comp3.otd2.constr.org");
  g_assert_cmpuint (connect->port, ==, 25);
  g_assert_cmpint (first->expect->kind, ==, POCHTA_EXPECT_CODE);
  g_assert_cmpuint (first->expect->code, ==, 220);

  const PochtaScenarioStep *respond = pochta_scenario_get_step (lesson, 3);
  const PochtaScenarioAction *answer = g_ptr_array_index (respond->actions, 0);
  g_assert_cmpint (answer->kind, ==, POCHTA_ACTION_RESPOND);
  g_assert_cmpstr (answer->mechanism, ==, "CRAM-MD5");
  g_assert_cmpstr (answer->login, ==, "Ivanov");

  /* The message step: the folded header lines keep their leading space
   * (\s in the file), the blank line is an empty Send=. */
  const PochtaScenarioStep *message = pochta_scenario_get_step (lesson, 9);
  g_assert_cmpuint (message->actions->len, ==, 12);
  g_assert_cmpstr (((PochtaScenarioAction *) g_ptr_array_index (message->actions, 2))->text, ==,
                   " Olga Kuznetsova <Kuznetsova@comp3.otd2.constr.org>,");
  g_assert_cmpstr (((PochtaScenarioAction *) g_ptr_array_index (message->actions, 7))->text, ==, "");
  g_assert_cmpuint (message->checks->len, ==, 2);

  const PochtaScenarioStep *sidirov = pochta_scenario_get_step (lesson, 7);
  g_assert_cmpstr (sidirov->quiz, ==, "What will comp3 answer to RCPT TO:<Sidirov@comp3.otd2.constr.org>?");
  g_assert_cmpuint (g_strv_length (sidirov->choices), ==, 4);
  g_assert_cmpint (sidirov->answer, ==, 1);
  g_assert_nonnull (sidirov->hint);
}

static void
test_builtin_list (void)
{
  g_auto (GStrv) ids = pochta_scenario_list_builtin ();
  g_assert_true (g_strv_contains ((const char *const *) ids, "seed-session"));
  for (guint i = 1; ids[i] != NULL; i++)
    g_assert_cmpstr (ids[i - 1], <, ids[i]);

  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) none = pochta_scenario_load_builtin ("no-such-lesson", NULL, &error);
  g_assert_null (none);
  g_assert_error (error, POCHTA_SCENARIO_ERROR, POCHTA_SCENARIO_ERROR_NOT_FOUND);
}

/* ---- translations and answers ---- */

static const char translated[] =
  "[Lesson]\n"
  "Id=t\n"
  "Title=Replies\n"
  "Title[ru]=Ответы\n"
  "Network=constr-org\n"
  "Objectives=One;Two\n"
  "Objectives[ru]=Раз;Два\n"
  "[Step 01]\n"
  "Explain=Hello\n"
  "Explain[ru]=Привет\n"
  "Quiz=Which code refuses for good?\n"
  "Quiz[ru]=Какой код отказывает навсегда?\n"
  "Choices=250 accepted;550 refused;354 go on\n"
  "Choices[ru]=250 принято;550 отказ;354 продолжайте\n"
  "Answer=550 refused\n"
  "Hint=The first digit says.\n"
  "[Step 02]\n"
  "Quiz=Name the command that ends a session.\n"
  "Answer=QUIT\n"
  "[Step 03]\n"
  "Quiz=Name a command that checks an address.\n"
  "Accept=(VRFY|EXPN)( +\\S+)?\n";

static void
test_languages (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) english = pochta_scenario_load_data (translated, strlen (translated), NULL, "C", &error);
  g_assert_no_error (error);
  g_autoptr (PochtaScenario) russian = pochta_scenario_load_data (translated, strlen (translated), NULL, "ru_RU.UTF-8",
                                                                  &error);
  g_assert_no_error (error);

  g_assert_cmpstr (pochta_scenario_get_title (english), ==, "Replies");
  g_assert_cmpstr (pochta_scenario_get_title (russian), ==, "Ответы");
  g_assert_cmpstr (pochta_scenario_get_objectives (russian)[1], ==, "Два");
  const PochtaScenarioStep *en = pochta_scenario_get_step (english, 0);
  const PochtaScenarioStep *ru = pochta_scenario_get_step (russian, 0);
  g_assert_cmpstr (en->explain, ==, "Hello");
  g_assert_cmpstr (ru->explain, ==, "Привет");
  g_assert_cmpstr (ru->choices[1], ==, "550 отказ");
  g_assert_cmpstr (ru->choices_original[1], ==, "550 refused");
  g_assert_cmpint (ru->answer, ==, 1);
  /* Untranslated keys fall back to English. */
  g_assert_cmpstr (ru->hint, ==, "The first digit says.");
}

typedef struct
{
  guint step;
  const char *answer;
  gboolean right;
} AnswerRow;

static void
test_answers (void)
{
  static const AnswerRow rows[] = {
    { 0, "2", TRUE },
    { 0, " 2 ", TRUE },
    { 0, "1", FALSE },
    { 0, "4", FALSE },
    { 0, "0", FALSE },
    { 0, "550 refused", TRUE },
    { 0, "550 REFUSED", TRUE },
    { 0, "550 ОТКАЗ", TRUE },
    { 0, "250 принято", FALSE },
    { 0, "550", FALSE },
    { 1, "quit", TRUE },
    { 1, "QUIT", TRUE },
    { 1, "QUIT now", FALSE },
    { 2, "vrfy Petrov", TRUE },
    { 2, "EXPN", TRUE },
    { 2, "VRFY Petrov Sidorov", FALSE },
    { 2, "RCPT", FALSE },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) russian = pochta_scenario_load_data (translated, strlen (translated), NULL, "ru", &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const PochtaScenarioStep *step = pochta_scenario_get_step (russian, rows[i].step);
      if (pochta_scenario_step_check_answer (step, rows[i].answer) != rows[i].right)
        g_error ("step %u, answer '%s': expected %s", rows[i].step, rows[i].answer,
                 rows[i].right ? "right" : "wrong");
    }
}

/* ---- actions ---- */

static void
test_actions (void)
{
  static const char data[] =
    "[Scenario]\nId=a\nNetwork=constr-org\nStart=2024-01-02T03:04:05Z\nSeed=7\n"
    "[Step 1]\n"
    "Do=submit Ivanov@comp1.otd1.constr.org Petrov@comp3.otd2.constr.org,Smirnov@comp4.otd2.constr.org "
    "\"Two words\" 'Line one\\nLine two'\n"
    "Do=fetch Petrov@comp3.otd2.constr.org keep\n"
    "Do=fault slow-link otd1-lan on 20\n"
    "Do=fault size-limit comp4.otd2.constr.org on 1000\n"
    "Do=fault mailbox-full Petrov@comp3.otd2.constr.org off\n"
    "Do=relay-host comp2.otd1.constr.org none\n"
    "Do=wait 1h30m\n"
    "Do=wait 250ms\n"
    "Do=run\n"
    "[Step 2]\n"
    "Connection=comp2.otd1.constr.org -> comp3.otd2.constr.org:110\n"
    "Respond=apop Petrov\n"
    "Do=send  STAT\n"
    "Expect=+OK\n"
    "Pipeline=true\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) scenario = pochta_scenario_load_data (data, strlen (data), NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (pochta_scenario_get_kind (scenario), ==, POCHTA_SCENARIO_KIND_SCENARIO);
  g_assert_null (pochta_scenario_get_title (scenario));
  g_assert_cmpuint (pochta_scenario_get_seed (scenario), ==, 7);
  g_assert_cmpint (pochta_scenario_get_start_time (scenario), ==, G_GINT64_CONSTANT (1704164645) * G_USEC_PER_SEC);
  g_assert_cmpint (pochta_scenario_get_utc_offset (scenario), ==, 0);

  GPtrArray *actions = pochta_scenario_get_step (scenario, 0)->actions;
  g_assert_cmpuint (actions->len, ==, 9);
  const PochtaScenarioAction *submit = g_ptr_array_index (actions, 0);
  const char *const to[] = { "Petrov@comp3.otd2.constr.org", "Smirnov@comp4.otd2.constr.org", NULL };
  g_assert_cmpstrv (submit->recipients, to);
  g_assert_cmpstr (submit->subject, ==, "Two words");
  g_assert_cmpstr (submit->body, ==, "Line one\nLine two");
  g_assert_true (((PochtaScenarioAction *) g_ptr_array_index (actions, 1))->keep);
  const PochtaScenarioAction *slow = g_ptr_array_index (actions, 2);
  g_assert_cmpint (slow->fault, ==, POCHTA_FAULT_SLOW_LINK);
  g_assert_true (slow->on);
  g_assert_cmpuint (slow->parameter, ==, 20);
  g_assert_false (((PochtaScenarioAction *) g_ptr_array_index (actions, 4))->on);
  const PochtaScenarioAction *relay = g_ptr_array_index (actions, 5);
  g_assert_cmpint (relay->kind, ==, POCHTA_ACTION_RELAY_HOST);
  g_assert_null (relay->target);
  g_assert_cmpint (((PochtaScenarioAction *) g_ptr_array_index (actions, 6))->duration, ==, 90 * G_TIME_SPAN_MINUTE);
  g_assert_cmpint (((PochtaScenarioAction *) g_ptr_array_index (actions, 7))->duration, ==, 250 * 1000);
  g_assert_cmpint (((PochtaScenarioAction *) g_ptr_array_index (actions, 8))->kind, ==, POCHTA_ACTION_RUN);

  const PochtaScenarioStep *second = pochta_scenario_get_step (scenario, 1);
  g_assert_true (second->pipeline);
  g_assert_cmpint (second->expect->kind, ==, POCHTA_EXPECT_POP3_OK);
  g_assert_cmpstr (((PochtaScenarioAction *) g_ptr_array_index (second->actions, 1))->mechanism, ==, "APOP");
  /* Do=send keeps the line as written after the verb and its blanks. */
  g_assert_cmpstr (((PochtaScenarioAction *) g_ptr_array_index (second->actions, 2))->text, ==, "STAT");
}

/* ---- malformed files ---- */

#define HEAD "[Scenario]\nId=t\nNetwork=constr-org\n"                                      /* lines 1-3 */
#define LESSON "[Lesson]\nId=t\nTitle=T\nNetwork=constr-org\n"                              /* lines 1-4 */
#define CONNECT "[Step 01]\nConnection=comp1.otd1.constr.org -> comp3.otd2.constr.org:25\n" /* lines 4-5 */
#define POP3 "[Step 01]\nConnection=comp1.otd1.constr.org -> comp3.otd2.constr.org:110\n"   /* lines 4-5 */
#define STEP "[Step 01]\n"                                                                   /* line 4 */

typedef struct
{
  const char *name;
  const char *data;
  PochtaScenarioError code;
  const char *message;     /* exact, or the start of it when prefix */
  gboolean prefix;
} BadRow;

static const BadRow bad_rows[] = {
  /* The shape of the file. */
  { "syntax", HEAD "what is this\n", POCHTA_SCENARIO_ERROR_SYNTAX,
    "t.scenario:4: expected Key=value, a [group] or a # comment" },
  { "duplicate-key", HEAD CONNECT "Expect=220\nExpect=250\n", POCHTA_SCENARIO_ERROR_DUPLICATE,
    "t.scenario:7: key 'Expect' is given twice in this group" },
  { "duplicate-step", HEAD STEP "Do=run\n" STEP, POCHTA_SCENARIO_ERROR_DUPLICATE,
    "t.scenario:6: [Step 01] is given twice (first on line 4)" },
  { "bad-escape", HEAD CONNECT "Send=a\\qb\n", POCHTA_SCENARIO_ERROR_SYNTAX,
    "t.scenario:6: invalid escape '\\q' (known: \\s \\n \\t \\r \\\\)" },
  { "bad-escape-seed", HEAD "Seed=4\\q\n" STEP "Do=run\n", POCHTA_SCENARIO_ERROR_SYNTAX,
    "t.scenario:4: invalid escape '\\q' (known: \\s \\n \\t \\r \\\\)" },
  { "bad-escape-pipeline", HEAD CONNECT "Pipeline=true\\q\n", POCHTA_SCENARIO_ERROR_SYNTAX,
    "t.scenario:6: invalid escape '\\q' (known: \\s \\n \\t \\r \\\\)" },
  { "no-header", STEP "Do=run\n", POCHTA_SCENARIO_ERROR_MISSING, "t.scenario:1: no [Scenario] or [Lesson] group" },
  { "both-headers", HEAD "[Lesson]\nId=u\n", POCHTA_SCENARIO_ERROR_DUPLICATE,
    "t.scenario:4: a file is a [Scenario] or a [Lesson], not both" },
  { "unknown-group", HEAD "[Stpe 01]\n", POCHTA_SCENARIO_ERROR_UNKNOWN,
    "t.scenario:4: unknown group [Stpe 01] (known: Scenario, Lesson, Step NN)" },
  { "no-steps", HEAD, POCHTA_SCENARIO_ERROR_MISSING, "t.scenario:1: no [Step NN] groups: nothing happens" },
  /* The header. */
  { "no-id", "[Scenario]\nNetwork=constr-org\n" STEP, POCHTA_SCENARIO_ERROR_MISSING,
    "t.scenario:1: [Scenario] has no Id= line" },
  { "no-title", "[Lesson]\nId=t\nNetwork=constr-org\n" STEP, POCHTA_SCENARIO_ERROR_MISSING,
    "t.scenario:1: [Lesson] has no Title= line" },
  { "no-network", "[Scenario]\nId=t\n" STEP, POCHTA_SCENARIO_ERROR_MISSING,
    "t.scenario:1: [Scenario] has no Network= line" },
  { "unknown-network", "[Scenario]\nId=t\nNetwork=constr-com\n" STEP, POCHTA_SCENARIO_ERROR_REFERENCE,
    "t.scenario:3: no network 'constr-com' (built-in: constr-org; or a .network file's path)" },
  { "header-key", HEAD "Sede=4\n" STEP, POCHTA_SCENARIO_ERROR_UNKNOWN, "t.scenario:4: unknown key 'Sede' in [Scenario]" },
  { "bad-seed", HEAD "Seed=-4\n" STEP, POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:4: Seed '-4' should be a number from 0 to 4294967295" },
  { "bad-start", HEAD "Start=2002-05-14 10:15\n" STEP, POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:4: Start '2002-05-14 10:15' should be ISO 8601 with a zone, e.g. 2002-05-14T10:15:00+04:00" },
  { "start-zone", HEAD "Start=2002-05-14T10:15:00+24:00\n" STEP, POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:4: Start '2002-05-14T10:15:00+24:00' must fall after 1970 in a zone from -23:59 to +23:59" },
  { "start-old", HEAD "Start=1969-12-31T23:59:59Z\n" STEP, POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:4: Start '1969-12-31T23:59:59Z' must fall after 1970 in a zone from -23:59 to +23:59" },
  { "bad-level", HEAD "Level=expert\n" STEP, POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:4: unknown level 'expert' (known: beginner, intermediate, advanced)" },
  { "translated-id", HEAD "Id[ru]=x\n" STEP, POCHTA_SCENARIO_ERROR_UNKNOWN,
    "t.scenario:4: unknown key 'Id[ru]' in [Scenario]" },
  /* Steps. */
  { "unknown-key", HEAD "[Step 04]\nExpct=550\n", POCHTA_SCENARIO_ERROR_UNKNOWN,
    "t.scenario:5: unknown key 'Expct' in [Step 04]" },
  { "translated-send", HEAD CONNECT "Send[ru]=EHLO\n", POCHTA_SCENARIO_ERROR_UNKNOWN,
    "t.scenario:6: unknown key 'Send[ru]' in [Step 01]" },
  { "step-order", HEAD "[Step 02]\nDo=run\n[Step 01]\nDo=run\n", POCHTA_SCENARIO_ERROR_ORDER,
    "t.scenario:6: [Step 01] comes after [Step 02] (line 4): steps are numbered in increasing order" },
  { "step-same-number", HEAD "[Step 1]\nDo=run\n[Step 01]\nDo=run\n", POCHTA_SCENARIO_ERROR_ORDER,
    "t.scenario:6: [Step 01] comes after [Step 1] (line 4): steps are numbered in increasing order" },
  { "step-number", HEAD "[Step one]\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:4: [Step one]: a step is numbered [Step NN], NN from 0 to 9999" },
  { "quiz-in-scenario", HEAD STEP "Quiz=Why?\n", POCHTA_SCENARIO_ERROR_UNKNOWN,
    "t.scenario:5: unknown key 'Quiz' in [Step 01] of a scenario (quizzes belong in a [Lesson])" },
  { "pipeline", HEAD CONNECT "Pipeline=yes\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:6: Pipeline is true or false, not 'yes'" },
  /* Actions. */
  { "unknown-action", HEAD STEP "Do=frobnicate now\n", POCHTA_SCENARIO_ERROR_UNKNOWN,
    "t.scenario:5: unknown action 'frobnicate' (known: submit, fetch, connect, send, respond, close, fault, "
    "relay-host, wait, run)" },
  { "bad-duration", HEAD STEP "Do=wait 30x\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:5: bad duration '30x' (e.g. 500ms, 5s, 30m, 2h, 1d, or a sum like 1h30m, up to 366d)" },
  { "duration-unit", HEAD STEP "Do=wait 30\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:5: bad duration '30' (e.g. 500ms, 5s, 30m, 2h, 1d, or a sum like 1h30m, up to 366d)" },
  { "duration-long", HEAD STEP "Do=wait 400d\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:5: bad duration '400d' (e.g. 500ms, 5s, 30m, 2h, 1d, or a sum like 1h30m, up to 366d)" },
  { "send-first", HEAD STEP "Send=EHLO x\n", POCHTA_SCENARIO_ERROR_MISSING,
    "t.scenario:5: Send= needs a connection: open one with Connection= in this or an earlier step" },
  { "connect-syntax", HEAD STEP "Connection=comp1.otd1.constr.org comp3.otd2.constr.org:25\n",
    POCHTA_SCENARIO_ERROR_VALUE, "t.scenario:5: a connection is written HOST -> HOST:PORT" },
  { "connect-port", HEAD STEP "Connection=comp1.otd1.constr.org -> comp3.otd2.constr.org:0\n",
    POCHTA_SCENARIO_ERROR_VALUE, "t.scenario:5: a connection is written HOST -> HOST:PORT" },
  { "connect-host", HEAD STEP "Connection=comp1.otd1.constr.org -> comp9.otd2.constr.org:25\n",
    POCHTA_SCENARIO_ERROR_REFERENCE, "t.scenario:5: no host comp9.otd2.constr.org on network constr-org" },
  { "submit-user", HEAD STEP "Do=submit Sidirov@comp3.otd2.constr.org Petrov@comp3.otd2.constr.org s b\n",
    POCHTA_SCENARIO_ERROR_REFERENCE, "t.scenario:5: no user Sidirov@comp3.otd2.constr.org on network constr-org" },
  { "submit-arity", HEAD STEP "Do=submit Ivanov@comp1.otd1.constr.org Petrov@comp3.otd2.constr.org \"s\"\n",
    POCHTA_SCENARIO_ERROR_VALUE, "t.scenario:5: submit takes FROM TO[,TO...] \"subject\" \"body\"" },
  { "submit-recipient", HEAD STEP "Do=submit Ivanov@comp1.otd1.constr.org Petrov s b\n",
    POCHTA_SCENARIO_ERROR_VALUE, "t.scenario:5: 'Petrov' is not a mailbox" },
  { "submit-quote", HEAD STEP "Do=submit Ivanov@comp1.otd1.constr.org Petrov@comp3.otd2.constr.org \"s b\n",
    POCHTA_SCENARIO_ERROR_VALUE, "t.scenario:5: submit: ", TRUE },
  { "fetch-mode", HEAD STEP "Do=fetch Petrov@comp3.otd2.constr.org all\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:5: fetch takes USER keep|delete" },
  { "fault-kind", HEAD STEP "Do=fault power-cut comp3.otd2.constr.org on\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:5: unknown fault 'power-cut' (known: host-down, link-down, mailbox-full, greylisting, "
    "slow-link, size-limit)" },
  { "fault-switch", HEAD STEP "Do=fault host-down comp3.otd2.constr.org maybe\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:5: fault takes KIND TARGET on|off [PARAM]" },
  { "fault-link", HEAD STEP "Do=fault link-down comp3.otd2.constr.org on\n", POCHTA_SCENARIO_ERROR_REFERENCE,
    "t.scenario:5: no link comp3.otd2.constr.org on network constr-org" },
  { "fault-mailbox", HEAD STEP "Do=fault mailbox-full Sidirov@comp3.otd2.constr.org on\n",
    POCHTA_SCENARIO_ERROR_REFERENCE, "t.scenario:5: no user Sidirov@comp3.otd2.constr.org on network constr-org" },
  { "fault-size", HEAD STEP "Do=fault size-limit comp4.otd2.constr.org on\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:5: fault size-limit on needs the limit in octets, e.g. size-limit HOST on 1000" },
  { "respond-mechanism", HEAD CONNECT "Respond=GSSAPI Ivanov\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:6: unknown mechanism 'GSSAPI' (known: PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5, APOP)" },
  { "respond-login", HEAD CONNECT "Respond=CRAM-MD5 fred\n", POCHTA_SCENARIO_ERROR_REFERENCE,
    "t.scenario:6: no user fred on network constr-org" },
  { "relay-host", HEAD STEP "Do=relay-host comp2.otd1.constr.org relay.example\n", POCHTA_SCENARIO_ERROR_REFERENCE,
    "t.scenario:5: no host relay.example on network constr-org" },
  { "run-arguments", HEAD STEP "Do=run fast\n", POCHTA_SCENARIO_ERROR_VALUE, "t.scenario:5: run takes no arguments" },
  { "send-crlf", HEAD CONNECT "Do=send a\\r\\nb\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:6: a Send= line cannot hold CR or LF: write one Send= per line" },
  /* Expectations that can never match. */
  { "expect-600", HEAD CONNECT "Expect=600\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:6: Expect=600 can never match: reply codes run from 200 to 599 (RFC 5321 §4.2)" },
  { "expect-199", HEAD CONNECT "Expect=199\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:6: Expect=199 can never match: reply codes run from 200 to 599 (RFC 5321 §4.2)" },
  { "expect-text", HEAD CONNECT "Expect=OK\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:6: Expect 'OK' should be a reply code, +OK, -ERR or a /regular expression/" },
  { "expect-two-digits", HEAD CONNECT "Expect=55\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:6: Expect '55' should be a reply code, +OK, -ERR or a /regular expression/" },
  { "expect-regex", HEAD CONNECT "Expect=/^250 (/\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:6: Expect=/^250 (/ can never match: ", TRUE },
  { "expect-unclosed", HEAD CONNECT "Expect=/^250\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:6: Expect=/^250 can never match: a regular expression is written between slashes, /like this/" },
  { "expect-no-action", HEAD STEP "Expect=250\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:5: Expect=250 can never match: [Step 01] has no action that brings a reply" },
  { "expect-pop3-on-smtp", HEAD CONNECT "Expect=+OK\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:6: Expect=+OK can never match: the step's connection speaks SMTP, which answers with codes" },
  { "expect-code-on-pop3", HEAD POP3 "Expect=220\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:6: Expect=220 can never match: the step's connection speaks POP3, which answers +OK or -ERR" },
  { "check-kind", HEAD STEP "Do=run\nCheck=inbox Petrov@comp3.otd2.constr.org 1\n", POCHTA_SCENARIO_ERROR_UNKNOWN,
    "t.scenario:6: unknown check 'inbox' (known: mailbox, fetched, queue, event, no-event, line, no-line)" },
  { "check-count", HEAD STEP "Do=run\nCheck=mailbox Petrov@comp3.otd2.constr.org many\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:6: Check=mailbox Petrov@comp3.otd2.constr.org many takes MAILBOX COUNT" },
  { "check-user", HEAD STEP "Do=run\nCheck=mailbox Sidirov@comp3.otd2.constr.org 1\n",
    POCHTA_SCENARIO_ERROR_REFERENCE, "t.scenario:6: no user Sidirov@comp3.otd2.constr.org on network constr-org" },
  { "check-regex", HEAD STEP "Do=run\nCheck=line /[/\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:6: Check=line /[/ can never match: ", TRUE },
  /* Quizzes. */
  { "quiz-no-answer", LESSON STEP "Quiz=Why?\n", POCHTA_SCENARIO_ERROR_MISSING,
    "t.scenario:6: Quiz= needs an Answer= or an Accept= in [Step 01]" },
  { "answer-not-a-choice", LESSON STEP "Quiz=Q\nChoices=250;550\nAnswer=503\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:8: Answer=503 is not one of the Choices=" },
  { "choices-no-answer", LESSON STEP "Quiz=Q\nChoices=250;550\nAccept=550\n", POCHTA_SCENARIO_ERROR_MISSING,
    "t.scenario:7: Choices= needs an Answer= naming one of them in [Step 01]" },
  { "one-choice", LESSON STEP "Quiz=Q\nChoices=250\nAnswer=250\n", POCHTA_SCENARIO_ERROR_VALUE,
    "t.scenario:7: Choices= needs two or more choices, separated by ';'" },
  { "choices-without-quiz", LESSON STEP "Choices=250;550\n", POCHTA_SCENARIO_ERROR_MISSING,
    "t.scenario:6: Choices= needs a Quiz= in [Step 01]" },
  { "answer-without-quiz", LESSON STEP "Answer=250\n", POCHTA_SCENARIO_ERROR_MISSING,
    "t.scenario:6: Answer= needs a Quiz= in [Step 01]" },
  { "translated-choices", LESSON STEP "Quiz=Q\nChoices=250;550\nChoices[ru]=250\nAnswer=250\n",
    POCHTA_SCENARIO_ERROR_VALUE, "t.scenario:8: Choices[ru]= has 1 choices where Choices= has 2" },
  { "accept-regex", LESSON STEP "Quiz=Q\nAccept=VRFY(\n", POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
    "t.scenario:7: Accept=VRFY( can never match: ", TRUE },
};

static void
test_bad (gconstpointer data)
{
  const BadRow *row = data;
  g_autoptr (GError) error = NULL;
  /* Translated rows are read in Russian, so that their translation counts. */
  g_autoptr (PochtaScenario) scenario = pochta_scenario_load_data (row->data, strlen (row->data), "t.scenario", "ru",
                                                                   &error);
  g_assert_null (scenario);
  g_assert_nonnull (error);
  if (row->prefix)
    {
      if (!g_str_has_prefix (error->message, row->message))
        g_error ("'%s' does not start with '%s'", error->message, row->message);
    }
  else
    g_assert_cmpstr (error->message, ==, row->message);
  g_assert_error (error, POCHTA_SCENARIO_ERROR, (int) row->code);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/scenario/seed-session", test_seed_session);
  g_test_add_func ("/engine/scenario/builtin-list", test_builtin_list);
  g_test_add_func ("/engine/scenario/languages", test_languages);
  g_test_add_func ("/engine/scenario/answers", test_answers);
  g_test_add_func ("/engine/scenario/actions", test_actions);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/scenario/malformed/%s", bad_rows[i].name);
      g_test_add_data_func (path, &bad_rows[i], test_bad);
    }
  return g_test_run ();
}
