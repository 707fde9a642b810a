/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulation object: owns the network, clock, generator, transcript
 * and hosts, runs the actions and tells observers what changed. */
#define G_LOG_DOMAIN "pochta-simulation"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "ascii-case-private.h"
#include "bridge-client.h"
#include "console.h"
#include "host.h"
#include "mua.h"
#include "simulation.h"

struct _PochtaSimulation
{
  GObject parent_instance;

  PochtaSimContext context;
  GHashTable *consoles;          /* handle -> PochtaConsole*, borrowed from open connections */
  GHashTable *closed_replies;    /* handle -> last server line (char*) of a closed console */
};

G_DEFINE_TYPE (PochtaSimulation, pochta_simulation, G_TYPE_OBJECT)

enum
{
  SIGNAL_ITEM_ADDED,
  SIGNAL_CHANGED,
  SIGNAL_LINE_LIMIT_REACHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (pochta-simulation-error-quark, pochta_simulation_error)

/* ---- the context's services ---- */

/* A long-running simulation must not grow without bound (DESIGN.md §5):
 * past the limit lines are no longer recorded, which the transcript
 * says; MTA events still are. */
static void
reach_line_limit (PochtaSimContext *context, gint64 time)
{
  g_autofree char *note = pochta_strdup_printf ("transcript limit of %u lines reached: later lines "
                                                "are not recorded, MTA events still are",
                                                context->line_limit);
  context->record_lines = FALSE;
  pochta_transcript_add_note (context->transcript, time, note);
  g_signal_emit (context->simulation, signals[SIGNAL_LINE_LIMIT_REACHED], 0, context->line_limit);
}

void
pochta_sim_context_item_added (PochtaSimContext *context, const PochtaTranscriptItem *item)
{
  g_return_if_fail (context != NULL && item != NULL);
  if (context->announce_items)
    g_signal_emit (context->simulation, signals[SIGNAL_ITEM_ADDED], 0, item);
  if (item->kind == POCHTA_ITEM_LINE && item->line_number == context->line_limit)
    reach_line_limit (context, item->time);
}

PochtaSimHost *
pochta_sim_context_find_host (PochtaSimContext *context, const char *name)
{
  g_return_val_if_fail (context != NULL, NULL);
  return name != NULL ? g_hash_table_lookup (context->hosts, name) : NULL;
}

const PochtaUser *
pochta_sim_context_find_mailbox (PochtaSimContext *context, const char *mailbox)
{
  g_return_val_if_fail (context != NULL && mailbox != NULL, NULL);

  gpointer user;
  if (!g_hash_table_lookup_extended (context->users_by_mailbox, mailbox, NULL, &user))
    {
      user = (gpointer) pochta_directory_find_mailbox (context->directory, mailbox);
      g_hash_table_insert (context->users_by_mailbox, g_strdup (mailbox), user);
    }
  return user;
}

const PochtaUser *
pochta_sim_context_find_login (PochtaSimContext *context, const char *login)
{
  g_return_val_if_fail (context != NULL && login != NULL, NULL);

  gpointer user;
  if (!g_hash_table_lookup_extended (context->users_by_login, login, NULL, &user))
    {
      user = (gpointer) pochta_directory_find_login (context->directory, login);
      g_hash_table_insert (context->users_by_login, g_strdup (login), user);
    }
  return user;
}

static gboolean
host_is_under (const char *host, const char *domain)
{
  gsize hlen = strlen (host), dlen = strlen (domain);
  return hlen == dlen ? g_ascii_strcasecmp (host, domain) == 0
                      : hlen > dlen && host[hlen - dlen - 1] == '.'
                          && g_ascii_strcasecmp (host + hlen - dlen, domain) == 0;
}

const PochtaUser *
pochta_sim_context_find_in_domain (PochtaSimContext *context, const char *mailbox)
{
  g_return_val_if_fail (context != NULL && mailbox != NULL, NULL);

  gpointer user;
  if (g_hash_table_lookup_extended (context->users_in_domain, mailbox, NULL, &user))
    return user;
  const char *at = strrchr (mailbox, '@');
  user = NULL;
  if (at != NULL)
    {
      g_autofree char *login = g_strndup (mailbox, (gsize) (at - mailbox));
      const PochtaUser *found = pochta_sim_context_find_login (context, login);
      if (found != NULL && host_is_under (found->host, at + 1))
        user = (gpointer) found;
    }
  g_hash_table_insert (context->users_in_domain, g_strdup (mailbox), user);
  return user;
}

/* ---- life ---- */

static void
pochta_simulation_finalize (GObject *object)
{
  PochtaSimulation *self = POCHTA_SIMULATION (object);
  PochtaSimContext *context = &self->context;

  /* Sessions go first (a POP3 session unlocks its host's store), then the
   * hosts (their MTAs cancel timers), then the clock, whose events hold
   * the last references to connections. */
  GHashTableIter iter;
  gpointer connection;
  g_hash_table_iter_init (&iter, context->connections);
  while (g_hash_table_iter_next (&iter, NULL, &connection))
    pochta_connection_abandon (connection);
  g_hash_table_unref (context->connections);
  g_hash_table_unref (self->consoles);
  g_hash_table_unref (self->closed_replies);
  g_hash_table_unref (context->hosts);
  pochta_scheduler_free (context->scheduler);
  pochta_sim_context_drop_segments (context);
  pochta_transcript_free (context->transcript);
  pochta_link_map_free (context->links);
  g_hash_table_unref (context->users_by_mailbox);
  g_hash_table_unref (context->users_in_domain);
  g_hash_table_unref (context->users_by_login);
  g_hash_table_unref (context->fetched);
  g_hash_table_unref (context->n_fetched);
  g_hash_table_unref (context->event_counts);
  pochta_sim_context_clear_recording (context);
  pochta_generator_free (context->generator);
  pochta_network_free (context->network);

  G_OBJECT_CLASS (pochta_simulation_parent_class)->finalize (object);
}

static void
pochta_simulation_class_init (PochtaSimulationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pochta_simulation_finalize;

  signals[SIGNAL_ITEM_ADDED]
    = g_signal_new ("item-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_LINE_LIMIT_REACHED]
    = g_signal_new ("line-limit-reached", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pochta_simulation_init (PochtaSimulation *self)
{
  self->consoles = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->closed_replies = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
}

PochtaSimulation *
pochta_simulation_new (PochtaNetwork *network,
                       guint32 seed,
                       gint64 start_time,
                       int utc_offset_minutes)
{
  g_return_val_if_fail (network != NULL, NULL);

  PochtaSimulation *self = g_object_new (POCHTA_TYPE_SIMULATION, NULL);
  PochtaSimContext *context = &self->context;
  PochtaMtaConfig mta_config;

  context->simulation = G_OBJECT (self);
  context->network = network;
  context->directory = pochta_network_get_directory (network);
  context->scheduler = pochta_scheduler_new (start_time);
  context->generator = pochta_generator_new (seed, start_time);
  pochta_generator_set_utc_offset (context->generator, utc_offset_minutes);
  context->transcript = pochta_transcript_new ();
  context->links = pochta_link_map_new (network);
  context->hosts = pochta_ascii_case_table_new ((GDestroyNotify) pochta_sim_host_free);
  context->connections
    = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, pochta_connection_unref);
  context->connect_timeout = 5 * G_TIME_SPAN_MINUTE;
  context->record_lines = TRUE;
  context->record_events = TRUE;
  context->users_by_mailbox = pochta_ascii_case_table_new (NULL);
  context->users_in_domain = pochta_ascii_case_table_new (NULL);
  context->users_by_login = pochta_ascii_case_table_new (NULL);
  context->fetched = pochta_ascii_case_table_new ((GDestroyNotify) g_ptr_array_unref);
  context->n_fetched = pochta_ascii_case_table_new (NULL);
  context->keep_fetched = TRUE;
  context->announce_items = TRUE;
  context->event_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  pochta_mta_config_init_defaults (&mta_config);
  GPtrArray *hosts = pochta_network_get_hosts (network);
  for (guint i = 0; i < hosts->len; i++)
    {
      const PochtaHost *description = g_ptr_array_index (hosts, i);
      g_hash_table_insert (context->hosts, g_strdup (description->name),
                           pochta_sim_host_new (context, description, &mta_config));
    }
  return self;
}

PochtaSimulation *
pochta_simulation_new_builtin (const char *network_id,
                               guint32     seed,
                               gint64      start_time,
                               int         utc_offset_minutes,
                               GError    **error)
{
  g_return_val_if_fail (network_id != NULL, NULL);

  PochtaNetwork *network = pochta_network_load_builtin (network_id, error);
  return network != NULL ? pochta_simulation_new (network, seed, start_time, utc_offset_minutes)
                         : NULL;
}

PochtaNetwork *
pochta_simulation_get_network (PochtaSimulation *self)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), NULL);
  return self->context.network;
}

