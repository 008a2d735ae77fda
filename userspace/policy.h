/* SPDX-License-Identifier: GPL-2.0-only */
/* Traffic steering on one RRset: the policy as the API and the store hold it
 * (a JSON object, userspace/api.md), its validation against the records it
 * steers, and its compiled form that the engine and map sync both read. */
#ifndef NAMESERVE_POLICY_H
#define NAMESERVE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fp_policy.h"

struct geo;

#define POLICY_CHECK_NAME_MAX	63

/*
 * The JSON object, every member optional but at least one present:
 *   "weights":      [N, ...]  one per record, 0..65535; selects one record
 *   "multivalue":   true      up to 8 healthy records, shuffled (not with weights)
 *   "healthchecks": ["name" | null, ...]  one per record
 *   "failover":     ["primary" | "secondary", ...]  one per record
 *   "geo": { "rules": [ { "continents" | "countries" | "cidrs": [...],
 *                         "records": ["rdata", ...] }, ... ],
 *            "default": ["rdata", ...] }
 * Per-record arrays follow the RRset's records in order. Only A and AAAA
 * RRsets take a policy, of at most FP_POLICY_RECORDS_MAX records.
 */

/* Resolves a health check's name to its slot in struct fp_health: the slot,
 * or -ENOENT when no such check exists. */
typedef int (*policy_slot_fn)(const char *check, void *ctx);

struct policy_err {
	char	field[96];	/* "policy.weights[1]", "policy.geo.rules[0].cidrs[2]" */
	char	msg[256];
};

/* One explicit CIDR rule's network. */
struct policy_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		len;		/* prefix length */
	uint8_t		addr[16];	/* network address, host bits zero */
	uint32_t	region;
};

/* One country or continent rule's code. */
struct policy_code {
	enum fp_geo_kind	kind;
	char			code[2];
	uint32_t		region;
};

/* Compiled and immutable; owned by the zone version that holds its RRset. */
struct policy {
	/* mode, nrecords, nregions, flags, weight, health and region are set;
	 * rr_len and csum stay zero: map sync fills them from the encoded
	 * records. */
	struct fp_policy	fp;
	size_t			ncidrs;
	struct policy_cidr	*cidrs;
	size_t			ncodes;
	struct policy_code	*codes;
	char			*checks[FP_POLICY_RECORDS_MAX];	/* NULL: none */
	char			*text;		/* canonical JSON, as stored */
	size_t			text_len;
};

/*
 * Checks obj against the RRset it would steer: type, and its records' RDATA
 * (uncompressed wire) in order. On success *canonical gets the policy's
 * canonical JSON (malloc'd, members in a fixed order, records in their
 * presentation form), which policy_compile takes back. -EINVAL with e naming
 * the field at fault. Every named check must resolve through slot.
 */
int policy_validate(const json_t *obj, uint16_t type, const uint8_t *const *rdata,
		    const uint16_t *rdlen, size_t n, policy_slot_fn slot, void *ctx,
		    char **canonical, struct policy_err *e);

/* Compiles canonical text for the same records. A check that no longer
 * resolves is taken as none (FP_HEALTH_NONE), with a warning logged. */
int policy_compile(const char *text, size_t len, uint16_t type, const uint8_t *const *rdata,
		   const uint16_t *rdlen, size_t n, policy_slot_fn slot, void *ctx,
		   struct policy **out, struct policy_err *e);
void policy_free(struct policy *p);

/* The canonical text as a JSON value for the API's replies (new reference). */
json_t *policy_json(const struct policy *p);
json_t *policy_json_text(const char *text, size_t len);

/*
 * The region of a client address (family AF_INET or AF_INET6, addr in network
 * order), most specific first: the longest CIDR rule that holds it, else its
 * country's rule, else its continent's, else 0. geo may be NULL (no database:
 * only CIDR rules match). *scope gets the ECS scope prefix length (RFC 7871
 * §7.2.1): the length over which this answer holds, i.e. the matched
 * network's, lengthened past any CIDR rule inside it. 0 when the policy has
 * no geo rules.
 */
uint32_t policy_region(const struct policy *p, const struct geo *g, int family,
		       const uint8_t *addr, uint8_t *scope);

/* One line for a zone-file export comment, e.g.
 * "weights 70,30; healthchecks web1,-; geo 3 rules". */
int policy_describe(const struct policy *p, char *buf, size_t len);

#endif /* NAMESERVE_POLICY_H */
