// SPDX-License-Identifier: GPL-2.0-only
/* The answer cache's writer against a real mmapable array (needs root), each
 * line read back through the map syscalls, not through the writer's mapping:
 * what a put writes, which puts and drops it refuses, and the seq count. */
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

#include "answer_cache.h"
#include "fastpath.h"
#include "fp_answer.h"

#define T_SEED		0x5eed0f0a11ce5ULL
#define LINE_MASK	(FP_CACHE_LINES - 1)

struct fixture {
	int			fd;
	struct answer_cache	*c;
};

/* A tier-0 entry and its key, built as map sync builds them. */
struct t_entry {
	struct fp_key		k;
	struct fp_entry_32	e;
};

static const struct fp_cache_line empty_line;

/* Text name to wire format; returns its length. */
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

/* @len answer bytes: @n A records 198.18.0.@first.. and then filler, so that
 * every byte of a line's data is checked against something not zero. */
static void build(struct t_entry *t, const char *name, uint16_t qtype, size_t len,
		  uint8_t first, uint32_t flags)
{
	static const uint8_t tmpl[16] = {
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c,
		0x00, 0x04, 198, 18, 0, 0,
	};
	uint8_t rrs[FP_ANSWER_MAX], q[FP_QNAME_WIRE_MAX];
	struct fp_answer a;
	struct fp_entry e;
	size_t i;

	assert_true(len <= sizeof(rrs));
	for (i = 0; i < len; i++)
		rrs[i] = i % 16 == 15 ? (uint8_t)(first + i / 16) : tmpl[i % 16];
	assert_int_equal(fp_answer_build(&a, rrs, len, (len + 15) / 16, flags), 0);
	assert_int_equal(fp_entry_build(&e, &t->k, T_SEED, q, wire(q, name), qtype, &a), 0);
	memcpy(&t->e, &e, sizeof(t->e));	/* a tier-0 value: the entry's head */
}

/* Another name, of @qtype, whose key picks the line of @owner's key. */
static void build_rival(struct t_entry *t, const struct t_entry *owner, uint16_t qtype,
			size_t len, uint8_t first, uint32_t flags)
{
	uint8_t q[FP_QNAME_WIRE_MAX];
	char name[32];
	unsigned int i;

	for (i = 0; i < 64 * FP_CACHE_LINES; i++) {
		snprintf(name, sizeof(name), "r%u.example", i);
		assert_int_equal(fp_key_build(&t->k, T_SEED, q, wire(q, name), qtype), 0);
		if ((t->k.hash & LINE_MASK) == (owner->k.hash & LINE_MASK) &&
		    t->k.hash != owner->k.hash) {
			build(t, name, qtype, len, first, flags);
			return;
		}
	}
	fail_msg("no name shares a line with the owner");
}

static void read_line(struct fixture *f, const struct fp_key *k, struct fp_cache_line *l)
{
	__u32 idx = k->hash & LINE_MASK;

	memset(l, 0xa5, sizeof(*l));
	assert_int_equal(bpf_map_lookup_elem(f->fd, &idx, l), 0);
}

/* The line holds exactly @t, every field of it. */
static void assert_line_holds(const struct fp_cache_line *l, const struct t_entry *t)
{
	assert_int_equal(l->qtype, t->e.qtype);
	assert_int_equal(l->qlen, t->e.qlen);
	assert_true(l->qlen > 0);
	assert_int_equal(l->pad0, 0);
	assert_true(l->hash == t->k.hash);
	assert_memory_equal(l->qname, t->e.qname, sizeof(l->qname));
	assert_int_equal(l->len, t->e.answer.len);
	assert_int_equal(l->ancount, t->e.answer.ancount);
	assert_int_equal(l->flags, t->e.answer.flags);
	assert_int_equal(l->csum, t->e.answer.csum);
	assert_int_equal(l->pad1, 0);
	assert_memory_equal(l->data, t->e.answer.data, FP_CACHE_DATA);
}

/* The line is empty: all zero but seq. */
static void assert_line_empty(const struct fp_cache_line *l)
{
	struct fp_cache_line body = *l;

	body.seq = 0;
	assert_memory_equal(&body, &empty_line, sizeof(body));
}

