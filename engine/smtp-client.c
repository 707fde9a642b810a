/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP client session: drives greeting, EHLO/HELO, AUTH, MAIL, VRFY,
 * RCPT, DATA and QUIT from an envelope and reports every recipient's fate.
 *
 * Every command sent is remembered in a FIFO of expected replies, and
 * every complete reply answers the oldest entry.  Lock-step and PIPELINING
 * (RFC 2920 §3.1) differ only in how many commands are sent before the
 * FIFO is drained.  A reply that begins before the caller has consumed the
 * command it would answer cannot be an answer to it: that is how a reply
 * nobody asked for shows up.
 *
 * Policies where the RFCs leave a choice:
 *   - A reply line longer than 2048 octets, a line ended by a bare LF, a
 *     malformed reply, a code of the wrong class for the command, a reply
 *     nobody asked for, bytes after the reply to QUIT in the same feed, or
 *     the connection closing before the reply to QUIT end the session
 *     with an ERROR event; no QUIT is sent after a broken reply, because
 *     the two sides no longer agree on where they are.
 *   - Recipients not yet decided when the session fails become TEMPORARY
 *     with code 451, as RFC 5321 §3.8 says a lost connection counts.  When
 *     the client refuses on its own, the recipients get the code a server
 *     would have used: 552 for a message over the SIZE limit (RFC 1870
 *     §6.1), 554 when AUTH was asked for but cannot be done.
 *   - The message is sent with CRLF line ends only (RFC 5321 §2.3.8): a
 *     bare LF or bare CR in it is sent as CRLF, and a missing final CRLF is
 *     added; SIZE counts these normalised octets without stuffing
 *     (RFC 1870 §5).
 *   - BODY=8BITMIME is sent only when the server offers 8BITMIME; the
 *     message goes out as it is either way.
 *   - A forced AUTH mechanism is used only if the server offers it. */
#define G_LOG_DOMAIN "pochta-smtp-client"
#include "config.h"

#include <string.h>

#include "format.h"
#include "byte-array-private.h"
#include "smtp-client-private.h"

/* RFC 5321 §4.5.3.1.5: reply lines are at most 512 octets with CRLF.  Real
 * servers overshoot in their texts, so the client is liberal up to four
 * times that and treats anything longer as a broken reply. */
#define REPLY_LINE_MAX 2048
#define DEFAULT_MAX_REPLY_LINES 100

/* RFC 5321 §3.8: a connection that drops counts as a 451. */
#define CODE_CONNECTION_LOST 451


const char *
pochta_smtp_client_state_to_string (PochtaSmtpClientState state)
{
  switch (state)
    {
    case POCHTA_SMTP_CLIENT_STATE_GREETING: return "greeting";
    case POCHTA_SMTP_CLIENT_STATE_EHLO: return "ehlo";
    case POCHTA_SMTP_CLIENT_STATE_HELO: return "helo";
    case POCHTA_SMTP_CLIENT_STATE_AUTH: return "auth";
    case POCHTA_SMTP_CLIENT_STATE_MAIL: return "mail";
    case POCHTA_SMTP_CLIENT_STATE_VRFY: return "vrfy";
    case POCHTA_SMTP_CLIENT_STATE_RCPT: return "rcpt";
    case POCHTA_SMTP_CLIENT_STATE_DATA: return "data";
    case POCHTA_SMTP_CLIENT_STATE_CONTENT: return "content";
    case POCHTA_SMTP_CLIENT_STATE_RSET: return "rset";
    case POCHTA_SMTP_CLIENT_STATE_QUIT: return "quit";
    case POCHTA_SMTP_CLIENT_STATE_DONE: return "done";
    case POCHTA_SMTP_CLIENT_N_STATES:
    default: return "unknown";
    }
}

/* ---- construction ---- */

static gboolean
is_one_line (const char *text)
{
  return text != NULL && strpbrk (text, "\r\n") == NULL;
}

/* RFC 5321 §2.3.8: CRLF is the only line end on the wire.  A bare LF or
 * bare CR would let the peer see a line end the sender did not mean (SMTP
 * smuggling), so each becomes CRLF; a message must also end in CRLF
 * before the terminating "." (§4.1.1.4). */
/* TRUE when data is in wire form: every LF after a CR, and no CR
 * anywhere else, that is as many CRs as LFs. */
static gboolean
is_wire_form (const guint8 *data, gsize len)
{
  gsize n_cr = 0, n_lf = 0;

  if (!pochta_lines_end_in_crlf (data, len))
    return FALSE;
  for (const guint8 *p = data, *end = data + len; (p = memchr (p, '\r', (gsize) (end - p))) != NULL; p++)
    n_cr++;
  for (const guint8 *p = data, *end = data + len; (p = memchr (p, '\n', (gsize) (end - p))) != NULL; p++)
    n_lf++;
  return n_cr == n_lf;
}

static GBytes *
normalise_message (GBytes *message)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (message, &len);
  GByteArray *out = NULL;
  gsize copied = 0;   /* data[0..copied) is already in out */

  if (len == 0 || is_wire_form (data, len))
    return g_bytes_ref (message);   /* already wire form: the common case */

  for (gsize i = 0; i < len; i++)
    {
      gboolean lone_cr = data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n');
      gboolean lone_lf = data[i] == '\n' && (i == 0 || data[i - 1] != '\r');
      if (!lone_cr && !lone_lf)
        continue;
      /* Copy the well-formed run before it in one go, then the CRLF. */
      if (out == NULL)
        out = g_byte_array_sized_new (len + 16);
      g_byte_array_append (out, data + copied, (guint) (i - copied));
      g_byte_array_append (out, (const guint8 *) "\r\n", 2);
      copied = i + 1;
    }
  gboolean ends_in_crlf = len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n';
  if (out == NULL && (len == 0 || ends_in_crlf))
    return g_bytes_ref (message);   /* already wire form: the common case */

  if (out == NULL)
    out = g_byte_array_sized_new (len + 2);
  g_byte_array_append (out, data + copied, (guint) (len - copied));
  if (out->len > 0 && (out->len < 2 || out->data[out->len - 1] != '\n'))
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  return g_byte_array_free_to_bytes (out);
}

