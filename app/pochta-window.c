/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Pochta window: connects the lesson player to the map, transcript,
 * diagram and explanation, keeps their selection in step, and holds the
 * window's actions (play, step, step back, restart, open, export). */
#define G_LOG_DOMAIN "pochta-window"
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "knowledge.h"
#include "pochta-window.h"

/* An envelope takes most of a step's time to cross, so that one has
 * landed before the next leaves. */
#define ENVELOPE_SHARE 0.85

struct _PochtaWindow
{
  GtkApplicationWindow parent_instance;

  /* Template widgets. */
  GtkHeaderBar *header_bar;
  GtkComboBoxText *lesson_combo;
  GtkImage *play_image;
  GtkButton *play_button;
  GtkAdjustment *speed_adjustment;
  GtkLabel *speed_label;
  PochtaNetworkMap *map;
  PochtaTranscriptView *transcript_view;
  PochtaSequenceView *sequence_view;
  PochtaExplanationPane *explanation_pane;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  GtkInfoBar *message_bar;
  GtkLabel *message_label;

  PochtaLessonPlayer *player;
  char *builtin_id;              /* the picker's lesson; NULL for a file */
  PochtaKnowledge *knowledge;    /* NULL when it failed to load */
  PochtaNetwork *shown_network;  /* the map's; borrowed from the simulation */
  GSettings *settings;
  gboolean filling_combo;
};

G_DEFINE_FINAL_TYPE (PochtaWindow, pochta_window, GTK_TYPE_APPLICATION_WINDOW)

static PochtaTranscript *
current_transcript (PochtaWindow *self)
{
  PochtaSimulation *simulation = pochta_lesson_player_get_simulation (self->player);
  return simulation != NULL ? pochta_simulation_get_transcript (simulation) : NULL;
}

static int
utc_offset (PochtaWindow *self)
{
  return pochta_lesson_player_get_utc_offset (self->player);
}

/* ---- the views ---- */

/* The command a reply answers: the last line with a verb on its
 * connection before it. */
static const PochtaTranscriptItem *
find_command (PochtaTranscript *transcript, const PochtaTranscriptItem *item)
{
  for (guint i = item->index; i > 0; i--)
    {
      const PochtaTranscriptItem *before = pochta_transcript_get_item (transcript, i - 1);
      if (before->kind == POCHTA_ITEM_LINE && before->connection == item->connection
          && before->verb != NULL)
        return before;
    }
  return NULL;
}

static void
explain_item (PochtaWindow *self, const PochtaTranscriptItem *item)
{
  PochtaTranscript *transcript = current_transcript (self);
  const PochtaLessonNote *note = NULL;
  const PochtaKnowledgeEntry *entry = NULL;
  g_autofree char *text = pochta_visible_text (item->text, item->length);
  g_autofree char *heading = NULL;

  if (item->kind == POCHTA_ITEM_LINE)
    {
      /* Translators: "Line 49 · S: 550 No such user here". */
      heading = g_strdup_printf (_("Line %u \xc2\xb7 %s: %s"), item->line_number,
                                 item->direction == POCHTA_DIRECTION_CLIENT ? "C" : "S", text);
      note = pochta_lesson_player_find_note (self->player, item);
      if (self->knowledge != NULL)
        entry = pochta_knowledge_explain_item (self->knowledge, item,
                                               find_command (transcript, item));
    }
  else
    heading = g_strdup_printf ("%s %s: %s", item->host != NULL ? item->host : "",
                               item->event != NULL ? item->event : "", text);
  pochta_explanation_pane_show_line (self->explanation_pane, heading, note, entry);
}

/* Shows item everywhere: its row, its arrow, its path on the map and its
 * explanation. */
