/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the interop tests share: finding a tool or skipping, running it in
 * a scratch home, writing exports to files, looking at PNG pixels. */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "transcript-export.h"

G_BEGIN_DECLS

/* The tool's path, or NULL. */
char *interop_find_tool (const char *program);

/* In a test: TRUE when path is set; otherwise skips the test with a
 * message that says which package brings the program
 * (build-aux/install-deps installs them all). */
gboolean interop_require (const char *path, const char *program, const char *package);

/* Exit status for main (): 77 when every test was skipped for a missing
 * tool (meson's "skipped"), else g_test_run ()'s. */
int interop_exit_status (int test_status, gboolean tool_missing);

/* A fresh directory under the system's temporary one; removed with
 * everything in it by interop_scratch_free (). */
typedef struct
{
  char *path;
} InteropScratch;

InteropScratch *interop_scratch_new (void);
void interop_scratch_free (InteropScratch *scratch);
char *interop_scratch_file (InteropScratch *scratch, const char *name);

/* Runs argv with HOME and the XDG directories inside the scratch
 * directory, so that no tool writes to the real home; fails the test
 * unless it exits with 0.  Returns its standard output. */
char *interop_run (InteropScratch *scratch, const char *const *argv);

/* Exports transcript to the scratch directory; returns the file's path. */
char *interop_export_to_file (InteropScratch           *scratch,
                              PochtaTranscript         *transcript,
                              PochtaExportFormat        format,
                              const PochtaExportOptions *options,
                              const char               *name);

/* Loads a PNG file, failing the test unless cairo can. */
cairo_surface_t *interop_load_png (const char *path);

/* Distinct colours in the image, counted up to limit. */
guint interop_count_colours (cairo_surface_t *surface, guint limit);

/* Whether some opaque pixel is within tolerance of rgb (0xRRGGBB) in
 * every channel. */
gboolean interop_has_colour (cairo_surface_t *surface, guint32 rgb, guint tolerance);

/* Releases cairo's and fontconfig's caches before the process ends. */
void interop_release_fonts (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (InteropScratch, interop_scratch_free)

G_END_DECLS
