// SPDX-License-Identifier: GPL-2.0-only
/* Keeps the fast path's answer maps equal to the entries of the last full sync:
 * a userspace set of installed keys tells commit what to delete, and remembers
 * each value's hash so an unchanged answer costs no syscall. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "fastpath.h"
#include "fp_answer.h"
#include "log.h"
#include "map_sync.h"

#define MS_BATCH	512	/* elements per batched syscall */
#define MS_BUCKETS_MIN	1024
#define MS_ENOTSUPP	524	/* the kernel's ENOTSUPP, not in libc's errno.h */

struct ms_entry {
	struct ms_entry	*next;
	uint64_t	hash;
	uint64_t	val_hash;	/* 0: not known to be in the map, write it */
	uint32_t	gen;
	uint16_t	qtype;
	uint8_t		tier;
	uint8_t		qname_len;
	uint8_t		qname[];
};

/* Keys (4 + tier bytes each, as the map wants them) and values on their way
 * into one tier's map, with the set entries they belong to. */
struct ms_batch {
	uint8_t			*keys;
	struct fp_answer	*vals;
	struct ms_entry		**ents;
	unsigned int		n;
};

struct map_sync {
	int		fds[FP_TIERS];
	struct ms_entry	**buckets;
	size_t		nbuckets;
	unsigned long	count;
	uint32_t	gen;
	bool		no_batch;	/* the kernel refused a batch op once */
	struct ms_batch	batch[FP_TIERS];
};

/* FNV-1a, 64 bits; never 0, which means "unknown" for values. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t key_hash(const uint8_t *qname, uint8_t len, uint16_t qtype)
{
	uint64_t h = fnv1a(0xcbf29ce484222325ULL, &qtype, sizeof(qtype));

	return fnv1a(h, qname, len);
}

static uint64_t val_hash(const struct fp_answer *val)
{
	uint64_t h = fnv1a(0xcbf29ce484222325ULL, val, offsetof(struct fp_answer, data));

	h = fnv1a(h, val->data, val->len);
	return h ?: 1;
}

static struct ms_entry **ms_find(struct map_sync *ms, uint64_t hash, const uint8_t *qname,
				 uint8_t len, uint16_t qtype)
{
	struct ms_entry **pp = &ms->buckets[hash & (ms->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		struct ms_entry *e = *pp;

		if (e->hash == hash && e->qtype == qtype && e->qname_len == len &&
		    !memcmp(e->qname, qname, len))
			return pp;
	}
	return pp;
}

static int ms_grow(struct map_sync *ms)
{
	size_t n = ms->nbuckets * 2, i;
	struct ms_entry **b, *e, *next;

	b = calloc(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (i = 0; i < ms->nbuckets; i++) {
		for (e = ms->buckets[i]; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(ms->buckets);
	ms->buckets = b;
	ms->nbuckets = n;
	return 0;
}

int map_sync_new(struct map_sync **out, const int *answer_fds)
{
	struct map_sync *ms;
	int i;

	*out = NULL;
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	ms->nbuckets = MS_BUCKETS_MIN;
	ms->buckets = calloc(ms->nbuckets, sizeof(*ms->buckets));
	if (!ms->buckets)
		goto err;
	for (i = 0; i < FP_TIERS; i++) {
		ms->fds[i] = answer_fds[i];
		ms->batch[i].keys = calloc(MS_BATCH, fp_key_size(i));
		ms->batch[i].vals = calloc(MS_BATCH, sizeof(struct fp_answer));
		ms->batch[i].ents = calloc(MS_BATCH, sizeof(struct ms_entry *));
		if (!ms->batch[i].keys || !ms->batch[i].vals || !ms->batch[i].ents)
			goto err;
	}
	*out = ms;
	return 0;
err:
	map_sync_free(ms);
	return -ENOMEM;
}

void map_sync_free(struct map_sync *ms)
{
	struct ms_entry *e, *next;
	size_t i;

	if (!ms)
		return;
	for (i = 0; ms->buckets && i < ms->nbuckets; i++) {
		for (e = ms->buckets[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	for (i = 0; i < FP_TIERS; i++) {
		free(ms->batch[i].keys);
		free(ms->batch[i].vals);
		free(ms->batch[i].ents);
	}
	free(ms->buckets);
	free(ms);
}

static bool batch_unsupported(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -MS_ENOTSUPP;
}

/* Writes one tier's queued values; what could not be written is marked
 * unknown so the next sync writes it again. */
