/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Applies the steps of a scenario or lesson to a simulation and checks
 * what each step expects. */
#define G_LOG_DOMAIN "pochta-scenario"
#include "config.h"

#include <string.h>

#include "sasl.h"
#include "scenario-runner.h"

/* After an action the network settles: events that follow within this
 * much virtual time of the last one run at once.  A reply crosses the
 * slowest constr-org path (20 ms of backbone, ten times slower when the
 * slow-link fault is on) far sooner; the timers that wait for wait= or
 * run= are minutes away: greylisting's 5 minutes, the 5 minutes a client
 * waits for a greeting (RFC 5321 §4.5.3.2.1), the MTA's 30-minute retry
 * (§4.5.4.1). */
#define SETTLE_GAP G_TIME_SPAN_MINUTE

typedef struct
{
  guint handle;               /* pochta_simulation_connect's */
  guint transcript_id;        /* 0 until it is established */
  PochtaSaslClient *sasl;     /* the exchange Respond= is in, or NULL */
  char *sasl_key;             /* "CRAM-MD5 Ivanov": which exchange */
} Console;

struct _PochtaScenarioRunner
{
  GObject parent_instance;

  PochtaScenario *scenario;
  PochtaSimulation *simulation;
  guint32 seed;
  GArray *results;            /* of PochtaStepResult, one per applied step */
  Console console;            /* the newest manual connection */
  /* The cnonces of DIGEST-MD5 answers, seeded like the simulation so
   * that a replay answers alike (RFC 2831 §2.1.2). */
  PochtaGenerator *generator;
};

G_DEFINE_TYPE (PochtaScenarioRunner, pochta_scenario_runner, G_TYPE_OBJECT)

