/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The POP3 client session, the mirror of pop3-server.h: told whose mail to
 * fetch and how, it produces the command bytes and reads the responses.
 * greeting -> CAPA -> login (APOP, SASL AUTH or USER/PASS) -> STAT -> LIST
 * -> UIDL -> RETR or TOP each message [-> DELE] -> [RSET] -> QUIT, one
 * command at a time.  Every message retrieved is reported as a MESSAGE
 * event.  Sans-I/O like the server.
 *
 * Policies where the RFCs leave a choice (tested in
 * tests/engine/test-pop3-client.c):
 *   - The login method, unless forced: APOP when the greeting carries a
 *     timestamp (RFC 1939 §7); else the strongest SASL mechanism CAPA
 *     offers (RFC 5034, pochta_sasl_mechanism_strength ()); else USER and
 *     PASS.  A forced SASL mechanism is tried even if CAPA did not list it.
 *   - CAPA is always sent first; a server without it (-ERR) is assumed to
 *     have USER, TOP and UIDL (RFC 1939 lists them as optional commands).
 *   - UIDL is sent only when CAPA lists it or CAPA failed; a -ERR to it
 *     leaves the uids unknown.  A -ERR to RETR, TOP or DELE is recorded on
 *     that message and the session goes on with the next.
 *   - An initial SASL response goes on the AUTH line only if the line stays
 *     within 255 octets (RFC 5034 §4, RFC 2449 §4); otherwise the client
 *     waits for the empty challenge.
 *   - Malformed responses end the session with an ERROR event naming the
 *     problem, and no QUIT (the two sides no longer agree where they
 *     are): a status line that is not "+OK" or "-ERR" (upper case, then
 *     the end of the line or a space; RFC 1939 §3), a status line over 512
 *     octets (RFC 2449 §4), a line ended by a bare LF, a STAT, LIST or UIDL
 *     line that breaks its syntax (RFC 1939 §5, §7: a uid is 1-70
 *     characters of 0x21-0x7E), a message over max_message_size, data
 *     after the server's last word, or a response nobody asked for.
 *   - A refused login (-ERR to APOP, PASS, USER or AUTH) ends the session
 *     with an ERROR event and a polite QUIT. */
#pragma once

#include <glib.h>

#include "event.h"
#include "generator.h"
#include "sasl.h"

G_BEGIN_DECLS

typedef enum
{
  POCHTA_POP3_CLIENT_STATE_GREETING,  /* waiting for the +OK greeting */
  POCHTA_POP3_CLIENT_STATE_CAPA,      /* CAPA sent */
  POCHTA_POP3_CLIENT_STATE_LOGIN,     /* APOP, USER/PASS or AUTH running */
  POCHTA_POP3_CLIENT_STATE_STAT,      /* STAT sent */
  POCHTA_POP3_CLIENT_STATE_LIST,      /* LIST sent */
  POCHTA_POP3_CLIENT_STATE_UIDL,      /* UIDL sent */
  POCHTA_POP3_CLIENT_STATE_RETRIEVE,  /* RETR or TOP sent */
  POCHTA_POP3_CLIENT_STATE_DELE,      /* DELE sent */
  POCHTA_POP3_CLIENT_STATE_RSET,      /* RSET sent */
  POCHTA_POP3_CLIENT_STATE_QUIT,      /* QUIT sent */
  POCHTA_POP3_CLIENT_STATE_DONE,      /* signed off, or the session failed */
  POCHTA_POP3_CLIENT_N_STATES
} PochtaPop3ClientState;

const char *pochta_pop3_client_state_to_string (PochtaPop3ClientState state);

typedef enum
{
  POCHTA_POP3_LOGIN_AUTO,  /* APOP, else the strongest SASL offered, else USER */
  POCHTA_POP3_LOGIN_APOP,  /* RFC 1939 §7 */
  POCHTA_POP3_LOGIN_SASL,  /* RFC 5034; config->mechanism when forced */
  POCHTA_POP3_LOGIN_USER,  /* RFC 1939 §7 USER and PASS */
} PochtaPop3LoginMethod;

const char *pochta_pop3_login_method_to_string (PochtaPop3LoginMethod method);

