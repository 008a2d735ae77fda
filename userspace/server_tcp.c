// SPDX-License-Identifier: GPL-2.0-only
/* TCP workers: each thread has its own SO_REUSEPORT listening sockets and an
 * epoll loop over its connections. A connection must deliver a whole query
 * within the idle timeout and read its answers, or it is closed. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>

#include "dns_msg.h"
#include "log.h"
#include "server_tcp.h"

#define RBUF_INIT	512
#define WBUF_HIGH	(128 * 1024)	/* stop reading while this much is unsent */
#define ACCEPT_BURST	64

enum ep_kind { EP_STOP, EP_LISTEN, EP_CONN };

struct ep_tag {
	enum ep_kind	kind;
	int		fd;
};

struct tcp_conn {
	struct ep_tag	tag;		/* first: epoll data points here */
	struct tcp_conn	*prev, *next;	/* by deadline, oldest first */
	uint64_t	deadline;
	uint32_t	events;		/* armed in epoll */
	bool		eof;
	uint8_t		*rbuf;
	size_t		rlen, rcap;
	uint8_t		*wbuf;
	size_t		woff, wlen, wcap;
	struct sockaddr_storage peer;
	socklen_t	peer_len;
};

struct tcp_worker {
	struct server_tcp	*srv;
	pthread_t		thread;
	bool			started;
	int			epfd;
	struct ep_tag		*listen;	/* one per address */
	struct ep_tag		stop;
	struct tcp_conn		*head, *tail;
	uint8_t			*resp;		/* one answer: 2 + 65535 bytes */
};

struct server_tcp {
	const struct engine	*engine;
	size_t			naddrs;
	int			nworkers;
	int			idle_ms;
	int			max_conns;
	int			conns;		/* atomic */
	int			stop_fd;
	struct tcp_worker	*workers;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void list_unlink(struct tcp_worker *w, struct tcp_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		w->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct tcp_worker *w, struct tcp_conn *c)
{
	c->prev = w->tail;
	c->next = NULL;
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
}

/* Every connection has the same timeout, so moving a refreshed one to the tail
 * keeps the list sorted by deadline. */
static void touch(struct tcp_worker *w, struct tcp_conn *c)
{
	c->deadline = now_ms() + w->srv->idle_ms;
	list_unlink(w, c);
	list_append(w, c);
}

static void conn_close(struct tcp_worker *w, struct tcp_conn *c)
{
	list_unlink(w, c);
	close(c->tag.fd);	/* also leaves the epoll set */
	free(c->rbuf);
	free(c->wbuf);
	free(c);
	uatomic_dec(&w->srv->conns);
}

static int conn_arm(struct tcp_worker *w, struct tcp_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &c->tag };

	if (events == c->events)
		return 0;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->tag.fd, &ev))
		return -errno;
	c->events = events;
	return 0;
}

static int wbuf_append(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	size_t need, cap;
	uint8_t *nb;

	if (c->woff && c->woff == c->wlen)
		c->woff = c->wlen = 0;
	need = c->wlen + 2 + len;
	if (need > c->wcap) {
		if (c->woff) {
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
			c->wlen -= c->woff;
			c->woff = 0;
			need = c->wlen + 2 + len;
		}
		cap = c->wcap ? c->wcap : 1024;
		while (cap < need)
			cap *= 2;
		if (cap != c->wcap) {
			nb = realloc(c->wbuf, cap);
			if (!nb)
				return -ENOMEM;
			c->wbuf = nb;
			c->wcap = cap;
		}
	}
	dns_put16(c->wbuf + c->wlen, len);
	memcpy(c->wbuf + c->wlen + 2, msg, len);
	c->wlen += 2 + len;
	return 0;
}

/* Answers every whole message in the read buffer. -EPROTO: close. */
static int conn_process(struct tcp_worker *w, struct tcp_conn *c)
{
	struct engine_query_params p = {
		.proto = ENGINE_PROTO_TCP,
		.remote = (const struct sockaddr *)&c->peer,
		.remote_len = c->peer_len,
	};
	size_t off = 0, mlen, rlen;
	enum engine_state st;
	int ret = 0;

	while (c->rlen - off >= 2 && c->wlen - c->woff < WBUF_HIGH) {
		mlen = dns_get16(c->rbuf + off);
		if (c->rlen - off < 2 + mlen)
			break;
		st = engine_answer(w->srv->engine, &p, c->rbuf + off + 2, mlen, w->resp,
				   DNS_TCP_MAX, &rlen);
		off += 2 + mlen;
		if (st != ENGINE_DONE && st != ENGINE_TRUNC) {
			ret = -EPROTO;	/* not DNS: the stream cannot be trusted */
			break;
		}
		ret = wbuf_append(c, w->resp, rlen);
		if (ret)
			break;
		touch(w, c);
	}
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	return ret;
}

