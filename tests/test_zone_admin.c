// SPDX-License-Identifier: GPL-2.0-only
/* zone_admin: changes validated against the stored zone, one version (serial
 * + 1, one journal entry) per write, nothing stored when anything is wrong,
 * and the served version equal to what is stored. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <urcu.h>

#include "dns_rdata.h"
#include "log.h"
#include "zone_admin.h"

struct fixture {
	char			dir[64];
	struct store		*st;
	struct zone_store	*zs;
	struct zone_admin	*za;
	struct zone_admin_config cfg;
};

static void admin_new(struct fixture *f)
{
	assert_int_equal(zone_store_new(&f->zs), 0);
	assert_int_equal(zone_admin_new(&f->za, f->st, f->zs, &f->cfg), 0);
}

static void admin_free(struct fixture *f)
{
	zone_admin_free(f->za);
	zone_store_free(f->zs);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_zone_admin.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(&f->st, f->dir), 0);
	f->cfg.default_ns[0] = "ns1.example.net.";
	f->cfg.default_ns[1] = "ns2.example.net.";
	f->cfg.ndefault_ns = 2;
	f->cfg.journal_max = 3;
	admin_new(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	admin_free(f);
	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* One write of one operation; returns the status. */
static enum zone_admin_status create(struct fixture *f, const char *name, const char *account,
				     const char *zonefile, struct store_zone *z,
				     struct zone_admin_err *e)
{
	struct zone_admin_zone_spec spec = {
		.name = name, .account = account, .zonefile = zonefile,
		.zonefile_len = zonefile ? strlen(zonefile) : 0,
		.soa = { .refresh = -1, .retry = -1, .expire = -1, .minimum = -1, .ttl = -1 },
	};
	struct zone_admin_txn *t;

	memset(e, 0, sizeof(*e));
	assert_int_equal(zone_admin_begin(f->za, &t), 0);
	if (zone_admin_zone_create(t, &spec, z, e)) {
		zone_admin_abort(t);
		assert_int_not_equal(e->status, ZONE_ADMIN_OK);
		return e->status;
	}
	assert_int_equal(zone_admin_commit(t), 0);
	return ZONE_ADMIN_OK;
}

static enum zone_admin_status apply(struct fixture *f, const char *zone, const char *account,
				    const struct zone_admin_match *m,
				    const struct zone_admin_change *ch, size_t n,
				    struct store_zone *z, size_t *changed, struct zone_admin_err *e)
{
	struct zone_admin_txn *t;

	memset(e, 0, sizeof(*e));
	assert_int_equal(zone_admin_begin(f->za, &t), 0);
	if (zone_admin_apply(t, zone, account, m, ch, n, z, changed, e)) {
		zone_admin_abort(t);
		assert_int_not_equal(e->status, ZONE_ADMIN_OK);
		return e->status;
	}
	assert_int_equal(zone_admin_commit(t), 0);
	return ZONE_ADMIN_OK;
}

/* The version served for origin text, inside the caller's read section. */
static const struct zone *served(struct fixture *f, const char *name)
{
	uint8_t o[DNS_NAME_MAX];

	assert_true(dns_name_from_text(o, name, strlen(name), (const uint8_t *)"") > 0);
	return zone_store_get(f->zs, o);
}

/* Records of (owner, type) in the served version, as "rdata rdata ...". */
static void served_rrset(struct fixture *f, const char *zone, const char *owner, uint16_t type,
			 char *out, size_t cap)
{
	const struct zone *z;
	const struct zone_node *n;
	const struct zone_rrset *rs;
	uint8_t o[DNS_NAME_MAX];
	char text[512];
	int len, i;

	out[0] = 0;
	len = dns_name_from_text(o, owner, strlen(owner), (const uint8_t *)"");
	assert_true(len > 0);
	dns_name_lower(o);
	rcu_read_lock();
	z = served(f, zone);
	assert_non_null(z);
	n = zone_lookup(z, o, len, dns_name_hash(o));
	rs = n ? zone_node_rrset(n, type) : NULL;
	for (i = 0; rs && i < rs->count; i++) {
		assert_true(dns_rdata_to_text(type, rs->rrs[i].rdata, rs->rrs[i].rdlen, text,
					      sizeof(text)) > 0);
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", text);
	}
	rcu_read_unlock();
}

