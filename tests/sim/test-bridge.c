/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loopback bridge's place in the main loop: one source in the default
 * context however many listeners and sessions it has (the loop walks
 * every source at every wakeup), and connections still accepted and
 * greeted while only the default context runs. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "bridge.h"
#include "sim-helpers.h"

/* How long a greeting may take on a loaded machine. */
#define GREETING_DEADLINE (10 * G_TIME_SPAN_SECOND)

/* Sources attached to the default context now.  GLib has no call for
 * that; it numbers a context's sources in order, so every id below a
 * fresh source's is looked up. */
static guint
count_default_sources (void)
{
  GSource *probe = g_idle_source_new ();
  guint last = g_source_attach (probe, NULL);
  guint n = 0;

  for (guint id = 1; id < last; id++)
    if (g_main_context_find_source_by_id (NULL, id) != NULL)
      n++;
  g_source_destroy (probe);
  g_source_unref (probe);
  return n;
}

static guint16
listen_on_loopback (PochtaBridge *bridge, const char *host, PochtaProtocol protocol)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  guint16 port = pochta_bridge_listen (bridge, host, protocol, loopback, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (port, >, 0);
  return port;
}

static GSocket *
connect_to (guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  GSocket *socket
    = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  /* The kernel completes the handshake from the backlog; the bridge
   * accepts when the loop runs. */
  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  return socket;
}

/* Runs the default context, and nothing else, until the socket has a
 * whole first line; returns it. */
static char *
read_greeting (GSocket *socket)
{
  GString *received = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + GREETING_DEADLINE;

  while (strchr (received->str, '\n') == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
      char buffer[512];
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL);
      g_assert_cmpint (n, !=, 0);
      if (n > 0)
        g_string_append_len (received, buffer, n);
    }
  return g_string_free (received, FALSE);
}

static void
test_one_source (void)
{
  g_autoptr (PochtaSimulation) simulation = sim_new_constr_org (1);
  guint before = count_default_sources ();
  PochtaBridge *bridge = pochta_bridge_new (simulation, NULL);

  guint16 smtp = listen_on_loopback (bridge, "comp3.otd2.constr.org", POCHTA_PROTOCOL_SMTP);
  listen_on_loopback (bridge, "comp3.otd2.constr.org", POCHTA_PROTOCOL_POP3);
  listen_on_loopback (bridge, "comp4.otd2.constr.org", POCHTA_PROTOCOL_SMTP);
  guint16 pop3 = listen_on_loopback (bridge, "comp4.otd2.constr.org", POCHTA_PROTOCOL_POP3);
  pochta_bridge_start (bridge);
  /* Four listeners, and still one source: the service's accept sources
   * are in a context of its own. */
  g_assert_cmpuint (count_default_sources (), ==, before + 1);

  g_autoptr (GSocket) smtp_client = connect_to (smtp);
  g_autoptr (GSocket) pop3_client = connect_to (pop3);
  g_autofree char *smtp_greeting = read_greeting (smtp_client);
  g_autofree char *pop3_greeting = read_greeting (pop3_client);
  g_assert_true (g_str_has_prefix (smtp_greeting, "220 comp3.otd2.constr.org "));
  g_assert_true (g_str_has_prefix (pop3_greeting, "+OK"));
  g_assert_cmpuint (pochta_bridge_get_n_sessions (bridge), ==, 2);
  /* Sessions add no source either. */
  g_assert_cmpuint (count_default_sources (), ==, before + 1);

  pochta_bridge_shutdown (bridge);
  g_assert_cmpuint (pochta_bridge_get_n_sessions (bridge), ==, 0);
  pochta_bridge_free (bridge);
  g_assert_cmpuint (count_default_sources (), ==, before);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bridge/one-source", test_one_source);
  return g_test_run ();
}
