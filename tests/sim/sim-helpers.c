/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers of the simulation tests. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "sim-helpers.h"

PochtaSimulation *
sim_new_constr_org (guint32 seed)
{
  g_autoptr (GError) error = NULL;
  PochtaSimulation *simulation = pochta_simulation_new_builtin (
    "constr-org", seed, POCHTA_SIMULATION_DEFAULT_START, SIM_UTC_OFFSET, &error);
  g_assert_no_error (error);
  return simulation;
}

PochtaSimulation *
sim_new_from_text (const char *network_text, guint32 seed)
{
  g_autoptr (GError) error = NULL;
  PochtaNetwork *network
    = pochta_network_load_data (network_text, strlen (network_text), "test.network", &error);
  g_assert_no_error (error);
  return pochta_simulation_new (network, seed, POCHTA_SIMULATION_DEFAULT_START, SIM_UTC_OFFSET);
}

char *
sim_dump_transcript (PochtaTranscript *transcript)
{
  GString *out = g_string_new (NULL);

  for (guint id = 1; id <= pochta_transcript_get_n_connections (transcript); id++)
    {
      const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, id);
      g_string_append_printf (
        out, "connection %u %s %s[%s]:%u -> %s[%s]:%u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
        c->id, pochta_protocol_to_string (c->protocol), c->client_host, c->client_address,
        c->client_port, c->server_host, c->server_address, c->server_port, c->open_time,
        c->close_time);
    }
  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      g_autofree char *text = g_strescape (item->text != NULL ? item->text : "", NULL);
      g_string_append_printf (
        out, "%u %" G_GINT64_FORMAT " %u %d %u %s %s %s>%s %s %s: %s\n", item->index, item->time,
        item->connection, item->direction, item->code, item->status != NULL ? item->status : "-",
        item->verb != NULL ? item->verb : "-",
        item->state_before != NULL ? item->state_before : "-",
        item->state_after != NULL ? item->state_after : "-", item->host != NULL ? item->host : "-",
        item->event != NULL ? item->event : "-", text);
    }
  return g_string_free (out, FALSE);
}

char *
sim_connection_lines (PochtaTranscript *transcript, guint connection)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind != POCHTA_ITEM_LINE || item->connection != connection)
        continue;
      g_string_append (out, item->direction == POCHTA_DIRECTION_CLIENT ? "C: " : "S: ");
      g_string_append_len (out, item->text, (gssize) item->length);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

GArray *
sim_find_connections (PochtaTranscript *transcript, const char *client, const char *server)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint id = 1; id <= pochta_transcript_get_n_connections (transcript); id++)
    {
      const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, id);
      if (g_strcmp0 (c->client_host, client) == 0 && g_strcmp0 (c->server_host, server) == 0)
        g_array_append_val (ids, id);
    }
  return ids;
}

char *
sim_mta_events (PochtaTranscript *transcript, const char *host, const char *event)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind == POCHTA_ITEM_MTA && (host == NULL || g_strcmp0 (item->host, host) == 0)
          && g_strcmp0 (item->event, event) == 0)
        g_string_append_printf (out, "%s\n", item->text);
    }
  return g_string_free (out, FALSE);
}

gint64
sim_line_time (PochtaTranscript *transcript, guint connection, const char *line)
{
  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind == POCHTA_ITEM_LINE && item->connection == connection
          && item->length == strlen (line) && memcmp (item->text, line, item->length) == 0)
        return item->time;
    }
  return -1;
}

/* The placeholders of templates and what they match. */
static const struct
{
  const char *name;
  const char *pattern;
} placeholders[] = {
  { "{ID}", "[A-Za-z0-9]+" },
  { "{B64}", "[A-Za-z0-9+/]+=*" },
};

static const char *
next_placeholder (const char *p, guint *out_index)
{
  const char *first = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
    {
      const char *at = strstr (p, placeholders[i].name);
      if (at != NULL && (first == NULL || at < first))
        {
          first = at;
          *out_index = i;
        }
    }
  return first;
}

void
sim_assert_template_real (const char *file, int line, const char *actual, const char *template)
{
  GString *pattern = g_string_new ("^");
  const char *p = template;

  while (*p != '\0')
    {
      guint index = 0;
      const char *at = next_placeholder (p, &index);
      gsize literal = at != NULL ? (gsize) (at - p) : strlen (p);
      g_autofree char *escaped = g_regex_escape_string (p, (gint) literal);
      g_string_append (pattern, escaped);
      p += literal;
      if (at != NULL)
        {
          g_string_append (pattern, placeholders[index].pattern);
          p += strlen (placeholders[index].name);
        }
    }
  g_string_append (pattern, "$");
  gboolean matches
    = actual != NULL && g_regex_match_simple (pattern->str, actual, G_REGEX_DOTALL, 0);
  g_string_free (pattern, TRUE);
  if (!matches)
    {
      g_test_message ("actual:\n%s", actual != NULL ? actual : "(null)");
      g_test_message ("template:\n%s", template);
      g_assertion_message (G_LOG_DOMAIN, file, line, "sim_assert_template",
                           "text does not match its template");
    }
}

GPtrArray *
sim_mailbox (PochtaSimulation *simulation, const char *mailbox, guint n)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *messages = pochta_simulation_dup_mailbox (simulation, mailbox, &error);
  g_assert_no_error (error);
  if (messages->len != n)
    for (guint i = 0; i < messages->len; i++)
      {
        g_autofree char *text = sim_bytes_to_string (g_ptr_array_index (messages, i));
        g_test_message ("%s message %u:\n%s", mailbox, i, text);
      }
  g_assert_cmpuint (messages->len, ==, n);
  return messages;
}

void
sim_assert_mailbox_size (PochtaSimulation *simulation, const char *mailbox, guint n)
{
  g_ptr_array_unref (sim_mailbox (simulation, mailbox, n));
}

char *
sim_bytes_to_string (GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  return g_strndup (data, len);
}

char *
sim_python_read_dsn (GBytes *message)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "sim", "dsn-python.py", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;

  if (python == NULL)
    {
      g_test_skip ("python3 is not installed");
      return NULL;
    }
  g_autoptr (GSubprocess) process = g_subprocess_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
    &error, python, script, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (process, message, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    {
      g_autofree char *text = sim_bytes_to_string (err);
      g_error ("dsn-python.py failed: %s", text);
    }
  return sim_bytes_to_string (out);
}
