/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transcript as one self-contained HTML page: per-connection tables
 * coloured by reply class, MTA events, an optional explanation column. */
#define G_LOG_DOMAIN "pochta-export-html"
#include "config.h"

#include "transcript-export-private.h"

/* Colours by reply class (DESIGN.md §2.5): a light tint behind the row and
 * a dark text of the same hue, legible in print and on a projector. */
static const char stylesheet[] =
  "body{font-family:\"DejaVu Sans\",Arial,sans-serif;margin:24px;color:#202124;"
  "background:#ffffff;}\n"
  "h1{font-size:1.5em;margin:0 0 4px;}\n"
  "h2{font-size:1.1em;margin:24px 0 4px;}\n"
  "p{margin:4px 0;}\n"
  ".meta{color:#5f6368;}\n"
  ".legend span{display:inline-block;padding:2px 8px;margin:8px 8px 0 0;"
  "border-radius:4px;font-size:0.9em;}\n"
  "table{border-collapse:collapse;table-layout:fixed;width:100%;margin-top:8px;"
  "font-size:0.9em;}\n"
  "col.n{width:3em;}\ncol.t{width:8.5em;}\ncol.d{width:3.5em;}\ncol.s{width:14em;}\n"
  "col.x{width:30%;}\n"
  "th{text-align:left;border-bottom:2px solid #dadce0;padding:4px 8px;}\n"
  "td{padding:2px 8px;vertical-align:top;border-bottom:1px solid #f1f3f4;}\n"
  "td.n,td.t{color:#5f6368;text-align:right;white-space:nowrap;"
  "font-variant-numeric:tabular-nums;}\n"
  "td.d{font-weight:bold;white-space:nowrap;}\n"
  "td.l{font-family:\"DejaVu Sans Mono\",Consolas,monospace;white-space:pre-wrap;"
  "overflow-wrap:anywhere;}\n"
  "td.s{color:#5f6368;font-size:0.85em;}\n"
  "td.x{font-size:0.9em;color:#202124;}\n"
  ".c2{background:#e6f4ea;color:#0d652d;}\n"
  ".c3{background:#e8f0fe;color:#174ea6;}\n"
  ".c4{background:#fef7e0;color:#8d4e00;}\n"
  ".c5{background:#fce8e6;color:#a50e0e;}\n"
  ".command{color:#202124;}\n"
  ".data,.other{color:#5f6368;}\n"
  ".event td{background:#f1f3f4;font-style:italic;}\n"
  ".esc{color:#c5221f;font-weight:bold;}\n"
  "footer{margin-top:24px;color:#5f6368;font-size:0.8em;}\n";

typedef struct
{
  GString *out;
  PochtaExportOptions options;
  gboolean in_table;
  guint table_of;       /* connection id of the open table, 0 for events */
} HtmlWriter;

static void
append_time (HtmlWriter *writer, gint64 time)
{
  pochta_export_append_time (writer->out, time, writer->options.utc_offset_minutes);
}

static void
append_zone (GString *out, int utc_offset_minutes)
{
  if (utc_offset_minutes == 0)
    {
      g_string_append (out, "UTC");
      return;
    }
  int minutes = ABS (utc_offset_minutes);
  g_string_append_printf (out, "UTC%c%02d:%02d", utc_offset_minutes < 0 ? '-' : '+',
                          minutes / 60, minutes % 60);
}

static void
end_table (HtmlWriter *writer)
{
  if (!writer->in_table)
    return;
  g_string_append (writer->out, "</tbody>\n</table>\n</section>\n");
  writer->in_table = FALSE;
}

static void
begin_table (HtmlWriter *writer, guint connection)
{
  /* Fixed columns, so that every section's table lines up with the
   * others. */
  g_string_append (writer->out, "<table>\n<colgroup><col class=\"n\"><col class=\"t\">"
                   "<col class=\"d\"><col><col class=\"s\">");
  if (writer->options.explain != NULL)
    g_string_append (writer->out, "<col class=\"x\">");
  g_string_append (writer->out, "</colgroup>\n<thead><tr><th>#</th><th>Time</th><th></th>"
                   "<th>Line</th><th>State</th>");
  if (writer->options.explain != NULL)
    g_string_append (writer->out, "<th>Explanation</th>");
  g_string_append (writer->out, "</tr></thead>\n<tbody>\n");
  writer->in_table = TRUE;
  writer->table_of = connection;
}