static void
select_item (PochtaWindow *self, guint index)
{
  PochtaTranscript *transcript = current_transcript (self);
  if (transcript == NULL || index >= pochta_lesson_player_get_n_shown (self->player))
    return;
  const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, index);
  const PochtaTranscriptConnection *connection =
    pochta_transcript_get_connection (transcript, item->connection);

  pochta_transcript_view_select_item (self->transcript_view, index);
  if (connection != NULL)
    {
      pochta_sequence_view_show (self->sequence_view, transcript,
                                 pochta_lesson_player_get_n_shown (self->player), connection->id);
      pochta_map_scene_set_selected_path (pochta_network_map_get_scene (self->map),
                                          connection->client_host, connection->server_host);
    }
  pochta_map_scene_set_selected_host (pochta_network_map_get_scene (self->map),
                                      item->kind == POCHTA_ITEM_MTA ? item->host : NULL);
  pochta_network_map_update (self->map);
  pochta_sequence_view_set_highlight (self->sequence_view, (int) index);
  explain_item (self, item);
}

static void
select_connection (PochtaWindow *self, guint id)
{
  PochtaTranscript *transcript = current_transcript (self);
  const PochtaTranscriptConnection *connection =
    transcript != NULL ? pochta_transcript_get_connection (transcript, id) : NULL;
  if (connection == NULL)
    return;
  pochta_sequence_view_show (self->sequence_view, transcript,
                             pochta_lesson_player_get_n_shown (self->player), id);
  pochta_sequence_view_set_highlight (self->sequence_view, -1);
  pochta_map_scene_set_selected_path (pochta_network_map_get_scene (self->map),
                                      connection->client_host, connection->server_host);
  pochta_network_map_update (self->map);
}

static void
show_intro (PochtaWindow *self)
{
  const char *title = pochta_lesson_player_get_title (self->player);
  PochtaSimulation *simulation = pochta_lesson_player_get_simulation (self->player);

  if (title != NULL)
    pochta_explanation_pane_show_intro (self->explanation_pane, title,
                                        pochta_lesson_player_get_summary (self->player));
  else if (simulation != NULL)
    pochta_explanation_pane_show_intro (
      self->explanation_pane, pochta_network_get_name (pochta_simulation_get_network (simulation)),
      _("A network file: its map, with no lesson to play."));
}

/* "Petrov 1 · Kuznetsova 1": each mailbox of host and its letters. */
static char *
describe_mail (PochtaSimulation *simulation, const char *host)
{
  PochtaMailStore *store = pochta_simulation_get_store (simulation, host);
  if (store == NULL)
    return NULL;
  g_auto (GStrv) names = pochta_mail_store_dup_mailbox_names (store);
  if (names == NULL || names[0] == NULL)
    return g_strdup (_("no mail yet"));
  GString *out = g_string_new ("\xe2\x9c\x89 ");
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr (GPtrArray) messages = pochta_mail_store_list (store, names[i], NULL);
      g_string_append_printf (out, "%s%s %u", i > 0 ? " \xc2\xb7 " : "", names[i],
                              messages != NULL ? messages->len : 0);
    }
  return g_string_free (out, FALSE);
}

static void
update_hosts (PochtaWindow *self)
{
  PochtaSimulation *simulation = pochta_lesson_player_get_simulation (self->player);
  PochtaMapScene *scene = pochta_network_map_get_scene (self->map);
  if (simulation == NULL || scene == NULL)
    return;

  GPtrArray *hosts = pochta_network_get_hosts (pochta_simulation_get_network (simulation));
  for (guint i = 0; i < hosts->len; i++)
    {
      const PochtaHost *host = g_ptr_array_index (hosts, i);
      g_autofree char *mail = describe_mail (simulation, host->name);
      pochta_map_scene_set_host_mail (scene, host->name, mail);
      pochta_map_scene_set_host_down (scene, host->name,
                                      pochta_simulation_get_host_state (simulation, host->name)
                                        == POCHTA_HOST_STATE_DOWN);
    }
  GPtrArray *links = pochta_network_get_links (pochta_simulation_get_network (simulation));
  for (guint i = 0; i < links->len; i++)
    {
      const PochtaLink *link = g_ptr_array_index (links, i);
      pochta_map_scene_set_link_down (scene, link->id,
                                      pochta_lesson_player_is_link_down (self->player, link->id));
    }
  pochta_network_map_update (self->map);
}

