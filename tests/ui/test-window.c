/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Pochta window under a real display (Xvfb): it opens on the thesis
 * lesson, plays it to the end through its actions, holds the thesis'
 * lines, steps back by replay, answers quizzes, exports every format,
 * plays the other lessons, opens lesson and network files (and says
 * what is wrong with a broken one), and leaves screenshots of itself in
 * the build directory. */
#define G_LOG_DOMAIN "pochta-test-window"
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "pochta-window.h"
#include "transcript-export.h"

static PochtaApplication *application;

/* The thesis' session as the transcript view numbers it; lines 11 and 12
 * (the CRAM-MD5 challenge and answer) are checked by their start. */
static const char *const thesis_lines[] = {
  "  1  S: 220 comp3.otd2.constr.org Simple Mail Transfer Service Ready",
  "  2  C: EHLO comp1.otd1.constr.org",
  "  3  S: 250-comp3.otd2.constr.org says hello",
  "  4  S: 250-HELP",
  "  5  S: 250-AUTH CRAM-MD5 DIGEST-MD5",
  "  6  S: 250-SIZE 10240000",
  "  7  S: 250-ETRN",
  "  8  S: 250-TURN",
  "  9  S: 250 VRFY",
  " 10  C: AUTH CRAM-MD5",
  " 11  S: 334 ",
  " 12  C: SXZhbm92I",
  " 13  S: 235 Authentication successful",
  " 14  C: MAIL FROM:<Ivanov@comp1.otd1.constr.org>",
  " 15  S: 250 OK",
  " 16  C: VRFY Petrov",
  " 17  S: 250 Ivan Petrov <Petrov@comp3.otd2.constr.org>",
  " 18  C: RCPT TO:<Petrov@comp3.otd2.constr.org>",
  " 19  S: 250 OK",
  " 20  C: RCPT TO:<Kuznetsova@comp3.otd2.constr.org>",
  " 21  S: 250 OK",
  " 22  C: RCPT TO:<Sidirov@comp3.otd2.constr.org>",
  " 23  S: 550 No such user here",
  " 24  C: DATA",
  " 25  S: 354 Start mail input; end with <CRLF>.<CRLF>",
  " 34  C: Hello!",
  " 35  C: Test mail.",
  " 36  C: Ivanov",
  " 37  C: .",
  " 38  S: 250 OK",
  " 39  C: QUIT",
  " 40  S: 221 comp3.otd2.constr.org Service closing transmission channel",
};

/* Runs the main loop for ms milliseconds. */
static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static void
activate_with (PochtaWindow *window, const char *action, GVariant *parameter)
{
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), action));
  g_action_group_activate_action (G_ACTION_GROUP (window), action, parameter);
}

static void
activate (PochtaWindow *window, const char *action)
{
  activate_with (window, action, NULL);
}

/* Ctrl+O's file chooser ends in the window's open-file action. */
static void
open_file (PochtaWindow *window, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = g_filename_to_uri (path, NULL, &error);

  g_assert_no_error (error);
  activate_with (window, "open-file", g_variant_new_string (uri));
  spin (20);
}

static PochtaWindow *
open_window (const char *lesson)
{
  PochtaWindow *window = pochta_window_new (application);
  g_autoptr (GError) error = NULL;

  g_assert_true (pochta_window_load_lesson (window, lesson, &error));
  g_assert_no_error (error);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_widget_show (GTK_WIDGET (window));
  spin (150);
  return window;
}

static void
close_window (PochtaWindow *window)
{
  gtk_widget_destroy (GTK_WIDGET (window));
  spin (20);
}

static char *
transcript_text (PochtaWindow *window)
{
  return pochta_transcript_view_dup_text (pochta_window_get_transcript_view (window));
}

static GtkHeaderBar *
header_bar (PochtaWindow *window)
{
  return GTK_HEADER_BAR (gtk_window_get_titlebar (GTK_WINDOW (window)));
}

/* The header bar's combo box. */
static GtkComboBox *
lesson_picker (PochtaWindow *window)
{
  g_autoptr (GList) children = gtk_container_get_children (GTK_CONTAINER (header_bar (window)));

  for (GList *l = children; l != NULL; l = l->next)
    if (GTK_IS_COMBO_BOX (l->data))
      return l->data;
  g_assert_not_reached ();
}

/* Draws the whole window (header bar included) into a PNG. */
static void
save_screenshot (PochtaWindow *window, const char *name)
{
  GtkWidget *widget = GTK_WIDGET (window);
  GdkWindow *gdk_window = gtk_widget_get_window (widget);
  int width = gdk_window_get_width (gdk_window), height = gdk_window_get_height (gdk_window);
  const char *directory = g_getenv ("G_TEST_BUILDDIR") != NULL ? g_getenv ("G_TEST_BUILDDIR") : ".";
  g_autofree char *path = g_path_is_absolute (name) ? g_strdup (name)
                                                    : g_build_filename (directory, name, NULL);

  spin (100);
  GdkPixbuf *pixbuf = gdk_pixbuf_get_from_window (gdk_window, 0, 0, width, height);
  g_assert_nonnull (pixbuf);
  g_autoptr (GError) error = NULL;
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);
  g_object_unref (pixbuf);
  g_test_message ("screenshot: %s", path);
}

