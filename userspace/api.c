// SPDX-License-Identifier: GPL-2.0-only
/* The API server: libmicrohttpd threads, routing, authentication, body limits,
 * idempotent retries and the error format of userspace/api.md. Resources live
 * in api_zones.c, api_rrsets.c, api_tokens.c, api_healthchecks.c and api_stats.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <urcu.h>

#include <openssl/evp.h>

#include "api_req.h"
#include "dns_encoding.h"
#include "log.h"
#include "metrics.h"

#define API_THREADS		4
#define API_CONN_LIMIT		512
#define API_CONN_TIMEOUT	30	/* seconds */
#define IDEM_KEY_MAX		255
#define IDEM_TTL		(24 * 3600)
#define IDEM_EXPIRE_BATCH	32

enum body_kind { BODY_NONE, BODY_JSON, BODY_ZONEFILE };
/* How a route writes: not at all, in one zone_admin transaction, or through a
 * module that commits on its own (health checks). */
enum route_write { RW_NONE, RW_ZONE, RW_OWN };

struct route {
	const char	*method;
	const char	*path;		/* segments; {x} matches one */
	int		(*fn)(struct api_req *r);
	enum body_kind	body;
	enum route_write write;
	bool		public;		/* no token needed */
};

static const struct route routes[] = {
	{ "GET", "/v1/zones", api_zones_list, BODY_NONE, RW_NONE, false },
	{ "POST", "/v1/zones", api_zones_create, BODY_JSON, RW_ZONE, false },
	{ "GET", "/v1/zones/{zone}", api_zones_get, BODY_NONE, RW_NONE, false },
	{ "DELETE", "/v1/zones/{zone}", api_zones_delete, BODY_NONE, RW_ZONE, false },
	{ "GET", "/v1/zones/{zone}/export", api_zones_export, BODY_NONE, RW_NONE, false },
	{ "PUT", "/v1/zones/{zone}/zonefile", api_zones_put_zonefile, BODY_ZONEFILE,
	  RW_ZONE, false },
	{ "GET", "/v1/zones/{zone}/rrsets", api_rrsets_list, BODY_NONE, RW_NONE, false },
	{ "PATCH", "/v1/zones/{zone}/rrsets", api_rrsets_patch, BODY_JSON, RW_ZONE, false },
	{ "GET", "/v1/zones/{zone}/rrsets/{name}/{type}", api_rrsets_get, BODY_NONE,
	  RW_NONE, false },
	{ "PUT", "/v1/zones/{zone}/rrsets/{name}/{type}", api_rrsets_put, BODY_JSON,
	  RW_ZONE, false },
	{ "DELETE", "/v1/zones/{zone}/rrsets/{name}/{type}", api_rrsets_delete, BODY_NONE, RW_ZONE,
	  false },
	{ "GET", "/v1/tokens", api_tokens_list, BODY_NONE, RW_NONE, false },
	{ "POST", "/v1/tokens", api_tokens_create, BODY_JSON, RW_ZONE, false },
	{ "DELETE", "/v1/tokens/{id}", api_tokens_delete, BODY_NONE, RW_ZONE, false },
	{ "GET", "/v1/healthchecks", api_healthchecks_list, BODY_NONE, RW_NONE, false },
	{ "POST", "/v1/healthchecks", api_healthchecks_create, BODY_JSON, RW_OWN, false },
	{ "GET", "/v1/healthchecks/{name}", api_healthchecks_get, BODY_NONE, RW_NONE, false },
	{ "PUT", "/v1/healthchecks/{name}", api_healthchecks_put, BODY_JSON, RW_OWN, false },
	{ "DELETE", "/v1/healthchecks/{name}", api_healthchecks_delete, BODY_NONE, RW_OWN,
	  false },
	{ "GET", "/v1/stats", api_stats_get, BODY_NONE, RW_NONE, false },
	{ "GET", "/metrics", api_metrics_get, BODY_NONE, RW_NONE, true },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

void api_print_routes(FILE *f)
{
	size_t i;

	for (i = 0; i < NROUTES; i++)
		fprintf(f, "%s %s\n", routes[i].method, routes[i].path);
}

/* Per request, across the handler's calls while the body arrives. The body is
 * in its own mapping, so a large one gives its memory back when it goes
 * (malloc would keep it in an arena). */
struct conn_state {
	char	*path;		/* as sent: still percent-encoded, no query */
	bool	started;	/* the handler has seen the request */
	char	*body;
	size_t	len, cap;
	bool	too_large;
};

static void body_free(struct conn_state *cs)
{
	if (cs->body)
		munmap(cs->body, cs->cap);
	cs->body = NULL;
	cs->len = cs->cap = 0;
}

/* Room for n more bytes and a terminating 0; false when out of memory. */
static bool body_reserve(struct conn_state *cs, size_t n)
{
	size_t cap = cs->cap ? cs->cap : 16384;
	void *p;

	if (cs->len + n + 1 <= cs->cap)
		return true;
	while (cap < cs->len + n + 1)
		cap *= 2;
	if (cs->body)
		p = mremap(cs->body, cs->cap, cap, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	cs->body = p;
	cs->cap = cap;
	return true;
}

/* ---- replies ---- */

static void reply_reset(struct api_req *r)
{
	free(r->out);
	r->out = NULL;
	r->out_len = 0;
	r->etag[0] = 0;
}

void api_reply_json(struct api_req *r, unsigned int status, json_t *j)
{
	reply_reset(r);
	r->status = status;
	r->ctype = "application/json";
	if (j) {
		r->out = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		if (!r->out) {
			r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
			return;
		}
		r->out_len = strlen(r->out);
	}
}

static const char *error_code(unsigned int status)
{
	switch (status) {
	case 400: return "invalid";
	case 401: return "unauthenticated";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 412: return "precondition_failed";
	case 413: return "too_large";
	case 415: return "unsupported_media_type";
	case 422: return "semantic";
	default: return "internal";
	}
}

void api_reply_error(struct api_req *r, unsigned int status, const char *field,
		     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_reply_json(r, status, json_pack("{s:{s:s,s:s,s:s?}}", "error", "code",
					    error_code(status), "message", msg, "field",
					    field && *field ? field : NULL));
}

void api_reply_za(struct api_req *r, const struct zone_admin_err *e, const char *prefix)
{
	static const unsigned int status[] = {
		[ZONE_ADMIN_OK] = 500, [ZONE_ADMIN_INVALID] = 400, [ZONE_ADMIN_FORBIDDEN] = 403,
		[ZONE_ADMIN_NOT_FOUND] = 404, [ZONE_ADMIN_CONFLICT] = 409,
		[ZONE_ADMIN_PRECONDITION] = 412, [ZONE_ADMIN_SEMANTIC] = 422,
		[ZONE_ADMIN_INTERNAL] = 500,
	};
	char field[160];

	field[0] = 0;
	if (prefix && e->change >= 0)
		snprintf(field, sizeof(field), "%s[%d]%s%s", prefix, e->change,
			 e->field[0] ? "." : "", e->field);
	else
		snprintf(field, sizeof(field), "%s", e->field);
	api_reply_error(r, status[e->status], field, "%s", e->msg[0] ? e->msg : "failed");
}

void api_reply_text(struct api_req *r, unsigned int status, const char *ctype, char *text,
		    size_t len)
{
	reply_reset(r);
	r->status = status;
	r->ctype = ctype;
	r->out = text;
	r->out_len = len;
}

void api_set_etag(struct api_req *r, uint32_t serial)
{
	snprintf(r->etag, sizeof(r->etag), "\"%u\"", serial);
}

/* ---- request helpers ---- */

const char *api_arg(struct api_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool api_limit(struct api_req *r, size_t *limit)
{
	const char *s = api_arg(r, "limit");
	char *end;
	long v;

	*limit = 100;
	if (!s)
		return true;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 1000) {
		api_reply_error(r, 400, "limit", "limit must be 1 to 1000");
		return false;
	}
	*limit = v;
	return true;
}

json_t *api_body_object(struct api_req *r)
{
	json_error_t err;

	if (r->json)
		return r->json;
	if (!r->body_len) {
		api_reply_error(r, 400, NULL, "a JSON object is expected in the body");
		return NULL;
	}
	r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!r->json) {
		api_reply_error(r, 400, NULL, "malformed JSON at line %d column %d: %s", err.line,
				err.column, err.text);
		return NULL;
	}
	if (!json_is_object(r->json)) {
		api_reply_error(r, 400, NULL, "a JSON object is expected in the body");
		return NULL;
	}
	return r->json;
}

bool api_only_keys(struct api_req *r, json_t *obj, const char *prefix, const char *const *keys)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(obj, k, v) {
		for (i = 0; keys[i]; i++)
			if (!strcmp(k, keys[i]))
				break;
		if (!keys[i]) {
			char field[160];

			snprintf(field, sizeof(field), "%s%s%.100s", prefix ? prefix : "",
				 prefix ? "." : "", k);
			api_reply_error(r, 400, field, "unknown field");
			return false;
		}
	}
	return true;
}

