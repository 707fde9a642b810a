/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transcript model: connections and items in order, each line parsed
 * once into its verb, reply code, class and status code. */
#define G_LOG_DOMAIN "pochta-transcript"
#include "config.h"

#include <string.h>

#include "transcript.h"

typedef struct
{
  PochtaTranscriptConnection pub;
  /* The server's last line asked for a SASL response (SMTP 334, RFC 4954
   * §4; POP3 "+ ", RFC 5034 §4): the client's next line is base64, not a
   * command. */
  gboolean sasl_pending;
} Connection;

/* Items are never freed one by one, only with the transcript: they are
 * carved from large blocks, which saves an allocation and its header per
 * line and makes freeing a transcript of a million lines quick. */
#define ITEM_BLOCK_SIZE (64 * 1024)

struct _PochtaTranscript
{
  /* Of PochtaTranscriptItem*, in item_blocks: a plain array, since every
   * line of a long run is added here. */
  PochtaTranscriptItem **items;
  guint n_items;
  guint items_room;
  GPtrArray *item_blocks; /* of the blocks the items are carved from */
  guint8 *block_next;     /* where the next item goes in the last block */
  gsize block_left;
  /* Verbs, status codes, state names, hosts and MTA events, one copy
   * each: a transcript of a million lines names a few dozen of them. */
  GHashTable *strings;
  /* The last few strings interned by intern () and their pool copies:
   * every line names its states, mostly the same few. */
  struct
  {
    const char *text;
    char *pooled;
  } recent[8];
  guint next_recent;
  /* The same for intern_slice (): pooled strings and their lengths. */
  struct
  {
    char *pooled;
    gsize length;
  } recent_slices[8];
  guint next_recent_slice;
  GPtrArray *connections; /* of Connection*, index = id - 1 */
  guint n_lines;
};

/* The layout in transcript.h leaves no padding (on 64-bit machines). */
G_STATIC_ASSERT (GLIB_SIZEOF_VOID_P != 8 || sizeof (PochtaTranscriptItem) == 88);

static const char *const protocol_names[] = {
  [POCHTA_PROTOCOL_SMTP] = "smtp",
  [POCHTA_PROTOCOL_POP3] = "pop3",
};

static const char *const direction_names[] = {
  [POCHTA_DIRECTION_CLIENT] = "client",
  [POCHTA_DIRECTION_SERVER] = "server",
};

static const char *const reply_class_names[] = {
  [POCHTA_REPLY_NONE] = "none",
  [1] = NULL,
  [POCHTA_REPLY_POSITIVE] = "positive",
  [POCHTA_REPLY_INTERMEDIATE] = "intermediate",
  [POCHTA_REPLY_TRANSIENT] = "transient",
  [POCHTA_REPLY_PERMANENT] = "permanent",
};

static const char *const item_kind_names[] = {
  [POCHTA_ITEM_LINE] = "line",
  [POCHTA_ITEM_MTA] = "mta",
  [POCHTA_ITEM_NOTE] = "note",
};

static gboolean
name_lookup (const char *const *names, gsize n_names, const char *name, int *out_value)
{
  g_assert (out_value != NULL);

  if (name == NULL)
    return FALSE;
  for (gsize i = 0; i < n_names; i++)
    if (names[i] != NULL && strcmp (names[i], name) == 0)
      {
        *out_value = (int) i;
        return TRUE;
      }
  return FALSE;
}

const char *
pochta_protocol_to_string (PochtaProtocol protocol)
{
  g_return_val_if_fail ((guint) protocol < G_N_ELEMENTS (protocol_names), NULL);
  return protocol_names[protocol];
}

gboolean
pochta_protocol_from_string (const char *name, PochtaProtocol *out_protocol)
{
  int value;

  g_return_val_if_fail (out_protocol != NULL, FALSE);
  if (!name_lookup (protocol_names, G_N_ELEMENTS (protocol_names), name, &value))
    return FALSE;
  *out_protocol = (PochtaProtocol) value;
  return TRUE;
}

const char *
pochta_direction_to_string (PochtaDirection direction)
{
  g_return_val_if_fail ((guint) direction < G_N_ELEMENTS (direction_names), NULL);
  return direction_names[direction];
}

