/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The explanation pane: labels for the step and its knowledge-base entry,
 * and a quiz of radio buttons built for each checkpoint. */
#define G_LOG_DOMAIN "pochta-explanation-pane"
#include "config.h"

#include <glib/gi18n.h>

#include "explanation-pane.h"

struct _PochtaExplanationPane
{
  GtkScrolledWindow parent_instance;

  GtkWidget *heading;
  GtkWidget *lesson_text;
  GtkWidget *kb_box;
  GtkWidget *kb_title;
  GtkWidget *kb_meaning;
  GtkWidget *kb_cause;
  GtkWidget *kb_next;
  GtkWidget *kb_rfc;
  GtkWidget *quiz_box;
  GtkWidget *quiz_question;
  GtkWidget *choices_box;
  GtkWidget *answer_entry;       /* a quiz with no choices */
  GtkWidget *check_button;
  GtkWidget *hint_button;
  GtkWidget *quiz_result;
  GtkWidget *score;

  const PochtaLessonNote *quiz;  /* the quiz shown, or NULL */
  gboolean answered;
  guint n_right;
  guint n_answered;
};

G_DEFINE_FINAL_TYPE (PochtaExplanationPane, pochta_explanation_pane, GTK_TYPE_SCROLLED_WINDOW)

static GtkWidget *
new_label (const char *style_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_line_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  gtk_widget_set_can_focus (label, FALSE);
  if (style_class != NULL)
    gtk_style_context_add_class (gtk_widget_get_style_context (label), style_class);
  return label;
}

static void
set_labelled (GtkWidget *label, const char *caption, const char *text)
{
  if (text == NULL || *text == '\0')
    {
      gtk_widget_hide (label);
      return;
    }
  g_autofree char *escaped_caption = g_markup_escape_text (caption, -1);
  g_autofree char *escaped_text = g_markup_escape_text (text, -1);
  g_autofree char *markup = g_strdup_printf ("<b>%s</b> %s", escaped_caption, escaped_text);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_widget_show (label);
}

static void
update_score (PochtaExplanationPane *self)
{
  if (self->n_answered == 0)
    {
      gtk_widget_hide (self->score);
      return;
    }
  /* Translators: the quiz score, e.g. "Score: 2 of 3". */
  g_autofree char *text = g_strdup_printf (_("Score: %u of %u"), self->n_right, self->n_answered);
  gtk_label_set_text (GTK_LABEL (self->score), text);
  gtk_widget_show (self->score);
}

static const char *
chosen (PochtaExplanationPane *self)
{
  if (gtk_widget_get_visible (self->answer_entry))
    {
      const char *text = gtk_entry_get_text (GTK_ENTRY (self->answer_entry));
      return *text != '\0' ? text : NULL;
    }
  g_autoptr (GList) buttons = gtk_container_get_children (GTK_CONTAINER (self->choices_box));

  for (GList *l = buttons; l != NULL; l = l->next)
    if (gtk_toggle_button_get_active (l->data) && gtk_button_get_label (l->data) != NULL)
      return gtk_button_get_label (l->data);
  return NULL;
}

static void
check_answer (PochtaExplanationPane *self)
{
  const char *choice = chosen (self);

  if (self->quiz == NULL || self->answered || choice == NULL)
    return;
  /* A lesson file's step knows its answer in either language, and the
   * expression a free answer must match. */
  gboolean right = self->quiz->step != NULL
                     ? pochta_scenario_step_check_answer (self->quiz->step, choice)
                     : g_strcmp0 (choice, self->quiz->answer) == 0;
  GtkStyleContext *style = gtk_widget_get_style_context (self->quiz_result);

  self->answered = TRUE;
  self->n_answered++;
  self->n_right += right;
  gtk_style_context_remove_class (style, right ? "wrong" : "right");
  gtk_style_context_add_class (style, right ? "right" : "wrong");
  g_autofree char *text =
    right ? g_strdup (_("Right."))
          : g_strdup_printf (_("Not quite: the answer is %s."), self->quiz->answer);
  gtk_label_set_text (GTK_LABEL (self->quiz_result), text);
  gtk_widget_show (self->quiz_result);
  gtk_widget_set_sensitive (self->check_button, FALSE);
  gtk_widget_set_sensitive (self->choices_box, FALSE);
  gtk_widget_set_sensitive (self->answer_entry, FALSE);
  update_score (self);
}

static void
show_hint (PochtaExplanationPane *self)
{
  if (self->quiz == NULL || self->quiz->hint == NULL)
    return;
  GtkStyleContext *style = gtk_widget_get_style_context (self->quiz_result);
  gtk_style_context_remove_class (style, "right");
  gtk_style_context_remove_class (style, "wrong");
  gtk_label_set_text (GTK_LABEL (self->quiz_result), self->quiz->hint);
  gtk_widget_show (self->quiz_result);
}

static void
on_choice_toggled (PochtaExplanationPane *self)
{
  gtk_widget_set_sensitive (self->check_button, !self->answered && chosen (self) != NULL);
}

