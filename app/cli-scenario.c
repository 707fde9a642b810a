/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What `pochta-cli play` and `pochta-cli check` share: finding a lesson by
 * file or id, and printing a transcript in the thesis' notation. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "cli-private.h"

gboolean
cli_lesson_language (const char *option, const char **out_language)
{
  g_return_val_if_fail (out_language != NULL, FALSE);

  if (option == NULL)
    *out_language = NULL;
  else if (g_strcmp0 (option, "en") == 0 || g_strcmp0 (option, "C") == 0)
    *out_language = "C";
  else if (g_strcmp0 (option, "ru") == 0)
    *out_language = "ru";
  else
    return FALSE;
  return TRUE;
}

void
cli_use_language (const char *option)
{
  g_return_if_fail (option != NULL);

  g_setenv ("LANGUAGE", option, TRUE);
  /* setlocale () makes gettext forget the translations it has looked up
   * in the language of before. */
  setlocale (LC_ALL, "");
}

PochtaScenario *
cli_load_scenario (const char *name, const char *language, GError **error)
{
  g_return_val_if_fail (name != NULL, NULL);

  if (g_file_test (name, G_FILE_TEST_EXISTS))
    return pochta_scenario_load_file (name, language, error);

  g_autoptr (GError) builtin_error = NULL;
  PochtaScenario *scenario = pochta_scenario_load_builtin (name, language, &builtin_error);
  if (scenario != NULL)
    return scenario;
  if (!g_error_matches (builtin_error, POCHTA_SCENARIO_ERROR, POCHTA_SCENARIO_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&builtin_error));
      return NULL;
    }
  g_auto (GStrv) ids = pochta_scenario_list_builtin ();
  g_autofree char *known = g_strjoinv (", ", ids);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s: no such file, nor a built-in lesson (built-in: %s)"),
               name, known);
  return NULL;
}

static char *
format_time (gint64 usec, int utc_offset)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = g_date_time_add_minutes (utc, utc_offset);
  return g_date_time_format (local, "%H:%M:%S");
}

static void
print_connection (const PochtaTranscriptConnection *connection, gboolean opening, int utc_offset)
{
  g_autofree char *when = format_time (opening ? connection->open_time : connection->close_time, utc_offset);
  if (opening)
    g_print ("     # %s %s (%s) -> %s:%u %s\n", when, connection->client_host, connection->client_address,
             connection->server_host, connection->server_port, pochta_protocol_to_string (connection->protocol));
  else
    g_print ("     # %s %s -> %s:%u closed\n", when, connection->client_host, connection->server_host,
             connection->server_port);
}

/* Connections open and close between items: open_index and close_index
 * say how many items came before.  A range prints the openings before its
 * items and the closings after them, so that each is printed once. */
static void
print_connections_at (PochtaTranscript *transcript, guint index, gboolean opening, int utc_offset)
{
  for (guint id = 1; id <= pochta_transcript_get_n_connections (transcript); id++)
    {
      const PochtaTranscriptConnection *connection = pochta_transcript_get_connection (transcript, id);
      gboolean here = opening ? connection->open_index == index
                              : connection->close_time >= 0 && connection->close_index == index;
      if (here)
        print_connection (connection, opening, utc_offset);
    }
}

void
cli_print_items (PochtaTranscript *transcript, guint first, guint end, int utc_offset)
{
  g_return_if_fail (transcript != NULL && first <= end);

  for (guint i = first; i < end; i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (i > first)
        print_connections_at (transcript, i, FALSE, utc_offset);
      print_connections_at (transcript, i, TRUE, utc_offset);
      if (item->kind == POCHTA_ITEM_LINE)
        {
          g_print ("%3u  %s: %.*s\n", item->line_number, item->direction == POCHTA_DIRECTION_CLIENT ? "C" : "S",
                   (int) item->length, item->text);
          continue;
        }
      g_autofree char *when = format_time (item->time, utc_offset);
      if (item->kind == POCHTA_ITEM_MTA)
        g_print ("     # %s %s %s: %s\n", when, item->host, item->event, item->text != NULL ? item->text : "");
      else
        g_print ("     # %s %s\n", when, item->text);
    }
  if (end > first)
    print_connections_at (transcript, end, FALSE, utc_offset);
}