static uint32_t served_serial(struct fixture *f, const char *zone)
{
	const struct zone *z;
	uint32_t s;

	rcu_read_lock();
	z = served(f, zone);
	s = z ? z->serial : 0;
	rcu_read_unlock();
	return s;
}

static void test_create(void **state)
{
	struct fixture *f = *state;
	struct zone_admin_err e;
	struct store_zone z;
	char buf[512];

	assert_int_equal(create(f, "Example.COM", "acme", NULL, &z, &e), ZONE_ADMIN_OK);
	assert_int_equal(z.nrrsets, 2);
	assert_int_equal(z.versions, 1);
	assert_int_equal(served_serial(f, "example.com."), z.serial);
	assert_int_equal(z.serial % 100, 1);	/* YYYYMMDD01 */
	served_rrset(f, "example.com.", "example.com.", DNS_TYPE_NS, buf, sizeof(buf));
	assert_string_equal(buf, "ns1.example.net. ns2.example.net.");
	served_rrset(f, "example.com.", "example.com.", DNS_TYPE_SOA, buf, sizeof(buf));
	assert_true(!strncmp(buf, "ns1.example.net. hostmaster.example.com. ", 41));

	assert_int_equal(create(f, "example.com.", "acme", NULL, &z, &e), ZONE_ADMIN_CONFLICT);
	assert_int_equal(create(f, "a..b", "acme", NULL, &z, &e), ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "name");
	assert_int_equal(create(f, "x.test", "Bad Account", NULL, &z, &e), ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "account");
	/* Another account's zone above or below would take names over. */
	assert_int_equal(create(f, "sub.example.com", "globex", NULL, &z, &e),
			 ZONE_ADMIN_CONFLICT);
	assert_int_equal(create(f, "com", "globex", NULL, &z, &e), ZONE_ADMIN_CONFLICT);
	assert_int_equal(create(f, "sub.example.com", "acme", NULL, &z, &e), ZONE_ADMIN_OK);
	/* No name servers anywhere. */
	f->cfg.ndefault_ns = 0;
	admin_free(f);
	admin_new(f);
	assert_int_equal(create(f, "nons.test", "acme", NULL, &z, &e), ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "nameservers");
}

