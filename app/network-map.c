/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network map widget: a GtkDrawingArea around PochtaMapScene whose
 * draw only renders the scene; envelopes move in a tick callback. */
#define G_LOG_DOMAIN "pochta-network-map"
#include "config.h"

#include "network-map.h"

struct _PochtaNetworkMap
{
  GtkDrawingArea parent_instance;

  PochtaMapScene *scene;
  guint tick_id;
};

G_DEFINE_FINAL_TYPE (PochtaNetworkMap, pochta_network_map, GTK_TYPE_DRAWING_AREA)

enum
{
  SIGNAL_HOST_ACTIVATED,
  SIGNAL_PATH_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
stop_ticking (PochtaNetworkMap *self)
{
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  PochtaNetworkMap *self = POCHTA_NETWORK_MAP (widget);
  guint in_flight = self->scene != NULL
                      ? pochta_map_scene_advance (self->scene, gdk_frame_clock_get_frame_time (clock))
                      : 0;

  gtk_widget_queue_draw (widget);
  if (in_flight > 0)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
pochta_network_map_draw (GtkWidget *widget, cairo_t *cr)
{
  PochtaNetworkMap *self = POCHTA_NETWORK_MAP (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_allocated_width (widget);
  int height = gtk_widget_get_allocated_height (widget);

  gtk_render_background (style, cr, 0, 0, width, height);
  if (self->scene != NULL)
    pochta_map_scene_render (self->scene, cr);
  return FALSE;
}

static void
pochta_network_map_size_allocate (GtkWidget *widget, GtkAllocation *allocation)
{
  PochtaNetworkMap *self = POCHTA_NETWORK_MAP (widget);

  GTK_WIDGET_CLASS (pochta_network_map_parent_class)->size_allocate (widget, allocation);
  if (self->scene != NULL)
    pochta_map_scene_set_size (self->scene, allocation->width, allocation->height);
}

static gboolean
pochta_network_map_button_press (GtkWidget *widget, GdkEventButton *event)
{
  PochtaNetworkMap *self = POCHTA_NETWORK_MAP (widget);
  const char *from, *to;

  if (self->scene == NULL || event->button != GDK_BUTTON_PRIMARY)
    return GDK_EVENT_PROPAGATE;
  if (pochta_map_scene_envelope_at (self->scene, event->x, event->y, &from, &to) != NULL)
    {
      g_autofree char *from_copy = g_strdup (from), *to_copy = g_strdup (to);
      g_signal_emit (self, signals[SIGNAL_PATH_ACTIVATED], 0, from_copy, to_copy);
      return GDK_EVENT_STOP;
    }
  const char *host = pochta_map_scene_host_at (self->scene, event->x, event->y);
  if (host != NULL)
    {
      g_autofree char *host_copy = g_strdup (host);
      g_signal_emit (self, signals[SIGNAL_HOST_ACTIVATED], 0, host_copy);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static gboolean
pochta_network_map_query_tooltip (GtkWidget  *widget,
                                  int         x,
                                  int         y,
                                  gboolean    keyboard_mode,
                                  GtkTooltip *tooltip)
{
  PochtaNetworkMap *self = POCHTA_NETWORK_MAP (widget);
  const char *from, *to;

  if (self->scene == NULL || keyboard_mode)
    return FALSE;
  const char *label = pochta_map_scene_envelope_at (self->scene, x, y, &from, &to);
  if (label != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s\n%s \xe2\x86\x92 %s", label, from, to);
      gtk_tooltip_set_text (tooltip, text);
      return TRUE;
    }
  const char *host = pochta_map_scene_host_at (self->scene, x, y);
  g_autofree char *markup = host != NULL ? pochta_map_scene_describe_host (self->scene, host) : NULL;
  if (markup == NULL)
    return FALSE;
  gtk_tooltip_set_markup (tooltip, markup);
  return TRUE;
}

static void
pochta_network_map_dispose (GObject *object)
{
  PochtaNetworkMap *self = POCHTA_NETWORK_MAP (object);

  stop_ticking (self);
  G_OBJECT_CLASS (pochta_network_map_parent_class)->dispose (object);
}

static void
pochta_network_map_finalize (GObject *object)
{
  PochtaNetworkMap *self = POCHTA_NETWORK_MAP (object);

  g_clear_pointer (&self->scene, pochta_map_scene_free);
  G_OBJECT_CLASS (pochta_network_map_parent_class)->finalize (object);
}

static void
pochta_network_map_class_init (PochtaNetworkMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pochta_network_map_dispose;
  object_class->finalize = pochta_network_map_finalize;
  widget_class->draw = pochta_network_map_draw;
  widget_class->size_allocate = pochta_network_map_size_allocate;
  widget_class->button_press_event = pochta_network_map_button_press;
  widget_class->query_tooltip = pochta_network_map_query_tooltip;
  gtk_widget_class_set_css_name (widget_class, "networkmap");

  signals[SIGNAL_HOST_ACTIVATED] =
    g_signal_new ("host-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_PATH_ACTIVATED] =
    g_signal_new ("path-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
pochta_network_map_init (PochtaNetworkMap *self)
{
  gtk_widget_add_events (GTK_WIDGET (self), GDK_BUTTON_PRESS_MASK);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self), 360, 220);
}

GtkWidget *
pochta_network_map_new (void)
{
  return g_object_new (POCHTA_TYPE_NETWORK_MAP, NULL);
}

void
pochta_network_map_set_network (PochtaNetworkMap *self, PochtaNetwork *network)
{
  g_return_if_fail (POCHTA_IS_NETWORK_MAP (self));

  stop_ticking (self);
  g_clear_pointer (&self->scene, pochta_map_scene_free);
  if (network != NULL)
    {
      self->scene = pochta_map_scene_new (network);
      pochta_map_scene_set_size (self->scene, gtk_widget_get_allocated_width (GTK_WIDGET (self)),
                                 gtk_widget_get_allocated_height (GTK_WIDGET (self)));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

PochtaMapScene *
pochta_network_map_get_scene (PochtaNetworkMap *self)
{
  g_return_val_if_fail (POCHTA_IS_NETWORK_MAP (self), NULL);
  return self->scene;
}

void
pochta_network_map_send (PochtaNetworkMap *self,
                         const char       *from_host,
                         const char       *to_host,
                         const char       *label,
                         PochtaReplyClass  reply_class,
                         gint64            duration)
{
  g_return_if_fail (POCHTA_IS_NETWORK_MAP (self));
  g_return_if_fail (from_host != NULL && to_host != NULL && label != NULL);

  if (self->scene == NULL)
    return;
  /* Frame time when the widget is on screen, so the first frame starts
   * the journey; the monotonic clock the frame clock uses otherwise. */
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  gint64 now = clock != NULL ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();
  pochta_map_scene_add_envelope (self->scene, from_host, to_host, label, reply_class, now,
                                 MAX (duration, 1));
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

guint
pochta_network_map_get_n_in_flight (PochtaNetworkMap *self)
{
  g_return_val_if_fail (POCHTA_IS_NETWORK_MAP (self), 0);

  if (self->scene == NULL)
    return 0;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  gint64 now = clock != NULL ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();
  return pochta_map_scene_advance (self->scene, now);
}

void
pochta_network_map_clear_envelopes (PochtaNetworkMap *self)
{
  g_return_if_fail (POCHTA_IS_NETWORK_MAP (self));

  if (self->scene != NULL)
    pochta_map_scene_clear_envelopes (self->scene);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pochta_network_map_update (PochtaNetworkMap *self)
{
  g_return_if_fail (POCHTA_IS_NETWORK_MAP (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
