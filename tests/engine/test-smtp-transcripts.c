/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Golden transcripts of the SMTP server: every .transcript file in
 * tests/data/smtp played against a fresh session, fed three ways.  The
 * session comes from the file's settings:
 *
 *   @profile seed|rfc821|modern    @hostname comp3.otd2.constr.org
 *   @seed N (the generator)        @time unix-seconds   @utc-offset minutes
 *   @client-address 192.0.2.11     @client-hostname name
 *   @reject yes (554 greeting)     @vrfy disabled
 *   @message-size-max N  @recipients-max N  @bad-commands-max N  @auth-failures-max N */
#define G_LOG_DOMAIN "pochta-test-smtp-transcripts"
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "smtp-test-fixture.h"

typedef struct
{
  SmtpFixtureConfig config;
  PochtaSmtpLimits limits;
} TranscriptSession;

static guint64
number_setting (PochtaGoldenTranscript *transcript, const char *key, guint64 fallback)
{
  const char *text = pochta_golden_transcript_get_setting (transcript, key);
  guint64 value = fallback;
  g_autoptr (GError) error = NULL;

  if (text != NULL && !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &value, &error))
    g_error ("@%s %s: %s", key, text, error->message);
  return value;
}

static void
configure (PochtaGoldenTranscript *transcript, TranscriptSession *session)
{
  const char *profile = pochta_golden_transcript_get_setting (transcript, "profile");
  const char *utc_offset = pochta_golden_transcript_get_setting (transcript, "utc-offset");

  if (profile != NULL && !pochta_smtp_profile_from_string (profile, &session->config.profile))
    g_error ("@profile %s: no such profile", profile);
  session->config.hostname = pochta_golden_transcript_get_setting (transcript, "hostname");
  session->config.seed = (guint32) number_setting (transcript, "seed", 0);
  session->config.time_usec = (gint64) number_setting (transcript, "time", 0) * G_USEC_PER_SEC;
  session->config.utc_offset = utc_offset != NULL ? atoi (utc_offset) : 0;
  session->config.client_address = pochta_golden_transcript_get_setting (transcript, "client-address");
  session->config.client_hostname = pochta_golden_transcript_get_setting (transcript, "client-hostname");
  session->config.reject_connection = g_strcmp0 (pochta_golden_transcript_get_setting (transcript, "reject"), "yes") == 0;
  if (g_strcmp0 (pochta_golden_transcript_get_setting (transcript, "vrfy"), "disabled") == 0)
    session->config.vrfy = VRFY_NO_POLICY;

  /* Zero fields keep the defaults (smtp-server.h). */
  session->limits.message_size_max = number_setting (transcript, "message-size-max", 0);
  session->limits.recipients_max = (guint) number_setting (transcript, "recipients-max", 0);
  session->limits.bad_commands_max = (guint) number_setting (transcript, "bad-commands-max", 0);
  session->limits.auth_failures_max = (guint) number_setting (transcript, "auth-failures-max", 0);
  session->config.limits = &session->limits;
}

static void
test_transcript (gconstpointer data)
{
  const char *path = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PochtaGoldenTranscript) transcript = pochta_golden_transcript_load (path, &error);
  TranscriptSession session = { { 0 } };

  g_assert_no_error (error);
  configure (transcript, &session);
  for (PochtaFeedMode mode = 0; mode < POCHTA_FEED_N_MODES; mode++)
    {
      pochta_golden_transcript_run (transcript, &smtp_fixture_ops, &session.config, mode, &error);
      g_assert_no_error (error);
    }
}

/* The harness itself: a transcript that the session does not follow must
 * fail, or the golden files prove nothing. */
