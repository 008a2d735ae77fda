/* SPDX-License-Identifier: GPL-2.0-only */
/* What the engine hands to map sync: one (qname, qtype) whose whole reply is
 * its answer section, in the exact bytes the engine itself would send. */
#ifndef NAMESERVE_FASTPATH_ENTRY_H
#define NAMESERVE_FASTPATH_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

struct policy;

struct fastpath_entry {
	const uint8_t	*qname;		/* lower-case wire name */
	uint8_t		qname_len;	/* including the root label */
	uint16_t	qtype;
	const uint8_t	*answer;	/* RRs, owners compressed to 0xc00c */
	uint16_t	answer_len;
	uint16_t	ancount;
	bool		pass_do;	/* the engine must answer DO=1 itself */
	/* A steered RRset: answer holds every record of it, in order, each
	 * answer_len / ancount bytes, and map sync installs the policy too. */
	const struct policy *policy;
};

typedef int (*fastpath_entry_cb)(const struct fastpath_entry *e, void *ctx);

#endif /* NAMESERVE_FASTPATH_ENTRY_H */
