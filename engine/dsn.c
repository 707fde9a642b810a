/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Builds RFC 3464 delivery status notifications. */
#define G_LOG_DOMAIN "pochta-dsn"
#include "config.h"

#include <string.h>

#include "dsn.h"

/* RFC 2046 §5.1.1: up to 70 characters that the parts cannot contain; a
 * random token makes a clash with the original message improbable. */
#define BOUNDARY_TOKEN_CHARS 24
#define MESSAGE_ID_TOKEN_CHARS 16

static gboolean
is_digits (const char *text, gsize len, gsize min, gsize max)
{
  if (len < min || len > max)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

/* RFC 3463 §2: class "." subject "." detail, 1-3 digits each, followed by
 * a space or the end of the line (RFC 2034 §4). */
static gsize
enhanced_code_length (const char *text, char class_digit)
{
  const char *first_dot = strchr (text, '.');
  if (text[0] != class_digit || first_dot != text + 1)
    return 0;
  const char *second_dot = strchr (first_dot + 1, '.');
  if (second_dot == NULL || !is_digits (first_dot + 1, (gsize) (second_dot - first_dot - 1), 1, 3))
    return 0;
  gsize detail = strspn (second_dot + 1, "0123456789");
  char after = second_dot[1 + detail];
  if (!is_digits (second_dot + 1, detail, 1, 3) || (after != '\0' && after != ' ' && after != '\n'))
    return 0;
  return (gsize) (second_dot + 1 + detail - text);
}

char *
pochta_dsn_status_of_reply (guint code, const char *text)
{
  g_return_val_if_fail (code >= 200 && code < 600, NULL);

  char class_digit = (char) ('0' + code / 100);
  gsize len = text != NULL ? enhanced_code_length (text, class_digit) : 0;
  if (len > 0)
    return g_strndup (text, len);
  return g_strdup_printf ("%c.0.0", class_digit);
}

/* The original's header: everything before the first empty line (RFC
 * 5322 §2.1), with the CRLF that ends its last field. */
static gsize
header_length (GBytes *message)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  if (len >= 2 && data[0] == '\r' && data[1] == '\n')
    return 0;
  for (gsize i = 0; i + 3 < len; i++)
    if (memcmp (data + i, "\r\n\r\n", 4) == 0)
      return i + 2;
  return len;
}

