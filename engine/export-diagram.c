/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sequence diagram of one connection, drawn with cairo alone onto its
 * SVG, PDF and image (PNG) surfaces. */
#define G_LOG_DOMAIN "pochta-export-diagram"
#include "config.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <string.h>

#include "reply-palette.h"
#include "transcript-export-private.h"

/* Layout, in points. */
#define MARGIN 28.0
#define TITLE_SIZE 15.0
#define SUBTITLE_SIZE 10.0
#define HOST_SIZE 11.5
#define ADDRESS_SIZE 9.5
#define LINE_SIZE 10.0
#define GUTTER_SIZE 9.0
#define STATE_SIZE 8.5
#define BOX_PADDING 10.0
#define BOX_HEIGHT 40.0
#define ROW_HEIGHT 25.0
#define STATE_ROW_HEIGHT 22.0
#define STATE_BOX_HEIGHT 15.0
#define LABEL_INSET 10.0     /* arrow text from the lifeline it leaves */
#define ARROW_HEAD 7.0
#define MIN_SPAN 380.0
#define MAX_SPAN 640.0       /* beyond it a line's text is cut with an ellipsis */
#define GUTTER_GAP 18.0

#define SANS "DejaVu Sans"
#define MONO "DejaVu Sans Mono"

/* Lines take their colours from the shared palette (reply-palette.h);
 * these two only frame the drawing. */
typedef PochtaRgb Colour;

static const Colour rule = { 0xba, 0xbe, 0xc3 };
static const Colour box_fill = { 0xf1, 0xf3, 0xf4 };

typedef enum
{
  ROW_ARROW,
  ROW_STATE,
} RowKind;

typedef struct
{
  RowKind kind;
  PochtaDirection direction; /* ARROW */
  char *label;               /* ARROW: the line, escaped; STATE: the state's name */
  char *gutter;              /* ARROW: "  5  10:15:00.120" */
  Colour colour;
  gboolean folded;           /* ARROW: a run of message content */
} Row;

typedef struct
{
  const PochtaTranscriptConnection *connection;
  PochtaExportOptions options;
  char *title;
  char *subtitle;
  char *client_address;      /* "192.0.2.11:40001" */
  char *server_address;
  GArray *rows;              /* of Row */
  /* Layout. */
  double width, height;
  double gutter_width;
  double client_x, server_x;
  double label_max;          /* the widest arrow text before it is cut */
  double boxes_y, rows_y;
} Diagram;

static void
row_clear (gpointer data)
{
  Row *row = data;
  g_free (row->label);
  g_free (row->gutter);
}

static void
diagram_clear (Diagram *diagram)
{
  g_free (diagram->title);
  g_free (diagram->subtitle);
  g_free (diagram->client_address);
  g_free (diagram->server_address);
  g_clear_pointer (&diagram->rows, g_array_unref);
}

/* The same metrics on every surface: unhinted, so that the layout (and so
 * every byte of every export) does not depend on the target. */
