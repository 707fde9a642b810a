/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The numbered transcript in the thesis' notation ("  5  C: MAIL FROM:..."),
 * lines coloured by reply class, a heading row for every connection and
 * the MTA's events in between. */
#pragma once

#include <gtk/gtk.h>

#include "transcript.h"

G_BEGIN_DECLS

#define POCHTA_TYPE_TRANSCRIPT_VIEW (pochta_transcript_view_get_type ())
G_DECLARE_FINAL_TYPE (PochtaTranscriptView, pochta_transcript_view, POCHTA, TRANSCRIPT_VIEW,
                      GtkScrolledWindow)

/* Signals:
 *   item-selected (guint index): the user selected the row of the
 *     transcript's item index.
 *   connection-selected (guint id): the user selected a connection's
 *     heading. */

GtkWidget *pochta_transcript_view_new (void);

void pochta_transcript_view_clear (PochtaTranscriptView *self);
/* Appends item of transcript (and the heading of its connection the
 * first time it appears); scrolls to it when follow is set. */
void pochta_transcript_view_append (PochtaTranscriptView       *self,
                                    PochtaTranscript           *transcript,
                                    const PochtaTranscriptItem *item,
                                    gboolean                    follow);
/* Selects the row of item index without emitting item-selected; FALSE
 * when it is not shown. */
gboolean pochta_transcript_view_select_item (PochtaTranscriptView *self, guint index);
/* The selected item's index, or -1. */
int pochta_transcript_view_get_selected_item (PochtaTranscriptView *self);

guint pochta_transcript_view_get_n_rows (PochtaTranscriptView *self);
/* Every row as shown, one a line ("  1  S: 220 ..."): what the tests
 * compare with the thesis. */
char *pochta_transcript_view_dup_text (PochtaTranscriptView *self);

/* Wire bytes as readable UTF-8: control bytes and bytes that are not
 * UTF-8 as "\xNN", '\' as "\\". */
char *pochta_visible_text (const char *text, gsize length);

G_END_DECLS
