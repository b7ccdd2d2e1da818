/*
 * e2b.c - ICH E2B(R3) (HL7 v3) and E2B(R2) (ichicsr, the FAERS public XML)
 * reader.
 *
 * Streaming: libxml2's xmlTextReader walks the file; when it meets one
 * report element - <PORR_IN049016UV> (R3, one ICSR per message inside the
 * MCCI_IN200100UV01 batch; PORR_IN049017UV/018UV carry the same payload in
 * the schema and are read alike) or <safetyreport> (R2) - it expands that one
 * subtree (xmlTextReaderExpand), the mapper walks it with plain relative
 * node walks (no XPath engine: the paths are fixed, FORMATS.md sections 5
 * and 6 list them), the version goes to the sink, and xmlTextReaderNext
 * moves past the subtree, which the reader then frees.  Memory is one
 * report plus libxml2's input window, whatever the file size.
 *
 *   MCCI_IN200100UV01                      batch (N.1)
 *     PORR_IN049016UV            = M       one message = one ICSR (N.2)
 *       controlActProcess        = C       C.1.2 effectiveTime
 *         subject/investigationEvent = IE  C.1.1, C.1.8.1, H.1, C.1.4/5, C.2
 *           component/adverseEventAssessment = A      G.k.1, G.k.9.i
 *             subject1/primaryRole = P     D, E.i, G.k
 *
 * Hostile input: the parser runs with XML_PARSE_NONET, without
 * XML_PARSE_NOENT / DTDLOAD / DTDATTR / XINCLUDE / HUGE, so no external
 * resource is ever fetched and libxml2's default limits (10 MB text node,
 * depth 256) apply.  A document whose internal DTD subset declares entities
 * is refused outright (billion laughs), and text is collected only from
 * text and CDATA children, never through entity references.  Each string
 * is capped (FIELD_MAX, narrative NARRATIVE_MAX) and each report may hold
 * at most ITEMS_MAX products / events / assessments: crossing a cap rejects
 * the report with the field named.
 *
 * Encoding: FAERS R2 quarters are declared UTF-8 but contain invalid bytes
 * (FDA runs iconv -c).  When the document is UTF-8 (declared or by
 * default) the input callback replaces each invalid byte with U+FFFD and
 * C0 controls other than TAB/CR/LF with a space before libxml2 sees them,
 * so one bad byte costs a character, not the rest of the quarter.
 *
 * Rejects: a report without any case id (C.1.8.1, C.1.1 / safetyreportid),
 * with an unparsable date or over a cap is rejected whole (file, line of
 * its start tag, reason).  A fatal XML error rejects the rest of the file
 * at the line libxml2 reports; reports before it are kept.  A well-formed
 * file without any report (a VICH animal message, say) is one reject too.
 *
 * Identity: E2B(R3) case = C.1.8.1 (else C.1.1), report = C.1.1.  E2B(R2)
 * case = report = safetyreportid, except FDA's public FAERS XML (sender
 * "FDA-Public Use"), where safetyreportid is the FAERS caseid: there the
 * case is "FAERS-<caseid>" and the report caseid+caseversion, as faers.c
 * names them, so both releases of one case meet in the store.
 *
 * Fields the case model has no place for (MedDRA version, tests F.r,
 * medical history D.7, study C.5, literature C.4 ...) are not read.
 */
#include "vg.h"
#include "util/util.h"
#include "ingest/ingest_int.h"

#include <math.h>
#include <pthread.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#define FIELD_MAX ((size_t)4096)
#define NARRATIVE_MAX ((size_t)1 << 20)
#define ITEMS_MAX 5000
#define READ_CHUNK 65536

/* E2B(R3) OIDs (FORMATS.md 5.1). */
#define OID_OBS "2.16.840.1.113883.3.989.2.1.1.19"
#define OID_REPORT_ID "2.16.840.1.113883.3.989.2.1.3.1"
#define OID_CASE_ID "2.16.840.1.113883.3.989.2.1.3.2"
#define OID_CHARACTERISTIC "2.16.840.1.113883.3.989.2.1.1.23"
#define OID_SOURCE_KIND "2.16.840.1.113883.3.989.2.1.1.22"
#define OID_ORGANIZER "2.16.840.1.113883.3.989.2.1.1.20"

/* ------------------------------------------------------------ input */

/*
 * The byte source: a FILE or a memory buffer, optionally passed through the
 * UTF-8 repair filter.  carry holds the tail of an incomplete sequence
 * between two reads.
 */
struct src {
	FILE *f;
	const unsigned char *mem;
	size_t memlen, mempos;
	uint64_t nread; /* raw bytes read, for the progress bar */
	bool first, repair, eof;
	unsigned char carry[4];
	size_t ncarry;
	unsigned char raw[READ_CHUNK];
	unsigned char out[3 * READ_CHUNK]; /* repaired bytes, served from opos */
	size_t opos, olen;
};

static size_t src_raw(struct src *s, unsigned char *dst, size_t n)
{
	if (s->f) {
		size_t got = fread(dst, 1, n, s->f);
		s->nread += got;
		return got;
	}
	size_t k = s->memlen - s->mempos < n ? s->memlen - s->mempos : n;
	memcpy(dst, s->mem + s->mempos, k);
	s->mempos += k;
	return k;
}

/* Should invalid UTF-8 be repaired?  Not for UTF-16 or a declared non-UTF-8
 * encoding, which libxml2 converts itself. */
static bool wants_repair(const unsigned char *p, size_t n)
{
	if (n >= 2 && ((p[0] == 0xFE && p[1] == 0xFF) || (p[0] == 0xFF && p[1] == 0xFE) ||
	               p[0] == 0 || p[1] == 0))
		return false;
	if (n < 5 || memcmp(p, "<?xml", 5) != 0)
		return true;
	const unsigned char *end = memchr(p, '>', n);
	size_t len = end ? (size_t)(end - p) : n;
	for (size_t i = 0; i + 9 < len; i++) {
		if (strncasecmp((const char *)p + i, "encoding", 8) != 0)
			continue;
		size_t j = i + 8;
		while (j < len && (p[j] == ' ' || p[j] == '=' || p[j] == '"' || p[j] == '\''))
			j++;
		return len - j >= 4 && (strncasecmp((const char *)p + j, "utf-8", 5) == 0 ||
		                        strncasecmp((const char *)p + j, "utf8", 4) == 0);
	}
	return true;
}

