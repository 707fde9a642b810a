/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loopback bridge: real sockets in, simulated hosts' sessions behind
 * them, the virtual clock run in real time. */
#define G_LOG_DOMAIN "pochta-bridge"
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "bridge-client.h"
#include "bridge.h"
#include "byte-array-private.h"

/* The kernel caps a listen backlog at net.core.somaxconn (4096 on
 * current Linux); GIO asks for 10, which refuses a burst of clients. */
#define BACKLOG 4096
#define DEFAULT_MAX_SESSIONS 1000
/* RFC 5321 §4.5.3.2.7: a server SHOULD wait at least 5 minutes for the
 * next command. */
#define SMTP_IDLE_TIMEOUT (5 * G_TIME_SPAN_MINUTE)
/* RFC 1939 §3: the autologout timer is at least 10 minutes. */
#define POP3_IDLE_TIMEOUT (10 * G_TIME_SPAN_MINUTE)
/* One read at most; RFC 2920 §3.2's window of pipelined commands fits
 * many times over. */
#define READ_SIZE (64 * 1024)
/* How much a client may send before its greeting before the bridge stops
 * reading it: a command line of RFC 5321 §4.5.3.1.4 many times over. */
#define EARLY_MAX (16 * 1024)
/* How long shutdown waits for clients to take what is written. */
#define SHUTDOWN_GRACE (2 * G_TIME_SPAN_SECOND)

typedef struct
{
  char *host;
  PochtaProtocol protocol;
  guint16 service_port;     /* the simulated host's port */
  GPollFD poll_fd;          /* its listening socket, in the bridge's source while accepting */
} Listener;

typedef struct
{
  PochtaBridge *bridge;
  Listener *listener;
  GSocketConnection *stream;
  GSocket *socket;
  char *peer_address;
  guint16 peer_port;
  PochtaBridgeClient *client;
  guint handle;             /* the simulated connection; 0 before the greeting delay ends */
  GByteArray *early;        /* bytes sent before the greeting */
  GIOCondition watching;    /* G_IO_IN (reading), G_IO_OUT (writing), both or none */
  GPollFD poll_fd;          /* in the bridge's socket source while watching */
  guint watched_index;      /* in bridge->watched, while watching */
  GSource *greet_source;
  gint64 last_activity;     /* monotonic µs */
  gboolean idle_expired;    /* its idle timeout came: closing already */
  gboolean read_eof;
  gboolean dirty;           /* in bridge->dirty */
  gboolean closed;
} Session;

struct _PochtaBridge
{
  PochtaSimulation *simulation;
  PochtaBridgeConfig config;
  GSocketService *service;
  /* The service accepts in a context of its own, run only when a
   * listening socket is ready (accept_waiting ()): in the main context
   * its accept sources and their cancellables' sources, two per
   * listener, would be walked at every wakeup of every session. */
  GMainContext *accept_context;
  gboolean accepting;       /* the listening sockets are in the source */
  GPtrArray *listeners;     /* of Listener* */
  GHashTable *sessions;     /* Session* set */
  GPtrArray *dirty;         /* Session* with bytes from the server or closed */
  /* One source for everything the bridge waits for: every session's
   * socket, the listening sockets, and a timer for the virtual clock and
   * every session's idle timeout, due at the earlier of clock_due and
   * idle_due (-1: none), which is the source's ready time.  GLib walks
   * all sources of the context twice an iteration, so each source more
   * would cost every wakeup of every session.  Below: the sessions
   * watching their sockets, whose poll records the source checks, and
   * those a dispatch found ready. */
  GSource *source;
  gint64 clock_due;
  gint64 idle_due;
  gint64 now;               /* see loop_time (); -1 outside a dispatch */
  Session **watched;
  gsize n_watched;
  gsize watched_room;       /* bytes */
  struct _ReadySocket *ready;
  gsize ready_room;         /* bytes */
  /* Sessions closed while the socket source dispatches are freed after
   * it: the ready ones after them are still to be looked at. */
  gboolean dispatching;
  GPtrArray *closed_in_dispatch;
  gint64 virtual_start;
  gint64 real_start;        /* monotonic µs */
  guint8 *read_buffer;      /* READ_SIZE, shared: one read at a time */
  gboolean shutting_down;
};