static void test_create_from_zonefile(void **state)
{
	struct fixture *f = *state;
	struct zone_admin_err e;
	struct store_zone z;
	char buf[512];

	assert_int_equal(create(f, "file.test", "acme",
				"$TTL 60\n@ SOA ns h 7 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n"
				"www CNAME ns\n", &z, &e), ZONE_ADMIN_OK);
	assert_int_equal(z.serial, 7);
	assert_int_equal(z.nrrsets, 4);
	served_rrset(f, "file.test.", "www.file.test.", DNS_TYPE_CNAME, buf, sizeof(buf));
	assert_string_equal(buf, "ns.file.test.");
	/* No SOA nor NS in the file: the defaults. */
	assert_int_equal(create(f, "file2.test", "acme", "www A 192.0.2.2\n", &z, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(z.nrrsets, 3);
	assert_int_equal(create(f, "bad.test", "acme", "@ NS ns\nwww A 192.0.2.256\n", &z, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "zonefile");
	assert_string_equal(e.msg, "zonefile:2: bad IPv4 address '192.0.2.256'");
	assert_int_equal(create(f, "bad.test", "acme", "$INCLUDE /etc/hosts\n", &z, &e),
			 ZONE_ADMIN_INVALID);
	assert_int_equal(create(f, "bad.test", "acme", "www CNAME a\nwww A 192.0.2.1\n", &z, &e),
			 ZONE_ADMIN_SEMANTIC);
	assert_int_equal(create(f, "bad.test", "acme", "www.else.test. A 192.0.2.1\n", &z, &e),
			 ZONE_ADMIN_SEMANTIC);
	assert_int_equal(create(f, "bad.test", "acme", "www 2147483648 A 192.0.2.1\n", &z, &e),
			 ZONE_ADMIN_INVALID);
	rcu_read_lock();
	assert_null(served(f, "bad.test."));
	rcu_read_unlock();
}

static void test_apply(void **state)
{
	struct fixture *f = *state;
	static const char *const a[] = { "192.0.2.1", "192.0.2.2", "192.0.2.1" };
	static const char *const b[] = { "192.0.2.2", "192.0.2.300" };
	static const char *const c[] = { "target" };
	static const char *const v6[] = { "2001:db8::1" };
	struct zone_admin_change ch[3] = {
		{ .op = ZONE_ADMIN_REPLACE, .name = "www", .type = "A", .ttl = 300,
		  .records = a, .nrecords = 3 },
	};
	struct zone_admin_err e;
	struct store_zone z;
	uint32_t s0;
	size_t changed;
	char buf[512];

	assert_int_equal(create(f, "apply.test", "acme", NULL, &z, &e), ZONE_ADMIN_OK);
	s0 = z.serial;
	assert_int_equal(apply(f, "apply.test.", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(z.serial, s0 + 1);
	assert_int_equal(z.versions, 2);
	assert_int_equal(z.nrrsets, 3);
	assert_int_equal(served_serial(f, "apply.test"), s0 + 1);
	served_rrset(f, "apply.test", "www.apply.test.", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1 192.0.2.2");

	/* The same again changes nothing: no version. */
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(z.serial, s0 + 1);

	/* Bad RDATA: the field and the change are named, nothing is stored. */
	ch[0].records = b;
	ch[0].nrecords = 2;
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "records[1]");
	assert_int_equal(e.change, 0);
	/* Wrong account, wrong If-Match, TTL, type, name. */
	ch[0].records = a;
	assert_int_equal(apply(f, "apply.test", "globex", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_NOT_FOUND);
	{
		struct zone_admin_match m = { .present = true, .n = 1, .serials = { s0 } };

		assert_int_equal(apply(f, "apply.test", NULL, &m, ch, 1, &z, &changed, &e),
				 ZONE_ADMIN_PRECONDITION);
		m.serials[0] = s0 + 1;
		ch[0].ttl = 60;
		assert_int_equal(apply(f, "apply.test", NULL, &m, ch, 1, &z, &changed, &e),
				 ZONE_ADMIN_OK);
		assert_int_equal(z.serial, s0 + 2);
	}
	ch[0].ttl = 2147483648LL;
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "ttl");
	ch[0].ttl = -1;
	ch[0].type = "NOPE";
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "type");
	ch[0].type = "A";
	ch[0].name = "www.other.test.";
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_SEMANTIC);
	assert_string_equal(e.field, "name");

	/* Several changes, one version; a CNAME beside data refuses them all. */
	ch[0] = (struct zone_admin_change){ .op = ZONE_ADMIN_ADD, .name = "www", .type = "AAAA",
					    .ttl = -1, .records = v6, .nrecords = 1 };
	ch[1] = (struct zone_admin_change){ .op = ZONE_ADMIN_REPLACE, .name = "www",
					    .type = "CNAME", .ttl = -1, .records = c,
					    .nrecords = 1 };
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 2, &z, &changed, &e),
			 ZONE_ADMIN_SEMANTIC);
	assert_int_equal(e.change, 1);
	assert_int_equal(served_serial(f, "apply.test"), s0 + 2);
	served_rrset(f, "apply.test", "www.apply.test.", DNS_TYPE_AAAA, buf, sizeof(buf));
	assert_string_equal(buf, "");
	ch[1] = (struct zone_admin_change){ .op = ZONE_ADMIN_REMOVE, .name = "www", .type = "A",
					    .ttl = -1, .records = a, .nrecords = 1 };
	ch[2] = (struct zone_admin_change){ .op = ZONE_ADMIN_REPLACE, .name = "alias",
					    .type = "CNAME", .ttl = -1, .records = c,
					    .nrecords = 1 };
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 3, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(changed, 3);
	assert_int_equal(z.serial, s0 + 3);
	served_rrset(f, "apply.test", "www.apply.test.", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.2");
	served_rrset(f, "apply.test", "alias.apply.test.", DNS_TYPE_CNAME, buf, sizeof(buf));
	assert_string_equal(buf, "target.apply.test.");

	/* The apex keeps its SOA and NS. */
	ch[0] = (struct zone_admin_change){ .op = ZONE_ADMIN_DELETE, .name = "@", .type = "NS",
					    .ttl = -1 };
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_SEMANTIC);
	ch[0].type = "SOA";
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_SEMANTIC);
	/* Deleting what is not there changes nothing. */
	ch[0].name = "nothing";
	ch[0].type = "TXT";
	assert_int_equal(apply(f, "apply.test", "acme", NULL, ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(served_serial(f, "apply.test"), s0 + 3);
}

struct jcount {
	int		n;
	uint64_t	first, last;
	uint32_t	last_to;
};

static int count_journal(uint64_t seq, const void *data, size_t len, void *arg)
{
	struct jcount *j = arg;
	const uint8_t *p = data;

	assert_true(len >= 32);
	if (!j->n)
		j->first = seq;
	j->last = seq;
	j->last_to = (uint32_t)p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11];
	j->n++;
	return 0;
}

static void test_journal_bounded(void **state)
{
	struct fixture *f = *state;
	const char *rec[1];
	char addr[32];
	struct zone_admin_change ch = { .op = ZONE_ADMIN_REPLACE, .name = "x", .type = "A",
					.ttl = -1, .records = rec, .nrecords = 1 };
	struct zone_admin_err e;
	struct store_txn *t;
	struct store_zone z;
	struct jcount j = { 0 };
	size_t changed;
	int i;

	assert_int_equal(create(f, "j.test", "acme", NULL, &z, &e), ZONE_ADMIN_OK);
	for (i = 1; i <= 5; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%d", i);
		rec[0] = addr;
		assert_int_equal(apply(f, "j.test", NULL, NULL, &ch, 1, &z, &changed, &e),
				 ZONE_ADMIN_OK);
	}
	assert_int_equal(z.versions, 6);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_journal_foreach(t, z.id, count_journal, &j), 0);
	store_txn_abort(t);
	/* journal_max 3: versions 4, 5, 6; the last ends at the zone's serial. */
	assert_int_equal(j.n, 3);
	assert_int_equal(j.first, 4);
	assert_int_equal(j.last, 6);
	assert_int_equal(j.last_to, z.serial);
	assert_int_equal(z.journal_first, 4);
}

