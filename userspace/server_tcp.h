/* SPDX-License-Identifier: GPL-2.0-only */
/* DNS over TCP (RFC 7766): length-prefixed messages, pipelined queries, idle
 * timeouts and a connection limit, on non-blocking sockets in epoll loops so a
 * slow or stalled client never holds up another. */
#ifndef NAMESERVE_SERVER_TCP_H
#define NAMESERVE_SERVER_TCP_H

#include <stddef.h>

#include "engine.h"
#include "server_sock.h"

#define SERVER_TCP_IDLE_MS	10000
#define SERVER_TCP_MAX_CONNS	1024

struct server_tcp_opts {
	const struct engine		*engine;
	const struct server_addr	*addrs;
	size_t				naddrs;
	int				threads;	/* 0: one per online CPU */
	int				idle_ms;	/* 0: SERVER_TCP_IDLE_MS */
	int				max_conns;	/* over all threads; 0: default */
};

struct server_tcp;

/* Opens the listening sockets, then starts the workers; 0 or -errno, logged. */
int server_tcp_start(struct server_tcp **out, const struct server_tcp_opts *opts);
/* Stops the workers, closes every connection and socket, frees. */
void server_tcp_stop(struct server_tcp *s);

#endif /* NAMESERVE_SERVER_TCP_H */
