/*
 * case.h - the case model: one version of an individual case safety report.
 *
 * A case is identified by its worldwide unique id (E2B(R3) C.1.8.1) and has
 * versions: the initial report, follow-ups and amendments, ordered by the
 * date of most recent information (C.1.5), then the creation date (C.1.2).
 * A version may nullify the case (C.1.11.1 = 1).  This module holds the
 * in-memory form of one version, its validation, its JSON codec and its
 * compact binary form (the store's document format); it does no I/O (the
 * store persists versions, ingest/ and http/ produce them).
 *
 * Ownership: every string and array hanging off a struct vg_case_version
 * lives in the arena the version was built with (vg_case_new and the
 * vg_case_add_* functions take it); free the arena to free the version.
 * Strings may be NULL (unknown); "" is never used to mean unknown.
 */
#ifndef VG_CASE_H
#define VG_CASE_H

#include "vg.h"
#include "util/util.h"

/* Product class: what the regulation calls 两品一械 plus the public sources. */
enum vg_class {
	VG_CLASS_UNKNOWN = 0,
	VG_CLASS_DRUG = 1,
	VG_CLASS_DEVICE = 2,
	VG_CLASS_COSMETIC = 3,
	VG_CLASS_VACCINE = 4, /* VAERS; counted with drugs in Chinese statistics */
	VG_CLASS_FOOD = 5,    /* CAERS foods and supplements */
	VG_CLASS_COUNT
};

/* E2B(R3) G.k.1 characterisation of drug role. */
enum vg_role {
	VG_ROLE_UNKNOWN = 0,
	VG_ROLE_SUSPECT = 1,
	VG_ROLE_CONCOMITANT = 2,
	VG_ROLE_INTERACTING = 3,
	VG_ROLE_NOT_ADMINISTERED = 4,
	VG_ROLE_COUNT
};

enum vg_sex { VG_SEX_UNKNOWN = 0, VG_SEX_MALE = 1, VG_SEX_FEMALE = 2 }; /* D.5 */

/* E2B(R3) E.i.3.2a-f seriousness criteria, as bits. */
enum vg_serious {
	VG_SER_DEATH = 1 << 0,
	VG_SER_LIFE_THREATENING = 1 << 1,
	VG_SER_HOSPITALISATION = 1 << 2,
	VG_SER_DISABILITY = 1 << 3,
	VG_SER_CONGENITAL = 1 << 4,
	VG_SER_OTHER = 1 << 5, /* other medically important condition */
	VG_SER_ALL = (1 << 6) - 1
};

/* E2B(R3) E.i.7 outcome of reaction at the time of last observation. */
enum vg_outcome {
	VG_OUTCOME_UNKNOWN = 0,
	VG_OUTCOME_RECOVERED = 1,
	VG_OUTCOME_RECOVERING = 2,
	VG_OUTCOME_NOT_RECOVERED = 3,
	VG_OUTCOME_SEQUELAE = 4,
	VG_OUTCOME_FATAL = 5,
	VG_OUTCOME_COUNT
};

/* E2B(R3) C.1.3 type of report. */
enum vg_report_type {
	VG_RT_UNKNOWN = 0,
	VG_RT_SPONTANEOUS = 1,
	VG_RT_STUDY = 2,
	VG_RT_OTHER = 3,
	VG_RT_NOT_AVAILABLE = 4,
	VG_RT_COUNT
};

/* E2B(R3) C.2.r.4 qualification of the primary source. */
enum vg_qualification {
	VG_QUAL_UNKNOWN = 0,
	VG_QUAL_PHYSICIAN = 1,
	VG_QUAL_PHARMACIST = 2,
	VG_QUAL_OTHER_HCP = 3,
	VG_QUAL_LAWYER = 4,
	VG_QUAL_CONSUMER = 5,
	VG_QUAL_COUNT
};

/* E2B(R3) D.2.3 patient age group. */
enum vg_age_group {
	VG_AGE_UNKNOWN = 0,
	VG_AGE_FOETUS = 1,
	VG_AGE_NEONATE = 2,
	VG_AGE_INFANT = 3,
	VG_AGE_CHILD = 4,
	VG_AGE_ADOLESCENT = 5,
	VG_AGE_ADULT = 6,
	VG_AGE_ELDERLY = 7,
	VG_AGE_COUNT
};

