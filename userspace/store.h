/* SPDX-License-Identifier: GPL-2.0-only */
/* The durable store: LMDB under the state directory, holding zones, their RRsets,
 * each zone's change journal, API tokens (hashed) and idempotency records. One
 * write transaction per API write; a commit is on disk when it returns. Health
 * checks are kept too, each an opaque blob by name. */
#ifndef NAMESERVE_STORE_H
#define NAMESERVE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_name.h"

#define STORE_ACCOUNT_MAX	63
#define STORE_TOKEN_NAME_MAX	63
#define STORE_TOKEN_ID_MAX	23
#define STORE_HASH_LEN		32	/* SHA-256 */
#define STORE_MAP_SIZE		(16ULL << 30)	/* sparse: only what is used is on disk */

struct store;
struct store_txn;

/* One zone's record. Written as is (host order): the store is local. */
struct store_zone {
	uint64_t	id;		/* keys its RRsets and journal; never reused */
	uint64_t	versions;	/* versions made, the first one included */
	uint64_t	journal_first;	/* oldest journal entry kept (a version number) */
	int64_t		created;	/* Unix seconds */
	int64_t		updated;
	uint32_t	serial;
	uint32_t	nrrsets;
	uint8_t		origin_len;
	uint8_t		origin[DNS_NAME_MAX];	/* lower-case wire */
	char		account[STORE_ACCOUNT_MAX + 1];
};

/* One RRset. data holds count records, each a 16-bit big-endian length and the
 * RDATA (uncompressed wire). From a read it points into the store and is valid
 * until the transaction ends. */
struct store_rrset {
	uint8_t		owner[DNS_NAME_MAX];	/* lower-case wire */
	uint8_t		owner_len;
	uint16_t	type;
	uint32_t	ttl;
	uint16_t	count;
	size_t		data_len;
	const uint8_t	*data;
	/* The policy's canonical JSON (userspace/policy.h); 0 bytes: none. */
	size_t		policy_len;
	const uint8_t	*policy;
};

struct store_token {
	uint8_t		hash[STORE_HASH_LEN];
	char		id[STORE_TOKEN_ID_MAX + 1];
	char		name[STORE_TOKEN_NAME_MAX + 1];
	char		account[STORE_ACCOUNT_MAX + 1];
	bool		admin;
	int64_t		created;
};

/* A write's first reply, kept so a retry with the same key gets it again. */
struct store_idem {
	uint8_t		fingerprint[STORE_HASH_LEN];	/* of the request */
	int64_t		expires;
	uint16_t	status;
	char		etag[24];
	char		content_type[40];
	size_t		body_len;
	const uint8_t	*body;
};

/* Opens (creating) the store in dir. -errno with a logged reason. */
int store_open(struct store **out, const char *dir);
void store_close(struct store *s);

/* A write transaction excludes other writers until it ends; reads run beside. */
int store_txn_begin(struct store *s, bool write, struct store_txn **out);
/* Durable when it returns 0; the transaction is gone either way. */
int store_txn_commit(struct store_txn *t);
void store_txn_abort(struct store_txn *t);

/* A fresh number from the named counter ("zone", ...), starting at 1. */
int store_next_id(struct store_txn *t, const char *counter, uint64_t *out);

/* Zones by lower-case wire origin. -ENOENT when absent. */
int store_zone_get(struct store_txn *t, const uint8_t *origin, struct store_zone *z);
int store_zone_put(struct store_txn *t, const struct store_zone *z);
/* Removes the zone with its RRsets and journal. */
int store_zone_del(struct store_txn *t, const struct store_zone *z);
/* Zones in canonical order of their names, only account's when it is not NULL,
 * starting after origin after (NULL: from the first). cb's non-zero return
 * stops the walk and is returned. */
int store_zone_foreach(struct store_txn *t, const char *account, const uint8_t *after,
		       int (*cb)(const struct store_zone *z, void *ctx), void *ctx);
/* The first stored zone strictly below origin, or -ENOENT. */
int store_zone_below(struct store_txn *t, const uint8_t *origin, struct store_zone *z);
size_t store_zone_count(struct store_txn *t);

/* RRsets of zone id, by owner and type. */
int store_rrset_get(struct store_txn *t, uint64_t zone_id, const uint8_t *owner, uint16_t type,
		    struct store_rrset *rs);
/* -ENAMETOOLONG when the owner's key is over LMDB's key size (a name full of
 * \000 and \001 bytes). */
int store_rrset_put(struct store_txn *t, uint64_t zone_id, const struct store_rrset *rs);
int store_rrset_del(struct store_txn *t, uint64_t zone_id, const uint8_t *owner, uint16_t type);
/* Removes every RRset of the zone. */
int store_rrset_clear(struct store_txn *t, uint64_t zone_id);
/* In canonical order (RFC 4034 §6.1 names, then types): only owner's when
 * owner is not NULL, and after (after, after_type) when after is not NULL. */
int store_rrset_foreach(struct store_txn *t, uint64_t zone_id, const uint8_t *owner,
			const uint8_t *after, uint16_t after_type,
			int (*cb)(const struct store_rrset *rs, void *ctx), void *ctx);

/* The change journal: entry seq of zone id, an opaque blob. */
int store_journal_put(struct store_txn *t, uint64_t zone_id, uint64_t seq, const void *data,
		      size_t len);
/* Drops entries below seq. */
int store_journal_trim(struct store_txn *t, uint64_t zone_id, uint64_t seq);
int store_journal_foreach(struct store_txn *t, uint64_t zone_id,
			  int (*cb)(uint64_t seq, const void *data, size_t len, void *ctx),
			  void *ctx);

/* Tokens by the hash of their secret, and by id. */
int store_token_get(struct store_txn *t, const uint8_t *hash, struct store_token *tok);
int store_token_get_id(struct store_txn *t, const char *id, struct store_token *tok);
/* -EEXIST if the hash or id is taken. */
int store_token_put(struct store_txn *t, const struct store_token *tok);
int store_token_del(struct store_txn *t, const char *id);
/* By id, starting after id after (NULL: from the first). */
int store_token_foreach(struct store_txn *t, const char *after,
			int (*cb)(const struct store_token *tok, void *ctx), void *ctx);
size_t store_token_count(struct store_txn *t);

/* Idempotency records by (scope, key); expired ones read as -ENOENT. */
int store_idem_get(struct store_txn *t, const char *scope, const char *key, int64_t now,
		   struct store_idem *rec);
int store_idem_put(struct store_txn *t, const char *scope, const char *key,
		   const struct store_idem *rec);
/* Removes up to max records expired at now; returns how many. */
int store_idem_expire(struct store_txn *t, int64_t now, int max);

/* Health checks by name, each an opaque blob (userspace/health.c's). From a
 * read, data is valid until the transaction ends. -ENOENT when absent. */
int store_check_get(struct store_txn *t, const char *name, const void **data, size_t *len);
int store_check_put(struct store_txn *t, const char *name, const void *data, size_t len);
int store_check_del(struct store_txn *t, const char *name);
/* In byte order of their names; cb's non-zero return stops the walk. */
int store_check_foreach(struct store_txn *t,
			int (*cb)(const char *name, const void *data, size_t len, void *ctx),
			void *ctx);

#endif /* NAMESERVE_STORE_H */
