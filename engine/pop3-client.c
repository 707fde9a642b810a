/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The POP3 client session: logs in, lists, retrieves and deletes, one
 * command at a time, and reports every message.  Policies: see
 * pop3-client.h. */
#define G_LOG_DOMAIN "pochta-pop3-client"
#include "config.h"

#include <string.h>

#include "format.h"
#include "byte-array-private.h"
#include "event-queue-private.h"
#include "line-reader.h"
#include "pop3-client.h"

/* RFC 2449 §4: the first line of a response is at most 512 octets with
 * CRLF. */
#define STATUS_LINE_MAX 512
/* RFC 2449 §4: a command line, AUTH's initial response included
 * (RFC 5034 §4), is at most 255 octets with CRLF. */
#define COMMAND_LINE_MAX 255
/* Lines of a message have no POP3 limit (RFC 5322 §2.1.1's 998 is not
 * always kept); this only bounds memory. */
#define DATA_LINE_MAX (1024 * 1024)
/* Lines of a LIST or UIDL listing or of CAPA, against a server that
 * never ends one. */
#define LISTING_LINES_MAX 1000000
#define DEFAULT_MAX_MESSAGE_SIZE (64 * 1024 * 1024)
/* RFC 1939 §7: a unique-id is 1 to 70 characters in 0x21-0x7E. */
#define UID_MAX 70

typedef enum
{
  LOGIN_STEP_NONE,
  LOGIN_STEP_APOP,
  LOGIN_STEP_USER,
  LOGIN_STEP_PASS,
  LOGIN_STEP_AUTH,
} LoginStep;

struct _PochtaPop3Client
{
  /* What to do, copied from the config. */
  char *server_hostname;
  PochtaGenerator *generator;   /* borrowed */
  char *login;
  char *password;
  PochtaPop3LoginMethod method;
  gboolean force_mechanism;
  PochtaSaslMechanism mechanism;
  gboolean delete_retrieved;
  gboolean reset_before_quit;
  gboolean top_only;
  guint top_lines;
  GHashTable *known_uids;       /* set of char* */
  gsize max_message_size;
  gboolean report_data_lines;

  /* The wire. */
  PochtaLineReader *reader;
  GByteArray *output;
  guint64 output_total;          /* bytes ever queued */
  guint64 output_consumed;       /* bytes the caller put on the wire */
  PochtaEventQueue *events;

  /* The session. */
  PochtaPop3ClientState state;
  gboolean awaiting;             /* a response is due */
  guint64 sent_at;               /* output_total just past the last command */
  gsize input_left;              /* bytes of the current feed after the line in hand */
  gboolean in_body;              /* the lines of a multi-line response follow */
  GPtrArray *listing;            /* of char*: CAPA, LIST, UIDL lines */
  GByteArray *content;           /* RETR/TOP, unstuffed */
  char *timestamp;
  GPtrArray *capabilities;       /* of char* */
  gboolean capa_failed;
  PochtaPop3LoginMethod login_method;
  LoginStep login_step;
  PochtaSaslClient *sasl;
  GBytes *pending_initial;       /* an initial response too long for the AUTH line */
  char *sasl_abort_reason;       /* set once "*" went out */
  GPtrArray *messages;           /* of PochtaPop3ClientMessage* */
  guint cursor;                  /* the message being retrieved or deleted */
  gboolean quit_answered;
  gboolean succeeded;
  char *error;
};

const char *
pochta_pop3_client_state_to_string (PochtaPop3ClientState state)
{
  switch (state)
    {
    case POCHTA_POP3_CLIENT_STATE_GREETING: return "GREETING";
    case POCHTA_POP3_CLIENT_STATE_CAPA: return "CAPA";
    case POCHTA_POP3_CLIENT_STATE_LOGIN: return "LOGIN";
    case POCHTA_POP3_CLIENT_STATE_STAT: return "STAT";
    case POCHTA_POP3_CLIENT_STATE_LIST: return "LIST";
    case POCHTA_POP3_CLIENT_STATE_UIDL: return "UIDL";
    case POCHTA_POP3_CLIENT_STATE_RETRIEVE: return "RETRIEVE";
    case POCHTA_POP3_CLIENT_STATE_DELE: return "DELE";
    case POCHTA_POP3_CLIENT_STATE_RSET: return "RSET";
    case POCHTA_POP3_CLIENT_STATE_QUIT: return "QUIT";
    case POCHTA_POP3_CLIENT_STATE_DONE: return "DONE";
    case POCHTA_POP3_CLIENT_N_STATES:
    default: return "unknown";
    }
}

