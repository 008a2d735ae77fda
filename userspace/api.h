/* SPDX-License-Identifier: GPL-2.0-only */
/* The HTTP/JSON API (userspace/api.md): libmicrohttpd serving zones, RRsets,
 * tokens, health checks, stats and Prometheus metrics, every zone write through
 * zone_admin. */
#ifndef NAMESERVE_API_H
#define NAMESERVE_API_H

#include <stddef.h>
#include <stdio.h>

#include "health.h"
#include "map_sync.h"
#include "store.h"
#include "zone_admin.h"
#include "zone_store.h"

#define API_MAX_BODY_DEFAULT	(4 << 20)
#define API_ADMIN_ACCOUNT	"admin"

struct api_config {
	const char		*listen;	/* "ADDR:PORT", "[V6]:PORT" */
	const char		*cert_file;	/* both or neither: HTTPS */
	const char		*key_file;
	size_t			max_body;	/* 0: API_MAX_BODY_DEFAULT */
	const char		*admin_token_file;
	struct store		*store;
	struct zone_admin	*za;
	const struct zone_store	*zs;
	struct map_sync		*ms;		/* may be NULL */
	int			counters_fd;	/* the fast path's, or -1 */
	struct health		*health;	/* NULL: /v1/healthchecks answers 404 */
	const struct fp_health	*health_bits;	/* for the fail-open gauge; may be NULL */
};

struct api;

/* Reads or creates the admin token file, then listens. 0 or -errno, logged. */
int api_start(struct api **out, const struct api_config *cfg);
void api_stop(struct api *a);

/* Prints "METHOD /path" for every route, as api.md's headings spell them. */
void api_print_routes(FILE *f);

#endif /* NAMESERVE_API_H */
