/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `pochta-cli play`: the thesis session between an in-memory SMTP client
 * (comp1) and server (comp3) of the engine, printed in the thesis'
 * notation. */
#define G_LOG_DOMAIN "pochta-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cli-private.h"
#include "network.h"
#include "smtp-client.h"
#include "smtp-server.h"

#define CLIENT_HOST "comp1.otd1.constr.org"
#define SERVER_HOST "comp3.otd2.constr.org"

/* 14 May 2002 10:15:00 +0400, the date of the checklist's Received:
 * example: a fixed virtual time keeps the transcript reproducible. */
#define THESIS_TIME (G_GINT64_CONSTANT (1021356900) * G_USEC_PER_SEC)
#define THESIS_UTC_OFFSET (4 * 60)

typedef struct
{
  guint n_lines;
} CliTranscript;

typedef struct
{
  GPtrArray *stored;   /* of GBytes*: what comp3 accepted */
  GPtrArray *ids;      /* of char*: the queue ids it gave */
} Mailroom;

static PochtaSmtpDeliverVerdict
keep_message (const PochtaSmtpEnvelope *envelope,
              GBytes                   *message,
              char                    **out_id,
              gpointer                  user_data)
{
  Mailroom *room = user_data;
  char *id = g_strdup_printf ("%u", room->stored->len + 1);

  g_ptr_array_add (room->stored, g_bytes_ref (message));
  g_ptr_array_add (room->ids, g_strdup (id));
  *out_id = id;
  return POCHTA_SMTP_DELIVER_OK;
}

static GBytes *
compose_letter (PochtaGenerator *generator)
{
  g_autofree char *date = pochta_generator_format_date (generator);
  g_autofree char *id = pochta_generator_token (generator, 12);
  char *text = g_strdup_printf ("From: Ivan Ivanov <Ivanov@" CLIENT_HOST ">\r\n"
                                "To: Ivan Petrov <Petrov@" SERVER_HOST ">,\r\n"
                                " Olga Kuznetsova <Kuznetsova@" SERVER_HOST ">,\r\n"
                                " Sidirov@" SERVER_HOST "\r\n"
                                "Subject: Test mail\r\n"
                                "Date: %s\r\n"
                                "Message-ID: <%s@" CLIENT_HOST ">\r\n"
                                "\r\n"
                                "Hello!\r\n"
                                "Test mail.\r\n"
                                "Ivanov\r\n",
                                date, id);
  return g_bytes_new_take (text, strlen (text));
}

/* Prints each line that crossed the wire, numbered, in the thesis'
 * notation: "C:" what comp1 sent, "S:" what comp3 answered. */
static void
cli_transcript_add_event (CliTranscript *transcript, const PochtaEvent *event)
{
  if (event->type != POCHTA_EVENT_LINE_SENT && event->type != POCHTA_EVENT_LINE_RECEIVED)
    return;
  transcript->n_lines++;
  g_print ("%3u  %s: %.*s\n", transcript->n_lines,
           event->type == POCHTA_EVENT_LINE_SENT ? "C" : "S",
           (int) event->length, event->text);
}

/* Moves bytes between the two sessions until neither has anything to
 * say: the in-memory wire. */
static void
run_wire (PochtaSmtpClient *client, PochtaSmtpServer *server, CliTranscript *transcript)
{
  gboolean moved = TRUE;

  while (moved)
    {
      const guint8 *data;
      gsize len;
      PochtaEvent event;

      moved = FALSE;
      len = pochta_smtp_server_peek_output (server, &data);
      if (len > 0 && !pochta_smtp_client_is_done (client))
        {
          gssize used = pochta_smtp_client_feed (client, data, len);
          pochta_smtp_server_consume_output (server, used > 0 ? (gsize) used : len);
          moved = TRUE;
        }
      len = pochta_smtp_client_peek_output (client, &data);
      if (len > 0 && pochta_smtp_server_get_state (server) != POCHTA_SMTP_STATE_CLOSED)
        {
          gssize used = pochta_smtp_server_feed (server, data, len);
          pochta_smtp_client_consume_output (client, used > 0 ? (gsize) used : len);
          moved = TRUE;
        }
      /* The client sees every line in wire order: its own commands as it
       * sends them, the server's replies as they arrive. */
      while (pochta_smtp_client_next_event (client, &event))
        {
          cli_transcript_add_event (transcript, &event);
          pochta_event_clear (&event);
        }
      while (pochta_smtp_server_next_event (server, &event))
        pochta_event_clear (&event);
    }
}

