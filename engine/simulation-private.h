/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of one simulation share: the network, clock, generator,
 * transcript and hosts (simulation.c, host.c, connection.c, mua.c). */
#pragma once

#include <glib-object.h>

#include "connection.h"
#include "directory.h"
#include "generator.h"
#include "link-map.h"
#include "network.h"
#include "scheduler.h"
#include "transcript.h"

G_BEGIN_DECLS

typedef struct _PochtaSimHost PochtaSimHost;

struct _PochtaSimContext
{
  GObject *simulation;          /* emits item-added; not a reference */
  PochtaNetwork *network;
  PochtaDirectory *directory;   /* the network's */
  PochtaScheduler *scheduler;
  PochtaGenerator *generator;
  PochtaTranscript *transcript;
  PochtaLinkMap *links;
  GHashTable *hosts;            /* name (any case) -> PochtaSimHost* */
  GHashTable *connections;      /* handle -> PochtaConnection*, until finished */
  guint last_handle;
  guint n_ephemeral_ports;
  /* RFC 5321 §4.5.3.2.1: a client waits 5 minutes for the greeting; a
   * connection nobody answers fails after this long. */
  gint64 connect_timeout;
  /* Record lines in the transcript (a benchmark may not want them). */
  gboolean record_lines;
  /* Emit item-added (a loopback server that records lines for its
   * transcript file has nobody listening, and an emission costs more
   * than recording the line). */
  gboolean announce_items;
  /* After this many lines recording stops (0: never), with a note. */
  guint line_limit;
  /* Keep MTA events in the transcript; when FALSE they are only
   * announced through item-added (a benchmark counts them). */
  gboolean record_events;
  GHashTable *users_by_mailbox; /* mailbox (any case) -> PochtaUser* or NULL, a cache */
  GHashTable *users_in_domain;  /* "login@domain" (any case) -> PochtaUser* or NULL, a cache */
  GHashTable *users_by_login;   /* login (any case) -> PochtaUser* or NULL, a cache */
  GHashTable *fetched;          /* user mailbox (any case) -> GPtrArray of GBytes */
  GHashTable *n_fetched;        /* user mailbox (any case) -> count, as a pointer */
  /* Keep what the agents retrieve (a scale run only counts it). */
  gboolean keep_fetched;
  /* MTA event name -> how many happened (guint64*), kept or not: what a
   * scale run reports without formatting a single event. */
  GHashTable *event_counts;
  /* Lines and MTA events held back until the bridge has written its
   * replies (pochta_simulation_set_defer_recording): n_held records in
   * held_items, their texts one after another in held_text.  Plain
   * buffers: a line is held on the way to its reply. */
  gboolean defer_recording;
  gboolean flushing;
  struct _PochtaHeldItem *held_items;
  gsize n_held;
  gsize held_room;               /* bytes, as held_text_room */
  char *held_text;
  gsize held_text_len;
  gsize held_text_room;
  /* Delivered segments kept for the next ones (connection.c). */
  gpointer free_segments;
  guint n_free_segments;
};

/* connection.c: frees the segments kept for reuse. */
void pochta_sim_context_drop_segments (PochtaSimContext *context);

/* simulation.c: announces an item, and stops recording lines at the
 * limit. */
void pochta_sim_context_item_added (PochtaSimContext *context, const PochtaTranscriptItem *item);
/* A line said on a connection, as it is recorded: n_lines lines joined
 * by LF when more than one (PochtaEvent's n_lines); the state names are
 * static. */
typedef struct
{
  guint connection_id;
  gint64 time;
  PochtaDirection direction;
  const char *text;
  gsize length;
  guint n_lines;
  gboolean in_data;
  const char *state_before;
  const char *state_after;
} PochtaSaidLine;

/* sim-recording.c: records the line, or holds it back for
 * pochta_sim_context_flush_recording (). */
void pochta_sim_context_record_line (PochtaSimContext *context, const PochtaSaidLine *line);
/* Records the items held back; called before anything else goes into
 * the transcript, so that the order is kept. */
void pochta_sim_context_flush_recording (PochtaSimContext *context);
/* Frees the held buffers (what they held is dropped). */
void pochta_sim_context_clear_recording (PochtaSimContext *context);
void pochta_sim_context_record (PochtaSimContext *context,
                                const char       *host,
                                const char       *event,
                                const char       *format,
                                ...) G_GNUC_PRINTF (4, 5);

/* simulation.c: hosts and users, the lookups cached. */
PochtaSimHost *pochta_sim_context_find_host (PochtaSimContext *context, const char *name);
/* The directory's user behind a mailbox ("petrov@COMP3..." too), cached. */
const PochtaUser *pochta_sim_context_find_mailbox (PochtaSimContext *context, const char *mailbox);
/* The directory's user with this login anywhere in the enterprise, cached. */
const PochtaUser *pochta_sim_context_find_login (PochtaSimContext *context, const char *login);
/* The user whose login is mailbox's local part and whose host is the
 * domain or under it (a department's or the enterprise's address). */
const PochtaUser *pochta_sim_context_find_in_domain (PochtaSimContext *context,
                                                     const char *mailbox);

G_END_DECLS
