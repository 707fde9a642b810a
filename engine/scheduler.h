/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A discrete-event scheduler over a virtual clock: callbacks keyed by the
 * virtual time they are due, run in time order, and in the order they were
 * added when their times are equal, so that a run is the same every time
 * (DESIGN.md §2.2).  A binary heap: adding and running are O(log n). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PochtaScheduler PochtaScheduler;

typedef void (*PochtaSchedulerFunc) (gpointer user_data);

/* The clock starts at start_time (virtual µs since the Unix epoch). */
PochtaScheduler *pochta_scheduler_new (gint64 start_time);
/* Pending events are dropped: their destroy notifies run, their
 * callbacks do not. */
void pochta_scheduler_free (PochtaScheduler *self);

gint64 pochta_scheduler_get_time (PochtaScheduler *self);

/* Schedules func (user_data) at time, which may not lie in the past.
 * destroy (user_data), when given, runs after func or when the event is
 * cancelled or dropped.  Returns the event's id, never 0. */
guint64 pochta_scheduler_add (PochtaScheduler     *self,
                              gint64               time,
                              PochtaSchedulerFunc  func,
                              gpointer             user_data,
                              GDestroyNotify       destroy);
/* The same, delay µs after the current time. */
guint64 pochta_scheduler_add_after (PochtaScheduler     *self,
                                    gint64               delay,
                                    PochtaSchedulerFunc  func,
                                    gpointer             user_data,
                                    GDestroyNotify       destroy);

/* Forgets a pending event.  FALSE when id ran already or was cancelled. */
gboolean pochta_scheduler_cancel (PochtaScheduler *self, guint64 id);

/* Pending events; cancelled ones no longer count. */
guint pochta_scheduler_get_n_pending (PochtaScheduler *self);
/* When the next pending event is due; FALSE when there is none. */
gboolean pochta_scheduler_peek_time (PochtaScheduler *self, gint64 *out_time);

/* Moves the clock to the next pending event and runs it.  FALSE when
 * there was none. */
gboolean pochta_scheduler_step (PochtaScheduler *self);
/* Runs every event due at or before time, including those the events add,
 * then leaves the clock at time (never moving it back).  Returns how many
 * ran. */
guint pochta_scheduler_run_until (PochtaScheduler *self, gint64 time);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaScheduler, pochta_scheduler_free)

G_END_DECLS
