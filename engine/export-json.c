/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transcript as JSON ("pochta-transcript", version 1, README.md
 * "Transcript JSON") and back, with every field checked on the way in. */
#define G_LOG_DOMAIN "pochta-export-json"
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "transcript-export-private.h"

#define FORMAT_NAME "pochta-transcript"
#define FORMAT_VERSION 1

/* JSON strings are UTF-8 without NUL; anything else goes into
 * text_base64 and "text" keeps a readable copy with U+FFFD in place of
 * what could not be said. */
static gboolean
needs_base64 (const char *text, gsize length)
{
  return memchr (text, '\0', length) != NULL || !g_utf8_validate (text, (gssize) length, NULL);
}

static char *
make_readable (const char *text, gsize length)
{
  GString *out = g_string_sized_new (length);
  const char *p = text;
  const char *end = text + length;

  while (p < end)
    {
      gunichar u = g_utf8_get_char_validated (p, end - p);
      if (u == (gunichar) -1 || u == (gunichar) -2 || u == 0)
        {
          g_string_append_unichar (out, 0xfffd);
          p++;
          continue;
        }
      const char *next = g_utf8_next_char (p);
      g_string_append_len (out, p, next - p);
      p = next;
    }
  return g_string_free (out, FALSE);
}

static void
add_string_or_null (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else if (g_utf8_validate (value, -1, NULL))
    json_builder_add_string_value (builder, value);
  else
    {
      g_autofree char *readable = make_readable (value, strlen (value));
      json_builder_add_string_value (builder, readable);
    }
}

static void
add_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_int_or_null (JsonBuilder *builder, const char *name, gboolean present, gint64 value)
{
  json_builder_set_member_name (builder, name);
  if (present)
    json_builder_add_int_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
build_connection (JsonBuilder *builder, const PochtaTranscriptConnection *connection)
{
  gboolean closed = connection->close_time >= 0;

  json_builder_begin_object (builder);
  add_int (builder, "id", connection->id);
  add_string_or_null (builder, "protocol", pochta_protocol_to_string (connection->protocol));
  add_string_or_null (builder, "client_host", connection->client_host);
  add_string_or_null (builder, "client_address", connection->client_address);
  add_int (builder, "client_port", connection->client_port);
  add_string_or_null (builder, "server_host", connection->server_host);
  add_string_or_null (builder, "server_address", connection->server_address);
  add_int (builder, "server_port", connection->server_port);
  add_int (builder, "open_time", connection->open_time);
  add_int_or_null (builder, "close_time", closed, connection->close_time);
  add_int (builder, "open_index", connection->open_index);
  add_int_or_null (builder, "close_index", closed, connection->close_index);
  json_builder_end_object (builder);
}

static void
build_text (JsonBuilder *builder, const PochtaTranscriptItem *item)
{
  json_builder_set_member_name (builder, "text");
  if (!needs_base64 (item->text, item->length))
    {
      json_builder_add_string_value (builder, item->text);
      return;
    }
  g_autofree char *readable = make_readable (item->text, item->length);
  g_autofree char *encoded = g_base64_encode ((const guchar *) item->text, item->length);
  json_builder_add_string_value (builder, readable);
  json_builder_set_member_name (builder, "text_base64");
  json_builder_add_string_value (builder, encoded);
}

static void
build_item (JsonBuilder *builder, const PochtaTranscriptItem *item)
{
  gboolean line = item->kind == POCHTA_ITEM_LINE;

  json_builder_begin_object (builder);
  add_int (builder, "index", item->index);
  add_int (builder, "line_number", item->line_number);
  add_string_or_null (builder, "kind", pochta_transcript_item_kind_to_string (item->kind));
  add_int (builder, "time", item->time);
  add_int (builder, "connection", item->connection);
  add_string_or_null (builder, "direction",
                      line ? pochta_direction_to_string (item->direction) : NULL);
  build_text (builder, item);
  add_int (builder, "length", (gint64) item->length);
  add_string_or_null (builder, "verb", item->verb);
  add_int (builder, "code", item->code);
  add_string_or_null (builder, "reply_class", pochta_reply_class_to_string (item->reply_class));
  add_string_or_null (builder, "status", item->status);
  json_builder_set_member_name (builder, "in_data");
  json_builder_add_boolean_value (builder, item->in_data);
  add_string_or_null (builder, "state_before", item->state_before);
  add_string_or_null (builder, "state_after", item->state_after);
  add_string_or_null (builder, "host", item->host);
  add_string_or_null (builder, "event", item->event);
  json_builder_end_object (builder);
}

GBytes *
pochta_transcript_export_json (PochtaTranscript *transcript)
{
  g_return_val_if_fail (transcript != NULL, NULL);

  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_string_or_null (builder, "format", FORMAT_NAME);
  add_int (builder, "version", FORMAT_VERSION);

  json_builder_set_member_name (builder, "connections");
  json_builder_begin_array (builder);
  guint n_connections = pochta_transcript_get_n_connections (transcript);
  for (guint id = 1; id <= n_connections; id++)
    build_connection (builder, pochta_transcript_get_connection (transcript, id));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  guint n_items = pochta_transcript_get_n_items (transcript);
  for (guint i = 0; i < n_items; i++)
    build_item (builder, pochta_transcript_get_item (transcript, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  gsize length = 0;
  g_autofree char *text = json_generator_to_data (generator, &length);
  GString *out = g_string_new_len (text, (gssize) length);
  g_string_append_c (out, '\n');
  return g_string_free_to_bytes (out);
}

/* ---- Import ---------------------------------------------------------- */

/* Where in the document a value sits, for error messages:
 * "connections[2].client_port". */
typedef struct
{
  const char *array;
  guint index;
} Place;

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError **error, const Place *place, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);

  if (place != NULL)
    g_set_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_INVALID,
                 "%s[%u].%s", place->array, place->index, message);
  else
    g_set_error_literal (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_INVALID,
                         message);
  return FALSE;
}