const char *
pochta_pop3_login_method_to_string (PochtaPop3LoginMethod method)
{
  switch (method)
    {
    case POCHTA_POP3_LOGIN_AUTO: return "auto";
    case POCHTA_POP3_LOGIN_APOP: return "APOP";
    case POCHTA_POP3_LOGIN_SASL: return "SASL";
    case POCHTA_POP3_LOGIN_USER: return "USER";
    default: return "unknown";
    }
}

static void
message_free (gpointer data)
{
  PochtaPop3ClientMessage *message = data;

  g_free (message->uid);
  g_clear_pointer (&message->content, g_bytes_unref);
  g_free (message->error);
  g_free (message);
}

/* ---- output and events ---- */

static void
enter_state (PochtaPop3Client *self, PochtaPop3ClientState state)
{
  if (self->state == state)
    return;
  pochta_event_queue_push_state (self->events, self->state, state);
  self->state = state;
}

static void
send_line (PochtaPop3Client *self, const char *line)
{
  gsize len = strlen (line);

  pochta_byte_array_append_line (self->output, line, len);
  self->output_total += len + 2;
  self->sent_at = self->output_total;
  self->awaiting = TRUE;
  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_SENT, line, len, 0, self->state, FALSE);
}

static void G_GNUC_PRINTF (3, 4)
send_command (PochtaPop3Client *self, PochtaPop3ClientState state, const char *format, ...)
{
  va_list args;
  g_autofree char *line = NULL;

  va_start (args, format);
  line = pochta_strdup_vprintf (format, args);
  va_end (args);
  enter_state (self, state);
  send_line (self, line);
}

static void
finish (PochtaPop3Client *self, const char *reason)
{
  g_clear_pointer (&self->sasl, pochta_sasl_client_free);
  self->awaiting = FALSE;
  enter_state (self, POCHTA_POP3_CLIENT_STATE_DONE);
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_CLOSED, reason);
}

static void
record_error (PochtaPop3Client *self, const char *reason)
{
  if (self->error == NULL)
    self->error = g_strdup (reason);
  self->succeeded = FALSE;
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_ERROR, reason);
}

/* The server broke the protocol: no QUIT, since the two sides no longer
 * agree on where they are. */
static void G_GNUC_PRINTF (2, 3)
protocol_error (PochtaPop3Client *self, const char *format, ...)
{
  va_list args;
  g_autofree char *reason = NULL;

  va_start (args, format);
  reason = pochta_strdup_vprintf (format, args);
  va_end (args);
  record_error (self, reason);
  finish (self, reason);
}

static void
send_quit (PochtaPop3Client *self)
{
  send_command (self, POCHTA_POP3_CLIENT_STATE_QUIT, "QUIT");
}

/* The server said no to something the session cannot go on without: say
 * why, then QUIT politely. */
static void G_GNUC_PRINTF (2, 3)
give_up (PochtaPop3Client *self, const char *format, ...)
{
  va_list args;
  g_autofree char *reason = NULL;

  va_start (args, format);
  reason = pochta_strdup_vprintf (format, args);
  va_end (args);
  record_error (self, reason);
  send_quit (self);
}

/* ---- the steps after login ---- */

static PochtaPop3ClientMessage *
current_message (PochtaPop3Client *self)
{
  return g_ptr_array_index (self->messages, self->cursor);
}

static gboolean
uidl_wanted (PochtaPop3Client *self)
{
  if (self->capa_failed)
    return TRUE;
  for (guint i = 0; i < self->capabilities->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (self->capabilities, i), "UIDL") == 0)
      return TRUE;
  return FALSE;
}

/* Retrieves the next message not known yet, or ends the session. */
static void
next_message (PochtaPop3Client *self)
{
  while (self->cursor < self->messages->len)
    {
      PochtaPop3ClientMessage *message = current_message (self);
      if (message->uid == NULL || !g_hash_table_contains (self->known_uids, message->uid))
        break;
      message->skipped = TRUE;
      self->cursor++;
    }

  if (self->cursor < self->messages->len)
    {
      guint number = current_message (self)->number;
      if (self->top_only)
        send_command (self, POCHTA_POP3_CLIENT_STATE_RETRIEVE, "TOP %u %u", number, self->top_lines);
      else
        send_command (self, POCHTA_POP3_CLIENT_STATE_RETRIEVE, "RETR %u", number);
      return;
    }
  if (self->reset_before_quit)
    send_command (self, POCHTA_POP3_CLIENT_STATE_RSET, "RSET");
  else
    send_quit (self);
}