/* Chinese forms: 新的 (new, not in the label) and 严重 (serious) flags are
 * per report; "new" is also E2B's "unlisted" notion. */

struct vg_product {
	int role;                 /* enum vg_role */
	int klass;                /* enum vg_class */
	const char *name;         /* G.k.2.2 verbatim medicinal product / device / cosmetic name */
	const char *ingredient;   /* normalised active ingredient (G.k.2.3) or category */
	const char *manufacturer; /* G.k.3.3 MAH / manufacturer */
	const char *batch;        /* G.k.4.r.7 */
	const char *route;        /* G.k.4.r.10 */
	const char *dose;         /* free text: "10 mg qd" */
	const char *indication;   /* G.k.7.r.1 */
	const char *approval_no;  /* 批准文号 / G.k.3.1 authorisation number */
	const char *device_model; /* device: model / catalogue number */
	const char *udi;          /* device: unique device identifier */
	const char *category;     /* device or cosmetic category code/name */
	struct vg_date start, end; /* G.k.4.r.4 / G.k.4.r.5 */
	int action;               /* G.k.8 action taken: 0 unknown, 1 withdrawn, 2 reduced, ... */
};

struct vg_event {
	const char *term;       /* E.i.1.1a verbatim, in the reporter's language */
	const char *coded;      /* E.i.2.1b coded term (MedDRA LLT/PT name) */
	const char *code;       /* MedDRA code as text, NULL when uncoded */
	struct vg_date onset;   /* E.i.4 */
	struct vg_date end;     /* E.i.5 */
	int outcome;            /* enum vg_outcome */
	unsigned seriousness;   /* enum vg_serious bits */
};

/* G.k.9.i.2 assessment of a product-event pair. */
struct vg_causality {
	int product;            /* index into products */
	int event;              /* index into events */
	const char *source;     /* G.k.9.i.2.r.1 e.g. "reporter", "centre" */
	const char *method;     /* G.k.9.i.2.r.2 e.g. "WHO-UMC", "国家中心评价" */
	const char *result;     /* G.k.9.i.2.r.3 e.g. "肯定", "certain", "possible" */
};

struct vg_case_version {
	/* identity and provenance */
	const char *case_id;       /* C.1.8.1 worldwide unique case id: never changes */
	const char *report_id;     /* C.1.1 sender's safety report id of this version */
	const char *source;        /* where it came from: "api", "faers", "maude", "e2b", ... */
	const char *source_version;/* source's own version tag (FAERS caseversion, ...) */
	int report_type;           /* enum vg_report_type */
	bool nullified;            /* C.1.11.1 = 1 */
	bool amendment;            /* C.1.11.1 = 2 */
	const char *nullify_reason;/* C.1.11.2 */
	bool initial;              /* true for the first report (首次报告) */

	/* dates */
	struct vg_date created;    /* C.1.2 date of creation */
	struct vg_date received;   /* C.1.4 first received from source */
	struct vg_date latest;     /* C.1.5 most recent information */
	struct vg_date aware;      /* the date the reporting unit learned of the event */
	struct vg_date submitted;  /* the date the unit submitted this version */

	/* reporting unit and primary source */
	const char *unit;          /* reporting unit code (报告单位) */
	const char *country;       /* C.2.r.3 / E.i.9 ISO 3166 code where known */
	const char *region;        /* province / city code */
	int qualification;         /* enum vg_qualification, C.2.r.4 */
	const char *reporter_name; /* C.2.r.1 */
	const char *reporter_org;  /* C.2.r.2.1 */
	const char *reporter_phone;

	/* patient (D) */
	const char *patient_id;    /* D.1 initials or name/code */
	int sex;                   /* enum vg_sex */
	double age_years;          /* NAN when unknown; derived from value + unit */
	double age_value;          /* D.2.2a as reported, NAN when unknown */
	const char *age_unit;      /* D.2.2b UCUM-ish: "a", "mo", "wk", "d", "h", "{decade}" */
	int age_group;             /* enum vg_age_group */
	double weight_kg;          /* D.3, NAN when unknown */
	struct vg_date birth;      /* D.2.1 */

