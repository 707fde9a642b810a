/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the exporters share: the walk through a transcript with its
 * openings and closings in place, times, and visible escaping of lines. */
#pragma once

#include "transcript-export.h"

G_BEGIN_DECLS

typedef enum
{
  POCHTA_EXPORT_STEP_OPEN,  /* a connection opens */
  POCHTA_EXPORT_STEP_CLOSE, /* a connection closes */
  POCHTA_EXPORT_STEP_ITEM,  /* an item */
} PochtaExportStepKind;

typedef struct
{
  PochtaExportStepKind kind;
  const PochtaTranscriptConnection *connection; /* OPEN, CLOSE; ITEM on a connection */
  const PochtaTranscriptItem *item;             /* ITEM */
} PochtaExportStep;

/* Every opening, closing and item in the order they happened: before item
 * i come the openings and closings whose index is i, by time (an opening
 * before a closing at the same time). */
GArray *pochta_export_steps (PochtaTranscript *transcript);

/* The caller's options, or the defaults when options is NULL. */
PochtaExportOptions pochta_export_options_resolve (const PochtaExportOptions *options);

/* "HH:MM:SS.mmm" of a virtual time in the zone utc_offset_minutes. */
void pochta_export_append_time (GString *out, gint64 usec, int utc_offset_minutes);
/* "YYYY-MM-DD" in the same zone. */
void pochta_export_append_date (GString *out, gint64 usec, int utc_offset_minutes);

typedef enum
{
  POCHTA_ESCAPE_TEXT, /* plain text */
  POCHTA_ESCAPE_HTML, /* HTML-escaped, escapes wrapped in <span class="esc"> */
} PochtaEscapeMode;

/* Appends bytes as readable UTF-8: printable ASCII and valid UTF-8 as
 * they are; '\' as "\\"; control bytes, DEL, C1 controls and bytes that
 * are not UTF-8 as "\xNN". */
void pochta_export_append_visible (GString         *out,
                                   const char      *text,
                                   gsize            length,
                                   PochtaEscapeMode mode);

/* HTML-escapes a UTF-8 string (& < > " '). */
void pochta_export_append_html (GString *out, const char *text);

/* "comp1.otd1.constr.org (192.0.2.11) -> comp3.otd2.constr.org:25 smtp" */
void pochta_export_append_connection (GString *out, const PochtaTranscriptConnection *connection);

/* The class name the views colour a line by: "c2".."c5" for replies,
 * "command", "data" (message content) or "response" (SASL, unparsed). */
const char *pochta_export_line_style (const PochtaTranscriptItem *item);

G_END_DECLS
