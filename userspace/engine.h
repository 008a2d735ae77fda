/* SPDX-License-Identifier: GPL-2.0-only */
/* The authoritative query engine: one transport-agnostic entry point that turns
 * a query into a reply (RFC 1034 §4.3.2 and its updates). RCODEs stay on the
 * packet; the return value says what the transport should do with it. */
#ifndef NAMESERVE_ENGINE_H
#define NAMESERVE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fastpath_entry.h"
#include "zone.h"
#include "zone_store.h"

#define ENGINE_NSID_MAX		128	/* keeps question + OPT inside 512 bytes */
#define ENGINE_CHAOS_TXT_MAX	255	/* one character-string */

struct engine_config {
	const char	*nsid;		/* RFC 5001 payload; NULL: no NSID */
	const char	*identity;	/* id.server, hostname.bind; NULL: the host name */
	const char	*version;	/* version.bind, version.server; NULL: "nameserve" */
	bool		no_chaos;	/* REFUSE every CHAOS query */
	uint16_t	udp_max;	/* our EDNS UDP size; 0: FP_EDNS_UDP_SIZE */
	/* Traffic steering: client location (NULL: only CIDR rules match) and
	 * health (NULL: all healthy), the same the fast path reads. */
	const struct geo	*geo;
	const struct fp_health	*health;
};

struct engine;
struct geo;
struct fp_health;

/* zs stays owned by the caller and must outlive the engine. -EINVAL when a
 * string is longer than its maximum above. */
int engine_new(struct engine **out, const struct zone_store *zs,
	       const struct engine_config *cfg);
void engine_free(struct engine *e);

enum engine_proto { ENGINE_PROTO_UDP, ENGINE_PROTO_TCP };

struct engine_query_params {
	enum engine_proto	proto;
	const struct sockaddr	*remote;	/* may be NULL */
	socklen_t		remote_len;
	uint16_t		max_udp;	/* 0: the engine's udp_max */
};

enum engine_state {
	ENGINE_DONE,	/* send resp */
	ENGINE_TRUNC,	/* send resp: TC=1 told the client to retry over TCP */
	ENGINE_DROP,	/* send nothing: no reply can be formed */
	ENGINE_FAIL,	/* send nothing: resp is too small for any reply */
};

/* Answers one query into resp (cap bytes; 65535 is always enough). The calling
 * thread must be registered with rcu_register_thread(). */
enum engine_state engine_answer(const struct engine *e, const struct engine_query_params *p,
				const uint8_t *query, size_t qlen, uint8_t *resp, size_t cap,
				size_t *resp_len);

/* Hands cb, for every node of z owning A or AAAA (wildcard owners excepted),
 * the answer section that the engine itself sends for a query without EDNS,
 * when that reply is nothing but the RRset (NOERROR, AA=1, no authority or
 * additional records, every record owned by the qname with the qtype) and fits
 * FP_ANSWER_MAX. A steered RRset comes whole, every record in order, with its
 * policy: the fast path picks among them. Returns 0, or the first non-zero cb
 * return. */
int engine_fastpath_walk(const struct zone *z, fastpath_entry_cb cb, void *ctx);

/* The same for every zone of zs, leaving out names that a more specific hosted
 * zone answers (data a parent holds below a child's apex without delegating).
 * Call from a registered thread. */
int engine_fastpath_walk_all(const struct zone_store *zs, fastpath_entry_cb cb, void *ctx);

#endif /* NAMESERVE_ENGINE_H */
