/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lessons written in C: the thesis letter through comp1's MTA (its
 * submission, the relay with MX routing and the bounce), and Petrov
 * fetching it over POP3, with their notes and quizzes; and the list of
 * every lesson the window offers. */
#define G_LOG_DOMAIN "pochta-lesson"
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lesson.h"

#define IVANOV "Ivanov@comp1.otd1.constr.org"
#define PETROV "Petrov@comp3.otd2.constr.org"
#define COMP1 "comp1.otd1.constr.org"
#define COMP3 "comp3.otd2.constr.org"

/* Moscow in May 2002 was UTC+4: the thesis' zone. */
#define THESIS_UTC_OFFSET (4 * 60)

static const char *const thesis_recipients[] = {
  PETROV,
  "Kuznetsova@comp3.otd2.constr.org",
  "Sidirov@comp3.otd2.constr.org",
  NULL,
};

static gboolean
submit_thesis_letter (PochtaSimulation *simulation, GError **error)
{
  return pochta_simulation_submit (simulation, IVANOV, thesis_recipients, "Test mail",
                                   "Hello!\r\nTest mail.\r\nIvanov\r\n", error);
}

/* The letter arrives unseen: this lesson is about its collection. */
static gboolean
deliver_then_fetch (PochtaSimulation *simulation, GError **error)
{
  pochta_simulation_set_record_lines (simulation, FALSE);
  if (!submit_thesis_letter (simulation, error))
    return FALSE;
  pochta_simulation_run_until_idle (simulation);
  pochta_simulation_set_record_lines (simulation, TRUE);
  return pochta_simulation_fetch (simulation, PETROV, FALSE, error);
}

static const PochtaLessonNote relay_notes[] = {
  { COMP1, "220", N_("Ivanov's mail program first hands the letter to his own host, comp1, "
                     "which greets it with 220: the service is ready (RFC 5321 §4.3.1).") },
  { COMP1, "500", N_("comp1 is a classic RFC 821 receiver: it does not know EHLO and answers "
                     "500. The client falls back to HELO (RFC 5321 §3.2).") },
  { COMP3, "220", N_("comp1's MTA now opens a connection to comp3, the host named in the "
                     "recipients' addresses (its own implicit MX, RFC 5321 §5.1). comp3 greets "
                     "it with 220.") },
  { COMP3, "EHLO", N_("comp1 introduces itself with EHLO and asks for the list of service "
                      "extensions (RFC 5321 §4.1.1.1).") },
  { COMP3, "250-", N_("comp3 lists its extensions in a multi-line 250 reply: a hyphen after "
                      "the code on every line but the last (RFC 5321 §4.2.1).") },
  { COMP3, "AUTH CRAM-MD5", N_("comp1 authenticates as Ivanov with CRAM-MD5: the password "
                               "itself never crosses the wire (RFC 2195)."),
    N_("Which reply carries comp3's challenge?"), "235;334;354;250", "334",
    N_("It is an intermediate reply: the exchange is not finished yet.") },
  { COMP3, "334", N_("The 334 reply carries a one-time challenge in base64 (RFC 4954 §4).") },
  { COMP3, "SXZhbm92", N_("The answer: the user name and the HMAC-MD5 of the challenge keyed "
                          "with the password, in base64 (RFC 2195 §2).") },
  { COMP3, "235", N_("235: Ivanov is authenticated (RFC 4954 §6).") },
  { COMP3, "MAIL FROM", N_("MAIL FROM starts a mail transaction and names the sender, where "
                           "reports of failure go (RFC 5321 §4.1.1.2).") },
  { COMP3, "RCPT TO:<Petrov", N_("One RCPT TO for every recipient (RFC 5321 §4.1.1.3).") },
  { COMP3, "RCPT TO:<Sidirov", N_("There is no user Sidirov on comp3."),
    N_("What will comp3 answer to RCPT TO:<Sidirov@comp3.otd2.constr.org>?"), "250;550;503;251",
    "550", N_("comp3 only accepts mail for its own users.") },
  { COMP3, "550", N_("550: no such mailbox. The transaction goes on for the other recipients; "
                     "comp1 will send Ivanov a bounce for this one (RFC 5321 §4.2.2, "
                     "RFC 3464).") },
  { COMP3, "DATA", N_("DATA: the message itself follows (RFC 5321 §4.1.1.4).") },
  { COMP3, "354", N_("354: send the message, end it with a line holding a single dot.") },
  { COMP3, "C: .", N_("The single dot ends the message; comp3 stores it for Petrov and "
                   "Kuznetsova and answers 250.") },
  { COMP3, "QUIT", N_("QUIT ends the session; comp3 answers 221 and closes the connection "
                      "(RFC 5321 §4.1.1.10).") },
};

static const PochtaLessonNote pop3_notes[] = {
  { COMP3, "+OK", N_("comp3's POP3 server greets Petrov's mail program (RFC 1939 §4). The "
                     "timestamp in angle brackets makes APOP possible.") },
  { COMP3, "APOP", N_("APOP logs in without sending the password: the MD5 of the timestamp and "
                      "the password (RFC 1939 §7).") },
  { COMP3, "STAT", N_("STAT: how many messages, and their size in octets (RFC 1939 §5).") },
  { COMP3, "RETR", N_("RETR sends one message, its lines dot-stuffed, ended by a single dot "
                      "(RFC 1939 §5)."),
    N_("Which status indicator starts a POP3 reply that succeeded?"), "+OK;250;-ERR;+", "+OK",
    N_("POP3 has just two status indicators.") },
  { COMP3, "DELE", N_("DELE marks the message deleted; it is removed at QUIT, in the UPDATE "
                      "state (RFC 1939 §6).") },
  { COMP3, "QUIT", N_("QUIT: the server deletes the marked messages and closes the "
                      "connection.") },
};

