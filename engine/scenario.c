/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loads scenario and lesson files into a PochtaScenario, checking every
 * key, action and expectation against the file's network, with errors
 * that name the file and line. */
#define G_LOG_DOMAIN "pochta-scenario"
#include "config.h"

#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

#include "pochta-resources.h"
#include "scenario-private.h"

/* The resource folder the shipped lessons are compiled into. */
#define BUILTIN_PREFIX "/io/github/pochta/Pochta/lessons/"

/* A bound for Do=wait: a year of virtual time is more than any retry
 * schedule needs (RFC 5321 §4.5.4.1 gives up after 4-5 days). */
#define MAX_WAIT (G_GINT64_CONSTANT (366) * G_TIME_SPAN_DAY)

G_DEFINE_QUARK (pochta-scenario-error-quark, pochta_scenario_error)

struct _PochtaScenario
{
  gint ref_count;
  PochtaScenarioKind kind;
  char *filename;
  char *id;
  char *title;
  char *summary;
  char *level;
  char *network_name;       /* as written */
  char *network_builtin;    /* the built-in id, or NULL */
  GBytes *network_data;     /* else the .network file's contents */
  char *network_path;
  guint32 seed;
  gint64 start_time;
  int utc_offset;
  GStrv objectives;
  GStrv references;
  GPtrArray *steps;         /* of PochtaScenarioStep* */
};


static const char *const repeatable_keys[] = { "Do", "Send", "Respond", "Check", "Connection", NULL };
static const char *const header_keys[] = {
  "Id", "Title", "Summary", "Level", "Network", "Seed", "Start", "Objectives", "References", NULL
};
static const char *const header_translated[] = { "Title", "Summary", "Objectives", NULL };
static const char *const step_keys[] = {
  "Do", "Connection", "Send", "Respond", "Pipeline", "Expect", "Check",
  "Explain", "Quiz", "Choices", "Answer", "Accept", "Hint", NULL
};
static const char *const step_translated[] = { "Explain", "Quiz", "Choices", "Hint", NULL };
static const char *const quiz_keys[] = { "Quiz", "Choices", "Answer", "Accept", "Hint", NULL };
static const char *const levels[] = { "beginner", "intermediate", "advanced", NULL };

/* ---- model ---- */

static void
expect_free (PochtaScenarioExpect *e)
{
  if (e == NULL)
    return;
  g_free (e->text);
  g_clear_pointer (&e->regex, g_regex_unref);
  g_free (e);
}

static void
check_free (gpointer data)
{
  PochtaScenarioCheck *c = data;
  g_free (c->text);
  g_free (c->subject);
  g_clear_pointer (&c->regex, g_regex_unref);
  g_free (c);
}

static void
step_free (gpointer data)
{
  PochtaScenarioStep *s = data;
  g_free (s->name);
  g_ptr_array_unref (s->actions);
  expect_free (s->expect);
  g_ptr_array_unref (s->checks);
  g_free (s->explain);
  g_free (s->quiz);
  g_strfreev (s->choices);
  g_strfreev (s->choices_original);
  g_free (s->answer_text);
  g_clear_pointer (&s->accept, g_regex_unref);
  g_free (s->hint);
  g_free (s);
}

PochtaScenario *
pochta_scenario_ref (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
pochta_scenario_unref (PochtaScenario *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->filename);
  g_free (self->id);
  g_free (self->title);
  g_free (self->summary);
  g_free (self->level);
  g_free (self->network_name);
  g_free (self->network_builtin);
  g_clear_pointer (&self->network_data, g_bytes_unref);
  g_free (self->network_path);
  g_strfreev (self->objectives);
  g_strfreev (self->references);
  g_ptr_array_unref (self->steps);
  g_free (self);
}

static PochtaScenario *
scenario_new (const char *filename)
{
  PochtaScenario *self = g_new0 (PochtaScenario, 1);
  self->ref_count = 1;
  self->filename = g_strdup (filename);
  self->seed = 1;
  self->start_time = POCHTA_SIMULATION_DEFAULT_START;
  self->utc_offset = 4 * 60;   /* the default start's zone, +0400 */
  self->steps = g_ptr_array_new_with_free_func (step_free);
  return self;
}

/* ---- errors with lines ---- */

gboolean G_GNUC_PRINTF (5, 6)
pochta_scenario_loader_fail (Loader *loader, guint line, GError **error, PochtaScenarioError code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, POCHTA_SCENARIO_ERROR, code, "%s:%u: %s", loader->filename, line, message);
  return FALSE;
}

/* The key as the file spells it, for messages: "Explain[ru]". */
static char *
entry_name (const PochtaKeyfileEntry *entry)
{
  return entry->locale != NULL ? g_strdup_printf ("%s[%s]", entry->key, entry->locale) : g_strdup (entry->key);
}