static const char *
json_type_name (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_DOUBLE:
      return "a fraction";
    default:
      return "a number";
    }
}

static gboolean
check_members (JsonObject *object, const char *const *allowed, const Place *place,
               GError **error)
{
  g_autoptr (GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      return fail (error, place, "%s: unknown field", (const char *) l->data);
  return TRUE;
}

/* TRUE with *out_present FALSE when the member is missing and optional. */
static gboolean
get_int (JsonObject *object, const char *name, gint64 min, gint64 max, gboolean required,
         gboolean nullable, const Place *place, gint64 *out_value, gboolean *out_present,
         GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out_present = FALSE;
  if (node == NULL)
    return required ? fail (error, place, "%s: missing", name) : TRUE;
  if (JSON_NODE_HOLDS_NULL (node) && nullable)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, place, "%s: expected an integer, found %s", name, json_type_name (node));
  gint64 value = json_node_get_int (node);
  if (value < min || value > max)
    return fail (error, place, "%s: %" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
                 "..%" G_GINT64_FORMAT, name, value, min, max);
  *out_value = value;
  *out_present = TRUE;
  return TRUE;
}

/* *out_value is NULL when the member is null or missing (if allowed). */
static gboolean
get_string (JsonObject *object, const char *name, gboolean required, gboolean nullable,
            const Place *place, const char **out_value, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out_value = NULL;
  if (node == NULL)
    return required ? fail (error, place, "%s: missing", name) : TRUE;
  if (JSON_NODE_HOLDS_NULL (node) && nullable)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, place, "%s: expected a string, found %s", name, json_type_name (node));
  *out_value = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_boolean (JsonObject *object, const char *name, const Place *place, gboolean *out_value,
             GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out_value = FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (error, place, "%s: expected true or false, found %s", name,
                 json_type_name (node));
  *out_value = json_node_get_boolean (node);
  return TRUE;
}

typedef struct
{
  PochtaProtocol protocol;
  const char *client_host;
  const char *client_address;
  gint64 client_port;
  const char *server_host;
  const char *server_address;
  gint64 server_port;
  gint64 open_time;
  gint64 close_time;   /* -1 while open */
  gint64 open_index;
  gint64 close_index;  /* -1 while open */
} ConnectionSpec;

static const char *const connection_fields[] = {
  "id", "protocol", "client_host", "client_address", "client_port", "server_host",
  "server_address", "server_port", "open_time", "close_time", "open_index", "close_index", NULL,
};

