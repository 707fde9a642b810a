/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Mail user agents: the letter a user writes (RFC 5322 header, MIME when
 * the text is not ASCII), its submission through the user's own host,
 * and fetching over POP3 (simulation.h describes both). */
#pragma once

#include <glib.h>

#include "directory.h"
#include "generator.h"
#include "simulation-private.h"

G_BEGIN_DECLS

/* The letter from user to the NULL-terminated mailboxes: Date:, From:,
 * To:, Subject: (RFC 2047 encoded-words when not ASCII), Message-ID:
 * (RFC 5322 §3.6), then the body with CRLF line ends; MIME-Version and a
 * UTF-8 text/plain Content-Type with 8bit encoding when the body is not
 * ASCII (RFC 2045 §4, §5, §6). */
GBytes *pochta_mua_compose (const PochtaUser  *user,
                            const char *const *to,
                            const char        *subject,
                            const char        *body,
                            PochtaGenerator   *generator);

/* Starts the agent's submission; errors for an unknown user, a host that
 * is down or has no SMTP service, or a malformed recipient. */
gboolean pochta_mua_submit (PochtaSimContext  *context,
                            const char        *from_mailbox,
                            const char *const *to,
                            const char        *subject,
                            const char        *body,
                            GError           **error);
/* Starts the agent's POP3 session; what it retrieves is added to
 * context->fetched. */
gboolean pochta_mua_fetch (PochtaSimContext *context,
                           const char       *user_mailbox,
                           gboolean          keep,
                           GError          **error);

G_END_DECLS
