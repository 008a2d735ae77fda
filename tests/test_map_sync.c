// SPDX-License-Identifier: GPL-2.0-only
/* map_sync against the real program's maps (needs root): full syncs install,
 * change and remove answers; names land in the tier their length picks; zone
 * syncs touch only their zone's keys, and only those that changed; of two
 * names with one key, the first installed keeps it. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath.h"
#include "fp_answer.h"
#include "log.h"
#include "map_sync.h"
#include "policy.h"
#include "xdp_dns.skel.h"

#define T_NAME_SEED	0x5eed0f0a11ce5ULL	/* the program's name_seed here */

struct fixture {
	struct xdp_dns_bpf	*skel;
	struct map_sync		*ms;
	int			fds[FP_TIERS];
};

static const unsigned int tier_size[FP_TIERS] = { FP_TIER_0, FP_TIER_1, FP_TIER_2, FP_TIER_3 };

/* An A record for the question's name: 0xc00c, A, IN, TTL 300, 198.18.0.x */
static void a_rr(uint8_t rr[16], uint8_t last)
{
	static const uint8_t tmpl[16] = {
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c,
		0x00, 0x04, 198, 18, 0, 0,
	};

	memcpy(rr, tmpl, 16);
	rr[15] = last;
}

/* Text name to lower-case wire format; returns its length. */
static size_t wire(uint8_t *out, const char *text)
{
	size_t n = 0;

	while (*text) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);

		out[n++] = l;
		memcpy(out + n, text, l);
		n += l;
		text += l + (dot ? 1 : 0);
	}
	out[n++] = 0;
	return n;
}

