/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP server session: every SMTP row of protocol-checklist §7.1-§7.4
 * fed three ways, the engine's documented policies, and a walk of every
 * command through every state of every profile against the replies the
 * RFCs allow (checklist §2.4). */
#define G_LOG_DOMAIN "pochta-test-smtp-server"
#include "config.h"

#include <string.h>

#include "smtp-server-private.h"
#include "smtp-test-fixture.h"

#define SEED_HOST "comp3.otd2.constr.org"
#define MODERN_HOST "comp4.otd2.constr.org"
#define RFC821_HOST "comp1.otd1.constr.org"

#define EHLO "EHLO comp1.otd1.constr.org\r\n"
#define HELO "HELO comp1.otd1.constr.org\r\n"
#define MAIL_IVANOV "MAIL FROM:<Ivanov@comp1.otd1.constr.org>\r\n"
#define RCPT_PETROV "RCPT TO:<Petrov@comp3.otd2.constr.org>\r\n"
#define RCPT_SMIRNOV "RCPT TO:<Smirnov@comp4.otd2.constr.org>\r\n"
#define SEED_MAIL EHLO MAIL_IVANOV
#define SEED_RCPT SEED_MAIL RCPT_PETROV
#define MODERN_MAIL EHLO MAIL_IVANOV
#define MODERN_RCPT MODERN_MAIL RCPT_SMIRNOV
/* "\0Ivanov\0ivanov123" (RFC 4616 §2). */
#define PLAIN_IVANOV "AEl2YW5vdgBpdmFub3YxMjM="

#define SEED_EHLO_REPLY \
  "250-comp3.otd2.constr.org says hello\r\n" \
  "250-HELP\r\n" \
  "250-AUTH CRAM-MD5 DIGEST-MD5\r\n" \
  "250-SIZE 10240000\r\n" \
  "250-ETRN\r\n" \
  "250-TURN\r\n" \
  "250 VRFY\r\n"
#define MODERN_EHLO_REPLY \
  "250-comp4.otd2.constr.org Hello comp1.otd1.constr.org\r\n" \
  "250-PIPELINING\r\n" \
  "250-8BITMIME\r\n" \
  "250-ENHANCEDSTATUSCODES\r\n" \
  "250-SIZE 10240000\r\n" \
  "250-AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5\r\n" \
  "250-DSN\r\n" \
  "250-ETRN\r\n" \
  "250-VRFY\r\n" \
  "250-EXPN\r\n" \
  "250 HELP\r\n"
#define DATA_354 "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
#define SEED_503(why) "503 Bad sequence of commands: " why "\r\n"
#define MODERN_503(why) "503 5.5.1 Bad sequence of commands: " why "\r\n"
#define SMUGGLED_TAIL \
  "MAIL FROM:<Kuznetsova@comp3.otd2.constr.org>\r\n" RCPT_PETROV "DATA\r\nsmuggled\r\n.\r\nNOOP\r\n"
#define BARE_ENDING_554 "554 Message refused: bare CR or LF in the data, lines must end with CRLF\r\n"

/* A string literal that may hold NUL, and its length. */
#define LITERAL(text) text, sizeof (text) - 1
/* The first queue id a generator seeded 0 gives (checked by
 * /engine/smtp-server/queue-id): the id of a session that drew nothing
 * else from its generator before its first message. */
#define FIRST_ID "S9PObXR55RPG"

#define SEED(setup_) { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = (setup_) }
#define MODERN(setup_) { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = (setup_) }
#define RFC821(setup_) { .profile = POCHTA_SMTP_PROFILE_RFC821, .hostname = RFC821_HOST, .setup = (setup_) }

typedef struct
{
  const char *path;                 /* after /engine/smtp-server/ */
  SmtpFixtureConfig config;
  const char *input;
  gsize input_len;                  /* 0: strlen (input) */
  gboolean eof;                     /* the client closes after input */
  const char *expected;             /* everything written after setup */
  const char *state;                /* the state at the end, NULL: any */
  guint delivered;                  /* messages delivered */
  const char *body;                 /* the first one, after Received: */
  void (*check) (SmtpFixture *fixture, gsize consumed);
} Row;

/* ---- checks used by rows ---- */

static const PochtaSmtpEnvelope *
envelope_of (SmtpFixture *fixture)
{
  return pochta_smtp_server_get_envelope (fixture->server);
}

static const PochtaSmtpRecipient *
recipient_of (SmtpFixture *fixture, guint i)
{
  const PochtaSmtpEnvelope *envelope = envelope_of (fixture);
  g_assert_cmpuint (envelope->recipients->len, >, i);
  return g_ptr_array_index (envelope->recipients, i);
}

static Delivered *
delivered_of (SmtpFixture *fixture, guint i)
{
  g_assert_cmpuint (fixture->delivered->len, >, i);
  return g_ptr_array_index (fixture->delivered, i);
}

/* The stored message after its first (Received:) field, which ends at the
 * first CRLF not followed by folding white space. */
static char *
body_after_received (GBytes *message)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  g_assert_true (len > 10 && memcmp (data, "Received: ", 10) == 0);
  for (gsize i = 0; i + 1 < len; i++)
    if (data[i] == '\r' && data[i + 1] == '\n' && (i + 2 == len || (data[i + 2] != ' ' && data[i + 2] != '\t')))
      return g_strndup (data + i + 2, len - i - 2);
  g_assert_not_reached ();
}

static void
check_reverse_path_ivanov (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpstr (envelope_of (fixture)->reverse_path, ==, "Ivanov@comp1.otd1.constr.org");
}

static void
check_null_sender (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpstr (envelope_of (fixture)->reverse_path, ==, "");
}

static void
check_postmasters (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpuint (envelope_of (fixture)->recipients->len, ==, 3);
  g_assert_cmpstr (recipient_of (fixture, 0)->mailbox, ==, "Postmaster");
  g_assert_cmpstr (recipient_of (fixture, 1)->mailbox, ==, "POSTMASTER@comp3.otd2.constr.org");
  g_assert_cmpstr (recipient_of (fixture, 2)->mailbox, ==, "postmaster");
}

static void
check_route_dropped (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpstr (recipient_of (fixture, 0)->mailbox, ==, "Petrov@comp3.otd2.constr.org");
}

static void
check_only_petrov (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpuint (envelope_of (fixture)->recipients->len, ==, 1);
  check_route_dropped (fixture, consumed);
}

static void
check_quit_consumed (SmtpFixture *fixture, gsize consumed)
{
  /* The bytes after QUIT are not the server's (RFC 5321 §4.1.1.10). */
  g_assert_cmpuint (consumed, ==, strlen ("QUIT\r\n"));
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_CLOSED), ==, 1);
}

static void
check_closed_once (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_CLOSED), ==, 1);
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_MESSAGE), ==, 0);
}

static void
check_8bitmime (SmtpFixture *fixture, gsize consumed)
{
  g_assert_true (envelope_of (fixture)->body_8bitmime);
}

static void
check_dsn_parameters (SmtpFixture *fixture, gsize consumed)
{
  const PochtaSmtpEnvelope *envelope = envelope_of (fixture);

  g_assert_cmpint (envelope->ret, ==, POCHTA_DSN_RET_HDRS);
  g_assert_cmpstr (envelope->envid, ==, "QQ+314 x");
  g_assert_cmpint (recipient_of (fixture, 0)->notify, ==, POCHTA_DSN_NOTIFY_SUCCESS | POCHTA_DSN_NOTIFY_FAILURE);
  g_assert_cmpstr (recipient_of (fixture, 0)->orcpt, ==, "rfc822;Smirnov@comp4.otd2.constr.org");
  g_assert_cmpint (recipient_of (fixture, 1)->notify, ==, POCHTA_DSN_NOTIFY_NEVER);
  g_assert_null (recipient_of (fixture, 1)->orcpt);
  g_assert_cmpint (recipient_of (fixture, 2)->notify, ==, POCHTA_DSN_NOTIFY_DEFAULT);
}

static void
check_auth_unknown (SmtpFixture *fixture, gsize consumed)
{
  /* RFC 4954 §5: from an unauthenticated client AUTH=<x> counts as <>. */
  g_assert_cmpstr (envelope_of (fixture)->auth, ==, "<>");
}

static void
check_auth_mailbox (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpstr (envelope_of (fixture)->auth, ==, "Ivanov@comp1.otd1.constr.org");
  g_assert_cmpstr (envelope_of (fixture)->authenticated_as, ==, "Ivanov");
}

static void
check_authenticated (SmtpFixture *fixture, gsize consumed)
{
  g_assert_true (pochta_smtp_server_is_authenticated (fixture->server));
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_AUTHENTICATED), ==, 1);
}

static void
check_not_authenticated (SmtpFixture *fixture, gsize consumed)
{
  g_assert_false (pochta_smtp_server_is_authenticated (fixture->server));
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_AUTHENTICATED), ==, 0);
}

static void
check_turn (SmtpFixture *fixture, gsize consumed)
{
  /* After TURN the line belongs to the other role (RFC 821 §3.8). */
  g_assert_cmpuint (consumed, ==, strlen ("TURN\r\n"));
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_TURN), ==, 1);
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_CLOSED), ==, 1);
  const PochtaEvent *last = g_ptr_array_index (fixture->events, fixture->events->len - 1);
  g_assert_cmpint (last->type, ==, POCHTA_EVENT_CLOSED);
}

static void
check_send_verb (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpint (delivered_of (fixture, 0)->verb, ==, POCHTA_SMTP_MAIL_VERB_SOML);
  g_assert_cmpint (delivered_of (fixture, 1)->verb, ==, POCHTA_SMTP_MAIL_VERB_SAML);
}

static void
check_message_event (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_MESSAGE), ==, 1);
  for (guint i = 0; i < fixture->events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (fixture->events, i);
      if (event->type == POCHTA_EVENT_MESSAGE)
        {
          g_assert_cmpstr (event->text, ==, "Q42");
          g_assert_true (g_bytes_equal (event->bytes, delivered_of (fixture, 0)->message));
        }
    }
}

/* ---- the rows ---- */

static const char *const ivanov_active[] = { "Ivanov@comp1.otd1.constr.org", NULL };
static const PochtaSmtpLimits limits_size_1000 = { .message_size_max = 1000 };

