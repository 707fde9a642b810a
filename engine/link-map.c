/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Latencies between simulated hosts over the links that are up: Dijkstra
 * over hosts and LANs, cached per source until a link changes. */
#define G_LOG_DOMAIN "pochta-link-map"
#include "config.h"

#include "ascii-case-private.h"
#include "link-map.h"

typedef struct
{
  guint to;
  guint link;
  /* Half a LAN's latency for a host-to-LAN edge, so that host, LAN, host
   * costs the LAN's latency (the rule of network.c's graph). */
  gint64 weight_usec;
} Edge;

typedef struct
{
  char *id;
  gboolean down;
  guint slowdown;
} LinkState;

struct _PochtaLinkMap
{
  GHashTable *nodes;      /* host name or "lan:<id>" (any case) -> index + 1 */
  guint n_nodes;
  GArray **edges;         /* per node, of Edge */
  GArray *links;          /* of LinkState, in network order */
  GHashTable *link_index; /* link id -> index + 1 */
  GHashTable *distances;  /* source index + 1 -> gint64[n_nodes], -1 unreachable */
};

static guint
node_index (PochtaLinkMap *self, const char *name, gboolean add)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->nodes, name));
  if (index != 0 || !add)
    return index;
  g_hash_table_insert (self->nodes, g_strdup (name), GUINT_TO_POINTER (++self->n_nodes));
  return self->n_nodes;
}

static void
add_edge (GPtrArray *edges, guint from, guint to, guint link, gint64 weight_usec)
{
  /* Index 0 is "no such node"; the loader lets no link name one. */
  g_assert (from != 0 && to != 0);
  Edge edge = { .to = to - 1, .link = link, .weight_usec = weight_usec };
  g_array_append_val (g_ptr_array_index (edges, from - 1), edge);
}

/* A point-to-point end names a host or a LAN. */
static guint
end_node (PochtaLinkMap *self, const char *member)
{
  g_autofree char *lan = g_strconcat ("lan:", member, NULL);
  guint index = node_index (self, lan, FALSE);
  return index != 0 ? index : node_index (self, member, FALSE);
}

static void
build_graph (PochtaLinkMap *self, PochtaNetwork *network)
{
  GPtrArray *links = pochta_network_get_links (network);
  GPtrArray *hosts = pochta_network_get_hosts (network);
  g_autoptr (GPtrArray) edges = g_ptr_array_new ();

  for (guint i = 0; i < hosts->len; i++)
    node_index (self, ((const PochtaHost *) g_ptr_array_index (hosts, i))->name, TRUE);
  for (guint i = 0; i < links->len; i++)
    {
      const PochtaLink *link = g_ptr_array_index (links, i);
      if (link->kind == POCHTA_LINK_LAN)
        {
          g_autofree char *lan = g_strconcat ("lan:", link->id, NULL);
          node_index (self, lan, TRUE);
        }
    }
  /* Every host and LAN has its node now: the loader checked that links
   * join only those. */
  for (guint i = 0; i < self->n_nodes; i++)
    g_ptr_array_add (edges, g_array_new (FALSE, FALSE, sizeof (Edge)));

  for (guint i = 0; i < links->len; i++)
    {
      const PochtaLink *link = g_ptr_array_index (links, i);
      gint64 usec = (gint64) link->latency_ms * 1000;
      if (link->kind == POCHTA_LINK_LAN)
        {
          g_autofree char *lan_name = g_strconcat ("lan:", link->id, NULL);
          guint lan = node_index (self, lan_name, FALSE);
          for (guint m = 0; link->members[m] != NULL; m++)
            {
              guint host = node_index (self, link->members[m], FALSE);
              add_edge (edges, host, lan, i, usec / 2);
              add_edge (edges, lan, host, i, usec / 2);
            }
        }
      else
        {
          guint a = end_node (self, link->members[0]);
          guint b = end_node (self, link->members[1]);
          add_edge (edges, a, b, i, usec);
          add_edge (edges, b, a, i, usec);
        }
    }
  self->edges = (GArray **) g_ptr_array_free (g_steal_pointer (&edges), FALSE);
}

PochtaLinkMap *
pochta_link_map_new (PochtaNetwork *network)
{
  g_return_val_if_fail (network != NULL, NULL);

  PochtaLinkMap *self = g_new0 (PochtaLinkMap, 1);
  self->nodes = pochta_ascii_case_table_new (NULL);
  self->link_index = g_hash_table_new (g_str_hash, g_str_equal);
  self->distances = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->links = g_array_new (FALSE, TRUE, sizeof (LinkState));

  GPtrArray *links = pochta_network_get_links (network);
  for (guint i = 0; i < links->len; i++)
    {
      const PochtaLink *link = g_ptr_array_index (links, i);
      LinkState state = { .id = g_strdup (link->id), .slowdown = 1 };
      g_array_append_val (self->links, state);
      g_hash_table_insert (self->link_index, state.id, GUINT_TO_POINTER (i + 1));
    }
  build_graph (self, network);
  return self;
}

void
pochta_link_map_free (PochtaLinkMap *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_nodes; i++)
    g_array_unref (self->edges[i]);
  g_free (self->edges);
  g_hash_table_unref (self->link_index);
  for (guint i = 0; i < self->links->len; i++)
    g_free (g_array_index (self->links, LinkState, i).id);
  g_array_unref (self->links);
  g_hash_table_unref (self->distances);
  g_hash_table_unref (self->nodes);
  g_free (self);
}

