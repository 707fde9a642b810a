/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP and POP3 sessions seen through PochtaSessionClass, so that a
 * connection can carry any of them. */
#define G_LOG_DOMAIN "pochta-connection"
#include "config.h"

#include "connection.h"
#include "pop3-client.h"
#include "pop3-server.h"
#include "smtp-client.h"
#include "smtp-server.h"

/* ---- SMTP server ---- */

static gssize
smtp_server_feed (gpointer session, const guint8 *data, gsize len)
{
  return pochta_smtp_server_feed (session, data, len);
}

static void
smtp_server_feed_eof (gpointer session)
{
  pochta_smtp_server_feed_eof (session);
}

static gsize
smtp_server_peek (gpointer session, const guint8 **out_data)
{
  return pochta_smtp_server_peek_output (session, out_data);
}

static void
smtp_server_consume (gpointer session, gsize n_bytes)
{
  pochta_smtp_server_consume_output (session, n_bytes);
}

static gboolean
smtp_server_next_event (gpointer session, PochtaEvent *out_event)
{
  return pochta_smtp_server_next_event (session, out_event);
}

static int
smtp_server_get_state (gpointer session)
{
  return (int) pochta_smtp_server_get_state (session);
}

static const char *
smtp_server_state_name (int state)
{
  return pochta_smtp_state_to_string ((PochtaSmtpState) state);
}

static gboolean
smtp_server_is_done (gpointer session)
{
  return pochta_smtp_server_get_state (session) == POCHTA_SMTP_STATE_CLOSED;
}

static void
smtp_server_free (gpointer session)
{
  pochta_smtp_server_free (session);
}

static void
smtp_server_shutdown (gpointer session, const char *reason)
{
  pochta_smtp_server_shutdown (session, reason);
}

static void
smtp_server_set_event_sink (gpointer session, PochtaEventSink sink, gpointer user_data)
{
  pochta_smtp_server_set_event_sink (session, sink, user_data);
}

const PochtaSessionClass pochta_smtp_server_session_class = {
  smtp_server_feed, smtp_server_feed_eof, smtp_server_peek, smtp_server_consume,
  smtp_server_next_event, smtp_server_get_state, smtp_server_state_name, smtp_server_is_done,
  smtp_server_free, smtp_server_shutdown,
  smtp_server_set_event_sink,
};

/* ---- SMTP client ---- */

static gssize
smtp_client_feed (gpointer session, const guint8 *data, gsize len)
{
  return pochta_smtp_client_feed (session, data, len);
}

static void
smtp_client_feed_eof (gpointer session)
{
  pochta_smtp_client_feed_eof (session);
}

static gsize
smtp_client_peek (gpointer session, const guint8 **out_data)
{
  return pochta_smtp_client_peek_output (session, out_data);
}

static void
smtp_client_consume (gpointer session, gsize n_bytes)
{
  pochta_smtp_client_consume_output (session, n_bytes);
}

static gboolean
smtp_client_next_event (gpointer session, PochtaEvent *out_event)
{
  return pochta_smtp_client_next_event (session, out_event);
}

static int
smtp_client_get_state (gpointer session)
{
  return (int) pochta_smtp_client_get_state (session);
}

static const char *
smtp_client_state_name (int state)
{
  return pochta_smtp_client_state_to_string ((PochtaSmtpClientState) state);
}

static gboolean
smtp_client_is_done (gpointer session)
{
  return pochta_smtp_client_is_done (session);
}

static void
smtp_client_free (gpointer session)
{
  pochta_smtp_client_free (session);
}

static void
smtp_client_set_event_sink (gpointer session, PochtaEventSink sink, gpointer user_data)
{
  pochta_smtp_client_set_event_sink (session, sink, user_data);
}

const PochtaSessionClass pochta_smtp_client_session_class = {
  smtp_client_feed, smtp_client_feed_eof, smtp_client_peek, smtp_client_consume,
  smtp_client_next_event, smtp_client_get_state, smtp_client_state_name, smtp_client_is_done,
  smtp_client_free, NULL,
  smtp_client_set_event_sink,
};

