// SPDX-License-Identifier: GPL-2.0-only
/* nameserved: the authoritative daemon. Serves zones from files or from its
 * store over UDP and TCP, optionally fills the XDP fast path, and with --api
 * takes changes over HTTP; reloads zone files on SIGHUP. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <urcu.h>

#include "api.h"
#include "engine.h"
#include "fastpath.h"
#include "geo.h"
#include "health.h"
#include "log.h"
#include "map_sync.h"
#include "metrics.h"
#include "server_tcp.h"
#include "server_udp.h"
#include "store.h"
#include "xdp_loader.h"
#include "zone_admin.h"
#include "zone_store.h"

#define PROG	"nameserved"
#define IMPORT_ACCOUNT	"default"	/* owner of zones imported from --zone */

struct zone_src {
	const char	*path;
	char		*owned_path;	/* path, when built from --zone-dir */
	uint8_t		origin[DNS_NAME_MAX];	/* of the version now served */
};

struct daemon {
	struct server_addr	*addrs;
	size_t			naddrs;
	struct zone_src		*zones;
	size_t			nzones;
	const char		**ifaces;
	size_t			nifaces;
	struct xdp_loader_opts	xdp_opts;
	int			threads;
	struct engine_config	ecfg;
	const char		*state_dir;
	struct api_config	acfg;
	struct zone_admin_config zcfg;
	char			*token_path;	/* the default --admin-token-file */
	const char		*geoip_path;

	struct zone_store	*zs;
	struct engine		*engine;
	struct server_udp	*udp;
	struct server_tcp	*tcp;
	struct xdp_loader	*xl;
	struct map_sync		*ms;
	struct store		*store;
	struct zone_admin	*za;
	struct api		*api;
	struct geo		*geo;
	/* The health bitmap the engine and the fast path read and the health
	 * checker writes: the XDP health map, mmapped, or our own memory. */
	struct fp_health	*health_bits;
	bool			health_bits_owned;
	struct health		*health;
	size_t			probes_max;	/* health probes at once, from fd_budget */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " --listen ADDR[@PORT]... --zone FILE... [options]\n"
		"\n"
		"  --listen ADDR[@PORT]       IPv4 or IPv6 address to serve on (default port 53);\n"
		"                             repeatable\n"
		"  --zone FILE                RFC 1035 master file, origin from its SOA or $ORIGIN;\n"
		"                             repeatable\n"
		"  --zone-dir DIR             every *.zone file in DIR, as --zone; repeatable\n"
		"  --xdp IFACE                attach the XDP fast path to IFACE; repeatable\n"
		"  --xdp-mode native|generic  XDP attach mode (default: native, else generic)\n"
		"  --instance NAME            pin directory under " FP_PIN_ROOT " (default: default)\n"
		"  --threads N                UDP and TCP worker threads (default: one per CPU)\n"
		"  --nsid STRING              answer the EDNS NSID option (RFC 5001) with STRING\n"
		"  --identity STRING          CHAOS TXT id.server / hostname.bind (default: host name)\n"
		"  --version-string STRING    CHAOS TXT version.bind / version.server\n"
		"  --no-chaos                 refuse CHAOS queries\n"
		"  --geoip FILE               MaxMind DB (.mmdb, country or city) for geo steering;\n"
		"                             without it only CIDR rules match\n"
		"  --state-dir DIR            keep zones in a store (LMDB) under DIR and serve what\n"
		"                             it holds; --zone files are imported into it once\n"
		"  --api ADDR:PORT            serve the HTTP API (needs --state-dir)\n"
		"  --api-cert FILE            with --api-key: serve the API over HTTPS (PEM)\n"
		"  --api-key FILE\n"
		"  --api-max-body BYTES       largest request body (default 4 MiB)\n"
		"  --admin-token-file FILE    the first admin token: read, or created (mode 0600)\n"
		"                             when absent (default: DIR/admin.token)\n"
		"  --default-ns NAME          apex NS of zones created without name servers;\n"
		"                             repeatable\n"
		"  --api-routes               print the API's routes and exit\n"
		"  -h, --help                 this text\n"
		"\n"
		"SIGHUP reloads the zone files (not with --state-dir); SIGINT or SIGTERM stops.\n");
}

/* Room for element n: capacity doubles at powers of two, so 100,000 --zone
 * files cost a few reallocations, not one each. */
static void *grow(void *arr, size_t n, size_t size)
{
	void *p;

	if (n & (n - 1))
		return arr;
	p = realloc(arr, (n ? 2 * n : 1) * size);
	if (!p) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	return p;
}