static void session_close (Session *session);
static void flush_dirty (PochtaBridge *self);

/* ---- the clock ---- */

/* The monotonic time the main loop took for this iteration while the
 * source dispatches (GLib reads the clock once for all its sources, and
 * g_source_get_time () locks the context to tell it), or the clock itself
 * outside a dispatch: a read and a reply each needed up to three clock
 * reads otherwise. */
static gint64
loop_time (PochtaBridge *self)
{
  return self->now >= 0 ? self->now : g_get_monotonic_time ();
}

static gint64
virtual_now (PochtaBridge *self)
{
  return self->virtual_start + (loop_time (self) - self->real_start);
}

/* Setting a source's ready time wakes the main loop up (an eventfd write
 * and one more poll), so it is set only when it changes. */
static void
arm_timer (PochtaBridge *self)
{
  gint64 ready = self->clock_due < 0     ? self->idle_due
                 : self->idle_due < 0    ? self->clock_due
                                         : MIN (self->clock_due, self->idle_due);
  if (ready != g_source_get_ready_time (self->source))
    g_source_set_ready_time (self->source, ready);
}

static void
arm_clock (PochtaBridge *self)
{
  gint64 next;
  self->clock_due = pochta_simulation_peek_next_time (self->simulation, &next)
                      ? self->real_start + (next - self->virtual_start)
                      : -1;
  arm_timer (self);
}

/* Runs every event due by the real time now, then hands what the servers
 * said to the sockets, and only then records the lines said (a client
 * waiting for its reply need not wait for the transcript); whatever that
 * schedules wakes the clock again. */
static void
run_clock (PochtaBridge *self)
{
  gint64 behind = virtual_now (self) - pochta_simulation_get_time (self->simulation);
  pochta_simulation_advance (self->simulation, MAX (behind, 0));
  flush_dirty (self);
  pochta_simulation_flush_recording (self->simulation);
  arm_clock (self);
}

/* A one-shot timer (a session's greeting delay): the callback sets a new
 * ready time if it wants one. */
static gboolean
one_shot_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  g_source_set_ready_time (source, -1);
  return callback (data);
}

static GSourceFuncs one_shot_funcs = { NULL, NULL, one_shot_dispatch, NULL, NULL, NULL };

static void on_idle_check (PochtaBridge *self);

/* The clock, the idle timeouts, or both are due.  The source's ready time
 * is set anew after them, and stays as it is when that is unchanged: a
 * change wakes the loop once more. */
static void
on_timer (PochtaBridge *self)
{
  gint64 now = loop_time (self);

  if (self->idle_due >= 0 && self->idle_due <= now)
    on_idle_check (self);
  if (self->clock_due >= 0 && self->clock_due <= now)
    run_clock (self);
  arm_timer (self);
}

/* ---- writing ---- */

/* send () and recv () on a session's non-blocking socket, again when a
 * signal broke in.  Called directly rather than through g_socket_send ()
 * and g_socket_receive (): GIO's wrappers cost more than the calls
 * themselves (an array made and freed per send), twice per command. */
