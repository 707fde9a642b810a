/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "format.h"

/* What follows a '%': 'l' at most twice, then the conversion.  Returns
 * the conversion, or 0 for anything this formatter leaves to printf. */
static char
conversion (const char **p, guint *longs)
{
  const char *c = *p;
  *longs = 0;
  while (*c == 'l' && *longs < 2)
    {
      c++;
      (*longs)++;
    }
  switch (*c)
    {
    case 's':
    case '%':
      if (*longs > 0)
        return 0;
      G_GNUC_FALLTHROUGH;
    case 'u':
    case 'd':
    case 'i':
      *p = c + 1;
      return *c;
    default:
      return 0;
    }
}

gboolean
pochta_format_is_simple (const char *format)
{
  g_return_val_if_fail (format != NULL, FALSE);
  for (const char *p = format; (p = strchr (p, '%')) != NULL;)
    {
      guint longs;
      p++;
      if (conversion (&p, &longs) == 0)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  char *buf;
  gsize size;
  gsize len;   /* of the whole result, also past size */
} Output;

static void
put (Output *out, const char *text, gsize len)
{
  if (out->len < out->size)
    memcpy (out->buf + out->len, text, MIN (len, out->size - out->len));
  out->len += len;
}

static void
put_unsigned (Output *out, guint64 value, gboolean negative)
{
  char digits[21];
  char *end = digits + sizeof digits, *p = end;
  do
    *--p = (char) ('0' + value % 10);
  while ((value /= 10) != 0);
  if (negative)
    *--p = '-';
  put (out, p, (gsize) (end - p));
}

static void
put_signed (Output *out, gint64 value)
{
  /* The magnitude as unsigned, so that G_MININT64 has one. */
  put_unsigned (out, value < 0 ? -(guint64) value : (guint64) value, value < 0);
}

gsize
pochta_format_simple (char *buf, gsize size, const char *format, va_list args)
{
  Output out = { buf, size > 0 ? size - 1 : 0, 0 };

  for (const char *p = format; *p != '\0';)
    {
      const char *percent = strchr (p, '%');
      if (percent == NULL)
        {
          put (&out, p, strlen (p));
          break;
        }
      put (&out, p, (gsize) (percent - p));
      p = percent + 1;
      guint longs;
      char c = conversion (&p, &longs);
      g_return_val_if_fail (c != 0, 0);
      if (c == '%')
        put (&out, "%", 1);
      else if (c == 's')
        {
          const char *s = va_arg (args, const char *);
          if (s == NULL)
            s = "(null)";  /* as glibc prints it */
          put (&out, s, strlen (s));
        }
      else if (c == 'u')
        put_unsigned (&out,
                      longs == 2   ? va_arg (args, unsigned long long)
                      : longs == 1 ? va_arg (args, unsigned long)
                                   : va_arg (args, unsigned int),
                      FALSE);
      else
        put_signed (&out,
                    longs == 2   ? va_arg (args, long long)
                    : longs == 1 ? va_arg (args, long)
                                 : va_arg (args, int));
    }
  if (size > 0)
    buf[MIN (out.len, size - 1)] = '\0';
  return out.len;
}

char *
pochta_strdup_vprintf (const char *format, va_list args)
{
  g_return_val_if_fail (format != NULL, NULL);
  if (!pochta_format_is_simple (format))
    return g_strdup_vprintf (format, args);

  char small[256];
  va_list again;
  va_copy (again, args);
  gsize len = pochta_format_simple (small, sizeof small, format, args);
  char *result;
  if (len < sizeof small)
    result = g_memdup2 (small, len + 1);
  else
    {
      result = g_malloc (len + 1);
      pochta_format_simple (result, len + 1, format, again);
    }
  va_end (again);
  return result;
}

char *
pochta_strdup_printf (const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *result = pochta_strdup_vprintf (format, args);
  va_end (args);
  return result;
}

void
pochta_string_append_printf (GString *string, const char *format, ...)
{
  va_list args;

  g_return_if_fail (string != NULL && format != NULL);
  va_start (args, format);
  if (!pochta_format_is_simple (format))
    g_string_append_vprintf (string, format, args);
  else
    {
      va_list again;
      va_copy (again, args);
      gsize at = string->len;
      /* Room for what usually comes; formatted again when it was not enough. */
      g_string_set_size (string, at + 128);
      gsize len = pochta_format_simple (string->str + at, 129, format, args);
      if (len > 128)
        {
          g_string_set_size (string, at + len);
          pochta_format_simple (string->str + at, len + 1, format, again);
        }
      g_string_truncate (string, at + len);
      va_end (again);
    }
  va_end (args);
}
