/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the knowledge base: the built-in entries in English and
 * Russian, every form of lookup, the loader's errors, the entries of
 * transcript lines and the HTML export's explanation column, and
 * completeness: every SMTP reply code, enhanced status code, POP3 response
 * code and SASL step the engines can emit, found by driving the servers
 * through every command in every state and by reading the engine's
 * sources, has an entry in both languages. */
#include "config.h"

#include <string.h>

#include "knowledge.h"
#include "pop3-test-world.h"
#include "smtp-server.h"
#include "transcript-export.h"

/* The built-in knowledge base in each language, loaded once. */
static PochtaKnowledge *english;
static PochtaKnowledge *russian;

/* ---- completeness: what the engines emit ---- */

typedef struct
{
  GHashTable *smtp_codes;   /* "550" -> a line that carried it */
  GHashTable *statuses;     /* "5.1.1" -> a line */
  GHashTable *pop3;         /* "+OK", "-ERR", "-ERR IN-USE", "+" -> a line */
} Emitted;

static void
emitted_init (Emitted *emitted)
{
  emitted->smtp_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  emitted->statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  emitted->pop3 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
emitted_clear (Emitted *emitted)
{
  g_hash_table_unref (emitted->smtp_codes);
  g_hash_table_unref (emitted->statuses);
  g_hash_table_unref (emitted->pop3);
}

static void
note (GHashTable *set, const char *what, const char *example)
{
  if (!g_hash_table_contains (set, what))
    g_hash_table_insert (set, g_strdup (what), g_strdup (example));
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The members of a set, sorted, for the test log. */
static char *
describe (GHashTable *set)
{
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (set, NULL);

  qsort (keys, g_hash_table_size (set), sizeof (char *), compare_strings);
  return g_strjoinv (" ", (char **) keys);
}

/* An entry in both languages: non-empty texts, the Russian ones really
 * taken from a [ru] translation. */
static void
assert_complete (const char *what, const PochtaKnowledgeEntry *en, const PochtaKnowledgeEntry *ru)
{
  if (en == NULL || ru == NULL)
    g_error ("%s: no entry in the knowledge base", what);
  g_assert_cmpstr (en->key, ==, ru->key);
  const char *texts[] = { en->title, en->meaning, en->cause, en->next, en->rfc,
                          ru->title, ru->meaning, ru->cause, ru->next, ru->rfc };
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i] == NULL || texts[i][0] == '\0')
      g_error ("%s: [%s] has an empty text", what, en->key);
  g_assert_null (en->language);
  if (g_strcmp0 (ru->language, "ru") != 0)
    g_error ("%s: [%s] is not translated into Russian", what, en->key);
}

/* ---- the SMTP server, every command in every state ---- */

/* What the policy answers in one run: the walk goes through every value of
 * each verdict enum of smtp-server.h. */
typedef struct
{
  PochtaSmtpRcptVerdict rcpt;
  PochtaSmtpVrfyVerdict vrfy;
  PochtaSmtpDeliverVerdict deliver;
  PochtaSmtpEtrnVerdict etrn;
  gboolean users_active;
} Verdicts;

#define N_RCPT_VERDICTS (POCHTA_SMTP_RCPT_GREYLISTED + 1)
#define N_VRFY_VERDICTS (POCHTA_SMTP_VRFY_DISABLED + 1)
#define N_DELIVER_VERDICTS (POCHTA_SMTP_DELIVER_REJECTED + 1)
#define N_ETRN_VERDICTS (POCHTA_SMTP_ETRN_NOT_ALLOWED + 1)

static PochtaSmtpRcptVerdict
walk_check_recipient (const PochtaSmtpEnvelope *envelope, const char *mailbox, char **out_text,
                      gpointer user_data)
{
  const Verdicts *verdicts = user_data;

  if (verdicts->rcpt == POCHTA_SMTP_RCPT_WILL_FORWARD || verdicts->rcpt == POCHTA_SMTP_RCPT_NOT_LOCAL)
    *out_text = g_strdup ("Petrov@comp4.otd2.constr.org");
  return verdicts->rcpt;
}

static PochtaSmtpVrfyVerdict
walk_verify (const char *query, GPtrArray *out_matches, gpointer user_data)
{
  const Verdicts *verdicts = user_data;

  if (verdicts->vrfy == POCHTA_SMTP_VRFY_FOUND || verdicts->vrfy == POCHTA_SMTP_VRFY_AMBIGUOUS)
    g_ptr_array_add (out_matches, g_strdup ("Ivan Petrov <Petrov@comp3.otd2.constr.org>"));
  if (verdicts->vrfy == POCHTA_SMTP_VRFY_AMBIGUOUS)
    g_ptr_array_add (out_matches, g_strdup ("Petr Petrov <Petrov2@comp3.otd2.constr.org>"));
  return verdicts->vrfy;
}

static gboolean
walk_expand (const char *list, GPtrArray *out_members, gpointer user_data)
{
  if (g_ascii_strcasecmp (list, "otd2") != 0)
    return FALSE;
  g_ptr_array_add (out_members, g_strdup ("Ivan Petrov <Petrov@comp3.otd2.constr.org>"));
  g_ptr_array_add (out_members, g_strdup ("Alexei Smirnov <Smirnov@comp4.otd2.constr.org>"));
  return TRUE;
}

static char *
walk_get_secret (const char *login, gpointer user_data)
{
  return g_ascii_strcasecmp (login, "Ivanov") == 0 ? g_strdup ("ivanov123") : NULL;
}

static PochtaSmtpDeliverVerdict
walk_deliver (const PochtaSmtpEnvelope *envelope, GBytes *message, char **out_id, gpointer user_data)
{
  const Verdicts *verdicts = user_data;
  return verdicts->deliver;
}

static PochtaSmtpEtrnVerdict
walk_etrn (const char *node, guint *out_count, gpointer user_data)
{
  const Verdicts *verdicts = user_data;

  *out_count = 2;
  return verdicts->etrn;
}

static gboolean
walk_user_is_active (const char *mailbox, gpointer user_data)
{
  const Verdicts *verdicts = user_data;
  return verdicts->users_active;
}

static gssize
smtp_feed (gpointer session, const guint8 *data, gsize len)
{
  return pochta_smtp_server_feed (session, data, len);
}

static void
smtp_feed_eof (gpointer session)
{
  pochta_smtp_server_feed_eof (session);
}

static gsize
smtp_peek_output (gpointer session, const guint8 **out_data)
{
  return pochta_smtp_server_peek_output (session, out_data);
}

static void
smtp_consume_output (gpointer session, gsize n_bytes)
{
  pochta_smtp_server_consume_output (session, n_bytes);
}

static const PochtaSessionOps smtp_ops = {
  .feed = smtp_feed,
  .feed_eof = smtp_feed_eof,
  .peek_output = smtp_peek_output,
  .consume_output = smtp_consume_output,
};

typedef struct
{
  const char *bytes;
  gsize length;
} Script;

#define SCRIPT(text) { text, sizeof (text) - 1 }
#define SENDER "<Ivanov@comp1.otd1.constr.org>"
#define RECIPIENT "<Petrov@comp3.otd2.constr.org>"
/* AUTH PLAIN for Ivanov, right and wrong (RFC 4616). */
#define PLAIN_GOOD "AEl2YW5vdgBpdmFub3YxMjM="
#define PLAIN_WRONG "AEl2YW5vdgB3cm9uZw=="

/* Every command with good and bad arguments, and the exchanges they open
 * (a challenge's answer, a message after DATA). */