static gssize
send_some (Session *session, const guint8 *data, gsize len)
{
  gssize sent;

  do
    sent = send (g_socket_get_fd (session->socket), data, len, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent;
}

static gssize
receive_some (Session *session, guint8 *buffer, gsize size)
{
  gssize received;

  do
    received = recv (g_socket_get_fd (session->socket), buffer, size, 0);
  while (received < 0 && errno == EINTR);
  return received;
}

static void
stop_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
add_watched (PochtaBridge *self, Session *session)
{
  self->watched = pochta_buffer_reserve (self->watched, &self->watched_room,
                                         (self->n_watched + 1) * sizeof (Session *),
                                         16 * sizeof (Session *));
  session->watched_index = (guint) self->n_watched;
  self->watched[self->n_watched++] = session;
}

static void
remove_watched (PochtaBridge *self, Session *session)
{
  Session *last = self->watched[--self->n_watched];

  self->watched[session->watched_index] = last;
  last->watched_index = session->watched_index;
}

/* Reading or writing is watched, or no more: the session's poll record
 * asks for what is left, or leaves the socket source.  (Records are
 * replaced, not changed in place: GLib reads them at every poll.) */
static void
set_watching (Session *session, GIOCondition watching)
{
  PochtaBridge *self = session->bridge;

  if (watching == session->watching)
    return;
  if (session->watching != 0)
    {
      g_source_remove_poll (self->source, &session->poll_fd);
      remove_watched (self, session);
    }
  session->watching = watching;
  if (watching != 0)
    {
      session->poll_fd = (GPollFD){ .fd = g_socket_get_fd (session->socket),
                                    .events = (gushort) (watching | G_IO_HUP | G_IO_ERR) };
      g_source_add_poll (self->source, &session->poll_fd);
      add_watched (self, session);
    }
}

static void
watch (Session *session, GIOCondition condition)
{
  set_watching (session, session->watching | condition);
}

static void
unwatch (Session *session, GIOCondition condition)
{
  set_watching (session, session->watching & ~condition);
}

typedef enum
{
  WRITE_DONE,
  WRITE_BLOCKED,
  WRITE_FAILED,
} WriteResult;

/* Writes what the server said.  A client that does not read is not read
 * from either until it does (back-pressure). */
static WriteResult
write_pending (Session *session)
{
  const guint8 *data;
  gsize len = pochta_bridge_client_peek_received (session->client, &data);

  if (len == 0)
    return WRITE_DONE;
  gssize sent = send_some (session, data, len);
  if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    sent = 0;
  if (sent < 0)
    return WRITE_FAILED;
  pochta_bridge_client_consume_received (session->client, (gsize) sent);
  session->last_activity = loop_time (session->bridge);
  if ((gsize) sent == len)
    return WRITE_DONE;
  unwatch (session, G_IO_IN);
  watch (session, G_IO_OUT);
  return WRITE_BLOCKED;
}

/* Once the server closed and all it said is written, so is the socket;
 * a client that cannot be written to any more is gone. */
static void
flush_session (Session *session)
{
  if (session->closed || (session->watching & G_IO_OUT))
    return;
  switch (write_pending (session))
    {
    case WRITE_BLOCKED:
      return;
    case WRITE_FAILED:
      session_close (session);
      return;
    case WRITE_DONE:
      break;
    }
  if (pochta_bridge_client_is_closed (session->client))
    session_close (session);
  else if (!session->read_eof && !session->bridge->shutting_down)
    watch (session, G_IO_IN);
}

static void
flush_dirty (PochtaBridge *self)
{
  /* Closing a session may make others dirty (nothing does yet, but the
   * array is read afresh each time so that it could). */
  for (guint i = 0; i < self->dirty->len; i++)
    {
      Session *session = g_ptr_array_index (self->dirty, i);
      session->dirty = FALSE;
      flush_session (session);
    }
  g_ptr_array_set_size (self->dirty, 0);
}

static void
mark_dirty (Session *session)
{
  if (session->dirty)
    return;
  session->dirty = TRUE;
  g_ptr_array_add (session->bridge->dirty, session);
}

static void
on_client_notify (PochtaBridgeClient *client, gpointer data)
{
  mark_dirty (data);
}

static void
on_writable (Session *session)
{
  unwatch (session, G_IO_OUT);
  flush_session (session);
}

/* ---- reading ---- */

static void
note_early_talker (Session *session, gsize n_bytes)
{
  g_autofree char *text = g_strdup_printf (
    "%s:%u sent %" G_GSIZE_FORMAT " octets before the greeting (RFC 5321 §4.3.1: a client "
    "waits for it)",
    session->peer_address, session->peer_port, n_bytes);
  pochta_simulation_record_event (session->bridge->simulation, session->listener->host,
                                  "early-talker", text);
}

static void
take_bytes (Session *session, const guint8 *data, gsize len)
{
  if (session->handle == 0)
    {
      if (session->early->len == 0)
        note_early_talker (session, len);
      g_byte_array_append (session->early, data, (guint) len);
      if (session->early->len >= EARLY_MAX)
        unwatch (session, G_IO_IN);
      return;
    }
  pochta_bridge_client_write (session->client, data, len);
  pochta_simulation_bridged_ready (session->bridge->simulation, session->handle);
}

static void
take_eof (Session *session)
{
  session->read_eof = TRUE;
  unwatch (session, G_IO_IN);
  if (session->handle == 0)
    {
      session_close (session);
      return;
    }
  pochta_bridge_client_hang_up (session->client);
  pochta_simulation_bridged_ready (session->bridge->simulation, session->handle);
  mark_dirty (session);
}

static void
on_readable (Session *session)
{
  PochtaBridge *self = session->bridge;

  gssize n = receive_some (session, self->read_buffer, READ_SIZE);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return;
  session->last_activity = loop_time (self);
  if (n > 0)
    take_bytes (session, self->read_buffer, (gsize) n);
  else
    /* End of input, or a reset: either way the client said its last. */
    take_eof (session);
  /* The session may be gone now. */
  run_clock (self);
}

/* ---- the bridge's source ---- */

typedef struct
{
  GSource source;
  PochtaBridge *bridge;
} BridgeSource;

struct _ReadySocket
{
  Session *session;
  GIOCondition polled;
};

/* The poll record of the i-th listener's socket. */
static GPollFD *
listener_poll (PochtaBridge *self, guint i)
{
  return &((Listener *) g_ptr_array_index (self->listeners, i))->poll_fd;
}

static gboolean
listener_ready (PochtaBridge *self)
{
  if (!self->accepting)
    return FALSE;
  for (guint i = 0; i < self->listeners->len; i++)
    if (listener_poll (self, i)->revents != 0)
      return TRUE;
  return FALSE;
}

/* GLib itself finds the timer due from the source's ready time. */
static gboolean
bridge_source_check (GSource *source)
{
  PochtaBridge *self = ((BridgeSource *) source)->bridge;

  for (gsize i = 0; i < self->n_watched; i++)
    if (self->watched[i]->poll_fd.revents != 0)
      return TRUE;
  return listener_ready (self);
}

/* Lets the service take every connection waiting, in its own context:
 * the service starts its next accept from inside the last one's
 * callback, in the thread's default context, which is the accept
 * context while it runs. */
static void
accept_waiting (PochtaBridge *self)
{
  for (guint i = 0; i < self->listeners->len; i++)
    listener_poll (self, i)->revents = 0;
  g_main_context_push_thread_default (self->accept_context);
  while (g_main_context_iteration (self->accept_context, FALSE))
    ;
  g_main_context_pop_thread_default (self->accept_context);
}

/* Sessions whose sockets are ready first, then new connections, then the
 * timer.  The ready sessions are all gathered before any is handled:
 * handling one may close another, which then waits to be freed
 * (closed_in_dispatch), or watch other sockets. */
static gboolean
bridge_source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  PochtaBridge *self = ((BridgeSource *) source)->bridge;
  gint64 due = g_source_get_ready_time (source);
  gsize n_ready = 0;

  self->now = g_source_get_time (source);
  gboolean timer_due = due >= 0 && due <= self->now;

  for (gsize i = 0; i < self->n_watched; i++)
    {
      GPollFD *poll_fd = &self->watched[i]->poll_fd;
      if (poll_fd->revents == 0)
        continue;
      self->ready = pochta_buffer_reserve (self->ready, &self->ready_room,
                                           (n_ready + 1) * sizeof (struct _ReadySocket),
                                           16 * sizeof (struct _ReadySocket));
      self->ready[n_ready++] = (struct _ReadySocket){ self->watched[i], poll_fd->revents };
      /* Answered: a record polled again reports afresh. */
      poll_fd->revents = 0;
    }
  self->dispatching = TRUE;
  for (gsize i = 0; i < n_ready; i++)
    {
      Session *session = self->ready[i].session;
      GIOCondition polled = self->ready[i].polled;
      /* An error, a hang-up or a closed descriptor ends whichever is
       * watched. */
      GIOCondition ending = G_IO_ERR | G_IO_HUP | G_IO_NVAL;
      if (!session->closed && (session->watching & G_IO_OUT) && (polled & (G_IO_OUT | ending)))
        on_writable (session);
      if (!session->closed && (session->watching & G_IO_IN) && (polled & (G_IO_IN | ending)))
        on_readable (session);
    }
  self->dispatching = FALSE;
  g_ptr_array_set_size (self->closed_in_dispatch, 0);
  if (listener_ready (self))
    accept_waiting (self);
  if (timer_due)
    on_timer (self);
  self->now = -1;
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs bridge_source_funcs
  = { NULL, bridge_source_check, bridge_source_dispatch, NULL, NULL, NULL };

/* ---- sessions ---- */

static void
session_free (gpointer data)
{
  Session *session = data;

  set_watching (session, 0);
  stop_source (&session->greet_source);
  if (session->client != NULL)
    {
      pochta_bridge_client_set_notify (session->client, NULL, NULL);
      pochta_bridge_client_unref (session->client);
    }
  g_byte_array_unref (session->early);
  g_clear_object (&session->stream);
  g_free (session->peer_address);
  g_free (session);
}

/* The socket closes; the simulated client hangs up if it has not, so that
 * the simulated connection ends too. */
static void
session_close (Session *session)
{
  PochtaBridge *self = session->bridge;

  if (session->closed)
    return;
  session->closed = TRUE;
  set_watching (session, 0);
  g_socket_close (session->socket, NULL);
  if (session->handle != 0 && !pochta_bridge_client_is_closed (session->client)
      && !session->read_eof)
    {
      pochta_bridge_client_hang_up (session->client);
      pochta_simulation_bridged_ready (self->simulation, session->handle);
    }
  if (session->dirty)
    {
      g_ptr_array_remove_fast (self->dirty, session);
      session->dirty = FALSE;
    }
  g_hash_table_steal (self->sessions, session);
  if (self->dispatching)
    g_ptr_array_add (self->closed_in_dispatch, session);
  else
    session_free (session);
}

static gint64
idle_timeout (Session *session)
{
  if (session->bridge->config.idle_timeout > 0)
    return session->bridge->config.idle_timeout;
  return session->listener->protocol == POCHTA_PROTOCOL_POP3 ? POP3_IDLE_TIMEOUT
                                                             : SMTP_IDLE_TIMEOUT;
}

/* The idle timer is due no later than deadline. */
static void
arm_idle_timer (PochtaBridge *self, gint64 deadline)
{
  if (self->idle_due < 0 || deadline < self->idle_due)
    {
      self->idle_due = deadline;
      arm_timer (self);
    }
}

/* Ends one idle session: RFC 5321 §4.5.3.2.7 and checklist S28, 421
 * 4.4.2 on the idle timeout; a POP3 server logs out without a word (RFC
 * 1939 §3).  FALSE when it was closed at once (no simulated session yet). */
static gboolean
end_idle_session (Session *session)
{
  session->idle_expired = TRUE;
  if (session->handle == 0)
    {
      session_close (session);
      return FALSE;
    }
  pochta_simulation_shutdown_connection (session->bridge->simulation, session->handle,
                                         "4.4.2 Idle timeout, closing transmission channel");
  return TRUE;
}

/* Ends the sessions whose time is up and sets the timer for the next. */
static void
on_idle_check (PochtaBridge *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next = -1;
  g_autoptr (GPtrArray) expired = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *session = key;
      if (session->idle_expired || session->closed)
        continue;
      gint64 deadline = session->last_activity + idle_timeout (session);
      if (deadline <= now)
        g_ptr_array_add (expired, session);
      else if (next < 0 || deadline < next)
        next = deadline;
    }
  self->idle_due = next;
  /* Ended after the walk: closing a session takes it out of the table,
   * and ending one may close another before its turn. */
  gboolean shut_down = FALSE;
  for (guint i = 0; i < expired->len; i++)
    if (g_hash_table_contains (self->sessions, g_ptr_array_index (expired, i)))
      shut_down |= end_idle_session (g_ptr_array_index (expired, i));
  if (shut_down)
    run_clock (self);
}