static const Row rows[] = {
  /* §7.1 session and ordering */
  { "S01/mail-before-ehlo", SEED (NULL), MAIL_IVANOV, 0, FALSE,
    SEED_503 ("Send HELO or EHLO first"), "GREETING" },
  { "S01/mail-before-ehlo-modern", MODERN (NULL), MAIL_IVANOV, 0, FALSE,
    MODERN_503 ("Send HELO or EHLO first"), "GREETING" },
  { "S02/rcpt-before-mail", SEED (EHLO), RCPT_PETROV, 0, FALSE,
    SEED_503 ("Need MAIL before RCPT"), "READY" },
  { "S03/data-before-mail", SEED (EHLO), "DATA\r\nNOOP\r\n", 0, FALSE,
    SEED_503 ("Need MAIL and RCPT before DATA") "250 OK\r\n", "READY" },
  { "S03/data-all-rejected", SEED (SEED_MAIL), "RCPT TO:<Sidirov@comp3.otd2.constr.org>\r\nDATA\r\nNOOP\r\n", 0, FALSE,
    "550 No such user here\r\n" SEED_503 ("No valid recipients") "250 OK\r\n", "MAIL" },
  { "S03/data-all-rejected-modern", MODERN (MODERN_MAIL), "RCPT TO:<Sidirov@comp4.otd2.constr.org>\r\nDATA\r\n", 0, FALSE,
    "550 5.1.1 No such user here\r\n" MODERN_503 ("No valid recipients"), "MAIL" },
  { "S04/nested-mail", SEED (SEED_MAIL), "MAIL FROM:<Kuznetsova@comp3.otd2.constr.org>\r\n", 0, FALSE,
    SEED_503 ("Sender already specified"), "MAIL", 0, NULL, check_reverse_path_ivanov },
  { "S05/rset-in-rcpt", SEED (SEED_RCPT), "RSET\r\n" RCPT_PETROV, 0, FALSE,
    "250 OK\r\n" SEED_503 ("Need MAIL before RCPT"), "READY" },
  { "S05/rset-in-mail", MODERN (MODERN_MAIL), "RSET\r\n" RCPT_SMIRNOV, 0, FALSE,
    "250 2.0.0 OK\r\n" MODERN_503 ("Need MAIL before RCPT"), "READY" },
  { "S06/rset-before-ehlo", SEED (NULL), "RSET\r\n", 0, FALSE, "250 OK\r\n", "GREETING" },
  { "S06/rset-after-data", SEED (SEED_RCPT), "DATA\r\nHi\r\n.\r\nRSET\r\n", 0, FALSE,
    DATA_354 "250 OK\r\n250 OK\r\n", "READY", 1, "Hi\r\n" },
  { "S07/second-ehlo-resets", SEED (SEED_RCPT), EHLO RCPT_PETROV, 0, FALSE,
    SEED_EHLO_REPLY SEED_503 ("Need MAIL before RCPT"), "READY" },
  { "S08/ehlo-without-domain", SEED (SEED_MAIL), "EHLO\r\n" RCPT_PETROV, 0, FALSE,
    "501 Syntax error, EHLO <domain>\r\n250 OK\r\n", "RCPT" },
  { "S08/ehlo-bad-domain", MODERN (MODERN_MAIL), "EHLO bad domain!\r\nEHLO -bad.example\r\n" RCPT_SMIRNOV, 0, FALSE,
    "501 5.5.4 Syntax error, EHLO <domain>\r\n501 5.5.4 Syntax error, EHLO <domain>\r\n250 2.1.5 Recipient OK\r\n", "RCPT" },
  { "S09/helo-single-line", SEED (NULL), HELO MAIL_IVANOV "RSET\r\nMAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=100\r\n", 0, FALSE,
    "250 comp3.otd2.constr.org says hello\r\n250 OK\r\n250 OK\r\n555 SIZE parameter not recognized\r\n", "READY" },
  { "S09/helo-modern", MODERN (NULL), HELO "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=100\r\n", 0, FALSE,
    "250 comp4.otd2.constr.org Hello comp1.otd1.constr.org\r\n555 5.5.4 SIZE parameter not recognized\r\n", "READY" },
  { "S10/vrfy-help-noop-before-ehlo", SEED (NULL), "VRFY Petrov\r\nHELP\r\nNOOP\r\n", 0, FALSE,
    "250 Ivan Petrov <Petrov@comp3.otd2.constr.org>\r\n"
    "214-Commands: HELO EHLO MAIL RCPT DATA RSET VRFY HELP NOOP QUIT AUTH ETRN TURN\r\n"
    "214 HELP <command> describes one command\r\n"
    "250 OK\r\n", "GREETING" },
  { "S10/expn-before-ehlo", MODERN (NULL), "EXPN otd2\r\n", 0, FALSE,
    "250-2.1.5 Ivan Petrov <Petrov@comp3.otd2.constr.org>\r\n"
    "250-2.1.5 Olga Kuznetsova <Kuznetsova@comp3.otd2.constr.org>\r\n"
    "250 2.1.5 Alexei Smirnov <Smirnov@comp4.otd2.constr.org>\r\n", "GREETING" },
  { "S11/noop-with-argument", SEED (NULL), "NOOP hello there\r\n", 0, FALSE, "250 OK\r\n", "GREETING" },
  { "S12/no-parameters-allowed", SEED (SEED_RCPT), "DATA x\r\nRSET x\r\nQUIT x\r\n", 0, FALSE,
    "501 Syntax error, no parameters allowed\r\n"
    "501 Syntax error, no parameters allowed\r\n"
    "501 Syntax error, no parameters allowed\r\n", "RCPT" },
  { "S13/unknown-verbs", SEED (NULL), "FOOB\r\nXYZZ\r\nXPRIVATE arg\r\nNOOP\r\n", 0, FALSE,
    "500 Syntax error, command unrecognized\r\n"
    "500 Syntax error, command unrecognized\r\n"
    "500 Syntax error, command unrecognized\r\n"
    "250 OK\r\n", "GREETING" },
  { "S13/unknown-verb-modern", MODERN (NULL), "FOOB\r\n", 0, FALSE,
    "500 5.5.1 Syntax error, command unrecognized\r\n", "GREETING" },
  { "S14/lower-case", SEED (NULL),
    "ehlo comp1.otd1.constr.org\r\nmail from:<Ivanov@comp1.otd1.constr.org>\r\nrcpt to:<petrov@COMP3.otd2.constr.org>\r\nNoOp\r\n", 0, FALSE,
    SEED_EHLO_REPLY "250 OK\r\n250 OK\r\n250 OK\r\n", "RCPT" },
  { "S15/space-after-colon", SEED (EHLO), "MAIL FROM: <Ivanov@comp1.otd1.constr.org>\r\nMAIL FROM:<Ivanov@comp1.otd1.constr.org>\r\nRCPT TO: <Petrov@comp3.otd2.constr.org>\r\n", 0, FALSE,
    "501 Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space\r\n250 OK\r\n"
    "501 Syntax error in the forward-path; use RCPT TO:<mailbox>, no space\r\n", "MAIL" },
  { "S15/bad-paths", MODERN (EHLO),
    "MAIL FROM:Ivanov@comp1.otd1.constr.org\r\nMAIL FROM:<Ivanov>\r\nMAIL FROM:<Iv..anov@x.y>\r\nMAIL FROM:<a@-x.y>\r\n"
    "MAIL FROM:<a@x.y\r\nMAIL FROM:<a@x.y>junk\r\nMAIL TO:<a@x.y>\r\n", 0, FALSE,
    "501 5.1.7 Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space\r\n"
    "501 5.1.7 Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space\r\n"
    "501 5.1.7 Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space\r\n"
    "501 5.1.7 Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space\r\n"
    "501 5.1.7 Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space\r\n"
    "501 5.1.7 Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space\r\n"
    "501 5.1.7 Syntax error in the reverse-path; use MAIL FROM:<mailbox>, no space\r\n", "READY" },
  { "S15/good-paths", MODERN (EHLO),
    "MAIL FROM:<\"Ivan Ivanov\"@comp1.otd1.constr.org>\r\nRSET\r\nMAIL FROM:<ivanov@[192.0.2.11]>\r\n", 0, FALSE,
    "250 2.1.0 Sender OK\r\n250 2.0.0 OK\r\n250 2.1.0 Sender OK\r\n", "MAIL" },
  { "S16/null-sender", SEED (EHLO), "MAIL FROM:<>\r\n", 0, FALSE, "250 OK\r\n", "MAIL", 0, NULL, check_null_sender },
  { "S17/postmaster", SEED (SEED_MAIL),
    "RCPT TO:<Postmaster>\r\nRCPT TO:<POSTMASTER@comp3.otd2.constr.org>\r\nRCPT TO:<postmaster>\r\n", 0, FALSE,
    "250 OK\r\n250 OK\r\n250 OK\r\n", "RCPT", 0, NULL, check_postmasters },
  { "S18/source-route", SEED (SEED_MAIL),
    "RCPT TO:<@comp1.otd1.constr.org,@mail.constr.org:Petrov@comp3.otd2.constr.org>\r\n", 0, FALSE,
    "250 OK\r\n", "RCPT", 0, NULL, check_route_dropped },
  { "S19/unknown-user", SEED (SEED_MAIL), "RCPT TO:<Sidirov@comp3.otd2.constr.org>\r\n" RCPT_PETROV, 0, FALSE,
    "550 No such user here\r\n250 OK\r\n", "RCPT", 0, NULL, check_only_petrov },
  { "S22/nul-in-command", SEED (NULL), LITERAL ("NO\0OP\r\nNOOP\r\n"), FALSE,
    "500 Syntax error - invalid character\r\n250 OK\r\n", "GREETING" },
  { "S22/nul-in-path", MODERN (EHLO), LITERAL ("MAIL FROM:<Iva\0nov@comp1.otd1.constr.org>\r\n" MAIL_IVANOV), FALSE,
    "500 5.5.2 Syntax error - invalid character\r\n250 2.1.0 Sender OK\r\n", "MAIL" },
  { "S22/control-in-command", SEED (EHLO), "MAIL FROM:<Ivanov\x01@comp1.otd1.constr.org>\r\nVRFY Pet\rrov\r\n", 0, FALSE,
    "500 Syntax error - invalid character\r\n500 Syntax error - invalid character\r\n", "READY" },
  { "S23/non-ascii", SEED (EHLO), "VRFY \xd0\x9f\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2\r\nMAIL FROM:<\xd0\x98@comp1.otd1.constr.org>\r\n", 0, FALSE,
    "500 Syntax error - invalid character\r\n500 Syntax error - invalid character\r\n", "READY" },
  { "S24/bare-lf-command", SEED (NULL), "NOOP\nQUIT\nNOOP\r\n", 0, FALSE,
    "500 Syntax error - line must end with CRLF, not a bare LF\r\n"
    "500 Syntax error - line must end with CRLF, not a bare LF\r\n"
    "250 OK\r\n", "GREETING" },
  { "S24/bare-lf-modern", MODERN (MODERN_MAIL), RCPT_SMIRNOV "DATA\n", 0, FALSE,
    "250 2.1.5 Recipient OK\r\n500 5.5.2 Syntax error - line must end with CRLF, not a bare LF\r\n", "RCPT" },
  { "S25/quit-mid-transaction", SEED (SEED_RCPT), "QUIT\r\nNOOP\r\n", 0, FALSE,
    "221 comp3.otd2.constr.org Service closing transmission channel\r\n", "CLOSED", 0, NULL, check_quit_consumed },
  { "S25/quit-mid-transaction-modern", MODERN (MODERN_RCPT), "QUIT\r\n", 0, FALSE,
    "221 2.0.0 comp4.otd2.constr.org Service closing transmission channel\r\n", "CLOSED" },
  { "S26/drop-mid-data", SEED (SEED_RCPT), "DATA\r\nSubject: x\r\n\r\nbody\r\n", 0, TRUE,
    DATA_354, "CLOSED", 0, NULL, check_closed_once },
  { "S26/drop-after-dot-without-crlf", SEED (SEED_RCPT), "DATA\r\nbody\r\n.", 0, TRUE,
    DATA_354, "CLOSED", 0, NULL, check_closed_once },
  { "S27/rejected-greeting", { .reject_connection = TRUE },
    EHLO "HELO comp1.otd1.constr.org\r\n" MAIL_IVANOV "NOOP\r\nRSET\r\nFOOB\r\nQUIT\r\n", 0, FALSE,
    "503 No SMTP service here, only QUIT is accepted\r\n"
    "503 No SMTP service here, only QUIT is accepted\r\n"
    "503 No SMTP service here, only QUIT is accepted\r\n"
    "503 No SMTP service here, only QUIT is accepted\r\n"
    "503 No SMTP service here, only QUIT is accepted\r\n"
    "503 No SMTP service here, only QUIT is accepted\r\n"
    "221 comp3.otd2.constr.org Service closing transmission channel\r\n", "CLOSED" },
  { "S30/ehlo-seed", SEED (NULL), EHLO, 0, FALSE, SEED_EHLO_REPLY, "READY" },
  { "S30/ehlo-modern", MODERN (NULL), EHLO, 0, FALSE, MODERN_EHLO_REPLY, "READY" },

  /* §7.2 DATA and content */
  { "D01/dot-stuffing", SEED (SEED_RCPT), "DATA\r\nSubject: dots\r\n\r\n..hidden\r\n.x\r\n...\r\n.\r\n", 0, FALSE,
    DATA_354 "250 OK\r\n", "READY", 1, "Subject: dots\r\n\r\n.hidden\r\nx\r\n..\r\n" },
  { "D03/end-of-data-split", SEED (SEED_RCPT), "DATA\r\nline\r\n.\r\nNOOP\r\n", 0, FALSE,
    DATA_354 "250 OK\r\n250 OK\r\n", "READY", 1, "line\r\n" },
  { "D03/empty-message", SEED (SEED_RCPT), "DATA\r\n.\r\n", 0, FALSE,
    DATA_354 "250 OK\r\n", "READY", 1, "" },
  { "D04/lf-dot-lf", SEED (SEED_RCPT), "DATA\r\nSubject: s\r\n\r\nhello\n.\n" SMUGGLED_TAIL, 0, FALSE,
    DATA_354 BARE_ENDING_554 "250 OK\r\n", "READY" },
  { "D04/lf-dot-crlf", SEED (SEED_RCPT), "DATA\r\nSubject: s\r\n\r\nhello\n.\r\n" SMUGGLED_TAIL, 0, FALSE,
    DATA_354 BARE_ENDING_554 "250 OK\r\n", "READY" },
  { "D04/crlf-dot-lf", SEED (SEED_RCPT), "DATA\r\nSubject: s\r\n\r\nhello\r\n.\n" SMUGGLED_TAIL, 0, FALSE,
    DATA_354 BARE_ENDING_554 "250 OK\r\n", "READY" },
  { "D04/cr-dot-cr", SEED (SEED_RCPT), "DATA\r\nSubject: s\r\n\r\nhello\r.\r" SMUGGLED_TAIL, 0, FALSE,
    DATA_354 BARE_ENDING_554 "250 OK\r\n", "READY" },
  { "D04/crlf-dot-cr", SEED (SEED_RCPT), "DATA\r\nSubject: s\r\n\r\nhello\r\n.\r" SMUGGLED_TAIL, 0, FALSE,
    DATA_354 BARE_ENDING_554 "250 OK\r\n", "READY" },
  { "D04/bare-lf-modern", MODERN (MODERN_RCPT), "DATA\r\nhello\nworld\r\n.\r\n", 0, FALSE,
    DATA_354 "554 5.6.0 Message refused: bare CR or LF in the data, lines must end with CRLF\r\n", "READY" },
  { "D06/size-declared", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = EHLO, .limits = &limits_size_1000 },
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=1001\r\n"
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=12x\r\n"
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=\r\n"
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE\r\n"
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=10 SIZE=10\r\n"
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=999999999999999999999\r\n"
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=1000\r\n", 0, FALSE,
    "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
    "501 5.5.4 Syntax error in the SIZE parameter\r\n"
    "501 5.5.4 Syntax error in parameters\r\n"
    "501 5.5.4 Syntax error in the SIZE parameter\r\n"
    "501 5.5.4 Duplicate SIZE parameter\r\n"
    "501 5.5.4 Syntax error in the SIZE parameter\r\n"
    "250 2.1.0 Sender OK\r\n", "MAIL" },
  { "D06/size-in-ehlo", { .profile = POCHTA_SMTP_PROFILE_SEED, .limits = &limits_size_1000 }, EHLO, 0, FALSE,
    "250-comp3.otd2.constr.org says hello\r\n250-HELP\r\n250-AUTH CRAM-MD5 DIGEST-MD5\r\n250-SIZE 1000\r\n"
    "250-ETRN\r\n250-TURN\r\n250 VRFY\r\n", "READY" },
  { "D08/unknown-parameter", MODERN (EHLO), "MAIL FROM:<Ivanov@comp1.otd1.constr.org> FOO=1\r\nMAIL FROM:<Ivanov@comp1.otd1.constr.org> =1\r\n", 0, FALSE,
    "555 5.5.4 FOO parameter not recognized\r\n501 5.5.4 Syntax error in parameters\r\n", "READY" },
  { "D09/body-8bitmime", MODERN (EHLO), "MAIL FROM:<Ivanov@comp1.otd1.constr.org> BODY=8BITMIME\r\n", 0, FALSE,
    "250 2.1.0 Sender OK\r\n", "MAIL", 0, NULL, check_8bitmime },
  { "D09/body-other", MODERN (EHLO),
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> BODY=BINARYMIME\r\nMAIL FROM:<Ivanov@comp1.otd1.constr.org> BODY=7bit\r\n", 0, FALSE,
    "501 5.5.4 Syntax error in the BODY parameter\r\n250 2.1.0 Sender OK\r\n", "MAIL" },
  { "D09/body-without-8bitmime", SEED (EHLO), "MAIL FROM:<Ivanov@comp1.otd1.constr.org> BODY=8BITMIME\r\n", 0, FALSE,
    "555 BODY parameter not recognized\r\n", "READY" },
  { "D09/8bit-content-accepted", SEED (SEED_RCPT), "DATA\r\nSubject: \xd0\x9f\r\n\r\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\r\n.\r\n", 0, FALSE,
    DATA_354 "250 OK\r\n", "READY", 1, "Subject: \xd0\x9f\r\n\r\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\r\n" },
  { "D12/no-header", SEED (SEED_RCPT), "DATA\r\njust a line\r\n.\r\n", 0, FALSE,
    DATA_354 "250 OK\r\n", "READY", 1, "just a line\r\n" },
  { "D13/nul-in-data", SEED (SEED_RCPT), LITERAL ("DATA\r\na\0b\r\n.\r\n"), FALSE,
    DATA_354 "554 Message refused: NUL octet in the data\r\n", "READY" },
  { "D13/nul-in-data-modern", MODERN (MODERN_RCPT), LITERAL ("DATA\r\n\0\r\n.\r\n"), FALSE,
    DATA_354 "554 5.6.0 Message refused: NUL octet in the data\r\n", "READY" },

  /* §7.3 AUTH */
  { "A01/auth-before-ehlo", SEED (NULL), "AUTH CRAM-MD5\r\n", 0, FALSE,
    SEED_503 ("Send HELO or EHLO first"), "GREETING", 0, NULL, check_not_authenticated },
  { "A01/auth-after-helo", MODERN (HELO), "AUTH PLAIN " PLAIN_IVANOV "\r\n", 0, FALSE,
    "503 5.5.1 Bad sequence of commands: AUTH needs EHLO\r\n", "READY", 0, NULL, check_not_authenticated },
  { "A02/auth-twice", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = EHLO, .login_mechanism = "PLAIN" },
    "AUTH PLAIN " PLAIN_IVANOV "\r\n", 0, FALSE,
    "503 5.5.1 Bad sequence of commands: already authenticated\r\n", "READY" },
  { "A03/auth-in-transaction", SEED (SEED_MAIL), "AUTH CRAM-MD5\r\n", 0, FALSE,
    SEED_503 ("Not permitted during a mail transaction"), "MAIL" },
  { "A04/unknown-mechanism", MODERN (EHLO), "AUTH FOOBAR\r\nAUTH GSSAPI\r\n", 0, FALSE,
    "504 5.5.4 Unrecognized authentication type\r\n504 5.5.4 Unrecognized authentication type\r\n", "READY" },
  { "A05/cancel", MODERN (EHLO), "AUTH LOGIN\r\n*\r\nAUTH PLAIN " PLAIN_IVANOV "\r\n", 0, FALSE,
    "334 VXNlcm5hbWU6\r\n501 5.7.0 Authentication cancelled\r\n235 2.7.0 Authentication successful\r\n",
    "READY", 0, NULL, check_authenticated },
  { "A06/bad-base64-initial", MODERN (EHLO), "AUTH PLAIN =AAA\r\nAUTH PLAIN AAA=BBB\r\nAUTH PLAIN $$$\r\nAUTH PLAIN AAA\r\n", 0, FALSE,
    "501 5.5.2 Invalid base64 in the initial response\r\n"
    "501 5.5.2 Invalid base64 in the initial response\r\n"
    "501 5.5.2 Invalid base64 in the initial response\r\n"
    "501 5.5.2 Invalid base64 in the initial response\r\n", "READY", 0, NULL, check_not_authenticated },
  { "A06/bad-base64-response", MODERN (EHLO), "AUTH PLAIN\r\n$$$\r\nAUTH LOGIN\r\nAAA=BBB\r\n", 0, FALSE,
    "334 \r\n501 5.5.2 Invalid base64 in the response\r\n334 VXNlcm5hbWU6\r\n501 5.5.2 Invalid base64 in the response\r\n",
    "READY" },
  { "A07/initial-response-server-first", MODERN (EHLO), "AUTH CRAM-MD5 AAAA\r\nAUTH DIGEST-MD5 =\r\n", 0, FALSE,
    "501 5.7.0 CRAM-MD5 does not take an initial response\r\n501 5.7.0 DIGEST-MD5 does not take an initial response\r\n",
    "READY" },
  { "A08/plain-empty-challenge", MODERN (EHLO), "AUTH PLAIN\r\n" PLAIN_IVANOV "\r\n", 0, FALSE,
    "334 \r\n235 2.7.0 Authentication successful\r\n", "READY", 0, NULL, check_authenticated },
  { "A08/login", MODERN (EHLO), "AUTH LOGIN\r\nSXZhbm92\r\naXZhbm92MTIz\r\n", 0, FALSE,
    "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n", "READY", 0, NULL, check_authenticated },
  { "A08/login-initial-response", MODERN (EHLO), "AUTH LOGIN c2lkb3Jvdg==\r\nc2lkb3JvdjEyMw==\r\n", 0, FALSE,
    "334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n", "READY" },
  { "A09/plain-empty-initial", MODERN (EHLO), "AUTH PLAIN =\r\n", 0, FALSE,
    "535 5.7.8 Authentication credentials invalid\r\n", "READY", 0, NULL, check_not_authenticated },
  { "A11/plain-wrong-password", MODERN (EHLO), "AUTH PLAIN AEl2YW5vdgB3cm9uZw==\r\n", 0, FALSE,
    "535 5.7.8 Authentication credentials invalid\r\n", "READY", 0, NULL, check_not_authenticated },
  { "A11/plain-malformed", MODERN (EHLO), "AUTH PLAIN SXZhbm92\r\n", 0, FALSE,
    "501 5.5.2 Malformed authentication response\r\n", "READY" },
  { "A16/failures", MODERN (EHLO),
    "AUTH PLAIN AEl2YW5vdgB3cm9uZw==\r\nAUTH PLAIN AEl2YW5vdgB3cm9uZw==\r\nAUTH PLAIN AEl2YW5vdgB3cm9uZw==\r\nNOOP\r\n"
    "AUTH PLAIN " PLAIN_IVANOV "\r\nNOOP\r\n", 0, FALSE,
    "535 5.7.8 Authentication credentials invalid\r\n"
    "535 5.7.8 Authentication credentials invalid\r\n"
    "535 5.7.8 Authentication credentials invalid\r\n"
    "250 2.0.0 OK\r\n"
    "421 4.7.0 comp4.otd2.constr.org Too many authentication failures, closing transmission channel\r\n", "CLOSED" },
  { "A17/relay-denied", MODERN (MODERN_MAIL), "RCPT TO:<someone@example.org>\r\n", 0, FALSE,
    "550 5.7.1 Relaying denied\r\n", "MAIL" },
  { "A17/relay-authenticated", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = EHLO, .login_mechanism = "PLAIN" },
    MAIL_IVANOV "RCPT TO:<someone@example.org>\r\n", 0, FALSE,
    "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n", "RCPT" },
  { "A18/mail-auth-empty", MODERN (EHLO), "MAIL FROM:<Ivanov@comp1.otd1.constr.org> AUTH=<>\r\n", 0, FALSE,
    "250 2.1.0 Sender OK\r\n", "MAIL", 0, NULL, check_auth_unknown },
  { "A18/mail-auth-unauthenticated", MODERN (EHLO), "MAIL FROM:<Ivanov@comp1.otd1.constr.org> AUTH=Ivanov+40comp1.otd1.constr.org\r\n", 0, FALSE,
    "250 2.1.0 Sender OK\r\n", "MAIL", 0, NULL, check_auth_unknown },
  { "A18/mail-auth-authenticated", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = EHLO, .login_mechanism = "PLAIN" },
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> AUTH=Ivanov+40comp1.otd1.constr.org\r\n", 0, FALSE,
    "250 2.1.0 Sender OK\r\n", "MAIL", 0, NULL, check_auth_mailbox },
  { "A18/mail-auth-bad-xtext", MODERN (EHLO), "MAIL FROM:<Ivanov@comp1.otd1.constr.org> AUTH=a+zz\r\nMAIL FROM:<Ivanov@comp1.otd1.constr.org> AUTH=a+0A\r\n", 0, FALSE,
    "501 5.5.4 Syntax error in the AUTH parameter\r\n501 5.5.4 Syntax error in the AUTH parameter\r\n", "READY" },
  { "A19/no-plain-on-seed", SEED (EHLO), "AUTH PLAIN " PLAIN_IVANOV "\r\nAUTH LOGIN\r\n", 0, FALSE,
    "504 Unrecognized authentication type\r\n504 Unrecognized authentication type\r\n", "READY", 0, NULL, check_not_authenticated },
  { "A19/no-auth-on-rfc821", RFC821 (HELO), "AUTH PLAIN " PLAIN_IVANOV "\r\n", 0, FALSE,
    "500 Syntax error, command unrecognized\r\n", "READY" },

  /* §7.4 legacy and optional commands */
  { "L01/send-soml-saml-seed", SEED (EHLO),
    "SEND FROM:<Ivanov@comp1.otd1.constr.org>\r\nSOML FROM:<Ivanov@comp1.otd1.constr.org>\r\nSAML FROM:<Ivanov@comp1.otd1.constr.org>\r\nEXPN otd2\r\n", 0, FALSE,
    "502 Command not implemented\r\n502 Command not implemented\r\n502 Command not implemented\r\n502 Command not implemented\r\n", "READY" },
  { "L01/send-modern", MODERN (EHLO), "SEND FROM:<Ivanov@comp1.otd1.constr.org>\r\nTURN\r\n", 0, FALSE,
    "502 5.5.1 Command not implemented\r\n502 5.5.1 Command not implemented\r\n", "READY" },
  { "L02/send-not-logged-in", RFC821 (HELO), "SEND FROM:<Petrov@comp3.otd2.constr.org>\r\nRCPT TO:<Ivanov@comp1.otd1.constr.org>\r\n", 0, FALSE,
    "250 OK\r\n450 Mailbox unavailable: user not active\r\n", "MAIL" },
  { "L02/send-logged-in", { .profile = POCHTA_SMTP_PROFILE_RFC821, .hostname = RFC821_HOST, .setup = HELO, .active_users = ivanov_active },
    "SEND FROM:<Petrov@comp3.otd2.constr.org>\r\nRCPT TO:<Ivanov@comp1.otd1.constr.org>\r\n", 0, FALSE,
    "250 OK\r\n250 OK\r\n", "RCPT" },
  { "L03/soml-saml-not-logged-in", RFC821 (HELO),
    "SOML FROM:<Petrov@comp3.otd2.constr.org>\r\nRCPT TO:<Ivanov@comp1.otd1.constr.org>\r\nDATA\r\nsoml\r\n.\r\n"
    "SAML FROM:<Petrov@comp3.otd2.constr.org>\r\nRCPT TO:<Ivanov@comp1.otd1.constr.org>\r\nDATA\r\nsaml\r\n.\r\n", 0, FALSE,
    "250 OK\r\n250 OK\r\n" DATA_354 "250 OK\r\n250 OK\r\n250 OK\r\n" DATA_354 "250 OK\r\n", "READY", 2, "soml\r\n", check_send_verb },
  { "L04/turn-without-auth", SEED (EHLO), "TURN\r\n", 0, FALSE, "502 TURN refused: authenticate first\r\n", "READY" },
  { "L04/turn-rfc821", RFC821 (HELO), "TURN\r\n", 0, FALSE, "502 TURN refused: authenticate first\r\n", "READY" },
  { "L05/turn-after-auth", { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = EHLO, .login_mechanism = "CRAM-MD5" },
    "TURN\r\nNOOP\r\n", 0, FALSE, "250 OK\r\n", "CLOSED", 0, NULL, check_turn },
  { "L05/turn-in-transaction", { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = EHLO, .login_mechanism = "CRAM-MD5" },
    MAIL_IVANOV "TURN\r\n", 0, FALSE, "250 OK\r\n" SEED_503 ("Not permitted during a mail transaction"), "MAIL" },
  { "L06/vrfy-unknown", SEED (EHLO), "VRFY Sidirov\r\nVRFY Smirnov\r\n", 0, FALSE,
    "550 No such user here\r\n550 No such user here\r\n", "READY" },
  { "L06/vrfy-ambiguous", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .vrfy = VRFY_AMBIGUOUS },
    "VRFY Ivan\r\n", 0, FALSE,
    "553-5.1.4 User ambiguous; possibilities are\r\n"
    "553-5.1.4 Ivan Petrov <Petrov@comp3.otd2.constr.org>\r\n"
    "553 5.1.4 Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\n", "GREETING" },
  { "L06/vrfy-disabled", { .profile = POCHTA_SMTP_PROFILE_SEED, .vrfy = VRFY_NO_POLICY }, "VRFY Petrov\r\n", 0, FALSE,
    "252 Cannot VRFY user, but will accept message and attempt delivery\r\n", "GREETING" },
  { "L06/vrfy-no-argument", SEED (EHLO), "VRFY\r\n", 0, FALSE, "501 Syntax error, VRFY <user or mailbox>\r\n", "READY" },
  { "L07/vrfy-known", SEED (EHLO), "VRFY Petrov\r\nVRFY kuznetsova@comp3.otd2.constr.org\r\n", 0, FALSE,
    "250 Ivan Petrov <Petrov@comp3.otd2.constr.org>\r\n250 Olga Kuznetsova <Kuznetsova@comp3.otd2.constr.org>\r\n", "READY" },
  { "L07/vrfy-known-modern", MODERN (EHLO), "VRFY Smirnov\r\n", 0, FALSE,
    "250 2.1.5 Alexei Smirnov <Smirnov@comp4.otd2.constr.org>\r\n", "READY" },
  { "L08/expn-list", MODERN (MODERN_RCPT), "EXPN otd2\r\nEXPN nolist\r\n", 0, FALSE,
    "250-2.1.5 Ivan Petrov <Petrov@comp3.otd2.constr.org>\r\n"
    "250-2.1.5 Olga Kuznetsova <Kuznetsova@comp3.otd2.constr.org>\r\n"
    "250 2.1.5 Alexei Smirnov <Smirnov@comp4.otd2.constr.org>\r\n"
    "550 5.1.1 Not a mailing list here\r\n", "RCPT" },
  { "L08/expn-rfc821", RFC821 (NULL), "EXPN otd2\r\n", 0, FALSE, "550 Not a mailing list here\r\n", "GREETING" },
  { "L09/etrn", MODERN (EHLO),
    "ETRN otd1.constr.org\r\nETRN otd2.constr.org\r\nETRN @constr.org\r\nETRN #otd1\r\nETRN example.org\r\nETRN bad!\r\nETRN\r\n", 0, FALSE,
    "253 2.0.0 OK, 2 pending messages for node otd1.constr.org started\r\n"
    "251 2.0.0 OK, no messages waiting for node otd2.constr.org\r\n"
    "250 2.0.0 OK, queuing for node @constr.org started\r\n"
    "458 4.3.0 Unable to queue messages for node #otd1\r\n"
    "459 4.7.0 Node example.org not allowed: not served here\r\n"
    "501 5.5.4 Syntax Error in Parameters\r\n"
    "501 5.5.4 Syntax error, ETRN [@|#]<node>\r\n", "READY" },
  { "L09/etrn-out-of-sequence", SEED (NULL), "ETRN otd1.constr.org\r\n" SEED_MAIL "ETRN otd1.constr.org\r\n", 0, FALSE,
    SEED_503 ("Send HELO or EHLO first") SEED_EHLO_REPLY "250 OK\r\n" SEED_503 ("Not permitted during a mail transaction"),
    "MAIL" },
  { "L09/etrn-no-policy", { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = EHLO, .no_policy = TRUE },
    "ETRN otd1.constr.org\r\nVRFY Petrov\r\nEXPN otd2\r\n", 0, FALSE,
    "458 Unable to queue messages for node otd1.constr.org\r\n"
    "252 Cannot VRFY user, but will accept message and attempt delivery\r\n"
    "502 Command not implemented\r\n", "READY" },
  { "L10/help", MODERN (NULL), "HELP\r\nHELP mail\r\nHELP FOO\r\nHELP TURN\r\n", 0, FALSE,
    "214-2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET VRFY EXPN HELP NOOP QUIT AUTH ETRN\r\n"
    "214 2.0.0 HELP <command> describes one command\r\n"
    "214-2.0.0 MAIL FROM:<reverse-path> [<parameters>]\r\n"
    "214 2.0.0 See RFC 5321 section 4.1.1.2\r\n"
    "504 5.5.4 HELP topic unknown\r\n"
    "504 5.5.4 HELP topic unknown\r\n", "GREETING" },
  { "L10/help-rfc821", RFC821 (NULL), "HELP\r\nHELP SOML\r\n", 0, FALSE,
    "214-Commands: HELO MAIL SEND SOML SAML RCPT DATA RSET VRFY EXPN HELP NOOP QUIT TURN\r\n"
    "214 HELP <command> describes one command\r\n"
    "214-SOML FROM:<reverse-path>\r\n"
    "214 See RFC 821 section 4.1.1\r\n", "GREETING" },
  { "L11/starttls", SEED (EHLO), "STARTTLS\r\n", 0, FALSE, "502 Command not implemented\r\n", "READY" },
  { "L11/starttls-modern", MODERN (EHLO), "STARTTLS\r\n", 0, FALSE, "502 5.5.1 Command not implemented\r\n", "READY" },
  { "L11/starttls-rfc821", RFC821 (HELO), "STARTTLS\r\n", 0, FALSE, "500 Syntax error, command unrecognized\r\n", "READY" },

  /* Profiles and extensions beyond the edge-case rows */
  { "rfc821/ehlo-unknown", RFC821 (NULL), EHLO HELO "ETRN otd1.constr.org\r\n", 0, FALSE,
    "500 Syntax error, command unrecognized\r\n250 comp1.otd1.constr.org\r\n500 Syntax error, command unrecognized\r\n", "READY" },
  { "rfc821/greeting-state-after-ehlo", RFC821 (NULL), EHLO MAIL_IVANOV, 0, FALSE,
    "500 Syntax error, command unrecognized\r\n503 Bad sequence of commands: Send HELO or EHLO first\r\n", "GREETING" },
  { "dsn/parameters", MODERN (EHLO),
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> RET=HDRS ENVID=QQ+2B314+20x\r\n"
    "RCPT TO:<Smirnov@comp4.otd2.constr.org> NOTIFY=SUCCESS,failure ORCPT=rfc822;Smirnov+40comp4.otd2.constr.org\r\n"
    "RCPT TO:<Postmaster> NOTIFY=NEVER\r\n"
    "RCPT TO:<postmaster@comp4.otd2.constr.org>\r\n", 0, FALSE,
    "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n",
    "RCPT", 0, NULL, check_dsn_parameters },
  { "dsn/bad-values", MODERN (MODERN_MAIL),
    "RCPT TO:<Smirnov@comp4.otd2.constr.org> NOTIFY=NEVER,SUCCESS\r\n"
    "RCPT TO:<Smirnov@comp4.otd2.constr.org> NOTIFY=SOMETIMES\r\n"
    "RCPT TO:<Smirnov@comp4.otd2.constr.org> ORCPT=Smirnov\r\n"
    "RCPT TO:<Smirnov@comp4.otd2.constr.org> ORCPT=rfc822;\r\n"
    "RCPT TO:<Smirnov@comp4.otd2.constr.org> NOTIFY=DELAY NOTIFY=DELAY\r\n"
    "RCPT TO:<Smirnov@comp4.otd2.constr.org> XYZ=1\r\n"
    "RCPT TO:<Smirnov@comp4.otd2.constr.org> SIZE=1\r\n", 0, FALSE,
    "501 5.5.4 Syntax error in the NOTIFY parameter\r\n"
    "501 5.5.4 Syntax error in the NOTIFY parameter\r\n"
    "501 5.5.4 Syntax error in the ORCPT parameter\r\n"
    "501 5.5.4 Syntax error in the ORCPT parameter\r\n"
    "501 5.5.4 Duplicate NOTIFY parameter\r\n"
    "555 5.5.4 XYZ parameter not recognized\r\n"
    "555 5.5.4 SIZE parameter not recognized\r\n", "MAIL" },
  { "dsn/bad-mail-values", MODERN (EHLO),
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> RET=ALL\r\n"
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> ENVID=a+2\r\n"
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org> RET=FULL RET=FULL\r\n", 0, FALSE,
    "501 5.5.4 Syntax error in the RET parameter\r\n"
    "501 5.5.4 Syntax error in the ENVID parameter\r\n"
    "501 5.5.4 Duplicate RET parameter\r\n", "READY" },
  { "dsn/not-on-seed", SEED (SEED_MAIL), "RCPT TO:<Petrov@comp3.otd2.constr.org> NOTIFY=NEVER\r\n", 0, FALSE,
    "555 NOTIFY parameter not recognized\r\n", "MAIL" },
  { "deliver/policy-id", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = MODERN_RCPT, .deliver_id = "Q42" },
    "DATA\r\nx\r\n.\r\n", 0, FALSE, DATA_354 "250 2.0.0 OK, queued as Q42\r\n", "READY", 1, "x\r\n", check_message_event },
  { "deliver/tempfail", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = MODERN_RCPT,
                          .deliver_verdict = POCHTA_SMTP_DELIVER_TEMPFAIL },
    "DATA\r\nx\r\n.\r\n", 0, FALSE,
    DATA_354 "451 4.3.0 Requested action aborted: local error in processing\r\n", "READY" },
  { "deliver/no-storage", { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = SEED_RCPT, .deliver_verdict = POCHTA_SMTP_DELIVER_NO_STORAGE },
    "DATA\r\nx\r\n.\r\n", 0, FALSE, DATA_354 "452 Insufficient system storage\r\n", "READY" },
  { "deliver/too-big", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = MODERN_RCPT,
                         .deliver_verdict = POCHTA_SMTP_DELIVER_TOO_BIG },
    "DATA\r\nx\r\n.\r\n", 0, FALSE, DATA_354 "552 5.2.3 Message length exceeds administrative limit\r\n", "READY" },
  { "deliver/rejected", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = MODERN_RCPT,
                          .deliver_verdict = POCHTA_SMTP_DELIVER_REJECTED },
    "DATA\r\nx\r\n.\r\n", 0, FALSE, DATA_354 "554 5.6.0 Message rejected\r\n", "READY" },
  { "policy/none", { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = EHLO, .no_policy = TRUE },
    "AUTH PLAIN " PLAIN_IVANOV "\r\n" MAIL_IVANOV "RCPT TO:<anyone@anywhere.example>\r\nDATA\r\nx\r\n.\r\n", 0, FALSE,
    "535 5.7.8 Authentication credentials invalid\r\n250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n" DATA_354
    "250 2.0.0 OK, queued as " FIRST_ID "\r\n", "READY" },
  { "pipelining/group", MODERN (EHLO),
    MAIL_IVANOV RCPT_SMIRNOV "RCPT TO:<Nobody@comp4.otd2.constr.org>\r\nDATA\r\nSubject: p\r\n\r\nbody\r\n.\r\nQUIT\r\n", 0, FALSE,
    "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n550 5.1.1 No such user here\r\n" DATA_354
    "250 2.0.0 OK, queued as " FIRST_ID "\r\n221 2.0.0 comp4.otd2.constr.org Service closing transmission channel\r\n",
    "CLOSED", 1, "Subject: p\r\n\r\nbody\r\n" },
};

