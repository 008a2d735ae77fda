/* SPDX-License-Identifier: GPL-2.0-only */
/* `nsctl stats --api`: the daemon's counters from GET /v1/stats, for a PoP
 * that is not this machine. */
#ifndef NSCTL_STATS_API_H
#define NSCTL_STATS_API_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* One "name value" line per number, nested objects' names joined with dots
 * ("queries.udp"), an empty object as "-". Returns 0 or -ENOMEM/-EIO. */
int stats_api_print(const json_t *stats, FILE *f);

/* GETs /v1/stats and prints it (json: the API's JSON). Returns the exit code. */
int stats_api_run(bool json);

#endif /* NSCTL_STATS_API_H */
