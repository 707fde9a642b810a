/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The POP3 server session: RFC 1939 states and commands, RFC 2449 CAPA
 * and response codes, the maildrop.  Logging in (USER/PASS, APOP, RFC
 * 5034 AUTH) is in pop3-server-auth.c.  Policies: see pop3-server.h. */
#define G_LOG_DOMAIN "pochta-pop3-server"
#include "config.h"

#include <string.h>

#include "format.h"
#include "byte-array-private.h"
#include "pop3-server-private.h"

/* RFC 1939 §3: a response line is up to 512 octets including CRLF. */
#define RESPONSE_LINE_MAX 512
/* Past this much unconsumed output feed () stops taking commands, so a
 * client that pipelines RETRs without reading cannot grow it without
 * bound. */
#define OUTPUT_HIGH_WATER (64 * 1024)

#define STATE_BIT(state) (1u << (state))
#define IN_AUTHORIZATION STATE_BIT (POCHTA_POP3_STATE_AUTHORIZATION)
#define IN_TRANSACTION STATE_BIT (POCHTA_POP3_STATE_TRANSACTION)

static void handle_stls (PochtaPop3Server *self, const Command *command);
static void handle_capa (PochtaPop3Server *self, const Command *command);
static void handle_quit (PochtaPop3Server *self, const Command *command);
static void handle_stat (PochtaPop3Server *self, const Command *command);
static void handle_list (PochtaPop3Server *self, const Command *command);
static void handle_retr (PochtaPop3Server *self, const Command *command);
static void handle_dele (PochtaPop3Server *self, const Command *command);
static void handle_noop (PochtaPop3Server *self, const Command *command);
static void handle_rset (PochtaPop3Server *self, const Command *command);
static void handle_top (PochtaPop3Server *self, const Command *command);
static void handle_uidl (PochtaPop3Server *self, const Command *command);

static const CommandSpec commands[] = {
  { "USER", IN_AUTHORIZATION, ARGS_ONE, "USER name", pochta_pop3_server_handle_user, "RFC 1939 §7" },
  { "PASS", IN_AUTHORIZATION, ARGS_REST, "PASS string", pochta_pop3_server_handle_pass, "RFC 1939 §7" },
  { "APOP", IN_AUTHORIZATION, ARGS_TWO, "APOP name digest", pochta_pop3_server_handle_apop, "RFC 1939 §7" },
  { "AUTH", IN_AUTHORIZATION, ARGS_MECHANISM, "AUTH mechanism [initial-response]",
    pochta_pop3_server_handle_auth, "RFC 5034 §4" },
  { "STLS", IN_AUTHORIZATION, ARGS_NONE, "STLS", handle_stls, "RFC 2595 §4" },
  { "CAPA", IN_AUTHORIZATION | IN_TRANSACTION, ARGS_NONE, "CAPA", handle_capa, "RFC 2449 §5" },
  { "QUIT", IN_AUTHORIZATION | IN_TRANSACTION, ARGS_NONE, "QUIT", handle_quit, "RFC 1939 §4, §6" },
  { "STAT", IN_TRANSACTION, ARGS_NONE, "STAT", handle_stat, "RFC 1939 §5" },
  { "LIST", IN_TRANSACTION, ARGS_OPTIONAL_MESSAGE, "LIST [msg]", handle_list, "RFC 1939 §5" },
  { "RETR", IN_TRANSACTION, ARGS_MESSAGE, "RETR msg", handle_retr, "RFC 1939 §5" },
  { "DELE", IN_TRANSACTION, ARGS_MESSAGE, "DELE msg", handle_dele, "RFC 1939 §5" },
  { "NOOP", IN_TRANSACTION, ARGS_NONE, "NOOP", handle_noop, "RFC 1939 §5" },
  { "RSET", IN_TRANSACTION, ARGS_NONE, "RSET", handle_rset, "RFC 1939 §5" },
  { "TOP", IN_TRANSACTION, ARGS_MESSAGE_AND_LINES, "TOP msg n", handle_top, "RFC 1939 §7" },
  { "UIDL", IN_TRANSACTION, ARGS_OPTIONAL_MESSAGE, "UIDL [msg]", handle_uidl, "RFC 1939 §7" },
};