static int setup(void **state)
{
	struct fixture *f;
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);

	if (geteuid() != 0) {
		fprintf(stderr, "test_answer_cache: needs root\n");
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "answer_cache", sizeof(__u32),
			       sizeof(struct fp_cache_line), FP_CACHE_LINES, &opts);
	if (f->fd < 0) {
		fprintf(stderr, "test_answer_cache: map: %s\n", strerror(errno));
		free(f);
		return -1;
	}
	if (answer_cache_open(&f->c, f->fd)) {
		fprintf(stderr, "test_answer_cache: open failed\n");
		close(f->fd);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	answer_cache_close(f->c);
	close(f->fd);
	free(f);
	return 0;
}

static void test_put_fills_line(void **state)
{
	struct fixture *f = *state;
	struct fp_cache_line l, before, after;
	struct t_entry t;
	struct fp_key next;

	build(&t, "www.example", 1, 32, 1, 0);
	read_line(f, &t.k, &l);
	assert_line_empty(&l);
	assert_int_equal(l.seq, 0);

	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &l);
	assert_line_holds(&l, &t);
	assert_int_equal(l.seq, 2);
	assert_int_equal(l.data[15], 1);
	assert_int_equal(l.data[31], 2);

	/* The lines either side are not touched. */
	next.hash = t.k.hash - 1;
	read_line(f, &next, &before);
	next.hash = t.k.hash + 1;
	read_line(f, &next, &after);
	assert_memory_equal(&before, &empty_line, sizeof(before));
	assert_memory_equal(&after, &empty_line, sizeof(after));
}

static void test_put_rewrites_own_line(void **state)
{
	struct fixture *f = *state;
	struct fp_cache_line l;
	struct t_entry t;
	uint32_t seq;

	build(&t, "rewrite.example", 28, 48, 1, 0);
	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &l);
	seq = l.seq;
	assert_int_equal(seq & 1, 0);

	/* A shorter answer: the old tail must not survive in data. */
	build(&t, "rewrite.example", 28, 16, 7, 0);
	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &l);
	assert_line_holds(&l, &t);
	assert_int_equal(l.seq, seq + 2);
	assert_int_equal(l.len, 16);
	assert_int_equal(l.data[15], 7);
	assert_int_equal(l.data[16], 0);
	assert_int_equal(l.data[FP_CACHE_DATA - 1], 0);
}

static void test_other_key_refused(void **state)
{
	struct fixture *f = *state;
	struct fp_cache_line l, held;
	struct t_entry owner, rival;

	build(&owner, "owner.example", 1, 16, 1, 0);
	build_rival(&rival, &owner, 1, 16, 9, 0);
	assert_true(answer_cache_put(f->c, &owner.k, &owner.e));
	read_line(f, &owner.k, &held);

	assert_false(answer_cache_put(f->c, &rival.k, &rival.e));
	read_line(f, &owner.k, &l);
	assert_memory_equal(&l, &held, sizeof(l));
	assert_line_holds(&l, &owner);

	/* A key that differs only above the index bits is another key too. */
	rival = owner;
	rival.k.hash ^= 1ULL << 40;
	rival.e.answer.data[15] = 9;
	assert_false(answer_cache_put(f->c, &rival.k, &rival.e));
	read_line(f, &owner.k, &l);
	assert_memory_equal(&l, &held, sizeof(l));

	/* Once the owner leaves, the line is the rival's to take. */
	answer_cache_drop(f->c, &owner.k);
	assert_true(answer_cache_put(f->c, &rival.k, &rival.e));
	read_line(f, &owner.k, &l);
	assert_line_holds(&l, &rival);
	assert_int_equal(l.seq, held.seq + 4);
}

/* An answer that does not fit (@len, @flags) is refused: no write to an empty
 * line, the key's own line emptied, another key's line left alone. */
static void refused(struct fixture *f, const char *name, size_t len, uint32_t flags)
{
	struct fp_cache_line l, held;
	struct t_entry t, big, rival;

	build(&big, name, 1, len, 1, flags);
	read_line(f, &big.k, &held);
	assert_false(answer_cache_put(f->c, &big.k, &big.e));
	read_line(f, &big.k, &l);
	assert_memory_equal(&l, &held, sizeof(l));
	assert_line_empty(&l);

	/* The key held the line with an answer that fit: it goes. */
	build(&t, name, 1, 16, 1, 0);
	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &held);
	assert_line_holds(&held, &t);
	assert_false(answer_cache_put(f->c, &big.k, &big.e));
	read_line(f, &t.k, &l);
	assert_line_empty(&l);
	assert_int_equal(l.seq, held.seq + 2);

	/* Another key's line stays as it is. */
	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &held);
	build_rival(&rival, &t, 1, len, 5, flags);
	assert_false(answer_cache_put(f->c, &rival.k, &rival.e));
	read_line(f, &t.k, &l);
	assert_memory_equal(&l, &held, sizeof(l));
	answer_cache_drop(f->c, &t.k);
}