static void
update_progress (PochtaWindow *self)
{
  guint position = pochta_lesson_player_get_position (self->player);
  guint n_steps = pochta_lesson_player_get_n_steps (self->player);
  g_autofree char *text = g_strdup_printf (_("Step %u of %u"), position, n_steps);
  GActionMap *map = G_ACTION_MAP (self);

  gtk_progress_bar_set_fraction (self->progress_bar, n_steps > 0 ? (double) position / n_steps : 0);
  gtk_label_set_text (self->progress_label, text);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "step-back")),
                               position > 0);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "restart")),
                               position > 0);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "step")),
                               position < n_steps);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "play-pause")),
                               n_steps > 0);
}

static void
update_play_button (PochtaWindow *self)
{
  gboolean playing = pochta_lesson_player_get_playing (self->player);

  gtk_image_set_from_icon_name (self->play_image,
                                playing ? "media-playback-pause-symbolic"
                                        : "media-playback-start-symbolic",
                                GTK_ICON_SIZE_BUTTON);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               playing ? _("Pause (Space)") : _("Play (Space)"));
}

static void
update_speed_label (PochtaWindow *self)
{
  /* Translators: the playing speed, steps a second: "1.5×". */
  g_autofree char *text = g_strdup_printf (_("%g\xc3\x97"),
                                           gtk_adjustment_get_value (self->speed_adjustment));
  gtk_label_set_text (self->speed_label, text);
}

/* ---- the player's signals ---- */

static void
on_player_reset (PochtaWindow *self)
{
  PochtaSimulation *simulation = pochta_lesson_player_get_simulation (self->player);
  PochtaNetwork *network = simulation != NULL ? pochta_simulation_get_network (simulation) : NULL;

  pochta_transcript_view_clear (self->transcript_view);
  pochta_sequence_view_show (self->sequence_view, NULL, 0, 0);
  if (network != self->shown_network)
    {
      pochta_network_map_set_network (self->map, network);
      self->shown_network = network;
    }
  pochta_network_map_clear_envelopes (self->map);
  if (pochta_network_map_get_scene (self->map) != NULL)
    {
      pochta_map_scene_set_selected_path (pochta_network_map_get_scene (self->map), NULL, NULL);
      pochta_map_scene_set_selected_host (pochta_network_map_get_scene (self->map), NULL);
    }
  show_intro (self);
}

static void
send_envelope (PochtaWindow *self, PochtaTranscript *transcript, const PochtaTranscriptItem *item)
{
  const PochtaTranscriptConnection *connection =
    pochta_transcript_get_connection (transcript, item->connection);
  if (connection == NULL)
    return;
  gboolean from_client = item->direction == POCHTA_DIRECTION_CLIENT;
  g_autofree char *label = pochta_visible_text (item->text, item->length);
  double step_seconds = 1.0 / pochta_lesson_player_get_speed (self->player);
  PochtaReplyClass reply_class = from_client || item->in_data ? POCHTA_REPLY_NONE
                                                              : item->reply_class;

  pochta_network_map_send (self->map, from_client ? connection->client_host
                                                  : connection->server_host,
                           from_client ? connection->server_host : connection->client_host,
                           label, reply_class,
                           (gint64) (step_seconds * ENVELOPE_SHARE * G_USEC_PER_SEC));
}

static void
on_item_added (PochtaWindow *self, const PochtaTranscriptItem *item)
{
  PochtaTranscript *transcript = current_transcript (self);
  gboolean live = !pochta_lesson_player_is_replaying (self->player);

  pochta_transcript_view_append (self->transcript_view, transcript, item, live);
  if (!live || item->kind != POCHTA_ITEM_LINE)
    return;
  send_envelope (self, transcript, item);
  select_item (self, item->index);
  /* A checkpoint: the student answers before the reply shows. */
  if (pochta_explanation_pane_has_open_quiz (self->explanation_pane))
    pochta_lesson_player_set_playing (self->player, FALSE);
}

/* After a replay, the views show its last line as if it had just been
 * stepped to, without an envelope. */