static void test_replace_delete_export(void **state)
{
	struct fixture *f = *state;
	static const char file[] = "@ NS ns1.example.net.\nnew A 192.0.2.9\n";
	struct zone_admin_txn *t;
	struct zone_admin_err e;
	struct store_zone z;
	uint32_t s0;
	char *text, buf[256];
	size_t len;

	assert_int_equal(create(f, "r.test", "acme", NULL, &z, &e), ZONE_ADMIN_OK);
	s0 = z.serial;
	assert_int_equal(zone_admin_begin(f->za, &t), 0);
	assert_int_equal(zone_admin_zone_replace(t, "r.test", "acme", NULL, file, strlen(file),
						 &z, &e), 0);
	assert_int_equal(zone_admin_commit(t), 0);
	assert_int_equal(z.serial, s0 + 1);
	assert_int_equal(z.nrrsets, 3);
	served_rrset(f, "r.test", "new.r.test.", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.9");
	served_rrset(f, "r.test", "r.test.", DNS_TYPE_NS, buf, sizeof(buf));
	assert_string_equal(buf, "ns1.example.net.");

	{
		struct store_txn *rt;

		assert_int_equal(store_txn_begin(f->st, false, &rt), 0);
		assert_int_equal(zone_admin_export(rt, &z, &text, &len), 0);
		store_txn_abort(rt);
	}
	assert_true(!strncmp(text, "r.test.\t3600\tIN\tSOA\t", 20));
	assert_non_null(strstr(text, "\nnew.r.test.\t3600\tIN\tA\t192.0.2.9\n"));
	free(text);

	/* A file without NS would strip the apex. */
	assert_int_equal(zone_admin_begin(f->za, &t), 0);
	assert_int_not_equal(zone_admin_zone_replace(t, "r.test", NULL, NULL, "a A 192.0.2.1\n",
						     14, &z, &e), 0);
	assert_int_equal(e.status, ZONE_ADMIN_SEMANTIC);
	zone_admin_abort(t);

	assert_int_equal(zone_admin_begin(f->za, &t), 0);
	assert_int_equal(zone_admin_zone_delete(t, "r.test", "globex", NULL, &e), -ENOENT);
	assert_int_equal(e.status, ZONE_ADMIN_NOT_FOUND);
	assert_int_equal(zone_admin_zone_delete(t, "r.test", "acme", NULL, &e), 0);
	assert_int_equal(zone_admin_commit(t), 0);
	rcu_read_lock();
	assert_null(served(f, "r.test"));
	rcu_read_unlock();
}

/* web1 belongs to acme, whose zones alone may name it. */
static int slot_fn(const char *check, const char *account, void *ctx)
{
	(void)ctx;
	return !strcmp(check, "web1") && account && !strcmp(account, "acme") ? 5 : -ENOENT;
}

/* The served policy of (owner, type), or NULL; valid inside rcu_read_lock. */
static const struct policy *served_policy(struct fixture *f, const char *zone, const char *owner,
					  uint16_t type)
{
	const struct zone_node *n;
	const struct zone_rrset *rs;
	uint8_t o[DNS_NAME_MAX];
	int len;

	len = dns_name_from_text(o, owner, strlen(owner), (const uint8_t *)"");
	assert_true(len > 0);
	n = zone_lookup(served(f, zone), o, len, dns_name_hash(o));
	rs = n ? zone_node_rrset(n, type) : NULL;
	return rs ? rs->policy : NULL;
}

static json_t *json(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

static char *export(struct fixture *f, const struct store_zone *z)
{
	struct store_txn *rt;
	char *text;
	size_t len;

	assert_int_equal(store_txn_begin(f->st, false, &rt), 0);
	assert_int_equal(zone_admin_export(rt, z, &text, &len), 0);
	store_txn_abort(rt);
	return text;
}

/* A replace with a policy serves it, survives a restart, shows in exports;
 * single records of a steered RRset cannot be added or removed. */
static void test_policy(void **state)
{
	struct fixture *f = *state;
	static const char *const a[] = { "192.0.2.1", "192.0.2.2" };
	static const char *const dup[] = { "192.0.2.1", "192.0.2.1" };
	static const char *const more[] = { "192.0.2.3" };
	json_t *good = json("{\"weights\":[70,30],\"healthchecks\":[\"web1\",null]}");
	json_t *other = json("{\"weights\":[50,50]}");
	json_t *bad = json("{\"weights\":[70,\"x\"]}");
	json_t *nocheck = json("{\"healthchecks\":[\"nope\",null]}");
	struct zone_admin_change ch = { .op = ZONE_ADMIN_REPLACE, .name = "www", .type = "A",
					.ttl = 60, .records = a, .nrecords = 2, .policy = good };
	const struct policy *p;
	struct zone_admin_err e;
	struct store_zone z, oz;
	size_t changed, n;
	char *text;

	f->cfg.slot = slot_fn;
	admin_free(f);
	admin_new(f);
	assert_int_equal(create(f, "pol.test", "acme", NULL, &z, &e), ZONE_ADMIN_OK);
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(changed, 1);
	rcu_read_lock();
	p = served_policy(f, "pol.test", "www.pol.test.", DNS_TYPE_A);
	assert_non_null(p);
	assert_int_equal(p->fp.mode, FP_POLICY_WEIGHTED);
	assert_int_equal(p->fp.weight[1], 30);
	assert_int_equal(p->fp.health[0], 5);
	rcu_read_unlock();
	assert_true(zone_admin_check_in_use("web1", f->za));
	assert_false(zone_admin_check_in_use("web2", f->za));

	/* The same policy again: no version; another: one. */
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(changed, 0);
	ch.policy = other;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(changed, 1);
	assert_false(zone_admin_check_in_use("web1", f->za));
	ch.policy = good;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);

	/* Errors name the field. */
	ch.policy = bad;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "policy.weights[1]");
	assert_int_equal(e.change, 0);
	ch.policy = nocheck;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "policy.healthchecks[0]");
	/* Another account's zone cannot name acme's check. */
	ch.policy = good;
	assert_int_equal(create(f, "other.test", "other", NULL, &oz, &e), ZONE_ADMIN_OK);
	assert_int_equal(apply(f, "other.test", "other", NULL, &ch, 1, &oz, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "policy.healthchecks[0]");
	ch.records = dup;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "records");
	ch.records = a;
	ch.type = "TXT";
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "policy");
	ch.type = "A";

	/* Adding or removing one record would misalign the policy. */
	ch.op = ZONE_ADMIN_ADD;
	ch.policy = NULL;
	ch.records = more;
	ch.nrecords = 1;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_SEMANTIC);
	assert_non_null(strstr(e.msg, "replace"));
	ch.op = ZONE_ADMIN_REMOVE;
	ch.records = a;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_SEMANTIC);
	ch.op = ZONE_ADMIN_ADD;
	ch.policy = good;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_INVALID);
	assert_string_equal(e.field, "policy");

	text = export(f, &z);
	assert_non_null(strstr(text, "\n; policy (not in zone files; kept by the API): "
			       "weights 70,30; healthchecks web1,-\nwww.pol.test.\t60\tIN\tA\t"
			       "192.0.2.1\n"));
	free(text);

	/* A restart compiles it again from the store. */
	admin_free(f);
	admin_new(f);
	assert_int_equal(zone_admin_load_all(f->za, &n), 0);
	rcu_read_lock();
	p = served_policy(f, "pol.test", "www.pol.test.", DNS_TYPE_A);
	assert_non_null(p);
	assert_int_equal(p->fp.weight[0], 70);
	rcu_read_unlock();

	/* A plain replace makes it plain; a zone upload drops policies. */
	ch.op = ZONE_ADMIN_REPLACE;
	ch.policy = NULL;
	ch.nrecords = 2;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_int_equal(changed, 1);
	rcu_read_lock();
	assert_null(served_policy(f, "pol.test", "www.pol.test.", DNS_TYPE_A));
	rcu_read_unlock();
	ch.policy = good;
	assert_int_equal(apply(f, "pol.test", "acme", NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	{
		static const char file[] = "@ NS ns1.example.net.\nwww 60 A 192.0.2.1\n"
					   "www 60 A 192.0.2.2\n";
		struct zone_admin_txn *t;

		assert_int_equal(zone_admin_begin(f->za, &t), 0);
		assert_int_equal(zone_admin_zone_replace(t, "pol.test", "acme", NULL, file,
							 strlen(file), &z, &e), 0);
		assert_int_equal(zone_admin_commit(t), 0);
	}
	rcu_read_lock();
	assert_null(served_policy(f, "pol.test", "www.pol.test.", DNS_TYPE_A));
	rcu_read_unlock();
	assert_false(zone_admin_check_in_use("web1", f->za));
	json_decref(good);
	json_decref(other);
	json_decref(bad);
	json_decref(nocheck);
}

/* A fresh start serves exactly what was committed, and finds it consistent. */
static void test_load_all(void **state)
{
	struct fixture *f = *state;
	static const char *const a[] = { "192.0.2.77" };
	struct zone_admin_change ch = { .op = ZONE_ADMIN_REPLACE, .name = "www", .type = "A",
					.ttl = -1, .records = a, .nrecords = 1 };
	struct zone_admin_err e;
	struct store_zone z;
	size_t n, changed;
	char buf[64];

	assert_int_equal(create(f, "l1.test", "acme", NULL, &z, &e), ZONE_ADMIN_OK);
	assert_int_equal(create(f, "l2.test", "globex", NULL, &z, &e), ZONE_ADMIN_OK);
	assert_int_equal(apply(f, "l2.test", NULL, NULL, &ch, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	admin_free(f);
	admin_new(f);
	assert_int_equal(zone_admin_load_all(f->za, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(served_serial(f, "l2.test"), z.serial);
	served_rrset(f, "l2.test", "www.l2.test.", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.77");
}

static void test_import_file(void **state)
{
	struct fixture *f = *state;
	char path[128], err[256];
	bool imported;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/imp.zone", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("$ORIGIN imp.test.\n@ 60 SOA ns h 3 1 1 1 1\n@ 60 NS ns\nns 60 A 192.0.2.1\n", fp);
	fclose(fp);
	assert_int_equal(zone_admin_import_file(f->za, path, "default", &imported, err,
						sizeof(err)), 0);
	assert_true(imported);
	assert_int_equal(served_serial(f, "imp.test"), 3);
	assert_int_equal(zone_admin_import_file(f->za, path, "default", &imported, err,
						sizeof(err)), 0);
	assert_false(imported);
	snprintf(path, sizeof(path), "%s/missing.zone", f->dir);
	assert_int_not_equal(zone_admin_import_file(f->za, path, "default", &imported, err,
						    sizeof(err)), 0);
}

/* Warnings the daemon logs, kept by the test instead of going to stderr. */
struct logged {
	char	text[4096];
	int	n;
};

static bool keep_warning(void *ctx, enum log_level level, const char *msg)
{
	struct logged *l = ctx;

	if (level != LOG_LEVEL_WARN)
		return false;
	snprintf(l->text + strlen(l->text), sizeof(l->text) - strlen(l->text), "%s\n", msg);
	l->n++;
	return true;
}

/* The warnings logged since the last call, "" for none. */
static const char *take(struct logged *l, char *out, size_t cap)
{
	snprintf(out, cap, "%s", l->text);
	l->text[0] = 0;
	l->n = 0;
	return out;
}

/* A standing build warning (missing glue) is logged when the zone is created
 * or loaded, not again on every write to it; a write that adds one logs it. */
static void test_warnings_once(void **state)
{
	struct fixture *f = *state;
	static const char *const www[] = { "192.0.2.1" };
	static const char *const sub2[] = { "ns.sub2.glue.test." };
	static const char *const glue[] = { "192.0.2.53" };
	static const char file[] = "@ NS ns1.example.net.\nsub NS ns.sub\n";
	struct zone_admin_change ch_www = { .op = ZONE_ADMIN_REPLACE, .name = "www", .type = "A",
					    .ttl = -1, .records = www, .nrecords = 1 };
	struct zone_admin_change ch_sub2 = { .op = ZONE_ADMIN_REPLACE, .name = "sub2",
					     .type = "NS", .ttl = -1, .records = sub2,
					     .nrecords = 1 };
	struct zone_admin_change ch_glue = { .op = ZONE_ADMIN_REPLACE, .name = "ns.sub",
					     .type = "A", .ttl = -1, .records = glue,
					     .nrecords = 1 };
	struct zone_admin_change ch_unglue = { .op = ZONE_ADMIN_DELETE, .name = "ns.sub",
					       .type = "A", .ttl = -1 };
	struct logged l = { 0 };
	struct log_sink prev = log_set_sink((struct log_sink){ .fn = keep_warning, .ctx = &l });
	static const char w_sub[] = "zone glue.test.: delegation sub.glue.test.: no glue "
				    "address for name server ns.sub.glue.test.\n";
	static const char w_sub2[] = "zone glue.test.: delegation sub2.glue.test.: no glue "
				     "address for name server ns.sub2.glue.test.\n";
	struct zone_admin_txn *t;
	struct zone_admin_err e;
	struct store_zone z;
	char got[4096];
	size_t changed, n;

	assert_int_equal(create(f, "glue.test", "acme", file, &z, &e), ZONE_ADMIN_OK);
	assert_string_equal(take(&l, got, sizeof(got)), w_sub);
	assert_int_equal(apply(f, "glue.test", "acme", NULL, &ch_www, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_string_equal(take(&l, got, sizeof(got)), "");
	/* A new delegation without glue: only its own warning. */
	assert_int_equal(apply(f, "glue.test", "acme", NULL, &ch_sub2, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_string_equal(take(&l, got, sizeof(got)), w_sub2);
	/* Fixed, then broken again: news again. */
	assert_int_equal(apply(f, "glue.test", "acme", NULL, &ch_glue, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_string_equal(take(&l, got, sizeof(got)), "");
	assert_int_equal(apply(f, "glue.test", "acme", NULL, &ch_unglue, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_string_equal(take(&l, got, sizeof(got)), w_sub);
	/* A write that is aborted does not count as reported. */
	assert_int_equal(zone_admin_begin(f->za, &t), 0);
	assert_int_equal(zone_admin_apply(t, "glue.test", "acme", NULL, &ch_glue, 1, &z,
					  &changed, &e), 0);
	zone_admin_abort(t);
	assert_string_equal(take(&l, got, sizeof(got)), "");
	assert_int_equal(apply(f, "glue.test", "acme", NULL, &ch_www, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_string_equal(take(&l, got, sizeof(got)), "");
	/* The same file again keeps the same standing warnings. */
	assert_int_equal(zone_admin_begin(f->za, &t), 0);
	assert_int_equal(zone_admin_zone_replace(t, "glue.test", "acme", NULL, file,
						 strlen(file), &z, &e), 0);
	assert_int_equal(zone_admin_commit(t), 0);
	assert_string_equal(take(&l, got, sizeof(got)), "");
	/* A restart reports what stands, once. */
	admin_free(f);
	admin_new(f);
	assert_int_equal(zone_admin_load_all(f->za, &n), 0);
	assert_string_equal(take(&l, got, sizeof(got)), w_sub);
	assert_int_equal(apply(f, "glue.test", "acme", NULL, &ch_www, 1, &z, &changed, &e),
			 ZONE_ADMIN_OK);
	assert_string_equal(take(&l, got, sizeof(got)), "");
	/* A zone deleted and created again is new. */
	assert_int_equal(zone_admin_begin(f->za, &t), 0);
	assert_int_equal(zone_admin_zone_delete(t, "glue.test", "acme", NULL, &e), 0);
	assert_int_equal(zone_admin_commit(t), 0);
	assert_int_equal(create(f, "glue.test", "acme", file, &z, &e), ZONE_ADMIN_OK);
	assert_string_equal(take(&l, got, sizeof(got)), w_sub);
	log_set_sink(prev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_from_zonefile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_delete_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warnings_once, setup, teardown),
	};
	int ret;

	rcu_register_thread();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	return ret;
}
