/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transcript view: a GtkTreeView over a list store, one row a line,
 * MTA event or connection heading. */
#define G_LOG_DOMAIN "pochta-transcript-view"
#include "config.h"

#include <glib/gi18n.h>

#include "transcript-view.h"
#include "reply-palette.h"

enum
{
  COLUMN_INDEX,       /* the item's index, or -1 for a heading */
  COLUMN_CONNECTION,  /* the connection's id, 0 for none */
  COLUMN_NUMBER,      /* "12" */
  COLUMN_TEXT,        /* "C: MAIL FROM:<...>" */
  COLUMN_COLOUR,      /* the text's colour */
  COLUMN_STYLE,       /* PangoStyle */
  COLUMN_WEIGHT,      /* PangoWeight */
  N_COLUMNS
};

struct _PochtaTranscriptView
{
  GtkScrolledWindow parent_instance;

  GtkTreeView *tree;
  GtkListStore *store;
  GHashTable *seen_connections;  /* ids with a heading */
  gboolean selecting;            /* selection made by the program */
};

G_DEFINE_FINAL_TYPE (PochtaTranscriptView, pochta_transcript_view, GTK_TYPE_SCROLLED_WINDOW)

enum
{
  SIGNAL_ITEM_SELECTED,
  SIGNAL_CONNECTION_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* MTA events and notes: lighter than any line (the lines' colours come
 * from the shared palette, reply-palette.h). */
#define EVENT_COLOUR "#80868b"

char *
pochta_visible_text (const char *text, gsize length)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);

  GString *out = g_string_sized_new (length);
  const char *end = text + length;
  for (const char *p = text; p < end;)
    {
      guchar byte = (guchar) *p;
      if (byte >= 0x20 && byte < 0x7f)
        {
          if (byte == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, (char) byte);
          p++;
          continue;
        }
      gunichar c = byte >= 0x80 ? g_utf8_get_char_validated (p, end - p) : (gunichar) -1;
      if (c != (gunichar) -1 && c != (gunichar) -2 && !g_unichar_iscntrl (c))
        {
          const char *next = g_utf8_next_char (p);
          g_string_append_len (out, p, next - p);
          p = next;
          continue;
        }
      g_string_append_printf (out, "\\x%02X", byte);
      p++;
    }
  return g_string_free (out, FALSE);
}

/* "#rrggbb" of the line's colour in the shared palette. */
static void
line_colour (const PochtaTranscriptItem *item, char out[8])
{
  pochta_palette_to_hex (pochta_palette_item (item), out);
}

static void
append_heading (PochtaTranscriptView *self, const PochtaTranscriptConnection *connection)
{
  char ink[8];
  pochta_palette_to_hex (pochta_palette_ink, ink);
  g_autofree char *text =
    g_strdup_printf (_("Connection %u: %s \xe2\x86\x92 %s:%u (%s)"), connection->id,
                     connection->client_host, connection->server_host, connection->server_port,
                     connection->protocol == POCHTA_PROTOCOL_SMTP ? "SMTP" : "POP3");
  gtk_list_store_insert_with_values (self->store, NULL, -1, COLUMN_INDEX, -1, COLUMN_CONNECTION,
                                     connection->id, COLUMN_NUMBER, "", COLUMN_TEXT, text,
                                     COLUMN_COLOUR, ink, COLUMN_STYLE,
                                     PANGO_STYLE_NORMAL, COLUMN_WEIGHT, PANGO_WEIGHT_BOLD, -1);
}

static void
on_selection_changed (PochtaTranscriptView *self, GtkTreeSelection *selection)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  int index;
  guint connection;

  if (self->selecting || !gtk_tree_selection_get_selected (selection, &model, &iter))
    return;
  gtk_tree_model_get (model, &iter, COLUMN_INDEX, &index, COLUMN_CONNECTION, &connection, -1);
  if (index >= 0)
    g_signal_emit (self, signals[SIGNAL_ITEM_SELECTED], 0, (guint) index);
  else if (connection != 0)
    g_signal_emit (self, signals[SIGNAL_CONNECTION_SELECTED], 0, connection);
}

