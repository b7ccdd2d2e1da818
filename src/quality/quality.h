/*
 * quality.h - report quality: completeness, timeliness, probable duplicates.
 *
 * Three independent tools over in-memory case versions (case.h).  None of
 * them reads or writes the store: the CLI (cmd_dedup.c, cmd_units.c) scans
 * the store, feeds versions in, and decides what to do with the results
 * (DESIGN.md: quality/ returns results).
 *
 *   completeness  vigiGrade-style score per version (Bergvall 2014):
 *                 1.0 multiplied by (1 - penalty) per missing dimension,
 *                 with the missing dimensions named.  completeness.c.
 *   timeliness    a rules table (product class x report category ->
 *                 deadline in days) defaulting to the Chinese rules, and
 *                 the verdict for one version: days taken from the unit's
 *                 awareness to its submission, on time or days late.
 *                 timeliness.c.
 *   dedup         Fellegi-Sunter record linkage across cases with
 *                 frequency-aware weights and blocking; candidate pairs
 *                 with a score and the reasons.  dedup.c.
 *
 * Ownership: results are plain values or live in the object that produced
 * them (struct vg_dedup) until it is freed.  Input versions are only read
 * during the call; vg_dedup_add copies what it needs.
 */
#ifndef VG_QUALITY_H
#define VG_QUALITY_H

#include "vg.h"
#include "util/util.h"
#include "case/case.h"

/* ---------------------------------------------------------- completeness */

/* vigiGrade dimensions (DOMAIN.md 3.1), in the order of the paper's table. */
enum vg_cmp_dim {
	VG_CMP_TTO = 0,     /* time to onset: E.i.4 - G.k.4.r.4, 50 % (30/10 % if vague) */
	VG_CMP_INDICATION,  /* G.k.7.r, 30 % */
	VG_CMP_OUTCOME,     /* E.i.7, 30 % */
	VG_CMP_SEX,         /* D.5, 30 % */
	VG_CMP_AGE,         /* D.2, 30 % (10 % with the age group only) */
	VG_CMP_DOSE,        /* G.k.4.r.1, 10 % */
	VG_CMP_COUNTRY,     /* C.2.r.3 / E.i.9, 10 % */
	VG_CMP_REPORTER,    /* C.2.r.4 qualification, 10 % */
	VG_CMP_REPORT_TYPE, /* C.1.3, 10 % */
	VG_CMP_COMMENTS,    /* H.1 narrative, 10 % */
	VG_CMP_COUNT
};

/* A report at or above this score is "well documented" (vigiGrade; the
 * paper says C > 0.8, issue 5 says 0.8 and above: we use >=). */
#define VG_CMP_WELL_DOCUMENTED 0.8

struct vg_completeness {
	double score;    /* in [0, 1] */
	unsigned missing; /* bit (1u << dim) for every dimension penalised at all */
	unsigned partial; /* bit for dimensions penalised less than fully (vague TTO, age group) */
	bool well_documented;
};

/*
 * Score one version.  Drug-specific dimensions (time to onset, indication,
 * dose) and the event-specific one (outcome) are judged per (suspect or
 * interacting product x event) pair; the version's score is the mean of the
 * pair scores (vigiGrade scores drug-reaction pairs).  With no such product
 * or no event there is one pair with those dimensions missing.
 */
void vg_quality_completeness(const struct vg_case_version *v, struct vg_completeness *out);
/* "tto", "indication", "outcome", "sex", "age", "dose", "country",
 * "reporter", "report_type", "comments"; NULL when out of range. */
const char *vg_cmp_dim_name(int dim);
/* The full penalty of a dimension (0.5 for TTO, 0.3, 0.1 ...). */
double vg_cmp_dim_penalty(int dim);
/* Missing dimension names joined by sep ("sex;age") into out (terminated,
 * truncated to outsz).  "" when nothing is missing. */
void vg_completeness_missing_str(const struct vg_completeness *c, const char *sep, char *out,
                                 size_t outsz);

/*
 * Chinese "缺项" (missing items) as a provincial notice counts them
 * (DOMAIN.md 2.5): an item is missing when the suspect drug's name, dose or
 * reason for use is blank or an "unknown" word (不详, 不知道, 不清楚, 不清,
 * 不明, unknown), a drug start or stop date or an event onset is blank, or no
 * causality assessment reached a conclusion (none, or only 待评价/无法评价).
 * Returns bits (1u << enum vg_cn_item).
 */
