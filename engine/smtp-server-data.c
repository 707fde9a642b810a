/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The data phase of the SMTP server: from 354 to the one final reply,
 * with transparency, the limits on lines, size and trace fields, and the
 * Received: field on the delivered message (RFC 5321 §4.1.1.4, §4.4,
 * §4.5.2, §4.5.3.1.6; RFC 1870 §6.3). */
#define G_LOG_DOMAIN "pochta-smtp-server"
#include "config.h"

#include <string.h>

#include "byte-array-private.h"
#include "format.h"
#include "smtp-server-private.h"

/* Queue ids ("id" in Received:, the 250 text, the MESSAGE event). */
#define QUEUE_ID_CHARS 12
/* Enough for most Received: fields (format_received). */
#define RECEIVED_ROOM 512
#define PRESIZE_MAX (64 * 1024)
/* Room for the content when the client declared no size. */
#define PRESIZE_MIN 1024

void
pochta_smtp_server_data_abort (PochtaSmtpServer *self)
{
  g_assert (self != NULL);

  g_clear_pointer (&self->message, g_free);
  self->message_head = self->message_len = self->message_room = 0;
  self->message_size = 0;
  self->previous_line_crlf = FALSE;
  self->in_header = FALSE;
  self->received_count = 0;
  self->bad_line_ending = FALSE;
  self->has_nul = FALSE;
  self->line_too_long = FALSE;
  self->too_big = FALSE;
}

void
pochta_smtp_server_data_begin (PochtaSmtpServer *self)
{
  g_assert (self != NULL);

  pochta_smtp_server_data_abort (self);
  /* Room for the size the client declared (RFC 1870) and the Received:
   * field that goes on top, so the message is not copied as it grows;
   * never more than PRESIZE_MAX on a client's word alone. */
  gsize declared = MIN (self->envelope.declared_size, PRESIZE_MAX);
  self->message_head = RECEIVED_ROOM;
  self->message_room = RECEIVED_ROOM + MAX (declared, PRESIZE_MIN);
  self->message = g_malloc (self->message_room);
  /* The DATA line itself ended in CRLF: a "." right away ends an empty
   * message (RFC 5321 §4.1.1.4). */
  self->previous_line_crlf = TRUE;
  self->in_header = TRUE;
  pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_DATA);
  pochta_smtp_server_queue_reply (self, 354, NULL, "Start mail input; end with <CRLF>.<CRLF>");
}

/* Once the message is sure to be refused its bytes are not kept, so an
 * over-size or broken message costs no memory (RFC 1870 §6.3). */
static gboolean
is_doomed (PochtaSmtpServer *self)
{
  return self->bad_line_ending || self->has_nul || self->line_too_long || self->too_big
         || self->received_count >= self->limits.received_max;
}

static void
count_trace_field (PochtaSmtpServer *self, const char *content, gsize len)
{
  /* RFC 5322 §2.2: the header ends at the first empty line. */
  if (len == 0)
    self->in_header = FALSE;
  else if (len >= 9 && g_ascii_strncasecmp (content, "Received:", 9) == 0)
    self->received_count++;
}

/* The pieces one after another in one allocation; *out_len its length. */
static char *
join_pieces (const char *const *pieces, guint n, gsize *out_len)
{
  gsize lengths[32];
  gsize total = 0;

  g_assert (n <= G_N_ELEMENTS (lengths));
  for (guint i = 0; i < n; i++)
    total += lengths[i] = strlen (pieces[i]);
  char *joined = g_malloc (total + 1);
  char *at = joined;
  for (guint i = 0; i < n; i++)
    {
      memcpy (at, pieces[i], lengths[i]);
      at += lengths[i];
    }
  *at = '\0';
  *out_len = total;
  return joined;
}

/* RFC 5321 §4.4: from the EHLO name and the peer's address, by us, with
 * SMTP, ESMTP or ESMTPA (RFC 3848), our id, the recipient when there is
 * exactly one, and the date. */
