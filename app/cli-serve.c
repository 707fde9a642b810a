/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `pochta-cli serve`: simulated hosts on real loopback ports, for real
 * mail clients, until SIGINT or SIGTERM. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "bridge.h"
#include "busy-poll.h"
#include "cli-private.h"
#include "transcript-export.h"

#define DEFAULT_HOST "comp3.otd2.constr.org"
#define DEFAULT_LISTEN "127.0.0.1"
/* Above 1023, so that no privilege is needed; 2525 and 2110 echo 25 and
 * 110. */
#define DEFAULT_SMTP_PORT 2525
#define DEFAULT_POP3_PORT 2110
/* A server runs for days: past this many lines the transcript keeps only
 * MTA events, so memory stays bounded (about 10 KB a message with its
 * content lines recorded). */
#define DEFAULT_TRANSCRIPT_LIMIT 500000
/* µs the main loop asks again before it sleeps (busy-poll.h): longer than
 * a lock-step client takes to read a reply and send its next command on
 * another CPU (25 µs sufficed for smtp-source in the README's sweep, so
 * this leaves room for slower clients), short enough that a burst's end
 * costs little CPU. */
#define DEFAULT_BUSY_POLL 100
#define MAX_BUSY_POLL 10000

typedef struct
{
  char *network;
  char *host;
  gboolean all;
  char *listen;
  int smtp_port;
  int pop3_port;
  char *maildir;
  char *transcript;
  int max_sessions;
  int idle_timeout;
  int greet_delay;
  int transcript_limit;
  int busy_poll;
} ServeOptions;

static void
serve_options_clear (ServeOptions *options)
{
  g_free (options->network);
  g_free (options->host);
  g_free (options->listen);
  g_free (options->maildir);
  g_free (options->transcript);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServeOptions, serve_options_clear)

static int
fail (const char *message)
{
  g_printerr ("pochta-cli serve: %s\n", message);
  return 1;
}