enum vg_cn_item {
	VG_CN_DRUG_NAME = 0, VG_CN_DOSE, VG_CN_INDICATION, VG_CN_DRUG_DATES, VG_CN_ONSET,
	VG_CN_CAUSALITY, VG_CN_COUNT
};
unsigned vg_quality_missing_cn(const struct vg_case_version *v);
/* "drug_name", "dose", "indication", "drug_dates", "onset", "causality". */
const char *vg_cn_item_name(int item);

/* ------------------------------------------------------------ timeliness */

/* Report category for deadlines, most urgent first. */
enum vg_tl_cat {
	VG_TL_DEATH = 0,   /* a death among the outcomes or seriousness criteria */
	VG_TL_SERIOUS,     /* serious (严重) / device serious injury */
	VG_TL_NEW,         /* new / unlisted (新的), not serious */
	VG_TL_OTHER,       /* everything else (一般) */
	VG_TL_COUNT
};

/* Rules class: vaccines and foods are judged with the drug table, unknown
 * class too (the drug rules are the general ones). */
enum vg_tl_class { VG_TL_DRUG = 0, VG_TL_DEVICE, VG_TL_COSMETIC, VG_TL_NCLASS };

/* deadline[class][category] in days from awareness to submission; 0 means
 * the same day ("immediately"). */
struct vg_tl_rules {
	int deadline[VG_TL_NCLASS][VG_TL_COUNT];
};

/* The Chinese defaults (DOMAIN.md 2.1, 2.3, 2.4); the rules and their
 * citations are in timeliness.c. */
void vg_tl_rules_default(struct vg_tl_rules *r);
/* Set one rule from configuration text: key "deadline.<class>.<category>"
 * (class drug|device|cosmetic, category death|serious|new|other), value a
 * whole number of days 0..3650.  VG_ENOTFOUND when key is not a deadline
 * key (so a caller can try other parsers), VG_EINVAL for a bad value. */
int vg_tl_rules_set(struct vg_tl_rules *r, const char *key, const char *value,
                    struct vg_err *err);
const char *vg_tl_cat_name(int cat);
const char *vg_tl_class_name(int tlclass);
int vg_tl_class_of(int klass); /* enum vg_class -> enum vg_tl_class */

struct vg_timeliness {
	int category;   /* enum vg_tl_cat */
	int deadline;   /* days */
	bool known;     /* both dates known (at least the year) */
	int days_taken; /* submission - awareness, when known */
	int days_late;  /* max(0, days_taken - deadline), when known */
	bool on_time;   /* known && days_late == 0 */
};

/* The category of a version: death (seriousness bit or a fatal outcome),
 * serious (v->serious or any seriousness bit), new (v->unexpected), other. */
int vg_tl_category(const struct vg_case_version *v);
/*
 * Judge a version under rules r.  Days are counted from the awareness date
 * (v->aware) to the submission date (v->submitted).  Dates known only to the
 * month or year give the unit the benefit of the doubt: the latest day the
 * awareness date allows and the earliest the submission date allows (and
 * never below 0).  A missing date makes the verdict unknown.
 */
void vg_quality_timeliness(const struct vg_tl_rules *r, const struct vg_case_version *v,
                           struct vg_timeliness *out);

/* ------------------------------------------------------------------ dedup */

/*
 * Probable duplicates across cases (DOMAIN.md 3.2, 3.3).  Usage:
 *
 *   struct vg_dedup *d = vg_dedup_new();
 *   for each latest version v:  vg_dedup_add_case(d, v);   (copies fields)
 *   vg_dedup_run(d, &opts, &err);
 *   for (i = 0; i < vg_dedup_npairs(d); i++) use vg_dedup_pair(d, i);
 *   vg_dedup_free(d);
 *
 * Records are compared field by field with Fellegi-Sunter log2 likelihood
 * ratios; product and event agreement is weighted by how rare the item is
 * in the data.  Only pairs sharing a block (a not-too-common product or
 * event with a compatible sex) are compared.  dedup.c explains the weights.
 */
struct vg_dedup;

/* The compact per-record input; strings are copied by vg_dedup_add. */
struct vg_dedup_input {
	const char *case_id;   /* required */
	int sex;               /* enum vg_sex */
	double age_years;      /* NAN unknown */
	struct vg_date onset;  /* earliest event onset, prec NONE unknown */
	const char *country;   /* NULL unknown */
	const char *const *products; /* suspect/interacting names (ingredient preferred) */
	size_t nproducts;
	const char *const *events;   /* coded term preferred, else verbatim */
	size_t nevents;
	int qualification;     /* enum vg_qualification */
	const char *reporter;  /* reporter organisation or name, NULL unknown */
	const char *patient_id;/* initials / code, NULL unknown */
	const char *unit;      /* reporting unit code, NULL unknown */
	double completeness;   /* for choosing the master of a pair; NAN unknown */
	struct vg_date received;
};

