/* SPDX-License-Identifier: GPL-2.0-only */
/* A scripted HTTP server on 127.0.0.1 for nsctl's unit tests: it accepts one
 * connection per scripted reply, records the request, and answers with the
 * reply's bytes, closes without a word (HTTP_FIXTURE_CLOSE), or waits for the
 * client to give up (HTTP_FIXTURE_HANG). */
#ifndef NSCTL_HTTP_FIXTURE_H
#define NSCTL_HTTP_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTP_FIXTURE_MAX	4
#define HTTP_FIXTURE_CLOSE	((const char *)1)
#define HTTP_FIXTURE_HANG	((const char *)2)

struct http_fixture {
	int		lfd;
	int		port;
	pthread_t	thread;
	const char	*replies[HTTP_FIXTURE_MAX];
	int		nreplies;
	char		requests[HTTP_FIXTURE_MAX][16384];
	int		nrequests;
	char		url[64];
};

/* Reads one request (headers, then Content-Length bytes of body) into buf. */
static void http_fixture_read(int fd, char *buf, size_t cap)
{
	size_t len = 0, want = 0;
	char *end, *cl;
	ssize_t n;

	while (len < cap - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) != 1)
			break;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		if (!want) {
			cl = strcasestr(buf, "\r\nContent-Length:");
			want = end + 4 - buf + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (len >= want)
			break;
	}
	buf[len] = '\0';
}

static void *http_fixture_main(void *arg)
{
	struct http_fixture *fx = arg;
	char drain[256];
	int i, fd;

	for (i = 0; i < fx->nreplies; i++) {
		fd = accept(fx->lfd, NULL, NULL);
		if (fd < 0)
			break;
		http_fixture_read(fd, fx->requests[i], sizeof(fx->requests[i]));
		fx->nrequests = i + 1;
		if (fx->replies[i] == HTTP_FIXTURE_HANG) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			/* Until the client closes (its timeout), 10 s at most. */
			while (poll(&p, 1, 10000) == 1 && recv(fd, drain, sizeof(drain), 0) > 0)
				;
		} else if (fx->replies[i] != HTTP_FIXTURE_CLOSE) {
			if (send(fd, fx->replies[i], strlen(fx->replies[i]), MSG_NOSIGNAL) < 0)
				break;
		}
		close(fd);
	}
	return NULL;
}

/* Listens on an ephemeral port and serves the replies in order, one connection each. */
static inline int http_fixture_start(struct http_fixture *fx)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fx->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fx->lfd < 0 || bind(fx->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fx->lfd, 8) || getsockname(fx->lfd, (struct sockaddr *)&sa, &slen))
		return -1;
	fx->port = ntohs(sa.sin_port);
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%d", fx->port);
	return pthread_create(&fx->thread, NULL, http_fixture_main, fx) ? -1 : 0;
}

/* Waits for the server to have served its script, then closes it. */
static inline void http_fixture_stop(struct http_fixture *fx)
{
	shutdown(fx->lfd, SHUT_RDWR);
	pthread_join(fx->thread, NULL);
	close(fx->lfd);
}

/* A port nothing listens on: bound, then closed. */
static inline int http_fixture_dead_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &slen))
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* The body of a recorded request: what follows its headers. */
static inline const char *http_fixture_body(const char *req)
{
	const char *p = strstr(req, "\r\n\r\n");

	return p ? p + 4 : "";
}

/* Fails the test (cmocka) unless the recorded request's first line is
 * "LINE HTTP/1.1", LINE being "METHOD PATH". */
static inline void http_fixture_assert_request(const char *req, const char *line)
{
	if (strncmp(req, line, strlen(line)) || strncmp(req + strlen(line), " HTTP/1.1\r\n", 11))
		fail_msg("request '%.80s' is not '%s'", req, line);
}

#endif /* NSCTL_HTTP_FIXTURE_H */
