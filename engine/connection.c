/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Simulated TCP connections: handshake, latency, FIFO delivery, FIN and
 * loss, with every line recorded once in the transcript. */
#define G_LOG_DOMAIN "pochta-connection"
#include "config.h"

#include <string.h>

#include "byte-array-private.h"
#include "host.h"

/* constr-org.md: a client on the real loopback bridge counts as outside
 * the network; it shows with this address. */
#define OUTSIDE_ADDRESS "127.0.0.1"

/* RFC 6335 §6: the dynamic port range 49152-65535 for the clients'
 * ephemeral ports, taken in turn so that runs repeat. */
#define EPHEMERAL_PORT_FIRST 49152
#define EPHEMERAL_PORT_COUNT 16384

typedef enum
{
  SIDE_CLIENT = 0,
  SIDE_SERVER = 1,
} SideIndex;

typedef struct
{
  gpointer session;
  const PochtaSessionClass *klass;
  /* Bytes that arrived but the session left unread (rarely any: the
   * session reads straight from the segment), in a buffer of its own
   * allocated on first need. */
  guint8 *unread;
  gsize unread_len;
  gsize unread_room;
  int state;                /* the session's state as its events tell it */
  /* The state the last change since the session's last line left, or
   * -1: a line's "state before" is where the change that led to it began
   * (READY for the 250 that moved READY to MAIL). */
  int state_before_line;
  gboolean fin_sent;
  gboolean fin_received;
  /* The session's lines and state changes come through the sink, which
   * also says when an event waits for next_event (); until it does,
   * nothing is drained. */
  gboolean sink_on;
  gboolean events_waiting;
} Side;

struct _PochtaConnection
{
  gint ref_count;           /* the context's table, and every scheduled event */
  PochtaSimContext *context;
  guint handle;
  guint transcript_id;
  PochtaProtocol protocol;
  char *client_host;        /* a client outside the network: its address */
  char *server_host;
  /* The hosts themselves, found once: they live as long as the context. */
  PochtaSimHost *client;    /* NULL for a client outside the network */
  PochtaSimHost *server;
  gboolean outside;
  guint16 client_port;
  guint16 server_port;
  PochtaConnectionOwner owner;
  Side sides[2];
  gint64 open_time;
  gint64 latency;
  /* When the last byte sent by each side arrives: later bytes never
   * overtake it, even when a slow link speeds up again. */
  gint64 last_arrival[2];
  /* Bumped when the wire breaks: what was in flight is lost. */
  guint generation;
  gboolean established;
  gboolean syn_lost;        /* broke before the handshake: the timeout decides */
  gboolean over;
};

/* Every command, reply and line of content crosses the wire as a segment:
 * the small ones (nearly all of them) are kept once delivered and used
 * again, cache-warm, instead of going back to malloc.  At most
 * SEGMENT_POOL_MAX wait, so the pool stays under a megabyte and a half. */
#define SEGMENT_ROOM 256
#define SEGMENT_POOL_MAX 4096

typedef struct _Segment Segment;
struct _Segment
{
  PochtaConnection *connection;
  Segment *next_free;       /* in the context's pool */
  guint generation;
  SideIndex to;
  gboolean fin;             /* a FIN, no bytes */
  gsize len;
  gsize room;
  guint8 data[];            /* the bytes, in the same allocation */
};

static void
free_session (Side *side)
{
  if (side->session != NULL)
    side->klass->free (side->session);
  side->session = NULL;
}

static PochtaConnection *
connection_ref (PochtaConnection *self)
{
  self->ref_count++;
  return self;
}

void
pochta_connection_unref (gpointer data)
{
  PochtaConnection *self = data;
  if (--self->ref_count > 0)
    return;
  for (guint i = 0; i < 2; i++)
    {
      free_session (&self->sides[i]);
      g_free (self->sides[i].unread);
    }
  g_free (self->client_host);
  g_free (self->server_host);
  g_free (self);
}

