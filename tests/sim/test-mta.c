/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the MTA queue on its own, with a driver the test plays:
 * routing (RFC 5321 §5.1), one transaction per destination, retries and
 * expiry in virtual time (§4.5.4.1), bounces (§6.1, RFC 3464). */
#include "config.h"

#include <string.h>

#include "mta.h"
#include "sim-helpers.h"

#define T0 POCHTA_SIMULATION_DEFAULT_START
#define MINUTES(n) ((gint64) (n) * G_TIME_SPAN_MINUTE)

typedef struct
{
  PochtaNetwork *network;
  PochtaScheduler *scheduler;
  PochtaGenerator *generator;
  PochtaMta *mta;
  GPtrArray *attempts;     /* started and not finished, PochtaMtaAttempt* */
  GString *log;            /* "start <time-offset-min> <exchangers> <recipients>" lines */
  GPtrArray *bounces;      /* GBytes */
  GString *bounce_to;
  GString *events;
  gboolean up;
} Fixture;

static void
driver_start (PochtaMta *mta, PochtaMtaAttempt *attempt, gpointer data)
{
  Fixture *fixture = data;
  g_autofree char *exchangers = g_strjoinv (",", attempt->exchangers);
  gint64 now = pochta_scheduler_get_time (fixture->scheduler);

  g_string_append_printf (fixture->log, "start +%" G_GINT64_FORMAT "min %s",
                          (now - T0) / G_TIME_SPAN_MINUTE, exchangers);
  for (guint i = 0; i < attempt->recipients->len; i++)
    g_string_append_printf (
      fixture->log, " <%s>",
      ((PochtaMtaRecipient *) g_ptr_array_index (attempt->recipients, i))->mailbox);
  g_string_append_c (fixture->log, '\n');
  g_ptr_array_add (fixture->attempts, attempt);
}

static void
driver_inject (
  PochtaMta *mta, const char *reverse_path, const char *recipient, GBytes *message, gpointer data)
{
  Fixture *fixture = data;
  g_assert_cmpstr (reverse_path, ==, "");
  g_string_append_printf (fixture->bounce_to, "<%s>\n", recipient);
  g_ptr_array_add (fixture->bounces, g_bytes_ref (message));
}

static void
driver_record (PochtaMta *mta, const char *event, const char *text, gpointer data)
{
  Fixture *fixture = data;
  g_string_append_printf (fixture->events, "%s\n", event);
}

static gboolean
driver_is_up (PochtaMta *mta, gpointer data)
{
  Fixture *fixture = data;
  return fixture->up;
}

static PochtaMta *
new_mta (Fixture *fixture, const char *hostname)
{
  PochtaMtaDriver driver = {
    .start_attempt = driver_start,
    .inject = driver_inject,
    .record = driver_record,
    .is_up = driver_is_up,
    .user_data = fixture,
  };
  PochtaMtaConfig config;
  pochta_mta_config_init_defaults (&config);
  config.give_up = MINUTES (300);
  return pochta_mta_new (hostname, fixture->network, fixture->scheduler, fixture->generator,
                         &config, &driver);
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  fixture->network = pochta_network_load_builtin ("constr-org", &error);
  g_assert_no_error (error);
  fixture->scheduler = pochta_scheduler_new (T0);
  fixture->generator = pochta_generator_new (7, T0);
  pochta_generator_set_utc_offset (fixture->generator, SIM_UTC_OFFSET);
  fixture->attempts = g_ptr_array_new ();
  fixture->log = g_string_new (NULL);
  fixture->bounces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  fixture->bounce_to = g_string_new (NULL);
  fixture->events = g_string_new (NULL);
  fixture->up = TRUE;
  fixture->mta = new_mta (fixture, "comp1.otd1.constr.org");
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  pochta_mta_free (fixture->mta);
  pochta_scheduler_free (fixture->scheduler);
  pochta_generator_free (fixture->generator);
  pochta_network_free (fixture->network);
  g_ptr_array_unref (fixture->attempts);
  g_ptr_array_unref (fixture->bounces);
  g_string_free (fixture->log, TRUE);
  g_string_free (fixture->bounce_to, TRUE);
  g_string_free (fixture->events, TRUE);
}

