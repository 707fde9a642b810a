/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reply-code knowledge base: loads the key files of data/kb/ from the
 * GResource, checks every group, and finds the entry for a code, a query
 * or a line of a transcript. */
#define G_LOG_DOMAIN "pochta-knowledge"
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "knowledge.h"
#include "pochta-resources.h"

/* The resource folder the merged knowledge-base files are compiled into
 * (data/pochta.gresource.xml). */
#define BUILTIN_PREFIX "/io/github/pochta/Pochta/kb/"
#define BUILTIN_SUFFIX ".kb"

#define LABELS_GROUP "Labels"

/* The keys of an entry; the first four are translated. */
static const char *const entry_keys[] = { "Title", "Meaning", "Cause", "Next", "Rfc" };
#define N_TRANSLATED_KEYS 4
/* The keys of [Labels]: the words that introduce Cause and Next. */
static const char *const label_keys[] = { "Cause", "Next" };

typedef struct
{
  PochtaKnowledgeEntry pub;
  char *texts[G_N_ELEMENTS (entry_keys)];
  char *key;
  char *language;
} Entry;

struct _PochtaKnowledge
{
  char *language;        /* NULL: the user's languages */
  GPtrArray *entries;    /* of Entry*, in the order they were added */
  GHashTable *index;     /* upper-case key -> Entry* (borrowed) */
  char *labels[G_N_ELEMENTS (label_keys)];
};

struct _PochtaKnowledgeExplainer
{
  PochtaKnowledge *knowledge;
  PochtaTranscript *transcript;
  GHashTable *texts;     /* "entry key\nstatus key" -> the line */
};

G_DEFINE_QUARK (pochta-knowledge-error-quark, pochta_knowledge_error)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  for (guint i = 0; i < G_N_ELEMENTS (entry->texts); i++)
    g_free (entry->texts[i]);
  g_free (entry->key);
  g_free (entry->language);
  g_free (entry);
}

PochtaKnowledge *
pochta_knowledge_new (const char *language)
{
  PochtaKnowledge *self = g_new0 (PochtaKnowledge, 1);

  self->language = g_strdup (language);
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
pochta_knowledge_free (PochtaKnowledge *self)
{
  g_return_if_fail (self != NULL);

  g_hash_table_unref (self->index);
  g_ptr_array_unref (self->entries);
  for (guint i = 0; i < G_N_ELEMENTS (self->labels); i++)
    g_free (self->labels[i]);
  g_free (self->language);
  g_free (self);
}

/* ---- group names ---- */

/* RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39. */
static gboolean
is_reply_code (const char *word)
{
  return strlen (word) == 3 && word[0] >= '2' && word[0] <= '5' && word[1] >= '0' && word[1] <= '5'
         && g_ascii_isdigit (word[2]);
}

static gboolean
is_digits (const char *text, gsize min, gsize max)
{
  gsize n = strlen (text);

  if (n < min || n > max)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

/* RFC 3463 §2: class "." subject "." detail; class 2, 4 or 5, subject
 * and detail 1*3digit. */
static gboolean
is_status_code (const char *word)
{
  g_auto (GStrv) parts = g_strsplit (word, ".", -1);

  return g_strv_length (parts) == 3 && (strcmp (parts[0], "2") == 0 || strcmp (parts[0], "4") == 0
                                        || strcmp (parts[0], "5") == 0)
         && is_digits (parts[1], 1, 3) && is_digits (parts[2], 1, 3);
}

/* A command verb or SASL mechanism (upper-case letters, digits, '-'), or
 * with '/' a POP3 response code (RFC 2449 §8: resp-level *("/" resp-level)). */
static gboolean
is_upper_word (const char *word, gboolean allow_slash)
{
  if (*word == '\0')
    return FALSE;
  for (const char *p = word; *p != '\0'; p++)
    if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p) && *p != '-' && !(allow_slash && *p == '/'))
      return FALSE;
  return TRUE;
}

