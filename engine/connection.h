/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One simulated TCP connection between a client session on one host and
 * a server session on another: the handshake (refused, unanswered or
 * accepted), bytes carried each way after the path's latency in FIFO
 * order, FIN after the last byte, and loss when a host or link fails.
 * Every line either session puts on the wire is recorded in the
 * transcript once, when it is sent (DESIGN.md §2.2).  Internal to the
 * simulation. */
#pragma once

#include <glib.h>

#include "event.h"
#include "transcript.h"

G_BEGIN_DECLS

/* What the connection needs of a sans-I/O session: the common shape of
 * the SMTP and POP3 servers and clients and of the console. */
typedef struct
{
  gssize (*feed) (gpointer session, const guint8 *data, gsize len);
  void (*feed_eof) (gpointer session);
  gsize (*peek_output) (gpointer session, const guint8 **out_data);
  void (*consume_output) (gpointer session, gsize n_bytes);
  gboolean (*next_event) (gpointer session, PochtaEvent *out_event);
  int (*get_state) (gpointer session);
  /* NULL, or a state's name for the transcript. */
  const char *(*state_name) (int state);
  /* The session will neither send nor read any more. */
  gboolean (*is_done) (gpointer session);
  void (*free) (gpointer session);
  /* NULL, or (servers) the service goes away or the client idled too
   * long: the session says so as its protocol allows and closes.  reason
   * as pochta_smtp_server_shutdown () takes it. */
  void (*shutdown) (gpointer session, const char *reason);
  /* NULL, or lines and state changes go to sink as the session reports
   * them (PochtaEventSink) rather than to next_event (). */
  void (*set_event_sink) (gpointer session, PochtaEventSink sink, gpointer user_data);
} PochtaSessionClass;

extern const PochtaSessionClass pochta_smtp_server_session_class;
extern const PochtaSessionClass pochta_smtp_client_session_class;
extern const PochtaSessionClass pochta_pop3_server_session_class;
extern const PochtaSessionClass pochta_pop3_client_session_class;

typedef struct _PochtaConnection PochtaConnection;
typedef struct _PochtaSimContext PochtaSimContext;

typedef struct
{
  /* No connection came about; reason says why ("Connection refused").
   * The connection is freed after this returns. */
  void (*failed) (PochtaConnection *connection, const char *reason, gpointer user_data);
  /* An event of the client session other than its lines. */
  void (*client_event) (PochtaConnection *connection, const PochtaEvent *event, gpointer user_data);
  /* Both ends closed.  The connection is freed after this returns. */
  void (*finished) (PochtaConnection *connection, gpointer user_data);
  gpointer user_data;
  /* Frees user_data when the connection is abandoned (the simulation
   * ends first); failed and finished free it themselves. */
  GDestroyNotify destroy;
} PochtaConnectionOwner;

/* Starts connecting client_host's session (taken) to server_host:port;
 * the outcome comes through owner.  Both hosts must exist, but
 * client_host may be NULL: a client outside the network (a real client
 * on the loopback bridge, constr-org.md), shown as 127.0.0.1, with no
 * link and no latency between it and the server. */
PochtaConnection *pochta_connection_open (PochtaSimContext            *context,
                                          PochtaProtocol               protocol,
                                          const char                  *client_host,
                                          const char                  *server_host,
                                          guint16                      server_port,
                                          gpointer                     client_session,
                                          const PochtaSessionClass    *client_class,
                                          const PochtaConnectionOwner *owner);

/* The same for a real client outside the network (the loopback bridge,
 * constr-org.md) at client_address:client_port, which the transcript
 * shows as they are. */
PochtaConnection *pochta_connection_open_outside (PochtaSimContext            *context,
                                                  PochtaProtocol               protocol,
                                                  const char                  *client_address,
                                                  guint16                      client_port,
                                                  const char                  *server_host,
                                                  guint16                      server_port,
                                                  gpointer                     client_session,
                                                  const PochtaSessionClass    *client_class,
                                                  const PochtaConnectionOwner *owner);

/* Drops a reference; the context's table of connections holds one. */
void pochta_connection_unref (gpointer connection);

guint pochta_connection_get_handle (PochtaConnection *self);
/* The transcript's id for it, 0 until it is established. */
guint pochta_connection_get_transcript_id (PochtaConnection *self);
gpointer pochta_connection_get_client_session (PochtaConnection *self);
/* "127.0.0.1" for a client from outside. */
const char *pochta_connection_get_client_host (PochtaConnection *self);
gboolean pochta_connection_is_outside (PochtaConnection *self);
const char *pochta_connection_get_server_host (PochtaConnection *self);
gboolean pochta_connection_involves (PochtaConnection *self, const char *host);

/* The client session has more to send (the console typed a line). */
void pochta_connection_client_ready (PochtaConnection *self);
/* The server's session shuts down (its class's shutdown, reason as it
 * takes it) and what it says goes on the wire; nothing when its class has
 * no shutdown or the connection is not established. */
void pochta_connection_shutdown (PochtaConnection *self, const char *reason);
/* The path changed: new latency for bytes sent from now on, or (FALSE)
 * no path any more, which breaks the connection. */
void pochta_connection_path_changed (PochtaConnection *self);
/* The simulation ends: the sessions are freed at once and the owner's
 * destroy runs; no callback comes any more. */
void pochta_connection_abandon (PochtaConnection *self);
/* A host or link failed under it: bytes in flight are lost and both
 * sessions see the end of input now.  why goes into the transcript. */
void pochta_connection_break (PochtaConnection *self, const char *why);

G_END_DECLS
