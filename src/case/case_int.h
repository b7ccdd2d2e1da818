/*
 * case_int.h - internals shared by the codecs of src/case/ (json.c, bin.c).
 *
 * The field tables (fields.c) describe a version once, and both codecs
 * walk them, so the JSON keys, the binary tags and the set of fields each
 * form carries cannot drift apart:
 *
 *   struct vg_case_field { key, tok, toklen, tag, kind, off, sub }
 *     VG_CF_STR   const char *      omitted when NULL ("" is a value)
 *     VG_CF_DATE  struct vg_date    omitted when prec NONE
 *     VG_CF_BOOL  bool              JSON: always written; binary: tag when true
 *     VG_CF_CODE  int (code list)   omitted when 0 (unknown); outside the list: VG_EINVAL
 *     VG_CF_NUM   double            omitted when not finite (NaN = unknown)
 *     VG_CF_INT   int               omitted when 0
 *     VG_CF_IDX   int (array index) JSON: always written; binary: omitted when 0
 *     VG_CF_SER   unsigned bits     omitted when no VG_SER_ALL bit is set
 *     VG_CF_OBJ   a nested JSON object ("reporter", "patient", "patient.age")
 *                 whose fields live in the same struct; it has no tag: the
 *                 binary form is flat
 *
 * key is the JSON key; tok the key as the JSON encoder writes it, ,"key":
 * (built at compile time); tag the binary form's tag byte (1-127, unique
 * and increasing in the order the tables are walked, children of an
 * VG_CF_OBJ included; 0 ends an object in the binary form).  off is the
 * offset of the value in the struct the table describes (children of an
 * VG_CF_OBJ use the parent's struct: the version is flat, the JSON is
 * grouped).  Tables end with an entry whose key is NULL.
 *
 * The three arrays of a version (products, events, causality) are
 * described by vg_case_arrays[], in the order both codecs write them.
 */
#ifndef VG_CASE_INT_H
#define VG_CASE_INT_H

#include "vg.h"
#include "case/case.h"

enum vg_case_kind {
	VG_CF_STR, VG_CF_DATE, VG_CF_BOOL, VG_CF_CODE, VG_CF_NUM, VG_CF_INT, VG_CF_IDX,
	VG_CF_SER, VG_CF_OBJ
};

/* A code list: value -> canonical name (NULL outside the list) and back. */
struct vg_case_codec {
	const char *(*name)(int);
	int (*parse)(const char *);
};

struct vg_case_field {
	const char *key;
	const char *tok; /* the key as the JSON encoder writes it: ,"key": */
	size_t toklen;
	uint8_t tag;     /* binary tag; 0 for VG_CF_OBJ */
	uint8_t kind;    /* enum vg_case_kind */
	size_t off;
	const void *sub; /* struct vg_case_codec for VG_CF_CODE, fields for VG_CF_OBJ */
};

struct vg_case_array {
	const char *key;  /* "products" */
	const char *tok;  /* ,"products": */
	uint8_t tag;      /* binary tag, above every version field's */
	size_t off_items; /* offsetof(struct vg_case_version, products) */
	size_t off_n, off_cap;
	size_t size;      /* sizeof(struct vg_product) */
	const struct vg_case_field *fields;
	void *(*add)(struct vg_case_version *v, struct vg_arena *a); /* vg_case_add_* */
};

extern const struct vg_case_field vg_case_version_fields[];
extern const struct vg_case_field vg_case_product_fields[];
extern const struct vg_case_field vg_case_event_fields[];
extern const struct vg_case_field vg_case_causality_fields[];
#define VG_CASE_NARRAYS 3
extern const struct vg_case_array vg_case_arrays[VG_CASE_NARRAYS];

/* The version both encoders write for v: v itself, or, when only age_years
 * is known (age_value NaN), a shallow copy in *tmp whose age is
 * {age_years, "a"} (case.h, JSON codec). */
const struct vg_case_version *vg_case_enc_view(const struct vg_case_version *v,
                                               struct vg_case_version *tmp);

/* The value of a field: base + off as a pointer to type. */
#define VG_CF_AT(base, off, type) ((type *)(void *)((char *)(base) + (off)))
#define VG_CF_CAT(base, off, type) ((const type *)(const void *)((const char *)(base) + (off)))

#endif
