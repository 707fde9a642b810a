/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the link map: latencies over the links that are up. */
#include "config.h"

#include "link-map.h"

static PochtaNetwork *
load_constr_org (void)
{
  g_autoptr (GError) error = NULL;
  PochtaNetwork *network = pochta_network_load_builtin ("constr-org", &error);
  g_assert_no_error (error);
  return network;
}

/* With no faults the map agrees with the network's own answer. */
static void
test_matches_network (void)
{
  g_autoptr (PochtaNetwork) network = load_constr_org ();
  g_autoptr (PochtaLinkMap) map = pochta_link_map_new (network);
  GPtrArray *hosts = pochta_network_get_hosts (network);

  for (guint i = 0; i < hosts->len; i++)
    for (guint j = 0; j < hosts->len; j++)
      {
        const char *a = ((const PochtaHost *) g_ptr_array_index (hosts, i))->name;
        const char *b = ((const PochtaHost *) g_ptr_array_index (hosts, j))->name;
        gint64 expected = -1, actual = -2;
        g_assert_true (pochta_network_get_latency (network, a, b, &expected));
        g_assert_true (pochta_link_map_get_latency (map, a, b, &actual));
        g_assert_cmpint (actual, ==, expected);
        /* By node, as connections ask: the same answer. */
        guint from = pochta_link_map_find_node (map, a), to = pochta_link_map_find_node (map, b);
        gint64 by_node = -3;
        g_assert_cmpuint (from, !=, 0);
        g_assert_true (pochta_link_map_get_node_latency (map, from, to, &by_node));
        g_assert_cmpint (by_node, ==, expected);
      }
  g_assert_cmpuint (pochta_link_map_find_node (map, "nowhere.example"), ==, 0);
  g_assert_false (pochta_link_map_get_node_latency (map, 0, 1, NULL));
}

static const struct
{
  const char *from;
  const char *to;
  gint64 latency;
} latencies[] = {
  { "comp1.otd1.constr.org", "comp2.otd1.constr.org", 1000 },
  { "comp1.otd1.constr.org", "mail.constr.org", 20500 },
  { "COMP1.OTD1.CONSTR.ORG", "comp3.otd2.constr.org", 41000 },
  { "comp4.otd2.constr.org", "comp3.otd2.constr.org", 1000 },
  { "comp3.otd2.constr.org", "comp3.otd2.constr.org", 0 },
};

/* constr-org.md: LANs of 1 ms, backbones of 20 ms. */
static void
test_constr_org_latencies (void)
{
  g_autoptr (PochtaNetwork) network = load_constr_org ();
  g_autoptr (PochtaLinkMap) map = pochta_link_map_new (network);

  for (guint i = 0; i < G_N_ELEMENTS (latencies); i++)
    {
      gint64 latency = -1;
      g_assert_true (
        pochta_link_map_get_latency (map, latencies[i].from, latencies[i].to, &latency));
      g_assert_cmpint (latency, ==, latencies[i].latency);
    }
  g_assert_false (
    pochta_link_map_get_latency (map, "comp1.otd1.constr.org", "nowhere.example", NULL));
  g_assert_true (pochta_link_map_has_link (map, "otd2-backbone"));
  g_assert_false (pochta_link_map_has_link (map, "otd3-backbone"));
}

static void
test_link_down (void)
{
  g_autoptr (PochtaNetwork) network = load_constr_org ();
  g_autoptr (PochtaLinkMap) map = pochta_link_map_new (network);
  gint64 latency = -1;

  pochta_link_map_set_down (map, "otd2-backbone", TRUE);
  g_assert_true (pochta_link_map_is_down (map, "otd2-backbone"));
  g_assert_false (
    pochta_link_map_get_latency (map, "comp1.otd1.constr.org", "comp3.otd2.constr.org", NULL));
  g_assert_false (
    pochta_link_map_get_latency (map, "mail.constr.org", "comp4.otd2.constr.org", NULL));
  /* Inside the department nothing changed. */
  g_assert_true (
    pochta_link_map_get_latency (map, "comp3.otd2.constr.org", "comp4.otd2.constr.org", &latency));
  g_assert_cmpint (latency, ==, 1000);
  g_assert_true (
    pochta_link_map_get_latency (map, "comp1.otd1.constr.org", "mail.constr.org", &latency));
  g_assert_cmpint (latency, ==, 20500);

  pochta_link_map_set_down (map, "otd2-backbone", FALSE);
  g_assert_true (
    pochta_link_map_get_latency (map, "comp1.otd1.constr.org", "comp3.otd2.constr.org", &latency));
  g_assert_cmpint (latency, ==, 41000);
}

