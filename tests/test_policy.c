// SPDX-License-Identifier: GPL-2.0-only
/* Steering policies: each validation error names its field, the canonical text
 * round-trips, compiled masks follow weights, failover and geo rules, regions
 * resolve with their ECS scope, and the shared selection keeps its odds. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns_rdata.h"
#include "geo.h"
#include "policy.h"

struct rrset {
	uint16_t	type;
	size_t		n;
	uint8_t		wire[FP_POLICY_RECORDS_MAX + 2][16];
	const uint8_t	*rdata[FP_POLICY_RECORDS_MAX + 2];
	uint16_t	rdlen[FP_POLICY_RECORDS_MAX + 2];
};

/* An RRset of type from a NULL-terminated list of addresses. */
static void rrset_init(struct rrset *rs, uint16_t type, ...)
{
	const char *a;
	va_list ap;
	int len;

	memset(rs, 0, sizeof(*rs));
	rs->type = type;
	va_start(ap, type);
	while ((a = va_arg(ap, const char *))) {
		len = dns_rdata_from_text(type, a, NULL, rs->wire[rs->n], 16, NULL, 0);
		assert_true(len > 0);
		rs->rdata[rs->n] = rs->wire[rs->n];
		rs->rdlen[rs->n] = len;
		rs->n++;
	}
	va_end(ap);
}

static int slot_fn(const char *check, void *ctx)
{
	(void)ctx;
	if (!strcmp(check, "web1"))
		return 3;
	if (!strcmp(check, "web2"))
		return 7;
	return -ENOENT;
}

static int validate(const struct rrset *rs, const char *json, char **canon,
		    struct policy_err *e)
{
	json_error_t jerr;
	json_t *obj;
	int err;

	obj = json_loads(json, 0, &jerr);
	if (!obj)
		fail_msg("bad test JSON %s: %s", json, jerr.text);
	memset(e, 0, sizeof(*e));
	err = policy_validate(obj, rs->type, rs->rdata, rs->rdlen, rs->n, slot_fn, NULL, canon, e);
	json_decref(obj);
	return err;
}

static struct policy *compile(const struct rrset *rs, const char *json)
{
	struct policy_err e;
	struct policy *p;
	char *canon = NULL;

	if (validate(rs, json, &canon, &e))
		fail_msg("%s: %s: %s", json, e.field, e.msg);
	assert_int_equal(policy_compile(canon, strlen(canon), rs->type, rs->rdata, rs->rdlen,
					rs->n, slot_fn, NULL, &p, &e), 0);
	free(canon);
	return p;
}

static void expect_error(const struct rrset *rs, const char *json, const char *field)
{
	struct policy_err e;
	char *canon = NULL;

	if (validate(rs, json, &canon, &e) != -EINVAL)
		fail_msg("%s: accepted as %s", json, canon);
	if (strcmp(e.field, field))
		fail_msg("%s: field %s (%s), expected %s", json, e.field, e.msg, field);
	assert_true(e.msg[0]);
	assert_null(canon);
}

