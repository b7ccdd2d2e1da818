/*
 * terms.h - coding of verbatim text: product names to ingredients, and the
 * MedDRA hierarchy for rolling event terms up to PT, HLT, HLGT and SOC.
 *
 * Nothing licensed is shipped: the product dictionary is a CSV the centre
 * maintains, MedDRA is read from the subscriber's own ASCII distribution
 * (the MedAscii/ folder).  Both loaders read files line by line with a hard
 * cap on the line length and report errors as "file:line" in err->field.
 *
 * Thread safety: a loaded struct vg_meddra is read-only and may be shared.
 * A struct vg_terms_dict is read-only except for the unmatched-name log
 * that vg_terms_normalise() appends to: use vg_terms_match() (const) from
 * several threads, or one dictionary per thread.
 */
#ifndef VG_TERMS_H
#define VG_TERMS_H

#include "vg.h"
#include "util/util.h"

/* ====================================================== product names */

/* Longest verbatim name accepted (bytes); longer input is VG_ETOOBIG. */
#define VG_TERMS_NAME_MAX 1024
/* Longest line of a dictionary CSV or a MedDRA file (bytes), and most
 * lines in one file (MedDRA 27 has ~85 000 LLTs; 10 million leaves room
 * for any dictionary while bounding memory). */
#define VG_TERMS_LINE_MAX 8192
#define VG_TERMS_LINES_MAX 10000000

/*
 * Rule-based cleaning of one verbatim product name into a matching key,
 * appended to out (which is reset first).  The rules, in order:
 *
 *   1. full-width forms to ASCII (ＡＢＣ１２３（）→ ABC123()), ideographic
 *      and Chinese punctuation (、，。《》【】·×) to ASCII, µg/μg to ug;
 *      ASCII letters to lower case;
 *   2. WHO-Drug style codes "/00587301/" and trailing parentheticals are
 *      removed ("LIPITOR (ATORVASTATIN CALCIUM)" -> "lipitor"); the content
 *      of the last parenthetical is kept as the alternative key (see
 *      vg_terms_clean_alt) and used when nothing is left outside;
 *   3. strengths: numbers with their units ("10 MG", "5mg/ml", "0.9%",
 *      "85 MG/M2", "100/50") and bare numbers;
 *   4. dose forms and release words (tablet(s), capsule, injection, oral,
 *      solution, film-coated, extended-release, SR, XR, HFA, eye drops ...);
 *   5. salt and hydrate words (hydrochloride, HCl, sodium, potassium,
 *      calcium, maleate, besylate, sulfate, monohydrate, anhydrous ...),
 *      but only when another word is left in that component, so "calcium",
 *      "calcium carbonate" and "potassium chloride" stay as they are;
 *   6. Chinese: the prefix 注射用, dose-form suffixes (片, 缓释片, 胶囊, 注射液,
 *      颗粒, 口服液, 口服溶液, 乳膏, 滴眼液 ...), acid-salt prefixes (盐酸, 硫酸,
 *      苯磺酸, 马来酸 ...) and metal suffixes (钠, 钾, 钙) when a drug name
 *      remains (氯化钠, 碳酸钙, 葡萄糖酸钙 stay);
 *   7. combination separators "/", "\", "+", "&", ",", "and", "with" become
 *      "/"; other punctuation becomes a space; spaces are collapsed.
 *
 * When the rules would remove every word (a name that is only "Tablet"),
 * steps 3-6 are skipped.  Examples: "ACYCLOVIR  /00587301/" -> "acyclovir";
 * "Simvastatin 40mg" -> "simvastatin"; "BUPROPION HYDROCHLORIDE SR" ->
 * "bupropion"; "盐酸二甲双胍缓释片" -> "二甲双胍"; "ＡＳＰＩＲＩＮ　１００ｍｇ" ->
 * "aspirin"; "Trimethoprim/sulfamethoxazole" -> "trimethoprim/sulfamethoxazole".
 *
 * Returns 0, VG_EINVAL for NULL, VG_ETOOBIG past VG_TERMS_NAME_MAX or the
 * cap of out.  The result may be "" (the name held nothing but noise).
 */
int vg_terms_clean(const char *name, struct vg_buf *out);
/* The cleaned content of the last trailing parenthetical, or "" when the
 * name has none ("LIPITOR (ATORVASTATIN CALCIUM)" -> "atorvastatin"). */
int vg_terms_clean_alt(const char *name, struct vg_buf *out);

/* The product dictionary: cleaned name -> ingredient, plus the log of names
 * that did not match.  Opaque; vg_terms_dict_free releases everything. */
struct vg_terms_dict;
struct vg_terms_dict *vg_terms_dict_new(void);
void vg_terms_dict_free(struct vg_terms_dict *d);