static void
append_endpoint (GString *out, const char *host, const char *address, guint port)
{
  pochta_export_append_html (out, host);
  g_string_append (out, " (");
  pochta_export_append_html (out, address);
  g_string_append_printf (out, ":%u)", port);
}

static void
begin_connection (HtmlWriter *writer, const PochtaTranscriptConnection *connection,
                  gboolean continued)
{
  end_table (writer);
  if (continued)
    {
      g_string_append_printf (writer->out, "<section class=\"connection\">\n"
                              "<h2>Connection %u, continued</h2>\n", connection->id);
      begin_table (writer, connection->id);
      return;
    }
  g_string_append_printf (writer->out, "<section class=\"connection\" id=\"connection-%u\">\n"
                          "<h2>Connection %u: %s from ", connection->id, connection->id,
                          connection->protocol == POCHTA_PROTOCOL_SMTP ? "SMTP" : "POP3");
  append_endpoint (writer->out, connection->client_host, connection->client_address,
                   connection->client_port);
  g_string_append (writer->out, " to ");
  append_endpoint (writer->out, connection->server_host, connection->server_address,
                   connection->server_port);
  g_string_append (writer->out, "</h2>\n<p class=\"meta\">Opened ");
  append_time (writer, connection->open_time);
  if (connection->close_time >= 0)
    {
      g_string_append (writer->out, ", closed ");
      append_time (writer, connection->close_time);
    }
  g_string_append (writer->out, ".</p>\n");
  begin_table (writer, connection->id);
}

/* Events outside any connection's table get a table of their own. */
static void
ensure_table (HtmlWriter *writer)
{
  if (writer->in_table)
    return;
  g_string_append (writer->out, "<section class=\"events\">\n");
  begin_table (writer, 0);
}

static void
append_explanation (HtmlWriter *writer, const PochtaTranscriptItem *item)
{
  if (writer->options.explain == NULL)
    return;
  g_string_append (writer->out, "<td class=\"x\">");
  const char *explanation =
    item != NULL ? writer->options.explain (item, writer->options.explain_data) : NULL;
  if (explanation != NULL)
    pochta_export_append_html (writer->out, explanation);
  g_string_append (writer->out, "</td>");
}

static void
append_state (GString *out, const PochtaTranscriptItem *item)
{
  if (item->state_before != NULL)
    pochta_export_append_html (out, item->state_before);
  if (item->state_after != NULL && g_strcmp0 (item->state_before, item->state_after) != 0)
    {
      if (item->state_before != NULL)
        g_string_append (out, " \xe2\x86\x92 ");
      pochta_export_append_html (out, item->state_after);
    }
}

static void
write_line (HtmlWriter *writer, const PochtaTranscriptItem *item,
            const PochtaTranscriptConnection *connection)
{
  if (!writer->in_table || writer->table_of != item->connection)
    begin_connection (writer, connection, TRUE);

  g_string_append_printf (writer->out, "<tr class=\"%s\"><td class=\"n\">%u</td><td class=\"t\">",
                          pochta_export_line_style (item), item->line_number);
  append_time (writer, item->time);
  g_string_append_printf (writer->out, "</td><td class=\"d\">%s</td><td class=\"l\">",
                          item->direction == POCHTA_DIRECTION_CLIENT ? "C:" : "S:");
  pochta_export_append_visible (writer->out, item->text, item->length, POCHTA_ESCAPE_HTML);
  g_string_append (writer->out, "</td><td class=\"s\">");
  append_state (writer->out, item);
  g_string_append (writer->out, "</td>");
  append_explanation (writer, item);
  g_string_append (writer->out, "</tr>\n");
}

/* A row that is not a line: an MTA event, a note, an opening or closing. */
static void
write_event_row (HtmlWriter *writer, gint64 time, const char *label, const char *head,
                 const PochtaTranscriptItem *item)
{
  ensure_table (writer);
  g_string_append (writer->out, "<tr class=\"event\"><td class=\"n\"></td><td class=\"t\">");
  append_time (writer, time);
  g_string_append_printf (writer->out, "</td><td class=\"d\">%s</td><td class=\"l\" colspan=\"2\">",
                          label);
  if (head != NULL)
    pochta_export_append_html (writer->out, head);
  if (item != NULL)
    pochta_export_append_visible (writer->out, item->text, item->length, POCHTA_ESCAPE_HTML);
  g_string_append (writer->out, "</td>");
  append_explanation (writer, item);
  g_string_append (writer->out, "</tr>\n");
}

