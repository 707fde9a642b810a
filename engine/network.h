/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated network as a network file describes it: departments, hosts
 * with their SMTP profile and services, users and lists (kept in a
 * PochtaDirectory), MX records and links with latency.  The loader refuses
 * anything malformed with "file:line: what is wrong". */
#pragma once

#include <glib.h>

#include "directory.h"
#include "smtp-profile.h"

G_BEGIN_DECLS

#define POCHTA_NETWORK_ERROR (pochta_network_error_quark ())
GQuark pochta_network_error_quark (void);

typedef enum
{
  POCHTA_NETWORK_ERROR_SYNTAX,      /* a line that is not a group, key=value or comment */
  POCHTA_NETWORK_ERROR_UNKNOWN,     /* an unknown group kind or key */
  POCHTA_NETWORK_ERROR_DUPLICATE,   /* a group or key given twice */
  POCHTA_NETWORK_ERROR_MISSING,     /* a required group or key is absent */
  POCHTA_NETWORK_ERROR_VALUE,       /* a value that does not parse */
  POCHTA_NETWORK_ERROR_REFERENCE,   /* a name that refers to nothing */
  POCHTA_NETWORK_ERROR_NOT_FOUND,   /* no such built-in network */
} PochtaNetworkError;

typedef struct
{
  char *id;        /* "otd1" */
  char *name;      /* "Department 1" */
  char *domain;    /* "otd1.constr.org" */
} PochtaDepartment;

typedef struct
{
  char *name;             /* "comp1.otd1.constr.org" */
  char *address;          /* "192.0.2.11" */
  char *department;       /* department id, or NULL */
  PochtaSmtpProfile profile;
  guint16 smtp_port;      /* 0: no SMTP service */
  guint16 pop3_port;      /* 0: no POP3 service */
} PochtaHost;

typedef struct
{
  guint preference;
  char *exchanger;        /* host name */
} PochtaMxRecord;

typedef enum
{
  POCHTA_LINK_LAN,             /* joins all its members with one latency */
  POCHTA_LINK_POINT_TO_POINT,  /* joins its two ends (hosts or LANs) */
} PochtaLinkKind;

typedef struct
{
  char *id;
  PochtaLinkKind kind;
  GStrv members;          /* host names, or LAN link ids for a point-to-point link */
  guint latency_ms;
} PochtaLink;

typedef struct _PochtaNetwork PochtaNetwork;

/* filename names the source in error messages only. */
PochtaNetwork *pochta_network_load_data (const char *data,
                                         gsize       len,
                                         const char *filename,
                                         GError    **error);
PochtaNetwork *pochta_network_load_file (const char *path, GError **error);
/* A network compiled into the binaries ("constr-org"). */
PochtaNetwork *pochta_network_load_builtin (const char *id, GError **error);
/* Ids of the built-in networks, sorted. */
GStrv pochta_network_list_builtin (void);
void pochta_network_free (PochtaNetwork *self);

const char *pochta_network_get_id (PochtaNetwork *self);
const char *pochta_network_get_name (PochtaNetwork *self);
const char *pochta_network_get_domain (PochtaNetwork *self);

/* Of PochtaDepartment*, PochtaHost*, PochtaLink*, in file order. */
GPtrArray *pochta_network_get_departments (PochtaNetwork *self);
GPtrArray *pochta_network_get_hosts (PochtaNetwork *self);
GPtrArray *pochta_network_get_links (PochtaNetwork *self);
const PochtaHost *pochta_network_get_host (PochtaNetwork *self, const char *name);

/* Users and lists, with the SMTP policy of each host. */
PochtaDirectory *pochta_network_get_directory (PochtaNetwork *self);

/* The MX records of domain, lowest preference first; an empty array when
 * there are none (the caller then uses the implicit MX, RFC 5321 §5.1). */
GPtrArray *pochta_network_lookup_mx (PochtaNetwork *self, const char *domain);
/* The same records, the network's own (valid while it lives); NULL when
 * there are none.  For callers that ask on every message. */
const GPtrArray *pochta_network_peek_mx (PochtaNetwork *self, const char *domain);
/* The domains that have MX records (lower case), sorted; NULL-terminated. */
GStrv pochta_network_dup_mx_domains (PochtaNetwork *self);

/* Virtual-time latency of the cheapest path between two hosts, in
 * microseconds; FALSE when no links join them. */
gboolean pochta_network_get_latency (PochtaNetwork *self,
                                     const char    *from_host,
                                     const char    *to_host,
                                     gint64        *out_latency_usec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PochtaNetwork, pochta_network_free)

G_END_DECLS