static const Script smtp_commands[] = {
  SCRIPT ("HELO comp1.otd1.constr.org\r\n"),
  SCRIPT ("HELO\r\n"),
  SCRIPT ("EHLO comp1.otd1.constr.org\r\n"),
  SCRIPT ("EHLO\r\n"),
  SCRIPT ("MAIL FROM:" SENDER "\r\n"),
  SCRIPT ("MAIL FROM: " SENDER "\r\n"),
  SCRIPT ("MAIL FROM:<>\r\n"),
  SCRIPT ("MAIL FROM:<Ivanov@comp1.otd1.constr.org\r\n"),
  SCRIPT ("MAIL TO:" SENDER "\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " SIZE=100\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " SIZE=99999999999\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " SIZE=12x\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " SIZE=1 SIZE=2\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " FOO=1\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " BODY=8BITMIME\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " BODY=BINARYMIME\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " RET=HDRS ENVID=walk\r\n"),
  SCRIPT ("MAIL FROM:" SENDER " AUTH=<>\r\n"),
  SCRIPT ("SEND FROM:" SENDER "\r\n"),
  SCRIPT ("SOML FROM:" SENDER "\r\n"),
  SCRIPT ("SAML FROM:" SENDER "\r\n"),
  SCRIPT ("RCPT TO:" RECIPIENT "\r\n"),
  SCRIPT ("RCPT TO:<Postmaster>\r\n"),
  SCRIPT ("RCPT TO:<Petrov@comp3.otd2.constr.org\r\n"),
  SCRIPT ("RCPT FROM:" RECIPIENT "\r\n"),
  SCRIPT ("RCPT TO:" RECIPIENT " NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Petrov@comp3.otd2.constr.org\r\n"),
  SCRIPT ("RCPT TO:" RECIPIENT " NOTIFY=SOMETIMES\r\n"),
  SCRIPT ("RCPT TO:" RECIPIENT " FOO=1\r\n"),
  SCRIPT ("DATA\r\nSubject: walk\r\n\r\nbody\r\n.\r\n"),
  SCRIPT ("DATA\r\nSubject: bare LF\r\n\r\nbare\nLF\r\n.\r\n"),
  SCRIPT ("DATA\r\nSubject: NUL\r\n\r\nA\0B\r\n.\r\n"),
  SCRIPT ("DATA\r\nReceived: from a\r\nReceived: from b\r\nReceived: from c\r\n\r\nloop\r\n.\r\n"),
  SCRIPT ("DATA x\r\n"),
  SCRIPT ("RSET\r\n"),
  SCRIPT ("RSET x\r\n"),
  SCRIPT ("VRFY Petrov\r\n"),
  SCRIPT ("VRFY\r\n"),
  SCRIPT ("EXPN otd2\r\n"),
  SCRIPT ("EXPN staff\r\n"),
  SCRIPT ("HELP\r\n"),
  SCRIPT ("HELP MAIL\r\n"),
  SCRIPT ("HELP FROBNICATE\r\n"),
  SCRIPT ("NOOP\r\n"),
  SCRIPT ("NOOP x\r\n"),
  SCRIPT ("QUIT\r\n"),
  SCRIPT ("QUIT x\r\n"),
  SCRIPT ("AUTH CRAM-MD5\r\n*\r\n"),
  SCRIPT ("AUTH CRAM-MD5\r\n$$$\r\n"),
  SCRIPT ("AUTH CRAM-MD5\r\nSXZhbm92IDAwMDA=\r\n"),
  SCRIPT ("AUTH CRAM-MD5 SXZhbm92\r\n"),
  SCRIPT ("AUTH DIGEST-MD5\r\n*\r\n"),
  SCRIPT ("AUTH PLAIN " PLAIN_GOOD "\r\n"),
  SCRIPT ("AUTH PLAIN " PLAIN_WRONG "\r\n"),
  SCRIPT ("AUTH PLAIN\r\n" PLAIN_GOOD "\r\n"),
  SCRIPT ("AUTH PLAIN =\r\n"),
  SCRIPT ("AUTH PLAIN $$$\r\n"),
  SCRIPT ("AUTH LOGIN\r\nSXZhbm92\r\naXZhbm92MTIz\r\n"),
  SCRIPT ("AUTH FOOBAR\r\n"),
  SCRIPT ("AUTH\r\n"),
  SCRIPT ("ETRN otd1.constr.org\r\n"),
  SCRIPT ("ETRN\r\n"),
  SCRIPT ("TURN\r\n"),
  SCRIPT ("STARTTLS\r\n"),
  SCRIPT ("XYZZ\r\n"),
  SCRIPT ("\r\n"),
  SCRIPT ("NOOP\n"),
  SCRIPT ("NOOP \xc3\xa9\r\n"),
  SCRIPT ("NO\0OP\r\n"),
};

/* Where each command is tried; {hello} is EHLO, or HELO for rfc821. */
static const char *const smtp_states[] = {
  "",
  "{hello} comp1.otd1.constr.org\r\n",
  "HELO comp1.otd1.constr.org\r\n",
  "EHLO comp1.otd1.constr.org\r\nAUTH PLAIN " PLAIN_GOOD "\r\n",
  "{hello} comp1.otd1.constr.org\r\nMAIL FROM:" SENDER "\r\n",
  "{hello} comp1.otd1.constr.org\r\nMAIL FROM:" SENDER "\r\nRCPT TO:" RECIPIENT "\r\n",
  "{hello} comp1.otd1.constr.org\r\nSEND FROM:" SENDER "\r\nRCPT TO:" RECIPIENT "\r\n",
};

/* RFC 5321 §4.2: Reply-code [ "-" / SP ] [ enhanced status code SP ]. */
static void
record_smtp_output (Emitted *emitted, const GByteArray *output)
{
  g_autofree char *text = g_strndup ((const char *) output->data, output->len);
  g_auto (GStrv) lines = g_strsplit (text, "\r\n", -1);
  g_autoptr (GRegex) reply = g_regex_new ("^([2-5][0-5][0-9])([ -]|$)(([245]\\.[0-9]{1,3}\\.[0-9]{1,3})( |$))?",
                                          0, 0, NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GMatchInfo) match = NULL;
      if (lines[i][0] == '\0')
        continue;
      if (!g_regex_match (reply, lines[i], 0, &match))
        g_error ("not an SMTP reply line: %s", lines[i]);
      g_autofree char *code = g_match_info_fetch (match, 1);
      g_autofree char *status = g_match_info_fetch (match, 4);
      note (emitted->smtp_codes, code, lines[i]);
      if (status != NULL && status[0] != '\0')
        note (emitted->statuses, status, lines[i]);
    }
}

typedef struct
{
  PochtaSmtpProfile profile;
  const Verdicts *verdicts;  /* NULL: no policy at all */
  gboolean reject;
  const char *shutdown;      /* after the input: shutdown () with this reason */
  gboolean do_shutdown;
} SmtpRun;

static void
run_smtp (Emitted *emitted, const SmtpRun *run, const char *setup, const guint8 *input, gsize length)
{
  PochtaSmtpLimits limits;
  pochta_smtp_limits_init_defaults (&limits);
  /* Small limits, so that short inputs reach them. */
  limits.recipients_max = 2;
  limits.message_size_max = 400;
  limits.text_line_max = 100;
  limits.received_max = 3;

  g_autoptr (PochtaGenerator) generator = pochta_generator_new (7, G_GINT64_CONSTANT (1021356900) * G_USEC_PER_SEC);
  PochtaSmtpPolicy policy = {
    .check_recipient = walk_check_recipient,
    .verify = walk_verify,
    .expand = walk_expand,
    .get_secret = walk_get_secret,
    .deliver = walk_deliver,
    .etrn = walk_etrn,
    .user_is_active = walk_user_is_active,
    .user_data = (gpointer) run->verdicts,
  };
  PochtaSmtpConfig config = {
    .hostname = "comp3.otd2.constr.org",
    .profile = run->profile,
    .limits = &limits,
    .generator = generator,
    .client_address = "192.0.2.11",
    .reject_connection = run->reject,
  };
  g_autoptr (PochtaSmtpServer) server = pochta_smtp_server_new (&config, run->verdicts != NULL ? &policy : NULL);
  g_autoptr (GByteArray) output = g_byte_array_new ();

  pochta_smtp_server_start (server);
  pochta_harness_feed (&smtp_ops, server, (const guint8 *) setup, strlen (setup), POCHTA_FEED_WHOLE, 0, output);
  pochta_harness_feed (&smtp_ops, server, input, length, POCHTA_FEED_WHOLE, 0, output);
  if (run->do_shutdown)
    {
      pochta_smtp_server_shutdown (server, run->shutdown);
      pochta_harness_drain (&smtp_ops, server, output);
    }
  record_smtp_output (emitted, output);
}

static char *
repeat (const char *text, guint times)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (out, text);
  return g_string_free (out, FALSE);
}

