// SPDX-License-Identifier: GPL-2.0-only
/* Authoritative answering: RFC 1034 §4.3.2 with CNAME chains, DNAME (RFC 6672),
 * wildcards (RFC 4592), referrals, negative answers (RFC 2308), EDNS (RFC 6891),
 * minimal ANY (RFC 8482), NSID (RFC 5001) and CHAOS identification. The same code
 * computes the answers the XDP fast path serves, so the two cannot disagree. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>

#include "dns_msg.h"
#include "dns_rdata.h"
#include "engine.h"
#include "fastpath.h"
#include "fp_policy.h"
#include "metrics.h"
#include "policy.h"

#define CHAIN_MAX	8	/* CNAME and DNAME hops followed in one answer */
#define ADD_MAX		16	/* names whose addresses go into the additional section */

struct engine {
	const struct zone_store	*zs;
	const struct geo	*geo;
	const struct fp_health	*health;
	uint16_t		udp_max;
	bool			no_chaos;
	bool			fastpath;	/* steered RRsets whole, for the fast path's maps */
	uint16_t		nsid_optlen;
	uint16_t		id_rdlen;
	uint16_t		ver_rdlen;
	uint8_t			nsid_opt[4 + ENGINE_NSID_MAX];	/* the whole option, ready to copy */
	uint8_t			id_rdata[1 + ENGINE_CHAOS_TXT_MAX];
	uint8_t			ver_rdata[1 + ENGINE_CHAOS_TXT_MAX];
};

/* One answer in progress; lives on the stack, nothing is allocated. */
struct answer {
	const struct engine	*e;
	const struct engine_query_params *p;
	const struct dns_query	*q;
	const struct zone	*z;
	struct dns_resp		r;
	bool			tc;
	uint8_t			ecs_scope;	/* RFC 7871 §7.2.1: what the answer depends on */
	int			nadd;
	const struct zone_node	*added[ADD_MAX];	/* additional owners written */
	/* Names synthesized from DNAMEs or copied for lookups: compression
	 * entries may point at them until the reply is done. */
	int			nnames;
	uint8_t			names[CHAIN_MAX][DNS_NAME_MAX];
};

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static size_t wire_len(const uint8_t *name)
{
	size_t pos = 0;

	while (name[pos])
		pos += name[pos] + 1;
	return pos + 1;
}

static size_t lower_copy(uint8_t *out, const uint8_t *name)
{
	size_t len = wire_len(name), i;

	for (i = 0; i < len; i++)
		out[i] = lower(name[i]);
	return len;
}

static int set_txt(uint8_t *rdata, uint16_t *rdlen, const char *s)
{
	size_t len = strlen(s);

	if (len > ENGINE_CHAOS_TXT_MAX)
		return -EINVAL;
	rdata[0] = len;
	memcpy(rdata + 1, s, len);
	*rdlen = len + 1;
	return 0;
}

static int engine_setup(struct engine *e, const struct zone_store *zs,
			const struct engine_config *cfg)
{
	char host[256];
	size_t len;

	memset(e, 0, sizeof(*e));
	e->zs = zs;
	e->udp_max = cfg && cfg->udp_max ? cfg->udp_max : FP_EDNS_UDP_SIZE;
	if (e->udp_max < DNS_UDP_MIN)
		e->udp_max = DNS_UDP_MIN;
	e->no_chaos = cfg && cfg->no_chaos;
	e->geo = cfg ? cfg->geo : NULL;
	e->health = cfg ? cfg->health : NULL;
	if (cfg && cfg->nsid) {
		len = strlen(cfg->nsid);
		if (len > ENGINE_NSID_MAX)
			return -EINVAL;
		dns_put16(e->nsid_opt, DNS_EDNS_OPT_NSID);
		dns_put16(e->nsid_opt + 2, len);
		memcpy(e->nsid_opt + 4, cfg->nsid, len);
		e->nsid_optlen = 4 + len;
	}
	if (cfg && cfg->identity) {
		if (set_txt(e->id_rdata, &e->id_rdlen, cfg->identity))
			return -EINVAL;
	} else {
		if (gethostname(host, sizeof(host) - 1))
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
		set_txt(e->id_rdata, &e->id_rdlen, host);
	}
	if (set_txt(e->ver_rdata, &e->ver_rdlen, cfg && cfg->version ? cfg->version : "nameserve"))
		return -EINVAL;
	return 0;
}

