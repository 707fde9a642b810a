/* SPDX-License-Identifier: GPL-3.0-or-later */
/* printf for the conversions the engine's protocol lines use: %s, %u,
 * %d, %i, their long forms (G_GSIZE_FORMAT, G_GINT64_FORMAT and
 * G_GUINT64_FORMAT on LP64) and %%.  Every reply, listing and event text
 * of every session is formatted, and the C library's printf costs about
 * a thousand instructions a call however simple the format; these cost a
 * tenth of that.  Any other format goes to g_strdup_vprintf, so the
 * result is always what printf would give. */
#pragma once

#include <glib.h>
#include <stdarg.h>

G_BEGIN_DECLS

/* TRUE when format uses only the conversions above (no flags, width or
 * precision). */
gboolean pochta_format_is_simple (const char *format);

/* Formats a simple format into buf (NUL-terminated, cut to size - 1
 * bytes when size > 0); returns the length of the whole result, as
 * vsnprintf does. */
gsize pochta_format_simple (char *buf, gsize size, const char *format, va_list args);

void pochta_string_append_printf (GString *string, const char *format, ...) G_GNUC_PRINTF (2, 3);
char *pochta_strdup_vprintf (const char *format, va_list args) G_GNUC_PRINTF (1, 0);
char *pochta_strdup_printf (const char *format, ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