static GArray *parse_replies (const char *output);

static void
check_row (gpointer session, const GByteArray *output, gsize consumed, PochtaFeedMode mode, gpointer check_data)
{
  SmtpFixture *fixture = session;
  const Row *row = check_data;
  g_autofree char *text = g_strndup ((const char *) output->data, output->len);

  /* RFC 5321 §4.2.1: every reply well formed, whatever the row expects. */
  g_array_unref (parse_replies (text));

  if (row->state != NULL)
    g_assert_cmpstr (pochta_smtp_state_to_string (pochta_smtp_server_get_state (fixture->server)), ==, row->state);
  g_assert_cmpuint (fixture->delivered->len, ==, row->delivered);
  if (row->body != NULL)
    {
      g_autofree char *body = body_after_received (delivered_of (fixture, 0)->message);
      g_assert_cmpstr (body, ==, row->body);
    }
  if (row->check != NULL)
    row->check (fixture, consumed);
}

static void
run_row (gconstpointer data)
{
  const Row *row = data;
  gsize len = row->input_len > 0 ? row->input_len : strlen (row->input);

  pochta_harness_run_three_ways (&smtp_fixture_ops, (gpointer) &row->config, (const guint8 *) row->input, len,
                                 row->eof, g_str_hash (row->path), row->expected, check_row, (gpointer) row);
}

