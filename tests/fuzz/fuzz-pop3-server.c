/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: arbitrary client bytes against a POP3 server session
 * over an in-memory maildrop, with the configuration and the chunk size
 * chosen by the input itself. */
#define G_LOG_DOMAIN "pochta-fuzz"
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "mail-store.h"
#include "pop3-server.h"

/* The greeting timestamps of the golden transcripts in tests/data/pop3
 * (run-fuzz picks one per seed through the first byte), so that their
 * APOP digests log in; index 0 lets the generator make one. */
static const char *const timestamps[] = {
  NULL,
  "<1896.697170952@dbc.mtview.ca.us>",       /* rfc1939-example */
  "<4711.1234567890@comp3.otd2.constr.org>", /* seed-apop */
  "<77.1234567890@comp4.otd2.constr.org>",   /* capa-sasl-uidl */
};

/* Users of those transcripts; nobox has no maildrop and delayed is under
 * LOGIN-DELAY, for the refusal paths. */
static const struct
{
  const char *login;
  const char *secret;
  const char *mailbox;
} users[] = {
  { "mrose", "tanstaaf", "mrose" },
  { "Petrov", "tanstaaf", "Petrov" },
  { "Smirnov", "smirnov123", "Smirnov" },
  { "nobox", "nobox1", NULL },
  { "delayed", "delayed1", "delayed" },
};

/* Messages in wire form, and some the store must normalise: no final
 * CRLF, bare LF, bare CR, no blank line, a lone dot, an empty body. */
static const struct
{
  const char *mailbox;
  const char *content;
} messages[] = {
  { "mrose", "From: Ivanov@comp1.otd1.constr.org\r\nSubject: first\r\n\r\nHello!\r\n"
             ".A line that begins with a dot\r\nTest mail from I. Ivanov\r\n" },
  { "mrose", "From: Sidorov@comp2.otd1.constr.org\r\nTo: mrose@dbc.mtview.ca.us\r\n"
             "Subject: second\r\n\r\nLine one\r\nLine two\r\n..two dots\r\n.\r\n"
             "Line after a lone dot\r\n" },
  { "mrose", "Subject: no final line end\r\n\r\nbody" },
  { "mrose", "Subject: bare LF\n\nline\n.\n..\n" },
  { "mrose", "Subject: bare CR\r\n\r\nline\rstill the line\r\n" },
  { "mrose", "Subject: all header, no blank line\r\nX-Other: yes\r\n" },
  { "mrose", "\r\n" },
  { "Petrov", "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\nSubject: Test 1\r\n\r\n"
              "Hello!\r\nTest mail.\r\nIvanov.\r\n" },
  { "Smirnov", "Subject: one\r\n\r\nfirst\r\n" },
  { "Smirnov", "Subject: two\r\n\r\n.\r\nsecond\r\n" },
};

static char *
get_secret (const char *login, gpointer user_data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    if (strcmp (users[i].login, login) == 0)
      return g_strdup (users[i].secret);
  return NULL;
}

static char *
resolve_mailbox (const char *login, gpointer user_data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    if (strcmp (users[i].login, login) == 0)
      return g_strdup (users[i].mailbox);
  return NULL;
}

static gboolean
login_delayed (const char *login, gpointer user_data)
{
  return strcmp (login, "delayed") == 0;
}

static PochtaMailStore *
store_new (PochtaGenerator *generator)
{
  PochtaMailStore *store = pochta_mail_store_new (generator, "dbc.mtview.ca.us");

  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    if (users[i].mailbox != NULL && !pochta_mail_store_create_mailbox (store, users[i].mailbox, NULL))
      fuzz_fail ("cannot create a mailbox");
  for (gsize i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autoptr (GBytes) content = g_bytes_new_static (messages[i].content,
                                                       strlen (messages[i].content));
      g_autoptr (PochtaStoredMessage) message = pochta_mail_store_deliver (store, messages[i].mailbox,
                                                                          content, NULL);
      if (message == NULL)
        fuzz_fail ("cannot deliver a message");
    }
  return store;
}

