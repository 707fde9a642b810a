/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whole scenarios on the constr-org network (constr-org.md) and on small
 * networks of their own: relay between departments and through the hub,
 * bounces, no bounce to <>, loop detection, backup MX and ETRN,
 * fetching. */
#include "config.h"

#include <string.h>

#include "sim-helpers.h"

#define IVANOV "Ivanov@comp1.otd1.constr.org"
#define PETROV "Petrov@comp3.otd2.constr.org"
#define KUZNETSOVA "Kuznetsova@comp3.otd2.constr.org"
#define SIDOROV "Sidorov@comp2.otd1.constr.org"
#define SMIRNOV "Smirnov@comp4.otd2.constr.org"

static void
submit (PochtaSimulation *simulation, const char *from, const char *const *to, const char *subject)
{
  g_autoptr (GError) error = NULL;
  pochta_simulation_submit (simulation, from, to, subject, "Hello!\nTest mail.\nIvanov\n", &error);
  g_assert_no_error (error);
}

static guint
only_connection (PochtaTranscript *transcript, const char *client, const char *server)
{
  g_autoptr (GArray) ids = sim_find_connections (transcript, client, server);
  g_assert_cmpuint (ids->len, ==, 1);
  return g_array_index (ids, guint, 0);
}

/* RFC 2195 §2: the response is "user hex(HMAC-MD5(secret, challenge))". */
static void
assert_cram_md5 (PochtaTranscript *transcript,
                 guint connection,
                 const char *login,
                 const char *secret)
{
  g_autofree char *challenge = NULL;
  g_autofree char *response = NULL;

  for (guint i = 0; i + 1 < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->connection != connection || item->code != 334)
        continue;
      gsize len;
      g_autofree guchar *decoded = g_base64_decode (item->text + 4, &len);
      challenge = g_strndup ((const char *) decoded, len);
      for (guint j = i + 1; response == NULL; j++)
        {
          const PochtaTranscriptItem *next = pochta_transcript_get_item (transcript, j);
          if (next->connection == connection)
            {
              g_autofree guchar *answer = g_base64_decode (next->text, &len);
              response = g_strndup ((const char *) answer, len);
            }
        }
      break;
    }
  g_assert_nonnull (challenge);
  g_autofree char *digest = g_compute_hmac_for_string (G_CHECKSUM_MD5, (const guchar *) secret,
                                                       strlen (secret), challenge, -1);
  g_autofree char *expected = g_strdup_printf ("%s %s", login, digest);
  g_assert_cmpstr (response, ==, expected);
}

/* The thesis' letter: comp1 (rfc821) takes Ivanov's letter with HELO,
 * then hands it to comp3 (seed) itself, the implicit MX (RFC 5321 §5.1),
 * authenticating as Ivanov with CRAM-MD5; comp3 refuses Sidirov, so
 * comp1 bounces to Ivanov (RFC 3464). */
