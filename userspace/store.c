// SPDX-License-Identifier: GPL-2.0-only
/* The durable store on LMDB. Names are keyed by their labels reversed, so a
 * cursor walks zones and RRsets in canonical order and a zone's RRsets (or one
 * owner's) are a single key range. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "log.h"
#include "store.h"

#define STORE_FORMAT		1
#define STORE_KEY_MAX		511	/* LMDB's default maximum key size */
#define NAME_KEY_MAX		(2 * DNS_NAME_MAX)

enum store_db {
	DB_META, DB_ZONES, DB_ZONES_ACCT, DB_RRSETS, DB_JOURNAL, DB_TOKENS, DB_TOKEN_IDS,
	DB_IDEM, DB_IDEM_EXP, DB_CHECKS, DB_COUNT
};

static const char *const db_names[DB_COUNT] = {
	"meta", "zones", "zones_by_account", "rrsets", "journal", "tokens", "token_ids",
	"idempotency", "idempotency_expiry", "healthchecks",
};

struct store {
	MDB_env		*env;
	MDB_dbi		dbi[DB_COUNT];
};

struct store_txn {
	struct store	*s;
	MDB_txn		*txn;
	bool		write;
};

static int mdb_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_BAD_VALSIZE:
		return -ENAMETOOLONG;
	default:
		/* LMDB passes system errors through as positive errno values. */
		return rc > 0 && rc < 4096 ? -rc : -EIO;
	}
}

/* Labels from the last to the first, each lower-cased and ended by 0x00, with
 * 0x00 and 0x01 escaped as 0x01 0x01 and 0x01 0x02: bytewise order of keys is
 * then RFC 4034 §6.1 order of names, and a name's key prefixes its descendants'. */
static int name_key(uint8_t *out, const uint8_t *name)
{
	const uint8_t *labels[DNS_NAME_MAX / 2 + 1];
	int n = 0, len = 0, i, j;
	const uint8_t *p = name;

	while (*p) {
		labels[n++] = p;
		p += *p + 1;
	}
	for (i = n - 1; i >= 0; i--) {
		for (j = 1; j <= labels[i][0]; j++) {
			uint8_t c = labels[i][j];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (c <= 1) {
				out[len++] = 1;
				out[len++] = c + 1;
			} else {
				out[len++] = c;
			}
		}
		out[len++] = 0;
	}
	return len;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int store_open(struct store **out, const char *dir)
{
	struct store *s;
	MDB_txn *txn = NULL;
	MDB_val k, v;
	uint32_t fmt = STORE_FORMAT;
	int rc, err, i, dead;

	*out = NULL;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("store: cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	rc = mdb_env_create(&s->env);
	if (!rc)
		rc = mdb_env_set_maxdbs(s->env, DB_COUNT);
	if (!rc)
		rc = mdb_env_set_mapsize(s->env, STORE_MAP_SIZE);
	if (!rc)
		rc = mdb_env_set_maxreaders(s->env, 256);
	/* MDB_NOTLS: read transactions belong to the request, not the thread. */
	if (!rc)
		rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
	if (rc) {
		err = mdb_errno(rc);
		log_err("store: cannot open %s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	/* Reader slots of a killed process would pin old pages forever. */
	mdb_reader_check(s->env, &dead);
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	for (i = 0; !rc && i < DB_COUNT; i++)
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
	if (rc)
		goto txn_fail;
	k.mv_data = "format";
	k.mv_size = 6;
	rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		v.mv_data = &fmt;
		v.mv_size = sizeof(fmt);
		rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
	} else if (!rc && (v.mv_size != sizeof(fmt) || memcmp(v.mv_data, &fmt, sizeof(fmt)))) {
		log_err("store: %s holds another store format", dir);
		mdb_txn_abort(txn);
		err = -EPROTO;
		goto fail;
	}
	if (!rc)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc) {
		err = mdb_errno(rc);
		log_err("store: %s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	*out = s;
	return 0;
txn_fail:
	err = mdb_errno(rc);
	log_err("store: %s: %s", dir, mdb_strerror(rc));
	mdb_txn_abort(txn);
fail:
	mdb_env_close(s->env);
	free(s);
	return err;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	mdb_env_close(s->env);
	free(s);
}

int store_txn_begin(struct store *s, bool write, struct store_txn **out)
{
	struct store_txn *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc) {
		log_err("store: begin: %s", mdb_strerror(rc));
		free(t);
		return mdb_errno(rc);
	}
	t->s = s;
	t->write = write;
	*out = t;
	return 0;
}

int store_txn_commit(struct store_txn *t)
{
	int rc = mdb_txn_commit(t->txn);

	if (rc)
		log_err("store: commit: %s", mdb_strerror(rc));
	free(t);
	return mdb_errno(rc);
}

void store_txn_abort(struct store_txn *t)
{
	if (!t)
		return;
	mdb_txn_abort(t->txn);
	free(t);
}

static MDB_dbi dbi(struct store_txn *t, enum store_db db)
{
	return t->s->dbi[db];
}

static int get(struct store_txn *t, enum store_db db, const void *key, size_t klen, MDB_val *v)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };

	return mdb_errno(mdb_get(t->txn, dbi(t, db), &k, v));
}

static int put(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	       const void *val, size_t vlen, unsigned int flags)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };
	MDB_val v = { .mv_size = vlen, .mv_data = (void *)val };

	if (klen > STORE_KEY_MAX)
		return -ENAMETOOLONG;
	return mdb_errno(mdb_put(t->txn, dbi(t, db), &k, &v, flags));
}