static void
write_event (HtmlWriter *writer, const PochtaTranscriptItem *item)
{
  if (item->kind == POCHTA_ITEM_NOTE)
    {
      write_event_row (writer, item->time, "Note", NULL, item);
      return;
    }
  g_autofree char *head =
    g_strdup_printf ("%s %s%s", item->host, item->event, item->length > 0 ? ": " : "");
  write_event_row (writer, item->time, "MTA", head, item);
}

static void
write_close (HtmlWriter *writer, const PochtaTranscriptConnection *connection)
{
  g_autofree char *head = g_strdup_printf ("connection %u closed", connection->id);

  write_event_row (writer, connection->close_time, "", head, NULL);
  if (writer->table_of == connection->id)
    end_table (writer);
}

static void
write_head (HtmlWriter *writer, PochtaTranscript *transcript, const char *title)
{
  GString *out = writer->out;

  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"generator\" content=\"Pochta\">\n<title>");
  pochta_export_append_html (out, title);
  g_string_append_printf (out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", stylesheet);
  pochta_export_append_html (out, title);
  g_string_append (out, "</h1>\n<p class=\"meta\">");

  guint n_items = pochta_transcript_get_n_items (transcript);
  guint n_lines = 0;
  for (guint i = 0; i < n_items; i++)
    if (pochta_transcript_get_item (transcript, i)->kind == POCHTA_ITEM_LINE)
      n_lines++;
  guint n_connections = pochta_transcript_get_n_connections (transcript);
  g_string_append_printf (out, "%u connection%s, %u line%s", n_connections,
                          n_connections == 1 ? "" : "s", n_lines, n_lines == 1 ? "" : "s");
  if (n_items > 0 || n_connections > 0)
    {
      gint64 first = n_connections > 0 ? pochta_transcript_get_connection (transcript, 1)->open_time
                                       : pochta_transcript_get_item (transcript, 0)->time;
      if (n_items > 0)
        first = MIN (first, pochta_transcript_get_item (transcript, 0)->time);
      g_string_append (out, "; virtual time from ");
      pochta_export_append_date (out, first, writer->options.utc_offset_minutes);
      g_string_append_c (out, ' ');
      append_time (writer, first);
      g_string_append_c (out, ' ');
      append_zone (out, writer->options.utc_offset_minutes);
    }
  g_string_append (out, ".</p>\n<p class=\"legend\"><span class=\"c2\">2yz completed</span>"
                   "<span class=\"c3\">3yz intermediate</span>"
                   "<span class=\"c4\">4yz transient failure</span>"
                   "<span class=\"c5\">5yz permanent failure</span></p>\n");
}

GBytes *
pochta_transcript_export_html (PochtaTranscript          *transcript,
                               const PochtaExportOptions *options)
{
  g_return_val_if_fail (transcript != NULL, NULL);

  HtmlWriter writer = { g_string_new (NULL), pochta_export_options_resolve (options) };
  write_head (&writer, transcript,
              writer.options.title != NULL ? writer.options.title : "Pochta transcript");

  g_autoptr (GArray) steps = pochta_export_steps (transcript);
  for (guint i = 0; i < steps->len; i++)
    {
      const PochtaExportStep *step = &g_array_index (steps, PochtaExportStep, i);
      switch (step->kind)
        {
        case POCHTA_EXPORT_STEP_OPEN:
          begin_connection (&writer, step->connection, FALSE);
          break;
        case POCHTA_EXPORT_STEP_CLOSE:
          write_close (&writer, step->connection);
          break;
        case POCHTA_EXPORT_STEP_ITEM:
          if (step->item->kind == POCHTA_ITEM_LINE)
            write_line (&writer, step->item, step->connection);
          else
            write_event (&writer, step->item);
          break;
        }
    }
  end_table (&writer);
  g_string_append (writer.out, "<footer>Exported by Pochta, a laboratory for the mail "
                   "protocols.</footer>\n</body>\n</html>\n");
  return g_string_free_to_bytes (writer.out);
}
