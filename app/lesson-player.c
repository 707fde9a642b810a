/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lesson player: steps a lesson's simulation one transcript line at
 * a time (a lesson file's steps run through its PochtaScenarioRunner as
 * the lines before them are shown), rewinds by replay, and plays on a
 * timer at a chosen speed. */
#define G_LOG_DOMAIN "pochta-lesson-player"
#include "config.h"

#include "lesson-player.h"
#include "scenario-runner.h"

struct _PochtaLessonPlayer
{
  GObject parent_instance;

  /* One of the two is set: a lesson file, a bare network's file. */
  PochtaScenario *scenario;
  char *network_path;
  PochtaScenarioRunner *runner;  /* the lesson file's run */
  guint n_steps_seen;            /* of the runner's, scanned for faults */
  GHashTable *links_down;        /* link ids */
  PochtaSimulation *simulation;
  /* The lesson file's notes: two a step, with and without its quiz; every
   * set ever built stays, since the views may hold one. */
  GPtrArray *notes;              /* of PochtaLessonNote*, by step */
  GPtrArray *old_notes;          /* of GPtrArray* */
  guint n_shown;               /* items of the transcript the views have */
  guint base_lines;            /* lines recorded before the first step */
  guint position;
  guint n_steps;
  gboolean replaying;
  gboolean playing;
  double speed;
  guint play_source;
};

