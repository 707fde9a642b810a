/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Pochta application: its actions and accelerators, the style sheet,
 * the settings, and a window on activation. */
#define G_LOG_DOMAIN "pochta-application"
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "pochta-application.h"
#include "pochta-window.h"
#include "scenario.h"

struct _PochtaApplication
{
  GtkApplication parent_instance;

  GSettings *settings;
  char *lesson;   /* --lesson: an id or a file, or NULL */
};

G_DEFINE_FINAL_TYPE (PochtaApplication, pochta_application, GTK_TYPE_APPLICATION)

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *application = user_data;
  const char *authors[] = { "The Pochta authors", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (application),
                         "program-name", _("Pochta"),
                         "logo-icon-name", POCHTA_APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("A laboratory for the mail protocols SMTP and POP3"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         /* Translators: your names, one a line. */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry application_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

static const struct
{
  const char *action;
  const char *accels[3];
} accelerators[] = {
  { "win.play-pause", { "space", NULL } },
  { "win.step", { "Right", NULL } },
  { "win.step-back", { "Left", NULL } },
  { "win.restart", { "Home", NULL } },
  { "win.open", { "<Control>o", NULL } },
  { "win.export-dialog", { "<Control>e", NULL } },
  { "win.show-help-overlay", { "F1", "<Control>question", NULL } },
  { "app.quit", { "<Control>q", NULL } },
};

static void
load_style (void)
{
  g_autoptr (GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (provider, "/io/github/pochta/Pochta/ui/style.css");
  gtk_style_context_add_provider_for_screen (gdk_screen_get_default (),
                                             GTK_STYLE_PROVIDER (provider),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* The schema is installed with the application; an uninstalled build
 * finds it through GSETTINGS_SCHEMA_DIR (make run and the tests set it). */
static GSettings *
open_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema =
    source != NULL ? g_settings_schema_source_lookup (source, POCHTA_APPLICATION_ID, TRUE) : NULL;

  if (schema == NULL)
    {
      g_message ("The settings schema %s is not installed: nothing will be remembered.",
                 POCHTA_APPLICATION_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
pochta_application_startup (GApplication *application)
{
  PochtaApplication *self = POCHTA_APPLICATION (application);

  G_APPLICATION_CLASS (pochta_application_parent_class)->startup (application);
  g_set_application_name (_("Pochta"));
  gtk_window_set_default_icon_name (POCHTA_APPLICATION_ID);
  self->settings = open_settings ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), application_actions,
                                   G_N_ELEMENTS (application_actions), self);
  for (gsize i = 0; i < G_N_ELEMENTS (accelerators); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accelerators[i].action,
                                           accelerators[i].accels);
  load_style ();
}

/* A built-in lesson's id is a bare word ("relay-by-mx"); a path or a
 * name with the extension of a lesson or network file is a file. */
static gboolean
names_file (const char *argument)
{
  return strchr (argument, G_DIR_SEPARATOR) != NULL || g_str_has_suffix (argument, ".lesson")
         || g_str_has_suffix (argument, ".network")
         || g_file_test (argument, G_FILE_TEST_IS_REGULAR);
}

static gboolean
open_lesson_argument (PochtaWindow *window, const char *argument, GError **error)
{
  if (!names_file (argument))
    return pochta_window_load_lesson (window, argument, error);
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (argument);
  return pochta_window_open_file (window, file, error);
}

static void
pochta_application_activate (GApplication *application)
{
  PochtaApplication *self = POCHTA_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));
  g_autoptr (GError) error = NULL;

  if (window == NULL)
    window = GTK_WINDOW (pochta_window_new (self));
  if (self->lesson != NULL && !open_lesson_argument (POCHTA_WINDOW (window), self->lesson, &error))
    g_printerr ("pochta: %s\n", error->message);
  gtk_window_present (window);
}

static int
pochta_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  PochtaApplication *self = POCHTA_APPLICATION (application);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("pochta %s\n", PACKAGE_VERSION);
      return 0;
    }
  g_variant_dict_lookup (options, "lesson", "^ay", &self->lesson);
  return -1;
}

static void
pochta_application_dispose (GObject *object)
{
  PochtaApplication *self = POCHTA_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->lesson, g_free);
  G_OBJECT_CLASS (pochta_application_parent_class)->dispose (object);
}

static void
pochta_application_class_init (PochtaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = pochta_application_dispose;
  application_class->startup = pochta_application_startup;
  application_class->activate = pochta_application_activate;
  application_class->handle_local_options = pochta_application_handle_local_options;
}

static const GOptionEntry options[] = {
  { "lesson", 'l', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Open this lesson: a built-in lesson's id, or a lesson or network file"), N_("ID|FILE") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

/* The ids --lesson takes, as the lessons compiled in name them, under
 * the options of --help: indented, wrapped to a terminal's 80 columns. */
static char *
describe_builtin_lessons (void)
{
  const gsize width = 78;
  g_auto (GStrv) ids = pochta_scenario_list_builtin ();
  /* Translators: a heading; the lessons' ids follow it, not translated. */
  GString *out = g_string_new (_("Built-in lessons:"));
  gsize line_start = out->len;

  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      if (i == 0 || out->len - line_start + 1 + strlen (ids[i]) + 1 > width)
        {
          g_string_append (out, "\n ");
          line_start = out->len - 1;
        }
      g_string_append_printf (out, " %s%s", ids[i], ids[i + 1] != NULL ? "," : "");
    }
  return g_string_free (out, FALSE);
}

static void
pochta_application_init (PochtaApplication *self)
{
  g_autofree char *lessons = describe_builtin_lessons ();

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_description (G_APPLICATION (self), lessons);
}

void
pochta_application_init_i18n (void)
{
  const char *localedir = g_getenv ("POCHTA_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

PochtaApplication *
pochta_application_new (void)
{
  return g_object_new (POCHTA_TYPE_APPLICATION, "application-id", POCHTA_APPLICATION_ID,
                       "flags", G_APPLICATION_FLAGS_NONE, NULL);
}

GSettings *
pochta_application_get_settings (PochtaApplication *self)
{
  g_return_val_if_fail (POCHTA_IS_APPLICATION (self), NULL);
  return self->settings;
}