static void
start_idle_timer (Session *session)
{
  arm_idle_timer (session->bridge, session->last_activity + idle_timeout (session));
}

/* The simulated session starts: the server's greeting is queued. */
static void
session_attach (Session *session)
{
  PochtaBridge *self = session->bridge;
  g_autoptr (GError) error = NULL;

  session->handle = pochta_simulation_connect_bridged (
    self->simulation, session->listener->host, session->listener->service_port,
    session->peer_address, session->peer_port, session->client, &error);
  if (session->handle == 0)
    {
      g_warning ("%s", error->message);
      session_close (session);
      return;
    }
  if (session->early->len > 0)
    {
      pochta_bridge_client_write (session->client, session->early->data, session->early->len);
      g_byte_array_set_size (session->early, 0);
      pochta_simulation_bridged_ready (self->simulation, session->handle);
      watch (session, G_IO_IN);
    }
}

static gboolean
on_greet_delay_over (gpointer data)
{
  Session *session = data;

  g_clear_pointer (&session->greet_source, g_source_unref);
  session_attach (session);
  run_clock (session->bridge);
  return G_SOURCE_REMOVE;
}

static void
read_peer (Session *session)
{
  g_autoptr (GSocketAddress) address = g_socket_get_remote_address (session->socket, NULL);

  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
      /* The numeric address: no reverse DNS. */
      session->peer_address = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      session->peer_port = g_inet_socket_address_get_port (inet);
    }
  else
    session->peer_address = g_strdup ("127.0.0.1");
}

