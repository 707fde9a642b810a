/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network map's model and drawing: a layout computed when the size
 * changes, the static part cached in a surface, envelopes moved along
 * precomputed paths and drawn with their labels cached as images. */
#define G_LOG_DOMAIN "pochta-map-scene"
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "map-scene.h"
#include "reply-palette.h"

/* Layout, in design units; the whole map is scaled to fit the widget. */
#define CARD_WIDTH 186.0
#define CARD_HEIGHT 86.0
#define CARD_GAP 14.0
#define REGION_PADDING 14.0
#define REGION_TITLE 30.0
#define LAN_DROP 40.0       /* below the cards: the LAN's bus and node */
#define REGION_GAP 36.0
#define ROW_GAP 56.0        /* between the departments and the hosts outside them */
#define MAP_MARGIN 14.0
#define MAX_SCALE 1.5
#define LOOP_SIZE 46.0      /* a connection from a host to itself */

/* Envelopes and their labels keep their size in pixels whatever the
 * map's scale, so that the text stays legible. */
#define ENVELOPE_WIDTH 22.0
#define ENVELOPE_HEIGHT 15.0
#define LABEL_MAX_CHARS 34
#define LABEL_FONT "Sans 8.5"

typedef struct
{
  double r, g, b;
} Rgb;

static const Rgb ink = { 0.13, 0.13, 0.14 };
static const Rgb dim = { 0.37, 0.39, 0.41 };
static const Rgb rule = { 0.62, 0.65, 0.68 };
static const Rgb accent = { 0.21, 0.52, 0.89 };
static const Rgb fault_red = { 0.75, 0.11, 0.16 };
/* An envelope in the colour of its line in every other view: the
 * shared palette (reply-palette.h), commands in its secondary grey. */
static Rgb
envelope_colour (PochtaReplyClass reply_class)
{
  PochtaRgb colour = reply_class >= POCHTA_REPLY_POSITIVE && reply_class <= POCHTA_REPLY_PERMANENT
                       ? pochta_palette_reply_class (reply_class)
                       : pochta_palette_secondary;
  return (Rgb) { colour.r / 255.0, colour.g / 255.0, colour.b / 255.0 };
}

typedef struct
{
  double x, y;
} Point;

typedef struct
{
  char *name;
  char *address;
  char *profile;
  char *services;
  char *department;
  char *mail;
  gboolean down;
  double x, y;        /* card's top left, design units */
} SceneHost;

typedef struct
{
  char *id;
  char *name;
  double x, y, width, height;
  GPtrArray *hosts;   /* of SceneHost*, borrowed */
} SceneRegion;

typedef struct
{
  char *id;
  PochtaLinkKind kind;
  GPtrArray *members; /* of node indices: hosts first, then LANs */
  guint latency_ms;
  gboolean down;
  double x, y;        /* LAN: its node; bus_y its bus */
  double bus_y;
} SceneLink;

typedef struct
{
  GArray *points;     /* of Point, design units */
  GArray *lengths;    /* of double: length up to each point */
  double total;
  char *from, *to;
  char *label;
  PochtaReplyClass reply_class;
  gint64 start, duration;
  double x, y;        /* where it is now, design units */
  cairo_surface_t *sprite;           /* the icon and the label */
  double sprite_width, sprite_height; /* pixels */
} Envelope;

struct _PochtaMapScene
{
  GPtrArray *hosts;        /* of SceneHost* */
  GPtrArray *regions;      /* of SceneRegion* */
  GPtrArray *links;        /* of SceneLink* */
  GHashTable *host_index;  /* name -> index + 1 */
  GPtrArray *envelopes;    /* of Envelope* */
  char *selected_host;
  char *path_from, *path_to;

  double width, height;    /* the target's size */
  double design_width, design_height;
  double scale, offset_x, offset_y;

  cairo_surface_t *background;
  double background_scale;  /* the device scale it was drawn for */
};

static void
scene_host_free (gpointer data)
{
  SceneHost *host = data;
  g_free (host->name);
  g_free (host->address);
  g_free (host->profile);
  g_free (host->services);
  g_free (host->department);
  g_free (host->mail);
  g_free (host);
}

static void
scene_region_free (gpointer data)
{
  SceneRegion *region = data;
  g_free (region->id);
  g_free (region->name);
  g_ptr_array_unref (region->hosts);
  g_free (region);
}

static void
scene_link_free (gpointer data)
{
  SceneLink *link = data;
  g_free (link->id);
  g_ptr_array_unref (link->members);
  g_free (link);
}

static void
envelope_free (gpointer data)
{
  Envelope *envelope = data;
  g_array_unref (envelope->points);
  g_array_unref (envelope->lengths);
  g_free (envelope->from);
  g_free (envelope->to);
  g_free (envelope->label);
  g_clear_pointer (&envelope->sprite, cairo_surface_destroy);
  g_free (envelope);
}

static void
invalidate_background (PochtaMapScene *self)
{
  g_clear_pointer (&self->background, cairo_surface_destroy);
}