bool api_if_match(struct api_req *r, struct zone_admin_match *m)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_IF_MATCH);
	const char *p;
	char *end;
	unsigned long v;

	memset(m, 0, sizeof(*m));
	if (!h)
		return true;
	m->present = true;
	for (p = h; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*') {
			m->any = true;
			p++;
			continue;
		}
		/* Weak tags never match (RFC 9110 §13.1.1: strong comparison). */
		if (!strncmp(p, "W/", 2)) {
			p = strchr(p + 2, '"') ? strchr(strchr(p + 2, '"') + 1, '"') : NULL;
			if (!p)
				break;
			p++;
			continue;
		}
		if (*p != '"')
			goto bad;
		errno = 0;
		v = strtoul(p + 1, &end, 10);
		if (errno || end == p + 1 || *end != '"' || v > UINT32_MAX)
			goto bad;
		if (m->n < sizeof(m->serials) / sizeof(m->serials[0]))
			m->serials[m->n++] = v;
		p = end + 1;
	}
	return true;
bad:
	/* No ETag of ours looks like this, so nothing can match it. */
	m->n = 0;
	m->any = false;
	return true;
}

/* Lower case, unlike dns_encoding_hex_encode (RDATA's presentation): token
 * IDs and cursors have always been written so. */
void api_hex(char *out, const uint8_t *p, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * len] = 0;
}