static int del(struct store_txn *t, enum store_db db, const void *key, size_t klen)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };

	if (klen > STORE_KEY_MAX)
		return -ENOENT;
	return mdb_errno(mdb_del(t->txn, dbi(t, db), &k, NULL));
}

/* Deletes every key starting with prefix. The cursor seeks again after each
 * delete: where a deleted cursor points is not something to rely on. */
static int del_prefix(struct store_txn *t, enum store_db db, const void *prefix, size_t plen)
{
	MDB_val k, v;
	MDB_cursor *c;
	int rc;

	rc = mdb_cursor_open(t->txn, dbi(t, db), &c);
	if (rc)
		return mdb_errno(rc);
	for (;;) {
		k.mv_size = plen;
		k.mv_data = (void *)prefix;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc || k.mv_size < plen || memcmp(k.mv_data, prefix, plen))
			break;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : mdb_errno(rc);
}

/* Walks keys with prefix, from start (inclusive, or after it when exclusive);
 * cb's non-zero return stops the walk and is returned. */
static int walk(struct store_txn *t, enum store_db db, const void *prefix, size_t plen,
		const void *start, size_t slen, bool exclusive,
		int (*cb)(const MDB_val *k, const MDB_val *v, void *ctx), void *ctx)
{
	MDB_val k = { .mv_size = slen, .mv_data = (void *)start }, v;
	MDB_cursor *c;
	int rc, ret = 0;

	rc = mdb_cursor_open(t->txn, dbi(t, db), &c);
	if (rc)
		return mdb_errno(rc);
	rc = slen ? mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(c, &k, &v, MDB_FIRST);
	if (!rc && exclusive && k.mv_size == slen && (!slen || !memcmp(k.mv_data, start, slen)))
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	while (!rc) {
		/* memcmp with a NULL prefix is undefined even for length 0. */
		if (k.mv_size < plen || (plen && memcmp(k.mv_data, prefix, plen)))
			break;
		ret = cb(&k, &v, ctx);
		if (ret)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (ret)
		return ret;
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : mdb_errno(rc);
}

int store_next_id(struct store_txn *t, const char *counter, uint64_t *out)
{
	char key[64];
	MDB_val v;
	uint64_t n = 0;
	int err, len;

	len = snprintf(key, sizeof(key), "id:%s", counter);
	err = get(t, DB_META, key, len, &v);
	if (!err && v.mv_size == sizeof(n))
		memcpy(&n, v.mv_data, sizeof(n));
	else if (err && err != -ENOENT)
		return err;
	n++;
	err = put(t, DB_META, key, len, &n, sizeof(n), 0);
	if (!err)
		*out = n;
	return err;
}

/* ---- zones ---- */

static int zone_from_val(const MDB_val *v, struct store_zone *z)
{
	if (v->mv_size != sizeof(*z))
		return -EUCLEAN;
	memcpy(z, v->mv_data, sizeof(*z));
	return 0;
}

/* Keys of the zones table: a tag byte first, since LMDB has no empty key and
 * the root zone's name key is empty. */
#define ZONE_TAG	'Z'

static size_t zone_key(uint8_t *out, const uint8_t *origin)
{
	out[0] = ZONE_TAG;
	return 1 + name_key(out + 1, origin);
}

static size_t acct_key(uint8_t *out, const char *account, const uint8_t *origin)
{
	size_t alen = strlen(account);

	memcpy(out, account, alen);
	out[alen] = 0;
	return alen + 1 + (origin ? name_key(out + alen + 1, origin) : 0);
}

int store_zone_get(struct store_txn *t, const uint8_t *origin, struct store_zone *z)
{
	uint8_t key[1 + NAME_KEY_MAX];
	MDB_val v;
	int err;

	err = get(t, DB_ZONES, key, zone_key(key, origin), &v);
	return err ?: zone_from_val(&v, z);
}

int store_zone_put(struct store_txn *t, const struct store_zone *z)
{
	uint8_t key[1 + NAME_KEY_MAX], akey[STORE_ACCOUNT_MAX + 1 + NAME_KEY_MAX];
	struct store_zone old;
	int err;

	err = store_zone_get(t, z->origin, &old);
	if (!err && strcmp(old.account, z->account)) {
		err = del(t, DB_ZONES_ACCT, akey, acct_key(akey, old.account, old.origin));
		if (err && err != -ENOENT)
			return err;
	} else if (err && err != -ENOENT) {
		return err;
	}
	err = put(t, DB_ZONES, key, zone_key(key, z->origin), z, sizeof(*z), 0);
	if (!err)
		err = put(t, DB_ZONES_ACCT, akey, acct_key(akey, z->account, z->origin), "", 0, 0);
	return err;
}

int store_zone_del(struct store_txn *t, const struct store_zone *z)
{
	uint8_t key[1 + NAME_KEY_MAX], akey[STORE_ACCOUNT_MAX + 1 + NAME_KEY_MAX], id[8];
	int err;

	put_be64(id, z->id);
	err = del(t, DB_ZONES, key, zone_key(key, z->origin));
	if (!err) {
		err = del(t, DB_ZONES_ACCT, akey, acct_key(akey, z->account, z->origin));
		if (err == -ENOENT)
			err = 0;
	}
	if (!err)
		err = del_prefix(t, DB_RRSETS, id, sizeof(id));
	if (!err)
		err = del_prefix(t, DB_JOURNAL, id, sizeof(id));
	return err;
}

struct zone_walk {
	struct store_txn	*t;
	size_t			skip;	/* account prefix of index keys */
	int			(*cb)(const struct store_zone *z, void *ctx);
	void			*ctx;
};

static int zone_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct zone_walk *w = arg;
	struct store_zone z;
	MDB_val zv;
	int err;

	if (w->skip) {
		uint8_t key[1 + NAME_KEY_MAX];

		/* An index entry: the rest of its key is the zone's name key. */
		if (k->mv_size - w->skip > NAME_KEY_MAX)
			return -EUCLEAN;
		key[0] = ZONE_TAG;
		memcpy(key + 1, (uint8_t *)k->mv_data + w->skip, k->mv_size - w->skip);
		err = get(w->t, DB_ZONES, key, 1 + k->mv_size - w->skip, &zv);
		if (err)
			return err == -ENOENT ? -EUCLEAN : err;
		v = &zv;
	}
	err = zone_from_val(v, &z);
	return err ?: w->cb(&z, w->ctx);
}

