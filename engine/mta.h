/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The outgoing side of a simulated host's MTA: a queue of messages with
 * per-recipient state, routing by MX (implicit MX, preference order,
 * backup MX), retries in virtual time with backoff, giving up, and
 * bounces as RFC 3464 reports (RFC 5321 §4.5.4.1, §5.1, §6.1).
 *
 * The MTA decides; its driver acts.  When an attempt is due the MTA hands
 * the driver a PochtaMtaAttempt (which recipients, which exchangers in
 * which order); the driver runs the SMTP sessions, tells the MTA each
 * recipient's reply and finishes the attempt.  Timers run on the
 * simulation's scheduler.
 *
 * Policies (RFC 5321 leaves them to the implementation):
 *   - One transaction per destination: the recipients of a message with
 *     the same domain (or all of them, through a relay host) go in one
 *     attempt (§4.5.4.1, checklist Q07).
 *   - Exchangers are tried in preference order; when this host is one of
 *     them, it and every exchanger of its preference or worse are dropped
 *     (§5.1), and nothing left means "mail loops back to myself" (5.4.6).
 *     A domain with no MX is its own implicit MX when it names a host
 *     (§5.1); otherwise the address fails with 5.1.2.  The next exchanger
 *     is tried only when the connection could not be made.
 *   - A 4yz reply or no connection keeps the recipient queued; a 5yz
 *     reply fails it.  Retries come retry_initial after the first try
 *     (30 min, §4.5.4.1 "at least 30 minutes"), the interval doubling up
 *     to retry_max (2 h: checklist §3.3 "then every 2-3 h"), and the last
 *     try falls at arrival + give_up (5 days, §4.5.4.1 "at least 4-5
 *     days"); a recipient still queued then fails with 5.4.7 (RFC 3463
 *     "delivery time expired").
 *   - The failures of one attempt are reported together in one bounce
 *     (§4.4 allows one report for several recipients), sent with MAIL
 *     FROM:<> to the reverse-path.  A message whose reverse-path is <>
 *     never causes a bounce (§6.1), nor does a recipient with
 *     NOTIFY=NEVER or a NOTIFY list without FAILURE (RFC 3461 §4.1). */
#pragma once

#include <glib.h>

#include "dsn.h"
#include "generator.h"
#include "network.h"
#include "scheduler.h"
#include "smtp-server.h"

G_BEGIN_DECLS

typedef struct
{
  gint64 retry_initial;   /* µs; 0: 30 minutes */
  gint64 retry_max;       /* µs; 0: 2 hours */
  gint64 give_up;         /* µs; 0: 5 days */
} PochtaMtaConfig;

void pochta_mta_config_init_defaults (PochtaMtaConfig *config);

typedef enum
{
  POCHTA_MTA_RECIPIENT_QUEUED,     /* waiting for its next attempt */
  POCHTA_MTA_RECIPIENT_SENDING,    /* an attempt is under way */
  POCHTA_MTA_RECIPIENT_DELIVERED,  /* the next hop answered 2yz */
  POCHTA_MTA_RECIPIENT_FAILED,     /* 5yz, no route, or given up: bounced */
} PochtaMtaRecipientState;

const char *pochta_mta_recipient_state_to_string (PochtaMtaRecipientState state);

typedef struct
{
  char *mailbox;
  char *orcpt;                     /* RFC 3461 ORCPT, or NULL */
  PochtaDsnNotify notify;
  PochtaMtaRecipientState state;
  guint code;                      /* the last reply's code, 0 when none */
  char *reply;                     /* "550 No such user here", or NULL */
  char *reason;                    /* why, when no reply decided ("connection refused") */
  char *status;                    /* RFC 3463 status of the last outcome, or NULL */
  char *remote_mta;                /* who answered, or NULL */
  gint64 last_attempt;             /* µs, 0 before the first */
} PochtaMtaRecipient;

typedef struct
{
  char *id;
  char *reverse_path;              /* "" for the null sender */
  GPtrArray *recipients;           /* of PochtaMtaRecipient* */
  GBytes *message;
  gint64 arrival_time;
  gint64 next_attempt;             /* µs; -1 while an attempt runs */
  guint attempts;
  /* The login whose credentials the hop uses, or NULL: see host.h. */
  char *auth_login;
  PochtaDsnRet ret;
  char *envid;
} PochtaMtaEntry;

/* One delivery attempt: some recipients of an entry, one destination. */
typedef struct
{
  PochtaMtaEntry *entry;
  GPtrArray *recipients;           /* of PochtaMtaRecipient*, borrowed from entry */
  GStrv exchangers;                /* host names to try, best first */
} PochtaMtaAttempt;

