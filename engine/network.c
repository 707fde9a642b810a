/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loads network files (GKeyFile syntax) into a PochtaNetwork, with errors
 * that name the file and line. */
#define G_LOG_DOMAIN "pochta-network"
#include "config.h"

#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

#include "ascii-case-private.h"
#include "keyfile-lines.h"
#include "network.h"
#include "pochta-resources.h"

/* The resource folder the built-in networks are compiled into. */
#define BUILTIN_PREFIX "/io/github/pochta/Pochta/networks/"

G_DEFINE_QUARK (pochta-network-error-quark, pochta_network_error)

struct _PochtaNetwork
{
  char *id;
  char *name;
  char *domain;
  GPtrArray *departments;   /* of PochtaDepartment* */
  GPtrArray *hosts;         /* of PochtaHost* */
  GPtrArray *links;         /* of PochtaLink* */
  GHashTable *mx;           /* lower-case domain -> GPtrArray of PochtaMxRecord* */
  GHashTable *hosts_by_name; /* host name (any case) -> PochtaHost*, for lookups */
  PochtaDirectory *directory;
};

typedef struct
{
  const char *filename;
  PochtaKeyfileLines *lines;   /* where each group and key is */
  GKeyFile *file;
  PochtaNetwork *network;
} Loader;

/* ---- model ---- */

static void
department_free (gpointer data)
{
  PochtaDepartment *d = data;
  g_free (d->id);
  g_free (d->name);
  g_free (d->domain);
  g_free (d);
}

static void
host_free (gpointer data)
{
  PochtaHost *h = data;
  g_free (h->name);
  g_free (h->address);
  g_free (h->department);
  g_free (h);
}

static void
link_free (gpointer data)
{
  PochtaLink *l = data;
  g_free (l->id);
  g_strfreev (l->members);
  g_free (l);
}

static void
mx_record_free (gpointer data)
{
  PochtaMxRecord *r = data;
  g_free (r->exchanger);
  g_free (r);
}

void
pochta_network_free (PochtaNetwork *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->name);
  g_free (self->domain);
  g_ptr_array_unref (self->departments);
  g_ptr_array_unref (self->hosts);
  g_ptr_array_unref (self->links);
  g_hash_table_unref (self->mx);
  g_hash_table_unref (self->hosts_by_name);
  pochta_directory_free (self->directory);
  g_free (self);
}

static PochtaNetwork *
network_new (void)
{
  PochtaNetwork *self = g_new0 (PochtaNetwork, 1);
  self->departments = g_ptr_array_new_with_free_func (department_free);
  self->hosts = g_ptr_array_new_with_free_func (host_free);
  self->links = g_ptr_array_new_with_free_func (link_free);
  self->mx = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_ptr_array_unref);
  self->hosts_by_name = pochta_ascii_case_table_new (NULL);
  return self;
}

/* ---- errors with lines ---- */

static gboolean G_GNUC_PRINTF (5, 6)
fail (Loader *loader, guint line, GError **error, PochtaNetworkError code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, POCHTA_NETWORK_ERROR, code, "%s:%u: %s", loader->filename, line, message);
  return FALSE;
}

static guint
group_line (Loader *loader, const char *group)
{
  return pochta_keyfile_lines_group_line (loader->lines, group);
}

static guint
key_line (Loader *loader, const char *group, const char *key)
{
  return pochta_keyfile_lines_key_line (loader->lines, group, key);
}

/* The shape of every line, with GKeyFile's quiet merging of a repeated
 * group or key refused: a network file with either is a mistake worth a
 * line. */
static gboolean
scan_lines (Loader *loader, const char *data, gsize len, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  loader->lines = pochta_keyfile_lines_scan (data, len, loader->filename, NULL, &local_error);
  if (loader->lines != NULL)
    return TRUE;
  g_set_error_literal (error, POCHTA_NETWORK_ERROR,
                       g_error_matches (local_error, POCHTA_KEYFILE_ERROR, POCHTA_KEYFILE_ERROR_DUPLICATE)
                         ? POCHTA_NETWORK_ERROR_DUPLICATE
                         : POCHTA_NETWORK_ERROR_SYNTAX,
                       local_error->message);
  return FALSE;
}

/* Refuses keys the group kind does not know; Name and Description may be
 * translated (Name[ru]=...). */
