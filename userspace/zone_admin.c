// SPDX-License-Identifier: GPL-2.0-only
/* Zone management: every write validates against the stored zone, writes the
 * RRsets, the serial bump and a journal entry in one store transaction, builds
 * the new version from what is stored (so the zone rules are checked on exactly
 * what will be served) and, once committed, serves it. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu.h>

#include "dns_rdata.h"
#include "engine.h"
#include "log.h"
#include "zone_admin.h"
#include "zonefile.h"

#define RDATA_MAX		65535
#define RRSET_DATA_MAX		65535	/* what one DNS message can carry */
#define JOURNAL_FORMAT		1
#define WARNED_BUCKETS		256

/* A version's build warnings (missing glue, ...), sorted, without repeats. A
 * write logs only those its version adds to the served one's, so one standing
 * problem is not logged again on every change to the zone. */
struct warn_set {
	char	**line;
	size_t	n, cap;
};

/* The warnings of a served zone that has any. */
struct warned {
	struct warned	*next;
	struct warn_set	set;
	uint8_t		origin[DNS_NAME_MAX];
};

struct pending {
	uint8_t		origin[DNS_NAME_MAX];
	struct zone	*zone;		/* NULL: stop serving the zone */
	bool		added;		/* a zone not served before */
	struct warn_set	warns;		/* zone's */
};

struct zone_admin {
	struct store		*st;
	struct zone_store	*zs;
	struct map_sync		*ms;
	struct zone_admin_config cfg;
	pthread_mutex_t		lock;		/* one write at a time, commit to served */
	zone_admin_apply_cb	apply_cb;
	void			*apply_ctx;
	struct warned		*warned[WARNED_BUCKETS];	/* under lock */
};

struct zone_admin_txn {
	struct zone_admin	*za;
	struct store_txn	*st;
	struct pending		*pend;
	size_t			npend, cappend;
	struct warn_set		warns;		/* builds since the last pending_add */
};

