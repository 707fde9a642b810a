/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The spinning poll (busy-poll.h), called as GLib calls it, on a pipe: it
 * spins only after a poll that found something, catches what arrives
 * while it spins, never waits past its timeout, and an idle one sleeps at
 * once. */
#include "config.h"

#include <glib-unix.h>
#include <unistd.h>

#include "busy-poll.h"

/* Long next to the writer's delay, so that the spin surely catches it. */
#define LONG_WINDOW_US (2 * G_USEC_PER_SEC)

typedef struct
{
  GMainContext *context;
  GPollFunc poll;
  int pipe[2];
  GPollFD fd;
  int dispatched;
} Fixture;

static void
fixture_set_up (Fixture *f, guint window_us)
{
  g_autoptr (GError) error = NULL;

  *f = (Fixture){ .context = g_main_context_new () };
  pochta_busy_poll_install (f->context, window_us);
  f->poll = g_main_context_get_poll_func (f->context);
  g_assert_true (g_unix_open_pipe (f->pipe, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  f->fd = (GPollFD){ .fd = f->pipe[0], .events = G_IO_IN };
}

static void
fixture_tear_down (Fixture *f)
{
  pochta_busy_poll_uninstall (f->context);
  g_assert_true (g_main_context_get_poll_func (f->context) == g_poll);
  g_main_context_unref (f->context);
  close (f->pipe[0]);
  close (f->pipe[1]);
}

static void
put_byte (Fixture *f)
{
  g_assert_cmpint (write (f->pipe[1], "x", 1), ==, 1);
}

static void
take_byte (Fixture *f)
{
  char byte;

  g_assert_cmpint (read (f->pipe[0], &byte, 1), ==, 1);
}

/* The poll as GLib calls it; returns what it returned. */
static gint
poll_once (Fixture *f, gint timeout_ms)
{
  f->fd.revents = 0;
  return f->poll (&f->fd, 1, timeout_ms);
}

static PochtaBusyPollStats
stats (void)
{
  PochtaBusyPollStats s;

  pochta_busy_poll_get_stats (&s);
  return s;
}

/* A first poll that finds the byte makes the next one spin. */
static void
make_active (Fixture *f)
{
  put_byte (f);
  g_assert_cmpint (poll_once (f, -1), ==, 1);
  g_assert_cmpint (f->fd.revents & G_IO_IN, ==, G_IO_IN);
  take_byte (f);
}

static gpointer
write_later (gpointer data)
{
  Fixture *f = data;

  g_usleep (2000);
  put_byte (f);
  return NULL;
}

static void
test_window_zero_is_plain_poll (void)
{
  GMainContext *context = g_main_context_new ();

  pochta_busy_poll_install (context, 0);
  g_assert_true (g_main_context_get_poll_func (context) == g_poll);
  g_main_context_unref (context);
}

static void
test_first_poll_does_not_spin (void)
{
  Fixture f;

  fixture_set_up (&f, LONG_WINDOW_US);
  make_active (&f);
  PochtaBusyPollStats s = stats ();
  g_assert_cmpuint (s.polls, ==, 1);
  g_assert_cmpuint (s.spins, ==, 0);
  g_assert_cmpuint (s.slept, ==, 1);
  fixture_tear_down (&f);
}

static void
test_spin_catches_what_arrives (void)
{
  Fixture f;

  fixture_set_up (&f, LONG_WINDOW_US);
  make_active (&f);
  GThread *writer = g_thread_new ("writer", write_later, &f);
  g_assert_cmpint (poll_once (&f, -1), ==, 1);
  g_thread_join (writer);
  take_byte (&f);
  PochtaBusyPollStats s = stats ();
  g_assert_cmpuint (s.spins, ==, 1);
  g_assert_cmpuint (s.caught, ==, 1);
  /* Only make_active ()'s poll went to the kernel with a timeout. */
  g_assert_cmpuint (s.slept, ==, 1);
  fixture_tear_down (&f);
}

static void
test_spin_ends_at_the_timeout (void)
{
  Fixture f;

  fixture_set_up (&f, LONG_WINDOW_US);
  make_active (&f);
  gint64 start = g_get_monotonic_time ();
  g_assert_cmpint (poll_once (&f, 30), ==, 0);
  gint64 spent = g_get_monotonic_time () - start;
  /* Not 2 s: the timeout bounds the spin. */
  g_assert_cmpint (spent, >=, 29 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (spent, <, LONG_WINDOW_US / 2);
  PochtaBusyPollStats s = stats ();
  g_assert_cmpuint (s.spins, ==, 1);
  g_assert_cmpuint (s.caught, ==, 0);
  fixture_tear_down (&f);
}

static void
test_quiet_wakeup_then_sleeps (void)
{
  Fixture f;

  /* A window short enough for the test, long next to one g_poll (). */
  fixture_set_up (&f, 1000);
  make_active (&f);
  /* Spins 1 ms, then waits in the kernel for the rest of the 20 ms. */
  g_assert_cmpint (poll_once (&f, 20), ==, 0);
  /* That found nothing: the next poll goes to sleep without spinning,
   * and one that must not wait never spins. */
  g_assert_cmpint (poll_once (&f, 5), ==, 0);
  make_active (&f);
  g_assert_cmpint (poll_once (&f, 0), ==, 0);
  PochtaBusyPollStats s = stats ();
  g_assert_cmpuint (s.polls, ==, 5);
  g_assert_cmpuint (s.spins, ==, 1);
  g_assert_cmpuint (s.caught, ==, 0);
  g_assert_cmpuint (s.slept, ==, 4);
  fixture_tear_down (&f);
}

static gboolean
on_readable (int fd, GIOCondition condition, gpointer data)
{
  Fixture *f = data;

  take_byte (f);
  f->dispatched++;
  return G_SOURCE_CONTINUE;
}

/* Through a real GMainContext: what the spin finds is dispatched. */
static void
test_main_loop_dispatches_through_it (void)
{
  Fixture f;

  fixture_set_up (&f, LONG_WINDOW_US);
  GSource *source = g_unix_fd_source_new (f.pipe[0], G_IO_IN);
  g_source_set_callback (source, G_SOURCE_FUNC (on_readable), &f, NULL);
  g_source_attach (source, f.context);
  put_byte (&f);
  g_assert_true (g_main_context_iteration (f.context, TRUE));
  g_assert_cmpint (f.dispatched, ==, 1);
  GThread *writer = g_thread_new ("writer", write_later, &f);
  while (f.dispatched < 2)
    g_main_context_iteration (f.context, TRUE);
  g_thread_join (writer);
  /* GLib's own wakeup may have been caught first. */
  g_assert_cmpuint (stats ().caught, >=, 1);
  g_source_destroy (source);
  g_source_unref (source);
  fixture_tear_down (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/busy-poll/window-zero-is-plain-poll", test_window_zero_is_plain_poll);
  g_test_add_func ("/busy-poll/first-poll-does-not-spin", test_first_poll_does_not_spin);
  g_test_add_func ("/busy-poll/spin-catches-what-arrives", test_spin_catches_what_arrives);
  g_test_add_func ("/busy-poll/spin-ends-at-the-timeout", test_spin_ends_at_the_timeout);
  g_test_add_func ("/busy-poll/quiet-wakeup-then-sleeps", test_quiet_wakeup_then_sleeps);
  g_test_add_func ("/busy-poll/main-loop-dispatches-through-it", test_main_loop_dispatches_through_it);
  return g_test_run ();
}