static void
set_font (cairo_t *cr, const char *family, gboolean bold, gboolean italic, double size)
{
  cairo_select_font_face (cr, family, italic ? CAIRO_FONT_SLANT_ITALIC : CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

static void
set_unhinted (cairo_t *cr)
{
  cairo_font_options_t *options = cairo_font_options_create ();
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_set_font_options (cr, options);
  cairo_font_options_destroy (options);
}

static double
text_width (cairo_t *cr, const char *text)
{
  cairo_text_extents_t extents;
  cairo_text_extents (cr, text, &extents);
  return extents.x_advance;
}

static void
set_colour (cairo_t *cr, const Colour *colour)
{
  cairo_set_source_rgb (cr, colour->r / 255.0, colour->g / 255.0, colour->b / 255.0);
}

/* The longest prefix of text that fits max_width with an ellipsis after
 * it, cut between characters. */
static char *
fit_text (cairo_t *cr, const char *text, double max_width)
{
  if (text_width (cr, text) <= max_width)
    return g_strdup (text);

  glong n_chars = g_utf8_strlen (text, -1);
  glong low = 0, high = n_chars;
  while (low < high)
    {
      glong mid = (low + high + 1) / 2;
      g_autofree char *prefix = g_utf8_substring (text, 0, mid);
      g_autofree char *candidate = g_strconcat (prefix, "\xe2\x80\xa6", NULL);
      if (text_width (cr, candidate) <= max_width)
        low = mid;
      else
        high = mid - 1;
    }
  g_autofree char *prefix = g_utf8_substring (text, 0, low);
  return g_strconcat (prefix, "\xe2\x80\xa6", NULL);
}

static char *
format_time (const Diagram *diagram, gint64 time)
{
  GString *out = g_string_new (NULL);
  pochta_export_append_time (out, time, diagram->options.utc_offset_minutes);
  return g_string_free (out, FALSE);
}

static char *
format_gutter (const Diagram *diagram, const PochtaTranscriptItem *item)
{
  g_autofree char *time = format_time (diagram, item->time);
  return g_strdup_printf ("%3u  %s", item->line_number, time);
}

static Colour
line_colour (const PochtaTranscriptItem *item)
{
  return pochta_palette_item (item);
}

static void
add_state_row (Diagram *diagram, const char *state)
{
  Row row = { ROW_STATE, 0, g_strdup (state), NULL, pochta_palette_secondary, FALSE };
  g_array_append_val (diagram->rows, row);
}

/* last is the final line of a folded run (n_folded > 0). */
static void
add_arrow (Diagram *diagram, const PochtaTranscriptItem *item, guint n_folded,
           const PochtaTranscriptItem *last)
{
  Row row = { ROW_ARROW, item->direction, NULL, format_gutter (diagram, item),
              line_colour (item), n_folded > 0 };

  if (n_folded > 0)
    row.label = g_strdup_printf ("message content, %u lines (%u\xe2\x80\x93%u)", n_folded,
                                 item->line_number, last->line_number);
  else
    {
      GString *label = g_string_new (NULL);
      pochta_export_append_visible (label, item->text, item->length, POCHTA_ESCAPE_TEXT);
      row.label = g_string_free (label, FALSE);
    }
  g_array_append_val (diagram->rows, row);
}

/* How many items from `first` on are one run of message content from one
 * side of the connection. */
static guint
data_run (PochtaTranscript *transcript, guint first, guint connection)
{
  const PochtaTranscriptItem *head = pochta_transcript_get_item (transcript, first);
  guint n_items = pochta_transcript_get_n_items (transcript);
  guint n = 0;

  for (guint i = first; i < n_items; i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind != POCHTA_ITEM_LINE || item->connection != connection)
        continue;
      if (!item->in_data || item->direction != head->direction)
        break;
      n++;
    }
  return n;
}

/* Skips n lines of the connection from `first` on; returns the index after
 * them and the last one in *out_last. */
static guint
skip_lines (PochtaTranscript *transcript, guint first, guint connection, guint n,
            const PochtaTranscriptItem **out_last)
{
  guint i = first;

  for (; n > 0; i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind == POCHTA_ITEM_LINE && item->connection == connection)
        {
          *out_last = item;
          n--;
        }
    }
  return i;
}

static void
build_rows (Diagram *diagram, PochtaTranscript *transcript)
{
  guint id = diagram->connection->id;
  guint n_items = pochta_transcript_get_n_items (transcript);
  const char *shown_state = NULL;

  for (guint i = 0; i < n_items;)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind != POCHTA_ITEM_LINE || item->connection != id)
        {
          i++;
          continue;
        }
      if (shown_state == NULL && item->state_before != NULL)
        add_state_row (diagram, shown_state = item->state_before);

      guint run = item->in_data ? data_run (transcript, i, id) : 0;
      const PochtaTranscriptItem *last = item;
      if (run > diagram->options.fold_data_lines)
        {
          i = skip_lines (transcript, i, id, run, &last);
          add_arrow (diagram, item, run, last);
        }
      else
        {
          add_arrow (diagram, item, 0, item);
          i++;
        }
      if (last->state_after != NULL && g_strcmp0 (last->state_after, shown_state) != 0)
        add_state_row (diagram, shown_state = last->state_after);
    }
}

static char *
default_title (const PochtaTranscriptConnection *connection)
{
  return g_strdup_printf ("Connection %u: %s \xe2\x86\x92 %s (%s)", connection->id,
                          connection->client_host, connection->server_host,
                          connection->protocol == POCHTA_PROTOCOL_SMTP ? "SMTP" : "POP3");
}