static char *
unescape (Loader *loader, const PochtaKeyfileEntry *entry, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  char *value = pochta_keyfile_unescape (entry->value, &local_error);
  if (value == NULL)
    pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_SYNTAX, "%s", local_error->message);
  return value;
}

static GStrv
unescape_list (Loader *loader, const PochtaKeyfileEntry *entry, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GStrv value = pochta_keyfile_unescape_list (entry->value, &local_error);
  if (value == NULL)
    {
      pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_SYNTAX, "%s", local_error->message);
      return NULL;
    }
  for (guint i = 0; value[i] != NULL; i++)
    g_strstrip (value[i]);
  return value;
}

/* Refuses keys the group does not know, and translations of keys that are
 * not translated (wire text stays English). */
static gboolean
check_keys (Loader *loader, const PochtaKeyfileGroup *group, const char *const *known,
            const char *const *translated, GError **error)
{
  gboolean lesson = loader->scenario->kind == POCHTA_SCENARIO_KIND_LESSON;

  for (guint i = 0; i < group->entries->len; i++)
    {
      const PochtaKeyfileEntry *entry = g_ptr_array_index (group->entries, i);
      g_autofree char *name = entry_name (entry);
      if (!g_strv_contains (known, entry->key) || (entry->locale != NULL && !g_strv_contains (translated, entry->key)))
        return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_UNKNOWN, "unknown key '%s' in [%s]", name,
                     group->name);
      if (!lesson && g_strv_contains (quiz_keys, entry->key))
        return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_UNKNOWN,
                     "unknown key '%s' in [%s] of a scenario (quizzes belong in a [Lesson])", name, group->name);
    }
  return TRUE;
}

/* The value of a key in the loader's language, unescaped; NULL without
 * error when the key is absent. */
static char *
get_localized (Loader *loader, const PochtaKeyfileGroup *group, const char *key, GError **error)
{
  const PochtaKeyfileEntry *entry = pochta_keyfile_group_find_localized (group, key, loader->languages);
  return entry != NULL ? unescape (loader, entry, error) : NULL;
}

static char *
get_string (Loader *loader, const PochtaKeyfileGroup *group, const char *key, GError **error)
{
  const PochtaKeyfileEntry *entry = pochta_keyfile_group_find (group, key, NULL);
  if (entry == NULL)
    return NULL;
  char *value = unescape (loader, entry, error);
  return value != NULL ? g_strstrip (value) : NULL;
}

/* ---- values ---- */

gboolean
pochta_scenario_parse_uint (const char *text, guint64 max, guint64 *out_value)
{
  return g_ascii_string_to_unsigned (text, 10, 0, max, out_value, NULL);
}

/* "500ms", "5s", "30m", "2h", "1d", or a sum of them: "1h30m". */
gboolean
pochta_scenario_parse_duration (const char *text, gint64 *out_usec)
{
  static const struct
  {
    const char *unit;
    gint64 usec;
  } units[] = {
    { "ms", 1000 },
    { "s", G_TIME_SPAN_SECOND },
    { "m", G_TIME_SPAN_MINUTE },
    { "h", G_TIME_SPAN_HOUR },
    { "d", G_TIME_SPAN_DAY },
  };
  const char *p = text;
  gint64 total = 0;

  if (*p == '\0')
    return FALSE;
  while (*p != '\0')
    {
      const char *digits = p;
      while (g_ascii_isdigit (*p))
        p++;
      if (p == digits || p - digits > 9)
        return FALSE;
      gint64 amount = g_ascii_strtoll (digits, NULL, 10);
      gsize i;
      for (i = 0; i < G_N_ELEMENTS (units); i++)
        {
          gsize len = strlen (units[i].unit);
          /* "m" must not take the "m" of "ms". */
          if (strncmp (p, units[i].unit, len) == 0 && !(len == 1 && p[0] == 'm' && p[1] == 's'))
            break;
        }
      if (i == G_N_ELEMENTS (units))
        return FALSE;
      total += amount * units[i].usec;
      if (total > MAX_WAIT)
        return FALSE;
      p += strlen (units[i].unit);
    }
  *out_usec = total;
  return TRUE;
}

gboolean
pochta_scenario_looks_like_mailbox (const char *text)
{
  const char *at = strrchr (text, '@');
  return at != NULL && at != text && at[1] != '\0' && strpbrk (text, " <>,") == NULL;
}

/* "/regex/" to a compiled regex; NULL with *out_message when it is not
 * one or does not compile. */
