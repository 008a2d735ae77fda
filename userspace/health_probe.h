/* SPDX-License-Identifier: GPL-2.0-only */
/* One health probe on a non-blocking socket: TCP connect, or an HTTP(S) GET
 * whose status line (and body, when one is expected) decides. The caller owns
 * the event loop: it waits for p->events on p->fd and steps the probe. */
#ifndef NAMESERVE_HEALTH_PROBE_H
#define NAMESERVE_HEALTH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "health.h"

#define HEALTH_PROBE_BODY_MAX	(64 << 10)	/* body read when a substring is expected */
#define HEALTH_PROBE_ERROR_MAX	120

struct health_probe {
	const struct health_spec *spec;	/* stays put while the probe runs */
	int		fd;
	SSL		*ssl;
	int		phase;
	uint32_t	events;		/* EPOLLIN or EPOLLOUT: what the probe waits for */
	char		*req;
	size_t		req_len, req_off;
	char		*buf;
	size_t		len, cap;
	/* The verdict, once health_probe_start or _step returned 1. */
	bool		ok;
	int		status;		/* HTTP status, or -1 */
	char		error[HEALTH_PROBE_ERROR_MAX];
};

/* One context for every HTTPS probe: the system's CA store, verification set
 * per probe. NULL (logged) when OpenSSL cannot make one. */
SSL_CTX *health_probe_tls_ctx(void);

/* Starts a probe of spec. 1: done already (a verdict is in p); 0: waiting for
 * p->events on p->fd. tls may be NULL when spec is not HTTPS. */
int health_probe_start(struct health_probe *p, const struct health_spec *spec, SSL_CTX *tls);
/* Advances after an event on p->fd; 1 when done, 0 when waiting again. */
int health_probe_step(struct health_probe *p);
/* Fails the probe with reason (a timeout) unless it has a verdict. */
void health_probe_fail(struct health_probe *p, const char *reason);
/* Closes the socket and frees buffers; p may be started again. */
void health_probe_close(struct health_probe *p);

#endif /* NAMESERVE_HEALTH_PROBE_H */
