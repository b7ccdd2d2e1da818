/*
 * units.h - the yearly evaluation of reporting units (报告单位评价).
 *
 * Input: one compact struct vg_unit_report per case (built by the CLI from
 * the store scan, with vg_units_report_from_case), the list of registered
 * units with their size (beds, served population), and a configuration
 * (weights, volume basis, commendation sizes, deadlines) parsed from a
 * key = value file: config/units.conf documents every key and its default.
 * No weight is written in C: a configuration missing one is an error.
 *
 * Output: per product class (drug, device, cosmetic: DOMAIN.md 2.5) one row
 * per unit with its indicators, the normalised components, a composite
 * score in [0, 100], its rank and whether it is on the commendation list;
 * written as a table, CSV, JSON or a printable bilingual HTML report with
 * inline SVG charts (report.c).
 *
 * Ownership: vg_units_evaluate copies what it keeps (strings into its own
 * arena); the caller's arrays may be freed afterwards.  Free the result with
 * vg_units_eval_free.
 */
#ifndef VG_UNITS_H
#define VG_UNITS_H

#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "quality/quality.h"

/* ------------------------------------------------------------ configuration */

/* Components of the composite score, each normalised to [0, 1]. */
enum vg_ucomp {
	VG_UC_VOLUME = 0,   /* volume / largest volume among the class's units */
	VG_UC_VALID,        /* valid share */
	VG_UC_NEW_SERIOUS,  /* share of new-or-serious among effective reports */
	VG_UC_ON_TIME,      /* on-time rate */
	VG_UC_COMPLETENESS, /* mean vigiGrade completeness */
	VG_UC_DUPLICATE,    /* 1 - duplicate share */
	VG_UC_COUNT
};

/* What "volume" means. */
enum vg_volume_basis { VG_VOL_REPORTS = 0, VG_VOL_PER_BED, VG_VOL_PER_MILLION };

struct vg_units_config {
	double weight[VG_UC_COUNT];
	int volume_basis;                 /* enum vg_volume_basis */
	int commend[VG_TL_NCLASS];        /* top K per class */
	int64_t commend_min_reports;      /* effective reports needed to be commended */
	bool unknown_timeliness_is_late;  /* false: excluded from the on-time rate */
	struct vg_tl_rules rules;         /* deadlines (quality.h) */
	unsigned set;                     /* internal: which required keys were seen */
};

/* Empty configuration: nothing set, deadlines at the legal defaults. */
void vg_units_config_init(struct vg_units_config *c);
/*
 * Parse configuration text ("key = value" lines, '#' comments, blank lines)
 * on top of c; later keys override earlier ones, so a site file can be
 * parsed after the defaults.  Errors name "<origin>:<line>".
 */
int vg_units_config_parse(struct vg_units_config *c, const char *text, size_t len,
                          const char *origin, struct vg_err *err);
/* The text of config/units.conf, embedded at build time (NUL-terminated;
 * *len gets its length when len is not NULL).  Static storage. */
const char *vg_units_default_config(size_t *len);
/* Check that every required key has been given (all weights, volume.basis,
 * commend.*) and the weights do not all vanish. */
int vg_units_config_check(const struct vg_units_config *c, struct vg_err *err);
const char *vg_ucomp_name(int comp); /* "volume", "valid", ... (config keys) */

/* ---------------------------------------------------------------- input */

/* A registered unit (the CLI copies them from the store's units table). */
struct vg_units_unit {
	const char *code;
	const char *name;
	int64_t beds;       /* 0: not configured */
	double population;  /* served population, 0: not configured */
};

/* What the evaluation needs to know about one case. */
struct vg_unit_report {
	const char *case_id;
	const char *unit;         /* reporting unit code; NULL: not attributable */
	int klass;                /* enum vg_class of the case */
	struct vg_date when;      /* first submission (year and month come from it) */
	bool valid;               /* four minimum elements (latest version) */
	bool nullified;           /* latest version nullifies the case */
	bool duplicate;           /* confirmed duplicate of another case */
	bool serious, unexpected; /* latest version: 严重, 新的 */
	double completeness;      /* vigiGrade score of the latest version */
	unsigned cmp_missing;     /* its missing dimensions (quality.h bits) */
	unsigned cn_missing;      /* its 缺项 (quality.h vg_quality_missing_cn) */
	struct vg_timeliness tl;  /* of the first version (deadlines are for it) */
};