gboolean
pochta_direction_from_string (const char *name, PochtaDirection *out_direction)
{
  int value;

  g_return_val_if_fail (out_direction != NULL, FALSE);
  if (!name_lookup (direction_names, G_N_ELEMENTS (direction_names), name, &value))
    return FALSE;
  *out_direction = (PochtaDirection) value;
  return TRUE;
}

const char *
pochta_reply_class_to_string (PochtaReplyClass reply_class)
{
  g_return_val_if_fail ((guint) reply_class < G_N_ELEMENTS (reply_class_names), NULL);
  return reply_class_names[reply_class];
}

gboolean
pochta_reply_class_from_string (const char *name, PochtaReplyClass *out_class)
{
  int value;

  g_return_val_if_fail (out_class != NULL, FALSE);
  if (!name_lookup (reply_class_names, G_N_ELEMENTS (reply_class_names), name, &value))
    return FALSE;
  *out_class = (PochtaReplyClass) value;
  return TRUE;
}

const char *
pochta_transcript_item_kind_to_string (PochtaTranscriptItemKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (item_kind_names), NULL);
  return item_kind_names[kind];
}

gboolean
pochta_transcript_item_kind_from_string (const char *name, PochtaTranscriptItemKind *out_kind)
{
  int value;

  g_return_val_if_fail (out_kind != NULL, FALSE);
  if (!name_lookup (item_kind_names, G_N_ELEMENTS (item_kind_names), name, &value))
    return FALSE;
  *out_kind = (PochtaTranscriptItemKind) value;
  return TRUE;
}

/* size bytes from the item blocks, aligned for any item. */
static gpointer
carve (PochtaTranscript *self, gsize size)
{
  size = (size + 7) & ~(gsize) 7;
  if (size > self->block_left)
    {
      gsize block_size = MAX (ITEM_BLOCK_SIZE, size);
      self->block_next = g_malloc (block_size);
      self->block_left = block_size;
      g_ptr_array_add (self->item_blocks, self->block_next);
    }
  gpointer carved = self->block_next;
  self->block_next += size;
  self->block_left -= size;
  return carved;
}

/* The pool's copy of text[0..length), upper-cased if asked; NULL for
 * NULL. */
static char *
intern_slice (PochtaTranscript *self, const char *text, gsize length, gboolean upper)
{
  char small[64];
  g_autofree char *large = NULL;
  char *key = length < sizeof small ? small : (large = g_malloc (length + 1));

  if (text == NULL)
    return NULL;
  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];
      key[i] = upper && c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
    }
  key[length] = '\0';
  /* Verbs and status codes repeat: the last few are asked before the
   * hash table. */
  for (guint i = 0; i < G_N_ELEMENTS (self->recent_slices); i++)
    if (self->recent_slices[i].length == length && self->recent_slices[i].pooled != NULL
        && memcmp (self->recent_slices[i].pooled, key, length) == 0)
      return self->recent_slices[i].pooled;
  char *pooled = g_hash_table_lookup (self->strings, key);
  if (pooled == NULL)
    {
      pooled = g_strdup (key);
      g_hash_table_add (self->strings, pooled);
    }
  guint slot = self->next_recent_slice++ % G_N_ELEMENTS (self->recent_slices);
  self->recent_slices[slot].pooled = pooled;
  /* Its own length: a slice with a NUL in it is pooled cut short. */
  self->recent_slices[slot].length = strlen (pooled);
  return pooled;
}

/* intern_slice () for a whole string, asking the recent ones first.  A
 * caller's pointer may be reused for other text, so a hit is checked
 * against the pooled copy, which is cheap next to hashing. */
static char *
intern (PochtaTranscript *self, const char *text)
{
  if (text == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (self->recent); i++)
    if (self->recent[i].text == text && strcmp (self->recent[i].pooled, text) == 0)
      return self->recent[i].pooled;
  char *pooled = intern_slice (self, text, strlen (text), FALSE);
  guint slot = self->next_recent++ % G_N_ELEMENTS (self->recent);
  self->recent[slot].text = text;
  self->recent[slot].pooled = pooled;
  return pooled;
}

static void
connection_free (gpointer data)
{
  /* Its host names and addresses belong to the transcript's pool. */
  g_free (data);
}

