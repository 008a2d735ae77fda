// SPDX-License-Identifier: GPL-2.0-only
/* BPF_PROG_TEST_RUN tests of traffic steering in bpf/xdp_dns.bpf.c: weights, health,
 * failover, multivalue and geo by source address (MaxMind's test database), the maps
 * filled here and every reply rebuilt independently from the records it chose. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fp_answer.h"
#include "fp_policy.h"
#include "geo.h"
#include "pkt_builder.h"
#include "xdp_fixture.h"

#define T_NAME_SEED	0x9e5eedULL	/* the answer keys' (name_seed) */
#define T_DNS_PORT	53
#define T_OUT_MAX	4096
#define T_RR_A		16
#define T_RR_AAAA	28
#define T_WEIGHT_RUNS	20000
#define T_LOG_SIZE	(1 << 20)

/* A steered RRset as the test installed it. */
struct t_set {
	char		name[64];
	uint16_t	qtype;
	uint32_t	pidx;
	size_t		rr_len;
	int		nrecords;
	uint8_t		rrs[FP_POLICY_RECORDS_MAX][32];
	struct fp_policy pol;
	uint32_t	flags;
};

static struct {
	struct xdp_dns_bpf *skel;
	int		prog_fd;
	int		answers_fd[FP_TIERS];
	int		counters_fd, policies_fd, health_fd;
	int		geo_v4_fd, geo_v6_fd, cidr_v4_fd, cidr_v6_fd, codes_fd;
	struct fp_health health;
} t;

static const uint8_t t_v4_server[4] = { 198, 18, 0, 2 };
static const uint8_t t_v6_server[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void t_bind(struct xdp_dns_bpf *skel)
{
	t.skel = skel;
	t.prog_fd = bpf_program__fd(skel->progs.xdp_dns);
	xf_answers_fds(skel, t.answers_fd);
	t.counters_fd = bpf_map__fd(skel->maps.counters);
	t.policies_fd = bpf_map__fd(skel->maps.policies);
	t.health_fd = bpf_map__fd(skel->maps.health);
	t.geo_v4_fd = bpf_map__fd(skel->maps.geo_v4);
	t.geo_v6_fd = bpf_map__fd(skel->maps.geo_v6);
	t.cidr_v4_fd = bpf_map__fd(skel->maps.policy_cidr_v4);
	t.cidr_v6_fd = bpf_map__fd(skel->maps.policy_cidr_v6);
	t.codes_fd = bpf_map__fd(skel->maps.policy_codes);
}

/* Loads the program with the verifier's statistics, which it prints: the
 * figure to watch when the program grows. */
static struct xdp_dns_bpf *t_load(uint32_t tail_max)
{
	struct xdp_dns_bpf *skel;
	char *log, *line;
	int err;

	skel = xdp_dns_bpf__open();
	if (!skel)
		return NULL;
	skel->rodata->dns_port = T_DNS_PORT;
	skel->rodata->name_seed = T_NAME_SEED;
	if (tail_max != UINT32_MAX)
		skel->rodata->tail_grow_max = tail_max;
	log = calloc(1, T_LOG_SIZE);
	if (log) {
		bpf_program__set_log_buf(skel->progs.xdp_dns, log, T_LOG_SIZE);
		bpf_program__set_log_level(skel->progs.xdp_dns, 4);
	}
	err = xdp_dns_bpf__load(skel);
	if (err) {
		fprintf(stderr, "test_xdp_policy: load: %s\n", strerror(-err));
		xdp_dns_bpf__destroy(skel);
		skel = NULL;
	} else if (log && (line = strstr(log, "processed "))) {
		fprintf(stderr, "test_xdp_policy: verifier: %.*s\n", (int)strcspn(line, "\n"),
			line);
	}
	free(log);
	return skel;
}

static int t_health_store(void)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(t.health_fd, &zero, &t.health, BPF_ANY) ? -errno : 0;
}

static void t_down(uint16_t slot, bool down)
{
	if (down)
		t.health.down[slot / 64] |= 1ULL << (slot % 64);
	else
		t.health.down[slot / 64] &= ~(1ULL << (slot % 64));
	assert_int_equal(t_health_store(), 0);
}