PochtaTranscript *
pochta_simulation_get_transcript (PochtaSimulation *self)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), NULL);
  pochta_sim_context_flush_recording (&self->context);
  return self->context.transcript;
}

gint64
pochta_simulation_get_time (PochtaSimulation *self)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), 0);
  return pochta_scheduler_get_time (self->context.scheduler);
}

/* Sessions take their time from the generator: it must show the clock
 * before anything runs. */
static void
sync_time (PochtaSimulation *self)
{
  pochta_generator_set_time (self->context.generator,
                             pochta_scheduler_get_time (self->context.scheduler));
}

static void
changed (PochtaSimulation *self)
{
  /* Quiet with the items (pochta_simulation_set_announce_items): a
   * loopback server advances the clock at every command, nobody listens,
   * and an emission costs about what a command's recording does. */
  if (self->context.announce_items)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static PochtaSimHost *
require_host (PochtaSimulation *self, const char *name, GError **error)
{
  PochtaSimHost *host = pochta_sim_context_find_host (&self->context, name);
  if (host == NULL)
    g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_HOST,
                 "no host %s on the network", name);
  return host;
}

/* ---- configuration ---- */

void
pochta_simulation_set_mta_config (PochtaSimulation *self, const PochtaMtaConfig *config)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));

  GHashTableIter iter;
  gpointer host;
  g_hash_table_iter_init (&iter, self->context.hosts);
  while (g_hash_table_iter_next (&iter, NULL, &host))
    pochta_mta_set_config (pochta_sim_host_get_mta (host), config);
}

