/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the event FIFO that sits between feed () and next_event (). */
#include "config.h"

#include "event-queue-private.h"

static void
push_numbered (PochtaEventQueue *queue, guint n)
{
  g_autofree char *text = g_strdup_printf ("%u", n);
  pochta_event_queue_push_line (queue, POCHTA_EVENT_LINE_SENT, text, strlen (text), n, 0, FALSE);
}

static guint
pop_number (PochtaEventQueue *queue)
{
  PochtaEvent event;
  g_assert_true (pochta_event_queue_pop (queue, &event));
  guint n = event.code;
  g_assert_cmpuint (g_ascii_strtoull (event.text, NULL, 10), ==, n);
  pochta_event_clear (&event);
  return n;
}

/* Order survives any interleaving of pushes and pops, including the
 * compaction of a queue that is never drained completely. */
static void
test_fifo_order (void)
{
  g_autoptr (PochtaEventQueue) queue = pochta_event_queue_new ();
  guint next_in = 0, next_out = 0;
  GRand *rand = g_rand_new_with_seed (7);

  for (guint round = 0; round < 2000; round++)
    {
      guint pushes = (guint) g_rand_int_range (rand, 0, 9);
      for (guint i = 0; i < pushes; i++)
        push_numbered (queue, next_in++);
      /* Pop a little less than was pushed so the queue rarely empties. */
      guint wanted = (guint) g_rand_int_range (rand, 0, 8);
      guint pops = MIN (wanted, next_in - next_out);
      for (guint i = 0; i < pops; i++)
        g_assert_cmpuint (pop_number (queue), ==, next_out++);
    }
  while (next_out < next_in)
    g_assert_cmpuint (pop_number (queue), ==, next_out++);
  g_assert_true (pochta_event_queue_is_empty (queue));

  PochtaEvent none;
  g_assert_false (pochta_event_queue_pop (queue, &none));
  g_assert_cmpint (none.type, ==, POCHTA_EVENT_NONE);
  g_assert_null (none.text);
  g_rand_free (rand);
}

/* Freeing a queue frees the events nobody pulled (ASan checks it). */
static void
test_free_with_pending (void)
{
  PochtaEventQueue *queue = pochta_event_queue_new ();
  for (guint i = 0; i < 100; i++)
    push_numbered (queue, i);
  g_assert_cmpuint (pop_number (queue), ==, 0);
  pochta_event_queue_push_text (queue, POCHTA_EVENT_CLOSED, "QUIT");
  pochta_event_queue_free (queue);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/event/fifo-order", test_fifo_order);
  g_test_add_func ("/engine/event/free-with-pending", test_free_with_pending);
  return g_test_run ();
}