static char *
describe_services (const PochtaHost *host)
{
  if (host->smtp_port != 0 && host->pop3_port != 0)
    return g_strdup_printf ("SMTP %u \xc2\xb7 POP3 %u", host->smtp_port, host->pop3_port);
  if (host->smtp_port != 0)
    return g_strdup_printf ("SMTP %u", host->smtp_port);
  if (host->pop3_port != 0)
    return g_strdup_printf ("POP3 %u", host->pop3_port);
  return g_strdup (_("no services"));
}

static SceneRegion *
find_region (PochtaMapScene *self, const char *id)
{
  for (guint i = 0; i < self->regions->len; i++)
    {
      SceneRegion *region = g_ptr_array_index (self->regions, i);
      if (g_strcmp0 (region->id, id) == 0)
        return region;
    }
  return NULL;
}

static void
add_hosts (PochtaMapScene *self, PochtaNetwork *network)
{
  GPtrArray *departments = pochta_network_get_departments (network);
  for (guint i = 0; i < departments->len; i++)
    {
      const PochtaDepartment *department = g_ptr_array_index (departments, i);
      SceneRegion *region = g_new0 (SceneRegion, 1);
      region->id = g_strdup (department->id);
      region->name = g_strdup_printf ("%s \xc2\xb7 %s", department->name, department->domain);
      region->hosts = g_ptr_array_new ();
      g_ptr_array_add (self->regions, region);
    }

  GPtrArray *hosts = pochta_network_get_hosts (network);
  for (guint i = 0; i < hosts->len; i++)
    {
      const PochtaHost *host = g_ptr_array_index (hosts, i);
      SceneHost *scene_host = g_new0 (SceneHost, 1);
      scene_host->name = g_strdup (host->name);
      scene_host->address = g_strdup (host->address);
      scene_host->profile = g_strdup (pochta_smtp_profile_to_string (host->profile));
      scene_host->services = describe_services (host);
      scene_host->department = g_strdup (host->department);
      g_ptr_array_add (self->hosts, scene_host);
      g_hash_table_insert (self->host_index, scene_host->name, GUINT_TO_POINTER (i + 1));
      SceneRegion *region = find_region (self, host->department);
      if (region != NULL)
        g_ptr_array_add (region->hosts, scene_host);
    }
}

static int
host_node (PochtaMapScene *self, const char *name)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (self->host_index, name)) - 1;
}

static int
link_node (PochtaMapScene *self, const char *id)
{
  for (guint i = 0; i < self->links->len; i++)
    {
      SceneLink *link = g_ptr_array_index (self->links, i);
      if (link->kind == POCHTA_LINK_LAN && strcmp (link->id, id) == 0)
        return (int) (self->hosts->len + i);
    }
  return -1;
}

