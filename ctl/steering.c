// SPDX-License-Identifier: GPL-2.0-only
/* The policy object of a steered RRset, from `rrset set` flags and back into
 * one line of text. Only what the command line can know is checked here (how
 * many entries, their form); the daemon checks the rest and names the field. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "steering.h"

#define STEERING_GEO_FORM \
	"KIND:CODE[+CODE...]=ADDR[,ADDR...] (KIND continent, country or cidr) or " \
	"default=ADDR[,ADDR...]"

static const char *const steering_continents[] = { "AF", "AN", "AS", "EU", "NA", "OC", "SA" };

bool steering_given(const struct steering_flags *f)
{
	return f->weights || f->healthchecks || f->failover || f->multivalue || f->ngeo;
}

/*
 * Splits text at sep into a new array of strings, each item through conv
 * (NULL: the text as it is), which returns a new value or NULL with the reason
 * in err. Empty items are refused. *out gets the array.
 */
static int steering_split(const char *what, const char *text, char sep,
			  json_t *(*conv)(const char *what, const char *item, char *err,
					  size_t errlen),
			  json_t **out, char *err, size_t errlen)
{
	json_t *arr = json_array(), *v;
	char *copy = strdup(text), *item, *next;
	int ret = -ENOMEM, n = 0;

	if (!arr || !copy)
		goto out;
	for (item = copy; item; item = next) {
		next = strchr(item, sep);
		if (next)
			*next++ = '\0';
		n++;
		if (!*item) {
			ret = cli_reason(err, errlen, "%s: entry %d of '%s' is empty", what, n,
					 text);
			goto out;
		}
		err[0] = '\0';
		v = conv ? conv(what, item, err, errlen) : json_string(item);
		if (!v) {
			ret = *err ? -EINVAL : cli_reason(err, errlen, "%s: '%s' is not UTF-8",
							  what, item);
			goto out;
		}
		if (json_array_append_new(arr, v))
			goto out;
	}
	*out = arr;
	arr = NULL;
	ret = 0;
out:
	json_decref(arr);
	free(copy);
	return ret;
}

static json_t *steering_weight(const char *what, const char *item, char *err, size_t errlen)
{
	long w;

	if (cli_parse_long(item, 0, 65535, &w)) {
		cli_reason(err, errlen, "%s: '%s' is not a weight (0-65535)", what, item);
		return NULL;
	}
	return json_integer(w);
}

static json_t *steering_check(const char *what, const char *item, char *err, size_t errlen)
{
	(void)what;
	(void)err;
	(void)errlen;
	return strcmp(item, "-") ? json_string(item) : json_null();
}

static json_t *steering_role(const char *what, const char *item, char *err, size_t errlen)
{
	if (strcmp(item, "primary") && strcmp(item, "secondary")) {
		cli_reason(err, errlen, "%s: '%s' is neither primary nor secondary", what,
			   item);
		return NULL;
	}
	return json_string(item);
}

/* A country or continent code, upper-cased as the API keeps it. */
static json_t *steering_code(const char *what, const char *item, char *err, size_t errlen,
			     bool continent)
{
	char code[3];
	size_t i;

	if (strlen(item) != 2 || !isalpha((unsigned char)item[0]) ||
	    !isalpha((unsigned char)item[1])) {
		cli_reason(err, errlen, "%s: '%s' is not a two-letter %s code", what, item,
			   continent ? "continent" : "country");
		return NULL;
	}
	code[0] = toupper((unsigned char)item[0]);
	code[1] = toupper((unsigned char)item[1]);
	code[2] = '\0';
	if (!continent)
		return json_string(code);
	for (i = 0; i < sizeof(steering_continents) / sizeof(steering_continents[0]); i++)
		if (!strcmp(code, steering_continents[i]))
			return json_string(code);
	cli_reason(err, errlen, "%s: '%s' is not a continent (AF AN AS EU NA OC SA)", what,
		   item);
	return NULL;
}

static json_t *steering_continent(const char *what, const char *item, char *err, size_t errlen)
{
	return steering_code(what, item, err, errlen, true);
}

static json_t *steering_country(const char *what, const char *item, char *err, size_t errlen)
{
	return steering_code(what, item, err, errlen, false);
}

