/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The source of everything a session would otherwise take from the world:
 * random numbers (challenges, nonces, ids) and the time.  Sessions never
 * read the real clock or an unseeded RNG, so the same input and the same
 * generator give the same bytes (DESIGN.md §2.2). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PochtaGenerator PochtaGenerator;

/* A generator whose random sequence depends only on seed and whose clock
 * stands at start_unix_usec until set_time () moves it. */
PochtaGenerator *pochta_generator_new (guint32 seed, gint64 start_unix_usec);
void pochta_generator_free (PochtaGenerator *self);

guint32 pochta_generator_next (PochtaGenerator *self);

/* A number in [begin, end). */
guint32 pochta_generator_range (PochtaGenerator *self, guint32 begin, guint32 end);

/* n_chars characters from [A-Za-z0-9]: nonces, queue ids. */
char *pochta_generator_token (PochtaGenerator *self, gsize n_chars);

/* Virtual time, microseconds since the Unix epoch. */
gint64 pochta_generator_get_time (PochtaGenerator *self);
void pochta_generator_set_time (PochtaGenerator *self, gint64 unix_usec);

/* The zone shown in Date: and Received: (minutes east of UTC; the
 * thesis' Moscow is +180).  Default 0. */
int pochta_generator_get_utc_offset (PochtaGenerator *self);
void pochta_generator_set_utc_offset (PochtaGenerator *self, int minutes);

/* RFC 5322 §3.3 date-time of the current virtual time in the set zone,
 * always in English ("Tue, 14 May 2002 10:15:00 +0400") whatever the
 * locale, because it goes on the wire. */
char *pochta_generator_format_date (PochtaGenerator *self);
char *pochta_format_rfc5322_date (gint64 unix_usec, int utc_offset_minutes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaGenerator, pochta_generator_free)

G_END_DECLS
