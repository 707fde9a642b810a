/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the mail store: in memory, in Maildir, the POP3 lock, and a
 * Maildir round trip with Python's mailbox module as the other program. */
#define G_LOG_DOMAIN "pochta-test-mail-store"
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "mail-store.h"

#define START_USEC (G_GINT64_CONSTANT (1234567890) * G_USEC_PER_SEC)
#define HOST "comp3.otd2.constr.org"
/* A literal and its length, NULs inside included. */
#define LITERAL(text) text, sizeof text - 1

/* ---- helpers ---- */

static GBytes *
bytes_of (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

static void
assert_bytes (GBytes *bytes, const char *expected, gsize expected_len)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpmem (data, len, expected, expected_len);
}

static void
assert_file_is (const char *contents, gsize len, const char *expected, gsize expected_len)
{
  g_assert_cmpmem (contents, len, expected, expected_len);
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

static char *
make_temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *path = g_dir_make_tmp ("pochta-store-XXXXXX", &error);

  g_assert_no_error (error);
  return path;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names in path/subdir, sorted, joined by spaces. */
static char *
list_dir (const char *root, const char *subdir)
{
  g_autofree char *path = g_build_filename (root, subdir, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (path, 0, NULL);

  g_assert_nonnull (dir);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (GStrv) names->pdata);
}

static char *
read_file (const char *dir, const char *subdir, const char *name, gsize *out_len)
{
  g_autofree char *path = g_build_filename (dir, subdir, name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, out_len, &error);
  g_assert_no_error (error);
  return contents;
}

static void
write_file (const char *dir, const char *subdir, const char *name, const char *contents, gsize len)
{
  g_autofree char *path = g_build_filename (dir, subdir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, (gssize) len, &error);
  g_assert_no_error (error);
}

static PochtaStoredMessage *
deliver (PochtaMailStore *store, const char *mailbox, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = bytes_of (text);
  PochtaStoredMessage *message = pochta_mail_store_deliver (store, mailbox, bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static GPtrArray *
list (PochtaMailStore *store, const char *mailbox)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *messages = pochta_mail_store_list (store, mailbox, &error);

  g_assert_no_error (error);
  return messages;
}

static void
assert_read (PochtaMailStore *store, PochtaStoredMessage *message, const char *expected, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) content = pochta_mail_store_read (store, message, &error);

  g_assert_no_error (error);
  assert_bytes (content, expected, len);
  g_assert_cmpuint (pochta_stored_message_get_size (message), ==, len);
}

static gboolean
is_valid_uid (const char *uid)
{
  gsize len = strlen (uid);

  if (len < 1 || len > 70)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (uid[i] < 0x21 || uid[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/* ---- in memory ---- */

/* What delivery makes of a message: the wire form of RFC 1939 §3. */
static const struct
{
  const char *name;
  const char *input;
  gsize input_len;
  const char *stored;
  gsize stored_len;
} normal_forms[] = {
#define BYTES(literal) literal, sizeof literal - 1
  { "crlf", BYTES ("A: b\r\n\r\nbody\r\n"), BYTES ("A: b\r\n\r\nbody\r\n") },
  { "bare-lf", BYTES ("A: b\n\nbody\n"), BYTES ("A: b\r\n\r\nbody\r\n") },
  { "no-final-eol", BYTES ("A: b\r\n\r\nbody"), BYTES ("A: b\r\n\r\nbody\r\n") },
  { "empty", BYTES (""), BYTES ("") },
  { "lone-lf", BYTES ("\n"), BYTES ("\r\n") },
  { "bare-cr-kept", BYTES ("a\rb\r\n"), BYTES ("a\rb\r\n") },
  { "final-cr", BYTES ("a\r"), BYTES ("a\r\r\n") },
  { "nul-kept", BYTES ("a\0b\r\n"), BYTES ("a\0b\r\n") },
  { "dot-line", BYTES (".\r\n..x\r\n"), BYTES (".\r\n..x\r\n") },
#undef BYTES
};

static void
test_memory_normal_form (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, HOST);

  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (normal_forms); i++)
    {
      g_autoptr (GBytes) input = g_bytes_new (normal_forms[i].input, normal_forms[i].input_len);
      g_autoptr (PochtaStoredMessage) message = pochta_mail_store_deliver (store, "Petrov", input, NULL);

      g_test_message ("row %s", normal_forms[i].name);
      g_assert_nonnull (message);
      assert_read (store, message, normal_forms[i].stored, normal_forms[i].stored_len);
    }
}

static void
test_memory_deliver_list (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, HOST);

  g_assert_null (pochta_mail_store_get_root (store));
  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_assert_true (pochta_mail_store_create_mailbox (store, "Kuznetsova", NULL));
  g_assert_true (pochta_mail_store_has_mailbox (store, "Petrov"));
  g_assert_false (pochta_mail_store_has_mailbox (store, "petrov"));

  g_auto (GStrv) names = pochta_mail_store_dup_mailbox_names (store);
  g_assert_cmpstrv (names, ((const char *const[]) { "Kuznetsova", "Petrov", NULL }));

  g_autoptr (PochtaStoredMessage) first = deliver (store, "Petrov", "Subject: 1\r\n\r\none\r\n");
  pochta_generator_set_time (generator, START_USEC + 1500000);
  g_autoptr (PochtaStoredMessage) second = deliver (store, "Petrov", "Subject: 2\r\n\r\ntwo\r\n");

  g_autoptr (GPtrArray) messages = list (store, "Petrov");
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_true (g_ptr_array_index (messages, 0) == first);
  g_assert_true (g_ptr_array_index (messages, 1) == second);
  g_assert_cmpint (pochta_stored_message_get_arrival (first), ==, START_USEC);
  g_assert_cmpint (pochta_stored_message_get_arrival (second), ==, START_USEC + 1500000);
  g_assert_cmpuint (pochta_stored_message_get_size (first), ==, 19);
  g_assert_cmpstr (pochta_stored_message_get_flags (first), ==, "");

  /* Maildir-style names: time, M<usec>R<random>, host. */
  const char *key = pochta_stored_message_get_key (second);
  g_assert_true (g_str_has_prefix (key, "1234567891.M500000R"));
  g_assert_true (g_str_has_suffix (key, "." HOST));
  /* Eight random characters between R and the host. */
  g_assert_cmpuint (strlen (key), ==, strlen ("1234567891.M500000R") + 8 + strlen ("." HOST));
  g_assert_true (g_str_has_prefix (pochta_stored_message_get_key (first), "1234567890.M0R"));
  g_assert_cmpstr (pochta_stored_message_get_uid (second), ==, key);
  g_assert_true (is_valid_uid (pochta_stored_message_get_uid (first)));
  g_assert_cmpstr (pochta_stored_message_get_uid (first), !=, pochta_stored_message_get_uid (second));

  g_autoptr (GPtrArray) other = list (store, "Kuznetsova");
  g_assert_cmpuint (other->len, ==, 0);

  g_assert_true (pochta_mail_store_mark_seen (store, first, NULL));
  g_assert_cmpstr (pochta_stored_message_get_flags (first), ==, "S");
}

static char *
first_key_for_seed (guint32 seed)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (seed, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, HOST);

  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_autoptr (PochtaStoredMessage) message = deliver (store, "Petrov", "x\r\n");
  return g_strdup (pochta_stored_message_get_key (message));
}

