/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the SMTP client session: exact bytes against scripted servers,
 * fed whole, byte by byte and in seeded random chunks. */
#include "config.h"

#include <string.h>

#include "smtp-client.h"

#define CLIENT_HOST "comp1.otd1.constr.org"
#define SERVER_HOST "comp3.otd2.constr.org"

#define GREETING "220 " SERVER_HOST " Simple Mail Transfer Service Ready\r\n"
#define GOODBYE "221 " SERVER_HOST " Service closing transmission channel\r\n"
#define EHLO_LINE "EHLO " CLIENT_HOST "\r\n"
#define HELO_LINE "HELO " CLIENT_HOST "\r\n"

/* The thesis' comp3 (constr-org.md, profile seed). */
#define SEED_EHLO_REPLY \
  "250-" SERVER_HOST " says hello\r\n" \
  "250-HELP\r\n" \
  "250-AUTH CRAM-MD5 DIGEST-MD5\r\n" \
  "250-SIZE 10240000\r\n" \
  "250-ETRN\r\n" \
  "250-TURN\r\n" \
  "250 VRFY\r\n"

/* The modern profile: PIPELINING, DSN, 8BITMIME and every mechanism. */
#define MODERN_EHLO_REPLY \
  "250-" SERVER_HOST " Hello " CLIENT_HOST "\r\n" \
  "250-PIPELINING\r\n" \
  "250-8BITMIME\r\n" \
  "250-ENHANCEDSTATUSCODES\r\n" \
  "250-SIZE 10240000\r\n" \
  "250-AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5\r\n" \
  "250-DSN\r\n" \
  "250-ETRN\r\n" \
  "250-VRFY\r\n" \
  "250-EXPN\r\n" \
  "250 HELP\r\n"

/* A server with SIZE but neither PIPELINING nor AUTH. */
#define PLAIN_EHLO_REPLY "250-" SERVER_HOST " hello\r\n250 SIZE\r\n"

#define LETTER \
  "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\n" \
  "To: Petrov@comp3.otd2.constr.org\r\n" \
  "Subject: Test\r\n" \
  "\r\n" \
  "Hello!\r\n" \
  "Test mail.\r\n" \
  "Ivanov\r\n"
#define LETTER_SIZE "129"
#define LETTER_SENT LETTER ".\r\n"

#define MAIL_LINE "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=" LETTER_SIZE "\r\n"
#define MAIL_LINE_NO_SIZE "MAIL FROM:<Ivanov@comp1.otd1.constr.org>\r\n"
#define RCPT_PETROV "RCPT TO:<Petrov@comp3.otd2.constr.org>\r\n"
#define RCPT_KUZNETSOVA "RCPT TO:<Kuznetsova@comp3.otd2.constr.org>\r\n"
#define RCPT_SIDIROV "RCPT TO:<Sidirov@comp3.otd2.constr.org>\r\n"
#define RCPT_THREE RCPT_PETROV RCPT_KUZNETSOVA RCPT_SIDIROV

#define NO_SUCH_USER "550 No such user here\r\n"
#define START_INPUT "354 Start mail input; end with <CRLF>.<CRLF>\r\n"

/* Synthetic vectors from protocol-checklist.md §6 (user Ivanov, secret
 * tanstaaf), recomputed by its vectors.py. */
#define CRAM_CHALLENGE "PDE4OTYuNjk3MTcwOTUyQGNvbXAzLm90ZDIuY29uc3RyLm9yZz4="
#define CRAM_RESPONSE "SXZhbm92IDZmYzY1MmZlNDYwOTQ2NjkxYWRiZTYzNWZmMTc4NTRi"
#define PLAIN_RESPONSE "AEl2YW5vdgB0YW5zdGFhZg=="
#define AUTH_OK "235 Authentication successful\r\n"

static const char *const thesis_recipients[] = {
  "Petrov@comp3.otd2.constr.org",
  "Kuznetsova@comp3.otd2.constr.org",
  "Sidirov@comp3.otd2.constr.org",
  NULL
};

static const char *const one_recipient[] = { "Petrov@comp3.otd2.constr.org", NULL };

/* ---- the scripted server ---- */

typedef struct
{
  const char *server;  /* bytes the server sends (NULL: none) */
  const char *client;  /* exactly what the client has written after them */
  gboolean eof;        /* then the server closes the connection */
} Exchange;

typedef struct
{
  /* Per recipient "outcome:code", space separated. */
  const char *outcomes;
  /* A part of get_error (), NULL when there must be none. */
  const char *error;
  gboolean accepted;
  /* An ERROR event (the server broke the protocol). */
  gboolean error_event;
} Expectation;

typedef enum
{
  FEED_WHOLE,
  FEED_BYTES,
  FEED_RANDOM,
  N_FEED_MODES
} FeedMode;

static const char *const feed_mode_names[] = { "whole", "bytes", "random" };

typedef struct
{
  PochtaGenerator *generator;
  PochtaSmtpClient *client;
  GPtrArray *events;     /* of PochtaEvent* */
  GString *written;      /* everything the client wrote */
  GRand *rand;
  FeedMode mode;
} Run;

static void
free_event (gpointer data)
{
  pochta_event_clear (data);
  g_free (data);
}

static Run *
run_new (PochtaSmtpClientConfig *config, FeedMode mode, guint32 seed)
{
  Run *run = g_new0 (Run, 1);
  run->generator = pochta_generator_new (seed, 0);
  config->generator = run->generator;
  run->client = pochta_smtp_client_new (config);
  g_assert_nonnull (run->client);
  run->events = g_ptr_array_new_with_free_func (free_event);
  run->written = g_string_new (NULL);
  run->rand = g_rand_new_with_seed (seed);
  run->mode = mode;
  return run;
}

static void
run_free (Run *run)
{
  pochta_smtp_client_free (run->client);
  pochta_generator_free (run->generator);
  g_ptr_array_unref (run->events);
  g_string_free (run->written, TRUE);
  g_rand_free (run->rand);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static gsize
next_chunk (Run *run, gsize left)
{
  switch (run->mode)
    {
    case FEED_WHOLE: return left;
    case FEED_BYTES: return 1;
    case FEED_RANDOM:
    case N_FEED_MODES:
    default:
      {
        /* Drawn first: MIN () would evaluate it twice. */
        gsize chunk = (gsize) g_rand_int_range (run->rand, 1, 17);
        return MIN (left, chunk);
      }
    }
}

static void
drain_events (Run *run)
{
  PochtaEvent event;
  while (pochta_smtp_client_next_event (run->client, &event))
    g_ptr_array_add (run->events, g_memdup2 (&event, sizeof event));
}

/* Feeds server bytes as the mode says; returns the bytes the client did
 * not take (only once it is done). */
static gsize
feed_server (Run *run, const char *bytes, gsize len)
{
  gsize offset = 0;

  while (offset < len)
    {
      gsize chunk = next_chunk (run, len - offset);
      gssize used = pochta_smtp_client_feed (run->client, (const guint8 *) bytes + offset, chunk);
      g_assert_cmpint (used, >=, 0);
      g_assert_cmpint (used, <=, chunk);
      offset += (gsize) used;
      if ((gsize) used < chunk)
        {
          g_assert_true (pochta_smtp_client_is_done (run->client));
          break;
        }
    }
  drain_events (run);
  return len - offset;
}

/* Takes everything the client has written, in random pieces when the
 * mode is random so that partial consumption is exercised too. */
static char *
take_output (Run *run)
{
  GString *out = g_string_new (NULL);
  const guint8 *data;
  gsize len;

  while ((len = pochta_smtp_client_peek_output (run->client, &data)) > 0)
    {
      gsize take = len;
      if (run->mode == FEED_RANDOM)
        {
          gsize piece = (gsize) g_rand_int_range (run->rand, 1, 40);
          take = MIN (len, piece);
        }
      g_string_append_len (out, (const char *) data, take);
      pochta_smtp_client_consume_output (run->client, take);
    }
  g_string_append_len (run->written, out->str, out->len);
  return g_string_free (out, FALSE);
}

static void
play (Run *run, const Exchange *exchanges)
{
  for (const Exchange *exchange = exchanges; exchange->server != NULL || exchange->client != NULL
                                             || exchange->eof; exchange++)
    {
      if (exchange->server != NULL)
        feed_server (run, exchange->server, strlen (exchange->server));
      if (exchange->eof)
        {
          pochta_smtp_client_feed_eof (run->client);
          drain_events (run);
        }
      g_autofree char *written = take_output (run);
      g_assert_cmpstr (written, ==, exchange->client != NULL ? exchange->client : "");
    }
}

static const char *
outcome_name (PochtaSmtpOutcome outcome)
{
  switch (outcome)
    {
    case POCHTA_SMTP_OUTCOME_PENDING: return "pending";
    case POCHTA_SMTP_OUTCOME_ACCEPTED: return "accepted";
    case POCHTA_SMTP_OUTCOME_TEMPORARY: return "temporary";
    case POCHTA_SMTP_OUTCOME_PERMANENT: return "permanent";
    default: return "?";
    }
}

static char *
render_outcomes (PochtaSmtpClient *client)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < pochta_smtp_client_get_n_recipients (client); i++)
    {
      const PochtaSmtpClientRecipient *recipient = pochta_smtp_client_get_recipient (client, i);
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%s:%u", outcome_name (recipient->outcome), recipient->code);
    }
  return g_string_free (out, FALSE);
}

static char *
render_events (GPtrArray *events)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (events, i);
      g_autofree char *text = event->text != NULL ? g_strescape (event->text, NULL) : NULL;
      g_string_append_printf (out, "%s %u %d>%d %s%s|\n", pochta_event_type_to_string (event->type),
                              event->code, event->old_state, event->new_state,
                              event->in_data ? "data " : "", text != NULL ? text : "");
    }
  return g_string_free (out, FALSE);
}

static guint
count_events (GPtrArray *events, PochtaEventType type)
{
  guint n = 0;
  for (guint i = 0; i < events->len; i++)
    n += ((PochtaEvent *) g_ptr_array_index (events, i))->type == type;
  return n;
}

static const PochtaEvent *
find_event (GPtrArray *events, PochtaEventType type)
{
  for (guint i = 0; i < events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (events, i);
      if (event->type == type)
        return event;
    }
  return NULL;
}

/* What every finished session must satisfy, whatever its script. */
static void
check_invariants (Run *run)
{
  PochtaSmtpClient *client = run->client;
  GPtrArray *events = run->events;

  g_assert_true (pochta_smtp_client_is_done (client));
  g_assert_cmpint (pochta_smtp_client_get_state (client), ==, POCHTA_SMTP_CLIENT_STATE_DONE);

  /* Exactly one CLOSED, and it comes last. */
  g_assert_cmpuint (events->len, >, 0);
  g_assert_cmpuint (count_events (events, POCHTA_EVENT_CLOSED), ==, 1);
  const PochtaEvent *last = g_ptr_array_index (events, events->len - 1);
  g_assert_cmpint (last->type, ==, POCHTA_EVENT_CLOSED);

  /* The LINE_SENT events are exactly the bytes written. */
  g_autoptr (GString) sent = g_string_new (NULL);
  for (guint i = 0; i < events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (events, i);
      if (event->type != POCHTA_EVENT_LINE_SENT)
        continue;
      g_string_append_len (sent, event->text, event->length);
      g_string_append (sent, "\r\n");
    }
  g_assert_cmpstr (sent->str, ==, run->written->str);

  /* One RECIPIENT event per recipient, each matching get_recipient (). */
  g_assert_cmpuint (count_events (events, POCHTA_EVENT_RECIPIENT), ==,
                    pochta_smtp_client_get_n_recipients (client));
  for (guint i = 0, r = 0; i < events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (events, i);
      if (event->type != POCHTA_EVENT_RECIPIENT)
        continue;
      /* Outcomes may be decided out of order (refused at RCPT, accepted at
       * the end of data), so look the mailbox up. */
      gboolean found = FALSE;
      for (guint j = 0; j < pochta_smtp_client_get_n_recipients (client); j++)
        {
          const PochtaSmtpClientRecipient *recipient = pochta_smtp_client_get_recipient (client, j);
          if (strcmp (recipient->mailbox, event->text) != 0)
            continue;
          found = TRUE;
          g_assert_cmpuint (recipient->code, ==, event->code);
          g_assert_cmpstr (recipient->text, ==, event->detail);
          g_assert_cmpint (recipient->outcome, !=, POCHTA_SMTP_OUTCOME_PENDING);
          /* The event's code alone tells the outcome. */
          g_assert_cmpint (recipient->outcome, ==,
                           event->code / 100 == 2 ? POCHTA_SMTP_OUTCOME_ACCEPTED
                           : event->code / 100 == 4 ? POCHTA_SMTP_OUTCOME_TEMPORARY
                                                    : POCHTA_SMTP_OUTCOME_PERMANENT);
        }
      g_assert_true (found);
      r++;
    }

  /* MESSAGE exactly when the server took the message. */
  g_assert_cmpuint (count_events (events, POCHTA_EVENT_MESSAGE), ==,
                    pochta_smtp_client_message_accepted (client) ? 1 : 0);

  /* Every state change starts where the previous one ended. */
  int state = POCHTA_SMTP_CLIENT_STATE_GREETING;
  for (guint i = 0; i < events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (events, i);
      if (event->type != POCHTA_EVENT_STATE_CHANGED)
        continue;
      g_assert_cmpint (event->old_state, ==, state);
      g_assert_cmpint (event->new_state, !=, state);
      state = event->new_state;
    }
  g_assert_cmpint (state, ==, POCHTA_SMTP_CLIENT_STATE_DONE);
}

