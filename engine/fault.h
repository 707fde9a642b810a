/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The faults a lesson or the user can switch on and off at any moment of
 * a simulation (DESIGN.md §2.2), with the names scenario and lesson files
 * use for them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  /* Target: a host.  It answers nothing: connections to it time out,
   * its open connections die, its MTA stops until it is up again. */
  POCHTA_FAULT_HOST_DOWN,
  /* Target: a link id.  Paths over it are gone; connections that have no
   * other path lose their bytes in flight and both ends see EOF. */
  POCHTA_FAULT_LINK_DOWN,
  /* Target: a mailbox (Login@host).  RCPT for it gets 452 4.2.2. */
  POCHTA_FAULT_MAILBOX_FULL,
  /* Target: a host.  The first try of every (client address, sender,
   * recipient) gets 450 4.7.1; a retry after the greylisting delay
   * passes. */
  POCHTA_FAULT_GREYLISTING,
  /* Target: a link id; parameter: the factor its latency is multiplied
   * by (0: 10). */
  POCHTA_FAULT_SLOW_LINK,
  /* Target: a host; parameter: its SIZE limit in octets (RFC 1870), which
   * must not be 0.  Sessions opened after the switch see it. */
  POCHTA_FAULT_SIZE_LIMIT,
  POCHTA_N_FAULTS
} PochtaFaultKind;

/* "host-down", "link-down", "mailbox-full", "greylisting", "slow-link",
 * "size-limit". */
const char *pochta_fault_kind_to_string (PochtaFaultKind kind);
gboolean pochta_fault_kind_from_string (const char *name, PochtaFaultKind *out_kind);

/* Default factor of a slow link. */
#define POCHTA_FAULT_SLOW_LINK_DEFAULT_FACTOR 10

G_END_DECLS
