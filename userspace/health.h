/* SPDX-License-Identifier: GPL-2.0-only */
/* Health checks: HTTP, HTTPS and TCP-connect probes of endpoints, run by one
 * thread on non-blocking sockets with jittered schedules, rise and fall
 * thresholds, and a bit per check in struct fp_health that the engine and the
 * fast path read. Checks are stored, so they survive a restart. */
#ifndef NAMESERVE_HEALTH_H
#define NAMESERVE_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "fp_policy.h"
#include "store.h"

#define HEALTH_NAME_MAX		63	/* [a-z0-9_.-], 1..63 */
#define HEALTH_PATH_MAX		255
#define HEALTH_HOST_MAX		253
#define HEALTH_BODY_MAX		255
#define HEALTH_EXPECT_MAX	8
#define HEALTH_HISTORY		16	/* results kept per check */
#define HEALTH_INTERVAL_DEFAULT	30000	/* ms */
#define HEALTH_INTERVAL_MIN	1000
#define HEALTH_TIMEOUT_DEFAULT	5000
#define HEALTH_FALL_DEFAULT	3
#define HEALTH_RISE_DEFAULT	2

enum health_type { HEALTH_TCP, HEALTH_HTTP, HEALTH_HTTPS };

struct health_spec {
	char			name[HEALTH_NAME_MAX + 1];
	char			account[STORE_ACCOUNT_MAX + 1];
	enum health_type	type;
	struct sockaddr_storage	addr;		/* the target, ADDR:PORT */
	socklen_t		addrlen;
	char			path[HEALTH_PATH_MAX + 1];	/* HTTP(S); "/" by default */
	char			host[HEALTH_HOST_MAX + 1];	/* Host header and SNI; "" none */
	bool			verify;		/* HTTPS: verify the certificate (default) */
	uint32_t		interval_ms;
	uint32_t		timeout_ms;	/* < interval */
	uint8_t			fall, rise;	/* 1..10 */
	uint16_t		expect[HEALTH_EXPECT_MAX];	/* status codes; none: 200-399 */
	size_t			nexpect;
	char			body[HEALTH_BODY_MAX + 1];	/* a substring to find; "" none */
};

struct health;

/* Reads the stored checks and marks their slots in bitmap (which must outlive
 * the checker; the fast path's mmapped map or plain memory). */
int health_new(struct health **out, struct store *st, struct fp_health *bitmap);
/* Probes at once: at most HEALTH_PROBES_MAX; by default half the open file
 * limit (at least HEALTH_PROBES_MIN). The daemon sets its share of its
 * descriptor budget before health_start. */
#define HEALTH_PROBES_MIN	64
#define HEALTH_PROBES_MAX	16384
void health_set_probes_max(struct health *h, size_t n);
/* Starts the probing thread. */
int health_start(struct health *h);
void health_free(struct health *h);

/* Parses and checks an API body into spec; -EINVAL with the field at fault in
 * field ("interval") and a reason in msg. */
int health_spec_from_json(const json_t *obj, const char *name, struct health_spec *spec,
			  char *field, size_t fieldlen, char *msg, size_t msglen);
json_t *health_spec_json(const struct health_spec *spec);
/* spec's target as text, "198.18.0.2:80" or "[2001:db8::2]:80", without the
 * ":PORT" when the port is implied_port (0: never). */
void health_target_text(const struct health_spec *spec, uint16_t implied_port, char *out,
			size_t cap);
/* What kind of address spec's target is when only the operator may probe it
 * ("loopback", "link-local", "unspecified", "multicast", ...; IPv4-mapped forms
 * too), else NULL. Private ranges are allowed. */
const char *health_target_refused(const struct health_spec *spec);

/* Writes are serialised and applied in the order they commit. health_create:
 * -EEXIST, -ESTALE (the store holds a check of that name that could not be
 * loaded), -EDQUOT (spec's account has account_max checks), -ENOSPC (no slot).
 * health_replace: -ENOENT (none, or not account's; account NULL: any), -EPERM
 * (spec names another account: a check keeps its account; "" keeps it).
 * health_delete: -ENOENT, -EBUSY (still used by a record); with account NULL it
 * also removes a stored check that could not be loaded. Or -errno from the store. */
int health_create(struct health *h, const struct health_spec *spec);
int health_replace(struct health *h, const struct health_spec *spec, const char *account);
int health_delete(struct health *h, const char *name, const char *account);

/* Checks one account may have (HEALTH_SHARED_ACCOUNT's are not counted); 0: any. */
#define HEALTH_ACCOUNT_CHECKS_MAX	1000
void health_set_account_max(struct health *h, size_t n);

/* The check with its state and history, as the API returns it; NULL if absent
 * or not account's (account NULL: any). */
json_t *health_get_json(struct health *h, const char *name, const char *account);
/* Every check account may see, state included, sorted by name. */
json_t *health_list_json(struct health *h, const char *account);

/* The operator's account: its checks may be named by RRsets of every account
 * (the API's admin account, API_ADMIN_ACCOUNT). */
#define HEALTH_SHARED_ACCOUNT	"admin"

/* zone_admin_slot_fn: the slot of a check that RRsets of account's zones may
 * name (its own checks and the shared account's; account NULL: any), else
 * -ENOENT, as if another account's check did not exist. ctx: the struct health. */
int health_slot(const char *name, const char *account, void *ctx);

/* Tells who uses a check: in_use returns true while some RRset names it, so
 * health_delete refuses with -EBUSY. */
typedef bool (*health_in_use_fn)(const char *name, void *ctx);
void health_set_in_use(struct health *h, health_in_use_fn fn, void *ctx);

/* Called from the probing thread after a check changes state. */
typedef void (*health_change_fn)(const char *name, bool up, void *ctx);
void health_on_change(struct health *h, health_change_fn fn, void *ctx);

/* Counts for metrics, taken together so that they add up. */
void health_counts(struct health *h, size_t *up, size_t *down, size_t *unknown,
		   uint64_t *probes);

#endif /* NAMESERVE_HEALTH_H */