/* ---- rows built at run time ---- */

static char *
repeat (const char *text, guint times)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (out, text);
  return g_string_free (out, FALSE);
}

static void
run_dynamic (const char *path, const Row *row_template, const char *input)
{
  Row row = *row_template;

  row.path = path;
  row.input = input;
  run_row (&row);
}

static void
check_hundred_recipients (SmtpFixture *fixture, gsize consumed)
{
  g_assert_cmpuint (delivered_of (fixture, 0)->recipients->len, ==, 100);
}

/* S20: RFC 5321 §4.5.3.1.8: 100 recipients buffered; §4.5.3.1.10: the
 * 101st gets 452 and only it is refused. */
static void
test_hundred_recipients (void)
{
  g_autofree char *rcpts = repeat (RCPT_SMIRNOV, 101);
  g_autofree char *input = g_strconcat (MAIL_IVANOV, rcpts, "DATA\r\nx\r\n.\r\n", NULL);
  g_autofree char *oks = repeat ("250 2.1.5 Recipient OK\r\n", 100);
  g_autofree char *expected = g_strconcat ("250 2.1.0 Sender OK\r\n", oks, "452 4.5.3 Too many recipients\r\n",
                                           DATA_354, "250 2.0.0 OK, queued as " FIRST_ID "\r\n", NULL);
  Row row = { .config = MODERN (EHLO), .expected = expected, .state = "READY", .delivered = 1,
              .check = check_hundred_recipients };

  run_dynamic ("S20", &row, input);
}

