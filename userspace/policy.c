// SPDX-License-Identifier: GPL-2.0-only
/* Traffic steering policies: one strict parser serves validation (the API),
 * canonicalisation (the store) and compilation (zone versions), so what is
 * accepted, stored and served cannot drift apart. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_rdata.h"
#include "geo.h"
#include "log.h"
#include "policy.h"

/* Bounds that keep one policy's checks cheap and its map entries few: the
 * engine scans a policy's networks for every steered answer it gives. */
#define POLICY_CIDRS_MAX	256
#define POLICY_CODES_MAX	512
#define POLICY_RDATA_MAX	64	/* A and AAAA only */

static const char *const continents[] = { "AF", "AN", "AS", "EU", "NA", "OC", "SA" };

struct parse {
	uint16_t		type;
	const uint8_t *const	*rdata;
	const uint16_t		*rdlen;
	size_t			n;
	policy_slot_fn		slot;
	void			*ctx;
	bool			strict;		/* an unknown check is an error */
	struct policy_err	*e;

	bool			has_weights, multivalue, has_failover, has_geo;
	uint16_t		weight[FP_POLICY_RECORDS_MAX];
	uint16_t		health[FP_POLICY_RECORDS_MAX];
	const char		*checks[FP_POLICY_RECORDS_MAX];
	uint16_t		secondary;	/* records marked secondary */
	size_t			nregions;
	uint16_t		set[FP_POLICY_REGIONS_MAX];	/* records of each region */
	size_t			ncidrs, ncodes;
	struct policy_cidr	*cidrs;
	struct policy_code	*codes;
	json_t			*canon;
};

static int fail(struct policy_err *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct policy_err *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -EINVAL;
	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Rejects members other than those named, naming every stray one. */
static int check_members(struct parse *ps, const json_t *obj, const char *path,
			 const char *const *known, size_t nknown)
{
	char names[128] = "", list[96], field[96];
	const char *first = NULL, *key;
	size_t i, used = 0, nbad = 0;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; i < nknown; i++)
			if (!strcmp(key, known[i]))
				break;
		if (i < nknown)
			continue;
		if (!first)
			first = key;
		nbad++;
		if (used < sizeof(names))
			used += snprintf(names + used, sizeof(names) - used, "%s'%s'",
					 used ? ", " : "", key);
	}
	if (!first)
		return 0;
	snprintf(field, sizeof(field), "%s.%s", path, first);
	used = 0;
	for (i = 0; i < nknown && used < sizeof(list); i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", known[i]);
	return fail(ps->e, field, "unknown member%s %s; known: %s", nbad > 1 ? "s" : "", names,
		    list);
}

/* The record that text names, as an index into the RRset's records. */
static int record_index(struct parse *ps, const json_t *v, const char *field)
{
	uint8_t wire[POLICY_RDATA_MAX];
	char err[128];
	size_t i;
	int len;

	if (!json_is_string(v))
		return fail(ps->e, field, "must be a record's address as a string");
	len = dns_rdata_from_text(ps->type, json_string_value(v), NULL, wire, sizeof(wire),
				  err, sizeof(err));
	if (len < 0)
		return fail(ps->e, field, "bad record '%s': %s", json_string_value(v), err);
	for (i = 0; i < ps->n; i++)
		if (ps->rdlen[i] == len && !memcmp(ps->rdata[i], wire, len))
			return (int)i;
	return fail(ps->e, field, "'%s' is not one of the RRset's records", json_string_value(v));
}

static int record_text(struct parse *ps, size_t i, json_t **out)
{
	char buf[128];
	int len;

	len = dns_rdata_to_text(ps->type, ps->rdata[i], ps->rdlen[i], buf, sizeof(buf));
	if (len < 0)
		return len;
	*out = json_stringn(buf, len);
	return *out ? 0 : -ENOMEM;
}

/* A per-record array: present, an array, one element per record; *out gets
 * its canonical array, member name of canon, to fill. */
static int per_record(struct parse *ps, const json_t *v, const char *name, json_t *canon,
		      json_t **out)
{
	char field[32];

	snprintf(field, sizeof(field), "policy.%s", name);
	if (!json_is_array(v))
		return fail(ps->e, field, "must be an array, one element per record");
	if (json_array_size(v) != ps->n)
		return fail(ps->e, field, "has %zu elements for %zu records", json_array_size(v),
			    ps->n);
	*out = json_array();
	if (!*out || json_object_set_new(canon, name, *out))
		return -ENOMEM;
	return 0;
}