/* Length of the valid UTF-8 sequence at p (n bytes available): >0 valid,
 * 0 incomplete (needs more bytes), -1 invalid first byte. */
static int utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	int len;
	unsigned lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else
		return -1;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		unsigned b = p[i];
		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
			return -1;
	}
	return len;
}

/* Copy in[0..n) to out repairing UTF-8; returns bytes written (<= 3n).  An
 * incomplete sequence at the end is kept in s->carry unless at EOF. */
static size_t repair(struct src *s, const unsigned char *in, size_t n, unsigned char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t run = i; /* fast path: printable ASCII, TAB, LF, CR */
		while (run < n && ((in[run] >= 0x20 && in[run] < 0x80) || in[run] == '\n' ||
		                   in[run] == '\r' || in[run] == '\t'))
			run++;
		if (run > i) {
			memcpy(out + o, in + i, run - i);
			o += run - i;
			i = run;
			continue;
		}
		int k = utf8_seq(in + i, n - i);
		if (k == 0 && !s->eof) {
			s->ncarry = n - i;
			memcpy(s->carry, in + i, s->ncarry);
			break;
		}
		if (k <= 0) {
			memcpy(out + o, "\xEF\xBF\xBD", 3); /* U+FFFD */
			o += 3;
			i++;
			continue;
		}
		if (k == 1) {
			unsigned char b = in[i];
			out[o++] = b < 0x20 && b != '\t' && b != '\n' && b != '\r' ? ' ' : b;
		} else {
			memcpy(out + o, in + i, (size_t)k);
			o += (size_t)k;
		}
		i += (size_t)k;
	}
	return o;
}

/* Refill s->out from the raw input; false at the end of input. */
static bool src_fill(struct src *s)
{
	size_t have = s->ncarry;

	memcpy(s->raw, s->carry, have);
	s->ncarry = 0;
	size_t got = s->eof ? 0 : src_raw(s, s->raw + have, sizeof s->raw - have);
	if (got == 0)
		s->eof = true;
	have += got;
	if (have == 0)
		return false;
	if (s->first) {
		s->first = false;
		s->repair = wants_repair(s->raw, have);
	}
	s->opos = 0;
	if (s->repair)
		s->olen = repair(s, s->raw, have, s->out);
	else {
		memcpy(s->out, s->raw, have);
		s->olen = have;
	}
	return true;
}

static int src_read(void *ctx, char *buf, int len)
{
	struct src *s = ctx;

	while (s->opos == s->olen)
		if (!src_fill(s))
			return 0;
	size_t n = s->olen - s->opos < (size_t)len ? s->olen - s->opos : (size_t)len;
	memcpy(buf, s->out + s->opos, n);
	s->opos += n;
	return (int)n;
}

static int src_close(void *ctx)
{
	VG_UNUSED(ctx);
	return 0;
}

/* ------------------------------------------------------------ context */

struct ctx {
	const char *name; /* file name for rejects */
	const struct vg_ingest_sink *sink;
	struct vg_ingest_stats *st;
	struct vg_rejects *rj;
	struct vg_err *err;
	struct vg_arena arena;
	int64_t line;       /* line of the report's start tag */
	char bad[256];      /* why the current report is rejected ("" = fine) */
	char xmlerr[256];   /* first fatal libxml2 message */
	int xmlerr_line;
	bool failed;        /* the parse stopped on an error */
	char root[64];      /* the document element's name */
	int64_t nreports;   /* report elements met */
	struct vg_progress *prog; /* NULL: none */
	uint64_t base;      /* bytes of earlier files */
	const struct src *src;
	/* per-report lookup of internal ids (E.i / G.k id/@root), by index */
	const char **ev_ids, **pr_ids;
	size_t ev_cap, pr_cap;
};

static void reject(struct ctx *c, const char *field, const char *fmt, ...) VG_PRINTF(3, 4);
static void reject(struct ctx *c, const char *field, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->bad[0])
		return; /* the first reason wins */
	n = snprintf(c->bad, sizeof c->bad, "%s: ", field);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof c->bad)
		vsnprintf(c->bad + n, sizeof c->bad - (size_t)n, fmt, ap);
	va_end(ap);
}

static void on_xml_error(void *arg, xmlErrorPtr e)
{
	struct ctx *c = arg;

	if (!e || e->level < XML_ERR_FATAL || c->xmlerr[0])
		return;
	snprintf(c->xmlerr, sizeof c->xmlerr, "%s", e->message ? e->message : "XML error");
	size_t n = strlen(c->xmlerr);
	while (n && (c->xmlerr[n - 1] == '\n' || c->xmlerr[n - 1] == ' '))
		c->xmlerr[--n] = 0;
	c->xmlerr_line = e->line;
}

/* ------------------------------------------------------------ node walks */

static bool is_el(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *next_el(xmlNode *n, const char *name)
{
	for (n = n ? n->next : NULL; n; n = n->next)
		if (is_el(n, name))
			return n;
	return NULL;
}

static xmlNode *child(xmlNode *n, const char *name)
{
	if (!n)
		return NULL;
	for (xmlNode *k = n->children; k; k = k->next)
		if (is_el(k, name))
			return k;
	return NULL;
}

#define FOR_CHILD(k, n, name) for (xmlNode *k = child((n), (name)); k; k = next_el(k, (name)))

/* First match of a '/'-separated chain of child names. */
static xmlNode *path(xmlNode *n, const char *p)
{
	char part[64];

	while (n && *p) {
		size_t len = strcspn(p, "/");
		if (len >= sizeof part)
			return NULL;
		memcpy(part, p, len);
		part[len] = 0;
		n = child(n, part);
		p += len + (p[len] == '/');
	}
	return n;
}

/* Attribute value when it is one plain text node (always so without
 * entity substitution, except for character data with references). */
static const char *attr(const xmlNode *n, const char *name)
{
	if (!n || n->type != XML_ELEMENT_NODE)
		return NULL;
	xmlAttr *a = xmlHasProp((xmlNode *)n, (const xmlChar *)name);
	if (!a || !a->children || a->children->type != XML_TEXT_NODE || a->children->next)
		return NULL;
	return (const char *)a->children->content;
}

static bool attr_eq(const xmlNode *n, const char *name, const char *want)
{
	const char *v = attr(n, name);
	return v && strcmp(v, want) == 0;
}

/* Does element n have <code code=CODE codeSystem=CS/> (CS NULL: any)? */
static bool has_code(xmlNode *n, const char *code, const char *cs)
{
	xmlNode *k = child(n, "code");
	return k && attr_eq(k, "code", code) && (!cs || attr_eq(k, "codeSystem", cs));
}

/* Arena copy of the trimmed text content (text and CDATA children only),
 * NULL when empty; over cap rejects the report naming field. */
static const char *text_cap(struct ctx *c, xmlNode *n, size_t cap, const char *field)
{
	size_t len = 0;

	if (!n)
		return NULL;
	for (xmlNode *k = n->children; k; k = k->next)
		if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
			len += strlen((const char *)k->content);
	if (len == 0)
		return NULL;
	if (len > cap) {
		reject(c, field, "text of %zu bytes exceeds the cap of %zu", len, cap);
		return NULL;
	}
	char *s = vg_arena_alloc(&c->arena, len + 1), *o = s;
	for (xmlNode *k = n->children; k; k = k->next)
		if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content) {
			size_t l = strlen((const char *)k->content);
			memcpy(o, k->content, l);
			o += l;
		}
	*o = 0;
	struct vg_sv t = vg_sv_trim((struct vg_sv){s, len});
	return t.len ? vg_arena_strndup(&c->arena, t.p, t.len) : NULL;
}