int engine_new(struct engine **out, const struct zone_store *zs,
	       const struct engine_config *cfg)
{
	struct engine *e = malloc(sizeof(*e));
	int ret;

	if (!e)
		return -ENOMEM;
	ret = engine_setup(e, zs, cfg);
	if (ret) {
		free(e);
		return ret;
	}
	*out = e;
	return 0;
}

void engine_free(struct engine *e)
{
	free(e);
}

/* Writes a whole RRset or nothing. */
static int put_rrset(struct answer *a, const uint8_t *owner, int owner_off,
		     const struct zone_rrset *set, uint32_t ttl_cap, int *name_off)
{
	struct dns_resp_mark m = dns_resp_mark(&a->r);
	const struct zone_rr *rr;
	uint32_t ttl;
	uint16_t i;

	for (i = 0; i < set->count; i++) {
		rr = &set->rrs[i];
		ttl = rr->ttl < ttl_cap ? rr->ttl : ttl_cap;
		if (dns_resp_put_rr(&a->r, owner, owner_off, set->type, DNS_CLASS_IN, ttl,
				    rr->rdata, rr->rdlen, rr->comp, rr->ncomp,
				    i == 0 ? name_off : NULL)) {
			dns_resp_rollback(&a->r, &m);
			return -ENOSPC;
		}
	}
	return 0;
}

/* xorshift64* per thread, seeded from getrandom: a query costs no syscall and
 * no shared cache line, and weights need no better than this. */
static uint32_t engine_random(void)
{
	static __thread uint64_t state;
	uint64_t x = state;

	if (!x) {
		if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != sizeof(x))
			x = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&x;
		x |= 1;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	return (x * 0x2545f4914f6cdd1dULL) >> 32;
}

/* The address steering decides by: the client subnet when the query sends
 * one with a prefix (source 0 asks us not to use it, RFC 7871 §7.1.2), else
 * the source address, IPv4-mapped ones as IPv4. */
static bool client_addr(const struct answer *a, int *family, uint8_t *addr, bool *from_ecs)
{
	const struct sockaddr *sa = a->p ? a->p->remote : NULL;
	const struct sockaddr_in6 *s6;

	*from_ecs = a->q->has_ecs && a->q->ecs_source;
	if (*from_ecs) {
		*family = a->q->ecs_family == DNS_ECS_FAMILY_IP4 ? AF_INET : AF_INET6;
		memcpy(addr, a->q->ecs_addr, 16);
		return true;
	}
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET && a->p->remote_len >= sizeof(struct sockaddr_in)) {
		*family = AF_INET;
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family != AF_INET6 || a->p->remote_len < sizeof(struct sockaddr_in6))
		return false;
	s6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		*family = AF_INET;
		memcpy(addr, s6->sin6_addr.s6_addr + 12, 4);
	} else {
		*family = AF_INET6;
		memcpy(addr, s6->sin6_addr.s6_addr, 16);
	}
	return true;
}

/*
 * A steered RRset: the records fp_policy_select picks for this client, in its
 * order, the same function and inputs the fast path uses. Whole or nothing,
 * as put_rrset. For the fast path's maps every record goes, in order: the
 * program picks among them itself.
 */