/* Sends what is pending; a client taking its answers is not idle. */
static int conn_flush(struct tcp_worker *w, struct tcp_conn *c)
{
	bool moved = false;
	ssize_t n;
	int ret = 0;

	while (c->woff < c->wlen) {
		n = send(c->tag.fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				ret = -errno;
			break;
		}
		c->woff += n;
		moved = true;
	}
	if (c->woff == c->wlen)
		c->woff = c->wlen = 0;
	if (moved)
		touch(w, c);
	return ret;
}

static int conn_read(struct tcp_worker *w, struct tcp_conn *c)
{
	size_t need, cap;
	uint8_t *nb;
	ssize_t n;
	int ret;

	while (!c->eof && c->wlen - c->woff < WBUF_HIGH) {
		/* Room for the length, then for the whole message it announces. */
		need = c->rlen < 2 ? 2 : 2 + (size_t)dns_get16(c->rbuf);
		if (need < RBUF_INIT)
			need = RBUF_INIT;
		if (need <= c->rlen)
			need = c->rlen + RBUF_INIT;	/* whole messages wait for room */
		if (need > c->rcap) {
			cap = need;
			nb = realloc(c->rbuf, cap);
			if (!nb)
				return -ENOMEM;
			c->rbuf = nb;
			c->rcap = cap;
		}
		n = read(c->tag.fd, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (n == 0) {
			c->eof = true;	/* answer what came, then close */
			break;
		}
		c->rlen += n;
		ret = conn_process(w, c);
		if (ret)
			return ret;
	}
	return 0;
}

/* After any event: write what is pending and re-arm for what comes next. */
static void conn_update(struct tcp_worker *w, struct tcp_conn *c, int ret)
{
	uint32_t ev = 0;

	if (!ret)
		ret = conn_flush(w, c);
	if (ret || (c->eof && c->woff == c->wlen)) {
		conn_close(w, c);
		return;
	}
	if (!c->eof && c->wlen - c->woff < WBUF_HIGH)
		ev |= EPOLLIN;
	if (c->woff < c->wlen)
		ev |= EPOLLOUT;
	if (conn_arm(w, c, ev))
		conn_close(w, c);
}

static void conn_event(struct tcp_worker *w, struct tcp_conn *c, uint32_t events)
{
	int ret = 0;

	if (events & (EPOLLERR | EPOLLHUP)) {
		conn_close(w, c);
		return;
	}
	if (events & EPOLLOUT) {
		ret = conn_flush(w, c);
		/* Room again: answer what was left waiting in the read buffer. */
		if (!ret)
			ret = conn_process(w, c);
	}
	if (!ret && (events & EPOLLIN))
		ret = conn_read(w, c);
	conn_update(w, c, ret);
}

static void accept_conns(struct tcp_worker *w, int lfd)
{
	struct sockaddr_storage peer;
	struct epoll_event ev;
	struct tcp_conn *c;
	socklen_t plen;
	int fd, i, one = 1;

	for (i = 0; i < ACCEPT_BURST; i++) {
		plen = sizeof(peer);
		fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (uatomic_add_return(&w->srv->conns, 1) > w->srv->max_conns) {
			uatomic_dec(&w->srv->conns);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			uatomic_dec(&w->srv->conns);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->tag.kind = EP_CONN;
		c->tag.fd = fd;
		c->peer = peer;
		c->peer_len = plen;
		c->events = EPOLLIN;
		ev.events = EPOLLIN;
		ev.data.ptr = &c->tag;
		list_append(w, c);
		c->deadline = now_ms() + w->srv->idle_ms;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev))
			conn_close(w, c);
	}
}

/* A client that timed out with answers still unsent is not reading them: a
 * reset frees the socket's buffers at once, where a FIN would queue behind
 * data that never drains. */
