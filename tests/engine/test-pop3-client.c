/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the POP3 client session: against the POP3 server over an
 * in-memory wire (every login method, dot lines, DELE with QUIT and with
 * RSET, [IN-USE]), and against scripted servers that break the protocol. */
#define G_LOG_DOMAIN "pochta-test-pop3-client"
#include "config.h"

#include <string.h>

#include "pop3-client.h"
#include "pop3-test-world.h"

/* ---- the wire ---- */

typedef struct
{
  World *world;
  PochtaPop3Server *server;
  PochtaPop3Client *client;
  GString *wire;   /* "C: ..." and "S: ..." lines, for the assertions */
} Wire;

static void
log_bytes (GString *wire, const char *who, const guint8 *data, gsize len)
{
  g_autofree char *text = g_strndup ((const char *) data, len);
  g_auto (GStrv) lines = g_strsplit (text, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i + 1] != NULL || *lines[i] != '\0')
      g_string_append_printf (wire, "%s %s\n", who, lines[i]);
}

/* Moves bytes both ways, the server's in chunks of the given way, until
 * both sides are quiet; an end on one side becomes end of input on the
 * other. */
static void
wire_run (Wire *wire, PochtaFeedMode mode)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (4242);
  gboolean progress = TRUE;

  while (progress)
    {
      const guint8 *data;
      gsize len;

      progress = FALSE;
      len = pochta_pop3_client_peek_output (wire->client, &data);
      if (len > 0)
        {
          /* The bytes leave the client before the server can answer them. */
          g_autofree guint8 *copy = g_memdup2 (data, len);
          pochta_pop3_client_consume_output (wire->client, len);
          log_bytes (wire->wire, "C:", copy, len);
          if (pochta_pop3_server_get_state (wire->server) != POCHTA_POP3_STATE_CLOSED)
            pochta_pop3_server_feed (wire->server, copy, len);
          progress = TRUE;
        }

      len = pochta_pop3_server_peek_output (wire->server, &data);
      if (len > 0)
        {
          g_autofree guint8 *copy = g_memdup2 (data, len);
          pochta_pop3_server_consume_output (wire->server, len);
          log_bytes (wire->wire, "S:", copy, len);
          for (gsize pos = 0; pos < len && !pochta_pop3_client_is_done (wire->client);)
            {
              gsize chunk = len - pos;
              if (mode == POCHTA_FEED_BYTEWISE)
                chunk = 1;
              else if (mode == POCHTA_FEED_RANDOM)
                {
                  /* MIN () evaluates its arguments twice. */
                  gsize random = (gsize) g_rand_int_range (rand, 1, 40);
                  chunk = MIN (chunk, random);
                }
              gssize n = pochta_pop3_client_feed (wire->client, copy + pos, chunk);
              g_assert_cmpint (n, ==, (gssize) chunk);
              pos += chunk;
            }
          progress = TRUE;
        }
    }

  if (pochta_pop3_server_get_state (wire->server) == POCHTA_POP3_STATE_CLOSED)
    pochta_pop3_client_feed_eof (wire->client);
  if (pochta_pop3_client_is_done (wire->client))
    pochta_pop3_server_feed_eof (wire->server);
}

static Wire *
wire_new (World *world, const PochtaPop3Config *server_config, const PochtaPop3ClientConfig *client_config)
{
  Wire *wire = g_new0 (Wire, 1);

  wire->world = world;
  wire->server = world_server_new (world, server_config);
  wire->client = pochta_pop3_client_new (client_config);
  wire->wire = g_string_new (NULL);
  return wire;
}

static void
wire_free (Wire *wire)
{
  pochta_pop3_client_free (wire->client);
  pochta_pop3_server_free (wire->server);
  g_string_free (wire->wire, TRUE);
  g_free (wire);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Wire, wire_free)

static PochtaPop3ClientConfig
mrose_config (World *world)
{
  PochtaPop3ClientConfig config = {
    .server_hostname = "dbc.mtview.ca.us",
    .generator = world->generator,
    .login = "mrose",
    .password = "tanstaaf",
  };
  return config;
}

static PochtaPop3Config
server_config (World *world)
{
  PochtaPop3Config config = { .hostname = "dbc.mtview.ca.us", .generator = world->generator };
  return config;
}

/* The MESSAGE events: "<number> <uid-or-number> <bytes>" per message. */
static GPtrArray *
collect_messages (PochtaPop3Client *client, GString *other_events)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  PochtaEvent event = { 0 };

  while (pochta_pop3_client_next_event (client, &event))
    {
      if (event.type == POCHTA_EVENT_MESSAGE)
        g_ptr_array_add (messages, g_bytes_ref (event.bytes));
      else if (other_events != NULL && event.type != POCHTA_EVENT_LINE_SENT
               && event.type != POCHTA_EVENT_LINE_RECEIVED && event.type != POCHTA_EVENT_STATE_CHANGED)
        g_string_append_printf (other_events, "%s %s\n", pochta_event_type_to_string (event.type), event.text);
      pochta_event_clear (&event);
    }
  return messages;
}