static void
show_last_line (PochtaWindow *self)
{
  PochtaTranscript *transcript = current_transcript (self);
  guint n_shown = pochta_lesson_player_get_n_shown (self->player);

  for (guint i = n_shown; i > 0 && transcript != NULL; i--)
    if (pochta_transcript_get_item (transcript, i - 1)->kind == POCHTA_ITEM_LINE)
      {
        select_item (self, i - 1);
        return;
      }
  show_intro (self);
}

/* ---- actions ---- */

static void
play_pause_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PochtaWindow *self = user_data;
  pochta_lesson_player_set_playing (self->player, !pochta_lesson_player_get_playing (self->player));
}

static void
step_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PochtaWindow *self = user_data;
  pochta_lesson_player_set_playing (self->player, FALSE);
  pochta_lesson_player_step (self->player);
}

static void
step_back_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PochtaWindow *self = user_data;
  if (pochta_lesson_player_step_back (self->player))
    show_last_line (self);
}

static void
restart_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PochtaWindow *self = user_data;
  pochta_lesson_player_restart (self->player);
  pochta_explanation_pane_reset_score (self->explanation_pane);
  show_intro (self);
}

/* In the window, above the views, rather than in a dialog: the
 * loader's "file:line: ..." stays in sight while the file is mended. */
static void
show_error (PochtaWindow *self, const char *primary, const char *secondary)
{
  g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>\n%s", primary, secondary);

  gtk_label_set_markup (self->message_label, markup);
  gtk_info_bar_set_revealed (self->message_bar, TRUE);
}

static void
hide_error (PochtaWindow *self)
{
  gtk_info_bar_set_revealed (self->message_bar, FALSE);
}

static void
on_message_response (PochtaWindow *self, int response)
{
  if (response == GTK_RESPONSE_CLOSE)
    hide_error (self);
}

static void
select_lesson_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PochtaWindow *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!pochta_window_load_lesson (self, g_variant_get_string (parameter, NULL), &error))
    show_error (self, _("The lesson could not be opened"), error->message);
}

/* The parameter is a URI: a path need not be UTF-8, a GVariant string
 * must. */
static void
open_file_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PochtaWindow *self = user_data;
  g_autoptr (GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));
  g_autoptr (GError) error = NULL;

  if (!pochta_window_open_file (self, file, &error))
    show_error (self, _("The file could not be opened"), error->message);
}

static void
on_open_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  PochtaWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *uri = g_file_get_uri (file);
      g_action_group_activate_action (G_ACTION_GROUP (self), "open-file",
                                      g_variant_new_string (uri));
    }
  g_object_unref (dialog);
}

static void
add_open_filter (GtkFileChooser *chooser, const char *name, const char *const *patterns)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

/* Ctrl+O.  The first filter added, lessons and networks together, is the
 * one the chooser starts with. */