static Segment *
segment_new (PochtaSimContext *context, gsize len)
{
  Segment *segment = context->free_segments;

  if (len <= SEGMENT_ROOM && segment != NULL)
    {
      context->free_segments = segment->next_free;
      context->n_free_segments--;
      return segment;
    }
  gsize room = MAX (len, SEGMENT_ROOM);
  segment = g_malloc (sizeof (Segment) + room);
  segment->room = room;
  return segment;
}

static void
segment_free (gpointer data)
{
  Segment *segment = data;
  PochtaSimContext *context = segment->connection->context;

  pochta_connection_unref (segment->connection);
  if (segment->room == SEGMENT_ROOM && context->n_free_segments < SEGMENT_POOL_MAX)
    {
      segment->next_free = context->free_segments;
      context->free_segments = segment;
      context->n_free_segments++;
      return;
    }
  g_free (segment);
}

void
pochta_sim_context_drop_segments (PochtaSimContext *context)
{
  while (context->free_segments != NULL)
    {
      Segment *segment = context->free_segments;
      context->free_segments = segment->next_free;
      g_free (segment);
    }
  context->n_free_segments = 0;
}

static gint64
now (PochtaConnection *self)
{
  return pochta_scheduler_get_time (self->context->scheduler);
}

/* An outside client sits on the machine that runs the simulation: no
 * link lies between it and the host it reaches. */
static gboolean
path_latency (PochtaConnection *self, gint64 *out_latency)
{
  if (self->outside)
    {
      if (out_latency != NULL)
        *out_latency = 0;
      return TRUE;
    }
  return pochta_link_map_get_node_latency (self->context->links,
                                           pochta_sim_host_get_link_node (self->client),
                                           pochta_sim_host_get_link_node (self->server), out_latency);
}

/* The host whose MTA events tell what happened to the connection. */
static const char *
event_host (PochtaConnection *self)
{
  return self->outside ? self->server_host : self->client_host;
}

/* The connection leaves the context's table: nothing refers to it any
 * more but the events still in flight, which it outlives. */
static void
retire (PochtaConnection *self)
{
  self->over = TRUE;
  g_hash_table_remove (self->context->connections, GUINT_TO_POINTER (self->handle));
}

/* ---- recording ---- */

static void
record_line (PochtaConnection *self, SideIndex from, const PochtaEvent *event)
{
  Side *side = &self->sides[from];
  int before = side->state_before_line >= 0 ? side->state_before_line : side->state;

  side->state = event->new_state;
  side->state_before_line = -1;
  if (!self->context->record_lines)
    return;
  /* An SMTP server only ever sends replies, even the 354 that opens the
   * content (RFC 5321 §4.2); only the client's lines can be content. */
  gboolean in_data
    = event->in_data && !(from == SIDE_SERVER && self->protocol == POCHTA_PROTOCOL_SMTP);
  const char *(*name) (int) = side->klass->state_name;
  PochtaSaidLine line = {
    .connection_id = self->transcript_id,
    .time = now (self),
    .direction = from == SIDE_CLIENT ? POCHTA_DIRECTION_CLIENT : POCHTA_DIRECTION_SERVER,
    .text = event->text,
    .length = event->length,
    .n_lines = MAX (event->n_lines, 1),
    .in_data = in_data,
    .state_before = name != NULL ? name (before) : NULL,
    .state_after = name != NULL ? name (event->new_state) : NULL,
  };
  pochta_sim_context_record_line (self->context, &line);
}

static void
handle_event (PochtaConnection *self, SideIndex from, const PochtaEvent *event, gboolean wire_up)
{
  switch (event->type)
    {
    case POCHTA_EVENT_LINE_SENT:
      /* Lines are recorded when they go on the wire, by their sender. */
      if (wire_up)
        record_line (self, from, event);
      break;
    case POCHTA_EVENT_LINE_RECEIVED:
      /* The sender recorded it; the simulation's sessions do not even
       * report these (no_received_line_events). */
      break;
    case POCHTA_EVENT_STATE_CHANGED:
      self->sides[from].state_before_line = event->old_state;
      self->sides[from].state = event->new_state;
      break;
    case POCHTA_EVENT_TURN:
      pochta_sim_context_record (self->context, self->server_host, "turn",
                                 "TURN accepted; the simulation does not reverse the roles, "
                                 "so the connection closes (RFC 821 §3.8)");
      break;
    default:
      if (from == SIDE_CLIENT && self->owner.client_event != NULL)
        self->owner.client_event (self, event, self->owner.user_data);
      break;
    }
}

