/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the simulation's parts record in the transcript: lines said on
 * connections and MTA events, at once or, while the loopback bridge
 * writes its replies, held back in plain buffers and recorded after
 * (pochta_simulation_set_defer_recording), in the same order. */
#define G_LOG_DOMAIN "pochta-simulation"
#include "config.h"

#include <string.h>

#include "byte-array-private.h"
#include "format.h"
#include "simulation-private.h"

/* An item held back (pochta_simulation_set_defer_recording): a line, its
 * text at text_offset in the context's held_text (line.text is unset,
 * since held_text may move), or an MTA event, whose host and event names
 * are there before its text, each ending in NUL. */
typedef struct _PochtaHeldItem
{
  PochtaSaidLine line;  /* its time only, for an event */
  gsize text_offset;
  gboolean is_event;
} PochtaHeldItem;

/* The next held item, zeroed, its text to come at the end of held_text. */
static PochtaHeldItem *
hold_item (PochtaSimContext *context)
{
  context->held_items = pochta_buffer_reserve (context->held_items, &context->held_room,
                                               (context->n_held + 1) * sizeof (PochtaHeldItem),
                                               64 * sizeof (PochtaHeldItem));
  PochtaHeldItem *item = &context->held_items[context->n_held++];
  *item = (PochtaHeldItem){ .text_offset = context->held_text_len };
  return item;
}

static void
hold_text (PochtaSimContext *context, const char *text, gsize length)
{
  if (length == 0)
    return;
  context->held_text = pochta_buffer_reserve (context->held_text, &context->held_text_room,
                                              context->held_text_len + length, 4096);
  memcpy (context->held_text + context->held_text_len, text, length);
  context->held_text_len += length;
}

static void
add_line (PochtaSimContext *context, const PochtaSaidLine *line, const char *text, gsize length)
{
  /* The limit may have been reached by a line held back before this one. */
  if (!context->record_lines)
    return;
  pochta_sim_context_item_added (
    context, pochta_transcript_add_line (context->transcript, line->connection_id, line->time,
                                         line->direction, text, length, line->in_data,
                                         line->state_before, line->state_after));
}

/* Each of the line's n_lines lines (text, joined by LF) an item of its own. */
static void
add_lines (PochtaSimContext *context, const PochtaSaidLine *line, const char *text)
{
  const char *end = text + line->length;

  /* All at once when nobody is told of each item and the line limit is
   * not among them: then telling the context of the last is enough. */
  if (line->n_lines > 1 && context->record_lines && !context->announce_items
      && (context->line_limit == 0
          || pochta_transcript_get_n_lines (context->transcript) + line->n_lines < context->line_limit))
    {
      pochta_sim_context_item_added (
        context, pochta_transcript_add_lines (context->transcript, line->connection_id, line->time,
                                              line->direction, text, line->length, line->n_lines,
                                              line->in_data, line->state_before, line->state_after));
      return;
    }

  for (guint i = 1; i < line->n_lines; i++)
    {
      const char *lf = memchr (text, '\n', (gsize) (end - text));
      g_assert (lf != NULL);
      add_line (context, line, text, (gsize) (lf - text));
      text = lf + 1;
    }
  add_line (context, line, text, (gsize) (end - text));
}

static void
add_event (PochtaSimContext *context,
           gint64            time,
           const char       *host,
           const char       *event,
           const char       *text)
{
  if (!context->record_events)
    {
      /* Announced, not kept: the item lives for the signal only. */
      PochtaTranscriptItem item = {
        .index = pochta_transcript_get_n_items (context->transcript),
        .kind = POCHTA_ITEM_MTA,
        .time = time,
        .text = (char *) text,
        .length = strlen (text),
        .host = (char *) host,
        .event = (char *) event,
      };
      pochta_sim_context_item_added (context, &item);
      return;
    }
  pochta_sim_context_item_added (
    context, pochta_transcript_add_mta_event (context->transcript, time, host, event, text));
}

/* Whether items are held back now: never while they are announced, since
 * whoever listens shows them at once. */