static char *
make_subtitle (const Diagram *diagram)
{
  const PochtaTranscriptConnection *connection = diagram->connection;
  GString *out = g_string_new ("Opened ");

  pochta_export_append_date (out, connection->open_time, diagram->options.utc_offset_minutes);
  g_string_append_c (out, ' ');
  pochta_export_append_time (out, connection->open_time, diagram->options.utc_offset_minutes);
  if (connection->close_time >= 0)
    {
      g_string_append (out, ", closed ");
      pochta_export_append_time (out, connection->close_time,
                                 diagram->options.utc_offset_minutes);
    }
  int offset = diagram->options.utc_offset_minutes;
  if (offset == 0)
    g_string_append (out, " (UTC)");
  else
    g_string_append_printf (out, " (UTC%c%02d:%02d)", offset < 0 ? '-' : '+', ABS (offset) / 60,
                            ABS (offset) % 60);
  g_string_append (out, "; times are virtual");
  return g_string_free (out, FALSE);
}

static double
box_width (cairo_t *cr, const char *host, const char *address)
{
  set_font (cr, SANS, TRUE, FALSE, HOST_SIZE);
  double width = text_width (cr, host);
  set_font (cr, MONO, FALSE, FALSE, ADDRESS_SIZE);
  return MAX (width, text_width (cr, address)) + 2 * BOX_PADDING;
}

/* Widths of what sits on or between the lifelines decide where they go. */
static void
lay_out (Diagram *diagram, cairo_t *cr)
{
  const PochtaTranscriptConnection *connection = diagram->connection;
  double client_box = box_width (cr, connection->client_host, diagram->client_address);
  double server_box = box_width (cr, connection->server_host, diagram->server_address);
  double widest_label = 0, widest_state = 0;

  set_font (cr, MONO, FALSE, FALSE, GUTTER_SIZE);
  diagram->gutter_width = text_width (cr, "999  00:00:00.000");
  for (guint i = 0; i < diagram->rows->len; i++)
    {
      const Row *row = &g_array_index (diagram->rows, Row, i);
      if (row->kind == ROW_ARROW)
        {
          set_font (cr, row->folded ? SANS : MONO, FALSE, row->folded, LINE_SIZE);
          widest_label = MAX (widest_label, text_width (cr, row->label));
          set_font (cr, MONO, FALSE, FALSE, GUTTER_SIZE);
          diagram->gutter_width = MAX (diagram->gutter_width, text_width (cr, row->gutter));
        }
      else
        {
          set_font (cr, SANS, FALSE, FALSE, STATE_SIZE);
          widest_state = MAX (widest_state, text_width (cr, row->label) + 12);
        }
    }

  double span = CLAMP (widest_label + 2 * LABEL_INSET + ARROW_HEAD, MIN_SPAN, MAX_SPAN);
  span = MAX (span, (client_box + server_box) / 2 + 40);
  diagram->label_max = span - 2 * LABEL_INSET - ARROW_HEAD;
  diagram->client_x = MARGIN + diagram->gutter_width + GUTTER_GAP + client_box / 2;
  diagram->server_x = diagram->client_x + span;
  double right = MAX (server_box, widest_state) / 2;

  set_font (cr, SANS, TRUE, FALSE, TITLE_SIZE);
  double title = text_width (cr, diagram->title);
  set_font (cr, SANS, FALSE, FALSE, SUBTITLE_SIZE);
  title = MAX (title, text_width (cr, diagram->subtitle));
  diagram->width = ceil (MAX (diagram->server_x + right, MARGIN + title) + MARGIN);

  diagram->boxes_y = MARGIN + TITLE_SIZE + SUBTITLE_SIZE + 18;
  diagram->rows_y = diagram->boxes_y + BOX_HEIGHT + 12;
  double y = diagram->rows_y;
  for (guint i = 0; i < diagram->rows->len; i++)
    y += g_array_index (diagram->rows, Row, i).kind == ROW_ARROW ? ROW_HEIGHT : STATE_ROW_HEIGHT;
  if (connection->close_time >= 0)
    y += ROW_HEIGHT;
  diagram->height = ceil (y + 8 + MARGIN);
}

static cairo_t *
measuring_context (cairo_surface_t **out_surface)
{
  *out_surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (*out_surface);
  set_unhinted (cr);
  return cr;
}

