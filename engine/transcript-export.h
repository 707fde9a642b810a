/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every way a transcript leaves Pochta (numbered text, JSON, HTML, pcap,
 * the sequence diagram as SVG, PDF and PNG) and the JSON importer that
 * brings one back.  Exports are bytes in memory; the same transcript and
 * options always give the same bytes (DESIGN.md §2.4). */
#pragma once

#include <glib.h>

#include "transcript.h"

G_BEGIN_DECLS

typedef enum
{
  POCHTA_EXPORT_TEXT,
  POCHTA_EXPORT_JSON,
  POCHTA_EXPORT_HTML,
  POCHTA_EXPORT_PCAP,
  POCHTA_EXPORT_SVG,
  POCHTA_EXPORT_PDF,
  POCHTA_EXPORT_PNG,
} PochtaExportFormat;

/* "txt", "json", "html", "pcap", "svg", "pdf", "png" (what
 * `pochta-cli export --format` takes; "text" is also accepted). */
const char *pochta_export_format_to_string (PochtaExportFormat format);
gboolean pochta_export_format_from_string (const char *name, PochtaExportFormat *out_format);

/* The explanation of one item, or NULL for none; the exporter escapes
 * it.  The knowledge base plugs in here. */
typedef const char *(*PochtaExplainFunc) (const PochtaTranscriptItem *item, gpointer user_data);

typedef struct
{
  /* Times are shown as HH:MM:SS.mmm in this zone, minutes east of UTC. */
  int utc_offset_minutes;
  /* The HTML page's title and the diagram's heading; NULL for one made
   * from the transcript. */
  const char *title;
  /* HTML: adds an explanation column when set. */
  PochtaExplainFunc explain;
  gpointer explain_data;
  /* Diagram: the connection drawn (its id); 0 for the first one. */
  guint connection;
  /* Diagram: a run of message content longer than this becomes one arrow
   * "message content, N lines"; 0 for the default (4), G_MAXUINT never
   * folds. */
  guint fold_data_lines;
  /* PNG: pixels per point; 0 for the default (2). */
  double png_scale;
} PochtaExportOptions;

#define POCHTA_TRANSCRIPT_ERROR (pochta_transcript_error_quark ())
GQuark pochta_transcript_error_quark (void);

typedef enum
{
  POCHTA_TRANSCRIPT_ERROR_INVALID,     /* the JSON is not a valid transcript */
  POCHTA_TRANSCRIPT_ERROR_UNSUPPORTED, /* the transcript holds what the format cannot say */
  POCHTA_TRANSCRIPT_ERROR_FAILED,      /* a library (cairo, libpcap) failed */
} PochtaTranscriptError;

/* Numbered lines in the thesis' notation ("  1  S: 220 ..."), a "# ..."
 * line per connection, MTA event and note.  options may be NULL. */
GBytes *pochta_transcript_export_text (PochtaTranscript          *transcript,
                                       const PochtaExportOptions *options);

/* The "pochta-transcript" JSON, version 1 (README.md, "Transcript JSON"). */
GBytes *pochta_transcript_export_json (PochtaTranscript *transcript);

/* Loads what export_json wrote (or a hand-written file in the same
 * schema), checking every field; the derived fields (index, line_number,
 * verb, code, reply_class, status) may be left out, and when present must
 * be what the transcript derives from the line.  Errors name the field,
 * e.g. "items[4].code: 251, but the line says 250". */
PochtaTranscript *pochta_transcript_import_json (const char *data,
                                                 gsize       length,
                                                 GError    **error);

/* One self-contained HTML page: inline CSS, no scripts, no external
 * resources; lines coloured by reply class.  options may be NULL. */
GBytes *pochta_transcript_export_html (PochtaTranscript          *transcript,
                                       const PochtaExportOptions *options);

/* A pcap (Ethernet) file with synthesized IPv4/TCP carrying every line:
 * handshake at opening, one segment per write, FIN at closing, virtual
 * time as timestamps.  Fails when an address is not IPv4. */
GBytes *pochta_transcript_export_pcap (PochtaTranscript *transcript,
                                       GError          **error);

/* The sequence diagram of one connection; format is SVG, PDF or PNG.
 * options may be NULL. */
GBytes *pochta_transcript_export_diagram (PochtaTranscript          *transcript,
                                          PochtaExportFormat         format,
                                          const PochtaExportOptions *options,
                                          GError                   **error);

/* The diagram's size in points (PNG: times png_scale, rounded up). */
gboolean pochta_transcript_get_diagram_size (PochtaTranscript          *transcript,
                                             const PochtaExportOptions *options,
                                             double                    *out_width,
                                             double                    *out_height,
                                             GError                   **error);

/* Any format. */
GBytes *pochta_transcript_export (PochtaTranscript          *transcript,
                                  PochtaExportFormat         format,
                                  const PochtaExportOptions *options,
                                  GError                   **error);

G_END_DECLS
