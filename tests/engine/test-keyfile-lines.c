/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of keyfile-lines: where groups and keys sit, repeatable keys,
 * translations, and GKeyFile's escapes decoded exactly as GKeyFile does. */
#include "config.h"

#include <string.h>

#include "keyfile-lines.h"

static const char sample[] =
  "# a comment\n"                        /* 1 */
  "[Lesson]\n"                           /* 2 */
  "Title=Hello\n"                        /* 3 */
  "Title[ru]=Privet\n"                   /* 4 */
  "Title[ru_RU]=Zdravstvuy\n"            /* 5 */
  "\n"                                   /* 6 */
  "[Step 01]\n"                          /* 7 */
  "Send=EHLO a\n"                        /* 8 */
  "  Send =  \\sindented\n"              /* 9 */
  "Explain=Text\r\n";                    /* 10 */

static void
test_lines (void)
{
  static const char *const repeatable[] = { "Send", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaKeyfileLines) lines = pochta_keyfile_lines_scan (sample, strlen (sample), "t.lesson",
                                                                      repeatable, &error);
  g_assert_no_error (error);

  GPtrArray *groups = pochta_keyfile_lines_get_groups (lines);
  g_assert_cmpuint (groups->len, ==, 2);
  g_assert_cmpstr (((PochtaKeyfileGroup *) g_ptr_array_index (groups, 1))->name, ==, "Step 01");
  g_assert_cmpuint (pochta_keyfile_lines_group_line (lines, "Lesson"), ==, 2);
  g_assert_cmpuint (pochta_keyfile_lines_group_line (lines, "Nothing"), ==, 1);
  g_assert_cmpuint (pochta_keyfile_lines_key_line (lines, "Lesson", "Title[ru]"), ==, 4);
  g_assert_cmpuint (pochta_keyfile_lines_key_line (lines, "Lesson", "Summary"), ==, 2);
  g_assert_cmpuint (pochta_keyfile_lines_key_line (lines, "Step 01", "Explain"), ==, 10);

  const PochtaKeyfileGroup *step = pochta_keyfile_lines_find_group (lines, "Step 01");
  g_assert_cmpuint (step->entries->len, ==, 3);
  const PochtaKeyfileEntry *second = g_ptr_array_index (step->entries, 1);
  g_assert_cmpstr (second->key, ==, "Send");
  g_assert_null (second->locale);
  /* Blanks after '=' go; the escaped one stays, as in GKeyFile. */
  g_assert_cmpstr (second->value, ==, "\\sindented");
  g_assert_cmpuint (second->line, ==, 9);
  g_assert_cmpstr (pochta_keyfile_group_find (step, "Explain", NULL)->value, ==, "Text");

  const PochtaKeyfileGroup *lesson = pochta_keyfile_lines_find_group (lines, "Lesson");
  static const char *const russian[] = { "ru_RU.UTF-8", "ru_RU", "ru", "C", NULL };
  static const char *const plain_ru[] = { "ru", NULL };
  static const char *const german[] = { "de_DE", "de", "C", NULL };
  static const char *const c_first[] = { "C", "ru", NULL };
  g_assert_cmpstr (pochta_keyfile_group_find_localized (lesson, "Title", russian)->value, ==, "Zdravstvuy");
  g_assert_cmpstr (pochta_keyfile_group_find_localized (lesson, "Title", plain_ru)->value, ==, "Privet");
  g_assert_cmpstr (pochta_keyfile_group_find_localized (lesson, "Title", german)->value, ==, "Hello");
  g_assert_cmpstr (pochta_keyfile_group_find_localized (lesson, "Title", c_first)->value, ==, "Hello");
  g_assert_null (pochta_keyfile_group_find_localized (lesson, "Summary", russian));
}

typedef struct
{
  const char *name;
  const char *data;
  PochtaKeyfileError code;
  const char *message;
} BadRow;

static const BadRow bad_rows[] = {
  { "syntax", "[A]\nwhat is this\n", POCHTA_KEYFILE_ERROR_SYNTAX,
    "f:2: expected Key=value, a [group] or a # comment" },
  { "key-first", "\nKey=v\n", POCHTA_KEYFILE_ERROR_SYNTAX, "f:2: a key before the first [group]" },
  { "header", "[A\n", POCHTA_KEYFILE_ERROR_SYNTAX, "f:1: a group header must look like [Kind name]" },
  { "empty-header", "[]\n", POCHTA_KEYFILE_ERROR_SYNTAX, "f:1: a group header must look like [Kind name]" },
  { "key-name", "[A]\nK ey=v\n", POCHTA_KEYFILE_ERROR_SYNTAX, "f:2: 'K ey' is not a valid key name" },
  { "locale", "[A]\nK[ru=v\n", POCHTA_KEYFILE_ERROR_SYNTAX, "f:2: 'K[ru' is not a valid key name" },
  { "empty-locale", "[A]\nK[]=v\n", POCHTA_KEYFILE_ERROR_SYNTAX, "f:2: 'K[]' is not a valid key name" },
  { "group-twice", "[A]\n[B]\n[A]\n", POCHTA_KEYFILE_ERROR_DUPLICATE, "f:3: [A] is given twice (first on line 1)" },
  { "key-twice", "[A]\nK=1\nK=2\n", POCHTA_KEYFILE_ERROR_DUPLICATE, "f:3: key 'K' is given twice in this group" },
  { "translation-twice", "[A]\nK[ru]=1\nK[ru]=2\n", POCHTA_KEYFILE_ERROR_DUPLICATE,
    "f:3: key 'K[ru]' is given twice in this group" },
  { "nul", "[A]\nK=a\0b\n", POCHTA_KEYFILE_ERROR_SYNTAX, "f:2: a NUL byte is not allowed" },
  { "utf8", "[A]\nK=\xff\n", POCHTA_KEYFILE_ERROR_SYNTAX, "f:2: not valid UTF-8" },
};