/* A reply as one line: the lines of a multi-line reply joined by spaces. */
static char *
one_line (const char *text)
{
  char *line = g_strdup (text);
  for (char *p = line; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n')
      *p = ' ';
  return line;
}

static void
append_explanation (GString *out, const PochtaDsnReport *report)
{
  g_string_append_printf (out, "This is the mail system at host %s.\r\n\r\n",
                          report->reporting_mta);
  g_string_append (out, "Your message could not be delivered to one or more recipients.\r\n"
                        "It is attached below.\r\n\r\n");
  for (guint i = 0; i < report->n_recipients; i++)
    {
      const PochtaDsnRecipient *r = &report->recipients[i];
      g_autofree char *why = one_line (r->smtp_reply != NULL ? r->smtp_reply
                                       : r->reason != NULL ? r->reason : r->status);
      if (r->remote_mta != NULL && r->smtp_reply != NULL)
        g_string_append_printf (out, "<%s>: host %s said: %s\r\n", r->final_recipient,
                                r->remote_mta, why);
      else
        g_string_append_printf (out, "<%s>: %s\r\n", r->final_recipient, why);
    }
}

static void
append_recipient_fields (GString *out, const PochtaDsnRecipient *r, int utc_offset)
{
  g_string_append (out, "\r\n");
  if (r->original_recipient != NULL)
    g_string_append_printf (out, "Original-Recipient: %s\r\n", r->original_recipient);
  g_string_append_printf (out, "Final-Recipient: rfc822; %s\r\n", r->final_recipient);
  g_string_append_printf (out, "Action: %s\r\n", r->action);
  g_string_append_printf (out, "Status: %s\r\n", r->status);
  if (r->remote_mta != NULL)
    g_string_append_printf (out, "Remote-MTA: dns; %s\r\n", r->remote_mta);
  if (r->smtp_reply != NULL || r->reason != NULL)
    {
      g_autofree char *diagnostic = one_line (r->smtp_reply != NULL ? r->smtp_reply : r->reason);
      g_string_append_printf (out, "Diagnostic-Code: %s; %s\r\n",
                              r->smtp_reply != NULL ? "smtp" : "X-Pochta", diagnostic);
    }
  if (r->last_attempt != 0)
    {
      g_autofree char *date = pochta_format_rfc5322_date (r->last_attempt, utc_offset);
      g_string_append_printf (out, "Last-Attempt-Date: %s\r\n", date);
    }
}

/* RFC 3464 §2.1: per-message fields, then one group per recipient, the
 * groups separated by empty lines. */
static void
append_status (GString *out, const PochtaDsnReport *report)
{
  g_autofree char *arrival
    = pochta_format_rfc5322_date (report->arrival_date, report->utc_offset_minutes);

  if (report->envid != NULL)
    g_string_append_printf (out, "Original-Envelope-Id: %s\r\n", report->envid);
  g_string_append_printf (out, "Reporting-MTA: dns; %s\r\n", report->reporting_mta);
  g_string_append_printf (out, "Arrival-Date: %s\r\n", arrival);
  for (guint i = 0; i < report->n_recipients; i++)
    append_recipient_fields (out, &report->recipients[i], report->utc_offset_minutes);
}

static void
append_original (GString *out, const PochtaDsnReport *report)
{
  gsize len;
  const char *data = g_bytes_get_data (report->original, &len);

  if (report->ret == POCHTA_DSN_RET_FULL)
    {
      g_string_append (out, "Content-Type: message/rfc822\r\n\r\n");
      g_string_append_len (out, data, (gssize) len);
    }
  else
    {
      g_string_append (out, "Content-Type: text/rfc822-headers\r\n\r\n");
      g_string_append_len (out, data, (gssize) header_length (report->original));
    }
  if (out->len < 2 || memcmp (out->str + out->len - 2, "\r\n", 2) != 0)
    g_string_append (out, "\r\n");
}

GBytes *
pochta_dsn_build (const PochtaDsnReport *report, PochtaGenerator *generator)
{
  g_return_val_if_fail (report != NULL && generator != NULL, NULL);
  g_return_val_if_fail (report->reporting_mta != NULL && report->reverse_path != NULL, NULL);
  g_return_val_if_fail (report->original != NULL, NULL);
  g_return_val_if_fail (report->n_recipients > 0 && report->recipients != NULL, NULL);

  g_autofree char *date = pochta_generator_format_date (generator);
  g_autofree char *id_token = pochta_generator_token (generator, MESSAGE_ID_TOKEN_CHARS);
  g_autofree char *boundary_token = pochta_generator_token (generator, BOUNDARY_TOKEN_CHARS);
  g_autofree char *boundary = g_strconcat ("=_", boundary_token, NULL);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "From: Mail Delivery Subsystem <MAILER-DAEMON@%s>\r\n",
                          report->reporting_mta);
  g_string_append_printf (out, "To: <%s>\r\n", report->reverse_path);
  g_string_append (out, "Subject: Undelivered Mail Returned to Sender\r\n");
  g_string_append_printf (out, "Date: %s\r\n", date);
  g_string_append_printf (out, "Message-ID: <%s@%s>\r\n", id_token, report->reporting_mta);
  /* RFC 3834 §5: automatic responders must not answer this. */
  g_string_append (out, "Auto-Submitted: auto-replied\r\n");
  g_string_append (out, "MIME-Version: 1.0\r\n");
  g_string_append_printf (out, "Content-Type: multipart/report; report-type=delivery-status;\r\n"
                               "\tboundary=\"%s\"\r\n\r\n", boundary);
  g_string_append (out, "This is a MIME-encapsulated delivery status notification.\r\n\r\n");

  g_string_append_printf (out, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n",
                          boundary);
  append_explanation (out, report);
  g_string_append_printf (out, "\r\n--%s\r\nContent-Type: message/delivery-status\r\n\r\n",
                          boundary);
  append_status (out, report);
  g_string_append_printf (out, "\r\n--%s\r\n", boundary);
  append_original (out, report);
  g_string_append_printf (out, "\r\n--%s--\r\n", boundary);
  return g_string_free_to_bytes (out);
}