static void
test_thesis_letter (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (1);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);

  submit (simulation, IVANOV,
          (const char *const[]){ PETROV, KUZNETSOVA, "Sidirov@comp3.otd2.constr.org", NULL },
          "Test");
  pochta_simulation_run_until_idle (simulation);

  g_autofree char *submission = sim_connection_lines (
    transcript, only_connection (transcript, "comp1.otd1.constr.org", "comp1.otd1.constr.org"));
  sim_assert_template (submission,
                       "S: 220 comp1.otd1.constr.org Simple Mail Transfer Service Ready\n"
                       "C: EHLO comp1.otd1.constr.org\n"
                       "S: 500 Syntax error, command unrecognized\n"
                       "C: HELO comp1.otd1.constr.org\n"
                       "S: 250 comp1.otd1.constr.org\n"
                       "C: MAIL FROM:<Ivanov@comp1.otd1.constr.org>\n"
                       "S: 250 OK\n"
                       "C: RCPT TO:<Petrov@comp3.otd2.constr.org>\n"
                       "S: 250 OK\n"
                       "C: RCPT TO:<Kuznetsova@comp3.otd2.constr.org>\n"
                       "S: 250 OK\n"
                       "C: RCPT TO:<Sidirov@comp3.otd2.constr.org>\n"
                       "S: 250 OK\n"
                       "C: DATA\n"
                       "S: 354 Start mail input; end with <CRLF>.<CRLF>\n"
                       "C: Date: Tue, 14 May 2002 10:15:00 +0400\n"
                       "C: From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\n"
                       "C: To: Petrov@comp3.otd2.constr.org, Kuznetsova@comp3.otd2.constr.org, "
                       "Sidirov@comp3.otd2.constr.org\n"
                       "C: Subject: Test\n"
                       "C: Message-ID: <{ID}@comp1.otd1.constr.org>\n"
                       "C: \n"
                       "C: Hello!\n"
                       "C: Test mail.\n"
                       "C: Ivanov\n"
                       "C: .\n"
                       "S: 250 OK\n"
                       "C: QUIT\n"
                       "S: 221 comp1.otd1.constr.org Service closing transmission channel\n");

  guint hop = only_connection (transcript, "comp1.otd1.constr.org", "comp3.otd2.constr.org");
  g_autofree char *relay = sim_connection_lines (transcript, hop);
  sim_assert_template (
    relay, "S: 220 comp3.otd2.constr.org Simple Mail Transfer Service Ready\n"
           "C: EHLO comp1.otd1.constr.org\n"
           "S: 250-comp3.otd2.constr.org says hello\n"
           "S: 250-HELP\n"
           "S: 250-AUTH CRAM-MD5 DIGEST-MD5\n"
           "S: 250-SIZE 10240000\n"
           "S: 250-ETRN\n"
           "S: 250-TURN\n"
           "S: 250 VRFY\n"
           "C: AUTH CRAM-MD5\n"
           "S: 334 {B64}\n"
           "C: {B64}\n"
           "S: 235 Authentication successful\n"
           "C: MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=450\n"
           "S: 250 OK\n"
           "C: RCPT TO:<Petrov@comp3.otd2.constr.org>\n"
           "S: 250 OK\n"
           "C: RCPT TO:<Kuznetsova@comp3.otd2.constr.org>\n"
           "S: 250 OK\n"
           "C: RCPT TO:<Sidirov@comp3.otd2.constr.org>\n"
           "S: 550 No such user here\n"
           "C: DATA\n"
           "S: 354 Start mail input; end with <CRLF>.<CRLF>\n"
           "C: Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])\n"
           "C: \tby comp1.otd1.constr.org with SMTP id {ID};\n"
           "C: \tTue, 14 May 2002 10:15:00 +0400\n"
           "C: Date: Tue, 14 May 2002 10:15:00 +0400\n"
           "C: From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\n"
           "C: To: Petrov@comp3.otd2.constr.org, Kuznetsova@comp3.otd2.constr.org, "
           "Sidirov@comp3.otd2.constr.org\n"
           "C: Subject: Test\n"
           "C: Message-ID: <{ID}@comp1.otd1.constr.org>\n"
           "C: \n"
           "C: Hello!\n"
           "C: Test mail.\n"
           "C: Ivanov\n"
           "C: .\n"
           "S: 250 OK\n"
           "C: QUIT\n"
           "S: 221 comp3.otd2.constr.org Service closing transmission channel\n");
  assert_cram_md5 (transcript, hop, "Ivanov", "ivanov123");

  /* Return-Path on top, then the trace fields newest first (§4.4). */
  g_autoptr (GPtrArray) petrov = sim_mailbox (simulation, PETROV, 1);
  g_autofree char *letter = sim_bytes_to_string (g_ptr_array_index (petrov, 0));
  sim_assert_template (
    letter, "Return-Path: <Ivanov@comp1.otd1.constr.org>\r\n"
            "Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])\r\n"
            "\tby comp3.otd2.constr.org with ESMTPA id {ID};\r\n"
            "\tTue, 14 May 2002 10:15:00 +0400\r\n"
            "Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])\r\n"
            "\tby comp1.otd1.constr.org with SMTP id {ID};\r\n"
            "\tTue, 14 May 2002 10:15:00 +0400\r\n"
            "Date: Tue, 14 May 2002 10:15:00 +0400\r\n"
            "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\n"
            "To: Petrov@comp3.otd2.constr.org, Kuznetsova@comp3.otd2.constr.org, "
            "Sidirov@comp3.otd2.constr.org\r\n"
            "Subject: Test\r\n"
            "Message-ID: <{ID}@comp1.otd1.constr.org>\r\n"
            "\r\n"
            "Hello!\r\n"
            "Test mail.\r\n"
            "Ivanov\r\n");
  g_autoptr (GPtrArray) kuznetsova = sim_mailbox (simulation, KUZNETSOVA, 1);
  g_assert_true (g_bytes_equal (g_ptr_array_index (kuznetsova, 0), g_ptr_array_index (petrov, 0)));

  /* The bounce: sent with MAIL FROM:<>, so Return-Path: <>. */
  g_autoptr (GPtrArray) ivanov = sim_mailbox (simulation, IVANOV, 1);
  g_autofree char *bounce = sim_bytes_to_string (g_ptr_array_index (ivanov, 0));
  g_assert_true (g_str_has_prefix (bounce, "Return-Path: <>\r\nFrom: Mail Delivery Subsystem "
                                           "<MAILER-DAEMON@comp1.otd1.constr.org>\r\n"));
  g_autofree char *summary = sim_python_read_dsn (g_ptr_array_index (ivanov, 0));
  if (summary != NULL)
    g_assert_cmpstr (summary, ==,
                     "content-type: multipart/report\n"
                     "report-type: delivery-status\n"
                     "from: Mail Delivery Subsystem <MAILER-DAEMON@comp1.otd1.constr.org>\n"
                     "to: <Ivanov@comp1.otd1.constr.org>\n"
                     "subject: Undelivered Mail Returned to Sender\n"
                     "defects: 0\n"
                     "parts: text/plain, message/delivery-status, text/rfc822-headers\n"
                     "reporting-mta: dns; comp1.otd1.constr.org\n"
                     "recipient: rfc822; Sidirov@comp3.otd2.constr.org | failed | 5.0.0 | "
                     "dns; comp3.otd2.constr.org | smtp; 550 No such user here\n"
                     "original-subject: Test\n");

  g_autoptr (GPtrArray) queue
    = pochta_simulation_dup_queue (simulation, "comp1.otd1.constr.org", NULL);
  g_assert_cmpuint (queue->len, ==, 0);
  g_autofree char *done = sim_mta_events (transcript, "comp1.otd1.constr.org", "done");
  sim_assert_template (done,
                       "{ID}: every recipient delivered or bounced; removed from the queue\n");
}