static int parse_weights(struct parse *ps, const json_t *v, json_t *canon)
{
	char field[96];
	json_int_t w;
	json_t *a, *x;
	size_t i;
	int err;

	err = per_record(ps, v, "weights", canon, &a);
	if (err)
		return err;
	json_array_foreach(v, i, x) {
		snprintf(field, sizeof(field), "policy.weights[%zu]", i);
		if (!json_is_integer(x))
			return fail(ps->e, field, "must be an integer 0..65535");
		w = json_integer_value(x);
		if (w < 0 || w > 65535)
			return fail(ps->e, field, "%lld is out of 0..65535", (long long)w);
		ps->weight[i] = (uint16_t)w;
		if (json_array_append_new(a, json_integer(w)))
			return -ENOMEM;
	}
	ps->has_weights = true;
	return 0;
}

static int parse_health(struct parse *ps, const json_t *v, json_t *canon)
{
	char field[96];
	const char *name;
	json_t *a, *x;
	size_t i;
	int slot, err;

	err = per_record(ps, v, "healthchecks", canon, &a);
	if (err)
		return err;
	json_array_foreach(v, i, x) {
		snprintf(field, sizeof(field), "policy.healthchecks[%zu]", i);
		if (json_is_null(x)) {
			if (json_array_append_new(a, json_null()))
				return -ENOMEM;
			continue;
		}
		if (!json_is_string(x))
			return fail(ps->e, field, "must be a health check's name or null");
		name = json_string_value(x);
		if (!*name || strlen(name) > POLICY_CHECK_NAME_MAX)
			return fail(ps->e, field, "a health check's name has 1..%d characters",
				    POLICY_CHECK_NAME_MAX);
		slot = ps->slot ? ps->slot(name, ps->ctx) : -ENOENT;
		if (slot < 0 || slot >= FP_HEALTH_NONE) {
			if (ps->strict)
				return fail(ps->e, field, "no health check named '%s'", name);
			log_warn("policy: health check '%s' is gone; its record counts as healthy",
				 name);
			slot = FP_HEALTH_NONE;
		}
		ps->health[i] = (uint16_t)slot;
		ps->checks[i] = name;
		if (json_array_append_new(a, json_string(name)))
			return -ENOMEM;
	}
	return 0;
}

static int parse_failover(struct parse *ps, const json_t *v, json_t *canon)
{
	char field[96];
	const char *s;
	json_t *a, *x;
	size_t i;
	int err;

	err = per_record(ps, v, "failover", canon, &a);
	if (err)
		return err;
	json_array_foreach(v, i, x) {
		snprintf(field, sizeof(field), "policy.failover[%zu]", i);
		s = json_string_value(x);
		if (!s || (strcmp(s, "primary") && strcmp(s, "secondary")))
			return fail(ps->e, field, "must be \"primary\" or \"secondary\"");
		if (*s == 's')
			ps->secondary |= 1U << i;
		if (json_array_append_new(a, json_string(s)))
			return -ENOMEM;
	}
	if (ps->secondary == (1U << ps->n) - 1)
		return fail(ps->e, "policy.failover", "needs at least one primary record");
	ps->has_failover = true;
	return 0;
}

/* A region's records, into the canonical array out, in the order given. */
static int parse_records(struct parse *ps, const json_t *v, const char *path, uint16_t *set,
			 json_t *out)
{
	char field[128];
	json_t *x, *t;
	size_t i;
	int idx, err;

	if (!json_is_array(v) || !json_array_size(v))
		return fail(ps->e, path, "must be a non-empty array of the RRset's records");
	*set = 0;
	json_array_foreach(v, i, x) {
		snprintf(field, sizeof(field), "%s[%zu]", path, i);
		idx = record_index(ps, x, field);
		if (idx < 0)
			return idx;
		if (*set & (1U << idx))
			return fail(ps->e, field, "'%s' is listed twice", json_string_value(x));
		*set |= 1U << idx;
		err = record_text(ps, idx, &t);
		if (err)
			return err;
		if (json_array_append_new(out, t))
			return -ENOMEM;
	}
	return 0;
}