/*
 * Add one entry: the key is vg_terms_clean(name) with its components put in
 * byte order (so "a/b" and "b/a" are one key); the ingredient is stored as
 * given (trimmed).  Each ingredient is also added as a name of itself
 * (unless that key already has an entry), so "Atorvastatin calcium 10 mg"
 * matches an entry whose ingredient is "atorvastatin".  The same key with
 * a different ingredient is VG_EEXIST (err names the earlier one); the same
 * key and ingredient again is accepted.  An empty key is VG_EINVAL.
 */
int vg_terms_dict_add(struct vg_terms_dict *d, const char *name, const char *ingredient,
                      struct vg_err *err);
/*
 * Load a CSV "name,ingredient[,...]" (RFC 4180 quoting, UTF-8, no newline
 * inside quotes; a first row "name,ingredient..." is a header; blank lines
 * and lines starting with '#' are skipped; further columns are ignored; a row with an empty ingredient
 * is skipped, so a filled-in review file from vg_terms_unmatched_csv loads
 * as is).  Errors carry "path:line" in err->field.  Returns the number of
 * entries added through *nadded (may be NULL).
 */
int vg_terms_dict_load(struct vg_terms_dict *d, const char *path, size_t *nadded,
                       struct vg_err *err);
/* Same from memory; name is used in error positions. */
int vg_terms_dict_load_mem(struct vg_terms_dict *d, const char *text, size_t len,
                           const char *name, size_t *nadded, struct vg_err *err);
size_t vg_terms_dict_count(const struct vg_terms_dict *d);

enum vg_terms_how {
	VG_TERMS_UNMATCHED = 0, /* no dictionary entry: ingredient is NULL */
	VG_TERMS_DICT = 1,      /* the cleaned name is in the dictionary */
	VG_TERMS_DICT_ALT = 2,  /* the cleaned trailing parenthetical is */
};

struct vg_terms_result {
	const char *ingredient; /* dictionary value, or NULL when unmatched */
	const char *cleaned;    /* the cleaned name (never NULL; may be "") */
	int how;                /* enum vg_terms_how */
};

/*
 * Look a verbatim name up: the cleaned name first (exact match), then the
 * cleaned trailing parenthetical.  Strings in *out live in a (the
 * ingredient in the dictionary, which outlives it only as long as d).
 * vg_terms_normalise also records unmatched names (by cleaned key, with a
 * count and the first verbatim spelling) for review; vg_terms_match does
 * not and is const.  A NULL or empty name gives VG_EINVAL.
 *
 * Typical use in an importer: product->ingredient = r.ingredient ?
 * r.ingredient : (*r.cleaned ? r.cleaned : NULL), i.e. the dictionary wins
 * and the rule-cleaned name is the fallback key for counting.
 */
int vg_terms_match(const struct vg_terms_dict *d, const char *name, struct vg_arena *a,
                   struct vg_terms_result *out);
int vg_terms_normalise(struct vg_terms_dict *d, const char *name, struct vg_arena *a,
                       struct vg_terms_result *out);

/* One unmatched name for review. */
struct vg_terms_unmatched {
	const char *cleaned; /* the key a dictionary row must produce */
	const char *example; /* the first verbatim spelling seen */
	uint64_t count;      /* how many times it was seen */
};
/* Unmatched names, most frequent first (ties by key), into an array
 * allocated in a; strings point into d. */
size_t vg_terms_unmatched(const struct vg_terms_dict *d, struct vg_arena *a,
                          struct vg_terms_unmatched **out);
/* The review file: "name,ingredient,count,example" with the ingredient
 * column empty for the reviewer to fill; loads back with
 * vg_terms_dict_load once filled. */
int vg_terms_unmatched_csv(const struct vg_terms_dict *d, struct vg_buf *out);

/* ============================================================ MedDRA */

enum vg_meddra_level {
	VG_MEDDRA_NONE = 0,
	VG_MEDDRA_LLT = 1,
	VG_MEDDRA_PT = 2,
	VG_MEDDRA_HLT = 3,
	VG_MEDDRA_HLGT = 4,
	VG_MEDDRA_SOC = 5,
};
/* "llt", "pt", "hlt", "hlgt", "soc" (NULL out of range) and back (-1). */
const char *vg_meddra_level_name(int level);
int vg_meddra_level_parse(const char *s);

/*
 * One path LLT -> PT -> HLT -> HLGT -> SOC.  Codes are MedDRA's 8-digit
 * numbers; names point into the loaded hierarchy.  llt/llt_name are 0/NULL
 * when the path was asked for from a PT.
 */
struct vg_meddra_path {
	uint32_t code[6];       /* indexed by enum vg_meddra_level; [0] unused */
	const char *name[6];
	bool primary;           /* the PT's primary SOC path */
};

struct vg_meddra; /* the loaded hierarchy, opaque, read-only once loaded */

