// SPDX-License-Identifier: GPL-2.0-only
/* Zone versions (build checks, empty non-terminals, cuts, closest encloser,
 * loading files) and the store (longest match, replace, remove, and readers
 * that never see half a change while versions are swapped under them). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include <urcu.h>

#include "zone_fixture.h"
#include "zone_store.h"

#define ZONE_DIR	"tests/zones/engine/"
#define SOA		"ns.example.com. h.example.com. 5 3600 600 86400 60"

static char err[512];

static const struct zone_node *node(const struct zone *z, const char *text)
{
	uint8_t name[DNS_NAME_MAX];
	int len = dns_name_from_text(name, text, strlen(text), NULL);

	assert_true(len > 0);
	dns_name_lower(name);
	return zone_lookup(z, name, len, dns_name_hash(name));
}

static void expect_build_error(const struct fx_rec *recs, size_t n, const char *msg)
{
	assert_null(fx_zone(recs, n, err, sizeof(err)));
	if (!strstr(err, msg))
		fail_msg("error '%s' does not contain '%s'", err, msg);
}

static void test_build_checks(void **state)
{
	const struct fx_rec no_soa[] = {
		{ "example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
	};
	const struct fx_rec two_soa[] = {
		{ "example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "example.com.", 60, DNS_TYPE_SOA, "ns.example.com. h.example.com. 6 1 1 1 1" },
		{ "example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
	};
	const struct fx_rec soa_twice[] = {
		{ "example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "sub.example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
	};
	const struct fx_rec no_ns[] = {
		{ "example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "www.example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
	};
	const struct fx_rec cname_a[] = {
		{ "example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
		{ "www.example.com.", 60, DNS_TYPE_A, "192.0.2.1" },
		{ "WWW.example.com.", 60, DNS_TYPE_CNAME, "example.com." },
	};
	const struct fx_rec two_cnames[] = {
		{ "example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
		{ "www.example.com.", 60, DNS_TYPE_CNAME, "a.example.com." },
		{ "www.example.com.", 60, DNS_TYPE_CNAME, "b.example.com." },
	};
	const struct fx_rec out_of_zone[] = {
		{ "example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
		{ "ns.example.net.", 60, DNS_TYPE_A, "192.0.2.1" },
	};
	const struct fx_rec cname_apex[] = {
		{ "example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
		{ "example.com.", 60, DNS_TYPE_CNAME, "example.net." },
	};

	(void)state;
	expect_build_error(no_soa, 1, "no SOA record");
	expect_build_error(two_soa, 3, "2 SOA records at the apex example.com.");
	expect_build_error(soa_twice, 3, "SOA records at both");
	expect_build_error(no_ns, 2, "no NS records at the apex");
	expect_build_error(cname_a, 4, "CNAME and other data at www.example.com.");
	expect_build_error(two_cnames, 4, "more than one CNAME at www.example.com.");
	expect_build_error(out_of_zone, 3, "out-of-zone data: ns.example.net.");
	expect_build_error(cname_apex, 3, "CNAME and other data at example.com.");
}

static void test_build_rejects_class_and_meta(void **state)
{
	struct zone_builder *b;
	struct dns_rr rr = { .owner = (const uint8_t *)"\x07" "example\x03" "com",
			     .type = DNS_TYPE_A, .rclass = DNS_CLASS_CH, .ttl = 1, .rdlen = 4,
			     .rdata = (const uint8_t *)"\x01\x02\x03\x04" };

	(void)state;
	assert_int_equal(zone_builder_new(&b, NULL), 0);
	assert_int_equal(zone_builder_add(b, &rr, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "class CH is not served"));
	rr.rclass = DNS_CLASS_IN;
	rr.type = DNS_TYPE_OPT;
	assert_int_equal(zone_builder_add(b, &rr, err, sizeof(err)), -EINVAL);
	rr.type = DNS_TYPE_ANY;
	assert_int_equal(zone_builder_add(b, &rr, err, sizeof(err)), -EINVAL);
	zone_builder_free(b);

	/* with an origin given, out-of-zone data fails at once */
	assert_int_equal(zone_builder_new(&b, (const uint8_t *)"\x03org"), 0);
	rr.type = DNS_TYPE_A;
	assert_int_equal(zone_builder_add(b, &rr, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "out-of-zone data"));
	zone_builder_free(b);
}

