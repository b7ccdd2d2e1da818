/*
 * json.c - the canonical JSON form of a case version (layout in case.h).
 *
 * One set of field tables (fields.c, described in case_int.h) drives both
 * directions, and the binary codec (bin.c) too, so the encoder's key
 * order, the decoder's accepted keys and the binary tags cannot drift
 * apart.  What each kind looks like in JSON:
 *
 *     VG_CF_STR   const char *        "..."           omitted when NULL
 *     VG_CF_DATE  struct vg_date      "2024-03-01"    omitted when prec NONE
 *     VG_CF_BOOL  bool                true/false      always written
 *     VG_CF_CODE  int (code list)     "suspect"       omitted when 0 (unknown)
 *     VG_CF_NUM   double              60.5            omitted when NaN
 *     VG_CF_INT   int                 3               omitted when 0
 *     VG_CF_IDX   int (array index)   0               always written
 *     VG_CF_SER   unsigned bits       ["death", ...]  omitted when 0
 *     VG_CF_OBJ   nested object whose fields live in the same struct
 *                 ("reporter", "patient", "patient.age"); omitted when empty
 *
 * Each entry carries its key token ,"key": built at compile time, so keys
 * are never measured or escaped while encoding.  The three arrays
 * (products, events, causality) are walked around the tables, from
 * vg_case_arrays[].
 *
 * Encoding is deterministic: fixed key order, no whitespace, numbers in
 * the shortest "%.*g" form that reads back to the same double, strings
 * byte-for-byte (vg_buf_json_str escapes only '"', '\\' and controls, so
 * Chinese text is copied as UTF-8).  The store hashes this text.
 *
 * Decoding (jansson, duplicate keys rejected, UTF-8 checked) collects every
 * problem with its path and carries on, so one call lists them all; it
 * returns VG_EPARSE when any error was found.  JSON null means unknown for
 * any key; "" strings are read as unknown too (case.h: "" never means
 * unknown, so they are normalised away).  patient.age_years is derived from
 * age.value + age.unit; an encoder given only age_years writes it as
 * {"value": years, "unit": "a"}.
 */
#include "vg.h"
#include "case/case_int.h"

#include <jansson.h>
#include <math.h>

#define AT VG_CF_AT
#define CAT VG_CF_CAT

/* ============================================================== encoding */

/*
 * The encoder is on the import path (every version is encoded, then
 * hashed), so it appends few, exactly sized pieces: a member that is not a
 * string is formatted whole into a small stack buffer (the key token from
 * the table, then the value) and appended once; a string member is its key
 * token and then vg_buf_json_str.  Integers and dates are written digit by
 * digit (vg_fmt_i64), not through printf.
 */
struct enc {
	struct vg_buf *b;
	int rc;
	bool first; /* no comma before the next member */
};

/* Longest member formatted on the stack: a key token (",\"source_version\":"
 * is 19 bytes) and a value (all six seriousness names are 80). */
#define MEMBER_MAX 160

static void put(struct enc *e, const char *s, size_t n)
{
	if (!e->rc)
		e->rc = vg_buf_add(e->b, s, n);
}

static void put_str(struct enc *e, const char *s)
{
	if (!e->rc)
		e->rc = vg_buf_json_str(e->b, s);
}

/* The key token of f, without its comma for the first member. */
static size_t fmt_key(struct enc *e, const struct vg_case_field *f, char *out)
{
	size_t skip = e->first ? 1 : 0;

	memcpy(out, f->tok + skip, f->toklen - skip);
	e->first = false;
	return f->toklen - skip;
}

/* Shortest %g form that parses back to the same double.  An integral value
 * of magnitude below 1e15 is its plain digits under %.15g already (no
 * exponent, no point) and reads back exactly, so it skips printf and
 * strtod; -0 keeps printf's "-0". */
static size_t fmt_num(char *out, double x)
{
	if (fabs(x) < 1e15 && x == (double)(int64_t)x && !(x == 0 && signbit(x)))
		return vg_fmt_i64(out, (int64_t)x, 0);
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, 40, "%.*g", prec, x);
		if (strtod(out, NULL) == x)
			break;
	}
	return strlen(out);
}