int store_zone_foreach(struct store_txn *t, const char *account, const uint8_t *after,
		       int (*cb)(const struct store_zone *z, void *ctx), void *ctx)
{
	uint8_t start[STORE_ACCOUNT_MAX + 1 + NAME_KEY_MAX];
	struct zone_walk w = { .t = t, .cb = cb, .ctx = ctx };
	size_t plen, slen;

	if (!account) {
		slen = after ? zone_key(start, after) : 0;
		return walk(t, DB_ZONES, NULL, 0, start, slen, after != NULL, zone_walk_cb, &w);
	}
	plen = acct_key(start, account, NULL);
	slen = after ? acct_key(start, account, after) : plen;
	w.skip = plen;
	return walk(t, DB_ZONES_ACCT, start, plen, start, slen, after != NULL, zone_walk_cb, &w);
}

static int first_zone_cb(const MDB_val *k, const MDB_val *v, void *ctx)
{
	(void)k;
	return zone_from_val(v, ctx) ?: 1;
}

int store_zone_below(struct store_txn *t, const uint8_t *origin, struct store_zone *z)
{
	uint8_t key[1 + NAME_KEY_MAX];
	size_t len = zone_key(key, origin);
	int ret;

	ret = walk(t, DB_ZONES, key, len, key, len, true, first_zone_cb, z);
	return ret == 1 ? 0 : ret ?: -ENOENT;
}

