// SPDX-License-Identifier: GPL-2.0-only
/* /v1/zones/{zone}/rrsets: list, get, put, delete, and PATCH with several
 * changes made atomically as one version. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_req.h"
#include "dns_rdata.h"

#define TEXT_CAP	(4 * 65535 + 1024)

static json_t *rrset_json(const struct store_rrset *rs)
{
	char name[DNS_NAME_TEXT_MAX], tb[16];
	json_t *recs = json_array(), *policy;
	size_t pos = 0, cap = TEXT_CAP;
	char *text = malloc(cap);
	int n;

	while (text && pos + 2 <= rs->data_len) {
		uint16_t len = (uint16_t)rs->data[pos] << 8 | rs->data[pos + 1];

		n = dns_rdata_to_text(rs->type, rs->data + pos + 2, len, text, cap);
		if (n == -ENOSPC && cap < DNS_RDATA_TEXT_MAX) {
			/* Only a huge type bitmap needs more; try once with room for any. */
			char *p = realloc(text, cap = DNS_RDATA_TEXT_MAX);

			if (!p)
				break;
			text = p;
			continue;
		}
		json_array_append_new(recs, json_string(n < 0 ? "" : text));
		pos += 2 + len;
	}
	free(text);
	if (dns_name_to_text(name, sizeof(name), rs->owner) < 0)
		snprintf(name, sizeof(name), "?");
	policy = policy_json_text((const char *)rs->policy, rs->policy_len);
	return json_pack("{s:s,s:s,s:I,s:o,s:o}", "name", name, "type",
			 dns_type_to_text(rs->type, tb), "ttl", (json_int_t)rs->ttl, "records", recs,
			 "policy", policy ? policy : json_null());
}

/* The zone of the path, or a 404 reply. */
static bool zone_of(struct api_req *r, struct store_zone *z)
{
	struct zone_admin_err e = { 0 };

	if (zone_admin_zone_find(r->txn, r->params[0], r->scope, z, &e)) {
		api_reply_za(r, &e, NULL);
		return false;
	}
	return true;
}

static bool type_of(struct api_req *r, const char *text, const char *field, uint16_t *type)
{
	int t = text ? dns_type_from_text(text, strlen(text)) : -EINVAL;

	if (t < 0) {
		api_reply_error(r, 400, field, "unknown type '%.32s'", text ? text : "");
		return false;
	}
	*type = t;
	return true;
}

struct list_ctx {
	json_t		*arr;
	size_t		limit, n;
	uint16_t	type;		/* 0: any */
	struct store_rrset last;
	bool		more;
};

static int list_cb(const struct store_rrset *rs, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->type && rs->type != lc->type)
		return 0;
	if (lc->n == lc->limit) {
		lc->more = true;
		return 1;
	}
	json_array_append_new(lc->arr, rrset_json(rs));
	lc->last = *rs;
	lc->n++;
	return 0;
}

int api_rrsets_list(struct api_req *r)
{
	struct zone_admin_err e = { 0 };
	struct list_ctx lc = { 0 };
	const char *name = api_arg(r, "name"), *type = api_arg(r, "type");
	const char *cursor = api_arg(r, "cursor");
	uint8_t owner[DNS_NAME_MAX], cur[DNS_NAME_MAX + 2];
	char next[2 * (DNS_NAME_MAX + 2) + 1];
	struct store_zone z;
	const uint8_t *after = NULL;
	uint16_t after_type = 0;
	int ret, n;

	if (!zone_of(r, &z) || !api_limit(r, &lc.limit))
		return 0;
	if (type && !type_of(r, type, "type", &lc.type))
		return 0;
	if (name && zone_admin_owner(&z, name, owner, &e)) {
		api_reply_za(r, &e, NULL);
		return 0;
	}
	if (cursor) {
		n = api_unhex(cur, sizeof(cur), cursor);
		if (n < 3 || dns_name_len(cur, n - 2) != n - 2 ||
		    !dns_name_is_subdomain(cur, z.origin)) {
			api_reply_error(r, 400, "cursor", "not a cursor of this list");
			return 0;
		}
		after = cur;
		after_type = (uint16_t)cur[n - 2] << 8 | cur[n - 1];
	}
	lc.arr = json_array();
	ret = store_rrset_foreach(r->txn, z.id, name ? owner : NULL, after, after_type, list_cb,
				  &lc);
	if (ret < 0) {
		json_decref(lc.arr);
		api_reply_error(r, 500, NULL, "store: %s", strerror(-ret));
		return 0;
	}
	if (lc.more) {
		memcpy(cur, lc.last.owner, lc.last.owner_len);
		cur[lc.last.owner_len] = lc.last.type >> 8;
		cur[lc.last.owner_len + 1] = lc.last.type & 0xff;
		api_hex(next, cur, lc.last.owner_len + 2);
	}
	api_reply_json(r, 200, json_pack("{s:o,s:s?}", "rrsets", lc.arr, "next_cursor",
					 lc.more ? next : NULL));
	api_set_etag(r, z.serial);
	return 0;
}