static GRegex *
compile_slashed (const char *text, GRegexCompileFlags flags, char **out_message)
{
  gsize len = strlen (text);
  if (len < 2 || text[0] != '/' || text[len - 1] != '/')
    {
      *out_message = g_strdup ("a regular expression is written between slashes, /like this/");
      return NULL;
    }
  g_autofree char *pattern = g_strndup (text + 1, len - 2);
  g_autoptr (GError) regex_error = NULL;
  GRegex *regex = g_regex_new (pattern, flags, 0, &regex_error);
  if (regex == NULL)
    *out_message = g_strdup (regex_error->message);
  return regex;
}

/* ---- the header group ---- */

static gboolean
load_network (Loader *loader, const PochtaKeyfileGroup *group, GError **error)
{
  PochtaScenario *scenario = loader->scenario;
  guint line = pochta_keyfile_lines_key_line (loader->lines, group->name, "Network");
  g_autoptr (GError) local_error = NULL;

  g_auto (GStrv) builtin = pochta_network_list_builtin ();
  if (g_strv_contains ((const char *const *) builtin, scenario->network_name))
    {
      scenario->network_builtin = g_strdup (scenario->network_name);
      loader->network = pochta_network_load_builtin (scenario->network_name, &local_error);
    }
  else if (loader->allow_paths)
    {
      g_autofree char *dir = g_path_get_dirname (loader->filename);
      g_autofree char *path = g_path_is_absolute (scenario->network_name)
                                ? g_strdup (scenario->network_name)
                                : g_build_filename (dir, scenario->network_name, NULL);
      char *contents = NULL;
      gsize len = 0;
      if (g_file_get_contents (path, &contents, &len, NULL))
        {
          scenario->network_data = g_bytes_new_take (contents, len);
          scenario->network_path = g_steal_pointer (&path);
          loader->network = pochta_network_load_data (contents, len, scenario->network_path, &local_error);
        }
    }
  if (loader->network != NULL)
    return TRUE;
  if (local_error != NULL)
    return pochta_scenario_loader_fail (loader, line, error, POCHTA_SCENARIO_ERROR_REFERENCE, "network '%s' does not load: %s",
                 scenario->network_name, local_error->message);
  g_autofree char *known = g_strjoinv (", ", builtin);
  return pochta_scenario_loader_fail (loader, line, error, POCHTA_SCENARIO_ERROR_REFERENCE,
               "no network '%s' (built-in: %s%s)", scenario->network_name, known,
               loader->allow_paths ? "; or a .network file's path" : "");
}

static gboolean
load_start (Loader *loader, const PochtaKeyfileGroup *group, const char *text, GError **error)
{
  g_autoptr (GDateTime) start = g_date_time_new_from_iso8601 (text, NULL);
  if (start == NULL)
    return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Start"), error,
                 POCHTA_SCENARIO_ERROR_VALUE,
                 "Start '%s' should be ISO 8601 with a zone, e.g. 2002-05-14T10:15:00+04:00", text);
  gint64 offset = g_date_time_get_utc_offset (start) / G_TIME_SPAN_MINUTE;
  /* RFC 5322 §3.3: a zone is +hhmm with hh at most 23 (and the time a
   * pcap export can hold, seconds since 1970). */
  if (offset <= -24 * 60 || offset >= 24 * 60 || g_date_time_to_unix (start) < 0)
    return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Start"), error,
                 POCHTA_SCENARIO_ERROR_VALUE,
                 "Start '%s' must fall after 1970 in a zone from -23:59 to +23:59", text);
  loader->scenario->start_time = g_date_time_to_unix (start) * G_USEC_PER_SEC + g_date_time_get_microsecond (start);
  loader->scenario->utc_offset = (int) offset;
  return TRUE;
}