static size_t db_entries(struct store_txn *t, enum store_db db)
{
	MDB_stat st;

	if (mdb_stat(t->txn, dbi(t, db), &st))
		return 0;
	return st.ms_entries;
}

size_t store_zone_count(struct store_txn *t)
{
	return db_entries(t, DB_ZONES);
}

/* ---- RRsets ---- */

/* Value: type, TTL, count, owner length and owner, then the records, then the
 * policy's text to the end (none in values written before policies existed). */
#define RRSET_HDR	9

static int rrset_key(uint8_t *out, uint64_t zone_id, const uint8_t *owner, uint16_t type,
		     bool with_type)
{
	int len;

	put_be64(out, zone_id);
	len = 8 + name_key(out + 8, owner);
	out[len++] = 0;	/* below every label byte: an owner's types before its children */
	if (with_type) {
		out[len++] = type >> 8;
		out[len++] = type & 0xff;
	}
	return len;
}

static int rrset_from_val(const MDB_val *v, struct store_rrset *rs)
{
	const uint8_t *p = v->mv_data;
	size_t olen, off, i;

	if (v->mv_size < RRSET_HDR + 1)
		return -EUCLEAN;
	memcpy(&rs->type, p, 2);
	memcpy(&rs->ttl, p + 2, 4);
	memcpy(&rs->count, p + 6, 2);
	olen = p[8];
	if (olen < 1 || olen > DNS_NAME_MAX || v->mv_size < RRSET_HDR + olen)
		return -EUCLEAN;
	memcpy(rs->owner, p + RRSET_HDR, olen);
	rs->owner_len = olen;
	rs->data = p + RRSET_HDR + olen;
	/* Where the records end, the policy begins. */
	for (i = 0, off = 0; i < rs->count; i++) {
		if (off + 2 > v->mv_size - RRSET_HDR - olen)
			return -EUCLEAN;
		off += 2 + ((size_t)rs->data[off] << 8 | rs->data[off + 1]);
	}
	if (off > v->mv_size - RRSET_HDR - olen)
		return -EUCLEAN;
	rs->data_len = off;
	rs->policy = rs->data + off;
	rs->policy_len = v->mv_size - RRSET_HDR - olen - off;
	return 0;
}

int store_rrset_get(struct store_txn *t, uint64_t zone_id, const uint8_t *owner, uint16_t type,
		    struct store_rrset *rs)
{
	uint8_t key[8 + NAME_KEY_MAX + 3];
	MDB_val v;
	int err;

	err = get(t, DB_RRSETS, key, rrset_key(key, zone_id, owner, type, true), &v);
	return err ?: rrset_from_val(&v, rs);
}

int store_rrset_put(struct store_txn *t, uint64_t zone_id, const struct store_rrset *rs)
{
	uint8_t key[8 + NAME_KEY_MAX + 3];
	MDB_val k, v;
	size_t klen;
	uint8_t *p;
	int rc;

	klen = rrset_key(key, zone_id, rs->owner, rs->type, true);
	if (klen > STORE_KEY_MAX)
		return -ENAMETOOLONG;
	k.mv_data = key;
	k.mv_size = klen;
	v.mv_data = NULL;
	v.mv_size = RRSET_HDR + rs->owner_len + rs->data_len + rs->policy_len;
	/* MDB_RESERVE: the value is written in place, no copy of the records. */
	rc = mdb_put(t->txn, dbi(t, DB_RRSETS), &k, &v, MDB_RESERVE);
	if (rc)
		return mdb_errno(rc);
	p = v.mv_data;
	memcpy(p, &rs->type, 2);
	memcpy(p + 2, &rs->ttl, 4);
	memcpy(p + 6, &rs->count, 2);
	p[8] = rs->owner_len;
	memcpy(p + RRSET_HDR, rs->owner, rs->owner_len);
	memcpy(p + RRSET_HDR + rs->owner_len, rs->data, rs->data_len);
	if (rs->policy_len)
		memcpy(p + RRSET_HDR + rs->owner_len + rs->data_len, rs->policy, rs->policy_len);
	return 0;
}

