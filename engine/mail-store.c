/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Mailboxes of immutable messages, in memory or in Maildir directories. */
#define G_LOG_DOMAIN "pochta-mail-store"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "format.h"
#include "byte-array-private.h"
#include "mail-store.h"

/* RFC 1939 §7: a unique-id is 1 to 70 characters in the range 0x21-0x7E. */
#define UID_MAX 70
/* A mailbox name is one path component; 255 is the usual NAME_MAX. */
#define MAILBOX_NAME_MAX 255
/* Fresh names tried before a delivery gives up; a clash needs the same
 * second, microsecond and 48 random bits, or a generator replayed over a
 * Maildir it already wrote into. */
#define DELIVERY_ATTEMPTS 16

typedef struct _Mailbox Mailbox;

struct _PochtaStoredMessage
{
  grefcount ref;
  Mailbox *mailbox;  /* weak: mailboxes live as long as the store */
  char *key;         /* Maildir base name */
  char *uid;
  gsize size;
  gint64 arrival_usec;
  char *flags;       /* Maildir "2," flags, ASCII order */
  char *filename;    /* Maildir only: "new/<key>" or "cur/<key>:2,<flags>" */
  GBytes *content;   /* in memory only */
};

struct _Mailbox
{
  char *name;
  char *path;           /* the Maildir directory; NULL in memory */
  GPtrArray *messages;  /* of PochtaStoredMessage*, oldest first */
  GHashTable *by_key;   /* key -> message, borrowed from messages */
  gboolean scanned;     /* the Maildir was read at least once */
  gboolean locked;
};

struct _PochtaMailStore
{
  grefcount ref;
  PochtaGenerator *generator;
  char *hostname;    /* as it goes into file names */
  char *root;        /* NULL in memory */
  GHashTable *mailboxes;  /* name -> Mailbox* */
};

struct _PochtaMailboxLock
{
  PochtaMailStore *store;  /* a reference: the lock keeps the store alive */
  Mailbox *mailbox;
  GPtrArray *snapshot;
};

G_DEFINE_QUARK (pochta-mail-store-error-quark, pochta_mail_store_error)

/* ---- messages ---- */

/* Most messages never get a flag: they share this one empty string. */
static const char NO_FLAGS[] = "";

/* Takes flags (NULL: none), dropping the old ones. */
static void
set_flags (PochtaStoredMessage *message, char *flags)
{
  if (message->flags != NO_FLAGS)
    g_free (message->flags);
  message->flags = flags != NULL ? flags : (char *) NO_FLAGS;
}

static PochtaStoredMessage *
message_new (Mailbox *mailbox, const char *key, gsize size, gint64 arrival_usec)
{
  g_assert (mailbox != NULL && key != NULL);

  PochtaStoredMessage *message = g_new0 (PochtaStoredMessage, 1);
  g_ref_count_init (&message->ref);
  message->mailbox = mailbox;
  message->key = g_strdup (key);
  message->size = size;
  message->arrival_usec = arrival_usec;
  message->flags = (char *) NO_FLAGS;

  gsize key_len = strlen (key);
  gboolean usable = key_len >= 1 && key_len <= UID_MAX;
  for (gsize i = 0; usable && i < key_len; i++)
    usable = key[i] >= 0x21 && key[i] <= 0x7e;
  /* A usable key is its own UID: one copy serves both. */
  message->uid = usable ? message->key : g_compute_checksum_for_string (G_CHECKSUM_MD5, key, -1);
  return message;
}

PochtaStoredMessage *
pochta_stored_message_ref (PochtaStoredMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  g_ref_count_inc (&message->ref);
  return message;
}

void
pochta_stored_message_unref (PochtaStoredMessage *message)
{
  if (message == NULL || !g_ref_count_dec (&message->ref))
    return;
  if (message->uid != message->key)
    g_free (message->uid);
  g_free (message->key);
  set_flags (message, NULL);
  g_free (message->filename);
  g_clear_pointer (&message->content, g_bytes_unref);
  g_free (message);
}

const char *
pochta_stored_message_get_key (PochtaStoredMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->key;
}

const char *
pochta_stored_message_get_uid (PochtaStoredMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->uid;
}