static void
step_to (PochtaWindow *window, guint position)
{
  PochtaLessonPlayer *player = pochta_window_get_player (window);

  while (pochta_lesson_player_get_position (player) < position)
    activate (window, "step");
}

/* Every line of the thesis' session, in order, in the transcript view. */
static void
assert_thesis_lines (const char *text)
{
  const char *at = text;

  for (gsize i = 0; i < G_N_ELEMENTS (thesis_lines); i++)
    {
      const char *found = strstr (at, thesis_lines[i]);
      if (found == NULL)
        g_error ("line %" G_GSIZE_FORMAT " \"%s\" not found in order in:\n%s", i, thesis_lines[i],
                 text);
      at = found + strlen (thesis_lines[i]);
    }
}

static void
test_opens (void)
{
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);

  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, POCHTA_LESSON_THESIS);
  g_assert_nonnull (pochta_lesson_player_get_scenario (player));
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==, 0);
  /* The thesis' 40 lines. */
  g_assert_cmpuint (pochta_lesson_player_get_n_steps (player), ==, 40);
  g_assert_nonnull (pochta_network_map_get_scene (pochta_window_get_map (window)));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "step-back"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "step"));
  g_autofree char *explanation =
    pochta_explanation_pane_dup_text (pochta_window_get_explanation_pane (window));
  g_assert_nonnull (strstr (explanation, "hands Ivanov's letter to comp3.otd2.constr.org"));
  close_window (window);
}

static void
test_plays_to_end (void)
{
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  PochtaNetworkMap *map = pochta_window_get_map (window);

  activate (window, "step");
  /* The greeting is on its way across the map. */
  g_assert_cmpuint (pochta_network_map_get_n_in_flight (map), ==, 1);
  while (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "step"))
    activate (window, "step");
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==,
                    pochta_lesson_player_get_n_steps (player));

  g_autofree char *text = transcript_text (window);
  assert_thesis_lines (text);

  /* The connection, comp1 -> comp3, is on the diagram, an arrow a line. */
  PochtaSequenceView *diagram = pochta_window_get_sequence_view (window);
  g_assert_cmpuint (pochta_sequence_view_get_connection (diagram), ==, 1);
  g_assert_cmpuint (pochta_sequence_view_get_n_arrows (diagram), ==, 40);

  /* comp3 stored the letter for Petrov and Kuznetsova. */
  g_autoptr (GPtrArray) petrov =
    pochta_simulation_dup_mailbox (pochta_lesson_player_get_simulation (player),
                                   "Petrov@comp3.otd2.constr.org", NULL);
  g_assert_cmpuint (petrov->len, ==, 1);

  /* The screenshot shows the 550 on its way, selected and explained. */
  pochta_lesson_player_seek (player, 21);
  g_action_group_activate_action (G_ACTION_GROUP (window), "step", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "step", NULL);
  spin (300);
  save_screenshot (window, g_getenv ("POCHTA_SCREENSHOT") != NULL ? g_getenv ("POCHTA_SCREENSHOT")
                                                                   : "window.png");
  close_window (window);
}

static void
test_step_back (void)
{
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  guint n_steps = pochta_lesson_player_get_n_steps (player);

  step_to (window, 22);
  g_autofree char *before = transcript_text (window);
  activate (window, "step");
  g_autofree char *after = transcript_text (window);
  g_assert_cmpstr (before, !=, after);
  activate (window, "step-back");
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==, 22);
  g_autofree char *back = transcript_text (window);
  g_assert_cmpstr (back, ==, before);

  /* At the end the letter is in Petrov's mailbox; back at the 354, before
   * the lesson step that sends the message, it is not. */
  step_to (window, n_steps);
  PochtaSimulation *simulation = pochta_lesson_player_get_simulation (player);
  g_autoptr (GPtrArray) stored =
    pochta_simulation_dup_mailbox (simulation, "Petrov@comp3.otd2.constr.org", NULL);
  g_assert_cmpuint (stored->len, ==, 1);
  while (pochta_lesson_player_get_position (player) > 25)
    activate (window, "step-back");
  simulation = pochta_lesson_player_get_simulation (player);
  g_autoptr (GPtrArray) none =
    pochta_simulation_dup_mailbox (simulation, "Petrov@comp3.otd2.constr.org", NULL);
  g_assert_cmpuint (none->len, ==, 0);

  activate (window, "restart");
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==, 0);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "step-back"));
  close_window (window);
}

static gboolean
playing (PochtaLessonPlayer *player)
{
  return pochta_lesson_player_get_playing (player);
}