static int add_code(struct parse *ps, enum fp_geo_kind kind, const char *code, uint32_t region,
		    const char *field)
{
	size_t i;

	for (i = 0; i < ps->ncodes; i++)
		if (ps->codes[i].kind == kind && !memcmp(ps->codes[i].code, code, 2))
			return fail(ps->e, field, "%.2s is in rule %u already", code,
				    ps->codes[i].region - 1);
	if (ps->ncodes >= POLICY_CODES_MAX)
		return fail(ps->e, field, "more than %d countries and continents",
			    POLICY_CODES_MAX);
	ps->codes[ps->ncodes].kind = kind;
	memcpy(ps->codes[ps->ncodes].code, code, 2);
	ps->codes[ps->ncodes].region = region;
	ps->ncodes++;
	return 0;
}

static int parse_code(struct parse *ps, enum fp_geo_kind kind, const json_t *x, uint32_t region,
		      const char *field, json_t *out)
{
	const char *s = json_string_value(x);
	char code[3];
	size_t i;
	int err;

	if (!s || strlen(s) != 2 || !isalpha((unsigned char)s[0]) ||
	    !isalpha((unsigned char)s[1]))
		return fail(ps->e, field, kind == FP_GEO_COUNTRY ?
			    "must be an ISO 3166-1 alpha-2 country code such as \"GB\"" :
			    "must be a continent code: AF AN AS EU NA OC SA");
	code[0] = toupper((unsigned char)s[0]);
	code[1] = toupper((unsigned char)s[1]);
	code[2] = 0;
	if (kind == FP_GEO_CONTINENT) {
		for (i = 0; i < sizeof(continents) / sizeof(continents[0]); i++)
			if (!strcmp(code, continents[i]))
				break;
		if (i == sizeof(continents) / sizeof(continents[0]))
			return fail(ps->e, field, "'%s' is not a continent code: AF AN AS EU NA OC SA",
				    s);
	}
	err = add_code(ps, kind, code, region, field);
	if (err)
		return err;
	return json_array_append_new(out, json_string(code)) ? -ENOMEM : 0;
}

static int parse_cidr(struct parse *ps, const json_t *x, uint32_t region, const char *field,
		      json_t *out)
{
	const char *s = json_string_value(x), *slash;
	char addr[INET6_ADDRSTRLEN + 8], text[INET6_ADDRSTRLEN + 16], *end;
	struct policy_cidr c = { .region = region };
	unsigned long len;
	size_t i, bits;

	if (!s)
		return fail(ps->e, field, "must be a network as \"address/length\"");
	slash = strchr(s, '/');
	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(addr) ||
	    !isdigit((unsigned char)slash[1]))
		return fail(ps->e, field, "'%s' is not a network \"address/length\"", s);
	memcpy(addr, s, slash - s);
	addr[slash - s] = 0;
	c.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	bits = c.family == AF_INET ? 32 : 128;
	if (inet_pton(c.family, addr, c.addr) != 1)
		return fail(ps->e, field, "'%s' is not an IPv%d address", addr,
			    c.family == AF_INET ? 4 : 6);
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (*end || errno || len > bits || end - (slash + 1) > 3)
		return fail(ps->e, field, "'%s': the prefix length must be 0..%zu", s, bits);
	c.len = (uint8_t)len;
	for (i = len; i < bits; i++)
		if (c.addr[i / 8] & (0x80 >> (i % 8))) {
			struct policy_cidr net = c;
			size_t j;

			for (j = len; j < bits; j++)
				net.addr[j / 8] &= ~(0x80 >> (j % 8));
			inet_ntop(c.family, net.addr, text, sizeof(text));
			return fail(ps->e, field, "'%s' has host bits set; the network is %s/%lu", s,
				    text, len);
		}
	for (i = 0; i < ps->ncidrs; i++)
		if (ps->cidrs[i].family == c.family && ps->cidrs[i].len == c.len &&
		    !memcmp(ps->cidrs[i].addr, c.addr, 16))
			return fail(ps->e, field, "%s is in rule %u already", s,
				    ps->cidrs[i].region - 1);
	if (ps->ncidrs >= POLICY_CIDRS_MAX)
		return fail(ps->e, field, "more than %d networks", POLICY_CIDRS_MAX);
	ps->cidrs[ps->ncidrs++] = c;
	inet_ntop(c.family, c.addr, addr, sizeof(addr));
	snprintf(text, sizeof(text), "%s/%lu", addr, len);
	return json_array_append_new(out, json_string(text)) ? -ENOMEM : 0;
}

