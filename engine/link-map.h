/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The links of a simulated network with their faults: which hosts can
 * reach each other and with what latency, when some links are down or
 * slow.  With no faults the latencies are pochta_network_get_latency ()'s. */
#pragma once

#include <glib.h>

#include "network.h"

G_BEGIN_DECLS

typedef struct _PochtaLinkMap PochtaLinkMap;

/* network is borrowed and must outlive the map. */
PochtaLinkMap *pochta_link_map_new (PochtaNetwork *network);
void pochta_link_map_free (PochtaLinkMap *self);

gboolean pochta_link_map_has_link (PochtaLinkMap *self, const char *link_id);

/* A link that is down carries nothing. */
void pochta_link_map_set_down (PochtaLinkMap *self, const char *link_id, gboolean down);
gboolean pochta_link_map_is_down (PochtaLinkMap *self, const char *link_id);
/* A slow link's latency is multiplied by factor (1: normal). */
void pochta_link_map_set_slowdown (PochtaLinkMap *self, const char *link_id, guint factor);
guint pochta_link_map_get_slowdown (PochtaLinkMap *self, const char *link_id);

/* The latency of the cheapest path over the links that are up, in µs;
 * FALSE when no such path joins the hosts (or a host is unknown).  A host
 * reaches itself in 0 µs. */
gboolean pochta_link_map_get_latency (PochtaLinkMap *self,
                                      const char    *from_host,
                                      const char    *to_host,
                                      gint64        *out_latency_usec);

/* The same by node, for a caller that asks about the same hosts again
 * and again (every simulated connection asks three times): a host's node
 * never changes, so it is looked up once by name.  0 is no such host. */
guint pochta_link_map_find_node (PochtaLinkMap *self, const char *host);
gboolean pochta_link_map_get_node_latency (PochtaLinkMap *self,
                                           guint          from_node,
                                           guint          to_node,
                                           gint64        *out_latency_usec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaLinkMap, pochta_link_map_free)

G_END_DECLS