static gboolean
diagram_init (Diagram *diagram, PochtaTranscript *transcript, const PochtaExportOptions *options,
              GError **error)
{
  memset (diagram, 0, sizeof *diagram);
  diagram->options = pochta_export_options_resolve (options);
  guint id = diagram->options.connection != 0 ? diagram->options.connection : 1;
  diagram->connection = pochta_transcript_get_connection (transcript, id);
  if (diagram->connection == NULL)
    {
      if (pochta_transcript_get_n_connections (transcript) == 0)
        g_set_error_literal (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_UNSUPPORTED,
                             "the transcript has no connection to draw");
      else
        g_set_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_UNSUPPORTED,
                     "the transcript has no connection %u", id);
      return FALSE;
    }
  const PochtaTranscriptConnection *c = diagram->connection;
  diagram->title = diagram->options.title != NULL ? g_strdup (diagram->options.title)
                                                  : default_title (c);
  diagram->subtitle = make_subtitle (diagram);
  diagram->client_address = g_strdup_printf ("%s:%u", c->client_address, c->client_port);
  diagram->server_address = g_strdup_printf ("%s:%u", c->server_address, c->server_port);
  diagram->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (diagram->rows, row_clear);
  build_rows (diagram, transcript);

  cairo_surface_t *surface;
  cairo_t *cr = measuring_context (&surface);
  lay_out (diagram, cr);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return TRUE;
}