static gboolean
check_keys (Loader *loader, const char *group, const char *const *known, GError **error)
{
  const PochtaKeyfileGroup *lines = pochta_keyfile_lines_find_group (loader->lines, group);

  for (guint i = 0; i < lines->entries->len; i++)
    {
      const PochtaKeyfileEntry *entry = g_ptr_array_index (lines->entries, i);
      gboolean localized = entry->locale != NULL;
      if (!g_strv_contains (known, entry->key)
          || (localized && strcmp (entry->key, "Name") != 0 && strcmp (entry->key, "Description") != 0))
        return fail (loader, entry->line, error, POCHTA_NETWORK_ERROR_UNKNOWN, "unknown key '%s%s%s%s' in [%s]",
                     entry->key, localized ? "[" : "", localized ? entry->locale : "", localized ? "]" : "", group);
    }
  return TRUE;
}

static char *
require_string (Loader *loader, const char *group, const char *key, GError **error)
{
  char *value = g_key_file_get_string (loader->file, group, key, NULL);
  if (value == NULL || *g_strstrip (value) == '\0')
    {
      g_free (value);
      fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_MISSING,
            "[%s] has no %s= line", group, key);
      return NULL;
    }
  return value;
}

/* ---- values ---- */

static gboolean
is_domain_name (const char *name)
{
  /* Letters, digits, hyphens and dots; no empty label (RFC 5321 §4.1.2). */
  if (name == NULL || *name == '\0' || *name == '.' || strlen (name) > 255)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || (*p == '.' && p[1] != '.' && p[1] != '\0')))
      return FALSE;
  return TRUE;
}

static gboolean
is_ipv4_address (const char *text)
{
  g_auto (GStrv) parts = g_strsplit (text, ".", -1);
  if (g_strv_length (parts) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      guint64 octet;
      if (!g_ascii_string_to_unsigned (parts[i], 10, 0, 255, &octet, NULL))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_uint (const char *text, guint64 max, guint64 *out_value)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  return g_ascii_string_to_unsigned (trimmed, 10, 0, max, out_value, NULL);
}

/* ---- groups ---- */

static gboolean
load_network_group (Loader *loader, GError **error)
{
  static const char *const known[] = { "Id", "Name", "Domain", "Description", NULL };
  PochtaNetwork *network = loader->network;

  if (pochta_keyfile_lines_find_group (loader->lines, "Network") == NULL)
    return fail (loader, 1, error, POCHTA_NETWORK_ERROR_MISSING, "no [Network] group");
  if (!check_keys (loader, "Network", known, error))
    return FALSE;
  if ((network->id = require_string (loader, "Network", "Id", error)) == NULL
      || (network->domain = require_string (loader, "Network", "Domain", error)) == NULL)
    return FALSE;
  if (!is_domain_name (network->domain))
    return fail (loader, key_line (loader, "Network", "Domain"), error, POCHTA_NETWORK_ERROR_VALUE,
                 "'%s' is not a domain name", network->domain);
  network->name = g_key_file_get_locale_string (loader->file, "Network", "Name", NULL, NULL);
  if (network->name == NULL)
    network->name = g_strdup (network->id);
  return TRUE;
}

static gboolean
load_department (Loader *loader, const char *group, const char *id, GError **error)
{
  static const char *const known[] = { "Name", "Domain", NULL };
  if (!check_keys (loader, group, known, error))
    return FALSE;

  PochtaDepartment *department = g_new0 (PochtaDepartment, 1);
  g_ptr_array_add (loader->network->departments, department);
  department->id = g_strdup (id);
  if ((department->domain = require_string (loader, group, "Domain", error)) == NULL)
    return FALSE;
  if (!is_domain_name (department->domain))
    return fail (loader, key_line (loader, group, "Domain"), error, POCHTA_NETWORK_ERROR_VALUE,
                 "'%s' is not a domain name", department->domain);
  department->name = g_key_file_get_locale_string (loader->file, group, "Name", NULL, NULL);
  if (department->name == NULL)
    department->name = g_strdup (id);
  return TRUE;
}

static gboolean
parse_services (Loader *loader, const char *group, PochtaHost *host, GError **error)
{
  g_auto (GStrv) services = g_key_file_get_string_list (loader->file, group, "Services", NULL, NULL);
  guint line = key_line (loader, group, "Services");

  for (guint i = 0; services != NULL && services[i] != NULL; i++)
    {
      g_auto (GStrv) parts = g_strsplit (g_strstrip (services[i]), ":", 2);
      guint64 port;
      if (g_strv_length (parts) != 2 || !parse_uint (parts[1], 65535, &port) || port == 0)
        return fail (loader, line, error, POCHTA_NETWORK_ERROR_VALUE,
                     "service '%s' should be smtp:PORT or pop3:PORT", services[i]);
      if (g_ascii_strcasecmp (parts[0], "smtp") == 0)
        host->smtp_port = (guint16) port;
      else if (g_ascii_strcasecmp (parts[0], "pop3") == 0)
        host->pop3_port = (guint16) port;
      else
        return fail (loader, line, error, POCHTA_NETWORK_ERROR_VALUE,
                     "unknown service '%s' (known: smtp, pop3)", parts[0]);
    }
  return TRUE;
}

static gboolean
load_host (Loader *loader, const char *group, const char *name, GError **error)
{
  static const char *const known[] = { "Department", "Address", "Profile", "Services", NULL };
  if (!check_keys (loader, group, known, error))
    return FALSE;
  if (!is_domain_name (name))
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_VALUE,
                 "'%s' is not a host name", name);

  PochtaHost *host = g_new0 (PochtaHost, 1);
  g_ptr_array_add (loader->network->hosts, host);
  host->name = g_strdup (name);
  g_hash_table_insert (loader->network->hosts_by_name, g_strdup (name), host);
  if ((host->address = require_string (loader, group, "Address", error)) == NULL)
    return FALSE;
  if (!is_ipv4_address (host->address))
    return fail (loader, key_line (loader, group, "Address"), error, POCHTA_NETWORK_ERROR_VALUE,
                 "'%s' is not an IPv4 address", host->address);

  g_autofree char *profile = require_string (loader, group, "Profile", error);
  if (profile == NULL)
    return FALSE;
  if (!pochta_smtp_profile_from_string (profile, &host->profile))
    return fail (loader, key_line (loader, group, "Profile"), error, POCHTA_NETWORK_ERROR_VALUE,
                 "unknown profile '%s' (known: seed, rfc821, modern)", profile);

  host->department = g_key_file_get_string (loader->file, group, "Department", NULL);
  return parse_services (loader, group, host, error);
}