G_DEFINE_FINAL_TYPE (PochtaLessonPlayer, pochta_lesson_player, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_POSITION,
  PROP_N_STEPS,
  PROP_PLAYING,
  PROP_SPEED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_RESET,
  SIGNAL_ITEM_ADDED,
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static guint
count_lines (PochtaTranscript *transcript, guint n_items)
{
  guint n = 0;

  for (guint i = 0; i < n_items; i++)
    if (pochta_transcript_get_item (transcript, i)->kind == POCHTA_ITEM_LINE)
      n++;
  return n;
}

/* A fresh simulation at the lesson's start; for a lesson file, with the
 * runner that drives it in *out_runner. */
static PochtaSimulation *
create_simulation (PochtaLessonPlayer *self, PochtaScenarioRunner **out_runner, GError **error)
{
  *out_runner = NULL;
  if (self->scenario != NULL)
    {
      PochtaScenarioRunner *runner = pochta_scenario_runner_new (self->scenario, error);
      if (runner == NULL)
        return NULL;
      *out_runner = runner;
      return g_object_ref (pochta_scenario_runner_get_simulation (runner));
    }

  g_assert (self->network_path != NULL);
  PochtaNetwork *network = pochta_network_load_file (self->network_path, error);
  if (network == NULL)
    return NULL;
  return pochta_simulation_new (network, 1, POCHTA_SIMULATION_DEFAULT_START, 0);
}

/* The number of steps is that of a dry run to the end: the lesson is
 * deterministic, so the real run takes exactly as many. */
static guint
count_steps (PochtaSimulation *dry_run, PochtaScenarioRunner *runner, guint base_lines)
{
  PochtaTranscript *transcript = pochta_simulation_get_transcript (dry_run);

  if (runner != NULL)
    pochta_scenario_runner_run_all (runner);
  pochta_simulation_run_until_idle (dry_run);
  return count_lines (transcript, pochta_transcript_get_n_items (transcript)) - base_lines;
}

/* The link faults of the lesson file's steps run since the last look. */
static void
scan_faults (PochtaLessonPlayer *self)
{
  guint position = self->runner != NULL ? pochta_scenario_runner_get_position (self->runner) : 0;

  for (; self->n_steps_seen < position; self->n_steps_seen++)
    {
      const PochtaScenarioStep *step = pochta_scenario_runner_get_step (self->runner,
                                                                        self->n_steps_seen);
      for (guint i = 0; i < step->actions->len; i++)
        {
          const PochtaScenarioAction *action = g_ptr_array_index (step->actions, i);
          if (action->kind != POCHTA_ACTION_FAULT || action->fault != POCHTA_FAULT_LINK_DOWN)
            continue;
          if (action->on)
            g_hash_table_add (self->links_down, g_strdup (action->target));
          else
            g_hash_table_remove (self->links_down, action->target);
        }
    }
}

static void
on_simulation_changed (PochtaLessonPlayer *self)
{
  scan_faults (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
stop_timer (PochtaLessonPlayer *self)
{
  g_clear_handle_id (&self->play_source, g_source_remove);
}

static void
set_position (PochtaLessonPlayer *self, guint position)
{
  if (self->position == position)
    return;
  self->position = position;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
}

/* Shows every item recorded before the first step: the lesson's step 0. */
static void
install_simulation (PochtaLessonPlayer   *self,
                    PochtaSimulation     *simulation,
                    PochtaScenarioRunner *runner)
{
  g_set_object (&self->runner, runner);
  self->n_steps_seen = 0;
  g_hash_table_remove_all (self->links_down);
  if (self->simulation != NULL)
    g_signal_handlers_disconnect_by_data (self->simulation, self);
  g_set_object (&self->simulation, simulation);
  g_signal_connect_swapped (simulation, "changed", G_CALLBACK (on_simulation_changed), self);

  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  self->n_shown = 0;
  self->base_lines = count_lines (transcript, pochta_transcript_get_n_items (transcript));
  set_position (self, 0);
  g_signal_emit (self, signals[SIGNAL_RESET], 0);

  gboolean was_replaying = self->replaying;
  self->replaying = TRUE;
  while (self->n_shown < pochta_transcript_get_n_items (transcript))
    g_signal_emit (self, signals[SIGNAL_ITEM_ADDED], 0,
                   pochta_transcript_get_item (transcript, self->n_shown++));
  self->replaying = was_replaying;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static gboolean
start (PochtaLessonPlayer *self, GError **error)
{
  g_autoptr (PochtaScenarioRunner) runner = NULL, dry_runner = NULL;
  g_autoptr (PochtaSimulation) simulation = create_simulation (self, &runner, error);
  if (simulation == NULL)
    return FALSE;
  g_autoptr (PochtaSimulation) dry_run = create_simulation (self, &dry_runner, NULL);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  guint base = count_lines (transcript, pochta_transcript_get_n_items (transcript));

  pochta_lesson_player_set_playing (self, FALSE);
  self->n_steps = dry_run != NULL ? count_steps (dry_run, dry_runner, base) : 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STEPS]);
  install_simulation (self, simulation, runner);
  return TRUE;
}

static char *
keep_string (GPtrArray *strings, char *text)
{
  if (text != NULL)
    g_ptr_array_add (strings, text);
  return text;
}

/* Two notes a step of a lesson file: one asks the quiz, for the step's
 * first line; one only explains, for the others. */
static void
build_notes (PochtaLessonPlayer *self)
{
  if (self->notes != NULL)
    g_ptr_array_add (self->old_notes, g_steal_pointer (&self->notes));
  self->notes = g_ptr_array_new_with_free_func (g_free);
  if (self->scenario == NULL)
    return;

  /* The strings live in the array's last element. */
  GPtrArray *strings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < pochta_scenario_get_n_steps (self->scenario); i++)
    {
      const PochtaScenarioStep *step = pochta_scenario_get_step (self->scenario, i);
      PochtaLessonNote *with_quiz = g_new0 (PochtaLessonNote, 1);
      with_quiz->text = step->explain;
      with_quiz->question = step->quiz;
      with_quiz->choices = step->choices != NULL
                             ? keep_string (strings, g_strjoinv (";", step->choices))
                             : NULL;
      with_quiz->answer = step->answer >= 0 && step->choices != NULL ? step->choices[step->answer]
                                                                     : step->answer_text;
      with_quiz->hint = step->hint;
      with_quiz->step = step;
      PochtaLessonNote *plain = g_new0 (PochtaLessonNote, 1);
      plain->text = step->explain;
      plain->step = step;
      g_ptr_array_add (self->notes, with_quiz);
      g_ptr_array_add (self->notes, plain);
    }
  g_ptr_array_add (self->old_notes, strings);
}

static void
pochta_lesson_player_dispose (GObject *object)
{
  PochtaLessonPlayer *self = POCHTA_LESSON_PLAYER (object);

  stop_timer (self);
  if (self->simulation != NULL)
    g_signal_handlers_disconnect_by_data (self->simulation, self);
  g_clear_object (&self->simulation);
  g_clear_object (&self->runner);
  G_OBJECT_CLASS (pochta_lesson_player_parent_class)->dispose (object);
}

static void
pochta_lesson_player_finalize (GObject *object)
{
  PochtaLessonPlayer *self = POCHTA_LESSON_PLAYER (object);

  g_free (self->network_path);
  g_clear_pointer (&self->scenario, pochta_scenario_unref);
  g_clear_pointer (&self->notes, g_ptr_array_unref);
  g_ptr_array_unref (self->old_notes);
  g_hash_table_unref (self->links_down);
  G_OBJECT_CLASS (pochta_lesson_player_parent_class)->finalize (object);
}

static void
pochta_lesson_player_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  PochtaLessonPlayer *self = POCHTA_LESSON_PLAYER (object);

  switch (prop_id)
    {
    case PROP_POSITION:
      g_value_set_uint (value, self->position);
      break;
    case PROP_N_STEPS:
      g_value_set_uint (value, self->n_steps);
      break;
    case PROP_PLAYING:
      g_value_set_boolean (value, self->playing);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pochta_lesson_player_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  PochtaLessonPlayer *self = POCHTA_LESSON_PLAYER (object);

  switch (prop_id)
    {
    case PROP_PLAYING:
      pochta_lesson_player_set_playing (self, g_value_get_boolean (value));
      break;
    case PROP_SPEED:
      pochta_lesson_player_set_speed (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pochta_lesson_player_class_init (PochtaLessonPlayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pochta_lesson_player_dispose;
  object_class->finalize = pochta_lesson_player_finalize;
  object_class->get_property = pochta_lesson_player_get_property;
  object_class->set_property = pochta_lesson_player_set_property;

  properties[PROP_POSITION] =
    g_param_spec_uint ("position", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_STEPS] =
    g_param_spec_uint ("n-steps", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PLAYING] =
    g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SPEED] =
    g_param_spec_double ("speed", NULL, NULL, POCHTA_LESSON_PLAYER_MIN_SPEED,
                         POCHTA_LESSON_PLAYER_MAX_SPEED, 1.0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_RESET] = g_signal_new ("reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ITEM_ADDED] = g_signal_new ("item-added", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
pochta_lesson_player_init (PochtaLessonPlayer *self)
{
  self->speed = 1.0;
  self->old_notes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  self->links_down = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

PochtaLessonPlayer *
pochta_lesson_player_new (void)
{
  return g_object_new (POCHTA_TYPE_LESSON_PLAYER, NULL);
}

typedef struct
{
  PochtaScenario *scenario;
  char *network_path;
} Source;

static Source
take_source (PochtaLessonPlayer *self)
{
  Source old = { g_steal_pointer (&self->scenario), g_steal_pointer (&self->network_path) };
  return old;
}

static void
drop_source (Source *source)
{
  g_clear_pointer (&source->scenario, pochta_scenario_unref);
  g_clear_pointer (&source->network_path, g_free);
}

/* Starts what take_source left in self; on failure, the old source comes
 * back and the old run goes on. */
static gboolean
start_or_restore (PochtaLessonPlayer *self, Source *old, GError **error)
{
  if (start (self, error))
    {
      drop_source (old);
      build_notes (self);
      return TRUE;
    }
  g_clear_pointer (&self->scenario, pochta_scenario_unref);
  g_clear_pointer (&self->network_path, g_free);
  self->scenario = old->scenario;
  self->network_path = old->network_path;
  return FALSE;
}

gboolean
pochta_lesson_player_load_scenario (PochtaLessonPlayer *self,
                                    PochtaScenario     *scenario,
                                    GError            **error)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);
  g_return_val_if_fail (scenario != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  Source old = take_source (self);
  self->scenario = pochta_scenario_ref (scenario);
  return start_or_restore (self, &old, error);
}

gboolean
pochta_lesson_player_load_network (PochtaLessonPlayer *self, const char *path, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  Source old = take_source (self);
  self->network_path = g_strdup (path);
  return start_or_restore (self, &old, error);
}

PochtaScenario *
pochta_lesson_player_get_scenario (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), NULL);
  return self->scenario;
}

const char *
pochta_lesson_player_get_id (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), NULL);
  return self->scenario != NULL ? pochta_scenario_get_id (self->scenario) : NULL;
}

const char *
pochta_lesson_player_get_title (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), NULL);
  return self->scenario != NULL ? pochta_scenario_get_title (self->scenario) : NULL;
}