static void
print_outcomes (PochtaSmtpClient *client)
{
  g_print ("\n%s\n", _("Recipients:"));
  for (guint i = 0; i < pochta_smtp_client_get_n_recipients (client); i++)
    {
      const PochtaSmtpClientRecipient *r = pochta_smtp_client_get_recipient (client, i);
      const char *verdict = r->outcome == POCHTA_SMTP_OUTCOME_ACCEPTED ? _("delivered")
                            : r->outcome == POCHTA_SMTP_OUTCOME_TEMPORARY ? _("deferred")
                            : r->outcome == POCHTA_SMTP_OUTCOME_PERMANENT ? _("refused")
                            : _("not answered");
      g_print ("  %-36s %-10s %u %s\n", r->mailbox, verdict, r->code, r->text != NULL ? r->text : "");
    }
}

static void
print_stored (Mailroom *room, gboolean show_message)
{
  for (guint i = 0; i < room->stored->len; i++)
    {
      GBytes *message = g_ptr_array_index (room->stored, i);
      gsize size;
      const char *data = g_bytes_get_data (message, &size);

      g_print (_("\n%s stored message %s (%" G_GSIZE_FORMAT " octets, Received: added on top).\n"),
               SERVER_HOST, (const char *) g_ptr_array_index (room->ids, i), size);
      if (show_message)
        g_print ("\n%.*s", (int) size, data);
    }
  if (!show_message && room->stored->len > 0)
    g_print ("%s\n", _("Run `pochta-cli play --show-message` to see it as stored."));
}

int
cli_play (int argc, char **argv)
{
  gint64 seed = 1896;
  gboolean show_message = FALSE;
  const GOptionEntry entries[] = {
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed,
      N_("Seed of the generator that makes the challenge and ids (default 1896)"), N_("N") },
    { "show-message", 'm', 0, G_OPTION_ARG_NONE, &show_message,
      N_("Print the message as comp3 stored it"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Plays the thesis' SMTP session: comp1.otd1.constr.org hands Ivanov's\n"
                                  "letter to comp3.otd2.constr.org, authenticating with CRAM-MD5."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error ("play", error->message);
  if (argc > 1)
    return cli_usage_error ("play", _("play takes no arguments"));

  g_autoptr (PochtaNetwork) network = pochta_network_load_builtin ("constr-org", &error);
  if (network == NULL)
    {
      g_printerr ("pochta-cli play: %s\n", error->message);
      return 1;
    }
  PochtaDirectory *directory = pochta_network_get_directory (network);
  g_autoptr (PochtaGenerator) generator = pochta_generator_new ((guint32) seed, THESIS_TIME);
  pochta_generator_set_utc_offset (generator, THESIS_UTC_OFFSET);

  const PochtaUser *ivanov = pochta_directory_find_login (directory, "Ivanov");
  const char *client_address = pochta_network_get_host (network, CLIENT_HOST)->address;
  PochtaSmtpProfile server_profile = pochta_network_get_host (network, SERVER_HOST)->profile;

  Mailroom room = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref),
                    g_ptr_array_new_with_free_func (g_free) };
  PochtaSmtpPolicy policy;
  pochta_directory_init_smtp_policy (directory, SERVER_HOST, keep_message, &room, &policy);
  PochtaSmtpConfig server_config = {
    .hostname = SERVER_HOST,
    .profile = server_profile,
    .generator = generator,
    .client_address = client_address,
    .client_hostname = CLIENT_HOST,
    .report_data_lines = TRUE,
  };
  g_autoptr (PochtaSmtpServer) server = pochta_smtp_server_new (&server_config, &policy);

  static const char *const recipients[] = {
    "Petrov@" SERVER_HOST, "Kuznetsova@" SERVER_HOST, "Sidirov@" SERVER_HOST, NULL
  };
  static const char *const verify[] = { "Petrov", NULL };
  g_autoptr (GBytes) letter = compose_letter (generator);
  PochtaSmtpClientConfig client_config = {
    .hostname = CLIENT_HOST,
    .server_hostname = SERVER_HOST,
    .generator = generator,
    .reverse_path = "Ivanov@" CLIENT_HOST,
    .recipients = recipients,
    .verify = verify,
    .message = letter,
    .login = ivanov->login,
    .password = ivanov->password,
  };
  g_autoptr (PochtaSmtpClient) client = pochta_smtp_client_new (&client_config);

  g_print (_("The thesis session: %s (%s) connects to %s port 25 (profile %s).\n\n"),
           CLIENT_HOST, client_address, SERVER_HOST,
           pochta_smtp_profile_to_string (server_profile));
  CliTranscript transcript = { 0 };
  pochta_smtp_server_start (server);
  run_wire (client, server, &transcript);

  print_outcomes (client);
  print_stored (&room, show_message);
  if (pochta_smtp_client_get_error (client) != NULL)
    g_printerr (_("The session failed: %s\n"), pochta_smtp_client_get_error (client));

  gboolean delivered = pochta_smtp_client_message_accepted (client);
  g_ptr_array_unref (room.stored);
  g_ptr_array_unref (room.ids);
  return delivered ? 0 : 1;
}