gsize
pochta_stored_message_get_size (PochtaStoredMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);
  return message->size;
}

gint64
pochta_stored_message_get_arrival (PochtaStoredMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);
  return message->arrival_usec;
}

const char *
pochta_stored_message_get_flags (PochtaStoredMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->flags;
}

/* ---- line ends ---- */

/* The wire form (RFC 1939 §3: lines end in CRLF): every LF that no CR
 * precedes gains one, and a final CRLF is added when the last line has
 * none. */
static GBytes *
to_wire_form (const guint8 *data, gsize len)
{
  GByteArray *out = g_byte_array_sized_new (len + 2);
  gsize copied = 0;   /* data[0..copied) is already in out */

  for (const guint8 *lf = len > 0 ? memchr (data, '\n', len) : NULL; lf != NULL;
       lf = memchr (lf + 1, '\n', len - (gsize) (lf + 1 - data)))
    {
      gsize i = (gsize) (lf - data);
      if (i > 0 && data[i - 1] == '\r')
        continue;
      /* Copy the run up to the bare LF in one go, then give it its CR. */
      g_byte_array_append (out, data + copied, (guint) (i - copied));
      g_byte_array_append (out, (const guint8 *) "\r", 1);
      copied = i;
      if (i + 1 == len)
        break;
    }
  g_byte_array_append (out, data + copied, (guint) (len - copied));
  if (out->len > 0 && out->data[out->len - 1] != '\n')
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  return g_byte_array_free_to_bytes (out);
}

/* The content in wire form; the content itself when it is (the usual
 * case: SMTP delivers CRLF lines). */
static GBytes *
wire_form_of (GBytes *content)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (content, &len);
  return pochta_lines_end_in_crlf (data, len) ? g_bytes_ref (content) : to_wire_form (data, len);
}

/* The size of to_wire_form (data, len), without building it. */
static gsize
wire_size (const guint8 *data, gsize len)
{
  gsize size = len;

  for (gsize i = 0; i < len; i++)
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
      size++;
  if (len > 0 && data[len - 1] != '\n')
    size += 2;
  return size;
}

/* What goes into a Maildir file: Unix line ends when CRLF -> LF can be
 * undone exactly, that is when every CR in the wire form starts a CRLF;
 * otherwise the wire form itself, which reads back unchanged too. */
static GBytes *
to_file_form (GBytes *wire)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (wire, &len);

  for (gsize i = 0; i < len; i++)
    if (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n'))
      return g_bytes_ref (wire);

  GByteArray *out = g_byte_array_sized_new (len);
  for (gsize i = 0; i < len; i++)
    if (data[i] != '\r')
      g_byte_array_append (out, &data[i], 1);
  return g_byte_array_free_to_bytes (out);
}

/* ---- names ---- */

static gboolean
check_mailbox_name (const char *name, GError **error)
{
  gsize len = strlen (name);
  gboolean valid = len >= 1 && len <= MAILBOX_NAME_MAX && name[0] != '.';

  for (gsize i = 0; valid && i < len; i++)
    valid = name[i] >= 0x21 && name[i] <= 0x7e && name[i] != '/';
  if (!valid)
    g_set_error (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_INVALID_NAME,
                 "“%s” is not a valid mailbox name", name);
  return valid;
}

/* The Maildir spec replaces '/' and ':' in the host part with octal
 * escapes, so that the name stays one component without an info part. */
static char *
escape_hostname (const char *hostname)
{
  GString *escaped = g_string_new (NULL);

  for (const char *p = hostname; *p != '\0'; p++)
    {
      if (*p == '/')
        g_string_append (escaped, "\\057");
      else if (*p == ':')
        g_string_append (escaped, "\\072");
      else
        g_string_append_c (escaped, *p);
    }
  return g_string_free (escaped, FALSE);
}

/* Writes value's decimal digits ending just before end; returns where
 * they start. */
static char *
put_decimal_before (char *end, guint64 value)
{
  do
    *--end = (char) ('0' + value % 10);
  while ((value /= 10) != 0);
  return end;
}

/* "<seconds>.M<microseconds>R<random>.<host>", the Maildir name's unique
 * part.  Put together by hand: every stored message makes one. */