static void test_errors(void **state)
{
	struct rrset rs, big, dup, mx;
	(void)state;

	rrset_init(&rs, DNS_TYPE_A, "192.0.2.1", "192.0.2.2", "192.0.2.3", NULL);
	expect_error(&rs, "[1]", "policy");
	expect_error(&rs, "{}", "policy");
	expect_error(&rs, "{\"weight\":[1,2,3]}", "policy.weight");
	expect_error(&rs, "{\"weights\":[1,2]}", "policy.weights");
	expect_error(&rs, "{\"weights\":1}", "policy.weights");
	expect_error(&rs, "{\"weights\":[1,2,65536]}", "policy.weights[2]");
	expect_error(&rs, "{\"weights\":[1,-1,3]}", "policy.weights[1]");
	expect_error(&rs, "{\"weights\":[1,\"2\",3]}", "policy.weights[1]");
	expect_error(&rs, "{\"weights\":[0,0,0]}", "policy.weights");
	expect_error(&rs, "{\"weights\":[1,2,3],\"multivalue\":true}", "policy.multivalue");
	expect_error(&rs, "{\"multivalue\":1}", "policy.multivalue");
	expect_error(&rs, "{\"healthchecks\":[\"web1\",null]}", "policy.healthchecks");
	expect_error(&rs, "{\"healthchecks\":[\"web1\",null,\"nope\"]}", "policy.healthchecks[2]");
	expect_error(&rs, "{\"healthchecks\":[\"web1\",3,null]}", "policy.healthchecks[1]");
	expect_error(&rs, "{\"failover\":[\"primary\",\"backup\",\"primary\"]}",
		     "policy.failover[1]");
	expect_error(&rs, "{\"failover\":[\"secondary\",\"secondary\",\"secondary\"]}",
		     "policy.failover");
	expect_error(&rs, "{\"weights\":[0,1,1],\"failover\":[\"primary\",\"secondary\","
		     "\"secondary\"]}", "policy.weights");
	expect_error(&rs, "{\"weights\":[1,0,1],\"failover\":[\"primary\",\"secondary\","
		     "\"primary\"]}", "policy.weights");
	expect_error(&rs, "{\"geo\":[]}", "policy.geo");
	expect_error(&rs, "{\"geo\":{\"rules\":[],\"x\":1}}", "policy.geo.x");
	expect_error(&rs, "{\"geo\":{\"rules\":[]}}", "policy.geo.default");
	expect_error(&rs, "{\"geo\":{\"rules\":{},\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules");
	expect_error(&rs, "{\"geo\":{\"rules\":[1],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"records\":[\"192.0.2.1\"]}],"
		     "\"default\":[\"192.0.2.1\"]}}", "policy.geo.rules[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[\"GB\"],\"continents\":[\"EU\"],"
		     "\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[\"GB\"],\"records\":[\"192.0.2.1\"],"
		     "\"weight\":1}],\"default\":[\"192.0.2.1\"]}}", "policy.geo.rules[0].weight");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[\"GBR\"],"
		     "\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].countries[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[],"
		     "\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].countries");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"continents\":[\"EU\",\"XX\"],"
		     "\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].continents[1]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"cidrs\":[\"198.18.0.0/15\",\"198.18.1.1/24\"],"
		     "\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].cidrs[1]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"cidrs\":[\"198.18.0.0/33\"],"
		     "\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].cidrs[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"cidrs\":[\"2001:db8::1/48\"],"
		     "\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].cidrs[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"cidrs\":[\"198.18.0.0\"],"
		     "\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].cidrs[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"cidrs\":[\"198.18.0.0/16\"],"
		     "\"records\":[\"192.0.2.1\"]},{\"cidrs\":[\"198.18.0.0/16\"],"
		     "\"records\":[\"192.0.2.2\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[1].cidrs[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[\"gb\"],"
		     "\"records\":[\"192.0.2.1\"]},{\"countries\":[\"DE\",\"GB\"],"
		     "\"records\":[\"192.0.2.2\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[1].countries[1]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[\"GB\"],"
		     "\"records\":[\"192.0.2.9\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].records[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[\"GB\"],"
		     "\"records\":[\"not-an-address\"]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].records[0]");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[\"GB\"],"
		     "\"records\":[]}],\"default\":[\"192.0.2.1\"]}}",
		     "policy.geo.rules[0].records");
	expect_error(&rs, "{\"geo\":{\"rules\":[{\"countries\":[\"GB\"]}],"
		     "\"default\":[\"192.0.2.1\"]}}", "policy.geo.rules[0].records");
	expect_error(&rs, "{\"geo\":{\"rules\":[],\"default\":[\"192.0.2.1\",\"192.0.2.1\"]}}",
		     "policy.geo.default[1]");
	expect_error(&rs, "{\"failover\":[\"secondary\",\"primary\",\"primary\"],"
		     "\"geo\":{\"rules\":[{\"countries\":[\"GB\"],\"records\":[\"192.0.2.1\"]}],"
		     "\"default\":[\"192.0.2.2\"]}}", "policy.geo.rules[0].records");
	expect_error(&rs, "{\"weights\":[1,0,1],\"geo\":{\"rules\":[],"
		     "\"default\":[\"192.0.2.2\"]}}", "policy.geo.default");

	/* 256 networks fit, one more does not. */
	{
		static char buf[16384];
		size_t used, i;

		used = snprintf(buf, sizeof(buf), "{\"geo\":{\"rules\":[{\"cidrs\":[");
		for (i = 0; i <= 256; i++)
			used += snprintf(buf + used, sizeof(buf) - used, "%s\"198.18.%zu.%zu/32\"",
					 i ? "," : "", i / 256, i % 256);
		snprintf(buf + used, sizeof(buf) - used,
			 "],\"records\":[\"192.0.2.1\"]}],\"default\":[\"192.0.2.1\"]}}");
		expect_error(&rs, buf, "policy.geo.rules[0].cidrs[256]");
	}

	/* 32 rules: region 0 and 31 rules fit, one more does not. */
	{
		char buf[4096];
		size_t used, i;

		used = snprintf(buf, sizeof(buf), "{\"geo\":{\"rules\":[");
		for (i = 0; i < FP_POLICY_REGIONS_MAX; i++)
			used += snprintf(buf + used, sizeof(buf) - used,
					 "%s{\"cidrs\":[\"198.18.%zu.0/24\"],"
					 "\"records\":[\"192.0.2.1\"]}", i ? "," : "", i);
		snprintf(buf + used, sizeof(buf) - used, "],\"default\":[\"192.0.2.1\"]}}");
		expect_error(&rs, buf, "policy.geo.rules");
	}

	rrset_init(&mx, DNS_TYPE_TXT, NULL);
	mx.n = 1;
	mx.rdata[0] = (const uint8_t *)"\x02hi";
	mx.rdlen[0] = 3;
	expect_error(&mx, "{\"multivalue\":true}", "policy");

	rrset_init(&big, DNS_TYPE_A, "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4",
		   "192.0.2.5", "192.0.2.6", "192.0.2.7", "192.0.2.8", "192.0.2.9", "192.0.2.10",
		   "192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14", "192.0.2.15",
		   "192.0.2.16", "192.0.2.17", NULL);
	expect_error(&big, "{\"multivalue\":true}", "policy");

	rrset_init(&dup, DNS_TYPE_A, "192.0.2.1", "192.0.2.1", NULL);
	expect_error(&dup, "{\"multivalue\":true}", "records[1]");
}

