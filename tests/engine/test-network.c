/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the network file loader: the built-in constr-org network, and
 * a clear file:line error for every kind of malformed input. */
#include "config.h"

#include <string.h>

#include "network.h"

static void
test_constr_org (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaNetwork) net = pochta_network_load_builtin ("constr-org", &error);
  g_assert_no_error (error);
  g_assert_nonnull (net);

  g_assert_cmpstr (pochta_network_get_id (net), ==, "constr-org");
  g_assert_cmpstr (pochta_network_get_domain (net), ==, "constr.org");
  g_assert_cmpuint (pochta_network_get_hosts (net)->len, ==, 5);
  g_assert_cmpuint (pochta_network_get_departments (net)->len, ==, 2);

  const PochtaHost *comp3 = pochta_network_get_host (net, "COMP3.otd2.constr.org");
  g_assert_nonnull (comp3);
  g_assert_cmpstr (comp3->address, ==, "198.51.100.13");
  g_assert_cmpint (comp3->profile, ==, POCHTA_SMTP_PROFILE_SEED);
  g_assert_cmpuint (comp3->smtp_port, ==, 25);
  g_assert_cmpuint (comp3->pop3_port, ==, 110);
  g_assert_cmpstr (comp3->department, ==, "otd2");
  g_assert_cmpint (pochta_network_get_host (net, "comp1.otd1.constr.org")->profile, ==, POCHTA_SMTP_PROFILE_RFC821);
  g_assert_null (pochta_network_get_host (net, "comp9.otd2.constr.org"));

  PochtaDirectory *dir = pochta_network_get_directory (net);
  const PochtaUser *petrov = pochta_directory_find_mailbox (dir, "petrov@comp3.otd2.constr.org");
  g_assert_nonnull (petrov);
  g_assert_cmpstr (petrov->full_name, ==, "Ivan Petrov");
  g_assert_cmpstr (petrov->password, ==, "petrov123");
  g_assert_null (pochta_directory_find_mailbox (dir, "Sidirov@comp3.otd2.constr.org"));
  g_assert_null (pochta_directory_find_mailbox (dir, "Petrov@comp4.otd2.constr.org"));
  g_assert_nonnull (pochta_directory_find_login (dir, "IVANOV"));

  g_autoptr (GPtrArray) mx = pochta_network_lookup_mx (net, "Constr.Org");
  g_assert_cmpuint (mx->len, ==, 2);
  g_assert_cmpuint (((PochtaMxRecord *) mx->pdata[0])->preference, ==, 10);
  g_assert_cmpstr (((PochtaMxRecord *) mx->pdata[0])->exchanger, ==, "mail.constr.org");
  g_assert_cmpstr (((PochtaMxRecord *) mx->pdata[1])->exchanger, ==, "comp1.otd1.constr.org");
  g_autoptr (GPtrArray) none = pochta_network_lookup_mx (net, "comp3.otd2.constr.org");
  g_assert_cmpuint (none->len, ==, 0);
  /* The borrowed form: the same records in the same order, in any case;
   * NULL for none, and for a name longer than any key. */
  const GPtrArray *peeked = pochta_network_peek_mx (net, "CONSTR.org");
  g_assert_nonnull (peeked);
  g_assert_cmpuint (peeked->len, ==, 2);
  g_assert_true (peeked->pdata[0] == mx->pdata[0] && peeked->pdata[1] == mx->pdata[1]);
  g_assert_null (pochta_network_peek_mx (net, "comp3.otd2.constr.org"));
  g_autofree char *long_name = g_strnfill (300, 'a');
  g_assert_null (pochta_network_peek_mx (net, long_name));

  /* LANs cost 1 ms host to host; each backbone 20 ms. */
  gint64 usec;
  g_assert_true (pochta_network_get_latency (net, "comp1.otd1.constr.org", "comp2.otd1.constr.org", &usec));
  g_assert_cmpint (usec, ==, 1000);
  g_assert_true (pochta_network_get_latency (net, "comp1.otd1.constr.org", "comp3.otd2.constr.org", &usec));
  g_assert_cmpint (usec, ==, 41000);
  g_assert_true (pochta_network_get_latency (net, "comp4.otd2.constr.org", "mail.constr.org", &usec));
  g_assert_cmpint (usec, ==, 20500);
  g_assert_true (pochta_network_get_latency (net, "mail.constr.org", "mail.constr.org", &usec));
  g_assert_cmpint (usec, ==, 0);
}

