/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The spinning poll: see busy-poll.h. */
#define G_LOG_DOMAIN "pochta-bridge"
#include "config.h"

#include <sched.h>

#include "busy-poll.h"

/* GPollFunc has no user data, hence one state per process. */
static struct
{
  gint64 window;          /* µs; 0: never spin */
  gboolean active;        /* the last poll found something */
  PochtaBusyPollStats stats;
} state;

/* How long a poll spins at most: never when it must not wait, nor after
 * a quiet wakeup; never past its timeout. */
static gint64
spin_limit (gint timeout_ms)
{
  if (state.window == 0 || !state.active || timeout_ms == 0)
    return 0;
  return timeout_ms < 0 ? state.window : MIN (state.window, (gint64) timeout_ms * 1000);
}

/* Asks without waiting until something is ready or limit µs are over;
 * returns what the last g_poll () said (0: nothing yet). */
static gint
spin (GPollFD *fds, guint n_fds, gint64 limit, gint64 *out_spent)
{
  gint64 start = g_get_monotonic_time ();
  gint ready;

  while ((ready = g_poll (fds, n_fds, 0)) == 0)
    {
      *out_spent = g_get_monotonic_time () - start;
      if (*out_spent >= limit)
        break;
      /* The client may be waiting for this CPU. */
      sched_yield ();
    }
  return ready;
}

static gint
busy_poll (GPollFD *fds, guint n_fds, gint timeout_ms)
{
  gint64 limit = spin_limit (timeout_ms);
  gint ready;

  state.stats.polls++;
  if (limit > 0)
    {
      gint64 spent = 0;

      state.stats.spins++;
      ready = spin (fds, n_fds, limit, &spent);
      if (ready != 0)
        {
          state.stats.caught += ready > 0;
          state.active = ready > 0;
          return ready;
        }
      if (timeout_ms > 0)
        timeout_ms = (gint) MAX (0, timeout_ms - spent / 1000);
    }
  if (timeout_ms != 0)
    state.stats.slept++;
  ready = g_poll (fds, n_fds, timeout_ms);
  state.active = ready > 0;
  return ready;
}

void
pochta_busy_poll_install (GMainContext *context, guint window_us)
{
  state.window = window_us;
  state.active = FALSE;
  state.stats = (PochtaBusyPollStats){ 0 };
  g_main_context_set_poll_func (context, window_us > 0 ? busy_poll : g_poll);
}

void
pochta_busy_poll_uninstall (GMainContext *context)
{
  state.window = 0;
  g_main_context_set_poll_func (context, g_poll);
}

void
pochta_busy_poll_get_stats (PochtaBusyPollStats *out_stats)
{
  g_return_if_fail (out_stats != NULL);
  *out_stats = state.stats;
}