static void
play_until_paused (PochtaWindow *window)
{
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  activate (window, "play-pause");
  g_assert_true (playing (player));
  while (playing (player) && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_false (playing (player));
}

/* Play stops at each checkpoint until it is answered: choices, free
 * text, a wrong answer, and the score. */
static void
test_play_and_quiz (void)
{
  static const struct
  {
    const char *line;     /* the last line shown when play stops */
    const char *answer;
    gboolean right;
  } checkpoints[] = {
    { "C: AUTH CRAM-MD5\n", "CRAM-MD5", TRUE },
    { "C: VRFY Petrov\n", "VRFY Petrov", TRUE },
    { "C: RCPT TO:<Sidirov@comp3.otd2.constr.org>\n", "250", FALSE },
    { "C: QUIT\n", "250 after the dot", TRUE },
  };
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  PochtaExplanationPane *pane = pochta_window_get_explanation_pane (window);
  guint right, answered;

  pochta_lesson_player_set_speed (player, POCHTA_LESSON_PLAYER_MAX_SPEED);
  for (gsize i = 0; i < G_N_ELEMENTS (checkpoints); i++)
    {
      play_until_paused (window);
      g_assert_true (pochta_explanation_pane_has_open_quiz (pane));
      g_autofree char *text = transcript_text (window);
      g_assert_true (g_str_has_suffix (text, checkpoints[i].line));
      /* Not one of the choices: nothing is answered. */
      if (i == 0)
        g_assert_false (pochta_explanation_pane_answer (pane, "LOGIN"));
      g_assert_true (pochta_explanation_pane_answer (pane, checkpoints[i].answer));
      g_assert_false (pochta_explanation_pane_has_open_quiz (pane));
    }
  pochta_explanation_pane_get_score (pane, &right, &answered);
  g_assert_cmpuint (answered, ==, 4);
  g_assert_cmpuint (right, ==, 3);
  g_autofree char *explanation = pochta_explanation_pane_dup_text (pane);
  g_assert_nonnull (strstr (explanation, "Score: 3 of 4"));

  play_until_paused (window);
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==,
                    pochta_lesson_player_get_n_steps (player));
  close_window (window);
}

/* A line selected in the transcript is explained: the lesson's note and
 * the knowledge base's entry. */
static void
test_select_line (void)
{
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  PochtaTranscriptView *view = pochta_window_get_transcript_view (window);

  step_to (window, 30);
  PochtaTranscript *transcript =
    pochta_simulation_get_transcript (pochta_lesson_player_get_simulation (player));
  guint index = G_MAXUINT;
  for (guint i = 0; i < pochta_lesson_player_get_n_shown (player); i++)
    if (pochta_transcript_get_item (transcript, i)->code == 550)
      index = i;
  g_assert_cmpuint (index, !=, G_MAXUINT);
  g_signal_emit_by_name (view, "item-selected", index);
  g_assert_cmpint (pochta_transcript_view_get_selected_item (view), ==, (int) index);
  g_autofree char *text =
    pochta_explanation_pane_dup_text (pochta_window_get_explanation_pane (window));
  g_assert_nonnull (strstr (text, "S: 550 No such user here"));
  /* The lesson's step, the knowledge base's entry. */
  g_assert_nonnull (strstr (text, "the third recipient, Sidirov, has no mailbox on comp3"));
  g_assert_nonnull (strstr (text, "Meaning:"));
  g_assert_nonnull (strstr (text, "RFC 5321"));
  close_window (window);
}

typedef struct
{
  PochtaExportFormat format;
  const char *start;     /* what the file starts with */
  gsize start_length;
} ExportCase;

static void
test_export (void)
{
  static const ExportCase cases[] = {
    { POCHTA_EXPORT_TEXT, "# ", 2 },
    { POCHTA_EXPORT_HTML, "<!DOCTYPE html>", 15 },
    { POCHTA_EXPORT_JSON, "{", 1 },
    { POCHTA_EXPORT_PCAP, "\xd4\xc3\xb2\xa1", 4 },
    { POCHTA_EXPORT_SVG, "<?xml", 5 },
    { POCHTA_EXPORT_PDF, "%PDF-", 5 },
    { POCHTA_EXPORT_PNG, "\x89PNG\r\n\x1a\n", 8 },
  };
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  g_autoptr (GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("pochta-export-XXXXXX", &error);
  g_assert_no_error (error);

  step_to (window, pochta_lesson_player_get_n_steps (player));
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *extension = pochta_export_format_to_string (cases[i].format);
      g_autofree char *name = g_strdup_printf ("transcript.%s", extension);
      g_autofree char *path = g_build_filename (directory, name, NULL);
      g_autoptr (GFile) file = g_file_new_for_path (path);
      g_autofree char *contents = NULL;
      gsize length;

      g_test_message ("export %s", extension);
      g_assert_true (pochta_window_export_to_file (window, cases[i].format, file, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &contents, &length, &error));
      g_assert_cmpuint (length, >, cases[i].start_length);
      g_assert_cmpmem (contents, cases[i].start_length, cases[i].start, cases[i].start_length);
      if (cases[i].format == POCHTA_EXPORT_JSON)
        {
          g_autoptr (PochtaTranscript) back = pochta_transcript_import_json (contents, length, &error);
          g_assert_no_error (error);
          PochtaTranscript *shown =
            pochta_simulation_get_transcript (pochta_lesson_player_get_simulation (player));
          g_assert_cmpuint (pochta_transcript_get_n_items (back), ==,
                            pochta_transcript_get_n_items (shown));
        }
      if (cases[i].format == POCHTA_EXPORT_TEXT || cases[i].format == POCHTA_EXPORT_HTML)
        g_assert_nonnull (g_strstr_len (contents, length, "550 No such user here"));
      if (cases[i].format == POCHTA_EXPORT_SVG)
        g_assert_nonnull (g_strstr_len (contents, length, "<svg"));
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (directory), ==, 0);
  close_window (window);
}