static gboolean
read_connection_times (JsonObject *object, const Place *place, ConnectionSpec *spec,
                       GError **error)
{
  gboolean present, close_present, index_present;

  if (!get_int (object, "open_time", G_MININT64, G_MAXINT64, TRUE, FALSE, place,
                &spec->open_time, &present, error)
      || !get_int (object, "close_time", 0, G_MAXINT64, TRUE, TRUE, place, &spec->close_time,
                   &close_present, error)
      || !get_int (object, "open_index", 0, G_MAXUINT, TRUE, FALSE, place, &spec->open_index,
                   &present, error)
      || !get_int (object, "close_index", 0, G_MAXUINT, TRUE, TRUE, place, &spec->close_index,
                   &index_present, error))
    return FALSE;
  if (close_present != index_present)
    return fail (error, place, "close_time and close_index: both null (open) or both set");
  if (!close_present)
    {
      spec->close_time = -1;
      spec->close_index = -1;
      return TRUE;
    }
  if (spec->close_time < spec->open_time)
    return fail (error, place, "close_time: before open_time");
  if (spec->close_index < spec->open_index)
    return fail (error, place, "close_index: before open_index");
  return TRUE;
}

static gboolean
read_connection (JsonNode *node, guint position, ConnectionSpec *spec, GError **error)
{
  Place place = { "connections", position };
  gint64 id;
  gboolean present;
  const char *protocol;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, NULL, "connections[%u]: expected an object, found %s", position,
                 json_type_name (node));
  JsonObject *object = json_node_get_object (node);
  if (!check_members (object, connection_fields, &place, error)
      || !get_int (object, "id", 1, G_MAXUINT, TRUE, FALSE, &place, &id, &present, error)
      || !get_string (object, "protocol", TRUE, FALSE, &place, &protocol, error)
      || !get_string (object, "client_host", TRUE, FALSE, &place, &spec->client_host, error)
      || !get_string (object, "client_address", TRUE, FALSE, &place, &spec->client_address,
                      error)
      || !get_int (object, "client_port", 0, G_MAXUINT16, TRUE, FALSE, &place,
                   &spec->client_port, &present, error)
      || !get_string (object, "server_host", TRUE, FALSE, &place, &spec->server_host, error)
      || !get_string (object, "server_address", TRUE, FALSE, &place, &spec->server_address,
                      error)
      || !get_int (object, "server_port", 0, G_MAXUINT16, TRUE, FALSE, &place,
                   &spec->server_port, &present, error)
      || !read_connection_times (object, &place, spec, error))
    return FALSE;
  if (id != position + 1)
    return fail (error, &place, "id: %" G_GINT64_FORMAT ", but connections are numbered "
                 "1, 2, ... in order, so this one is %u", id, position + 1);
  if (!pochta_protocol_from_string (protocol, &spec->protocol))
    return fail (error, &place, "protocol: \"%s\" is neither \"smtp\" nor \"pop3\"", protocol);
  return TRUE;
}

/* RFC 4648 §4, strictly: g_base64_decode skips what it does not know, so
 * the alphabet and the padding are checked first. */
static gboolean
is_strict_base64 (const char *text)
{
  gsize length = strlen (text);
  gsize padding = 0;

  if (length % 4 != 0)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];
      if (c == '=')
        {
          if (i + 2 < length)
            return FALSE;
          padding++;
        }
      else if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  PochtaTranscriptItemKind kind;
  gint64 time;
  gint64 connection;
  PochtaDirection direction;
  GBytes *text;
  gboolean in_data;
  const char *state_before;
  const char *state_after;
  const char *host;
  const char *event;
} ItemSpec;

static const char *const item_fields[] = {
  "index", "line_number", "kind", "time", "connection", "direction", "text", "text_base64",
  "length", "verb", "code", "reply_class", "status", "in_data", "state_before", "state_after",
  "host", "event", NULL,
};

static gboolean
read_item_text (JsonObject *object, const Place *place, ItemSpec *spec, GError **error)
{
  const char *text, *encoded;
  gint64 length;
  gboolean length_present;

  if (!get_string (object, "text", TRUE, FALSE, place, &text, error)
      || !get_string (object, "text_base64", FALSE, FALSE, place, &encoded, error)
      || !get_int (object, "length", 0, G_MAXINT32, FALSE, FALSE, place, &length,
                   &length_present, error))
    return FALSE;
  if (encoded == NULL)
    spec->text = g_bytes_new (text, strlen (text));
  else
    {
      if (!is_strict_base64 (encoded))
        return fail (error, place, "text_base64: not base64 (RFC 4648 §4)");
      gsize n = 0;
      guchar *bytes = g_base64_decode (encoded, &n);
      spec->text = g_bytes_new_take (bytes, n);
      g_autofree char *readable = make_readable ((const char *) bytes, n);
      if (strcmp (readable, text) != 0)
        return fail (error, place, "text: does not match text_base64 (\"%s\" expected)",
                     readable);
    }
  if (length_present && (gsize) length != g_bytes_get_size (spec->text))
    return fail (error, place, "length: %" G_GINT64_FORMAT ", but the text has %" G_GSIZE_FORMAT
                 " bytes", length, g_bytes_get_size (spec->text));
  return TRUE;
}

