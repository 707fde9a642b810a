/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP client session, the mirror of smtp-server.h: told what to send
 * (an envelope, optional credentials, a message), it produces the command
 * bytes and reads the replies.  greeting -> EHLO (HELO after 500/502) ->
 * AUTH -> MAIL -> [VRFY ...] -> RCPT ... -> DATA -> QUIT, pipelined when
 * the server offers PIPELINING.  Sans-I/O like the server. */
#pragma once

#include <glib.h>

#include "event.h"
#include "generator.h"
#include "sasl.h"
#include "smtp-server.h"

G_BEGIN_DECLS

typedef enum
{
  POCHTA_SMTP_CLIENT_STATE_GREETING,  /* waiting for 220 */
  POCHTA_SMTP_CLIENT_STATE_EHLO,      /* EHLO sent */
  POCHTA_SMTP_CLIENT_STATE_HELO,      /* HELO sent (fallback or forced) */
  POCHTA_SMTP_CLIENT_STATE_AUTH,      /* AUTH exchange running */
  POCHTA_SMTP_CLIENT_STATE_MAIL,      /* MAIL sent */
  POCHTA_SMTP_CLIENT_STATE_VRFY,      /* VRFY lines sent */
  POCHTA_SMTP_CLIENT_STATE_RCPT,      /* RCPT lines sent */
  POCHTA_SMTP_CLIENT_STATE_DATA,      /* DATA sent, waiting for 354 */
  POCHTA_SMTP_CLIENT_STATE_CONTENT,   /* content sent, waiting for the final reply */
  POCHTA_SMTP_CLIENT_STATE_RSET,      /* every recipient refused: RSET sent */
  POCHTA_SMTP_CLIENT_STATE_QUIT,      /* QUIT sent */
  POCHTA_SMTP_CLIENT_STATE_DONE,      /* 221 received, or the session failed */
  POCHTA_SMTP_CLIENT_N_STATES
} PochtaSmtpClientState;

const char *pochta_smtp_client_state_to_string (PochtaSmtpClientState state);

typedef enum
{
  POCHTA_SMTP_OUTCOME_PENDING,    /* not answered yet */
  POCHTA_SMTP_OUTCOME_ACCEPTED,   /* 2yz to RCPT and to the end of data */
  POCHTA_SMTP_OUTCOME_TEMPORARY,  /* 4yz (or the connection failed): retry later */
  POCHTA_SMTP_OUTCOME_PERMANENT,  /* 5yz: bounce */
} PochtaSmtpOutcome;

typedef struct
{
  char *mailbox;
  PochtaDsnNotify notify;   /* sent as NOTIFY= when the server offers DSN */
  char *orcpt;              /* sent as ORCPT= when the server offers DSN */
  PochtaSmtpOutcome outcome;
  /* The reply that decided the outcome.  When no reply did, the code a
   * server would have given: 451 for a lost connection or a broken reply
   * (RFC 5321 §3.8), 552 for a message over the SIZE limit (RFC 1870
   * §6.1), 554 when AUTH was asked for and cannot be done. */
  guint code;
  char *text;               /* its text (lines joined with "\n"), or the reason */
} PochtaSmtpClientRecipient;

