// SPDX-License-Identifier: GPL-2.0-only
/* xdp_loader against the real program: pins, attach/detach on veths of a
 * private network namespace, stale pins, bad input. Needs root. */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath.h"
#include "fp_policy.h"
#include "xdp_loader.h"

static const char *const pin_names[] = {
	"answers_32", "answers_64", "answers_128", "answers_256", "counters",
	"policies", "health", "geo_v4", "geo_v6", "policy_cidr_v4", "policy_cidr_v6",
	"policy_codes",
};

static char instance[32];

static void pin_path(char *buf, size_t cap, const char *inst, const char *map)
{
	snprintf(buf, cap, "%s/%s/%s", FP_PIN_ROOT, inst, map);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static __u32 xdp_prog_on(const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ifindex = if_nametoindex(ifname);

	assert_true(ifindex > 0);
	assert_int_equal(bpf_xdp_query(ifindex, 0, &q), 0);
	return q.prog_id;
}

/* Runs in a network namespace of its own: the veths live and die with it. */
static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_xdp_loader: needs root\n");
		return -1;
	}
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	if (system("ip link add tl0 type veth peer name tl1 && ip link set tl0 up && "
		   "ip link set tl1 up && ip link add tl2 type veth peer name tl3 && "
		   "ip link set tl2 up && ip link set tl3 up"))
		return -1;
	snprintf(instance, sizeof(instance), "test-loader-%d", getpid());
	return 0;
}

static void test_bad_input(void **state)
{
	struct xdp_loader_opts o = { .instance = "../escape" };
	struct xdp_loader *xl = (void *)1;

	(void)state;
	assert_int_equal(xdp_loader_open(&xl, &o), -EINVAL);
	assert_null(xl);
	o.instance = "";
	assert_int_equal(xdp_loader_open(&xl, &o), -EINVAL);
	o.instance = ".hidden";
	assert_int_equal(xdp_loader_open(&xl, &o), -EINVAL);
	o.instance = "a/b";
	assert_int_equal(xdp_loader_open(&xl, &o), -EINVAL);
}

static void test_pins_attach_close(void **state)
{
	struct xdp_loader_opts o = { .instance = instance, .mode = XDP_LOADER_NATIVE };
	struct xdp_loader *xl = NULL;
	char path[256];
	unsigned int i;
	int fd;

	(void)state;
	assert_int_equal(xdp_loader_open(&xl, &o), 0);
	assert_non_null(xl);
	for (i = 0; i < sizeof(pin_names) / sizeof(pin_names[0]); i++) {
		pin_path(path, sizeof(path), instance, pin_names[i]);
		assert_true(exists(path));
	}
	for (i = 0; i < FP_TIERS; i++)
		assert_true(xdp_loader_answers_fd(xl, i) >= 0);
	assert_int_equal(xdp_loader_answers_fd(xl, FP_TIERS), -EINVAL);
	assert_int_equal(xdp_loader_answers_fd(xl, -1), -EINVAL);
	assert_true(xdp_loader_counters_fd(xl) >= 0);
	/* A seed drawn for the answer keys (zero only once in 2^64). */
	assert_true(xdp_loader_name_seed(xl) != 0);

	/* The pinned counters are the loader's counters. */
	pin_path(path, sizeof(path), instance, "counters");
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	{
		struct bpf_map_info a = {}, b = {};
		__u32 la = sizeof(a), lb = sizeof(b);

		assert_int_equal(bpf_obj_get_info_by_fd(fd, &a, &la), 0);
		assert_int_equal(bpf_obj_get_info_by_fd(xdp_loader_counters_fd(xl), &b, &lb), 0);
		assert_int_equal(a.id, b.id);
		assert_int_equal(a.max_entries, FP_COUNTER_MAX);
	}
	close(fd);

	/* Maps by name, and the health map's element, mmapped and shared with
	 * the map itself. */
	assert_true(xdp_loader_map_fd(xl, "policies") >= 0);
	assert_true(xdp_loader_map_fd(xl, "geo_v6") >= 0);
	assert_int_equal(xdp_loader_map_fd(xl, "nosuch"), -ENOENT);
	{
		struct fp_health *h = xdp_loader_health(xl), *v = malloc(sizeof(*v));
		__u32 zero = 0;

		assert_non_null(h);
		assert_non_null(v);
		assert_ptr_equal(xdp_loader_health(xl), h);
		assert_int_equal(h->down[0], 0);
		h->down[0] = 5;
		h->down[FP_HEALTH_WORDS - 1] = 1ULL << 62;
		assert_int_equal(bpf_map_lookup_elem(xdp_loader_map_fd(xl, "health"), &zero, v), 0);
		assert_int_equal(v->down[0], 5);
		assert_int_equal(v->down[FP_HEALTH_WORDS - 1], 1ULL << 62);
		free(v);
	}

	assert_int_equal(xdp_loader_attach(xl, "nosuch0"), -ENODEV);
	assert_int_equal(xdp_loader_attach(xl, "tl0"), 0);
	assert_int_equal(xdp_loader_attach(xl, "tl0"), -EEXIST);
	assert_int_equal(xdp_loader_attach(xl, "tl2"), 0);
	assert_int_not_equal(xdp_prog_on("tl0"), 0);
	assert_int_not_equal(xdp_prog_on("tl2"), 0);
	assert_int_equal(xdp_prog_on("tl1"), 0);

	xdp_loader_close(xl);
	assert_int_equal(xdp_prog_on("tl0"), 0);
	assert_int_equal(xdp_prog_on("tl2"), 0);
	for (i = 0; i < sizeof(pin_names) / sizeof(pin_names[0]); i++) {
		pin_path(path, sizeof(path), instance, pin_names[i]);
		assert_false(exists(path));
	}
	snprintf(path, sizeof(path), "%s/%s", FP_PIN_ROOT, instance);
	assert_false(exists(path));
}