static void
test_bad (gconstpointer data)
{
  const BadRow *row = data;
  g_autoptr (GError) error = NULL;
  /* The NUL row's length counts past its NUL. */
  gsize len = strcmp (row->name, "nul") == 0 ? sizeof "[A]\nK=a\0b\n" - 1 : strlen (row->data);
  g_autoptr (PochtaKeyfileLines) lines = pochta_keyfile_lines_scan (row->data, len, "f", NULL, &error);

  g_assert_null (lines);
  g_assert_error (error, POCHTA_KEYFILE_ERROR, (int) row->code);
  g_assert_cmpstr (error->message, ==, row->message);
}

static void
test_repeatable (void)
{
  static const char *const repeatable[] = { "Do", NULL };
  static const char data[] = "[S]\nDo=a\nDo=b\nDo[ru]=c\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaKeyfileLines) lines = pochta_keyfile_lines_scan (data, strlen (data), "f", repeatable, &error);
  g_assert_no_error (error);
  const PochtaKeyfileGroup *group = pochta_keyfile_lines_find_group (lines, "S");
  g_assert_cmpuint (group->entries->len, ==, 3);
  g_assert_cmpstr (pochta_keyfile_group_find (group, "Do", NULL)->value, ==, "a");
  g_assert_cmpstr (pochta_keyfile_group_find (group, "Do", "ru")->value, ==, "c");
}

typedef struct
{
  const char *escaped;
  const char *plain;     /* NULL: refused */
} EscapeRow;

static void
test_unescape (void)
{
  static const EscapeRow rows[] = {
    { "plain", "plain" },
    { "\\sleading", " leading" },
    { "a\\nb\\tc\\rd\\\\e", "a\nb\tc\rd\\e" },
    { "", "" },
    { "regex \\.", NULL },
    { "semi\\;colon", NULL },
    { "trailing\\", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *plain = pochta_keyfile_unescape (rows[i].escaped, &error);
      g_assert_cmpstr (plain, ==, rows[i].plain);
      if (rows[i].plain == NULL)
        g_assert_error (error, POCHTA_KEYFILE_ERROR, POCHTA_KEYFILE_ERROR_SYNTAX);

      /* GKeyFile agrees on every row, and flags the refused ones too. */
      g_autoptr (GKeyFile) file = g_key_file_new ();
      g_autoptr (GError) glib_error = NULL;
      g_autofree char *text = g_strdup_printf ("[G]\nK=%s\n", rows[i].escaped);
      g_assert_true (g_key_file_load_from_data (file, text, (gsize) -1, G_KEY_FILE_NONE, NULL));
      g_autofree char *glib = g_key_file_get_string (file, "G", "K", &glib_error);
      if (rows[i].plain != NULL)
        g_assert_cmpstr (glib, ==, rows[i].plain);
      else
        g_assert_nonnull (glib_error);
    }

  g_autoptr (GError) error = NULL;
  g_autofree char *message = pochta_keyfile_unescape ("x\\q", &error);
  g_assert_null (message);
  g_assert_cmpstr (error->message, ==, "invalid escape '\\q' (known: \\s \\n \\t \\r \\\\)");
}

static void
test_unescape_list (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) items = pochta_keyfile_unescape_list ("250;550\\; or not;\\s503;", &error);
  g_assert_no_error (error);
  const char *const expected[] = { "250", "550; or not", " 503", NULL };
  g_assert_cmpstrv (items, expected);

  g_auto (GStrv) empty = pochta_keyfile_unescape_list ("", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);
  g_auto (GStrv) bad = pochta_keyfile_unescape_list ("a;b\\x", &error);
  g_assert_null (bad);
  g_assert_error (error, POCHTA_KEYFILE_ERROR, POCHTA_KEYFILE_ERROR_SYNTAX);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/keyfile-lines/lines", test_lines);
  g_test_add_func ("/engine/keyfile-lines/repeatable", test_repeatable);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/keyfile-lines/bad/%s", bad_rows[i].name);
      g_test_add_data_func (path, &bad_rows[i], test_bad);
    }
  g_test_add_func ("/engine/keyfile-lines/unescape", test_unescape);
  g_test_add_func ("/engine/keyfile-lines/unescape-list", test_unescape_list);
  return g_test_run ();
}