static void t_all_up(void)
{
	memset(&t.health, 0, sizeof(t.health));
	assert_int_equal(t_health_store(), 0);
}

/* Record @i of a set: A 198.18.1.i or AAAA 2001:db8::1:i. */
static void t_set_init(struct t_set *s, const char *name, uint16_t qtype, uint32_t pidx,
		       int nrecords, uint8_t mode)
{
	uint8_t rd[16];
	int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->qtype = qtype;
	s->pidx = pidx;
	s->nrecords = nrecords;
	s->rr_len = qtype == 28 ? T_RR_AAAA : T_RR_A;
	for (i = 0; i < nrecords; i++) {
		memset(rd, 0, sizeof(rd));
		if (qtype == 28) {
			rd[0] = 0x20, rd[1] = 0x01, rd[2] = 0x0d, rd[3] = 0xb8;
			rd[13] = 1, rd[15] = i;
			pb_rr(s->rrs[i], 28, 60, rd, 16);
		} else {
			rd[0] = 198, rd[1] = 18, rd[2] = 1, rd[3] = i;
			pb_rr(s->rrs[i], 1, 60, rd, 4);
		}
		s->pol.weight[i] = 1;
		s->pol.health[i] = FP_HEALTH_NONE;
		s->pol.csum[i] = fp_csum16(s->rrs[i], s->rr_len);
		s->pol.region[0].primary |= 1U << i;
	}
	s->pol.mode = mode;
	s->pol.nrecords = nrecords;
	s->pol.rr_len = s->rr_len;
	s->pol.nregions = 1;
}

/* The answer entry (all records back to back) and the policy. */
static int t_set_install(const struct t_set *s)
{
	uint8_t data[FP_ANSWER_MAX];
	struct fp_answer a;
	int i, err;

	for (i = 0; i < s->nrecords; i++)
		memcpy(data + i * s->rr_len, s->rrs[i], s->rr_len);
	err = fp_answer_build(&a, data, s->nrecords * s->rr_len, s->nrecords,
			      s->flags | FP_ANSWER_F_POLICY);
	if (err)
		return err;
	a.policy = s->pidx;
	err = xf_install(t.answers_fd, T_NAME_SEED, s->name, s->qtype, &a);
	if (err < 0)
		return err;
	if (bpf_map_update_elem(t.policies_fd, &s->pidx, &s->pol, BPF_ANY))
		return -errno;
	return 0;
}

struct t_query {
	int		family;		/* 4 or 6 */
	uint8_t		saddr[16];
	bool		edns;
	bool		edns_do;
	bool		ecs;
};

static size_t t_frame(const struct t_set *s, const struct t_query *tq, struct pb_frame *f,
		      struct pb_dns *d, uint8_t *out)
{
	uint8_t msg[PB_FRAME_MAX];

