/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The groups and keys of a file in GKeyFile (Desktop Entry) syntax with
 * the line each one sits on: GKeyFile forgets lines, and the network,
 * scenario and lesson loaders report "file:line: what is wrong". */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define POCHTA_KEYFILE_ERROR (pochta_keyfile_error_quark ())
GQuark pochta_keyfile_error_quark (void);

typedef enum
{
  POCHTA_KEYFILE_ERROR_SYNTAX,     /* a line that is not a group, Key=value or comment */
  POCHTA_KEYFILE_ERROR_DUPLICATE,  /* a group, or a key that may not repeat, given twice */
} PochtaKeyfileError;

typedef struct
{
  char *key;       /* "Explain", without any locale */
  char *locale;    /* "ru" for Explain[ru]=, NULL otherwise */
  char *value;     /* as written after '=', leading blanks dropped, escapes kept */
  guint line;
} PochtaKeyfileEntry;

typedef struct
{
  char *name;      /* "Step 04" */
  guint line;
  GPtrArray *entries;  /* of PochtaKeyfileEntry*, in file order */
} PochtaKeyfileGroup;

typedef struct _PochtaKeyfileLines PochtaKeyfileLines;

/* Checks the shape of every line: a [group], Key=value or Key[locale]=value
 * inside a group, a # comment or a blank line, in UTF-8.  A group given
 * twice is an error, and so is a key (with the same locale) given twice in
 * a group unless it is one of repeatable_keys (NULL: none), whose values
 * are then kept in order.  filename names the source in messages only. */
PochtaKeyfileLines *pochta_keyfile_lines_scan (const char        *data,
                                               gsize              len,
                                               const char        *filename,
                                               const char *const *repeatable_keys,
                                               GError           **error);
void pochta_keyfile_lines_free (PochtaKeyfileLines *self);

const char *pochta_keyfile_lines_get_filename (PochtaKeyfileLines *self);
/* Of PochtaKeyfileGroup*, in file order. */
GPtrArray *pochta_keyfile_lines_get_groups (PochtaKeyfileLines *self);
const PochtaKeyfileGroup *pochta_keyfile_lines_find_group (PochtaKeyfileLines *self, const char *name);

/* The line of a group, or 1 when there is no such group. */
guint pochta_keyfile_lines_group_line (PochtaKeyfileLines *self, const char *group);
/* The line of the first Key= (key may carry a locale, "Name[ru]") in group,
 * or the group's line when the key is absent. */
guint pochta_keyfile_lines_key_line (PochtaKeyfileLines *self, const char *group, const char *key);

/* The first entry of key with exactly this locale (NULL: the untranslated
 * one), or NULL. */
const PochtaKeyfileEntry *pochta_keyfile_group_find (const PochtaKeyfileGroup *group,
                                                     const char               *key,
                                                     const char               *locale);
/* The translation of key for the first of languages ("ru_RU.UTF-8",
 * "ru_RU", "ru", ... as g_get_language_names () gives them) that the group
 * has, else the untranslated entry; NULL when key is absent. */
const PochtaKeyfileEntry *pochta_keyfile_group_find_localized (const PochtaKeyfileGroup *group,
                                                               const char               *key,
                                                               const char *const        *languages);

/* A value with GKeyFile's escapes decoded (\s \n \t \r \\); NULL with
 * error for any other escape, as GKeyFile would refuse it. */
char *pochta_keyfile_unescape (const char *value, GError **error);
/* A ';'-separated list, each item unescaped ("\;" is a literal ';'); a
 * trailing ';' is allowed, as in Desktop Entry files. */
GStrv pochta_keyfile_unescape_list (const char *value, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaKeyfileLines, pochta_keyfile_lines_free)

G_END_DECLS