PochtaTranscript *
pochta_transcript_new (void)
{
  PochtaTranscript *self = g_new0 (PochtaTranscript, 1);

  self->item_blocks = g_ptr_array_new_with_free_func (g_free);
  self->strings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->connections = g_ptr_array_new_with_free_func (connection_free);
  return self;
}

void
pochta_transcript_free (PochtaTranscript *self)
{
  if (self == NULL)
    return;
  g_free (self->items);
  g_ptr_array_unref (self->item_blocks);
  g_hash_table_unref (self->strings);
  g_ptr_array_unref (self->connections);
  g_free (self);
}

static Connection *
lookup_connection (PochtaTranscript *self, guint id)
{
  if (id == 0 || id > self->connections->len)
    return NULL;
  return g_ptr_array_index (self->connections, id - 1);
}

guint
pochta_transcript_open_connection (PochtaTranscript *self,
                                   PochtaProtocol    protocol,
                                   const char       *client_host,
                                   const char       *client_address,
                                   guint16           client_port,
                                   const char       *server_host,
                                   const char       *server_address,
                                   guint16           server_port,
                                   gint64            time)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((guint) protocol < G_N_ELEMENTS (protocol_names), 0);
  g_return_val_if_fail (client_host != NULL && client_address != NULL, 0);
  g_return_val_if_fail (server_host != NULL && server_address != NULL, 0);

  Connection *connection = g_new0 (Connection, 1);
  connection->pub.id = self->connections->len + 1;
  connection->pub.protocol = protocol;
  connection->pub.client_host = intern (self, client_host);
  connection->pub.client_address = intern (self, client_address);
  connection->pub.client_port = client_port;
  connection->pub.server_host = intern (self, server_host);
  connection->pub.server_address = intern (self, server_address);
  connection->pub.server_port = server_port;
  connection->pub.open_time = time;
  connection->pub.close_time = -1;
  connection->pub.open_index = self->n_items;
  g_ptr_array_add (self->connections, connection);
  return connection->pub.id;
}

void
pochta_transcript_close_connection (PochtaTranscript *self, guint id, gint64 time)
{
  g_return_if_fail (self != NULL);
  Connection *connection = lookup_connection (self, id);
  g_return_if_fail (connection != NULL);
  g_return_if_fail (connection->pub.close_time < 0);
  g_return_if_fail (time >= connection->pub.open_time && time >= 0);

  connection->pub.close_time = time;
  connection->pub.close_index = self->n_items;
}

/* RFC 5321 §4.1.1: a command is a keyword, then SP and arguments or the
 * end of the line; keywords are case-insensitive, so the verb is kept in
 * upper case.  RFC 1939 §3 has the same shape for POP3.  A first word that
 * is not made of letters, digits and '-' is no verb at all (a SASL "*",
 * stray bytes). */
static char *
parse_verb (PochtaTranscript *self, const char *text, gsize length)
{
  gsize end = 0;

  while (end < length && text[end] != ' ')
    {
      if (!g_ascii_isalnum (text[end]) && text[end] != '-')
        return NULL;
      end++;
    }
  if (end == 0)
    return NULL;
  return intern_slice (self, text, end, TRUE);
}

/* RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39, then SP, '-' or the
 * end of the line. */
static guint
parse_smtp_code (const char *text, gsize length)
{
  if (length < 3)
    return 0;
  if (text[0] < '2' || text[0] > '5'
      || text[1] < '0' || text[1] > '5'
      || text[2] < '0' || text[2] > '9')
    return 0;
  if (length > 3 && text[3] != ' ' && text[3] != '-')
    return 0;
  return (guint) (text[0] - '0') * 100 + (guint) (text[1] - '0') * 10 + (guint) (text[2] - '0');
}

static gsize
count_digits (const char *text, gsize length, gsize from)
{
  gsize n = 0;

  while (from + n < length && g_ascii_isdigit (text[from + n]))
    n++;
  return n;
}

/* RFC 3463 §2: status-code = class "." subject "." detail, class 2, 4 or
 * 5, subject and detail 1*3digit; RFC 2034 §4 puts it right after the
 * reply code's separator, followed by SP or the end of the line. */
