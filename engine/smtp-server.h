/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP server session (RFC 5321, with RFC 821's legacy commands and
 * the ESMTP extensions of the host profiles), sans-I/O: bytes in through
 * feed (), bytes out through peek/consume_output (), events pulled with
 * next_event ().  No sockets, no clock, no global state.
 *
 * Policies where the RFCs allow a choice (each one tested in
 * tests/engine/test-smtp-server.c):
 *   see the "Policies" comment at the top of smtp-server.c. */
#pragma once

#include <glib.h>

#include "event.h"
#include "generator.h"
#include "sasl.h"
#include "smtp-profile.h"

G_BEGIN_DECLS

typedef enum
{
  POCHTA_SMTP_STATE_GREETING,  /* 220 sent, no EHLO/HELO yet */
  POCHTA_SMTP_STATE_READY,     /* EHLO/HELO accepted, no transaction */
  POCHTA_SMTP_STATE_MAIL,      /* MAIL (SEND/SOML/SAML) accepted, no RCPT yet */
  POCHTA_SMTP_STATE_RCPT,      /* at least one RCPT accepted */
  POCHTA_SMTP_STATE_DATA,      /* 354 sent, reading content */
  POCHTA_SMTP_STATE_AUTH,      /* a 334 challenge is outstanding */
  POCHTA_SMTP_STATE_REJECTED,  /* greeted with 554: only QUIT works (RFC 5321 §3.1) */
  POCHTA_SMTP_STATE_CLOSED,    /* 221 or 421 sent, or the peer went away */
  POCHTA_SMTP_N_STATES
} PochtaSmtpState;

const char *pochta_smtp_state_to_string (PochtaSmtpState state);

/* Every limit of the server in one place.  Zero in a field means the
 * default given in its comment. */
typedef struct
{
  /* RFC 5321 §4.5.3.1.4: 512 octets including the verb and CRLF. */
  gsize command_line_max;
  /* RFC 1870 §3, RFC 4954 §3 and RFC 3461 let MAIL and RCPT lines grow by
   * their parameters (SIZE +26, AUTH= +500, ORCPT/ENVID +500 each) once
   * EHLO advertised them: 2048 in all. */
  gsize parameter_line_max;
  /* RFC 5321 §4.5.3.1.6: 1000 octets including CRLF, not counting a
   * stuffed leading dot. */
  gsize text_line_max;
  /* RFC 5321 §4.5.3.1.8: at least 100 recipients MUST be buffered; the
   * one beyond gets 452 4.5.3 (§4.5.3.1.10).  Default 100. */
  guint recipients_max;
  /* Advertised in EHLO SIZE (RFC 1870) and enforced while DATA streams:
   * 10240000 as in the thesis' comp3. */
  gsize message_size_max;
  /* Syntax errors and unknown commands tolerated before 421 4.7.0 and
   * close (a local policy, as Postfix's smtpd_hard_error_limit).  20. */
  guint bad_commands_max;
  /* RFC 4954 §9: a server may drop the connection after failed AUTHs, but
   * not before the 3rd.  Default 3. */
  guint auth_failures_max;
  /* RFC 4954 §4: AUTH lines of at least 12288 octets. */
  gsize auth_line_max;
  /* RFC 5321 §6.3: loop detection counts Received: fields; the threshold
   * SHOULD be at least 100. */
  guint received_max;
} PochtaSmtpLimits;

/* Fills limits with the RFC defaults above. */
void pochta_smtp_limits_init_defaults (PochtaSmtpLimits *limits);

/* DSN parameters (RFC 3461 §4) of one recipient. */
typedef enum
{
  POCHTA_DSN_NOTIFY_DEFAULT = 0,   /* no NOTIFY: failure (and maybe delay) */
  POCHTA_DSN_NOTIFY_NEVER = 1 << 0,
  POCHTA_DSN_NOTIFY_SUCCESS = 1 << 1,
  POCHTA_DSN_NOTIFY_FAILURE = 1 << 2,
  POCHTA_DSN_NOTIFY_DELAY = 1 << 3,
} PochtaDsnNotify;

typedef enum
{
  POCHTA_DSN_RET_DEFAULT = 0,
  POCHTA_DSN_RET_FULL,
  POCHTA_DSN_RET_HDRS,
} PochtaDsnRet;

typedef struct
{
  char *mailbox;          /* forward-path without <>, source route dropped */
  PochtaDsnNotify notify;
  char *orcpt;            /* ORCPT value as given ("rfc822;x@y"), xtext decoded; NULL if absent */
} PochtaSmtpRecipient;

