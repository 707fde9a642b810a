/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sequence diagram of one connection as a widget: client and server
 * lifelines, one arrow per line, the session state between arrows, the
 * selected line highlighted.  Put it in a GtkScrolledWindow. */
#pragma once

#include <gtk/gtk.h>

#include "transcript.h"

G_BEGIN_DECLS

#define POCHTA_TYPE_SEQUENCE_VIEW (pochta_sequence_view_get_type ())
G_DECLARE_FINAL_TYPE (PochtaSequenceView, pochta_sequence_view, POCHTA, SEQUENCE_VIEW,
                      GtkDrawingArea)

/* Signals:
 *   item-selected (guint index): a click on an arrow. */

GtkWidget *pochta_sequence_view_new (void);

/* Draws connection (0: none) with the first n_items items of transcript
 * (borrowed: call again, or with NULL, before it goes away). */
void pochta_sequence_view_show (PochtaSequenceView *self,
                                PochtaTranscript   *transcript,
                                guint               n_items,
                                guint               connection);
guint pochta_sequence_view_get_connection (PochtaSequenceView *self);
/* The item drawn highlighted (-1: none); scrolls to it. */
void pochta_sequence_view_set_highlight (PochtaSequenceView *self, int index);
/* How many arrows are drawn. */
guint pochta_sequence_view_get_n_arrows (PochtaSequenceView *self);

G_END_DECLS
