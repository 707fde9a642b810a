/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transcript as a pcap file: synthesized Ethernet, IPv4 and TCP around
 * every line, so that Wireshark and tshark dissect SMTP and POP3. */
#define G_LOG_DOMAIN "pochta-export-pcap"
#include "config.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transcript-export-private.h"

#define ETHERNET_HEADER 14
#define ETHERTYPE_IPV4 0x0800
#define IPV4_HEADER 20      /* RFC 791 §3.1, no options */
#define IPV4_TTL 64         /* the recommended default of RFC 1700 ("IP TIME TO LIVE") */
#define IPV4_DONT_FRAGMENT 0x4000
#define IPPROTO_TCP_NUMBER 6
#define TCP_HEADER 20       /* RFC 793 §3.1, no options */
#define TCP_MSS_OPTION 4    /* kind 2, length 4 (RFC 793 §3.1) */
/* RFC 894's 1500-octet Ethernet MTU less 40 octets of IPv4 and TCP
 * headers (RFC 879 §1). */
#define TCP_MSS 1460
#define TCP_WINDOW 65535    /* the largest window without scaling (RFC 7323 §2.2) */
#define SNAPLEN 65535       /* more than any frame here: 14 + 20 + 24 + 1460 octets */

enum
{
  TCP_FIN = 0x01,
  TCP_SYN = 0x02,
  TCP_PSH = 0x08,
  TCP_ACK = 0x10,
};

/* One side of a connection: what it puts in its headers. */
typedef struct
{
  guint8 mac[6];
  guint8 ip[4];
  guint16 port;
  guint32 next_seq;  /* the sequence number of its next octet */
  guint16 ip_id;
} Endpoint;

typedef struct
{
  Endpoint ends[2]; /* indexed by PochtaDirection: the client, the server */
} Flow;

typedef struct
{
  pcap_dumper_t *dumper;
  GArray *flows;    /* of Flow, index = connection id - 1 */
  GByteArray *frame;
} PcapWriter;

static void
put16 (guint8 *p, guint16 value)
{
  p[0] = (guint8) (value >> 8);
  p[1] = (guint8) value;
}

static void
put32 (guint8 *p, guint32 value)
{
  p[0] = (guint8) (value >> 24);
  p[1] = (guint8) (value >> 16);
  p[2] = (guint8) (value >> 8);
  p[3] = (guint8) value;
}

/* The Internet checksum (RFC 1071): the ones' complement of the ones'
 * complement sum of 16-bit words, an odd last octet padded with zero. */
static guint32
checksum_add (guint32 sum, const guint8 *data, gsize length)
{
  for (gsize i = 0; i + 1 < length; i += 2)
    sum += (guint32) (data[i] << 8 | data[i + 1]);
  if (length % 2 == 1)
    sum += (guint32) data[length - 1] << 8;
  return sum;
}

static guint16
checksum_finish (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

/* A dotted quad, strictly: four decimal parts 0-255. */
static gboolean
parse_ipv4 (const char *text, guint8 out[4])
{
  g_auto (GStrv) parts = g_strsplit (text, ".", -1);

  if (g_strv_length (parts) != 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      guint64 value;
      gsize length = strlen (parts[i]);
      if (length == 0 || length > 3
          || !g_ascii_string_to_unsigned (parts[i], 10, 0, 255, &value, NULL))
        return FALSE;
      out[i] = (guint8) value;
    }
  return TRUE;
}

/* FNV-1a: initial sequence numbers that differ per connection but are
 * the same on every export. */
static guint32
hash_string (const char *text)
{
  guint32 hash = 2166136261u;

  for (const char *p = text; *p != '\0'; p++)
    hash = (hash ^ (guchar) *p) * 16777619u;
  return hash;
}

static gboolean
init_endpoint (Endpoint *end, const char *address, guint16 port, guint connection,
               const char *role, GError **error)
{
  if (!parse_ipv4 (address, end->ip))
    {
      g_set_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_UNSUPPORTED,
                   "connection %u: the %s address \"%s\" is not IPv4, and the pcap export "
                   "writes IPv4 only", connection, role, address);
      return FALSE;
    }
  /* A locally administered unicast MAC (IEEE 802: bit 1 of the first
   * octet set, bit 0 clear) that carries the IPv4 address. */
  end->mac[0] = 0x02;
  end->mac[1] = 0x00;
  memcpy (end->mac + 2, end->ip, 4);
  end->port = port;
  g_autofree char *key = g_strdup_printf ("%u %s %s:%u", connection, role, address, port);
  end->next_seq = hash_string (key);
  end->ip_id = (guint16) (hash_string (key) >> 16);
  return TRUE;
}

