/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The mail store: per-user mailboxes of immutable messages, kept in memory
 * or in Maildir directories, with the exclusive lock a POP3 session holds
 * on a maildrop (RFC 1939 §4).
 *
 * Messages are kept in the form POP3 sends them: lines end in CRLF (a bare
 * LF becomes CRLF and a missing final CRLF is added at delivery), so that
 * a message's size is its exact octet count on the wire (RFC 1939 §11).
 *
 * Maildir (https://cr.yp.to/proto/maildir.html): a mailbox "name" is the
 * directory <root>/<name> with tmp/, new/ and cur/.  A delivery is written
 * to tmp/, fsync'd, linked into new/ and the directory fsync'd, so a crash
 * leaves at most a stray file in tmp/, never a partial one in new/ or cur/.
 * Files are stored with Unix LF line ends, as other Maildir programs
 * expect, unless the message holds a bare CR (then it is stored exactly),
 * and read back as CRLF; files other programs wrote with either line end
 * are read correctly.  Reading marks nothing; mark_seen () moves a message
 * to cur/ with the "S" flag ("<base>:2,S"); expunge () unlinks it.
 * File names are "<seconds>.M<usec>R<random>.<host>", time and randomness
 * from the store's PochtaGenerator, so the in-memory store is
 * deterministic.  A message's UIDL id (RFC 1939 §7) is its Maildir base
 * name (the file name up to ':') when that is 1-70 characters of
 * 0x21-0x7E, and the MD5 of the base name in hex otherwise.
 *
 * The lock is held in this process (one store per Maildir tree); Maildir
 * itself needs no lock for delivery.  The store is not thread-safe: like
 * the sessions, it belongs to one thread. */
#pragma once

#include <glib.h>

#include "generator.h"

G_BEGIN_DECLS

#define POCHTA_MAIL_STORE_ERROR (pochta_mail_store_error_quark ())
GQuark pochta_mail_store_error_quark (void);

/* Failures that are not the file system's own (those are G_FILE_ERROR,
 * with the path in the message). */
typedef enum
{
  POCHTA_MAIL_STORE_ERROR_NO_SUCH_MAILBOX,
  POCHTA_MAIL_STORE_ERROR_INVALID_NAME,
  /* Another session holds the mailbox (RFC 2449 §8.1.2 [IN-USE]). */
  POCHTA_MAIL_STORE_ERROR_IN_USE,
  /* Another program removed the message's file. */
  POCHTA_MAIL_STORE_ERROR_MESSAGE_GONE,
} PochtaMailStoreError;

typedef struct _PochtaMailStore PochtaMailStore;
typedef struct _PochtaStoredMessage PochtaStoredMessage;
typedef struct _PochtaMailboxLock PochtaMailboxLock;

/* An in-memory store.  hostname goes into the message ids; generator
 * (borrowed, must outlive the store) gives arrival times and the random
 * part of the ids. */
PochtaMailStore *pochta_mail_store_new (PochtaGenerator *generator, const char *hostname);
/* A store over the Maildir tree at root (created if missing); every
 * directory below root with new/ and cur/ is a mailbox. */
PochtaMailStore *pochta_mail_store_new_maildir (const char      *root,
                                               PochtaGenerator *generator,
                                               const char      *hostname,
                                               GError         **error);
PochtaMailStore *pochta_mail_store_ref (PochtaMailStore *self);
void pochta_mail_store_unref (PochtaMailStore *self);

/* The Maildir root, or NULL for an in-memory store. */
const char *pochta_mail_store_get_root (PochtaMailStore *self);

/* Creates the mailbox (its Maildir directories) unless it exists.  Names
 * are 1-255 characters of 0x21-0x7E without '/', not starting with '.'
 * (Maildir++ folders), and are case-sensitive. */
gboolean pochta_mail_store_create_mailbox (PochtaMailStore *self,
                                           const char      *name,
                                           GError         **error);
gboolean pochta_mail_store_has_mailbox (PochtaMailStore *self, const char *name);
/* Sorted names of every mailbox. */
GStrv pochta_mail_store_dup_mailbox_names (PochtaMailStore *self);

/* Stores a copy of content as a new message (also while the mailbox is
 * locked: the lock holder's snapshot does not change).  Returns a new
 * reference to it, or NULL with error; on error nothing is stored. */
PochtaStoredMessage *pochta_mail_store_deliver (PochtaMailStore *self,
                                                const char      *mailbox,
                                                GBytes          *content,
                                                GError         **error);

/* Every message now in the mailbox, oldest first (for a Maildir, after
 * reading the directories again).  An array of new references. */
GPtrArray *pochta_mail_store_list (PochtaMailStore *self,
                                   const char      *mailbox,
                                   GError         **error);

/* The message's octets, CRLF lines. */
GBytes *pochta_mail_store_read (PochtaMailStore     *self,
                                PochtaStoredMessage *message,
                                GError             **error);

/* Adds the Maildir "S" (seen) flag: new/<base> moves to cur/<base>:2,S. */
gboolean pochta_mail_store_mark_seen (PochtaMailStore     *self,
                                      PochtaStoredMessage *message,
                                      GError             **error);

gboolean pochta_mail_store_is_locked (PochtaMailStore *self, const char *mailbox);

/* Takes the mailbox's exclusive lock and a snapshot of its messages
 * (RFC 1939 §4).  POCHTA_MAIL_STORE_ERROR_IN_USE when it is held. */
PochtaMailboxLock *pochta_mail_store_lock (PochtaMailStore *self,
                                           const char      *mailbox,
                                           GError         **error);

const char *pochta_mailbox_lock_get_mailbox (PochtaMailboxLock *lock);
/* The messages as they were when the lock was taken, oldest first;
 * borrowed, unchanged by later deliveries. */
GPtrArray *pochta_mailbox_lock_get_messages (PochtaMailboxLock *lock);
/* Removes messages (each one from the snapshot) for good: RFC 1939 §6
 * UPDATE.  Tries all of them; FALSE with error naming the first that could
 * not be removed.  A message someone else removed already counts as
 * removed. */
gboolean pochta_mailbox_lock_expunge (PochtaMailboxLock *lock,
                                      GPtrArray         *messages,
                                      GError           **error);
/* Drops the lock and the snapshot; removes nothing. */
void pochta_mailbox_lock_release (PochtaMailboxLock *lock);

PochtaStoredMessage *pochta_stored_message_ref (PochtaStoredMessage *message);
void pochta_stored_message_unref (PochtaStoredMessage *message);
/* The Maildir base name ("1234567890.M0R3fKq9TzA.comp3.otd2.constr.org"). */
const char *pochta_stored_message_get_key (PochtaStoredMessage *message);
/* The UIDL id (RFC 1939 §7): stable across sessions, never reused. */
const char *pochta_stored_message_get_uid (PochtaStoredMessage *message);
/* Exact octets, CRLF counted as two (RFC 1939 §11). */
gsize pochta_stored_message_get_size (PochtaStoredMessage *message);
/* Microseconds since the Unix epoch. */
gint64 pochta_stored_message_get_arrival (PochtaStoredMessage *message);
/* Maildir info flags in ASCII order ("", "S", "RS"); they change when the
 * store marks the message seen. */
const char *pochta_stored_message_get_flags (PochtaStoredMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaMailStore, pochta_mail_store_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaStoredMessage, pochta_stored_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaMailboxLock, pochta_mailbox_lock_release)

G_END_DECLS
