/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated enterprise: the hosts of a network, each with its MTA
 * (SMTP on its SMTP port, a queue) and POP3 server, mail agents acting
 * for users, faults, and a discrete-event clock that carries every byte
 * with the links' latency.  Everything is recorded in a transcript.
 * Given the same network, seed, start time and actions, two runs produce
 * the same transcript byte for byte (DESIGN.md §2.2).
 *
 * The actions are the vocabulary of scenario and lesson files: submit,
 * fetch, connect (with lines sent on the connection), fault on/off, and
 * the clock (step, advance, run until idle).  Actions take effect at the
 * current virtual time; nothing happens until the clock runs.
 *
 * Mail agents: submit opens an SMTP connection from the user's host to
 * its own SMTP port and sends the letter (authenticating as the user when
 * the host's profile offers AUTH); fetch opens a POP3 connection to the
 * user's host (APOP when offered, as pop3-client.h chooses), retrieves
 * every message and deletes them unless keep is set.  What an agent
 * retrieved is kept per user (pochta_simulation_dup_fetched ()).
 *
 * Not simulated: the roles are not reversed after TURN (the connection
 * closes); servers have no idle timeout, so an open console stays open. */
#pragma once

#include <glib-object.h>

#include "fault.h"
#include "mail-store.h"
#include "mta.h"
#include "network.h"
#include "transcript.h"

G_BEGIN_DECLS

#define POCHTA_SIMULATION_ERROR (pochta_simulation_error_quark ())
GQuark pochta_simulation_error_quark (void);

typedef enum
{
  POCHTA_SIMULATION_ERROR_UNKNOWN_HOST,
  POCHTA_SIMULATION_ERROR_UNKNOWN_USER,
  POCHTA_SIMULATION_ERROR_UNKNOWN_LINK,
  POCHTA_SIMULATION_ERROR_NO_SERVICE,    /* the host has no SMTP (POP3) service */
  POCHTA_SIMULATION_ERROR_HOST_DOWN,     /* the user's own host is down */
  POCHTA_SIMULATION_ERROR_INVALID,       /* a malformed argument */
  POCHTA_SIMULATION_ERROR_NO_CONNECTION, /* no such open connection */
} PochtaSimulationError;

typedef enum
{
  POCHTA_HOST_STATE_UP,
  POCHTA_HOST_STATE_DOWN,
} PochtaHostState;

/* Tue, 14 May 2002 10:15:00 +0400, the date of the checklist's
 * Received: example: a default start for lessons. */
#define POCHTA_SIMULATION_DEFAULT_START (G_GINT64_CONSTANT (1021356900) * G_USEC_PER_SEC)

#define POCHTA_TYPE_SIMULATION (pochta_simulation_get_type ())
G_DECLARE_FINAL_TYPE (PochtaSimulation, pochta_simulation, POCHTA, SIMULATION, GObject)

/* Signals:
 *   item-added (const PochtaTranscriptItem *item): a transcript item was
 *     recorded; the item belongs to the transcript.
 *   changed (): after an action or a run of the clock that may have
 *     changed mailboxes, queues, connections or host states; only while
 *     items are announced. */

/* Takes network.  start_time is virtual µs since the Unix epoch;
 * utc_offset_minutes the zone of Date: and Received:. */
PochtaSimulation *pochta_simulation_new (PochtaNetwork *network,
                                         guint32        seed,
                                         gint64         start_time,
                                         int            utc_offset_minutes);
/* A built-in network by id ("constr-org"). */
PochtaSimulation *pochta_simulation_new_builtin (const char *network_id,
                                                 guint32     seed,
                                                 gint64      start_time,
                                                 int         utc_offset_minutes,
                                                 GError    **error);

PochtaNetwork *pochta_simulation_get_network (PochtaSimulation *self);
PochtaTranscript *pochta_simulation_get_transcript (PochtaSimulation *self);
gint64 pochta_simulation_get_time (PochtaSimulation *self);

/* ---- configuration ---- */

/* Retry, backoff and give-up of every host's MTA (mta.h). */
void pochta_simulation_set_mta_config (PochtaSimulation *self, const PochtaMtaConfig *config);
/* A smart host for host's MTA (NULL: route by MX). */
gboolean pochta_simulation_set_relay_host (PochtaSimulation *self,
                                          const char       *host,
                                          const char       *relay_host,
                                          GError          **error);
/* How long a client waits for a host that does not answer; default 5
 * minutes (RFC 5321 §4.5.3.2.1). */
void pochta_simulation_set_connect_timeout (PochtaSimulation *self, gint64 usec);
/* Greylisting's minimum retry delay on every host; default 5 minutes. */
void pochta_simulation_set_greylist_delay (PochtaSimulation *self, gint64 usec);
/* Emit "item-added" for every item and "changed" after every action
 * (default TRUE); FALSE for a caller that only reads the transcript
 * afterwards. */
void pochta_simulation_set_announce_items (PochtaSimulation *self, gboolean announce);
/* After limit lines (0, the default: no limit) the transcript records no
 * more lines, says so in a note, and "line-limit-reached" (guint limit)
 * is emitted; MTA events are still recorded.  Set before the run. */
void pochta_simulation_set_line_limit (PochtaSimulation *self, guint limit);
/* Record lines in the transcript (default TRUE). */
void pochta_simulation_set_record_lines (PochtaSimulation *self, gboolean record);
/* Hold the lines and MTA events of pochta_simulation_advance () back
 * from the transcript until pochta_simulation_flush_recording () (default
 * FALSE): a loopback server writes its replies first and records after,
 * so that recording is not on the path from a client's command to its
 * reply.  Held items keep their order and time: anything else that goes
 * into the transcript, and pochta_simulation_get_transcript (), records
 * them first.  Ignored while items are announced (shown at once). */
void pochta_simulation_set_defer_recording (PochtaSimulation *self, gboolean defer);
/* Records the items held back.  An item recorded while they are (by a
 * "line-limit-reached" handler, say) goes in right after the one that
 * raised the signal, at the time it was recorded. */
void pochta_simulation_flush_recording (PochtaSimulation *self);
/* Keep MTA events in the transcript (default TRUE); when FALSE they are
 * still announced through item-added, with an item that lives for the
 * signal only (a run of a hundred thousand letters need not keep them). */
void pochta_simulation_set_record_events (PochtaSimulation *self, gboolean record);

/* ---- actions ---- */

/* from_mailbox's agent sends a letter (to: NULL-terminated mailboxes). */
gboolean pochta_simulation_submit (PochtaSimulation  *self,
                                   const char        *from_mailbox,
                                   const char *const *to,
                                   const char        *subject,
                                   const char        *body,
                                   GError           **error);
/* user_mailbox's agent fetches its mail over POP3; keep leaves it on the
 * server. */
gboolean pochta_simulation_fetch (PochtaSimulation *self,
                                  const char       *user_mailbox,
                                  gboolean          keep,
                                  GError          **error);

/* A manual connection (a console, as telnet) from from_host to
 * to_host:port.  from_host NULL: from outside the network, as a real
 * client on the loopback bridge (shown as 127.0.0.1, no latency; relaying
 * is refused to it, constr-org.md).  Returns its handle, or 0 with
 * error.  Whether it came about shows in the transcript and in
 * pochta_simulation_connection_is_open (). */
guint pochta_simulation_connect (PochtaSimulation *self,
                                 const char       *from_host,
                                 const char       *to_host,
                                 guint16           port,
                                 GError          **error);
/* Types line (without CRLF; CR and LF are refused) on the connection.
 * Lines typed before the connection is established wait for it. */
gboolean pochta_simulation_send_line (PochtaSimulation *self,
                                      guint             connection,
                                      const char       *line,
                                      GError          **error);
/* Hangs up the console (after the lines typed so far). */
gboolean pochta_simulation_close (PochtaSimulation *self, guint connection, GError **error);
/* TRUE until both ends closed or the connection failed. */
gboolean pochta_simulation_connection_is_open (PochtaSimulation *self, guint connection);
/* The transcript's id of the connection, 0 until it is established. */
guint pochta_simulation_connection_get_transcript_id (PochtaSimulation *self, guint connection);
/* The last line the server sent on it, or NULL. */
const char *pochta_simulation_connection_get_last_reply (PochtaSimulation *self, guint connection);

/* ---- real clients (the loopback bridge, bridge.h) ---- */

typedef struct _PochtaBridgeClient PochtaBridgeClient;

/* A connection from a real client at client_address:client_port (outside
 * the network: no latency, relaying refused unless it authenticates,
 * constr-org.md) to to_host:port, carrying client's bytes (the connection
 * takes a reference).  The protocol is POP3 when port is the host's POP3
 * port, else SMTP.  Returns its handle, or 0 with error when no such host
 * or no service on that port. */
guint pochta_simulation_connect_bridged (PochtaSimulation   *self,
                                         const char         *to_host,
                                         guint16             port,
                                         const char         *client_address,
                                         guint16             client_port,
                                         PochtaBridgeClient *client,
                                         GError            **error);
/* The real client on the connection wrote or hung up: its bytes go on
 * the wire now.  Nothing when the connection is over. */
void pochta_simulation_bridged_ready (PochtaSimulation *self, guint connection);
/* The connection's server goes away (SMTP: 421, reason as
 * pochta_smtp_server_shutdown () takes it; POP3: autologout, RFC 1939
 * §3).  Nothing when the connection is over. */
void pochta_simulation_shutdown_connection (PochtaSimulation *self,
                                            guint             connection,
                                            const char       *reason);
/* Records an event on host in the transcript at the current time, as the
 * MTAs record theirs (the bridge refusing a client, say). */
void pochta_simulation_record_event (PochtaSimulation *self,
                                     const char       *host,
                                     const char       *event,
                                     const char       *text);
/* Keeps every host's mailboxes on disk, root/<host>/<login> being one
 * user's Maildir (mail-store.h), and loads what is there already.  Call
 * before any action. */
gboolean pochta_simulation_set_maildir (PochtaSimulation *self, const char *root, GError **error);

/* Switches a fault (fault.h) on or off for target.  parameter: the slow
 * link's factor, the size limit; ignored otherwise and when switching
 * off. */
gboolean pochta_simulation_set_fault (PochtaSimulation *self,
                                      PochtaFaultKind   kind,
                                      const char       *target,
                                      gboolean          on,
                                      guint64           parameter,
                                      GError          **error);

/* ---- the clock ---- */

/* Runs the next scheduled event (the GUI's step).  FALSE when none. */
gboolean pochta_simulation_step (PochtaSimulation *self);
/* Runs every event due within usec and leaves the clock usec later. */
void pochta_simulation_advance (PochtaSimulation *self, gint64 usec);
/* Runs events until none is left (retries and expiry included). */
void pochta_simulation_run_until_idle (PochtaSimulation *self);
gboolean pochta_simulation_is_idle (PochtaSimulation *self);
/* The virtual time of the next scheduled event; FALSE when none.  Lets a
 * driver (the scenario runner) run what follows an action at once and stop
 * before timers far ahead, such as retries. */
gboolean pochta_simulation_peek_next_time (PochtaSimulation *self, gint64 *out_time);

/* ---- queries ---- */

PochtaHostState pochta_simulation_get_host_state (PochtaSimulation *self, const char *host);
/* The messages now in a user's mailbox on its host, oldest first: an
 * array of GBytes (Return-Path: first). */
GPtrArray *
pochta_simulation_dup_mailbox (PochtaSimulation *self, const char *user_mailbox, GError **error);
/* What the user's agent retrieved so far, in order: an array of GBytes. */
GPtrArray *pochta_simulation_dup_fetched (PochtaSimulation *self, const char *user_mailbox);
/* How many messages the user's agent retrieved so far, kept or not. */
guint pochta_simulation_get_n_fetched (PochtaSimulation *self, const char *user_mailbox);
/* How many MTA events named event ("stored", "bounced", ...) happened,
 * whether or not they were recorded or announced. */
guint64 pochta_simulation_get_n_events (PochtaSimulation *self, const char *event);
/* The names of the events that happened, sorted; free with g_strfreev. */
GStrv pochta_simulation_list_events (PochtaSimulation *self);
/* Keep what the agents retrieve for dup_fetched () (default TRUE); a run
 * of a hundred thousand letters only counts it. */
void pochta_simulation_set_keep_fetched (PochtaSimulation *self, gboolean keep);
/* host's queue, in order of arrival: borrowed PochtaMtaEntry* valid
 * until the clock runs again. */
GPtrArray *pochta_simulation_dup_queue (PochtaSimulation *self, const char *host, GError **error);
/* The host's mail store (borrowed). */
PochtaMailStore *pochta_simulation_get_store (PochtaSimulation *self, const char *host);

G_END_DECLS
