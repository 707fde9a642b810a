/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP server session: the command table, the central precheck, the
 * reply funnel and the handlers of every command but AUTH and the data
 * phase (smtp-server-auth.c, smtp-server-data.c).
 *
 * Policies (where the RFCs leave a choice; each is tested in
 * tests/engine/test-smtp-server.c):
 *
 * - A command line ended by a bare LF is answered "500 5.5.2" and not
 *   executed (RFC 5321 §2.3.8: CRLF is the only line terminator).
 * - A command line with NUL, CR, another control character or an octet
 *   above 127 is answered "500 5.5.2 Syntax error - invalid character"
 *   (RFC 5321 §2.4, §4.1.2).  Trailing spaces are tolerated (§4.1.1).
 * - A command line over the limit is answered "500 5.5.2 Line too long"
 *   and the input resynchronises at the next LF (§4.5.3.1.4); an AUTH
 *   line over limits->auth_line_max gets "500 5.5.6" (RFC 4954 §4).
 * - Strict paths: "MAIL FROM: <x>" (space after the colon) is 501
 *   (RFC 5321 §3.3); so is a path that breaks the §4.1.2 grammar.  The
 *   EHLO/HELO name may contain "_", which real hosts use.
 * - DATA without an accepted recipient is 503 (§3.3 allows 503 or 554).
 * - AUTH before EHLO or after HELO, AUTH inside a transaction and AUTH
 *   after success are 503; ETRN and TURN are refused with 503 outside the
 *   READY state (checklist §2.3).  TURN before AUTH is 502 (RFC 5321
 *   App. F.1, RFC 821 §3.8).  STARTTLS is known but never offered: 502.
 * - The rfc821 profile answers the verbs RFC 821 did not have (EHLO,
 *   AUTH, ETRN, STARTTLS) with 500 "command unrecognized", as an RFC 821
 *   receiver would; other verbs a profile does not offer get 502.
 * - After the 554 greeting every command but QUIT, even an unknown one,
 *   gets 503 (§3.1).
 * - VRFY with no verify policy is 252 (§3.5.3, §7.3).  A bare
 *   <Postmaster> recipient is always accepted (§4.5.1).
 * - Every 500, 501 and 503 counts against limits->bad_commands_max; the
 *   command after the budget is spent is answered "421 4.7.0 <host> Too
 *   many errors" and the session closes.
 * - Failed authentications (535) count against limits->auth_failures_max
 *   (never fewer than 3 tolerated, RFC 4954 §9 and §14); the AUTH command
 *   after that many failures is answered 421 and the session closes.
 *   Cancelled and malformed exchanges (501) do not count as failures but
 *   do count as bad commands.
 * - MAIL AUTH=<mailbox> is stored only for an authenticated session;
 *   otherwise the envelope says "<>" (RFC 4954 §5).
 * - Inside DATA, a bare CR, a bare LF or a NUL does not end anything: the
 *   data is read to the real <CRLF>.<CRLF> and then refused with "554
 *   5.6.0", nothing delivered (§2.3.8, §4.1.1.4, SMTP smuggling).  A text
 *   line over limits->text_line_max is read to the end and refused with
 *   "554 5.6.0" naming the limit (§4.5.3.1.6).  A message over
 *   limits->message_size_max is read to the end without keeping its bytes
 *   and refused with "552 5.3.4" (RFC 1870 §6.3).  100 or more Received:
 *   fields are refused with "554 5.4.6" (§6.3).
 * - 8-bit octets in the content without BODY=8BITMIME are accepted as
 *   they are (§2.4 allows it; the UI may point it out).
 * - One Received: field is prepended to every delivered message (§4.4);
 *   Return-Path: is left to final delivery. */
#define G_LOG_DOMAIN "pochta-smtp-server"
#include "config.h"

#include <string.h>

#include "ascii-scan-private.h"
#include "format.h"
#include "smtp-server-private.h"

/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with CRLF. */
#define REPLY_LINE_MAX 512
/* RFC 2920 §3.2 lets the server stop reading while the client does not
 * read its replies; this is how much output may wait before it does. */
#define OUTPUT_HIGH_WATER (64 * 1024)

typedef enum
{
  COMMAND_HELO,
  COMMAND_EHLO,
  COMMAND_MAIL,
  COMMAND_SEND,
  COMMAND_SOML,
  COMMAND_SAML,
  COMMAND_RCPT,
  COMMAND_DATA,
  COMMAND_RSET,
  COMMAND_VRFY,
  COMMAND_EXPN,
  COMMAND_HELP,
  COMMAND_NOOP,
  COMMAND_QUIT,
  COMMAND_AUTH,
  COMMAND_ETRN,
  COMMAND_TURN,
  COMMAND_STARTTLS,
} CommandId;

typedef enum
{
  ARGUMENTS_NONE,      /* anything after the verb is 501 (RFC 5321 §4.1.1) */
  ARGUMENTS_OPTIONAL,
  ARGUMENTS_REQUIRED,  /* a missing argument is 501 */
} ArgumentRule;

typedef struct _Command Command;
typedef void (*CommandHandler) (PochtaSmtpServer *self, const Command *command, const char *args);

struct _Command
{
  CommandId id;
  const char *verb;
  guint states;            /* bits of PochtaSmtpState where it is in sequence */
  ArgumentRule arguments;
  CommandHandler handler;
  const char *rfc;         /* where it is defined (wire text: ASCII) */
  const char *syntax;      /* for HELP */
  guint offered_by;        /* bits of PochtaSmtpProfile that implement it */
  guint unknown_to;        /* profiles that predate it: 500, not 502 */
};

#define STATE(s) (1u << POCHTA_SMTP_STATE_##s)
#define ANY_STATE (STATE (GREETING) | STATE (READY) | STATE (MAIL) | STATE (RCPT))
#define SEED (1u << POCHTA_SMTP_PROFILE_SEED)
#define RFC821 (1u << POCHTA_SMTP_PROFILE_RFC821)
#define MODERN (1u << POCHTA_SMTP_PROFILE_MODERN)
#define ALL_PROFILES (SEED | RFC821 | MODERN)

