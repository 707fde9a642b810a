/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMTP server's questions to its policy that leave the transaction
 * alone: VRFY and EXPN (RFC 5321 §3.5, §4.1.1.6-7) and ETRN (RFC 1985). */
#define G_LOG_DOMAIN "pochta-smtp-server"
#include "config.h"

#include <string.h>

#include "smtp-server-private.h"

/* A multi-line reply text: first (if any), then one line per policy
 * string, made safe for the wire. */
static char *
join_lines (const char *first, GPtrArray *items)
{
  GString *text = g_string_new (first);

  for (guint i = 0; i < items->len; i++)
    {
      const char *item = g_ptr_array_index (items, i);
      if (i > 0 || first[0] != '\0')
        g_string_append_c (text, '\n');
      pochta_smtp_append_printable (text, item, strlen (item));
    }
  return g_string_free (text, FALSE);
}

void
pochta_smtp_server_vrfy (PochtaSmtpServer *self, const char *args)
{
  g_autoptr (GPtrArray) matches = g_ptr_array_new_with_free_func (g_free);
  PochtaSmtpVrfyVerdict verdict = POCHTA_SMTP_VRFY_DISABLED;

  g_assert (self != NULL && args != NULL);
  if (self->policy.verify != NULL)
    verdict = self->policy.verify (args, matches, self->policy.user_data);
  /* RFC 5321 §3.5.3: 250 only for an address actually verified. */
  if (verdict == POCHTA_SMTP_VRFY_FOUND && matches->len == 0)
    verdict = POCHTA_SMTP_VRFY_DISABLED;

  switch (verdict)
    {
    case POCHTA_SMTP_VRFY_FOUND:
      {
        /* RFC 5321 §3.5.1: one match, with its mailbox. */
        g_ptr_array_set_size (matches, 1);
        g_autofree char *text = join_lines ("", matches);
        pochta_smtp_server_queue_reply (self, 250, "2.1.5", "%s", text);
        return;
      }
    case POCHTA_SMTP_VRFY_AMBIGUOUS:
      {
        g_autofree char *text = join_lines ("User ambiguous; possibilities are", matches);
        pochta_smtp_server_queue_reply (self, 553, "5.1.4", "%s", text);
        return;
      }
    case POCHTA_SMTP_VRFY_UNKNOWN:
      pochta_smtp_server_queue_reply (self, 550, "5.1.1", "No such user here");
      return;
    case POCHTA_SMTP_VRFY_DISABLED:
    default:
      pochta_smtp_server_queue_reply (self, 252, "2.1.5",
                                      "Cannot VRFY user, but will accept message and attempt delivery");
      return;
    }
}

void
pochta_smtp_server_expn (PochtaSmtpServer *self, const char *args)
{
  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func (g_free);

  g_assert (self != NULL && args != NULL);
  if (self->policy.expand == NULL || !self->policy.expand (args, members, self->policy.user_data))
    {
      pochta_smtp_server_queue_reply (self, 550, "5.1.1", "Not a mailing list here");
      return;
    }
  if (members->len == 0)
    {
      pochta_smtp_server_queue_reply (self, 250, "2.1.5", "The list is empty");
      return;
    }
  /* RFC 5321 §3.5.1: one member per line of a multi-line 250. */
  g_autofree char *text = join_lines ("", members);
  pochta_smtp_server_queue_reply (self, 250, "2.1.5", "%s", text);
}

/* RFC 1985 §5: "ETRN" SP ["@" / "#"] node; "@" asks for the node and
 * its subdomains, "#" names a queue. */
static gboolean
is_etrn_argument (const char *args)
{
  if (args[0] == '#')
    {
      for (const char *p = args + 1; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
          return FALSE;
      return args[1] != '\0';
    }
  return pochta_smtp_is_domain (args[0] == '@' ? args + 1 : args, FALSE);
}

void
pochta_smtp_server_etrn (PochtaSmtpServer *self, const char *args)
{
  guint count = 0;

  g_assert (self != NULL && args != NULL);
  if (!is_etrn_argument (args))
    {
      pochta_smtp_server_queue_reply (self, 501, "5.5.4", "Syntax Error in Parameters");
      return;
    }

  PochtaSmtpEtrnVerdict verdict = POCHTA_SMTP_ETRN_UNABLE;
  if (self->policy.etrn != NULL)
    verdict = self->policy.etrn (args, &count, self->policy.user_data);

  /* The texts are RFC 1985 §5's. */
  switch (verdict)
    {
    case POCHTA_SMTP_ETRN_STARTED:
      pochta_smtp_server_queue_reply (self, 250, "2.0.0", "OK, queuing for node %s started", args);
      break;
    case POCHTA_SMTP_ETRN_NONE_WAITING:
      pochta_smtp_server_queue_reply (self, 251, "2.0.0", "OK, no messages waiting for node %s", args);
      break;
    case POCHTA_SMTP_ETRN_PENDING:
      pochta_smtp_server_queue_reply (self, 253, "2.0.0", "OK, %u pending messages for node %s started",
                                      count, args);
      break;
    case POCHTA_SMTP_ETRN_NOT_ALLOWED:
      pochta_smtp_server_queue_reply (self, 459, "4.7.0", "Node %s not allowed: not served here", args);
      break;
    case POCHTA_SMTP_ETRN_UNABLE:
    default:
      pochta_smtp_server_queue_reply (self, 458, "4.3.0", "Unable to queue messages for node %s", args);
      break;
    }
}