enum
{
  SIGNAL_SIMULATION_CREATED,
  SIGNAL_STEP_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- life ---- */

static void
result_clear (gpointer data)
{
  PochtaStepResult *result = data;
  g_free (result->failure);
  g_free (result->expected);
  g_free (result->actual);
}

static void
console_clear (Console *console)
{
  g_clear_pointer (&console->sasl, pochta_sasl_client_free);
  g_clear_pointer (&console->sasl_key, g_free);
  console->handle = 0;
  console->transcript_id = 0;
}

static void
pochta_scenario_runner_dispose (GObject *object)
{
  PochtaScenarioRunner *self = POCHTA_SCENARIO_RUNNER (object);

  console_clear (&self->console);
  g_clear_object (&self->simulation);
  g_clear_pointer (&self->generator, pochta_generator_free);
  G_OBJECT_CLASS (pochta_scenario_runner_parent_class)->dispose (object);
}

static void
pochta_scenario_runner_finalize (GObject *object)
{
  PochtaScenarioRunner *self = POCHTA_SCENARIO_RUNNER (object);

  g_array_unref (self->results);
  pochta_scenario_unref (self->scenario);
  G_OBJECT_CLASS (pochta_scenario_runner_parent_class)->finalize (object);
}

static void
pochta_scenario_runner_class_init (PochtaScenarioRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pochta_scenario_runner_dispose;
  object_class->finalize = pochta_scenario_runner_finalize;

  signals[SIGNAL_SIMULATION_CREATED] = g_signal_new ("simulation-created", G_TYPE_FROM_CLASS (klass),
                                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                     G_TYPE_OBJECT);
  signals[SIGNAL_STEP_FINISHED] = g_signal_new ("step-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pochta_scenario_runner_init (PochtaScenarioRunner *self)
{
  self->results = g_array_new (FALSE, TRUE, sizeof (PochtaStepResult));
  g_array_set_clear_func (self->results, result_clear);
}

/* A fresh simulation with no step applied. */
static gboolean
rebuild (PochtaScenarioRunner *self, GError **error)
{
  PochtaNetwork *network = pochta_scenario_load_network (self->scenario, error);
  if (network == NULL)
    return FALSE;
  console_clear (&self->console);
  g_array_set_size (self->results, 0);
  g_clear_object (&self->simulation);
  g_clear_pointer (&self->generator, pochta_generator_free);
  /* The console is a client of its own: seeded apart from the simulation,
   * or its DIGEST-MD5 cnonce would repeat the server's nonce. */
  self->generator = pochta_generator_new (self->seed ^ 0x9e3779b9u,
                                          pochta_scenario_get_start_time (self->scenario));
  self->simulation = pochta_simulation_new (network, self->seed, pochta_scenario_get_start_time (self->scenario),
                                            pochta_scenario_get_utc_offset (self->scenario));
  g_signal_emit (self, signals[SIGNAL_SIMULATION_CREATED], 0, self->simulation);
  return TRUE;
}

PochtaScenarioRunner *
pochta_scenario_runner_new (PochtaScenario *scenario, GError **error)
{
  g_return_val_if_fail (scenario != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr (PochtaScenarioRunner) self = g_object_new (POCHTA_TYPE_SCENARIO_RUNNER, NULL);
  self->scenario = pochta_scenario_ref (scenario);
  self->seed = pochta_scenario_get_seed (scenario);
  if (!rebuild (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* ---- the clock ---- */

/* Runs the events that follow the one at anchor, each within SETTLE_GAP
 * of the one before. */
static void
settle_from (PochtaScenarioRunner *self, gint64 anchor)
{
  gint64 next;

  while (pochta_simulation_peek_next_time (self->simulation, &next) && next - anchor <= SETTLE_GAP)
    {
      pochta_simulation_step (self->simulation);
      anchor = next;
    }
  if (self->console.handle != 0 && self->console.transcript_id == 0)
    self->console.transcript_id = pochta_simulation_connection_get_transcript_id (self->simulation,
                                                                                 self->console.handle);
}

static void
settle (PochtaScenarioRunner *self)
{
  settle_from (self, pochta_simulation_get_time (self->simulation));
}

/* Do=wait: the events due within duration, and what they set off at
 * once; not what merely falls within a minute after the wait ends, so
 * that "wait 29m" stops short of a retry at 30 minutes. */
static void
wait_for (PochtaScenarioRunner *self, gint64 duration)
{
  gint64 target = pochta_simulation_get_time (self->simulation) + duration;
  gint64 next, last = -1;

  while (pochta_simulation_peek_next_time (self->simulation, &next) && next <= target)
    {
      pochta_simulation_step (self->simulation);
      last = next;
    }
  /* Nothing is due before target now: this only moves the clock. */
  pochta_simulation_advance (self->simulation, target - pochta_simulation_get_time (self->simulation));
  if (last >= 0)
    settle_from (self, last);
}

/* ---- actions ---- */

static gboolean
do_connect (PochtaScenarioRunner *self, const PochtaScenarioAction *action, GError **error)
{
  guint handle = pochta_simulation_connect (self->simulation, action->from_host, action->to_host, action->port,
                                            error);
  if (handle == 0)
    return FALSE;
  console_clear (&self->console);
  self->console.handle = handle;
  return TRUE;
}

/* The text of the last challenge on the console: after "334 " (SMTP,
 * RFC 4954 §4) or "+ " (POP3, RFC 5034 §4), decoded. */
static GBytes *
last_challenge (PochtaScenarioRunner *self, GError **error)
{
  const char *reply = pochta_simulation_connection_get_last_reply (self->simulation, self->console.handle);
  const char *text = NULL;

  if (reply != NULL && g_str_has_prefix (reply, "334 "))
    text = reply + 4;
  else if (reply != NULL && (g_str_has_prefix (reply, "+ ") || strcmp (reply, "+") == 0))
    text = reply[1] != '\0' ? reply + 2 : "";
  else if (reply != NULL && strcmp (reply, "334") == 0)
    text = "";
  if (text == NULL)
    {
      g_set_error (error, POCHTA_SCENARIO_ERROR, POCHTA_SCENARIO_ERROR_VALUE,
                   "the server's last reply (%s) is not a challenge", reply != NULL ? reply : "none");
      return NULL;
    }
  GBytes *challenge = pochta_base64_decode_strict (text, strlen (text));
  if (challenge == NULL)
    g_set_error (error, POCHTA_SCENARIO_ERROR, POCHTA_SCENARIO_ERROR_VALUE, "the challenge '%s' is not base64",
                 text);
  return challenge;
}

/* RFC 1939 §7: the timestamp is the greeting's <...>. */
static char *
greeting_timestamp (PochtaScenarioRunner *self)
{
  PochtaTranscript *transcript = pochta_simulation_get_transcript (self->simulation);

  for (guint i = 0; i < pochta_transcript_get_n_items (transcript); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind != POCHTA_ITEM_LINE || item->connection != self->console.transcript_id
          || self->console.transcript_id == 0 || item->direction != POCHTA_DIRECTION_SERVER)
        continue;
      const char *open = memchr (item->text, '<', item->length);
      const char *close = open != NULL ? memchr (open, '>', item->length - (gsize) (open - item->text)) : NULL;
      return close != NULL ? g_strndup (open, (gsize) (close - open + 1)) : NULL;
    }
  return NULL;
}

static char *
apop_line (PochtaScenarioRunner *self, const PochtaUser *user, GError **error)
{
  g_autofree char *timestamp = greeting_timestamp (self);
  if (timestamp == NULL)
    {
      g_set_error_literal (error, POCHTA_SCENARIO_ERROR, POCHTA_SCENARIO_ERROR_VALUE,
                           "the greeting has no <timestamp> for APOP (RFC 1939 §7)");
      return NULL;
    }
  g_autofree char *digest = pochta_apop_digest (timestamp, user->password);
  return g_strdup_printf ("APOP %s %s", user->login, digest);
}

/* The mail client's answer to the last challenge, base64 as it goes on
 * the wire. */
static char *
sasl_line (PochtaScenarioRunner *self, const PochtaScenarioAction *action, const PochtaUser *user, GError **error)
{
  Console *console = &self->console;
  g_autofree char *key = g_strdup_printf ("%s %s", action->mechanism, action->login);
  const PochtaHost *server = NULL;
  PochtaSaslMechanism mechanism;

  g_autoptr (GBytes) challenge = last_challenge (self, error);
  if (challenge == NULL)
    return NULL;
  if (!pochta_sasl_mechanism_from_string (action->mechanism, &mechanism))
    g_return_val_if_reached (NULL);

  gboolean fresh = console->sasl == NULL || strcmp (console->sasl_key, key) != 0;
  if (fresh)
    {
      const PochtaTranscriptConnection *connection = pochta_transcript_get_connection (
        pochta_simulation_get_transcript (self->simulation), console->transcript_id);
      if (connection != NULL)
        server = pochta_network_get_host (pochta_simulation_get_network (self->simulation), connection->server_host);
      g_clear_pointer (&console->sasl, pochta_sasl_client_free);
      g_free (console->sasl_key);
      console->sasl_key = g_steal_pointer (&key);
      PochtaProtocol protocol = connection != NULL ? connection->protocol : POCHTA_PROTOCOL_SMTP;
      /* RFC 4954 §4 and RFC 5034 §4: the service names "smtp" and "pop". */
      console->sasl = pochta_sasl_client_new (mechanism, protocol == POCHTA_PROTOCOL_POP3 ? "pop" : "smtp",
                                              server != NULL ? server->name : "", user->login, user->password,
                                              self->generator);
    }

  gsize len;
  const guint8 *data = g_bytes_get_data (challenge, &len);
  g_autoptr (GBytes) response = NULL;
  /* A client-first mechanism answers an empty challenge with its initial
   * response (RFC 4954 §4: "334 " then the response). */
  if (!(fresh && len == 0 && pochta_sasl_client_initial_response (console->sasl, &response)))
    {
      PochtaSaslStatus status = pochta_sasl_client_step (console->sasl, data, len, &response);
      if (status == POCHTA_SASL_FAILURE || status == POCHTA_SASL_MALFORMED)
        {
          g_set_error (error, POCHTA_SCENARIO_ERROR, POCHTA_SCENARIO_ERROR_VALUE,
                       "%s cannot answer the challenge", action->mechanism);
          return NULL;
        }
    }
  gsize response_len = 0;
  const guint8 *response_data = response != NULL ? g_bytes_get_data (response, &response_len) : NULL;
  return response_len > 0 ? g_base64_encode (response_data, response_len) : g_strdup ("");
}

static gboolean
do_respond (PochtaScenarioRunner *self, const PochtaScenarioAction *action, GError **error)
{
  PochtaDirectory *directory = pochta_network_get_directory (pochta_simulation_get_network (self->simulation));
  const PochtaUser *user = pochta_directory_find_login (directory, action->login);
  g_return_val_if_fail (user != NULL, FALSE);   /* the loader checked */

  g_autofree char *line = strcmp (action->mechanism, "APOP") == 0 ? apop_line (self, user, error)
                                                                   : sasl_line (self, action, user, error);
  return line != NULL && pochta_simulation_send_line (self->simulation, self->console.handle, line, error);
}

static gboolean
do_action (PochtaScenarioRunner *self, const PochtaScenarioAction *action, GError **error)
{
  PochtaSimulation *sim = self->simulation;

  switch (action->kind)
    {
    case POCHTA_ACTION_SUBMIT:
      return pochta_simulation_submit (sim, action->mailbox, (const char *const *) action->recipients,
                                       action->subject, action->body, error);
    case POCHTA_ACTION_FETCH:
      return pochta_simulation_fetch (sim, action->mailbox, action->keep, error);
    case POCHTA_ACTION_CONNECT:
      return do_connect (self, action, error);
    case POCHTA_ACTION_SEND:
      return pochta_simulation_send_line (sim, self->console.handle, action->text, error);
    case POCHTA_ACTION_RESPOND:
      return do_respond (self, action, error);
    case POCHTA_ACTION_CLOSE:
      return pochta_simulation_close (sim, self->console.handle, error);
    case POCHTA_ACTION_FAULT:
      return pochta_simulation_set_fault (sim, action->fault, action->target, action->on, action->parameter, error);
    case POCHTA_ACTION_RELAY_HOST:
      return pochta_simulation_set_relay_host (sim, action->from_host, action->target, error);
    case POCHTA_ACTION_WAIT:
      wait_for (self, action->duration);
      return TRUE;
    case POCHTA_ACTION_RUN:
      pochta_simulation_run_until_idle (sim);
      return TRUE;
    default:
      g_return_val_if_reached (FALSE);
    }
}

/* ---- what a step expects ---- */

static void G_GNUC_PRINTF (4, 5)
add_failure (PochtaScenarioRunner *self, PochtaStepResult *result, guint line, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);

  const PochtaScenarioStep *step = pochta_scenario_get_step (self->scenario, self->results->len - 1);
  g_autofree char *old = g_steal_pointer (&result->failure);
  result->failure = g_strdup_printf ("%s%s%s:%u: [%s] %s", old != NULL ? old : "", old != NULL ? "\n" : "",
                                     pochta_scenario_get_filename (self->scenario), line, step->name, message);
  result->passed = FALSE;
}

static gboolean
is_reply_line (const PochtaTranscriptItem *item)
{
  return item->kind == POCHTA_ITEM_LINE && item->direction == POCHTA_DIRECTION_SERVER;
}

/* Whether a client line asks for a reply: a command or a SASL answer, or
 * the lone dot that ends message content (RFC 5321 §4.1.1.4). */
static gboolean
wants_reply (const PochtaTranscriptItem *item)
{
  return !item->in_data || (item->length == 1 && item->text[0] == '.');
}

/* RFC 5321 §4.2.1: "NNN-" continues a reply, "NNN " or "NNN" ends it. */
static gboolean
ends_smtp_reply (const PochtaTranscriptItem *item)
{
  return item->length <= 3 || item->text[3] != '-';
}

/* The reply to the last line the step sent on the console.  SMTP replies
 * come in order, one per line that wants one, even when the lines went
 * together (RFC 2920 §3.1): the last complete reply answers the last line
 * once there are as many replies as lines.  POP3 is read in lock step:
 * the server lines after the last client line. */
static void
collect_console_reply (PochtaScenarioRunner *self, const PochtaStepResult *result, gboolean smtp, GPtrArray *lines)
{
  PochtaTranscript *transcript = pochta_simulation_get_transcript (self->simulation);
  g_autoptr (GPtrArray) group = g_ptr_array_new ();
  g_autoptr (GPtrArray) last_group = g_ptr_array_new ();
  guint n_asked = 0, n_replies = 0;

  for (guint i = result->first_item; i < result->end_item; i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (item->kind != POCHTA_ITEM_LINE || item->connection != self->console.transcript_id)
        continue;
      if (item->direction == POCHTA_DIRECTION_CLIENT)
        {
          n_asked += wants_reply (item);
          if (!smtp)
            g_ptr_array_set_size (group, 0);
          continue;
        }
      /* What came before the first line of the step answers none of it. */
      if (n_asked == 0)
        continue;
      g_ptr_array_add (group, (gpointer) item);
      if (smtp && ends_smtp_reply (item))
        {
          n_replies++;
          g_ptr_array_set_size (last_group, 0);
          g_ptr_array_extend_and_steal (last_group, g_steal_pointer (&group));
          group = g_ptr_array_new ();
        }
    }
  GPtrArray *reply = smtp ? last_group : group;
  if (smtp && n_replies < n_asked)
    return;
  for (guint i = 0; i < reply->len; i++)
    g_ptr_array_add (lines, g_ptr_array_index (reply, i));
}

/* The server lines an Expect= looks at: after Send= or Respond=, the reply
 * to the step's last line on the console; after Connection=, what the
 * console's server said; otherwise every reply of the step.  *out_one_reply
 * tells the first two cases from the last. */
static GPtrArray *
collect_reply (PochtaScenarioRunner *self, const PochtaScenarioStep *step, const PochtaStepResult *result,
               gboolean *out_one_reply)
{
  PochtaTranscript *transcript = pochta_simulation_get_transcript (self->simulation);
  GPtrArray *lines = g_ptr_array_new ();
  const PochtaScenarioAction *last = g_ptr_array_index (step->actions, step->actions->len - 1);
  gboolean on_console = last->kind == POCHTA_ACTION_SEND || last->kind == POCHTA_ACTION_RESPOND
                        || last->kind == POCHTA_ACTION_CONNECT;

  *out_one_reply = on_console;
  if (on_console && last->kind != POCHTA_ACTION_CONNECT)
    {
      const PochtaTranscriptConnection *connection = pochta_transcript_get_connection (transcript,
                                                                                     self->console.transcript_id);
      collect_console_reply (self, result, connection == NULL || connection->protocol == POCHTA_PROTOCOL_SMTP,
                             lines);
      return lines;
    }
  for (guint i = result->first_item; i < result->end_item; i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      if (is_reply_line (item) && (!on_console || item->connection == self->console.transcript_id))
        g_ptr_array_add (lines, (gpointer) item);
    }
  return lines;
}

static gboolean
line_matches (const PochtaScenarioExpect *expect, const PochtaTranscriptItem *item)
{
  switch (expect->kind)
    {
    case POCHTA_EXPECT_CODE:
      return item->code == expect->code;
    case POCHTA_EXPECT_POP3_OK:
      return item->length >= 3 && memcmp (item->text, "+OK", 3) == 0;
    case POCHTA_EXPECT_POP3_ERR:
      return item->length >= 4 && memcmp (item->text, "-ERR", 4) == 0;
    case POCHTA_EXPECT_REGEX:
      return g_regex_match_full (expect->regex, item->text, (gssize) item->length, 0, 0, NULL, NULL);
    default:
      g_return_val_if_reached (FALSE);
    }
}

static void
check_expect (PochtaScenarioRunner *self, const PochtaScenarioStep *step, PochtaStepResult *result)
{
  const PochtaScenarioExpect *expect = step->expect;
  gboolean one_reply;
  g_autoptr (GPtrArray) lines = collect_reply (self, step, result, &one_reply);
  const PochtaTranscriptItem *shown = NULL;
  gboolean matched = FALSE;

  result->expected = g_strdup (expect->text);
  /* A code or status belongs to a reply's first line; a regex may match
   * any line of a multi-line reply. */
  for (guint i = 0; i < lines->len && !matched; i++)
    {
      const PochtaTranscriptItem *item = g_ptr_array_index (lines, i);
      if (one_reply && expect->kind != POCHTA_EXPECT_REGEX && i > 0)
        break;
      matched = line_matches (expect, item);
      if (matched)
        shown = item;
    }
  if (shown == NULL && lines->len > 0)
    {
      gboolean first = one_reply && expect->kind != POCHTA_EXPECT_REGEX;
      shown = g_ptr_array_index (lines, first ? 0 : lines->len - 1);
    }
  if (shown != NULL)
    result->actual = g_strndup (shown->text, shown->length);
  if (matched)
    return;
  if (shown == NULL)
    add_failure (self, result, expect->line, "expected %s, got no reply", expect->text);
  else
    add_failure (self, result, expect->line, "expected %s, got %s", expect->text, result->actual);
}

static guint
count_now (PochtaScenarioRunner *self, const PochtaScenarioCheck *check)
{
  g_autoptr (GPtrArray) items = NULL;
  switch (check->kind)
    {
    case POCHTA_CHECK_MAILBOX:
      items = pochta_simulation_dup_mailbox (self->simulation, check->subject, NULL);
      break;
    case POCHTA_CHECK_FETCHED:
      items = pochta_simulation_dup_fetched (self->simulation, check->subject);
      break;
    case POCHTA_CHECK_QUEUE:
      items = pochta_simulation_dup_queue (self->simulation, check->subject, NULL);
      break;
    default:
      g_return_val_if_reached (0);
    }
  return items != NULL ? items->len : 0;
}

/* How an item reads for Check=event and Check=line. */
static char *
item_text (const PochtaTranscriptItem *item, PochtaCheckKind kind)
{
  gboolean want_event = kind == POCHTA_CHECK_EVENT || kind == POCHTA_CHECK_NO_EVENT;
  if (want_event && item->kind == POCHTA_ITEM_MTA)
    return g_strdup_printf ("%s %s: %s", item->host, item->event, item->text != NULL ? item->text : "");
  if (!want_event && item->kind == POCHTA_ITEM_LINE)
    return g_strdup_printf ("%s: %.*s", item->direction == POCHTA_DIRECTION_CLIENT ? "C" : "S",
                            (int) item->length, item->text);
  return NULL;
}

static void
check_pattern (PochtaScenarioRunner *self, const PochtaScenarioCheck *check, PochtaStepResult *result)
{
  PochtaTranscript *transcript = pochta_simulation_get_transcript (self->simulation);
  gboolean negative = check->kind == POCHTA_CHECK_NO_EVENT || check->kind == POCHTA_CHECK_NO_LINE;
  g_autofree char *found = NULL;

  for (guint i = result->first_item; i < result->end_item && found == NULL; i++)
    {
      g_autofree char *text = item_text (pochta_transcript_get_item (transcript, i), check->kind);
      if (text != NULL && g_regex_match (check->regex, text, 0, NULL))
        found = g_steal_pointer (&text);
    }
  if (negative && found != NULL)
    add_failure (self, result, check->line, "Check=%s failed: %s", check->text, found);
  else if (!negative && found == NULL)
    add_failure (self, result, check->line, "Check=%s failed: nothing in this step matches", check->text);
}

static void
check_step (PochtaScenarioRunner *self, const PochtaScenarioStep *step, PochtaStepResult *result)
{
  if (step->expect != NULL)
    check_expect (self, step, result);
  for (guint i = 0; i < step->checks->len; i++)
    {
      const PochtaScenarioCheck *check = g_ptr_array_index (step->checks, i);
      if (check->regex != NULL)
        {
          check_pattern (self, check, result);
          continue;
        }
      guint count = count_now (self, check);
      if (count != check->count)
        add_failure (self, result, check->line, "Check=%s failed: there %s %u", check->text,
                     count == 1 ? "is" : "are", count);
    }
}

/* ---- steps ---- */

static void
apply_step (PochtaScenarioRunner *self, guint index)
{
  const PochtaScenarioStep *step = pochta_scenario_get_step (self->scenario, index);
  PochtaTranscript *transcript = pochta_simulation_get_transcript (self->simulation);
  PochtaStepResult empty = { .passed = TRUE };

  g_array_append_val (self->results, empty);
  PochtaStepResult *result = &g_array_index (self->results, PochtaStepResult, index);
  result->first_item = pochta_transcript_get_n_items (transcript);

  for (guint i = 0; i < step->actions->len; i++)
    {
      const PochtaScenarioAction *action = g_ptr_array_index (step->actions, i);
      g_autoptr (GError) error = NULL;
      if (!do_action (self, action, &error))
        add_failure (self, result, action->line, "%s: %s", action->text, error->message);
      /* A person at a console waits for each reply before typing on;
       * Pipeline=true sends a step's lines back to back (RFC 2920). */
      gboolean more_lines = i + 1 < step->actions->len
                            && ((const PochtaScenarioAction *) g_ptr_array_index (step->actions, i + 1))->kind
                                 == POCHTA_ACTION_SEND;
      gboolean clock_done = action->kind == POCHTA_ACTION_WAIT || action->kind == POCHTA_ACTION_RUN;
      if (!clock_done && !(step->pipeline && action->kind == POCHTA_ACTION_SEND && more_lines))
        settle (self);
    }
  result->end_item = pochta_transcript_get_n_items (transcript);
  check_step (self, step, result);
  g_signal_emit (self, signals[SIGNAL_STEP_FINISHED], 0, index);
}

gboolean
pochta_scenario_runner_next_step (PochtaScenarioRunner *self)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), FALSE);

  if (self->results->len >= pochta_scenario_get_n_steps (self->scenario))
    return FALSE;
  apply_step (self, self->results->len);
  return TRUE;
}

guint
pochta_scenario_runner_run_all (PochtaScenarioRunner *self)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), 0);

  while (pochta_scenario_runner_next_step (self))
    ;
  return pochta_scenario_runner_get_n_failures (self);
}

