/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the discrete-event scheduler: time order, the stable
 * tie-break, cancelling (and releasing what was cancelled), running until
 * a time, events that add events. */
#include "config.h"

#include "scheduler.h"

typedef struct
{
  PochtaScheduler *scheduler;
  GString *log;
} Fixture;

typedef struct
{
  Fixture *fixture;
  char name;
} Tag;

static void
log_event (gpointer data)
{
  Tag *tag = data;
  g_string_append_printf (tag->fixture->log, "%c@%" G_GINT64_FORMAT " ", tag->name,
                          pochta_scheduler_get_time (tag->fixture->scheduler));
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  fixture->scheduler = pochta_scheduler_new (1000);
  fixture->log = g_string_new (NULL);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  pochta_scheduler_free (fixture->scheduler);
  g_string_free (fixture->log, TRUE);
}

static guint64
add (Fixture *fixture, gint64 time, char name)
{
  Tag *tag = g_new0 (Tag, 1);
  tag->fixture = fixture;
  tag->name = name;
  return pochta_scheduler_add (fixture->scheduler, time, log_event, tag, g_free);
}

static void
run_all (Fixture *fixture)
{
  while (pochta_scheduler_step (fixture->scheduler))
    ;
}

static void
test_time_order (Fixture *fixture, gconstpointer data)
{
  static const struct
  {
    gint64 time;
    char name;
  } events[] = {
    { 5000, 'e' }, { 1000, 'a' }, { 3000, 'c' }, { 2000, 'b' }, { 4000, 'd' }, { 9000, 'i' },
    { 7000, 'g' }, { 6000, 'f' }, { 8000, 'h' },
  };

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    add (fixture, events[i].time, events[i].name);
  g_assert_cmpuint (pochta_scheduler_get_n_pending (fixture->scheduler), ==, 9);
  run_all (fixture);
  g_assert_cmpstr (fixture->log->str, ==,
                   "a@1000 b@2000 c@3000 d@4000 e@5000 f@6000 g@7000 h@8000 i@9000 ");
  g_assert_cmpint (pochta_scheduler_get_time (fixture->scheduler), ==, 9000);
  g_assert_cmpuint (pochta_scheduler_get_n_pending (fixture->scheduler), ==, 0);
  g_assert_false (pochta_scheduler_step (fixture->scheduler));
}

/* Equal times run in the order they were added: the determinism of a
 * simulation rests on it (DESIGN.md §2.2). */
static void
test_tie_break (Fixture *fixture, gconstpointer data)
{
  const char *names = "qwertyuiopasdfghjklzxcvbnm";

  for (const char *p = names; *p != '\0'; p++)
    add (fixture, 2000 + (*p % 2) * 10, *p);
  run_all (fixture);

  GString *expected = g_string_new (NULL);
  for (int parity = 0; parity < 2; parity++)
    for (const char *p = names; *p != '\0'; p++)
      if (*p % 2 == parity)
        g_string_append_printf (expected, "%c@%d ", *p, 2000 + parity * 10);
  g_assert_cmpstr (fixture->log->str, ==, expected->str);
  g_string_free (expected, TRUE);
}

static void
test_cancel (Fixture *fixture, gconstpointer data)
{
  guint64 a = add (fixture, 1000, 'a');
  guint64 b = add (fixture, 2000, 'b');
  add (fixture, 3000, 'c');

  g_assert_cmpuint (a, !=, 0);
  g_assert_cmpuint (a, !=, b);
  g_assert_true (pochta_scheduler_cancel (fixture->scheduler, b));
  g_assert_false (pochta_scheduler_cancel (fixture->scheduler, b));
  g_assert_true (pochta_scheduler_cancel (fixture->scheduler, a));
  g_assert_cmpuint (pochta_scheduler_get_n_pending (fixture->scheduler), ==, 1);

  gint64 next = 0;
  g_assert_true (pochta_scheduler_peek_time (fixture->scheduler, &next));
  g_assert_cmpint (next, ==, 3000);
  run_all (fixture);
  g_assert_cmpstr (fixture->log->str, ==, "c@3000 ");
  /* An event that ran cannot be cancelled. */
  g_assert_false (pochta_scheduler_cancel (fixture->scheduler, a));
}