/* A per-record list: one entry per record. */
static int steering_per_record(json_t *policy, const char *key, const char *flag,
			       const char *text, int nrecords,
			       json_t *(*conv)(const char *, const char *, char *, size_t),
			       char *err, size_t errlen)
{
	json_t *arr = NULL;
	int ret;

	if (!text)
		return 0;
	ret = steering_split(flag, text, ',', conv, &arr, err, errlen);
	if (ret)
		return ret;
	if ((int)json_array_size(arr) != nrecords) {
		ret = cli_reason(err, errlen, "%s: %zu entr%s for %d record%s (one per record, "
				 "in their order)", flag, json_array_size(arr),
				 json_array_size(arr) == 1 ? "y" : "ies", nrecords,
				 nrecords == 1 ? "" : "s");
		json_decref(arr);
		return ret;
	}
	return json_object_set_new(policy, key, arr) ? -ENOMEM : 0;
}

/* One --geo: a rule appended to rules, or the default set in geo. */
static int steering_geo_one(json_t *geo, json_t *rules, const char *arg, char *err,
			    size_t errlen)
{
	static const struct {
		const char	*kind;
		const char	*key;
		json_t		*(*conv)(const char *, const char *, char *, size_t);
	} kinds[] = {
		{ "continent",	"continents",	steering_continent },
		{ "country",	"countries",	steering_country },
		{ "cidr",	"cidrs",	NULL },
	};
	const char *eq = strchr(arg, '='), *colon;
	json_t *rule = NULL, *codes = NULL, *recs = NULL;
	char what[64], *kind = NULL;
	size_t i;
	int ret;

	if (!eq)
		return cli_reason(err, errlen, "--geo '%s': expected " STEERING_GEO_FORM, arg);
	if (!strncmp(arg, "default=", 8)) {
		if (json_object_get(geo, "default"))
			return cli_reason(err, errlen, "--geo default=... given twice");
		ret = steering_split("--geo default", eq + 1, ',', NULL, &recs, err, errlen);
		if (ret)
			return ret;
		return json_object_set_new(geo, "default", recs) ? -ENOMEM : 0;
	}
	colon = memchr(arg, ':', eq - arg);
	if (!colon)
		return cli_reason(err, errlen, "--geo '%s': expected " STEERING_GEO_FORM, arg);
	kind = strndup(arg, colon - arg);
	if (!kind)
		return -ENOMEM;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i].kind))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		ret = cli_reason(err, errlen, "--geo '%s': unknown kind '%s' (continent, "
				 "country, cidr or default)", arg, kind);
		goto out;
	}
	snprintf(what, sizeof(what), "--geo %s", kind);
	{
		char *text = strndup(colon + 1, eq - colon - 1);

		if (!text) {
			ret = -ENOMEM;
			goto out;
		}
		ret = steering_split(what, text, '+', kinds[i].conv, &codes, err, errlen);
		free(text);
		if (ret)
			goto out;
	}
	ret = steering_split(what, eq + 1, ',', NULL, &recs, err, errlen);
	if (ret)
		goto out;
	rule = json_object();
	ret = -ENOMEM;
	if (!rule || json_object_set(rule, kinds[i].key, codes) ||
	    json_object_set(rule, "records", recs) || json_array_append(rules, rule))
		goto out;
	ret = 0;
out:
	json_decref(rule);
	json_decref(codes);
	json_decref(recs);
	free(kind);
	return ret;
}

static int steering_geo(json_t *policy, const struct steering_flags *f, char *err,
			size_t errlen)
{
	json_t *geo = json_object(), *rules = json_array();
	int i, ret = -ENOMEM;

	/* "rules" first, so that a default given among the rules still comes after
	 * them, as the API writes it. */
	if (!geo || !rules || json_object_set(geo, "rules", rules))
		goto out;
	for (i = 0; i < f->ngeo && i <= STEERING_GEO_MAX; i++) {
		ret = steering_geo_one(geo, rules, f->geo[i], err, errlen);
		if (ret)
			goto out;
	}
	if (json_array_size(rules) > STEERING_GEO_MAX) {
		ret = cli_reason(err, errlen, "--geo: at most %d rules and a default",
				 STEERING_GEO_MAX);
		goto out;
	}
	ret = json_object_set(policy, "geo", geo) ? -ENOMEM : 0;
out:
	json_decref(geo);
	json_decref(rules);
	return ret;
}

