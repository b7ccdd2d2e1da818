/*
 * openfda.c - openFDA's query language over openFDA-shaped documents.
 *
 * Each case's latest version is turned into the document openFDA would
 * serve for it (drug/event: FAERS fields; device/event: MAUDE fields;
 * cosmetic/event: the CAERS-like layout), and queries run over those
 * documents.  docs/API.md lists the fields; the same JSON is what the
 * endpoint returns, so a field that can be searched can be read back.
 *
 * Query language (openFDA / Elasticsearch query_string subset):
 *
 *   expr   := and { [OR] and }          adjacency means OR, as in openFDA
 *   and    := unary { AND unary }
 *   unary  := NOT unary | '(' expr ')' | clause
 *   clause := field ':' ( term | "phrase" | '[' lo TO hi ']' )
 *           | _exists_ ':' field | _missing_ ':' field
 *
 * '+' is a space (URLs).  A field ending in ".exact" compares the whole
 * value, case-sensitively.  Otherwise values and terms are normalised into
 * lowercase word tokens - ASCII letter/digit runs, and each non-ASCII
 * character alone (so Chinese matches by characters, as Elasticsearch's
 * standard analyser does) - and a term or phrase matches when its tokens
 * occur consecutively in the value's: " t1 t2 " inside " v1 t1 t2 v4 ".
 * A term ending in '*' matches a token prefix.  Ranges are inclusive,
 * numeric when both ends and the value are numbers, else by byte order
 * (dates are YYYYMMDD, so that works); '*' leaves an end open.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "http/http_int.h"

#include <ctype.h>

enum { Q_TERM = 1, Q_RANGE, Q_EXISTS, Q_MISSING, Q_AND, Q_OR, Q_NOT };

struct vg_ofda_query {
	int op;
	const char *field; /* without ".exact" */
	bool exact, prefix;
	const char *term;  /* exact: raw; else normalised " t1 t2 " */
	const char *lo, *hi;
	struct vg_ofda_query *l, *r;
};

/* ------------------------------------------------------------ tokens */

void vg_ofda_tokens(const char *s, void (*cb)(const char *tok, size_t n, void *), void *ctx)
{
	char tok[256];
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; ; p++) {
		unsigned char c = *p;
		bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (word) {
			if (n < sizeof(tok) - 1)
				tok[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			continue;
		}
		if (n) {
			cb(tok, n, ctx);
			n = 0;
		}
		if (!c)
			break;
		if (c >= 0xC0) { /* one UTF-8 character = one token */
			size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			size_t k = 1;
			while (k < len && p[k] >= 0x80 && p[k] < 0xC0)
				k++;
			cb((const char *)p, k, ctx);
			p += k - 1;
		}
	}
}

static void norm_cb(const char *tok, size_t n, void *ctx)
{
	struct vg_buf *b = ctx;

	vg_buf_append(b, tok, n);
	vg_buf_putc(b, ' ');
}

/* " t1 t2 " into b (reset first). */
static void normalise(const char *s, struct vg_buf *b)
{
	vg_buf_reset(b);
	vg_buf_putc(b, ' ');
	vg_ofda_tokens(s, norm_cb, b);
}

/* ------------------------------------------------------------ parser */

struct parser {
	const char *s;
	size_t pos;
	struct vg_arena *a;
	struct vg_err *err;
	int depth;
};

static void skip_ws(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '+' || p->s[p->pos] == '\t')
		p->pos++;
}

static bool keyword(struct parser *p, const char *kw)
{
	size_t n = strlen(kw);
	char next;

	skip_ws(p);
	if (strncmp(p->s + p->pos, kw, n) != 0)
		return false;
	next = p->s[p->pos + n];
	if (next && next != ' ' && next != '+' && next != '(')
		return false;
	p->pos += n;
	return true;
}

static struct vg_ofda_query *node(struct parser *p, int op)
{
	struct vg_ofda_query *q = vg_arena_calloc(p->a, 1, sizeof(*q));

	q->op = op;
	return q;
}

static int perr(struct parser *p, const char *what)
{
	return vg_err_set(p->err, VG_EINVAL, "search", "%s at position %zu", what, p->pos);
}

static const char *bare(struct parser *p, const char *stop)
{
	size_t start = p->pos;

	while (p->s[p->pos] && !strchr(stop, p->s[p->pos]))
		p->pos++;
	return vg_arena_strndup(p->a, p->s + start, p->pos - start);
}

static int parse_range(struct parser *p, struct vg_ofda_query *q)
{
	p->pos++; /* '[' */
	skip_ws(p);
	q->op = Q_RANGE;
	q->lo = bare(p, " +]");
	if (!keyword(p, "TO"))
		return perr(p, "expected TO in range");
	skip_ws(p);
	q->hi = bare(p, " +]");
	skip_ws(p);
	if (p->s[p->pos] != ']' || !*q->lo || !*q->hi)
		return perr(p, "expected [low TO high]");
	p->pos++;
	return 0;
}

