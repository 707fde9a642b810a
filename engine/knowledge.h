/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reply-code knowledge base: what every SMTP reply code, enhanced
 * status code, POP3 status and SASL step means, its likely cause in a
 * Pochta session, what the client does next and the RFC section that rules
 * it (DESIGN.md §2.3).  The texts are data (data/kb/, Desktop Entry syntax,
 * translated through po/), compiled into the binaries.
 *
 * An entry is a group of a key file:
 *
 *   [Reply 550]            an SMTP reply code
 *   [Reply 550 RCPT]       the same code in answer to one command (CONNECT
 *                          for the greeting)
 *   [Status 5.1.1]         an enhanced status code (RFC 3463)
 *   [POP3 +OK]             a POP3 status indicator, [POP3 +OK RETR] in
 *   [POP3 -ERR]            answer to one command, [POP3 -ERR IN-USE] with
 *                          a response code (RFC 2449 §8, RFC 3206)
 *   [SASL 334]             a SASL step: the SMTP challenge ([SASL 334
 *   [SASL +]               CRAM-MD5] for one mechanism), the POP3
 *   [SASL *]               continuation, the client's cancel and its
 *   [SASL response]        answer to a challenge
 *
 * with the keys Title, Meaning, Cause, Next (translated: Title[ru]=...)
 * and Rfc.  One more group, [Labels], holds the words that introduce Cause
 * and Next when an entry is written on one line. */
#pragma once

#include <glib.h>

#include "transcript.h"

G_BEGIN_DECLS

typedef struct
{
  const char *key;       /* the group's name: "Reply 550 RCPT" */
  const char *title;
  const char *meaning;
  const char *cause;     /* the likely cause in a Pochta session */
  const char *next;      /* what the client does next */
  const char *rfc;       /* "RFC 5321 §3.3, §4.2.3"; never translated */
  /* The locale all four texts were taken from ("ru"), or NULL when any of
   * them is the English original. */
  const char *language;
} PochtaKnowledgeEntry;

typedef struct _PochtaKnowledge PochtaKnowledge;

#define POCHTA_KNOWLEDGE_ERROR (pochta_knowledge_error_quark ())
GQuark pochta_knowledge_error_quark (void);

typedef enum
{
  POCHTA_KNOWLEDGE_ERROR_PARSE,    /* not a key file */
  POCHTA_KNOWLEDGE_ERROR_INVALID,  /* a group or key the knowledge base does not allow */
} PochtaKnowledgeError;

/* An empty knowledge base whose texts are taken in language ("ru"; "C"
 * for the English originals; NULL for the user's languages, from LANGUAGE,
 * LC_ALL, LC_MESSAGES and LANG). */
PochtaKnowledge *pochta_knowledge_new (const char *language);
void pochta_knowledge_free (PochtaKnowledge *self);

/* Adds the entries of one file; name is for the error messages ("file:
 * [group]: ...").  Fails on a group name of none of the forms above, a
 * missing or empty key, or an entry that is already there; then nothing of
 * the file is added. */
gboolean pochta_knowledge_add_data (PochtaKnowledge *self,
                                    const char      *name,
                                    const char      *data,
                                    gsize            length,
                                    GError         **error);

/* The knowledge base compiled into the binaries. */
PochtaKnowledge *pochta_knowledge_load_builtin (const char *language, GError **error);

/* Every entry, ordered by key (of const PochtaKnowledgeEntry*). */
GPtrArray *pochta_knowledge_list (PochtaKnowledge *self);

/* By the exact group name, case-insensitively; NULL when absent. */
const PochtaKnowledgeEntry *pochta_knowledge_get (PochtaKnowledge *self, const char *key);

/* [Reply code verb], else [Reply code]; verb may be NULL.  334 is the
 * SASL challenge: its entry is [SASL 334]. */
const PochtaKnowledgeEntry *pochta_knowledge_lookup_reply (PochtaKnowledge *self,
                                                           guint            code,
                                                           const char      *verb);

/* [Status 5.1.1]; NULL for a code with no entry. */
const PochtaKnowledgeEntry *pochta_knowledge_lookup_status (PochtaKnowledge *self, const char *status);

/* +OK: [POP3 +OK verb], else [POP3 +OK].  -ERR: [POP3 -ERR code], else
 * its parent levels ("SYS/TEMP", then "SYS"; RFC 2449 §8), else
 * [POP3 -ERR].  code and verb may be NULL. */
const PochtaKnowledgeEntry *pochta_knowledge_lookup_pop3 (PochtaKnowledge *self,
                                                          gboolean         ok,
                                                          const char      *code,
                                                          const char      *verb);

/* step is "334", "+", "*" or "response"; [SASL step mechanism], else
 * [SASL step].  mechanism may be NULL. */
const PochtaKnowledgeEntry *pochta_knowledge_lookup_sasl (PochtaKnowledge *self,
                                                          const char      *step,
                                                          const char      *mechanism);

/* What `pochta-cli explain` takes: "550", "550 RCPT", "5.1.1", "+OK",
 * "+OK RETR", "-ERR", "-ERR [IN-USE]", "-ERR IN-USE", "[IN-USE]", "334",
 * "334 CRAM-MD5", "+", "*", or a group name ("SASL response").  Any case,
 * any spacing.  NULL when the query is none of these or has no entry. */
const PochtaKnowledgeEntry *pochta_knowledge_lookup (PochtaKnowledge *self, const char *query);

/* The shortest query that finds entry, as a user would type it: "550
 * RCPT", "5.1.1", "-ERR [IN-USE]", "334 CRAM-MD5", "SASL response". */
char *pochta_knowledge_format_query (const PochtaKnowledgeEntry *entry);

/* The entry that explains one line of a transcript, given the client
 * command it answers (the last line with a verb on its connection before
 * it; NULL for none, e.g. the greeting).  Server lines: the reply, status
 * or SASL challenge; client lines: a SASL response or cancel after AUTH.
 * NULL for commands, message content, events and lines with no entry. */
const PochtaKnowledgeEntry *pochta_knowledge_explain_item (PochtaKnowledge            *self,
                                                           const PochtaTranscriptItem *item,
                                                           const PochtaTranscriptItem *command);

/* The entry on one line: "Title. Meaning Likely cause: ... Next: ...
 * (RFC ...)", with the [Labels] words of the knowledge base's language. */
char *pochta_knowledge_format_line (PochtaKnowledge *self, const PochtaKnowledgeEntry *entry);

/* Explains the lines of one transcript for an exporter: finds each line's
 * command, explains only the first line of a multi-line reply, and adds
 * the enhanced status code's title to an SMTP reply that carries one.  It
 * borrows the knowledge base and the transcript, which must outlive it. */
typedef struct _PochtaKnowledgeExplainer PochtaKnowledgeExplainer;

PochtaKnowledgeExplainer *pochta_knowledge_explainer_new (PochtaKnowledge  *knowledge,
                                                          PochtaTranscript *transcript);
void pochta_knowledge_explainer_free (PochtaKnowledgeExplainer *self);

/* A PochtaExplainFunc (transcript-export.h) with the explainer as its
 * user_data: the item's explanation on one line, or NULL.  The text lives
 * as long as the explainer. */
const char *pochta_knowledge_explainer_explain (const PochtaTranscriptItem *item, gpointer explainer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaKnowledge, pochta_knowledge_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaKnowledgeExplainer, pochta_knowledge_explainer_free)

G_END_DECLS