static void handle_hello (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_mail (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_rcpt (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_data (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_rset (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_vrfy (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_expn (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_help (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_noop (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_quit (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_auth (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_etrn (PochtaSmtpServer *self, const Command *command, const char *args);
static void handle_turn (PochtaSmtpServer *self, const Command *command, const char *args);

/* VRFY, EXPN, HELP, NOOP, RSET and QUIT work in any state (RFC 5321
 * §4.1.4); MAIL only between transactions, RCPT only inside one, DATA
 * only after an accepted recipient (§3.3). */
static const Command commands[] = {
  { COMMAND_HELO, "HELO", ANY_STATE, ARGUMENTS_REQUIRED, handle_hello,
    "RFC 5321 section 4.1.1.1", "HELO <domain>", ALL_PROFILES, 0 },
  { COMMAND_EHLO, "EHLO", ANY_STATE, ARGUMENTS_REQUIRED, handle_hello,
    "RFC 5321 section 4.1.1.1", "EHLO <domain>", SEED | MODERN, RFC821 },
  { COMMAND_MAIL, "MAIL", STATE (READY), ARGUMENTS_REQUIRED, handle_mail,
    "RFC 5321 section 4.1.1.2", "MAIL FROM:<reverse-path> [<parameters>]", ALL_PROFILES, 0 },
  { COMMAND_SEND, "SEND", STATE (READY), ARGUMENTS_REQUIRED, handle_mail,
    "RFC 821 section 4.1.1", "SEND FROM:<reverse-path>", RFC821, 0 },
  { COMMAND_SOML, "SOML", STATE (READY), ARGUMENTS_REQUIRED, handle_mail,
    "RFC 821 section 4.1.1", "SOML FROM:<reverse-path>", RFC821, 0 },
  { COMMAND_SAML, "SAML", STATE (READY), ARGUMENTS_REQUIRED, handle_mail,
    "RFC 821 section 4.1.1", "SAML FROM:<reverse-path>", RFC821, 0 },
  { COMMAND_RCPT, "RCPT", STATE (MAIL) | STATE (RCPT), ARGUMENTS_REQUIRED, handle_rcpt,
    "RFC 5321 section 4.1.1.3", "RCPT TO:<forward-path> [<parameters>]", ALL_PROFILES, 0 },
  { COMMAND_DATA, "DATA", STATE (RCPT), ARGUMENTS_NONE, handle_data,
    "RFC 5321 section 4.1.1.4", "DATA", ALL_PROFILES, 0 },
  { COMMAND_RSET, "RSET", ANY_STATE, ARGUMENTS_NONE, handle_rset,
    "RFC 5321 section 4.1.1.5", "RSET", ALL_PROFILES, 0 },
  { COMMAND_VRFY, "VRFY", ANY_STATE, ARGUMENTS_REQUIRED, handle_vrfy,
    "RFC 5321 section 4.1.1.6", "VRFY <user or mailbox>", ALL_PROFILES, 0 },
  { COMMAND_EXPN, "EXPN", ANY_STATE, ARGUMENTS_REQUIRED, handle_expn,
    "RFC 5321 section 4.1.1.7", "EXPN <list>", RFC821 | MODERN, 0 },
  { COMMAND_HELP, "HELP", ANY_STATE, ARGUMENTS_OPTIONAL, handle_help,
    "RFC 5321 section 4.1.1.8", "HELP [<command>]", ALL_PROFILES, 0 },
  { COMMAND_NOOP, "NOOP", ANY_STATE, ARGUMENTS_OPTIONAL, handle_noop,
    "RFC 5321 section 4.1.1.9", "NOOP [<string>]", ALL_PROFILES, 0 },
  { COMMAND_QUIT, "QUIT", ANY_STATE | STATE (REJECTED), ARGUMENTS_NONE, handle_quit,
    "RFC 5321 section 4.1.1.10", "QUIT", ALL_PROFILES, 0 },
  { COMMAND_AUTH, "AUTH", STATE (READY), ARGUMENTS_REQUIRED, handle_auth,
    "RFC 4954 section 4", "AUTH <mechanism> [<initial-response>]", SEED | MODERN, RFC821 },
  { COMMAND_ETRN, "ETRN", STATE (READY), ARGUMENTS_REQUIRED, handle_etrn,
    "RFC 1985 section 5", "ETRN [@|#]<node>", SEED | MODERN, RFC821 },
  { COMMAND_TURN, "TURN", STATE (READY), ARGUMENTS_NONE, handle_turn,
    "RFC 821 section 4.1.1", "TURN", SEED | RFC821, 0 },
  /* No profile has TLS; the verb is known so that it gets 502. */
  { COMMAND_STARTTLS, "STARTTLS", STATE (READY), ARGUMENTS_NONE, NULL,
    "RFC 3207 section 4", "STARTTLS", 0, RFC821 },
};

/* ---- small helpers ---- */

const char *
pochta_smtp_state_to_string (PochtaSmtpState state)
{
  static const char *const names[] = {
    "GREETING", "READY", "MAIL", "RCPT", "DATA", "AUTH", "REJECTED", "CLOSED",
  };

  g_return_val_if_fail (state < POCHTA_SMTP_N_STATES, NULL);
  return names[state];
}

void
pochta_smtp_limits_init_defaults (PochtaSmtpLimits *limits)
{
  g_return_if_fail (limits != NULL);

  *limits = (PochtaSmtpLimits) {
    .command_line_max = 512,
    .parameter_line_max = 2048,
    .text_line_max = 1000,
    .recipients_max = 100,
    .message_size_max = 10240000,
    .bad_commands_max = 20,
    .auth_failures_max = 3,
    .auth_line_max = 12288,
    .received_max = 100,
  };
}

/* Zero fields take the default, as the header promises; limits below
 * what the RFCs require are raised to it. */
static void
copy_limits (PochtaSmtpLimits *out, const PochtaSmtpLimits *in)
{
  PochtaSmtpLimits defaults;

  pochta_smtp_limits_init_defaults (&defaults);
  *out = in != NULL ? *in : defaults;
#define DEFAULT_IF_ZERO(field) if (out->field == 0) out->field = defaults.field
  DEFAULT_IF_ZERO (command_line_max);
  DEFAULT_IF_ZERO (parameter_line_max);
  DEFAULT_IF_ZERO (text_line_max);
  DEFAULT_IF_ZERO (recipients_max);
  DEFAULT_IF_ZERO (message_size_max);
  DEFAULT_IF_ZERO (bad_commands_max);
  DEFAULT_IF_ZERO (auth_failures_max);
  DEFAULT_IF_ZERO (auth_line_max);
  DEFAULT_IF_ZERO (received_max);
#undef DEFAULT_IF_ZERO
  /* The line reader needs room for a character and CRLF. */
  out->command_line_max = MAX (out->command_line_max, 8);
  out->text_line_max = MAX (out->text_line_max, 3);
  /* RFC 4954 §9: never drop the connection before the 3rd failure. */
  out->auth_failures_max = MAX (out->auth_failures_max, 3);
}

gboolean
pochta_smtp_server_has_extension (PochtaSmtpServer *self, PochtaSmtpExtension extension)
{
  g_assert (self != NULL);
  return pochta_smtp_profile_has_extension (self->info, extension);
}

static gboolean
profile_in (PochtaSmtpServer *self, guint profiles)
{
  return (profiles & (1u << self->info->profile)) != 0;
}

static const Command *
find_command (const char *verb, gsize verb_len)
{
  /* Every line of every session looks its verb up here: compared in
   * line, the table's verbs being upper case. */
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const char *name = commands[i].verb;
      gsize n = 0;
      while (n < verb_len && name[n] != '\0' && name[n] == g_ascii_toupper (verb[n]))
        n++;
      if (n == verb_len && name[n] == '\0')
        return &commands[i];
    }
  return NULL;
}

/* Policy strings go on the wire: keep them to printable ASCII so they
 * cannot break the reply framing. */
void
pochta_smtp_append_printable (GString *out, const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) text[i];
      g_string_append_c (out, c >= 0x20 && c < 0x7f ? (char) c : '?');
    }
}

/* ---- the reply funnel ---- */

static gsize
pending_output (PochtaSmtpServer *self)
{
  return self->output->len - self->output_sent;
}

/* One reply line, "NNN-" or "NNN ", the enhanced code if any, then the
 * text with anything unprintable as '?', cut to the 512 octets of RFC
 * 5321 §4.5.3.1.5 with CRLF.  Built on the stack: every reply line of
 * every session passes here. */
static void
write_reply_line (PochtaSmtpServer *self, guint code, gboolean more, const char *enhanced,
                  const char *text, gsize text_len)
{
  char line[REPLY_LINE_MAX];
  gsize len = 0;

  line[len++] = (char) ('0' + code / 100);
  line[len++] = (char) ('0' + code / 10 % 10);
  line[len++] = (char) ('0' + code % 10);
  line[len++] = more ? '-' : ' ';
  /* An enhanced code is at most 9 octets (RFC 3463 §2); bounded all the
   * same, as everything that goes into the line. */
  for (; enhanced != NULL && *enhanced != '\0' && len < 16; enhanced++)
    line[len++] = *enhanced;
  if (len > 4)
    line[len++] = ' ';
  gsize n = MIN (text_len, REPLY_LINE_MAX - 2 - len);
  memcpy (line + len, text, n);
  /* Nearly every text is printable already: a word-wise check, and a
   * byte-wise repair only when it fails. */
  if (!pochta_ascii_is_printable (line + len, n))
    for (gsize i = len; i < len + n; i++)
      line[i] = (guchar) line[i] - 0x20u < 0x5fu ? line[i] : '?';
  len += n;

  /* A reply is never message content, not even the 354 that opens it. */
  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_SENT, line, len, code, self->state,
                                FALSE);
  line[len++] = '\r';
  line[len++] = '\n';
  g_byte_array_append (self->output, (const guint8 *) line, (guint) len);
}

/* Writes a reply whose lines are separated by '\n' in text; every line
 * but the last is "code-", the last "code SP" (RFC 5321 §4.2.1).  With
 * ENHANCEDSTATUSCODES every line carries the same enhanced code, except on
 * 3yz replies (RFC 2034 §4). */
static void
write_reply (PochtaSmtpServer *self, guint code, const char *enhanced, const char *text)
{
  gboolean with_enhanced = enhanced != NULL && code / 100 != 3
                           && pochta_smtp_server_has_extension (self, POCHTA_SMTP_EXT_ENHANCEDSTATUSCODES);
  const char *part = text;

  for (;;)
    {
      const char *newline = strchr (part, '\n');
      gsize part_len = newline != NULL ? (gsize) (newline - part) : strlen (part);

      write_reply_line (self, code, newline != NULL, with_enhanced ? enhanced : NULL, part, part_len);
      if (newline == NULL)
        break;
      part = newline + 1;
    }
}

/* Syntax errors, unknown commands and commands out of sequence: what a
 * confused or hostile client produces. */
static gboolean
is_client_error (guint code)
{
  return code == 500 || code == 501 || code == 503;
}

void
pochta_smtp_server_queue_reply (PochtaSmtpServer *self,
                                guint             code,
                                const char       *enhanced,
                                const char       *format,
                                ...)
{
  va_list args;

  g_assert (self != NULL);
  g_assert (code >= 200 && code <= 599);
  g_assert (enhanced == NULL || enhanced[0] == (char) ('0' + code / 100));

  if (self->state == POCHTA_SMTP_STATE_CLOSED)
    return;

  if (is_client_error (code) && ++self->bad_commands > self->limits.bad_commands_max)
    {
      g_autofree char *text = pochta_strdup_printf ("%s Too many errors, closing transmission channel",
                                                    self->hostname);
      write_reply (self, 421, "4.7.0", text);
      pochta_smtp_server_close (self, "421 too many errors");
      return;
    }

  /* Most replies are a fixed text or one "%s": no formatting for them. */
  va_start (args, format);
  if (strchr (format, '%') == NULL)
    write_reply (self, code, enhanced, format);
  else if (strcmp (format, "%s") == 0)
    write_reply (self, code, enhanced, va_arg (args, const char *));
  else
    {
      g_autofree char *text = pochta_strdup_vprintf (format, args);
      write_reply (self, code, enhanced, text);
    }
  va_end (args);
}

/* ---- states ---- */

/* The longest line the reader may assemble in the current state. */
static gsize
line_limit (PochtaSmtpServer *self)
{
  gsize limit = self->limits.command_line_max;

  switch (self->state)
    {
    case POCHTA_SMTP_STATE_DATA:
      /* RFC 5321 §4.5.3.1.6: the limit does not count a stuffed dot. */
      return self->limits.text_line_max + 1;
    case POCHTA_SMTP_STATE_AUTH:
      return self->limits.auth_line_max;
    default:
      if (self->envelope.extended)
        limit = MAX (limit, self->limits.parameter_line_max);
      if (self->envelope.extended && pochta_smtp_server_has_extension (self, POCHTA_SMTP_EXT_AUTH))
        limit = MAX (limit, self->limits.auth_line_max);
      return limit;
    }
}

void
pochta_smtp_server_enter_state (PochtaSmtpServer *self, PochtaSmtpState state)
{
  g_assert (self != NULL);

  /* CLOSED is final: nothing a handler does after a 421 reopens it. */
  if (self->state == state || self->state == POCHTA_SMTP_STATE_CLOSED)
    return;
  pochta_event_queue_push_state (self->events, self->state, state);
  self->state = state;
  /* States change only on a complete line, so the reader holds no
   * partial line whose limit would change under it. */
  pochta_line_reader_set_max (self->reader, line_limit (self));
}

void
pochta_smtp_server_close (PochtaSmtpServer *self, const char *reason)
{
  g_assert (self != NULL);

  if (self->state == POCHTA_SMTP_STATE_CLOSED)
    return;
  pochta_smtp_server_auth_abort (self);
  pochta_smtp_server_data_abort (self);
  pochta_smtp_server_reset_transaction (self);
  pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_CLOSED);
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_CLOSED, reason);
}

void
pochta_smtp_server_reset_transaction (PochtaSmtpServer *self)
{
  PochtaSmtpEnvelope *envelope = &self->envelope;

  g_assert (self != NULL);
  envelope->verb = POCHTA_SMTP_MAIL_VERB_MAIL;
  g_clear_pointer (&envelope->reverse_path, g_free);
  g_ptr_array_set_size (envelope->recipients, 0);
  envelope->declared_size = 0;
  envelope->body_8bitmime = FALSE;
  envelope->ret = POCHTA_DSN_RET_DEFAULT;
  g_clear_pointer (&envelope->envid, g_free);
  g_clear_pointer (&envelope->auth, g_free);
}

/* ---- the precheck ---- */

static const char *
sequence_error_text (PochtaSmtpServer *self, const Command *command)
{
  switch (self->state)
    {
    case POCHTA_SMTP_STATE_GREETING:
      return "Send HELO or EHLO first";
    case POCHTA_SMTP_STATE_READY:
      return command->id == COMMAND_RCPT ? "Need MAIL before RCPT" : "Need MAIL and RCPT before DATA";
    case POCHTA_SMTP_STATE_MAIL:
    case POCHTA_SMTP_STATE_RCPT:
      if (command->id == COMMAND_DATA)
        return "No valid recipients";
      if (command->id == COMMAND_MAIL || command->id == COMMAND_SEND
          || command->id == COMMAND_SOML || command->id == COMMAND_SAML)
        return "Sender already specified";
      return "Not permitted during a mail transaction";
    default:
      return "Bad sequence of commands";
    }
}

/* The one place that answers 500, 502 and 503 and the argument-count
 * 501s, so that handlers only see commands they can carry out. */
static gboolean
precheck (PochtaSmtpServer *self, const Command *command, const char *args)
{
  if (self->state == POCHTA_SMTP_STATE_REJECTED && (command == NULL || command->id != COMMAND_QUIT))
    {
      /* RFC 5321 §3.1: after a 554 greeting only QUIT. */
      pochta_smtp_server_queue_reply (self, 503, "5.5.1", "No SMTP service here, only QUIT is accepted");
      return FALSE;
    }
  if (command == NULL || profile_in (self, command->unknown_to))
    {
      pochta_smtp_server_queue_reply (self, 500, "5.5.1", "Syntax error, command unrecognized");
      return FALSE;
    }
  if (!profile_in (self, command->offered_by))
    {
      pochta_smtp_server_queue_reply (self, 502, "5.5.1", "Command not implemented");
      return FALSE;
    }
  if ((command->states & (1u << self->state)) == 0)
    {
      pochta_smtp_server_queue_reply (self, 503, "5.5.1", "Bad sequence of commands: %s",
                                      sequence_error_text (self, command));
      return FALSE;
    }
  if (command->arguments == ARGUMENTS_NONE && args != NULL)
    {
      pochta_smtp_server_queue_reply (self, 501, "5.5.4", "Syntax error, no parameters allowed");
      return FALSE;
    }
  if (command->arguments == ARGUMENTS_REQUIRED && args == NULL)
    {
      pochta_smtp_server_queue_reply (self, 501, "5.5.4", "Syntax error, %s", command->syntax);
      return FALSE;
    }
  return TRUE;
}

/* ---- command lines ---- */

/* RFC 5321 §4.5.3.1.4 bounds command lines at 512 octets; MAIL and RCPT
 * grow by their parameters once EHLO advertised them, AUTH by its
 * initial response (RFC 4954 §4). */
static gsize
command_line_limit (PochtaSmtpServer *self, const Command *command)
{
  if (command == NULL || !self->envelope.extended)
    return self->limits.command_line_max;
  switch (command->id)
    {
    case COMMAND_MAIL:
    case COMMAND_RCPT:
      return MAX (self->limits.command_line_max, self->limits.parameter_line_max);
    case COMMAND_AUTH:
      if (pochta_smtp_server_has_extension (self, POCHTA_SMTP_EXT_AUTH))
        return MAX (self->limits.command_line_max, self->limits.auth_line_max);
      return self->limits.command_line_max;
    default:
      return self->limits.command_line_max;
    }
}

static gboolean
has_invalid_character (const char *line, gsize len)
{
  /* Nearly every command is printable US-ASCII: one word-wise pass. */
  if (pochta_ascii_is_printable (line, len))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) line[i];
      if ((c < 0x20 && c != '\t') || c >= 0x7f)
        return TRUE;
    }
  return FALSE;
}

static void
refuse_long_line (PochtaSmtpServer *self, const Command *command)
{
  if (command != NULL && command->id == COMMAND_AUTH && self->envelope.extended
      && pochta_smtp_server_has_extension (self, POCHTA_SMTP_EXT_AUTH))
    pochta_smtp_server_queue_reply (self, 500, "5.5.6", "Authentication Exchange line is too long");
  else
    pochta_smtp_server_queue_reply (self, 500, "5.5.2", "Line too long");
}

static void
handle_command_line (PochtaSmtpServer *self, const char *line, gsize len, PochtaLineStatus status)
{
  gsize verb_len = 0;

  while (verb_len < len && line[verb_len] != ' ')
    verb_len++;
  const Command *command = find_command (line, verb_len);

  if (status == POCHTA_LINE_TOO_LONG || len + 2 > command_line_limit (self, command))
    {
      refuse_long_line (self, command);
      return;
    }
  if (status == POCHTA_LINE_BARE_LF)
    {
      pochta_smtp_server_queue_reply (self, 500, "5.5.2",
                                      "Syntax error - line must end with CRLF, not a bare LF");
      return;
    }
  if (has_invalid_character (line, len))
    {
      pochta_smtp_server_queue_reply (self, 500, "5.5.2", "Syntax error - invalid character");
      return;
    }

  /* The line is printable ASCII now, so a C string is safe.  Trailing
   * white space is tolerated (RFC 5321 §4.1.1). */
  g_autofree char *text = g_strndup (line, len);
  g_strchomp (text);
  char *args = text[verb_len] != '\0' ? g_strchug (text + verb_len + 1) : NULL;
  if (args != NULL && *args == '\0')
    args = NULL;

  if (!precheck (self, command, args))
    return;
  command->handler (self, command, args);
}

/* ---- handlers ---- */

static void
handle_hello (PochtaSmtpServer *self, const Command *command, const char *args)
{
  gboolean extended = command->id == COMMAND_EHLO;

  /* RFC 5321 §4.1.4: a refused EHLO changes nothing. */
  if (!pochta_smtp_is_domain (args, TRUE))
    {
      pochta_smtp_server_queue_reply (self, 501, "5.5.4", "Syntax error, %s", command->syntax);
      return;
    }

  /* RFC 5321 §4.1.4: as if RSET had been issued. */
  pochta_smtp_server_reset_transaction (self);
  g_free (self->envelope.helo_name);
  self->envelope.helo_name = g_strdup (args);
  self->envelope.extended = extended;
  pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_READY);
  pochta_line_reader_set_max (self->reader, line_limit (self));

  g_autoptr (GString) text = g_string_new (self->hostname);
  if (self->info->hello != NULL)
    {
      g_string_append_c (text, ' ');
      g_string_append (text, self->info->hello);
    }
  if (self->info->hello_names_client)
    {
      g_string_append_c (text, ' ');
      g_string_append (text, args);
    }

  /* RFC 5321 §3.2: HELO never gets the extension list. */
  if (extended)
    pochta_smtp_profile_append_extension_lines (self->info->profile, self->limits.message_size_max, text);
  /* RFC 2034 §4: no enhanced code on the EHLO/HELO reply. */
  pochta_smtp_server_queue_reply (self, 250, NULL, "%s", text->str);
}

static void
handle_mail (PochtaSmtpServer *self, const Command *command, const char *args)
{
  PochtaSmtpEnvelope parsed = { 0 };

  if (!pochta_smtp_server_parse_mail (self, args, &parsed))
    return;

  /* RFC 821 §4.1.1: each of MAIL, SEND, SOML and SAML starts a new
   * transaction and says where its recipients' copies go. */
  PochtaSmtpEnvelope *envelope = &self->envelope;
  pochta_smtp_server_reset_transaction (self);
  envelope->verb = command->id == COMMAND_SEND ? POCHTA_SMTP_MAIL_VERB_SEND
                   : command->id == COMMAND_SOML ? POCHTA_SMTP_MAIL_VERB_SOML
                   : command->id == COMMAND_SAML ? POCHTA_SMTP_MAIL_VERB_SAML
                   : POCHTA_SMTP_MAIL_VERB_MAIL;
  envelope->reverse_path = g_steal_pointer (&parsed.reverse_path);
  envelope->declared_size = parsed.declared_size;
  envelope->body_8bitmime = parsed.body_8bitmime;
  envelope->ret = parsed.ret;
  envelope->envid = g_steal_pointer (&parsed.envid);
  envelope->auth = g_steal_pointer (&parsed.auth);

  pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_MAIL);
  pochta_smtp_server_queue_reply (self, 250, "2.1.0", "%s", self->info->mail_ok);
}

static PochtaSmtpRcptVerdict
check_recipient (PochtaSmtpServer *self, const char *mailbox, char **out_text)
{
  /* RFC 5321 §4.5.1: <Postmaster> without a domain MUST be accepted. */
  if (g_ascii_strcasecmp (mailbox, "postmaster") == 0)
    return POCHTA_SMTP_RCPT_OK;
  PochtaSmtpRcptVerdict verdict = POCHTA_SMTP_RCPT_OK;
  if (self->policy.check_recipient != NULL)
    verdict = self->policy.check_recipient (&self->envelope, mailbox, out_text, self->policy.user_data);

  /* RFC 821 §3.4: SEND succeeds only at a terminal; a user who is not
   * logged in gets 450. */
  if ((verdict == POCHTA_SMTP_RCPT_OK || verdict == POCHTA_SMTP_RCPT_WILL_FORWARD)
      && self->envelope.verb == POCHTA_SMTP_MAIL_VERB_SEND
      && (self->policy.user_is_active == NULL
          || !self->policy.user_is_active (mailbox, self->policy.user_data)))
    return POCHTA_SMTP_RCPT_MAILBOX_BUSY;
  return verdict;
}

static void
accept_recipient (PochtaSmtpServer *self, PochtaSmtpRecipient *recipient)
{
  g_ptr_array_add (self->envelope.recipients, recipient);
  pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_RCPT);
}