/* Once the connection is up, lines and state changes come through these
 * as the sessions report them: no copy of the line and no queue between
 * (PochtaEventSink).  They run inside whatever made the session speak (a
 * segment fed to it, a real client's line the bridge hands over, a
 * shutdown), in the order the session spoke, which is the order
 * drain_events () would have handled them in. */
static void
take_event (PochtaConnection *self, SideIndex from, const PochtaEvent *event)
{
  if (event->type == POCHTA_EVENT_NONE)
    self->sides[from].events_waiting = TRUE;
  /* A finished connection's transcript entry is closed: nothing more is
   * recorded on it. */
  else if (!self->over)
    handle_event (self, from, event, TRUE);
}

static void
take_client_event (const PochtaEvent *event, gpointer user_data)
{
  take_event (user_data, SIDE_CLIENT, event);
}

static void
take_server_event (const PochtaEvent *event, gpointer user_data)
{
  take_event (user_data, SIDE_SERVER, event);
}

static void
set_event_sinks (PochtaConnection *self, gboolean on)
{
  static const PochtaEventSink sinks[2] = { take_client_event, take_server_event };

  for (guint i = 0; i < 2; i++)
    {
      Side *side = &self->sides[i];
      if (side->session != NULL && side->klass->set_event_sink != NULL)
        {
          side->klass->set_event_sink (side->session, on ? sinks[i] : NULL, on ? self : NULL);
          side->sink_on = on;
          /* Drained once more all the same: whatever waited before. */
          side->events_waiting = TRUE;
        }
    }
}

static void
drain_events (PochtaConnection *self, SideIndex from, gboolean wire_up)
{
  Side *side = &self->sides[from];
  PochtaEvent event = { 0 };

  if (side->sink_on && !side->events_waiting)
    return;
  side->events_waiting = FALSE;
  while (side->klass->next_event (side->session, &event))
    {
      handle_event (self, from, &event, wire_up);
      pochta_event_clear (&event);
    }
}

/* ---- the wire ---- */

static void deliver_segment (gpointer data);

static void
send_segment (PochtaConnection *self, SideIndex from, const guint8 *data, gsize len)
{
  gint64 arrival = MAX (now (self) + self->latency, self->last_arrival[from]);
  Segment *segment = segment_new (self->context, len);

  self->last_arrival[from] = arrival;
  segment->connection = connection_ref (self);
  segment->generation = self->generation;
  segment->to = 1 - from;
  segment->fin = data == NULL;
  segment->len = len;
  if (len > 0)
    memcpy (segment->data, data, len);
  pochta_scheduler_add (self->context->scheduler, arrival, deliver_segment, segment, segment_free);
}

/* Records what the session said, puts its output on the wire and, once
 * it is done, its FIN after the last byte. */
static void
pump (PochtaConnection *self, SideIndex from)
{
  Side *side = &self->sides[from];
  const guint8 *data;

  drain_events (self, from, TRUE);
  gsize len = side->klass->peek_output (side->session, &data);
  if (len > 0)
    {
      send_segment (self, from, data, len);
      side->klass->consume_output (side->session, len);
    }
  if (!side->fin_sent && side->klass->is_done (side->session))
    {
      side->fin_sent = TRUE;
      send_segment (self, from, NULL, 0);
    }
}

