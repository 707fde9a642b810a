/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: arbitrary server bytes against a POP3 client session,
 * with the login method and the retrieval options chosen by the input. */
#define G_LOG_DOMAIN "pochta-fuzz"
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "pop3-client.h"

/* Takes every command and event the session has, as a lock-step server
 * would: a response only counts once its command was on the wire. */
static void
drain (PochtaPop3Client *client)
{
  const guint8 *out;
  gsize n = pochta_pop3_client_peek_output (client, &out);
  PochtaEvent event;

  if (n > 0 && (n < 2 || out[n - 2] != '\r' || out[n - 1] != '\n'))
    fuzz_fail ("output that is not whole CRLF lines");
  pochta_pop3_client_consume_output (client, n);
  while (pochta_pop3_client_next_event (client, &event))
    pochta_event_clear (&event);
}

/* What the client reports must hang together whatever the server said. */
static void
check_result (PochtaPop3Client *client)
{
  if (pochta_pop3_client_succeeded (client) && pochta_pop3_client_get_error (client) != NULL)
    fuzz_fail ("succeeded with an error");
  if (!pochta_pop3_client_succeeded (client) && pochta_pop3_client_get_error (client) == NULL)
    fuzz_fail ("failed without saying why");

  g_auto (GStrv) capabilities = pochta_pop3_client_dup_capabilities (client);
  if (capabilities == NULL)
    fuzz_fail ("no capability list");
  for (guint i = 0; i < pochta_pop3_client_get_n_messages (client); i++)
    {
      const PochtaPop3ClientMessage *message = pochta_pop3_client_get_message (client, i);
      if (message->number == 0)
        fuzz_fail ("message number 0");
      if (message->uid != NULL && (strlen (message->uid) < 1 || strlen (message->uid) > 70))
        fuzz_fail ("a uid outside RFC 1939 §7's 1-70 characters");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const known_uids[] = { "1234567890.M0R1.dewey", "whqtswO00WBw418f9t5JxYwZ", NULL };

  if (size < 1)
    return 0;

  /* First byte: bits 0-1 the login method, 2 force the mechanism named by
   * bits 3-4, 5 DELE, 6 RSET before QUIT, 7 TOP instead of RETR (and
   * known uids and a small message limit, to reach those paths too). */
  guint8 flags = data[0];
  data++;
  size--;

  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, G_GINT64_CONSTANT (1234567890000000));
  PochtaPop3ClientConfig config = {
    .generator = generator,
    .login = "mrose",
    .password = "tanstaaf",
    .method = (PochtaPop3LoginMethod) (flags & 3),
    .force_mechanism = (flags & 0x04) != 0,
    .mechanism = (PochtaSaslMechanism) ((flags >> 3) & 3),
    .delete_retrieved = (flags & 0x20) != 0,
    .reset_before_quit = (flags & 0x40) != 0,
    .top_only = (flags & 0x80) != 0,
    .top_lines = 2,
    .known_uids = (flags & 0x80) ? known_uids : NULL,
    .max_message_size = (flags & 0x80) ? 256 : 0,
    .report_data_lines = TRUE,
  };
  g_autoptr (PochtaPop3Client) client = pochta_pop3_client_new (&config);
  gsize offset = 0;

  /* Responses arrive a line at a time, as from a lock-step server; a
   * line's bytes all go in one feed. */
  while (offset < size && !pochta_pop3_client_is_done (client))
    {
      const guint8 *lf = memchr (data + offset, '\n', size - offset);
      gsize n = lf != NULL ? (gsize) (lf - (data + offset)) + 1 : size - offset;
      gssize used = pochta_pop3_client_feed (client, data + offset, n);
      if (used < 0 || (gsize) used > n)
        fuzz_fail ("feed returned a count outside [0, len]");
      if ((gsize) used < n && !pochta_pop3_client_is_done (client))
        fuzz_fail ("input refused by a running session");
      offset += n;
      drain (client);
    }
  pochta_pop3_client_feed_eof (client);
  drain (client);
  if (!pochta_pop3_client_is_done (client))
    fuzz_fail ("end of input did not end the session");
  check_result (client);
  return 0;
}
