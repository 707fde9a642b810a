/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The record of a simulation: every connection and every line that
 * crossed it, in order, with virtual time, direction, the parsed command
 * or reply code and the session state before and after, plus MTA events.
 * The single source of the views and of every exporter (DESIGN.md §2.2). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  POCHTA_PROTOCOL_SMTP,
  POCHTA_PROTOCOL_POP3,
} PochtaProtocol;

const char *pochta_protocol_to_string (PochtaProtocol protocol);   /* "smtp", "pop3" */
gboolean pochta_protocol_from_string (const char *name, PochtaProtocol *out_protocol);

typedef enum
{
  POCHTA_DIRECTION_CLIENT,   /* "C:" client to server */
  POCHTA_DIRECTION_SERVER,   /* "S:" server to client */
} PochtaDirection;

const char *pochta_direction_to_string (PochtaDirection direction); /* "client", "server" */
gboolean pochta_direction_from_string (const char *name, PochtaDirection *out_direction);

typedef struct
{
  guint id;                  /* 1, 2, ... in order of opening */
  PochtaProtocol protocol;
  /* The names and addresses belong to the transcript, one copy each. */
  char *client_host;         /* "comp1.otd1.constr.org", or "127.0.0.1" for a real client */
  char *client_address;      /* "192.0.2.11" */
  guint16 client_port;       /* ephemeral port the simulation chose */
  char *server_host;
  char *server_address;
  guint16 server_port;       /* 25, 110, ... */
  gint64 open_time;          /* virtual µs since the Unix epoch */
  gint64 close_time;         /* -1 while open */
  /* Where the opening and the closing fall among the items: the number of
   * items recorded before them (so the views and the pcap put the
   * handshake and the FIN exactly there).  close_index is 0 while open. */
  guint open_index;
  guint close_index;
} PochtaTranscriptConnection;

/* The class of a reply by its first digit (RFC 5321 §4.2.1); POP3's +OK
 * counts as POSITIVE, its "+ " SASL continuation as INTERMEDIATE and -ERR
 * as PERMANENT. */
typedef enum
{
  POCHTA_REPLY_NONE = 0,      /* not a reply */
  POCHTA_REPLY_POSITIVE = 2,  /* 2yz: green */
  POCHTA_REPLY_INTERMEDIATE = 3, /* 3yz: blue */
  POCHTA_REPLY_TRANSIENT = 4, /* 4yz: amber */
  POCHTA_REPLY_PERMANENT = 5, /* 5yz: red */
} PochtaReplyClass;

/* "none", "positive", "intermediate", "transient", "permanent" */
const char *pochta_reply_class_to_string (PochtaReplyClass reply_class);
gboolean pochta_reply_class_from_string (const char *name, PochtaReplyClass *out_class);

typedef enum
{
  POCHTA_ITEM_LINE,          /* a command, reply or data line */
  POCHTA_ITEM_MTA,           /* an MTA event: queued, retry, bounced, delivered, ... */
  POCHTA_ITEM_NOTE,          /* a remark of the scenario or lesson */
} PochtaTranscriptItemKind;

const char *pochta_transcript_item_kind_to_string (PochtaTranscriptItemKind kind); /* "line", "mta", "note" */
gboolean pochta_transcript_item_kind_from_string (const char *name, PochtaTranscriptItemKind *out_kind);

/* A transcript of a long run holds millions of items, so the fields are
 * laid out to leave no padding and the small ones share a word: 88 bytes
 * an item rather than 120. */
typedef struct
{
  gint64 time;               /* virtual µs */
  /* Every string belongs to the transcript: the text is stored with the
   * item, the others once per transcript however many items name them. */
  char *text;                /* the line without CRLF (may hold NUL: see length), or the event text */
  gsize length;
  char *verb;                /* LINE from the client: command verb in upper case ("MAIL"), NULL for data */
  char *status;              /* enhanced status code ("5.1.1") or POP3 response code ("IN-USE"), or NULL */
  char *state_before;        /* session state names, e.g. "RCPT" -> "RCPT" */
  char *state_after;
  char *host;                /* MTA: the host the event happened on */
  char *event;               /* MTA: "queued", "retry", "bounced", "delivered", "deferred", ... */
  guint index;               /* position in the transcript, from 0 */
  guint line_number;         /* 1, 2, ... over LINE items only (the thesis' numbering); 0 otherwise */
  guint connection;          /* connection id; 0 when none */
  guint code : 10;           /* LINE from an SMTP server: the reply code (200-599); 0 otherwise */
  PochtaTranscriptItemKind kind : 4;
  PochtaDirection direction : 4;    /* LINE */
  PochtaReplyClass reply_class : 4; /* LINE from a server: what the views colour by */
  guint in_data : 1;         /* message content rather than a command */
} PochtaTranscriptItem;

typedef struct _PochtaTranscript PochtaTranscript;

PochtaTranscript *pochta_transcript_new (void);
void pochta_transcript_free (PochtaTranscript *self);

/* Returns the new connection's id. */
guint pochta_transcript_open_connection (PochtaTranscript *self,
                                         PochtaProtocol    protocol,
                                         const char       *client_host,
                                         const char       *client_address,
                                         guint16           client_port,
                                         const char       *server_host,
                                         const char       *server_address,
                                         guint16           server_port,
                                         gint64            time);
/* time is not before the opening. */
void pochta_transcript_close_connection (PochtaTranscript *self, guint connection, gint64 time);

/* A line crossing connection, which must be open.  The transcript parses
 * it: for the client, the verb (nothing when in_data, nor for a SASL
 * response, i.e. right after a 334 or a POP3 "+ " continuation); for the
 * server, the SMTP reply code and enhanced status code, or POP3 +OK/-ERR
 * with its [CODE].  state_before and state_after may be NULL. */
const PochtaTranscriptItem *pochta_transcript_add_line (PochtaTranscript *self,
                                                        guint             connection,
                                                        gint64            time,
                                                        PochtaDirection   direction,
                                                        const char       *text,
                                                        gsize             length,
                                                        gboolean          in_data,
                                                        const char       *state_before,
                                                        const char       *state_after);
/* n_lines lines at once, text[0..length) holding them joined by LF (n_lines
 * - 1 LFs): what pochta_transcript_add_line () does for each in turn,
 * cheaper.  Returns the last. */
const PochtaTranscriptItem *pochta_transcript_add_lines (PochtaTranscript *self,
                                                         guint             connection,
                                                         gint64            time,
                                                         PochtaDirection   direction,
                                                         const char       *text,
                                                         gsize             length,
                                                         guint             n_lines,
                                                         gboolean          in_data,
                                                         const char       *state_before,
                                                         const char       *state_after);
/* host and event are required; text may be NULL. */
const PochtaTranscriptItem *pochta_transcript_add_mta_event (PochtaTranscript *self,
                                                             gint64            time,
                                                             const char       *host,
                                                             const char       *event,
                                                             const char       *text);
const PochtaTranscriptItem *pochta_transcript_add_note (PochtaTranscript *self, gint64 time, const char *text);

guint pochta_transcript_get_n_items (PochtaTranscript *self);
/* LINE items so far: the last one's line_number. */
guint pochta_transcript_get_n_lines (PochtaTranscript *self);
const PochtaTranscriptItem *pochta_transcript_get_item (PochtaTranscript *self, guint index);
guint pochta_transcript_get_n_connections (PochtaTranscript *self);
/* By id (1-based); NULL for an unknown id. */
const PochtaTranscriptConnection *pochta_transcript_get_connection (PochtaTranscript *self, guint id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaTranscript, pochta_transcript_free)

G_END_DECLS
