/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pochta: the GTK window of Pochta. */
#define G_LOG_DOMAIN "pochta"
#include "config.h"

#include "pochta-application.h"

int
main (int argc, char **argv)
{
  pochta_application_init_i18n ();

  g_autoptr (PochtaApplication) application = pochta_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