static int parse_rule(struct parse *ps, const json_t *rule, size_t r, json_t *rules)
{
	static const char *const known[] = { "continents", "countries", "cidrs", "records" };
	static const char *const kinds[] = { "continents", "countries", "cidrs" };
	char path[64], field[96];
	const char *kind = NULL;
	json_t *c, *list, *recs, *x;
	size_t i, k;
	int err;

	snprintf(path, sizeof(path), "policy.geo.rules[%zu]", r);
	if (!json_is_object(rule))
		return fail(ps->e, path, "must be an object");
	err = check_members(ps, rule, path, known, 4);
	if (err)
		return err;
	for (k = 0; k < 3; k++) {
		if (!json_object_get(rule, kinds[k]))
			continue;
		if (kind)
			return fail(ps->e, path, "takes one of continents, countries and cidrs, "
				    "not both %s and %s", kind, kinds[k]);
		kind = kinds[k];
	}
	if (!kind)
		return fail(ps->e, path, "needs continents, countries or cidrs");
	c = json_object();
	if (!c || json_array_append_new(rules, c))
		return -ENOMEM;
	list = json_array();
	recs = json_array();
	if (json_object_set_new(c, kind, list) || json_object_set_new(c, "records", recs))
		return -ENOMEM;
	x = json_object_get(rule, kind);
	snprintf(field, sizeof(field), "%s.%s", path, kind);
	if (!json_is_array(x) || !json_array_size(x))
		return fail(ps->e, field, "must be a non-empty array");
	json_array_foreach(json_object_get(rule, kind), i, x) {
		snprintf(field, sizeof(field), "%s.%s[%zu]", path, kind, i);
		if (kind == kinds[2])
			err = parse_cidr(ps, x, r + 1, field, list);
		else
			err = parse_code(ps, kind == kinds[0] ? FP_GEO_CONTINENT : FP_GEO_COUNTRY,
					 x, r + 1, field, list);
		if (err)
			return err;
	}
	snprintf(field, sizeof(field), "%s.records", path);
	x = json_object_get(rule, "records");
	if (!x)
		return fail(ps->e, field, "is required: the records this rule answers with");
	return parse_records(ps, x, field, &ps->set[r + 1], recs);
}

static int parse_geo(struct parse *ps, const json_t *v, json_t *canon)
{
	static const char *const known[] = { "rules", "default" };
	json_t *geo, *rules, *def, *x;
	size_t i;
	int err;

	if (!json_is_object(v))
		return fail(ps->e, "policy.geo", "must be an object with rules and default");
	err = check_members(ps, v, "policy.geo", known, 2);
	if (err)
		return err;
	geo = json_object();
	if (!geo || json_object_set_new(canon, "geo", geo))
		return -ENOMEM;
	rules = json_array();
	def = json_array();
	if (json_object_set_new(geo, "rules", rules) || json_object_set_new(geo, "default", def))
		return -ENOMEM;
	x = json_object_get(v, "rules");
	if (x && !json_is_array(x))
		return fail(ps->e, "policy.geo.rules", "must be an array of rules");
	if (json_array_size(x) > FP_POLICY_REGIONS_MAX - 1)
		return fail(ps->e, "policy.geo.rules", "has %zu rules; at most %d",
			    json_array_size(x), FP_POLICY_REGIONS_MAX - 1);
	ps->cidrs = calloc(POLICY_CIDRS_MAX, sizeof(*ps->cidrs));
	ps->codes = calloc(POLICY_CODES_MAX, sizeof(*ps->codes));
	if (!ps->cidrs || !ps->codes)
		return -ENOMEM;
	json_array_foreach(x, i, v) {
		err = parse_rule(ps, v, i, rules);
		if (err)
			return err;
	}
	ps->nregions = 1 + json_array_size(x);
	return 0;
}

/* Every region must have a record to serve, of non-zero weight, also among
 * its secondaries when it has any. */