	memset(f, 0, sizeof(*f));
	memcpy(f->dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(f->src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	f->family = tq->family;
	memcpy(f->saddr, tq->saddr, tq->family == 6 ? 16 : 4);
	memcpy(f->daddr, tq->family == 6 ? t_v6_server : t_v4_server, tq->family == 6 ? 16 : 4);
	f->ttl = 61;
	f->ip_id = 0x1234;
	f->frag_off = 0x4000;
	f->proto = 17;
	f->sport = 40001;
	f->dport = T_DNS_PORT;

	memset(d, 0, sizeof(*d));
	d->id = 0xcafe;
	d->flags = 0x0100;
	d->qdcount = 1;
	d->arcount = -1;
	d->qname_len = pb_name(d->qname, s->name);
	d->qtype = s->qtype;
	d->qclass = 1;
	d->edns = tq->edns || tq->ecs;
	d->edns_size = 1232;
	d->edns_do = tq->edns_do;
	if (tq->ecs) {
		/* Client subnet 81.2.69.160/27: the engine's to answer. */
		static const uint8_t ecs[8] = { 0, 1, 27, 0, 81, 2, 69, 160 };

		pb_edns_opt(d, 8, ecs, sizeof(ecs));
	}
	return pb_build(out, PB_FRAME_MAX, f, msg, pb_dns_build(msg, d));
}

/* Runs the program once; returns its verdict and the counter that moved. */
static uint32_t t_run(const uint8_t *in, size_t len, uint8_t *out, uint32_t *out_len,
		      int *counter)
{
	uint32_t retval = XDP_ABORTED;

	assert_int_equal(xf_run_counted(t.prog_fd, t.counters_fd, in, len, out, T_OUT_MAX,
					out_len, &retval, counter), 0);
	return retval;
}

/*
 * Queries @s once and checks the reply byte for byte against the one built
 * here from the records it carries, each of which must be one of the set's.
 * Returns how many; their indices in @order.
 */
static int t_answer(const struct t_set *s, const struct t_query *tq, uint8_t *order)
{
	uint8_t in[PB_FRAME_MAX], out[T_OUT_MAX], exp[PB_FRAME_MAX], rrs[FP_ANSWER_MAX];
	uint32_t out_len, verdict;
	size_t len, elen, aoff;
	struct pb_frame f;
	struct pb_dns d;
	int counter, n, i, j;

	len = t_frame(s, tq, &f, &d, in);
	assert_true(len > 0);
	verdict = t_run(in, len, out, &out_len, &counter);
	if (verdict != XDP_TX || counter != FP_TX_ANSWER) {
		xf_dump("query", in, len);
		fail_msg("%s: verdict %u, counter %d", s->name, verdict, counter);
	}
	assert_int_equal(pb_verify_csums(out, out_len), 0);

	/* Which records: the answer starts after the question, at the same
	 * offset as in the query, and runs to the OPT record or the end. */
	aoff = len - (d.edns ? 11 + d.edns_opts_len : 0);
	assert_true(out_len >= aoff + (d.edns ? 11 : 0));
	n = (out_len - aoff - (d.edns ? 11 : 0)) / s->rr_len;
	assert_true(n >= 1 && n <= FP_POLICY_RECORDS_MAX);
	for (j = 0; j < n; j++) {
		for (i = 0; i < s->nrecords; i++) {
			if (!memcmp(out + aoff + j * s->rr_len, s->rrs[i], s->rr_len))
				break;
		}
		if (i == s->nrecords) {
			xf_dump("reply", out, out_len);
			fail_msg("%s: answer record %d is none of the set's", s->name, j);
		}
		order[j] = i;
		memcpy(rrs + j * s->rr_len, s->rrs[i], s->rr_len);
	}

	elen = pb_reply_build(exp, &f, &d, rrs, n * s->rr_len, n);
	if (out_len != elen || memcmp(out, exp, elen)) {
		xf_dump("query", in, len);
		xf_dump("reply", out, out_len);
		xf_dump("expected", exp, elen);
		fail_msg("%s: reply differs from the engine's", s->name);
	}
	return n;
}

/* Queries and expects exactly records @want (indices, in this order). */
static void t_expect(const struct t_set *s, const struct t_query *tq, const char *want)
{
	uint8_t order[FP_POLICY_RECORDS_MAX];
	int n = t_answer(s, tq, order), i;

	for (i = 0; i < n; i++) {
		if (!want[i] || order[i] != (uint8_t)(want[i] - '0'))
			break;
	}
	if (i != n || want[n]) {
		char got[FP_POLICY_RECORDS_MAX + 1];

		for (i = 0; i < n; i++)
			got[i] = '0' + order[i];
		got[n] = 0;
		fail_msg("%s: records %s, expected %s", s->name, got, want);
	}
}

/* Queries and expects the packet passed up untouched, @counter counted. */
static void t_expect_pass(const struct t_set *s, const struct t_query *tq, int want)
{
	uint8_t in[PB_FRAME_MAX], out[T_OUT_MAX];
	uint32_t out_len, verdict;
	struct pb_frame f;
	struct pb_dns d;
	int counter;
	size_t len;

	len = t_frame(s, tq, &f, &d, in);
	verdict = t_run(in, len, out, &out_len, &counter);
	if (verdict != XDP_PASS || counter != want)
		fail_msg("%s: verdict %u counter %d, expected PASS counter %d", s->name, verdict,
			 counter, want);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, in, len);
}

static struct t_query t_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct t_query q = { .family = 4, .saddr = { a, b, c, d } };

