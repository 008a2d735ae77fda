// SPDX-License-Identifier: GPL-2.0-only
/* The set of hosted zones: an RCU-protected hash table of origins, each entry
 * pointing at its zone's current version. Writers serialise on a mutex; readers
 * take no lock at all. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "zone_store.h"

/* One hosted origin; its version pointer is swapped in place on reload. */
struct zs_entry {
	struct rcu_head		rcu;
	struct zone		*zone;		/* rcu */
	uint32_t		hash;
	uint8_t			origin_len;
	uint8_t			origin[DNS_NAME_MAX];
};

/* Chains hold links, not entries, so a resize can build new chains while
 * readers still walk the old ones. */
struct zs_link {
	struct zs_link		*next;		/* rcu */
	struct zs_entry		*entry;
};

struct zs_table {
	struct rcu_head		rcu;
	size_t			mask;
	struct zs_link		*buckets[];	/* rcu */
};

struct zone_store {
	struct zs_table		*tbl;		/* rcu */
	pthread_mutex_t		lock;		/* writers */
	size_t			count;
	size_t			max_len;	/* longest origin: shorter suffixes only */
};

static struct zs_table *table_new(size_t nbuckets)
{
	struct zs_table *t = calloc(1, sizeof(*t) + nbuckets * sizeof(t->buckets[0]));

	if (t)
		t->mask = nbuckets - 1;
	return t;
}

static void table_free(struct zs_table *t, bool with_entries)
{
	struct zs_link *l, *next;
	size_t i;

	for (i = 0; i <= t->mask; i++) {
		for (l = t->buckets[i]; l; l = next) {
			next = l->next;
			if (with_entries) {
				zone_free(l->entry->zone);
				free(l->entry);
			}
			free(l);
		}
	}
	free(t);
}

static void table_free_rcu(struct rcu_head *head)
{
	table_free(caa_container_of(head, struct zs_table, rcu), false);
}

static void zone_free_rcu(struct rcu_head *head)
{
	zone_free(caa_container_of(head, struct zone, rcu));
}

static void entry_free_rcu(struct rcu_head *head)
{
	struct zs_entry *e = caa_container_of(head, struct zs_entry, rcu);

	zone_free(e->zone);
	free(e);
}

int zone_store_new(struct zone_store **out)
{
	struct zone_store *zs = calloc(1, sizeof(*zs));

	if (!zs)
		return -ENOMEM;
	zs->tbl = table_new(64);
	if (!zs->tbl) {
		free(zs);
		return -ENOMEM;
	}
	pthread_mutex_init(&zs->lock, NULL);
	*out = zs;
	return 0;
}

void zone_store_free(struct zone_store *zs)
{
	if (!zs)
		return;
	/* Let every deferred free run before the rest goes. */
	rcu_barrier();
	table_free(zs->tbl, true);
	pthread_mutex_destroy(&zs->lock);
	free(zs);
}

static struct zs_link **link_find(struct zs_table *t, const uint8_t *origin, size_t len,
				  uint32_t hash)
{
	struct zs_link **pl;

	for (pl = &t->buckets[hash & t->mask]; *pl; pl = &(*pl)->next) {
		struct zs_entry *e = (*pl)->entry;

		if (e->hash == hash && e->origin_len == len && !memcmp(e->origin, origin, len))
			return pl;
	}
	return NULL;
}

static int link_insert(struct zs_table *t, struct zs_entry *e)
{
	struct zs_link *l = malloc(sizeof(*l));
	size_t b = e->hash & t->mask;

	if (!l)
		return -ENOMEM;
	l->entry = e;
	l->next = t->buckets[b];
	rcu_assign_pointer(t->buckets[b], l);
	return 0;
}

/* Doubles the table under the writer lock; readers move over atomically. */
static int grow(struct zone_store *zs)
{
	struct zs_table *old = zs->tbl, *t;
	struct zs_link *l;
	size_t i;

	t = table_new((old->mask + 1) * 2);
	if (!t)
		return -ENOMEM;
	for (i = 0; i <= old->mask; i++) {
		for (l = old->buckets[i]; l; l = l->next) {
			if (link_insert(t, l->entry)) {
				table_free(t, false);
				return -ENOMEM;
			}
		}
	}
	rcu_assign_pointer(zs->tbl, t);
	call_rcu(&old->rcu, table_free_rcu);
	return 0;
}