static gboolean
load_user (Loader *loader, const char *group, const char *mailbox, GError **error)
{
  static const char *const known[] = { "FullName", "Password", NULL };
  if (!check_keys (loader, group, known, error))
    return FALSE;

  const char *at = strchr (mailbox, '@');
  if (at == NULL || at == mailbox || !is_domain_name (at + 1))
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_VALUE,
                 "a user is named by its mailbox, Login@host: '%s'", mailbox);
  g_autofree char *login = g_strndup (mailbox, (gsize) (at - mailbox));
  if (pochta_network_get_host (loader->network, at + 1) == NULL)
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_REFERENCE,
                 "no [Host %s] for user %s (hosts must come before their users)", at + 1, login);
  if (pochta_directory_find_mailbox (loader->network->directory, mailbox) != NULL)
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_DUPLICATE,
                 "user %s is given twice (logins do not differ by case)", mailbox);

  g_autofree char *full_name = require_string (loader, group, "FullName", error);
  g_autofree char *password = full_name != NULL ? require_string (loader, group, "Password", error) : NULL;
  if (password == NULL)
    return FALSE;
  pochta_directory_add_user (loader->network->directory, at + 1, login, full_name, password);
  return TRUE;
}

static gboolean
load_list (Loader *loader, const char *group, const char *address, GError **error)
{
  static const char *const known[] = { "Members", NULL };
  if (!check_keys (loader, group, known, error))
    return FALSE;

  const char *at = strchr (address, '@');
  if (at == NULL || at == address || pochta_network_get_host (loader->network, at + 1) == NULL)
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_REFERENCE,
                 "a list is named name@host with a known host: '%s'", address);
  g_auto (GStrv) members = g_key_file_get_string_list (loader->file, group, "Members", NULL, NULL);
  if (members == NULL || members[0] == NULL)
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_MISSING,
                 "[%s] needs a Members= line", group);
  for (guint i = 0; members[i] != NULL; i++)
    {
      g_strstrip (members[i]);
      const char *m_at = strchr (members[i], '@');
      if (m_at == NULL || m_at == members[i] || !is_domain_name (m_at + 1))
        return fail (loader, key_line (loader, group, "Members"), error, POCHTA_NETWORK_ERROR_VALUE,
                     "'%s' is not a mailbox", members[i]);
    }
  g_autofree char *name = g_strndup (address, (gsize) (at - address));
  pochta_directory_add_list (loader->network->directory, at + 1, name, (const char *const *) members);
  return TRUE;
}