/* Faults a lesson file switches on show on the map: a link cut, a host
 * down. */
static void
test_faults (void)
{
  static const char lesson[] = "[Lesson]\n"
                               "Id=faults\n"
                               "Title=Faults\n"
                               "Network=constr-org\n"
                               "\n"
                               "[Step 01]\n"
                               "Do=fault link-down otd2-backbone on\n"
                               "Do=fault host-down comp4.otd2.constr.org on\n"
                               "\n"
                               "[Step 02]\n"
                               "Connection=comp1.otd1.constr.org -> comp2.otd1.constr.org:25\n"
                               "Expect=220\n";
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) scenario =
    pochta_scenario_load_data (lesson, sizeof lesson - 1, NULL, "C", &error);
  g_assert_no_error (error);

  g_assert_true (pochta_lesson_player_load_scenario (player, scenario, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pochta_lesson_player_get_n_steps (player), ==, 1);
  g_assert_false (pochta_lesson_player_is_link_down (player, "otd2-backbone"));
  activate (window, "step");
  g_assert_true (pochta_lesson_player_is_link_down (player, "otd2-backbone"));
  g_assert_false (pochta_lesson_player_is_link_down (player, "otd1-backbone"));
  g_assert_cmpint (pochta_simulation_get_host_state (pochta_lesson_player_get_simulation (player),
                                                     "comp4.otd2.constr.org"),
                   ==, POCHTA_HOST_STATE_DOWN);
  g_autofree char *text = transcript_text (window);
  g_assert_nonnull (strstr (text, "  1  S: 220 comp2.otd1.constr.org"));
  save_screenshot (window, "window-faults.png");

  /* Back to the start: the faults are gone with the replay. */
  activate (window, "step-back");
  g_assert_false (pochta_lesson_player_is_link_down (player, "otd2-backbone"));
  close_window (window);
}

static gboolean
map_shows_host_down (PochtaWindow *window, const char *host)
{
  PochtaMapScene *scene = pochta_network_map_get_scene (pochta_window_get_map (window));
  g_autofree char *tooltip = pochta_map_scene_describe_host (scene, host);

  g_assert_nonnull (tooltip);
  return strstr (tooltip, "The host is down.") != NULL;
}

static guint
mailbox_size (PochtaWindow *window, const char *mailbox)
{
  PochtaSimulation *simulation =
    pochta_lesson_player_get_simulation (pochta_window_get_player (window));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = pochta_simulation_dup_mailbox (simulation, mailbox, &error);

  g_assert_no_error (error);
  return messages->len;
}

/* relay-by-mx: one, two and three hops by MX; then the hub is down (greyed
 * on the map), comp2's MTA falls back to the backup MX comp1 (an RFC 821
 * receiver: EHLO gets 500, then HELO), which queues the letter until the
 * hub is back.  Stepping back into the outage greys the hub again. */
static void
test_relay_by_mx (void)
{
  static const char *const lines[] = {
    "# comp2.otd1.constr.org relayed: ",
    "# comp3.otd2.constr.org relayed: ",
    "# mail.constr.org relayed: ",
    "# comp2.otd1.constr.org connect-failed: ",
    "C: EHLO comp2.otd1.constr.org\n",
    "S: 500 Syntax error, command unrecognized\n",
    "C: HELO comp2.otd1.constr.org\n",
    "# comp1.otd1.constr.org deferred: ",
    "# comp1.otd1.constr.org relayed: ",
  };
  PochtaWindow *window = open_window ("relay-by-mx");
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  guint n_steps = pochta_lesson_player_get_n_steps (player);
  guint down_from = 0, down_to = 0, refused_at = 0;

  g_assert_nonnull (pochta_lesson_player_get_scenario (player));
  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, "relay-by-mx");
  g_assert_false (map_shows_host_down (window, "mail.constr.org"));
  while (pochta_lesson_player_get_position (player) < n_steps)
    {
      activate (window, "step");
      gboolean down = map_shows_host_down (window, "mail.constr.org");
      if (down && down_from == 0)
        down_from = pochta_lesson_player_get_position (player);
      if (down)
        down_to = pochta_lesson_player_get_position (player);
      g_autofree char *shown = transcript_text (window);
      if (g_str_has_suffix (shown, "  S: 500 Syntax error, command unrecognized\n"))
        refused_at = pochta_lesson_player_get_position (player);
    }
  /* The hub was down for a stretch of the lesson, and is up at its end. */
  g_assert_cmpuint (down_from, >, 0);
  g_assert_cmpuint (down_to, >, down_from + 10);
  g_assert_false (map_shows_host_down (window, "mail.constr.org"));

  g_autofree char *text = transcript_text (window);
  const char *at = text;
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      at = strstr (at, lines[i]);
      if (at == NULL)
        g_error ("\"%s\" not found in order in:\n%s", lines[i], text);
    }
  g_assert_cmpuint (mailbox_size (window, "Smirnov@comp4.otd2.constr.org"), ==, 3);
  g_assert_cmpuint (mailbox_size (window, "Petrov@comp3.otd2.constr.org"), ==, 1);

  /* Step back replays to the step before: back inside the outage the hub
   * is greyed again and the letter not yet delivered; before it, up. */
  while (pochta_lesson_player_get_position (player) > down_to)
    activate (window, "step-back");
  g_assert_true (map_shows_host_down (window, "mail.constr.org"));
  g_assert_cmpuint (mailbox_size (window, "Petrov@comp3.otd2.constr.org"), ==, 0);
  pochta_lesson_player_seek (player, down_from);
  activate (window, "step-back");
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==, down_from - 1);
  g_assert_false (map_shows_host_down (window, "mail.constr.org"));

  /* The screenshot: the hub greyed, the backup MX comp1 refusing EHLO. */
  g_assert_cmpuint (refused_at, >, down_from);
  g_assert_cmpuint (refused_at, <, down_to);
  pochta_lesson_player_seek (player, refused_at - 1);
  activate (window, "step");
  spin (300);
  save_screenshot (window, "window-relay-by-mx.png");
  close_window (window);
}

