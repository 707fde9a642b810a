/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lessons the window offers: the lesson files compiled into the
 * binaries (scenario.h), and lessons written here in C for what a file
 * cannot say yet: a network, the actions that start the story, and notes
 * (explanations, quizzes) attached to the lines they explain. */
#pragma once

#include <glib.h>

#include "scenario.h"
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
  /* A lesson file's step, which checks the answers (a quiz with no
   * choices takes free text); NULL for the lessons written in C. */
  const PochtaScenarioStep *step;
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

/* Every lesson written in C. */
const PochtaLesson *const *pochta_lesson_get_builtin (guint *out_n_lessons);

typedef struct
{
  char *id;
  char *title;               /* translated */
} PochtaLessonEntry;

void pochta_lesson_entry_free (PochtaLessonEntry *entry);

/* What the lesson picker lists: the lesson files compiled into the
 * binaries (their titles in the user's language), then the lessons
 * written in C.  An array of PochtaLessonEntry*. */
GPtrArray *pochta_lesson_list_all (void);
/* By id; NULL when there is none. */
const PochtaLesson *pochta_lesson_find (const char *id);
/* The note of a transcript line, or NULL. */
const PochtaLessonNote *pochta_lesson_find_note (const PochtaLesson             *lesson,
                                                 PochtaTranscript               *transcript,
                                                 const PochtaTranscriptItem     *item);

/* The thesis session, a lesson file (lessons/seed-session.lesson). */
#define POCHTA_LESSON_THESIS "seed-session"

G_END_DECLS
