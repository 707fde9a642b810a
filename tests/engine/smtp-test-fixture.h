/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP server under test with a small policy for the constr-org users
 * (constr-org.md), which records what it delivers; shared by
 * test-smtp-server.c and test-smtp-transcripts.c, with the
 * PochtaSessionOps that session-harness.c drives. */
#pragma once

#include <string.h>

#include "session-harness.h"
#include "smtp-server.h"

typedef struct
{
  const char *login;
  const char *full_name;
  const char *password;
  const char *host;
} TestUser;

static const TestUser test_users[] = {
  { "Ivanov", "Ivan Ivanov", "ivanov123", "comp1.otd1.constr.org" },
  { "Sidorov", "Sergei Sidorov", "sidorov123", "comp2.otd1.constr.org" },
  { "Petrov", "Ivan Petrov", "petrov123", "comp3.otd2.constr.org" },
  { "Kuznetsova", "Olga Kuznetsova", "kuznetsova123", "comp3.otd2.constr.org" },
  { "Smirnov", "Alexei Smirnov", "smirnov123", "comp4.otd2.constr.org" },
};

typedef enum
{
  VRFY_BY_LOGIN,     /* the host's users by login or mailbox */
  VRFY_AMBIGUOUS,    /* every query matches two users */
  VRFY_NO_POLICY,    /* verify == NULL */
} VrfyMode;

/* What a row of a test sets up; zero means the default in the comment. */
typedef struct
{
  PochtaSmtpProfile profile;     /* SEED unless set */
  const char *hostname;          /* comp3.otd2.constr.org */
  guint32 seed;                  /* the generator's */
  gint64 time_usec;              /* the generator's clock */
  int utc_offset;                /* minutes */
  const char *client_address;    /* 192.0.2.11 */
  const char *client_hostname;   /* NULL */
  gboolean reject_connection;
  gboolean report_data_lines;
  const PochtaSmtpLimits *limits;
  VrfyMode vrfy;
  gboolean no_policy;            /* a NULL policy altogether */
  PochtaSmtpDeliverVerdict deliver_verdict;
  const char *deliver_id;        /* out_id the policy returns, or NULL */
  const char *const *active_users;  /* logged-in mailboxes for SEND/SOML */
  /* Fed right after the greeting; its replies are discarded. */
  const char *setup;
  /* Authenticate with this mechanism after setup (PLAIN or CRAM-MD5). */
  const char *login_mechanism;
} SmtpFixtureConfig;

typedef struct
{
  char *reverse_path;
  GPtrArray *recipients;     /* of char* */
  GBytes *message;
  char *envid;
  char *auth;
  PochtaDsnRet ret;
  gboolean body_8bitmime;
  PochtaSmtpMailVerb verb;
} Delivered;

typedef struct
{
  SmtpFixtureConfig config;
  PochtaGenerator *generator;
  PochtaSmtpServer *server;
  GPtrArray *delivered;      /* of Delivered* */
  GPtrArray *events;         /* of PochtaEvent*, since setup ended */
} SmtpFixture;

static void
delivered_free (gpointer data)
{
  Delivered *delivered = data;

  g_free (delivered->reverse_path);
  g_ptr_array_unref (delivered->recipients);
  g_bytes_unref (delivered->message);
  g_free (delivered->envid);
  g_free (delivered->auth);
  g_free (delivered);
}

static void
event_free (gpointer data)
{
  pochta_event_clear (data);
  g_free (data);
}

static const char *
fixture_hostname (SmtpFixture *fixture)
{
  return fixture->config.hostname != NULL ? fixture->config.hostname : "comp3.otd2.constr.org";
}

static const TestUser *
find_login (const char *login)
{
  for (guint i = 0; i < G_N_ELEMENTS (test_users); i++)
    if (g_ascii_strcasecmp (test_users[i].login, login) == 0)
      return &test_users[i];
  return NULL;
}