static void set_term(struct parser *p, struct vg_ofda_query *q, const char *raw)
{
	struct vg_buf b = VG_BUF_INIT(4096);
	size_t n = strlen(raw);

	q->op = Q_TERM;
	if (q->exact) {
		q->term = raw;
		return;
	}
	if (n && raw[n - 1] == '*') {
		q->prefix = true;
		raw = vg_arena_strndup(p->a, raw, n - 1);
	}
	normalise(raw, &b);
	if (q->prefix && b.len > 1)
		b.p[--b.len] = '\0'; /* drop the trailing space: prefix of a token */
	q->term = vg_arena_strdup(p->a, b.p ? b.p : " ");
	vg_buf_release(&b);
}

static int parse_value(struct parser *p, struct vg_ofda_query *q)
{
	char c = p->s[p->pos];

	if (c == '[')
		return parse_range(p, q);
	if (c == '"') {
		size_t start = ++p->pos;
		while (p->s[p->pos] && p->s[p->pos] != '"')
			p->pos++;
		if (!p->s[p->pos])
			return perr(p, "unterminated phrase");
		const char *raw = vg_arena_strndup(p->a, p->s + start, p->pos - start);
		p->pos++;
		for (char *t = (char *)raw; *t; t++)
			if (*t == '+')
				*t = ' ';
		set_term(p, q, raw);
		return 0;
	}
	set_term(p, q, bare(p, " +()"));
	if (!*q->term || strcmp(q->term, " ") == 0)
		return perr(p, "expected a search term");
	return 0;
}

static int parse_clause(struct parser *p, struct vg_ofda_query **out)
{
	struct vg_ofda_query *q = node(p, Q_TERM);
	size_t start = p->pos, n;
	char *f;

	while (p->s[p->pos] && (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_' ||
	                        p->s[p->pos] == '.'))
		p->pos++;
	n = p->pos - start;
	if (n == 0 || p->s[p->pos] != ':')
		return perr(p, "expected field:term");
	f = vg_arena_strndup(p->a, p->s + start, n);
	p->pos++;
	if (strcmp(f, "_exists_") == 0 || strcmp(f, "_missing_") == 0) {
		q->op = f[1] == 'e' ? Q_EXISTS : Q_MISSING;
		q->field = bare(p, " +()");
		if (!*q->field)
			return perr(p, "expected a field name");
		*out = q;
		return 0;
	}
	if (n > 6 && strcmp(f + n - 6, ".exact") == 0) {
		f[n - 6] = '\0';
		q->exact = true;
	}
	q->field = f;
	*out = q;
	return parse_value(p, q);
}

static int parse_or(struct parser *p, struct vg_ofda_query **out);

static int parse_unary(struct parser *p, struct vg_ofda_query **out)
{
	int rc;

	if (++p->depth > 32)
		return perr(p, "nested too deeply");
	if (keyword(p, "NOT")) {
		struct vg_ofda_query *q = node(p, Q_NOT);
		rc = parse_unary(p, &q->l);
		*out = q;
	} else if (skip_ws(p), p->s[p->pos] == '(') {
		p->pos++;
		rc = parse_or(p, out);
		skip_ws(p);
		if (rc == 0 && p->s[p->pos] != ')')
			rc = perr(p, "expected )");
		if (p->s[p->pos] == ')')
			p->pos++;
	} else {
		rc = parse_clause(p, out);
	}
	p->depth--;
	return rc;
}

static int parse_and(struct parser *p, struct vg_ofda_query **out)
{
	int rc = parse_unary(p, out);

	while (rc == 0 && keyword(p, "AND")) {
		struct vg_ofda_query *q = node(p, Q_AND);
		q->l = *out;
		rc = parse_unary(p, &q->r);
		*out = q;
	}
	return rc;
}

static int parse_or(struct parser *p, struct vg_ofda_query **out)
{
	int rc = parse_and(p, out);

	for (;;) {
		if (rc)
			return rc;
		keyword(p, "OR");
		skip_ws(p);
		if (!p->s[p->pos] || p->s[p->pos] == ')')
			return 0;
		struct vg_ofda_query *q = node(p, Q_OR);
		q->l = *out;
		rc = parse_and(p, &q->r);
		*out = q;
	}
}

int vg_ofda_parse(const char *search, struct vg_arena *a, struct vg_ofda_query **out,
                  struct vg_err *err)
{
	struct parser p = {search, 0, a, err, 0};
	int rc;

	*out = NULL;
	if (!search)
		return 0;
	if (strlen(search) > 4096)
		return vg_err_set(err, VG_EINVAL, "search", "search is longer than 4096 bytes");
	skip_ws(&p);
	if (!search[p.pos])
		return 0;
	rc = parse_or(&p, out);
	skip_ws(&p);
	if (rc == 0 && search[p.pos])
		rc = perr(&p, "unexpected text");
	return rc;
}

/* ------------------------------------------------------------ values */

struct walk {
	void (*cb)(const char *, void *);
	void *ctx;
};

