/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real client's end of a bridged connection: its bytes to the server
 * as they came, its lines to the transcript, the server's bytes kept for
 * the socket. */
#define G_LOG_DOMAIN "pochta-bridge"
#include "config.h"

#include <string.h>

#include "bridge-client.h"
#include "byte-array-private.h"
#include "event-queue-private.h"

/* The longest line recorded whole: RFC 4954 §4 lets an AUTH line reach
 * 12288 octets, more than any other command (RFC 5321 §4.5.3.1.4) or
 * text line (§4.5.3.1.6).  A longer one is recorded cut to this length;
 * the server still gets every byte and answers as its limits say. */
#define RECORDED_LINE_MAX 12288

/* RFC 5321 §4.2: a reply code is three digits; "354" opens the content
 * (§4.1.1.4). */
#define REPLY_CODE_LEN 3

typedef enum
{
  CLIENT_COMMANDS,
  CLIENT_CONTENT,   /* SMTP: after 354, until the lone "." */
  CLIENT_DONE,
} ClientState;

struct _PochtaBridgeClient
{
  gint ref_count;
  PochtaProtocol protocol;
  ClientState state;
  GByteArray *unsent;          /* from the real client, for the server */
  GByteArray *received;        /* from the server, for the real client */
  gsize received_sent;         /* the part of received already consumed */
  GByteArray *partial_line;    /* the real client's unfinished line */
  gboolean skipping_long_line; /* its first RECORDED_LINE_MAX bytes went out */
  /* Lines of content from this write, joined by LF, reported as one event
   * when the write ends or a command follows: a line of content costs a
   * copy here instead of an event of its own, and the transcript splits
   * them again. */
  guint8 *content;
  gsize content_len;
  gsize content_room;
  guint n_content_lines;
  /* The head of the server's current line, to spot 354. */
  char reply_head[REPLY_CODE_LEN + 1];
  gsize reply_head_len;
  gboolean reply_line_start;
  PochtaEventQueue *events;
  gboolean hung_up;
  gboolean server_closed;
  gboolean detached;           /* the connection let go of it */
  PochtaBridgeClientNotify notify;
  gpointer notify_data;
};

PochtaBridgeClient *
pochta_bridge_client_new (PochtaProtocol protocol)
{
  PochtaBridgeClient *self = g_new0 (PochtaBridgeClient, 1);

  self->ref_count = 1;
  self->protocol = protocol;
  self->unsent = g_byte_array_new ();
  self->received = g_byte_array_new ();
  self->partial_line = g_byte_array_new ();
  self->reply_line_start = TRUE;
  self->events = pochta_event_queue_new ();
  return self;
}

PochtaBridgeClient *
pochta_bridge_client_ref (PochtaBridgeClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  self->ref_count++;
  return self;
}

void
pochta_bridge_client_unref (PochtaBridgeClient *self)
{
  if (self == NULL || --self->ref_count > 0)
    return;
  g_byte_array_unref (self->unsent);
  g_byte_array_unref (self->received);
  g_byte_array_unref (self->partial_line);
  g_free (self->content);
  pochta_event_queue_free (self->events);
  g_free (self);
}

void
pochta_bridge_client_set_notify (PochtaBridgeClient      *self,
                                 PochtaBridgeClientNotify notify,
                                 gpointer                 user_data)
{
  g_return_if_fail (self != NULL);
  self->notify = notify;
  self->notify_data = user_data;
}

static void
notify (PochtaBridgeClient *self)
{
  if (self->notify != NULL)
    self->notify (self, self->notify_data);
}

/* ---- the real client's lines ---- */

static void
report_content (PochtaBridgeClient *self)
{
  if (self->n_content_lines == 0)
    return;
  pochta_event_queue_push_lines (self->events, POCHTA_EVENT_LINE_SENT, (const char *) self->content,
                                 self->content_len, self->n_content_lines, CLIENT_CONTENT, TRUE);
  self->content_len = 0;
  self->n_content_lines = 0;
}

