/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a protocol session reports to its caller: lines, state changes and
 * outcomes, pulled one at a time with *_next_event (). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  POCHTA_EVENT_NONE = 0,
  /* A line arrived from the peer: a command or data line on a server, a
   * reply line on a client.  text holds it without the line terminator. */
  POCHTA_EVENT_LINE_RECEIVED,
  /* A line was queued for the peer: a reply on a server, a command or data
   * line on a client. */
  POCHTA_EVENT_LINE_SENT,
  /* The session moved from old_state to new_state (values of the session's
   * own state enum). */
  POCHTA_EVENT_STATE_CHANGED,
  /* SASL (or APOP, USER/PASS) succeeded; text is the authenticated login. */
  POCHTA_EVENT_AUTHENTICATED,
  /* A whole message changed hands: on an SMTP server it was handed to the
   * policy's deliver (text = queue id); on an SMTP client the server took
   * responsibility for it; on a POP3 client a message was retrieved.
   * bytes holds the message. */
  POCHTA_EVENT_MESSAGE,
  /* SMTP client: the outcome of one recipient.  text = mailbox, code =
   * the RCPT (or end-of-data) reply code, detail = the reply text. */
  POCHTA_EVENT_RECIPIENT,
  /* The session is over and the connection should be closed.  text says
   * why ("QUIT", "421 too many errors", ...). */
  POCHTA_EVENT_CLOSED,
  /* The peer broke the protocol in a way the session cannot answer (a
   * malformed reply on a client).  text is the reason.  CLOSED follows. */
  POCHTA_EVENT_ERROR,
  /* SMTP TURN was accepted: the caller swaps client and server roles on
   * the same connection.  CLOSED follows. */
  POCHTA_EVENT_TURN,
} PochtaEventType;

typedef struct
{
  PochtaEventType type;
  guint code;          /* reply code, 0 when there is none */
  int old_state;       /* STATE_CHANGED only */
  int new_state;       /* STATE_CHANGED, and the state after the line for LINE_* */
  char *text;          /* owned; may contain NUL bytes: see length */
  gsize length;        /* bytes in text, without the trailing NUL */
  char *detail;        /* owned, optional */
  GBytes *bytes;       /* owned, optional: the MESSAGE payload */
  gboolean in_data;    /* LINE_*: the line is message content, not a command */
  /* LINE_*: how many lines text holds, joined by LF (a line itself never
   * holds an LF); 0 and 1 both mean one.  Only a real client's content
   * comes several lines at once (pochta_event_queue_push_lines). */
  guint n_lines;
} PochtaEvent;

const char *pochta_event_type_to_string (PochtaEventType type);

/* Takes a session's lines and state changes at the moment the session
 * reports them, instead of the queue (*_set_event_sink ()): a caller
 * that records every line saves a copy and a trip through the queue for
 * each.  The event is only lent for the call, and its text need not end
 * in NUL (length counts).  An event of type NONE says that the queue,
 * empty until then, now holds an event for next_event (). */
typedef void (*PochtaEventSink) (const PochtaEvent *event, gpointer user_data);

/* Frees what the event owns and zeroes it, so it can be reused. */
void pochta_event_clear (PochtaEvent *event);

G_END_DECLS
