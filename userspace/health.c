// SPDX-License-Identifier: GPL-2.0-only
/* The health checker: one thread, epoll over the probes' sockets and a
 * min-heap of checks keyed by their next event (the next probe, or the
 * running probe's deadline); rise/fall verdicts written as bits of struct
 * fp_health; checks kept in the store with their slots. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "health_probe.h"
#include "log.h"

#define WAKE_ID			UINT64_MAX
#define EVENTS_MAX		256
#define BUSY_RETRY_MS		100	/* a probe that found every socket taken */
#define LOOP_WAIT_MAX_MS	60000

enum { ST_UNKNOWN, ST_UP, ST_DOWN };

static const char *const status_names[] = { "unknown", "up", "down" };

struct result {
	int64_t		time;		/* Unix seconds */
	uint32_t	ms;
	int16_t		status;		/* HTTP status or -1 */
	bool		ok;
	char		error[HEALTH_PROBE_ERROR_MAX];
};

struct check {
	struct health_spec	spec;
	uint16_t		slot;
	bool			deleting;	/* being deleted: resolves no more */
	int			status;
	int64_t			since;
	uint64_t		probes, failures;
	unsigned int		ok_run, fail_run;
	struct result		hist[HEALTH_HISTORY];	/* a ring; head is the newest */
	unsigned int		nhist, head;
	uint64_t		due;		/* monotonic ms of the next probe */
	uint64_t		when;		/* heap key: due, or the probe's deadline */
	size_t			hidx;
	int			probe;		/* index in probes, or -1 */
	uint64_t		started;
};

struct probe_slot {
	struct health_probe	p;
	struct check		*c;	/* NULL: free */
	uint32_t		gen;	/* in epoll data: stale events are dropped */
	uint32_t		events;
};

struct change {
	char	name[HEALTH_NAME_MAX + 1];
	bool	up;
};

/* lock guards everything below. The checker holds it while it steps probes,
 * TLS handshakes and certificate checks included: a step never blocks (the
 * sockets are non-blocking) but may take a millisecond or so of CPU, which
 * readers (GET, health_slot) then wait. It keeps a probe's spec and buffers
 * from changing under it; probes do not run unlocked. wlock is taken before
 * lock, never after it. */
