// SPDX-License-Identifier: GPL-2.0-only
/* Keeps the fast path's answer maps equal to the entries of the last full sync,
 * or zone by zone: a userspace set of installed keys tells commit what to
 * delete, remembers each value's hash so an unchanged answer costs no syscall,
 * and lists each zone's keys so one zone's change touches only its keys. */
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

struct ms_zone;

struct ms_entry {
	struct ms_entry	*next;
	uint64_t	hash;
	uint64_t	val_hash;	/* 0: not known to be in the map, write it */
	struct ms_zone	*zone;		/* the zone that installed it (zone syncs) */
	struct ms_entry	*zprev, *znext;	/* its list */
	uint32_t	gen;
	uint16_t	qtype;
	uint8_t		tier;
	uint8_t		stale;		/* not seen yet in this zone sync */
	uint8_t		qname_len;
	uint8_t		qname[];
};

/* One zone's installed entries. */
struct ms_zone {
	struct ms_zone	*next;
	struct ms_entry	*head;
	uint64_t	hash;
	uint8_t		origin_len;
	uint8_t		origin[];
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
	struct ms_zone	**zbuckets;
	size_t		nzbuckets;
	size_t		nzones;
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
	for (i = 0; ms->zbuckets && i < ms->nzbuckets; i++) {
		struct ms_zone *z, *zn;

		for (z = ms->zbuckets[i]; z; z = zn) {
			zn = z->next;
			free(z);
		}
	}
	free(ms->zbuckets);
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

static void zone_list_del(struct ms_entry *ent)
{
	if (!ent->zone)
		return;
	if (ent->zprev)
		ent->zprev->znext = ent->znext;
	else
		ent->zone->head = ent->znext;
	if (ent->znext)
		ent->znext->zprev = ent->zprev;
	ent->zone = NULL;
	ent->zprev = ent->znext = NULL;
}

static void zone_list_add(struct ms_zone *z, struct ms_entry *ent)
{
	ent->zone = z;
	ent->zprev = NULL;
	ent->znext = z->head;
	if (z->head)
		z->head->zprev = ent;
	z->head = ent;
}

void map_sync_begin(struct map_sync *ms)
{
	ms->gen++;
}

/* Installs one entry; for a zone sync, z is the zone whose walk produced it. */
static int ms_put(struct map_sync *ms, const struct fastpath_entry *e, struct ms_zone *z)
{
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
	if (ent && z && ent->zone != z) {
		/* Served by the longest origin, as zone_store_find picks it. */
		if (ent->zone && ent->zone->origin_len > z->origin_len)
			return 0;
		zone_list_del(ent);
		zone_list_add(z, ent);
	}
	if (ent)
		ent->stale = 0;
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
		if (z)
			zone_list_add(z, ent);
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

int map_sync_put(const struct fastpath_entry *e, void *ctx)
{
	return ms_put(ctx, e, NULL);
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
		zone_list_del(ent);
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

/* Queues e's key for deletion in its tier's batch, deleting the batch when it
 * fills; e may be unlinked and freed before this returns. */
static int ms_delete_later(struct map_sync *ms, struct ms_entry *e)
{
	struct fp_answer_key key;
	struct ms_batch *b;

	if (fp_key_build(&key, e->qname, e->qname_len, e->qtype) != e->tier)
		return 0;	/* cannot happen: it was built before */
	b = &ms->batch[e->tier];
	memcpy(b->keys + b->n * fp_key_size(e->tier), &key, fp_key_size(e->tier));
	b->ents[b->n] = e;
	if (++b->n == MS_BATCH)
		return ms_delete_batch(ms, e->tier);
	return 0;
}

/* Deletes what ms_delete_later left queued; the first error, if any. */
static int ms_delete_queued(struct map_sync *ms)
{
	int err, ret = 0, i;

	for (i = 0; i < FP_TIERS; i++) {
		err = ms_delete_batch(ms, i);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

int map_sync_commit(struct map_sync *ms)
{
	struct ms_entry *e, *next;
	int err, ret;
	size_t i;

	ret = ms_flush_all(ms);
	for (i = 0; i < ms->nbuckets; i++) {
		for (e = ms->buckets[i]; e; e = next) {
			next = e->next;
			if (e->gen == ms->gen)
				continue;
			/* Unlinking may free e, so next was taken first; entries
			 * of this bucket after e are untouched. */
			err = ms_delete_later(ms, e);
			if (err && !ret)
				ret = err;
		}
	}
	err = ms_delete_queued(ms);
	return ret ?: err;
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

static struct ms_zone **zone_find(struct map_sync *ms, const uint8_t *origin, size_t len,
				  uint64_t hash)
{
	struct ms_zone **pp = &ms->zbuckets[hash & (ms->nzbuckets - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == hash && (*pp)->origin_len == len &&
		    !memcmp((*pp)->origin, origin, len))
			break;
	return pp;
}

static int zone_grow(struct map_sync *ms)
{
	size_t n = ms->nzbuckets ? ms->nzbuckets * 2 : 256, i;
	struct ms_zone **b, *z, *next;

	b = calloc(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (i = 0; i < ms->nzbuckets; i++) {
		for (z = ms->zbuckets[i]; z; z = next) {
			next = z->next;
			z->next = b[z->hash & (n - 1)];
			b[z->hash & (n - 1)] = z;
		}
	}
	free(ms->zbuckets);
	ms->zbuckets = b;
	ms->nzbuckets = n;
	return 0;
}

/* A lower-cased copy of a wire name; its length or -EINVAL. */
static int lower_name(uint8_t *out, const uint8_t *name)
{
	size_t len = 0, j;

	while (name[len] != 0) {
		uint8_t l = name[len];

		if (l > FP_LABEL_MAX || len + 1 + l >= FP_QNAME_WIRE_MAX - 1)
			return -EINVAL;
		out[len] = l;
		for (j = 1; j <= l; j++) {
			uint8_t c = name[len + j];

			out[len + j] = c >= 'A' && c <= 'Z' ? c + 32 : c;
		}
		len += 1 + l;
	}
	out[len++] = 0;
	return len;
}

/* Deletes the zone's entries still marked stale (all of them when all). */
static int zone_drop_stale(struct map_sync *ms, struct ms_zone *z, bool all)
{
	struct ms_entry *e, *next;
	int err, ret = 0;

	for (e = z->head; e; e = next) {
		next = e->znext;
		if (!all && !e->stale)
			continue;
		err = ms_delete_later(ms, e);
		if (err && !ret)
			ret = err;
	}
	err = ms_delete_queued(ms);
	return ret ?: err;
}

struct zone_put_ctx {
	struct map_sync	*ms;
	struct ms_zone	*z;
};

static int zone_put(const struct fastpath_entry *e, void *arg)
{
	struct zone_put_ctx *c = arg;

	return ms_put(c->ms, e, c->z);
}

int map_sync_zone(struct map_sync *ms, const uint8_t *origin, map_sync_walk_fn walk,
		  const void *src)
{
	uint8_t name[FP_QNAME_WIRE_MAX];
	struct zone_put_ctx c = { .ms = ms };
	struct ms_zone **pp, *z;
	struct ms_entry *e;
	uint64_t h;
	int len, err, ret;

	len = lower_name(name, origin);
	if (len < 0)
		return len;
	if (ms->nzones >= ms->nzbuckets && zone_grow(ms))
		return -ENOMEM;
	h = key_hash(name, len, 0);
	pp = zone_find(ms, name, len, h);
	z = *pp;
	if (!z) {
		z = calloc(1, sizeof(*z) + len);
		if (!z)
			return -ENOMEM;
		z->hash = h;
		z->origin_len = len;
		memcpy(z->origin, name, len);
		*pp = z;
		ms->nzones++;
	}
	for (e = z->head; e; e = e->znext)
		e->stale = 1;
	c.z = z;
	ret = walk(src, zone_put, &c);
	err = ms_flush_all(ms);
	if (!ret)
		ret = err;
	if (ret) {
		/* Keep what was installed; the next sync of this zone retries. */
		for (e = z->head; e; e = e->znext)
			e->stale = 0;
		return ret;
	}
	return zone_drop_stale(ms, z, false);
}

int map_sync_zone_remove(struct map_sync *ms, const uint8_t *origin)
{
	uint8_t name[FP_QNAME_WIRE_MAX];
	struct ms_zone **pp, *z;
	int len, ret;

	len = lower_name(name, origin);
	if (len < 0)
		return len;
	if (!ms->nzbuckets)
		return -ENOENT;
	pp = zone_find(ms, name, len, key_hash(name, len, 0));
	z = *pp;
	if (!z)
		return -ENOENT;
	ret = ms_flush_all(ms);
	if (!ret)
		ret = zone_drop_stale(ms, z, true);
	if (ret)
		return ret;
	if (z->head)
		return -EIO;	/* a delete failed; they stay listed for a retry */
	*pp = z->next;
	ms->nzones--;
	free(z);
	return 0;
}

unsigned long map_sync_count(const struct map_sync *ms)
{
	return ms->count;
}
