/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which malloc this pochta-cli runs on, for --version and the cost lines
 * of simulate and serve: figures from two builds compare only when they
 * say which allocator they had. */
#include "config.h"

#include <glib/gi18n.h>

#include "cli-private.h"

#if HAVE_MIMALLOC
#include <mimalloc.h>
#endif

char *
cli_allocator_describe (void)
{
#if HAVE_MIMALLOC
  /* Linked in, mimalloc's malloc stands in for the C library's in every
   * library of the process; mi_version () is 209 for 2.0.9. */
  int version = mi_version ();
  return g_strdup_printf ("mimalloc %d.%d.%d", version / 100, version / 10 % 10, version % 10);
#else
  return g_strdup (_("the C library's malloc"));
#endif
}
