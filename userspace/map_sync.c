// SPDX-License-Identifier: GPL-2.0-only
/* Keeps the fast path's answer maps equal to the entries of the last full sync,
 * or zone by zone: a userspace set of installed keys tells commit what to
 * delete, remembers each value's hash so an unchanged answer costs no syscall,
 * and lists each zone's keys so one zone's change touches only its keys.
 * Steered answers also own a slot of the policies map and their CIDR and code
 * rules. A map key is a hash of the query, so two names may share one: the set
 * knows which of them owns it. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "dns_name.h"
#include "fastpath.h"
#include "fp_answer.h"
#include "log.h"
#include "map_sync.h"
#include "policy.h"

#define MS_BATCH	512	/* elements per batched syscall */
#define MS_BUCKETS_MIN	1024
#define MS_ENOTSUPP	524	/* the kernel's ENOTSUPP, not in libc's errno.h */
#define MS_SLOT_GRACE_MS 1000	/* default of map_sync_set_slot_grace */
#define MS_LOG_EVERY_NS	(10 * 1000000000ULL)	/* warnings of one kind, at most */

struct ms_zone;

/*
 * One installed policy: its slot in the policies map, the value written there
 * (for map_sync_fail_open) and the rule keys it added, to delete when it goes.
 * A changed policy gets a new slot: the answer switches to it whole. The old
 * slot is let go only once the map holds the answer naming the new one (if
 * that write fails, the new slot goes instead); then it is zeroed (rr_len 0:
 * an XDP run still holding the old answer passes the query to the engine),
 * its rules deleted, and it rests for the grace time before reuse.
 */
struct ms_policy {
	struct ms_policy	*next, *prev;
	uint64_t		hash;		/* of fp and the keys, slot left out */
	uint32_t		idx;
	struct fp_policy	fp;
	size_t			ncidr4, ncidr6, ncodes;
	struct fp_cidr_v4_key	*cidr4;
	struct fp_cidr_v6_key	*cidr6;
	struct fp_code_key	*codes;
	uint32_t		*cidr4_region, *cidr6_region, *code_region;
};

/* A policy slot no answer names, since when (CLOCK_MONOTONIC ns; 0: never
 * named, free at once). */
struct ms_slot {
	uint32_t	idx;
	uint64_t	since;
};

/*
 * An installed entry. Its hash is its map key, so the bucket chain that holds
 * it holds every other entry of the same key; at most one entry of a tier has
 * a given key (the one that owns the map element), and a name whose key is
 * taken never enters the set.
 */
struct ms_entry {
	struct ms_entry	*next;
	uint64_t	hash;		/* the map key: fp_key under the seed */
	uint64_t	val_hash;	/* 0: not known to be in the map, write it */
	struct ms_zone	*zone;		/* the zone that installed it (zone syncs) */
	struct ms_policy *pol;		/* a steered answer's policy */
	struct ms_policy *newpol;	/* replaces pol once the value is written */
	struct ms_entry	*zprev, *znext;	/* its list */
	uint32_t	gen;
	uint16_t	qtype;
	uint8_t		tier;
	uint8_t		stale;		/* not seen yet in this zone sync */
	uint8_t		pol_pending;	/* newpol (maybe NULL) awaits the write */
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

/* Keys and values (fp_entry_size(tier) bytes each, as the map wants them) on
 * their way into one tier's map, with the set entries they belong to. */
struct ms_batch {
	struct fp_key		*keys;
	uint8_t			*vals;
	struct ms_entry		**ents;
	unsigned int		n;
};

/* At most one warning of a kind every MS_LOG_EVERY_NS, the rest counted. */
struct ms_ratelimit {
	uint64_t	next;		/* no warning before (ns) */
	unsigned long	skipped;	/* held back since the last */
};

struct map_sync {
	int		fds[FP_TIERS];
	uint64_t	seed;		/* the program's name_seed */
	struct ms_entry	**buckets;
	size_t		nbuckets;
	unsigned long	count;
	uint32_t	gen;
	bool		no_batch;	/* the kernel refused a batch op once */
	struct ms_zone	**zbuckets;
	size_t		nzbuckets;
	size_t		nzones;
	struct ms_batch	batch[FP_TIERS];