/* delivery-failures: greylisting's 450, a 550 for one recipient of two
 * and comp2's bounce (a DSN sent with MAIL FROM:<>). */
static void
test_delivery_failures (void)
{
  PochtaWindow *window = open_window ("delivery-failures");
  PochtaLessonPlayer *player = pochta_window_get_player (window);

  step_to (window, pochta_lesson_player_get_n_steps (player));
  g_autofree char *text = transcript_text (window);
  g_assert_nonnull (strstr (text, "S: 450 4.7.1 Greylisted, try again later\n"));
  g_assert_nonnull (strstr (text, "S: 550 5.1.1 No such user here\n"));
  g_assert_nonnull (strstr (text, "# comp2.otd1.constr.org bounced: "));
  g_assert_nonnull (strstr (text, "C: MAIL FROM:<>"));
  close_window (window);
}

/* The transcript from the first line that starts with start. */
static const char *
find_line (const char *text, const char *start)
{
  for (const char *line = text; line != NULL && *line != '\0'; line = strchr (line, '\n'))
    {
      line += *line == '\n';
      const char *body = line + strspn (line, " 0123456789");
      if (g_str_has_prefix (body, start))
        return line;
    }
  return NULL;
}

/* Steps until the transcript's last line is last, with earlier before
 * it. */
static void
step_until (PochtaWindow *window, const char *earlier, const char *last)
{
  PochtaLessonPlayer *player = pochta_window_get_player (window);

  for (;;)
    {
      g_autofree char *text = transcript_text (window);
      if (find_line (text, earlier) != NULL && g_str_has_suffix (text, last))
        return;
      g_assert_cmpuint (pochta_lesson_player_get_position (player), <,
                        pochta_lesson_player_get_n_steps (player));
      activate (window, "step");
    }
}

/* pop3-basics: a POP3 session on port 110 of comp3: STAT refused before
 * login, RETR, DELE, RSET, and QUIT's UPDATE removing the marked
 * message; the sequence diagram shows the POP3 connection. */
static void
test_pop3_basics (void)
{
  static const char *const lines[] = {
    "S: +OK POP3 server ready <",
    "C: STAT",
    "S: -ERR STAT is not valid in the AUTHORIZATION state",
    "C: USER Petrov",
    "C: PASS petrov123",
    "S: +OK Petrov's maildrop has 2 messages (1203 octets)",
    "C: RETR 2",
    "S: ....and one more thing: bring the report.",
    "C: DELE 1",
    "C: RSET",
    "C: QUIT",
    "S: +OK comp3.otd2.constr.org POP3 server signing off (1 message left)",
  };
  PochtaWindow *window = open_window ("pop3-basics");
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  PochtaSequenceView *diagram = pochta_window_get_sequence_view (window);

  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, "pop3-basics");
  /* The lesson's steps run whole: the one before QUIT ends with RSET's
   * STAT, the mailbox as it was; after QUIT's reply DELE's mark is done. */
  step_until (window, "C: RSET\n", "S: +OK 2 1203\n");
  g_assert_cmpuint (mailbox_size (window, "Petrov@comp3.otd2.constr.org"), ==, 2);
  step_until (window, "C: QUIT\n", "S: +OK comp3.otd2.constr.org POP3 server signing off (1 message left)\n");
  g_assert_cmpuint (mailbox_size (window, "Petrov@comp3.otd2.constr.org"), ==, 1);
  PochtaTranscript *transcript =
    pochta_simulation_get_transcript (pochta_lesson_player_get_simulation (player));
  const PochtaTranscriptConnection *connection =
    pochta_transcript_get_connection (transcript, pochta_sequence_view_get_connection (diagram));
  g_assert_nonnull (connection);
  g_assert_cmpint (connection->protocol, ==, POCHTA_PROTOCOL_POP3);
  g_assert_cmpstr (connection->server_host, ==, "comp3.otd2.constr.org");
  g_assert_cmpuint (connection->server_port, ==, 110);
  /* The screenshot: QUIT's reply on its way, after a replay to the line
   * before it so that no other envelope is still in flight. */
  pochta_lesson_player_seek (player, pochta_lesson_player_get_position (player) - 1);
  activate (window, "step");
  spin (300);
  save_screenshot (window, "window-pop3-basics.png");

  step_to (window, pochta_lesson_player_get_n_steps (player));
  g_autofree char *text = transcript_text (window);
  const char *at = text;
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      at = find_line (at, lines[i]);
      if (at == NULL)
        g_error ("\"%s\" not found in order in:\n%s", lines[i], text);
      at = strchr (at, '\n');
    }
  /* The connection dropped after DELE removed nothing. */
  g_assert_cmpuint (mailbox_size (window, "Petrov@comp3.otd2.constr.org"), ==, 1);
  close_window (window);
}

