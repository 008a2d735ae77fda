/* SPDX-License-Identifier: GPL-2.0-only */
/* Loads the XDP responder, attaches it with libxdp, pins its maps under
 * /sys/fs/bpf/nameserve/<instance>/ and detaches it on close. */
#ifndef NAMESERVE_XDP_LOADER_H
#define NAMESERVE_XDP_LOADER_H

#include <stdint.h>

enum xdp_loader_mode { XDP_LOADER_AUTO, XDP_LOADER_NATIVE, XDP_LOADER_GENERIC };

struct xdp_loader_opts {
	const char		*instance;	/* pin directory name; NULL: "default" */
	enum xdp_loader_mode	mode;		/* AUTO: native, falling back to generic */
	uint16_t		dns_port;	/* 0: 53 */
};

struct xdp_loader;

/* Opens and loads the program and its maps (mounting bpffs when absent) and pins
 * the maps. Returns 0 or -errno with a logged reason. */
int xdp_loader_open(struct xdp_loader **out, const struct xdp_loader_opts *opts);
/* Attaches to one more interface. */
int xdp_loader_attach(struct xdp_loader *xl, const char *ifname);
/* The answers map of a tier and the counters map, for map_sync and stats. */
int xdp_loader_answers_fd(const struct xdp_loader *xl, int tier);
int xdp_loader_counters_fd(const struct xdp_loader *xl);
/* The seed of the answer maps' keys (fp_key_start()), for map_sync. */
uint64_t xdp_loader_name_seed(const struct xdp_loader *xl);
/* Any map of the program by its name in bpf/xdp_dns.bpf.c, or -ENOENT. */
int xdp_loader_map_fd(const struct xdp_loader *xl, const char *name);
/* The health map's one element, mmapped: what the health checker writes. */
struct fp_health *xdp_loader_health(struct xdp_loader *xl);
/* Detaches from every interface, unpins and frees. */
void xdp_loader_close(struct xdp_loader *xl);

#endif /* NAMESERVE_XDP_LOADER_H */
