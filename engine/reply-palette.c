/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One palette for transcript lines, shared by the window and the exports. */
#define G_LOG_DOMAIN "pochta-reply-palette"
#include "config.h"

#include <stdio.h>

#include "reply-palette.h"

const PochtaRgb pochta_palette_ink = { 0x20, 0x21, 0x24 };
const PochtaRgb pochta_palette_secondary = { 0x5f, 0x63, 0x68 };

PochtaRgb
pochta_palette_reply_class (PochtaReplyClass reply_class)
{
  switch (reply_class)
    {
    case POCHTA_REPLY_POSITIVE: return (PochtaRgb) { 0x18, 0x80, 0x38 };
    case POCHTA_REPLY_INTERMEDIATE: return (PochtaRgb) { 0x19, 0x67, 0xd2 };
    case POCHTA_REPLY_TRANSIENT: return (PochtaRgb) { 0xb0, 0x60, 0x00 };
    case POCHTA_REPLY_PERMANENT: return (PochtaRgb) { 0xc5, 0x22, 0x1f };
    case POCHTA_REPLY_NONE:
    default: return pochta_palette_ink;
    }
}

PochtaRgb
pochta_palette_item (const PochtaTranscriptItem *item)
{
  g_return_val_if_fail (item != NULL, pochta_palette_ink);

  /* The 354 is a reply even though content follows it; the content lines
   * and SASL answers are not commands. */
  if (item->direction == POCHTA_DIRECTION_SERVER && !item->in_data
      && item->reply_class >= POCHTA_REPLY_POSITIVE && item->reply_class <= POCHTA_REPLY_PERMANENT)
    return pochta_palette_reply_class (item->reply_class);
  if (item->direction == POCHTA_DIRECTION_CLIENT && item->verb != NULL)
    return pochta_palette_ink;
  return pochta_palette_secondary;
}

void
pochta_palette_to_hex (PochtaRgb colour, char out[8])
{
  g_return_if_fail (out != NULL);
  snprintf (out, 8, "#%02x%02x%02x", colour.r, colour.g, colour.b);
}
