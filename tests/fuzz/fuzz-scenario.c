/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: arbitrary scenario and lesson files through the
 * loader, and the first steps of every file that loads run on the
 * simulation, with each quiz answered by the input itself. */
#define G_LOG_DOMAIN "pochta-fuzz"
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "scenario-runner.h"

/* Without a file name, Network= names built-in networks only: no input
 * makes the target read the disk. */
#define FILENAME "(scenario)"
/* A step may wait a year of virtual time; a few steps are plenty. */
#define STEPS_MAX 6

/* DESIGN.md §5: bad input gets "file:line: what is wrong". */
static void
check_error (const GError *error)
{
  if (error == NULL)
    fuzz_fail ("refused without an error");
  if (error->domain != POCHTA_SCENARIO_ERROR)
    fuzz_fail ("an error outside POCHTA_SCENARIO_ERROR");

  const char *after_name = g_str_has_prefix (error->message, FILENAME ":")
                             ? error->message + strlen (FILENAME ":")
                             : NULL;
  if (after_name == NULL || !g_ascii_isdigit (*after_name))
    fuzz_fail ("an error message that does not start with file:line");
  if (!g_utf8_validate (error->message, -1, NULL))
    fuzz_fail ("an error message that is not UTF-8");
}

static void
run (PochtaScenario *scenario, const char *answer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenarioRunner) runner = pochta_scenario_runner_new (scenario, &error);
  if (runner == NULL)
    fuzz_fail ("a scenario that loaded has a network that does not");

  for (guint i = 0; i < STEPS_MAX && pochta_scenario_runner_next_step (runner); i++)
    {
      const PochtaScenarioStep *step = pochta_scenario_runner_get_step (runner, i);
      const PochtaStepResult *result = pochta_scenario_runner_get_result (runner, i);
      if (result == NULL || (result->passed != (result->failure == NULL)))
        fuzz_fail ("a step result that is passed and failed at once");
      if (result->first_item > result->end_item)
        fuzz_fail ("a step whose items end before they start");
      if (step->quiz != NULL)
        (void) pochta_scenario_step_check_answer (step, answer);
    }
  /* Stepping back is replaying: it must come to the same place. */
  guint position = pochta_scenario_runner_get_position (runner);
  if (!pochta_scenario_runner_replay_to (runner, position / 2, &error)
      || pochta_scenario_runner_get_position (runner) != position / 2)
    fuzz_fail ("replaying to a step did not get there");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaScenario) scenario = pochta_scenario_load_data ((const char *) data, size, NULL, "ru", &error);

  if (scenario == NULL)
    {
      check_error (error);
      return 0;
    }
  if (error != NULL)
    fuzz_fail ("loaded, yet with an error");
  g_autofree char *answer = g_utf8_make_valid ((const char *) data, (gssize) MIN (size, 16));
  run (scenario, answer);
  return 0;
}
