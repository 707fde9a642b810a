/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: arbitrary client bytes against an SMTP server session
 * of every profile, fed in chunks the input itself chooses. */
#define G_LOG_DOMAIN "pochta-fuzz"
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "fuzz-common.h"
#include "smtp-server.h"

static char *
any_secret (const char *login, gpointer user_data)
{
  /* One known user, so that AUTH can also succeed and reach TURN. */
  return g_ascii_strcasecmp (login, "Ivanov") == 0 ? g_strdup ("ivanov123") : NULL;
}

static void
drain (PochtaSmtpServer *server)
{
  const guint8 *out;
  gsize n;
  PochtaEvent event;

  while ((n = pochta_smtp_server_peek_output (server, &out)) > 0)
    pochta_smtp_server_consume_output (server, n);
  while (pochta_smtp_server_next_event (server, &event))
    pochta_event_clear (&event);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;

  /* The first byte picks the profile and limits, the second the chunk
   * size: both become part of what the fuzzer explores. */
  PochtaSmtpProfile profile = data[0] % POCHTA_SMTP_N_PROFILES;
  gsize chunk = 1 + data[1] % 64;
  PochtaSmtpLimits limits;
  pochta_smtp_limits_init_defaults (&limits);
  if (data[0] & 0x80)
    {
      /* Small limits reach the over-limit paths with short inputs. */
      limits.message_size_max = 64;
      limits.recipients_max = 2;
      limits.bad_commands_max = 4;
    }
  data += 2;
  size -= 2;

  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, 0);
  PochtaSmtpPolicy policy = { .get_secret = any_secret };
  PochtaSmtpConfig config = {
    .hostname = "comp3.otd2.constr.org",
    .profile = profile,
    .limits = &limits,
    .generator = generator,
    .client_address = "192.0.2.11",
    .report_data_lines = TRUE,
  };
  g_autoptr (PochtaSmtpServer) server = pochta_smtp_server_new (&config, &policy);
  pochta_smtp_server_start (server);

  gsize offset = 0;
  while (offset < size && pochta_smtp_server_get_state (server) != POCHTA_SMTP_STATE_CLOSED)
    {
      gsize n = MIN (chunk, size - offset);
      gssize used = pochta_smtp_server_feed (server, data + offset, n);
      if (used < 0)
        abort ();
      drain (server);
      if (used == 0)
        break;   /* QUIT or TURN: the rest is not the server's */
      offset += (gsize) used;
    }
  pochta_smtp_server_feed_eof (server);
  drain (server);
  return 0;
}