static void
add_links (PochtaMapScene *self, PochtaNetwork *network)
{
  GPtrArray *links = pochta_network_get_links (network);

  /* LANs first, so that a point-to-point link can name them. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < links->len; i++)
      {
        const PochtaLink *link = g_ptr_array_index (links, i);
        if ((pass == 0) != (link->kind == POCHTA_LINK_LAN))
          continue;
        SceneLink *scene_link = g_new0 (SceneLink, 1);
        scene_link->id = g_strdup (link->id);
        scene_link->kind = link->kind;
        scene_link->latency_ms = link->latency_ms;
        scene_link->members = g_ptr_array_new ();
        for (guint m = 0; link->members[m] != NULL; m++)
          {
            int node = host_node (self, link->members[m]);
            if (node < 0)
              node = link_node (self, link->members[m]);
            if (node >= 0)
              g_ptr_array_add (scene_link->members, GINT_TO_POINTER (node));
          }
        g_ptr_array_add (self->links, scene_link);
      }
}

PochtaMapScene *
pochta_map_scene_new (PochtaNetwork *network)
{
  g_return_val_if_fail (network != NULL, NULL);

  PochtaMapScene *self = g_new0 (PochtaMapScene, 1);
  self->hosts = g_ptr_array_new_with_free_func (scene_host_free);
  self->regions = g_ptr_array_new_with_free_func (scene_region_free);
  self->links = g_ptr_array_new_with_free_func (scene_link_free);
  self->host_index = g_hash_table_new (g_str_hash, g_str_equal);
  self->envelopes = g_ptr_array_new_with_free_func (envelope_free);
  self->scale = 1;
  add_hosts (self, network);
  add_links (self, network);
  pochta_map_scene_set_size (self, 800, 500);
  return self;
}

void
pochta_map_scene_free (PochtaMapScene *self)
{
  g_return_if_fail (self != NULL);

  g_ptr_array_unref (self->envelopes);
  g_ptr_array_unref (self->links);
  g_ptr_array_unref (self->regions);
  g_hash_table_unref (self->host_index);
  g_ptr_array_unref (self->hosts);
  g_free (self->selected_host);
  g_free (self->path_from);
  g_free (self->path_to);
  invalidate_background (self);
  g_free (self);
}

/* ---- layout ---- */

static guint
region_columns (guint n_hosts)
{
  return n_hosts <= 3 ? MAX (n_hosts, 1) : (guint) ceil (sqrt (n_hosts * 1.6));
}

static void
size_region (SceneRegion *region)
{
  guint columns = region_columns (region->hosts->len);
  guint rows = MAX (1, (region->hosts->len + columns - 1) / columns);

  region->width = columns * CARD_WIDTH + (columns - 1) * CARD_GAP + 2 * REGION_PADDING;
  region->height = REGION_TITLE + rows * CARD_HEIGHT + (rows - 1) * CARD_GAP + LAN_DROP;
}

static void
place_region (SceneRegion *region, double x, double y)
{
  guint columns = region_columns (region->hosts->len);

  region->x = x;
  region->y = y;
  for (guint i = 0; i < region->hosts->len; i++)
    {
      SceneHost *host = g_ptr_array_index (region->hosts, i);
      host->x = x + REGION_PADDING + (i % columns) * (CARD_WIDTH + CARD_GAP);
      host->y = y + REGION_TITLE + (i / columns) * (CARD_HEIGHT + CARD_GAP);
    }
}

/* Places the regions k to a row and the hosts of no department in rows
 * under them; returns the bounding size. */
static void
arrange (PochtaMapScene *self, guint per_row, double *out_width, double *out_height)
{
  double y = MAP_MARGIN, width = 0;

  for (guint first = 0; first < self->regions->len; first += per_row)
    {
      double x = MAP_MARGIN, row_height = 0;
      for (guint i = first; i < MIN (first + per_row, self->regions->len); i++)
        {
          SceneRegion *region = g_ptr_array_index (self->regions, i);
          size_region (region);
          place_region (region, x, y);
          x += region->width + REGION_GAP;
          row_height = MAX (row_height, region->height);
        }
      width = MAX (width, x - REGION_GAP + MAP_MARGIN);
      y += row_height + ROW_GAP;
    }

  g_autoptr (GPtrArray) loose = g_ptr_array_new ();
  for (guint i = 0; i < self->hosts->len; i++)
    {
      SceneHost *host = g_ptr_array_index (self->hosts, i);
      if (find_region (self, host->department) == NULL)
        g_ptr_array_add (loose, host);
    }
  guint loose_per_row = MAX (per_row * 2, 4);
  for (guint i = 0; i < loose->len; i++)
    {
      SceneHost *host = g_ptr_array_index (loose, i);
      host->x = MAP_MARGIN + (i % loose_per_row) * (CARD_WIDTH + REGION_GAP);
      host->y = y + (i / loose_per_row) * (CARD_HEIGHT + CARD_GAP);
    }
  if (loose->len > 0)
    {
      guint rows = (loose->len + loose_per_row - 1) / loose_per_row;
      double row_width = MIN (loose->len, loose_per_row) * (CARD_WIDTH + REGION_GAP) - REGION_GAP;
      width = MAX (width, row_width + 2 * MAP_MARGIN);
      /* Centred under the departments. */
      double shift = (width - row_width) / 2 - MAP_MARGIN;
      for (guint i = 0; i < loose->len; i++)
        ((SceneHost *) g_ptr_array_index (loose, i))->x += shift;
      y += rows * (CARD_HEIGHT + CARD_GAP) - CARD_GAP + MAP_MARGIN;
    }
  else
    y += MAP_MARGIN - ROW_GAP;
  *out_width = MAX (width, 2 * MAP_MARGIN + CARD_WIDTH);
  *out_height = y;
}

static Point
card_centre (const SceneHost *host)
{
  return (Point) { host->x + CARD_WIDTH / 2, host->y + CARD_HEIGHT / 2 };
}

/* A LAN's node sits under its members: on their region's bus when they
 * share one, else under their middle. */
static void
place_lans (PochtaMapScene *self)
{
  for (guint i = 0; i < self->links->len; i++)
    {
      SceneLink *link = g_ptr_array_index (self->links, i);
      if (link->kind != POCHTA_LINK_LAN || link->members->len == 0)
        continue;
      double sum_x = 0, bottom = 0;
      guint n_hosts = 0;
      for (guint m = 0; m < link->members->len; m++)
        {
          guint node = GPOINTER_TO_UINT (g_ptr_array_index (link->members, m));
          if (node >= self->hosts->len)
            continue;
          SceneHost *host = g_ptr_array_index (self->hosts, node);
          sum_x += card_centre (host).x;
          bottom = MAX (bottom, host->y + CARD_HEIGHT);
          n_hosts++;
        }
      if (n_hosts == 0)
        continue;
      link->x = sum_x / n_hosts;
      link->bus_y = bottom + LAN_DROP / 2;
      link->y = link->bus_y;
    }
}

void
pochta_map_scene_set_size (PochtaMapScene *self, double width, double height)
{
  g_return_if_fail (self != NULL);

  width = MAX (width, 1);
  height = MAX (height, 1);
  self->width = width;
  self->height = height;

  /* As many departments to a row as gives the largest scale. */
  guint best = 1;
  double best_scale = 0;
  for (guint per_row = 1; per_row <= MAX (self->regions->len, 1); per_row++)
    {
      double w, h;
      arrange (self, per_row, &w, &h);
      double scale = MIN (width / w, height / h);
      if (scale > best_scale + 1e-9)
        {
          best_scale = scale;
          best = per_row;
        }
    }
  arrange (self, best, &self->design_width, &self->design_height);
  place_lans (self);
  self->scale = MIN (best_scale, MAX_SCALE);
  self->offset_x = (width - self->design_width * self->scale) / 2;
  self->offset_y = (height - self->design_height * self->scale) / 2;
  invalidate_background (self);
}

/* ---- paths ---- */

static Point
node_anchor (PochtaMapScene *self, guint node)
{
  if (node < self->hosts->len)
    return card_centre (g_ptr_array_index (self->hosts, node));
  SceneLink *link = g_ptr_array_index (self->links, node - self->hosts->len);
  return (Point) { link->x, link->y };
}

static void
append_point (GArray *points, double x, double y)
{
  Point point = { x, y };
  g_array_append_val (points, point);
}

/* The segment from node a to node b over link, appended to points (which
 * ends at a already). */
static void
append_hop (PochtaMapScene *self, GArray *points, SceneLink *link, guint a, guint b)
{
  Point end = node_anchor (self, b);

  if (link->kind == POCHTA_LINK_LAN)
    {
      /* Down the drop to the bus, along it, up the other drop. */
      Point start = node_anchor (self, a);
      append_point (points, start.x, link->bus_y);
      append_point (points, end.x, link->bus_y);
    }
  append_point (points, end.x, end.y);
}

/* Breadth-first over the links (a host down still carries nothing, but
 * the map shows where the letter would go). */
static GArray *
find_path (PochtaMapScene *self, guint from, guint to)
{
  guint n_nodes = self->hosts->len + self->links->len;
  g_autofree int *previous = g_new (int, n_nodes);
  g_autofree int *via = g_new (int, n_nodes);
  g_autoptr (GQueue) queue = g_queue_new ();
  GArray *points = g_array_new (FALSE, FALSE, sizeof (Point));

  for (guint i = 0; i < n_nodes; i++)
    previous[i] = via[i] = -1;
  previous[from] = (int) from;
  g_queue_push_tail (queue, GUINT_TO_POINTER (from));
  while (!g_queue_is_empty (queue) && previous[to] < 0)
    {
      guint node = GPOINTER_TO_UINT (g_queue_pop_head (queue));
      for (guint l = 0; l < self->links->len; l++)
        {
          SceneLink *link = g_ptr_array_index (self->links, l);
          guint lan = self->hosts->len + l;
          gboolean member = FALSE;
          for (guint m = 0; m < link->members->len; m++)
            member |= GPOINTER_TO_UINT (g_ptr_array_index (link->members, m)) == node;
          if (link->kind == POCHTA_LINK_LAN && member && previous[lan] < 0)
            {
              previous[lan] = (int) node;
              via[lan] = (int) l;
              g_queue_push_tail (queue, GUINT_TO_POINTER (lan));
            }
          /* A LAN node reaches its members; a point-to-point link joins
           * its ends. */
          if ((link->kind == POCHTA_LINK_LAN && node == lan) || (link->kind != POCHTA_LINK_LAN && member))
            for (guint m = 0; m < link->members->len; m++)
              {
                guint other = GPOINTER_TO_UINT (g_ptr_array_index (link->members, m));
                if (other != node && previous[other] < 0)
                  {
                    previous[other] = (int) node;
                    via[other] = (int) l;
                    g_queue_push_tail (queue, GUINT_TO_POINTER (other));
                  }
              }
        }
    }

  Point start = node_anchor (self, from);
  g_array_append_val (points, start);
  if (previous[to] < 0 || from == to)
    {
      /* No path, or a host talking to itself: a loop above its card. */
      Point end = node_anchor (self, to);
      if (from == to)
        {
          append_point (points, start.x, start.y - LOOP_SIZE);
          append_point (points, start.x + LOOP_SIZE, start.y - LOOP_SIZE);
        }
      g_array_append_val (points, end);
      return points;
    }

  g_autoptr (GArray) chain = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint node = to; node != from; node = (guint) previous[node])
    g_array_prepend_val (chain, node);
  guint at = from;
  for (guint i = 0; i < chain->len; i++)
    {
      guint next = g_array_index (chain, guint, i);
      append_hop (self, points, g_ptr_array_index (self->links, via[next]), at, next);
      at = next;
    }
  return points;
}

