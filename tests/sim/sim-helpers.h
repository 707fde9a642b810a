/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers of the simulation tests: a constr-org simulation, transcript
 * extracts, templates with placeholders, and Python's reading of a
 * bounce. */
#pragma once

#include <glib.h>

#include "simulation.h"

G_BEGIN_DECLS

/* Moscow in 2002 was UTC+4 in May: the thesis' zone. */
#define SIM_UTC_OFFSET (4 * 60)

/* constr-org, POCHTA_SIMULATION_DEFAULT_START, SIM_UTC_OFFSET. */
PochtaSimulation *sim_new_constr_org (guint32 seed);
/* A network from the text of a network file. */
PochtaSimulation *sim_new_from_text (const char *network_text, guint32 seed);

/* Every item and connection as text, one a line: the determinism tests
 * compare two of these. */
char *sim_dump_transcript (PochtaTranscript *transcript);
/* "C: ..." and "S: ..." lines of one connection, '\n' after each. */
char *sim_connection_lines (PochtaTranscript *transcript, guint connection);
/* Ids of the connections from client to server host, in order. */
GArray *sim_find_connections (PochtaTranscript *transcript, const char *client, const char *server);
/* MTA events of host (NULL: any) named event, as "text" lines. */
char *sim_mta_events (PochtaTranscript *transcript, const char *host, const char *event);
/* The time of the first item whose text is line on connection; -1 if none. */
gint64 sim_line_time (PochtaTranscript *transcript, guint connection, const char *line);

/* Asserts that actual matches template, where "{ID}" stands for one or
 * more of [A-Za-z0-9], "{B64}" for base64 text, and everything else is
 * literal. */
#define sim_assert_template(actual, template) \
  sim_assert_template_real (__FILE__, __LINE__, (actual), (template))
void
sim_assert_template_real (const char *file, int line, const char *actual, const char *template);

/* The messages in a user's mailbox; asserts there are n. */
GPtrArray *sim_mailbox (PochtaSimulation *simulation, const char *mailbox, guint n);
void sim_assert_mailbox_size (PochtaSimulation *simulation, const char *mailbox, guint n);
/* A GBytes of text as a string. */
char *sim_bytes_to_string (GBytes *bytes);

/* What dsn-python.py says about message, or NULL (and the test is
 * skipped) without python3. */
char *sim_python_read_dsn (GBytes *message);

G_END_DECLS