static gboolean
init_flows (PochtaTranscript *transcript, GArray *flows, GError **error)
{
  guint n = pochta_transcript_get_n_connections (transcript);

  for (guint id = 1; id <= n; id++)
    {
      const PochtaTranscriptConnection *c = pochta_transcript_get_connection (transcript, id);
      Flow flow = { 0 };
      if (!init_endpoint (&flow.ends[POCHTA_DIRECTION_CLIENT], c->client_address,
                          c->client_port, id, "client", error)
          || !init_endpoint (&flow.ends[POCHTA_DIRECTION_SERVER], c->server_address,
                             c->server_port, id, "server", error))
        return FALSE;
      g_array_append_val (flows, flow);
    }
  return TRUE;
}

static void
build_ipv4 (guint8 *ip, Endpoint *from, const Endpoint *to, gsize payload)
{
  ip[0] = 0x45; /* version 4, five 32-bit words */
  ip[1] = 0;
  put16 (ip + 2, (guint16) (IPV4_HEADER + payload));
  put16 (ip + 4, from->ip_id++);
  put16 (ip + 6, IPV4_DONT_FRAGMENT);
  ip[8] = IPV4_TTL;
  ip[9] = IPPROTO_TCP_NUMBER;
  put16 (ip + 10, 0);
  memcpy (ip + 12, from->ip, 4);
  memcpy (ip + 16, to->ip, 4);
  put16 (ip + 10, checksum_finish (checksum_add (0, ip, IPV4_HEADER)));
}

/* RFC 793 §3.1: the checksum covers a pseudo-header of the addresses,
 * the protocol and the TCP length, then the header and the data. */
static guint16
tcp_checksum (const Endpoint *from, const Endpoint *to, const guint8 *tcp, gsize length)
{
  guint8 pseudo[12];

  memcpy (pseudo, from->ip, 4);
  memcpy (pseudo + 4, to->ip, 4);
  pseudo[8] = 0;
  pseudo[9] = IPPROTO_TCP_NUMBER;
  put16 (pseudo + 10, (guint16) length);
  return checksum_finish (checksum_add (checksum_add (0, pseudo, sizeof pseudo), tcp, length));
}

/* One segment from `from` to `to` at time: the sequence number is from's
 * next, the acknowledgement everything to has sent so far. */
