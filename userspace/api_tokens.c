// SPDX-License-Identifier: GPL-2.0-only
/* /v1/tokens and the first admin token. Secrets are random, shown once, and
 * stored only as their SHA-256. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "api_req.h"
#include "log.h"

#define SECRET_BYTES	32
#define SECRET_PREFIX	"ns_"
#define SECRET_LEN	(3 + 2 * SECRET_BYTES)

void api_tokens_hash(const char *secret, size_t len, uint8_t *out)
{
	SHA256((const unsigned char *)secret, len, out);
}

static int new_secret(char *out)
{
	uint8_t b[SECRET_BYTES];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -EIO;
	memcpy(out, SECRET_PREFIX, 3);
	api_hex(out + 3, b, sizeof(b));
	return 0;
}

static int new_id(char *out)
{
	uint8_t b[6];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -EIO;
	memcpy(out, "tok_", 4);
	api_hex(out + 4, b, sizeof(b));
	return 0;
}

static json_t *token_json(const struct store_token *t, const char *secret)
{
	return json_pack("{s:s,s:s,s:s,s:b,s:o,s:s*}", "id", t->id, "name", t->name, "account",
			 t->account, "admin", t->admin, "created", api_time(t->created), "token",
			 secret);
}

/* A new token in the write transaction; secret gets the clear text. */
static int token_create(struct store_txn *st, const char *name, const char *account,
			bool admin, char *secret, struct store_token *tok)
{
	int ret, tries;

	memset(tok, 0, sizeof(*tok));
	snprintf(tok->name, sizeof(tok->name), "%s", name);
	snprintf(tok->account, sizeof(tok->account), "%s", account);
	tok->admin = admin;
	tok->created = time(NULL);
	if (!secret[0]) {
		ret = new_secret(secret);
		if (ret)
			return ret;
	}
	api_tokens_hash(secret, strlen(secret), tok->hash);
	/* 48 random bits: a clash is unlikely, and retried. */
	for (tries = 0; tries < 8; tries++) {
		ret = new_id(tok->id);
		if (ret)
			return ret;
		ret = store_token_put(st, tok);
		if (ret != -EEXIST)
			return ret;
	}
	return ret;
}

int api_tokens_bootstrap(struct zone_admin *za, const char *file)
{
	char secret[256] = "";
	struct zone_admin_txn *zt;
	struct store_token tok;
	struct stat sb;
	ssize_t n;
	int fd, ret;

	if (!file)
		return 0;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, secret, sizeof(secret) - 1);
		if (n < 0) {
			ret = -errno;
			close(fd);
			log_err("api: cannot read %s: %s", file, strerror(-ret));
			return ret;
		}
		if (!fstat(fd, &sb) && (sb.st_mode & 077))
			log_warn("api: %s is readable by others than its owner", file);
		close(fd);
		secret[n] = 0;
		secret[strcspn(secret, "\r\n")] = 0;
		if (strlen(secret) < 16) {
			log_err("api: %s holds no token (16 characters or more)", file);
			return -EINVAL;
		}
	} else if (errno == ENOENT) {
		/* Written before the store knows it: a crash in between leaves a
		 * file that the next start registers. */
		ret = new_secret(secret);
		if (ret)
			return ret;
		fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, secret, strlen(secret)) != (ssize_t)strlen(secret) ||
		    write(fd, "\n", 1) != 1 || fsync(fd)) {
			ret = -errno;
			if (fd >= 0)
				close(fd);
			log_err("api: cannot write %s: %s", file, strerror(-ret));
			return ret;
		}
		close(fd);
		log_info("api: new admin token written to %s", file);
	} else {
		ret = -errno;
		log_err("api: cannot open %s: %s", file, strerror(-ret));
		return ret;
	}

	ret = zone_admin_begin(za, &zt);
	if (ret)
		return ret;
	api_tokens_hash(secret, strlen(secret), tok.hash);
	ret = store_token_get(zone_admin_txn_store(zt), tok.hash, &tok);
	if (!ret) {
		zone_admin_abort(zt);
		if (!tok.admin) {
			log_err("api: the token in %s belongs to a non-admin token", file);
			return -EPERM;
		}
		return 0;
	}
	ret = token_create(zone_admin_txn_store(zt), "admin-token-file", API_ADMIN_ACCOUNT, true,
			   secret, &tok);
	if (ret) {
		zone_admin_abort(zt);
		log_err("api: cannot store the admin token: %s", strerror(-ret));
		return ret;
	}
	ret = zone_admin_commit(zt);
	if (!ret)
		log_info("api: admin token %s registered from %s", tok.id, file);
	return ret;
}