int store_rrset_del(struct store_txn *t, uint64_t zone_id, const uint8_t *owner, uint16_t type)
{
	uint8_t key[8 + NAME_KEY_MAX + 3];

	return del(t, DB_RRSETS, key, rrset_key(key, zone_id, owner, type, true));
}

int store_rrset_clear(struct store_txn *t, uint64_t zone_id)
{
	uint8_t id[8];

	put_be64(id, zone_id);
	return del_prefix(t, DB_RRSETS, id, sizeof(id));
}

struct rrset_walk {
	int	(*cb)(const struct store_rrset *rs, void *ctx);
	void	*ctx;
};

static int rrset_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct rrset_walk *w = arg;
	struct store_rrset rs;
	int err;

	(void)k;
	err = rrset_from_val(v, &rs);
	return err ?: w->cb(&rs, w->ctx);
}

int store_rrset_foreach(struct store_txn *t, uint64_t zone_id, const uint8_t *owner,
			const uint8_t *after, uint16_t after_type,
			int (*cb)(const struct store_rrset *rs, void *ctx), void *ctx)
{
	uint8_t prefix[8 + NAME_KEY_MAX + 3], start[8 + NAME_KEY_MAX + 3];
	struct rrset_walk w = { .cb = cb, .ctx = ctx };
	size_t plen = 8, slen;

	put_be64(prefix, zone_id);
	if (owner)
		plen = rrset_key(prefix, zone_id, owner, 0, false);
	if (after)
		slen = rrset_key(start, zone_id, after, after_type, true);
	else
		memcpy(start, prefix, slen = plen);
	if (plen > STORE_KEY_MAX || slen > STORE_KEY_MAX)
		return 0;	/* no such key can be stored */
	return walk(t, DB_RRSETS, prefix, plen, start, slen, after != NULL, rrset_walk_cb, &w);
}

/* ---- journal ---- */

int store_journal_put(struct store_txn *t, uint64_t zone_id, uint64_t seq, const void *data,
		      size_t len)
{
	uint8_t key[16];

	put_be64(key, zone_id);
	put_be64(key + 8, seq);
	return put(t, DB_JOURNAL, key, sizeof(key), data, len, 0);
}

int store_journal_trim(struct store_txn *t, uint64_t zone_id, uint64_t seq)
{
	uint8_t key[8];
	MDB_val k, v;
	MDB_cursor *c;
	int rc;

	put_be64(key, zone_id);
	rc = mdb_cursor_open(t->txn, dbi(t, DB_JOURNAL), &c);
	if (rc)
		return mdb_errno(rc);
	for (;;) {
		k.mv_size = 8;
		k.mv_data = key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc || k.mv_size != 16 || memcmp(k.mv_data, key, 8) ||
		    get_be64((uint8_t *)k.mv_data + 8) >= seq)
			break;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : mdb_errno(rc);
}

struct journal_walk {
	int	(*cb)(uint64_t seq, const void *data, size_t len, void *ctx);
	void	*ctx;
};

static int journal_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct journal_walk *w = arg;

	if (k->mv_size != 16)
		return -EUCLEAN;
	return w->cb(get_be64((uint8_t *)k->mv_data + 8), v->mv_data, v->mv_size, w->ctx);
}

int store_journal_foreach(struct store_txn *t, uint64_t zone_id,
			  int (*cb)(uint64_t seq, const void *data, size_t len, void *ctx),
			  void *ctx)
{
	struct journal_walk w = { .cb = cb, .ctx = ctx };
	uint8_t key[8];

	put_be64(key, zone_id);
	return walk(t, DB_JOURNAL, key, 8, key, 8, false, journal_walk_cb, &w);
}

/* ---- tokens ---- */

static int token_from_val(const MDB_val *v, struct store_token *tok)
{
	if (v->mv_size != sizeof(*tok))
		return -EUCLEAN;
	memcpy(tok, v->mv_data, sizeof(*tok));
	return 0;
}

int store_token_get(struct store_txn *t, const uint8_t *hash, struct store_token *tok)
{
	MDB_val v;
	int err = get(t, DB_TOKENS, hash, STORE_HASH_LEN, &v);

	return err ?: token_from_val(&v, tok);
}