static GArray *
cumulative_lengths (GArray *points, double *out_total)
{
  GArray *lengths = g_array_sized_new (FALSE, FALSE, sizeof (double), points->len);
  double total = 0;

  for (guint i = 0; i < points->len; i++)
    {
      if (i > 0)
        {
          Point a = g_array_index (points, Point, i - 1), b = g_array_index (points, Point, i);
          total += hypot (b.x - a.x, b.y - a.y);
        }
      g_array_append_val (lengths, total);
    }
  *out_total = total;
  return lengths;
}

/* ---- model updates ---- */

static SceneHost *
lookup_host (PochtaMapScene *self, const char *name)
{
  int node = name != NULL ? host_node (self, name) : -1;
  return node >= 0 ? g_ptr_array_index (self->hosts, node) : NULL;
}

void
pochta_map_scene_set_host_mail (PochtaMapScene *self, const char *host, const char *mail)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (host != NULL);

  SceneHost *scene_host = lookup_host (self, host);
  if (scene_host == NULL || g_strcmp0 (scene_host->mail, mail) == 0)
    return;
  g_free (scene_host->mail);
  scene_host->mail = g_strdup (mail);
  invalidate_background (self);
}

void
pochta_map_scene_set_host_down (PochtaMapScene *self, const char *host, gboolean down)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (host != NULL);

  SceneHost *scene_host = lookup_host (self, host);
  if (scene_host == NULL || scene_host->down == !!down)
    return;
  scene_host->down = !!down;
  invalidate_background (self);
}