static int check_regions(struct parse *ps)
{
	uint16_t nonzero = 0, prim, sec;
	char field[96];
	size_t r, i;

	for (i = 0; i < ps->n; i++)
		if (!ps->has_weights || ps->weight[i])
			nonzero |= 1U << i;
	for (r = 0; r < ps->nregions; r++) {
		if (!ps->has_geo)
			snprintf(field, sizeof(field), "%s", "policy");
		else if (!r)
			snprintf(field, sizeof(field), "policy.geo.default");
		else
			snprintf(field, sizeof(field), "policy.geo.rules[%zu].records", r - 1);
		prim = ps->set[r] & ~ps->secondary;
		sec = ps->set[r] & ps->secondary;
		if (!prim)
			return fail(ps->e, ps->has_geo ? field : "policy.failover",
				    "no primary record among %s", ps->has_geo ? "these records" :
				    "the records");
		if (!(prim & nonzero))
			return fail(ps->e, ps->has_geo ? field : "policy.weights",
				    "every primary record %shas weight 0",
				    ps->has_geo ? "here " : "");
		if (sec && !(sec & nonzero))
			return fail(ps->e, ps->has_geo ? field : "policy.weights",
				    "every secondary record %shas weight 0",
				    ps->has_geo ? "here " : "");
	}
	return 0;
}

static int parse(struct parse *ps, const json_t *obj)
{
	static const char *const known[] = { "weights", "multivalue", "healthchecks", "failover",
					     "geo" };
	uint8_t wire[POLICY_RDATA_MAX];
	char field[32];
	size_t i, j;
	json_t *v;
	int err;

	if (!json_is_object(obj))
		return fail(ps->e, "policy", "must be an object or null");
	err = check_members(ps, obj, "policy", known, 5);
	if (err)
		return err;
	if (!json_object_size(obj))
		return fail(ps->e, "policy", "is empty; null means no policy");
	if (ps->type != DNS_TYPE_A && ps->type != DNS_TYPE_AAAA)
		return fail(ps->e, "policy", "only A and AAAA RRsets take a policy");
	if (!ps->n || ps->n > FP_POLICY_RECORDS_MAX)
		return fail(ps->e, "policy", "a steered RRset has 1..%d records, not %zu",
			    FP_POLICY_RECORDS_MAX, ps->n);
	for (i = 0; i < ps->n; i++) {
		snprintf(field, sizeof(field), "records[%zu]", i);
		if (ps->rdlen[i] > sizeof(wire))
			return fail(ps->e, field, "is not an address");
		for (j = 0; j < i; j++)
			if (ps->rdlen[j] == ps->rdlen[i] &&
			    !memcmp(ps->rdata[j], ps->rdata[i], ps->rdlen[i]))
				return fail(ps->e, field, "repeats records[%zu]; a steered RRset "
					    "lists each record once", j);
	}
	ps->canon = json_object();
	if (!ps->canon)
		return -ENOMEM;
	for (i = 0; i < ps->n; i++) {
		ps->weight[i] = 1;
		ps->health[i] = FP_HEALTH_NONE;
	}
	ps->nregions = 1;
	ps->set[0] = (1U << ps->n) - 1;

	v = json_object_get(obj, "weights");
	if (v && (err = parse_weights(ps, v, ps->canon)))
		return err;
	v = json_object_get(obj, "multivalue");
	if (v) {
		if (!json_is_boolean(v))
			return fail(ps->e, "policy.multivalue", "must be true or false");
		ps->multivalue = json_is_true(v);
		if (ps->multivalue && ps->has_weights)
			return fail(ps->e, "policy.multivalue",
				    "weights pick one record; multivalue cannot go with them");
		if (json_object_set_new(ps->canon, "multivalue", json_boolean(ps->multivalue)))
			return -ENOMEM;
	}
	v = json_object_get(obj, "healthchecks");
	if (v && (err = parse_health(ps, v, ps->canon)))
		return err;
	v = json_object_get(obj, "failover");
	if (v && (err = parse_failover(ps, v, ps->canon)))
		return err;
	v = json_object_get(obj, "geo");
	if (v) {
		err = parse_geo(ps, v, ps->canon);
		if (err)
			return err;
		ps->has_geo = true;
		v = json_object_get(v, "default");
		if (!v)
			return fail(ps->e, "policy.geo.default",
				    "is required: the records for clients no rule matches");
		err = parse_records(ps, v, "policy.geo.default", &ps->set[0],
				    json_object_get(json_object_get(ps->canon, "geo"), "default"));
		if (err)
			return err;
	}
	return check_regions(ps);
}

static void parse_done(struct parse *ps)
{
	free(ps->cidrs);
	free(ps->codes);
	json_decref(ps->canon);
}