static void
pochta_transcript_view_finalize (GObject *object)
{
  PochtaTranscriptView *self = POCHTA_TRANSCRIPT_VIEW (object);

  g_hash_table_unref (self->seen_connections);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (pochta_transcript_view_parent_class)->finalize (object);
}

static void
pochta_transcript_view_class_init (PochtaTranscriptViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pochta_transcript_view_finalize;
  signals[SIGNAL_ITEM_SELECTED] =
    g_signal_new ("item-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_CONNECTION_SELECTED] =
    g_signal_new ("connection-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static GtkTreeViewColumn *
add_column (PochtaTranscriptView *self, const char *title, int text_column, gboolean monospace)
{
  GtkCellRenderer *renderer = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *column = gtk_tree_view_column_new_with_attributes (
    title, renderer, "text", text_column, "foreground", COLUMN_COLOUR, "style", COLUMN_STYLE,
    "weight", COLUMN_WEIGHT, NULL);

  g_object_set (renderer, "family", monospace ? "Monospace" : NULL, "ypad", 1, NULL);
  if (!monospace)
    g_object_set (renderer, "xalign", 1.0, NULL);
  gtk_tree_view_append_column (self->tree, column);
  return column;
}

static void
pochta_transcript_view_init (PochtaTranscriptView *self)
{
  self->seen_connections = g_hash_table_new (NULL, NULL);
  self->store = gtk_list_store_new (N_COLUMNS, G_TYPE_INT, G_TYPE_UINT, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING, PANGO_TYPE_STYLE,
                                    PANGO_TYPE_WEIGHT);
  self->tree = GTK_TREE_VIEW (gtk_tree_view_new_with_model (GTK_TREE_MODEL (self->store)));
  gtk_tree_view_set_headers_visible (self->tree, FALSE);
  gtk_tree_view_set_enable_search (self->tree, FALSE);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->tree)),
                               "transcript");
  add_column (self, _("No."), COLUMN_NUMBER, FALSE);
  add_column (self, _("Line"), COLUMN_TEXT, TRUE);
  g_signal_connect_swapped (gtk_tree_view_get_selection (self->tree), "changed",
                            G_CALLBACK (on_selection_changed), self);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_container_add (GTK_CONTAINER (self), GTK_WIDGET (self->tree));
  gtk_widget_show (GTK_WIDGET (self->tree));
}

GtkWidget *
pochta_transcript_view_new (void)
{
  return g_object_new (POCHTA_TYPE_TRANSCRIPT_VIEW, NULL);
}

void
pochta_transcript_view_clear (PochtaTranscriptView *self)
{
  g_return_if_fail (POCHTA_IS_TRANSCRIPT_VIEW (self));

  self->selecting = TRUE;
  gtk_list_store_clear (self->store);
  self->selecting = FALSE;
  g_hash_table_remove_all (self->seen_connections);
}

static char *
item_text (const PochtaTranscriptItem *item)
{
  g_autofree char *text = pochta_visible_text (item->text, item->length);

  switch (item->kind)
    {
    case POCHTA_ITEM_LINE:
      return g_strdup_printf ("%s: %s", item->direction == POCHTA_DIRECTION_CLIENT ? "C" : "S",
                              text);
    case POCHTA_ITEM_MTA:
      return g_strdup_printf ("# %s %s: %s", item->host, item->event, text);
    case POCHTA_ITEM_NOTE:
    default:
      return g_strdup_printf ("# %s", text);
    }
}