int store_token_get_id(struct store_txn *t, const char *id, struct store_token *tok)
{
	MDB_val v;
	int err;

	if (!*id || strlen(id) > STORE_TOKEN_ID_MAX)
		return -ENOENT;
	err = get(t, DB_TOKEN_IDS, id, strlen(id), &v);
	if (err)
		return err;
	if (v.mv_size != STORE_HASH_LEN)
		return -EUCLEAN;
	err = store_token_get(t, v.mv_data, tok);
	return err == -ENOENT ? -EUCLEAN : err;
}

int store_token_put(struct store_txn *t, const struct store_token *tok)
{
	MDB_val v;
	int err;

	/* Both checked before either is written: a clash leaves nothing behind. */
	err = get(t, DB_TOKEN_IDS, tok->id, strlen(tok->id), &v);
	if (!err)
		return -EEXIST;
	if (err != -ENOENT)
		return err;
	err = put(t, DB_TOKENS, tok->hash, STORE_HASH_LEN, tok, sizeof(*tok), MDB_NOOVERWRITE);
	if (!err)
		err = put(t, DB_TOKEN_IDS, tok->id, strlen(tok->id), tok->hash, STORE_HASH_LEN,
			  MDB_NOOVERWRITE);
	return err;
}

int store_token_del(struct store_txn *t, const char *id)
{
	struct store_token tok;
	int err;

	err = store_token_get_id(t, id, &tok);
	if (!err)
		err = del(t, DB_TOKENS, tok.hash, STORE_HASH_LEN);
	if (!err)
		err = del(t, DB_TOKEN_IDS, id, strlen(id));
	return err;
}

struct token_walk {
	struct store_txn	*t;
	int			(*cb)(const struct store_token *tok, void *ctx);
	void			*ctx;
};

static int token_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct token_walk *w = arg;
	struct store_token tok;
	int err;

	(void)k;
	if (v->mv_size != STORE_HASH_LEN)
		return -EUCLEAN;
	err = store_token_get(w->t, v->mv_data, &tok);
	if (err)
		return err == -ENOENT ? -EUCLEAN : err;
	return w->cb(&tok, w->ctx);
}

int store_token_foreach(struct store_txn *t, const char *after,
			int (*cb)(const struct store_token *tok, void *ctx), void *ctx)
{
	struct token_walk w = { .t = t, .cb = cb, .ctx = ctx };

	return walk(t, DB_TOKEN_IDS, NULL, 0, after, after ? strlen(after) : 0, after != NULL,
		    token_walk_cb, &w);
}

size_t store_token_count(struct store_txn *t)
{
	return db_entries(t, DB_TOKENS);
}

/* ---- idempotency records ---- */

struct idem_hdr {
	uint8_t		fingerprint[STORE_HASH_LEN];
	int64_t		expires;
	uint16_t	status;
	char		etag[24];
	char		content_type[40];
};

static size_t idem_key(uint8_t *out, size_t cap, const char *scope, const char *key)
{
	size_t sl = strlen(scope), kl = strlen(key);

	if (sl + 1 + kl > cap)
		return 0;
	memcpy(out, scope, sl);
	out[sl] = 0;
	memcpy(out + sl + 1, key, kl);
	return sl + 1 + kl;
}

int store_idem_get(struct store_txn *t, const char *scope, const char *key, int64_t now,
		   struct store_idem *rec)
{
	uint8_t k[STORE_KEY_MAX];
	struct idem_hdr h;
	size_t klen = idem_key(k, sizeof(k), scope, key);
	MDB_val v;
	int err;

	if (!klen)
		return -ENOENT;
	err = get(t, DB_IDEM, k, klen, &v);
	if (err)
		return err;
	if (v.mv_size < sizeof(h))
		return -EUCLEAN;
	memcpy(&h, v.mv_data, sizeof(h));
	if (h.expires <= now)
		return -ENOENT;
	memcpy(rec->fingerprint, h.fingerprint, sizeof(h.fingerprint));
	rec->expires = h.expires;
	rec->status = h.status;
	memcpy(rec->etag, h.etag, sizeof(rec->etag));
	memcpy(rec->content_type, h.content_type, sizeof(rec->content_type));
	rec->etag[sizeof(rec->etag) - 1] = 0;
	rec->content_type[sizeof(rec->content_type) - 1] = 0;
	rec->body = (const uint8_t *)v.mv_data + sizeof(h);
	rec->body_len = v.mv_size - sizeof(h);
	return 0;
}