static int ms_flush(struct map_sync *ms, int tier)
{
	struct ms_batch *b = &ms->batch[tier];
	size_t ks = fp_key_size(tier);
	unsigned int done = 0, i;
	int err = 0;

	if (!b->n)
		return 0;
	if (!ms->no_batch) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
		__u32 count = b->n;

		if (bpf_map_update_batch(ms->fds[tier], b->keys, b->vals, &count, &opts) == 0) {
			done = b->n;
		} else {
			err = -errno;
			done = count <= b->n ? count : 0;
			if (batch_unsupported(err)) {
				log_info("answers map: batch update: %s; updating one by one",
					 strerror(-err));
				ms->no_batch = true;
			}
			err = 0;
		}
	}
	for (i = done; i < b->n; i++) {
		if (bpf_map_update_elem(ms->fds[tier], b->keys + i * ks, &b->vals[i], BPF_ANY)) {
			err = -errno;
			log_warn("answers map %d: update: %s", tier, strerror(-err));
			break;
		}
	}
	for (; i < b->n; i++)
		b->ents[i]->val_hash = 0;
	b->n = 0;
	return err;
}

static int ms_flush_all(struct map_sync *ms)
{
	int i, err, ret = 0;

	for (i = 0; i < FP_TIERS; i++) {
		err = ms_flush(ms, i);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

void map_sync_begin(struct map_sync *ms)
{
	ms->gen++;
}

int map_sync_put(const struct fastpath_entry *e, void *ctx)
{
	struct map_sync *ms = ctx;
	struct fp_answer_key key;
	struct fp_answer val;
	struct ms_entry **pp, *ent;
	struct ms_batch *b;
	uint64_t h, vh;
	int tier, err;

	tier = fp_key_build(&key, e->qname, e->qname_len, e->qtype);
	if (tier < 0 || tier >= FP_TIERS) {
		log_warn("answers map: bad entry name (qtype %u): %s", e->qtype,
			 strerror(tier < 0 ? -tier : EINVAL));
		return 0;
	}
	err = fp_answer_build(&val, e->answer, e->answer_len, e->ancount,
			      e->pass_do ? FP_ANSWER_F_PASS_DO : 0);
	if (err) {
		/* Too big for the fast path: the engine answers it, and commit
		 * removes an older value that may still be installed. */
		log_debug("answers map: entry not cached (qtype %u, %u bytes): %s", e->qtype,
			  e->answer_len, strerror(-err));
		return 0;
	}

	h = key_hash(e->qname, e->qname_len, e->qtype);
	vh = val_hash(&val);
	pp = ms_find(ms, h, e->qname, e->qname_len, e->qtype);
	ent = *pp;
	if (ent && ent->val_hash == vh) {
		ent->gen = ms->gen;
		return 0;
	}
	if (!ent) {
		if (ms->count >= ms->nbuckets && ms_grow(ms) == 0)
			pp = ms_find(ms, h, e->qname, e->qname_len, e->qtype);
		ent = calloc(1, sizeof(*ent) + e->qname_len);
		if (!ent)
			return -ENOMEM;
		ent->hash = h;
		ent->qtype = e->qtype;
		ent->tier = tier;
		ent->qname_len = e->qname_len;
		memcpy(ent->qname, e->qname, e->qname_len);
		*pp = ent;
		ms->count++;
	}
	ent->gen = ms->gen;
	ent->val_hash = vh;

	b = &ms->batch[tier];
	memcpy(b->keys + b->n * fp_key_size(tier), &key, fp_key_size(tier));
	b->vals[b->n] = val;
	b->ents[b->n] = ent;
	if (++b->n == MS_BATCH)
		return ms_flush(ms, tier);
	return 0;
}

/* Removes one tier's keys[0..n) from the map; ENOENT counts as done. Marks
 * each done entry with ok[i]. */
static int ms_delete_keys(struct map_sync *ms, int tier, const uint8_t *keys, unsigned int n,
			  bool *ok)
{
	size_t ks = fp_key_size(tier);
	unsigned int done = 0, i;
	int err = 0;

	if (!ms->no_batch && n > 1) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = n;

		if (bpf_map_delete_batch(ms->fds[tier], keys, &count, &opts) == 0) {
			done = n;
		} else {
			err = -errno;
			done = count <= n ? count : 0;
			if (batch_unsupported(err))
				ms->no_batch = true;
			err = 0;
		}
	}
	for (i = 0; i < done; i++)
		ok[i] = true;
	for (; i < n; i++) {
		ok[i] = !bpf_map_delete_elem(ms->fds[tier], keys + i * ks) || errno == ENOENT;
		if (!ok[i] && !err) {
			err = -errno;
			log_warn("answers map %d: delete: %s", tier, strerror(-err));
		}
	}
	return err;
}

static void ms_unlink(struct map_sync *ms, struct ms_entry *ent)
{
	struct ms_entry **pp = ms_find(ms, ent->hash, ent->qname, ent->qname_len, ent->qtype);

	if (*pp == ent) {
		*pp = ent->next;
		ms->count--;
		free(ent);
	}
}

/* Deletes the queued entries of one tier (their keys in b->keys) from the
 * map and from the set; a failed one stays in the set and is retried. */
static int ms_delete_batch(struct map_sync *ms, int tier)
{
	struct ms_batch *b = &ms->batch[tier];
	bool ok[MS_BATCH];
	unsigned int i;
	int err;

	if (!b->n)
		return 0;
	err = ms_delete_keys(ms, tier, b->keys, b->n, ok);
	for (i = 0; i < b->n; i++)
		if (ok[i])
			ms_unlink(ms, b->ents[i]);
	b->n = 0;
	return err;
}

int map_sync_commit(struct map_sync *ms)
{
	struct fp_answer_key key;
	struct ms_entry *e, *next;
	struct ms_batch *b;
	int err, ret;
	size_t i;

	ret = ms_flush_all(ms);
	for (i = 0; i < ms->nbuckets; i++) {
		for (e = ms->buckets[i]; e; e = next) {
			next = e->next;
			if (e->gen == ms->gen)
				continue;
			if (fp_key_build(&key, e->qname, e->qname_len, e->qtype) != e->tier)
				continue;	/* cannot happen: it was built before */
			b = &ms->batch[e->tier];
			memcpy(b->keys + b->n * fp_key_size(e->tier), &key, fp_key_size(e->tier));
			b->ents[b->n] = e;
			/* Unlinking may free e, so next was taken first; entries
			 * of this bucket after e are untouched. */
			if (++b->n == MS_BATCH) {
				err = ms_delete_batch(ms, e->tier);
				if (err && !ret)
					ret = err;
			}
		}
	}
	for (i = 0; i < FP_TIERS; i++) {
		err = ms_delete_batch(ms, i);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

int map_sync_delete(struct map_sync *ms, const uint8_t *qname, uint16_t qtype)
{
	uint8_t name[FP_QNAME_WIRE_MAX];
	struct fp_answer_key key;
	struct ms_entry **pp;
	size_t len = 0;
	bool ok;
	int tier, err;

	/* Lower-cased copy of a well-formed uncompressed wire name. */
	while (len < FP_QNAME_WIRE_MAX - 1 && qname[len] != 0) {
		uint8_t l = qname[len];
		size_t j;

		if (l > FP_LABEL_MAX || len + 1 + l >= FP_QNAME_WIRE_MAX - 1)
			return -EINVAL;
		name[len] = l;
		for (j = 1; j <= l; j++) {
			uint8_t c = qname[len + j];

			name[len + j] = c >= 'A' && c <= 'Z' ? c + 32 : c;
		}
		len += 1 + l;
	}
	if (qname[len] != 0)
		return -EINVAL;
	name[len++] = 0;

	err = ms_flush_all(ms);
	if (err)
		return err;
	tier = fp_key_build(&key, name, len, qtype);
	if (tier < 0 || tier >= FP_TIERS)
		return tier < 0 ? tier : -EINVAL;
	err = ms_delete_keys(ms, tier, (const uint8_t *)&key, 1, &ok);
	if (err)
		return err;
	pp = ms_find(ms, key_hash(name, len, qtype), name, len, qtype);
	if (*pp)
		ms_unlink(ms, *pp);
	return 0;
}

unsigned long map_sync_count(const struct map_sync *ms)
{
	return ms->count;
}