static gboolean
load_header (Loader *loader, const PochtaKeyfileGroup *group, GError **error)
{
  PochtaScenario *scenario = loader->scenario;
  GError *local_error = NULL;

  if (!check_keys (loader, group, header_keys, header_translated, error))
    return FALSE;
  scenario->id = get_string (loader, group, "Id", &local_error);
  scenario->network_name = local_error == NULL ? get_string (loader, group, "Network", &local_error) : NULL;
  if (local_error == NULL)
    scenario->title = get_localized (loader, group, "Title", &local_error);
  if (local_error == NULL)
    scenario->summary = get_localized (loader, group, "Summary", &local_error);
  if (local_error == NULL)
    scenario->level = get_string (loader, group, "Level", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (scenario->id == NULL || *scenario->id == '\0')
    return pochta_scenario_loader_fail (loader, group->line, error, POCHTA_SCENARIO_ERROR_MISSING, "[%s] has no Id= line", group->name);
  if (scenario->kind == POCHTA_SCENARIO_KIND_LESSON && (scenario->title == NULL || *scenario->title == '\0'))
    return pochta_scenario_loader_fail (loader, group->line, error, POCHTA_SCENARIO_ERROR_MISSING, "[%s] has no Title= line", group->name);
  if (scenario->network_name == NULL || *scenario->network_name == '\0')
    return pochta_scenario_loader_fail (loader, group->line, error, POCHTA_SCENARIO_ERROR_MISSING, "[%s] has no Network= line",
                 group->name);
  if (scenario->level != NULL && !g_strv_contains (levels, scenario->level))
    return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Level"), error,
                 POCHTA_SCENARIO_ERROR_VALUE, "unknown level '%s' (known: beginner, intermediate, advanced)",
                 scenario->level);

  GError *value_error = NULL;
  g_autofree char *seed = get_string (loader, group, "Seed", &value_error);
  g_autofree char *start = value_error == NULL ? get_string (loader, group, "Start", &value_error) : NULL;
  if (value_error != NULL)
    {
      g_propagate_error (error, value_error);
      return FALSE;
    }
  guint64 seed_value;
  if (seed != NULL && !pochta_scenario_parse_uint (seed, G_MAXUINT32, &seed_value))
    return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Seed"), error,
                 POCHTA_SCENARIO_ERROR_VALUE, "Seed '%s' should be a number from 0 to 4294967295", seed);
  if (seed != NULL)
    scenario->seed = (guint32) seed_value;
  if (start != NULL && !load_start (loader, group, start, error))
    return FALSE;

  const PochtaKeyfileEntry *objectives = pochta_keyfile_group_find_localized (group, "Objectives", loader->languages);
  if (objectives != NULL && (scenario->objectives = unescape_list (loader, objectives, error)) == NULL)
    return FALSE;
  const PochtaKeyfileEntry *references = pochta_keyfile_group_find (group, "References", NULL);
  if (references != NULL && (scenario->references = unescape_list (loader, references, error)) == NULL)
    return FALSE;
  return load_network (loader, group, error);
}

/* ---- expectations ---- */

/* What a step can be checked against: whether it brings any reply, and
 * the protocol of the reply an Expect= looks at, when one protocol. */
typedef enum
{
  REPLY_NONE,
  REPLY_ANY,
  REPLY_SMTP,
  REPLY_POP3,
} ReplyKind;

static ReplyKind
step_reply_kind (Loader *loader, const PochtaScenarioStep *step)
{
  if (step->actions->len == 0)
    return REPLY_NONE;
  const PochtaScenarioAction *last = g_ptr_array_index (step->actions, step->actions->len - 1);
  switch (last->kind)
    {
    case POCHTA_ACTION_CONNECT:
    case POCHTA_ACTION_SEND:
    case POCHTA_ACTION_RESPOND:
      return loader->connection_is_pop3 ? REPLY_POP3 : REPLY_SMTP;
    default:
      return REPLY_ANY;
    }
}

static gboolean
parse_expect (Loader *loader, PochtaScenarioStep *step, const PochtaKeyfileEntry *entry, GError **error)
{
  /* A regular expression keeps its backslashes: taken as written. */
  g_autofree char *text = g_strstrip (g_strdup (entry->value));

  PochtaScenarioExpect *expect = g_new0 (PochtaScenarioExpect, 1);
  step->expect = expect;
  expect->line = entry->line;
  expect->text = g_strdup (text);
  ReplyKind reply = step_reply_kind (loader, step);
  if (reply == REPLY_NONE)
    return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
                 "Expect=%s can never match: [%s] has no action that brings a reply", text, step->name);

  if (text[0] == '/')
    {
      g_autofree char *message = NULL;
      expect->kind = POCHTA_EXPECT_REGEX;
      expect->regex = compile_slashed (text, 0, &message);
      if (expect->regex == NULL)
        return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
                     "Expect=%s can never match: %s", text, message);
      return TRUE;
    }
  if (strcmp (text, "+OK") == 0 || strcmp (text, "-ERR") == 0)
    {
      expect->kind = text[0] == '+' ? POCHTA_EXPECT_POP3_OK : POCHTA_EXPECT_POP3_ERR;
      if (reply == REPLY_SMTP)
        return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
                     "Expect=%s can never match: the step's connection speaks SMTP, which answers with codes", text);
      return TRUE;
    }

  guint64 code;
  expect->kind = POCHTA_EXPECT_CODE;
  if (strlen (text) != 3 || !pochta_scenario_parse_uint (text, 999, &code))
    return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                 "Expect '%s' should be a reply code, +OK, -ERR or a /regular expression/", text);
  /* RFC 5321 §4.2: the first digit of a reply is 2 to 5. */
  if (code < 200 || code > 599)
    return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
                 "Expect=%s can never match: reply codes run from 200 to 599 (RFC 5321 §4.2)", text);
  if (reply == REPLY_POP3)
    return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_NEVER_MATCHES,
                 "Expect=%s can never match: the step's connection speaks POP3, which answers +OK or -ERR", text);
  expect->code = (guint) code;
  return TRUE;
}

