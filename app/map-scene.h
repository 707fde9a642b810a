/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network map as a model that draws itself on any cairo context:
 * departments as labelled regions, hosts as cards, links, and envelopes
 * travelling along the links.  The widget (network-map.h) and the
 * benchmark share it; it needs no display. */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "network.h"
#include "transcript.h"

G_BEGIN_DECLS

typedef struct _PochtaMapScene PochtaMapScene;

/* Keeps a reference to nothing: what it needs of network is copied. */
PochtaMapScene *pochta_map_scene_new (PochtaNetwork *network);
void pochta_map_scene_free (PochtaMapScene *self);

/* Lays the scene out to fill width x height (in user units). */
void pochta_map_scene_set_size (PochtaMapScene *self, double width, double height);

/* What a host's card shows below its address: "Petrov 1 · Kuznetsova 1". */
void pochta_map_scene_set_host_mail (PochtaMapScene *self, const char *host, const char *mail);
/* Faults: a host that is down is greyed, a link that is cut is dashed
 * red with a cross. */
void pochta_map_scene_set_host_down (PochtaMapScene *self, const char *host, gboolean down);
void pochta_map_scene_set_link_down (PochtaMapScene *self, const char *link, gboolean down);

/* The host drawn with a selection ring, or NULL. */
void pochta_map_scene_set_selected_host (PochtaMapScene *self, const char *host);
/* The path between two hosts drawn highlighted, or NULLs. */
void pochta_map_scene_set_selected_path (PochtaMapScene *self, const char *from, const char *to);

/* An envelope from from_host to to_host along the links, starting at
 * start_time (µs, any clock) and arriving duration µs later. */
void pochta_map_scene_add_envelope (PochtaMapScene  *self,
                                    const char      *from_host,
                                    const char      *to_host,
                                    const char      *label,
                                    PochtaReplyClass reply_class,
                                    gint64           start_time,
                                    gint64           duration);
void pochta_map_scene_clear_envelopes (PochtaMapScene *self);
/* Moves the envelopes to where they are at now and drops those that
 * arrived; returns how many are still in flight. */
guint pochta_map_scene_advance (PochtaMapScene *self, gint64 now);

/* Draws the scene as it was last advanced.  Nothing is computed here
 * but what is cached: the static part is drawn once into a surface. */
void pochta_map_scene_render (PochtaMapScene *self, cairo_t *cr);

/* The host under (x, y), or NULL. */
const char *pochta_map_scene_host_at (PochtaMapScene *self, double x, double y);
/* The envelope under (x, y): its label, or NULL; out_from and out_to are
 * its ends. */
const char *pochta_map_scene_envelope_at (PochtaMapScene *self,
                                          double          x,
                                          double          y,
                                          const char    **out_from,
                                          const char    **out_to);
/* A host's tooltip text (Pango markup), or NULL. */
char *pochta_map_scene_describe_host (PochtaMapScene *self, const char *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaMapScene, pochta_map_scene_free)

G_END_DECLS
