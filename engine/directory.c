/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hosts, users and lists of a simulated network, and the SMTP policy of a
 * host derived from them. */
#define G_LOG_DOMAIN "pochta-directory"
#include "config.h"

#include <string.h>

#include "ascii-case-private.h"
#include "directory.h"

typedef struct
{
  PochtaDirectory *directory;  /* back pointer for the policy callbacks */
  char *hostname;
  char *address;
  PochtaSmtpProfile profile;
  GPtrArray *users;            /* of PochtaUser*, owned by the directory */
  GHashTable *lists;           /* lower-case name -> GStrv of members */
  PochtaDeliverFunc deliver;   /* where the host's SMTP server hands messages */
  gpointer deliver_data;
} DirectoryHost;

struct _PochtaDirectory
{
  char *enterprise_domain;
  GPtrArray *hosts;            /* of DirectoryHost* */
  GPtrArray *users;            /* of PochtaUser* */
  /* Every SMTP command of every session looks names up: by hash, so that
   * a network of a thousand hosts costs no more per lookup than five. */
  GHashTable *hosts_by_name;   /* host name (any case) -> DirectoryHost* */
  GHashTable *users_by_login;  /* login (any case) -> the first PochtaUser* of that login */
};

static void
user_free (gpointer data)
{
  PochtaUser *user = data;
  g_free (user->login);
  g_free (user->full_name);
  g_free (user->password);
  g_free (user->host);
  g_free (user);
}

static void
host_free (gpointer data)
{
  DirectoryHost *host = data;
  g_free (host->hostname);
  g_free (host->address);
  g_ptr_array_unref (host->users);
  g_hash_table_unref (host->lists);
  g_free (host);
}

PochtaDirectory *
pochta_directory_new (const char *enterprise_domain)
{
  g_return_val_if_fail (enterprise_domain != NULL, NULL);

  PochtaDirectory *self = g_new0 (PochtaDirectory, 1);
  self->enterprise_domain = g_strdup (enterprise_domain);
  self->hosts = g_ptr_array_new_with_free_func (host_free);
  self->users = g_ptr_array_new_with_free_func (user_free);
  self->hosts_by_name = pochta_ascii_case_table_new (NULL);
  self->users_by_login = pochta_ascii_case_table_new (NULL);
  return self;
}

void
pochta_directory_free (PochtaDirectory *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->hosts_by_name);
  g_hash_table_unref (self->users_by_login);
  g_ptr_array_unref (self->hosts);
  g_ptr_array_unref (self->users);
  g_free (self->enterprise_domain);
  g_free (self);
}

static DirectoryHost *
find_host (PochtaDirectory *self, const char *hostname)
{
  /* Domain names compare without case (RFC 5321 §2.4). */
  return g_hash_table_lookup (self->hosts_by_name, hostname);
}

void
pochta_directory_add_host (PochtaDirectory  *self,
                           const char       *hostname,
                           const char       *address,
                           PochtaSmtpProfile profile)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (hostname != NULL && address != NULL);
  g_return_if_fail (find_host (self, hostname) == NULL);

  DirectoryHost *host = g_new0 (DirectoryHost, 1);
  host->directory = self;
  host->hostname = g_strdup (hostname);
  host->address = g_strdup (address);
  host->profile = profile;
  host->users = g_ptr_array_new ();
  host->lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  g_ptr_array_add (self->hosts, host);
  g_hash_table_insert (self->hosts_by_name, g_strdup (host->hostname), host);
}

void
pochta_directory_add_user (PochtaDirectory *self,
                           const char      *host_name,
                           const char      *login,
                           const char      *full_name,
                           const char      *password)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (login != NULL && full_name != NULL && password != NULL);
  DirectoryHost *host = find_host (self, host_name);
  g_return_if_fail (host != NULL);

  PochtaUser *user = g_new0 (PochtaUser, 1);
  user->login = g_strdup (login);
  user->full_name = g_strdup (full_name);
  user->password = g_strdup (password);
  user->host = g_strdup (host->hostname);
  g_ptr_array_add (self->users, user);
  g_ptr_array_add (host->users, user);
  if (!g_hash_table_contains (self->users_by_login, user->login))
    g_hash_table_insert (self->users_by_login, g_strdup (user->login), user);
}