static const struct
{
  const char *name;
  PochtaCheckKind kind;
} check_names[] = {
  { "mailbox", POCHTA_CHECK_MAILBOX },
  { "fetched", POCHTA_CHECK_FETCHED },
  { "queue", POCHTA_CHECK_QUEUE },
  { "event", POCHTA_CHECK_EVENT },
  { "no-event", POCHTA_CHECK_NO_EVENT },
  { "line", POCHTA_CHECK_LINE },
  { "no-line", POCHTA_CHECK_NO_LINE },
};

static gboolean
parse_count_check (Loader *loader, PochtaScenarioCheck *check, const char *args, GError **error)
{
  g_auto (GStrv) words = g_strsplit (args, " ", -1);
  guint64 count;
  if (g_strv_length (words) != 2 || !pochta_scenario_parse_uint (words[1], G_MAXUINT32, &count))
    return pochta_scenario_loader_fail (loader, check->line, error, POCHTA_SCENARIO_ERROR_VALUE, "Check=%s takes %s COUNT",
                 check->text, check->kind == POCHTA_CHECK_QUEUE ? "HOST" : "MAILBOX");
  check->subject = g_strdup (words[0]);
  check->count = (guint) count;
  return check->kind == POCHTA_CHECK_QUEUE ? pochta_scenario_loader_require_host (loader, check->line, check->subject, error)
                                           : pochta_scenario_loader_require_user (loader, check->line, check->subject, error);
}

static gboolean
parse_check (Loader *loader, PochtaScenarioStep *step, const PochtaKeyfileEntry *entry, GError **error)
{
  /* A regular expression keeps its backslashes: taken as written. */
  g_autofree char *text = g_strstrip (g_strdup (entry->value));

  PochtaScenarioCheck *check = g_new0 (PochtaScenarioCheck, 1);
  g_ptr_array_add (step->checks, check);
  check->line = entry->line;
  check->text = g_strdup (text);
  gsize name_len = strcspn (text, " ");
  const char *args = text + name_len + strspn (text + name_len, " ");
  gsize i;
  for (i = 0; i < G_N_ELEMENTS (check_names); i++)
    if (strlen (check_names[i].name) == name_len && strncmp (text, check_names[i].name, name_len) == 0)
      break;
  if (i == G_N_ELEMENTS (check_names))
    return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_UNKNOWN,
                 "unknown check '%.*s' (known: mailbox, fetched, queue, event, no-event, line, no-line)",
                 (int) name_len, text);
  check->kind = check_names[i].kind;
  if (check->kind == POCHTA_CHECK_MAILBOX || check->kind == POCHTA_CHECK_FETCHED || check->kind == POCHTA_CHECK_QUEUE)
    return parse_count_check (loader, check, args, error);

  g_autofree char *message = NULL;
  check->regex = compile_slashed (args, 0, &message);
  if (check->regex == NULL)
    return pochta_scenario_loader_fail (loader, entry->line, error, POCHTA_SCENARIO_ERROR_NEVER_MATCHES, "Check=%s can never match: %s",
                 text, message);
  return TRUE;
}

/* ---- quizzes ---- */

static gboolean
load_choices (Loader *loader, PochtaScenarioStep *step, const PochtaKeyfileGroup *group, GError **error)
{
  const PochtaKeyfileEntry *original = pochta_keyfile_group_find (group, "Choices", NULL);
  const PochtaKeyfileEntry *shown = pochta_keyfile_group_find_localized (group, "Choices", loader->languages);
  if (original == NULL)
    return TRUE;
  if ((step->choices_original = unescape_list (loader, original, error)) == NULL
      || (step->choices = unescape_list (loader, shown, error)) == NULL)
    return FALSE;
  if (g_strv_length (step->choices_original) < 2)
    return pochta_scenario_loader_fail (loader, original->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                 "Choices= needs two or more choices, separated by ';'");
  if (g_strv_length (step->choices) != g_strv_length (step->choices_original))
    {
      g_autofree char *name = entry_name (shown);
      return pochta_scenario_loader_fail (loader, shown->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                   "%s= has %u choices where Choices= has %u", name, g_strv_length (step->choices),
                   g_strv_length (step->choices_original));
    }
  return TRUE;
}

