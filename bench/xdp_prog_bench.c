// SPDX-License-Identifier: GPL-2.0-only
/* Nanoseconds per packet of the XDP fast path under BPF_PROG_TEST_RUN with
 * repeat: hits (plain and steered), misses and foreign traffic, against an
 * empty program and a reflector that answers nothing. Needs root. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fp_answer.h"
#include "fp_policy.h"
#include "geo.h"
#include "pkt_builder.h"
#include "xdp_fixture.h"
#include "xdp_pass.skel.h"
#include "bench/xdp_reflect.skel.h"
#include "bench/xdp_bench_restore.skel.h"

#define BENCH_ROUNDS_MAX	64

struct bench_frame {
	uint32_t	len;
	uint8_t		data[1024];
};

struct bench {
	struct xdp_dns_bpf		*dns;
	struct xdp_pass_bpf		*pass;
	struct xdp_reflect_bpf		*reflect;
	struct xdp_bench_restore_bpf	*restore;
	unsigned int			repeat;
	int				rounds;
	long				tail_max;	/* -1: the program's default */
};

enum bench_pkt { PKT_V4, PKT_V4_EDNS, PKT_V6, PKT_LONG, PKT_MISS, PKT_NOT_DNS, PKT_WEIGHTED,
		PKT_GEO };

/* A 255-byte wire name: the longest key, the most words to walk. */
static void bench_long_name(char *out)
{
	size_t o = 0;
	int l;

	for (l = 0; l < 4; l++) {
		memset(out + o, 'a' + l, l < 3 ? 63 : 61);
		o += l < 3 ? 63 : 61;
		out[o++] = '.';
	}
	out[o] = 0;
}