	return q;
}

static struct t_query t_v6(const char *text)
{
	struct t_query q = { .family = 6 };

	assert_int_equal(inet_pton(AF_INET6, text, q.saddr), 1);
	return q;
}

static int group_setup(void **state)
{
	struct xdp_dns_bpf *skel;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_xdp_policy: BPF_PROG_TEST_RUN needs root: skipping\n");
		return 0;
	}
	skel = t_load(UINT32_MAX);
	if (!skel)
		return -1;
	t_bind(skel);
	return t_health_store();
}

static int group_teardown(void **state)
{
	(void)state;
	xdp_dns_bpf__destroy(t.skel);
	return 0;
}

#define T_NEED_ROOT()			\
	do {				\
		(void)state;		\
		if (!t.skel)		\
			skip();		\
		t_all_up();		\
	} while (0)

/* 70/30 and a record of weight 0: shares within 2 %, never the 0. */
static void test_weighted(void **state)
{
	struct t_query q = t_v4(198, 18, 0, 1);
	uint8_t order[FP_POLICY_RECORDS_MAX];
	int count[3] = { 0 }, i;
	struct t_set s;
	double share;

	T_NEED_ROOT();
	t_set_init(&s, "w.example.com.", 1, 1, 3, FP_POLICY_WEIGHTED);
	s.pol.weight[0] = 70;
	s.pol.weight[1] = 30;
	s.pol.weight[2] = 0;	/* the compiler leaves it out of the masks; it may not */
	assert_int_equal(t_set_install(&s), 0);
	for (i = 0; i < T_WEIGHT_RUNS; i++) {
		q.edns = i & 1;
		assert_int_equal(t_answer(&s, &q, order), 1);
		count[order[0]]++;
	}
	share = 100.0 * count[0] / T_WEIGHT_RUNS;
	fprintf(stderr, "test_xdp_policy: 70/30 over %d runs: %.2f %% / %.2f %%, weight 0: %d\n",
		T_WEIGHT_RUNS, share, 100.0 * count[1] / T_WEIGHT_RUNS, count[2]);
	assert_true(share >= 68.0 && share <= 72.0);
	assert_int_equal(count[2], 0);
}

/* Weighted over AAAA (28-byte records: a copy that ends mid-word) on IPv6. */
static void test_weighted_aaaa(void **state)
{
	struct t_query q = t_v6("2001:db8::1");
	uint8_t order[FP_POLICY_RECORDS_MAX];
	int count[4] = { 0 }, i;
	struct t_set s;

	T_NEED_ROOT();
	t_set_init(&s, "w6.example.com.", 28, 2, 4, FP_POLICY_WEIGHTED);
	s.pol.weight[3] = 0;
	s.pol.region[0].primary = 0x7;
	assert_int_equal(t_set_install(&s), 0);
	for (i = 0; i < 600; i++) {
		assert_int_equal(t_answer(&s, &q, order), 1);
		count[order[0]]++;
	}
	assert_true(count[0] > 100 && count[1] > 100 && count[2] > 100);
	assert_int_equal(count[3], 0);
}

