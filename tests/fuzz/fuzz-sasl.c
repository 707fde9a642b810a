/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the SASL server of every mechanism, with and without
 * an initial response, fed raw or through the strict base64 decoder; the
 * SASL client against arbitrary challenges; and the decoder itself. */
#define G_LOG_DOMAIN "pochta-fuzz"
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sasl.h"

static char *
get_secret (const char *login, gpointer user_data)
{
  /* One known user, spelled in any case, so that success is reachable
   * ("\0mrose\0tanstaaf" for PLAIN). */
  return g_ascii_strcasecmp (login, "mrose") == 0 ? g_strdup ("tanstaaf") : NULL;
}

/* One message of the exchange: the bytes up to the next LF (SASL messages
 * may hold NUL, never LF on these wires), decoded when decode is set.
 * NULL when the input is used up or does not decode, which ends the
 * exchange as a session would end it. */
static GBytes *
next_message (const guint8 *data, gsize size, gsize *offset, gboolean decode)
{
  if (*offset >= size)
    return NULL;

  const guint8 *start = data + *offset;
  const guint8 *lf = memchr (start, '\n', size - *offset);
  gsize len = lf != NULL ? (gsize) (lf - start) : size - *offset;
  *offset += len + (lf != NULL ? 1 : 0);
  if (decode)
    return pochta_base64_decode_strict ((const char *) start, len);
  return g_bytes_new (start, len);
}

static void
check_outcome (PochtaSaslServer *server, PochtaSaslStatus status, GBytes *challenge)
{
  if ((status == POCHTA_SASL_CONTINUE) != (challenge != NULL))
    fuzz_fail ("a challenge exactly when the exchange continues");
  if (status == POCHTA_SASL_SUCCESS)
    {
      const char *login = pochta_sasl_server_get_login (server);
      if (login == NULL || g_ascii_strcasecmp (login, "mrose") != 0)
        fuzz_fail ("success for somebody who is not mrose");
    }
  else if (pochta_sasl_server_get_login (server) != NULL)
    fuzz_fail ("a login without success");
  (void) pochta_sasl_server_get_claimed_login (server);
}

static void
fuzz_server (PochtaSaslMechanism mechanism, gboolean has_initial, gboolean decode,
             const guint8 *data, gsize size)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, G_GINT64_CONSTANT (1234567890000000));
  g_autoptr (PochtaSaslServer) server = pochta_sasl_server_new (mechanism, "pop", "dewey", generator,
                                                                get_secret, NULL);
  gsize offset = 0;
  g_autoptr (GBytes) initial = has_initial ? next_message (data, size, &offset, decode) : NULL;
  if (has_initial && initial == NULL)
    return;

  gsize len = 0;
  const guint8 *bytes = initial != NULL ? g_bytes_get_data (initial, &len) : NULL;
  g_autoptr (GBytes) challenge = NULL;
  PochtaSaslStatus status = pochta_sasl_server_start (server, has_initial, bytes, len, &challenge);
  check_outcome (server, status, challenge);

  while (status == POCHTA_SASL_CONTINUE)
    {
      g_autoptr (GBytes) response = next_message (data, size, &offset, decode);
      if (response == NULL)
        return;
      g_clear_pointer (&challenge, g_bytes_unref);
      bytes = g_bytes_get_data (response, &len);
      status = pochta_sasl_server_step (server, bytes, len, &challenge);
      check_outcome (server, status, challenge);
    }
}

/* The client answers whatever challenges come, until it stops; it is
 * never stepped after a final status, as the sessions must not.  With
 * has_initial it first makes its initial response, if it has one. */
static void
fuzz_client (PochtaSaslMechanism mechanism, gboolean has_initial, gboolean decode,
             const guint8 *data, gsize size)
{
  g_autoptr (PochtaGenerator) generator = pochta_generator_new (1, G_GINT64_CONSTANT (1234567890000000));
  g_autoptr (PochtaSaslClient) client = pochta_sasl_client_new (mechanism, "pop", "dewey", "mrose",
                                                                "tanstaaf", generator);
  g_autoptr (GBytes) initial = NULL;
  gsize offset = 0;

  if (has_initial)
    pochta_sasl_client_initial_response (client, &initial);
  for (;;)
    {
      g_autoptr (GBytes) challenge = next_message (data, size, &offset, decode);
      if (challenge == NULL)
        return;
      g_autoptr (GBytes) response = NULL;
      gsize len;
      const guint8 *bytes = g_bytes_get_data (challenge, &len);
      PochtaSaslStatus status = pochta_sasl_client_step (client, bytes, len, &response);
      if ((status == POCHTA_SASL_CONTINUE || status == POCHTA_SASL_SUCCESS) != (response != NULL))
        fuzz_fail ("a response exactly when the client has something to send");
      if (status != POCHTA_SASL_CONTINUE)
        return;
    }
}

/* RFC 4648: whatever the strict decoder accepts is whole quanta of the
 * alphabet with at most two '=' at the end, and decodes to exactly 3 bytes
 * per quantum less the padding; every encoding decodes back. */
static void
fuzz_base64 (const guint8 *data, gsize size)
{
  g_autoptr (GBytes) decoded = pochta_base64_decode_strict ((const char *) data, size);
  if (decoded != NULL)
    {
      gsize padding = 0;
      while (padding < size && data[size - 1 - padding] == '=')
        padding++;
      if (size % 4 != 0 || padding > 2)
        fuzz_fail ("the strict decoder accepted malformed base64");
      if (g_bytes_get_size (decoded) != size / 4 * 3 - padding)
        fuzz_fail ("decoded length does not match the quanta and padding");
    }

  g_autofree char *encoded = g_base64_encode (data, size);
  g_autoptr (GBytes) round_trip = pochta_base64_decode_strict (encoded, strlen (encoded));
  g_autoptr (GBytes) original = g_bytes_new_static (data, size);
  if (round_trip == NULL || !g_bytes_equal (round_trip, original))
    fuzz_fail ("an encoding did not decode back to its bytes");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;

  /* First byte: bits 0-1 the mechanism, 2 an initial response, 3 base64
   * on the wire. */
  guint8 flags = data[0];
  PochtaSaslMechanism mechanism = (PochtaSaslMechanism) (flags & 3);
  gboolean has_initial = (flags & 0x04) != 0;
  gboolean decode = (flags & 0x08) != 0;
  data++;
  size--;

  fuzz_server (mechanism, has_initial, decode, data, size);
  fuzz_client (mechanism, has_initial, decode, data, size);
  fuzz_base64 (data, size);
  return 0;
}
