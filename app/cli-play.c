/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `pochta-cli play`: plays a lesson or scenario in the terminal, step by
 * step, on the simulated network; with no argument, the thesis session
 * (lessons/seed-session.lesson), numbered in the thesis' notation. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-private.h"
#include "scenario-runner.h"
#include "transcript-export.h"

#define THESIS_LESSON "seed-session"
/* Explanations are wrapped to fit a terminal of 80 columns. */
#define TEXT_WIDTH 76

typedef struct
{
  gboolean all;             /* --all: no pauses, no questions */
  gboolean interactive;     /* stdin is a terminal: pause between steps */
  gboolean input_ended;     /* stdin ran out: ask no more */
  guint n_quizzes;
  guint n_right;
} Player;

/* Prints text in lines of at most TEXT_WIDTH characters, the first
 * starting with indent spaces and the others with hang more (for list
 * items); a newline in the text starts a new paragraph. */
static void
print_hanging (const char *text, int indent, int hang)
{
  g_auto (GStrv) paragraphs = g_strsplit (text, "\n", -1);
  for (guint p = 0; paragraphs[p] != NULL; p++)
    {
      g_auto (GStrv) words = g_strsplit (paragraphs[p], " ", -1);
      glong column = 0;
      gboolean first_line = TRUE;
      for (guint w = 0; words[w] != NULL; w++)
        {
          glong len = g_utf8_strlen (words[w], -1);
          if (len == 0)
            continue;
          if (column > 0 && column + 1 + len > TEXT_WIDTH - indent)
            {
              g_print ("\n");
              column = 0;
              first_line = FALSE;
            }
          g_print ("%*s%s", column > 0 ? 1 : first_line ? indent : indent + hang, "", words[w]);
          column += (column == 0 ? 0 : 1) + len;
        }
      g_print ("\n");
    }
}

static void
print_wrapped (const char *text, int indent)
{
  print_hanging (text, indent, 0);
}

static void
print_header (PochtaScenario *scenario)
{
  const char *title = pochta_scenario_get_title (scenario);
  const char *summary = pochta_scenario_get_summary (scenario);
  const char *const *objectives = pochta_scenario_get_objectives (scenario);

  g_print ("%s\n", title != NULL ? title : pochta_scenario_get_id (scenario));
  if (summary != NULL)
    print_wrapped (summary, 0);
  if (objectives != NULL && objectives[0] != NULL)
    {
      g_print ("\n%s\n", _("You will:"));
      for (guint i = 0; objectives[i] != NULL; i++)
        {
          g_autofree char *item = g_strconcat ("- ", objectives[i], NULL);
          print_hanging (item, 2, 2);
        }
    }
}

/* A line from stdin without its newline; NULL at its end. */
static char *
read_answer (Player *player)
{
  char buffer[512];
  if (player->input_ended || fgets (buffer, sizeof buffer, stdin) == NULL)
    {
      player->input_ended = TRUE;
      return NULL;
    }
  return g_strchomp (g_strdup (buffer));
}

static const char *
correct_choice (const PochtaScenarioStep *step)
{
  return step->answer >= 0 ? step->choices[step->answer] : step->answer_text;
}

/* A quiz asks about what the step is about to show. */
static void
ask_quiz (Player *player, const PochtaScenarioStep *step)
{
  g_autofree char *question = g_strconcat (_("Quiz:"), " ", step->quiz, NULL);
  g_print ("\n");
  print_wrapped (question, 0);
  for (guint i = 0; step->choices != NULL && step->choices[i] != NULL; i++)
    g_print ("  %u) %s\n", i + 1, step->choices[i]);
  g_autofree char *answer = NULL;
  if (!player->all && !player->input_ended)
    {
      g_print ("%s ", _("Your answer:"));
      fflush (stdout);
      answer = read_answer (player);
      if (answer == NULL)
        g_print ("\n");
    }
  /* --all, or stdin has ended: show the answer and ask no more. */
  if (answer == NULL)
    {
      if (correct_choice (step) != NULL)
        g_print (_("Answer: %s\n"), correct_choice (step));
      return;
    }

  player->n_quizzes++;
  if (pochta_scenario_step_check_answer (step, answer))
    {
      player->n_right++;
      g_print ("%s\n", _("Right."));
      return;
    }
  if (correct_choice (step) != NULL)
    g_print (_("Not quite: the answer is %s.\n"), correct_choice (step));
  else
    g_print ("%s\n", _("Not quite."));
  if (step->hint != NULL)
    g_print ("%s %s\n", _("Hint:"), step->hint);
}

static void
wait_for_enter (Player *player)
{
  if (player->all || !player->interactive || player->input_ended)
    return;
  g_print ("%s", _("[Enter] "));
  fflush (stdout);
  /* Only the Enter matters; what was typed before it is dropped. */
  g_free (read_answer (player));
}

