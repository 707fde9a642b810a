/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plays a scenario or lesson (scenario.h) on a PochtaSimulation, one step
 * at a time, and checks each step's Expect= and Check= lines.  The same
 * runner drives `pochta-cli play`, `pochta-cli check` and the window's
 * lesson player.
 *
 * Stepping back is replaying: replay_to (N) builds a fresh simulation from
 * the scenario's network, seed and start time and applies the first N
 * steps again, which restores mailboxes, queues and sessions exactly
 * (DESIGN.md §2.2).  The simulation object is then a new one; observers
 * connect to it in "simulation-created". */
#pragma once

#include <glib-object.h>

#include "scenario.h"
#include "simulation.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean passed;     /* the actions worked and every Expect= and Check= held */
  /* "file:line: [Step 09] expected 550, got 250 OK" (one line per
   * problem), or NULL when passed. */
  char *failure;
  char *expected;      /* Expect= as written, or NULL */
  char *actual;        /* the reply line Expect= was checked against, or NULL */
  /* The transcript items the step added: [first_item, end_item). */
  guint first_item;
  guint end_item;
} PochtaStepResult;

#define POCHTA_TYPE_SCENARIO_RUNNER (pochta_scenario_runner_get_type ())
G_DECLARE_FINAL_TYPE (PochtaScenarioRunner, pochta_scenario_runner, POCHTA, SCENARIO_RUNNER, GObject)

/* Signals:
 *   simulation-created (PochtaSimulation *simulation): a fresh simulation,
 *     before any step has touched it (at the start and on every replay).
 *   step-finished (guint index): the step was applied and its result is
 *     ready. */

/* Builds the first simulation; fails when the scenario's network does
 * not load. */
PochtaScenarioRunner *pochta_scenario_runner_new (PochtaScenario *scenario, GError **error);

PochtaScenario *pochta_scenario_runner_get_scenario (PochtaScenarioRunner *self);
PochtaSimulation *pochta_scenario_runner_get_simulation (PochtaScenarioRunner *self);

/* Replaces the scenario's Seed= and replays to the current position. */
gboolean pochta_scenario_runner_set_seed (PochtaScenarioRunner *self, guint32 seed, GError **error);
guint32 pochta_scenario_runner_get_seed (PochtaScenarioRunner *self);

guint pochta_scenario_runner_get_n_steps (PochtaScenarioRunner *self);
/* How many steps have been applied: the index of the next one. */
guint pochta_scenario_runner_get_position (PochtaScenarioRunner *self);
const PochtaScenarioStep *pochta_scenario_runner_get_step (PochtaScenarioRunner *self, guint index);
/* The result of an applied step (index < position), else NULL. */
const PochtaStepResult *pochta_scenario_runner_get_result (PochtaScenarioRunner *self, guint index);

/* Applies the next step; FALSE when every step has been applied.  A step
 * whose action fails or whose checks do not hold is still applied: see
 * its result. */
gboolean pochta_scenario_runner_next_step (PochtaScenarioRunner *self);
/* Applies every remaining step; returns how many failed, of all applied. */
guint pochta_scenario_runner_run_all (PochtaScenarioRunner *self);
/* Rebuilds the simulation and applies the first n_steps steps. */
gboolean pochta_scenario_runner_replay_to (PochtaScenarioRunner *self, guint n_steps, GError **error);

/* Failed steps among those applied. */
guint pochta_scenario_runner_get_n_failures (PochtaScenarioRunner *self);

G_END_DECLS