/* Between the departments: comp4's letter for Sidorov@otd1.constr.org
 * goes to otd1's MX, comp1 (an rfc821 host, so HELO after EHLO's 500),
 * which knows Sidorov lives on comp2 and relays it there, the envelope
 * rewritten and the header untouched (RFC 5321 §3.9.1, §3.6.3). */
static void
test_across_departments (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (2);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);

  submit (simulation, SMIRNOV, (const char *const[]) { "sidorov@otd1.constr.org", NULL }, "Across");
  pochta_simulation_run_until_idle (simulation);

  g_autofree char *to_mx = sim_connection_lines (
    transcript, only_connection (transcript, "comp4.otd2.constr.org", "comp1.otd1.constr.org"));
  g_assert_true (
    g_str_has_prefix (to_mx, "S: 220 comp1.otd1.constr.org Simple Mail Transfer Service Ready\n"
                             "C: EHLO comp4.otd2.constr.org\n"
                             "S: 500 Syntax error, command unrecognized\n"
                             "C: HELO comp4.otd2.constr.org\n"
                             "S: 250 comp1.otd1.constr.org\n"
                             "C: MAIL FROM:<Smirnov@comp4.otd2.constr.org>\n"
                             "S: 250 OK\n"
                             "C: RCPT TO:<sidorov@otd1.constr.org>\n"
                             "S: 250 OK\n"));
  g_autofree char *to_comp2 = sim_connection_lines (
    transcript, only_connection (transcript, "comp1.otd1.constr.org", "comp2.otd1.constr.org"));
  /* comp2 is modern: PIPELINING, so MAIL, RCPT and DATA go together. */
  g_assert_nonnull (strstr (to_comp2, "C: MAIL FROM:<Smirnov@comp4.otd2.constr.org> SIZE="));
  g_assert_nonnull (strstr (to_comp2, "C: RCPT TO:<Sidorov@comp2.otd1.constr.org>\nC: DATA\n"
                                      "S: 250 2.1.0 Sender OK\nS: 250 2.1.5 Recipient OK\n"));
  g_assert_null (strstr (to_comp2, "C: AUTH"));

  g_autoptr (GPtrArray) sidorov = sim_mailbox (simulation, SIDOROV, 1);
  g_autofree char *letter = sim_bytes_to_string (g_ptr_array_index (sidorov, 0));
  sim_assert_template (letter,
    "Return-Path: <Smirnov@comp4.otd2.constr.org>\r\n"
    "Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])\r\n"
    "\tby comp2.otd1.constr.org with ESMTP id {ID}\r\n"
    "\tfor <Sidorov@comp2.otd1.constr.org>; Tue, 14 May 2002 10:15:00 +0400\r\n"
    "Received: from comp4.otd2.constr.org (comp4.otd2.constr.org [198.51.100.14])\r\n"
    "\tby comp1.otd1.constr.org with SMTP id {ID}\r\n"
    "\tfor <sidorov@otd1.constr.org>; Tue, 14 May 2002 10:15:00 +0400\r\n"
    "Received: from comp4.otd2.constr.org (comp4.otd2.constr.org [198.51.100.14])\r\n"
    "\tby comp4.otd2.constr.org with ESMTPA id {ID}\r\n"
    "\tfor <sidorov@otd1.constr.org>; Tue, 14 May 2002 10:15:00 +0400\r\n"
    "Date: Tue, 14 May 2002 10:15:00 +0400\r\n"
    "From: Alexei Smirnov <Smirnov@comp4.otd2.constr.org>\r\n"
    "To: sidorov@otd1.constr.org\r\n"
    "Subject: Across\r\n"
    "Message-ID: <{ID}@comp4.otd2.constr.org>\r\n"
    "\r\n"
    "Hello!\r\n"
    "Test mail.\r\n"
    "Ivanov\r\n");
}