/* The forms of knowledge.h's list, written exactly: single spaces,
 * verbs, mechanisms and codes in upper case. */
static gboolean
is_entry_name (const char *group)
{
  g_auto (GStrv) words = g_strsplit (group, " ", -1);
  guint n = g_strv_length (words);

  if (n < 2 || n > 3)
    return FALSE;
  const char *kind = words[0];
  const char *what = words[1];
  const char *detail = words[2];

  if (strcmp (kind, "Reply") == 0)
    return is_reply_code (what) && (detail == NULL || is_upper_word (detail, FALSE));
  if (strcmp (kind, "Status") == 0)
    return detail == NULL && is_status_code (what);
  if (strcmp (kind, "POP3") == 0)
    {
      if (strcmp (what, "+OK") == 0)
        return detail == NULL || is_upper_word (detail, FALSE);
      return strcmp (what, "-ERR") == 0 && (detail == NULL || is_upper_word (detail, TRUE));
    }
  if (strcmp (kind, "SASL") == 0)
    {
      if (strcmp (what, "334") == 0 || strcmp (what, "+") == 0)
        return detail == NULL || is_upper_word (detail, FALSE);
      return detail == NULL && (strcmp (what, "*") == 0 || strcmp (what, "response") == 0);
    }
  return FALSE;
}

/* ---- loading ---- */

/* "Title[ru]" -> is "Title" one of keys? */
static gboolean
is_allowed_key (const char *key, const char *const *keys, gsize n_keys)
{
  gsize base = strcspn (key, "[");

  for (gsize i = 0; i < n_keys; i++)
    if (strlen (keys[i]) == base && strncmp (key, keys[i], base) == 0)
      return TRUE;
  return FALSE;
}

/* Every key of group is one of keys (or a translation of one), and each
 * of keys is there with a value. */