/* The picker lists the lesson files compiled in, and nothing else. */
static void
test_picker (void)
{
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  g_autoptr (GPtrArray) entries = pochta_lesson_list_all ();
  g_auto (GStrv) ids = pochta_scenario_list_builtin ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (entries->len, ==, g_strv_length (ids));
  g_assert_cmpuint (entries->len, >=, 12);
  for (guint i = 0; i < entries->len; i++)
    {
      const PochtaLessonEntry *entry = g_ptr_array_index (entries, i);
      g_assert_cmpstr (entry->id, ==, ids[i]);
      g_assert_nonnull (entry->title);
    }

  /* The lessons once written in C are gone; the window plays on. */
  g_assert_false (pochta_window_load_lesson (window, "mta-relay", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, POCHTA_LESSON_THESIS);
  g_assert_null (pochta_window_dup_error (window));
  activate_with (window, "select-lesson", g_variant_new_string ("pop3-fetch"));
  g_autofree char *shown = pochta_window_dup_error (window);
  g_assert_nonnull (shown);
  g_assert_nonnull (strstr (shown, "There is no lesson “pop3-fetch”."));
  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, POCHTA_LESSON_THESIS);

  activate_with (window, "select-lesson", g_variant_new_string ("relay-by-mx"));
  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, "relay-by-mx");
  g_assert_cmpstr (gtk_combo_box_get_active_id (lesson_picker (window)), ==, "relay-by-mx");
  g_assert_null (pochta_window_dup_error (window));
  close_window (window);
}