/* A user of this host by "Login" or "Login@host", any case. */
static const TestUser *
find_local_user (SmtpFixture *fixture, const char *query)
{
  g_autofree char *login = g_strdup (query);
  char *at = strrchr (login, '@');

  if (at != NULL)
    {
      if (g_ascii_strcasecmp (at + 1, fixture_hostname (fixture)) != 0)
        return NULL;
      *at = '\0';
    }
  const TestUser *user = find_login (login);
  return user != NULL && strcmp (user->host, fixture_hostname (fixture)) == 0 ? user : NULL;
}

static PochtaSmtpRcptVerdict
policy_check_recipient (const PochtaSmtpEnvelope *envelope, const char *mailbox,
                        char **out_text, gpointer user_data)
{
  SmtpFixture *fixture = user_data;
  const char *at = strrchr (mailbox, '@');

  if (at == NULL || g_ascii_strcasecmp (at + 1, fixture_hostname (fixture)) != 0)
    return envelope->authenticated_as != NULL ? POCHTA_SMTP_RCPT_OK : POCHTA_SMTP_RCPT_RELAY_DENIED;
  if (g_ascii_strncasecmp (mailbox, "postmaster@", 11) == 0)
    return POCHTA_SMTP_RCPT_OK;
  return find_local_user (fixture, mailbox) != NULL ? POCHTA_SMTP_RCPT_OK : POCHTA_SMTP_RCPT_NO_SUCH_USER;
}

static char *
format_user (const TestUser *user)
{
  return g_strdup_printf ("%s <%s@%s>", user->full_name, user->login, user->host);
}

static PochtaSmtpVrfyVerdict
policy_verify (const char *query, GPtrArray *out_matches, gpointer user_data)
{
  SmtpFixture *fixture = user_data;

  if (fixture->config.vrfy == VRFY_AMBIGUOUS)
    {
      g_ptr_array_add (out_matches, format_user (&test_users[2]));
      g_ptr_array_add (out_matches, format_user (&test_users[0]));
      return POCHTA_SMTP_VRFY_AMBIGUOUS;
    }
  const TestUser *user = find_local_user (fixture, query);
  if (user == NULL)
    return POCHTA_SMTP_VRFY_UNKNOWN;
  g_ptr_array_add (out_matches, format_user (user));
  return POCHTA_SMTP_VRFY_FOUND;
}

static gboolean
policy_expand (const char *list, GPtrArray *out_members, gpointer user_data)
{
  SmtpFixture *fixture = user_data;

  if (g_ascii_strcasecmp (list, "otd2") != 0 || strcmp (fixture_hostname (fixture), "comp4.otd2.constr.org") != 0)
    return FALSE;
  g_ptr_array_add (out_members, format_user (&test_users[2]));
  g_ptr_array_add (out_members, format_user (&test_users[3]));
  g_ptr_array_add (out_members, format_user (&test_users[4]));
  return TRUE;
}

static char *
policy_get_secret (const char *login, gpointer user_data)
{
  const TestUser *user = find_login (login);
  return user != NULL ? g_strdup (user->password) : NULL;
}

static PochtaSmtpDeliverVerdict
policy_deliver (const PochtaSmtpEnvelope *envelope, GBytes *message, char **out_id, gpointer user_data)
{
  SmtpFixture *fixture = user_data;
  Delivered *delivered = g_new0 (Delivered, 1);

  delivered->reverse_path = g_strdup (envelope->reverse_path);
  delivered->recipients = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < envelope->recipients->len; i++)
    {
      const PochtaSmtpRecipient *recipient = g_ptr_array_index (envelope->recipients, i);
      g_ptr_array_add (delivered->recipients, g_strdup (recipient->mailbox));
    }
  delivered->message = g_bytes_ref (message);
  delivered->envid = g_strdup (envelope->envid);
  delivered->auth = g_strdup (envelope->auth);
  delivered->ret = envelope->ret;
  delivered->body_8bitmime = envelope->body_8bitmime;
  delivered->verb = envelope->verb;
  if (fixture->config.deliver_verdict == POCHTA_SMTP_DELIVER_OK)
    g_ptr_array_add (fixture->delivered, delivered);
  else
    delivered_free (delivered);
  if (fixture->config.deliver_id != NULL)
    *out_id = g_strdup (fixture->config.deliver_id);
  return fixture->config.deliver_verdict;
}