/* The paths that take more than one command: budgets, limits, shutdown. */
static void
run_smtp_scenarios (Emitted *emitted, PochtaSmtpProfile profile, const Verdicts *verdicts)
{
  const char *hello = profile == POCHTA_SMTP_PROFILE_RFC821 ? "HELO comp1.otd1.constr.org\r\n"
                                                            : "EHLO comp1.otd1.constr.org\r\n";
  g_autofree char *long_text_line = repeat ("x", 150);
  g_autofree char *long_body = repeat ("A line of sixty characters to make the message too large.\r\n", 10);
  g_autofree char *long_command = repeat ("a", 600);
  g_autofree char *long_auth = repeat ("A", 13000);
  g_autofree char *bad_commands = repeat ("XYZZ\r\n", 25);
  g_autofree char *bad_logins = repeat ("AUTH PLAIN " PLAIN_WRONG "\r\n", 4);
  char *inputs[] = {
    g_strdup (bad_commands),
    g_strdup (bad_logins),
    g_strconcat ("NOOP ", long_command, "\r\n", NULL),
    g_strconcat ("AUTH PLAIN ", long_auth, "\r\n", NULL),
    g_strconcat ("AUTH PLAIN\r\n", long_auth, "\r\n", NULL),
    g_strdup ("MAIL FROM:" SENDER "\r\nRCPT TO:" RECIPIENT "\r\nRCPT TO:<Kuznetsova@comp3.otd2.constr.org>\r\n"
              "RCPT TO:<Postmaster>\r\n"),
    g_strconcat ("MAIL FROM:" SENDER "\r\nRCPT TO:" RECIPIENT "\r\nDATA\r\n", long_text_line, "\r\n.\r\n", NULL),
    g_strconcat ("MAIL FROM:" SENDER "\r\nRCPT TO:" RECIPIENT "\r\nDATA\r\n", long_body, ".\r\n", NULL),
  };
  SmtpRun run = { .profile = profile, .verdicts = verdicts };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      run_smtp (emitted, &run, hello, (const guint8 *) inputs[i], strlen (inputs[i]));
      g_free (inputs[i]);
    }
  /* RFC 5321 §3.8 and §4.5.3.2.7: shutting down, and the idle timeout. */
  const char *reasons[] = { NULL, "4.4.2 comp3.otd2.constr.org Idle timeout" };
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      SmtpRun shutdown = { .profile = profile, .verdicts = verdicts, .do_shutdown = TRUE, .shutdown = reasons[i] };
      run_smtp (emitted, &shutdown, hello, (const guint8 *) "", 0);
    }
}

/* Each value of the recipient verdict, then each way delivery can fail
 * with recipients accepted; the other verdicts go round with them. */
static GArray *
verdict_variants (void)
{
  GArray *variants = g_array_new (FALSE, FALSE, sizeof (Verdicts));

  for (guint v = 0; v < N_RCPT_VERDICTS; v++)
    {
      Verdicts verdicts = { .rcpt = v, .vrfy = v % N_VRFY_VERDICTS, .deliver = POCHTA_SMTP_DELIVER_OK,
                            .etrn = v % N_ETRN_VERDICTS, .users_active = v % 2 == 1 };
      g_array_append_val (variants, verdicts);
    }
  for (guint d = 0; d < N_DELIVER_VERDICTS; d++)
    {
      Verdicts verdicts = { .rcpt = POCHTA_SMTP_RCPT_OK, .deliver = d, .users_active = TRUE };
      g_array_append_val (variants, verdicts);
    }
  return variants;
}

static void
walk_smtp (Emitted *emitted)
{
  g_autoptr (GArray) variants = verdict_variants ();

  for (PochtaSmtpProfile profile = 0; profile < POCHTA_SMTP_N_PROFILES; profile++)
    {
      const char *hello = profile == POCHTA_SMTP_PROFILE_RFC821 ? "HELO" : "EHLO";

      /* One round more than there are variants: no policy at all. */
      for (guint v = 0; v <= variants->len; v++)
        {
          const Verdicts *verdicts = v < variants->len ? &g_array_index (variants, Verdicts, v) : NULL;
          SmtpRun run = { .profile = profile, .verdicts = verdicts };
          SmtpRun rejected = { .profile = profile, .verdicts = verdicts, .reject = TRUE };

          for (guint s = 0; s < G_N_ELEMENTS (smtp_states); s++)
            {
              g_autoptr (GString) setup = g_string_new (smtp_states[s]);
              g_string_replace (setup, "{hello}", hello, 0);
              for (guint c = 0; c < G_N_ELEMENTS (smtp_commands); c++)
                run_smtp (emitted, &run, setup->str, (const guint8 *) smtp_commands[c].bytes,
                          smtp_commands[c].length);
            }
          for (guint c = 0; c < G_N_ELEMENTS (smtp_commands); c++)
            run_smtp (emitted, &rejected, "", (const guint8 *) smtp_commands[c].bytes, smtp_commands[c].length);
        }
      run_smtp_scenarios (emitted, profile, &g_array_index (variants, Verdicts, 0));
    }
}

static void
assert_smtp_entries (const Emitted *emitted, const char *how)
{
  GHashTableIter iter;
  gpointer code, example;
  g_autofree char *codes = describe (emitted->smtp_codes);
  g_autofree char *statuses = describe (emitted->statuses);

  g_test_message ("%s: replies %s", how, codes);
  g_test_message ("%s: enhanced status codes %s", how, statuses);

  g_hash_table_iter_init (&iter, emitted->smtp_codes);
  while (g_hash_table_iter_next (&iter, &code, &example))
    {
      guint number = (guint) g_ascii_strtoull (code, NULL, 10);
      g_autofree char *what = g_strdup_printf ("%s: reply %s (\"%s\")", how, (const char *) code,
                                               (const char *) example);
      const PochtaKnowledgeEntry *en = pochta_knowledge_lookup_reply (english, number, NULL);
      assert_complete (what, en, pochta_knowledge_lookup_reply (russian, number, NULL));
      /* Its own entry, not some fallback: `pochta-cli explain 550`. */
      g_assert_true (g_str_has_suffix (en->key, code));
    }
  g_hash_table_iter_init (&iter, emitted->statuses);
  while (g_hash_table_iter_next (&iter, &code, &example))
    {
      g_autofree char *what = g_strdup_printf ("%s: enhanced status %s (\"%s\")", how, (const char *) code,
                                               (const char *) example);
      assert_complete (what, pochta_knowledge_lookup_status (english, code),
                       pochta_knowledge_lookup_status (russian, code));
    }
}

static void
test_smtp_walk (void)
{
  Emitted emitted;

  emitted_init (&emitted);
  walk_smtp (&emitted);

  /* The walk reaches what it is meant to reach: the thesis' 550, the
   * RFC 4954 and RFC 1870 paths, the enhanced codes of the modern profile. */
  const char *expected_codes[] = { "220", "221", "235", "250", "251", "252", "253", "334", "354", "421",
                                   "450", "451", "452", "458", "459", "500", "501", "502", "503", "504",
                                   "535", "550", "551", "552", "553", "554", "555" };
  for (guint i = 0; i < G_N_ELEMENTS (expected_codes); i++)
    if (!g_hash_table_contains (emitted.smtp_codes, expected_codes[i]))
      g_error ("the walk never produced %s", expected_codes[i]);
  const char *expected_statuses[] = { "2.1.5", "5.1.1", "5.5.1", "5.7.8", "5.3.4", "5.6.0", "4.5.3", "4.3.2" };
  for (guint i = 0; i < G_N_ELEMENTS (expected_statuses); i++)
    if (!g_hash_table_contains (emitted.statuses, expected_statuses[i]))
      g_error ("the walk never produced %s", expected_statuses[i]);

  assert_smtp_entries (&emitted, "SMTP walk");
  emitted_clear (&emitted);
}

/* ---- the POP3 server ---- */

/* "+OK", "-ERR", "-ERR CODE" or "+" for a status line; NULL for the
 * other lines of a multi-line response. */
static char *
pop3_status (const char *line)
{
  if (g_str_has_prefix (line, "+OK") && (line[3] == '\0' || line[3] == ' '))
    return g_strdup ("+OK");
  if (g_str_has_prefix (line, "-ERR") && (line[4] == '\0' || line[4] == ' '))
    {
      if (line[4] == ' ' && line[5] == '[')
        {
          const char *end = strchr (line + 6, ']');
          g_assert_nonnull (end);
          return g_strdup_printf ("-ERR %.*s", (int) (end - line - 6), line + 6);
        }
      return g_strdup ("-ERR");
    }
  if (line[0] == '+' && (line[1] == '\0' || line[1] == ' '))
    return g_strdup ("+");
  return NULL;
}

static void
record_pop3_output (Emitted *emitted, const char *output)
{
  g_auto (GStrv) lines = g_strsplit (output, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *status = pop3_status (lines[i]);
      if (status != NULL)
        note (emitted->pop3, status, lines[i]);
    }
}

