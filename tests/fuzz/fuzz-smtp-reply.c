/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: arbitrary server bytes against the SMTP client's
 * reply parser and against a whole client session. */
#define G_LOG_DOMAIN "pochta-fuzz"
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-common.h"
#include "line-reader.h"
#include "smtp-client.h"
#include "smtp-reply.h"

static void
fuzz_parser (const uint8_t *data, size_t size)
{
  g_autoptr (PochtaLineReader) reader = pochta_line_reader_new (2048);
  g_autoptr (PochtaSmtpReplyParser) parser = pochta_smtp_reply_parser_new (100);
  gsize offset = 0;

  while (offset < size)
    {
      PochtaLineStatus status;
      offset += pochta_line_reader_feed (reader, data + offset, size - offset, &status);
      if (status == POCHTA_LINE_NONE)
        break;
      gsize len;
      const char *line = pochta_line_reader_get_line (reader, &len);
      const PochtaSmtpReply *reply = NULL;
      char *error = NULL;
      PochtaSmtpReplyStatus result = pochta_smtp_reply_parser_push_line (parser, line, len, &reply, &error);
      if (result == POCHTA_SMTP_REPLY_COMPLETE)
        {
          if (reply->code < 200 || reply->code > 599)
            abort ();
          g_free (pochta_smtp_reply_dup_text (reply));
        }
      g_free (error);
      if (result == POCHTA_SMTP_REPLY_MALFORMED)
        break;
    }
}

static void
fuzz_client (const uint8_t *data, size_t size)
{
  static const char *const recipients[] = { "Petrov@comp3.otd2.constr.org", "Sidirov@comp3.otd2.constr.org", NULL };
  static const char body[] = "Subject: x\r\n\r\n.dot\r\nHello!\r\n";
  g_autoptr (GBytes) message = g_bytes_new_static (body, sizeof body - 1);
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, 0);
  PochtaSmtpClientConfig config = {
    .hostname = "comp1.otd1.constr.org",
    .server_hostname = "comp3.otd2.constr.org",
    .generator = generator,
    .reverse_path = "Ivanov@comp1.otd1.constr.org",
    .recipients = recipients,
    .message = message,
    .login = size > 0 && (data[0] & 1) ? "Ivanov" : NULL,
    .password = "ivanov123",
  };
  g_autoptr (PochtaSmtpClient) client = pochta_smtp_client_new (&config);
  gsize offset = 0;

  /* Replies arrive in lines of the input, one line at a time, as a
   * lock-step server would send them. */
  while (offset < size && !pochta_smtp_client_is_done (client))
    {
      const guint8 *lf = memchr (data + offset, '\n', size - offset);
      gsize n = lf != NULL ? (gsize) (lf - (data + offset)) + 1 : size - offset;
      if (pochta_smtp_client_feed (client, data + offset, n) < 0)
        abort ();
      offset += n;

      const guint8 *out;
      gsize out_len;
      while ((out_len = pochta_smtp_client_peek_output (client, &out)) > 0)
        pochta_smtp_client_consume_output (client, out_len);
      PochtaEvent event;
      while (pochta_smtp_client_next_event (client, &event))
        pochta_event_clear (&event);
    }
  pochta_smtp_client_feed_eof (client);
  if (!pochta_smtp_client_is_done (client))
    abort ();   /* EOF must always end the session: never a hang */
  PochtaEvent event;
  while (pochta_smtp_client_next_event (client, &event))
    pochta_event_clear (&event);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_parser (data, size);
  fuzz_client (data, size);
  return 0;
}