static void
recipient_free (gpointer data)
{
  Recipient *recipient = data;
  g_free (recipient->pub.mailbox);
  g_free (recipient->pub.orcpt);
  g_free (recipient->pub.text);
  g_free (recipient);
}

static void
verify_result_clear (gpointer data)
{
  VerifyResult *result = data;
  g_free (result->text);
}

PochtaSmtpClient *
pochta_smtp_client_new (const PochtaSmtpClientConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (is_one_line (config->hostname), NULL);
  g_return_val_if_fail (config->server_hostname == NULL
                        || is_one_line (config->server_hostname), NULL);
  g_return_val_if_fail (config->generator != NULL, NULL);
  g_return_val_if_fail (is_one_line (config->reverse_path), NULL);
  g_return_val_if_fail (config->recipients != NULL && config->recipients[0] != NULL, NULL);
  g_return_val_if_fail (config->message != NULL, NULL);
  g_return_val_if_fail (config->login == NULL || config->password != NULL, NULL);
  g_return_val_if_fail (!config->force_mechanism
                        || config->mechanism < POCHTA_SASL_N_MECHANISMS, NULL);
  for (guint i = 0; config->recipients[i] != NULL; i++)
    g_return_val_if_fail (is_one_line (config->recipients[i]), NULL);
  for (guint i = 0; config->verify != NULL && config->verify[i] != NULL; i++)
    g_return_val_if_fail (is_one_line (config->verify[i]), NULL);

  PochtaSmtpClient *self = g_new0 (PochtaSmtpClient, 1);
  self->hostname = g_strdup (config->hostname);
  self->server_hostname = g_strdup (config->server_hostname);
  self->generator = config->generator;
  self->reverse_path = g_strdup (config->reverse_path);
  self->recipients = g_ptr_array_new_with_free_func (recipient_free);
  for (guint i = 0; config->recipients[i] != NULL; i++)
    {
      Recipient *recipient = g_new0 (Recipient, 1);
      recipient->pub.mailbox = g_strdup (config->recipients[i]);
      recipient->pub.outcome = POCHTA_SMTP_OUTCOME_PENDING;
      g_ptr_array_add (self->recipients, recipient);
    }
  self->verify_queries = g_strdupv ((char **) config->verify);
  self->verify = g_array_new (FALSE, TRUE, sizeof (VerifyResult));
  g_array_set_clear_func (self->verify, verify_result_clear);
  g_array_set_size (self->verify,
                    self->verify_queries != NULL ? g_strv_length (self->verify_queries) : 0);
  self->content = normalise_message (config->message);
  self->login = g_strdup (config->login);
  self->password = g_strdup (config->password);
  self->force_mechanism = config->force_mechanism;
  self->mechanism = config->mechanism;
  self->force_helo = config->force_helo;
  self->no_pipelining = config->no_pipelining;
  self->ret = config->ret;
  self->envid = g_strdup (config->envid);
  self->body_8bitmime = config->body_8bitmime;

  self->reader = pochta_line_reader_new (REPLY_LINE_MAX);
  self->parser = pochta_smtp_reply_parser_new (config->max_reply_lines > 0
                                               ? config->max_reply_lines
                                               : DEFAULT_MAX_REPLY_LINES);
  self->output = g_byte_array_new ();
  self->events = pochta_event_queue_new ();
  pochta_event_queue_set_report_lines (self->events, !config->no_line_events);
  pochta_event_queue_set_report_received (self->events, !config->no_received_line_events);
  self->extensions = g_ptr_array_new ();
  self->expected = g_array_sized_new (FALSE, FALSE, sizeof (Expected), 8);

  /* The first thing on the wire is the server's greeting (RFC 5321 §3.1). */
  Expected greeting = { .kind = POCHTA_SMTP_CLIENT_STATE_GREETING };
  g_array_append_val (self->expected, greeting);
  self->state = POCHTA_SMTP_CLIENT_STATE_GREETING;
  return self;
}

void
pochta_smtp_client_free (PochtaSmtpClient *self)
{
  if (self == NULL)
    return;
  g_free (self->hostname);
  g_free (self->server_hostname);
  g_free (self->reverse_path);
  g_ptr_array_unref (self->recipients);
  g_array_unref (self->verify);
  g_strfreev (self->verify_queries);
  g_bytes_unref (self->content);
  g_free (self->login);
  g_free (self->password);
  g_free (self->envid);
  pochta_line_reader_free (self->reader);
  pochta_smtp_reply_parser_free (self->parser);
  g_byte_array_unref (self->output);
  pochta_event_queue_free (self->events);
  g_array_unref (self->expected);
  g_free (self->greeting_domain);
  g_ptr_array_unref (self->extensions);
  g_free (self->extension_text);
  pochta_sasl_client_free (self->sasl);
  g_free (self->auth_cancel_reason);
  g_free (self->error);
  g_free (self);
}