static void
handle_rcpt (PochtaSmtpServer *self, const Command *command, const char *args)
{
  PochtaSmtpRecipient *recipient = g_new0 (PochtaSmtpRecipient, 1);

  if (!pochta_smtp_server_parse_rcpt (self, args, recipient))
    {
      pochta_smtp_recipient_free (recipient);
      return;
    }
  /* RFC 5321 §4.5.3.1.10: only the recipients beyond the limit, with 452. */
  if (self->envelope.recipients->len >= self->limits.recipients_max)
    {
      pochta_smtp_recipient_free (recipient);
      pochta_smtp_server_queue_reply (self, 452, "4.5.3", "Too many recipients");
      return;
    }

  g_autofree char *policy_text = NULL;
  PochtaSmtpRcptVerdict verdict = check_recipient (self, recipient->mailbox, &policy_text);
  const char *path = policy_text != NULL ? policy_text : recipient->mailbox;

  switch (verdict)
    {
    case POCHTA_SMTP_RCPT_OK:
      accept_recipient (self, recipient);
      pochta_smtp_server_queue_reply (self, 250, "2.1.5", "%s", self->info->rcpt_ok);
      return;
    case POCHTA_SMTP_RCPT_WILL_FORWARD:
      /* RFC 5321 §3.4: the forward-path in 251 is read by machines. */
      accept_recipient (self, recipient);
      pochta_smtp_server_queue_reply (self, 251, "2.1.5", "User not local; will forward to <%s>", path);
      return;
    case POCHTA_SMTP_RCPT_NO_SUCH_USER:
      pochta_smtp_server_queue_reply (self, 550, "5.1.1", "No such user here");
      break;
    case POCHTA_SMTP_RCPT_NOT_LOCAL:
      pochta_smtp_server_queue_reply (self, 551, "5.1.6", "User not local; please try <%s>", path);
      break;
    case POCHTA_SMTP_RCPT_RELAY_DENIED:
      pochta_smtp_server_queue_reply (self, 550, "5.7.1", "Relaying denied");
      break;
    case POCHTA_SMTP_RCPT_MAILBOX_BUSY:
      pochta_smtp_server_queue_reply (self, 450, "4.2.1", "Mailbox unavailable: user not active");
      break;
    case POCHTA_SMTP_RCPT_MAILBOX_FULL:
      pochta_smtp_server_queue_reply (self, 452, "4.2.2", "Mailbox full");
      break;
    case POCHTA_SMTP_RCPT_GREYLISTED:
    default:
      pochta_smtp_server_queue_reply (self, 450, "4.7.1", "Greylisted, try again later");
      break;
    }
  pochta_smtp_recipient_free (recipient);
}