static void add_zone_src(struct daemon *d, const char *path, char *owned)
{
	d->zones = grow(d->zones, d->nzones, sizeof(*d->zones));
	memset(&d->zones[d->nzones], 0, sizeof(d->zones[0]));
	d->zones[d->nzones].path = owned ? owned : path;
	d->zones[d->nzones++].owned_path = owned;
}

static int zone_file_filter(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return de->d_name[0] != '.' && len > 5 && !strcmp(de->d_name + len - 5, ".zone");
}

/* A directory of zone files, in name order so that errors come in a stable
 * order; a command line of 100,000 --zone options would exceed ARG_MAX. */
static void add_zone_dir(struct daemon *d, const char *dir)
{
	struct dirent **names;
	char *path;
	int i, n;

	n = scandir(dir, &names, zone_file_filter, alphasort);
	if (n < 0) {
		fprintf(stderr, PROG ": --zone-dir %s: %s\n", dir, strerror(errno));
		exit(2);
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
			fprintf(stderr, PROG ": out of memory\n");
			exit(1);
		}
		add_zone_src(d, NULL, path);
		free(names[i]);
	}
	free(names);
}

/* Exits 2 on a bad command line, with the reason on stderr. */
static void parse_args(struct daemon *d, int argc, char **argv)
{
	enum { O_LISTEN = 256, O_ZONE, O_XDP, O_XDP_MODE, O_INSTANCE, O_THREADS, O_NSID,
	       O_IDENTITY, O_VERSION, O_NO_CHAOS, O_STATE_DIR, O_API, O_API_CERT, O_API_KEY,
	       O_API_MAX_BODY, O_ADMIN_TOKEN_FILE, O_DEFAULT_NS, O_API_ROUTES, O_ZONE_DIR,
	       O_GEOIP };
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "zone", required_argument, NULL, O_ZONE },
		{ "zone-dir", required_argument, NULL, O_ZONE_DIR },
		{ "xdp", required_argument, NULL, O_XDP },
		{ "xdp-mode", required_argument, NULL, O_XDP_MODE },
		{ "instance", required_argument, NULL, O_INSTANCE },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "nsid", required_argument, NULL, O_NSID },
		{ "identity", required_argument, NULL, O_IDENTITY },
		{ "version-string", required_argument, NULL, O_VERSION },
		{ "no-chaos", no_argument, NULL, O_NO_CHAOS },
		{ "geoip", required_argument, NULL, O_GEOIP },
		{ "state-dir", required_argument, NULL, O_STATE_DIR },
		{ "api", required_argument, NULL, O_API },
		{ "api-cert", required_argument, NULL, O_API_CERT },
		{ "api-key", required_argument, NULL, O_API_KEY },
		{ "api-max-body", required_argument, NULL, O_API_MAX_BODY },
		{ "admin-token-file", required_argument, NULL, O_ADMIN_TOKEN_FILE },
		{ "default-ns", required_argument, NULL, O_DEFAULT_NS },
		{ "api-routes", no_argument, NULL, O_API_ROUTES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	size_t i;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
			d->addrs = grow(d->addrs, d->naddrs, sizeof(*d->addrs));
			if (server_addr_parse(optarg, SERVER_PORT_DEFAULT, &d->addrs[d->naddrs])) {
				fprintf(stderr, PROG ": --listen '%s': expected an IPv4 or IPv6 "
					"address, optionally followed by @PORT\n", optarg);
				exit(2);
			}
			d->naddrs++;
			break;
		case O_ZONE:
			add_zone_src(d, optarg, NULL);
			break;
		case O_ZONE_DIR:
			add_zone_dir(d, optarg);
			break;
		case O_XDP:
			d->ifaces = grow(d->ifaces, d->nifaces, sizeof(*d->ifaces));
			d->ifaces[d->nifaces++] = optarg;
			break;
		case O_XDP_MODE:
			if (!strcmp(optarg, "native")) {
				d->xdp_opts.mode = XDP_LOADER_NATIVE;
			} else if (!strcmp(optarg, "generic")) {
				d->xdp_opts.mode = XDP_LOADER_GENERIC;
			} else {
				fprintf(stderr, PROG ": --xdp-mode '%s': expected native or "
					"generic\n", optarg);
				exit(2);
			}
			break;
		case O_INSTANCE:
			if (!*optarg || strchr(optarg, '/') || !strcmp(optarg, ".") ||
			    !strcmp(optarg, "..") || strlen(optarg) > NAME_MAX) {
				fprintf(stderr, PROG ": --instance '%s': expected a plain directory "
					"name\n", optarg);
				exit(2);
			}
			d->xdp_opts.instance = optarg;
			break;
		case O_THREADS:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 1024) {
				fprintf(stderr, PROG ": --threads '%s': expected a number from 1 "
					"to 1024\n", optarg);
				exit(2);
			}
			d->threads = v;
			break;
		case O_NSID:
			d->ecfg.nsid = optarg;
			break;
		case O_IDENTITY:
			d->ecfg.identity = optarg;
			break;
		case O_VERSION:
			d->ecfg.version = optarg;
			break;
		case O_NO_CHAOS:
			d->ecfg.no_chaos = true;
			break;
		case O_GEOIP:
			d->geoip_path = optarg;
			break;
		case O_STATE_DIR:
			d->state_dir = optarg;
			break;
		case O_API:
			d->acfg.listen = optarg;
			break;
		case O_API_CERT:
			d->acfg.cert_file = optarg;
			break;
		case O_API_KEY:
			d->acfg.key_file = optarg;
			break;
		case O_API_MAX_BODY:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1024 || v > (1L << 30)) {
				fprintf(stderr, PROG ": --api-max-body '%s': expected a number of "
					"bytes from 1024 to 1073741824\n", optarg);
				exit(2);
			}
			d->acfg.max_body = v;
			break;
		case O_ADMIN_TOKEN_FILE:
			d->acfg.admin_token_file = optarg;
			break;
		case O_DEFAULT_NS:
			if (d->zcfg.ndefault_ns == ZONE_ADMIN_NS_MAX) {
				fprintf(stderr, PROG ": at most %d --default-ns\n",
					ZONE_ADMIN_NS_MAX);
				exit(2);
			}
			{
				uint8_t w[DNS_NAME_MAX];

				if (dns_name_from_text(w, optarg, strlen(optarg),
						       (const uint8_t *)"") < 0) {
					fprintf(stderr, PROG ": --default-ns '%s': not a domain "
						"name\n", optarg);
					exit(2);
				}
			}
			d->zcfg.default_ns[d->zcfg.ndefault_ns++] = optarg;
			break;
		case O_API_ROUTES:
			api_print_routes(stdout);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (!d->naddrs) {
		fprintf(stderr, PROG ": no --listen address given\n");
		usage(stderr);
		exit(2);
	}
	if (d->acfg.listen && !d->state_dir) {
		fprintf(stderr, PROG ": --api needs --state-dir: API writes are kept in the "
			"store\n");
		exit(2);
	}
	if (!d->acfg.listen && (d->acfg.cert_file || d->acfg.key_file || d->acfg.max_body ||
				d->acfg.admin_token_file)) {
		fprintf(stderr, PROG ": --api-cert, --api-key, --api-max-body and "
			"--admin-token-file only matter with --api\n");
		exit(2);
	}
	if (!!d->acfg.cert_file != !!d->acfg.key_file) {
		fprintf(stderr, PROG ": --api-cert and --api-key go together\n");
		exit(2);
	}
	if (d->acfg.listen && !d->acfg.admin_token_file) {
		if (asprintf(&d->token_path, "%s/admin.token", d->state_dir) < 0)
			exit(1);
		d->acfg.admin_token_file = d->token_path;
	}
	if ((d->ecfg.nsid && strlen(d->ecfg.nsid) > ENGINE_NSID_MAX) ||
	    (d->ecfg.identity && strlen(d->ecfg.identity) > ENGINE_CHAOS_TXT_MAX) ||
	    (d->ecfg.version && strlen(d->ecfg.version) > ENGINE_CHAOS_TXT_MAX)) {
		fprintf(stderr, PROG ": --nsid takes at most %d bytes, --identity and "
			"--version-string at most %d\n", ENGINE_NSID_MAX, ENGINE_CHAOS_TXT_MAX);
		exit(2);
	}
	/* The XDP program answers one port: the one we listen on. */
	d->xdp_opts.dns_port = server_addr_port(&d->addrs[0]);
	for (i = 1; i < d->naddrs && d->nifaces; i++) {
		if (server_addr_port(&d->addrs[i]) != d->xdp_opts.dns_port) {
			fprintf(stderr, PROG ": with --xdp every --listen address must use the "
				"same port\n");
			exit(2);
		}
	}
	if (d->nifaces == 0 && (d->xdp_opts.mode != XDP_LOADER_AUTO || d->xdp_opts.instance))
		fprintf(stderr, PROG ": warning: --xdp-mode and --instance only matter with "
			"--xdp\n");
}