/* ["death",...]: the canonical names are plain ASCII (codes.c), no escapes. */
static size_t fmt_ser(char *out, unsigned bits)
{
	size_t n = 0;

	out[n++] = '[';
	for (int i = 0; i < 6; i++) {
		size_t len = strlen(vg_serious_names[i]);
		if (!(bits & (1u << i)))
			continue;
		if (n > 1)
			out[n++] = ',';
		out[n++] = '"';
		memcpy(out + n, vg_serious_names[i], len);
		n += len;
		out[n++] = '"';
	}
	out[n++] = ']';
	return n;
}

/* A date in quotes: its ISO form has only digits, '-', 'T' and ':'. */
static size_t fmt_date(char *out, const struct vg_date *d)
{
	char tmp[24];
	size_t n = 0, len;

	vg_date_format_iso(d, tmp);
	len = strlen(tmp);
	out[n++] = '"';
	memcpy(out + n, tmp, len);
	n += len;
	out[n++] = '"';
	return n;
}

/* A value that is not a string, an object or a code, into out. */
static size_t fmt_scalar(char *out, const void *base, const struct vg_case_field *f)
{
	switch (f->kind) {
	case VG_CF_DATE: return fmt_date(out, CAT(base, f->off, struct vg_date));
	case VG_CF_BOOL: {
		bool v = *CAT(base, f->off, bool);
		memcpy(out, v ? "true" : "false", v ? 4 : 5);
		return v ? 4 : 5;
	}
	case VG_CF_INT:
	case VG_CF_IDX: return vg_fmt_i64(out, *CAT(base, f->off, int), 0);
	case VG_CF_NUM: return fmt_num(out, *CAT(base, f->off, double));
	case VG_CF_SER: return fmt_ser(out, *CAT(base, f->off, unsigned));
	}
	return 0;
}

static bool present(const void *base, const struct vg_case_field *f);

static bool obj_present(const void *base, const struct vg_case_field *fs)
{
	for (; fs->key; fs++)
		if (present(base, fs))
			return true;
	return false;
}

static bool present(const void *base, const struct vg_case_field *f)
{
	switch (f->kind) {
	case VG_CF_STR: return *CAT(base, f->off, char *) != NULL;
	case VG_CF_DATE: return CAT(base, f->off, struct vg_date)->prec != VG_DATE_NONE;
	case VG_CF_BOOL:
	case VG_CF_IDX: return true;
	case VG_CF_CODE:
	case VG_CF_INT: return *CAT(base, f->off, int) != 0;
	case VG_CF_NUM: return isfinite(*CAT(base, f->off, double));
	case VG_CF_SER: return (*CAT(base, f->off, unsigned) & VG_SER_ALL) != 0;
	case VG_CF_OBJ: return obj_present(base, f->sub);
	}
	return false;
}

static void enc_fields(struct enc *e, const void *base, const struct vg_case_field *fs);

/* One present member: its key token, then its value. */
static void enc_member(struct enc *e, const void *base, const struct vg_case_field *f)
{
	char tmp[MEMBER_MAX];
	size_t n = fmt_key(e, f, tmp);

	switch (f->kind) {
	case VG_CF_STR:
		put(e, tmp, n);
		put_str(e, *CAT(base, f->off, char *));
		break;
	case VG_CF_CODE: {
		const struct vg_case_codec *c = f->sub;
		const char *name = c->name(*CAT(base, f->off, int));
		put(e, tmp, n);
		if (name)
			put_str(e, name);
		else if (!e->rc)
			e->rc = VG_EINVAL; /* a code outside its list: validate first */
		break;
	}
	case VG_CF_OBJ:
		tmp[n++] = '{';
		put(e, tmp, n);
		e->first = true;
		enc_fields(e, base, f->sub);
		put(e, "}", 1);
		e->first = false;
		break;
	default:
		n += fmt_scalar(tmp + n, base, f);
		put(e, tmp, n);
	}
}

static void enc_fields(struct enc *e, const void *base, const struct vg_case_field *fs)
{
	for (; fs->key; fs++)
		if (present(base, fs))
			enc_member(e, base, fs);
}