static gboolean
parse_options (int *argc, char ***argv, ServeOptions *options, int *out_status)
{
  const GOptionEntry entries[] = {
    { "network", 'n', 0, G_OPTION_ARG_FILENAME, &options->network,
      N_("A network file, or a built-in network's id (default constr-org)"), N_("FILE|ID") },
    { "host", 0, 0, G_OPTION_ARG_STRING, &options->host,
      N_("The simulated host to serve (default comp3.otd2.constr.org)"), N_("NAME") },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &options->all,
      N_("Serve every host, each on its own pair of ports"), NULL },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &options->listen,
      N_("The address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
    { "smtp-port", 0, 0, G_OPTION_ARG_INT, &options->smtp_port,
      N_("The SMTP port (default 2525; 0 picks a free one)"), N_("N") },
    { "pop3-port", 0, 0, G_OPTION_ARG_INT, &options->pop3_port,
      N_("The POP3 port (default 2110; 0 picks a free one)"), N_("N") },
    { "maildir", 'm', 0, G_OPTION_ARG_FILENAME, &options->maildir,
      N_("Keep the mailboxes under DIR (one Maildir per user) and load them at start"),
      N_("DIR") },
    { "transcript", 't', 0, G_OPTION_ARG_FILENAME, &options->transcript,
      N_("Write the transcript as JSON to FILE when stopped"), N_("FILE.json") },
    { "max-sessions", 0, 0, G_OPTION_ARG_INT, &options->max_sessions,
      N_("Sessions open at once; more get 421 4.3.2 (default 1000)"), N_("N") },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &options->idle_timeout,
      N_("Close a session idle this long with 421 4.4.2 (default 300 for SMTP, 600 for POP3)"),
      N_("SECONDS") },
    { "greet-delay", 0, 0, G_OPTION_ARG_INT, &options->greet_delay,
      N_("Wait this long before the greeting: the early-talker lesson (default 0)"), N_("MS") },
    { "transcript-limit", 0, 0, G_OPTION_ARG_INT, &options->transcript_limit,
      N_("Record at most N lines in the transcript, then only MTA events (default 500000)"),
      N_("N") },
    { "busy-poll", 0, 0, G_OPTION_ARG_INT, &options->busy_poll,
      N_("After activity, ask the sockets again for up to this long before sleeping; 0: never "
         "(default 100)"),
      N_("MICROSECONDS") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;

  options->smtp_port = DEFAULT_SMTP_PORT;
  options->pop3_port = DEFAULT_POP3_PORT;
  options->transcript_limit = DEFAULT_TRANSCRIPT_LIMIT;
  options->busy_poll = DEFAULT_BUSY_POLL;
  g_option_context_set_summary (
    context, _("Puts simulated hosts on real TCP ports, so that real mail clients (telnet,\n"
               "curl, Python's smtplib, Thunderbird) can talk to them.  Prints one line per\n"
               "listener, \"listening smtp HOST ADDRESS:PORT\", and runs until SIGINT or\n"
               "SIGTERM."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    *out_status = cli_usage_error ("serve", error->message);
  else if (*argc != 1)
    *out_status = cli_usage_error ("serve", _("serve takes no arguments"));
  else if (options->all && options->host != NULL)
    *out_status = cli_usage_error ("serve", _("--host and --all exclude each other"));
  else if (options->smtp_port < 0 || options->smtp_port > G_MAXUINT16 || options->pop3_port < 0
           || options->pop3_port > G_MAXUINT16)
    *out_status = cli_usage_error ("serve", _("a port is a number from 0 to 65535"));
  else if (options->max_sessions < 0 || options->idle_timeout < 0 || options->greet_delay < 0)
    *out_status
      = cli_usage_error ("serve", _("--max-sessions, --idle-timeout and --greet-delay are not negative"));
  else if (options->transcript_limit < 1)
    *out_status = cli_usage_error ("serve", _("--transcript-limit is a positive number of lines"));
  else if (options->busy_poll < 0 || options->busy_poll > MAX_BUSY_POLL)
    *out_status = cli_usage_error ("serve", _("--busy-poll is from 0 to 10000 microseconds"));
  else
    return TRUE;
  return FALSE;
}

static PochtaSimulation *
load_simulation (const char *network_name, GError **error)
{
  const char *name = network_name != NULL ? network_name : "constr-org";
  PochtaNetwork *network = g_file_test (name, G_FILE_TEST_IS_REGULAR)
                             ? pochta_network_load_file (name, error)
                             : pochta_network_load_builtin (name, error);
  if (network == NULL)
    return NULL;
  /* A live server: real time of day and zone, fresh challenges each run. */
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  int utc_offset = (int) (g_date_time_get_utc_offset (now) / G_TIME_SPAN_MINUTE);
  return pochta_simulation_new (network, g_random_int (), g_get_real_time (), utc_offset);
}

static char *
format_endpoint (GInetAddress *address, guint16 port)
{
  g_autofree char *text = g_inet_address_to_string (address);
  return g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6
           ? g_strdup_printf ("[%s]:%u", text, port)
           : g_strdup_printf ("%s:%u", text, port);
}

/* The next port of a run of them, or 0 (a free one) for 0. */
static gboolean
nth_port (int base, guint index, guint16 *out_port)
{
  if (base == 0)
    {
      *out_port = 0;
      return TRUE;
    }
  if ((guint) base + index > G_MAXUINT16)
    return FALSE;
  *out_port = (guint16) (base + (int) index);
  return TRUE;
}

/* Listens for both services of host (those it has); prints a line for
 * each, which scripts read (the format is fixed, not translated). */
static gboolean
serve_host (PochtaBridge *bridge, const PochtaHost *host, GInetAddress *address,
            const ServeOptions *options, guint index, GError **error)
{
  const struct
  {
    PochtaProtocol protocol;
    guint16 service_port;
    int base;
  } services[] = {
    { POCHTA_PROTOCOL_SMTP, host->smtp_port, options->smtp_port },
    { POCHTA_PROTOCOL_POP3, host->pop3_port, options->pop3_port },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (services); i++)
    {
      guint16 port;
      if (services[i].service_port == 0)
        continue;
      if (!nth_port (services[i].base, index, &port))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("no port left for %s above %d"), host->name, services[i].base);
          return FALSE;
        }
      guint16 bound
        = pochta_bridge_listen (bridge, host->name, services[i].protocol, address, port, error);
      if (bound == 0)
        return FALSE;
      g_autofree char *endpoint = format_endpoint (address, bound);
      printf ("listening %s %s %s\n", pochta_protocol_to_string (services[i].protocol),
              host->name, endpoint);
    }
  return TRUE;
}

static gboolean
serve_hosts (PochtaBridge *bridge, PochtaSimulation *simulation, GInetAddress *address,
             const ServeOptions *options, GError **error)
{
  PochtaNetwork *network = pochta_simulation_get_network (simulation);

  if (!options->all)
    {
      const char *name = options->host != NULL ? options->host : DEFAULT_HOST;
      const PochtaHost *host = pochta_network_get_host (network, name);
      if (host == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no host %s on the network"),
                       name);
          return FALSE;
        }
      return serve_host (bridge, host, address, options, 0, error);
    }
  GPtrArray *hosts = pochta_network_get_hosts (network);
  for (guint i = 0; i < hosts->len; i++)
    if (!serve_host (bridge, g_ptr_array_index (hosts, i), address, options, i, error))
      return FALSE;
  return TRUE;
}

/* SIGINT and SIGTERM reach the loop through a pipe that one source
 * watches.  g_unix_signal_add () would make a source per signal, each
 * with a prepare and a check function that the loop calls at every
 * wakeup of every session. */
static int stop_pipe[2] = { -1, -1 };

