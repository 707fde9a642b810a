/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `pochta-cli simulate`: a generated network of N hosts where M letters
 * are submitted, relayed and fetched over POP3, end to end, for scale;
 * prints what happened and what it cost (CPU time and peak memory). */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/resource.h>

#include "cli-private.h"
#include "simulation.h"

/* Hosts per department: each department is one LAN, joined to the hub
 * by a backbone link, like constr-org's otd1 and otd2. */
#define HOSTS_PER_DEPARTMENT 25
/* Users fetch their mail after every this many waves of letters, so the
 * mailboxes hold a few letters each, as a day's mail. */
#define WAVES_PER_FETCH 10
#define MAX_HOSTS 60000
#define MAX_LETTERS G_GUINT64_CONSTANT (100000000)

typedef struct
{
  guint64 stored;        /* MTA events: a message put in a mailbox */
  guint64 bounced;
  guint64 failed;        /* submissions or fetches that did not work */
} Counts;

typedef struct
{
  guint n_hosts;
  guint n_departments;
  GPtrArray *mailboxes;  /* of char*: one user per host, u0@h0.d0.sim.example, ... */
} Generated;

static char *
host_name (guint host, guint department)
{
  return g_strdup_printf ("h%u.d%u.sim.example", host, department);
}

/* RFC 2544's benchmarking range 198.18.0.0/15 labels the hosts: like
 * constr-org's documentation addresses, nothing is ever sent there. */
static char *
host_address (guint index)
{
  guint n = index + 1;
  return g_strdup_printf ("198.%u.%u.%u", 18 + n / 65536, (n / 256) % 256, n % 256);
}

static void
append_department (GString *text, Generated *generated, guint department, guint first, guint count)
{
  g_string_append_printf (text, "[Department d%u]\nDomain=d%u.sim.example\n\n", department, department);
  g_autoptr (GString) members = g_string_new (NULL);
  for (guint i = first; i < first + count; i++)
    {
      g_autofree char *name = host_name (i, department);
      g_autofree char *address = host_address (i);
      g_string_append_printf (text,
                              "[Host %s]\nDepartment=d%u\nAddress=%s\nProfile=modern\nServices=smtp:25;pop3:110\n\n",
                              name, department, address);
      g_string_append_printf (text, "[User u%u@%s]\nFullName=User %u\nPassword=secret%u\n\n", i, name, i, i);
      g_ptr_array_add (generated->mailboxes, g_strdup_printf ("u%u@%s", i, name));
      g_string_append_printf (members, "%s%s", members->len > 0 ? ";" : "", name);
    }
  /* A LAN needs two members; a department of one host is joined to the
   * hub directly. */
  if (count >= 2)
    g_string_append_printf (text,
                            "[Link d%u-lan]\nKind=lan\nMembers=%s\nLatency=1\n\n"
                            "[Link d%u-backbone]\nKind=point-to-point\nMembers=d%u-lan;mail.sim.example\n"
                            "Latency=20\n\n",
                            department, members->str, department, department);
  else
    g_string_append_printf (text, "[Link d%u-backbone]\nKind=point-to-point\nMembers=%s;mail.sim.example\n"
                                  "Latency=20\n\n",
                            department, members->str);
}

/* The network file of n_hosts hosts (and the hub), each with one user. */
static char *
generate_network (guint n_hosts, Generated *generated)
{
  GString *text = g_string_new (NULL);

  generated->n_hosts = n_hosts;
  generated->n_departments = (n_hosts + HOSTS_PER_DEPARTMENT - 1) / HOSTS_PER_DEPARTMENT;
  generated->mailboxes = g_ptr_array_new_with_free_func (g_free);
  g_string_append_printf (text, "[Network]\nId=generated\nName=%u generated hosts\nDomain=sim.example\n\n", n_hosts);
  g_string_append (text, "[Host mail.sim.example]\nAddress=198.19.255.254\nProfile=modern\nServices=smtp:25\n\n");
  for (guint d = 0; d < generated->n_departments; d++)
    {
      guint first = d * HOSTS_PER_DEPARTMENT;
      append_department (text, generated, d, first, MIN (HOSTS_PER_DEPARTMENT, n_hosts - first));
    }
  return g_string_free (text, FALSE);
}