/* S21: RFC 5321 §4.5.3.1.4: 512 octets with CRLF fit, 513 do not; the
 * input resynchronises at the next CRLF (§4.3.2). */
static void
test_command_line_length (void)
{
  g_autofree char *x505 = repeat ("x", 505);
  g_autofree char *x506 = repeat ("x", 506);
  g_autofree char *x3000 = repeat ("x", 3000);
  g_autofree char *input = g_strdup_printf ("NOOP %s\r\nNOOP %s\r\nNOOP\r\nNOOP %s\r\nNOOP\r\n", x505, x506, x3000);
  Row greeting = { .config = SEED (NULL), .state = "GREETING",
                   .expected = "250 OK\r\n500 Line too long\r\n250 OK\r\n500 Line too long\r\n250 OK\r\n" };
  run_dynamic ("S21/greeting", &greeting, input);

  /* In an EHLO session the reader takes longer lines for MAIL, RCPT and
   * AUTH; a NOOP still stops at 512. */
  Row extended = { .config = MODERN (EHLO), .state = "READY",
                   .expected = "250 2.0.0 OK\r\n500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n"
                               "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n" };
  run_dynamic ("S21/extended", &extended, input);
}

static void
test_parameter_line_length (void)
{
  /* "MAIL FROM:<Ivanov@comp1.otd1.constr.org> ENVID=" and CRLF are 49
   * octets; the ENVID value pads the line to 2048 and 2049. */
  g_autofree char *pad_fits = repeat ("e", 2048 - 49);
  g_autofree char *pad_over = repeat ("e", 2049 - 49);
  g_autofree char *input = g_strdup_printf ("MAIL FROM:<Ivanov@comp1.otd1.constr.org> ENVID=%s\r\nRSET\r\n"
                                            "MAIL FROM:<Ivanov@comp1.otd1.constr.org> ENVID=%s\r\n",
                                            pad_over, pad_fits);
  Row row = { .config = MODERN (EHLO), .state = "MAIL",
              .expected = "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n250 2.1.0 Sender OK\r\n" };
  run_dynamic ("S21/parameter-line", &row, input);

  /* After HELO, MAIL lines keep the 512 limit (no extension was offered). */
  g_autofree char *local = repeat ("a", 64);
  g_autofree char *domain = repeat ("d", 600);
  g_autofree char *helo_input = g_strdup_printf ("MAIL FROM:<%s@%s.x>\r\n", local, domain);
  Row helo = { .config = SEED (HELO), .state = "READY", .expected = "500 Line too long\r\n" };
  run_dynamic ("S21/helo-mail-line", &helo, helo_input);
}

/* D05: RFC 5321 §4.5.3.1.6: 1000 octets with CRLF, the stuffed dot not
 * counted; longer lines are read to the end and refused. */
static void
test_text_line_length (void)
{
  g_autofree char *x998 = repeat ("x", 998);
  g_autofree char *x999 = repeat ("x", 999);
  g_autofree char *x5000 = repeat ("x", 5000);
  g_autofree char *fits = g_strdup_printf ("DATA\r\n%s\r\n.%s\r\n.\r\n", x998, x998);
  g_autofree char *body = g_strdup_printf ("%s\r\n%s\r\n", x998, x998);
  Row ok = { .config = SEED (SEED_RCPT), .state = "READY", .delivered = 1, .body = body,
             .expected = DATA_354 "250 OK\r\n" };
  run_dynamic ("D05/fits", &ok, fits);

  g_autofree char *over = g_strdup_printf ("DATA\r\n%s\r\n%s\r\n.\r\nNOOP\r\n", x999, x5000);
  Row refused = { .config = SEED (SEED_RCPT), .state = "READY",
                  .expected = DATA_354 "554 Message refused: a text line is longer than 1000 octets with CRLF\r\n250 OK\r\n" };
  run_dynamic ("D05/over", &refused, over);

  /* A line cut as too long that ended in a bare LF leaves a following
   * "." unable to end the data. */
  g_autofree char *smuggle = g_strdup_printf ("DATA\r\n%s\n.\r\n" SMUGGLED_TAIL, x5000);
  Row smuggled = { .config = SEED (SEED_RCPT), .state = "READY",
                   .expected = DATA_354 "554 Message refused: a text line is longer than 1000 octets with CRLF\r\n"
                               "250 OK\r\n" };
  run_dynamic ("D05/over-then-bare-lf-dot", &smuggled, smuggle);
}

/* D06, D07: RFC 1870 §6.3: the actual size (octets with CRLF, stuffing
 * dots not counted, §5) over the limit is read to the end and refused;
 * exactly the limit is fine. */
static void
test_actual_size (void)
{
  static const PochtaSmtpLimits limits = { .message_size_max = 1000 };
  g_autofree char *lines = repeat ("0123456789012345678901234567890123456789012345678901234567890123456789"
                                   "012345678901234567890123456789\r\n", 9);   /* 9 x 102 */
  g_autofree char *tail = repeat ("x", 79);
  /* 918 + ".x...x" unstuffed (80) + CRLF = 1000. */
  g_autofree char *exact = g_strdup_printf ("DATA\r\n%s..%s\r\n.\r\n", lines, tail);
  g_autofree char *over = g_strdup_printf ("DATA\r\n%s..%sy\r\n.\r\nNOOP\r\n", lines, tail);

  Row fits = { .config = { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = SEED_RCPT, .limits = &limits },
               .expected = DATA_354 "250 OK\r\n", .state = "READY", .delivered = 1 };
  run_dynamic ("D07/exactly-the-limit", &fits, exact);
  Row big = { .config = { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = SEED_RCPT, .limits = &limits },
              .expected = DATA_354 "552 Message size exceeds fixed maximum message size\r\n250 OK\r\n", .state = "READY" };
  run_dynamic ("D07/one-over", &big, over);
  Row big_modern = { .config = { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .setup = MODERN_RCPT,
                                 .limits = &limits },
                     .expected = DATA_354 "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
                                 "250 2.0.0 OK\r\n", .state = "READY" };
  run_dynamic ("D07/one-over-modern", &big_modern, over);
}

static void
test_queue_id (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (0, 0);
  g_autofree char *id = pochta_generator_token (generator, 12);
  g_assert_cmpstr (id, ==, FIRST_ID);
}

/* D11: RFC 5321 §6.3: 100 Received: fields mean a loop. */
static void
test_received_loop (void)
{
  g_autofree char *hops99 = repeat ("Received: from a by b; Tue, 14 May 2002 10:15:00 +0400\r\n", 99);
  g_autofree char *hops100 = repeat ("Received: from a by b; Tue, 14 May 2002 10:15:00 +0400\r\n", 100);
  g_autofree char *accepted = g_strdup_printf ("DATA\r\n%s\r\nbody\r\n.\r\n", hops99);
  g_autofree char *refused = g_strdup_printf ("DATA\r\n%s\r\nbody\r\n.\r\n", hops100);
  g_autofree char *body = g_strdup_printf ("%s\r\nbody\r\n", hops99);
  /* A Received: in the body does not count. */
  g_autofree char *in_body = g_strdup_printf ("DATA\r\nSubject: x\r\n\r\n%s.\r\n", hops100);

  Row ok = { .config = MODERN (MODERN_RCPT), .state = "READY", .delivered = 1, .body = body,
             .expected = DATA_354 "250 2.0.0 OK, queued as " FIRST_ID "\r\n" };
  run_dynamic ("D11/99", &ok, accepted);
  Row loop = { .config = MODERN (MODERN_RCPT), .state = "READY",
               .expected = DATA_354 "554 5.4.6 Message refused: 100 Received: fields, a mail loop\r\n" };
  run_dynamic ("D11/100", &loop, refused);
  Row body_ok = { .config = MODERN (MODERN_RCPT), .state = "READY", .delivered = 1,
                  .expected = DATA_354 "250 2.0.0 OK, queued as " FIRST_ID "\r\n" };
  run_dynamic ("D11/in-body", &body_ok, in_body);
}

/* A15: RFC 4954 §4: AUTH lines up to 12288 octets, longer is 500 5.5.6. */
static void
test_auth_line_length (void)
{
  /* "AUTH PLAIN " is 11 octets, CRLF 2: 12275 base64 characters fit,
   * but base64 comes in fours, so 12272 plus "===" is not valid either;
   * take a valid 12272 and show it reaches the mechanism (535). */
  g_autofree char *a12272 = repeat ("AAAA", 12272 / 4);
  g_autofree char *a13000 = repeat ("AAAA", 13000 / 4);
  g_autofree char *input = g_strdup_printf ("AUTH PLAIN %s\r\nAUTH PLAIN %s\r\nAUTH PLAIN\r\n%s\r\nNOOP\r\n",
                                            a12272, a13000, a13000);
  Row row = { .config = MODERN (EHLO), .state = "READY",
              .expected = "501 5.5.2 Malformed authentication response\r\n"
                          "500 5.5.6 Authentication Exchange line is too long\r\n"
                          "334 \r\n500 5.5.6 Authentication Exchange line is too long\r\n250 2.0.0 OK\r\n" };
  run_dynamic ("A15", &row, input);
}

/* A policy-independent way to ask: how many times does a line occur? */
static guint
count_lines (const char *output, const char *line)
{
  guint count = 0;
  g_auto (GStrv) lines = g_strsplit (output, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strcmp (lines[i], line) == 0)
      count++;
  return count;
}

/* RFC 5321 §4.2.1 allows servers to drop clients that keep erring; the
 * bad-command budget (Postfix's smtpd_hard_error_limit). */
static void
test_bad_command_budget (void)
{
  g_autofree char *input = repeat ("FOOB\r\n", 25);
  g_autofree char *errors = repeat ("500 Syntax error, command unrecognized\r\n", 20);
  g_autofree char *expected = g_strconcat (errors, "421 comp3.otd2.constr.org Too many errors, closing transmission channel\r\n", NULL);
  Row row = { .config = SEED (NULL), .state = "CLOSED", .expected = expected, .check = check_closed_once };
  run_dynamic ("bad-commands", &row, input);

  PochtaSmtpLimits small = { .bad_commands_max = 2 };
  Row modern = { .config = { .profile = POCHTA_SMTP_PROFILE_MODERN, .hostname = MODERN_HOST, .limits = &small },
                 .state = "CLOSED",
                 .expected = "500 5.5.1 Syntax error, command unrecognized\r\n"
                             "501 5.5.4 Syntax error, EHLO <domain>\r\n"
                             "421 4.7.0 comp4.otd2.constr.org Too many errors, closing transmission channel\r\n" };
  run_dynamic ("bad-commands/modern", &modern, "FOOB\r\nEHLO\r\nRCPT TO:<x@y.z>\r\nNOOP\r\n");
  g_assert_cmpuint (count_lines (expected, "500 Syntax error, command unrecognized"), ==, 20);
}

/* ---- tests that look inside one session ---- */

static SmtpFixture *
new_fixture (const SmtpFixtureConfig *config)
{
  return fixture_create ((gpointer) config);
}

