/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The export formats by name, the dispatcher, and what every exporter
 * shares: the ordered walk, times and visible escaping. */
#define G_LOG_DOMAIN "pochta-export"
#include "config.h"

#include <string.h>

#include "transcript-export-private.h"

G_DEFINE_QUARK (pochta-transcript-error-quark, pochta_transcript_error)

static const char *const format_names[] = {
  [POCHTA_EXPORT_TEXT] = "txt",
  [POCHTA_EXPORT_JSON] = "json",
  [POCHTA_EXPORT_HTML] = "html",
  [POCHTA_EXPORT_PCAP] = "pcap",
  [POCHTA_EXPORT_SVG] = "svg",
  [POCHTA_EXPORT_PDF] = "pdf",
  [POCHTA_EXPORT_PNG] = "png",
};

#define USEC_PER_MSEC G_GINT64_CONSTANT (1000)
#define USEC_PER_MINUTE G_GINT64_CONSTANT (60000000)
#define USEC_PER_DAY G_GINT64_CONSTANT (86400000000)
#define MSEC_PER_DAY G_GINT64_CONSTANT (86400000)

const char *
pochta_export_format_to_string (PochtaExportFormat format)
{
  g_return_val_if_fail ((guint) format < G_N_ELEMENTS (format_names), NULL);
  return format_names[format];
}

gboolean
pochta_export_format_from_string (const char *name, PochtaExportFormat *out_format)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out_format != NULL, FALSE);

  if (strcmp (name, "text") == 0)
    name = "txt";
  for (gsize i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (strcmp (format_names[i], name) == 0)
      {
        *out_format = (PochtaExportFormat) i;
        return TRUE;
      }
  return FALSE;
}

