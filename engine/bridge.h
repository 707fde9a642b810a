/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loopback bridge: puts a simulated host's SMTP and POP3 services on
 * real TCP ports, so that telnet, Thunderbird, mutt, curl or Python's
 * smtplib can talk to it.  A real client is one more client of the
 * simulated host, outside the network (constr-org.md): its letters are
 * delivered or relayed inside the simulation like any other, and the
 * transcript records its connection from its real address and port.
 *
 * Time: the simulation's virtual clock follows the real one while a
 * bridge runs it.  Virtual time stands still between events and jumps to
 * the real time elapsed since the bridge started whenever a socket has
 * something, and a timer wakes the bridge for the next scheduled event
 * (a relay, a retry); so a letter a real client hands to comp3 for
 * Smirnov@comp4.otd2.constr.org reaches comp4 after the real LAN
 * latency, and Date: and Received: show the time of day.  A real client
 * itself has no simulated link: its bytes reach the server at once.
 *
 * One GSocketService on the thread-default main loop (no thread per
 * connection), a listen backlog of BACKLOG (GIO's default of 10 refuses
 * clients under load), TCP_NODELAY, no reverse DNS.  What one read from a
 * socket brings is fed whole and everything the server answers to it goes
 * back in one write (replies coalesced per read).  While a client does
 * not read what was written, the bridge stops reading from it (RFC 2920
 * §3.2 lets a server do so), which with the engine's limits bounds every
 * session's memory.
 *
 * Limits and their replies (written by the bridge, as the connection is
 * refused before any simulated session exists):
 *   - max_sessions: a client beyond it gets "421 4.3.2 <host> Too many
 *     sessions, try again later" (SMTP; RFC 3463 §3.4 "system not
 *     accepting network messages", the text Postfix sends in the same
 *     case) or "-ERR [SYS/TEMP] too many sessions, try again later" (POP3,
 *     RFC 3206 §4), and is closed.
 *   - idle_timeout: an SMTP session idle that long gets "421 4.4.2 <host>
 *     Idle timeout, closing transmission channel" (RFC 5321 §4.5.3.2.7,
 *     §3.8; the enhanced code only where the profile has them, as for
 *     every reply of the session); a POP3 session is logged out without
 *     a reply (RFC 1939 §3).
 *   - greet_delay: the session (and its greeting) starts that long after
 *     the client connected; bytes the client sends before are held and
 *     fed afterwards, and an "early-talker" event in the transcript says
 *     how many there were (the lesson of RFC 5321 §4.3.1: the client
 *     waits for the greeting).
 *   - shutdown: every SMTP session gets "421 4.3.2 <host> Service not
 *     available, closing transmission channel" (RFC 5321 §3.8; 4.3.2 as
 *     above), every
 *     POP3 session is logged out; what is pending is written within a
 *     second or two and every socket closed. */
#pragma once

#include <gio/gio.h>

#include "simulation.h"

G_BEGIN_DECLS

/* Zero in a field means the default in its comment. */
typedef struct
{
  /* Sessions open at once; more are refused (see above).  1000. */
  guint max_sessions;
  /* Idle time before the server gives up, µs: RFC 5321 §4.5.3.2.7's 5
   * minutes for SMTP, RFC 1939 §3's 10 minutes for POP3. */
  gint64 idle_timeout;
  /* µs before the greeting; 0: none. */
  gint64 greet_delay;
} PochtaBridgeConfig;

typedef struct _PochtaBridge PochtaBridge;

/* Runs simulation's clock from now on (a reference is kept).  config may
 * be NULL. */
PochtaBridge *pochta_bridge_new (PochtaSimulation *simulation, const PochtaBridgeConfig *config);
/* Closes every socket at once, without a word to the clients (see
 * pochta_bridge_shutdown ()). */
void pochta_bridge_free (PochtaBridge *self);

/* Puts host's SMTP or POP3 service on address:port (port 0: a free one).
 * Returns the port bound, or 0 with error (the host has no such service,
 * the address is taken, ...).  Clients wait in the backlog until
 * pochta_bridge_start (). */
guint16 pochta_bridge_listen (PochtaBridge   *self,
                              const char     *host,
                              PochtaProtocol  protocol,
                              GInetAddress   *address,
                              guint16         port,
                              GError        **error);

/* Starts accepting on every listener. */
void pochta_bridge_start (PochtaBridge *self);

/* Sessions now open, with a simulated session or waiting for it. */
guint pochta_bridge_get_n_sessions (PochtaBridge *self);

/* Stops listening and says goodbye to every session as described above;
 * returns once every socket is closed.  The bridge can only be freed
 * afterwards. */
void pochta_bridge_shutdown (PochtaBridge *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaBridge, pochta_bridge_free)

G_END_DECLS