const char *
pochta_pop3_state_to_string (PochtaPop3State state)
{
  switch (state)
    {
    case POCHTA_POP3_STATE_AUTHORIZATION: return "AUTHORIZATION";
    case POCHTA_POP3_STATE_SASL: return "SASL";
    case POCHTA_POP3_STATE_TRANSACTION: return "TRANSACTION";
    case POCHTA_POP3_STATE_UPDATE: return "UPDATE";
    case POCHTA_POP3_STATE_CLOSED: return "CLOSED";
    case POCHTA_POP3_N_STATES:
    default: return "unknown";
    }
}

void
pochta_pop3_limits_init_defaults (PochtaPop3Limits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->command_line_max = 255;
  limits->argument_max = 40;
  limits->sasl_line_max = 12288;
  limits->bad_commands_max = 10;
  limits->auth_failures_max = 3;
}

/* ---- output and events ---- */

void
pochta_pop3_server_enter_state (PochtaPop3Server *self, PochtaPop3State state)
{
  g_assert (self != NULL);

  if (self->state == state)
    return;
  pochta_event_queue_push_state (self->events, self->state, state);
  self->state = state;
}

/* Appends text to the response line buf of len bytes, as far as the line
 * may go (RESPONSE_LINE_MAX with CRLF); returns the new length. */
static gsize
append_bounded (char *buf, gsize len, const char *text)
{
  for (; *text != '\0' && len < RESPONSE_LINE_MAX - 2; text++)
    buf[len++] = *text;
  return len;
}

void
pochta_pop3_server_queue_line (PochtaPop3Server *self,
                               const char       *line,
                               gsize             len,
                               gboolean          report,
                               gboolean          in_data)
{
  pochta_byte_array_append_line (self->output, line, len);
  if (report)
    pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_SENT, line, len, 0,
                                  self->state, in_data);
}

/* The one way a status line goes out: "+OK text" or "-ERR [CODE] text",
 * cut to RFC 1939 §3's 512 octets.  The event's detail is the response
 * code (RFC 2449 §8), for the explanations. */
void
pochta_pop3_server_queue_reply (PochtaPop3Server *self,
                                gboolean          ok,
                                const char       *code,
                                const char       *format,
                                ...)
{
  va_list args;
  g_autofree char *formatted = NULL;
  const char *text = format;
  char line[RESPONSE_LINE_MAX];
  gsize len = 0;

  /* Most responses are a fixed text or one "%s": no formatting for them. */
  va_start (args, format);
  if (strcmp (format, "%s") == 0)
    text = va_arg (args, const char *);
  else if (strchr (format, '%') != NULL)
    text = formatted = pochta_strdup_vprintf (format, args);
  va_end (args);

  /* Built on the stack and cut to RFC 1939 §3's 512 octets with CRLF. */
  len = append_bounded (line, len, ok ? "+OK" : "-ERR");
  if (code != NULL)
    {
      len = append_bounded (line, len, " [");
      len = append_bounded (line, len, code);
      len = append_bounded (line, len, "]");
    }
  if (*text != '\0')
    {
      len = append_bounded (line, len, " ");
      len = append_bounded (line, len, text);
    }
  pochta_byte_array_append_line (self->output, line, len);

  if (!pochta_event_queue_reports_lines (self->events))
    return;
  PochtaEvent event = { 0 };
  event.type = POCHTA_EVENT_LINE_SENT;
  event.length = len;
  event.text = g_strndup (line, len);
  event.new_state = self->state;
  event.detail = g_strdup (code);
  pochta_event_queue_push (self->events, &event);
}

/* The end of a multi-line response (RFC 1939 §3). */
static void
queue_terminator (PochtaPop3Server *self, gboolean report, gboolean in_data)
{
  pochta_pop3_server_queue_line (self, ".", 1, report, in_data);
}

/* One line of a listing (LIST, UIDL, CAPA): always reported. */
static void G_GNUC_PRINTF (2, 3)
queue_listing_line (PochtaPop3Server *self, const char *format, ...)
{
  va_list args;
  g_autofree char *line = NULL;

  va_start (args, format);
  line = pochta_strdup_vprintf (format, args);
  va_end (args);
  pochta_pop3_server_queue_line (self, line, strlen (line), TRUE, FALSE);
}