static void leaf(const json_t *j, struct walk *w)
{
	char num[64];

	if (json_is_string(j)) {
		w->cb(json_string_value(j), w->ctx);
	} else if (json_is_integer(j)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		w->cb(num, w->ctx);
	} else if (json_is_real(j)) {
		snprintf(num, sizeof(num), "%g", json_real_value(j));
		w->cb(num, w->ctx);
	} else if (json_is_boolean(j)) {
		w->cb(json_is_true(j) ? "true" : "false", w->ctx);
	} else if (json_is_array(j)) {
		size_t i;
		json_t *e;
		json_array_foreach(j, i, e)
			leaf(e, w);
	}
}

static void walk(const json_t *j, const char *path, struct walk *w)
{
	const char *dot;
	char key[128];
	size_t n;

	if (json_is_array(j)) {
		size_t i;
		json_t *e;
		json_array_foreach(j, i, e)
			walk(e, path, w);
		return;
	}
	if (!*path) {
		leaf(j, w);
		return;
	}
	if (!json_is_object(j))
		return;
	dot = strchr(path, '.');
	n = dot ? (size_t)(dot - path) : strlen(path);
	if (n >= sizeof(key))
		return;
	memcpy(key, path, n);
	key[n] = '\0';
	walk(json_object_get(j, key), dot ? dot + 1 : "", w);
}

void vg_ofda_values(const json_t *doc, const char *path, void (*cb)(const char *, void *),
                    void *ctx)
{
	struct walk w = {cb, ctx};

	if (doc)
		walk(doc, path, &w);
}

/* ------------------------------------------------------------ matching */

struct mctx {
	const struct vg_ofda_query *q;
	struct vg_buf b;
	bool hit;
};

static bool digits(const char *s, size_t lo, size_t hi)
{
	size_t n = strlen(s);

	if (n < lo || n > hi)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Dates (YYYY[MM[DD]]) compare as the span they cover: a lower bound from
 * its first day, an upper bound to its last, a value from its first. */
static int date_cmp(const char *v, const char *bound, bool upper)
{
	char a[9] = "00000000", b[9] = "00000000";

	if (upper)
		memset(b, '9', 8);
	memcpy(a, v, strlen(v));     /* digits() checked: at most 8 */
	memcpy(b, bound, strlen(bound));
	return strcmp(a, b);
}

static int range_cmp(const char *field, const char *v, const char *bound, bool upper)
{
	double a, b;

	if (vg_ofda_is_date_field(field) && digits(v, 4, 8) && digits(bound, 4, 8))
		return date_cmp(v, bound, upper);

	if (vg_parse_double(vg_sv_of(v), &a) == 0 && vg_parse_double(vg_sv_of(bound), &b) == 0)
		return a < b ? -1 : a > b;
	return strcmp(v, bound);
}

static void match_cb(const char *v, void *ctx)
{
	struct mctx *m = ctx;
	const struct vg_ofda_query *q = m->q;

	if (m->hit)
		return;
	switch (q->op) {
	case Q_EXISTS:
	case Q_MISSING:
		m->hit = *v != '\0';
		break;
	case Q_RANGE:
		m->hit = (strcmp(q->lo, "*") == 0 || range_cmp(q->field, v, q->lo, false) >= 0) &&
		         (strcmp(q->hi, "*") == 0 || range_cmp(q->field, v, q->hi, true) <= 0);
		break;
	default:
		if (q->exact) {
			m->hit = strcmp(v, q->term) == 0;
		} else {
			normalise(v, &m->b);
			m->hit = m->b.p && strstr(m->b.p, q->term) != NULL;
		}
	}
}

bool vg_ofda_match(const struct vg_ofda_query *q, const json_t *doc)
{
	struct mctx m;

	if (!q)
		return true;
	switch (q->op) {
	case Q_AND: return vg_ofda_match(q->l, doc) && vg_ofda_match(q->r, doc);
	case Q_OR: return vg_ofda_match(q->l, doc) || vg_ofda_match(q->r, doc);
	case Q_NOT: return !vg_ofda_match(q->l, doc);
	default: break;
	}
	m.q = q;
	m.b = (struct vg_buf)VG_BUF_INIT((size_t)1 << 20);
	m.hit = false;
	vg_ofda_values(doc, q->field, match_cb, &m);
	vg_buf_release(&m.b);
	return q->op == Q_MISSING ? !m.hit : m.hit;
}

/* Every field named in q, for the "is it supported" check. */
int vg_ofda_query_fields(const struct vg_ofda_query *q, int klass, const char **bad)
{
	if (!q)
		return 0;
	if (q->op == Q_AND || q->op == Q_OR || q->op == Q_NOT)
		return vg_ofda_query_fields(q->l, klass, bad) || vg_ofda_query_fields(q->r, klass, bad);
	if (!vg_ofda_field_known(klass, q->field)) {
		*bad = q->field;
		return -1;
	}
	return 0;
}
