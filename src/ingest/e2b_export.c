/*
 * e2b_export.c - one case version as an ICH E2B(R3) ICSR.
 *
 * The output is a MCCI_IN200100UV01 batch holding one PORR_IN049016UV
 * message, laid out like FDA's example instances (FORMATS.md section 5) and
 * valid against the ICH multicache schemas (tests/data/e2b/xsd, checked by
 * tests/cli/test_e2b_export.sh with xmllint --schema).  Elements appear in
 * schema order; the structure written is exactly the one e2b.c reads, so
 * export -> import gives back the same version, except:
 *
 *   region               the primary source's state/province (C.2.r.2.4)
 *   not carried by E2B   aware, submitted, unexpected, source and
 *                        source_version (re-import says "e2b"), class (drug),
 *                        product class, device_model, udi, category,
 *                        redacted (an exported case is a submission)
 *   derived on import    initial (C.1.4 == C.1.5), age_years (from D.2.2),
 *                        serious (any E.i.3.2 criterion), case seriousness
 *                        (union of the events' criteria; criteria of the
 *                        case that no event carries are written on every
 *                        event, as E2B(R3) has no case-level element)
 *   normalised           report_id defaults to case_id (C.1.1 is required);
 *                        reporter name is written whole in <family>;
 *                        leading/trailing spaces of text are trimmed
 *
 * Internal ids (G.k id/@root, E.i id/@root) are UUID-shaped and derived
 * from the item's index, so the output is deterministic apart from the
 * batch and message creation times (N.1.5, N.2.r.4), which are "now".
 *
 * Ownership: the caller's buffer receives the XML; scratch strings live in
 * an arena released before return.
 */
#include "vg.h"
#include "util/util.h"
#include "ingest/ingest.h"

#include <math.h>

#define OID_OBS "2.16.840.1.113883.3.989.2.1.1.19"

struct w {
	struct vg_buf *b;
	struct vg_arena a;
	int rc;
	int depth;
};

static void put(struct w *w, const char *fmt, ...) VG_PRINTF(2, 3);
static void put(struct w *w, const char *fmt, ...)
{
	va_list ap;

	if (w->rc)
		return;
	for (int i = 0; i < w->depth && !w->rc; i++)
		w->rc = vg_buf_putc(w->b, '\t');
	va_start(ap, fmt);
	if (!w->rc)
		w->rc = vg_buf_vprintf(w->b, fmt, ap);
	va_end(ap);
	if (!w->rc)
		w->rc = vg_buf_putc(w->b, '\n');
}

/* put() an opening line and indent / dedent and put() a closing line. */
#define OPEN(w, ...) (put((w), __VA_ARGS__), (w)->depth++)
#define CLOSE(w, ...) ((w)->depth--, put((w), __VA_ARGS__))

/* Length of the well-formed UTF-8 sequence at p, 0 if it is not one (a
 * case's text should be UTF-8; a stray byte must not break the XML), minus
 * the length for U+FFFE / U+FFFF, which are UTF-8 but not XML characters. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] < 0x80 ? 1 : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
	         : p[0] >= 0xE0 && p[0] <= 0xEF ? 3 : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;

	for (int i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F) ||
	    (p[0] == 0xF0 && n == 4 && p[1] < 0x90) || (p[0] == 0xF4 && n == 4 && p[1] > 0x8F))
		return 0; /* overlong, surrogate, beyond U+10FFFF */
	if (n == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
		return -3;
	return n;
}

/* XML-escaped arena copy; control characters become character references
 * so CR, TAB and LF survive attribute normalisation; bytes that are not
 * UTF-8 become U+FFFD. */
