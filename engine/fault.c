/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Names of the simulation's faults. */
#define G_LOG_DOMAIN "pochta-fault"
#include "config.h"

#include <string.h>

#include "fault.h"

static const char *const names[] = {
  "host-down", "link-down", "mailbox-full", "greylisting", "slow-link", "size-limit",
};

G_STATIC_ASSERT (G_N_ELEMENTS (names) == POCHTA_N_FAULTS);

const char *
pochta_fault_kind_to_string (PochtaFaultKind kind)
{
  g_return_val_if_fail (kind < POCHTA_N_FAULTS, NULL);
  return names[kind];
}

gboolean
pochta_fault_kind_from_string (const char *name, PochtaFaultKind *out_kind)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      {
        if (out_kind != NULL)
          *out_kind = (PochtaFaultKind) i;
        return TRUE;
      }
  return FALSE;
}