/* A name of exactly len wire bytes under example. */
static size_t long_name(uint8_t *out, size_t len)
{
	static const uint8_t suffix[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
	size_t n = 0, body = len - sizeof(suffix);

	while (body > 0) {
		size_t l = body - 1 > 63 ? 63 : body - 1;

		if (body - (l + 1) == 1)	/* never leave a lone length byte */
			l--;
		out[n++] = l;
		memset(out + n, 'a' + (n % 26), l);
		n += l;
		body -= l + 1;
	}
	memcpy(out + n, suffix, sizeof(suffix));
	return n + sizeof(suffix);
}

static int put(struct map_sync *ms, const uint8_t *qname, size_t qlen, uint16_t qtype,
	       uint8_t last, bool pass_do)
{
	uint8_t rr[16];
	struct fastpath_entry e = {
		.qname = qname, .qname_len = qlen, .qtype = qtype,
		.answer = rr, .answer_len = sizeof(rr), .ancount = 1, .pass_do = pass_do,
	};

	a_rr(rr, last);
	return map_sync_put(&e, ms);
}

/* The entry under the query's key in its tier's map, as the XDP program
 * finds it: its tier, -ENOENT when there is none, -ESRCH when the entry
 * there is another query's (the program would not answer from it). */
static int lookup_entry(struct fixture *f, const uint8_t *qname, size_t qlen, uint16_t qtype,
			struct fp_entry *ent)
{
	struct fp_key key;
	int tier = fp_key_build(&key, T_NAME_SEED, qname, qlen, qtype);

	assert_true(tier >= 0 && tier < FP_TIERS);
	memset(ent, 0, sizeof(*ent));
	if (bpf_map_lookup_elem(f->fds[tier], &key, ent))
		return -errno;
	if (!fp_entry_matches(ent, tier, qname, qlen, qtype))
		return -ESRCH;
	return tier;
}

/* The answer of the query, as lookup_entry (zero when there is none). */
static int lookup(struct fixture *f, const uint8_t *qname, size_t qlen, uint16_t qtype,
		  struct fp_answer *val)
{
	struct fp_entry ent;
	int ret = lookup_entry(f, qname, qlen, qtype, &ent);

	*val = ent.answer;
	return ret;
}

static unsigned long map_entries(int fd)
{
	struct fp_key key, next;
	unsigned long n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

static unsigned long all_entries(struct fixture *f)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < FP_TIERS; i++)
		n += map_entries(f->fds[i]);
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int i;

	if (!f || geteuid() != 0) {
		fprintf(stderr, "test_map_sync: needs root\n");
		free(f);
		return -1;
	}
	f->skel = xdp_dns_bpf__open();
	if (!f->skel) {
		fprintf(stderr, "test_map_sync: open: %s\n", strerror(errno));
		free(f);
		return -1;
	}
	f->skel->rodata->name_seed = T_NAME_SEED;
	if (xdp_dns_bpf__load(f->skel)) {
		fprintf(stderr, "test_map_sync: load: %s\n", strerror(errno));
		xdp_dns_bpf__destroy(f->skel);
		free(f);
		return -1;
	}
	f->fds[0] = bpf_map__fd(f->skel->maps.answers_32);
	f->fds[1] = bpf_map__fd(f->skel->maps.answers_64);
	f->fds[2] = bpf_map__fd(f->skel->maps.answers_128);
	f->fds[3] = bpf_map__fd(f->skel->maps.answers_256);
	for (i = 0; i < FP_TIERS; i++)
		assert_true(f->fds[i] >= 0);
	assert_int_equal(map_sync_new(&f->ms, f->fds, T_NAME_SEED), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	map_sync_free(f->ms);
	xdp_dns_bpf__destroy(f->skel);
	free(f);
	return 0;
}

static void test_sync_cycles(void **state)
{
	struct fixture *f = *state;
	uint8_t www[64], mail[64], n60[256], n100[256], n200[256];
	size_t lwww = wire(www, "www.example"), lmail = wire(mail, "mail.example");
	size_t l60 = long_name(n60, 60), l100 = long_name(n100, 100), l200 = long_name(n200, 200);
	struct fp_answer val, want;
	uint8_t rr[16];

	assert_int_equal(l60, 60);
	assert_int_equal(l100, 100);
	assert_int_equal(l200, 200);

	/* First sync: one name per tier, and two types for www. */
	map_sync_begin(f->ms);
	assert_int_equal(put(f->ms, www, lwww, 1, 1, false), 0);
	assert_int_equal(put(f->ms, www, lwww, 28, 2, false), 0);
	assert_int_equal(put(f->ms, mail, lmail, 1, 3, true), 0);
	assert_int_equal(put(f->ms, n60, l60, 1, 4, false), 0);
	assert_int_equal(put(f->ms, n100, l100, 1, 5, false), 0);
	assert_int_equal(put(f->ms, n200, l200, 1, 6, false), 0);
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(map_sync_count(f->ms), 6);
	assert_int_equal(all_entries(f), 6);

	assert_int_equal(lookup(f, www, lwww, 1, &val), 0);
	a_rr(rr, 1);
	assert_int_equal(fp_answer_build(&want, rr, sizeof(rr), 1, 0), 0);
	assert_int_equal(val.len, 16);
	assert_int_equal(val.ancount, 1);
	assert_int_equal(val.csum, want.csum);
	assert_memory_equal(val.data, rr, 16);
	assert_int_equal(lookup(f, mail, lmail, 1, &val), 0);
	assert_int_equal(val.flags & FP_ANSWER_F_PASS_DO, FP_ANSWER_F_PASS_DO);
	assert_int_equal(lookup(f, n60, l60, 1, &val), 1);
	assert_int_equal(val.data[15], 4);
	assert_int_equal(lookup(f, n100, l100, 1, &val), 2);
	assert_int_equal(lookup(f, n200, l200, 1, &val), 3);
	assert_int_equal(val.data[15], 6);
	assert_int_equal(map_entries(f->fds[0]), 3);
	assert_int_equal(map_entries(f->fds[1]), 1);
	assert_int_equal(map_entries(f->fds[2]), 1);
	assert_int_equal(map_entries(f->fds[3]), 1);

	/* Second sync: www AAAA and the 100-byte name left the zone, www A changed. */
	map_sync_begin(f->ms);
	assert_int_equal(put(f->ms, www, lwww, 1, 9, false), 0);
	assert_int_equal(put(f->ms, mail, lmail, 1, 3, true), 0);
	assert_int_equal(put(f->ms, n60, l60, 1, 4, false), 0);
	assert_int_equal(put(f->ms, n200, l200, 1, 6, false), 0);
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(map_sync_count(f->ms), 4);
	assert_int_equal(all_entries(f), 4);
	assert_int_equal(lookup(f, www, lwww, 28, &val), -ENOENT);
	assert_int_equal(lookup(f, n100, l100, 1, &val), -ENOENT);
	assert_int_equal(lookup(f, www, lwww, 1, &val), 0);
	assert_int_equal(val.data[15], 9);

	/* Incremental delete, whatever the case of the name. */
	{
		uint8_t upper[64];

		wire(upper, "MAIL.Example");
		assert_int_equal(map_sync_delete(f->ms, upper, 1), 0);
	}
	assert_int_equal(lookup(f, mail, lmail, 1, &val), -ENOENT);
	assert_int_equal(map_sync_count(f->ms), 3);
	assert_int_equal(map_sync_delete(f->ms, mail, 1), 0);	/* already gone */
	assert_int_equal(map_sync_count(f->ms), 3);

	/* An empty sync empties the maps. */
	map_sync_begin(f->ms);
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(map_sync_count(f->ms), 0);
	assert_int_equal(all_entries(f), 0);
}

/* More entries than one batch and than the initial hash table. */
static void test_many(void **state)
{
	struct fixture *f = *state;
	enum { N = 5000 };
	uint8_t name[64];
	char text[64];
	struct fp_answer val;
	size_t len;
	int i;

	map_sync_begin(f->ms);
	for (i = 0; i < N; i++) {
		snprintf(text, sizeof(text), "host%d.example", i);
		len = wire(name, text);
		assert_int_equal(put(f->ms, name, len, 1, i & 0xff, false), 0);
	}
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(map_sync_count(f->ms), N);
	assert_int_equal(all_entries(f), N);
	len = wire(name, "host4321.example");
	assert_int_equal(lookup(f, name, len, 1, &val), 0);
	assert_int_equal(val.data[15], 4321 & 0xff);

	/* Keep the even ones. */
	map_sync_begin(f->ms);
	for (i = 0; i < N; i += 2) {
		snprintf(text, sizeof(text), "host%d.example", i);
		len = wire(name, text);
		assert_int_equal(put(f->ms, name, len, 1, i & 0xff, false), 0);
	}
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(map_sync_count(f->ms), N / 2);
	assert_int_equal(all_entries(f), N / 2);
	len = wire(name, "host4321.example");
	assert_int_equal(lookup(f, name, len, 1, &val), -ENOENT);
	len = wire(name, "host4320.example");
	assert_int_equal(lookup(f, name, len, 1, &val), 0);

	map_sync_begin(f->ms);
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(all_entries(f), 0);
}

/* What the fast path cannot carry is not installed, and an older value of
 * the same key goes at commit. */
static void test_too_big(void **state)
{
	struct fixture *f = *state;
	uint8_t name[64], big[FP_ANSWER_MAX + 16];
	size_t len = wire(name, "big.example");
	struct fp_answer val;
	struct fastpath_entry e = {
		.qname = name, .qname_len = len, .qtype = 16,
		.answer = big, .answer_len = sizeof(big), .ancount = 1,
	};

	memset(big, 0, sizeof(big));
	map_sync_begin(f->ms);
	assert_int_equal(put(f->ms, name, len, 16, 1, false), 0);
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(lookup(f, name, len, 16, &val), 0);

	map_sync_begin(f->ms);
	assert_int_equal(map_sync_put(&e, f->ms), 0);
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(lookup(f, name, len, 16, &val), -ENOENT);
	assert_int_equal(map_sync_count(f->ms), 0);
}

static void test_bad_delete(void **state)
{
	struct fixture *f = *state;
	uint8_t bad[300];

	memset(bad, 0, sizeof(bad));
	bad[0] = 64;	/* a label longer than 63 */
	assert_int_equal(map_sync_delete(f->ms, bad, 1), -EINVAL);
	memset(bad, 'a', sizeof(bad));
	bad[0] = 63; bad[64] = 63; bad[128] = 63; bad[192] = 63; bad[256] = 10;
	assert_int_equal(map_sync_delete(f->ms, bad, 1), -EINVAL);	/* over 255 bytes */
}

/* A zone's walk for map_sync_zone: its entries, then maybe an error. */
struct fake_zone {
	const char	*names[8];
	uint8_t		last[8];
	int		n;
	int		fail_after;	/* -1: never */
};

static int fake_walk(const void *src, fastpath_entry_cb cb, void *ctx)
{
	const struct fake_zone *fz = src;
	uint8_t name[FP_QNAME_WIRE_MAX], rr[16];
	struct fastpath_entry e = { .qname = name, .qtype = 1, .answer = rr,
				    .answer_len = sizeof(rr), .ancount = 1 };
	int i, ret;

	for (i = 0; i < fz->n; i++) {
		if (i == fz->fail_after)
			return -EIO;
		e.qname_len = wire(name, fz->names[i]);
		a_rr(rr, fz->last[i]);
		ret = cb(&e, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* The last address byte installed for name, or -errno. */
static int installed(struct fixture *f, const char *name)
{
	uint8_t q[FP_QNAME_WIRE_MAX];
	struct fp_answer val;
	size_t len = wire(q, name);
	int ret = lookup(f, q, len, 1, &val);

	return ret < 0 ? ret : val.data[15];
}

static void test_zone_sync(void **state)
{
	struct fixture *f = *state;
	uint8_t oa[32], ob[32], oc[32], osub[32], q[64];
	struct fake_zone a = { { "www.a.example", "mail.a.example" }, { 1, 2 }, 2, -1 };
	struct fake_zone b = { { "x.b.example" }, { 5 }, 1, -1 };
	struct fake_zone sub = { { "www.sub.a.example" }, { 9 }, 1, -1 };
	struct fake_zone c = { { "x.c.example", "y.c.example" }, { 1, 2 }, 2, -1 };
	struct fp_entry val;
	struct fp_key key;
	int tier;

	wire(oa, "A.example");	/* any case */
	wire(ob, "b.example");
	wire(oc, "c.example");
	wire(osub, "sub.a.example");
	assert_int_equal(map_sync_zone(f->ms, oa, fake_walk, &a), 0);
	assert_int_equal(map_sync_zone(f->ms, ob, fake_walk, &b), 0);
	assert_int_equal(installed(f, "www.a.example"), 1);
	assert_int_equal(installed(f, "mail.a.example"), 2);
	assert_int_equal(map_sync_count(f->ms), 3);

	/* a changes: www updated, mail gone, new added; b untouched. */
	a = (struct fake_zone){ { "www.a.example", "new.a.example" }, { 3, 4 }, 2, -1 };
	assert_int_equal(map_sync_zone(f->ms, oa, fake_walk, &a), 0);
	assert_int_equal(installed(f, "www.a.example"), 3);
	assert_int_equal(installed(f, "mail.a.example"), -ENOENT);
	assert_int_equal(installed(f, "new.a.example"), 4);
	assert_int_equal(installed(f, "x.b.example"), 5);
	assert_int_equal(map_sync_count(f->ms), 3);
	assert_int_equal(all_entries(f), 3);

	/* Only changed keys are written: an entry altered behind map_sync's
	 * back stays altered by a sync that produces the same value for it. */
	tier = fp_key_build(&key, T_NAME_SEED, q, wire(q, "x.b.example"), 1);
	assert_true(tier >= 0);
	assert_int_equal(bpf_map_lookup_elem(f->fds[tier], &key, &val), 0);
	val.answer.data[15] = 99;
	assert_int_equal(bpf_map_update_elem(f->fds[tier], &key, &val, BPF_ANY), 0);
	assert_int_equal(map_sync_zone(f->ms, ob, fake_walk, &b), 0);
	assert_int_equal(installed(f, "x.b.example"), 99);
	b.last[0] = 6;
	assert_int_equal(map_sync_zone(f->ms, ob, fake_walk, &b), 0);
	assert_int_equal(installed(f, "x.b.example"), 6);

	/* A name both a parent and a hosted child produce is the child's,
	 * whichever syncs last. */
	a.names[2] = "www.sub.a.example";
	a.last[2] = 8;
	a.n = 3;
	assert_int_equal(map_sync_zone(f->ms, osub, fake_walk, &sub), 0);
	assert_int_equal(map_sync_zone(f->ms, oa, fake_walk, &a), 0);
	assert_int_equal(installed(f, "www.sub.a.example"), 9);
	assert_int_equal(map_sync_zone(f->ms, osub, fake_walk, &sub), 0);
	assert_int_equal(installed(f, "www.sub.a.example"), 9);

	/* A walk that fails keeps what was installed. */
	assert_int_equal(map_sync_zone(f->ms, oc, fake_walk, &c), 0);
	c.last[0] = 7;
	c.fail_after = 1;
	assert_int_equal(map_sync_zone(f->ms, oc, fake_walk, &c), -EIO);
	assert_int_equal(installed(f, "y.c.example"), 2);

	/* Removing zones removes their keys and only theirs. */
	assert_int_equal(map_sync_zone_remove(f->ms, oa), 0);
	assert_int_equal(installed(f, "www.a.example"), -ENOENT);
	assert_int_equal(installed(f, "new.a.example"), -ENOENT);
	assert_int_equal(installed(f, "www.sub.a.example"), 9);
	assert_int_equal(installed(f, "x.b.example"), 6);
	assert_int_equal(map_sync_zone_remove(f->ms, oa), -ENOENT);
	assert_int_equal(map_sync_zone_remove(f->ms, osub), 0);
	assert_int_equal(map_sync_zone_remove(f->ms, ob), 0);
	assert_int_equal(map_sync_zone_remove(f->ms, oc), 0);
	assert_int_equal(map_sync_count(f->ms), 0);
	assert_int_equal(all_entries(f), 0);
}

/* Many zones of a few names each, as 100,000 hosted zones would be. */
static void test_zone_sync_many(void **state)
{
	struct fixture *f = *state;
	char names[2][64];
	struct fake_zone z = { { names[0], names[1] }, { 1, 2 }, 2, -1 };
	uint8_t o[64];
	char origin[64];
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(origin, sizeof(origin), "z%d.example", i);
		snprintf(names[0], sizeof(names[0]), "www.z%d.example", i);
		snprintf(names[1], sizeof(names[1]), "z%d.example", i);
		wire(o, origin);
		assert_int_equal(map_sync_zone(f->ms, o, fake_walk, &z), 0);
	}
	assert_int_equal(map_sync_count(f->ms), 6000);
	assert_int_equal(all_entries(f), 6000);
	for (i = 0; i < 3000; i++) {
		snprintf(origin, sizeof(origin), "z%d.example", i);
		wire(o, origin);
		assert_int_equal(map_sync_zone_remove(f->ms, o), 0);
	}
	assert_int_equal(map_sync_count(f->ms), 0);
	assert_int_equal(all_entries(f), 0);
}

/* After a test that may fail halfway: no entry left for the next, and the
 * log back on stderr. */
static int clear_answers(void **state)
{
	struct fixture *f = *state;
	struct fp_key key;
	int i;

	log_set_sink((struct log_sink){ 0 });
	for (i = 0; i < FP_TIERS; i++)
		while (bpf_map_get_next_key(f->fds[i], NULL, &key) == 0)
			if (bpf_map_delete_elem(f->fds[i], &key))
				break;
	return 0;
}

/* An installed value names its query: the program compares qtype, qlen and
 * the zero-padded name words before it answers. */
static void test_entry_fields(void **state)
{
	struct fixture *f = *state;
	uint8_t www[64], n100[256];
	size_t lwww = wire(www, "www.example"), l100 = long_name(n100, 100);
	const uint8_t *name;
	struct fp_entry ent;
	struct fp_key key;
	size_t i;

	map_sync_begin(f->ms);
	assert_int_equal(put(f->ms, www, lwww, 28, 7, false), 0);
	assert_int_equal(put(f->ms, n100, l100, 1, 8, false), 0);
	assert_int_equal(map_sync_commit(f->ms), 0);

	assert_int_equal(lookup_entry(f, www, lwww, 28, &ent), 0);
	assert_int_equal(ent.qtype, 28);
	assert_int_equal(ent.qlen, lwww);
	name = (const uint8_t *)ent.qname;
	assert_memory_equal(name, www, lwww);
	for (i = lwww; i < tier_size[0]; i++)
		assert_int_equal(name[i], 0);
	for (i = 0; i < sizeof(ent.pad); i++)
		assert_int_equal(ent.pad[i], 0);
	assert_int_equal(ent.answer.data[15], 7);

	assert_int_equal(lookup_entry(f, n100, l100, 1, &ent), 2);
	assert_int_equal(ent.qtype, 1);
	assert_int_equal(ent.qlen, 100);
	name = (const uint8_t *)ent.qname;
	assert_memory_equal(name, n100, l100);
	for (i = l100; i < tier_size[2]; i++)
		assert_int_equal(name[i], 0);
	assert_int_equal(ent.answer.data[15], 8);

	/* A name in upper case is the same name: its entry, lower case, is
	 * updated, not taken for another name with its key. */
	{
		uint8_t upper[64];

		map_sync_begin(f->ms);
		assert_int_equal(put(f->ms, upper, wire(upper, "WWW.Example"), 28, 9, false), 0);
		assert_int_equal(put(f->ms, n100, l100, 1, 8, false), 0);
		assert_int_equal(map_sync_commit(f->ms), 0);
		assert_int_equal(map_sync_count(f->ms), 2);
		assert_int_equal(lookup_entry(f, www, lwww, 28, &ent), 0);
		assert_memory_equal(ent.qname, www, lwww);
		assert_int_equal(ent.answer.data[15], 9);
	}

	/* The key is the seed's: under another seed nothing is there. */
	assert_int_equal(fp_key_build(&key, T_NAME_SEED + 1, www, lwww, 28), 0);
	assert_int_not_equal(bpf_map_lookup_elem(f->fds[0], &key, &ent), 0);
	assert_int_equal(errno, ENOENT);

	map_sync_begin(f->ms);
	assert_int_equal(map_sync_commit(f->ms), 0);
	assert_int_equal(all_entries(f), 0);
}

/* ---- two names, one key ---- */

#define K_MUL	0x9e3779b97f4a7c15ULL

/* The inverse of fp_key_step's multiplier mod 2^64 (Newton: each step doubles
 * the correct low bits). */
static uint64_t k_inverse(void)
{
	uint64_t x = K_MUL;
	int i;

	for (i = 0; i < 6; i++)
		x *= 2 - K_MUL * x;
	return x;
}

/* The h ^ word that fp_key_step turned into @h: the xorshift by 32 is its
 * own inverse, the multiply undone by the inverse. */
static uint64_t key_unstep(uint64_t h)
{
	h ^= h >> 32;
	return h * k_inverse();
}

static uint64_t name_word(const uint8_t *name, size_t i)
{
	uint64_t w;

	memcpy(&w, name + 8 * i, 8);
	return w;
}

/* The state before fp_key_final, as fp_answer.c computes it; name is zero
 * padded to a whole number of words past its end. */
static uint64_t key_state(const uint8_t *name, size_t len, uint16_t qtype)
{
	uint64_t h = fp_key_start(T_NAME_SEED, qtype, len);
	size_t i;

	for (i = 0; i <= len / 8; i++)
		h = fp_key_step(h, name_word(name, i));
	return h;
}

static uint32_t rng_state = 12345;

static uint8_t rnd_lower(void)
{
	rng_state = rng_state * 1103515245 + 12345;
	return 'a' + (rng_state >> 16) % 26;
}

/*
 * Fills out (zero padded to FP_QNAME_WIRE_MAX) with a name of one label, len
 * wire bytes, whose key under T_NAME_SEED equals that of (target, tlen) for
 * the same qtype: word 0's letters drawn at random, word j solved so that the
 * state after the name's last word is the target's, until the solved bytes are
 * label bytes a query could carry (no upper case, which the program folds).
 * Word j must lie inside the label.
 */
static void colliding_name(uint8_t *out, size_t len, size_t j, const uint8_t *target,
			   size_t tlen, uint16_t qtype)
{
	uint64_t want = key_state(target, tlen, qtype), h, t, w;
	int tries, ok;
	size_t i;

	assert_true(len >= 8 * (j + 1) + 1 && j > 0);
	for (tries = 0; tries < 1000; tries++) {
		memset(out, 0, FP_QNAME_WIRE_MAX);
		out[0] = len - 2;
		for (i = 1; i < len - 1; i++)
			out[i] = rnd_lower();
		/* back from the target through the fixed words after j */
		t = want;
		for (i = len / 8; i > j; i--)
			t = key_unstep(t) ^ name_word(out, i);
		h = fp_key_start(T_NAME_SEED, qtype, len);
		for (i = 0; i < j; i++)
			h = fp_key_step(h, name_word(out, i));
		w = key_unstep(t) ^ h;
		memcpy(out + 8 * j, &w, 8);
		ok = 1;
		for (i = 8 * j; i < 8 * j + 8; i++)
			if (out[i] >= 'A' && out[i] <= 'Z')
				ok = 0;
		if (ok && (len != tlen || memcmp(out, target, len)))
			return;
	}
	fail_msg("no colliding name in 1000 tries");
}

/* A zone of wire names (fake_walk's are text). */
struct wire_zone {
	const uint8_t	*names[2];
	size_t		lens[2];
	uint8_t		last[2];
	int		n;
};

static int wire_walk(const void *src, fastpath_entry_cb cb, void *ctx)
{
	const struct wire_zone *wz = src;
	uint8_t rr[16];
	struct fastpath_entry e = { .qtype = 1, .answer = rr, .answer_len = sizeof(rr),
				    .ancount = 1 };
	int i, ret;

	for (i = 0; i < wz->n; i++) {
		e.qname = wz->names[i];
		e.qname_len = wz->lens[i];
		a_rr(rr, wz->last[i]);
		ret = cb(&e, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* Counts the warnings of names left out for their key, and swallows every
 * message. */
struct taken_log {
	int	n;
	char	last[512];
};

static bool taken_sink(void *ctx, enum log_level level, const char *msg)
{
	struct taken_log *tl = ctx;

	if (level == LOG_LEVEL_WARN && strstr(msg, "has the key of")) {
		tl->n++;
		snprintf(tl->last, sizeof(tl->last), "%s", msg);
	}
	return true;
}

/* The last address byte of the query's answer, -ENOENT (no entry under its
 * key) or -ESRCH (another query's entry there). */
static int answered(struct fixture *f, const uint8_t *qname, size_t qlen)
{
	struct fp_answer val;
	int ret = lookup(f, qname, qlen, 1, &val);

	return ret < 0 ? ret : val.data[15];
}

/*
 * Two names of one tier with one key: the first installed keeps the element,
 * the second is the engine's (logged) until the first goes, and no
 * delete of the second reaches the first's element. A name of another tier
 * with the same key is no conflict: it lives in another map.
 */
static void test_key_collision(void **state)
{
	struct fixture *f = *state;
	uint8_t a[FP_QNAME_WIRE_MAX], b[FP_QNAME_WIRE_MAX], c[FP_QNAME_WIRE_MAX];
	struct taken_log tl = { 0 };
	struct log_sink old;
	struct map_sync *ms, *other;
	struct wire_zone za = { { a }, { 32 }, { 1 }, 1 };
	struct wire_zone zb = { { b }, { 32 }, { 2 }, 1 };
	struct wire_zone zab = { { a, b }, { 32, 32 }, { 1, 2 }, 2 };
	struct fp_key ka, kb, kc;
	size_t i;

	/* a: one label of 30 letters; b: the same length, word 1 solved; c:
	 * 41 bytes (tier 1), word 4 solved. */
	a[0] = 30;
	for (i = 1; i <= 30; i++)
		a[i] = 'a' + i % 26;
	memset(a + 31, 0, sizeof(a) - 31);
	colliding_name(b, 32, 1, a, 32, 1);
	colliding_name(c, 41, 4, a, 32, 1);
	assert_int_equal(fp_key_build(&ka, T_NAME_SEED, a, 32, 1), 0);
	assert_int_equal(fp_key_build(&kb, T_NAME_SEED, b, 32, 1), 0);
	assert_int_equal(fp_key_build(&kc, T_NAME_SEED, c, 41, 1), 1);
	assert_true(ka.hash == kb.hash && ka.hash == kc.hash);
	assert_memory_not_equal(a, b, 32);

	assert_int_equal(map_sync_new(&ms, f->fds, T_NAME_SEED), 0);
	old = log_set_sink((struct log_sink){ .fn = taken_sink, .ctx = &tl });

	/* Full syncs: a first, so a keeps the key; c, in tier 1, is in too. */
	map_sync_begin(ms);
	assert_int_equal(put(ms, a, 32, 1, 1, false), 0);
	assert_int_equal(put(ms, b, 32, 1, 2, false), 0);
	assert_int_equal(put(ms, c, 41, 1, 3, false), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(answered(f, a, 32), 1);
	assert_int_equal(answered(f, b, 32), -ESRCH);
	assert_int_equal(answered(f, c, 41), 3);
	assert_int_equal(map_sync_count(ms), 2);
	assert_int_equal(all_entries(f), 2);
	assert_int_equal(tl.n, 1);
	assert_non_null(strstr(tl.last, "engine answers"));

	/* b first this time: a, installed, keeps the key; the warning is
	 * rate-limited. */
	map_sync_begin(ms);
	assert_int_equal(put(ms, b, 32, 1, 2, false), 0);
	assert_int_equal(put(ms, a, 32, 1, 1, false), 0);
	assert_int_equal(put(ms, c, 41, 1, 3, false), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(answered(f, a, 32), 1);
	assert_int_equal(answered(f, b, 32), -ESRCH);
	assert_int_equal(map_sync_count(ms), 2);
	assert_int_equal(tl.n, 1);

	/* Deleting b, which never got in, leaves a's element; so does
	 * another instance that does not know a. */
	assert_int_equal(map_sync_delete(ms, b, 1), 0);
	assert_int_equal(answered(f, a, 32), 1);
	assert_int_equal(map_sync_new(&other, f->fds, T_NAME_SEED), 0);
	assert_int_equal(map_sync_delete(other, b, 1), 0);
	assert_int_equal(answered(f, a, 32), 1);
	map_sync_free(other);

	/* a goes: the next sync that produces b installs it, and now b
	 * keeps the key against a. */
	assert_int_equal(map_sync_delete(ms, a, 1), 0);
	assert_int_equal(answered(f, a, 32), -ENOENT);
	map_sync_begin(ms);
	assert_int_equal(put(ms, b, 32, 1, 2, false), 0);
	assert_int_equal(put(ms, a, 32, 1, 1, false), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(answered(f, b, 32), 2);
	assert_int_equal(answered(f, a, 32), -ESRCH);
	assert_int_equal(map_sync_count(ms), 1);
	map_sync_begin(ms);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(all_entries(f), 0);

	/* Zones, each name its own apex: removing b's zone leaves a's
	 * element; removing a's lets b's next sync install b. */
	assert_int_equal(map_sync_zone(ms, a, wire_walk, &za), 0);
	assert_int_equal(map_sync_zone(ms, b, wire_walk, &zb), 0);
	assert_int_equal(answered(f, a, 32), 1);
	assert_int_equal(answered(f, b, 32), -ESRCH);
	assert_int_equal(map_sync_count(ms), 1);
	assert_int_equal(map_sync_zone_remove(ms, b), 0);
	assert_int_equal(answered(f, a, 32), 1);
	assert_int_equal(map_sync_zone(ms, b, wire_walk, &zb), 0);
	assert_int_equal(answered(f, a, 32), 1);
	assert_int_equal(map_sync_zone_remove(ms, a), 0);
	assert_int_equal(answered(f, a, 32), -ENOENT);
	assert_int_equal(map_sync_zone(ms, b, wire_walk, &zb), 0);
	assert_int_equal(answered(f, b, 32), 2);
	assert_int_equal(map_sync_zone_remove(ms, b), 0);
	assert_int_equal(all_entries(f), 0);

	/* One zone with both: a stays a's while the zone produces it; once
	 * it does not, b is in by the sync after. */
	assert_int_equal(map_sync_zone(ms, a, wire_walk, &zab), 0);
	assert_int_equal(answered(f, a, 32), 1);
	assert_int_equal(answered(f, b, 32), -ESRCH);
	assert_int_equal(map_sync_zone(ms, a, wire_walk, &zb), 0);
	assert_int_equal(map_sync_zone(ms, a, wire_walk, &zb), 0);
	assert_int_equal(answered(f, b, 32), 2);
	assert_int_equal(map_sync_count(ms), 1);
	assert_int_equal(map_sync_zone_remove(ms, a), 0);
	assert_int_equal(all_entries(f), 0);

	log_set_sink(old);
	map_sync_free(ms);
}

/* ---- steered entries: the policies map and the rule tries ---- */

/* Weighted over two records, checks in slots 1 and 2, one region. */
static void policy_weighted(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->fp.mode = FP_POLICY_WEIGHTED;
	p->fp.nrecords = 2;
	p->fp.nregions = 1;
	p->fp.weight[0] = 70;
	p->fp.weight[1] = 30;
	p->fp.health[0] = 1;
	p->fp.health[1] = 2;
	p->fp.region[0].primary = 0x3;
}

/* Geo over three records: 198.18.1.0/24 and EU to region 1, 2001:db8:1::/48
 * and JP to region 2, default region 0 (record 0, with record 2 as secondary). */
static struct policy_cidr geo_cidrs[2];
static struct policy_code geo_codes[2];

static void policy_geo(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->fp.mode = FP_POLICY_ALL;
	p->fp.nrecords = 3;
	p->fp.nregions = 3;
	p->fp.flags = FP_POLICY_F_GEO;
	p->fp.weight[0] = p->fp.weight[1] = p->fp.weight[2] = 1;
	p->fp.health[0] = 3;
	p->fp.health[1] = 4;
	p->fp.health[2] = FP_HEALTH_NONE;
	p->fp.region[0].primary = 0x1;
	p->fp.region[0].secondary = 0x4;
	p->fp.region[1].primary = 0x2;
	p->fp.region[2].primary = 0x4;
	geo_cidrs[0] = (struct policy_cidr){ .family = AF_INET, .len = 24,
					     .addr = { 198, 18, 1, 0 }, .region = 1 };
	geo_cidrs[1] = (struct policy_cidr){ .family = AF_INET6, .len = 48, .region = 2 };
	inet_pton(AF_INET6, "2001:db8:1::", geo_cidrs[1].addr);
	geo_codes[0] = (struct policy_code){ .kind = FP_GEO_CONTINENT, .code = "EU", .region = 1 };
	geo_codes[1] = (struct policy_code){ .kind = FP_GEO_COUNTRY, .code = "JP", .region = 2 };
	p->ncidrs = 2;
	p->cidrs = geo_cidrs;
	p->ncodes = 2;
	p->codes = geo_codes;
}

static int put_steered(struct map_sync *ms, const char *name, const struct policy *pol,
		       uint8_t first)
{
	uint8_t qname[FP_QNAME_WIRE_MAX], rrs[16 * FP_POLICY_RECORDS_MAX];
	struct fastpath_entry e = { .qname = qname, .qtype = 1, .answer = rrs,
				    .policy = pol };
	int i;

	e.qname_len = wire(qname, name);
	for (i = 0; i < pol->fp.nrecords; i++)
		a_rr(rrs + 16 * i, first + i);
	e.ancount = pol->fp.nrecords;
	e.answer_len = 16 * e.ancount;
	return map_sync_put(&e, ms);
}

static int cidr4_region(struct fixture *f, uint32_t idx, const char *addr, uint32_t *region)
{
	struct fp_cidr_v4_key k = { .prefixlen = 64, .policy = htonl(idx) };

	inet_pton(AF_INET, addr, k.addr);
	return bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.policy_cidr_v4), &k, region) ?
	       -errno : 0;
}

static int cidr6_region(struct fixture *f, uint32_t idx, const char *addr, uint32_t *region)
{
	struct fp_cidr_v6_key k = { .prefixlen = 160, .policy = htonl(idx) };

	inet_pton(AF_INET6, addr, k.addr);
	return bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.policy_cidr_v6), &k, region) ?
	       -errno : 0;
}

static int code_region(struct fixture *f, uint32_t idx, enum fp_geo_kind kind, const char *code,
		       uint32_t *region)
{
	struct fp_code_key k = { .policy = idx, .kind = kind };

	memcpy(k.code, code, 2);
	return bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.policy_codes), &k, region) ?
	       -errno : 0;
}

static unsigned long count_keys(int fd)
{
	uint8_t key[64], next[64];
	unsigned long n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

static unsigned long rule_keys(struct fixture *f)
{
	return count_keys(bpf_map__fd(f->skel->maps.policy_cidr_v4)) +
	       count_keys(bpf_map__fd(f->skel->maps.policy_cidr_v6)) +
	       count_keys(bpf_map__fd(f->skel->maps.policy_codes));
}

/* The answer of name: its policy index, checked against what the map holds. */
static uint32_t steered_idx(struct fixture *f, const char *name, const struct policy *pol,
			    uint8_t first)
{
	uint8_t qname[FP_QNAME_WIRE_MAX], rr[16];
	size_t len = wire(qname, name);
	struct fp_answer val;
	struct fp_policy fp;
	int i;

	assert_true(lookup(f, qname, len, 1, &val) >= 0);
	assert_int_equal(val.flags & FP_ANSWER_F_POLICY, FP_ANSWER_F_POLICY);
	assert_int_equal(val.ancount, pol->fp.nrecords);
	assert_int_equal(val.len, 16 * pol->fp.nrecords);
	assert_true(val.policy < FP_POLICIES_MAX);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.policies), &val.policy,
					     &fp), 0);
	assert_int_equal(fp.rr_len, 16);
	assert_int_equal(fp.nrecords, pol->fp.nrecords);
	assert_int_equal(fp.mode, pol->fp.mode);
	assert_int_equal(fp.nregions, pol->fp.nregions);
	assert_memory_equal(fp.weight, pol->fp.weight, sizeof(fp.weight));
	assert_memory_equal(fp.region, pol->fp.region, sizeof(fp.region));
	for (i = 0; i < pol->fp.nrecords; i++) {
		a_rr(rr, first + i);
		assert_memory_equal(val.data + 16 * i, rr, 16);
		assert_int_equal(fp.csum[i], fp_csum16(rr, 16));
	}
	return val.policy;
}

/* The slot holds a zeroed policy: rr_len 0 sends the query to the engine. */
static bool slot_cleared(struct fixture *f, uint32_t idx)
{
	static const struct fp_policy zero;
	struct fp_policy fp;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.policies), &idx, &fp), 0);
	return !memcmp(&fp, &zero, sizeof(fp));
}