static gboolean
check_keys (GKeyFile *file, const char *name, const char *group, const char *const *keys, gsize n_keys,
            GError **error)
{
  g_auto (GStrv) present = g_key_file_get_keys (file, group, NULL, NULL);

  for (guint i = 0; present != NULL && present[i] != NULL; i++)
    if (!is_allowed_key (present[i], keys, n_keys))
      {
        g_set_error (error, POCHTA_KNOWLEDGE_ERROR, POCHTA_KNOWLEDGE_ERROR_INVALID,
                     "%s: [%s]: unknown key %s", name, group, present[i]);
        return FALSE;
      }
  for (gsize i = 0; i < n_keys; i++)
    {
      g_autofree char *value = g_key_file_get_string (file, group, keys[i], NULL);
      if (value == NULL || g_strstrip (value)[0] == '\0')
        {
          g_set_error (error, POCHTA_KNOWLEDGE_ERROR, POCHTA_KNOWLEDGE_ERROR_INVALID,
                       "%s: [%s]: %s is missing or empty", name, group, keys[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* The text of key in the knowledge base's language, or the original when
 * it has no translation there; *out_locale is the locale it came from, or
 * NULL for the original. */
static char *
localized (PochtaKnowledge *self, GKeyFile *file, const char *group, const char *key, char **out_locale)
{
  char *text = g_key_file_get_locale_string (file, group, key, self->language, NULL);

  if (out_locale != NULL)
    *out_locale = g_key_file_get_locale_for_key (file, group, key, self->language);
  return text;
}

static Entry *
entry_new (PochtaKnowledge *self, GKeyFile *file, const char *group)
{
  Entry *entry = g_new0 (Entry, 1);
  gboolean translated = TRUE;

  entry->key = g_strdup (group);
  for (guint i = 0; i < G_N_ELEMENTS (entry_keys); i++)
    {
      g_autofree char *locale = NULL;
      gboolean translatable = i < N_TRANSLATED_KEYS;

      entry->texts[i] = translatable ? localized (self, file, group, entry_keys[i], &locale)
                                     : g_key_file_get_string (file, group, entry_keys[i], NULL);
      g_strstrip (entry->texts[i]);
      if (!translatable)
        continue;
      if (locale == NULL)
        translated = FALSE;
      else if (entry->language == NULL)
        entry->language = g_steal_pointer (&locale);
    }
  if (!translated)
    g_clear_pointer (&entry->language, g_free);

  entry->pub.key = entry->key;
  entry->pub.title = entry->texts[0];
  entry->pub.meaning = entry->texts[1];
  entry->pub.cause = entry->texts[2];
  entry->pub.next = entry->texts[3];
  entry->pub.rfc = entry->texts[4];
  entry->pub.language = entry->language;
  return entry;
}

static gboolean
load_labels (PochtaKnowledge *self, GKeyFile *file, const char *name, char **out_labels, GError **error)
{
  if (!check_keys (file, name, LABELS_GROUP, label_keys, G_N_ELEMENTS (label_keys), error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (label_keys); i++)
    out_labels[i] = g_strstrip (localized (self, file, LABELS_GROUP, label_keys[i], NULL));
  return TRUE;
}

static void
clear_labels (char **labels)
{
  for (guint i = 0; i < G_N_ELEMENTS (label_keys); i++)
    g_clear_pointer (&labels[i], g_free);
}

gboolean
pochta_knowledge_add_data (PochtaKnowledge *self,
                           const char      *name,
                           const char      *data,
                           gsize            length,
                           GError         **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) parse_error = NULL;
  char *labels[G_N_ELEMENTS (label_keys)] = { NULL };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Without KEEP_TRANSLATIONS GKeyFile drops every translation but those
   * of the process's own languages while it parses. */
  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_KEEP_TRANSLATIONS, &parse_error))
    {
      g_set_error (error, POCHTA_KNOWLEDGE_ERROR, POCHTA_KNOWLEDGE_ERROR_PARSE, "%s: %s", name,
                   parse_error->message);
      return FALSE;
    }

  g_auto (GStrv) groups = g_key_file_get_groups (file, NULL);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (entry_free);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];

      if (strcmp (group, LABELS_GROUP) == 0)
        {
          clear_labels (labels);
          if (!load_labels (self, file, name, labels, error))
            goto failed;
          continue;
        }
      if (!is_entry_name (group))
        {
          g_set_error (error, POCHTA_KNOWLEDGE_ERROR, POCHTA_KNOWLEDGE_ERROR_INVALID,
                       "%s: [%s]: not a knowledge-base entry (Reply NNN [VERB], Status C.S.D, "
                       "POP3 +OK [VERB], POP3 -ERR [CODE], SASL 334|+|*|response)", name, group);
          goto failed;
        }
      g_autofree char *upper = g_ascii_strup (group, -1);
      if (g_hash_table_contains (self->index, upper))
        {
          g_set_error (error, POCHTA_KNOWLEDGE_ERROR, POCHTA_KNOWLEDGE_ERROR_INVALID,
                       "%s: [%s]: the entry is already in the knowledge base", name, group);
          goto failed;
        }
      if (!check_keys (file, name, group, entry_keys, G_N_ELEMENTS (entry_keys), error))
        goto failed;
      g_ptr_array_add (added, entry_new (self, file, group));
    }

  for (guint i = 0; i < added->len; i++)
    {
      Entry *entry = g_ptr_array_index (added, i);
      g_hash_table_insert (self->index, g_ascii_strup (entry->key, -1), entry);
    }
  g_ptr_array_extend_and_steal (self->entries, g_steal_pointer (&added));
  for (guint i = 0; i < G_N_ELEMENTS (label_keys); i++)
    if (labels[i] != NULL)
      {
        g_free (self->labels[i]);
        self->labels[i] = labels[i];
      }
  return TRUE;

failed:
  clear_labels (labels);
  return FALSE;
}

/* Naming the resource keeps its object file, and with it the constructor
 * that registers it, in a static link. */
static void
ensure_resources (void)
{
  (void) pochta_get_resource ();
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

PochtaKnowledge *
pochta_knowledge_load_builtin (const char *language, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  ensure_resources ();

  g_autoptr (PochtaKnowledge) self = pochta_knowledge_new (language);
  g_auto (GStrv) names = g_resources_enumerate_children (BUILTIN_PREFIX, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  guint n_names = names != NULL ? g_strv_length (names) : 0;

  /* A fixed order, so that a duplicate is always reported in the same file. */
  if (n_names > 0)
    qsort (names, n_names, sizeof (char *), compare_names);
  for (guint i = 0; i < n_names; i++)
    {
      if (!g_str_has_suffix (names[i], BUILTIN_SUFFIX))
        continue;
      g_autofree char *path = g_strconcat (BUILTIN_PREFIX, names[i], NULL);
      g_autoptr (GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
      if (bytes == NULL)
        return NULL;
      gsize length;
      const char *data = g_bytes_get_data (bytes, &length);
      if (!pochta_knowledge_add_data (self, names[i], data, length, error))
        return NULL;
    }
  return g_steal_pointer (&self);
}

/* ---- lookups ---- */

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const PochtaKnowledgeEntry *entry_a = *(const PochtaKnowledgeEntry *const *) a;
  const PochtaKnowledgeEntry *entry_b = *(const PochtaKnowledgeEntry *const *) b;

  return strcmp (entry_a->key, entry_b->key);
}

GPtrArray *
pochta_knowledge_list (PochtaKnowledge *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  GPtrArray *list = g_ptr_array_sized_new (self->entries->len);
  for (guint i = 0; i < self->entries->len; i++)
    g_ptr_array_add (list, &((Entry *) g_ptr_array_index (self->entries, i))->pub);
  g_ptr_array_sort (list, compare_entries);
  return list;
}

const PochtaKnowledgeEntry *
pochta_knowledge_get (PochtaKnowledge *self, const char *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  g_autofree char *upper = g_ascii_strup (key, -1);
  Entry *entry = g_hash_table_lookup (self->index, upper);
  return entry != NULL ? &entry->pub : NULL;
}

/* [kind what detail], else [kind what] when detail is NULL or has no entry. */
static const PochtaKnowledgeEntry *
get_detailed (PochtaKnowledge *self, const char *kind, const char *what, const char *detail)
{
  if (detail != NULL && *detail != '\0')
    {
      g_autofree char *key = g_strdup_printf ("%s %s %s", kind, what, detail);
      const PochtaKnowledgeEntry *entry = pochta_knowledge_get (self, key);
      if (entry != NULL)
        return entry;
    }
  g_autofree char *key = g_strdup_printf ("%s %s", kind, what);
  return pochta_knowledge_get (self, key);
}

const PochtaKnowledgeEntry *
pochta_knowledge_lookup_sasl (PochtaKnowledge *self, const char *step, const char *mechanism)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (step != NULL, NULL);

  return get_detailed (self, "SASL", step, mechanism);
}

const PochtaKnowledgeEntry *
pochta_knowledge_lookup_reply (PochtaKnowledge *self, guint code, const char *verb)
{
  g_return_val_if_fail (self != NULL, NULL);

  /* RFC 4954 §4: 334 is not a reply to the command but a step of the
   * exchange it started. */
  if (code == 334)
    return pochta_knowledge_lookup_sasl (self, "334", NULL);
  g_autofree char *text = g_strdup_printf ("%u", code);
  return get_detailed (self, "Reply", text, verb);
}

const PochtaKnowledgeEntry *
pochta_knowledge_lookup_status (PochtaKnowledge *self, const char *status)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (status != NULL, NULL);

  g_autofree char *key = g_strconcat ("Status ", status, NULL);
  return pochta_knowledge_get (self, key);
}

/* RFC 2449 §8: a response code is hierarchical ("SYS/TEMP"); a client
 * that does not know a level may treat it as its parent. */
static const PochtaKnowledgeEntry *
lookup_response_code (PochtaKnowledge *self, const char *code)
{
  g_autofree char *level = g_strdup (code);

  while (*level != '\0')
    {
      g_autofree char *key = g_strconcat ("POP3 -ERR ", level, NULL);
      const PochtaKnowledgeEntry *entry = pochta_knowledge_get (self, key);
      if (entry != NULL)
        return entry;
      char *slash = strrchr (level, '/');
      if (slash == NULL)
        break;
      *slash = '\0';
    }
  return NULL;
}

const PochtaKnowledgeEntry *
pochta_knowledge_lookup_pop3 (PochtaKnowledge *self, gboolean ok, const char *code, const char *verb)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (ok)
    return get_detailed (self, "POP3", "+OK", verb);
  if (code != NULL && *code != '\0')
    {
      const PochtaKnowledgeEntry *entry = lookup_response_code (self, code);
      if (entry != NULL)
        return entry;
    }
  return pochta_knowledge_get (self, "POP3 -ERR");
}

