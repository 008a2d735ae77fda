// SPDX-License-Identifier: GPL-2.0-only
/* Counters in per-thread slots, so a query costs one uncontended relaxed add,
 * summed only when read; and the Prometheus text format (version 0.0.4). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dns_rdata.h"
#include "metrics.h"

#define SLOTS		64	/* threads beyond this share slots, still atomically */

static const uint16_t tracked_types[] = {
	DNS_TYPE_A, DNS_TYPE_NS, DNS_TYPE_CNAME, DNS_TYPE_SOA, DNS_TYPE_PTR, DNS_TYPE_MX,
	DNS_TYPE_TXT, DNS_TYPE_AAAA, DNS_TYPE_SRV, DNS_TYPE_NAPTR, DNS_TYPE_DS,
	DNS_TYPE_DNSKEY, DNS_TYPE_SVCB, DNS_TYPE_HTTPS, DNS_TYPE_CAA, DNS_TYPE_ANY,
};

#define NTYPES		(sizeof(tracked_types) / sizeof(tracked_types[0]) + 1)	/* + other */

struct slot {
	uint64_t	q[METRICS_PATHS][METRICS_RCODES][NTYPES];
	uint64_t	fail_open;	/* steered answers with nothing healthy */
} __attribute__((aligned(64)));

static struct slot slots[SLOTS];
static unsigned int next_slot;
static __thread int my_slot = -1;

static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "other" };
static const unsigned int statuses[] = { 200, 201, 204, 400, 401, 403, 404, 405, 409, 412,
					 413, 415, 422, 500, 0 };
#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))
#define NSTATUSES	(sizeof(statuses) / sizeof(statuses[0]))

static uint64_t api_reqs[NMETHODS][NSTATUSES];

static const double buckets[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				  0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define NBUCKETS	(sizeof(buckets) / sizeof(buckets[0]))

static struct {
	pthread_mutex_t	lock;
	uint64_t	counts[NBUCKETS + 1];	/* the last: +Inf */
	double		sum;
	uint64_t	count;
} apply = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define FP_NAME(id, name) name,
const char *const metrics_fastpath_names[FP_COUNTER_MAX] = { FP_COUNTERS(FP_NAME) };
#undef FP_NAME

static int type_index(uint16_t type)
{
	size_t i;

	for (i = 0; i < NTYPES - 1; i++)
		if (tracked_types[i] == type)
			return i;
	return NTYPES - 1;
}

static int slot_index(void)
{
	if (my_slot < 0)
		my_slot = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED) % SLOTS;
	return my_slot;
}

void metrics_query(enum metrics_path path, const uint8_t *resp, size_t len)
{
	size_t pos = 12;
	uint16_t qtype = 0;
	int rcode;

	if (len < 12 || path >= METRICS_PATHS)
		return;
	slot_index();
	rcode = resp[3] & 0x0f;
	/* The question is echoed uncompressed. */
	if (resp[4] || resp[5]) {
		while (pos < len && resp[pos] && resp[pos] < 64)
			pos += resp[pos] + 1;
		if (pos + 3 <= len && !resp[pos])
			qtype = (uint16_t)resp[pos + 1] << 8 | resp[pos + 2];
	}
	__atomic_fetch_add(&slots[my_slot].q[path][rcode][type_index(qtype)], 1,
			   __ATOMIC_RELAXED);
}

void metrics_policy_fail_open(void)
{
	__atomic_fetch_add(&slots[slot_index()].fail_open, 1, __ATOMIC_RELAXED);
}

void metrics_api_request(const char *method, unsigned int status)
{
	size_t m, s;

	for (m = 0; m < NMETHODS - 1 && strcmp(methods[m], method); m++)
		;
	for (s = 0; s < NSTATUSES - 1 && statuses[s] != status; s++)
		;
	__atomic_fetch_add(&api_reqs[m][s], 1, __ATOMIC_RELAXED);
}

