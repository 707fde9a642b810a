/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sequence diagram widget: rows built from the transcript when it
 * changes, drawn with cairo and Pango in the widget's draw. */
#define G_LOG_DOMAIN "pochta-sequence-view"
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>

#include "sequence-view.h"
#include "reply-palette.h"
#include "transcript-view.h"

/* Layout, in pixels. */
#define MARGIN 16.0
#define GUTTER 40.0          /* the line numbers */
#define BOX_HEIGHT 44.0
#define BOX_WIDTH 172.0
#define ROW_HEIGHT 24.0
#define STATE_ROW_HEIGHT 22.0
#define MIN_SPAN 260.0
#define ARROW_HEAD 7.0

typedef struct
{
  double r, g, b;
} Rgb;

/* The shared palette (reply-palette.h) in cairo's terms. */
static Rgb
palette_rgb (PochtaRgb colour)
{
  return (Rgb) { colour.r / 255.0, colour.g / 255.0, colour.b / 255.0 };
}

static const Rgb rule = { 0.73, 0.75, 0.77 };
static const Rgb accent = { 0.21, 0.52, 0.89 };

typedef struct
{
  gboolean is_state;
  int index;                 /* the item's, -1 for a state */
  PochtaDirection direction;
  char *label;
  char *number;
  Rgb colour;
  double y;
} Row;

struct _PochtaSequenceView
{
  GtkDrawingArea parent_instance;

  guint connection;
  char *client, *server;          /* "comp1.otd1.constr.org" */
  char *client_address, *server_address;
  gboolean closed;
  GArray *rows;                   /* of Row */
  double height;
  int highlight;
  guint scroll_source;
};

G_DEFINE_FINAL_TYPE (PochtaSequenceView, pochta_sequence_view, GTK_TYPE_DRAWING_AREA)

enum
{
  SIGNAL_ITEM_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
row_clear (gpointer data)
{
  Row *row = data;
  g_free (row->label);
  g_free (row->number);
}

static Rgb
line_colour (const PochtaTranscriptItem *item)
{
  return palette_rgb (pochta_palette_item (item));
}

static void
add_state (PochtaSequenceView *self, const char *state)
{
  Row row = { TRUE, -1, 0, g_strdup (state), NULL, palette_rgb (pochta_palette_secondary), self->height };
  g_array_append_val (self->rows, row);
  self->height += STATE_ROW_HEIGHT;
}

static void
add_arrow (PochtaSequenceView *self, const PochtaTranscriptItem *item)
{
  Row row = { FALSE, (int) item->index, item->direction,
              pochta_visible_text (item->text, item->length),
              g_strdup_printf ("%u", item->line_number), line_colour (item), self->height };
  g_array_append_val (self->rows, row);
  self->height += ROW_HEIGHT;
}

static void
forget (PochtaSequenceView *self)
{
  g_array_set_size (self->rows, 0);
  g_clear_pointer (&self->client, g_free);
  g_clear_pointer (&self->server, g_free);
  g_clear_pointer (&self->client_address, g_free);
  g_clear_pointer (&self->server_address, g_free);
  self->connection = 0;
  self->closed = FALSE;
  self->height = MARGIN + BOX_HEIGHT + 12;
}

static double
span (PochtaSequenceView *self)
{
  double width = gtk_widget_get_allocated_width (GTK_WIDGET (self));
  return MAX (MIN_SPAN, width - 2 * MARGIN - GUTTER - BOX_WIDTH);
}

static void
set_rgb (cairo_t *cr, const Rgb *colour)
{
  cairo_set_source_rgb (cr, colour->r, colour->g, colour->b);
}

static void
set_palette (cairo_t *cr, PochtaRgb colour)
{
  cairo_set_source_rgb (cr, colour.r / 255.0, colour.g / 255.0, colour.b / 255.0);
}

static void
show_text (cairo_t    *cr,
           const char *font,
           const char *text,
           double      x,
           double      y,
           double      width,
           PangoAlignment alignment)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *description = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, description);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, alignment);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (description);
  g_object_unref (layout);
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
draw_box (cairo_t *cr, double centre, const char *host, const char *address)
{
  double left = centre - BOX_WIDTH / 2;

  rounded_rectangle (cr, left, MARGIN, BOX_WIDTH, BOX_HEIGHT, 6);
  cairo_set_source_rgb (cr, 0.945, 0.953, 0.957);
  cairo_fill_preserve (cr);
  set_rgb (cr, &rule);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  set_palette (cr, pochta_palette_ink);
  show_text (cr, "Sans Bold 9", host, left + 6, MARGIN + 5, BOX_WIDTH - 12, PANGO_ALIGN_CENTER);
  set_palette (cr, pochta_palette_secondary);
  show_text (cr, "Monospace 8", address, left + 6, MARGIN + 24, BOX_WIDTH - 12,
             PANGO_ALIGN_CENTER);
}