/* A message, or its first part, byte-stuffed (RFC 1939 §3): a line that
 * begins with '.' gets another one.  The content is in wire form (CRLF
 * lines), so the size the client counts is len plus the stuffing. */
static void
queue_content (PochtaPop3Server *self, const guint8 *data, gsize len)
{
  gsize pos = 0;

  while (pos < len)
    {
      const guint8 *lf = memchr (data + pos, '\n', len - pos);
      gsize end = lf != NULL ? (gsize) (lf - data) + 1 : len;
      gsize content_end = end;

      if (content_end > pos && data[content_end - 1] == '\n')
        content_end--;
      if (content_end > pos && data[content_end - 1] == '\r')
        content_end--;

      /* Stuffed straight into the output; the event, if any, copies
       * the line from there. */
      guint start = self->output->len;
      if (data[pos] == '.')
        g_byte_array_append (self->output, (const guint8 *) ".", 1);
      g_byte_array_append (self->output, data + pos, (guint) (content_end - pos));
      if (self->report_data_lines)
        pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_SENT,
                                      (const char *) self->output->data + start,
                                      self->output->len - start, 0, self->state, TRUE);
      g_byte_array_append (self->output, (const guint8 *) "\r\n", 2);
      pos = end;
    }
  queue_terminator (self, self->report_data_lines, TRUE);
}

/* ---- session ends ---- */

static void
drop_lock (PochtaPop3Server *self)
{
  self->messages = NULL;
  g_clear_pointer (&self->deleted, g_free);
  g_clear_pointer (&self->lock, pochta_mailbox_lock_release);
}

void
pochta_pop3_server_close (PochtaPop3Server *self, const char *reason)
{
  drop_lock (self);
  g_clear_pointer (&self->sasl, pochta_sasl_server_free);
  pochta_pop3_server_enter_state (self, POCHTA_POP3_STATE_CLOSED);
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_CLOSED, reason);
}

/* A command that could not even be understood; too many close the
 * session (limits->bad_commands_max). */
static void G_GNUC_PRINTF (2, 3)
bad_command (PochtaPop3Server *self, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = pochta_strdup_vprintf (format, args);
  va_end (args);

  self->bad_commands++;
  if (self->bad_commands >= self->limits.bad_commands_max)
    {
      pochta_pop3_server_queue_reply (self, FALSE, NULL, "too many bad commands, closing connection");
      pochta_pop3_server_close (self, "too many bad commands");
      return;
    }
  pochta_pop3_server_queue_reply (self, FALSE, NULL, "%s", text);
}

/* ---- the maildrop ---- */

void
pochta_pop3_server_count_live (PochtaPop3Server *self, guint *out_count, gsize *out_octets)
{
  *out_count = 0;
  *out_octets = 0;
  for (guint i = 0; i < self->messages->len; i++)
    if (!self->deleted[i])
      {
        (*out_count)++;
        *out_octets += pochta_stored_message_get_size (g_ptr_array_index (self->messages, i));
      }
}

const char *
pochta_pop3_plural (guint n)
{
  return n == 1 ? "" : "s";
}

gboolean
pochta_pop3_server_offers_mechanism (PochtaPop3Server *self, PochtaSaslMechanism mechanism)
{
  return !self->disable_sasl && (self->sasl_mechanisms & (1u << mechanism)) != 0;
}

static void
handle_stls (PochtaPop3Server *self, const Command *command)
{
  pochta_pop3_server_queue_reply (self, FALSE, NULL, "TLS is not available on this server");
}

