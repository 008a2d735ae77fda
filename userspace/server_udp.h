/* SPDX-License-Identifier: GPL-2.0-only */
/* UDP service: worker threads, each with its own SO_REUSEPORT socket on every
 * listen address, reading and answering in recvmmsg/sendmmsg batches. */
#ifndef NAMESERVE_SERVER_UDP_H
#define NAMESERVE_SERVER_UDP_H

#include <stddef.h>

#include "engine.h"
#include "server_sock.h"

struct server_udp_opts {
	const struct engine		*engine;
	const struct server_addr	*addrs;
	size_t				naddrs;
	int				threads;	/* 0: one per online CPU */
};

struct server_udp;

/* Opens every socket first (so a bind error is reported before any thread
 * runs), then starts the workers. Returns 0 or -errno with a logged reason. */
int server_udp_start(struct server_udp **out, const struct server_udp_opts *opts);
/* Stops and joins the workers, closes the sockets, frees. */
void server_udp_stop(struct server_udp *s);

#endif /* NAMESERVE_SERVER_UDP_H */
