/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sequence diagram read by other programs: the PDF rendered by
 * poppler's pdftoppm, the SVG parsed by Python's XML parser, the PNG
 * loaded back by cairo. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "interop-util.h"
#include "transcript-fixture.h"

static char *pdftoppm;
static char *python;

/* The 5yz red of the diagram's arrows (#c5221f). */
#define RED 0xc5221f

static void
test_pdf_pdftoppm (void)
{
  if (!interop_require (pdftoppm, "pdftoppm", "poppler-utils"))
    return;
  g_autoptr (InteropScratch) scratch = interop_scratch_new ();
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autofree char *pdf = interop_export_to_file (scratch, t, POCHTA_EXPORT_PDF, NULL,
                                                 "diagram.pdf");
  g_autofree char *prefix = interop_scratch_file (scratch, "page");
  /* 72 dpi: one pixel per point, so the page is the diagram's size. */
  const char *const argv[] = { pdftoppm, "-png", "-r", "72", "-singlefile", pdf, prefix, NULL };
  g_free (interop_run (scratch, argv));

  g_autofree char *png = interop_scratch_file (scratch, "page.png");
  cairo_surface_t *page = interop_load_png (png);
  double width, height;
  g_autoptr (GError) error = NULL;
  g_assert_true (pochta_transcript_get_diagram_size (t, NULL, &width, &height, &error));
  g_assert_cmpint (cairo_image_surface_get_width (page), ==, (int) lround (width));
  g_assert_cmpint (cairo_image_surface_get_height (page), ==, (int) lround (height));
  g_assert_cmpuint (interop_count_colours (page, 100), >=, 20);
  g_assert_true (interop_has_colour (page, RED, 8));
  cairo_surface_destroy (page);
}

static void
test_svg_python (void)
{
  if (!interop_require (python, "python3", "python3"))
    return;
  g_autoptr (InteropScratch) scratch = interop_scratch_new ();
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  g_autofree char *svg = interop_export_to_file (scratch, t, POCHTA_EXPORT_SVG, NULL,
                                                 "diagram.svg");
  static const char script[] =
    "import sys, xml.etree.ElementTree as ET\n"
    "root = ET.parse(sys.argv[1]).getroot()\n"
    "print(root.tag, root.get('width'), root.get('height'), sum(1 for _ in root.iter()))\n";
  const char *const argv[] = { python, "-c", script, svg, NULL };
  g_autofree char *out = interop_run (scratch, argv);

  double width, height;
  g_autoptr (GError) error = NULL;
  g_assert_true (pochta_transcript_get_diagram_size (t, NULL, &width, &height, &error));
  g_autofree char *expected = g_strdup_printf ("{http://www.w3.org/2000/svg}svg %gpt %gpt ",
                                               width, height);
  g_assert_true (g_str_has_prefix (out, expected));
  guint64 elements = g_ascii_strtoull (out + strlen (expected), NULL, 10);
  g_assert_cmpuint (elements, >, 100);
}

static void
test_png_cairo (void)
{
  g_autoptr (InteropScratch) scratch = interop_scratch_new ();
  g_autoptr (PochtaTranscript) t = fixture_transcript_new ();
  PochtaExportOptions second = { .connection = 2 };
  g_autofree char *path = interop_export_to_file (scratch, t, POCHTA_EXPORT_PNG, &second,
                                                  "diagram.png");
  double width, height;
  g_autoptr (GError) error = NULL;

  g_assert_true (pochta_transcript_get_diagram_size (t, &second, &width, &height, &error));
  cairo_surface_t *png = interop_load_png (path);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, (int) ceil (width * 2));
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, (int) ceil (height * 2));
  g_assert_cmpuint (interop_count_colours (png, 100), >=, 20);
  /* The POP3 session's -ERR lines. */
  g_assert_true (interop_has_colour (png, RED, 0));
  cairo_surface_destroy (png);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  pdftoppm = interop_find_tool ("pdftoppm");
  python = interop_find_tool ("python3");
  g_test_add_func ("/interop/export/diagram/pdf-pdftoppm", test_pdf_pdftoppm);
  g_test_add_func ("/interop/export/diagram/svg-python", test_svg_python);
  g_test_add_func ("/interop/export/diagram/png-cairo", test_png_cairo);
  int status = g_test_run ();
  /* The PNG test needs no tool: this program never skips whole. */
  g_free (pdftoppm);
  g_free (python);
  interop_release_fonts ();
  return status;
}
