/* SPDX-License-Identifier: GPL-2.0-only */
/* Keeps the fast path's answer maps equal to what the engine would answer. */
#ifndef NAMESERVE_MAP_SYNC_H
#define NAMESERVE_MAP_SYNC_H

#include "fastpath_entry.h"
#include "fp_policy.h"

struct map_sync;

/* fds[tier] are the answer maps, FP_TIERS of them; @seed is the program's
 * name_seed, which the maps' keys are computed with. */
int map_sync_new(struct map_sync **out, const int *answer_fds, uint64_t seed);
void map_sync_free(struct map_sync *ms);
/* The policy maps (bpf/xdp_dns.bpf.c: policies, policy_cidr_v4, policy_cidr_v6,
 * policy_codes). Until set, steered RRsets get no entry: the engine answers. */
void map_sync_set_policy_maps(struct map_sync *ms, int policies_fd, int cidr4_fd, int cidr6_fd,
			      int codes_fd);
/* How long a policy slot no answer names any more rests, cleared, before
 * another RRset gets it: an XDP run that read the old answer may still read
 * it. 1000 ms unless set. */
void map_sync_set_slot_grace(struct map_sync *ms, unsigned int msec);
/* Regions of installed policies whose candidates are all down now (failing
 * open), for metrics. */
unsigned long map_sync_fail_open(struct map_sync *ms, const struct fp_health *h);

/* A full sync: begin, put every entry (a fastpath_entry_cb), then commit, which
 * deletes whatever the previous sync installed and this one did not. */
void map_sync_begin(struct map_sync *ms);
int map_sync_put(const struct fastpath_entry *e, void *ms);
int map_sync_commit(struct map_sync *ms);

/* Zone by zone, instead of full syncs: makes the entries that walk(src, ...)
 * produces now the zone's, writing only the values that changed and deleting
 * the keys the zone had installed and no longer produces. A key two zones
 * produce belongs to the longer origin. On error what was installed stays. */
typedef int (*map_sync_walk_fn)(const void *src, fastpath_entry_cb cb, void *ctx);
int map_sync_zone(struct map_sync *ms, const uint8_t *origin, map_sync_walk_fn walk,
		  const void *src);
/* Deletes every entry the zone installed; -ENOENT if it has none listed. */
int map_sync_zone_remove(struct map_sync *ms, const uint8_t *origin);

/* Incremental changes between syncs. */
int map_sync_delete(struct map_sync *ms, const uint8_t *qname, uint16_t qtype);

/* Entries installed now. */
unsigned long map_sync_count(const struct map_sync *ms);

#endif /* NAMESERVE_MAP_SYNC_H */
