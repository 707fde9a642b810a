/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Who exists on a simulated network: hosts with their SMTP profile and
 * users, mailing lists; and the SMTP policy a host derives from it
 * (recipients, VRFY, EXPN, SASL secrets).  The network loader
 * (network.h) fills it from a network file. */
#pragma once

#include <glib.h>

#include "smtp-server.h"

G_BEGIN_DECLS

typedef struct
{
  char *login;       /* "Petrov": mailbox local part, matched case-insensitively */
  char *full_name;   /* "Ivan Petrov" */
  char *password;
  char *host;        /* "comp3.otd2.constr.org" */
} PochtaUser;

typedef struct _PochtaDirectory PochtaDirectory;

PochtaDirectory *pochta_directory_new (const char *enterprise_domain);
void pochta_directory_free (PochtaDirectory *self);

void pochta_directory_add_host (PochtaDirectory *self,
                                const char      *hostname,
                                const char      *address,
                                PochtaSmtpProfile profile);
void pochta_directory_add_user (PochtaDirectory *self,
                                const char      *host,
                                const char      *login,
                                const char      *full_name,
                                const char      *password);
/* members: NULL-terminated mailboxes. */
void pochta_directory_add_list (PochtaDirectory   *self,
                                const char        *host,
                                const char        *name,
                                const char *const *members);

gboolean pochta_directory_get_host (PochtaDirectory   *self,
                                    const char        *hostname,
                                    const char       **out_address,
                                    PochtaSmtpProfile *out_profile);
/* A user by mailbox ("Petrov@comp3.otd2.constr.org", case-insensitive). */
const PochtaUser *pochta_directory_find_mailbox (PochtaDirectory *self, const char *mailbox);
/* A user by login anywhere in the enterprise (SMTP AUTH is enterprise-wide). */
const PochtaUser *pochta_directory_find_login (PochtaDirectory *self, const char *login);
char *pochta_user_dup_mailbox (const PochtaUser *user);
/* Every user, of PochtaUser*, in the order they were added (borrowed). */
GPtrArray *pochta_directory_get_users (PochtaDirectory *self);
/* The names of hostname's lists (lower case), sorted; NULL-terminated. */
GStrv pochta_directory_dup_list_names (PochtaDirectory *self, const char *hostname);
/* The members of one of hostname's lists, or NULL. */
const char *const *pochta_directory_get_list_members (PochtaDirectory *self,
                                                      const char      *hostname,
                                                      const char      *name);

/* The policy of one host's SMTP server: local recipients and postmaster
 * accepted, others refused (550 No such user here; relay is the MTA's
 * business, later), VRFY by login or mailbox, EXPN of the host's lists,
 * enterprise-wide SASL secrets.  Finished messages go to deliver (with
 * deliver_data), which may be NULL to accept and drop them.  The directory
 * must outlive the policy's use. */
typedef PochtaSmtpDeliverVerdict (*PochtaDeliverFunc) (const PochtaSmtpEnvelope *envelope,
                                                       GBytes                   *message,
                                                       char                    **out_id,
                                                       gpointer                  deliver_data);
void pochta_directory_init_smtp_policy (PochtaDirectory  *self,
                                        const char       *hostname,
                                        PochtaDeliverFunc deliver,
                                        gpointer          deliver_data,
                                        PochtaSmtpPolicy *out_policy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaDirectory, pochta_directory_free)

G_END_DECLS