static const char *text(struct ctx *c, xmlNode *n, const char *field)
{
	return text_cap(c, n, FIELD_MAX, field);
}

/* Arena copy of an attribute (trimmed, capped), NULL when absent/empty. */
static const char *attr_dup(struct ctx *c, xmlNode *n, const char *name, const char *field)
{
	const char *v = attr(n, name);
	if (!v)
		return NULL;
	struct vg_sv t = vg_sv_trim(vg_sv_of(v));
	if (!t.len)
		return NULL;
	if (t.len > FIELD_MAX) {
		reject(c, field, "attribute of %zu bytes exceeds the cap", t.len);
		return NULL;
	}
	return vg_arena_strndup(&c->arena, t.p, t.len);
}

/* HL7 TS / E2B date from a string; a bad one rejects the report. */
static struct vg_date date_of(struct ctx *c, const char *s, const char *field)
{
	struct vg_date d = VG_DATE_INIT;
	if (s && vg_date_parse(vg_sv_trim(vg_sv_of(s)), &d) < 0) {
		reject(c, field, "bad date '%.40s'", s);
		d = (struct vg_date)VG_DATE_INIT;
	}
	return d;
}

static struct vg_date date_attr(struct ctx *c, xmlNode *n, const char *field)
{
	return date_of(c, attr(n, "value"), field);
}

/* Small code value ("1", "05") -> int in [lo, hi], else dflt. */
static int code_int(const char *s, int lo, int hi, int dflt)
{
	int64_t v;
	if (!s || vg_parse_i64(vg_sv_trim(vg_sv_of(s)), &v) < 0 || v < lo || v > hi)
		return dflt;
	return (int)v;
}

static double num_of(const char *s)
{
	double v;
	if (!s || vg_parse_double(vg_sv_trim(vg_sv_of(s)), &v) < 0 || !isfinite(v))
		return NAN;
	return v;
}

/* "a" + "b" joined by sep into the arena (either may be NULL). */
static const char *join(struct ctx *c, const char *a, const char *sep, const char *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return vg_arena_printf(&c->arena, "%s%s%s", a, sep, b);
}

static bool too_many(struct ctx *c, size_t n, const char *field)
{
	if (n < ITEMS_MAX)
		return false;
	reject(c, field, "more than %d items", ITEMS_MAX);
	return true;
}

/* ================================================================ R3 */

/* E2B(R3) E.i.3.2a-f: observation code -> seriousness bit. */
static const struct {
	const char *code;
	unsigned bit;
} r3_serious[] = {
	{"34", VG_SER_DEATH},        {"21", VG_SER_LIFE_THREATENING},
	{"33", VG_SER_HOSPITALISATION}, {"35", VG_SER_DISABILITY},
	{"12", VG_SER_CONGENITAL},   {"26", VG_SER_OTHER},
};

static void r3_event_details(struct ctx *c, xmlNode *o, struct vg_event *e)
{
	FOR_CHILD(r, o, "outboundRelationship2") {
		xmlNode *ob = child(r, "observation");
		xmlNode *val = child(ob, "value");
		for (size_t i = 0; i < VG_ARRAY_LEN(r3_serious); i++)
			if (has_code(ob, r3_serious[i].code, OID_OBS) && attr_eq(val, "value", "true"))
				e->seriousness |= r3_serious[i].bit;
		if (has_code(ob, "27", OID_OBS)) /* E.i.7 */
			e->outcome = code_int(attr(val, "code"), 0, 5, VG_OUTCOME_UNKNOWN);
		if (!e->term && has_code(ob, "30", OID_OBS)) /* E.i.1.2 translation */
			e->term = text(c, val, "E.i.1.2");
	}
}

/* E.i reaction: $P/subjectOf2/observation[obs 29]. */
static void r3_event(struct ctx *c, struct vg_case_version *v, xmlNode *o, const char **country)
{
	if (too_many(c, v->nevents, "E.i"))
		return;
	struct vg_event *e = vg_case_add_event(v, &c->arena);
	xmlNode *val = child(o, "value");
	const char *id = attr(child(o, "id"), "root");

	VG_GROW(c->ev_ids, c->ev_cap, v->nevents);
	c->ev_ids[v->nevents - 1] = id ? vg_arena_strdup(&c->arena, id) : NULL;
	e->term = text(c, child(val, "originalText"), "E.i.1.1a");
	e->code = attr_dup(c, val, "code", "E.i.2.1b");
	e->coded = attr_dup(c, val, "displayName", "E.i.2.1b");
	xmlNode *et = child(o, "effectiveTime");
	e->onset = date_attr(c, child(et, "low"), "E.i.4");
	e->end = date_attr(c, child(et, "high"), "E.i.5");
	r3_event_details(c, o, e);
	if (!*country)
		*country = attr_dup(c, path(o, "location/locatedEntity/locatedPlace/code"), "code",
		                    "E.i.9");
}

/* First non-empty dosage data of G.k.4.r (repeats): dose, text, route, lot,
 * dates. */