static int put_steered(struct answer *a, const uint8_t *owner, int owner_off,
		       const struct zone_rrset *set)
{
	static const struct fp_health all_up;
	const struct policy *pol = set->policy;
	uint8_t order[FP_POLICY_RECORDS_MAX], addr[16], scope = 0;
	struct dns_resp_mark m;
	const struct zone_rr *rr;
	uint32_t region = 0, n, i;
	int family, fail_open = 0;
	bool from_ecs;

	if (a->e->fastpath || pol->fp.nrecords != set->count)
		return put_rrset(a, owner, owner_off, set, UINT32_MAX, NULL);
	if ((pol->fp.flags & FP_POLICY_F_GEO) && client_addr(a, &family, addr, &from_ecs)) {
		region = policy_region(pol, a->e->geo, family, addr, &scope);
		if (from_ecs)
			a->ecs_scope = scope;
	}
	/* Indices stay below nrecords, which is set->count (checked above). */
	n = fp_policy_select(&pol->fp, region, a->e->health ? a->e->health : &all_up,
			     engine_random(), order, &fail_open);
	if (!n)	/* a broken policy: better every record than none */
		return put_rrset(a, owner, owner_off, set, UINT32_MAX, NULL);
	if (fail_open)
		metrics_policy_fail_open();
	m = dns_resp_mark(&a->r);
	for (i = 0; i < n; i++) {
		rr = &set->rrs[order[i]];
		if (dns_resp_put_rr(&a->r, owner, owner_off, set->type, DNS_CLASS_IN, rr->ttl,
				    rr->rdata, rr->rdlen, rr->comp, rr->ncomp, NULL)) {
			dns_resp_rollback(&a->r, &m);
			return -ENOSPC;
		}
	}
	return 0;
}

static uint32_t soa_minimum(const struct zone_rr *rr)
{
	return rr->rdlen >= 4 ? dns_get32(rr->rdata + rr->rdlen - 4) : 0;
}

/* RFC 2308 §3: the SOA in authority, TTL the lesser of its TTL and MINIMUM. */
static void put_negative_soa(struct answer *a)
{
	const struct zone_rrset *soa = zone_node_rrset(a->z->apex, DNS_TYPE_SOA);

	dns_resp_begin_section(&a->r, DNS_SEC_AUTHORITY);
	if (soa && put_rrset(a, a->z->origin, 0, soa, soa_minimum(&soa->rrs[0]), NULL))
		a->tc = true;
}

static bool already_added(struct answer *a, const struct zone_node *n)
{
	int i;

	for (i = 0; i < a->nadd; i++)
		if (a->added[i] == n)
			return true;
	if (a->nadd < ADD_MAX)
		a->added[a->nadd++] = n;
	return false;
}

/* A and AAAA of an in-zone name into the additional section. Returns -ENOSPC
 * when they did not fit. */
static int put_addresses(struct answer *a, const uint8_t *target, bool glue_ok)
{
	uint8_t lname[DNS_NAME_MAX];
	const struct zone_rrset *set;
	const struct zone_node *n;
	size_t len;

	if (!dns_name_is_subdomain(target, a->z->origin))
		return 0;
	len = lower_copy(lname, target);
	n = zone_lookup(a->z, lname, len, dns_name_hash(lname));
	if (!n || ((n->flags & ZONE_NODE_NONAUTH) && !glue_ok) || already_added(a, n))
		return 0;
	dns_resp_begin_section(&a->r, DNS_SEC_ADDITIONAL);
	set = zone_node_rrset(n, DNS_TYPE_A);
	if (set && put_rrset(a, n->name, 0, set, UINT32_MAX, NULL))
		return -ENOSPC;
	set = zone_node_rrset(n, DNS_TYPE_AAAA);
	if (set && put_rrset(a, n->name, 0, set, UINT32_MAX, NULL))
		return -ENOSPC;
	return 0;
}

/* RFC 1034 §3.6.2 / RFC 2782: addresses of the NS, MX and SRV targets, when
 * they fit; a missing additional record never sets TC. */
static void put_additional(struct answer *a, const struct zone_rrset *set)
{
	const uint8_t *target;
	uint16_t i;

	for (i = 0; i < set->count; i++) {
		target = dns_rdata_additional_target(set->type, set->rrs[i].rdata,
						     set->rrs[i].rdlen);
		if (target && put_addresses(a, target, false))
			return;
	}
}