static char *
make_key (PochtaMailStore *self, gint64 now_usec)
{
  g_autofree char *random = pochta_generator_token (self->generator, 8);
  char seconds[24], micros[24];
  char *seconds_at = put_decimal_before (seconds + sizeof seconds, (guint64) MAX (now_usec, 0) / G_USEC_PER_SEC);
  char *micros_at = put_decimal_before (micros + sizeof micros, (guint64) MAX (now_usec, 0) % G_USEC_PER_SEC);
  gsize seconds_len = (gsize) (seconds + sizeof seconds - seconds_at);
  gsize micros_len = (gsize) (micros + sizeof micros - micros_at);
  gsize random_len = strlen (random), host_len = strlen (self->hostname);
  char *key = g_malloc (seconds_len + 2 + micros_len + 1 + random_len + 1 + host_len + 1);
  char *at = key;

  memcpy (at, seconds_at, seconds_len);
  at += seconds_len;
  memcpy (at, ".M", 2);
  at += 2;
  memcpy (at, micros_at, micros_len);
  at += micros_len;
  *at++ = 'R';
  memcpy (at, random, random_len);
  at += random_len;
  *at++ = '.';
  memcpy (at, self->hostname, host_len + 1);
  return key;
}

/* The key and flags of a Maildir file name "<key>[:2,<flags>]". */
static char *
split_file_name (const char *file_name, char **out_flags)
{
  const char *colon = strchr (file_name, ':');

  if (colon == NULL)
    {
      *out_flags = g_strdup ("");
      return g_strdup (file_name);
    }
  *out_flags = g_str_has_prefix (colon + 1, "2,") ? g_strdup (colon + 3) : g_strdup ("");
  return g_strndup (file_name, (gsize) (colon - file_name));
}

/* Flags are kept in ASCII order (Maildir spec). */
static char *
flags_with (const char *flags, char flag)
{
  GString *result = g_string_new (NULL);
  gboolean added = FALSE;

  for (const char *p = flags; *p != '\0'; p++)
    {
      if (*p == flag)
        added = TRUE;
      else if (*p > flag && !added)
        {
          g_string_append_c (result, flag);
          added = TRUE;
        }
      g_string_append_c (result, *p);
    }
  if (!added)
    g_string_append_c (result, flag);
  return g_string_free (result, FALSE);
}

/* ---- POSIX file helpers, every failure a G_FILE_ERROR naming the path ---- */

static gboolean
set_errno_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               "%s %s: %s", what, path, g_strerror (errsv));
  return FALSE;
}

static gboolean
sync_directory (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return set_errno_error (error, errno, "Cannot open directory", path);
  if (fsync (fd) != 0)
    {
      int errsv = errno;
      close (fd);
      return set_errno_error (error, errsv, "Cannot sync directory", path);
    }
  close (fd);
  return TRUE;
}

static gboolean
ensure_directory (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    return set_errno_error (error, errno, "Cannot create directory", path);
  return TRUE;
}

/* Writes data to a new file (failing if it exists) and fsyncs it. */
static gboolean
write_new_file (const char *path, GBytes *data, gboolean *out_exists, GError **error)
{
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  *out_exists = FALSE;
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      *out_exists = errno == EEXIST;
      return set_errno_error (error, errno, "Cannot create", path);
    }

  gsize done = 0;
  while (done < len)
    {
      gssize n = write (fd, bytes + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          close (fd);
          return set_errno_error (error, errsv, "Cannot write", path);
        }
      done += (gsize) n;
    }
  if (fsync (fd) != 0)
    {
      int errsv = errno;
      close (fd);
      return set_errno_error (error, errsv, "Cannot sync", path);
    }
  if (close (fd) != 0)
    return set_errno_error (error, errno, "Cannot close", path);
  return TRUE;
}

/* Puts a finished tmp/ file under its final name without ever replacing
 * one: link () fails on an existing name where rename () would not. */