static const Script pop3_commands[] = {
  SCRIPT ("USER mrose\r\n"),
  SCRIPT ("USER\r\n"),
  SCRIPT ("PASS tanstaaf\r\n"),
  SCRIPT ("PASS wrong\r\n"),
  SCRIPT ("USER mrose\r\nPASS tanstaaf\r\n"),
  SCRIPT ("USER mrose\r\nPASS wrong\r\n"),
  SCRIPT ("USER nobox\r\nPASS nobox1\r\n"),
  SCRIPT ("USER delayed\r\nPASS delayed1\r\n"),
  SCRIPT (RFC1939_APOP),
  SCRIPT ("APOP mrose 00000000000000000000000000000000\r\n"),
  SCRIPT ("APOP mrose xyz\r\n"),
  SCRIPT ("AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\r\n"),
  SCRIPT ("AUTH PLAIN AG1yb3NlAHdyb25n\r\n"),
  SCRIPT ("AUTH PLAIN $$$\r\n"),
  SCRIPT ("AUTH PLAIN\r\n*\r\n"),
  SCRIPT ("AUTH CRAM-MD5\r\n$$$\r\n"),
  SCRIPT ("AUTH LOGIN\r\nbXJvc2U=\r\ndGFuc3RhYWY=\r\n"),
  SCRIPT ("AUTH FOO\r\n"),
  SCRIPT ("AUTH\r\n"),
  SCRIPT ("CAPA\r\n"),
  SCRIPT ("STLS\r\n"),
  SCRIPT ("STAT\r\n"),
  SCRIPT ("STAT x\r\n"),
  SCRIPT ("LIST\r\n"),
  SCRIPT ("LIST 1\r\n"),
  SCRIPT ("LIST 9\r\n"),
  SCRIPT ("LIST x\r\n"),
  SCRIPT ("RETR 1\r\n"),
  SCRIPT ("RETR\r\n"),
  SCRIPT ("TOP 1 0\r\n"),
  SCRIPT ("TOP 1\r\n"),
  SCRIPT ("DELE 1\r\n"),
  SCRIPT ("DELE 9\r\n"),
  SCRIPT ("NOOP\r\n"),
  SCRIPT ("RSET\r\n"),
  SCRIPT ("UIDL\r\n"),
  SCRIPT ("UIDL 1\r\n"),
  SCRIPT ("QUIT\r\n"),
  SCRIPT ("XYZZ\r\n"),
  SCRIPT ("\r\n"),
  SCRIPT ("NOOP\n"),
  SCRIPT ("NO\0OP\r\n"),
};

static const char *const pop3_states[] = {
  "",
  "USER mrose\r\n",
  "USER mrose\r\nPASS tanstaaf\r\n",
  "USER mrose\r\nPASS tanstaaf\r\nDELE 1\r\n",
  "AUTH PLAIN\r\n",
};

typedef enum
{
  POP3_DEFAULT,
  POP3_RFC1939,       /* the fixed timestamp of RFC 1939 §7 */
  POP3_NO_APOP,
  POP3_NO_SASL,
  POP3_N_CONFIGS
} Pop3Config;

static PochtaPop3Server *
new_pop3_server (World *world, Pop3Config which)
{
  PochtaPop3Config config = world_rfc1939_config (world);

  config.fixed_timestamp = which == POP3_RFC1939 ? RFC1939_TIMESTAMP : NULL;
  config.disable_apop = which == POP3_NO_APOP;
  config.disable_sasl = which == POP3_NO_SASL;
  return world_server_new (world, &config);
}

static void
run_pop3 (Emitted *emitted, World *world, Pop3Config which, const char *setup, const Script *input)
{
  g_autoptr (PochtaPop3Server) server = new_pop3_server (world, which);
  g_autoptr (GByteArray) output = g_byte_array_new ();

  pochta_harness_drain (&server_ops, server, output);
  pochta_harness_feed (&server_ops, server, (const guint8 *) setup, strlen (setup), POCHTA_FEED_WHOLE, 0, output);
  pochta_harness_feed (&server_ops, server, (const guint8 *) input->bytes, input->length, POCHTA_FEED_WHOLE, 0,
                       output);
  g_autofree char *text = g_strndup ((const char *) output->data, output->len);
  record_pop3_output (emitted, text);
}

/* A second login to a locked maildrop; budgets; over-long lines. */
static void
run_pop3_scenarios (Emitted *emitted, World *world)
{
  g_autoptr (PochtaPop3Server) first = new_pop3_server (world, POP3_DEFAULT);
  g_autofree char *first_output = server_send (first, "USER mrose\r\nPASS tanstaaf\r\n");
  g_autofree char *bad_commands = repeat ("XYZZ\r\n", 12);
  g_autofree char *bad_logins = repeat ("USER mrose\r\nPASS wrong\r\n", 4);
  g_autofree char *long_line = repeat ("x", 300);
  g_autofree char *long_response = repeat ("A", 13000);
  g_autofree char *too_long_command = g_strconcat ("NOOP ", long_line, "\r\n", NULL);
  g_autofree char *too_long_response = g_strconcat ("AUTH PLAIN\r\n", long_response, "\r\n", NULL);
  const char *inputs[] = { "USER mrose\r\nPASS tanstaaf\r\n", bad_commands, bad_logins, too_long_command,
                           too_long_response };

  record_pop3_output (emitted, first_output);
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      Script script = { inputs[i], strlen (inputs[i]) };
      run_pop3 (emitted, world, POP3_DEFAULT, "", &script);
    }
}

static void
walk_pop3 (Emitted *emitted)
{
  for (Pop3Config which = 0; which < POP3_N_CONFIGS; which++)
    for (guint s = 0; s < G_N_ELEMENTS (pop3_states); s++)
      for (guint c = 0; c < G_N_ELEMENTS (pop3_commands); c++)
        {
          g_autoptr (World) world = world_new (11);
          run_pop3 (emitted, world, which, pop3_states[s], &pop3_commands[c]);
        }
  g_autoptr (World) world = world_new (11);
  run_pop3_scenarios (emitted, world);
}

static void
assert_pop3_entry (const char *status, const char *example, const char *how)
{
  g_autofree char *what = g_strdup_printf ("%s: %s (\"%s\")", how, status, example);
  g_autofree char *key = strcmp (status, "+") == 0 ? g_strdup ("SASL +") : g_strconcat ("POP3 ", status, NULL);

  /* The response code's own entry, not the plain -ERR. */
  assert_complete (what, pochta_knowledge_get (english, key), pochta_knowledge_get (russian, key));
}

static void
test_pop3_walk (void)
{
  Emitted emitted;
  GHashTableIter iter;
  gpointer status, example;

  emitted_init (&emitted);
  walk_pop3 (&emitted);

  const char *expected[] = { "+OK", "-ERR", "+", "-ERR AUTH", "-ERR IN-USE", "-ERR LOGIN-DELAY", "-ERR SYS/PERM" };
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!g_hash_table_contains (emitted.pop3, expected[i]))
      g_error ("the walk never produced %s", expected[i]);

  g_autofree char *statuses = describe (emitted.pop3);
  g_test_message ("POP3 walk: %s", statuses);
  g_hash_table_iter_init (&iter, emitted.pop3);
  while (g_hash_table_iter_next (&iter, &status, &example))
    assert_pop3_entry (status, example, "POP3 walk");
  emitted_clear (&emitted);
}

/* Every mechanism the engine implements has its challenge explained, and
 * the steps both protocols share. */
static void
test_sasl_steps (void)
{
  const char *steps[] = { "334", "+", "*", "response" };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    assert_complete (steps[i], pochta_knowledge_lookup_sasl (english, steps[i], NULL),
                     pochta_knowledge_lookup_sasl (russian, steps[i], NULL));
  for (PochtaSaslMechanism m = 0; m < POCHTA_SASL_N_MECHANISMS; m++)
    {
      const char *name = pochta_sasl_mechanism_to_string (m);
      g_autofree char *key = g_strconcat ("SASL 334 ", name, NULL);
      assert_complete (key, pochta_knowledge_get (english, key), pochta_knowledge_get (russian, key));
    }
}

/* ---- completeness: what the sources say ---- */

static char *
engine_source_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "engine", NULL);
}