static void
logged_in (PochtaPop3Client *self)
{
  g_clear_pointer (&self->sasl, pochta_sasl_client_free);
  self->login_step = LOGIN_STEP_NONE;
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_AUTHENTICATED, self->login);
  send_command (self, POCHTA_POP3_CLIENT_STATE_STAT, "STAT");
}

/* ---- login ---- */

static gboolean
sasl_offered (PochtaPop3Client *self, PochtaSaslMechanism *out_best)
{
  gboolean found = FALSE;

  for (guint i = 0; i < self->capabilities->len; i++)
    {
      const char *line = g_ptr_array_index (self->capabilities, i);
      if (g_ascii_strncasecmp (line, "SASL ", 5) != 0)
        continue;
      g_auto (GStrv) names = g_strsplit (line + 5, " ", -1);
      for (guint j = 0; names[j] != NULL; j++)
        {
          PochtaSaslMechanism mechanism;
          if (!pochta_sasl_mechanism_from_string (names[j], &mechanism))
            continue;
          if (!found || pochta_sasl_mechanism_strength (mechanism) > pochta_sasl_mechanism_strength (*out_best))
            *out_best = mechanism;
          found = TRUE;
        }
    }
  return found;
}

static void
start_apop (PochtaPop3Client *self)
{
  g_autofree char *digest = pochta_apop_digest (self->timestamp, self->password);

  self->login_method = POCHTA_POP3_LOGIN_APOP;
  self->login_step = LOGIN_STEP_APOP;
  send_command (self, POCHTA_POP3_CLIENT_STATE_LOGIN, "APOP %s %s", self->login, digest);
}

static void
start_user (PochtaPop3Client *self)
{
  self->login_method = POCHTA_POP3_LOGIN_USER;
  self->login_step = LOGIN_STEP_USER;
  send_command (self, POCHTA_POP3_CLIENT_STATE_LOGIN, "USER %s", self->login);
}

static void
start_sasl (PochtaPop3Client *self, PochtaSaslMechanism mechanism)
{
  const char *name = pochta_sasl_mechanism_to_string (mechanism);
  g_autoptr (GBytes) initial = NULL;

  self->login_method = POCHTA_POP3_LOGIN_SASL;
  self->mechanism = mechanism;
  self->login_step = LOGIN_STEP_AUTH;
  self->sasl = pochta_sasl_client_new (mechanism, "pop", self->server_hostname, self->login,
                                       self->password, self->generator);
  if (!pochta_sasl_client_initial_response (self->sasl, &initial))
    {
      send_command (self, POCHTA_POP3_CLIENT_STATE_LOGIN, "AUTH %s", name);
      return;
    }

  /* RFC 5034 §4: "=" is an empty initial response; one that would make
   * the line longer than 255 octets waits for the server's empty
   * challenge instead. */
  g_autofree char *encoded = g_base64_encode (g_bytes_get_data (initial, NULL), g_bytes_get_size (initial));
  const char *value = *encoded != '\0' ? encoded : "=";
  if (strlen ("AUTH ") + strlen (name) + 1 + strlen (value) + 2 <= COMMAND_LINE_MAX)
    {
      send_command (self, POCHTA_POP3_CLIENT_STATE_LOGIN, "AUTH %s %s", name, value);
      return;
    }
  self->pending_initial = g_steal_pointer (&initial);
  send_command (self, POCHTA_POP3_CLIENT_STATE_LOGIN, "AUTH %s", name);
}

static void
start_login (PochtaPop3Client *self)
{
  PochtaSaslMechanism best = POCHTA_SASL_PLAIN;

  switch (self->method)
    {
    case POCHTA_POP3_LOGIN_APOP:
      if (self->timestamp == NULL)
        {
          give_up (self, "the server's greeting has no APOP timestamp");
          return;
        }
      start_apop (self);
      return;
    case POCHTA_POP3_LOGIN_SASL:
      if (self->force_mechanism)
        start_sasl (self, self->mechanism);
      else if (sasl_offered (self, &best))
        start_sasl (self, best);
      else
        give_up (self, "the server offers no SASL mechanism this client knows");
      return;
    case POCHTA_POP3_LOGIN_USER:
      start_user (self);
      return;
    case POCHTA_POP3_LOGIN_AUTO:
    default:
      if (self->timestamp != NULL)
        start_apop (self);
      else if (self->force_mechanism)
        start_sasl (self, self->mechanism);
      else if (sasl_offered (self, &best))
        start_sasl (self, best);
      else
        start_user (self);
      return;
    }
}

/* Cancels the SASL exchange with "*" (RFC 5034 §4); the server's -ERR
 * that follows ends the login with reason. */
static void
cancel_sasl (PochtaPop3Client *self, const char *reason)
{
  g_free (self->sasl_abort_reason);
  self->sasl_abort_reason = g_strdup (reason);
  send_line (self, "*");
}