static void
test_slowdown (void)
{
  g_autoptr (PochtaNetwork) network = load_constr_org ();
  g_autoptr (PochtaLinkMap) map = pochta_link_map_new (network);
  gint64 latency = -1;

  pochta_link_map_set_slowdown (map, "otd1-backbone", 10);
  g_assert_cmpuint (pochta_link_map_get_slowdown (map, "otd1-backbone"), ==, 10);
  g_assert_true (
    pochta_link_map_get_latency (map, "comp1.otd1.constr.org", "comp3.otd2.constr.org", &latency));
  g_assert_cmpint (latency, ==, 500 + 200000 + 20000 + 500);
  /* A slow LAN slows both of its halves. */
  pochta_link_map_set_slowdown (map, "otd1-lan", 3);
  g_assert_true (
    pochta_link_map_get_latency (map, "comp1.otd1.constr.org", "comp2.otd1.constr.org", &latency));
  g_assert_cmpint (latency, ==, 3000);
  pochta_link_map_set_slowdown (map, "otd1-backbone", 1);
  pochta_link_map_set_slowdown (map, "otd1-lan", 1);
  g_assert_true (
    pochta_link_map_get_latency (map, "comp1.otd1.constr.org", "comp3.otd2.constr.org", &latency));
  g_assert_cmpint (latency, ==, 41000);
}

/* Two ways round: losing one link leaves the longer one. */
static void
test_other_path (void)
{
  static const char text[] =
    "[Network]\nId=ring\nName=Ring\nDomain=ring.test\n"
    "[Host a.ring.test]\nAddress=192.0.2.1\nProfile=modern\nServices=smtp:25\n"
    "[Host b.ring.test]\nAddress=192.0.2.2\nProfile=modern\nServices=smtp:25\n"
    "[Host c.ring.test]\nAddress=192.0.2.3\nProfile=modern\nServices=smtp:25\n"
    "[Link ab]\nKind=point-to-point\nMembers=a.ring.test;b.ring.test\nLatency=5\n"
    "[Link bc]\nKind=point-to-point\nMembers=b.ring.test;c.ring.test\nLatency=5\n"
    "[Link ac]\nKind=point-to-point\nMembers=a.ring.test;c.ring.test\nLatency=30\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaNetwork) network
    = pochta_network_load_data (text, sizeof text - 1, "ring", &error);
  g_assert_no_error (error);
  g_autoptr (PochtaLinkMap) map = pochta_link_map_new (network);
  gint64 latency = -1;

  g_assert_true (pochta_link_map_get_latency (map, "a.ring.test", "c.ring.test", &latency));
  g_assert_cmpint (latency, ==, 10000);
  pochta_link_map_set_down (map, "bc", TRUE);
  g_assert_true (pochta_link_map_get_latency (map, "a.ring.test", "c.ring.test", &latency));
  g_assert_cmpint (latency, ==, 30000);
  pochta_link_map_set_down (map, "ac", TRUE);
  g_assert_false (pochta_link_map_get_latency (map, "a.ring.test", "c.ring.test", &latency));
  g_assert_true (pochta_link_map_get_latency (map, "a.ring.test", "b.ring.test", &latency));
  g_assert_cmpint (latency, ==, 5000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/link-map/matches-network", test_matches_network);
  g_test_add_func ("/sim/link-map/constr-org", test_constr_org_latencies);
  g_test_add_func ("/sim/link-map/link-down", test_link_down);
  g_test_add_func ("/sim/link-map/slowdown", test_slowdown);
  g_test_add_func ("/sim/link-map/other-path", test_other_path);
  return g_test_run ();
}
