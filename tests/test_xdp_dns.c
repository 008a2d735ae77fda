// SPDX-License-Identifier: GPL-2.0-only
/* BPF_PROG_TEST_RUN tests of bpf/xdp_dns.bpf.c: crafted frames in, verdict,
 * counter and exact reply bytes out, each reply rebuilt here independently. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fp_answer.h"
#include "pkt_builder.h"
#include "xdp_fixture.h"

#define T_DNS_PORT	53
#define T_OUT_MAX	4096
#define T_GARBAGE	3000	/* random frames per run, fixed seed */
#define T_NAME_SEED	0x5eed0f0a11ce5ULL	/* the answer keys' (name_seed) */

struct t_entry {
	char		name[300];
	uint16_t	qtype;
	uint8_t		rrs[FP_ANSWER_MAX];
	size_t		len;
	uint16_t	ancount;
	uint32_t	flags;
};

static struct {
	struct xdp_dns_bpf *skel;
	int		prog_fd;
	int		answers_fd[FP_TIERS];
	int		counters_fd;
	struct t_entry	entries[32];
	int		nentries;
	char		name32[300], name33[300], name64[300], name65[300];
	char		name128[300], name129[300], name255[300], name256[300];
} t;

/* A text name whose wire form is exactly @wire_len bytes, labels of @c. */
static void t_mkname(char *out, size_t wire_len, char c)
{
	size_t left = wire_len - 1, o = 0, lab;

	while (left > 0) {
		lab = left - 1 > FP_LABEL_MAX ? FP_LABEL_MAX : left - 1;
		/* Never leave a single byte: it cannot hold a label. */
		if (left - 1 - lab == 1)
			lab--;
		memset(out + o, c, lab);
		o += lab;
		out[o++] = '.';
		left -= lab + 1;
	}
	out[o] = 0;
}

static struct t_entry *t_add(const char *name, uint16_t qtype, uint32_t flags)
{
	struct t_entry *e = &t.entries[t.nentries++];

	snprintf(e->name, sizeof(e->name), "%s", name);
	e->qtype = qtype;
	e->flags = flags;
	return e;
}

static void t_add_a(const char *name, uint8_t last, uint32_t flags)
{
	struct t_entry *e = t_add(name, 1, flags);
	uint8_t a[4] = { 198, 18, 0, last };

	e->len = pb_rr(e->rrs, 1, 300, a, 4);
	e->ancount = 1;
}

static void t_add_txt(const char *name, size_t text_len)
{
	struct t_entry *e = t_add(name, 16, 0);
	uint8_t rdata[256];

	rdata[0] = text_len;
	memset(rdata + 1, 't', text_len);
	e->len = pb_rr(e->rrs, 16, 3600, rdata, text_len + 1);
	e->ancount = 1;
}

static const struct t_entry *t_find(const uint8_t *wire, size_t len, uint16_t qtype)
{
	uint8_t lower[300], ew[300];
	size_t i;
	int j;

	for (i = 0; i < len; i++)
		lower[i] = (wire[i] >= 'A' && wire[i] <= 'Z') ? wire[i] + 32 : wire[i];
	for (j = 0; j < t.nentries; j++) {
		const struct t_entry *e = &t.entries[j];

		if (e->qtype == qtype && pb_name(ew, e->name) == len && !memcmp(ew, lower, len))
			return e;
	}
	return NULL;
}

static int t_install(void)
{
	struct fp_answer a;
	int i, err;

	for (i = 0; i < t.nentries; i++) {
		const struct t_entry *e = &t.entries[i];

		err = fp_answer_build(&a, e->rrs, e->len, e->ancount, e->flags);
		if (err)
			return err;
		err = xf_install(t.answers_fd, T_NAME_SEED, e->name, e->qtype, &a);
		if (err < 0)
			return err;
	}
	return 0;
}

