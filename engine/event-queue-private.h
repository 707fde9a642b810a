/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The FIFO of events every session keeps between feed () and next_event (). */
#pragma once

#include "event.h"

G_BEGIN_DECLS

typedef struct _PochtaEventQueue PochtaEventQueue;

PochtaEventQueue *pochta_event_queue_new (void);
void pochta_event_queue_free (PochtaEventQueue *self);

/* Takes ownership of what *event owns and zeroes *event. */
void pochta_event_queue_push (PochtaEventQueue *self, PochtaEvent *event);

/* Convenience: copies len bytes of text. */
void pochta_event_queue_push_line (PochtaEventQueue *self,
                                   PochtaEventType   type,
                                   const char       *text,
                                   gsize             len,
                                   guint             code,
                                   int               state,
                                   gboolean          in_data);
/* n_lines lines of text joined by LF in one event (n_lines > 0). */
void pochta_event_queue_push_lines (PochtaEventQueue *self,
                                    PochtaEventType   type,
                                    const char       *text,
                                    gsize             len,
                                    guint             n_lines,
                                    int               state,
                                    gboolean          in_data);
/* FALSE: push_line () drops LINE_* events at once, for a caller that
 * records no lines (a scale run); every other event still queues.  A new
 * queue reports lines. */
void pochta_event_queue_set_report_lines (PochtaEventQueue *self, gboolean report);
gboolean pochta_event_queue_reports_lines (PochtaEventQueue *self);
/* FALSE: LINE_RECEIVED events are dropped at once (a caller that records
 * each line where it is sent); a new queue reports them. */
void pochta_event_queue_set_report_received (PochtaEventQueue *self, gboolean report);
/* With a sink, LINE_* and STATE_CHANGED events go to it when nothing
 * waits in the queue before them; every other event, and any event
 * behind one that waits, still queues, so the order stays the order of
 * reporting, and the sink gets a NONE event when the empty queue gets
 * one.  NULL: everything queues again. */
void pochta_event_queue_set_sink (PochtaEventQueue *self, PochtaEventSink sink, gpointer user_data);
void pochta_event_queue_push_state (PochtaEventQueue *self, int old_state, int new_state);
void pochta_event_queue_push_text (PochtaEventQueue *self, PochtaEventType type, const char *text);

/* Moves the oldest event into *out_event; FALSE when empty. */
gboolean pochta_event_queue_pop (PochtaEventQueue *self, PochtaEvent *out_event);
gboolean pochta_event_queue_is_empty (PochtaEventQueue *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaEventQueue, pochta_event_queue_free)

G_END_DECLS