/* ,"key":[{...},...] for a non-empty array. */
static void enc_array(struct enc *e, const struct vg_case_version *v, const struct vg_case_array *arr)
{
	const char *items = *CAT(v, arr->off_items, char *);
	size_t n = *CAT(v, arr->off_n, size_t);

	if (n == 0)
		return;
	put(e, arr->tok + e->first, strlen(arr->tok) - e->first);
	for (size_t i = 0; i < n; i++) {
		put(e, i ? ",{" : "[{", 2);
		e->first = true;
		enc_fields(e, items + i * arr->size, arr->fields);
		put(e, "}", 1);
	}
	put(e, "]", 1);
	e->first = false;
}

int vg_case_to_json(const struct vg_case_version *v, struct vg_buf *b)
{
	struct vg_case_version tmp;
	struct enc e = {b, 0, true};
	size_t start = b->len;

	v = vg_case_enc_view(v, &tmp);
	put(&e, "{", 1);
	enc_fields(&e, v, vg_case_version_fields);
	for (int i = 0; i < VG_CASE_NARRAYS; i++)
		enc_array(&e, v, &vg_case_arrays[i]);
	put(&e, "}", 1);
	if (e.rc) {
		b->len = start;
		if (b->p)
			b->p[start] = '\0';
	}
	return e.rc;
}

/* ============================================================== decoding */

struct dec {
	struct vg_arena *a;
	struct vg_problems *probs;
	size_t errors;
};

#define bad(d, path, ...) \
	(vg_problems_add((d)->probs, VG_PROBLEM_ERROR, (path), __VA_ARGS__), (d)->errors++)

static const char *join(struct dec *d, const char *path, const char *k)
{
	return *path ? vg_arena_printf(d->a, "%s.%s", path, k) : k;
}

static void dec_fields(struct dec *d, const json_t *obj, void *base, const struct vg_case_field *fs,
                       const char *path);

static void dec_str(struct dec *d, const json_t *j, void *base, const struct vg_case_field *f,
                    const char *path)
{
	if (!json_is_string(j)) {
		bad(d, path, "expected a string");
		return;
	}
	size_t n = json_string_length(j);
	*AT(base, f->off, const char *) = n ? vg_arena_strndup(d->a, json_string_value(j), n) : NULL;
}

static void dec_date(struct dec *d, const json_t *j, void *base, const struct vg_case_field *f,
                     const char *path)
{
	struct vg_date dt;

	if (!json_is_string(j)) {
		bad(d, path, "expected a date string");
		return;
	}
	if (vg_date_parse((struct vg_sv){json_string_value(j), json_string_length(j)}, &dt)) {
		bad(d, path, "invalid date \"%.64s\" (YYYY, YYYY-MM, YYYY-MM-DD[Thh:mm[:ss]] or YYYYMMDD)",
		    json_string_value(j));
		return;
	}
	*AT(base, f->off, struct vg_date) = dt;
}

static void dec_code(struct dec *d, const json_t *j, void *base, const struct vg_case_field *f,
                     const char *path)
{
	const struct vg_case_codec *c = f->sub;
	int v;

	if (!json_is_string(j)) {
		bad(d, path, "expected a code name");
		return;
	}
	v = c->parse(json_string_value(j));
	if (v < 0)
		bad(d, path, "unknown code \"%.64s\"", json_string_value(j));
	else
		*AT(base, f->off, int) = v;
}

static void dec_ser(struct dec *d, const json_t *j, void *base, const struct vg_case_field *f,
                    const char *path)
{
	size_t i;
	json_t *it;
	unsigned bits = 0;

	if (!json_is_array(j)) {
		bad(d, path, "expected an array of seriousness criteria");
		return;
	}
	json_array_foreach(j, i, it) {
		const char *p = vg_arena_printf(d->a, "%s[%zu]", path, i);
		int b = json_is_string(it) ? vg_serious_parse(json_string_value(it)) : -1;
		if (!json_is_string(it))
			bad(d, p, "expected a string");
		else if (b < 0)
			bad(d, p, "unknown seriousness criterion \"%.64s\"", json_string_value(it));
		else
			bits |= (unsigned)b;
	}
	*AT(base, f->off, unsigned) = bits;
}