const char *
pochta_lesson_player_get_summary (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), NULL);
  return self->scenario != NULL ? pochta_scenario_get_summary (self->scenario) : NULL;
}

int
pochta_lesson_player_get_utc_offset (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), 0);
  return self->scenario != NULL ? pochta_scenario_get_utc_offset (self->scenario) : 0;
}

/* The step of the lesson file that brought item, by the results of the
 * steps run so far; -1 for none. */
static int
find_step (PochtaLessonPlayer *self, guint index, gboolean *out_first_line)
{
  guint n_run = self->runner != NULL ? pochta_scenario_runner_get_position (self->runner) : 0;

  for (guint i = 0; i < n_run; i++)
    {
      const PochtaStepResult *result = pochta_scenario_runner_get_result (self->runner, i);
      if (index < result->first_item || index >= result->end_item)
        continue;
      PochtaTranscript *transcript = pochta_simulation_get_transcript (self->simulation);
      *out_first_line = TRUE;
      for (guint j = result->first_item; j < index && *out_first_line; j++)
        *out_first_line = pochta_transcript_get_item (transcript, j)->kind != POCHTA_ITEM_LINE;
      return (int) i;
    }
  return -1;
}

const PochtaLessonNote *
pochta_lesson_player_find_note (PochtaLessonPlayer *self, const PochtaTranscriptItem *item)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), NULL);
  g_return_val_if_fail (item != NULL, NULL);

  gboolean first_line = FALSE;
  int step = item->kind == POCHTA_ITEM_LINE ? find_step (self, item->index, &first_line) : -1;
  if (step < 0)
    return NULL;
  const PochtaLessonNote *note = g_ptr_array_index (self->notes, 2 * step + (first_line ? 0 : 1));
  return note->text != NULL || note->question != NULL ? note : NULL;
}