static char *
format_received (PochtaSmtpServer *self, const char *id, gsize *out_len)
{
  const PochtaSmtpEnvelope *envelope = &self->envelope;
  const char *protocol = !envelope->extended ? "SMTP" : self->authenticated ? "ESMTPA" : "ESMTP";
  g_autofree char *date = pochta_generator_format_date (self->generator);
  const char *pieces[20];
  guint n = 0;

  /* Pieces joined in one allocation rather than printf or appends:
   * every message of every hop passes here. */
  pieces[n++] = "Received: from ";
  pieces[n++] = envelope->helo_name;
  pieces[n++] = " (";
  pieces[n++] = self->client_hostname != NULL ? self->client_hostname : envelope->helo_name;
  if (self->client_address != NULL)
    {
      pieces[n++] = " [";
      pieces[n++] = self->client_address;
      pieces[n++] = "]";
    }
  pieces[n++] = ")\r\n\tby ";
  pieces[n++] = self->hostname;
  pieces[n++] = " with ";
  pieces[n++] = protocol;
  pieces[n++] = " id ";
  pieces[n++] = id;
  if (envelope->recipients->len == 1)
    {
      const PochtaSmtpRecipient *recipient = g_ptr_array_index (envelope->recipients, 0);
      pieces[n++] = "\r\n\tfor <";
      pieces[n++] = recipient->mailbox;
      pieces[n++] = ">; ";
    }
  else
    pieces[n++] = ";\r\n\t";
  pieces[n++] = date;
  pieces[n++] = "\r\n";
  return join_pieces (pieces, n, out_len);
}

/* The reply for a message read to its end but refused; 0 if none. */
static guint
refusal (PochtaSmtpServer *self, const char **out_enhanced, char **out_text)
{
  if (self->bad_line_ending || self->has_nul)
    {
      *out_enhanced = "5.6.0";
      *out_text = g_strdup (self->has_nul && !self->bad_line_ending
                            ? "Message refused: NUL octet in the data"
                            : "Message refused: bare CR or LF in the data, lines must end with CRLF");
      return 554;
    }
  if (self->line_too_long)
    {
      *out_enhanced = "5.6.0";
      *out_text = pochta_strdup_printf ("Message refused: a text line is longer than %" G_GSIZE_FORMAT
                                        " octets with CRLF", self->limits.text_line_max);
      return 554;
    }
  if (self->too_big)
    {
      *out_enhanced = "5.3.4";
      *out_text = g_strdup ("Message size exceeds fixed maximum message size");
      return 552;
    }
  if (self->received_count >= self->limits.received_max)
    {
      *out_enhanced = "5.4.6";
      *out_text = pochta_strdup_printf ("Message refused: %u Received: fields, a mail loop",
                                        self->received_count);
      return 554;
    }
  return 0;
}

/* The message with the Received: field on top, as GBytes; the server
 * keeps no buffer.  The field fits in the room left in front of the
 * content nearly always; the rare long one costs a copy. */
static GBytes *
take_message (PochtaSmtpServer *self, const char *received, gsize received_len)
{
  guint8 *buffer = g_steal_pointer (&self->message);

  if (received_len <= self->message_head)
    {
      guint8 *start = buffer + self->message_head - received_len;
      memcpy (start, received, received_len);
      return g_bytes_new_with_free_func (start, received_len + self->message_len, g_free, buffer);
    }
  guint8 *whole = g_malloc (received_len + self->message_len);
  memcpy (whole, received, received_len);
  memcpy (whole + received_len, buffer + self->message_head, self->message_len);
  g_free (buffer);
  return g_bytes_new_take (whole, received_len + self->message_len);
}

/* Appends a line of content and its CRLF. */
static void
append_content_line (PochtaSmtpServer *self, const char *content, gsize len)
{
  self->message = pochta_buffer_reserve (self->message, &self->message_room,
                                         self->message_head + self->message_len + len + 2, 0);
  guint8 *at = self->message + self->message_head + self->message_len;
  memcpy (at, content, len);
  at[len] = '\r';
  at[len + 1] = '\n';
  self->message_len += len + 2;
}