	/* the report */
	unsigned seriousness;      /* union of criteria (E.i.3.2), case level */
	bool serious;              /* serious per the reporter (严重) */
	bool unexpected;           /* new / unlisted (新的) */
	bool redacted;             /* a public release (FAERS, MAUDE, VAERS, CAERS, an
	                              analysis table) whose agency accepted the report
	                              as a valid ICSR and then removed the patient's and
	                              reporter's identifying details: those two minimum
	                              elements count as present (see docs/DECISIONS.md) */
	int klass;                 /* main product class of the case */
	const char *narrative;     /* H.1 */
	const char *stratum;       /* free stratum label from an imported table
	                              (vigil import table --stratum COL), NULL if none */

	struct vg_product *products;
	size_t nproducts, products_cap;
	struct vg_event *events;
	size_t nevents, events_cap;
	struct vg_causality *causality;
	size_t ncausality, causality_cap;
};

/* A fresh version with every field unknown, allocated in a. */
struct vg_case_version *vg_case_new(struct vg_arena *a);
/* Reset v to all-unknown (arrays emptied; memory stays in the arena). */
void vg_case_clear(struct vg_case_version *v);
/* Append a zeroed product / event / causality (arena-grown arrays: the
 * array may move, so a pointer returned earlier is stale after the next
 * add of the same kind; indices stay valid). */
struct vg_product *vg_case_add_product(struct vg_case_version *v, struct vg_arena *a);
struct vg_event *vg_case_add_event(struct vg_case_version *v, struct vg_arena *a);
struct vg_causality *vg_case_add_causality(struct vg_case_version *v, struct vg_arena *a);
/* Deep copy into another arena. */
struct vg_case_version *vg_case_copy(const struct vg_case_version *v, struct vg_arena *a);

/* Age in years from value + unit: E2B D.2.2b UCUM units (a, mo, wk, d, h,
 * min, {decade} or 10.a), E2B(R2) codes 800-805 (decade, year, month, week,
 * day, hour), FAERS AGE_COD (YR, MON, WK, DY, HR, DEC), English
 * words (year(s), month(s), week(s), day(s), hour(s), minute(s), decade(s))
 * and Chinese units (岁, 月/个月, 周, 天/日, 小时, 分钟); case-insensitive.
 * A year is 365.2425 days.  NAN when unknown or the unit is not recognised. */
double vg_case_age_years(double value, const char *unit);
/* E2B D.2.3 age group from age in years (NAN or negative -> UNKNOWN):
 * neonate < 28 days, infant < 2 years, child < 12, adolescent < 18,
 * adult < 65, elderly from 65.  Never FOETUS. */
int vg_case_age_group_of(double years);

/* ---------------------------------------------------------------- validation */

/*
 * Validation reports every problem, each with a field path such as
 * "products[2].role" and a message.  Problems are errors (the input is
 * wrong: unparsable date, unknown code) or the lack of one of the four
 * minimum elements (E2B(R3) / ICH E2D: identifiable patient, identifiable
 * reporter, a suspect or interacting product, an adverse event), which makes
 * the case invalid: it is stored, but excluded from statistics.
 */
enum vg_problem_kind { VG_PROBLEM_ERROR = 1, VG_PROBLEM_MINIMUM = 2, VG_PROBLEM_WARNING = 3 };

struct vg_problem {
	int kind;
	const char *field; /* arena-owned */
	const char *msg;   /* arena-owned */
};

struct vg_problems {
	struct vg_problem *items;
	size_t n, cap;
	struct vg_arena *arena; /* where items and strings live */
};

void vg_problems_init(struct vg_problems *p, struct vg_arena *a);
void vg_problems_add(struct vg_problems *p, int kind, const char *field, const char *fmt, ...)
	VG_PRINTF(4, 5);
/* Number of problems of that kind; kind 0 counts all. */
size_t vg_problems_count(const struct vg_problems *p, int kind);

