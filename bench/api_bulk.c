// SPDX-License-Identifier: GPL-2.0-only
/* Fills a store with many small zones for bench/api.sh: the same zone_admin
 * path as POST /v1/zones, but a thousand zones per transaction, since 100,000
 * HTTP calls of one fsync each would measure the disk, not the server. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu.h>

#include "store.h"
#include "zone_admin.h"
#include "zone_store.h"

#define BATCH	1000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct zone_admin_config cfg = { .default_ns = { "ns1.bench.net.", "ns2.bench.net." },
					 .ndefault_ns = 2 };
	struct zone_admin_zone_spec spec = {
		.account = "bench",
		.soa = { .refresh = -1, .retry = -1, .expire = -1, .minimum = -1, .ttl = -1 },
	};
	struct zone_admin_txn *t = NULL;
	struct zone_admin_err e;
	struct zone_admin *za;
	struct zone_store *zs;
	struct store *st;
	char name[64], text[128];
	long n, i;
	double t0;
	int ret;

	if (argc != 3 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: api_bulk STATE_DIR COUNT\n"
			"creates zones z0.bench. .. z(COUNT-1).bench. of account bench, each\n"
			"with SOA, NS, and A records at the apex and www\n");
		return 2;
	}
	rcu_register_thread();
	if (store_open(&st, argv[1]) || zone_store_new(&zs) ||
	    zone_admin_new(&za, st, zs, &cfg))
		return 1;
	t0 = now();
	for (i = 0; i < n; i++) {
		if (!t && zone_admin_begin(za, &t)) {
			fprintf(stderr, "api_bulk: cannot begin a write\n");
			return 1;
		}
		snprintf(name, sizeof(name), "z%ld.bench.", i);
		snprintf(text, sizeof(text), "@ 300 A 198.18.%ld.%ld\nwww 300 A 198.18.%ld.%ld\n",
			 (i / 250) % 250, i % 250 + 1, (i / 250) % 250, i % 250 + 1);
		spec.name = name;
		spec.zonefile = text;
		spec.zonefile_len = strlen(text);
		ret = zone_admin_zone_create(t, &spec, NULL, &e);
		if (ret && e.status != ZONE_ADMIN_CONFLICT) {
			fprintf(stderr, "api_bulk: %s: %s\n", name, e.msg);
			return 1;
		}
		if ((i + 1) % BATCH == 0 || i + 1 == n) {
			ret = zone_admin_commit(t);
			t = NULL;
			if (ret) {
				fprintf(stderr, "api_bulk: commit: %s\n", strerror(-ret));
				return 1;
			}
		}
	}
	printf("api_bulk: %ld zones in %.1f s\n", n, now() - t0);
	zone_admin_free(za);
	zone_store_free(zs);
	store_close(st);
	rcu_unregister_thread();
	return 0;
}