/* Hands the message to the policy; the reply code and text come back. */
static guint
deliver (PochtaSmtpServer *self, const char **out_enhanced, char **out_text)
{
  g_autofree char *generated_id = pochta_generator_token (self->generator, QUEUE_ID_CHARS);
  gsize received_len;
  g_autofree char *received = format_received (self, generated_id, &received_len);
  g_autofree char *policy_id = NULL;

  g_autoptr (GBytes) message = take_message (self, received, received_len);

  PochtaSmtpDeliverVerdict verdict = POCHTA_SMTP_DELIVER_OK;
  if (self->policy.deliver != NULL)
    verdict = self->policy.deliver (&self->envelope, message, &policy_id, self->policy.user_data);
  const char *id = policy_id != NULL ? policy_id : generated_id;

  switch (verdict)
    {
    case POCHTA_SMTP_DELIVER_OK:
      {
        PochtaEvent event = { .type = POCHTA_EVENT_MESSAGE, .code = 250 };
        event.text = g_strdup (id);
        event.length = strlen (id);
        event.bytes = g_bytes_ref (message);
        pochta_event_queue_push (self->events, &event);
        *out_enhanced = "2.0.0";
        *out_text = self->info->data_ok_names_id
                    ? pochta_strdup_printf ("%s %s", self->info->data_ok, id)
                    : g_strdup (self->info->data_ok);
        return 250;
      }
    case POCHTA_SMTP_DELIVER_TEMPFAIL:
      *out_enhanced = "4.3.0";
      *out_text = g_strdup ("Requested action aborted: local error in processing");
      return 451;
    case POCHTA_SMTP_DELIVER_NO_STORAGE:
      *out_enhanced = "4.3.1";
      *out_text = g_strdup ("Insufficient system storage");
      return 452;
    case POCHTA_SMTP_DELIVER_TOO_BIG:
      *out_enhanced = "5.2.3";
      *out_text = g_strdup ("Message length exceeds administrative limit");
      return 552;
    case POCHTA_SMTP_DELIVER_REJECTED:
    default:
      *out_enhanced = "5.6.0";
      *out_text = g_strdup ("Message rejected");
      return 554;
    }
}

/* The one final reply of DATA (RFC 5321 §4.2), after the whole data. */
static void
finish (PochtaSmtpServer *self)
{
  const char *enhanced = NULL;
  g_autofree char *text = NULL;
  guint code = refusal (self, &enhanced, &text);

  if (code == 0)
    code = deliver (self, &enhanced, &text);
  pochta_smtp_server_data_abort (self);
  pochta_smtp_server_reset_transaction (self);
  pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_READY);
  pochta_smtp_server_queue_reply (self, code, enhanced, "%s", text);
}

void
pochta_smtp_server_data_line (PochtaSmtpServer *self,
                              const char       *line,
                              gsize             len,
                              PochtaLineStatus  status,
                              gboolean          ended_by_crlf)
{
  g_assert (self != NULL && self->message != NULL);

  /* RFC 5321 §4.1.1.4: only <CRLF>.<CRLF> ends the data: a "." line
   * counts only if the line before it ended in CRLF as well, so a bare LF
   * before it (\n.\r\n) smuggles nothing. */
  if (status == POCHTA_LINE_CRLF && self->previous_line_crlf && len == 1 && line[0] == '.')
    {
      finish (self);
      return;
    }
  self->previous_line_crlf = ended_by_crlf && status != POCHTA_LINE_BARE_LF;

  if (status == POCHTA_LINE_BARE_LF)
    self->bad_line_ending = TRUE;
  if (status == POCHTA_LINE_TOO_LONG)
    self->line_too_long = TRUE;

  /* RFC 5321 §4.5.2: a leading dot was doubled by the client. */
  const char *content = line;
  gsize content_len = len;
  if (content_len > 0 && content[0] == '.')
    {
      content++;
      content_len--;
    }
  /* RFC 5321 §4.5.3.1.6: 1000 octets with CRLF, the stuffed dot aside. */
  if (content_len + 2 > self->limits.text_line_max)
    self->line_too_long = TRUE;
  if (memchr (content, '\0', content_len) != NULL)
    self->has_nul = TRUE;
  /* A CR inside a line is a bare CR (RFC 5321 §2.3.8). */
  if (memchr (content, '\r', content_len) != NULL)
    self->bad_line_ending = TRUE;
  if (self->in_header)
    count_trace_field (self, content, content_len);

  /* RFC 1870 §5: octets with CRLF, without the stuffed dots. */
  self->message_size += content_len + 2;
  if (self->message_size > self->limits.message_size_max)
    self->too_big = TRUE;

  if (is_doomed (self))
    {
      if (self->message_len > 0)
        {
          /* What was kept goes; the buffer shrinks back to its room in
           * front, which stays for the Received: field. */
          self->message_len = 0;
          self->message_room = self->message_head;
          self->message = g_realloc (self->message, self->message_room);
        }
      return;
    }
  append_content_line (self, content, content_len);
}