static const char letter[]
  = "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\nSubject: Test\r\n\r\nHello!\r\n";

static PochtaMtaEntry *
enqueue (Fixture *fixture,
         const char *reverse_path,
         const char *const *recipients,
         PochtaDsnNotify notify)
{
  g_autoptr (GBytes) message = g_bytes_new_static (letter, sizeof letter - 1);
  PochtaMtaEntry *entry = pochta_mta_entry_new (reverse_path, message);
  for (guint i = 0; recipients[i] != NULL; i++)
    pochta_mta_entry_add_recipient (entry, recipients[i], notify, NULL);
  pochta_mta_enqueue (fixture->mta, entry);
  return entry;
}

/* Runs the clock until an attempt starts and hands it over. */
static PochtaMtaAttempt *
next_attempt (Fixture *fixture)
{
  while (fixture->attempts->len == 0)
    g_assert_true (pochta_scheduler_step (fixture->scheduler));
  return g_ptr_array_steal_index (fixture->attempts, 0);
}

/* Answers every recipient of attempt with the codes given, then ends it. */
static void
answer (Fixture *fixture, PochtaMtaAttempt *attempt, const guint *codes, const char *const *texts)
{
  for (guint i = 0; i < attempt->recipients->len; i++)
    pochta_mta_attempt_set_reply (attempt, i, codes[i], texts[i], attempt->exchangers[0]);
  pochta_mta_attempt_finish (fixture->mta, attempt);
}

/* ---- routing ---- */

static const struct
{
  const char *host;
  const char *relay_host;
  const char *domain;
  const char *exchangers;   /* NULL: no route */
  const char *status;
} routes[] = {
  /* RFC 5321 §5.1: no MX, so the host itself (the thesis' comp1 -> comp3). */
  { "comp1.otd1.constr.org", NULL, "comp3.otd2.constr.org", "comp3.otd2.constr.org", NULL },
  { "comp1.otd1.constr.org", NULL, "COMP3.otd2.constr.org", "COMP3.otd2.constr.org", NULL },
  { "comp1.otd1.constr.org", NULL, "otd2.constr.org", "comp3.otd2.constr.org", NULL },
  /* Preference order, lowest first. */
  { "comp2.otd1.constr.org", NULL, "constr.org", "mail.constr.org,comp1.otd1.constr.org", NULL },
  /* A listed relay drops itself and every worse exchanger. */
  { "comp1.otd1.constr.org", NULL, "constr.org", "mail.constr.org", NULL },
  { "mail.constr.org", NULL, "constr.org", NULL, "5.4.6" },
  { "comp1.otd1.constr.org", NULL, "otd1.constr.org", NULL, "5.4.6" },
  /* Neither MX nor host. */
  { "comp1.otd1.constr.org", NULL, "example.net", NULL, "5.1.2" },
  /* A smart host takes everything, unless it is the host itself. */
  { "comp3.otd2.constr.org", "mail.constr.org", "example.net", "mail.constr.org", NULL },
  { "mail.constr.org", "mail.constr.org", "otd2.constr.org", "comp3.otd2.constr.org", NULL },
};

static void
test_route (Fixture *fixture, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autoptr (PochtaMta) mta = new_mta (fixture, routes[i].host);
      const char *status = NULL, *reason = NULL;
      pochta_mta_set_relay_host (mta, routes[i].relay_host);
      g_auto (GStrv) exchangers = pochta_mta_route (mta, routes[i].domain, &status, &reason);
      g_autofree char *joined = exchangers != NULL ? g_strjoinv (",", exchangers) : NULL;
      g_test_message ("row %u: %s routes %s", i, routes[i].host, routes[i].domain);
      g_assert_cmpstr (joined, ==, routes[i].exchangers);
      g_assert_cmpstr (status, ==, routes[i].status);
      g_assert_true ((reason != NULL) == (routes[i].status != NULL));
    }
}

