// SPDX-License-Identifier: GPL-2.0-only
/* /v1/zones: list, create (from scratch or a master file), get, delete, export
 * as a master file, and replace from one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_req.h"

json_t *api_zone_json(struct store_txn *t, const struct store_zone *z)
{
	char name[DNS_NAME_TEXT_MAX], mname[DNS_NAME_TEXT_MAX], rname[DNS_NAME_TEXT_MAX];
	uint32_t v[5], ttl;
	json_t *soa = json_null();

	if (dns_name_to_text(name, sizeof(name), z->origin) < 0)
		snprintf(name, sizeof(name), "?");
	if (!zone_admin_soa_get(t, z, mname, rname, v, &ttl))
		soa = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "mname", mname, "rname", rname,
				"refresh", (json_int_t)v[1], "retry", (json_int_t)v[2], "expire",
				(json_int_t)v[3], "minimum", (json_int_t)v[4], "ttl",
				(json_int_t)ttl);
	return json_pack("{s:s,s:s,s:I,s:o,s:I,s:o,s:o}", "name", name, "account", z->account,
			 "serial", (json_int_t)z->serial, "soa", soa, "rrsets",
			 (json_int_t)z->nrrsets, "created", api_time(z->created), "updated",
			 api_time(z->updated));
}

struct list_ctx {
	struct store_txn	*t;
	json_t			*arr;
	size_t			limit, n;
	uint8_t			last[DNS_NAME_MAX];
	bool			more;
};

static int list_cb(const struct store_zone *z, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->n == lc->limit) {
		lc->more = true;
		return 1;
	}
	json_array_append_new(lc->arr, api_zone_json(lc->t, z));
	memcpy(lc->last, z->origin, z->origin_len);
	lc->n++;
	return 0;
}

int api_zones_list(struct api_req *r)
{
	struct list_ctx lc = { .t = r->txn };
	const char *account = r->scope, *cursor = api_arg(r, "cursor");
	const char *filter = api_arg(r, "account");
	uint8_t after[DNS_NAME_MAX];
	char next[2 * DNS_NAME_MAX + 1];
	int ret, n;

	if (!api_limit(r, &lc.limit))
		return 0;
	if (filter && !r->scope)
		account = filter;
	else if (filter && strcmp(filter, r->scope))
		account = "";	/* another account's: nothing to see */
	if (cursor) {
		n = api_unhex(after, sizeof(after), cursor);
		if (n < 1 || dns_name_len(after, n) != n) {
			api_reply_error(r, 400, "cursor", "not a cursor of this list");
			return 0;
		}
	}
	lc.arr = json_array();
	ret = account && !*account ? 0 :
	      store_zone_foreach(r->txn, account, cursor ? after : NULL, list_cb, &lc);
	if (ret < 0) {
		json_decref(lc.arr);
		api_reply_error(r, 500, NULL, "store: %s", strerror(-ret));
		return 0;
	}
	if (lc.more)
		api_hex(next, lc.last, dns_name_len(lc.last, DNS_NAME_MAX));
	api_reply_json(r, 200, json_pack("{s:o,s:s?}", "zones", lc.arr, "next_cursor",
					 lc.more ? next : NULL));
	return 0;
}