/*
 * Load a MedDRA ASCII distribution from dir (FORMATS.md section 7):
 * `$`-separated, no header, a trailing `$` on each record.
 *
 *   required  llt.asc pt.asc hlt.asc hlgt.asc soc.asc
 *   paths     mdhier.asc (one row per PT->HLT->HLGT->SOC path, primary_soc_fg
 *             'Y' on the primary one); without it the paths are built from
 *             hlt_pt.asc, hlgt_hlt.asc and soc_hlgt.asc, primary being the
 *             path to pt.asc's pt_soc_code.  One of the two sets must exist.
 *   optional  intl_ord.asc (the internationally agreed SOC order);
 *             smq_list.asc + smq_content.asc (Standardised MedDRA Queries).
 *
 * Each line is capped at VG_TERMS_LINE_MAX bytes; a missing column, a code
 * that is not 1-8 digits, a duplicate code, or a link to an unknown code is
 * VG_EPARSE with "file:line" in err->field.  A PT without any path, or
 * with no primary path, is VG_EPARSE naming the PT.
 */
int vg_meddra_load(const char *dir, struct vg_meddra **out, struct vg_err *err);

/* One file of a distribution held in memory: name as in the folder
 * ("llt.asc"), len bytes of text (no NUL needed). */
struct vg_meddra_file {
	const char *name;
	const char *text;
	size_t len;
};
/*
 * Same as vg_meddra_load, from n in-memory files: a name not among files
 * is an absent file (VG_ENOTFOUND naming it when it is required; the first
 * of two entries with one name is used).  Names and codes are copied, so
 * the texts may be freed once it returns.
 */
int vg_meddra_load_mem(const struct vg_meddra_file *files, size_t n, struct vg_meddra **out,
                       struct vg_err *err);
void vg_meddra_free(struct vg_meddra *m);

/* Counts per level (index enum vg_meddra_level), for `vigil info`. */
size_t vg_meddra_count(const struct vg_meddra *m, int level);

/*
 * Resolve a coded event: an LLT or PT name (ASCII case-insensitive, spaces
 * trimmed and runs of blanks read as one; an LLT name wins over a PT name, which in MedDRA are the same
 * term anyway) or an 8-digit LLT or PT code given as text.  Fills *out with
 * the primary path.  VG_ENOTFOUND when the term is not in the hierarchy.
 */
int vg_meddra_rollup(const struct vg_meddra *m, const char *term, struct vg_meddra_path *out);
/* The name at level on the primary path of term (what `--level soc` counts
 * by), or NULL when the term is unknown or the level out of range.  Level
 * LLT gives the LLT the term resolved to (every PT is also its own LLT in
 * MedDRA, so a PT name gives the PT's name). */
const char *vg_meddra_term_at(const struct vg_meddra *m, const char *term, int level);
/*
 * Every path of a PT (multi-axial counting): *out points at n paths owned
 * by m, primary first.  Returns n (0 when pt_code is not a PT).
 */
size_t vg_meddra_paths(const struct vg_meddra *m, uint32_t pt_code,
                       const struct vg_meddra_path **out);
/* Position of a SOC in the internationally agreed order (intl_ord.asc,
 * 1-based), 0 when unknown or the file was absent: sort SOC tables by it. */
uint32_t vg_meddra_soc_order(const struct vg_meddra *m, uint32_t soc_code);
/* Code of a name at one level (case-insensitive), 0 when unknown; and the
 * name of a code at one level, NULL when unknown. */
uint32_t vg_meddra_code(const struct vg_meddra *m, int level, const char *name);
const char *vg_meddra_name(const struct vg_meddra *m, int level, uint32_t code);

/*
 * Standardised MedDRA Queries (when smq_list.asc and smq_content.asc were
 * present; layout in FORMATS.md section 7; term_level 0 = a sub-SMQ, 4 = PT,
 * 5 = LLT; term_scope 1 broad, 2 narrow; status 'A' active).  Only active
 * SMQs and terms count.  vg_meddra_smq_pts gives the PT codes of an SMQ and
 * of its active sub-SMQs, sorted and unique, in an array allocated in a:
 * narrow scope = the narrow terms, broad scope = narrow and broad terms (the
 * usual "broad search").  Algorithmic SMQs (categories, weights) are not
 * evaluated: their terms are listed like the others.  Returns the count;
 * 0 for an unknown SMQ or scope.
 */
enum { VG_MEDDRA_SMQ_NARROW = 2, VG_MEDDRA_SMQ_BROAD = 1 };
size_t vg_meddra_smq_count(const struct vg_meddra *m);
uint32_t vg_meddra_smq_code(const struct vg_meddra *m, const char *name); /* 0: unknown */
const char *vg_meddra_smq_name(const struct vg_meddra *m, uint32_t smq_code);
size_t vg_meddra_smq_pts(const struct vg_meddra *m, uint32_t smq_code, int scope,
                         struct vg_arena *a, const uint32_t **out);

#endif
