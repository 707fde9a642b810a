/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Pochta window: header bar with the lesson player's controls, the
 * network map, the transcript, the sequence diagram and the explanation
 * pane, all showing one lesson player. */
#pragma once

#include <gtk/gtk.h>

#include "explanation-pane.h"
#include "lesson-player.h"
#include "network-map.h"
#include "pochta-application.h"
#include "sequence-view.h"
#include "transcript-export.h"
#include "transcript-view.h"

G_BEGIN_DECLS

#define POCHTA_TYPE_WINDOW (pochta_window_get_type ())
G_DECLARE_FINAL_TYPE (PochtaWindow, pochta_window, POCHTA, WINDOW, GtkApplicationWindow)

/* Opens on the last lesson played (the thesis session the first time). */
PochtaWindow *pochta_window_new (PochtaApplication *application);

/* A lesson compiled into the binaries, by id ("seed-session"). */
gboolean pochta_window_load_lesson (PochtaWindow *self, const char *id, GError **error);
/* A lesson file (*.lesson) to play, or a network file (*.network): its
 * map, with nothing to play.  The window's "open-file" action (a URI)
 * does the same and shows an error in the window. */
gboolean pochta_window_open_file (PochtaWindow *self, GFile *file, GError **error);
/* The error the window shows above its views (a file that did not load,
 * an export that failed), or NULL when it shows none. */
char *pochta_window_dup_error (PochtaWindow *self);
/* Writes the current transcript as format (the diagram: of the connection
 * shown in the sequence view). */
gboolean pochta_window_export_to_file (PochtaWindow       *self,
                                       PochtaExportFormat  format,
                                       GFile              *file,
                                       GError            **error);

PochtaLessonPlayer *pochta_window_get_player (PochtaWindow *self);
PochtaNetworkMap *pochta_window_get_map (PochtaWindow *self);
PochtaTranscriptView *pochta_window_get_transcript_view (PochtaWindow *self);
PochtaSequenceView *pochta_window_get_sequence_view (PochtaWindow *self);
PochtaExplanationPane *pochta_window_get_explanation_pane (PochtaWindow *self);

G_END_DECLS