void
pochta_map_scene_set_link_down (PochtaMapScene *self, const char *link, gboolean down)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (link != NULL);

  for (guint i = 0; i < self->links->len; i++)
    {
      SceneLink *scene_link = g_ptr_array_index (self->links, i);
      if (strcmp (scene_link->id, link) == 0 && scene_link->down != !!down)
        {
          scene_link->down = !!down;
          invalidate_background (self);
        }
    }
}

void
pochta_map_scene_set_selected_host (PochtaMapScene *self, const char *host)
{
  g_return_if_fail (self != NULL);

  if (g_strcmp0 (self->selected_host, host) == 0)
    return;
  g_free (self->selected_host);
  self->selected_host = g_strdup (host);
  invalidate_background (self);
}

void
pochta_map_scene_set_selected_path (PochtaMapScene *self, const char *from, const char *to)
{
  g_return_if_fail (self != NULL);

  if (g_strcmp0 (self->path_from, from) == 0 && g_strcmp0 (self->path_to, to) == 0)
    return;
  g_free (self->path_from);
  g_free (self->path_to);
  self->path_from = g_strdup (from);
  self->path_to = g_strdup (to);
  invalidate_background (self);
}

void
pochta_map_scene_add_envelope (PochtaMapScene  *self,
                               const char      *from_host,
                               const char      *to_host,
                               const char      *label,
                               PochtaReplyClass reply_class,
                               gint64           start_time,
                               gint64           duration)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (from_host != NULL && to_host != NULL && label != NULL);
  g_return_if_fail (duration > 0);

  int from = host_node (self, from_host), to = host_node (self, to_host);
  if (from < 0 || to < 0)
    return;
  Envelope *envelope = g_new0 (Envelope, 1);
  envelope->points = find_path (self, (guint) from, (guint) to);
  envelope->lengths = cumulative_lengths (envelope->points, &envelope->total);
  envelope->from = g_strdup (from_host);
  envelope->to = g_strdup (to_host);
  if (g_utf8_strlen (label, -1) > LABEL_MAX_CHARS)
    {
      g_autofree char *prefix = g_utf8_substring (label, 0, LABEL_MAX_CHARS - 1);
      envelope->label = g_strconcat (prefix, "\xe2\x80\xa6", NULL);
    }
  else
    envelope->label = g_strdup (label);
  envelope->reply_class = reply_class <= POCHTA_REPLY_PERMANENT ? reply_class : POCHTA_REPLY_NONE;
  envelope->start = start_time;
  envelope->duration = duration;
  Point start = g_array_index (envelope->points, Point, 0);
  envelope->x = start.x;
  envelope->y = start.y;
  g_ptr_array_add (self->envelopes, envelope);
}

void
pochta_map_scene_clear_envelopes (PochtaMapScene *self)
{
  g_return_if_fail (self != NULL);
  g_ptr_array_set_size (self->envelopes, 0);
}

static void
place_envelope (Envelope *envelope, double fraction)
{
  double distance = fraction * envelope->total;
  guint i = 1;

  while (i + 1 < envelope->points->len && g_array_index (envelope->lengths, double, i) < distance)
    i++;
  if (envelope->points->len < 2)
    return;
  Point a = g_array_index (envelope->points, Point, i - 1);
  Point b = g_array_index (envelope->points, Point, i);
  double from = g_array_index (envelope->lengths, double, i - 1);
  double span = g_array_index (envelope->lengths, double, i) - from;
  double t = span > 0 ? CLAMP ((distance - from) / span, 0, 1) : 1;
  envelope->x = a.x + (b.x - a.x) * t;
  envelope->y = a.y + (b.y - a.y) * t;
}

/* Eases in and out, so an envelope leaves and lands gently. */
static double
ease (double t)
{
  return t < 0.5 ? 2 * t * t : 1 - pow (-2 * t + 2, 2) / 2;
}

guint
pochta_map_scene_advance (PochtaMapScene *self, gint64 now)
{
  g_return_val_if_fail (self != NULL, 0);

  for (guint i = self->envelopes->len; i > 0; i--)
    {
      Envelope *envelope = g_ptr_array_index (self->envelopes, i - 1);
      double t = (double) (now - envelope->start) / envelope->duration;
      if (t >= 1)
        g_ptr_array_remove_index (self->envelopes, i - 1);
      else
        place_envelope (envelope, ease (CLAMP (t, 0, 1)));
    }
  return self->envelopes->len;
}