static void
handle_capa (PochtaPop3Server *self, const Command *command)
{
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "Capability list follows");
  queue_listing_line (self, "TOP");
  queue_listing_line (self, "UIDL");
  queue_listing_line (self, "USER");
  if (!self->disable_sasl)
    {
      GString *sasl = g_string_new ("SASL");
      for (int mechanism = 0; mechanism < POCHTA_SASL_N_MECHANISMS; mechanism++)
        if (pochta_pop3_server_offers_mechanism (self, mechanism))
          pochta_string_append_printf (sasl, " %s", pochta_sasl_mechanism_to_string (mechanism));
      queue_listing_line (self, "%s", sasl->str);
      g_string_free (sasl, TRUE);
    }
  queue_listing_line (self, "RESP-CODES");
  queue_listing_line (self, "AUTH-RESP-CODE");
  queue_listing_line (self, "PIPELINING");
  if (self->login_delay > 0)
    queue_listing_line (self, "LOGIN-DELAY %u", self->login_delay);
  queue_listing_line (self, "IMPLEMENTATION %s", self->implementation);
  queue_terminator (self, TRUE, FALSE);
}

static void
quit_from_transaction (PochtaPop3Server *self)
{
  g_autoptr (GPtrArray) doomed = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  guint left;
  gsize octets;

  pochta_pop3_server_enter_state (self, POCHTA_POP3_STATE_UPDATE);
  for (guint i = 0; i < self->messages->len; i++)
    if (self->deleted[i])
      g_ptr_array_add (doomed, g_ptr_array_index (self->messages, i));
  pochta_pop3_server_count_live (self, &left, &octets);
  gboolean removed = doomed->len == 0 || pochta_mailbox_lock_expunge (self->lock, doomed, &error);
  drop_lock (self);

  if (!removed)
    pochta_pop3_server_queue_reply (self, FALSE, NULL, "some deleted messages not removed");
  else if (left == 0)
    pochta_pop3_server_queue_reply (self, TRUE, NULL, "%s POP3 server signing off (maildrop empty)",
                                    self->hostname);
  else
    pochta_pop3_server_queue_reply (self, TRUE, NULL, "%s POP3 server signing off (%u message%s left)",
                                    self->hostname, left, pochta_pop3_plural (left));
  pochta_pop3_server_close (self, "QUIT");
}

static void
handle_quit (PochtaPop3Server *self, const Command *command)
{
  if (self->state == POCHTA_POP3_STATE_TRANSACTION)
    {
      quit_from_transaction (self);
      return;
    }
  /* RFC 1939 §6: QUIT in AUTHORIZATION ends the session without UPDATE. */
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "%s POP3 server signing off", self->hostname);
  pochta_pop3_server_close (self, "QUIT");
}

/* ---- TRANSACTION commands ---- */

static PochtaStoredMessage *
message_at (PochtaPop3Server *self, guint index)
{
  return g_ptr_array_index (self->messages, index);
}

static void
handle_stat (PochtaPop3Server *self, const Command *command)
{
  guint count;
  gsize octets;

  pochta_pop3_server_count_live (self, &count, &octets);
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "%u %" G_GSIZE_FORMAT, count, octets);
}

static void
handle_list (PochtaPop3Server *self, const Command *command)
{
  if (command->has_message)
    {
      pochta_pop3_server_queue_reply (self, TRUE, NULL, "%u %" G_GSIZE_FORMAT, command->message + 1,
                                      pochta_stored_message_get_size (message_at (self, command->message)));
      return;
    }

  guint count;
  gsize octets;
  pochta_pop3_server_count_live (self, &count, &octets);
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "%u message%s (%" G_GSIZE_FORMAT " octets)", count,
                                  pochta_pop3_plural (count), octets);
  for (guint i = 0; i < self->messages->len; i++)
    if (!self->deleted[i])
      queue_listing_line (self, "%u %" G_GSIZE_FORMAT, i + 1,
                          pochta_stored_message_get_size (message_at (self, i)));
  queue_terminator (self, TRUE, FALSE);
}

static void
handle_uidl (PochtaPop3Server *self, const Command *command)
{
  if (command->has_message)
    {
      pochta_pop3_server_queue_reply (self, TRUE, NULL, "%u %s", command->message + 1,
                                      pochta_stored_message_get_uid (message_at (self, command->message)));
      return;
    }

  pochta_pop3_server_queue_reply (self, TRUE, NULL, "unique-id listing follows");
  for (guint i = 0; i < self->messages->len; i++)
    if (!self->deleted[i])
      queue_listing_line (self, "%u %s", i + 1, pochta_stored_message_get_uid (message_at (self, i)));
  queue_terminator (self, TRUE, FALSE);
}