static void seterr(struct zone_admin_err *e, enum zone_admin_status st, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void seterr(struct zone_admin_err *e, enum zone_admin_status st, const char *field,
		   const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->status = st;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static int internal(struct zone_admin_err *e, int err, const char *what)
{
	if (err == -ENAMETOOLONG) {
		seterr(e, ZONE_ADMIN_INVALID, "name", "name too long to be stored");
		return err;
	}
	log_err("zone admin: %s: %s", what, strerror(-err));
	seterr(e, ZONE_ADMIN_INTERNAL, NULL, "store: %s: %s", what, strerror(-err));
	return err;
}

static const char *name_str(const uint8_t *name, char *buf, size_t cap)
{
	if (dns_name_to_text(buf, cap, name) < 0)
		snprintf(buf, cap, "?");
	return buf;
}

static bool serial_gt(uint32_t a, uint32_t b)
{
	/* RFC 1982 §3.2 */
	return a != b && (int32_t)(a - b) > 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* ---- record sets in the store's layout: (u16 length, RDATA)... ---- */

struct recs {
	uint8_t		*data;
	size_t		len, cap;
	uint16_t	count;
};

static bool recs_has(const struct recs *r, const uint8_t *rd, uint16_t len)
{
	size_t pos = 0;

	while (pos + 2 <= r->len) {
		uint16_t l = get16(r->data + pos);

		if (l == len && !memcmp(r->data + pos + 2, rd, len))
			return true;
		pos += 2 + l;
	}
	return false;
}

/* Appends unless present; 1 if added. */
static int recs_add(struct recs *r, const uint8_t *rd, uint16_t len)
{
	if (recs_has(r, rd, len))
		return 0;
	if (r->len + 2 + len > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		uint8_t *p;

		while (cap < r->len + 2 + len)
			cap *= 2;
		p = realloc(r->data, cap);
		if (!p)
			return -ENOMEM;
		r->data = p;
		r->cap = cap;
	}
	put16(r->data + r->len, len);
	memcpy(r->data + r->len + 2, rd, len);
	r->len += 2 + len;
	r->count++;
	return 1;
}

static int recs_from_data(struct recs *r, const uint8_t *data, size_t len)
{
	size_t pos = 0;
	int ret;

	while (pos + 2 <= len) {
		uint16_t l = get16(data + pos);

		if (pos + 2 + l > len)
			return -EUCLEAN;
		ret = recs_add(r, data + pos + 2, l);
		if (ret < 0)
			return ret;
		pos += 2 + l;
	}
	return 0;
}

static void recs_free(struct recs *r)
{
	free(r->data);
	memset(r, 0, sizeof(*r));
}

/* Calls cb for each record of store layout data. */
#define for_each_rec(data, len, pos, rd, rdlen)					\
	for ((pos) = 0;								\
	     (pos) + 2 <= (len) && ((rdlen) = get16((data) + (pos)), (rd) = (data) + (pos) + 2, \
				    (pos) + 2 + (rdlen) <= (len));		\
	     (pos) += 2 + (rdlen))

/* ---- journal entries: what one version changed, IXFR style ---- */

struct jbuf {
	uint8_t		*p;
	size_t		len, cap;
	uint32_t	n;
	bool		nomem;
};

static void jbuf_put(struct jbuf *j, const void *d, size_t len)
{
	if (j->nomem)
		return;
	if (j->len + len > j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 512;
		uint8_t *p;

		while (cap < j->len + len)
			cap *= 2;
		p = realloc(j->p, cap);
		if (!p) {
			j->nomem = true;
			return;
		}
		j->p = p;
		j->cap = cap;
	}
	memcpy(j->p + j->len, d, len);
	j->len += len;
}

/* One record: owner length and owner, type, TTL, RDATA length, RDATA. */
static void jbuf_rr(struct jbuf *j, const uint8_t *owner, uint16_t type, uint32_t ttl,
		    const uint8_t *rd, uint16_t rdlen)
{
	uint8_t h[8];
	uint8_t olen = dns_name_len(owner, DNS_NAME_MAX);

	jbuf_put(j, &olen, 1);
	jbuf_put(j, owner, olen);
	put16(h, type);
	put32(h + 2, ttl);
	put16(h + 6, rdlen);
	jbuf_put(j, h, 8);
	jbuf_put(j, rd, rdlen);
	j->n++;
}

struct journal {
	struct jbuf	removed, added;
};

/* Records of old not in new go to removed, and the other way round; a TTL
 * change replaces the whole RRset (IXFR has no other way to say it). */
static void journal_diff(struct journal *jr, const uint8_t *owner, uint16_t type,
			 const struct recs *old, uint32_t old_ttl, const struct recs *new,
			 uint32_t new_ttl)
{
	bool all = old_ttl != new_ttl;
	const uint8_t *rd;
	uint16_t rdlen;
	size_t pos;

	if (old)
		for_each_rec(old->data, old->len, pos, rd, rdlen)
			if (all || !new || !recs_has(new, rd, rdlen))
				jbuf_rr(&jr->removed, owner, type, old_ttl, rd, rdlen);
	if (new)
		for_each_rec(new->data, new->len, pos, rd, rdlen)
			if (all || !old || !recs_has(old, rd, rdlen))
				jbuf_rr(&jr->added, owner, type, new_ttl, rd, rdlen);
}

static void journal_free(struct journal *jr)
{
	free(jr->removed.p);
	free(jr->added.p);
}

/* ---- the zone as stored ---- */

/* SOA RDATA: MNAME, RNAME, SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM; the offset
 * of SERIAL, or -1. */
static int soa_serial_off(const uint8_t *rd, uint16_t rdlen)
{
	int l1 = dns_name_len(rd, rdlen), l2;

	if (l1 < 0)
		return -1;
	l2 = dns_name_len(rd + l1, rdlen - l1);
	if (l2 < 0 || l1 + l2 + 20 != rdlen)
		return -1;
	return l1 + l2;
}

/* ---- build warnings ---- */

static void warn_set_free(struct warn_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->line[i]);
	free(s->line);
	memset(s, 0, sizeof(*s));
}

/* Takes the warnings a build logs; anything else, or a warning it has no
 * memory for, goes on to stderr. */
static bool warn_sink(void *ctx, enum log_level level, const char *msg)
{
	struct warn_set *s = ctx;
	char **nl;

	if (level != LOG_LEVEL_WARN)
		return false;
	if (s->n == s->cap) {
		nl = realloc(s->line, (s->cap ? s->cap * 2 : 4) * sizeof(*nl));
		if (!nl)
			return false;
		s->line = nl;
		s->cap = s->cap ? s->cap * 2 : 4;
	}
	s->line[s->n] = strdup(msg);
	if (!s->line[s->n])
		return false;
	s->n++;
	return true;
}

static struct log_sink warn_capture(struct warn_set *s)
{
	return log_set_sink((struct log_sink){ .fn = warn_sink, .ctx = s });
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts s and drops repeats (a zone built twice in one write warns twice). */
static void warn_set_sort(struct warn_set *s)
{
	size_t i, o = 0;

	if (!s->n)
		return;
	qsort(s->line, s->n, sizeof(*s->line), cmp_line);
	for (i = 0; i < s->n; i++) {
		if (o && !strcmp(s->line[o - 1], s->line[i]))
			free(s->line[i]);
		else
			s->line[o++] = s->line[i];
	}
	s->n = o;
}

static bool warn_set_has(const struct warn_set *s, const char *line)
{
	return s->n && bsearch(&line, s->line, s->n, sizeof(*s->line), cmp_line);
}

static struct warned **warned_slot(struct zone_admin *za, const uint8_t *origin)
{
	struct warned **w = &za->warned[dns_name_hash(origin) % WARNED_BUCKETS];

	while (*w && !dns_name_equal((*w)->origin, origin))
		w = &(*w)->next;
	return w;
}

/* Logs what now has that was has not; sorts now. */
static void warn_report(const struct warn_set *was, struct warn_set *now)
{
	size_t i;

	warn_set_sort(now);
	for (i = 0; i < now->n; i++)
		if (!was || !warn_set_has(was, now->line[i]))
			log_warn("%s", now->line[i]);
}

/* Makes s (taken) the served zone origin's warnings; s NULL: it is gone. */
static void warned_set(struct zone_admin *za, const uint8_t *origin, struct warn_set *s)
{
	struct warned **slot = warned_slot(za, origin), *w = *slot;

	if (w && (!s || !s->n)) {
		*slot = w->next;
		warn_set_free(&w->set);
		free(w);
		w = NULL;
	} else if (!w && s && s->n) {
		w = calloc(1, sizeof(*w));
		if (w) {
			memcpy(w->origin, origin, dns_name_len(origin, DNS_NAME_MAX));
			*slot = w;
		}
	}
	if (w) {
		warn_set_free(&w->set);
		w->set = *s;
	} else if (s) {
		warn_set_free(s);	/* none, or no memory to remember them */
	}
	if (s)
		memset(s, 0, sizeof(*s));
}

/* A policy resolves the names of checks as the zone's account sees them. */
struct slot_scope {
	const struct zone_admin_config	*cfg;
	const char			*account;
};

static int scoped_slot(const char *check, void *ctx)
{
	const struct slot_scope *sc = ctx;

	return sc->cfg->slot ? sc->cfg->slot(check, sc->account, sc->cfg->slot_ctx) : -ENOENT;
}

struct build_ctx {
	struct zone_builder		*b;
	const struct zone_admin_config	*cfg;
	const char			*account;
	char				*err;
	size_t				errlen;
	size_t				nrrsets;
};

/* The RDATA of a store layout RRset as the arrays policy.h takes; at most
 * FP_POLICY_RECORDS_MAX records, as every steered RRset has. */
static int policy_records(const uint8_t *data, size_t len, const uint8_t **rdata,
			  uint16_t *rdlen, size_t *n)
{
	const uint8_t *rd;
	uint16_t l;
	size_t pos;

	*n = 0;
	for_each_rec(data, len, pos, rd, l) {
		if (*n == FP_POLICY_RECORDS_MAX)
			return -E2BIG;
		rdata[*n] = rd;
		rdlen[(*n)++] = l;
	}
	return 0;
}

/* Compiles a stored RRset's policy onto the version being built. A policy
 * that no longer fits its records (it cannot, short of a damaged store)
 * leaves the RRset plain rather than the zone unserved. */
static int build_policy(struct build_ctx *bc, const struct store_rrset *rs)
{
	const uint8_t *rdata[FP_POLICY_RECORDS_MAX];
	uint16_t rdlen[FP_POLICY_RECORDS_MAX];
	char name[DNS_NAME_TEXT_MAX];
	struct policy_err pe = { 0 };
	struct slot_scope sc = { bc->cfg, bc->account };
	struct policy *p;
	size_t n;
	int ret;

	ret = policy_records(rs->data, rs->data_len, rdata, rdlen, &n);
	if (!ret)
		ret = policy_compile((const char *)rs->policy, rs->policy_len, rs->type, rdata,
				     rdlen, n, scoped_slot, &sc, &p, &pe);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		log_err("store: %s: policy ignored: %s %s", name_str(rs->owner, name,
			sizeof(name)), pe.field, pe.msg);
		return 0;
	}
	ret = zone_builder_set_policy(bc->b, rs->owner, rs->type, p);
	if (ret && ret != -ENOMEM) {
		log_err("store: %s: policy ignored: %s", name_str(rs->owner, name, sizeof(name)),
			strerror(-ret));
		ret = 0;
	}
	return ret;
}

static int build_rrset(const struct store_rrset *rs, void *arg)
{
	struct build_ctx *bc = arg;
	struct dns_rr rr = { .owner = rs->owner, .type = rs->type, .rclass = DNS_CLASS_IN,
			     .ttl = rs->ttl };
	const uint8_t *rd;
	uint16_t rdlen;
	size_t pos;
	int ret;

	bc->nrrsets++;
	for_each_rec(rs->data, rs->data_len, pos, rd, rdlen) {
		rr.rdata = rd;
		rr.rdlen = rdlen;
		ret = zone_builder_add(bc->b, &rr, bc->err, bc->errlen);
		if (ret)
			return ret;
	}
	if (rs->policy_len)
		return build_policy(bc, rs);
	return 0;
}

/* The version the stored records of z make, checked by the zone rules; its
 * warnings go to warns. */
static int build_version(const struct zone_admin *za, struct store_txn *t,
			 const struct store_zone *z, struct zone **out, size_t *nrrsets,
			 struct warn_set *warns, char *err, size_t errlen)
{
	struct build_ctx bc = { .cfg = &za->cfg, .account = z->account, .err = err,
				.errlen = errlen };
	struct log_sink prev;
	int ret;

	ret = zone_builder_new(&bc.b, z->origin);
	if (ret) {
		snprintf(err, errlen, "%s", strerror(-ret));
		return ret;
	}
	ret = store_rrset_foreach(t, z->id, NULL, NULL, 0, build_rrset, &bc);
	if (ret) {
		zone_builder_free(bc.b);
		if (ret == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		else if (ret != -EINVAL)
			snprintf(err, errlen, "reading the zone: %s", strerror(-ret));
		return ret;
	}
	if (nrrsets)
		*nrrsets = bc.nrrsets;
	prev = warn_capture(warns);
	ret = zone_builder_finish(bc.b, out, err, errlen);
	log_set_sink(prev);
	return ret;
}

/* ---- set-up ---- */

int zone_admin_new(struct zone_admin **out, struct store *st, struct zone_store *zs,
		   const struct zone_admin_config *cfg)
{
	struct zone_admin *za = calloc(1, sizeof(*za));

	*out = NULL;
	if (!za)
		return -ENOMEM;
	za->st = st;
	za->zs = zs;
	if (cfg)
		za->cfg = *cfg;
	if (!za->cfg.journal_max)
		za->cfg.journal_max = ZONE_ADMIN_JOURNAL_MAX;
	pthread_mutex_init(&za->lock, NULL);
	*out = za;
	return 0;
}

void zone_admin_free(struct zone_admin *za)
{
	struct warned *w;
	size_t i;

	if (!za)
		return;
	for (i = 0; i < WARNED_BUCKETS; i++) {
		while ((w = za->warned[i])) {
			za->warned[i] = w->next;
			warn_set_free(&w->set);
			free(w);
		}
	}
	pthread_mutex_destroy(&za->lock);
	free(za);
}

void zone_admin_on_apply(struct zone_admin *za, zone_admin_apply_cb cb, void *ctx)
{
	za->apply_cb = cb;
	za->apply_ctx = ctx;
}

/* One zone's fast-path entries, without the names a hosted child zone
 * answers (data the parent holds below the child's apex). */
struct walk_one {
	const struct zone_store	*zs;
	const struct zone	*z;
	fastpath_entry_cb	cb;
	void			*ctx;
};

static int walk_one_entry(const struct fastpath_entry *fe, void *arg)
{
	struct walk_one *w = arg;

	if (zone_store_find(w->zs, fe->qname, fe->qname_len) != w->z)
		return 0;
	return w->cb(fe, w->ctx);
}

static int walk_zone(const void *src, fastpath_entry_cb cb, void *ctx)
{
	struct walk_one w = *(const struct walk_one *)src;
	int ret;

	w.cb = cb;
	w.ctx = ctx;
	rcu_read_lock();
	ret = engine_fastpath_walk(w.z, walk_one_entry, &w);
	rcu_read_unlock();
	return ret;
}

/* z is the version served now for origin, or NULL when origin is gone. */
static int sync_zone(struct zone_admin *za, const uint8_t *origin, const struct zone *z)
{
	struct walk_one w = { .zs = za->zs, .z = z };
	char name[DNS_NAME_TEXT_MAX];
	int ret;

	if (!za->ms)
		return 0;
	if (z)
		ret = map_sync_zone(za->ms, origin, walk_zone, &w);
	else
		ret = map_sync_zone_remove(za->ms, origin);
	if (ret == -ENOENT && !z)
		ret = 0;	/* it had no entries */
	if (ret)
		log_warn("fast path: zone %s: %s", name_str(origin, name, sizeof(name)),
			 strerror(-ret));
	return ret;
}

/* Checks what start-up relies on: the record's RRset count and serial match
 * the RRsets, and the journal's last entry is this version. */
struct journal_last {
	uint64_t	seq;
	uint32_t	to_serial;
};

static int journal_last_cb(uint64_t seq, const void *data, size_t len, void *arg)
{
	struct journal_last *jl = arg;

	jl->seq = seq;
	jl->to_serial = len >= 12 ? get32((const uint8_t *)data + 8) : 0;
	return 0;
}

static int check_zone(struct store_txn *t, const struct store_zone *z, const struct zone *v,
		      size_t nrrsets, char *why, size_t cap)
{
	struct journal_last jl = { 0 };
	int ret;

	if (nrrsets != z->nrrsets) {
		snprintf(why, cap, "%zu RRsets stored, the zone record says %u", nrrsets,
			 z->nrrsets);
		return -EUCLEAN;
	}
	if (v->serial != z->serial) {
		snprintf(why, cap, "SOA serial %u, the zone record says %u", v->serial, z->serial);
		return -EUCLEAN;
	}
	ret = store_journal_foreach(t, z->id, journal_last_cb, &jl);
	if (ret)
		return ret;
	if (z->versions > 1 && z->journal_first <= z->versions &&
	    (jl.seq != z->versions || jl.to_serial != z->serial)) {
		snprintf(why, cap, "journal ends at version %lu serial %u, the zone is at "
			 "version %lu serial %u", (unsigned long)jl.seq, jl.to_serial,
			 (unsigned long)z->versions, z->serial);
		return -EUCLEAN;
	}
	return 0;
}

struct load_ctx {
	struct zone_admin	*za;
	struct store_txn	*t;
	size_t			n, bad;
};

static int load_one(const struct store_zone *z, void *arg)
{
	struct load_ctx *lc = arg;
	char err[512], name[DNS_NAME_TEXT_MAX];
	struct warn_set warns = { 0 };
	struct warned **w;
	struct zone *v;
	size_t nrrsets;
	int ret;

	ret = build_version(lc->za, lc->t, z, &v, &nrrsets, &warns, err, sizeof(err));
	w = warned_slot(lc->za, z->origin);
	warn_report(*w ? &(*w)->set : NULL, &warns);
	if (ret) {
		warn_set_free(&warns);
		log_err("store: zone %s cannot be served: %s",
			name_str(z->origin, name, sizeof(name)), err);
		lc->bad++;
		return 0;
	}
	if (check_zone(lc->t, z, v, nrrsets, err, sizeof(err))) {
		log_err("store: zone %s is inconsistent: %s",
			name_str(z->origin, name, sizeof(name)), err);
		lc->bad++;
	}
	ret = zone_store_publish(lc->za->zs, v);
	if (ret) {
		warn_set_free(&warns);
		return ret;
	}
	warned_set(lc->za, z->origin, &warns);
	lc->n++;
	return 0;
}

int zone_admin_load_all(struct zone_admin *za, size_t *nzones)
{
	struct load_ctx lc = { .za = za };
	int ret;

	ret = store_txn_begin(za->st, false, &lc.t);
	if (ret)
		return ret;
	ret = store_zone_foreach(lc.t, NULL, NULL, load_one, &lc);
	store_txn_abort(lc.t);
	if (ret) {
		log_err("store: loading zones: %s", strerror(-ret));
		return ret;
	}
	log_info("store: %zu zones loaded, %zu inconsistent", lc.n, lc.bad);
	if (nzones)
		*nzones = lc.n;
	return 0;
}

static int sync_one(const struct zone *z, void *arg)
{
	sync_zone(arg, z->origin, z);
	return 0;
}

int zone_admin_set_map_sync(struct zone_admin *za, struct map_sync *ms)
{
	pthread_mutex_lock(&za->lock);
	za->ms = ms;
	if (ms)
		zone_store_foreach(za->zs, sync_one, za);
	pthread_mutex_unlock(&za->lock);
	return 0;
}

/* ---- writes ---- */

int zone_admin_begin(struct zone_admin *za, struct zone_admin_txn **out)
{
	struct zone_admin_txn *t = calloc(1, sizeof(*t));
	int ret;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	pthread_mutex_lock(&za->lock);
	ret = store_txn_begin(za->st, true, &t->st);
	if (ret) {
		pthread_mutex_unlock(&za->lock);
		free(t);
		return ret;
	}
	t->za = za;
	*out = t;
	return 0;
}

struct store_txn *zone_admin_txn_store(struct zone_admin_txn *t)
{
	return t->st;
}

static void pending_free(struct zone_admin_txn *t)
{
	size_t i;

	for (i = 0; i < t->npend; i++) {
		zone_free(t->pend[i].zone);
		warn_set_free(&t->pend[i].warns);
	}
	free(t->pend);
	warn_set_free(&t->warns);
}

void zone_admin_abort(struct zone_admin_txn *t)
{
	if (!t)
		return;
	store_txn_abort(t->st);
	pending_free(t);
	pthread_mutex_unlock(&t->za->lock);
	free(t);
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sync_parent(struct zone_admin *za, const uint8_t *origin)
{
	const uint8_t *up = dns_name_parent(origin);
	const struct zone *pz;

	if (!za->ms || !up)
		return;
	rcu_read_lock();
	pz = zone_store_find(za->zs, up, dns_name_len(up, DNS_NAME_MAX));
	rcu_read_unlock();
	/* Only our writes replace versions, and we hold the lock. */
	if (pz)
		sync_zone(za, pz->origin, pz);
}

int zone_admin_commit(struct zone_admin_txn *t)
{
	struct zone_admin *za = t->za;
	double t0;
	size_t i;
	int ret;

	ret = store_txn_commit(t->st);
	if (ret) {
		pending_free(t);
		goto out;
	}
	t0 = now_sec();
	for (i = 0; i < t->npend; i++) {
		struct pending *p = &t->pend[i];
		bool removed = !p->zone;

		if (p->zone) {
			struct zone *z = p->zone;

			p->zone = NULL;
			/* The store owns z now; only our writes replace it, and we
			 * hold the lock, so it stays valid for the walk. */
			if (zone_store_publish(za->zs, z) == 0)
				sync_zone(za, p->origin, z);
			warned_set(za, p->origin, &p->warns);
		} else {
			zone_store_remove(za->zs, p->origin);
			sync_zone(za, p->origin, NULL);
			warned_set(za, p->origin, NULL);
			warn_set_free(&p->warns);
		}
		/* A zone come or gone moves names between it and its parent. */
		if (p->added || removed)
			sync_parent(za, p->origin);
	}
	if (t->npend && za->apply_cb)
		za->apply_cb(now_sec() - t0, za->apply_ctx);
	free(t->pend);
	warn_set_free(&t->warns);
out:
	pthread_mutex_unlock(&za->lock);
	free(t);
	return ret;
}

/* Version z (NULL: none) to serve for origin once committed; logs the
 * warnings of its builds (t->warns) that the version it replaces had not. */
static int pending_add(struct zone_admin_txn *t, const uint8_t *origin, struct zone *z,
		       bool added)
{
	struct warned *w = *warned_slot(t->za, origin);
	struct pending *p = NULL;
	size_t i;
	int len = dns_name_len(origin, DNS_NAME_MAX);

	for (i = 0; i < t->npend && !p; i++)
		if (dns_name_equal(t->pend[i].origin, origin))
			p = &t->pend[i];
	if (z)
		warn_report(p ? &p->warns : w ? &w->set : NULL, &t->warns);
	if (p) {
		zone_free(p->zone);
		p->zone = z;
		p->added |= added;
		warn_set_free(&p->warns);
		p->warns = t->warns;
		memset(&t->warns, 0, sizeof(t->warns));
		return 0;
	}
	if (t->npend == t->cappend) {
		size_t cap = t->cappend ? t->cappend * 2 : 4;

		p = realloc(t->pend, cap * sizeof(*p));
		if (!p) {
			zone_free(z);
			warn_set_free(&t->warns);
			return -ENOMEM;
		}
		t->pend = p;
		t->cappend = cap;
	}
	p = &t->pend[t->npend++];
	memcpy(p->origin, origin, len);
	p->added = added;
	p->zone = z;
	p->warns = t->warns;
	memset(&t->warns, 0, sizeof(t->warns));
	return 0;
}

/* ---- names, types, accounts ---- */

bool zone_admin_account_valid(const char *a)
{
	size_t i, n = strlen(a);

	if (n < 1 || n > STORE_ACCOUNT_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') ||
		      a[i] == '-' || a[i] == '_' || a[i] == '.'))
			return false;
	return true;
}

static const uint8_t root_name[1] = { 0 };

/* A zone name: absolute with or without the final dot. */
static int zone_name(const char *text, uint8_t *out, const char *field, struct zone_admin_err *e)
{
	int ret;

	if (!text || !*text) {
		seterr(e, ZONE_ADMIN_INVALID, field, "zone name missing");
		return -EINVAL;
	}
	if (!strcmp(text, "@")) {
		seterr(e, ZONE_ADMIN_INVALID, field, "'@' is not a zone name");
		return -EINVAL;
	}
	ret = dns_name_from_text(out, text, strlen(text), root_name);
	if (ret < 0) {
		seterr(e, ZONE_ADMIN_INVALID, field, "bad zone name '%.255s': %s", text,
		       dns_name_strerror(ret));
		return -EINVAL;
	}
	dns_name_lower(out);
	return 0;
}

static bool in_scope(const struct store_zone *z, const char *account)
{
	return !account || !strcmp(z->account, account);
}

int zone_admin_zone_find(struct store_txn *t, const char *zone, const char *account,
			 struct store_zone *out, struct zone_admin_err *e)
{
	uint8_t origin[DNS_NAME_MAX];
	int ret;

	if (zone_name(zone, origin, "zone", e)) {
		/* A name that cannot exist names no zone of yours either. */
		e->status = ZONE_ADMIN_NOT_FOUND;
		return -ENOENT;
	}
	ret = store_zone_get(t, origin, out);
	if (ret == -ENOENT || (!ret && !in_scope(out, account))) {
		seterr(e, ZONE_ADMIN_NOT_FOUND, NULL, "no zone %s", zone);
		return -ENOENT;
	}
	if (ret)
		return internal(e, ret, "reading the zone");
	return 0;
}

int zone_admin_owner(const struct store_zone *z, const char *text, uint8_t *out,
		     struct zone_admin_err *e)
{
	char zn[DNS_NAME_TEXT_MAX], on[DNS_NAME_TEXT_MAX];
	int ret;

	if (!text || !*text) {
		seterr(e, ZONE_ADMIN_INVALID, "name", "owner name missing");
		return -EINVAL;
	}
	ret = dns_name_from_text(out, text, strlen(text), z->origin);
	if (ret < 0) {
		seterr(e, ZONE_ADMIN_INVALID, "name", "bad name '%.255s': %s", text,
		       dns_name_strerror(ret));
		return -EINVAL;
	}
	dns_name_lower(out);
	if (!dns_name_is_subdomain(out, z->origin)) {
		seterr(e, ZONE_ADMIN_SEMANTIC, "name", "%s is outside the zone %s",
		       name_str(out, on, sizeof(on)), name_str(z->origin, zn, sizeof(zn)));
		return -EINVAL;
	}
	return 0;
}

static int rr_type(const char *text, uint16_t *type, struct zone_admin_err *e)
{
	int t;

	if (!text || !*text) {
		seterr(e, ZONE_ADMIN_INVALID, "type", "type missing");
		return -EINVAL;
	}
	t = dns_type_from_text(text, strlen(text));
	if (t < 0) {
		seterr(e, ZONE_ADMIN_INVALID, "type", "unknown type '%.32s'", text);
		return -EINVAL;
	}
	/* RFC 6895 §3.1: OPT and the QTYPE-only range never sit in a zone. */
	if (t == 0 || t == DNS_TYPE_OPT || (t >= 128 && t <= 255)) {
		seterr(e, ZONE_ADMIN_INVALID, "type", "type %.32s cannot be in a zone", text);
		return -EINVAL;
	}
	*type = t;
	return 0;
}

static int check_match(const struct store_zone *z, const struct zone_admin_match *m,
		       struct zone_admin_err *e)
{
	size_t i;

	if (!m || !m->present || m->any)
		return 0;
	for (i = 0; i < m->n; i++)
		if (m->serials[i] == z->serial)
			return 0;
	seterr(e, ZONE_ADMIN_PRECONDITION, NULL, "the zone is at serial %u", z->serial);
	return -EAGAIN;
}

/* What a change to an existing zone starts with: e reset, the zone found in
 * the account, and If-Match checked against its serial. */
static int zone_open(struct zone_admin_txn *t, const char *zone, const char *account,
		     const struct zone_admin_match *m, struct store_zone *z,
		     struct zone_admin_err *e)
{
	int ret;

	e->status = ZONE_ADMIN_OK;
	e->change = -1;
	ret = zone_admin_zone_find(t->st, zone, account, z, e);
	return ret ?: check_match(z, m, e);
}

/* ---- versions ---- */

/* Bumps the serial of the apex SOA (to the SOA's own serial when a change set
 * it higher), then records the version: journal entry, zone record, and the
 * built version to serve after commit. */
static int new_version(struct zone_admin_txn *t, struct store_zone *z, struct journal *jr,
		       const struct recs *old_soa, uint32_t old_soa_ttl,
		       struct zone_admin_err *e)
{
	uint32_t old_serial = z->serial, serial;
	struct store_rrset soa;
	struct recs new_soa = { 0 };
	struct jbuf entry = { 0 };
	uint8_t hdr[32];
	struct zone *v;
	char err[512];
	int ret, off;

	ret = store_rrset_get(t->st, z->id, z->origin, DNS_TYPE_SOA, &soa);
	if (ret == -ENOENT) {
		seterr(e, ZONE_ADMIN_SEMANTIC, NULL, "the zone has no SOA record");
		return -EINVAL;
	}
	if (ret)
		return internal(e, ret, "reading the SOA");
	ret = recs_from_data(&new_soa, soa.data, soa.data_len);
	if (ret || new_soa.count != 1 ||
	    (off = soa_serial_off(new_soa.data + 2, new_soa.len - 2)) < 0) {
		recs_free(&new_soa);
		seterr(e, ZONE_ADMIN_SEMANTIC, NULL, "the apex needs exactly one SOA record");
		return -EINVAL;
	}
	serial = get32(new_soa.data + 2 + off);
	if (!serial_gt(serial, old_serial))
		serial = old_serial + 1;
	put32(new_soa.data + 2 + off, serial);
	soa.data = new_soa.data;
	soa.data_len = new_soa.len;
	ret = store_rrset_put(t->st, z->id, &soa);
	if (ret) {
		recs_free(&new_soa);
		return internal(e, ret, "writing the SOA");
	}
	/* The SOA bracket of an IXFR difference sequence (RFC 1995 §4). */
	if (old_soa)
		journal_diff(jr, z->origin, DNS_TYPE_SOA, old_soa, old_soa_ttl, NULL, 0);
	journal_diff(jr, z->origin, DNS_TYPE_SOA, NULL, 0, &new_soa, soa.ttl);
	recs_free(&new_soa);

	z->serial = serial;
	z->versions++;
	z->updated = time(NULL);

	/* Entry: format, from, to, time, removed count, added count, records. */
	put32(hdr, JOURNAL_FORMAT);
	put32(hdr + 4, old_serial);
	put32(hdr + 8, serial);
	put32(hdr + 12, 0);
	memcpy(hdr + 16, &z->updated, 8);
	put32(hdr + 24, jr->removed.n);
	put32(hdr + 28, jr->added.n);
	jbuf_put(&entry, hdr, sizeof(hdr));
	jbuf_put(&entry, jr->removed.p, jr->removed.len);
	jbuf_put(&entry, jr->added.p, jr->added.len);
	if (entry.nomem || jr->removed.nomem || jr->added.nomem) {
		free(entry.p);
		return internal(e, -ENOMEM, "journal");
	}
	ret = store_journal_put(t->st, z->id, z->versions, entry.p, entry.len);
	free(entry.p);
	if (ret)
		return internal(e, ret, "writing the journal");
	if (z->versions - z->journal_first + 1 > t->za->cfg.journal_max) {
		z->journal_first = z->versions - t->za->cfg.journal_max + 1;
		ret = store_journal_trim(t->st, z->id, z->journal_first);
		if (ret)
			return internal(e, ret, "trimming the journal");
	}
	ret = store_zone_put(t->st, z);
	if (ret)
		return internal(e, ret, "writing the zone");

	ret = build_version(t->za, t->st, z, &v, NULL, &t->warns, err, sizeof(err));
	if (ret == -ENOMEM)
		return internal(e, ret, "building the zone");
	if (ret) {
		seterr(e, ZONE_ADMIN_SEMANTIC, NULL, "%s", err);
		return ret;
	}
	ret = pending_add(t, z->origin, v, false);
	if (ret)
		return internal(e, ret, "building the zone");
	return 0;
}

/* ---- RRset changes ---- */

/* Parses one change's records into r; errors name "records[i]". */
static int parse_records(const struct store_zone *z, uint16_t type,
			 const struct zone_admin_change *c, struct recs *r,
			 struct zone_admin_err *e)
{
	char err[256], field[32];
	uint8_t *buf;
	size_t i;
	int len, ret = 0;

	if (c->nrecords < 1 || c->nrecords > ZONE_ADMIN_RECORDS_MAX) {
		seterr(e, ZONE_ADMIN_INVALID, "records", "%zu records: give 1 to %d",
		       c->nrecords, ZONE_ADMIN_RECORDS_MAX);
		return -EINVAL;
	}
	buf = malloc(RDATA_MAX);
	if (!buf)
		return internal(e, -ENOMEM, "records");
	for (i = 0; i < c->nrecords; i++) {
		snprintf(field, sizeof(field), "records[%zu]", i);
		if (!c->records[i]) {
			seterr(e, ZONE_ADMIN_INVALID, field, "not a string");
			ret = -EINVAL;
			break;
		}
		err[0] = 0;
		len = dns_rdata_from_text(type, c->records[i], z->origin, buf, RDATA_MAX, err,
					  sizeof(err));
		if (len < 0) {
			seterr(e, ZONE_ADMIN_INVALID, field, "%s", err[0] ? err : strerror(-len));
			ret = -EINVAL;
			break;
		}
		ret = recs_add(r, buf, len);
		if (ret < 0) {
			internal(e, ret, "records");
			break;
		}
		ret = 0;
		if (r->len > RRSET_DATA_MAX) {
			seterr(e, ZONE_ADMIN_INVALID, "records", "the RRset's RDATA is over %d "
			       "bytes, more than a DNS message holds", RRSET_DATA_MAX);
			ret = -EINVAL;
			break;
		}
	}
	free(buf);
	return ret;
}

/* What each owner touched must still obey: CNAME alone (RFC 2181 §10.1, RRSIG
 * and NSEC excepted), and the apex keeps its SOA and NS. */
struct owner_check {
	bool	cname, other, soa, ns;
};

static int owner_check_cb(const struct store_rrset *rs, void *arg)
{
	struct owner_check *oc = arg;

	if (rs->type == DNS_TYPE_CNAME)
		oc->cname = true;
	else if (rs->type != DNS_TYPE_RRSIG && rs->type != DNS_TYPE_NSEC)
		oc->other = true;
	if (rs->type == DNS_TYPE_SOA)
		oc->soa = true;
	if (rs->type == DNS_TYPE_NS)
		oc->ns = true;
	return 0;
}

static int check_owner(struct zone_admin_txn *t, const struct store_zone *z,
		       const uint8_t *owner, struct zone_admin_err *e)
{
	struct owner_check oc = { 0 };
	char on[DNS_NAME_TEXT_MAX];
	int ret;

	ret = store_rrset_foreach(t->st, z->id, owner, NULL, 0, owner_check_cb, &oc);
	if (ret)
		return internal(e, ret, "reading the zone");
	if (oc.cname && oc.other) {
		seterr(e, ZONE_ADMIN_SEMANTIC, NULL, "CNAME and other data at %s",
		       name_str(owner, on, sizeof(on)));
		return -EINVAL;
	}
	if (dns_name_equal(owner, z->origin) && !oc.ns) {
		seterr(e, ZONE_ADMIN_SEMANTIC, NULL, "the apex NS RRset cannot be removed");
		return -EINVAL;
	}
	if (dns_name_equal(owner, z->origin) && !oc.soa) {
		seterr(e, ZONE_ADMIN_SEMANTIC, NULL, "the apex SOA cannot be removed");
		return -EINVAL;
	}
	return 0;
}

struct touched {
	uint8_t		owner[DNS_NAME_MAX];
	size_t		change;		/* the last change touching it */
};

/* Checks a replace's policy against its records; *canon gets the text to store. */
static int check_policy(struct zone_admin_txn *t, const struct store_zone *z, uint16_t type,
			const struct zone_admin_change *c, const struct recs *in, char **canon,
			struct zone_admin_err *e)
{
	struct slot_scope sc = { &t->za->cfg, z->account };
	const uint8_t *rdata[FP_POLICY_RECORDS_MAX];
	uint16_t rdlen[FP_POLICY_RECORDS_MAX];
	struct policy_err pe = { 0 };
	size_t n;
	int ret;

	if (c->op != ZONE_ADMIN_REPLACE) {
		seterr(e, ZONE_ADMIN_INVALID, "policy", "a policy comes only with the whole "
		       "RRset: replace it");
		return -EINVAL;
	}
	if (in->count != c->nrecords) {
		seterr(e, ZONE_ADMIN_INVALID, "records", "a record is listed twice; a steered "
		       "RRset lists each record once");
		return -EINVAL;
	}
	if (policy_records(in->data, in->len, rdata, rdlen, &n)) {
		seterr(e, ZONE_ADMIN_INVALID, "records", "%u records: a steered RRset has at "
		       "most %d", in->count, FP_POLICY_RECORDS_MAX);
		return -EINVAL;
	}
	ret = policy_validate(c->policy, type, rdata, rdlen, n, scoped_slot, &sc, canon, &pe);
	if (ret == -ENOMEM)
		return internal(e, ret, "policy");
	if (ret)
		seterr(e, ZONE_ADMIN_INVALID, pe.field, "%s", pe.msg);
	return ret;
}

static int apply_one(struct zone_admin_txn *t, struct store_zone *z,
		     const struct zone_admin_change *c, struct journal *jr,
		     uint8_t *owner, bool *changed, struct recs *old_soa, uint32_t *old_soa_ttl,
		     struct zone_admin_err *e)
{
	struct recs old = { 0 }, in = { 0 }, out = { 0 };
	const uint8_t *rd, *old_policy = NULL;
	char *canon = NULL, on[DNS_NAME_TEXT_MAX], tn[16];
	size_t pos, old_plen = 0, plen;
	struct store_rrset rs;
	bool exists, is_apex, same_policy;
	uint32_t ttl, old_ttl = 0;
	uint16_t type, rdlen;
	int ret;

	*changed = false;
	ret = zone_admin_owner(z, c->name, owner, e);
	if (!ret)
		ret = rr_type(c->type, &type, e);
	if (ret)
		return ret;
	if (c->ttl != -1 && (c->ttl < 0 || c->ttl > ZONE_ADMIN_TTL_MAX)) {
		seterr(e, ZONE_ADMIN_INVALID, "ttl", "TTL %lld is outside 0..%u",
		       (long long)c->ttl, ZONE_ADMIN_TTL_MAX);
		return -EINVAL;
	}
	if (c->op != ZONE_ADMIN_DELETE) {
		ret = parse_records(z, type, c, &in, e);
		if (ret)
			goto out;
	}
	if (c->policy) {
		ret = check_policy(t, z, type, c, &in, &canon, e);
		if (ret)
			goto out;
	}
	is_apex = dns_name_equal(owner, z->origin);
	if (type == DNS_TYPE_SOA && (!is_apex || c->op != ZONE_ADMIN_REPLACE || in.count != 1)) {
		seterr(e, ZONE_ADMIN_SEMANTIC, "type", is_apex ?
		       "the SOA can only be replaced, by exactly one record" :
		       "a SOA belongs at the apex only");
		ret = -EINVAL;
		goto out;
	}
	if ((type == DNS_TYPE_CNAME || type == DNS_TYPE_DNAME) && in.count > 1) {
		seterr(e, ZONE_ADMIN_SEMANTIC, "records", "more than one %s record at one name",
		       type == DNS_TYPE_CNAME ? "CNAME" : "DNAME");
		ret = -EINVAL;
		goto out;
	}
	if (type == DNS_TYPE_CNAME && is_apex) {
		seterr(e, ZONE_ADMIN_SEMANTIC, "type", "a CNAME cannot be at the apex");
		ret = -EINVAL;
		goto out;
	}

	ret = store_rrset_get(t->st, z->id, owner, type, &rs);
	if (ret && ret != -ENOENT) {
		internal(e, ret, "reading the RRset");
		goto out;
	}
	exists = !ret;
	if (exists) {
		old_ttl = rs.ttl;
		old_policy = rs.policy;
		old_plen = rs.policy_len;
		ret = recs_from_data(&old, rs.data, rs.data_len);
		if (ret) {
			internal(e, ret, "reading the RRset");
			goto out;
		}
	}
	ret = 0;
	/* Its per-record arrays follow the records: adding or removing one
	 * would leave them pointing at the wrong records. */
	if (old_plen && (c->op == ZONE_ADMIN_ADD || c->op == ZONE_ADMIN_REMOVE)) {
		seterr(e, ZONE_ADMIN_SEMANTIC, "records", "%s %s is steered by a policy: replace "
		       "the RRset with its records and policy instead of %s records",
		       name_str(owner, on, sizeof(on)), dns_type_to_text(type, tn),
		       c->op == ZONE_ADMIN_ADD ? "adding" : "removing");
		ret = -EINVAL;
		goto out;
	}
	if (type == DNS_TYPE_SOA && !old_soa->count) {
		ret = recs_from_data(old_soa, old.data, old.len);
		*old_soa_ttl = old_ttl;
		if (ret) {
			internal(e, ret, "reading the SOA");
			goto out;
		}
	}
	ttl = c->ttl != -1 ? c->ttl : exists ? old_ttl : 3600;
	switch (c->op) {
	case ZONE_ADMIN_REPLACE:
		ttl = c->ttl != -1 ? c->ttl : 3600;
		out = in;
		memset(&in, 0, sizeof(in));
		break;
	case ZONE_ADMIN_ADD:
		out = old;
		memset(&old, 0, sizeof(old));
		if (exists)
			ret = recs_from_data(&old, out.data, out.len);
		for_each_rec(in.data, in.len, pos, rd, rdlen)
			if (!ret)
				ret = recs_add(&out, rd, rdlen) < 0 ? -ENOMEM : 0;
		if (!ret && (type == DNS_TYPE_CNAME || type == DNS_TYPE_DNAME) && out.count > 1) {
			seterr(e, ZONE_ADMIN_SEMANTIC, "records", "more than one %s record at "
			       "one name", type == DNS_TYPE_CNAME ? "CNAME" : "DNAME");
			ret = -EINVAL;
			goto out;
		}
		if (!ret && out.len > RRSET_DATA_MAX) {
			seterr(e, ZONE_ADMIN_INVALID, "records", "the RRset would be over %d "
			       "bytes of RDATA", RRSET_DATA_MAX);
			ret = -EINVAL;
			goto out;
		}
		break;
	case ZONE_ADMIN_REMOVE:
		for_each_rec(old.data, old.len, pos, rd, rdlen)
			if (!ret && !recs_has(&in, rd, rdlen))
				ret = recs_add(&out, rd, rdlen) < 0 ? -ENOMEM : 0;
		ttl = old_ttl;
		break;
	case ZONE_ADMIN_DELETE:
		break;
	}
	if (ret) {
		internal(e, ret, "records");
		goto out;
	}
	/* Only a replace sets the policy; the others keep it (none: see above). */
	plen = canon ? strlen(canon) : 0;
	same_policy = c->op != ZONE_ADMIN_REPLACE ||
		      (plen == old_plen && (!plen || !memcmp(canon, old_policy, plen)));
	if (exists && ttl == old_ttl && out.len == old.len && !memcmp(out.data, old.data, old.len) &&
	    same_policy)
		goto out;	/* the same records in the same order: no change */
	if (!exists && !out.count)
		goto out;
	*changed = true;
	if (type != DNS_TYPE_SOA)
		journal_diff(jr, owner, type, exists ? &old : NULL, old_ttl,
			     out.count ? &out : NULL, ttl);
	if (out.count) {
		memcpy(rs.owner, owner, dns_name_len(owner, DNS_NAME_MAX));
		rs.owner_len = dns_name_len(owner, DNS_NAME_MAX);
		rs.type = type;
		rs.ttl = ttl;
		rs.count = out.count;
		rs.data = out.data;
		rs.data_len = out.len;
		/* A replace sets the policy (none: a plain RRset again). */
		rs.policy = (const uint8_t *)canon;
		rs.policy_len = plen;
		ret = store_rrset_put(t->st, z->id, &rs);
		if (!ret && !exists)
			z->nrrsets++;
	} else {
		ret = store_rrset_del(t->st, z->id, owner, type);
		if (!ret)
			z->nrrsets--;
	}
	if (ret)
		internal(e, ret, "writing the RRset");
out:
	free(canon);
	recs_free(&old);
	recs_free(&in);
	recs_free(&out);
	return ret;
}

int zone_admin_apply(struct zone_admin_txn *t, const char *zone, const char *account,
		     const struct zone_admin_match *m, const struct zone_admin_change *ch,
		     size_t n, struct store_zone *out, size_t *changed, struct zone_admin_err *e)
{
	struct journal jr = { 0 };
	struct recs old_soa = { 0 };
	struct touched *touched = NULL;
	struct store_zone z;
	uint32_t old_soa_ttl = 0;
	size_t i, j, ntouched = 0, nchanged = 0;
	bool c;
	int ret;

	ret = zone_open(t, zone, account, m, &z, e);
	if (ret)
		return ret;
	touched = calloc(n ? n : 1, sizeof(*touched));
	if (!touched)
		return internal(e, -ENOMEM, "changes");
	for (i = 0; i < n; i++) {
		uint8_t owner[DNS_NAME_MAX];

		ret = apply_one(t, &z, &ch[i], &jr, owner, &c, &old_soa, &old_soa_ttl, e);
		if (ret) {
			e->change = i;
			goto out;
		}
		if (!c)
			continue;
		nchanged++;
		for (j = 0; j < ntouched; j++)
			if (dns_name_equal(touched[j].owner, owner))
				break;
		if (j == ntouched)
			memcpy(touched[ntouched++].owner, owner, dns_name_len(owner, DNS_NAME_MAX));
		touched[j].change = i;
	}
	for (j = 0; j < ntouched; j++) {
		ret = check_owner(t, &z, touched[j].owner, e);
		if (ret) {
			e->change = touched[j].change;
			goto out;
		}
	}
	if (nchanged) {
		if (!old_soa.count) {
			struct store_rrset soa;

			ret = store_rrset_get(t->st, z.id, z.origin, DNS_TYPE_SOA, &soa);
			if (!ret) {
				old_soa_ttl = soa.ttl;
				ret = recs_from_data(&old_soa, soa.data, soa.data_len);
			}
			if (ret) {
				internal(e, ret, "reading the SOA");
				goto out;
			}
		}
		ret = new_version(t, &z, &jr, &old_soa, old_soa_ttl, e);
		if (ret)
			goto out;
	}
	if (out)
		*out = z;
	if (changed)
		*changed = nchanged;
out:
	recs_free(&old_soa);
	journal_free(&jr);
	free(touched);
	return ret;
}

/* ---- whole zones ---- */

/* Records of an uploaded master file, held until they are checked. */
struct upload {
	struct zone_builder	*b;
	const uint8_t		*origin;
	bool			soa, ns;
	char			err[1400];
};

static int upload_rr(const struct dns_rr *rr, void *arg)
{
	struct upload *u = arg;
	char on[DNS_NAME_TEXT_MAX];
	int ret;

	if (rr->ttl > ZONE_ADMIN_TTL_MAX) {
		snprintf(u->err, sizeof(u->err), "%s: TTL %u is over %u",
			 name_str(rr->owner, on, sizeof(on)), rr->ttl, ZONE_ADMIN_TTL_MAX);
		return -ERANGE;
	}
	if (dns_name_equal(rr->owner, u->origin)) {
		u->soa |= rr->type == DNS_TYPE_SOA;
		u->ns |= rr->type == DNS_TYPE_NS;
	}
	ret = zone_builder_add(u->b, rr, u->err, sizeof(u->err));
	return ret ? -EUCLEAN : 0;
}

/* Parses text for zone origin into u->b. */
static int upload_parse(struct upload *u, const uint8_t *origin, const char *text, size_t len,
			struct zone_admin_err *e)
{
	struct zonefile_opts opts = { .origin = origin, .no_include = 1 };
	char perr[512];
	int ret;

	u->origin = origin;
	ret = zone_builder_new(&u->b, origin);
	if (ret)
		return internal(e, ret, "zone file");
	perr[0] = 0;
	ret = zonefile_parse_buffer("zonefile", text, len, &opts, upload_rr, u, perr,
				    sizeof(perr));
	if (ret == -ERANGE) {
		seterr(e, ZONE_ADMIN_INVALID, "zonefile", "%s", u->err);
	} else if (ret == -EUCLEAN) {
		seterr(e, ZONE_ADMIN_SEMANTIC, "zonefile", "%s", u->err);
	} else if (ret == -ENOMEM) {
		internal(e, ret, "zone file");
	} else if (ret) {
		seterr(e, ZONE_ADMIN_INVALID, "zonefile", "%s",
		       perr[0] ? perr : "zonefile: cannot be parsed");
	}
	if (ret) {
		zone_builder_free(u->b);
		u->b = NULL;
	}
	return ret;
}

/* Builds the uploaded version, the builder's warnings kept for the reply and
 * its error reported in e (against field). */
static int upload_finish(struct zone_admin_txn *t, struct zone_builder *b, struct zone **v,
			 const char *field, struct zone_admin_err *e)
{
	struct log_sink prev;
	char err[512];
	int ret;

	prev = warn_capture(&t->warns);
	ret = zone_builder_finish(b, v, err, sizeof(err));
	log_set_sink(prev);
	if (ret)
		seterr(e, ret == -ENOMEM ? ZONE_ADMIN_INTERNAL : ZONE_ADMIN_SEMANTIC, field, "%s",
		       err);
	return ret;
}

static int add_rr(struct zone_builder *b, const uint8_t *owner, uint16_t type, uint32_t ttl,
		  const uint8_t *rd, size_t rdlen, struct zone_admin_err *e)
{
	struct dns_rr rr = { .owner = owner, .type = type, .rclass = DNS_CLASS_IN, .ttl = ttl,
			     .rdata = rd, .rdlen = rdlen };
	char err[256];
	int ret = zone_builder_add(b, &rr, err, sizeof(err));

	if (ret)
		seterr(e, ZONE_ADMIN_SEMANTIC, NULL, "%s", err);
	return ret;
}

static uint32_t today_serial(void)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	return (uint32_t)(tm.tm_year + 1900) * 1000000 + (tm.tm_mon + 1) * 10000 +
	       tm.tm_mday * 100 + 1;
}

/* SOA and NS at the apex from spec and the defaults, added to b. */
static int add_apex(struct zone_admin *za, struct zone_builder *b, const uint8_t *origin,
		    const struct zone_admin_zone_spec *spec, bool want_soa, bool want_ns,
		    struct zone_admin_err *e)
{
	const struct zone_admin_soa *s = &spec->soa;
	uint8_t ns[ZONE_ADMIN_NS_MAX][DNS_NAME_MAX], rd[2 * DNS_NAME_MAX + 20];
	const char *const *names = spec->nameservers;
	size_t i, nns = spec->nns;
	uint32_t ttl = s->ttl >= 0 ? s->ttl : 3600;
	int len, l2, ret;
	char field[32];
	const uint8_t *nsorigin = origin;

	if (!names) {
		names = za->cfg.default_ns;
		nns = za->cfg.ndefault_ns;
		nsorigin = root_name;
	}
	if (want_ns && !nns) {
		seterr(e, ZONE_ADMIN_INVALID, "nameservers", "no name servers: give "
		       "\"nameservers\" or start the server with --default-ns");
		return -EINVAL;
	}
	if (nns > ZONE_ADMIN_NS_MAX) {
		seterr(e, ZONE_ADMIN_INVALID, "nameservers", "at most %d name servers",
		       ZONE_ADMIN_NS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < nns; i++) {
		snprintf(field, sizeof(field), "nameservers[%zu]", i);
		len = names[i] ? dns_name_from_text(ns[i], names[i], strlen(names[i]), nsorigin)
			       : -EINVAL;
		if (len < 0) {
			seterr(e, ZONE_ADMIN_INVALID, field, "bad name server name: %s",
			       dns_name_strerror(len));
			return -EINVAL;
		}
		dns_name_lower(ns[i]);
		if (want_ns) {
			ret = add_rr(b, origin, DNS_TYPE_NS, ttl, ns[i], len, e);
			if (ret)
				return ret;
		}
	}
	if (!want_soa)
		return 0;
	if (s->mname) {
		len = dns_name_from_text(rd, s->mname, strlen(s->mname), origin);
		if (len < 0) {
			seterr(e, ZONE_ADMIN_INVALID, "soa.mname", "bad name: %s",
			       dns_name_strerror(len));
			return -EINVAL;
		}
	} else if (nns) {
		len = dns_name_len(ns[0], DNS_NAME_MAX);
		memcpy(rd, ns[0], len);
	} else {
		seterr(e, ZONE_ADMIN_INVALID, "soa.mname", "no SOA MNAME and no name server "
		       "to take it from");
		return -EINVAL;
	}
	if (s->rname) {
		l2 = dns_name_from_text(rd + len, s->rname, strlen(s->rname), origin);
		if (l2 < 0) {
			seterr(e, ZONE_ADMIN_INVALID, "soa.rname", "bad name: %s",
			       dns_name_strerror(l2));
			return -EINVAL;
		}
	} else {
		l2 = dns_name_from_text(rd + len, "hostmaster", 10, origin);
		if (l2 < 0) {
			seterr(e, ZONE_ADMIN_INVALID, "name", "no room for hostmaster.<zone> "
			       "as SOA RNAME: give soa.rname");
			return -EINVAL;
		}
	}
	len += l2;
	put32(rd + len, today_serial());
	put32(rd + len + 4, s->refresh >= 0 ? s->refresh : 3600);
	put32(rd + len + 8, s->retry >= 0 ? s->retry : 600);
	put32(rd + len + 12, s->expire >= 0 ? s->expire : 604800);
	put32(rd + len + 16, s->minimum >= 0 ? s->minimum : 300);
	dns_name_lower(rd);
	return add_rr(b, origin, DNS_TYPE_SOA, ttl, rd, len + 20, e);
}

/* Writes every RRset of version v as zone z's records. */
static int write_version(struct zone_admin_txn *t, struct store_zone *z, const struct zone *v,
			 struct zone_admin_err *e)
{
	struct recs r = { 0 };
	struct store_rrset rs = { 0 };	/* a zone file carries no policies */
	size_t i, j, k;
	int ret = 0;

	z->nrrsets = 0;
	for (i = 0; i < v->nnodes && !ret; i++) {
		const struct zone_node *n = v->nodes[i];

		for (j = 0; j < n->nrrsets && !ret; j++) {
			const struct zone_rrset *s = &n->rrsets[j];

			r.len = 0;
			r.count = 0;
			for (k = 0; k < s->count && !ret; k++)
				ret = recs_add(&r, s->rrs[k].rdata, s->rrs[k].rdlen) < 0 ? -ENOMEM : 0;
			if (ret)
				break;
			memcpy(rs.owner, n->name, n->name_len);
			rs.owner_len = n->name_len;
			rs.type = s->type;
			rs.ttl = s->ttl;
			rs.count = r.count;
			rs.data = r.data;
			rs.data_len = r.len;
			ret = store_rrset_put(t->st, z->id, &rs);
			z->nrrsets++;
		}
	}
	recs_free(&r);
	if (ret)
		return internal(e, ret, "writing the zone");
	return 0;
}

/* A zone of another account above or below origin would take over names. */
static int check_neighbours(struct store_txn *st, const uint8_t *origin, const char *account,
			    struct zone_admin_err *e)
{
	char zn[DNS_NAME_TEXT_MAX];
	struct store_zone other;
	const uint8_t *p;
	int ret;

	for (p = dns_name_parent(origin); p; p = dns_name_parent(p)) {
		ret = store_zone_get(st, p, &other);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return internal(e, ret, "reading zones");
		if (strcmp(other.account, account))
			goto taken;
	}
	ret = store_zone_below(st, origin, &other);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return internal(e, ret, "reading zones");
	if (!strcmp(other.account, account))
		return 0;
taken:
	seterr(e, ZONE_ADMIN_CONFLICT, "name", "zone %s overlaps a zone of another account",
	       name_str(origin, zn, sizeof(zn)));
	return -EEXIST;
}

/* Stores version v as a new zone of account. */
static int create_from(struct zone_admin_txn *t, struct zone *v, const char *account,
		       struct store_zone *out, struct zone_admin_err *e)
{
	struct store_zone z = { 0 };
	struct zone *served;
	char err[512];
	int ret;

	ret = store_next_id(t->st, "zone", &z.id);
	if (ret)
		return internal(e, ret, "allocating a zone id");
	memcpy(z.origin, v->origin, v->origin_len);
	z.origin_len = v->origin_len;
	snprintf(z.account, sizeof(z.account), "%s", account);
	z.serial = v->serial;
	z.versions = 1;
	z.journal_first = 2;	/* the first version has no entry: it is all new */
	z.created = z.updated = time(NULL);
	ret = write_version(t, &z, v, e);
	if (!ret) {
		ret = store_zone_put(t->st, &z);
		if (ret)
			internal(e, ret, "writing the zone");
	}
	if (ret)
		return ret;
	/* Served from what is stored, exactly as after a restart. */
	ret = build_version(t->za, t->st, &z, &served, NULL, &t->warns, err, sizeof(err));
	if (ret) {
		seterr(e, ret == -ENOMEM ? ZONE_ADMIN_INTERNAL : ZONE_ADMIN_SEMANTIC, NULL, "%s",
		       err);
		return ret;
	}
	ret = pending_add(t, z.origin, served, true);
	if (ret)
		return internal(e, ret, "zone");
	if (out)
		*out = z;
	return 0;
}

int zone_admin_zone_create(struct zone_admin_txn *t, const struct zone_admin_zone_spec *spec,
			   struct store_zone *out, struct zone_admin_err *e)
{
	uint8_t origin[DNS_NAME_MAX];
	struct upload u = { 0 };
	struct store_zone old;
	struct zone *v = NULL;
	char zn[DNS_NAME_TEXT_MAX];
	int ret;

	e->status = ZONE_ADMIN_OK;
	e->change = -1;
	ret = zone_name(spec->name, origin, "name", e);
	if (ret)
		return ret;
	if (!spec->account || !zone_admin_account_valid(spec->account)) {
		seterr(e, ZONE_ADMIN_INVALID, "account", "bad account name");
		return -EINVAL;
	}
	ret = store_zone_get(t->st, origin, &old);
	if (!ret) {
		seterr(e, ZONE_ADMIN_CONFLICT, "name", "zone %s exists",
		       name_str(origin, zn, sizeof(zn)));
		return -EEXIST;
	}
	if (ret != -ENOENT)
		return internal(e, ret, "reading the zone");
	ret = check_neighbours(t->st, origin, spec->account, e);
	if (ret)
		return ret;

	if (spec->zonefile) {
		ret = upload_parse(&u, origin, spec->zonefile, spec->zonefile_len, e);
		if (ret)
			return ret;
	} else {
		ret = zone_builder_new(&u.b, origin);
		if (ret)
			return internal(e, ret, "zone");
	}
	ret = add_apex(t->za, u.b, origin, spec, !u.soa, !u.ns, e);
	if (ret) {
		zone_builder_free(u.b);
		return ret;
	}
	ret = upload_finish(t, u.b, &v, spec->zonefile ? "zonefile" : NULL, e);
	if (ret)
		return ret;
	ret = create_from(t, v, spec->account, out, e);
	zone_free(v);
	return ret;
}

int zone_admin_zone_delete(struct zone_admin_txn *t, const char *zone, const char *account,
			   const struct zone_admin_match *m, struct zone_admin_err *e)
{
	struct store_zone z;
	int ret;

	ret = zone_open(t, zone, account, m, &z, e);
	if (ret)
		return ret;
	ret = store_zone_del(t->st, &z);
	if (ret)
		return internal(e, ret, "deleting the zone");
	return pending_add(t, z.origin, NULL, false) ? internal(e, -ENOMEM, "zone") : 0;
}

/* Journals the difference between the stored RRsets of z and version v. */
struct replace_ctx {
	struct zone_admin_txn	*t;
	const struct zone	*v;
	struct journal		*jr;
	struct recs		*old_soa;
	uint32_t		old_soa_ttl;
	int			err;
};

static void zone_rrset_recs(const struct zone_rrset *s, struct recs *r)
{
	uint16_t k;

	for (k = 0; s && k < s->count; k++)
		recs_add(r, s->rrs[k].rdata, s->rrs[k].rdlen);
}

static int replace_old_cb(const struct store_rrset *rs, void *arg)
{
	struct replace_ctx *rc = arg;
	const struct zone_node *n;
	const struct zone_rrset *s = NULL;
	struct recs old = { 0 }, new = { 0 };

	if (recs_from_data(&old, rs->data, rs->data_len))
		return -EUCLEAN;
	if (rs->type == DNS_TYPE_SOA) {
		*rc->old_soa = old;
		rc->old_soa_ttl = rs->ttl;
		return 0;
	}
	n = zone_lookup(rc->v, rs->owner, rs->owner_len, dns_name_hash(rs->owner));
	if (n)
		s = zone_node_rrset(n, rs->type);
	zone_rrset_recs(s, &new);
	journal_diff(rc->jr, rs->owner, rs->type, &old, rs->ttl, s ? &new : NULL,
		     s ? s->ttl : 0);
	recs_free(&old);
	recs_free(&new);
	return 0;
}

int zone_admin_zone_replace(struct zone_admin_txn *t, const char *zone, const char *account,
			    const struct zone_admin_match *m, const char *text, size_t len,
			    struct store_zone *out, struct zone_admin_err *e)
{
	struct journal jr = { 0 };
	struct recs old_soa = { 0 };
	struct replace_ctx rc = { .t = t, .jr = &jr, .old_soa = &old_soa };
	struct upload u = { 0 };
	struct store_zone z;
	struct store_rrset soa;
	struct zone *v = NULL;
	size_t i, j;
	int ret;

	ret = zone_open(t, zone, account, m, &z, e);
	if (ret)
		return ret;
	ret = upload_parse(&u, z.origin, text, len, e);
	if (ret)
		return ret;
	if (!u.soa) {
		/* No SOA in the file: the zone keeps its own. */
		ret = store_rrset_get(t->st, z.id, z.origin, DNS_TYPE_SOA, &soa);
		if (!ret) {
			size_t pos;
			const uint8_t *rd;
			uint16_t rdlen;

			for_each_rec(soa.data, soa.data_len, pos, rd, rdlen)
				if (!ret)
					ret = add_rr(u.b, z.origin, DNS_TYPE_SOA, soa.ttl, rd, rdlen, e);
		} else {
			internal(e, ret, "reading the SOA");
		}
		if (ret) {
			zone_builder_free(u.b);
			return ret;
		}
	}
	ret = upload_finish(t, u.b, &v, "zonefile", e);
	if (ret)
		return ret;
	/* Differences first (old RRsets against the new version, then what is
	 * only new), then the old RRsets make way for the new ones. */
	rc.v = v;
	ret = store_rrset_foreach(t->st, z.id, NULL, NULL, 0, replace_old_cb, &rc);
	for (i = 0; !ret && i < v->nnodes; i++) {
		const struct zone_node *n = v->nodes[i];

		for (j = 0; j < n->nrrsets; j++) {
			struct store_rrset rs;
			struct recs new = { 0 };

			if (n->rrsets[j].type == DNS_TYPE_SOA ||
			    !store_rrset_get(t->st, z.id, n->name, n->rrsets[j].type, &rs))
				continue;
			zone_rrset_recs(&n->rrsets[j], &new);
			journal_diff(&jr, n->name, n->rrsets[j].type, NULL, 0, &new,
				     n->rrsets[j].ttl);
			recs_free(&new);
		}
	}
	if (ret) {
		internal(e, ret, "reading the zone");
		goto out;
	}
	ret = store_rrset_clear(t->st, z.id);
	if (ret) {
		internal(e, ret, "replacing the zone");
		goto out;
	}
	ret = write_version(t, &z, v, e);
	if (ret)
		goto out;
	ret = new_version(t, &z, &jr, old_soa.count ? &old_soa : NULL, rc.old_soa_ttl, e);
	if (!ret && out)
		*out = z;
out:
	zone_free(v);
	recs_free(&old_soa);
	journal_free(&jr);
	return ret;
}

int zone_admin_zone_import(struct zone_admin_txn *t, struct zone *v, const char *account,
			   bool *imported, struct zone_admin_err *e)
{
	struct store_zone old;
	int ret;

	e->status = ZONE_ADMIN_OK;
	e->change = -1;
	*imported = false;
	ret = store_zone_get(t->st, v->origin, &old);
	if (!ret)
		return 0;
	if (ret != -ENOENT)
		return internal(e, ret, "reading the zone");
	ret = create_from(t, v, account, NULL, e);
	if (!ret)
		*imported = true;
	return ret;
}

int zone_admin_import_file(struct zone_admin *za, const char *path, const char *account,
			   bool *imported, char *err, size_t errlen)
{
	struct zone_admin_err e = { 0 };
	struct warn_set warns = { 0 };
	struct zone_admin_txn *t;
	struct log_sink prev;
	struct zone *v;
	int ret;

	*imported = false;
	/* Reported with the stored version's, if the file makes a new zone. */
	prev = warn_capture(&warns);
	ret = zone_load_file(path, &v, err, errlen);
	log_set_sink(prev);
	if (ret) {
		warn_report(NULL, &warns);
		warn_set_free(&warns);
		return ret;
	}
	ret = zone_admin_begin(za, &t);
	if (ret) {
		snprintf(err, errlen, "%s: store: %s", path, strerror(-ret));
		zone_free(v);
		warn_set_free(&warns);
		return ret;
	}
	t->warns = warns;
	ret = zone_admin_zone_import(t, v, account, imported, &e);
	zone_free(v);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, e.msg);
		zone_admin_abort(t);
		return ret;
	}
	ret = zone_admin_commit(t);
	if (ret) {
		snprintf(err, errlen, "%s: store: %s", path, strerror(-ret));
		*imported = false;
	}
	return ret;
}

/* ---- reading ---- */

struct export_ctx {
	FILE	*f;
	int	err;
};

/* Every check resolves: a description needs the names, not the slots. */
static int any_slot(const char *check, void *ctx)
{
	(void)check;
	(void)ctx;
	return 0;
}

/* A master file has no place for a policy: the export says it in a comment
 * above the records it steers, so a reader knows what the file leaves out. */
static int export_policy(FILE *f, const struct store_rrset *rs)
{
	const uint8_t *rdata[FP_POLICY_RECORDS_MAX];
	uint16_t rdlen[FP_POLICY_RECORDS_MAX];
	struct policy_err pe;
	struct policy *p = NULL;
	char desc[512];
	size_t n;
	int ret;

	ret = policy_records(rs->data, rs->data_len, rdata, rdlen, &n);
	if (!ret)
		ret = policy_compile((const char *)rs->policy, rs->policy_len, rs->type, rdata,
				     rdlen, n, any_slot, NULL, &p, &pe);
	if (!ret)
		ret = policy_describe(p, desc, sizeof(desc));
	policy_free(p);
	if (ret == -ENOSPC)
		snprintf(desc, sizeof(desc), "%.*s", (int)(rs->policy_len < 400 ?
			 rs->policy_len : 400), (const char *)rs->policy);
	else if (ret < 0)
		snprintf(desc, sizeof(desc), "unreadable");
	if (fprintf(f, "; policy (not in zone files; kept by the API): %s\n", desc) < 0)
		return -EIO;
	return 0;
}

static int export_rrset(const struct store_rrset *rs, void *arg)
{
	struct export_ctx *x = arg;
	struct dns_rr rr = { .owner = rs->owner, .type = rs->type, .rclass = DNS_CLASS_IN,
			     .ttl = rs->ttl };
	const uint8_t *rd;
	uint16_t rdlen;
	size_t pos;
	int ret;

	if (rs->policy_len) {
		ret = export_policy(x->f, rs);
		if (ret)
			return ret;
	}
	for_each_rec(rs->data, rs->data_len, pos, rd, rdlen) {
		rr.rdata = rd;
		rr.rdlen = rdlen;
		ret = zonefile_write_rr(x->f, &rr);
		if (ret)
			return ret;
	}
	return 0;
}

struct export_skip {
	struct export_ctx	*x;
	const uint8_t		*origin;
};

static int export_skip_soa(const struct store_rrset *rs, void *arg)
{
	struct export_skip *s = arg;

	if (rs->type == DNS_TYPE_SOA && dns_name_equal(rs->owner, s->origin))
		return 0;
	return export_rrset(rs, s->x);
}

int zone_admin_export(struct store_txn *t, const struct store_zone *z, char **out,
		      size_t *len)
{
	struct export_ctx x = { 0 };
	struct export_skip sk = { .x = &x, .origin = z->origin };
	struct store_rrset soa;
	int ret;

	*out = NULL;
	x.f = open_memstream(out, len);
	if (!x.f)
		return -errno;
	ret = store_rrset_get(t, z->id, z->origin, DNS_TYPE_SOA, &soa);
	if (!ret)
		ret = export_rrset(&soa, &x);
	if (!ret)
		ret = store_rrset_foreach(t, z->id, NULL, NULL, 0, export_skip_soa, &sk);
	if (fclose(x.f) && !ret)
		ret = -EIO;
	if (ret) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

int zone_admin_soa_get(struct store_txn *t, const struct store_zone *z, char *mname,
		       char *rname, uint32_t *vals, uint32_t *ttl)
{
	struct store_rrset soa;
	const uint8_t *rd;
	int ret, off, i;

	ret = store_rrset_get(t, z->id, z->origin, DNS_TYPE_SOA, &soa);
	if (ret)
		return ret;
	if (soa.data_len < 2 || get16(soa.data) != soa.data_len - 2)
		return -EUCLEAN;
	rd = soa.data + 2;
	off = soa_serial_off(rd, soa.data_len - 2);
	if (off < 0)
		return -EUCLEAN;
	if (dns_name_to_text(mname, DNS_NAME_TEXT_MAX, rd) < 0 ||
	    dns_name_to_text(rname, DNS_NAME_TEXT_MAX, rd + dns_name_len(rd, off)) < 0)
		return -EUCLEAN;
	for (i = 0; i < 5; i++)
		vals[i] = get32(rd + off + 4 * i);
	*ttl = soa.ttl;
	return 0;
}

/* ---- health checks named by policies ---- */

struct in_use {
	struct store_txn	*t;
	const char		*name;
	char			quoted[POLICY_CHECK_NAME_MAX + 3];
	size_t			qlen;
	bool			found;
};

static int in_use_rrset(const struct store_rrset *rs, void *arg)
{
	struct in_use *u = arg;
	json_t *obj, *x;
	size_t i;

	/* Only a policy holding the quoted name is worth parsing. */
	if (!rs->policy_len || !memmem(rs->policy, rs->policy_len, u->quoted, u->qlen))
		return 0;
	obj = policy_json_text((const char *)rs->policy, rs->policy_len);
	json_array_foreach(json_object_get(obj, "healthchecks"), i, x)
		if (json_is_string(x) && !strcmp(json_string_value(x), u->name))
			u->found = true;
	json_decref(obj);
	return u->found ? 1 : 0;
}

static int in_use_zone(const struct store_zone *z, void *arg)
{
	struct in_use *u = arg;
	int ret;

	ret = store_rrset_foreach(u->t, z->id, NULL, NULL, 0, in_use_rrset, u);
	return ret < 0 ? ret : u->found;
}

/* Scans every stored RRset: deleting a check is rare, and an index of
 * check names would be one more thing for every write to keep right. */
bool zone_admin_check_in_use(const char *name, void *ctx)
{
	struct zone_admin *za = ctx;
	struct in_use u = { .name = name };
	int ret;

	if (strlen(name) > POLICY_CHECK_NAME_MAX)
		return false;
	u.qlen = snprintf(u.quoted, sizeof(u.quoted), "\"%s\"", name);
	ret = store_txn_begin(za->st, false, &u.t);
	if (ret) {
		/* Refuse the delete rather than strand a policy. */
		log_err("health check %s: cannot read the store: %s", name, strerror(-ret));
		return true;
	}
	ret = store_zone_foreach(u.t, NULL, NULL, in_use_zone, &u);
	store_txn_abort(u.t);
	if (ret < 0) {
		log_err("health check %s: cannot read the store: %s", name, strerror(-ret));
		return true;
	}
	return u.found;
}