int store_idem_put(struct store_txn *t, const char *scope, const char *key,
		   const struct store_idem *rec)
{
	uint8_t k[STORE_KEY_MAX], xk[STORE_KEY_MAX];
	size_t klen = idem_key(k, sizeof(k), scope, key);
	struct idem_hdr h = { 0 };
	MDB_val kv = { .mv_size = klen, .mv_data = k }, v;
	int rc, err;

	if (!klen || klen + 8 > sizeof(xk))
		return -ENAMETOOLONG;
	memcpy(h.fingerprint, rec->fingerprint, sizeof(h.fingerprint));
	h.expires = rec->expires;
	h.status = rec->status;
	snprintf(h.etag, sizeof(h.etag), "%s", rec->etag);
	snprintf(h.content_type, sizeof(h.content_type), "%s", rec->content_type);
	v.mv_size = sizeof(h) + rec->body_len;
	rc = mdb_put(t->txn, dbi(t, DB_IDEM), &kv, &v, MDB_RESERVE);
	if (rc)
		return mdb_errno(rc);
	memcpy(v.mv_data, &h, sizeof(h));
	memcpy((uint8_t *)v.mv_data + sizeof(h), rec->body, rec->body_len);
	/* The expiry index: oldest first, so expiring is a walk from the start. */
	put_be64(xk, rec->expires);
	memcpy(xk + 8, k, klen);
	err = put(t, DB_IDEM_EXP, xk, klen + 8, "", 0, 0);
	return err;
}

int store_idem_expire(struct store_txn *t, int64_t now, int max)
{
	uint8_t key[STORE_KEY_MAX];
	MDB_val k, v, ik, iv;
	MDB_cursor *c;
	struct idem_hdr h;
	int rc, n = 0;

	rc = mdb_cursor_open(t->txn, dbi(t, DB_IDEM_EXP), &c);
	if (rc)
		return mdb_errno(rc);
	while (n < max) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		if (rc || k.mv_size <= 8 || k.mv_size - 8 > sizeof(key) ||
		    (int64_t)get_be64(k.mv_data) > now)
			break;
		/* A copy: values read are only valid until the next update. */
		memcpy(key, (uint8_t *)k.mv_data + 8, k.mv_size - 8);
		ik.mv_data = key;
		ik.mv_size = k.mv_size - 8;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
		/* Only if no newer record took the key since. */
		if (!mdb_get(t->txn, dbi(t, DB_IDEM), &ik, &iv) && iv.mv_size >= sizeof(h)) {
			memcpy(&h, iv.mv_data, sizeof(h));
			if (h.expires <= now)
				mdb_del(t->txn, dbi(t, DB_IDEM), &ik, NULL);
		}
		n++;
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return mdb_errno(rc);
	return n;
}

/* ---- health checks ---- */

int store_check_get(struct store_txn *t, const char *name, const void **data, size_t *len)
{
	MDB_val v;
	int err;

	if (!*name || strlen(name) > STORE_KEY_MAX)
		return -ENOENT;
	err = get(t, DB_CHECKS, name, strlen(name), &v);
	if (err)
		return err;
	*data = v.mv_data;
	*len = v.mv_size;
	return 0;
}

int store_check_put(struct store_txn *t, const char *name, const void *data, size_t len)
{
	return put(t, DB_CHECKS, name, strlen(name), data, len, 0);
}

int store_check_del(struct store_txn *t, const char *name)
{
	return del(t, DB_CHECKS, name, strlen(name));
}

struct check_walk {
	int	(*cb)(const char *name, const void *data, size_t len, void *ctx);
	void	*ctx;
};

static int check_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct check_walk *w = arg;
	char name[STORE_KEY_MAX + 1];

	if (!k->mv_size || k->mv_size > STORE_KEY_MAX)
		return -EUCLEAN;
	memcpy(name, k->mv_data, k->mv_size);
	name[k->mv_size] = 0;
	return w->cb(name, v->mv_data, v->mv_size, w->ctx);
}

int store_check_foreach(struct store_txn *t,
			int (*cb)(const char *name, const void *data, size_t len, void *ctx),
			void *ctx)
{
	struct check_walk w = { .cb = cb, .ctx = ctx };

	return walk(t, DB_CHECKS, NULL, 0, NULL, 0, false, check_walk_cb, &w);
}