int policy_validate(const json_t *obj, uint16_t type, const uint8_t *const *rdata,
		    const uint16_t *rdlen, size_t n, policy_slot_fn slot, void *ctx,
		    char **canonical, struct policy_err *e)
{
	struct parse ps = {
		.type = type, .rdata = rdata, .rdlen = rdlen, .n = n, .slot = slot,
		.ctx = ctx, .strict = true, .e = e,
	};
	int err;

	err = parse(&ps, obj);
	if (!err && canonical) {
		*canonical = json_dumps(ps.canon, JSON_COMPACT);
		if (!*canonical)
			err = -ENOMEM;
	}
	if (err == -ENOMEM)
		fail(e, "policy", "out of memory");
	parse_done(&ps);
	return err;
}

int policy_compile(const char *text, size_t len, uint16_t type, const uint8_t *const *rdata,
		   const uint16_t *rdlen, size_t n, policy_slot_fn slot, void *ctx,
		   struct policy **out, struct policy_err *e)
{
	struct parse ps = {
		.type = type, .rdata = rdata, .rdlen = rdlen, .n = n, .slot = slot,
		.ctx = ctx, .e = e,
	};
	uint16_t nonzero = 0;
	struct policy *p;
	json_error_t jerr;
	json_t *obj;
	size_t i;
	int err;

	*out = NULL;
	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj)
		return fail(e, "policy", "stored policy is not JSON: %s", jerr.text);
	err = parse(&ps, obj);
	if (err)
		goto out;
	p = calloc(1, sizeof(*p));
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	*out = p;
	p->fp.mode = ps.has_weights ? FP_POLICY_WEIGHTED :
		     ps.multivalue ? FP_POLICY_MULTIVALUE : FP_POLICY_ALL;
	p->fp.nrecords = (uint8_t)n;
	p->fp.nregions = (uint8_t)ps.nregions;
	p->fp.flags = ps.nregions > 1 ? FP_POLICY_F_GEO : 0;
	for (i = 0; i < n; i++) {
		p->fp.weight[i] = ps.weight[i];
		p->fp.health[i] = ps.health[i];
		if (ps.weight[i])
			nonzero |= 1U << i;
		if (ps.checks[i] && !(p->checks[i] = strdup(ps.checks[i])))
			err = -ENOMEM;
	}
	for (i = 0; i < ps.nregions; i++) {
		p->fp.region[i].primary = ps.set[i] & ~ps.secondary & nonzero;
		p->fp.region[i].secondary = ps.set[i] & ps.secondary & nonzero;
	}
	p->ncidrs = ps.ncidrs;
	p->ncodes = ps.ncodes;
	if (ps.ncidrs && !(p->cidrs = malloc(ps.ncidrs * sizeof(*p->cidrs))))
		err = -ENOMEM;
	else if (ps.ncidrs)
		memcpy(p->cidrs, ps.cidrs, ps.ncidrs * sizeof(*p->cidrs));
	if (ps.ncodes && !(p->codes = malloc(ps.ncodes * sizeof(*p->codes))))
		err = -ENOMEM;
	else if (ps.ncodes)
		memcpy(p->codes, ps.codes, ps.ncodes * sizeof(*p->codes));
	p->text = json_dumps(ps.canon, JSON_COMPACT);
	if (!p->text)
		err = -ENOMEM;
	else
		p->text_len = strlen(p->text);
out:
	if (err == -ENOMEM)
		fail(e, "policy", "out of memory");
	if (err) {
		policy_free(*out);
		*out = NULL;
	}
	json_decref(obj);
	parse_done(&ps);
	return err;
}

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < FP_POLICY_RECORDS_MAX; i++)
		free(p->checks[i]);
	free(p->cidrs);
	free(p->codes);
	free(p->text);
	free(p);
}

json_t *policy_json_text(const char *text, size_t len)
{
	if (!text || !len)
		return json_null();
	return json_loadb(text, len, 0, NULL);
}

json_t *policy_json(const struct policy *p)
{
	return p ? policy_json_text(p->text, p->text_len) : json_null();
}

static bool prefix_has(const uint8_t *net, uint8_t len, const uint8_t *addr)
{
	size_t full = len / 8;

	if (memcmp(net, addr, full))
		return false;
	return !(len % 8) || !((net[full] ^ addr[full]) & (0xff00 >> (len % 8)));
}