/* ---- retries ---- */

/* §4.5.4.1: 30 minutes, then doubling up to 2 hours, the last try at the
 * give-up time (300 minutes here); then a bounce with 5.4.7. */
static void
test_retry_then_expire (Fixture *fixture, gconstpointer data)
{
  static const guint codes[] = { 450 };
  static const char *const texts[] = { "4.7.1 Greylisted, try again later" };
  PochtaMtaEntry *entry = enqueue (fixture, "Ivanov@comp1.otd1.constr.org",
                                   (const char *const[]) { "Petrov@comp3.otd2.constr.org", NULL },
                                   POCHTA_DSN_NOTIFY_DEFAULT);

  g_assert_cmpuint (strlen (entry->id), ==, 10);
  g_assert_cmpint (entry->arrival_time, ==, T0);
  for (int i = 0; i < 5; i++)
    {
      answer (fixture, next_attempt (fixture), codes, texts);
      if (i < 4)
        {
          g_assert_cmpuint (pochta_mta_get_queue_length (fixture->mta), ==, 1);
          g_assert_cmpuint (entry->attempts, ==, (guint) i + 1);
        }
    }
  g_assert_cmpstr (fixture->log->str, ==,
                   "start +0min comp3.otd2.constr.org <Petrov@comp3.otd2.constr.org>\n"
                   "start +30min comp3.otd2.constr.org <Petrov@comp3.otd2.constr.org>\n"
                   "start +90min comp3.otd2.constr.org <Petrov@comp3.otd2.constr.org>\n"
                   "start +210min comp3.otd2.constr.org <Petrov@comp3.otd2.constr.org>\n"
                   "start +300min comp3.otd2.constr.org <Petrov@comp3.otd2.constr.org>\n");
  g_assert_cmpuint (pochta_mta_get_queue_length (fixture->mta), ==, 0);
  g_assert_cmpstr (fixture->bounce_to->str, ==, "<Ivanov@comp1.otd1.constr.org>\n");
  g_assert_cmpstr (fixture->events->str, ==,
                   "queued\ndeferred\ndeferred\ndeferred\ndeferred\nexpired\nbounced\ndone\n");

  g_autofree char *summary = sim_python_read_dsn (g_ptr_array_index (fixture->bounces, 0));
  if (summary != NULL)
    g_assert_nonnull (strstr (
      summary, "recipient: rfc822; Petrov@comp3.otd2.constr.org | failed | 5.4.7 | "
               "dns; comp3.otd2.constr.org | smtp; 450 4.7.1 Greylisted, try again later\n"));
  g_assert_false (pochta_scheduler_step (fixture->scheduler));
}

/* §4.5.4.1: three recipients at one destination, one transaction; each
 * keeps its own outcome (checklist Q07, §3.4 partial failure). */
