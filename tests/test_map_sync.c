// SPDX-License-Identifier: GPL-2.0-only
/* map_sync against the real program's maps (needs root): full syncs install,
 * change and remove answers; names land in the tier their length picks. */
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
#include "map_sync.h"
#include "xdp_dns.skel.h"

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

/* Looks the entry up as the XDP program would: key of its tier, exact bytes. */
static int lookup(struct fixture *f, const uint8_t *qname, size_t qlen, uint16_t qtype,
		  struct fp_answer *val)
{
	struct fp_answer_key key;
	int tier = fp_key_build(&key, qname, qlen, qtype);

	assert_true(tier >= 0 && tier < FP_TIERS);
	if (bpf_map_lookup_elem(f->fds[tier], &key, val))
		return -errno;
	return tier;
}

static unsigned long map_entries(int fd, size_t key_size)
{
	uint8_t key[4 + FP_QNAME_WIRE_MAX], next[4 + FP_QNAME_WIRE_MAX];
	unsigned long n = 0;
	void *prev = NULL;

	(void)key_size;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

static unsigned long all_entries(struct fixture *f)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < FP_TIERS; i++)
		n += map_entries(f->fds[i], 4 + tier_size[i]);
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
	f->skel = xdp_dns_bpf__open_and_load();
	if (!f->skel) {
		fprintf(stderr, "test_map_sync: load: %s\n", strerror(errno));
		free(f);
		return -1;
	}
	f->fds[0] = bpf_map__fd(f->skel->maps.answers_32);
	f->fds[1] = bpf_map__fd(f->skel->maps.answers_64);
	f->fds[2] = bpf_map__fd(f->skel->maps.answers_128);
	f->fds[3] = bpf_map__fd(f->skel->maps.answers_256);
	for (i = 0; i < FP_TIERS; i++)
		assert_true(f->fds[i] >= 0);
	assert_int_equal(map_sync_new(&f->ms, f->fds), 0);
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
	assert_int_equal(map_entries(f->fds[0], 36), 3);
	assert_int_equal(map_entries(f->fds[1], 68), 1);
	assert_int_equal(map_entries(f->fds[2], 132), 1);
	assert_int_equal(map_entries(f->fds[3], 260), 1);

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_cycles),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_bad_delete),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
