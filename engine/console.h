/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A manual client, as telnet to port 25 or 110: the lines a user types go
 * to the server as they are, with CRLF; what the server says is read and
 * left to the transcript.  Sans-I/O like the protocol sessions, and seen
 * by connections through pochta_console_session_class. */
#pragma once

#include <glib.h>

#include "connection.h"
#include "transcript.h"

G_BEGIN_DECLS

typedef struct _PochtaConsole PochtaConsole;

PochtaConsole *pochta_console_new (PochtaProtocol protocol);
void pochta_console_free (PochtaConsole *self);

/* Queues len bytes (no CR or LF in them) and CRLF as one line. */
void pochta_console_type_line (PochtaConsole *self, const char *line, gsize len);
/* The user hangs up: once the typed lines are out, the console is done. */
void pochta_console_hang_up (PochtaConsole *self);
gboolean pochta_console_is_done (PochtaConsole *self);

/* The last complete line the server sent, or NULL. */
const char *pochta_console_get_last_reply (PochtaConsole *self);

extern const PochtaSessionClass pochta_console_session_class;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaConsole, pochta_console_free)

G_END_DECLS
