/* SPDX-License-Identifier: GPL-2.0-only */
/* Zone management as the API performs it, apart from HTTP: validate a change
 * against the stored zone, write it with the serial bump and a journal entry in
 * one store transaction, and once committed serve the new version (zone store
 * and fast-path maps, for that zone only). */
#ifndef NAMESERVE_ZONE_ADMIN_H
#define NAMESERVE_ZONE_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "map_sync.h"
#include "policy.h"
#include "store.h"
#include "zone_store.h"

#define ZONE_ADMIN_TTL_MAX	2147483647U	/* RFC 2181 §8 */
#define ZONE_ADMIN_RECORDS_MAX	1000
#define ZONE_ADMIN_JOURNAL_MAX	100	/* journal entries kept per zone */
#define ZONE_ADMIN_NS_MAX	16

/* What went wrong, in the API's terms. */
enum zone_admin_status {
	ZONE_ADMIN_OK,
	ZONE_ADMIN_INVALID,		/* bad syntax: a name, TTL, type or RDATA */
	ZONE_ADMIN_FORBIDDEN,
	ZONE_ADMIN_NOT_FOUND,
	ZONE_ADMIN_CONFLICT,		/* exists already */
	ZONE_ADMIN_PRECONDITION,	/* If-Match did not match */
	ZONE_ADMIN_SEMANTIC,		/* valid syntax, invalid zone */
	ZONE_ADMIN_INTERNAL,		/* the store failed */
};

struct zone_admin_err {
	enum zone_admin_status	status;
	char			field[96];	/* "" when no one field is at fault */
	int			change;		/* the change at fault, or -1 */
	char			msg[512];
};

struct zone_admin_soa {
	const char	*mname, *rname;	/* NULL: default */
	int64_t		refresh, retry, expire, minimum, ttl;	/* -1: default */
};

/* The slot of a check that RRsets of account's zones may name, or -ENOENT:
 * health_slot's contract. */
typedef int (*zone_admin_slot_fn)(const char *check, const char *account, void *ctx);

struct zone_admin_config {
	const char	*default_ns[ZONE_ADMIN_NS_MAX];
	size_t		ndefault_ns;
	uint32_t	journal_max;	/* 0: ZONE_ADMIN_JOURNAL_MAX */
	zone_admin_slot_fn slot;	/* health check names; NULL: none exist */
	void		*slot_ctx;
};

/* If-Match: the write goes ahead only when the zone's serial is one of these. */
struct zone_admin_match {
	bool		present;
	bool		any;		/* "*" */
	size_t		n;
	uint32_t	serials[8];
};

enum zone_admin_op { ZONE_ADMIN_REPLACE, ZONE_ADMIN_ADD, ZONE_ADMIN_REMOVE, ZONE_ADMIN_DELETE };

/* One change in presentation format, as the API receives it. */
struct zone_admin_change {
	enum zone_admin_op	op;
	const char		*name;		/* absolute, or relative to the zone; "@" */
	const char		*type;
	int64_t			ttl;		/* -1: not given */
	const char		*const *records;
	size_t			nrecords;
	const json_t		*policy;	/* REPLACE only; NULL: a plain RRset */
};

struct zone_admin_zone_spec {
	const char			*name;
	const char			*account;
	struct zone_admin_soa		soa;
	const char			*const *nameservers;	/* NULL: the defaults */
	size_t				nns;
	const char			*zonefile;		/* NULL: from scratch */
	size_t				zonefile_len;
};

struct zone_admin;
struct zone_admin_txn;

/* ms may be NULL (no fast path) and set later with zone_admin_set_map_sync. */
int zone_admin_new(struct zone_admin **out, struct store *st, struct zone_store *zs,
		   const struct zone_admin_config *cfg);
void zone_admin_free(struct zone_admin *za);

/* Builds and publishes every stored zone; counts them in *nzones. */
int zone_admin_load_all(struct zone_admin *za, size_t *nzones);
/* Imports a master file into account unless its zone is stored already
 * (*imported says which). Meant for start-up, before the API serves. */