struct list_ctx {
	json_t		*arr;
	const char	*account;
	size_t		limit, n;
	char		last[STORE_TOKEN_ID_MAX + 1];
	bool		more;
};

static int list_cb(const struct store_token *t, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->account && strcmp(t->account, lc->account))
		return 0;
	if (lc->n == lc->limit) {
		lc->more = true;
		return 1;
	}
	json_array_append_new(lc->arr, token_json(t, NULL));
	snprintf(lc->last, sizeof(lc->last), "%s", t->id);
	lc->n++;
	return 0;
}

int api_tokens_list(struct api_req *r)
{
	struct list_ctx lc = { .account = r->scope };
	const char *filter = api_arg(r, "account"), *cursor = api_arg(r, "cursor");
	int ret;

	if (!api_limit(r, &lc.limit))
		return 0;
	if (filter && !r->scope)
		lc.account = filter;
	else if (filter && strcmp(filter, r->scope))
		lc.limit = 0;
	if (cursor && (strlen(cursor) > STORE_TOKEN_ID_MAX || strncmp(cursor, "tok_", 4))) {
		api_reply_error(r, 400, "cursor", "not a cursor of this list");
		return 0;
	}
	lc.arr = json_array();
	ret = lc.limit ? store_token_foreach(r->txn, cursor, list_cb, &lc) : 0;
	if (ret < 0) {
		json_decref(lc.arr);
		api_reply_error(r, 500, NULL, "store: %s", strerror(-ret));
		return 0;
	}
	api_reply_json(r, 200, json_pack("{s:o,s:s?}", "tokens", lc.arr, "next_cursor",
					 lc.more ? lc.last : NULL));
	return 0;
}

int api_tokens_create(struct api_req *r)
{
	static const char *const keys[] = { "name", "account", "admin", NULL };
	char secret[SECRET_LEN + 1] = "";
	const char *name, *account;
	struct store_token tok;
	json_t *body, *v;
	bool admin = false;
	size_t i;
	int ret;

	body = api_body_object(r);
	if (!body || !api_only_keys(r, body, NULL, keys))
		return -1;
	name = json_string_value(json_object_get(body, "name"));
	if (!name || !*name || strlen(name) > STORE_TOKEN_NAME_MAX) {
		api_reply_error(r, 400, "name", "a name of 1 to %d characters is required",
				STORE_TOKEN_NAME_MAX);
		return -1;
	}
	for (i = 0; name[i]; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			api_reply_error(r, 400, "name", "control characters are not allowed");
			return -1;
		}
	}
	v = json_object_get(body, "account");
	if (v && !json_is_string(v)) {
		api_reply_error(r, 400, "account", "a string is expected");
		return -1;
	}
	account = v ? json_string_value(v) : r->tok.account;
	v = json_object_get(body, "admin");
	if (v && !json_is_boolean(v)) {
		api_reply_error(r, 400, "admin", "true or false is expected");
		return -1;
	}
	admin = v && json_is_true(v);
	if (r->scope && (admin || strcmp(account, r->scope))) {
		api_reply_error(r, 403, admin ? "admin" : "account", "only an admin token creates "
				"admin tokens or tokens of another account");
		return -1;
	}
	if (!zone_admin_account_valid(account)) {
		api_reply_error(r, 400, "account", "account names are 1 to %d of a-z 0-9 . _ -",
				STORE_ACCOUNT_MAX);
		return -1;
	}
	ret = token_create(r->txn, name, account, admin, secret, &tok);
	if (ret) {
		api_reply_error(r, 500, NULL, "store: %s", strerror(-ret));
		return -1;
	}
	api_reply_json(r, 201, token_json(&tok, secret));
	return 0;
}

int api_tokens_delete(struct api_req *r)
{
	struct store_token tok;
	int ret;

	ret = store_token_get_id(r->txn, r->params[0], &tok);
	if (ret == -ENOENT || (!ret && r->scope && strcmp(tok.account, r->scope))) {
		api_reply_error(r, 404, NULL, "no token %.64s", r->params[0]);
		return -1;
	}
	if (!ret && !strcmp(tok.id, r->tok.id)) {
		api_reply_error(r, 403, NULL, "a token cannot delete itself");
		return -1;
	}
	if (!ret)
		ret = store_token_del(r->txn, tok.id);
	if (ret) {
		api_reply_error(r, 500, NULL, "store: %s", strerror(-ret));
		return -1;
	}
	api_reply_json(r, 204, NULL);
	return 0;
}
