/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The subcommands of pochta-cli and what they share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit status. */
int cli_play (int argc, char **argv);
int cli_export (int argc, char **argv);

/* Prints "pochta-cli COMMAND: message" and a hint to --help; returns 2. */
int cli_usage_error (const char *command, const char *message);

G_END_DECLS