struct health {
	pthread_mutex_t		lock;
	pthread_mutex_t		wlock;	/* serialises create, replace, delete */
	struct store		*st;
	struct fp_health	*bits;
	struct check		**checks;	/* sorted by name */
	size_t			n, cap;
	struct check		**heap;
	size_t			hn;
	uint64_t		used[FP_HEALTH_WORDS];
	struct probe_slot	*probes;
	size_t			nslots, inflight, inflight_max;
	int			*free_slots;
	size_t			nfree;
	struct change		*changes;
	size_t			nchanges, changes_cap;
	size_t			nup, ndown;
	uint64_t		probes_total;
	uint64_t		rng;
	int			ep, wake;
	pthread_t		thread;
	bool			running, stop;
	SSL_CTX			*tls;
	health_in_use_fn	in_use;
	void			*in_use_ctx;
	health_change_fn	on_change;
	void			*change_ctx;
	size_t			account_max;	/* checks per account; 0: no limit */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* xorshift64*: schedules need spread, not secrecy. */
static double rand01(struct health *h)
{
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return ((h->rng * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- the heap ---- */

static void heap_swap(struct health *h, size_t a, size_t b)
{
	struct check *t = h->heap[a];

	h->heap[a] = h->heap[b];
	h->heap[b] = t;
	h->heap[a]->hidx = a;
	h->heap[b]->hidx = b;
}

static void heap_fix(struct health *h, size_t i)
{
	size_t l, r, m;

	while (i && h->heap[(i - 1) / 2]->when > h->heap[i]->when) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < h->hn && h->heap[l]->when < h->heap[m]->when)
			m = l;
		if (r < h->hn && h->heap[r]->when < h->heap[m]->when)
			m = r;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
}

static void heap_push(struct health *h, struct check *c)
{
	c->hidx = h->hn;
	h->heap[h->hn++] = c;
	heap_fix(h, c->hidx);
}

static void heap_remove(struct health *h, struct check *c)
{
	size_t i = c->hidx;

	if (i >= h->hn || h->heap[i] != c)
		return;
	h->hn--;
	if (i != h->hn) {
		h->heap[i] = h->heap[h->hn];
		h->heap[i]->hidx = i;
		heap_fix(h, i);
	}
	c->hidx = SIZE_MAX;
}

static void set_when(struct health *h, struct check *c, uint64_t when)
{
	c->when = when;
	heap_fix(h, c->hidx);
}

/* ---- the table, slots and bits ---- */

static size_t find_pos(struct health *h, const char *name, bool *found)
{
	size_t lo = 0, hi = h->n, mid;
	int cmp;

	*found = false;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		cmp = strcmp(h->checks[mid]->spec.name, name);
		if (!cmp) {
			*found = true;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct check *find(struct health *h, const char *name)
{
	bool found;
	size_t i = find_pos(h, name, &found);

	return found ? h->checks[i] : NULL;
}

static int slot_alloc(struct health *h)
{
	size_t w;
	int b;

	for (w = 0; w < FP_HEALTH_WORDS; w++) {
		if (h->used[w] == UINT64_MAX)
			continue;
		b = __builtin_ctzll(~h->used[w]);
		if (w * 64 + b == FP_HEALTH_NONE)
			return -ENOSPC;
		h->used[w] |= 1ULL << b;
		return w * 64 + b;
	}
	return -ENOSPC;
}

static void slot_free(struct health *h, uint16_t slot)
{
	h->used[slot / 64] &= ~(1ULL << (slot % 64));
}

static void bit_set(struct health *h, uint16_t slot, bool down)
{
	uint64_t m = 1ULL << (slot % 64);

	if (down)
		__atomic_fetch_or(&h->bits->down[slot / 64], m, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&h->bits->down[slot / 64], ~m, __ATOMIC_RELEASE);
}

static void change_push(struct health *h, const char *name, bool up)
{
	if (!h->on_change)
		return;
	if (h->nchanges == h->changes_cap) {
		size_t cap = h->changes_cap ? 2 * h->changes_cap : 16;
		struct change *p = realloc(h->changes, cap * sizeof(*p));

		if (!p)
			return;
		h->changes = p;
		h->changes_cap = cap;
	}
	snprintf(h->changes[h->nchanges].name, sizeof(h->changes[0].name), "%s", name);
	h->changes[h->nchanges++].up = up;
}

/* Called with the lock held; drops it while the callbacks run. */
static void changes_flush(struct health *h)
{
	struct change *ch;
	size_t n, i;

	if (!h->nchanges)
		return;
	ch = h->changes;
	n = h->nchanges;
	h->changes = NULL;
	h->nchanges = h->changes_cap = 0;
	pthread_mutex_unlock(&h->lock);
	for (i = 0; i < n; i++)
		h->on_change(ch[i].name, ch[i].up, h->change_ctx);
	free(ch);
	pthread_mutex_lock(&h->lock);
}

static void status_set(struct health *h, struct check *c, int status, int64_t now)
{
	if (c->status == ST_UP)
		h->nup--;
	else if (c->status == ST_DOWN)
		h->ndown--;
	if (status == ST_UP)
		h->nup++;
	else if (status == ST_DOWN)
		h->ndown++;
	/* Unknown serves as healthy, so only down sets the bit. */
	if ((c->status == ST_DOWN) != (status == ST_DOWN)) {
		bit_set(h, c->slot, status == ST_DOWN);
		change_push(h, c->spec.name, status != ST_DOWN);
	}
	c->status = status;
	c->since = now;
}

/* The first probe anywhere in one interval, so that checks made together (a
 * restart) do not probe together. */
static void schedule_first(struct health *h, struct check *c, uint64_t now)
{
	c->due = now + (uint64_t)(rand01(h) * c->spec.interval_ms);
	set_when(h, c, c->due);
}

static uint64_t jittered(struct health *h, uint32_t interval)
{
	return interval * (0.9 + 0.2 * rand01(h));
}

/* ---- probes ---- */

static void probe_release(struct health *h, struct check *c)
{
	struct probe_slot *ps;

	if (c->probe < 0)
		return;
	ps = &h->probes[c->probe];
	health_probe_close(&ps->p);	/* closing takes the fd out of epoll */
	ps->c = NULL;
	ps->gen++;
	h->free_slots[h->nfree++] = c->probe;
	h->inflight--;
	c->probe = -1;
}

static void finish(struct health *h, struct check *c, uint64_t now)
{
	struct health_probe *p = &h->probes[c->probe].p;
	struct result *r;

	c->head = (c->head + 1) % HEALTH_HISTORY;
	if (c->nhist < HEALTH_HISTORY)
		c->nhist++;
	r = &c->hist[c->head];
	r->time = time(NULL);
	r->ms = now - c->started;
	r->ok = p->ok;
	r->status = p->status;
	snprintf(r->error, sizeof(r->error), "%s", p->ok ? "" : p->error);
	probe_release(h, c);
	c->probes++;
	h->probes_total++;
	if (r->ok) {
		c->ok_run++;
		c->fail_run = 0;
		if (c->status != ST_UP && c->ok_run >= c->spec.rise)
			status_set(h, c, ST_UP, r->time);
	} else {
		c->failures++;
		c->fail_run++;
		c->ok_run = 0;
		if (c->status != ST_DOWN && c->fail_run >= c->spec.fall)
			status_set(h, c, ST_DOWN, r->time);
	}
	set_when(h, c, c->due > now ? c->due : now);
}

static int slot_get(struct health *h)
{
	struct probe_slot *p;
	int *f;
	size_t n, i;

	if (h->nfree)
		return h->free_slots[--h->nfree];
	n = h->nslots ? 2 * h->nslots : 64;
	if (n > h->inflight_max)
		n = h->inflight_max;
	if (n <= h->nslots)
		return -1;
	p = realloc(h->probes, n * sizeof(*p));
	if (!p)
		return -1;
	h->probes = p;
	f = realloc(h->free_slots, n * sizeof(*f));
	if (!f)
		return -1;
	h->free_slots = f;
	memset(p + h->nslots, 0, (n - h->nslots) * sizeof(*p));
	for (i = n; i-- > h->nslots + 1;)
		h->free_slots[h->nfree++] = i;
	i = h->nslots;
	h->nslots = n;
	return i;
}

static void probe_start(struct health *h, struct check *c, uint64_t now)
{
	struct epoll_event ev;
	struct probe_slot *ps;
	int i;

	/* The next probe counts from this one's due time, so the phase holds. */
	c->due += jittered(h, c->spec.interval_ms);
	if (c->due <= now)
		c->due = now + jittered(h, c->spec.interval_ms);
	i = h->inflight < h->inflight_max ? slot_get(h) : -1;
	if (i < 0) {
		c->due = now + BUSY_RETRY_MS;
		set_when(h, c, c->due);
		return;
	}
	h->inflight++;
	ps = &h->probes[i];
	ps->c = c;
	c->probe = i;
	c->started = now;
	if (health_probe_start(&ps->p, &c->spec, h->tls)) {
		finish(h, c, now);
		return;
	}
	ps->events = ps->p.events;
	ev.events = ps->events;
	ev.data.u64 = (uint64_t)ps->gen << 32 | (uint32_t)i;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, ps->p.fd, &ev)) {
		health_probe_fail(&ps->p, "epoll: cannot watch the socket");
		finish(h, c, now);
		return;
	}
	set_when(h, c, now + c->spec.timeout_ms);
}

static void probe_event(struct health *h, uint64_t id, uint64_t now)
{
	uint32_t i = (uint32_t)id, gen = id >> 32;
	struct probe_slot *ps;
	struct epoll_event ev;

	if (i >= h->nslots)
		return;
	ps = &h->probes[i];
	if (!ps->c || ps->gen != gen)
		return;
	if (health_probe_step(&ps->p)) {
		finish(h, ps->c, now);
		return;
	}
	if (ps->p.events != ps->events) {
		ps->events = ps->p.events;
		ev.events = ps->events;
		ev.data.u64 = id;
		if (epoll_ctl(h->ep, EPOLL_CTL_MOD, ps->p.fd, &ev)) {
			health_probe_fail(&ps->p, "epoll: cannot watch the socket");
			finish(h, ps->c, now);
		}
	}
}

static void *run(void *arg)
{
	struct health *h = arg;
	struct epoll_event evs[EVENTS_MAX];
	struct check *c;
	uint64_t now, buf;
	int n, i, wait;

	pthread_mutex_lock(&h->lock);
	while (!h->stop) {
		now = mono_ms();
		while (h->hn && h->heap[0]->when <= now) {
			c = h->heap[0];
			if (c->probe >= 0) {
				health_probe_fail(&h->probes[c->probe].p, "timeout");
				finish(h, c, now);
			} else {
				probe_start(h, c, now);
			}
		}
		wait = !h->hn ? -1 : h->heap[0]->when - now > LOOP_WAIT_MAX_MS ?
		       LOOP_WAIT_MAX_MS : (int)(h->heap[0]->when - now);
		changes_flush(h);
		if (h->stop)
			break;
		pthread_mutex_unlock(&h->lock);
		n = epoll_wait(h->ep, evs, EVENTS_MAX, wait);
		pthread_mutex_lock(&h->lock);
		now = mono_ms();
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == WAKE_ID) {
				if (read(h->wake, &buf, sizeof(buf)) < 0)
					continue;
				continue;
			}
			probe_event(h, evs[i].data.u64, now);
		}
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static void wake(struct health *h)
{
	uint64_t one = 1;

	if (h->wake >= 0 && write(h->wake, &one, sizeof(one)) < 0)
		log_warn("health: cannot wake the checker: %s", strerror(errno));
}

/* ---- checks in and out of the table ---- */

static struct check *check_new(const struct health_spec *spec, uint16_t slot)
{
	struct check *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->spec = *spec;
	c->slot = slot;
	c->probe = -1;
	c->hidx = SIZE_MAX;
	c->status = ST_UNKNOWN;
	c->since = time(NULL);
	return c;
}

/* Room for one more check, made before the commit so that inserting after it
 * cannot fail. */
static int reserve(struct health *h)
{
	size_t cap = h->cap ? 2 * h->cap : 64;
	struct check **a, **hp;

	if (h->n < h->cap)
		return 0;
	a = realloc(h->checks, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	h->checks = a;
	hp = realloc(h->heap, cap * sizeof(*hp));
	if (!hp)
		return -ENOMEM;
	h->heap = hp;
	h->cap = cap;
	return 0;
}

static int insert(struct health *h, struct check *c)
{
	bool found;
	size_t pos = find_pos(h, c->spec.name, &found);

	if (found)
		return -EEXIST;
	if (reserve(h))
		return -ENOMEM;
	memmove(h->checks + pos + 1, h->checks + pos, (h->n - pos) * sizeof(*h->checks));
	h->checks[pos] = c;
	h->n++;
	c->when = UINT64_MAX;
	heap_push(h, c);
	schedule_first(h, c, mono_ms());
	return 0;
}

static void unlink_check(struct health *h, struct check *c)
{
	bool found;
	size_t pos = find_pos(h, c->spec.name, &found);

	probe_release(h, c);
	heap_remove(h, c);
	if (found)
		memmove(h->checks + pos, h->checks + pos + 1,
			(h->n - pos - 1) * sizeof(*h->checks));
	h->n -= found;
	if (c->status == ST_UP)
		h->nup--;
	else if (c->status == ST_DOWN)
		h->ndown--;
	bit_set(h, c->slot, false);
	slot_free(h, c->slot);
}

/* What the store keeps: the spec's JSON and the slot. */
static char *blob(const struct health_spec *spec, uint16_t slot, size_t *len)
{
	json_t *o = health_spec_json(spec);
	char *s;

	if (!o)
		return NULL;
	json_object_set_new(o, "slot", json_integer(slot));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s)
		*len = strlen(s);
	return s;
}

static int load_cb(const char *name, const void *data, size_t len, void *ctx)
{
	struct health *h = ctx;
	struct health_spec spec;
	char field[32], msg[160];
	json_t *o, *sl;
	struct check *c;
	json_int_t slot = -1;
	int err;

	o = json_loadb(data, len, 0, NULL);
	if (!o) {
		log_warn("health: check %s: unreadable in the store, skipped", name);
		return 0;
	}
	sl = json_object_get(o, "slot");
	if (json_is_integer(sl))
		slot = json_integer_value(sl);
	json_object_del(o, "slot");
	err = health_spec_from_json(o, name, &spec, field, sizeof(field), msg, sizeof(msg));
	json_decref(o);
	if (err) {
		log_warn("health: check %s: %s: %s; skipped", name, field, msg);
		return 0;
	}
	if (slot < 0 || slot >= FP_HEALTH_NONE || (h->used[slot / 64] & 1ULL << (slot % 64))) {
		log_warn("health: check %s: stored without a usable slot, skipped", name);
		return 0;
	}
	h->used[slot / 64] |= 1ULL << (slot % 64);
	c = check_new(&spec, slot);
	if (!c || insert(h, c)) {
		free(c);
		return -ENOMEM;
	}
	return 0;
}

int health_new(struct health **out, struct store *st, struct fp_health *bitmap)
{
	struct health *h;
	struct store_txn *t;
	struct rlimit rl;
	size_t w;
	int err;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->wlock, NULL);
	h->st = st;
	h->bits = bitmap;
	h->account_max = HEALTH_ACCOUNT_CHECKS_MAX;
	h->ep = h->wake = -1;
	if (getrandom(&h->rng, sizeof(h->rng), 0) != sizeof(h->rng) || !h->rng)
		h->rng = mono_ms() * 0x9e3779b97f4a7c15ULL | 1;
	/* Half the descriptors at most: the servers and the API need theirs. */
	h->inflight_max = HEALTH_PROBES_MAX;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur / 2 < h->inflight_max)
		h->inflight_max = rl.rlim_cur / 2 < HEALTH_PROBES_MIN ? HEALTH_PROBES_MIN
								    : rl.rlim_cur / 2;
	/* Every check starts unknown, served as healthy: no bit survives a restart. */
	for (w = 0; w < FP_HEALTH_WORDS; w++)
		__atomic_store_n(&bitmap->down[w], 0, __ATOMIC_RELEASE);
	/* FP_HEALTH_NONE is never any check's. */
	h->used[FP_HEALTH_NONE / 64] |= 1ULL << (FP_HEALTH_NONE % 64);
	if (st) {
		err = store_txn_begin(st, false, &t);
		if (err)
			goto fail;
		err = store_check_foreach(t, load_cb, h);
		store_txn_abort(t);
		if (err) {
			log_err("health: reading the stored checks: %s", strerror(-err));
			goto fail;
		}
	}
	*out = h;
	return 0;
fail:
	health_free(h);
	return err;
}

int health_start(struct health *h)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_ID };
	int err;

	h->tls = health_probe_tls_ctx();
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	h->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->ep < 0 || h->wake < 0 || epoll_ctl(h->ep, EPOLL_CTL_ADD, h->wake, &ev)) {
		err = -errno;
		log_err("health: cannot set up epoll: %s", strerror(-err));
		return err;
	}
	err = -pthread_create(&h->thread, NULL, run, h);
	if (err) {
		log_err("health: cannot start the checker: %s", strerror(-err));
		return err;
	}
	pthread_setname_np(h->thread, "health");
	h->running = true;
	log_info("health: %zu checks, up to %zu probes at once", h->n, h->inflight_max);
	return 0;
}