/* RFC 1034 §4.3.2 step 3b: NS of the cut in authority, glue in additional. */
static void put_referral(struct answer *a, const struct zone_node *cut)
{
	const struct zone_rrset *ns = zone_node_rrset(cut, DNS_TYPE_NS);
	const uint8_t *target;
	uint16_t i;

	dns_resp_begin_section(&a->r, DNS_SEC_AUTHORITY);
	if (put_rrset(a, cut->name, 0, ns, UINT32_MAX, NULL)) {
		a->tc = true;
		return;
	}
	for (i = 0; i < ns->count; i++) {
		target = ns->rrs[i].rdata;
		/* RFC 9471: glue the resolver cannot do without must fit, or TC. */
		if (put_addresses(a, target, true) && dns_name_is_subdomain(target, cut->name)) {
			a->tc = true;
			return;
		}
	}
}

/* RFC 8482 §4.1: one RRset stands for all of them; the lowest type, so the
 * choice does not depend on the order of the zone file (Knot picks the same). */
static const struct zone_rrset *any_rrset(const struct zone_node *n)
{
	const struct zone_rrset *best = NULL;
	uint16_t i, t;

	for (i = 0; i < n->nrrsets; i++) {
		t = n->rrsets[i].type;
		if (t == DNS_TYPE_RRSIG || t == DNS_TYPE_NSEC || t == DNS_TYPE_NSEC3)
			continue;
		if (!best || t < best->type)
			best = &n->rrsets[i];
	}
	return best ? best : (n->nrrsets ? &n->rrsets[0] : NULL);
}

/* RFC 6672 §3.3: DNAME, then a CNAME from the name to its substitute. Returns
 * the new name (lower case, in a->names) or NULL when the answer is complete. */
static const uint8_t *put_dname(struct answer *a, const struct zone_node *dn,
				const uint8_t *name, size_t nlen, int owner_off, int *next_off)
{
	const struct zone_rrset *set = zone_node_rrset(dn, DNS_TYPE_DNAME);
	const struct zone_rr *rr = &set->rrs[0];
	size_t prefix = nlen - dn->name_len, tlen = wire_len(rr->rdata);
	uint16_t comp0 = 0;
	uint8_t *out;

	if (put_rrset(a, dn->name, 0, set, UINT32_MAX, NULL)) {
		a->tc = true;
		return NULL;
	}
	if (prefix + tlen > DNS_NAME_MAX) {
		dns_resp_set_rcode(&a->r, DNS_RCODE_YXDOMAIN);
		return NULL;
	}
	if (a->nnames >= CHAIN_MAX)
		return NULL;
	out = a->names[a->nnames++];
	memcpy(out, name, prefix);
	lower_copy(out + prefix, rr->rdata);
	*next_off = 0;
	if (dns_resp_put_rr(&a->r, name, owner_off, DNS_TYPE_CNAME, DNS_CLASS_IN, rr->ttl, out,
			    prefix + tlen, &comp0, 1, next_off)) {
		a->tc = true;
		return NULL;
	}
	return out;
}