static gboolean
read_line_fields (JsonObject *object, const Place *place, ItemSpec *spec, GError **error)
{
  const char *direction;
  gboolean present;

  if (!get_int (object, "connection", 1, G_MAXUINT, TRUE, FALSE, place, &spec->connection,
                &present, error)
      || !get_string (object, "direction", TRUE, FALSE, place, &direction, error)
      || !get_boolean (object, "in_data", place, &spec->in_data, error)
      || !get_string (object, "state_before", FALSE, TRUE, place, &spec->state_before, error)
      || !get_string (object, "state_after", FALSE, TRUE, place, &spec->state_after, error))
    return FALSE;
  if (!pochta_direction_from_string (direction, &spec->direction))
    return fail (error, place, "direction: \"%s\" is neither \"client\" nor \"server\"",
                 direction);
  const char *host, *event;
  if (!get_string (object, "host", FALSE, TRUE, place, &host, error)
      || !get_string (object, "event", FALSE, TRUE, place, &event, error))
    return FALSE;
  if (host != NULL || event != NULL)
    return fail (error, place, "%s: only an MTA event has one; expected null",
                 host != NULL ? "host" : "event");
  return TRUE;
}

/* Fields that only a line has must be empty on an event or a note. */
static gboolean
check_not_line (JsonObject *object, const Place *place, GError **error)
{
  static const char *const line_only[] = {
    "direction", "verb", "status", "state_before", "state_after",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (line_only); i++)
    {
      JsonNode *node = json_object_get_member (object, line_only[i]);
      if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
        return fail (error, place, "%s: only a line has one; expected null", line_only[i]);
    }
  gint64 value;
  gboolean present, in_data;
  if (!get_int (object, "connection", 0, 0, FALSE, FALSE, place, &value, &present, error)
      || !get_int (object, "code", 0, 0, FALSE, FALSE, place, &value, &present, error)
      || !get_boolean (object, "in_data", place, &in_data, error))
    return FALSE;
  if (in_data)
    return fail (error, place, "in_data: only a line has one; expected false");
  return TRUE;
}

static gboolean
read_item (JsonNode *node, guint position, ItemSpec *spec, GError **error)
{
  Place place = { "items", position };
  const char *kind;
  gboolean present;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, NULL, "items[%u]: expected an object, found %s", position,
                 json_type_name (node));
  JsonObject *object = json_node_get_object (node);
  if (!check_members (object, item_fields, &place, error)
      || !get_string (object, "kind", TRUE, FALSE, &place, &kind, error)
      || !get_int (object, "time", G_MININT64, G_MAXINT64, TRUE, FALSE, &place, &spec->time,
                   &present, error))
    return FALSE;
  if (!pochta_transcript_item_kind_from_string (kind, &spec->kind))
    return fail (error, &place, "kind: \"%s\" is none of \"line\", \"mta\", \"note\"", kind);
  if (!read_item_text (object, &place, spec, error))
    return FALSE;

  switch (spec->kind)
    {
    case POCHTA_ITEM_LINE:
      return read_line_fields (object, &place, spec, error);
    case POCHTA_ITEM_MTA:
      if (!get_string (object, "host", TRUE, FALSE, &place, &spec->host, error)
          || !get_string (object, "event", TRUE, FALSE, &place, &spec->event, error))
        return FALSE;
      break;
    case POCHTA_ITEM_NOTE:
      if (!get_string (object, "host", FALSE, TRUE, &place, &spec->host, error)
          || !get_string (object, "event", FALSE, TRUE, &place, &spec->event, error))
        return FALSE;
      if (spec->host != NULL || spec->event != NULL)
        return fail (error, &place, "%s: only an MTA event has one; expected null",
                     spec->host != NULL ? "host" : "event");
      break;
    }
  gsize length = 0;
  const char *text = g_bytes_get_data (spec->text, &length);
  if (length > 0 && memchr (text, '\0', length) != NULL)
    return fail (error, &place, "text: only a line may hold a NUL byte");
  return check_not_line (object, &place, error);
}