int api_rrsets_get(struct api_req *r)
{
	struct zone_admin_err e = { 0 };
	uint8_t owner[DNS_NAME_MAX];
	struct store_rrset rs;
	struct store_zone z;
	uint16_t type;
	int ret;

	if (!zone_of(r, &z))
		return 0;
	if (zone_admin_owner(&z, r->params[1], owner, &e)) {
		api_reply_za(r, &e, NULL);
		return 0;
	}
	if (!type_of(r, r->params[2], "type", &type))
		return 0;
	ret = store_rrset_get(r->txn, z.id, owner, type, &rs);
	if (ret == -ENOENT) {
		api_reply_error(r, 404, NULL, "no %s RRset at %s", r->params[2], r->params[1]);
		return 0;
	}
	if (ret) {
		api_reply_error(r, 500, NULL, "store: %s", strerror(-ret));
		return 0;
	}
	api_reply_json(r, 200, rrset_json(&rs));
	api_set_etag(r, z.serial);
	return 0;
}

/* ttl and records of a change object; records points into obj. */
static bool change_fields(struct api_req *r, json_t *obj, const char *prefix, bool need_records,
			  struct zone_admin_change *c, const char ***records)
{
	char field[64];
	json_t *ttl = json_object_get(obj, "ttl"), *recs = json_object_get(obj, "records"), *v;
	size_t i;

	c->ttl = -1;
	if (ttl && !json_is_null(ttl)) {
		snprintf(field, sizeof(field), "%sttl", prefix);
		if (!json_is_integer(ttl) || json_integer_value(ttl) < 0 ||
		    json_integer_value(ttl) > ZONE_ADMIN_TTL_MAX) {
			api_reply_error(r, 400, field, "TTL must be an integer from 0 to %u",
					ZONE_ADMIN_TTL_MAX);
			return false;
		}
		c->ttl = json_integer_value(ttl);
	}
	snprintf(field, sizeof(field), "%srecords", prefix);
	if (!recs) {
		if (!need_records)
			return true;
		api_reply_error(r, 400, field, "records are required");
		return false;
	}
	if (!json_is_array(recs) || json_array_size(recs) < 1 ||
	    json_array_size(recs) > ZONE_ADMIN_RECORDS_MAX) {
		api_reply_error(r, 400, field, "an array of 1 to %d records is expected",
				ZONE_ADMIN_RECORDS_MAX);
		return false;
	}
	*records = calloc(json_array_size(recs), sizeof(char *));
	if (!*records) {
		api_reply_error(r, 500, NULL, "out of memory");
		return false;
	}
	json_array_foreach(recs, i, v) {
		if (!json_is_string(v)) {
			snprintf(field, sizeof(field), "%srecords[%zu]", prefix, i);
			api_reply_error(r, 400, field, "records are strings in presentation "
					"format");
			return false;
		}
		(*records)[i] = json_string_value(v);
	}
	c->records = *records;
	c->nrecords = json_array_size(recs);
	return true;
}

/* The RRset as written, for the reply; or a 204 reply when it is gone. */
static void reply_rrset(struct api_req *r, const struct store_zone *z, const char *name,
			const char *type)
{
	struct zone_admin_err e = { 0 };
	uint8_t owner[DNS_NAME_MAX];
	struct store_rrset rs;
	uint16_t t;

	if (zone_admin_owner(z, name, owner, &e) || !type_of(r, type, "type", &t) ||
	    store_rrset_get(r->txn, z->id, owner, t, &rs)) {
		api_reply_error(r, 500, NULL, "the RRset written cannot be read back");
		return;
	}
	api_reply_json(r, 200, rrset_json(&rs));
	api_set_etag(r, z->serial);
}

int api_rrsets_put(struct api_req *r)
{
	static const char *const keys[] = { "ttl", "records", "policy", NULL };
	struct zone_admin_change c = { .op = ZONE_ADMIN_REPLACE, .name = r->params[1],
				       .type = r->params[2] };
	struct zone_admin_err e = { 0 };
	struct zone_admin_match m;
	const char **records = NULL;
	struct store_zone z;
	json_t *body, *policy;
	size_t changed;
	int ret = -1;

	body = api_body_object(r);
	if (!body || !api_only_keys(r, body, NULL, keys))
		return -1;
	/* A PUT replaces the whole RRset: without a policy it is plain. */
	policy = json_object_get(body, "policy");
	if (policy && !json_is_null(policy))
		c.policy = policy;
	if (!change_fields(r, body, "", true, &c, &records))
		goto out;
	api_if_match(r, &m);
	if (zone_admin_apply(r->zt, r->params[0], r->scope, &m, &c, 1, &z, &changed, &e)) {
		api_reply_za(r, &e, NULL);
		goto out;
	}
	reply_rrset(r, &z, r->params[1], r->params[2]);
	ret = 0;
out:
	free(records);
	return ret;
}

