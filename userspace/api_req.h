/* SPDX-License-Identifier: GPL-2.0-only */
/* What the API's resource handlers share: the request being answered, its
 * caller, and the helpers that write replies and errors. */
#ifndef NAMESERVE_API_REQ_H
#define NAMESERVE_API_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api.h"
#include "store.h"
#include "zone_admin.h"

#define API_PARAMS_MAX	3

struct api_req {
	struct api		*api;
	struct MHD_Connection	*conn;
	const char		*method;
	const char		*url;
	const char		*params[API_PARAMS_MAX];	/* {zone}, {name}, ... */
	char			*body;
	size_t			body_len;
	json_t			*json;		/* the body, when it is JSON */

	struct store_token	tok;		/* the caller */
	const char		*scope;		/* its account; NULL for admin */
	struct store_txn	*txn;		/* reads, or the write's */
	struct zone_admin_txn	*zt;		/* writes */

	/* The reply. */
	unsigned int		status;
	char			*out;
	size_t			out_len;
	const char		*ctype;
	char			etag[24];
	bool			replayed;	/* an idempotent retry's first reply */
	char			ctype_buf[40];
};

/* The API's state, for handlers. */
struct api {
	struct api_config	cfg;
	struct MHD_Daemon	*mhd;
	size_t			max_body;
};

/* Replies; each replaces what was set before. Take ownership of j. */
void api_reply_json(struct api_req *r, unsigned int status, json_t *j);
void api_reply_error(struct api_req *r, unsigned int status, const char *field,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* From a zone_admin error: the status, code and field (prefix prepended). */
void api_reply_za(struct api_req *r, const struct zone_admin_err *e, const char *prefix);
void api_reply_text(struct api_req *r, unsigned int status, const char *ctype, char *text,
		    size_t len);
void api_set_etag(struct api_req *r, uint32_t serial);

/* The body as a JSON object, or a 400/415 reply and NULL. */
json_t *api_body_object(struct api_req *r);
/* A query argument, or NULL. */
const char *api_arg(struct api_req *r, const char *name);
/* limit (1..1000, default 100); false after a 400 reply. */
bool api_limit(struct api_req *r, size_t *limit);
/* Checks that obj has only the given keys (NULL-terminated); else 400. */
bool api_only_keys(struct api_req *r, json_t *obj, const char *prefix, const char *const *keys);
/* If-Match into m; false after a 412 reply for an unparsable header. */
bool api_if_match(struct api_req *r, struct zone_admin_match *m);

/* Hex of bytes, for cursors; and back (-1 when not hex or too long). */
void api_hex(char *out, const uint8_t *p, size_t len);
int api_unhex(uint8_t *out, size_t cap, const char *hex);
/* RFC 3339 UTC. */
json_t *api_time(int64_t t);

/* Resources. Each answers r; a write returns non-zero to abort its transaction. */
int api_zones_list(struct api_req *r);
int api_zones_create(struct api_req *r);
int api_zones_get(struct api_req *r);
int api_zones_delete(struct api_req *r);
int api_zones_export(struct api_req *r);
int api_zones_put_zonefile(struct api_req *r);
json_t *api_zone_json(struct store_txn *t, const struct store_zone *z);

int api_rrsets_list(struct api_req *r);
int api_rrsets_get(struct api_req *r);
int api_rrsets_put(struct api_req *r);
int api_rrsets_delete(struct api_req *r);
int api_rrsets_patch(struct api_req *r);

int api_tokens_list(struct api_req *r);
int api_tokens_create(struct api_req *r);
int api_tokens_delete(struct api_req *r);
/* The admin token from file: read, or created with a fresh secret (0600). */
int api_tokens_bootstrap(struct zone_admin *za, const char *file);
/* SHA-256 of a secret. */
void api_tokens_hash(const char *secret, size_t len, uint8_t *out);

int api_healthchecks_list(struct api_req *r);
int api_healthchecks_create(struct api_req *r);
int api_healthchecks_get(struct api_req *r);
int api_healthchecks_put(struct api_req *r);
int api_healthchecks_delete(struct api_req *r);

int api_stats_get(struct api_req *r);
int api_metrics_get(struct api_req *r);

#endif /* NAMESERVE_API_REQ_H */