static void
scan_source (Emitted *emitted, const char *name, const char *text)
{
  /* smtp-server*.c: queue_reply (self, 550, ...), write_reply (self, 421,
   * ...) and the "return 554;" of the functions that pick a code;
   * anywhere: an enhanced status code literal "5.1.1" (replies, DSNs);
   * pop3-server.c: queue_reply (self, FALSE, "IN-USE", ...) and
   * auth_failed (self, "AUTH", ...). */
  static const struct
  {
    const char *file_prefix;
    const char *pattern;
    guint set;  /* 0: SMTP code, 1: status, 2: POP3 -ERR code */
  } patterns[] = {
    { "smtp-server", "(?:queue_reply|write_reply)\\s*\\(\\s*self,\\s*([2-5][0-5][0-9])\\b", 0 },
    { "smtp-server", "\\breturn\\s+([2-5][0-5][0-9]);", 0 },
    { "", "\"([245]\\.[0-9]{1,3}\\.[0-9]{1,3})\"", 1 },
    { "pop3-server", "(?:queue_reply\\s*\\(\\s*self,\\s*FALSE|auth_failed\\s*\\(\\s*self)\\s*,\\s*\"([A-Z][A-Z0-9/-]*)\"", 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      if (!g_str_has_prefix (name, patterns[i].file_prefix))
        continue;
      g_autoptr (GRegex) regex = g_regex_new (patterns[i].pattern, 0, 0, NULL);
      g_autoptr (GMatchInfo) match = NULL;
      g_assert_nonnull (regex);
      for (g_regex_match (regex, text, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
        {
          g_autofree char *found = g_match_info_fetch (match, 1);
          g_autofree char *where = g_strdup_printf ("engine/%s", name);
          g_autofree char *pop3 = g_strconcat ("-ERR ", found, NULL);
          GHashTable *sets[] = { emitted->smtp_codes, emitted->statuses, emitted->pop3 };
          note (sets[patterns[i].set], patterns[i].set == 2 ? pop3 : found, where);
        }
    }
}

static void
test_sources (void)
{
  g_autofree char *dir_path = engine_source_dir ();
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  Emitted emitted;
  const char *name;
  guint n_files = 0;

  g_assert_nonnull (dir);
  emitted_init (&emitted);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!g_str_has_suffix (name, ".c"))
        continue;
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *text = NULL;
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      scan_source (&emitted, name, text);
      n_files++;
    }
  g_assert_cmpuint (n_files, >, 10);

  /* The patterns still match the way the engine writes its replies. */
  g_assert_true (g_hash_table_contains (emitted.smtp_codes, "550"));
  g_assert_true (g_hash_table_contains (emitted.smtp_codes, "554"));
  g_assert_true (g_hash_table_contains (emitted.smtp_codes, "421"));
  g_assert_true (g_hash_table_contains (emitted.statuses, "5.1.1"));
  g_assert_true (g_hash_table_contains (emitted.statuses, "5.4.7"));
  g_assert_true (g_hash_table_contains (emitted.pop3, "-ERR IN-USE"));
  g_assert_cmpuint (g_hash_table_size (emitted.smtp_codes), >=, 25);
  g_assert_cmpuint (g_hash_table_size (emitted.statuses), >=, 25);
  g_assert_cmpuint (g_hash_table_size (emitted.pop3), >=, 5);

  assert_smtp_entries (&emitted, "sources");
  g_autofree char *pop3 = describe (emitted.pop3);
  g_test_message ("sources: POP3 %s", pop3);
  GHashTableIter iter;
  gpointer status, example;
  g_hash_table_iter_init (&iter, emitted.pop3);
  while (g_hash_table_iter_next (&iter, &status, &example))
    assert_pop3_entry (status, example, "sources");
  emitted_clear (&emitted);
}

/* ---- the built-in entries ---- */

static gboolean
has_cyrillic (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c >= 0x0400 && c <= 0x04FF)
        return TRUE;
    }
  return FALSE;
}

/* Every entry, not only the ones the engines emit: both languages, real
 * Russian, an RFC reference. */
static void
test_every_entry (void)
{
  g_autoptr (GPtrArray) en = pochta_knowledge_list (english);
  g_autoptr (GPtrArray) ru = pochta_knowledge_list (russian);

  g_assert_cmpuint (en->len, ==, ru->len);
  g_assert_cmpuint (en->len, >=, 100);
  for (guint i = 0; i < en->len; i++)
    {
      const PochtaKnowledgeEntry *e = g_ptr_array_index (en, i);
      const PochtaKnowledgeEntry *r = g_ptr_array_index (ru, i);

      assert_complete (e->key, e, r);
      g_assert_true (g_utf8_validate (r->meaning, -1, NULL));
      const char *english_texts[] = { e->title, e->meaning, e->cause, e->next };
      const char *russian_texts[] = { r->title, r->meaning, r->cause, r->next };
      for (guint k = 0; k < G_N_ELEMENTS (russian_texts); k++)
        {
          if (!has_cyrillic (russian_texts[k]))
            g_error ("[%s]: \"%s\" is not Russian", e->key, russian_texts[k]);
          g_assert_cmpstr (english_texts[k], !=, russian_texts[k]);
        }
      /* The rule is cited the same way in both languages. */
      g_assert_cmpstr (e->rfc, ==, r->rfc);
      if (!g_str_has_prefix (e->rfc, "RFC ") && !g_str_has_prefix (e->rfc, "draft-"))
        g_error ("[%s]: Rfc=%s does not cite an RFC", e->key, e->rfc);
      if (i > 0)
        g_assert_cmpstr (((const PochtaKnowledgeEntry *) g_ptr_array_index (en, i - 1))->key, <, e->key);
    }
}

/* Texts the tests and the README rely on, exactly. */
static void
test_thesis_entries (void)
{
  const PochtaKnowledgeEntry *entry = pochta_knowledge_lookup_reply (english, 550, "RCPT");

  g_assert_cmpstr (entry->key, ==, "Reply 550 RCPT");
  g_assert_cmpstr (entry->rfc, ==, "RFC 5321 §3.3, §4.2.3");
  g_assert_nonnull (strstr (entry->cause, "Sidirov"));
  entry = pochta_knowledge_lookup_reply (russian, 550, "RCPT");
  g_assert_cmpstr (entry->language, ==, "ru");
  g_assert_nonnull (strstr (entry->cause, "Sidirov"));
}

/* The user's language when none is given: LANGUAGE decides. */
static void
test_user_language (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));
  g_autoptr (GError) error = NULL;

  /* GLib caches the language names per value of the variables, so
   * changing LANGUAGE takes effect at once. */
  g_setenv ("LANGUAGE", "ru", TRUE);
  g_autoptr (PochtaKnowledge) users = pochta_knowledge_load_builtin (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pochta_knowledge_get (users, "Reply 550")->language, ==, "ru");
  g_assert_cmpstr (pochta_knowledge_get (users, "Reply 550")->title, ==,
                   pochta_knowledge_get (russian, "Reply 550")->title);

  g_autoptr (PochtaKnowledge) c = pochta_knowledge_load_builtin ("C", &error);
  g_assert_no_error (error);
  g_assert_null (pochta_knowledge_get (c, "Reply 550")->language);
  g_assert_cmpstr (pochta_knowledge_get (c, "Reply 550")->title, ==,
                   pochta_knowledge_get (english, "Reply 550")->title);

  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");
}

/* ---- lookups ---- */

typedef struct
{
  const char *query;
  const char *key;   /* NULL: no entry */
} LookupRow;

static const LookupRow lookup_rows[] = {
  { "550", "Reply 550" },
  { "550 RCPT", "Reply 550 RCPT" },
  { " 550\t rcpt ", "Reply 550 RCPT" },
  { "550 NOOP", "Reply 550" },
  { "220 CONNECT", "Reply 220 CONNECT" },
  { "reply 550 rcpt", "Reply 550 RCPT" },
  { "5.1.1", "Status 5.1.1" },
  { "334", "SASL 334" },
  { "334 cram-md5", "SASL 334 CRAM-MD5" },
  { "334 NTLM", "SASL 334" },
  { "+OK", "POP3 +OK" },
  { "+ok retr", "POP3 +OK RETR" },
  { "-ERR", "POP3 -ERR" },
  { "-ERR [IN-USE]", "POP3 -ERR IN-USE" },
  { "-err in-use", "POP3 -ERR IN-USE" },
  { "[IN-USE]", "POP3 -ERR IN-USE" },
  { "-ERR [SYS/TEMP]", "POP3 -ERR SYS/TEMP" },
  { "+", "SASL +" },
  { "*", "SASL *" },
  { "SASL response", "SASL response" },
  { "", NULL },
  { "   ", NULL },
  { "hello", NULL },
  { "600", NULL },
  { "55", NULL },
  { "5.1", NULL },
  { "3.1.1", NULL },
  { "5.1.1 x", NULL },
  { "550 5.1.1", NULL },
  { "550 RCPT x", NULL },
  { "-ERR [NO-SUCH-CODE]", NULL },
  { "-ERR [SYS/NOTHING]", NULL },
  { "-ERR [in use]", NULL },
  { "[]", NULL },
  { "* x", NULL },
  { "a b c d", NULL },
};

