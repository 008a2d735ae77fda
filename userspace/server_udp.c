// SPDX-License-Identifier: GPL-2.0-only
/* UDP workers. Each thread owns one socket per listen address and answers a
 * batch of queries per system call each way; nothing is allocated per query. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <urcu.h>

#include "log.h"
#include "server_udp.h"

#define UDP_BATCH	32
#define UDP_QUERY_MAX	4096	/* larger datagrams arrive truncated and get FORMERR */
#define UDP_RESP_MAX	4096	/* above any EDNS size we would ever advertise */
#define CMSG_MAX	CMSG_SPACE(sizeof(struct in6_pktinfo))

struct udp_slot {
	struct sockaddr_storage	peer;
	uint8_t			query[UDP_QUERY_MAX];
	uint8_t			resp[UDP_RESP_MAX];
	union {
		struct cmsghdr	align;
		uint8_t		buf[CMSG_MAX];
	} cmsg;
};

struct udp_worker {
	struct server_udp	*srv;
	pthread_t		thread;
	bool			started;
	int			epfd;
	int			*fds;		/* one per listen address */
	struct udp_slot		*slots;
	struct mmsghdr		in[UDP_BATCH], out[UDP_BATCH];
	struct iovec		in_iov[UDP_BATCH], out_iov[UDP_BATCH];
};

struct server_udp {
	const struct engine	*engine;
	size_t			naddrs;
	int			nworkers;
	int			stop_fd;
	struct udp_worker	*workers;
};