static void answer_zone(struct answer *a)
{
	const struct zone *z = a->z;
	const uint16_t qtype = a->q->qtype;
	const struct zone_node *visited[CHAIN_MAX + 1];
	const struct zone_node *n, *node, *cut;
	const struct zone_rrset *set;
	const uint8_t *name = a->q->qname_lower, *target;
	size_t nlen = a->q->qname_len;
	int owner_off = DNS_HDR_LEN, next_off, hop, i;
	bool exact;

	dns_resp_set_flag(&a->r, DNS_FLAG_AA);
	for (hop = 0; hop <= CHAIN_MAX; hop++) {
		n = zone_find(z, name, nlen, &exact);
		cut = n->cut;
		if (!cut && !exact && (n->flags & ZONE_NODE_DNAME))
			cut = n;
		/* A delegation point answers DS itself: DS lives on the parent side
		 * (RFC 4035 §3.1.4.1). */
		if (cut && (cut->flags & ZONE_NODE_DELEG) &&
		    !(exact && cut == n && qtype == DNS_TYPE_DS)) {
			if (hop == 0)
				dns_resp_clear_flag(&a->r, DNS_FLAG_AA);
			put_referral(a, cut);
			return;
		}
		if (cut && !(cut->flags & ZONE_NODE_DELEG)) {
			/* DNAME above the name (RFC 6672 §2.3). */
			visited[hop] = NULL;
			name = put_dname(a, cut, name, nlen, owner_off, &next_off);
			if (!name || !dns_name_is_subdomain(name, z->origin))
				return;
			nlen = wire_len(name);
			owner_off = next_off;
			continue;
		}
		node = n;
		if (!exact) {
			/* RFC 4592 §3.3.1: only the closest encloser's wildcard. */
			if (!n->wildcard) {
				dns_resp_set_rcode(&a->r, DNS_RCODE_NXDOMAIN);
				put_negative_soa(a);
				return;
			}
			node = n->wildcard;
		}
		for (i = 0; i < hop; i++)
			if (visited[i] == node)
				return;	/* a CNAME loop: the chain so far is the answer */
		visited[hop] = node;

		if ((node->flags & ZONE_NODE_CNAME) && qtype != DNS_TYPE_CNAME &&
		    qtype != DNS_TYPE_ANY) {
			set = zone_node_rrset(node, DNS_TYPE_CNAME);
			next_off = 0;
			if (put_rrset(a, name, owner_off, set, UINT32_MAX, &next_off)) {
				a->tc = true;
				return;
			}
			target = set->rrs[0].rdata;
			if (!dns_name_is_subdomain(target, z->origin) || a->nnames >= CHAIN_MAX)
				return;	/* out of zone: the resolver follows it */
			nlen = lower_copy(a->names[a->nnames], target);
			name = a->names[a->nnames++];
			owner_off = next_off;
			continue;
		}
		set = qtype == DNS_TYPE_ANY ? any_rrset(node) : zone_node_rrset(node, qtype);
		if (!set) {
			put_negative_soa(a);	/* NODATA (RFC 2308 §2.2) */
			return;
		}
		if (set->policy ? put_steered(a, name, owner_off, set) :
		    put_rrset(a, name, owner_off, set, UINT32_MAX, NULL)) {
			a->tc = true;
			return;
		}
		put_additional(a, set);
		return;
	}
}

static bool name_is(const uint8_t *lname, const char *wire)
{
	return !strcmp((const char *)lname, wire);
}

/* CHAOS TXT for telling anycast nodes apart (RFC 4892). */
static void answer_chaos(struct answer *a)
{
	const struct engine *e = a->e;
	const uint8_t *lname = a->q->qname_lower, *rdata;
	uint16_t rdlen;

	if (e->no_chaos)
		goto refuse;
	if (name_is(lname, "\x02id\x06server") || name_is(lname, "\x08hostname\x04" "bind")) {
		rdata = e->id_rdata;
		rdlen = e->id_rdlen;
	} else if (name_is(lname, "\x07version\x04" "bind") ||
		   name_is(lname, "\x07version\x06server")) {
		rdata = e->ver_rdata;
		rdlen = e->ver_rdlen;
	} else {
		goto refuse;
	}
	/* No AA: these names are no zone of ours (Knot does the same). */
	if (a->q->qtype != DNS_TYPE_TXT && a->q->qtype != DNS_TYPE_ANY)
		return;
	if (dns_resp_put_rr(&a->r, NULL, DNS_HDR_LEN, DNS_TYPE_TXT, DNS_CLASS_CH, 0, rdata, rdlen,
			    NULL, 0, NULL))
		a->tc = true;
	return;
refuse:
	dns_resp_set_rcode(&a->r, DNS_RCODE_REFUSED);
}

/* Replies that echo at most the question: FORMERR, NOTIMP. A well-formed
 * query's OPT is answered with ours (RFC 6891 §7), and an EDNS version we do
 * not speak takes precedence as BADVERS (§6.1.3). */
