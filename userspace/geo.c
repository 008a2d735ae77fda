// SPDX-License-Identifier: GPL-2.0-only
/* Client location from a MaxMind DB (libmaxminddb): single lookups for the
 * engine, and a walk of the search tree that turns the database into the few
 * disjoint networks the fast path's geo LPM tries hold. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <maxminddb.h>

#include "geo.h"
#include "log.h"

#define GEO_V4_IN_V6	96	/* an IPv6 database keeps IPv4 under ::/96 */
#define GEO_DEPTH_MAX	128
#define GEO_BATCH	512	/* map elements per batched syscall */
#define GEO_ENOTSUPP	524	/* the kernel's ENOTSUPP, not in libc's errno.h */

struct geo {
	MMDB_s	db;
	bool	v6;		/* ip_version 6: IPv4 lives under ::/96 */
	int	v4_start;	/* node at ::/96, -1 if IPv4 ends above it */
};

static int geo_mmdb_errno(int status)
{
	switch (status) {
	case MMDB_OUT_OF_MEMORY_ERROR:
		return -ENOMEM;
	case MMDB_IO_ERROR:
		return -EIO;
	default:
		return -EINVAL;
	}
}

/* The node reached from the root by 96 zero bits, so the walk can tell
 * ::/96 itself from the aliases (::ffff:0:0/96, 2002::/16, ...) that point at
 * it; -1 when a record above that depth already ends the path. */