/* "[IN-USE]" -> "IN-USE"; NULL when word is not a bracketed code. */
static char *
strip_brackets (const char *word)
{
  gsize n = strlen (word);

  if (n < 3 || word[0] != '[' || word[n - 1] != ']')
    return NULL;
  return g_strndup (word + 1, n - 2);
}

static const PochtaKnowledgeEntry *
lookup_pop3_query (PochtaKnowledge *self, const char *status, const char *detail)
{
  if (strcmp (status, "+OK") == 0)
    return pochta_knowledge_lookup_pop3 (self, TRUE, NULL, detail);
  if (detail == NULL)
    return pochta_knowledge_lookup_pop3 (self, FALSE, NULL, NULL);

  g_autofree char *bracketed = strip_brackets (detail);
  const char *code = bracketed != NULL ? bracketed : detail;
  return is_upper_word (code, TRUE) ? lookup_response_code (self, code) : NULL;
}

const PochtaKnowledgeEntry *
pochta_knowledge_lookup (PochtaKnowledge *self, const char *query)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (query != NULL, NULL);

  g_autofree char *upper = g_ascii_strup (query, -1);
  g_auto (GStrv) words = g_strsplit_set (upper, " \t", -1);
  const char *parts[4] = { NULL };
  guint n = 0;
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (n == 3)
        return NULL;
      parts[n++] = words[i];
    }
  if (n == 0)
    return NULL;

  g_autofree char *joined = g_strjoinv (" ", (char **) parts);
  const PochtaKnowledgeEntry *exact = pochta_knowledge_get (self, joined);
  if (exact != NULL || n == 3)
    return exact;

  const char *first = parts[0];
  const char *second = parts[1];
  if (is_reply_code (first))
    {
      if (second != NULL && !is_upper_word (second, FALSE))
        return NULL;
      guint code = (guint) g_ascii_strtoull (first, NULL, 10);
      return code == 334 ? pochta_knowledge_lookup_sasl (self, "334", second)
                         : pochta_knowledge_lookup_reply (self, code, second);
    }
  if (is_status_code (first))
    return second == NULL ? pochta_knowledge_lookup_status (self, first) : NULL;
  if (strcmp (first, "+OK") == 0 || strcmp (first, "-ERR") == 0)
    return lookup_pop3_query (self, first, second);
  if (second == NULL)
    {
      g_autofree char *code = strip_brackets (first);
      if (code != NULL)
        return is_upper_word (code, TRUE) ? lookup_response_code (self, code) : NULL;
    }
  if (strcmp (first, "+") == 0 || (strcmp (first, "*") == 0 && second == NULL))
    return pochta_knowledge_lookup_sasl (self, first, second);
  return NULL;
}

