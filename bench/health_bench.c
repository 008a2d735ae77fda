// SPDX-License-Identifier: GPL-2.0-only
/* The health checker's cost: N endpoints (half TCP, half HTTP) on 198.18.x.y,
 * made local in a network namespace of our own and served by one epoll server
 * process, probed for a while; prints the checker thread's CPU, the peak of
 * open sockets and probes per second. Needs root (unshare). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "health.h"

#define HTTP_PORT	80
#define TCP_PORT	81
#define KSFT_SKIP	4

static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

static int listener(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4096)) {
		perror("health_bench: listen");
		exit(1);
	}
	return fd;
}

/* The endpoints: HTTP on :80 answers 200 once it has the request's headers,
 * TCP on :81 accepts and closes. */
static void serve(void)
{
	struct epoll_event ev, evs[256];
	int ep = epoll_create1(0), lh = listener(HTTP_PORT), lt = listener(TCP_PORT);
	char buf[4096];
	int i, n, fd;
	ssize_t r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	ev.events = EPOLLIN;
	ev.data.fd = lh;
	epoll_ctl(ep, EPOLL_CTL_ADD, lh, &ev);
	ev.data.fd = lt;
	epoll_ctl(ep, EPOLL_CTL_ADD, lt, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lt) {
				while ((fd = accept4(lt, NULL, NULL, SOCK_CLOEXEC)) >= 0)
					close(fd);
			} else if (fd == lh) {
				while ((fd = accept4(lh, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					ev.events = EPOLLIN;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
			} else {
				/* The request fits one segment; the checker sends it at once. */
				r = recv(fd, buf, sizeof(buf), 0);
				if (r > 0)
					send(fd, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
				close(fd);
			}
		}
	}
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;	/* ".", "..", and the directory's own */
}

static double cpu_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int n = 10000, interval = 30, duration = 60, c, i, base, fds, peak = 0;
	double t0, p0, m0, wall, proc, mainc;
	static struct fp_health bits;
	struct health_spec spec;
	struct health *h;
	size_t up, down, unknown;
	uint64_t probes;
	char cmd[256];
	pid_t srv;

	while ((c = getopt(argc, argv, "n:i:d:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'i': interval = atoi(optarg); break;
		case 'd': duration = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: health_bench [-n ENDPOINTS] [-i INTERVAL_S] "
				"[-d SECONDS]\n");
			return 2;
		}
	}
	if (n < 1 || n > 60000 || interval < 1 || duration < 1) {
		fprintf(stderr, "health_bench: -n 1..60000, -i and -d at least 1\n");
		return 2;
	}
	/* A namespace of our own, gone with us: every 198.18.0.0/15 address is
	 * local there, so one server answers for all of them. */
	if (unshare(CLONE_NEWNET)) {
		perror("health_bench: unshare (needs root)");
		return KSFT_SKIP;
	}
	snprintf(cmd, sizeof(cmd), "ip link set lo up && ip route add local 198.18.0.0/15 dev lo");
	if (system(cmd)) {
		fprintf(stderr, "health_bench: cannot set up the namespace\n");
		return 1;
	}
	srv = fork();
	if (srv < 0)
		return 1;
	if (!srv)
		serve();
	usleep(200000);

	if (health_new(&h, NULL, &bits))
		return 1;
	/* Thousands of checks of one account: more than the API lets one have. */
	health_set_account_max(h, 0);
	memset(&spec, 0, sizeof(spec));
	snprintf(spec.account, sizeof(spec.account), "bench");
	spec.interval_ms = interval * 1000;
	spec.timeout_ms = HEALTH_TIMEOUT_DEFAULT < spec.interval_ms ? HEALTH_TIMEOUT_DEFAULT
								   : spec.interval_ms / 2;
	spec.fall = HEALTH_FALL_DEFAULT;
	spec.rise = HEALTH_RISE_DEFAULT;
	spec.verify = true;
	snprintf(spec.path, sizeof(spec.path), "/health");
	for (i = 0; i < n; i++) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&spec.addr;

		snprintf(spec.name, sizeof(spec.name), "e%d", i);
		spec.type = i % 2 ? HEALTH_TCP : HEALTH_HTTP;
		memset(&spec.addr, 0, sizeof(spec.addr));
		sa->sin_family = AF_INET;
		sa->sin_port = htons(i % 2 ? TCP_PORT : HTTP_PORT);
		sa->sin_addr.s_addr = htonl(0xc6120000 | (i / 250) << 8 | (i % 250 + 1));
		spec.addrlen = sizeof(*sa);
		if (health_create(h, &spec)) {
			fprintf(stderr, "health_bench: cannot create check %d\n", i);
			return 1;
		}
	}
	base = open_fds();
	t0 = cpu_s(CLOCK_MONOTONIC);
	p0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	m0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	if (health_start(h))
		return 1;
	while (cpu_s(CLOCK_MONOTONIC) - t0 < duration) {
		usleep(20000);
		fds = open_fds();
		if (fds - base > peak)
			peak = fds - base;
	}
	health_counts(h, &up, &down, &unknown, &probes);
	wall = cpu_s(CLOCK_MONOTONIC) - t0;
	proc = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - p0;
	mainc = cpu_s(CLOCK_THREAD_CPUTIME_ID) - m0;
	health_free(h);
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	/* The process less this (sampling) thread: the checker's own time. */
	printf("health: %d endpoints (%d HTTP, %d TCP), interval %d s, %.0f s\n", n, (n + 1) / 2,
	       n / 2, interval, wall);
	printf("health: %lu probes, %.1f probes/s (expected %.1f once every check has begun)\n",
	       (unsigned long)probes, probes / wall, (double)n / interval);
	printf("health: checker thread CPU %.2f s = %.2f %% of one core, %.1f us per probe\n",
	       proc - mainc, 100 * (proc - mainc) / wall,
	       probes ? 1e6 * (proc - mainc) / probes : 0);
	printf("health: peak open sockets %d; up %zu, down %zu, unknown %zu\n", peak, up, down,
	       unknown);
	return down ? 1 : 0;
}
