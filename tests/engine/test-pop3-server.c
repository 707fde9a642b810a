/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the POP3 server session: a table with a row for every POP3
 * edge case of protocol-checklist §7.6 (each fed in one buffer, byte by
 * byte and in seeded random chunks), SASL, locking, the store, events,
 * and the golden transcripts in tests/data/pop3. */
#define G_LOG_DOMAIN "pochta-test-pop3-server"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "pop3-test-world.h"
#include "sasl.h"

#define CAPA_LIST \
  "+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN LOGIN CRAM-MD5 DIGEST-MD5\r\n" \
  "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nIMPLEMENTATION Pochta\r\n.\r\n"
#define RANDOM_SEED 20261126

/* ---- the table ---- */

typedef struct
{
  const char *path;      /* below /engine/pop3-server/ */
  const char *input;
  gsize input_len;       /* 0: strlen (input) */
  const char *expected;  /* every byte after the greeting */
  gboolean eof;          /* the connection drops after the input */
  PochtaPop3State final_state;
  /* Messages left in mrose's maildrop afterwards. */
  guint mrose_left;
} Row;

static const Row rows[] = {
  /* P01: RFC 1939 §3, §5: transaction commands before login. */
  { "p01/transaction-commands-in-authorization",
    "STAT\r\nLIST\r\nRETR 1\r\nNOOP\r\nRSET\r\nDELE 1\r\nTOP 1 0\r\nUIDL\r\n", 0,
    "-ERR STAT is not valid in the AUTHORIZATION state\r\n"
    "-ERR LIST is not valid in the AUTHORIZATION state\r\n"
    "-ERR RETR is not valid in the AUTHORIZATION state\r\n"
    "-ERR NOOP is not valid in the AUTHORIZATION state\r\n"
    "-ERR RSET is not valid in the AUTHORIZATION state\r\n"
    "-ERR DELE is not valid in the AUTHORIZATION state\r\n"
    "-ERR TOP is not valid in the AUTHORIZATION state\r\n"
    "-ERR UIDL is not valid in the AUTHORIZATION state\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  /* P02: RFC 1939 §7: PASS only right after a successful USER. */
  { "p02/pass-without-user",
    "PASS tanstaaf\r\nUSER mrose\r\nCAPA\r\nPASS tanstaaf\r\n", 0,
    "-ERR PASS must follow a successful USER\r\n"
    "+OK send PASS\r\n" CAPA_LIST
    "-ERR PASS must follow a successful USER\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  /* P03: a failed PASS allows a new USER. */
  { "p03/user-again-after-failed-pass",
    "USER mrose\r\nPASS wrong\r\nUSER mrose\r\nPASS tanstaaf\r\nSTAT\r\n", 0,
    "+OK send PASS\r\n-ERR [AUTH] invalid user name or password\r\n"
    "+OK send PASS\r\n" RFC1939_LOGGED_IN "+OK 2 320\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  { "p03/unknown-user-looks-like-bad-password",
    "USER nobody\r\nPASS tanstaaf\r\n", 0,
    "+OK send PASS\r\n-ERR [AUTH] invalid user name or password\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  /* P04: RFC 1939 §7, vector V1. */
  { "p04/apop-vector",
    RFC1939_APOP "STAT\r\n", 0,
    RFC1939_LOGGED_IN "+OK 2 320\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  { "p04/apop-upper-case-digest",
    "APOP mrose C4C9334BAC560ECC979E58001B3E22FB\r\n", 0,
    RFC1939_LOGGED_IN,
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  { "p04/apop-wrong-digest",
    "APOP mrose c4c9334bac560ecc979e58001b3e22fc\r\nAPOP mrose xyz\r\nSTAT\r\n", 0,
    "-ERR [AUTH] permission denied\r\n-ERR [AUTH] permission denied\r\n"
    "-ERR STAT is not valid in the AUTHORIZATION state\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "p04/apop-unknown-user",
    "APOP nobody c4c9334bac560ecc979e58001b3e22fb\r\n", 0,
    "-ERR [AUTH] permission denied\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  /* P06: RFC 1939 §4, §6: QUIT before login, no UPDATE. */
  { "p06/quit-in-authorization",
    "QUIT\r\nSTAT\r\n", 0,
    "+OK dewey POP3 server signing off\r\n",
    FALSE, POCHTA_POP3_STATE_CLOSED, 2 },
  /* P07: a deleted message answers -ERR to everything. */
  { "p07/deleted-message",
    RFC1939_APOP "DELE 1\r\nRETR 1\r\nLIST 1\r\nTOP 1 0\r\nDELE 1\r\nUIDL 1\r\n", 0,
    RFC1939_LOGGED_IN "+OK message 1 deleted\r\n"
    "-ERR message 1 already deleted\r\n-ERR message 1 already deleted\r\n"
    "-ERR message 1 already deleted\r\n-ERR message 1 already deleted\r\n"
    "-ERR message 1 already deleted\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P08: STAT and LIST leave deleted messages out; numbers do not shift. */
  { "p08/stat-after-dele",
    RFC1939_APOP "DELE 1\r\nSTAT\r\nLIST\r\n", 0,
    RFC1939_LOGGED_IN "+OK message 1 deleted\r\n+OK 1 200\r\n"
    "+OK 1 message (200 octets)\r\n2 200\r\n.\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P09: RSET undeletes. */
  { "p09/dele-rset-quit",
    RFC1939_APOP "DELE 1\r\nRSET\r\nQUIT\r\n", 0,
    RFC1939_LOGGED_IN "+OK message 1 deleted\r\n+OK maildrop has 2 messages (320 octets)\r\n"
    "+OK dewey POP3 server signing off (2 messages left)\r\n",
    FALSE, POCHTA_POP3_STATE_CLOSED, 2 },
  /* P10: QUIT from TRANSACTION removes. */
  { "p10/dele-quit",
    RFC1939_APOP "DELE 1\r\nQUIT\r\n", 0,
    RFC1939_LOGGED_IN "+OK message 1 deleted\r\n"
    "+OK dewey POP3 server signing off (1 message left)\r\n",
    FALSE, POCHTA_POP3_STATE_CLOSED, 1 },
  { "p10/dele-all-quit",
    RFC1939_APOP "DELE 2\r\nDELE 1\r\nQUIT\r\nNOOP\r\n", 0,
    RFC1939_LOGGED_IN "+OK message 2 deleted\r\n+OK message 1 deleted\r\n"
    "+OK dewey POP3 server signing off (maildrop empty)\r\n",
    FALSE, POCHTA_POP3_STATE_CLOSED, 0 },
  /* P11: a dropped connection removes nothing. */
  { "p11/dele-then-drop",
    RFC1939_APOP "DELE 1\r\nDELE 2\r\n", 0,
    RFC1939_LOGGED_IN "+OK message 1 deleted\r\n+OK message 2 deleted\r\n",
    TRUE, POCHTA_POP3_STATE_CLOSED, 2 },
  /* P13: byte-stuffing. */
  { "p13/retr-stuffs-dots",
    RFC1939_APOP "RETR 1\r\nRETR 2\r\n", 0,
    RFC1939_LOGGED_IN "+OK 120 octets\r\n" MESSAGE_1_SENT "+OK 200 octets\r\n" MESSAGE_2_SENT,
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P14: exact sizes, stuffing not counted. */
  { "p14/list-sizes",
    RFC1939_APOP "LIST\r\nLIST 2\r\n", 0,
    RFC1939_LOGGED_IN "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n+OK 2 200\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P15: an empty maildrop. */
  { "p15/empty-maildrop",
    "USER Petrov\r\nPASS petrov123\r\nLIST\r\nSTAT\r\nUIDL\r\nQUIT\r\n", 0,
    "+OK send PASS\r\n+OK Petrov's maildrop has 0 messages (0 octets)\r\n"
    "+OK 0 messages (0 octets)\r\n.\r\n+OK 0 0\r\n+OK unique-id listing follows\r\n.\r\n"
    "+OK dewey POP3 server signing off (maildrop empty)\r\n",
    FALSE, POCHTA_POP3_STATE_CLOSED, 2 },
  /* P16: numbers outside the maildrop. */
  { "p16/no-such-message",
    RFC1939_APOP "LIST 3\r\nRETR 0\r\nTOP 3 0\r\nRETR 99999999999999999999999\r\n", 0,
    RFC1939_LOGGED_IN "-ERR no such message\r\n-ERR no such message\r\n-ERR no such message\r\n"
    "-ERR no such message\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P17: TOP n, with n = 0, n past the end and n inside the body. */
  { "p17/top",
    RFC1939_APOP "TOP 1 0\r\nTOP 1 9999\r\nTOP 2 3\r\nTOP 2 99999999999999999999999\r\n", 0,
    RFC1939_LOGGED_IN
    "+OK top of message follows\r\nFrom: Ivanov@comp1.otd1.constr.org\r\nSubject: first\r\n\r\n.\r\n"
    "+OK top of message follows\r\n" MESSAGE_1_SENT
    "+OK top of message follows\r\nFrom: Sidorov@comp2.otd1.constr.org\r\n"
    "To: mrose@dbc.mtview.ca.us\r\nSubject: second\r\n\r\nLine one\r\nLine two\r\n...two dots\r\n.\r\n"
    "+OK top of message follows\r\n" MESSAGE_2_SENT,
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P19: RFC 2449 §5: the same capabilities in both states. */
  { "p19/capa-both-states",
    "CAPA\r\n" RFC1939_APOP "CAPA\r\n", 0,
    CAPA_LIST RFC1939_LOGGED_IN CAPA_LIST,
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P20: RFC 2595 §4: STLS only in AUTHORIZATION (and no TLS here). */
  { "p20/stls",
    "STLS\r\n" RFC1939_APOP "STLS\r\n", 0,
    "-ERR TLS is not available on this server\r\n" RFC1939_LOGGED_IN
    "-ERR STLS is not valid in the TRANSACTION state\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P21: no second login in TRANSACTION. */
  { "p21/auth-in-transaction",
    RFC1939_APOP "AUTH PLAIN\r\n" RFC1939_APOP "USER mrose\r\nPASS tanstaaf\r\n", 0,
    RFC1939_LOGGED_IN "-ERR AUTH is not valid in the TRANSACTION state\r\n"
    "-ERR APOP is not valid in the TRANSACTION state\r\n"
    "-ERR USER is not valid in the TRANSACTION state\r\n"
    "-ERR PASS is not valid in the TRANSACTION state\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P22: "*" cancels (RFC 5034 §4); CRAM-MD5 in its own test. */
  { "p22/auth-cancelled",
    "AUTH PLAIN\r\n*\r\nSTAT\r\n", 0,
    "+ \r\n-ERR authentication cancelled\r\n-ERR STAT is not valid in the AUTHORIZATION state\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  /* P23: RFC 1939 §3: keywords in any case; replies in upper case. */
  { "p23/lower-case",
    "apop mrose c4c9334bac560ecc979e58001b3e22fb\r\nstat\r\nLiSt 1\r\nnoop\r\n", 0,
    RFC1939_LOGGED_IN "+OK 2 320\r\n+OK 1 120\r\n+OK\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  /* P25: RFC 1939 §7: the rest of the line is the password. */
  { "p25/pass-with-space",
    "USER spacey\r\nPASS my secret\r\n", 0,
    "+OK send PASS\r\n+OK spacey's maildrop has 0 messages (0 octets)\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },

  /* RFC 1939 §3: anything unknown or malformed answers -ERR. */
  { "syntax/unknown-commands",
    "XTND XMIT\r\nFOOBAR\r\nST\r\n", 0,
    "-ERR unknown command\r\n-ERR unknown command\r\n-ERR unknown command\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "syntax/empty-line", "\r\n", 0, "-ERR empty command\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
#define NUL_INPUT "ST\0AT\r\nUSER a\0b\r\n"
  { "syntax/nul-byte", NUL_INPUT, sizeof NUL_INPUT - 1,
    "-ERR invalid character in command\r\n-ERR invalid character in command\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "syntax/eight-bit", "USER \xd0\x9f\r\nUSER \x7f\r\n", 0,
    "-ERR invalid character in command\r\n-ERR invalid character in command\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "syntax/bare-lf", "CAPA\nQUIT\r\n", 0,
    "-ERR line must end with CRLF\r\n+OK dewey POP3 server signing off\r\n",
    FALSE, POCHTA_POP3_STATE_CLOSED, 2 },
  /* RFC 1939 §3: arguments up to 40 characters. */
  { "syntax/argument-length",
    "USER aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nUSER aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 0,
    "+OK send PASS\r\n-ERR argument too long\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "syntax/arguments",
    RFC1939_APOP "STAT 1\r\nRETR\r\nRETR x\r\nTOP 1\r\nTOP 1 x\r\nLIST  1\r\nLIST 1 \r\n"
    "RETR 1 2\r\nRETR -1\r\nQUIT now\r\n", 0,
    RFC1939_LOGGED_IN "-ERR usage: STAT\r\n-ERR usage: RETR msg\r\n-ERR invalid message number\r\n"
    "-ERR usage: TOP msg n\r\n-ERR usage: TOP msg n\r\n-ERR usage: LIST [msg]\r\n+OK 1 120\r\n"
    "-ERR usage: RETR msg\r\n-ERR invalid message number\r\n-ERR usage: QUIT\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  { "syntax/user-and-pass-arguments",
    "USER\r\nUSER a b\r\nUSER mrose\r\nPASS\r\n", 0,
    "-ERR usage: USER name\r\n-ERR usage: USER name\r\n+OK send PASS\r\n-ERR usage: PASS string\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  /* The bad-command budget (10) closes the session and the lock. */
  { "limits/bad-commands",
    RFC1939_APOP "DELE 1\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nNOOP\r\n", 0,
    RFC1939_LOGGED_IN "+OK message 1 deleted\r\n"
    "-ERR unknown command\r\n-ERR unknown command\r\n-ERR unknown command\r\n-ERR unknown command\r\n"
    "-ERR unknown command\r\n-ERR unknown command\r\n-ERR unknown command\r\n-ERR unknown command\r\n"
    "-ERR unknown command\r\n-ERR too many bad commands, closing connection\r\n",
    FALSE, POCHTA_POP3_STATE_CLOSED, 2 },
  /* Three failed logins close the session (RFC 1939 §4). */
  { "limits/auth-failures",
    "USER mrose\r\nPASS a\r\nAPOP mrose 00000000000000000000000000000000\r\nAUTH PLAIN AG1yb3NlAHg=\r\n"
    "NOOP\r\n", 0,
    "+OK send PASS\r\n-ERR [AUTH] invalid user name or password\r\n-ERR [AUTH] permission denied\r\n"
    "-ERR [AUTH] authentication failed\r\n",
    FALSE, POCHTA_POP3_STATE_CLOSED, 2 },
  /* RFC 2449 §8.1.1 and RFC 3206 §4. */
  { "codes/login-delay",
    "USER delayed\r\nPASS delayed1\r\n", 0,
    "+OK send PASS\r\n-ERR [LOGIN-DELAY] delayed logged in too recently, try again later\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "codes/no-maildrop",
    "USER nobox\r\nPASS nobox1\r\n", 0,
    "+OK send PASS\r\n-ERR [SYS/PERM] no maildrop for nobox here\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "transaction/noop-rset",
    RFC1939_APOP "NOOP\r\nRSET\r\nUIDL 3\r\n", 0,
    RFC1939_LOGGED_IN "+OK\r\n+OK maildrop has 2 messages (320 octets)\r\n-ERR no such message\r\n",
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },

  /* RFC 5034 §4 AUTH with the deterministic mechanisms. */
  { "sasl/plain-initial-response",
    "AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\r\n", 0, RFC1939_LOGGED_IN,
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  { "sasl/plain-after-empty-challenge",
    "AUTH plain\r\nAG1yb3NlAHRhbnN0YWFm\r\n", 0, "+ \r\n" RFC1939_LOGGED_IN,
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  { "sasl/plain-empty-initial-response",
    "AUTH PLAIN =\r\n", 0, "-ERR [AUTH] authentication failed\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "sasl/login",
    "AUTH LOGIN\r\nbXJvc2U=\r\ndGFuc3RhYWY=\r\n", 0,
    "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n" RFC1939_LOGGED_IN,
    FALSE, POCHTA_POP3_STATE_TRANSACTION, 2 },
  { "sasl/bad-base64",
    "AUTH PLAIN $$$$\r\nAUTH PLAIN\r\nAG1yb3NlAHRhbnN0YWFm=\r\n", 0,
    "-ERR invalid base64 in the initial response\r\n+ \r\n"
    "-ERR invalid base64 in the authentication response\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "sasl/unsupported-mechanism",
    "AUTH FOOBAR\r\nAUTH GSSAPI\r\nAUTH\r\n", 0,
    "-ERR unsupported authentication mechanism\r\n-ERR unsupported authentication mechanism\r\n"
    "-ERR usage: AUTH mechanism [initial-response]\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "sasl/server-first-with-initial-response",
    "AUTH CRAM-MD5 bXJvc2U=\r\n", 0, "-ERR malformed authentication exchange\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
  { "sasl/malformed-plain",
    "AUTH PLAIN bXJvc2U=\r\n", 0, "-ERR malformed authentication exchange\r\n",
    FALSE, POCHTA_POP3_STATE_AUTHORIZATION, 2 },
};

/* A world and a server on it: what the harness creates for every way of
 * feeding. */
typedef struct
{
  World *world;
  PochtaPop3Server *server;
} Fixture;

static gssize
fixture_feed (gpointer session, const guint8 *data, gsize len)
{
  return pochta_pop3_server_feed (((Fixture *) session)->server, data, len);
}

static void
fixture_feed_eof (gpointer session)
{
  pochta_pop3_server_feed_eof (((Fixture *) session)->server);
}

static gsize
fixture_peek_output (gpointer session, const guint8 **out_data)
{
  return pochta_pop3_server_peek_output (((Fixture *) session)->server, out_data);
}

static void
fixture_consume_output (gpointer session, gsize n_bytes)
{
  pochta_pop3_server_consume_output (((Fixture *) session)->server, n_bytes);
}

static void
fixture_destroy (gpointer session)
{
  Fixture *fixture = session;

  g_clear_pointer (&fixture->server, pochta_pop3_server_free);
  world_free (fixture->world);
  g_free (fixture);
}

/* The standard world behind RFC 1939's example server. */
static gpointer
fixture_create_standard (gpointer create_data)
{
  Fixture *fixture = g_new0 (Fixture, 1);

  fixture->world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (fixture->world);
  fixture->server = world_server_new (fixture->world, &config);
  return fixture;
}

static const PochtaSessionOps row_ops = {
  .create = fixture_create_standard,
  .destroy = fixture_destroy,
  .feed = fixture_feed,
  .feed_eof = fixture_feed_eof,
  .peek_output = fixture_peek_output,
  .consume_output = fixture_consume_output,
};

static void
check_row (gpointer session, const GByteArray *output, gsize consumed, PochtaFeedMode mode, gpointer check_data)
{
  const Row *row = check_data;
  Fixture *fixture = session;
  World *world = fixture->world;

  g_assert_cmpint (pochta_pop3_server_get_state (fixture->server), ==, row->final_state);
  /* The lock is held exactly while mrose's session is in TRANSACTION, and
   * the end of the session releases it. */
  gboolean mrose_in = row->final_state == POCHTA_POP3_STATE_TRANSACTION
                      && g_strcmp0 (pochta_pop3_server_get_login (fixture->server), "mrose") == 0;
  g_assert_cmpint (pochta_mail_store_is_locked (world->store, "mrose"), ==, mrose_in);
  g_clear_pointer (&fixture->server, pochta_pop3_server_free);
  g_assert_false (pochta_mail_store_is_locked (world->store, "mrose"));
  g_assert_cmpuint (world_count (world, "mrose"), ==, row->mrose_left);
}

static void
run_row (gconstpointer data)
{
  const Row *row = data;
  gsize input_len = row->input_len != 0 ? row->input_len : strlen (row->input);

  pochta_harness_run_three_ways (&row_ops, NULL, (const guint8 *) row->input, input_len, row->eof,
                                 RANDOM_SEED, row->expected, check_row, (gpointer) row);
}

/* ---- sessions driven step by step ---- */

typedef struct
{
  World *world;
  PochtaPop3Server *server;
  GString *greeting;
} Session;

static Session *
session_new (World *world, const PochtaPop3Config *config)
{
  Session *session = g_new0 (Session, 1);

  session->world = world;
  session->server = world_server_new (world, config);
  session->greeting = g_string_new (NULL);
  server_drain (session->server, session->greeting);
  return session;
}

static void
session_free (Session *session)
{
  pochta_pop3_server_free (session->server);
  g_string_free (session->greeting, TRUE);
  g_free (session);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_free)

/* Sends input and returns exactly what the server answered to it. */
static char *
session_send (Session *session, const char *input)
{
  return server_send (session->server, input);
}

static void
session_expect (Session *session, const char *input, const char *expected)
{
  g_autofree char *answer = session_send (session, input);
  g_assert_cmpstr (answer, ==, expected);
}

/* P05: RFC 1939 §7: a fresh timestamp on every greeting. */
static void
test_greeting_timestamp (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = { .hostname = "comp3.otd2.constr.org", .generator = world->generator };
  g_autoptr (Session) first = session_new (world, &config);
  g_autoptr (Session) second = session_new (world, &config);
  const char *stamp = pochta_pop3_server_get_timestamp (first->server);
  g_autofree char *greeting = g_strdup_printf ("+OK POP3 server ready %s\r\n", stamp);

  g_assert_true (g_regex_match_simple ("^<[0-9]+\\.1234567890@comp3\\.otd2\\.constr\\.org>$", stamp, 0, 0));
  g_assert_cmpstr (stamp, !=, pochta_pop3_server_get_timestamp (second->server));
  g_assert_cmpstr (first->greeting->str, ==, greeting);

  /* The digest of this greeting's timestamp logs in; the RFC's does not. */
  g_autofree char *digest = pochta_apop_digest (stamp, "tanstaaf");
  g_autofree char *apop = g_strdup_printf ("APOP mrose %s\r\n", digest);
  session_expect (second, RFC1939_APOP, "-ERR [AUTH] permission denied\r\n");
  session_expect (first, apop, RFC1939_LOGGED_IN);
}

static void
test_greeting_without_apop (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  config.disable_apop = TRUE;
  g_autoptr (Session) session = session_new (world, &config);

  g_assert_cmpstr (session->greeting->str, ==, "+OK POP3 server ready\r\n");
  g_assert_null (pochta_pop3_server_get_timestamp (session->server));
  session_expect (session, RFC1939_APOP, "-ERR APOP is not available here\r\n");
}

/* P12: RFC 1939 §4, RFC 2449 §8.1.2: one session per maildrop; the
 * second one stays in AUTHORIZATION and may try again. */
static void
test_in_use (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (Session) first = session_new (world, &config);
  g_autoptr (Session) second = session_new (world, &config);

  session_expect (first, RFC1939_APOP, RFC1939_LOGGED_IN);
  session_expect (second, RFC1939_APOP, "-ERR [IN-USE] unable to lock maildrop: it is in use\r\n");
  session_expect (second, "USER mrose\r\nPASS tanstaaf\r\n",
                  "+OK send PASS\r\n-ERR [IN-USE] unable to lock maildrop: it is in use\r\n");
  session_expect (second, "AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\r\n",
                  "-ERR [IN-USE] unable to lock maildrop: it is in use\r\n");
  g_assert_cmpint (pochta_pop3_server_get_state (second->server), ==, POCHTA_POP3_STATE_AUTHORIZATION);

  /* The failures were not the credentials': no close after three. */
  session_expect (first, "DELE 1\r\nQUIT\r\n",
                  "+OK message 1 deleted\r\n+OK dewey POP3 server signing off (1 message left)\r\n");
  session_expect (second, RFC1939_APOP "STAT\r\n",
                  "+OK mrose's maildrop has 1 message (200 octets)\r\n+OK 1 200\r\n");
}

/* P18: RFC 1939 §7: the same uids in every session, also after one that
 * ended without QUIT. */
static void
test_uidl_stable (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (GPtrArray) messages = pochta_mail_store_list (world->store, "mrose", NULL);
  const char *uid1 = pochta_stored_message_get_uid (g_ptr_array_index (messages, 0));
  const char *uid2 = pochta_stored_message_get_uid (g_ptr_array_index (messages, 1));
  g_autofree char *listing = g_strdup_printf ("+OK unique-id listing follows\r\n1 %s\r\n2 %s\r\n.\r\n", uid1, uid2);
  g_autofree char *second_only = g_strdup_printf ("+OK 2 %s\r\n", uid2);

  g_assert_true (g_regex_match_simple ("^[\\x21-\\x7e]{1,70}$", uid1, 0, 0));
  g_assert_cmpstr (uid1, !=, uid2);
  for (guint round = 0; round < 3; round++)
    {
      g_autoptr (Session) session = session_new (world, &config);
      session_expect (session, RFC1939_APOP, RFC1939_LOGGED_IN);
      session_expect (session, "UIDL\r\n", listing);
      session_expect (session, "UIDL 2\r\n", second_only);
      session_expect (session, "DELE 1\r\n", "+OK message 1 deleted\r\n");
      pochta_pop3_server_feed_eof (session->server);
    }
}

/* P24: RFC 2449 §4: 255 octets including CRLF fit; one more does not,
 * and the session goes on at the next line. */
static void
test_line_length (void)
{
  g_autofree char *password = g_strnfill (248, 'p');
  g_autofree char *longer = g_strnfill (249, 'p');
  g_autoptr (World) world = world_new (1);
  world_add_user (world, "longpass", password, "longpass");
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (Session) session = session_new (world, &config);
  g_autofree char *fits = g_strdup_printf ("USER longpass\r\nPASS %s\r\n", password);
  g_autofree char *too_long = g_strdup_printf ("USER longpass\r\nPASS %s\r\nNOOP\r\n", longer);

  g_assert_cmpuint (strlen (fits), ==, strlen ("USER longpass\r\n") + 255);
  session_expect (session, too_long,
                  "+OK send PASS\r\n-ERR line too long\r\n-ERR NOOP is not valid in the AUTHORIZATION state\r\n");
  session_expect (session, fits, "+OK send PASS\r\n+OK longpass's maildrop has 0 messages (0 octets)\r\n");
}

/* Smaller limits from the config are obeyed. */
static void
test_custom_limits (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Limits limits = { .command_line_max = 12, .bad_commands_max = 2 };
  PochtaPop3Config config = world_rfc1939_config (world);
  config.limits = &limits;
  g_autoptr (Session) session = session_new (world, &config);

  session_expect (session, "USER mrose\r\n", "+OK send PASS\r\n");
  session_expect (session, "USER mroses\r\n", "-ERR line too long\r\n");
  session_expect (session, "X\r\nNOOP\r\n", "-ERR too many bad commands, closing connection\r\n");
  g_assert_cmpint (pochta_pop3_server_get_state (session->server), ==, POCHTA_POP3_STATE_CLOSED);
  g_assert_cmpint (pochta_pop3_server_feed (session->server, (const guint8 *) "NOOP\r\n", 6), <, 0);
}

/* P26: RFC 1939 §4: mail arriving during the session does not change its
 * view; the next session sees it. */
static void
test_arrival_during_session (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (Session) session = session_new (world, &config);

  session_expect (session, RFC1939_APOP, RFC1939_LOGGED_IN);
  world_deliver (world, "mrose", "Subject: late\r\n\r\nlate\r\n", 23);
  session_expect (session, "STAT\r\nLIST 3\r\n", "+OK 2 320\r\n-ERR no such message\r\n");
  session_expect (session, "DELE 1\r\nDELE 2\r\nQUIT\r\n",
                  "+OK message 1 deleted\r\n+OK message 2 deleted\r\n"
                  "+OK dewey POP3 server signing off (maildrop empty)\r\n");

  g_autoptr (Session) next = session_new (world, &config);
  session_expect (next, RFC1939_APOP "LIST\r\n",
                  "+OK mrose's maildrop has 1 message (23 octets)\r\n"
                  "+OK 1 message (23 octets)\r\n1 23\r\n.\r\n");
}

/* P11: RFC 1939 §3: autologout sends nothing and removes nothing. */
static void
test_autologout (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (Session) session = session_new (world, &config);

  session_expect (session, RFC1939_APOP "DELE 1\r\n", RFC1939_LOGGED_IN "+OK message 1 deleted\r\n");
  pochta_pop3_server_autologout (session->server);
  g_assert_cmpint (pochta_pop3_server_get_state (session->server), ==, POCHTA_POP3_STATE_CLOSED);
  const guint8 *output = NULL;
  g_assert_cmpuint (pochta_pop3_server_peek_output (session->server, &output), ==, 0);
  g_assert_false (pochta_mail_store_is_locked (world->store, "mrose"));
  g_assert_cmpuint (world_count (world, "mrose"), ==, 2);

  PochtaEvent event = { 0 };
  const char *last = NULL;
  g_autofree char *last_text = NULL;
  while (pochta_pop3_server_next_event (session->server, &event))
    {
      if (event.type == POCHTA_EVENT_CLOSED)
        {
          g_free (last_text);
          last_text = g_strdup (event.text);
          last = last_text;
        }
      pochta_event_clear (&event);
    }
  g_assert_cmpstr (last, ==, "autologout");
}

/* ---- SASL with every mechanism, driven by the SASL client ---- */

/* Runs AUTH <mechanism> with a PochtaSaslClient on the other side;
 * returns the server's last status line. */
static char *
sasl_login (Session *session, PochtaSaslMechanism mechanism, const char *login, const char *password,
            gboolean cancel)
{
  g_autoptr (PochtaSaslClient) client =
    pochta_sasl_client_new (mechanism, "pop", "dewey", login, password, session->world->generator);
  g_autoptr (GBytes) initial = NULL;
  g_autofree char *command = NULL;

  if (pochta_sasl_client_initial_response (client, &initial))
    {
      g_autofree char *encoded = g_base64_encode (g_bytes_get_data (initial, NULL), g_bytes_get_size (initial));
      command = g_strdup_printf ("AUTH %s %s\r\n", pochta_sasl_mechanism_to_string (mechanism),
                                 *encoded != '\0' ? encoded : "=");
    }
  else
    command = g_strdup_printf ("AUTH %s\r\n", pochta_sasl_mechanism_to_string (mechanism));

  char *answer = session_send (session, command);
  while (g_str_has_prefix (answer, "+ "))
    {
      g_assert_true (g_str_has_suffix (answer, "\r\n"));
      g_autoptr (GBytes) challenge = pochta_base64_decode_strict (answer + 2, strlen (answer) - 4);
      g_autoptr (GBytes) response = NULL;
      g_assert_nonnull (challenge);
      g_free (answer);
      if (cancel)
        {
          answer = session_send (session, "*\r\n");
          continue;
        }
      PochtaSaslStatus status = pochta_sasl_client_step (client, g_bytes_get_data (challenge, NULL),
                                                         g_bytes_get_size (challenge), &response);
      g_assert_true (status == POCHTA_SASL_CONTINUE || status == POCHTA_SASL_SUCCESS);
      g_autofree char *encoded = g_base64_encode (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
      g_autofree char *line = g_strdup_printf ("%s\r\n", encoded);
      answer = session_send (session, line);
    }
  return answer;
}

static void
test_sasl_mechanism (gconstpointer data)
{
  PochtaSaslMechanism mechanism = GPOINTER_TO_INT (data);
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);

  {
    g_autoptr (Session) session = session_new (world, &config);
    g_autofree char *answer = sasl_login (session, mechanism, "mrose", "tanstaaf", FALSE);
    g_assert_cmpstr (answer, ==, RFC1939_LOGGED_IN);
    g_assert_cmpstr (pochta_pop3_server_get_login (session->server), ==, "mrose");
  }
  {
    g_autoptr (Session) session = session_new (world, &config);
    g_autofree char *answer = sasl_login (session, mechanism, "mrose", "wrong", FALSE);
    g_assert_cmpstr (answer, ==, "-ERR [AUTH] authentication failed\r\n");
    g_assert_cmpint (pochta_pop3_server_get_state (session->server), ==, POCHTA_POP3_STATE_AUTHORIZATION);
  }
}

/* P22 with a server-first mechanism. */
static void
test_sasl_cram_md5_cancel (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (Session) session = session_new (world, &config);
  g_autofree char *answer = sasl_login (session, POCHTA_SASL_CRAM_MD5, "mrose", "tanstaaf", TRUE);

  g_assert_cmpstr (answer, ==, "-ERR authentication cancelled\r\n");
  g_assert_cmpint (pochta_pop3_server_get_state (session->server), ==, POCHTA_POP3_STATE_AUTHORIZATION);
  session_expect (session, RFC1939_APOP, RFC1939_LOGGED_IN);
}

/* The CRAM-MD5 challenge is an RFC 822 msg-id of this server (RFC 2195 §2),
 * different in every session. */
static void
test_sasl_cram_md5_challenge (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (Session) first = session_new (world, &config);
  g_autoptr (Session) second = session_new (world, &config);
  g_autofree char *one = session_send (first, "AUTH CRAM-MD5\r\n");
  g_autofree char *two = session_send (second, "AUTH CRAM-MD5\r\n");

  g_assert_cmpstr (one, !=, two);
  g_assert_true (g_str_has_prefix (one, "+ "));
  g_autoptr (GBytes) challenge = pochta_base64_decode_strict (one + 2, strlen (one) - 4);
  g_autofree char *text = g_strndup (g_bytes_get_data (challenge, NULL), g_bytes_get_size (challenge));
  g_assert_true (g_regex_match_simple ("^<[^@<>]+@dewey>$", text, 0, 0));
  g_assert_cmpint (pochta_pop3_server_get_state (first->server), ==, POCHTA_POP3_STATE_SASL);

  /* The response of RFC 2195 §2's example does not fit this challenge. */
  session_expect (first, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n",
                  "-ERR [AUTH] authentication failed\r\n");
}

/* Which mechanisms CAPA lists and AUTH accepts follows the config. */
static void
test_sasl_configured (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  config.sasl_mechanisms = 1u << POCHTA_SASL_CRAM_MD5 | 1u << POCHTA_SASL_DIGEST_MD5;
  config.login_delay = 900;
  config.implementation = "Pochta comp3";
  g_autoptr (Session) session = session_new (world, &config);

  session_expect (session, "CAPA\r\n",
                  "+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nSASL CRAM-MD5 DIGEST-MD5\r\n"
                  "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nLOGIN-DELAY 900\r\n"
                  "IMPLEMENTATION Pochta comp3\r\n.\r\n");
  session_expect (session, "AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\r\n", "-ERR unsupported authentication mechanism\r\n");

  PochtaPop3Config without = world_rfc1939_config (world);
  without.disable_sasl = TRUE;
  g_autoptr (Session) plain = session_new (world, &without);
  session_expect (plain, "CAPA\r\n",
                  "+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
                  "PIPELINING\r\nIMPLEMENTATION Pochta\r\n.\r\n");
  session_expect (plain, "AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\r\n", "-ERR unsupported authentication mechanism\r\n");
}

/* A policy without get_secret lets nobody in (pop3-server.h), by every
 * login method.  AUTH used to hand the NULL lookup to the SASL server,
 * whose g_return_val_if_fail () failed (found by fuzz-pop3-server). */
static void
test_no_secrets (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  PochtaPop3Policy policy = world_policy (world);
  policy.get_secret = NULL;
  g_autoptr (PochtaPop3Server) server = pochta_pop3_server_new (&config, &policy);
  GString *greeting = g_string_new (NULL);

  pochta_pop3_server_start (server);
  server_drain (server, greeting);
  g_assert_cmpstr (greeting->str, ==, RFC1939_GREETING);
  g_string_free (greeting, TRUE);

  g_autofree char *plain = server_send (server, "AUTH PLAIN\r\nAG1yb3NlAHRhbnN0YWFm\r\n");
  g_assert_cmpstr (plain, ==, "+ \r\n-ERR [AUTH] authentication failed\r\n");
  g_autofree char *user = server_send (server, "USER mrose\r\nPASS tanstaaf\r\n");
  g_assert_cmpstr (user, ==, "+OK send PASS\r\n-ERR [AUTH] invalid user name or password\r\n");
  g_autofree char *apop = server_send (server, RFC1939_APOP);
  g_assert_cmpstr (apop, ==, "-ERR [AUTH] permission denied\r\n");
  g_assert_cmpint (pochta_pop3_server_get_state (server), ==, POCHTA_POP3_STATE_CLOSED);
  g_assert_false (pochta_mail_store_is_locked (world->store, "mrose"));
}

/* SASL responses may be longer than a command line (RFC 5034 §4), up to
 * limits->sasl_line_max. */
static void
test_sasl_long_response (void)
{
  g_autofree char *long_password = g_strnfill (200, 'x');
  g_autoptr (World) world = world_new (1);
  world_add_user (world, "longpw", long_password, "longpw");
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (Session) session = session_new (world, &config);
  g_autofree char *message = g_strdup_printf ("%clongpw%c%s", 0, 0, long_password);
  g_autofree char *encoded = g_base64_encode ((const guchar *) message, 1 + 6 + 1 + 200);
  g_autofree char *response = g_strdup_printf ("%s\r\n", encoded);
  g_autofree char *huge = g_strnfill (12289, 'A');
  g_autofree char *huge_line = g_strdup_printf ("%s\r\n", huge);

  g_assert_cmpuint (strlen (response), >, 255);
  session_expect (session, "AUTH PLAIN\r\n", "+ \r\n");
  session_expect (session, huge_line, "-ERR authentication response too long\r\n");
  g_assert_cmpint (pochta_pop3_server_get_state (session->server), ==, POCHTA_POP3_STATE_AUTHORIZATION);
  session_expect (session, "AUTH PLAIN\r\n", "+ \r\n");
  session_expect (session, response, "+OK longpw's maildrop has 0 messages (0 octets)\r\n");
}

/* ---- events ---- */

static void
test_events (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  config.report_data_lines = TRUE;
  g_autoptr (Session) first = session_new (world, &config);
  g_autoptr (Session) second = session_new (world, &config);
  g_autoptr (GString) log = g_string_new (NULL);
  PochtaEvent event = { 0 };

  session_expect (first, RFC1939_APOP "TOP 1 0\r\nQUIT\r\n",
                  RFC1939_LOGGED_IN "+OK top of message follows\r\n"
                  "From: Ivanov@comp1.otd1.constr.org\r\nSubject: first\r\n\r\n.\r\n"
                  "+OK dewey POP3 server signing off (2 messages left)\r\n");
  while (pochta_pop3_server_next_event (first->server, &event))
    {
      g_string_append_printf (log, "%s", pochta_event_type_to_string (event.type));
      if (event.type == POCHTA_EVENT_STATE_CHANGED)
        g_string_append_printf (log, " %s>%s", pochta_pop3_state_to_string (event.old_state),
                                pochta_pop3_state_to_string (event.new_state));
      else
        g_string_append_printf (log, " [%s]%s%s", event.text, event.in_data ? " data" : "",
                                event.detail != NULL ? event.detail : "");
      g_string_append_c (log, '\n');
      pochta_event_clear (&event);
    }
  g_assert_cmpstr (log->str, ==,
                   "line-sent [+OK POP3 server ready " RFC1939_TIMESTAMP "]\n"
                   "line-received [APOP mrose c4c9334bac560ecc979e58001b3e22fb]\n"
                   "authenticated [mrose]\n"
                   "state-changed AUTHORIZATION>TRANSACTION\n"
                   "line-sent [+OK mrose's maildrop has 2 messages (320 octets)]\n"
                   "line-received [TOP 1 0]\n"
                   "line-sent [+OK top of message follows]\n"
                   "line-sent [From: Ivanov@comp1.otd1.constr.org] data\n"
                   "line-sent [Subject: first] data\n"
                   "line-sent [] data\n"
                   "line-sent [.] data\n"
                   "line-received [QUIT]\n"
                   "state-changed TRANSACTION>UPDATE\n"
                   "line-sent [+OK dewey POP3 server signing off (2 messages left)]\n"
                   "state-changed UPDATE>CLOSED\n"
                   "closed [QUIT]\n");

  /* The response code is the event's detail, for the explanations. */
  session_expect (second, "USER mrose\r\nPASS x\r\n", "+OK send PASS\r\n-ERR [AUTH] invalid user name or password\r\n");
  g_autofree char *detail = NULL;
  while (pochta_pop3_server_next_event (second->server, &event))
    {
      if (event.type == POCHTA_EVENT_LINE_SENT && event.detail != NULL)
        detail = g_strdup (event.detail);
      pochta_event_clear (&event);
    }
  g_assert_cmpstr (detail, ==, "AUTH");
}

/* Without report_data_lines, message lines are not events; listings are. */
static void
test_events_without_data_lines (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (Session) session = session_new (world, &config);
  PochtaEvent event = { 0 };
  guint sent = 0;

  session_expect (session, RFC1939_APOP "RETR 2\r\nLIST\r\n",
                  RFC1939_LOGGED_IN "+OK 200 octets\r\n" MESSAGE_2_SENT
                  "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n");
  while (pochta_pop3_server_next_event (session->server, &event))
    {
      if (event.type == POCHTA_EVENT_LINE_SENT)
        {
          g_assert_false (event.in_data);
          sent++;
        }
      pochta_event_clear (&event);
    }
  /* greeting, login, "+OK 200 octets", the LIST reply and its 3 lines */
  g_assert_cmpuint (sent, ==, 7);
}

/* ---- output back-pressure ---- */

static void
test_back_pressure (void)
{
  g_autoptr (World) world = world_new_empty (1, NULL);
  g_autoptr (GString) big = g_string_new ("Subject: big\r\n\r\n");
  g_autoptr (GString) expected = g_string_new (NULL);
  g_autoptr (GString) input = g_string_new (RFC1939_APOP);
  g_autoptr (GByteArray) out = g_byte_array_new ();

  while (big->len < 100000)
    g_string_append (big, ".0123456789012345678901234567890123456789\r\n");
  g_string_append (big, "end\r\n");
  world_add_user (world, "mrose", "tanstaaf", "mrose");
  world_deliver (world, "mrose", big->str, big->len);
  world_deliver (world, "mrose", big->str, 120);
  /* The second message is cut mid-line; delivery ends it with CRLF. */
  g_string_append_printf (expected, "+OK mrose's maildrop has 2 messages (%" G_GSIZE_FORMAT " octets)\r\n",
                          big->len + 120 + 2);

  g_autofree char *stuffed = NULL;
  {
    g_autoptr (GRegex) dot = g_regex_new ("^\\.", G_REGEX_MULTILINE, 0, NULL);
    stuffed = g_regex_replace_literal (dot, big->str, -1, 0, "..", 0, NULL);
  }
  for (guint i = 0; i < 3; i++)
    {
      g_string_append (input, "RETR 1\r\n");
      g_string_append_printf (expected, "+OK %" G_GSIZE_FORMAT " octets\r\n%s.\r\n", big->len, stuffed);
    }

  PochtaPop3Config config = world_rfc1939_config (world);
  g_autoptr (PochtaPop3Server) server = world_server_new (world, &config);
  pochta_harness_drain (&server_ops, server, NULL);

  /* More than 64 KiB waits: the server takes no further command... */
  gssize n = pochta_pop3_server_feed (server, (const guint8 *) input->str, input->len);
  g_assert_cmpint (n, >, 0);
  g_assert_cmpint (n, <, (gssize) input->len);
  g_assert_cmpint (pochta_pop3_server_feed (server, (const guint8 *) input->str + n, input->len - (gsize) n), ==, 0);

  /* ... until the caller takes the output. */
  pochta_harness_drain (&server_ops, server, out);
  gsize rest = pochta_harness_feed (&server_ops, server, (const guint8 *) input->str + n, input->len - (gsize) n,
                                    POCHTA_FEED_WHOLE, 0, out);
  g_assert_cmpuint (rest, ==, input->len - (gsize) n);
  g_assert_cmpmem (out->data, out->len, expected->str, expected->len);
}

/* ---- over a Maildir ---- */

typedef struct
{
  char *root;
  PochtaGenerator *generator;
  PochtaMailStore *store;
  World *world;
} MaildirWorld;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static void
maildir_setup (MaildirWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fixture->root = g_dir_make_tmp ("pochta-pop3-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->generator = pochta_generator_new (3, WORLD_START_USEC);
  fixture->store = pochta_mail_store_new_maildir (fixture->root, fixture->generator, "dewey", &error);
  g_assert_no_error (error);
  fixture->world = world_new_empty (1, fixture->store);
  world_add_user (fixture->world, "mrose", "tanstaaf", "mrose");
  world_deliver (fixture->world, "mrose", MESSAGE_1, strlen (MESSAGE_1));
  world_deliver (fixture->world, "mrose", MESSAGE_2, strlen (MESSAGE_2));
}

static void
maildir_teardown (MaildirWorld *fixture, gconstpointer data)
{
  world_free (fixture->world);
  pochta_mail_store_unref (fixture->store);
  pochta_generator_free (fixture->generator);
  remove_tree (fixture->root);
  g_free (fixture->root);
}

static char *
maildir_path (MaildirWorld *fixture, const char *subdir, guint index, const char *suffix)
{
  g_autoptr (GPtrArray) messages = pochta_mail_store_list (fixture->store, "mrose", NULL);
  const char *key = pochta_stored_message_get_key (g_ptr_array_index (messages, index));
  g_autofree char *name = g_strconcat (key, suffix, NULL);

  return g_build_filename (fixture->root, "mrose", subdir, name, NULL);
}

/* RETR marks seen (cur/...:2,S); DELE + QUIT unlinks. */
static void
test_maildir_session (MaildirWorld *fixture, gconstpointer data)
{
  PochtaPop3Config config = world_rfc1939_config (fixture->world);
  g_autoptr (Session) session = session_new (fixture->world, &config);
  g_autofree char *new_1 = maildir_path (fixture, "new", 0, "");
  g_autofree char *seen_1 = maildir_path (fixture, "cur", 0, ":2,S");
  g_autofree char *new_2 = maildir_path (fixture, "new", 1, "");

  session_expect (session, RFC1939_APOP "RETR 1\r\nTOP 2 0\r\n",
                  RFC1939_LOGGED_IN "+OK 120 octets\r\n" MESSAGE_1_SENT
                  "+OK top of message follows\r\nFrom: Sidorov@comp2.otd1.constr.org\r\n"
                  "To: mrose@dbc.mtview.ca.us\r\nSubject: second\r\n\r\n.\r\n");
  g_assert_false (g_file_test (new_1, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (seen_1, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (new_2, G_FILE_TEST_EXISTS));

  session_expect (session, "DELE 1\r\nQUIT\r\n",
                  "+OK message 1 deleted\r\n+OK dewey POP3 server signing off (1 message left)\r\n");
  g_assert_false (g_file_test (seen_1, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (new_2, G_FILE_TEST_EXISTS));
}

/* RFC 3206 §4 [SYS/TEMP] and RFC 1939 §6 failures of the store. */
static void
test_maildir_failures (MaildirWorld *fixture, gconstpointer data)
{
  PochtaPop3Config config = world_rfc1939_config (fixture->world);
  g_autoptr (Session) session = session_new (fixture->world, &config);
  g_autofree char *file_1 = maildir_path (fixture, "new", 0, "");
  g_autofree char *file_2 = maildir_path (fixture, "new", 1, "");

  session_expect (session, RFC1939_APOP, RFC1939_LOGGED_IN);

  /* A message that became unreadable (here: a directory in its place),
   * and one another program removed. */
  g_assert_cmpint (g_unlink (file_1), ==, 0);
  g_assert_cmpint (g_mkdir (file_1, 0700), ==, 0);
  g_autofree char *inside = g_build_filename (file_1, "x", NULL);
  g_assert_true (g_file_set_contents (inside, "x", 1, NULL));
  g_assert_cmpint (g_unlink (file_2), ==, 0);
  session_expect (session, "RETR 1\r\nRETR 2\r\n",
                  "-ERR [SYS/TEMP] cannot read message 1\r\n-ERR no such message\r\n");

  /* Removal fails for the first, succeeds (already gone) for the second. */
  session_expect (session, "DELE 1\r\nDELE 2\r\nQUIT\r\n",
                  "+OK message 1 deleted\r\n+OK message 2 deleted\r\n"
                  "-ERR some deleted messages not removed\r\n");
  g_assert_false (pochta_mail_store_is_locked (fixture->store, "mrose"));

  /* A maildrop that cannot be read at all. */
  g_autofree char *cur = g_build_filename (fixture->root, "mrose", "cur", NULL);
  remove_tree (cur);
  g_autoptr (Session) next = session_new (fixture->world, &config);
  session_expect (next, RFC1939_APOP, "-ERR [SYS/TEMP] unable to open maildrop\r\n");
}

/* ---- golden transcripts ---- */

/* A transcript sets up its own world: "@host name", "@timestamp <...>",
 * "@userN login secret [mailbox]" and "@messageN mailbox text" with C
 * escapes (\r\n), N counting from 1. */
static gpointer
fixture_create_from_transcript (gpointer create_data)
{
  PochtaGoldenTranscript *transcript = create_data;
  Fixture *fixture = g_new0 (Fixture, 1);

  fixture->world = world_new_empty (1, NULL);
  for (guint i = 1;; i++)
    {
      g_autofree char *key = g_strdup_printf ("user%u", i);
      const char *value = pochta_golden_transcript_get_setting (transcript, key);
      if (value == NULL)
        break;
      g_auto (GStrv) user = g_strsplit (value, " ", 3);
      g_assert_cmpuint (g_strv_length (user), >=, 2);
      world_add_user (fixture->world, user[0], user[1], user[2]);
    }
  for (guint i = 1;; i++)
    {
      g_autofree char *key = g_strdup_printf ("message%u", i);
      const char *value = pochta_golden_transcript_get_setting (transcript, key);
      if (value == NULL)
        break;
      g_auto (GStrv) message = g_strsplit (value, " ", 2);
      g_assert_cmpuint (g_strv_length (message), ==, 2);
      g_autofree char *text = g_strcompress (message[1]);
      world_deliver (fixture->world, message[0], text, strlen (text));
    }

  const char *host = pochta_golden_transcript_get_setting (transcript, "host");
  PochtaPop3Config config = {
    .hostname = host != NULL ? host : "dewey",
    .generator = fixture->world->generator,
    .fixed_timestamp = pochta_golden_transcript_get_setting (transcript, "timestamp"),
  };
  fixture->server = world_server_new (fixture->world, &config);
  return fixture;
}

static const PochtaSessionOps transcript_ops = {
  .create = fixture_create_from_transcript,
  .destroy = fixture_destroy,
  .feed = fixture_feed,
  .feed_eof = fixture_feed_eof,
  .peek_output = fixture_peek_output,
  .consume_output = fixture_consume_output,
};

static void
run_transcript (gconstpointer data)
{
  const char *path = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaGoldenTranscript) transcript = pochta_golden_transcript_load (path, &error);

  g_assert_no_error (error);
  for (PochtaFeedMode mode = 0; mode < POCHTA_FEED_N_MODES; mode++)
    {
      pochta_golden_transcript_run (transcript, &transcript_ops, transcript, mode, &error);
      g_assert_no_error (error);
    }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
add_transcript_tests (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "pop3", NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (dir_path, 0, NULL);

  g_assert_nonnull (dir);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    if (g_str_has_suffix (name, ".transcript"))
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);
  g_assert_cmpuint (names->len, >, 0);
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *base = g_strndup (name, strlen (name) - strlen (".transcript"));
      g_autofree char *test_path = g_strdup_printf ("/engine/pop3-server/transcript/%s", base);
      /* The test framework keeps the data pointer for the whole run. */
      char *file = g_build_filename (dir_path, name, NULL);
      g_test_add_data_func_full (test_path, file, run_transcript, g_free);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/pop3-server/%s", rows[i].path);
      g_test_add_data_func (path, &rows[i], run_row);
    }

  g_test_add_func ("/engine/pop3-server/p05/greeting-timestamp", test_greeting_timestamp);
  g_test_add_func ("/engine/pop3-server/p05/greeting-without-apop", test_greeting_without_apop);
  g_test_add_func ("/engine/pop3-server/p11/autologout", test_autologout);
  g_test_add_func ("/engine/pop3-server/p12/in-use", test_in_use);
  g_test_add_func ("/engine/pop3-server/p18/uidl-stable", test_uidl_stable);
  g_test_add_func ("/engine/pop3-server/p24/line-length", test_line_length);
  g_test_add_func ("/engine/pop3-server/p26/arrival-during-session", test_arrival_during_session);
  g_test_add_func ("/engine/pop3-server/limits/custom", test_custom_limits);
  g_test_add_func ("/engine/pop3-server/limits/back-pressure", test_back_pressure);

  for (int mechanism = 0; mechanism < POCHTA_SASL_N_MECHANISMS; mechanism++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/pop3-server/sasl/exchange/%s",
                                               pochta_sasl_mechanism_to_string (mechanism));
      g_test_add_data_func (path, GINT_TO_POINTER (mechanism), test_sasl_mechanism);
    }
  g_test_add_func ("/engine/pop3-server/p22/cram-md5-cancelled", test_sasl_cram_md5_cancel);
  g_test_add_func ("/engine/pop3-server/sasl/cram-md5-challenge", test_sasl_cram_md5_challenge);
  g_test_add_func ("/engine/pop3-server/sasl/configured", test_sasl_configured);
  g_test_add_func ("/engine/pop3-server/sasl/long-response", test_sasl_long_response);
  g_test_add_func ("/engine/pop3-server/sasl/no-secrets", test_no_secrets);
  g_test_add_func ("/engine/pop3-server/events/session", test_events);
  g_test_add_func ("/engine/pop3-server/events/without-data-lines", test_events_without_data_lines);
  g_test_add ("/engine/pop3-server/maildir/session", MaildirWorld, NULL, maildir_setup,
              test_maildir_session, maildir_teardown);
  g_test_add ("/engine/pop3-server/maildir/failures", MaildirWorld, NULL, maildir_setup,
              test_maildir_failures, maildir_teardown);
  add_transcript_tests ();

  return g_test_run ();
}
