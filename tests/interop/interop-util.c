/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers of the interop tests: tools, scratch directories, PNG pixels. */
#include "config.h"

#include <fontconfig/fontconfig.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "interop-util.h"

char *
interop_find_tool (const char *program)
{
  return g_find_program_in_path (program);
}

gboolean
interop_require (const char *path, const char *program, const char *package)
{
  if (path != NULL)
    return TRUE;
  g_autofree char *message =
    g_strdup_printf ("%s is not installed (Debian package %s; build-aux/install-deps "
                     "installs it)", program, package);
  g_test_skip (message);
  return FALSE;
}

int
interop_exit_status (int test_status, gboolean tool_missing)
{
  return test_status == 0 && tool_missing ? 77 : test_status;
}

InteropScratch *
interop_scratch_new (void)
{
  g_autoptr (GError) error = NULL;
  InteropScratch *scratch = g_new0 (InteropScratch, 1);

  scratch->path = g_dir_make_tmp ("pochta-interop-XXXXXX", &error);
  g_assert_no_error (error);
  return scratch;
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      GDir *dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      if (dir != NULL)
        g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
interop_scratch_free (InteropScratch *scratch)
{
  if (scratch == NULL)
    return;
  remove_tree (scratch->path);
  g_free (scratch->path);
  g_free (scratch);
}

char *
interop_scratch_file (InteropScratch *scratch, const char *name)
{
  return g_build_filename (scratch->path, name, NULL);
}

char *
interop_run (InteropScratch *scratch, const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autofree char *config = interop_scratch_file (scratch, "config");
  g_autofree char *cache = interop_scratch_file (scratch, "cache");
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, "HOME", scratch->path, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
  g_autoptr (GSubprocess) process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_autofree char *command = g_strjoinv (" ", (char **) argv);
      g_error ("%s failed:\n%s", command, err != NULL ? err : "");
    }
  return g_steal_pointer (&out);
}

char *
interop_export_to_file (InteropScratch           *scratch,
                        PochtaTranscript         *transcript,
                        PochtaExportFormat        format,
                        const PochtaExportOptions *options,
                        const char               *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = pochta_transcript_export (transcript, format, options, &error);
  g_assert_no_error (error);

  char *path = interop_scratch_file (scratch, name);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_file_set_contents (path, data, (gssize) size, &error);
  g_assert_no_error (error);
  return path;
}

cairo_surface_t *
interop_load_png (const char *path)
{
  cairo_surface_t *surface = cairo_image_surface_create_from_png (path);

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    g_error ("%s: %s", path, cairo_status_to_string (cairo_surface_status (surface)));
  return surface;
}

/* As ARGB, opaque when the image has no alpha (RGB24 leaves the top
 * byte undefined). */
static guint32
pixel_at (cairo_surface_t *surface, int x, int y)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint32 pixel;

  memcpy (&pixel, data + y * stride + x * 4, 4);
  if (cairo_image_surface_get_format (surface) == CAIRO_FORMAT_RGB24)
    pixel |= 0xff000000;
  return pixel;
}

guint
interop_count_colours (cairo_surface_t *surface, guint limit)
{
  g_autoptr (GHashTable) colours = g_hash_table_new (NULL, NULL);
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);

  cairo_surface_flush (surface);
  for (int y = 0; y < height && g_hash_table_size (colours) < limit; y++)
    for (int x = 0; x < width; x++)
      g_hash_table_add (colours, GUINT_TO_POINTER (pixel_at (surface, x, y)));
  return MIN (g_hash_table_size (colours), limit);
}

static gboolean
near (guint32 a, guint32 b, int shift, guint tolerance)
{
  int x = (int) ((a >> shift) & 0xff), y = (int) ((b >> shift) & 0xff);
  return (guint) ABS (x - y) <= tolerance;
}

gboolean
interop_has_colour (cairo_surface_t *surface, guint32 rgb, guint tolerance)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);

  cairo_surface_flush (surface);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 pixel = pixel_at (surface, x, y);
        if ((pixel >> 24) == 0xff && near (pixel, rgb, 16, tolerance)
            && near (pixel, rgb, 8, tolerance) && near (pixel, rgb, 0, tolerance))
          return TRUE;
      }
  return FALSE;
}

void
interop_release_fonts (void)
{
  cairo_debug_reset_static_data ();
  FcFini ();
}