static int geo_find_v4_start(const MMDB_s *db)
{
	MMDB_search_node_s node;
	uint32_t n = 0;
	int depth;

	for (depth = 0; depth < GEO_V4_IN_V6; depth++) {
		if (MMDB_read_node(db, n, &node) != MMDB_SUCCESS ||
		    node.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
			return -1;
		n = node.left_record;
	}
	return n;
}

int geo_open(struct geo **out, const char *path)
{
	bool opened = false;
	struct geo *g;
	int status, err = 0;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	errno = 0;
	status = MMDB_open(path, MMDB_MODE_MMAP, &g->db);
	if (status != MMDB_SUCCESS) {
		if ((status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) && errno) {
			err = -errno;
			log_err("%s: %s", path, strerror(-err));
		} else {
			err = geo_mmdb_errno(status);
			log_err("%s: not a MaxMind DB (%s)", path, MMDB_strerror(status));
		}
		goto out;
	}
	opened = true;
	if (g->db.metadata.ip_version != 4 && g->db.metadata.ip_version != 6) {
		log_err("%s: not a MaxMind DB (ip_version %u)", path, g->db.metadata.ip_version);
		err = -EINVAL;
		goto out;
	}
	g->v6 = g->db.metadata.ip_version == 6;
	if (g->db.depth != (g->v6 ? 128 : 32)) {
		log_err("%s: not a MaxMind DB (tree depth %u)", path, g->db.depth);
		err = -EINVAL;
		goto out;
	}
	g->v4_start = g->v6 ? geo_find_v4_start(&g->db) : 0;
	if (g->v6) {
		/* libmaxminddb finds ::/96 on the first IPv4 lookup and caches it in
		 * the handle: do that here, before lookups from several threads. */
		struct sockaddr_in sin = { .sin_family = AF_INET };
		int mmdb_err;

		MMDB_lookup_sockaddr(&g->db, (struct sockaddr *)&sin, &mmdb_err);
	}
	*out = g;
out:
	if (err) {
		if (opened)
			MMDB_close(&g->db);
		free(g);
	}
	return err;
}

void geo_close(struct geo *g)
{
	if (!g)
		return;
	MMDB_close(&g->db);
	free(g);
}

/* A two-letter code, upper-cased; anything else leaves dst zero. */
static void geo_code(char dst[2], MMDB_entry_data_s *d)
{
	char a, b;

	if (!d->has_data || d->type != MMDB_DATA_TYPE_UTF8_STRING || d->data_size != 2)
		return;
	a = d->utf8_string[0] & ~0x20;
	b = d->utf8_string[1] & ~0x20;
	if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z')
		return;
	dst[0] = a;
	dst[1] = b;
}

/* Country (else the registered country) and continent of one data record. */
static void geo_decode(MMDB_entry_s *entry, struct fp_geo *loc)
{
	MMDB_entry_data_s d;

	memset(loc, 0, sizeof(*loc));
	if (MMDB_get_value(entry, &d, "country", "iso_code", NULL) == MMDB_SUCCESS)
		geo_code(loc->country, &d);
	if (!loc->country[0] &&
	    MMDB_get_value(entry, &d, "registered_country", "iso_code", NULL) == MMDB_SUCCESS)
		geo_code(loc->country, &d);
	if (MMDB_get_value(entry, &d, "continent", "code", NULL) == MMDB_SUCCESS)
		geo_code(loc->continent, &d);
}

/*
 * What geo_foreach leaves out of the fast path's IPv6 trie, so that lookups
 * place such clients nowhere too: the engine and XDP must agree. That is
 * ::/96, whose networks go to the IPv4 trie, and the ranges a database makes
 * aliases of it (a search node pointing back at ::/96: ::ffff:0:0/96, Teredo
 * 2001::/32 and 6to4 2002::/16 in MaxMind's files). Their prefix length, or 0.
 */
static uint8_t geo_alias_prefix(const struct geo *g, const uint8_t *a)
{
	static const uint8_t zero[12];
	MMDB_search_node_s node;
	uint64_t rec = 0;
	unsigned int d, bit, len;

	if (!memcmp(a, zero, 12))
		return GEO_V4_IN_V6;
	if (!memcmp(a, zero, 10) && a[10] == 0xff && a[11] == 0xff)
		len = 96;
	else if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
		len = 32;
	else if (a[0] == 0x20 && a[1] == 0x02)
		len = 16;
	else
		return 0;
	if (g->v4_start < 0)
		return 0;
	/* The path to the candidate, as far as the tree has search nodes. */
	for (d = 0; d < len; d++) {
		if (MMDB_read_node(&g->db, d ? rec : 0, &node) != MMDB_SUCCESS)
			return 0;
		bit = a[d / 8] >> (7 - d % 8) & 1;
		if ((bit ? node.right_record_type : node.left_record_type) !=
		    MMDB_RECORD_TYPE_SEARCH_NODE)
			return 0;
		rec = bit ? node.right_record : node.left_record;
		if (rec == (uint64_t)g->v4_start)
			return d + 1;
	}
	return 0;
}

int geo_lookup(const struct geo *g, int family, const uint8_t *addr, struct fp_geo *loc,
	       uint8_t *prefix)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	MMDB_lookup_result_s res;
	struct sockaddr *sa;
	int mmdb_err;

	memset(loc, 0, sizeof(*loc));
	*prefix = 0;
	if (family == AF_INET) {
		memcpy(&sin.sin_addr, addr, 4);
		sa = (struct sockaddr *)&sin;
	} else if (family == AF_INET6) {
		/* An IPv4 database knows nothing of IPv6: the whole space is one miss. */
		if (!g->v6)
			return -ENOENT;
		*prefix = geo_alias_prefix(g, addr);
		if (*prefix)
			return -ENOENT;
		memcpy(&sin6.sin6_addr, addr, 16);
		sa = (struct sockaddr *)&sin6;
	} else {
		return -EAFNOSUPPORT;
	}
	res = MMDB_lookup_sockaddr(&g->db, sa, &mmdb_err);
	if (mmdb_err != MMDB_SUCCESS)
		return geo_mmdb_errno(mmdb_err);
	/* libmaxminddb counts an IPv4 address's bits from the IPv6 root. */
	if (family == AF_INET && g->v6)
		*prefix = res.netmask > GEO_V4_IN_V6 ? res.netmask - GEO_V4_IN_V6 : 0;
	else
		*prefix = res.netmask;
	if (!res.found_entry)
		return -ENOENT;
	geo_decode(&res.entry, loc);
	return 0;
}