/* Takes every byte and event the session has; the output must always be
 * whole lines. */
static void
drain (PochtaPop3Server *server)
{
  const guint8 *out;
  gsize n = pochta_pop3_server_peek_output (server, &out);
  PochtaEvent event;

  if (n > 0 && (n < 2 || out[n - 2] != '\r' || out[n - 1] != '\n'))
    fuzz_fail ("output that is not whole CRLF lines");
  pochta_pop3_server_consume_output (server, n);
  while (pochta_pop3_server_next_event (server, &event))
    pochta_event_clear (&event);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;

  /* First byte: bits 0-1 the timestamp, 2 no APOP, 3 no SASL, 4 small
   * limits, 5 only PLAIN and CRAM-MD5, 6 LOGIN-DELAY advertised, 7 no
   * secrets at all (a policy without get_secret).  Second byte: the chunk
   * size. */
  guint8 flags = data[0];
  gsize chunk = 1 + data[1] % 64;
  data += 2;
  size -= 2;

  PochtaPop3Limits limits;
  pochta_pop3_limits_init_defaults (&limits);
  if (flags & 0x10)
    {
      /* Small limits reach the over-limit paths with short inputs. */
      limits.command_line_max = 16;
      limits.argument_max = 4;
      limits.sasl_line_max = 24;
      limits.bad_commands_max = 2;
      limits.auth_failures_max = 1;
    }

  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, G_GINT64_CONSTANT (1234567890000000));
  g_autoptr (PochtaMailStore) store = store_new (generator);
  PochtaPop3Policy policy = {
    .get_secret = (flags & 0x80) ? NULL : get_secret,
    .resolve_mailbox = resolve_mailbox,
    .login_delayed = login_delayed,
    .store = store,
  };
  PochtaPop3Config config = {
    .hostname = "dewey",
    .limits = &limits,
    .generator = generator,
    .fixed_timestamp = timestamps[flags & 3],
    .disable_apop = (flags & 0x04) != 0,
    .disable_sasl = (flags & 0x08) != 0,
    .sasl_mechanisms = (flags & 0x20) ? (1u << POCHTA_SASL_PLAIN) | (1u << POCHTA_SASL_CRAM_MD5) : 0,
    .login_delay = (flags & 0x40) ? 900 : 0,
    .report_data_lines = TRUE,
  };
  g_autoptr (PochtaPop3Server) server = pochta_pop3_server_new (&config, &policy);
  pochta_pop3_server_start (server);
  drain (server);

  gsize offset = 0;
  while (offset < size && pochta_pop3_server_get_state (server) != POCHTA_POP3_STATE_CLOSED)
    {
      gsize n = MIN (chunk, size - offset);
      gssize used = pochta_pop3_server_feed (server, data + offset, n);
      if (used < 0 || (gsize) used > n)
        fuzz_fail ("feed returned a count outside [0, len]");
      drain (server);
      /* All output is drained, so only the end of the session may leave
       * input unread (pop3-server.h: back-pressure needs unread output). */
      if ((gsize) used < n && pochta_pop3_server_get_state (server) != POCHTA_POP3_STATE_CLOSED)
        fuzz_fail ("input refused by an open session with no output pending");
      offset += (gsize) used;
    }
  pochta_pop3_server_feed_eof (server);
  drain (server);
  if (pochta_pop3_server_get_state (server) != POCHTA_POP3_STATE_CLOSED)
    fuzz_fail ("still open after end of input");

  /* RFC 1939 §6: the lock ends with the session, whatever happened. */
  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    if (users[i].mailbox != NULL && pochta_mail_store_is_locked (store, users[i].mailbox))
      fuzz_fail ("a maildrop is still locked after the session closed");
  return 0;
}