/* Taken from the simulation's event counts after the run, so that no
 * event is formatted or announced on the way. */
static void
count_events (PochtaSimulation *simulation, Counts *counts)
{
  g_auto (GStrv) events = pochta_simulation_list_events (simulation);
  for (guint i = 0; events[i] != NULL; i++)
    {
      guint64 n = pochta_simulation_get_n_events (simulation, events[i]);
      if (strcmp (events[i], "stored") == 0)
        counts->stored += n;
      else if (strcmp (events[i], "bounced") == 0)
        counts->bounced += n;
      else if (g_str_has_suffix (events[i], "-failed") || strcmp (events[i], "submit-refused") == 0)
        counts->failed += n;
    }
}

static double
seconds (const struct timeval *t)
{
  return (double) t->tv_sec + (double) t->tv_usec / 1e6;
}

static void
fetch_pending (PochtaSimulation *simulation, Generated *generated, guint *pending)
{
  for (guint u = 0; u < generated->mailboxes->len; u++)
    {
      if (pending[u] == 0)
        continue;
      pochta_simulation_fetch (simulation, g_ptr_array_index (generated->mailboxes, u), FALSE, NULL);
      pending[u] = 0;
    }
  pochta_simulation_run_until_idle (simulation);
}

/* Waves of letters: in each, every user (in turn) writes to another one
 * chosen at random; the network settles after each wave. */
static void
run_letters (PochtaSimulation *simulation, Generated *generated, guint64 n_letters, guint32 seed)
{
  guint n_users = generated->mailboxes->len;
  g_autofree guint *pending = g_new0 (guint, n_users);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (CliProgress) progress = cli_progress_new (_("Simulating"), n_letters);
  guint64 sent = 0;
  guint wave = 0;

  while (sent < n_letters)
    {
      guint64 in_wave = MIN ((guint64) n_users, n_letters - sent);
      for (guint64 k = 0; k < in_wave; k++)
        {
          guint from = (guint) k;
          guint to = (from + 1 + (guint) g_rand_int_range (rand, 0, (gint32) MAX (n_users - 1, 1))) % n_users;
          const char *recipients[] = { g_ptr_array_index (generated->mailboxes, to), NULL };
          g_autofree char *subject = g_strdup_printf ("Letter %" G_GUINT64_FORMAT, sent + k + 1);
          pochta_simulation_submit (simulation, g_ptr_array_index (generated->mailboxes, from), recipients, subject,
                                    "Hello!\nThis letter crosses the generated network.\n", NULL);
          pending[to]++;
        }
      sent += in_wave;
      pochta_simulation_run_until_idle (simulation);
      if (++wave % WAVES_PER_FETCH == 0 || sent == n_letters)
        fetch_pending (simulation, generated, pending);
      cli_progress_update (progress, sent);
    }
}

static void
print_report (PochtaSimulation *simulation, Generated *generated, guint64 n_letters, guint32 seed,
              const Counts *counts, const struct rusage *before, double wall)
{
  PochtaTranscript *transcript = pochta_simulation_get_transcript (simulation);
  guint64 fetched = 0;
  guint n_smtp = 0, n_pop3 = 0;
  struct rusage after;

  getrusage (RUSAGE_SELF, &after);
  for (guint u = 0; u < generated->mailboxes->len; u++)
    {
      fetched += pochta_simulation_get_n_fetched (simulation, g_ptr_array_index (generated->mailboxes, u));
    }
  for (guint id = 1; id <= pochta_transcript_get_n_connections (transcript); id++)
    {
      if (pochta_transcript_get_connection (transcript, id)->protocol == POCHTA_PROTOCOL_POP3)
        n_pop3++;
      else
        n_smtp++;
    }
  gint64 span = pochta_simulation_get_time (simulation) - POCHTA_SIMULATION_DEFAULT_START;
  double user = seconds (&after.ru_utime) - seconds (&before->ru_utime);
  double system = seconds (&after.ru_stime) - seconds (&before->ru_stime);

  g_print (_("Network: %u hosts in %u departments and a hub, %u users (seed %u)\n"), generated->n_hosts,
           generated->n_departments, generated->mailboxes->len, seed);
  g_print (_("Letters: %" G_GUINT64_FORMAT " submitted, %" G_GUINT64_FORMAT " stored, %" G_GUINT64_FORMAT
             " fetched, %" G_GUINT64_FORMAT " bounced, %" G_GUINT64_FORMAT " failed\n"),
           n_letters, counts->stored, fetched, counts->bounced, counts->failed);
  g_print (_("Sessions: %u SMTP, %u POP3, over %.1f minutes of virtual time\n"), n_smtp, n_pop3,
           (double) span / G_TIME_SPAN_MINUTE);
  /* ru_maxrss is in kilobytes on Linux. */
  g_print (_("Cost: %.2f s of CPU (user %.2f s, system %.2f s), %.2f s of wall time, peak RSS %.1f MB\n"),
           user + system, user, system, wall, (double) after.ru_maxrss / 1024.0);
  g_autofree char *allocator = cli_allocator_describe ();
  g_print (_("Memory allocator: %s\n"), allocator);
}