	/* Policy maps; -1 until map_sync_set_policy_maps. */
	int		pol_fd, cidr4_fd, cidr6_fd, codes_fd;
	struct ms_slot	*rest;		/* cleared slots, oldest first: a ring */
	size_t		rest_head, nrest;
	uint64_t	grace_ns;
	uint32_t	next_idx;	/* slots never used start here */
	struct ms_policy *retired;	/* to clear once the answers moved on */
	struct ms_ratelimit log_room;	/* policy maps full */
	struct ms_ratelimit log_taken;	/* a key another name owns */
	pthread_mutex_t	lock;		/* pols against map_sync_fail_open */
	struct ms_policy *pols;		/* installed */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

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

static uint64_t origin_hash(const uint8_t *origin, size_t len)
{
	return fnv1a(0xcbf29ce484222325ULL, origin, len);
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

/* The entry of @tier that owns @hash, the map key, if any. */
static struct ms_entry *ms_owner(struct map_sync *ms, uint64_t hash, int tier)
{
	struct ms_entry *e = ms->buckets[hash & (ms->nbuckets - 1)];

	for (; e; e = e->next)
		if (e->hash == hash && e->tier == tier)
			return e;
	return NULL;
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

int map_sync_new(struct map_sync **out, const int *answer_fds, uint64_t seed)
{
	struct map_sync *ms;
	int i;

	*out = NULL;
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	ms->seed = seed;
	ms->pol_fd = ms->cidr4_fd = ms->cidr6_fd = ms->codes_fd = -1;
	ms->grace_ns = MS_SLOT_GRACE_MS * 1000000ULL;
	pthread_mutex_init(&ms->lock, NULL);
	ms->nbuckets = MS_BUCKETS_MIN;
	ms->buckets = calloc(ms->nbuckets, sizeof(*ms->buckets));
	if (!ms->buckets)
		goto err;
	for (i = 0; i < FP_TIERS; i++) {
		ms->fds[i] = answer_fds[i];
		ms->batch[i].keys = calloc(MS_BATCH, sizeof(struct fp_key));
		ms->batch[i].vals = calloc(MS_BATCH, fp_entry_size(i));
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

static void pol_free(struct ms_policy *p)
{
	if (!p)
		return;
	free(p->cidr4);
	free(p->cidr6);
	free(p->codes);
	free(p->cidr4_region);
	free(p->cidr6_region);
	free(p->code_region);
	free(p);
}

void map_sync_free(struct map_sync *ms)
{
	struct ms_entry *e, *next;
	struct ms_policy *p, *pn;
	size_t i;

	if (!ms)
		return;
	for (i = 0; ms->buckets && i < ms->nbuckets; i++) {
		for (e = ms->buckets[i]; e; e = next) {
			next = e->next;
			pol_free(e->pol);
			pol_free(e->newpol);
			free(e);
		}
	}
	for (p = ms->retired; p; p = pn) {
		pn = p->next;
		pol_free(p);
	}
	free(ms->rest);
	pthread_mutex_destroy(&ms->lock);
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

static void pol_retire(struct map_sync *ms, struct ms_policy *p);

/* The value queued for ent was written, or not: the policy the map's value
 * names keeps its slot, the other one goes. */
static void ent_settle(struct map_sync *ms, struct ms_entry *ent, bool written)
{
	if (!ent->pol_pending)
		return;
	if (written) {
		pol_retire(ms, ent->pol);
		ent->pol = ent->newpol;
	} else {
		pol_retire(ms, ent->newpol);
	}
	ent->newpol = NULL;
	ent->pol_pending = 0;
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
	size_t vs = fp_entry_size(tier);
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
			/* The kernel reports how far it got; a refusal
			 * before the first element leaves count as it was. */
			err = -errno;
			done = count < b->n ? count : 0;
			if (batch_unsupported(err)) {
				log_info("answers map: batch update: %s; updating one by one",
					 strerror(-err));
				ms->no_batch = true;
			}
			err = 0;
		}
	}
	for (i = done; i < b->n; i++) {
		if (bpf_map_update_elem(ms->fds[tier], &b->keys[i], b->vals + i * vs, BPF_ANY)) {
			err = -errno;
			log_warn("answers map %d: update: %s", tier, strerror(-err));
			break;
		}
	}
	done = i;
	for (i = 0; i < done; i++)
		ent_settle(ms, b->ents[i], true);
	for (; i < b->n; i++) {
		b->ents[i]->val_hash = 0;
		ent_settle(ms, b->ents[i], false);
	}
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

/*
 * The policy of a steered entry as the maps take it, its slot not chosen yet:
 * rr_len and each record's checksum come from the encoded answer, the rule
 * keys from the compiled rules. -EINVAL when the records do not line up.
 */
static int pol_build(const struct fastpath_entry *e, struct ms_policy **out)
{
	const struct policy *pol = e->policy;
	struct ms_policy *p;
	size_t i, n4 = 0, n6 = 0, rr_len;
	uint64_t h;

	*out = NULL;
	if (!e->ancount || e->ancount != pol->fp.nrecords || e->ancount > FP_POLICY_RECORDS_MAX ||
	    e->answer_len % e->ancount)
		return -EINVAL;
	rr_len = e->answer_len / e->ancount;
	if (rr_len > UINT8_MAX || (rr_len & 1))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fp = pol->fp;
	p->fp.rr_len = rr_len;
	memset(p->fp.csum, 0, sizeof(p->fp.csum));
	for (i = 0; i < e->ancount; i++)
		p->fp.csum[i] = fp_csum16(e->answer + i * rr_len, rr_len);

	for (i = 0; i < pol->ncidrs; i++) {
		if (pol->cidrs[i].family == AF_INET)
			n4++;
		else
			n6++;
	}
	p->cidr4 = calloc(n4 ?: 1, sizeof(*p->cidr4));
	p->cidr4_region = calloc(n4 ?: 1, sizeof(uint32_t));
	p->cidr6 = calloc(n6 ?: 1, sizeof(*p->cidr6));
	p->cidr6_region = calloc(n6 ?: 1, sizeof(uint32_t));
	p->codes = calloc(pol->ncodes ?: 1, sizeof(*p->codes));
	p->code_region = calloc(pol->ncodes ?: 1, sizeof(uint32_t));
	if (!p->cidr4 || !p->cidr4_region || !p->cidr6 || !p->cidr6_region || !p->codes ||
	    !p->code_region) {
		pol_free(p);
		return -ENOMEM;
	}
	for (i = 0; i < pol->ncidrs; i++) {
		const struct policy_cidr *c = &pol->cidrs[i];

		if (c->family == AF_INET) {
			p->cidr4[p->ncidr4].prefixlen = 32 + (c->len > 32 ? 32 : c->len);
			memcpy(p->cidr4[p->ncidr4].addr, c->addr, 4);
			p->cidr4_region[p->ncidr4++] = c->region;
		} else {
			p->cidr6[p->ncidr6].prefixlen = 32 + (c->len > 128 ? 128 : c->len);
			memcpy(p->cidr6[p->ncidr6].addr, c->addr, 16);
			p->cidr6_region[p->ncidr6++] = c->region;
		}
	}
	for (i = 0; i < pol->ncodes; i++) {
		p->codes[i].kind = pol->codes[i].kind;
		memcpy(p->codes[i].code, pol->codes[i].code, 2);
		p->code_region[i] = pol->codes[i].region;
	}
	p->ncodes = pol->ncodes;

	h = fnv1a(0xcbf29ce484222325ULL, &p->fp, sizeof(p->fp));
	h = fnv1a(h, p->cidr4, p->ncidr4 * sizeof(*p->cidr4));
	h = fnv1a(h, p->cidr4_region, p->ncidr4 * sizeof(uint32_t));
	h = fnv1a(h, &p->ncidr4, sizeof(p->ncidr4));
	h = fnv1a(h, p->cidr6, p->ncidr6 * sizeof(*p->cidr6));
	h = fnv1a(h, p->cidr6_region, p->ncidr6 * sizeof(uint32_t));
	h = fnv1a(h, &p->ncidr6, sizeof(p->ncidr6));
	h = fnv1a(h, p->codes, p->ncodes * sizeof(*p->codes));
	h = fnv1a(h, p->code_region, p->ncodes * sizeof(uint32_t));
	p->hash = h;
	*out = p;
	return 0;
}

/* Deletes a policy's rule keys (a missing one is fine); the first error. */
static int pol_delete_keys(struct map_sync *ms, const struct ms_policy *p, size_t n4, size_t n6,
			   size_t nc)
{
	int err = 0;
	size_t i;

	for (i = 0; i < n4; i++)
		if (bpf_map_delete_elem(ms->cidr4_fd, &p->cidr4[i]) && errno != ENOENT && !err)
			err = -errno;
	for (i = 0; i < n6; i++)
		if (bpf_map_delete_elem(ms->cidr6_fd, &p->cidr6[i]) && errno != ENOENT && !err)
			err = -errno;
	for (i = 0; i < nc; i++)
		if (bpf_map_delete_elem(ms->codes_fd, &p->codes[i]) && errno != ENOENT && !err)
			err = -errno;
	if (err)
		log_warn("policy maps: delete the rules of policy %u: %s", p->idx, strerror(-err));
	return err;
}

/* The oldest resting slot once it has rested long enough, else one never
 * used; -ENOSPC when neither is there. */
static int slot_take(struct map_sync *ms, uint32_t *idx)
{
	struct ms_slot *s = &ms->rest[ms->rest_head];

	if (ms->nrest && (!s->since || now_ns() - s->since >= ms->grace_ns)) {
		*idx = s->idx;
		ms->rest_head = (ms->rest_head + 1) % FP_POLICIES_MAX;
		ms->nrest--;
		return 0;
	}
	if (ms->next_idx < FP_POLICIES_MAX) {
		*idx = ms->next_idx++;
		return 0;
	}
	return -ENOSPC;
}

/* A slot taken and not named after all: first in line again. */
static void slot_untake(struct map_sync *ms, uint32_t idx)
{
	ms->rest_head = (ms->rest_head + FP_POLICIES_MAX - 1) % FP_POLICIES_MAX;
	ms->rest[ms->rest_head] = (struct ms_slot){ .idx = idx };
	ms->nrest++;
}

static void slot_rest(struct map_sync *ms, uint32_t idx, uint64_t now)
{
	ms->rest[(ms->rest_head + ms->nrest) % FP_POLICIES_MAX] =
		(struct ms_slot){ .idx = idx, .since = now ?: 1 };
	ms->nrest++;
}

/* Takes a slot and writes the rules, then the policy: nothing names the slot
 * yet, so the order only matters against a failure halfway. */
static int pol_install(struct map_sync *ms, struct ms_policy *p)
{
	size_t i, n4 = 0, n6 = 0, nc = 0;
	int err = 0;

	err = slot_take(ms, &p->idx);
	if (err)
		return err;
	for (i = 0; i < p->ncidr4; i++)
		p->cidr4[i].policy = htonl(p->idx);
	for (i = 0; i < p->ncidr6; i++)
		p->cidr6[i].policy = htonl(p->idx);
	for (i = 0; i < p->ncodes; i++)
		p->codes[i].policy = p->idx;

	for (; n4 < p->ncidr4; n4++)
		if (bpf_map_update_elem(ms->cidr4_fd, &p->cidr4[n4], &p->cidr4_region[n4], BPF_ANY))
			goto fail;
	for (; n6 < p->ncidr6; n6++)
		if (bpf_map_update_elem(ms->cidr6_fd, &p->cidr6[n6], &p->cidr6_region[n6], BPF_ANY))
			goto fail;
	for (; nc < p->ncodes; nc++)
		if (bpf_map_update_elem(ms->codes_fd, &p->codes[nc], &p->code_region[nc], BPF_ANY))
			goto fail;
	if (bpf_map_update_elem(ms->pol_fd, &p->idx, &p->fp, BPF_ANY))
		goto fail;

	pthread_mutex_lock(&ms->lock);
	p->prev = NULL;
	p->next = ms->pols;
	if (ms->pols)
		ms->pols->prev = p;
	ms->pols = p;
	pthread_mutex_unlock(&ms->lock);
	return 0;
fail:
	err = -errno;
	log_warn("policy maps: install policy %u: %s", p->idx, strerror(-err));
	pol_delete_keys(ms, p, n4, n6, nc);
	slot_untake(ms, p->idx);
	return err;
}

/* No answer names p (or will, once the queued deletes are done): its slot is
 * cleared and its rules go at the end of the sync (ms_reap). */
static void pol_retire(struct map_sync *ms, struct ms_policy *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&ms->lock);
	if (p->prev)
		p->prev->next = p->next;
	else
		ms->pols = p->next;
	if (p->next)
		p->next->prev = p->prev;
	pthread_mutex_unlock(&ms->lock);
	p->prev = NULL;
	p->next = ms->retired;
	ms->retired = p;
}

/* After the answers that named them were rewritten or deleted: the slot is
 * zeroed first, so a late reader finds rr_len 0 rather than rules going, and
 * rests before reuse. */
static void ms_reap(struct map_sync *ms)
{
	static const struct fp_policy zero;
	struct ms_policy *p, *next;
	uint64_t now = ms->retired ? now_ns() : 0;

	for (p = ms->retired; p; p = next) {
		next = p->next;
		if (bpf_map_update_elem(ms->pol_fd, &p->idx, &zero, BPF_ANY))
			log_warn("policy maps: clear policy %u: %s", p->idx, strerror(errno));
		pol_delete_keys(ms, p, p->ncidr4, p->ncidr6, p->ncodes);
		slot_rest(ms, p->idx, now);
		pol_free(p);
	}
	ms->retired = NULL;
}

void map_sync_set_policy_maps(struct map_sync *ms, int policies_fd, int cidr4_fd, int cidr6_fd,
			      int codes_fd)
{
	if (!ms->rest) {
		ms->rest = calloc(FP_POLICIES_MAX, sizeof(*ms->rest));
		if (!ms->rest) {
			log_err("policy maps: out of memory; steered answers stay with the engine");
			return;
		}
	}
	ms->pol_fd = policies_fd;
	ms->cidr4_fd = cidr4_fd;
	ms->cidr6_fd = cidr6_fd;
	ms->codes_fd = codes_fd;
}

void map_sync_set_slot_grace(struct map_sync *ms, unsigned int msec)
{
	ms->grace_ns = msec * 1000000ULL;
}

unsigned long map_sync_fail_open(struct map_sync *ms, const struct fp_health *h)
{
	uint8_t order[FP_POLICY_RECORDS_MAX];
	const struct ms_policy *p;
	unsigned long n = 0;
	uint32_t r;
	int fail_open;

	if (!ms || !h)
		return 0;
	pthread_mutex_lock(&ms->lock);
	for (p = ms->pols; p; p = p->next) {
		for (r = 0; r < p->fp.nregions && r < FP_POLICY_REGIONS_MAX; r++) {
			fp_policy_select(&p->fp, r, h, 0, order, &fail_open);
			n += fail_open;
		}
	}
	pthread_mutex_unlock(&ms->lock);
	return n;
}

/* Whether a warning of rl's kind may go out now; if so, *skipped is how many
 * were held back before it. */
static bool log_allow(struct ms_ratelimit *rl, unsigned long *skipped)
{
	uint64_t now = now_ns();

	if (now < rl->next) {
		rl->skipped++;
		return false;
	}
	*skipped = rl->skipped;
	rl->next = now + MS_LOG_EVERY_NS;
	rl->skipped = 0;
	return true;
}

static void name_text(char *buf, size_t size, const uint8_t *qname)
{
	if (dns_name_to_text(buf, size, qname) < 0)
		strcpy(buf, "?");
}

/* A steered entry left to the engine for want of room in the policy maps;
 * one warning per name, but at most one every MS_LOG_EVERY_NS. */
static void log_no_room(struct map_sync *ms, const struct fastpath_entry *e, int err)
{
	char name[DNS_NAME_TEXT_MAX];
	unsigned long skipped;

	if (!log_allow(&ms->log_room, &skipped))
		return;
	name_text(name, sizeof(name), e->qname);
	log_warn("policy maps: no room for the policy of %s (qtype %u): %s; the engine answers "
		 "it (%lu more such names not logged)", name, e->qtype, strerror(-err), skipped);
}

/* An entry left to the engine because another name owns its key: as rare as
 * a 64-bit collision under a random seed, so worth a warning, rate-limited
 * all the same. */
static void log_key_taken(struct map_sync *ms, const struct fastpath_entry *e,
			  const struct ms_entry *owner)
{
	char name[DNS_NAME_TEXT_MAX], other[DNS_NAME_TEXT_MAX];
	unsigned long skipped;

	if (!log_allow(&ms->log_taken, &skipped))
		return;
	name_text(name, sizeof(name), e->qname);
	name_text(other, sizeof(other), owner->qname);
	log_warn("answers map: %s (qtype %u) has the key of %s (qtype %u); the engine answers "
		 "it (%lu more such names not logged)", name, e->qtype, other, owner->qtype,
		 skipped);
}

/* Installs one entry; for a zone sync, z is the zone whose walk produced it. */
static int ms_put(struct map_sync *ms, const struct fastpath_entry *e, struct ms_zone *z)
{
	struct ms_policy *pol = NULL, *newpol = NULL;
	struct fp_answer ans;
	struct fp_entry val;
	struct fp_key key;
	struct ms_entry **pp, *ent, *owner;
	const uint8_t *qname;
	struct ms_batch *b;
	uint64_t h, vh;
	int tier, err;

	/* Without the policy maps the program could not steer: the engine
	 * answers, and an older value goes at commit. */
	if (e->policy && ms->pol_fd < 0)
		return 0;
	err = fp_answer_build(&ans, e->answer, e->answer_len, e->ancount,
			      (e->pass_do ? FP_ANSWER_F_PASS_DO : 0) |
			      (e->policy ? FP_ANSWER_F_POLICY : 0));
	if (err) {
		/* Too big for the fast path: the engine answers it, and commit
		 * removes an older value that may still be installed. */
		log_debug("answers map: entry not cached (qtype %u, %u bytes): %s", e->qtype,
			  e->answer_len, strerror(-err));
		return 0;
	}
	tier = fp_entry_build(&val, &key, ms->seed, e->qname, e->qname_len, e->qtype, &ans);
	if (tier < 0 || tier >= FP_TIERS) {
		log_warn("answers map: bad entry name (qtype %u): %s", e->qtype,
			 strerror(tier < 0 ? -tier : EINVAL));
		return 0;
	}
	/* The set, as the map, knows the name lower-cased. */
	qname = (const uint8_t *)val.qname;
	h = key.hash;
	pp = ms_find(ms, h, qname, e->qname_len, e->qtype);
	ent = *pp;
	if (!ent) {
		/* One value per key: the name installed first keeps it,
		 * whichever sync produced it, and this one is the engine's
		 * until the owner goes; then the next sync that produces it
		 * installs it. Nothing of it is recorded, so no delete of it
		 * can reach the owner's element. */
		owner = ms_owner(ms, h, tier);
		if (owner) {
			log_key_taken(ms, e, owner);
			return 0;
		}
	}
	if (e->policy) {
		err = pol_build(e, &pol);
		if (err == -EINVAL) {
			log_warn("policy maps: records of a steered entry (qtype %u) do not line "
				 "up; the engine answers it", e->qtype);
			return 0;
		}
		if (err)
			return err;
	}

	if (ent && ent->pol_pending) {
		/* The same key twice in one sync: settle the first value. */
		err = ms_flush(ms, tier);
		if (err) {
			pol_free(pol);
			return err;
		}
	}
	if (ent && z && ent->zone != z) {
		/* Served by the longest origin, as zone_store_find picks it. */
		if (ent->zone && ent->zone->origin_len > z->origin_len) {
			pol_free(pol);
			return 0;
		}
		zone_list_del(ent);
		zone_list_add(z, ent);
	}
	if (pol) {
		if (ent && ent->pol && ent->pol->hash == pol->hash) {
			/* Unchanged: the slot stays. */
			val.answer.policy = ent->pol->idx;
			pol_free(pol);
		} else {
			err = pol_install(ms, pol);
			if (err == -ENOSPC || err == -E2BIG || err == -ENOMEM) {
				/* As for an answer too big: the engine answers,
				 * an older value goes as stale, the rest syncs. */
				log_no_room(ms, e, err);
				pol_free(pol);
				if (ent && z)
					ent->stale = 1;
				return 0;
			}
			if (err) {
				pol_free(pol);
				return err;
			}
			newpol = pol;
			val.answer.policy = pol->idx;
		}
	}
	if (ent)
		ent->stale = 0;
	vh = val_hash(&val.answer);
	if (ent && ent->val_hash == vh && !newpol) {
		ent->gen = ms->gen;
		return 0;
	}
	if (!ent) {
		if (ms->count >= ms->nbuckets && ms_grow(ms) == 0)
			pp = ms_find(ms, h, qname, e->qname_len, e->qtype);
		ent = calloc(1, sizeof(*ent) + e->qname_len);
		if (!ent) {
			pol_retire(ms, newpol);
			return -ENOMEM;
		}
		ent->hash = h;
		ent->qtype = e->qtype;
		ent->tier = tier;
		ent->qname_len = e->qname_len;
		memcpy(ent->qname, qname, e->qname_len);
		*pp = ent;
		ms->count++;
		if (z)
			zone_list_add(z, ent);
	}
	ent->gen = ms->gen;
	ent->val_hash = vh;
	/* Both policies stay until the flush knows which one the map names. */
	if (newpol || (!e->policy && ent->pol)) {
		ent->newpol = newpol;
		ent->pol_pending = 1;
	}

	b = &ms->batch[tier];
	b->keys[b->n] = key;
	memcpy(b->vals + b->n * fp_entry_size(tier), &val, fp_entry_size(tier));
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
static int ms_delete_keys(struct map_sync *ms, int tier, const struct fp_key *keys,
			  unsigned int n, bool *ok)
{
	unsigned int done = 0, i;
	int err = 0;

	if (!ms->no_batch && n > 1) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = n;

		if (bpf_map_delete_batch(ms->fds[tier], keys, &count, &opts) == 0) {
			done = n;
		} else {
			err = -errno;
			done = count < n ? count : 0;
			if (batch_unsupported(err))
				ms->no_batch = true;
			err = 0;
		}
	}
	for (i = 0; i < done; i++)
		ok[i] = true;
	for (; i < n; i++) {
		ok[i] = !bpf_map_delete_elem(ms->fds[tier], &keys[i]) || errno == ENOENT;
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
		pol_retire(ms, ent->pol);
		pol_retire(ms, ent->newpol);	/* none: deletes follow a flush */
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
 * fills; e may be unlinked and freed before this returns. An entry of the set
 * owns its key: the element deleted is its own. */
static int ms_delete_later(struct map_sync *ms, struct ms_entry *e)
{
	struct ms_batch *b = &ms->batch[e->tier];

	b->keys[b->n].hash = e->hash;
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
	ms_reap(ms);
	return ret ?: err;
}

int map_sync_delete(struct map_sync *ms, const uint8_t *qname, uint16_t qtype)
{
	uint8_t name[FP_QNAME_WIRE_MAX];
	struct fp_entry cur;
	struct fp_key key;
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
	tier = fp_key_build(&key, ms->seed, name, len, qtype);
	if (tier < 0 || tier >= FP_TIERS)
		return tier < 0 ? tier : -EINVAL;
	pp = ms_find(ms, key.hash, name, len, qtype);
	/* Not in the set: the key's element is another name's (one the set
	 * owns, or one left by someone else), unless it names this query. */
	if (!*pp && (ms_owner(ms, key.hash, tier) ||
		     bpf_map_lookup_elem(ms->fds[tier], &key, &cur) ||
		     !fp_entry_matches(&cur, tier, name, len, qtype)))
		goto out;
	err = ms_delete_keys(ms, tier, &key, 1, &ok);
	if (err)
		return err;
	if (*pp)
		ms_unlink(ms, *pp);
out:
	ms_reap(ms);	/* also what the flush retired */
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
	h = origin_hash(name, len);
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
		ms_reap(ms);
		return ret;
	}
	ret = zone_drop_stale(ms, z, false);
	ms_reap(ms);
	return ret;
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
	pp = zone_find(ms, name, len, origin_hash(name, len));
	z = *pp;
	if (!z)
		return -ENOENT;
	ret = ms_flush_all(ms);
	if (!ret)
		ret = zone_drop_stale(ms, z, true);
	ms_reap(ms);
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