gboolean
pochta_simulation_set_relay_host (PochtaSimulation *self,
                                  const char       *host,
                                  const char       *relay_host,
                                  GError          **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && host != NULL, FALSE);

  PochtaSimHost *sim_host = require_host (self, host, error);
  if (sim_host == NULL || (relay_host != NULL && require_host (self, relay_host, error) == NULL))
    return FALSE;
  pochta_mta_set_relay_host (pochta_sim_host_get_mta (sim_host), relay_host);
  return TRUE;
}

void
pochta_simulation_set_connect_timeout (PochtaSimulation *self, gint64 usec)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self) && usec > 0);
  self->context.connect_timeout = usec;
}

void
pochta_simulation_set_greylist_delay (PochtaSimulation *self, gint64 usec)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self) && usec >= 0);

  GHashTableIter iter;
  gpointer host;
  g_hash_table_iter_init (&iter, self->context.hosts);
  while (g_hash_table_iter_next (&iter, NULL, &host))
    pochta_sim_host_set_greylist_delay (host, usec);
}

void
pochta_simulation_set_record_events (PochtaSimulation *self, gboolean record)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));
  self->context.record_events = record;
}

void
pochta_simulation_set_announce_items (PochtaSimulation *self, gboolean announce)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));
  /* Announced items are never held: what waits goes first. */
  pochta_sim_context_flush_recording (&self->context);
  self->context.announce_items = announce;
}

void
pochta_simulation_set_defer_recording (PochtaSimulation *self, gboolean defer)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));
  if (!defer)
    pochta_sim_context_flush_recording (&self->context);
  self->context.defer_recording = defer;
}