void health_free(struct health *h)
{
	size_t i;

	if (!h)
		return;
	if (h->running) {
		pthread_mutex_lock(&h->lock);
		h->stop = true;
		pthread_mutex_unlock(&h->lock);
		wake(h);
		pthread_join(h->thread, NULL);
	}
	for (i = 0; i < h->n; i++) {
		probe_release(h, h->checks[i]);
		free(h->checks[i]);
	}
	free(h->checks);
	free(h->heap);
	free(h->probes);
	free(h->free_slots);
	free(h->changes);
	if (h->ep >= 0)
		close(h->ep);
	if (h->wake >= 0)
		close(h->wake);
	SSL_CTX_free(h->tls);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->wlock);
	free(h);
}

/* ---- writes ---- */

/* Writes spec (slot) to the store, or removes name's when spec is NULL. */
static int persist(struct store_txn *t, const struct health_spec *spec,
		   uint16_t slot, const char *name)
{
	size_t len;
	char *s;
	int err;

	if (!t)
		return 0;
	if (!spec)
		return store_check_del(t, name);
	s = blob(spec, slot, &len);
	if (!s)
		return -ENOMEM;
	err = store_check_put(t, spec->name, s, len);
	free(s);
	return err;
}

/* Every write holds wlock from before its store transaction until the checker's
 * memory agrees with what it committed, so writes apply in the order they
 * commit and none finds a check another has freed. */