/* An integer field within [0, max], or -1 when absent; false after a 400. */
static bool int_field(struct api_req *r, json_t *obj, const char *key, const char *prefix,
		      json_int_t max, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	char field[64];

	*out = -1;
	if (!v)
		return true;
	snprintf(field, sizeof(field), "%s%s", prefix, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		api_reply_error(r, 400, field, "an integer from 0 to %lld is expected",
				(long long)max);
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

/* A string field or NULL when absent; false after a 400. */
static bool str_field(struct api_req *r, json_t *obj, const char *key, const char *field,
		      const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return true;
	if (!json_is_string(v)) {
		api_reply_error(r, 400, field, "a string is expected");
		return false;
	}
	*out = json_string_value(v);
	return true;
}

int api_zones_create(struct api_req *r)
{
	static const char *const keys[] = { "name", "account", "soa", "nameservers", "zonefile",
					    NULL };
	static const char *const soa_keys[] = { "mname", "rname", "refresh", "retry", "expire",
						"minimum", "ttl", NULL };
	struct zone_admin_zone_spec spec = { 0 };
	struct zone_admin_err e = { 0 };
	const char *ns[ZONE_ADMIN_NS_MAX];
	struct store_zone z;
	json_t *body, *soa, *nsa, *v;
	size_t i;

	body = api_body_object(r);
	if (!body || !api_only_keys(r, body, NULL, keys))
		return -1;
	if (!str_field(r, body, "name", "name", &spec.name) ||
	    !str_field(r, body, "account", "account", &spec.account) ||
	    !str_field(r, body, "zonefile", "zonefile", &spec.zonefile))
		return -1;
	if (!spec.name) {
		api_reply_error(r, 400, "name", "the zone's name is required");
		return -1;
	}
	if (spec.account && r->scope && strcmp(spec.account, r->scope)) {
		api_reply_error(r, 403, "account", "only an admin token creates zones for "
				"another account");
		return -1;
	}
	if (!spec.account)
		spec.account = r->tok.account;
	if (!zone_admin_account_valid(spec.account)) {
		api_reply_error(r, 400, "account", "account names are 1 to %d of a-z 0-9 . _ -",
				STORE_ACCOUNT_MAX);
		return -1;
	}
	if (spec.zonefile)
		spec.zonefile_len = json_string_length(json_object_get(body, "zonefile"));
	spec.soa.refresh = spec.soa.retry = spec.soa.expire = spec.soa.minimum = spec.soa.ttl = -1;
	soa = json_object_get(body, "soa");
	if (soa && !json_is_null(soa)) {
		if (!json_is_object(soa)) {
			api_reply_error(r, 400, "soa", "an object is expected");
			return -1;
		}
		if (!api_only_keys(r, soa, "soa", soa_keys) ||
		    !str_field(r, soa, "mname", "soa.mname", &spec.soa.mname) ||
		    !str_field(r, soa, "rname", "soa.rname", &spec.soa.rname) ||
		    !int_field(r, soa, "refresh", "soa.", UINT32_MAX, &spec.soa.refresh) ||
		    !int_field(r, soa, "retry", "soa.", UINT32_MAX, &spec.soa.retry) ||
		    !int_field(r, soa, "expire", "soa.", UINT32_MAX, &spec.soa.expire) ||
		    !int_field(r, soa, "minimum", "soa.", UINT32_MAX, &spec.soa.minimum) ||
		    !int_field(r, soa, "ttl", "soa.", ZONE_ADMIN_TTL_MAX, &spec.soa.ttl))
			return -1;
	}
	nsa = json_object_get(body, "nameservers");
	if (nsa && !json_is_null(nsa)) {
		if (!json_is_array(nsa) || json_array_size(nsa) < 1 ||
		    json_array_size(nsa) > ZONE_ADMIN_NS_MAX) {
			api_reply_error(r, 400, "nameservers", "an array of 1 to %d names is "
					"expected", ZONE_ADMIN_NS_MAX);
			return -1;
		}
		json_array_foreach(nsa, i, v) {
			if (!json_is_string(v)) {
				api_reply_error(r, 400, "nameservers", "names are strings");
				return -1;
			}
			ns[i] = json_string_value(v);
		}
		spec.nameservers = ns;
		spec.nns = json_array_size(nsa);
	}
	if (zone_admin_zone_create(r->zt, &spec, &z, &e)) {
		api_reply_za(r, &e, NULL);
		return -1;
	}
	api_reply_json(r, 201, api_zone_json(r->txn, &z));
	api_set_etag(r, z.serial);
	return 0;
}

int api_zones_get(struct api_req *r)
{
	struct zone_admin_err e = { 0 };
	struct store_zone z;

	if (zone_admin_zone_find(r->txn, r->params[0], r->scope, &z, &e)) {
		api_reply_za(r, &e, NULL);
		return 0;
	}
	api_reply_json(r, 200, api_zone_json(r->txn, &z));
	api_set_etag(r, z.serial);
	return 0;
}

int api_zones_delete(struct api_req *r)
{
	struct zone_admin_err e = { 0 };
	struct zone_admin_match m;

	api_if_match(r, &m);
	if (zone_admin_zone_delete(r->zt, r->params[0], r->scope, &m, &e)) {
		api_reply_za(r, &e, NULL);
		return -1;
	}
	api_reply_json(r, 204, NULL);
	return 0;
}

int api_zones_export(struct api_req *r)
{
	struct zone_admin_err e = { 0 };
	struct store_zone z;
	char *text;
	size_t len;
	int ret;

	if (zone_admin_zone_find(r->txn, r->params[0], r->scope, &z, &e)) {
		api_reply_za(r, &e, NULL);
		return 0;
	}
	ret = zone_admin_export(r->txn, &z, &text, &len);
	if (ret) {
		api_reply_error(r, 500, NULL, "export: %s", strerror(-ret));
		return 0;
	}
	api_reply_text(r, 200, "text/dns", text, len);
	api_set_etag(r, z.serial);
	return 0;
}

int api_zones_put_zonefile(struct api_req *r)
{
	struct zone_admin_err e = { 0 };
	struct zone_admin_match m;
	struct store_zone z;

	api_if_match(r, &m);
	if (zone_admin_zone_replace(r->zt, r->params[0], r->scope, &m, r->body ? r->body : "",
				    r->body_len, &z, &e)) {
		api_reply_za(r, &e, NULL);
		return -1;
	}
	api_reply_json(r, 200, api_zone_json(r->txn, &z));
	api_set_etag(r, z.serial);
	return 0;
}
