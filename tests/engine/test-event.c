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

/* What the sink saw, one word an event: "L<text>" for a line, "S<new
 * state>" for a state change, "Q" for "the queue holds an event now". */
static void
note_in_sink (const PochtaEvent *event, gpointer user_data)
{
  GString *seen = user_data;

  if (seen->len > 0)
    g_string_append_c (seen, ' ');
  if (event->type == POCHTA_EVENT_NONE)
    g_string_append_c (seen, 'Q');
  else if (event->type == POCHTA_EVENT_STATE_CHANGED)
    g_string_append_printf (seen, "S%d", event->new_state);
  else
    {
      g_string_append_c (seen, 'L');
      g_string_append_len (seen, event->text, (gssize) event->length);
    }
}

static char *
drain_to_words (PochtaEventQueue *queue)
{
  GString *words = g_string_new (NULL);
  PochtaEvent event;

  while (pochta_event_queue_pop (queue, &event))
    {
      if (words->len > 0)
        g_string_append_c (words, ' ');
      g_string_append_printf (words, "%s:%s", pochta_event_type_to_string (event.type),
                              event.text != NULL ? event.text : "");
      pochta_event_clear (&event);
    }
  return g_string_free (words, FALSE);
}

/* Lines and state changes reach the sink at once, lent: the text is the
 * caller's own bytes, counted by length and not ended by NUL.  An event
 * the sink does not take queues, and everything behind it queues too,
 * so that the order of reporting survives; once the queue is drained
 * the sink takes events again, and without a sink all of them queue. */
static void
test_sink (void)
{
  g_autoptr (PochtaEventQueue) queue = pochta_event_queue_new ();
  g_autoptr (GString) seen = g_string_new (NULL);
  static const char buffer[] = "250 OKand more";

  pochta_event_queue_set_sink (queue, note_in_sink, seen);
  pochta_event_queue_push_state (queue, 1, 2);
  pochta_event_queue_push_line (queue, POCHTA_EVENT_LINE_SENT, buffer, 6, 250, 2, FALSE);
  g_assert_cmpstr (seen->str, ==, "S2 L250 OK");
  g_assert_true (pochta_event_queue_is_empty (queue));

  /* The first event to wait is announced; those behind it are not. */
  pochta_event_queue_push_text (queue, POCHTA_EVENT_AUTHENTICATED, "Ivanov");
  pochta_event_queue_push_line (queue, POCHTA_EVENT_LINE_SENT, "MAIL", 4, 0, 3, FALSE);
  pochta_event_queue_push_state (queue, 2, 3);
  g_assert_cmpstr (seen->str, ==, "S2 L250 OK Q");
  g_autofree char *queued = drain_to_words (queue);
  g_assert_cmpstr (queued, ==, "authenticated:Ivanov line-sent:MAIL state-changed:");

  pochta_event_queue_push_line (queue, POCHTA_EVENT_LINE_RECEIVED, "250 OK", 6, 250, 3, FALSE);
  g_assert_cmpstr (seen->str, ==, "S2 L250 OK Q L250 OK");
  pochta_event_queue_push_text (queue, POCHTA_EVENT_CLOSED, "QUIT");
  g_assert_cmpstr (seen->str, ==, "S2 L250 OK Q L250 OK Q");
  g_autofree char *closed = drain_to_words (queue);
  g_assert_cmpstr (closed, ==, "closed:QUIT");

  pochta_event_queue_set_sink (queue, NULL, NULL);
  pochta_event_queue_push_line (queue, POCHTA_EVENT_LINE_SENT, "QUIT", 4, 0, 4, FALSE);
  g_autofree char *after = drain_to_words (queue);
  g_assert_cmpstr (after, ==, "line-sent:QUIT");
  g_assert_cmpstr (seen->str, ==, "S2 L250 OK Q L250 OK Q");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/event/fifo-order", test_fifo_order);
  g_test_add_func ("/engine/event/free-with-pending", test_free_with_pending);
  g_test_add_func ("/engine/event/sink", test_sink);
  return g_test_run ();
}