/* Through the hub: constr.org's MX is mail.constr.org, which knows every
 * user of the enterprise and relays to the user's host.  comp2 sends its
 * own user's letter with the user's credentials (host.h), the hub sends
 * someone else's without. */
static void
test_through_hub (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (3);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);

  submit (simulation, SIDOROV,
          (const char *const[]){ "Petrov@constr.org", "Nobody@constr.org", NULL }, "Hub");
  pochta_simulation_run_until_idle (simulation);

  guint to_hub = only_connection (transcript, "comp2.otd1.constr.org", "mail.constr.org");
  guint from_hub = only_connection (transcript, "mail.constr.org", "comp3.otd2.constr.org");
  g_assert_cmpuint (to_hub, <, from_hub);
  g_autofree char *hub_lines = sim_connection_lines (transcript, to_hub);
  /* The hub is final for constr.org: it knows there is no Nobody. */
  g_assert_nonnull (strstr (hub_lines, "S: 250 2.1.0 Sender OK\nS: 250 2.1.5 Recipient OK\n"
                                       "S: 550 5.1.1 No such user here\nS: 354 "));
  /* 20.5 ms each way between comp2 and the hub: the server greets when
   * the SYN arrives, the client answers when the greeting does. */
  const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, to_hub);
  gint64 greeting = sim_line_time (transcript, to_hub, "220 mail.constr.org ESMTP Service ready");
  g_assert_cmpint (greeting - c->open_time, ==, 0);
  g_assert_cmpint (sim_line_time (transcript, to_hub, "EHLO comp2.otd1.constr.org") - greeting, ==,
                   20500);

  g_autoptr (GPtrArray) petrov = sim_mailbox (simulation, PETROV, 1);
  g_autofree char *letter = sim_bytes_to_string (g_ptr_array_index (petrov, 0));
  sim_assert_template (letter,
    "Return-Path: <Sidorov@comp2.otd1.constr.org>\r\n"
    "Received: from mail.constr.org (mail.constr.org [203.0.113.1])\r\n"
    "\tby comp3.otd2.constr.org with ESMTP id {ID}\r\n"
    "\tfor <Petrov@comp3.otd2.constr.org>; Tue, 14 May 2002 10:15:00 +0400\r\n"
    "Received: from comp2.otd1.constr.org (comp2.otd1.constr.org [192.0.2.12])\r\n"
    "\tby mail.constr.org with ESMTPA id {ID}\r\n"
    "\tfor <Petrov@constr.org>; Tue, 14 May 2002 10:15:00 +0400\r\n"
    "Received: from comp2.otd1.constr.org (comp2.otd1.constr.org [192.0.2.12])\r\n"
    "\tby comp2.otd1.constr.org with ESMTPA id {ID};\r\n"
    "\tTue, 14 May 2002 10:15:00 +0400\r\n"
    "Date: Tue, 14 May 2002 10:15:00 +0400\r\n"
    "From: Sergei Sidorov <Sidorov@comp2.otd1.constr.org>\r\n"
    "To: Petrov@constr.org, Nobody@constr.org\r\n"
    "Subject: Hub\r\n"
    "Message-ID: <{ID}@comp2.otd1.constr.org>\r\n"
    "\r\n"
    "Hello!\r\n"
    "Test mail.\r\n"
    "Ivanov\r\n");
  /* Nobody was refused in comp2's own relay session: comp2 bounces. */
  g_autoptr (GPtrArray) sidorov = sim_mailbox (simulation, SIDOROV, 1);
  g_autofree char *summary = sim_python_read_dsn (g_ptr_array_index (sidorov, 0));
  if (summary != NULL)
    g_assert_nonnull (strstr (summary,
                              "recipient: rfc822; Nobody@constr.org | failed | 5.1.1 | "
                              "dns; mail.constr.org | smtp; 550 5.1.1 No such user here\n"));
}

/* RFC 5321 §6.1: a bounce (MAIL FROM:<>) that cannot be delivered is
 * dropped, never bounced. */
static void
test_no_bounce_to_null_sender (void)
{
  static const char *const lines[] = {
    "EHLO comp4.otd2.constr.org",
    "MAIL FROM:<>",
    "RCPT TO:<Nobody@comp3.otd2.constr.org>",
    "DATA",
    "From: MAILER-DAEMON@comp4.otd2.constr.org",
    "Subject: a bounce",
    "",
    "It bounced.",
    ".",
    "QUIT",
  };
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (4);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  guint console = pochta_simulation_connect (simulation, "comp4.otd2.constr.org", "mail.constr.org",
                                             25, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      pochta_simulation_send_line (simulation, console, lines[i], &error);
      g_assert_no_error (error);
    }
  pochta_simulation_run_until_idle (simulation);

  g_autofree char *rejected = sim_mta_events (transcript, "mail.constr.org", "rejected");
  sim_assert_template (
    rejected,
    "{ID}: <Nobody@comp3.otd2.constr.org> to comp3.otd2.constr.org: 550 No such user here\n");
  g_autofree char *not_bounced = sim_mta_events (transcript, "mail.constr.org", "not-bounced");
  sim_assert_template (not_bounced,
                       "{ID}: the reverse-path is <>, so no report is sent (RFC 5321 §6.1)\n");
  g_autofree char *bounced = sim_mta_events (transcript, NULL, "bounced");
  g_assert_cmpstr (bounced, ==, "");
  g_autoptr (GPtrArray) queue = pochta_simulation_dup_queue (simulation, "mail.constr.org", NULL);
  g_assert_cmpuint (queue->len, ==, 0);
  g_assert_cmpuint (pochta_transcript_get_n_connections (transcript), ==, 2);
}