static enum engine_state answer_error(const struct engine *e, const struct dns_query *q,
				      bool well_formed, uint8_t *resp, size_t limit,
				      uint16_t rcode, size_t *resp_len)
{
	bool opt = well_formed && q->has_opt;
	struct dns_resp r;

	if (dns_resp_init(&r, resp, limit, q, true) && dns_resp_init(&r, resp, limit, q, false))
		return ENGINE_FAIL;
	if (opt && dns_resp_reserve(&r, DNS_OPT_FIXED_LEN))
		opt = false;
	if (opt && q->edns_version != 0)
		rcode = DNS_RCODE_BADVERS;
	dns_resp_set_rcode(&r, rcode);
	if (opt)
		dns_resp_put_opt(&r, e->udp_max, q->edns_flags & DNS_EDNS_DO, NULL, 0);
	*resp_len = dns_resp_finish(&r);
	return ENGINE_DONE;
}

/* RFC 4035 §3.1.4.1: DS at a zone's apex is the parent's data; when we also
 * serve the parent, the answer comes from there. */
static const struct zone *ds_zone(const struct zone_store *zs, const struct zone *z,
				  const struct dns_query *q)
{
	const struct zone *parent;
	size_t skip = q->qname_lower[0] + 1;

	if (q->qname_len != z->origin_len || q->qname_len <= 1)
		return z;
	parent = zone_store_find(zs, q->qname_lower + skip, q->qname_len - skip);
	return parent ? parent : z;
}

static size_t reply_limit(const struct engine *e, const struct engine_query_params *p,
			  const struct dns_query *q, size_t cap)
{
	size_t limit, udp_max = p && p->max_udp ? p->max_udp : e->udp_max;

	if (p && p->proto == ENGINE_PROTO_TCP) {
		limit = DNS_TCP_MAX;
	} else if (q->has_opt) {
		/* RFC 6891 §6.2.5: below 512 means 512. */
		limit = q->edns_udp_size < udp_max ? q->edns_udp_size : udp_max;
		if (limit < DNS_UDP_MIN)
			limit = DNS_UDP_MIN;
	} else {
		limit = DNS_UDP_MIN;
	}
	return limit < cap ? limit : cap;
}

