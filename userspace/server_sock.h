/* SPDX-License-Identifier: GPL-2.0-only */
/* Listen addresses ("ADDR[@PORT]", IPv4 or IPv6) and the sockets the UDP and TCP
 * servers open on them. */
#ifndef NAMESERVE_SERVER_SOCK_H
#define NAMESERVE_SERVER_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define SERVER_PORT_DEFAULT	53

struct server_addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

/* "192.0.2.1", "192.0.2.1@5353", "::1@5353", "[::1]@53"; -EINVAL when bad. */
int server_addr_parse(const char *s, uint16_t default_port, struct server_addr *out);
/* "192.0.2.1@53" into buf; returns buf. */
const char *server_addr_str(const struct server_addr *a, char *buf, size_t cap);
bool server_addr_is_any(const struct server_addr *a);
uint16_t server_addr_port(const struct server_addr *a);

/* A bound socket (SOCK_DGRAM or SOCK_STREAM, non-blocking, SO_REUSEPORT,
 * IPV6_V6ONLY on IPv6); listening for SOCK_STREAM. Returns the fd or -errno. */
int server_sock_open(const struct server_addr *a, int type);

/* SO_REUSEPORT lets any process of our user join a port that is already
 * served: a plain bind first says whether someone else holds it. */
int server_sock_probe(const struct server_addr *a, int type);

#endif /* NAMESERVE_SERVER_SOCK_H */