/* A record whose check is down is never served; all down fails open. */
static void test_health(void **state)
{
	struct t_query q = t_v4(198, 18, 0, 1);
	uint8_t order[FP_POLICY_RECORDS_MAX];
	int count[3] = { 0 }, i;
	struct t_set s, w;

	T_NEED_ROOT();
	t_set_init(&s, "h.example.com.", 1, 3, 3, FP_POLICY_ALL);
	s.pol.health[0] = 5;
	s.pol.health[1] = 70;		/* another word of the bitmap */
	s.pol.health[2] = 4000;
	assert_int_equal(t_set_install(&s), 0);
	t_expect(&s, &q, "012");
	t_down(70, true);
	t_expect(&s, &q, "02");
	t_down(69, true);		/* a neighbour's bit changes nothing */
	t_expect(&s, &q, "02");
	t_down(5, true);
	t_expect(&s, &q, "2");
	t_down(4000, true);
	t_expect(&s, &q, "012");	/* all down: fail open */
	t_down(70, false);
	t_expect(&s, &q, "1");

	/* Weighted: the down record's share goes to the others. */
	t_all_up();
	t_set_init(&w, "hw.example.com.", 1, 4, 3, FP_POLICY_WEIGHTED);
	w.pol.health[0] = 100;
	w.pol.health[1] = 101;
	w.pol.health[2] = 102;
	assert_int_equal(t_set_install(&w), 0);
	t_down(101, true);
	for (i = 0; i < 500; i++) {
		assert_int_equal(t_answer(&w, &q, order), 1);
		count[order[0]]++;
	}
	assert_int_equal(count[1], 0);
	assert_true(count[0] > 150 && count[2] > 150);
	t_down(100, true);
	t_down(102, true);
	memset(count, 0, sizeof(count));
	for (i = 0; i < 300; i++) {
		assert_int_equal(t_answer(&w, &q, order), 1);
		count[order[0]]++;
	}
	assert_true(count[0] > 50 && count[1] > 50 && count[2] > 50);
}

/* Primaries while one is healthy, then secondaries, then all primaries. */
static void test_failover(void **state)
{
	struct t_query q = t_v6("2001:db8::1");
	struct t_set s;

	T_NEED_ROOT();
	t_set_init(&s, "f.example.com.", 28, 5, 4, FP_POLICY_ALL);
	s.pol.region[0].primary = 0x3;
	s.pol.region[0].secondary = 0xc;
	s.pol.health[0] = 10;
	s.pol.health[1] = 11;
	s.pol.health[2] = 12;
	s.pol.health[3] = 13;
	assert_int_equal(t_set_install(&s), 0);
	t_expect(&s, &q, "01");
	t_down(10, true);
	t_expect(&s, &q, "1");
	t_down(11, true);
	t_expect(&s, &q, "23");
	q.edns = true;
	t_expect(&s, &q, "23");
	t_down(12, true);
	t_expect(&s, &q, "3");
	t_down(13, true);
	t_expect(&s, &q, "01");
	t_down(11, false);
	t_expect(&s, &q, "1");
}

/* 12 records, 2 down: 8 distinct healthy ones per answer, in shuffled order. */
static void test_multivalue(void **state)
{
	struct t_query q = t_v4(198, 18, 0, 1);
	uint8_t order[FP_POLICY_RECORDS_MAX];
	int seen[12] = { 0 }, before_ab = 0, before_ba = 0, first[12] = { 0 }, i, j, n, pa, pb;
	struct t_set s;

	T_NEED_ROOT();
	t_set_init(&s, "m.example.com.", 1, 6, 12, FP_POLICY_MULTIVALUE);
	s.pol.health[3] = 200;
	s.pol.health[7] = 201;
	assert_int_equal(t_set_install(&s), 0);
	t_down(200, true);
	t_down(201, true);
	for (i = 0; i < 400; i++) {
		uint16_t mask = 0;

		n = t_answer(&s, &q, order);
		assert_int_equal(n, FP_POLICY_MULTI_MAX);
		pa = pb = -1;
		for (j = 0; j < n; j++) {
			assert_false(mask & (1U << order[j]));
			mask |= 1U << order[j];
			seen[order[j]]++;
			if (order[j] == 0)
				pa = j;
			if (order[j] == 1)
				pb = j;
		}
		first[order[0]]++;
		assert_int_equal(mask & ((1U << 3) | (1U << 7)), 0);
		if (pa >= 0 && pb >= 0) {
			before_ab += pa < pb;
			before_ba += pb < pa;
		}
	}
	for (i = 0; i < 12; i++) {
		if (i == 3 || i == 7)
			assert_int_equal(seen[i], 0);
		else
			assert_true(seen[i] > 0 && first[i] > 0);
	}
	assert_true(before_ab > 0 && before_ba > 0);

	/* Fewer healthy than eight: all of them. */
	for (i = 0; i < 12; i++)
		s.pol.health[i] = 300 + i;
	assert_int_equal(t_set_install(&s), 0);
	for (i = 0; i < 7; i++)
		t_down(300 + i, true);
	n = t_answer(&s, &q, order);
	assert_int_equal(n, 5);
	for (j = 0; j < n; j++)
		assert_true(order[j] >= 7);
}