static void
handle_data (PochtaSmtpServer *self, const Command *command, const char *args)
{
  pochta_smtp_server_data_begin (self);
}

static void
handle_rset (PochtaSmtpServer *self, const Command *command, const char *args)
{
  /* RFC 5321 §4.1.1.5: clears the transaction, keeps the greeting. */
  pochta_smtp_server_reset_transaction (self);
  if (self->state == POCHTA_SMTP_STATE_MAIL || self->state == POCHTA_SMTP_STATE_RCPT)
    pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_READY);
  pochta_smtp_server_queue_reply (self, 250, "2.0.0", "OK");
}

static void
handle_vrfy (PochtaSmtpServer *self, const Command *command, const char *args)
{
  pochta_smtp_server_vrfy (self, args);
}

static void
handle_expn (PochtaSmtpServer *self, const Command *command, const char *args)
{
  pochta_smtp_server_expn (self, args);
}

static void
handle_help (PochtaSmtpServer *self, const Command *command, const char *args)
{
  if (args == NULL)
    {
      g_autoptr (GString) text = g_string_new ("Commands:");
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        if (profile_in (self, commands[i].offered_by))
          pochta_string_append_printf (text, " %s", commands[i].verb);
      g_string_append (text, "\nHELP <command> describes one command");
      pochta_smtp_server_queue_reply (self, 214, "2.0.0", "%s", text->str);
      return;
    }

  const Command *topic = find_command (args, strlen (args));
  if (topic == NULL || !profile_in (self, topic->offered_by))
    {
      /* RFC 5321 §4.3.2: 504 for a HELP parameter we cannot answer. */
      pochta_smtp_server_queue_reply (self, 504, "5.5.4", "HELP topic unknown");
      return;
    }
  pochta_smtp_server_queue_reply (self, 214, "2.0.0", "%s\nSee %s", topic->syntax, topic->rfc);
}