static void test_canonical(void **state)
{
	struct policy_err e;
	struct policy *p;
	struct rrset rs;
	char *canon, *again;
	json_t *obj;
	(void)state;

	rrset_init(&rs, DNS_TYPE_AAAA, "2001:db8::1", "2001:db8::2", NULL);
	canon = NULL;
	validate(&rs, "{\"geo\":{\"default\":[\"2001:DB8:0::1\",\"2001:db8::2\"],\"rules\":["
				  "{\"records\":[\"2001:db8::1\"],\"cidrs\":"
				  "[\"2001:DB8:1:0::/48\",\"198.18.0.0/15\"]},"
				  "{\"countries\":[\"jp\"],\"records\":[\"2001:db8::2\","
				  "\"2001:db8::1\"]}]},"
				  "\"failover\":[\"primary\",\"secondary\"],"
				  "\"healthchecks\":[null,\"web2\"],\"weights\":[70,30]}",
				  &canon, &e);
	if (!canon)
		fail_msg("%s: %s", e.field, e.msg);
	assert_string_equal(canon,
		"{\"weights\":[70,30],\"healthchecks\":[null,\"web2\"],"
		"\"failover\":[\"primary\",\"secondary\"],\"geo\":{\"rules\":["
		"{\"cidrs\":[\"2001:db8:1::/48\",\"198.18.0.0/15\"],\"records\":[\"2001:db8::1\"]},"
		"{\"countries\":[\"JP\"],\"records\":[\"2001:db8::2\",\"2001:db8::1\"]}],"
		"\"default\":[\"2001:db8::1\",\"2001:db8::2\"]}}");
	/* The canonical text is its own canonical form. */
	assert_int_equal(validate(&rs, canon, &again, &e), 0);
	assert_string_equal(canon, again);
	assert_int_equal(policy_compile(canon, strlen(canon), rs.type, rs.rdata, rs.rdlen, rs.n,
					slot_fn, NULL, &p, &e), 0);
	assert_string_equal(p->text, canon);
	obj = policy_json(p);
	assert_true(json_is_object(obj));
	json_decref(obj);
	policy_free(p);
	free(again);
	free(canon);

	assert_int_equal(validate(&rs, "{\"multivalue\":true}", &canon, &e), 0);
	assert_string_equal(canon, "{\"multivalue\":true}");
	free(canon);
}

