/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the window's Play, Step, Step back and Restart do: a lesson file
 * played through the scenario runner one transcript line at a time.  Step
 * back replays the lesson from the start to the step before, which
 * restores mailboxes, queues and session states exactly (DESIGN.md
 * §2.2). */
#pragma once

#include <glib-object.h>

#include "lesson.h"
#include "simulation.h"

G_BEGIN_DECLS

#define POCHTA_LESSON_PLAYER_MIN_SPEED 0.25
#define POCHTA_LESSON_PLAYER_MAX_SPEED 8.0

#define POCHTA_TYPE_LESSON_PLAYER (pochta_lesson_player_get_type ())
G_DECLARE_FINAL_TYPE (PochtaLessonPlayer, pochta_lesson_player, POCHTA, LESSON_PLAYER, GObject)

/* Properties: position (guint, lines shown since the lesson's start),
 * n-steps (guint), playing (gboolean), speed (double, steps a second).
 *
 * Signals:
 *   reset (): a new simulation replaced the old one; views forget what
 *     they showed.
 *   item-added (const PochtaTranscriptItem *item): the item is now shown;
 *     pochta_lesson_player_is_replaying () tells whether it is part of a
 *     replay (no animation) or a step the user sees happen.
 *   changed (): mailboxes, queues or host states may have changed. */

PochtaLessonPlayer *pochta_lesson_player_new (void);

/* Starts a lesson file from its beginning: each of its steps runs when the
 * lines before it are shown.  On failure the lesson played before goes
 * on. */
gboolean pochta_lesson_player_load_scenario (PochtaLessonPlayer *self,
                                             PochtaScenario     *scenario,
                                             GError            **error);
/* A network file with no lesson: the map to look at, nothing to play. */
gboolean pochta_lesson_player_load_network (PochtaLessonPlayer *self,
                                            const char         *path,
                                            GError            **error);

/* The lesson file that is loaded, or NULL for a bare network. */
PochtaScenario *pochta_lesson_player_get_scenario (PochtaLessonPlayer *self);
/* The lesson's (translated), or NULL for a bare network. */
const char *pochta_lesson_player_get_id (PochtaLessonPlayer *self);
const char *pochta_lesson_player_get_title (PochtaLessonPlayer *self);
const char *pochta_lesson_player_get_summary (PochtaLessonPlayer *self);
/* The zone of the lesson's times, minutes east of UTC. */
int pochta_lesson_player_get_utc_offset (PochtaLessonPlayer *self);
/* Whether the lesson's steps run so far cut link (Do=fault link-down):
 * the simulation does not say, and the map shows it. */
gboolean pochta_lesson_player_is_link_down (PochtaLessonPlayer *self, const char *link);
/* The lesson's note on a shown item: a step explains every line it
 * brought, and asks its quiz on the first; NULL for none. */
const PochtaLessonNote *pochta_lesson_player_find_note (PochtaLessonPlayer         *self,
                                                        const PochtaTranscriptItem *item);
PochtaSimulation *pochta_lesson_player_get_simulation (PochtaLessonPlayer *self);
/* The items shown so far: the first get_n_shown items of the
 * simulation's transcript. */
guint pochta_lesson_player_get_n_shown (PochtaLessonPlayer *self);

guint pochta_lesson_player_get_position (PochtaLessonPlayer *self);
guint pochta_lesson_player_get_n_steps (PochtaLessonPlayer *self);
gboolean pochta_lesson_player_is_replaying (PochtaLessonPlayer *self);

/* Shows the next line (and the events before it); FALSE at the end. */
gboolean pochta_lesson_player_step (PochtaLessonPlayer *self);
/* Back to the step before; FALSE at the start. */
gboolean pochta_lesson_player_step_back (PochtaLessonPlayer *self);
/* Replays to position (clamped to the lesson's steps). */
void pochta_lesson_player_seek (PochtaLessonPlayer *self, guint position);
void pochta_lesson_player_restart (PochtaLessonPlayer *self);

gboolean pochta_lesson_player_get_playing (PochtaLessonPlayer *self);
void pochta_lesson_player_set_playing (PochtaLessonPlayer *self, gboolean playing);
double pochta_lesson_player_get_speed (PochtaLessonPlayer *self);
void pochta_lesson_player_set_speed (PochtaLessonPlayer *self, double speed);

G_END_DECLS