void metrics_apply_observe(double seconds)
{
	size_t i;

	pthread_mutex_lock(&apply.lock);
	for (i = 0; i < NBUCKETS && seconds > buckets[i]; i++)
		;
	apply.counts[i]++;
	apply.sum += seconds;
	apply.count++;
	pthread_mutex_unlock(&apply.lock);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Sums over slots: q[path][rcode][type]. */
static void sum_queries(uint64_t (*q)[METRICS_RCODES][NTYPES])
{
	size_t s, p, r, t;

	memset(q, 0, sizeof(uint64_t) * METRICS_PATHS * METRICS_RCODES * NTYPES);
	for (s = 0; s < SLOTS; s++)
		for (p = 0; p < METRICS_PATHS; p++)
			for (r = 0; r < METRICS_RCODES; r++)
				for (t = 0; t < NTYPES; t++)
					q[p][r][t] += load(&slots[s].q[p][r][t]);
}

uint64_t metrics_policy_fail_opens(void)
{
	uint64_t n = 0;
	size_t s;

	for (s = 0; s < SLOTS; s++)
		n += __atomic_load_n(&slots[s].fail_open, __ATOMIC_RELAXED);
	return n;
}

uint64_t metrics_queries(enum metrics_path path)
{
	uint64_t q[METRICS_PATHS][METRICS_RCODES][NTYPES], n = 0;
	size_t r, t;

	sum_queries(q);
	for (r = 0; r < METRICS_RCODES; r++)
		for (t = 0; t < NTYPES; t++)
			n += q[path][r][t];
	return n;
}

void metrics_rcodes(uint64_t *counts)
{
	uint64_t q[METRICS_PATHS][METRICS_RCODES][NTYPES];
	size_t p, r, t;

	sum_queries(q);
	for (r = 0; r < METRICS_RCODES; r++) {
		counts[r] = 0;
		for (p = 0; p < METRICS_PATHS; p++)
			for (t = 0; t < NTYPES; t++)
				counts[r] += q[p][r][t];
	}
}

uint64_t metrics_api_requests(void)
{
	uint64_t n = 0;
	size_t m, s;

	for (m = 0; m < NMETHODS; m++)
		for (s = 0; s < NSTATUSES; s++)
			n += load(&api_reqs[m][s]);
	return n;
}

const char *metrics_rcode_name(int rcode, char *buf)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };

	if (rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])))
		return names[rcode];
	sprintf(buf, "RCODE%d", rcode);
	return buf;
}

int metrics_fastpath_read(int fd, uint64_t *vals)
{
	int ncpus = libbpf_num_possible_cpus(), cpu;
	uint64_t *per;
	__u32 key;

	if (fd < 0)
		return -ENOENT;
	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	per = calloc(ncpus, sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (key = 0; key < FP_COUNTER_MAX; key++) {
		vals[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, per)) {
			int err = -errno;

			free(per);
			return err;
		}
		for (cpu = 0; cpu < ncpus; cpu++)
			vals[key] += per[cpu];
	}
	free(per);
	return 0;
}

