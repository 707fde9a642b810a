/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reads GKeyFile-syntax files line by line, keeping where each group and
 * key is, for loaders that explain their errors with file:line. */
#define G_LOG_DOMAIN "pochta-keyfile"
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "keyfile-lines.h"

G_DEFINE_QUARK (pochta-keyfile-error-quark, pochta_keyfile_error)

struct _PochtaKeyfileLines
{
  char *filename;
  GPtrArray *groups;        /* of PochtaKeyfileGroup*, file order */
  GHashTable *by_name;      /* group name -> PochtaKeyfileGroup* (borrowed) */
};

static void
entry_free (gpointer data)
{
  PochtaKeyfileEntry *entry = data;
  g_free (entry->key);
  g_free (entry->locale);
  g_free (entry->value);
  g_free (entry);
}

static void
group_free (gpointer data)
{
  PochtaKeyfileGroup *group = data;
  g_free (group->name);
  g_ptr_array_unref (group->entries);
  g_free (group);
}

void
pochta_keyfile_lines_free (PochtaKeyfileLines *self)
{
  if (self == NULL)
    return;
  g_free (self->filename);
  g_hash_table_unref (self->by_name);
  g_ptr_array_unref (self->groups);
  g_free (self);
}

static gboolean G_GNUC_PRINTF (5, 6)
fail (PochtaKeyfileLines *self, guint line, GError **error, PochtaKeyfileError code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, POCHTA_KEYFILE_ERROR, code, "%s:%u: %s", self->filename, line, message);
  return FALSE;
}

static gboolean
is_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '-';
}

static gboolean
is_locale_char (char c)
{
  /* Desktop Entry §5: lang_COUNTRY.ENCODING@MODIFIER. */
  return g_ascii_isalnum (c) || c == '_' || c == '-' || c == '.' || c == '@';
}

/* Splits "Key" or "Key[locale]" into its parts; FALSE when it is neither. */
static gboolean
split_key (const char *text, char **out_key, char **out_locale)
{
  const char *k = text;
  while (is_key_char (*k))
    k++;
  if (k == text)
    return FALSE;
  if (*k == '\0')
    {
      *out_key = g_strdup (text);
      *out_locale = NULL;
      return TRUE;
    }
  gsize len = strlen (k);
  if (*k != '[' || len < 3 || k[len - 1] != ']')
    return FALSE;
  for (const char *l = k + 1; l < k + len - 1; l++)
    if (!is_locale_char (*l))
      return FALSE;
  *out_key = g_strndup (text, (gsize) (k - text));
  *out_locale = g_strndup (k + 1, len - 2);
  return TRUE;
}

static gboolean
scan_group_header (PochtaKeyfileLines *self, const char *start, guint number, PochtaKeyfileGroup **out_group,
                   GError **error)
{
  const char *close = strchr (start, ']');
  if (close == NULL || close[1] != '\0' || close == start + 1)
    return fail (self, number, error, POCHTA_KEYFILE_ERROR_SYNTAX, "a group header must look like [Kind name]");
  g_autofree char *name = g_strndup (start + 1, (gsize) (close - start - 1));
  PochtaKeyfileGroup *earlier = g_hash_table_lookup (self->by_name, name);
  if (earlier != NULL)
    return fail (self, number, error, POCHTA_KEYFILE_ERROR_DUPLICATE, "[%s] is given twice (first on line %u)",
                 name, earlier->line);

  PochtaKeyfileGroup *group = g_new0 (PochtaKeyfileGroup, 1);
  group->name = g_steal_pointer (&name);
  group->line = number;
  group->entries = g_ptr_array_new_with_free_func (entry_free);
  g_ptr_array_add (self->groups, group);
  g_hash_table_insert (self->by_name, group->name, group);
  *out_group = group;
  return TRUE;
}