static void
draw_arrow (cairo_t *cr, const Row *row, double client_x, double server_x)
{
  gboolean rightwards = row->direction == POCHTA_DIRECTION_CLIENT;
  double from = rightwards ? client_x : server_x;
  double to = rightwards ? server_x : client_x;
  double sign = rightwards ? 1 : -1;
  double line_y = row->y + ROW_HEIGHT - 5;

  set_palette (cr, pochta_palette_secondary);
  show_text (cr, "Monospace 8", row->number, MARGIN, row->y + 5, GUTTER - 8, PANGO_ALIGN_RIGHT);

  set_rgb (cr, &row->colour);
  cairo_set_line_width (cr, 1.2);
  cairo_move_to (cr, from, line_y);
  cairo_line_to (cr, to - sign * ARROW_HEAD, line_y);
  cairo_stroke (cr);
  cairo_move_to (cr, to, line_y);
  cairo_line_to (cr, to - sign * ARROW_HEAD * 1.4, line_y - ARROW_HEAD / 2);
  cairo_line_to (cr, to - sign * ARROW_HEAD * 1.4, line_y + ARROW_HEAD / 2);
  cairo_close_path (cr);
  cairo_fill (cr);

  double width = fabs (to - from) - 20;
  show_text (cr, "Monospace 8.5", row->label, MIN (from, to) + 10, row->y + 2, width,
             rightwards ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT);
}

static void
draw_state (cairo_t *cr, const Row *row, double server_x)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *description = pango_font_description_from_string ("Sans 7.5");
  int width, height;

  pango_layout_set_font_description (layout, description);
  pango_layout_set_text (layout, row->label, -1);
  pango_layout_get_pixel_size (layout, &width, &height);
  double box_width = width + 14, box_height = height + 4;
  double top = row->y + (STATE_ROW_HEIGHT - box_height) / 2;
  rounded_rectangle (cr, server_x - box_width / 2, top, box_width, box_height, box_height / 2);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  set_rgb (cr, &rule);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  set_palette (cr, pochta_palette_secondary);
  cairo_move_to (cr, server_x - width / 2.0, top + 2);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (description);
  g_object_unref (layout);
}

static gboolean
pochta_sequence_view_draw (GtkWidget *widget, cairo_t *cr)
{
  PochtaSequenceView *self = POCHTA_SEQUENCE_VIEW (widget);
  double width = gtk_widget_get_allocated_width (widget);
  double height = gtk_widget_get_allocated_height (widget);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (self->connection == 0)
    {
      set_palette (cr, pochta_palette_secondary);
      show_text (cr, "Sans 10", _("Select a line or a connection to see its sequence diagram."),
                 MARGIN, MARGIN, width - 2 * MARGIN, PANGO_ALIGN_CENTER);
      return FALSE;
    }

  double client_x = MARGIN + GUTTER + BOX_WIDTH / 2;
  double server_x = client_x + span (self);

  set_rgb (cr, &rule);
  cairo_set_line_width (cr, 1.5);
  for (int i = 0; i < 2; i++)
    {
      double x = i == 0 ? client_x : server_x;
      cairo_move_to (cr, x, MARGIN + BOX_HEIGHT);
      cairo_line_to (cr, x, MAX (self->height, height));
      cairo_stroke (cr);
    }
  draw_box (cr, client_x, self->client, self->client_address);
  draw_box (cr, server_x, self->server, self->server_address);

  for (guint i = 0; i < self->rows->len; i++)
    {
      const Row *row = &g_array_index (self->rows, Row, i);
      if (!row->is_state && row->index == self->highlight)
        {
          cairo_rectangle (cr, 0, row->y, width, ROW_HEIGHT);
          cairo_set_source_rgba (cr, accent.r, accent.g, accent.b, 0.16);
          cairo_fill (cr);
        }
      if (row->is_state)
        draw_state (cr, row, server_x);
      else
        draw_arrow (cr, row, client_x, server_x);
    }
  if (self->closed)
    {
      set_palette (cr, pochta_palette_secondary);
      show_text (cr, "Sans Italic 8.5", _("connection closed"), client_x, self->height + 4,
                 server_x - client_x, PANGO_ALIGN_CENTER);
    }
  return FALSE;
}

static void
pochta_sequence_view_get_preferred_width (GtkWidget *widget, int *minimum, int *natural)
{
  *minimum = (int) (2 * MARGIN + GUTTER + BOX_WIDTH + MIN_SPAN);
  *natural = *minimum + 120;
}

static void
pochta_sequence_view_get_preferred_height (GtkWidget *widget, int *minimum, int *natural)
{
  PochtaSequenceView *self = POCHTA_SEQUENCE_VIEW (widget);
  *minimum = *natural = (int) ceil (self->height + ROW_HEIGHT + MARGIN);
}

static gboolean
pochta_sequence_view_button_press (GtkWidget *widget, GdkEventButton *event)
{
  PochtaSequenceView *self = POCHTA_SEQUENCE_VIEW (widget);

  for (guint i = 0; i < self->rows->len; i++)
    {
      const Row *row = &g_array_index (self->rows, Row, i);
      if (!row->is_state && event->y >= row->y && event->y < row->y + ROW_HEIGHT)
        {
          g_signal_emit (self, signals[SIGNAL_ITEM_SELECTED], 0, (guint) row->index);
          return GDK_EVENT_STOP;
        }
    }
  return GDK_EVENT_PROPAGATE;
}

