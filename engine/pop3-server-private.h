/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The POP3 server session's state, shared by the files that implement
 * it: the states, commands, maildrop and responses (pop3-server.c) and
 * logging in, with USER/PASS, APOP or AUTH (pop3-server-auth.c). */
#pragma once

#include "event-queue-private.h"
#include "line-reader.h"
#include "pop3-server.h"

G_BEGIN_DECLS

typedef enum
{
  ARGS_NONE,              /* STAT, NOOP, RSET, QUIT, CAPA, STLS */
  ARGS_OPTIONAL_MESSAGE,  /* LIST [msg], UIDL [msg] */
  ARGS_MESSAGE,           /* RETR msg, DELE msg */
  ARGS_MESSAGE_AND_LINES, /* TOP msg n */
  ARGS_ONE,               /* USER name */
  ARGS_REST,              /* PASS string: the whole rest of the line */
  ARGS_TWO,               /* APOP name digest */
  ARGS_MECHANISM,         /* AUTH mechanism [initial-response] */
} ArgRule;

typedef struct _Command Command;

typedef struct
{
  const char *verb;
  guint states;     /* STATE_BIT of every state the command is valid in */
  ArgRule args;
  const char *usage;
  void (*handler) (PochtaPop3Server *self, const Command *command);
  const char *rfc;  /* where the command is defined */
} CommandSpec;

struct _Command
{
  const CommandSpec *spec;
  GStrv args;          /* the arguments split at SP (not for ARGS_REST) */
  guint n_args;
  const char *rest;    /* ARGS_REST: everything after "PASS " */
  guint message;       /* 0-based index in the snapshot, when one was named */
  gboolean has_message;
  guint64 lines;       /* TOP's second argument */
  char *user;          /* the USER a PASS may follow, or NULL */
};

struct _PochtaPop3Server
{
  char *hostname;
  PochtaPop3Limits limits;
  PochtaGenerator *generator;
  char *fixed_timestamp;
  gboolean disable_apop;
  gboolean disable_sasl;
  guint sasl_mechanisms;
  guint login_delay;
  char *implementation;
  gboolean report_data_lines;
  PochtaPop3Policy policy;

  PochtaPop3State state;
  gboolean started;
  PochtaLineReader *reader;
  GByteArray *output;
  PochtaEventQueue *events;

  char *timestamp;          /* the APOP timestamp of the greeting */
  char *pending_user;       /* a USER that PASS may follow */
  PochtaSaslServer *sasl;   /* while an AUTH exchange runs */
  guint bad_commands;
  guint auth_failures;

  char *login;              /* once in TRANSACTION */
  PochtaMailboxLock *lock;
  GPtrArray *messages;      /* the lock's snapshot, borrowed */
  gboolean *deleted;        /* per message of the snapshot */
};

/* pop3-server.c */
void pochta_pop3_server_enter_state (PochtaPop3Server *self, PochtaPop3State state);
/* A line of a multi-line response, or a SASL challenge. */
void pochta_pop3_server_queue_line (PochtaPop3Server *self,
                                    const char       *line,
                                    gsize             len,
                                    gboolean          report,
                                    gboolean          in_data);
void pochta_pop3_server_queue_reply (PochtaPop3Server *self,
                                     gboolean          ok,
                                     const char       *code,
                                     const char       *format,
                                     ...) G_GNUC_PRINTF (4, 5);
void pochta_pop3_server_close (PochtaPop3Server *self, const char *reason);
/* The messages of the snapshot not marked deleted, and their octets. */
void pochta_pop3_server_count_live (PochtaPop3Server *self, guint *out_count, gsize *out_octets);
const char *pochta_pop3_plural (guint n);
gboolean pochta_pop3_server_offers_mechanism (PochtaPop3Server *self, PochtaSaslMechanism mechanism);

/* pop3-server-auth.c: the AUTHORIZATION commands and the SASL exchange. */
void pochta_pop3_server_handle_user (PochtaPop3Server *self, const Command *command);
void pochta_pop3_server_handle_pass (PochtaPop3Server *self, const Command *command);
void pochta_pop3_server_handle_apop (PochtaPop3Server *self, const Command *command);
void pochta_pop3_server_handle_auth (PochtaPop3Server *self, const Command *command);
/* A line while a "+ " challenge is outstanding (RFC 5034 §4). */
void pochta_pop3_server_sasl_response (PochtaPop3Server *self,
                                       PochtaLineStatus  status,
                                       const char       *line,
                                       gsize             len);

G_END_DECLS