void
pochta_directory_add_list (PochtaDirectory   *self,
                           const char        *host_name,
                           const char        *name,
                           const char *const *members)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL && members != NULL);
  DirectoryHost *host = find_host (self, host_name);
  g_return_if_fail (host != NULL);

  g_hash_table_replace (host->lists, g_ascii_strdown (name, -1), g_strdupv ((char **) members));
}

gboolean
pochta_directory_get_host (PochtaDirectory   *self,
                           const char        *hostname,
                           const char       **out_address,
                           PochtaSmtpProfile *out_profile)
{
  g_return_val_if_fail (self != NULL && hostname != NULL, FALSE);

  DirectoryHost *host = find_host (self, hostname);
  if (host == NULL)
    return FALSE;
  if (out_address != NULL)
    *out_address = host->address;
  if (out_profile != NULL)
    *out_profile = host->profile;
  return TRUE;
}

static const PochtaUser *
find_user_on_host (DirectoryHost *host, const char *login)
{
  for (guint i = 0; i < host->users->len; i++)
    {
      const PochtaUser *user = g_ptr_array_index (host->users, i);
      /* constr-org.md: logins match case-insensitively. */
      if (g_ascii_strcasecmp (user->login, login) == 0)
        return user;
    }
  return NULL;
}

const PochtaUser *
pochta_directory_find_mailbox (PochtaDirectory *self, const char *mailbox)
{
  g_return_val_if_fail (self != NULL && mailbox != NULL, NULL);

  const char *at = strrchr (mailbox, '@');
  if (at == NULL)
    return NULL;
  g_autofree char *login = g_strndup (mailbox, (gsize) (at - mailbox));
  DirectoryHost *host = find_host (self, at + 1);
  return host != NULL ? find_user_on_host (host, login) : NULL;
}

const PochtaUser *
pochta_directory_find_login (PochtaDirectory *self, const char *login)
{
  g_return_val_if_fail (self != NULL && login != NULL, NULL);

  return g_hash_table_lookup (self->users_by_login, login);
}

char *
pochta_user_dup_mailbox (const PochtaUser *user)
{
  g_return_val_if_fail (user != NULL, NULL);
  return g_strconcat (user->login, "@", user->host, NULL);
}

/* g_ptr_array_sort () hands over pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
pochta_directory_get_users (PochtaDirectory *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->users;
}

GStrv
pochta_directory_dup_list_names (PochtaDirectory *self, const char *hostname)
{
  g_return_val_if_fail (self != NULL && hostname != NULL, NULL);

  DirectoryHost *host = find_host (self, hostname);
  GPtrArray *names = g_ptr_array_new ();
  if (host != NULL)
    {
      GHashTableIter iter;
      gpointer name;
      g_hash_table_iter_init (&iter, host->lists);
      while (g_hash_table_iter_next (&iter, &name, NULL))
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);
    }
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

const char *const *
pochta_directory_get_list_members (PochtaDirectory *self, const char *hostname, const char *name)
{
  g_return_val_if_fail (self != NULL && hostname != NULL && name != NULL, NULL);

  DirectoryHost *host = find_host (self, hostname);
  if (host == NULL)
    return NULL;
  g_autofree char *key = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (host->lists, key);
}

static char *
format_user (const PochtaUser *user)
{
  return g_strdup_printf ("%s <%s@%s>", user->full_name, user->login, user->host);
}

/* "Postmaster" alone or at this host must be accepted (RFC 5321 §4.5.1). */
static gboolean
is_postmaster (DirectoryHost *host, const char *mailbox)
{
  const char *at = strrchr (mailbox, '@');
  gsize local_len = at != NULL ? (gsize) (at - mailbox) : strlen (mailbox);

  if (local_len != strlen ("postmaster") || g_ascii_strncasecmp (mailbox, "postmaster", local_len) != 0)
    return FALSE;
  return at == NULL || g_ascii_strcasecmp (at + 1, host->hostname) == 0;
}

