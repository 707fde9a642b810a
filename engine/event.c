/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Session events and the queue that holds them until the caller pulls. */
#define G_LOG_DOMAIN "pochta-event"
#include "config.h"

#include <string.h>

#include "event-queue-private.h"

struct _PochtaEventQueue
{
  GQueue events; /* of PochtaEvent*, oldest at the head */
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
  g_queue_init (&self->events);
  return self;
}

static void
free_event (gpointer data)
{
  PochtaEvent *event = data;
  pochta_event_clear (event);
  g_free (event);
}

void
pochta_event_queue_free (PochtaEventQueue *self)
{
  if (self == NULL)
    return;
  g_queue_clear_full (&self->events, free_event);
  g_free (self);
}

void
pochta_event_queue_push (PochtaEventQueue *self, PochtaEvent *event)
{
  g_assert (self != NULL && event != NULL);

  PochtaEvent *copy = g_memdup2 (event, sizeof *event);
  memset (event, 0, sizeof *event);
  g_queue_push_tail (&self->events, copy);
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
  PochtaEvent event = { 0 };

  g_assert (self != NULL);
  event.type = type;
  event.text = g_malloc (len + 1);
  if (len > 0)
    memcpy (event.text, text, len);
  event.text[len] = '\0';
  event.length = len;
  event.code = code;
  event.new_state = state;
  event.in_data = in_data;
  pochta_event_queue_push (self, &event);
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

  PochtaEvent *head = g_queue_pop_head (&self->events);
  if (head == NULL)
    {
      memset (out_event, 0, sizeof *out_event);
      return FALSE;
    }
  *out_event = *head;
  g_free (head);
  return TRUE;
}

gboolean
pochta_event_queue_is_empty (PochtaEventQueue *self)
{
  g_assert (self != NULL);
  return g_queue_is_empty (&self->events);
}