static void
check_finished (PochtaConnection *self)
{
  if (self->over || !self->sides[SIDE_CLIENT].fin_received
      || !self->sides[SIDE_SERVER].fin_received)
    return;
  pochta_sim_context_flush_recording (self->context);
  pochta_transcript_close_connection (self->context->transcript, self->transcript_id, now (self));
  connection_ref (self);
  retire (self);
  if (self->owner.finished != NULL)
    self->owner.finished (self, self->owner.user_data);
  pochta_connection_unref (self);
}

/* Feeds bytes to the session, a line or a reply at a time, putting out
 * what it says after each; returns how many it took. */
static gsize
feed_bytes (PochtaConnection *self, SideIndex to, const guint8 *data, gsize len)
{
  Side *side = &self->sides[to];
  gsize used = 0;

  while (used < len && !side->klass->is_done (side->session))
    {
      gssize n = side->klass->feed (side->session, data + used, len - used);
      if (n <= 0)
        break;
      used += (gsize) n;
      pump (self, to);
    }
  return used;
}

/* Keeps len bytes after those the session already left unread. */
static void
keep_unread (Side *side, const guint8 *data, gsize len)
{
  if (len == 0)
    return;
  side->unread = pochta_buffer_reserve (side->unread, &side->unread_room, side->unread_len + len, 0);
  memcpy (side->unread + side->unread_len, data, len);
  side->unread_len += len;
}

/* The session reads straight from the segment; only what it leaves is
 * kept for later, so most bytes are never copied. */
static void
feed_input (PochtaConnection *self, SideIndex to, const guint8 *data, gsize len)
{
  Side *side = &self->sides[to];

  if (side->unread_len == 0)
    {
      gsize used = feed_bytes (self, to, data, len);
      keep_unread (side, data + used, len - used);
    }
  else
    {
      keep_unread (side, data, len);
      gsize used = feed_bytes (self, to, side->unread, side->unread_len);
      memmove (side->unread, side->unread + used, side->unread_len - used);
      side->unread_len -= used;
    }
  /* A session that is done leaves the rest unread: after QUIT it is not
   * for this session (RFC 5321 §4.1.1.10). */
  if (side->klass->is_done (side->session))
    side->unread_len = 0;
  pump (self, to);
}

static void
deliver_segment (gpointer data)
{
  Segment *segment = data;
  PochtaConnection *self = segment->connection;
  Side *side = &self->sides[segment->to];

  if (self->over || segment->generation != self->generation)
    return;
  if (segment->fin)
    {
      side->fin_received = TRUE;
      if (!side->klass->is_done (side->session))
        side->klass->feed_eof (side->session);
      pump (self, segment->to);
      check_finished (self);
      return;
    }
  feed_input (self, segment->to, segment->data, segment->len);
  check_finished (self);
}

/* ---- the handshake ---- */

static void
fail (PochtaConnection *self, const char *reason)
{
  connection_ref (self);
  retire (self);
  if (self->owner.failed != NULL)
    self->owner.failed (self, reason, self->owner.user_data);
  pochta_connection_unref (self);
}

typedef struct
{
  PochtaConnection *connection;
  char *reason;
} Failure;

static void
failure_free (gpointer data)
{
  Failure *failure = data;
  pochta_connection_unref (failure->connection);
  g_free (failure->reason);
  g_free (failure);
}

static void
run_failure (gpointer data)
{
  Failure *failure = data;
  if (!failure->connection->over)
    fail (failure->connection, failure->reason);
}

static void
fail_at (PochtaConnection *self, gint64 time, const char *reason)
{
  Failure *failure = g_new0 (Failure, 1);
  failure->connection = connection_ref (self);
  failure->reason = g_strdup (reason);
  pochta_scheduler_add (self->context->scheduler, time, run_failure, failure, failure_free);
}

/* A client outside the network is known by its address alone. */
static const char *
host_address (PochtaSimHost *host, const char *name)
{
  return host != NULL ? pochta_sim_host_get_address (host) : name;
}