int steering_build(const struct steering_flags *f, int nrecords, json_t **out, char *err,
		   size_t errlen)
{
	json_t *policy = NULL;
	int ret;

	*out = NULL;
	err[0] = '\0';
	if (!steering_given(f))
		return 0;
	if (f->weights && f->multivalue)
		return cli_reason(err, errlen, "--weights picks one record, --multivalue "
				  "several: give one of them");
	if (nrecords > FP_POLICY_RECORDS_MAX)
		return cli_reason(err, errlen, "a steered RRset has at most %d records, not %d",
				  FP_POLICY_RECORDS_MAX, nrecords);
	policy = json_object();
	if (!policy)
		return -ENOMEM;
	ret = steering_per_record(policy, "weights", "--weights", f->weights, nrecords,
				  steering_weight, err, errlen);
	if (!ret)
		ret = steering_per_record(policy, "healthchecks", "--healthchecks",
					  f->healthchecks, nrecords, steering_check, err, errlen);
	if (!ret)
		ret = steering_per_record(policy, "failover", "--failover", f->failover,
					  nrecords, steering_role, err, errlen);
	if (!ret && f->multivalue && json_object_set_new(policy, "multivalue", json_true()))
		ret = -ENOMEM;
	if (!ret && f->ngeo)
		ret = steering_geo(policy, f, err, errlen);
	if (ret) {
		json_decref(policy);
		return ret;
	}
	*out = policy;
	return 0;
}

/* Text appended to a fixed buffer; once full, it ends in "...". */
struct steering_buf {
	char	*p;
	size_t	len;
	size_t	used;
	bool	cut;
};

static void steering_put(struct steering_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void steering_put(struct steering_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->cut)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < b->len - b->used) {
		b->used += n;
		return;
	}
	b->cut = true;
	if (b->len >= 4)
		strcpy(b->p + b->len - 4, "...");
}

/* The items of an array joined by sep: strings, integers, null as "-". */
static void steering_put_list(struct steering_buf *b, const json_t *arr, const char *sep)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		if (json_is_string(v))
			steering_put(b, "%s%s", i ? sep : "", json_string_value(v));
		else if (json_is_integer(v))
			steering_put(b, "%s%" JSON_INTEGER_FORMAT, i ? sep : "",
				     json_integer_value(v));
		else
			steering_put(b, "%s-", i ? sep : "");
	}
}

static void steering_put_geo(struct steering_buf *b, const json_t *geo, bool full)
{
	static const struct {
		const char *key;
		const char *kind;
	} kinds[] = { { "continents", "continent" }, { "countries", "country" },
		      { "cidrs", "cidr" } };
	const json_t *rules = json_object_get(geo, "rules"), *def, *rule;
	size_t i, k, n = json_array_size(rules);

	def = json_object_get(geo, "default");
	if (!full) {
		steering_put(b, "geo %zu rule%s%s", n, n == 1 ? "" : "s",
			     json_array_size(def) ? " + default" : "");
		return;
	}
	steering_put(b, "geo");
	json_array_foreach(rules, i, rule) {
		steering_put(b, "%s ", i ? "," : "");
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			const json_t *codes = json_object_get(rule, kinds[k].key);

			if (!json_is_array(codes))
				continue;
			steering_put(b, "%s:", kinds[k].kind);
			steering_put_list(b, codes, "+");
			break;
		}
		steering_put(b, "=");
		steering_put_list(b, json_object_get(rule, "records"), ",");
	}
	if (json_array_size(def)) {
		steering_put(b, "%s default=", n ? "," : "");
		steering_put_list(b, def, ",");
	}
}

const char *steering_summary(const json_t *policy, bool full, char *buf, size_t len)
{
	struct steering_buf b = { buf, len, 0, false };
	const char *sep = "";
	const json_t *v;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!json_is_object(policy)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (json_is_array(v = json_object_get(policy, "weights"))) {
		steering_put(&b, "weights ");
		steering_put_list(&b, v, ",");
		sep = "; ";
	}
	if (json_is_array(v = json_object_get(policy, "healthchecks"))) {
		steering_put(&b, "%schecks ", sep);
		steering_put_list(&b, v, ",");
		sep = "; ";
	}
	if (json_is_array(v = json_object_get(policy, "failover"))) {
		steering_put(&b, "%sfailover ", sep);
		steering_put_list(&b, v, ",");
		sep = "; ";
	}
	if (json_is_true(json_object_get(policy, "multivalue"))) {
		steering_put(&b, "%smultivalue", sep);
		sep = "; ";
	}
	if (json_is_object(v = json_object_get(policy, "geo"))) {
		steering_put(&b, "%s", sep);
		steering_put_geo(&b, v, full);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}
