/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Scenario and lesson files: what happens on a simulated network, step by
 * step, and for lessons what to explain and ask at each step (DESIGN.md
 * §2.3).  The loader refuses anything malformed with "file:line: what is
 * wrong"; scenario-runner.h plays a loaded file.
 *
 * The syntax is GKeyFile's (Desktop Entry), so that xgettext
 * --language=Desktop extracts the translatable keys (Title, Summary,
 * Objectives, Explain, Quiz, Choices, Hint) and msgfmt --desktop merges
 * their translations back as Key[ru]=.  Wire text is never translated.
 *
 *   [Lesson]                  or [Scenario]
 *   Id=seed-session           required
 *   Title=...                 required in a lesson
 *   Summary=...  Level=beginner|intermediate|advanced
 *   Network=constr-org        a built-in network, or a .network file's
 *                             path relative to this file; required
 *   Seed=1896                 the generator's seed (default 1)
 *   Start=2002-05-14T10:15:00+04:00
 *                             ISO 8601 with its zone: the virtual start
 *                             time and the zone of Date: and Received:
 *                             (default: that very moment)
 *   Objectives=...;...        References=lesson-id;...
 *
 *   [Step 01]                 steps numbered in increasing order
 *   Connection=comp1.otd1.constr.org -> comp3.otd2.constr.org:25
 *   Send=EHLO comp1.otd1.constr.org
 *   Expect=250
 *
 * A step's actions run in the order written; repeated Do=, Send= and
 * Check= keys are kept in order.  The actions:
 *
 *   Do=submit FROM TO[,TO...] "subject" "body"
 *                             FROM's mail agent sends a letter (words are
 *                             split as a shell does: quote what has
 *                             spaces; \n in the body starts a new line)
 *   Do=fetch USER keep|delete USER's agent fetches its mail over POP3
 *   Do=connect HOST -> HOST:PORT
 *   Connection=HOST -> HOST:PORT
 *                             a manual connection (a console, as telnet);
 *                             later Send= lines go to the newest one
 *   Send=LINE  (Do=send LINE) types LINE (CRLF added) and waits for what
 *                             comes back before the next line; with
 *                             Pipeline=true a step's lines go at once
 *   Respond=MECHANISM LOGIN   (Do=respond ...) answers the server's last
 *                             challenge as LOGIN's mail client would, with
 *                             the password the network gives: PLAIN,
 *                             LOGIN, CRAM-MD5, DIGEST-MD5 after a 334 or
 *                             POP3 "+ "; APOP sends "APOP LOGIN digest"
 *                             for the greeting's timestamp
 *   Do=close                  hangs up the newest connection
 *   Do=fault KIND TARGET on|off [PARAM]
 *                             KIND: host-down, greylisting, size-limit
 *                             (PARAM octets) on a host; link-down,
 *                             slow-link (PARAM factor) on a link;
 *                             mailbox-full on a mailbox
 *   Do=relay-host HOST RELAY|none
 *                             HOST's MTA sends everything through RELAY
 *                             (a smart host) instead of by MX; none
 *                             routes by MX again
 *   Do=wait DURATION          moves the clock on: 500ms, 5s, 30m, 2h, 1d,
 *                             or a sum such as 1h30m
 *   Do=run                    runs the clock until nothing is scheduled
 *
 * A player shows a step's Explain=, asks its Quiz= (about what is about
 * to happen), then applies its actions.
 *
 * After each action the runner lets the network settle: the events that
 * follow, each within a minute of virtual time of the one before, run at
 * once, so replies arrive; retries and timeouts further ahead wait for
 * wait or run.  A wait runs what falls due within its duration and what
 * that sets off, and leaves the clock at its end.
 *
 * What a step checks:
 *
 *   Expect=550 | +OK | -ERR | /regex/
 *       After Send= or Respond=: the reply to the step's last line (a
 *       multi-line reply passes a regex when any of its lines matches).
 *       After any other action: some reply the step brought on any
 *       connection.  A code must be 200-599; +OK and -ERR are POP3's.
 *   Check=mailbox MAILBOX N   MAILBOX now holds N messages
 *   Check=fetched MAILBOX N   MAILBOX's agent has retrieved N so far
 *   Check=queue HOST N        HOST's MTA queue holds N entries
 *   Check=event /regex/       an MTA event of this step ("HOST EVENT:
 *                             text", e.g. "comp1.otd1.constr.org bounced:
 *                             ...") matches; no-event: none does
 *   Check=line /regex/        a line of this step ("C: ..." or "S: ...")
 *                             matches; no-line: none does
 *
 * Expect=, Check= and Accept= are taken as written, without GKeyFile's
 * escapes, so that the backslashes of a regular expression stay its own
 * (GKeyFile reads them with g_key_file_get_value ()).
 *
 * Lessons add Explain= (the text of the step), Quiz= with Choices=
 * (';'-separated) and Answer= (one of the choices) or Accept= (a regular
 * expression an answer typed freely must match), and Hint=. */
#pragma once

#include <glib.h>

#include "fault.h"
#include "network.h"

G_BEGIN_DECLS

#define POCHTA_SCENARIO_ERROR (pochta_scenario_error_quark ())
GQuark pochta_scenario_error_quark (void);

typedef enum
{
  POCHTA_SCENARIO_ERROR_SYNTAX,        /* a line that is not a group, key=value or comment */
  POCHTA_SCENARIO_ERROR_UNKNOWN,       /* an unknown group, key or action */
  POCHTA_SCENARIO_ERROR_DUPLICATE,     /* a group or key given twice */
  POCHTA_SCENARIO_ERROR_MISSING,       /* a required group or key is absent */
  POCHTA_SCENARIO_ERROR_VALUE,         /* a value that does not parse */
  POCHTA_SCENARIO_ERROR_ORDER,         /* steps out of order */
  POCHTA_SCENARIO_ERROR_REFERENCE,     /* a network, host, user or link that does not exist */
  POCHTA_SCENARIO_ERROR_NEVER_MATCHES, /* an Expect that no reply could satisfy */
  POCHTA_SCENARIO_ERROR_NOT_FOUND,     /* no such built-in lesson */
} PochtaScenarioError;

typedef enum
{
  POCHTA_SCENARIO_KIND_SCENARIO,
  POCHTA_SCENARIO_KIND_LESSON,
} PochtaScenarioKind;

typedef enum
{
  POCHTA_ACTION_SUBMIT,
  POCHTA_ACTION_FETCH,
  POCHTA_ACTION_CONNECT,
  POCHTA_ACTION_SEND,
  POCHTA_ACTION_RESPOND,
  POCHTA_ACTION_CLOSE,
  POCHTA_ACTION_FAULT,
  POCHTA_ACTION_RELAY_HOST,
  POCHTA_ACTION_WAIT,
  POCHTA_ACTION_RUN,
} PochtaActionKind;

typedef struct
{
  PochtaActionKind kind;
  guint line;
  char *text;              /* as written, for display: "submit ...", or the line a Send types */
  char *mailbox;           /* SUBMIT: the sender; FETCH: the user */
  GStrv recipients;        /* SUBMIT */
  char *subject;           /* SUBMIT */
  char *body;              /* SUBMIT */
  gboolean keep;           /* FETCH */
  char *from_host;         /* CONNECT; RELAY_HOST: the host */
  char *to_host;           /* CONNECT */
  guint16 port;            /* CONNECT */
  char *mechanism;         /* RESPOND: "CRAM-MD5", ..., or "APOP" */
  char *login;             /* RESPOND */
  PochtaFaultKind fault;   /* FAULT */
  char *target;            /* FAULT; RELAY_HOST: the relay, NULL for none */
  gboolean on;             /* FAULT */
  guint64 parameter;       /* FAULT */
  gint64 duration;         /* WAIT, µs */
} PochtaScenarioAction;

typedef enum
{
  POCHTA_EXPECT_CODE,      /* an SMTP reply code */
  POCHTA_EXPECT_POP3_OK,   /* "+OK" */
  POCHTA_EXPECT_POP3_ERR,  /* "-ERR" */
  POCHTA_EXPECT_REGEX,     /* /regex/ on a reply line */
} PochtaExpectKind;

typedef struct
{
  PochtaExpectKind kind;
  guint line;
  char *text;              /* as written: "550", "/^250 /" */
  guint code;              /* CODE */
  GRegex *regex;           /* REGEX */
} PochtaScenarioExpect;

typedef enum
{
  POCHTA_CHECK_MAILBOX,
  POCHTA_CHECK_FETCHED,
  POCHTA_CHECK_QUEUE,
  POCHTA_CHECK_EVENT,
  POCHTA_CHECK_NO_EVENT,
  POCHTA_CHECK_LINE,
  POCHTA_CHECK_NO_LINE,
} PochtaCheckKind;

typedef struct
{
  PochtaCheckKind kind;
  guint line;
  char *text;              /* as written */
  char *subject;           /* MAILBOX, FETCHED: the mailbox; QUEUE: the host */
  guint count;             /* MAILBOX, FETCHED, QUEUE */
  GRegex *regex;           /* EVENT, NO_EVENT, LINE, NO_LINE */
} PochtaScenarioCheck;

typedef struct
{
  guint number;            /* NN of [Step NN] */
  char *name;              /* "Step 04" */
  guint line;
  GPtrArray *actions;      /* of PochtaScenarioAction*, in order */
  gboolean pipeline;       /* Send= lines go without waiting for replies */
  PochtaScenarioExpect *expect;  /* or NULL */
  GPtrArray *checks;       /* of PochtaScenarioCheck* */
  /* Lessons; in the language chosen at load, NULL when absent. */
  char *explain;
  char *quiz;
  GStrv choices;           /* shown, translated; NULL when the quiz is free text */
  GStrv choices_original;  /* as the untranslated file has them */
  int answer;              /* index into choices, -1 when none */
  char *answer_text;       /* Answer= as written (free-text quizzes compare to it) */
  GRegex *accept;          /* or NULL */
  char *hint;
} PochtaScenarioStep;

typedef struct _PochtaScenario PochtaScenario;

/* language: "ru", "en", "C" (the untranslated text), or NULL for the
 * user's languages (g_get_language_names ()).  filename names the file in
 * messages and is where a relative Network= path starts; NULL for data
 * that comes from no file (then only built-in networks). */
PochtaScenario *pochta_scenario_load_data (const char *data,
                                           gsize       len,
                                           const char *filename,
                                           const char *language,
                                           GError    **error);
PochtaScenario *pochta_scenario_load_file (const char *path, const char *language, GError **error);
/* A lesson or scenario compiled into the binaries, by id ("seed-session"). */
PochtaScenario *pochta_scenario_load_builtin (const char *id, const char *language, GError **error);
/* Ids of the built-in lessons, sorted. */
GStrv pochta_scenario_list_builtin (void);

PochtaScenario *pochta_scenario_ref (PochtaScenario *self);
void pochta_scenario_unref (PochtaScenario *self);

PochtaScenarioKind pochta_scenario_get_kind (PochtaScenario *self);
const char *pochta_scenario_get_filename (PochtaScenario *self);
const char *pochta_scenario_get_id (PochtaScenario *self);
const char *pochta_scenario_get_title (PochtaScenario *self);     /* may be NULL in a scenario */
const char *pochta_scenario_get_summary (PochtaScenario *self);   /* may be NULL */
const char *pochta_scenario_get_level (PochtaScenario *self);     /* may be NULL */
const char *pochta_scenario_get_network_name (PochtaScenario *self); /* Network= as written */
guint32 pochta_scenario_get_seed (PochtaScenario *self);
gint64 pochta_scenario_get_start_time (PochtaScenario *self);
int pochta_scenario_get_utc_offset (PochtaScenario *self);        /* minutes east of UTC */
const char *const *pochta_scenario_get_objectives (PochtaScenario *self);
const char *const *pochta_scenario_get_references (PochtaScenario *self);

guint pochta_scenario_get_n_steps (PochtaScenario *self);
const PochtaScenarioStep *pochta_scenario_get_step (PochtaScenario *self, guint index);

/* A fresh copy of the scenario's network, for one run. */
PochtaNetwork *pochta_scenario_load_network (PochtaScenario *self, GError **error);

/* Whether answer (typed by the user) answers step's quiz: a choice by its
 * number (1, 2, ...) or its text in either language, compared without
 * regard to case; or text the Accept= expression matches. */
gboolean pochta_scenario_step_check_answer (const PochtaScenarioStep *step, const char *answer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaScenario, pochta_scenario_unref)

G_END_DECLS
