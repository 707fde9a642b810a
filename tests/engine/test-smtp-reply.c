/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the strict SMTP reply parser: valid and invalid replies, one table. */
#include "config.h"

#include <string.h>

#include "smtp-reply.h"

#define MAX_ROW_LINES 8

typedef struct
{
  const char *name;
  const char *lines[MAX_ROW_LINES]; /* pushed in order, NULL-terminated */
  guint max_lines;                  /* 0: 100 */
  /* One token per pushed line: "I" incomplete, "M" malformed, or
   * "C<code>[<line>|<line>...]" for a complete reply. */
  const char *expected;
  gboolean in_reply_after;          /* pochta_smtp_reply_parser_in_reply () at the end */
  const char *error_contains;       /* for rows with an M: part of the error text */
} ReplyRow;

static const ReplyRow reply_rows[] = {
  { "single", { "250 OK" }, 0, "C250[OK]" },
  { "no-text", { "250" }, 0, "C250[]" },
  { "sp-only", { "250 " }, 0, "C250[]" },
  { "greeting", { "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready" }, 0,
    "C220[comp3.otd2.constr.org Simple Mail Transfer Service Ready]" },
  { "multi-line-ehlo",
    { "250-comp3.otd2.constr.org says hello", "250-HELP", "250-AUTH CRAM-MD5 DIGEST-MD5",
      "250-SIZE 10240000", "250-ETRN", "250-TURN", "250 VRFY" }, 0,
    "I I I I I I C250[comp3.otd2.constr.org says hello|HELP|AUTH CRAM-MD5 DIGEST-MD5|"
    "SIZE 10240000|ETRN|TURN|VRFY]" },
  { "empty-continuation", { "250-", "250 x" }, 0, "I C250[|x]" },
  { "last-line-without-text", { "214-a", "214" }, 0, "I C214[a|]" },
  { "enhanced-code-kept", { "550 5.1.1 No such user here" }, 0,
    "C550[5.1.1 No such user here]" },
  { "auth-challenge", { "334 PDE4OTYuNjk3MTcwOTUyQGNvbXAzLm90ZDIuY29uc3RyLm9yZz4=" }, 0,
    "C334[PDE4OTYuNjk3MTcwOTUyQGNvbXAzLm90ZDIuY29uc3RyLm9yZz4=]" },
  { "empty-challenge", { "334 " }, 0, "C334[]" },
  { "tab-in-text", { "250 a\tb" }, 0, "C250[a\tb]" },
  { "utf8-text", { "250 \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" }, 0,
    "C250[\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82]" },
  { "highest-code", { "559 x" }, 0, "C559[x]" },
  { "two-replies-in-a-row", { "250 a", "251 b" }, 0, "C250[a] C251[b]" },
  /* A continuation line after a final line is not part of the finished
   * reply: it opens a new one, which the session sees as unsolicited. */
  { "continuation-after-final", { "250 a", "250-b" }, 0, "C250[a] I", TRUE },
  { "exactly-max-lines", { "250-a", "250-b", "250 c" }, 3, "I I C250[a|b|c]" },
  { "one-line-max", { "250 a" }, 1, "C250[a]" },

  { "mixed-codes", { "250-a", "251 b" }, 0, "I M", FALSE, "same code" },
  { "mixed-codes-continuation", { "250-a", "550-b" }, 0, "I M", FALSE, "same code" },
  { "four-digits", { "2500 x" }, 0, "M", FALSE, "neither SP nor '-'" },
  { "code-1yz", { "199 x" }, 0, "M", FALSE, "three digits" },
  { "code-6yz", { "600 x" }, 0, "M", FALSE, "three digits" },
  { "code-0yz", { "050 x" }, 0, "M", FALSE, "three digits" },
  { "second-digit-6", { "260 x" }, 0, "M", FALSE, "three digits" },
  { "letter-after-code", { "250x" }, 0, "M", FALSE, "neither SP nor '-'" },
  { "underscore-after-code", { "250_x" }, 0, "M", FALSE, "neither SP nor '-'" },
  { "two-digits", { "25" }, 0, "M", FALSE, "three digits" },
  { "empty-line", { "" }, 0, "M", FALSE, "three digits" },
  { "garbage", { "hello there" }, 0, "M", FALSE, "three digits" },
  { "leading-space", { " 250 x" }, 0, "M", FALSE, "three digits" },
  { "letters-in-code", { "2x0 x" }, 0, "M", FALSE, "three digits" },
  { "cr-in-text", { "250 a\rb" }, 0, "M", FALSE, "control character" },
  { "escape-in-text", { "250 a\x1b[31m" }, 0, "M", FALSE, "control character" },
  { "del-in-text", { "250 a\x7f" }, 0, "M", FALSE, "control character" },
  { "too-many-lines", { "250-a", "250-b", "250-c", "250 d" }, 3, "I I I M", FALSE,
    "more than 3 lines" },
  { "too-many-lines-at-one", { "250-a", "250 b" }, 1, "I M", FALSE, "more than 1 lines" },
  { "garbage-inside-multi-line", { "250-a", "oops", "250 b" }, 0, "I M C250[b]", FALSE,
    "three digits" },
  { "recovers-after-malformed", { "250-a", "251 b", "220 ok" }, 0, "I M C220[ok]", FALSE,
    "same code" },
};