/* RFC 1985: otd1 has two messages waiting on this relay, otd2 none, the
 * enterprise domain may be flushed with "@"; everything else is not ours. */
static PochtaSmtpEtrnVerdict
policy_etrn (const char *node, guint *out_count, gpointer user_data)
{
  if (g_ascii_strcasecmp (node, "otd1.constr.org") == 0)
    {
      *out_count = 2;
      return POCHTA_SMTP_ETRN_PENDING;
    }
  if (g_ascii_strcasecmp (node, "otd2.constr.org") == 0)
    return POCHTA_SMTP_ETRN_NONE_WAITING;
  if (g_ascii_strcasecmp (node, "@constr.org") == 0)
    return POCHTA_SMTP_ETRN_STARTED;
  if (node[0] == '#')
    return POCHTA_SMTP_ETRN_UNABLE;
  return POCHTA_SMTP_ETRN_NOT_ALLOWED;
}

static gboolean
policy_user_is_active (const char *mailbox, gpointer user_data)
{
  SmtpFixture *fixture = user_data;

  for (guint i = 0; fixture->config.active_users != NULL && fixture->config.active_users[i] != NULL; i++)
    if (g_ascii_strcasecmp (fixture->config.active_users[i], mailbox) == 0)
      return TRUE;
  return FALSE;
}

static void
fixture_pull_events (SmtpFixture *fixture)
{
  PochtaEvent event;

  while (pochta_smtp_server_next_event (fixture->server, &event))
    g_ptr_array_add (fixture->events, g_memdup2 (&event, sizeof event));
}

static gssize
fixture_feed (gpointer session, const guint8 *data, gsize len)
{
  SmtpFixture *fixture = session;
  gssize used = pochta_smtp_server_feed (fixture->server, data, len);

  fixture_pull_events (fixture);
  return used;
}

static void
fixture_feed_eof (gpointer session)
{
  SmtpFixture *fixture = session;

  pochta_smtp_server_feed_eof (fixture->server);
  fixture_pull_events (fixture);
}

static gsize
fixture_peek_output (gpointer session, const guint8 **out_data)
{
  return pochta_smtp_server_peek_output (((SmtpFixture *) session)->server, out_data);
}

static void
fixture_consume_output (gpointer session, gsize n_bytes)
{
  pochta_smtp_server_consume_output (((SmtpFixture *) session)->server, n_bytes);
}

/* Everything the server wrote so far, consumed. */
static char *
fixture_take_output (SmtpFixture *fixture)
{
  const guint8 *data;
  gsize len = pochta_smtp_server_peek_output (fixture->server, &data);
  char *text = g_strndup ((const char *) data, len);

  pochta_smtp_server_consume_output (fixture->server, len);
  return text;
}

static void
fixture_send (SmtpFixture *fixture, const char *text)
{
  gssize used = fixture_feed (fixture, (const guint8 *) text, strlen (text));
  g_assert_cmpint (used, ==, (gssize) strlen (text));
}

/* The base64 text of the last "334 " line in output. */
static char *
last_challenge (const char *output)
{
  const char *line = g_strrstr (output, "334 ");
  g_assert_nonnull (line);
  const char *end = strstr (line, "\r\n");
  g_assert_nonnull (end);
  return g_strndup (line + 4, (gsize) (end - line - 4));
}

/* The CRAM-MD5 response of login to a 334 challenge (RFC 2195 §2). */
static char *
cram_md5_response (const char *challenge_base64, const char *login, const char *password)
{
  gsize len;
  g_autofree guchar *challenge = g_base64_decode (challenge_base64, &len);
  g_autofree char *digest = pochta_sasl_cram_md5_digest (password, (const char *) challenge, len);
  g_autofree char *response = g_strdup_printf ("%s %s", login, digest);
  return g_base64_encode ((const guchar *) response, strlen (response));
}

