// SPDX-License-Identifier: GPL-2.0-only
/* GET /v1/stats (JSON, for nsctl) and GET /metrics (Prometheus text). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_req.h"
#include "metrics.h"

struct count_ctx {
	size_t	zones, rrsets;
};

static int count_cb(const struct store_zone *z, void *arg)
{
	struct count_ctx *c = arg;

	c->zones++;
	c->rrsets += z->nrrsets;
	return 0;
}

int api_stats_get(struct api_req *r)
{
	const struct api_config *cfg = &r->api->cfg;
	struct count_ctx c = { 0 };
	uint64_t rc[METRICS_RCODES], fp[FP_COUNTER_MAX];
	json_t *by_rcode = json_object(), *fast = json_object();
	char rb[16];
	size_t i;
	int ret;

	/* Only the caller's zones count for a tenant; an admin sees them all. */
	ret = store_zone_foreach(r->txn, r->scope, NULL, count_cb, &c);
	if (ret) {
		json_decref(by_rcode);
		json_decref(fast);
		api_reply_error(r, 500, NULL, "store: %s", strerror(-ret));
		return 0;
	}
	metrics_rcodes(rc);
	for (i = 0; i < METRICS_RCODES; i++)
		if (rc[i])
			json_object_set_new(by_rcode, metrics_rcode_name(i, rb),
					    json_integer(rc[i]));
	if (!metrics_fastpath_read(cfg->counters_fd, fp))
		for (i = 0; i < FP_COUNTER_MAX; i++)
			json_object_set_new(fast, metrics_fastpath_names[i], json_integer(fp[i]));
	api_reply_json(r, 200, json_pack("{s:I,s:I,s:o,s:{s:I,s:I,s:o},s:{s:I}}",
					 "zones", (json_int_t)c.zones,
					 "rrsets", (json_int_t)c.rrsets,
					 "fastpath", fast,
					 "queries", "udp", (json_int_t)metrics_queries(METRICS_UDP),
					 "tcp", (json_int_t)metrics_queries(METRICS_TCP),
					 "by_rcode", by_rcode,
					 "api", "requests", (json_int_t)metrics_api_requests()));
	return 0;
}

int api_metrics_get(struct api_req *r)
{
	const struct api_config *cfg = &r->api->cfg;
	struct metrics_src src = {
		.zones = cfg->zs ? zone_store_count(cfg->zs) : 0,
		.map_entries = cfg->ms ? map_sync_count(cfg->ms) : 0,
		.counters_fd = cfg->counters_fd,
		.fail_open_regions = cfg->ms ? map_sync_fail_open(cfg->ms, cfg->health_bits) : 0,
	};
	char *text;
	size_t len;
	int ret;

	if (cfg->health) {
		src.health = true;
		health_counts(cfg->health, &src.checks_up, &src.checks_down, &src.checks_unknown,
			      &src.health_probes);
	}
	ret = metrics_render(&src, &text, &len);
	if (ret) {
		api_reply_error(r, 500, NULL, "metrics: %s", strerror(-ret));
		return 0;
	}
	api_reply_text(r, 200, "text/plain; version=0.0.4", text, len);
	return 0;
}
