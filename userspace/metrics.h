/* SPDX-License-Identifier: GPL-2.0-only */
/* Counters the servers, the engine and the API bump, cheap enough for every
 * query (per-thread slots, relaxed atomics), and their Prometheus text. */
#ifndef NAMESERVE_METRICS_H
#define NAMESERVE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fastpath.h"

enum metrics_path { METRICS_UDP, METRICS_TCP, METRICS_PATHS };

#define METRICS_RCODES	16

/* One reply sent; rcode and qtype are read from it. */
void metrics_query(enum metrics_path path, const uint8_t *resp, size_t len);
void metrics_api_request(const char *method, unsigned int status);
/* An engine answer of a steered RRset that failed open: nothing healthy. */
void metrics_policy_fail_open(void);
uint64_t metrics_policy_fail_opens(void);
/* Seconds from a committed write to its version being served. */
void metrics_apply_observe(double seconds);

uint64_t metrics_queries(enum metrics_path path);
/* Replies by RCODE over both paths, counts[METRICS_RCODES]. */
void metrics_rcodes(uint64_t *counts);
uint64_t metrics_api_requests(void);
const char *metrics_rcode_name(int rcode, char *buf);

/* The fast path's per-CPU counters summed, vals[FP_COUNTER_MAX]; -errno. */
int metrics_fastpath_read(int counters_fd, uint64_t *vals);
extern const char *const metrics_fastpath_names[FP_COUNTER_MAX];

struct metrics_src {
	size_t		zones;
	unsigned long	map_entries;
	int		counters_fd;	/* -1: no fast path */
	bool		health;		/* a health checker runs: the counts below */
	size_t		checks_up, checks_down, checks_unknown;
	uint64_t	health_probes;
	/* Regions of the fast path's policies failing open now (map_sync_fail_open). */
	unsigned long	fail_open_regions;
};

/* The Prometheus text exposition, malloc'd. */
int metrics_render(const struct metrics_src *src, char **out, size_t *len);

#endif /* NAMESERVE_METRICS_H */
