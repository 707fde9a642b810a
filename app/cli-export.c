/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `pochta-cli export`: loads a transcript from its JSON export and writes
 * it as text, JSON, HTML, pcap or the SVG, PDF or PNG sequence diagram. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>

#include "cli-private.h"
#include "knowledge.h"
#include "transcript-export.h"

static int
fail (const char *what, const char *message)
{
  g_printerr ("pochta-cli export: %s: %s\n", what, message);
  return 1;
}

int
cli_export (int argc, char **argv)
{
  g_autofree char *format_name = NULL;
  g_autofree char *output = NULL;
  g_autofree char *title = NULL;
  int utc_offset = 0;
  int connection = 0;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      N_("txt, json, html, pcap, svg, pdf or png"), N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("The file to write"), N_("FILE") },
    { "utc-offset", 0, 0, G_OPTION_ARG_INT, &utc_offset,
      N_("Show times in this zone, minutes east of UTC (default 0)"), N_("MINUTES") },
    { "connection", 'c', 0, G_OPTION_ARG_INT, &connection,
      N_("The connection the diagram shows (default the first)"), N_("ID") },
    { "title", 't', 0, G_OPTION_ARG_STRING, &title,
      N_("Title of the HTML page and the diagram"), N_("TEXT") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_("TRANSCRIPT.json"));
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Writes a transcript, loaded from its JSON export, in another "
                                  "format:\nnumbered text, JSON, HTML, a pcap file for Wireshark, "
                                  "or the sequence\ndiagram of one connection as SVG, PDF or PNG."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error ("export", error->message);
  if (argc != 2)
    return cli_usage_error ("export", _("export takes one TRANSCRIPT.json"));
  if (format_name == NULL || output == NULL)
    return cli_usage_error ("export", _("--format and -o are required"));
  PochtaExportFormat format;
  if (!pochta_export_format_from_string (format_name, &format))
    return cli_usage_error ("export", _("--format is one of txt, json, html, pcap, svg, pdf, png"));
  if (connection < 0 || utc_offset < -24 * 60 || utc_offset > 24 * 60)
    return cli_usage_error ("export", _("--connection or --utc-offset is out of range"));

  g_autofree char *json = NULL;
  gsize length = 0;
  if (!g_file_get_contents (argv[1], &json, &length, &error))
    return fail (argv[1], error->message);
  g_autoptr (PochtaTranscript) transcript = pochta_transcript_import_json (json, length, &error);
  if (transcript == NULL)
    return fail (argv[1], error->message);

  PochtaExportOptions options = {
    .utc_offset_minutes = utc_offset,
    .title = title,
    .connection = (guint) connection,
  };
  /* The HTML page explains each reply from the knowledge base, in the
   * user's language. */
  g_autoptr (PochtaKnowledge) knowledge = NULL;
  g_autoptr (PochtaKnowledgeExplainer) explainer = NULL;
  if (format == POCHTA_EXPORT_HTML)
    {
      knowledge = pochta_knowledge_load_builtin (NULL, &error);
      if (knowledge == NULL)
        return fail ("knowledge base", error->message);
      explainer = pochta_knowledge_explainer_new (knowledge, transcript);
      options.explain = pochta_knowledge_explainer_explain;
      options.explain_data = explainer;
    }
  g_autoptr (GBytes) bytes = pochta_transcript_export (transcript, format, &options, &error);
  if (bytes == NULL)
    return fail (argv[1], error->message);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  if (!g_file_set_contents (output, data, (gssize) size, &error))
    return fail (output, error->message);
  return 0;
}
