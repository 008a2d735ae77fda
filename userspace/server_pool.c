// SPDX-License-Identifier: GPL-2.0-only
/* Worker threads, their epoll sets and listening sockets, shared by the UDP
 * and TCP servers; what happens on each socket is the server's. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <urcu.h>

#include "log.h"
#include "server_pool.h"

struct server_pool {
	struct server_pool_opts	opts;
	int			nworkers;
	int			stop_fd;
	uint8_t			*workers;	/* nworkers * opts.worker_size */
};

static struct server_pool_worker *pool_worker(struct server_pool *p, int i)
{
	return (struct server_pool_worker *)(p->workers + (size_t)i * p->opts.worker_size);
}

static void *pool_thread(void *arg)
{
	struct server_pool_worker *w = arg;

	rcu_register_thread();
	w->pool->opts.run(w);
	rcu_unregister_thread();
	return NULL;
}

static int epoll_add_tag(int epfd, struct server_pool_tag *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, tag->fd, &ev) ? -errno : 0;
}

static void log_listen(const struct server_pool *p, const struct server_addr *a, int err)
{
	char abuf[64];

	log_err("%s: cannot listen on %s: %s", p->opts.proto,
		server_addr_str(a, abuf, sizeof(abuf)), strerror(-err));
}

static int worker_open(struct server_pool *p, struct server_pool_worker *w)
{
	const struct server_pool_opts *o = &p->opts;
	size_t a;
	int ret;

	w->listen = calloc(o->naddrs, sizeof(*w->listen));
	if (!w->listen)
		return -ENOMEM;
	for (a = 0; a < o->naddrs; a++) {
		w->listen[a].kind = SERVER_POOL_LISTEN;
		w->listen[a].fd = -1;
	}
	w->inited = true;
	ret = o->worker_init(w);
	if (ret)
		return ret;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return -errno;
	ret = epoll_add_tag(w->epfd, &w->stop);
	if (ret)
		return ret;
	for (a = 0; a < o->naddrs; a++) {
		ret = server_sock_open(&o->addrs[a], o->type);
		if (ret < 0) {
			log_listen(p, &o->addrs[a], ret);
			return ret;
		}
		w->listen[a].fd = ret;
		ret = epoll_add_tag(w->epfd, &w->listen[a]);
		if (ret)
			return ret;
	}
	return 0;
}

int server_pool_start(struct server_pool **out, const struct server_pool_opts *opts)
{
	struct server_pool_worker *w;
	struct server_pool *p;
	size_t a;
	int i, ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->opts = *opts;
	p->nworkers = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (p->nworkers < 1)
		p->nworkers = 1;
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->workers = calloc(p->nworkers, opts->worker_size);
	if (p->stop_fd < 0 || !p->workers) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < p->nworkers; i++) {
		w = pool_worker(p, i);
		w->pool = p;
		w->srv = opts->srv;
		w->epfd = -1;
		w->stop.kind = SERVER_POOL_STOP;
		w->stop.fd = p->stop_fd;
	}
	for (a = 0; a < opts->naddrs; a++) {
		ret = server_sock_probe(&opts->addrs[a], opts->type);
		if (ret) {
			log_listen(p, &opts->addrs[a], ret);
			goto fail;
		}
	}
	for (i = 0; i < p->nworkers; i++) {
		ret = worker_open(p, pool_worker(p, i));
		if (ret)
			goto fail;
	}
	for (i = 0; i < p->nworkers; i++) {
		w = pool_worker(p, i);
		ret = -pthread_create(&w->thread, NULL, pool_thread, w);
		if (ret)
			goto fail;
		w->started = true;
	}
	*out = p;
	return 0;
fail:
	server_pool_stop(p);
	return ret;
}

void server_pool_stop(struct server_pool *p)
{
	struct server_pool_worker *w;
	uint64_t one = 1;
	size_t a;
	int i;

	if (!p)
		return;
	/* An eventfd stays readable once written: every worker sees it. */
	if (p->stop_fd >= 0 && write(p->stop_fd, &one, sizeof(one)) < 0)
		log_warn("%s: stop signal: %s", p->opts.proto, strerror(errno));
	for (i = 0; p->workers && i < p->nworkers; i++) {
		w = pool_worker(p, i);
		if (w->started)
			pthread_join(w->thread, NULL);
		for (a = 0; w->listen && a < p->opts.naddrs; a++)
			if (w->listen[a].fd >= 0)
				close(w->listen[a].fd);
		if (w->epfd >= 0)
			close(w->epfd);
		if (w->inited)
			p->opts.worker_fini(w);
		free(w->listen);
	}
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	free(p->workers);
	free(p);
}