void
pochta_smtp_client_set_recipient_dsn (PochtaSmtpClient *self,
                                      guint             index,
                                      PochtaDsnNotify   notify,
                                      const char       *orcpt)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->recipients->len);
  g_return_if_fail (self->state == POCHTA_SMTP_CLIENT_STATE_GREETING);
  /* RFC 3461 §4.1: NEVER stands alone. */
  g_return_if_fail (!(notify & POCHTA_DSN_NOTIFY_NEVER) || notify == POCHTA_DSN_NOTIFY_NEVER);

  Recipient *recipient = g_ptr_array_index (self->recipients, index);
  recipient->pub.notify = notify;
  g_free (recipient->pub.orcpt);
  recipient->pub.orcpt = g_strdup (orcpt);
}

/* ---- events, state, output ---- */

static void
enter_state (PochtaSmtpClient *self, PochtaSmtpClientState state)
{
  if (self->state == state)
    return;
  pochta_event_queue_push_state (self->events, self->state, state);
  self->state = state;
}

static void
queue_line (PochtaSmtpClient *self, const char *line, gsize len, gboolean in_data)
{
  pochta_byte_array_append_line (self->output, line, len);
  self->output_total += len + 2;
  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_SENT, line, len, 0,
                                self->state, in_data);
}

/* ---- the FIFO of expected replies ---- */

static gboolean
nothing_expected (PochtaSmtpClient *self)
{
  return self->expected_head >= self->expected->len;
}

/* The oldest; valid until the next push. */
static Expected *
first_expected (PochtaSmtpClient *self)
{
  g_assert (!nothing_expected (self));
  return &g_array_index (self->expected, Expected, self->expected_head);
}

static void
clear_expected (PochtaSmtpClient *self)
{
  self->expected_head = 0;
  self->expected->len = 0;  /* plain values: nothing to clear */
}

static Expected
pop_expected (PochtaSmtpClient *self)
{
  Expected first = *first_expected (self);
  if (++self->expected_head == self->expected->len)
    clear_expected (self);
  return first;
}

/* Remembers that a reply of this kind is due.  When nothing else is
 * outstanding the session is now waiting for exactly this reply. */
static void
expect_reply (PochtaSmtpClient *self, PochtaSmtpClientState kind, guint index)
{
  Expected expected = { .kind = kind, .index = index };

  if (nothing_expected (self))
    {
      clear_expected (self);
      enter_state (self, kind);
    }
  g_array_append_val (self->expected, expected);
}

/* The command (or the data) awaiting the newest expected reply has been
 * queued completely. */
static void
mark_sent (PochtaSmtpClient *self)
{
  g_assert (!nothing_expected (self));
  g_array_index (self->expected, Expected, self->expected->len - 1).sent_at = self->output_total;
}

void
pochta_smtp_client_send_command (PochtaSmtpClient *self, PochtaSmtpClientState kind, guint index, const char *line)
{
  expect_reply (self, kind, index);
  queue_line (self, line, strlen (line), FALSE);
  mark_sent (self);
}

void
pochta_smtp_client_set_error (PochtaSmtpClient *self, const char *reason)
{
  /* The first reason is the one that explains the failure; later ones
   * (e.g. the connection closing after it) are consequences. */
  if (self->error == NULL)
    self->error = g_strdup (reason);
}

static char *
describe_reply (const PochtaSmtpReply *reply)
{
  GString *described = g_string_sized_new (64);

  g_string_append_c (described, (char) ('0' + reply->code / 100));
  g_string_append_c (described, (char) ('0' + reply->code / 10 % 10));
  g_string_append_c (described, (char) ('0' + reply->code % 10));
  for (guint i = 0; i < reply->lines->len; i++)
    {
      g_string_append_c (described, i == 0 ? ' ' : '\n');
      g_string_append (described, g_ptr_array_index (reply->lines, i));
    }
  if (reply->lines->len == 0)
    g_string_append_c (described, ' ');
  return g_string_free (described, FALSE);
}

/* ---- recipients ---- */

static void
decide (PochtaSmtpClient *self, Recipient *recipient, PochtaSmtpOutcome outcome,
        guint code, const char *text)
{
  g_assert (!recipient->decided);

  recipient->decided = TRUE;
  recipient->pub.outcome = outcome;
  recipient->pub.code = code;
  g_free (recipient->pub.text);
  recipient->pub.text = g_strdup (text);

  PochtaEvent event = { 0 };
  event.type = POCHTA_EVENT_RECIPIENT;
  event.code = code;
  event.new_state = self->state;
  event.text = g_strdup (recipient->pub.mailbox);
  event.length = strlen (event.text);
  event.detail = g_strdup (text);
  pochta_event_queue_push (self->events, &event);
}

PochtaSmtpOutcome
pochta_smtp_client_outcome_of_code (guint code)
{
  switch (code / 100)
    {
    case 2: return POCHTA_SMTP_OUTCOME_ACCEPTED;
    case 4: return POCHTA_SMTP_OUTCOME_TEMPORARY;
    default: return POCHTA_SMTP_OUTCOME_PERMANENT;
    }
}

/* Every recipient without a final outcome gets this one.  only_accepted
 * limits it to those the server took at RCPT (the end-of-data reply). */
void
pochta_smtp_client_decide_open (PochtaSmtpClient *self, gboolean only_accepted, PochtaSmtpOutcome outcome,
             guint code, const char *text)
{
  for (guint i = 0; i < self->recipients->len; i++)
    {
      Recipient *recipient = g_ptr_array_index (self->recipients, i);
      if (recipient->decided || (only_accepted && !recipient->rcpt_accepted))
        continue;
      decide (self, recipient, outcome, code, text);
    }
}

