// SPDX-License-Identifier: GPL-2.0-only
/* The agent's side of the XDP answer cache: a seqlock writer over the mmapped
 * array. One writer at a time (map sync's caller holds its lock). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "answer_cache.h"

_Static_assert(sizeof(struct fp_cache_line) == 128, "fastpath ABI: one pair of cache lines");

/* See fastpath.h: the program's loads of a line must stay in order. */
#if defined(__x86_64__) || defined(__i386__)
#define LOADS_STAY_IN_ORDER	true
#else
#define LOADS_STAY_IN_ORDER	false
#endif

struct answer_cache {
	struct fp_cache_line	*lines;
	size_t			len;	/* of the mapping */
};

int answer_cache_open(struct answer_cache **out, int map_fd)
{
	struct answer_cache *c;
	long page = sysconf(_SC_PAGESIZE);

	*out = NULL;
	if (!LOADS_STAY_IN_ORDER)
		return -EOPNOTSUPP;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->len = (sizeof(struct fp_cache_line) * FP_CACHE_LINES + page - 1) / page * page;
	c->lines = mmap(NULL, c->len, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (c->lines == MAP_FAILED) {
		int err = -errno;

		free(c);
		return err;
	}
	*out = c;
	return 0;
}

void answer_cache_close(struct answer_cache *c)
{
	if (!c)
		return;
	munmap(c->lines, c->len);
	free(c);
}

static struct fp_cache_line *line_of(struct answer_cache *c, const struct fp_key *k)
{
	return &c->lines[k->hash & (FP_CACHE_LINES - 1)];
}

/* The writer's half of the seqlock: seq odd, the body, seq even. Release
 * ordering keeps the stores in that order (and the compiler from merging
 * them); the program's loads are in order on x86. */
static void line_write(struct fp_cache_line *l, const struct fp_cache_line *body)
{
	uint32_t seq = l->seq;

	__atomic_store_n(&l->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((char *)l + sizeof(l->seq), (const char *)body + sizeof(body->seq),
	       sizeof(*l) - sizeof(l->seq));
	__atomic_store_n(&l->seq, seq + 2, __ATOMIC_RELEASE);
}

bool answer_cache_put(struct answer_cache *c, const struct fp_key *k,
		      const struct fp_entry_32 *e)
{
	struct fp_cache_line *l, body = { 0 };

	if (!c)
		return false;
	l = line_of(c, k);
	if (l->qlen && l->hash != k->hash)
		return false;
	/* An answer that grew or became steered leaves the line it had. */
	if (e->answer.len > FP_CACHE_DATA || (e->answer.flags & FP_ANSWER_F_POLICY)) {
		if (l->qlen)
			line_write(l, &body);
		return false;
	}
	body.qtype = e->qtype;
	body.qlen = e->qlen;
	body.hash = k->hash;
	memcpy(body.qname, e->qname, sizeof(body.qname));
	body.len = e->answer.len;
	body.ancount = e->answer.ancount;
	body.flags = e->answer.flags;
	body.csum = e->answer.csum;
	memcpy(body.data, e->answer.data, FP_CACHE_DATA);
	line_write(l, &body);
	return true;
}

void answer_cache_drop(struct answer_cache *c, const struct fp_key *k)
{
	struct fp_cache_line *l, empty = { 0 };

	if (!c)
		return;
	l = line_of(c, k);
	if (l->qlen && l->hash == k->hash)
		line_write(l, &empty);
}