static void
send_sasl_response (PochtaPop3Client *self, GBytes *response)
{
  g_autofree char *encoded = g_base64_encode (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
  send_line (self, encoded);
}

static void
handle_challenge (PochtaPop3Client *self, const char *text, gsize len)
{
  if (self->pending_initial != NULL)
    {
      g_autoptr (GBytes) initial = g_steal_pointer (&self->pending_initial);
      if (len != 0)
        {
          protocol_error (self, "the server's first %s challenge is not empty",
                          pochta_sasl_mechanism_to_string (self->mechanism));
          return;
        }
      send_sasl_response (self, initial);
      return;
    }

  /* Once the mechanism has said its last word (the empty answer to
   * rspauth, or the "*" that cancelled the exchange) only +OK or -ERR may
   * follow (RFC 5034 §4); the finished mechanism cannot be asked again. */
  if (self->sasl == NULL)
    {
      protocol_error (self, "a SASL challenge after the exchange ended");
      return;
    }

  g_autoptr (GBytes) challenge = pochta_base64_decode_strict (text, len);
  if (challenge == NULL)
    {
      protocol_error (self, "the server's SASL challenge is not valid base64");
      return;
    }

  g_autoptr (GBytes) response = NULL;
  PochtaSaslStatus status = pochta_sasl_client_step (self->sasl, g_bytes_get_data (challenge, NULL),
                                                     g_bytes_get_size (challenge), &response);
  if (status != POCHTA_SASL_CONTINUE)
    g_clear_pointer (&self->sasl, pochta_sasl_client_free);
  switch (status)
    {
    case POCHTA_SASL_CONTINUE:
    case POCHTA_SASL_SUCCESS:
      /* SUCCESS: DIGEST-MD5's rspauth checked out; the empty response
       * acknowledges it (RFC 2831 §2.1.3). */
      send_sasl_response (self, response);
      return;
    case POCHTA_SASL_FAILURE:
      cancel_sasl (self, "the server could not prove it knows the password (rspauth)");
      return;
    case POCHTA_SASL_MALFORMED:
    default:
      cancel_sasl (self, "the server's SASL challenge breaks the mechanism");
      return;
    }
}

static void
handle_login_response (PochtaPop3Client *self, gboolean ok, const char *line)
{
  if (!ok)
    {
      if (self->sasl_abort_reason != NULL)
        give_up (self, "login failed: %s", self->sasl_abort_reason);
      else
        give_up (self, "login refused: %s", line);
      return;
    }
  if (self->sasl_abort_reason != NULL)
    {
      protocol_error (self, "the server accepted a cancelled SASL exchange");
      return;
    }
  if (self->login_step == LOGIN_STEP_USER)
    {
      self->login_step = LOGIN_STEP_PASS;
      send_command (self, POCHTA_POP3_CLIENT_STATE_LOGIN, "PASS %s", self->password);
      return;
    }
  logged_in (self);
}

/* ---- parsing responses ---- */

static gboolean
parse_number (const char *text, const char **out_end, guint64 *out_value)
{
  const char *p = text;
  guint64 value = 0;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      guint digit = (guint) (*p - '0');
      if (value > (G_MAXUINT64 - digit) / 10)
        return FALSE;
      value = value * 10 + digit;
    }
  *out_end = p;
  *out_value = value;
  return TRUE;
}

/* "a SP b" at the start of text, then the end or a space (servers may
 * add text, RFC 1939 §5). */
static gboolean
parse_pair (const char *text, guint64 *out_first, guint64 *out_second)
{
  const char *end;

  if (!parse_number (text, &end, out_first) || *end != ' ')
    return FALSE;
  if (!parse_number (end + 1, &end, out_second))
    return FALSE;
  return *end == '\0' || *end == ' ';
}

static void
handle_stat (PochtaPop3Client *self, const char *text)
{
  guint64 count, octets;

  if (!parse_pair (text, &count, &octets) || count > LISTING_LINES_MAX)
    {
      protocol_error (self, "malformed STAT response: “%s”", text);
      return;
    }
  if (count == 0)
    {
      if (self->reset_before_quit)
        send_command (self, POCHTA_POP3_CLIENT_STATE_RSET, "RSET");
      else
        send_quit (self);
      return;
    }
  send_command (self, POCHTA_POP3_CLIENT_STATE_LIST, "LIST");
}

