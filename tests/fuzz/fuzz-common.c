/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Set-up shared by the libFuzzer targets: a failed g_return_if_fail () in
 * the engine is a bug the fuzzer should stop on, not a line in a log. */
#define G_LOG_DOMAIN "pochta-fuzz"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fuzz-common.h"

/* A critical means a caller broke a public contract (or the engine broke
 * its own), and the engine emits no warnings on purpose: either one
 * aborts.  GLib's own fatal path would stop on SIGTRAP, which libFuzzer
 * does not catch, so the input would not be saved; abort () it catches. */
static GLogWriterOutput
abort_on_critical (GLogLevelFlags   log_level,
                   const GLogField *fields,
                   gsize            n_fields,
                   gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      abort ();
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_writer_func (abort_on_critical, NULL, NULL);
  return 0;
}

void
fuzz_fail (const char *message)
{
  fprintf (stderr, "fuzz invariant broken: %s\n", message);
  abort ();
}
