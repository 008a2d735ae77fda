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
		/* Aliases of IPv4 (6to4, Teredo, mapped, compatible) place
		 * nobody, as in the fast path's tries. */
		lookup(g, "2002:5102:45a1::1", -ENOENT, NULL, NULL, 16);
		lookup(g, "2001:0:5102:45a1::1", -ENOENT, NULL, NULL, 32);
		lookup(g, "::ffff:81.2.69.161", -ENOENT, NULL, NULL, 96);
		lookup(g, "::81.2.69.161", -ENOENT, NULL, NULL, 96);
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

/*
 * A small MaxMind DB written here, for the shapes the test databases lack: an
 * IPv4 database, sibling networks to merge, a record above ::/96, aliases of
 * ::/96, a loop in the tree. 24-bit records; records < 0 are data (-1 - index).
 */
#define MK_NODES	1024
#define MK_EMPTY	(1 << 30)

struct mk {
	int		v6;
	int		rec[MK_NODES][2];
	int		nodes;
	uint8_t		data[4096];
	size_t		data_len;
	int		offs[32];
	int		ndata;
};

static void mk_byte(uint8_t *buf, size_t *len, uint8_t b)
{
	assert_true(*len < 4096);
	buf[(*len)++] = b;
}

static void mk_str(uint8_t *buf, size_t *len, const char *str)
{
	size_t n = strlen(str);

	assert_true(n < 29);
	mk_byte(buf, len, 2 << 5 | n);
	while (*str)
		mk_byte(buf, len, *str++);
}

static void mk_uint(uint8_t *buf, size_t *len, int type, uint64_t v, int bytes)
{
	int i;

	if (type < 8) {
		mk_byte(buf, len, type << 5 | bytes);
	} else {
		mk_byte(buf, len, bytes);
		mk_byte(buf, len, type - 7);
	}
	for (i = bytes - 1; i >= 0; i--)
		mk_byte(buf, len, v >> (8 * i));
}

/* A data record: {"country":{"iso_code":CC},"continent":{"code":CONT},"city":…};
 * NULL leaves a field out, city makes records of one location differ. */
static int mk_data(struct mk *m, const char *cc, const char *cont, const char *city)
{
	uint8_t *b = m->data;
	size_t *l = &m->data_len;

	m->offs[m->ndata] = *l;
	mk_byte(b, l, 7 << 5 | (!!cc + !!cont + !!city));
	if (cc) {
		mk_str(b, l, "country");
		mk_byte(b, l, 7 << 5 | 1);
		mk_str(b, l, "iso_code");
		mk_str(b, l, cc);
	}
	if (cont) {
		mk_str(b, l, "continent");
		mk_byte(b, l, 7 << 5 | 1);
		mk_str(b, l, "code");
		mk_str(b, l, cont);
	}
	if (city) {
		mk_str(b, l, "city");
		mk_str(b, l, city);
	}
	return -1 - m->ndata++;
}

static void mk_init(struct mk *m, int v6)
{
	memset(m, 0, sizeof(*m));
	m->v6 = v6;
	m->nodes = 1;
	m->rec[0][0] = m->rec[0][1] = MK_EMPTY;
}

static int mk_bit(const uint8_t *addr, int i)
{
	return addr[i / 8] >> (7 - i % 8) & 1;
}

/* Points the record for ADDR/LEN at val (a data record or a node). */
static void mk_set(struct mk *m, const char *text, int len, int val)
{
	uint8_t addr[16] = { 0 };
	int n = 0, d;

	parse_addr(text, addr);
	for (d = 0; d < len - 1; d++) {
		int *r = &m->rec[n][mk_bit(addr, d)];

		if (*r == MK_EMPTY) {
			assert_true(m->nodes < MK_NODES);
			*r = m->nodes;
			m->rec[m->nodes][0] = m->rec[m->nodes][1] = MK_EMPTY;
			m->nodes++;
		}
		assert_true(*r >= 0 && *r != MK_EMPTY);
		n = *r;
	}
	m->rec[n][mk_bit(addr, len - 1)] = val;
}

/* The node at the end of ADDR/LEN. */
static int mk_node(struct mk *m, const char *text, int len)
{
	uint8_t addr[16] = { 0 };
	int n = 0, d;

	parse_addr(text, addr);
	for (d = 0; d < len; d++)
		n = m->rec[n][mk_bit(addr, d)];
	return n;
}

static struct geo *mk_open(struct mk *m, char *path)
{
	static const uint8_t marker[] = "\xab\xcd\xefMaxMind.com";
	uint8_t meta[512];
	size_t mlen = 0;
	struct geo *g;
	FILE *f;
	int fd, n, i;