static void
rounded_rectangle (cairo_t *cr, double x, double y, double width, double height, double radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_centered (cairo_t *cr, double x, double baseline, const char *text)
{
  cairo_move_to (cr, x - text_width (cr, text) / 2, baseline);
  cairo_show_text (cr, text);
}

static void
draw_host_box (cairo_t *cr, double x, double y, const char *host, const char *address)
{
  double width = box_width (cr, host, address);

  rounded_rectangle (cr, x - width / 2, y, width, BOX_HEIGHT, 5);
  set_colour (cr, &box_fill);
  cairo_fill_preserve (cr);
  set_colour (cr, &rule);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  set_colour (cr, &pochta_palette_ink);
  set_font (cr, SANS, TRUE, FALSE, HOST_SIZE);
  draw_centered (cr, x, y + 17, host);
  set_colour (cr, &pochta_palette_secondary);
  set_font (cr, MONO, FALSE, FALSE, ADDRESS_SIZE);
  draw_centered (cr, x, y + 31, address);
}

static void
draw_heading (const Diagram *diagram, cairo_t *cr)
{
  set_colour (cr, &pochta_palette_ink);
  set_font (cr, SANS, TRUE, FALSE, TITLE_SIZE);
  cairo_move_to (cr, MARGIN, MARGIN + TITLE_SIZE);
  cairo_show_text (cr, diagram->title);
  set_colour (cr, &pochta_palette_secondary);
  set_font (cr, SANS, FALSE, FALSE, SUBTITLE_SIZE);
  cairo_move_to (cr, MARGIN, MARGIN + TITLE_SIZE + SUBTITLE_SIZE + 6);
  cairo_show_text (cr, diagram->subtitle);
}

static void
draw_lifelines (const Diagram *diagram, cairo_t *cr)
{
  double top = diagram->boxes_y + BOX_HEIGHT;
  double bottom = diagram->height - MARGIN;
  const double xs[] = { diagram->client_x, diagram->server_x };

  set_colour (cr, &rule);
  cairo_set_line_width (cr, 1.5);
  for (gsize i = 0; i < G_N_ELEMENTS (xs); i++)
    {
      cairo_move_to (cr, xs[i], top);
      cairo_line_to (cr, xs[i], bottom);
      cairo_stroke (cr);
      if (diagram->connection->close_time >= 0)
        {
          /* The end of a lifeline: the connection is gone. */
          cairo_move_to (cr, xs[i] - 8, bottom);
          cairo_line_to (cr, xs[i] + 8, bottom);
          cairo_stroke (cr);
        }
    }
  draw_host_box (cr, diagram->client_x, diagram->boxes_y, diagram->connection->client_host,
                 diagram->client_address);
  draw_host_box (cr, diagram->server_x, diagram->boxes_y, diagram->connection->server_host,
                 diagram->server_address);
}

static void
draw_arrow (const Diagram *diagram, cairo_t *cr, const Row *row, double y)
{
  gboolean rightwards = row->direction == POCHTA_DIRECTION_CLIENT;
  double from = rightwards ? diagram->client_x : diagram->server_x;
  double to = rightwards ? diagram->server_x : diagram->client_x;
  double tip = rightwards ? to - 1 : to + 1;
  double line_y = y + 17;
  double sign = rightwards ? 1 : -1;

  set_colour (cr, &pochta_palette_secondary);
  set_font (cr, MONO, FALSE, FALSE, GUTTER_SIZE);
  cairo_move_to (cr, MARGIN, y + 13);
  cairo_show_text (cr, row->gutter);

  set_colour (cr, &row->colour);
  cairo_set_line_width (cr, 1.2);
  if (row->folded)
    cairo_set_dash (cr, (const double[]) { 4, 3 }, 2, 0);
  cairo_move_to (cr, from, line_y);
  cairo_line_to (cr, tip - sign * ARROW_HEAD, line_y);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_move_to (cr, tip, line_y);
  cairo_line_to (cr, tip - sign * ARROW_HEAD * 1.4, line_y - ARROW_HEAD / 2);
  cairo_line_to (cr, tip - sign * ARROW_HEAD * 1.4, line_y + ARROW_HEAD / 2);
  cairo_close_path (cr);
  cairo_fill (cr);

  set_font (cr, row->folded ? SANS : MONO, FALSE, row->folded, LINE_SIZE);
  g_autofree char *label = fit_text (cr, row->label, diagram->label_max);
  double width = text_width (cr, label);
  double x = rightwards ? from + LABEL_INSET : from - LABEL_INSET - width;
  cairo_move_to (cr, x, y + 12);
  cairo_show_text (cr, label);
}

static void
draw_state (const Diagram *diagram, cairo_t *cr, const Row *row, double y)
{
  set_font (cr, SANS, FALSE, FALSE, STATE_SIZE);
  double width = text_width (cr, row->label) + 12;
  double top = y + (STATE_ROW_HEIGHT - STATE_BOX_HEIGHT) / 2;

  rounded_rectangle (cr, diagram->server_x - width / 2, top, width, STATE_BOX_HEIGHT,
                     STATE_BOX_HEIGHT / 2);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  set_colour (cr, &rule);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  set_colour (cr, &pochta_palette_secondary);
  draw_centered (cr, diagram->server_x, top + STATE_BOX_HEIGHT / 2 + STATE_SIZE * 0.36,
                 row->label);
}

static void
draw_close (const Diagram *diagram, cairo_t *cr, double y)
{
  g_autofree char *time = format_time (diagram, diagram->connection->close_time);
  g_autofree char *gutter = g_strdup_printf ("     %s", time);

  set_colour (cr, &pochta_palette_secondary);
  set_font (cr, MONO, FALSE, FALSE, GUTTER_SIZE);
  cairo_move_to (cr, MARGIN, y + 13);
  cairo_show_text (cr, gutter);
  set_font (cr, SANS, FALSE, TRUE, LINE_SIZE);
  draw_centered (cr, (diagram->client_x + diagram->server_x) / 2, y + 13, "connection closed");
}

static void
diagram_draw (const Diagram *diagram, cairo_t *cr)
{
  set_unhinted (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  draw_heading (diagram, cr);
  draw_lifelines (diagram, cr);

  double y = diagram->rows_y;
  for (guint i = 0; i < diagram->rows->len; i++)
    {
      const Row *row = &g_array_index (diagram->rows, Row, i);
      if (row->kind == ROW_ARROW)
        {
          draw_arrow (diagram, cr, row, y);
          y += ROW_HEIGHT;
        }
      else
        {
          draw_state (diagram, cr, row, y);
          y += STATE_ROW_HEIGHT;
        }
    }
  if (diagram->connection->close_time >= 0)
    draw_close (diagram, cr, y);
}

static cairo_status_t
append_to_array (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* PDF dates are the connection's virtual opening time, so that two
 * exports of one transcript are the same bytes. */
static void
set_pdf_metadata (cairo_surface_t *surface, const Diagram *diagram)
{
  g_autoptr (GDateTime) date =
    g_date_time_new_from_unix_utc (diagram->connection->open_time / G_USEC_PER_SEC);
  g_autofree char *iso = date != NULL ? g_date_time_format (date, "%Y-%m-%dT%H:%M:%SZ")
                                      : g_strdup ("2000-01-01T00:00:00Z");

  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, diagram->title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Pochta");
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATE_DATE, iso);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_MOD_DATE, iso);
}

static cairo_surface_t *
create_surface (const Diagram *diagram, PochtaExportFormat format, GByteArray *out)
{
  switch (format)
    {
    case POCHTA_EXPORT_SVG:
      return cairo_svg_surface_create_for_stream (append_to_array, out, diagram->width,
                                                  diagram->height);
    case POCHTA_EXPORT_PDF:
      {
        cairo_surface_t *surface =
          cairo_pdf_surface_create_for_stream (append_to_array, out, diagram->width,
                                               diagram->height);
        set_pdf_metadata (surface, diagram);
        return surface;
      }
    case POCHTA_EXPORT_PNG:
      return cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                         (int) ceil (diagram->width * diagram->options.png_scale),
                                         (int) ceil (diagram->height * diagram->options.png_scale));
    default:
      g_return_val_if_reached (NULL);
    }
}