static void
assert_bytes_equal (GBytes *bytes, const char *expected)
{
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected, strlen (expected));
}

/* The whole session with every login method picked by AUTO or forced:
 * the client logs in, lists, retrieves both messages unstuffed and quits. */
typedef struct
{
  const char *path;
  gboolean disable_apop;
  gboolean disable_sasl;
  guint server_mechanisms;
  PochtaPop3LoginMethod method;
  gboolean force_mechanism;
  PochtaSaslMechanism mechanism;
  PochtaPop3LoginMethod expected_method;
  PochtaSaslMechanism expected_mechanism;  /* when SASL */
  const char *expected_login_line;          /* prefix of the first command after CAPA */
} LoginRow;

static const LoginRow login_rows[] = {
  { "auto/apop", FALSE, FALSE, 0, POCHTA_POP3_LOGIN_AUTO, FALSE, 0, POCHTA_POP3_LOGIN_APOP, 0, "C: APOP mrose " },
  { "auto/strongest-sasl", TRUE, FALSE, 0, POCHTA_POP3_LOGIN_AUTO, FALSE, 0, POCHTA_POP3_LOGIN_SASL,
    POCHTA_SASL_CRAM_MD5, "C: AUTH CRAM-MD5\n" },
  { "auto/digest-md5-when-no-cram", TRUE, FALSE, 1u << POCHTA_SASL_DIGEST_MD5 | 1u << POCHTA_SASL_PLAIN,
    POCHTA_POP3_LOGIN_AUTO, FALSE, 0, POCHTA_POP3_LOGIN_SASL, POCHTA_SASL_DIGEST_MD5, "C: AUTH DIGEST-MD5\n" },
  { "auto/plain-when-no-md5", TRUE, FALSE, 1u << POCHTA_SASL_PLAIN | 1u << POCHTA_SASL_LOGIN,
    POCHTA_POP3_LOGIN_AUTO, FALSE, 0, POCHTA_POP3_LOGIN_SASL, POCHTA_SASL_PLAIN, "C: AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\n" },
  { "auto/login-only", TRUE, FALSE, 1u << POCHTA_SASL_LOGIN, POCHTA_POP3_LOGIN_AUTO, FALSE, 0,
    POCHTA_POP3_LOGIN_SASL, POCHTA_SASL_LOGIN, "C: AUTH LOGIN\n" },
  { "auto/user-pass", TRUE, TRUE, 0, POCHTA_POP3_LOGIN_AUTO, FALSE, 0, POCHTA_POP3_LOGIN_USER, 0,
    "C: USER mrose\nS: +OK send PASS\nC: PASS tanstaaf\n" },
  { "forced/user-pass", FALSE, FALSE, 0, POCHTA_POP3_LOGIN_USER, FALSE, 0, POCHTA_POP3_LOGIN_USER, 0,
    "C: USER mrose\n" },
  { "forced/sasl-strongest", FALSE, FALSE, 0, POCHTA_POP3_LOGIN_SASL, FALSE, 0, POCHTA_POP3_LOGIN_SASL,
    POCHTA_SASL_CRAM_MD5, "C: AUTH CRAM-MD5\n" },
  { "forced/digest-md5", FALSE, FALSE, 0, POCHTA_POP3_LOGIN_SASL, TRUE, POCHTA_SASL_DIGEST_MD5,
    POCHTA_POP3_LOGIN_SASL, POCHTA_SASL_DIGEST_MD5, "C: AUTH DIGEST-MD5\n" },
  { "forced/plain", FALSE, FALSE, 0, POCHTA_POP3_LOGIN_SASL, TRUE, POCHTA_SASL_PLAIN,
    POCHTA_POP3_LOGIN_SASL, POCHTA_SASL_PLAIN, "C: AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\n" },
  { "forced/login", FALSE, FALSE, 0, POCHTA_POP3_LOGIN_SASL, TRUE, POCHTA_SASL_LOGIN,
    POCHTA_POP3_LOGIN_SASL, POCHTA_SASL_LOGIN, "C: AUTH LOGIN\n" },
  { "forced/apop", TRUE, TRUE, 0, POCHTA_POP3_LOGIN_APOP, FALSE, 0, POCHTA_POP3_LOGIN_APOP, 0, NULL },
};