static char *
write_file (const char *directory, const char *name, const char *contents)
{
  char *path = g_build_filename (directory, name, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  return path;
}

static void
remove_directory (const char *directory)
{
  g_autoptr (GDir) dir = g_dir_open (directory, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (directory), ==, 0);
}

/* Ctrl+O on a lesson file: it plays in the player as a built-in lesson
 * does (explanations, a quiz Play stops at, Step back), on the network
 * file its Network= names beside it; the picker then shows no lesson, and
 * choosing one there loads it even with the file's id. */
static void
test_open_lesson_file (void)
{
  static const char lesson[] = "[Lesson]\n"
                               "Id=relay-by-mx\n"
                               "Title=A lesson from a file\n"
                               "Summary=Bob's host greets gw.\n"
                               "Network=backup.network\n"
                               "\n"
                               "[Step 01]\n"
                               "Explain=Bob's host opens a connection to gw.\n"
                               "Quiz=What does gw greet it with?\n"
                               "Choices=250;220;554\n"
                               "Answer=220\n"
                               "Connection=sender.example -> gw.corp.test:25\n"
                               "Expect=220\n"
                               "\n"
                               "[Step 02]\n"
                               "Explain=Bob's host says EHLO.\n"
                               "Send=EHLO sender.example\n"
                               "Expect=250\n";
  g_autoptr (GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("pochta-open-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *network = NULL;
  g_assert_true (g_file_get_contents (g_test_get_filename (G_TEST_DIST, "..", "data", "scenarios",
                                                           "backup.network", NULL),
                                      &network, NULL, &error));
  g_assert_no_error (error);
  g_free (write_file (directory, "backup.network", network));
  g_autofree char *path = write_file (directory, "greeting.lesson", lesson);
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  PochtaExplanationPane *pane = pochta_window_get_explanation_pane (window);

  open_file (window, path);
  g_assert_null (pochta_window_dup_error (window));
  g_assert_cmpstr (pochta_lesson_player_get_title (player), ==, "A lesson from a file");
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==, 0);
  g_assert_cmpuint (pochta_lesson_player_get_n_steps (player), >, 2);
  g_autofree char *intro = pochta_explanation_pane_dup_text (pane);
  g_assert_nonnull (strstr (intro, "Bob's host greets gw."));
  g_assert_cmpstr (gtk_header_bar_get_subtitle (header_bar (window)), ==, "A lesson from a file");
  g_assert_null (gtk_combo_box_get_active_id (lesson_picker (window)));

  pochta_lesson_player_set_speed (player, POCHTA_LESSON_PLAYER_MAX_SPEED);
  play_until_paused (window);
  g_assert_true (pochta_explanation_pane_has_open_quiz (pane));
  g_autofree char *text = transcript_text (window);
  g_assert_cmpstr (text, ==,
                   "     Connection 1: sender.example \xe2\x86\x92 gw.corp.test:25 (SMTP)\n"
                   "  1  S: 220 gw.corp.test ESMTP Service ready\n");
  g_autofree char *explanation = pochta_explanation_pane_dup_text (pane);
  g_assert_nonnull (strstr (explanation, "Bob's host opens a connection to gw."));
  g_assert_true (pochta_explanation_pane_answer (pane, "220"));
  step_to (window, pochta_lesson_player_get_n_steps (player));
  g_autofree char *end = transcript_text (window);
  g_assert_nonnull (strstr (end, "  2  C: EHLO sender.example\n"));
  activate (window, "step-back");
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==,
                    pochta_lesson_player_get_n_steps (player) - 1);

  /* The picker's relay-by-mx is the built-in lesson, not the file. */
  gtk_combo_box_set_active_id (lesson_picker (window), "relay-by-mx");
  g_assert_cmpstr (pochta_lesson_player_get_title (player), !=, "A lesson from a file");
  g_assert_cmpstr (pochta_network_get_id (pochta_simulation_get_network (
                     pochta_lesson_player_get_simulation (player))),
                   ==, "constr-org");
  close_window (window);
  remove_directory (directory);
}
/* Ctrl+O on a file that does not load: the window says why, with the
 * loader's file:line:, and goes on playing the lesson it had; the next
 * file that loads takes the message away. */
static void
test_open_errors (void)
{
  static const struct
  {
    const char *name;
    const char *contents;   /* NULL: no such file */
    const char *message;    /* after the directory */
  } cases[] = {
    { "syntax.lesson", "[Lesson]\nId=x\nTitle=X\nNetwork=constr-org\nnot a key\n",
      "syntax.lesson:5: expected Key=value, a [group] or a # comment" },
    { "connection.lesson",
      "[Lesson]\nId=x\nTitle=X\nNetwork=constr-org\n\n[Step 01]\nSend=EHLO x\n",
      "connection.lesson:7: Send= needs a connection" },
    { "network.lesson", "[Lesson]\nId=x\nTitle=X\nNetwork=nowhere.network\n",
      "network.lesson:4: no network 'nowhere.network'" },
    { "scenario.lesson", "[Scenario]\nId=x\nNetwork=constr-org\n\n[Step 01]\nDo=run\n",
      "scenario.lesson is a scenario, not a lesson" },
    { "address.network",
      "[Network]\nId=x\nName=X\nDomain=x.test\n\n[Host a.x.test]\nAddress=not-an-address\n",
      "address.network:7: 'not-an-address' is not an IPv4 address" },
    { "missing.lesson", NULL, "missing.lesson" },
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("pochta-open-XXXXXX", &error);
  g_assert_no_error (error);
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);

  step_to (window, 3);
  g_autofree char *before = transcript_text (window);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = cases[i].contents != NULL
                                ? write_file (directory, cases[i].name, cases[i].contents)
                                : g_build_filename (directory, cases[i].name, NULL);
      g_autofree char *expected = g_build_filename (directory, cases[i].message, NULL);

      g_test_message ("open %s", cases[i].name);
      open_file (window, path);
      g_autofree char *shown = pochta_window_dup_error (window);
      g_assert_nonnull (shown);
      g_assert_true (g_str_has_prefix (shown, "The file could not be opened\n"));
      g_assert_nonnull (strstr (shown, expected));
      if (i == 0)
        save_screenshot (window, "window-open-error.png");
      /* The thesis lesson goes on where it was. */
      g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, POCHTA_LESSON_THESIS);
      g_assert_cmpuint (pochta_lesson_player_get_position (player), ==, 3);
      g_autofree char *after = transcript_text (window);
      g_assert_cmpstr (after, ==, before);
    }
  activate (window, "step");
  g_assert_cmpuint (pochta_lesson_player_get_position (player), ==, 4);

  g_autofree char *good = write_file (directory, "good.lesson",
                                      "[Lesson]\nId=good\nTitle=Good\nNetwork=constr-org\n\n"
                                      "[Step 01]\nDo=connect comp1.otd1.constr.org -> "
                                      "comp3.otd2.constr.org:25\nExpect=220\n");
  open_file (window, good);
  g_assert_null (pochta_window_dup_error (window));
  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, "good");
  close_window (window);
  remove_directory (directory);
}

/* Ctrl+O on a network file: its map, with nothing to play. */
static void
test_open_network_file (void)
{
  PochtaWindow *window = open_window (POCHTA_LESSON_THESIS);
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  const char *path =
    g_test_get_filename (G_TEST_DIST, "..", "data", "scenarios", "backup.network", NULL);

  open_file (window, path);
  g_assert_null (pochta_window_dup_error (window));
  g_assert_null (pochta_lesson_player_get_scenario (player));
  g_assert_null (pochta_lesson_player_get_id (player));
  g_assert_cmpuint (pochta_lesson_player_get_n_steps (player), ==, 0);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "play-pause"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "step"));
  g_assert_cmpstr (gtk_header_bar_get_subtitle (header_bar (window)), ==, "backup.network");
  g_assert_null (gtk_combo_box_get_active_id (lesson_picker (window)));
  PochtaMapScene *scene = pochta_network_map_get_scene (pochta_window_get_map (window));
  g_autofree char *tooltip = pochta_map_scene_describe_host (scene, "gw.corp.test");
  g_assert_nonnull (tooltip);
  g_assert_nonnull (strstr (tooltip, "192.0.2.1"));
  g_autofree char *intro = pochta_explanation_pane_dup_text (pochta_window_get_explanation_pane (window));
  g_assert_nonnull (strstr (intro, "Backup MX"));

  /* Back to a lesson from the picker. */
  gtk_combo_box_set_active_id (lesson_picker (window), POCHTA_LESSON_THESIS);
  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, POCHTA_LESSON_THESIS);
  g_assert_cmpuint (pochta_lesson_player_get_n_steps (player), ==, 40);
  close_window (window);
}