static void
test_run_until (Fixture *fixture, gconstpointer data)
{
  add (fixture, 1500, 'a');
  add (fixture, 2500, 'b');
  add (fixture, 2500, 'c');
  add (fixture, 4000, 'd');

  g_assert_cmpuint (pochta_scheduler_run_until (fixture->scheduler, 2500), ==, 3);
  g_assert_cmpstr (fixture->log->str, ==, "a@1500 b@2500 c@2500 ");
  g_assert_cmpuint (pochta_scheduler_run_until (fixture->scheduler, 3000), ==, 0);
  /* The clock moves to the time asked even with nothing to run. */
  g_assert_cmpint (pochta_scheduler_get_time (fixture->scheduler), ==, 3000);
  g_assert_cmpuint (pochta_scheduler_run_until (fixture->scheduler, 10000), ==, 1);
  g_assert_cmpint (pochta_scheduler_get_time (fixture->scheduler), ==, 10000);
  g_assert_cmpstr (fixture->log->str, ==, "a@1500 b@2500 c@2500 d@4000 ");
}

typedef struct
{
  Fixture *fixture;
  int remaining;
} Chain;

/* An event that schedules another one, at the same time and later. */
static void
chain_event (gpointer data)
{
  Chain *chain = data;
  Fixture *fixture = chain->fixture;

  g_string_append_printf (fixture->log, "%d@%" G_GINT64_FORMAT " ", chain->remaining,
                          pochta_scheduler_get_time (fixture->scheduler));
  if (--chain->remaining > 0)
    pochta_scheduler_add_after (fixture->scheduler, chain->remaining % 2 == 0 ? 0 : 100,
                                chain_event, chain, NULL);
}

static void
test_events_add_events (Fixture *fixture, gconstpointer data)
{
  Chain chain = { fixture, 4 };

  pochta_scheduler_add (fixture->scheduler, 1000, chain_event, &chain, NULL);
  add (fixture, 1000, 'x');
  add (fixture, 1100, 'y');
  run_all (fixture);
  /* An event added for a time runs after those added for it earlier:
   * the chain's 1100 comes after y, its second 1100 right after. */
  g_assert_cmpstr (fixture->log->str, ==, "4@1000 x@1000 y@1100 3@1100 2@1100 1@1200 ");
}

static int destroyed;

static void
count_destroy (gpointer data)
{
  destroyed++;
}

static void
never_runs (gpointer data)
{
  g_assert_not_reached ();
}

static void
test_free_drops_pending (void)
{
  PochtaScheduler *scheduler = pochta_scheduler_new (0);

  destroyed = 0;
  pochta_scheduler_add (scheduler, 10, never_runs, NULL, count_destroy);
  guint64 id = pochta_scheduler_add (scheduler, 20, never_runs, NULL, count_destroy);
  pochta_scheduler_cancel (scheduler, id);
  pochta_scheduler_add (scheduler, 30, never_runs, NULL, count_destroy);
  g_assert_cmpint (destroyed, ==, 0);
  pochta_scheduler_free (scheduler);
  g_assert_cmpint (destroyed, ==, 3);
}

static void
do_nothing (gpointer data)
{
}

static int n_counted;

static void
count_run (gpointer data)
{
  n_counted++;
}

/* Ids are never confused: the id of an event that ran, or of one that
 * was cancelled, does not cancel a later event that reuses its place;
 * ids are never 0 and unknown ones are refused. */
static void
test_stale_ids (void)
{
  g_autoptr (PochtaScheduler) scheduler = pochta_scheduler_new (0);

  n_counted = 0;
  guint64 first = pochta_scheduler_add (scheduler, 10, count_run, NULL, NULL);
  g_assert_cmpuint (first, !=, 0);
  g_assert_true (pochta_scheduler_step (scheduler));
  guint64 second = pochta_scheduler_add (scheduler, 20, count_run, NULL, NULL);
  g_assert_cmpuint (second, !=, first);
  g_assert_false (pochta_scheduler_cancel (scheduler, first));
  g_assert_true (pochta_scheduler_cancel (scheduler, second));
  g_assert_false (pochta_scheduler_cancel (scheduler, second));
  guint64 third = pochta_scheduler_add (scheduler, 30, count_run, NULL, NULL);
  g_assert_false (pochta_scheduler_cancel (scheduler, second));
  g_assert_false (pochta_scheduler_cancel (scheduler, 0));
  g_assert_false (pochta_scheduler_cancel (scheduler, third + 12345));
  g_assert_cmpuint (pochta_scheduler_get_n_pending (scheduler), ==, 1);
  while (pochta_scheduler_step (scheduler))
    ;
  g_assert_cmpint (n_counted, ==, 2);
}