static void
open_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  static const char *const both[] = { "*.lesson", "*.network", NULL };
  static const char *const lessons[] = { "*.lesson", NULL };
  static const char *const networks[] = { "*.network", NULL };
  PochtaWindow *self = user_data;
  GtkFileChooserNative *dialog =
    gtk_file_chooser_native_new (_("Open a Lesson or Network File"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);

  add_open_filter (chooser, _("Lesson and network files"), both);
  add_open_filter (chooser, _("Lesson files"), lessons);
  add_open_filter (chooser, _("Network files"), networks);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static const struct
{
  PochtaExportFormat format;
  const char *name;   /* N_() */
} export_formats[] = {
  { POCHTA_EXPORT_TEXT, N_("Numbered text") },
  { POCHTA_EXPORT_HTML, N_("Annotated HTML") },
  { POCHTA_EXPORT_JSON, N_("JSON transcript") },
  { POCHTA_EXPORT_PCAP, N_("Packet capture (pcap)") },
  { POCHTA_EXPORT_SVG, N_("Sequence diagram (SVG)") },
  { POCHTA_EXPORT_PDF, N_("Sequence diagram (PDF)") },
  { POCHTA_EXPORT_PNG, N_("Sequence diagram (PNG)") },
};

/* The format a chosen name asks for by its extension; else the filter's. */
static PochtaExportFormat
chosen_format (GtkFileChooser *chooser, GFile *file, gboolean *out_by_name)
{
  g_autofree char *name = g_file_get_basename (file);
  const char *dot = strrchr (name, '.');
  PochtaExportFormat format;

  *out_by_name = dot != NULL && pochta_export_format_from_string (dot + 1, &format);
  if (*out_by_name)
    return format;
  GtkFileFilter *filter = gtk_file_chooser_get_filter (chooser);
  return filter != NULL ? GPOINTER_TO_INT (g_object_get_data (G_OBJECT (filter), "format"))
                        : POCHTA_EXPORT_TEXT;
}

static void
on_export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  PochtaWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);
      g_autoptr (GFile) file = gtk_file_chooser_get_file (chooser);
      gboolean by_name;
      PochtaExportFormat format = chosen_format (chooser, file, &by_name);
      if (!by_name)
        {
          g_autofree char *path = g_file_get_path (file);
          g_autofree char *with_extension =
            g_strconcat (path, ".", pochta_export_format_to_string (format), NULL);
          g_object_unref (file);
          file = g_file_new_for_path (with_extension);
        }
      g_autoptr (GError) error = NULL;
      if (!pochta_window_export_to_file (self, format, file, &error))
        show_error (self, _("The transcript could not be exported"), error->message);
    }
  g_object_unref (dialog);
}

/* format < 0: every format, chosen by the filter or the name's extension. */
static void
run_export_dialog (PochtaWindow *self, int format)
{
  GtkFileChooserNative *dialog =
    gtk_file_chooser_native_new (_("Export the Transcript"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);

  gtk_file_chooser_set_do_overwrite_confirmation (chooser, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (export_formats); i++)
    {
      if (format >= 0 && (int) export_formats[i].format != format)
        continue;
      GtkFileFilter *filter = gtk_file_filter_new ();
      g_autofree char *pattern =
        g_strdup_printf ("*.%s", pochta_export_format_to_string (export_formats[i].format));
      gtk_file_filter_set_name (filter, _(export_formats[i].name));
      gtk_file_filter_add_pattern (filter, pattern);
      g_object_set_data (G_OBJECT (filter), "format", GINT_TO_POINTER (export_formats[i].format));
      gtk_file_chooser_add_filter (chooser, filter);
    }
  g_autofree char *name = g_strdup_printf (
    "transcript.%s", pochta_export_format_to_string (format >= 0 ? format : POCHTA_EXPORT_HTML));
  gtk_file_chooser_set_current_name (chooser, name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PochtaExportFormat format;

  if (pochta_export_format_from_string (g_variant_get_string (parameter, NULL), &format))
    run_export_dialog (user_data, (int) format);
}

static void
export_dialog_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  run_export_dialog (user_data, -1);
}

static const GActionEntry window_actions[] = {
  { "play-pause", play_pause_activated },
  { "step", step_activated },
  { "step-back", step_back_activated },
  { "restart", restart_activated },
  { "select-lesson", select_lesson_activated, "s" },
  { "open", open_activated },
  { "open-file", open_file_activated, "s" },
  { "export", export_activated, "s" },
  { "export-dialog", export_dialog_activated },
};

/* ---- the lesson picker ---- */

static void
fill_lesson_combo (PochtaWindow *self)
{
  g_autoptr (GPtrArray) lessons = pochta_lesson_list_all ();

  self->filling_combo = TRUE;
  for (guint i = 0; i < lessons->len; i++)
    {
      const PochtaLessonEntry *entry = g_ptr_array_index (lessons, i);
      gtk_combo_box_text_append (self->lesson_combo, entry->id, entry->title);
    }
  self->filling_combo = FALSE;
}

static void
on_lesson_changed (PochtaWindow *self)
{
  const char *id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->lesson_combo));

  if (self->filling_combo || id == NULL || g_strcmp0 (self->builtin_id, id) == 0)
    return;
  g_action_group_activate_action (G_ACTION_GROUP (self), "select-lesson",
                                  g_variant_new_string (id));
}