/* A lesson file opened from the source tree plays exactly as the same
 * lesson compiled in. */
static void
test_open_shipped_lesson (void)
{
  const char *path = g_test_get_filename (G_TEST_DIST, "..", "..", "lessons", "pop3-basics.lesson",
                                          NULL);
  PochtaWindow *window = open_window ("pop3-basics");
  PochtaLessonPlayer *player = pochta_window_get_player (window);
  guint n_steps = pochta_lesson_player_get_n_steps (player);

  step_to (window, n_steps);
  g_autofree char *builtin = transcript_text (window);
  open_file (window, path);
  g_assert_null (pochta_window_dup_error (window));
  g_assert_cmpstr (pochta_lesson_player_get_id (player), ==, "pop3-basics");
  g_assert_cmpuint (pochta_lesson_player_get_n_steps (player), ==, n_steps);
  step_to (window, n_steps);
  g_autofree char *from_file = transcript_text (window);
  g_assert_cmpstr (from_file, ==, builtin);
  close_window (window);
}

/* The map: hosts are where a click finds them, and an envelope travels
 * from its host towards the other. */
static void
test_map_scene (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaNetwork) network = pochta_network_load_builtin ("constr-org", &error);
  g_assert_no_error (error);
  g_autoptr (PochtaMapScene) scene = pochta_map_scene_new (network);
  const char *from, *to;

  pochta_map_scene_set_size (scene, 800, 400);
  g_assert_null (pochta_map_scene_host_at (scene, 1, 1));
  gboolean found_comp3 = FALSE;
  for (int y = 0; y < 400 && !found_comp3; y += 4)
    for (int x = 0; x < 800 && !found_comp3; x += 4)
      found_comp3 = g_strcmp0 (pochta_map_scene_host_at (scene, x, y), "comp3.otd2.constr.org") == 0;
  g_assert_true (found_comp3);

  pochta_map_scene_add_envelope (scene, "comp1.otd1.constr.org", "comp3.otd2.constr.org", "DATA",
                                 POCHTA_REPLY_NONE, 0, 1000);
  g_assert_cmpuint (pochta_map_scene_advance (scene, 500), ==, 1);
  g_assert_cmpuint (pochta_map_scene_advance (scene, 1000), ==, 0);
  g_assert_null (pochta_map_scene_envelope_at (scene, 400, 200, &from, &to));

  g_autofree char *tooltip = pochta_map_scene_describe_host (scene, "comp3.otd2.constr.org");
  g_assert_nonnull (strstr (tooltip, "198.51.100.13"));
  g_assert_nonnull (strstr (tooltip, "seed"));
}

/* With no display at all (make test on a server, CI), the tests run
 * themselves again under xvfb-run, as `meson test --setup headless`
 * would; once only. */
static void
rerun_under_xvfb (char **argv)
{
  g_autofree char *xvfb_run = g_find_program_in_path ("xvfb-run");

  if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL
      || g_getenv ("POCHTA_TEST_UNDER_XVFB") != NULL || xvfb_run == NULL)
    return;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_strv_builder_add_many (builder, xvfb_run, "-a", "-s", "-screen 0 1280x1024x24", NULL);
  g_strv_builder_addv (builder, (const char **) argv);
  g_auto (GStrv) command = g_strv_builder_end (builder);
  g_setenv ("POCHTA_TEST_UNDER_XVFB", "1", TRUE);
  execv (xvfb_run, command);
}

int
main (int argc, char **argv)
{
  rerun_under_xvfb (argv);
  pochta_application_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check (&argc, &argv))
    {
      /* TAP's plan for a skipped program. */
      g_print ("1..0 # SKIP no display, and no xvfb-run to make one\n");
      return 0;
    }
  application = pochta_application_new ();
  g_application_set_flags (G_APPLICATION (application), G_APPLICATION_NON_UNIQUE);
  g_autoptr (GError) error = NULL;
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/ui/window/opens", test_opens);
  g_test_add_func ("/ui/window/plays-to-end", test_plays_to_end);
  g_test_add_func ("/ui/window/step-back", test_step_back);
  g_test_add_func ("/ui/window/play-and-quiz", test_play_and_quiz);
  g_test_add_func ("/ui/window/select-line", test_select_line);
  g_test_add_func ("/ui/window/export", test_export);
  g_test_add_func ("/ui/window/faults", test_faults);
  g_test_add_func ("/ui/window/picker", test_picker);
  g_test_add_func ("/ui/window/lesson/relay-by-mx", test_relay_by_mx);
  g_test_add_func ("/ui/window/lesson/delivery-failures", test_delivery_failures);
  g_test_add_func ("/ui/window/lesson/pop3-basics", test_pop3_basics);
  g_test_add_func ("/ui/window/open/lesson", test_open_lesson_file);
  g_test_add_func ("/ui/window/open/shipped-lesson", test_open_shipped_lesson);
  g_test_add_func ("/ui/window/open/network", test_open_network_file);
  g_test_add_func ("/ui/window/open/errors", test_open_errors);
  g_test_add_func ("/ui/map/scene", test_map_scene);
  int status = g_test_run ();
  g_object_unref (application);
  return status;
}