/* The whole answer; zone, when not NULL, is used instead of a store lookup. */
static enum engine_state answer_query(const struct engine *e,
				      const struct engine_query_params *p,
				      const struct zone *zone, const uint8_t *query, size_t qlen,
				      uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct dns_query q;
	struct answer a;
	enum dns_query_status st;
	size_t limit, optlen = 0;
	static const uint8_t ede_not_auth[] = { 0, DNS_EDNS_OPT_EDE, 0, 2,
						0, DNS_EDE_NOT_AUTHORITATIVE };
	uint8_t opts[sizeof(e->nsid_opt) + sizeof(ede_not_auth) + DNS_ECS_OPT_MAX];
	uint16_t opt_flags, ecs_len = 0;
	bool locked = false, not_auth = false;

	if (cap < DNS_HDR_LEN)
		return ENGINE_FAIL;
	st = dns_query_parse(query, qlen, &q);
	if (st == DNS_QUERY_DROP)
		return ENGINE_DROP;
	limit = reply_limit(e, p, &q, cap);
	if (dns_query_opcode(&q) != DNS_OPCODE_QUERY)
		return answer_error(e, &q, st == DNS_QUERY_OK, resp, limit, DNS_RCODE_NOTIMP,
				    resp_len);
	if (st == DNS_QUERY_FORMERR)
		return answer_error(e, &q, false, resp, limit, DNS_RCODE_FORMERR, resp_len);

	a.e = e;
	a.p = p;
	a.q = &q;
	a.z = NULL;
	a.tc = false;
	a.ecs_scope = 0;
	a.nadd = 0;
	a.nnames = 0;
	if (dns_resp_init(&a.r, resp, limit, &q, true))
		return ENGINE_FAIL;
	if (q.has_opt) {
		if (q.opt_nsid)
			optlen = e->nsid_optlen;
		/* RFC 7871 §7.2.1: an ECS-aware server echoes the option. */
		if (q.has_ecs)
			ecs_len = 8 + (q.ecs_source + 7) / 8;
		if (dns_resp_reserve(&a.r, DNS_OPT_FIXED_LEN + optlen + ecs_len))
			return ENGINE_FAIL;
	}

	if (q.has_opt && q.edns_version != 0) {
		dns_resp_set_rcode(&a.r, DNS_RCODE_BADVERS);	/* RFC 6891 §6.1.3 */
		optlen = 0;
		ecs_len = 0;
	} else if (q.qclass == DNS_CLASS_CH) {
		answer_chaos(&a);
	} else if (q.qclass != DNS_CLASS_IN || q.qtype == DNS_TYPE_AXFR ||
		   q.qtype == DNS_TYPE_IXFR) {
		dns_resp_set_rcode(&a.r, DNS_RCODE_REFUSED);	/* no transfers yet */
	} else if (q.qtype == 0) {
		dns_resp_set_rcode(&a.r, DNS_RCODE_NOTIMP);	/* RFC 6895 §3.1: reserved */
	} else {
		if (zone) {
			a.z = dns_name_is_subdomain(q.qname_lower, zone->origin) ? zone : NULL;
		} else {
			rcu_read_lock();
			locked = true;
			a.z = zone_store_find(e->zs, q.qname_lower, q.qname_len);
			if (a.z && q.qtype == DNS_TYPE_DS)
				a.z = ds_zone(e->zs, a.z, &q);
		}
		if (a.z) {
			answer_zone(&a);
		} else {
			dns_resp_set_rcode(&a.r, DNS_RCODE_REFUSED);	/* never recurse */
			not_auth = true;
		}
	}
	if (q.has_opt) {
		opt_flags = q.edns_flags & DNS_EDNS_DO;
		memcpy(opts, e->nsid_opt, optlen);
		if (not_auth) {
			/* RFC 8914 §4.21: say why, as Knot does; the reply is tiny. */
			memcpy(opts + optlen, ede_not_auth, sizeof(ede_not_auth));
			optlen += sizeof(ede_not_auth);
		}
		if (ecs_len) {
			/* FAMILY, SOURCE and ADDRESS as asked, SCOPE as answered. */
			dns_put16(opts + optlen, DNS_EDNS_OPT_ECS);
			dns_put16(opts + optlen + 2, ecs_len - 4);
			dns_put16(opts + optlen + 4, q.ecs_family);
			opts[optlen + 6] = q.ecs_source;
			opts[optlen + 7] = a.ecs_scope;
			memcpy(opts + optlen + 8, q.ecs_addr, ecs_len - 8);
			optlen += ecs_len;
		}
		dns_resp_put_opt(&a.r, e->udp_max, opt_flags, opts, optlen);
	}
	if (a.tc)
		dns_resp_set_flag(&a.r, DNS_FLAG_TC);
	*resp_len = dns_resp_finish(&a.r);
	/* The compression table points into the zone until here. */
	if (locked)
		rcu_read_unlock();
	return a.tc ? ENGINE_TRUNC : ENGINE_DONE;
}

enum engine_state engine_answer(const struct engine *e, const struct engine_query_params *p,
				const uint8_t *query, size_t qlen, uint8_t *resp, size_t cap,
				size_t *resp_len)
{
	enum engine_state st = answer_query(e, p, NULL, query, qlen, resp, cap, resp_len);

	if (st == ENGINE_DONE || st == ENGINE_TRUNC)
		metrics_query(p && p->proto == ENGINE_PROTO_TCP ? METRICS_TCP : METRICS_UDP, resp,
			      *resp_len);
	return st;
}

/* The answer section if the reply is the bare RRset; its length, else -1. */
static int fastpath_answer(const uint8_t *resp, size_t len, size_t qlen, uint16_t qtype,
			   uint16_t *ancount)
{
	uint16_t flags = dns_get16(resp + 2), i, rdlen;
	size_t pos = qlen;

	if ((flags & (DNS_FLAG_AA | DNS_FLAG_TC | DNS_RCODE_MASK)) != DNS_FLAG_AA ||
	    dns_get16(resp + 8) || dns_get16(resp + 10))
		return -1;
	*ancount = dns_get16(resp + 6);
	if (!*ancount)
		return -1;
	for (i = 0; i < *ancount; i++) {
		if (pos + 12 > len || resp[pos] != 0xc0 || resp[pos + 1] != DNS_HDR_LEN ||
		    dns_get16(resp + pos + 2) != qtype || dns_get16(resp + pos + 4) != DNS_CLASS_IN)
			return -1;
		rdlen = dns_get16(resp + pos + 10);
		pos += 12 + rdlen;
	}
	if (pos != len || len - qlen > FP_ANSWER_MAX)
		return -1;
	return len - qlen;
}