static gint
compare_mx (gconstpointer a, gconstpointer b)
{
  const PochtaMxRecord *x = *(PochtaMxRecord *const *) a;
  const PochtaMxRecord *y = *(PochtaMxRecord *const *) b;
  return (x->preference > y->preference) - (x->preference < y->preference);
}

static gboolean
load_mx (Loader *loader, const char *group, const char *domain, GError **error)
{
  static const char *const known[] = { "Exchangers", NULL };
  if (!check_keys (loader, group, known, error))
    return FALSE;
  if (!is_domain_name (domain))
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_VALUE,
                 "'%s' is not a domain name", domain);

  g_auto (GStrv) entries = g_key_file_get_string_list (loader->file, group, "Exchangers", NULL, NULL);
  guint line = key_line (loader, group, "Exchangers");
  if (entries == NULL || entries[0] == NULL)
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_MISSING,
                 "[%s] needs an Exchangers= line", group);

  GPtrArray *records = g_ptr_array_new_with_free_func (mx_record_free);
  g_hash_table_insert (loader->network->mx, g_ascii_strdown (domain, -1), records);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_auto (GStrv) parts = g_strsplit (g_strstrip (entries[i]), " ", 2);
      guint64 preference;
      /* RFC 5321 §5.1 / RFC 1035: a 16-bit preference and a host. */
      if (g_strv_length (parts) != 2 || !parse_uint (parts[0], 65535, &preference))
        return fail (loader, line, error, POCHTA_NETWORK_ERROR_VALUE,
                     "'%s' should be PREFERENCE HOST, e.g. 10 mail.constr.org", entries[i]);
      g_strstrip (parts[1]);
      if (pochta_network_get_host (loader->network, parts[1]) == NULL)
        return fail (loader, line, error, POCHTA_NETWORK_ERROR_REFERENCE,
                     "MX host '%s' is not a [Host] of this network", parts[1]);
      PochtaMxRecord *record = g_new0 (PochtaMxRecord, 1);
      record->preference = (guint) preference;
      record->exchanger = g_strdup (parts[1]);
      g_ptr_array_add (records, record);
    }
  g_ptr_array_sort (records, compare_mx);
  return TRUE;
}

static const PochtaLink *
find_link (PochtaNetwork *network, const char *id)
{
  for (guint i = 0; i < network->links->len; i++)
    {
      const PochtaLink *link = g_ptr_array_index (network->links, i);
      if (strcmp (link->id, id) == 0)
        return link;
    }
  return NULL;
}

static gboolean
load_link (Loader *loader, const char *group, const char *id, GError **error)
{
  static const char *const known[] = { "Kind", "Members", "Latency", NULL };
  if (!check_keys (loader, group, known, error))
    return FALSE;

  PochtaLink *link = g_new0 (PochtaLink, 1);
  g_ptr_array_add (loader->network->links, link);
  link->id = g_strdup (id);

  g_autofree char *kind = require_string (loader, group, "Kind", error);
  if (kind == NULL)
    return FALSE;
  if (strcmp (kind, "lan") == 0)
    link->kind = POCHTA_LINK_LAN;
  else if (strcmp (kind, "point-to-point") == 0)
    link->kind = POCHTA_LINK_POINT_TO_POINT;
  else
    return fail (loader, key_line (loader, group, "Kind"), error, POCHTA_NETWORK_ERROR_VALUE,
                 "unknown link kind '%s' (known: lan, point-to-point)", kind);

  g_autofree char *latency = require_string (loader, group, "Latency", error);
  guint64 ms;
  if (latency == NULL)
    return FALSE;
  if (!parse_uint (latency, 3600 * 1000, &ms))
    return fail (loader, key_line (loader, group, "Latency"), error, POCHTA_NETWORK_ERROR_VALUE,
                 "latency '%s' should be milliseconds, 0 to 3600000", latency);
  link->latency_ms = (guint) ms;

  link->members = g_key_file_get_string_list (loader->file, group, "Members", NULL, NULL);
  guint n = link->members != NULL ? g_strv_length (link->members) : 0;
  guint line = key_line (loader, group, "Members");
  if (link->kind == POCHTA_LINK_POINT_TO_POINT ? n != 2 : n < 2)
    return fail (loader, line, error, POCHTA_NETWORK_ERROR_VALUE,
                 link->kind == POCHTA_LINK_LAN ? "a lan needs two or more Members"
                                               : "a point-to-point link needs exactly two Members");
  for (guint i = 0; i < n; i++)
    {
      const char *member = g_strstrip (link->members[i]);
      const PochtaLink *lan = find_link (loader->network, member);
      gboolean ok = pochta_network_get_host (loader->network, member) != NULL
                    || (link->kind == POCHTA_LINK_POINT_TO_POINT && lan != NULL && lan->kind == POCHTA_LINK_LAN);
      if (!ok)
        return fail (loader, line, error, POCHTA_NETWORK_ERROR_REFERENCE,
                     "link member '%s' is neither a [Host] nor an earlier lan", member);
    }
  return TRUE;
}

