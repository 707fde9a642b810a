/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pcap export read by tshark: Wireshark's SMTP and POP dissectors see
 * the transcript's commands and replies, and no checksum or TCP analysis
 * complaint. */
#include "config.h"

#include <string.h>

#include "interop-util.h"
#include "transcript-fixture.h"

static char *tshark;

typedef struct
{
  InteropScratch *scratch;
  PochtaTranscript *transcript;
  char *pcap;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->scratch = interop_scratch_new ();
  f->transcript = fixture_transcript_new ();
  f->pcap = interop_export_to_file (f->scratch, f->transcript, POCHTA_EXPORT_PCAP, NULL,
                                    "transcript.pcap");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_free (f->pcap);
  pochta_transcript_free (f->transcript);
  interop_scratch_free (f->scratch);
}

/* Runs tshark over the capture with a display filter and two fields;
 * every occurrence of each field, in frame order, joined with ' '. */
static void
tshark_fields (Fixture *f, const char *filter, const char *first, const char *second,
               char **out_first, char **out_second)
{
  const char *const argv[] = {
    tshark, "-n", "-r", f->pcap, "-Y", filter, "-T", "fields", "-e", first, "-e", second,
    "-E", "occurrence=a", "-E", "aggregator=,", NULL,
  };
  g_autofree char *out = interop_run (f->scratch, argv);
  g_auto (GStrv) rows = g_strsplit (out, "\n", -1);
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) b = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; rows[i] != NULL; i++)
    {
      g_auto (GStrv) columns = g_strsplit (rows[i], "\t", 2);
      for (guint column = 0; column < 2 && columns[column] != NULL; column++)
        {
          g_auto (GStrv) values = g_strsplit (columns[column], ",", -1);
          for (guint v = 0; values[v] != NULL; v++)
            if (values[v][0] != '\0')
              g_ptr_array_add (column == 0 ? a : b, g_strdup (values[v]));
        }
    }
  g_ptr_array_add (a, NULL);
  g_ptr_array_add (b, NULL);
  *out_first = g_strjoinv (" ", (char **) a->pdata);
  *out_second = g_strjoinv (" ", (char **) b->pdata);
}

/* RFC 5321 §4.2.1: a reply ends on the line whose code is followed by SP
 * (or nothing); Wireshark reports one code per reply. */
static gboolean
ends_reply (const PochtaTranscriptItem *item)
{
  return item->length == 3 || item->text[3] != '-';
}

/* The transcript's side: verbs of the commands, and per reply its code
 * (SMTP) or its +OK/-ERR (POP3). */
static void
expected_fields (PochtaTranscript *t, PochtaProtocol protocol, char **out_commands,
                 char **out_replies)
{
  GString *commands = g_string_new (NULL);
  GString *replies = g_string_new (NULL);

  for (guint i = 0; i < pochta_transcript_get_n_items (t); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (t, i);
      if (item->kind != POCHTA_ITEM_LINE || item->in_data
          || pochta_transcript_get_connection (t, item->connection)->protocol != protocol)
        continue;
      if (item->direction == POCHTA_DIRECTION_CLIENT && item->verb != NULL)
        g_string_append_printf (commands, "%s%s", commands->len > 0 ? " " : "", item->verb);
      else if (item->direction == POCHTA_DIRECTION_SERVER && protocol == POCHTA_PROTOCOL_SMTP
               && item->code != 0 && ends_reply (item))
        g_string_append_printf (replies, "%s%u", replies->len > 0 ? " " : "", item->code);
      else if (item->direction == POCHTA_DIRECTION_SERVER && protocol == POCHTA_PROTOCOL_POP3
               && item->reply_class != POCHTA_REPLY_NONE)
        g_string_append_printf (replies, "%s%s", replies->len > 0 ? " " : "",
                                item->reply_class == POCHTA_REPLY_POSITIVE ? "+OK" : "-ERR");
    }
  *out_commands = g_string_free (commands, FALSE);
  *out_replies = g_string_free (replies, FALSE);
}

static void
test_smtp (Fixture *f, gconstpointer data)
{
  if (!interop_require (tshark, "tshark", "tshark"))
    return;
  g_autofree char *commands = NULL, *codes = NULL, *expected_commands = NULL,
                  *expected_codes = NULL;

  tshark_fields (f, "smtp", "smtp.req.command", "smtp.response.code", &commands, &codes);
  expected_fields (f->transcript, POCHTA_PROTOCOL_SMTP, &expected_commands, &expected_codes);
  g_assert_cmpstr (commands, ==, expected_commands);
  g_assert_cmpstr (codes, ==, expected_codes);
  /* The thesis session, as Wireshark names it. */
  g_assert_cmpstr (commands, ==, "EHLO AUTH MAIL VRFY RCPT RCPT RCPT DATA QUIT");
  g_assert_cmpstr (codes, ==, "220 250 334 235 250 250 250 250 550 354 250 221");
}