void
pochta_simulation_flush_recording (PochtaSimulation *self)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));
  pochta_sim_context_flush_recording (&self->context);
}

void
pochta_simulation_set_line_limit (PochtaSimulation *self, guint limit)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));
  self->context.line_limit = limit;
}

void
pochta_simulation_set_record_lines (PochtaSimulation *self, gboolean record)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));
  self->context.record_lines = record;
}

/* ---- mail agents ---- */

gboolean
pochta_simulation_submit (PochtaSimulation  *self,
                          const char        *from_mailbox,
                          const char *const *to,
                          const char        *subject,
                          const char        *body,
                          GError           **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), FALSE);
  g_return_val_if_fail (from_mailbox != NULL && to != NULL, FALSE);

  sync_time (self);
  gboolean ok = pochta_mua_submit (&self->context, from_mailbox, to, subject, body, error);
  changed (self);
  return ok;
}

gboolean
pochta_simulation_fetch (PochtaSimulation *self,
                         const char *user_mailbox,
                         gboolean keep,
                         GError **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && user_mailbox != NULL, FALSE);

  sync_time (self);
  gboolean ok = pochta_mua_fetch (&self->context, user_mailbox, keep, error);
  changed (self);
  return ok;
}

/* ---- consoles ---- */

static void
console_over (PochtaSimulation *self, PochtaConnection *connection)
{
  guint handle = pochta_connection_get_handle (connection);
  PochtaConsole *console = pochta_connection_get_client_session (connection);

  g_hash_table_remove (self->consoles, GUINT_TO_POINTER (handle));
  g_hash_table_insert (self->closed_replies, GUINT_TO_POINTER (handle),
                       g_strdup (pochta_console_get_last_reply (console)));
}

static void
on_console_failed (PochtaConnection *connection, const char *reason, gpointer data)
{
  PochtaSimulation *self = data;
  const char *host = pochta_connection_is_outside (connection)
                       ? pochta_connection_get_server_host (connection)
                       : pochta_connection_get_client_host (connection);
  pochta_sim_context_record (&self->context, host, "connect-failed", "console from %s to %s: %s",
                             pochta_connection_get_client_host (connection),
                             pochta_connection_get_server_host (connection), reason);
  console_over (self, connection);
}

static void
on_console_finished (PochtaConnection *connection, gpointer data)
{
  console_over (data, connection);
}

guint
pochta_simulation_connect (PochtaSimulation *self,
                           const char       *from_host,
                           const char       *to_host,
                           guint16           port,
                           GError          **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), 0);
  g_return_val_if_fail (to_host != NULL, 0);

  PochtaSimHost *from = from_host != NULL ? require_host (self, from_host, error) : NULL;
  PochtaSimHost *to
    = from != NULL || from_host == NULL ? require_host (self, to_host, error) : NULL;
  if (to == NULL)
    return 0;
  if (from != NULL && !pochta_sim_host_is_up (from))
    {
      g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_HOST_DOWN, "%s is down",
                   from_host);
      return 0;
    }
  if (port == 0)
    {
      g_set_error_literal (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID,
                           "port 0 is not a port");
      return 0;
    }

  sync_time (self);
  PochtaProtocol protocol = port == pochta_sim_host_get_description (to)->pop3_port
                              ? POCHTA_PROTOCOL_POP3
                              : POCHTA_PROTOCOL_SMTP;
  PochtaConsole *console = pochta_console_new (protocol);
  PochtaConnectionOwner owner = {
    .failed = on_console_failed,
    .finished = on_console_finished,
    .user_data = self,
  };
  PochtaConnection *connection
    = pochta_connection_open (&self->context, protocol, from_host, to_host, port, console,
                              &pochta_console_session_class, &owner);
  guint handle = pochta_connection_get_handle (connection);
  g_hash_table_insert (self->consoles, GUINT_TO_POINTER (handle), console);
  changed (self);
  return handle;
}