static gboolean
scan_entry (PochtaKeyfileLines *self, PochtaKeyfileGroup *group, const char *start, guint number,
            const char *const *repeatable_keys, GError **error)
{
  const char *eq = strchr (start, '=');
  if (eq == NULL)
    return fail (self, number, error, POCHTA_KEYFILE_ERROR_SYNTAX, "expected Key=value, a [group] or a # comment");
  if (group == NULL)
    return fail (self, number, error, POCHTA_KEYFILE_ERROR_SYNTAX, "a key before the first [group]");

  g_autofree char *name = g_strstrip (g_strndup (start, (gsize) (eq - start)));
  g_autofree char *key = NULL;
  g_autofree char *locale = NULL;
  if (!split_key (name, &key, &locale))
    return fail (self, number, error, POCHTA_KEYFILE_ERROR_SYNTAX, "'%s' is not a valid key name", name);
  if ((repeatable_keys == NULL || !g_strv_contains (repeatable_keys, key))
      && pochta_keyfile_group_find (group, key, locale) != NULL)
    return fail (self, number, error, POCHTA_KEYFILE_ERROR_DUPLICATE, "key '%s' is given twice in this group", name);

  const char *value = eq + 1;
  while (*value == ' ' || *value == '\t')
    value++;
  PochtaKeyfileEntry *entry = g_new0 (PochtaKeyfileEntry, 1);
  entry->key = g_steal_pointer (&key);
  entry->locale = g_steal_pointer (&locale);
  entry->value = g_strdup (value);
  entry->line = number;
  g_ptr_array_add (group->entries, entry);
  return TRUE;
}