static void
play_step (Player *player, PochtaScenarioRunner *runner, guint index)
{
  PochtaScenario *scenario = pochta_scenario_runner_get_scenario (runner);
  const PochtaScenarioStep *step = pochta_scenario_runner_get_step (runner, index);

  g_print ("\n");
  g_print (_("[Step %u of %u]\n"), index + 1, pochta_scenario_runner_get_n_steps (runner));
  if (step->explain != NULL)
    print_wrapped (step->explain, 0);
  if (step->quiz != NULL)
    ask_quiz (player, step);
  if (step->explain != NULL || step->quiz != NULL)
    g_print ("\n");

  pochta_scenario_runner_next_step (runner);
  const PochtaStepResult *result = pochta_scenario_runner_get_result (runner, index);
  cli_print_items (pochta_simulation_get_transcript (pochta_scenario_runner_get_simulation (runner)),
                   result->first_item, result->end_item, pochta_scenario_get_utc_offset (scenario));
  if (!result->passed)
    g_printerr ("%s\n", result->failure);
}

/* What each RCPT TO got, and whether the message then went through: the
 * reply after the lone dot (RFC 5321 §4.1.1.4).  Replies answer the lines
 * that await one in order, which also holds for a pipelined group
 * (RFC 2920 §3.1): every command or SASL answer, and the dot that ends
 * the content. */
static void
print_recipients (PochtaTranscript *transcript, guint connection_id)
{
  const PochtaTranscriptConnection *connection = pochta_transcript_get_connection (transcript, connection_id);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) replies = g_ptr_array_new ();
  const PochtaTranscriptItem *final_reply = NULL;
  GQueue awaiting = G_QUEUE_INIT;   /* of client items, oldest first */

  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind != POCHTA_ITEM_LINE || item->connection != connection_id)
        continue;
      if (item->direction == POCHTA_DIRECTION_CLIENT)
        {
          gboolean is_dot = item->in_data && item->length == 1 && item->text[0] == '.';
          if (!item->in_data || is_dot)
            g_queue_push_tail (&awaiting, (gpointer) item);
          continue;
        }
      /* Only the last line of a multi-line reply ("250-..." goes on,
       * "250 ..." ends it; RFC 5321 §4.2.1) answers anything. */
      if (item->length > 3 && item->text[3] == '-')
        continue;
      const PochtaTranscriptItem *asked = g_queue_pop_head (&awaiting);
      if (asked == NULL)
        continue;   /* the greeting answers no line */
      if (asked->in_data)
        final_reply = item;
      else if (g_strcmp0 (asked->verb, "RCPT") == 0)
        {
          const char *open = memchr (asked->text, '<', asked->length);
          const char *close = open != NULL ? memchr (open, '>', asked->length - (gsize) (open - asked->text)) : NULL;
          if (close != NULL)
            {
              g_ptr_array_add (names, g_strndup (open + 1, (gsize) (close - open - 1)));
              g_ptr_array_add (replies, (gpointer) item);
            }
        }
    }
  g_queue_clear (&awaiting);
  if (names->len == 0)
    return;

  g_print ("\n");
  g_print (_("Recipients (%s -> %s):\n"), connection->client_host, connection->server_host);
  for (guint i = 0; i < names->len; i++)
    {
      const PochtaTranscriptItem *reply = g_ptr_array_index (replies, i);
      const char *verdict = reply->reply_class == POCHTA_REPLY_TRANSIENT   ? _("deferred")
                            : reply->reply_class == POCHTA_REPLY_PERMANENT ? _("refused")
                            : final_reply != NULL && final_reply->reply_class == POCHTA_REPLY_POSITIVE
                              ? _("delivered")
                              : _("not sent");
      g_print ("  %-36s %-10s %.*s\n", (const char *) g_ptr_array_index (names, i), verdict, (int) reply->length,
               reply->text);
    }
}

/* The messages in the users' mailboxes at the end, as the hosts stored
 * them (Return-Path: and Received: on top, RFC 5321 §4.4). */
static void
print_mailboxes (PochtaSimulation *simulation, gboolean show_message)
{
  GPtrArray *users = pochta_directory_get_users (pochta_network_get_directory (pochta_simulation_get_network (simulation)));
  guint n_shown = 0;

  for (guint u = 0; u < users->len; u++)
    {
      const PochtaUser *user = g_ptr_array_index (users, u);
      g_autofree char *mailbox = pochta_user_dup_mailbox (user);
      g_autoptr (GPtrArray) messages = pochta_simulation_dup_mailbox (simulation, mailbox, NULL);
      for (guint i = 0; messages != NULL && i < messages->len; i++)
        {
          gsize size;
          const char *data = g_bytes_get_data (g_ptr_array_index (messages, i), &size);
          g_print ("\n");
          g_print (_("%s holds a message for %s (%" G_GSIZE_FORMAT " octets, Return-Path: and Received: added on top).\n"),
                   user->host, user->login, size);
          n_shown++;
          if (!show_message)
            continue;
          /* The store keeps CRLF, as on the wire; a terminal wants LF. */
          g_autofree char *text = g_strndup (data, size);
          g_auto (GStrv) lines = g_strsplit (text, "\r\n", -1);
          g_autofree char *joined = g_strjoinv ("\n", lines);
          g_print ("\n%s", joined);
        }
    }
  if (!show_message && n_shown > 0)
    g_print ("%s\n", _("Run `pochta-cli play --show-message` to see the messages as stored."));
}