static const char *x(struct w *w, const char *s)
{
	size_t n = 0;

	for (const char *p = s; *p; p++)
		n += strchr("&<>\"'", *p) ? 6 : (unsigned char)*p < 0x20 ? 6 : 3;
	char *o = vg_arena_alloc(&w->a, n + 1), *q = o;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			int k = utf8_len(p);
			if (k <= 0) {
				memcpy(q, "\xEF\xBF\xBD", 3); /* U+FFFD */
				q += 3;
				p += k < 0 ? -k - 1 : 0;
				continue;
			}
			memcpy(q, p, (size_t)k);
			q += k;
			p += k - 1;
			continue;
		}
		switch (*p) {
		case '&': memcpy(q, "&amp;", 5); q += 5; break;
		case '<': memcpy(q, "&lt;", 4); q += 4; break;
		case '>': memcpy(q, "&gt;", 4); q += 4; break;
		case '"': memcpy(q, "&quot;", 6); q += 6; break;
		case '\'': memcpy(q, "&apos;", 6); q += 6; break;
		default:
			if (*p == '\t' || *p == '\n' || *p == '\r')
				q += snprintf(q, 7, "&#%d;", *p);
			else if (*p < 0x20)
				*q++ = ' '; /* other C0 controls cannot appear in XML 1.0 */
			else
				*q++ = (char)*p;
		}
	}
	*q = 0;
	return o;
}

static const char *dt(struct w *w, const struct vg_date *d)
{
	char s[16];
	vg_date_format(d, s);
	return vg_arena_strdup(&w->a, s);
}