static Session *
session_new (PochtaBridge *self, Listener *listener, GSocketConnection *stream)
{
  Session *session = g_new0 (Session, 1);

  session->bridge = self;
  session->listener = listener;
  session->stream = g_object_ref (stream);
  session->socket = g_socket_connection_get_socket (stream);
  session->early = g_byte_array_new ();
  session->last_activity = g_get_monotonic_time ();
  g_socket_set_blocking (session->socket, FALSE);
  /* Replies go out whole in one write per read; Nagle's algorithm would
   * hold a lock-step client's next reply for the delayed ACK. */
  g_socket_set_option (session->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  read_peer (session);
  session->client = pochta_bridge_client_new (listener->protocol);
  pochta_bridge_client_set_notify (session->client, on_client_notify, session);
  g_hash_table_add (self->sessions, session);
  return session;
}

/* RFC 5321 §3.8 lets a server refuse with 421; RFC 3206 §4 gives POP3
 * [SYS/TEMP].  The socket's buffer is empty, so one write takes it all. */
static void
refuse (PochtaBridge *self, Listener *listener, GSocketConnection *stream)
{
  GSocket *socket = g_socket_connection_get_socket (stream);
  g_autofree char *reply
    = listener->protocol == POCHTA_PROTOCOL_SMTP
        ? g_strdup_printf ("421 4.3.2 %s Too many sessions, try again later\r\n", listener->host)
        : g_strdup ("-ERR [SYS/TEMP] too many sessions, try again later\r\n");
  g_autoptr (GSocketAddress) address = g_socket_get_remote_address (socket, NULL);
  g_autofree char *peer = G_IS_INET_SOCKET_ADDRESS (address)
                            ? g_inet_address_to_string (g_inet_socket_address_get_address (
                              G_INET_SOCKET_ADDRESS (address)))
                            : g_strdup ("127.0.0.1");
  g_autofree char *text = g_strdup_printf ("%s refused: %u sessions are open (the limit)", peer,
                                           g_hash_table_size (self->sessions));

  g_socket_set_blocking (socket, FALSE);
  g_socket_send (socket, reply, strlen (reply), NULL, NULL);
  g_socket_close (socket, NULL);
  pochta_simulation_record_event (self->simulation, listener->host, "too-many-sessions", text);
}

static gboolean
on_incoming (GSocketService *service,
             GSocketConnection *stream,
             GObject *source_object,
             gpointer data)
{
  PochtaBridge *self = data;
  Listener *listener = g_object_get_data (source_object, "pochta-listener");

  if (self->shutting_down)
    return TRUE;
  if (g_hash_table_size (self->sessions) >= self->config.max_sessions)
    {
      refuse (self, listener, stream);
      return TRUE;
    }
  Session *session = session_new (self, listener, stream);
  start_idle_timer (session);
  watch (session, G_IO_IN);
  if (self->config.greet_delay > 0)
    {
      session->greet_source = g_source_new (&one_shot_funcs, sizeof (GSource));
      g_source_set_ready_time (session->greet_source,
                               session->last_activity + self->config.greet_delay);
      g_source_set_callback (session->greet_source, on_greet_delay_over, session, NULL);
      g_source_attach (session->greet_source, NULL);
      return TRUE;
    }
  session_attach (session);
  run_clock (self);
  return TRUE;
}

/* ---- the bridge ---- */

static void
listener_free (gpointer data)
{
  Listener *listener = data;
  g_free (listener->host);
  g_free (listener);
}

PochtaBridge *
pochta_bridge_new (PochtaSimulation *simulation, const PochtaBridgeConfig *config)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (simulation), NULL);

  PochtaBridge *self = g_new0 (PochtaBridge, 1);
  self->simulation = g_object_ref (simulation);
  pochta_simulation_set_defer_recording (simulation, TRUE);
  if (config != NULL)
    self->config = *config;
  if (self->config.max_sessions == 0)
    self->config.max_sessions = DEFAULT_MAX_SESSIONS;
  self->listeners = g_ptr_array_new_with_free_func (listener_free);
  self->sessions = g_hash_table_new_full (g_direct_hash, g_direct_equal, session_free, NULL);
  self->dirty = g_ptr_array_new ();
  self->read_buffer = g_malloc (READ_SIZE);
  self->virtual_start = pochta_simulation_get_time (simulation);
  self->real_start = g_get_monotonic_time ();
  self->clock_due = self->idle_due = self->now = -1;
  self->source = g_source_new (&bridge_source_funcs, sizeof (BridgeSource));
  ((BridgeSource *) self->source)->bridge = self;
  /* GLib blocks a source that cannot recurse while it dispatches, taking
   * its descriptors out of the poll set and putting them back: two
   * wakeups of the loop (eventfd writes) per read.  Nothing here runs a
   * nested loop of this context, so the guard is not needed. */
  g_source_set_can_recurse (self->source, TRUE);
  g_source_attach (self->source, NULL);
  self->closed_in_dispatch = g_ptr_array_new_with_free_func (session_free);
  /* Inactive until every listener is there: adding one to an active
   * service cancels and restarts its accept, and GIO drops a connection
   * that such a cancelled accept took. */
  self->service = g_object_new (G_TYPE_SOCKET_SERVICE, "active", FALSE, NULL);
  self->accept_context = g_main_context_new ();
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  arm_clock (self);
  return self;
}