void
pochta_transcript_view_append (PochtaTranscriptView       *self,
                               PochtaTranscript           *transcript,
                               const PochtaTranscriptItem *item,
                               gboolean                    follow)
{
  g_return_if_fail (POCHTA_IS_TRANSCRIPT_VIEW (self));
  g_return_if_fail (transcript != NULL);
  g_return_if_fail (item != NULL);

  if (item->connection != 0
      && !g_hash_table_contains (self->seen_connections, GUINT_TO_POINTER (item->connection)))
    {
      const PochtaTranscriptConnection *connection =
        pochta_transcript_get_connection (transcript, item->connection);
      g_hash_table_add (self->seen_connections, GUINT_TO_POINTER (item->connection));
      if (connection != NULL)
        append_heading (self, connection);
    }

  gboolean line = item->kind == POCHTA_ITEM_LINE;
  g_autofree char *number = line ? g_strdup_printf ("%u", item->line_number) : g_strdup ("");
  g_autofree char *text = item_text (item);
  char colour[8] = EVENT_COLOUR;
  if (line)
    line_colour (item, colour);
  GtkTreeIter iter;
  gtk_list_store_insert_with_values (self->store, &iter, -1, COLUMN_INDEX, (int) item->index,
                                     COLUMN_CONNECTION, item->connection, COLUMN_NUMBER, number,
                                     COLUMN_TEXT, text, COLUMN_COLOUR,
                                     colour, COLUMN_STYLE,
                                     line ? PANGO_STYLE_NORMAL : PANGO_STYLE_ITALIC,
                                     COLUMN_WEIGHT, PANGO_WEIGHT_NORMAL, -1);
  if (follow)
    {
      g_autoptr (GtkTreePath) path = gtk_tree_model_get_path (GTK_TREE_MODEL (self->store), &iter);
      gtk_tree_view_scroll_to_cell (self->tree, path, NULL, FALSE, 0, 0);
    }
}

static gboolean
find_row (PochtaTranscriptView *self, guint index, GtkTreeIter *out_iter)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  gboolean valid = gtk_tree_model_get_iter_first (model, out_iter);

  for (; valid; valid = gtk_tree_model_iter_next (model, out_iter))
    {
      int row_index;
      gtk_tree_model_get (model, out_iter, COLUMN_INDEX, &row_index, -1);
      if (row_index == (int) index)
        return TRUE;
    }
  return FALSE;
}

gboolean
pochta_transcript_view_select_item (PochtaTranscriptView *self, guint index)
{
  g_return_val_if_fail (POCHTA_IS_TRANSCRIPT_VIEW (self), FALSE);

  GtkTreeIter iter;
  if (!find_row (self, index, &iter))
    return FALSE;
  g_autoptr (GtkTreePath) path = gtk_tree_model_get_path (GTK_TREE_MODEL (self->store), &iter);
  self->selecting = TRUE;
  gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->tree), &iter);
  gtk_tree_view_scroll_to_cell (self->tree, path, NULL, FALSE, 0, 0);
  self->selecting = FALSE;
  return TRUE;
}

int
pochta_transcript_view_get_selected_item (PochtaTranscriptView *self)
{
  g_return_val_if_fail (POCHTA_IS_TRANSCRIPT_VIEW (self), -1);

  GtkTreeModel *model;
  GtkTreeIter iter;
  int index = -1;
  if (gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->tree), &model, &iter))
    gtk_tree_model_get (model, &iter, COLUMN_INDEX, &index, -1);
  return index;
}

guint
pochta_transcript_view_get_n_rows (PochtaTranscriptView *self)
{
  g_return_val_if_fail (POCHTA_IS_TRANSCRIPT_VIEW (self), 0);
  return (guint) gtk_tree_model_iter_n_children (GTK_TREE_MODEL (self->store), NULL);
}

char *
pochta_transcript_view_dup_text (PochtaTranscriptView *self)
{
  g_return_val_if_fail (POCHTA_IS_TRANSCRIPT_VIEW (self), NULL);

  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GString *out = g_string_new (NULL);
  GtkTreeIter iter;
  for (gboolean valid = gtk_tree_model_get_iter_first (model, &iter); valid;
       valid = gtk_tree_model_iter_next (model, &iter))
    {
      g_autofree char *number = NULL, *text = NULL;
      gtk_tree_model_get (model, &iter, COLUMN_NUMBER, &number, COLUMN_TEXT, &text, -1);
      g_string_append_printf (out, "%3s  %s\n", number, text);
    }
  return g_string_free (out, FALSE);
}