/*
 * Data records decoded once each: open addressing on the record's offset in
 * the data section (+1, so 0 marks a free slot).
 */
struct geo_cache_slot {
	uint32_t	key;
	struct fp_geo	loc;
};

struct geo_cache {
	struct geo_cache_slot	*slots;
	uint32_t		mask;
	uint32_t		used;
};

static int geo_cache_grow(struct geo_cache *c)
{
	uint32_t n = c->slots ? (c->mask + 1) * 2 : 1024, i, j;
	struct geo_cache_slot *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; c->slots && i <= c->mask; i++) {
		if (!c->slots[i].key)
			continue;
		for (j = (c->slots[i].key * 2654435761u) & (n - 1); s[j].key; j = (j + 1) & (n - 1))
			;
		s[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = s;
	c->mask = n - 1;
	return 0;
}

static int geo_cache_get(struct geo_cache *c, MMDB_entry_s *entry, struct fp_geo *loc)
{
	uint32_t key = entry->offset + 1, i;
	int err;

	if (!c->slots || (c->used + 1) * 2 > c->mask + 1) {
		err = geo_cache_grow(c);
		if (err)
			return err;
	}
	for (i = (key * 2654435761u) & c->mask; c->slots[i].key; i = (i + 1) & c->mask) {
		if (c->slots[i].key == key) {
			*loc = c->slots[i].loc;
			return 0;
		}
	}
	geo_decode(entry, loc);
	c->slots[i].key = key;
	c->slots[i].loc = *loc;
	c->used++;
	return 0;
}

/* What a subtree holds: no location anywhere, one location everywhere, or
 * several (then its networks are already out). */
enum geo_sum { GEO_NONE, GEO_ONE, GEO_MIXED };

struct geo_frame {
	uint64_t	rec[2];
	uint8_t		type[2];
	enum geo_sum	sum[2];
	struct fp_geo	loc[2];
	uint8_t		depth;		/* the node's prefix length */
	uint8_t		next;		/* the child being walked */
	bool		barrier;	/* holds ::/96: never merged into one network */
};

struct geo_walk {
	const struct geo	*g;
	struct geo_cache	cache;
	geo_network_fn		cb;
	void			*ctx;
	uint8_t			addr[16];	/* the path so far, bit by bit */
	struct geo_frame	stack[GEO_DEPTH_MAX + 1];
};

static void geo_set_bit(uint8_t *addr, unsigned int bit, int v)
{
	uint8_t m = 0x80 >> (bit & 7);

	if (v)
		addr[bit / 8] |= m;
	else
		addr[bit / 8] &= ~m;
}

/* Is the path of this many bits all zero (the way to ::/96)? */
static bool geo_zero_path(const uint8_t *addr, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < bits; i++)
		if (addr[i / 8] & (0x80 >> (i & 7)))
			return false;
	return true;
}

/* Hands one network to the callback: the path's first len bits, IPv4 under
 * ::/96 as IPv4. */
static int geo_emit(struct geo_walk *w, uint8_t len, const struct fp_geo *loc)
{
	uint8_t addr[16] = { 0 };
	unsigned int i;

	for (i = 0; i < len; i++)
		if (w->addr[i / 8] & (0x80 >> (i & 7)))
			addr[i / 8] |= 0x80 >> (i & 7);
	if (!w->g->v6)
		return w->cb(AF_INET, addr, len, loc, w->ctx);
	if (len >= GEO_V4_IN_V6 && geo_zero_path(addr, GEO_V4_IN_V6))
		return w->cb(AF_INET, addr + 12, len - GEO_V4_IN_V6, loc, w->ctx);
	return w->cb(AF_INET6, addr, len, loc, w->ctx);
}