/* Default threshold in log2 likelihood-ratio units, calibrated on
 * bench/gen_dups (docs/QUALITY.md gives the figures and the command). */
#define VG_DEDUP_DEFAULT_THRESHOLD 17.0

struct vg_dedup_opts {
	double threshold;     /* report pairs scoring >= threshold */
	size_t max_block;     /* blocks larger than this are not used (0: 2000) */
	uint64_t seed;        /* for the random pairs that estimate u-probabilities */
};
#define VG_DEDUP_OPTS_INIT {VG_DEDUP_DEFAULT_THRESHOLD, 0, 1}

/* Field agreement codes in a pair's reasons. */
enum vg_dd_field { VG_DD_SEX = 0, VG_DD_AGE, VG_DD_ONSET, VG_DD_COUNTRY, VG_DD_PRODUCTS,
                   VG_DD_EVENTS, VG_DD_REPORTER, VG_DD_PATIENT, VG_DD_NFIELDS };

struct vg_dedup_pair {
	size_t a, b;          /* record indices (insertion order); a is the suggested master */
	double score;         /* sum of field weights (log2 likelihood ratio) */
	double weight[VG_DD_NFIELDS]; /* per-field contribution */
	int shared_products, shared_events;
};

struct vg_dedup *vg_dedup_new(void);
void vg_dedup_free(struct vg_dedup *d);
/* Add one record; returns its index. */
size_t vg_dedup_add(struct vg_dedup *d, const struct vg_dedup_input *in);
/* Add the compact form of a version: suspect and interacting products
 * (ingredient, else name), events (coded, else verbatim term), earliest
 * onset, reporter organisation, and its completeness score. */
size_t vg_dedup_add_case(struct vg_dedup *d, const struct vg_case_version *v);
size_t vg_dedup_count(const struct vg_dedup *d);
const char *vg_dedup_case_id(const struct vg_dedup *d, size_t i);
/* Received date of record i as days since 1970-01-01 (vg_date_first_day),
 * INT32_MIN when unknown. */
int32_t vg_dedup_received_day(const struct vg_dedup *d, size_t i);

/* Compute the candidate pairs scoring >= opts->threshold, best first
 * (ties by record indices).  May be called again with other options. */
int vg_dedup_run(struct vg_dedup *d, const struct vg_dedup_opts *opts, struct vg_err *err);
size_t vg_dedup_npairs(const struct vg_dedup *d);
const struct vg_dedup_pair *vg_dedup_pair(const struct vg_dedup *d, size_t i);
/* Number of pairs compared in the last run (after blocking). */
uint64_t vg_dedup_compared(const struct vg_dedup *d);
/* Score one pair of records directly (no blocking), e.g. for tests. */
void vg_dedup_score(struct vg_dedup *d, size_t a, size_t b, struct vg_dedup_pair *out);
/*
 * Groups of the last run's pairs: connected components (single link), so a
 * literature case forwarded by four companies is one group of four rather
 * than six pairs.  group[i] (the caller's array of vg_dedup_count(d)
 * entries) gets the group of record i, numbered 0, 1, ... in the order of
 * the groups' best pairs, or UINT32_MAX when i is in no pair.  keep (NULL:
 * all) says which pairs count, e.g. not those a reviewer rejected.  Returns the
 * number of groups.  The group's suggested master is its member with the
 * best completeness (vg_dedup_master).
 */
size_t vg_dedup_groups(const struct vg_dedup *d, const bool *keep, uint32_t *group);
/* The suggested master among the records of group g (group as filled above). */
size_t vg_dedup_master(const struct vg_dedup *d, const uint32_t *group, uint32_t g);
/* Human-readable reasons of a pair: "sex=; age~1y; onset=; +2 products
 * (warfarin,aspirin); +1 event; country=" into out (terminated). */
void vg_dedup_reasons(const struct vg_dedup *d, const struct vg_dedup_pair *p, char *out,
                      size_t outsz);
const char *vg_dd_field_name(int f);

/* Normalise a product or event name for comparison: ASCII lower-case,
 * runs of punctuation and blanks become one space, trimmed; UTF-8 bytes
 * above 0x7f are kept.  Writes at most outsz-1 bytes; returns out. */
char *vg_dedup_normalise(const char *s, char *out, size_t outsz);

#endif