static void
establish (PochtaConnection *self, gpointer session, const PochtaSessionClass *klass)
{
  Side *server = &self->sides[SIDE_SERVER];

  server->session = session;
  server->klass = klass;
  server->state = klass->get_state (session);
  server->state_before_line = -1;
  self->established = TRUE;
  pochta_sim_context_flush_recording (self->context);
  self->transcript_id = pochta_transcript_open_connection (
    self->context->transcript, self->protocol, self->client_host,
    host_address (self->client, self->client_host), self->client_port, self->server_host,
    host_address (self->server, self->server_host), self->server_port, now (self));
  pump (self, SIDE_SERVER);
  pump (self, SIDE_CLIENT);
  /* From here on a line is recorded when it is said. */
  set_event_sinks (self, TRUE);
}

/* The SYN reaches the server's host. */
static void
arrive (gpointer data)
{
  PochtaConnection *self = data;
  PochtaSimHost *host = self->server;
  const PochtaSessionClass *klass = NULL;

  if (self->over || self->syn_lost)
    return;
  /* A host that is down, or a path that broke, answers nothing: the
   * client gives up when its timeout expires. */
  if (!pochta_sim_host_is_up (host) || !path_latency (self, NULL))
    {
      fail_at (self, self->open_time + self->context->connect_timeout, "Connection timed out");
      return;
    }
  gpointer session
    = pochta_sim_host_accept (host, self->server_port, self->outside ? NULL : self->client_host,
                              self->client_host, &klass);
  if (session == NULL)
    {
      /* The RST takes the way back. */
      fail_at (self, now (self) + self->latency, "Connection refused");
      return;
    }
  establish (self, session, klass);
}

PochtaConnection *
pochta_connection_open (PochtaSimContext            *context,
                        PochtaProtocol               protocol,
                        const char                  *client_host,
                        const char                  *server_host,
                        guint16                      server_port,
                        gpointer                     client_session,
                        const PochtaSessionClass    *client_class,
                        const PochtaConnectionOwner *owner)
{
  g_return_val_if_fail (context != NULL && client_session != NULL && client_class != NULL, NULL);
  PochtaSimHost *client = client_host != NULL ? pochta_sim_context_find_host (context, client_host) : NULL;
  PochtaSimHost *server = pochta_sim_context_find_host (context, server_host);
  g_return_val_if_fail (client_host == NULL || client != NULL, NULL);
  g_return_val_if_fail (server != NULL, NULL);

  PochtaConnection *self = g_new0 (PochtaConnection, 1);
  self->ref_count = 1;
  self->context = context;
  self->handle = ++context->last_handle;
  self->protocol = protocol;
  self->outside = client_host == NULL;
  self->client = client;
  self->server = server;
  self->client_host = g_strdup (self->outside ? OUTSIDE_ADDRESS : pochta_sim_host_get_name (client));
  self->server_host = g_strdup (pochta_sim_host_get_name (server));
  self->client_port = EPHEMERAL_PORT_FIRST + context->n_ephemeral_ports++ % EPHEMERAL_PORT_COUNT;
  self->server_port = server_port;
  if (owner != NULL)
    self->owner = *owner;
  self->sides[SIDE_CLIENT].session = client_session;
  self->sides[SIDE_CLIENT].klass = client_class;
  self->sides[SIDE_CLIENT].state = client_class->get_state (client_session);
  self->sides[SIDE_CLIENT].state_before_line = -1;
  self->open_time = now (self);
  g_hash_table_insert (context->connections, GUINT_TO_POINTER (self->handle), self);

  if (!path_latency (self, &self->latency))
    fail_at (self, self->open_time + context->connect_timeout,
             "Connection timed out (no route to host)");
  else
    pochta_scheduler_add (context->scheduler, self->open_time + self->latency, arrive,
                          connection_ref (self), pochta_connection_unref);
  return self;
}