char *
pochta_knowledge_format_query (const PochtaKnowledgeEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);

  /* "SASL response" has no shorter form: "response" alone could be
   * anything. */
  if (g_ascii_strcasecmp (entry->key, "SASL response") == 0)
    return g_strdup (entry->key);
  const char *rest = strchr (entry->key, ' ');
  g_assert (rest != NULL);
  rest++;
  /* RFC 2449 §8 writes response codes in brackets. */
  if (g_str_has_prefix (rest, "-ERR "))
    return g_strdup_printf ("-ERR [%s]", rest + strlen ("-ERR "));
  return g_strdup (rest);
}

/* ---- transcripts ---- */

/* The second word of an AUTH command: the mechanism. */
static char *
auth_mechanism (const PochtaTranscriptItem *command)
{
  if (command == NULL || g_strcmp0 (command->verb, "AUTH") != 0)
    return NULL;
  const char *text = command->text;
  const char *end = text + command->length;
  const char *start = memchr (text, ' ', command->length);
  if (start == NULL)
    return NULL;
  start++;
  const char *stop = start;
  while (stop < end && *stop != ' ')
    stop++;
  return stop > start ? g_ascii_strup (start, stop - start) : NULL;
}

static const PochtaKnowledgeEntry *
explain_client_line (PochtaKnowledge *self, const PochtaTranscriptItem *item, const PochtaTranscriptItem *command)
{
  /* A client line without a verb, outside the data, right after AUTH is
   * an answer to a challenge (RFC 4954 §4, RFC 5034 §4). */
  if (item->verb != NULL || command == NULL || g_strcmp0 (command->verb, "AUTH") != 0)
    return NULL;
  if (item->length == 1 && item->text[0] == '*')
    return pochta_knowledge_lookup_sasl (self, "*", NULL);
  g_autofree char *mechanism = auth_mechanism (command);
  return pochta_knowledge_lookup_sasl (self, "response", mechanism);
}