gboolean
pochta_scenario_runner_replay_to (PochtaScenarioRunner *self, guint n_steps, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), FALSE);
  g_return_val_if_fail (n_steps <= pochta_scenario_get_n_steps (self->scenario), FALSE);

  if (!rebuild (self, error))
    return FALSE;
  while (self->results->len < n_steps)
    apply_step (self, self->results->len);
  return TRUE;
}

gboolean
pochta_scenario_runner_set_seed (PochtaScenarioRunner *self, guint32 seed, GError **error)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), FALSE);

  self->seed = seed;
  return pochta_scenario_runner_replay_to (self, self->results->len, error);
}

/* ---- queries ---- */

PochtaScenario *
pochta_scenario_runner_get_scenario (PochtaScenarioRunner *self)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), NULL);
  return self->scenario;
}

PochtaSimulation *
pochta_scenario_runner_get_simulation (PochtaScenarioRunner *self)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), NULL);
  return self->simulation;
}

guint32
pochta_scenario_runner_get_seed (PochtaScenarioRunner *self)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), 0);
  return self->seed;
}

guint
pochta_scenario_runner_get_n_steps (PochtaScenarioRunner *self)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), 0);
  return pochta_scenario_get_n_steps (self->scenario);
}

guint
pochta_scenario_runner_get_position (PochtaScenarioRunner *self)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), 0);
  return self->results->len;
}

const PochtaScenarioStep *
pochta_scenario_runner_get_step (PochtaScenarioRunner *self, guint index)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), NULL);
  g_return_val_if_fail (index < pochta_scenario_get_n_steps (self->scenario), NULL);
  return pochta_scenario_get_step (self->scenario, index);
}

const PochtaStepResult *
pochta_scenario_runner_get_result (PochtaScenarioRunner *self, guint index)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), NULL);
  return index < self->results->len ? &g_array_index (self->results, PochtaStepResult, index) : NULL;
}

guint
pochta_scenario_runner_get_n_failures (PochtaScenarioRunner *self)
{
  g_return_val_if_fail (POCHTA_IS_SCENARIO_RUNNER (self), 0);

  guint failures = 0;
  for (guint i = 0; i < self->results->len; i++)
    failures += !g_array_index (self->results, PochtaStepResult, i).passed;
  return failures;
}