static void geo_push(struct geo_walk *w, int sp, uint8_t depth, const MMDB_search_node_s *node,
		     uint64_t virt_rec, uint8_t virt_type)
{
	struct geo_frame *f = &w->stack[sp];

	memset(f, 0, sizeof(*f));
	if (node) {
		f->rec[0] = node->left_record;
		f->rec[1] = node->right_record;
		f->type[0] = node->left_record_type;
		f->type[1] = node->right_record_type;
	} else {
		/* A record ending above ::/96 still holds IPv4: split it down to there. */
		f->rec[0] = f->rec[1] = virt_rec;
		f->type[0] = f->type[1] = virt_type;
	}
	f->depth = depth;
	f->barrier = w->g->v6 && depth < GEO_V4_IN_V6 && geo_zero_path(w->addr, depth);
}

static int geo_corrupt(const struct geo *g, unsigned int depth)
{
	log_err("%s: corrupt search tree at depth %u", g->db.filename, depth);
	return -EBADMSG;
}

/* Data or empty record, as a summary. */
static int geo_leaf(struct geo_walk *w, struct geo_frame *f, int i)
{
	MMDB_entry_s entry = { .mmdb = &w->g->db };
	int err;

	if (f->type[i] == MMDB_RECORD_TYPE_EMPTY) {
		f->sum[i] = GEO_NONE;
		return 0;
	}
	if (f->type[i] != MMDB_RECORD_TYPE_DATA)
		return geo_corrupt(w->g, f->depth + 1);
	/* The record's value counts from the node count; the entry wants the
	 * offset into the data section (16 bytes of separator after the tree). */
	entry.offset = f->rec[i] - w->g->db.metadata.node_count - 16;
	err = geo_cache_get(&w->cache, &entry, &f->loc[i]);
	if (err)
		return err;
	f->sum[i] = f->loc[i].country[0] || f->loc[i].continent[0] ? GEO_ONE : GEO_NONE;
	return 0;
}

/* Both children known: one summary for the node, or out with the networks. */
static int geo_finish(struct geo_walk *w, struct geo_frame *f, enum geo_sum *sum,
		      struct fp_geo *loc)
{
	int i, err;

	if (!f->barrier && f->sum[0] == f->sum[1] && f->sum[0] != GEO_MIXED &&
	    (f->sum[0] == GEO_NONE || !memcmp(&f->loc[0], &f->loc[1], sizeof(*loc)))) {
		*sum = f->sum[0];
		*loc = f->loc[0];
		return 0;
	}
	for (i = 0; i < 2; i++) {
		if (f->sum[i] != GEO_ONE)
			continue;
		geo_set_bit(w->addr, f->depth, i);
		err = geo_emit(w, f->depth + 1, &f->loc[i]);
		if (err)
			return err;
	}
	geo_set_bit(w->addr, f->depth, 0);
	*sum = GEO_MIXED;
	return 0;
}

int geo_foreach(const struct geo *g, geo_network_fn cb, void *ctx)
{
	unsigned int depth_max = g->db.depth;
	MMDB_search_node_s node;
	struct geo_walk *w;
	struct geo_frame *f;
	enum geo_sum sum = GEO_NONE;
	struct fp_geo loc = { 0 };
	int sp = 0, err, i;
	uint8_t d;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->g = g;
	w->cb = cb;
	w->ctx = ctx;
	if (MMDB_read_node(&g->db, 0, &node) != MMDB_SUCCESS) {
		err = geo_corrupt(g, 0);
		goto out;
	}
	geo_push(w, 0, 0, &node, 0, 0);
	for (;;) {
		f = &w->stack[sp];
		if (f->next < 2) {
			i = f->next;
			d = f->depth + 1;
			geo_set_bit(w->addr, f->depth, i);
			if (f->type[i] == MMDB_RECORD_TYPE_SEARCH_NODE) {
				if (d >= depth_max) {
					err = geo_corrupt(g, d);
					goto out;
				}
				/* Aliases of ::/96 would list IPv4 twice more. */
				if (g->v6 && f->rec[i] == (uint64_t)g->v4_start &&
				    !(d == GEO_V4_IN_V6 && geo_zero_path(w->addr, d))) {
					f->sum[i] = GEO_NONE;
					f->next++;
					continue;
				}
				if (MMDB_read_node(&g->db, f->rec[i], &node) != MMDB_SUCCESS) {
					err = geo_corrupt(g, d);
					goto out;
				}
				geo_push(w, ++sp, d, &node, 0, 0);
				continue;
			}
			err = geo_leaf(w, f, i);
			if (err)
				goto out;
			if (f->sum[i] == GEO_ONE && g->v6 && d < GEO_V4_IN_V6 &&
			    geo_zero_path(w->addr, d)) {
				geo_push(w, ++sp, d, NULL, f->rec[i], f->type[i]);
				continue;
			}
			f->next++;
			continue;
		}
		err = geo_finish(w, f, &sum, &loc);
		if (err)
			goto out;
		if (sp == 0)
			break;
		sp--;
		f = &w->stack[sp];
		f->sum[f->next] = sum;
		f->loc[f->next] = loc;
		geo_set_bit(w->addr, f->depth, 0);
		f->next++;
	}
	/* The whole space one location (a one-record IPv4 database). */
	if (sum == GEO_ONE)
		err = geo_emit(w, 0, &loc);
out:
	free(w->cache.slots);
	free(w);
	return err;
}

