/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A transcript built by hand for the exporter tests: the thesis' SMTP
 * session from comp1 to comp3 with a 550 and message content (a stuffed
 * dot line, a NUL and a byte that is not UTF-8), MTA events and a note,
 * then a POP3 session with a -ERR [AUTH], a multi-line LIST and RETR. */
#pragma once

#include <string.h>

#include "transcript.h"

/* 2002-05-14 10:15:00 UTC, in virtual microseconds. */
#define FIXTURE_T0 G_GINT64_CONSTANT (1021371300000000)
/* One LAN hop (constr-org.md: 1 ms). */
#define FIXTURE_HOP G_GINT64_CONSTANT (1000)

typedef struct
{
  PochtaTranscript *transcript;
  guint connection;
  gint64 now;
  const char *state; /* the server session's state */
} FixtureWriter;

/* Lines from one side at one instant, one write.  A line may start with
 * "=STATE " to move the server session to STATE. */
static void
fixture_put (FixtureWriter *w, PochtaDirection direction, gboolean in_data,
             const char *const *lines, gsize n_lines, const gsize *lengths)
{
  for (gsize i = 0; i < n_lines; i++)
    {
      const char *line = lines[i];
      const char *before = w->state;
      if (line[0] == '=')
        {
          const char *space = strchr (line, ' ');
          g_assert_nonnull (space);
          g_autofree char *state = g_strndup (line + 1, (gsize) (space - line - 1));
          /* Interned, so the writer can keep pointing at it. */
          w->state = g_intern_string (state);
          line = space + 1;
        }
      gsize length = lengths != NULL && lengths[i] != 0 ? lengths[i] : strlen (line);
      pochta_transcript_add_line (w->transcript, w->connection, w->now, direction, line, length,
                                  in_data, before, w->state);
    }
}

/* One write, then the next comes a hop later. */
static void
fixture_write (FixtureWriter *w, PochtaDirection direction, gboolean in_data,
               const char *const *lines, gsize n_lines, const gsize *lengths)
{
  fixture_put (w, direction, in_data, lines, n_lines, lengths);
  w->now += FIXTURE_HOP;
}

/* A POP3 multi-line response: the status line, then its content in the
 * same write (RFC 1939 §3). */
static void
fixture_multi_line (FixtureWriter *w, const char *status, const char *const *lines,
                    gsize n_lines)
{
  fixture_put (w, POCHTA_DIRECTION_SERVER, FALSE, &status, 1, NULL);
  fixture_write (w, POCHTA_DIRECTION_SERVER, TRUE, lines, n_lines, NULL);
}

#define FIXTURE_C(w, ...)                                                                    \
  do {                                                                                       \
    static const char *const lines_[] = { __VA_ARGS__ };                                      \
    fixture_write (w, POCHTA_DIRECTION_CLIENT, FALSE, lines_, G_N_ELEMENTS (lines_), NULL);   \
  } while (0)
#define FIXTURE_S(w, ...)                                                                    \
  do {                                                                                       \
    static const char *const lines_[] = { __VA_ARGS__ };                                      \
    fixture_write (w, POCHTA_DIRECTION_SERVER, FALSE, lines_, G_N_ELEMENTS (lines_), NULL);   \
  } while (0)

static void
fixture_smtp_session (PochtaTranscript *transcript, gint64 *now)
{
  FixtureWriter w = { transcript, 0, *now, NULL };

  w.connection = pochta_transcript_open_connection (transcript, POCHTA_PROTOCOL_SMTP,
                                                    "comp1.otd1.constr.org", "192.0.2.11",
                                                    40001, "comp3.otd2.constr.org",
                                                    "198.51.100.13", 25, w.now);
  w.now += FIXTURE_HOP;
  FIXTURE_S (&w, "=GREETING 220 comp3.otd2.constr.org Simple Mail Transfer Service Ready");
  FIXTURE_C (&w, "=READY EHLO comp1.otd1.constr.org");
  FIXTURE_S (&w, "250-comp3.otd2.constr.org says hello", "250-HELP",
             "250-AUTH CRAM-MD5 DIGEST-MD5", "250-SIZE 10240000", "250-ETRN", "250-TURN",
             "250 VRFY");
  FIXTURE_C (&w, "=AUTH_EXCHANGE AUTH CRAM-MD5");
  FIXTURE_S (&w, "334 PDQ3MTEuMTAyMTM3MTMwMEBjb21wMy5vdGQyLmNvbnN0ci5vcmc+");
  FIXTURE_C (&w, "=READY SXZhbm92IDNhNjYzOWI3NGQ2YWM5NmY2NzcyNDJhNjBlMWQzMzRh");
  FIXTURE_S (&w, "235 Authentication successful");
  FIXTURE_C (&w, "=MAIL MAIL FROM:<Ivanov@comp1.otd1.constr.org>");
  FIXTURE_S (&w, "250 OK");
  FIXTURE_C (&w, "VRFY Petrov");
  FIXTURE_S (&w, "250 Ivan Petrov <Petrov@comp3.otd2.constr.org>");
  FIXTURE_C (&w, "=RCPT RCPT TO:<Petrov@comp3.otd2.constr.org>");
  FIXTURE_S (&w, "250 OK");
  FIXTURE_C (&w, "RCPT TO:<Kuznetsova@comp3.otd2.constr.org>");
  FIXTURE_S (&w, "250 OK");
  FIXTURE_C (&w, "RCPT TO:<Sidirov@comp3.otd2.constr.org>");
  FIXTURE_S (&w, "550 No such user here");
  FIXTURE_C (&w, "=DATA_BODY DATA");
  FIXTURE_S (&w, "354 Start mail input; end with <CRLF>.<CRLF>");

  /* RFC 5321 §4.5.2: the content's own ".signature" line goes out as
   * "..signature"; the NUL and the 0xFF byte are what a careless client
   * might send and the exports must show, not drop. */
  static const char *const content[] = {
    "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>",
    "To: Petrov@comp3.otd2.constr.org, Kuznetsova@comp3.otd2.constr.org",
    "Subject: Test",
    "Date: Tue, 14 May 2002 10:15:00 +0000",
    "",
    "Hello!",
    "Test mail. A NUL \0 and a byte \xff here.",
    "..signature",
    "Ivanov",
    "=READY .",
  };
  gsize lengths[G_N_ELEMENTS (content)] = { 0 };
  lengths[6] = sizeof "Test mail. A NUL \0 and a byte \xff here." - 1;
  fixture_write (&w, POCHTA_DIRECTION_CLIENT, TRUE, content, G_N_ELEMENTS (content), lengths);
  FIXTURE_S (&w, "250 OK");
  pochta_transcript_add_mta_event (transcript, w.now, "comp3.otd2.constr.org", "delivered",
                                   "Petrov@comp3.otd2.constr.org, "
                                   "Kuznetsova@comp3.otd2.constr.org");
  FIXTURE_C (&w, "=CLOSED QUIT");
  FIXTURE_S (&w, "221 comp3.otd2.constr.org Service closing transmission channel");
  pochta_transcript_close_connection (transcript, w.connection, w.now);
  *now = w.now + FIXTURE_HOP;
}

