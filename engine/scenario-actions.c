/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The actions of scenario and lesson files (Do=, Connection=, Send=,
 * Respond=): their syntax, checked against the file's network. */
#define G_LOG_DOMAIN "pochta-scenario"
#include "config.h"

#include <string.h>

#include "scenario-private.h"

void
pochta_scenario_action_free (gpointer data)
{
  PochtaScenarioAction *a = data;
  g_free (a->text);
  g_free (a->mailbox);
  g_strfreev (a->recipients);
  g_free (a->subject);
  g_free (a->body);
  g_free (a->from_host);
  g_free (a->to_host);
  g_free (a->mechanism);
  g_free (a->login);
  g_free (a->target);
  g_free (a);
}

static PochtaScenarioAction *
action_new (PochtaActionKind kind, guint line, const char *text)
{
  PochtaScenarioAction *action = g_new0 (PochtaScenarioAction, 1);
  action->kind = kind;
  action->line = line;
  action->text = g_strdup (text);
  return action;
}

gboolean
pochta_scenario_loader_require_host (Loader *loader, guint line, const char *host, GError **error)
{
  if (pochta_network_get_host (loader->network, host) != NULL)
    return TRUE;
  return pochta_scenario_loader_fail (loader, line, error, POCHTA_SCENARIO_ERROR_REFERENCE, "no host %s on network %s", host,
               pochta_network_get_id (loader->network));
}

gboolean
pochta_scenario_loader_require_user (Loader *loader, guint line, const char *mailbox, GError **error)
{
  if (pochta_directory_find_mailbox (pochta_network_get_directory (loader->network), mailbox) != NULL)
    return TRUE;
  return pochta_scenario_loader_fail (loader, line, error, POCHTA_SCENARIO_ERROR_REFERENCE, "no user %s on network %s", mailbox,
               pochta_network_get_id (loader->network));
}

static gboolean
has_link (PochtaNetwork *network, const char *id)
{
  GPtrArray *links = pochta_network_get_links (network);
  for (guint i = 0; i < links->len; i++)
    if (strcmp (((PochtaLink *) g_ptr_array_index (links, i))->id, id) == 0)
      return TRUE;
  return FALSE;
}

/* "HOST -> HOST:PORT". */
static gboolean
parse_connect (Loader *loader, PochtaScenarioAction *action, const char *args, GError **error)
{
  g_auto (GStrv) ends = g_strsplit (args, "->", 2);
  const char *usage = "a connection is written HOST -> HOST:PORT";
  if (g_strv_length (ends) != 2)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE, "%s", usage);
  g_strstrip (ends[0]);
  g_strstrip (ends[1]);
  const char *colon = strrchr (ends[1], ':');
  guint64 port;
  if (*ends[0] == '\0' || colon == NULL || colon == ends[1] || !pochta_scenario_parse_uint (colon + 1, 65535, &port) || port == 0)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE, "%s", usage);
  action->from_host = g_strdup (ends[0]);
  action->to_host = g_strndup (ends[1], (gsize) (colon - ends[1]));
  action->port = (guint16) port;
  if (!pochta_scenario_loader_require_host (loader, action->line, action->from_host, error)
      || !pochta_scenario_loader_require_host (loader, action->line, action->to_host, error))
    return FALSE;
  loader->has_connection = TRUE;
  loader->connection_is_pop3 = pochta_network_get_host (loader->network, action->to_host)->pop3_port == port;
  return TRUE;
}

static gboolean
parse_submit (Loader *loader, PochtaScenarioAction *action, GStrv argv, GError **error)
{
  if (g_strv_length (argv) != 5)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                 "submit takes FROM TO[,TO...] \"subject\" \"body\"");
  action->mailbox = g_strdup (argv[1]);
  if (!pochta_scenario_loader_require_user (loader, action->line, action->mailbox, error))
    return FALSE;
  action->recipients = g_strsplit (argv[2], ",", -1);
  for (guint i = 0; action->recipients[i] != NULL; i++)
    if (!pochta_scenario_looks_like_mailbox (g_strstrip (action->recipients[i])))
      return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE, "'%s' is not a mailbox",
                   action->recipients[i]);
  action->subject = g_strdup (argv[3]);
  action->body = g_strdup (argv[4]);
  return TRUE;
}

static gboolean
parse_fetch (Loader *loader, PochtaScenarioAction *action, GStrv argv, GError **error)
{
  if (g_strv_length (argv) != 3 || (strcmp (argv[2], "keep") != 0 && strcmp (argv[2], "delete") != 0))
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE, "fetch takes USER keep|delete");
  action->mailbox = g_strdup (argv[1]);
  action->keep = strcmp (argv[2], "keep") == 0;
  return pochta_scenario_loader_require_user (loader, action->line, action->mailbox, error);
}