static gboolean
check_departments (Loader *loader, GError **error)
{
  PochtaNetwork *network = loader->network;
  for (guint i = 0; i < network->hosts->len; i++)
    {
      const PochtaHost *host = g_ptr_array_index (network->hosts, i);
      gboolean found = host->department == NULL;
      for (guint j = 0; !found && j < network->departments->len; j++)
        found = strcmp (((PochtaDepartment *) g_ptr_array_index (network->departments, j))->id,
                        host->department) == 0;
      if (!found)
        {
          g_autofree char *group = g_strconcat ("Host ", host->name, NULL);
          return fail (loader, key_line (loader, group, "Department"), error,
                       POCHTA_NETWORK_ERROR_REFERENCE, "no [Department %s]", host->department);
        }
    }
  return TRUE;
}

static gboolean
load_group (Loader *loader, const char *group, GError **error)
{
  const char *space = strchr (group, ' ');
  if (strcmp (group, "Network") == 0)
    return TRUE;   /* read first, by load_network_group */
  if (space == NULL || space[1] == '\0')
    return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_UNKNOWN,
                 "unknown group [%s] (known: Network, Department, Host, User, List, MX, Link)", group);

  g_autofree char *kind = g_strndup (group, (gsize) (space - group));
  const char *name = space + 1;
  if (strcmp (kind, "Department") == 0)
    return load_department (loader, group, name, error);
  if (strcmp (kind, "Host") == 0)
    {
      if (pochta_network_get_host (loader->network, name) != NULL)
        return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_DUPLICATE,
                     "host %s is given twice (names do not differ by case)", name);
      if (!load_host (loader, group, name, error))
        return FALSE;
      const PochtaHost *host = g_ptr_array_index (loader->network->hosts, loader->network->hosts->len - 1);
      pochta_directory_add_host (loader->network->directory, host->name, host->address, host->profile);
      return TRUE;
    }
  if (strcmp (kind, "User") == 0)
    return load_user (loader, group, name, error);
  if (strcmp (kind, "List") == 0)
    return load_list (loader, group, name, error);
  if (strcmp (kind, "MX") == 0)
    return load_mx (loader, group, name, error);
  if (strcmp (kind, "Link") == 0)
    return load_link (loader, group, name, error);
  return fail (loader, group_line (loader, group), error, POCHTA_NETWORK_ERROR_UNKNOWN,
               "unknown group kind '%s' (known: Network, Department, Host, User, List, MX, Link)", kind);
}

PochtaNetwork *
pochta_network_load_data (const char *data, gsize len, const char *filename, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  Loader loader = {
    .filename = filename != NULL ? filename : "(network)",
    .file = g_key_file_new (),
  };
  g_autoptr (PochtaNetwork) network = network_new ();
  g_autoptr (GError) local_error = NULL;
  gboolean ok = scan_lines (&loader, data, len, error);

  if (ok && !g_key_file_load_from_data (loader.file, data, len, G_KEY_FILE_NONE, &local_error))
    ok = fail (&loader, 1, error, POCHTA_NETWORK_ERROR_SYNTAX, "%s", local_error->message);

  loader.network = network;
  if (ok)
    ok = load_network_group (&loader, error);
  if (ok)
    {
      network->directory = pochta_directory_new (network->domain);
      g_auto (GStrv) groups = g_key_file_get_groups (loader.file, NULL);
      for (guint i = 0; ok && groups[i] != NULL; i++)
        ok = load_group (&loader, groups[i], error);
    }
  if (ok)
    ok = check_departments (&loader, error);

  g_clear_pointer (&loader.lines, pochta_keyfile_lines_free);
  g_key_file_free (loader.file);
  if (!ok && network->directory == NULL)
    network->directory = pochta_directory_new ("invalid");
  return ok ? g_steal_pointer (&network) : NULL;
}