static void
on_stop_signal (int signal_number)
{
  int saved_errno = errno;
  char byte = (char) signal_number;

  /* A full pipe means a stop is already on its way. */
  if (write (stop_pipe[1], &byte, 1) < 0)
    {
    }
  errno = saved_errno;
}

static gboolean
on_stop (int fd, GIOCondition condition, gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

/* The source's id, or 0 with the error set. */
static guint
watch_stop_signals (GMainLoop *loop, GError **error)
{
  struct sigaction action = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };

  if (!g_unix_open_pipe (stop_pipe, FD_CLOEXEC, error)
      || !g_unix_set_fd_nonblocking (stop_pipe[1], TRUE, error))
    return 0;
  sigemptyset (&action.sa_mask);
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);
  return g_unix_fd_add (stop_pipe[0], G_IO_IN, on_stop, loop);
}

/* A second signal while the sessions close ends the process at once. */
static void
unwatch_stop_signals (guint source_id)
{
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  g_source_remove (source_id);
  close (stop_pipe[0]);
  close (stop_pipe[1]);
  stop_pipe[0] = stop_pipe[1] = -1;
}

/* The simulation stops recording lines at the limit and notes it in the
 * transcript; the operator hears it on stderr. */
static void
on_line_limit_reached (PochtaSimulation *simulation, guint limit, gpointer user_data)
{
  g_printerr (_("pochta-cli serve: the transcript holds %u lines, its limit; later lines are "
                "not recorded (--transcript-limit)\n"),
              limit);
}

static gboolean
write_transcript (PochtaSimulation *simulation, const char *path, GError **error)
{
  g_autoptr (GBytes) json
    = pochta_transcript_export_json (pochta_simulation_get_transcript (simulation));
  gsize size;
  const char *data = g_bytes_get_data (json, &size);
  return g_file_set_contents (path, data, (gssize) size, error);
}

/* For the benchmark (G_MESSAGES_DEBUG=pochta-cli): how often spinning
 * spared a sleep. */
static void
log_busy_poll (void)
{
  PochtaBusyPollStats stats;

  pochta_busy_poll_get_stats (&stats);
  g_debug ("busy poll: %" G_GUINT64_FORMAT " polls, %" G_GUINT64_FORMAT " spun, %" G_GUINT64_FORMAT
           " of them caught something, %" G_GUINT64_FORMAT " slept",
           stats.polls, stats.spins, stats.caught, stats.slept);
}

int
cli_serve (int argc, char **argv)
{
  g_auto (ServeOptions) options = { 0 };
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (!parse_options (&argc, &argv, &options, &status))
    return status;
  g_autoptr (GInetAddress) address
    = g_inet_address_new_from_string (options.listen != NULL ? options.listen : DEFAULT_LISTEN);
  if (address == NULL)
    return cli_usage_error ("serve", _("--listen takes a numeric IPv4 or IPv6 address"));
  if (!g_inet_address_get_is_loopback (address))
    g_printerr (_("pochta-cli serve: warning: %s is not a loopback address; anyone who can "
                  "reach it can use the simulated hosts\n"),
                options.listen);

  g_autoptr (PochtaSimulation) simulation = load_simulation (options.network, &error);
  if (simulation == NULL)
    return fail (error->message);
  if (options.maildir != NULL && !pochta_simulation_set_maildir (simulation, options.maildir, &error))
    return fail (error->message);
  pochta_simulation_set_line_limit (simulation, (guint) options.transcript_limit);
  /* The transcript is written at the end; nobody watches it grow. */
  pochta_simulation_set_announce_items (simulation, FALSE);
  g_signal_connect (simulation, "line-limit-reached", G_CALLBACK (on_line_limit_reached), NULL);

  PochtaBridgeConfig config = {
    .max_sessions = (guint) options.max_sessions,
    .idle_timeout = (gint64) options.idle_timeout * G_TIME_SPAN_SECOND,
    .greet_delay = (gint64) options.greet_delay * G_TIME_SPAN_MILLISECOND,
  };
  /* Watched before the listening lines are printed: whoever reads them
   * may signal at once. */
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint stop_source = watch_stop_signals (loop, &error);
  if (stop_source == 0)
    return fail (error->message);
  g_autoptr (PochtaBridge) bridge = pochta_bridge_new (simulation, &config);
  if (!serve_hosts (bridge, simulation, address, &options, &error))
    return fail (error->message);
  pochta_bridge_start (bridge);
  fflush (stdout);

  pochta_busy_poll_install (NULL, (guint) options.busy_poll);
  g_main_loop_run (loop);
  pochta_busy_poll_uninstall (NULL);
  log_busy_poll ();
  unwatch_stop_signals (stop_source);

  pochta_bridge_shutdown (bridge);
  if (options.transcript != NULL && !write_transcript (simulation, options.transcript, &error))
    return fail (error->message);
  return 0;
}
