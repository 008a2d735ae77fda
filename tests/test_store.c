// SPDX-License-Identifier: GPL-2.0-only
/* The LMDB store: what is committed survives a reopen and an abort leaves
 * nothing; names come back in canonical order; a zone's RRsets and journal go
 * with it; tokens by hash and id; idempotency records expire. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns_name.h"
#include "store.h"

struct fixture {
	char		dir[64];
	struct store	*st;
};

static size_t wire(uint8_t *out, const char *text)
{
	int n = dns_name_from_text(out, text, strlen(text), (const uint8_t *)"");

	assert_true(n > 0);
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(&f->st, f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void zone_init(struct store_zone *z, uint64_t id, const char *name, const char *account)
{
	memset(z, 0, sizeof(*z));
	z->id = id;
	z->origin_len = wire(z->origin, name);
	z->serial = 100 + id;
	z->versions = 1;
	snprintf(z->account, sizeof(z->account), "%s", account);
}

struct names {
	char	buf[1024];
};

static int collect_zone(const struct store_zone *z, void *arg)
{
	struct names *n = arg;
	char t[DNS_NAME_TEXT_MAX];

	dns_name_to_text(t, sizeof(t), z->origin);
	snprintf(n->buf + strlen(n->buf), sizeof(n->buf) - strlen(n->buf), "%s ", t);
	return 0;
}

static void test_zones(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = { "b.example.", "example.", "a.example.", "z.org.",
					     "A.B.example.", "com." };
	struct store_txn *t;
	struct store_zone z, got;
	struct names n = { "" };
	uint8_t o[DNS_NAME_MAX];
	uint64_t id;
	size_t i;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(store_next_id(t, "zone", &id), 0);
		assert_int_equal(id, i + 1);
		zone_init(&z, id, names[i], i % 2 ? "acme" : "globex");
		dns_name_lower(z.origin);
		assert_int_equal(store_zone_put(t, &z), 0);
	}
	assert_int_equal(store_txn_commit(t), 0);

	/* Reopened: still there. */
	store_close(f->st);
	assert_int_equal(store_open(&f->st, f->dir), 0);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_zone_count(t), 6);
	wire(o, "a.b.example.");
	assert_int_equal(store_zone_get(t, o, &got), 0);
	assert_int_equal(got.id, 5);
	assert_string_equal(got.account, "globex");
	/* RFC 4034 §6.1 order, not the order of insertion. */
	assert_int_equal(store_zone_foreach(t, NULL, NULL, collect_zone, &n), 0);
	assert_string_equal(n.buf, "com. example. a.example. b.example. a.b.example. z.org. ");
	n.buf[0] = 0;
	assert_int_equal(store_zone_foreach(t, "acme", NULL, collect_zone, &n), 0);
	assert_string_equal(n.buf, "com. example. z.org. ");
	n.buf[0] = 0;
	wire(o, "a.example.");
	assert_int_equal(store_zone_foreach(t, NULL, o, collect_zone, &n), 0);
	assert_string_equal(n.buf, "b.example. a.b.example. z.org. ");
	n.buf[0] = 0;
	wire(o, "example.");
	assert_int_equal(store_zone_foreach(t, "acme", o, collect_zone, &n), 0);
	assert_string_equal(n.buf, "z.org. ");
	/* Below: the first zone strictly under a name. */
	assert_int_equal(store_zone_below(t, o, &got), 0);
	assert_int_equal(got.id, 3);
	wire(o, "z.org.");
	assert_int_equal(store_zone_below(t, o, &got), -ENOENT);
	wire(o, "examplf.");
	assert_int_equal(store_zone_get(t, o, &got), -ENOENT);
	store_txn_abort(t);

	/* Moving a zone to another account moves its index entry. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	wire(o, "com.");
	assert_int_equal(store_zone_get(t, o, &z), 0);
	snprintf(z.account, sizeof(z.account), "globex");
	assert_int_equal(store_zone_put(t, &z), 0);
	n.buf[0] = 0;
	assert_int_equal(store_zone_foreach(t, "acme", NULL, collect_zone, &n), 0);
	assert_string_equal(n.buf, "example. z.org. ");
	/* Aborted: as before. */
	store_txn_abort(t);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	n.buf[0] = 0;
	assert_int_equal(store_zone_foreach(t, "acme", NULL, collect_zone, &n), 0);
	assert_string_equal(n.buf, "com. example. z.org. ");
	store_txn_abort(t);
}