static void
test_builtin_list (void)
{
  g_auto (GStrv) ids = pochta_network_list_builtin ();
  g_assert_true (g_strv_contains ((const char *const *) ids, "constr-org"));

  g_autoptr (GError) error = NULL;
  g_assert_null (pochta_network_load_builtin ("no-such-net", &error));
  g_assert_error (error, POCHTA_NETWORK_ERROR, POCHTA_NETWORK_ERROR_NOT_FOUND);
}

#define HEAD "[Network]\nId=t\nDomain=t.example\n"
#define HOST "[Host a.t.example]\nAddress=192.0.2.1\nProfile=modern\n"

typedef struct
{
  const char *name;
  const char *text;
  PochtaNetworkError code;
  const char *message;   /* the whole error message */
  gsize len;             /* of text, when it holds a NUL; 0: strlen (text) */
} BadRow;

static const BadRow bad_rows[] = {
  { "no-network", "[Host a.b]\nAddress=192.0.2.1\nProfile=seed\n", POCHTA_NETWORK_ERROR_MISSING,
    "t.network:1: no [Network] group" },
  { "syntax", HEAD "what is this\n", POCHTA_NETWORK_ERROR_SYNTAX,
    "t.network:4: expected Key=value, a [group] or a # comment" },
  { "key-before-group", "Id=t\n", POCHTA_NETWORK_ERROR_SYNTAX, "t.network:1: a key before the first [group]" },
  { "bad-header", HEAD "[Host a\n", POCHTA_NETWORK_ERROR_SYNTAX,
    "t.network:4: a group header must look like [Kind name]" },
  { "unknown-key", HEAD HOST "Adress=192.0.2.1\n", POCHTA_NETWORK_ERROR_UNKNOWN,
    "t.network:7: unknown key 'Adress' in [Host a.t.example]" },
  { "translated-address", HEAD HOST "Address[ru]=x\n", POCHTA_NETWORK_ERROR_UNKNOWN,
    "t.network:7: unknown key 'Address[ru]' in [Host a.t.example]" },
  { "unknown-group", HEAD "[Router r1]\n", POCHTA_NETWORK_ERROR_UNKNOWN,
    "t.network:4: unknown group kind 'Router' (known: Network, Department, Host, User, List, MX, Link)" },
  { "duplicate-group", HEAD HOST HOST, POCHTA_NETWORK_ERROR_DUPLICATE,
    "t.network:7: [Host a.t.example] is given twice (first on line 4)" },
  { "duplicate-key", HEAD "Id=u\n", POCHTA_NETWORK_ERROR_DUPLICATE,
    "t.network:4: key 'Id' is given twice in this group" },
  { "missing-address", HEAD "[Host a.t.example]\nProfile=seed\n", POCHTA_NETWORK_ERROR_MISSING,
    "t.network:4: [Host a.t.example] has no Address= line" },
  { "bad-address", HEAD "[Host a.t.example]\nAddress=192.0.2.300\nProfile=seed\n", POCHTA_NETWORK_ERROR_VALUE,
    "t.network:5: '192.0.2.300' is not an IPv4 address" },
  { "bad-profile", HEAD "[Host a.t.example]\nAddress=192.0.2.1\nProfile=postfix\n", POCHTA_NETWORK_ERROR_VALUE,
    "t.network:6: unknown profile 'postfix' (known: seed, rfc821, modern)" },
  { "bad-service", HEAD HOST "Services=smtp:25;imap:143\n", POCHTA_NETWORK_ERROR_VALUE,
    "t.network:7: unknown service 'imap' (known: smtp, pop3)" },
  { "bad-port", HEAD HOST "Services=smtp:99999\n", POCHTA_NETWORK_ERROR_VALUE,
    "t.network:7: service 'smtp:99999' should be smtp:PORT or pop3:PORT" },
  { "user-without-host", HEAD "[User x@b.t.example]\nFullName=X\nPassword=p\n", POCHTA_NETWORK_ERROR_REFERENCE,
    "t.network:4: no [Host b.t.example] for user x (hosts must come before their users)" },
  { "user-twice", HEAD HOST "[User x@a.t.example]\nFullName=X\nPassword=p\n[User X@a.t.example]\nFullName=X\nPassword=p\n",
    POCHTA_NETWORK_ERROR_DUPLICATE, "t.network:10: user X@a.t.example is given twice (logins do not differ by case)" },
  { "user-no-password", HEAD HOST "[User x@a.t.example]\nFullName=X\n", POCHTA_NETWORK_ERROR_MISSING,
    "t.network:7: [User x@a.t.example] has no Password= line" },
  { "mx-unknown-host", HEAD HOST "[MX t.example]\nExchangers=10 b.t.example\n", POCHTA_NETWORK_ERROR_REFERENCE,
    "t.network:8: MX host 'b.t.example' is not a [Host] of this network" },
  { "mx-bad-preference", HEAD HOST "[MX t.example]\nExchangers=ten a.t.example\n", POCHTA_NETWORK_ERROR_VALUE,
    "t.network:8: 'ten a.t.example' should be PREFERENCE HOST, e.g. 10 mail.constr.org" },
  { "link-unknown-member", HEAD HOST "[Link l]\nKind=lan\nMembers=a.t.example;c.t.example\nLatency=1\n",
    POCHTA_NETWORK_ERROR_REFERENCE, "t.network:9: link member 'c.t.example' is neither a [Host] nor an earlier lan" },
  { "link-bad-latency", HEAD HOST "[Link l]\nKind=lan\nMembers=a.t.example;a.t.example\nLatency=-3\n",
    POCHTA_NETWORK_ERROR_VALUE, "t.network:10: latency '-3' should be milliseconds, 0 to 3600000" },
  { "p2p-three-ends", HEAD HOST "[Link l]\nKind=point-to-point\nMembers=a.t.example;a.t.example;a.t.example\nLatency=1\n",
    POCHTA_NETWORK_ERROR_VALUE, "t.network:9: a point-to-point link needs exactly two Members" },
  { "no-department", HEAD "[Host a.t.example]\nDepartment=x\nAddress=192.0.2.1\nProfile=seed\n",
    POCHTA_NETWORK_ERROR_REFERENCE, "t.network:5: no [Department x]" },
  /* Found by fuzz-network before keyfile-lines: a NUL ended the line scan
   * but not GKeyFile, so a group after it had no recorded lines (a NULL
   * dereference); a byte that is not UTF-8 went into the message as it
   * was. */
  { "nul-byte", HEAD "Name=a\0b\n" HOST, POCHTA_NETWORK_ERROR_SYNTAX,
    "t.network:4: a NUL byte is not allowed", sizeof (HEAD "Name=a\0b\n" HOST) - 1 },
  { "not-utf8", HEAD "\xff=1\n", POCHTA_NETWORK_ERROR_SYNTAX, "t.network:4: not valid UTF-8" },
  { "list-bad-member", HEAD HOST "[List l@a.t.example]\nMembers=x@a.t.example;nobody\n", POCHTA_NETWORK_ERROR_VALUE,
    "t.network:8: 'nobody' is not a mailbox" },
};

