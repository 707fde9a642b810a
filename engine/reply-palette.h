/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The colours every view and export gives a transcript line, so that the
 * window, the diagram exports and the transcript look the same: by reply
 * class (DESIGN.md §2.5: 2yz green, 3yz blue, 4yz amber, 5yz red),
 * commands in ink, message content and the rest in a secondary grey. */
#pragma once

#include <glib.h>

#include "transcript.h"

G_BEGIN_DECLS

typedef struct
{
  guint8 r, g, b;
} PochtaRgb;

/* Text and commands: #202124. */
extern const PochtaRgb pochta_palette_ink;
/* Message content, SASL answers, states, times: #5f6368. */
extern const PochtaRgb pochta_palette_secondary;

/* The colour of a reply class, dark enough to read on white; the ink for
 * POCHTA_REPLY_NONE. */
PochtaRgb pochta_palette_reply_class (PochtaReplyClass reply_class);

/* The colour a transcript line is drawn in. */
PochtaRgb pochta_palette_item (const PochtaTranscriptItem *item);

/* "#rrggbb" into out (8 bytes with the NUL), for Pango markup and CSS. */
void pochta_palette_to_hex (PochtaRgb colour, char out[8]);

G_END_DECLS
