// SPDX-License-Identifier: GPL-2.0-only
/* Listen address parsing and socket setup shared by the UDP and TCP servers. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server_sock.h"

#define TCP_BACKLOG	1024
#define UDP_BUF_SIZE	(4 << 20)

int server_addr_parse(const char *s, uint16_t default_port, struct server_addr *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	const char *at = strrchr(s, '@');
	unsigned long port = default_port;
	size_t hlen = at ? (size_t)(at - s) : strlen(s);
	char *end;

	if (at) {
		errno = 0;
		port = strtoul(at + 1, &end, 10);
		if (errno || end == at + 1 || *end || port == 0 || port > 65535)
			return -EINVAL;
	}
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		out->len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		out->len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

const char *server_addr_str(const struct server_addr *a, char *buf, size_t cap)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	char host[INET6_ADDRSTRLEN];

	if (a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, cap, "%s@%u", host, ntohs(sin->sin_port));
	} else {
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, cap, "%s@%u", host, ntohs(sin6->sin6_port));
	}
	return buf;
}

bool server_addr_is_any(const struct server_addr *a)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

uint16_t server_addr_port(const struct server_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

int server_sock_open(const struct server_addr *a, int type)
{
	int fd, one = 1, err, bufsize = UDP_BUF_SIZE;

	fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* One socket per worker on the same address: the kernel spreads the load. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		goto fail;
	/* TCP: restart while old connections sit in TIME_WAIT. (On UDP it would
	 * let a second daemon share the port.) */
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (a->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail;
	/* Bursts queue in the kernel rather than drop while a worker is busy;
	 * best effort, capped by net.core.rmem_max. */
	if (type == SOCK_DGRAM) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
	}
	/* A wildcard bind must answer from the address the query was sent to. */
	if (type == SOCK_DGRAM && server_addr_is_any(a)) {
		if (a->ss.ss_family == AF_INET &&
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
			goto fail;
		if (a->ss.ss_family == AF_INET6 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)))
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len))
		goto fail;
	if (type == SOCK_STREAM && listen(fd, TCP_BACKLOG))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int server_sock_probe(const struct server_addr *a, int type)
{
	int fd, one = 1, err = 0;

	fd = socket(a->ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len))
		err = -errno;
	close(fd);
	return err;
}
