/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A main loop's poll that spins a little before it sleeps.
 *
 * A lock-step client (smtp-source, smtplib, a POP3 client fetching one
 * message after another) sends its next command a few microseconds after
 * it has read a reply.  A server that goes to sleep in poll () at once has
 * to be woken for that command, and on a virtual machine waking an idle
 * CPU costs tens of microseconds, more than answering the command.  So
 * after a poll that found something, the next one first asks again and
 * again without waiting, for at most window µs, and only then sleeps.
 * Between two tries it calls sched_yield (): when the client runs on the
 * same CPU, that lets it run at once, as sleeping would.
 *
 * The cost is CPU time: up to window µs after each burst of activity.  A
 * poll after a wakeup that found nothing (a timer's), and a poll that must
 * not wait (timeout 0), never spin, so an idle server sleeps as before.
 *
 * The state is the process's: install it on one context. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the poll did since install; for tests and benchmarks. */
typedef struct
{
  guint64 polls;          /* calls of the poll function */
  guint64 spins;          /* polls that spun before answering or sleeping */
  guint64 caught;         /* spins that found something without sleeping */
  guint64 slept;          /* polls that waited in the kernel */
} PochtaBusyPollStats;

/* Makes context's poll spin for at most window_us µs (see above); a
 * window of 0 gives the plain g_poll ().  context NULL: the default one. */
void pochta_busy_poll_install (GMainContext *context, guint window_us);
/* context's poll is g_poll () again. */
void pochta_busy_poll_uninstall (GMainContext *context);
void pochta_busy_poll_get_stats (PochtaBusyPollStats *out_stats);

G_END_DECLS
