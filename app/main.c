/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pochta: the GTK window of Pochta. */
#define G_LOG_DOMAIN "pochta"
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "pochta-application.h"

int
main (int argc, char **argv)
{
  /* POCHTA_LOCALEDIR points an uninstalled build at its own catalogues. */
  const char *localedir = g_getenv ("POCHTA_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_autoptr (PochtaApplication) application = pochta_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
