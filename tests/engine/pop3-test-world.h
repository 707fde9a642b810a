/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small world for the POP3 tests: users with secrets and maildrops in a
 * mail store, the server policy over them, and the shared session harness
 * wired to a POP3 server. */
#pragma once

#include <string.h>

#include <glib.h>

#include "mail-store.h"
#include "pop3-server.h"
#include "session-harness.h"

/* RFC 1939 §10's example: mrose's maildrop of 2 messages, 120 and 200
 * octets (contents ours), greeted with this timestamp so that the APOP
 * vector of §7 logs in. */
#define RFC1939_TIMESTAMP "<1896.697170952@dbc.mtview.ca.us>"
#define RFC1939_APOP "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"
#define RFC1939_LOGGED_IN "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
#define RFC1939_GREETING "+OK POP3 server ready " RFC1939_TIMESTAMP "\r\n"

#define MESSAGE_1 \
  "From: Ivanov@comp1.otd1.constr.org\r\nSubject: first\r\n\r\nHello!\r\n" \
  ".A line that begins with a dot\r\nTest mail from I. Ivanov\r\n"
/* As RETR sends it: stuffed, then the terminator (RFC 1939 §3). */
#define MESSAGE_1_SENT \
  "From: Ivanov@comp1.otd1.constr.org\r\nSubject: first\r\n\r\nHello!\r\n" \
  "..A line that begins with a dot\r\nTest mail from I. Ivanov\r\n.\r\n"
#define MESSAGE_2 \
  "From: Sidorov@comp2.otd1.constr.org\r\nTo: mrose@dbc.mtview.ca.us\r\nSubject: second\r\n\r\n" \
  "Line one\r\nLine two\r\n..two dots\r\n.\r\nLine after a lone dot\r\n" \
  "The last line of the second message, from Sergei Sidorov\r\n"
#define MESSAGE_2_SENT \
  "From: Sidorov@comp2.otd1.constr.org\r\nTo: mrose@dbc.mtview.ca.us\r\nSubject: second\r\n\r\n" \
  "Line one\r\nLine two\r\n...two dots\r\n..\r\nLine after a lone dot\r\n" \
  "The last line of the second message, from Sergei Sidorov\r\n.\r\n"

#define WORLD_START_USEC (G_GINT64_CONSTANT (1234567890) * G_USEC_PER_SEC)

typedef struct
{
  PochtaGenerator *generator;
  PochtaMailStore *store;
  GHashTable *secrets;    /* login -> password */
  GHashTable *mailboxes;  /* login -> mailbox name; absent: no maildrop */
  GHashTable *delayed;    /* logins under RFC 2449 LOGIN-DELAY */
} World;

G_GNUC_UNUSED static char *
world_get_secret (const char *login, gpointer user_data)
{
  World *world = user_data;
  return g_strdup (g_hash_table_lookup (world->secrets, login));
}

G_GNUC_UNUSED static char *
world_resolve_mailbox (const char *login, gpointer user_data)
{
  World *world = user_data;
  return g_strdup (g_hash_table_lookup (world->mailboxes, login));
}

G_GNUC_UNUSED static gboolean
world_login_delayed (const char *login, gpointer user_data)
{
  World *world = user_data;
  return g_hash_table_contains (world->delayed, login);
}

G_GNUC_UNUSED static void
world_add_user (World *world, const char *login, const char *secret, const char *mailbox)
{
  g_hash_table_insert (world->secrets, g_strdup (login), g_strdup (secret));
  if (mailbox == NULL)
    return;
  g_hash_table_insert (world->mailboxes, g_strdup (login), g_strdup (mailbox));
  g_assert_true (pochta_mail_store_create_mailbox (world->store, mailbox, NULL));
}

G_GNUC_UNUSED static void
world_deliver (World *world, const char *mailbox, const char *text, gsize len)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaStoredMessage) message = pochta_mail_store_deliver (world->store, mailbox, bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
}

/* An empty world over store (NULL: a new in-memory store). */
G_GNUC_UNUSED static World *
world_new_empty (guint32 seed, PochtaMailStore *store)
{
  World *world = g_new0 (World, 1);

  world->generator = pochta_generator_new (seed, WORLD_START_USEC);
  world->store = store != NULL ? pochta_mail_store_ref (store)
                               : pochta_mail_store_new (world->generator, "dbc.mtview.ca.us");
  world->secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  world->mailboxes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  world->delayed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return world;
}