static void r3_dosage(struct ctx *c, xmlNode *d, struct vg_product *p)
{
	const char *qty = NULL, *txt = NULL;

	FOR_CHILD(r, d, "outboundRelationship2") {
		xmlNode *g = child(r, "substanceAdministration");
		if (!g)
			continue;
		xmlNode *dq = child(g, "doseQuantity");
		if (!qty && attr(dq, "value"))
			qty = join(c, attr_dup(c, dq, "value", "G.k.4.r.1a"), " ",
			           attr_dup(c, dq, "unit", "G.k.4.r.1b"));
		if (!txt)
			txt = text(c, child(g, "text"), "G.k.4.r.8");
		xmlNode *rc = child(g, "routeCode");
		if (!p->route)
			p->route = text(c, child(rc, "originalText"), "G.k.4.r.10");
		if (!p->route)
			p->route = attr_dup(c, rc, "code", "G.k.4.r.10");
		if (!p->batch)
			p->batch = text(c, path(g, "consumable/instanceOfKind/productInstanceInstance/"
			                           "lotNumberText"), "G.k.4.r.7");
		xmlNode *et = child(g, "effectiveTime");
		for (xmlNode *k = et ? et->children : NULL; k; k = k->next) {
			xmlNode *ivl = is_el(k, "comp") ? k : NULL;
			if (ivl && !attr_eq(ivl, "type", "IVL_TS"))
				continue;
			if (!ivl && et && attr_eq(et, "type", "IVL_TS"))
				ivl = et;
			if (ivl && p->start.prec == VG_DATE_NONE)
				p->start = date_attr(c, child(ivl, "low"), "G.k.4.r.4");
			if (ivl && p->end.prec == VG_DATE_NONE)
				p->end = date_attr(c, child(ivl, "high"), "G.k.4.r.5");
			if (ivl == et)
				break;
		}
	}
	p->dose = txt ? txt : qty;
}

/* G.k.2.3.r active substances, joined by '\' (as FAERS prod_ai). */
static const char *r3_substances(struct ctx *c, xmlNode *kop)
{
	const char *all = NULL;

	FOR_CHILD(ing, kop, "ingredient")
		all = join(c, all, "\\", text(c, path(ing, "ingredientSubstance/name"), "G.k.2.3.r.1"));
	return all;
}

/* G.k drug: organizer[4]/component/substanceAdministration. */
static void r3_product(struct ctx *c, struct vg_case_version *v, xmlNode *d)
{
	if (too_many(c, v->nproducts, "G.k"))
		return;
	struct vg_product *p = vg_case_add_product(v, &c->arena);
	const char *id = attr(child(d, "id"), "root");
	xmlNode *kop = path(d, "consumable/instanceOfKind/kindOfProduct");
	xmlNode *appr = path(kop, "asManufacturedProduct/subjectOf/approval");

	VG_GROW(c->pr_ids, c->pr_cap, v->nproducts);
	c->pr_ids[v->nproducts - 1] = id ? vg_arena_strdup(&c->arena, id) : NULL;
	p->klass = VG_CLASS_DRUG;
	p->name = text(c, child(kop, "name"), "G.k.2.2");
	p->ingredient = r3_substances(c, kop);
	p->approval_no = attr_dup(c, child(appr, "id"), "extension", "G.k.3.1");
	p->manufacturer = text(c, path(appr, "holder/role/playingOrganization/name"), "G.k.3.3");
	r3_dosage(c, d, p);
	FOR_CHILD(r, d, "inboundRelationship") {
		if (attr_eq(r, "typeCode", "RSON") && !p->indication) { /* G.k.7.r */
			xmlNode *val = child(child(r, "observation"), "value");
			p->indication = text(c, child(val, "originalText"), "G.k.7.r.1");
			if (!p->indication)
				p->indication = attr_dup(c, val, "code", "G.k.7.r.2b");
		}
		if (attr_eq(r, "typeCode", "CAUS")) /* G.k.8 */
			p->action = code_int(attr(path(r, "act/code"), "code"), 0, 9, 0);
	}
}

static int find_id(const char **ids, size_t n, const char *id)
{
	for (size_t i = 0; id && i < n; i++)
		if (ids[i] && strcmp(ids[i], id) == 0)
			return (int)i;
	return -1;
}

/* $A/component/causalityAssessment: G.k.1 (obs 20) and G.k.9.i.2 (obs 39). */
static void r3_assessments(struct ctx *c, struct vg_case_version *v, xmlNode *a)
{
	FOR_CHILD(comp, a, "component") {
		xmlNode *ca = child(comp, "causalityAssessment");
		const char *pid = attr(path(ca, "subject2/productUseReference/id"), "root");
		int pi = find_id(c->pr_ids, v->nproducts, pid);
		if (!ca || pi < 0)
			continue;
		if (has_code(ca, "20", OID_OBS)) {
			v->products[pi].role = code_int(attr(child(ca, "value"), "code"), 1, 4, 0);
			continue;
		}
		if (!has_code(ca, "39", OID_OBS))
			continue;
		const char *eid = attr(path(ca, "subject1/adverseEffectReference/id"), "root");
		int ei = find_id(c->ev_ids, v->nevents, eid);
		if (ei < 0 || too_many(c, v->ncausality, "G.k.9.i.2"))
			continue;
		struct vg_causality *k = vg_case_add_causality(v, &c->arena);
		k->product = pi;
		k->event = ei;
		k->result = text(c, child(ca, "value"), "G.k.9.i.2.r.3");
		k->method = text(c, path(ca, "methodCode/originalText"), "G.k.9.i.2.r.2");
		k->source = text(c, path(ca, "author/assignedEntity/code/originalText"),
		                 "G.k.9.i.2.r.1");
	}
}

