/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Delivery status notifications (bounces): the RFC 3464 report an MTA
 * sends to a message's reverse-path, with MAIL FROM:<>, when it gives up
 * on some of its recipients (RFC 5321 §6.1, §4.4). */
#pragma once

#include <glib.h>

#include "generator.h"
#include "smtp-server.h"

G_BEGIN_DECLS

/* One per-recipient group of the message/delivery-status part (RFC 3464
 * §2.3). */
typedef struct
{
  const char *final_recipient;     /* the mailbox the MTA tried */
  const char *original_recipient;  /* ORCPT (RFC 3461 §4.2, "rfc822;x@y"), or NULL */
  const char *action;              /* "failed", "delayed", ... (§2.3.3) */
  const char *status;              /* RFC 3463 code, "5.1.1" (§2.3.4) */
  const char *remote_mta;          /* host that answered, or NULL (§2.3.5) */
  /* The SMTP reply that decided ("550 No such user here"), written as
   * "smtp; <reply>" (§2.3.6); or, with no reply, the MTA's own reason,
   * written as "X-Pochta; <reason>".  NULL: no Diagnostic-Code. */
  const char *smtp_reply;
  const char *reason;
  gint64 last_attempt;             /* µs; 0: no Last-Attempt-Date (§2.3.7) */
} PochtaDsnRecipient;

typedef struct
{
  const char *reporting_mta;     /* this host (§2.2.2) */
  const char *reverse_path;      /* whom the report goes to */
  const char *envid;             /* ENVID of the original (§2.2.1), or NULL */
  gint64 arrival_date;           /* µs (§2.2.5) */
  int utc_offset_minutes;        /* zone of the dates */
  PochtaDsnRet ret; /* FULL: the whole original; else its header only (RFC 3461 §4.3) */
  GBytes *original;              /* the message as queued */
  const PochtaDsnRecipient *recipients;
  guint n_recipients;
} PochtaDsnReport;

/* The whole report message, header included, CRLF lines:
 * multipart/report; report-type=delivery-status (RFC 6522) with a
 * text/plain explanation, the message/delivery-status part and the
 * original as message/rfc822 or text/rfc822-headers.  Date:, Message-ID:
 * and the boundary come from generator. */
GBytes *pochta_dsn_build (const PochtaDsnReport *report, PochtaGenerator *generator);

/* The RFC 3463 status of an SMTP reply: its enhanced status code when its
 * text starts with one of the reply's class (RFC 2034 §4), otherwise the
 * class alone, "5.0.0" or "4.0.0" (RFC 3463 §3.1, "Other undefined"). */
char *pochta_dsn_status_of_reply (guint code, const char *text);

G_END_DECLS
