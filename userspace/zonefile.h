/* SPDX-License-Identifier: GPL-2.0-only */
/* RFC 1035 §5 master files: parsing ($ORIGIN, $TTL, $INCLUDE, parentheses,
 * escapes, omitted fields, TTL units, RFC 3597 \#) and writing them back. */
#ifndef NAMESERVE_ZONEFILE_H
#define NAMESERVE_ZONEFILE_H

#include <stdint.h>
#include <stdio.h>

/* One resource record; owner and rdata are uncompressed wire format. */
struct dns_rr {
	const uint8_t	*owner;		/* case as written */
	uint16_t	type;
	uint16_t	rclass;
	uint32_t	ttl;
	uint16_t	rdlen;
	const uint8_t	*rdata;
};

/* Called per record; pointers are valid only during the call. Non-zero stops
 * the parse and is returned (with err filled by the callback if it wishes). */
typedef int (*zonefile_rr_cb)(const struct dns_rr *rr, void *ctx);

struct zonefile_opts {
	const uint8_t	*origin;	/* NULL: from $ORIGIN, else the first SOA owner */
	uint32_t	default_ttl;	/* before any $TTL or SOA; 0: 3600 */
	int		max_include_depth; /* 0: 8 */
	int		no_include;	/* refuse $INCLUDE (API uploads) */
};

/* Parses a file. On a syntax error returns -EINVAL and writes
 * "file:line: message" to err, line being where the record or directive
 * starts; nothing is kept, callers discard the zone. */
int zonefile_parse(const char *path, const struct zonefile_opts *opts,
		   zonefile_rr_cb cb, void *ctx, char *err, size_t errlen);
/* The same for text in memory; name labels the errors. */
int zonefile_parse_buffer(const char *name, const char *buf, size_t len,
			  const struct zonefile_opts *opts, zonefile_rr_cb cb, void *ctx,
			  char *err, size_t errlen);

/* One record as a master-file line: owner, TTL, class, type, RDATA. */
int zonefile_write_rr(FILE *f, const struct dns_rr *rr);

#endif /* NAMESERVE_ZONEFILE_H */
