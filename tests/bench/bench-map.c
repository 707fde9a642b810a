/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How long a frame of the network map takes with 50 hosts and 200
 * envelopes in flight, drawn offscreen on an image surface the size of a
 * large map pane; prints the median and the worst frame against the
 * 16.7 ms budget of 60 frames a second (DESIGN.md §5: under a quarter). */
#define G_LOG_DOMAIN "pochta-bench-map"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map-scene.h"

#define N_DEPARTMENTS 5
#define HOSTS_PER_DEPARTMENT 9
#define N_HUBS 5        /* 5 x 9 + 5 = 50 hosts */
#define N_ENVELOPES 200
#define N_FRAMES 300
#define WIDTH 1280
#define HEIGHT 720
#define FRAME_USEC 16667

/* A network file: departments with a LAN each, hubs on a backbone LAN,
 * each department's LAN tied to a hub. */
static char *
network_text (void)
{
  GString *out = g_string_new ("[Network]\nId=bench\nName=Benchmark\nDomain=bench.example\n\n");

  for (int d = 0; d < N_DEPARTMENTS; d++)
    {
      g_string_append_printf (out, "[Department d%d]\nName=Department %d\nDomain=d%d.bench.example\n\n",
                              d, d, d);
      GString *members = g_string_new (NULL);
      for (int h = 0; h < HOSTS_PER_DEPARTMENT; h++)
        {
          g_string_append_printf (out,
                                  "[Host h%d.d%d.bench.example]\nDepartment=d%d\n"
                                  "Address=192.0.2.%d\nProfile=modern\nServices=smtp:25;pop3:110\n\n",
                                  h, d, d, 10 + d * HOSTS_PER_DEPARTMENT + h);
          g_string_append_printf (members, "%sh%d.d%d.bench.example", h > 0 ? ";" : "", h, d);
        }
      g_string_append_printf (out, "[Link lan%d]\nKind=lan\nMembers=%s\nLatency=1\n\n", d,
                              members->str);
      g_string_free (members, TRUE);
    }
  GString *hubs = g_string_new (NULL);
  for (int h = 0; h < N_HUBS; h++)
    {
      g_string_append_printf (out,
                              "[Host hub%d.bench.example]\nAddress=203.0.113.%d\nProfile=modern\n"
                              "Services=smtp:25\n\n",
                              h, 10 + h);
      g_string_append_printf (hubs, "%shub%d.bench.example", h > 0 ? ";" : "", h);
      g_string_append_printf (out, "[Link up%d]\nKind=point-to-point\nMembers=lan%d;hub%d.bench.example\nLatency=20\n\n",
                              h, h % N_DEPARTMENTS, h);
    }
  g_string_append_printf (out, "[Link core]\nKind=lan\nMembers=%s\nLatency=5\n\n", hubs->str);
  g_string_free (hubs, TRUE);
  return g_string_free (out, FALSE);
}

static char *
host_name (guint n)
{
  if (n < N_DEPARTMENTS * HOSTS_PER_DEPARTMENT)
    return g_strdup_printf ("h%u.d%u.bench.example", n % HOSTS_PER_DEPARTMENT,
                            n / HOSTS_PER_DEPARTMENT);
  return g_strdup_printf ("hub%u.bench.example", n - N_DEPARTMENTS * HOSTS_PER_DEPARTMENT);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = network_text ();
  g_autoptr (PochtaNetwork) network =
    pochta_network_load_data (text, strlen (text), "bench.network", &error);
  if (network == NULL)
    g_error ("%s", error->message);
  g_assert_cmpuint (pochta_network_get_hosts (network)->len, ==, 50);

  g_autoptr (PochtaMapScene) scene = pochta_map_scene_new (network);
  pochta_map_scene_set_size (scene, WIDTH, HEIGHT);
  static const char *const labels[] = { "MAIL FROM:<Ivanov@comp1.otd1.constr.org>",
                                        "250 OK", "354 Start mail input", "RCPT TO:<Petrov@x>",
                                        "550 No such user here", "451 Try again later",
                                        "334 PDg1MDgzOTM5Mi4xMDIx" };
  static const PochtaReplyClass classes[] = { POCHTA_REPLY_NONE, POCHTA_REPLY_POSITIVE,
                                              POCHTA_REPLY_INTERMEDIATE, POCHTA_REPLY_NONE,
                                              POCHTA_REPLY_PERMANENT, POCHTA_REPLY_TRANSIENT,
                                              POCHTA_REPLY_INTERMEDIATE };
  /* Every envelope stays in flight for the whole run; they start at
   * spread-out times so that they are spread along their paths. */
  gint64 run = (gint64) N_FRAMES * FRAME_USEC;
  for (guint i = 0; i < N_ENVELOPES; i++)
    {
      g_autofree char *from = host_name ((i * 7) % 50), *to = host_name ((i * 13 + 5) % 50);
      pochta_map_scene_add_envelope (scene, from, to, labels[i % G_N_ELEMENTS (labels)],
                                     classes[i % G_N_ELEMENTS (classes)],
                                     -(gint64) (i * run / N_ENVELOPES), 2 * run);
    }

  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  double times[N_FRAMES];
  for (int frame = -1; frame < N_FRAMES; frame++)
    {
      gint64 start = g_get_monotonic_time ();
      /* What the widget does each frame: advance the model, draw it. */
      guint in_flight = pochta_map_scene_advance (scene, (gint64) MAX (frame, 0) * FRAME_USEC);
      cairo_t *cr = cairo_create (surface);
      cairo_set_source_rgb (cr, 0.96, 0.97, 0.98);
      cairo_paint (cr);
      pochta_map_scene_render (scene, cr);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      g_assert_cmpuint (in_flight, ==, N_ENVELOPES);
      /* Frame -1 draws the cached background and labels once, as the
       * first frame on screen does. */
      if (frame >= 0)
        times[frame] = (g_get_monotonic_time () - start) / 1000.0;
    }
  if (g_getenv ("POCHTA_BENCH_PNG") != NULL)
    cairo_surface_write_to_png (surface, g_getenv ("POCHTA_BENCH_PNG"));
  cairo_surface_destroy (surface);

  qsort (times, N_FRAMES, sizeof times[0], compare_doubles);
  double median = times[N_FRAMES / 2], worst = times[N_FRAMES - 1];
  double p99 = times[N_FRAMES * 99 / 100];
  double budget = FRAME_USEC / 1000.0;
  printf ("map frame, 50 hosts, %d envelopes in flight, %dx%d, %d frames:\n", N_ENVELOPES, WIDTH,
          HEIGHT, N_FRAMES);
  printf ("  median %.2f ms (%.0f%% of the %.1f ms budget)\n", median, 100 * median / budget, budget);
  printf ("  99th   %.2f ms (%.0f%% of the budget)\n", p99, 100 * p99 / budget);
  printf ("  worst  %.2f ms (%.0f%% of the budget)\n", worst, 100 * worst / budget);
  printf ("  goal   under %.2f ms (a quarter of the budget): %s\n", budget / 4,
          median < budget / 4 ? "met" : "NOT met");
  return 0;
}