/* The geo tries from MaxMind's test database, as the agent fills them. */
static void t_geo_fill(void)
{
	const char *dir = getenv("NAMESERVE_GEO_DIR");
	char path[4096];
	struct geo *g;
	size_t count = 0;
	int err;

	snprintf(path, sizeof(path), "%s/GeoIP2-Country-Test.mmdb",
		 dir && *dir ? dir : "../shared/geo");
	err = geo_open(&g, path);
	if (err)
		fail_msg("%s: %s (set NAMESERVE_GEO_DIR)", path, strerror(-err));
	err = geo_fill_maps(g, t.geo_v4_fd, t.geo_v6_fd, &count);
	geo_close(g);
	assert_int_equal(err, 0);
	assert_true(count > 0);
}

static void t_code(uint32_t pidx, uint8_t kind, const char *code, uint32_t region)
{
	struct fp_code_key k = { .policy = pidx, .kind = kind };

	memcpy(k.code, code, 2);
	assert_int_equal(bpf_map_update_elem(t.codes_fd, &k, &region, BPF_ANY), 0);
}

static void t_cidr(uint32_t pidx, const char *net, int len, uint32_t region)
{
	if (strchr(net, ':')) {
		struct fp_cidr_v6_key k = { .prefixlen = 32 + len, .policy = htonl(pidx) };

		assert_int_equal(inet_pton(AF_INET6, net, k.addr), 1);
		assert_int_equal(bpf_map_update_elem(t.cidr_v6_fd, &k, &region, BPF_ANY), 0);
	} else {
		struct fp_cidr_v4_key k = { .prefixlen = 32 + len, .policy = htonl(pidx) };

		assert_int_equal(inet_pton(AF_INET, net, k.addr), 1);
		assert_int_equal(bpf_map_update_elem(t.cidr_v4_fd, &k, &region, BPF_ANY), 0);
	}
}

/* One record per region: record i answers for region i. */
static void t_geo_set(struct t_set *s, const char *name, uint16_t qtype, uint32_t pidx,
		      int nregions)
{
	int i;

	t_set_init(s, name, qtype, pidx, nregions, FP_POLICY_ALL);
	s->pol.flags = FP_POLICY_F_GEO;
	s->pol.nregions = nregions;
	for (i = 0; i < nregions; i++) {
		s->pol.region[i].primary = 1U << i;
		s->pol.region[i].secondary = 0;
	}
	assert_int_equal(t_set_install(s), 0);
}

