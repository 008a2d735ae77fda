// SPDX-License-Identifier: GPL-2.0-only
/* geo against MaxMind's test databases ($NAMESERVE_GEO_DIR): lookups of known
 * networks, open errors, the tree walk checked against the database itself and
 * its JSON source, and the LPM tries it fills answering as lookups do. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <jansson.h>

#include "fp_policy.h"
#include "geo.h"
#include "log.h"

static const char *const dbs[] = {
	"GeoIP2-Country-Test.mmdb",
	"GeoIP2-City-Test.mmdb",
	"GeoLite2-Country-Test.mmdb",
};

static const char *geo_dir(void)
{
	const char *d = getenv("NAMESERVE_GEO_DIR");

	return d && *d ? d : "../shared/geo";
}

static struct geo *open_db(const char *name)
{
	char path[4096];
	struct geo *g;
	int err;

	snprintf(path, sizeof(path), "%s/%s", geo_dir(), name);
	err = geo_open(&g, path);
	if (err)
		fail_msg("%s: %s (set NAMESERVE_GEO_DIR)", path, strerror(-err));
	return g;
}

/* Parses "ADDR" into family and bytes. */
static int parse_addr(const char *s, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	assert_int_equal(inet_pton(AF_INET6, s, addr), 1);
	return AF_INET6;
}

static void lookup(const struct geo *g, const char *s, int want_err, const char *country,
		   const char *continent, int want_prefix)
{
	struct fp_geo loc;
	uint8_t addr[16], prefix;
	int fam = parse_addr(s, addr);

	assert_int_equal(geo_lookup(g, fam, addr, &loc, &prefix), want_err);
	if (want_prefix >= 0)
		assert_int_equal(prefix, want_prefix);
	if (want_err) {
		assert_memory_equal(&loc, &(struct fp_geo){ 0 }, sizeof(loc));
		return;
	}
	assert_memory_equal(loc.country, country, 2);
	assert_memory_equal(loc.continent, continent, 2);
}

static void test_lookup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		struct geo *g = open_db(dbs[i]);

		lookup(g, "81.2.69.160", 0, "GB", "EU", 27);
		lookup(g, "81.2.69.191", 0, "GB", "EU", 27);
		lookup(g, "2.125.160.216", 0, "GB", "EU", 29);
		lookup(g, "2001:218::1", 0, "JP", "AS", 32);
		lookup(g, "2001:250::1", 0, "CN", "AS", 31);
		lookup(g, "2a02:d180::1", 0, "DE", "EU", 29);
		lookup(g, "2a02:cfc0::1", 0, "FR", "EU", 29);
		lookup(g, "2a02:e700::1", 0, "LY", "AF", 29);
		/* Not in the database: -ENOENT, codes zero, still a prefix. */
		lookup(g, "198.18.0.1", -ENOENT, NULL, NULL, -1);
		lookup(g, "2001:db8::1", -ENOENT, NULL, NULL, -1);
		geo_close(g);
	}
}

static void test_lookup_family(void **state)
{
	struct geo *g = open_db(dbs[0]);
	uint8_t addr[16] = { 0 }, prefix = 99;
	struct fp_geo loc = { { 'X', 'X' }, { 'X', 'X' } };

	(void)state;
	assert_int_equal(geo_lookup(g, AF_UNIX, addr, &loc, &prefix), -EAFNOSUPPORT);
	assert_memory_equal(&loc, &(struct fp_geo){ 0 }, sizeof(loc));
	geo_close(g);
}

struct log_capture {
	char	msg[512];
};

/* Static, and the sink reset after each test: a failed assertion leaves the
 * test without putting the sink back. */
static struct log_capture c;

static int reset_log(void **state)
{
	(void)state;
	log_set_sink((struct log_sink){ 0 });
	return 0;
}

static bool capture(void *ctx, enum log_level level, const char *msg)
{
	struct log_capture *c = ctx;

	(void)level;
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
	return true;
}