static void
decide_open_by_reply (PochtaSmtpClient *self, gboolean only_accepted, const PochtaSmtpReply *reply)
{
  g_autofree char *text = pochta_smtp_reply_dup_text (reply);
  pochta_smtp_client_decide_open (self, only_accepted, pochta_smtp_client_outcome_of_code (reply->code), reply->code, text);
}

/* ---- ending ---- */

static void
finish (PochtaSmtpClient *self, const char *closed_reason)
{
  clear_expected (self);
  g_clear_pointer (&self->sasl, pochta_sasl_client_free);
  enter_state (self, POCHTA_SMTP_CLIENT_STATE_DONE);
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_CLOSED, closed_reason);
}

/* The server broke the protocol (or the connection): nothing it says can
 * be trusted any more, so the session ends here without a QUIT. */
static void
fail_session (PochtaSmtpClient *self, const char *reason)
{
  g_assert (self->state != POCHTA_SMTP_CLIENT_STATE_DONE);

  pochta_smtp_client_set_error (self, reason);
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_ERROR, reason);
  pochta_smtp_client_decide_open (self, FALSE, POCHTA_SMTP_OUTCOME_TEMPORARY, CODE_CONNECTION_LOST, reason);
  finish (self, reason);
}

void G_GNUC_PRINTF (2, 3)
pochta_smtp_client_fail_sessionf (PochtaSmtpClient *self, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *reason = pochta_strdup_vprintf (format, args);
  va_end (args);
  fail_session (self, reason);
}

void
pochta_smtp_client_send_quit (PochtaSmtpClient *self)
{
  pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_QUIT, 0, "QUIT");
}

/* The client stops the transaction on its own terms: the open recipients
 * get the outcome, the reason is recorded, and QUIT ends the session
 * politely (RFC 5321 §4.1.1.10). */
void
pochta_smtp_client_give_up (PochtaSmtpClient *self, PochtaSmtpOutcome outcome, guint code, const char *text,
         const char *reason)
{
  pochta_smtp_client_decide_open (self, FALSE, outcome, code, text);
  pochta_smtp_client_set_error (self, reason);
  pochta_smtp_client_send_quit (self);
}

void
pochta_smtp_client_give_up_by_reply (PochtaSmtpClient *self, const PochtaSmtpReply *reply, const char *what)
{
  g_autofree char *described = describe_reply (reply);
  g_autofree char *reason = pochta_strdup_printf ("%s: %s", what, described);
  decide_open_by_reply (self, FALSE, reply);
  pochta_smtp_client_set_error (self, reason);
  pochta_smtp_client_send_quit (self);
}

/* ---- extensions ---- */

/* The parameters of an EHLO keyword ("" when it has none), or NULL when
 * the server did not offer it.  Keywords are case-insensitive (RFC 5321
 * §2.4). */
const char *
pochta_smtp_client_find_extension (PochtaSmtpClient *self, const char *keyword)
{
  gsize keyword_len = strlen (keyword);

  for (guint i = 0; i < self->extensions->len; i++)
    {
      const char *line = g_ptr_array_index (self->extensions, i);
      /* The first letter rules out most lines without a call. */
      if (g_ascii_toupper (line[0]) != g_ascii_toupper (keyword[0])
          || g_ascii_strncasecmp (line, keyword, keyword_len) != 0)
        continue;
      if (line[keyword_len] == '\0')
        return "";
      if (line[keyword_len] == ' ')
        return line + keyword_len + 1;
    }
  return NULL;
}

/* RFC 1870 §3: "SIZE" alone or "SIZE 0" announces no fixed maximum.  A
 * value that is not a number is not a limit the client can honour. */
static gboolean
server_size_limit (PochtaSmtpClient *self, guint64 *out_limit)
{
  const char *parameter = pochta_smtp_client_find_extension (self, "SIZE");
  guint64 limit;

  if (parameter == NULL || *parameter == '\0')
    return FALSE;
  if (!g_ascii_string_to_unsigned (parameter, 10, 0, G_MAXUINT64, &limit, NULL))
    return FALSE;
  *out_limit = limit;
  return limit > 0;
}

/* ---- the transaction ---- */

static void
send_rset_and_quit (PochtaSmtpClient *self)
{
  pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_RSET, 0, "RSET");
  /* RFC 2920 §3.1: RSET may stand anywhere in a group and QUIT ends one,
   * so with PIPELINING both go together. */
  if (self->pipelining)
    pochta_smtp_client_send_quit (self);
}

static void
every_recipient_refused (PochtaSmtpClient *self)
{
  pochta_smtp_client_set_error (self, "every recipient was refused");
  send_rset_and_quit (self);
}

/* Sends the next command of the envelope and says whether it has to be
 * the last of a pipelined group (RFC 2920 §3.1: VRFY and DATA must). */