/* The message's octets, or NULL after answering -ERR. */
static GBytes *
read_message (PochtaPop3Server *self, guint index)
{
  g_autoptr (GError) error = NULL;
  GBytes *content = pochta_mail_store_read (self->policy.store, message_at (self, index), &error);

  if (content != NULL)
    return content;
  if (g_error_matches (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_MESSAGE_GONE))
    pochta_pop3_server_queue_reply (self, FALSE, NULL, "no such message");
  else
    pochta_pop3_server_queue_reply (self, FALSE, "SYS/TEMP", "cannot read message %u", index + 1);
  return NULL;
}

static void
handle_retr (PochtaPop3Server *self, const Command *command)
{
  PochtaStoredMessage *message = message_at (self, command->message);
  g_autoptr (GBytes) content = read_message (self, command->message);

  if (content == NULL)
    return;

  gsize len;
  const guint8 *data = g_bytes_get_data (content, &len);
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "%" G_GSIZE_FORMAT " octets", len);
  queue_content (self, data, len);
  /* Being seen is bookkeeping for Maildir readers; a failure to record it
   * changes nothing for this client. */
  pochta_mail_store_mark_seen (self->policy.store, message, NULL);
}

/* The length of the header, the blank line and the first n body lines
 * (RFC 1939 §7 TOP).  A message without a blank line is all header. */
static gsize
top_length (const guint8 *data, gsize len, guint64 n_lines)
{
  gsize pos = 0;
  gboolean in_header = TRUE;

  while (pos < len && (in_header || n_lines > 0))
    {
      const guint8 *lf = memchr (data + pos, '\n', len - pos);
      gsize end = lf != NULL ? (gsize) (lf - data) + 1 : len;
      gboolean blank = end - pos == 2 && data[pos] == '\r';

      if (in_header)
        in_header = !blank;
      else
        n_lines--;
      pos = end;
    }
  return pos;
}

static void
handle_top (PochtaPop3Server *self, const Command *command)
{
  g_autoptr (GBytes) content = read_message (self, command->message);

  if (content == NULL)
    return;

  gsize len;
  const guint8 *data = g_bytes_get_data (content, &len);
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "top of message follows");
  queue_content (self, data, top_length (data, len, command->lines));
}

static void
handle_dele (PochtaPop3Server *self, const Command *command)
{
  self->deleted[command->message] = TRUE;
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "message %u deleted", command->message + 1);
}

static void
handle_noop (PochtaPop3Server *self, const Command *command)
{
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "%s", "");
}

static void
handle_rset (PochtaPop3Server *self, const Command *command)
{
  guint count;
  gsize octets;

  memset (self->deleted, 0, sizeof (gboolean) * self->messages->len);
  pochta_pop3_server_count_live (self, &count, &octets);
  pochta_pop3_server_queue_reply (self, TRUE, NULL,
                                  "maildrop has %u message%s (%" G_GSIZE_FORMAT " octets)", count,
                                  pochta_pop3_plural (count), octets);
}

/* ---- parsing ---- */

static const CommandSpec *
lookup_command (const char *verb, gsize len)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strlen (commands[i].verb) == len && g_ascii_strncasecmp (commands[i].verb, verb, len) == 0)
      return &commands[i];
  return NULL;
}

static gboolean
is_printable_ascii (const char *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) line[i] < 0x20 || (guchar) line[i] > 0x7e)
      return FALSE;
  return TRUE;
}

static gboolean
is_decimal (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* A decimal number; one too big for the type saturates, which for a
 * message number means "no such message" and for TOP "all lines". */
static guint64
parse_decimal (const char *text)
{
  guint64 value = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      guint digit = (guint) (*p - '0');
      if (value > (G_MAXUINT64 - digit) / 10)
        return G_MAXUINT64;
      value = value * 10 + digit;
    }
  return value;
}