static void
fixture_login (SmtpFixture *fixture, const char *mechanism)
{
  if (g_strcmp0 (mechanism, "PLAIN") == 0)
    {
      fixture_send (fixture, "AUTH PLAIN AEl2YW5vdgBpdmFub3YxMjM=\r\n");   /* \0Ivanov\0ivanov123 */
    }
  else
    {
      fixture_send (fixture, "AUTH CRAM-MD5\r\n");
      g_autofree char *output = fixture_take_output (fixture);
      g_autofree char *challenge = last_challenge (output);
      g_autofree char *response = cram_md5_response (challenge, "Ivanov", "ivanov123");
      g_autofree char *line = g_strconcat (response, "\r\n", NULL);
      fixture_send (fixture, line);
    }
  g_autofree char *output = fixture_take_output (fixture);
  g_assert_true (g_str_has_prefix (output, "235 "));
}

static gpointer
fixture_create (gpointer create_data)
{
  const SmtpFixtureConfig *config = create_data;
  SmtpFixture *fixture = g_new0 (SmtpFixture, 1);

  fixture->config = *config;
  fixture->generator = pochta_generator_new (config->seed, config->time_usec);
  pochta_generator_set_utc_offset (fixture->generator, config->utc_offset);
  fixture->delivered = g_ptr_array_new_with_free_func (delivered_free);
  fixture->events = g_ptr_array_new_with_free_func (event_free);

  PochtaSmtpPolicy policy = {
    .check_recipient = policy_check_recipient,
    .verify = config->vrfy == VRFY_NO_POLICY ? NULL : policy_verify,
    .expand = policy_expand,
    .get_secret = policy_get_secret,
    .deliver = policy_deliver,
    .etrn = policy_etrn,
    .user_is_active = policy_user_is_active,
    .user_data = fixture,
  };
  PochtaSmtpConfig server_config = {
    .hostname = fixture_hostname (fixture),
    .profile = config->profile,
    .limits = config->limits,
    .generator = fixture->generator,
    .client_address = config->client_address != NULL ? config->client_address : "192.0.2.11",
    .client_hostname = config->client_hostname,
    .reject_connection = config->reject_connection,
    .report_data_lines = config->report_data_lines,
  };
  fixture->server = pochta_smtp_server_new (&server_config, config->no_policy ? NULL : &policy);
  pochta_smtp_server_start (fixture->server);

  /* Setup replies are not the row's: drop them with the greeting (the
   * harness drops the greeting anyway) and the events so far. */
  if (config->setup != NULL || config->login_mechanism != NULL)
    {
      g_free (fixture_take_output (fixture));
      if (config->setup != NULL)
        fixture_send (fixture, config->setup);
      g_free (fixture_take_output (fixture));
      if (config->login_mechanism != NULL)
        fixture_login (fixture, config->login_mechanism);
      fixture_pull_events (fixture);
      g_ptr_array_set_size (fixture->events, 0);
    }
  fixture_pull_events (fixture);
  return fixture;
}

static void
fixture_destroy (gpointer session)
{
  SmtpFixture *fixture = session;

  pochta_smtp_server_free (fixture->server);
  pochta_generator_free (fixture->generator);
  g_ptr_array_unref (fixture->delivered);
  g_ptr_array_unref (fixture->events);
  g_free (fixture);
}

static const PochtaSessionOps smtp_fixture_ops = {
  .create = fixture_create,
  .destroy = fixture_destroy,
  .feed = fixture_feed,
  .feed_eof = fixture_feed_eof,
  .peek_output = fixture_peek_output,
  .consume_output = fixture_consume_output,
};

/* The number of events of a type since setup. */
G_GNUC_UNUSED static guint
fixture_count_events (SmtpFixture *fixture, PochtaEventType type)
{
  guint count = 0;

  for (guint i = 0; i < fixture->events->len; i++)
    if (((PochtaEvent *) g_ptr_array_index (fixture->events, i))->type == type)
      count++;
  return count;
}