static void
check_expectation (Run *run, const Expectation *expect)
{
  g_autofree char *outcomes = render_outcomes (run->client);
  const char *error = pochta_smtp_client_get_error (run->client);

  g_assert_cmpstr (outcomes, ==, expect->outcomes);
  if (expect->error == NULL)
    g_assert_null (error);
  else
    {
      g_assert_nonnull (error);
      if (strstr (error, expect->error) == NULL)
        g_error ("error \"%s\" does not contain \"%s\"", error, expect->error);
    }
  g_assert_cmpint (pochta_smtp_client_message_accepted (run->client), ==, expect->accepted);
  g_assert_cmpuint (count_events (run->events, POCHTA_EVENT_ERROR), ==, expect->error_event ? 1 : 0);
  check_invariants (run);
}

/* Plays the script in every feeding mode; all must write the same bytes
 * and report the same events.  Returns the run fed whole. */
static Run *
check_session (PochtaSmtpClientConfig *config, const Exchange *exchanges, const Expectation *expect)
{
  Run *whole = NULL;
  g_autofree char *whole_events = NULL;

  for (FeedMode mode = FEED_WHOLE; mode < N_FEED_MODES; mode++)
    {
      Run *run = run_new (config, mode, 7);
      g_test_message ("feeding %s", feed_mode_names[mode]);
      play (run, exchanges);
      check_expectation (run, expect);
      g_autofree char *events = render_events (run->events);
      if (whole == NULL)
        {
          whole = run;
          whole_events = g_steal_pointer (&events);
          continue;
        }
      g_assert_cmpstr (events, ==, whole_events);
      run_free (run);
    }
  return whole;
}

static void
thesis_config (PochtaSmtpClientConfig *config, GBytes *message)
{
  memset (config, 0, sizeof *config);
  config->hostname = CLIENT_HOST;
  config->server_hostname = SERVER_HOST;
  config->reverse_path = "Ivanov@comp1.otd1.constr.org";
  config->recipients = thesis_recipients;
  config->message = message;
}

static GBytes *
letter (void)
{
  return g_bytes_new_static (LETTER, sizeof LETTER - 1);
}

/* ---- basic sessions ---- */