/* ---- the window ---- */

static void
save_window_state (PochtaWindow *self)
{
  if (self->settings == NULL)
    return;
  gboolean maximized = gtk_window_is_maximized (GTK_WINDOW (self));
  g_settings_set_boolean (self->settings, "window-maximized", maximized);
  if (!maximized)
    {
      int width, height;
      gtk_window_get_size (GTK_WINDOW (self), &width, &height);
      g_settings_set (self->settings, "window-size", "(ii)", width, height);
    }
}

static void
restore_window_state (PochtaWindow *self)
{
  if (self->settings == NULL)
    return;
  int width, height;
  g_settings_get (self->settings, "window-size", "(ii)", &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_settings_bind (self->settings, "speed", self->speed_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
}

static void
pochta_window_constructed (GObject *object)
{
  PochtaWindow *self = POCHTA_WINDOW (object);
  PochtaApplication *application =
    POCHTA_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr (GError) error = NULL;

  G_OBJECT_CLASS (pochta_window_parent_class)->constructed (object);
  if (application != NULL)
    self->settings = pochta_application_get_settings (application);
  if (self->settings != NULL)
    g_object_ref (self->settings);
  restore_window_state (self);

  g_autofree char *last = self->settings != NULL
                            ? g_settings_get_string (self->settings, "last-lesson")
                            : g_strdup (POCHTA_LESSON_THESIS);
  if (!pochta_window_load_lesson (self, last, &error))
    {
      g_clear_error (&error);
      if (!pochta_window_load_lesson (self, POCHTA_LESSON_THESIS, &error))
        g_warning ("%s", error->message);
    }
}

static void
pochta_window_dispose (GObject *object)
{
  PochtaWindow *self = POCHTA_WINDOW (object);

  if (self->player != NULL)
    {
      pochta_lesson_player_set_playing (self->player, FALSE);
      g_signal_handlers_disconnect_by_data (self->player, self);
    }
  g_clear_object (&self->player);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->knowledge, pochta_knowledge_free);
  G_OBJECT_CLASS (pochta_window_parent_class)->dispose (object);
}

static void
pochta_window_finalize (GObject *object)
{
  PochtaWindow *self = POCHTA_WINDOW (object);

  g_free (self->builtin_id);
  G_OBJECT_CLASS (pochta_window_parent_class)->finalize (object);
}

static gboolean
pochta_window_delete_event (GtkWidget *widget, GdkEventAny *event)
{
  save_window_state (POCHTA_WINDOW (widget));
  return GTK_WIDGET_CLASS (pochta_window_parent_class)->delete_event != NULL
           ? GTK_WIDGET_CLASS (pochta_window_parent_class)->delete_event (widget, event)
           : GDK_EVENT_PROPAGATE;
}

static void
pochta_window_class_init (PochtaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = pochta_window_constructed;
  object_class->dispose = pochta_window_dispose;
  object_class->finalize = pochta_window_finalize;
  widget_class->delete_event = pochta_window_delete_event;

  g_type_ensure (POCHTA_TYPE_NETWORK_MAP);
  g_type_ensure (POCHTA_TYPE_TRANSCRIPT_VIEW);
  g_type_ensure (POCHTA_TYPE_SEQUENCE_VIEW);
  g_type_ensure (POCHTA_TYPE_EXPLANATION_PANE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pochta/Pochta/ui/pochta-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, lesson_combo);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, play_image);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, speed_adjustment);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, speed_label);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, map);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, transcript_view);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, sequence_view);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, explanation_pane);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, message_bar);
  gtk_widget_class_bind_template_child (widget_class, PochtaWindow, message_label);
}