typedef struct
{
  /* For DIGEST-MD5's digest-uri "pop/<host>" (RFC 2831 §2.1.2).  NULL:
   * the host of the greeting's timestamp, or "localhost". */
  const char *server_hostname;
  PochtaGenerator *generator;     /* DIGEST-MD5 cnonce; required */
  const char *login;              /* required */
  const char *password;           /* also the APOP secret; required */
  PochtaPop3LoginMethod method;
  gboolean force_mechanism;       /* with POCHTA_POP3_LOGIN_SASL or AUTO */
  PochtaSaslMechanism mechanism;
  /* DELE every message once it arrived. */
  gboolean delete_retrieved;
  /* RSET before QUIT: the DELEs are undone (RFC 1939 §5). */
  gboolean reset_before_quit;
  /* TOP msg top_lines instead of RETR (RFC 1939 §7). */
  gboolean top_only;
  guint top_lines;
  /* Messages whose UIDL id is in this NULL-terminated list are neither
   * retrieved nor deleted ("leave mail on the server"). */
  const char *const *known_uids;
  /* Larger messages end the session with an ERROR; 0: 64 MiB. */
  gsize max_message_size;
  /* Report every line of a retrieved message as a LINE_RECEIVED event
   * with in_data set.  Status lines, listings and CAPA lines are always
   * reported. */
  gboolean report_data_lines;
  /* No LINE_RECEIVED or LINE_SENT events at all, whatever
   * report_data_lines says: for a caller that records no lines (a scale
   * run); state changes and the other events are unchanged. */
  gboolean no_line_events;
  /* No LINE_RECEIVED events: for a caller that records each line once,
   * where it is sent (the simulation's connections). */
  gboolean no_received_line_events;
} PochtaPop3ClientConfig;

/* What the client learnt about one message of the maildrop. */
typedef struct
{
  guint number;        /* the message number of this session (RFC 1939 §5) */
  gsize size;          /* from LIST */
  char *uid;           /* from UIDL, or NULL */
  GBytes *content;     /* after RETR/TOP, unstuffed; NULL before */
  gboolean skipped;    /* its uid was in known_uids */
  gboolean deleted;    /* DELE got +OK */
  char *error;         /* the -ERR of RETR, TOP or DELE, or NULL */
} PochtaPop3ClientMessage;

typedef struct _PochtaPop3Client PochtaPop3Client;

PochtaPop3Client *pochta_pop3_client_new (const PochtaPop3ClientConfig *config);
void pochta_pop3_client_free (PochtaPop3Client *self);

/* Bytes from the server.  Returns the bytes consumed (all of them while
 * the session runs); negative on misuse (feed after DONE). */
gssize pochta_pop3_client_feed (PochtaPop3Client *self, const guint8 *data, gsize len);
/* The server closed the connection: unless QUIT was answered, the session
 * fails with an ERROR. */
void pochta_pop3_client_feed_eof (PochtaPop3Client *self);

gsize pochta_pop3_client_peek_output (PochtaPop3Client *self, const guint8 **out_data);
void pochta_pop3_client_consume_output (PochtaPop3Client *self, gsize n_bytes);
gboolean pochta_pop3_client_next_event (PochtaPop3Client *self, PochtaEvent *out_event);
/* Lines and state changes go to sink as they happen, the rest of the
 * events to next_event () (see PochtaEventSink); NULL undoes it. */
void pochta_pop3_client_set_event_sink (PochtaPop3Client *self, PochtaEventSink sink, gpointer user_data);

PochtaPop3ClientState pochta_pop3_client_get_state (PochtaPop3Client *self);
gboolean pochta_pop3_client_is_done (PochtaPop3Client *self);
/* TRUE once the server answered QUIT with +OK and nothing went wrong. */
gboolean pochta_pop3_client_succeeded (PochtaPop3Client *self);
/* Why the session failed, or NULL. */
const char *pochta_pop3_client_get_error (PochtaPop3Client *self);
/* The method (and for SASL the mechanism) that logged in or was tried. */
PochtaPop3LoginMethod pochta_pop3_client_get_login_method (PochtaPop3Client *self);
PochtaSaslMechanism pochta_pop3_client_get_mechanism (PochtaPop3Client *self);
/* The server's CAPA lines ("TOP", "SASL PLAIN LOGIN"...); empty when CAPA
 * failed or has not been answered yet. */
GStrv pochta_pop3_client_dup_capabilities (PochtaPop3Client *self);

guint pochta_pop3_client_get_n_messages (PochtaPop3Client *self);
const PochtaPop3ClientMessage *pochta_pop3_client_get_message (PochtaPop3Client *self, guint index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaPop3Client, pochta_pop3_client_free)

G_END_DECLS