static void
test_bad_input (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_rows); i++)
    {
      const BadRow *row = &bad_rows[i];
      g_autoptr (GError) error = NULL;
      gsize len = row->len != 0 ? row->len : strlen (row->text);
      g_autoptr (PochtaNetwork) net = pochta_network_load_data (row->text, len, "t.network", &error);
      if (net != NULL)
        g_error ("row %s: loaded, expected \"%s\"", row->name, row->message);
      if (!g_error_matches (error, POCHTA_NETWORK_ERROR, row->code) || strcmp (error->message, row->message) != 0)
        g_error ("row %s: expected \"%s\" (code %d), got \"%s\" (code %d)",
                 row->name, row->message, row->code, error->message, error->code);
    }
}

static void
test_good_minimal (void)
{
  const char *text = HEAD "Name=Test\nName[ru]=Тест\n" HOST "Services=smtp:2525\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaNetwork) net = pochta_network_load_data (text, strlen (text), "t.network", &error);
  g_assert_no_error (error);
  const PochtaHost *a = pochta_network_get_host (net, "a.t.example");
  g_assert_cmpuint (a->smtp_port, ==, 2525);
  g_assert_cmpuint (a->pop3_port, ==, 0);
  g_assert_null (a->department);
  /* No links: no path. */
  g_assert_false (pochta_network_get_latency (net, "a.t.example", "b.t.example", NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/network/constr-org", test_constr_org);
  g_test_add_func ("/engine/network/builtin-list", test_builtin_list);
  g_test_add_func ("/engine/network/bad-input", test_bad_input);
  g_test_add_func ("/engine/network/good-minimal", test_good_minimal);
  return g_test_run ();
}