static const char *origin_str(const uint8_t *origin, char *buf, size_t cap)
{
	if (dns_name_to_text(buf, cap, origin) < 0)
		snprintf(buf, cap, "?");
	return buf;
}

/* Loads one zone file and publishes it. On failure the previous version, if
 * any, keeps serving. */
static int load_zone(struct daemon *d, size_t idx, bool reload)
{
	struct zone_src *src = &d->zones[idx];
	char err[1024], name[DNS_NAME_TEXT_MAX];
	bool served = false;
	struct zone *z;
	size_t i;
	int ret;

	ret = zone_load_file(src->path, &z, err, sizeof(err));
	if (ret) {
		log_err(PROG ": %s%s", err, reload ? " (the previous version stays)" : "");
		return ret;
	}
	/* Served already, and not by this file: a hash lookup, since a scan of the
	 * file list per zone is quadratic in the number of zones. */
	if (!dns_name_equal(src->origin, z->origin)) {
		rcu_read_lock();
		served = zone_store_get(d->zs, z->origin) != NULL;
		rcu_read_unlock();
	}
	for (i = 0; served && i < d->nzones; i++) {
		if (i != idx && d->zones[i].origin[0] &&
		    dns_name_equal(d->zones[i].origin, z->origin)) {
			log_err(PROG ": %s: zone %s is already loaded from %s", src->path,
				origin_str(z->origin, name, sizeof(name)), d->zones[i].path);
			zone_free(z);
			return -EEXIST;
		}
	}
	/* Same file, new origin: the old zone stops being served. */
	if (reload && src->origin[0] && !dns_name_equal(src->origin, z->origin))
		zone_store_remove(d->zs, src->origin);
	memcpy(src->origin, z->origin, z->origin_len);
	log_info(PROG ": zone %s serial %u: %zu records, %zu names%s",
		 origin_str(z->origin, name, sizeof(name)), z->serial, z->nrrs, z->nnodes,
		 z->dnssec ? ", signed" : "");
	return zone_store_publish(d->zs, z);
}