int api_unhex(uint8_t *out, size_t cap, const char *hex)
{
	int n = dns_encoding_hex_decode(out, cap, hex, strlen(hex));

	return n < 0 ? -1 : n;
}

json_t *api_time(int64_t t)
{
	time_t tt = t;
	struct tm tm;
	char buf[32];

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* ---- routing ---- */

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes n bytes of one path segment (RFC 3986 §2.1) into out, which
 * has room for n + 1. -1 for a truncated or non-hex escape, or %00. */
static int seg_decode(const char *s, size_t n, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (n - i < 3 || (hi = hex_val(s[i + 1])) < 0 || (lo = hex_val(s[i + 2])) < 0 ||
		    !(hi | lo))
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = 0;
	return (int)o;
}

/* Whether every escape in the path decodes; bad ones are a 400 before routing. */
static bool path_escapes_ok(const char *path)
{
	char tmp[4];
	const char *p;

	for (p = strchr(path, '%'); p; p = strchr(p + 1, '%'))
		if (strnlen(p, 3) < 3 || seg_decode(p, 3, tmp) != 1)
			return false;
	return true;
}

/* Matches a raw path against a route's, segment by segment, decoding each
 * segment only once it is split off: an owner name with an escaped '/' (RFC
 * 2317's 0/25, sent as 0%2F25) stays one segment. Fills params (in buf). */
static bool path_match(const char *pattern, const char *path, const char **params, char *buf,
		       size_t cap)
{
	const char *p = pattern, *u = path;
	size_t used = 0, np = 0, n, pn;
	int dn;

	while (*p && *u) {
		if (*p != '/' || *u != '/')
			return false;
		p++;
		u++;
		n = strcspn(u, "/");
		if (!n || used + n + 1 > cap)
			return false;
		dn = seg_decode(u, n, buf + used);
		if (dn < 0)
			return false;
		u += n;
		if (*p == '{') {
			if (np == API_PARAMS_MAX)
				return false;
			params[np++] = buf + used;
			used += dn + 1;
			p = strchr(p, '}') + 1;
		} else {
			pn = strcspn(p, "/");
			if ((size_t)dn != pn || strncmp(p, buf + used, pn))
				return false;
			p += pn;
		}
	}
	/* One trailing slash is forgiven. */
	if (!*p && u[0] == '/' && !u[1])
		return true;
	return !*p && !*u;
}

/* ---- idempotency ---- */

static void fingerprint(struct api_req *r, uint8_t *out)
{
	const char *im = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_IF_MATCH);
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* Without a context nothing can match: a retry then conflicts (422). */
	memset(out, 0, STORE_HASH_LEN);
	if (!c)
		return;
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, r->method, strlen(r->method) + 1);
	EVP_DigestUpdate(c, r->url, strlen(r->url) + 1);
	EVP_DigestUpdate(c, im ? im : "", im ? strlen(im) + 1 : 1);
	EVP_DigestUpdate(c, r->body ? r->body : "", r->body_len);
	EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
}

