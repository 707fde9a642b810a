/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The small lesson interface the window plays until lesson files arrive
 * (issue #6): a network, the actions that start the story, and notes
 * (explanations, quizzes) attached to the lines they explain. */
#pragma once

#include <glib.h>

#include "simulation.h"

G_BEGIN_DECLS

/* A remark on one line of the lesson: the first line sent to server_host
 * (or by it) whose text starts with match.  A note with a question is a
 * checkpoint: the player pauses there until the user answers or steps on. */
typedef struct
{
  const char *server_host;   /* NULL: any connection */
  const char *match;         /* start of the line's text */
  const char *text;          /* N_(): what the step teaches */
  const char *question;      /* N_() or NULL */
  const char *choices;       /* ';'-separated; wire text, not translated */
  const char *answer;        /* one of choices */
  const char *hint;          /* N_() or NULL */
} PochtaLessonNote;

typedef struct
{
  const char *id;            /* "seed-session" */
  const char *title;         /* N_() */
  const char *summary;       /* N_() */
  const char *network;       /* a built-in network id */
  guint32 seed;
  gint64 start_time;         /* virtual µs since the Unix epoch */
  int utc_offset_minutes;
  /* Puts the lesson's actions into a fresh simulation. */
  gboolean (*setup) (PochtaSimulation *simulation, GError **error);
  const PochtaLessonNote *notes;
  guint n_notes;
} PochtaLesson;

/* Every built-in lesson, the thesis session first. */
const PochtaLesson *const *pochta_lesson_get_builtin (guint *out_n_lessons);
/* By id; NULL when there is none. */
const PochtaLesson *pochta_lesson_find (const char *id);
/* The note of a transcript line, or NULL. */
const PochtaLessonNote *pochta_lesson_find_note (const PochtaLesson             *lesson,
                                                 PochtaTranscript               *transcript,
                                                 const PochtaTranscriptItem     *item);

#define POCHTA_LESSON_THESIS "seed-session"

G_END_DECLS
