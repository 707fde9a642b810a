/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the scenario loader (scenario.c) and its action parser
 * (scenario-actions.c) share. */
#pragma once

#include <glib.h>

#include "keyfile-lines.h"
#include "sasl.h"
#include "scenario.h"
#include "simulation.h"

G_BEGIN_DECLS

typedef struct
{
  PochtaKeyfileLines *lines;
  const char *filename;
  gboolean allow_paths;     /* Network= may name a file beside this one */
  const char *const *languages;
  PochtaScenario *scenario;
  PochtaNetwork *network;   /* to check names against */
  /* The newest connection the steps so far opened, and whether it speaks
   * POP3: a Send= needs one, and an Expect= must suit its protocol. */
  gboolean has_connection;
  gboolean connection_is_pop3;
} Loader;

/* scenario.c: a GError of POCHTA_SCENARIO_ERROR that reads "file:line: ...";
 * returns FALSE. */
gboolean pochta_scenario_loader_fail (Loader              *loader,
                                      guint                line,
                                      GError             **error,
                                      PochtaScenarioError  code,
                                      const char          *format,
                                      ...) G_GNUC_PRINTF (5, 6);
gboolean pochta_scenario_parse_uint (const char *text, guint64 max, guint64 *out_value);
/* "500ms", "5s", "30m", "2h", "1d", or a sum of them: "1h30m". */
gboolean pochta_scenario_parse_duration (const char *text, gint64 *out_usec);
gboolean pochta_scenario_looks_like_mailbox (const char *text);

/* scenario-actions.c */
void pochta_scenario_action_free (gpointer data);
gboolean pochta_scenario_loader_require_host (Loader *loader, guint line, const char *host, GError **error);
gboolean pochta_scenario_loader_require_user (Loader *loader, guint line, const char *mailbox, GError **error);
/* One Do= (or Connection=, Send=, Respond=) value. */
PochtaScenarioAction *pochta_scenario_loader_parse_action (Loader     *loader,
                                                           const char *key,
                                                           const char *value,
                                                           guint       line,
                                                           GError    **error);

G_END_DECLS