static void
keep_content_line (PochtaBridgeClient *self, const guint8 *line, gsize len)
{
  gsize separator = self->n_content_lines > 0 ? 1 : 0;

  self->content = pochta_buffer_reserve (self->content, &self->content_room,
                                         self->content_len + separator + len, 1024);
  if (separator > 0)
    self->content[self->content_len++] = '\n';
  if (len > 0)
    memcpy (self->content + self->content_len, line, len);
  self->content_len += len;
  self->n_content_lines++;
}

static void
report_line (PochtaBridgeClient *self, const guint8 *line, gsize len)
{
  gboolean in_data = self->state == CLIENT_CONTENT;
  /* RFC 5321 §4.1.1.4: the lone "." ends the content. */
  gboolean end_of_data = in_data && len == 1 && line[0] == '.';

  if (in_data && !end_of_data)
    {
      keep_content_line (self, line, len);
      return;
    }
  report_content (self);
  if (end_of_data)
    self->state = CLIENT_COMMANDS;
  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_SENT, (const char *) line, len, 0,
                                (int) self->state, in_data);
}

/* A line ends at LF; the CR before it is the terminator's too (RFC 5321
 * §2.3.8).  A bare LF still ends the recorded line: the transcript shows
 * what the server was given, and the server answers it as it must. */
static void
end_line (PochtaBridgeClient *self, const guint8 *tail, gsize tail_len)
{
  GByteArray *partial = self->partial_line;
  const guint8 *line = tail;
  gsize len = tail_len;

  if (self->skipping_long_line)
    {
      self->skipping_long_line = FALSE;
      return;
    }
  if (partial->len > 0)
    {
      g_byte_array_append (partial, tail,
                           (guint) MIN (tail_len, RECORDED_LINE_MAX + 1 - partial->len));
      line = partial->data;
      len = partial->len;
    }
  if (len > 0 && line[len - 1] == '\r')
    len--;
  report_line (self, line, MIN (len, RECORDED_LINE_MAX));
  if (partial->len > 0)
    g_byte_array_set_size (partial, 0);
}

/* Up to the limit and the CR of a line exactly that long; anything longer
 * is recorded cut and the rest of it skipped. */
static void
keep_partial (PochtaBridgeClient *self, const guint8 *data, gsize len)
{
  GByteArray *partial = self->partial_line;

  if (self->skipping_long_line)
    return;
  g_byte_array_append (partial, data, (guint) MIN (len, RECORDED_LINE_MAX + 2 - partial->len));
  if (partial->len > RECORDED_LINE_MAX + 1)
    {
      report_line (self, partial->data, RECORDED_LINE_MAX);
      g_byte_array_set_size (partial, 0);
      self->skipping_long_line = TRUE;
    }
}

static void
split_lines (PochtaBridgeClient *self, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      const guint8 *lf = memchr (data, '\n', len);
      if (lf == NULL)
        {
          keep_partial (self, data, len);
          return;
        }
      end_line (self, data, (gsize) (lf - data));
      len -= (gsize) (lf - data) + 1;
      data = lf + 1;
    }
}

void
pochta_bridge_client_write (PochtaBridgeClient *self, const guint8 *data, gsize len)
{
  g_return_if_fail (self != NULL && (data != NULL || len == 0));
  g_return_if_fail (!self->hung_up);

  if (self->state == CLIENT_DONE)
    return;
  g_byte_array_append (self->unsent, data, (guint) len);
  split_lines (self, data, len);
  /* Reported before the server reads them, so that they are recorded
   * before its replies. */
  report_content (self);
}

void
pochta_bridge_client_hang_up (PochtaBridgeClient *self)
{
  g_return_if_fail (self != NULL);

  /* An unfinished last line is still what the client said. */
  if (!self->hung_up && self->partial_line->len > 0)
    {
      report_line (self, self->partial_line->data, self->partial_line->len);
      g_byte_array_set_size (self->partial_line, 0);
      report_content (self);
    }
  self->hung_up = TRUE;
}

/* ---- the server's bytes ---- */

