/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the SMTP policy a host derives from the directory of the
 * built-in constr-org network. */
#include "config.h"

#include "network.h"

static PochtaNetwork *
load_constr_org (void)
{
  g_autoptr (GError) error = NULL;
  PochtaNetwork *net = pochta_network_load_builtin ("constr-org", &error);
  g_assert_no_error (error);
  return net;
}

static void
test_recipients (void)
{
  g_autoptr (PochtaNetwork) net = load_constr_org ();
  PochtaSmtpPolicy policy;
  pochta_directory_init_smtp_policy (pochta_network_get_directory (net), "comp3.otd2.constr.org",
                                     NULL, NULL, &policy);
  static const struct
  {
    const char *mailbox;
    PochtaSmtpRcptVerdict verdict;
  } rows[] = {
    { "Petrov@comp3.otd2.constr.org", POCHTA_SMTP_RCPT_OK },
    { "petrov@COMP3.otd2.constr.org", POCHTA_SMTP_RCPT_OK },
    { "Kuznetsova@comp3.otd2.constr.org", POCHTA_SMTP_RCPT_OK },
    { "Sidirov@comp3.otd2.constr.org", POCHTA_SMTP_RCPT_NO_SUCH_USER },
    { "Smirnov@comp3.otd2.constr.org", POCHTA_SMTP_RCPT_NO_SUCH_USER },
    /* RFC 5321 §4.5.1: Postmaster, alone or at the host, in any case. */
    { "Postmaster", POCHTA_SMTP_RCPT_OK },
    { "POSTMASTER@comp3.otd2.constr.org", POCHTA_SMTP_RCPT_OK },
    { "postmaster@comp4.otd2.constr.org", POCHTA_SMTP_RCPT_RELAY_DENIED },
    { "Smirnov@comp4.otd2.constr.org", POCHTA_SMTP_RCPT_RELAY_DENIED },
    { "Petrov", POCHTA_SMTP_RCPT_RELAY_DENIED },
  };

  g_assert_null (policy.deliver);
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      char *text = NULL;
      PochtaSmtpRcptVerdict v = policy.check_recipient (NULL, rows[i].mailbox, &text, policy.user_data);
      if (v != rows[i].verdict)
        g_error ("%s: expected verdict %d, got %d", rows[i].mailbox, rows[i].verdict, v);
      g_assert_null (text);
    }
}

static void
test_verify_expand_secrets (void)
{
  g_autoptr (PochtaNetwork) net = load_constr_org ();
  PochtaDirectory *dir = pochta_network_get_directory (net);
  PochtaSmtpPolicy comp3, comp4;
  pochta_directory_init_smtp_policy (dir, "comp3.otd2.constr.org", NULL, NULL, &comp3);
  pochta_directory_init_smtp_policy (dir, "comp4.otd2.constr.org", NULL, NULL, &comp4);

  g_autoptr (GPtrArray) matches = g_ptr_array_new_with_free_func (g_free);
  g_assert_cmpint (comp3.verify ("Petrov", matches, comp3.user_data), ==, POCHTA_SMTP_VRFY_FOUND);
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpstr (matches->pdata[0], ==, "Ivan Petrov <Petrov@comp3.otd2.constr.org>");
  g_ptr_array_set_size (matches, 0);
  g_assert_cmpint (comp3.verify ("kuznetsova@comp3.otd2.constr.org", matches, comp3.user_data), ==,
                   POCHTA_SMTP_VRFY_FOUND);
  g_assert_cmpstr (matches->pdata[0], ==, "Olga Kuznetsova <Kuznetsova@comp3.otd2.constr.org>");
  g_ptr_array_set_size (matches, 0);
  g_assert_cmpint (comp3.verify ("Sidirov", matches, comp3.user_data), ==, POCHTA_SMTP_VRFY_UNKNOWN);
  g_assert_cmpint (comp3.verify ("Smirnov", matches, comp3.user_data), ==, POCHTA_SMTP_VRFY_UNKNOWN);
  g_assert_cmpuint (matches->len, ==, 0);

  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (comp4.expand ("OTD2", members, comp4.user_data));
  g_assert_cmpuint (members->len, ==, 3);
  g_assert_cmpstr (members->pdata[0], ==, "Ivan Petrov <Petrov@comp3.otd2.constr.org>");
  g_assert_cmpstr (members->pdata[2], ==, "Alexei Smirnov <Smirnov@comp4.otd2.constr.org>");
  g_assert_false (comp3.expand ("otd2", members, comp3.user_data));

  /* SMTP AUTH is enterprise-wide: comp3 knows comp1's Ivanov. */
  g_autofree char *secret = comp3.get_secret ("ivanov", comp3.user_data);
  g_assert_cmpstr (secret, ==, "ivanov123");
  g_assert_null (comp3.get_secret ("fred", comp3.user_data));
}

static PochtaSmtpDeliverVerdict
count_delivery (const PochtaSmtpEnvelope *envelope, GBytes *message, char **out_id, gpointer data)
{
  (*(int *) data)++;
  *out_id = g_strdup ("Q1");
  return POCHTA_SMTP_DELIVER_NO_STORAGE;
}

static void
test_deliver_forwarded (void)
{
  g_autoptr (PochtaNetwork) net = load_constr_org ();
  PochtaSmtpPolicy policy;
  int calls = 0;
  pochta_directory_init_smtp_policy (pochta_network_get_directory (net), "comp3.otd2.constr.org",
                                     count_delivery, &calls, &policy);
  g_autoptr (GBytes) message = g_bytes_new_static ("x\r\n", 3);
  g_autofree char *id = NULL;
  g_assert_cmpint (policy.deliver (NULL, message, &id, policy.user_data), ==, POCHTA_SMTP_DELIVER_NO_STORAGE);
  g_assert_cmpint (calls, ==, 1);
  g_assert_cmpstr (id, ==, "Q1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/directory/recipients", test_recipients);
  g_test_add_func ("/engine/directory/verify-expand-secrets", test_verify_expand_secrets);
  g_test_add_func ("/engine/directory/deliver-forwarded", test_deliver_forwarded);
  return g_test_run ();
}
