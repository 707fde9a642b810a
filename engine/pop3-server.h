/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The POP3 server session (RFC 1939, with CAPA and response codes from
 * RFC 2449 and RFC 3206, and SASL AUTH from RFC 5034), sans-I/O like the
 * SMTP sessions: bytes in through feed (), bytes out through
 * peek/consume_output (), events pulled with next_event ().  The maildrop
 * lives in a PochtaMailStore the policy names.
 *
 * Policies where the RFCs leave a choice (each one tested in
 * tests/engine/test-pop3-server.c):
 *   - USER answers +OK for any name, known or not, so that USER cannot be
 *     used to find out who has a maildrop (RFC 1939 §7 allows either;
 *     §13 warns about the information leak).  The verdict comes at PASS.
 *   - PASS is accepted only as the very next command after a successful
 *     USER; any other command in between forgets the USER (RFC 1939 §7).
 *     The whole rest of the line, spaces included, is the password.
 *   - APOP digests are compared without regard to the case of the hex
 *     digits (RFC 1939 §7 writes them in lower case).
 *   - Failed credentials answer -ERR [AUTH] (RFC 3206 §5), whichever
 *     part was wrong.  After limits->auth_failures_max failures the
 *     session closes after the -ERR.
 *   - A login whose maildrop the policy cannot name, or the store does
 *     not have, answers -ERR [SYS/PERM]; one whose maildrop is locked,
 *     -ERR [IN-USE] (RFC 2449 §8.1.2); one the policy delays,
 *     -ERR [LOGIN-DELAY] (§8.1.1); a store failure, -ERR [SYS/TEMP]
 *     (RFC 3206 §4).  The session stays in AUTHORIZATION.
 *   - The message list is a snapshot taken with the lock: mail that
 *     arrives during the session is not seen by it (RFC 1939 §4).
 *   - A deleted message answers "-ERR message N already deleted" to every
 *     command that names it; a number outside the snapshot, "-ERR no such
 *     message"; a number that is not decimal digits, "-ERR invalid
 *     message number".
 *   - RETR marks the message seen in the store (a Maildir moves it to
 *     cur/ with "S"); TOP does not.
 *   - Commands are one line of printable ASCII (RFC 1939 §3): a NUL,
 *     control or 8-bit octet, a bare LF as line end, an empty line or an
 *     over-long line answer -ERR and count as bad commands.  Arguments are
 *     separated by one SP; trailing spaces are ignored except after PASS.
 *     After limits->bad_commands_max bad commands the answer is -ERR
 *     "too many bad commands" and the session closes.
 *   - AUTH without a mechanism answers -ERR (RFC 5034 defines none).  The
 *     DIGEST-MD5 rspauth goes out as one more "+ " challenge which the
 *     client answers with an empty line (RFC 5034 §4 has no additional
 *     data with success).  "*" cancels with -ERR.
 *   - STLS is recognised and answered -ERR: this server has no TLS.
 *   - Every capability is announced in both states (RFC 2449 §5).
 *   - QUIT from TRANSACTION enters UPDATE, removes the deleted messages,
 *     releases the lock and closes; if a removal fails the reply is
 *     "-ERR some deleted messages not removed" (RFC 1939 §6).  End of
 *     input and autologout release the lock and remove nothing (§3, §6).
 *   - PIPELINING (RFC 2449 §6.6): every complete command in the input is
 *     answered in order. */
#pragma once

#include <glib.h>

#include "event.h"
#include "generator.h"
#include "mail-store.h"
#include "sasl.h"

G_BEGIN_DECLS

typedef enum
{
  POCHTA_POP3_STATE_AUTHORIZATION,  /* greeted, not logged in (RFC 1939 §4) */
  POCHTA_POP3_STATE_SASL,           /* AUTH: a "+ " challenge is outstanding */
  POCHTA_POP3_STATE_TRANSACTION,    /* the maildrop is locked (§5) */
  POCHTA_POP3_STATE_UPDATE,         /* QUIT from TRANSACTION: removing (§6) */
  POCHTA_POP3_STATE_CLOSED,         /* the session is over */
  POCHTA_POP3_N_STATES
} PochtaPop3State;

const char *pochta_pop3_state_to_string (PochtaPop3State state);

/* Every limit of the server.  Zero in a field means the default given in
 * its comment. */
typedef struct
{
  /* RFC 2449 §4: with CAPA, a command line is up to 255 octets including
   * CRLF (RFC 1939 §3 had 40-character arguments only). */
  gsize command_line_max;
  /* RFC 1939 §3: each argument up to 40 characters.  PASS's whole line and
   * AUTH's initial response are bounded by the line only. */
  gsize argument_max;
  /* RFC 5034 §4: SASL responses are as long as the mechanism needs; this
   * bounds them as RFC 4954 §4 bounds SMTP's (at least 12288 octets). */
  gsize sasl_line_max;
  /* No RFC limit: a local policy like the SMTP server's, against clients
   * that only send garbage.  Default 10. */
  guint bad_commands_max;
  /* RFC 1939 §4 lets the server close after failed logins; RFC 4954 §9
   * asks SMTP servers to allow at least 3, and so does this one.  3. */
  guint auth_failures_max;
} PochtaPop3Limits;

