/* SPDX-License-Identifier: GPL-2.0-only */
/* Client location from a MaxMind DB file (country or city, libmaxminddb), for
 * the engine's lookups and for the fast path's geo LPM tries. */
#ifndef NAMESERVE_GEO_H
#define NAMESERVE_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "fp_policy.h"

struct geo;

/* Opens an .mmdb file. -errno with a logged reason ("FILE: not a MaxMind DB"). */
int geo_open(struct geo **out, const char *path);
void geo_close(struct geo *g);

/*
 * The location of addr (family AF_INET or AF_INET6, network order): loc gets
 * the country and continent codes, zero where the database has none, and
 * *prefix the length of the database network that holds addr (IPv4 lengths
 * for IPv4, also in an IPv6 database). 0 if found, -ENOENT if the database
 * has no entry (*prefix still set, loc zeroed). IPv6 addresses that only
 * alias IPv4 ones (::/96, ::ffff:0:0/96, 2001::/32, 2002::/16) are -ENOENT,
 * as the fast path's tries hold none of them.
 */
int geo_lookup(const struct geo *g, int family, const uint8_t *addr, struct fp_geo *loc,
	       uint8_t *prefix);

typedef int (*geo_network_fn)(int family, const uint8_t *addr, uint8_t len,
			      const struct fp_geo *loc, void *ctx);

/* Every network that has a country or a continent, IPv4 ones as IPv4 (an IPv6
 * database keeps them under ::/96; its aliases are skipped), sibling networks
 * of one location merged. Stops at and returns the first non-zero cb return. */
int geo_foreach(const struct geo *g, geo_network_fn cb, void *ctx);

/* Fills the fast path's geo_v4 and geo_v6 maps with geo_foreach; *count gets
 * the entries written. */
int geo_fill_maps(const struct geo *g, int v4_fd, int v6_fd, size_t *count);

#endif /* NAMESERVE_GEO_H */
