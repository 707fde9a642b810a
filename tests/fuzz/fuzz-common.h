/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every libFuzzer target shares: its entry points, and GLib
 * criticals and warnings made fatal so that a broken contract counts as a
 * crash. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Aborts with message on stderr: an invariant of the engine broke. */
G_NORETURN void fuzz_fail (const char *message);

G_END_DECLS