static void
on_host_activated (PochtaWindow *self, const char *host)
{
  PochtaMapScene *scene = pochta_network_map_get_scene (self->map);
  g_autofree char *description = pochta_map_scene_describe_host (scene, host);
  g_autofree char *plain = NULL;

  pochta_map_scene_set_selected_host (scene, host);
  pochta_network_map_update (self->map);
  if (description != NULL && pango_parse_markup (description, -1, 0, NULL, &plain, NULL, NULL))
    {
      /* The heading is the host's name, the rest its details. */
      char *newline = strchr (plain, '\n');
      if (newline != NULL)
        *newline = '\0';
      pochta_explanation_pane_show_intro (self->explanation_pane, plain,
                                          newline != NULL ? newline + 1 : "");
    }
}

/* The newest connection from one host to the other that is shown. */
static void
on_path_activated (PochtaWindow *self, const char *from, const char *to)
{
  PochtaTranscript *transcript = current_transcript (self);
  if (transcript == NULL)
    return;
  for (guint id = pochta_transcript_get_n_connections (transcript); id > 0; id--)
    {
      const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, id);
      if ((g_strcmp0 (c->client_host, from) == 0 && g_strcmp0 (c->server_host, to) == 0)
          || (g_strcmp0 (c->client_host, to) == 0 && g_strcmp0 (c->server_host, from) == 0))
        {
          select_connection (self, id);
          return;
        }
    }
}

static void
on_transcript_item_selected (PochtaWindow *self, guint index)
{
  select_item (self, index);
}

static void
pochta_window_init (PochtaWindow *self)
{
  g_autoptr (GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->knowledge = pochta_knowledge_load_builtin (NULL, &error);
  if (self->knowledge == NULL)
    g_warning ("The knowledge base did not load: %s", error->message);

  g_action_map_add_action_entries (G_ACTION_MAP (self), window_actions,
                                   G_N_ELEMENTS (window_actions), self);
  self->player = pochta_lesson_player_new ();
  g_signal_connect_swapped (self->player, "reset", G_CALLBACK (on_player_reset), self);
  g_signal_connect_swapped (self->player, "item-added", G_CALLBACK (on_item_added), self);
  g_signal_connect_swapped (self->player, "changed", G_CALLBACK (update_hosts), self);
  g_signal_connect_swapped (self->player, "notify::position", G_CALLBACK (update_progress), self);
  g_signal_connect_swapped (self->player, "notify::n-steps", G_CALLBACK (update_progress), self);
  g_signal_connect_swapped (self->player, "notify::playing", G_CALLBACK (update_play_button),
                            self);
  g_object_bind_property (self->speed_adjustment, "value", self->player, "speed",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_signal_connect_swapped (self->speed_adjustment, "value-changed",
                            G_CALLBACK (update_speed_label), self);
  update_speed_label (self);

  g_signal_connect_swapped (self->transcript_view, "item-selected",
                            G_CALLBACK (on_transcript_item_selected), self);
  g_signal_connect_swapped (self->transcript_view, "connection-selected",
                            G_CALLBACK (select_connection), self);
  g_signal_connect_swapped (self->sequence_view, "item-selected",
                            G_CALLBACK (on_transcript_item_selected), self);
  g_signal_connect_swapped (self->map, "host-activated", G_CALLBACK (on_host_activated), self);
  g_signal_connect_swapped (self->map, "path-activated", G_CALLBACK (on_path_activated), self);

  g_signal_connect_swapped (self->message_bar, "response", G_CALLBACK (on_message_response),
                            self);

  fill_lesson_combo (self);
  g_signal_connect_swapped (self->lesson_combo, "changed", G_CALLBACK (on_lesson_changed), self);
  update_progress (self);
}

PochtaWindow *
pochta_window_new (PochtaApplication *application)
{
  g_return_val_if_fail (POCHTA_IS_APPLICATION (application), NULL);
  return g_object_new (POCHTA_TYPE_WINDOW, "application", application, NULL);
}

/* The header bar, the picker and the explanation after the player
 * loaded something new; builtin_id is the picker's lesson, or NULL. */
static void
show_loaded (PochtaWindow *self, const char *builtin_id, const char *subtitle)
{
  g_free (self->builtin_id);
  self->builtin_id = g_strdup (builtin_id);
  hide_error (self);
  pochta_explanation_pane_reset_score (self->explanation_pane);
  show_intro (self);
  gtk_header_bar_set_subtitle (self->header_bar, subtitle);
  self->filling_combo = TRUE;
  if (builtin_id != NULL)
    gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->lesson_combo), builtin_id);
  else
    gtk_combo_box_set_active (GTK_COMBO_BOX (self->lesson_combo), -1);
  self->filling_combo = FALSE;
}