static void
test_memory_deterministic (void)
{
  g_autofree char *first = first_key_for_seed (42);
  g_autofree char *again = first_key_for_seed (42);
  g_autofree char *other = first_key_for_seed (43);

  g_assert_cmpstr (first, ==, again);
  g_assert_cmpstr (first, !=, other);
}

static void
test_memory_errors (void)
{
  static const char *const bad_names[] = { "", ".hidden", "a/b", "with space", "tab\there", "..", "é" };
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, HOST);
  g_autoptr (GBytes) bytes = bytes_of ("x\r\n");
  g_autofree char *long_name = g_strnfill (256, 'a');
  g_autofree char *longest_name = g_strnfill (255, 'a');

  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (pochta_mail_store_create_mailbox (store, bad_names[i], &error));
      g_assert_error (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_INVALID_NAME);
    }
  g_autoptr (GError) long_error = NULL;
  g_assert_false (pochta_mail_store_create_mailbox (store, long_name, &long_error));
  g_assert_error (long_error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_INVALID_NAME);
  g_assert_true (pochta_mail_store_create_mailbox (store, longest_name, NULL));

  g_autoptr (GError) deliver_error = NULL;
  g_assert_null (pochta_mail_store_deliver (store, "Nobody", bytes, &deliver_error));
  g_assert_error (deliver_error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_NO_SUCH_MAILBOX);

  g_autoptr (GError) list_error = NULL;
  g_assert_null (pochta_mail_store_list (store, "Nobody", &list_error));
  g_assert_error (list_error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_NO_SUCH_MAILBOX);

  g_autoptr (GError) lock_error = NULL;
  g_assert_null (pochta_mail_store_lock (store, "Nobody", &lock_error));
  g_assert_error (lock_error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_NO_SUCH_MAILBOX);
}

