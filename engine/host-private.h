/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What host.c and host-relay.c share: how a host sees an address, the
 * door into its delivery, and the MTA driver callbacks. */
#pragma once

#include "host.h"

G_BEGIN_DECLS

typedef enum
{
  POCHTA_ADDRESS_USER, /* a user this host delivers for (maybe on another host, as an alias) */
  POCHTA_ADDRESS_UNKNOWN_USER, /* final here, but nobody has that login */
  POCHTA_ADDRESS_POSTMASTER,   /* RFC 5321 §4.5.1 */
  POCHTA_ADDRESS_BACKUP,       /* this host is a worse MX of the domain */
  POCHTA_ADDRESS_HUB,          /* the enterprise hub relays it */
  POCHTA_ADDRESS_ELSEWHERE,    /* relaying */
} PochtaAddressKind;

/* The relay policy of host.h in one place; *out_user is the directory's
 * user for USER. */
PochtaAddressKind pochta_sim_host_classify (PochtaSimHost     *self,
                                            const char        *mailbox,
                                            const PochtaUser **out_user);

/* Everything the host's SMTP server took (or the MTA generated): stored
 * for local users with Return-Path:, queued for the others.  recipients
 * are PochtaSmtpRecipient*.  FALSE when a local store failed. */
gboolean pochta_sim_host_accept_message (PochtaSimHost *self,
                                         const char    *reverse_path,
                                         GPtrArray     *recipients,
                                         GBytes        *message,
                                         PochtaDsnRet   ret,
                                         const char    *envid);

PochtaSimContext *pochta_sim_host_get_context (PochtaSimHost *self);

/* host-relay.c: the MTA driver. */
void pochta_sim_host_relay_start (PochtaMta *mta, PochtaMtaAttempt *attempt, gpointer host);
void pochta_sim_host_relay_inject (PochtaMta  *mta,
                                   const char *reverse_path,
                                   const char *recipient,
                                   GBytes     *message,
                                   gpointer    host);
void
pochta_sim_host_relay_record (PochtaMta *mta, const char *event, const char *text, gpointer host);
gboolean pochta_sim_host_relay_is_up (PochtaMta *mta, gpointer host);
gboolean pochta_sim_host_relay_host_exists (PochtaMta *mta, const char *name, gpointer host);

G_END_DECLS
