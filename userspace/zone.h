/* SPDX-License-Identifier: GPL-2.0-only */
/* One immutable version of one zone: nodes by lower-cased name in a hash table,
 * RRsets per node, and what the engine needs precomputed (zone cuts, DNAME,
 * wildcards, empty non-terminals) for RFC 1034 §4.3.2 lookups. */
#ifndef NAMESERVE_ZONE_H
#define NAMESERVE_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu.h>

#include "dns_name.h"
#include "zonefile.h"

#define ZONE_RR_COMP_MAX	2	/* SOA and MINFO carry two compressible names */

/* One record's RDATA, ready to copy into a message. */
struct zone_rr {
	const uint8_t	*rdata;
	uint32_t	ttl;
	uint16_t	rdlen;
	uint8_t		ncomp;		/* compressible names in rdata */
	uint8_t		pad;
	uint16_t	comp[ZONE_RR_COMP_MAX];	/* their offsets */
};

struct zone_rrset {
	uint16_t	type;
	uint16_t	count;
	uint32_t	ttl;		/* of the first record */
	struct zone_rr	*rrs;
	const struct policy *policy;	/* traffic steering; NULL: plain */
};

enum zone_node_flags {
	ZONE_NODE_DELEG		= 1 << 0,	/* NS below the apex: a zone cut */
	ZONE_NODE_NONAUTH	= 1 << 1,	/* below a zone cut: glue or occluded */
	ZONE_NODE_DNAME		= 1 << 2,	/* owns a DNAME */
	ZONE_NODE_CNAME		= 1 << 3,	/* owns a CNAME */
	ZONE_NODE_WILDCARD	= 1 << 4,	/* first label is "*" */
	ZONE_NODE_APEX		= 1 << 5,
};

struct zone_node {
	struct zone_node	*next;		/* hash chain */
	struct zone_node	*parent;	/* NULL at the apex */
	struct zone_node	*wildcard;	/* the "*" child, the source of synthesis */
	/* The topmost zone cut at or above this node, or DNAME owner strictly above
	 * it, on the way down from the apex: what redirects a lookup here. */
	const struct zone_node	*cut;
	const uint8_t		*name;		/* lower-case wire format */
	uint32_t		hash;
	uint8_t			name_len;
	uint8_t			flags;
	uint16_t		nrrsets;	/* 0: an empty non-terminal */
	struct zone_rrset	*rrsets;	/* in the order first seen in the source */
};

struct zone_arena;

struct zone {
	struct rcu_head		rcu;		/* deferred free of a replaced version */
	const uint8_t		*origin;	/* lower-case wire format */
	uint8_t			origin_len;
	bool			dnssec;		/* holds RRSIG, NSEC, NSEC3 or DNSKEY */
	uint32_t		serial;
	struct zone_node	*apex;
	struct zone_node	**buckets;
	uint32_t		mask;		/* buckets - 1, a power of two minus one */
	size_t			nnodes;
	size_t			nrrs;
	struct zone_node	**nodes;	/* every node, for walks */
	struct zone_arena	*arena;
};

/* Builds one version from records, in any order. */
struct zone_builder;

/* origin NULL: the owner of the SOA record becomes the origin. */
int zone_builder_new(struct zone_builder **out, const uint8_t *origin);
/* Adds one IN record; duplicates are dropped. Refuses at once a record that
 * breaks its node (a second SOA, CNAME or DNAME; CNAME beside other data) or
 * lies outside a given origin. -errno with a reason in err, which starts with
 * "file:line: " when rr has a position. */
int zone_builder_add(struct zone_builder *b, const struct dns_rr *rr, char *err, size_t errlen);
/* Steers the RRset (owner, type) added already with p, whose records are its
 * records in the order added; the version takes p over, also on failure:
 * -ENOENT without such an RRset, -EEXIST if it has a policy. */
struct policy;
int zone_builder_set_policy(struct zone_builder *b, const uint8_t *owner, uint16_t type,
			    struct policy *p);
/* Checks the zone (an SOA, NS at the apex, no out-of-zone data; missing glue is
 * a warning) and returns the version. Errors on one name carry the position of
 * its first record, as above. The builder is freed either way. */
int zone_builder_finish(struct zone_builder *b, struct zone **out, char *err, size_t errlen);
void zone_builder_free(struct zone_builder *b);

/* Parses an RFC 1035 master file into a checked zone; err gets "file:line: msg"
 * for syntax errors and failed checks on a record ($INCLUDEd files by their
 * own name), "file: msg" for checks on the zone as a whole (no SOA). */
int zone_load_file(const char *path, struct zone **out, char *err, size_t errlen);

void zone_free(struct zone *z);

/* Exact lookup of a lower-case wire name of len bytes with its dns_name_hash. */
const struct zone_node *zone_lookup(const struct zone *z, const uint8_t *lname, size_t len,
				    uint32_t hash);

/* The node for lname, or its closest encloser in the zone (RFC 4592 §3.3.1);
 * lname must lie at or below the origin. *exact says which. */
const struct zone_node *zone_find(const struct zone *z, const uint8_t *lname, size_t len,
				  bool *exact);

static inline const struct zone_rrset *zone_node_rrset(const struct zone_node *n, uint16_t type)
{
	uint16_t i;

	for (i = 0; i < n->nrrsets; i++)
		if (n->rrsets[i].type == type)
			return &n->rrsets[i];
	return NULL;
}

#endif /* NAMESERVE_ZONE_H */