static gboolean
send_envelope_step (PochtaSmtpClient *self)
{
  guint n_verify = self->verify->len;

  switch (self->step)
    {
    case STEP_MAIL:
      {
        g_autofree char *line = pochta_smtp_client_build_mail_line (self);
        pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_MAIL, 0, line);
        self->step = n_verify > 0 ? STEP_VRFY : STEP_RCPT;
        self->step_index = 0;
        return FALSE;
      }
    case STEP_VRFY:
      {
        g_autofree char *line = pochta_strdup_printf ("VRFY %s",
                                                      self->verify_queries[self->step_index]);
        pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_VRFY, self->step_index, line);
        if (++self->step_index == n_verify)
          {
            self->step = STEP_RCPT;
            self->step_index = 0;
          }
        return TRUE;
      }
    case STEP_RCPT:
      {
        Recipient *recipient = g_ptr_array_index (self->recipients, self->step_index);
        g_autofree char *line = pochta_smtp_client_build_rcpt_line (self, recipient);
        pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_RCPT, self->step_index, line);
        if (++self->step_index == self->recipients->len)
          self->step = STEP_DATA;
        return FALSE;
      }
    case STEP_DATA:
      self->step = STEP_SENT;
      /* Lock-step knows every RCPT reply by now: without a recipient there
       * is nothing to send (RFC 5321 §3.3), so the transaction is reset. */
      if (!self->pipelining && self->n_rcpt_accepted == 0)
        every_recipient_refused (self);
      else
        pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_DATA, 0, "DATA");
      return TRUE;
    case STEP_SENT:
    default:
      g_assert_not_reached ();
    }
}

static void
send_envelope_group (PochtaSmtpClient *self)
{
  while (!send_envelope_step (self) && self->pipelining)
    ;
}

/* Called after each reply of the envelope: once every reply sent for is
 * in, either the next group goes out or the session winds down. */
static void
continue_envelope (PochtaSmtpClient *self)
{
  if (!nothing_expected (self))
    return;
  if (self->mail_refused)
    pochta_smtp_client_send_quit (self);
  else
    send_envelope_group (self);
}

void
pochta_smtp_client_start_transaction (PochtaSmtpClient *self)
{
  guint64 limit;
  gsize size = g_bytes_get_size (self->content);

  /* RFC 1870 §6.1: the server would refuse this declared size with 552
   * anyway; a client that knows the limit does not send the message. */
  if (server_size_limit (self, &limit) && size > limit)
    {
      g_autofree char *reason
        = pochta_strdup_printf ("message of %" G_GSIZE_FORMAT " octets exceeds the server's SIZE "
                                "limit of %" G_GUINT64_FORMAT " octets (RFC 1870)", size, limit);
      pochta_smtp_client_give_up (self, POCHTA_SMTP_OUTCOME_PERMANENT, 552, reason, reason);
      return;
    }
  self->step = STEP_MAIL;
  send_envelope_group (self);
}

/* ---- replies ---- */

static void
on_greeting (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  if (reply->code == 554)
    {
      /* RFC 5321 §3.1: a server that refuses service still waits for QUIT. */
      pochta_smtp_client_give_up_by_reply (self, reply, "the server refused the connection");
      return;
    }

  const char *text = g_ptr_array_index (reply->lines, 0);
  const char *space = strchr (text, ' ');
  self->greeting_domain = space != NULL ? g_strndup (text, space - text) : g_strdup (text);

  g_autofree char *line = g_strconcat (self->force_helo ? "HELO " : "EHLO ", self->hostname, NULL);
  pochta_smtp_client_send_command (self, self->force_helo ? POCHTA_SMTP_CLIENT_STATE_HELO
                                       : POCHTA_SMTP_CLIENT_STATE_EHLO, 0, line);
}

static void
after_hello (PochtaSmtpClient *self)
{
  self->pipelining = !self->no_pipelining && pochta_smtp_client_find_extension (self, "PIPELINING") != NULL;
  if (self->login != NULL)
    pochta_smtp_client_start_auth (self);
  else
    pochta_smtp_client_start_transaction (self);
}

/* The EHLO reply's lines after the first, copied in one block. */
static void
keep_extensions (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  gsize size = 0;

  for (guint i = 1; i < reply->lines->len; i++)
    size += strlen (g_ptr_array_index (reply->lines, i)) + 1;
  g_ptr_array_set_size (self->extensions, 0);
  g_free (self->extension_text);
  self->extension_text = g_malloc (MAX (size, 1));
  char *at = self->extension_text;
  for (guint i = 1; i < reply->lines->len; i++)
    {
      const char *line = g_ptr_array_index (reply->lines, i);
      gsize len = strlen (line) + 1;
      memcpy (at, line, len);
      g_ptr_array_add (self->extensions, at);
      at += len;
    }
}

static void
on_ehlo (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  if (reply->code == 500 || reply->code == 502)
    {
      /* RFC 5321 §3.2: a server that does not know EHLO says 500 or 502;
       * the client then falls back to HELO. */
      g_autofree char *line = pochta_strdup_printf ("HELO %s", self->hostname);
      pochta_smtp_client_send_command (self, POCHTA_SMTP_CLIENT_STATE_HELO, 0, line);
      return;
    }
  if (reply->code != 250)
    {
      pochta_smtp_client_give_up_by_reply (self, reply, "the server refused EHLO");
      return;
    }
  /* RFC 5321 §4.1.1.1: the first line greets, each further line is one
   * extension keyword with its parameters. */
  keep_extensions (self, reply);
  after_hello (self);
}

static void
on_helo (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  if (reply->code != 250)
    {
      pochta_smtp_client_give_up_by_reply (self, reply, "the server refused HELO");
      return;
    }
  after_hello (self);
}


static void
on_mail (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  if (reply->code / 100 != 2)
    {
      g_autofree char *described = describe_reply (reply);
      g_autofree char *reason = pochta_strdup_printf ("MAIL FROM refused: %s", described);
      self->mail_refused = TRUE;
      decide_open_by_reply (self, FALSE, reply);
      pochta_smtp_client_set_error (self, reason);
    }
  continue_envelope (self);
}