static void
pochta_explanation_pane_class_init (PochtaExplanationPaneClass *klass)
{
}

static GtkWidget *
build_quiz (PochtaExplanationPane *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_style_context_add_class (gtk_widget_get_style_context (box), "quiz");
  self->quiz_question = new_label ("quiz-question");
  self->choices_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  self->answer_entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->answer_entry), _("Your answer"));
  g_signal_connect_swapped (self->answer_entry, "changed", G_CALLBACK (on_choice_toggled), self);
  g_signal_connect_swapped (self->answer_entry, "activate", G_CALLBACK (check_answer), self);
  self->check_button = gtk_button_new_with_mnemonic (_("_Check"));
  self->hint_button = gtk_button_new_with_mnemonic (_("_Hint"));
  self->quiz_result = new_label ("quiz-result");
  gtk_style_context_add_class (gtk_widget_get_style_context (self->check_button),
                               "suggested-action");
  g_signal_connect_swapped (self->check_button, "clicked", G_CALLBACK (check_answer), self);
  g_signal_connect_swapped (self->hint_button, "clicked", G_CALLBACK (show_hint), self);
  gtk_container_add (GTK_CONTAINER (buttons), self->check_button);
  gtk_container_add (GTK_CONTAINER (buttons), self->hint_button);
  gtk_container_add (GTK_CONTAINER (box), self->quiz_question);
  gtk_container_add (GTK_CONTAINER (box), self->choices_box);
  gtk_container_add (GTK_CONTAINER (box), self->answer_entry);
  gtk_container_add (GTK_CONTAINER (box), buttons);
  gtk_container_add (GTK_CONTAINER (box), self->quiz_result);
  return box;
}

static void
pochta_explanation_pane_init (PochtaExplanationPane *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 10);

  gtk_style_context_add_class (gtk_widget_get_style_context (box), "explanation");
  g_object_set (box, "margin", 16, NULL);
  self->heading = new_label ("explanation-heading");
  self->lesson_text = new_label (NULL);
  self->kb_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->kb_title = new_label ("kb-title");
  self->kb_meaning = new_label (NULL);
  self->kb_cause = new_label (NULL);
  self->kb_next = new_label (NULL);
  self->kb_rfc = new_label ("dim-label");
  gtk_style_context_add_class (gtk_widget_get_style_context (self->kb_box), "kb-entry");
  for (GtkWidget **label = &self->kb_title; label <= &self->kb_rfc; label++)
    gtk_container_add (GTK_CONTAINER (self->kb_box), *label);
  self->quiz_box = build_quiz (self);
  self->score = new_label ("dim-label");

  gtk_container_add (GTK_CONTAINER (box), self->heading);
  gtk_container_add (GTK_CONTAINER (box), self->lesson_text);
  gtk_container_add (GTK_CONTAINER (box), self->kb_box);
  gtk_container_add (GTK_CONTAINER (box), self->quiz_box);
  gtk_container_add (GTK_CONTAINER (box), self->score);
  gtk_widget_show_all (box);
  gtk_widget_hide (self->kb_box);
  gtk_widget_hide (self->quiz_box);
  gtk_widget_hide (self->score);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_container_add (GTK_CONTAINER (self), box);
}

GtkWidget *
pochta_explanation_pane_new (void)
{
  return g_object_new (POCHTA_TYPE_EXPLANATION_PANE, NULL);
}

static void
hide_quiz (PochtaExplanationPane *self)
{
  self->quiz = NULL;
  self->answered = FALSE;
  gtk_widget_hide (self->quiz_box);
}

void
pochta_explanation_pane_show_intro (PochtaExplanationPane *self,
                                    const char            *title,
                                    const char            *summary)
{
  g_return_if_fail (POCHTA_IS_EXPLANATION_PANE (self));
  g_return_if_fail (title != NULL);

  gtk_label_set_text (GTK_LABEL (self->heading), title);
  gtk_label_set_text (GTK_LABEL (self->lesson_text),
                      summary != NULL ? summary : _("Press Play or Step to begin."));
  gtk_widget_show (self->lesson_text);
  gtk_widget_hide (self->kb_box);
  hide_quiz (self);
}