static void dec_value(struct dec *d, const json_t *j, void *base, const struct vg_case_field *f,
                      const char *path)
{
	switch (f->kind) {
	case VG_CF_STR: dec_str(d, j, base, f, path); break;
	case VG_CF_DATE: dec_date(d, j, base, f, path); break;
	case VG_CF_CODE: dec_code(d, j, base, f, path); break;
	case VG_CF_SER: dec_ser(d, j, base, f, path); break;
	case VG_CF_BOOL:
		if (json_is_boolean(j))
			*AT(base, f->off, bool) = json_is_true(j);
		else
			bad(d, path, "expected true or false");
		break;
	case VG_CF_NUM:
		if (json_is_number(j))
			*AT(base, f->off, double) = json_number_value(j);
		else
			bad(d, path, "expected a number");
		break;
	case VG_CF_INT:
	case VG_CF_IDX:
		if (json_is_integer(j) && json_integer_value(j) >= INT_MIN &&
		    json_integer_value(j) <= INT_MAX)
			*AT(base, f->off, int) = (int)json_integer_value(j);
		else
			bad(d, path, "expected an integer");
		break;
	case VG_CF_OBJ:
		if (json_is_object(j))
			dec_fields(d, j, base, f->sub, path);
		else
			bad(d, path, "expected an object");
		break;
	}
}

static const struct vg_case_field *find_field(const struct vg_case_field *fs, const char *k)
{
	for (; fs->key; fs++)
		if (strcmp(fs->key, k) == 0)
			return fs;
	return NULL;
}

/* Known keys are decoded; the array keys are skipped here (the caller
 * handles them); anything else is an error. */
static bool is_array_key(const struct vg_case_field *fs, const char *k)
{
	if (fs != vg_case_version_fields)
		return false;
	for (int i = 0; i < VG_CASE_NARRAYS; i++)
		if (!strcmp(k, vg_case_arrays[i].key))
			return true;
	return false;
}

static void dec_fields(struct dec *d, const json_t *obj, void *base, const struct vg_case_field *fs,
                       const char *path)
{
	const char *k;
	json_t *val;

	json_object_foreach((json_t *)obj, k, val) {
		const struct vg_case_field *f = find_field(fs, k);
		const char *p = join(d, path, k);
		if (f && !json_is_null(val))
			dec_value(d, val, base, f, p);
		else if (!f && !is_array_key(fs, k))
			bad(d, p, "unknown key \"%.64s\"", k);
	}
}

static void dec_array(struct dec *d, const json_t *root, struct vg_case_version *v,
                      const struct vg_case_array *arr)
{
	const json_t *j = json_object_get(root, arr->key);
	size_t i;
	json_t *it;

	if (!j || json_is_null(j))
		return;
	if (!json_is_array(j)) {
		bad(d, arr->key, "expected an array");
		return;
	}
	json_array_foreach(j, i, it) {
		const char *p = vg_arena_printf(d->a, "%s[%zu]", arr->key, i);
		void *elem = arr->add(v, d->a); /* keep indices aligned even on errors */
		if (json_is_object(it))
			dec_fields(d, it, elem, arr->fields, p);
		else
			bad(d, p, "expected an object");
	}
}

int vg_case_from_jansson(const void *json_obj, struct vg_arena *a,
                         struct vg_case_version **out, struct vg_problems *probs)
{
	const json_t *root = json_obj;
	struct dec d = {a, probs, 0};
	struct vg_case_version *v = vg_case_new(a);

	*out = v;
	if (!json_is_object(root)) {
		bad(&d, "", "a case version must be a JSON object");
		return VG_EPARSE;
	}
	dec_fields(&d, root, v, vg_case_version_fields, "");
	for (int i = 0; i < VG_CASE_NARRAYS; i++)
		dec_array(&d, root, v, &vg_case_arrays[i]);
	v->age_years = vg_case_age_years(v->age_value, v->age_unit);
	return d.errors ? VG_EPARSE : 0;
}

int vg_case_from_json(const char *json, size_t len, struct vg_arena *a,
                      struct vg_case_version **out, struct vg_problems *probs)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!root) {
		*out = vg_case_new(a);
		vg_problems_add(probs, VG_PROBLEM_ERROR, "", "malformed JSON at line %d column %d: %s",
		                jerr.line, jerr.column, jerr.text);
		return VG_EPARSE;
	}
	rc = vg_case_from_jansson(root, a, out, probs);
	json_decref(root);
	return rc;
}