static const struct fx_rec good[] = {
	{ "Example.COM.", 3600, DNS_TYPE_SOA, SOA },
	{ "example.com.", 3600, DNS_TYPE_NS, "ns.example.com." },
	{ "ns.example.com.", 3600, DNS_TYPE_A, "192.0.2.1" },
	{ "www.example.com.", 300, DNS_TYPE_TXT, "first" },
	{ "www.example.com.", 300, DNS_TYPE_A, "192.0.2.2" },
	{ "www.example.com.", 900, DNS_TYPE_A, "192.0.2.3" },	/* TTL follows the first */
	{ "WWW.example.com.", 300, DNS_TYPE_A, "192.0.2.2" },	/* duplicate */
	{ "a.b.c.example.com.", 60, DNS_TYPE_A, "192.0.2.4" },
	{ "*.w.example.com.", 60, DNS_TYPE_A, "192.0.2.5" },
	{ "cut.example.com.", 60, DNS_TYPE_NS, "ns.cut.example.com." },
	{ "ns.cut.example.com.", 60, DNS_TYPE_A, "192.0.2.6" },
	{ "deep.ns.cut.example.com.", 60, DNS_TYPE_A, "192.0.2.7" },
	{ "dn.example.com.", 60, DNS_TYPE_DNAME, "example.net." },
	{ "x.dn.example.com.", 60, DNS_TYPE_A, "192.0.2.8" },	/* occluded */
	{ "alias.example.com.", 60, DNS_TYPE_CNAME, "www.example.com." },
	{ "alias.example.com.", 60, DNS_TYPE_RRSIG,
	  "0005" "0d02" "0000003c" "00000000" "00000000" "0001" "076578616d706c6503636f6d00"
	  "aabbccdd" },
};

static void test_build_structure(void **state)
{
	const struct zone_node *n, *apex;
	const struct zone_rrset *set;
	struct zone *z;

	(void)state;
	z = fx_zone(good, sizeof(good) / sizeof(good[0]), err, sizeof(err));
	if (!z)
		fail_msg("%s", err);
	assert_memory_equal(z->origin, "\x07" "example\x03" "com", 13);	/* lower case */
	assert_int_equal(z->serial, 5);
	assert_true(z->dnssec);
	apex = node(z, "example.com.");
	assert_ptr_equal(apex, z->apex);
	assert_true(apex->flags & ZONE_NODE_APEX);
	assert_null(apex->parent);

	/* insertion order, duplicates dropped, one TTL per RRset */
	n = node(z, "www.EXAMPLE.com.");
	assert_non_null(n);
	assert_int_equal(n->nrrsets, 2);
	assert_int_equal(n->rrsets[0].type, DNS_TYPE_TXT);
	assert_int_equal(n->rrsets[1].type, DNS_TYPE_A);
	set = zone_node_rrset(n, DNS_TYPE_A);
	assert_int_equal(set->count, 2);
	assert_int_equal(set->rrs[0].ttl, 300);
	assert_int_equal(set->rrs[1].ttl, 300);
	assert_memory_equal(set->rrs[1].rdata, "\xc0\x00\x02\x03", 4);
	assert_ptr_equal(n->parent, apex);

	/* empty non-terminals with parents */
	n = node(z, "b.c.example.com.");
	assert_non_null(n);
	assert_int_equal(n->nrrsets, 0);
	assert_ptr_equal(n->parent, node(z, "c.example.com."));
	assert_ptr_equal(node(z, "c.example.com.")->parent, apex);
	assert_ptr_equal(node(z, "a.b.c.example.com.")->parent, n);
	assert_int_equal(z->nnodes, 14);

	/* wildcards */
	n = node(z, "*.w.example.com.");
	assert_true(n->flags & ZONE_NODE_WILDCARD);
	assert_ptr_equal(node(z, "w.example.com.")->wildcard, n);
	assert_null(apex->wildcard);

	/* the cut, glue below it, DNAME occlusion */
	n = node(z, "cut.example.com.");
	assert_true(n->flags & ZONE_NODE_DELEG);
	assert_false(n->flags & ZONE_NODE_NONAUTH);
	assert_ptr_equal(n->cut, n);
	assert_ptr_equal(node(z, "ns.cut.example.com.")->cut, n);
	assert_true(node(z, "ns.cut.example.com.")->flags & ZONE_NODE_NONAUTH);
	assert_ptr_equal(node(z, "deep.ns.cut.example.com.")->cut, n);
	assert_false(apex->flags & ZONE_NODE_DELEG);
	assert_null(node(z, "ns.example.com.")->cut);
	n = node(z, "dn.example.com.");
	assert_true(n->flags & ZONE_NODE_DNAME);
	assert_null(n->cut);
	assert_ptr_equal(node(z, "x.dn.example.com.")->cut, n);
	/* CNAME with its RRSIG is fine */
	assert_true(node(z, "alias.example.com.")->flags & ZONE_NODE_CNAME);
	zone_free(z);
}