static PochtaConsole *
require_console (PochtaSimulation *self, guint handle, GError **error)
{
  PochtaConsole *console = g_hash_table_lookup (self->consoles, GUINT_TO_POINTER (handle));
  if (console == NULL || pochta_console_is_done (console))
    g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_NO_CONNECTION,
                 "connection %u is not open", handle);
  return console != NULL && !pochta_console_is_done (console) ? console : NULL;
}

gboolean
pochta_simulation_send_line (PochtaSimulation *self, guint handle, const char *line, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && line != NULL, FALSE);

  PochtaConsole *console = require_console (self, handle, error);
  if (console == NULL)
    return FALSE;
  /* RFC 5321 §2.3.8: CRLF ends the line; the console adds it. */
  if (strpbrk (line, "\r\n") != NULL)
    {
      g_set_error_literal (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID,
                           "a line cannot contain CR or LF");
      return FALSE;
    }
  sync_time (self);
  pochta_console_type_line (console, line, strlen (line));
  pochta_connection_client_ready (
    g_hash_table_lookup (self->context.connections, GUINT_TO_POINTER (handle)));
  changed (self);
  return TRUE;
}

gboolean
pochta_simulation_close (PochtaSimulation *self, guint handle, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), FALSE);

  PochtaConsole *console = require_console (self, handle, error);
  if (console == NULL)
    return FALSE;
  sync_time (self);
  pochta_console_hang_up (console);
  pochta_connection_client_ready (
    g_hash_table_lookup (self->context.connections, GUINT_TO_POINTER (handle)));
  changed (self);
  return TRUE;
}

gboolean
pochta_simulation_connection_is_open (PochtaSimulation *self, guint handle)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), FALSE);
  return g_hash_table_contains (self->context.connections, GUINT_TO_POINTER (handle));
}

guint
pochta_simulation_connection_get_transcript_id (PochtaSimulation *self, guint handle)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), 0);

  PochtaConnection *connection
    = g_hash_table_lookup (self->context.connections, GUINT_TO_POINTER (handle));
  return connection != NULL ? pochta_connection_get_transcript_id (connection) : 0;
}

const char *
pochta_simulation_connection_get_last_reply (PochtaSimulation *self, guint handle)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), NULL);

  PochtaConsole *console = g_hash_table_lookup (self->consoles, GUINT_TO_POINTER (handle));
  if (console != NULL)
    return pochta_console_get_last_reply (console);
  return g_hash_table_lookup (self->closed_replies, GUINT_TO_POINTER (handle));
}

/* ---- real clients ---- */

static void
on_bridged_failed (PochtaConnection *connection, const char *reason, gpointer data)
{
  PochtaSimulation *self = data;
  pochta_sim_context_record (&self->context, pochta_connection_get_server_host (connection),
                             "connect-failed", "real client %s: %s",
                             pochta_connection_get_client_host (connection), reason);
}

guint
pochta_simulation_connect_bridged (PochtaSimulation   *self,
                                   const char         *to_host,
                                   guint16             port,
                                   const char         *client_address,
                                   guint16             client_port,
                                   PochtaBridgeClient *client,
                                   GError            **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), 0);
  g_return_val_if_fail (to_host != NULL && client_address != NULL && client != NULL, 0);

  PochtaSimHost *to = require_host (self, to_host, error);
  if (to == NULL)
    return 0;
  const PochtaHost *description = pochta_sim_host_get_description (to);
  if (port == 0 || (port != description->smtp_port && port != description->pop3_port))
    {
      g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_NO_SERVICE,
                   "%s has no service on port %u", to_host, port);
      return 0;
    }
  sync_time (self);
  PochtaProtocol protocol
    = port == description->pop3_port ? POCHTA_PROTOCOL_POP3 : POCHTA_PROTOCOL_SMTP;
  PochtaConnectionOwner owner = {
    .failed = on_bridged_failed,
    .user_data = self,
  };
  PochtaConnection *connection = pochta_connection_open_outside (
    &self->context, protocol, client_address, client_port, to_host, port,
    pochta_bridge_client_ref (client), &pochta_bridge_client_session_class, &owner);
  changed (self);
  return pochta_connection_get_handle (connection);
}