static gboolean
arguments_fit_rule (ArgRule rule, guint n_args)
{
  switch (rule)
    {
    case ARGS_NONE: return n_args == 0;
    case ARGS_OPTIONAL_MESSAGE: return n_args <= 1;
    case ARGS_MESSAGE: return n_args == 1;
    case ARGS_MESSAGE_AND_LINES: return n_args == 2;
    case ARGS_ONE: return n_args == 1;
    case ARGS_TWO: return n_args == 2;
    case ARGS_MECHANISM: return n_args == 1 || n_args == 2;
    case ARGS_REST:
    default: g_assert_not_reached ();
    }
}

/* Splits the arguments at single spaces; FALSE on an empty argument
 * (two spaces in a row, or a space at the start). */
static gboolean
split_arguments (const char *text, Command *command)
{
  g_autofree char *trimmed = g_strdup (text);
  gsize len = strlen (trimmed);

  /* Trailing spaces are forgiven (as RFC 5321 §4.1.1 does for SMTP). */
  while (len > 0 && trimmed[len - 1] == ' ')
    trimmed[--len] = '\0';
  command->args = len > 0 ? g_strsplit (trimmed, " ", -1) : g_new0 (char *, 1);
  command->n_args = g_strv_length (command->args);
  for (guint i = 0; i < command->n_args; i++)
    if (command->args[i][0] == '\0')
      return FALSE;
  return TRUE;
}

/* Checks the message number argument; FALSE after answering. */
static gboolean
resolve_message (PochtaPop3Server *self, const char *text, Command *command)
{
  if (!is_decimal (text))
    {
      bad_command (self, "invalid message number");
      return FALSE;
    }

  guint64 number = parse_decimal (text);
  if (number == 0 || number > self->messages->len)
    {
      pochta_pop3_server_queue_reply (self, FALSE, NULL, "no such message");
      return FALSE;
    }
  if (self->deleted[number - 1])
    {
      pochta_pop3_server_queue_reply (self, FALSE, NULL, "message %u already deleted", (guint) number);
      return FALSE;
    }
  command->message = (guint) (number - 1);
  command->has_message = TRUE;
  return TRUE;
}

/* Everything common to all commands: known verb, valid state, argument
 * syntax and lengths, message numbers.  FALSE after answering -ERR. */
static gboolean
precheck (PochtaPop3Server *self, const char *line, gsize len, Command *command)
{
  if (!is_printable_ascii (line, len))
    {
      bad_command (self, "invalid character in command");
      return FALSE;
    }
  if (len == 0)
    {
      bad_command (self, "empty command");
      return FALSE;
    }

  const char *space = memchr (line, ' ', len);
  gsize verb_len = space != NULL ? (gsize) (space - line) : len;
  command->spec = lookup_command (line, verb_len);
  if (command->spec == NULL)
    {
      bad_command (self, "unknown command");
      return FALSE;
    }
  const CommandSpec *spec = command->spec;
  if ((spec->states & STATE_BIT (self->state)) == 0)
    {
      bad_command (self, "%s is not valid in the %s state", spec->verb,
                   pochta_pop3_state_to_string (self->state));
      return FALSE;
    }

  const char *arguments = space != NULL ? space + 1 : "";
  if (spec->args == ARGS_REST)
    {
      if (*arguments == '\0')
        {
          bad_command (self, "usage: %s", spec->usage);
          return FALSE;
        }
      command->rest = arguments;
      return TRUE;
    }

  if (!split_arguments (arguments, command) || !arguments_fit_rule (spec->args, command->n_args))
    {
      bad_command (self, "usage: %s", spec->usage);
      return FALSE;
    }
  for (guint i = 0; i < command->n_args; i++)
    {
      /* AUTH's initial response is bounded by the line alone (RFC 5034 §4). */
      gboolean bounded = !(spec->args == ARGS_MECHANISM && i == 1);
      if (bounded && strlen (command->args[i]) > self->limits.argument_max)
        {
          bad_command (self, "argument too long");
          return FALSE;
        }
    }

  switch (spec->args)
    {
    case ARGS_OPTIONAL_MESSAGE:
      return command->n_args == 0 || resolve_message (self, command->args[0], command);
    case ARGS_MESSAGE:
      return resolve_message (self, command->args[0], command);
    case ARGS_MESSAGE_AND_LINES:
      if (!is_decimal (command->args[1]))
        {
          bad_command (self, "usage: %s", spec->usage);
          return FALSE;
        }
      command->lines = parse_decimal (command->args[1]);
      return resolve_message (self, command->args[0], command);
    case ARGS_NONE:
    case ARGS_ONE:
    case ARGS_TWO:
    case ARGS_MECHANISM:
    case ARGS_REST:
    default:
      return TRUE;
    }
}