/* RFC 5321 §6.3: two relays that send each other a foreign domain's mail
 * loop until the 100th Received: field; the hop that gets 554 5.4.6
 * bounces to the sender. */
static void
test_loop_detection (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (5);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  pochta_simulation_set_relay_host (simulation, "comp2.otd1.constr.org", "comp4.otd2.constr.org",
                                    &error);
  g_assert_no_error (error);
  pochta_simulation_set_relay_host (simulation, "comp4.otd2.constr.org", "comp2.otd1.constr.org",
                                    &error);
  g_assert_no_error (error);
  submit (simulation, SIDOROV, (const char *const[]) { "someone@example.net", NULL }, "Loop");
  pochta_simulation_run_until_idle (simulation);

  /* The submission added the first Received:, 99 relays one each; the
   * 100th relay's server (comp2) counted 100 and refused; comp4's bounce
   * took the 101st connection. */
  g_autoptr (GArray) there
    = sim_find_connections (transcript, "comp2.otd1.constr.org", "comp4.otd2.constr.org");
  g_autoptr (GArray) back
    = sim_find_connections (transcript, "comp4.otd2.constr.org", "comp2.otd1.constr.org");
  g_assert_cmpuint (there->len, ==, 50);
  g_assert_cmpuint (back->len, ==, 51);
  g_autofree char *refused = sim_mta_events (transcript, NULL, "rejected");
  sim_assert_template (
    refused, "{ID}: <someone@example.net> to comp2.otd1.constr.org: 554 5.4.6 Message refused: "
             "100 Received: fields, a mail loop\n");

  g_autoptr (GPtrArray) sidorov = sim_mailbox (simulation, SIDOROV, 1);
  g_autofree char *summary = sim_python_read_dsn (g_ptr_array_index (sidorov, 0));
  if (summary != NULL)
    g_assert_nonnull (strstr (summary,
                              "reporting-mta: dns; comp4.otd2.constr.org\n"
                              "recipient: rfc822; someone@example.net | failed | 5.4.6 | "
                              "dns; comp2.otd1.constr.org | smtp; 554 5.4.6 Message refused: "
                              "100 Received: fields, a mail loop\n"));
}

/* A network of its own with a modern backup MX, so that ETRN can be
 * shown: in constr-org the backup (comp1) is an rfc821 host, which does
 * not know ETRN. */
static const char backup_network[] =
  "[Network]\nId=backup\nName=Backup MX\nDomain=corp.test\n"
  "[Host gw.corp.test]\nAddress=192.0.2.1\nProfile=modern\nServices=smtp:25;pop3:110\n"
  "[Host backup.corp.test]\nAddress=192.0.2.2\nProfile=modern\nServices=smtp:25;pop3:110\n"
  "[Host box.corp.test]\nAddress=192.0.2.3\nProfile=modern\nServices=smtp:25;pop3:110\n"
  "[Host sender.example]\nAddress=198.51.100.9\nProfile=modern\nServices=smtp:25;pop3:110\n"
  "[User Alice@box.corp.test]\nFullName=Alice Liddell\nPassword=alice\n"
  "[User Bob@sender.example]\nFullName=Bob Builder\nPassword=bob\n"
  "[MX corp.test]\nExchangers=10 gw.corp.test;20 backup.corp.test\n"
  "[Link lan]\nKind=lan\nMembers=gw.corp.test;backup.corp.test;box.corp.test\nLatency=2\n"
  "[Link wan]\nKind=point-to-point\nMembers=sender.example;lan\nLatency=30\n";

/* The primary MX is down: the sender falls back to the backup, which
 * queues; the primary comes back and asks for its mail with ETRN
 * (RFC 1985), and the backup delivers at once, not at its next retry. */
