/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated host: its SMTP server on its SMTP port, its POP3 server on
 * its POP3 port, its mail store and its MTA, and the faults that touch it
 * (down, greylisting, SIZE limit, full mailboxes).  Named PochtaSimHost
 * because PochtaHost is the network file's description of a host.
 *
 * Relay policy (constr-org.md "Relay"; RFC 5321 §3.6.2), decided at RCPT:
 *   - Mail for this host's own name is final: the user must exist (550
 *     5.1.1 otherwise); Postmaster always exists (§4.5.1).
 *   - Mail for a domain whose best MX this host is (otd2.constr.org on
 *     comp3, constr.org on mail.constr.org) is final too: the login is
 *     looked up among the users of that domain's hosts and the recipient
 *     is rewritten to Login@host, as an alias is (§3.9.1).
 *   - Mail for a domain this host is a worse MX of (comp1 for constr.org)
 *     is accepted unverified and queued for the better MX (backup MX).
 *   - The hub (best MX of the enterprise domain) accepts mail for every
 *     name under the enterprise domain, from anyone.
 *   - Anything else is relayed only for an authenticated client or one
 *     whose address is a simulated host's; others get 550 5.7.1.
 *
 * Hop authentication: a message whose reverse-path is a user of this host
 * is sent on with that user's credentials (AUTH with the strongest
 * mechanism the next hop offers) whenever the next hop's profile offers
 * AUTH; that is how the thesis' comp1 authenticates to comp3 as Ivanov.
 * Other messages, bounces included, are sent without AUTH. */
#pragma once

#include <glib.h>

#include "connection.h"
#include "mail-store.h"
#include "mta.h"
#include "network.h"
#include "simulation-private.h"

G_BEGIN_DECLS

PochtaSimHost *pochta_sim_host_new (PochtaSimContext      *context,
                                    const PochtaHost      *description,
                                    const PochtaMtaConfig *mta_config);
void pochta_sim_host_free (PochtaSimHost *self);

const char *pochta_sim_host_get_name (PochtaSimHost *self);
const char *pochta_sim_host_get_address (PochtaSimHost *self);
const PochtaHost *pochta_sim_host_get_description (PochtaSimHost *self);
PochtaMailStore *pochta_sim_host_get_store (PochtaSimHost *self);
/* Replaces the mail store (a reference is taken); before any session
 * uses the old one. */
void pochta_sim_host_set_store (PochtaSimHost *self, PochtaMailStore *store);
PochtaMta *pochta_sim_host_get_mta (PochtaSimHost *self);

gboolean pochta_sim_host_is_up (PochtaSimHost *self);
/* The host's node in the context's link map (pochta_link_map_find_node). */
guint pochta_sim_host_get_link_node (PochtaSimHost *self);
/* Coming up runs the queue entries that fell due while it was down. */
void pochta_sim_host_set_up (PochtaSimHost *self, gboolean up);
void pochta_sim_host_set_greylisting (PochtaSimHost *self, gboolean on);
gboolean pochta_sim_host_get_greylisting (PochtaSimHost *self);
/* RFC 5321 §4.5.3.2: greylisting asks for a retry no sooner than this
 * (Postgrey's 5 minutes; the MTA's first retry comes after 30). */
void pochta_sim_host_set_greylist_delay (PochtaSimHost *self, gint64 delay);
/* 0: the SMTP limits' default (RFC 1870 SIZE 10240000). */
void pochta_sim_host_set_size_limit (PochtaSimHost *self, gsize limit);
gsize pochta_sim_host_get_size_limit (PochtaSimHost *self);
/* The mailbox name is the user's login as the directory spells it. */
void pochta_sim_host_set_mailbox_full (PochtaSimHost *self, const char *login, gboolean full);
gboolean pochta_sim_host_is_mailbox_full (PochtaSimHost *self, const char *login);

/* A new session for a connection from client_host to port, started (its
 * greeting queued), or NULL when no service listens there (refused).
 * client_host NULL: a client outside the network, at client_address. */
gpointer pochta_sim_host_accept (PochtaSimHost             *self,
                                 guint16                    port,
                                 const char                *client_host,
                                 const char                *client_address,
                                 const PochtaSessionClass **out_class);

/* A message that originates on this host (a bounce): each recipient is
 * delivered here or queued, as if the host's SMTP server had taken it. */
void pochta_sim_host_inject (PochtaSimHost *self,
                             const char    *reverse_path,
                             const char    *recipient,
                             GBytes        *message);

G_END_DECLS
