/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The explanation pane: the lesson's text for the step, the knowledge
 * base's entry for the reply (meaning, cause, next step, RFC section) and
 * the lesson's quiz (choices, check, hint, score). */
#pragma once

#include <gtk/gtk.h>

#include "knowledge.h"
#include "lesson.h"

G_BEGIN_DECLS

#define POCHTA_TYPE_EXPLANATION_PANE (pochta_explanation_pane_get_type ())
G_DECLARE_FINAL_TYPE (PochtaExplanationPane, pochta_explanation_pane, POCHTA, EXPLANATION_PANE,
                      GtkScrolledWindow)

GtkWidget *pochta_explanation_pane_new (void);

/* The lesson's title and summary: what the pane says before step 1. */
void pochta_explanation_pane_show_intro (PochtaExplanationPane *self,
                                         const char            *title,
                                         const char            *summary);
/* One line: heading ("Line 49 · S: 550 No such user here"), the
 * lesson's note (or NULL) and the knowledge base's entry (or NULL).  A
 * note with a question brings up its quiz. */
void pochta_explanation_pane_show_line (PochtaExplanationPane      *self,
                                        const char                 *heading,
                                        const PochtaLessonNote     *note,
                                        const PochtaKnowledgeEntry *entry);

/* Forgets the score (a new lesson). */
void pochta_explanation_pane_reset_score (PochtaExplanationPane *self);
/* Answers the quiz shown with choice as if chosen and checked; FALSE
 * when no quiz is shown or choice is not one of its choices. */
gboolean pochta_explanation_pane_answer (PochtaExplanationPane *self, const char *choice);
/* Answers right so far, out of answered. */
void pochta_explanation_pane_get_score (PochtaExplanationPane *self,
                                        guint                 *out_right,
                                        guint                 *out_answered);
/* Whether a quiz waits for its answer. */
gboolean pochta_explanation_pane_has_open_quiz (PochtaExplanationPane *self);
/* All the text shown, for the tests. */
char *pochta_explanation_pane_dup_text (PochtaExplanationPane *self);

G_END_DECLS