/* RFC 1939 §7: a uid is 1-70 characters of 0x21-0x7E; longer base names
 * (a long host name) are hashed. */
static void
test_memory_uid_hashed (void)
{
  g_autofree char *host = g_strnfill (80, 'h');
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, host);

  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_autoptr (PochtaStoredMessage) message = deliver (store, "Petrov", "x\r\n");
  const char *key = pochta_stored_message_get_key (message);
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_MD5, key, -1);

  g_assert_cmpuint (strlen (key), >, 70);
  g_assert_cmpstr (pochta_stored_message_get_uid (message), ==, expected);
}

/* The Maildir spec escapes '/' and ':' in the host part. */
static void
test_memory_host_escaped (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, "a/b:c");

  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_autoptr (PochtaStoredMessage) message = deliver (store, "Petrov", "x\r\n");
  g_assert_true (g_str_has_suffix (pochta_stored_message_get_key (message), ".a\\057b\\072c"));
}

/* ---- the lock (RFC 1939 §4) ---- */

static void
test_lock_exclusive (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, HOST);
  g_autoptr (GError) error = NULL;

  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_assert_true (pochta_mail_store_create_mailbox (store, "Kuznetsova", NULL));
  PochtaMailboxLock *lock = pochta_mail_store_lock (store, "Petrov", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pochta_mailbox_lock_get_mailbox (lock), ==, "Petrov");
  g_assert_true (pochta_mail_store_is_locked (store, "Petrov"));
  g_assert_false (pochta_mail_store_is_locked (store, "Kuznetsova"));

  g_assert_null (pochta_mail_store_lock (store, "Petrov", &error));
  g_assert_error (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_IN_USE);
  g_clear_error (&error);

  g_autoptr (PochtaMailboxLock) other = pochta_mail_store_lock (store, "Kuznetsova", &error);
  g_assert_no_error (error);
  g_assert_nonnull (other);

  pochta_mailbox_lock_release (lock);
  g_assert_false (pochta_mail_store_is_locked (store, "Petrov"));
  g_autoptr (PochtaMailboxLock) again = pochta_mail_store_lock (store, "Petrov", &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
}

/* The lock keeps the store alive: a session may outlive its host's
 * reference. */
static void
test_lock_keeps_store (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  PochtaMailStore *store = pochta_mail_store_new (generator, HOST);

  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_autoptr (PochtaStoredMessage) message = deliver (store, "Petrov", "x\r\n");
  PochtaMailboxLock *lock = pochta_mail_store_lock (store, "Petrov", NULL);
  pochta_mail_store_unref (store);
  g_assert_cmpuint (pochta_mailbox_lock_get_messages (lock)->len, ==, 1);
  g_assert_true (g_ptr_array_index (pochta_mailbox_lock_get_messages (lock), 0) == message);
  pochta_mailbox_lock_release (lock);
}

/* protocol-checklist P26: mail arriving during a session does not change
 * the session's view. */
static void
test_lock_snapshot (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, HOST);

  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_autoptr (PochtaStoredMessage) first = deliver (store, "Petrov", "one\r\n");
  g_autoptr (PochtaMailboxLock) lock = pochta_mail_store_lock (store, "Petrov", NULL);
  g_autoptr (PochtaStoredMessage) late = deliver (store, "Petrov", "late\r\n");

  GPtrArray *snapshot = pochta_mailbox_lock_get_messages (lock);
  g_assert_cmpuint (snapshot->len, ==, 1);
  g_assert_true (g_ptr_array_index (snapshot, 0) == first);

  g_autoptr (GPtrArray) now = list (store, "Petrov");
  g_assert_cmpuint (now->len, ==, 2);
  g_assert_true (g_ptr_array_index (now, 1) == late);
}

