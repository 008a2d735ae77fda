/* SPDX-License-Identifier: GPL-2.0-only */
/* Writes the XDP answer cache (include/fastpath.h: fp_cache_line) in place,
 * through mmap, so that the program never copies a half-written line. */
#ifndef NAMESERVE_ANSWER_CACHE_H
#define NAMESERVE_ANSWER_CACHE_H

#include <stdbool.h>

#include "fastpath.h"

struct answer_cache;

/* Maps the answer_cache map (@map_fd), new and so empty. -EOPNOTSUPP
 * where the program's unfenced reads are not safe (see fastpath.h): run
 * without it then. */
int answer_cache_open(struct answer_cache **out, int map_fd);
void answer_cache_close(struct answer_cache *c);

/*
 * Copies the tier-0 entry @e, which the map holds under @k, into its line if
 * it fits (not steered, at most FP_CACHE_DATA answer bytes) and the line is
 * empty or @k's already; an @e that does not fit empties @k's line. Returns
 * whether the line holds @e now.
 */
bool answer_cache_put(struct answer_cache *c, const struct fp_key *k,
		      const struct fp_entry_32 *e);

/* Empties @k's line if @k holds it; before the map's element goes. */
void answer_cache_drop(struct answer_cache *c, const struct fp_key *k);

#endif /* NAMESERVE_ANSWER_CACHE_H */