static void
test_partial_failure (Fixture *fixture, gconstpointer data)
{
  static const guint first_codes[] = { 250, 550, 450 };
  static const char *const first_texts[] = { "OK", "No such user here", "Mailbox full" };
  static const guint second_codes[] = { 250 };
  static const char *const second_texts[] = { "OK" };
  PochtaMtaEntry *entry = enqueue (
    fixture, "Ivanov@comp1.otd1.constr.org",
    (const char *const[]){ "Petrov@comp3.otd2.constr.org", "Sidirov@comp3.otd2.constr.org",
                           "Kuznetsova@comp3.otd2.constr.org", NULL },
    POCHTA_DSN_NOTIFY_DEFAULT);

  answer (fixture, next_attempt (fixture), first_codes, first_texts);
  const PochtaMtaRecipient *petrov = g_ptr_array_index (entry->recipients, 0);
  const PochtaMtaRecipient *sidirov = g_ptr_array_index (entry->recipients, 1);
  const PochtaMtaRecipient *kuznetsova = g_ptr_array_index (entry->recipients, 2);
  g_assert_cmpint (petrov->state, ==, POCHTA_MTA_RECIPIENT_DELIVERED);
  g_assert_cmpint (sidirov->state, ==, POCHTA_MTA_RECIPIENT_FAILED);
  g_assert_cmpstr (sidirov->reply, ==, "550 No such user here");
  g_assert_cmpstr (sidirov->status, ==, "5.0.0");
  g_assert_cmpint (kuznetsova->state, ==, POCHTA_MTA_RECIPIENT_QUEUED);
  g_assert_cmpstr (pochta_mta_recipient_state_to_string (kuznetsova->state), ==, "queued");
  g_assert_cmpint (entry->next_attempt, ==, T0 + MINUTES (30));
  /* One report, on the one that failed. */
  g_assert_cmpuint (fixture->bounces->len, ==, 1);
  g_autofree char *summary = sim_python_read_dsn (g_ptr_array_index (fixture->bounces, 0));
  if (summary != NULL)
    g_assert_nonnull (strstr (summary,
                              "reporting-mta: dns; comp1.otd1.constr.org\n"
                              "recipient: rfc822; Sidirov@comp3.otd2.constr.org | failed | 5.0.0 | "
                              "dns; comp3.otd2.constr.org | smtp; 550 No such user here\n"
                              "original-subject: Test\n"));

  /* Only the one still queued is tried again. */
  answer (fixture, next_attempt (fixture), second_codes, second_texts);
  g_assert_cmpstr (fixture->log->str, ==,
                   "start +0min comp3.otd2.constr.org <Petrov@comp3.otd2.constr.org> "
                   "<Sidirov@comp3.otd2.constr.org> <Kuznetsova@comp3.otd2.constr.org>\n"
                   "start +30min comp3.otd2.constr.org <Kuznetsova@comp3.otd2.constr.org>\n");
  g_assert_cmpuint (fixture->bounces->len, ==, 1);
  g_assert_cmpuint (pochta_mta_get_queue_length (fixture->mta), ==, 0);
}

/* Different domains go in different attempts; an address with no route
 * fails at once, without an attempt. */
static void
test_destinations (Fixture *fixture, gconstpointer data)
{
  static const guint ok[] = { 250, 250 };
  static const char *const ok_texts[] = { "OK", "OK" };

  enqueue (fixture, "Ivanov@comp1.otd1.constr.org",
           (const char *const[]) { "Petrov@comp3.otd2.constr.org", "Smirnov@comp4.otd2.constr.org",
                                   "Kuznetsova@comp3.otd2.constr.org", "x@example.net", NULL },
           POCHTA_DSN_NOTIFY_DEFAULT);
  PochtaMtaAttempt *first = next_attempt (fixture);
  PochtaMtaAttempt *second = next_attempt (fixture);
  g_assert_cmpstr (fixture->log->str, ==,
                   "start +0min comp3.otd2.constr.org <Petrov@comp3.otd2.constr.org> "
                   "<Kuznetsova@comp3.otd2.constr.org>\n"
                   "start +0min comp4.otd2.constr.org <Smirnov@comp4.otd2.constr.org>\n");
  /* The entry settles only when both attempts are over. */
  answer (fixture, first, ok, ok_texts);
  g_assert_cmpuint (fixture->bounces->len, ==, 0);
  answer (fixture, second, ok, ok_texts);
  g_assert_cmpuint (fixture->bounces->len, ==, 1);
  g_autofree char *summary = sim_python_read_dsn (g_ptr_array_index (fixture->bounces, 0));
  if (summary != NULL)
    g_assert_nonnull (strstr (summary, "recipient: rfc822; x@example.net | failed | 5.1.2 | None | "
                                       "X-Pochta; Host or domain name not found\n"));
  g_assert_cmpuint (pochta_mta_get_queue_length (fixture->mta), ==, 0);
}