/* D patient: player1 and subjectOf2 observations; E.i and G.k below it. */
static void r3_patient(struct ctx *c, struct vg_case_version *v, xmlNode *pr, const char **cty)
{
	xmlNode *pl = child(pr, "player1");

	v->patient_id = text(c, child(pl, "name"), "D.1");
	v->sex = code_int(attr(child(pl, "administrativeGenderCode"), "code"), 1, 2, 0);
	v->birth = date_attr(c, child(pl, "birthTime"), "D.2.1");
	FOR_CHILD(s, pr, "subjectOf2") {
		xmlNode *o = child(s, "observation"), *val = child(o, "value");
		if (has_code(o, "3", OID_OBS)) { /* D.2.2 */
			v->age_value = num_of(attr(val, "value"));
			v->age_unit = attr_dup(c, val, "unit", "D.2.2b");
		} else if (has_code(o, "4", OID_OBS)) { /* D.2.3 */
			int g = code_int(attr(val, "code"), 0, 6, -1);
			v->age_group = g < 0 ? VG_AGE_UNKNOWN : g + 1;
		} else if (has_code(o, "7", OID_OBS)) { /* D.3 */
			double w = num_of(attr(val, "value"));
			v->weight_kg = attr_eq(val, "unit", "g") ? w / 1000 : w;
		} else if (has_code(o, "29", OID_OBS))
			r3_event(c, v, o, cty);
		xmlNode *org = child(s, "organizer");
		if (org && has_code(org, "4", OID_ORGANIZER))
			FOR_CHILD(comp, org, "component")
				if (child(comp, "substanceAdministration"))
					r3_product(c, v, child(comp, "substanceAdministration"));
	}
	if (!isnan(v->age_value))
		v->age_years = vg_case_age_years(v->age_value, v->age_unit);
}

/* C.2.r primary sources: the one with priorityNumber 1 (C.2.r.5), else the
 * first. */
static xmlNode *r3_primary_source(xmlNode *ie)
{
	xmlNode *first = NULL;

	FOR_CHILD(ob, ie, "outboundRelationship") {
		xmlNode *ri = child(ob, "relatedInvestigation");
		if (!ri || !has_code(ri, "2", OID_SOURCE_KIND))
			continue;
		xmlNode *ae = path(ri, "subjectOf2/controlActEvent/author/assignedEntity");
		if (ae && attr_eq(child(ob, "priorityNumber"), "value", "1"))
			return ae;
		if (!first)
			first = ae;
	}
	return first;
}

static void r3_reporter(struct ctx *c, struct vg_case_version *v, xmlNode *ie)
{
	xmlNode *ae = r3_primary_source(ie);
	xmlNode *ap = child(ae, "assignedPerson");
	const char *name = NULL;

	if (!ae)
		return;
	v->qualification = code_int(attr(path(ap, "asQualifiedEntity/code"), "code"), 1, 5, 0);
	v->country = attr_dup(c, path(ap, "asLocatedEntity/location/code"), "code", "C.2.r.3");
	for (xmlNode *k = child(ap, "name") ? child(ap, "name")->children : NULL; k; k = k->next)
		if (is_el(k, "prefix") || is_el(k, "given") || is_el(k, "family"))
			name = join(c, name, " ", text(c, k, "C.2.r.1"));
	v->reporter_name = name;
	v->region = text(c, path(ae, "addr/state"), "C.2.r.2.4"); /* province / state */
	v->reporter_org = text(c, path(ae, "representedOrganization/assignedEntity/"
	                                   "representedOrganization/name"), "C.2.r.2.1");
	if (!v->reporter_org)
		v->reporter_org = text(c, path(ae, "representedOrganization/name"), "C.2.r.2.2");
	FOR_CHILD(t, ae, "telecom") {
		const char *tv = attr(t, "value");
		if (tv && strncmp(tv, "tel:", 4) == 0 && !v->reporter_phone && tv[4])
			v->reporter_phone = vg_arena_strndup(&c->arena, tv + 4, strnlen(tv + 4, 64));
	}
}

/* C.1.3 report type, C.1.11 nullification / amendment. */
static void r3_characteristics(struct ctx *c, struct vg_case_version *v, xmlNode *ie)
{
	FOR_CHILD(s, ie, "subjectOf2") {
		xmlNode *ic = child(s, "investigationCharacteristic"), *val = child(ic, "value");
		if (!ic)
			continue;
		if (has_code(ic, "1", OID_CHARACTERISTIC))
			v->report_type = code_int(attr(val, "code"), 1, 4, VG_RT_UNKNOWN);
		else if (has_code(ic, "3", OID_CHARACTERISTIC)) {
			int k = code_int(attr(val, "code"), 1, 2, 0);
			v->nullified = k == 1;
			v->amendment = k == 2;
		} else if (has_code(ic, "4", OID_CHARACTERISTIC))
			v->nullify_reason = text(c, child(val, "originalText"), "C.1.11.2");
	}
}

static void r3_ids(struct ctx *c, struct vg_case_version *v, xmlNode *ie)
{
	FOR_CHILD(id, ie, "id") {
		if (attr_eq(id, "root", OID_REPORT_ID) && !v->report_id)
			v->report_id = attr_dup(c, id, "extension", "C.1.1");
		else if (attr_eq(id, "root", OID_CASE_ID) && !v->case_id)
			v->case_id = attr_dup(c, id, "extension", "C.1.8.1");
	}
	if (!v->case_id)
		v->case_id = v->report_id; /* C.1.8.1 missing: the sender's id is all we have */
}

/* Fill v from one PORR_IN049016UV message. */
static void map_r3(struct ctx *c, xmlNode *m, struct vg_case_version *v)
{
	xmlNode *cap = child(m, "controlActProcess");
	xmlNode *ie = path(cap, "subject/investigationEvent");
	xmlNode *a = path(ie, "component/adverseEventAssessment");
	const char *evcountry = NULL;

	v->unit = attr_dup(c, path(m, "sender/device/id"), "extension", "N.2.r.2");
	v->created = date_attr(c, child(cap, "effectiveTime"), "C.1.2");
	r3_ids(c, v, ie);
	v->narrative = text_cap(c, child(ie, "text"), NARRATIVE_MAX, "H.1");
	v->received = date_attr(c, path(ie, "effectiveTime/low"), "C.1.4");
	v->latest = date_attr(c, child(ie, "availabilityTime"), "C.1.5");
	r3_characteristics(c, v, ie);
	r3_reporter(c, v, ie);
	r3_patient(c, v, path(a, "subject1/primaryRole"), &evcountry);
	r3_assessments(c, v, a);
	if (!v->country)
		v->country = evcountry;
}

/* ================================================================ R2 */

static const char *el_text(struct ctx *c, xmlNode *n, const char *name, const char *field)
{
	return text(c, child(n, name), field);
}

static bool el_yes(xmlNode *n, const char *name)
{
	xmlNode *k = child(n, name);
	return k && k->children && k->children->type == XML_TEXT_NODE &&
	       code_int((const char *)k->children->content, 1, 2, 0) == 1;
}

