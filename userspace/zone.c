// SPDX-License-Identifier: GPL-2.0-only
/* Zone versions: building one from records (with the load-time checks), the
 * node hash table, and closest-encloser lookups. A version never changes once
 * built, so readers need no locks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_rdata.h"
#include "log.h"
#include "policy.h"
#include "zone.h"

#define ARENA_CHUNK_MIN		512
#define ARENA_CHUNK_MAX		(1 << 20)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			used, cap;
	uint8_t			data[];
};

/* A steered RRset's compiled policy, freed with the version that holds it. */
struct arena_policy {
	struct arena_policy	*next;
	struct policy		*p;
};

/* Bump allocation: a zone is freed as a whole, and two million records would
 * otherwise cost two million mallocs. Chunks grow so a small zone stays small. */
struct zone_arena {
	struct arena_chunk	*head;
	size_t			next_cap;
	struct arena_policy	*policies;	/* links live in the chunks */
};

static void *arena_alloc(struct zone_arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t cap;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		cap = a->next_cap < ARENA_CHUNK_MIN ? ARENA_CHUNK_MIN : a->next_cap;
		if (cap < n)
			cap = n;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		if (a->next_cap < ARENA_CHUNK_MAX)
			a->next_cap = cap * 2;
	}
	c->used += n;
	return c->data + c->used - n;
}