static void
test_backup_mx_and_etrn (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_from_text (backup_network, 6);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  pochta_simulation_set_fault (simulation, POCHTA_FAULT_HOST_DOWN, "gw.corp.test", TRUE, 0, &error);
  g_assert_no_error (error);
  submit (simulation, "Bob@sender.example", (const char *const[]){ "alice@corp.test", NULL },
          "Backup");
  pochta_simulation_advance (simulation, 10 * G_TIME_SPAN_MINUTE);

  /* The sender gave gw 5 minutes (RFC 5321 §4.5.3.2.1), then the backup
   * took the letter unverified and queued it for gw. */
  g_autofree char *failed = sim_mta_events (transcript, "sender.example", "connect-failed");
  sim_assert_template (failed, "{ID}: connect to gw.corp.test: Connection timed out\n");
  g_autoptr (GPtrArray) queue = pochta_simulation_dup_queue (simulation, "backup.corp.test", NULL);
  g_assert_cmpuint (queue->len, ==, 1);
  const PochtaMtaEntry *entry = g_ptr_array_index (queue, 0);
  g_assert_cmpstr (((PochtaMtaRecipient *) g_ptr_array_index (entry->recipients, 0))->mailbox, ==,
                   "alice@corp.test");
  sim_assert_mailbox_size (simulation, "Alice@box.corp.test", 0);

  pochta_simulation_set_fault (simulation, POCHTA_FAULT_HOST_DOWN, "gw.corp.test", FALSE, 0,
                               &error);
  g_assert_no_error (error);
  guint console
    = pochta_simulation_connect (simulation, "gw.corp.test", "backup.corp.test", 25, &error);
  g_assert_no_error (error);
  pochta_simulation_send_line (simulation, console, "EHLO gw.corp.test", &error);
  pochta_simulation_send_line (simulation, console, "ETRN corp.test", &error);
  pochta_simulation_send_line (simulation, console, "QUIT", &error);
  g_assert_no_error (error);
  gint64 asked = pochta_simulation_get_time (simulation);
  pochta_simulation_advance (simulation, G_TIME_SPAN_MINUTE);

  guint etrn = pochta_simulation_connection_get_transcript_id (simulation, console);
  g_assert_cmpuint (etrn, ==, 0);   /* closed by now */
  g_autoptr (GArray) consoles
    = sim_find_connections (transcript, "gw.corp.test", "backup.corp.test");
  g_autofree char *lines = sim_connection_lines (transcript, g_array_index (consoles, guint, 0));
  /* The console typed ahead: its three lines went out together. */
  g_assert_nonnull (strstr (lines, "C: EHLO gw.corp.test\nC: ETRN corp.test\nC: QUIT\n"));
  g_assert_nonnull (
    strstr (lines, "\nS: 253 2.0.0 OK, 1 pending messages for node corp.test started\n"));
  g_autoptr (GPtrArray) alice = sim_mailbox (simulation, "Alice@box.corp.test", 1);
  g_autofree char *letter = sim_bytes_to_string (g_ptr_array_index (alice, 0));
  g_assert_true (g_str_has_prefix (letter,
                                   "Return-Path: <Bob@sender.example>\r\n"
                                   "Received: from gw.corp.test (gw.corp.test [192.0.2.1])\r\n"
                                   "\tby box.corp.test with ESMTP id "));
  g_assert_nonnull (strstr (letter, "\tby gw.corp.test with ESMTP id "));
  g_assert_nonnull (strstr (letter, "\tby backup.corp.test with ESMTPA id "));
  /* The backup's first attempt on gw was still waiting for its timeout
   * when ETRN came; it went again right after, not 30 minutes later. */
  g_autoptr (GArray) flushed
    = sim_find_connections (transcript, "backup.corp.test", "gw.corp.test");
  g_assert_cmpuint (flushed->len, ==, 1);
  g_assert_cmpint (
    pochta_transcript_get_connection (transcript, g_array_index (flushed, guint, 0))->open_time, <,
    asked + G_TIME_SPAN_SECOND);
  pochta_simulation_run_until_idle (simulation);
  g_autoptr (GPtrArray) empty = pochta_simulation_dup_queue (simulation, "backup.corp.test", NULL);
  g_assert_cmpuint (empty->len, ==, 0);
}

/* constr-org's own backup MX: comp1 queues mail for constr.org while the
 * hub is down and delivers it at its next retry once the hub is back. */
