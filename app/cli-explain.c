/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `pochta-cli explain`: what an SMTP reply code, an enhanced status code,
 * a POP3 response or a SASL step means, from the knowledge base, in the
 * user's language. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cli-private.h"
#include "knowledge.h"

/* Characters per line of the explanations, indent included: readable in
 * an 80-column terminal. */
#define TEXT_WIDTH 76
#define LABEL_INDENT "  "
#define TEXT_INDENT "    "

/* Appends text broken into lines of at most TEXT_WIDTH characters (not
 * bytes: the Russian texts are UTF-8), each after indent; a word longer
 * than a line stays whole. */
static void
append_wrapped (GString *out, const char *indent, const char *text)
{
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  glong indent_width = (glong) strlen (indent);
  glong column = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      glong length = g_utf8_strlen (words[i], -1);

      if (length == 0)
        continue;
      if (column > 0 && column + 1 + length > TEXT_WIDTH)
        {
          g_string_append_c (out, '\n');
          column = 0;
        }
      if (column == 0)
        {
          g_string_append (out, indent);
          column = indent_width;
        }
      else
        {
          g_string_append_c (out, ' ');
          column++;
        }
      g_string_append (out, words[i]);
      column += length;
    }
  g_string_append_c (out, '\n');
}

static void
append_part (GString *out, const char *label, const char *text)
{
  g_string_append_printf (out, LABEL_INDENT "%s\n", label);
  append_wrapped (out, TEXT_INDENT, text);
}

/* The entries that explain the same code in answer to one command (or
 * with one response code, or for one mechanism): "550 RCPT" for "550". */
static char *
dup_variants (PochtaKnowledge *knowledge, const PochtaKnowledgeEntry *entry)
{
  g_autoptr (GPtrArray) entries = pochta_knowledge_list (knowledge);
  g_autofree char *prefix = g_strconcat (entry->key, " ", NULL);
  g_autoptr (GString) variants = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      const PochtaKnowledgeEntry *other = g_ptr_array_index (entries, i);
      if (!g_str_has_prefix (other->key, prefix))
        continue;
      g_autofree char *query = pochta_knowledge_format_query (other);
      if (variants->len > 0)
        g_string_append (variants, ", ");
      g_string_append (variants, query);
    }
  return variants->len > 0 ? g_strdup (variants->str) : NULL;
}

static void
print_entry (PochtaKnowledge *knowledge, const PochtaKnowledgeEntry *entry)
{
  g_autofree char *query = pochta_knowledge_format_query (entry);
  g_autofree char *variants = dup_variants (knowledge, entry);
  g_autoptr (GString) out = g_string_new (NULL);

  g_string_append_printf (out, "%s \xe2\x80\x94 %s\n\n", query, entry->title);
  append_part (out, _("Meaning"), entry->meaning);
  append_part (out, _("Likely cause"), entry->cause);
  append_part (out, _("Next step"), entry->next);
  append_part (out, _("Defined in"), entry->rfc);
  if (variants != NULL)
    {
      /* Translators: followed by a list such as "550 RCPT, 550 VRFY":
       * the same code explained in answer to each command. */
      g_autofree char *see_also = g_strdup_printf (_("See also: %s"), variants);
      g_string_append_c (out, '\n');
      append_wrapped (out, LABEL_INDENT, see_also);
    }
  g_print ("%s", out->str);
}

/* Every entry under a heading per kind, as the query that finds it. */
static void
print_list (PochtaKnowledge *knowledge)
{
  static const struct
  {
    const char *prefix;
    const char *heading;
  } kinds[] = {
    { "Reply ", N_("SMTP reply codes") },
    { "Status ", N_("Enhanced status codes") },
    { "POP3 ", N_("POP3 responses") },
    { "SASL ", N_("SASL steps") },
  };
  g_autoptr (GPtrArray) entries = pochta_knowledge_list (knowledge);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_print ("%s%s\n", k > 0 ? "\n" : "", _(kinds[k].heading));
      for (guint i = 0; i < entries->len; i++)
        {
          const PochtaKnowledgeEntry *entry = g_ptr_array_index (entries, i);
          if (!g_str_has_prefix (entry->key, kinds[k].prefix))
            continue;
          g_autofree char *query = pochta_knowledge_format_query (entry);
          g_print ("  %-20s %s\n", query, entry->title);
        }
    }
}

