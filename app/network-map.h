/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network map widget: draws a PochtaMapScene, animates envelopes
 * with a tick callback on the frame clock, shows tooltips and reports
 * clicks on hosts and envelopes. */
#pragma once

#include <gtk/gtk.h>

#include "map-scene.h"

G_BEGIN_DECLS

#define POCHTA_TYPE_NETWORK_MAP (pochta_network_map_get_type ())
G_DECLARE_FINAL_TYPE (PochtaNetworkMap, pochta_network_map, POCHTA, NETWORK_MAP, GtkDrawingArea)

/* Signals:
 *   host-activated (const char *host): a click on a host's card.
 *   path-activated (const char *from, const char *to): a click on an
 *     envelope: the connection it travels on. */

GtkWidget *pochta_network_map_new (void);

/* Shows network (NULL: nothing); forgets envelopes and selections. */
void pochta_network_map_set_network (PochtaNetworkMap *self, PochtaNetwork *network);
/* NULL before a network is set. */
PochtaMapScene *pochta_network_map_get_scene (PochtaNetworkMap *self);

/* Sends an envelope now; it arrives duration µs later. */
void pochta_network_map_send (PochtaNetworkMap *self,
                              const char       *from_host,
                              const char       *to_host,
                              const char       *label,
                              PochtaReplyClass  reply_class,
                              gint64            duration);
guint pochta_network_map_get_n_in_flight (PochtaNetworkMap *self);
void pochta_network_map_clear_envelopes (PochtaNetworkMap *self);

/* Redraws after the scene's model changed. */
void pochta_network_map_update (PochtaNetworkMap *self);

G_END_DECLS