static char *
parse_enhanced_status (PochtaTranscript *self, const char *text, gsize length)
{
  const gsize start = 4;

  if (length < start + 5 || (text[start] != '2' && text[start] != '4' && text[start] != '5')
      || text[start + 1] != '.')
    return NULL;
  gsize pos = start + 2;
  gsize subject = count_digits (text, length, pos);
  if (subject < 1 || subject > 3 || pos + subject >= length || text[pos + subject] != '.')
    return NULL;
  pos += subject + 1;
  gsize detail = count_digits (text, length, pos);
  if (detail < 1 || detail > 3)
    return NULL;
  pos += detail;
  if (pos < length && text[pos] != ' ')
    return NULL;
  return intern_slice (self, text + start, pos - start, FALSE);
}

static gboolean
has_prefix (const char *text, gsize length, const char *prefix)
{
  gsize n = strlen (prefix);
  return length >= n && memcmp (text, prefix, n) == 0;
}

/* RFC 2449 §8: resp-code = "[" resp-level *("/" resp-level) "]" right
 * after "+OK " or "-ERR "; a resp-level is letters, digits and '-'. */
static char *
parse_pop3_response_code (PochtaTranscript *self, const char *text, gsize length, gsize from)
{
  if (from >= length || text[from] != '[')
    return NULL;
  gsize end = from + 1;
  while (end < length && text[end] != ']')
    {
      if (!g_ascii_isalnum (text[end]) && text[end] != '-' && text[end] != '/')
        return NULL;
      end++;
    }
  if (end >= length || end == from + 1)
    return NULL;
  return intern_slice (self, text + from + 1, end - from - 1, FALSE);
}

/* RFC 1939 §3: a status indicator "+OK" or "-ERR", then SP and text or the
 * end of the line; RFC 5034 §4: a SASL continuation is "+" SP base64 (or
 * a bare "+" for an empty challenge). */
static void
parse_pop3_status (PochtaTranscript *self, PochtaTranscriptItem *item)
{
  const char *text = item->text;
  gsize length = item->length;

  if (has_prefix (text, length, "+OK") && (length == 3 || text[3] == ' '))
    {
      item->reply_class = POCHTA_REPLY_POSITIVE;
      item->status = parse_pop3_response_code (self, text, length, 4);
    }
  else if (has_prefix (text, length, "-ERR") && (length == 4 || text[4] == ' '))
    {
      item->reply_class = POCHTA_REPLY_PERMANENT;
      item->status = parse_pop3_response_code (self, text, length, 5);
    }
  else if (has_prefix (text, length, "+") && (length == 1 || text[1] == ' '))
    item->reply_class = POCHTA_REPLY_INTERMEDIATE;
}

static void
parse_server_line (PochtaTranscript *self, Connection *connection, PochtaTranscriptItem *item)
{
  if (item->in_data)
    return;
  if (connection->pub.protocol == POCHTA_PROTOCOL_SMTP)
    {
      item->code = parse_smtp_code (item->text, item->length);
      if (item->code != 0)
        {
          item->reply_class = (PochtaReplyClass) (item->code / 100);
          item->status = parse_enhanced_status (self, item->text, item->length);
        }
      connection->sasl_pending = item->code == 334;
    }
  else
    {
      parse_pop3_status (self, item);
      connection->sasl_pending = item->reply_class == POCHTA_REPLY_INTERMEDIATE;
    }
}

static void
parse_client_line (PochtaTranscript *self, Connection *connection, PochtaTranscriptItem *item)
{
  if (item->in_data)
    return;
  if (connection->sasl_pending)
    {
      /* One response per challenge: the server's answer to it decides
       * whether another challenge comes. */
      connection->sasl_pending = FALSE;
      return;
    }
  item->verb = parse_verb (self, item->text, item->length);
}

/* The items array with room for n more. */
static void
reserve_items (PochtaTranscript *self, guint n)
{
  if (self->n_items + n <= self->items_room)
    return;
  self->items_room = MAX (MAX (1024, self->items_room * 2), self->n_items + n);
  self->items = g_renew (PochtaTranscriptItem *, self->items, self->items_room);
}

/* A new item with a copy of text[0..length) (NUL-terminated) right
 * after it; its other strings are the pool's. */