static void
test_lock_expunge (void)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, START_USEC);
  g_autoptr (PochtaMailStore) store = pochta_mail_store_new (generator, HOST);
  g_autoptr (GError) error = NULL;

  g_assert_true (pochta_mail_store_create_mailbox (store, "Petrov", NULL));
  g_autoptr (PochtaStoredMessage) first = deliver (store, "Petrov", "one\r\n");
  g_autoptr (PochtaStoredMessage) second = deliver (store, "Petrov", "two\r\n");
  PochtaMailboxLock *lock = pochta_mail_store_lock (store, "Petrov", NULL);
  g_autoptr (PochtaStoredMessage) late = deliver (store, "Petrov", "late\r\n");

  g_autoptr (GPtrArray) doomed = g_ptr_array_new ();
  g_ptr_array_add (doomed, first);
  g_assert_true (pochta_mailbox_lock_expunge (lock, doomed, &error));
  g_assert_no_error (error);
  pochta_mailbox_lock_release (lock);

  g_autoptr (GPtrArray) left = list (store, "Petrov");
  g_assert_cmpuint (left->len, ==, 2);
  g_assert_true (g_ptr_array_index (left, 0) == second);
  g_assert_true (g_ptr_array_index (left, 1) == late);
}

/* ---- Maildir ---- */

typedef struct
{
  char *root;
  PochtaGenerator *generator;
  PochtaMailStore *store;
} MaildirFixture;

static void
maildir_setup (MaildirFixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fixture->root = make_temp_dir ();
  fixture->generator = pochta_generator_new (7, START_USEC);
  fixture->store = pochta_mail_store_new_maildir (fixture->root, fixture->generator, HOST, &error);
  g_assert_no_error (error);
  g_assert_true (pochta_mail_store_create_mailbox (fixture->store, "Petrov", &error));
  g_assert_no_error (error);
}

static void
maildir_teardown (MaildirFixture *fixture, gconstpointer data)
{
  pochta_mail_store_unref (fixture->store);
  pochta_generator_free (fixture->generator);
  remove_tree (fixture->root);
  g_free (fixture->root);
}

static PochtaMailStore *
reopen (MaildirFixture *fixture)
{
  g_autoptr (GError) error = NULL;
  PochtaMailStore *store = pochta_mail_store_new_maildir (fixture->root, fixture->generator, HOST, &error);

  g_assert_no_error (error);
  return store;
}

static void
test_maildir_layout (MaildirFixture *fixture, gconstpointer data)
{
  g_autofree char *box = g_build_filename (fixture->root, "Petrov", NULL);
  g_assert_cmpstr (pochta_mail_store_get_root (fixture->store), ==, fixture->root);

  pochta_generator_set_time (fixture->generator, START_USEC + 250000);
  g_autoptr (PochtaStoredMessage) message =
    deliver (fixture->store, "Petrov", "Subject: hi\r\n\r\n.dot\r\nend\r\n");
  const char *key = pochta_stored_message_get_key (message);

  /* tmp/ is empty again, the message sits in new/ under its key, with
   * Unix line ends. */
  g_autofree char *tmp = list_dir (box, "tmp");
  g_autofree char *new_names = list_dir (box, "new");
  g_autofree char *cur = list_dir (box, "cur");
  g_assert_cmpstr (tmp, ==, "");
  g_assert_cmpstr (new_names, ==, key);
  g_assert_cmpstr (cur, ==, "");
  gsize len;
  g_autofree char *file = read_file (box, "new", key, &len);
  assert_file_is (file, len, LITERAL ("Subject: hi\n\n.dot\nend\n"));

  static const char wire[] = "Subject: hi\r\n\r\n.dot\r\nend\r\n";
  assert_read (fixture->store, message, wire, sizeof wire - 1);

  /* Seen: new/<key> -> cur/<key>:2,S. */
  g_assert_true (pochta_mail_store_mark_seen (fixture->store, message, NULL));
  g_assert_true (pochta_mail_store_mark_seen (fixture->store, message, NULL));
  g_autofree char *seen_name = g_strconcat (key, ":2,S", NULL);
  g_autofree char *new_after = list_dir (box, "new");
  g_autofree char *cur_after = list_dir (box, "cur");
  g_assert_cmpstr (new_after, ==, "");
  g_assert_cmpstr (cur_after, ==, seen_name);
  assert_read (fixture->store, message, wire, sizeof wire - 1);

  /* Another store over the same tree sees the same message, uid, size,
   * arrival and flags. */
  g_autoptr (PochtaMailStore) second = reopen (fixture);
  g_assert_true (pochta_mail_store_has_mailbox (second, "Petrov"));
  g_autoptr (GPtrArray) messages = list (second, "Petrov");
  g_assert_cmpuint (messages->len, ==, 1);
  PochtaStoredMessage *again = g_ptr_array_index (messages, 0);
  g_assert_cmpstr (pochta_stored_message_get_uid (again), ==, pochta_stored_message_get_uid (message));
  g_assert_cmpstr (pochta_stored_message_get_flags (again), ==, "S");
  g_assert_cmpint (pochta_stored_message_get_arrival (again), ==, START_USEC + 250000);
  assert_read (second, again, wire, sizeof wire - 1);

  /* Expunge removes the file. */
  PochtaMailboxLock *lock = pochta_mail_store_lock (second, "Petrov", NULL);
  g_assert_true (pochta_mailbox_lock_expunge (lock, pochta_mailbox_lock_get_messages (lock), NULL));
  pochta_mailbox_lock_release (lock);
  g_autofree char *cur_gone = list_dir (box, "cur");
  g_assert_cmpstr (cur_gone, ==, "");
  g_autoptr (GPtrArray) none = list (fixture->store, "Petrov");
  g_assert_cmpuint (none->len, ==, 0);
}