static bool idem_key_valid(const char *k)
{
	size_t n = strlen(k), i;

	if (n < 1 || n > IDEM_KEY_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return false;
	return true;
}

/* ---- one request ---- */

static bool authenticate(struct api_req *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	uint8_t hash[STORE_HASH_LEN];
	int err;

	if (!h || strncasecmp(h, "Bearer ", 7)) {
		api_reply_error(r, 401, NULL, "an Authorization: Bearer token is required");
		return false;
	}
	h += 7;
	while (*h == ' ')
		h++;
	api_tokens_hash(h, strlen(h), hash);
	err = store_token_get(r->txn, hash, &r->tok);
	if (err == -ENOENT) {
		api_reply_error(r, 401, NULL, "unknown token");
		return false;
	}
	if (err) {
		api_reply_error(r, 500, NULL, "store: %s", strerror(-err));
		return false;
	}
	r->scope = r->tok.admin ? NULL : r->tok.account;
	return true;
}

static bool media_type_ok(struct api_req *r, enum body_kind kind)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n;

	if (!ct || !r->body_len)
		return true;
	n = strcspn(ct, "; \t");
	if (kind == BODY_JSON && n == 16 && !strncasecmp(ct, "application/json", n))
		return true;
	if (kind == BODY_ZONEFILE && ((n == 8 && !strncasecmp(ct, "text/dns", n)) ||
				      (n == 10 && !strncasecmp(ct, "text/plain", n))))
		return true;
	api_reply_error(r, 415, NULL, "Content-Type %.64s is not accepted here; send %s", ct,
			kind == BODY_JSON ? "application/json" : "text/dns");
	return false;
}

/* The first reply to key, replayed into r: 1 when r is answered (a replay, or a
 * 422 for a key used on another request), 0 when key is new, or -errno. */
static int idem_replay(struct api_req *r, struct store_txn *t, const char *scope,
		       const char *key, const uint8_t *fp, int64_t now)
{
	struct store_idem rec;
	char *body;
	int err;

	err = store_idem_get(t, scope, key, now, &rec);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (memcmp(rec.fingerprint, fp, STORE_HASH_LEN)) {
		api_reply_error(r, 422, "Idempotency-Key", "this key was used for another request");
		return 1;
	}
	body = malloc(rec.body_len + 1);
	if (!body) {
		api_reply_error(r, 500, NULL, "out of memory");
		return 1;
	}
	memcpy(body, rec.body, rec.body_len);
	api_reply_text(r, rec.status, NULL, body, rec.body_len);
	snprintf(r->ctype_buf, sizeof(r->ctype_buf), "%s", rec.content_type);
	r->ctype = r->ctype_buf[0] ? r->ctype_buf : NULL;
	snprintf(r->etag, sizeof(r->etag), "%s", rec.etag);
	r->replayed = true;
	return 1;
}

/* Keeps r's reply for retries with key. */
static int idem_save(struct api_req *r, struct store_txn *t, const char *scope, const char *key,
		     const uint8_t *fp, int64_t now)
{
	struct store_idem rec;

	memcpy(rec.fingerprint, fp, STORE_HASH_LEN);
	rec.expires = now + IDEM_TTL;
	rec.status = r->status;
	snprintf(rec.etag, sizeof(rec.etag), "%s", r->etag);
	snprintf(rec.content_type, sizeof(rec.content_type), "%s", r->ctype ? r->ctype : "");
	rec.body = (const uint8_t *)r->out;
	rec.body_len = r->out ? r->out_len : 0;
	return store_idem_put(t, scope, key, &rec);
}

/* The Idempotency-Key header: NULL when absent, and false after a 400. */
static bool idem_key(struct api_req *r, const char **key, char *scope, size_t cap,
		     uint8_t *fp)
{
	*key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
	if (!*key)
		return true;
	if (!idem_key_valid(*key)) {
		api_reply_error(r, 400, "Idempotency-Key", "1 to %d printable characters",
				IDEM_KEY_MAX);
		return false;
	}
	snprintf(scope, cap, "%s/%s", r->tok.account, r->tok.id);
	fingerprint(r, fp);
	return true;
}