/*
 * Fill *out from a case's first version (timeliness, date) and latest
 * version (validity, seriousness, completeness, class, unit); scan_flags are
 * store.h's VG_SCAN_* bits for the case (INVALID 1, NULLIFIED 2,
 * DUPLICATE 4).  Strings point into the versions: copy them or keep the
 * versions alive until vg_units_evaluate has run.
 */
void vg_units_report_from_case(const struct vg_case_version *first,
                               const struct vg_case_version *latest, int scan_flags,
                               const struct vg_tl_rules *rules, struct vg_unit_report *out);
/* The same in two steps, for callers that see the versions one at a time
 * (the store's scans): _first fills everything from the first version,
 * _latest then overwrites what the latest version decides. */
void vg_units_report_first(const struct vg_case_version *first, const struct vg_tl_rules *rules,
                           struct vg_unit_report *out);
void vg_units_report_latest(const struct vg_case_version *latest, int scan_flags,
                            struct vg_unit_report *out);

/* ---------------------------------------------------------------- result */

struct vg_unit_stats {
	const char *code, *name;
	int64_t beds;
	double population;
	/* counts over the year and class */
	int64_t reports;      /* all cases first submitted in the year */
	int64_t invalid;      /* reports lacking a minimum element (any state) */
	int64_t nullified;    /* reports whose latest version nullifies them */
	int64_t duplicates;   /* reports confirmed as duplicates of another case */
	int64_t effective;    /* valid, not nullified, not duplicate: the base of
	                         everything below */
	int64_t new_serious;  /* effective reports that are new or serious */
	int64_t serious;
	int64_t tl_known, on_time, late, tl_unknown;
	int64_t days_late_sum;
	int64_t well_documented;
	int64_t with_missing;      /* effective reports with at least one 缺项 */
	int64_t monthly[12];  /* all reports by month of first submission */
	/* indicators */
	double valid_share;        /* (reports - invalid) / reports */
	double new_serious_share;  /* new_serious / effective */
	double on_time_rate;       /* on_time / (tl_known, + tl_unknown if counted late) */
	double mean_completeness;  /* over effective reports */
	double duplicate_share;    /* duplicates / reports */
	double missing_share;      /* with_missing / effective (缺项率) */
	double per_100_beds;       /* effective per 100 beds, NAN when beds not configured */
	double per_million;        /* effective per million population, NAN if not set */
	double volume;             /* the configured basis' value (NAN counts as 0) */
	double component[VG_UC_COUNT];
	double score;              /* 0..100 */
	int rank;                  /* 1 = best; equal scores share a rank */
	bool commended;
};

struct vg_units_class_result {
	int tlclass;                 /* enum vg_tl_class */
	struct vg_unit_stats *rows;  /* ranked, best first */
	size_t nrows;
	int64_t monthly[12];         /* the class's volume by month */
	int64_t reports, effective;
};

struct vg_units_eval {
	int year;
	struct vg_units_config cfg;
	struct vg_units_class_result cls[VG_TL_NCLASS];
	bool evaluated[VG_TL_NCLASS];
	int64_t unattributed;        /* reports of the year without a unit */
	struct vg_arena arena;
};

/*
 * Evaluate year for one rules class (tlclass = VG_TL_DRUG ...) or all three
 * (tlclass < 0).  Every registered unit gets a row in every evaluated class,
 * also with no reports; units seen in reports but not registered are added.
 * Vaccines and foods count with drugs.  *out: vg_units_eval_free.
 */
int vg_units_evaluate(const struct vg_units_config *cfg, const struct vg_units_unit *units,
                      size_t nunits, const struct vg_unit_report *reps, size_t nreps, int year,
                      int tlclass, struct vg_units_eval **out, struct vg_err *err);
void vg_units_eval_free(struct vg_units_eval *ev);

/* ---------------------------------------------------------------- output */

enum vg_units_fmt { VG_UF_TABLE = 0, VG_UF_CSV, VG_UF_JSON, VG_UF_HTML };
enum vg_units_lang { VG_LANG_EN = 1, VG_LANG_ZH = 2, VG_LANG_BOTH = 3 };

/* Write the evaluation to b.  top_k > 0 limits the rows of each class (the
 * commendation list is always complete).  Table: one block per class with
 * a title line; CSV: one header row, a "class" column; JSON: one object;
 * HTML: a whole printable page with inline SVG charts.  lang chooses the
 * labels of the table and HTML (CSV and JSON keys are always English). */
int vg_units_write(const struct vg_units_eval *ev, int fmt, int lang, int top_k,
                   struct vg_buf *b, struct vg_err *err);

#endif