static void
print_outcome (PochtaScenarioRunner *runner, gboolean show_message)
{
  PochtaSimulation *simulation = pochta_scenario_runner_get_simulation (runner);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);

  for (guint id = 1; id <= pochta_transcript_get_n_connections (transcript); id++)
    if (pochta_transcript_get_connection (transcript, id)->protocol == POCHTA_PROTOCOL_SMTP)
      print_recipients (transcript, id);
  print_mailboxes (simulation, show_message);
}

static gboolean
export_transcript (PochtaScenarioRunner *runner, PochtaExportFormat format, const char *path, GError **error)
{
  PochtaScenario *scenario = pochta_scenario_runner_get_scenario (runner);
  PochtaExportOptions options = {
    .utc_offset_minutes = pochta_scenario_get_utc_offset (scenario),
    .title = pochta_scenario_get_title (scenario),
  };
  PochtaTranscript *transcript = pochta_simulation_get_transcript (pochta_scenario_runner_get_simulation (runner));
  g_autoptr (GBytes) bytes = pochta_transcript_export (transcript, format, &options, error);
  if (bytes == NULL)
    return FALSE;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  return g_file_set_contents (path, data, (gssize) size, error);
}

int
cli_play (int argc, char **argv)
{
  gint64 seed = -1;
  gboolean show_message = FALSE;
  gboolean all = FALSE;
  g_autofree char *lang = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_("Run every step without stopping or asking"), NULL },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, N_("Language of the lesson's texts: ru or en"), N_("LANG") },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed,
      N_("Seed of the generator that makes challenges and ids (default: the lesson's)"), N_("N") },
    { "show-message", 'm', 0, G_OPTION_ARG_NONE, &show_message,
      N_("Print the messages as the hosts stored them"), NULL },
    { "export", 'e', 0, G_OPTION_ARG_STRING, &format_name,
      N_("Also write the transcript: txt, json, html, pcap, svg, pdf or png"), N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("The file --export writes"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_("[FILE|ID]"));
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Plays a lesson or scenario on the simulated network, step by step:\n"
                                  "Enter goes on, quizzes read their answer from stdin, and a score\n"
                                  "ends the lesson.  With no argument, the thesis' SMTP session:\n"
                                  "comp1.otd1.constr.org hands Ivanov's letter to comp3.otd2.constr.org,\n"
                                  "authenticating with CRAM-MD5, numbered as in the thesis."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error ("play", error->message);
  if (argc > 2)
    return cli_usage_error ("play", _("play takes one lesson or scenario at most"));
  const char *language;
  if (!cli_lesson_language (lang, &language))
    return cli_usage_error ("play", _("--lang is ru or en"));
  if (lang != NULL)
    cli_use_language (lang);
  if (seed < -1 || seed > G_MAXUINT32)
    return cli_usage_error ("play", _("--seed is a number from 0 to 4294967295"));
  PochtaExportFormat format = POCHTA_EXPORT_TEXT;
  if ((format_name == NULL) != (output == NULL))
    return cli_usage_error ("play", _("--export and -o go together"));
  if (format_name != NULL && !pochta_export_format_from_string (format_name, &format))
    return cli_usage_error ("play", _("--export is one of txt, json, html, pcap, svg, pdf, png"));

  g_autoptr (PochtaScenario) scenario = cli_load_scenario (argc > 1 ? argv[1] : THESIS_LESSON, language, &error);
  if (scenario == NULL)
    {
      g_printerr ("pochta-cli play: %s\n", error->message);
      return 1;
    }
  g_autoptr (PochtaScenarioRunner) runner = pochta_scenario_runner_new (scenario, &error);
  if (runner == NULL || (seed >= 0 && !pochta_scenario_runner_set_seed (runner, (guint32) seed, &error)))
    {
      g_printerr ("pochta-cli play: %s\n", error->message);
      return 1;
    }

  Player player = { .all = all, .interactive = isatty (STDIN_FILENO) };
  print_header (scenario);
  for (guint i = 0; i < pochta_scenario_runner_get_n_steps (runner); i++)
    {
      if (i > 0)
        wait_for_enter (&player);
      play_step (&player, runner, i);
    }
  print_outcome (runner, show_message);
  if (player.n_quizzes > 0)
    {
      g_print ("\n");
      g_print (_("Score: %u of %u questions answered right.\n"), player.n_right, player.n_quizzes);
    }
  if (output != NULL && !export_transcript (runner, format, output, &error))
    {
      g_printerr ("pochta-cli play: %s: %s\n", output, error->message);
      return 1;
    }
  return pochta_scenario_runner_get_n_failures (runner) == 0 ? 0 : 1;
}
