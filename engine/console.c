/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The manual client: typed lines out, server lines in. */
#define G_LOG_DOMAIN "pochta-console"
#include "config.h"

#include <string.h>

#include "console.h"
#include "event-queue-private.h"
#include "line-reader.h"

/* Server lines are read only to follow the session: RFC 5321
 * §4.5.3.1.5 bounds a reply line at 512 octets, but a message a POP3
 * server sends can hold lines of 1000 (§4.5.3.1.6); longer ones are cut. */
#define SERVER_LINE_MAX 1000

typedef enum
{
  CONSOLE_OPEN,
  CONSOLE_DATA,     /* SMTP: after 354, typed lines are message content */
  CONSOLE_DONE,
} ConsoleState;

struct _PochtaConsole
{
  PochtaProtocol protocol;
  ConsoleState state;
  GByteArray *output;
  PochtaLineReader *reader;
  PochtaEventQueue *events;
  char *last_reply;
  gboolean hung_up;
};

PochtaConsole *
pochta_console_new (PochtaProtocol protocol)
{
  PochtaConsole *self = g_new0 (PochtaConsole, 1);
  self->protocol = protocol;
  self->output = g_byte_array_new ();
  self->reader = pochta_line_reader_new (SERVER_LINE_MAX);
  self->events = pochta_event_queue_new ();
  return self;
}

void
pochta_console_free (PochtaConsole *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->output);
  pochta_line_reader_free (self->reader);
  pochta_event_queue_free (self->events);
  g_free (self->last_reply);
  g_free (self);
}

void
pochta_console_type_line (PochtaConsole *self, const char *line, gsize len)
{
  g_return_if_fail (self != NULL && (line != NULL || len == 0));
  g_return_if_fail (self->state != CONSOLE_DONE && !self->hung_up);

  gboolean in_data = self->state == CONSOLE_DATA;
  g_byte_array_append (self->output, (const guint8 *) line, (guint) len);
  g_byte_array_append (self->output, (const guint8 *) "\r\n", 2);
  /* RFC 5321 §4.1.1.4: a lone "." ends the content. */
  if (in_data && len == 1 && line[0] == '.')
    self->state = CONSOLE_OPEN;
  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_SENT, line, len, 0,
                                (int) self->state, in_data);
}

void
pochta_console_hang_up (PochtaConsole *self)
{
  g_return_if_fail (self != NULL);
  self->hung_up = TRUE;
}

gboolean
pochta_console_is_done (PochtaConsole *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->state == CONSOLE_DONE || (self->hung_up && self->output->len == 0);
}

const char *
pochta_console_get_last_reply (PochtaConsole *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->last_reply;
}

static void
take_server_line (PochtaConsole *self, const char *line, gsize len)
{
  g_free (self->last_reply);
  self->last_reply = g_strndup (line, len);
  /* RFC 5321 §4.2.2: 354 invites the content. */
  if (self->protocol == POCHTA_PROTOCOL_SMTP && len >= 4 && memcmp (line, "354", 3) == 0
      && (line[3] == ' ' || line[3] == '-'))
    self->state = CONSOLE_DATA;
}

static gssize
console_feed (gpointer session, const guint8 *data, gsize len)
{
  PochtaConsole *self = session;
  gsize done = 0;

  while (done < len)
    {
      PochtaLineStatus status;
      done += pochta_line_reader_feed (self->reader, data + done, len - done, &status);
      if (status == POCHTA_LINE_NONE)
        continue;
      gsize line_len;
      const char *line = pochta_line_reader_get_line (self->reader, &line_len);
      take_server_line (self, line, line_len);
    }
  return (gssize) len;
}

static void
console_feed_eof (gpointer session)
{
  PochtaConsole *self = session;
  self->state = CONSOLE_DONE;
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_CLOSED,
                                "the server closed the connection");
}

static gsize
console_peek (gpointer session, const guint8 **out_data)
{
  PochtaConsole *self = session;
  *out_data = self->output->data;
  return self->output->len;
}

static void
console_consume (gpointer session, gsize n_bytes)
{
  PochtaConsole *self = session;
  g_byte_array_remove_range (self->output, 0, (guint) n_bytes);
}

static gboolean
console_next_event (gpointer session, PochtaEvent *out_event)
{
  PochtaConsole *self = session;
  return pochta_event_queue_pop (self->events, out_event);
}

static int
console_get_state (gpointer session)
{
  PochtaConsole *self = session;
  return (int) self->state;
}

static gboolean
console_is_done (gpointer session)
{
  return pochta_console_is_done (session);
}

static void
console_free (gpointer session)
{
  pochta_console_free (session);
}

/* No state names: a person's state of mind is not in the transcript. */
const PochtaSessionClass pochta_console_session_class = {
  console_feed, console_feed_eof, console_peek, console_consume, console_next_event,
  console_get_state, NULL, console_is_done, console_free,
};