	strcpy(path, "/tmp/test_geo.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (n = 0; n < m->nodes; n++) {
		for (i = 0; i < 2; i++) {
			int r = m->rec[n][i];
			uint32_t v = r == MK_EMPTY ? (uint32_t)m->nodes :
				     r < 0 ? (uint32_t)(m->nodes + 16 + m->offs[-1 - r]) : (uint32_t)r;

			fputc(v >> 16, f);
			fputc(v >> 8, f);
			fputc(v, f);
		}
	}
	for (i = 0; i < 16; i++)
		fputc(0, f);
	fwrite(m->data, 1, m->data_len, f);
	fwrite(marker, 1, sizeof(marker) - 1, f);
	mk_byte(meta, &mlen, 7 << 5 | 9);
	mk_str(meta, &mlen, "binary_format_major_version");
	mk_uint(meta, &mlen, 5, 2, 1);
	mk_str(meta, &mlen, "binary_format_minor_version");
	mk_uint(meta, &mlen, 5, 0, 0);
	mk_str(meta, &mlen, "build_epoch");
	mk_uint(meta, &mlen, 9, 1700000000, 4);
	mk_str(meta, &mlen, "database_type");
	mk_str(meta, &mlen, "Test");
	mk_str(meta, &mlen, "description");
	mk_byte(meta, &mlen, 7 << 5 | 0);
	mk_str(meta, &mlen, "languages");
	mk_uint(meta, &mlen, 11, 0, 0);
	mk_str(meta, &mlen, "ip_version");
	mk_uint(meta, &mlen, 5, m->v6 ? 6 : 4, 1);
	mk_str(meta, &mlen, "node_count");
	mk_uint(meta, &mlen, 6, m->nodes, 2);
	mk_str(meta, &mlen, "record_size");
	mk_uint(meta, &mlen, 5, 24, 1);
	fwrite(meta, 1, mlen, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(geo_open(&g, path), 0);
	return g;
}

static void mk_close(struct geo *g, char *path)
{
	geo_close(g);
	unlink(path);
}

static const struct net *find_net(const struct nets *ns, const char *text, int len)
{
	struct net n = { .len = len };
	size_t i;

	n.family = parse_addr(text, n.addr);
	for (i = 0; i < ns->n; i++)
		if (ns->v[i].family == n.family && ns->v[i].len == len &&
		    !memcmp(ns->v[i].addr, n.addr, 16))
			return &ns->v[i];
	return NULL;
}

static void expect_net(const struct nets *ns, const char *text, int len, const char *cc)
{
	const struct net *n = find_net(ns, text, len);

	if (!n)
		fail_msg("%s/%d not yielded", text, len);
	assert_memory_equal(n->loc.country, cc, 2);
}

/* An IPv4 database: siblings of one location (different records) merge,
 * siblings of two do not, a record without codes is left out. */
static void test_made_v4(void **state)
{
	char path[64];
	struct mk m;
	struct nets ns;
	struct geo *g;

	(void)state;
	mk_init(&m, 0);
	mk_set(&m, "198.18.0.0", 24, mk_data(&m, "GB", "EU", "London"));
	mk_set(&m, "198.18.1.0", 24, mk_data(&m, "GB", "EU", "Leeds"));
	mk_set(&m, "198.18.2.0", 25, mk_data(&m, "FR", "EU", NULL));
	mk_set(&m, "198.18.2.128", 25, mk_data(&m, "DE", "EU", NULL));
	mk_set(&m, "198.18.3.0", 24, mk_data(&m, NULL, NULL, "Nowhere"));
	mk_set(&m, "10.0.0.0", 8, mk_data(&m, "jp", "AS", NULL));
	mk_set(&m, "11.0.0.0", 8, mk_data(&m, "JPN", "AS", NULL));
	g = mk_open(&m, path);
	walk(g, &ns);
	assert_int_equal(ns.n, 5);
	expect_net(&ns, "198.18.0.0", 23, "GB");
	expect_net(&ns, "198.18.2.0", 25, "FR");
	expect_net(&ns, "198.18.2.128", 25, "DE");
	expect_net(&ns, "10.0.0.0", 8, "JP");
	/* A country code of three letters is none; the continent stays. */
	expect_net(&ns, "11.0.0.0", 8, "\0\0");
	lookup(g, "198.18.1.9", 0, "GB", "EU", 24);
	lookup(g, "198.18.3.1", 0, "\0\0", "\0\0", 24);
	lookup(g, "198.19.0.1", -ENOENT, NULL, NULL, -1);
	/* An IPv4 database has no IPv6 entries. */
	lookup(g, "2001:db8::1", -ENOENT, NULL, NULL, 0);
	free(ns.v);
	mk_close(g, path);

	/* One location everywhere: the whole space, 0.0.0.0/0. */
	mk_init(&m, 0);
	mk_set(&m, "0.0.0.0", 1, mk_data(&m, "JP", "AS", "a"));
	mk_set(&m, "128.0.0.0", 1, mk_data(&m, "JP", "AS", "b"));
	g = mk_open(&m, path);
	walk(g, &ns);
	assert_int_equal(ns.n, 1);
	expect_net(&ns, "0.0.0.0", 0, "JP");
	free(ns.v);
	mk_close(g, path);
}

/* An IPv6 database whose record for ::/64 also holds all of IPv4: IPv4 comes
 * out as 0.0.0.0/0, the rest of ::/64 as IPv6 networks beside ::/96. */
static void test_made_above_v4(void **state)
{
	char path[64];
	struct mk m;
	struct nets ns;
	struct geo *g;
	size_t i;

	(void)state;
	mk_init(&m, 1);
	mk_set(&m, "::", 64, mk_data(&m, "JP", "AS", NULL));
	mk_set(&m, "2001:db8::", 32, mk_data(&m, "GB", "EU", NULL));
	g = mk_open(&m, path);
	walk(g, &ns);
	assert_int_equal(ns.n, 1 + 32 + 1);
	expect_net(&ns, "0.0.0.0", 0, "JP");
	expect_net(&ns, "::1:0:0", 96, "JP");
	expect_net(&ns, "0:0:0:0:8000::", 65, "JP");
	expect_net(&ns, "2001:db8::", 32, "GB");
	for (i = 0; i < ns.n; i++) {
		uint8_t edge[16], prefix;
		struct fp_geo loc;
		int k;

		for (k = 0; k < 2; k++) {
			net_edge(ns.v[i].addr, ns.v[i].family, ns.v[i].len, k, edge);
			assert_int_equal(geo_lookup(g, ns.v[i].family, edge, &loc, &prefix), 0);
			assert_memory_equal(&loc, &ns.v[i].loc, sizeof(loc));
		}
	}
	lookup(g, "1.2.3.4", 0, "JP", "AS", 0);
	free(ns.v);
	mk_close(g, path);
}

/* ::ffff:0:0/96 and 2002::/16 lead to the IPv4 subtree: the walk lists IPv4
 * once, and lookups through an alias find nothing, as the tries do. */
static void test_made_aliases(void **state)
{
	char path[64];
	struct mk m;
	struct nets ns;
	struct geo *g;
	int v4;

	(void)state;
	mk_init(&m, 1);
	mk_set(&m, "::198.18.0.0", 120, mk_data(&m, "GB", "EU", NULL));
	mk_set(&m, "2001:db8::", 32, mk_data(&m, "FR", "EU", NULL));
	v4 = mk_node(&m, "::", 96);
	mk_set(&m, "::ffff:0:0", 96, v4);
	mk_set(&m, "2002::", 16, v4);
	g = mk_open(&m, path);
	/* The walk lists no alias, so lookups place no address under one:
	 * the fast path's tries and the engine agree. IPv4 itself is found. */
	lookup(g, "::ffff:198.18.0.1", -ENOENT, NULL, NULL, 96);
	lookup(g, "2002:c612:5::", -ENOENT, NULL, NULL, 16);
	lookup(g, "::198.18.0.1", -ENOENT, NULL, NULL, 96);
	lookup(g, "198.18.0.1", 0, "GB", "EU", 24);
	lookup(g, "2001:db8::1", 0, "FR", "EU", 32);
	walk(g, &ns);
	assert_int_equal(ns.n, 2);
	expect_net(&ns, "198.18.0.0", 24, "GB");
	expect_net(&ns, "2001:db8::", 32, "FR");
	free(ns.v);
	mk_close(g, path);
}

/* A loop in the tree ends at the tree's depth with an error, not a hang. */
static void test_made_loop(void **state)
{
	struct log_sink prev;
	char path[64];
	struct mk m;
	struct geo *g;
	struct nets ns = { 0 };

	(void)state;
	mk_init(&m, 1);
	mk_set(&m, "2001:db8::", 32, mk_data(&m, "FR", "EU", NULL));
	m.rec[0][1] = 0;
	g = mk_open(&m, path);
	prev = log_set_sink((struct log_sink){ .fn = capture, .ctx = &c });
	assert_int_equal(geo_foreach(g, collect, &ns), -EBADMSG);
	log_set_sink(prev);
	assert_non_null(strstr(c.msg, "corrupt search tree"));
	free(ns.v);
	mk_close(g, path);
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
		cmocka_unit_test_teardown(test_made_v4, reset_log),
		cmocka_unit_test_teardown(test_made_above_v4, reset_log),
		cmocka_unit_test_teardown(test_made_aliases, reset_log),
		cmocka_unit_test_teardown(test_made_loop, reset_log),
		cmocka_unit_test_teardown(test_fill_maps, reset_log),
		cmocka_unit_test_teardown(test_fill_full, reset_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