/* The region from the source address: CIDR, then country, then continent. */
static void test_geo(void **state)
{
	struct t_query ecs = t_v4(81, 2, 69, 161);
	struct t_set a, a6, b;

	T_NEED_ROOT();
	t_geo_fill();
	/* Policy 7: EU (1), JP (2). */
	t_geo_set(&a, "g.example.com.", 1, 7, 3);
	t_geo_set(&a6, "g.example.com.", 28, 8, 3);
	t_code(7, FP_GEO_CONTINENT, "EU", 1);
	t_code(7, FP_GEO_COUNTRY, "JP", 2);
	t_code(8, FP_GEO_CONTINENT, "EU", 1);
	t_code(8, FP_GEO_COUNTRY, "JP", 2);
	t_expect(&a, &(struct t_query){ .family = 4, .saddr = { 81, 2, 69, 161 } }, "1");
	t_expect(&a, &(struct t_query){ .family = 4, .saddr = { 81, 2, 69, 191 } }, "1");
	t_expect(&a, &(struct t_query){ .family = 4, .saddr = { 81, 2, 69, 208 } }, "0");
	t_expect(&a, &(struct t_query){ .family = 4, .saddr = { 198, 51, 100, 1 } }, "0");
	t_expect(&a, &(struct t_query){ .family = 4, .saddr = { 198, 18, 0, 1 } }, "0");
	t_expect(&a, &(struct t_query){ .family = 6, .saddr = { 0x20, 0x01, 0x02, 0x18, [15] = 1 } },
		 "2");
	t_expect(&a6, &(struct t_query){ .family = 6, .saddr = { 0x20, 0x01, 0x02, 0x18, [15] = 1 } },
		 "2");
	t_expect(&a6, &(struct t_query){ .family = 4, .saddr = { 81, 2, 69, 170 } }, "1");
	{
		struct t_query de = t_v6("2a02:d180::1"), ly = t_v6("2a02:e700::1");
		struct t_query jp = t_v6("2001:218::1");

		t_expect(&a6, &de, "1");
		t_expect(&a6, &ly, "0");	/* AF: no rule */
		jp.edns = true;
		t_expect(&a6, &jp, "2");
	}

	/* Policy 9: CIDR 81.2.69.160/28 and 2001:218:0:1::/64 (3), GB (2), EU (1). */
	t_geo_set(&b, "gb.example.com.", 1, 9, 4);
	t_cidr(9, "81.2.69.160", 28, 3);
	t_cidr(9, "2001:218:0:1::", 64, 3);
	t_code(9, FP_GEO_COUNTRY, "GB", 2);
	t_code(9, FP_GEO_CONTINENT, "EU", 1);
	t_code(9, FP_GEO_CONTINENT, "AS", 1);
	t_expect(&b, &(struct t_query){ .family = 4, .saddr = { 81, 2, 69, 161 } }, "3");
	t_expect(&b, &(struct t_query){ .family = 4, .saddr = { 81, 2, 69, 180 } }, "2");
	t_expect(&b, &(struct t_query){ .family = 4, .saddr = { 198, 51, 100, 1 } }, "0");
	{
		struct t_query de = t_v6("2a02:d180::1"), jp = t_v6("2001:218::1");
		struct t_query jp1 = t_v6("2001:218:0:1::1");

		t_expect(&b, &de, "1");
		t_expect(&b, &jp, "1");		/* JP has no rule, AS has */
		t_expect(&b, &jp1, "3");
	}
	/* Another policy's CIDR rules are not policy 7's. */
	t_expect(&a, &(struct t_query){ .family = 4, .saddr = { 81, 2, 69, 161 } }, "1");
	/* A CIDR rule to a region the policy does not have: the default. */
	t_cidr(9, "81.2.69.176", 30, 17);
	t_expect(&b, &(struct t_query){ .family = 4, .saddr = { 81, 2, 69, 177 } }, "0");

	/* EDNS Client Subnet: the engine's, as before. */
	ecs.ecs = true;
	t_expect_pass(&a, &ecs, FP_PASS_EDNS);
}