static void test_root_zone(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t;
	struct store_zone z, got;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	zone_init(&z, 1, ".", "root");
	assert_int_equal(store_zone_put(t, &z), 0);
	assert_int_equal(store_zone_get(t, (const uint8_t *)"", &got), 0);
	assert_int_equal(got.origin_len, 1);
	assert_int_equal(store_zone_del(t, &got), 0);
	assert_int_equal(store_zone_get(t, (const uint8_t *)"", &got), -ENOENT);
	store_txn_abort(t);
}

struct rrs {
	char	buf[2048];
	int	n;
};

static int collect_rrset(const struct store_rrset *rs, void *arg)
{
	struct rrs *r = arg;
	char t[DNS_NAME_TEXT_MAX];

	dns_name_to_text(t, sizeof(t), rs->owner);
	snprintf(r->buf + strlen(r->buf), sizeof(r->buf) - strlen(r->buf), "%s/%u ", t,
		 rs->type);
	r->n++;
	return 0;
}

static void put_rrset(struct store_txn *t, uint64_t zid, const char *owner, uint16_t type)
{
	static const uint8_t data[] = { 0, 4, 198, 18, 0, 1 };
	struct store_rrset rs = { .type = type, .ttl = 300, .count = 1, .data = data,
				  .data_len = sizeof(data) };

	rs.owner_len = wire(rs.owner, owner);
	dns_name_lower(rs.owner);
	assert_int_equal(store_rrset_put(t, zid, &rs), 0);
}