static void
test_greetings (void)
{
  const struct
  {
    SmtpFixtureConfig config;
    const char *greeting;
    const char *state;
  } cases[] = {
    { SEED (NULL), "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready\r\n", "GREETING" },
    { RFC821 (NULL), "220 comp1.otd1.constr.org Simple Mail Transfer Service Ready\r\n", "GREETING" },
    /* RFC 2034 §4: no enhanced code on the greeting. */
    { MODERN (NULL), "220 comp4.otd2.constr.org ESMTP Service ready\r\n", "GREETING" },
    { { .reject_connection = TRUE }, "554 comp3.otd2.constr.org No SMTP service here\r\n", "REJECTED" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SmtpFixture *fixture = new_fixture (&cases[i].config);
      g_autofree char *output = fixture_take_output (fixture);
      g_assert_cmpstr (output, ==, cases[i].greeting);
      g_assert_cmpstr (pochta_smtp_state_to_string (pochta_smtp_server_get_state (fixture->server)), ==,
                       cases[i].state);
      fixture_destroy (fixture);
    }
}

/* D10: RFC 5321 §4.4: exactly one Received: on top, with the EHLO name,
 * the peer's name and address, ESMTPA after AUTH, our id, the one
 * recipient and the date. */
static void
test_received_field (void)
{
  const gint64 when = G_GINT64_CONSTANT (1021356900) * G_USEC_PER_SEC;   /* Tue, 14 May 2002 06:15:00 UTC */
  SmtpFixtureConfig config = { .profile = POCHTA_SMTP_PROFILE_SEED, .seed = 7, .time_usec = when, .utc_offset = 240,
                               .client_hostname = "comp1.otd1.constr.org", .client_address = "192.0.2.11" };
  SmtpFixture *fixture = new_fixture (&config);

  fixture_send (fixture, EHLO);
  fixture_login (fixture, "CRAM-MD5");
  fixture_send (fixture, MAIL_IVANOV RCPT_PETROV "DATA\r\nSubject: Test\r\n\r\nHello!\r\n.\r\n");
  g_autofree char *output = fixture_take_output (fixture);
  g_assert_cmpstr (output, ==, "250 OK\r\n250 OK\r\n" DATA_354 "250 OK\r\n");

  /* The server draws from the generator once for the CRAM-MD5 challenge
   * and once for the queue id. */
  g_autoptr (PochtaGenerator) replay = pochta_generator_new (7, when);
  (void) pochta_generator_next (replay);
  g_autofree char *id = pochta_generator_token (replay, 12);
  g_autofree char *expected = g_strdup_printf ("Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])\r\n"
                                               "\tby comp3.otd2.constr.org with ESMTPA id %s\r\n"
                                               "\tfor <Petrov@comp3.otd2.constr.org>; Tue, 14 May 2002 10:15:00 +0400\r\n"
                                               "Subject: Test\r\n\r\nHello!\r\n", id);
  gsize len;
  const char *stored = g_bytes_get_data (delivered_of (fixture, 0)->message, &len);
  g_autofree char *stored_text = g_strndup (stored, len);
  g_assert_cmpstr (stored_text, ==, expected);
  fixture_destroy (fixture);

  /* HELO, two recipients, no client name: SMTP, no "for", the name from
   * HELO. */
  SmtpFixtureConfig helo_config = { .profile = POCHTA_SMTP_PROFILE_RFC821, .hostname = RFC821_HOST, .time_usec = when };
  fixture = new_fixture (&helo_config);
  fixture_send (fixture, HELO MAIL_IVANOV "RCPT TO:<Ivanov@comp1.otd1.constr.org>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nx\r\n.\r\n");
  g_autoptr (PochtaGenerator) replay_helo = pochta_generator_new (0, when);
  g_autofree char *helo_id = pochta_generator_token (replay_helo, 12);
  g_autofree char *helo_expected = g_strdup_printf ("Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])\r\n"
                                                    "\tby comp1.otd1.constr.org with SMTP id %s;\r\n"
                                                    "\tTue, 14 May 2002 06:15:00 +0000\r\nx\r\n", helo_id);
  g_autofree char *helo_stored = NULL;
  stored = g_bytes_get_data (delivered_of (fixture, 0)->message, &len);
  helo_stored = g_strndup (stored, len);
  g_assert_cmpstr (helo_stored, ==, helo_expected);
  fixture_destroy (fixture);
}

/* A Received: field longer than the room the server keeps in front of
 * the content (a HELO name of 427 octets), and content that outgrows the
 * first buffer many times: both arrive whole and in order. */
static void
test_received_field_long (void)
{
  const gint64 when = G_GINT64_CONSTANT (1021356900) * G_USEC_PER_SEC;
  SmtpFixtureConfig config = { .profile = POCHTA_SMTP_PROFILE_RFC821, .hostname = RFC821_HOST, .time_usec = when };
  SmtpFixture *fixture = new_fixture (&config);
  g_autoptr (GString) name = g_string_new (NULL);
  g_autoptr (GString) content = g_string_new (NULL);
  g_autoptr (GString) session = g_string_new (NULL);

  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *label = g_strnfill (60, (char) ('a' + i));
      g_string_append_printf (name, "%s%s", i > 0 ? "." : "", label);
    }
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (content, "line %03u of a long message, about forty octets\r\n", i);
  g_string_append_printf (session, "HELO %s\r\n" MAIL_IVANOV "RCPT TO:<Ivanov@comp1.otd1.constr.org>\r\n"
                          "RCPT TO:<Postmaster>\r\nDATA\r\n%s.\r\n", name->str, content->str);
  fixture_send (fixture, session->str);
  g_assert_cmpuint (fixture->delivered->len, ==, 1);

  g_autoptr (PochtaGenerator) replay = pochta_generator_new (0, when);
  g_autofree char *id = pochta_generator_token (replay, 12);
  g_autofree char *expected = g_strdup_printf ("Received: from %s (%s [192.0.2.11])\r\n"
                                               "\tby comp1.otd1.constr.org with SMTP id %s;\r\n"
                                               "\tTue, 14 May 2002 06:15:00 +0000\r\n%s",
                                               name->str, name->str, id, content->str);
  gsize len;
  const char *stored = g_bytes_get_data (delivered_of (fixture, 0)->message, &len);
  g_autofree char *stored_text = g_strndup (stored, len);
  g_assert_cmpuint (strlen (expected) - strlen (content->str), >, 512);
  g_assert_cmpstr (stored_text, ==, expected);
  fixture_destroy (fixture);
}

/* D03 with the terminator cut exactly between "\r\n." and "\r\n". */
static void
test_end_of_data_split (void)
{
  SmtpFixtureConfig config = SEED (SEED_RCPT);
  SmtpFixture *fixture = new_fixture (&config);

  g_free (fixture_take_output (fixture));
  fixture_send (fixture, "DATA\r\nline\r\n.");
  g_assert_cmpint (pochta_smtp_server_get_state (fixture->server), ==, POCHTA_SMTP_STATE_DATA);
  g_assert_cmpuint (fixture->delivered->len, ==, 0);
  fixture_send (fixture, "\r\n");
  g_autofree char *output = fixture_take_output (fixture);
  g_assert_cmpstr (output, ==, DATA_354 "250 OK\r\n");
  g_assert_cmpuint (fixture->delivered->len, ==, 1);
  fixture_destroy (fixture);
}

/* RFC 2920 §3.2 / the header's promise: feed stops while more than 64 KiB
 * of replies wait, and continues once they are read. */
static void
test_back_pressure (void)
{
  SmtpFixtureConfig config = SEED (NULL);
  SmtpFixture *fixture = new_fixture (&config);
  g_autofree char *input = repeat ("NOOP\r\n", 20000);
  gsize len = strlen (input);
  const guint8 *out;

  g_free (fixture_take_output (fixture));
  gssize used = pochta_smtp_server_feed (fixture->server, (const guint8 *) input, len);
  g_assert_cmpint (used, >, 0);
  g_assert_cmpint (used, <, (gssize) len);
  gsize pending = pochta_smtp_server_peek_output (fixture->server, &out);
  g_assert_cmpuint (pending, >, 64 * 1024);
  g_assert_cmpuint (pending, <=, 64 * 1024 + strlen ("250 OK\r\n"));
  g_assert_cmpint (pochta_smtp_server_feed (fixture->server, (const guint8 *) input + used, len - (gsize) used), ==, 0);

  /* Once the replies are read it goes on. */
  gsize total = (gsize) used;
  while (total < len)
    {
      pochta_smtp_server_consume_output (fixture->server, pochta_smtp_server_peek_output (fixture->server, &out));
      used = pochta_smtp_server_feed (fixture->server, (const guint8 *) input + total, len - total);
      g_assert_cmpint (used, >, 0);
      total += (gsize) used;
    }
  pochta_smtp_server_consume_output (fixture->server, pochta_smtp_server_peek_output (fixture->server, &out));
  fixture_pull_events (fixture);
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_LINE_SENT), ==, 20000 + 1);
  fixture_destroy (fixture);
}

static void
test_feed_after_close (void)
{
  SmtpFixtureConfig config = SEED (NULL);
  SmtpFixture *fixture = new_fixture (&config);

  fixture_send (fixture, "QUIT\r\n");
  g_assert_cmpint (pochta_smtp_server_feed (fixture->server, (const guint8 *) "NOOP\r\n", 6), ==, -1);
  /* EOF and shutdown after the close change nothing. */
  pochta_smtp_server_feed_eof (fixture->server);
  pochta_smtp_server_shutdown (fixture->server, NULL);
  fixture_pull_events (fixture);
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_CLOSED), ==, 1);
  g_autofree char *output = fixture_take_output (fixture);
  g_assert_true (g_str_has_suffix (output, "221 comp3.otd2.constr.org Service closing transmission channel\r\n"));
  fixture_destroy (fixture);
}

/* S28, S29: RFC 5321 §3.8: 421 with the domain first, then close. */
static void
test_shutdown (void)
{
  const struct
  {
    SmtpFixtureConfig config;
    const char *reason;
    const char *expected;
  } cases[] = {
    { SEED (SEED_RCPT), NULL, "421 comp3.otd2.constr.org Service not available, closing transmission channel\r\n" },
    { MODERN (MODERN_RCPT), NULL, "421 4.3.2 comp4.otd2.constr.org Service not available, closing transmission channel\r\n" },
    { MODERN (EHLO), "4.4.2 Idle for too long, timeout",
      "421 4.4.2 comp4.otd2.constr.org Idle for too long, timeout\r\n" },
    { SEED (EHLO), "4.4.2 Idle for too long, timeout", "421 comp3.otd2.constr.org Idle for too long, timeout\r\n" },
    { SEED (NULL), "Shutting down", "421 comp3.otd2.constr.org Shutting down\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SmtpFixture *fixture = new_fixture (&cases[i].config);
      g_free (fixture_take_output (fixture));
      pochta_smtp_server_shutdown (fixture->server, cases[i].reason);
      fixture_pull_events (fixture);
      g_autofree char *output = fixture_take_output (fixture);
      g_assert_cmpstr (output, ==, cases[i].expected);
      g_assert_cmpint (pochta_smtp_server_get_state (fixture->server), ==, POCHTA_SMTP_STATE_CLOSED);
      g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_CLOSED), ==, 1);
      fixture_destroy (fixture);
    }

  /* Mid-DATA: nothing is delivered. */
  SmtpFixtureConfig config = SEED (SEED_RCPT "DATA\r\nhalf a letter\r\n");
  SmtpFixture *fixture = new_fixture (&config);
  pochta_smtp_server_shutdown (fixture->server, NULL);
  g_assert_cmpuint (fixture->delivered->len, ==, 0);
  fixture_destroy (fixture);
}

static const PochtaEvent *
event_at (SmtpFixture *fixture, guint i)
{
  g_assert_cmpuint (i, <, fixture->events->len);
  return g_ptr_array_index (fixture->events, i);
}

/* The GUI reads these: every received line, every state change, one
 * LINE_SENT per reply line. */
static void
test_events (void)
{
  SmtpFixtureConfig config = { .profile = POCHTA_SMTP_PROFILE_SEED, .report_data_lines = TRUE };
  SmtpFixture *fixture = new_fixture (&config);
  guint i = 0;

  const PochtaEvent *greeting = event_at (fixture, i++);
  g_assert_cmpint (greeting->type, ==, POCHTA_EVENT_LINE_SENT);
  g_assert_cmpuint (greeting->code, ==, 220);
  g_assert_cmpstr (greeting->text, ==, "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready");

  fixture_send (fixture, EHLO);
  const PochtaEvent *ehlo = event_at (fixture, i++);
  g_assert_cmpint (ehlo->type, ==, POCHTA_EVENT_LINE_RECEIVED);
  g_assert_cmpstr (ehlo->text, ==, "EHLO comp1.otd1.constr.org");
  g_assert_false (ehlo->in_data);
  const PochtaEvent *ready = event_at (fixture, i++);
  g_assert_cmpint (ready->type, ==, POCHTA_EVENT_STATE_CHANGED);
  g_assert_cmpint (ready->old_state, ==, POCHTA_SMTP_STATE_GREETING);
  g_assert_cmpint (ready->new_state, ==, POCHTA_SMTP_STATE_READY);
  for (guint line = 0; line < 7; line++)
    {
      const PochtaEvent *sent = event_at (fixture, i++);
      g_assert_cmpint (sent->type, ==, POCHTA_EVENT_LINE_SENT);
      g_assert_cmpuint (sent->code, ==, 250);
      g_assert_cmpint (sent->new_state, ==, POCHTA_SMTP_STATE_READY);
    }
  g_assert_cmpstr (event_at (fixture, i - 1)->text, ==, "250 VRFY");

  fixture_send (fixture, MAIL_IVANOV RCPT_PETROV "DATA\r\n..x\r\n\r\n.\r\nQUIT\r\n");
  const PochtaEventType expected[] = {
    POCHTA_EVENT_LINE_RECEIVED, POCHTA_EVENT_STATE_CHANGED, POCHTA_EVENT_LINE_SENT,   /* MAIL */
    POCHTA_EVENT_LINE_RECEIVED, POCHTA_EVENT_STATE_CHANGED, POCHTA_EVENT_LINE_SENT,   /* RCPT */
    POCHTA_EVENT_LINE_RECEIVED, POCHTA_EVENT_STATE_CHANGED, POCHTA_EVENT_LINE_SENT,   /* DATA */
    POCHTA_EVENT_LINE_RECEIVED, POCHTA_EVENT_LINE_RECEIVED, POCHTA_EVENT_LINE_RECEIVED, /* ..x, "", . */
    POCHTA_EVENT_MESSAGE, POCHTA_EVENT_STATE_CHANGED, POCHTA_EVENT_LINE_SENT,         /* 250 */
    POCHTA_EVENT_LINE_RECEIVED, POCHTA_EVENT_LINE_SENT, POCHTA_EVENT_STATE_CHANGED,   /* QUIT */
    POCHTA_EVENT_CLOSED,
  };
  for (guint k = 0; k < G_N_ELEMENTS (expected); k++)
    g_assert_cmpstr (pochta_event_type_to_string (event_at (fixture, i + k)->type), ==,
                     pochta_event_type_to_string (expected[k]));
  g_assert_cmpuint (fixture->events->len, ==, i + G_N_ELEMENTS (expected));

  const PochtaEvent *stuffed = event_at (fixture, i + 9);
  g_assert_cmpstr (stuffed->text, ==, "..x");
  g_assert_true (stuffed->in_data);
  const PochtaEvent *data_state = event_at (fixture, i + 7);
  g_assert_cmpint (data_state->new_state, ==, POCHTA_SMTP_STATE_DATA);
  /* The 354 opens the content but is a reply, not part of it. */
  const PochtaEvent *go_ahead = event_at (fixture, i + 8);
  g_assert_cmpuint (go_ahead->code, ==, 354);
  g_assert_false (go_ahead->in_data);
  g_assert_true (event_at (fixture, i + 11)->in_data);   /* the final dot */
  g_assert_false (event_at (fixture, i + 14)->in_data);  /* 250 after the data */
  const PochtaEvent *closed = event_at (fixture, i + 18);
  g_assert_cmpstr (closed->text, ==, "QUIT");
  fixture_destroy (fixture);

  /* Without report_data_lines only the command lines are reported. */
  SmtpFixtureConfig quiet = SEED (SEED_RCPT);
  fixture = new_fixture (&quiet);
  fixture_send (fixture, "DATA\r\na\r\nb\r\n.\r\n");
  g_assert_cmpuint (fixture_count_events (fixture, POCHTA_EVENT_LINE_RECEIVED), ==, 1);
  fixture_destroy (fixture);
}