int
cli_simulate (int argc, char **argv)
{
  gint64 n_hosts = 10;
  gint64 n_letters = 100;
  gint64 seed = 1;
  const GOptionEntry entries[] = {
    { "hosts", 'n', 0, G_OPTION_ARG_INT64, &n_hosts, N_("Hosts with one user each, 2 to 60000 (default 10)"), N_("N") },
    { "letters", 'm', 0, G_OPTION_ARG_INT64, &n_letters, N_("Letters to submit and fetch (default 100)"), N_("M") },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, N_("Seed of who writes to whom and of the engine (default 1)"),
      N_("S") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Generates a network of N hosts (25 to a department LAN, each LAN\n"
                                  "joined to a hub) with one user each, and has M letters submitted,\n"
                                  "relayed and fetched over POP3; prints the counts, the CPU time and\n"
                                  "the peak memory.  For scale: the engine's goal is 100,000 letters\n"
                                  "across 1,000 hosts in under 5 s of CPU and 300 MB."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error ("simulate", error->message);
  if (argc > 1)
    return cli_usage_error ("simulate", _("simulate takes no arguments"));
  if (n_hosts < 2 || n_hosts > MAX_HOSTS)
    return cli_usage_error ("simulate", _("--hosts is a number from 2 to 60000"));
  if (n_letters < 0 || (guint64) n_letters > MAX_LETTERS)
    return cli_usage_error ("simulate", _("--letters is a number from 0 to 100000000"));
  if (seed < 0 || seed > G_MAXUINT32)
    return cli_usage_error ("simulate", _("--seed is a number from 0 to 4294967295"));

  struct rusage before;
  getrusage (RUSAGE_SELF, &before);
  gint64 wall_start = g_get_monotonic_time ();

  Generated generated = { 0 };
  g_autofree char *text = generate_network ((guint) n_hosts, &generated);
  PochtaNetwork *network = pochta_network_load_data (text, strlen (text), "generated.network", &error);
  if (network == NULL)
    {
      g_printerr ("pochta-cli simulate: %s\n", error->message);
      g_ptr_array_unref (generated.mailboxes);
      return 1;
    }
  g_autoptr (PochtaSimulation) simulation = pochta_simulation_new (network, (guint32) seed,
                                                                   POCHTA_SIMULATION_DEFAULT_START, 0);
  /* The lines are what a transcript view shows; at this scale only the
   * counts matter. */
  pochta_simulation_set_record_lines (simulation, FALSE);
  pochta_simulation_set_record_events (simulation, FALSE);
  pochta_simulation_set_keep_fetched (simulation, FALSE);
  pochta_simulation_set_announce_items (simulation, FALSE);

  run_letters (simulation, &generated, (guint64) n_letters, (guint32) seed);
  double wall = (double) (g_get_monotonic_time () - wall_start) / G_USEC_PER_SEC;
  Counts counts = { 0 };
  count_events (simulation, &counts);
  print_report (simulation, &generated, (guint64) n_letters, (guint32) seed, &counts, &before, wall);

  gboolean complete = counts.stored == (guint64) n_letters && counts.failed == 0;
  g_ptr_array_unref (generated.mailboxes);
  if (!complete)
    g_printerr ("%s\n", _("pochta-cli simulate: not every letter reached its mailbox"));
  return complete ? 0 : 1;
}
