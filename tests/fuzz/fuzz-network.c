/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: arbitrary network files through the loader, and every
 * query of a network that loads. */
#define G_LOG_DOMAIN "pochta-fuzz"
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "network.h"

#define FILENAME "fuzz.network"
/* Latency queries are quadratic in the hosts; the first few are plenty. */
#define LATENCY_HOSTS_MAX 8

/* DESIGN.md §5: bad input gets "file:line: what is wrong". */
static void
check_error (const GError *error)
{
  if (error == NULL)
    fuzz_fail ("refused without an error");
  if (error->domain != POCHTA_NETWORK_ERROR)
    fuzz_fail ("an error outside POCHTA_NETWORK_ERROR");

  const char *after_name = g_str_has_prefix (error->message, FILENAME ":")
                             ? error->message + strlen (FILENAME ":")
                             : NULL;
  if (after_name == NULL || !g_ascii_isdigit (*after_name))
    fuzz_fail ("an error message that does not start with file:line");
  if (!g_utf8_validate (error->message, -1, NULL))
    fuzz_fail ("an error message that is not UTF-8");
}

static void
query (PochtaNetwork *network)
{
  GPtrArray *hosts = pochta_network_get_hosts (network);
  PochtaDirectory *directory = pochta_network_get_directory (network);

  if (pochta_network_get_id (network) == NULL || pochta_network_get_domain (network) == NULL
      || pochta_network_get_name (network) == NULL || directory == NULL)
    fuzz_fail ("a loaded network without id, domain, name or directory");
  (void) pochta_network_get_departments (network);
  (void) pochta_network_get_links (network);

  for (guint i = 0; i < hosts->len; i++)
    {
      const PochtaHost *host = g_ptr_array_index (hosts, i);
      if (pochta_network_get_host (network, host->name) == NULL)
        fuzz_fail ("a host that lookup cannot find");
      g_autoptr (GPtrArray) mx = pochta_network_lookup_mx (network, host->name);
      for (guint j = 0; j < mx->len; j++)
        if (pochta_network_get_host (network, ((PochtaMxRecord *) g_ptr_array_index (mx, j))->exchanger) == NULL)
          fuzz_fail ("an MX record naming an unknown host");
      (void) pochta_directory_get_host (directory, host->name, NULL, NULL);
      g_autofree char *postmaster = g_strconcat ("postmaster@", host->name, NULL);
      (void) pochta_directory_find_mailbox (directory, postmaster);
    }
  for (guint i = 0; i < MIN (hosts->len, LATENCY_HOSTS_MAX); i++)
    for (guint j = 0; j < MIN (hosts->len, LATENCY_HOSTS_MAX); j++)
      {
        const PochtaHost *from = g_ptr_array_index (hosts, i);
        const PochtaHost *to = g_ptr_array_index (hosts, j);
        gint64 latency = -1;
        if (pochta_network_get_latency (network, from->name, to->name, &latency) && latency < 0)
          fuzz_fail ("a negative latency");
      }
  (void) pochta_directory_find_login (directory, "Ivanov");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaNetwork) network = pochta_network_load_data ((const char *) data, size, FILENAME, &error);

  if (network == NULL)
    check_error (error);
  else if (error != NULL)
    fuzz_fail ("loaded, yet with an error");
  else
    query (network);
  return 0;
}