typedef struct _PochtaMta PochtaMta;

typedef struct
{
  /* Run the attempt: connect to the exchangers in order and report with
   * pochta_mta_attempt_set_reply () / _set_unreachable (), then
   * pochta_mta_attempt_finish ().  May finish before returning. */
  void (*start_attempt) (PochtaMta *mta, PochtaMtaAttempt *attempt, gpointer user_data);
  /* A bounce this MTA generated, to be accepted on its own host as if
   * received (local delivery or the queue). */
  void (*inject) (PochtaMta  *mta,
                  const char *reverse_path,
                  const char *recipient,
                  GBytes     *message,
                  gpointer    user_data);
  /* An event for the transcript: "queued", "deferred", "relayed", ... */
  void (*record) (PochtaMta *mta, const char *event, const char *text, gpointer user_data);
  /* FALSE while the host is down: due attempts wait until run_due (). */
  gboolean (*is_up) (PochtaMta *mta, gpointer user_data);
  /* Whether name is a host of the network (for the implicit MX); NULL:
   * the network's own, slower, lookup. */
  gboolean (*host_exists) (PochtaMta *mta, const char *name, gpointer user_data);
  gpointer user_data;
} PochtaMtaDriver;

/* network, scheduler and generator are borrowed; config NULL: defaults. */
PochtaMta *pochta_mta_new (const char            *hostname,
                           PochtaNetwork         *network,
                           PochtaScheduler       *scheduler,
                           PochtaGenerator       *generator,
                           const PochtaMtaConfig *config,
                           const PochtaMtaDriver *driver);
void pochta_mta_free (PochtaMta *self);

const char *pochta_mta_get_hostname (PochtaMta *self);
void pochta_mta_set_config (PochtaMta *self, const PochtaMtaConfig *config);
void pochta_mta_get_config (PochtaMta *self, PochtaMtaConfig *out_config);
/* Send everything through this host instead of by MX (a smart host, as
 * Postfix's relayhost); NULL: route by MX. */
void pochta_mta_set_relay_host (PochtaMta *self, const char *relay_host);
const char *pochta_mta_get_relay_host (PochtaMta *self);

/* A new entry for message from reverse_path ("" for <>), to be given
 * recipients and then to pochta_mta_enqueue (). */
PochtaMtaEntry *pochta_mta_entry_new (const char *reverse_path, GBytes *message);
void pochta_mta_entry_free (PochtaMtaEntry *entry);
void pochta_mta_entry_add_recipient (PochtaMtaEntry  *entry,
                                     const char      *mailbox,
                                     PochtaDsnNotify  notify,
                                     const char      *orcpt);

/* Takes entry (with at least one recipient), gives it an id and arrival
 * time and schedules its first attempt now. */
void pochta_mta_enqueue (PochtaMta *self, PochtaMtaEntry *entry);

/* The exchangers for domain, best first, after the §5.1 rules above;
 * NULL with *out_status and *out_reason set when there is no route. */
GStrv pochta_mta_route (PochtaMta   *self,
                        const char  *domain,
                        const char **out_status,
                        const char **out_reason);

void pochta_mta_attempt_set_reply (PochtaMtaAttempt *attempt,
                                   guint             index,
                                   guint             code,
                                   const char       *text,
                                   const char       *remote_mta);
/* No exchanger could be reached: every recipient still sending stays
 * queued with reason (status 4.4.1, RFC 3463 "no answer from host"). */
void pochta_mta_attempt_set_unreachable (PochtaMtaAttempt *attempt, const char *reason);
/* Frees the attempt and settles its entry once no attempt of it runs:
 * bounce, retry or removal. */
void pochta_mta_attempt_finish (PochtaMta *self, PochtaMtaAttempt *attempt);

/* Entries in order of arrival (borrowed; valid until the MTA runs). */
GPtrArray *pochta_mta_dup_queue (PochtaMta *self);
guint pochta_mta_get_queue_length (PochtaMta *self);

/* RFC 1985 ETRN: attempts now every entry with queued recipients whose
 * domain is node ("@node": node or a subdomain of it).  Returns how many
 * entries, or -1 for a node form this MTA does not serve ("#queue"). */
int pochta_mta_flush (PochtaMta *self, const char *node);
/* Starts the attempts that fell due while the driver said the host was
 * down. */
void pochta_mta_run_due (PochtaMta *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaMta, pochta_mta_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaMtaEntry, pochta_mta_entry_free)

G_END_DECLS