/* A message with a bare CR cannot take Unix line ends without loss: it
 * is stored exactly. */
static void
test_maildir_bare_cr (MaildirFixture *fixture, gconstpointer data)
{
  static const char wire[] = "A: 1\r\n\r\nx\ry\r\n";
  g_autofree char *box = g_build_filename (fixture->root, "Petrov", NULL);
  g_autoptr (PochtaStoredMessage) message = deliver (fixture->store, "Petrov", wire);
  gsize len;
  g_autofree char *file = read_file (box, "new", pochta_stored_message_get_key (message), &len);

  g_assert_cmpmem (file, len, wire, sizeof wire - 1);
  g_autoptr (PochtaMailStore) second = reopen (fixture);
  g_autoptr (GPtrArray) messages = list (second, "Petrov");
  assert_read (second, g_ptr_array_index (messages, 0), wire, sizeof wire - 1);
}

/* Files other programs wrote: LF or CRLF line ends, flags, a missing
 * final newline; dot files and tmp/ are not messages. */
static void
test_maildir_foreign (MaildirFixture *fixture, gconstpointer data)
{
  g_autofree char *box = g_build_filename (fixture->root, "Petrov", NULL);

  write_file (box, "new", "1000000002.M1P2Q3.elsewhere", LITERAL ("B: 2\n\nlf\n"));
  write_file (box, "cur", "1000000001.M1P2Q1.elsewhere:2,RS", LITERAL ("A: 1\r\n\r\ncrlf\r\n"));
  write_file (box, "cur", "1000000003.M1P2Q4.elsewhere:2,", LITERAL ("C: 3\n\nno eol"));
  write_file (box, "new", ".hidden", LITERAL ("x\n"));
  write_file (box, "tmp", "1000000004.M1P2Q5.elsewhere", LITERAL ("partial"));

  g_autoptr (PochtaMailStore) store = reopen (fixture);
  g_autoptr (GPtrArray) messages = list (store, "Petrov");
  g_assert_cmpuint (messages->len, ==, 3);

  PochtaStoredMessage *a = g_ptr_array_index (messages, 0);
  PochtaStoredMessage *b = g_ptr_array_index (messages, 1);
  PochtaStoredMessage *c = g_ptr_array_index (messages, 2);
  g_assert_cmpstr (pochta_stored_message_get_uid (a), ==, "1000000001.M1P2Q1.elsewhere");
  g_assert_cmpstr (pochta_stored_message_get_flags (a), ==, "RS");
  /* "M1": one microsecond past the second. */
  g_assert_cmpint (pochta_stored_message_get_arrival (a), ==, G_GINT64_CONSTANT (1000000001) * G_USEC_PER_SEC + 1);
  assert_read (store, a, LITERAL ("A: 1\r\n\r\ncrlf\r\n"));
  g_assert_cmpstr (pochta_stored_message_get_flags (b), ==, "");
  assert_read (store, b, LITERAL ("B: 2\r\n\r\nlf\r\n"));
  g_assert_cmpstr (pochta_stored_message_get_flags (c), ==, "");
  assert_read (store, c, LITERAL ("C: 3\r\n\r\nno eol\r\n"));

  /* Seen keeps the other flags, in ASCII order. */
  g_assert_true (pochta_mail_store_mark_seen (store, b, NULL));
  g_autofree char *cur = list_dir (box, "cur");
  g_assert_cmpstr (cur, ==,
                   "1000000001.M1P2Q1.elsewhere:2,RS 1000000002.M1P2Q3.elsewhere:2,S "
                   "1000000003.M1P2Q4.elsewhere:2,");
  g_assert_true (pochta_mail_store_mark_seen (store, a, NULL));
  g_autofree char *cur_after = list_dir (box, "cur");
  g_assert_cmpstr (cur, ==, cur_after);
}