static gboolean
parse_listing (PochtaPop3Client *self)
{
  guint64 previous = 0;

  for (guint i = 0; i < self->listing->len; i++)
    {
      const char *line = g_ptr_array_index (self->listing, i);
      guint64 number, size;
      if (!parse_pair (line, &number, &size) || number <= previous || number > G_MAXUINT
          || size > G_MAXSIZE)
        {
          protocol_error (self, "malformed LIST line: “%s”", line);
          return FALSE;
        }
      previous = number;

      PochtaPop3ClientMessage *message = g_new0 (PochtaPop3ClientMessage, 1);
      message->number = (guint) number;
      message->size = (gsize) size;
      g_ptr_array_add (self->messages, message);
    }
  return TRUE;
}

static gboolean
is_valid_uid (const char *uid)
{
  gsize len = strlen (uid);

  if (len < 1 || len > UID_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (uid[i] < 0x21 || uid[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/* parse_listing () keeps the messages in strictly ascending order, so a
 * binary search finds one: a linear one made a UIDL listing quadratic,
 * minutes of CPU for the LISTING_LINES_MAX lines a server may send. */
static PochtaPop3ClientMessage *
find_message (PochtaPop3Client *self, guint64 number)
{
  guint low = 0;
  guint high = self->messages->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      PochtaPop3ClientMessage *message = g_ptr_array_index (self->messages, middle);
      if (message->number == number)
        return message;
      if (message->number < number)
        low = middle + 1;
      else
        high = middle;
    }
  return NULL;
}

static gboolean
parse_uidl (PochtaPop3Client *self)
{
  for (guint i = 0; i < self->listing->len; i++)
    {
      const char *line = g_ptr_array_index (self->listing, i);
      const char *end;
      guint64 number;
      PochtaPop3ClientMessage *message = NULL;

      if (parse_number (line, &end, &number) && *end == ' ' && is_valid_uid (end + 1))
        message = find_message (self, number);
      if (message == NULL || message->uid != NULL)
        {
          protocol_error (self, "malformed UIDL line: “%s”", line);
          return FALSE;
        }
      message->uid = g_strdup (end + 1);
    }
  return TRUE;
}

static void
report_message (PochtaPop3Client *self, PochtaPop3ClientMessage *message)
{
  PochtaEvent event = { 0 };

  event.type = POCHTA_EVENT_MESSAGE;
  event.code = message->number;
  event.text = message->uid != NULL ? g_strdup (message->uid) : pochta_strdup_printf ("%u", message->number);
  event.length = strlen (event.text);
  event.bytes = g_bytes_ref (message->content);
  pochta_event_queue_push (self->events, &event);
}

/* A multi-line response is complete. */
static void
body_complete (PochtaPop3Client *self)
{
  self->in_body = FALSE;
  switch (self->state)
    {
    case POCHTA_POP3_CLIENT_STATE_CAPA:
      for (guint i = 0; i < self->listing->len; i++)
        g_ptr_array_add (self->capabilities, g_strdup (g_ptr_array_index (self->listing, i)));
      start_login (self);
      break;
    case POCHTA_POP3_CLIENT_STATE_LIST:
      if (!parse_listing (self))
        break;
      if (uidl_wanted (self))
        send_command (self, POCHTA_POP3_CLIENT_STATE_UIDL, "UIDL");
      else
        next_message (self);
      break;
    case POCHTA_POP3_CLIENT_STATE_UIDL:
      if (parse_uidl (self))
        next_message (self);
      break;
    case POCHTA_POP3_CLIENT_STATE_RETRIEVE:
      {
        PochtaPop3ClientMessage *message = current_message (self);
        message->content = g_byte_array_free_to_bytes (g_steal_pointer (&self->content));
        self->content = g_byte_array_new ();
        report_message (self, message);
        if (self->delete_retrieved)
          {
            send_command (self, POCHTA_POP3_CLIENT_STATE_DELE, "DELE %u", message->number);
            break;
          }
        self->cursor++;
        next_message (self);
        break;
      }
    default:
      g_assert_not_reached ();
    }
  g_ptr_array_set_size (self->listing, 0);
}

/* One line of a multi-line response (RFC 1939 §3): the termination octet
 * ends it, a leading one is stuffing. */
static void
handle_body_line (PochtaPop3Client *self, const char *line, gsize len)
{
  gboolean is_content = self->state == POCHTA_POP3_CLIENT_STATE_RETRIEVE;
  gboolean report = !is_content || self->report_data_lines;

  if (report)
    pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_RECEIVED, line, len, 0, self->state,
                                  is_content);
  if (len == 1 && line[0] == '.')
    {
      body_complete (self);
      return;
    }
  if (len > 0 && line[0] == '.')
    {
      line++;
      len--;
    }

  if (is_content)
    {
      if (self->content->len + len + 2 > self->max_message_size)
        {
          protocol_error (self, "message %u is larger than %" G_GSIZE_FORMAT " octets",
                          current_message (self)->number, self->max_message_size);
          return;
        }
      pochta_byte_array_append_line (self->content, line, len);
      return;
    }
  if (self->listing->len >= LISTING_LINES_MAX || memchr (line, '\0', len) != NULL)
    {
      protocol_error (self, "malformed %s listing", pochta_pop3_client_state_to_string (self->state));
      return;
    }
  g_ptr_array_add (self->listing, g_strndup (line, len));
}

/* Which responses carry lines after a +OK. */
static gboolean
state_is_multiline (PochtaPop3ClientState state)
{
  return state == POCHTA_POP3_CLIENT_STATE_CAPA || state == POCHTA_POP3_CLIENT_STATE_LIST
         || state == POCHTA_POP3_CLIENT_STATE_UIDL || state == POCHTA_POP3_CLIENT_STATE_RETRIEVE;
}

static void
handle_error_response (PochtaPop3Client *self, const char *line)
{
  switch (self->state)
    {
    case POCHTA_POP3_CLIENT_STATE_GREETING:
      protocol_error (self, "the server refused the connection: %s", line);
      return;
    case POCHTA_POP3_CLIENT_STATE_CAPA:
      /* RFC 2449 §5: a server without CAPA answers -ERR. */
      self->capa_failed = TRUE;
      start_login (self);
      return;
    case POCHTA_POP3_CLIENT_STATE_LOGIN:
      handle_login_response (self, FALSE, line);
      return;
    case POCHTA_POP3_CLIENT_STATE_STAT:
    case POCHTA_POP3_CLIENT_STATE_LIST:
    case POCHTA_POP3_CLIENT_STATE_RSET:
      give_up (self, "%s refused: %s", pochta_pop3_client_state_to_string (self->state), line);
      return;
    case POCHTA_POP3_CLIENT_STATE_UIDL:
      next_message (self);
      return;
    case POCHTA_POP3_CLIENT_STATE_RETRIEVE:
    case POCHTA_POP3_CLIENT_STATE_DELE:
      g_free (current_message (self)->error);
      current_message (self)->error = g_strdup (line);
      self->cursor++;
      next_message (self);
      return;
    case POCHTA_POP3_CLIENT_STATE_QUIT:
      /* RFC 1939 §6: "-ERR some deleted messages not removed". */
      self->quit_answered = TRUE;
      record_error (self, line);
      finish (self, "QUIT");
      return;
    case POCHTA_POP3_CLIENT_STATE_DONE:
    case POCHTA_POP3_CLIENT_N_STATES:
    default:
      g_assert_not_reached ();
    }
}

static void
handle_ok_response (PochtaPop3Client *self, const char *text)
{
  if (state_is_multiline (self->state))
    {
      self->in_body = TRUE;
      return;
    }

  switch (self->state)
    {
    case POCHTA_POP3_CLIENT_STATE_GREETING:
      {
        /* RFC 1939 §7: the timestamp is a msg-id, "<...@...>". */
        const char *open = strchr (text, '<');
        const char *close = open != NULL ? strchr (open, '>') : NULL;
        const char *at = close != NULL ? memchr (open, '@', (gsize) (close - open)) : NULL;
        if (at != NULL)
          {
            self->timestamp = g_strndup (open, (gsize) (close - open) + 1);
            if (self->server_hostname == NULL)
              self->server_hostname = g_strndup (at + 1, (gsize) (close - at) - 1);
          }
        if (self->server_hostname == NULL)
          self->server_hostname = g_strdup ("localhost");
        send_command (self, POCHTA_POP3_CLIENT_STATE_CAPA, "CAPA");
        return;
      }
    case POCHTA_POP3_CLIENT_STATE_LOGIN:
      handle_login_response (self, TRUE, text);
      return;
    case POCHTA_POP3_CLIENT_STATE_STAT:
      handle_stat (self, text);
      return;
    case POCHTA_POP3_CLIENT_STATE_DELE:
      current_message (self)->deleted = TRUE;
      self->cursor++;
      next_message (self);
      return;
    case POCHTA_POP3_CLIENT_STATE_RSET:
      send_quit (self);
      return;
    case POCHTA_POP3_CLIENT_STATE_QUIT:
      self->quit_answered = TRUE;
      if (self->input_left > 0)
        {
          /* The server's last word must be its last. */
          protocol_error (self, "data after the server's last response");
          return;
        }
      self->succeeded = self->error == NULL;
      finish (self, "QUIT");
      return;
    case POCHTA_POP3_CLIENT_STATE_CAPA:
    case POCHTA_POP3_CLIENT_STATE_LIST:
    case POCHTA_POP3_CLIENT_STATE_UIDL:
    case POCHTA_POP3_CLIENT_STATE_RETRIEVE:
    case POCHTA_POP3_CLIENT_STATE_DONE:
    case POCHTA_POP3_CLIENT_N_STATES:
    default:
      g_assert_not_reached ();
    }
}

/* A status line: "+OK" or "-ERR", alone or followed by a space (RFC 1939
 * §3), or during AUTH a "+ " challenge (RFC 5034 §4). */
static void
handle_status_line (PochtaPop3Client *self, const char *line, gsize len)
{
  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_RECEIVED, line, len, 0, self->state, FALSE);

  if (memchr (line, '\0', len) != NULL)
    {
      protocol_error (self, "a NUL in the server's response");
      return;
    }
  if (self->login_step == LOGIN_STEP_AUTH && line[0] == '+' && (len == 1 || line[1] == ' '))
    {
      handle_challenge (self, len > 2 ? line + 2 : "", len > 2 ? len - 2 : 0);
      return;
    }
  if (g_str_has_prefix (line, "+OK") && (len == 3 || line[3] == ' '))
    {
      handle_ok_response (self, len > 4 ? line + 4 : "");
      return;
    }
  if (g_str_has_prefix (line, "-ERR") && (len == 4 || line[4] == ' '))
    {
      handle_error_response (self, line);
      return;
    }
  protocol_error (self, "malformed response: “%.*s”", (int) MIN (len, 80), line);
}

static void
handle_line (PochtaPop3Client *self, PochtaLineStatus status)
{
  gsize len;
  const char *line = pochta_line_reader_get_line (self->reader, &len);

  if (!self->awaiting || self->output_consumed < self->sent_at)
    {
      protocol_error (self, "a response nobody asked for: “%.*s”", (int) MIN (len, 80), line);
      return;
    }
  if (status == POCHTA_LINE_BARE_LF)
    {
      protocol_error (self, "a line ended by a bare LF");
      return;
    }
  if (status == POCHTA_LINE_TOO_LONG)
    {
      protocol_error (self, self->in_body ? "a line over %d octets" : "a status line over %d octets",
                      self->in_body ? DATA_LINE_MAX : STATUS_LINE_MAX);
      return;
    }

  if (self->in_body)
    handle_body_line (self, line, len);
  else
    {
      /* Lock-step: this line answers the one command outstanding. */
      self->awaiting = FALSE;
      handle_status_line (self, line, len);
      if (self->in_body)
        self->awaiting = TRUE;
    }
}

/* ---- public API ---- */

PochtaPop3Client *
pochta_pop3_client_new (const PochtaPop3ClientConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->generator != NULL, NULL);
  g_return_val_if_fail (config->login != NULL && *config->login != '\0', NULL);
  g_return_val_if_fail (config->password != NULL, NULL);
  g_return_val_if_fail (config->mechanism < POCHTA_SASL_N_MECHANISMS, NULL);

  PochtaPop3Client *self = g_new0 (PochtaPop3Client, 1);
  self->server_hostname = g_strdup (config->server_hostname);
  self->generator = config->generator;
  self->login = g_strdup (config->login);
  self->password = g_strdup (config->password);
  self->method = config->method;
  self->force_mechanism = config->force_mechanism;
  self->mechanism = config->mechanism;
  self->delete_retrieved = config->delete_retrieved;
  self->reset_before_quit = config->reset_before_quit;
  self->top_only = config->top_only;
  self->top_lines = config->top_lines;
  self->known_uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (gsize i = 0; config->known_uids != NULL && config->known_uids[i] != NULL; i++)
    g_hash_table_add (self->known_uids, g_strdup (config->known_uids[i]));
  self->max_message_size = config->max_message_size != 0 ? config->max_message_size : DEFAULT_MAX_MESSAGE_SIZE;
  self->report_data_lines = config->report_data_lines;

  self->reader = pochta_line_reader_new (STATUS_LINE_MAX);
  self->output = g_byte_array_new ();
  self->events = pochta_event_queue_new ();
  pochta_event_queue_set_report_lines (self->events, !config->no_line_events);
  pochta_event_queue_set_report_received (self->events, !config->no_received_line_events);
  self->state = POCHTA_POP3_CLIENT_STATE_GREETING;
  /* The server speaks first (RFC 1939 §4). */
  self->awaiting = TRUE;
  self->listing = g_ptr_array_new_with_free_func (g_free);
  self->content = g_byte_array_new ();
  self->capabilities = g_ptr_array_new_with_free_func (g_free);
  self->messages = g_ptr_array_new_with_free_func (message_free);
  self->login_method = config->method;
  return self;
}

