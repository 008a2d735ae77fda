/* SPDX-License-Identifier: GPL-2.0-only */
/* Keeps the fast path's answer maps equal to what the engine would answer. */
#ifndef NAMESERVE_MAP_SYNC_H
#define NAMESERVE_MAP_SYNC_H

#include "fastpath_entry.h"

struct map_sync;

/* fds[tier] are the answer maps, FP_TIERS of them. */
int map_sync_new(struct map_sync **out, const int *answer_fds);
void map_sync_free(struct map_sync *ms);

/* A full sync: begin, put every entry (a fastpath_entry_cb), then commit, which
 * deletes whatever the previous sync installed and this one did not. */
void map_sync_begin(struct map_sync *ms);
int map_sync_put(const struct fastpath_entry *e, void *ms);
int map_sync_commit(struct map_sync *ms);

/* Incremental changes between syncs. */
int map_sync_delete(struct map_sync *ms, const uint8_t *qname, uint16_t qtype);

/* Entries installed now. */
unsigned long map_sync_count(const struct map_sync *ms);

#endif /* NAMESERVE_MAP_SYNC_H */
