/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Feeds sans-I/O sessions three ways and plays golden transcripts; shared
 * by the SMTP and POP3 session tests. */
#define G_LOG_DOMAIN "pochta-test-harness"
#include "config.h"

#include <string.h>

#include "session-harness.h"

/* Random chunks are 1..RANDOM_CHUNK_MAX bytes: small enough to split
 * every CRLF and "." somewhere, large enough to batch commands. */
#define RANDOM_CHUNK_MAX 64

#define TRANSCRIPT_ERROR (g_quark_from_static_string ("pochta-transcript-error"))

const char *
pochta_feed_mode_to_string (PochtaFeedMode mode)
{
  switch (mode)
    {
    case POCHTA_FEED_WHOLE: return "as one buffer";
    case POCHTA_FEED_BYTEWISE: return "byte by byte";
    case POCHTA_FEED_RANDOM: return "in random chunks";
    case POCHTA_FEED_N_MODES:
    default: return "?";
    }
}

/* Printable form of bytes that may hold CR, LF or NUL, for messages. */
static char *
escape_bytes (const guint8 *data, gsize len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    {
      switch (data[i])
        {
        case '\r': g_string_append (out, "\\r"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '"': g_string_append (out, "\\\""); break;
        default:
          if (data[i] >= 0x20 && data[i] < 0x7f)
            g_string_append_c (out, (char) data[i]);
          else
            g_string_append_printf (out, "\\x%02x", data[i]);
        }
    }
  return g_string_free (out, FALSE);
}

gsize
pochta_harness_drain (const PochtaSessionOps *ops, gpointer session, GByteArray *out)
{
  const guint8 *data;
  gsize total = 0;
  gsize n;

  g_return_val_if_fail (ops != NULL, 0);

  while ((n = ops->peek_output (session, &data)) > 0)
    {
      if (out != NULL)
        g_byte_array_append (out, data, n);
      ops->consume_output (session, n);
      total += n;
    }
  return total;
}

static gsize
next_chunk (PochtaFeedMode mode, GRand *rand, gsize remaining)
{
  switch (mode)
    {
    case POCHTA_FEED_BYTEWISE:
      return 1;
    case POCHTA_FEED_RANDOM:
      {
        /* Drawn once: MIN () evaluates its arguments twice. */
        gsize size = (gsize) g_rand_int_range (rand, 1, RANDOM_CHUNK_MAX + 1);
        return MIN (remaining, size);
      }
    case POCHTA_FEED_WHOLE:
    case POCHTA_FEED_N_MODES:
    default:
      return remaining;
    }
}

gsize
pochta_harness_feed (const PochtaSessionOps *ops,
                     gpointer                session,
                     const guint8           *input,
                     gsize                   len,
                     PochtaFeedMode          mode,
                     guint32                 seed,
                     GByteArray             *out)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  gsize offset = 0;

  g_return_val_if_fail (ops != NULL, 0);

  while (offset < len)
    {
      gsize chunk = next_chunk (mode, rand, len - offset);
      gsize done = 0;

      while (done < chunk)
        {
          gssize n = ops->feed (session, input + offset + done, chunk - done);
          gsize drained = pochta_harness_drain (ops, session, out);

          if (n < 0 || (n == 0 && drained == 0))
            return offset + done;
          done += (gsize) n;
        }
      offset += done;
    }
  return offset;
}

static void
fail_row (const char *what, PochtaFeedMode mode, guint32 seed,
          const guint8 *expected, gsize expected_len, const guint8 *actual, gsize actual_len)
{
  g_autofree char *want = escape_bytes (expected, expected_len);
  g_autofree char *got = escape_bytes (actual, actual_len);
  g_autofree char *message = g_strdup_printf ("%s, fed %s (random seed %u):\n  expected \"%s\"\n  got      \"%s\"",
                                              what, pochta_feed_mode_to_string (mode), seed, want, got);
  g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
}