int zone_store_publish(struct zone_store *zs, struct zone *z)
{
	struct zs_link **pl;
	struct zs_entry *e;
	struct zone *old;
	uint32_t hash = dns_name_hash(z->origin);
	int ret = 0;

	pthread_mutex_lock(&zs->lock);
	pl = link_find(zs->tbl, z->origin, z->origin_len, hash);
	if (pl) {
		e = (*pl)->entry;
		old = e->zone;
		rcu_assign_pointer(e->zone, z);
		call_rcu(&old->rcu, zone_free_rcu);
		goto out;
	}
	if (zs->count + 1 > zs->tbl->mask + 1) {
		ret = grow(zs);
		if (ret)
			goto fail;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		ret = -ENOMEM;
		goto fail;
	}
	memcpy(e->origin, z->origin, z->origin_len);
	e->origin_len = z->origin_len;
	e->hash = hash;
	e->zone = z;
	/* Before the entry is visible, so a reader never skips its suffix. */
	if (z->origin_len > zs->max_len)
		CMM_STORE_SHARED(zs->max_len, z->origin_len);
	ret = link_insert(zs->tbl, e);
	if (ret) {
		free(e);
		goto fail;
	}
	zs->count++;
	goto out;
fail:
	zone_free(z);
out:
	pthread_mutex_unlock(&zs->lock);
	return ret;
}

int zone_store_remove(struct zone_store *zs, const uint8_t *origin)
{
	uint8_t lname[DNS_NAME_MAX];
	struct zs_link **pl, *l;
	int len, ret = 0;

	len = dns_name_len(origin, DNS_NAME_MAX);
	if (len < 0)
		return -EINVAL;
	memcpy(lname, origin, len);
	dns_name_lower(lname);
	pthread_mutex_lock(&zs->lock);
	pl = link_find(zs->tbl, lname, len, dns_name_hash(lname));
	if (!pl) {
		ret = -ENOENT;
		goto out;
	}
	l = *pl;
	rcu_assign_pointer(*pl, l->next);
	call_rcu(&l->entry->rcu, entry_free_rcu);
	/* Readers may still hold l: it goes with the table or after a grace. */
	synchronize_rcu();
	free(l);
	zs->count--;
out:
	pthread_mutex_unlock(&zs->lock);
	return ret;
}

const struct zone *zone_store_find(const struct zone_store *zs, const uint8_t *lname,
				   size_t len)
{
	const struct zs_table *t = rcu_dereference(zs->tbl);
	const struct zs_link *l;
	uint32_t hash;

	for (;;) {
		if (len <= CMM_LOAD_SHARED(zs->max_len)) {
			hash = dns_name_hash(lname);
			for (l = rcu_dereference(t->buckets[hash & t->mask]); l;
			     l = rcu_dereference(l->next)) {
				const struct zs_entry *e = l->entry;

				if (e->hash == hash && e->origin_len == len &&
				    !memcmp(e->origin, lname, len))
					return rcu_dereference(e->zone);
			}
		}
		if (len <= 1)
			return NULL;
		len -= lname[0] + 1;
		lname += lname[0] + 1;
	}
}

const struct zone *zone_store_get(const struct zone_store *zs, const uint8_t *origin)
{
	const struct zs_table *t = rcu_dereference(zs->tbl);
	uint8_t lname[DNS_NAME_MAX];
	const struct zs_link *l;
	uint32_t hash;
	int len;

	len = dns_name_len(origin, DNS_NAME_MAX);
	if (len < 0)
		return NULL;
	memcpy(lname, origin, len);
	dns_name_lower(lname);
	hash = dns_name_hash(lname);
	for (l = rcu_dereference(t->buckets[hash & t->mask]); l; l = rcu_dereference(l->next))
		if (l->entry->hash == hash && l->entry->origin_len == len &&
		    !memcmp(l->entry->origin, lname, len))
			return rcu_dereference(l->entry->zone);
	return NULL;
}

size_t zone_store_count(const struct zone_store *zs)
{
	return CMM_LOAD_SHARED(zs->count);
}

int zone_store_foreach(const struct zone_store *zs,
		       int (*cb)(const struct zone *z, void *ctx), void *ctx)
{
	const struct zs_table *t;
	const struct zs_link *l;
	size_t i;
	int ret = 0;

	rcu_read_lock();
	t = rcu_dereference(zs->tbl);
	for (i = 0; i <= t->mask && !ret; i++)
		for (l = rcu_dereference(t->buckets[i]); l && !ret; l = rcu_dereference(l->next))
			ret = cb(rcu_dereference(l->entry->zone), ctx);
	rcu_read_unlock();
	return ret;
}