static int write_begin(struct health *h, struct store_txn **t)
{
	int err = 0;

	*t = NULL;
	pthread_mutex_lock(&h->wlock);
	if (h->st)
		err = store_txn_begin(h->st, true, t);
	if (err)
		pthread_mutex_unlock(&h->wlock);
	return err;
}

/* Commits (or, after err, aborts) the transaction; wlock stays held. */
static int write_commit(struct store_txn *t, int err)
{
	if (t && !err)
		err = store_txn_commit(t);
	else if (t)
		store_txn_abort(t);
	return err;
}

static void write_end(struct health *h)
{
	pthread_mutex_unlock(&h->wlock);
}

static size_t account_checks(struct health *h, const char *account)
{
	size_t i, n = 0;

	for (i = 0; i < h->n; i++)
		n += !strcmp(h->checks[i]->spec.account, account);
	return n;
}

int health_create(struct health *h, const struct health_spec *spec)
{
	struct store_txn *t;
	struct check *c = NULL;
	const void *old;
	size_t oldlen;
	int err, slot;

	if (!spec->name[0] || !spec->account[0])
		return -EINVAL;
	err = write_begin(h, &t);
	if (err)
		return err;
	pthread_mutex_lock(&h->lock);
	if (find(h, spec->name))
		slot = -EEXIST;
	else if (h->account_max && strcmp(spec->account, HEALTH_SHARED_ACCOUNT) &&
		 account_checks(h, spec->account) >= h->account_max)
		slot = -EDQUOT;
	else
		slot = reserve(h) ?: slot_alloc(h);
	pthread_mutex_unlock(&h->lock);
	if (slot < 0) {
		err = write_commit(t, slot);
		goto out;
	}
	/* In the store but not loaded (see load_cb): the name stays taken until
	 * the operator deletes it. */
	err = t && !store_check_get(t, spec->name, &old, &oldlen) ? -ESTALE : 0;
	if (!err)
		err = persist(t, spec, slot, NULL);
	if (!err) {
		c = check_new(spec, slot);
		err = c ? 0 : -ENOMEM;
	}
	err = write_commit(t, err);
	pthread_mutex_lock(&h->lock);
	if (!err)
		err = insert(h, c);
	if (err) {
		slot_free(h, slot);
		free(c);
	}
	pthread_mutex_unlock(&h->lock);
	if (!err)
		wake(h);
out:
	write_end(h);
	return err;
}