/* The listening sockets leave the source and the service stops.  Its
 * context runs once more, so that the cancelled accept ends and lets go
 * of the service. */
static void
stop_accepting (PochtaBridge *self)
{
  if (self->accepting)
    for (guint i = 0; i < self->listeners->len; i++)
      g_source_remove_poll (self->source, listener_poll (self, i));
  self->accepting = FALSE;
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  accept_waiting (self);
}

void
pochta_bridge_free (PochtaBridge *self)
{
  if (self == NULL)
    return;
  stop_accepting (self);
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_object_unref (self->service);
  g_main_context_unref (self->accept_context);
  g_hash_table_unref (self->sessions);
  g_ptr_array_unref (self->dirty);
  g_ptr_array_unref (self->listeners);
  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_ptr_array_unref (self->closed_in_dispatch);
  g_free (self->watched);
  g_free (self->ready);
  g_free (self->read_buffer);
  pochta_simulation_set_defer_recording (self->simulation, FALSE);
  g_object_unref (self->simulation);
  g_free (self);
}

/* A listening socket made here rather than by g_socket_listener_add_address
 * (), which does the same, so that the bridge's source can poll it. */
static GSocket *
listening_socket (GSocketAddress *wanted, GError **error)
{
  g_autoptr (GSocket) socket
    = g_socket_new (g_socket_address_get_family (wanted), G_SOCKET_TYPE_STREAM,
                    G_SOCKET_PROTOCOL_TCP, error);

  if (socket == NULL)
    return NULL;
  g_socket_set_listen_backlog (socket, BACKLOG);
  if (!g_socket_bind (socket, wanted, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

guint16
pochta_bridge_listen (PochtaBridge   *self,
                      const char     *host,
                      PochtaProtocol  protocol,
                      GInetAddress   *address,
                      guint16         port,
                      GError        **error)
{
  g_return_val_if_fail (self != NULL && host != NULL && G_IS_INET_ADDRESS (address), 0);

  const PochtaHost *description
    = pochta_network_get_host (pochta_simulation_get_network (self->simulation), host);
  guint16 service_port = description == NULL                   ? 0
                         : protocol == POCHTA_PROTOCOL_SMTP ? description->smtp_port
                                                              : description->pop3_port;
  if (service_port == 0)
    {
      g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_NO_SERVICE,
                   "%s has no %s service", host, pochta_protocol_to_string (protocol));
      return 0;
    }

  g_autoptr (GSocketAddress) wanted = g_inet_socket_address_new (address, port);
  g_autoptr (GSocket) socket = listening_socket (wanted, error);
  if (socket == NULL)
    return 0;
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;

  Listener *listener = g_new0 (Listener, 1);
  listener->host = g_strdup (description->name);
  listener->protocol = protocol;
  listener->service_port = service_port;
  listener->poll_fd = (GPollFD){ .fd = g_socket_get_fd (socket), .events = G_IO_IN };
  /* The source object tells on_incoming () which listener it was. */
  g_autoptr (GObject) tag = g_object_new (G_TYPE_OBJECT, NULL);
  g_object_set_data (tag, "pochta-listener", listener);
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (self->service), socket, tag, error))
    {
      listener_free (listener);
      return 0;
    }
  g_ptr_array_add (self->listeners, listener);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

void
pochta_bridge_start (PochtaBridge *self)
{
  g_return_if_fail (self != NULL && !self->shutting_down);

  if (self->accepting)
    return;
  for (guint i = 0; i < self->listeners->len; i++)
    g_source_add_poll (self->source, listener_poll (self, i));
  self->accepting = TRUE;
  /* The service's first accept goes into its context too. */
  g_main_context_push_thread_default (self->accept_context);
  g_socket_service_start (self->service);
  g_main_context_pop_thread_default (self->accept_context);
}

guint
pochta_bridge_get_n_sessions (PochtaBridge *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->sessions);
}