static LinkState *
find_link (PochtaLinkMap *self, const char *link_id)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->link_index, link_id));
  return index != 0 ? &g_array_index (self->links, LinkState, index - 1) : NULL;
}

gboolean
pochta_link_map_has_link (PochtaLinkMap *self, const char *link_id)
{
  g_return_val_if_fail (self != NULL && link_id != NULL, FALSE);
  return find_link (self, link_id) != NULL;
}

void
pochta_link_map_set_down (PochtaLinkMap *self, const char *link_id, gboolean down)
{
  g_return_if_fail (self != NULL && link_id != NULL);
  LinkState *link = find_link (self, link_id);
  g_return_if_fail (link != NULL);

  link->down = down;
  g_hash_table_remove_all (self->distances);
}

gboolean
pochta_link_map_is_down (PochtaLinkMap *self, const char *link_id)
{
  g_return_val_if_fail (self != NULL && link_id != NULL, FALSE);
  LinkState *link = find_link (self, link_id);
  g_return_val_if_fail (link != NULL, FALSE);
  return link->down;
}

void
pochta_link_map_set_slowdown (PochtaLinkMap *self, const char *link_id, guint factor)
{
  g_return_if_fail (self != NULL && link_id != NULL);
  g_return_if_fail (factor >= 1);
  LinkState *link = find_link (self, link_id);
  g_return_if_fail (link != NULL);

  link->slowdown = factor;
  g_hash_table_remove_all (self->distances);
}

guint
pochta_link_map_get_slowdown (PochtaLinkMap *self, const char *link_id)
{
  g_return_val_if_fail (self != NULL && link_id != NULL, 1);
  LinkState *link = find_link (self, link_id);
  g_return_val_if_fail (link != NULL, 1);
  return link->slowdown;
}

typedef struct
{
  gint64 distance;
  guint node;
} Candidate;

static gboolean
candidate_before (const Candidate *a, const Candidate *b)
{
  return a->distance < b->distance || (a->distance == b->distance && a->node < b->node);
}

static void
heap_push (GArray *heap, Candidate candidate)
{
  g_array_append_val (heap, candidate);
  Candidate *c = (Candidate *) heap->data;
  for (guint i = heap->len - 1; i > 0 && candidate_before (&c[i], &c[(i - 1) / 2]); i = (i - 1) / 2)
    {
      Candidate tmp = c[i];
      c[i] = c[(i - 1) / 2];
      c[(i - 1) / 2] = tmp;
    }
}

static Candidate
heap_pop (GArray *heap)
{
  Candidate *c = (Candidate *) heap->data;
  Candidate first = c[0];
  c[0] = c[heap->len - 1];
  heap->len--;  /* plain values: nothing to clear */
  for (guint i = 0;;)
    {
      guint best = i, left = 2 * i + 1, right = left + 1;
      if (left < heap->len && candidate_before (&c[left], &c[best]))
        best = left;
      if (right < heap->len && candidate_before (&c[right], &c[best]))
        best = right;
      if (best == i)
        break;
      Candidate tmp = c[i];
      c[i] = c[best];
      c[best] = tmp;
      i = best;
    }
  return first;
}

/* Dijkstra from source over the links that are up. */
static gint64 *
compute_distances (PochtaLinkMap *self, guint source)
{
  gint64 *distance = g_new (gint64, self->n_nodes);
  g_autoptr (GArray) heap = g_array_sized_new (FALSE, FALSE, sizeof (Candidate), self->n_nodes);

  for (guint i = 0; i < self->n_nodes; i++)
    distance[i] = -1;
  distance[source] = 0;
  heap_push (heap, (Candidate) { 0, source });
  while (heap->len > 0)
    {
      Candidate current = heap_pop (heap);
      if (current.distance > distance[current.node])
        continue;
      GArray *edges = self->edges[current.node];
      for (guint e = 0; e < edges->len; e++)
        {
          const Edge *edge = &g_array_index (edges, Edge, e);
          const LinkState *link = &g_array_index (self->links, LinkState, edge->link);
          if (link->down)
            continue;
          gint64 d = current.distance + edge->weight_usec * link->slowdown;
          if (distance[edge->to] < 0 || d < distance[edge->to])
            {
              distance[edge->to] = d;
              heap_push (heap, (Candidate) { d, edge->to });
            }
        }
    }
  return distance;
}

gboolean
pochta_link_map_get_latency (PochtaLinkMap *self,
                             const char    *from_host,
                             const char    *to_host,
                             gint64        *out_latency_usec)
{
  g_return_val_if_fail (self != NULL && from_host != NULL && to_host != NULL, FALSE);

  return pochta_link_map_get_node_latency (self, node_index (self, from_host, FALSE),
                                           node_index (self, to_host, FALSE), out_latency_usec);
}

guint
pochta_link_map_find_node (PochtaLinkMap *self, const char *host)
{
  g_return_val_if_fail (self != NULL && host != NULL, 0);
  return node_index (self, host, FALSE);
}

gboolean
pochta_link_map_get_node_latency (PochtaLinkMap *self,
                                  guint          from,
                                  guint          to,
                                  gint64        *out_latency_usec)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (from == 0 || to == 0)
    return FALSE;

  gint64 *distance = g_hash_table_lookup (self->distances, GUINT_TO_POINTER (from));
  if (distance == NULL)
    {
      distance = compute_distances (self, from - 1);
      g_hash_table_insert (self->distances, GUINT_TO_POINTER (from), distance);
    }
  if (distance[to - 1] < 0)
    return FALSE;
  if (out_latency_usec != NULL)
    *out_latency_usec = distance[to - 1];
  return TRUE;
}