static gboolean
compare_int (JsonObject *object, const char *name, gint64 derived, const Place *place,
             GError **error)
{
  gint64 value;
  gboolean present;

  if (!get_int (object, name, G_MININT64, G_MAXINT64, FALSE, FALSE, place, &value, &present,
                error))
    return FALSE;
  if (present && value != derived)
    return fail (error, place, "%s: %" G_GINT64_FORMAT ", but the transcript makes it %"
                 G_GINT64_FORMAT, name, value, derived);
  return TRUE;
}

static gboolean
compare_string (JsonObject *object, const char *name, const char *derived, const Place *place,
                GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  if (node == NULL)
    return TRUE;
  if (!get_string (object, name, FALSE, TRUE, place, &value, error))
    return FALSE;
  if (g_strcmp0 (value, derived) != 0)
    return fail (error, place, "%s: %s%s%s, but the transcript makes it %s%s%s", name,
                 value ? "\"" : "", value ? value : "null", value ? "\"" : "",
                 derived ? "\"" : "", derived ? derived : "null", derived ? "\"" : "");
  return TRUE;
}

/* The derived fields, when the file has them, must be what the model
 * derives: a file that disagrees with its own lines is refused. */
static gboolean
check_derived (JsonObject *object, const PochtaTranscriptItem *item, guint position,
               GError **error)
{
  Place place = { "items", position };

  return compare_int (object, "index", item->index, &place, error)
         && compare_int (object, "line_number", item->line_number, &place, error)
         && compare_string (object, "verb", item->verb, &place, error)
         && compare_int (object, "code", item->code, &place, error)
         && compare_string (object, "reply_class",
                            pochta_reply_class_to_string (item->reply_class), &place, error)
         && compare_string (object, "status", item->status, &place, error);
}

static gboolean
check_connection_open (PochtaTranscript *transcript, const ItemSpec *spec, guint position,
                       GError **error)
{
  Place place = { "items", position };
  const PochtaTranscriptConnection *connection =
    pochta_transcript_get_connection (transcript, (guint) spec->connection);

  if (connection == NULL)
    return fail (error, &place, "connection: %" G_GINT64_FORMAT " has not opened by this item",
                 spec->connection);
  if (connection->close_time >= 0)
    return fail (error, &place, "connection: %" G_GINT64_FORMAT " has closed before this item",
                 spec->connection);
  return TRUE;
}

static const PochtaTranscriptItem *
add_item (PochtaTranscript *transcript, const ItemSpec *spec)
{
  gsize length = 0;
  const char *text = g_bytes_get_data (spec->text, &length);

  switch (spec->kind)
    {
    case POCHTA_ITEM_LINE:
      return pochta_transcript_add_line (transcript, (guint) spec->connection, spec->time,
                                         spec->direction, text, length, spec->in_data,
                                         spec->state_before, spec->state_after);
    case POCHTA_ITEM_MTA:
      {
        g_autofree char *copy = g_strndup (text, length);
        return pochta_transcript_add_mta_event (transcript, spec->time, spec->host, spec->event,
                                                copy);
      }
    case POCHTA_ITEM_NOTE:
      {
        g_autofree char *copy = g_strndup (text, length);
        return pochta_transcript_add_note (transcript, spec->time, copy);
      }
    }
  g_return_val_if_reached (NULL);
}

typedef struct
{
  GArray *connections; /* of ConnectionSpec */
  guint next_open;     /* the next connection to open */
} Replay;

/* Opens and closes what happens before item index (opening first). */
static void
replay_marks (PochtaTranscript *transcript, Replay *replay, guint index)
{
  for (; replay->next_open < replay->connections->len; replay->next_open++)
    {
      const ConnectionSpec *spec =
        &g_array_index (replay->connections, ConnectionSpec, replay->next_open);
      if (spec->open_index > index)
        break;
      pochta_transcript_open_connection (transcript, spec->protocol, spec->client_host,
                                         spec->client_address, (guint16) spec->client_port,
                                         spec->server_host, spec->server_address,
                                         (guint16) spec->server_port, spec->open_time);
    }
  for (guint i = 0; i < replay->next_open; i++)
    {
      const ConnectionSpec *spec = &g_array_index (replay->connections, ConnectionSpec, i);
      if (spec->close_index == index)
        pochta_transcript_close_connection (transcript, i + 1, spec->close_time);
    }
}