typedef enum
{
  POCHTA_SMTP_MAIL_VERB_MAIL,  /* to mailboxes */
  POCHTA_SMTP_MAIL_VERB_SEND,  /* RFC 821 §3.4: to terminals */
  POCHTA_SMTP_MAIL_VERB_SOML,  /* to terminal or mailbox */
  POCHTA_SMTP_MAIL_VERB_SAML,  /* to terminal and mailbox */
} PochtaSmtpMailVerb;

/* The envelope of the transaction in progress. */
typedef struct
{
  PochtaSmtpMailVerb verb;
  char *reverse_path;       /* without <>; "" for the null sender */
  GPtrArray *recipients;    /* of PochtaSmtpRecipient*, accepted ones only */
  gsize declared_size;      /* SIZE=, 0 if absent */
  gboolean body_8bitmime;   /* BODY=8BITMIME */
  PochtaDsnRet ret;
  char *envid;              /* ENVID, xtext decoded, or NULL */
  char *auth;               /* MAIL AUTH= value, xtext decoded, or NULL (RFC 4954 §5) */
  char *helo_name;          /* the client's EHLO/HELO argument */
  gboolean extended;        /* the session began with EHLO */
  char *authenticated_as;   /* SASL login, or NULL */
} PochtaSmtpEnvelope;

typedef enum
{
  POCHTA_SMTP_RCPT_OK,             /* 250 2.1.5 */
  POCHTA_SMTP_RCPT_WILL_FORWARD,   /* 251 (out_text: the forward-path) */
  POCHTA_SMTP_RCPT_NO_SUCH_USER,   /* 550 5.1.1 No such user here */
  POCHTA_SMTP_RCPT_NOT_LOCAL,      /* 551 5.1.6 (out_text: the forward-path) */
  POCHTA_SMTP_RCPT_RELAY_DENIED,   /* 550 5.7.1 Relaying denied */
  POCHTA_SMTP_RCPT_MAILBOX_BUSY,   /* 450 4.2.1 (SEND to a user not logged in, RFC 821 §3.4) */
  POCHTA_SMTP_RCPT_MAILBOX_FULL,   /* 452 4.2.2 */
  POCHTA_SMTP_RCPT_GREYLISTED,     /* 450 4.7.1 try again later */
} PochtaSmtpRcptVerdict;

typedef enum
{
  POCHTA_SMTP_VRFY_FOUND,       /* 250 with the one match */
  POCHTA_SMTP_VRFY_AMBIGUOUS,   /* 553 User ambiguous (matches listed) */
  POCHTA_SMTP_VRFY_UNKNOWN,     /* 550 */
  POCHTA_SMTP_VRFY_DISABLED,    /* 252 (RFC 5321 §7.3) */
} PochtaSmtpVrfyVerdict;

typedef enum
{
  POCHTA_SMTP_DELIVER_OK,          /* 250 (out_id: queue id) */
  POCHTA_SMTP_DELIVER_TEMPFAIL,    /* 451 4.3.0 */
  POCHTA_SMTP_DELIVER_NO_STORAGE,  /* 452 4.3.1 */
  POCHTA_SMTP_DELIVER_TOO_BIG,     /* 552 5.2.3 */
  POCHTA_SMTP_DELIVER_REJECTED,    /* 554 5.6.0 */
} PochtaSmtpDeliverVerdict;

typedef enum
{
  POCHTA_SMTP_ETRN_STARTED,        /* 250 OK, queuing for node <x> started */
  POCHTA_SMTP_ETRN_NONE_WAITING,   /* 251 OK, no messages waiting for node <x> */
  POCHTA_SMTP_ETRN_PENDING,        /* 253 OK, <n> pending messages for node <x> started */
  POCHTA_SMTP_ETRN_UNABLE,         /* 458 */
  POCHTA_SMTP_ETRN_NOT_ALLOWED,    /* 459 */
} PochtaSmtpEtrnVerdict;

/* Everything outside the protocol, decided by the host that runs the
 * session (users, relay, the store).  Any callback may be NULL: the
 * comment says what the server then assumes.  The server calls these
 * synchronously from feed (); they must not call back into the session. */