static void arena_free(struct zone_arena *a)
{
	struct arena_chunk *c, *next;
	struct arena_policy *ap;

	if (!a)
		return;
	for (ap = a->policies; ap; ap = ap->next)
		policy_free(ap->p);
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* Builder-only shapes, kept in a scratch arena dropped after finish. */
struct brr {
	struct brr	*next;
	struct zone_rr	rr;
};

struct brrset {
	struct brrset	*next;
	struct brr	*head, **tail;
	uint16_t	type;
	uint16_t	count;
	uint32_t	ttl;
	const char	*file;		/* where its first record is, or NULL */
	unsigned int	line;
	const struct policy *policy;
};

/* One copy of each source file name, since a record's own copy lives only
 * as long as the parser's callback. */
struct bfile {
	struct bfile	*next;
	char		name[];
};

struct bnode {
	struct zone_node	node;	/* first: the zone keeps these */
	struct brrset		*sets, **tail;
	uint16_t		nsets;
};

struct zone_builder {
	struct zone		*z;
	struct zone_arena	*scratch;
	uint8_t			origin[DNS_NAME_MAX];
	int			origin_len;	/* 0: from the SOA at finish */
	size_t			nbuckets;
	size_t			ttl_mismatch;
	struct bnode		*soa;		/* the owner of the SOA */
	struct bfile		*files;
	const char		*source;	/* zone_load_file's path, or NULL */
};

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#define MSG_MAX		(2 * DNS_NAME_TEXT_MAX + 128)

static void builder_err(const struct zone_builder *b, char *err, size_t errlen,
			const char *file, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* A check that fails on one record names where it is, as a syntax error does
 * (file:line: message); one on the zone as a whole names the file alone. */
static void builder_err(const struct zone_builder *b, char *err, size_t errlen,
			const char *file, unsigned int line, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file)
		errf(err, errlen, "%s:%u: %s", file, line, msg);
	else if (b->source)
		errf(err, errlen, "%s: %s", b->source, msg);
	else
		errf(err, errlen, "%s", msg);
}

static const char *name_str(const uint8_t *name, char *buf, size_t cap)
{
	if (dns_name_to_text(buf, cap, name) < 0)
		snprintf(buf, cap, "<bad name>");
	return buf;
}

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

const struct zone_node *zone_lookup(const struct zone *z, const uint8_t *lname, size_t len,
				    uint32_t hash)
{
	const struct zone_node *n;

	for (n = z->buckets[hash & z->mask]; n; n = n->next)
		if (n->hash == hash && n->name_len == len && !memcmp(n->name, lname, len))
			return n;
	return NULL;
}

const struct zone_node *zone_find(const struct zone *z, const uint8_t *lname, size_t len,
				  bool *exact)
{
	const struct zone_node *n;

	*exact = true;
	for (;;) {
		if (len <= z->origin_len)
			return z->apex;
		n = zone_lookup(z, lname, len, dns_name_hash(lname));
		if (n)
			return n;
		*exact = false;
		len -= lname[0] + 1;
		lname += lname[0] + 1;
	}
}

static int grow_buckets(struct zone *z, size_t nbuckets)
{
	struct zone_node **nb, *n, *next;
	size_t i;

	nb = calloc(nbuckets, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	for (i = 0; z->buckets && i <= z->mask; i++) {
		for (n = z->buckets[i]; n; n = next) {
			next = n->next;
			n->next = nb[n->hash & (nbuckets - 1)];
			nb[n->hash & (nbuckets - 1)] = n;
		}
	}
	free(z->buckets);
	z->buckets = nb;
	z->mask = nbuckets - 1;
	return 0;
}

/* The node of a lower-case name, created (empty) when absent. name must stay
 * valid: it is kept, not copied. */
static struct bnode *node_get(struct zone_builder *b, const uint8_t *lname, size_t len,
			      bool copy)
{
	struct zone *z = b->z;
	uint32_t hash = dns_name_hash(lname);
	struct bnode *bn;
	uint8_t *name;

	bn = (struct bnode *)zone_lookup(z, lname, len, hash);
	if (bn)
		return bn;
	if (z->nnodes + 1 > z->mask + 1 && grow_buckets(z, (z->mask + 1) * 2))
		return NULL;
	bn = arena_alloc(z->arena, sizeof(*bn));
	if (!bn)
		return NULL;
	memset(bn, 0, sizeof(*bn));
	if (copy) {
		name = arena_alloc(z->arena, len);
		if (!name)
			return NULL;
		memcpy(name, lname, len);
		bn->node.name = name;
	} else {
		bn->node.name = lname;
	}
	bn->node.name_len = len;
	bn->node.hash = hash;
	bn->tail = &bn->sets;
	bn->node.next = z->buckets[hash & z->mask];
	z->buckets[hash & z->mask] = &bn->node;
	z->nnodes++;
	return bn;
}

int zone_builder_new(struct zone_builder **out, const uint8_t *origin)
{
	struct zone_builder *b;
	int len;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->z = calloc(1, sizeof(*b->z));
	b->scratch = calloc(1, sizeof(*b->scratch));
	if (!b->z || !b->scratch)
		goto nomem;
	b->z->arena = calloc(1, sizeof(*b->z->arena));
	if (!b->z->arena || grow_buckets(b->z, 8))
		goto nomem;
	if (origin) {
		len = dns_name_len(origin, DNS_NAME_MAX);
		if (len < 0) {
			zone_builder_free(b);
			return -EINVAL;
		}
		memcpy(b->origin, origin, len);
		dns_name_lower(b->origin);
		b->origin_len = len;
	}
	*out = b;
	return 0;
nomem:
	zone_builder_free(b);
	return -ENOMEM;
}

void zone_builder_free(struct zone_builder *b)
{
	if (!b)
		return;
	zone_free(b->z);
	arena_free(b->scratch);
	free(b);
}

static bool is_meta_type(uint16_t type)
{
	/* RFC 6895 §3.1: OPT and the QTYPE-only range never sit in a zone. */
	return type == DNS_TYPE_OPT || (type >= 128 && type <= 255) || type == 0;
}

static bool is_dnssec_type(uint16_t type)
{
	return type == DNS_TYPE_RRSIG || type == DNS_TYPE_NSEC || type == DNS_TYPE_NSEC3 ||
	       type == DNS_TYPE_DNSKEY;
}

static bool rdata_equal(const struct zone_rr *a, const uint8_t *rdata, uint16_t rdlen)
{
	return a->rdlen == rdlen && !memcmp(a->rdata, rdata, rdlen);
}

static const char *intern_file(struct zone_builder *b, const char *file)
{
	struct bfile *f;
	size_t len;

	if (!file)
		return NULL;
	/* Records come file by file: the newest name is nearly always it. */
	for (f = b->files; f; f = f->next)
		if (!strcmp(f->name, file))
			return f->name;
	len = strlen(file) + 1;
	f = arena_alloc(b->scratch, sizeof(*f) + len);
	if (!f)
		return NULL;
	memcpy(f->name, file, len);
	f->next = b->files;
	b->files = f;
	return f->name;
}

/* RFC 2181 §10.1: a CNAME owner holds nothing else, but RFC 4035 §2.5 lets
 * its RRSIG and NSEC sit beside it. */
static bool cname_companion(uint16_t type)
{
	return type == DNS_TYPE_CNAME || type == DNS_TYPE_RRSIG || type == DNS_TYPE_NSEC;
}

/* Checks that one more record keeps its node valid. They run as records come,
 * so the record that breaks a rule is the one named, where it is written. */
static int check_add(struct zone_builder *b, const struct bnode *bn, const struct brrset *set,
		     const struct dns_rr *rr, char *err, size_t errlen)
{
	char t1[DNS_NAME_TEXT_MAX], t2[DNS_NAME_TEXT_MAX];
	const struct brrset *s;

	if (rr->type == DNS_TYPE_SOA) {
		name_str(bn->node.name, t1, sizeof(t1));
		if (b->origin_len && (bn->node.name_len != b->origin_len ||
				      memcmp(bn->node.name, b->origin, b->origin_len))) {
			builder_err(b, err, errlen, rr->file, rr->line,
				    "SOA record at %s, not at the apex %s", t1,
				    name_str(b->origin, t2, sizeof(t2)));
			return -EINVAL;
		}
		if (b->soa && b->soa != bn) {
			builder_err(b, err, errlen, rr->file, rr->line,
				    "SOA records at both %s and %s",
				    name_str(b->soa->node.name, t2, sizeof(t2)), t1);
			return -EINVAL;
		}
		if (set) {
			builder_err(b, err, errlen, rr->file, rr->line,
				    "2 SOA records at the apex %s", t1);
			return -EINVAL;
		}
	}
	if (set && (rr->type == DNS_TYPE_CNAME || rr->type == DNS_TYPE_DNAME)) {
		builder_err(b, err, errlen, rr->file, rr->line, "more than one %s at %s",
			    rr->type == DNS_TYPE_CNAME ? "CNAME" : "DNAME",
			    name_str(bn->node.name, t1, sizeof(t1)));
		return -EINVAL;
	}
	for (s = bn->sets; s; s = s->next) {
		if ((rr->type == DNS_TYPE_CNAME && !cname_companion(s->type)) ||
		    (s->type == DNS_TYPE_CNAME && !cname_companion(rr->type))) {
			builder_err(b, err, errlen, rr->file, rr->line, "CNAME and other data at %s",
				    name_str(bn->node.name, t1, sizeof(t1)));
			return -EINVAL;
		}
	}
	return 0;
}

static int builder_add(struct zone_builder *b, const struct dns_rr *rr, char *err, size_t errlen)
{
	struct zone *z = b->z;
	uint8_t lname[DNS_NAME_MAX];
	char text[DNS_NAME_TEXT_MAX], tbuf[16];
	struct brrset *set;
	struct bnode *bn;
	struct brr *r, *dup;
	uint16_t offs[4];
	uint8_t *rdata;
	int len, i, n;

	len = dns_name_len(rr->owner, DNS_NAME_MAX);
	if (len < 0) {
		builder_err(b, err, errlen, rr->file, rr->line, "malformed owner name");
		return -EINVAL;
	}
	if (rr->rclass != DNS_CLASS_IN) {
		builder_err(b, err, errlen, rr->file, rr->line, "%s: class %s is not served",
			    name_str(rr->owner, text, sizeof(text)),
			    dns_class_to_text(rr->rclass, tbuf));
		return -EINVAL;
	}
	if (is_meta_type(rr->type)) {
		builder_err(b, err, errlen, rr->file, rr->line, "%s: type %s cannot be in a zone",
			    name_str(rr->owner, text, sizeof(text)),
			    dns_type_to_text(rr->type, tbuf));
		return -EINVAL;
	}
	for (i = 0; i < len; i++)
		lname[i] = lower(rr->owner[i]);
	if (b->origin_len && !dns_name_is_subdomain(lname, b->origin)) {
		builder_err(b, err, errlen, rr->file, rr->line, "out-of-zone data: %s",
			    name_str(lname, text, sizeof(text)));
		return -EINVAL;
	}
	bn = node_get(b, lname, len, true);
	if (!bn)
		return -ENOMEM;

	for (set = bn->sets; set; set = set->next)
		if (set->type == rr->type)
			break;
	for (dup = set ? set->head : NULL; dup; dup = dup->next)
		if (rdata_equal(&dup->rr, rr->rdata, rr->rdlen))
			return 0;	/* RFC 2181 §5: an RRset holds no duplicates */
	if (check_add(b, bn, set, rr, err, errlen))
		return -EINVAL;
	if (!set) {
		set = arena_alloc(b->scratch, sizeof(*set));
		if (!set)
			return -ENOMEM;
		memset(set, 0, sizeof(*set));
		set->type = rr->type;
		set->ttl = rr->ttl;
		set->tail = &set->head;
		if (rr->file) {
			set->file = intern_file(b, rr->file);
			if (!set->file)
				return -ENOMEM;
			set->line = rr->line;
		}
		*bn->tail = set;
		bn->tail = &set->next;
		bn->nsets++;
	}
	if (rr->type == DNS_TYPE_SOA)
		b->soa = bn;

	r = arena_alloc(b->scratch, sizeof(*r));
	rdata = arena_alloc(z->arena, rr->rdlen ? rr->rdlen : 1);
	if (!r || !rdata)
		return -ENOMEM;
	memcpy(rdata, rr->rdata, rr->rdlen);
	memset(r, 0, sizeof(*r));
	r->rr.rdata = rdata;
	r->rr.rdlen = rr->rdlen;
	r->rr.ttl = rr->ttl;
	/* RFC 2181 §5.2: one TTL per RRset. RRSIGs covering different types are
	 * one RRset on the wire but keep their own TTLs (RFC 4034 §3). */
	if (rr->ttl != set->ttl && rr->type != DNS_TYPE_RRSIG) {
		b->ttl_mismatch++;
		r->rr.ttl = set->ttl;
	}
	n = dns_rdata_compressible_names(rr->type, rdata, rr->rdlen, offs, 4);
	if (n > ZONE_RR_COMP_MAX)
		n = 0;	/* no such type; write the names uncompressed */
	for (i = 0; i < n; i++)
		r->rr.comp[i] = offs[i];
	r->rr.ncomp = n > 0 ? n : 0;
	*set->tail = r;
	set->tail = &r->next;
	set->count++;
	z->nrrs++;
	if (is_dnssec_type(rr->type))
		z->dnssec = true;
	return 0;
}

int zone_builder_add(struct zone_builder *b, const struct dns_rr *rr, char *err, size_t errlen)
{
	int ret = builder_add(b, rr, err, errlen);

	if (ret == -ENOMEM)
		builder_err(b, err, errlen, rr->file, rr->line, "out of memory");
	return ret;
}

int zone_builder_set_policy(struct zone_builder *b, const uint8_t *owner, uint16_t type,
			    struct policy *p)
{
	struct zone_arena *a = b->z->arena;
	uint8_t lname[DNS_NAME_MAX];
	struct arena_policy *ap;
	struct brrset *set;
	struct bnode *bn;
	int len, i;

	/* Owned from here on: the arena frees it with the version or builder. */
	ap = arena_alloc(a, sizeof(*ap));
	if (!ap) {
		policy_free(p);
		return -ENOMEM;
	}
	ap->p = p;
	ap->next = a->policies;
	a->policies = ap;

	len = dns_name_len(owner, DNS_NAME_MAX);
	if (len < 0)
		return -EINVAL;
	for (i = 0; i < len; i++)
		lname[i] = lower(owner[i]);
	bn = (struct bnode *)zone_lookup(b->z, lname, len, dns_name_hash(lname));
	for (set = bn ? bn->sets : NULL; set; set = set->next)
		if (set->type == type)
			break;
	if (!set)
		return -ENOENT;
	if (set->policy)
		return -EEXIST;
	if (p->fp.nrecords != set->count)
		return -EINVAL;
	set->policy = p;
	return 0;
}

/* Parents before children: a parent's name is strictly shorter. */
static int sort_nodes(struct zone *z)
{
	size_t count[DNS_NAME_MAX + 2] = { 0 }, i, pos;
	struct zone_node *n, **sorted;

	sorted = malloc(z->nnodes * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i <= z->mask; i++)
		for (n = z->buckets[i]; n; n = n->next)
			count[n->name_len + 1]++;
	for (i = 1; i < DNS_NAME_MAX + 2; i++)
		count[i] += count[i - 1];
	for (i = 0; i <= z->mask; i++) {
		for (n = z->buckets[i]; n; n = n->next) {
			pos = count[n->name_len]++;
			sorted[pos] = n;
		}
	}
	free(z->nodes);
	z->nodes = sorted;
	return 0;
}

static bool rrset_present(const struct bnode *bn, uint16_t type)
{
	const struct brrset *s;

	for (s = bn->sets; s; s = s->next)
		if (s->type == type)
			return true;
	return false;
}

static const struct brrset *brrset_get(const struct bnode *bn, uint16_t type)
{
	const struct brrset *s;

	for (s = bn->sets; s; s = s->next)
		if (s->type == type)
			return s;
	return NULL;
}

/* Empty non-terminals: every name between a node and the apex exists (RFC 4592
 * §2.2.2), so a wildcard cannot match through it. */
static int link_parents(struct zone_builder *b)
{
	struct zone *z = b->z;
	size_t i, count = 0;
	struct zone_node **list, *n, *child;
	struct bnode *p;

	list = malloc(z->nnodes * sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (i = 0; i <= z->mask; i++)
		for (n = z->buckets[i]; n; n = n->next)
			list[count++] = n;
	for (i = 0; i < count; i++) {
		child = list[i];
		while (child->name_len > z->origin_len) {
			const uint8_t *pname = child->name + child->name[0] + 1;
			size_t plen = child->name_len - child->name[0] - 1;
			size_t before = z->nnodes;

			p = node_get(b, pname, plen, false);
			if (!p) {
				free(list);
				return -ENOMEM;
			}
			child->parent = &p->node;
			if (z->nnodes == before)
				break;	/* existed already: its own walk links it */
			child = &p->node;
		}
	}
	free(list);
	return 0;
}

/* Out-of-zone data is known only once the SOA has given the origin; the
 * name's first record takes the blame. The rest was checked record by record. */
static int check_node(struct zone_builder *b, struct bnode *bn, char *err, size_t errlen)
{
	char text[DNS_NAME_TEXT_MAX];

	if (bn->sets && !dns_name_is_subdomain(bn->node.name, b->origin)) {
		builder_err(b, err, errlen, bn->sets->file, bn->sets->line, "out-of-zone data: %s",
			    name_str(bn->node.name, text, sizeof(text)));
		return -EINVAL;
	}
	return 0;
}

/* RFC 9471: a resolver needs the addresses of name servers inside the zone. */
static void warn_missing_glue(struct zone_builder *b, const struct bnode *bn)
{
	char zname[DNS_NAME_TEXT_MAX], owner[DNS_NAME_TEXT_MAX], target[DNS_NAME_TEXT_MAX];
	const struct brrset *ns = brrset_get(bn, DNS_TYPE_NS);
	uint8_t lname[DNS_NAME_MAX];
	const struct bnode *t;
	const struct brr *r;
	int len, i;

	for (r = ns ? ns->head : NULL; r; r = r->next) {
		len = dns_name_len(r->rr.rdata, r->rr.rdlen);
		if (len < 0)
			continue;
		for (i = 0; i < len; i++)
			lname[i] = lower(r->rr.rdata[i]);
		if (!dns_name_is_subdomain(lname, b->origin))
			continue;
		t = (const struct bnode *)zone_lookup(b->z, lname, len, dns_name_hash(lname));
		if (t && (rrset_present(t, DNS_TYPE_A) || rrset_present(t, DNS_TYPE_AAAA)))
			continue;
		log_warn("zone %s: delegation %s: no glue address for name server %s",
			 name_str(b->origin, zname, sizeof(zname)),
			 name_str(bn->node.name, owner, sizeof(owner)),
			 name_str(lname, target, sizeof(target)));
	}
}

static int flatten_node(struct zone *z, struct bnode *bn)
{
	struct zone_rrset *sets;
	const struct brrset *s;
	const struct brr *r;
	struct zone_rr *rrs;
	int i = 0, j;

	if (!bn->nsets)
		return 0;
	sets = arena_alloc(z->arena, bn->nsets * sizeof(*sets));
	if (!sets)
		return -ENOMEM;
	for (s = bn->sets; s; s = s->next, i++) {
		rrs = arena_alloc(z->arena, s->count * sizeof(*rrs));
		if (!rrs)
			return -ENOMEM;
		for (r = s->head, j = 0; r; r = r->next, j++)
			rrs[j] = r->rr;
		sets[i].type = s->type;
		sets[i].count = s->count;
		sets[i].ttl = s->ttl;
		sets[i].rrs = rrs;
		sets[i].policy = s->policy;
	}
	bn->node.rrsets = sets;
	bn->node.nrrsets = bn->nsets;
	return 0;
}

/* SOA RDATA: MNAME, RNAME, then SERIAL (RFC 1035 §3.3.13). */
static uint32_t soa_serial(const struct zone_rr *rr)
{
	int l1 = dns_name_len(rr->rdata, rr->rdlen), l2;
	const uint8_t *p;

	if (l1 < 0)
		return 0;
	l2 = dns_name_len(rr->rdata + l1, rr->rdlen - l1);
	if (l2 < 0 || (size_t)l1 + l2 + 20 > rr->rdlen)
		return 0;
	p = rr->rdata + l1 + l2;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int builder_finish(struct zone_builder *b, struct zone **out, char *err, size_t errlen)
{
	char text[DNS_NAME_TEXT_MAX];
	struct zone *z = b->z;
	const struct brrset *soa;
	struct zone_node *n, *p;
	struct bnode *apex;
	uint8_t *origin;
	size_t i;
	int ret;

	/* Records were checked as they came (check_add): one SOA, at the
	 * origin when one was given, else the SOA's owner becomes the origin. */
	if (!b->soa) {
		builder_err(b, err, errlen, NULL, 0, "no SOA record");
		return -EINVAL;
	}
	apex = b->soa;
	if (!b->origin_len) {
		memcpy(b->origin, apex->node.name, apex->node.name_len);
		b->origin_len = apex->node.name_len;
	}
	soa = brrset_get(apex, DNS_TYPE_SOA);
	/* Blamed on the SOA: it is what makes that name the apex. */
	if (!rrset_present(apex, DNS_TYPE_NS)) {
		builder_err(b, err, errlen, soa->file, soa->line, "no NS records at the apex %s",
			    name_str(b->origin, text, sizeof(text)));
		return -EINVAL;
	}
	origin = arena_alloc(z->arena, b->origin_len);
	if (!origin)
		return -ENOMEM;
	memcpy(origin, b->origin, b->origin_len);
	z->origin = origin;
	z->origin_len = b->origin_len;
	z->apex = &apex->node;

	for (i = 0; i <= z->mask; i++) {
		for (n = z->buckets[i]; n; n = n->next) {
			ret = check_node(b, (struct bnode *)n, err, errlen);
			if (ret)
				return ret;
		}
	}
	ret = link_parents(b);
	if (!ret)
		ret = sort_nodes(z);
	if (ret)
		return ret;

	/* Parents first, so a node inherits its parent's cut already computed. */
	apex->node.flags |= ZONE_NODE_APEX;
	for (i = 0; i < z->nnodes; i++) {
		struct bnode *bn = (struct bnode *)z->nodes[i];

		n = &bn->node;
		if (n != z->apex && rrset_present(bn, DNS_TYPE_NS))
			n->flags |= ZONE_NODE_DELEG;
		if (rrset_present(bn, DNS_TYPE_DNAME))
			n->flags |= ZONE_NODE_DNAME;
		if (rrset_present(bn, DNS_TYPE_CNAME))
			n->flags |= ZONE_NODE_CNAME;
		p = n->parent;
		if (!p)
			continue;
		if (n->name[0] == 1 && n->name[1] == '*') {
			n->flags |= ZONE_NODE_WILDCARD;
			p->wildcard = n;
		}
		if (p->cut)
			n->cut = p->cut;
		else if (p->flags & ZONE_NODE_DNAME)
			n->cut = p;	/* RFC 6672 §2.3: the DNAME owner's descendants */
		else if (n->flags & ZONE_NODE_DELEG)
			n->cut = n;
		if (n->cut && (n->cut->flags & ZONE_NODE_DELEG) && n->cut != n)
			n->flags |= ZONE_NODE_NONAUTH;
	}
	for (i = 0; i < z->nnodes; i++) {
		struct bnode *bn = (struct bnode *)z->nodes[i];

		if ((bn->node.flags & ZONE_NODE_DELEG) && bn->node.cut == &bn->node)
			warn_missing_glue(b, bn);
		ret = flatten_node(z, bn);
		if (ret)
			return ret;
	}
	if (b->ttl_mismatch)
		log_warn("zone %s: %zu records had a TTL differing from their RRset's; "
			 "the first record's TTL is used", name_str(z->origin, text, sizeof(text)),
			 b->ttl_mismatch);
	z->serial = soa_serial(&soa->head->rr);
	*out = z;
	b->z = NULL;
	return 0;
}

int zone_builder_finish(struct zone_builder *b, struct zone **out, char *err, size_t errlen)
{
	int ret = builder_finish(b, out, err, errlen);

	if (ret == -ENOMEM)
		builder_err(b, err, errlen, NULL, 0, "out of memory");
	zone_builder_free(b);
	return ret;
}

void zone_free(struct zone *z)
{
	if (!z)
		return;
	free(z->buckets);
	free(z->nodes);
	arena_free(z->arena);
	free(z);
}

struct load_ctx {
	struct zone_builder	*b;
	char			*err;
	size_t			errlen;
};

static int load_rr(const struct dns_rr *rr, void *arg)
{
	struct load_ctx *lc = arg;

	return zone_builder_add(lc->b, rr, lc->err, lc->errlen);
}

int zone_load_file(const char *path, struct zone **out, char *err, size_t errlen)
{
	struct zonefile_opts opts = { 0 };
	struct load_ctx lc = { .err = err, .errlen = errlen };
	int ret;

	ret = zone_builder_new(&lc.b, NULL);
	if (ret) {
		errf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	lc.b->source = path;
	ret = zonefile_parse(path, &opts, load_rr, &lc, err, errlen);
	if (ret) {
		zone_builder_free(lc.b);
		return ret < 0 ? ret : -EINVAL;
	}
	return zone_builder_finish(lc.b, out, err, errlen);
}