static void
handle_noop (PochtaSmtpServer *self, const Command *command, const char *args)
{
  /* RFC 5321 §4.1.1.9: the argument is ignored. */
  pochta_smtp_server_queue_reply (self, 250, "2.0.0", "OK");
}

static void
handle_quit (PochtaSmtpServer *self, const Command *command, const char *args)
{
  /* RFC 5321 §4.1.1.10: an open transaction is discarded.  The 221 text
   * starts with the domain (§4.2). */
  pochta_smtp_server_reset_transaction (self);
  pochta_smtp_server_queue_reply (self, 221, "2.0.0", "%s Service closing transmission channel",
                                  self->hostname);
  pochta_smtp_server_close (self, "QUIT");
}

static void
handle_auth (PochtaSmtpServer *self, const Command *command, const char *args)
{
  pochta_smtp_server_auth_command (self, args);
}

static void
handle_etrn (PochtaSmtpServer *self, const Command *command, const char *args)
{
  pochta_smtp_server_etrn (self, args);
}

static void
handle_turn (PochtaSmtpServer *self, const Command *command, const char *args)
{
  /* RFC 5321 App. F.1: anyone could claim a domain and take its mail, so
   * only an authenticated client may turn the line (RFC 821 §3.8: refuse
   * with 502). */
  if (!self->authenticated)
    {
      pochta_smtp_server_queue_reply (self, 502, "5.7.0", "TURN refused: authenticate first");
      return;
    }
  pochta_smtp_server_queue_reply (self, 250, "2.0.0", "OK");
  pochta_event_queue_push_text (self->events, POCHTA_EVENT_TURN, self->envelope.authenticated_as);
  pochta_smtp_server_close (self, "TURN");
}