/* A NUL in a received line reaches the event with its length. */
static void
test_event_with_nul (void)
{
  SmtpFixtureConfig config = SEED (NULL);
  SmtpFixture *fixture = new_fixture (&config);

  g_ptr_array_set_size (fixture->events, 0);
  gssize used = fixture_feed (fixture, (const guint8 *) "NO\0OP\r\n", 7);
  g_assert_cmpint (used, ==, 7);
  const PochtaEvent *received = event_at (fixture, 0);
  g_assert_cmpint (received->type, ==, POCHTA_EVENT_LINE_RECEIVED);
  g_assert_cmpuint (received->length, ==, 5);
  g_assert_cmpmem (received->text, 5, "NO\0OP", 5);
  fixture_destroy (fixture);
}

/* A10, A11, A12: CRAM-MD5 (RFC 2195 §2) with the challenge the seeded
 * generator gives, fed three ways. */
static void
test_cram_md5 (void)
{
  SmtpFixtureConfig config = { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = EHLO, .seed = 42,
                               .time_usec = G_GINT64_CONSTANT (1021356900) * G_USEC_PER_SEC };
  SmtpFixture *probe = new_fixture (&config);
  fixture_send (probe, "AUTH CRAM-MD5\r\n");
  g_autofree char *probe_output = fixture_take_output (probe);
  g_autofree char *challenge = last_challenge (probe_output);
  fixture_destroy (probe);

  /* RFC 2195 §2: <random.timestamp@host>. */
  gsize len;
  g_autofree guchar *decoded = g_base64_decode (challenge, &len);
  g_autofree char *text = g_strndup ((const char *) decoded, len);
  g_assert_true (g_regex_match_simple ("^<[0-9]+\\.1021356900@comp3\\.otd2\\.constr\\.org>$", text, 0, 0));

  g_autofree char *response = cram_md5_response (challenge, "Ivanov", "ivanov123");
  g_autofree char *good = g_strdup_printf ("AUTH CRAM-MD5\r\n%s\r\n", response);
  g_autofree char *good_expected = g_strdup_printf ("334 %s\r\n235 Authentication successful\r\n", challenge);
  Row ok = { .config = config, .expected = good_expected, .state = "READY", .check = check_authenticated };
  run_dynamic ("A10", &ok, good);

  /* Lower-case login: constr-org logins match in any case. */
  g_autofree char *lower = cram_md5_response (challenge, "ivanov", "ivanov123");
  g_autofree char *lower_input = g_strdup_printf ("AUTH CRAM-MD5\r\n%s\r\n", lower);
  run_dynamic ("A10/lower-case-login", &ok, lower_input);

  g_autofree char *wrong = cram_md5_response (challenge, "Ivanov", "petrov123");
  g_autofree char *wrong_input = g_strdup_printf ("AUTH CRAM-MD5\r\n%s\r\n", wrong);
  g_autofree char *wrong_expected = g_strdup_printf ("334 %s\r\n535 Authentication credentials invalid\r\n", challenge);
  Row bad = { .config = config, .expected = wrong_expected, .state = "READY", .check = check_not_authenticated };
  run_dynamic ("A11/wrong-digest", &bad, wrong_input);

  /* The same response against the challenge of another seed. */
  SmtpFixtureConfig other = config;
  other.seed = 43;
  SmtpFixture *replay = new_fixture (&other);
  fixture_send (replay, "AUTH CRAM-MD5\r\n");
  g_autofree char *replay_output = fixture_take_output (replay);
  g_autofree char *other_challenge = last_challenge (replay_output);
  g_assert_cmpstr (other_challenge, !=, challenge);
  g_autofree char *replayed = g_strconcat (response, "\r\n", NULL);
  fixture_send (replay, replayed);
  g_autofree char *replay_reply = fixture_take_output (replay);
  g_assert_cmpstr (replay_reply, ==, "535 Authentication credentials invalid\r\n");
  fixture_destroy (replay);
}

/* A reply's text goes out printable (anything else as '?') and cut so
 * that the line with its CRLF is 512 octets (RFC 5321 §4.5.3.1.5). */
static void
test_reply_text_printable (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (5, 0);
  PochtaSmtpConfig config = { .hostname = SEED_HOST, .profile = POCHTA_SMTP_PROFILE_SEED, .generator = generator };
  g_autoptr (PochtaSmtpServer) server = pochta_smtp_server_new (&config, NULL);
  g_autofree char *long_text = g_strnfill (600, 'x');
  const guint8 *out;

  pochta_smtp_server_start (server);
  gsize greeting = pochta_smtp_server_peek_output (server, &out);
  pochta_smtp_server_queue_reply (server, 250, NULL, "%s", "a\001b\177c\320\237 d\te ~");
  pochta_smtp_server_queue_reply (server, 251, NULL, "%s", long_text);
  gsize len = pochta_smtp_server_peek_output (server, &out);
  g_autofree char *replies = g_strndup ((const char *) out + greeting, len - greeting);
  g_auto (GStrv) lines = g_strsplit (replies, "\r\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "250 a?b?c?? d?e ~");
  g_assert_cmpuint (strlen (lines[1]) + 2, ==, 512);
  g_assert_true (g_str_has_prefix (lines[1], "251 xxx"));
  g_assert_cmpuint (strspn (lines[1] + 4, "x"), ==, 506);
  g_assert_cmpstr (lines[2], ==, "");
}

/* A12: two sessions of one host (one generator) never share a challenge. */
static void
test_challenges_differ (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (5, 0);
  PochtaSmtpConfig config = { .hostname = SEED_HOST, .profile = POCHTA_SMTP_PROFILE_SEED, .generator = generator };
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr (PochtaSmtpServer) server = pochta_smtp_server_new (&config, NULL);
      const guint8 *out;
      pochta_smtp_server_start (server);
      pochta_smtp_server_feed (server, (const guint8 *) EHLO "AUTH CRAM-MD5\r\n", strlen (EHLO "AUTH CRAM-MD5\r\n"));
      gsize len = pochta_smtp_server_peek_output (server, &out);
      g_autofree char *output = g_strndup ((const char *) out, len);
      char *challenge = last_challenge (output);
      g_assert_false (g_hash_table_contains (seen, challenge));
      g_hash_table_add (seen, challenge);
    }
}

/* Parses DIGEST-MD5's nonce out of a 334 challenge. */
static char *
digest_nonce (const char *challenge_base64)
{
  gsize len;
  g_autofree guchar *decoded = g_base64_decode (challenge_base64, &len);
  g_autofree char *text = g_strndup ((const char *) decoded, len);
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GRegex) regex = g_regex_new ("nonce=\"([^\"]+)\"", 0, 0, NULL);

  g_assert_true (g_regex_match (regex, text, 0, &match));
  g_assert_true (g_str_has_prefix (text, "realm=\"comp3.otd2.constr.org\","));
  return g_match_info_fetch (match, 1);
}

static char *
digest_response (const char *nonce, const char *realm, const char *nc, const char *uri, const char *password)
{
  g_autofree char *value = pochta_sasl_digest_md5_value ("Ivanov", realm, password, nonce, "OA6MHXh6VqTrRk", nc,
                                                         "auth", uri, NULL, FALSE);
  g_autofree char *text = g_strdup_printf ("charset=utf-8,username=\"Ivanov\",realm=\"%s\",nonce=\"%s\",nc=%s,"
                                           "cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"%s\",response=%s,qop=auth",
                                           realm, nonce, nc, uri, value);
  return g_base64_encode ((const guchar *) text, strlen (text));
}

