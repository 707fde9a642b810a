/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pochta-cli: the terminal front end of Pochta; dispatches subcommands. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli-private.h"

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} CliCommand;

static const CliCommand commands[] = {
  { "play", cli_play, N_("Play a lesson step by step (by default the thesis' SMTP session)") },
  { "check", cli_check, N_("Run lessons and scenarios headless and check what they expect") },
  { "network", cli_network, N_("Print a network: hosts, users, lists, MX records, links") },
  { "simulate", cli_simulate, N_("Send letters across a generated network, for scale") },
  { "export", cli_export, N_("Write a transcript as text, HTML, pcap or a diagram") },
  { "explain", cli_explain, N_("Explain a reply code, status code, POP3 response or SASL step") },
  { "serve", cli_serve, N_("Put simulated hosts on real loopback ports for real mail clients") },
};

int
cli_usage_error (const char *command, const char *message)
{
  g_printerr ("pochta-cli %s: %s\n", command, message);
  g_printerr (_("Try 'pochta-cli %s --help'.\n"), command);
  return 2;
}

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s\n\n%s\n", _("Usage: pochta-cli COMMAND [OPTION...]"), _("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (stream, "\n%s\n", _("Run 'pochta-cli COMMAND --help' for a command's options."));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* POCHTA_LOCALEDIR points an uninstalled pochta-cli at the build
   * directory's catalogues (po/LANG/LC_MESSAGES/pochta.mo). */
  const char *localedir = g_getenv ("POCHTA_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* Standard output carries exports and listening lines: debug and info
   * messages (G_MESSAGES_DEBUG) go to standard error with the rest. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      g_autofree char *allocator = cli_allocator_describe ();
      g_print ("pochta-cli %s\n", PACKAGE_VERSION);
      g_print (_("Memory allocator: %s\n"), allocator);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  g_printerr (_("pochta-cli: unknown command '%s'\n\n"), argv[1]);
  print_usage (stderr);
  return 2;
}