/* ---- drawing ---- */

static void
set_rgb (cairo_t *cr, const Rgb *colour)
{
  cairo_set_source_rgb (cr, colour->r, colour->g, colour->b);
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
show_text (cairo_t    *cr,
           const char *font,
           const char *text,
           double      x,
           double      y,
           double      max_width,
           gboolean    centred)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *description = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, description);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  if (centred)
    pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (description);
  g_object_unref (layout);
}

static void
draw_region (cairo_t *cr, const SceneRegion *region)
{
  rounded_rectangle (cr, region->x, region->y, region->width, region->height, 12);
  cairo_set_source_rgba (cr, accent.r, accent.g, accent.b, 0.06);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, accent.r, accent.g, accent.b, 0.35);
  cairo_set_line_width (cr, 1.2);
  cairo_set_dash (cr, (const double[]) { 5, 4 }, 2, 0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_source_rgba (cr, accent.r * 0.6, accent.g * 0.6, accent.b * 0.6, 1);
  show_text (cr, "Sans Bold 10", region->name, region->x + REGION_PADDING, region->y + 7,
             region->width - 2 * REGION_PADDING, FALSE);
}

static void
cross (cairo_t *cr, Point at)
{
  cairo_set_line_width (cr, 3);
  cairo_move_to (cr, at.x - 7, at.y - 7);
  cairo_line_to (cr, at.x + 7, at.y + 7);
  cairo_move_to (cr, at.x + 7, at.y - 7);
  cairo_line_to (cr, at.x - 7, at.y + 7);
  cairo_stroke (cr);
}

static void
stroke_link_style (cairo_t *cr, const SceneLink *link)
{
  if (link->down)
    {
      set_rgb (cr, &fault_red);
      cairo_set_dash (cr, (const double[]) { 6, 5 }, 2, 0);
    }
  else
    set_rgb (cr, &rule);
  cairo_set_line_width (cr, link->kind == POCHTA_LINK_LAN ? 2 : 3);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

static void
draw_link_label (cairo_t *cr, const SceneLink *link, Point at)
{
  g_autofree char *text = g_strdup_printf ("%s \xc2\xb7 %u ms", link->id, link->latency_ms);
  set_rgb (cr, link->down ? &fault_red : &dim);
  show_text (cr, "Sans 8", text, at.x + 8, at.y + 2, 160, FALSE);
}

static void
draw_links (PochtaMapScene *self, cairo_t *cr)
{
  for (guint i = 0; i < self->links->len; i++)
    {
      SceneLink *link = g_ptr_array_index (self->links, i);
      if (link->kind == POCHTA_LINK_LAN)
        {
          double left = link->x, right = link->x;
          for (guint m = 0; m < link->members->len; m++)
            {
              Point p = node_anchor (self, GPOINTER_TO_UINT (g_ptr_array_index (link->members, m)));
              cairo_move_to (cr, p.x, p.y);
              cairo_line_to (cr, p.x, link->bus_y);
              left = MIN (left, p.x);
              right = MAX (right, p.x);
            }
          cairo_move_to (cr, left, link->bus_y);
          cairo_line_to (cr, right, link->bus_y);
          stroke_link_style (cr, link);
          if (link->down)
            cross (cr, (Point) { link->x, link->bus_y });
        }
      else if (link->members->len == 2)
        {
          Point a = node_anchor (self, GPOINTER_TO_UINT (g_ptr_array_index (link->members, 0)));
          Point b = node_anchor (self, GPOINTER_TO_UINT (g_ptr_array_index (link->members, 1)));
          cairo_move_to (cr, a.x, a.y);
          cairo_line_to (cr, b.x, b.y);
          stroke_link_style (cr, link);
          Point middle = { (a.x + b.x) / 2, (a.y + b.y) / 2 };
          if (link->down)
            cross (cr, middle);
          draw_link_label (cr, link, middle);
        }
    }
  /* The LAN nodes over the lines. */
  for (guint i = 0; i < self->links->len; i++)
    {
      SceneLink *link = g_ptr_array_index (self->links, i);
      if (link->kind != POCHTA_LINK_LAN)
        continue;
      cairo_arc (cr, link->x, link->bus_y, 5, 0, 2 * G_PI);
      set_rgb (cr, link->down ? &fault_red : &dim);
      cairo_fill (cr);
      g_autofree char *text = g_strdup_printf ("%s \xc2\xb7 %u ms", link->id, link->latency_ms);
      show_text (cr, "Sans 8", text, link->x + 9, link->bus_y + 2, 150, FALSE);
    }
}

static void
draw_selected_path (PochtaMapScene *self, cairo_t *cr)
{
  int from = self->path_from != NULL ? host_node (self, self->path_from) : -1;
  int to = self->path_to != NULL ? host_node (self, self->path_to) : -1;
  if (from < 0 || to < 0)
    return;

  g_autoptr (GArray) points = find_path (self, (guint) from, (guint) to);
  for (guint i = 0; i < points->len; i++)
    {
      Point p = g_array_index (points, Point, i);
      if (i == 0)
        cairo_move_to (cr, p.x, p.y);
      else
        cairo_line_to (cr, p.x, p.y);
    }
  cairo_set_source_rgba (cr, accent.r, accent.g, accent.b, 0.55);
  cairo_set_line_width (cr, 6);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
}

static void
draw_host (PochtaMapScene *self, cairo_t *cr, const SceneHost *host)
{
  gboolean selected = g_strcmp0 (self->selected_host, host->name) == 0;
  const Rgb *text = host->down ? &rule : &ink;
  const Rgb *secondary = host->down ? &rule : &dim;
  double x = host->x, y = host->y, inner = CARD_WIDTH - 24;

  /* A soft shadow under the card. */
  rounded_rectangle (cr, x + 1, y + 2, CARD_WIDTH, CARD_HEIGHT, 8);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.08);
  cairo_fill (cr);
  rounded_rectangle (cr, x, y, CARD_WIDTH, CARD_HEIGHT, 8);
  if (host->down)
    cairo_set_source_rgb (cr, 0.90, 0.90, 0.90);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  if (selected)
    {
      set_rgb (cr, &accent);
      cairo_set_line_width (cr, 2.5);
    }
  else
    {
      set_rgb (cr, host->down ? &fault_red : &rule);
      cairo_set_line_width (cr, 1);
    }
  cairo_stroke (cr);

  set_rgb (cr, text);
  show_text (cr, "Sans Bold 9.5", host->name, x + 12, y + 8, inner, FALSE);
  g_autofree char *address = g_strdup_printf ("%s \xc2\xb7 %s", host->address, host->profile);
  set_rgb (cr, secondary);
  show_text (cr, "Monospace 8.5", address, x + 12, y + 27, inner, FALSE);
  show_text (cr, "Sans 8.5", host->services, x + 12, y + 44, inner, FALSE);
  if (host->down)
    {
      set_rgb (cr, &fault_red);
      show_text (cr, "Sans Bold 8.5", _("host down"), x + 12, y + 61, inner, FALSE);
    }
  else if (host->mail != NULL)
    {
      set_rgb (cr, &ink);
      show_text (cr, "Sans 8.5", host->mail, x + 12, y + 61, inner, FALSE);
    }
}