static void
test_lookup (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (lookup_rows); i++)
    {
      const PochtaKnowledgeEntry *entry = pochta_knowledge_lookup (english, lookup_rows[i].query);
      if (g_strcmp0 (entry != NULL ? entry->key : NULL, lookup_rows[i].key) != 0)
        g_error ("lookup \"%s\": want %s, got %s", lookup_rows[i].query,
                 lookup_rows[i].key != NULL ? lookup_rows[i].key : "nothing",
                 entry != NULL ? entry->key : "nothing");
    }
}

/* What `pochta-cli explain --list` shows for an entry finds that entry. */
static void
test_round_trip (void)
{
  g_autoptr (GPtrArray) entries = pochta_knowledge_list (english);

  for (guint i = 0; i < entries->len; i++)
    {
      const PochtaKnowledgeEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *query = pochta_knowledge_format_query (entry);
      const PochtaKnowledgeEntry *found = pochta_knowledge_lookup (english, query);
      if (found != entry)
        g_error ("\"%s\" finds %s, not %s", query, found != NULL ? found->key : "nothing", entry->key);
    }
  g_autofree char *in_use = pochta_knowledge_format_query (pochta_knowledge_get (english, "POP3 -ERR IN-USE"));
  g_assert_cmpstr (in_use, ==, "-ERR [IN-USE]");
  g_autofree char *rcpt = pochta_knowledge_format_query (pochta_knowledge_get (english, "Reply 550 RCPT"));
  g_assert_cmpstr (rcpt, ==, "550 RCPT");
  g_autofree char *plus = pochta_knowledge_format_query (pochta_knowledge_get (english, "SASL +"));
  g_assert_cmpstr (plus, ==, "+");
}

static void
test_lookup_functions (void)
{
  g_assert_cmpstr (pochta_knowledge_lookup_reply (english, 250, "DATA")->key, ==, "Reply 250 DATA");
  g_assert_cmpstr (pochta_knowledge_lookup_reply (english, 250, NULL)->key, ==, "Reply 250");
  g_assert_cmpstr (pochta_knowledge_lookup_reply (english, 250, "XYZZ")->key, ==, "Reply 250");
  g_assert_cmpstr (pochta_knowledge_lookup_reply (english, 334, "AUTH")->key, ==, "SASL 334");
  g_assert_null (pochta_knowledge_lookup_reply (english, 299, NULL));
  g_assert_null (pochta_knowledge_lookup_status (english, "5.9.9"));
  /* RFC 2449 §8: an unknown level falls back to its parent, an unknown
   * code to the plain -ERR. */
  g_assert_cmpstr (pochta_knowledge_lookup_pop3 (english, FALSE, "SYS/TEMP/DISK", NULL)->key, ==,
                   "POP3 -ERR SYS/TEMP");
  g_assert_cmpstr (pochta_knowledge_lookup_pop3 (english, FALSE, "X-UNKNOWN", "PASS")->key, ==, "POP3 -ERR");
  g_assert_cmpstr (pochta_knowledge_lookup_pop3 (english, TRUE, NULL, "STAT")->key, ==, "POP3 +OK STAT");
  g_assert_cmpstr (pochta_knowledge_lookup_pop3 (english, TRUE, NULL, "XYZZ")->key, ==, "POP3 +OK");
  g_assert_cmpstr (pochta_knowledge_lookup_sasl (english, "334", "PLAIN")->key, ==, "SASL 334 PLAIN");
  g_assert_cmpstr (pochta_knowledge_get (english, "sasl RESPONSE")->key, ==, "SASL response");
  g_assert_null (pochta_knowledge_get (english, "Reply  550"));
}

/* ---- loading ---- */

#define ENTRY_KEYS "Title=t\nMeaning=m\nCause=c\nNext=n\nRfc=RFC 5321 §4.2\n"

typedef struct
{
  const char *data;
  PochtaKnowledgeError code;
  const char *message;
} LoadErrorRow;

static const LoadErrorRow load_error_rows[] = {
  { "[Reply 550\nTitle=t\n", POCHTA_KNOWLEDGE_ERROR_PARSE, "test.kb: " },
  { "Title=t\n", POCHTA_KNOWLEDGE_ERROR_PARSE, "test.kb: " },
  { "[Reply 55]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "test.kb: [Reply 55]: not a knowledge-base entry" },
  { "[Reply 650]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Reply 650]: not a knowledge-base entry" },
  { "[Reply 550 rcpt]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Reply 550 rcpt]: not a" },
  { "[Reply  550]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Reply  550]: not a" },
  { "[Reply 550 RCPT X]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Reply 550 RCPT X]: not a" },
  { "[Status 3.1.1]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Status 3.1.1]: not a" },
  { "[Status 5.1.1.1]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Status 5.1.1.1]: not a" },
  { "[Status 5.1111.1]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Status 5.1111.1]: not a" },
  { "[POP3 -ERR in-use]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[POP3 -ERR in-use]: not a" },
  { "[POP3 +OK SYS/TEMP]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[POP3 +OK SYS/TEMP]: not a" },
  { "[POP3 OK]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[POP3 OK]: not a" },
  { "[SASL 335]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[SASL 335]: not a" },
  { "[SASL * PLAIN]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[SASL * PLAIN]: not a" },
  { "[Lesson]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Lesson]: not a" },
  { "[Reply 550]\nTitle=t\nMeaning=m\nCause=c\nNext=n\n", POCHTA_KNOWLEDGE_ERROR_INVALID,
    "test.kb: [Reply 550]: Rfc is missing or empty" },
  { "[Reply 550]\nTitle=\nMeaning=m\nCause=c\nNext=n\nRfc=RFC 5321\n", POCHTA_KNOWLEDGE_ERROR_INVALID,
    "[Reply 550]: Title is missing or empty" },
  { "[Reply 550]\nTitle[ru]=т\nMeaning=m\nCause=c\nNext=n\nRfc=RFC 5321\n", POCHTA_KNOWLEDGE_ERROR_INVALID,
    "[Reply 550]: Title is missing or empty" },
  { "[Reply 550]\n" ENTRY_KEYS "Caus=c\n", POCHTA_KNOWLEDGE_ERROR_INVALID, "[Reply 550]: unknown key Caus" },
  { "[Reply 550]\n" ENTRY_KEYS "Name[ru]=x\n", POCHTA_KNOWLEDGE_ERROR_INVALID, "unknown key Name[ru]" },
  { "[Labels]\nCause=Likely cause\n", POCHTA_KNOWLEDGE_ERROR_INVALID, "test.kb: [Labels]: Next is missing" },
  { "[Labels]\nCause=c\nNext=n\nTitle=t\n", POCHTA_KNOWLEDGE_ERROR_INVALID, "[Labels]: unknown key Title" },
  /* Nothing of a file that fails is kept: the first entry is checked
   * below. */
  { "[Reply 421]\n" ENTRY_KEYS "\n[Reply 4211]\n" ENTRY_KEYS, POCHTA_KNOWLEDGE_ERROR_INVALID, "[Reply 4211]" },
};

static void
test_load_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (load_error_rows); i++)
    {
      const LoadErrorRow *row = &load_error_rows[i];
      g_autoptr (PochtaKnowledge) knowledge = pochta_knowledge_new ("C");
      g_autoptr (GError) error = NULL;

      g_assert_false (pochta_knowledge_add_data (knowledge, "test.kb", row->data, strlen (row->data), &error));
      g_assert_error (error, POCHTA_KNOWLEDGE_ERROR, (gint) row->code);
      if (strstr (error->message, row->message) == NULL)
        g_error ("row %u: \"%s\" does not contain \"%s\"", i, error->message, row->message);
      g_autoptr (GPtrArray) entries = pochta_knowledge_list (knowledge);
      g_assert_cmpuint (entries->len, ==, 0);
    }
}