/* The first bit at which a and b differ, or bits when they do not. */
static unsigned int first_diff(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int i, d;

	for (i = 0; i < bits; i += 8) {
		if (a[i / 8] == b[i / 8])
			continue;
		d = i + __builtin_clz((unsigned int)(a[i / 8] ^ b[i / 8])) - 24;
		return d < bits ? d : bits;
	}
	return bits;
}

uint32_t policy_region(const struct policy *p, const struct geo *g, int family,
		       const uint8_t *addr, uint8_t *scope)
{
	unsigned int bits = family == AF_INET6 ? 128 : 32, base = 0, narrow = 0, d;
	const struct policy_cidr *best = NULL;
	uint32_t region = 0;
	struct fp_geo loc;
	uint8_t prefix;
	size_t i;

	if (!(p->fp.flags & FP_POLICY_F_GEO)) {
		if (scope)
			*scope = 0;
		return 0;
	}
	/* One pass: the longest rule that holds addr, and how far the scope
	 * must narrow to hold no rule that does not, so a resolver's cached
	 * answer never covers a rule's subnet. */
	for (i = 0; i < p->ncidrs; i++) {
		const struct policy_cidr *c = &p->cidrs[i];

		if (c->family != family)
			continue;
		if (prefix_has(c->addr, c->len, addr)) {
			if (!best || c->len > best->len)
				best = c;
			continue;
		}
		d = first_diff(c->addr, addr, c->len);
		if (d + 1 > narrow)
			narrow = d + 1;
	}
	if (best) {
		region = best->region;
		base = best->len;
	} else if (p->ncodes && g) {
		/* The answer holds across the database network: one location.
		 * geo_lookup zeroes loc and sets prefix, found or not. */
		geo_lookup(g, family, addr, &loc, &prefix);
		base = prefix > bits ? bits : prefix;
		for (i = 0; i < p->ncodes && loc.country[0]; i++)
			if (p->codes[i].kind == FP_GEO_COUNTRY &&
			    !memcmp(p->codes[i].code, loc.country, 2)) {
				region = p->codes[i].region;
				break;
			}
		for (i = 0; !region && i < p->ncodes && loc.continent[0]; i++)
			if (p->codes[i].kind == FP_GEO_CONTINENT &&
			    !memcmp(p->codes[i].code, loc.continent, 2)) {
				region = p->codes[i].region;
				break;
			}
	}
	if (narrow > base)
		base = narrow;
	if (scope)
		*scope = base > bits ? bits : base;
	return region < p->fp.nregions ? region : 0;
}

/* snprintf at buf + *used that never runs past len: *used stops at len,
 * which callers read as "truncated". */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	*used = n < 0 || (size_t)n >= len - *used ? len : *used + n;
}

/* "name a,b,c" from a per-record array of the canonical text; null is "-". */
static void describe_array(char *buf, size_t len, size_t *used, const char *name,
			   const json_t *a)
{
	const json_t *x;
	size_t i;

	if (!a)
		return;
	append(buf, len, used, "%s%s ", *used ? "; " : "", name);
	json_array_foreach(a, i, x) {
		if (json_is_integer(x))
			append(buf, len, used, "%s%lld", i ? "," : "",
			       (long long)json_integer_value(x));
		else
			append(buf, len, used, "%s%s", i ? "," : "",
			       json_is_string(x) ? json_string_value(x) : "-");
	}
}

int policy_describe(const struct policy *p, char *buf, size_t len)
{
	json_t *obj, *geo;
	size_t used = 0, nrules;

	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	obj = policy_json(p);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return -EINVAL;
	}
	describe_array(buf, len, &used, "weights", json_object_get(obj, "weights"));
	if (json_is_true(json_object_get(obj, "multivalue")))
		append(buf, len, &used, "%smultivalue", used ? "; " : "");
	describe_array(buf, len, &used, "healthchecks", json_object_get(obj, "healthchecks"));
	describe_array(buf, len, &used, "failover", json_object_get(obj, "failover"));
	geo = json_object_get(obj, "geo");
	if (geo) {
		nrules = json_array_size(json_object_get(geo, "rules"));
		append(buf, len, &used, "%sgeo %zu rule%s", used ? "; " : "", nrules,
		       nrules == 1 ? "" : "s");
	}
	if (!used)
		append(buf, len, &used, "all records");
	json_decref(obj);
	if (used >= len)
		return -ENOSPC;
	return (int)used;
}