GBytes *
pochta_transcript_export (PochtaTranscript          *transcript,
                          PochtaExportFormat         format,
                          const PochtaExportOptions *options,
                          GError                   **error)
{
  g_return_val_if_fail (transcript != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (format)
    {
    case POCHTA_EXPORT_TEXT:
      return pochta_transcript_export_text (transcript, options);
    case POCHTA_EXPORT_JSON:
      return pochta_transcript_export_json (transcript);
    case POCHTA_EXPORT_HTML:
      return pochta_transcript_export_html (transcript, options);
    case POCHTA_EXPORT_PCAP:
      return pochta_transcript_export_pcap (transcript, error);
    case POCHTA_EXPORT_SVG:
    case POCHTA_EXPORT_PDF:
    case POCHTA_EXPORT_PNG:
      return pochta_transcript_export_diagram (transcript, format, options, error);
    }
  g_return_val_if_reached (NULL);
}

PochtaExportOptions
pochta_export_options_resolve (const PochtaExportOptions *options)
{
  PochtaExportOptions resolved = { 0 };

  if (options != NULL)
    resolved = *options;
  if (resolved.fold_data_lines == 0)
    resolved.fold_data_lines = 4;
  if (resolved.png_scale <= 0)
    resolved.png_scale = 2;
  return resolved;
}

typedef struct
{
  guint index;      /* the item it comes before */
  gint64 time;
  int order;        /* opening 0, closing 1 */
  PochtaExportStep step;
} Mark;

static int
compare_marks (gconstpointer a, gconstpointer b)
{
  const Mark *x = a, *y = b;

  if (x->index != y->index)
    return x->index < y->index ? -1 : 1;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  if (x->order != y->order)
    return x->order - y->order;
  return (int) x->step.connection->id - (int) y->step.connection->id;
}

static GArray *
collect_marks (PochtaTranscript *transcript)
{
  GArray *marks = g_array_new (FALSE, TRUE, sizeof (Mark));
  guint n_connections = pochta_transcript_get_n_connections (transcript);

  for (guint id = 1; id <= n_connections; id++)
    {
      const PochtaTranscriptConnection *connection =
        pochta_transcript_get_connection (transcript, id);
      Mark open = { connection->open_index, connection->open_time, 0,
                    { POCHTA_EXPORT_STEP_OPEN, connection, NULL } };
      g_array_append_val (marks, open);
      if (connection->close_time >= 0)
        {
          Mark close = { connection->close_index, connection->close_time, 1,
                         { POCHTA_EXPORT_STEP_CLOSE, connection, NULL } };
          g_array_append_val (marks, close);
        }
    }
  g_array_sort (marks, compare_marks);
  return marks;
}

GArray *
pochta_export_steps (PochtaTranscript *transcript)
{
  g_return_val_if_fail (transcript != NULL, NULL);

  g_autoptr (GArray) marks = collect_marks (transcript);
  GArray *steps = g_array_new (FALSE, TRUE, sizeof (PochtaExportStep));
  guint n_items = pochta_transcript_get_n_items (transcript);
  guint next_mark = 0;

  for (guint i = 0; i <= n_items; i++)
    {
      for (; next_mark < marks->len && g_array_index (marks, Mark, next_mark).index <= i;
           next_mark++)
        g_array_append_val (steps, g_array_index (marks, Mark, next_mark).step);
      if (i == n_items)
        break;
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      PochtaExportStep step = { POCHTA_EXPORT_STEP_ITEM,
                                pochta_transcript_get_connection (transcript, item->connection),
                                item };
      g_array_append_val (steps, step);
    }
  return steps;
}

/* Division that rounds toward minus infinity, so that times before the
 * epoch or a negative zone still give a time of day in range. */
static gint64
floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void
pochta_export_append_time (GString *out, gint64 usec, int utc_offset_minutes)
{
  g_return_if_fail (out != NULL);

  gint64 local = usec + utc_offset_minutes * USEC_PER_MINUTE;
  gint64 msec_of_day = floor_div (local, USEC_PER_MSEC)
                       - floor_div (local, USEC_PER_DAY) * MSEC_PER_DAY;
  g_string_append_printf (out, "%02d:%02d:%02d.%03d",
                          (int) (msec_of_day / 3600000), (int) (msec_of_day / 60000 % 60),
                          (int) (msec_of_day / 1000 % 60), (int) (msec_of_day % 1000));
}

void
pochta_export_append_date (GString *out, gint64 usec, int utc_offset_minutes)
{
  g_return_if_fail (out != NULL);

  gint64 local = usec + utc_offset_minutes * USEC_PER_MINUTE;
  g_autoptr (GDateTime) date =
    g_date_time_new_from_unix_utc (floor_div (local, G_USEC_PER_SEC));
  if (date == NULL)
    {
      g_string_append (out, "(date out of range)");
      return;
    }
  g_string_append_printf (out, "%04d-%02d-%02d", g_date_time_get_year (date),
                          g_date_time_get_month (date), g_date_time_get_day_of_month (date));
}

static void
append_escape (GString *out, guchar byte, PochtaEscapeMode mode)
{
  if (mode == POCHTA_ESCAPE_HTML)
    g_string_append_printf (out, "<span class=\"esc\">\\x%02X</span>", byte);
  else
    g_string_append_printf (out, "\\x%02X", byte);
}

static void
append_ascii (GString *out, char c, PochtaEscapeMode mode)
{
  if (c == '\\')
    g_string_append (out, "\\\\");
  else if (mode == POCHTA_ESCAPE_HTML && strchr ("&<>\"'", c) != NULL)
    {
      char one[2] = { c, '\0' };
      pochta_export_append_html (out, one);
    }
  else
    g_string_append_c (out, c);
}

void
pochta_export_append_visible (GString         *out,
                              const char      *text,
                              gsize            length,
                              PochtaEscapeMode mode)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (text != NULL || length == 0);

  gsize i = 0;
  while (i < length)
    {
      guchar c = (guchar) text[i];
      if (c >= 0x20 && c < 0x7f)
        {
          append_ascii (out, (char) c, mode);
          i++;
          continue;
        }
      if (c >= 0x80)
        {
          gunichar u = g_utf8_get_char_validated (text + i, (gssize) (length - i));
          if (u != (gunichar) -1 && u != (gunichar) -2 && u >= 0xa0)
            {
              gsize n = (gsize) (g_utf8_next_char (text + i) - (text + i));
              g_string_append_len (out, text + i, (gssize) n);
              i += n;
              continue;
            }
        }
      append_escape (out, c, mode);
      i++;
    }
}

void
pochta_export_append_html (GString *out, const char *text)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (text != NULL);

  for (const char *p = text; *p != '\0'; p++)
    switch (*p)
      {
      case '&':
        g_string_append (out, "&amp;");
        break;
      case '<':
        g_string_append (out, "&lt;");
        break;
      case '>':
        g_string_append (out, "&gt;");
        break;
      case '"':
        g_string_append (out, "&quot;");
        break;
      case '\'':
        g_string_append (out, "&#39;");
        break;
      default:
        g_string_append_c (out, *p);
      }
}

void
pochta_export_append_connection (GString *out, const PochtaTranscriptConnection *connection)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (connection != NULL);

  g_string_append_printf (out, "%s (%s) -> %s:%u %s", connection->client_host,
                          connection->client_address, connection->server_host,
                          connection->server_port,
                          pochta_protocol_to_string (connection->protocol));
}

const char *
pochta_export_line_style (const PochtaTranscriptItem *item)
{
  static const char *const reply_styles[] = { NULL, NULL, "c2", "c3", "c4", "c5" };

  g_return_val_if_fail (item != NULL, NULL);

  if (item->in_data)
    return "data";
  if (item->direction == POCHTA_DIRECTION_CLIENT)
    return item->verb != NULL ? "command" : "other";
  if (item->reply_class != POCHTA_REPLY_NONE && (guint) item->reply_class < 6)
    return reply_styles[item->reply_class];
  return "other";
}