typedef struct
{
  /* RCPT (and SEND/SOML/SAML recipients).  NULL: every mailbox is OK.
   * out_text, when set, is used for 251/551 (freed by the server). */
  PochtaSmtpRcptVerdict (*check_recipient) (const PochtaSmtpEnvelope *envelope,
                                            const char               *mailbox,
                                            char                    **out_text,
                                            gpointer                  user_data);
  /* VRFY: fills out_matches with "Full Name <mailbox>" strings.  NULL: 252. */
  PochtaSmtpVrfyVerdict (*verify) (const char *query, GPtrArray *out_matches, gpointer user_data);
  /* EXPN: fills out_members ("Full Name <mailbox>" or "<mailbox>"); FALSE
   * when list is not a list here (550).  NULL: 550 for every list. */
  gboolean (*expand) (const char *list, GPtrArray *out_members, gpointer user_data);
  /* SASL secrets.  NULL: nobody can authenticate. */
  PochtaSaslSecretFunc get_secret;
  /* A finished message, Received: already prepended.  NULL: accepted and
   * dropped, with a generated id. */
  PochtaSmtpDeliverVerdict (*deliver) (const PochtaSmtpEnvelope *envelope,
                                       GBytes                   *message,
                                       char                    **out_id,
                                       gpointer                  user_data);
  /* ETRN node.  out_count for PENDING.  NULL: 458. */
  PochtaSmtpEtrnVerdict (*etrn) (const char *node, guint *out_count, gpointer user_data);
  /* SEND/SOML/SAML: is the user behind mailbox logged in at a terminal?
   * NULL: nobody is. */
  gboolean (*user_is_active) (const char *mailbox, gpointer user_data);
  gpointer user_data;
} PochtaSmtpPolicy;

typedef struct
{
  const char *hostname;            /* the server's domain: greeting, EHLO, Received: by */
  PochtaSmtpProfile profile;
  const PochtaSmtpLimits *limits;  /* NULL: RFC defaults */
  PochtaGenerator *generator;      /* challenges, queue ids, Received: date; required */
  const char *client_address;      /* the peer's IP, for Received: from (... [addr]) */
  const char *client_hostname;     /* the peer's name if known (no reverse DNS here) */
  /* Answer the connection with 554 instead of 220 (RFC 5321 §3.1). */
  gboolean reject_connection;
  /* Report every DATA line as a LINE_RECEIVED event (the transcript wants
   * them; a throughput benchmark may not). */
  gboolean report_data_lines;
  /* No LINE_RECEIVED or LINE_SENT events at all, whatever
   * report_data_lines says: for a caller that records no lines (a scale
   * run); state changes and the other events are unchanged. */
  gboolean no_line_events;
  /* No LINE_RECEIVED events: for a caller that records each line once,
   * where it is sent (the simulation's connections). */
  gboolean no_received_line_events;
} PochtaSmtpConfig;

typedef struct _PochtaSmtpServer PochtaSmtpServer;

/* config and policy are copied (strings duplicated); the generator is
 * borrowed and must outlive the session. */
PochtaSmtpServer *pochta_smtp_server_new (const PochtaSmtpConfig *config,
                                          const PochtaSmtpPolicy *policy);
void pochta_smtp_server_free (PochtaSmtpServer *self);

/* Queues the 220 greeting (or 554).  Call once, before feed (). */
void pochta_smtp_server_start (PochtaSmtpServer *self);

/* Processes every complete command in data, in order (PIPELINING).
 * Returns the bytes consumed: fewer than len only after QUIT or TURN (the
 * rest belongs to whatever comes next on the connection) or while more
 * than 64 KiB of output waits to be consumed (back-pressure).  Negative
 * only on misuse (feed after CLOSED). */
gssize pochta_smtp_server_feed (PochtaSmtpServer *self, const guint8 *data, gsize len);

/* The peer closed the connection: an open transaction is cancelled and
 * nothing is delivered (RFC 5321 §4.1.1.10). */
void pochta_smtp_server_feed_eof (PochtaSmtpServer *self);

/* Tells the client the service is going away (421, RFC 5321 §3.8) and
 * closes.  reason NULL: "Service not available, closing transmission
 * channel"; e.g. "4.4.2 ... timeout" for the idle timeout. */
void pochta_smtp_server_shutdown (PochtaSmtpServer *self, const char *reason);

gsize pochta_smtp_server_peek_output (PochtaSmtpServer *self, const guint8 **out_data);
void pochta_smtp_server_consume_output (PochtaSmtpServer *self, gsize n_bytes);
gboolean pochta_smtp_server_next_event (PochtaSmtpServer *self, PochtaEvent *out_event);
/* Lines and state changes go to sink as they happen, the rest of the
 * events to next_event () (see PochtaEventSink); NULL undoes it. */
void pochta_smtp_server_set_event_sink (PochtaSmtpServer *self, PochtaEventSink sink, gpointer user_data);

PochtaSmtpState pochta_smtp_server_get_state (PochtaSmtpServer *self);
/* The transaction in progress (valid until the next feed). */
const PochtaSmtpEnvelope *pochta_smtp_server_get_envelope (PochtaSmtpServer *self);
gboolean pochta_smtp_server_is_authenticated (PochtaSmtpServer *self);
/* The profile's EHLO keywords, in order, as advertised ("SIZE 10240000"). */
GStrv pochta_smtp_server_dup_extensions (PochtaSmtpServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaSmtpServer, pochta_smtp_server_free)

G_END_DECLS