void
pochta_harness_run_three_ways (const PochtaSessionOps *ops,
                               gpointer                create_data,
                               const guint8           *input,
                               gsize                   len,
                               gboolean                eof,
                               guint32                 seed,
                               const char             *expected_output,
                               PochtaHarnessCheck      check,
                               gpointer                check_data)
{
  g_autoptr (GByteArray) first = NULL;
  gsize first_consumed = 0;

  g_return_if_fail (ops != NULL);

  for (PochtaFeedMode mode = 0; mode < POCHTA_FEED_N_MODES; mode++)
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();

      g_test_message ("feeding %s (random seed %u)", pochta_feed_mode_to_string (mode), seed);
      gpointer session = ops->create (create_data);
      pochta_harness_drain (ops, session, NULL);
      gsize consumed = pochta_harness_feed (ops, session, input, len, mode, seed, out);
      if (eof && ops->feed_eof != NULL)
        {
          ops->feed_eof (session);
          pochta_harness_drain (ops, session, out);
        }

      if (expected_output != NULL
          && (out->len != strlen (expected_output)
              || memcmp (out->data, expected_output, out->len) != 0))
        fail_row ("output differs", mode, seed, (const guint8 *) expected_output,
                  strlen (expected_output), out->data, out->len);
      if (first != NULL && (out->len != first->len || memcmp (out->data, first->data, out->len) != 0))
        fail_row ("output differs from feeding as one buffer", mode, seed,
                  first->data, first->len, out->data, out->len);
      if (first != NULL && consumed != first_consumed)
        fail_row ("consumed a different number of bytes", mode, seed,
                  (const guint8 *) "", 0, (const guint8 *) "", 0);

      if (check != NULL)
        check (session, out, consumed, mode, check_data);
      ops->destroy (session);
      if (first == NULL)
        {
          first = g_steal_pointer (&out);
          first_consumed = consumed;
        }
    }
}

/* ---- transcripts ---- */

typedef enum
{
  STEP_SEND,
  STEP_EOF,
  STEP_EXPECT,
} StepKind;

typedef struct
{
  StepKind kind;
  guint line;
  GBytes *bytes;    /* SEND */
  char *text;       /* EXPECT: the line, or the regex source */
  GRegex *regex;    /* EXPECT with /.../ */
} Step;

struct _PochtaGoldenTranscript
{
  char *path;
  char *name;
  GHashTable *settings;
  GPtrArray *steps;
};

static void
step_free (gpointer data)
{
  Step *step = data;

  g_clear_pointer (&step->bytes, g_bytes_unref);
  g_clear_pointer (&step->regex, g_regex_unref);
  g_free (step->text);
  g_free (step);
}

void
pochta_golden_transcript_free (PochtaGoldenTranscript *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->name);
  g_hash_table_unref (self->settings);
  g_ptr_array_unref (self->steps);
  g_free (self);
}

static gboolean
parse_error (GError **error, const char *path, guint line, const char *what)
{
  g_set_error (error, TRANSCRIPT_ERROR, 1, "%s:%u: %s", path, line, what);
  return FALSE;
}

/* Reads B: escapes up to terminator ('\0' for the end of the line). */
static gboolean
unescape (const char **cursor, char terminator, GByteArray *out)
{
  const char *p = *cursor;

  while (*p != '\0' && *p != terminator)
    {
      if (*p != '\\')
        {
          g_byte_array_append (out, (const guint8 *) p++, 1);
          continue;
        }
      p++;
      guint8 byte;
      switch (*p)
        {
        case 'r': byte = '\r'; break;
        case 'n': byte = '\n'; break;
        case 't': byte = '\t'; break;
        case '0': byte = '\0'; break;
        case '\\': byte = '\\'; break;
        case '}': byte = '}'; break;
        case 'x':
          if (!g_ascii_isxdigit (p[1]) || !g_ascii_isxdigit (p[2]))
            return FALSE;
          byte = (guint8) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2]));
          p += 2;
          break;
        case '{':
          {
            char *end;
            guint64 count = g_ascii_strtoull (p + 1, &end, 10);
            if (end == p + 1 || *end != ':' || count > 10 * 1024 * 1024)
              return FALSE;
            const char *inner = end + 1;
            g_autoptr (GByteArray) unit = g_byte_array_new ();
            if (!unescape (&inner, '}', unit) || *inner != '}')
              return FALSE;
            for (guint64 i = 0; i < count; i++)
              g_byte_array_append (out, unit->data, unit->len);
            p = inner + 1;
            continue;
          }
        default:
          return FALSE;
        }
      g_byte_array_append (out, &byte, 1);
      p++;
    }
  *cursor = p;
  return TRUE;
}

