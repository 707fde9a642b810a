/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulation's event queue: a binary min-heap ordered by (time, seq).
 *
 * Every segment on a simulated wire is one event, so adding and running
 * must cost no allocation: the heap holds small entries by value, and
 * each entry names a slot in a table of callbacks whose free slots are
 * reused.  An event's id is its slot and the slot's generation, so that
 * cancelling finds it without a lookup table, and an id whose event ran
 * or was cancelled no longer matches. */
#define G_LOG_DOMAIN "pochta-scheduler"
#include "config.h"

#include "scheduler.h"

#define NO_SLOT G_MAXUINT32

typedef struct
{
  gint64 time;
  /* Grows with every add, so ordering by seq among equal times is the
   * order of adding: the stable tie-break that makes runs repeatable. */
  guint64 seq;
  guint32 slot;
} Entry;

typedef enum
{
  SLOT_FREE,
  SLOT_PENDING,
  SLOT_CANCELLED,  /* its entry is still in the heap */
  SLOT_RUNNING,    /* its callback runs: too late to cancel */
} SlotState;

typedef struct
{
  PochtaSchedulerFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  guint32 generation;
  SlotState state;
  guint32 next_free;
} Slot;

struct _PochtaScheduler
{
  gint64 now;
  guint64 last_seq;
  GArray *heap;          /* of Entry; heap[0] is due first */
  GArray *slots;         /* of Slot */
  guint32 first_free;    /* NO_SLOT when every slot is in use */
  guint n_cancelled;     /* cancelled entries still in the heap */
};

static Entry *
entry_at (PochtaScheduler *self, guint i)
{
  return &g_array_index (self->heap, Entry, i);
}

static Slot *
slot_at (PochtaScheduler *self, guint32 slot)
{
  return &g_array_index (self->slots, Slot, slot);
}

static guint32
slot_take (PochtaScheduler *self)
{
  guint32 slot = self->first_free;

  if (slot == NO_SLOT)
    {
      Slot fresh = { 0 };
      slot = self->slots->len;
      g_array_append_val (self->slots, fresh);
    }
  else
    self->first_free = slot_at (self, slot)->next_free;
  return slot;
}

/* The slot is free again; its generation moves on so that its old id no
 * longer matches.  The callback's data is released last: its destroy
 * notify may add events of its own. */
static void
slot_release (PochtaScheduler *self, guint32 slot)
{
  Slot *s = slot_at (self, slot);
  GDestroyNotify destroy = s->destroy;
  gpointer user_data = s->user_data;

  s->state = SLOT_FREE;
  s->generation++;
  s->func = NULL;
  s->user_data = NULL;
  s->destroy = NULL;
  s->next_free = self->first_free;
  self->first_free = slot;
  if (destroy != NULL)
    destroy (user_data);
}

static guint64
slot_id (PochtaScheduler *self, guint32 slot)
{
  return ((guint64) slot_at (self, slot)->generation << 32) | ((guint64) slot + 1);
}

PochtaScheduler *
pochta_scheduler_new (gint64 start_time)
{
  PochtaScheduler *self = g_new0 (PochtaScheduler, 1);
  self->now = start_time;
  self->heap = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  self->first_free = NO_SLOT;
  return self;
}

void
pochta_scheduler_free (PochtaScheduler *self)
{
  if (self == NULL)
    return;
  /* Each destroy notify sees a heap without its own event. */
  while (self->heap->len > 0)
    {
      guint32 slot = entry_at (self, self->heap->len - 1)->slot;
      g_array_set_size (self->heap, self->heap->len - 1);
      slot_release (self, slot);
    }
  g_array_unref (self->heap);
  g_array_unref (self->slots);
  g_free (self);
}

gint64
pochta_scheduler_get_time (PochtaScheduler *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->now;
}

static gboolean
is_earlier (const Entry *a, const Entry *b)
{
  return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void
sift_up (GArray *heap, guint i)
{
  Entry *e = (Entry *) heap->data;
  Entry moving = e[i];

  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      if (!is_earlier (&moving, &e[parent]))
        break;
      e[i] = e[parent];
      i = parent;
    }
  e[i] = moving;
}

static void
sift_down (GArray *heap, guint i)
{
  Entry *e = (Entry *) heap->data;
  Entry moving = e[i];

  for (;;)
    {
      guint child = 2 * i + 1;
      if (child >= heap->len)
        break;
      if (child + 1 < heap->len && is_earlier (&e[child + 1], &e[child]))
        child++;
      if (!is_earlier (&e[child], &moving))
        break;
      e[i] = e[child];
      i = child;
    }
  e[i] = moving;
}

static Entry
pop_first (PochtaScheduler *self)
{
  GArray *heap = self->heap;
  Entry first = *entry_at (self, 0);

  *entry_at (self, 0) = *entry_at (self, heap->len - 1);
  heap->len--;  /* entries are plain values: nothing to clear */
  if (heap->len > 0)
    sift_down (heap, 0);
  return first;
}