static void
test_constr_org_backup (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (7);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  pochta_simulation_set_fault (simulation, POCHTA_FAULT_HOST_DOWN, "mail.constr.org", TRUE, 0,
                               &error);
  submit (simulation, SIDOROV, (const char *const[]) { "Petrov@constr.org", NULL }, "Backup");
  pochta_simulation_advance (simulation, 20 * G_TIME_SPAN_MINUTE);
  g_autoptr (GPtrArray) queue
    = pochta_simulation_dup_queue (simulation, "comp1.otd1.constr.org", NULL);
  g_assert_cmpuint (queue->len, ==, 1);

  /* comp1 is an rfc821 host: it does not know ETRN (constr-org.md). */
  guint console = pochta_simulation_connect (simulation, "comp2.otd1.constr.org",
                                             "comp1.otd1.constr.org", 25, &error);
  pochta_simulation_send_line (simulation, console, "ETRN constr.org", &error);
  pochta_simulation_send_line (simulation, console, "QUIT", &error);
  g_assert_no_error (error);
  pochta_simulation_set_fault (simulation, POCHTA_FAULT_HOST_DOWN, "mail.constr.org", FALSE, 0,
                               &error);
  pochta_simulation_run_until_idle (simulation);
  g_assert_no_error (error);
  /* The first connection from comp2 to comp1 took the letter there. */
  g_autoptr (GArray) consoles
    = sim_find_connections (transcript, "comp2.otd1.constr.org", "comp1.otd1.constr.org");
  g_assert_cmpuint (consoles->len, ==, 2);
  g_autofree char *lines = sim_connection_lines (transcript, g_array_index (consoles, guint, 1));
  g_assert_cmpstr (lines, ==,
                   "S: 220 comp1.otd1.constr.org Simple Mail Transfer Service Ready\n"
                   "C: ETRN constr.org\n"
                   "C: QUIT\n"
                   "S: 500 Syntax error, command unrecognized\n"
                   "S: 221 comp1.otd1.constr.org Service closing transmission channel\n");

  g_autoptr (GPtrArray) petrov = sim_mailbox (simulation, PETROV, 1);
  g_autofree char *letter = sim_bytes_to_string (g_ptr_array_index (petrov, 0));
  g_assert_nonnull (strstr (letter, "\tby mail.constr.org with ESMTP id "));
  g_assert_nonnull (strstr (letter, "\tby comp1.otd1.constr.org with SMTP id "));
  g_autofree char *deferred = sim_mta_events (transcript, "comp1.otd1.constr.org", "deferred");
  g_assert_cmpstr (deferred, !=, "");
}

/* POP3: Petrov fetches and deletes, Kuznetsova fetches and keeps. */
static void
test_fetch (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (8);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  submit (simulation, IVANOV, (const char *const[]) { PETROV, KUZNETSOVA, NULL }, "Fetch");
  pochta_simulation_run_until_idle (simulation);
  g_autoptr (GPtrArray) stored = sim_mailbox (simulation, PETROV, 1);

  pochta_simulation_fetch (simulation, PETROV, FALSE, &error);
  g_assert_no_error (error);
  pochta_simulation_fetch (simulation, "kuznetsova@COMP3.otd2.constr.org", TRUE, &error);
  g_assert_no_error (error);
  pochta_simulation_run_until_idle (simulation);

  g_autoptr (GPtrArray) fetched = pochta_simulation_dup_fetched (simulation, PETROV);
  g_assert_cmpuint (fetched->len, ==, 1);
  g_assert_true (g_bytes_equal (g_ptr_array_index (fetched, 0), g_ptr_array_index (stored, 0)));
  sim_assert_mailbox_size (simulation, PETROV, 0);
  g_autoptr (GPtrArray) kept = sim_mailbox (simulation, KUZNETSOVA, 1);
  g_assert_true (g_bytes_equal (g_ptr_array_index (kept, 0), g_ptr_array_index (stored, 0)));
  g_autoptr (GPtrArray) fetched_kept = pochta_simulation_dup_fetched (simulation, KUZNETSOVA);
  g_assert_cmpuint (fetched_kept->len, ==, 1);

  g_autoptr (GArray) pop
    = sim_find_connections (transcript, "comp3.otd2.constr.org", "comp3.otd2.constr.org");
  g_assert_cmpuint (pop->len, ==, 2);
  const PochtaTranscriptConnection *c
    = pochta_transcript_get_connection (transcript, g_array_index (pop, guint, 0));
  g_assert_cmpint (c->protocol, ==, POCHTA_PROTOCOL_POP3);
  g_assert_cmpuint (c->server_port, ==, 110);
  g_autofree char *lines = sim_connection_lines (transcript, c->id);
  g_assert_true (g_str_has_prefix (lines, "S: +OK "));
  g_assert_nonnull (strstr (lines, "\nC: APOP Petrov "));
  g_assert_nonnull (strstr (lines, "\nC: DELE 1\nS: +OK"));
  g_assert_nonnull (strstr (lines, "\nC: QUIT\nS: +OK"));
  g_autofree char *events = sim_mta_events (transcript, "comp3.otd2.constr.org", "fetched");
  /* Kuznetsova's session has no DELE, so it ends first. */
  g_assert_cmpstr (events, ==, "Kuznetsova@comp3.otd2.constr.org: 1 message(s) retrieved\n"
                               "Petrov@comp3.otd2.constr.org: 1 message(s) retrieved\n");
}

/* Types each line on the console and checks the reply it gets. */
static void
converse (PochtaSimulation *simulation, guint console, const char *const *exchange)
{
  g_autoptr (GError) error = NULL;

  pochta_simulation_run_until_idle (simulation);
  for (guint i = 0; exchange[i] != NULL; i += 2)
    {
      pochta_simulation_send_line (simulation, console, exchange[i], &error);
      g_assert_no_error (error);
      pochta_simulation_run_until_idle (simulation);
      g_assert_cmpstr (pochta_simulation_connection_get_last_reply (simulation, console), ==,
                       exchange[i + 1]);
    }
}