static void test_closest_encloser(void **state)
{
	uint8_t name[DNS_NAME_MAX];
	const struct zone_node *n;
	struct zone *z;
	bool exact;
	int len;

	(void)state;
	z = fx_zone(good, sizeof(good) / sizeof(good[0]), err, sizeof(err));
	assert_non_null(z);
	len = dns_name_from_text(name, "x.y.a.b.c.example.com.", 22, NULL);
	n = zone_find(z, name + 4, len - 4, &exact);	/* a.b.c: exists */
	assert_true(exact);
	assert_ptr_equal(n, node(z, "a.b.c.example.com."));
	n = zone_find(z, name, len, &exact);
	assert_false(exact);
	assert_ptr_equal(n, node(z, "a.b.c.example.com."));
	len = dns_name_from_text(name, "q.w.example.com.", 16, NULL);
	n = zone_find(z, name, len, &exact);
	assert_false(exact);
	assert_ptr_equal(n, node(z, "w.example.com."));
	assert_non_null(n->wildcard);
	len = dns_name_from_text(name, "nothing.example.com.", 20, NULL);
	n = zone_find(z, name, len, &exact);
	assert_false(exact);
	assert_ptr_equal(n, z->apex);
	n = zone_find(z, z->origin, z->origin_len, &exact);
	assert_true(exact);
	assert_ptr_equal(n, z->apex);
	zone_free(z);
}

