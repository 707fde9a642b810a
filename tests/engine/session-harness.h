/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A test driver for any sans-I/O server session (SMTP, POP3): feeds bytes
 * three ways (one buffer, byte by byte, seeded random chunks) through
 * function pointers, and plays golden .transcript files.
 *
 * Transcript format, one directive per line:
 *
 *   # comment                  ignored, as are blank lines
 *   @key value                 a setting for the test's session factory
 *   S: text                    the session must write exactly "text" CRLF
 *   S: /regex/                 ... a line the regex matches whole (GRegex)
 *   C: text                    the client sends "text" CRLF; "C:" alone
 *                              sends an empty line (a DATA body's blank
 *                              line), "C: ." the end of data, "C: ..x" a
 *                              stuffed line
 *   B: escaped                 the client sends these bytes and nothing
 *                              else: \r \n \t \0 \\ \xHH, and \{N:text}
 *                              for text repeated N times (\} inside it)
 *   E:                         the client closes the connection
 *   C[N]: / B[N]: / S[N]:      the same directive N times
 *
 * The S: lines that follow a group of C:/B:/E: lines must be exactly
 * what the session wrote in answer to that group, no more, no fewer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  POCHTA_FEED_WHOLE,      /* each piece of input in one feed call */
  POCHTA_FEED_BYTEWISE,   /* one byte per call */
  POCHTA_FEED_RANDOM,     /* chunks of 1..64 bytes from a seeded GRand */
  POCHTA_FEED_N_MODES
} PochtaFeedMode;

const char *pochta_feed_mode_to_string (PochtaFeedMode mode);

/* How to drive one kind of session.  session is whatever create returns
 * (typically a fixture that owns the session). */
typedef struct
{
  /* A new session whose greeting (and any setup the test wants) is
   * already queued. */
  gpointer (*create) (gpointer create_data);
  void (*destroy) (gpointer session);
  gssize (*feed) (gpointer session, const guint8 *data, gsize len);
  void (*feed_eof) (gpointer session);
  gsize (*peek_output) (gpointer session, const guint8 **out_data);
  void (*consume_output) (gpointer session, gsize n_bytes);
} PochtaSessionOps;

/* Appends all pending output to out (may be NULL to discard it) and
 * consumes it; returns how many bytes that was. */
gsize pochta_harness_drain (const PochtaSessionOps *ops, gpointer session, GByteArray *out);

/* Feeds input in the given way, draining the output into out after every
 * feed call.  Stops early when the session takes no more (feed returns a
 * negative number, or nothing even with its output drained: after QUIT).
 * Returns the bytes the session consumed. */
gsize pochta_harness_feed (const PochtaSessionOps *ops,
                           gpointer                session,
                           const guint8           *input,
                           gsize                   len,
                           PochtaFeedMode          mode,
                           guint32                 seed,
                           GByteArray             *out);

/* Called after each way of feeding a row with the session (not yet
 * destroyed), everything it wrote after its creation, and the bytes it
 * consumed. */
typedef void (*PochtaHarnessCheck) (gpointer          session,
                                    const GByteArray *output,
                                    gsize             consumed,
                                    PochtaFeedMode    mode,
                                    gpointer          check_data);

/* Creates a session per way of feeding, discards what it wrote at
 * creation, feeds input (then end of input when eof), and asserts that
 * the output equals expected_output (unless NULL) and is the same all
 * three ways; then calls check (unless NULL).  Failures name the way
 * and the seed. */
void pochta_harness_run_three_ways (const PochtaSessionOps *ops,
                                    gpointer                create_data,
                                    const guint8           *input,
                                    gsize                   len,
                                    gboolean                eof,
                                    guint32                 seed,
                                    const char             *expected_output,
                                    PochtaHarnessCheck      check,
                                    gpointer                check_data);

typedef struct _PochtaGoldenTranscript PochtaGoldenTranscript;

PochtaGoldenTranscript *pochta_golden_transcript_load (const char *path, GError **error);
void pochta_golden_transcript_free (PochtaGoldenTranscript *self);
/* The value of "@key value", or NULL. */
const char *pochta_golden_transcript_get_setting (PochtaGoldenTranscript *self, const char *key);
/* A seed for the random chunks, fixed for the file (its base name). */
guint32 pochta_golden_transcript_get_seed (PochtaGoldenTranscript *self);

/* Plays the transcript against a new session.  FALSE with error
 * (file:line, way of feeding, seed, expected and actual line) at the
 * first difference. */
gboolean pochta_golden_transcript_run (PochtaGoldenTranscript       *self,
                                const PochtaSessionOps *ops,
                                gpointer                create_data,
                                PochtaFeedMode          mode,
                                GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaGoldenTranscript, pochta_golden_transcript_free)

G_END_DECLS