/* A full sync of the fast path's maps with what the engine answers now. */
static int sync_fastpath(struct daemon *d)
{
	int ret;

	if (!d->ms)
		return 0;
	map_sync_begin(d->ms);
	ret = engine_fastpath_walk_all(d->zs, map_sync_put, d->ms);
	if (ret) {
		log_err(PROG ": fast path: filling the maps failed: %s", strerror(-ret));
		return ret;
	}
	ret = map_sync_commit(d->ms);
	if (ret) {
		log_err(PROG ": fast path: commit failed: %s", strerror(-ret));
		return ret;
	}
	log_info(PROG ": fast path: %lu answers installed", map_sync_count(d->ms));
	return 0;
}

/* The health bitmap exists before the engine that reads it: with --xdp it is
 * the program's map, so both see a check go down at the same moment. */
static int open_health_bits(struct daemon *d)
{
	int ret;

	if (d->nifaces) {
		ret = xdp_loader_open(&d->xl, &d->xdp_opts);
		if (ret) {
			log_err(PROG ": XDP: cannot load the fast path: %s", strerror(-ret));
			return ret;
		}
		d->health_bits = xdp_loader_health(d->xl);
		if (!d->health_bits)
			return -EIO;
	} else {
		d->health_bits = calloc(1, sizeof(*d->health_bits));
		if (!d->health_bits) {
			log_err(PROG ": out of memory");
			return -ENOMEM;
		}
		d->health_bits_owned = true;
	}
	d->ecfg.health = d->health_bits;
	return 0;
}

/* The steering maps: the policies go in with their answers, the geo tries
 * from the --geoip database once. */
static int setup_steering_maps(struct daemon *d)
{
	size_t n;
	int ret;

	map_sync_set_policy_maps(d->ms, xdp_loader_map_fd(d->xl, "policies"),
				 xdp_loader_map_fd(d->xl, "policy_cidr_v4"),
				 xdp_loader_map_fd(d->xl, "policy_cidr_v6"),
				 xdp_loader_map_fd(d->xl, "policy_codes"));
	if (!d->geo)
		return 0;
	ret = geo_fill_maps(d->geo, xdp_loader_map_fd(d->xl, "geo_v4"),
			    xdp_loader_map_fd(d->xl, "geo_v6"), &n);
	if (ret) {
		log_err(PROG ": XDP: filling the geo maps from %s: %s", d->geoip_path,
			strerror(-ret));
		return ret;
	}
	log_info(PROG ": fast path: %zu geo networks installed", n);
	return 0;
}