static void
write_segment (PcapWriter *writer, gint64 time, Endpoint *from, Endpoint *to, guint8 flags,
               const guint8 *data, gsize length)
{
  gsize options = (flags & TCP_SYN) ? TCP_MSS_OPTION : 0;
  gsize tcp_length = TCP_HEADER + options + length;
  gsize frame_length = ETHERNET_HEADER + IPV4_HEADER + tcp_length;

  g_byte_array_set_size (writer->frame, (guint) frame_length);
  guint8 *frame = writer->frame->data;
  memset (frame, 0, frame_length);

  memcpy (frame, to->mac, 6);
  memcpy (frame + 6, from->mac, 6);
  put16 (frame + 12, ETHERTYPE_IPV4);
  build_ipv4 (frame + ETHERNET_HEADER, from, to, tcp_length);

  guint8 *tcp = frame + ETHERNET_HEADER + IPV4_HEADER;
  put16 (tcp, from->port);
  put16 (tcp + 2, to->port);
  put32 (tcp + 4, from->next_seq);
  put32 (tcp + 8, (flags & TCP_ACK) ? to->next_seq : 0);
  tcp[12] = (guint8) (((TCP_HEADER + options) / 4) << 4);
  tcp[13] = flags;
  put16 (tcp + 14, TCP_WINDOW);
  if (options > 0)
    {
      tcp[20] = 2;
      tcp[21] = TCP_MSS_OPTION;
      put16 (tcp + 22, TCP_MSS);
    }
  if (length > 0)
    memcpy (tcp + TCP_HEADER + options, data, length);
  put16 (tcp + 16, tcp_checksum (from, to, tcp, tcp_length));

  /* SYN and FIN each take one sequence number (RFC 793 §3.3). */
  from->next_seq += (guint32) length + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);

  struct pcap_pkthdr header = { 0 };
  header.ts.tv_sec = (time_t) (time / G_USEC_PER_SEC - (time % G_USEC_PER_SEC < 0 ? 1 : 0));
  header.ts.tv_usec = (suseconds_t) ((time % G_USEC_PER_SEC + G_USEC_PER_SEC) % G_USEC_PER_SEC);
  header.caplen = (bpf_u_int32) frame_length;
  header.len = (bpf_u_int32) frame_length;
  pcap_dump ((u_char *) writer->dumper, &header, frame);
}

static Flow *
flow_of (PcapWriter *writer, guint connection)
{
  return &g_array_index (writer->flows, Flow, connection - 1);
}

static void
write_handshake (PcapWriter *writer, const PochtaTranscriptConnection *connection)
{
  Flow *flow = flow_of (writer, connection->id);
  Endpoint *client = &flow->ends[POCHTA_DIRECTION_CLIENT];
  Endpoint *server = &flow->ends[POCHTA_DIRECTION_SERVER];
  gint64 time = connection->open_time;

  write_segment (writer, time, client, server, TCP_SYN, NULL, 0);
  write_segment (writer, time, server, client, TCP_SYN | TCP_ACK, NULL, 0);
  write_segment (writer, time, client, server, TCP_ACK, NULL, 0);
}

/* The client closes first (it sent QUIT); the server answers with its own
 * FIN, and the client acknowledges it. */
static void
write_close (PcapWriter *writer, const PochtaTranscriptConnection *connection)
{
  Flow *flow = flow_of (writer, connection->id);
  Endpoint *client = &flow->ends[POCHTA_DIRECTION_CLIENT];
  Endpoint *server = &flow->ends[POCHTA_DIRECTION_SERVER];
  gint64 time = connection->close_time;

  write_segment (writer, time, client, server, TCP_FIN | TCP_ACK, NULL, 0);
  write_segment (writer, time, server, client, TCP_FIN | TCP_ACK, NULL, 0);
  write_segment (writer, time, client, server, TCP_ACK, NULL, 0);
}

/* Lines in a row from one side of one connection at one instant were one
 * write (a multi-line reply, a pipelined group, message content): they
 * travel together, cut at the MSS. */
static guint
collect_write (GArray *steps, guint first, GByteArray *payload)
{
  const PochtaTranscriptItem *head = g_array_index (steps, PochtaExportStep, first).item;
  guint i = first;

  g_byte_array_set_size (payload, 0);
  for (; i < steps->len; i++)
    {
      const PochtaExportStep *step = &g_array_index (steps, PochtaExportStep, i);
      if (step->kind != POCHTA_EXPORT_STEP_ITEM || step->item->kind != POCHTA_ITEM_LINE
          || step->item->connection != head->connection
          || step->item->direction != head->direction || step->item->time != head->time)
        break;
      g_byte_array_append (payload, (const guint8 *) step->item->text, (guint) step->item->length);
      g_byte_array_append (payload, (const guint8 *) "\r\n", 2);
    }
  return i;
}

