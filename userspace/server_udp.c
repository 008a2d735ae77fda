// SPDX-License-Identifier: GPL-2.0-only
/* UDP workers. Each thread owns one socket per listen address and answers a
 * batch of queries per system call each way; nothing is allocated per query. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "log.h"
#include "server_pool.h"
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
	struct server_pool_worker	pw;	/* first: the pool hands this out */
	const struct engine		*engine;
	struct udp_slot			*slots;
	struct mmsghdr			in[UDP_BATCH], out[UDP_BATCH];
	struct iovec			in_iov[UDP_BATCH], out_iov[UDP_BATCH];
};

struct server_udp {
	const struct engine	*engine;
	struct server_pool	*pool;
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
		st = engine_answer(w->engine, &p, w->slots[i].query, w->in[i].msg_len,
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

static void udp_worker_run(struct server_pool_worker *pw)
{
	struct udp_worker *w = (struct udp_worker *)pw;
	struct server_pool_tag *tag;
	struct epoll_event ev[8];
	int n, i, j;

	for (;;) {
		n = epoll_wait(pw->epfd, ev, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("udp worker: epoll_wait: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			tag = ev[i].data.ptr;
			if (tag->kind == SERVER_POOL_STOP)
				return;
			/* A few full batches, then the other sockets get a turn. */
			for (j = 0; j < 8 && serve_batch(w, tag->fd) == UDP_BATCH; j++)
				;
		}
	}
}

static int udp_worker_init(struct server_pool_worker *pw)
{
	struct udp_worker *w = (struct udp_worker *)pw;

	w->engine = ((struct server_udp *)pw->srv)->engine;
	w->slots = calloc(UDP_BATCH, sizeof(*w->slots));
	return w->slots ? 0 : -ENOMEM;
}

static void udp_worker_fini(struct server_pool_worker *pw)
{
	free(((struct udp_worker *)pw)->slots);
}

int server_udp_start(struct server_udp **out, const struct server_udp_opts *opts)
{
	struct server_pool_opts po = {
		.proto = "udp",
		.type = SOCK_DGRAM,
		.addrs = opts->addrs,
		.naddrs = opts->naddrs,
		.threads = opts->threads,
		.worker_size = sizeof(struct udp_worker),
		.worker_init = udp_worker_init,
		.worker_fini = udp_worker_fini,
		.run = udp_worker_run,
	};
	struct server_udp *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->engine = opts->engine;
	po.srv = s;
	ret = server_pool_start(&s->pool, &po);
	if (ret) {
		free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void server_udp_stop(struct server_udp *s)
{
	if (!s)
		return;
	server_pool_stop(s->pool);
	free(s);
}