/* Another program moves and removes files while Pochta holds them. */
static void
test_maildir_moved_behind_our_back (MaildirFixture *fixture, gconstpointer data)
{
  g_autofree char *box = g_build_filename (fixture->root, "Petrov", NULL);
  g_autoptr (PochtaStoredMessage) moved = deliver (fixture->store, "Petrov", "moved\r\n");
  g_autoptr (PochtaStoredMessage) removed = deliver (fixture->store, "Petrov", "removed\r\n");
  PochtaMailboxLock *lock = pochta_mail_store_lock (fixture->store, "Petrov", NULL);

  g_autofree char *from = g_build_filename (box, "new", pochta_stored_message_get_key (moved), NULL);
  g_autofree char *to_name = g_strconcat (pochta_stored_message_get_key (moved), ":2,F", NULL);
  g_autofree char *to = g_build_filename (box, "cur", to_name, NULL);
  g_assert_cmpint (g_rename (from, to), ==, 0);
  g_autofree char *gone = g_build_filename (box, "new", pochta_stored_message_get_key (removed), NULL);
  g_assert_cmpint (g_unlink (gone), ==, 0);

  assert_read (fixture->store, moved, LITERAL ("moved\r\n"));
  g_assert_cmpstr (pochta_stored_message_get_flags (moved), ==, "F");
  g_autoptr (GError) error = NULL;
  g_assert_null (pochta_mail_store_read (fixture->store, removed, &error));
  g_assert_error (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_MESSAGE_GONE);

  /* Both are deleted at UPDATE; the one already gone counts as removed. */
  g_assert_true (pochta_mailbox_lock_expunge (lock, pochta_mailbox_lock_get_messages (lock), NULL));
  pochta_mailbox_lock_release (lock);
  g_autofree char *cur = list_dir (box, "cur");
  g_assert_cmpstr (cur, ==, "");
}

/* A generator replayed over a Maildir it already wrote into produces the
 * same names: the delivery must pick another, never overwrite. */
static void
test_maildir_no_overwrite (MaildirFixture *fixture, gconstpointer data)
{
  g_autoptr (PochtaStoredMessage) first = deliver (fixture->store, "Petrov", "first\r\n");
  g_autoptr (PochtaGenerator) replay = pochta_generator_new (7, START_USEC);
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaMailStore) second = pochta_mail_store_new_maildir (fixture->root, replay, HOST, &error);
  g_assert_no_error (error);

  g_autoptr (PochtaStoredMessage) again = deliver (second, "Petrov", "second\r\n");
  g_assert_cmpstr (pochta_stored_message_get_key (again), !=, pochta_stored_message_get_key (first));
  g_autoptr (GPtrArray) messages = list (second, "Petrov");
  g_assert_cmpuint (messages->len, ==, 2);
  assert_read (second, g_ptr_array_index (messages, 0), LITERAL ("first\r\n"));
  assert_read (second, g_ptr_array_index (messages, 1), LITERAL ("second\r\n"));
}

