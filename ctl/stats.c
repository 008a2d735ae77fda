// SPDX-License-Identifier: GPL-2.0-only
/* `nsctl stats`: sums the XDP program's per-CPU counters from the map pinned at
 * /sys/fs/bpf/nameserve/<instance>/counters and prints them by name. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "fastpath.h"
#include "nsctl.h"
#include "stats.h"

#define FP_COUNTER_NAME(id, name) [id] = name,
static const char *const counter_names[FP_COUNTER_MAX] = {
	FP_COUNTERS(FP_COUNTER_NAME)
};
#undef FP_COUNTER_NAME

struct stats {
	uint64_t	received;
	uint64_t	counters[FP_COUNTER_MAX];
};

static void stats_usage(FILE *f)
{
	fprintf(f,
		"usage: nsctl stats [--instance NAME] [--json]\n"
		"\n"
		"Prints the XDP fast path's counters of a running nameserved, summed over CPUs:\n"
		"received (every packet the program saw), then one line per outcome.\n"
		"\n"
		"  -i, --instance NAME  the daemon's --instance (default: default)\n"
		"  -j, --json           one JSON object instead of a table\n"
		"  -h, --help           this text\n");
}

static int stats_read(struct stats *st, const char *instance)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key, n;
	char path[PATH_MAX];
	uint64_t *values = NULL;
	int fd, ncpus, cpu, err;

	if (snprintf(path, sizeof(path), "%s/%s/counters", FP_PIN_ROOT, instance) >=
	    (int)sizeof(path)) {
		nsctl_err("instance name too long");
		return -ENAMETOOLONG;
	}
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			nsctl_err("no running instance '%s' (%s not found)", instance, path);
		else
			nsctl_err("%s: %s", path, strerror(-err));
		return err;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		nsctl_err("%s: %s", path, strerror(-err));
		goto out;
	}
	if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(uint64_t)) {
		nsctl_err("%s: not a per-CPU array of 64-bit counters", path);
		err = -EINVAL;
		goto out;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		err = ncpus ?: -EINVAL;
		nsctl_err("possible CPUs: %s", strerror(-err));
		goto out;
	}
	values = calloc(ncpus, sizeof(*values));
	if (!values) {
		err = -ENOMEM;
		goto out;
	}
	memset(st, 0, sizeof(*st));
	/* A newer program may count more than we can name: they still count as received. */
	n = info.max_entries;
	for (key = 0; key < n; key++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &key, values)) {
			err = -errno;
			nsctl_err("%s: read counter %u: %s", path, key, strerror(-err));
			goto out;
		}
		for (cpu = 0; cpu < ncpus; cpu++)
			sum += values[cpu];
		if (key < FP_COUNTER_MAX)
			st->counters[key] = sum;
		st->received += sum;
	}
	err = 0;
out:
	free(values);
	close(fd);
	return err;
}

static void stats_print_table(const struct stats *st)
{
	int i, width = strlen("received");

	for (i = 0; i < FP_COUNTER_MAX; i++)
		if ((int)strlen(counter_names[i]) > width)
			width = strlen(counter_names[i]);
	printf("%-*s  %20" PRIu64 "\n", width, "received", st->received);
	for (i = 0; i < FP_COUNTER_MAX; i++)
		printf("%-*s  %20" PRIu64 "\n", width, counter_names[i], st->counters[i]);
}

static int stats_print_json(const struct stats *st, const char *instance)
{
	json_t *obj = json_object();
	int i, err = 0;

	if (!obj)
		return -ENOMEM;
	/* json_integer is signed 64-bit; a counter never gets near 2^63. */
	err |= json_object_set_new(obj, "instance", json_string(instance));
	err |= json_object_set_new(obj, "received", json_integer(st->received));
	for (i = 0; i < FP_COUNTER_MAX; i++)
		err |= json_object_set_new(obj, counter_names[i], json_integer(st->counters[i]));
	if (!err)
		err = json_dumpf(obj, stdout, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(obj);
	if (err)
		return -ENOMEM;
	putchar('\n');
	return 0;
}

int stats_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "instance",	required_argument,	NULL, 'i' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *instance = "default";
	struct stats st;
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			instance = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			stats_usage(stdout);
			return NSCTL_EXIT_OK;
		default:
			stats_usage(stderr);
			return NSCTL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		nsctl_err("stats: unexpected argument '%s'", argv[optind]);
		return NSCTL_EXIT_USAGE;
	}
	if (!nsctl_name_valid(instance)) {
		nsctl_err("stats: bad instance name '%s'", instance);
		return NSCTL_EXIT_USAGE;
	}
	if (stats_read(&st, instance))
		return NSCTL_EXIT_FAIL;
	if (json) {
		if (stats_print_json(&st, instance)) {
			nsctl_err("stats: cannot build JSON");
			return NSCTL_EXIT_FAIL;
		}
	} else {
		stats_print_table(&st);
	}
	return fflush(stdout) ? NSCTL_EXIT_FAIL : NSCTL_EXIT_OK;
}