static struct vg_date el_date(struct ctx *c, xmlNode *n, const char *name, const char *field)
{
	return date_of(c, el_text(c, n, name, field), field);
}

/* Is s all digits (a MedDRA code rather than a name)? */
static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* B.2.i reaction. */
static void r2_event(struct ctx *c, struct vg_case_version *v, xmlNode *r)
{
	if (too_many(c, v->nevents, "B.2.i"))
		return;
	struct vg_event *e = vg_case_add_event(v, &c->arena);
	const char *llt = el_text(c, r, "reactionmeddrallt", "B.2.i.1");
	const char *pt = el_text(c, r, "reactionmeddrapt", "B.2.i.2");

	e->term = el_text(c, r, "primarysourcereaction", "B.2.i.0");
	if (all_digits(pt) || all_digits(llt)) {
		e->code = all_digits(llt) ? llt : pt;
		e->coded = !all_digits(pt) ? pt : !all_digits(llt) ? llt : NULL;
	} else
		e->coded = pt ? pt : llt;
	if (!e->term)
		e->term = !all_digits(llt) && llt ? llt : e->coded;
	int oc = code_int(el_text(c, r, "reactionoutcome", "B.2.i.8"), 1, 6, 0);
	e->outcome = oc == 6 ? VG_OUTCOME_UNKNOWN : oc; /* R2 6 = unknown */
	e->onset = el_date(c, r, "reactionstartdate", "B.2.i.4");
	e->end = el_date(c, r, "reactionenddate", "B.2.i.6");
}

static const char *r2_dose(struct ctx *c, xmlNode *d)
{
	const char *t = el_text(c, d, "drugdosagetext", "B.4.k.6");
	if (t)
		return t;
	const char *n = el_text(c, d, "drugstructuredosagenumb", "B.4.k.5.1");
	return n ? join(c, n, " ", el_text(c, d, "drugstructuredosageunit", "B.4.k.5.2")) : NULL;
}

/* B.4.k drug. */
static void r2_product(struct ctx *c, struct vg_case_version *v, xmlNode *d)
{
	if (too_many(c, v->nproducts, "B.4.k"))
		return;
	struct vg_product *p = vg_case_add_product(v, &c->arena);
	const char *subs = NULL;

	p->klass = VG_CLASS_DRUG;
	p->role = code_int(el_text(c, d, "drugcharacterization", "B.4.k.1"), 1, 3, 0);
	p->name = el_text(c, d, "medicinalproduct", "B.4.k.2.1");
	FOR_CHILD(as, d, "activesubstance")
		subs = join(c, subs, "\\", el_text(c, as, "activesubstancename", "B.4.k.2.2"));
	p->ingredient = subs;
	p->batch = el_text(c, d, "drugbatchnumb", "B.4.k.3");
	p->approval_no = el_text(c, d, "drugauthorizationnumb", "B.4.k.4.1");
	p->manufacturer = el_text(c, d, "drugauthorizationholder", "B.4.k.4.3");
	p->dose = r2_dose(c, d);
	p->route = el_text(c, d, "drugadministrationroute", "B.4.k.8");
	p->indication = el_text(c, d, "drugindication", "B.4.k.11");
	p->start = el_date(c, d, "drugstartdate", "B.4.k.12");
	p->end = el_date(c, d, "drugenddate", "B.4.k.14");
	int act = code_int(el_text(c, d, "actiondrug", "B.4.k.16"), 1, 6, 0);
	p->action = act == 5 ? 0 : act == 6 ? 9 : act; /* R2 5/6 -> R3 0/9 */
}

/* B.4.k.18 relatedness: the reaction is named, not referenced by id. */
static void r2_causality(struct ctx *c, struct vg_case_version *v, xmlNode *d, int pi)
{
	FOR_CHILD(rel, d, "drugreactionrelatedness") {
		const char *term = el_text(c, rel, "drugreactionasses", "B.4.k.18.1");
		int ei = -1;
		for (size_t i = 0; term && i < v->nevents && ei < 0; i++) {
			const struct vg_event *e = &v->events[i];
			if ((e->coded && strcasecmp(e->coded, term) == 0) ||
			    (e->term && strcasecmp(e->term, term) == 0) ||
			    (e->code && strcmp(e->code, term) == 0))
				ei = (int)i;
		}
		if (ei < 0 || too_many(c, v->ncausality, "B.4.k.18"))
			continue;
		struct vg_causality *k = vg_case_add_causality(v, &c->arena);
		k->product = pi;
		k->event = ei;
		k->source = el_text(c, rel, "drugassessmentsource", "B.4.k.18.2");
		k->method = el_text(c, rel, "drugassessmentmethod", "B.4.k.18.3");
		k->result = el_text(c, rel, "drugresult", "B.4.k.18.4");
	}
}

static void r2_patient(struct ctx *c, struct vg_case_version *v, xmlNode *pt)
{
	const char *unit = el_text(c, pt, "patientonsetageunit", "B.1.2.2b");
	static const char *const units[] = {"10.a", "a", "mo", "wk", "d", "h"}; /* 800..805 */
	int u = code_int(unit, 800, 805, 0);

	v->patient_id = el_text(c, pt, "patientinitial", "B.1.1");
	v->sex = code_int(el_text(c, pt, "patientsex", "B.1.5"), 1, 2, 0);
	v->weight_kg = num_of(el_text(c, pt, "patientweight", "B.1.3"));
	v->birth = el_date(c, pt, "patientbirthdate", "B.1.2.1");
	v->age_value = num_of(el_text(c, pt, "patientonsetage", "B.1.2.2a"));
	v->age_unit = u ? units[u - 800] : unit;
	if (!isnan(v->age_value))
		v->age_years = vg_case_age_years(v->age_value, v->age_unit);
	int g = code_int(el_text(c, pt, "patientagegroup", "B.1.2.3"), 1, 6, 0);
	v->age_group = g ? g + 1 : VG_AGE_UNKNOWN;
	FOR_CHILD(r, pt, "reaction")
		r2_event(c, v, r);
	FOR_CHILD(d, pt, "drug") {
		r2_product(c, v, d);
		if (v->nproducts)
			r2_causality(c, v, d, (int)v->nproducts - 1);
	}
	v->narrative = text_cap(c, path(pt, "summary/narrativeincludeclinical"), NARRATIVE_MAX,
	                        "B.5.1");
}

