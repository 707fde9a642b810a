/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real client's end of a bridged connection (bridge.h), as a session
 * that a simulated connection carries like any other client: the bytes
 * the real client sent go to the simulated server exactly as they came,
 * and each complete line of them is reported as a LINE_SENT event, so the
 * transcript records it as it records a console's; what the server sends
 * back waits here until the bridge writes it to the socket.  Sans-I/O:
 * the bridge moves the bytes.
 *
 * Content lines (SMTP): a line counts as message content from the 354
 * reply that the client has already received until its lone "." (RFC
 * 5321 §4.1.1.4), as on a console.  RFC 2920 §3.1 makes DATA the last
 * command of a pipelined group, so a client that follows it waits for
 * the 354 before it sends the content; the lines of one that does not
 * are recorded as commands (the server still reads them as its state
 * says).
 *
 * Reference counted: the simulated connection holds one reference (its
 * session class's free drops it) and the bridge another, so the bytes the
 * server sent last are still there after the connection is over. */
#pragma once

#include <glib.h>

#include "connection.h"
#include "transcript.h"

G_BEGIN_DECLS

typedef struct _PochtaBridgeClient PochtaBridgeClient;

/* Called when something arrived from the server (bytes, or its end). */
typedef void (*PochtaBridgeClientNotify) (PochtaBridgeClient *client, gpointer user_data);

PochtaBridgeClient *pochta_bridge_client_new (PochtaProtocol protocol);
PochtaBridgeClient *pochta_bridge_client_ref (PochtaBridgeClient *self);
void pochta_bridge_client_unref (PochtaBridgeClient *self);

void pochta_bridge_client_set_notify (PochtaBridgeClient      *self,
                                      PochtaBridgeClientNotify notify,
                                      gpointer                 user_data);

/* What the real client sent: queued for the server, its lines reported. */
void pochta_bridge_client_write (PochtaBridgeClient *self, const guint8 *data, gsize len);
/* The real client closed its end: once the bytes written so far are out,
 * the session is done. */
void pochta_bridge_client_hang_up (PochtaBridgeClient *self);

/* Bytes from the server not yet handed to the real client. */
gsize pochta_bridge_client_peek_received (PochtaBridgeClient *self, const guint8 **out_data);
void pochta_bridge_client_consume_received (PochtaBridgeClient *self, gsize n_bytes);

/* The server closed its end, or the connection is gone: after the
 * received bytes, nothing more will come. */
gboolean pochta_bridge_client_is_closed (PochtaBridgeClient *self);
/* Bytes written but not yet taken by the connection. */
gsize pochta_bridge_client_get_unsent (PochtaBridgeClient *self);

/* Seen by connections through this class; its free drops the
 * connection's reference. */
extern const PochtaSessionClass pochta_bridge_client_session_class;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaBridgeClient, pochta_bridge_client_unref)

G_END_DECLS
