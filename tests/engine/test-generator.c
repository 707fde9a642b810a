/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the seeded generator and the RFC 5322 date format. */
#include "config.h"

#include <locale.h>

#include "generator.h"

static void
test_same_seed_same_sequence (void)
{
  g_autoptr (PochtaGenerator) a = pochta_generator_new (42, 0);
  g_autoptr (PochtaGenerator) b = pochta_generator_new (42, 0);
  g_autoptr (PochtaGenerator) c = pochta_generator_new (43, 0);
  gboolean differs = FALSE;

  for (int i = 0; i < 100; i++)
    {
      guint32 x = pochta_generator_next (a);
      g_assert_cmpuint (x, ==, pochta_generator_next (b));
      differs |= x != pochta_generator_next (c);
    }
  g_assert_true (differs);

  g_autofree char *ta = pochta_generator_token (a, 14);
  g_autofree char *tb = pochta_generator_token (b, 14);
  g_assert_cmpstr (ta, ==, tb);
  g_assert_cmpuint (strlen (ta), ==, 14);
  for (const char *p = ta; *p; p++)
    g_assert_true (g_ascii_isalnum (*p));
}

static void
test_range (void)
{
  g_autoptr (PochtaGenerator) g = pochta_generator_new (7, 0);
  for (int i = 0; i < 1000; i++)
    {
      guint32 v = pochta_generator_range (g, 10, 20);
      g_assert_cmpuint (v, >=, 10);
      g_assert_cmpuint (v, <, 20);
    }
}

static void
test_dates (void)
{
  /* 2002-05-14 06:15:00 UTC, the date of the checklist's Received: example. */
  const gint64 t = G_GINT64_CONSTANT (1021356900) * G_USEC_PER_SEC;
  g_autofree char *utc = pochta_format_rfc5322_date (t, 0);
  g_autofree char *msk = pochta_format_rfc5322_date (t, 240);
  g_autofree char *west = pochta_format_rfc5322_date (t, -150);
  g_assert_cmpstr (utc, ==, "Tue, 14 May 2002 06:15:00 +0000");
  g_assert_cmpstr (msk, ==, "Tue, 14 May 2002 10:15:00 +0400");
  g_assert_cmpstr (west, ==, "Tue, 14 May 2002 03:45:00 -0230");

  g_autoptr (PochtaGenerator) g = pochta_generator_new (1, t);
  pochta_generator_set_utc_offset (g, 180);
  g_assert_cmpint (pochta_generator_get_utc_offset (g), ==, 180);
  g_autofree char *now = pochta_generator_format_date (g);
  g_assert_cmpstr (now, ==, "Tue, 14 May 2002 09:15:00 +0300");
  pochta_generator_set_time (g, t + G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC);
  g_assert_cmpint (pochta_generator_get_time (g), ==, t + G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC);
}

static void
test_dates_ignore_locale (void)
{
  /* Whatever the user's locale, the wire format stays English. */
  if (setlocale (LC_ALL, "ru_RU.UTF-8") == NULL)
    {
      g_test_skip ("ru_RU.UTF-8 locale not installed");
      return;
    }
  g_autofree char *d = pochta_format_rfc5322_date (0, 0);
  setlocale (LC_ALL, "C");
  g_assert_cmpstr (d, ==, "Thu, 1 Jan 1970 00:00:00 +0000");
}

/* Tokens are drawn as g_rand_int_range (rand, 0, 62) would draw them
 * from a GRand with the same seed: the transcripts of every release name
 * the same queue ids and Message-IDs. */
static void
test_token_matches_g_rand_int_range (void)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  for (guint32 seed = 1; seed <= 20; seed++)
    {
      g_autoptr (PochtaGenerator) generator = pochta_generator_new (seed, 0);
      g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
      g_autofree char *token = pochta_generator_token (generator, 5000);

      g_assert_cmpuint (strlen (token), ==, 5000);
      for (guint i = 0; i < 5000; i++)
        g_assert_cmpint (token[i], ==, alphabet[g_rand_int_range (rand, 0, 62)]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/generator/same-seed-same-sequence", test_same_seed_same_sequence);
  g_test_add_func ("/engine/generator/range", test_range);
  g_test_add_func ("/engine/generator/token-matches-g-rand-int-range",
                   test_token_matches_g_rand_int_range);
  g_test_add_func ("/engine/generator/dates", test_dates);
  g_test_add_func ("/engine/generator/dates-ignore-locale", test_dates_ignore_locale);
  return g_test_run ();
}
