/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the SMTP client session (smtp-client.c) and its AUTH exchange
 * (smtp-client-auth.c) share: the session's state and the steps each
 * file calls in the other. */
#pragma once

#include "event-queue-private.h"
#include "line-reader.h"
#include "smtp-client.h"
#include "smtp-reply.h"

G_BEGIN_DECLS

typedef struct
{
  PochtaSmtpClientRecipient pub;
  gboolean rcpt_accepted;   /* 2yz to RCPT; the final reply decides */
  gboolean decided;         /* outcome is final and was reported */
} Recipient;

typedef struct
{
  guint code;   /* 0 while unanswered */
  char *text;
} VerifyResult;

/* One command waiting for its reply.  The kind is the state the session
 * is in while that reply is the next one due. */
typedef struct
{
  PochtaSmtpClientState kind;
  guint index;      /* VRFY and RCPT: which one */
  guint64 sent_at;  /* output offset just past the command */
} Expected;

/* Where the envelope stands: the next command of MAIL, VRFY..., RCPT...,
 * DATA to send. */
typedef enum
{
  STEP_MAIL,
  STEP_VRFY,
  STEP_RCPT,
  STEP_DATA,
  STEP_SENT,
} EnvelopeStep;

struct _PochtaSmtpClient
{
  /* What to do, copied from the config. */
  char *hostname;
  char *server_hostname;
  PochtaGenerator *generator;   /* borrowed */
  char *reverse_path;
  GPtrArray *recipients;        /* of Recipient* */
  GArray *verify;               /* of VerifyResult, one per config->verify */
  GStrv verify_queries;
  GBytes *content;              /* normalised: CRLF lines, ends in CRLF unless empty */
  char *login;
  char *password;
  gboolean force_mechanism;
  PochtaSaslMechanism mechanism;
  gboolean force_helo;
  gboolean no_pipelining;
  PochtaDsnRet ret;
  char *envid;
  gboolean body_8bitmime;

  /* The wire. */
  PochtaLineReader *reader;
  PochtaSmtpReplyParser *parser;
  GByteArray *output;
  gsize output_consumed;
  guint64 output_total;          /* bytes ever queued */
  guint64 output_total_consumed; /* bytes the caller put on the wire */
  gsize input_left;             /* bytes of the current feed after the line in hand */
  PochtaEventQueue *events;

  /* The session. */
  PochtaSmtpClientState state;
  /* Expected by value, oldest first from expected_head: a FIFO that
   * costs no allocation per command. */
  GArray *expected;
  guint expected_head;
  char *greeting_domain;        /* the 220's first word (RFC 5321 §4.2) */
  GPtrArray *extensions;        /* of char*: EHLO lines after the first, */
  char *extension_text;         /* ... which are kept here, one after the other */
  gboolean pipelining;
  PochtaSaslClient *sasl;
  PochtaSaslMechanism mechanism_in_use;
  char *auth_cancel_reason;     /* set once "*" was sent */
  EnvelopeStep step;
  guint step_index;
  gboolean mail_refused;
  guint n_rcpt_accepted;
  gboolean content_is_placeholder; /* only "." went out after 354 */
  gboolean message_accepted;
  char *error;
};

/* smtp-client.c */
void pochta_smtp_client_send_command (PochtaSmtpClient *self, PochtaSmtpClientState kind, guint index,
                                      const char *line);
const char *pochta_smtp_client_find_extension (PochtaSmtpClient *self, const char *keyword);
void pochta_smtp_client_set_error (PochtaSmtpClient *self, const char *reason);
void pochta_smtp_client_fail_sessionf (PochtaSmtpClient *self, const char *format, ...) G_GNUC_PRINTF (2, 3);
PochtaSmtpOutcome pochta_smtp_client_outcome_of_code (guint code);
void pochta_smtp_client_decide_open (PochtaSmtpClient *self, gboolean only_accepted, PochtaSmtpOutcome outcome,
                                     guint code, const char *text);
void pochta_smtp_client_send_quit (PochtaSmtpClient *self);
void pochta_smtp_client_give_up (PochtaSmtpClient *self, PochtaSmtpOutcome outcome, guint code, const char *text,
                                 const char *reason);
void pochta_smtp_client_give_up_by_reply (PochtaSmtpClient *self, const PochtaSmtpReply *reply, const char *what);
void pochta_smtp_client_start_transaction (PochtaSmtpClient *self);

/* smtp-client-envelope.c */
char *pochta_smtp_client_build_mail_line (PochtaSmtpClient *self);
char *pochta_smtp_client_build_rcpt_line (PochtaSmtpClient *self, const Recipient *recipient);

/* smtp-client-auth.c */
void pochta_smtp_client_start_auth (PochtaSmtpClient *self);
void pochta_smtp_client_on_auth (PochtaSmtpClient *self, const PochtaSmtpReply *reply);

G_END_DECLS