static void
on_vrfy (PochtaSmtpClient *self, guint index, const PochtaSmtpReply *reply)
{
  /* Only recorded: VRFY informs, it does not change delivery. */
  VerifyResult *result = &g_array_index (self->verify, VerifyResult, index);
  result->code = reply->code;
  result->text = pochta_smtp_reply_dup_text (reply);
  continue_envelope (self);
}

static void
on_rcpt (PochtaSmtpClient *self, guint index, const PochtaSmtpReply *reply)
{
  Recipient *recipient = g_ptr_array_index (self->recipients, index);

  /* After a refused MAIL the RCPT replies of the group are only 503s
   * (RFC 2920 §3.1); the MAIL reply already decided. */
  if (!self->mail_refused)
    {
      if (reply->code / 100 == 2)
        {
          recipient->rcpt_accepted = TRUE;
          self->n_rcpt_accepted++;
        }
      else
        {
          g_autofree char *text = pochta_smtp_reply_dup_text (reply);
          decide (self, recipient, pochta_smtp_client_outcome_of_code (reply->code), reply->code, text);
        }
    }
  continue_envelope (self);
}

static void
send_content (PochtaSmtpClient *self)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (self->content, &len);

  expect_reply (self, POCHTA_SMTP_CLIENT_STATE_CONTENT, 0);
  for (gsize start = 0; start < len;)
    {
      /* The content is normalised: every line ends in CRLF. */
      const guint8 *lf = memchr (data + start, '\n', len - start);
      gsize line_len = (gsize) (lf - (data + start)) - 1;
      guint at = self->output->len;

      /* RFC 5321 §4.5.2: a leading "." is doubled so no line reads as the
       * end of the data.  The line goes straight into the output with
       * its CRLF; the event, if any, copies it from there. */
      if (line_len > 0 && data[start] == '.')
        g_byte_array_append (self->output, (const guint8 *) ".", 1);
      g_byte_array_append (self->output, data + start, (guint) line_len + 2);
      gsize sent = self->output->len - at;
      self->output_total += sent;
      pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_SENT,
                                    (const char *) self->output->data + at, sent - 2, 0,
                                    self->state, TRUE);
      start += line_len + 2;
    }
  /* The end-of-data mark belongs to the data phase, as the server reports
   * it (RFC 5321 §4.1.1.4). */
  queue_line (self, ".", 1, TRUE);
  mark_sent (self);
}

static void
on_data (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  if (reply->code == 354)
    {
      if (self->mail_refused || self->n_rcpt_accepted == 0)
        {
          /* A pipelined DATA the server took although no recipient was
           * accepted: after 354 only the end-of-data mark gets back to
           * commands (RFC 5321 §4.1.1.4), so the message stays empty. */
          self->content_is_placeholder = TRUE;
          pochta_smtp_client_set_error (self, "every recipient was refused");
          expect_reply (self, POCHTA_SMTP_CLIENT_STATE_CONTENT, 0);
          queue_line (self, ".", 1, TRUE);
          mark_sent (self);
          return;
        }
      send_content (self);
      return;
    }
  if (self->mail_refused)
    pochta_smtp_client_send_quit (self);
  else if (self->n_rcpt_accepted == 0)
    every_recipient_refused (self);
  else
    pochta_smtp_client_give_up_by_reply (self, reply, "DATA refused");
}

static void
on_content (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  if (self->content_is_placeholder)
    {
      pochta_smtp_client_send_quit (self);
      return;
    }
  if (reply->code / 100 == 2)
    {
      /* RFC 5321 §4.1.1.4, §6.1: the 250 hands responsibility over. */
      self->message_accepted = TRUE;
      decide_open_by_reply (self, TRUE, reply);
      PochtaEvent event = { 0 };
      event.type = POCHTA_EVENT_MESSAGE;
      event.code = reply->code;
      event.new_state = self->state;
      event.text = pochta_smtp_reply_dup_text (reply);
      event.length = strlen (event.text);
      event.bytes = g_bytes_ref (self->content);
      pochta_event_queue_push (self->events, &event);
      pochta_smtp_client_send_quit (self);
      return;
    }
  /* RFC 5321 §4.2.5: after a failure here the client keeps the message. */
  pochta_smtp_client_give_up_by_reply (self, reply, "the message was refused after the data");
}

static void
on_rset (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  /* RFC 5321 §4.1.1.5: RSET always gets 250; whatever it got, the session
   * only has QUIT left to say. */
  if (nothing_expected (self))
    pochta_smtp_client_send_quit (self);
}

static void
on_quit (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  /* RFC 5321 §4.1.1.10: after 221 the server closes; nothing may follow. */
  if (self->input_left > 0)
    {
      fail_session (self, "the server sent data after its reply to QUIT (RFC 5321 §4.1.1.10)");
      return;
    }
  finish (self, self->error != NULL ? self->error : "QUIT");
}

/* RFC 5321 §3.8: 421 may answer any command; the server then closes, so
 * the client does not send QUIT. */
static void
on_service_closing (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  g_autofree char *described = describe_reply (reply);
  g_autofree char *reason = pochta_strdup_printf ("the server is closing the connection: %s",
                                                  described);
  decide_open_by_reply (self, FALSE, reply);
  if (self->state != POCHTA_SMTP_CLIENT_STATE_QUIT)
    pochta_smtp_client_set_error (self, reason);
  finish (self, reason);
}

/* The replies each command can get (RFC 5321 §4.3.2, RFC 4954 §4; 421
 * is handled before).  Anything else means the two sides disagree about
 * where the dialogue is. */