static void
test_load_duplicate (void)
{
  g_autoptr (PochtaKnowledge) knowledge = pochta_knowledge_new ("C");
  g_autoptr (GError) error = NULL;
  const char *data = "[Reply 550 RCPT]\n" ENTRY_KEYS;
  const char *twice = "[Reply 550 DATA]\n" ENTRY_KEYS "[reply 550 rcpt]\n" ENTRY_KEYS;

  g_assert_true (pochta_knowledge_add_data (knowledge, "a.kb", data, strlen (data), &error));
  g_assert_no_error (error);
  g_assert_false (pochta_knowledge_add_data (knowledge, "b.kb", data, strlen (data), &error));
  g_assert_error (error, POCHTA_KNOWLEDGE_ERROR, POCHTA_KNOWLEDGE_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "b.kb: [Reply 550 RCPT]: the entry is already in the knowledge base");
  g_clear_error (&error);
  /* Names are not case-sensitive: [reply 550 rcpt] is not even a valid
   * name, since verbs are written in upper case. */
  g_assert_false (pochta_knowledge_add_data (knowledge, "c.kb", twice, strlen (twice), &error));
  g_assert_nonnull (strstr (error->message, "c.kb: [reply 550 rcpt]"));
  g_assert_null (pochta_knowledge_get (knowledge, "Reply 550 DATA"));
}

/* Translations: the ones of the language asked for, the original where
 * one is missing (and then the entry says it is not translated), and
 * trimmed texts. */
static void
test_load_languages (void)
{
  const char *data =
    "[Labels]\nCause=Likely cause\nCause[ru]=Вероятная причина\nNext=Next\n"
    "[Reply 550]\nTitle=  Mailbox unavailable \nTitle[ru]=Ящик недоступен\nMeaning=m\nMeaning[ru]=з\n"
    "Cause=c\nCause[ru]=п\nNext=n\nNext[ru]=д\nRfc=RFC 5321 §4.2.3\n"
    "[Reply 551]\nTitle=User not local\nTitle[ru]=Не здесь\nMeaning=m\nCause=c\nNext=n\nRfc=RFC 5321 §3.4\n";
  g_autoptr (PochtaKnowledge) ru = pochta_knowledge_new ("ru");
  g_autoptr (PochtaKnowledge) c = pochta_knowledge_new ("C");
  g_autoptr (PochtaKnowledge) ru_ru = pochta_knowledge_new ("ru_RU.UTF-8");
  g_autoptr (GError) error = NULL;

  g_assert_true (pochta_knowledge_add_data (ru, "t.kb", data, strlen (data), &error));
  g_assert_true (pochta_knowledge_add_data (c, "t.kb", data, strlen (data), &error));
  g_assert_true (pochta_knowledge_add_data (ru_ru, "t.kb", data, strlen (data), &error));
  g_assert_no_error (error);

  const PochtaKnowledgeEntry *entry = pochta_knowledge_get (ru, "Reply 550");
  g_assert_cmpstr (entry->title, ==, "Ящик недоступен");
  g_assert_cmpstr (entry->cause, ==, "п");
  g_assert_cmpstr (entry->language, ==, "ru");
  g_assert_cmpstr (pochta_knowledge_get (ru_ru, "Reply 550")->language, ==, "ru");
  entry = pochta_knowledge_get (ru, "Reply 551");
  g_assert_cmpstr (entry->title, ==, "Не здесь");
  g_assert_cmpstr (entry->meaning, ==, "m");
  g_assert_null (entry->language);
  entry = pochta_knowledge_get (c, "Reply 550");
  g_assert_cmpstr (entry->title, ==, "Mailbox unavailable");
  g_assert_null (entry->language);

  /* The line of the HTML export, with the labels of each language (the
   * untranslated Next label stays English). */
  g_autofree char *line = pochta_knowledge_format_line (ru, pochta_knowledge_get (ru, "Reply 550"));
  g_assert_cmpstr (line, ==, "Ящик недоступен. з Вероятная причина: п Next: д (RFC 5321 §4.2.3)");
  g_autofree char *c_line = pochta_knowledge_format_line (c, pochta_knowledge_get (c, "Reply 550"));
  g_assert_cmpstr (c_line, ==, "Mailbox unavailable. m Likely cause: c Next: n (RFC 5321 §4.2.3)");
  /* Without [Labels], the parts follow one another. */
  g_autoptr (PochtaKnowledge) bare = pochta_knowledge_new ("C");
  const char *plain = "[Reply 550]\n" ENTRY_KEYS;
  g_assert_true (pochta_knowledge_add_data (bare, "p.kb", plain, strlen (plain), &error));
  g_autofree char *bare_line = pochta_knowledge_format_line (bare, pochta_knowledge_get (bare, "Reply 550"));
  g_assert_cmpstr (bare_line, ==, "t. m c n (RFC 5321 §4.2)");
}

/* ---- transcripts ---- */

typedef struct
{
  char direction;       /* 'C' or 'S' */
  const char *text;
  gboolean in_data;
  const char *key;      /* the entry explain_item gives, NULL for none */
} TranscriptRow;

static const TranscriptRow smtp_session[] = {
  { 'S', "220 comp3.otd2.constr.org ESMTP Service ready", FALSE, "Reply 220 CONNECT" },
  { 'C', "EHLO comp1.otd1.constr.org", FALSE, NULL },
  { 'S', "250-comp3.otd2.constr.org Hello comp1.otd1.constr.org", FALSE, "Reply 250 EHLO" },
  { 'S', "250 HELP", FALSE, "Reply 250 EHLO" },
  { 'C', "AUTH CRAM-MD5", FALSE, NULL },
  { 'S', "334 PDE4OTYuNjk3MTcwOTUyQGNvbXAzLm90ZDIuY29uc3RyLm9yZz4=", FALSE, "SASL 334 CRAM-MD5" },
  { 'C', "*", FALSE, "SASL *" },
  { 'S', "501 5.7.0 Authentication cancelled", FALSE, "Reply 501 AUTH" },
  { 'C', "auth plain", FALSE, NULL },
  { 'S', "334 ", FALSE, "SASL 334 PLAIN" },
  { 'C', "AEl2YW5vdgBpdmFub3YxMjM=", FALSE, "SASL response" },
  { 'S', "235 2.7.0 Authentication successful", FALSE, "Reply 235" },
  { 'C', "MAIL FROM:<Ivanov@comp1.otd1.constr.org>", FALSE, NULL },
  { 'S', "250 2.1.0 Sender OK", FALSE, "Reply 250 MAIL" },
  { 'C', "RCPT TO:<Sidirov@comp3.otd2.constr.org>", FALSE, NULL },
  { 'S', "550 5.1.1 No such user here", FALSE, "Reply 550 RCPT" },
  { 'C', "RCPT TO:<Petrov@comp3.otd2.constr.org>", FALSE, NULL },
  { 'S', "250 2.1.5 Recipient OK", FALSE, "Reply 250 RCPT" },
  { 'C', "DATA", FALSE, NULL },
  { 'S', "354 Start mail input; end with <CRLF>.<CRLF>", FALSE, "Reply 354" },
  { 'C', "Subject: 550", TRUE, NULL },
  { 'C', ".", TRUE, NULL },
  { 'S', "250 2.0.0 OK, queued as 4F2A1", FALSE, "Reply 250 DATA" },
  { 'C', "XYZZ", FALSE, NULL },
  { 'S', "500 5.5.1 Syntax error, command unrecognized", FALSE, "Reply 500" },
  { 'C', "QUIT", FALSE, NULL },
  { 'S', "221 2.0.0 comp3.otd2.constr.org Service closing transmission channel", FALSE, "Reply 221" },
};

static const TranscriptRow pop3_session[] = {
  { 'S', "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>", FALSE, "POP3 +OK CONNECT" },
  { 'C', "AUTH CRAM-MD5", FALSE, NULL },
  { 'S', "+ PDE4OTYuNjk3MTcwOTUyQGRiYy5tdHZpZXcuY2EudXM+", FALSE, "SASL +" },
  { 'C', "*", FALSE, "SASL *" },
  { 'S', "-ERR authentication cancelled", FALSE, "POP3 -ERR" },
  { 'C', "USER mrose", FALSE, NULL },
  { 'S', "+OK send PASS", FALSE, "POP3 +OK USER" },
  { 'C', "PASS tanstaaf", FALSE, NULL },
  { 'S', "-ERR [IN-USE] unable to lock maildrop: it is in use", FALSE, "POP3 -ERR IN-USE" },
  { 'C', "APOP mrose c4c9334bac560ecc979e58001b3e22fb", FALSE, NULL },
  { 'S', "+OK mrose's maildrop has 2 messages (320 octets)", FALSE, "POP3 +OK APOP" },
  { 'C', "LIST", FALSE, NULL },
  { 'S', "+OK 2 messages (320 octets)", FALSE, "POP3 +OK LIST" },
  { 'S', "1 120", FALSE, NULL },
  { 'S', ".", FALSE, NULL },
  { 'C', "RETR 1", FALSE, NULL },
  { 'S', "+OK 120 octets", FALSE, "POP3 +OK RETR" },
  { 'S', "-ERR [IN-USE] quoted in a letter", TRUE, NULL },
  { 'S', ".", TRUE, NULL },
  { 'C', "RETR 9", FALSE, NULL },
  { 'S', "-ERR no such message", FALSE, "POP3 -ERR" },
  { 'C', "QUIT", FALSE, NULL },
  { 'S', "+OK dewey POP3 server signing off", FALSE, "POP3 +OK QUIT" },
};