static void
handle_command (PochtaPop3Server *self, PochtaLineStatus status, const char *line, gsize len)
{
  Command command = { 0 };

  /* RFC 1939 §7: PASS only immediately after USER; whatever comes next
   * consumes the USER. */
  command.user = g_steal_pointer (&self->pending_user);

  if (status == POCHTA_LINE_TOO_LONG)
    bad_command (self, "line too long");
  else if (status == POCHTA_LINE_BARE_LF)
    bad_command (self, "line must end with CRLF");
  else if (precheck (self, line, len, &command))
    command.spec->handler (self, &command);

  g_strfreev (command.args);
  g_free (command.user);
}

static void
handle_line (PochtaPop3Server *self, PochtaLineStatus status)
{
  gsize len;
  const char *line = pochta_line_reader_get_line (self->reader, &len);

  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_RECEIVED, line, len, 0,
                                self->state, FALSE);
  if (self->state == POCHTA_POP3_STATE_SASL)
    pochta_pop3_server_sasl_response (self, status, line, len);
  else
    handle_command (self, status, line, len);
}

/* ---- public API ---- */

/* The secret lookup of a policy without get_secret: nobody (pop3-server.h).
 * The SASL server needs a lookup, and every login path then fails the same
 * way, -ERR [AUTH] at the end of the exchange. */
static char *
no_secret (const char *login, gpointer user_data)
{
  return NULL;
}

PochtaPop3Server *
pochta_pop3_server_new (const PochtaPop3Config *config, const PochtaPop3Policy *policy)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->hostname != NULL && *config->hostname != '\0', NULL);
  g_return_val_if_fail (config->generator != NULL, NULL);
  g_return_val_if_fail (policy != NULL, NULL);
  g_return_val_if_fail (policy->store != NULL, NULL);

  PochtaPop3Server *self = g_new0 (PochtaPop3Server, 1);
  PochtaPop3Limits defaults;

  pochta_pop3_limits_init_defaults (&defaults);
  self->limits = config->limits != NULL ? *config->limits : defaults;
  if (self->limits.command_line_max == 0)
    self->limits.command_line_max = defaults.command_line_max;
  if (self->limits.argument_max == 0)
    self->limits.argument_max = defaults.argument_max;
  if (self->limits.sasl_line_max == 0)
    self->limits.sasl_line_max = defaults.sasl_line_max;
  if (self->limits.bad_commands_max == 0)
    self->limits.bad_commands_max = defaults.bad_commands_max;
  if (self->limits.auth_failures_max == 0)
    self->limits.auth_failures_max = defaults.auth_failures_max;

  self->hostname = g_strdup (config->hostname);
  self->generator = config->generator;
  self->fixed_timestamp = g_strdup (config->fixed_timestamp);
  self->disable_apop = config->disable_apop;
  self->disable_sasl = config->disable_sasl;
  self->sasl_mechanisms = config->sasl_mechanisms != 0 ? config->sasl_mechanisms
                                                       : (1u << POCHTA_SASL_N_MECHANISMS) - 1;
  self->login_delay = config->login_delay;
  self->implementation = g_strdup (config->implementation != NULL ? config->implementation : "Pochta");
  self->report_data_lines = config->report_data_lines;
  self->policy = *policy;
  if (self->policy.get_secret == NULL)
    self->policy.get_secret = no_secret;
  pochta_mail_store_ref (self->policy.store);

  self->state = POCHTA_POP3_STATE_AUTHORIZATION;
  self->reader = pochta_line_reader_new (self->limits.command_line_max);
  self->output = g_byte_array_new ();
  self->events = pochta_event_queue_new ();
  pochta_event_queue_set_report_lines (self->events, !config->no_line_events);
  pochta_event_queue_set_report_received (self->events, !config->no_received_line_events);
  return self;
}