/* ---- lines ---- */

static void
record_received_line (PochtaSmtpServer *self, const char *line, gsize len)
{
  gboolean in_data = self->state == POCHTA_SMTP_STATE_DATA;

  if (in_data && !self->report_data_lines)
    return;
  pochta_event_queue_push_line (self->events, POCHTA_EVENT_LINE_RECEIVED, line, len, 0, self->state, in_data);
}

static void
handle_line (PochtaSmtpServer *self, PochtaLineStatus status, gboolean ended_by_crlf)
{
  gsize len;
  const char *line = pochta_line_reader_get_line (self->reader, &len);

  record_received_line (self, line, len);
  switch (self->state)
    {
    case POCHTA_SMTP_STATE_DATA:
      pochta_smtp_server_data_line (self, line, len, status, ended_by_crlf);
      break;
    case POCHTA_SMTP_STATE_AUTH:
      pochta_smtp_server_auth_line (self, line, len, status);
      break;
    default:
      handle_command_line (self, line, len, status);
      break;
    }
}

/* A whole line of content, nothing of it in the reader yet, is handled
 * where it lies: the reader would only copy it, and most lines of a
 * message come so.  What the reader would say of it is worked out the
 * same way (its limit counts the LF; a longer line goes through it to be
 * cut).  Returns the bytes taken, 0 when the next line is not such a
 * line. */