static int group_setup(void **state)
{
	uint8_t rdata[64];
	struct t_entry *e;
	int err;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_xdp_dns: BPF_PROG_TEST_RUN needs root: skipping\n");
		return 0;
	}
	t.skel = xdp_dns_bpf__open();
	if (!t.skel)
		return -1;
	t.skel->rodata->dns_port = T_DNS_PORT;
	t.skel->rodata->name_seed = T_NAME_SEED;
	err = xdp_dns_bpf__load(t.skel);
	if (err) {
		fprintf(stderr, "test_xdp_dns: load: %s\n", strerror(-err));
		return -1;
	}
	t.prog_fd = bpf_program__fd(t.skel->progs.xdp_dns);
	xf_answers_fds(t.skel, t.answers_fd);
	t.counters_fd = bpf_map__fd(t.skel->maps.counters);

	t_mkname(t.name32, 32, 'a');
	t_mkname(t.name33, 33, 'b');
	t_mkname(t.name64, 64, 'c');
	t_mkname(t.name65, 65, 'd');
	t_mkname(t.name128, 128, 'e');
	t_mkname(t.name129, 129, 'f');
	t_mkname(t.name255, 255, 'g');
	t_mkname(t.name256, 256, 'h');

	t_add_a("www.example.com.", 10, 0);
	e = t_add("www.example.com.", 28, 0);
	memset(rdata, 0, 16);
	rdata[0] = 0x20, rdata[1] = 0x01, rdata[2] = 0x0d, rdata[3] = 0xb8, rdata[15] = 1;
	e->len = pb_rr(e->rrs, 28, 300, rdata, 16);
	rdata[15] = 2;
	e->len += pb_rr(e->rrs + e->len, 28, 300, rdata, 16);
	e->ancount = 2;
	t_add_txt("odd.example.com.", 4);	/* 17-byte record at an odd offset */
	t_add_txt("even.example.com.", 4);	/* 17-byte record at an even offset */
	t_add_a("even.example.com.", 11, 0);
	t_add_a("signed.example.com.", 12, FP_ANSWER_F_PASS_DO);
	e = t_add(".", 2, 0);
	e->len = pb_rr(e->rrs, 2, 518400, "\x01" "a" "\x0c" "root-servers" "\x03" "net", 20);
	e->ancount = 1;
	t_add_a(t.name32, 32, 0);
	t_add_a(t.name33, 33, 0);
	t_add_a(t.name64, 64, 0);
	t_add_a(t.name65, 65, 0);
	t_add_a(t.name128, 128, 0);
	t_add_a(t.name129, 129, 0);
	t_add_a(t.name255, 255, 0);
	/* Entries the program must not trust or may answer as they are. */
	e = t_add("short.example.com.", 1, 0);
	memcpy(e->rrs, "\xc0\x0c\x00\x01\x00", 5);
	e->len = 5;
	e->ancount = 1;
	e = t_add("empty.example.com.", 1, 0);
	e->len = 0;
	e->ancount = 0;
	/* 12 + 259 + 256 = 527: over 512 without EDNS, 538 with our OPT. */
	t_add_txt(t.name255, FP_ANSWER_MAX - 12 - 1);

	err = t_install();
	if (err) {
		fprintf(stderr, "test_xdp_dns: filling maps: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	xdp_dns_bpf__destroy(t.skel);
	return 0;
}

/* Runs the program once; returns the kernel's error or 0 with retval set. */
static int t_run(const uint8_t *in, size_t len, uint8_t *out, uint32_t *out_len,
		 uint32_t *retval)
{
	return xf_run(t.prog_fd, in, len, out, T_OUT_MAX, out_len, retval);
}

/* Runs and checks that exactly @counter moved, by one. */
static uint32_t t_run_counted(const uint8_t *in, size_t len, uint8_t *out, uint32_t *out_len,
			      int counter)
{
	uint32_t retval = XDP_ABORTED;
	int moved;

	assert_int_equal(xf_run_counted(t.prog_fd, t.counters_fd, in, len, out, T_OUT_MAX,
					out_len, &retval, &moved), 0);
	if (moved != counter)
		fail_msg("counter %d moved, expected counter %d", moved, counter);
	return retval;
}

struct tcase {
	const char	*desc;
	const char	*qname;		/* NULL: www.example.com. */
	const char	*const *qname_p;/* a generated name, instead of qname */
	uint16_t	qtype;		/* 0: A */
	int		family;		/* 0: IPv4 */
	bool		edns;
	uint16_t	edns_size;	/* 0: 1232 */
	bool		edns_do;
	void		(*tweak)(struct pb_frame *f, struct pb_dns *d);
	int		verdict;	/* XDP_TX or XDP_PASS */
	int		counter;
};

static void t_defaults(const struct tcase *c, struct pb_frame *f, struct pb_dns *d)
{
	static const uint8_t v4c[4] = { 198, 18, 0, 1 }, v4s[4] = { 198, 18, 0, 2 };
	static const uint8_t v6c[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t v6s[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	const char *name = c->qname_p ? *c->qname_p : c->qname ? c->qname : "www.example.com.";

	memset(f, 0, sizeof(*f));
	memcpy(f->dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(f->src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	f->family = c->family ? c->family : 4;
	if (f->family == 4) {
		memcpy(f->saddr, v4c, 4);
		memcpy(f->daddr, v4s, 4);
	} else {
		memcpy(f->saddr, v6c, 16);
		memcpy(f->daddr, v6s, 16);
	}
	f->ttl = 61;
	f->ip_id = 0x1234;
	f->frag_off = 0x4000;	/* DF */
	f->proto = 17;
	f->sport = 40000;
	f->dport = T_DNS_PORT;

	memset(d, 0, sizeof(*d));
	d->id = 0xbeef;
	d->flags = 0x0100;	/* RD */
	d->qdcount = 1;
	d->arcount = -1;
	d->qname_len = pb_name(d->qname, name);
	d->qtype = c->qtype ? c->qtype : 1;
	d->qclass = 1;
	d->edns = c->edns;
	d->edns_size = c->edns_size ? c->edns_size : 1232;
	d->edns_do = c->edns_do;
}

/* The reply the engine would send, built from the query's own fields. */
static size_t t_expected(const struct pb_frame *qf, const struct pb_dns *qd, uint8_t *out)
{
	const struct t_entry *e = t_find(qd->qname, qd->qname_len, qd->qtype);

	assert_non_null(e);
	return pb_reply_build(out, qf, qd, e->rrs, e->len, e->ancount);
}

/* One case; a reply that must grow the frame by more than @grow_max bytes is
 * expected to be passed up as an error instead. */
static void t_case(const struct tcase *c, long grow_max)
{
	uint8_t msg[PB_FRAME_MAX], in[PB_FRAME_MAX], out[T_OUT_MAX], exp[PB_FRAME_MAX];
	int verdict = c->verdict, counter = c->counter;
	struct pb_frame f;
	struct pb_dns d;
	size_t mlen, len, elen = 0;
	uint32_t out_len, retval;

	t_defaults(c, &f, &d);
	if (c->tweak)
		c->tweak(&f, &d);
	mlen = pb_dns_build(msg, &d);
	len = pb_build(in, sizeof(in), &f, msg, mlen);
	assert_true(len > 0);
	if (verdict == XDP_TX) {
		elen = t_expected(&f, &d, exp);
		if ((long)elen - (long)len > grow_max) {
			verdict = XDP_PASS;
			counter = FP_PASS_ERROR;
		}
	}

	retval = t_run_counted(in, len, out, &out_len, counter);
	if (retval != (uint32_t)verdict) {
		xf_dump("query", in, len);
		fail_msg("%s: verdict %u, expected %d", c->desc, retval, verdict);
	}
	if (verdict != XDP_TX) {
		/* Passed up untouched, byte for byte. */
		assert_int_equal(out_len, len);
		assert_memory_equal(out, in, len);
		return;
	}
	if (out_len != elen || memcmp(out, exp, elen)) {
		xf_dump("query", in, len);
		xf_dump("reply", out, out_len);
		xf_dump("expected", exp, elen);
		fail_msg("%s: reply differs from the engine's", c->desc);
	}
	assert_int_equal(pb_verify_csums(out, out_len), 0);
}

static void run_case(void **state)
{
	if (!t.skel)
		skip();
	t_case(*state, LONG_MAX);
}

/* Tweaks: each changes the default query in one way. */
static void tw_vlan1(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->nvlan = 1;
	f->vlan_tpid[0] = 0x8100;
	f->vlan_tci[0] = 0x0064;
}

static void tw_vlan2(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->nvlan = 2;
	f->vlan_tpid[0] = 0x88a8;
	f->vlan_tci[0] = 0x00c8;
	f->vlan_tpid[1] = 0x8100;
	f->vlan_tci[1] = 0x2064;
}

static void tw_vlan3(struct pb_frame *f, struct pb_dns *d)
{
	tw_vlan2(f, d);
	f->nvlan = 3;
	f->vlan_tpid[2] = 0x8100;
	f->vlan_tci[2] = 0x0001;
}

static void tw_flags_rd_cd_ad(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->flags = 0x0100 | 0x0020 | 0x0010;
}

static void tw_no_rd(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->flags = 0;
}

static void tw_cookie(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	pb_edns_opt(d, 10, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}

static void tw_cookie_server(struct pb_frame *f, struct pb_dns *d)
{
	static const uint8_t c[24] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

	(void)f;
	pb_edns_opt(d, 10, c, sizeof(c));
}

static void tw_nsid(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	pb_edns_opt(d, 3, NULL, 0);
}

static void tw_cookie_nsid(struct pb_frame *f, struct pb_dns *d)
{
	tw_cookie(f, d);
	tw_nsid(f, d);
}

static void tw_nine_cookies(struct pb_frame *f, struct pb_dns *d)
{
	int i;

	for (i = 0; i < 9; i++)
		tw_cookie(f, d);
}

static void tw_eight_cookies(struct pb_frame *f, struct pb_dns *d)
{
	int i;

	for (i = 0; i < 8; i++)
		tw_cookie(f, d);
}

static void tw_opt_overrun(struct pb_frame *f, struct pb_dns *d)
{
	tw_cookie(f, d);
	d->edns_opts[3] = 12;	/* the option claims 16 bytes, RDLENGTH holds 12 */
}

static void tw_opt_short_header(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->edns_opts[0] = 0;
	d->edns_opts[1] = 10;
	d->edns_opts_len = 2;	/* half an option header */
}

static void tw_opt_rdlen_past_end(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->opt_rdlen_delta = 1;
}

static void tw_opt_trailing(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->trailer_len = 3;
}

static void tw_edns_v1(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->edns_version = 1;
}

static void tw_opt_owner(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->opt_owner = 'x';
}

static void tw_opt_not_opt(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->opt_type = 250;	/* TSIG-typed, root owner */
}

static void tw_opt_truncated(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->edns = false;
	d->arcount = 1;		/* announced, but only 5 bytes follow */
	memcpy(d->trailer, "\x00\x00\x29\x04\xd0", 5);
	d->trailer_len = 5;
}

static void tw_mixed_case(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->qname_len = pb_name(d->qname, "WwW.ExAmPlE.cOm.");
}

static void tw_upper_255(struct pb_frame *f, struct pb_dns *d)
{
	size_t i;

	(void)f;
	for (i = 0; i < d->qname_len; i++)
		if (d->qname[i] == 'g' && i % 3 == 0)
			d->qname[i] = 'G';
}

static void tw_label_64(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	memset(d->qname, 'x', 65);
	d->qname[0] = 64;
	d->qname[65] = 0;
	d->qname_len = 66;
}

static void tw_label_0x40(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->qname[0] = 0x41;	/* the reserved 01 label type */
}

static void tw_compressed(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	/* "www" then a pointer to offset 12: a loop, and not a plain name. */
	memcpy(d->qname, "\x03www\xc0\x0c", 6);
	d->qname_len = 6;
}

static void tw_no_root(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	/* The name runs into the question's type: no root before the end. */
	memcpy(d->qname, "\x03www\x07" "example", 12);
	d->qname_len = 12;
	d->qtype = 0x0301;
	d->qclass = 0x6301;
}

static void tw_response(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->flags |= 0x8000;
}

static void tw_notify(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->flags |= 4 << 11;
}

static void tw_tc(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->flags |= 0x0200;
}

static void tw_qd2(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->qdcount = 2;
}

static void tw_qd0(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->qdcount = 0;
}

static void tw_an1(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->ancount = 1;
}

static void tw_ns1(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->nscount = 1;
}

static void tw_ar2(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->arcount = 2;
}

static void tw_ch(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->qclass = 3;
}

static void tw_class_any(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->qclass = 255;
}

static void tw_trailing(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->trailer_len = 1;
}

static void tw_ihl6(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	memcpy(f->ipopt, "\x01\x01\x01\x00", 4);	/* NOP NOP NOP EOL */
	f->ipopt_len = 4;
}

static void tw_ihl15(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	/* Record Route with room for nine addresses, then EOL. */
	memset(f->ipopt, 0, 40);
	f->ipopt[0] = 7;
	f->ipopt[1] = 39;
	f->ipopt[2] = 4;
	f->ipopt_len = 40;
}

static void tw_ihl15_vlan2(struct pb_frame *f, struct pb_dns *d)
{
	tw_ihl15(f, d);
	tw_vlan2(f, d);
}

static void tw_frag_mf(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->frag_off = 0x2000;
}

static void tw_frag_off(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->frag_off = 0x0010;
}

static void tw_no_df(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->frag_off = 0;
	f->tos = 0xb8;
}

static void tw_v6_hbh(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->v6_ext_on = true;
	f->v6_ext = 0;
}

static void tw_v6_dstopts(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->v6_ext_on = true;
	f->v6_ext = 60;
}

static void tw_v6_routing(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->v6_ext_on = true;
	f->v6_ext = 43;
}

static void tw_v6_frag(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->v6_ext_on = true;
	f->v6_ext = 44;
}

static void tw_tcp(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->proto = 6;
}

static void tw_icmp6(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->proto = 58;
}

static void tw_other_port(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->dport = 5353;
}

static void tw_from_53(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->sport = 53;
}

static void tw_sport0(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->sport = 0;
}

static void tw_arp(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->family = 0;
	f->ethertype = 0x0806;
}

static void tw_pad_root(struct pb_frame *f, struct pb_dns *d)
{
	d->qname_len = pb_name(d->qname, ".");
	d->qtype = 2;
	/* 14 + 20 + 8 + 17 = 59 bytes: the NIC pads to the 60-byte minimum. */
	f->trailer_len = 1;
}

static void tw_junk_trailer(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->trailer_len = 24;
	f->trailer_byte = 0xa5;
}

static void tw_junk_trailer_v6_vlan(struct pb_frame *f, struct pb_dns *d)
{
	tw_vlan1(f, d);
	tw_junk_trailer(f, d);
}

static void tw_udp_len_long(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->udp_len_delta = 1;
}

static void tw_udp_len_short(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	/* The message then ends inside the question. */
	f->udp_len_delta = -1;
}

static void tw_udp_len_tiny(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->udp_len_delta = -(int)(d->qname_len + 4 + 1);	/* an 11-byte header */
}

static void tw_ip_len_long(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->ip_len_delta = 1;
}

static void tw_ip_len_short(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->ip_len_delta = -1;	/* UDP then claims more than IP carries */
}

static void tw_udp_csum0(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->udp_csum_zero = true;
}

static void tw_size_100(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->edns_size = 100;
}

static void tw_size_537(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->edns_size = 537;
}

static void tw_size_538(struct pb_frame *f, struct pb_dns *d)
{
	(void)f;
	d->edns_size = 538;
}

static void tw_ttl1(struct pb_frame *f, struct pb_dns *d)
{
	(void)d;
	f->ttl = 1;
}

static const char *const p32 = t.name32, *const p33 = t.name33, *const p64 = t.name64;
static const char *const p65 = t.name65, *const p128 = t.name128, *const p129 = t.name129;
static const char *const p255 = t.name255, *const p256 = t.name256;

#define TX	XDP_TX, FP_TX_ANSWER
#define PASS(c)	XDP_PASS, FP_PASS_##c

static const struct tcase cases[] = {
	{ "IPv4 A, no EDNS", .verdict = TX },
	{ "IPv6 A, no EDNS", .family = 6, .verdict = TX },
	{ "IPv6 AAAA (two records) with EDNS", .family = 6, .qtype = 28, .edns = true, .verdict = TX },
	{ "IPv4 AAAA with EDNS", .qtype = 28, .edns = true, .verdict = TX },
	{ "IPv4 one VLAN tag", .tweak = tw_vlan1, .verdict = TX },
	{ "IPv4 two VLAN tags (802.1ad + 802.1Q)", .tweak = tw_vlan2, .verdict = TX },
	{ "IPv6 one VLAN tag, EDNS", .family = 6, .edns = true, .tweak = tw_vlan1, .verdict = TX },
	{ "IPv6 two VLAN tags", .family = 6, .tweak = tw_vlan2, .verdict = TX },
	{ "three VLAN tags are not ours", .tweak = tw_vlan3, .verdict = PASS(NOT_DNS) },
	{ "RD and CD echoed, AD cleared", .tweak = tw_flags_rd_cd_ad, .verdict = TX },
	{ "RD clear stays clear", .tweak = tw_no_rd, .verdict = TX },
	{ "EDNS 1232, DO clear", .edns = true, .verdict = TX },
	{ "EDNS DO=1 echoed", .edns = true, .edns_do = true, .verdict = TX },
	{ "IPv6 EDNS DO=1 echoed", .family = 6, .edns = true, .edns_do = true, .verdict = TX },
	{ "DO=1 on a signed answer goes to the engine", .qname = "signed.example.com.",
	  .edns = true, .edns_do = true, .verdict = PASS(DNSSEC) },
	{ "DO=0 on a signed answer is answered", .qname = "signed.example.com.",
	  .edns = true, .verdict = TX },
	{ "signed answer without EDNS is answered", .qname = "signed.example.com.",
	  .verdict = TX },
	{ "client COOKIE ignored", .edns = true, .tweak = tw_cookie, .verdict = TX },
	{ "client+server COOKIE ignored", .edns = true, .edns_do = true,
	  .tweak = tw_cookie_server, .verdict = TX },
	{ "eight COOKIE options still walked", .edns = true, .tweak = tw_eight_cookies,
	  .verdict = TX },
	{ "nine options pass", .edns = true, .tweak = tw_nine_cookies, .verdict = PASS(EDNS) },
	{ "NSID option passes", .edns = true, .tweak = tw_nsid, .verdict = PASS(EDNS) },
	{ "COOKIE then NSID passes", .edns = true, .tweak = tw_cookie_nsid,
	  .verdict = PASS(EDNS) },
	{ "option longer than RDLENGTH passes", .edns = true, .tweak = tw_opt_overrun,
	  .verdict = PASS(EDNS) },
	{ "half an option header passes", .edns = true, .tweak = tw_opt_short_header,
	  .verdict = PASS(EDNS) },
	{ "EDNS version 1 passes (BADVERS)", .edns = true, .tweak = tw_edns_v1,
	  .verdict = PASS(EDNS) },
	{ "OPT with a non-root owner passes", .edns = true, .tweak = tw_opt_owner,
	  .verdict = PASS(EDNS) },
	{ "additional record that is not OPT passes", .edns = true, .tweak = tw_opt_not_opt,
	  .verdict = PASS(EDNS) },
	{ "OPT RDLENGTH past the message end", .edns = true, .tweak = tw_opt_rdlen_past_end,
	  .verdict = PASS(MALFORMED) },
	{ "bytes after OPT", .edns = true, .tweak = tw_opt_trailing, .verdict = PASS(MALFORMED) },
	{ "ARCOUNT 1 with a truncated OPT", .tweak = tw_opt_truncated,
	  .verdict = PASS(MALFORMED) },
	{ "mixed-case qname matched, case echoed", .tweak = tw_mixed_case, .verdict = TX },
	{ "IPv6 mixed-case qname", .family = 6, .edns = true, .tweak = tw_mixed_case,
	  .verdict = TX },
	{ "tier 0: 32-byte name", .qname_p = &p32, .verdict = TX },
	{ "tier 1: 33-byte name", .qname_p = &p33, .verdict = TX },
	{ "tier 1: 64-byte name", .qname_p = &p64, .edns = true, .verdict = TX },
	{ "tier 2: 65-byte name", .qname_p = &p65, .verdict = TX },
	{ "tier 2: 128-byte name", .qname_p = &p128, .family = 6, .verdict = TX },
	{ "tier 3: 129-byte name", .qname_p = &p129, .verdict = TX },
	{ "tier 3: 255-byte name", .qname_p = &p255, .edns = true, .verdict = TX },
	{ "tier 3: 255-byte name, mixed case", .qname_p = &p255, .family = 6,
	  .tweak = tw_upper_255, .verdict = TX },
	{ "256-byte name", .qname_p = &p256, .verdict = PASS(MALFORMED) },
	{ "64-byte label", .tweak = tw_label_64, .verdict = PASS(MALFORMED) },
	{ "label type 01", .tweak = tw_label_0x40, .verdict = PASS(MALFORMED) },
	{ "compression pointer in the qname", .tweak = tw_compressed,
	  .verdict = PASS(MALFORMED) },
	{ "qname without a root label", .tweak = tw_no_root, .verdict = PASS(MALFORMED) },
	{ "odd-length answer at an odd offset, EDNS", .qname = "odd.example.com.", .qtype = 16,
	  .edns = true, .verdict = TX },
	{ "odd-length answer at an even offset, EDNS", .qname = "even.example.com.",
	  .qtype = 16, .edns = true, .edns_do = true, .verdict = TX },
	{ "even-length answer at an even offset", .qname = "even.example.com.",
	  .family = 6, .edns = true, .verdict = TX },
	{ "a 5-byte answer entry is refused", .qname = "short.example.com.",
	  .verdict = PASS(ERROR) },
	{ "an empty answer entry gives an empty answer", .qname = "empty.example.com.",
	  .edns = true, .verdict = TX },
	{ "miss: unknown name", .qname = "nope.example.com.", .verdict = PASS(MISS) },
	{ "miss: known name, other type", .qtype = 15, .verdict = PASS(MISS) },
	{ "miss: IPv6 with EDNS", .qname = "nope.example.com.", .family = 6, .edns = true,
	  .verdict = PASS(MISS) },
	{ "TCP to port 53", .tweak = tw_tcp, .verdict = PASS(NOT_DNS) },
	{ "UDP to another port", .tweak = tw_other_port, .verdict = PASS(NOT_DNS) },
	{ "IPv6 ICMPv6", .family = 6, .tweak = tw_icmp6, .verdict = PASS(NOT_DNS) },
	{ "ARP", .tweak = tw_arp, .verdict = PASS(NOT_DNS) },
	{ "query from source port 53", .tweak = tw_from_53, .verdict = TX },
	{ "source port 0", .tweak = tw_sport0, .verdict = PASS(MALFORMED) },
	{ "response (QR=1)", .tweak = tw_response, .verdict = PASS(NOT_QUERY) },
	{ "NOTIFY opcode", .tweak = tw_notify, .verdict = PASS(NOT_QUERY) },
	{ "TC=1", .tweak = tw_tc, .verdict = PASS(NOT_QUERY) },
	{ "QDCOUNT 2", .tweak = tw_qd2, .verdict = PASS(MALFORMED) },
	{ "QDCOUNT 0", .tweak = tw_qd0, .verdict = PASS(MALFORMED) },
	{ "ANCOUNT 1", .tweak = tw_an1, .verdict = PASS(MALFORMED) },
	{ "NSCOUNT 1", .tweak = tw_ns1, .verdict = PASS(MALFORMED) },
	{ "ARCOUNT 2", .edns = true, .tweak = tw_ar2, .verdict = PASS(MALFORMED) },
	{ "class CH", .tweak = tw_ch, .verdict = PASS(CLASS) },
	{ "class ANY", .family = 6, .tweak = tw_class_any, .verdict = PASS(CLASS) },
	{ "a byte after the question, no EDNS", .tweak = tw_trailing,
	  .verdict = PASS(MALFORMED) },
	{ "IPv4 with options (IHL 6)", .tweak = tw_ihl6, .verdict = TX },
	{ "IPv4 with 40 bytes of options (IHL 15)", .edns = true, .tweak = tw_ihl15,
	  .verdict = TX },
	{ "IHL 15 and two VLAN tags", .edns = true, .tweak = tw_ihl15_vlan2, .verdict = TX },
	{ "IPv4 first fragment (MF)", .tweak = tw_frag_mf, .verdict = PASS(FRAGMENT) },
	{ "IPv4 later fragment (offset)", .tweak = tw_frag_off, .verdict = PASS(FRAGMENT) },
	{ "IPv4 without DF, TOS kept", .tweak = tw_no_df, .verdict = TX },
	{ "IPv4 TTL 1 query", .tweak = tw_ttl1, .verdict = TX },
	{ "IPv6 hop-by-hop options header", .family = 6, .tweak = tw_v6_hbh,
	  .verdict = PASS(FRAGMENT) },
	{ "IPv6 destination options header", .family = 6, .tweak = tw_v6_dstopts,
	  .verdict = PASS(FRAGMENT) },
	{ "IPv6 routing header", .family = 6, .tweak = tw_v6_routing,
	  .verdict = PASS(FRAGMENT) },
	{ "IPv6 fragment header", .family = 6, .tweak = tw_v6_frag, .verdict = PASS(FRAGMENT) },
	{ "short query with Ethernet padding", .tweak = tw_pad_root, .verdict = TX },
	{ "24 bytes of junk after the IPv4 packet", .edns = true, .tweak = tw_junk_trailer,
	  .verdict = TX },
	{ "junk after the IPv6 packet, VLAN", .family = 6, .tweak = tw_junk_trailer_v6_vlan,
	  .verdict = TX },
	{ "UDP length past the IP payload", .tweak = tw_udp_len_long,
	  .verdict = PASS(MALFORMED) },
	{ "UDP length ends inside the question", .tweak = tw_udp_len_short,
	  .verdict = PASS(MALFORMED) },
	{ "UDP length leaves an 11-byte header", .tweak = tw_udp_len_tiny,
	  .verdict = PASS(MALFORMED) },
	{ "IPv4 total length past the frame", .tweak = tw_ip_len_long,
	  .verdict = PASS(MALFORMED) },
	{ "IPv4 total length short of UDP's", .tweak = tw_ip_len_short,
	  .verdict = PASS(MALFORMED) },
	{ "IPv6 payload length past the frame", .family = 6, .tweak = tw_ip_len_long,
	  .verdict = PASS(MALFORMED) },
	{ "IPv6 payload length short of UDP's", .family = 6, .tweak = tw_ip_len_short,
	  .verdict = PASS(MALFORMED) },
	{ "IPv4 query without UDP checksum", .tweak = tw_udp_csum0, .verdict = TX },
	{ "527-byte reply without EDNS is too big", .qname_p = &p255, .qtype = 16,
	  .verdict = PASS(TOO_BIG) },
	{ "527+11-byte reply fits EDNS 1232", .qname_p = &p255, .qtype = 16, .edns = true,
	  .verdict = TX },
	{ "IPv6 538-byte reply fits EDNS 1232", .qname_p = &p255, .qtype = 16, .family = 6,
	  .edns = true, .edns_do = true, .verdict = TX },
	{ "EDNS size 100 counts as 512", .qname_p = &p255, .qtype = 16, .edns = true,
	  .tweak = tw_size_100, .verdict = PASS(TOO_BIG) },
	{ "EDNS size 537, reply 538", .qname_p = &p255, .qtype = 16, .edns = true,
	  .tweak = tw_size_537, .verdict = PASS(TOO_BIG) },
	{ "EDNS size 538, reply 538", .qname_p = &p255, .qtype = 16, .edns = true,
	  .tweak = tw_size_538, .verdict = TX },
};

/* Every prefix of an answerable query is passed up, never answered. */
static void t_truncations(const struct tcase *c)
{
	uint8_t msg[PB_FRAME_MAX], in[PB_FRAME_MAX], out[T_OUT_MAX];
	struct pb_frame f;
	struct pb_dns d;
	uint32_t out_len, retval;
	size_t len, cut;
	int err;

	if (!t.skel)
		skip();
	t_defaults(c, &f, &d);
	if (c->tweak)
		c->tweak(&f, &d);
	len = pb_build(in, sizeof(in), &f, msg, pb_dns_build(msg, &d));
	assert_int_equal(t_run(in, len, out, &out_len, &retval), 0);
	assert_int_equal(retval, XDP_TX);

	for (cut = 0; cut < len; cut++) {
		err = t_run(in, cut, out, &out_len, &retval);
		if (cut < 14) {
			/* The kernel runs no XDP program on less than an
			 * Ethernet header. */
			assert_int_equal(err, -EINVAL);
			continue;
		}
		assert_int_equal(err, 0);
		if (retval != XDP_PASS)
			fail_msg("%zu of %zu bytes: verdict %u", cut, len, retval);
		assert_int_equal(out_len, cut);
		assert_memory_equal(out, in, cut);
	}
}

static void test_truncated_ipv4(void **state)
{
	static const struct tcase c = { "IPv4", .edns = true, .tweak = tw_cookie };

	(void)state;
	t_truncations(&c);
}

static void test_truncated_ipv6(void **state)
{
	static const struct tcase c = { "IPv6", .family = 6, .edns = true,
					.tweak = tw_vlan1 };

	(void)state;
	t_truncations(&c);
}

static void test_truncated_ipv4_options(void **state)
{
	static const struct tcase c = { "IPv4 IHL 15", .qname_p = &p255,
					.tweak = tw_ihl15_vlan2 };

	(void)state;
	t_truncations(&c);
}

static uint64_t t_rand_state = 0x9e3779b97f4a7c15ULL;

static uint32_t t_rand(void)
{
	/* xorshift64*: fixed seed, the same frames on every run. */
	t_rand_state ^= t_rand_state >> 12;
	t_rand_state ^= t_rand_state << 25;
	t_rand_state ^= t_rand_state >> 27;
	return (t_rand_state * 0x2545f4914f6cdd1dULL) >> 32;
}

/* Random frames, from pure noise to valid headers around noise, never answered. */
static void test_garbage(void **state)
{
	static const struct tcase v4 = { .desc = "v4" }, v6 = { .desc = "v6", .family = 6 };
	uint8_t in[PB_FRAME_MAX], out[T_OUT_MAX], body[512];
	struct pb_frame f;
	struct pb_dns d;
	uint32_t out_len, retval;
	size_t len, blen, i;
	int n, kind;

	(void)state;
	if (!t.skel)
		skip();
	for (n = 0; n < T_GARBAGE; n++) {
		kind = n % 4;
		blen = t_rand() % 300;
		for (i = 0; i < blen; i++)
			body[i] = t_rand();
		if (kind == 0) {
			len = 14 + blen;
			for (i = 0; i < len; i++)
				in[i] = t_rand();
		} else {
			t_defaults(kind == 3 ? &v6 : &v4, &f, &d);
			if (kind >= 2 && blen >= 12) {
				/* A header that asks one question, then noise. */
				memcpy(body + 2, "\x01\x00\x00\x01\x00\x00\x00\x00\x00", 9);
				body[11] = t_rand() & 1;
			}
			len = pb_build(in, sizeof(in), &f, body, blen);
		}
		assert_int_equal(t_run(in, len, out, &out_len, &retval), 0);
		if (retval != XDP_PASS) {
			xf_dump("garbage", in, len);
			fail_msg("garbage frame %d answered", n);
		}
		assert_int_equal(out_len, len);
		assert_memory_equal(out, in, len);
	}
}

/* dns_port is a load-time tunable: another port answers, 53 does not. */
static void test_dns_port(void **state)
{
	static const struct tcase c = { "port", .tweak = tw_other_port };
	uint8_t msg[PB_FRAME_MAX], in[PB_FRAME_MAX], out[T_OUT_MAX];
	struct xdp_dns_bpf *skel;
	int fds[FP_TIERS], prog_fd;
	uint32_t out_len, retval;
	struct fp_answer a;
	struct pb_frame f;
	struct pb_dns d;
	size_t len;

	(void)state;
	if (!t.skel)
		skip();
	skel = xdp_dns_bpf__open();
	assert_non_null(skel);
	skel->rodata->dns_port = 5353;
	skel->rodata->name_seed = T_NAME_SEED;
	assert_int_equal(xdp_dns_bpf__load(skel), 0);
	assert_int_equal(fp_answer_build(&a, t.entries[0].rrs, t.entries[0].len, 1, 0), 0);
	xf_answers_fds(skel, fds);
	assert_int_equal(xf_install(fds, T_NAME_SEED, "www.example.com.", 1, &a), 0);

	t_defaults(&c, &f, &d);
	c.tweak(&f, &d);
	len = pb_build(in, sizeof(in), &f, msg, pb_dns_build(msg, &d));
	prog_fd = bpf_program__fd(skel->progs.xdp_dns);
	assert_int_equal(xf_run(prog_fd, in, len, out, T_OUT_MAX, &out_len, &retval), 0);
	assert_int_equal(retval, XDP_TX);
	assert_int_equal(pb_verify_csums(out, out_len), 0);
	f.dport = 53;
	len = pb_build(in, sizeof(in), &f, msg, pb_dns_build(msg, &d));
	assert_int_equal(xf_run(prog_fd, in, len, out, T_OUT_MAX, &out_len, &retval), 0);
	assert_int_equal(retval, XDP_PASS);
	xdp_dns_bpf__destroy(skel);
}

/*
 * Frames with no tailroom to spare (veth and generic XDP on recent kernels)
 * get the reply's room at their head, headers and question moved forward.
 * Test runs always leave a page of tailroom, so tail_grow_max holds the
 * program to @tail_max bytes of it; every case must give the same bytes, or
 * be passed up untouched when even the head cannot make the rest.
 */
static void t_room_at_head(uint32_t tail_max)
{
	struct xdp_dns_bpf *skel, *main_skel = t.skel;
	int prog_fd = t.prog_fd, counters_fd = t.counters_fd, answers_fd[FP_TIERS];
	size_t i;

	if (!t.skel)
		skip();
	memcpy(answers_fd, t.answers_fd, sizeof(answers_fd));
	skel = xdp_dns_bpf__open();
	assert_non_null(skel);
	skel->rodata->dns_port = T_DNS_PORT;
	skel->rodata->tail_grow_max = tail_max;
	skel->rodata->name_seed = T_NAME_SEED;
	assert_int_equal(xdp_dns_bpf__load(skel), 0);
	t.skel = skel;
	t.prog_fd = bpf_program__fd(skel->progs.xdp_dns);
	xf_answers_fds(skel, t.answers_fd);
	t.counters_fd = bpf_map__fd(skel->maps.counters);
	assert_int_equal(t_install(), 0);
	/* The head gives 256 - 40 bytes: XDP_PACKET_HEADROOM less a struct xdp_frame. */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t_case(&cases[i], 216 + tail_max);

	t.skel = main_skel;
	t.prog_fd = prog_fd;
	t.counters_fd = counters_fd;
	memcpy(t.answers_fd, answers_fd, sizeof(answers_fd));
	xdp_dns_bpf__destroy(skel);
}

/* No tailroom at all: replies up to 216 bytes longer than their query. */
static void test_room_at_head_only(void **state)
{
	(void)state;
	t_room_at_head(0);
}

/* 40 bytes of tailroom, the head the rest: the 256-byte answers as well. */
static void test_room_at_head_and_tail(void **state)
{
	(void)state;
	t_room_at_head(40);
}

/* fp_answer_build, fp_entry_build and fp_key_build: the contract map sync
 * relies on. That the program computes the same keys, every case shows. */
static void test_fp_answer(void **state)
{
	uint8_t rrs[FP_ANSWER_MAX + 1] = { 0x12, 0x34, 0x56 };
	const uint8_t *www = (const uint8_t *)"\x03www\x07" "example\x03" "com";
	struct fp_key k, k2;
	struct fp_answer a;
	struct fp_entry e;
	uint8_t name[300];
	size_t n;

	(void)state;
	assert_int_equal(fp_answer_build(&a, rrs, 3, 1, FP_ANSWER_F_PASS_DO), 0);
	assert_int_equal(a.len, 3);
	assert_int_equal(a.ancount, 1);
	assert_int_equal(a.flags, FP_ANSWER_F_PASS_DO);
	assert_int_equal(a.csum, 0x1234 + 0x5600);
	assert_int_equal(a.data[3], 0);
	assert_int_equal(fp_answer_build(&a, rrs, FP_ANSWER_MAX + 1, 1, 0), -E2BIG);
	memset(rrs, 0xff, sizeof(rrs));
	assert_int_equal(fp_answer_build(&a, rrs, FP_ANSWER_MAX, 1, 0), 0);
	assert_int_equal(a.csum, 0xffff);

	n = pb_name(name, "WWW.example.com.");
	memset(&e, 0xaa, sizeof(e));
	assert_int_equal(fp_entry_build(&e, &k, T_NAME_SEED, name, n, 28, &a), 0);
	assert_memory_equal(&e.answer, &a, sizeof(a));
	assert_int_equal(e.qtype, 28);
	assert_int_equal(e.qlen, 17);
	assert_memory_equal(e.pad, "\0\0\0\0\0", sizeof(e.pad));
	assert_memory_equal(e.qname, www, 17);
	assert_int_equal(((uint8_t *)e.qname)[17], 0);
	assert_int_equal(((uint8_t *)e.qname)[255], 0);
	assert_true(fp_entry_matches(&e, 0, www, 17, 28));
	assert_false(fp_entry_matches(&e, 0, www, 17, 1));
	assert_false(fp_entry_matches(&e, 1, www, 16, 28));
	assert_int_equal(fp_entry_size(0), sizeof(struct fp_answer) + 8 + 32);
	assert_int_equal(fp_entry_size(3), sizeof(struct fp_entry));
	assert_int_equal(fp_entry_size(4), 0);

	/* The key: case folded, and of every part of the query and the seed. */
	assert_int_equal(fp_key_build(&k2, T_NAME_SEED, www, 17, 28), 0);
	assert_true(k.hash == k2.hash);
	assert_int_equal(fp_key_build(&k2, T_NAME_SEED, www, 17, 1), 0);
	assert_true(k.hash != k2.hash);
	assert_int_equal(fp_key_build(&k2, T_NAME_SEED + 1, www, 17, 28), 0);
	assert_true(k.hash != k2.hash);
	n = pb_name(name, "www.example.con.");
	assert_int_equal(fp_key_build(&k2, T_NAME_SEED, name, n, 28), 0);
	assert_true(k.hash != k2.hash);

	n = pb_name(name, "www.example.com.");
	assert_int_equal(fp_key_build(&k, T_NAME_SEED, name, n - 1, 1), -EINVAL);	/* no root */
	assert_int_equal(fp_key_build(&k, T_NAME_SEED, name, n + 1, 1), -EINVAL);	/* bytes after */
	assert_int_equal(fp_key_build(&k, T_NAME_SEED, name, 0, 1), -EINVAL);
	assert_int_equal(fp_key_build(&k, T_NAME_SEED, (const uint8_t *)"", 1, 1), 0);
	assert_int_equal(fp_entry_build(&e, &k, T_NAME_SEED, name, n - 1, 1, &a), -EINVAL);
	name[0] = 64;
	assert_int_equal(fp_key_build(&k, T_NAME_SEED, name, n, 1), -EINVAL);
	assert_int_equal(fp_key_build(&k, T_NAME_SEED,
				      (const uint8_t *)"\x1f" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 33, 1), 1);
}

/*
 * A key is a hash, so the program must not trust it: an entry found under
 * the query's key answers only if its qtype, length and every name byte are
 * the query's. Each wrong entry is put under the key of www.example.com A.
 */
static void test_key_is_not_trusted(void **state)
{
	static const struct {
		const char	*name;
		uint16_t	qtype;
		int		qlen_delta;
	} wrong[] = {
		{ "www.example.org.", 1, 0 },		/* last word differs */
		{ "xww.example.com.", 1, 0 },		/* first word differs */
		{ "www.example.com.", 28, 0 },		/* qtype */
		{ "www.example.com.", 1, 1 },		/* length, same bytes */
	};
	static const struct tcase c = { "hit", .verdict = TX };
	uint8_t msg[PB_FRAME_MAX], in[PB_FRAME_MAX], out[T_OUT_MAX], name[300];
	struct fp_answer a;
	struct fp_entry e;
	struct fp_key k, qk;
	struct pb_frame f;
	struct pb_dns d;
	uint32_t out_len;
	size_t i, n, len;

	(void)state;
	if (!t.skel)
		skip();
	t_defaults(&c, &f, &d);
	len = pb_build(in, sizeof(in), &f, msg, pb_dns_build(msg, &d));
	n = pb_name(name, "www.example.com.");
	assert_int_equal(fp_key_build(&qk, T_NAME_SEED, name, n, 1), 0);
	assert_int_equal(fp_answer_build(&a, t.entries[0].rrs, t.entries[0].len, 1, 0), 0);
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		n = pb_name(name, wrong[i].name);
		assert_int_equal(fp_entry_build(&e, &k, T_NAME_SEED, name, n, wrong[i].qtype, &a),
				 0);
		e.qlen += wrong[i].qlen_delta;
		assert_int_equal(bpf_map_update_elem(t.answers_fd[0], &qk, &e, BPF_ANY), 0);
		if (t_run_counted(in, len, out, &out_len, FP_PASS_MISS) != XDP_PASS)
			fail_msg("the entry of %s type %u answered", wrong[i].name,
				 wrong[i].qtype);
		assert_memory_equal(out, in, len);
	}
	/* And the right one, under the same key, does. */
	n = pb_name(name, "www.example.com.");
	assert_int_equal(fp_entry_build(&e, &k, T_NAME_SEED, name, n, 1, &a), 0);
	assert_true(k.hash == qk.hash);
	assert_int_equal(bpf_map_update_elem(t.answers_fd[0], &qk, &e, BPF_ANY), 0);
	assert_int_equal(t_run_counted(in, len, out, &out_len, FP_TX_ANSWER), XDP_TX);
	assert_int_equal(t_install(), 0);
}

int main(void)
{
	static struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 12];
	size_t i, n = 0;

	tests[n++] = (struct CMUnitTest){ "fp_answer and fp_key builders", test_fp_answer,
					  NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "an entry answers only its own name and qtype",
					  test_key_is_not_trusted, NULL, NULL, NULL };
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tests[n++] = (struct CMUnitTest){ cases[i].desc, run_case, NULL, NULL,
						  (void *)&cases[i] };
	tests[n++] = (struct CMUnitTest){ "every prefix of an IPv4 query passes",
					  test_truncated_ipv4, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "every prefix of an IPv6 query passes",
					  test_truncated_ipv6, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "every prefix of an IHL 15, 255-byte-name query passes",
					  test_truncated_ipv4_options, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "random frames are never answered", test_garbage,
					  NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "dns_port tunable", test_dns_port, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "no tailroom: the reply grows at the head",
					  test_room_at_head_only, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "little tailroom: the reply grows at both ends",
					  test_room_at_head_and_tail, NULL, NULL, NULL };
	return _cmocka_run_group_tests("xdp_dns", tests, n, group_setup, group_teardown);
}
