/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End to end in one process: the SMTP client hands a letter to the SMTP
 * server session, whose policy files it in the mail store, and the POP3
 * client session retrieves it from the POP3 server session byte for byte
 * (the thesis' SMTP session, then its turn to POP3). */
#define G_LOG_DOMAIN "pochta-test-pop3-smtp-e2e"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "pop3-client.h"
#include "pop3-test-world.h"
#include "smtp-client.h"
#include "smtp-server.h"

#define COMP1 "comp1.otd1.constr.org"
#define COMP3 "comp3.otd2.constr.org"

/* The thesis' letter, with what makes transparency hard: lines that
 * begin with dots, a lone dot, 8-bit text and a 998-octet line. */
#define LETTER_HEADER \
  "Date: Fri, 13 Feb 2009 23:31:30 +0000\r\nFrom: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\n" \
  "To: Ivan Petrov <Petrov@comp3.otd2.constr.org>\r\nSubject: =?UTF-8?B?0J/RgNC40LLQtdGC?=\r\n" \
  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
#define LETTER_BODY \
  "Hello!\r\nTest mail.\r\n.\r\n..two\r\n.one\r\nFrom the start\r\n" \
  "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82!\r\n\r\nIvanov\r\n"

typedef struct
{
  const char *path;
  PochtaSmtpProfile profile;
  gboolean authenticate;   /* AUTH as Ivanov, as the thesis does */
  gboolean maildir;
} E2eCase;

typedef struct
{
  World *world;
  char *root;              /* the Maildir, or NULL */
  guint deliveries;
} Host;

/* ---- comp3's SMTP policy over the world's users and store ---- */

static char *
local_part (const char *mailbox)
{
  const char *at = strrchr (mailbox, '@');

  if (at == NULL || g_ascii_strcasecmp (at + 1, COMP3) != 0)
    return NULL;
  return g_strndup (mailbox, (gsize) (at - mailbox));
}

static PochtaSmtpRcptVerdict
host_check_recipient (const PochtaSmtpEnvelope *envelope, const char *mailbox, char **out_text, gpointer user_data)
{
  Host *host = user_data;
  g_autofree char *login = local_part (mailbox);

  if (login == NULL || !g_hash_table_contains (host->world->mailboxes, login))
    return POCHTA_SMTP_RCPT_NO_SUCH_USER;
  return POCHTA_SMTP_RCPT_OK;
}

static PochtaSmtpVrfyVerdict
host_verify (const char *query, GPtrArray *out_matches, gpointer user_data)
{
  Host *host = user_data;

  if (!g_hash_table_contains (host->world->mailboxes, query))
    return POCHTA_SMTP_VRFY_UNKNOWN;
  g_ptr_array_add (out_matches, g_strdup_printf ("Ivan %s <%s@" COMP3 ">", query, query));
  return POCHTA_SMTP_VRFY_FOUND;
}

/* Final delivery: Return-Path goes on top (RFC 5321 §4.4), then a copy
 * into every recipient's maildrop. */
static PochtaSmtpDeliverVerdict
host_deliver (const PochtaSmtpEnvelope *envelope, GBytes *message, char **out_id, gpointer user_data)
{
  Host *host = user_data;
  g_autoptr (GByteArray) filed = g_byte_array_new ();
  g_autofree char *return_path = g_strdup_printf ("Return-Path: <%s>\r\n", envelope->reverse_path);
  g_autofree char *id = NULL;

  g_byte_array_append (filed, (const guint8 *) return_path, strlen (return_path));
  g_byte_array_append (filed, g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  for (guint i = 0; i < envelope->recipients->len; i++)
    {
      const PochtaSmtpRecipient *recipient = g_ptr_array_index (envelope->recipients, i);
      g_autofree char *login = local_part (recipient->mailbox);
      g_autoptr (GBytes) bytes = g_bytes_new (filed->data, filed->len);
      g_autoptr (GError) error = NULL;
      g_autoptr (PochtaStoredMessage) stored =
        pochta_mail_store_deliver (host->world->store, g_hash_table_lookup (host->world->mailboxes, login), bytes, &error);
      if (stored == NULL)
        return POCHTA_SMTP_DELIVER_TEMPFAIL;
      host->deliveries++;
      g_free (id);
      id = g_strdup (pochta_stored_message_get_key (stored));
    }
  *out_id = g_steal_pointer (&id);
  return POCHTA_SMTP_DELIVER_OK;
}

/* Accounts are enterprise-wide (constr-org.md): comp1's Ivanov may
 * authenticate to comp3. */
static char *
host_get_secret (const char *login, gpointer user_data)
{
  if (g_ascii_strcasecmp (login, "Ivanov") == 0)
    return g_strdup ("ivanov123");
  return world_get_secret (login, ((Host *) user_data)->world);
}

/* ---- the two wires ---- */

typedef struct
{
  gsize (*peek) (gpointer session, const guint8 **out_data);
  void (*consume) (gpointer session, gsize n_bytes);
  gssize (*feed) (gpointer session, const guint8 *data, gsize len);
  void (*feed_eof) (gpointer session);
  gboolean (*closed) (gpointer session);
} End;

/* Moves bytes between the two ends until both are quiet; bytes leave
 * their sender before the receiver sees them. */
static void
pump (const End *a, gpointer a_session, const End *b, gpointer b_session)
{
  gboolean progress = TRUE;

  while (progress)
    {
      progress = FALSE;
      for (guint direction = 0; direction < 2; direction++)
        {
          const End *from = direction == 0 ? a : b;
          const End *to = direction == 0 ? b : a;
          gpointer from_session = direction == 0 ? a_session : b_session;
          gpointer to_session = direction == 0 ? b_session : a_session;
          const guint8 *data;
          gsize len = from->peek (from_session, &data);

          if (len == 0)
            continue;
          g_autofree guint8 *copy = g_memdup2 (data, len);
          from->consume (from_session, len);
          if (!to->closed (to_session))
            to->feed (to_session, copy, len);
          progress = TRUE;
        }
    }
  if (a->closed (a_session) && !b->closed (b_session))
    b->feed_eof (b_session);
  if (b->closed (b_session) && !a->closed (a_session))
    a->feed_eof (a_session);
}

/* Each session type seen as an End. */
#define DEFINE_END(name, Type, prefix, closed_expression) \
  static gsize name##_peek (gpointer session, const guint8 **out_data) \
  { \
    return prefix##_peek_output ((Type *) session, out_data); \
  } \
  static void name##_consume (gpointer session, gsize n_bytes) \
  { \
    prefix##_consume_output ((Type *) session, n_bytes); \
  } \
  static gssize name##_feed (gpointer session, const guint8 *data, gsize len) \
  { \
    return prefix##_feed ((Type *) session, data, len); \
  } \
  static void name##_feed_eof (gpointer session) \
  { \
    prefix##_feed_eof ((Type *) session); \
  } \
  static gboolean name##_closed (gpointer session) \
  { \
    Type *self = session; \
    return closed_expression; \
  } \
  static const End name = { name##_peek, name##_consume, name##_feed, name##_feed_eof, name##_closed };

DEFINE_END (smtp_client_end, PochtaSmtpClient, pochta_smtp_client, pochta_smtp_client_is_done (self))
DEFINE_END (smtp_server_end, PochtaSmtpServer, pochta_smtp_server,
            pochta_smtp_server_get_state (self) == POCHTA_SMTP_STATE_CLOSED)
DEFINE_END (pop3_client_end, PochtaPop3Client, pochta_pop3_client, pochta_pop3_client_is_done (self))
DEFINE_END (pop3_server_end, PochtaPop3Server, pochta_pop3_server,
            pochta_pop3_server_get_state (self) == POCHTA_POP3_STATE_CLOSED)

/* ---- the sessions ---- */

static GBytes *
letter (void)
{
  g_autoptr (GString) text = g_string_new (LETTER_HEADER LETTER_BODY);
  g_autofree char *long_line = g_strnfill (998, 'x');

  g_string_append_printf (text, "%s\r\n", long_line);
  return g_string_free_to_bytes (g_steal_pointer (&text));
}

/* comp1 hands the letter to comp3; returns what comp3 delivered. */
static GBytes *
send_letter (Host *host, const E2eCase *test, GBytes *message)
{
  PochtaSmtpPolicy policy = {
    .check_recipient = host_check_recipient,
    .verify = host_verify,
    .get_secret = host_get_secret,
    .deliver = host_deliver,
    .user_data = host,
  };
  PochtaSmtpConfig server_config = {
    .hostname = COMP3,
    .profile = test->profile,
    .generator = host->world->generator,
    .client_address = "192.0.2.11",
    .client_hostname = COMP1,
  };
  const char *recipients[] = { "Petrov@" COMP3, "Kuznetsova@" COMP3, "Sidirov@" COMP3, NULL };
  const char *verify[] = { "Petrov", NULL };
  PochtaSmtpClientConfig client_config = {
    .hostname = COMP1,
    .server_hostname = COMP3,
    .generator = host->world->generator,
    .reverse_path = "Ivanov@" COMP1,
    .recipients = recipients,
    .verify = verify,
    .message = message,
    .login = test->authenticate ? "Ivanov" : NULL,
    .password = test->authenticate ? "ivanov123" : NULL,
  };
  g_autoptr (PochtaSmtpServer) server = pochta_smtp_server_new (&server_config, &policy);
  g_autoptr (PochtaSmtpClient) client = pochta_smtp_client_new (&client_config);
  PochtaEvent event = { 0 };
  GBytes *delivered = NULL;

  pochta_smtp_server_start (server);
  pump (&smtp_client_end, client, &smtp_server_end, server);

  g_assert_null (pochta_smtp_client_get_error (client));
  g_assert_true (pochta_smtp_client_message_accepted (client));
  g_assert_cmpint (pochta_smtp_client_get_recipient (client, 0)->outcome, ==, POCHTA_SMTP_OUTCOME_ACCEPTED);
  g_assert_cmpint (pochta_smtp_client_get_recipient (client, 1)->outcome, ==, POCHTA_SMTP_OUTCOME_ACCEPTED);
  g_assert_cmpint (pochta_smtp_client_get_recipient (client, 2)->outcome, ==, POCHTA_SMTP_OUTCOME_PERMANENT);
  g_assert_cmpuint (pochta_smtp_client_get_recipient (client, 2)->code, ==, 550);
  g_assert_cmpint (pochta_smtp_server_is_authenticated (server), ==, test->authenticate);
  g_assert_cmpuint (host->deliveries, ==, 2);

  while (pochta_smtp_server_next_event (server, &event))
    {
      if (event.type == POCHTA_EVENT_MESSAGE)
        {
          g_assert_null (delivered);
          delivered = g_bytes_ref (event.bytes);
        }
      pochta_event_clear (&event);
    }
  g_assert_nonnull (delivered);
  return delivered;
}

/* A user fetches the maildrop; returns the messages retrieved. */
static GPtrArray *
fetch (Host *host, const char *login, PochtaPop3LoginMethod method, gboolean delete_retrieved)
{
  PochtaPop3Config server_config = { .hostname = COMP3, .generator = host->world->generator };
  g_autofree char *password = world_get_secret (login, host->world);
  PochtaPop3ClientConfig client_config = {
    .server_hostname = COMP3,
    .generator = host->world->generator,
    .login = login,
    .password = password,
    .method = method,
    .delete_retrieved = delete_retrieved,
  };
  g_autoptr (PochtaPop3Server) server = world_server_new (host->world, &server_config);
  g_autoptr (PochtaPop3Client) client = pochta_pop3_client_new (&client_config);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  PochtaEvent event = { 0 };

  pump (&pop3_client_end, client, &pop3_server_end, server);
  g_assert_null (pochta_pop3_client_get_error (client));
  g_assert_true (pochta_pop3_client_succeeded (client));
  while (pochta_pop3_client_next_event (client, &event))
    {
      if (event.type == POCHTA_EVENT_MESSAGE)
        g_ptr_array_add (messages, g_bytes_ref (event.bytes));
      pochta_event_clear (&event);
    }
  return messages;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static void
run_case (gconstpointer data)
{
  const E2eCase *test = data;
  g_autoptr (PochtaGenerator) store_generator = pochta_generator_new (5, WORLD_START_USEC);
  g_autoptr (PochtaMailStore) store = NULL;
  g_autoptr (GError) error = NULL;
  Host host = { 0 };

  if (test->maildir)
    {
      host.root = g_dir_make_tmp ("pochta-e2e-XXXXXX", &error);
      g_assert_no_error (error);
      store = pochta_mail_store_new_maildir (host.root, store_generator, COMP3, &error);
      g_assert_no_error (error);
    }
  else
    store = pochta_mail_store_new (store_generator, COMP3);
  host.world = world_new_empty (7, store);
  world_add_user (host.world, "Petrov", "petrov123", "Petrov");
  world_add_user (host.world, "Kuznetsova", "kuznetsova123", "Kuznetsova");

  g_autoptr (GBytes) message = letter ();
  g_autoptr (GBytes) delivered = send_letter (&host, test, message);

  /* What comp3 delivered is the letter under exactly one new Received:
   * field (RFC 5321 §4.4). */
  gsize delivered_len, message_len;
  const char *delivered_data = g_bytes_get_data (delivered, &delivered_len);
  const char *message_data = g_bytes_get_data (message, &message_len);
  g_assert_true (g_str_has_prefix (delivered_data, "Received: from " COMP1));
  g_assert_cmpuint (delivered_len, >, message_len);
  g_assert_cmpmem (delivered_data + delivered_len - message_len, message_len, message_data, message_len);

  /* Petrov fetches with APOP and keeps his mail; the letter is what was
   * delivered, under Return-Path:, byte for byte. */
  g_autofree char *filed = g_strdup_printf ("Return-Path: <Ivanov@" COMP1 ">\r\n%.*s", (int) delivered_len,
                                           delivered_data);
  g_autoptr (GPtrArray) petrov = fetch (&host, "Petrov", POCHTA_POP3_LOGIN_AUTO, FALSE);
  g_assert_cmpuint (petrov->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (petrov, 0), NULL),
                   g_bytes_get_size (g_ptr_array_index (petrov, 0)), filed, strlen (filed));
  g_assert_cmpuint (world_count (host.world, "Petrov"), ==, 1);

  /* Kuznetsova fetches with SASL and deletes: the next fetch is empty. */
  g_autoptr (GPtrArray) kuznetsova = fetch (&host, "Kuznetsova", POCHTA_POP3_LOGIN_SASL, TRUE);
  g_assert_cmpuint (kuznetsova->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (kuznetsova, 0), NULL),
                   g_bytes_get_size (g_ptr_array_index (kuznetsova, 0)), filed, strlen (filed));
  g_autoptr (GPtrArray) again = fetch (&host, "Kuznetsova", POCHTA_POP3_LOGIN_USER, TRUE);
  g_assert_cmpuint (again->len, ==, 0);

  if (test->maildir)
    {
      /* On disk: Petrov's letter was read (cur/, seen), Kuznetsova's is gone. */
      g_autofree char *petrov_cur = g_build_filename (host.root, "Petrov", "cur", NULL);
      g_autofree char *kuznetsova_new = g_build_filename (host.root, "Kuznetsova", "new", NULL);
      g_autofree char *kuznetsova_cur = g_build_filename (host.root, "Kuznetsova", "cur", NULL);
      GDir *dir = g_dir_open (petrov_cur, 0, NULL);
      const char *name = g_dir_read_name (dir);
      g_assert_nonnull (name);
      g_assert_true (g_str_has_suffix (name, ":2,S"));
      g_dir_close (dir);
      g_assert_true (g_rmdir (kuznetsova_new) == 0 && g_rmdir (kuznetsova_cur) == 0);
      remove_tree (host.root);
      g_free (host.root);
    }
  world_free (host.world);
}

static const E2eCase cases[] = {
  /* The thesis: comp3's seed profile, AUTH CRAM-MD5 as Ivanov, VRFY Petrov,
   * three RCPTs with one 550. */
  { "thesis/memory", POCHTA_SMTP_PROFILE_SEED, TRUE, FALSE },
  { "thesis/maildir", POCHTA_SMTP_PROFILE_SEED, TRUE, TRUE },
  /* A modern, pipelining server without AUTH. */
  { "modern/memory", POCHTA_SMTP_PROFILE_MODERN, FALSE, FALSE },
  { "modern/maildir", POCHTA_SMTP_PROFILE_MODERN, FALSE, TRUE },
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/pop3-smtp-e2e/%s", cases[i].path);
      g_test_add_data_func (path, &cases[i], run_case);
    }
  return g_test_run ();
}