/* Maps first, then links: the program starts with every hot answer in place,
 * and a daemon that cannot sync never attaches. */
static int start_xdp(struct daemon *d)
{
	int fds[FP_TIERS], ret, t;
	size_t i;

	for (t = 0; t < FP_TIERS; t++)
		fds[t] = xdp_loader_answers_fd(d->xl, t);
	ret = map_sync_new(&d->ms, fds, xdp_loader_name_seed(d->xl));
	if (ret) {
		log_err(PROG ": XDP: map sync: %s", strerror(-ret));
		return ret;
	}
	ret = setup_steering_maps(d);
	if (ret)
		return ret;
	if (d->za)
		ret = zone_admin_set_map_sync(d->za, d->ms);
	else
		ret = sync_fastpath(d);
	if (ret)
		return ret;
	if (d->za)
		log_info(PROG ": fast path: %lu answers installed", map_sync_count(d->ms));
	for (i = 0; i < d->nifaces; i++) {
		ret = xdp_loader_attach(d->xl, d->ifaces[i]);
		if (ret) {
			log_err(PROG ": XDP: cannot attach to %s: %s", d->ifaces[i],
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void reload(struct daemon *d)
{
	size_t i, failed = 0;

	if (d->store) {
		log_info(PROG ": SIGHUP: zones come from the store; nothing to reload");
		return;
	}
	log_info(PROG ": SIGHUP: reloading %zu zone files", d->nzones);
	for (i = 0; i < d->nzones; i++)
		if (load_zone(d, i, true))
			failed++;
	sync_fastpath(d);
	log_info(PROG ": reload done, %zu of %zu zone files failed", failed, d->nzones);
}

static void metrics_apply_observe_cb(double seconds, void *ctx)
{
	(void)ctx;
	metrics_apply_observe(seconds);
}

static void health_changed(const char *name, bool up, void *ctx)
{
	(void)ctx;
	log_info(PROG ": health check %s is %s", name, up ? "up" : "down");
}

/* Descriptors besides connections and probes (sockets, epoll, BPF objects, zone
 * files on reload), and the API's connections (api.c's limit). */
#define FD_RESERVE	256
#define FD_API		512

/* One descriptor budget for the whole daemon, settled before any component
 * sizes itself: TCP connections, API connections, health probes and a reserve.
 * The soft limit is raised once, as far as the hard one allows; when that is
 * not enough, probes get half of what TCP and probes would share (server_tcp
 * then fits its connections into the limit as well). */
static void fd_budget(struct daemon *d)
{
	rlim_t fixed = FD_RESERVE + FD_API;
	rlim_t want = fixed + SERVER_TCP_MAX_CONNS + HEALTH_PROBES_MAX, avail;
	struct rlimit rl;

	d->probes_max = HEALTH_PROBES_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want
										  : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			log_warn(PROG ": cannot raise the open file limit: %s", strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= want)
		return;
	avail = rl.rlim_cur > fixed ? rl.rlim_cur - fixed : 0;
	d->probes_max = avail / 2 > HEALTH_PROBES_MIN ? avail / 2 : HEALTH_PROBES_MIN;
	log_warn(PROG ": open file limit %llu: at most %zu health probes at once",
		 (unsigned long long)rl.rlim_cur, d->probes_max);
}

/* The store's zones, then --zone files not stored yet, imported once. */
static int open_store(struct daemon *d)
{
	char err[1024];
	size_t i, n = 0, imported = 0;
	bool done;
	int ret;

	ret = store_open(&d->store, d->state_dir);
	if (ret)
		return ret;
	/* The checker before zone_admin: policies resolve check names to its slots. */
	ret = health_new(&d->health, d->store, d->health_bits);
	if (ret)
		return ret;
	health_set_probes_max(d->health, d->probes_max);
	d->zcfg.slot = health_slot;
	d->zcfg.slot_ctx = d->health;
	ret = zone_admin_new(&d->za, d->store, d->zs, &d->zcfg);
	if (ret)
		return ret;
	health_set_in_use(d->health, zone_admin_check_in_use, d->za);
	health_on_change(d->health, health_changed, NULL);
	zone_admin_on_apply(d->za, metrics_apply_observe_cb, NULL);
	ret = zone_admin_load_all(d->za, &n);
	if (ret)
		return ret;
	for (i = 0; i < d->nzones; i++) {
		ret = zone_admin_import_file(d->za, d->zones[i].path, IMPORT_ACCOUNT, &done, err,
					     sizeof(err));
		if (ret) {
			log_err(PROG ": %s", err);
			return ret;
		}
		imported += done;
	}
	if (d->nzones)
		log_info(PROG ": %zu of %zu zone files imported into the store, the others "
			 "were there already", imported, d->nzones);
	return 0;
}

static void shutdown_all(struct daemon *d)
{
	/* The API first: no write may start on what goes next. */
	api_stop(d->api);
	/* The checker before the bitmap it writes and the zone_admin it asks. */
	health_free(d->health);
	/* The workers before the loader: their engine reads the health map
	 * that the loader unmaps. */
	server_udp_stop(d->udp);
	server_tcp_stop(d->tcp);
	map_sync_free(d->ms);
	xdp_loader_close(d->xl);
	if (d->health_bits_owned)
		free(d->health_bits);
	if (d->geo)
		geo_close(d->geo);
	engine_free(d->engine);
	zone_store_free(d->zs);
	zone_admin_free(d->za);
	store_close(d->store);
	free(d->token_path);
	free(d->addrs);
	for (size_t i = 0; i < d->nzones; i++)
		free(d->zones[i].owned_path);
	free(d->zones);
	free(d->ifaces);
}

/* Signals stay blocked until sigwaitinfo below, so a long start-up (100,000
 * zone files) polls for a stop request instead of ignoring it for seconds. */
static bool stop_requested(void)
{
	sigset_t pending;

	if (sigpending(&pending))
		return false;
	return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1;
}

int main(int argc, char **argv)
{
	struct daemon d = { 0 };
	sigset_t sigs;
	size_t i;
	int sig, ret = 1;

	parse_args(&d, argc, argv);
	fd_budget(&d);
	/* Workers inherit this mask, so signals reach only sigwait below. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	rcu_register_thread();

	if (zone_store_new(&d.zs)) {
		log_err(PROG ": out of memory");
		goto out;
	}
	if (d.geoip_path) {
		if (geo_open(&d.geo, d.geoip_path))
			goto out;
		d.ecfg.geo = d.geo;
	}
	if (open_health_bits(&d))
		goto out;
	if (engine_new(&d.engine, d.zs, &d.ecfg)) {
		log_err(PROG ": cannot set up the query engine");
		goto out;
	}
	if (d.state_dir) {
		if (open_store(&d))
			goto out;
	} else {
		for (i = 0; i < d.nzones; i++) {
			if (stop_requested()) {
				log_info(PROG ": stopped while loading zones");
				ret = 0;
				goto out;
			}
			if (load_zone(&d, i, false))
				goto out;
		}
		if (!d.nzones)
			log_warn(PROG ": no --zone given: every query will be REFUSED");
	}
	{
		struct server_udp_opts uo = { .engine = d.engine, .addrs = d.addrs,
					      .naddrs = d.naddrs, .threads = d.threads };
		struct server_tcp_opts to = { .engine = d.engine, .addrs = d.addrs,
					      .naddrs = d.naddrs, .threads = d.threads };

		if (server_udp_start(&d.udp, &uo) || server_tcp_start(&d.tcp, &to))
			goto out;
	}
	if (d.nifaces && start_xdp(&d))
		goto out;
	if (d.acfg.listen) {
		d.acfg.store = d.store;
		d.acfg.za = d.za;
		d.acfg.zs = d.zs;
		d.acfg.ms = d.ms;
		d.acfg.health_bits = d.health_bits;
		d.acfg.health = d.health;
		d.acfg.counters_fd = d.xl ? xdp_loader_counters_fd(d.xl) : -1;
		if (api_start(&d.api, &d.acfg))
			goto out;
	}
	/* Probes start once every zone is served, XDP included. */
	if (d.health && health_start(d.health))
		goto out;
	log_info(PROG ": ready");

	for (;;) {
		sig = sigwaitinfo(&sigs, NULL);
		if (sig < 0)
			continue;
		if (sig == SIGHUP) {
			reload(&d);
			continue;
		}
		log_info(PROG ": %s: stopping", strsignal(sig));
		break;
	}
	ret = 0;
out:
	shutdown_all(&d);
	rcu_unregister_thread();
	return ret;
}