/* Turns received pktinfo into the source address of the reply. */
static size_t reply_cmsg(struct msghdr *in)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(in); c; c = CMSG_NXTHDR(in, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(c);

			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
			return CMSG_SPACE(sizeof(*pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
			return CMSG_SPACE(sizeof(struct in6_pktinfo));
	}
	return 0;
}

static int serve_batch(struct udp_worker *w, int fd)
{
	const struct engine_query_params base = { .proto = ENGINE_PROTO_UDP };
	struct engine_query_params p = base;
	enum engine_state st;
	int i, n, nout, sent;
	size_t rlen, clen;

	for (i = 0; i < UDP_BATCH; i++) {
		struct msghdr *h = &w->in[i].msg_hdr;

		w->in_iov[i].iov_base = w->slots[i].query;
		w->in_iov[i].iov_len = UDP_QUERY_MAX;
		h->msg_name = &w->slots[i].peer;
		h->msg_namelen = sizeof(w->slots[i].peer);
		h->msg_iov = &w->in_iov[i];
		h->msg_iovlen = 1;
		h->msg_control = w->slots[i].cmsg.buf;
		h->msg_controllen = CMSG_MAX;
		h->msg_flags = 0;
	}
	n = recvmmsg(fd, w->in, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	nout = 0;
	for (i = 0; i < n; i++) {
		struct msghdr *h = &w->in[i].msg_hdr, *o = &w->out[nout].msg_hdr;

		p.remote = h->msg_name;
		p.remote_len = h->msg_namelen;
		st = engine_answer(w->srv->engine, &p, w->slots[i].query, w->in[i].msg_len,
				   w->slots[i].resp, UDP_RESP_MAX, &rlen);
		if (st != ENGINE_DONE && st != ENGINE_TRUNC)
			continue;
		clen = h->msg_controllen ? reply_cmsg(h) : 0;
		w->out_iov[nout].iov_base = w->slots[i].resp;
		w->out_iov[nout].iov_len = rlen;
		o->msg_name = h->msg_name;
		o->msg_namelen = h->msg_namelen;
		o->msg_iov = &w->out_iov[nout];
		o->msg_iovlen = 1;
		o->msg_control = clen ? h->msg_control : NULL;
		o->msg_controllen = clen;
		o->msg_flags = 0;
		nout++;
	}
	for (i = 0; i < nout; i += sent) {
		sent = sendmmsg(fd, w->out + i, nout - i, MSG_DONTWAIT);
		if (sent <= 0) {
			/* A full socket buffer drops the reply, as a router would;
			 * one bad destination must not drop the rest. */
			if (sent < 0 && errno == EINTR)
				sent = 0;
			else
				sent = 1;
		}
	}
	return n;
}

static void *udp_worker_run(void *arg)
{
	struct udp_worker *w = arg;
	struct epoll_event ev[8];
	int n, i, j;

	rcu_register_thread();
	for (;;) {
		n = epoll_wait(w->epfd, ev, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("udp worker: epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd == w->srv->stop_fd)
				goto out;
			/* A few full batches, then the other sockets get a turn. */
			for (j = 0; j < 8 && serve_batch(w, ev[i].data.fd) == UDP_BATCH; j++)
				;
		}
	}
out:
	rcu_unregister_thread();
	return NULL;
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int server_udp_start(struct server_udp **out, const struct server_udp_opts *opts)
{
	struct server_udp *s;
	struct udp_worker *w;
	char abuf[64];
	size_t a;
	int i, ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->engine = opts->engine;
	s->naddrs = opts->naddrs;
	s->nworkers = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (s->nworkers < 1)
		s->nworkers = 1;
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->workers = calloc(s->nworkers, sizeof(*s->workers));
	if (s->stop_fd < 0 || !s->workers) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < s->nworkers; i++)
		s->workers[i].epfd = -1;
	for (a = 0; a < opts->naddrs; a++) {
		ret = server_sock_probe(&opts->addrs[a], SOCK_DGRAM);
		if (ret) {
			log_err("udp: cannot listen on %s: %s",
				server_addr_str(&opts->addrs[a], abuf, sizeof(abuf)),
				strerror(-ret));
			goto fail;
		}
	}
	for (i = 0; i < s->nworkers; i++) {
		w = &s->workers[i];
		w->srv = s;
		w->fds = malloc(opts->naddrs * sizeof(int));
		w->slots = calloc(UDP_BATCH, sizeof(*w->slots));
		if (!w->fds || !w->slots) {
			ret = -ENOMEM;
			goto fail;
		}
		for (a = 0; a < opts->naddrs; a++)
			w->fds[a] = -1;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (w->epfd < 0 || epoll_add(w->epfd, s->stop_fd)) {
			ret = -errno;
			goto fail;
		}
		for (a = 0; a < opts->naddrs; a++) {
			ret = server_sock_open(&opts->addrs[a], SOCK_DGRAM);
			if (ret < 0) {
				log_err("udp: cannot listen on %s: %s",
					server_addr_str(&opts->addrs[a], abuf, sizeof(abuf)),
					strerror(-ret));
				goto fail;
			}
			w->fds[a] = ret;
			ret = epoll_add(w->epfd, w->fds[a]);
			if (ret)
				goto fail;
		}
	}
	for (i = 0; i < s->nworkers; i++) {
		ret = -pthread_create(&s->workers[i].thread, NULL, udp_worker_run, &s->workers[i]);
		if (ret)
			goto fail;
		s->workers[i].started = true;
	}
	*out = s;
	return 0;
fail:
	server_udp_stop(s);
	return ret;
}

void server_udp_stop(struct server_udp *s)
{
	uint64_t one = 1;
	size_t a;
	int i;

	if (!s)
		return;
	if (s->stop_fd >= 0 && write(s->stop_fd, &one, sizeof(one)) < 0)
		log_warn("udp: stop signal: %s", strerror(errno));
	for (i = 0; s->workers && i < s->nworkers; i++) {
		struct udp_worker *w = &s->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		for (a = 0; w->fds && a < s->naddrs; a++)
			if (w->fds[a] >= 0)
				close(w->fds[a]);
		if (w->epfd >= 0)
			close(w->epfd);
		free(w->fds);
		free(w->slots);
	}
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	free(s->workers);
	free(s);
}