/* After the new height is allocated, so that the adjustment knows it. */
static gboolean
scroll_to_highlight (gpointer user_data)
{
  PochtaSequenceView *self = user_data;
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  double y = self->height;

  self->scroll_source = 0;
  for (guint i = 0; i < self->rows->len; i++)
    if (g_array_index (self->rows, Row, i).index == self->highlight && self->highlight >= 0)
      y = g_array_index (self->rows, Row, i).y;
  if (scrolled != NULL)
    {
      GtkAdjustment *adjustment =
        gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
      gtk_adjustment_clamp_page (adjustment, MAX (0, y - 2 * ROW_HEIGHT),
                                 y + 2 * ROW_HEIGHT + MARGIN);
    }
  return G_SOURCE_REMOVE;
}

static void
queue_scroll (PochtaSequenceView *self)
{
  if (self->scroll_source == 0)
    self->scroll_source = g_timeout_add (30, scroll_to_highlight, self);
}

static void
pochta_sequence_view_dispose (GObject *object)
{
  PochtaSequenceView *self = POCHTA_SEQUENCE_VIEW (object);

  g_clear_handle_id (&self->scroll_source, g_source_remove);
  G_OBJECT_CLASS (pochta_sequence_view_parent_class)->dispose (object);
}

static void
pochta_sequence_view_finalize (GObject *object)
{
  PochtaSequenceView *self = POCHTA_SEQUENCE_VIEW (object);

  forget (self);
  g_array_unref (self->rows);
  G_OBJECT_CLASS (pochta_sequence_view_parent_class)->finalize (object);
}

static void
pochta_sequence_view_class_init (PochtaSequenceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pochta_sequence_view_dispose;
  object_class->finalize = pochta_sequence_view_finalize;
  widget_class->draw = pochta_sequence_view_draw;
  widget_class->get_preferred_width = pochta_sequence_view_get_preferred_width;
  widget_class->get_preferred_height = pochta_sequence_view_get_preferred_height;
  widget_class->button_press_event = pochta_sequence_view_button_press;

  signals[SIGNAL_ITEM_SELECTED] =
    g_signal_new ("item-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pochta_sequence_view_init (PochtaSequenceView *self)
{
  self->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (self->rows, row_clear);
  self->highlight = -1;
  forget (self);
  gtk_widget_add_events (GTK_WIDGET (self), GDK_BUTTON_PRESS_MASK);
}

GtkWidget *
pochta_sequence_view_new (void)
{
  return g_object_new (POCHTA_TYPE_SEQUENCE_VIEW, NULL);
}

void
pochta_sequence_view_show (PochtaSequenceView *self,
                           PochtaTranscript   *transcript,
                           guint               n_items,
                           guint               connection)
{
  g_return_if_fail (POCHTA_IS_SEQUENCE_VIEW (self));

  forget (self);
  const PochtaTranscriptConnection *c =
    transcript != NULL && connection != 0 ? pochta_transcript_get_connection (transcript, connection)
                                          : NULL;
  if (c != NULL)
    {
      self->connection = connection;
      self->client = g_strdup (c->client_host);
      self->server = g_strdup (c->server_host);
      self->client_address = g_strdup_printf ("%s:%u", c->client_address, c->client_port);
      self->server_address = g_strdup_printf ("%s:%u", c->server_address, c->server_port);
      self->closed = c->close_time >= 0 && c->close_index <= n_items;

      /* The server's states: the session's, as RFC 5321 §4.1.4 orders
       * the commands (the client's own states are its business). */
      const char *shown_state = NULL;
      for (guint i = 0; i < MIN (n_items, pochta_transcript_get_n_items (transcript)); i++)
        {
          const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
          if (item->kind != POCHTA_ITEM_LINE || item->connection != connection)
            continue;
          gboolean server = item->direction == POCHTA_DIRECTION_SERVER;
          if (server && shown_state == NULL && item->state_before != NULL)
            add_state (self, shown_state = item->state_before);
          add_arrow (self, item);
          if (server && item->state_after != NULL && g_strcmp0 (item->state_after, shown_state) != 0)
            add_state (self, shown_state = item->state_after);
        }
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
  queue_scroll (self);
}

guint
pochta_sequence_view_get_connection (PochtaSequenceView *self)
{
  g_return_val_if_fail (POCHTA_IS_SEQUENCE_VIEW (self), 0);
  return self->connection;
}

void
pochta_sequence_view_set_highlight (PochtaSequenceView *self, int index)
{
  g_return_if_fail (POCHTA_IS_SEQUENCE_VIEW (self));

  self->highlight = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  queue_scroll (self);
}

guint
pochta_sequence_view_get_n_arrows (PochtaSequenceView *self)
{
  g_return_val_if_fail (POCHTA_IS_SEQUENCE_VIEW (self), 0);

  guint n = 0;
  for (guint i = 0; i < self->rows->len; i++)
    n += !g_array_index (self->rows, Row, i).is_state;
  return n;
}