/* Shortest text that reads back as the same double. */
static const char *num(struct w *w, double v)
{
	char s[40];
	snprintf(s, sizeof s, "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof s, "%.17g", v);
	return vg_arena_strdup(&w->a, s);
}

static const char *uuid(struct w *w, char kind, size_t i)
{
	return vg_arena_printf(&w->a, "%08x-0000-4000-8000-%012zx", kind == 'p' ? 0xd5u : 0xe1u, i);
}

/* <tag>text</tag> when text is known. */
static void el_text(struct w *w, const char *tag, const char *text)
{
	if (text)
		put(w, "<%s>%s</%s>", tag, x(w, text), tag);
}

/* ------------------------------------------------------------ wrappers */

static void batch_open(struct w *w, const struct vg_case_version *v, const char *now)
{
	const char *rid = v->report_id ? v->report_id : v->case_id;

	put(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
	OPEN(w, "<MCCI_IN200100UV01 xmlns=\"urn:hl7-org:v3\" "
	        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ITSVersion=\"XML_1.0\">");
	put(w, "<id extension=\"%s\" root=\"2.16.840.1.113883.3.989.2.1.3.22\"/>", x(w, rid));
	put(w, "<creationTime value=\"%s\"/>", now);
	put(w, "<responseModeCode code=\"D\"/>");
	put(w, "<interactionId extension=\"MCCI_IN200100UV01\" root=\"2.16.840.1.113883.1.6\"/>");
	put(w, "<name code=\"1\" displayName=\"ichicsr\" "
	       "codeSystem=\"2.16.840.1.113883.3.989.2.1.1.1\"/>");
	OPEN(w, "<PORR_IN049016UV>"); /* N.2.r */
	put(w, "<id extension=\"%s\" root=\"2.16.840.1.113883.3.989.2.1.3.1\"/>", x(w, rid));
	put(w, "<creationTime value=\"%s\"/>", now);
	put(w, "<interactionId extension=\"PORR_IN049016UV\" root=\"2.16.840.1.113883.1.6\"/>");
	put(w, "<processingCode code=\"P\"/>");
	put(w, "<processingModeCode code=\"T\"/>");
	put(w, "<acceptAckCode code=\"AL\"/>");
}

/* N.2.r.2/.3 or N.1.3/.4 device ids; a NULL id is written as nullFlavor. */
static void device(struct w *w, const char *el, const char *type, const char *root,
                   const char *id)
{
	OPEN(w, "<%s typeCode=\"%s\">", el, type);
	OPEN(w, "<device classCode=\"DEV\" determinerCode=\"INSTANCE\">");
	if (id)
		put(w, "<id extension=\"%s\" root=\"%s\"/>", x(w, id), root);
	else
		put(w, "<id nullFlavor=\"UNK\" root=\"%s\"/>", root);
	CLOSE(w, "</device>");
	CLOSE(w, "</%s>", el);
}

/* ------------------------------------------------------------ patient */

/* subjectOf2/observation with a PQ or CE value. */
static void obs_pq(struct w *w, const char *code, double value, const char *unit)
{
	OPEN(w, "<subjectOf2 typeCode=\"SBJ\">");
	OPEN(w, "<observation classCode=\"OBS\" moodCode=\"EVN\">");
	put(w, "<code code=\"%s\" codeSystem=\"" OID_OBS "\"/>", code);
	if (unit)
		put(w, "<value xsi:type=\"PQ\" value=\"%s\" unit=\"%s\"/>", num(w, value), x(w, unit));
	else
		put(w, "<value xsi:type=\"PQ\" value=\"%s\"/>", num(w, value));
	CLOSE(w, "</observation>");
	CLOSE(w, "</subjectOf2>");
}

static void patient_head(struct w *w, const struct vg_case_version *v)
{
	OPEN(w, "<player1 classCode=\"PSN\" determinerCode=\"INSTANCE\">"); /* D.1 */
	if (v->patient_id)
		el_text(w, "name", v->patient_id);
	else
		put(w, "<name nullFlavor=\"UNK\"/>");
	if (v->sex == VG_SEX_MALE || v->sex == VG_SEX_FEMALE) /* D.5 */
		put(w, "<administrativeGenderCode code=\"%d\" codeSystem=\"1.0.5218\"/>", v->sex);
	if (v->birth.prec) /* D.2.1 */
		put(w, "<birthTime value=\"%s\"/>", dt(w, &v->birth));
	CLOSE(w, "</player1>");
	double age = !isnan(v->age_value) ? v->age_value : v->age_years;
	if (!isnan(age)) /* D.2.2 */
		obs_pq(w, "3", age, !isnan(v->age_value) ? v->age_unit : "a");
	if (v->age_group > VG_AGE_UNKNOWN && v->age_group < VG_AGE_COUNT) { /* D.2.3 */
		OPEN(w, "<subjectOf2 typeCode=\"SBJ\">");
		OPEN(w, "<observation classCode=\"OBS\" moodCode=\"EVN\">");
		put(w, "<code code=\"4\" codeSystem=\"" OID_OBS "\"/>");
		put(w, "<value xsi:type=\"CE\" code=\"%d\" codeSystem=\"2.16.840.1.113883.3.989.2.1.1.9\"/>",
		    v->age_group - 1);
		CLOSE(w, "</observation>");
		CLOSE(w, "</subjectOf2>");
	}
	if (!isnan(v->weight_kg)) /* D.3 */
		obs_pq(w, "7", v->weight_kg, "kg");
}

/* ------------------------------------------------------------ events */

static void rel_obs(struct w *w, const char *code, const char *value)
{
	OPEN(w, "<outboundRelationship2 typeCode=\"PERT\">");
	OPEN(w, "<observation classCode=\"OBS\" moodCode=\"EVN\">");
	put(w, "<code code=\"%s\" codeSystem=\"" OID_OBS "\"/>", code);
	put(w, "%s", value);
	CLOSE(w, "</observation>");
	CLOSE(w, "</outboundRelationship2>");
}

static void event_value(struct w *w, const struct vg_event *e)
{
	const char *code = e->code ? vg_arena_printf(&w->a, " code=\"%s\"", x(w, e->code)) : "";
	const char *dn = e->coded ? vg_arena_printf(&w->a, " displayName=\"%s\"", x(w, e->coded))
	                          : "";
	if (!e->term) {
		put(w, "<value xsi:type=\"CE\"%s%s codeSystem=\"2.16.840.1.113883.6.163\"/>", code, dn);
		return;
	}
	OPEN(w, "<value xsi:type=\"CE\"%s%s codeSystem=\"2.16.840.1.113883.6.163\">", code, dn);
	el_text(w, "originalText", e->term); /* E.i.1.1a */
	CLOSE(w, "</value>");
}

/* E.i reaction; extra = case criteria no event carries. */
static void event(struct w *w, const struct vg_event *e, size_t i, unsigned extra)
{
	static const char *const sercode[6] = {"34", "21", "33", "35", "12", "26"}; /* E.i.3.2a-f */
	unsigned ser = e->seriousness | extra;

	OPEN(w, "<subjectOf2 typeCode=\"SBJ\">");
	OPEN(w, "<observation classCode=\"OBS\" moodCode=\"EVN\">");
	put(w, "<id root=\"%s\"/>", uuid(w, 'e', i));
	put(w, "<code code=\"29\" codeSystem=\"" OID_OBS "\"/>");
	if (e->onset.prec || e->end.prec) { /* E.i.4 / E.i.5 */
		OPEN(w, "<effectiveTime xsi:type=\"IVL_TS\">");
		if (e->onset.prec)
			put(w, "<low value=\"%s\"/>", dt(w, &e->onset));
		if (e->end.prec)
			put(w, "<high value=\"%s\"/>", dt(w, &e->end));
		CLOSE(w, "</effectiveTime>");
	}
	event_value(w, e);
	for (int k = 0; k < 6; k++)
		rel_obs(w, sercode[k], ser & (1u << k) ? "<value xsi:type=\"BL\" value=\"true\"/>"
		                                       : "<value xsi:type=\"BL\" nullFlavor=\"NI\"/>");
	if (e->outcome > 0 && e->outcome < VG_OUTCOME_COUNT) /* E.i.7 */
		rel_obs(w, "27", vg_arena_printf(&w->a, "<value xsi:type=\"CE\" code=\"%d\" "
		                                        "codeSystem=\"2.16.840.1.113883.3.989.2.1.1.11\"/>",
		                                 e->outcome));
	CLOSE(w, "</observation>");
	CLOSE(w, "</subjectOf2>");
}

/* ------------------------------------------------------------ products */

static void product_kind(struct w *w, const struct vg_product *p)
{
	OPEN(w, "<consumable typeCode=\"CSM\">");
	OPEN(w, "<instanceOfKind classCode=\"INST\">");
	OPEN(w, "<kindOfProduct classCode=\"MMAT\" determinerCode=\"KIND\">");
	el_text(w, "name", p->name); /* G.k.2.2 */
	if (p->approval_no || p->manufacturer) { /* G.k.3 */
		OPEN(w, "<asManufacturedProduct classCode=\"MANU\">");
		OPEN(w, "<subjectOf typeCode=\"SBJ\">");
		OPEN(w, "<approval classCode=\"CNTRCT\" moodCode=\"EVN\">");
		if (p->approval_no)
			put(w, "<id extension=\"%s\" root=\"2.16.840.1.113883.3.989.2.1.3.4\"/>",
			    x(w, p->approval_no));
		if (p->manufacturer) {
			OPEN(w, "<holder typeCode=\"HLD\">");
			OPEN(w, "<role classCode=\"HLD\">");
			OPEN(w, "<playingOrganization classCode=\"ORG\" determinerCode=\"INSTANCE\">");
			el_text(w, "name", p->manufacturer);
			CLOSE(w, "</playingOrganization>");
			CLOSE(w, "</role>");
			CLOSE(w, "</holder>");
		}
		CLOSE(w, "</approval>");
		CLOSE(w, "</subjectOf>");
		CLOSE(w, "</asManufacturedProduct>");
	}
	for (const char *s = p->ingredient; s && *s;) { /* G.k.2.3.r, '\'-joined */
		size_t n = strcspn(s, "\\");
		OPEN(w, "<ingredient classCode=\"ACTI\">");
		OPEN(w, "<ingredientSubstance classCode=\"MMAT\" determinerCode=\"KIND\">");
		el_text(w, "name", vg_arena_strndup(&w->a, s, n));
		CLOSE(w, "</ingredientSubstance>");
		CLOSE(w, "</ingredient>");
		s += n + (s[n] == '\\');
	}
	CLOSE(w, "</kindOfProduct>");
	CLOSE(w, "</instanceOfKind>");
	CLOSE(w, "</consumable>");
}

/* G.k.4.r: one dosage block with dose text, dates, route and batch. */
static void product_dosage(struct w *w, const struct vg_product *p)
{
	if (!p->dose && !p->start.prec && !p->end.prec && !p->route && !p->batch)
		return;
	OPEN(w, "<outboundRelationship2 typeCode=\"COMP\">");
	OPEN(w, "<substanceAdministration classCode=\"SBADM\" moodCode=\"EVN\">");
	el_text(w, "text", p->dose); /* G.k.4.r.8 */
	if (p->start.prec || p->end.prec) { /* G.k.4.r.4 / .5 */
		OPEN(w, "<effectiveTime xsi:type=\"IVL_TS\">");
		if (p->start.prec)
			put(w, "<low value=\"%s\"/>", dt(w, &p->start));
		if (p->end.prec)
			put(w, "<high value=\"%s\"/>", dt(w, &p->end));
		CLOSE(w, "</effectiveTime>");
	}
	if (p->route) { /* G.k.4.r.10.1 */
		OPEN(w, "<routeCode>");
		el_text(w, "originalText", p->route);
		CLOSE(w, "</routeCode>");
	}
	if (p->batch) { /* G.k.4.r.7 */
		OPEN(w, "<consumable typeCode=\"CSM\">");
		OPEN(w, "<instanceOfKind classCode=\"INST\">");
		OPEN(w, "<productInstanceInstance classCode=\"MMAT\" determinerCode=\"INSTANCE\">");
		el_text(w, "lotNumberText", p->batch);
		CLOSE(w, "</productInstanceInstance>");
		put(w, "<kindOfProduct classCode=\"MMAT\" determinerCode=\"KIND\"/>");
		CLOSE(w, "</instanceOfKind>");
		CLOSE(w, "</consumable>");
	}
	CLOSE(w, "</substanceAdministration>");
	CLOSE(w, "</outboundRelationship2>");
}

static void product(struct w *w, const struct vg_product *p, size_t i)
{
	OPEN(w, "<component typeCode=\"COMP\">");
	OPEN(w, "<substanceAdministration classCode=\"SBADM\" moodCode=\"EVN\">");
	put(w, "<id root=\"%s\"/>", uuid(w, 'p', i));
	product_kind(w, p);
	product_dosage(w, p);
	if (p->indication) { /* G.k.7.r */
		OPEN(w, "<inboundRelationship typeCode=\"RSON\">");
		OPEN(w, "<observation classCode=\"OBS\" moodCode=\"EVN\">");
		put(w, "<code code=\"19\" codeSystem=\"" OID_OBS "\"/>");
		OPEN(w, "<value xsi:type=\"CE\" codeSystem=\"2.16.840.1.113883.6.163\">");
		el_text(w, "originalText", p->indication);
		CLOSE(w, "</value>");
		CLOSE(w, "</observation>");
		CLOSE(w, "</inboundRelationship>");
	}
	if (p->action > 0) { /* G.k.8 */
		OPEN(w, "<inboundRelationship typeCode=\"CAUS\">");
		OPEN(w, "<act classCode=\"ACT\" moodCode=\"EVN\">");
		put(w, "<code code=\"%d\" codeSystem=\"2.16.840.1.113883.3.989.2.1.1.15\"/>", p->action);
		CLOSE(w, "</act>");
		CLOSE(w, "</inboundRelationship>");
	}
	CLOSE(w, "</substanceAdministration>");
	CLOSE(w, "</component>");
}

/* ------------------------------------------------------------ assessments */

static void ref(struct w *w, const char *rel, const char *el, const char *cls, const char *id)
{
	OPEN(w, "<%s typeCode=\"SUBJ\">", rel);
	OPEN(w, "<%s classCode=\"%s\" moodCode=\"EVN\">", el, cls);
	put(w, "<id root=\"%s\"/>", id);
	CLOSE(w, "</%s>", el);
	CLOSE(w, "</%s>", rel);
}

/* G.k.1 characterisation (obs 20), one per product with a known role. */
static void role(struct w *w, const struct vg_product *p, size_t i)
{
	if (p->role <= VG_ROLE_UNKNOWN || p->role >= VG_ROLE_COUNT)
		return;
	OPEN(w, "<component typeCode=\"COMP\">");
	OPEN(w, "<causalityAssessment classCode=\"OBS\" moodCode=\"EVN\">");
	put(w, "<code code=\"20\" codeSystem=\"" OID_OBS "\"/>");
	put(w, "<value xsi:type=\"CE\" code=\"%d\" codeSystem=\"2.16.840.1.113883.3.989.2.1.1.13\"/>",
	    p->role);
	ref(w, "subject2", "productUseReference", "SBADM", uuid(w, 'p', i));
	CLOSE(w, "</causalityAssessment>");
	CLOSE(w, "</component>");
}

/* G.k.9.i.2.r assessment (obs 39). */
static void causality(struct w *w, const struct vg_causality *k)
{
	OPEN(w, "<component typeCode=\"COMP\">");
	OPEN(w, "<causalityAssessment classCode=\"OBS\" moodCode=\"EVN\">");
	put(w, "<code code=\"39\" codeSystem=\"" OID_OBS "\"/>");
	if (k->result)
		put(w, "<value xsi:type=\"ST\">%s</value>", x(w, k->result));
	if (k->method) {
		OPEN(w, "<methodCode>");
		el_text(w, "originalText", k->method);
		CLOSE(w, "</methodCode>");
	}
	if (k->source) {
		OPEN(w, "<author typeCode=\"AUT\">");
		OPEN(w, "<assignedEntity classCode=\"ASSIGNED\">");
		OPEN(w, "<code>");
		el_text(w, "originalText", k->source);
		CLOSE(w, "</code>");
		CLOSE(w, "</assignedEntity>");
		CLOSE(w, "</author>");
	}
	ref(w, "subject1", "adverseEffectReference", "OBS", uuid(w, 'e', (size_t)k->event));
	ref(w, "subject2", "productUseReference", "SBADM", uuid(w, 'p', (size_t)k->product));
	CLOSE(w, "</causalityAssessment>");
	CLOSE(w, "</component>");
}

/* Criteria of the case that none of its events carries. */
static unsigned orphan_seriousness(const struct vg_case_version *v)
{
	unsigned ev = 0;
	for (size_t i = 0; i < v->nevents; i++)
		ev |= v->events[i].seriousness;
	return v->seriousness & ~ev & VG_SER_ALL;
}

static void assessment(struct w *w, const struct vg_case_version *v)
{
	unsigned extra = orphan_seriousness(v);

	OPEN(w, "<component typeCode=\"COMP\">");
	OPEN(w, "<adverseEventAssessment classCode=\"INVSTG\" moodCode=\"EVN\">");
	OPEN(w, "<subject1 typeCode=\"SBJ\">");
	OPEN(w, "<primaryRole classCode=\"INVSBJ\">");
	patient_head(w, v);
	for (size_t i = 0; i < v->nevents; i++)
		event(w, &v->events[i], i, extra);
	if (v->nproducts) {
		OPEN(w, "<subjectOf2 typeCode=\"SBJ\">");
		OPEN(w, "<organizer classCode=\"CATEGORY\" moodCode=\"EVN\">");
		put(w, "<code code=\"4\" codeSystem=\"2.16.840.1.113883.3.989.2.1.1.20\"/>");
		for (size_t i = 0; i < v->nproducts; i++)
			product(w, &v->products[i], i);
		CLOSE(w, "</organizer>");
		CLOSE(w, "</subjectOf2>");
	}
	CLOSE(w, "</primaryRole>");
	CLOSE(w, "</subject1>");
	for (size_t i = 0; i < v->nproducts; i++)
		role(w, &v->products[i], i);
	for (size_t i = 0; i < v->ncausality; i++) {
		const struct vg_causality *k = &v->causality[i];
		if (k->product >= 0 && (size_t)k->product < v->nproducts && k->event >= 0 &&
		    (size_t)k->event < v->nevents)
			causality(w, k);
	}
	CLOSE(w, "</adverseEventAssessment>");
	CLOSE(w, "</component>");
}

/* ------------------------------------------------------------ section C */

/* C.2.r.1 name, C.2.r.4 qualification, C.2.r.3 country. */
static void reporter_person(struct w *w, const struct vg_case_version *v)
{
	OPEN(w, "<assignedPerson classCode=\"PSN\" determinerCode=\"INSTANCE\">");
	if (v->reporter_name) {
		OPEN(w, "<name>");
		el_text(w, "family", v->reporter_name);
		CLOSE(w, "</name>");
	}
	if (v->qualification > 0 && v->qualification < VG_QUAL_COUNT) { /* C.2.r.4 */
		OPEN(w, "<asQualifiedEntity classCode=\"QUAL\">");
		put(w, "<code code=\"%d\" codeSystem=\"2.16.840.1.113883.3.989.2.1.1.6\"/>",
		    v->qualification);
		CLOSE(w, "</asQualifiedEntity>");
	}
	if (v->country) { /* C.2.r.3 */
		OPEN(w, "<asLocatedEntity classCode=\"LOCE\">");
		OPEN(w, "<location classCode=\"COUNTRY\" determinerCode=\"INSTANCE\">");
		put(w, "<code code=\"%s\" codeSystem=\"1.0.3166.1.2.2\"/>", x(w, v->country));
		CLOSE(w, "</location>");
		CLOSE(w, "</asLocatedEntity>");
	}
	CLOSE(w, "</assignedPerson>");
}

/* C.2.r primary source, the one for regulatory purposes (C.2.r.5). */
static void reporter(struct w *w, const struct vg_case_version *v)
{
	OPEN(w, "<outboundRelationship typeCode=\"SPRT\">");
	put(w, "<priorityNumber value=\"1\"/>");
	OPEN(w, "<relatedInvestigation classCode=\"INVSTG\" moodCode=\"EVN\">");
	put(w, "<code code=\"2\" codeSystem=\"2.16.840.1.113883.3.989.2.1.1.22\"/>");
	OPEN(w, "<subjectOf2 typeCode=\"SUBJ\">");
	OPEN(w, "<controlActEvent classCode=\"CACT\" moodCode=\"EVN\">");
	OPEN(w, "<author typeCode=\"AUT\">");
	OPEN(w, "<assignedEntity classCode=\"ASSIGNED\">");
	if (v->region) { /* C.2.r.2.4 state or province */
		OPEN(w, "<addr>");
		el_text(w, "state", v->region);
		CLOSE(w, "</addr>");
	}
	if (v->reporter_phone)
		put(w, "<telecom value=\"tel:%s\"/>", x(w, v->reporter_phone));
	reporter_person(w, v);
	if (v->reporter_org) { /* C.2.r.2.1 organisation */
		OPEN(w, "<representedOrganization classCode=\"ORG\" determinerCode=\"INSTANCE\">");
		OPEN(w, "<assignedEntity classCode=\"ASSIGNED\">");
		OPEN(w, "<representedOrganization classCode=\"ORG\" determinerCode=\"INSTANCE\">");
		el_text(w, "name", v->reporter_org);
		CLOSE(w, "</representedOrganization>");
		CLOSE(w, "</assignedEntity>");
		CLOSE(w, "</representedOrganization>");
	}
	CLOSE(w, "</assignedEntity>");
	CLOSE(w, "</author>");
	CLOSE(w, "</controlActEvent>");
	CLOSE(w, "</subjectOf2>");
	CLOSE(w, "</relatedInvestigation>");
	CLOSE(w, "</outboundRelationship>");
}

static void characteristic(struct w *w, int code, const char *value)
{
	OPEN(w, "<subjectOf2 typeCode=\"SUBJ\">");
	OPEN(w, "<investigationCharacteristic classCode=\"OBS\" moodCode=\"EVN\">");
	put(w, "<code code=\"%d\" codeSystem=\"2.16.840.1.113883.3.989.2.1.1.23\"/>", code);
	put(w, "%s", value);
	CLOSE(w, "</investigationCharacteristic>");
	CLOSE(w, "</subjectOf2>");
}

/* C.1.3 report type and C.1.11 nullification / amendment. */
static void characteristics(struct w *w, const struct vg_case_version *v)
{
	if (v->report_type > 0 && v->report_type < VG_RT_COUNT)
		characteristic(w, 1, vg_arena_printf(&w->a, "<value xsi:type=\"CE\" code=\"%d\" "
		                                            "codeSystem=\"2.16.840.1.113883.3.989.2.1.1.2\"/>",
		                                     v->report_type));
	if (v->nullified || v->amendment)
		characteristic(w, 3, vg_arena_printf(&w->a, "<value xsi:type=\"CE\" code=\"%d\" "
		                                            "codeSystem=\"2.16.840.1.113883.3.989.2.1.1.5\"/>",
		                                     v->nullified ? 1 : 2));
	if (v->nullify_reason)
		characteristic(w, 4, vg_arena_printf(&w->a, "<value xsi:type=\"CE\"><originalText>%s"
		                                            "</originalText></value>",
		                                     x(w, v->nullify_reason)));
}

static void investigation(struct w *w, const struct vg_case_version *v)
{
	const char *rid = v->report_id ? v->report_id : v->case_id;

	OPEN(w, "<investigationEvent classCode=\"INVSTG\" moodCode=\"EVN\">");
	put(w, "<id extension=\"%s\" root=\"2.16.840.1.113883.3.989.2.1.3.1\"/>", x(w, rid));
	put(w, "<id extension=\"%s\" root=\"2.16.840.1.113883.3.989.2.1.3.2\"/>", x(w, v->case_id));
	put(w, "<code code=\"PAT_ADV_EVNT\" codeSystem=\"2.16.840.1.113883.5.4\"/>");
	el_text(w, "text", v->narrative); /* H.1 */
	put(w, "<statusCode code=\"active\"/>");
	if (v->received.prec) { /* C.1.4 */
		OPEN(w, "<effectiveTime>");
		put(w, "<low value=\"%s\"/>", dt(w, &v->received));
		CLOSE(w, "</effectiveTime>");
	}
	if (v->latest.prec) /* C.1.5 */
		put(w, "<availabilityTime value=\"%s\"/>", dt(w, &v->latest));
	assessment(w, v);
	reporter(w, v);
	characteristics(w, v);
	CLOSE(w, "</investigationEvent>");
}

int vg_e2b_export(const struct vg_case_version *v, struct vg_buf *out, struct vg_err *err)
{
	struct w w = {out, VG_ARENA_INIT, 0, 0};
	struct vg_date nowd = vg_date_now();
	char now[16];

	if (!v || !v->case_id)
		return vg_err_set(err, VG_EINVAL, "case_id", "a case id (C.1.8.1) is required");
	vg_arena_init(&w.a, 0);
	vg_date_format(&nowd, now);
	batch_open(&w, v, now);
	device(&w, "receiver", "RCV", "2.16.840.1.113883.3.989.2.1.3.12", NULL);
	device(&w, "sender", "SND", "2.16.840.1.113883.3.989.2.1.3.11", v->unit); /* N.2.r.2 */
	OPEN(&w, "<controlActProcess classCode=\"CACT\" moodCode=\"EVN\">");
	put(&w, "<code code=\"PORR_TE049016UV\" codeSystem=\"2.16.840.1.113883.1.18\"/>");
	if (v->created.prec) /* C.1.2 */
		put(&w, "<effectiveTime value=\"%s\"/>", dt(&w, &v->created));
	OPEN(&w, "<subject typeCode=\"SUBJ\">");
	investigation(&w, v);
	CLOSE(&w, "</subject>");
	CLOSE(&w, "</controlActProcess>");
	CLOSE(&w, "</PORR_IN049016UV>");
	device(&w, "receiver", "RCV", "2.16.840.1.113883.3.989.2.1.3.14", NULL); /* N.1.4 */
	device(&w, "sender", "SND", "2.16.840.1.113883.3.989.2.1.3.13", v->unit); /* N.1.3 */
	CLOSE(&w, "</MCCI_IN200100UV01>");
	vg_arena_release(&w.a);
	if (w.rc)
		return vg_err_set(err, w.rc, "e2b", "export: %s", vg_strerror(w.rc));
	return 0;
}