/* Waits for the socket to take what is pending, until the deadline. */
static void
drain_session (Session *session, gint64 deadline)
{
  const guint8 *data;

  while (pochta_bridge_client_peek_received (session->client, &data) > 0)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      if (left <= 0
          || !g_socket_condition_timed_wait (session->socket, G_IO_OUT, left, NULL, NULL))
        return;
      unwatch (session, G_IO_OUT);
      if (write_pending (session) != WRITE_BLOCKED)
        return;
    }
}

void
pochta_bridge_shutdown (PochtaBridge *self)
{
  g_return_if_fail (self != NULL);

  self->shutting_down = TRUE;
  stop_accepting (self);

  g_autoptr (GList) sessions = g_hash_table_get_keys (self->sessions);
  for (GList *l = sessions; l != NULL; l = l->next)
    {
      Session *session = l->data;
      unwatch (session, G_IO_IN);
      if (session->handle != 0)
        pochta_simulation_shutdown_connection (self->simulation, session->handle, NULL);
    }
  run_clock (self);

  gint64 deadline = g_get_monotonic_time () + SHUTDOWN_GRACE;
  g_list_free (g_steal_pointer (&sessions));
  sessions = g_hash_table_get_keys (self->sessions);
  for (GList *l = sessions; l != NULL; l = l->next)
    {
      drain_session (l->data, deadline);
      session_close (l->data);
    }
  run_clock (self);
}
