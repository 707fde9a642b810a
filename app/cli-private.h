/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The subcommands of pochta-cli and what they share. */
#pragma once

#include <glib.h>

#include "scenario.h"
#include "transcript.h"

G_BEGIN_DECLS

/* Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit status. */
int cli_play (int argc, char **argv);
int cli_check (int argc, char **argv);
int cli_network (int argc, char **argv);
int cli_simulate (int argc, char **argv);
int cli_export (int argc, char **argv);
int cli_explain (int argc, char **argv);
int cli_serve (int argc, char **argv);

/* Prints "pochta-cli COMMAND: message" and a hint to --help; returns 2. */
int cli_usage_error (const char *command, const char *message);

/* ---- cli-allocator.c ---- */

/* "mimalloc 2.0.9" or "the C library's malloc": what the process
 * allocates with. */
char *cli_allocator_describe (void);

/* ---- cli-scenario.c: what play and check share ---- */

/* The language --lang names for the lesson loader: "en" is the
 * untranslated text ("C"); NULL (no --lang) the user's languages.  FALSE
 * for a language Pochta has no texts in. */
gboolean cli_lesson_language (const char *option, const char **out_language);
/* The interface speaks the language --lang names too. */
void cli_use_language (const char *option);
/* A scenario or lesson file, or a built-in lesson by id when name is not
 * a file. */
PochtaScenario *cli_load_scenario (const char *name, const char *language, GError **error);
/* Prints the transcript items [first, end) in the thesis' notation:
 * numbered "C:" and "S:" lines, "#" lines for connections and MTA events,
 * times in the zone utc_offset (minutes east of UTC). */
void cli_print_items (PochtaTranscript *transcript, guint first, guint end, int utc_offset);

/* ---- cli-progress.c ---- */

/* A progress bar on stdout, drawn only when stdout is a terminal. */
typedef struct _CliProgress CliProgress;

CliProgress *cli_progress_new (const char *label, guint64 total);
void cli_progress_update (CliProgress *self, guint64 done);
/* Clears the bar (the line is left for what follows) and frees it. */
void cli_progress_free (CliProgress *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliProgress, cli_progress_free)

G_END_DECLS