static size_t bench_packet(enum bench_pkt kind, uint8_t *out)
{
	struct pb_frame f = {
		.dst_mac = { 2, 0, 0, 0, 0, 2 },
		.src_mac = { 2, 0, 0, 0, 0, 1 },
		.family = 4,
		.saddr = { 198, 18, 0, 1 },
		.daddr = { 198, 18, 0, 2 },
		.ttl = 64,
		.frag_off = 0x4000,
		.proto = 17,
		.sport = 40000,
		.dport = 53,
	};
	struct pb_dns d = { .id = 0x1234, .flags = 0x0100, .qdcount = 1, .arcount = -1,
			    .qtype = 1, .qclass = 1 };
	uint8_t msg[512];

	char name[300] = "www.example.com.";

	if (kind == PKT_MISS)
		strcpy(name, "nope.example.com.");
	if (kind == PKT_WEIGHTED)
		strcpy(name, "weighted.example.com.");
	if (kind == PKT_GEO) {
		/* MaxMind's test network for GB, EU: only ever in test runs. */
		static const uint8_t gb[4] = { 81, 2, 69, 161 };

		strcpy(name, "geo.example.com.");
		memcpy(f.saddr, gb, 4);
	}
	if (kind == PKT_LONG)
		bench_long_name(name);
	d.qname_len = pb_name(d.qname, name);
	if (kind == PKT_V4_EDNS) {
		d.edns = true;
		d.edns_size = 1232;
	}
	if (kind == PKT_V6) {
		static const uint8_t c[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
		static const uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

		f.family = 6;
		memcpy(f.saddr, c, 16);
		memcpy(f.daddr, s, 16);
	}
	if (kind == PKT_NOT_DNS)
		f.dport = 443;	/* QUIC to a web server on the same host */
	return pb_build(out, PB_FRAME_MAX, &f, msg, pb_dns_build(msg, &d));
}

/*
 * Two steered RRsets of two A records each: weighted 70/30 (policy 0), and
 * geo (policy 1) with a continent rule for EU and a country rule for JP, the
 * geo tries filled from MaxMind's test database ($NAMESERVE_GEO_DIR).
 */
static int bench_fill_steered(struct bench *b, const int *fds)
{
	static const char *const names[2] = { "weighted.example.com.", "geo.example.com." };
	const char *dir = getenv("NAMESERVE_GEO_DIR");
	struct fp_code_key ck = { .policy = 1, .kind = FP_GEO_CONTINENT, .code = "EU" };
	struct fp_policy pol;
	struct fp_answer a;
	uint8_t rrs[32];
	char path[4096];
	uint32_t idx, region;
	struct geo *g;
	size_t len = 0, n;
	int i, err;

	for (i = 0; i < 2; i++) {
		uint8_t addr[4] = { 198, 18, 1, i };

		len += pb_rr(rrs + len, 1, 300, addr, 4);
	}
	for (idx = 0; idx < 2; idx++) {
		memset(&pol, 0, sizeof(pol));
		pol.nrecords = 2;
		pol.rr_len = len / 2;
		for (i = 0; i < 2; i++) {
			pol.health[i] = FP_HEALTH_NONE;
			pol.csum[i] = fp_csum16(rrs + i * pol.rr_len, pol.rr_len);
		}
		if (idx == 0) {
			pol.mode = FP_POLICY_WEIGHTED;
			pol.nregions = 1;
			pol.weight[0] = 70;
			pol.weight[1] = 30;
			pol.region[0].primary = 0x3;
		} else {
			pol.mode = FP_POLICY_ALL;
			pol.flags = FP_POLICY_F_GEO;
			pol.nregions = 3;
			pol.region[0].primary = 0x3;
			pol.region[1].primary = 0x1;
			pol.region[2].primary = 0x2;
		}
		err = fp_answer_build(&a, rrs, len, 2, FP_ANSWER_F_POLICY);
		if (err)
			return err;
		a.policy = idx;
		err = xf_install(fds, b->dns->rodata->name_seed, names[idx], 1, &a);
		if (err < 0)
			return err;
		if (bpf_map_update_elem(bpf_map__fd(b->dns->maps.policies), &idx, &pol, BPF_ANY))
			return -errno;
	}
	region = 1;
	if (bpf_map_update_elem(bpf_map__fd(b->dns->maps.policy_codes), &ck, &region, BPF_ANY))
		return -errno;
	ck.kind = FP_GEO_COUNTRY;
	memcpy(ck.code, "JP", 2);
	region = 2;
	if (bpf_map_update_elem(bpf_map__fd(b->dns->maps.policy_codes), &ck, &region, BPF_ANY))
		return -errno;

	snprintf(path, sizeof(path), "%s/GeoIP2-Country-Test.mmdb",
		 dir && *dir ? dir : "../shared/geo");
	err = geo_open(&g, path);
	if (err)
		return err;
	err = geo_fill_maps(g, bpf_map__fd(b->dns->maps.geo_v4), bpf_map__fd(b->dns->maps.geo_v6),
			    &n);
	geo_close(g);
	return err;
}

static int bench_fill(struct bench *b)
{
	char text[2][300] = { "www.example.com." };
	int fds[FP_TIERS], i, err;
	struct fp_answer a;
	uint8_t rr[64];

	xf_answers_fds(b->dns, fds);
	bench_long_name(text[1]);
	err = fp_answer_build(&a, rr, pb_rr(rr, 1, 300, "\xc6\x12\x00\x0a", 4), 1, 0);
	if (err)
		return err;
	for (i = 0; i < 2; i++) {
		err = xf_install(fds, b->dns->rodata->name_seed, text[i], 1, &a);
		if (err < 0)
			return err;
	}
	return bench_fill_steered(b, fds);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Best ns per run over the rounds (the machine's other load only ever adds
 * time); the last run's verdict in @retval. */
static int bench_run(struct bench *b, int prog_fd, const uint8_t *pkt, size_t len,
		     double *ns, uint32_t *retval)
{
	double r[BENCH_ROUNDS_MAX];
	int i;

	for (i = 0; i < b->rounds; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = pkt,
			.data_size_in = len,
			.repeat = b->repeat,
		);

		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -errno;
		r[i] = opts.duration;
		*retval = opts.retval;
	}
	qsort(r, b->rounds, sizeof(r[0]), cmp_double);
	*ns = r[0];
	return 0;
}

/* Through the restore harness: the frame is put back before every run. */
static int bench_restored(struct bench *b, int target_fd, const uint8_t *pkt, size_t len,
			  double *ns, uint32_t *retval)
{
	struct bench_frame f = { .len = len };
	uint32_t zero = 0;

	memcpy(f.data, pkt, len);
	if (bpf_map_update_elem(bpf_map__fd(b->restore->maps.frame), &zero, &f, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(b->restore->maps.target), &zero, &target_fd,
				BPF_ANY))
		return -errno;
	return bench_run(b, bpf_program__fd(b->restore->progs.xdp_bench_restore), pkt, len, ns,
			 retval);
}

static uint64_t bench_counter(struct bench *b, uint32_t id)
{
	int ncpus = libbpf_num_possible_cpus(), c;
	uint64_t vals[ncpus], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(b->dns->maps.counters), &id, vals))
		return 0;
	for (c = 0; c < ncpus; c++)
		sum += vals[c];
	return sum;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n REPEAT] [-r ROUNDS] [-t TAIL_MAX]\n"
			"  -n  runs per measurement (default 200000)\n"
			"  -r  measurements per case, the best is shown (default 40, max %d)\n"
			"  -t  most bytes a reply takes from the tail, the rest from the head\n"
			"      (0: the head path veth and generic XDP take; default: all tail)\n",
		prog, BENCH_ROUNDS_MAX);
}