void pochta_pop3_limits_init_defaults (PochtaPop3Limits *limits);

/* Who may log in and which maildrop is theirs: decided by the host that
 * runs the session.  Callbacks are called synchronously from feed () and
 * must not call back into the session. */
typedef struct
{
  /* The password (USER/PASS, SASL) and APOP secret of a login; NULL for
   * an unknown login.  NULL callback: nobody can log in. */
  PochtaSaslSecretFunc get_secret;
  /* The mailbox name in the store of an authenticated login, or NULL when
   * the login has no maildrop here.  NULL callback: the login itself. */
  char *(*resolve_mailbox) (const char *login, gpointer user_data);
  /* RFC 2449 §8.1.1: TRUE when the login may not log in again yet.  NULL
   * callback: never. */
  gboolean (*login_delayed) (const char *login, gpointer user_data);
  /* The maildrops; required.  The session keeps a reference. */
  PochtaMailStore *store;
  gpointer user_data;
} PochtaPop3Policy;

typedef struct
{
  const char *hostname;            /* greeting timestamp, QUIT text, SASL realm */
  const PochtaPop3Limits *limits;  /* NULL: the defaults above */
  PochtaGenerator *generator;      /* APOP timestamp, SASL challenges; required */
  /* Replay only: greet with this timestamp ("<1896.697170952@dbc.mtview.ca.us>")
   * instead of a fresh one.  It defeats APOP's replay protection
   * (RFC 1939 §7: the timestamp MUST differ on every greeting). */
  const char *fixed_timestamp;
  /* No timestamp in the greeting; APOP answers -ERR. */
  gboolean disable_apop;
  /* No SASL capability; AUTH answers -ERR. */
  gboolean disable_sasl;
  /* Bit (1 << PochtaSaslMechanism) per mechanism offered; 0: all four. */
  guint sasl_mechanisms;
  /* RFC 2449 §6.5: announced as LOGIN-DELAY <seconds> when not 0. */
  guint login_delay;
  /* CAPA IMPLEMENTATION text; NULL: "Pochta". */
  const char *implementation;
  /* Report every line of a message sent by RETR or TOP as a LINE_SENT
   * event with in_data set (the transcript wants them; a benchmark may
   * not).  Status lines and the lines of LIST, UIDL and CAPA are always
   * reported. */
  gboolean report_data_lines;
  /* No LINE_RECEIVED or LINE_SENT events at all, whatever
   * report_data_lines says: for a caller that records no lines (a scale
   * run); state changes and the other events are unchanged. */
  gboolean no_line_events;
  /* No LINE_RECEIVED events: for a caller that records each line once,
   * where it is sent (the simulation's connections). */
  gboolean no_received_line_events;
} PochtaPop3Config;

typedef struct _PochtaPop3Server PochtaPop3Server;

/* config and policy are copied (strings duplicated); the generator is
 * borrowed and must outlive the session. */
PochtaPop3Server *pochta_pop3_server_new (const PochtaPop3Config *config,
                                          const PochtaPop3Policy *policy);
/* Releases the maildrop lock if it is still held; removes nothing. */
void pochta_pop3_server_free (PochtaPop3Server *self);

/* Queues the +OK greeting.  Call once, before feed (). */
void pochta_pop3_server_start (PochtaPop3Server *self);

/* Processes every complete command in data, in order.  Returns the bytes
 * consumed: fewer than len only once the session closed (the rest is not
 * for it) or while more than 64 KiB of output waits to be consumed
 * (back-pressure).  Negative only on misuse (feed after CLOSED). */
gssize pochta_pop3_server_feed (PochtaPop3Server *self, const guint8 *data, gsize len);

/* The peer went away: the lock is released, nothing is removed
 * (RFC 1939 §6). */
void pochta_pop3_server_feed_eof (PochtaPop3Server *self);

/* The autologout timer fired (RFC 1939 §3: at least 10 minutes): the
 * session closes without a reply and without UPDATE. */
void pochta_pop3_server_autologout (PochtaPop3Server *self);

gsize pochta_pop3_server_peek_output (PochtaPop3Server *self, const guint8 **out_data);
void pochta_pop3_server_consume_output (PochtaPop3Server *self, gsize n_bytes);
gboolean pochta_pop3_server_next_event (PochtaPop3Server *self, PochtaEvent *out_event);
/* Lines and state changes go to sink as they happen, the rest of the
 * events to next_event () (see PochtaEventSink); NULL undoes it. */
void pochta_pop3_server_set_event_sink (PochtaPop3Server *self, PochtaEventSink sink, gpointer user_data);

PochtaPop3State pochta_pop3_server_get_state (PochtaPop3Server *self);
/* The greeting's APOP timestamp with its angle brackets, or NULL. */
const char *pochta_pop3_server_get_timestamp (PochtaPop3Server *self);
/* The authenticated login, or NULL before TRANSACTION. */
const char *pochta_pop3_server_get_login (PochtaPop3Server *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaPop3Server, pochta_pop3_server_free)

G_END_DECLS