PochtaNetwork *
pochta_network_load_file (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  g_autofree char *contents = NULL;
  gsize len;
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  return pochta_network_load_data (contents, len, path, error);
}

/* Naming the resource keeps its object file, and with it the constructor
 * that registers it, in a static link. */
static void
ensure_resources (void)
{
  (void) pochta_get_resource ();
}

PochtaNetwork *
pochta_network_load_builtin (const char *id, GError **error)
{
  g_return_val_if_fail (id != NULL, NULL);
  ensure_resources ();

  g_autofree char *path = g_strconcat (BUILTIN_PREFIX, id, ".network", NULL);
  g_autoptr (GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    {
      g_set_error (error, POCHTA_NETWORK_ERROR, POCHTA_NETWORK_ERROR_NOT_FOUND,
                   "no built-in network '%s'", id);
      return NULL;
    }
  g_autofree char *filename = g_strconcat (id, ".network", NULL);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  return pochta_network_load_data (data, len, filename, error);
}

/* g_ptr_array_sort () hands over pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

GStrv
pochta_network_list_builtin (void)
{
  ensure_resources ();
  g_auto (GStrv) names = g_resources_enumerate_children (BUILTIN_PREFIX, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  GPtrArray *ids = g_ptr_array_new ();

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    if (g_str_has_suffix (names[i], ".network"))
      g_ptr_array_add (ids, g_strndup (names[i], strlen (names[i]) - strlen (".network")));
  g_ptr_array_sort (ids, compare_names);
  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_free (ids, FALSE);
}

/* ---- queries ---- */

const char *
pochta_network_get_id (PochtaNetwork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
pochta_network_get_name (PochtaNetwork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
pochta_network_get_domain (PochtaNetwork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->domain;
}

GPtrArray *
pochta_network_get_departments (PochtaNetwork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->departments;
}

GPtrArray *
pochta_network_get_hosts (PochtaNetwork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->hosts;
}

GPtrArray *
pochta_network_get_links (PochtaNetwork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->links;
}

const PochtaHost *
pochta_network_get_host (PochtaNetwork *self, const char *name)
{
  g_return_val_if_fail (self != NULL && name != NULL, NULL);

  /* Host names compare without case (RFC 5321 §2.4). */
  return g_hash_table_lookup (self->hosts_by_name, name);
}

PochtaDirectory *
pochta_network_get_directory (PochtaNetwork *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->directory;
}

GPtrArray *
pochta_network_lookup_mx (PochtaNetwork *self, const char *domain)
{
  g_return_val_if_fail (self != NULL && domain != NULL, NULL);

  const GPtrArray *records = pochta_network_peek_mx (self, domain);
  GPtrArray *copy = g_ptr_array_new ();
  for (guint i = 0; records != NULL && i < records->len; i++)
    g_ptr_array_add (copy, g_ptr_array_index (records, i));
  return copy;
}

const GPtrArray *
pochta_network_peek_mx (PochtaNetwork *self, const char *domain)
{
  g_return_val_if_fail (self != NULL && domain != NULL, NULL);

  /* The table's keys are lower case; a domain name is at most 255
   * octets (RFC 1035 §2.3.4), so it is lowered on the stack. */
  char small[256];
  gsize len = strlen (domain);
  g_autofree char *large = len >= sizeof small ? g_malloc (len + 1) : NULL;
  char *key = large != NULL ? large : small;
  for (gsize i = 0; i <= len; i++)
    key[i] = (char) pochta_ascii_lower ((guchar) domain[i]);
  return g_hash_table_lookup (self->mx, key);
}

GStrv
pochta_network_dup_mx_domains (PochtaNetwork *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  GPtrArray *domains = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer domain;
  g_hash_table_iter_init (&iter, self->mx);
  while (g_hash_table_iter_next (&iter, &domain, NULL))
    g_ptr_array_add (domains, g_strdup (domain));
  g_ptr_array_sort (domains, compare_names);
  g_ptr_array_add (domains, NULL);
  return (GStrv) g_ptr_array_free (domains, FALSE);
}

/* Nodes of the latency graph are hosts and LANs.  Each host-to-LAN edge
 * weighs half the LAN's latency, so that host, LAN, host costs exactly the
 * latency, and a path into a LAN and out over a backbone costs half of it
 * on each side. */
static void
add_edge (GHashTable *graph, const char *a, const char *b, double weight)
{
  GHashTable *from_a = g_hash_table_lookup (graph, a);
  if (from_a == NULL)
    {
      from_a = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (graph, g_strdup (a), from_a);
    }
  double *w = g_hash_table_lookup (from_a, b);
  if (w == NULL || *w > weight)
    g_hash_table_insert (from_a, g_strdup (b), g_memdup2 (&weight, sizeof weight));
}

static GHashTable *
build_graph (PochtaNetwork *self)
{
  GHashTable *graph = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
  for (guint i = 0; i < self->links->len; i++)
    {
      const PochtaLink *link = g_ptr_array_index (self->links, i);
      g_autofree char *lan_node = g_strconcat ("lan:", link->id, NULL);
      for (guint m = 0; link->members[m] != NULL; m++)
        {
          g_autofree char *node = NULL;
          if (link->kind == POCHTA_LINK_LAN)
            {
              g_autofree char *host = g_ascii_strdown (link->members[m], -1);
              add_edge (graph, host, lan_node, link->latency_ms / 2.0);
              add_edge (graph, lan_node, host, link->latency_ms / 2.0);
              continue;
            }
          /* A point-to-point end is a host or a LAN's node. */
          const PochtaLink *lan = find_link (self, link->members[m]);
          node = lan != NULL ? g_strconcat ("lan:", lan->id, NULL) : g_ascii_strdown (link->members[m], -1);
          g_autofree char *other = NULL;
          const char *other_name = link->members[1 - m];
          const PochtaLink *other_lan = find_link (self, other_name);
          other = other_lan != NULL ? g_strconcat ("lan:", other_lan->id, NULL) : g_ascii_strdown (other_name, -1);
          add_edge (graph, node, other, link->latency_ms);
        }
    }
  return graph;
}

gboolean
pochta_network_get_latency (PochtaNetwork *self,
                            const char    *from_host,
                            const char    *to_host,
                            gint64        *out_latency_usec)
{
  g_return_val_if_fail (self != NULL && from_host != NULL && to_host != NULL, FALSE);

  g_autofree char *from = g_ascii_strdown (from_host, -1);
  g_autofree char *to = g_ascii_strdown (to_host, -1);
  if (strcmp (from, to) == 0)
    {
      if (out_latency_usec != NULL)
        *out_latency_usec = 0;
      return TRUE;
    }

  /* Dijkstra over a graph of a few dozen nodes: a linear scan for the
   * nearest unvisited node is plenty. */
  g_autoptr (GHashTable) graph = build_graph (self);
  g_autoptr (GHashTable) dist = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  double zero = 0;
  g_hash_table_insert (dist, g_strdup (from), g_memdup2 (&zero, sizeof zero));

  for (;;)
    {
      const char *best = NULL;
      double best_d = 0;
      GHashTableIter iter;
      gpointer key, value;
      g_hash_table_iter_init (&iter, dist);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (!g_hash_table_contains (done, key) && (best == NULL || *(double *) value < best_d))
          {
            best = key;
            best_d = *(double *) value;
          }
      if (best == NULL)
        return FALSE;
      if (strcmp (best, to) == 0)
        {
          if (out_latency_usec != NULL)
            *out_latency_usec = (gint64) (best_d * 1000.0 + 0.5);
          return TRUE;
        }
      g_autofree char *current = g_strdup (best);
      g_hash_table_add (done, g_strdup (current));
      GHashTable *edges = g_hash_table_lookup (graph, current);
      if (edges == NULL)
        continue;
      g_hash_table_iter_init (&iter, edges);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          double d = best_d + *(double *) value;
          double *old = g_hash_table_lookup (dist, key);
          if (old == NULL || d < *old)
            g_hash_table_insert (dist, g_strdup (key), g_memdup2 (&d, sizeof d));
        }
    }
}