static void test_open_errors(void **state)
{
	struct log_sink prev = log_set_sink((struct log_sink){ .fn = capture, .ctx = &c });
	char path[4096], tmp[] = "/tmp/test_geo.XXXXXX";
	struct geo *g = (struct geo *)1;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such.mmdb", geo_dir());
	assert_int_equal(geo_open(&g, path), -ENOENT);
	assert_null(g);
	assert_non_null(strstr(c.msg, "no-such.mmdb"));

	/* Not a MaxMind DB: the JSON source, and a short file of zeroes. */
	snprintf(path, sizeof(path), "%s/GeoIP2-Country-Test.json", geo_dir());
	assert_true(geo_open(&g, path) < 0);
	assert_null(g);
	assert_non_null(strstr(c.msg, "not a MaxMind DB"));

	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\0\0\0\0\0\0\0\0", 8), 8);
	close(fd);
	c.msg[0] = 0;
	assert_true(geo_open(&g, tmp) < 0);
	assert_non_null(strstr(c.msg, "not a MaxMind DB"));
	unlink(tmp);

	log_set_sink(prev);
}

struct net {
	int		family;
	uint8_t		addr[16];
	uint8_t		len;
	struct fp_geo	loc;
};

struct nets {
	struct net	*v;
	size_t		n, cap;
	size_t		stop_after;	/* 0: never stop */
};

static int collect(int family, const uint8_t *addr, uint8_t len, const struct fp_geo *loc,
		   void *ctx)
{
	struct nets *ns = ctx;
	struct net *n;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 256;
		ns->v = realloc(ns->v, ns->cap * sizeof(*ns->v));
		assert_non_null(ns->v);
	}
	n = &ns->v[ns->n++];
	memset(n, 0, sizeof(*n));
	n->family = family;
	memcpy(n->addr, addr, family == AF_INET ? 4 : 16);
	n->len = len;
	n->loc = *loc;
	if (ns->stop_after && ns->n == ns->stop_after)
		return 7;
	return 0;
}

static int addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* First (last = false) or last address of a network. */
static void net_edge(const uint8_t *addr, int family, unsigned int len, bool last,
		     uint8_t out[16])
{
	unsigned int i, bits = addr_bytes(family) * 8;

	memcpy(out, addr, 16);
	for (i = len; i < bits; i++) {
		if (last)
			out[i / 8] |= 0x80 >> (i % 8);
		else
			out[i / 8] &= ~(0x80 >> (i % 8));
	}
}