int zone_admin_import_file(struct zone_admin *za, const char *path, const char *account,
			   bool *imported, char *err, size_t errlen);
/* Stores version v as a new zone of account unless its origin is stored
 * (*imported says which); v stays the caller's. For bulk imports. */
struct zone;
struct zone_admin_txn;
int zone_admin_zone_import(struct zone_admin_txn *t, struct zone *v, const char *account,
			   bool *imported, struct zone_admin_err *e);
/* Fills the fast path with every served zone and keeps it filled from now on. */
int zone_admin_set_map_sync(struct zone_admin *za, struct map_sync *ms);

/* A write: one store transaction, serialised with every other write. The
 * calling thread must be registered with rcu_register_thread(): commit
 * replaces zone versions. */
int zone_admin_begin(struct zone_admin *za, struct zone_admin_txn **out);
struct store_txn *zone_admin_txn_store(struct zone_admin_txn *t);
/* Commits durably, then serves what changed. 0, or -errno when the commit
 * failed (nothing applied); the transaction is gone either way. */
int zone_admin_commit(struct zone_admin_txn *t);
void zone_admin_abort(struct zone_admin_txn *t);

/* The operations, inside a write. account NULL acts as admin (any account). On
 * failure e says why and the caller aborts. out (may be NULL) gets the zone as
 * it will be after commit. */
int zone_admin_zone_create(struct zone_admin_txn *t, const struct zone_admin_zone_spec *spec,
			   struct store_zone *out, struct zone_admin_err *e);
int zone_admin_zone_delete(struct zone_admin_txn *t, const char *zone, const char *account,
			   const struct zone_admin_match *m, struct zone_admin_err *e);
int zone_admin_zone_replace(struct zone_admin_txn *t, const char *zone, const char *account,
			    const struct zone_admin_match *m, const char *text, size_t len,
			    struct store_zone *out, struct zone_admin_err *e);
/* Applies changes in order as one new version; *changed counts the RRsets
 * that differ (0: nothing changed, no new version). */
int zone_admin_apply(struct zone_admin_txn *t, const char *zone, const char *account,
		     const struct zone_admin_match *m, const struct zone_admin_change *ch,
		     size_t n, struct store_zone *out, size_t *changed, struct zone_admin_err *e);

/* Reads: the zone named by text (with or without the final dot) if account
 * may see it (NULL: any), else ZONE_ADMIN_NOT_FOUND. */
int zone_admin_zone_find(struct store_txn *t, const char *zone, const char *account,
			 struct store_zone *out, struct zone_admin_err *e);
/* An owner name of a zone from text ("@", relative or absolute), lower-cased;
 * ZONE_ADMIN_INVALID for bad syntax, ZONE_ADMIN_SEMANTIC outside the zone. */
int zone_admin_owner(const struct store_zone *z, const char *text, uint8_t *out,
		     struct zone_admin_err *e);
/* The zone as a master file, SOA first, into a malloc'd buffer. */
int zone_admin_export(struct store_txn *t, const struct store_zone *z, char **out,
		      size_t *len);
/* The SOA's fields. */
int zone_admin_soa_get(struct store_txn *t, const struct store_zone *z, char *mname,
		       char *rname, uint32_t *vals /* serial, refresh, retry, expire,
						    * minimum */, uint32_t *ttl);

/* health_in_use_fn: whether any stored RRset names the check. ctx: the zone_admin. */
bool zone_admin_check_in_use(const char *name, void *ctx);

/* Account names: 1..63 of [a-z0-9_.-]. */
bool zone_admin_account_valid(const char *account);

/* Seconds from the last commit to its version being served, for metrics. */
typedef void (*zone_admin_apply_cb)(double seconds, void *ctx);
void zone_admin_on_apply(struct zone_admin *za, zone_admin_apply_cb cb, void *ctx);

#endif /* NAMESERVE_ZONE_ADMIN_H */