PochtaKeyfileLines *
pochta_keyfile_lines_scan (const char        *data,
                           gsize              len,
                           const char        *filename,
                           const char *const *repeatable_keys,
                           GError           **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr (PochtaKeyfileLines) self = g_new0 (PochtaKeyfileLines, 1);
  self->filename = g_strdup (filename != NULL ? filename : "(file)");
  self->groups = g_ptr_array_new_with_free_func (group_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  /* Text files hold no NUL; GKeyFile would stop reading at one. */
  const char *nul = len > 0 ? memchr (data, '\0', len) : NULL;
  if (nul != NULL)
    {
      guint number = 1;
      for (const char *c = data; c < nul; c++)
        number += *c == '\n';
      fail (self, number, error, POCHTA_KEYFILE_ERROR_SYNTAX, "a NUL byte is not allowed");
      return NULL;
    }
  g_autofree char *text = g_strndup (data != NULL ? data : "", len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  PochtaKeyfileGroup *group = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint number = i + 1;
      char *line = g_strchomp (lines[i]);   /* also drops a CR */
      const char *start = line;

      if (!g_utf8_validate (line, -1, NULL))
        {
          fail (self, number, error, POCHTA_KEYFILE_ERROR_SYNTAX, "not valid UTF-8");
          return NULL;
        }
      while (*start == ' ' || *start == '\t')
        start++;
      if (*start == '\0' || *start == '#')
        continue;
      gboolean ok = *start == '[' ? scan_group_header (self, start, number, &group, error)
                                  : scan_entry (self, group, start, number, repeatable_keys, error);
      if (!ok)
        return NULL;
    }
  return g_steal_pointer (&self);
}

const char *
pochta_keyfile_lines_get_filename (PochtaKeyfileLines *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->filename;
}

GPtrArray *
pochta_keyfile_lines_get_groups (PochtaKeyfileLines *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->groups;
}

const PochtaKeyfileGroup *
pochta_keyfile_lines_find_group (PochtaKeyfileLines *self, const char *name)
{
  g_return_val_if_fail (self != NULL && name != NULL, NULL);
  return g_hash_table_lookup (self->by_name, name);
}

guint
pochta_keyfile_lines_group_line (PochtaKeyfileLines *self, const char *group)
{
  g_return_val_if_fail (self != NULL && group != NULL, 1);

  const PochtaKeyfileGroup *found = g_hash_table_lookup (self->by_name, group);
  return found != NULL ? found->line : 1;
}

guint
pochta_keyfile_lines_key_line (PochtaKeyfileLines *self, const char *group, const char *key)
{
  g_return_val_if_fail (self != NULL && group != NULL && key != NULL, 1);

  const PochtaKeyfileGroup *found = g_hash_table_lookup (self->by_name, group);
  if (found == NULL)
    return 1;
  g_autofree char *name = NULL;
  g_autofree char *locale = NULL;
  if (!split_key (key, &name, &locale))
    return found->line;
  const PochtaKeyfileEntry *entry = pochta_keyfile_group_find (found, name, locale);
  return entry != NULL ? entry->line : found->line;
}

const PochtaKeyfileEntry *
pochta_keyfile_group_find (const PochtaKeyfileGroup *group, const char *key, const char *locale)
{
  g_return_val_if_fail (group != NULL && key != NULL, NULL);

  for (guint i = 0; i < group->entries->len; i++)
    {
      const PochtaKeyfileEntry *entry = g_ptr_array_index (group->entries, i);
      if (strcmp (entry->key, key) == 0 && g_strcmp0 (entry->locale, locale) == 0)
        return entry;
    }
  return NULL;
}

const PochtaKeyfileEntry *
pochta_keyfile_group_find_localized (const PochtaKeyfileGroup *group,
                                     const char               *key,
                                     const char *const        *languages)
{
  g_return_val_if_fail (group != NULL && key != NULL, NULL);

  for (guint i = 0; languages != NULL && languages[i] != NULL; i++)
    {
      /* "C" and "POSIX" mean the untranslated text. */
      if (strcmp (languages[i], "C") == 0 || strcmp (languages[i], "POSIX") == 0)
        break;
      const PochtaKeyfileEntry *entry = pochta_keyfile_group_find (group, key, languages[i]);
      if (entry != NULL)
        return entry;
    }
  return pochta_keyfile_group_find (group, key, NULL);
}

/* GKeyFile's escapes (GLib's gkeyfile.c, g_key_file_parse_value_as_string);
 * list_separator is ';' for an item of a list, where "\;" is literal. */
static char *
unescape_until (const char *value, char list_separator, const char **out_end, GError **error)
{
  GString *out = g_string_new (NULL);
  const char *p = value;

  for (; *p != '\0' && *p != list_separator; p++)
    {
      if (*p != '\\')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      switch (*p)
        {
        case 's': g_string_append_c (out, ' '); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case ';':
          if (list_separator == ';')
            {
              g_string_append_c (out, ';');
              break;
            }
          G_GNUC_FALLTHROUGH;
        default:
          if (*p == '\0')
            g_set_error_literal (error, POCHTA_KEYFILE_ERROR, POCHTA_KEYFILE_ERROR_SYNTAX,
                                 "a value cannot end in a lone backslash");
          else
            g_set_error (error, POCHTA_KEYFILE_ERROR, POCHTA_KEYFILE_ERROR_SYNTAX,
                         "invalid escape '\\%.*s' (known: \\s \\n \\t \\r \\\\%s)",
                         (int) (g_utf8_next_char (p) - p), p, list_separator == ';' ? " \\;" : "");
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  *out_end = p;
  return g_string_free (out, FALSE);
}

char *
pochta_keyfile_unescape (const char *value, GError **error)
{
  g_return_val_if_fail (value != NULL, NULL);

  const char *end;
  return unescape_until (value, '\0', &end, error);
}

GStrv
pochta_keyfile_unescape_list (const char *value, GError **error)
{
  g_return_val_if_fail (value != NULL, NULL);

  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  const char *p = value;
  while (*p != '\0')
    {
      const char *end;
      char *item = unescape_until (p, ';', &end, error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (items, item);
      p = *end == ';' ? end + 1 : end;
    }
  g_ptr_array_add (items, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&items), FALSE);
}