static void set_policy_maps(struct fixture *f, struct map_sync *ms)
{
	map_sync_set_policy_maps(ms, bpf_map__fd(f->skel->maps.policies),
				 bpf_map__fd(f->skel->maps.policy_cidr_v4),
				 bpf_map__fd(f->skel->maps.policy_cidr_v6),
				 bpf_map__fd(f->skel->maps.policy_codes));
}

static void test_policy_entries(void **state)
{
	struct fixture *f = *state;
	struct map_sync *ms;
	struct policy pw, pg, pg2, pw2;
	struct fp_health h = { 0 };
	uint8_t plain[64], qname[64];
	size_t lplain = wire(plain, "plain.example");
	struct fp_answer val;
	uint32_t iw, ig, ig2, iw2, region;

	policy_weighted(&pw);
	policy_geo(&pg);
	assert_int_equal(map_sync_new(&ms, f->fds, T_NAME_SEED), 0);

	/* Without the policy maps the engine answers steered names. */
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	assert_int_equal(put(ms, plain, lplain, 1, 9, false), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(map_sync_count(ms), 1);
	assert_int_equal(lookup(f, qname, wire(qname, "w.example"), 1, &val), -ENOENT);

	map_sync_set_policy_maps(ms, bpf_map__fd(f->skel->maps.policies),
				 bpf_map__fd(f->skel->maps.policy_cidr_v4),
				 bpf_map__fd(f->skel->maps.policy_cidr_v6),
				 bpf_map__fd(f->skel->maps.policy_codes));
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	assert_int_equal(put_steered(ms, "g.example", &pg, 11), 0);
	assert_int_equal(put(ms, plain, lplain, 1, 9, false), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(map_sync_count(ms), 3);
	iw = steered_idx(f, "w.example", &pw, 1);
	ig = steered_idx(f, "g.example", &pg, 11);
	assert_int_not_equal(iw, ig);
	assert_int_equal(lookup(f, plain, lplain, 1, &val), 0);
	assert_int_equal(val.flags & FP_ANSWER_F_POLICY, 0);
	assert_int_equal(val.policy, 0);
	/* the rules, under g's index, as the program looks them up */
	assert_int_equal(cidr4_region(f, ig, "198.18.1.77", &region), 0);
	assert_int_equal(region, 1);
	assert_int_equal(cidr4_region(f, ig, "198.18.2.1", &region), -ENOENT);
	assert_int_equal(cidr4_region(f, iw, "198.18.1.77", &region), -ENOENT);
	assert_int_equal(cidr6_region(f, ig, "2001:db8:1:ff::1", &region), 0);
	assert_int_equal(region, 2);
	assert_int_equal(code_region(f, ig, FP_GEO_CONTINENT, "EU", &region), 0);
	assert_int_equal(region, 1);
	assert_int_equal(code_region(f, ig, FP_GEO_COUNTRY, "JP", &region), 0);
	assert_int_equal(region, 2);
	assert_int_equal(code_region(f, ig, FP_GEO_COUNTRY, "EU", &region), -ENOENT);
	assert_int_equal(rule_keys(f), 4);

	/* Fail-open regions: w's one region when both its checks are down;
	 * g's region 0 has a secondary without a check, region 1 fails with
	 * slot 4, region 2 never. */
	assert_int_equal(map_sync_fail_open(ms, &h), 0);
	h.down[0] = 1ULL << 1;
	assert_int_equal(map_sync_fail_open(ms, &h), 0);
	h.down[0] |= 1ULL << 2;
	assert_int_equal(map_sync_fail_open(ms, &h), 1);
	h.down[0] |= 1ULL << 3 | 1ULL << 4;
	assert_int_equal(map_sync_fail_open(ms, &h), 2);
	assert_int_equal(map_sync_fail_open(ms, NULL), 0);

	/* Unchanged: the same slots. */
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	assert_int_equal(put_steered(ms, "g.example", &pg, 11), 0);
	assert_int_equal(put(ms, plain, lplain, 1, 9, false), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(steered_idx(f, "w.example", &pw, 1), iw);
	assert_int_equal(steered_idx(f, "g.example", &pg, 11), ig);

	/* g's rules change: a new slot, the old rules gone. */
	pg2 = pg;
	pg2.ncidrs = 1;
	pg2.ncodes = 1;
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	assert_int_equal(put_steered(ms, "g.example", &pg2, 11), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	ig2 = steered_idx(f, "g.example", &pg2, 11);
	assert_int_not_equal(ig2, ig);
	assert_int_not_equal(ig2, iw);
	assert_int_equal(cidr4_region(f, ig, "198.18.1.77", &region), -ENOENT);
	assert_int_equal(cidr4_region(f, ig2, "198.18.1.77", &region), 0);
	assert_int_equal(cidr6_region(f, ig2, "2001:db8:1::1", &region), -ENOENT);
	assert_int_equal(code_region(f, ig, FP_GEO_CONTINENT, "EU", &region), -ENOENT);
	assert_int_equal(code_region(f, ig2, FP_GEO_CONTINENT, "EU", &region), 0);
	assert_int_equal(rule_keys(f), 2);
	assert_int_equal(lookup(f, plain, lplain, 1, &val), -ENOENT);

	/* The slot g let go is cleared and rests; w's new weights take a
	 * slot never used. */
	assert_true(slot_cleared(f, ig));
	pw2 = pw;
	pw2.fp.weight[1] = 10;
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw2, 1), 0);
	assert_int_equal(put_steered(ms, "g.example", &pg2, 11), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	iw2 = steered_idx(f, "w.example", &pw2, 1);
	assert_int_not_equal(iw2, ig);
	assert_int_not_equal(iw2, iw);
	assert_int_not_equal(iw2, ig2);
	assert_true(slot_cleared(f, iw));
	assert_int_equal(steered_idx(f, "g.example", &pg2, 11), ig2);

	/* Steered becomes plain, and g goes: no rule stays behind. */
	map_sync_begin(ms);
	assert_int_equal(put(ms, qname, wire(qname, "w.example"), 1, 5, false), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(lookup(f, qname, wire(qname, "w.example"), 1, &val), 0);
	assert_int_equal(val.flags & FP_ANSWER_F_POLICY, 0);
	assert_int_equal(rule_keys(f), 0);
	assert_int_equal(map_sync_fail_open(ms, &h), 0);

	map_sync_begin(ms);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(all_entries(f), 0);
	map_sync_free(ms);
}

/* Zone syncs and deletes release a policy's rules as full syncs do. A NULL
 * policy is a plain record. */
struct steer_zone {
	const char		*names[4];
	const struct policy	*pols[4];
	int			n;
};

static int steer_walk_zone(const void *src, fastpath_entry_cb cb, void *ctx)
{
	const struct steer_zone *sz = src;
	uint8_t qname[FP_QNAME_WIRE_MAX], rrs[16 * FP_POLICY_RECORDS_MAX];
	struct fastpath_entry e = { .qname = qname, .qtype = 1, .answer = rrs };
	int i, j, ret;

	for (i = 0; i < sz->n; i++) {
		e.qname_len = wire(qname, sz->names[i]);
		e.policy = sz->pols[i];
		e.ancount = sz->pols[i] ? sz->pols[i]->fp.nrecords : 1;
		e.answer_len = 16 * e.ancount;
		for (j = 0; j < e.ancount; j++)
			a_rr(rrs + 16 * j, 20 + 4 * i + j);
		ret = cb(&e, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

static void test_policy_zone_sync(void **state)
{
	struct fixture *f = *state;
	struct policy pw, pg;
	struct steer_zone z = { { "w.s.example", "g.s.example" }, { &pw, &pg }, 2 };
	struct map_sync *ms;
	uint8_t origin[64], qname[64];
	uint32_t ig, ig2, region;

	policy_weighted(&pw);
	policy_geo(&pg);
	assert_int_equal(map_sync_new(&ms, f->fds, T_NAME_SEED), 0);
	map_sync_set_policy_maps(ms, bpf_map__fd(f->skel->maps.policies),
				 bpf_map__fd(f->skel->maps.policy_cidr_v4),
				 bpf_map__fd(f->skel->maps.policy_cidr_v6),
				 bpf_map__fd(f->skel->maps.policy_codes));
	wire(origin, "s.example");
	assert_int_equal(map_sync_zone(ms, origin, steer_walk_zone, &z), 0);
	assert_int_equal(map_sync_count(ms), 2);
	ig = steered_idx(f, "g.s.example", &pg, 24);
	assert_int_equal(rule_keys(f), 4);
	/* again, unchanged: nothing moves */
	assert_int_equal(map_sync_zone(ms, origin, steer_walk_zone, &z), 0);
	assert_int_equal(steered_idx(f, "g.s.example", &pg, 24), ig);
	assert_int_equal(rule_keys(f), 4);
	/* an incremental delete of g takes its rules along */
	assert_int_equal(map_sync_delete(ms, qname, (wire(qname, "g.s.example"), 1)), 0);
	assert_int_equal(rule_keys(f), 0);
	assert_int_equal(cidr4_region(f, ig, "198.18.1.1", &region), -ENOENT);
	/* back, then the zone goes */
	assert_int_equal(map_sync_zone(ms, origin, steer_walk_zone, &z), 0);
	ig2 = steered_idx(f, "g.s.example", &pg, 24);
	assert_int_not_equal(ig2, ig);	/* the freed slot rests, cleared */
	assert_true(slot_cleared(f, ig));
	assert_int_equal(rule_keys(f), 4);
	assert_int_equal(map_sync_zone_remove(ms, origin), 0);
	assert_int_equal(rule_keys(f), 0);
	assert_int_equal(all_entries(f), 0);
	map_sync_free(ms);
}

/* A read-only fd of the map behind fd: writes through it fail with EPERM. */
static int read_only_fd(int fd)
{
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, opts, .open_flags = BPF_F_RDONLY);
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	fd = bpf_map_get_fd_by_id_opts(info.id, &opts);
	assert_true(fd >= 0);
	return fd;
}

/*
 * The answer naming a new policy could not be written: the map still names
 * the old slot, so the old policy and its rules stay, and no other RRset gets
 * that slot; the next sync that writes the answer moves it on.
 */
static void test_policy_write_fails(void **state)
{
	struct fixture *f = *state;
	struct policy pg, pg2, pw;
	struct fp_key key;
	struct map_sync *ms;
	uint8_t qname[64];
	uint32_t ig, ig2, ih, region;
	int fds[FP_TIERS], tier, ro, rw, i;

	policy_geo(&pg);
	policy_weighted(&pw);
	pg2 = pg;
	pg2.fp.weight[0] = 5;
	for (i = 0; i < FP_TIERS; i++)
		fds[i] = dup(f->fds[i]);
	assert_int_equal(map_sync_new(&ms, fds, T_NAME_SEED), 0);
	set_policy_maps(f, ms);
	map_sync_set_slot_grace(ms, 0);

	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "g.a.example", &pg, 11), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	ig = steered_idx(f, "g.a.example", &pg, 11);

	/* g's policy changes and its answer cannot be written. */
	tier = fp_key_build(&key, T_NAME_SEED, qname, wire(qname, "g.a.example"), 1);
	ro = read_only_fd(fds[tier]);
	rw = dup(fds[tier]);
	assert_true(dup2(ro, fds[tier]) == fds[tier]);
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "g.a.example", &pg2, 11), 0);
	assert_int_equal(map_sync_commit(ms), -EPERM);
	assert_true(dup2(rw, fds[tier]) == fds[tier]);
	close(ro);
	close(rw);
	assert_int_equal(steered_idx(f, "g.a.example", &pg, 11), ig);
	assert_int_equal(cidr4_region(f, ig, "198.18.1.77", &region), 0);
	assert_int_equal(region, 1);
	assert_int_equal(code_region(f, ig, FP_GEO_COUNTRY, "JP", &region), 0);
	assert_int_equal(rule_keys(f), 4);

	/* A new RRset's policy goes elsewhere, even before g's answer moves. */
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "h.a.example", &pw, 1), 0);
	assert_int_equal(steered_idx(f, "g.a.example", &pg, 11), ig);
	assert_int_equal(put_steered(ms, "g.a.example", &pg2, 11), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	ih = steered_idx(f, "h.a.example", &pw, 1);
	ig2 = steered_idx(f, "g.a.example", &pg2, 11);
	assert_int_not_equal(ih, ig);
	assert_int_not_equal(ig2, ig);
	assert_int_not_equal(ig2, ih);
	assert_true(slot_cleared(f, ig));
	assert_int_equal(rule_keys(f), 4);

	map_sync_begin(ms);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(rule_keys(f), 0);
	map_sync_free(ms);
	for (i = 0; i < FP_TIERS; i++)
		close(fds[i]);
}

/*
 * Rule maps too small for a policy: that RRset is left out (the engine
 * answers it, an older value of its key goes) and the rest of the zone syncs.
 */
static void test_policy_no_room(void **state)
{
	struct fixture *f = *state;
	LIBBPF_OPTS(bpf_map_create_opts, lpm, .map_flags = BPF_F_NO_PREALLOC);
	struct policy pw, pg;
	struct steer_zone z1 = { { "old.s.example", "g.s.example" }, { &pw, NULL }, 2 };
	struct steer_zone z2 = { { "w.s.example", "g.s.example" }, { &pw, &pg }, 2 };
	struct map_sync *ms;
	uint8_t origin[64], qname[64];
	struct fp_answer val;
	int c4, c6, codes;

	policy_weighted(&pw);
	policy_geo(&pg);	/* two codes: one more than the map holds */
	c4 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "t_cidr4", sizeof(struct fp_cidr_v4_key),
			    sizeof(__u32), 1, &lpm);
	c6 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "t_cidr6", sizeof(struct fp_cidr_v6_key),
			    sizeof(__u32), 1, &lpm);
	codes = bpf_map_create(BPF_MAP_TYPE_HASH, "t_codes", sizeof(struct fp_code_key),
			       sizeof(__u32), 1, NULL);
	assert_true(c4 >= 0 && c6 >= 0 && codes >= 0);
	assert_int_equal(map_sync_new(&ms, f->fds, T_NAME_SEED), 0);
	map_sync_set_policy_maps(ms, bpf_map__fd(f->skel->maps.policies), c4, c6, codes);

	wire(origin, "s.example");
	assert_int_equal(map_sync_zone(ms, origin, steer_walk_zone, &z1), 0);
	assert_int_equal(map_sync_count(ms), 2);
	assert_int_equal(lookup(f, qname, wire(qname, "g.s.example"), 1, &val), 0);

	/* old goes, w comes, g (now steered, no room) is the engine's. */
	assert_int_equal(map_sync_zone(ms, origin, steer_walk_zone, &z2), 0);
	assert_int_equal(lookup(f, qname, wire(qname, "old.s.example"), 1, &val), -ENOENT);
	assert_int_equal(lookup(f, qname, wire(qname, "g.s.example"), 1, &val), -ENOENT);
	steered_idx(f, "w.s.example", &pw, 20);
	assert_int_equal(map_sync_count(ms), 1);
	assert_int_equal(count_keys(c4) + count_keys(c6) + count_keys(codes), 0);

	/* The same in a full sync. */
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "g.example", &pg, 11), 0);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(lookup(f, qname, wire(qname, "g.example"), 1, &val), -ENOENT);
	steered_idx(f, "w.example", &pw, 1);
	assert_int_equal(map_sync_count(ms), 1);

	map_sync_begin(ms);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(all_entries(f), 0);
	map_sync_free(ms);
	close(c4);
	close(c6);
	close(codes);
}