typedef struct
{
  const char *hostname;          /* our EHLO/HELO argument */
  const char *server_hostname;   /* for DIGEST-MD5's digest-uri (smtp/<host>) */
  PochtaGenerator *generator;    /* DIGEST-MD5 cnonce; required */
  const char *reverse_path;      /* without <>; "" for the null sender */
  const char *const *recipients; /* NULL-terminated mailboxes */
  const char *const *verify;     /* optional: VRFY each of these after MAIL (the thesis does) */
  GBytes *message;               /* unstuffed, CRLF lines; the client stuffs dots */
  const char *login;             /* NULL: no AUTH */
  const char *password;
  gboolean force_mechanism;      /* use mechanism instead of the strongest offered */
  PochtaSaslMechanism mechanism;
  gboolean force_helo;           /* skip EHLO */
  gboolean no_pipelining;        /* lock-step even when PIPELINING is offered */
  PochtaDsnRet ret;              /* RET= when the server offers DSN */
  const char *envid;             /* ENVID= when the server offers DSN */
  gboolean body_8bitmime;        /* BODY=8BITMIME when offered */
  guint max_reply_lines;         /* 0: 100 */
  /* No LINE_RECEIVED or LINE_SENT events at all: for a caller that
   * records no lines (a scale run); the other events are unchanged. */
  gboolean no_line_events;
  /* No LINE_RECEIVED events: for a caller that records each line once,
   * where it is sent (the simulation's connections). */
  gboolean no_received_line_events;
} PochtaSmtpClientConfig;

typedef struct _PochtaSmtpClient PochtaSmtpClient;

PochtaSmtpClient *pochta_smtp_client_new (const PochtaSmtpClientConfig *config);
void pochta_smtp_client_free (PochtaSmtpClient *self);

/* Per-recipient DSN settings before the session starts (index into
 * config->recipients). */
void pochta_smtp_client_set_recipient_dsn (PochtaSmtpClient *self,
                                           guint             index,
                                           PochtaDsnNotify   notify,
                                           const char       *orcpt);

/* Bytes from the server.  Returns bytes consumed (all of them unless the
 * session is DONE); negative on misuse. */
gssize pochta_smtp_client_feed (PochtaSmtpClient *self, const guint8 *data, gsize len);
/* The server closed: outstanding recipients become TEMPORARY (RFC 5321
 * §3.8: a drop counts as 451), the session ends.  Once the session is
 * DONE, feed () reads nothing more: bytes after the reply to QUIT within
 * the same feed are an error, in a later feed they are left unconsumed. */
void pochta_smtp_client_feed_eof (PochtaSmtpClient *self);

gsize pochta_smtp_client_peek_output (PochtaSmtpClient *self, const guint8 **out_data);
void pochta_smtp_client_consume_output (PochtaSmtpClient *self, gsize n_bytes);
gboolean pochta_smtp_client_next_event (PochtaSmtpClient *self, PochtaEvent *out_event);
/* Lines and state changes go to sink as they happen, the rest of the
 * events to next_event () (see PochtaEventSink); NULL undoes it. */
void pochta_smtp_client_set_event_sink (PochtaSmtpClient *self, PochtaEventSink sink, gpointer user_data);

PochtaSmtpClientState pochta_smtp_client_get_state (PochtaSmtpClient *self);
gboolean pochta_smtp_client_is_done (PochtaSmtpClient *self);
/* TRUE when the server took the message (250 after the data). */
gboolean pochta_smtp_client_message_accepted (PochtaSmtpClient *self);
/* Why the session did not end as planned, or NULL: the connection, AUTH,
 * MAIL or the message refused, every recipient refused, a broken reply, a
 * lost connection.  Some recipients refused while others got the message
 * is no error; their outcomes say who got it. */
const char *pochta_smtp_client_get_error (PochtaSmtpClient *self);

guint pochta_smtp_client_get_n_recipients (PochtaSmtpClient *self);
const PochtaSmtpClientRecipient *pochta_smtp_client_get_recipient (PochtaSmtpClient *self, guint index);

/* The reply to config->verify[index]: its code (0 while unanswered) and,
 * in *out_text, its text.  VRFY informs; it never changes delivery. */
guint pochta_smtp_client_get_verify_reply (PochtaSmtpClient *self,
                                           guint             index,
                                           const char      **out_text);

/* What the server's EHLO advertised ("SIZE 10240000", ...); empty after HELO. */
GStrv pochta_smtp_client_dup_server_extensions (PochtaSmtpClient *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaSmtpClient, pochta_smtp_client_free)

G_END_DECLS