/* A write inside one zone_admin transaction, replayed for a known key. */
static void run_write(struct api_req *r, const struct route *rt)
{
	const char *key;
	uint8_t fp[STORE_HASH_LEN];
	int64_t now = time(NULL);
	char scope[STORE_TOKEN_ID_MAX + STORE_ACCOUNT_MAX + 2];
	int err;

	if (!idem_key(r, &key, scope, sizeof(scope), fp))
		return;
	err = zone_admin_begin(r->api->cfg.za, &r->zt);
	if (err) {
		api_reply_error(r, 500, NULL, "store: %s", strerror(-err));
		return;
	}
	r->txn = zone_admin_txn_store(r->zt);
	if (key) {
		err = idem_replay(r, r->txn, scope, key, fp, now);
		if (err) {
			zone_admin_abort(r->zt);
			if (err < 0)
				api_reply_error(r, 500, NULL, "store: %s", strerror(-err));
			return;
		}
	}
	if (rt->fn(r) || r->status >= 300) {
		zone_admin_abort(r->zt);
		return;
	}
	if (key) {
		err = idem_save(r, r->txn, scope, key, fp, now);
		if (err) {
			zone_admin_abort(r->zt);
			api_reply_error(r, 500, NULL, "store: %s", strerror(-err));
			return;
		}
	}
	store_idem_expire(r->txn, now, IDEM_EXPIRE_BATCH);
	err = zone_admin_commit(r->zt);
	if (err)
		api_reply_error(r, 500, NULL, "store: commit failed, nothing was applied: %s",
				strerror(-err));
}

/* A write of a module that commits on its own (health checks): the handler
 * runs without a transaction, and the idempotency record is a second commit
 * after the write's. Should that one fail, a retry runs as a new request
 * would: POST answers 409, DELETE 404, PUT replaces again. */
static void run_own_write(struct api_req *r, const struct route *rt)
{
	struct store *st = r->api->cfg.store;
	struct store_txn *t;
	const char *key;
	uint8_t fp[STORE_HASH_LEN];
	int64_t now = time(NULL);
	char scope[STORE_TOKEN_ID_MAX + STORE_ACCOUNT_MAX + 2];
	int err;

	if (!idem_key(r, &key, scope, sizeof(scope), fp))
		return;
	if (key) {
		err = store_txn_begin(st, false, &t);
		if (!err) {
			err = idem_replay(r, t, scope, key, fp, now);
			store_txn_abort(t);
		}
		if (err < 0)
			api_reply_error(r, 500, NULL, "store: %s", strerror(-err));
		if (err)
			return;
	}
	if (rt->fn(r) || r->status >= 300 || !key)
		return;
	err = store_txn_begin(st, true, &t);
	if (!err) {
		err = idem_save(r, t, scope, key, fp, now);
		store_idem_expire(t, now, IDEM_EXPIRE_BATCH);
		/* A commit frees t even when it fails. */
		if (err)
			store_txn_abort(t);
		else
			err = store_txn_commit(t);
	}
	if (err)
		log_warn("api: %s %s: the idempotency record was not kept: %s", r->method,
			 r->url, strerror(-err));
}

