// SPDX-License-Identifier: GPL-2.0-only
/* Loads the XDP responder, attaches it with libxdp (through the dispatcher when
 * the kernel supports it, directly otherwise) and pins its maps per instance. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "fastpath.h"
#include "fp_policy.h"
#include "log.h"
#include "xdp_loader.h"
#include "xdp_dns.skel.h"

#define XDP_LOADER_BPFFS	"/sys/fs/bpf"
#define XDP_LOADER_PROG		"xdp_dns"
#define XDP_LOADER_IFACES_MAX	64
#define XDP_LOADER_INSTANCE_MAX	64
#define XDP_LOADER_CAPTURE_MAX	(16 * 1024)

struct xdp_loader_iface {
	int			ifindex;
	char			name[IF_NAMESIZE];
	enum xdp_attach_mode	mode;
};

/*
 * Two opens of the same skeleton: "maps" is loaded at open with its program
 * disabled, so the maps exist (and are pinned and filled) before any attach;
 * "prog" is handed to libxdp unloaded and reuses every map of "maps". libxdp
 * must load the program itself, because under the dispatcher it loads it as
 * an extension (BPF_PROG_TYPE_EXT) and without it as plain XDP: either way the
 * program that runs uses the maps we pinned.
 */
struct xdp_loader {
	struct xdp_dns_bpf	*maps;
	struct xdp_dns_bpf	*prog;
	struct xdp_program	*xprog;
	enum xdp_loader_mode	mode;
	char			instance[XDP_LOADER_INSTANCE_MAX + 1];
	char			pin_dir[PATH_MAX];
	bool			pinned;
	struct xdp_loader_iface	ifaces[XDP_LOADER_IFACES_MAX];
	int			n_ifaces;
	struct fp_health	*health;	/* the health map's element, mmapped */
	size_t			health_len;
};

/*
 * libbpf and libxdp report every failed probe, and the dispatcher's
 * compatibility check fails on kernels without BPF_PROG_TYPE_EXT. While we
 * attach, their messages are held back and shown only if the attach fails.
 */
static struct {
	bool	on;
	char	buf[XDP_LOADER_CAPTURE_MAX];
	size_t	len;
} capture;

static int xdp_loader_print(enum log_level level, const char *fmt, va_list ap)
{
	char *msg = NULL, *text;
	size_t n, room;

	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (!capture.on) {
		log_msg(level, "%s", msg);
		goto out;
	}
	/* A verifier log says why at its end: keep the tail of a long one. */
	room = sizeof(capture.buf) - capture.len - 2;
	text = msg;
	if (n > room) {
		text = msg + n - room;
		n = room;
	}
	memcpy(capture.buf + capture.len, text, n);
	capture.len += n;
	capture.buf[capture.len++] = '\n';
out:
	free(msg);
	return 0;
}

static int xdp_loader_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return xdp_loader_print(level == LIBBPF_WARN ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG, fmt, ap);
}

static int xdp_loader_libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBXDP_DEBUG)
		return 0;
	return xdp_loader_print(level == LIBXDP_WARN ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG, fmt, ap);
}

static void capture_start(void)
{
	capture.len = 0;
	capture.on = true;
}

