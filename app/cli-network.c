/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `pochta-cli network`: prints a network file, or a built-in network,
 * as the simulation sees it: departments, hosts with their addresses,
 * SMTP profiles and services, users, lists, MX records and links. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>

#include "cli-private.h"
#include "network.h"

#define DEFAULT_NETWORK "constr-org"

static PochtaNetwork *
load_network (const char *name, GError **error)
{
  if (g_file_test (name, G_FILE_TEST_EXISTS))
    return pochta_network_load_file (name, error);

  g_autoptr (GError) builtin_error = NULL;
  PochtaNetwork *network = pochta_network_load_builtin (name, &builtin_error);
  if (network != NULL)
    return network;
  g_auto (GStrv) ids = pochta_network_list_builtin ();
  g_autofree char *known = g_strjoinv (", ", ids);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s: no such file, nor a built-in network (built-in: %s)"),
               name, known);
  return NULL;
}

static void
print_departments (PochtaNetwork *network)
{
  GPtrArray *departments = pochta_network_get_departments (network);
  if (departments->len == 0)
    return;
  g_print ("\n%s\n", _("Departments:"));
  for (guint i = 0; i < departments->len; i++)
    {
      const PochtaDepartment *d = g_ptr_array_index (departments, i);
      g_print ("  %-8s %-24s %s\n", d->id, d->domain, d->name);
    }
}

static char *
format_services (const PochtaHost *host)
{
  GString *services = g_string_new (NULL);
  if (host->smtp_port != 0)
    g_string_append_printf (services, "smtp:%u", host->smtp_port);
  if (host->pop3_port != 0)
    g_string_append_printf (services, "%spop3:%u", services->len > 0 ? " " : "", host->pop3_port);
  if (services->len == 0)
    g_string_append (services, _("no services"));
  return g_string_free (services, FALSE);
}

static void
print_hosts (PochtaNetwork *network)
{
  GPtrArray *hosts = pochta_network_get_hosts (network);
  g_print ("\n%s\n", _("Hosts:"));
  for (guint i = 0; i < hosts->len; i++)
    {
      const PochtaHost *h = g_ptr_array_index (hosts, i);
      g_autofree char *services = format_services (h);
      g_print ("  %-26s %-15s %-8s %-7s %s\n", h->name, h->address, h->department != NULL ? h->department : "-",
               pochta_smtp_profile_to_string (h->profile), services);
    }
}

static void
print_users (PochtaNetwork *network)
{
  GPtrArray *users = pochta_directory_get_users (pochta_network_get_directory (network));
  if (users->len == 0)
    return;
  g_print ("\n%s\n", _("Users (mailbox, full name, password):"));
  for (guint i = 0; i < users->len; i++)
    {
      const PochtaUser *user = g_ptr_array_index (users, i);
      g_autofree char *mailbox = pochta_user_dup_mailbox (user);
      g_print ("  %-36s %-18s %s\n", mailbox, user->full_name, user->password);
    }
}

static void
print_lists (PochtaNetwork *network)
{
  PochtaDirectory *directory = pochta_network_get_directory (network);
  GPtrArray *hosts = pochta_network_get_hosts (network);
  gboolean any = FALSE;

  for (guint i = 0; i < hosts->len; i++)
    {
      const PochtaHost *host = g_ptr_array_index (hosts, i);
      g_auto (GStrv) names = pochta_directory_dup_list_names (directory, host->name);
      for (guint n = 0; names[n] != NULL; n++)
        {
          const char *const *members = pochta_directory_get_list_members (directory, host->name, names[n]);
          g_autofree char *joined = g_strjoinv (", ", (char **) members);
          if (!any)
            g_print ("\n%s\n", _("Lists (for EXPN):"));
          any = TRUE;
          g_print ("  %s@%s: %s\n", names[n], host->name, joined);
        }
    }
}

static void
print_mx (PochtaNetwork *network)
{
  g_auto (GStrv) domains = pochta_network_dup_mx_domains (network);
  g_print ("\n%s\n", _("MX records (a host name without one is its own implicit MX, RFC 5321 §5.1):"));
  for (guint i = 0; domains[i] != NULL; i++)
    {
      g_autoptr (GPtrArray) records = pochta_network_lookup_mx (network, domains[i]);
      g_autoptr (GString) list = g_string_new (NULL);
      for (guint r = 0; r < records->len; r++)
        {
          const PochtaMxRecord *record = g_ptr_array_index (records, r);
          g_string_append_printf (list, "%s%u %s", r > 0 ? ", " : "", record->preference, record->exchanger);
        }
      g_print ("  %-24s %s\n", domains[i], list->str);
    }
}

static void
print_links (PochtaNetwork *network)
{
  GPtrArray *links = pochta_network_get_links (network);
  if (links->len == 0)
    return;
  g_print ("\n%s\n", _("Links (latency in virtual time):"));
  for (guint i = 0; i < links->len; i++)
    {
      const PochtaLink *link = g_ptr_array_index (links, i);
      g_autofree char *members = g_strjoinv (", ", link->members);
      g_print ("  %-16s %-14s %5u ms  %s\n", link->id, link->kind == POCHTA_LINK_LAN ? "lan" : "point-to-point",
               link->latency_ms, members);
    }
}

int
cli_network (int argc, char **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr (GOptionContext) context = g_option_context_new (_("[FILE|ID]"));
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Prints a network: its departments, hosts (address, SMTP profile,\n"
                                  "services), users, lists, MX records and links.  With no argument,\n"
                                  "the built-in constr-org network of the thesis."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error ("network", error->message);
  if (argc > 2)
    return cli_usage_error ("network", _("network takes one network file or id at most"));

  g_autoptr (PochtaNetwork) network = load_network (argc > 1 ? argv[1] : DEFAULT_NETWORK, &error);
  if (network == NULL)
    {
      g_printerr ("pochta-cli network: %s\n", error->message);
      return 1;
    }
  g_print (_("Network %s: %s, domain %s\n"), pochta_network_get_id (network), pochta_network_get_name (network),
           pochta_network_get_domain (network));
  print_departments (network);
  print_hosts (network);
  print_users (network);
  print_lists (network);
  print_mx (network);
  print_links (network);
  return 0;
}