static PochtaTranscriptItem *
append_item (PochtaTranscript *self, PochtaTranscriptItemKind kind, gint64 time, const char *text,
             gsize length)
{
  PochtaTranscriptItem *item = carve (self, sizeof *item + length + 1);

  /* Every field not named here is zero or NULL. */
  *item = (PochtaTranscriptItem) {
    .index = self->n_items,
    .kind = kind,
    .time = time,
    .text = (char *) (item + 1),
    .length = length,
  };
  if (length > 0)
    memcpy (item->text, text, length);
  item->text[length] = '\0';
  reserve_items (self, 1);
  self->items[self->n_items++] = item;
  return item;
}

const PochtaTranscriptItem *
pochta_transcript_add_line (PochtaTranscript *self,
                            guint             connection_id,
                            gint64            time,
                            PochtaDirection   direction,
                            const char       *text,
                            gsize             length,
                            gboolean          in_data,
                            const char       *state_before,
                            const char       *state_after)
{
  return pochta_transcript_add_lines (self, connection_id, time, direction, text, length, 1, in_data,
                                      state_before, state_after);
}

const PochtaTranscriptItem *
pochta_transcript_add_lines (PochtaTranscript *self,
                             guint             connection_id,
                             gint64            time,
                             PochtaDirection   direction,
                             const char       *text,
                             gsize             length,
                             guint             n_lines,
                             gboolean          in_data,
                             const char       *state_before,
                             const char       *state_after)
{
  g_return_val_if_fail (self != NULL, NULL);
  Connection *connection = lookup_connection (self, connection_id);
  g_return_val_if_fail (connection != NULL, NULL);
  g_return_val_if_fail (connection->pub.close_time < 0, NULL);
  g_return_val_if_fail ((guint) direction < G_N_ELEMENTS (direction_names), NULL);
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (n_lines > 0, NULL);

  /* What every line shares is found once: a message's content comes in
   * blocks of lines. */
  char *before = intern (self, state_before), *after = intern (self, state_after);
  gsize left = length;
  PochtaTranscriptItem *item = NULL;

  reserve_items (self, n_lines);
  for (guint i = 0; i < n_lines; i++)
    {
      gboolean last = i + 1 == n_lines;
      const char *lf = last ? NULL : memchr (text, '\n', left);
      g_return_val_if_fail (last || lf != NULL, item);
      gsize line_length = last ? left : (gsize) (lf - text);

      item = append_item (self, POCHTA_ITEM_LINE, time, text, line_length);
      item->line_number = ++self->n_lines;
      item->connection = connection_id;
      item->direction = direction;
      item->in_data = in_data;
      item->state_before = before;
      item->state_after = after;
      if (direction == POCHTA_DIRECTION_SERVER)
        parse_server_line (self, connection, item);
      else
        parse_client_line (self, connection, item);
      if (!last)
        {
          text = lf + 1;
          left -= line_length + 1;
        }
    }
  return item;
}

const PochtaTranscriptItem *
pochta_transcript_add_mta_event (PochtaTranscript *self,
                                 gint64            time,
                                 const char       *host,
                                 const char       *event,
                                 const char       *text)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (event != NULL, NULL);

  if (text == NULL)
    text = "";
  PochtaTranscriptItem *item = append_item (self, POCHTA_ITEM_MTA, time, text, strlen (text));
  item->host = intern (self, host);
  item->event = intern (self, event);
  return item;
}

const PochtaTranscriptItem *
pochta_transcript_add_note (PochtaTranscript *self, gint64 time, const char *text)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  return append_item (self, POCHTA_ITEM_NOTE, time, text, strlen (text));
}

guint
pochta_transcript_get_n_lines (PochtaTranscript *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_lines;
}

guint
pochta_transcript_get_n_items (PochtaTranscript *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_items;
}

const PochtaTranscriptItem *
pochta_transcript_get_item (PochtaTranscript *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_items, NULL);
  return self->items[index];
}

guint
pochta_transcript_get_n_connections (PochtaTranscript *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->connections->len;
}

const PochtaTranscriptConnection *
pochta_transcript_get_connection (PochtaTranscript *self, guint id)
{
  g_return_val_if_fail (self != NULL, NULL);
  Connection *connection = lookup_connection (self, id);
  return connection != NULL ? &connection->pub : NULL;
}