static void
test_lock_step_ehlo (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { SEED_EHLO_REPLY, MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", RCPT_KUZNETSOVA },
    { "250 OK\r\n", RCPT_SIDIROV },
    { NO_SUCH_USER, "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "accepted:250 accepted:250 permanent:550", NULL, TRUE, FALSE
  };

  thesis_config (&config, message);
  g_autoptr (Run) run = check_session (&config, script, &expect);

  /* The states a lesson's state-machine view walks through. */
  g_autoptr (GString) states = g_string_new (NULL);
  for (guint i = 0; i < run->events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (run->events, i);
      if (event->type == POCHTA_EVENT_STATE_CHANGED)
        g_string_append_printf (states, "%s ", pochta_smtp_client_state_to_string (event->new_state));
    }
  g_assert_cmpstr (states->str, ==, "ehlo mail rcpt data content quit done ");

  const PochtaSmtpClientRecipient *sidirov = pochta_smtp_client_get_recipient (run->client, 2);
  g_assert_cmpstr (sidirov->mailbox, ==, "Sidirov@comp3.otd2.constr.org");
  g_assert_cmpstr (sidirov->text, ==, "No such user here");
  const PochtaSmtpClientRecipient *petrov = pochta_smtp_client_get_recipient (run->client, 0);
  g_assert_cmpstr (petrov->text, ==, "OK");

  /* The message the server took, as sent (unstuffed). */
  const PochtaEvent *event = find_event (run->events, POCHTA_EVENT_MESSAGE);
  g_assert_nonnull (event);
  g_assert_true (g_bytes_equal (event->bytes, message));

  g_auto (GStrv) extensions = pochta_smtp_client_dup_server_extensions (run->client);
  g_assert_cmpuint (g_strv_length (extensions), ==, 6);
  g_assert_cmpstr (extensions[1], ==, "AUTH CRAM-MD5 DIGEST-MD5");
  g_assert_cmpstr (extensions[2], ==, "SIZE 10240000");

  /* Reply lines are reported one by one, data lines flagged. */
  guint n_received = count_events (run->events, POCHTA_EVENT_LINE_RECEIVED);
  /* greeting, EHLO, MAIL, three RCPT, 354, end of data, QUIT */
  g_assert_cmpuint (n_received, ==, 1 + 7 + 1 + 3 + 1 + 1 + 1);
  guint n_data = 0;
  for (guint i = 0; i < run->events->len; i++)
    {
      const PochtaEvent *line = g_ptr_array_index (run->events, i);
      n_data += line->type == POCHTA_EVENT_LINE_SENT && line->in_data;
    }
  /* Seven lines of the letter and the final "." */
  g_assert_cmpuint (n_data, ==, 8);
}

static void
test_helo_fallback (gconstpointer data)
{
  const char *refusal = data;
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { refusal, HELO_LINE },
    { "250 " SERVER_HOST "\r\n", MAIL_LINE_NO_SIZE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  g_autoptr (Run) run = check_session (&config, script, &expect);
  g_auto (GStrv) extensions = pochta_smtp_client_dup_server_extensions (run->client);
  g_assert_cmpuint (g_strv_length (extensions), ==, 0);
}

static void
test_force_helo (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, HELO_LINE },
    { "250 " SERVER_HOST "\r\n", MAIL_LINE_NO_SIZE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.force_helo = TRUE;
  run_free (check_session (&config, script, &expect));
}

/* Both EHLO and HELO refused: nothing can be sent. */
static void
test_hello_refused (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { "502 Command not implemented\r\n", HELO_LINE },
    { "550 Not you\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "permanent:550", "HELO", FALSE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  run_free (check_session (&config, script, &expect));
}

/* ---- PIPELINING ---- */

static void
test_pipelined (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    /* RFC 2920 §3.1: MAIL, every RCPT and DATA in one group. */
    { MODERN_EHLO_REPLY, MAIL_LINE RCPT_THREE "DATA\r\n" },
    /* The replies may trickle in: nothing goes out before 354. */
    { "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n", "" },
    { "250 2.1.5 Recipient OK\r\n550 5.1.1 No such user here\r\n", "" },
    { START_INPUT, LETTER_SENT },
    { "250 2.0.0 OK\r\n", "QUIT\r\n" },
    { "221 2.0.0 " SERVER_HOST " closing\r\n", "" },
    { NULL }
  };
  static const Expectation expect = {
    "accepted:250 accepted:250 permanent:550", NULL, TRUE, FALSE
  };

  thesis_config (&config, message);
  g_autoptr (Run) run = check_session (&config, script, &expect);

  /* ENHANCEDSTATUSCODES are only text, kept as the server wrote them. */
  g_assert_cmpstr (pochta_smtp_client_get_recipient (run->client, 2)->text, ==,
                   "5.1.1 No such user here");
  g_assert_cmpstr (pochta_smtp_client_get_recipient (run->client, 0)->text, ==, "2.0.0 OK");
}

/* The whole group's replies in one segment. */
static void
test_pipelined_replies_at_once (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { MODERN_EHLO_REPLY, MAIL_LINE RCPT_THREE "DATA\r\n" },
    { "250 OK\r\n250 OK\r\n250 OK\r\n250 OK\r\n" START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "accepted:250 accepted:250 accepted:250", NULL, TRUE, FALSE
  };

  thesis_config (&config, message);
  run_free (check_session (&config, script, &expect));
}

static void
test_no_pipelining (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { MODERN_EHLO_REPLY, MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.no_pipelining = TRUE;
  run_free (check_session (&config, script, &expect));
}

/* ---- DATA content ---- */

static void
test_dot_stuffing (void)
{
  static const char body[] =
    "Subject: dots\r\n"
    "\r\n"
    ".hidden\r\n"
    "..two\r\n"
    ".\r\n"
    "x.y\r\n"
    " .not first\r\n"
    ".\r\n";
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { PLAIN_EHLO_REPLY, "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=57\r\n" },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT,
      "Subject: dots\r\n"
      "\r\n"
      "..hidden\r\n"
      "...two\r\n"
      "..\r\n"
      "x.y\r\n"
      " .not first\r\n"
      "..\r\n"
      ".\r\n" },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  /* RFC 1870 §5: SIZE counts the message before stuffing. */
  g_assert_cmpuint (sizeof body - 1, ==, 57);
  thesis_config (&config, message);
  config.recipients = one_recipient;
  run_free (check_session (&config, script, &expect));
}

/* A missing final CRLF is added; bare LF and bare CR become CRLF. */
static void
test_line_ends_normalised (void)
{
  static const char body[] = "A: b\n\nbare lf\nbare\rcr\r\nno end";
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { PLAIN_EHLO_REPLY, "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=35\r\n" },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, "A: b\r\n\r\nbare lf\r\nbare\r\ncr\r\nno end\r\n.\r\n" },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  g_autoptr (Run) run = check_session (&config, script, &expect);
  const PochtaEvent *event = find_event (run->events, POCHTA_EVENT_MESSAGE);
  g_assert_cmpuint (g_bytes_get_size (event->bytes), ==, 35);
  g_assert_cmpmem (g_bytes_get_data (event->bytes, NULL), 35,
                   "A: b\r\n\r\nbare lf\r\nbare\r\ncr\r\nno end\r\n", 35);
}

/* Lines are length-counted: a NUL inside the message goes out intact. */
static void
test_nul_in_message (void)
{
  static const char body[] = "A: b\r\n\r\nx\0y\r\n";
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  config.recipients = one_recipient;
  g_autoptr (Run) run = run_new (&config, FEED_WHOLE, 1);
  feed_server (run, GREETING, strlen (GREETING));
  g_free (take_output (run));
  feed_server (run, PLAIN_EHLO_REPLY, strlen (PLAIN_EHLO_REPLY));
  g_free (take_output (run));
  feed_server (run, "250 OK\r\n", 8);
  g_free (take_output (run));
  feed_server (run, "250 OK\r\n", 8);
  g_free (take_output (run));
  feed_server (run, START_INPUT, strlen (START_INPUT));
  const guint8 *data;
  gsize len = pochta_smtp_client_peek_output (run->client, &data);
  g_assert_cmpmem (data, len, "A: b\r\n\r\nx\0y\r\n.\r\n", 16);
}

/* ---- AUTH ---- */

typedef struct
{
  const char *name;
  const char *offered;         /* the AUTH line of the EHLO reply */
  gboolean force;
  PochtaSaslMechanism mechanism;
  const Exchange *exchange;    /* from the AUTH command to 235 */
} AuthRow;

static const Exchange auth_cram[] = {
  { NULL, "AUTH CRAM-MD5\r\n" },
  { "334 " CRAM_CHALLENGE "\r\n", CRAM_RESPONSE "\r\n" },
  { NULL }
};
static const Exchange auth_plain[] = {
  { NULL, "AUTH PLAIN " PLAIN_RESPONSE "\r\n" },
  { NULL }
};
static const Exchange auth_login[] = {
  { NULL, "AUTH LOGIN\r\n" },
  { "334 VXNlcm5hbWU6\r\n", "SXZhbm92\r\n" },
  { "334 UGFzc3dvcmQ6\r\n", "dGFuc3RhYWY=\r\n" },
  { NULL }
};
/* LOGIN's draft prompts, with their trailing NUL: ignored all the same. */
static const Exchange auth_login_draft[] = {
  { NULL, "AUTH LOGIN\r\n" },
  { "334 VXNlciBOYW1lAA==\r\n", "SXZhbm92\r\n" },
  { "334 UGFzc3dvcmQA\r\n", "dGFuc3RhYWY=\r\n" },
  { NULL }
};

static const AuthRow auth_rows[] = {
  { "cram-md5-strongest", "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5", FALSE, 0, auth_cram },
  { "cram-md5-seed", "AUTH CRAM-MD5 DIGEST-MD5", FALSE, 0, auth_cram },
  { "cram-md5-lower-case", "AUTH login cram-md5", FALSE, 0, auth_cram },
  { "plain-over-login", "AUTH LOGIN PLAIN", FALSE, 0, auth_plain },
  { "plain-forced", "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5", TRUE, POCHTA_SASL_PLAIN, auth_plain },
  { "login-only", "AUTH LOGIN", FALSE, 0, auth_login },
  { "login-forced", "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5", TRUE, POCHTA_SASL_LOGIN, auth_login },
  { "login-draft-prompts", "AUTH LOGIN", FALSE, 0, auth_login_draft },
  { "cram-md5-forced", "AUTH PLAIN LOGIN CRAM-MD5", TRUE, POCHTA_SASL_CRAM_MD5, auth_cram },
  { "unknown-mechanisms-skipped", "AUTH GSSAPI XOAUTH2 CRAM-MD5 NTLM", FALSE, 0, auth_cram },
};

/* EHLO with only the AUTH line given, then the mechanism's exchange,
 * then one recipient. */
static void
test_auth_row (gconstpointer data)
{
  const AuthRow *row = data;
  g_autoptr (GBytes) message = letter ();
  g_autofree char *ehlo = g_strdup_printf ("250-" SERVER_HOST "\r\n250-%s\r\n250 SIZE\r\n",
                                           row->offered);
  g_autoptr (GArray) script = g_array_new (TRUE, TRUE, sizeof (Exchange));
  PochtaSmtpClientConfig config;
  Exchange exchange = { GREETING, EHLO_LINE };

  g_array_append_val (script, exchange);
  /* The AUTH command goes out in answer to the EHLO reply. */
  exchange.server = ehlo;
  exchange.client = row->exchange[0].client;
  g_array_append_val (script, exchange);
  for (guint i = 1; row->exchange[i].server != NULL; i++)
    g_array_append_val (script, row->exchange[i]);
  const Exchange tail[] = {
    { AUTH_OK, MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
  };
  g_array_append_vals (script, tail, G_N_ELEMENTS (tail));
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.login = "Ivanov";
  config.password = "tanstaaf";
  config.force_mechanism = row->force;
  config.mechanism = row->mechanism;
  g_autoptr (Run) run = check_session (&config, (const Exchange *) script->data, &expect);

  const PochtaEvent *event = find_event (run->events, POCHTA_EVENT_AUTHENTICATED);
  g_assert_nonnull (event);
  g_assert_cmpstr (event->text, ==, "Ivanov");
}

/* Pulls directive="value" (or directive=value) out of a DIGEST-MD5 message. */
static char *
digest_directive (const char *message, const char *name)
{
  g_autofree char *key = g_strconcat (name, "=", NULL);
  const char *at = strstr (message, key);
  g_assert_nonnull (at);
  at += strlen (key);
  gboolean quoted = *at == '"';
  if (quoted)
    at++;
  const char *end = strchr (at, quoted ? '"' : ',');
  return end != NULL ? g_strndup (at, end - at) : g_strdup (at);
}

/* DIGEST-MD5's cnonce is random, so the expected response is rebuilt
 * around the one the client chose, then checked byte for byte; the
 * server's rspauth is computed the same way (RFC 2831 §2.1.2.1, §2.1.3). */
static void
test_auth_digest_md5 (gconstpointer data)
{
  gboolean good_rspauth = GPOINTER_TO_INT (data);
  static const char challenge[] = "realm=\"" SERVER_HOST "\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\","
                                  "charset=utf-8,algorithm=md5-sess";
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.login = "Ivanov";
  config.password = "tanstaaf";
  config.force_mechanism = TRUE;
  config.mechanism = POCHTA_SASL_DIGEST_MD5;

  for (FeedMode mode = FEED_WHOLE; mode < N_FEED_MODES; mode++)
    {
      g_autoptr (Run) run = run_new (&config, mode, 11);
      feed_server (run, GREETING, strlen (GREETING));
      g_free (take_output (run));
      feed_server (run, MODERN_EHLO_REPLY, strlen (MODERN_EHLO_REPLY));
      g_autofree char *auth = take_output (run);
      g_assert_cmpstr (auth, ==, "AUTH DIGEST-MD5\r\n");

      g_autofree char *encoded = g_base64_encode ((const guint8 *) challenge, strlen (challenge));
      g_autofree char *line = g_strdup_printf ("334 %s\r\n", encoded);
      feed_server (run, line, strlen (line));
      g_autofree char *answer = take_output (run);
      g_assert_true (g_str_has_suffix (answer, "\r\n"));
      answer[strlen (answer) - 2] = '\0';
      gsize decoded_len;
      g_autofree char *decoded = (char *) g_base64_decode (answer, &decoded_len);
      g_autofree char *response = g_strndup (decoded, decoded_len);
      g_autofree char *cnonce = digest_directive (response, "cnonce");
      g_assert_cmpuint (strlen (cnonce), >=, 8);

      g_autofree char *value = pochta_sasl_digest_md5_value ("Ivanov", SERVER_HOST, "tanstaaf",
                                                             "OA6MG9tEQGm2hh", cnonce, "00000001",
                                                             "auth", "smtp/" SERVER_HOST, NULL,
                                                             FALSE);
      g_autofree char *expected
        = g_strdup_printf ("charset=utf-8,username=\"Ivanov\",realm=\"" SERVER_HOST "\","
                           "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"%s\","
                           "digest-uri=\"smtp/" SERVER_HOST "\",response=%s,qop=auth",
                           cnonce, value);
      g_assert_cmpstr (response, ==, expected);

      g_autofree char *rspauth = good_rspauth
        ? pochta_sasl_digest_md5_value ("Ivanov", SERVER_HOST, "tanstaaf", "OA6MG9tEQGm2hh",
                                        cnonce, "00000001", "auth", "smtp/" SERVER_HOST, NULL,
                                        TRUE)
        : g_strdup ("00000000000000000000000000000000");
      g_autofree char *rspauth_message = g_strdup_printf ("rspauth=%s", rspauth);
      g_autofree char *rspauth_encoded = g_base64_encode ((const guint8 *) rspauth_message,
                                                          strlen (rspauth_message));
      g_autofree char *rspauth_line = g_strdup_printf ("334 %s\r\n", rspauth_encoded);
      feed_server (run, rspauth_line, strlen (rspauth_line));
      g_autofree char *after = take_output (run);

      if (good_rspauth)
        {
          /* RFC 4954 §4: the answer to rspauth is an empty line. */
          g_assert_cmpstr (after, ==, "\r\n");
          feed_server (run, AUTH_OK, strlen (AUTH_OK));
          g_autofree char *group = take_output (run);
          g_assert_cmpstr (group, ==, MAIL_LINE RCPT_PETROV "DATA\r\n");
          feed_server (run, "250 OK\r\n250 OK\r\n" START_INPUT, strlen ("250 OK\r\n250 OK\r\n" START_INPUT));
          g_free (take_output (run));
          feed_server (run, "250 OK\r\n", 8);
          g_autofree char *quit = take_output (run);
          g_assert_cmpstr (quit, ==, "QUIT\r\n");
          feed_server (run, GOODBYE, strlen (GOODBYE));
          static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };
          check_expectation (run, &expect);
        }
      else
        {
          /* A server that cannot prove it knows the password may be an
           * impostor: cancel (RFC 4954 §4) and leave. */
          g_assert_cmpstr (after, ==, "*\r\n");
          static const char cancelled[] = "501 5.7.0 Authentication cancelled\r\n";
          feed_server (run, cancelled, strlen (cancelled));
          g_autofree char *quit = take_output (run);
          g_assert_cmpstr (quit, ==, "QUIT\r\n");
          feed_server (run, GOODBYE, strlen (GOODBYE));
          static const Expectation expect = { "permanent:501", "rspauth", FALSE, FALSE };
          check_expectation (run, &expect);
        }
    }
}

/* RFC 4954 §4: an initial response that would push the AUTH line past 512
 * octets is left off, and sent after the empty "334 " instead. */
static void
test_auth_plain_long (void)
{
  g_autoptr (GBytes) message = letter ();
  g_autofree char *password = g_strnfill (400, 'p');
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.login = "Ivanov";
  config.password = password;
  config.force_mechanism = TRUE;
  config.mechanism = POCHTA_SASL_PLAIN;

  g_autoptr (GString) plain = g_string_new (NULL);
  g_string_append_c (plain, '\0');
  g_string_append (plain, "Ivanov");
  g_string_append_c (plain, '\0');
  g_string_append (plain, password);
  g_autofree char *encoded = g_base64_encode ((const guint8 *) plain->str, plain->len);
  g_autofree char *response = g_strdup_printf ("%s\r\n", encoded);
  g_assert_cmpuint (strlen ("AUTH PLAIN ") + strlen (response), >, 512);

  const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { MODERN_EHLO_REPLY, "AUTH PLAIN\r\n" },
    { "334 \r\n", response },
    { AUTH_OK, MAIL_LINE RCPT_PETROV "DATA\r\n" },
    { "250 OK\r\n250 OK\r\n" START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };
  run_free (check_session (&config, script, &expect));
}

typedef struct
{
  const char *name;
  const char *ehlo;             /* the EHLO reply */
  gboolean force;
  PochtaSaslMechanism mechanism;
  const Exchange *exchange;     /* after the EHLO reply, up to and without the 221 */
  Expectation expect;
} AuthFailureRow;

static const Exchange refused_535[] = {
  { SEED_EHLO_REPLY, "AUTH CRAM-MD5\r\n" },
  { "334 " CRAM_CHALLENGE "\r\n", CRAM_RESPONSE "\r\n" },
  { "535 Authentication credentials invalid\r\n", "QUIT\r\n" },
  { NULL }
};
static const Exchange refused_454[] = {
  { SEED_EHLO_REPLY, "AUTH CRAM-MD5\r\n" },
  { "454 4.7.0 Temporary authentication failure\r\n", "QUIT\r\n" },
  { NULL }
};
static const Exchange no_common[] = {
  { "250-" SERVER_HOST "\r\n250 AUTH GSSAPI NTLM\r\n", "QUIT\r\n" },
  { NULL }
};
/* Names in any case, runs of spaces and a word too long to be a
 * mechanism (RFC 4422 §3.1: at most 20 characters): the strongest known
 * name still wins. */
static const Exchange odd_offer_list[] = {
  { "250-" SERVER_HOST "\r\n250 AUTH  X-NOT-A-MECHANISM-OF-TWENTY-OCTETS  login cram-md5 \r\n",
    "AUTH CRAM-MD5\r\n" },
  { "454 4.7.0 Temporary authentication failure\r\n", "QUIT\r\n" },
  { NULL }
};
static const Exchange no_auth[] = {
  { PLAIN_EHLO_REPLY, "QUIT\r\n" },
  { NULL }
};
static const Exchange forced_not_offered[] = {
  { SEED_EHLO_REPLY, "QUIT\r\n" },
  { NULL }
};
static const Exchange bad_base64[] = {
  { SEED_EHLO_REPLY, "AUTH CRAM-MD5\r\n" },
  { "334 PDE4OT$$\r\n", "*\r\n" },
  { "501 5.5.2 Cancelled\r\n", "QUIT\r\n" },
  { NULL }
};
static const Exchange empty_cram_challenge[] = {
  { SEED_EHLO_REPLY, "AUTH CRAM-MD5\r\n" },
  { "334 \r\n", "*\r\n" },
  { "501 5.5.2 Cancelled\r\n", "QUIT\r\n" },
  { NULL }
};
static const Exchange plain_asked_again[] = {
  { MODERN_EHLO_REPLY, "AUTH PLAIN " PLAIN_RESPONSE "\r\n" },
  { "334 \r\n", "*\r\n" },
  { "501 5.5.2 Cancelled\r\n", "QUIT\r\n" },
  { NULL }
};

static const AuthFailureRow auth_failure_rows[] = {
  { "535", SEED_EHLO_REPLY, FALSE, 0, refused_535,
    { "permanent:535", "AUTH failed: 535 Authentication credentials invalid" } },
  { "454", SEED_EHLO_REPLY, FALSE, 0, refused_454,
    { "temporary:454", "AUTH failed: 454" } },
  { "odd-offer-list", NULL, FALSE, 0, odd_offer_list,
    { "temporary:454", "AUTH failed: 454" } },
  { "no-common-mechanism", NULL, FALSE, 0, no_common,
    { "permanent:554", "no AUTH mechanism in common" } },
  { "not-offered", NULL, FALSE, 0, no_auth,
    { "permanent:554", "does not offer AUTH" } },
  { "forced-not-offered", NULL, TRUE, POCHTA_SASL_PLAIN, forced_not_offered,
    { "permanent:554", "does not offer AUTH PLAIN" } },
  { "bad-base64-challenge", NULL, FALSE, 0, bad_base64,
    { "permanent:501", "not valid base64" } },
  { "empty-cram-challenge", NULL, FALSE, 0, empty_cram_challenge,
    { "permanent:501", "CRAM-MD5 challenge is malformed" } },
  { "plain-asked-again", NULL, TRUE, POCHTA_SASL_PLAIN, plain_asked_again,
    { "permanent:501", "PLAIN challenge is malformed" } },
};

static void
test_auth_failure_row (gconstpointer data)
{
  const AuthFailureRow *row = data;
  g_autoptr (GBytes) message = letter ();
  g_autoptr (GArray) script = g_array_new (TRUE, TRUE, sizeof (Exchange));
  PochtaSmtpClientConfig config;
  const Exchange greeting = { GREETING, EHLO_LINE };
  const Exchange goodbye = { GOODBYE, "" };

  g_array_append_val (script, greeting);
  for (guint i = 0; row->exchange[i].server != NULL; i++)
    g_array_append_val (script, row->exchange[i]);
  g_array_append_val (script, goodbye);

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.login = "Ivanov";
  config.password = "tanstaaf";
  config.force_mechanism = row->force;
  config.mechanism = row->mechanism;
  g_autoptr (Run) run = check_session (&config, (const Exchange *) script->data, &row->expect);
  g_assert_null (find_event (run->events, POCHTA_EVENT_AUTHENTICATED));
}

/* ---- recipients ---- */

static void
test_all_refused_lock_step (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { SEED_EHLO_REPLY, MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { NO_SUCH_USER, RCPT_KUZNETSOVA },
    { "450 Mailbox busy\r\n", RCPT_SIDIROV },
    /* No DATA without a recipient (RFC 5321 §3.3): RSET, then QUIT. */
    { NO_SUCH_USER, "RSET\r\n" },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "permanent:550 temporary:450 permanent:550", "every recipient was refused", FALSE, FALSE
  };

  thesis_config (&config, message);
  g_autoptr (Run) run = check_session (&config, script, &expect);
  g_assert_null (strstr (run->written->str, "DATA"));
}

static void
test_all_refused_pipelined (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { MODERN_EHLO_REPLY, MAIL_LINE RCPT_THREE "DATA\r\n" },
    { "250 OK\r\n550 5.1.1 No\r\n550 5.1.1 No\r\n550 5.1.1 No\r\n", "" },
    /* RSET may share a group with QUIT (RFC 2920 §3.1). */
    { "554 5.5.1 No valid recipients\r\n", "RSET\r\nQUIT\r\n" },
    { "250 OK\r\n", "" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "permanent:550 permanent:550 permanent:550", "every recipient was refused", FALSE, FALSE
  };

  thesis_config (&config, message);
  run_free (check_session (&config, script, &expect));
}

/* A broken server that takes DATA without recipients gets an empty
 * message: only the end-of-data mark. */
static void
test_all_refused_pipelined_354 (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { MODERN_EHLO_REPLY, MAIL_LINE RCPT_PETROV "DATA\r\n" },
    { "250 OK\r\n550 No\r\n" START_INPUT, ".\r\n" },
    { "554 No valid recipients\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "permanent:550", "every recipient was refused", FALSE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  run_free (check_session (&config, script, &expect));
}

static void
test_mail_refused (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { SEED_EHLO_REPLY, MAIL_LINE },
    { "451 Local error in processing\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "temporary:451 temporary:451 temporary:451", "MAIL FROM refused: 451", FALSE, FALSE
  };

  thesis_config (&config, message);
  run_free (check_session (&config, script, &expect));
}

/* In a group the RCPTs after a refused MAIL get 503; the MAIL reply
 * decides everybody. */
static void
test_mail_refused_pipelined (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { MODERN_EHLO_REPLY, MAIL_LINE RCPT_THREE "DATA\r\n" },
    { "553 5.1.7 Bad sender\r\n503 5.5.1 No\r\n503 5.5.1 No\r\n503 5.5.1 No\r\n", "" },
    { "503 5.5.1 No\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "permanent:553 permanent:553 permanent:553", "MAIL FROM refused: 553 5.1.7 Bad sender",
    FALSE, FALSE
  };

  thesis_config (&config, message);
  g_autoptr (Run) run = check_session (&config, script, &expect);
  g_assert_cmpstr (pochta_smtp_client_get_recipient (run->client, 1)->text, ==, "5.1.7 Bad sender");
}

typedef struct
{
  const char *name;
  const char *final_reply;
  Expectation expect;
} EndOfDataRow;

static const EndOfDataRow end_of_data_rows[] = {
  { "4yz", "451 4.3.0 Try again later\r\n",
    { "temporary:451 temporary:451 permanent:550", "refused after the data: 451", FALSE, FALSE } },
  { "452", "452 4.3.1 Insufficient system storage\r\n",
    { "temporary:452 temporary:452 permanent:550", "452", FALSE, FALSE } },
  { "5yz", "554 5.6.0 Rejected\r\n",
    { "permanent:554 permanent:554 permanent:550", "refused after the data: 554", FALSE, FALSE } },
  { "multi-line-250", "250-queued\r\n250 as 4F2A1\r\n",
    { "accepted:250 accepted:250 permanent:550", NULL, TRUE, FALSE } },
};

static void
test_end_of_data_row (gconstpointer data)
{
  const EndOfDataRow *row = data;
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { SEED_EHLO_REPLY, MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", RCPT_KUZNETSOVA },
    { "250 OK\r\n", RCPT_SIDIROV },
    { NO_SUCH_USER, "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { row->final_reply, "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };

  thesis_config (&config, message);
  g_autoptr (Run) run = check_session (&config, script, &row->expect);
  if (row->expect.accepted)
    g_assert_cmpstr (pochta_smtp_client_get_recipient (run->client, 0)->text, ==,
                     "queued\nas 4F2A1");
}

static void
test_data_refused (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { SEED_EHLO_REPLY, MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { "451 Not now\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "temporary:451", "DATA refused: 451 Not now", FALSE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  run_free (check_session (&config, script, &expect));
}

/* ---- greeting ---- */

static void
test_greeting_554 (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    /* RFC 5321 §3.1: the client still says QUIT. */
    { "554 " SERVER_HOST " No SMTP service here\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "permanent:554 permanent:554 permanent:554", "refused the connection: 554", FALSE, FALSE
  };

  thesis_config (&config, message);
  run_free (check_session (&config, script, &expect));
}

static void
test_greeting_421 (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { "421 " SERVER_HOST " Service not available\r\n", "" },
    { NULL }
  };
  static const Expectation expect = {
    "temporary:421 temporary:421 temporary:421", "closing the connection: 421", FALSE, FALSE
  };

  thesis_config (&config, message);
  run_free (check_session (&config, script, &expect));
}

/* 421 mid-transaction: the server is going away, no QUIT (RFC 5321 §3.8). */
static void
test_service_closing (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { SEED_EHLO_REPLY, MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { NO_SUCH_USER, RCPT_KUZNETSOVA },
    { "421 4.4.2 " SERVER_HOST " timeout\r\n", "" },
    { NULL }
  };
  static const Expectation expect = {
    "permanent:550 temporary:421 temporary:421", "421 4.4.2", FALSE, FALSE
  };

  thesis_config (&config, message);
  run_free (check_session (&config, script, &expect));
}

/* ---- broken servers ---- */

typedef struct
{
  const char *name;
  const Exchange *exchange;   /* after the greeting's EHLO */
  Expectation expect;
  guint max_reply_lines;
  gboolean with_login;
} BrokenRow;

static const Exchange wrong_class_mail[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "334 VXNlcm5hbWU6\r\n", "" },
  { NULL }
};
static const Exchange mixed_codes[] = {
  { "250-" SERVER_HOST "\r\n251 SIZE\r\n", "" },
  { NULL }
};
static const Exchange four_digit_code[] = {
  { "2500 " SERVER_HOST "\r\n", "" },
  { NULL }
};
static const Exchange code_199[] = {
  { "199 " SERVER_HOST "\r\n", "" },
  { NULL }
};
static const Exchange no_separator[] = {
  { "250" SERVER_HOST "\r\n", "" },
  { NULL }
};
static const Exchange garbage[] = {
  { "hello there\r\n", "" },
  { NULL }
};
static const Exchange bare_lf[] = {
  { "250 " SERVER_HOST "\n", "" },
  { NULL }
};
static const Exchange too_long[] = {
  { "250 " SERVER_HOST " "
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "\r\n", "" },
  { NULL }
};
static const Exchange unsolicited[] = {
  /* Two replies to one EHLO: the second answers nothing. */
  { "250 " SERVER_HOST "\r\n250 again\r\n", MAIL_LINE_NO_SIZE },
  { NULL }
};
static const Exchange truncated_eof[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 OK\r\n", RCPT_PETROV },
  { "250 O", "", TRUE },
  { NULL }
};
static const Exchange truncated_multi_line_eof[] = {
  { "250-" SERVER_HOST "\r\n250-SIZE\r\n", "", TRUE },
  { NULL }
};
static const Exchange eof_mid_session[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 OK\r\n", RCPT_PETROV },
  { "250 OK\r\n", "DATA\r\n" },
  { NULL, "", TRUE },
  { NULL }
};
static const Exchange eof_in_data[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 OK\r\n", RCPT_PETROV },
  { "250 OK\r\n", "DATA\r\n" },
  { START_INPUT, LETTER_SENT },
  { NULL, "", TRUE },
  { NULL }
};
static const Exchange eof_before_221[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 OK\r\n", RCPT_PETROV },
  { "250 OK\r\n", "DATA\r\n" },
  { START_INPUT, LETTER_SENT },
  { "250 OK\r\n", "QUIT\r\n" },
  { NULL, "", TRUE },
  { NULL }
};
static const Exchange quit_answered_250[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 OK\r\n", RCPT_PETROV },
  { "250 OK\r\n", "DATA\r\n" },
  { START_INPUT, LETTER_SENT },
  { "250 OK\r\n", "QUIT\r\n" },
  { "250 OK\r\n", "" },
  { NULL }
};
static const Exchange data_answered_250[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 OK\r\n", RCPT_PETROV },
  { "250 OK\r\n", "DATA\r\n" },
  { "250 OK\r\n", "" },
  { NULL }
};
static const Exchange end_of_data_354[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 OK\r\n", RCPT_PETROV },
  { "250 OK\r\n", "DATA\r\n" },
  { START_INPUT, LETTER_SENT },
  { START_INPUT, "" },
  { NULL }
};
static const Exchange ehlo_too_many_lines[] = {
  { SEED_EHLO_REPLY, "" },
  { NULL }
};
static const Exchange nul_in_reply[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 O\001K\r\n", "" },
  { NULL }
};
static const Exchange rcpt_answered_354[] = {
  { SEED_EHLO_REPLY, MAIL_LINE },
  { "250 OK\r\n", RCPT_PETROV },
  { START_INPUT, "" },
  { NULL }
};
static const Exchange auth_answered_250[] = {
  { SEED_EHLO_REPLY, "AUTH CRAM-MD5\r\n" },
  { "250 OK\r\n", "" },
  { NULL }
};

static const BrokenRow broken_rows[] = {
  { "334-to-mail", wrong_class_mail,
    { "temporary:451", "334 is not a reply the server may give to MAIL", FALSE, TRUE } },
  { "mixed-codes", mixed_codes, { "temporary:451", "same code", FALSE, TRUE } },
  { "four-digit-code", four_digit_code, { "temporary:451", "malformed reply", FALSE, TRUE } },
  { "code-199", code_199, { "temporary:451", "malformed reply", FALSE, TRUE } },
  { "no-separator", no_separator, { "temporary:451", "malformed reply", FALSE, TRUE } },
  { "garbage", garbage, { "temporary:451", "malformed reply", FALSE, TRUE } },
  { "bare-lf", bare_lf, { "temporary:451", "bare LF", FALSE, TRUE } },
  { "line-too-long", too_long, { "temporary:451", "longer than 2048", FALSE, TRUE } },
  { "unsolicited-reply", unsolicited, { "temporary:451", "no command asked for", FALSE, TRUE } },
  { "truncated-then-eof", truncated_eof,
    { "temporary:451", "in the middle of a reply while the reply to RCPT was due", FALSE, TRUE } },
  { "truncated-multi-line-then-eof", truncated_multi_line_eof,
    { "temporary:451", "in the middle of a reply while the reply to EHLO", FALSE, TRUE } },
  { "eof-mid-session", eof_mid_session,
    { "temporary:451", "closed the connection while the reply to DATA was due", FALSE, TRUE } },
  { "eof-after-data", eof_in_data,
    { "temporary:451", "reply to the end of the data", FALSE, TRUE } },
  { "eof-before-221", eof_before_221,
    { "accepted:250", "without replying to QUIT", TRUE, TRUE } },
  { "quit-answered-250", quit_answered_250,
    { "accepted:250", "250 is not a reply the server may give to QUIT", TRUE, TRUE } },
  { "data-answered-250", data_answered_250,
    { "temporary:451", "250 is not a reply the server may give to DATA", FALSE, TRUE } },
  { "end-of-data-answered-354", end_of_data_354,
    { "temporary:451", "354 is not a reply the server may give to the end of the data",
      FALSE, TRUE } },
  { "rcpt-answered-354", rcpt_answered_354,
    { "temporary:451", "354 is not a reply the server may give to RCPT", FALSE, TRUE } },
  { "auth-answered-250", auth_answered_250,
    { "temporary:451", "250 is not a reply the server may give to AUTH", FALSE, TRUE }, 0, TRUE },
  { "too-many-reply-lines", ehlo_too_many_lines,
    { "temporary:451", "more than 5 lines", FALSE, TRUE }, 5 },
  { "control-character", nul_in_reply, { "temporary:451", "control character", FALSE, TRUE } },
};

static void
test_broken_row (gconstpointer data)
{
  const BrokenRow *row = data;
  g_autoptr (GBytes) message = letter ();
  g_autoptr (GArray) script = g_array_new (TRUE, TRUE, sizeof (Exchange));
  PochtaSmtpClientConfig config;
  const Exchange greeting = { GREETING, EHLO_LINE };

  g_array_append_val (script, greeting);
  for (guint i = 0; row->exchange[i].server != NULL || row->exchange[i].eof; i++)
    g_array_append_val (script, row->exchange[i]);

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.max_reply_lines = row->max_reply_lines;
  if (row->with_login)
    {
      config.login = "Ivanov";
      config.password = "tanstaaf";
    }
  g_autoptr (Run) run = check_session (&config, (const Exchange *) script->data, &row->expect);

  /* The reason is in the ERROR event too, and CLOSED repeats it. */
  const PochtaEvent *error = find_event (run->events, POCHTA_EVENT_ERROR);
  const PochtaEvent *closed = find_event (run->events, POCHTA_EVENT_CLOSED);
  if (row->expect.error_event && !row->expect.accepted)
    {
      g_assert_cmpstr (error->text, ==, pochta_smtp_client_get_error (run->client));
      g_assert_cmpstr (closed->text, ==, error->text);
    }
}

/* A greeting that is neither 220 nor 554. */
static void
test_greeting_malformed (gconstpointer data)
{
  const char *greeting = data;
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  const Exchange script[] = {
    { greeting, "" },
    { NULL }
  };
  const Expectation expect = { "temporary:451", "greeting", FALSE, TRUE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  run_free (check_session (&config, script, &expect));
}

/* Bytes after the 221 in the same segment break RFC 5321 §4.1.1.10; once
 * the session is done, later bytes are simply not taken. */
static void
test_data_after_quit (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const char after[] = GOODBYE "250 surprise\r\n";

  thesis_config (&config, message);
  config.recipients = one_recipient;
  g_autoptr (Run) run = run_new (&config, FEED_WHOLE, 3);
  static const char *const replies[] = {
    GREETING, PLAIN_EHLO_REPLY, "250 OK\r\n", "250 OK\r\n", START_INPUT, "250 OK\r\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      feed_server (run, replies[i], strlen (replies[i]));
      g_free (take_output (run));
    }
  gsize left = feed_server (run, after, strlen (after));
  g_assert_cmpuint (left, ==, strlen ("250 surprise\r\n"));
  g_assert_cmpstr (pochta_smtp_client_get_error (run->client), ==,
                   "the server sent data after its reply to QUIT (RFC 5321 §4.1.1.10)");
  g_assert_true (pochta_smtp_client_message_accepted (run->client));
  g_assert_cmpuint (count_events (run->events, POCHTA_EVENT_ERROR), ==, 1);
  check_invariants (run);

  /* Done is done: nothing more is read, and nothing more is reported. */
  guint n_events = run->events->len;
  g_assert_cmpint (pochta_smtp_client_feed (run->client, (const guint8 *) "250 x\r\n", 7), ==, 0);
  pochta_smtp_client_feed_eof (run->client);
  drain_events (run);
  g_assert_cmpuint (run->events->len, ==, n_events);
}

/* ---- SIZE, DSN, 8BITMIME, VRFY ---- */

static void
test_size_limit (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    /* 128 < 129: the message does not fit, so it is not offered. */
    { "250-" SERVER_HOST "\r\n250 SIZE 128\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "permanent:552 permanent:552 permanent:552", "exceeds the server's SIZE limit of 128",
    FALSE, FALSE
  };

  thesis_config (&config, message);
  g_autoptr (Run) run = check_session (&config, script, &expect);
  g_assert_null (strstr (run->written->str, "MAIL"));
}

/* RFC 1870 §6.1: the limit is "exceeds", so equal fits. */
static void
test_size_limit_exact (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { "250-" SERVER_HOST "\r\n250 SIZE " LETTER_SIZE "\r\n", MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  run_free (check_session (&config, script, &expect));
}

static void
test_dsn_parameters (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { MODERN_EHLO_REPLY,
      "MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=" LETTER_SIZE " BODY=8BITMIME RET=HDRS"
      " ENVID=QQ+2B1+3D2+20x\r\n"
      "RCPT TO:<Petrov@comp3.otd2.constr.org> NOTIFY=SUCCESS,FAILURE"
      " ORCPT=rfc822;Petrov+2Bdsn@comp3.otd2.constr.org\r\n"
      "RCPT TO:<Kuznetsova@comp3.otd2.constr.org> NOTIFY=NEVER\r\n"
      "RCPT TO:<Sidirov@comp3.otd2.constr.org> ORCPT=rfc822;Sidirov@comp3.otd2.constr.org\r\n"
      "DATA\r\n" },
    { "250 OK\r\n250 OK\r\n250 OK\r\n250 OK\r\n" START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = {
    "accepted:250 accepted:250 accepted:250", NULL, TRUE, FALSE
  };

  thesis_config (&config, message);
  config.ret = POCHTA_DSN_RET_HDRS;
  config.envid = "QQ+1=2 x";
  config.body_8bitmime = TRUE;

  for (FeedMode mode = FEED_WHOLE; mode < N_FEED_MODES; mode++)
    {
      g_autoptr (Run) run = run_new (&config, mode, 5);
      pochta_smtp_client_set_recipient_dsn (run->client, 0,
                                            POCHTA_DSN_NOTIFY_SUCCESS | POCHTA_DSN_NOTIFY_FAILURE,
                                            "rfc822;Petrov+dsn@comp3.otd2.constr.org");
      pochta_smtp_client_set_recipient_dsn (run->client, 1, POCHTA_DSN_NOTIFY_NEVER, NULL);
      /* A bare address is an rfc822 one. */
      pochta_smtp_client_set_recipient_dsn (run->client, 2, POCHTA_DSN_NOTIFY_DEFAULT,
                                            "Sidirov@comp3.otd2.constr.org");
      play (run, script);
      check_expectation (run, &expect);
    }
}

/* Without DSN and 8BITMIME on the server, none of their parameters go out. */
static void
test_dsn_not_offered (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { SEED_EHLO_REPLY, MAIL_LINE },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.ret = POCHTA_DSN_RET_FULL;
  config.envid = "x";
  config.body_8bitmime = TRUE;
  g_autoptr (Run) run = run_new (&config, FEED_WHOLE, 5);
  pochta_smtp_client_set_recipient_dsn (run->client, 0, POCHTA_DSN_NOTIFY_DELAY, "rfc822;a@b");
  play (run, script);
  check_expectation (run, &expect);
}

/* The thesis: VRFY Petrov between MAIL and RCPT; its reply is recorded
 * and changes nothing. */
static void
test_vrfy_lock_step (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const char *const verify[] = { "Petrov", "Nobody", NULL };
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { SEED_EHLO_REPLY, MAIL_LINE },
    { "250 OK\r\n", "VRFY Petrov\r\n" },
    { "250 Ivan Petrov <Petrov@comp3.otd2.constr.org>\r\n", "VRFY Nobody\r\n" },
    { "550 No such user\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.verify = verify;
  g_autoptr (Run) run = check_session (&config, script, &expect);

  const char *text;
  g_assert_cmpuint (pochta_smtp_client_get_verify_reply (run->client, 0, &text), ==, 250);
  g_assert_cmpstr (text, ==, "Ivan Petrov <Petrov@comp3.otd2.constr.org>");
  g_assert_cmpuint (pochta_smtp_client_get_verify_reply (run->client, 1, &text), ==, 550);
  g_assert_cmpstr (text, ==, "No such user");
}

/* RFC 2920 §3.1: VRFY ends a group, so MAIL+VRFY go first, then the
 * RCPTs with DATA. */
static void
test_vrfy_pipelined (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const char *const verify[] = { "Petrov", NULL };
  static const Exchange script[] = {
    { GREETING, EHLO_LINE },
    { MODERN_EHLO_REPLY, MAIL_LINE "VRFY Petrov\r\n" },
    { "250 2.1.0 OK\r\n252 2.1.5 Cannot VRFY user\r\n", RCPT_PETROV RCPT_KUZNETSOVA "DATA\r\n" },
    { "250 OK\r\n250 OK\r\n" START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const char *const two[] = {
    "Petrov@comp3.otd2.constr.org", "Kuznetsova@comp3.otd2.constr.org", NULL
  };
  static const Expectation expect = { "accepted:250 accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = two;
  config.verify = verify;
  g_autoptr (Run) run = check_session (&config, script, &expect);
  g_assert_cmpuint (pochta_smtp_client_get_verify_reply (run->client, 0, NULL), ==, 252);
}

/* The null reverse-path of a bounce (RFC 5321 §4.5.5). */
static void
test_null_sender (void)
{
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;
  static const Exchange script[] = {
    { GREETING, HELO_LINE },
    { "250 " SERVER_HOST "\r\n", "MAIL FROM:<>\r\n" },
    { "250 OK\r\n", RCPT_PETROV },
    { "250 OK\r\n", "DATA\r\n" },
    { START_INPUT, LETTER_SENT },
    { "250 OK\r\n", "QUIT\r\n" },
    { GOODBYE, "" },
    { NULL }
  };
  static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };

  thesis_config (&config, message);
  config.recipients = one_recipient;
  config.reverse_path = "";
  config.force_helo = TRUE;
  run_free (check_session (&config, script, &expect));
}

/* ---- against the real server, over an in-memory wire ---- */

typedef struct
{
  const char *login;
  const char *full_name;
  const char *password;
  const char *host;
} WorldUser;

/* constr-org.md: logins match case-insensitively, mailboxes are
 * Login@host, and AUTH on any host takes any constr.org account. */
static const WorldUser world_users[] = {
  { "Ivanov", "Ivan Ivanov", "ivanov123", "comp1.otd1.constr.org" },
  { "Sidorov", "Sergei Sidorov", "sidorov123", "comp2.otd1.constr.org" },
  { "Petrov", "Ivan Petrov", "petrov123", "comp3.otd2.constr.org" },
  { "Kuznetsova", "Olga Kuznetsova", "kuznetsova123", "comp3.otd2.constr.org" },
  { "Smirnov", "Alexei Smirnov", "smirnov123", "comp4.otd2.constr.org" },
};

typedef struct
{
  const char *hostname;      /* the server's host */
  GPtrArray *delivered;      /* of GBytes*: what deliver () got */
  GPtrArray *envelopes;      /* of char*: "from|rcpt,notify,orcpt|...|envid" */
} World;

static const WorldUser *
world_find_user (const char *login, gsize login_len, const char *host)
{
  for (guint i = 0; i < G_N_ELEMENTS (world_users); i++)
    {
      const WorldUser *user = &world_users[i];
      if (strlen (user->login) == login_len
          && g_ascii_strncasecmp (user->login, login, login_len) == 0
          && (host == NULL || g_ascii_strcasecmp (user->host, host) == 0))
        return user;
    }
  return NULL;
}

static PochtaSmtpRcptVerdict
world_check_recipient (const PochtaSmtpEnvelope *envelope, const char *mailbox,
                       char **out_text, gpointer user_data)
{
  World *world = user_data;
  const char *at = strrchr (mailbox, '@');

  if (at == NULL || g_ascii_strcasecmp (at + 1, world->hostname) != 0)
    return POCHTA_SMTP_RCPT_RELAY_DENIED;
  return world_find_user (mailbox, at - mailbox, world->hostname) != NULL
           ? POCHTA_SMTP_RCPT_OK : POCHTA_SMTP_RCPT_NO_SUCH_USER;
}

static PochtaSmtpVrfyVerdict
world_verify (const char *query, GPtrArray *out_matches, gpointer user_data)
{
  World *world = user_data;
  const WorldUser *user = world_find_user (query, strlen (query), world->hostname);

  if (user == NULL)
    return POCHTA_SMTP_VRFY_UNKNOWN;
  g_ptr_array_add (out_matches, g_strdup_printf ("%s <%s@%s>", user->full_name, user->login,
                                                 user->host));
  return POCHTA_SMTP_VRFY_FOUND;
}

static char *
world_get_secret (const char *login, gpointer user_data)
{
  const WorldUser *user = world_find_user (login, strlen (login), NULL);
  return user != NULL ? g_strdup (user->password) : NULL;
}

static PochtaSmtpDeliverVerdict
world_deliver (const PochtaSmtpEnvelope *envelope, GBytes *message, char **out_id,
               gpointer user_data)
{
  World *world = user_data;
  GString *summary = g_string_new (envelope->reverse_path);

  for (guint i = 0; i < envelope->recipients->len; i++)
    {
      const PochtaSmtpRecipient *recipient = g_ptr_array_index (envelope->recipients, i);
      g_string_append_printf (summary, "|%s,%d,%s", recipient->mailbox, recipient->notify,
                              recipient->orcpt != NULL ? recipient->orcpt : "");
    }
  g_string_append_printf (summary, "|ret=%d,envid=%s,size=%" G_GSIZE_FORMAT ",8bit=%d",
                          envelope->ret, envelope->envid != NULL ? envelope->envid : "",
                          envelope->declared_size, envelope->body_8bitmime);
  g_ptr_array_add (world->envelopes, g_string_free (summary, FALSE));
  g_ptr_array_add (world->delivered, g_bytes_ref (message));
  *out_id = g_strdup_printf ("Q%u", world->delivered->len);
  return POCHTA_SMTP_DELIVER_OK;
}

typedef struct
{
  PochtaSmtpProfile profile;
  const char *server_host;
  const PochtaSmtpLimits *limits;
  gboolean reject_connection;
} ServerSetup;

typedef struct
{
  World world;
  PochtaGenerator *server_generator;
  PochtaSmtpServer *server;
  Run *run;                 /* the client side */
  GPtrArray *server_events; /* of PochtaEvent* */
} Wire;

static Wire *
wire_new (const ServerSetup *setup, PochtaSmtpClientConfig *config, FeedMode mode)
{
  Wire *wire = g_new0 (Wire, 1);
  wire->world.hostname = setup->server_host;
  wire->world.delivered = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  wire->world.envelopes = g_ptr_array_new_with_free_func (g_free);
  wire->server_generator = pochta_generator_new (1896, G_GINT64_CONSTANT (1021371300) * G_USEC_PER_SEC);
  wire->server_events = g_ptr_array_new_with_free_func (free_event);

  PochtaSmtpPolicy policy = {
    .check_recipient = world_check_recipient,
    .verify = world_verify,
    .get_secret = world_get_secret,
    .deliver = world_deliver,
    .user_data = &wire->world,
  };
  PochtaSmtpConfig server_config = {
    .hostname = setup->server_host,
    .profile = setup->profile,
    .limits = setup->limits,
    .generator = wire->server_generator,
    .client_address = "192.0.2.11",
    .client_hostname = config->hostname,
    .reject_connection = setup->reject_connection,
    .report_data_lines = TRUE,
  };
  wire->server = pochta_smtp_server_new (&server_config, &policy);
  g_assert_nonnull (wire->server);
  pochta_smtp_server_start (wire->server);

  config->server_hostname = setup->server_host;
  wire->run = run_new (config, mode, 2195);
  return wire;
}

static void
wire_free (Wire *wire)
{
  pochta_smtp_server_free (wire->server);
  pochta_generator_free (wire->server_generator);
  run_free (wire->run);
  g_ptr_array_unref (wire->world.delivered);
  g_ptr_array_unref (wire->world.envelopes);
  g_ptr_array_unref (wire->server_events);
  g_free (wire);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Wire, wire_free)

static void
drain_server_events (Wire *wire)
{
  PochtaEvent event;
  while (pochta_smtp_server_next_event (wire->server, &event))
    g_ptr_array_add (wire->server_events, g_memdup2 (&event, sizeof event));
}

/* Moves server bytes to the client (in the run's chunks); TRUE if any moved. */
static gboolean
wire_server_to_client (Wire *wire)
{
  const guint8 *data;
  gsize len = pochta_smtp_server_peek_output (wire->server, &data);

  if (len == 0 || pochta_smtp_client_is_done (wire->run->client))
    return FALSE;
  gsize chunk = next_chunk (wire->run, len);
  gssize used = pochta_smtp_client_feed (wire->run->client, data, chunk);
  g_assert_cmpint (used, >=, 0);
  pochta_smtp_server_consume_output (wire->server, (gsize) used);
  drain_events (wire->run);
  return used > 0;
}

/* Moves client bytes to the server; TRUE if any moved. */
static gboolean
wire_client_to_server (Wire *wire)
{
  const guint8 *data;
  gsize len = pochta_smtp_client_peek_output (wire->run->client, &data);

  if (len == 0 || pochta_smtp_server_get_state (wire->server) == POCHTA_SMTP_STATE_CLOSED)
    return FALSE;
  gsize chunk = next_chunk (wire->run, len);
  gssize used = pochta_smtp_server_feed (wire->server, data, chunk);
  g_assert_cmpint (used, >=, 0);
  g_string_append_len (wire->run->written, (const char *) data, (gsize) used);
  pochta_smtp_client_consume_output (wire->run->client, (gsize) used);
  drain_server_events (wire);
  return used > 0;
}

/* Moves bytes both ways until both sides are quiet, then lets whichever
 * side is still open see the other close, as a socket would. */
static void
wire_pump (Wire *wire)
{
  for (guint round = 0;; round++)
    {
      g_assert_cmpuint (round, <, 1000000);
      gboolean moved = wire_client_to_server (wire);
      moved |= wire_server_to_client (wire);
      if (!moved)
        break;
    }
  gboolean server_closed = pochta_smtp_server_get_state (wire->server) == POCHTA_SMTP_STATE_CLOSED;
  if (server_closed && !pochta_smtp_client_is_done (wire->run->client))
    pochta_smtp_client_feed_eof (wire->run->client);
  if (pochta_smtp_client_is_done (wire->run->client) && !server_closed)
    pochta_smtp_server_feed_eof (wire->server);
  drain_events (wire->run);
  drain_server_events (wire);
}

/* The server prepends exactly one Received: field (RFC 5321 §4.4); after
 * it the message must be the client's, byte for byte, unstuffed. */
static void
check_delivered (GBytes *delivered, const char *original, gsize original_len)
{
  gsize len;
  const char *data = g_bytes_get_data (delivered, &len);

  g_assert_cmpuint (len, >, original_len);
  g_assert_cmpmem (data + len - original_len, original_len, original, original_len);
  g_autofree char *trace = g_strndup (data, len - original_len);
  g_assert_true (g_str_has_prefix (trace, "Received: "));
  g_assert_true (g_str_has_suffix (trace, "\r\n"));
  g_auto (GStrv) lines = g_strsplit (trace, "\r\n", -1);
  /* One field: every further line is a continuation (RFC 5322 §2.2.3). */
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    g_assert_true (lines[i][0] == ' ' || lines[i][0] == '\t');
}

/* The commands the client sent, one per line, without the data. */
static char *
commands_sent (GPtrArray *events)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (events, i);
      if (event->type == POCHTA_EVENT_LINE_SENT && !event->in_data)
        g_string_append_printf (out, "%s\n", event->text);
    }
  return g_string_free (out, FALSE);
}

/* The reply lines the client received. */
static char *
replies_received (GPtrArray *events)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < events->len; i++)
    {
      const PochtaEvent *event = g_ptr_array_index (events, i);
      if (event->type == POCHTA_EVENT_LINE_RECEIVED)
        g_string_append_printf (out, "%s\n", event->text);
    }
  return g_string_free (out, FALSE);
}

#define THESIS_BODY \
  "From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>\r\n" \
  "To: Ivan Petrov <Petrov@comp3.otd2.constr.org>, " \
  "Olga Kuznetsova <Kuznetsova@comp3.otd2.constr.org>\r\n" \
  "Subject: Test\r\n" \
  "Date: Tue, 14 May 2002 10:15:00 +0400\r\n" \
  "Message-ID: <20020514101500.A1@comp1.otd1.constr.org>\r\n" \
  "\r\n" \
  "Hello!\r\n" \
  "Test mail.\r\n" \
  "Ivanov\r\n"

/* The thesis session (constr-org.md): comp1 delivers Ivanov's letter to
 * comp3 (profile seed), AUTH CRAM-MD5 as Ivanov, VRFY Petrov, three RCPTs
 * of which Sidirov gets 550. */
static void
test_against_thesis (void)
{
  static const char body[] = THESIS_BODY;
  static const char *const verify[] = { "Petrov", NULL };
  static const ServerSetup setup = { POCHTA_SMTP_PROFILE_SEED, SERVER_HOST };
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  config.login = "Ivanov";
  config.password = "ivanov123";
  config.verify = verify;

  for (FeedMode mode = FEED_WHOLE; mode < N_FEED_MODES; mode++)
    {
      g_test_message ("feeding %s", feed_mode_names[mode]);
      g_autoptr (Wire) wire = wire_new (&setup, &config, mode);
      wire_pump (wire);

      static const Expectation expect = {
        "accepted:250 accepted:250 permanent:550", NULL, TRUE, FALSE
      };
      check_expectation (wire->run, &expect);
      g_assert_cmpint (pochta_smtp_server_get_state (wire->server), ==, POCHTA_SMTP_STATE_CLOSED);

      g_autofree char *commands = commands_sent (wire->run->events);
      g_auto (GStrv) command_lines = g_strsplit (commands, "\n", -1);
      g_assert_cmpuint (g_strv_length (command_lines), ==, 11);
      g_assert_cmpstr (command_lines[0], ==, "EHLO comp1.otd1.constr.org");
      g_assert_cmpstr (command_lines[1], ==, "AUTH CRAM-MD5");
      /* command_lines[2] is the CRAM-MD5 response to a fresh challenge. */
      g_autofree char *mail = g_strdup_printf ("MAIL FROM:<Ivanov@comp1.otd1.constr.org> SIZE=%"
                                               G_GSIZE_FORMAT, sizeof body - 1);
      g_assert_cmpstr (command_lines[3], ==, mail);
      g_assert_cmpstr (command_lines[4], ==, "VRFY Petrov");
      g_assert_cmpstr (command_lines[5], ==, "RCPT TO:<Petrov@comp3.otd2.constr.org>");
      g_assert_cmpstr (command_lines[6], ==, "RCPT TO:<Kuznetsova@comp3.otd2.constr.org>");
      g_assert_cmpstr (command_lines[7], ==, "RCPT TO:<Sidirov@comp3.otd2.constr.org>");
      g_assert_cmpstr (command_lines[8], ==, "DATA");
      g_assert_cmpstr (command_lines[9], ==, "QUIT");

      /* The seed server's EHLO list, exactly, and the thesis' replies. */
      g_auto (GStrv) extensions = pochta_smtp_client_dup_server_extensions (wire->run->client);
      g_autofree char *joined = g_strjoinv (",", extensions);
      g_assert_cmpstr (joined, ==, "HELP,AUTH CRAM-MD5 DIGEST-MD5,SIZE 10240000,ETRN,TURN,VRFY");
      const char *text;
      g_assert_cmpuint (pochta_smtp_client_get_verify_reply (wire->run->client, 0, &text), ==, 250);
      g_assert_cmpstr (text, ==, "Ivan Petrov <Petrov@comp3.otd2.constr.org>");
      g_assert_cmpstr (pochta_smtp_client_get_recipient (wire->run->client, 2)->text, ==,
                       "No such user here");
      g_autofree char *replies = replies_received (wire->run->events);
      g_assert_true (g_str_has_prefix (replies, "220 comp3.otd2.constr.org "));
      g_assert_nonnull (strstr (replies, "\n235 "));
      g_assert_nonnull (strstr (replies, "\n354 "));
      g_assert_true (g_str_has_suffix (replies,
                                       "221 comp3.otd2.constr.org Service closing transmission "
                                       "channel\n"));

      const PochtaEvent *authenticated = find_event (wire->run->events, POCHTA_EVENT_AUTHENTICATED);
      g_assert_nonnull (authenticated);
      g_assert_cmpstr (authenticated->text, ==, "Ivanov");

      /* Delivered once, to the two who exist, byte for byte. */
      g_assert_cmpuint (wire->world.delivered->len, ==, 1);
      check_delivered (g_ptr_array_index (wire->world.delivered, 0), body, sizeof body - 1);
      g_autofree char *envelope
        = g_strdup_printf ("Ivanov@comp1.otd1.constr.org"
                           "|Petrov@comp3.otd2.constr.org,0,|Kuznetsova@comp3.otd2.constr.org,0,"
                           "|ret=0,envid=,size=%" G_GSIZE_FORMAT ",8bit=0", sizeof body - 1);
      g_assert_cmpstr (g_ptr_array_index (wire->world.envelopes, 0), ==, envelope);
    }
}

typedef struct
{
  const char *name;
  PochtaSmtpProfile profile;
  const char *server_host;
  PochtaSaslMechanism mechanism;
  gboolean force;
  const char *password;
  Expectation expect;
} AgainstAuthRow;

static const AgainstAuthRow against_auth_rows[] = {
  { "modern/plain", POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org", POCHTA_SASL_PLAIN, TRUE,
    "ivanov123", { "accepted:250", NULL, TRUE, FALSE } },
  { "modern/login", POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org", POCHTA_SASL_LOGIN, TRUE,
    "ivanov123", { "accepted:250", NULL, TRUE, FALSE } },
  { "modern/cram-md5", POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org",
    POCHTA_SASL_CRAM_MD5, TRUE, "ivanov123", { "accepted:250", NULL, TRUE, FALSE } },
  { "modern/digest-md5", POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org",
    POCHTA_SASL_DIGEST_MD5, TRUE, "ivanov123", { "accepted:250", NULL, TRUE, FALSE } },
  { "modern/strongest", POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org",
    POCHTA_SASL_CRAM_MD5, FALSE, "ivanov123", { "accepted:250", NULL, TRUE, FALSE } },
  { "seed/cram-md5", POCHTA_SMTP_PROFILE_SEED, SERVER_HOST, POCHTA_SASL_CRAM_MD5, TRUE,
    "ivanov123", { "accepted:250", NULL, TRUE, FALSE } },
  { "seed/digest-md5", POCHTA_SMTP_PROFILE_SEED, SERVER_HOST, POCHTA_SASL_DIGEST_MD5, TRUE,
    "ivanov123", { "accepted:250", NULL, TRUE, FALSE } },
  { "seed/plain-not-offered", POCHTA_SMTP_PROFILE_SEED, SERVER_HOST, POCHTA_SASL_PLAIN, TRUE,
    "ivanov123", { "permanent:554", "does not offer AUTH PLAIN", FALSE, FALSE } },
  { "modern/wrong-password", POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org",
    POCHTA_SASL_CRAM_MD5, TRUE, "guess", { "permanent:535", "AUTH failed: 535", FALSE, FALSE } },
  { "modern/digest-md5-wrong-password", POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org",
    POCHTA_SASL_DIGEST_MD5, TRUE, "guess", { "permanent:535", "AUTH failed: 535", FALSE, FALSE } },
  { "rfc821/no-auth", POCHTA_SMTP_PROFILE_RFC821, "comp1.otd1.constr.org", POCHTA_SASL_PLAIN,
    FALSE, "ivanov123", { "permanent:554", "does not offer AUTH", FALSE, FALSE } },
};

static void
test_against_auth (gconstpointer data)
{
  const AgainstAuthRow *row = data;
  static const char body[] = "Subject: auth\r\n\r\n.leading dot\r\n";
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  const ServerSetup setup = { row->profile, row->server_host };
  g_autofree char *rcpt = g_strdup_printf ("%s@%s",
                                           row->profile == POCHTA_SMTP_PROFILE_SEED ? "Petrov"
                                           : row->profile == POCHTA_SMTP_PROFILE_RFC821 ? "Ivanov"
                                                                                          : "Smirnov",
                                           row->server_host);
  const char *recipients[] = { rcpt, NULL };
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  config.hostname = "comp2.otd1.constr.org";
  config.reverse_path = "Ivanov@comp2.otd1.constr.org";
  config.recipients = recipients;
  config.login = "ivanov";   /* logins are case-insensitive */
  config.password = row->password;
  config.force_mechanism = row->force;
  config.mechanism = row->mechanism;

  for (FeedMode mode = FEED_WHOLE; mode < N_FEED_MODES; mode++)
    {
      g_test_message ("feeding %s", feed_mode_names[mode]);
      g_autoptr (Wire) wire = wire_new (&setup, &config, mode);
      wire_pump (wire);
      check_expectation (wire->run, &row->expect);

      g_autofree char *commands = commands_sent (wire->run->events);
      if (row->expect.accepted)
        {
          g_autofree char *auth = g_strdup_printf ("\nAUTH %s",
                                                   pochta_sasl_mechanism_to_string (row->mechanism));
          g_assert_nonnull (strstr (commands, auth));
          g_assert_true (pochta_smtp_server_is_authenticated (wire->server));
          g_assert_nonnull (find_event (wire->run->events, POCHTA_EVENT_AUTHENTICATED));
          g_assert_cmpuint (wire->world.delivered->len, ==, 1);
          check_delivered (g_ptr_array_index (wire->world.delivered, 0), body, sizeof body - 1);
        }
      else
        {
          g_assert_null (strstr (commands, "MAIL"));
          g_assert_cmpuint (wire->world.delivered->len, ==, 0);
        }
      /* Never "*" unless cancelling, and nothing here cancels. */
      g_assert_null (strstr (commands, "\n*\n"));
    }
}

/* RFC 821 receiver: EHLO gets 500, the client falls back to HELO. */
static void
test_against_rfc821 (void)
{
  static const char body[] = "Subject: old school\r\n\r\n.\r\n..\r\nbye\r\n";
  static const char *const recipients[] = { "Ivanov@comp1.otd1.constr.org", NULL };
  static const ServerSetup setup = { POCHTA_SMTP_PROFILE_RFC821, "comp1.otd1.constr.org" };
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  config.hostname = "comp2.otd1.constr.org";
  config.reverse_path = "Sidorov@comp2.otd1.constr.org";
  config.recipients = recipients;

  for (FeedMode mode = FEED_WHOLE; mode < N_FEED_MODES; mode++)
    {
      g_test_message ("feeding %s", feed_mode_names[mode]);
      g_autoptr (Wire) wire = wire_new (&setup, &config, mode);
      wire_pump (wire);
      static const Expectation expect = { "accepted:250", NULL, TRUE, FALSE };
      check_expectation (wire->run, &expect);

      g_autofree char *commands = commands_sent (wire->run->events);
      g_assert_cmpstr (commands, ==,
                       "EHLO comp2.otd1.constr.org\n"
                       "HELO comp2.otd1.constr.org\n"
                       "MAIL FROM:<Sidorov@comp2.otd1.constr.org>\n"
                       "RCPT TO:<Ivanov@comp1.otd1.constr.org>\n"
                       "DATA\n"
                       "QUIT\n");
      g_autofree char *replies = replies_received (wire->run->events);
      g_auto (GStrv) reply_lines = g_strsplit (replies, "\n", -1);
      g_assert_true (g_str_has_prefix (reply_lines[1], "500"));
      g_auto (GStrv) extensions = pochta_smtp_client_dup_server_extensions (wire->run->client);
      g_assert_cmpuint (g_strv_length (extensions), ==, 0);
      g_assert_cmpuint (wire->world.delivered->len, ==, 1);
      check_delivered (g_ptr_array_index (wire->world.delivered, 0), body, sizeof body - 1);
    }
}

/* PIPELINING against modern: MAIL, the RCPTs and DATA leave as one group
 * before any reply; one recipient is unknown. */
static void
test_against_modern_pipelining (void)
{
  static const char body[] = "Subject: pipelined\r\n\r\n.hidden\r\nText\r\n";
  static const char *const recipients[] = {
    "Smirnov@comp4.otd2.constr.org", "Nobody@comp4.otd2.constr.org",
    "smirnov@COMP4.otd2.constr.org", NULL
  };
  static const ServerSetup setup = { POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org" };
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  config.recipients = recipients;
  config.body_8bitmime = TRUE;
  config.ret = POCHTA_DSN_RET_HDRS;
  config.envid = "QQ+1=2 x";

  for (FeedMode mode = FEED_WHOLE; mode < N_FEED_MODES; mode++)
    {
      g_test_message ("feeding %s", feed_mode_names[mode]);
      g_autoptr (Wire) wire = wire_new (&setup, &config, mode);
      pochta_smtp_client_set_recipient_dsn (wire->run->client, 0,
                                            POCHTA_DSN_NOTIFY_SUCCESS | POCHTA_DSN_NOTIFY_DELAY,
                                            "rfc822;Smirnov+x@comp4.otd2.constr.org");
      pochta_smtp_client_set_recipient_dsn (wire->run->client, 2, POCHTA_DSN_NOTIFY_NEVER, NULL);
      wire_pump (wire);
      static const Expectation expect = {
        "accepted:250 permanent:550 accepted:250", NULL, TRUE, FALSE
      };
      check_expectation (wire->run, &expect);
      g_assert_cmpstr (pochta_smtp_client_get_recipient (wire->run->client, 1)->text, ==,
                       "5.1.1 No such user here");

      /* From MAIL to DATA nothing was received: one group. */
      gboolean in_group = FALSE;
      guint n_group = 0;
      for (guint i = 0; i < wire->run->events->len; i++)
        {
          const PochtaEvent *event = g_ptr_array_index (wire->run->events, i);
          if (event->type == POCHTA_EVENT_LINE_SENT && g_str_has_prefix (event->text, "MAIL "))
            in_group = TRUE;
          if (!in_group)
            continue;
          if (event->type == POCHTA_EVENT_LINE_RECEIVED)
            g_assert_not_reached ();
          if (event->type == POCHTA_EVENT_LINE_SENT)
            n_group++;
          if (event->type == POCHTA_EVENT_LINE_SENT && strcmp (event->text, "DATA") == 0)
            break;
        }
      g_assert_cmpuint (n_group, ==, 5);

      g_assert_cmpuint (wire->world.delivered->len, ==, 1);
      check_delivered (g_ptr_array_index (wire->world.delivered, 0), body, sizeof body - 1);
      /* DSN parameters arrive as given, xtext decoded by the server. */
      g_autofree char *envelope = g_strdup_printf (
        "Ivanov@comp1.otd1.constr.org"
        "|Smirnov@comp4.otd2.constr.org,%d,rfc822;Smirnov+x@comp4.otd2.constr.org"
        "|smirnov@COMP4.otd2.constr.org,%d,"
        "|ret=%d,envid=QQ+1=2 x,size=%" G_GSIZE_FORMAT ",8bit=1",
        POCHTA_DSN_NOTIFY_SUCCESS | POCHTA_DSN_NOTIFY_DELAY, POCHTA_DSN_NOTIFY_NEVER,
        POCHTA_DSN_RET_HDRS, sizeof body - 1);
      g_assert_cmpstr (g_ptr_array_index (wire->world.envelopes, 0), ==, envelope);
    }
}

/* Every recipient refused by the real server: RSET instead of data. */
static void
test_against_all_refused (gconstpointer data)
{
  PochtaSmtpProfile profile = GPOINTER_TO_INT (data);
  static const char *const recipients[] = {
    "Sidirov@comp3.otd2.constr.org", "Ivanov@comp1.otd1.constr.org", NULL
  };
  const ServerSetup setup = { profile, SERVER_HOST };
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  config.recipients = recipients;

  for (FeedMode mode = FEED_WHOLE; mode < N_FEED_MODES; mode++)
    {
      g_test_message ("feeding %s", feed_mode_names[mode]);
      g_autoptr (Wire) wire = wire_new (&setup, &config, mode);
      wire_pump (wire);
      static const Expectation expect = {
        "permanent:550 permanent:550", "every recipient was refused", FALSE, FALSE
      };
      check_expectation (wire->run, &expect);
      g_autofree char *commands = commands_sent (wire->run->events);
      g_assert_true (g_str_has_suffix (commands, "RSET\nQUIT\n"));
      g_assert_cmpuint (wire->world.delivered->len, ==, 0);
    }
}

/* The server's SIZE is smaller than the message: the client does not try. */
static void
test_against_size_limit (void)
{
  PochtaSmtpLimits limits;
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;

  pochta_smtp_limits_init_defaults (&limits);
  limits.message_size_max = 100;
  const ServerSetup setup = { POCHTA_SMTP_PROFILE_MODERN, "comp4.otd2.constr.org", &limits };
  thesis_config (&config, message);
  config.recipients = one_recipient;

  g_autoptr (Wire) wire = wire_new (&setup, &config, FEED_RANDOM);
  wire_pump (wire);
  static const Expectation expect = { "permanent:552", "SIZE limit of 100", FALSE, FALSE };
  check_expectation (wire->run, &expect);
  g_autofree char *commands = commands_sent (wire->run->events);
  g_assert_cmpstr (commands, ==, "EHLO comp1.otd1.constr.org\nQUIT\n");
}

/* A server that refuses the connection (554 greeting) still gets QUIT. */
static void
test_against_rejected (void)
{
  static const ServerSetup setup = { POCHTA_SMTP_PROFILE_SEED, SERVER_HOST, NULL, TRUE };
  g_autoptr (GBytes) message = letter ();
  PochtaSmtpClientConfig config;

  thesis_config (&config, message);
  g_autoptr (Wire) wire = wire_new (&setup, &config, FEED_BYTES);
  wire_pump (wire);
  static const Expectation expect = {
    "permanent:554 permanent:554 permanent:554", "refused the connection: 554", FALSE, FALSE
  };
  check_expectation (wire->run, &expect);
  g_autofree char *commands = commands_sent (wire->run->events);
  g_assert_cmpstr (commands, ==, "QUIT\n");
  g_assert_cmpint (pochta_smtp_server_get_state (wire->server), ==, POCHTA_SMTP_STATE_CLOSED);
}

/* Before the greeting the client has nothing to say: peek answers 0 with
 * no pointer (an empty buffer must not be offset, C11 §6.5.6; found by
 * fuzz-smtp-reply under UBSan). */
static void
test_nothing_to_send_yet (void)
{
  static const char *const recipients[] = { "Petrov@comp3.otd2.constr.org", NULL };
  static const char body[] = "Subject: x\r\n\r\nHello!\r\n";
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, 0);
  PochtaSmtpClientConfig config = {
    .hostname = "comp1.otd1.constr.org",
    .generator = generator,
    .reverse_path = "Ivanov@comp1.otd1.constr.org",
    .recipients = recipients,
    .message = message,
  };
  g_autoptr (PochtaSmtpClient) client = pochta_smtp_client_new (&config);
  const guint8 *out = (const guint8 *) "not touched";

  g_assert_cmpuint (pochta_smtp_client_peek_output (client, &out), ==, 0);
  g_assert_null (out);
  /* A malformed greeting ends the session without a word (no QUIT). */
  g_assert_cmpint (pochta_smtp_client_feed (client, (const guint8 *) "x\n", 2), ==, 2);
  g_assert_true (pochta_smtp_client_is_done (client));
  g_assert_cmpuint (pochta_smtp_client_peek_output (client, &out), ==, 0);
  g_assert_null (out);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/smtp-client/session/nothing-to-send-yet", test_nothing_to_send_yet);
  g_test_add_func ("/engine/smtp-client/session/lock-step-ehlo", test_lock_step_ehlo);
  g_test_add_data_func ("/engine/smtp-client/session/helo-fallback-500",
                        "500 Syntax error, command unrecognized\r\n", test_helo_fallback);
  g_test_add_data_func ("/engine/smtp-client/session/helo-fallback-502",
                        "502 Command not implemented\r\n", test_helo_fallback);
  g_test_add_func ("/engine/smtp-client/session/force-helo", test_force_helo);
  g_test_add_func ("/engine/smtp-client/session/hello-refused", test_hello_refused);
  g_test_add_func ("/engine/smtp-client/session/null-sender", test_null_sender);
  g_test_add_func ("/engine/smtp-client/pipelining/group", test_pipelined);
  g_test_add_func ("/engine/smtp-client/pipelining/replies-at-once", test_pipelined_replies_at_once);
  g_test_add_func ("/engine/smtp-client/pipelining/disabled", test_no_pipelining);
  g_test_add_func ("/engine/smtp-client/data/dot-stuffing", test_dot_stuffing);
  g_test_add_func ("/engine/smtp-client/data/line-ends-normalised", test_line_ends_normalised);
  g_test_add_func ("/engine/smtp-client/data/nul-in-message", test_nul_in_message);
  for (guint i = 0; i < G_N_ELEMENTS (auth_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/smtp-client/auth/%s", auth_rows[i].name);
      g_test_add_data_func (path, &auth_rows[i], test_auth_row);
    }
  g_test_add_data_func ("/engine/smtp-client/auth/digest-md5", GINT_TO_POINTER (TRUE),
                        test_auth_digest_md5);
  g_test_add_data_func ("/engine/smtp-client/auth/digest-md5-bad-rspauth", GINT_TO_POINTER (FALSE),
                        test_auth_digest_md5);
  g_test_add_func ("/engine/smtp-client/auth/plain-too-long-for-the-line", test_auth_plain_long);
  for (guint i = 0; i < G_N_ELEMENTS (auth_failure_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/smtp-client/auth-failure/%s",
                                               auth_failure_rows[i].name);
      g_test_add_data_func (path, &auth_failure_rows[i], test_auth_failure_row);
    }
  g_test_add_func ("/engine/smtp-client/rcpt/all-refused-lock-step", test_all_refused_lock_step);
  g_test_add_func ("/engine/smtp-client/rcpt/all-refused-pipelined", test_all_refused_pipelined);
  g_test_add_func ("/engine/smtp-client/rcpt/all-refused-pipelined-354",
                   test_all_refused_pipelined_354);
  g_test_add_func ("/engine/smtp-client/mail/refused", test_mail_refused);
  g_test_add_func ("/engine/smtp-client/mail/refused-pipelined", test_mail_refused_pipelined);
  for (guint i = 0; i < G_N_ELEMENTS (end_of_data_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/smtp-client/end-of-data/%s",
                                               end_of_data_rows[i].name);
      g_test_add_data_func (path, &end_of_data_rows[i], test_end_of_data_row);
    }
  g_test_add_func ("/engine/smtp-client/data/refused", test_data_refused);
  g_test_add_func ("/engine/smtp-client/greeting/554", test_greeting_554);
  g_test_add_func ("/engine/smtp-client/greeting/421", test_greeting_421);
  g_test_add_data_func ("/engine/smtp-client/greeting/250", "250 " SERVER_HOST "\r\n",
                        test_greeting_malformed);
  g_test_add_data_func ("/engine/smtp-client/greeting/550", "550 go away\r\n",
                        test_greeting_malformed);
  g_test_add_data_func ("/engine/smtp-client/greeting/354", START_INPUT, test_greeting_malformed);
  g_test_add_func ("/engine/smtp-client/session/service-closing", test_service_closing);
  for (guint i = 0; i < G_N_ELEMENTS (broken_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/smtp-client/broken/%s",
                                               broken_rows[i].name);
      g_test_add_data_func (path, &broken_rows[i], test_broken_row);
    }
  g_test_add_func ("/engine/smtp-client/broken/data-after-quit", test_data_after_quit);
  g_test_add_func ("/engine/smtp-client/size/over-limit", test_size_limit);
  g_test_add_func ("/engine/smtp-client/size/exactly-the-limit", test_size_limit_exact);
  g_test_add_func ("/engine/smtp-client/dsn/parameters", test_dsn_parameters);
  g_test_add_func ("/engine/smtp-client/dsn/not-offered", test_dsn_not_offered);
  g_test_add_func ("/engine/smtp-client/vrfy/lock-step", test_vrfy_lock_step);
  g_test_add_func ("/engine/smtp-client/vrfy/pipelined", test_vrfy_pipelined);
  g_test_add_func ("/engine/smtp-client/against-server/thesis", test_against_thesis);
  g_test_add_func ("/engine/smtp-client/against-server/rfc821-helo-fallback", test_against_rfc821);
  g_test_add_func ("/engine/smtp-client/against-server/modern-pipelining",
                   test_against_modern_pipelining);
  for (guint i = 0; i < G_N_ELEMENTS (against_auth_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/smtp-client/against-server/auth/%s",
                                               against_auth_rows[i].name);
      g_test_add_data_func (path, &against_auth_rows[i], test_against_auth);
    }
  g_test_add_data_func ("/engine/smtp-client/against-server/all-refused/seed",
                        GINT_TO_POINTER (POCHTA_SMTP_PROFILE_SEED), test_against_all_refused);
  g_test_add_data_func ("/engine/smtp-client/against-server/all-refused/modern",
                        GINT_TO_POINTER (POCHTA_SMTP_PROFILE_MODERN), test_against_all_refused);
  g_test_add_func ("/engine/smtp-client/against-server/size-limit", test_against_size_limit);
  g_test_add_func ("/engine/smtp-client/against-server/rejected", test_against_rejected);

  return g_test_run ();
}
