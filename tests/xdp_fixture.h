/* SPDX-License-Identifier: GPL-2.0-only */
/* What the BPF_PROG_TEST_RUN tests (and the program bench) of bpf/xdp_dns.bpf.c
 * share: a loaded object's answer maps, one entry put in them, the counters, one
 * counted run, and a hex dump for failure messages. Header-only, as pkt_builder.h. */
#ifndef NAMESERVE_XDP_FIXTURE_H
#define NAMESERVE_XDP_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath.h"
#include "fp_answer.h"
#include "pkt_builder.h"
#include "xdp_dns.skel.h"

static inline void xf_answers_fds(const struct xdp_dns_bpf *skel, int *fds)
{
	fds[0] = bpf_map__fd(skel->maps.answers_32);
	fds[1] = bpf_map__fd(skel->maps.answers_64);
	fds[2] = bpf_map__fd(skel->maps.answers_128);
	fds[3] = bpf_map__fd(skel->maps.answers_256);
}

/* Puts @a in as the answer of (@name, @qtype), keyed under @seed (the loaded
 * object's name_seed). Returns the tier or -errno. */
static inline int xf_install(const int *fds, uint64_t seed, const char *name, uint16_t qtype,
			     const struct fp_answer *a)
{
	uint8_t wire[300];	/* as the tests size a wire name */
	struct fp_entry e;
	struct fp_key k;
	int tier;

	tier = fp_entry_build(&e, &k, seed, wire, pb_name(wire, name), qtype, a);
	if (tier < 0)
		return tier;
	if (bpf_map_update_elem(fds[tier], &k, &e, BPF_ANY))
		return -errno;
	return tier;
}

/* Every counter, summed over the CPUs. */
static inline int xf_counters(int counters_fd, uint64_t *out)
{
	int ncpus = libbpf_num_possible_cpus(), c;
	uint64_t vals[ncpus > 0 ? ncpus : 1];
	uint32_t i;

	if (ncpus <= 0)
		return -EINVAL;
	for (i = 0; i < FP_COUNTER_MAX; i++) {
		if (bpf_map_lookup_elem(counters_fd, &i, vals))
			return -errno;
		out[i] = 0;
		for (c = 0; c < ncpus; c++)
			out[i] += vals[c];
	}
	return 0;
}

/* Runs the program once on @in: its verdict in *@retval, the reply in @out
 * (@out_max bytes of room) and its length in *@out_len. 0 or -errno. */
static inline int xf_run(int prog_fd, const uint8_t *in, size_t len, uint8_t *out,
			 uint32_t out_max, uint32_t *out_len, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out_max,
		.repeat = 1,
	);

	*retval = XDP_ABORTED;	/* no verdict, should the run fail */
	*out_len = 0;
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*retval = opts.retval;
	*out_len = opts.data_size_out;
	return 0;
}

/*
 * As xf_run, and in *@counter the one counter the run moved. Every run moves
 * exactly one, by one: anything else is -EPROTO. 0 or -errno.
 */
static inline int xf_run_counted(int prog_fd, int counters_fd, const uint8_t *in, size_t len,
				 uint8_t *out, uint32_t out_max, uint32_t *out_len,
				 uint32_t *retval, int *counter)
{
	uint64_t before[FP_COUNTER_MAX], after[FP_COUNTER_MAX];
	int i, moved = 0, err;

	*counter = -1;
	err = xf_counters(counters_fd, before);
	if (err)
		return err;
	err = xf_run(prog_fd, in, len, out, out_max, out_len, retval);
	if (err)
		return err;
	err = xf_counters(counters_fd, after);
	if (err)
		return err;
	for (i = 0; i < FP_COUNTER_MAX; i++) {
		if (after[i] == before[i])
			continue;
		if (after[i] - before[i] != 1)
			return -EPROTO;
		moved++;
		*counter = i;
	}
	return moved == 1 ? 0 : -EPROTO;
}

static inline void xf_dump(const char *what, const uint8_t *p, size_t len)
{
	size_t i;

	fprintf(stderr, "%s (%zu bytes):", what, len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", p[i]);
	fprintf(stderr, "\n");
}

#endif /* NAMESERVE_XDP_FIXTURE_H */