void
pochta_pop3_client_free (PochtaPop3Client *self)
{
  if (self == NULL)
    return;
  g_free (self->server_hostname);
  g_free (self->login);
  g_free (self->password);
  g_hash_table_unref (self->known_uids);
  pochta_line_reader_free (self->reader);
  g_byte_array_unref (self->output);
  pochta_event_queue_free (self->events);
  g_ptr_array_unref (self->listing);
  g_byte_array_unref (self->content);
  g_free (self->timestamp);
  g_ptr_array_unref (self->capabilities);
  g_clear_pointer (&self->sasl, pochta_sasl_client_free);
  g_clear_pointer (&self->pending_initial, g_bytes_unref);
  g_free (self->sasl_abort_reason);
  g_ptr_array_unref (self->messages);
  g_free (self->error);
  g_free (self);
}

gssize
pochta_pop3_client_feed (PochtaPop3Client *self, const guint8 *data, gsize len)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (data != NULL || len == 0, -1);

  if (self->state == POCHTA_POP3_CLIENT_STATE_DONE)
    return -1;

  gsize consumed = 0;
  while (consumed < len)
    {
      if (self->state == POCHTA_POP3_CLIENT_STATE_DONE)
        break;
      PochtaLineStatus status;
      pochta_line_reader_set_max (self->reader, self->in_body ? DATA_LINE_MAX : STATUS_LINE_MAX);
      consumed += pochta_line_reader_feed (self->reader, data + consumed, len - consumed, &status);
      self->input_left = len - consumed;
      if (status != POCHTA_LINE_NONE)
        handle_line (self, status);
    }
  return (gssize) consumed;
}