/* cairo names the SVG's drawing group after a counter of every surface
 * the process has made ("surface8" on the fourth export), and refers to it
 * nowhere: a fixed name keeps two exports of one transcript identical. */
static void
fix_svg_surface_id (GByteArray *svg)
{
  static const char prefix[] = "<g id=\"surface";
  const gsize prefix_length = sizeof prefix - 1;

  for (gsize i = 0; i + prefix_length < svg->len; i++)
    {
      if (memcmp (svg->data + i, prefix, prefix_length) != 0)
        continue;
      gsize digits = i + prefix_length;
      gsize end = digits;
      while (end < svg->len && g_ascii_isdigit (svg->data[end]))
        end++;
      if (end == digits || end >= svg->len || svg->data[end] != '"')
        return;
      svg->data[digits] = '1';
      if (end - digits > 1)
        g_byte_array_remove_range (svg, (guint) digits + 1, (guint) (end - digits - 1));
      return;
    }
}

static gboolean
render (const Diagram *diagram, PochtaExportFormat format, GByteArray *out, GError **error)
{
  cairo_surface_t *surface = create_surface (diagram, format, out);
  cairo_t *cr = cairo_create (surface);

  if (format == POCHTA_EXPORT_PNG)
    cairo_scale (cr, diagram->options.png_scale, diagram->options.png_scale);
  diagram_draw (diagram, cr);
  cairo_status_t status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS && format == POCHTA_EXPORT_PNG)
    status = cairo_surface_write_to_png_stream (surface, append_to_array, out);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_FAILED,
                   "cairo could not draw the %s diagram: %s",
                   pochta_export_format_to_string (format), cairo_status_to_string (status));
      return FALSE;
    }
  if (format == POCHTA_EXPORT_SVG)
    fix_svg_surface_id (out);
  return TRUE;
}

gboolean
pochta_transcript_get_diagram_size (PochtaTranscript          *transcript,
                                    const PochtaExportOptions *options,
                                    double                    *out_width,
                                    double                    *out_height,
                                    GError                   **error)
{
  g_return_val_if_fail (transcript != NULL, FALSE);
  g_return_val_if_fail (out_width != NULL && out_height != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  Diagram diagram;
  if (!diagram_init (&diagram, transcript, options, error))
    return FALSE;
  *out_width = diagram.width;
  *out_height = diagram.height;
  diagram_clear (&diagram);
  return TRUE;
}

GBytes *
pochta_transcript_export_diagram (PochtaTranscript          *transcript,
                                  PochtaExportFormat         format,
                                  const PochtaExportOptions *options,
                                  GError                   **error)
{
  g_return_val_if_fail (transcript != NULL, NULL);
  g_return_val_if_fail (format == POCHTA_EXPORT_SVG || format == POCHTA_EXPORT_PDF
                        || format == POCHTA_EXPORT_PNG, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  Diagram diagram;
  if (!diagram_init (&diagram, transcript, options, error))
    return NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gboolean ok = render (&diagram, format, out, error);
  diagram_clear (&diagram);
  return ok ? g_byte_array_free_to_bytes (g_steal_pointer (&out)) : NULL;
}
