/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Pochta application: one window per activation, the accelerators,
 * the style sheet and the settings. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define POCHTA_APPLICATION_ID "io.github.pochta.Pochta"

#define POCHTA_TYPE_APPLICATION (pochta_application_get_type ())
G_DECLARE_FINAL_TYPE (PochtaApplication, pochta_application, POCHTA, APPLICATION,
                      GtkApplication)

/* setlocale and the gettext domain, from POCHTA_LOCALEDIR when set (an
 * uninstalled build's catalogues), else the installed ones. */
void pochta_application_init_i18n (void);

PochtaApplication *pochta_application_new (void);

/* The application's settings, or NULL when the schema is not installed
 * (an uninstalled build run without GSETTINGS_SCHEMA_DIR): then nothing
 * is remembered. */
GSettings *pochta_application_get_settings (PochtaApplication *self);

G_END_DECLS