int main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		enum bench_pkt	pkt;
		int		verdict;
		uint32_t	counter;
	} cases[] = {
		{ "hit, IPv4, www.example.com A", PKT_V4, XDP_TX, FP_TX_ANSWER },
		{ "hit, IPv4 + EDNS", PKT_V4_EDNS, XDP_TX, FP_TX_ANSWER },
		{ "hit, IPv6", PKT_V6, XDP_TX, FP_TX_ANSWER },
		{ "hit, IPv4, 255-byte name", PKT_LONG, XDP_TX, FP_TX_ANSWER },
		{ "steered hit, weighted 70/30", PKT_WEIGHTED, XDP_TX, FP_TX_ANSWER },
		{ "steered hit, geo (81.2.69.161)", PKT_GEO, XDP_TX, FP_TX_ANSWER },
		{ "miss, IPv4", PKT_MISS, XDP_PASS, FP_PASS_MISS },
		{ "not DNS (UDP to 443)", PKT_NOT_DNS, XDP_PASS, FP_PASS_NOT_DNS },
	};
	struct bench b = { .repeat = 200000, .rounds = 40, .tail_max = -1 };
	uint8_t pkt[PB_FRAME_MAX];
	double empty, base, ns;
	uint32_t retval;
	uint64_t before;
	size_t len, i;
	int opt, err = 1;

	while ((opt = getopt(argc, argv, "n:r:t:h")) != -1) {
		switch (opt) {
		case 'n':
			b.repeat = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			b.rounds = atoi(optarg);
			break;
		case 't':
			b.tail_max = strtol(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!b.repeat || b.rounds < 1 || b.rounds > BENCH_ROUNDS_MAX) {
		usage(argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "xdp_prog_bench: BPF_PROG_TEST_RUN needs root\n");
		return 2;
	}

	b.dns = xdp_dns_bpf__open();
	if (b.dns) {
		if (b.tail_max >= 0)
			b.dns->rodata->tail_grow_max = b.tail_max;
		/* Any seed will do; nameserved draws one at every start. */
		b.dns->rodata->name_seed = 0x9d2c5680a1f3e47bULL;
		if (xdp_dns_bpf__load(b.dns)) {
			xdp_dns_bpf__destroy(b.dns);
			b.dns = NULL;
		}
	}
	b.pass = xdp_pass_bpf__open_and_load();
	b.reflect = xdp_reflect_bpf__open_and_load();
	b.restore = xdp_bench_restore_bpf__open();
	if (b.restore) {
		b.restore->rodata->head_grows = b.tail_max == 0;
		if (xdp_bench_restore_bpf__load(b.restore)) {
			xdp_bench_restore_bpf__destroy(b.restore);
			b.restore = NULL;
		}
	}
	if (!b.dns || !b.pass || !b.reflect || !b.restore) {
		fprintf(stderr, "xdp_prog_bench: loading the programs failed\n");
		goto out;
	}
	if (bench_fill(&b)) {
		fprintf(stderr, "xdp_prog_bench: filling the maps failed (NAMESERVE_GEO_DIR?)\n");
		goto out;
	}

	len = bench_packet(PKT_V4, pkt);
	if (bench_run(&b, bpf_program__fd(b.pass->progs.xdp_pass), pkt, len, &empty, &retval) ||
	    bench_restored(&b, bpf_program__fd(b.pass->progs.xdp_pass), pkt, len, &base,
			   &retval)) {
		fprintf(stderr, "xdp_prog_bench: test run: %s\n", strerror(errno));
		goto out;
	}
	printf("repeat %u, best of %d; ns per packet", b.repeat, b.rounds);
	if (b.tail_max >= 0)
		printf("; replies take at most %ld bytes from the tail", b.tail_max);
	printf("\n");
	printf("'program' = harness - harness(empty) + empty: what a plain repeated run\n"
	       "of the program would cost had it a fresh packet every time.\n\n");
	printf("%-34s %-8s %9s %9s\n", "case", "verdict", "harness", "program");
	printf("%-34s %-8s %9s %9.1f\n", "empty program (xdp_pass)", "PASS", "-", empty);
	printf("%-34s %-8s %9.1f %9.1f\n", "restore harness + empty program", "PASS", base, empty);

	if (bench_restored(&b, bpf_program__fd(b.reflect->progs.xdp_reflect), pkt, len, &ns,
			   &retval))
		goto out;
	printf("%-34s %-8s %9.1f %9.1f\n", "reflector (no lookup)",
	       retval == XDP_TX ? "TX" : "PASS?", ns, ns - base + empty);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = bench_packet(cases[i].pkt, pkt);
		before = bench_counter(&b, cases[i].counter);
		if (bench_restored(&b, bpf_program__fd(b.dns->progs.xdp_dns), pkt, len, &ns,
				   &retval))
			goto out;
		/* Every run must have taken the path the case names. */
		if ((int)retval != cases[i].verdict ||
		    bench_counter(&b, cases[i].counter) - before !=
			    (uint64_t)b.repeat * b.rounds) {
			fprintf(stderr, "xdp_prog_bench: %s: unexpected verdict %u\n",
				cases[i].name, retval);
			goto out;
		}
		printf("%-34s %-8s %9.1f %9.1f\n", cases[i].name,
		       retval == XDP_TX ? "TX" : "PASS", ns, ns - base + empty);
	}
	err = 0;
out:
	xdp_bench_restore_bpf__destroy(b.restore);
	xdp_reflect_bpf__destroy(b.reflect);
	xdp_pass_bpf__destroy(b.pass);
	xdp_dns_bpf__destroy(b.dns);
	return err;
}