static void
test_mismatch_detected (void)
{
  const char *bad[] = {
    "S: 220 comp3.otd2.constr.org Simple Mail Transfer Service Ready\nC: NOOP\nS: 250 Fine\n",
    "S: 220 comp3.otd2.constr.org Simple Mail Transfer Service Ready\nC: NOOP\n",
    "S: 220 comp3.otd2.constr.org Simple Mail Transfer Service Ready\nC: NOOP\nS: 250 OK\nS: 250 OK\n",
    "S: /221 .*/\n",
    "C: NOOP\nS: 250 OK\n",
  };
  SmtpFixtureConfig config = { .profile = POCHTA_SMTP_PROFILE_SEED };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_build_filename (g_get_tmp_dir (), "pochta-test-XXXXXX.transcript", NULL);
      g_autoptr (GError) error = NULL;
      int fd = g_mkstemp (path);
      g_assert_cmpint (fd, >=, 0);
      close (fd);
      g_assert_true (g_file_set_contents (path, bad[i], -1, NULL));
      g_autoptr (PochtaGoldenTranscript) transcript = pochta_golden_transcript_load (path, &error);
      g_assert_no_error (error);
      g_assert_false (pochta_golden_transcript_run (transcript, &smtp_fixture_ops, &config, POCHTA_FEED_WHOLE, &error));
      g_assert_nonnull (error);
      g_assert_true (strstr (error->message, path) != NULL);
      g_unlink (path);
    }
}

/* B: escapes and repetition reach the session byte for byte. */
static void
test_escapes (void)
{
  const char *text =
    "# comment\n"
    "@profile seed\n"
    "S: /220 .*Ready/\n"
    "B: NOOP \\{505:x}\\r\\n\n"
    "S: 250 OK\n"
    "B: NO\\0OP\\r\\nNOOP\\x0d\\x0a\n"
    "S: 500 Syntax error - invalid character\n"
    "S: 250 OK\n"
    "C[3]: RSET\n"
    "S[3]: 250 OK\n"
    "B: \\{2:NOOP\\r\\n}\n"
    "S[2]: 250 OK\n"
    "E:\n";
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "pochta-test-XXXXXX.transcript", NULL);
  g_autoptr (GError) error = NULL;
  SmtpFixtureConfig config = { .profile = POCHTA_SMTP_PROFILE_SEED };
  int fd = g_mkstemp (path);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (PochtaGoldenTranscript) transcript = pochta_golden_transcript_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pochta_golden_transcript_get_setting (transcript, "profile"), ==, "seed");
  for (PochtaFeedMode mode = 0; mode < POCHTA_FEED_N_MODES; mode++)
    {
      pochta_golden_transcript_run (transcript, &smtp_fixture_ops, &config, mode, &error);
      g_assert_no_error (error);
    }
  g_unlink (path);

  /* A bad escape is a load error with file:line. */
  g_assert_true (g_file_set_contents (path, "\n\nB: \\q\n", -1, NULL));
  g_autoptr (PochtaGoldenTranscript) broken = pochta_golden_transcript_load (path, &error);
  g_assert_null (broken);
  g_assert_nonnull (error);
  g_autofree char *where = g_strdup_printf ("%s:3:", path);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_unlink (path);
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_autofree char *directory = g_test_build_filename (G_TEST_DIST, "data", "smtp", NULL);
  g_autoptr (GDir) dir = g_dir_open (directory, 0, NULL);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".transcript"))
      g_ptr_array_add (paths, g_build_filename (directory, name, NULL));
  g_ptr_array_sort (paths, compare_paths);
  /* The golden files are part of the suite: none found is a failure, not
   * an empty pass. */
  g_assert_cmpuint (paths->len, >=, 5);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autofree char *base = g_path_get_basename (path);
      base[strlen (base) - strlen (".transcript")] = '\0';
      g_autofree char *test_path = g_strconcat ("/engine/smtp-transcripts/", base, NULL);
      g_test_add_data_func (test_path, path, test_transcript);
    }
  g_test_add_func ("/engine/smtp-transcripts/harness/mismatch-detected", test_mismatch_detected);
  g_test_add_func ("/engine/smtp-transcripts/harness/escapes", test_escapes);

  return g_test_run ();
}