static gboolean
holding (PochtaSimContext *context)
{
  return context->defer_recording && !context->announce_items;
}

void
pochta_sim_context_record_line (PochtaSimContext *context, const PochtaSaidLine *line)
{
  if (!holding (context))
    {
      add_lines (context, line, line->text);
      return;
    }
  PochtaHeldItem *held = hold_item (context);
  held->line = *line;
  held->line.text = NULL;
  hold_text (context, line->text, line->length);
}

/* held_text: the text buffer the item was held in. */
static void
add_held_item (PochtaSimContext *context, const PochtaHeldItem *held, const char *held_text)
{
  if (held->is_event)
    {
      const char *host = held_text + held->text_offset;
      const char *event = host + strlen (host) + 1;
      add_event (context, held->line.time, host, event, event + strlen (event) + 1);
      return;
    }
  /* Nothing was ever held when every held line so far was empty. */
  add_lines (context, &held->line, held_text != NULL ? held_text + held->text_offset : "");
}

/* Records the held items.  They are taken out of the context first:
 * recording one may hold more (a handler of the signal it raises, the
 * line limit's, recording an event), and those go into fresh buffers,
 * so nothing moves under the loop.  They are recorded right after the
 * item that caused them, where recording at once would have put them
 * (with the current time, not that item's).  The buffers go back for
 * the next items unless nested ones brought their own. */
static void
record_held (PochtaSimContext *context)
{
  PochtaHeldItem *items = g_steal_pointer (&context->held_items);
  gsize n_items = context->n_held;
  gsize items_room = context->held_room;
  char *text = g_steal_pointer (&context->held_text);
  gsize text_room = context->held_text_room;

  context->n_held = context->held_room = 0;
  context->held_text_len = context->held_text_room = 0;
  for (gsize i = 0; i < n_items; i++)
    {
      add_held_item (context, &items[i], text);
      if (context->n_held > 0)
        record_held (context);
    }
  if (context->held_items == NULL)
    {
      context->held_items = items;
      context->held_room = items_room;
    }
  else
    g_free (items);
  if (context->held_text == NULL)
    {
      context->held_text = text;
      context->held_text_room = text_room;
    }
  else
    g_free (text);
}

void
pochta_sim_context_clear_recording (PochtaSimContext *context)
{
  g_clear_pointer (&context->held_items, g_free);
  g_clear_pointer (&context->held_text, g_free);
  context->n_held = context->held_room = 0;
  context->held_text_len = context->held_text_room = 0;
}

void
pochta_sim_context_flush_recording (PochtaSimContext *context)
{
  /* Recording a line may reach the limit, whose signal's handler may ask
   * for the transcript: the items are being recorded already. */
  if (context->flushing || context->n_held == 0)
    return;
  context->flushing = TRUE;
  record_held (context);
  context->flushing = FALSE;
}

static void
count_event (PochtaSimContext *context, const char *event)
{
  guint64 *count = g_hash_table_lookup (context->event_counts, event);
  if (count == NULL)
    {
      count = g_new0 (guint64, 1);
      g_hash_table_insert (context->event_counts, g_strdup (event), count);
    }
  (*count)++;
}

void
pochta_sim_context_record (PochtaSimContext *context,
                           const char       *host,
                           const char       *event,
                           const char       *format,
                           ...)
{
  g_return_if_fail (context != NULL && host != NULL && event != NULL);

  count_event (context, event);
  /* Neither kept nor announced: not even formatted. */
  if (!context->record_events && !context->announce_items)
    return;
  gint64 now = pochta_scheduler_get_time (context->scheduler);
  va_list args;
  va_start (args, format);
  g_autofree char *text = pochta_strdup_vprintf (format, args);
  va_end (args);
  if (!holding (context))
    {
      pochta_sim_context_flush_recording (context);
      add_event (context, now, host, event, text);
      return;
    }
  PochtaHeldItem *held = hold_item (context);
  held->line.time = now;
  held->is_event = TRUE;
  hold_text (context, host, strlen (host) + 1);
  hold_text (context, event, strlen (event) + 1);
  hold_text (context, text, strlen (text) + 1);
}