static void
watch_replies (PochtaBridgeClient *self, const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '\n')
        {
          self->reply_line_start = TRUE;
          self->reply_head_len = 0;
          continue;
        }
      if (!self->reply_line_start)
        continue;
      self->reply_head[self->reply_head_len++] = (char) data[i];
      if (self->reply_head_len < REPLY_CODE_LEN)
        continue;
      /* RFC 5321 §4.2.2: 354 invites the content. */
      if (memcmp (self->reply_head, "354", REPLY_CODE_LEN) == 0)
        self->state = CLIENT_CONTENT;
      self->reply_line_start = FALSE;
      self->reply_head_len = 0;
    }
}

gsize
pochta_bridge_client_peek_received (PochtaBridgeClient *self, const guint8 **out_data)
{
  g_return_val_if_fail (self != NULL && out_data != NULL, 0);

  *out_data = self->received->data + self->received_sent;
  return self->received->len - self->received_sent;
}

void
pochta_bridge_client_consume_received (PochtaBridgeClient *self, gsize n_bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n_bytes <= self->received->len - self->received_sent);

  self->received_sent += n_bytes;
  /* Moving the rest down only once it is all gone or the sent part is
   * the larger one keeps the buffer bounded without copying per write. */
  if (self->received_sent == self->received->len)
    {
      g_byte_array_set_size (self->received, 0);
      self->received_sent = 0;
    }
  else if (self->received_sent * 2 > self->received->len)
    {
      g_byte_array_remove_range (self->received, 0, (guint) self->received_sent);
      self->received_sent = 0;
    }
}

gboolean
pochta_bridge_client_is_closed (PochtaBridgeClient *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->server_closed || self->detached;
}

gsize
pochta_bridge_client_get_unsent (PochtaBridgeClient *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->unsent->len;
}

/* ---- as a session ---- */

static gssize
bridge_feed (gpointer session, const guint8 *data, gsize len)
{
  PochtaBridgeClient *self = session;

  if (self->protocol == POCHTA_PROTOCOL_SMTP)
    watch_replies (self, data, len);
  g_byte_array_append (self->received, data, (guint) len);
  notify (self);
  return (gssize) len;
}

static void
bridge_feed_eof (gpointer session)
{
  PochtaBridgeClient *self = session;

  self->server_closed = TRUE;
  self->state = CLIENT_DONE;
  g_byte_array_set_size (self->unsent, 0);
  notify (self);
}

static gsize
bridge_peek (gpointer session, const guint8 **out_data)
{
  PochtaBridgeClient *self = session;
  *out_data = self->unsent->data;
  return self->unsent->len;
}

static void
bridge_consume (gpointer session, gsize n_bytes)
{
  PochtaBridgeClient *self = session;
  g_byte_array_remove_range (self->unsent, 0, (guint) n_bytes);
}

static gboolean
bridge_next_event (gpointer session, PochtaEvent *out_event)
{
  PochtaBridgeClient *self = session;
  return pochta_event_queue_pop (self->events, out_event);
}

static void
bridge_set_event_sink (gpointer session, PochtaEventSink sink, gpointer user_data)
{
  PochtaBridgeClient *self = session;
  pochta_event_queue_set_sink (self->events, sink, user_data);
}

static int
bridge_get_state (gpointer session)
{
  PochtaBridgeClient *self = session;
  return (int) self->state;
}

static gboolean
bridge_is_done (gpointer session)
{
  PochtaBridgeClient *self = session;
  return self->state == CLIENT_DONE || (self->hung_up && self->unsent->len == 0);
}

static void
bridge_free (gpointer session)
{
  PochtaBridgeClient *self = session;

  self->detached = TRUE;
  notify (self);
  pochta_bridge_client_unref (self);
}

/* No state names: what a real client thinks is not in the transcript. */
const PochtaSessionClass pochta_bridge_client_session_class = {
  bridge_feed, bridge_feed_eof, bridge_peek, bridge_consume, bridge_next_event,
  bridge_get_state, NULL, bridge_is_done, bridge_free, NULL, bridge_set_event_sink,
};
