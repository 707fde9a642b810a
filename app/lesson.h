/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lessons the window offers, all of them lesson files (scenario.h):
 * the ones compiled into the binaries, listed for the picker, and any
 * other opened from disk; and the note a lesson's step gives the
 * explanation pane. */
#pragma once

#include <glib.h>

#include "scenario.h"

G_BEGIN_DECLS

/* What a lesson says about one transcript line: the Explain= of the step
 * that brought it, and on the step's first line its quiz.  A note with a
 * question is a checkpoint: the player pauses there until the user
 * answers or steps on. */
typedef struct
{
  const char *text;          /* translated, or NULL */
  const char *question;      /* translated, or NULL */
  const char *choices;       /* ';'-separated, translated; NULL: a free-text quiz */
  const char *answer;        /* the right choice, or Answer= of a free-text quiz */
  const char *hint;          /* translated, or NULL */
  /* The step, which checks the answers (pochta_scenario_step_check_answer). */
  const PochtaScenarioStep *step;
} PochtaLessonNote;

typedef struct
{
  char *id;
  char *title;               /* translated */
} PochtaLessonEntry;

void pochta_lesson_entry_free (PochtaLessonEntry *entry);

/* What the lesson picker lists: the lessons compiled into the binaries,
 * sorted by id, their titles in the user's language.  An array of
 * PochtaLessonEntry*. */
GPtrArray *pochta_lesson_list_all (void);

/* A lesson compiled into the binaries, by id, in the user's language;
 * NULL with G_IO_ERROR_NOT_FOUND when there is none. */
PochtaScenario *pochta_lesson_load_builtin (const char *id, GError **error);
/* A lesson file from disk, in the user's language (its own Key[ru]=
 * lines); NULL with the loader's "file:line: ..." error, or when the file
 * is a scenario and not a lesson. */
PochtaScenario *pochta_lesson_load_file (const char *path, GError **error);

/* The thesis session, a lesson file (lessons/seed-session.lesson). */
#define POCHTA_LESSON_THESIS "seed-session"

G_END_DECLS