/* Check v; appends every problem to out (never stops at the first).
 * Returns true when the four minimum elements are present (the case is
 * valid for statistics); errors do not change the result, callers that
 * accept input reject on vg_problems_count(out, VG_PROBLEM_ERROR) > 0.
 * Minimum problems use the paths "patient", "reporter", "products" and
 * "events".  A suspect counts when it has a name or an ingredient; an
 * event when it has a term, a coded term or a code. */
bool vg_case_validate(const struct vg_case_version *v, struct vg_problems *out);
/* Just the minimum-criteria check, no problem list. */
bool vg_case_is_valid(const struct vg_case_version *v);
/* Does the version identify a patient / a reporter? (ICH E2D 5.1.1) */
bool vg_case_has_patient(const struct vg_case_version *v);
bool vg_case_has_reporter(const struct vg_case_version *v);

/*
 * Version order (E2B(R3) C.1.5, then C.1.2): negative when a is older than
 * b.  Versions that tie on both dates compare equal; the store then keeps
 * arrival order.
 */
int vg_case_version_cmp(const struct vg_case_version *a, const struct vg_case_version *b);

/* ---------------------------------------------------------------- code names */

/* Names are stable lower-case English tokens used in JSON, CSV and the CLI
 * ("drug", "suspect", "hospitalisation", ...); _name returns NULL for a
 * value outside the list.  _parse returns -1 when the text is not a known
 * name: it trims, ignores ASCII case, reads ' ', '-', '/' as '_', accepts
 * common synonyms (E2B wording, "M"/"F", the Chinese form's labels such as
 * 男/女, 怀疑/并用, 痊愈/好转/未好转/有后遗症/死亡/不详, 医生/药师/护士) and decimal
 * enum values in range.  Enum values equal the E2B(R3) codes except for
 * the age group (see vg_age_group_from_e2b).  Source-specific codes (FAERS
 * PS/SS/C/I, DE/HO...) are mapped by the readers in ingest/, not here. */
const char *vg_class_name(int klass);
int vg_class_parse(const char *s);
const char *vg_role_name(int role);
int vg_role_parse(const char *s);
const char *vg_sex_name(int sex);
int vg_sex_parse(const char *s);
const char *vg_outcome_name(int outcome);
int vg_outcome_parse(const char *s);
const char *vg_report_type_name(int rt);
int vg_report_type_parse(const char *s);
const char *vg_qualification_name(int q);
int vg_qualification_parse(const char *s);
const char *vg_age_group_name(int g);
int vg_age_group_parse(const char *s);
/* E2B(R3) D.2.3 code (0 foetus ... 6 elderly) -> enum vg_age_group, or -1. */
int vg_age_group_from_e2b(int code);
/* Seriousness bit <-> name; vg_serious_names lists the six in bit order. */
extern const char *const vg_serious_names[6];
int vg_serious_parse(const char *s); /* one name -> bit, or -1 */

/* ---------------------------------------------------------------- JSON codec */