int metrics_render(const struct metrics_src *src, char **out, size_t *len)
{
	uint64_t q[METRICS_PATHS][METRICS_RCODES][NTYPES], fp[FP_COUNTER_MAX], cum = 0;
	static const char *const paths[] = { "udp", "tcp" };
	char tb[16], rb[16];
	FILE *f;
	size_t p, r, t, m, s;
	bool have_fp;

	f = open_memstream(out, len);
	if (!f)
		return -errno;
	sum_queries(q);
	have_fp = src->counters_fd >= 0 && !metrics_fastpath_read(src->counters_fd, fp);
	fprintf(f, "# HELP nameserve_queries_total DNS replies sent, by path, rcode and qtype "
		"(the fast path answers A and AAAA only).\n"
		"# TYPE nameserve_queries_total counter\n");
	for (p = 0; p < METRICS_PATHS; p++)
		for (r = 0; r < METRICS_RCODES; r++)
			for (t = 0; t < NTYPES; t++)
				if (q[p][r][t])
					fprintf(f, "nameserve_queries_total{path=\"%s\",rcode=\"%s\","
						"type=\"%s\"} %lu\n", paths[p],
						metrics_rcode_name(r, rb), t < NTYPES - 1 ?
						dns_type_to_text(tracked_types[t], tb) : "other",
						(unsigned long)q[p][r][t]);
	if (have_fp) {
		fprintf(f, "nameserve_queries_total{path=\"xdp\",rcode=\"NOERROR\","
			"type=\"A|AAAA\"} %lu\n", (unsigned long)fp[FP_TX_ANSWER]);
		fprintf(f, "# HELP nameserve_fastpath_packets_total Packets the XDP program "
			"handled, by outcome.\n# TYPE nameserve_fastpath_packets_total counter\n");
		for (t = 0; t < FP_COUNTER_MAX; t++)
			fprintf(f, "nameserve_fastpath_packets_total{outcome=\"%s\"} %lu\n",
				metrics_fastpath_names[t], (unsigned long)fp[t]);
	}
	fprintf(f, "# HELP nameserve_api_requests_total API requests, by method and status.\n"
		"# TYPE nameserve_api_requests_total counter\n");
	for (m = 0; m < NMETHODS; m++) {
		for (s = 0; s < NSTATUSES; s++) {
			uint64_t n = load(&api_reqs[m][s]);

			if (!n)
				continue;
			if (statuses[s])
				fprintf(f, "nameserve_api_requests_total{method=\"%s\",status=\"%u\"} "
					"%lu\n", methods[m], statuses[s], (unsigned long)n);
			else
				fprintf(f, "nameserve_api_requests_total{method=\"%s\","
					"status=\"other\"} %lu\n", methods[m], (unsigned long)n);
		}
	}
	fprintf(f, "# HELP nameserve_zones Zones served.\n# TYPE nameserve_zones gauge\n"
		"nameserve_zones %zu\n", src->zones);
	fprintf(f, "# HELP nameserve_fastpath_map_entries Answers installed in the XDP maps.\n"
		"# TYPE nameserve_fastpath_map_entries gauge\n"
		"nameserve_fastpath_map_entries %lu\n", src->map_entries);
	fprintf(f, "# HELP nameserve_policy_fail_open_total Steered answers of the engine "
		"with no healthy record, so every primary of the region.\n"
		"# TYPE nameserve_policy_fail_open_total counter\n"
		"nameserve_policy_fail_open_total %lu\n",
		(unsigned long)metrics_policy_fail_opens());
	fprintf(f, "# HELP nameserve_policy_fail_open_regions Regions of the fast path's "
		"policies with no healthy record now.\n"
		"# TYPE nameserve_policy_fail_open_regions gauge\n"
		"nameserve_policy_fail_open_regions %lu\n", src->fail_open_regions);
	if (src->health)
		fprintf(f, "# HELP nameserve_healthchecks Health checks by status (unknown: no "
			"verdict yet, served as up).\n# TYPE nameserve_healthchecks gauge\n"
			"nameserve_healthchecks{status=\"up\"} %zu\n"
			"nameserve_healthchecks{status=\"down\"} %zu\n"
			"nameserve_healthchecks{status=\"unknown\"} %zu\n"
			"# HELP nameserve_health_probes_total Health probes finished.\n"
			"# TYPE nameserve_health_probes_total counter\n"
			"nameserve_health_probes_total %lu\n", src->checks_up, src->checks_down,
			src->checks_unknown, (unsigned long)src->health_probes);
	fprintf(f, "# HELP nameserve_change_apply_seconds From a committed write to its version "
		"served (zone store and XDP maps).\n"
		"# TYPE nameserve_change_apply_seconds histogram\n");
	pthread_mutex_lock(&apply.lock);
	for (t = 0; t < NBUCKETS; t++) {
		cum += apply.counts[t];
		fprintf(f, "nameserve_change_apply_seconds_bucket{le=\"%g\"} %lu\n", buckets[t],
			(unsigned long)cum);
	}
	cum += apply.counts[NBUCKETS];
	fprintf(f, "nameserve_change_apply_seconds_bucket{le=\"+Inf\"} %lu\n"
		"nameserve_change_apply_seconds_sum %.9f\n"
		"nameserve_change_apply_seconds_count %lu\n", (unsigned long)cum, apply.sum,
		(unsigned long)apply.count);
	pthread_mutex_unlock(&apply.lock);
	if (fclose(f))
		return -EIO;
	return 0;
}