static void
show_quiz (PochtaExplanationPane *self, const PochtaLessonNote *note)
{
  g_autoptr (GList) old = gtk_container_get_children (GTK_CONTAINER (self->choices_box));
  g_auto (GStrv) choices = note->choices != NULL ? g_strsplit (note->choices, ";", -1)
                                                 : g_new0 (char *, 1);
  GSList *group = NULL;

  for (GList *l = old; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  /* A hidden first button holds the group's selection, so that no
   * choice starts selected. */
  GtkWidget *none = gtk_radio_button_new (NULL);
  gtk_widget_set_no_show_all (none, TRUE);
  gtk_container_add (GTK_CONTAINER (self->choices_box), none);
  group = gtk_radio_button_get_group (GTK_RADIO_BUTTON (none));
  for (guint i = 0; choices[i] != NULL; i++)
    {
      GtkWidget *button = gtk_radio_button_new_with_label (group, choices[i]);
      group = gtk_radio_button_get_group (GTK_RADIO_BUTTON (button));
      g_signal_connect_swapped (button, "toggled", G_CALLBACK (on_choice_toggled), self);
      gtk_container_add (GTK_CONTAINER (self->choices_box), button);
      gtk_widget_show (button);
    }

  self->quiz = note;
  self->answered = FALSE;
  gtk_label_set_text (GTK_LABEL (self->quiz_question), note->question);
  gtk_widget_hide (self->quiz_result);
  gtk_widget_set_sensitive (self->choices_box, TRUE);
  gtk_entry_set_text (GTK_ENTRY (self->answer_entry), "");
  gtk_widget_set_sensitive (self->answer_entry, TRUE);
  gtk_widget_set_visible (self->answer_entry, note->choices == NULL);
  gtk_widget_set_visible (self->choices_box, note->choices != NULL);
  gtk_widget_set_sensitive (self->check_button, FALSE);
  gtk_widget_set_visible (self->hint_button, note->hint != NULL);
  gtk_widget_show (self->quiz_box);
}

void
pochta_explanation_pane_show_line (PochtaExplanationPane      *self,
                                   const char                 *heading,
                                   const PochtaLessonNote     *note,
                                   const PochtaKnowledgeEntry *entry)
{
  g_return_if_fail (POCHTA_IS_EXPLANATION_PANE (self));
  g_return_if_fail (heading != NULL);

  gtk_label_set_text (GTK_LABEL (self->heading), heading);
  if (note != NULL && note->text != NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->lesson_text), note->text);
      gtk_widget_show (self->lesson_text);
    }
  else
    gtk_widget_hide (self->lesson_text);

  if (entry != NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->kb_title), entry->title);
      set_labelled (self->kb_meaning, _("Meaning:"), entry->meaning);
      set_labelled (self->kb_cause, _("Likely cause:"), entry->cause);
      set_labelled (self->kb_next, _("Next:"), entry->next);
      gtk_label_set_text (GTK_LABEL (self->kb_rfc), entry->rfc);
      gtk_widget_show (self->kb_box);
    }
  else
    gtk_widget_hide (self->kb_box);

  if (note != NULL && note->question != NULL)
    {
      if (self->quiz != note)
        show_quiz (self, note);
    }
  else
    hide_quiz (self);
}

void
pochta_explanation_pane_reset_score (PochtaExplanationPane *self)
{
  g_return_if_fail (POCHTA_IS_EXPLANATION_PANE (self));

  self->n_right = self->n_answered = 0;
  update_score (self);
  hide_quiz (self);
}

gboolean
pochta_explanation_pane_answer (PochtaExplanationPane *self, const char *choice)
{
  g_return_val_if_fail (POCHTA_IS_EXPLANATION_PANE (self), FALSE);
  g_return_val_if_fail (choice != NULL, FALSE);

  if (self->quiz == NULL || self->answered)
    return FALSE;
  if (gtk_widget_get_visible (self->answer_entry))
    {
      gtk_entry_set_text (GTK_ENTRY (self->answer_entry), choice);
      check_answer (self);
      return TRUE;
    }
  g_autoptr (GList) buttons = gtk_container_get_children (GTK_CONTAINER (self->choices_box));
  for (GList *l = buttons; l != NULL; l = l->next)
    if (g_strcmp0 (gtk_button_get_label (l->data), choice) == 0)
      {
        gtk_toggle_button_set_active (l->data, TRUE);
        check_answer (self);
        return TRUE;
      }
  return FALSE;
}

void
pochta_explanation_pane_get_score (PochtaExplanationPane *self,
                                   guint                 *out_right,
                                   guint                 *out_answered)
{
  g_return_if_fail (POCHTA_IS_EXPLANATION_PANE (self));

  if (out_right != NULL)
    *out_right = self->n_right;
  if (out_answered != NULL)
    *out_answered = self->n_answered;
}

gboolean
pochta_explanation_pane_has_open_quiz (PochtaExplanationPane *self)
{
  g_return_val_if_fail (POCHTA_IS_EXPLANATION_PANE (self), FALSE);
  return self->quiz != NULL && !self->answered;
}

static void
append_label (GString *out, GtkWidget *label)
{
  if (gtk_widget_get_visible (label) && gtk_widget_get_visible (gtk_widget_get_parent (label)))
    g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (label)));
}

char *
pochta_explanation_pane_dup_text (PochtaExplanationPane *self)
{
  g_return_val_if_fail (POCHTA_IS_EXPLANATION_PANE (self), NULL);

  GString *out = g_string_new (NULL);
  GtkWidget *labels[] = { self->heading, self->lesson_text, self->kb_title, self->kb_meaning,
                          self->kb_cause, self->kb_next, self->kb_rfc, self->quiz_question,
                          self->quiz_result, self->score };
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    append_label (out, labels[i]);
  return g_string_free (out, FALSE);
}