/* The standard world: mrose (RFC 1939's two messages), Petrov (empty),
 * spacey (a password with a space, RFC 1939 §7), nobox (no maildrop),
 * delayed (LOGIN-DELAY). */
G_GNUC_UNUSED static World *
world_new (guint32 seed)
{
  World *world = world_new_empty (seed, NULL);

  world_add_user (world, "mrose", "tanstaaf", "mrose");
  world_deliver (world, "mrose", MESSAGE_1, strlen (MESSAGE_1));
  world_deliver (world, "mrose", MESSAGE_2, strlen (MESSAGE_2));
  world_add_user (world, "Petrov", "petrov123", "Petrov");
  world_add_user (world, "spacey", "my secret", "spacey");
  world_add_user (world, "nobox", "nobox1", NULL);
  world_add_user (world, "delayed", "delayed1", "delayed");
  g_hash_table_add (world->delayed, g_strdup ("delayed"));
  return world;
}

G_GNUC_UNUSED static void
world_free (World *world)
{
  g_hash_table_unref (world->delayed);
  g_hash_table_unref (world->mailboxes);
  g_hash_table_unref (world->secrets);
  pochta_mail_store_unref (world->store);
  pochta_generator_free (world->generator);
  g_free (world);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (World, world_free)

G_GNUC_UNUSED static guint
world_count (World *world, const char *mailbox)
{
  g_autoptr (GPtrArray) messages = pochta_mail_store_list (world->store, mailbox, NULL);
  g_assert_nonnull (messages);
  return messages->len;
}

G_GNUC_UNUSED static PochtaPop3Policy
world_policy (World *world)
{
  PochtaPop3Policy policy = {
    .get_secret = world_get_secret,
    .resolve_mailbox = world_resolve_mailbox,
    .login_delayed = world_login_delayed,
    .store = world->store,
    .user_data = world,
  };
  return policy;
}

/* The RFC 1939 example's server: dewey, with §7's fixed timestamp. */
G_GNUC_UNUSED static PochtaPop3Config
world_rfc1939_config (World *world)
{
  PochtaPop3Config config = {
    .hostname = "dewey",
    .generator = world->generator,
    .fixed_timestamp = RFC1939_TIMESTAMP,
  };
  return config;
}

G_GNUC_UNUSED static PochtaPop3Server *
world_server_new (World *world, const PochtaPop3Config *config)
{
  PochtaPop3Policy policy = world_policy (world);
  PochtaPop3Server *server = pochta_pop3_server_new (config, &policy);

  pochta_pop3_server_start (server);
  return server;
}

G_GNUC_UNUSED static void
server_drain (PochtaPop3Server *server, GString *out)
{
  const guint8 *data;
  gsize len = pochta_pop3_server_peek_output (server, &data);

  g_string_append_len (out, (const char *) data, (gssize) len);
  pochta_pop3_server_consume_output (server, len);
}

/* The shared harness drives a bare PochtaPop3Server through these. */
G_GNUC_UNUSED static gssize
server_ops_feed (gpointer session, const guint8 *data, gsize len)
{
  return pochta_pop3_server_feed (session, data, len);
}

G_GNUC_UNUSED static void
server_ops_feed_eof (gpointer session)
{
  pochta_pop3_server_feed_eof (session);
}

G_GNUC_UNUSED static gsize
server_ops_peek_output (gpointer session, const guint8 **out_data)
{
  return pochta_pop3_server_peek_output (session, out_data);
}

G_GNUC_UNUSED static void
server_ops_consume_output (gpointer session, gsize n_bytes)
{
  pochta_pop3_server_consume_output (session, n_bytes);
}

G_GNUC_UNUSED static const PochtaSessionOps server_ops = {
  .feed = server_ops_feed,
  .feed_eof = server_ops_feed_eof,
  .peek_output = server_ops_peek_output,
  .consume_output = server_ops_consume_output,
};

/* Feeds input in one buffer; returns everything the server answered. */
G_GNUC_UNUSED static char *
server_send (PochtaPop3Server *server, const char *input)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();

  pochta_harness_feed (&server_ops, server, (const guint8 *) input, strlen (input), POCHTA_FEED_WHOLE, 0, out);
  return g_strndup ((const char *) out->data, out->len);
}