int health_replace(struct health *h, const struct health_spec *spec, const char *account)
{
	struct health_spec ns = *spec;
	struct store_txn *t;
	struct check *c;
	int err;

	err = write_begin(h, &t);
	if (err)
		return err;
	/* Under wlock no other write can free or change c. */
	pthread_mutex_lock(&h->lock);
	c = find(h, spec->name);
	if (c && (c->deleting || (account && strcmp(c->spec.account, account))))
		c = NULL;
	pthread_mutex_unlock(&h->lock);
	if (!c) {
		err = write_commit(t, -ENOENT);
		goto out;
	}
	/* A check keeps its account: RRsets of that account may name it. */
	if (!ns.account[0])
		memcpy(ns.account, c->spec.account, sizeof(ns.account));
	else if (strcmp(ns.account, c->spec.account)) {
		err = write_commit(t, -EPERM);
		goto out;
	}
	err = write_commit(t, persist(t, &ns, c->slot, NULL));
	if (err)
		goto out;
	/* The check starts over: its old results are about another spec. */
	pthread_mutex_lock(&h->lock);
	probe_release(h, c);
	status_set(h, c, ST_UNKNOWN, time(NULL));
	c->spec = ns;
	c->ok_run = c->fail_run = 0;
	c->nhist = c->head = 0;
	c->probes = c->failures = 0;
	schedule_first(h, c, mono_ms());
	pthread_mutex_unlock(&h->lock);
	wake(h);
out:
	write_end(h);
	return err;
}

