/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hash tables keyed by domain names and logins, which compare without
 * regard to ASCII case (RFC 5321 §2.4; constr-org.md for logins), without
 * lower-casing a copy on every lookup. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ASCII lower case in line: g_ascii_tolower () is a call per byte, and
 * every host, mailbox and login lookup passes here. */
static inline guchar
pochta_ascii_lower (guchar c)
{
  return c >= 'A' && c <= 'Z' ? (guchar) (c + ('a' - 'A')) : c;
}

static inline guint
pochta_ascii_case_hash (gconstpointer key)
{
  /* g_str_hash's djb2 over the lower-cased bytes. */
  guint32 h = 5381;
  for (const guchar *p = key; *p != '\0'; p++)
    h = (h << 5) + h + pochta_ascii_lower (*p);
  return h;
}

static inline gboolean
pochta_ascii_case_equal (gconstpointer a, gconstpointer b)
{
  const guchar *x = a, *y = b;
  for (; *x != '\0'; x++, y++)
    if (*x != *y && pochta_ascii_lower (*x) != pochta_ascii_lower (*y))
      return FALSE;
  return *y == '\0';
}

/* A table whose keys are owned strings compared without case. */
static inline GHashTable *
pochta_ascii_case_table_new (GDestroyNotify value_destroy)
{
  return g_hash_table_new_full (pochta_ascii_case_hash, pochta_ascii_case_equal, g_free,
                                value_destroy);
}

G_END_DECLS