static gboolean
check_fault_target (Loader *loader, PochtaScenarioAction *action, GError **error)
{
  switch (action->fault)
    {
    case POCHTA_FAULT_LINK_DOWN:
    case POCHTA_FAULT_SLOW_LINK:
      if (has_link (loader->network, action->target))
        return TRUE;
      return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_REFERENCE, "no link %s on network %s",
                   action->target, pochta_network_get_id (loader->network));
    case POCHTA_FAULT_MAILBOX_FULL:
      return pochta_scenario_loader_require_user (loader, action->line, action->target, error);
    case POCHTA_FAULT_HOST_DOWN:
    case POCHTA_FAULT_GREYLISTING:
    case POCHTA_FAULT_SIZE_LIMIT:
      return pochta_scenario_loader_require_host (loader, action->line, action->target, error);
    case POCHTA_N_FAULTS:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_fault (Loader *loader, PochtaScenarioAction *action, GStrv argv, GError **error)
{
  guint argc = g_strv_length (argv);
  if (argc < 4 || argc > 5 || (strcmp (argv[3], "on") != 0 && strcmp (argv[3], "off") != 0))
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE, "fault takes KIND TARGET on|off [PARAM]");
  if (!pochta_fault_kind_from_string (argv[1], &action->fault))
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                 "unknown fault '%s' (known: host-down, link-down, mailbox-full, greylisting, slow-link, size-limit)",
                 argv[1]);
  action->target = g_strdup (argv[2]);
  action->on = strcmp (argv[3], "on") == 0;
  if (argc == 5 && !pochta_scenario_parse_uint (argv[4], G_MAXUINT32, &action->parameter))
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE, "fault parameter '%s' is not a number",
                 argv[4]);
  /* RFC 1870 §4: a SIZE limit of 0 would mean "no limit", not a fault. */
  if (action->fault == POCHTA_FAULT_SIZE_LIMIT && action->on && action->parameter == 0)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                 "fault size-limit on needs the limit in octets, e.g. size-limit HOST on 1000");
  return check_fault_target (loader, action, error);
}

static gboolean
parse_relay_host (Loader *loader, PochtaScenarioAction *action, GStrv argv, GError **error)
{
  if (g_strv_length (argv) != 3)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE, "relay-host takes HOST RELAY|none");
  action->from_host = g_strdup (argv[1]);
  action->target = strcmp (argv[2], "none") != 0 ? g_strdup (argv[2]) : NULL;
  return pochta_scenario_loader_require_host (loader, action->line, action->from_host, error)
         && (action->target == NULL || pochta_scenario_loader_require_host (loader, action->line, action->target, error));
}

static gboolean
parse_respond (Loader *loader, PochtaScenarioAction *action, const char *args, GError **error)
{
  g_auto (GStrv) words = g_strsplit_set (args, " \t", -1);
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_ptr_array_add (parts, words[i]);

  PochtaSaslMechanism mechanism;
  if (parts->len != 2)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                 "Respond takes MECHANISM LOGIN, e.g. CRAM-MD5 Ivanov");
  const char *name = g_ptr_array_index (parts, 0);
  if (g_ascii_strcasecmp (name, "APOP") != 0 && !pochta_sasl_mechanism_from_string (name, &mechanism))
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                 "unknown mechanism '%s' (known: PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5, APOP)", name);
  action->mechanism = g_ascii_strup (name, -1);
  action->login = g_strdup (g_ptr_array_index (parts, 1));
  if (pochta_directory_find_login (pochta_network_get_directory (loader->network), action->login) == NULL)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_REFERENCE, "no user %s on network %s",
                 action->login, pochta_network_get_id (loader->network));
  if (!loader->has_connection)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_MISSING,
                 "Respond= needs a connection: open one with Connection= in this or an earlier step");
  return TRUE;
}

static gboolean
parse_send (Loader *loader, PochtaScenarioAction *action, GError **error)
{
  if (!loader->has_connection)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_MISSING,
                 "Send= needs a connection: open one with Connection= in this or an earlier step");
  /* RFC 5321 §2.3.8: CRLF alone ends a line; the runner adds it. */
  if (strpbrk (action->text, "\r\n") != NULL)
    return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                 "a Send= line cannot hold CR or LF: write one Send= per line");
  return TRUE;
}

/* The words after the verb, split as a shell would. */
static GStrv
split_words (Loader *loader, guint line, const char *verb, const char *args, GError **error)
{
  g_autofree char *command = g_strconcat (verb, " ", args, NULL);
  g_autoptr (GError) shell_error = NULL;
  GStrv argv = NULL;
  if (!g_shell_parse_argv (command, NULL, &argv, &shell_error))
    pochta_scenario_loader_fail (loader, line, error, POCHTA_SCENARIO_ERROR_VALUE, "%s: %s", verb, shell_error->message);
  return argv;
}