int health_delete(struct health *h, const char *name, const char *account)
{
	struct store_txn *t;
	struct check *c;
	const void *old;
	size_t oldlen;
	bool loaded;
	int err;

	err = write_begin(h, &t);
	if (err)
		return err;
	pthread_mutex_lock(&h->lock);
	c = find(h, name);
	loaded = c;
	if (c && (c->deleting || (account && strcmp(c->spec.account, account))))
		c = NULL;
	/* Resolves no more, so no RRset can come to name it before the commit. */
	if (c)
		c->deleting = true;
	pthread_mutex_unlock(&h->lock);
	if (!c) {
		/* The operator removes what the store holds but could not be loaded. */
		if (!account && t && !loaded && !store_check_get(t, name, &old, &oldlen)) {
			log_info("health: check %s: removing it from the store, where it "
				 "could not be loaded", name);
			err = write_commit(t, persist(t, NULL, 0, name));
		} else {
			err = write_commit(t, -ENOENT);
		}
		goto out;
	}
	/* Asked inside the write, so no RRset can come to name it before the commit. */
	if (h->in_use && h->in_use(name, h->in_use_ctx))
		err = -EBUSY;
	else
		err = persist(t, NULL, 0, name);
	err = write_commit(t, err);
	pthread_mutex_lock(&h->lock);
	if (err) {
		c->deleting = false;
	} else {
		unlink_check(h, c);
		free(c);
	}
	pthread_mutex_unlock(&h->lock);
out:
	write_end(h);
	return err;
}