static gboolean
add_expect (PochtaGoldenTranscript *self, guint line, const char *text, GError **error)
{
  Step *step = g_new0 (Step, 1);
  gsize len = strlen (text);

  step->kind = STEP_EXPECT;
  step->line = line;
  step->text = g_strdup (text);
  g_ptr_array_add (self->steps, step);
  if (len >= 2 && text[0] == '/' && text[len - 1] == '/')
    {
      g_autofree char *pattern = g_strdup_printf ("\\A(?:%.*s)\\z", (int) len - 2, text + 1);
      step->regex = g_regex_new (pattern, 0, 0, error);
      if (step->regex == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_line (PochtaGoldenTranscript *self, GRegex *directive, guint line_no, const char *line, GError **error)
{
  g_autoptr (GMatchInfo) match = NULL;

  if (line[0] == '\0' || line[0] == '#' || strspn (line, " \t") == strlen (line))
    return TRUE;
  if (line[0] == '@')
    {
      const char *space = strchr (line, ' ');
      if (space == NULL)
        return parse_error (error, self->path, line_no, "a setting needs a value: @key value");
      g_hash_table_insert (self->settings, g_strndup (line + 1, (gsize) (space - line - 1)),
                           g_strstrip (g_strdup (space + 1)));
      return TRUE;
    }
  if (!g_regex_match (directive, line, 0, &match))
    return parse_error (error, self->path, line_no, "not a C:, B:, S:, E:, @ or # line");

  g_autofree char *kind = g_match_info_fetch (match, 1);
  g_autofree char *count_text = g_match_info_fetch (match, 2);
  g_autofree char *text = g_match_info_fetch (match, 3);
  if (text == NULL)
    text = g_strdup ("");
  guint count = count_text != NULL && *count_text != '\0' ? (guint) g_ascii_strtoull (count_text, NULL, 10) : 1;

  for (guint i = 0; i < count; i++)
    {
      if (kind[0] == 'S')
        {
          if (!add_expect (self, line_no, text, error))
            return FALSE;
          continue;
        }
      Step *step = g_new0 (Step, 1);
      step->line = line_no;
      step->kind = kind[0] == 'E' ? STEP_EOF : STEP_SEND;
      g_ptr_array_add (self->steps, step);
      if (kind[0] == 'C')
        {
          g_autofree char *with_crlf = g_strconcat (text, "\r\n", NULL);
          step->bytes = g_bytes_new (with_crlf, strlen (with_crlf));
        }
      else if (kind[0] == 'B')
        {
          GByteArray *bytes = g_byte_array_new ();
          const char *cursor = text;
          if (!unescape (&cursor, '\0', bytes))
            {
              g_byte_array_unref (bytes);
              return parse_error (error, self->path, line_no, "bad escape in a B: line");
            }
          step->bytes = g_byte_array_free_to_bytes (bytes);
        }
    }
  return TRUE;
}

PochtaGoldenTranscript *
pochta_golden_transcript_load (const char *path, GError **error)
{
  g_autofree char *contents = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  g_autoptr (PochtaGoldenTranscript) self = g_new0 (PochtaGoldenTranscript, 1);
  self->path = g_strdup (path);
  self->name = g_path_get_basename (path);
  self->settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->steps = g_ptr_array_new_with_free_func (step_free);

  g_autoptr (GRegex) directive = g_regex_new ("^([CBSE])(?:\\[([0-9]+)\\])?:(?: ?(.*))?$", 0, 0, NULL);
  g_auto (GStrv) lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gsize len = strlen (lines[i]);
      if (len > 0 && lines[i][len - 1] == '\r')
        lines[i][len - 1] = '\0';
      if (!parse_line (self, directive, i + 1, lines[i], error))
        return NULL;
    }
  return g_steal_pointer (&self);
}

const char *
pochta_golden_transcript_get_setting (PochtaGoldenTranscript *self, const char *key)
{
  g_return_val_if_fail (self != NULL && key != NULL, NULL);
  return g_hash_table_lookup (self->settings, key);
}

guint32
pochta_golden_transcript_get_seed (PochtaGoldenTranscript *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_str_hash (self->name);
}

/* The next CRLF-terminated line of out after *offset, without CRLF. */
static char *
next_output_line (GByteArray *out, gsize *offset)
{
  for (gsize i = *offset; i + 1 < out->len; i++)
    {
      if (out->data[i] == '\r' && out->data[i + 1] == '\n')
        {
          char *line = g_strndup ((const char *) out->data + *offset, i - *offset);
          *offset = i + 2;
          return line;
        }
    }
  return NULL;
}

static gboolean
step_matches (const Step *step, const char *line)
{
  if (step->regex != NULL)
    return g_regex_match (step->regex, line, 0, NULL);
  return strcmp (step->text, line) == 0;
}

static gboolean
play (PochtaGoldenTranscript *self, const PochtaSessionOps *ops, gpointer session,
      PochtaFeedMode mode, GByteArray *out, GError **error)
{
  guint32 seed = pochta_golden_transcript_get_seed (self);
  gsize checked = 0;

  pochta_harness_drain (ops, session, out);
  for (guint i = 0; i < self->steps->len; i++)
    {
      const Step *step = g_ptr_array_index (self->steps, i);
      const Step *next = i + 1 < self->steps->len ? g_ptr_array_index (self->steps, i + 1) : NULL;

      if (step->kind == STEP_SEND)
        {
          gsize len;
          const guint8 *data = g_bytes_get_data (step->bytes, &len);
          pochta_harness_feed (ops, session, data, len, mode, seed, out);
          continue;
        }
      if (step->kind == STEP_EOF)
        {
          if (ops->feed_eof != NULL)
            ops->feed_eof (session);
          pochta_harness_drain (ops, session, out);
          continue;
        }

      g_autofree char *line = next_output_line (out, &checked);
      if (line == NULL || !step_matches (step, line))
        {
          g_autofree char *got = line != NULL ? escape_bytes ((const guint8 *) line, strlen (line)) : NULL;
          g_set_error (error, TRANSCRIPT_ERROR, 2,
                       "%s:%u: expected \"%s\", got %s%s%s (fed %s, random seed %u)", self->path,
                       step->line, step->text, got != NULL ? "\"" : "", got != NULL ? got : "nothing",
                       got != NULL ? "\"" : "", pochta_feed_mode_to_string (mode), seed);
          return FALSE;
        }
      /* The S: lines after a group of client lines are all it answered. */
      if ((next == NULL || next->kind != STEP_EXPECT) && checked < out->len)
        {
          g_autofree char *extra = escape_bytes (out->data + checked, out->len - checked);
          g_set_error (error, TRANSCRIPT_ERROR, 2,
                       "%s:%u: the session wrote more than expected: \"%s\" (fed %s, random seed %u)",
                       self->path, step->line, extra, pochta_feed_mode_to_string (mode), seed);
          return FALSE;
        }
    }
  if (checked < out->len)
    {
      g_autofree char *extra = escape_bytes (out->data + checked, out->len - checked);
      g_set_error (error, TRANSCRIPT_ERROR, 2,
                   "%s: the session wrote more than expected at the end: \"%s\" (fed %s, random seed %u)",
                   self->path, extra, pochta_feed_mode_to_string (mode), seed);
      return FALSE;
    }
  return TRUE;
}

gboolean
pochta_golden_transcript_run (PochtaGoldenTranscript       *self,
                       const PochtaSessionOps *ops,
                       gpointer                create_data,
                       PochtaFeedMode          mode,
                       GError                **error)
{
  g_return_val_if_fail (self != NULL && ops != NULL, FALSE);

  g_autoptr (GByteArray) out = g_byte_array_new ();
  gpointer session = ops->create (create_data);
  gboolean ok = play (self, ops, session, mode, out, error);
  ops->destroy (session);
  return ok;
}