static void
draw_static (PochtaMapScene *self, cairo_t *cr)
{
  cairo_save (cr);
  cairo_translate (cr, self->offset_x, self->offset_y);
  cairo_scale (cr, self->scale, self->scale);
  for (guint i = 0; i < self->regions->len; i++)
    draw_region (cr, g_ptr_array_index (self->regions, i));
  draw_links (self, cr);
  draw_selected_path (self, cr);
  for (guint i = 0; i < self->hosts->len; i++)
    draw_host (self, cr, g_ptr_array_index (self->hosts, i));
  cairo_restore (cr);
}

static double
device_scale (cairo_t *cr)
{
  double x_scale = 1, y_scale = 1;
  cairo_surface_get_device_scale (cairo_get_target (cr), &x_scale, &y_scale);
  return x_scale;
}

static cairo_surface_t *
create_image (cairo_t *cr, double width, double height, double scale)
{
  cairo_surface_t *surface =
    cairo_surface_create_similar_image (cairo_get_target (cr), CAIRO_FORMAT_ARGB32,
                                        (int) ceil (width * scale), (int) ceil (height * scale));
  cairo_surface_set_device_scale (surface, scale, scale);
  return surface;
}

static void
ensure_background (PochtaMapScene *self, cairo_t *cr)
{
  double scale = device_scale (cr);

  if (self->background != NULL && self->background_scale == scale)
    return;
  invalidate_background (self);
  self->background = create_image (cr, self->width, self->height, scale);
  self->background_scale = scale;
  cairo_t *background = cairo_create (self->background);
  draw_static (self, background);
  cairo_destroy (background);
}

static void
draw_envelope_icon (cairo_t *cr, const Rgb *colour, double left, double top)
{
  cairo_rectangle (cr, left + 0.5, top + 0.5, ENVELOPE_WIDTH - 1, ENVELOPE_HEIGHT - 1);
  set_rgb (cr, colour);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  /* The flap. */
  cairo_move_to (cr, left + 1.5, top + 1.5);
  cairo_line_to (cr, left + ENVELOPE_WIDTH / 2, top + ENVELOPE_HEIGHT / 2 + 1);
  cairo_line_to (cr, left + ENVELOPE_WIDTH - 1.5, top + 1.5);
  cairo_stroke (cr);
}

/* The envelope and its label, drawn once into an image of their own:
 * a frame then only copies it to where the envelope is. */