void
pochta_pop3_client_feed_eof (PochtaPop3Client *self)
{
  g_return_if_fail (self != NULL);

  if (self->state == POCHTA_POP3_CLIENT_STATE_DONE)
    return;
  protocol_error (self, "the server closed the connection");
}

gsize
pochta_pop3_client_peek_output (PochtaPop3Client *self, const guint8 **out_data)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (out_data != NULL, 0);

  *out_data = self->output->data;
  return self->output->len;
}

void
pochta_pop3_client_consume_output (PochtaPop3Client *self, gsize n_bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n_bytes <= self->output->len);

  g_byte_array_remove_range (self->output, 0, (guint) n_bytes);
  self->output_consumed += n_bytes;
}

gboolean
pochta_pop3_client_next_event (PochtaPop3Client *self, PochtaEvent *out_event)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_event != NULL, FALSE);

  return pochta_event_queue_pop (self->events, out_event);
}

PochtaPop3ClientState
pochta_pop3_client_get_state (PochtaPop3Client *self)
{
  g_return_val_if_fail (self != NULL, POCHTA_POP3_CLIENT_STATE_DONE);
  return self->state;
}

gboolean
pochta_pop3_client_is_done (PochtaPop3Client *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->state == POCHTA_POP3_CLIENT_STATE_DONE;
}