static void dispatch(struct api_req *r, struct conn_state *cs)
{
	char buf[1024];
	const struct route *rt = NULL;
	char allow[128] = "";
	size_t i;
	int err;

	if (!path_escapes_ok(r->url)) {
		api_reply_error(r, 400, NULL, "bad percent-encoding in the path: %.200s", r->url);
		return;
	}
	for (i = 0; i < NROUTES; i++) {
		const char *params[API_PARAMS_MAX] = { 0 };

		if (!path_match(routes[i].path, r->url, params, buf, sizeof(buf)))
			continue;
		if (strcmp(routes[i].method, r->method)) {
			if (!strstr(allow, routes[i].method))
				snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
					 allow[0] ? ", " : "", routes[i].method);
			continue;
		}
		rt = &routes[i];
		memcpy(r->params, params, sizeof(params));
		break;
	}
	if (!rt) {
		if (allow[0])
			api_reply_error(r, 405, NULL, "%s is not allowed here; allowed: %s",
					r->method, allow);
		else
			api_reply_error(r, 404, NULL, "no such endpoint: %.200s", r->url);
		return;
	}
	/* Parameters live in buf: copy them out of this frame. */
	for (i = 0; i < API_PARAMS_MAX; i++)
		if (r->params[i])
			r->params[i] = strdup(r->params[i]);
	if (cs->too_large) {
		api_reply_error(r, 413, NULL, "the body is over %zu bytes", r->api->max_body);
		return;
	}
	r->body = cs->body;
	r->body_len = cs->len;
	if (rt->public) {
		rt->fn(r);
		return;
	}
	if (rt->body != BODY_NONE && !media_type_ok(r, rt->body))
		return;
	err = store_txn_begin(r->api->cfg.store, false, &r->txn);
	if (err) {
		api_reply_error(r, 500, NULL, "store: %s", strerror(-err));
		return;
	}
	if (!authenticate(r)) {
		store_txn_abort(r->txn);
		r->txn = NULL;
		return;
	}
	if (rt->write == RW_NONE) {
		rt->fn(r);
		store_txn_abort(r->txn);
		r->txn = NULL;
		return;
	}
	store_txn_abort(r->txn);
	r->txn = NULL;
	if (rt->write == RW_OWN)
		run_own_write(r, rt);
	else
		run_write(r, rt);
	r->txn = NULL;
}

static enum MHD_Result send_reply(struct api_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(r->out_len, r->out ? r->out : (char *)"",
					       r->out ? MHD_RESPMEM_MUST_FREE
						      : MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	r->out = NULL;
	if (r->ctype && r->out_len)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	if (r->etag[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
	if (r->replayed)
		MHD_add_response_header(resp, "Idempotent-Replayed", "true");
	if (r->status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Writes replace zone versions (call_rcu), which wants registered threads;
 * libmicrohttpd starts ours, so each registers on its first request and
 * unregisters when it exits. */
static pthread_key_t rcu_key;
static pthread_once_t rcu_once = PTHREAD_ONCE_INIT;

static void rcu_thread_exit(void *arg)
{
	(void)arg;
	rcu_unregister_thread();
}

static void rcu_key_init(void)
{
	pthread_key_create(&rcu_key, rcu_thread_exit);
}

static void rcu_ensure_registered(void)
{
	static __thread bool registered;

	if (registered)
		return;
	pthread_once(&rcu_once, rcu_key_init);
	rcu_register_thread();
	pthread_setspecific(rcu_key, (void *)1);
	registered = true;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct api *a = cls;
	struct conn_state *cs = *con_cls;
	struct api_req r = { .api = a, .conn = conn, .method = method };
	enum MHD_Result ret;
	size_t i;

	(void)url;	/* decoded: routing wants cs->path */
	(void)version;
	(void)upload_data;
	if (!cs)
		return MHD_NO;	/* uri_log ran out of memory */
	r.url = cs->path;
	if (!cs->started) {
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);

		cs->started = true;
		/* Refused before a byte of it is read. */
		if (cl && strtoull(cl, NULL, 10) > a->max_body) {
			api_reply_error(&r, 413, NULL, "the body is over %zu bytes", a->max_body);
			metrics_api_request(method, r.status);
			return send_reply(&r);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		/* A body without a length: read and dropped past the limit. */
		if (cs->too_large || cs->len + n > a->max_body) {
			cs->too_large = true;
			body_free(cs);
			return MHD_YES;
		}
		if (!body_reserve(cs, n))
			return MHD_NO;
		memcpy(cs->body + cs->len, upload_data, n);
		cs->len += n;
		cs->body[cs->len] = 0;
		return MHD_YES;
	}

	rcu_ensure_registered();
	dispatch(&r, cs);
	for (i = 0; i < API_PARAMS_MAX; i++)
		free((char *)r.params[i]);
	json_decref(r.json);
	metrics_api_request(method, r.status);
	ret = send_reply(&r);
	free(r.out);
	return ret;
}

/* libmicrohttpd percent-decodes the path before the handler sees it, which
 * would make an escaped '/' a separator: this sees the request line's URI as
 * sent, once per request, and its result is the request's *con_cls. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_state *cs = calloc(1, sizeof(*cs));

	(void)cls;
	(void)conn;
	if (!cs)
		return NULL;
	cs->path = strndup(uri, strcspn(uri, "?"));
	if (!cs->path) {
		free(cs);
		return NULL;
	}
	return cs;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (cs) {
		body_free(cs);
		free(cs->path);
		free(cs);
		*con_cls = NULL;
	}
}

/* ---- start and stop ---- */

static int listen_socket(const char *spec)
{
	char host[256], *port;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char shown[INET6_ADDRSTRLEN];
	int fd, one = 1, err;

	if (strlen(spec) >= sizeof(host))
		return -EINVAL;
	if (spec[0] == '[') {
		snprintf(host, sizeof(host), "%s", spec + 1);
		port = strstr(host, "]:");
		if (!port)
			return -EINVAL;
		*port = 0;
		port += 2;
	} else {
		snprintf(host, sizeof(host), "%s", spec);
		port = strrchr(host, ':');
		if (!port)
			return -EINVAL;
		*port++ = 0;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
		return -EINVAL;
	if (getaddrinfo(host, port, &hints, &ai))
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		freeaddrinfo(ai);
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128)) {
		err = -errno;
		close(fd);
		freeaddrinfo(ai);
		log_err("api: cannot listen on %s: %s", spec, strerror(-err));
		return err == -EINVAL ? -EADDRINUSE : err;
	}
	freeaddrinfo(ai);
	/* The port actually bound, so ":0" works for tests. */
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, shown, sizeof(shown));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, shown, sizeof(shown));
	log_info("api: listening on %s%s%s:%u", ss.ss_family == AF_INET6 ? "[" : "", shown,
		 ss.ss_family == AF_INET6 ? "]" : "",
		 ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port));
	return fd;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *p = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (!n)
			break;
	}
	fclose(f);
	buf[len] = 0;
	return buf;
}

