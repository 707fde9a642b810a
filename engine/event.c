/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Session events and the queue that holds them until the caller pulls. */
#define G_LOG_DOMAIN "pochta-event"
#include "config.h"

#include <string.h>

#include "event-queue-private.h"

/* Events by value in one array, the oldest at head: a session pushes a
 * few events per line and the caller pulls them all, so the array empties
 * again at once and no event costs an allocation of its own. */
struct _PochtaEventQueue
{
  GArray *events;  /* of PochtaEvent */
  guint head;      /* the oldest event not yet pulled */
  gboolean drop_lines;
  gboolean drop_received;
  PochtaEventSink sink;
  gpointer sink_data;
};

const char *
pochta_event_type_to_string (PochtaEventType type)
{
  switch (type)
    {
    case POCHTA_EVENT_NONE: return "none";
    case POCHTA_EVENT_LINE_RECEIVED: return "line-received";
    case POCHTA_EVENT_LINE_SENT: return "line-sent";
    case POCHTA_EVENT_STATE_CHANGED: return "state-changed";
    case POCHTA_EVENT_AUTHENTICATED: return "authenticated";
    case POCHTA_EVENT_MESSAGE: return "message";
    case POCHTA_EVENT_RECIPIENT: return "recipient";
    case POCHTA_EVENT_CLOSED: return "closed";
    case POCHTA_EVENT_ERROR: return "error";
    case POCHTA_EVENT_TURN: return "turn";
    default: return "unknown";
    }
}

void
pochta_event_clear (PochtaEvent *event)
{
  g_return_if_fail (event != NULL);

  g_free (event->text);
  g_free (event->detail);
  g_clear_pointer (&event->bytes, g_bytes_unref);
  memset (event, 0, sizeof *event);
}

PochtaEventQueue *
pochta_event_queue_new (void)
{
  PochtaEventQueue *self = g_new0 (PochtaEventQueue, 1);
  self->events = g_array_sized_new (FALSE, FALSE, sizeof (PochtaEvent), 8);
  return self;
}

void
pochta_event_queue_free (PochtaEventQueue *self)
{
  if (self == NULL)
    return;
  for (guint i = self->head; i < self->events->len; i++)
    pochta_event_clear (&g_array_index (self->events, PochtaEvent, i));
  g_array_unref (self->events);
  g_free (self);
}

/* Whether an event of this type goes straight to the sink. */
static gboolean
for_sink (PochtaEventQueue *self, PochtaEventType type)
{
  return self->sink != NULL && self->head >= self->events->len
         && (type == POCHTA_EVENT_LINE_SENT || type == POCHTA_EVENT_LINE_RECEIVED
             || type == POCHTA_EVENT_STATE_CHANGED);
}

/* Queues event, and tells a sink that next_event () has something: with
 * a sink, a caller need not ask an empty queue after every line. */
static void
enqueue (PochtaEventQueue *self, const PochtaEvent *event)
{
  g_array_append_vals (self->events, event, 1);
  if (self->sink != NULL && self->events->len - self->head == 1)
    {
      static const PochtaEvent waiting = { .type = POCHTA_EVENT_NONE };
      self->sink (&waiting, self->sink_data);
    }
}

void
pochta_event_queue_push (PochtaEventQueue *self, PochtaEvent *event)
{
  g_assert (self != NULL && event != NULL);

  if (for_sink (self, event->type))
    {
      self->sink (event, self->sink_data);
      pochta_event_clear (event);
      return;
    }
  enqueue (self, event);
  memset (event, 0, sizeof *event);
}

void
pochta_event_queue_set_sink (PochtaEventQueue *self, PochtaEventSink sink, gpointer user_data)
{
  g_assert (self != NULL);
  self->sink = sink;
  self->sink_data = user_data;
}

void
pochta_event_queue_set_report_lines (PochtaEventQueue *self, gboolean report)
{
  g_assert (self != NULL);
  self->drop_lines = !report;
}

void
pochta_event_queue_set_report_received (PochtaEventQueue *self, gboolean report)
{
  g_assert (self != NULL);
  self->drop_received = !report;
}

gboolean
pochta_event_queue_reports_lines (PochtaEventQueue *self)
{
  g_assert (self != NULL);
  return !self->drop_lines;
}

static void
push_line_event (PochtaEventQueue *self,
                 PochtaEventType   type,
                 const char       *text,
                 gsize             len,
                 guint             code,
                 guint             n_lines,
                 int               state,
                 gboolean          in_data)
{
  PochtaEvent event = { 0 };

  g_assert (self != NULL);
  /* The copy of the line is most of what an event costs. */
  if (self->drop_lines || (type == POCHTA_EVENT_LINE_RECEIVED && self->drop_received))
    return;
  event.type = type;
  event.length = len;
  event.code = code;
  event.new_state = state;
  event.in_data = in_data;
  event.n_lines = n_lines;
  if (for_sink (self, type))
    {
      /* Lent, not copied: the sink sees the caller's bytes. */
      event.text = (char *) text;
      self->sink (&event, self->sink_data);
      return;
    }
  event.text = g_malloc (len + 1);
  if (len > 0)
    memcpy (event.text, text, len);
  event.text[len] = '\0';
  enqueue (self, &event);
}

void
pochta_event_queue_push_line (PochtaEventQueue *self,
                              PochtaEventType   type,
                              const char       *text,
                              gsize             len,
                              guint             code,
                              int               state,
                              gboolean          in_data)
{
  push_line_event (self, type, text, len, code, 1, state, in_data);
}

void
pochta_event_queue_push_lines (PochtaEventQueue *self,
                               PochtaEventType   type,
                               const char       *text,
                               gsize             len,
                               guint             n_lines,
                               int               state,
                               gboolean          in_data)
{
  g_assert (n_lines > 0);
  push_line_event (self, type, text, len, 0, n_lines, state, in_data);
}

void
pochta_event_queue_push_state (PochtaEventQueue *self, int old_state, int new_state)
{
  PochtaEvent event = { 0 };

  g_assert (self != NULL);
  event.type = POCHTA_EVENT_STATE_CHANGED;
  event.old_state = old_state;
  event.new_state = new_state;
  pochta_event_queue_push (self, &event);
}

void
pochta_event_queue_push_text (PochtaEventQueue *self, PochtaEventType type, const char *text)
{
  PochtaEvent event = { 0 };

  g_assert (self != NULL);
  event.type = type;
  event.text = g_strdup (text != NULL ? text : "");
  event.length = strlen (event.text);
  pochta_event_queue_push (self, &event);
}

gboolean
pochta_event_queue_pop (PochtaEventQueue *self, PochtaEvent *out_event)
{
  g_assert (self != NULL && out_event != NULL);

  if (self->head >= self->events->len)
    {
      memset (out_event, 0, sizeof *out_event);
      return FALSE;
    }
  *out_event = g_array_index (self->events, PochtaEvent, self->head);
  if (++self->head == self->events->len)
    {
      /* Drained: start again at the front, keeping the allocation. */
      self->head = 0;
      self->events->len = 0;  /* events are plain values: nothing to clear */
    }
  else if (self->head >= 64 && self->head * 2 >= self->events->len)
    {
      /* A caller that pops a few and pushes more never empties the queue:
       * drop the dead front so the array stays bounded by what waits. */
      g_array_remove_range (self->events, 0, self->head);
      self->head = 0;
    }
  return TRUE;
}

gboolean
pochta_event_queue_is_empty (PochtaEventQueue *self)
{
  g_assert (self != NULL);
  return self->head >= self->events->len;
}