static bool net_contains(const struct net *n, int family, const uint8_t *addr)
{
	unsigned int i;

	if (n->family != family)
		return false;
	for (i = 0; i < n->len; i++)
		if ((n->addr[i / 8] ^ addr[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

static int net_cmp(const void *a, const void *b)
{
	const struct net *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, 16);
}

static bool in_prefix(const uint8_t *addr, const char *pfx_addr, unsigned int len)
{
	struct net n = { .family = AF_INET6, .len = len };

	assert_int_equal(inet_pton(AF_INET6, pfx_addr, n.addr), 1);
	return net_contains(&n, AF_INET6, addr);
}

static void walk(const struct geo *g, struct nets *ns)
{
	memset(ns, 0, sizeof(*ns));
	assert_int_equal(geo_foreach(g, collect, ns), 0);
	assert_true(ns->n > 0);
}

/* Every network, looked up again at both ends, has the location it came with;
 * none overlaps another; IPv4 comes as IPv4 and never through an alias. */
static void test_foreach(void **state)
{
	size_t i, j, v4;

	(void)state;
	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		struct geo *g = open_db(dbs[i]);
		struct nets ns;

		walk(g, &ns);
		for (j = 0, v4 = 0; j < ns.n; j++) {
			struct net *n = &ns.v[j];
			uint8_t edge[16], prefix;
			struct fp_geo loc;
			int k;

			assert_true(n->loc.country[0] || n->loc.continent[0]);
			if (n->family == AF_INET) {
				assert_true(n->len <= 32);
				v4++;
			} else {
				assert_int_equal(n->family, AF_INET6);
				assert_true(n->len <= 128);
				assert_false(in_prefix(n->addr, "::", 96) && n->len >= 96);
				assert_false(in_prefix(n->addr, "::ffff:0:0", 96) && n->len >= 96);
				assert_false(in_prefix(n->addr, "2002::", 16) && n->len >= 16);
			}
			for (k = 0; k < 2; k++) {
				net_edge(n->addr, n->family, n->len, k, edge);
				assert_int_equal(geo_lookup(g, n->family, edge, &loc, &prefix), 0);
				assert_memory_equal(&loc, &n->loc, sizeof(loc));
				/* Merged networks are at most as long as the database's. */
				assert_true(prefix >= n->len);
			}
		}
		assert_true(v4 > 0);

		/* Sorted, each must end before the next begins: no duplicates, no overlap. */
		qsort(ns.v, ns.n, sizeof(*ns.v), net_cmp);
		for (j = 1; j < ns.n; j++) {
			assert_false(net_contains(&ns.v[j - 1], ns.v[j].family, ns.v[j].addr));
			assert_false(net_contains(&ns.v[j], ns.v[j - 1].family, ns.v[j - 1].addr));
		}
		free(ns.v);
		geo_close(g);
	}
}

static void test_foreach_stop(void **state)
{
	struct geo *g = open_db(dbs[0]);
	struct nets ns = { .stop_after = 3 };

	(void)state;
	assert_int_equal(geo_foreach(g, collect, &ns), 7);
	assert_int_equal(ns.n, 3);
	free(ns.v);
	geo_close(g);
}

/* "ADDR/LEN" of the JSON source (IPv4 also as ::a.b.c.d/96+n) to a network. */
static void parse_net(const char *s, struct net *n)
{
	char buf[128];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = 0;
	n->family = parse_addr(buf, n->addr);
	n->len = atoi(slash + 1);
	if (n->family == AF_INET6 && in_prefix(n->addr, "::", 96) && n->len >= 96) {
		memmove(n->addr, n->addr + 12, 4);
		memset(n->addr + 4, 0, 12);
		n->family = AF_INET;
		n->len -= 96;
	}
}

/* Every network of the JSON source with a country is covered by the walk, at
 * both ends, with the country the database gives. */
static void check_json(const char *mmdb, const char *json)
{
	struct geo *g = open_db(mmdb);
	char path[4096];
	size_t i, j, checked = 0, agree = 0;
	json_error_t jerr;
	json_t *root, *item, *rec;
	const char *key;
	struct nets ns;

	snprintf(path, sizeof(path), "%s/%s", geo_dir(), json);
	root = json_load_file(path, 0, &jerr);
	if (!root)
		fail_msg("%s: %s", path, jerr.text);
	walk(g, &ns);
	json_array_foreach(root, i, item) {
		json_object_foreach(item, key, rec) {
			const char *cc = json_string_value(json_object_get(
				json_object_get(rec, "country"), "iso_code"));
			struct net n = { 0 };
			int k;

			if (!cc)
				continue;
			parse_net(key, &n);
			for (k = 0; k < 2; k++) {
				uint8_t edge[16], prefix;
				struct fp_geo loc;
				const struct net *hit = NULL;

				net_edge(n.addr, n.family, n.len, k, edge);
				for (j = 0; j < ns.n && !hit; j++)
					if (net_contains(&ns.v[j], n.family, edge))
						hit = &ns.v[j];
				if (!hit)
					fail_msg("%s %s: not covered", json, key);
				assert_int_equal(geo_lookup(g, n.family, edge, &loc, &prefix), 0);
				assert_memory_equal(hit->loc.country, loc.country, 2);
							agree += !memcmp(hit->loc.country, cc, 2);
				checked++;
			}
		}
	}
	print_message("%s: %zu network ends checked, %zu with the source's own country\n",
		      json, checked, agree);
	assert_true(checked > 100);
	assert_int_equal(agree, checked);
	json_decref(root);
	free(ns.v);
	geo_close(g);
}

static void test_foreach_json(void **state)
{
	(void)state;
	check_json("GeoIP2-Country-Test.mmdb", "GeoIP2-Country-Test.json");
	check_json("GeoIP2-City-Test.mmdb", "GeoIP2-City-Test.json");
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* One address looked up in the tries as XDP does (full-length key), and with
 * geo_lookup: the same location, or both without one. */
static void check_map(const struct geo *g, int fd4, int fd6, int family, const uint8_t *addr)
{
	struct fp_geo_v6_key k6 = { .prefixlen = 128 };
	struct fp_geo_v4_key k4 = { .prefixlen = 32 };
	struct fp_geo want, got;
	uint8_t prefix;
	bool want_hit, hit;

	/* IPv4 reaches XDP as IPv4; aliases of it are not in geo_v6. */
	if (family == AF_INET6 && (in_prefix(addr, "::", 96) || in_prefix(addr, "::ffff:0:0", 96) ||
				   in_prefix(addr, "2002::", 16)))
		return;
	want_hit = geo_lookup(g, family, addr, &want, &prefix) == 0 &&
		   (want.country[0] || want.continent[0]);
	if (family == AF_INET) {
		memcpy(k4.addr, addr, 4);
		hit = bpf_map_lookup_elem(fd4, &k4, &got) == 0;
	} else {
		memcpy(k6.addr, addr, 16);
		hit = bpf_map_lookup_elem(fd6, &k6, &got) == 0;
	}
	if (hit != want_hit) {
		char buf[64];

		inet_ntop(family, addr, buf, sizeof(buf));
		fail_msg("%s: map %s, database %s", buf, hit ? "hit" : "miss",
			 want_hit ? "hit" : "miss");
	}
	if (hit)
		assert_memory_equal(&got, &want, sizeof(got));
}

static size_t map_entries(int fd, size_t ksize)
{
	uint8_t key[32], next[32];
	void *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ksize);
		prev = key;
		n++;
	}
	return n;
}

static void test_fill_maps(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	size_t i, j, count, again;
	struct timespec t0, t1;
	int fd4, fd6, k;

	(void)state;
	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		struct geo *g = open_db(dbs[i]);
		struct nets ns;

		fd4 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "geo_v4", sizeof(struct fp_geo_v4_key),
				     sizeof(struct fp_geo), FP_GEO_MAX_ENTRIES, &opts);
		if (fd4 < 0 && (errno == EPERM || errno == EACCES)) {
			geo_close(g);
			skip();
		}
		assert_true(fd4 >= 0);
		fd6 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "geo_v6", sizeof(struct fp_geo_v6_key),
				     sizeof(struct fp_geo), FP_GEO_MAX_ENTRIES, &opts);
		assert_true(fd6 >= 0);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(geo_fill_maps(g, fd4, fd6, &count), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		walk(g, &ns);
		assert_int_equal(count, ns.n);
		assert_int_equal(map_entries(fd4, sizeof(struct fp_geo_v4_key)) +
				 map_entries(fd6, sizeof(struct fp_geo_v6_key)), count);
		print_message("%s: %zu entries in %.2f ms\n", dbs[i], count,
			      (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);

		/* Filling again writes the same entries over themselves. */
		assert_int_equal(geo_fill_maps(g, fd4, fd6, &again), 0);
		assert_int_equal(again, count);
		assert_int_equal(map_entries(fd4, sizeof(struct fp_geo_v4_key)) +
				 map_entries(fd6, sizeof(struct fp_geo_v6_key)), count);

		/* Each network's ends, the addresses just outside, a random inside,
		 * and random addresses anywhere. */
		for (j = 0; j < ns.n; j++) {
			struct net *n = &ns.v[j];
			int bytes = addr_bytes(n->family);
			uint8_t a[16];

			for (k = 0; k < 2; k++) {
				int b, carry;

				net_edge(n->addr, n->family, n->len, k, a);
				check_map(g, fd4, fd6, n->family, a);
				/* One before the first, one after the last. */
				for (b = bytes - 1, carry = 1; b >= 0 && carry; b--) {
					carry = k ? a[b] == 0xff : a[b] == 0;
					a[b] += k ? 1 : -1;
				}
				if (!carry)
					check_map(g, fd4, fd6, n->family, a);
			}
			net_edge(n->addr, n->family, n->len, false, a);
			for (k = n->len; k < bytes * 8; k++)
				if (rnd() & 1)
					a[k / 8] |= 0x80 >> (k % 8);
			check_map(g, fd4, fd6, n->family, a);
		}
		for (j = 0; j < 20000; j++) {
			uint8_t a[16];

			for (k = 0; k < 16; k += 4) {
				uint32_t r = rnd();

				memcpy(a + k, &r, 4);
			}
			check_map(g, fd4, fd6, AF_INET, a);
			/* Mostly inside the test data's 2001::/16 and 2a02::/16. */
			a[0] = j & 1 ? 0x20 : a[0];
			a[1] = j & 1 ? (j & 2 ? 0x01 : 0x02) : a[1];
			check_map(g, fd4, fd6, AF_INET6, a);
		}

		/* A negative fd leaves its family out. */
		close(fd4);
		close(fd6);
		fd6 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "geo_v6", sizeof(struct fp_geo_v6_key),
				     sizeof(struct fp_geo), FP_GEO_MAX_ENTRIES, &opts);
		assert_true(fd6 >= 0);
		assert_int_equal(geo_fill_maps(g, -1, fd6, &again), 0);
		assert_int_equal(map_entries(fd6, sizeof(struct fp_geo_v6_key)), again);
		assert_true(again < count);
		close(fd6);
		free(ns.v);
		geo_close(g);
	}
}