static void test_rrsets(void **state)
{
	struct fixture *f = *state;
	static const char *const owners[] = {
		"z.example.", "example.", "a.example.", "\\001.z.example.", "*.z.example.",
		"yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "\\000.z.example.",
		"\\200.z.example.",
	};
	struct store_txn *t;
	struct store_rrset rs;
	struct store_zone z;
	struct rrs r = { "", 0 };
	uint8_t o[DNS_NAME_MAX];
	size_t i;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	for (i = 0; i < 10; i++)
		put_rrset(t, 7, owners[i], 1);
	put_rrset(t, 7, "example.", 6);
	put_rrset(t, 7, "example.", 2);
	put_rrset(t, 8, "other.", 1);
	/* RFC 4034 §6.1's own example order, types ascending per owner. */
	assert_int_equal(store_rrset_foreach(t, 7, NULL, NULL, 0, collect_rrset, &r), 0);
	assert_string_equal(r.buf, "example./1 example./2 example./6 a.example./1 "
			    "yljkjljk.a.example./1 z.a.example./1 zabc.a.example./1 "
			    "z.example./1 \\000.z.example./1 \\001.z.example./1 *.z.example./1 "
			    "\\200.z.example./1 ");
	/* One owner only, and after a cursor. */
	r.buf[0] = 0;
	wire(o, "example.");
	assert_int_equal(store_rrset_foreach(t, 7, o, NULL, 0, collect_rrset, &r), 0);
	assert_string_equal(r.buf, "example./1 example./2 example./6 ");
	r.buf[0] = 0;
	assert_int_equal(store_rrset_foreach(t, 7, o, o, 1, collect_rrset, &r), 0);
	assert_string_equal(r.buf, "example./2 example./6 ");
	r.buf[0] = 0;
	wire(o, "z.a.example.");
	assert_int_equal(store_rrset_foreach(t, 7, NULL, o, 1, collect_rrset, &r), 0);
	assert_true(!strncmp(r.buf, "zabc.a.example./1 z.example./1 ", 31));
	/* Get and delete. */
	wire(o, "ZABC.a.example.");
	dns_name_lower(o);
	assert_int_equal(store_rrset_get(t, 7, o, 1, &rs), 0);
	assert_int_equal(rs.ttl, 300);
	assert_int_equal(rs.count, 1);
	assert_int_equal(rs.data_len, 6);
	assert_int_equal(rs.data[5], 1);
	assert_int_equal(store_rrset_get(t, 7, o, 28, &rs), -ENOENT);
	assert_int_equal(store_rrset_del(t, 7, o, 1), 0);
	assert_int_equal(store_rrset_del(t, 7, o, 1), -ENOENT);
	/* Deleting zone 7 takes its RRsets and journal, not zone 8's. */
	assert_int_equal(store_journal_put(t, 7, 2, "x", 1), 0);
	assert_int_equal(store_journal_put(t, 8, 2, "y", 1), 0);
	zone_init(&z, 7, "example.", "acme");
	assert_int_equal(store_zone_put(t, &z), 0);
	assert_int_equal(store_zone_del(t, &z), 0);
	r.buf[0] = 0;
	r.n = 0;
	assert_int_equal(store_rrset_foreach(t, 7, NULL, NULL, 0, collect_rrset, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(store_rrset_foreach(t, 8, NULL, NULL, 0, collect_rrset, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(store_rrset_clear(t, 8), 0);
	r.n = 0;
	assert_int_equal(store_rrset_foreach(t, 8, NULL, NULL, 0, collect_rrset, &r), 0);
	assert_int_equal(r.n, 0);
	store_txn_abort(t);
}

/* A policy rides after the records; an RRset stored without one (as every
 * RRset was before policies) reads back with none. */
static void test_rrset_policy(void **state)
{
	struct fixture *f = *state;
	static const uint8_t data[] = { 0, 4, 198, 18, 0, 1, 0, 4, 198, 18, 0, 2 };
	static const char pol[] = "{\"weights\":[70,30]}";
	struct store_rrset rs = { .type = 1, .ttl = 60, .count = 2, .data = data,
				  .data_len = sizeof(data), .policy = (const uint8_t *)pol,
				  .policy_len = sizeof(pol) - 1 };
	struct store_txn *t;
	struct store_rrset got;

	rs.owner_len = wire(rs.owner, "www.example.");
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_rrset_put(t, 7, &rs), 0);
	assert_int_equal(store_txn_commit(t), 0);

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_rrset_get(t, 7, rs.owner, 1, &got), 0);
	assert_int_equal(got.count, 2);
	assert_int_equal(got.data_len, sizeof(data));
	assert_memory_equal(got.data, data, sizeof(data));
	assert_int_equal(got.policy_len, sizeof(pol) - 1);
	assert_memory_equal(got.policy, pol, sizeof(pol) - 1);
	/* Rewritten plain: the policy is gone. */
	rs.policy = NULL;
	rs.policy_len = 0;
	assert_int_equal(store_rrset_put(t, 7, &rs), 0);
	assert_int_equal(store_rrset_get(t, 7, rs.owner, 1, &got), 0);
	assert_int_equal(got.data_len, sizeof(data));
	assert_int_equal(got.policy_len, 0);
	/* Records that overrun the value are damage, not a policy. */
	rs.count = 3;
	assert_int_equal(store_rrset_put(t, 7, &rs), 0);
	assert_int_equal(store_rrset_get(t, 7, rs.owner, 1, &got), -EUCLEAN);
	store_txn_abort(t);
}

/* A name whose key cannot fit LMDB's is refused, not truncated. */
static void test_rrset_key_too_long(void **state)
{
	struct fixture *f = *state;
	static const uint8_t data[] = { 0, 0 };
	struct store_rrset rs = { .type = 1, .count = 1, .data = data, .data_len = 2 };
	struct store_txn *t;
	size_t pos = 0;
	int i;

	/* 255 bytes of labels full of \000: each byte doubles in the key. */
	for (i = 0; i < 4; i++) {
		rs.owner[pos] = i < 3 ? 63 : 61;
		memset(rs.owner + pos + 1, 0, rs.owner[pos]);
		pos += rs.owner[pos] + 1;
	}
	rs.owner[pos++] = 0;
	rs.owner_len = pos;
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_rrset_put(t, 1, &rs), -ENAMETOOLONG);
	store_txn_abort(t);
}

struct jr {
	uint64_t	seqs[16];
	int		n;
};

static int collect_journal(uint64_t seq, const void *data, size_t len, void *arg)
{
	struct jr *j = arg;

	(void)data;
	assert_int_equal(len, 3);
	j->seqs[j->n++] = seq;
	return 0;
}

static void test_journal(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t;
	struct jr j = { { 0 }, 0 };
	uint64_t s;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	for (s = 2; s <= 300; s++)
		assert_int_equal(store_journal_put(t, 1, s, "abc", 3), 0);
	assert_int_equal(store_journal_put(t, 2, 5, "abc", 3), 0);
	assert_int_equal(store_journal_trim(t, 1, 297), 0);
	assert_int_equal(store_journal_foreach(t, 1, collect_journal, &j), 0);
	assert_int_equal(j.n, 4);
	assert_int_equal(j.seqs[0], 297);
	assert_int_equal(j.seqs[3], 300);
	/* Past the last entry: empties zone 1, leaves zone 2. */
	assert_int_equal(store_journal_trim(t, 1, 1000), 0);
	j.n = 0;
	assert_int_equal(store_journal_foreach(t, 1, collect_journal, &j), 0);
	assert_int_equal(j.n, 0);
	assert_int_equal(store_journal_foreach(t, 2, collect_journal, &j), 0);
	assert_int_equal(j.n, 1);
	store_txn_abort(t);
}

static int count_token(const struct store_token *tok, void *arg)
{
	(void)tok;
	(*(int *)arg)++;
	return 0;
}

static void test_tokens(void **state)
{
	struct fixture *f = *state;
	struct store_token tok = { .admin = true }, got;
	struct store_txn *t;
	int n = 0;

	memset(tok.hash, 0xab, sizeof(tok.hash));
	snprintf(tok.id, sizeof(tok.id), "tok_1");
	snprintf(tok.account, sizeof(tok.account), "acme");
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_token_put(t, &tok), 0);
	assert_int_equal(store_token_put(t, &tok), -EEXIST);
	tok.hash[0] = 1;
	assert_int_equal(store_token_put(t, &tok), -EEXIST);	/* the id is taken */
	snprintf(tok.id, sizeof(tok.id), "tok_2");
	tok.admin = false;
	assert_int_equal(store_token_put(t, &tok), 0);
	assert_int_equal(store_txn_commit(t), 0);

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_token_count(t), 2);
	assert_int_equal(store_token_get(t, tok.hash, &got), 0);
	assert_string_equal(got.id, "tok_2");
	assert_false(got.admin);
	assert_int_equal(store_token_get_id(t, "tok_1", &got), 0);
	assert_true(got.admin);
	assert_int_equal(store_token_get_id(t, "tok_9", &got), -ENOENT);
	assert_int_equal(store_token_foreach(t, NULL, count_token, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(store_token_foreach(t, "tok_1", count_token, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_token_del(t, "tok_2"), 0);
	assert_int_equal(store_token_get(t, tok.hash, &got), -ENOENT);
	assert_int_equal(store_token_del(t, "tok_2"), -ENOENT);
	store_txn_abort(t);
}

static void test_idempotency(void **state)
{
	struct fixture *f = *state;
	struct store_idem rec = { .expires = 1000, .status = 201, .etag = "\"5\"",
				  .content_type = "application/json",
				  .body = (const uint8_t *)"{}", .body_len = 2 }, got;
	struct store_txn *t;

	memset(rec.fingerprint, 7, sizeof(rec.fingerprint));
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_idem_put(t, "acme/tok_1", "key-1", &rec), 0);
	rec.expires = 2000;
	assert_int_equal(store_idem_put(t, "acme/tok_1", "key-2", &rec), 0);
	assert_int_equal(store_idem_get(t, "acme/tok_1", "key-1", 999, &got), 0);
	assert_int_equal(got.status, 201);
	assert_string_equal(got.etag, "\"5\"");
	assert_int_equal(got.body_len, 2);
	assert_memory_equal(got.fingerprint, rec.fingerprint, sizeof(rec.fingerprint));
	/* Scoped: another token's key of the same name is another record. */
	assert_int_equal(store_idem_get(t, "acme/tok_2", "key-1", 999, &got), -ENOENT);
	/* Expired reads as absent, and expiring removes only what expired. */
	assert_int_equal(store_idem_get(t, "acme/tok_1", "key-1", 1000, &got), -ENOENT);
	assert_int_equal(store_idem_expire(t, 1500, 10), 1);
	assert_int_equal(store_idem_get(t, "acme/tok_1", "key-2", 1500, &got), 0);
	assert_int_equal(store_idem_expire(t, 1500, 10), 0);
	assert_int_equal(store_idem_expire(t, 5000, 10), 1);
	assert_int_equal(store_idem_get(t, "acme/tok_1", "key-2", 0, &got), -ENOENT);
	store_txn_abort(t);
}

static void test_open_fails(void **state)
{
	struct store *s2;

	(void)state;
	assert_int_not_equal(store_open(&s2, "/proc/nonexistent/dir"), 0);
	assert_null(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rrsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rrset_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rrset_key_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
		cmocka_unit_test(test_open_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
