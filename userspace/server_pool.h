/* SPDX-License-Identifier: GPL-2.0-only */
/* The worker pool under the UDP and TCP servers: per thread, an epoll set with
 * the stop eventfd and one SO_REUSEPORT socket per listen address. */
#ifndef NAMESERVE_SERVER_POOL_H
#define NAMESERVE_SERVER_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "server_sock.h"

enum server_pool_kind { SERVER_POOL_STOP, SERVER_POOL_LISTEN, SERVER_POOL_CONN };

/* What every epoll event's data.ptr points at; a server embeds one first in
 * each descriptor of its own it adds (kind SERVER_POOL_CONN). */
struct server_pool_tag {
	enum server_pool_kind	kind;
	int			fd;
};

struct server_pool;

/* The first member of each server's own worker struct. */
struct server_pool_worker {
	struct server_pool	*pool;
	void			*srv;		/* server_pool_opts.srv */
	int			epfd;
	struct server_pool_tag	stop;
	struct server_pool_tag	*listen;	/* one per listen address */
	pthread_t		thread;
	bool			started, inited;
};

struct server_pool_opts {
	const char			*proto;		/* "udp", "tcp": in log lines */
	int				type;		/* SOCK_DGRAM or SOCK_STREAM */
	const struct server_addr	*addrs;
	size_t				naddrs;
	int				threads;	/* 0: one per online CPU */
	void				*srv;
	size_t				worker_size;	/* of the server's worker */
	/* Per-worker buffers, before its sockets open; 0 or -errno. */
	int				(*worker_init)(struct server_pool_worker *w);
	/* After the thread is joined, for every worker whose init was called. */
	void				(*worker_fini)(struct server_pool_worker *w);
	/* The worker's loop, registered with RCU; returns on a SERVER_POOL_STOP event. */
	void				(*run)(struct server_pool_worker *w);
};

/* Checks every address is free, opens every socket (so a bind error is logged
 * before any thread runs), then starts the workers. 0 or -errno. */
int server_pool_start(struct server_pool **out, const struct server_pool_opts *opts);
/* Signals stop, joins the workers, closes the sockets, frees. */
void server_pool_stop(struct server_pool *p);

#endif /* NAMESERVE_SERVER_POOL_H */