/* Cancelled events stay in the heap until they surface; dropping them
 * there keeps cancel O(log n) at most. */
static void
drop_cancelled (PochtaScheduler *self)
{
  while (self->heap->len > 0 && slot_at (self, entry_at (self, 0)->slot)->state == SLOT_CANCELLED)
    {
      Entry entry = pop_first (self);
      self->n_cancelled--;
      slot_release (self, entry.slot);
    }
}

/* A timer cancelled long before it is due (the MTA's retry and give-up
 * timers, days ahead) would stay in the heap for the whole run and slow
 * every step: once they are half of it, they go, and the heap is rebuilt
 * in linear time. */
static void
compact (PochtaScheduler *self)
{
  GArray *heap = self->heap;
  g_autoptr (GArray) dropped = NULL;
  guint kept = 0;

  if (heap->len < 64 || self->n_cancelled * 2 < heap->len)
    return;
  dropped = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < heap->len; i++)
    {
      Entry *entry = entry_at (self, i);
      if (slot_at (self, entry->slot)->state == SLOT_CANCELLED)
        g_array_append_val (dropped, entry->slot);
      else
        *entry_at (self, kept++) = *entry;
    }
  heap->len = kept;
  self->n_cancelled = 0;
  for (guint i = kept / 2; i-- > 0;)
    sift_down (heap, i);
  /* Released once the heap is whole again: a destroy notify may add. */
  for (guint i = 0; i < dropped->len; i++)
    slot_release (self, g_array_index (dropped, guint32, i));
}

guint64
pochta_scheduler_add (PochtaScheduler    *self,
                      gint64              time,
                      PochtaSchedulerFunc func,
                      gpointer            user_data,
                      GDestroyNotify      destroy)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);
  g_return_val_if_fail (time >= self->now, 0);

  guint32 slot = slot_take (self);
  Slot *s = slot_at (self, slot);
  s->func = func;
  s->user_data = user_data;
  s->destroy = destroy;
  s->state = SLOT_PENDING;

  Entry entry = { time, ++self->last_seq, slot };
  g_array_append_val (self->heap, entry);
  sift_up (self->heap, self->heap->len - 1);
  return slot_id (self, slot);
}

guint64
pochta_scheduler_add_after (PochtaScheduler    *self,
                            gint64              delay,
                            PochtaSchedulerFunc func,
                            gpointer            user_data,
                            GDestroyNotify      destroy)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (delay >= 0, 0);
  return pochta_scheduler_add (self, self->now + delay, func, user_data, destroy);
}

gboolean
pochta_scheduler_cancel (PochtaScheduler *self, guint64 id)
{
  g_return_val_if_fail (self != NULL, FALSE);

  guint64 slot = (id & G_MAXUINT32) - 1;
  if ((id & G_MAXUINT32) == 0 || slot >= self->slots->len)
    return FALSE;
  Slot *s = slot_at (self, (guint32) slot);
  if (s->generation != (guint32) (id >> 32) || s->state != SLOT_PENDING)
    return FALSE;
  s->state = SLOT_CANCELLED;
  self->n_cancelled++;
  drop_cancelled (self);
  compact (self);
  return TRUE;
}

guint
pochta_scheduler_get_n_pending (PochtaScheduler *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->heap->len - self->n_cancelled;
}

gboolean
pochta_scheduler_peek_time (PochtaScheduler *self, gint64 *out_time)
{
  g_return_val_if_fail (self != NULL, FALSE);

  drop_cancelled (self);
  if (self->heap->len == 0)
    return FALSE;
  if (out_time != NULL)
    *out_time = entry_at (self, 0)->time;
  return TRUE;
}

gboolean
pochta_scheduler_step (PochtaScheduler *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  drop_cancelled (self);
  if (self->heap->len == 0)
    return FALSE;
  Entry entry = pop_first (self);
  /* The slot stays taken while the callback runs, so the data it is
   * given is released after it; func may add events, which may move the
   * table, hence the copies. */
  Slot *s = slot_at (self, entry.slot);
  PochtaSchedulerFunc func = s->func;
  gpointer user_data = s->user_data;
  s->state = SLOT_RUNNING;
  self->now = entry.time;
  func (user_data);
  slot_release (self, entry.slot);
  return TRUE;
}

guint
pochta_scheduler_run_until (PochtaScheduler *self, gint64 time)
{
  g_return_val_if_fail (self != NULL, 0);

  guint n_run = 0;
  gint64 next;
  while (pochta_scheduler_peek_time (self, &next) && next <= time)
    {
      pochta_scheduler_step (self);
      n_run++;
    }
  self->now = MAX (self->now, time);
  return n_run;
}