/* §6.1: never a report about a report. */
static void
test_no_bounce_to_null_sender (Fixture *fixture, gconstpointer data)
{
  static const guint codes[] = { 550 };
  static const char *const texts[] = { "5.1.1 No such user here" };

  enqueue (fixture, "", (const char *const[]){ "Nobody@comp3.otd2.constr.org", NULL },
           POCHTA_DSN_NOTIFY_DEFAULT);
  answer (fixture, next_attempt (fixture), codes, texts);
  g_assert_cmpuint (fixture->bounces->len, ==, 0);
  g_assert_cmpstr (fixture->events->str, ==, "queued\nnot-bounced\ndone\n");
  g_assert_cmpuint (pochta_mta_get_queue_length (fixture->mta), ==, 0);
}

/* RFC 3461 §4.1: NOTIFY=NEVER, or a list without FAILURE. */
static void
test_notify (Fixture *fixture, gconstpointer data)
{
  static const guint codes[] = { 550 };
  static const char *const texts[] = { "No such user here" };

  enqueue (fixture, "Ivanov@comp1.otd1.constr.org",
           (const char *const[]){ "a@comp3.otd2.constr.org", NULL }, POCHTA_DSN_NOTIFY_NEVER);
  answer (fixture, next_attempt (fixture), codes, texts);
  enqueue (fixture, "Ivanov@comp1.otd1.constr.org",
           (const char *const[]){ "b@comp3.otd2.constr.org", NULL },
           POCHTA_DSN_NOTIFY_SUCCESS | POCHTA_DSN_NOTIFY_DELAY);
  answer (fixture, next_attempt (fixture), codes, texts);
  g_assert_cmpuint (fixture->bounces->len, ==, 0);
  enqueue (fixture, "Ivanov@comp1.otd1.constr.org",
           (const char *const[]){ "c@comp3.otd2.constr.org", NULL }, POCHTA_DSN_NOTIFY_FAILURE);
  answer (fixture, next_attempt (fixture), codes, texts);
  g_assert_cmpuint (fixture->bounces->len, ==, 1);
}

/* No exchanger answered: queued, with RFC 3463's 4.4.1; an attempt that
 * ends with recipients unanswered counts as a lost connection (§3.8). */
static void
test_unreachable_and_lost (Fixture *fixture, gconstpointer data)
{
  PochtaMtaEntry *entry = enqueue (fixture, "Ivanov@comp1.otd1.constr.org",
                                   (const char *const[]) { "Petrov@comp3.otd2.constr.org", NULL },
                                   POCHTA_DSN_NOTIFY_DEFAULT);
  const PochtaMtaRecipient *petrov = g_ptr_array_index (entry->recipients, 0);

  PochtaMtaAttempt *attempt = next_attempt (fixture);
  pochta_mta_attempt_set_unreachable (attempt,
                                      "connect to comp3.otd2.constr.org: Connection timed out");
  pochta_mta_attempt_finish (fixture->mta, attempt);
  g_assert_cmpint (petrov->state, ==, POCHTA_MTA_RECIPIENT_QUEUED);
  g_assert_cmpstr (petrov->status, ==, "4.4.1");
  g_assert_cmpstr (petrov->reason, ==, "connect to comp3.otd2.constr.org: Connection timed out");
  g_assert_null (petrov->reply);

  pochta_mta_attempt_finish (fixture->mta, next_attempt (fixture));
  g_assert_cmpint (petrov->state, ==, POCHTA_MTA_RECIPIENT_QUEUED);
  g_assert_cmpuint (petrov->code, ==, 451);
  g_assert_cmpstr (petrov->status, ==, "4.4.2");
  g_assert_cmpuint (entry->attempts, ==, 2);
}

/* RFC 1985: ETRN node, @node for subdomains too; "#" queues are not
 * served. */