int api_start(struct api **out, const struct api_config *cfg)
{
	struct api *a;
	char *cert = NULL, *key = NULL;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			     MHD_USE_ITC;
	int fd = -1, err;

	*out = NULL;
	if (!!cfg->cert_file != !!cfg->key_file) {
		log_err("api: HTTPS needs both --api-cert and --api-key");
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	a->max_body = cfg->max_body ? cfg->max_body : API_MAX_BODY_DEFAULT;
	err = api_tokens_bootstrap(cfg->za, cfg->admin_token_file);
	if (err)
		goto fail;
	if (cfg->cert_file) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			log_err("api: this libmicrohttpd has no TLS support");
			err = -ENOTSUP;
			goto fail;
		}
		cert = read_file(cfg->cert_file);
		key = read_file(cfg->key_file);
		if (!cert || !key) {
			err = -errno ?: -EIO;
			log_err("api: cannot read %s: %s", !cert ? cfg->cert_file : cfg->key_file,
				strerror(-err));
			goto fail;
		}
		flags |= MHD_USE_TLS;
	}
	fd = listen_socket(cfg->listen);
	if (fd < 0) {
		err = fd;
		if (err == -EINVAL)
			log_err("api: --api '%s': expected ADDR:PORT or [ADDR6]:PORT", cfg->listen);
		goto fail;
	}
	if (cert)
		a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, a,
					  MHD_OPTION_LISTEN_SOCKET, fd,
					  MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)API_THREADS,
					  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)API_CONN_LIMIT,
					  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)API_CONN_TIMEOUT,
					  MHD_OPTION_NOTIFY_COMPLETED, completed, a,
					  MHD_OPTION_URI_LOG_CALLBACK, uri_log, a,
					  MHD_OPTION_HTTPS_MEM_CERT, cert,
					  MHD_OPTION_HTTPS_MEM_KEY, key,
					  MHD_OPTION_END);
	else
		a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, a,
					  MHD_OPTION_LISTEN_SOCKET, fd,
					  MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)API_THREADS,
					  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)API_CONN_LIMIT,
					  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)API_CONN_TIMEOUT,
					  MHD_OPTION_NOTIFY_COMPLETED, completed, a,
					  MHD_OPTION_URI_LOG_CALLBACK, uri_log, a,
					  MHD_OPTION_END);
	if (!a->mhd) {
		log_err("api: cannot start the HTTP server%s", cert ? " (is the key or "
			"certificate valid?)" : "");
		err = -EIO;
		goto fail;
	}
	free(cert);
	free(key);
	*out = a;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(cert);
	free(key);
	free(a);
	return err;
}

void api_stop(struct api *a)
{
	int fd;

	if (!a)
		return;
	fd = MHD_quiesce_daemon(a->mhd);
	MHD_stop_daemon(a->mhd);
	if (fd >= 0)
		close(fd);
	free(a);
}