/*
 * A slot let go is cleared at once and handed out again only after the grace
 * time, oldest first; with every slot taken or resting, a new policy is left
 * out and the engine answers.
 */
static void test_policy_slot_grace(void **state)
{
	struct fixture *f = *state;
	struct policy pw, pw2;
	struct map_sync *ms;
	uint8_t qname[64];
	struct fp_answer val;
	char name[32];
	uint32_t i0, i1, i;

	policy_weighted(&pw);
	pw2 = pw;
	pw2.fp.weight[1] = 10;
	assert_int_equal(map_sync_new(&ms, f->fds, T_NAME_SEED), 0);
	set_policy_maps(f, ms);
	map_sync_set_slot_grace(ms, 200);

	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	i0 = steered_idx(f, "w.example", &pw, 1);
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw2, 1), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	i1 = steered_idx(f, "w.example", &pw2, 1);
	assert_int_not_equal(i1, i0);
	assert_true(slot_cleared(f, i0));
	usleep(250 * 1000);
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(steered_idx(f, "w.example", &pw, 1), i0);
	assert_true(slot_cleared(f, i1));

	/* Every slot: i1 rests, the others all named. */
	map_sync_set_slot_grace(ms, 60 * 1000);
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	for (i = 0; i < FP_POLICIES_MAX - 2; i++) {
		snprintf(name, sizeof(name), "h%u.example", i);
		assert_int_equal(put_steered(ms, name, &pw, 1), 0);
	}
	assert_int_equal(put_steered(ms, "extra.example", &pw, 1), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(map_sync_count(ms), FP_POLICIES_MAX - 1);
	assert_int_equal(lookup(f, qname, wire(qname, "extra.example"), 1, &val), -ENOENT);
	steered_idx(f, "h7.example", &pw, 1);

	/* Once i1 has rested, the next new policy gets it. */
	map_sync_set_slot_grace(ms, 0);
	map_sync_begin(ms);
	assert_int_equal(put_steered(ms, "w.example", &pw, 1), 0);
	for (i = 0; i < FP_POLICIES_MAX - 2; i++) {
		snprintf(name, sizeof(name), "h%u.example", i);
		assert_int_equal(put_steered(ms, name, &pw, 1), 0);
	}
	assert_int_equal(put_steered(ms, "extra.example", &pw, 1), 0);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(map_sync_count(ms), FP_POLICIES_MAX);
	assert_int_equal(steered_idx(f, "extra.example", &pw, 1), i1);

	map_sync_begin(ms);
	assert_int_equal(map_sync_commit(ms), 0);
	assert_int_equal(all_entries(f), 0);
	map_sync_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_cycles),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_bad_delete),
		cmocka_unit_test(test_zone_sync),
		cmocka_unit_test(test_zone_sync_many),
		cmocka_unit_test_teardown(test_entry_fields, clear_answers),
		cmocka_unit_test_teardown(test_key_collision, clear_answers),
		cmocka_unit_test(test_policy_entries),
		cmocka_unit_test(test_policy_zone_sync),
		cmocka_unit_test(test_policy_write_fails),
		cmocka_unit_test(test_policy_no_room),
		cmocka_unit_test(test_policy_slot_grace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