/* Broken entries and policies are passed up, counted as errors. */
static void test_broken(void **state)
{
	struct t_query q = t_v4(198, 18, 0, 1);
	uint32_t missing = FP_POLICIES_MAX;
	struct t_set s;

	T_NEED_ROOT();
	/* A policy index past the array. */
	t_set_init(&s, "b.example.com.", 1, 10, 2, FP_POLICY_ALL);
	assert_int_equal(t_set_install(&s), 0);
	s.pidx = missing;
	{
		uint8_t data[FP_ANSWER_MAX] = { 0 };
		struct fp_answer a;

		memcpy(data, s.rrs[0], T_RR_A);
		memcpy(data + T_RR_A, s.rrs[1], T_RR_A);
		assert_int_equal(fp_answer_build(&a, data, 2 * T_RR_A, 2, FP_ANSWER_F_POLICY), 0);
		a.policy = missing;
		assert_int_equal(xf_install(t.answers_fd, T_NAME_SEED, s.name, 1, &a), 0);
		t_expect_pass(&s, &q, FP_PASS_ERROR);
		/* An index never written: a zeroed policy. */
		a.policy = 11;
		assert_int_equal(xf_install(t.answers_fd, T_NAME_SEED, s.name, 1, &a), 0);
		t_expect_pass(&s, &q, FP_PASS_ERROR);
	}

	t_set_init(&s, "b.example.com.", 1, 10, 2, FP_POLICY_ALL);
	s.pol.rr_len = 15;
	assert_int_equal(t_set_install(&s), 0);
	t_expect_pass(&s, &q, FP_PASS_ERROR);
	s.pol.rr_len = 0;
	assert_int_equal(t_set_install(&s), 0);
	t_expect_pass(&s, &q, FP_PASS_ERROR);
	/* A record length no A or AAAA record has. */
	s.pol.rr_len = 200;
	assert_int_equal(t_set_install(&s), 0);
	t_expect_pass(&s, &q, FP_PASS_ERROR);
	/* A policy of more records than the entry carries. */
	t_set_init(&s, "b.example.com.", 1, 10, 3, FP_POLICY_ALL);
	assert_int_equal(t_set_install(&s), 0);
	s.nrecords = 2;
	s.pol.nrecords = 3;
	s.pol.region[0].primary = 0x7;
	assert_int_equal(t_set_install(&s), 0);
	t_expect_pass(&s, &q, FP_PASS_ERROR);
	/* All weights 0: fp_policy_select() finds nothing. */
	t_set_init(&s, "b.example.com.", 1, 10, 2, FP_POLICY_WEIGHTED);
	s.pol.weight[0] = s.pol.weight[1] = 0;
	assert_int_equal(t_set_install(&s), 0);
	t_expect_pass(&s, &q, FP_PASS_ERROR);
	/* A region without records. */
	t_set_init(&s, "b.example.com.", 1, 10, 2, FP_POLICY_ALL);
	s.pol.region[0].primary = 0;
	assert_int_equal(t_set_install(&s), 0);
	t_expect_pass(&s, &q, FP_PASS_ERROR);
	/* Sixteen 16-byte records fill the entry: all of them fit. */
	t_set_init(&s, "b.example.com.", 1, 10, 16, FP_POLICY_ALL);
	assert_int_equal(t_set_install(&s), 0);
	t_expect(&s, &q, "0123456789:;<=>?");
	/* With our OPT record the reply is over the client's 512 bytes? No:
	 * 12 + 16 + 4 + 256 = 288. DO=1 on a signed zone is the engine's. */
	s.flags = FP_ANSWER_F_PASS_DO;
	assert_int_equal(t_set_install(&s), 0);
	q.edns = true;
	q.edns_do = true;
	t_expect_pass(&s, &q, FP_PASS_DNSSEC);
	q.edns_do = false;
	t_expect(&s, &q, "0123456789:;<=>?");
}

/* Steered replies grow at the head too, as veth and generic XDP need. */
static void test_room_at_head(void **state)
{
	struct xdp_dns_bpf *main_skel = t.skel, *skel;
	struct t_query q6 = t_v6("2001:218::1");
	struct t_set m, g;

	T_NEED_ROOT();
	skel = t_load(0);
	assert_non_null(skel);
	t_bind(skel);
	assert_int_equal(t_health_store(), 0);
	/* 12 records: 192 bytes, within the 216 the head gives. */
	t_set_init(&m, "m.example.com.", 1, 6, 12, FP_POLICY_ALL);
	assert_int_equal(t_set_install(&m), 0);
	t_expect(&m, &(struct t_query){ .family = 4, .saddr = { 198, 18, 0, 1 } },
		 "0123456789:;");
	t_geo_fill();
	t_geo_set(&g, "g.example.com.", 28, 8, 3);
	t_code(8, FP_GEO_COUNTRY, "JP", 2);
	q6.edns = true;
	t_expect(&g, &q6, "2");
	xdp_dns_bpf__destroy(t.skel);
	t_bind(main_skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_weighted_aaaa),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_multivalue),
		cmocka_unit_test(test_geo),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_room_at_head),
	};

	return cmocka_run_group_tests_name("xdp_policy", tests, group_setup, group_teardown);
}