gboolean
pochta_pop3_client_succeeded (PochtaPop3Client *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->succeeded;
}

const char *
pochta_pop3_client_get_error (PochtaPop3Client *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->error;
}

PochtaPop3LoginMethod
pochta_pop3_client_get_login_method (PochtaPop3Client *self)
{
  g_return_val_if_fail (self != NULL, POCHTA_POP3_LOGIN_AUTO);
  return self->login_method;
}

PochtaSaslMechanism
pochta_pop3_client_get_mechanism (PochtaPop3Client *self)
{
  g_return_val_if_fail (self != NULL, POCHTA_SASL_PLAIN);
  return self->mechanism;
}

GStrv
pochta_pop3_client_dup_capabilities (PochtaPop3Client *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  GStrv capabilities = g_new0 (char *, self->capabilities->len + 1);
  for (guint i = 0; i < self->capabilities->len; i++)
    capabilities[i] = g_strdup (g_ptr_array_index (self->capabilities, i));
  return capabilities;
}

guint
pochta_pop3_client_get_n_messages (PochtaPop3Client *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->messages->len;
}

const PochtaPop3ClientMessage *
pochta_pop3_client_get_message (PochtaPop3Client *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->messages->len, NULL);
  return g_ptr_array_index (self->messages, index);
}

void
pochta_pop3_client_set_event_sink (PochtaPop3Client *self, PochtaEventSink sink, gpointer user_data)
{
  g_return_if_fail (self != NULL);
  pochta_event_queue_set_sink (self->events, sink, user_data);
}