/* Captures what the build logs, to see the missing-glue warning. */
static void test_missing_glue_warns(void **state)
{
	const struct fx_rec recs[] = {
		{ "example.com.", 60, DNS_TYPE_SOA, SOA },
		{ "example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
		{ "ns.example.com.", 60, DNS_TYPE_A, "192.0.2.1" },
		{ "sub.example.com.", 60, DNS_TYPE_NS, "ns.sub.example.com." },
		{ "sub.example.com.", 60, DNS_TYPE_NS, "ns.example.com." },
		{ "sub.example.com.", 60, DNS_TYPE_NS, "ns.example.net." },
	};
	char buf[1024] = { 0 };
	struct zone *z;
	int fds[2], saved;
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	z = fx_zone(recs, 6, err, sizeof(err));
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_non_null(z);	/* a warning, not an error */
	assert_true(n > 0);
	assert_non_null(strstr(buf, "delegation sub.example.com.: no glue address for name "
				    "server ns.sub.example.com."));
	/* in-zone with an address, and out of zone: no warning */
	assert_null(strstr(buf, "server ns.example.com."));
	assert_null(strstr(buf, "ns.example.net."));
	zone_free(z);
}

static void test_load_file(void **state)
{
	struct zone *z;

	(void)state;
	assert_int_equal(zone_load_file(ZONE_DIR "example.com.zone", &z, err, sizeof(err)), 0);
	assert_memory_equal(z->origin, "\x07" "example\x03" "com", 13);
	assert_int_equal(z->serial, 2024010101);
	assert_int_equal(zone_node_rrset(node(z, "www.example.com."), DNS_TYPE_A)->count, 2);
	assert_int_equal(zone_node_rrset(node(z, "big.example.com."), DNS_TYPE_TXT)->count, 40);
	zone_free(z);

	assert_int_equal(zone_load_file(ZONE_DIR "origin-from-soa.zone", &z, err, sizeof(err)),
			 0);
	assert_memory_equal(z->origin, "\x03soa\x07" "example", 13);
	assert_int_equal(z->serial, 42);
	zone_free(z);
}

static void expect_load_error(const char *file, const char *msg)
{
	struct zone *z = NULL;

	assert_int_not_equal(zone_load_file(file, &z, err, sizeof(err)), 0);
	assert_null(z);
	if (!strstr(err, msg))
		fail_msg("error '%s' does not contain '%s'", err, msg);
}

static void test_load_errors(void **state)
{
	(void)state;
	expect_load_error(ZONE_DIR "bad-cname-and-a.zone",
			  ZONE_DIR "bad-cname-and-a.zone: CNAME and other data at www.bad.example.");
	expect_load_error(ZONE_DIR "bad-no-ns.zone", "no NS records at the apex bad.example.");
	expect_load_error(ZONE_DIR "bad-out-of-zone.zone", "out-of-zone data: ns.other.example.");
	expect_load_error(ZONE_DIR "bad-two-soa.zone", "2 SOA records at the apex");
	/* syntax errors carry the line */
	expect_load_error(ZONE_DIR "bad-syntax.zone", ZONE_DIR "bad-syntax.zone:4: ");
	expect_load_error(ZONE_DIR "no-such-file.zone", "no-such-file.zone");
}

static struct zone *zone_version(const char *origin, uint32_t serial)
{
	char soa[128], ns[128], addr[32], owner[128];
	struct fx_rec recs[3];
	struct zone *z;

	snprintf(soa, sizeof(soa), "ns.%s h.%s %u 1 1 1 1", origin, origin, serial);
	snprintf(ns, sizeof(ns), "ns.%s", origin);
	snprintf(owner, sizeof(owner), "www.%s", origin);
	snprintf(addr, sizeof(addr), "10.%u.%u.%u", serial >> 16 & 0xff, serial >> 8 & 0xff,
		 serial & 0xff);
	recs[0] = (struct fx_rec){ origin, 60, DNS_TYPE_SOA, soa };
	recs[1] = (struct fx_rec){ origin, 60, DNS_TYPE_NS, ns };
	recs[2] = (struct fx_rec){ owner, 60, DNS_TYPE_A, addr };
	z = fx_zone(recs, 3, err, sizeof(err));
	assert_non_null(z);
	return z;
}

static const struct zone *find(struct zone_store *zs, const char *text)
{
	uint8_t name[DNS_NAME_MAX];
	int len = dns_name_from_text(name, text, strlen(text), NULL);

	dns_name_lower(name);
	return zone_store_find(zs, name, len);
}

static int count_cb(const struct zone *z, void *ctx)
{
	(void)z;
	(*(int *)ctx)++;
	return 0;
}

static void test_store_longest_match(void **state)
{
	struct zone_store *zs;
	const struct zone *z;
	int n = 0, i;
	char origin[64];

	(void)state;
	assert_int_equal(zone_store_new(&zs), 0);
	assert_int_equal(zone_store_publish(zs, zone_version("example.com.", 1)), 0);
	assert_int_equal(zone_store_publish(zs, zone_version("sub.example.com.", 2)), 0);
	assert_int_equal(zone_store_publish(zs, zone_version("com.", 3)), 0);
	rcu_read_lock();
	assert_int_equal(find(zs, "a.b.sub.example.COM.")->serial, 2);
	assert_int_equal(find(zs, "sub.example.com.")->serial, 2);
	assert_int_equal(find(zs, "xsub.example.com.")->serial, 1);
	assert_int_equal(find(zs, "example.com.")->serial, 1);
	assert_int_equal(find(zs, "other.com.")->serial, 3);
	assert_null(find(zs, "example.net."));
	assert_null(find(zs, "."));
	z = zone_store_get(zs, (const uint8_t *)"\x07" "EXAMPLE\x03" "com");
	assert_non_null(z);
	assert_int_equal(z->serial, 1);
	assert_null(zone_store_get(zs, (const uint8_t *)"\x03" "net"));
	rcu_read_unlock();
	assert_int_equal(zone_store_count(zs), 3);

	/* a new version replaces the old; removal falls back to the parent */
	assert_int_equal(zone_store_publish(zs, zone_version("sub.example.com.", 20)), 0);
	assert_int_equal(zone_store_count(zs), 3);
	rcu_read_lock();
	assert_int_equal(find(zs, "www.sub.example.com.")->serial, 20);
	rcu_read_unlock();
	assert_int_equal(zone_store_remove(zs, (const uint8_t *)"\x03SUB\x07" "example\x03" "com"),
			 0);
	assert_int_equal(zone_store_remove(zs, (const uint8_t *)"\x03sub\x07" "example\x03" "com"),
			 -ENOENT);
	rcu_read_lock();
	assert_int_equal(find(zs, "www.sub.example.com.")->serial, 1);
	rcu_read_unlock();

	/* enough zones to grow the table several times */
	for (i = 0; i < 300; i++) {
		snprintf(origin, sizeof(origin), "z%d.example.", i);
		assert_int_equal(zone_store_publish(zs, zone_version(origin, 1000 + i)), 0);
	}
	assert_int_equal(zone_store_count(zs), 302);
	rcu_read_lock();
	for (i = 0; i < 300; i++) {
		snprintf(origin, sizeof(origin), "www.z%d.example.", i);
		assert_int_equal(find(zs, origin)->serial, 1000 + i);
	}
	rcu_read_unlock();
	assert_int_equal(zone_store_foreach(zs, count_cb, &n), 0);
	assert_int_equal(n, 302);
	zone_store_free(zs);
}

struct reader_ctx {
	struct zone_store	*zs;
	volatile bool		*stop;
	unsigned long		reads;
	unsigned long		torn;
	unsigned long		missing;
};

/* Every version has serial N and www A 10.N: a reader that ever sees another
 * address than its serial says has seen half a change. */
static void *reader(void *arg)
{
	struct reader_ctx *c = arg;
	uint8_t www[DNS_NAME_MAX];
	const struct zone_rrset *set;
	const struct zone_node *n;
	const struct zone *z;
	const uint8_t *a;
	uint32_t serial, got;
	int len = dns_name_from_text(www, "www.race.example.", 17, NULL);

	rcu_register_thread();
	while (!*c->stop) {
		rcu_read_lock();
		z = zone_store_find(c->zs, www, len);
		if (!z) {
			c->missing++;
		} else {
			serial = z->serial;
			n = zone_lookup(z, www, len, dns_name_hash(www));
			set = n ? zone_node_rrset(n, DNS_TYPE_A) : NULL;
			if (!set) {
				c->torn++;
			} else {
				a = set->rrs[0].rdata;
				got = (uint32_t)a[1] << 16 | a[2] << 8 | a[3];
				if (got != serial)
					c->torn++;
			}
		}
		rcu_read_unlock();
		c->reads++;
	}
	rcu_unregister_thread();
	return NULL;
}

static void test_store_readers_never_see_half_a_change(void **state)
{
	struct reader_ctx ctx[2];
	volatile bool stop = false;
	struct zone_store *zs;
	pthread_t th[2];
	uint32_t v;
	int i;

	(void)state;
	assert_int_equal(zone_store_new(&zs), 0);
	assert_int_equal(zone_store_publish(zs, zone_version("race.example.", 1)), 0);
	for (i = 0; i < 2; i++) {
		ctx[i] = (struct reader_ctx){ .zs = zs, .stop = &stop };
		assert_int_equal(pthread_create(&th[i], NULL, reader, &ctx[i]), 0);
	}
	for (v = 2; v <= 2000; v++) {
		assert_int_equal(zone_store_publish(zs, zone_version("race.example.", v)), 0);
		/* other zones come and go meanwhile, growing the table */
		if (v % 100 == 0) {
			char origin[64];

			snprintf(origin, sizeof(origin), "other%u.example.", v);
			assert_int_equal(zone_store_publish(zs, zone_version(origin, v)), 0);
		}
	}
	stop = true;
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_true(ctx[i].reads > 0);
		assert_int_equal(ctx[i].torn, 0);
		assert_int_equal(ctx[i].missing, 0);
	}
	rcu_read_lock();
	assert_int_equal(find(zs, "race.example.")->serial, 2000);
	rcu_read_unlock();
	zone_store_free(zs);
}

static int setup(void **state)
{
	(void)state;
	rcu_register_thread();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rcu_unregister_thread();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_checks),
		cmocka_unit_test(test_build_rejects_class_and_meta),
		cmocka_unit_test(test_build_structure),
		cmocka_unit_test(test_closest_encloser),
		cmocka_unit_test(test_missing_glue_warns),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_store_longest_match),
		cmocka_unit_test(test_store_readers_never_see_half_a_change),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