static gboolean
read_connections (JsonArray *array, guint n_items, GArray *out_specs, GError **error)
{
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      ConnectionSpec spec = { 0 };
      if (!read_connection (json_array_get_element (array, i), i, &spec, error))
        return FALSE;
      Place place = { "connections", i };
      if (spec.open_index > n_items || spec.close_index > (gint64) n_items)
        return fail (error, &place, "%s: beyond the %u items",
                     spec.open_index > n_items ? "open_index" : "close_index", n_items);
      /* Ids are handed out in the order of opening. */
      if (i > 0 && spec.open_index
                     < g_array_index (out_specs, ConnectionSpec, i - 1).open_index)
        return fail (error, &place, "open_index: before the previous connection's, but ids "
                     "are given in the order of opening");
      g_array_append_val (out_specs, spec);
    }
  return TRUE;
}

static gboolean
replay_items (PochtaTranscript *transcript, JsonArray *items, GArray *connections,
              GError **error)
{
  Replay replay = { connections, 0 };
  guint n_items = json_array_get_length (items);

  for (guint i = 0; i < n_items; i++)
    {
      replay_marks (transcript, &replay, i);
      JsonNode *node = json_array_get_element (items, i);
      ItemSpec spec = { 0 };
      gboolean ok = read_item (node, i, &spec, error)
                    && (spec.kind != POCHTA_ITEM_LINE
                        || check_connection_open (transcript, &spec, i, error));
      if (ok)
        {
          const PochtaTranscriptItem *item = add_item (transcript, &spec);
          ok = check_derived (json_node_get_object (node), item, i, error);
        }
      g_clear_pointer (&spec.text, g_bytes_unref);
      if (!ok)
        return FALSE;
    }
  replay_marks (transcript, &replay, n_items);
  return TRUE;
}

static gboolean
check_header (JsonObject *root, GError **error)
{
  static const char *const root_fields[] = { "format", "version", "connections", "items", NULL };
  const char *format;
  gint64 version;
  gboolean present;

  if (!check_members (root, root_fields, NULL, error)
      || !get_string (root, "format", TRUE, FALSE, NULL, &format, error))
    return FALSE;
  if (strcmp (format, FORMAT_NAME) != 0)
    return fail (error, NULL, "format: \"%s\", expected \"" FORMAT_NAME "\"", format);
  if (!get_int (root, "version", G_MININT64, G_MAXINT64, TRUE, FALSE, NULL, &version, &present,
                error))
    return FALSE;
  if (version != FORMAT_VERSION)
    return fail (error, NULL, "version: %" G_GINT64_FORMAT " is not supported (this Pochta "
                 "reads version %d)", version, FORMAT_VERSION);
  static const char *const arrays[] = { "connections", "items" };
  for (gsize i = 0; i < G_N_ELEMENTS (arrays); i++)
    {
      JsonNode *node = json_object_get_member (root, arrays[i]);
      if (node == NULL)
        return fail (error, NULL, "%s: missing", arrays[i]);
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return fail (error, NULL, "%s: expected an array, found %s", arrays[i],
                     json_type_name (node));
    }
  return TRUE;
}

PochtaTranscript *
pochta_transcript_import_json (const char *data, gsize length, GError **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) parse_error = NULL;
  if (length > G_MAXSSIZE
      || !json_parser_load_from_data (parser, data != NULL ? data : "", (gssize) length,
                                      &parse_error))
    {
      g_set_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_INVALID,
                   "not JSON: %s", parse_error != NULL ? parse_error->message : "too long");
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL)
    {
      fail (error, NULL, "not JSON: the document is empty");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, NULL, "the document is %s, expected an object with \"format\": \""
            FORMAT_NAME "\"", json_type_name (root));
      return NULL;
    }
  JsonObject *object = json_node_get_object (root);
  if (!check_header (object, error))
    return NULL;

  JsonArray *items = json_object_get_array_member (object, "items");
  g_autoptr (GArray) connections = g_array_new (FALSE, TRUE, sizeof (ConnectionSpec));
  if (!read_connections (json_object_get_array_member (object, "connections"),
                         json_array_get_length (items), connections, error))
    return NULL;

  g_autoptr (PochtaTranscript) transcript = pochta_transcript_new ();
  if (!replay_items (transcript, items, connections, error))
    return NULL;
  return g_steal_pointer (&transcript);
}
