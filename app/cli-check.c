/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `pochta-cli check`: loads each lesson or scenario, runs it headless on
 * the real engine and reports every Expect= or Check= that does not hold,
 * with its file, line and step: lessons as regression tests (DESIGN.md
 * §2.3). */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>

#include "cli-private.h"
#include "scenario-runner.h"

/* Runs one file; returns whether it loaded and every step passed. */
static gboolean
check_one (const char *name, const char *language, gint64 seed, gboolean verbose)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) scenario = cli_load_scenario (name, language, &error);
  if (scenario == NULL)
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  g_autoptr (PochtaScenarioRunner) runner = pochta_scenario_runner_new (scenario, &error);
  if (runner == NULL || (seed >= 0 && !pochta_scenario_runner_set_seed (runner, (guint32) seed, &error)))
    {
      g_printerr ("%s: %s\n", name, error->message);
      return FALSE;
    }

  guint n_steps = pochta_scenario_runner_get_n_steps (runner);
  g_autoptr (CliProgress) progress = cli_progress_new (name, n_steps);
  while (pochta_scenario_runner_next_step (runner))
    cli_progress_update (progress, pochta_scenario_runner_get_position (runner));
  g_clear_pointer (&progress, cli_progress_free);

  guint n_failures = pochta_scenario_runner_get_n_failures (runner);
  for (guint i = 0; i < n_steps; i++)
    {
      const PochtaStepResult *result = pochta_scenario_runner_get_result (runner, i);
      if (!result->passed)
        g_printerr ("%s\n", result->failure);
    }
  if (n_failures > 0)
    g_print (g_dngettext (GETTEXT_PACKAGE, "%s: %u of %u step failed\n", "%s: %u of %u steps failed\n", n_steps),
             name, n_failures, n_steps);
  else if (verbose)
    g_print (g_dngettext (GETTEXT_PACKAGE, "%s: %u step passed\n", "%s: all %u steps passed\n", n_steps), name,
             n_steps);
  return n_failures == 0;
}

int
cli_check (int argc, char **argv)
{
  gint64 seed = -1;
  gboolean quiet = FALSE;
  g_autofree char *lang = NULL;
  const GOptionEntry entries[] = {
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, N_("Check the texts of this language too: ru or en"), N_("LANG") },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, N_("Run with this seed instead of each file's"), N_("N") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print nothing for the files that pass"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_("FILE|ID..."));
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Loads each lesson or scenario, runs it headless on the engine and\n"
                                  "reports every Expect= or Check= that does not hold, with its file,\n"
                                  "line and step.  Exits with 1 when any file fails."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error ("check", error->message);
  if (argc < 2)
    return cli_usage_error ("check", _("check needs at least one lesson or scenario"));
  const char *language;
  if (!cli_lesson_language (lang, &language))
    return cli_usage_error ("check", _("--lang is ru or en"));
  if (seed < -1 || seed > G_MAXUINT32)
    return cli_usage_error ("check", _("--seed is a number from 0 to 4294967295"));

  guint n_failed = 0;
  for (int i = 1; i < argc; i++)
    n_failed += !check_one (argv[i], language, seed, !quiet);
  return n_failed == 0 ? 0 : 1;
}