const PochtaKnowledgeEntry *
pochta_knowledge_explain_item (PochtaKnowledge            *self,
                               const PochtaTranscriptItem *item,
                               const PochtaTranscriptItem *command)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (item != NULL, NULL);

  if (item->kind != POCHTA_ITEM_LINE || item->in_data)
    return NULL;
  if (item->direction == POCHTA_DIRECTION_CLIENT)
    return explain_client_line (self, item, command);

  /* RFC 5321 §4.3.2 calls the opening of the connection CONNECT: what
   * the server says before any command is its greeting. */
  const char *verb = command != NULL && command->verb != NULL ? command->verb : "CONNECT";
  g_autofree char *mechanism = auth_mechanism (command);
  if (item->code == 334)
    return pochta_knowledge_lookup_sasl (self, "334", mechanism);
  if (item->code != 0)
    return pochta_knowledge_lookup_reply (self, item->code, verb);

  switch (item->reply_class)
    {
    case POCHTA_REPLY_POSITIVE:
      return pochta_knowledge_lookup_pop3 (self, TRUE, item->status, verb);
    case POCHTA_REPLY_PERMANENT:
      return pochta_knowledge_lookup_pop3 (self, FALSE, item->status, verb);
    case POCHTA_REPLY_INTERMEDIATE:
      return pochta_knowledge_lookup_sasl (self, "+", mechanism);
    case POCHTA_REPLY_NONE:
    case POCHTA_REPLY_TRANSIENT:
    default:
      return NULL;
    }
}

static void
append_labelled (GString *line, const char *label, const char *text)
{
  g_string_append_c (line, ' ');
  if (label != NULL)
    g_string_append_printf (line, "%s: ", label);
  g_string_append (line, text);
}