void
pochta_simulation_bridged_ready (PochtaSimulation *self, guint handle)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));

  PochtaConnection *connection
    = g_hash_table_lookup (self->context.connections, GUINT_TO_POINTER (handle));
  if (connection == NULL)
    return;
  sync_time (self);
  pochta_connection_client_ready (connection);
}

void
pochta_simulation_shutdown_connection (PochtaSimulation *self, guint handle, const char *reason)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));

  PochtaConnection *connection
    = g_hash_table_lookup (self->context.connections, GUINT_TO_POINTER (handle));
  if (connection == NULL)
    return;
  sync_time (self);
  pochta_connection_shutdown (connection, reason);
  changed (self);
}

void
pochta_simulation_record_event (PochtaSimulation *self,
                                const char       *host,
                                const char       *event,
                                const char       *text)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self) && host != NULL && event != NULL);
  pochta_sim_context_record (&self->context, host, event, "%s", text != NULL ? text : "");
}

gboolean
pochta_simulation_set_maildir (PochtaSimulation *self, const char *root, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && root != NULL, FALSE);

  GPtrArray *hosts = pochta_network_get_hosts (self->context.network);
  for (guint i = 0; i < hosts->len; i++)
    {
      const PochtaHost *description = g_ptr_array_index (hosts, i);
      g_autofree char *path = g_build_filename (root, description->name, NULL);
      g_autoptr (PochtaMailStore) store = pochta_mail_store_new_maildir (
        path, self->context.generator, description->name, error);
      if (store == NULL)
        return FALSE;
      pochta_sim_host_set_store (pochta_sim_context_find_host (&self->context, description->name),
                                 store);
    }
  return TRUE;
}

/* ---- faults ---- */

/* Open connections in the order they were opened, so that what a fault
 * does to them happens in the same order every run. */
static int
compare_handles (gconstpointer a, gconstpointer b)
{
  guint x = GPOINTER_TO_UINT (a), y = GPOINTER_TO_UINT (b);
  return x < y ? -1 : x > y;
}

static GPtrArray *
connections_in_order (PochtaSimulation *self)
{
  g_autoptr (GList) handles = g_hash_table_get_keys (self->context.connections);
  GPtrArray *connections = g_ptr_array_new ();

  handles = g_list_sort (handles, compare_handles);
  for (GList *l = handles; l != NULL; l = l->next)
    g_ptr_array_add (connections, g_hash_table_lookup (self->context.connections, l->data));
  return connections;
}

static void
paths_changed (PochtaSimulation *self)
{
  g_autoptr (GPtrArray) connections = connections_in_order (self);
  for (guint i = 0; i < connections->len; i++)
    pochta_connection_path_changed (g_ptr_array_index (connections, i));
}

static void
set_host_down (PochtaSimulation *self, PochtaSimHost *host, gboolean down)
{
  if (down == !pochta_sim_host_is_up (host))
    return;
  pochta_sim_host_set_up (host, !down);
  if (!down)
    return;
  g_autoptr (GPtrArray) connections = connections_in_order (self);
  for (guint i = 0; i < connections->len; i++)
    if (pochta_connection_involves (g_ptr_array_index (connections, i),
                                    pochta_sim_host_get_name (host)))
      pochta_connection_break (g_ptr_array_index (connections, i), "the host went down");
}

static gboolean
set_link_fault (PochtaSimulation *self,
                PochtaFaultKind kind,
                const char *link,
                gboolean on,
                guint64 factor,
                GError **error)
{
  if (!pochta_link_map_has_link (self->context.links, link))
    {
      g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_LINK,
                   "no link %s on the network", link);
      return FALSE;
    }
  if (kind == POCHTA_FAULT_LINK_DOWN)
    pochta_link_map_set_down (self->context.links, link, on);
  else
    pochta_link_map_set_slowdown (self->context.links, link,
                                  !on ? 1 : factor > 0 ? (guint) MIN (factor, G_MAXUINT16)
                                                       : POCHTA_FAULT_SLOW_LINK_DEFAULT_FACTOR);
  paths_changed (self);
  return TRUE;
}