/* A.1.5 case-level seriousness (R2 has none per reaction). */
static void r2_seriousness(struct ctx *c, struct vg_case_version *v, xmlNode *sr)
{
	static const struct {
		const char *el;
		unsigned bit;
	} map[] = {
		{"seriousnessdeath", VG_SER_DEATH},
		{"seriousnesslifethreatening", VG_SER_LIFE_THREATENING},
		{"seriousnesshospitalization", VG_SER_HOSPITALISATION},
		{"seriousnessdisabling", VG_SER_DISABILITY},
		{"seriousnesscongenitalanomali", VG_SER_CONGENITAL},
		{"seriousnessother", VG_SER_OTHER},
	};
	VG_UNUSED(c);
	for (size_t i = 0; i < VG_ARRAY_LEN(map); i++)
		if (el_yes(sr, map[i].el))
			v->seriousness |= map[i].bit;
	v->serious = el_yes(sr, "serious") || v->seriousness;
}

static void map_r2(struct ctx *c, xmlNode *sr, struct vg_case_version *v)
{
	xmlNode *ps = child(sr, "primarysource");

	v->case_id = el_text(c, sr, "safetyreportid", "A.1.0.1");
	v->report_id = v->case_id;
	v->source_version = el_text(c, sr, "safetyreportversion", "safetyreportversion");
	v->country = el_text(c, sr, "primarysourcecountry", "A.1.1");
	if (!v->country)
		v->country = el_text(c, ps, "reportercountry", "A.2.1.3");
	if (!v->country)
		v->country = el_text(c, sr, "occurcountry", "A.1.2");
	v->created = el_date(c, sr, "transmissiondate", "A.1.3");
	v->received = el_date(c, sr, "receivedate", "A.1.6");
	v->latest = el_date(c, sr, "receiptdate", "A.1.7");
	v->report_type = code_int(el_text(c, sr, "reporttype", "A.1.4"), 1, 4, VG_RT_UNKNOWN);
	v->nullified = el_yes(sr, "casenullification");
	v->nullify_reason = el_text(c, sr, "nullificationreason", "A.1.13.1");
	r2_seriousness(c, v, sr);
	v->qualification = code_int(el_text(c, ps, "qualification", "A.2.1.4"), 1, 5, 0);
	v->reporter_name = join(c, el_text(c, ps, "reportergivename", "A.2.1.1b"), " ",
	                        el_text(c, ps, "reporterfamilyname", "A.2.1.1d"));
	v->reporter_org = el_text(c, ps, "reporterorganization", "A.2.1.2a");
	v->region = el_text(c, ps, "reporterstate", "A.2.1.2e");
	r2_patient(c, v, child(sr, "patient"));
	/* FDA's public FAERS XML is a redacted public release (DECISIONS.md),
	 * like the FAERS ASCII files; other R2 senders are not */
	const char *org = el_text(c, child(sr, "sender"), "senderorganization", "A.3.1.2");
	v->redacted = org && strncmp(org, "FDA-Public Use", 14) == 0;
	/* There safetyreportid is the FAERS caseid and safetyreportversion the
	 * caseversion: name the case as faers.c does, so the XML and ASCII
	 * releases of one case meet ("FAERS-<caseid>", report = primaryid) */
	if (v->redacted && all_digits(v->case_id)) {
		v->report_id = vg_arena_printf(&c->arena, "%s%s", v->case_id,
		                               v->source_version ? v->source_version : "");
		v->case_id = vg_arena_printf(&c->arena, "FAERS-%s", v->case_id);
	}
}

/* ================================================================ driver */

static int deliver(struct ctx *c, xmlNode *n, bool r3)
{
	struct vg_case_version *v = vg_case_new(&c->arena);
	int rc = 0;

	c->bad[0] = 0;
	c->nreports++;
	c->line = xmlGetLineNo(n);
	v->source = "e2b";
	v->klass = VG_CLASS_DRUG;
	if (r3)
		map_r3(c, n, v);
	else
		map_r2(c, n, v);
	for (size_t i = 0; i < v->nevents; i++)
		v->seriousness |= v->events[i].seriousness;
	if (r3)
		v->serious = v->seriousness != 0;
	v->initial = v->received.prec && v->latest.prec && !vg_date_cmp(&v->received, &v->latest);
	if (!c->bad[0] && !v->case_id)
		reject(c, r3 ? "C.1.8.1" : "A.1.0.1", "report has no case identifier");
	c->st->rows_read++;
	if (c->bad[0]) {
		vg_rejects_add(c->rj, c->name, c->line, "%s", c->bad);
		c->st->rows_rejected++;
	} else {
		rc = c->sink->version(c->sink->ctx, v, c->err);
		if (rc == 0)
			c->st->versions++;
	}
	vg_arena_reset(&c->arena);
	if (c->prog)
		vg_progress_update(c->prog, c->base + c->src->nread);
	return rc;
}

/* Refuse internal-subset entity declarations (billion laughs and friends).
 * Not xmlTextReaderCurrentDoc: it would make the reader keep every node. */
static bool has_entity_decls(xmlTextReaderPtr r)
{
	xmlNode *n = xmlTextReaderCurrentNode(r);
	xmlDtd *dtd = n && n->doc ? n->doc->intSubset : NULL;
	return dtd && ((dtd->entities && xmlHashSize((xmlHashTablePtr)dtd->entities) > 0) ||
	               (dtd->pentities && xmlHashSize((xmlHashTablePtr)dtd->pentities) > 0));
}

/* Read to the end; c->failed when the parse stopped on an error. */
static int walk(struct ctx *c, xmlTextReaderPtr r)
{
	int ret = xmlTextReaderRead(r), rc = 0;
	bool checked = false;

	while (ret == 1 && rc == 0) {
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT) {
			ret = xmlTextReaderRead(r);
			continue;
		}
		if (!checked && xmlTextReaderConstLocalName(r))
			snprintf(c->root, sizeof c->root, "%s",
			         (const char *)xmlTextReaderConstLocalName(r));
		if (!checked && (checked = true) && has_entity_decls(r)) {
			snprintf(c->xmlerr, sizeof c->xmlerr, "entity declarations are not allowed");
			c->xmlerr_line = xmlTextReaderGetParserLineNumber(r);
			c->failed = true;
			return 0;
		}
		const char *nm = (const char *)xmlTextReaderConstLocalName(r);
		/* the schema's three ICSR interactions share one payload */
		bool r3 = nm && (strcmp(nm, "PORR_IN049016UV") == 0 ||
		                 strcmp(nm, "PORR_IN049017UV") == 0 ||
		                 strcmp(nm, "PORR_IN049018UV") == 0);
		if (!r3 && !(nm && strcmp(nm, "safetyreport") == 0)) {
			ret = xmlTextReaderRead(r);
			continue;
		}
		xmlNode *n = xmlTextReaderExpand(r);
		if (!n) {
			/* The parse failed ahead of us (truncated input): the report is
			 * whole if the parser already started what follows it. */
			n = xmlTextReaderCurrentNode(r);
			if (n && n->next)
				rc = deliver(c, n, r3);
			ret = -1;
			break;
		}
		rc = deliver(c, n, r3);
		ret = xmlTextReaderNext(r);
	}
	if (ret < 0)
		c->failed = true;
	return rc;
}

