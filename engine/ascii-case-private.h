/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hash tables keyed by domain names and logins, which compare without
 * regard to ASCII case (RFC 5321 §2.4; constr-org.md for logins), without
 * lower-casing a copy on every lookup. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline guint
pochta_ascii_case_hash (gconstpointer key)
{
  /* g_str_hash's djb2 over the lower-cased bytes. */
  guint32 h = 5381;
  for (const char *p = key; *p != '\0'; p++)
    h = (h << 5) + h + (guint32) g_ascii_tolower (*p);
  return h;
}

static inline gboolean
pochta_ascii_case_equal (gconstpointer a, gconstpointer b)
{
  return g_ascii_strcasecmp (a, b) == 0;
}

/* A table whose keys are owned strings compared without case. */
static inline GHashTable *
pochta_ascii_case_table_new (GDestroyNotify value_destroy)
{
  return g_hash_table_new_full (pochta_ascii_case_hash, pochta_ascii_case_equal, g_free,
                                value_destroy);
}

G_END_DECLS
