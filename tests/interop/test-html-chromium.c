/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTML export opened in headless Chromium: the screenshot is not
 * blank and shows the rows in their reply-class colours. */
#include "config.h"

#include <string.h>

#include "interop-util.h"
#include "transcript-fixture.h"

#define WIDTH 1200
#define HEIGHT 900

static char *chromium;

static const char *
explain (const PochtaTranscriptItem *item, gpointer user_data)
{
  return item->code == 550 ? "No mailbox Sidirov on comp3: permanent, do not retry." : NULL;
}

static void
screenshot (const PochtaExportOptions *options)
{
  g_autoptr (InteropScratch) scratch = interop_scratch_new ();
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autofree char *html = interop_export_to_file (scratch, t, POCHTA_EXPORT_HTML, options,
                                                  "transcript.html");
  g_autofree char *png = interop_scratch_file (scratch, "screenshot.png");
  g_autofree char *profile = interop_scratch_file (scratch, "profile");
  g_autofree char *uri = g_filename_to_uri (html, NULL, NULL);
  g_autofree char *screenshot_arg = g_strdup_printf ("--screenshot=%s", png);
  g_autofree char *profile_arg = g_strdup_printf ("--user-data-dir=%s", profile);
  g_autofree char *size_arg = g_strdup_printf ("--window-size=%d,%d", WIDTH, HEIGHT);
  /* Nothing may reach the network: the page is a local file and every
   * background service of the browser is off. */
  const char *const argv[] = {
    chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", profile_arg, screenshot_arg, size_arg, uri, NULL,
  };
  g_free (interop_run (scratch, argv));

  cairo_surface_t *surface = interop_load_png (png);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, WIDTH);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, HEIGHT);
  /* Not blank: text, rules and tints. */
  g_assert_cmpuint (interop_count_colours (surface, 100), >=, 20);
  /* Row tints of the stylesheet: 2yz green, 3yz blue, 5yz red, and the
   * grey of MTA events. */
  g_assert_true (interop_has_colour (surface, 0xe6f4ea, 2));
  g_assert_true (interop_has_colour (surface, 0xe8f0fe, 2));
  g_assert_true (interop_has_colour (surface, 0xfce8e6, 2));
  g_assert_true (interop_has_colour (surface, 0xf1f3f4, 2));
  g_assert_true (interop_has_colour (surface, 0xffffff, 0));
  cairo_surface_destroy (surface);
}

static void
test_screenshot (void)
{
  if (!interop_require (chromium, "chromium", "chromium"))
    return;
  screenshot (NULL);
}

static void
test_screenshot_explained (void)
{
  if (!interop_require (chromium, "chromium", "chromium"))
    return;
  PochtaExportOptions options = { .explain = explain, .title = "The thesis session" };
  screenshot (&options);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  chromium = interop_find_tool ("chromium");
  g_test_add_func ("/interop/export/html/chromium", test_screenshot);
  g_test_add_func ("/interop/export/html/chromium-explained", test_screenshot_explained);
  int status = g_test_run ();
  gboolean missing = chromium == NULL;
  g_free (chromium);
  interop_release_fonts ();
  return interop_exit_status (status, missing);
}
