/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP server session's state, shared by the files that implement
 * it: the command core (smtp-server.c), MAIL/RCPT argument parsing
 * (smtp-server-params.c), VRFY/EXPN/ETRN (smtp-server-queries.c), AUTH
 * (smtp-server-auth.c) and the data phase (smtp-server-data.c). */
#pragma once

#include "event-queue-private.h"
#include "line-reader.h"
#include "smtp-profile-private.h"
#include "smtp-server.h"

G_BEGIN_DECLS

struct _PochtaSmtpServer
{
  /* Configuration, copied at creation. */
  char *hostname;
  char *client_address;
  char *client_hostname;
  const PochtaSmtpProfileInfo *info;
  PochtaSmtpLimits limits;
  PochtaGenerator *generator;       /* borrowed */
  PochtaSmtpPolicy policy;
  gboolean reject_connection;
  gboolean report_data_lines;

  PochtaSmtpState state;
  PochtaEventQueue *events;
  PochtaLineReader *reader;
  /* The last byte the reader consumed, so that the terminator of a line
   * whose head straddles two feeds (or was cut as too long) is known. */
  guint8 last_byte;
  GByteArray *output;
  gsize output_sent;                /* bytes of output already consumed */

  /* The session (envelope.helo_name, extended, authenticated_as) and the
   * transaction in progress (the rest of the envelope). */
  PochtaSmtpEnvelope envelope;
  gboolean authenticated;
  guint bad_commands;
  guint auth_failures;

  /* AUTH: the exchange while a 334 is outstanding. */
  PochtaSaslServer *sasl;

  /* DATA: the message so far, and why it will be refused, if it will.
   * The content starts message_head bytes into the buffer, so that the
   * Received: field goes in front of it without moving it. */
  guint8 *message;                  /* NULL outside DATA */
  gsize message_head;
  gsize message_len;
  gsize message_room;
  gsize message_size;               /* RFC 1870 §5: octets with CRLF, unstuffed */
  gboolean previous_line_crlf;      /* the last data line ended in CRLF */
  gboolean in_header;               /* no empty line seen yet */
  guint received_count;
  gboolean bad_line_ending;         /* bare CR, bare LF */
  gboolean has_nul;
  gboolean line_too_long;
  gboolean too_big;
};

/* smtp-server.c */
void pochta_smtp_server_queue_reply (PochtaSmtpServer *self,
                                     guint             code,
                                     const char       *enhanced,
                                     const char       *format,
                                     ...) G_GNUC_PRINTF (4, 5);
void pochta_smtp_server_enter_state (PochtaSmtpServer *self, PochtaSmtpState state);
void pochta_smtp_server_close (PochtaSmtpServer *self, const char *reason);
void pochta_smtp_server_reset_transaction (PochtaSmtpServer *self);
gboolean pochta_smtp_server_has_extension (PochtaSmtpServer *self, PochtaSmtpExtension extension);
void pochta_smtp_append_printable (GString *out, const char *text, gsize len);

/* smtp-server-params.c: RFC 5321 §4.1.2 paths and the ESMTP parameters
 * of MAIL (SIZE, BODY, AUTH, RET, ENVID) and RCPT (NOTIFY, ORCPT).  Each
 * parser either fills its output or queues the error reply and returns
 * FALSE. */
/* RFC 5321 §4.1.2 Domain or address-literal; lenient also takes "_". */
gboolean pochta_smtp_is_domain (const char *text, gboolean lenient);
gboolean pochta_smtp_server_parse_mail (PochtaSmtpServer   *self,
                                        const char         *args,
                                        PochtaSmtpEnvelope *out_envelope);
gboolean pochta_smtp_server_parse_rcpt (PochtaSmtpServer    *self,
                                        const char          *args,
                                        PochtaSmtpRecipient *out_recipient);
void pochta_smtp_recipient_free (gpointer recipient);

/* smtp-server-queries.c: the commands that ask the policy and leave the
 * transaction alone. */
void pochta_smtp_server_vrfy (PochtaSmtpServer *self, const char *args);
void pochta_smtp_server_expn (PochtaSmtpServer *self, const char *args);
void pochta_smtp_server_etrn (PochtaSmtpServer *self, const char *args);

/* smtp-server-auth.c */
void pochta_smtp_server_auth_command (PochtaSmtpServer *self, const char *args);
void pochta_smtp_server_auth_line (PochtaSmtpServer *self,
                                   const char       *line,
                                   gsize             len,
                                   PochtaLineStatus  status);
void pochta_smtp_server_auth_abort (PochtaSmtpServer *self);

/* smtp-server-data.c */
void pochta_smtp_server_data_begin (PochtaSmtpServer *self);
void pochta_smtp_server_data_line (PochtaSmtpServer *self,
                                   const char       *line,
                                   gsize             len,
                                   PochtaLineStatus  status,
                                   gboolean          ended_by_crlf);
void pochta_smtp_server_data_abort (PochtaSmtpServer *self);

G_END_DECLS