int engine_fastpath_walk(const struct zone *z, fastpath_entry_cb cb, void *ctx)
{
	static const uint16_t types[] = { DNS_TYPE_A, DNS_TYPE_AAAA };
	const struct engine_query_params p = { .proto = ENGINE_PROTO_TCP };
	uint8_t query[DNS_HDR_LEN + DNS_NAME_MAX + 4];
	const struct zone_rrset *set;
	struct fastpath_entry fe;
	const struct zone_node *n;
	struct engine e;
	size_t i, qlen, rlen;
	uint8_t *resp;
	uint16_t ancount;
	int ret = 0, alen, t;

	/* The reply to an A/AAAA query without EDNS depends on no engine option. */
	ret = engine_setup(&e, NULL, NULL);
	if (ret)
		return ret;
	e.fastpath = true;
	resp = malloc(DNS_TCP_MAX);
	if (!resp)
		return -ENOMEM;
	memset(query, 0, DNS_HDR_LEN);
	dns_put16(query + 4, 1);
	for (i = 0; i < z->nnodes && !ret; i++) {
		n = z->nodes[i];
		if (n->flags & ZONE_NODE_WILDCARD)
			continue;
		memcpy(query + DNS_HDR_LEN, n->name, n->name_len);
		qlen = DNS_HDR_LEN + n->name_len + 4;
		for (t = 0; t < 2 && !ret; t++) {
			set = zone_node_rrset(n, types[t]);
			if (!set)
				continue;
			dns_put16(query + DNS_HDR_LEN + n->name_len, types[t]);
			dns_put16(query + DNS_HDR_LEN + n->name_len + 2, DNS_CLASS_IN);
			if (answer_query(&e, &p, z, query, qlen, resp, DNS_TCP_MAX, &rlen) !=
			    ENGINE_DONE)
				continue;
			alen = fastpath_answer(resp, rlen, qlen, types[t], &ancount);
			if (alen < 0)
				continue;
			/* Steered: every record, each the same size, so the program
			 * finds record i at i * rr_len. */
			if (set->policy && (ancount != set->count ||
					    ancount != set->policy->fp.nrecords ||
					    alen % ancount))
				continue;
			fe.policy = set->policy;
			fe.qname = n->name;
			fe.qname_len = n->name_len;
			fe.qtype = types[t];
			fe.answer = resp + qlen;
			fe.answer_len = alen;
			fe.ancount = ancount;
			fe.pass_do = z->dnssec;
			ret = cb(&fe, ctx);
		}
	}
	free(resp);
	return ret;
}

struct walk_all {
	const struct zone_store	*zs;
	const struct zone	*z;
	fastpath_entry_cb	cb;
	void			*ctx;
};

static int walk_all_entry(const struct fastpath_entry *fe, void *arg)
{
	struct walk_all *w = arg;

	/* Inside foreach's read-side section. */
	if (zone_store_find(w->zs, fe->qname, fe->qname_len) != w->z)
		return 0;
	return w->cb(fe, w->ctx);
}

static int walk_all_zone(const struct zone *z, void *arg)
{
	struct walk_all *w = arg;

	w->z = z;
	return engine_fastpath_walk(z, walk_all_entry, w);
}

int engine_fastpath_walk_all(const struct zone_store *zs, fastpath_entry_cb cb, void *ctx)
{
	struct walk_all w = { .zs = zs, .cb = cb, .ctx = ctx };

	return zone_store_foreach(zs, walk_all_zone, &w);
}