static void conn_abort(struct tcp_worker *w, struct tcp_conn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int outq = 0;

	if (c->woff < c->wlen || (!ioctl(c->tag.fd, SIOCOUTQ, &outq) && outq > 0))
		setsockopt(c->tag.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(w, c);
}

static void sweep(struct tcp_worker *w)
{
	uint64_t now = now_ms();

	while (w->head && w->head->deadline <= now)
		conn_abort(w, w->head);
}

/* Until the oldest connection's deadline; forever when there is none. */
static int next_timeout(struct tcp_worker *w)
{
	uint64_t now;

	if (!w->head)
		return -1;
	now = now_ms();
	return w->head->deadline > now ? (int)(w->head->deadline - now) : 0;
}

static void *tcp_worker_run(void *arg)
{
	struct tcp_worker *w = arg;
	struct epoll_event ev[64];
	struct ep_tag *tag;
	int n, i;

	rcu_register_thread();
	for (;;) {
		n = epoll_wait(w->epfd, ev, 64, next_timeout(w));
		if (n < 0 && errno != EINTR) {
			log_err("tcp worker: epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			tag = ev[i].data.ptr;
			if (tag->kind == EP_STOP)
				goto out;
			if (tag->kind == EP_LISTEN)
				accept_conns(w, tag->fd);
			else
				conn_event(w, (struct tcp_conn *)tag, ev[i].events);
		}
		sweep(w);
	}
out:
	while (w->head)
		conn_close(w, w->head);
	rcu_unregister_thread();
	return NULL;
}

static int epoll_add_tag(int epfd, struct ep_tag *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, tag->fd, &ev) ? -errno : 0;
}

int server_tcp_start(struct server_tcp **out, const struct server_tcp_opts *opts)
{
	struct server_tcp *s;
	struct tcp_worker *w;
	char abuf[64];
	size_t a;
	int i, ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->engine = opts->engine;
	s->naddrs = opts->naddrs;
	s->idle_ms = opts->idle_ms > 0 ? opts->idle_ms : SERVER_TCP_IDLE_MS;
	s->max_conns = opts->max_conns > 0 ? opts->max_conns : SERVER_TCP_MAX_CONNS;
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
		ret = server_sock_probe(&opts->addrs[a], SOCK_STREAM);
		if (ret) {
			log_err("tcp: cannot listen on %s: %s",
				server_addr_str(&opts->addrs[a], abuf, sizeof(abuf)),
				strerror(-ret));
			goto fail;
		}
	}
	for (i = 0; i < s->nworkers; i++) {
		w = &s->workers[i];
		w->srv = s;
		w->listen = calloc(opts->naddrs, sizeof(*w->listen));
		w->resp = malloc(DNS_TCP_MAX);
		if (!w->listen || !w->resp) {
			ret = -ENOMEM;
			goto fail;
		}
		for (a = 0; a < opts->naddrs; a++)
			w->listen[a].fd = -1;
		w->stop.kind = EP_STOP;
		w->stop.fd = s->stop_fd;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (w->epfd < 0 || epoll_add_tag(w->epfd, &w->stop)) {
			ret = -errno;
			goto fail;
		}
		for (a = 0; a < opts->naddrs; a++) {
			ret = server_sock_open(&opts->addrs[a], SOCK_STREAM);
			if (ret < 0) {
				log_err("tcp: cannot listen on %s: %s",
					server_addr_str(&opts->addrs[a], abuf, sizeof(abuf)),
					strerror(-ret));
				goto fail;
			}
			w->listen[a].kind = EP_LISTEN;
			w->listen[a].fd = ret;
			ret = epoll_add_tag(w->epfd, &w->listen[a]);
			if (ret)
				goto fail;
		}
	}
	for (i = 0; i < s->nworkers; i++) {
		ret = -pthread_create(&s->workers[i].thread, NULL, tcp_worker_run, &s->workers[i]);
		if (ret)
			goto fail;
		s->workers[i].started = true;
	}
	*out = s;
	return 0;
fail:
	server_tcp_stop(s);
	return ret;
}

void server_tcp_stop(struct server_tcp *s)
{
	uint64_t one = 1;
	size_t a;
	int i;

	if (!s)
		return;
	if (s->stop_fd >= 0 && write(s->stop_fd, &one, sizeof(one)) < 0)
		log_warn("tcp: stop signal: %s", strerror(errno));
	for (i = 0; s->workers && i < s->nworkers; i++) {
		struct tcp_worker *w = &s->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		for (a = 0; w->listen && a < s->naddrs; a++)
			if (w->listen[a].fd >= 0)
				close(w->listen[a].fd);
		if (w->epfd >= 0)
			close(w->epfd);
		free(w->listen);
		free(w->resp);
	}
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	free(s->workers);
	free(s);
}
