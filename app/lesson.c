/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lessons the window offers: the lesson files compiled into the
 * binaries, listed for the picker, and lesson files loaded by id or
 * from disk, scenarios refused. */
#define G_LOG_DOMAIN "pochta-lesson"
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "lesson.h"

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
  g_auto (GStrv) ids = pochta_scenario_list_builtin ();

  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      g_autoptr (PochtaScenario) lesson = pochta_lesson_load_builtin (ids[i], NULL);
      if (lesson != NULL)
        add_entry (entries, ids[i], pochta_scenario_get_title (lesson));
    }
  return entries;
}

/* A scenario has no title, no explanations and no quizzes: nothing the
 * window could teach with. */
static PochtaScenario *
refuse_scenario (PochtaScenario *scenario, GError **error)
{
  if (pochta_scenario_get_kind (scenario) == POCHTA_SCENARIO_KIND_LESSON)
    return scenario;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               /* Translators: [Lesson] and [Scenario] are the groups of the file, not translated. */
               _("%s is a scenario, not a lesson: it has a [Scenario] group where a lesson has "
                 "[Lesson]."),
               pochta_scenario_get_filename (scenario));
  pochta_scenario_unref (scenario);
  return NULL;
}

PochtaScenario *
pochta_lesson_load_builtin (const char *id, GError **error)
{
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr (GError) local_error = NULL;
  PochtaScenario *scenario = pochta_scenario_load_builtin (id, NULL, &local_error);
  if (scenario == NULL
      && g_error_matches (local_error, POCHTA_SCENARIO_ERROR, POCHTA_SCENARIO_ERROR_NOT_FOUND))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no lesson “%s”."), id);
      return NULL;
    }
  if (scenario == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return refuse_scenario (scenario, error);
}

PochtaScenario *
pochta_lesson_load_file (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  PochtaScenario *scenario = pochta_scenario_load_file (path, NULL, error);
  return scenario != NULL ? refuse_scenario (scenario, error) : NULL;
}