static void
test_flush (Fixture *fixture, gconstpointer data)
{
  enqueue (fixture, "a@b.example", (const char *const[]){ "Petrov@constr.org", NULL },
           POCHTA_DSN_NOTIFY_DEFAULT);
  enqueue (fixture, "a@b.example", (const char *const[]) { "Petrov@comp3.otd2.constr.org", NULL },
           POCHTA_DSN_NOTIFY_DEFAULT);
  PochtaMtaAttempt *first = next_attempt (fixture);
  pochta_mta_attempt_set_unreachable (first, "down");
  pochta_mta_attempt_finish (fixture->mta, first);
  PochtaMtaAttempt *second = next_attempt (fixture);
  pochta_mta_attempt_set_unreachable (second, "down");
  pochta_mta_attempt_finish (fixture->mta, second);

  g_assert_cmpint (pochta_mta_flush (fixture->mta, "example.net"), ==, 0);
  g_assert_cmpint (pochta_mta_flush (fixture->mta, "#queue"), ==, -1);
  g_assert_cmpint (pochta_mta_flush (fixture->mta, "otd2.constr.org"), ==, 0);
  g_assert_cmpint (pochta_mta_flush (fixture->mta, "@otd2.constr.org"), ==, 1);
  g_assert_cmpint (pochta_mta_flush (fixture->mta, "CONSTR.ORG"), ==, 1);
  /* Flushed entries are attempted now, not in 30 minutes. */
  gint64 now = pochta_scheduler_get_time (fixture->scheduler);
  PochtaMtaAttempt *flushed = next_attempt (fixture);
  g_assert_cmpint (pochta_scheduler_get_time (fixture->scheduler), ==, now);
  g_assert_cmpint (flushed->entry->attempts, ==, 2);
  pochta_mta_attempt_finish (fixture->mta, flushed);
  pochta_mta_attempt_finish (fixture->mta, next_attempt (fixture));
}

/* While the driver says the host is down, due attempts wait; run_due ()
 * starts them. */
static void
test_host_down (Fixture *fixture, gconstpointer data)
{
  fixture->up = FALSE;
  enqueue (fixture, "Ivanov@comp1.otd1.constr.org",
           (const char *const[]){ "Petrov@comp3.otd2.constr.org", NULL },
           POCHTA_DSN_NOTIFY_DEFAULT);
  g_assert_true (pochta_scheduler_step (fixture->scheduler));
  g_assert_cmpuint (fixture->attempts->len, ==, 0);
  g_assert_false (pochta_scheduler_step (fixture->scheduler));

  pochta_scheduler_run_until (fixture->scheduler, T0 + MINUTES (45));
  fixture->up = TRUE;
  pochta_mta_run_due (fixture->mta);
  pochta_mta_attempt_finish (fixture->mta, next_attempt (fixture));
  g_assert_cmpstr (fixture->log->str, ==,
                   "start +45min comp3.otd2.constr.org <Petrov@comp3.otd2.constr.org>\n");
}

static void
test_config_defaults (Fixture *fixture, gconstpointer data)
{
  PochtaMtaConfig config = { 0 };
  pochta_mta_set_config (fixture->mta, &config);
  pochta_mta_get_config (fixture->mta, &config);
  /* RFC 5321 §4.5.4.1: at least 30 minutes; give up after 4-5 days. */
  g_assert_cmpint (config.retry_initial, ==, MINUTES (30));
  g_assert_cmpint (config.retry_max, ==, MINUTES (120));
  g_assert_cmpint (config.give_up, ==, 5 * G_TIME_SPAN_DAY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func)                                                                            \
  g_test_add ("/sim/mta/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("route", test_route);
  ADD ("retry-then-expire", test_retry_then_expire);
  ADD ("partial-failure", test_partial_failure);
  ADD ("destinations", test_destinations);
  ADD ("no-bounce-to-null-sender", test_no_bounce_to_null_sender);
  ADD ("notify", test_notify);
  ADD ("unreachable-and-lost", test_unreachable_and_lost);
  ADD ("flush", test_flush);
  ADD ("host-down", test_host_down);
  ADD ("config-defaults", test_config_defaults);
#undef ADD
  return g_test_run ();
}