static void
run_login_row (gconstpointer data)
{
  const LoginRow *row = data;

  for (PochtaFeedMode mode = 0; mode < POCHTA_FEED_N_MODES; mode++)
    {
      g_autoptr (World) world = world_new (1);
      PochtaPop3Config server = server_config (world);
      server.disable_apop = row->disable_apop;
      server.disable_sasl = row->disable_sasl;
      server.sasl_mechanisms = row->server_mechanisms;
      PochtaPop3ClientConfig client = mrose_config (world);
      client.method = row->method;
      client.force_mechanism = row->force_mechanism;
      client.mechanism = row->mechanism;
      g_autoptr (Wire) wire = wire_new (world, &server, &client);

      g_test_message ("server bytes fed %s", pochta_feed_mode_to_string (mode));
      wire_run (wire, mode);
      g_test_message ("%s", wire->wire->str);

      g_autoptr (GString) other = g_string_new (NULL);
      g_autoptr (GPtrArray) messages = collect_messages (wire->client, other);
      g_assert_cmpint (pochta_pop3_client_get_login_method (wire->client), ==, row->expected_method);

      if (row->expected_login_line == NULL)
        {
          /* Forced APOP against a greeting without a timestamp. */
          g_assert_false (pochta_pop3_client_succeeded (wire->client));
          g_assert_cmpstr (pochta_pop3_client_get_error (wire->client), ==,
                           "the server's greeting has no APOP timestamp");
          g_assert_true (g_str_has_suffix (wire->wire->str, "C: QUIT\nS: +OK dbc.mtview.ca.us POP3 server signing off\n"));
          g_assert_cmpuint (messages->len, ==, 0);
          continue;
        }

      if (row->expected_method == POCHTA_POP3_LOGIN_SASL)
        g_assert_cmpint (pochta_pop3_client_get_mechanism (wire->client), ==, row->expected_mechanism);
      g_autofree char *after_capa = g_strconcat ("S: .\n", row->expected_login_line, NULL);
      g_assert_nonnull (strstr (wire->wire->str, after_capa));
      g_assert_nonnull (strstr (wire->wire->str, "S: +OK mrose's maildrop has 2 messages (320 octets)\n"
                                                 "C: STAT\nS: +OK 2 320\nC: LIST\n"));

      g_assert_null (pochta_pop3_client_get_error (wire->client));
      g_assert_true (pochta_pop3_client_succeeded (wire->client));
      g_assert_cmpstr (other->str, ==, "authenticated mrose\nclosed QUIT\n");
      g_assert_cmpuint (messages->len, ==, 2);
      assert_bytes_equal (g_ptr_array_index (messages, 0), MESSAGE_1);
      assert_bytes_equal (g_ptr_array_index (messages, 1), MESSAGE_2);
      g_assert_cmpint (pochta_pop3_server_get_state (wire->server), ==, POCHTA_POP3_STATE_CLOSED);
      g_assert_cmpuint (world_count (world, "mrose"), ==, 2);
    }
}