static gboolean
reply_allowed (PochtaSmtpClientState kind, guint code)
{
  gboolean failure = code / 100 == 4 || code / 100 == 5;

  switch (kind)
    {
    case POCHTA_SMTP_CLIENT_STATE_GREETING:
      return code == 220 || code == 554;
    case POCHTA_SMTP_CLIENT_STATE_EHLO:
    case POCHTA_SMTP_CLIENT_STATE_HELO:
      return code == 250 || failure;
    case POCHTA_SMTP_CLIENT_STATE_AUTH:
      return code == 235 || code == 334 || failure;
    case POCHTA_SMTP_CLIENT_STATE_DATA:
      return code == 354 || failure;
    case POCHTA_SMTP_CLIENT_STATE_QUIT:
      return code == 221;
    case POCHTA_SMTP_CLIENT_STATE_MAIL:
    case POCHTA_SMTP_CLIENT_STATE_VRFY:
    case POCHTA_SMTP_CLIENT_STATE_RCPT:
    case POCHTA_SMTP_CLIENT_STATE_CONTENT:
    case POCHTA_SMTP_CLIENT_STATE_RSET:
      return code / 100 == 2 || failure;
    case POCHTA_SMTP_CLIENT_STATE_DONE:
    case POCHTA_SMTP_CLIENT_N_STATES:
    default:
      g_assert_not_reached ();
    }
}

static const char *
command_name (PochtaSmtpClientState kind)
{
  switch (kind)
    {
    case POCHTA_SMTP_CLIENT_STATE_GREETING: return "the greeting";
    case POCHTA_SMTP_CLIENT_STATE_EHLO: return "EHLO";
    case POCHTA_SMTP_CLIENT_STATE_HELO: return "HELO";
    case POCHTA_SMTP_CLIENT_STATE_AUTH: return "AUTH";
    case POCHTA_SMTP_CLIENT_STATE_MAIL: return "MAIL";
    case POCHTA_SMTP_CLIENT_STATE_VRFY: return "VRFY";
    case POCHTA_SMTP_CLIENT_STATE_RCPT: return "RCPT";
    case POCHTA_SMTP_CLIENT_STATE_DATA: return "DATA";
    case POCHTA_SMTP_CLIENT_STATE_CONTENT: return "the end of the data";
    case POCHTA_SMTP_CLIENT_STATE_RSET: return "RSET";
    case POCHTA_SMTP_CLIENT_STATE_QUIT: return "QUIT";
    case POCHTA_SMTP_CLIENT_STATE_DONE:
    case POCHTA_SMTP_CLIENT_N_STATES:
    default: return "nothing";
    }
}