static PochtaTranscript *
build_transcript (PochtaProtocol protocol, const TranscriptRow *rows, gsize n_rows)
{
  PochtaTranscript *transcript = pochta_transcript_new ();
  guint16 port = protocol == POCHTA_PROTOCOL_SMTP ? 25 : 110;
  guint connection = pochta_transcript_open_connection (transcript, protocol, "comp1.otd1.constr.org", "192.0.2.11",
                                                        40001, "comp3.otd2.constr.org", "198.51.100.13", port,
                                                        G_USEC_PER_SEC);
  pochta_transcript_add_note (transcript, G_USEC_PER_SEC, "a note is not explained");
  for (gsize i = 0; i < n_rows; i++)
    pochta_transcript_add_line (transcript, connection, (gint64) (i + 2) * G_USEC_PER_SEC,
                                rows[i].direction == 'C' ? POCHTA_DIRECTION_CLIENT : POCHTA_DIRECTION_SERVER,
                                rows[i].text, strlen (rows[i].text), rows[i].in_data, NULL, NULL);
  pochta_transcript_close_connection (transcript, connection, (gint64) (n_rows + 2) * G_USEC_PER_SEC);
  return transcript;
}

static void
check_transcript (PochtaProtocol protocol, const TranscriptRow *rows, gsize n_rows)
{
  g_autoptr (PochtaTranscript) transcript = build_transcript (protocol, rows, n_rows);
  const PochtaTranscriptItem *command = NULL;

  /* Item 0 is the note. */
  g_assert_null (pochta_knowledge_explain_item (english, pochta_transcript_get_item (transcript, 0), NULL));
  for (gsize i = 0; i < n_rows; i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, (guint) i + 1);
      const PochtaKnowledgeEntry *entry = pochta_knowledge_explain_item (english, item, command);
      if (g_strcmp0 (entry != NULL ? entry->key : NULL, rows[i].key) != 0)
        g_error ("\"%s\": want %s, got %s", rows[i].text, rows[i].key != NULL ? rows[i].key : "nothing",
                 entry != NULL ? entry->key : "nothing");
      if (item->direction == POCHTA_DIRECTION_CLIENT && item->verb != NULL)
        command = item;
    }
}

static void
test_explain_item (void)
{
  check_transcript (POCHTA_PROTOCOL_SMTP, smtp_session, G_N_ELEMENTS (smtp_session));
  check_transcript (POCHTA_PROTOCOL_POP3, pop3_session, G_N_ELEMENTS (pop3_session));
}

/* What the exporter gets: one explanation per reply (on the first line of
 * a multi-line one), the enhanced code's title with it, NULL for the
 * rest; the same text each time for the same reply. */
static void
test_explainer (void)
{
  g_autoptr (PochtaTranscript) transcript = build_transcript (POCHTA_PROTOCOL_SMTP, smtp_session,
                                                              G_N_ELEMENTS (smtp_session));
  g_autoptr (PochtaKnowledgeExplainer) explainer = pochta_knowledge_explainer_new (english, transcript);
  PochtaExplainFunc explain = pochta_knowledge_explainer_explain;

  for (guint i = 1; i <= G_N_ELEMENTS (smtp_session); i++)
    {
      const PochtaTranscriptItem *item = pochta_transcript_get_item (transcript, i);
      const char *text = explain (item, explainer);
      const char *key = smtp_session[i - 1].key;
      /* "250 HELP" continues the EHLO reply. */
      gboolean continuation = g_str_equal (smtp_session[i - 1].text, "250 HELP");

      if (key == NULL || continuation)
        {
          g_assert_null (text);
          continue;
        }
      g_assert_nonnull (text);
      g_assert_true (g_str_has_prefix (text, pochta_knowledge_get (english, key)->title));
      g_assert_true (text == explain (item, explainer));
    }

  const PochtaKnowledgeEntry *reply = pochta_knowledge_get (english, "Reply 550 RCPT");
  const PochtaKnowledgeEntry *status = pochta_knowledge_get (english, "Status 5.1.1");
  g_autofree char *plain = pochta_knowledge_format_line (english, reply);
  g_autofree char *with_status = g_strdup_printf ("%s (5.1.1: %s).%s", reply->title, status->title,
                                                  plain + strlen (reply->title) + 1);
  g_assert_cmpstr (explain (pochta_transcript_get_item (transcript, 16), explainer), ==, with_status);
}

static guint
count (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* The HTML export with the knowledge base's column. */
static void
test_html_export (void)
{
  g_autoptr (PochtaTranscript) transcript = build_transcript (POCHTA_PROTOCOL_SMTP, smtp_session,
                                                              G_N_ELEMENTS (smtp_session));
  g_autoptr (PochtaKnowledgeExplainer) explainer = pochta_knowledge_explainer_new (russian, transcript);
  PochtaExportOptions options = { .explain = pochta_knowledge_explainer_explain, .explain_data = explainer };
  g_autoptr (GBytes) html = pochta_transcript_export_html (transcript, &options);
  g_autofree char *text = g_strndup (g_bytes_get_data (html, NULL), g_bytes_get_size (html));

  g_assert_nonnull (strstr (text, "<th>Explanation</th>"));
  /* Russian explanations, English wire text. */
  const PochtaKnowledgeEntry *entry = pochta_knowledge_get (russian, "Reply 550 RCPT");
  g_autofree char *start = g_strconcat ("<td class=\"x\">", entry->title, " (5.1.1: ", NULL);
  g_assert_cmpuint (count (text, start), ==, 1);
  g_assert_nonnull (strstr (text, "550 5.1.1 No such user here"));
  /* One explanation per reply: 15 of the 27 lines have one. */
  guint explained = 0;
  for (guint i = 0; i < G_N_ELEMENTS (smtp_session); i++)
    if (smtp_session[i].key != NULL && !g_str_equal (smtp_session[i].text, "250 HELP"))
      explained++;
  g_assert_cmpuint (explained, ==, 15);
  g_assert_cmpuint (count (text, "<td class=\"x\">") - count (text, "<td class=\"x\"></td>"), ==, explained);
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;

  g_test_init (&argc, &argv, NULL);

  english = pochta_knowledge_load_builtin ("C", &error);
  g_assert_no_error (error);
  russian = pochta_knowledge_load_builtin ("ru", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/knowledge/entries/every-entry", test_every_entry);
  g_test_add_func ("/engine/knowledge/entries/thesis", test_thesis_entries);
  g_test_add_func ("/engine/knowledge/entries/user-language", test_user_language);
  g_test_add_func ("/engine/knowledge/completeness/smtp-walk", test_smtp_walk);
  g_test_add_func ("/engine/knowledge/completeness/pop3-walk", test_pop3_walk);
  g_test_add_func ("/engine/knowledge/completeness/sasl", test_sasl_steps);
  g_test_add_func ("/engine/knowledge/completeness/sources", test_sources);
  g_test_add_func ("/engine/knowledge/lookup/queries", test_lookup);
  g_test_add_func ("/engine/knowledge/lookup/functions", test_lookup_functions);
  g_test_add_func ("/engine/knowledge/lookup/round-trip", test_round_trip);
  g_test_add_func ("/engine/knowledge/load/errors", test_load_errors);
  g_test_add_func ("/engine/knowledge/load/duplicate", test_load_duplicate);
  g_test_add_func ("/engine/knowledge/load/languages", test_load_languages);
  g_test_add_func ("/engine/knowledge/transcript/explain-item", test_explain_item);
  g_test_add_func ("/engine/knowledge/transcript/explainer", test_explainer);
  g_test_add_func ("/engine/knowledge/transcript/html-export", test_html_export);

  int status = g_test_run ();
  pochta_knowledge_free (english);
  pochta_knowledge_free (russian);
  return status;
}