/* The capabilities, sizes and uids the client learnt. */
static void
test_what_the_client_learns (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config server = server_config (world);
  PochtaPop3ClientConfig client = mrose_config (world);
  g_autoptr (Wire) wire = wire_new (world, &server, &client);
  g_autoptr (GPtrArray) stored = pochta_mail_store_list (world->store, "mrose", NULL);

  wire_run (wire, POCHTA_FEED_WHOLE);
  g_auto (GStrv) capabilities = pochta_pop3_client_dup_capabilities (wire->client);
  g_assert_cmpstrv (capabilities, ((const char *const[]) { "TOP", "UIDL", "USER", "SASL PLAIN LOGIN CRAM-MD5 DIGEST-MD5",
                                                           "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                                                           "IMPLEMENTATION Pochta", NULL }));
  g_assert_cmpuint (pochta_pop3_client_get_n_messages (wire->client), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const PochtaPop3ClientMessage *message = pochta_pop3_client_get_message (wire->client, i);
      g_assert_cmpuint (message->number, ==, i + 1);
      g_assert_cmpuint (message->size, ==, i == 0 ? 120 : 200);
      g_assert_cmpuint (g_bytes_get_size (message->content), ==, message->size);
      g_assert_cmpstr (message->uid, ==, pochta_stored_message_get_uid (g_ptr_array_index (stored, i)));
      g_assert_false (message->deleted);
      g_assert_false (message->skipped);
      g_assert_null (message->error);
    }

  /* The MESSAGE event carries the uid as text and the number as code. */
  PochtaEvent event = { 0 };
  guint seen = 0;
  while (pochta_pop3_client_next_event (wire->client, &event))
    {
      if (event.type == POCHTA_EVENT_MESSAGE)
        {
          seen++;
          g_assert_cmpuint (event.code, ==, seen);
          g_assert_cmpstr (event.text, ==, pochta_pop3_client_get_message (wire->client, seen - 1)->uid);
        }
      pochta_event_clear (&event);
    }
  g_assert_cmpuint (seen, ==, 2);
}

/* RFC 1939 §3: lines that begin with a dot arrive unstuffed, a lone "."
 * line inside the message is not its end. */
static void
test_dot_lines (void)
{
  static const char dotty[] = "Subject: dots\r\n\r\n.\r\n..\r\n...\r\n.x\r\n. \r\nend\r\n.\r\n";
  g_autoptr (World) world = world_new_empty (1, NULL);
  world_add_user (world, "mrose", "tanstaaf", "mrose");
  world_deliver (world, "mrose", dotty, strlen (dotty));
  PochtaPop3Config server = server_config (world);
  PochtaPop3ClientConfig client = mrose_config (world);
  client.report_data_lines = TRUE;
  g_autoptr (Wire) wire = wire_new (world, &server, &client);

  wire_run (wire, POCHTA_FEED_BYTEWISE);
  g_assert_nonnull (strstr (wire->wire->str, "S: ..\nS: ...\nS: ....\nS: ..x\nS: .. \nS: end\nS: ..\nS: .\n"));
  g_autoptr (GPtrArray) messages = collect_messages (wire->client, NULL);
  g_assert_cmpuint (messages->len, ==, 1);
  assert_bytes_equal (g_ptr_array_index (messages, 0), dotty);
}

/* DELE + QUIT removes for good; DELE + RSET + QUIT does not (RFC 1939 §5,
 * §6). */
static void
test_dele_quit_persists (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config server = server_config (world);
  PochtaPop3ClientConfig client = mrose_config (world);
  client.delete_retrieved = TRUE;

  {
    g_autoptr (Wire) wire = wire_new (world, &server, &client);
    wire_run (wire, POCHTA_FEED_RANDOM);
    g_assert_true (pochta_pop3_client_succeeded (wire->client));
    g_assert_true (pochta_pop3_client_get_message (wire->client, 0)->deleted);
    g_assert_true (pochta_pop3_client_get_message (wire->client, 1)->deleted);
    g_assert_true (g_str_has_suffix (wire->wire->str,
                                     "C: DELE 2\nS: +OK message 2 deleted\n"
                                     "C: QUIT\nS: +OK dbc.mtview.ca.us POP3 server signing off (maildrop empty)\n"));
  }
  g_assert_cmpuint (world_count (world, "mrose"), ==, 0);

  /* The next session finds the maildrop empty: STAT 0, no LIST. */
  client.delete_retrieved = FALSE;
  g_autoptr (Wire) next = wire_new (world, &server, &client);
  wire_run (next, POCHTA_FEED_WHOLE);
  g_assert_true (pochta_pop3_client_succeeded (next->client));
  g_assert_cmpuint (pochta_pop3_client_get_n_messages (next->client), ==, 0);
  g_assert_true (g_str_has_suffix (next->wire->str, "C: STAT\nS: +OK 0 0\nC: QUIT\n"
                                                   "S: +OK dbc.mtview.ca.us POP3 server signing off (maildrop empty)\n"));
}

static void
test_dele_rset_does_not (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config server = server_config (world);
  PochtaPop3ClientConfig client = mrose_config (world);
  client.delete_retrieved = TRUE;
  client.reset_before_quit = TRUE;
  g_autoptr (Wire) wire = wire_new (world, &server, &client);

  wire_run (wire, POCHTA_FEED_WHOLE);
  g_assert_true (pochta_pop3_client_succeeded (wire->client));
  g_assert_true (g_str_has_suffix (wire->wire->str,
                                   "C: DELE 2\nS: +OK message 2 deleted\n"
                                   "C: RSET\nS: +OK maildrop has 2 messages (320 octets)\n"
                                   "C: QUIT\nS: +OK dbc.mtview.ca.us POP3 server signing off (2 messages left)\n"));
  g_assert_cmpuint (world_count (world, "mrose"), ==, 2);
}

/* RFC 2449 §8.1.2: a maildrop in use refuses the login. */
static void
test_in_use (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config server = server_config (world);
  PochtaPop3ClientConfig client = mrose_config (world);
  g_autoptr (Wire) holder = wire_new (world, &server, &client);
  g_autoptr (Wire) wire = wire_new (world, &server, &client);

  /* The first session logs in and stops before STAT's answer arrives. */
  const guint8 *data;
  g_autofree char *digest = pochta_apop_digest (pochta_pop3_server_get_timestamp (holder->server), "tanstaaf");
  g_autofree char *apop = g_strdup_printf ("APOP mrose %s\r\n", digest);
  g_autofree char *answer = server_send (holder->server, apop);
  g_assert_true (g_str_has_suffix (answer, RFC1939_LOGGED_IN));
  g_assert_true (pochta_mail_store_is_locked (world->store, "mrose"));

  wire_run (wire, POCHTA_FEED_WHOLE);
  g_assert_false (pochta_pop3_client_succeeded (wire->client));
  g_assert_cmpstr (pochta_pop3_client_get_error (wire->client), ==,
                   "login refused: -ERR [IN-USE] unable to lock maildrop: it is in use");
  g_assert_true (g_str_has_suffix (wire->wire->str, "C: QUIT\nS: +OK dbc.mtview.ca.us POP3 server signing off\n"));
  g_assert_cmpuint (pochta_pop3_client_peek_output (wire->client, &data), ==, 0);
  g_assert_cmpuint (world_count (world, "mrose"), ==, 2);
}

/* Wrong credentials: the error names the server's answer, then QUIT. */
static void
test_login_refused (gconstpointer data)
{
  PochtaPop3LoginMethod method = GPOINTER_TO_INT (data);
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config server = server_config (world);
  PochtaPop3ClientConfig client = mrose_config (world);
  client.password = "wrong";
  client.method = method;
  g_autoptr (Wire) wire = wire_new (world, &server, &client);

  wire_run (wire, POCHTA_FEED_WHOLE);
  g_assert_false (pochta_pop3_client_succeeded (wire->client));
  g_assert_true (pochta_pop3_client_is_done (wire->client));
  const char *expected = method == POCHTA_POP3_LOGIN_APOP ? "login refused: -ERR [AUTH] permission denied"
                         : method == POCHTA_POP3_LOGIN_USER ? "login refused: -ERR [AUTH] invalid user name or password"
                                                            : "login refused: -ERR [AUTH] authentication failed";
  g_assert_cmpstr (pochta_pop3_client_get_error (wire->client), ==, expected);
  g_assert_true (g_str_has_suffix (wire->wire->str, "C: QUIT\nS: +OK dbc.mtview.ca.us POP3 server signing off\n"));

  g_autoptr (GString) other = g_string_new (NULL);
  g_autoptr (GPtrArray) messages = collect_messages (wire->client, other);
  g_autofree char *events = g_strdup_printf ("error %s\nclosed QUIT\n", expected);
  g_assert_cmpuint (messages->len, ==, 0);
  g_assert_cmpstr (other->str, ==, events);
}

/* known_uids: messages already fetched stay on the server untouched. */
static void
test_known_uids (void)
{
  g_autoptr (World) world = world_new (1);
  g_autoptr (GPtrArray) stored = pochta_mail_store_list (world->store, "mrose", NULL);
  const char *known[] = { pochta_stored_message_get_uid (g_ptr_array_index (stored, 0)), "not-there", NULL };
  PochtaPop3Config server = server_config (world);
  PochtaPop3ClientConfig client = mrose_config (world);
  client.known_uids = known;
  client.delete_retrieved = TRUE;
  g_autoptr (Wire) wire = wire_new (world, &server, &client);

  wire_run (wire, POCHTA_FEED_WHOLE);
  g_assert_true (pochta_pop3_client_succeeded (wire->client));
  g_assert_true (pochta_pop3_client_get_message (wire->client, 0)->skipped);
  g_assert_null (pochta_pop3_client_get_message (wire->client, 0)->content);
  g_assert_false (pochta_pop3_client_get_message (wire->client, 0)->deleted);
  g_assert_null (strstr (wire->wire->str, "RETR 1"));
  g_assert_nonnull (strstr (wire->wire->str, "C: RETR 2\n"));
  g_autoptr (GPtrArray) left = pochta_mail_store_list (world->store, "mrose", NULL);
  g_assert_cmpuint (left->len, ==, 1);
  g_assert_true (g_ptr_array_index (left, 0) == g_ptr_array_index (stored, 0));
}

/* TOP instead of RETR (RFC 1939 §7). */
static void
test_top_only (void)
{
  g_autoptr (World) world = world_new (1);
  PochtaPop3Config server = server_config (world);
  PochtaPop3ClientConfig client = mrose_config (world);
  client.top_only = TRUE;
  client.top_lines = 1;
  g_autoptr (Wire) wire = wire_new (world, &server, &client);

  wire_run (wire, POCHTA_FEED_WHOLE);
  g_assert_nonnull (strstr (wire->wire->str, "C: TOP 1 1\n"));
  g_autoptr (GPtrArray) messages = collect_messages (wire->client, NULL);
  g_assert_cmpuint (messages->len, ==, 2);
  assert_bytes_equal (g_ptr_array_index (messages, 0),
                      "From: Ivanov@comp1.otd1.constr.org\r\nSubject: first\r\n\r\nHello!\r\n");
  assert_bytes_equal (g_ptr_array_index (messages, 1),
                      "From: Sidorov@comp2.otd1.constr.org\r\nTo: mrose@dbc.mtview.ca.us\r\n"
                      "Subject: second\r\n\r\nLine one\r\n");
}

/* RFC 5034 §4: an initial response that would make the AUTH line longer
 * than 255 octets waits for the empty challenge. */
static void
test_long_initial_response (void)
{
  g_autofree char *password = g_strnfill (200, 's');
  g_autoptr (World) world = world_new_empty (1, NULL);
  world_add_user (world, "mrose", password, "mrose");
  PochtaPop3Config server = server_config (world);
  server.disable_apop = TRUE;
  PochtaPop3ClientConfig client = mrose_config (world);
  client.password = password;
  client.method = POCHTA_POP3_LOGIN_SASL;
  client.force_mechanism = TRUE;
  client.mechanism = POCHTA_SASL_PLAIN;
  g_autoptr (Wire) wire = wire_new (world, &server, &client);

  wire_run (wire, POCHTA_FEED_WHOLE);
  g_assert_true (pochta_pop3_client_succeeded (wire->client));
  g_assert_nonnull (strstr (wire->wire->str, "C: AUTH PLAIN\nS: + \nC: AG1yb3NlAHNzc3Nz"));
}

/* ---- scripted servers that misbehave ---- */

typedef struct
{
  const char *path;
  /* Server lines, each fed once the client's output was consumed; "|"
   * between two lines feeds them in one go without consuming. */
  const char *const *script;
  const char *error;      /* the reason the session ended with */
  gboolean quit_sent;     /* a polite QUIT went out after the error */
  gsize first_len;        /* the first line's length when it holds a NUL */
} ScriptRow;

#define SCRIPT(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define GREETING "+OK ready <1.2@example.org>\r\n"
#define NO_CAPA "-ERR no CAPA\r\n"
#define LOGGED_IN "+OK in\r\n"

static const ScriptRow script_rows[] = {
  { "greeting/not-ok", SCRIPT ("OK hello\r\n"), "malformed response: “OK hello”", FALSE },
  { "greeting/lower-case", SCRIPT ("+ok hello\r\n"), "malformed response: “+ok hello”", FALSE },
  { "greeting/okay", SCRIPT ("+OKAY\r\n"), "malformed response: “+OKAY”", FALSE },
  { "greeting/err", SCRIPT ("-ERR go away\r\n"), "the server refused the connection: -ERR go away", FALSE },
  { "greeting/bare-lf", SCRIPT ("+OK hi\n"), "a line ended by a bare LF", FALSE },
  { "greeting/nul", SCRIPT ("+OK h\0i\r\n"), "a NUL in the server's response", FALSE, 9 },
  { "greeting/eof", SCRIPT (NULL), "the server closed the connection", FALSE },
  { "stat/malformed", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK two 320\r\n"),
    "malformed STAT response: “two 320”", FALSE },
  { "stat/missing", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK\r\n"), "malformed STAT response: “”", FALSE },
  { "list/malformed", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK 1 3\r\n", "+OK\r\n1 abc\r\n.\r\n"),
    "malformed LIST line: “1 abc”", FALSE },
  { "list/not-ascending", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK 2 6\r\n", "+OK\r\n2 3\r\n1 3\r\n.\r\n"),
    "malformed LIST line: “1 3”", FALSE },
  { "uidl/too-long", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK 1 3\r\n", "+OK\r\n1 3\r\n.\r\n",
                             "+OK\r\n1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n.\r\n"),
    "malformed UIDL line: “1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa”", FALSE },
  { "uidl/unknown-number", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK 1 3\r\n", "+OK\r\n1 3\r\n.\r\n",
                                   "+OK\r\n7 abc\r\n.\r\n"),
    "malformed UIDL line: “7 abc”", FALSE },
  { "status/too-long",
    SCRIPT ("+OK xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
    "a status line over 512 octets", FALSE },
  { "unsolicited/two-greetings", SCRIPT (GREETING "|" GREETING),
    "a response nobody asked for: “+OK ready <1.2@example.org>”", FALSE },
  { "unsolicited/after-quit", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK 0 0\r\n", "+OK bye\r\n+OK more\r\n"),
    "data after the server's last response", TRUE },
  { "eof/mid-session", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, NULL), "the server closed the connection", FALSE },
  { "sasl/bad-challenge", SCRIPT ("+OK ready\r\n", "+OK\r\nSASL CRAM-MD5\r\n.\r\n", "+ $$$\r\n"),
    "the server's SASL challenge is not valid base64", FALSE },
  { "sasl/digest-md5-nonsense-challenge",
    SCRIPT ("+OK ready\r\n", "+OK\r\nSASL DIGEST-MD5\r\n.\r\n", "+ bm9uc2Vuc2U=\r\n", "-ERR cancelled\r\n",
            "+OK bye\r\n"),
    "login failed: the server's SASL challenge breaks the mechanism", TRUE },
  /* RFC 5034 §4: after the client's "*" the server must answer -ERR; a
   * further challenge used to step the finished SASL client (found by
   * fuzz-pop3-client). */
  { "sasl/challenge-after-cancel",
    SCRIPT ("+OK\r\n", "+OK\r\nSASL PLAIN\r\n.\r\n", "+\r\n", "+\r\n"),
    "a SASL challenge after the exchange ended", FALSE },
  { "login/user-refused", SCRIPT ("+OK ready\r\n", NO_CAPA, "-ERR [AUTH] no\r\n", "+OK bye\r\n"),
    "login refused: -ERR [AUTH] no", TRUE },
  { "quit/not-removed", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK 0 0\r\n", "-ERR some deleted messages not removed\r\n"),
    "-ERR some deleted messages not removed", TRUE },
  { "message/too-large", SCRIPT (GREETING, NO_CAPA, LOGGED_IN, "+OK 1 3\r\n", "+OK\r\n1 3\r\n.\r\n", "-ERR\r\n",
                                 "+OK\r\n0123456789012345678901234567890123456789\r\n.\r\n"),
    "message 1 is larger than 32 octets", FALSE },
};

static void
run_script_row (gconstpointer data)
{
  const ScriptRow *row = data;
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, WORLD_START_USEC);
  PochtaPop3ClientConfig config = {
    .generator = generator,
    .login = "mrose",
    .password = "tanstaaf",
    .max_message_size = 32,
  };
  g_autoptr (PochtaPop3Client) client = pochta_pop3_client_new (&config);
  g_autoptr (GString) sent = g_string_new (NULL);
  const guint8 *out;
  gsize len;
  guint i;

  for (i = 0; row->script[i] != NULL && !pochta_pop3_client_is_done (client); i++)
    {
      if (i == 0 && row->first_len != 0)
        {
          pochta_pop3_client_feed (client, (const guint8 *) row->script[0], row->first_len);
          continue;
        }
      g_auto (GStrv) parts = g_strsplit (row->script[i], "|", -1);
      for (guint j = 0; parts[j] != NULL && !pochta_pop3_client_is_done (client); j++)
        {
          if (j == 0)
            {
              len = pochta_pop3_client_peek_output (client, &out);
              g_string_append_len (sent, (const char *) out, (gssize) len);
              pochta_pop3_client_consume_output (client, len);
            }
                  pochta_pop3_client_feed (client, (const guint8 *) parts[j], strlen (parts[j]));
        }
    }
  if (!pochta_pop3_client_is_done (client))
    pochta_pop3_client_feed_eof (client);

  len = pochta_pop3_client_peek_output (client, &out);
  g_string_append_len (sent, (const char *) out, (gssize) len);
  g_test_message ("the client sent:\n%s", sent->str);
  g_assert_true (pochta_pop3_client_is_done (client));
  g_assert_false (pochta_pop3_client_succeeded (client));
  g_assert_cmpstr (pochta_pop3_client_get_error (client), ==, row->error);
  g_assert_cmpint (g_str_has_suffix (sent->str, "QUIT\r\n"), ==, row->quit_sent);
  g_assert_cmpint (pochta_pop3_client_feed (client, (const guint8 *) "+OK\r\n", 5), <, 0);

  /* ERROR, then CLOSED, once each. */
  PochtaEvent event = { 0 };
  guint errors = 0, closed = 0;
  while (pochta_pop3_client_next_event (client, &event))
    {
      errors += event.type == POCHTA_EVENT_ERROR;
      closed += event.type == POCHTA_EVENT_CLOSED;
      if (event.type == POCHTA_EVENT_CLOSED)
        g_assert_cmpuint (errors, ==, 1);
      pochta_event_clear (&event);
    }
  g_assert_cmpuint (errors, ==, 1);
  g_assert_cmpuint (closed, ==, 1);
}

/* A -ERR to one RETR is recorded on that message; the session goes on. */
static void
test_retr_refused_goes_on (void)
{
  static const char *const script[] = {
    GREETING, NO_CAPA, LOGGED_IN, "+OK 2 10\r\n", "+OK\r\n1 5\r\n2 5\r\n.\r\n", "-ERR no UIDL\r\n",
    "-ERR [SYS/TEMP] cannot read message 1\r\n", "+OK\r\nabc\r\n.\r\n", "+OK bye\r\n", NULL
  };
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, WORLD_START_USEC);
  PochtaPop3ClientConfig config = { .generator = generator, .login = "u", .password = "p" };
  g_autoptr (PochtaPop3Client) client = pochta_pop3_client_new (&config);
  g_autoptr (GString) sent = g_string_new (NULL);

  for (guint i = 0; script[i] != NULL; i++)
    {
      const guint8 *out;
      gsize len = pochta_pop3_client_peek_output (client, &out);
      g_string_append_len (sent, (const char *) out, (gssize) len);
      pochta_pop3_client_consume_output (client, len);
      pochta_pop3_client_feed (client, (const guint8 *) script[i], strlen (script[i]));
    }
  g_assert_cmpstr (sent->str, ==,
                   "CAPA\r\nAPOP u 45991907e7efb7dcbee95b68f06333f9\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nRETR 2\r\nQUIT\r\n");
  g_assert_true (pochta_pop3_client_succeeded (client));
  g_assert_cmpstr (pochta_pop3_client_get_message (client, 0)->error, ==, "-ERR [SYS/TEMP] cannot read message 1");
  g_assert_null (pochta_pop3_client_get_message (client, 0)->content);
  g_assert_null (pochta_pop3_client_get_message (client, 1)->uid);
  assert_bytes_equal (pochta_pop3_client_get_message (client, 1)->content, "abc\r\n");
}