gboolean
pochta_lesson_player_is_link_down (PochtaLessonPlayer *self, const char *link)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);
  g_return_val_if_fail (link != NULL, FALSE);

  scan_faults (self);
  return g_hash_table_contains (self->links_down, link);
}

PochtaSimulation *
pochta_lesson_player_get_simulation (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), NULL);
  return self->simulation;
}

guint
pochta_lesson_player_get_n_shown (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), 0);
  return self->n_shown;
}

guint
pochta_lesson_player_get_position (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), 0);
  return self->position;
}

guint
pochta_lesson_player_get_n_steps (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), 0);
  return self->n_steps;
}

gboolean
pochta_lesson_player_is_replaying (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);
  return self->replaying;
}

/* After the last line: the events that follow it (a bounce, a delivery),
 * as the dry run ran them. */
static void
show_the_rest (PochtaLessonPlayer *self)
{
  PochtaTranscript *transcript = pochta_simulation_get_transcript (self->simulation);

  if (self->runner != NULL)
    pochta_scenario_runner_run_all (self->runner);
  pochta_simulation_run_until_idle (self->simulation);
  while (self->n_shown < pochta_transcript_get_n_items (transcript))
    g_signal_emit (self, signals[SIGNAL_ITEM_ADDED], 0,
                   pochta_transcript_get_item (transcript, self->n_shown++));
}

/* Shows the recorded items up to and including the next line; runs the
 * clock when everything recorded is shown already.  One scheduler event
 * may deliver several lines (a multi-line reply in one segment): they
 * are still shown one a step. */