/* ---- reads ---- */

static json_t *result_json(const struct result *r)
{
	return json_pack("{s:I,s:b,s:I,s:s?,s:o}", "time", (json_int_t)r->time, "ok", r->ok,
			 "ms", (json_int_t)r->ms, "error", r->ok ? NULL : r->error, "status",
			 r->status >= 0 ? json_integer(r->status) : json_null());
}

static json_t *check_json(const struct check *c)
{
	json_t *o = health_spec_json(&c->spec), *hist = json_array(), *state;
	unsigned int i;

	for (i = 0; i < c->nhist; i++)
		json_array_append_new(hist, result_json(&c->hist[(c->head + HEALTH_HISTORY - i) %
							     HEALTH_HISTORY]));
	state = json_pack("{s:s,s:I,s:I,s:I,s:o}", "status", status_names[c->status], "since",
			  (json_int_t)c->since, "probes", (json_int_t)c->probes, "failures",
			  (json_int_t)c->failures, "last",
			  c->nhist ? result_json(&c->hist[c->head]) : json_null());
	json_object_set_new(o, "state", state);
	json_object_set_new(o, "history", hist);
	return o;
}

json_t *health_get_json(struct health *h, const char *name, const char *account)
{
	struct check *c;
	json_t *o = NULL;

	pthread_mutex_lock(&h->lock);
	c = find(h, name);
	if (c && !c->deleting && (!account || !strcmp(account, c->spec.account)))
		o = check_json(c);
	pthread_mutex_unlock(&h->lock);
	return o;
}

json_t *health_list_json(struct health *h, const char *account)
{
	json_t *a = json_array();
	size_t i;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->n; i++) {
		struct check *c = h->checks[i];

		if (!c->deleting && (!account || !strcmp(account, c->spec.account)))
			json_array_append_new(a, check_json(c));
	}
	pthread_mutex_unlock(&h->lock);
	return a;
}

int health_slot(const char *name, const char *account, void *ctx)
{
	struct health *h = ctx;
	struct check *c;
	int slot = -ENOENT;

	pthread_mutex_lock(&h->lock);
	c = find(h, name);
	if (c && !c->deleting &&
	    (!account || !strcmp(c->spec.account, account) ||
	     !strcmp(c->spec.account, HEALTH_SHARED_ACCOUNT)))
		slot = c->slot;
	pthread_mutex_unlock(&h->lock);
	return slot;
}

void health_set_in_use(struct health *h, health_in_use_fn fn, void *ctx)
{
	pthread_mutex_lock(&h->wlock);
	h->in_use = fn;
	h->in_use_ctx = ctx;
	pthread_mutex_unlock(&h->wlock);
}

void health_set_probes_max(struct health *h, size_t n)
{
	pthread_mutex_lock(&h->lock);
	h->inflight_max = n < 1 ? 1 : n > HEALTH_PROBES_MAX ? HEALTH_PROBES_MAX : n;
	pthread_mutex_unlock(&h->lock);
}

void health_set_account_max(struct health *h, size_t n)
{
	pthread_mutex_lock(&h->wlock);
	h->account_max = n;
	pthread_mutex_unlock(&h->wlock);
}

void health_on_change(struct health *h, health_change_fn fn, void *ctx)
{
	pthread_mutex_lock(&h->lock);
	h->on_change = fn;
	h->change_ctx = ctx;
	pthread_mutex_unlock(&h->lock);
}

void health_counts(struct health *h, size_t *up, size_t *down, size_t *unknown,
		   uint64_t *probes)
{
	pthread_mutex_lock(&h->lock);
	*up = h->nup;
	*down = h->ndown;
	*unknown = h->n - h->nup - h->ndown;
	*probes = h->probes_total;
	pthread_mutex_unlock(&h->lock);
}
