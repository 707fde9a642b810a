/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Seeded randomness and virtual time for deterministic sessions. */
#define G_LOG_DOMAIN "pochta-generator"
#include "config.h"

#include "format.h"
#include "generator.h"

struct _PochtaGenerator
{
  GRand *rand;
  gint64 now_usec;
  int utc_offset_minutes;
  /* The last date formatted and the second and offset it was for: a
   * busy network stamps many Date: and Received: fields within one
   * second of virtual time. */
  char *date;
  gint64 date_second;
  int date_offset;
};

PochtaGenerator *
pochta_generator_new (guint32 seed, gint64 start_unix_usec)
{
  PochtaGenerator *self = g_new0 (PochtaGenerator, 1);
  self->rand = g_rand_new_with_seed (seed);
  self->now_usec = start_unix_usec;
  return self;
}

void
pochta_generator_free (PochtaGenerator *self)
{
  if (self == NULL)
    return;
  g_rand_free (self->rand);
  g_free (self->date);
  g_free (self);
}

guint32
pochta_generator_next (PochtaGenerator *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_rand_int (self->rand);
}

guint32
pochta_generator_range (PochtaGenerator *self, guint32 begin, guint32 end)
{
  g_return_val_if_fail (self != NULL, begin);
  g_return_val_if_fail (begin < end, begin);
  /* g_rand_int_range takes gint32; do the reduction ourselves so the full
   * guint32 range works. */
  return begin + (guint32) (g_rand_double (self->rand) * (double) (end - begin));
}

char *
pochta_generator_token (PochtaGenerator *self, gsize n_chars)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  g_return_val_if_fail (self != NULL, NULL);

  /* g_rand_int_range (rand, 0, 62) drawn in line, exactly as GLib draws
   * it since 2.2 (rejection above the last multiple of 62 below 2^32,
   * then the remainder): the same tokens, without two divisions and a
   * call a character, and whatever G_RANDOM_VERSION says. */
  const guint32 dist = sizeof alphabet - 1;
  const guint32 max_value = G_MAXUINT32 - (guint32) (G_GUINT64_CONSTANT (0x100000000) % dist);
  char *token = g_malloc (n_chars + 1);
  for (gsize i = 0; i < n_chars; i++)
    {
      guint32 random;
      do
        random = g_rand_int (self->rand);
      while (random > max_value);
      token[i] = alphabet[random % dist];
    }
  token[n_chars] = '\0';
  return token;
}

gint64
pochta_generator_get_time (PochtaGenerator *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->now_usec;
}

void
pochta_generator_set_time (PochtaGenerator *self, gint64 unix_usec)
{
  g_return_if_fail (self != NULL);
  self->now_usec = unix_usec;
}

int
pochta_generator_get_utc_offset (PochtaGenerator *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->utc_offset_minutes;
}

void
pochta_generator_set_utc_offset (PochtaGenerator *self, int minutes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (minutes > -24 * 60 && minutes < 24 * 60);
  self->utc_offset_minutes = minutes;
}

char *
pochta_generator_format_date (PochtaGenerator *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  gint64 second = self->now_usec / G_USEC_PER_SEC;
  if (self->date == NULL || second != self->date_second || self->utc_offset_minutes != self->date_offset)
    {
      g_free (self->date);
      self->date = pochta_format_rfc5322_date (self->now_usec, self->utc_offset_minutes);
      self->date_second = second;
      self->date_offset = self->utc_offset_minutes;
    }
  return g_strdup (self->date);
}

char *
pochta_format_rfc5322_date (gint64 unix_usec, int utc_offset_minutes)
{
  /* Day and month names are fixed English tokens in RFC 5322 §3.3, so they
   * must not come from strftime's locale. */
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_usec / G_USEC_PER_SEC);
  g_return_val_if_fail (utc != NULL, NULL);
  g_autoptr (GDateTime) local = g_date_time_add_minutes (utc, utc_offset_minutes);
  int offset = ABS (utc_offset_minutes);

  return pochta_strdup_printf ("%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
                               days[g_date_time_get_day_of_week (local) - 1],
                               g_date_time_get_day_of_month (local),
                               months[g_date_time_get_month (local) - 1],
                               g_date_time_get_year (local),
                               g_date_time_get_hour (local),
                               g_date_time_get_minute (local),
                               g_date_time_get_second (local),
                               utc_offset_minutes < 0 ? '-' : '+',
                               offset / 60, offset % 60);
}