static gboolean
set_mailbox_full (PochtaSimulation *self, const char *mailbox, gboolean on, GError **error)
{
  const PochtaUser *user = pochta_sim_context_find_mailbox (&self->context, mailbox);
  if (user == NULL)
    {
      g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_USER,
                   "no user %s on the network", mailbox);
      return FALSE;
    }
  pochta_sim_host_set_mailbox_full (pochta_sim_context_find_host (&self->context, user->host),
                                    user->login, on);
  return TRUE;
}

static gboolean
set_host_fault (PochtaSimulation *self, PochtaFaultKind kind, const char *target, gboolean on,
                guint64 parameter, GError **error)
{
  PochtaSimHost *host = require_host (self, target, error);
  if (host == NULL)
    return FALSE;
  switch (kind)
    {
    case POCHTA_FAULT_HOST_DOWN:
      set_host_down (self, host, on);
      break;
    case POCHTA_FAULT_GREYLISTING:
      pochta_sim_host_set_greylisting (host, on);
      break;
    case POCHTA_FAULT_SIZE_LIMIT:
      if (on && parameter == 0)
        {
          g_set_error_literal (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_INVALID,
                               "a size limit needs a size in octets");
          return FALSE;
        }
      pochta_sim_host_set_size_limit (host, on ? (gsize) parameter : 0);
      break;
    default:
      g_return_val_if_reached (FALSE);
    }
  return TRUE;
}

gboolean
pochta_simulation_set_fault (PochtaSimulation *self,
                             PochtaFaultKind   kind,
                             const char       *target,
                             gboolean          on,
                             guint64           parameter,
                             GError          **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && target != NULL, FALSE);
  g_return_val_if_fail (kind < POCHTA_N_FAULTS, FALSE);

  gboolean ok;
  sync_time (self);
  switch (kind)
    {
    case POCHTA_FAULT_LINK_DOWN:
    case POCHTA_FAULT_SLOW_LINK:
      ok = set_link_fault (self, kind, target, on, parameter, error);
      break;
    case POCHTA_FAULT_MAILBOX_FULL:
      ok = set_mailbox_full (self, target, on, error);
      break;
    default:
      ok = set_host_fault (self, kind, target, on, parameter, error);
      break;
    }
  if (ok)
    {
      g_autofree char *text = pochta_strdup_printf ("fault %s %s %s", pochta_fault_kind_to_string (kind),
                                                    on ? "on" : "off", target);
      gint64 now = pochta_scheduler_get_time (self->context.scheduler);
      pochta_sim_context_flush_recording (&self->context);
      pochta_sim_context_item_added (
        &self->context, pochta_transcript_add_note (self->context.transcript, now, text));
    }
  changed (self);
  return ok;
}

/* ---- the clock ---- */

static gboolean
run_next (PochtaSimulation *self, gint64 limit)
{
  gint64 next;
  if (!pochta_scheduler_peek_time (self->context.scheduler, &next) || next > limit)
    return FALSE;
  pochta_generator_set_time (self->context.generator, next);
  return pochta_scheduler_step (self->context.scheduler);
}

gboolean
pochta_simulation_step (PochtaSimulation *self)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), FALSE);

  gboolean ran = run_next (self, G_MAXINT64);
  if (ran)
    changed (self);
  return ran;
}

void
pochta_simulation_advance (PochtaSimulation *self, gint64 usec)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self) && usec >= 0);

  gint64 target = pochta_scheduler_get_time (self->context.scheduler) + usec;
  while (run_next (self, target))
    ;
  pochta_scheduler_run_until (self->context.scheduler, target);
  sync_time (self);
  changed (self);
}

void
pochta_simulation_run_until_idle (PochtaSimulation *self)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));

  while (run_next (self, G_MAXINT64))
    ;
  changed (self);
}

gboolean
pochta_simulation_is_idle (PochtaSimulation *self)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), TRUE);
  return !pochta_scheduler_peek_time (self->context.scheduler, NULL);
}