/* A13, A14: DIGEST-MD5 (RFC 2831 §2.1.2, §2.1.3) over SMTP. */
static void
test_digest_md5 (void)
{
  SmtpFixtureConfig config = { .profile = POCHTA_SMTP_PROFILE_SEED, .setup = EHLO, .seed = 9 };
  SmtpFixture *probe = new_fixture (&config);
  fixture_send (probe, "AUTH DIGEST-MD5\r\n");
  g_autofree char *probe_output = fixture_take_output (probe);
  g_autofree char *challenge = last_challenge (probe_output);
  g_autofree char *nonce = digest_nonce (challenge);
  fixture_destroy (probe);

  const char *uri = "smtp/comp3.otd2.constr.org";
  g_autofree char *good = digest_response (nonce, SEED_HOST, "00000001", uri, "ivanov123");
  g_autofree char *rspauth = pochta_sasl_digest_md5_value ("Ivanov", SEED_HOST, "ivanov123", nonce, "OA6MHXh6VqTrRk",
                                                           "00000001", "auth", uri, NULL, TRUE);
  g_autofree char *rspauth_text = g_strconcat ("rspauth=", rspauth, NULL);
  g_autofree char *rspauth_base64 = g_base64_encode ((const guchar *) rspauth_text, strlen (rspauth_text));
  g_autofree char *input = g_strdup_printf ("AUTH DIGEST-MD5\r\n%s\r\n\r\n", good);
  g_autofree char *expected = g_strdup_printf ("334 %s\r\n334 %s\r\n235 Authentication successful\r\n",
                                               challenge, rspauth_base64);
  Row ok = { .config = config, .expected = expected, .state = "READY", .check = check_authenticated };
  run_dynamic ("A14", &ok, input);

  const struct
  {
    const char *path;
    const char *realm;
    const char *nc;
    const char *uri;
    const char *password;
  } failures[] = {
    { "A13/nc", SEED_HOST, "00000002", "smtp/comp3.otd2.constr.org", "ivanov123" },
    { "A13/realm", "comp1.otd1.constr.org", "00000001", "smtp/comp3.otd2.constr.org", "ivanov123" },
    { "A13/digest-uri", SEED_HOST, "00000001", "imap/comp3.otd2.constr.org", "ivanov123" },
    { "A13/password", SEED_HOST, "00000001", "smtp/comp3.otd2.constr.org", "petrov123" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (failures); i++)
    {
      g_autofree char *response = digest_response (nonce, failures[i].realm, failures[i].nc, failures[i].uri,
                                                   failures[i].password);
      g_autofree char *bad_input = g_strdup_printf ("AUTH DIGEST-MD5\r\n%s\r\nNOOP\r\n", response);
      g_autofree char *bad_expected = g_strdup_printf ("334 %s\r\n535 Authentication credentials invalid\r\n250 OK\r\n",
                                                       challenge);
      Row bad = { .config = config, .expected = bad_expected, .state = "READY", .check = check_not_authenticated };
      run_dynamic (failures[i].path, &bad, bad_input);
    }
}

static void
test_extensions (void)
{
  const struct
  {
    PochtaSmtpProfile profile;
    const char *extensions;
  } cases[] = {
    { POCHTA_SMTP_PROFILE_SEED, "HELP|AUTH CRAM-MD5 DIGEST-MD5|SIZE 10240000|ETRN|TURN|VRFY" },
    { POCHTA_SMTP_PROFILE_RFC821, "" },
    { POCHTA_SMTP_PROFILE_MODERN,
      "PIPELINING|8BITMIME|ENHANCEDSTATUSCODES|SIZE 10240000|AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5|DSN|ETRN|VRFY|EXPN|HELP" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SmtpFixtureConfig config = { .profile = cases[i].profile };
      SmtpFixture *fixture = new_fixture (&config);
      g_auto (GStrv) extensions = pochta_smtp_server_dup_extensions (fixture->server);
      g_autofree char *joined = g_strjoinv ("|", extensions);
      g_assert_cmpstr (joined, ==, cases[i].extensions);
      fixture_destroy (fixture);
    }
}

static void
test_names (void)
{
  PochtaSmtpProfile profile;
  PochtaSmtpLimits limits;

  g_assert_cmpstr (pochta_smtp_profile_to_string (POCHTA_SMTP_PROFILE_SEED), ==, "seed");
  g_assert_cmpstr (pochta_smtp_profile_to_string (POCHTA_SMTP_PROFILE_RFC821), ==, "rfc821");
  g_assert_cmpstr (pochta_smtp_profile_to_string (POCHTA_SMTP_PROFILE_MODERN), ==, "modern");
  g_assert_true (pochta_smtp_profile_from_string ("Modern", &profile));
  g_assert_cmpint (profile, ==, POCHTA_SMTP_PROFILE_MODERN);
  g_assert_false (pochta_smtp_profile_from_string ("esmtp", &profile));
  g_assert_cmpstr (pochta_smtp_state_to_string (POCHTA_SMTP_STATE_REJECTED), ==, "REJECTED");

  pochta_smtp_limits_init_defaults (&limits);
  g_assert_cmpuint (limits.command_line_max, ==, 512);
  g_assert_cmpuint (limits.parameter_line_max, ==, 2048);
  g_assert_cmpuint (limits.text_line_max, ==, 1000);
  g_assert_cmpuint (limits.recipients_max, ==, 100);
  g_assert_cmpuint (limits.message_size_max, ==, 10240000);
  g_assert_cmpuint (limits.bad_commands_max, ==, 20);
  g_assert_cmpuint (limits.auth_failures_max, ==, 3);
  g_assert_cmpuint (limits.auth_line_max, ==, 12288);
  g_assert_cmpuint (limits.received_max, ==, 100);
}

/* ---- the walk: every command in every state of every profile ---- */

typedef struct
{
  const char *verb;                 /* for the oracle */
  const char *line;                 /* {user}: a local user, {host}: the server */
} WalkCommand;

static const WalkCommand walk_commands[] = {
  { "HELO", "HELO comp1.otd1.constr.org" },
  { "EHLO", "EHLO comp1.otd1.constr.org" },
  { "MAIL", "MAIL FROM:<Ivanov@comp1.otd1.constr.org>" },
  { "SEND", "SEND FROM:<Ivanov@comp1.otd1.constr.org>" },
  { "SOML", "SOML FROM:<Ivanov@comp1.otd1.constr.org>" },
  { "SAML", "SAML FROM:<Ivanov@comp1.otd1.constr.org>" },
  { "RCPT", "RCPT TO:<{user}@{host}>" },
  { "DATA", "DATA" },
  { "RSET", "RSET" },
  { "VRFY", "VRFY {user}" },
  { "EXPN", "EXPN otd2" },
  { "HELP", "HELP" },
  { "HELP", "HELP MAIL" },
  { "NOOP", "NOOP" },
  { "QUIT", "QUIT" },
  { "AUTH", "AUTH CRAM-MD5" },
  { "AUTH", "AUTH PLAIN " PLAIN_IVANOV },
  { "ETRN", "ETRN otd1.constr.org" },
  { "TURN", "TURN" },
  { "STARTTLS", "STARTTLS" },
  { "unknown", "XYZZ" },
};

/* RFC 5321 §4.3.2, RFC 821 §4.3 (SEND, SOML, SAML, TURN), RFC 4954 §6
 * (AUTH), RFC 1985 (ETRN), RFC 3207 (STARTTLS), with the 503s the
 * checklist's §2.3 makes policy and 502 for what a profile lacks. */
static const char *
allowed_codes (const char *verb)
{
  static const struct
  {
    const char *verb;
    const char *codes;
  } oracle[] = {
    { "HELO", "250 504 550 502" },
    { "EHLO", "250 504 550 502" },
    { "MAIL", "250 552 451 452 550 553 503 455 555" },
    { "SEND", "250 552 451 452 550 553 503 455 555 502" },
    { "SOML", "250 552 451 452 550 553 503 455 555 502" },
    { "SAML", "250 552 451 452 550 553 503 455 555 502" },
    { "RCPT", "250 251 550 551 552 553 450 451 452 503 455 555" },
    { "DATA", "354 503 554" },
    { "RSET", "250" },
    { "VRFY", "250 251 252 550 551 553 502 504" },
    { "EXPN", "250 252 550 502 504" },
    { "HELP", "211 214 502 504" },
    { "NOOP", "250" },
    { "QUIT", "221" },
    { "AUTH", "235 334 432 454 503 504 530 534 535 538 502" },
    { "ETRN", "250 251 252 253 458 459 502 503" },
    { "TURN", "250 502 503" },
    { "STARTTLS", "220 454 501 502 503" },
    { "unknown", "" },
    { "end-of-data", "250 552 554 451 452 450 550" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (oracle); i++)
    if (strcmp (oracle[i].verb, verb) == 0)
      return oracle[i].codes;
  g_assert_not_reached ();
}

static gboolean
code_allowed (const char *verb, guint code, gboolean rejected)
{
  g_autofree char *text = g_strdup_printf ("%u", code);
  g_auto (GStrv) codes = g_strsplit (allowed_codes (verb), " ", -1);

  /* Any command may get 500, 501 or 421 (§4.3.2); after a 554 greeting,
   * 503 (§3.1). */
  if (code == 500 || code == 501 || code == 421 || (rejected && code == 503))
    return TRUE;
  return g_strv_contains ((const char *const *) codes, text);
}

/* Splits output into replies; asserts the multi-line form (§4.2.1: same
 * code on every line, "-" on all but the last) and returns the codes. */
static GArray *
parse_replies (const char *output)
{
  GArray *codes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto (GStrv) lines = g_strsplit (output, "\r\n", -1);
  guint open_code = 0;

  g_assert_true (output[0] == '\0' || g_str_has_suffix (output, "\r\n"));
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      const char *line = lines[i];
      g_assert_true (strlen (line) >= 4 && g_ascii_isdigit (line[0]) && g_ascii_isdigit (line[1])
                     && g_ascii_isdigit (line[2]) && (line[3] == ' ' || line[3] == '-'));
      guint code = (guint) g_ascii_strtoull (line, NULL, 10);
      g_assert_cmpuint (code, >=, 200);
      g_assert_cmpuint (code, <, 600);
      if (open_code != 0)
        g_assert_cmpuint (code, ==, open_code);
      open_code = line[3] == '-' ? code : 0;
      if (line[3] == ' ')
        g_array_append_val (codes, code);
    }
  g_assert_cmpuint (open_code, ==, 0);
  return codes;
}

typedef struct
{
  const char *name;
  const char *setup;          /* like the commands, and {hello}: EHLO or HELO */
  const char *login;          /* authenticate after setup */
  gboolean reject;
} WalkState;

static const WalkState walk_states[] = {
  { "greeting", NULL, NULL, FALSE },
  { "ready-ehlo", "EHLO comp1.otd1.constr.org\r\n", NULL, FALSE },
  { "ready-helo", "HELO comp1.otd1.constr.org\r\n", NULL, FALSE },
  { "authenticated", "EHLO comp1.otd1.constr.org\r\n", "CRAM-MD5", FALSE },
  { "mail", "{hello} comp1.otd1.constr.org\r\nMAIL FROM:<Ivanov@comp1.otd1.constr.org>\r\n", NULL, FALSE },
  { "rcpt", "{hello} comp1.otd1.constr.org\r\nMAIL FROM:<Ivanov@comp1.otd1.constr.org>\r\nRCPT TO:<{user}@{host}>\r\n", NULL, FALSE },
  { "rejected", NULL, NULL, TRUE },
};

typedef struct
{
  PochtaSmtpProfile profile;
  const char *host;
  const char *user;
} WalkProfile;

static const WalkProfile walk_profiles[] = {
  { POCHTA_SMTP_PROFILE_SEED, SEED_HOST, "Petrov" },
  { POCHTA_SMTP_PROFILE_RFC821, RFC821_HOST, "Ivanov" },
  { POCHTA_SMTP_PROFILE_MODERN, MODERN_HOST, "Smirnov" },
};

static char *
expand (const char *template, const WalkProfile *profile)
{
  const char *hello = profile->profile == POCHTA_SMTP_PROFILE_RFC821 ? "HELO" : "EHLO";
  g_autoptr (GString) text = g_string_new (template);

  g_string_replace (text, "{user}", profile->user, 0);
  g_string_replace (text, "{host}", profile->host, 0);
  g_string_replace (text, "{hello}", hello, 0);
  return g_strdup (text->str);
}

static guint
single_reply (const char *what, const char *output, const char *verb, gboolean rejected)
{
  g_autoptr (GArray) codes = parse_replies (output);

  if (codes->len != 1)
    g_error ("%s: %u replies, want exactly one: %s", what, codes->len, output);
  guint code = g_array_index (codes, guint, 0);
  if (!code_allowed (verb, code, rejected))
    g_error ("%s: reply %u is not one the RFCs allow for %s: %s", what, code, verb, output);
  return code;
}

static void
walk_one (const WalkProfile *profile, const WalkState *state, const WalkCommand *command)
{
  /* rfc821 knows no EHLO: its transactions open with HELO. */
  g_autofree char *setup = state->setup != NULL ? expand (state->setup, profile) : NULL;
  SmtpFixtureConfig config = { .profile = profile->profile, .hostname = profile->host, .setup = setup,
                               .login_mechanism = state->login, .reject_connection = state->reject };
  SmtpFixture *fixture = new_fixture (&config);
  g_autofree char *line = expand (command->line, profile);
  g_autofree char *what = g_strdup_printf ("%s, %s: %s", pochta_smtp_profile_to_string (profile->profile),
                                           state->name, line);
  g_autofree char *with_crlf = g_strconcat (line, "\r\n", NULL);

  g_free (fixture_take_output (fixture));
  fixture_feed (fixture, (const guint8 *) with_crlf, strlen (with_crlf));
  g_autofree char *output = fixture_take_output (fixture);
  guint code = single_reply (what, output, command->verb, state->reject);

  /* DATA's second reply comes after the data; a 334 is answered by "*". */
  if (code == 354)
    {
      fixture_send (fixture, "Subject: walk\r\n\r\nbody\r\n.\r\n");
      g_autofree char *final = fixture_take_output (fixture);
      single_reply (what, final, "end-of-data", FALSE);
    }
  else if (code == 334)
    {
      fixture_send (fixture, "*\r\n");
      g_autofree char *final = fixture_take_output (fixture);
      g_assert_cmpuint (single_reply (what, final, command->verb, FALSE), ==, 501);
    }
  fixture_destroy (fixture);
}

static void
test_walk (gconstpointer data)
{
  const WalkProfile *profile = data;

  for (guint s = 0; s < G_N_ELEMENTS (walk_states); s++)
    {
      /* rfc821 cannot authenticate. */
      if (walk_states[s].login != NULL && profile->profile == POCHTA_SMTP_PROFILE_RFC821)
        continue;
      for (guint c = 0; c < G_N_ELEMENTS (walk_commands); c++)
        walk_one (profile, &walk_states[s], &walk_commands[c]);
    }
}

/* Never advertise a command and then answer it 502 (RFC 5321 §4.2.4). */
static void
test_advertised_commands_work (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (walk_profiles); p++)
    {
      SmtpFixtureConfig config = { .profile = walk_profiles[p].profile, .hostname = walk_profiles[p].host };
      SmtpFixture *fixture = new_fixture (&config);
      g_auto (GStrv) extensions = pochta_smtp_server_dup_extensions (fixture->server);
      fixture_destroy (fixture);

      for (guint i = 0; extensions[i] != NULL; i++)
        {
          const char *probes[][2] = {
            { "HELP", "HELP" }, { "ETRN", "ETRN otd1.constr.org" }, { "TURN", "TURN" },
            { "VRFY", "VRFY Petrov" }, { "EXPN", "EXPN otd2" }, { "AUTH", "AUTH CRAM-MD5" },
          };
          for (guint k = 0; k < G_N_ELEMENTS (probes); k++)
            {
              if (!g_str_has_prefix (extensions[i], probes[k][0]))
                continue;
              SmtpFixtureConfig ready = { .profile = walk_profiles[p].profile, .hostname = walk_profiles[p].host,
                                          .setup = EHLO };
              fixture = new_fixture (&ready);
              g_autofree char *line = g_strconcat (probes[k][1], "\r\n", NULL);
              g_free (fixture_take_output (fixture));
              fixture_send (fixture, line);
              g_autofree char *output = fixture_take_output (fixture);
              g_assert_false (g_str_has_prefix (output, "502 Command not implemented"));
              g_assert_false (g_str_has_prefix (output, "502 5.5.1 Command not implemented"));
              g_assert_false (g_str_has_prefix (output, "500"));
              fixture_destroy (fixture);
            }
        }
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strconcat ("/engine/smtp-server/", rows[i].path, NULL);
      g_test_add_data_func (path, &rows[i], run_row);
    }
  g_test_add_func ("/engine/smtp-server/S20/hundred-recipients", test_hundred_recipients);
  g_test_add_func ("/engine/smtp-server/S21/command-line-length", test_command_line_length);
  g_test_add_func ("/engine/smtp-server/S21/parameter-line-length", test_parameter_line_length);
  g_test_add_func ("/engine/smtp-server/D05/text-line-length", test_text_line_length);
  g_test_add_func ("/engine/smtp-server/D11/received-loop", test_received_loop);
  g_test_add_func ("/engine/smtp-server/D07/actual-size", test_actual_size);
  g_test_add_func ("/engine/smtp-server/queue-id", test_queue_id);
  g_test_add_func ("/engine/smtp-server/A15/auth-line-length", test_auth_line_length);
  g_test_add_func ("/engine/smtp-server/bad-command-budget", test_bad_command_budget);
  g_test_add_func ("/engine/smtp-server/greetings", test_greetings);
  g_test_add_func ("/engine/smtp-server/D10/received-field", test_received_field);
  g_test_add_func ("/engine/smtp-server/D10/received-field-long", test_received_field_long);
  g_test_add_func ("/engine/smtp-server/D03/terminator-cut-after-dot", test_end_of_data_split);
  g_test_add_func ("/engine/smtp-server/pipelining/back-pressure", test_back_pressure);
  g_test_add_func ("/engine/smtp-server/feed-after-close", test_feed_after_close);
  g_test_add_func ("/engine/smtp-server/S28-S29/shutdown", test_shutdown);
  g_test_add_func ("/engine/smtp-server/events", test_events);
  g_test_add_func ("/engine/smtp-server/events/nul", test_event_with_nul);
  g_test_add_func ("/engine/smtp-server/A10-A11/cram-md5", test_cram_md5);
  g_test_add_func ("/engine/smtp-server/reply-text-printable", test_reply_text_printable);
  g_test_add_func ("/engine/smtp-server/A12/challenges-differ", test_challenges_differ);
  g_test_add_func ("/engine/smtp-server/A13-A14/digest-md5", test_digest_md5);
  g_test_add_func ("/engine/smtp-server/extensions", test_extensions);
  g_test_add_func ("/engine/smtp-server/names-and-limits", test_names);
  g_test_add_func ("/engine/smtp-server/advertised-commands-work", test_advertised_commands_work);
  for (guint p = 0; p < G_N_ELEMENTS (walk_profiles); p++)
    {
      g_autofree char *path = g_strconcat ("/engine/smtp-server/S31/walk/",
                                           pochta_smtp_profile_to_string (walk_profiles[p].profile), NULL);
      g_test_add_data_func (path, &walk_profiles[p], test_walk);
    }

  return g_test_run ();
}