/* title (status: its title). meaning cause next (rfc) */
static char *
format_line (PochtaKnowledge *self, const PochtaKnowledgeEntry *entry, const char *status,
             const PochtaKnowledgeEntry *status_entry)
{
  GString *line = g_string_new (entry->title);

  if (status_entry != NULL)
    g_string_append_printf (line, " (%s: %s)", status, status_entry->title);
  g_string_append (line, ".");
  append_labelled (line, NULL, entry->meaning);
  append_labelled (line, self->labels[0], entry->cause);
  append_labelled (line, self->labels[1], entry->next);
  g_string_append_printf (line, " (%s)", entry->rfc);
  return g_string_free (line, FALSE);
}

char *
pochta_knowledge_format_line (PochtaKnowledge *self, const PochtaKnowledgeEntry *entry)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (entry != NULL, NULL);

  return format_line (self, entry, NULL, NULL);
}

PochtaKnowledgeExplainer *
pochta_knowledge_explainer_new (PochtaKnowledge *knowledge, PochtaTranscript *transcript)
{
  g_return_val_if_fail (knowledge != NULL, NULL);
  g_return_val_if_fail (transcript != NULL, NULL);

  PochtaKnowledgeExplainer *self = g_new0 (PochtaKnowledgeExplainer, 1);
  self->knowledge = knowledge;
  self->transcript = transcript;
  self->texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
pochta_knowledge_explainer_free (PochtaKnowledgeExplainer *self)
{
  g_return_if_fail (self != NULL);

  g_hash_table_unref (self->texts);
  g_free (self);
}

/* The line of the same connection recorded just before item, or NULL. */
static const PochtaTranscriptItem *
previous_line (PochtaKnowledgeExplainer *self, const PochtaTranscriptItem *item, gboolean with_verb)
{
  for (guint i = item->index; i > 0; i--)
    {
      const PochtaTranscriptItem *other = pochta_transcript_get_item (self->transcript, i - 1);
      if (other->kind != POCHTA_ITEM_LINE || other->connection != item->connection)
        continue;
      if (!with_verb)
        return other;
      if (other->direction == POCHTA_DIRECTION_CLIENT && other->verb != NULL)
        return other;
    }
  return NULL;
}

/* RFC 5321 §4.2.1: every line but the last of a multi-line reply is
 * "code-"; the reply is explained once, on its first line. */
static gboolean
continues_reply (PochtaKnowledgeExplainer *self, const PochtaTranscriptItem *item)
{
  const PochtaTranscriptItem *before = previous_line (self, item, FALSE);

  return item->code != 0 && before != NULL && before->direction == POCHTA_DIRECTION_SERVER
         && before->code == item->code && before->length >= 4 && before->text[3] == '-';
}

const char *
pochta_knowledge_explainer_explain (const PochtaTranscriptItem *item, gpointer explainer)
{
  PochtaKnowledgeExplainer *self = explainer;

  g_return_val_if_fail (item != NULL, NULL);
  g_return_val_if_fail (self != NULL, NULL);

  if (item->kind != POCHTA_ITEM_LINE || item->in_data || continues_reply (self, item))
    return NULL;
  const PochtaTranscriptItem *command = previous_line (self, item, TRUE);
  const PochtaKnowledgeEntry *entry = pochta_knowledge_explain_item (self->knowledge, item, command);
  if (entry == NULL)
    return NULL;

  const char *status = item->code != 0 ? item->status : NULL;
  const PochtaKnowledgeEntry *status_entry =
    status != NULL ? pochta_knowledge_lookup_status (self->knowledge, status) : NULL;
  g_autofree char *cache_key = g_strconcat (entry->key, "\n", status_entry != NULL ? status : "", NULL);
  const char *text = g_hash_table_lookup (self->texts, cache_key);
  if (text != NULL)
    return text;

  char *line = format_line (self->knowledge, entry, status, status_entry);
  g_hash_table_insert (self->texts, g_steal_pointer (&cache_key), line);
  return line;
}