static void test_too_long_refused(void **state)
{
	struct fixture *f = *state;
	struct fp_cache_line l;
	struct t_entry t;

	refused(*state, "long.example", FP_CACHE_DATA + 1, 0);
	refused(*state, "longer.example", 5 * 16, 0);

	/* Exactly FP_CACHE_DATA bytes fit. */
	build(&t, "full.example", 1, FP_CACHE_DATA, 1, 0);
	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &l);
	assert_line_holds(&l, &t);
	assert_int_equal(l.len, FP_CACHE_DATA);
	assert_int_equal(l.ancount, FP_CACHE_DATA / 16);
	assert_int_equal(l.data[FP_CACHE_DATA - 1], 1 + FP_CACHE_DATA / 16 - 1);
}

static void test_steered_refused(void **state)
{
	refused(*state, "steered.example", 16, FP_ANSWER_F_POLICY);
	refused(*state, "steered-do.example", 32, FP_ANSWER_F_POLICY | FP_ANSWER_F_PASS_DO);
}

static void test_drop(void **state)
{
	struct fixture *f = *state;
	struct fp_cache_line l, held;
	struct t_entry t, rival;

	build(&t, "drop.example", 1, 16, 1, 0);

	/* An empty line is not written, not even for the key its zeroes
	 * would match. */
	answer_cache_drop(f->c, &t.k);
	read_line(f, &t.k, &l);
	assert_memory_equal(&l, &empty_line, sizeof(l));
	rival.k.hash = 0;
	read_line(f, &rival.k, &held);
	assert_memory_equal(&held, &empty_line, sizeof(held));
	answer_cache_drop(f->c, &rival.k);
	read_line(f, &rival.k, &l);
	assert_memory_equal(&l, &empty_line, sizeof(l));
	build_rival(&rival, &t, 1, 16, 2, 0);

	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &held);
	answer_cache_drop(f->c, &rival.k);
	read_line(f, &t.k, &l);
	assert_memory_equal(&l, &held, sizeof(l));
	assert_line_holds(&l, &t);

	answer_cache_drop(f->c, &t.k);
	read_line(f, &t.k, &l);
	assert_int_equal(l.qlen, 0);
	assert_line_empty(&l);
	assert_int_equal(l.seq, held.seq + 2);
	assert_int_equal(l.seq & 1, 0);

	answer_cache_drop(f->c, &t.k);
	read_line(f, &t.k, &held);
	assert_memory_equal(&l, &held, sizeof(l));
}

static void test_pass_do_carried(void **state)
{
	struct fixture *f = *state;
	struct fp_cache_line l;
	struct t_entry t;

	build(&t, "signed.example", 28, 32, 1, FP_ANSWER_F_PASS_DO);
	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &l);
	assert_line_holds(&l, &t);
	assert_int_equal(l.flags, FP_ANSWER_F_PASS_DO);

	build(&t, "signed.example", 28, 32, 1, 0);
	assert_true(answer_cache_put(f->c, &t.k, &t.e));
	read_line(f, &t.k, &l);
	assert_int_equal(l.flags, 0);
	answer_cache_drop(f->c, &t.k);
}

/* Without a cache (not x86, or no map) map sync passes NULL. */
static void test_no_cache(void **state)
{
	struct t_entry t;

	(void)state;
	build(&t, "none.example", 1, 16, 1, 0);
	assert_false(answer_cache_put(NULL, &t.k, &t.e));
	answer_cache_drop(NULL, &t.k);
	answer_cache_close(NULL);
}

/* A map the kernel will not mmap is refused, and nothing is left open. */
static void test_open_not_mmapable(void **state)
{
	struct answer_cache *c = (void *)1;
	int fd, ret;

	(void)state;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "not_mmapable", sizeof(__u32),
			    sizeof(struct fp_cache_line), FP_CACHE_LINES, NULL);
	assert_true(fd >= 0);
	ret = answer_cache_open(&c, fd);
	assert_true(ret < 0);
	assert_null(c);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_fills_line),
		cmocka_unit_test(test_put_rewrites_own_line),
		cmocka_unit_test(test_other_key_refused),
		cmocka_unit_test(test_too_long_refused),
		cmocka_unit_test(test_steered_refused),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_pass_do_carried),
		cmocka_unit_test(test_no_cache),
		cmocka_unit_test(test_open_not_mmapable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