static const PochtaLesson relay_lesson = {
  "mta-relay",
  N_("Ivanov's letter through comp1's mail server"),
  N_("Ivanov's mail program hands the letter to comp1; comp1's MTA finds comp3 as the "
     "recipients' mail exchanger, relays it there with AUTH CRAM-MD5, and bounces the "
     "recipient comp3 refuses back to Ivanov."),
  "constr-org",
  1,
  POCHTA_SIMULATION_DEFAULT_START,
  THESIS_UTC_OFFSET,
  submit_thesis_letter,
  relay_notes,
  G_N_ELEMENTS (relay_notes),
};

static const PochtaLesson pop3_lesson = {
  "pop3-fetch",
  N_("Petrov collects his mail over POP3"),
  N_("Ivanov's letter is in Petrov's mailbox on comp3; Petrov's mail program logs in, "
     "retrieves it and deletes it."),
  "constr-org",
  1,
  POCHTA_SIMULATION_DEFAULT_START,
  THESIS_UTC_OFFSET,
  deliver_then_fetch,
  pop3_notes,
  G_N_ELEMENTS (pop3_notes),
};

static const PochtaLesson *const builtin_lessons[] = {
  &relay_lesson,
  &pop3_lesson,
};

const PochtaLesson *const *
pochta_lesson_get_builtin (guint *out_n_lessons)
{
  g_return_val_if_fail (out_n_lessons != NULL, NULL);

  *out_n_lessons = G_N_ELEMENTS (builtin_lessons);
  return builtin_lessons;
}

void
pochta_lesson_entry_free (PochtaLessonEntry *entry)
{
  g_return_if_fail (entry != NULL);

  g_free (entry->id);
  g_free (entry->title);
  g_free (entry);
}

static void
add_entry (GPtrArray *entries, const char *id, const char *title)
{
  PochtaLessonEntry *entry = g_new0 (PochtaLessonEntry, 1);

  entry->id = g_strdup (id);
  entry->title = g_strdup (title);
  g_ptr_array_add (entries, entry);
}

GPtrArray *
pochta_lesson_list_all (void)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) pochta_lesson_entry_free);
  g_auto (GStrv) files = pochta_scenario_list_builtin ();

  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    {
      g_autoptr (PochtaScenario) scenario = pochta_scenario_load_builtin (files[i], NULL, NULL);
      if (scenario != NULL && pochta_scenario_get_kind (scenario) == POCHTA_SCENARIO_KIND_LESSON)
        add_entry (entries, files[i], pochta_scenario_get_title (scenario));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (builtin_lessons); i++)
    add_entry (entries, builtin_lessons[i]->id, _(builtin_lessons[i]->title));
  return entries;
}

const PochtaLesson *
pochta_lesson_find (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (builtin_lessons); i++)
    if (strcmp (builtin_lessons[i]->id, id) == 0)
      return builtin_lessons[i];
  return NULL;
}

/* A match written "C: ..." is for a client line only: the lone dot that
 * ends a message is also a data line of the message a server sends. */
static gboolean
note_matches (const PochtaLessonNote           *note,
              PochtaTranscript                 *transcript,
              const PochtaTranscriptItem       *item)
{
  const char *match = note->match;
  gboolean client_only = g_str_has_prefix (match, "C: ");

  if (item->kind != POCHTA_ITEM_LINE)
    return FALSE;
  if (client_only)
    {
      if (item->direction != POCHTA_DIRECTION_CLIENT)
        return FALSE;
      match += 3;
    }
  if (note->server_host != NULL)
    {
      const PochtaTranscriptConnection *connection =
        pochta_transcript_get_connection (transcript, item->connection);
      if (connection == NULL || g_strcmp0 (connection->server_host, note->server_host) != 0)
        return FALSE;
    }
  gsize match_length = strlen (match);
  if (item->length < match_length || memcmp (item->text, match, match_length) != 0)
    return FALSE;
  /* "." is the whole line, not any line that starts with a dot. */
  return strcmp (match, ".") != 0 || item->length == 1;
}

const PochtaLessonNote *
pochta_lesson_find_note (const PochtaLesson         *lesson,
                         PochtaTranscript           *transcript,
                         const PochtaTranscriptItem *item)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  g_return_val_if_fail (transcript != NULL, NULL);
  g_return_val_if_fail (item != NULL, NULL);

  for (guint n = 0; n < lesson->n_notes; n++)
    {
      const PochtaLessonNote *note = &lesson->notes[n];
      if (!note_matches (note, transcript, item))
        continue;
      /* A note belongs to the first line it matches. */
      gboolean first = TRUE;
      for (guint i = 0; i < item->index && first; i++)
        first = !note_matches (note, transcript, pochta_transcript_get_item (transcript, i));
      if (first)
        return note->text != NULL ? note : NULL;
    }
  return NULL;
}