static gboolean
load_quiz (Loader *loader, PochtaScenarioStep *step, const PochtaKeyfileGroup *group, GError **error)
{
  GError *local_error = NULL;
  step->quiz = get_localized (loader, group, "Quiz", &local_error);
  if (local_error == NULL)
    step->hint = get_localized (loader, group, "Hint", &local_error);
  if (local_error == NULL)
    step->answer_text = get_string (loader, group, "Answer", &local_error);
  const PochtaKeyfileEntry *accept_entry = pochta_keyfile_group_find (group, "Accept", NULL);
  g_autofree char *accept = accept_entry != NULL ? g_strstrip (g_strdup (accept_entry->value)) : NULL;
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (!load_choices (loader, step, group, error))
    return FALSE;

  step->answer = -1;
  if (step->quiz == NULL)
    {
      const char *orphan = step->choices != NULL ? "Choices" : step->answer_text != NULL ? "Answer"
                           : accept != NULL ? "Accept" : NULL;
      if (orphan != NULL)
        return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, orphan), error,
                     POCHTA_SCENARIO_ERROR_MISSING, "%s= needs a Quiz= in [%s]", orphan, group->name);
      return TRUE;
    }
  if (step->answer_text == NULL && accept == NULL)
    return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Quiz"), error,
                 POCHTA_SCENARIO_ERROR_MISSING, "Quiz= needs an Answer= or an Accept= in [%s]", group->name);
  if (step->choices != NULL && step->answer_text == NULL)
    return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Choices"), error,
                 POCHTA_SCENARIO_ERROR_MISSING, "Choices= needs an Answer= naming one of them in [%s]", group->name);
  for (guint i = 0; step->choices_original != NULL && step->choices_original[i] != NULL; i++)
    if (strcmp (step->choices_original[i], step->answer_text) == 0)
      step->answer = (int) i;
  if (step->choices != NULL && step->answer < 0)
    return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Answer"), error,
                 POCHTA_SCENARIO_ERROR_VALUE, "Answer=%s is not one of the Choices=", step->answer_text);
  if (accept != NULL)
    {
      g_autoptr (GError) regex_error = NULL;
      /* The whole answer must match, whatever its case. */
      g_autofree char *anchored = g_strdup_printf ("^(?:%s)$", accept);
      step->accept = g_regex_new (anchored, G_REGEX_CASELESS, 0, &regex_error);
      if (step->accept == NULL)
        return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Accept"), error,
                     POCHTA_SCENARIO_ERROR_NEVER_MATCHES, "Accept=%s can never match: %s", accept,
                     regex_error->message);
    }
  return TRUE;
}

/* ---- steps ---- */

static gboolean
parse_step_number (const char *text, guint *out_number)
{
  guint64 number;
  if (*text == '\0' || strspn (text, "0123456789") != strlen (text) || !pochta_scenario_parse_uint (text, 9999, &number))
    return FALSE;
  *out_number = (guint) number;
  return TRUE;
}