static char *
render_reply (const PochtaSmtpReply *reply)
{
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "C%u[", reply->code);
  for (guint i = 0; i < reply->lines->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, '|');
      g_string_append (out, g_ptr_array_index (reply->lines, i));
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static void
test_reply_row (gconstpointer data)
{
  const ReplyRow *row = data;
  g_autoptr (PochtaSmtpReplyParser) parser
    = pochta_smtp_reply_parser_new (row->max_lines ? row->max_lines : 100);
  g_autoptr (GString) got = g_string_new (NULL);
  gboolean saw_error = FALSE;

  for (guint i = 0; i < MAX_ROW_LINES && row->lines[i] != NULL; i++)
    {
      const PochtaSmtpReply *reply = NULL;
      g_autofree char *error = NULL;
      PochtaSmtpReplyStatus status
        = pochta_smtp_reply_parser_push_line (parser, row->lines[i], strlen (row->lines[i]),
                                              &reply, &error);
      if (got->len > 0)
        g_string_append_c (got, ' ');
      switch (status)
        {
        case POCHTA_SMTP_REPLY_INCOMPLETE:
          g_assert_null (reply);
          g_assert_null (error);
          g_assert_true (pochta_smtp_reply_parser_in_reply (parser));
          g_string_append (got, "I");
          break;
        case POCHTA_SMTP_REPLY_COMPLETE:
          {
            g_assert_nonnull (reply);
            g_assert_null (error);
            g_assert_false (pochta_smtp_reply_parser_in_reply (parser));
            g_autofree char *rendered = render_reply (reply);
            g_string_append (got, rendered);
          }
          break;
        case POCHTA_SMTP_REPLY_MALFORMED:
        default:
          g_assert_null (reply);
          g_assert_nonnull (error);
          g_assert_false (pochta_smtp_reply_parser_in_reply (parser));
          g_assert_nonnull (row->error_contains);
          g_assert_nonnull (strstr (error, row->error_contains));
          saw_error = TRUE;
          g_string_append (got, "M");
          break;
        }
    }

  g_assert_cmpstr (got->str, ==, row->expected);
  g_assert_cmpint (pochta_smtp_reply_parser_in_reply (parser), ==, row->in_reply_after);
  /* A row that names an error must produce one. */
  g_assert_cmpint (saw_error, ==, row->error_contains != NULL);
}

/* Lines are length-counted: a NUL inside the text is refused, not a place
 * where the line silently ends. */
static void
test_reply_nul_in_text (void)
{
  static const char line[] = "250 ok\0 and more";
  g_autoptr (PochtaSmtpReplyParser) parser = pochta_smtp_reply_parser_new (100);
  const PochtaSmtpReply *reply = NULL;
  g_autofree char *error = NULL;

  g_assert_cmpint (pochta_smtp_reply_parser_push_line (parser, line, sizeof line - 1,
                                                       &reply, &error),
                   ==, POCHTA_SMTP_REPLY_MALFORMED);
  g_assert_null (reply);
  g_assert_nonnull (strstr (error, "control character"));
}

/* Only the given length counts: bytes after it are not part of the line. */
static void
test_reply_length_counted (void)
{
  static const char buffer[] = "250 OKtrailing";
  g_autoptr (PochtaSmtpReplyParser) parser = pochta_smtp_reply_parser_new (100);
  const PochtaSmtpReply *reply = NULL;

  g_assert_cmpint (pochta_smtp_reply_parser_push_line (parser, buffer, 6, &reply, NULL),
                   ==, POCHTA_SMTP_REPLY_COMPLETE);
  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_cmpstr (g_ptr_array_index (reply->lines, 0), ==, "OK");
}

static void
test_reply_dup_text (void)
{
  g_autoptr (PochtaSmtpReplyParser) parser = pochta_smtp_reply_parser_new (100);
  const PochtaSmtpReply *reply = NULL;
  static const char *lines[] = { "214-first", "214-", "214 last" };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    pochta_smtp_reply_parser_push_line (parser, lines[i], strlen (lines[i]), &reply, NULL);
  g_assert_nonnull (reply);
  g_autofree char *text = pochta_smtp_reply_dup_text (reply);
  g_assert_cmpstr (text, ==, "first\n\nlast");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reply_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/smtp-reply/%s", reply_rows[i].name);
      g_test_add_data_func (path, &reply_rows[i], test_reply_row);
    }
  g_test_add_func ("/engine/smtp-reply/nul-in-text", test_reply_nul_in_text);
  g_test_add_func ("/engine/smtp-reply/length-counted", test_reply_length_counted);
  g_test_add_func ("/engine/smtp-reply/dup-text", test_reply_dup_text);

  return g_test_run ();
}