int api_rrsets_delete(struct api_req *r)
{
	struct zone_admin_change c = { .op = ZONE_ADMIN_DELETE, .name = r->params[1],
				       .type = r->params[2], .ttl = -1 };
	struct zone_admin_err e = { 0 };
	struct zone_admin_match m;
	struct store_zone z;
	size_t changed;

	api_if_match(r, &m);
	if (zone_admin_apply(r->zt, r->params[0], r->scope, &m, &c, 1, &z, &changed, &e)) {
		api_reply_za(r, &e, NULL);
		return -1;
	}
	if (!changed) {
		api_reply_error(r, 404, NULL, "no %s RRset at %s", r->params[2], r->params[1]);
		return -1;
	}
	api_reply_json(r, 204, NULL);
	api_set_etag(r, z.serial);
	return 0;
}

static const struct {
	const char		*name;
	enum zone_admin_op	op;
} ops[] = {
	{ "replace", ZONE_ADMIN_REPLACE }, { "add", ZONE_ADMIN_ADD },
	{ "remove", ZONE_ADMIN_REMOVE }, { "delete", ZONE_ADMIN_DELETE },
};

int api_rrsets_patch(struct api_req *r)
{
	static const char *const keys[] = { "changes", NULL };
	static const char *const ckeys[] = { "op", "name", "type", "ttl", "records", "policy",
					     NULL };
	struct zone_admin_err e = { 0 };
	struct zone_admin_change *ch = NULL;
	struct zone_admin_match m;
	const char ***recs = NULL;
	struct store_zone z;
	json_t *body, *arr, *c;
	size_t i, j, n = 0, changed;
	char prefix[48];
	int ret = -1;

	body = api_body_object(r);
	if (!body || !api_only_keys(r, body, NULL, keys))
		return -1;
	arr = json_object_get(body, "changes");
	if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > 10000) {
		api_reply_error(r, 400, "changes", "an array of 1 to 10000 changes is expected");
		return -1;
	}
	n = json_array_size(arr);
	ch = calloc(n, sizeof(*ch));
	recs = calloc(n, sizeof(*recs));
	if (!ch || !recs) {
		api_reply_error(r, 500, NULL, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, c) {
		const char *op;

		snprintf(prefix, sizeof(prefix), "changes[%zu]", i);
		if (!json_is_object(c)) {
			api_reply_error(r, 400, prefix, "an object is expected");
			goto out;
		}
		if (!api_only_keys(r, c, prefix, ckeys))
			goto out;
		op = json_string_value(json_object_get(c, "op"));
		for (j = 0; op && j < sizeof(ops) / sizeof(ops[0]); j++)
			if (!strcmp(op, ops[j].name))
				break;
		snprintf(prefix, sizeof(prefix), "changes[%zu].", i);
		if (!op || j == sizeof(ops) / sizeof(ops[0])) {
			char f[64];

			snprintf(f, sizeof(f), "%sop", prefix);
			api_reply_error(r, 400, f, "op is one of replace, add, remove, delete");
			goto out;
		}
		ch[i].op = ops[j].op;
		ch[i].name = json_string_value(json_object_get(c, "name"));
		ch[i].type = json_string_value(json_object_get(c, "type"));
		if (json_object_get(c, "policy") && !json_is_null(json_object_get(c, "policy")))
			ch[i].policy = json_object_get(c, "policy");
		if (!change_fields(r, c, prefix, ch[i].op != ZONE_ADMIN_DELETE, &ch[i], &recs[i]))
			goto out;
	}
	api_if_match(r, &m);
	if (zone_admin_apply(r->zt, r->params[0], r->scope, &m, ch, n, &z, &changed, &e)) {
		api_reply_za(r, &e, "changes");
		goto out;
	}
	api_reply_json(r, 200, json_pack("{s:I,s:I}", "serial", (json_int_t)z.serial, "changed",
					 (json_int_t)changed));
	api_set_etag(r, z.serial);
	ret = 0;
out:
	for (i = 0; recs && i < n; i++)
		free(recs[i]);
	free(recs);
	free(ch);
	return ret;
}
