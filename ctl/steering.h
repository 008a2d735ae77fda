/* SPDX-License-Identifier: GPL-2.0-only */
/* Traffic steering on the command line: the "policy" member of an RRset built
 * from `rrset set` flags, and the one-line summary the tables show. */
#ifndef NSCTL_STEERING_H
#define NSCTL_STEERING_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "fp_policy.h"

/* Region 0 is the default: at most this many --geo rules besides it. */
#define STEERING_GEO_MAX	(FP_POLICY_REGIONS_MAX - 1)

/* The steering flags of one `rrset set`, as given (NULL / false: not given). */
struct steering_flags {
	const char	*weights;	/* --weights 70,30 */
	const char	*healthchecks;	/* --healthchecks web1,- */
	const char	*failover;	/* --failover primary,secondary */
	bool		multivalue;	/* --multivalue */
	const char	*geo[STEERING_GEO_MAX + 1];	/* each --geo, in order */
	int		ngeo;
};

/* Whether any steering flag was given. */
bool steering_given(const struct steering_flags *f);

/*
 * The policy object for an RRset of nrecords records, checked as far as the
 * command line can be: per-record lists have one entry per record, weights
 * are 0-65535, failover roles are "primary" or "secondary", --geo reads
 * KIND:CODE[+CODE...]=RDATA[,RDATA...] or default=RDATA[,...]. *out is NULL
 * when no flag was given. Returns 0, -EINVAL with the reason in err, or
 * -ENOMEM.
 */
int steering_build(const struct steering_flags *f, int nrecords, json_t **out, char *err,
		   size_t errlen);

/*
 * A policy as one line for a table: "weights 70,30; checks web1,-; failover
 * primary,secondary; multivalue; geo 2 rules + default". With full, the geo
 * part lists the rules as --geo takes them: "geo continent:EU=192.0.2.1,
 * default=192.0.2.2". "-" for null. Cut to fit buf, ending in "..." then.
 */
const char *steering_summary(const json_t *policy, bool full, char *buf, size_t len);

#endif /* NSCTL_STEERING_H */