void
pochta_pop3_server_free (PochtaPop3Server *self)
{
  if (self == NULL)
    return;
  drop_lock (self);
  g_clear_pointer (&self->sasl, pochta_sasl_server_free);
  pochta_mail_store_unref (self->policy.store);
  pochta_line_reader_free (self->reader);
  g_byte_array_unref (self->output);
  pochta_event_queue_free (self->events);
  g_free (self->hostname);
  g_free (self->fixed_timestamp);
  g_free (self->implementation);
  g_free (self->timestamp);
  g_free (self->pending_user);
  g_free (self->login);
  g_free (self);
}

void
pochta_pop3_server_start (PochtaPop3Server *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->started);

  self->started = TRUE;
  if (self->disable_apop)
    {
      pochta_pop3_server_queue_reply (self, TRUE, NULL, "POP3 server ready");
      return;
    }
  /* RFC 1939 §7: a msg-id "<process-ID.clock@hostname>" that differs on
   * every greeting; both numbers come from the generator. */
  if (self->fixed_timestamp != NULL)
    self->timestamp = g_strdup (self->fixed_timestamp);
  else
    self->timestamp = pochta_strdup_printf ("<%u.%" G_GINT64_FORMAT "@%s>",
                                            pochta_generator_range (self->generator, 1, 100000),
                                            pochta_generator_get_time (self->generator) / G_USEC_PER_SEC,
                                            self->hostname);
  pochta_pop3_server_queue_reply (self, TRUE, NULL, "POP3 server ready %s", self->timestamp);
}

gssize
pochta_pop3_server_feed (PochtaPop3Server *self, const guint8 *data, gsize len)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (data != NULL || len == 0, -1);
  g_return_val_if_fail (self->started, -1);

  if (self->state == POCHTA_POP3_STATE_CLOSED)
    return -1;

  gsize consumed = 0;
  while (consumed < len && self->state != POCHTA_POP3_STATE_CLOSED
         && self->output->len <= OUTPUT_HIGH_WATER)
    {
      PochtaLineStatus status;
      pochta_line_reader_set_max (self->reader, self->state == POCHTA_POP3_STATE_SASL
                                                  ? self->limits.sasl_line_max
                                                  : self->limits.command_line_max);
      consumed += pochta_line_reader_feed (self->reader, data + consumed, len - consumed, &status);
      if (status != POCHTA_LINE_NONE)
        handle_line (self, status);
    }
  return (gssize) consumed;
}

void
pochta_pop3_server_feed_eof (PochtaPop3Server *self)
{
  g_return_if_fail (self != NULL);

  if (self->state != POCHTA_POP3_STATE_CLOSED)
    pochta_pop3_server_close (self, "connection lost");
}

void
pochta_pop3_server_autologout (PochtaPop3Server *self)
{
  g_return_if_fail (self != NULL);

  if (self->state != POCHTA_POP3_STATE_CLOSED)
    pochta_pop3_server_close (self, "autologout");
}

gsize
pochta_pop3_server_peek_output (PochtaPop3Server *self, const guint8 **out_data)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (out_data != NULL, 0);

  *out_data = self->output->data;
  return self->output->len;
}

void
pochta_pop3_server_consume_output (PochtaPop3Server *self, gsize n_bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n_bytes <= self->output->len);

  g_byte_array_remove_range (self->output, 0, (guint) n_bytes);
}

gboolean
pochta_pop3_server_next_event (PochtaPop3Server *self, PochtaEvent *out_event)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_event != NULL, FALSE);

  return pochta_event_queue_pop (self->events, out_event);
}

PochtaPop3State
pochta_pop3_server_get_state (PochtaPop3Server *self)
{
  g_return_val_if_fail (self != NULL, POCHTA_POP3_STATE_CLOSED);
  return self->state;
}

const char *
pochta_pop3_server_get_timestamp (PochtaPop3Server *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->timestamp;
}

const char *
pochta_pop3_server_get_login (PochtaPop3Server *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->login;
}

void
pochta_pop3_server_set_event_sink (PochtaPop3Server *self, PochtaEventSink sink, gpointer user_data)
{
  g_return_if_fail (self != NULL);
  pochta_event_queue_set_sink (self->events, sink, user_data);
}