/* A full trie refuses entries: the error comes back, the count says how many went in. */
static void test_fill_full(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct log_sink prev;
	struct geo *g = open_db(dbs[0]);
	size_t count;
	int fd4, fd6;

	(void)state;
	fd4 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "geo_v4", sizeof(struct fp_geo_v4_key),
			     sizeof(struct fp_geo), 4, &opts);
	if (fd4 < 0 && (errno == EPERM || errno == EACCES)) {
		geo_close(g);
		skip();
	}
	fd6 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "geo_v6", sizeof(struct fp_geo_v6_key),
			     sizeof(struct fp_geo), FP_GEO_MAX_ENTRIES, &opts);
	assert_true(fd4 >= 0 && fd6 >= 0);
	prev = log_set_sink((struct log_sink){ .fn = capture, .ctx = &c });
	assert_int_equal(geo_fill_maps(g, fd4, fd6, &count), -ENOSPC);
	log_set_sink(prev);
	assert_non_null(strstr(c.msg, "geo_v4"));
	assert_true(count <= 4);
	close(fd4);
	close(fd6);
	geo_close(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_lookup, reset_log),
		cmocka_unit_test_teardown(test_lookup_family, reset_log),
		cmocka_unit_test_teardown(test_open_errors, reset_log),
		cmocka_unit_test_teardown(test_foreach, reset_log),
		cmocka_unit_test_teardown(test_foreach_stop, reset_log),
		cmocka_unit_test_teardown(test_foreach_json, reset_log),
		cmocka_unit_test_teardown(test_fill_maps, reset_log),
		cmocka_unit_test_teardown(test_fill_full, reset_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