/* Replays what the libraries said, one log line per line, at level. */
static void capture_stop(enum log_level level)
{
	char *line, *save = NULL;

	capture.on = false;
	capture.buf[capture.len] = '\0';
	for (line = strtok_r(capture.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_msg(level, "%s", line);
	capture.len = 0;
}

static const char *mode_name(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? "generic" : "native";
}

static bool instance_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > XDP_LOADER_INSTANCE_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* `ip netns exec` mounts a fresh /sys without bpffs; a private one there is
 * enough for our pins and for libxdp's dispatcher state. */
static int xdp_loader_mount_bpffs(void)
{
	struct statfs st;
	int err;

	if (statfs(XDP_LOADER_BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(XDP_LOADER_BPFFS, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("xdp: mkdir %s: %s", XDP_LOADER_BPFFS, strerror(-err));
		return err;
	}
	if (mount("bpf", XDP_LOADER_BPFFS, "bpf", 0, "mode=0700")) {
		err = -errno;
		log_err("xdp: mount bpffs at %s: %s", XDP_LOADER_BPFFS, strerror(-err));
		return err;
	}
	log_info("xdp: mounted bpffs at %s", XDP_LOADER_BPFFS);
	return 0;
}

static int mkdir_one(const char *path)
{
	int err;

	if (mkdir(path, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("xdp: mkdir %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

/* The id of a loaded program that uses map_id, or 0 when none does. */
static __u32 map_user(__u32 map_id)
{
	__u32 id = 0, ids[64], i;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
		info.map_ids = (__u64)(unsigned long)ids;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
			if (info.nr_map_ids > sizeof(ids) / sizeof(ids[0]))
				info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
			for (i = 0; i < info.nr_map_ids; i++) {
				if (ids[i] == map_id) {
					close(fd);
					return id;
				}
			}
		}
		close(fd);
	}
	return 0;
}

static __u32 fd_map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* Another process holding a file descriptor of program prog_id, or 0: a live
 * nameserved keeps its program open, a crashed one does not. We skip
 * ourselves, since libxdp opened the program to show it to us. */
static pid_t prog_holder(__u32 prog_id)
{
	char path[PATH_MAX], link[64], line[128];
	struct dirent *p, *f;
	DIR *proc, *fds;
	pid_t pid = 0, self = getpid();
	FILE *info;

	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!pid && (p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9' || atoi(p->d_name) == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while (!pid && (f = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n < 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, "anon_inode:bpf-prog"))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", p->d_name, f->d_name);
			info = fopen(path, "r");
			if (!info)
				continue;
			while (fgets(line, sizeof(line), info)) {
				unsigned int id;

				if (sscanf(line, "prog_id: %u", &id) == 1 && id == prog_id) {
					pid = atoi(p->d_name);
					break;
				}
			}
			fclose(info);
		}
		closedir(fds);
	}
	closedir(proc);
	return pid;
}

/* The maps other tools read: the answer tiers first (their index is the
 * tier), the counters, and the steering maps. */
static struct bpf_map *pinned_map(const struct xdp_dns_bpf *skel, int i)
{
	struct bpf_map *maps[] = {
		skel->maps.answers_32, skel->maps.answers_64, skel->maps.answers_128,
		skel->maps.answers_256, skel->maps.counters, skel->maps.policies,
		skel->maps.health, skel->maps.geo_v4, skel->maps.geo_v6,
		skel->maps.policy_cidr_v4, skel->maps.policy_cidr_v6, skel->maps.policy_codes,
	};

	return i < (int)(sizeof(maps) / sizeof(maps[0])) ? maps[i] : NULL;
}

static int map_pin_path(char *buf, size_t cap, const struct xdp_loader *xl,
			const struct bpf_map *map)
{
	int n = snprintf(buf, cap, "%s/%s", xl->pin_dir, bpf_map__name(map));

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Pins left by an earlier run of this instance go; the log says whether a
 * live program was still using them, since that one loses its pins. */
static int remove_old_pins(const struct xdp_loader *xl)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	__u32 prog_id = 0;
	bool found = false;
	pid_t holder;
	int i, fd, err;

	for (i = 0; (map = pinned_map(xl->maps, i)); i++) {
		err = map_pin_path(path, sizeof(path), xl, map);
		if (err)
			return err;
		fd = bpf_obj_get(path);
		if (fd < 0 && errno == ENOENT)
			continue;
		found = true;
		if (fd >= 0) {
			if (!prog_id)
				prog_id = map_user(fd_map_id(fd));
			close(fd);
		}
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			log_err("xdp: unlink %s: %s", path, strerror(-err));
			return err;
		}
	}
	holder = prog_id ? prog_holder(prog_id) : 0;
	if (holder)
		log_warn("xdp: instance %s is in use by process %d (prog id %u); replacing its pins",
			 xl->instance, (int)holder, prog_id);
	else if (found)
		log_info("xdp: replacing stale pins of instance %s", xl->instance);
	return 0;
}

static void xdp_loader_unpin(struct xdp_loader *xl)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	bool ours;
	int i, fd;

	if (!xl->pinned)
		return;
	for (i = 0; (map = pinned_map(xl->maps, i)); i++) {
		if (map_pin_path(path, sizeof(path), xl, map))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		/* Another process may have taken the instance over since. */
		ours = fd_map_id(fd) == fd_map_id(bpf_map__fd(map));
		close(fd);
		if (ours && unlink(path) && errno != ENOENT)
			log_warn("xdp: unlink %s: %s", path, strerror(errno));
	}
	if (rmdir(xl->pin_dir) && errno != ENOENT && errno != ENOTEMPTY)
		log_warn("xdp: rmdir %s: %s", xl->pin_dir, strerror(errno));
	/* Only when no other instance is left. */
	rmdir(FP_PIN_ROOT);
	xl->pinned = false;
}

static int xdp_loader_pin(struct xdp_loader *xl)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int i, err;

	/* Another instance's close removes the root when it empties it: retry. */
	for (i = 0; i < 3; i++) {
		err = mkdir_one(FP_PIN_ROOT);
		if (err)
			return err;
		if (!mkdir(xl->pin_dir, 0700) || errno == EEXIST)
			break;
		err = -errno;
		if (err != -ENOENT || i == 2) {
			log_err("xdp: mkdir %s: %s", xl->pin_dir, strerror(-err));
			return err;
		}
	}
	xl->pinned = true;
	err = remove_old_pins(xl);
	if (err)
		return err;
	for (i = 0; (map = pinned_map(xl->maps, i)); i++) {
		err = map_pin_path(path, sizeof(path), xl, map);
		if (err)
			return err;
		if (bpf_obj_pin(bpf_map__fd(map), path)) {
			err = -errno;
			log_err("xdp: pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Points every map of the program's object at the loaded maps. */
static int xdp_loader_share_maps(struct xdp_loader *xl)
{
	struct bpf_map *map, *own;
	int err;

	bpf_object__for_each_map(map, xl->prog->obj) {
		own = bpf_object__find_map_by_name(xl->maps->obj, bpf_map__name(map));
		if (!own) {
			log_err("xdp: map %s missing from the loaded object", bpf_map__name(map));
			return -ENOENT;
		}
		err = bpf_map__reuse_fd(map, bpf_map__fd(own));
		if (err) {
			log_err("xdp: reuse map %s: %s", bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	return 0;
}

int xdp_loader_open(struct xdp_loader **out, const struct xdp_loader_opts *opts)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts, .prog_name = XDP_LOADER_PROG);
	const char *instance = opts && opts->instance ? opts->instance : "default";
	uint16_t port = opts && opts->dns_port ? opts->dns_port : 53;
	struct xdp_loader *xl;
	uint64_t seed;
	int err, n;

	*out = NULL;
	if (!instance_valid(instance)) {
		log_err("xdp: instance name '%s': use 1-%d of [A-Za-z0-9._-], not starting with '.'",
			instance, XDP_LOADER_INSTANCE_MAX);
		return -EINVAL;
	}
	xl = calloc(1, sizeof(*xl));
	if (!xl)
		return -ENOMEM;
	xl->mode = opts ? opts->mode : XDP_LOADER_AUTO;
	strcpy(xl->instance, instance);
	n = snprintf(xl->pin_dir, sizeof(xl->pin_dir), "%s/%s", FP_PIN_ROOT, instance);
	if (n < 0 || (size_t)n >= sizeof(xl->pin_dir)) {
		err = -ENAMETOOLONG;
		goto out;
	}

	libbpf_set_print(xdp_loader_libbpf_print);
	libxdp_set_print(xdp_loader_libxdp_print);

	err = xdp_loader_mount_bpffs();
	if (err)
		goto out;
	/* Fresh at every start: nobody can choose names whose answer keys
	 * collide and push each other off the fast path. */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
		err = -errno;
		log_err("xdp: getrandom: %s", strerror(-err));
		goto out;
	}

	xl->maps = xdp_dns_bpf__open();
	if (!xl->maps) {
		err = -errno;
		log_err("xdp: open %s object: %s", XDP_LOADER_PROG, strerror(-err));
		goto out;
	}
	xl->maps->rodata->dns_port = port;
	xl->maps->rodata->name_seed = seed;
	bpf_program__set_autoload(xl->maps->progs.xdp_dns, false);
	err = xdp_dns_bpf__load(xl->maps);
	if (err) {
		log_err("xdp: create maps: %s", strerror(-err));
		goto out;
	}
	err = xdp_loader_pin(xl);
	if (err)
		goto out;

	xl->prog = xdp_dns_bpf__open();
	if (!xl->prog) {
		err = -errno;
		log_err("xdp: open %s object: %s", XDP_LOADER_PROG, strerror(-err));
		goto out;
	}
	xl->prog->rodata->dns_port = port;
	xl->prog->rodata->name_seed = seed;
	err = xdp_loader_share_maps(xl);
	if (err)
		goto out;
	xopts.obj = xl->prog->obj;
	xl->xprog = xdp_program__create(&xopts);
	err = -libxdp_get_error(xl->xprog);
	if (err) {
		xl->xprog = NULL;
		log_err("xdp: create program %s: %s", XDP_LOADER_PROG, strerror(-err));
		goto out;
	}
	log_info("xdp: instance %s: maps pinned under %s", instance, xl->pin_dir);
	*out = xl;
out:
	if (err) {
		if (err == -ENAMETOOLONG)
			log_err("xdp: instance %s: pin path too long", instance);
		xdp_loader_close(xl);
	}
	return err;
}

/* The program that runs must use the maps we pinned: check the kernel's view. */
static int xdp_loader_check_maps(const struct xdp_loader *xl)
{
	__u32 want = fd_map_id(bpf_map__fd(xl->maps->maps.counters));
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[16], i;
	int fd = xdp_program__fd(xl->xprog);

	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno ?: -EINVAL;
	if (info.nr_map_ids > sizeof(ids) / sizeof(ids[0]))
		info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	for (i = 0; i < info.nr_map_ids; i++)
		if (ids[i] == want)
			return 0;
	return -ESTALE;
}

static const char *attach_path(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	const char *path = "direct";

	if (libxdp_get_error(mp) || !mp)
		return "unknown";
	if (!xdp_multiprog__is_legacy(mp))
		path = "dispatcher";
	xdp_multiprog__close(mp);
	return path;
}

/*
 * Without the dispatcher an XDP program outlives the process that attached
 * it. An xdp_dns nobody holds any more was left by a nameserved that died
 * without cleaning up: take it off, so a restart after a crash works. One a
 * live process holds is another instance's: refuse.
 */
static int reclaim_leftover(int ifindex, const char *ifname)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *prog = NULL;
	int err = 0;
	pid_t pid;

	if (!mp || libxdp_get_error(mp))
		return 0;
	for (;;) {
		prog = xdp_multiprog__is_legacy(mp) ?
			(prog ? NULL : xdp_multiprog__main_prog(mp)) :
			xdp_multiprog__next_prog(prog, mp);
		if (!prog)
			break;
		if (strcmp(xdp_program__name(prog), XDP_LOADER_PROG))
			continue;
		pid = prog_holder(xdp_program__id(prog));
		if (pid) {
			log_err("xdp: attach %s: %s (prog id %u) of process %d is attached already",
				ifname, XDP_LOADER_PROG, xdp_program__id(prog), (int)pid);
			err = -EBUSY;
			break;
		}
		log_warn("xdp: %s: detaching %s (prog id %u) left by a process that is gone",
			 ifname, XDP_LOADER_PROG, xdp_program__id(prog));
		capture_start();
		err = xdp_program__detach(prog, ifindex, xdp_multiprog__attach_mode(mp), 0);
		capture_stop(err ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG);
		if (err) {
			log_err("xdp: %s: detach leftover prog id %u: %s", ifname,
				xdp_program__id(prog), strerror(-err));
			break;
		}
	}
	xdp_multiprog__close(mp);
	return err;
}

static int attach_mode(struct xdp_loader *xl, int ifindex, enum xdp_attach_mode mode)
{
	int err;

	capture_start();
	err = xdp_program__attach(xl->xprog, ifindex, mode, 0);
	capture_stop(err ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG);
	return err;
}

int xdp_loader_attach(struct xdp_loader *xl, const char *ifname)
{
	enum xdp_attach_mode mode;
	struct xdp_loader_iface *ifc;
	int ifindex, err, i;

	if (!xl || !ifname)
		return -EINVAL;
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		err = -errno;
		log_err("xdp: attach %s: %s", ifname, strerror(-err));
		return err;
	}
	for (i = 0; i < xl->n_ifaces; i++) {
		if (xl->ifaces[i].ifindex == ifindex) {
			log_err("xdp: attach %s: already attached", ifname);
			return -EEXIST;
		}
	}
	if (xl->n_ifaces == XDP_LOADER_IFACES_MAX) {
		log_err("xdp: attach %s: more than %d interfaces", ifname, XDP_LOADER_IFACES_MAX);
		return -E2BIG;
	}

	err = reclaim_leftover(ifindex, ifname);
	if (err)
		return err;

	mode = xl->mode == XDP_LOADER_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	err = attach_mode(xl, ifindex, mode);
	if (err && xl->mode == XDP_LOADER_AUTO) {
		log_warn("xdp: attach %s native: %s; trying generic", ifname, strerror(-err));
		mode = XDP_MODE_SKB;
		err = attach_mode(xl, ifindex, mode);
	}
	if (err) {
		log_err("xdp: attach %s %s: %s", ifname, mode_name(mode), strerror(-err));
		return err;
	}

	ifc = &xl->ifaces[xl->n_ifaces++];
	ifc->ifindex = ifindex;
	ifc->mode = mode;
	snprintf(ifc->name, sizeof(ifc->name), "%s", ifname);

	err = xdp_loader_check_maps(xl);
	if (err) {
		log_err("xdp: attach %s: the attached program does not use the pinned maps: %s",
			ifname, strerror(-err));
		xdp_program__detach(xl->xprog, ifindex, mode, 0);
		xl->n_ifaces--;
		return err;
	}
	log_info("xdp: attached %s to %s (%s, %s, prog id %u)", XDP_LOADER_PROG, ifname,
		 mode_name(mode), attach_path(ifindex), xdp_program__id(xl->xprog));
	return 0;
}

int xdp_loader_answers_fd(const struct xdp_loader *xl, int tier)
{
	struct bpf_map *map;

	if (!xl || tier < 0 || tier >= FP_TIERS)
		return -EINVAL;
	map = pinned_map(xl->maps, tier);
	return bpf_map__fd(map);
}

uint64_t xdp_loader_name_seed(const struct xdp_loader *xl)
{
	return xl ? xl->maps->rodata->name_seed : 0;
}

int xdp_loader_counters_fd(const struct xdp_loader *xl)
{
	if (!xl)
		return -EINVAL;
	return bpf_map__fd(xl->maps->maps.counters);
}

int xdp_loader_map_fd(const struct xdp_loader *xl, const char *name)
{
	struct bpf_map *map;

	if (!xl || !name)
		return -EINVAL;
	map = bpf_object__find_map_by_name(xl->maps->obj, name);
	if (!map)
		return -ENOENT;
	return bpf_map__fd(map);
}

/* The map is BPF_F_MMAPABLE: the health checker flips bits in place and the
 * program sees them at once, with no syscall per change. */
struct fp_health *xdp_loader_health(struct xdp_loader *xl)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!xl)
		return NULL;
	if (xl->health)
		return xl->health;
	xl->health_len = (sizeof(struct fp_health) + page - 1) / page * page;
	p = mmap(NULL, xl->health_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(xl->maps->maps.health), 0);
	if (p == MAP_FAILED) {
		log_err("xdp: mmap the health map: %s", strerror(errno));
		return NULL;
	}
	xl->health = p;
	return xl->health;
}

void xdp_loader_close(struct xdp_loader *xl)
{
	struct xdp_loader_iface *ifc;
	int err;

	if (!xl)
		return;
	while (xl->n_ifaces > 0) {
		char name[IF_NAMESIZE];

		ifc = &xl->ifaces[--xl->n_ifaces];
		/* A deleted link took its program with it. */
		if (!if_indextoname(ifc->ifindex, name)) {
			log_info("xdp: %s is gone; nothing to detach", ifc->name);
			continue;
		}
		capture_start();
		err = xdp_program__detach(xl->xprog, ifc->ifindex, ifc->mode, 0);
		capture_stop(err ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG);
		if (err)
			log_warn("xdp: detach %s %s: %s", ifc->name, mode_name(ifc->mode),
				 strerror(-err));
		else
			log_info("xdp: detached from %s", ifc->name);
	}
	xdp_program__close(xl->xprog);
	if (xl->health)
		munmap(xl->health, xl->health_len);
	xdp_loader_unpin(xl);
	xdp_dns_bpf__destroy(xl->prog);
	xdp_dns_bpf__destroy(xl->maps);
	free(xl);
}