static gboolean
parse_simple (Loader *loader, PochtaScenarioAction *action, const char *verb, const char *args, GError **error)
{
  g_auto (GStrv) argv = split_words (loader, action->line, verb, args, error);
  if (argv == NULL)
    return FALSE;
  switch (action->kind)
    {
    case POCHTA_ACTION_SUBMIT:
      return parse_submit (loader, action, argv, error);
    case POCHTA_ACTION_FETCH:
      return parse_fetch (loader, action, argv, error);
    case POCHTA_ACTION_FAULT:
      return parse_fault (loader, action, argv, error);
    case POCHTA_ACTION_RELAY_HOST:
      return parse_relay_host (loader, action, argv, error);
    case POCHTA_ACTION_WAIT:
      if (g_strv_length (argv) != 2 || !pochta_scenario_parse_duration (argv[1], &action->duration))
        return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE,
                     "bad duration '%s' (e.g. 500ms, 5s, 30m, 2h, 1d, or a sum like 1h30m, up to 366d)",
                     argv[1] != NULL ? args : "");
      return TRUE;
    case POCHTA_ACTION_RUN:
    case POCHTA_ACTION_CLOSE:
      if (argv[1] != NULL)
        return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_VALUE, "%s takes no arguments", verb);
      if (action->kind == POCHTA_ACTION_CLOSE && !loader->has_connection)
        return pochta_scenario_loader_fail (loader, action->line, error, POCHTA_SCENARIO_ERROR_MISSING,
                     "close needs a connection opened in this or an earlier step");
      return TRUE;
    case POCHTA_ACTION_CONNECT:
    case POCHTA_ACTION_SEND:
    case POCHTA_ACTION_RESPOND:
    default:
      g_assert_not_reached ();
    }
}

static const struct
{
  const char *verb;
  PochtaActionKind kind;
} verbs[] = {
  { "submit", POCHTA_ACTION_SUBMIT },
  { "fetch", POCHTA_ACTION_FETCH },
  { "connect", POCHTA_ACTION_CONNECT },
  { "send", POCHTA_ACTION_SEND },
  { "respond", POCHTA_ACTION_RESPOND },
  { "close", POCHTA_ACTION_CLOSE },
  { "fault", POCHTA_ACTION_FAULT },
  { "relay-host", POCHTA_ACTION_RELAY_HOST },
  { "wait", POCHTA_ACTION_WAIT },
  { "run", POCHTA_ACTION_RUN },
};

/* One Do= (or Connection=, Send=, Respond=) value. */
PochtaScenarioAction *
pochta_scenario_loader_parse_action (Loader *loader, const char *key, const char *value, guint line, GError **error)
{
  g_autofree char *verb = NULL;
  const char *args;

  if (strcmp (key, "Do") == 0)
    {
      const char *p = value;
      while (*p == ' ' || *p == '\t')
        p++;
      const char *end = p + strcspn (p, " \t");
      verb = g_strndup (p, (gsize) (end - p));
      args = end + strspn (end, " \t");
    }
  else
    {
      /* Connection=, Send= and Respond= are Do= lines with their verb in
       * the key. */
      verb = g_strdup (strcmp (key, "Connection") == 0 ? "connect" : strcmp (key, "Send") == 0 ? "send" : "respond");
      args = value;
    }

  gsize i;
  for (i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (strcmp (verb, verbs[i].verb) == 0)
      break;
  if (i == G_N_ELEMENTS (verbs))
    {
      pochta_scenario_loader_fail (loader, line, error, POCHTA_SCENARIO_ERROR_UNKNOWN,
            "unknown action '%s' (known: submit, fetch, connect, send, respond, close, fault, relay-host, wait, "
            "run)", verb);
      return NULL;
    }

  /* A Send= line goes on the wire exactly as written. */
  PochtaScenarioAction *action = action_new (verbs[i].kind, line, verbs[i].kind == POCHTA_ACTION_SEND ? args : value);
  gboolean ok;
  switch (action->kind)
    {
    case POCHTA_ACTION_CONNECT:
      ok = parse_connect (loader, action, args, error);
      break;
    case POCHTA_ACTION_SEND:
      ok = parse_send (loader, action, error);
      break;
    case POCHTA_ACTION_RESPOND:
      ok = parse_respond (loader, action, args, error);
      break;
    default:
      ok = parse_simple (loader, action, verb, args, error);
      break;
    }
  if (!ok)
    g_clear_pointer (&action, pochta_scenario_action_free);
  return action;
}