gboolean
pochta_window_load_lesson (PochtaWindow *self, const char *id, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autoptr (PochtaScenario) lesson = pochta_lesson_load_builtin (id, error);
  if (lesson == NULL || !pochta_lesson_player_load_scenario (self->player, lesson, error))
    return FALSE;
  show_loaded (self, id, pochta_lesson_player_get_title (self->player));
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-lesson", id);
  return TRUE;
}

/* A network file by its extension, as the file chooser's filters name
 * them; anything else is read as a lesson file. */
static gboolean
is_network_file (const char *path)
{
  return g_str_has_suffix (path, ".network");
}

static gboolean
load_file (PochtaWindow *self, const char *path, GError **error)
{
  if (is_network_file (path))
    return pochta_lesson_player_load_network (self->player, path, error);
  g_autoptr (PochtaScenario) lesson = pochta_lesson_load_file (path, error);
  return lesson != NULL && pochta_lesson_player_load_scenario (self->player, lesson, error);
}

gboolean
pochta_window_open_file (PochtaWindow *self, GFile *file, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autofree char *path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only local files can be opened."));
      return FALSE;
    }
  if (!load_file (self, path, error))
    return FALSE;
  const char *title = pochta_lesson_player_get_title (self->player);
  g_autofree char *name = g_file_get_basename (file);
  show_loaded (self, NULL, title != NULL ? title : name);
  return TRUE;
}

char *
pochta_window_dup_error (PochtaWindow *self)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), NULL);

  if (!gtk_info_bar_get_revealed (self->message_bar))
    return NULL;
  return g_strdup (gtk_label_get_text (self->message_label));
}

gboolean
pochta_window_export_to_file (PochtaWindow       *self,
                              PochtaExportFormat  format,
                              GFile              *file,
                              GError            **error)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  PochtaTranscript *transcript = current_transcript (self);
  if (transcript == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is no transcript."));
      return FALSE;
    }
  g_autoptr (PochtaKnowledgeExplainer) explainer =
    self->knowledge != NULL ? pochta_knowledge_explainer_new (self->knowledge, transcript) : NULL;
  PochtaExportOptions options = {
    .utc_offset_minutes = utc_offset (self),
    .title = pochta_lesson_player_get_title (self->player),
    .explain = explainer != NULL ? pochta_knowledge_explainer_explain : NULL,
    .explain_data = explainer,
    .connection = pochta_sequence_view_get_connection (self->sequence_view),
  };
  /* The diagram's heading names its connection unless a lesson titles it. */
  if (format == POCHTA_EXPORT_SVG || format == POCHTA_EXPORT_PDF || format == POCHTA_EXPORT_PNG)
    options.title = NULL;
  g_autoptr (GBytes) bytes = pochta_transcript_export (transcript, format, &options, error);
  if (bytes == NULL)
    return FALSE;
  return g_file_replace_contents (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL,
                                  error);
}

PochtaLessonPlayer *
pochta_window_get_player (PochtaWindow *self)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), NULL);
  return self->player;
}

PochtaNetworkMap *
pochta_window_get_map (PochtaWindow *self)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), NULL);
  return self->map;
}

PochtaTranscriptView *
pochta_window_get_transcript_view (PochtaWindow *self)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), NULL);
  return self->transcript_view;
}

PochtaSequenceView *
pochta_window_get_sequence_view (PochtaWindow *self)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), NULL);
  return self->sequence_view;
}

PochtaExplanationPane *
pochta_window_get_explanation_pane (PochtaWindow *self)
{
  g_return_val_if_fail (POCHTA_IS_WINDOW (self), NULL);
  return self->explanation_pane;
}