/* The peer acknowledges at once unless its own next segment on this
 * connection, a reply, carries the acknowledgement. */
static gboolean
peer_answers_next (GArray *steps, guint next, const PochtaTranscriptItem *head)
{
  for (guint i = next; i < steps->len; i++)
    {
      const PochtaExportStep *step = &g_array_index (steps, PochtaExportStep, i);
      if (step->connection == NULL || step->connection->id != head->connection)
        continue;
      if (step->kind != POCHTA_EXPORT_STEP_ITEM)
        return FALSE;
      return step->item->direction != head->direction;
    }
  return FALSE;
}

static guint
write_lines (PcapWriter *writer, GArray *steps, guint first)
{
  const PochtaTranscriptItem *head = g_array_index (steps, PochtaExportStep, first).item;
  g_autoptr (GByteArray) payload = g_byte_array_new ();
  guint next = collect_write (steps, first, payload);
  Flow *flow = flow_of (writer, head->connection);
  Endpoint *from = &flow->ends[head->direction];
  Endpoint *to = &flow->ends[head->direction == POCHTA_DIRECTION_CLIENT
                             ? POCHTA_DIRECTION_SERVER : POCHTA_DIRECTION_CLIENT];

  for (gsize offset = 0; offset < payload->len; offset += TCP_MSS)
    write_segment (writer, head->time, from, to, TCP_PSH | TCP_ACK, payload->data + offset,
                   MIN ((gsize) TCP_MSS, payload->len - offset));
  if (!peer_answers_next (steps, next, head))
    write_segment (writer, head->time, to, from, TCP_ACK, NULL, 0);
  return next;
}

static GBytes *
close_dumper (pcap_dumper_t *dumper, char **buffer, size_t *size)
{
  pcap_dump_close (dumper);
  GBytes *bytes = g_bytes_new (*buffer, *size);
  free (*buffer);
  return bytes;
}

GBytes *
pochta_transcript_export_pcap (PochtaTranscript *transcript, GError **error)
{
  g_return_val_if_fail (transcript != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr (GArray) flows = g_array_new (FALSE, TRUE, sizeof (Flow));
  if (!init_flows (transcript, flows, error))
    return NULL;

  char *buffer = NULL;
  size_t size = 0;
  FILE *stream = open_memstream (&buffer, &size);
  pcap_t *pcap = pcap_open_dead (DLT_EN10MB, SNAPLEN);
  pcap_dumper_t *dumper = (stream != NULL && pcap != NULL) ? pcap_dump_fopen (pcap, stream)
                                                           : NULL;
  if (dumper == NULL)
    {
      g_set_error (error, POCHTA_TRANSCRIPT_ERROR, POCHTA_TRANSCRIPT_ERROR_FAILED,
                   "libpcap could not start a capture file: %s",
                   pcap != NULL ? pcap_geterr (pcap) : "out of memory");
      if (stream != NULL)
        fclose (stream);
      free (buffer);
      if (pcap != NULL)
        pcap_close (pcap);
      return NULL;
    }

  PcapWriter writer = { dumper, flows, g_byte_array_new () };
  g_autoptr (GArray) steps = pochta_export_steps (transcript);
  guint i = 0;
  while (i < steps->len)
    {
      const PochtaExportStep *step = &g_array_index (steps, PochtaExportStep, i);
      if (step->kind == POCHTA_EXPORT_STEP_ITEM && step->item->kind == POCHTA_ITEM_LINE)
        {
          i = write_lines (&writer, steps, i);
          continue;
        }
      if (step->kind == POCHTA_EXPORT_STEP_OPEN)
        write_handshake (&writer, step->connection);
      else if (step->kind == POCHTA_EXPORT_STEP_CLOSE)
        write_close (&writer, step->connection);
      i++;
    }
  g_byte_array_unref (writer.frame);

  GBytes *bytes = close_dumper (dumper, &buffer, &size);
  pcap_close (pcap);
  return bytes;
}
