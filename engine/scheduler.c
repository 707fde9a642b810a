/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulation's event queue: a binary min-heap ordered by (time, id). */
#define G_LOG_DOMAIN "pochta-scheduler"
#include "config.h"

#include "scheduler.h"

typedef struct
{
  gint64 time;
  /* Ids grow with every add, so ordering by id among equal times is the
   * order of adding: the stable tie-break that makes runs repeatable. */
  guint64 id;
  PochtaSchedulerFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  gboolean cancelled;
} Event;

struct _PochtaScheduler
{
  gint64 now;
  guint64 last_id;
  GPtrArray *heap;        /* of Event*; heap[0] is due first */
  GHashTable *by_id;      /* id -> Event*, pending ones only */
  guint n_cancelled;      /* cancelled events still in the heap */
};

static void
event_free (Event *event)
{
  if (event->destroy != NULL)
    event->destroy (event->user_data);
  g_free (event);
}

PochtaScheduler *
pochta_scheduler_new (gint64 start_time)
{
  PochtaScheduler *self = g_new0 (PochtaScheduler, 1);
  self->now = start_time;
  self->heap = g_ptr_array_new ();
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  return self;
}

void
pochta_scheduler_free (PochtaScheduler *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->by_id);
  for (guint i = 0; i < self->heap->len; i++)
    event_free (g_ptr_array_index (self->heap, i));
  g_ptr_array_unref (self->heap);
  g_free (self);
}

gint64
pochta_scheduler_get_time (PochtaScheduler *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->now;
}

static gboolean
is_earlier (const Event *a, const Event *b)
{
  return a->time < b->time || (a->time == b->time && a->id < b->id);
}

static void
swap (GPtrArray *heap, guint i, guint j)
{
  gpointer tmp = heap->pdata[i];
  heap->pdata[i] = heap->pdata[j];
  heap->pdata[j] = tmp;
}

static void
sift_up (GPtrArray *heap, guint i)
{
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      if (!is_earlier (heap->pdata[i], heap->pdata[parent]))
        break;
      swap (heap, i, parent);
      i = parent;
    }
}

static void
sift_down (GPtrArray *heap, guint i)
{
  for (;;)
    {
      guint first = i;
      guint left = 2 * i + 1, right = left + 1;
      if (left < heap->len && is_earlier (heap->pdata[left], heap->pdata[first]))
        first = left;
      if (right < heap->len && is_earlier (heap->pdata[right], heap->pdata[first]))
        first = right;
      if (first == i)
        return;
      swap (heap, i, first);
      i = first;
    }
}

static Event *
pop_first (PochtaScheduler *self)
{
  GPtrArray *heap = self->heap;
  Event *first = heap->pdata[0];

  heap->pdata[0] = heap->pdata[heap->len - 1];
  g_ptr_array_set_size (heap, heap->len - 1);
  if (heap->len > 0)
    sift_down (heap, 0);
  return first;
}

/* Cancelled events stay in the heap until they surface; dropping them
 * there keeps cancel O(1). */
static void
drop_cancelled (PochtaScheduler *self)
{
  while (self->heap->len > 0 && ((Event *) self->heap->pdata[0])->cancelled)
    {
      event_free (pop_first (self));
      self->n_cancelled--;
    }
}

/* A timer cancelled long before it is due (the MTA's retry and give-up
 * timers, days ahead) would stay in the heap for the whole run and slow
 * every step: once they are half of it, they go, and the heap is rebuilt
 * in linear time. */
static void
compact (PochtaScheduler *self)
{
  GPtrArray *heap = self->heap;
  guint kept = 0;

  if (heap->len < 64 || self->n_cancelled * 2 < heap->len)
    return;
  for (guint i = 0; i < heap->len; i++)
    {
      Event *event = heap->pdata[i];
      if (event->cancelled)
        event_free (event);
      else
        heap->pdata[kept++] = event;
    }
  g_ptr_array_set_size (heap, kept);
  self->n_cancelled = 0;
  for (guint i = kept / 2; i-- > 0;)
    sift_down (heap, i);
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

  Event *event = g_new0 (Event, 1);
  event->time = time;
  event->id = ++self->last_id;
  event->func = func;
  event->user_data = user_data;
  event->destroy = destroy;
  g_ptr_array_add (self->heap, event);
  sift_up (self->heap, self->heap->len - 1);
  g_hash_table_insert (self->by_id, &event->id, event);
  return event->id;
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

  Event *event = g_hash_table_lookup (self->by_id, &id);
  if (event == NULL)
    return FALSE;
  g_hash_table_remove (self->by_id, &id);
  event->cancelled = TRUE;
  self->n_cancelled++;
  drop_cancelled (self);
  compact (self);
  return TRUE;
}

guint
pochta_scheduler_get_n_pending (PochtaScheduler *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->by_id);
}

gboolean
pochta_scheduler_peek_time (PochtaScheduler *self, gint64 *out_time)
{
  g_return_val_if_fail (self != NULL, FALSE);

  drop_cancelled (self);
  if (self->heap->len == 0)
    return FALSE;
  if (out_time != NULL)
    *out_time = ((Event *) self->heap->pdata[0])->time;
  return TRUE;
}

gboolean
pochta_scheduler_step (PochtaScheduler *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  drop_cancelled (self);
  if (self->heap->len == 0)
    return FALSE;
  Event *event = pop_first (self);
  g_hash_table_remove (self->by_id, &event->id);
  self->now = event->time;
  event->func (event->user_data);
  event_free (event);
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