/* A UIDL listing in any order, for message numbers with gaps, finds each
 * message (RFC 1939 §7 fixes no order).  The lookup is a binary search
 * since a linear one made 100,000 messages take seconds. */
static void
test_uidl_any_order (void)
{
  static const char *const script[] = {
    GREETING, NO_CAPA, LOGGED_IN, "+OK 4 12\r\n", "+OK\r\n1 3\r\n4 3\r\n9 3\r\n12 3\r\n.\r\n",
    "+OK\r\n12 d12\r\n9 c9\r\n1 a1\r\n4 b4\r\n.\r\n", "+OK\r\na\r\n.\r\n", "+OK\r\nb\r\n.\r\n",
    "+OK\r\nc\r\n.\r\n", "+OK\r\nd\r\n.\r\n", "+OK bye\r\n", NULL
  };
  static const char *const uids[] = { "a1", "b4", "c9", "d12" };
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, WORLD_START_USEC);
  PochtaPop3ClientConfig config = { .generator = generator, .login = "u", .password = "p" };
  g_autoptr (PochtaPop3Client) client = pochta_pop3_client_new (&config);
  g_autoptr (GString) sent = g_string_new (NULL);

  for (guint i = 0; script[i] != NULL; i++)
    {
      const guint8 *out;
      gsize len = pochta_pop3_client_peek_output (client, &out);
      g_string_append_len (sent, (const char *) out, (gssize) len);
      pochta_pop3_client_consume_output (client, len);
      pochta_pop3_client_feed (client, (const guint8 *) script[i], strlen (script[i]));
    }
  g_assert_cmpstr (sent->str, ==,
                   "CAPA\r\nAPOP u 45991907e7efb7dcbee95b68f06333f9\r\nSTAT\r\nLIST\r\nUIDL\r\n"
                   "RETR 1\r\nRETR 4\r\nRETR 9\r\nRETR 12\r\nQUIT\r\n");
  g_assert_true (pochta_pop3_client_succeeded (client));
  g_assert_cmpuint (pochta_pop3_client_get_n_messages (client), ==, G_N_ELEMENTS (uids));
  for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
    g_assert_cmpstr (pochta_pop3_client_get_message (client, i)->uid, ==, uids[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (login_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/pop3-client/login/%s", login_rows[i].path);
      g_test_add_data_func (path, &login_rows[i], run_login_row);
    }
  g_test_add_data_func ("/engine/pop3-client/login/refused/apop", GINT_TO_POINTER (POCHTA_POP3_LOGIN_APOP),
                        test_login_refused);
  g_test_add_data_func ("/engine/pop3-client/login/refused/sasl", GINT_TO_POINTER (POCHTA_POP3_LOGIN_SASL),
                        test_login_refused);
  g_test_add_data_func ("/engine/pop3-client/login/refused/user", GINT_TO_POINTER (POCHTA_POP3_LOGIN_USER),
                        test_login_refused);
  g_test_add_func ("/engine/pop3-client/login/in-use", test_in_use);
  g_test_add_func ("/engine/pop3-client/login/long-initial-response", test_long_initial_response);
  g_test_add_func ("/engine/pop3-client/retrieve/what-the-client-learns", test_what_the_client_learns);
  g_test_add_func ("/engine/pop3-client/retrieve/dot-lines", test_dot_lines);
  g_test_add_func ("/engine/pop3-client/retrieve/dele-quit-persists", test_dele_quit_persists);
  g_test_add_func ("/engine/pop3-client/retrieve/dele-rset-does-not", test_dele_rset_does_not);
  g_test_add_func ("/engine/pop3-client/retrieve/known-uids", test_known_uids);
  g_test_add_func ("/engine/pop3-client/retrieve/top-only", test_top_only);
  g_test_add_func ("/engine/pop3-client/retrieve/retr-refused-goes-on", test_retr_refused_goes_on);
  g_test_add_func ("/engine/pop3-client/retrieve/uidl-any-order", test_uidl_any_order);
  for (gsize i = 0; i < G_N_ELEMENTS (script_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/pop3-client/malformed/%s", script_rows[i].path);
      g_test_add_data_func (path, &script_rows[i], run_script_row);
    }

  return g_test_run ();
}
