/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A progress bar for long runs of pochta-cli, drawn on a terminal only, so
 * that output piped to a file or a test stays clean. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cli-private.h"

#define BAR_WIDTH 40

struct _CliProgress
{
  char *label;
  guint64 total;
  int shown_percent;   /* -1 before the first draw */
  gboolean enabled;
};

CliProgress *
cli_progress_new (const char *label, guint64 total)
{
  g_return_val_if_fail (label != NULL, NULL);

  CliProgress *self = g_new0 (CliProgress, 1);
  self->label = g_strdup (label);
  self->total = MAX (total, 1);
  self->shown_percent = -1;
  self->enabled = isatty (STDOUT_FILENO);
  return self;
}

void
cli_progress_update (CliProgress *self, guint64 done)
{
  g_return_if_fail (self != NULL);

  int percent = (int) (MIN (done, self->total) * 100 / self->total);
  /* Redrawing only when the percentage moves keeps a run of a million
   * updates from spending its time on the terminal. */
  if (!self->enabled || percent == self->shown_percent)
    return;
  self->shown_percent = percent;
  int filled = percent * BAR_WIDTH / 100;
  printf ("\r%s [%.*s%*s] %3d%%", self->label, filled, "########################################",
          BAR_WIDTH - filled, "", percent);
  fflush (stdout);
}

void
cli_progress_free (CliProgress *self)
{
  if (self == NULL)
    return;
  if (self->enabled && self->shown_percent >= 0)
    {
      /* Erase the bar: what follows is the result. */
      printf ("\r%*s\r", (int) g_utf8_strlen (self->label, -1) + BAR_WIDTH + 8, "");
      fflush (stdout);
    }
  g_free (self->label);
  g_free (self);
}