static gboolean
publish_file (const char *tmp_path, const char *final_path, gboolean *out_exists, GError **error)
{
  *out_exists = FALSE;
  if (link (tmp_path, final_path) == 0)
    {
      g_unlink (tmp_path);
      return TRUE;
    }

  int errsv = errno;
  if (errsv == EEXIST)
    {
      *out_exists = TRUE;
      return set_errno_error (error, errsv, "Cannot link to", final_path);
    }
  /* File systems without hard links: rename, after making sure the name
   * is free. */
  if (errsv == EPERM || errsv == ENOTSUP || errsv == ENOSYS || errsv == EXDEV)
    {
      GStatBuf st;
      if (g_lstat (final_path, &st) == 0)
        {
          *out_exists = TRUE;
          return set_errno_error (error, EEXIST, "Cannot rename to", final_path);
        }
      if (g_rename (tmp_path, final_path) == 0)
        return TRUE;
      errsv = errno;
    }
  return set_errno_error (error, errsv, "Cannot move a message to", final_path);
}

/* ---- mailboxes ---- */

static void
mailbox_free (gpointer data)
{
  Mailbox *mailbox = data;

  g_hash_table_unref (mailbox->by_key);
  g_ptr_array_unref (mailbox->messages);
  g_free (mailbox->name);
  g_free (mailbox->path);
  g_free (mailbox);
}

static Mailbox *
mailbox_add (PochtaMailStore *self, const char *name)
{
  Mailbox *mailbox = g_new0 (Mailbox, 1);

  mailbox->name = g_strdup (name);
  if (self->root != NULL)
    mailbox->path = g_build_filename (self->root, name, NULL);
  mailbox->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) pochta_stored_message_unref);
  mailbox->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (self->mailboxes, mailbox->name, mailbox);
  return mailbox;
}

static void
mailbox_append (Mailbox *mailbox, PochtaStoredMessage *message)
{
  g_ptr_array_add (mailbox->messages, message);
  g_hash_table_insert (mailbox->by_key, message->key, message);
}

static void
mailbox_remove (Mailbox *mailbox, PochtaStoredMessage *message)
{
  if (g_hash_table_lookup (mailbox->by_key, message->key) != message)
    return;
  g_hash_table_remove (mailbox->by_key, message->key);
  g_ptr_array_remove (mailbox->messages, message);
}

static Mailbox *
lookup_mailbox (PochtaMailStore *self, const char *name, GError **error)
{
  Mailbox *mailbox = g_hash_table_lookup (self->mailboxes, name);

  if (mailbox == NULL)
    g_set_error (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_NO_SUCH_MAILBOX,
                 "No mailbox “%s”", name);
  return mailbox;
}

/* ---- reading a Maildir ---- */

static gint64
arrival_from_file (const char *key, const char *path)
{
  /* Maildir names start with the delivery time in seconds; a unique part
   * "M<n>..." adds the microseconds (Maildir spec, as Pochta and Python
   * write them). */
  char *end = NULL;
  guint64 seconds = g_ascii_strtoull (key, &end, 10);
  if (end != key && *end == '.' && seconds < G_MAXINT64 / G_USEC_PER_SEC - 1)
    {
      gint64 arrival = (gint64) seconds * G_USEC_PER_SEC;
      const char *unique = end + 1;
      char *usec_end = NULL;
      guint64 usec = *unique == 'M' ? g_ascii_strtoull (unique + 1, &usec_end, 10) : 0;
      if (usec_end != NULL && usec_end != unique + 1 && usec < G_USEC_PER_SEC)
        arrival += (gint64) usec;
      return arrival;
    }

  GStatBuf st;
  if (g_stat (path, &st) == 0)
    return (gint64) st.st_mtime * G_USEC_PER_SEC;
  return 0;
}

static gint
compare_arrival (gconstpointer a, gconstpointer b)
{
  const PochtaStoredMessage *x = *(PochtaStoredMessage *const *) a;
  const PochtaStoredMessage *y = *(PochtaStoredMessage *const *) b;

  if (x->arrival_usec != y->arrival_usec)
    return x->arrival_usec < y->arrival_usec ? -1 : 1;
  return strcmp (x->key, y->key);
}

/* Notes one file of new/ or cur/: a known message may have moved, an
 * unknown one joins found. */