static void
fixture_pop3_session (PochtaTranscript *transcript, gint64 *now)
{
  FixtureWriter w = { transcript, 0, *now, NULL };

  w.connection = pochta_transcript_open_connection (transcript, POCHTA_PROTOCOL_POP3,
                                                    "comp4.otd2.constr.org", "198.51.100.14",
                                                    40002, "comp3.otd2.constr.org",
                                                    "198.51.100.13", 110, w.now);
  w.now += FIXTURE_HOP;
  FIXTURE_S (&w, "=AUTHORIZATION +OK POP3 server ready "
             "<4711.1021371300@comp3.otd2.constr.org>");
  FIXTURE_C (&w, "USER Petrov");
  FIXTURE_S (&w, "+OK Petrov is a valid mailbox");
  FIXTURE_C (&w, "PASS ivanov123");
  FIXTURE_S (&w, "-ERR [AUTH] invalid password");
  FIXTURE_C (&w, "USER Petrov");
  FIXTURE_S (&w, "+OK Petrov is a valid mailbox");
  FIXTURE_C (&w, "=TRANSACTION PASS petrov123");
  FIXTURE_S (&w, "+OK maildrop locked and ready");
  FIXTURE_C (&w, "STAT");
  FIXTURE_S (&w, "+OK 1 203");
  FIXTURE_C (&w, "LIST");
  static const char *const list[] = { "1 203", "." };
  fixture_multi_line (&w, "+OK 1 message", list, G_N_ELEMENTS (list));
  FIXTURE_C (&w, "RETR 1");
  static const char *const message[] = {
    "Return-Path: <Ivanov@comp1.otd1.constr.org>",
    "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>",
    "Subject: Test",
    "",
    "Hello!",
    "..signature",
    ".",
  };
  fixture_multi_line (&w, "+OK 203 octets", message, G_N_ELEMENTS (message));
  FIXTURE_C (&w, "DELE 1");
  FIXTURE_S (&w, "+OK message 1 deleted");
  FIXTURE_C (&w, "RETR 1");
  FIXTURE_S (&w, "-ERR message 1 already deleted");
  FIXTURE_C (&w, "=UPDATE QUIT");
  FIXTURE_S (&w, "+OK comp3 POP3 server signing off (maildrop empty)");
  pochta_transcript_close_connection (transcript, w.connection, w.now);
  *now = w.now + FIXTURE_HOP;
}

/* The whole fixture: queued, the SMTP session, a bounce for Sidirov, a
 * note, the POP3 session. */
static G_GNUC_UNUSED PochtaTranscript *
fixture_transcript_new (void)
{
  PochtaTranscript *transcript = pochta_transcript_new ();
  gint64 now = FIXTURE_T0;

  pochta_transcript_add_mta_event (transcript, now, "comp1.otd1.constr.org", "queued",
                                   "<Ivanov@comp1.otd1.constr.org> to 3 recipients");
  now += 100 * FIXTURE_HOP;
  fixture_smtp_session (transcript, &now);
  pochta_transcript_add_mta_event (transcript, now, "comp1.otd1.constr.org", "bounced",
                                   "Sidirov@comp3.otd2.constr.org: 550 No such user here");
  pochta_transcript_add_note (transcript, now, "Petrov fetches his mail from comp4 with POP3.");
  now += 60 * G_USEC_PER_SEC;
  fixture_pop3_session (transcript, &now);
  return transcript;
}