/* Timers cancelled long before they are due (an MTA's retry timers)
 * release their data while the run goes on, not when they surface, and
 * what is left still runs in order. */
static void
test_cancelled_timers_released (void)
{
  g_autoptr (PochtaScheduler) scheduler = pochta_scheduler_new (0);
  guint64 far[100];
  gint64 next, last = -1;
  guint n_run = 0;

  destroyed = 0;
  for (guint i = 0; i < G_N_ELEMENTS (far); i++)
    far[i] = pochta_scheduler_add (scheduler, 1000000 + i, never_runs, NULL, count_destroy);
  for (guint i = 0; i < 50; i++)
    pochta_scheduler_add (scheduler, 50 - i, do_nothing, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (far); i++)
    g_assert_true (pochta_scheduler_cancel (scheduler, far[i]));
  g_assert_cmpint (destroyed, >=, 50);
  g_assert_cmpuint (pochta_scheduler_get_n_pending (scheduler), ==, 50);
  g_assert_false (pochta_scheduler_cancel (scheduler, far[0]));
  while (pochta_scheduler_peek_time (scheduler, &next))
    {
      g_assert_cmpint (next, >, last);
      last = next;
      pochta_scheduler_step (scheduler);
      n_run++;
    }
  g_assert_cmpuint (n_run, ==, 50);
  g_assert_cmpint (destroyed, ==, 100);
}

static int
compare_times (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

/* A larger random load against a sorted reference. */
static void
test_heap_against_sort (void)
{
  g_autoptr (PochtaScheduler) scheduler = pochta_scheduler_new (0);
  g_autoptr (GRand) rand = g_rand_new_with_seed (4711);
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) seen = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (int i = 0; i < 2000; i++)
    {
      gint64 t = g_rand_int_range (rand, 0, 500);
      g_array_append_val (times, t);
      guint64 id = pochta_scheduler_add (scheduler, t, do_nothing, NULL, NULL);
      /* Every third one is cancelled again, and leaves the reference. */
      if (i % 3 == 0)
        {
          pochta_scheduler_cancel (scheduler, id);
          g_array_set_size (times, times->len - 1);
        }
    }
  gint64 next;
  while (pochta_scheduler_peek_time (scheduler, &next))
    {
      g_array_append_val (seen, next);
      pochta_scheduler_step (scheduler);
    }
  g_array_sort (times, compare_times);
  g_assert_cmpuint (seen->len, ==, times->len);
  for (guint i = 0; i < seen->len; i++)
    g_assert_cmpint (g_array_index (seen, gint64, i), ==, g_array_index (times, gint64, i));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/sim/scheduler/time-order", Fixture, NULL, fixture_set_up, test_time_order,
              fixture_tear_down);
  g_test_add ("/sim/scheduler/tie-break", Fixture, NULL, fixture_set_up, test_tie_break,
              fixture_tear_down);
  g_test_add ("/sim/scheduler/cancel", Fixture, NULL, fixture_set_up, test_cancel,
              fixture_tear_down);
  g_test_add ("/sim/scheduler/run-until", Fixture, NULL, fixture_set_up, test_run_until,
              fixture_tear_down);
  g_test_add ("/sim/scheduler/events-add-events", Fixture, NULL, fixture_set_up,
              test_events_add_events, fixture_tear_down);
  g_test_add_func ("/sim/scheduler/free-drops-pending", test_free_drops_pending);
  g_test_add_func ("/sim/scheduler/heap-against-sort", test_heap_against_sort);
  g_test_add_func ("/sim/scheduler/cancelled-timers-released", test_cancelled_timers_released);
  g_test_add_func ("/sim/scheduler/stale-ids", test_stale_ids);
  return g_test_run ();
}
