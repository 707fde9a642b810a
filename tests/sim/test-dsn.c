/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the delivery status notifications (RFC 3464). */
#include "config.h"

#include <string.h>

#include "dsn.h"
#include "sim-helpers.h"

static const struct
{
  guint code;
  const char *text;
  const char *status;
} statuses[] = {
  { 550, "5.1.1 No such user here", "5.1.1" },
  { 550, "No such user here", "5.0.0" },      /* the seed profile has no enhanced codes */
  { 452, "4.2.2 Mailbox full", "4.2.2" },
  { 554, "5.4.6 Message refused: 101 Received: fields, a mail loop", "5.4.6" },
  { 450, "4.7.1", "4.7.1" },                  /* the code alone */
  { 550, "4.1.1 wrong class", "5.0.0" },      /* RFC 3463 §2: class matches the reply */
  { 552, "5.3.4x Message too big", "5.0.0" },
  { 550, "5.1234.1 too many digits", "5.0.0" },
  { 550, "5..1 empty subject", "5.0.0" },
  { 451, NULL, "4.0.0" },
  { 553, "5.1.3\nsecond line", "5.1.3" },
};

static void
test_status_of_reply (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autofree char *status = pochta_dsn_status_of_reply (statuses[i].code, statuses[i].text);
      g_assert_cmpstr (status, ==, statuses[i].status);
    }
}

static const char original[] =
  "Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])\r\n"
  "\tby comp1.otd1.constr.org with SMTP id X1; Tue, 14 May 2002 10:15:00 +0400\r\n"
  "Date: Tue, 14 May 2002 10:15:00 +0400\r\n"
  "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\n"
  "Subject: Test\r\n"
  "\r\n"
  "Hello!\r\n";

static GBytes *
build (PochtaDsnRet ret)
{
  g_autoptr (PochtaGenerator) generator
    = pochta_generator_new (1, POCHTA_SIMULATION_DEFAULT_START + 2 * G_USEC_PER_SEC);
  g_autoptr (GBytes) message = g_bytes_new_static (original, sizeof original - 1);
  const PochtaDsnRecipient recipients[] = {
    {
      .final_recipient = "Sidirov@comp3.otd2.constr.org",
      .action = "failed",
      .status = "5.0.0",
      .remote_mta = "comp3.otd2.constr.org",
      .smtp_reply = "550 No such user here",
      .last_attempt = POCHTA_SIMULATION_DEFAULT_START + G_USEC_PER_SEC,
    },
    {
      .final_recipient = "Nobody@example.net",
      .original_recipient = "rfc822;nobody@example.net",
      .action = "failed",
      .status = "5.1.2",
      .reason = "Host or domain name not found",
    },
  };
  pochta_generator_set_utc_offset (generator, SIM_UTC_OFFSET);
  PochtaDsnReport report = {
    .reporting_mta = "comp1.otd1.constr.org",
    .reverse_path = "Ivanov@comp1.otd1.constr.org",
    .envid = ret == POCHTA_DSN_RET_FULL ? "QQ314159" : NULL,
    .arrival_date = POCHTA_SIMULATION_DEFAULT_START,
    .utc_offset_minutes = SIM_UTC_OFFSET,
    .ret = ret,
    .original = message,
    .recipients = recipients,
    .n_recipients = G_N_ELEMENTS (recipients),
  };
  return pochta_dsn_build (&report, generator);
}