static void
handle_reply (PochtaSmtpClient *self, const PochtaSmtpReply *reply)
{
  Expected popped = pop_expected (self);
  const Expected *expected = &popped;

  if (reply->code == 421)
    {
      on_service_closing (self, reply);
      return;
    }
  if (!reply_allowed (expected->kind, reply->code))
    {
      pochta_smtp_client_fail_sessionf (self, "%u is not a reply the server may give to %s (RFC 5321 §4.3.2)",
                     reply->code, command_name (expected->kind));
      return;
    }

  switch (expected->kind)
    {
    case POCHTA_SMTP_CLIENT_STATE_GREETING: on_greeting (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_EHLO: on_ehlo (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_HELO: on_helo (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_AUTH: pochta_smtp_client_on_auth (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_MAIL: on_mail (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_VRFY: on_vrfy (self, expected->index, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_RCPT: on_rcpt (self, expected->index, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_DATA: on_data (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_CONTENT: on_content (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_RSET: on_rset (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_QUIT: on_quit (self, reply); break;
    case POCHTA_SMTP_CLIENT_STATE_DONE:
    case POCHTA_SMTP_CLIENT_N_STATES:
    default:
      g_assert_not_reached ();
    }

  if (self->state == POCHTA_SMTP_CLIENT_STATE_DONE)
    return;
  /* Never a hang: a live session always waits for some reply. */
  g_assert (!nothing_expected (self));
  enter_state (self, first_expected (self)->kind);
}

/* The code of a reply line for the LINE_RECEIVED event, 0 if it has none
 * (RFC 5321 §4.2: three digits, then SP, '-' or the end of the line). */
static guint
line_code (const char *line, gsize len)
{
  if (len < 3 || line[0] < '2' || line[0] > '5' || !g_ascii_isdigit (line[1])
      || !g_ascii_isdigit (line[2]))
    return 0;
  if (len > 3 && line[3] != ' ' && line[3] != '-')
    return 0;
  return (guint) (line[0] - '0') * 100 + (guint) (line[1] - '0') * 10 + (guint) (line[2] - '0');
}

static void
handle_line (PochtaSmtpClient *self, PochtaLineStatus status)
{
  gsize len;
  const char *line = pochta_line_reader_get_line (self->reader, &len);
  const PochtaSmtpReply *reply = NULL;
  g_autofree char *error = NULL;

  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_RECEIVED, line, len,
                                line_code (line, len), self->state, FALSE);
  switch (status)
    {
    case POCHTA_LINE_BARE_LF:
      fail_session (self, "a reply line ended in a bare LF, not CRLF (RFC 5321 §2.3.8)");
      return;
    case POCHTA_LINE_TOO_LONG:
      pochta_smtp_client_fail_sessionf (self, "a reply line is longer than %d octets (RFC 5321 §4.5.3.1.5 "
                           "allows 512)", REPLY_LINE_MAX);
      return;
    case POCHTA_LINE_CRLF:
      break;
    case POCHTA_LINE_NONE:
    default:
      g_assert_not_reached ();
    }

  /* A reply that begins before its command left the client (the caller
   * has not consumed it yet) answers nothing the server could have read:
   * one reply too many somewhere earlier (RFC 5321 §4.2: exactly one
   * reply per command). */
  const Expected *due = first_expected (self);
  if (!pochta_smtp_reply_parser_in_reply (self->parser)
      && due->sent_at > self->output_total_consumed)
    {
      pochta_smtp_client_fail_sessionf (self, "the server replied before %s reached it: a reply no command "
                           "asked for (RFC 5321 §4.2)", command_name (due->kind));
      return;
    }

  switch (pochta_smtp_reply_parser_push_line (self->parser, line, len, &reply, &error))
    {
    case POCHTA_SMTP_REPLY_INCOMPLETE:
      break;
    case POCHTA_SMTP_REPLY_MALFORMED:
      pochta_smtp_client_fail_sessionf (self, "malformed reply: %s", error);
      break;
    case POCHTA_SMTP_REPLY_COMPLETE:
      handle_reply (self, reply);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- the public I/O ---- */

gssize
pochta_smtp_client_feed (PochtaSmtpClient *self, const guint8 *data, gsize len)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (data != NULL || len == 0, -1);
  g_return_val_if_fail (len <= G_MAXSSIZE, -1);

  gsize offset = 0;
  while (offset < len && self->state != POCHTA_SMTP_CLIENT_STATE_DONE)
    {
      PochtaLineStatus status;
      offset += pochta_line_reader_feed (self->reader, data + offset, len - offset, &status);
      if (status == POCHTA_LINE_NONE)
        continue;
      self->input_left = len - offset;
      handle_line (self, status);
    }
  self->input_left = 0;
  return (gssize) offset;
}

void
pochta_smtp_client_feed_eof (PochtaSmtpClient *self)
{
  g_return_if_fail (self != NULL);

  if (self->state == POCHTA_SMTP_CLIENT_STATE_DONE)
    return;
  if (self->state == POCHTA_SMTP_CLIENT_STATE_QUIT)
    {
      fail_session (self, "the server closed the connection without replying to QUIT "
                          "(RFC 5321 §4.1.1.10)");
      return;
    }
  gboolean mid_line = pochta_line_reader_get_pending (self->reader) > 0
                      || pochta_smtp_reply_parser_in_reply (self->parser);
  pochta_smtp_client_fail_sessionf (self, "the server closed the connection %swhile the reply to %s was due "
                       "(RFC 5321 §3.8: counts as 451)",
                 mid_line ? "in the middle of a reply " : "",
                 command_name (self->state));
}

gsize
pochta_smtp_client_peek_output (PochtaSmtpClient *self, const guint8 **out_data)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (out_data != NULL, 0);

  gsize pending = self->output->len - self->output_consumed;
  /* An empty GByteArray has no buffer yet, and NULL + 0 is undefined
   * (C11 §6.5.6). */
  *out_data = pending > 0 ? self->output->data + self->output_consumed : NULL;
  return pending;
}

void
pochta_smtp_client_consume_output (PochtaSmtpClient *self, gsize n_bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n_bytes <= self->output->len - self->output_consumed);

  self->output_consumed += n_bytes;
  self->output_total_consumed += n_bytes;
  if (self->output_consumed == self->output->len)
    {
      g_byte_array_set_size (self->output, 0);
      self->output_consumed = 0;
    }
}

gboolean
pochta_smtp_client_next_event (PochtaSmtpClient *self, PochtaEvent *out_event)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_event != NULL, FALSE);
  return pochta_event_queue_pop (self->events, out_event);
}

PochtaSmtpClientState
pochta_smtp_client_get_state (PochtaSmtpClient *self)
{
  g_return_val_if_fail (self != NULL, POCHTA_SMTP_CLIENT_STATE_DONE);
  return self->state;
}

gboolean
pochta_smtp_client_is_done (PochtaSmtpClient *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->state == POCHTA_SMTP_CLIENT_STATE_DONE;
}

gboolean
pochta_smtp_client_message_accepted (PochtaSmtpClient *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->message_accepted;
}

const char *
pochta_smtp_client_get_error (PochtaSmtpClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->error;
}

guint
pochta_smtp_client_get_n_recipients (PochtaSmtpClient *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->recipients->len;
}

const PochtaSmtpClientRecipient *
pochta_smtp_client_get_recipient (PochtaSmtpClient *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->recipients->len, NULL);

  Recipient *recipient = g_ptr_array_index (self->recipients, index);
  return &recipient->pub;
}

guint
pochta_smtp_client_get_verify_reply (PochtaSmtpClient *self, guint index, const char **out_text)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (index < self->verify->len, 0);

  VerifyResult *result = &g_array_index (self->verify, VerifyResult, index);
  if (out_text != NULL)
    *out_text = result->text;
  return result->code;
}

GStrv
pochta_smtp_client_dup_server_extensions (PochtaSmtpClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  GStrv extensions = g_new0 (char *, self->extensions->len + 1);
  for (guint i = 0; i < self->extensions->len; i++)
    extensions[i] = g_strdup (g_ptr_array_index (self->extensions, i));
  return extensions;
}

void
pochta_smtp_client_set_event_sink (PochtaSmtpClient *self, PochtaEventSink sink, gpointer user_data)
{
  g_return_if_fail (self != NULL);
  pochta_event_queue_set_sink (self->events, sink, user_data);
}
