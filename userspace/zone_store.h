/* SPDX-License-Identifier: GPL-2.0-only */
/* Every hosted zone, by origin. Readers find a zone with a longest match inside
 * rcu_read_lock() and never block; writers publish whole new versions with
 * rcu_assign_pointer and free the old ones after a grace period (liburcu). */
#ifndef NAMESERVE_ZONE_STORE_H
#define NAMESERVE_ZONE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "zone.h"

struct zone_store;

int zone_store_new(struct zone_store **out);
/* Frees the store and every zone; no reader may be left. */
void zone_store_free(struct zone_store *zs);

/* Makes z the version served for its origin, replacing (and later freeing) any
 * previous one. The store owns z from now on, even on error. */
int zone_store_publish(struct zone_store *zs, struct zone *z);
/* Stops serving a zone; -ENOENT if it is not hosted. */
int zone_store_remove(struct zone_store *zs, const uint8_t *origin);

/* Reader side, inside rcu_read_lock() of a registered thread: the zone with the
 * longest origin at or above lname (lower-case, len bytes), or NULL. */
const struct zone *zone_store_find(const struct zone_store *zs, const uint8_t *lname,
				   size_t len);
/* The zone whose origin is exactly origin (any case), or NULL. */
const struct zone *zone_store_get(const struct zone_store *zs, const uint8_t *origin);

size_t zone_store_count(const struct zone_store *zs);

/* Calls cb for each zone served now, inside one read-side section; stops at a
 * non-zero return and returns it. */
int zone_store_foreach(const struct zone_store *zs,
		       int (*cb)(const struct zone *z, void *ctx), void *ctx);

#endif /* NAMESERVE_ZONE_STORE_H */