/*
 * The canonical JSON form of a version, used by the store (document column),
 * the HTTP API (submissions and responses) and `vigil cases show`.  Layout,
 * in the exact key order the encoder writes (no whitespace); keys are
 * omitted when unknown, booleans and causality indices are always written:
 *
 *   { "case_id": "...", "report_id": "...", "source": "api", "source_version": "...",
 *     "report_type": "spontaneous", "nullified": false, "amendment": false,
 *     "initial": true, "nullify_reason": "...",
 *     "created": "2024-03-01", "received": "...", "latest": "...",
 *     "aware": "...", "submitted": "...",            (ISO, partial allowed)
 *     "unit": "U001", "country": "CN", "region": "440100",
 *     "reporter": {"qualification": "physician", "name": "...", "org": "...", "phone": "..."},
 *     "patient": {"id": "张某", "sex": "female", "age": {"value": 34, "unit": "a"},
 *                 "age_group": "adult", "weight_kg": 60, "birth": "1990"},
 *     "serious": true, "unexpected": false, "redacted": false,
 *     "seriousness": ["hospitalisation"],               (bit order)
 *     "class": "drug", "narrative": "...", "stratum": "...",
 *     "products": [{"role": "suspect", "class": "drug", "name": "...", "ingredient": "...",
 *                   "manufacturer": "...", "batch": "...", "route": "...", "dose": "...",
 *                   "indication": "...", "approval_no": "...", "device_model": "...",
 *                   "udi": "...", "category": "...", "start": "...", "end": "...",
 *                   "action": 1}],                     (G.k.8 code, omitted when 0)
 *     "events": [{"term": "皮疹", "coded": "Rash", "code": "10037844", "onset": "2024-02-27",
 *                 "end": "...", "outcome": "recovered", "seriousness": ["hospitalisation"]}],
 *     "causality": [{"product": 0, "event": 0, "source": "...", "method": "...", "result": "..."}] }
 *
 * Encoding appends to b and is deterministic (the store hashes it): strings
 * byte for byte (Chinese stays UTF-8), numbers in the shortest form that
 * reads back exactly; VG_ETOOBIG past b's cap and VG_EINVAL for a code
 * outside its list (b is left as it was).  When only age_years is known
 * the age is written as {"value": years, "unit": "a"}.
 *
 * Decoding (jansson, duplicate keys and invalid UTF-8 rejected) accepts
 * that layout in any key order, code synonyms (see _parse above), the E2B
 * digit dates as well as ISO, null for unknown, and "" as unknown.  It
 * reports every problem (malformed JSON with line and column, unknown key,
 * wrong type, bad date, unknown code) with its field path into probs and
 * returns VG_EPARSE when there were any; *out is always set, holds what
 * could be read, and must then not be stored.  age_years is derived from
 * age.value and age.unit.  encode(decode(x)) is stable: decoding the
 * encoder's output gives the same text again.
 */
int vg_case_to_json(const struct vg_case_version *v, struct vg_buf *b);
int vg_case_from_json(const char *json, size_t len, struct vg_arena *a,
                      struct vg_case_version **out, struct vg_problems *probs);
/* Same, from an already parsed jansson object (json_t *), for the HTTP API. */
int vg_case_from_jansson(const void *json_obj, struct vg_arena *a,
                         struct vg_case_version **out, struct vg_problems *probs);

/* ---------------------------------------------------------- binary codec */

/*
 * The binary form of a version: the store's document format (the store
 * hashes these bytes for idempotent re-imports and decodes them for every
 * read and scan).  A third to a half of the JSON's size, written and read
 * without text: a tag byte per field instead of its key, varints, dates
 * packed, codes as their small integers, unknown fields omitted.  The byte
 * layout is documented in bin.c; a future layout gets a new first byte.
 *
 * It carries exactly what the JSON form carries, so for every version v
 * that vg_case_to_json encodes, decoding vg_case_to_bin(v) gives a version
 * whose JSON is vg_case_to_json(v), byte for byte: "" stays "" (not
 * unknown, unlike the JSON decoder), -0 stays -0, date parts beyond the
 * precision are dropped (a precision above seconds reads back as seconds),
 * seriousness keeps the VG_SER_ALL bits, and age_years is derived from
 * age_value + age_unit as the JSON decoder derives it (a version with only
 * age_years is written as {age_years, "a"}, as in JSON).
 *
 * The form is canonical: the decoder accepts exactly the bytes the encoder
 * writes, so re-encoding a decoded document gives the same bytes.
 */
#define VG_CASE_BIN_MAGIC 0xB1 /* first byte of every binary document; JSON documents start with '{' */
/* Append v's binary form to b.  Deterministic (same version -> same bytes),
 * so it can be hashed.  VG_ETOOBIG when b's cap would be passed (b left as
 * it was), VG_EINVAL when a value is outside its code list (like
 * vg_case_to_json). */
int vg_case_to_bin(const struct vg_case_version *v, struct vg_buf *b);
/* Decode len bytes at p into a version allocated in a (strings NUL-
 * terminated copies in a; arrays exactly as long as their counts).  Never
 * reads outside [p, p+len); allocates at most a small multiple of len.
 * Malformed, truncated or trailing bytes -> VG_EPARSE (and *out NULL). */
int vg_case_from_bin(const void *p, size_t len, struct vg_arena *a,
                     struct vg_case_version **out);

#endif