/* libxml2 2.9 must be initialised once before threads use it (the HTTP
 * server calls vg_ingest_e2b_buffer from its workers). */
static void init_libxml(void)
{
	xmlInitParser();
}

static int run_reader(struct ctx *c, struct src *s)
{
	int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT | XML_PARSE_BIG_LINES;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	xmlTextReaderPtr r;
	int rc;

	pthread_once(&once, init_libxml);
	r = xmlReaderForIO(src_read, src_close, s, c->name, NULL, opts);

	if (!r)
		return vg_err_set(c->err, VG_ENOMEM, c->name, "cannot create the XML reader");
	c->src = s;
	xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, c);
	vg_arena_init(&c->arena, 0);
	rc = walk(c, r);
	if (rc == 0 && !c->failed && c->nreports == 0) { /* nothing dropped silently */
		snprintf(c->xmlerr, sizeof c->xmlerr, "no ICSR found (document element <%s>): "
		         "not E2B(R3) PORR_IN049016UV or E2B(R2) safetyreport", c->root);
		c->xmlerr_line = 1;
		c->failed = true;
	}
	if (rc == 0 && c->failed) {
		if (!c->xmlerr[0])
			snprintf(c->xmlerr, sizeof c->xmlerr, "malformed XML");
		if (!c->xmlerr_line)
			c->xmlerr_line = xmlTextReaderGetParserLineNumber(r);
		vg_rejects_add(c->rj, c->name, c->xmlerr_line, "%s%s",
		               c->nreports ? "XML error, rest of the file not read: " : "", c->xmlerr);
		c->st->rows_rejected++;
		rc = vg_err_set(c->err, VG_EPARSE, c->name, "line %d: %s", c->xmlerr_line,
		                c->xmlerr);
	}
	xmlFreeTextReader(r);
	vg_arena_release(&c->arena);
	free(c->ev_ids);
	free(c->pr_ids);
	return rc;
}

static void ctx_init(struct ctx *c, const char *name, const struct vg_ingest_sink *sink,
                     struct vg_ingest_stats *st, struct vg_rejects *rj, struct vg_err *err)
{
	memset(c, 0, sizeof *c);
	c->name = name;
	c->sink = sink;
	c->st = st;
	c->rj = rj;
	c->err = err;
}

int vg_ingest_e2b_buffer(const char *xml, size_t len, const char *name,
                         const struct vg_ingest_sink *sink, struct vg_ingest_stats *st,
                         struct vg_rejects *rj, struct vg_err *err)
{
	struct ctx c;
	struct src *s = vg_xcalloc(1, sizeof *s);
	int rc;

	ctx_init(&c, name ? name : "upload", sink, st, rj, err);
	s->mem = (const unsigned char *)xml;
	s->memlen = len;
	s->first = true;
	rc = run_reader(&c, s);
	free(s);
	return rc;
}

static int ingest_file(const char *path, const struct vg_ingest_sink *sink,
                       struct vg_ingest_stats *st, struct vg_rejects *rj,
                       struct vg_progress *prog, uint64_t base, struct vg_err *err)
{
	struct ctx c;
	struct src *s = vg_xcalloc(1, sizeof *s);
	int rc;

	ctx_init(&c, path, sink, st, rj, err);
	c.prog = prog;
	c.base = base;
	s->first = true;
	s->f = fopen(path, "rb");
	if (!s->f) {
		rc = vg_err_set(err, VG_EIO, path, "cannot open: %s", strerror(errno));
		goto out;
	}
	rc = run_reader(&c, s);
	if (rc == 0 && ferror(s->f))
		rc = vg_err_set(err, VG_EIO, path, "read error");
out:
	if (s->f)
		fclose(s->f);
	free(s);
	return rc;
}

int vg_ingest_e2b_file(const char *path, const struct vg_ingest_sink *sink,
                       struct vg_ingest_stats *st, struct vg_rejects *rj, struct vg_err *err)
{
	return ingest_file(path, sink, st, rj, NULL, 0, err);
}

/* The format-table entry: every file in turn; a malformed file is in the
 * rejects and does not stop the others, a sink or I/O error does. */
static int run_e2b(const struct vg_ingest_opts *opts, char **files, int nfiles,
                   const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                   struct vg_err *err)
{
	struct vg_rejects *rj = opts ? opts->rejects : NULL;
	struct vg_progress prog, *pp = opts && opts->progress ? &prog : NULL;
	uint64_t total = 0, base = 0;
	struct stat sb;
	int rc = 0;

	for (int i = 0; pp && i < nfiles; i++)
		total += stat(files[i], &sb) == 0 ? (uint64_t)sb.st_size : 0;
	if (pp)
		vg_progress_start(pp, "e2b", total);
	for (int i = 0; i < nfiles && rc == 0; i++) {
		struct vg_err e = VG_ERR_INIT;
		rc = ingest_file(files[i], sink, stats, rj, pp, base, &e);
		if (rc == VG_EPARSE)
			rc = 0; /* recorded in the rejects; go on with the next file */
		else if (rc < 0)
			*err = e;
		base += stat(files[i], &sb) == 0 ? (uint64_t)sb.st_size : 0;
	}
	if (pp)
		vg_progress_finish(pp);
	return rc;
}

const struct vg_ingest_format vg_ingest_e2b = {
	.name = "e2b",
	.summary = "ICH E2B(R3) XML (MCCI_IN200100UV01) or E2B(R2) / FAERS XML (ichicsr)",
	.run = run_e2b,
};