struct geo_fill {
	int		fd[2];		/* v4, v6 */
	size_t		n[2];
	size_t		count;
	bool		no_batch;
	struct fp_geo_v4_key	k4[GEO_BATCH];
	struct fp_geo_v6_key	k6[GEO_BATCH];
	struct fp_geo		v[2][GEO_BATCH];
};

static int geo_flush(struct geo_fill *fl, int i)
{
	void *keys = i ? (void *)fl->k6 : (void *)fl->k4;
	size_t ksize = i ? sizeof(fl->k6[0]) : sizeof(fl->k4[0]);
	__u32 n = fl->n[i], j;
	int err = 0;

	if (!n)
		return 0;
	if (!fl->no_batch) {
		if (!bpf_map_update_batch(fl->fd[i], keys, fl->v[i], &n, NULL)) {
			j = n;
			goto out;
		}
		err = -errno;
		if (err != -EINVAL && err != -ENOTSUP && err != -GEO_ENOTSUPP) {
			j = n;
			goto out;
		}
		/* LPM tries take no batches: one syscall each from here on. */
		fl->no_batch = true;
		err = 0;
	}
	for (j = 0; j < fl->n[i]; j++) {
		if (bpf_map_update_elem(fl->fd[i], (char *)keys + j * ksize, &fl->v[i][j],
					BPF_ANY)) {
			err = -errno;
			break;
		}
	}
out:
	if (err)
		log_err("geo_%s map: update: %s", i ? "v6" : "v4", strerror(-err));
	fl->count += j;
	fl->n[i] = 0;
	return err;
}

static int geo_fill_one(int family, const uint8_t *addr, uint8_t len, const struct fp_geo *loc,
			void *ctx)
{
	struct geo_fill *fl = ctx;
	int i = family == AF_INET6;

	if (fl->fd[i] < 0)
		return 0;
	if (i) {
		fl->k6[fl->n[1]].prefixlen = len;
		memcpy(fl->k6[fl->n[1]].addr, addr, 16);
	} else {
		fl->k4[fl->n[0]].prefixlen = len;
		memcpy(fl->k4[fl->n[0]].addr, addr, 4);
	}
	fl->v[i][fl->n[i]++] = *loc;
	return fl->n[i] == GEO_BATCH ? geo_flush(fl, i) : 0;
}

int geo_fill_maps(const struct geo *g, int v4_fd, int v6_fd, size_t *count)
{
	struct geo_fill *fl;
	int err;

	*count = 0;
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return -ENOMEM;
	/* A negative fd leaves that family out. */
	fl->fd[0] = v4_fd;
	fl->fd[1] = v6_fd;
	err = geo_foreach(g, geo_fill_one, fl);
	if (!err)
		err = geo_flush(fl, 0);
	if (!err)
		err = geo_flush(fl, 1);
	*count = fl->count;
	free(fl);
	return err;
}
