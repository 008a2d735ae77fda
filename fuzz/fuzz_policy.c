// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the JSON an API client sends as an RRset's policy or as a
 * health check. Whatever validation accepts must compile, canonicalise to a
 * fixed point, and give every region a record to answer with; a health check
 * it accepts must survive its own JSON. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "health.h"
#include "log.h"
#include "policy.h"

#define NRECORDS	4

static int fuzz_slot(const char *check, void *ctx)
{
	(void)ctx;
	if (!strcmp(check, "web1"))
		return 1;
	if (!strcmp(check, "web2"))
		return 70;
	return -ENOENT;
}

static void check_policy(const json_t *obj)
{
	static uint8_t addrs[NRECORDS][4] = {
		{ 198, 18, 100, 1 }, { 198, 18, 100, 2 }, { 198, 18, 100, 3 }, { 198, 18, 100, 4 },
	};
	const uint8_t *rdata[NRECORDS];
	uint16_t rdlen[NRECORDS];
	struct fp_health h = { 0 };
	struct policy_err e;
	struct policy *p = NULL;
	char *canon = NULL, *again = NULL;
	uint8_t order[FP_POLICY_RECORDS_MAX], scope, probe[4] = { 198, 18, 1, 7 };
	json_t *reparsed;
	uint32_t r;
	size_t i;

	for (i = 0; i < NRECORDS; i++) {
		rdata[i] = addrs[i];
		rdlen[i] = 4;
	}
	if (policy_validate(obj, 1, rdata, rdlen, NRECORDS, fuzz_slot, NULL, &canon, &e)) {
		if (!e.field[0] || !e.msg[0])
			abort();	/* an API 400 must name its field */
		return;
	}
	if (policy_compile(canon, strlen(canon), 1, rdata, rdlen, NRECORDS, fuzz_slot, NULL, &p,
			   &e))
		abort();
	reparsed = json_loads(canon, 0, NULL);
	if (!reparsed ||
	    policy_validate(reparsed, 1, rdata, rdlen, NRECORDS, fuzz_slot, NULL, &again, &e) ||
	    strcmp(canon, again))
		abort();
	/* Validation promises every region something to serve, healthy or not. */
	for (r = 0; r < p->fp.nregions; r++) {
		if (!fp_policy_select(&p->fp, r, &h, r * 2654435761U, order, NULL))
			abort();
		memset(h.down, 0xff, sizeof(h.down));
		if (!fp_policy_select(&p->fp, r, &h, r, order, NULL))
			abort();
		memset(h.down, 0, sizeof(h.down));
	}
	if (policy_region(p, NULL, AF_INET, probe, &scope) >= p->fp.nregions || scope > 32)
		abort();
	json_decref(reparsed);
	policy_free(p);
	free(canon);
	free(again);
}

static void check_health(const json_t *obj)
{
	struct health_spec spec, back;
	char field[64], msg[256];
	json_t *out;

	msg[0] = 0;
	if (health_spec_from_json(obj, NULL, &spec, field, sizeof(field), msg, sizeof(msg))) {
		if (!msg[0])
			abort();	/* field may be "": a member named "" */
		return;
	}
	out = health_spec_json(&spec);
	if (!out || health_spec_from_json(out, NULL, &back, field, sizeof(field), msg,
					  sizeof(msg)))
		abort();
	if (back.type != spec.type || back.interval_ms != spec.interval_ms ||
	    back.timeout_ms != spec.timeout_ms || back.fall != spec.fall ||
	    back.rise != spec.rise || strcmp(back.path, spec.path) || back.verify != spec.verify)
		abort();
	json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *obj;

	log_set_level(LOG_LEVEL_ERR);
	obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!obj)
		return 0;
	if (json_is_object(obj)) {
		check_policy(obj);
		check_health(obj);
	}
	json_decref(obj);
	return 0;
}