/* The whole report, byte for byte but for the random tokens. */
static void
test_build_headers_only (void)
{
  g_autoptr (GBytes) dsn = build (POCHTA_DSN_RET_DEFAULT);
  g_autofree char *text = sim_bytes_to_string (dsn);

  sim_assert_template (text,
    "From: Mail Delivery Subsystem <MAILER-DAEMON@comp1.otd1.constr.org>\r\n"
    "To: <Ivanov@comp1.otd1.constr.org>\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Date: Tue, 14 May 2002 10:15:02 +0400\r\n"
    "Message-ID: <{ID}@comp1.otd1.constr.org>\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"=_{ID}\"\r\n"
    "\r\n"
    "This is a MIME-encapsulated delivery status notification.\r\n"
    "\r\n"
    "--=_{ID}\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is the mail system at host comp1.otd1.constr.org.\r\n"
    "\r\n"
    "Your message could not be delivered to one or more recipients.\r\n"
    "It is attached below.\r\n"
    "\r\n"
    "<Sidirov@comp3.otd2.constr.org>: host comp3.otd2.constr.org said: 550 No such user here\r\n"
    "<Nobody@example.net>: Host or domain name not found\r\n"
    "\r\n"
    "--=_{ID}\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; comp1.otd1.constr.org\r\n"
    "Arrival-Date: Tue, 14 May 2002 10:15:00 +0400\r\n"
    "\r\n"
    "Final-Recipient: rfc822; Sidirov@comp3.otd2.constr.org\r\n"
    "Action: failed\r\n"
    "Status: 5.0.0\r\n"
    "Remote-MTA: dns; comp3.otd2.constr.org\r\n"
    "Diagnostic-Code: smtp; 550 No such user here\r\n"
    "Last-Attempt-Date: Tue, 14 May 2002 10:15:01 +0400\r\n"
    "\r\n"
    "Original-Recipient: rfc822;nobody@example.net\r\n"
    "Final-Recipient: rfc822; Nobody@example.net\r\n"
    "Action: failed\r\n"
    "Status: 5.1.2\r\n"
    "Diagnostic-Code: X-Pochta; Host or domain name not found\r\n"
    "\r\n"
    "--=_{ID}\r\n"
    "Content-Type: text/rfc822-headers\r\n"
    "\r\n"
    "Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])\r\n"
    "\tby comp1.otd1.constr.org with SMTP id X1; Tue, 14 May 2002 10:15:00 +0400\r\n"
    "Date: Tue, 14 May 2002 10:15:00 +0400\r\n"
    "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\n"
    "Subject: Test\r\n"
    "\r\n"
    "--=_{ID}--\r\n");
}

/* Another reader's view: Python's email package (multipart/report,
 * three parts, the per-recipient groups). */
static void
test_python_reads_report (void)
{
  g_autoptr (GBytes) dsn = build (POCHTA_DSN_RET_FULL);
  g_autofree char *summary = sim_python_read_dsn (dsn);

  if (summary == NULL)
    return;
  g_assert_cmpstr (summary, ==,
                   "content-type: multipart/report\n"
                   "report-type: delivery-status\n"
                   "from: Mail Delivery Subsystem <MAILER-DAEMON@comp1.otd1.constr.org>\n"
                   "to: <Ivanov@comp1.otd1.constr.org>\n"
                   "subject: Undelivered Mail Returned to Sender\n"
                   "defects: 0\n"
                   "parts: text/plain, message/delivery-status, message/rfc822\n"
                   "reporting-mta: dns; comp1.otd1.constr.org\n"
                   "recipient: rfc822; Sidirov@comp3.otd2.constr.org | failed | 5.0.0 | "
                   "dns; comp3.otd2.constr.org | smtp; 550 No such user here\n"
                   "recipient: rfc822; Nobody@example.net | failed | 5.1.2 | None | "
                   "X-Pochta; Host or domain name not found\n"
                   "original-subject: Test\n");
}

static void
test_full_return_and_envid (void)
{
  g_autoptr (GBytes) dsn = build (POCHTA_DSN_RET_FULL);
  g_autofree char *text = sim_bytes_to_string (dsn);

  g_assert_nonnull (strstr (
    text, "\r\nOriginal-Envelope-Id: QQ314159\r\nReporting-MTA: dns; comp1.otd1.constr.org\r\n"));
  /* RET=FULL: the whole original, body included (RFC 3461 §4.3). */
  g_assert_nonnull (strstr (text, "Content-Type: message/rfc822\r\n\r\nReceived: from comp1"));
  g_assert_nonnull (strstr (text, "Subject: Test\r\n\r\nHello!\r\n\r\n--="));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/dsn/status-of-reply", test_status_of_reply);
  g_test_add_func ("/sim/dsn/build/headers-only", test_build_headers_only);
  g_test_add_func ("/sim/dsn/build/full-return", test_full_return_and_envid);
  g_test_add_func ("/sim/dsn/python-reads-report", test_python_reads_report);
  return g_test_run ();
}