static void test_generic_mode(void **state)
{
	struct xdp_loader_opts o = { .instance = instance, .mode = XDP_LOADER_GENERIC };
	struct xdp_loader *xl = NULL;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	(void)state;
	assert_int_equal(xdp_loader_open(&xl, &o), 0);
	assert_int_equal(xdp_loader_attach(xl, "tl1"), 0);
	assert_int_equal(bpf_xdp_query(if_nametoindex("tl1"), 0, &q), 0);
	assert_int_equal(q.attach_mode, XDP_ATTACHED_SKB);
	xdp_loader_close(xl);
	assert_int_equal(xdp_prog_on("tl1"), 0);
}

/* A second open of a live instance replaces its pins; closing either leaves
 * no pin of its own behind and never removes the other's. */
static void test_replace_pins(void **state)
{
	struct xdp_loader_opts o = { .instance = instance };
	struct xdp_loader *a = NULL, *b = NULL;
	struct bpf_map_info info = {}, mine = {};
	__u32 len = sizeof(info);
	char path[256];
	int fd;

	(void)state;
	assert_int_equal(xdp_loader_open(&a, &o), 0);
	assert_int_equal(xdp_loader_attach(a, "tl0"), 0);
	assert_int_equal(xdp_loader_open(&b, &o), 0);

	pin_path(path, sizeof(path), instance, "counters");
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	len = sizeof(mine);
	assert_int_equal(bpf_obj_get_info_by_fd(xdp_loader_counters_fd(b), &mine, &len), 0);
	assert_int_equal(info.id, mine.id);

	xdp_loader_close(a);
	assert_true(exists(path));
	xdp_loader_close(b);
	assert_false(exists(path));
	assert_int_equal(xdp_prog_on("tl0"), 0);
}

/* A nameserved killed before it could detach leaves its program on the link
 * and its pins; the next one takes both over. */
static void test_reclaim_after_crash(void **state)
{
	struct xdp_loader_opts o = { .instance = instance };
	struct xdp_loader *xl = NULL;
	char path[256];
	__u32 old_id;
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (xdp_loader_open(&xl, &o) || xdp_loader_attach(xl, "tl0") ||
		    !xdp_loader_health(xl))
			_exit(1);
		xdp_loader_health(xl)->down[0] = 1;
		_exit(0);	/* crash: no xdp_loader_close */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	old_id = xdp_prog_on("tl0");
	assert_int_not_equal(old_id, 0);
	pin_path(path, sizeof(path), instance, "counters");
	assert_true(exists(path));

	assert_int_equal(xdp_loader_open(&xl, &o), 0);
	assert_int_equal(xdp_loader_attach(xl, "tl0"), 0);
	assert_int_not_equal(xdp_prog_on("tl0"), 0);
	assert_int_not_equal(xdp_prog_on("tl0"), old_id);
	/* fresh steering state: no check is down until the checker says so */
	assert_non_null(xdp_loader_health(xl));
	assert_int_equal(xdp_loader_health(xl)->down[0], 0);
	pin_path(path, sizeof(path), instance, "policy_codes");
	assert_true(exists(path));
	xdp_loader_close(xl);
	assert_false(exists(path));
	pin_path(path, sizeof(path), instance, "counters");
	assert_int_equal(xdp_prog_on("tl0"), 0);
	assert_false(exists(path));
}

/* A live instance on the link is not taken over. */
static void test_busy_when_live(void **state)
{
	struct xdp_loader_opts o = { .instance = instance };
	char other[48];
	struct xdp_loader *xl = NULL;
	int ready[2], done[2], status;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		if (xdp_loader_open(&xl, &o) || xdp_loader_attach(xl, "tl2"))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(done[0], &c, 1) < 0)	/* until the parent closes it */
			_exit(1);
		xdp_loader_close(xl);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);

	snprintf(other, sizeof(other), "%s-b", instance);
	o.instance = other;
	assert_int_equal(xdp_loader_open(&xl, &o), 0);
	assert_int_equal(xdp_loader_attach(xl, "tl2"), -EBUSY);
	assert_int_equal(xdp_loader_attach(xl, "tl3"), 0);
	xdp_loader_close(xl);

	close(done[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(xdp_prog_on("tl2"), 0);
	assert_int_equal(xdp_prog_on("tl3"), 0);
	close(ready[0]);
}

/* The link went away under a running instance: close still cleans up. */
static void test_link_gone(void **state)
{
	struct xdp_loader_opts o = { .instance = instance };
	struct xdp_loader *xl = NULL;
	char path[256];

	(void)state;
	assert_int_equal(system("ip link add tl4 type veth peer name tl5 && ip link set tl4 up"), 0);
	assert_int_equal(xdp_loader_open(&xl, &o), 0);
	assert_int_equal(xdp_loader_attach(xl, "tl4"), 0);
	assert_int_equal(system("ip link del tl4"), 0);
	xdp_loader_close(xl);
	snprintf(path, sizeof(path), "%s/%s", FP_PIN_ROOT, instance);
	assert_false(exists(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_pins_attach_close),
		cmocka_unit_test(test_generic_mode),
		cmocka_unit_test(test_replace_pins),
		cmocka_unit_test(test_reclaim_after_crash),
		cmocka_unit_test(test_busy_when_live),
		cmocka_unit_test(test_link_gone),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