static void
test_maildir_errors (MaildirFixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file_root = g_build_filename (fixture->root, "plain-file", NULL);

  write_file (fixture->root, "", "plain-file", LITERAL ("x"));
  g_assert_null (pochta_mail_store_new_maildir (file_root, fixture->generator, HOST, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
  g_assert_nonnull (strstr (error->message, file_root));
  g_clear_error (&error);

  /* A mailbox whose directories vanished: the error names the path. */
  g_autofree char *box = g_build_filename (fixture->root, "Petrov", NULL);
  remove_tree (box);
  g_assert_null (pochta_mail_store_list (fixture->store, "Petrov", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, box));
  g_clear_error (&error);

  g_autoptr (GBytes) bytes = bytes_of ("x\r\n");
  g_assert_null (pochta_mail_store_deliver (fixture->store, "Petrov", bytes, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, box));
}

/* ---- Python's mailbox module as the other Maildir program ---- */

static char *
run_python (const char *const *args, GError **error)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "maildir-python.py", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, python);
  g_ptr_array_add (argv, script);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, error)
      || !g_spawn_check_wait_status (status, error))
    {
      g_test_message ("python said: %s", err != NULL ? err : "");
      return NULL;
    }
  return g_steal_pointer (&out);
}

static gboolean
have_python (void)
{
  g_autofree char *python = g_find_program_in_path ("python3");

  if (python == NULL)
    g_test_skip ("python3 is not installed");
  return python != NULL;
}

static char *
hex_of (const char *data, gsize len)
{
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", (guint8) data[i]);
  return g_string_free (hex, FALSE);
}

/* Python reads what Pochta stored: keys, subdirs, flags, the parsed
 * Subject, and the file's bytes (Unix line ends), byte for byte. */
static void
test_maildir_python_reads_pochta (MaildirFixture *fixture, gconstpointer data)
{
  static const char first[] = "Subject: First\r\nFrom: Ivanov@comp1.otd1.constr.org\r\n\r\n"
                              ".leading dot\r\nFrom the start\r\n";
  static const char second[] = "Subject: =?UTF-8?B?0J/RgNC40LLQtdGC?=\r\n\r\n\xd0\x9f\r\n";

  if (!have_python ())
    return;

  g_autoptr (PochtaStoredMessage) one = deliver (fixture->store, "Petrov", first);
  pochta_generator_set_time (fixture->generator, START_USEC + G_USEC_PER_SEC);
  g_autoptr (PochtaStoredMessage) two = deliver (fixture->store, "Petrov", second);
  g_assert_true (pochta_mail_store_mark_seen (fixture->store, one, NULL));

  g_autoptr (GError) error = NULL;
  g_autofree char *box = g_build_filename (fixture->root, "Petrov", NULL);
  g_autofree char *out = run_python ((const char *const[]) { "read", box, NULL }, &error);
  g_assert_no_error (error);

  static const char first_file[] = "Subject: First\nFrom: Ivanov@comp1.otd1.constr.org\n\n"
                                   ".leading dot\nFrom the start\n";
  static const char second_file[] = "Subject: =?UTF-8?B?0J/RgNC40LLQtdGC?=\n\n\xd0\x9f\n";
  g_autofree char *first_hex = hex_of (first_file, sizeof first_file - 1);
  g_autofree char *second_hex = hex_of (second_file, sizeof second_file - 1);
  g_autofree char *expected =
    g_strdup_printf ("%s\tcur\tS\tFirst\t%s\n%s\tnew\t\t=?UTF-8?B?0J/RgNC40LLQtdGC?=\t%s\n",
                     pochta_stored_message_get_key (one), first_hex,
                     pochta_stored_message_get_key (two), second_hex);
  g_assert_cmpstr (out, ==, expected);
}

/* Pochta reads what Python wrote: the key is the uid, the content comes
 * back with CRLF line ends, cur/ flags survive. */