static void test_compile(void **state)
{
	struct policy_err e;
	struct policy *p;
	struct rrset rs;
	char buf[256];
	(void)state;

	rrset_init(&rs, DNS_TYPE_A, "192.0.2.1", "192.0.2.2", "192.0.2.3", NULL);

	p = compile(&rs, "{\"multivalue\":true}");
	assert_int_equal(p->fp.mode, FP_POLICY_MULTIVALUE);
	assert_int_equal(p->fp.nrecords, 3);
	assert_int_equal(p->fp.nregions, 1);
	assert_int_equal(p->fp.flags, 0);
	assert_int_equal(p->fp.weight[0] + p->fp.weight[1] + p->fp.weight[2], 3);
	assert_int_equal(p->fp.health[2], FP_HEALTH_NONE);
	assert_int_equal(p->fp.region[0].primary, 7);
	assert_int_equal(p->fp.region[0].secondary, 0);
	assert_int_equal(policy_describe(p, buf, sizeof(buf)), strlen("multivalue"));
	policy_free(p);

	p = compile(&rs, "{\"weights\":[70,30,0],\"healthchecks\":[\"web1\",null,\"web2\"]}");
	assert_int_equal(p->fp.mode, FP_POLICY_WEIGHTED);
	assert_int_equal(p->fp.weight[0], 70);
	assert_int_equal(p->fp.weight[1], 30);
	assert_int_equal(p->fp.weight[2], 0);
	assert_int_equal(p->fp.health[0], 3);
	assert_int_equal(p->fp.health[1], FP_HEALTH_NONE);
	assert_int_equal(p->fp.health[2], 7);
	assert_string_equal(p->checks[0], "web1");
	assert_null(p->checks[1]);
	assert_int_equal(p->fp.region[0].primary, 3);	/* weight 0: in no mask */
	assert_true(policy_describe(p, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "weights 70,30,0; healthchecks web1,-,web2");
	assert_int_equal(policy_describe(p, buf, 10), -ENOSPC);
	/* Every short buffer: truncated, terminated, and not a byte past it. */
	for (size_t len = 1; len < 48; len++) {
		char guard[64 + 16];
		size_t i;

		memset(guard, 'X', sizeof(guard));
		assert_int_equal(policy_describe(p, guard + 8, len),
				 len > 41 ? 41 : -ENOSPC);	/* the text above */
		assert_true(strlen(guard + 8) < len);
		for (i = 0; i < sizeof(guard); i++)
			if (i < 8 || i >= 8 + len)
				assert_int_equal(guard[i], 'X');
	}
	policy_free(p);

	p = compile(&rs, "{\"failover\":[\"primary\",\"secondary\",\"primary\"]}");
	assert_int_equal(p->fp.mode, FP_POLICY_ALL);
	assert_int_equal(p->fp.region[0].primary, 5);
	assert_int_equal(p->fp.region[0].secondary, 2);
	policy_describe(p, buf, sizeof(buf));
	assert_string_equal(buf, "failover primary,secondary,primary");
	policy_free(p);

	p = compile(&rs, "{\"failover\":[\"primary\",\"secondary\",\"secondary\"],"
		    "\"geo\":{\"rules\":[{\"continents\":[\"EU\"],\"records\":[\"192.0.2.2\","
		    "\"192.0.2.1\"]},{\"countries\":[\"JP\",\"cn\"],\"records\":[\"192.0.2.1\"]},"
		    "{\"cidrs\":[\"198.18.1.0/24\",\"2001:db8:1::/48\"],"
		    "\"records\":[\"192.0.2.1\",\"192.0.2.3\"]}],"
		    "\"default\":[\"192.0.2.1\",\"192.0.2.2\"]}}");
	assert_int_equal(p->fp.nregions, 4);
	assert_int_equal(p->fp.flags, FP_POLICY_F_GEO);
	assert_int_equal(p->fp.region[0].primary, 1);
	assert_int_equal(p->fp.region[0].secondary, 2);
	assert_int_equal(p->fp.region[1].primary, 1);
	assert_int_equal(p->fp.region[1].secondary, 2);
	assert_int_equal(p->fp.region[2].primary, 1);
	assert_int_equal(p->fp.region[2].secondary, 0);
	assert_int_equal(p->fp.region[3].primary, 1);
	assert_int_equal(p->fp.region[3].secondary, 4);
	assert_int_equal(p->ncodes, 3);
	assert_int_equal(p->codes[0].kind, FP_GEO_CONTINENT);
	assert_memory_equal(p->codes[0].code, "EU", 2);
	assert_int_equal(p->codes[0].region, 1);
	assert_memory_equal(p->codes[2].code, "CN", 2);
	assert_int_equal(p->codes[2].region, 2);
	assert_int_equal(p->ncidrs, 2);
	assert_int_equal(p->cidrs[1].family, AF_INET6);
	assert_int_equal(p->cidrs[1].len, 48);
	assert_int_equal(p->cidrs[1].region, 3);
	policy_describe(p, buf, sizeof(buf));
	assert_string_equal(buf, "failover primary,secondary,secondary; geo 3 rules");
	policy_free(p);

	/* A check deleted since validation compiles as none. */
	{
		const char *text = "{\"healthchecks\":[\"gone\",null,null]}";

		assert_int_equal(policy_compile(text, strlen(text), rs.type, rs.rdata, rs.rdlen,
						rs.n, slot_fn, NULL, &p, &e), 0);
		assert_int_equal(p->fp.health[0], FP_HEALTH_NONE);
		policy_free(p);
	}
}

static uint32_t region_of(const struct policy *p, const char *addr, uint8_t *scope)
{
	uint8_t a[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return policy_region(p, NULL, family, a, scope);
}

static void test_region_cidr(void **state)
{
	struct policy *p;
	struct rrset rs;
	uint8_t scope;
	(void)state;

	rrset_init(&rs, DNS_TYPE_A, "192.0.2.1", "192.0.2.2", "192.0.2.3", NULL);
	p = compile(&rs, "{\"weights\":[1,1,1]}");
	scope = 99;
	assert_int_equal(region_of(p, "198.18.1.1", &scope), 0);
	assert_int_equal(scope, 0);
	policy_free(p);

	p = compile(&rs, "{\"geo\":{\"rules\":["
		    "{\"cidrs\":[\"198.18.0.0/16\"],\"records\":[\"192.0.2.1\"]},"
		    "{\"cidrs\":[\"198.18.1.0/24\",\"2001:db8:1::/48\"],\"records\":[\"192.0.2.2\"]},"
		    "{\"countries\":[\"GB\"],\"records\":[\"192.0.2.3\"]}],"
		    "\"default\":[\"192.0.2.3\"]}}");
	/* Longest match wins. */
	assert_int_equal(region_of(p, "198.18.1.7", &scope), 2);
	assert_int_equal(scope, 24);
	/* The /16 holds a /24 rule: the scope narrows until it leaves it out
	 * (198.18.2.x first differs from 198.18.1.0 at bit 22). */
	assert_int_equal(region_of(p, "198.18.2.7", &scope), 1);
	assert_int_equal(scope, 23);
	assert_int_equal(region_of(p, "198.18.200.7", &scope), 1);
	assert_int_equal(scope, 17);
	/* Outside every rule, without a database: default, narrowed past rules. */
	assert_int_equal(region_of(p, "198.19.0.1", &scope), 0);
	assert_int_equal(scope, 16);
	assert_int_equal(region_of(p, "10.0.0.1", &scope), 0);
	assert_int_equal(scope, 1);
	assert_int_equal(region_of(p, "2001:db8:1:ffff::1", &scope), 2);
	assert_int_equal(scope, 48);
	assert_int_equal(region_of(p, "2001:db8:2::1", &scope), 0);
	assert_int_equal(scope, 47);
	policy_free(p);
}

static uint32_t region_geo(const struct policy *p, const struct geo *g, const char *addr,
			   uint8_t *scope)
{
	uint8_t a[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return policy_region(p, g, family, a, scope);
}

/* Countries and continents from MaxMind's test database; the scope is the
 * database network's, narrowed past CIDR rules inside it. */
static void test_region_geo(void **state)
{
	const char *dir = getenv("NAMESERVE_GEO_DIR");
	struct policy *p;
	struct rrset rs;
	struct geo *g;
	char path[512];
	uint8_t scope;
	(void)state;

	snprintf(path, sizeof(path), "%s/GeoIP2-Country-Test.mmdb", dir ? dir : "../shared/geo");
	if (geo_open(&g, path)) {
		skip();
		return;
	}
	rrset_init(&rs, DNS_TYPE_A, "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", NULL);
	p = compile(&rs, "{\"geo\":{\"rules\":["
		    "{\"countries\":[\"GB\"],\"records\":[\"192.0.2.1\"]},"
		    "{\"continents\":[\"AS\"],\"records\":[\"192.0.2.2\"]},"
		    "{\"cidrs\":[\"81.2.69.176/28\"],\"records\":[\"192.0.2.3\"]},"
		    "{\"continents\":[\"EU\"],\"records\":[\"192.0.2.4\"]},"
		    "{\"countries\":[\"DE\"],\"records\":[\"192.0.2.2\"]}],"
		    "\"default\":[\"192.0.2.4\",\"192.0.2.3\"]}}");
	/* 81.2.69.160/27 is GB: its country rule, over the /27 less the /28 rule. */
	assert_int_equal(region_geo(p, g, "81.2.69.161", &scope), 1);
	assert_int_equal(scope, 28);
	/* The CIDR rule wins over the country. */
	assert_int_equal(region_geo(p, g, "81.2.69.180", &scope), 3);
	assert_int_equal(scope, 28);
	/* 2001:218::/32 is JP in AS: no JP rule, the continent's. */
	assert_int_equal(region_geo(p, g, "2001:218::1", &scope), 2);
	assert_int_equal(scope, 32);
	/* 2a02:d180::/29 is DE in EU: the country before the continent. */
	assert_int_equal(region_geo(p, g, "2a02:d180::1", &scope), 5);
	assert_int_equal(scope, 29);
	/* 2a02:cfc0::/29 is FR in EU. */
	assert_int_equal(region_geo(p, g, "2a02:cfc0::1", &scope), 4);
	assert_int_equal(scope, 29);
	/* 2a02:e700::/29 is LY in AF: no rule, the default. */
	assert_int_equal(region_geo(p, g, "2a02:e700::1", &scope), 0);
	assert_int_equal(scope, 29);
	/* Not in the database: the default, over the empty network it is in. */
	assert_int_equal(region_geo(p, g, "198.18.0.1", &scope), 0);
	assert_true(scope <= 32);
	/* Without a database only CIDR rules match. */
	assert_int_equal(region_geo(p, NULL, "81.2.69.161", &scope), 0);
	assert_int_equal(scope, 28);
	policy_free(p);
	geo_close(g);
}

static void test_select_distribution(void **state)
{
	struct fp_health h;
	struct policy *p;
	struct rrset rs;
	uint32_t rnd = 0x12345678, n, i, hits[2] = { 0 };
	uint8_t order[FP_POLICY_RECORDS_MAX];
	int fail_open;
	(void)state;

	memset(&h, 0, sizeof(h));
	rrset_init(&rs, DNS_TYPE_A, "192.0.2.1", "192.0.2.2", NULL);
	p = compile(&rs, "{\"weights\":[70,30],\"healthchecks\":[\"web1\",\"web2\"]}");
	srandom(42);
	for (i = 0; i < 20000; i++) {
		rnd = (uint32_t)random() ^ ((uint32_t)random() << 16);
		n = fp_policy_select(&p->fp, 0, &h, rnd, order, &fail_open);
		assert_int_equal(n, 1);
		assert_false(fail_open);
		hits[order[0]]++;
	}
	/* 70 % ± 2 % */
	assert_in_range(hits[0], 13600, 14400);
	assert_int_equal(hits[0] + hits[1], 20000);

	/* web1 (slot 3) down: every answer is the other record. */
	h.down[0] |= 1ULL << 3;
	for (i = 0; i < 1000; i++) {
		n = fp_policy_select(&p->fp, 0, &h, (uint32_t)random(), order, &fail_open);
		assert_int_equal(n, 1);
		assert_int_equal(order[0], 1);
	}
	/* Both down: fail open over all primaries. */
	h.down[0] |= 1ULL << 7;
	n = fp_policy_select(&p->fp, 0, &h, 1, order, &fail_open);
	assert_int_equal(n, 1);
	assert_true(fail_open);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_compile),
		cmocka_unit_test(test_region_cidr),
		cmocka_unit_test(test_region_geo),
		cmocka_unit_test(test_select_distribution),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