/* POP3's "-ERR" would read as options to GOption (-E -R -R): while the
 * options are parsed, such an argument is replaced by this mark and its
 * position, which no code starts with. */
#define HIDDEN_ARGUMENT "\x01"

static gboolean
is_negative_response (const char *argument)
{
  return g_ascii_strncasecmp (argument, "-ERR", 4) == 0 && (argument[4] == '\0' || g_ascii_isspace (argument[4]));
}

static GStrv
hide_negative_responses (int argc, char **argv)
{
  GStrv args = g_new0 (char *, (gsize) argc + 1);

  for (int i = 0; i < argc; i++)
    args[i] = i > 0 && is_negative_response (argv[i]) ? g_strdup_printf (HIDDEN_ARGUMENT "%d", i)
                                                      : g_strdup (argv[i]);
  return args;
}

/* The argument as the user wrote it. */
static const char *
original_argument (const char *argument, char **argv)
{
  if (!g_str_has_prefix (argument, HIDDEN_ARGUMENT))
    return argument;
  return argv[g_ascii_strtoll (argument + strlen (HIDDEN_ARGUMENT), NULL, 10)];
}

static void
print_unknown (const char *query)
{
  g_printerr (_("pochta-cli explain: nothing is known about '%s'.\n"), query);
  g_printerr ("%s\n", _("It takes an SMTP reply code (550), a code and the command it answered\n"
                        "(\"550 RCPT\"), an enhanced status code (5.1.1), a POP3 response (+OK, -ERR,\n"
                        "\"-ERR [IN-USE]\") or a SASL step (334, \"334 CRAM-MD5\", +, *).\n"
                        "Run 'pochta-cli explain --list' to see every entry."));
}

int
cli_explain (int argc, char **argv)
{
  g_autofree char *command = NULL;
  gboolean list = FALSE;
  const GOptionEntry entries[] = {
    { "command", 'c', 0, G_OPTION_ARG_STRING, &command,
      /* Translators: VERB is an SMTP or POP3 command such as RCPT. */
      N_("The command the code answered (550 to RCPT is not 550 to MAIL)"), N_("VERB") },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list, N_("List every entry of the knowledge base"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_("CODE..."));
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Explains SMTP reply codes, enhanced status codes, POP3 responses and\n"
                                  "SASL steps: what each one means, its likely cause in a Pochta session,\n"
                                  "what the client does next, and the RFC section that rules it.\n"
                                  "\n"
                                  "Examples: 550, \"550 RCPT\", 5.1.1, 334, \"-ERR [IN-USE]\", +, *"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_auto (GStrv) args = hide_negative_responses (argc, argv);
  if (!g_option_context_parse_strv (context, &args, &error))
    return cli_usage_error ("explain", error->message);
  guint n_args = g_strv_length (args);
  if (n_args < 2 && !list)
    return cli_usage_error ("explain", _("name at least one code, e.g. pochta-cli explain 550"));

  g_autoptr (PochtaKnowledge) knowledge = pochta_knowledge_load_builtin (NULL, &error);
  if (knowledge == NULL)
    {
      g_printerr ("pochta-cli explain: %s\n", error->message);
      return 1;
    }
  if (list)
    {
      print_list (knowledge);
      if (n_args < 2)
        return 0;
      g_print ("\n");
    }

  int status = 0;
  for (guint i = 1; i < n_args; i++)
    {
      const char *code = original_argument (args[i], argv);
      g_autofree char *query = command != NULL ? g_strconcat (code, " ", command, NULL) : g_strdup (code);
      const PochtaKnowledgeEntry *entry = pochta_knowledge_lookup (knowledge, query);

      if (entry == NULL)
        {
          print_unknown (query);
          status = 1;
          continue;
        }
      if (i > 1)
        g_print ("\n");
      print_entry (knowledge, entry);
    }
  return status;
}
