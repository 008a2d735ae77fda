// SPDX-License-Identifier: GPL-2.0-only
/* `nsctl stats --api`: GET /v1/stats printed as a name/value table. The names
 * come from the reply, so counters the server adds show up without a change here. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "api.h"
#include "nsctl.h"
#include "stats_api.h"
#include "table.h"

#define STATS_DEPTH_MAX	8	/* deeper objects print as compact JSON */

static int stats_rows(struct table *t, const char *prefix, const json_t *obj, int depth)
{
	char name[256], buf[256];
	const char *key;
	json_t *v;
	int ret;

	json_object_foreach((json_t *)obj, key, v) {
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", key);
		if (json_is_object(v) && json_object_size(v) && depth < STATS_DEPTH_MAX)
			ret = stats_rows(t, name, v, depth + 1);
		else if (json_is_object(v) && !json_object_size(v))
			ret = table_row(t, name, "-");	/* e.g. no fast path attached */
		else
			ret = table_row(t, name, api_field(obj, key, buf, sizeof(buf)));
		if (ret)
			return ret;
	}
	return 0;
}

int stats_api_print(const json_t *stats, FILE *f)
{
	struct table *t = table_new(2, NULL);
	int ret = -ENOMEM;

	if (!t)
		goto out;
	table_align_right(t, 1);
	if (!json_is_object(stats)) {
		ret = -EINVAL;
		goto out;
	}
	ret = stats_rows(t, "", stats, 0);
	if (!ret)
		ret = table_print(t, f);
out:
	table_free(t);
	return ret;
}

int stats_api_run(bool json)
{
	struct api_reply r;
	int ret;

	ret = api_call("GET", "/v1/stats", NULL, &r);
	if (ret)
		return ret;
	ret = json ? api_print_json(r.json) : stats_api_print(r.json, stdout);
	api_reply_free(&r);
	if (ret == -EINVAL) {
		nsctl_err("stats: the server's reply is not a JSON object");
		return NSCTL_EXIT_FAIL;
	}
	if (ret || fflush(stdout)) {
		nsctl_err("cannot write the output");
		return NSCTL_EXIT_FAIL;
	}
	return NSCTL_EXIT_OK;
}