gboolean
pochta_simulation_peek_next_time (PochtaSimulation *self, gint64 *out_time)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), FALSE);
  return pochta_scheduler_peek_time (self->context.scheduler, out_time);
}

/* ---- queries ---- */

PochtaHostState
pochta_simulation_get_host_state (PochtaSimulation *self, const char *host)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && host != NULL, POCHTA_HOST_STATE_DOWN);

  PochtaSimHost *sim_host = pochta_sim_context_find_host (&self->context, host);
  g_return_val_if_fail (sim_host != NULL, POCHTA_HOST_STATE_DOWN);
  return pochta_sim_host_is_up (sim_host) ? POCHTA_HOST_STATE_UP : POCHTA_HOST_STATE_DOWN;
}

GPtrArray *
pochta_simulation_dup_mailbox (PochtaSimulation *self, const char *user_mailbox, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && user_mailbox != NULL, NULL);

  const PochtaUser *user = pochta_sim_context_find_mailbox (&self->context, user_mailbox);
  if (user == NULL)
    {
      g_set_error (error, POCHTA_SIMULATION_ERROR, POCHTA_SIMULATION_ERROR_UNKNOWN_USER,
                   "no user %s on the network", user_mailbox);
      return NULL;
    }
  PochtaMailStore *store
    = pochta_sim_host_get_store (pochta_sim_context_find_host (&self->context, user->host));
  g_autoptr (GPtrArray) contents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (!pochta_mail_store_has_mailbox (store, user->login))
    return g_steal_pointer (&contents);
  g_autoptr (GPtrArray) messages = pochta_mail_store_list (store, user->login, error);
  if (messages == NULL)
    return NULL;
  for (guint i = 0; i < messages->len; i++)
    {
      GBytes *bytes = pochta_mail_store_read (store, g_ptr_array_index (messages, i), error);
      if (bytes == NULL)
        return NULL;
      g_ptr_array_add (contents, bytes);
    }
  return g_steal_pointer (&contents);
}

GPtrArray *
pochta_simulation_dup_fetched (PochtaSimulation *self, const char *user_mailbox)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && user_mailbox != NULL, NULL);

  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GPtrArray *fetched = g_hash_table_lookup (self->context.fetched, user_mailbox);
  for (guint i = 0; fetched != NULL && i < fetched->len; i++)
    g_ptr_array_add (copy, g_bytes_ref (g_ptr_array_index (fetched, i)));
  return copy;
}

guint
pochta_simulation_get_n_fetched (PochtaSimulation *self, const char *user_mailbox)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && user_mailbox != NULL, 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->context.n_fetched, user_mailbox));
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

guint64
pochta_simulation_get_n_events (PochtaSimulation *self, const char *event)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && event != NULL, 0);
  guint64 *count = g_hash_table_lookup (self->context.event_counts, event);
  return count != NULL ? *count : 0;
}

GStrv
pochta_simulation_list_events (PochtaSimulation *self)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self), NULL);
  g_autofree gpointer *names = g_hash_table_get_keys_as_array (self->context.event_counts, NULL);
  GStrv list = g_strdupv ((char **) names);
  qsort (list, g_strv_length (list), sizeof (char *), compare_names);
  return list;
}

void
pochta_simulation_set_keep_fetched (PochtaSimulation *self, gboolean keep)
{
  g_return_if_fail (POCHTA_IS_SIMULATION (self));
  self->context.keep_fetched = keep;
}

GPtrArray *
pochta_simulation_dup_queue (PochtaSimulation *self, const char *host, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && host != NULL, NULL);

  PochtaSimHost *sim_host = require_host (self, host, error);
  return sim_host != NULL ? pochta_mta_dup_queue (pochta_sim_host_get_mta (sim_host)) : NULL;
}

PochtaMailStore *
pochta_simulation_get_store (PochtaSimulation *self, const char *host)
{
  g_return_val_if_fail (POCHTA_IS_SIMULATION (self) && host != NULL, NULL);

  PochtaSimHost *sim_host = pochta_sim_context_find_host (&self->context, host);
  return sim_host != NULL ? pochta_sim_host_get_store (sim_host) : NULL;
}