static PochtaSmtpRcptVerdict
policy_check_recipient (const PochtaSmtpEnvelope *envelope,
                        const char               *mailbox,
                        char                    **out_text,
                        gpointer                  user_data)
{
  DirectoryHost *host = user_data;
  const char *at = strrchr (mailbox, '@');

  if (is_postmaster (host, mailbox))
    return POCHTA_SMTP_RCPT_OK;
  if (at == NULL || g_ascii_strcasecmp (at + 1, host->hostname) != 0)
    return POCHTA_SMTP_RCPT_RELAY_DENIED;

  g_autofree char *login = g_strndup (mailbox, (gsize) (at - mailbox));
  return find_user_on_host (host, login) != NULL ? POCHTA_SMTP_RCPT_OK : POCHTA_SMTP_RCPT_NO_SUCH_USER;
}

static PochtaSmtpVrfyVerdict
policy_verify (const char *query, GPtrArray *out_matches, gpointer user_data)
{
  DirectoryHost *host = user_data;
  const PochtaUser *user = NULL;
  const char *at = strrchr (query, '@');

  if (at == NULL)
    user = find_user_on_host (host, query);
  else if (g_ascii_strcasecmp (at + 1, host->hostname) == 0)
    {
      g_autofree char *login = g_strndup (query, (gsize) (at - query));
      user = find_user_on_host (host, login);
    }
  if (user == NULL)
    return POCHTA_SMTP_VRFY_UNKNOWN;
  g_ptr_array_add (out_matches, format_user (user));
  return POCHTA_SMTP_VRFY_FOUND;
}

static gboolean
policy_expand (const char *list, GPtrArray *out_members, gpointer user_data)
{
  DirectoryHost *host = user_data;
  g_autofree char *key = g_ascii_strdown (list, -1);
  char **members = g_hash_table_lookup (host->lists, key);

  if (members == NULL)
    return FALSE;
  for (char **m = members; *m != NULL; m++)
    {
      const PochtaUser *user = pochta_directory_find_mailbox (host->directory, *m);
      g_ptr_array_add (out_members, user != NULL ? format_user (user) : g_strdup_printf ("<%s>", *m));
    }
  return TRUE;
}

static char *
policy_get_secret (const char *login, gpointer user_data)
{
  DirectoryHost *host = user_data;
  /* Accounts are enterprise-wide for SMTP AUTH (constr-org.md). */
  const PochtaUser *user = pochta_directory_find_login (host->directory, login);
  return user != NULL ? g_strdup (user->password) : NULL;
}

static PochtaSmtpDeliverVerdict
policy_deliver (const PochtaSmtpEnvelope *envelope,
                GBytes                   *message,
                char                    **out_id,
                gpointer                  user_data)
{
  DirectoryHost *host = user_data;
  return host->deliver (envelope, message, out_id, host->deliver_data);
}

void
pochta_directory_init_smtp_policy (PochtaDirectory  *self,
                                   const char       *hostname,
                                   PochtaDeliverFunc deliver,
                                   gpointer          deliver_data,
                                   PochtaSmtpPolicy *out_policy)
{
  g_return_if_fail (self != NULL && hostname != NULL && out_policy != NULL);
  DirectoryHost *host = find_host (self, hostname);
  g_return_if_fail (host != NULL);

  memset (out_policy, 0, sizeof *out_policy);
  out_policy->check_recipient = policy_check_recipient;
  out_policy->verify = policy_verify;
  out_policy->expand = policy_expand;
  out_policy->get_secret = policy_get_secret;
  out_policy->deliver = deliver != NULL ? policy_deliver : NULL;
  out_policy->user_data = host;
  host->deliver = deliver;
  host->deliver_data = deliver_data;
}