/* constr-org.md "Relay": from outside, comp3 takes mail for its own users
 * only; the hub takes the enterprise's mail; comp1, constr.org's backup
 * MX, takes constr.org's unverified; nobody relays elsewhere unless the
 * client authenticated (RFC 5321 §3.6.2, RFC 4954). */
static void
test_relay_policy_from_outside (void)
{
  static const char *const comp3[] = {
    "EHLO client.example", "250 VRFY",
    "MAIL FROM:<someone@client.example>", "250 OK",
    "RCPT TO:<Petrov@comp3.otd2.constr.org>", "250 OK",
    "RCPT TO:<Nobody@comp3.otd2.constr.org>", "550 No such user here",
    "RCPT TO:<friend@example.net>", "550 Relaying denied",
    "RCPT TO:<Smirnov@comp4.otd2.constr.org>", "550 Relaying denied",
    /* comp3 is otd2's MX: Kuznetsova of otd2 is one of its users. */
    "RCPT TO:<kuznetsova@otd2.constr.org>", "250 OK",
    "RCPT TO:<Ivanov@otd2.constr.org>", "550 No such user here",
    "RCPT TO:<postmaster@comp3.otd2.constr.org>", "250 OK",
    "QUIT", "221 comp3.otd2.constr.org Service closing transmission channel",
    NULL,
  };
  static const char *const hub[] = {
    "EHLO client.example", "250 HELP",
    "MAIL FROM:<someone@client.example>", "250 2.1.0 Sender OK",
    "RCPT TO:<Smirnov@otd2.constr.org>", "250 2.1.5 Recipient OK",
    "RCPT TO:<Smirnov@comp4.otd2.constr.org>", "250 2.1.5 Recipient OK",
    "RCPT TO:<Petrov@constr.org>", "250 2.1.5 Recipient OK",
    "RCPT TO:<Nobody@constr.org>", "550 5.1.1 No such user here",
    "RCPT TO:<friend@example.net>", "550 5.7.1 Relaying denied",
    "RSET", "250 2.0.0 OK",
    /* "\0Ivanov\0ivanov123": the enterprise's accounts work anywhere. */
    "AUTH PLAIN AEl2YW5vdgBpdmFub3YxMjM=", "235 2.7.0 Authentication successful",
    "MAIL FROM:<Ivanov@comp1.otd1.constr.org>", "250 2.1.0 Sender OK",
    "RCPT TO:<friend@example.net>", "250 2.1.5 Recipient OK",
    "QUIT", "221 2.0.0 mail.constr.org Service closing transmission channel",
    NULL,
  };
  static const char *const backup[] = {
    "HELO client.example", "250 comp1.otd1.constr.org",
    "MAIL FROM:<someone@client.example>", "250 OK",
    "RCPT TO:<anyone@constr.org>", "250 OK",
    "RCPT TO:<friend@example.net>", "550 Relaying denied",
    "QUIT", "221 comp1.otd1.constr.org Service closing transmission channel",
    NULL,
  };
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (9);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  g_autoptr (GError) error = NULL;

  guint console = pochta_simulation_connect (simulation, NULL, "comp3.otd2.constr.org", 25, &error);
  g_assert_no_error (error);
  converse (simulation, console, comp3);
  const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, 1);
  g_assert_cmpstr (c->client_host, ==, "127.0.0.1");
  g_assert_cmpstr (c->client_address, ==, "127.0.0.1");
  g_assert_cmpint (c->open_time, ==, POCHTA_SIMULATION_DEFAULT_START);

  console = pochta_simulation_connect (simulation, NULL, "mail.constr.org", 25, &error);
  g_assert_no_error (error);
  converse (simulation, console, hub);
  console = pochta_simulation_connect (simulation, NULL, "comp1.otd1.constr.org", 25, &error);
  g_assert_no_error (error);
  converse (simulation, console, backup);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/scenario/thesis-letter", test_thesis_letter);
  g_test_add_func ("/sim/scenario/across-departments", test_across_departments);
  g_test_add_func ("/sim/scenario/through-hub", test_through_hub);
  g_test_add_func ("/sim/scenario/no-bounce-to-null-sender", test_no_bounce_to_null_sender);
  g_test_add_func ("/sim/scenario/loop-detection", test_loop_detection);
  g_test_add_func ("/sim/scenario/backup-mx-etrn", test_backup_mx_and_etrn);
  g_test_add_func ("/sim/scenario/constr-org-backup", test_constr_org_backup);
  g_test_add_func ("/sim/scenario/fetch", test_fetch);
  g_test_add_func ("/sim/scenario/relay-policy-from-outside", test_relay_policy_from_outside);
  return g_test_run ();
}