static void
scan_entry (Mailbox    *mailbox,
            const char *subdir,
            const char *file_name,
            GHashTable *on_disk,
            GPtrArray  *found)
{
  g_autofree char *flags = NULL;
  g_autofree char *key = split_file_name (file_name, &flags);
  g_autofree char *relative = g_build_filename (subdir, file_name, NULL);

  if (g_hash_table_contains (on_disk, key))
    return;
  g_hash_table_add (on_disk, g_strdup (key));

  PochtaStoredMessage *known = g_hash_table_lookup (mailbox->by_key, key);
  if (known != NULL)
    {
      g_free (known->filename);
      known->filename = g_steal_pointer (&relative);
      set_flags (known, g_steal_pointer (&flags));
      return;
    }

  /* The size is that of the wire form, so the file must be read once; a
   * file that vanished meanwhile is simply not there. */
  g_autofree char *path = g_build_filename (mailbox->path, relative, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &contents, &len, NULL))
    return;

  PochtaStoredMessage *message = message_new (mailbox, key, wire_size ((const guint8 *) contents, len),
                                              arrival_from_file (key, path));
  message->filename = g_steal_pointer (&relative);
  set_flags (message, g_steal_pointer (&flags));
  g_ptr_array_add (found, message);
}

static gboolean
scan_subdir (Mailbox *mailbox, const char *subdir, GHashTable *on_disk, GPtrArray *found, GError **error)
{
  g_autofree char *path = g_build_filename (mailbox->path, subdir, NULL);
  GError *local_error = NULL;
  GDir *dir = g_dir_open (path, 0, &local_error);

  if (dir == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Cannot read mailbox %s: %s", path, local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    if (name[0] != '.')
      scan_entry (mailbox, subdir, name, on_disk, found);
  g_dir_close (dir);
  return TRUE;
}

/* Brings the index of a Maildir mailbox up to date with the directories:
 * files other programs delivered are appended oldest first, files they
 * removed are forgotten, moved ones are followed. */
static gboolean
mailbox_refresh (Mailbox *mailbox, GError **error)
{
  if (mailbox->path == NULL)
    return TRUE;

  g_autoptr (GHashTable) on_disk = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) pochta_stored_message_unref);

  if (!scan_subdir (mailbox, "new", on_disk, found, error)
      || !scan_subdir (mailbox, "cur", on_disk, found, error))
    return FALSE;

  for (guint i = mailbox->messages->len; i > 0; i--)
    {
      PochtaStoredMessage *message = g_ptr_array_index (mailbox->messages, i - 1);
      if (!g_hash_table_contains (on_disk, message->key))
        mailbox_remove (mailbox, message);
    }

  g_ptr_array_sort (found, compare_arrival);
  for (guint i = 0; i < found->len; i++)
    mailbox_append (mailbox, pochta_stored_message_ref (g_ptr_array_index (found, i)));
  mailbox->scanned = TRUE;
  return TRUE;
}

static gboolean
mailbox_ensure_scanned (Mailbox *mailbox, GError **error)
{
  return mailbox->scanned || mailbox_refresh (mailbox, error);
}

static gboolean
is_maildir (const char *path)
{
  g_autofree char *new_dir = g_build_filename (path, "new", NULL);
  g_autofree char *cur_dir = g_build_filename (path, "cur", NULL);

  return g_file_test (new_dir, G_FILE_TEST_IS_DIR) && g_file_test (cur_dir, G_FILE_TEST_IS_DIR);
}

static gboolean
discover_mailboxes (PochtaMailStore *self, GError **error)
{
  GError *local_error = NULL;
  GDir *dir = g_dir_open (self->root, 0, &local_error);

  if (dir == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Cannot read the mail store %s: %s", self->root, local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    {
      g_autofree char *path = g_build_filename (self->root, name, NULL);
      if (check_mailbox_name (name, NULL) && is_maildir (path))
        mailbox_add (self, name);
    }
  g_dir_close (dir);
  return TRUE;
}

/* ---- the store ---- */

static PochtaMailStore *
store_new (PochtaGenerator *generator, const char *hostname)
{
  PochtaMailStore *self = g_new0 (PochtaMailStore, 1);

  g_ref_count_init (&self->ref);
  self->generator = generator;
  self->hostname = escape_hostname (hostname);
  self->mailboxes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, mailbox_free);
  return self;
}