static gsize
take_content_line (PochtaSmtpServer *self, const guint8 *data, gsize len)
{
  if (self->state != POCHTA_SMTP_STATE_DATA || pochta_line_reader_get_pending (self->reader) > 0)
    return 0;
  const guint8 *lf = memchr (data, '\n', len);
  if (lf == NULL || (gsize) (lf - data) + 1 > pochta_line_reader_get_max (self->reader))
    return 0;
  gsize before_lf = (gsize) (lf - data);
  gboolean crlf = before_lf > 0 && data[before_lf - 1] == '\r';
  gsize line_len = before_lf - (crlf ? 1 : 0);
  /* As in feed (): a lone LF looks at the byte before it, if any. */
  gboolean ended_by_crlf = before_lf > 0 ? crlf : self->last_byte == '\r';

  self->last_byte = '\n';
  record_received_line (self, (const char *) data, line_len);
  pochta_smtp_server_data_line (self, (const char *) data, line_len,
                                crlf ? POCHTA_LINE_CRLF : POCHTA_LINE_BARE_LF, ended_by_crlf);
  return before_lf + 1;
}

/* ---- public API ---- */

PochtaSmtpServer *
pochta_smtp_server_new (const PochtaSmtpConfig *config,
                        const PochtaSmtpPolicy *policy)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->hostname != NULL, NULL);
  g_return_val_if_fail (config->profile < POCHTA_SMTP_N_PROFILES, NULL);
  g_return_val_if_fail (config->generator != NULL, NULL);

  PochtaSmtpServer *self = g_new0 (PochtaSmtpServer, 1);
  self->hostname = g_strdup (config->hostname);
  self->client_address = g_strdup (config->client_address);
  self->client_hostname = g_strdup (config->client_hostname);
  self->info = pochta_smtp_profile_get_info (config->profile);
  copy_limits (&self->limits, config->limits);
  self->generator = config->generator;
  if (policy != NULL)
    self->policy = *policy;
  self->reject_connection = config->reject_connection;
  self->report_data_lines = config->report_data_lines;

  self->state = POCHTA_SMTP_STATE_GREETING;
  self->events = pochta_event_queue_new ();
  pochta_event_queue_set_report_lines (self->events, !config->no_line_events);
  pochta_event_queue_set_report_received (self->events, !config->no_received_line_events);
  self->reader = pochta_line_reader_new (self->limits.command_line_max);
  self->output = g_byte_array_new ();
  self->envelope.recipients = g_ptr_array_new_with_free_func (pochta_smtp_recipient_free);
  return self;
}

void
pochta_smtp_server_free (PochtaSmtpServer *self)
{
  if (self == NULL)
    return;
  pochta_smtp_server_auth_abort (self);
  pochta_smtp_server_data_abort (self);
  pochta_smtp_server_reset_transaction (self);
  g_ptr_array_unref (self->envelope.recipients);
  g_free (self->envelope.helo_name);
  g_free (self->envelope.authenticated_as);
  g_byte_array_unref (self->output);
  pochta_line_reader_free (self->reader);
  pochta_event_queue_free (self->events);
  g_free (self->hostname);
  g_free (self->client_address);
  g_free (self->client_hostname);
  g_free (self);
}

