/* SPDX-License-Identifier: GPL-2.0-only */
/* `nsctl rrset ...`: the records of a zone, one RRset (name, type) at a time. */
#ifndef NSCTL_RRSET_H
#define NSCTL_RRSET_H

#include <stddef.h>

#include <jansson.h>

/* What the command line says about one RRset: the one place its JSON is built. */
struct rrset_spec {
	const char	*name;		/* owner: absolute, relative to the zone, or "@" */
	const char	*type;		/* canonical (upper case) */
	long		ttl;		/* -1: not given, the server's default */
	char *const	*records;	/* presentation-format RDATA, one record each */
	int		nrecords;
	const json_t	*policy;	/* the "policy" member, NULL: none sent */
};

#define RRSET_TTL_MAX	2147483647L	/* RFC 2181 section 8 */
#define RRSET_MAX_RECORDS 1000		/* the API's limit */

/*
 * The JSON for an RRset: op NULL gives the body of PUT .../rrsets/NAME/TYPE
 * ({"ttl", "records", "policy"}); an op ("replace", "add", "remove", "delete") gives one
 * change of a PATCH ({"op", "name", "type", ...}). NULL when out of memory or
 * a record is not UTF-8.
 */
json_t *rrset_json(const struct rrset_spec *spec, const char *op);

/* A type as the API wants it in a path: letters, digits (TYPE65534), upper-cased.
 * Returns 0 or -EINVAL. */
int rrset_type_canon(const char *in, char *out, size_t len);

/* argv[0] is "rrset". Returns the process exit code. */
int rrset_cmd(int argc, char **argv);

#endif /* NSCTL_RRSET_H */