PochtaMailStore *
pochta_mail_store_new (PochtaGenerator *generator, const char *hostname)
{
  g_return_val_if_fail (generator != NULL, NULL);
  g_return_val_if_fail (hostname != NULL && *hostname != '\0', NULL);

  return store_new (generator, hostname);
}

PochtaMailStore *
pochta_mail_store_new_maildir (const char      *root,
                               PochtaGenerator *generator,
                               const char      *hostname,
                               GError         **error)
{
  g_return_val_if_fail (root != NULL && *root != '\0', NULL);
  g_return_val_if_fail (generator != NULL, NULL);
  g_return_val_if_fail (hostname != NULL && *hostname != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ensure_directory (root, error))
    return NULL;

  g_autoptr (PochtaMailStore) self = store_new (generator, hostname);
  self->root = g_strdup (root);
  if (!discover_mailboxes (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

PochtaMailStore *
pochta_mail_store_ref (PochtaMailStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_ref_count_inc (&self->ref);
  return self;
}

void
pochta_mail_store_unref (PochtaMailStore *self)
{
  if (self == NULL || !g_ref_count_dec (&self->ref))
    return;
  g_hash_table_unref (self->mailboxes);
  g_free (self->hostname);
  g_free (self->root);
  g_free (self);
}

const char *
pochta_mail_store_get_root (PochtaMailStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->root;
}

static gboolean
create_maildir (const char *path, GError **error)
{
  static const char *const subdirs[] = { "tmp", "new", "cur" };

  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *subdir = g_build_filename (path, subdirs[i], NULL);
      if (!ensure_directory (subdir, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pochta_mail_store_create_mailbox (PochtaMailStore *self, const char *name, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_mailbox_name (name, error))
    return FALSE;
  if (g_hash_table_contains (self->mailboxes, name))
    return TRUE;
  if (self->root != NULL)
    {
      g_autofree char *path = g_build_filename (self->root, name, NULL);
      if (!create_maildir (path, error))
        return FALSE;
    }
  mailbox_add (self, name);
  return TRUE;
}

gboolean
pochta_mail_store_has_mailbox (PochtaMailStore *self, const char *name)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  return g_hash_table_contains (self->mailboxes, name);
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GStrv
pochta_mail_store_dup_mailbox_names (PochtaMailStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_autofree const char **names =
    (const char **) g_hash_table_get_keys_as_array (self->mailboxes, NULL);
  guint n = g_strv_length ((GStrv) names);
  GStrv sorted = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    sorted[i] = g_strdup (names[i]);
  qsort (sorted, n, sizeof (char *), compare_names);
  return sorted;
}

/* The Maildir delivery: tmp/ -> fsync -> new/ -> fsync the directory.
 * FALSE with *out_retry when the name was taken (try another). */
static gboolean
deliver_to_maildir (Mailbox    *mailbox,
                    const char *key,
                    GBytes     *file_form,
                    gboolean   *out_retry,
                    GError    **error)
{
  g_autofree char *tmp_path = g_build_filename (mailbox->path, "tmp", key, NULL);
  g_autofree char *new_path = g_build_filename (mailbox->path, "new", key, NULL);
  g_autofree char *new_dir = g_build_filename (mailbox->path, "new", NULL);

  if (!write_new_file (tmp_path, file_form, out_retry, error))
    {
      if (!*out_retry)
        g_unlink (tmp_path);
      return FALSE;
    }
  if (!publish_file (tmp_path, new_path, out_retry, error))
    {
      g_unlink (tmp_path);
      return FALSE;
    }
  if (!sync_directory (new_dir, error))
    {
      /* Not known to be on disk: take it back rather than report a
       * delivery that a crash could undo. */
      g_unlink (new_path);
      return FALSE;
    }
  return TRUE;
}

PochtaStoredMessage *
pochta_mail_store_deliver (PochtaMailStore *self,
                           const char      *mailbox_name,
                           GBytes          *content,
                           GError         **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (mailbox_name != NULL, NULL);
  g_return_val_if_fail (content != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  Mailbox *mailbox = lookup_mailbox (self, mailbox_name, error);
  if (mailbox == NULL || !mailbox_ensure_scanned (mailbox, error))
    return NULL;

  g_autoptr (GBytes) wire = wire_form_of (content);
  g_autoptr (GBytes) file_form = mailbox->path != NULL ? to_file_form (wire) : NULL;
  gint64 now = pochta_generator_get_time (self->generator);

  for (guint attempt = 0; attempt < DELIVERY_ATTEMPTS; attempt++)
    {
      g_autofree char *key = make_key (self, now);
      g_autoptr (GError) local_error = NULL;
      gboolean retry = FALSE;

      if (g_hash_table_contains (mailbox->by_key, key))
        continue;
      if (mailbox->path != NULL && !deliver_to_maildir (mailbox, key, file_form, &retry, &local_error))
        {
          if (retry)
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      PochtaStoredMessage *message = message_new (mailbox, key, g_bytes_get_size (wire), now);
      if (mailbox->path != NULL)
        message->filename = g_build_filename ("new", key, NULL);
      else
        message->content = g_bytes_ref (wire);
      mailbox_append (mailbox, message);
      return pochta_stored_message_ref (message);
    }

  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
               "No free message name in mailbox %s after %d attempts",
               mailbox->path != NULL ? mailbox->path : mailbox->name, DELIVERY_ATTEMPTS);
  return NULL;
}

GPtrArray *
pochta_mail_store_list (PochtaMailStore *self, const char *mailbox_name, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (mailbox_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  Mailbox *mailbox = lookup_mailbox (self, mailbox_name, error);
  if (mailbox == NULL || !mailbox_refresh (mailbox, error))
    return NULL;

  GPtrArray *list = g_ptr_array_new_full (mailbox->messages->len,
                                          (GDestroyNotify) pochta_stored_message_unref);
  for (guint i = 0; i < mailbox->messages->len; i++)
    g_ptr_array_add (list, pochta_stored_message_ref (g_ptr_array_index (mailbox->messages, i)));
  return list;
}

static gboolean
message_gone (PochtaStoredMessage *message, GError **error)
{
  g_set_error (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_MESSAGE_GONE,
               "Message %s is no longer in mailbox %s", message->key,
               message->mailbox->path != NULL ? message->mailbox->path : message->mailbox->name);
  return FALSE;
}

/* Finds the message's file again after another program moved it (between
 * new/ and cur/, or to other flags). */
static gboolean
relocate (PochtaStoredMessage *message, GError **error)
{
  g_autofree char *old_filename = g_strdup (message->filename);

  if (!mailbox_refresh (message->mailbox, error))
    return FALSE;
  if (g_hash_table_lookup (message->mailbox->by_key, message->key) != message
      || g_strcmp0 (old_filename, message->filename) == 0)
    return message_gone (message, error);
  return TRUE;
}

GBytes *
pochta_mail_store_read (PochtaMailStore *self, PochtaStoredMessage *message, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (message->content != NULL)
    return g_bytes_ref (message->content);

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autofree char *path = g_build_filename (message->mailbox->path, message->filename, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;
      g_autoptr (GError) local_error = NULL;

      if (g_file_get_contents (path, &contents, &len, &local_error))
        return to_wire_form ((const guint8 *) contents, len);
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) || attempt > 0)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!relocate (message, error))
        return NULL;
    }
  g_assert_not_reached ();
}

static gboolean
move_to_cur (PochtaStoredMessage *message, const char *flags, GError **error)
{
  g_autofree char *file_name = pochta_strdup_printf ("%s:2,%s", message->key, flags);
  g_autofree char *relative = g_build_filename ("cur", file_name, NULL);
  g_autofree char *from = g_build_filename (message->mailbox->path, message->filename, NULL);
  g_autofree char *to = g_build_filename (message->mailbox->path, relative, NULL);
  g_autofree char *from_dir = g_path_get_dirname (from);
  g_autofree char *to_dir = g_path_get_dirname (to);

  if (g_rename (from, to) != 0)
    return set_errno_error (error, errno, "Cannot move", from);
  g_free (message->filename);
  message->filename = g_steal_pointer (&relative);
  return sync_directory (to_dir, error)
         && (g_strcmp0 (from_dir, to_dir) == 0 || sync_directory (from_dir, error));
}

gboolean
pochta_mail_store_mark_seen (PochtaMailStore *self, PochtaStoredMessage *message, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autofree char *flags = flags_with (message->flags, 'S');
  if (message->mailbox->path != NULL)
    {
      if (strchr (message->flags, 'S') != NULL && g_str_has_prefix (message->filename, "cur"))
        return TRUE;
      g_autoptr (GError) local_error = NULL;
      if (!move_to_cur (message, flags, &local_error))
        {
          if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_clear_pointer (&flags, g_free);
          if (!relocate (message, error))
            return FALSE;
          flags = flags_with (message->flags, 'S');
          if (!move_to_cur (message, flags, error))
            return FALSE;
        }
    }
  set_flags (message, g_steal_pointer (&flags));
  return TRUE;
}

gboolean
pochta_mail_store_is_locked (PochtaMailStore *self, const char *mailbox_name)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mailbox_name != NULL, FALSE);

  Mailbox *mailbox = g_hash_table_lookup (self->mailboxes, mailbox_name);
  return mailbox != NULL && mailbox->locked;
}

PochtaMailboxLock *
pochta_mail_store_lock (PochtaMailStore *self, const char *mailbox_name, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (mailbox_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  Mailbox *mailbox = lookup_mailbox (self, mailbox_name, error);
  if (mailbox == NULL)
    return NULL;
  if (mailbox->locked)
    {
      g_set_error (error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_IN_USE,
                   "Mailbox “%s” is in use", mailbox_name);
      return NULL;
    }

  g_autoptr (GPtrArray) snapshot = pochta_mail_store_list (self, mailbox_name, error);
  if (snapshot == NULL)
    return NULL;

  PochtaMailboxLock *lock = g_new0 (PochtaMailboxLock, 1);
  lock->store = pochta_mail_store_ref (self);
  lock->mailbox = mailbox;
  lock->snapshot = g_steal_pointer (&snapshot);
  mailbox->locked = TRUE;
  return lock;
}

const char *
pochta_mailbox_lock_get_mailbox (PochtaMailboxLock *lock)
{
  g_return_val_if_fail (lock != NULL, NULL);
  return lock->mailbox->name;
}

GPtrArray *
pochta_mailbox_lock_get_messages (PochtaMailboxLock *lock)
{
  g_return_val_if_fail (lock != NULL, NULL);
  return lock->snapshot;
}

static gboolean
unlink_message (PochtaStoredMessage *message, GError **error)
{
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autofree char *path = g_build_filename (message->mailbox->path, message->filename, NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      if (g_unlink (path) == 0)
        return sync_directory (dir, error);
      if (errno != ENOENT)
        return set_errno_error (error, errno, "Cannot remove", path);

      g_autoptr (GError) local_error = NULL;
      if (!relocate (message, &local_error))
        {
          if (g_error_matches (local_error, POCHTA_MAIL_STORE_ERROR, POCHTA_MAIL_STORE_ERROR_MESSAGE_GONE))
            return TRUE;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return message_gone (message, error);
}

gboolean
pochta_mailbox_lock_expunge (PochtaMailboxLock *lock, GPtrArray *messages, GError **error)
{
  g_return_val_if_fail (lock != NULL, FALSE);
  g_return_val_if_fail (messages != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < messages->len; i++)
    g_return_val_if_fail (g_ptr_array_find (lock->snapshot, g_ptr_array_index (messages, i), NULL),
                          FALSE);

  GError *first_error = NULL;
  for (guint i = 0; i < messages->len; i++)
    {
      PochtaStoredMessage *message = g_ptr_array_index (messages, i);
      g_autoptr (GError) local_error = NULL;
      if (lock->mailbox->path != NULL && !unlink_message (message, &local_error))
        {
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
          continue;
        }
      mailbox_remove (lock->mailbox, message);
    }
  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }
  return TRUE;
}

void
pochta_mailbox_lock_release (PochtaMailboxLock *lock)
{
  if (lock == NULL)
    return;
  lock->mailbox->locked = FALSE;
  g_ptr_array_unref (lock->snapshot);
  pochta_mail_store_unref (lock->store);
  g_free (lock);
}