PochtaConnection *
pochta_connection_open_outside (PochtaSimContext            *context,
                                PochtaProtocol               protocol,
                                const char                  *client_address,
                                guint16                      client_port,
                                const char                  *server_host,
                                guint16                      server_port,
                                gpointer                     client_session,
                                const PochtaSessionClass    *client_class,
                                const PochtaConnectionOwner *owner)
{
  g_return_val_if_fail (client_address != NULL, NULL);

  PochtaConnection *self = pochta_connection_open (context, protocol, NULL, server_host,
                                                   server_port, client_session, client_class, owner);
  /* The handshake is still ahead (it is scheduled, never immediate), so
   * the transcript and the server's Received: see the real peer. */
  if (self != NULL)
    {
      g_free (self->client_host);
      self->client_host = g_strdup (client_address);
      self->client_port = client_port;
    }
  return self;
}

/* ---- queries and changes ---- */

guint
pochta_connection_get_handle (PochtaConnection *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->handle;
}

guint
pochta_connection_get_transcript_id (PochtaConnection *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->transcript_id;
}

gpointer
pochta_connection_get_client_session (PochtaConnection *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->sides[SIDE_CLIENT].session;
}

gboolean
pochta_connection_is_outside (PochtaConnection *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->outside;
}

const char *
pochta_connection_get_client_host (PochtaConnection *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_host;
}

const char *
pochta_connection_get_server_host (PochtaConnection *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->server_host;
}

gboolean
pochta_connection_involves (PochtaConnection *self, const char *host)
{
  g_return_val_if_fail (self != NULL && host != NULL, FALSE);
  return g_ascii_strcasecmp (self->client_host, host) == 0
         || g_ascii_strcasecmp (self->server_host, host) == 0;
}

void
pochta_connection_client_ready (PochtaConnection *self)
{
  g_return_if_fail (self != NULL);

  /* Before the handshake the session keeps its lines. */
  if (!self->established || self->over)
    return;
  pump (self, SIDE_CLIENT);
  check_finished (self);
}

void
pochta_connection_shutdown (PochtaConnection *self, const char *reason)
{
  g_return_if_fail (self != NULL);

  Side *server = &self->sides[SIDE_SERVER];
  if (!self->established || self->over || server->klass->shutdown == NULL
      || server->klass->is_done (server->session))
    return;
  server->klass->shutdown (server->session, reason);
  pump (self, SIDE_SERVER);
  check_finished (self);
}

void
pochta_connection_path_changed (PochtaConnection *self)
{
  g_return_if_fail (self != NULL);

  if (!self->established || self->over)
    return;
  if (!path_latency (self, &self->latency))
    pochta_connection_break (self, "no path left between the hosts");
}

void
pochta_connection_break (PochtaConnection *self, const char *why)
{
  g_return_if_fail (self != NULL && why != NULL);

  if (self->over)
    return;
  self->generation++;
  if (!self->established)
    {
      /* The SYN was lost; the client finds out when its timeout ends. */
      self->syn_lost = TRUE;
      fail_at (self, self->open_time + self->context->connect_timeout, "Connection timed out");
      return;
    }
  /* What the sessions say from now on never goes on the wire. */
  set_event_sinks (self, FALSE);
  pochta_sim_context_record (self->context, event_host (self), "connection-lost",
                             "%s:%u -> %s:%u: %s; bytes in flight are lost", self->client_host,
                             self->client_port, self->server_host, self->server_port, why);
  for (guint i = 0; i < 2; i++)
    {
      Side *side = &self->sides[i];
      const guint8 *data;
      if (!side->klass->is_done (side->session))
        side->klass->feed_eof (side->session);
      drain_events (self, (SideIndex) i, FALSE);
      side->klass->consume_output (side->session, side->klass->peek_output (side->session, &data));
      side->fin_received = side->fin_sent = TRUE;
    }
  check_finished (self);
}

void
pochta_connection_abandon (PochtaConnection *self)
{
  g_return_if_fail (self != NULL);

  if (self->over)
    return;
  self->over = TRUE;
  for (guint i = 0; i < 2; i++)
    free_session (&self->sides[i]);
  if (self->owner.destroy != NULL)
    self->owner.destroy (self->owner.user_data);
}
