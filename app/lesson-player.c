/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lesson player: steps a lesson's simulation one transcript line at
 * a time, rewinds by replay, and plays on a timer at a chosen speed. */
#define G_LOG_DOMAIN "pochta-lesson-player"
#include "config.h"

#include "lesson-player.h"

struct _PochtaLessonPlayer
{
  GObject parent_instance;

  const PochtaLesson *lesson;  /* NULL for a bare network */
  char *network_path;          /* the bare network's file */
  PochtaSimulation *simulation;
  guint n_shown;               /* items of the transcript the views have */
  guint base_lines;            /* lines the lesson's setup recorded */
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

/* A fresh simulation at the lesson's start, its setup done. */
static PochtaSimulation *
create_simulation (PochtaLessonPlayer *self, GError **error)
{
  if (self->lesson != NULL)
    {
      g_autoptr (PochtaSimulation) simulation =
        pochta_simulation_new_builtin (self->lesson->network, self->lesson->seed,
                                       self->lesson->start_time,
                                       self->lesson->utc_offset_minutes, error);
      if (simulation == NULL || !self->lesson->setup (simulation, error))
        return NULL;
      return g_steal_pointer (&simulation);
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
count_steps (PochtaSimulation *dry_run, guint base_lines)
{
  PochtaTranscript *transcript = pochta_simulation_get_transcript (dry_run);

  pochta_simulation_run_until_idle (dry_run);
  return count_lines (transcript, pochta_transcript_get_n_items (transcript)) - base_lines;
}

static void
on_simulation_changed (PochtaLessonPlayer *self)
{
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

/* Shows every item the setup recorded: the lesson's step 0. */
static void
install_simulation (PochtaLessonPlayer *self, PochtaSimulation *simulation)
{
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
  g_autoptr (PochtaSimulation) simulation = create_simulation (self, error);
  if (simulation == NULL)
    return FALSE;
  g_autoptr (PochtaSimulation) dry_run = create_simulation (self, NULL);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  guint base = count_lines (transcript, pochta_transcript_get_n_items (transcript));

  pochta_lesson_player_set_playing (self, FALSE);
  self->n_steps = dry_run != NULL ? count_steps (dry_run, base) : 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STEPS]);
  install_simulation (self, simulation);
  return TRUE;
}

static void
pochta_lesson_player_dispose (GObject *object)
{
  PochtaLessonPlayer *self = POCHTA_LESSON_PLAYER (object);

  stop_timer (self);
  if (self->simulation != NULL)
    g_signal_handlers_disconnect_by_data (self->simulation, self);
  g_clear_object (&self->simulation);
  G_OBJECT_CLASS (pochta_lesson_player_parent_class)->dispose (object);
}

static void
pochta_lesson_player_finalize (GObject *object)
{
  PochtaLessonPlayer *self = POCHTA_LESSON_PLAYER (object);

  g_free (self->network_path);
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
}

PochtaLessonPlayer *
pochta_lesson_player_new (void)
{
  return g_object_new (POCHTA_TYPE_LESSON_PLAYER, NULL);
}

gboolean
pochta_lesson_player_load (PochtaLessonPlayer *self, const PochtaLesson *lesson, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);
  g_return_val_if_fail (lesson != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  const PochtaLesson *old_lesson = self->lesson;
  char *old_path = g_steal_pointer (&self->network_path);

  self->lesson = lesson;
  if (!start (self, error))
    {
      self->lesson = old_lesson;
      self->network_path = old_path;
      return FALSE;
    }
  g_free (old_path);
  return TRUE;
}

gboolean
pochta_lesson_player_load_network (PochtaLessonPlayer *self, const char *path, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  const PochtaLesson *old_lesson = self->lesson;
  char *old_path = g_steal_pointer (&self->network_path);

  self->lesson = NULL;
  self->network_path = g_strdup (path);
  if (!start (self, error))
    {
      g_free (self->network_path);
      self->lesson = old_lesson;
      self->network_path = old_path;
      return FALSE;
    }
  g_free (old_path);
  return TRUE;
}

const PochtaLesson *
pochta_lesson_player_get_lesson (PochtaLessonPlayer *self)
{
  g_return_val_if_fail (POCHTA_IS_LESSON_PLAYER (self), NULL);
  return self->lesson;
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
              return TRUE;
            }
        }
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
  g_autoptr (PochtaSimulation) simulation = create_simulation (self, NULL);
  /* The lesson loaded once already; only a network file changed on disk
   * since then fails here, and the old run stays. */
  if (simulation == NULL)
    return;

  gboolean was_replaying = self->replaying;
  self->replaying = TRUE;
  install_simulation (self, simulation);
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