gboolean
pochta_lesson_player_step (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);

  if (self->simulation == NULL)
    return FALSE;
  PochtaTranscript *transcript = pochta_simulation_get_transcript (self->simulation);
  for (;;)
    {
      while (self->n_shown < pochta_transcript_get_n_items (transcript))
        {
          const PochtaTranscriptItem *item =
            pochta_transcript_get_item (transcript, self->n_shown++);
          g_signal_emit (self, signals[SIGNAL_ITEM_ADDED], 0, item);
          if (item->kind == POCHTA_ITEM_LINE)
            {
              set_position (self, self->position + 1);
              if (self->position == self->n_steps)
                show_the_rest (self);
              return TRUE;
            }
        }
      /* The lesson file's next step, once everything before it is shown;
       * then whatever is still scheduled, as the dry run did. */
      if (self->runner != NULL && pochta_scenario_runner_next_step (self->runner))
        continue;
      if (!pochta_simulation_step (self->simulation))
        return FALSE;
    }
}

void
pochta_lesson_player_seek (PochtaLessonPlayer *self, guint position)
{
  g_return_if_fail (POCHTA_IS_LESSON_PLAYER (self));

  if (self->simulation == NULL)
    return;
  g_autoptr (PochtaScenarioRunner) runner = NULL;
  g_autoptr (PochtaSimulation) simulation = create_simulation (self, &runner, NULL);
  /* The lesson loaded once already; only a network file changed on disk
   * since then fails here, and the old run stays. */
  if (simulation == NULL)
    return;

  gboolean was_replaying = self->replaying;
  self->replaying = TRUE;
  install_simulation (self, simulation, runner);
  while (self->position < MIN (position, self->n_steps) && pochta_lesson_player_step (self))
    ;
  self->replaying = was_replaying;
}

gboolean
pochta_lesson_player_step_back (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);

  if (self->position == 0)
    return FALSE;
  pochta_lesson_player_set_playing (self, FALSE);
  pochta_lesson_player_seek (self, self->position - 1);
  return TRUE;
}

void
pochta_lesson_player_restart (PochtaLessonPlayer *self)
{
  g_return_if_fail (POCHTA_IS_LESSON_PLAYER (self));

  pochta_lesson_player_set_playing (self, FALSE);
  pochta_lesson_player_seek (self, 0);
}

gboolean
pochta_lesson_player_get_playing (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);
  return self->playing;
}

static gboolean
on_play_timer (gpointer user_data)
{
  PochtaLessonPlayer *self = user_data;

  if (!pochta_lesson_player_step (self))
    {
      self->play_source = 0;
      pochta_lesson_player_set_playing (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
start_timer (PochtaLessonPlayer *self)
{
  stop_timer (self);
  self->play_source = g_timeout_add ((guint) (1000 / self->speed), on_play_timer, self);
}

void
pochta_lesson_player_set_playing (PochtaLessonPlayer *self, gboolean playing)
{
  g_return_if_fail (POCHTA_IS_LESSON_PLAYER (self));

  playing = !!playing;
  /* Play at the end starts over, as a media player does. */
  if (playing && self->position >= self->n_steps)
    {
      if (self->n_steps == 0)
        return;
      pochta_lesson_player_seek (self, 0);
    }
  if (self->playing == playing)
    return;
  self->playing = playing;
  if (playing)
    start_timer (self);
  else
    stop_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

double
pochta_lesson_player_get_speed (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), 1.0);
  return self->speed;
}

void
pochta_lesson_player_set_speed (PochtaLessonPlayer *self, double speed)
{
  g_return_if_fail (POCHTA_IS_LESSON_PLAYER (self));

  speed = CLAMP (speed, POCHTA_LESSON_PLAYER_MIN_SPEED, POCHTA_LESSON_PLAYER_MAX_SPEED);
  if (G_APPROX_VALUE (self->speed, speed, 1e-9))
    return;
  self->speed = speed;
  if (self->playing)
    start_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}