static void
ensure_sprite (Envelope *envelope, cairo_t *cr)
{
  double scale = device_scale (cr);
  if (envelope->sprite != NULL)
    return;

  /* Measured on the target. */
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *description = pango_font_description_from_string (LABEL_FONT);
  pango_layout_set_font_description (layout, description);
  pango_font_description_free (description);
  pango_layout_set_text (layout, envelope->label, -1);
  int text_width, text_height;
  pango_layout_get_pixel_size (layout, &text_width, &text_height);

  double label_width = text_width + 12, label_height = text_height + 4;
  double label_x = ENVELOPE_WIDTH + 3;
  double icon_top = label_height - 4;
  envelope->sprite_width = label_x + label_width;
  envelope->sprite_height = icon_top + ENVELOPE_HEIGHT;
  envelope->sprite = create_image (cr, envelope->sprite_width, envelope->sprite_height, scale);

  cairo_t *sprite = cairo_create (envelope->sprite);
  const Rgb envelope_rgb = envelope_colour (envelope->reply_class);
  const Rgb *colour = &envelope_rgb;
  rounded_rectangle (sprite, label_x + 0.5, 0.5, label_width - 1, label_height - 1,
                     (label_height - 1) / 2);
  cairo_set_source_rgba (sprite, 1, 1, 1, 0.94);
  cairo_fill_preserve (sprite);
  set_rgb (sprite, colour);
  cairo_set_line_width (sprite, 1);
  cairo_stroke (sprite);
  cairo_move_to (sprite, label_x + 6, 2);
  pango_cairo_update_layout (sprite, layout);
  pango_cairo_show_layout (sprite, layout);
  draw_envelope_icon (sprite, colour, 0, icon_top);
  cairo_destroy (sprite);
  g_object_unref (layout);
}

static void
draw_envelope (PochtaMapScene *self, cairo_t *cr, Envelope *envelope)
{
  ensure_sprite (envelope, cr);

  /* The icon is centred on the envelope's place; whole pixels keep the
   * copy sharp. */
  double x = round (self->offset_x + envelope->x * self->scale - ENVELOPE_WIDTH / 2);
  double y = round (self->offset_y + envelope->y * self->scale + ENVELOPE_HEIGHT / 2
                    - envelope->sprite_height);
  /* Filling just the sprite's rectangle: a paint would composite over the
   * whole clip. */
  cairo_set_source_surface (cr, envelope->sprite, x, y);
  cairo_rectangle (cr, x, y, envelope->sprite_width, envelope->sprite_height);
  cairo_fill (cr);
}

void
pochta_map_scene_render (PochtaMapScene *self, cairo_t *cr)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (cr != NULL);

  ensure_background (self, cr);
  cairo_save (cr);
  cairo_set_source_surface (cr, self->background, 0, 0);
  cairo_paint (cr);
  for (guint i = 0; i < self->envelopes->len; i++)
    draw_envelope (self, cr, g_ptr_array_index (self->envelopes, i));
  cairo_restore (cr);
}

/* ---- hit testing and tooltips ---- */

const char *
pochta_map_scene_host_at (PochtaMapScene *self, double x, double y)
{
  g_return_val_if_fail (self != NULL, NULL);

  double design_x = (x - self->offset_x) / self->scale;
  double design_y = (y - self->offset_y) / self->scale;
  for (guint i = 0; i < self->hosts->len; i++)
    {
      SceneHost *host = g_ptr_array_index (self->hosts, i);
      if (design_x >= host->x && design_x <= host->x + CARD_WIDTH && design_y >= host->y
          && design_y <= host->y + CARD_HEIGHT)
        return host->name;
    }
  return NULL;
}

const char *
pochta_map_scene_envelope_at (PochtaMapScene *self,
                              double          x,
                              double          y,
                              const char    **out_from,
                              const char    **out_to)
{
  g_return_val_if_fail (self != NULL, NULL);

  /* The newest envelope is drawn on top: look at it first. */
  for (guint i = self->envelopes->len; i > 0; i--)
    {
      Envelope *envelope = g_ptr_array_index (self->envelopes, i - 1);
      double ex = self->offset_x + envelope->x * self->scale;
      double ey = self->offset_y + envelope->y * self->scale;
      if (fabs (x - ex) <= ENVELOPE_WIDTH / 2 + 2 && fabs (y - ey) <= ENVELOPE_HEIGHT / 2 + 2)
        {
          if (out_from != NULL)
            *out_from = envelope->from;
          if (out_to != NULL)
            *out_to = envelope->to;
          return envelope->label;
        }
    }
  return NULL;
}

char *
pochta_map_scene_describe_host (PochtaMapScene *self, const char *host)
{
  g_return_val_if_fail (self != NULL, NULL);

  SceneHost *scene_host = lookup_host (self, host);
  if (scene_host == NULL)
    return NULL;
  GString *out = g_string_new (NULL);
  g_autofree char *name = g_markup_escape_text (scene_host->name, -1);
  g_string_append_printf (out, "<b>%s</b>\n", name);
  g_string_append_printf (out, _("Address: %s"), scene_host->address);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("SMTP profile: %s"), scene_host->profile);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Services: %s"), scene_host->services);
  if (scene_host->mail != NULL)
    {
      g_autofree char *mail = g_markup_escape_text (scene_host->mail, -1);
      g_string_append_c (out, '\n');
      g_string_append_printf (out, _("Mailboxes: %s"), mail);
    }
  if (scene_host->down)
    g_string_append_printf (out, "\n<b>%s</b>", _("The host is down."));
  return g_string_free (out, FALSE);
}