static gboolean
load_step_entries (Loader *loader, PochtaScenarioStep *step, const PochtaKeyfileGroup *group, GError **error)
{
  for (guint i = 0; i < group->entries->len; i++)
    {
      const PochtaKeyfileEntry *entry = g_ptr_array_index (group->entries, i);
      if (entry->locale != NULL)
        continue;
      if (strcmp (entry->key, "Do") == 0 || strcmp (entry->key, "Connection") == 0
          || strcmp (entry->key, "Send") == 0 || strcmp (entry->key, "Respond") == 0)
        {
          g_autofree char *value = unescape (loader, entry, error);
          if (value == NULL)
            return FALSE;
          PochtaScenarioAction *action = pochta_scenario_loader_parse_action (loader, entry->key, value, entry->line, error);
          if (action == NULL)
            return FALSE;
          g_ptr_array_add (step->actions, action);
        }
      else if (strcmp (entry->key, "Check") == 0 && !parse_check (loader, step, entry, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_step (Loader *loader, const PochtaKeyfileGroup *group, guint number, GError **error)
{
  if (!check_keys (loader, group, step_keys, step_translated, error))
    return FALSE;

  PochtaScenarioStep *step = g_new0 (PochtaScenarioStep, 1);
  g_ptr_array_add (loader->scenario->steps, step);
  step->number = number;
  step->name = g_strdup (group->name);
  step->line = group->line;
  step->actions = g_ptr_array_new_with_free_func (pochta_scenario_action_free);
  step->checks = g_ptr_array_new_with_free_func (check_free);
  step->answer = -1;

  if (!load_step_entries (loader, step, group, error))
    return FALSE;
  GError *value_error = NULL;
  g_autofree char *pipeline = get_string (loader, group, "Pipeline", &value_error);
  if (value_error != NULL)
    {
      g_propagate_error (error, value_error);
      return FALSE;
    }
  if (pipeline != NULL && strcmp (pipeline, "true") != 0 && strcmp (pipeline, "false") != 0)
    return pochta_scenario_loader_fail (loader, pochta_keyfile_lines_key_line (loader->lines, group->name, "Pipeline"), error,
                 POCHTA_SCENARIO_ERROR_VALUE, "Pipeline is true or false, not '%s'", pipeline);
  step->pipeline = g_strcmp0 (pipeline, "true") == 0;

  const PochtaKeyfileEntry *expect = pochta_keyfile_group_find (group, "Expect", NULL);
  if (expect != NULL && !parse_expect (loader, step, expect, error))
    return FALSE;
  GError *local_error = NULL;
  step->explain = get_localized (loader, group, "Explain", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return load_quiz (loader, step, group, error);
}

static gboolean
load_steps (Loader *loader, GError **error)
{
  GPtrArray *groups = pochta_keyfile_lines_get_groups (loader->lines);
  const PochtaKeyfileGroup *previous = NULL;
  guint previous_number = 0;

  for (guint i = 0; i < groups->len; i++)
    {
      const PochtaKeyfileGroup *group = g_ptr_array_index (groups, i);
      guint number;
      if (strcmp (group->name, "Scenario") == 0 || strcmp (group->name, "Lesson") == 0)
        continue;
      if (!g_str_has_prefix (group->name, "Step "))
        return pochta_scenario_loader_fail (loader, group->line, error, POCHTA_SCENARIO_ERROR_UNKNOWN,
                     "unknown group [%s] (known: Scenario, Lesson, Step NN)", group->name);
      if (!parse_step_number (group->name + strlen ("Step "), &number))
        return pochta_scenario_loader_fail (loader, group->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                     "[%s]: a step is numbered [Step NN], NN from 0 to 9999", group->name);
      if (previous != NULL && number <= previous_number)
        return pochta_scenario_loader_fail (loader, group->line, error, POCHTA_SCENARIO_ERROR_ORDER,
                     "[%s] comes after [%s] (line %u): steps are numbered in increasing order", group->name,
                     previous->name, previous->line);
      if (!load_step (loader, group, number, error))
        return FALSE;
      previous = group;
      previous_number = number;
    }
  if (previous == NULL)
    return pochta_scenario_loader_fail (loader, 1, error, POCHTA_SCENARIO_ERROR_MISSING, "no [Step NN] groups: nothing happens");
  return TRUE;
}

/* ---- loading ---- */

static gboolean
scan (Loader *loader, const char *data, gsize len, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  loader->lines = pochta_keyfile_lines_scan (data, len, loader->filename, repeatable_keys, &local_error);
  if (loader->lines != NULL)
    return TRUE;
  g_set_error_literal (error, POCHTA_SCENARIO_ERROR,
                       g_error_matches (local_error, POCHTA_KEYFILE_ERROR, POCHTA_KEYFILE_ERROR_DUPLICATE)
                         ? POCHTA_SCENARIO_ERROR_DUPLICATE
                         : POCHTA_SCENARIO_ERROR_SYNTAX,
                       local_error->message);
  return FALSE;
}

static const PochtaKeyfileGroup *
find_header (Loader *loader, GError **error)
{
  const PochtaKeyfileGroup *scenario = pochta_keyfile_lines_find_group (loader->lines, "Scenario");
  const PochtaKeyfileGroup *lesson = pochta_keyfile_lines_find_group (loader->lines, "Lesson");

  if (scenario != NULL && lesson != NULL)
    {
      const PochtaKeyfileGroup *later = scenario->line > lesson->line ? scenario : lesson;
      pochta_scenario_loader_fail (loader, later->line, error, POCHTA_SCENARIO_ERROR_DUPLICATE,
            "a file is a [Scenario] or a [Lesson], not both");
      return NULL;
    }
  if (scenario == NULL && lesson == NULL)
    {
      pochta_scenario_loader_fail (loader, 1, error, POCHTA_SCENARIO_ERROR_MISSING, "no [Scenario] or [Lesson] group");
      return NULL;
    }
  loader->scenario->kind = lesson != NULL ? POCHTA_SCENARIO_KIND_LESSON : POCHTA_SCENARIO_KIND_SCENARIO;
  return lesson != NULL ? lesson : scenario;
}

static PochtaScenario *
load (const char *data, gsize len, const char *filename, gboolean allow_paths, const char *language,
      GError **error)
{
  g_auto (GStrv) variants = language != NULL ? g_get_locale_variants (language) : NULL;
  g_autoptr (PochtaScenario) scenario = scenario_new (filename);
  Loader loader = {
    .filename = filename,
    .allow_paths = allow_paths,
    .languages = variants != NULL ? (const char *const *) variants : g_get_language_names (),
    .scenario = scenario,
  };

  gboolean ok = scan (&loader, data, len, error);
  const PochtaKeyfileGroup *header = ok ? find_header (&loader, error) : NULL;
  ok = header != NULL && load_header (&loader, header, error) && load_steps (&loader, error);

  g_clear_pointer (&loader.lines, pochta_keyfile_lines_free);
  g_clear_pointer (&loader.network, pochta_network_free);
  return ok ? g_steal_pointer (&scenario) : NULL;
}

PochtaScenario *
pochta_scenario_load_data (const char *data,
                           gsize       len,
                           const char *filename,
                           const char *language,
                           GError    **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return load (data, len, filename != NULL ? filename : "(scenario)", filename != NULL, language, error);
}

PochtaScenario *
pochta_scenario_load_file (const char *path, const char *language, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autofree char *contents = NULL;
  gsize len;
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  return load (contents, len, path, TRUE, language, error);
}

/* Naming the resource keeps its object file, and with it the constructor
 * that registers it, in a static link. */
static void
ensure_resources (void)
{
  (void) pochta_get_resource ();
}

PochtaScenario *
pochta_scenario_load_builtin (const char *id, const char *language, GError **error)
{
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  ensure_resources ();

  g_autofree char *path = g_strconcat (BUILTIN_PREFIX, id, ".lesson", NULL);
  g_autoptr (GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    {
      g_set_error (error, POCHTA_SCENARIO_ERROR, POCHTA_SCENARIO_ERROR_NOT_FOUND, "no built-in lesson '%s'", id);
      return NULL;
    }
  g_autofree char *filename = g_strconcat (id, ".lesson", NULL);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  return load (data, len, filename, FALSE, language, error);
}

/* g_ptr_array_sort () hands over pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

GStrv
pochta_scenario_list_builtin (void)
{
  ensure_resources ();
  g_auto (GStrv) names = g_resources_enumerate_children (BUILTIN_PREFIX, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  GPtrArray *ids = g_ptr_array_new ();

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    if (g_str_has_suffix (names[i], ".lesson"))
      g_ptr_array_add (ids, g_strndup (names[i], strlen (names[i]) - strlen (".lesson")));
  g_ptr_array_sort (ids, compare_names);
  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_free (ids, FALSE);
}

/* ---- queries ---- */

PochtaScenarioKind
pochta_scenario_get_kind (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, POCHTA_SCENARIO_KIND_SCENARIO);
  return self->kind;
}

const char *
pochta_scenario_get_filename (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->filename;
}

const char *
pochta_scenario_get_id (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
pochta_scenario_get_title (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->title;
}

const char *
pochta_scenario_get_summary (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->summary;
}

const char *
pochta_scenario_get_level (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->level;
}

const char *
pochta_scenario_get_network_name (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->network_name;
}

guint32
pochta_scenario_get_seed (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seed;
}

gint64
pochta_scenario_get_start_time (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->start_time;
}

int
pochta_scenario_get_utc_offset (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->utc_offset;
}

const char *const *
pochta_scenario_get_objectives (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char *const *) self->objectives;
}

const char *const *
pochta_scenario_get_references (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char *const *) self->references;
}

guint
pochta_scenario_get_n_steps (PochtaScenario *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->steps->len;
}

const PochtaScenarioStep *
pochta_scenario_get_step (PochtaScenario *self, guint index)
{
  g_return_val_if_fail (self != NULL && index < self->steps->len, NULL);
  return g_ptr_array_index (self->steps, index);
}

PochtaNetwork *
pochta_scenario_load_network (PochtaScenario *self, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->network_builtin != NULL)
    return pochta_network_load_builtin (self->network_builtin, error);
  gsize len;
  const char *data = g_bytes_get_data (self->network_data, &len);
  return pochta_network_load_data (data, len, self->network_path, error);
}

/* Equal but for case, in any script ("ДА" is "да"). */
static gboolean
same_text (const char *a, const char *b)
{
  g_autofree char *fa = g_utf8_casefold (a, -1);
  g_autofree char *fb = g_utf8_casefold (b, -1);
  return strcmp (fa, fb) == 0;
}

gboolean
pochta_scenario_step_check_answer (const PochtaScenarioStep *step, const char *answer)
{
  g_return_val_if_fail (step != NULL && answer != NULL, FALSE);

  g_autofree char *given = g_strstrip (g_strdup (answer));
  if (step->accept != NULL && g_regex_match (step->accept, given, 0, NULL))
    return TRUE;
  if (step->choices != NULL)
    {
      guint64 number;
      guint n = g_strv_length (step->choices);
      if (pochta_scenario_parse_uint (given, n, &number) && number >= 1)
        return (int) number - 1 == step->answer;
      for (guint i = 0; i < n; i++)
        if (same_text (given, step->choices[i]) || same_text (given, step->choices_original[i]))
          return (int) i == step->answer;
      return FALSE;
    }
  return step->answer_text != NULL && same_text (given, step->answer_text);
}