static void
test_pop3 (Fixture *f, gconstpointer data)
{
  if (!interop_require (tshark, "tshark", "tshark"))
    return;
  g_autofree char *commands = NULL, *indicators = NULL, *expected_commands = NULL,
                  *expected_indicators = NULL;

  tshark_fields (f, "pop", "pop.request.command", "pop.response.indicator", &commands,
                 &indicators);
  expected_fields (f->transcript, POCHTA_PROTOCOL_POP3, &expected_commands, &expected_indicators);
  g_assert_cmpstr (commands, ==, expected_commands);
  g_assert_cmpstr (indicators, ==, expected_indicators);
  g_assert_true (strstr (indicators, "-ERR") != NULL);
}

/* Every IPv4 and TCP checksum good (status 1), and nothing that
 * Wireshark's expert system calls a warning or an error: no lost or
 * retransmitted segment, no ACK of unseen data. */
static void
test_checksums (Fixture *f, gconstpointer data)
{
  if (!interop_require (tshark, "tshark", "tshark"))
    return;
  const char *const statuses[] = {
    tshark, "-n", "-r", f->pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
    "-T", "fields", "-e", "ip.checksum.status", "-e", "tcp.checksum.status", NULL,
  };
  g_autofree char *out = interop_run (f->scratch, statuses);
  g_auto (GStrv) rows = g_strsplit (out, "\n", -1);
  guint frames = 0;

  for (guint i = 0; rows[i] != NULL; i++)
    {
      if (rows[i][0] == '\0')
        continue;
      g_assert_cmpstr (rows[i], ==, "1\t1");
      frames++;
    }
  g_assert_cmpuint (frames, >=, 50);

  const char *const complaints[] = {
    tshark, "-n", "-r", f->pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
    "-Y", "_ws.expert.severity >= 0x00600000 || tcp.analysis.flags", NULL,
  };
  g_autofree char *listed = interop_run (f->scratch, complaints);
  g_assert_cmpstr (listed, ==, "");
}

/* The filter itself must be able to fail: a capture with one flipped
 * byte in a TCP payload is listed. */
static void
test_checksums_can_fail (Fixture *f, gconstpointer data)
{
  if (!interop_require (tshark, "tshark", "tshark"))
    return;
  g_autofree char *contents = NULL;
  gsize size = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_get_contents (f->pcap, &contents, &size, &error));
  /* The fourth frame, the 220 greeting: its last payload byte. */
  gsize offset = 24;
  for (int frame = 0; frame < 3; frame++)
    {
      guint32 length;
      memcpy (&length, contents + offset + 8, 4);
      offset += 16 + length;
    }
  guint32 length;
  memcpy (&length, contents + offset + 8, 4);
  contents[offset + 16 + length - 3] ^= 0x20;
  g_autofree char *broken = interop_scratch_file (f->scratch, "broken.pcap");
  g_assert_true (g_file_set_contents (broken, contents, (gssize) size, &error));

  const char *const complaints[] = {
    tshark, "-n", "-r", broken, "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-e",
    "frame.number", "-Y", "_ws.expert.severity >= 0x00600000", NULL,
  };
  g_autofree char *listed = interop_run (f->scratch, complaints);
  g_assert_cmpstr (listed, ==, "4\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  tshark = interop_find_tool ("tshark");
  g_test_add ("/interop/export/pcap/smtp", Fixture, NULL, fixture_set_up, test_smtp,
              fixture_tear_down);
  g_test_add ("/interop/export/pcap/pop3", Fixture, NULL, fixture_set_up, test_pop3,
              fixture_tear_down);
  g_test_add ("/interop/export/pcap/checksums", Fixture, NULL, fixture_set_up, test_checksums,
              fixture_tear_down);
  g_test_add ("/interop/export/pcap/checksums-can-fail", Fixture, NULL, fixture_set_up,
              test_checksums_can_fail, fixture_tear_down);
  int status = g_test_run ();
  gboolean missing = tshark == NULL;
  g_free (tshark);
  interop_release_fonts ();
  return interop_exit_status (status, missing);
}