static void
test_maildir_pochta_reads_python (MaildirFixture *fixture, gconstpointer data)
{
  static const char seen[] = "Subject: Seen by Python\nTo: Petrov@comp3.otd2.constr.org\n\nHello!\n";
  static const char fresh[] = "Subject: Fresh\n\n.dot line\nlast line\n";

  if (!have_python ())
    return;

  g_autofree char *python_root = make_temp_dir ();
  g_autofree char *box = g_build_filename (python_root, "Kuznetsova", NULL);
  g_autofree char *seen_file = g_build_filename (python_root, "seen.eml", NULL);
  g_autofree char *fresh_file = g_build_filename (python_root, "fresh.eml", NULL);
  write_file (python_root, "", "seen.eml", seen, sizeof seen - 1);
  write_file (python_root, "", "fresh.eml", fresh, sizeof fresh - 1);

  g_autoptr (GError) error = NULL;
  g_autofree char *out =
    run_python ((const char *const[]) { "write", box, seen_file, fresh_file, NULL }, &error);
  g_assert_no_error (error);
  g_auto (GStrv) keys = g_strsplit (g_strchomp (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (keys), ==, 2);
  g_remove (seen_file);
  g_remove (fresh_file);

  g_autoptr (PochtaMailStore) store = pochta_mail_store_new_maildir (python_root, fixture->generator, HOST, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) messages = list (store, "Kuznetsova");
  g_assert_cmpuint (messages->len, ==, 2);

  for (guint i = 0; i < 2; i++)
    {
      PochtaStoredMessage *message = g_ptr_array_index (messages, i);
      gboolean is_seen = g_strcmp0 (pochta_stored_message_get_key (message), keys[0]) == 0;

      g_assert_true (is_seen || g_strcmp0 (pochta_stored_message_get_key (message), keys[1]) == 0);
      g_assert_cmpstr (pochta_stored_message_get_uid (message), ==, pochta_stored_message_get_key (message));
      g_assert_true (is_valid_uid (pochta_stored_message_get_uid (message)));
      if (is_seen)
        {
          static const char wire[] = "Subject: Seen by Python\r\nTo: Petrov@comp3.otd2.constr.org\r\n\r\nHello!\r\n";
          g_assert_cmpstr (pochta_stored_message_get_flags (message), ==, "S");
          assert_read (store, message, wire, sizeof wire - 1);
        }
      else
        {
          static const char wire[] = "Subject: Fresh\r\n\r\n.dot line\r\nlast line\r\n";
          g_assert_cmpstr (pochta_stored_message_get_flags (message), ==, "");
          assert_read (store, message, wire, sizeof wire - 1);
        }
    }

  /* Pochta's expunge and Python agree on what is left. */
  PochtaMailboxLock *lock = pochta_mail_store_lock (store, "Kuznetsova", NULL);
  g_autoptr (GPtrArray) doomed = g_ptr_array_new ();
  for (guint i = 0; i < 2; i++)
    if (g_strcmp0 (pochta_stored_message_get_key (g_ptr_array_index (messages, i)), keys[0]) == 0)
      g_ptr_array_add (doomed, g_ptr_array_index (messages, i));
  g_assert_true (pochta_mailbox_lock_expunge (lock, doomed, NULL));
  pochta_mailbox_lock_release (lock);
  g_autofree char *left = run_python ((const char *const[]) { "read", box, NULL }, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (left, keys[1]));
  g_assert_cmpuint (strlen (left), ==, strlen (keys[1]) + strlen ("\tnew\t\tFresh\t") + 2 * (sizeof fresh - 1) + 1);

  remove_tree (python_root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/mail-store/memory/normal-form", test_memory_normal_form);
  g_test_add_func ("/engine/mail-store/memory/deliver-list", test_memory_deliver_list);
  g_test_add_func ("/engine/mail-store/memory/deterministic", test_memory_deterministic);
  g_test_add_func ("/engine/mail-store/memory/errors", test_memory_errors);
  g_test_add_func ("/engine/mail-store/memory/uid-hashed", test_memory_uid_hashed);
  g_test_add_func ("/engine/mail-store/memory/host-escaped", test_memory_host_escaped);
  g_test_add_func ("/engine/mail-store/lock/exclusive", test_lock_exclusive);
  g_test_add_func ("/engine/mail-store/lock/keeps-store", test_lock_keeps_store);
  g_test_add_func ("/engine/mail-store/lock/snapshot", test_lock_snapshot);
  g_test_add_func ("/engine/mail-store/lock/expunge", test_lock_expunge);

#define ADD_MAILDIR(path, func) \
  g_test_add ("/engine/mail-store/maildir/" path, MaildirFixture, NULL, maildir_setup, func, maildir_teardown)
  ADD_MAILDIR ("layout", test_maildir_layout);
  ADD_MAILDIR ("bare-cr", test_maildir_bare_cr);
  ADD_MAILDIR ("foreign", test_maildir_foreign);
  ADD_MAILDIR ("moved-behind-our-back", test_maildir_moved_behind_our_back);
  ADD_MAILDIR ("no-overwrite", test_maildir_no_overwrite);
  ADD_MAILDIR ("errors", test_maildir_errors);
  ADD_MAILDIR ("python-reads-pochta", test_maildir_python_reads_pochta);
  ADD_MAILDIR ("pochta-reads-python", test_maildir_pochta_reads_python);
#undef ADD_MAILDIR

  return g_test_run ();
}