void
pochta_smtp_server_start (PochtaSmtpServer *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->state == POCHTA_SMTP_STATE_GREETING && self->output->len == 0);

  /* RFC 5321 §4.2, §3.1; RFC 2034 §4: no enhanced code on the greeting. */
  if (self->reject_connection)
    {
      pochta_smtp_server_enter_state (self, POCHTA_SMTP_STATE_REJECTED);
      pochta_smtp_server_queue_reply (self, 554, NULL, "%s No SMTP service here", self->hostname);
      return;
    }
  pochta_smtp_server_queue_reply (self, 220, NULL, "%s %s", self->hostname, self->info->greeting);
}

gssize
pochta_smtp_server_feed (PochtaSmtpServer *self, const guint8 *data, gsize len)
{
  gsize consumed = 0;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (data != NULL || len == 0, -1);

  /* Bytes after QUIT, TURN or 421 belong to nobody here. */
  if (self->state == POCHTA_SMTP_STATE_CLOSED)
    return -1;

  while (consumed < len && self->state != POCHTA_SMTP_STATE_CLOSED
         && pending_output (self) <= OUTPUT_HIGH_WATER)
    {
      gsize in_place = take_content_line (self, data + consumed, len - consumed);
      if (in_place > 0)
        {
          consumed += in_place;
          continue;
        }
      PochtaLineStatus status;
      guint8 before = self->last_byte;
      gsize used = pochta_line_reader_feed (self->reader, data + consumed, len - consumed, &status);

      consumed += used;
      /* The byte before the LF says whether the line ended in CRLF even
       * when the reader cut the line short. */
      if (used >= 2)
        before = data[consumed - 2];
      self->last_byte = data[consumed - 1];
      if (status != POCHTA_LINE_NONE)
        handle_line (self, status, before == '\r');
    }
  return (gssize) consumed;
}

void
pochta_smtp_server_feed_eof (PochtaSmtpServer *self)
{
  g_return_if_fail (self != NULL);

  /* RFC 5321 §4.1.1.10: an open transaction is cancelled, nothing is
   * delivered, and no reply can reach the peer any more. */
  pochta_smtp_server_close (self, "connection closed by the client");
}

void
pochta_smtp_server_shutdown (PochtaSmtpServer *self, const char *reason)
{
  const char *enhanced = "4.3.2";
  const char *text = "Service not available, closing transmission channel";

  g_return_if_fail (self != NULL);

  if (self->state == POCHTA_SMTP_STATE_CLOSED)
    return;
  /* A reason may start with its own enhanced code ("4.4.2 ... timeout");
   * the domain still comes first in the text (RFC 5321 §4.2, §3.8). */
  g_autofree char *own_code = NULL;
  if (reason != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (reason, " ", 2);
      if (parts[0] != NULL && parts[1] != NULL
          && g_regex_match_simple ("^4\\.[0-9]{1,3}\\.[0-9]{1,3}$", parts[0], 0, 0))
        {
          own_code = g_strdup (parts[0]);
          enhanced = own_code;
          text = reason + strlen (parts[0]) + 1;
        }
      else
        text = reason;
    }
  pochta_smtp_server_queue_reply (self, 421, enhanced, "%s %s", self->hostname, text);
  pochta_smtp_server_close (self, "421 shutdown");
}

gsize
pochta_smtp_server_peek_output (PochtaSmtpServer *self, const guint8 **out_data)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (out_data != NULL, 0);

  gsize pending = pending_output (self);
  /* Before start () the array has no buffer, and NULL + 0 is undefined
   * (C11 §6.5.6). */
  *out_data = pending > 0 ? self->output->data + self->output_sent : NULL;
  return pending;
}

void
pochta_smtp_server_consume_output (PochtaSmtpServer *self, gsize n_bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n_bytes <= pending_output (self));

  self->output_sent += n_bytes;
  /* Drop what was sent once it is the larger part, so the buffer stays
   * bounded without moving bytes on every call. */
  if (self->output_sent == self->output->len)
    {
      g_byte_array_set_size (self->output, 0);
      self->output_sent = 0;
    }
  else if (self->output_sent > OUTPUT_HIGH_WATER && self->output_sent * 2 > self->output->len)
    {
      g_byte_array_remove_range (self->output, 0, self->output_sent);
      self->output_sent = 0;
    }
}

gboolean
pochta_smtp_server_next_event (PochtaSmtpServer *self, PochtaEvent *out_event)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_event != NULL, FALSE);

  return pochta_event_queue_pop (self->events, out_event);
}

PochtaSmtpState
pochta_smtp_server_get_state (PochtaSmtpServer *self)
{
  g_return_val_if_fail (self != NULL, POCHTA_SMTP_STATE_CLOSED);
  return self->state;
}

const PochtaSmtpEnvelope *
pochta_smtp_server_get_envelope (PochtaSmtpServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->envelope;
}

gboolean
pochta_smtp_server_is_authenticated (PochtaSmtpServer *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->authenticated;
}

GStrv
pochta_smtp_server_dup_extensions (PochtaSmtpServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  GStrv keywords = g_new0 (char *, self->info->n_extensions + 1);
  for (guint i = 0; i < self->info->n_extensions; i++)
    keywords[i] = pochta_smtp_profile_format_extension (self->info, self->info->extensions[i],
                                                        self->limits.message_size_max);
  return keywords;
}

void
pochta_smtp_server_set_event_sink (PochtaSmtpServer *self, PochtaEventSink sink, gpointer user_data)
{
  g_return_if_fail (self != NULL);
  pochta_event_queue_set_sink (self->events, sink, user_data);
}