/* ---- POP3 server ---- */

static gssize
pop3_server_feed (gpointer session, const guint8 *data, gsize len)
{
  return pochta_pop3_server_feed (session, data, len);
}

static void
pop3_server_feed_eof (gpointer session)
{
  pochta_pop3_server_feed_eof (session);
}

static gsize
pop3_server_peek (gpointer session, const guint8 **out_data)
{
  return pochta_pop3_server_peek_output (session, out_data);
}

static void
pop3_server_consume (gpointer session, gsize n_bytes)
{
  pochta_pop3_server_consume_output (session, n_bytes);
}

static gboolean
pop3_server_next_event (gpointer session, PochtaEvent *out_event)
{
  return pochta_pop3_server_next_event (session, out_event);
}

static int
pop3_server_get_state (gpointer session)
{
  return (int) pochta_pop3_server_get_state (session);
}

static const char *
pop3_server_state_name (int state)
{
  return pochta_pop3_state_to_string ((PochtaPop3State) state);
}

static gboolean
pop3_server_is_done (gpointer session)
{
  return pochta_pop3_server_get_state (session) == POCHTA_POP3_STATE_CLOSED;
}

static void
pop3_server_free (gpointer session)
{
  pochta_pop3_server_free (session);
}

/* POP3 has no reply for a server that goes away: RFC 1939 §3's
 * autologout closes without one, releasing the lock and removing nothing
 * (§6). */
static void
pop3_server_shutdown (gpointer session, const char *reason)
{
  pochta_pop3_server_autologout (session);
}

static void
pop3_server_set_event_sink (gpointer session, PochtaEventSink sink, gpointer user_data)
{
  pochta_pop3_server_set_event_sink (session, sink, user_data);
}

const PochtaSessionClass pochta_pop3_server_session_class = {
  pop3_server_feed, pop3_server_feed_eof, pop3_server_peek, pop3_server_consume,
  pop3_server_next_event, pop3_server_get_state, pop3_server_state_name, pop3_server_is_done,
  pop3_server_free, pop3_server_shutdown,
  pop3_server_set_event_sink,
};

/* ---- POP3 client ---- */

static gssize
pop3_client_feed (gpointer session, const guint8 *data, gsize len)
{
  return pochta_pop3_client_feed (session, data, len);
}

static void
pop3_client_feed_eof (gpointer session)
{
  pochta_pop3_client_feed_eof (session);
}

static gsize
pop3_client_peek (gpointer session, const guint8 **out_data)
{
  return pochta_pop3_client_peek_output (session, out_data);
}

static void
pop3_client_consume (gpointer session, gsize n_bytes)
{
  pochta_pop3_client_consume_output (session, n_bytes);
}

static gboolean
pop3_client_next_event (gpointer session, PochtaEvent *out_event)
{
  return pochta_pop3_client_next_event (session, out_event);
}

static int
pop3_client_get_state (gpointer session)
{
  return (int) pochta_pop3_client_get_state (session);
}

static const char *
pop3_client_state_name (int state)
{
  return pochta_pop3_client_state_to_string ((PochtaPop3ClientState) state);
}

static gboolean
pop3_client_is_done (gpointer session)
{
  return pochta_pop3_client_is_done (session);
}

static void
pop3_client_free (gpointer session)
{
  pochta_pop3_client_free (session);
}

static void
pop3_client_set_event_sink (gpointer session, PochtaEventSink sink, gpointer user_data)
{
  pochta_pop3_client_set_event_sink (session, sink, user_data);
}

const PochtaSessionClass pochta_pop3_client_session_class = {
  pop3_client_feed, pop3_client_feed_eof, pop3_client_peek, pop3_client_consume,
  pop3_client_next_event, pop3_client_get_state, pop3_client_state_name, pop3_client_is_done,
  pop3_client_free, NULL,
  pop3_client_set_event_sink,
};
