/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The numbered text export in the thesis' notation ("  1  S: 220 ..."). */
#define G_LOG_DOMAIN "pochta-export-text"
#include "config.h"

#include "transcript-export-private.h"

typedef struct
{
  GString *out;
  PochtaExportOptions options;
  guint last_connection; /* of the last line written, to mark a switch */
} TextWriter;

static void
write_comment_start (TextWriter *writer, gint64 time)
{
  g_string_append (writer->out, "# ");
  pochta_export_append_time (writer->out, time, writer->options.utc_offset_minutes);
  g_string_append_c (writer->out, ' ');
}

static void
write_open (TextWriter *writer, const PochtaTranscriptConnection *connection)
{
  g_string_append_printf (writer->out, "# connection %u: ", connection->id);
  pochta_export_append_connection (writer->out, connection);
  g_string_append (writer->out, ", ");
  pochta_export_append_time (writer->out, connection->open_time,
                             writer->options.utc_offset_minutes);
  g_string_append_c (writer->out, '\n');
  writer->last_connection = connection->id;
}

static void
write_close (TextWriter *writer, const PochtaTranscriptConnection *connection)
{
  g_string_append_printf (writer->out, "# connection %u closed, ", connection->id);
  pochta_export_append_time (writer->out, connection->close_time,
                             writer->options.utc_offset_minutes);
  g_string_append_c (writer->out, '\n');
}

static void
write_line (TextWriter *writer, const PochtaTranscriptItem *item)
{
  /* With several connections open at once the C: and S: lines of one
   * would run into the other's; say whose lines follow. */
  if (item->connection != writer->last_connection)
    g_string_append_printf (writer->out, "# connection %u, continued\n", item->connection);
  writer->last_connection = item->connection;

  g_string_append_printf (writer->out, "%3u  %s", item->line_number,
                          item->direction == POCHTA_DIRECTION_CLIENT ? "C:" : "S:");
  if (item->length > 0)
    {
      g_string_append_c (writer->out, ' ');
      pochta_export_append_visible (writer->out, item->text, item->length, POCHTA_ESCAPE_TEXT);
    }
  g_string_append_c (writer->out, '\n');
}

static void
write_event (TextWriter *writer, const PochtaTranscriptItem *item)
{
  write_comment_start (writer, item->time);
  if (item->kind == POCHTA_ITEM_MTA)
    {
      g_string_append_printf (writer->out, "%s %s", item->host, item->event);
      if (item->length > 0)
        g_string_append (writer->out, ": ");
    }
  pochta_export_append_visible (writer->out, item->text, item->length, POCHTA_ESCAPE_TEXT);
  g_string_append_c (writer->out, '\n');
}

GBytes *
pochta_transcript_export_text (PochtaTranscript          *transcript,
                               const PochtaExportOptions *options)
{
  g_return_val_if_fail (transcript != NULL, NULL);

  TextWriter writer = { g_string_new (NULL), pochta_export_options_resolve (options), 0 };
  g_autoptr (GArray) steps = pochta_export_steps (transcript);

  for (guint i = 0; i < steps->len; i++)
    {
      const PochtaExportStep *step = &g_array_index (steps, PochtaExportStep, i);
      switch (step->kind)
        {
        case POCHTA_EXPORT_STEP_OPEN:
          write_open (&writer, step->connection);
          break;
        case POCHTA_EXPORT_STEP_CLOSE:
          write_close (&writer, step->connection);
          break;
        case POCHTA_EXPORT_STEP_ITEM:
          if (step->item->kind == POCHTA_ITEM_LINE)
            write_line (&writer, step->item);
          else
            write_event (&writer, step->item);
          break;
        }
    }
  return g_string_free_to_bytes (writer.out);
}
