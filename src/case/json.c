/*
 * json.c - the canonical JSON form of a case version (layout in case.h).
 *
 * One set of field tables drives both directions, so the encoder's key
 * order and the decoder's accepted keys cannot drift apart:
 *
 *   struct field { key, tok, kind, offset, sub }
 *     F_STR   const char *        "..."           omitted when NULL
 *     F_DATE  struct vg_date      "2024-03-01"    omitted when prec NONE
 *     F_BOOL  bool                true/false      always written
 *     F_CODE  int (code list)     "suspect"       omitted when 0 (unknown)
 *     F_NUM   double              60.5            omitted when NaN
 *     F_INT   int                 3               omitted when 0
 *     F_IDX   int (array index)   0               always written
 *     F_SER   unsigned bits       ["death", ...]  omitted when 0
 *     F_OBJ   nested object whose fields live in the same struct
 *             ("reporter", "patient", "patient.age"); omitted when empty
 *
 * tok is the key as the encoder writes it, ,"key": (the F() macro builds
 * it from the key at compile time, so keys are never measured or escaped
 * while encoding).  Offsets of F_OBJ children are relative to the same
 * base struct as the parent (the version is flat; the JSON is grouped).
 * The three arrays (products, events, causality) are handled by hand
 * around the tables.
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
#include "case/case.h"

#include <jansson.h>
#include <math.h>

enum kind { F_STR, F_DATE, F_BOOL, F_CODE, F_NUM, F_INT, F_IDX, F_SER, F_OBJ };

struct codec {
	const char *(*name)(int);
	int (*parse)(const char *);
};

struct field {
	const char *key;
	const char *tok; /* the key as the encoder writes it: ,"key": */
	size_t toklen;
	int kind;
	size_t off;
	const void *sub; /* struct codec for F_CODE, struct field[] for F_OBJ */
};

static const struct codec c_class = {vg_class_name, vg_class_parse};
static const struct codec c_role = {vg_role_name, vg_role_parse};
static const struct codec c_sex = {vg_sex_name, vg_sex_parse};
static const struct codec c_outcome = {vg_outcome_name, vg_outcome_parse};
static const struct codec c_rt = {vg_report_type_name, vg_report_type_parse};
static const struct codec c_qual = {vg_qualification_name, vg_qualification_parse};
static const struct codec c_agegroup = {vg_age_group_name, vg_age_group_parse};

#define V(f) offsetof(struct vg_case_version, f)
#define P(f) offsetof(struct vg_product, f)
#define E(f) offsetof(struct vg_event, f)
#define C(f) offsetof(struct vg_causality, f)
#define F(k, kind, off, sub) {k, ",\"" k "\":", sizeof(k) + 3, kind, off, sub}
#define END {NULL, NULL, 0, 0, 0, NULL}

static const struct field reporter_fields[] = {
	F("qualification", F_CODE, V(qualification), &c_qual),
	F("name", F_STR, V(reporter_name), NULL),
	F("org", F_STR, V(reporter_org), NULL),
	F("phone", F_STR, V(reporter_phone), NULL),
	END};

static const struct field age_fields[] = {
	F("value", F_NUM, V(age_value), NULL),
	F("unit", F_STR, V(age_unit), NULL),
	END};

static const struct field patient_fields[] = {
	F("id", F_STR, V(patient_id), NULL),
	F("sex", F_CODE, V(sex), &c_sex),
	F("age", F_OBJ, 0, age_fields),
	F("age_group", F_CODE, V(age_group), &c_agegroup),
	F("weight_kg", F_NUM, V(weight_kg), NULL),
	F("birth", F_DATE, V(birth), NULL),
	END};

/* Top level up to "narrative"; the arrays follow. */
static const struct field version_fields[] = {
	F("case_id", F_STR, V(case_id), NULL),
	F("report_id", F_STR, V(report_id), NULL),
	F("source", F_STR, V(source), NULL),
	F("source_version", F_STR, V(source_version), NULL),
	F("report_type", F_CODE, V(report_type), &c_rt),
	F("nullified", F_BOOL, V(nullified), NULL),
	F("amendment", F_BOOL, V(amendment), NULL),
	F("initial", F_BOOL, V(initial), NULL),
	F("nullify_reason", F_STR, V(nullify_reason), NULL),
	F("created", F_DATE, V(created), NULL),
	F("received", F_DATE, V(received), NULL),
	F("latest", F_DATE, V(latest), NULL),
	F("aware", F_DATE, V(aware), NULL),
	F("submitted", F_DATE, V(submitted), NULL),
	F("unit", F_STR, V(unit), NULL),
	F("country", F_STR, V(country), NULL),
	F("region", F_STR, V(region), NULL),
	F("reporter", F_OBJ, 0, reporter_fields),
	F("patient", F_OBJ, 0, patient_fields),
	F("serious", F_BOOL, V(serious), NULL),
	F("unexpected", F_BOOL, V(unexpected), NULL),
	F("redacted", F_BOOL, V(redacted), NULL),
	F("seriousness", F_SER, V(seriousness), NULL),
	F("class", F_CODE, V(klass), &c_class),
	F("narrative", F_STR, V(narrative), NULL),
	F("stratum", F_STR, V(stratum), NULL),
	END};

static const struct field product_fields[] = {
	F("role", F_CODE, P(role), &c_role),
	F("class", F_CODE, P(klass), &c_class),
	F("name", F_STR, P(name), NULL),
	F("ingredient", F_STR, P(ingredient), NULL),
	F("manufacturer", F_STR, P(manufacturer), NULL),
	F("batch", F_STR, P(batch), NULL),
	F("route", F_STR, P(route), NULL),
	F("dose", F_STR, P(dose), NULL),
	F("indication", F_STR, P(indication), NULL),
	F("approval_no", F_STR, P(approval_no), NULL),
	F("device_model", F_STR, P(device_model), NULL),
	F("udi", F_STR, P(udi), NULL),
	F("category", F_STR, P(category), NULL),
	F("start", F_DATE, P(start), NULL),
	F("end", F_DATE, P(end), NULL),
	F("action", F_INT, P(action), NULL),
	END};

static const struct field event_fields[] = {
	F("term", F_STR, E(term), NULL),
	F("coded", F_STR, E(coded), NULL),
	F("code", F_STR, E(code), NULL),
	F("onset", F_DATE, E(onset), NULL),
	F("end", F_DATE, E(end), NULL),
	F("outcome", F_CODE, E(outcome), &c_outcome),
	F("seriousness", F_SER, E(seriousness), NULL),
	END};

static const struct field causality_fields[] = {
	F("product", F_IDX, C(product), NULL),
	F("event", F_IDX, C(event), NULL),
	F("source", F_STR, C(source), NULL),
	F("method", F_STR, C(method), NULL),
	F("result", F_STR, C(result), NULL),
	END};

#undef F
#undef V
#undef P
#undef E
#undef C

#define AT(base, off, type) ((type *)(void *)((char *)(base) + (off)))
#define CAT(base, off, type) ((const type *)(const void *)((const char *)(base) + (off)))

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
static size_t fmt_key(struct enc *e, const struct field *f, char *out)
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
static size_t fmt_scalar(char *out, const void *base, const struct field *f)
{
	switch (f->kind) {
	case F_DATE: return fmt_date(out, CAT(base, f->off, struct vg_date));
	case F_BOOL: {
		bool v = *CAT(base, f->off, bool);
		memcpy(out, v ? "true" : "false", v ? 4 : 5);
		return v ? 4 : 5;
	}
	case F_INT:
	case F_IDX: return vg_fmt_i64(out, *CAT(base, f->off, int), 0);
	case F_NUM: return fmt_num(out, *CAT(base, f->off, double));
	case F_SER: return fmt_ser(out, *CAT(base, f->off, unsigned));
	}
	return 0;
}

static bool present(const void *base, const struct field *f);

static bool obj_present(const void *base, const struct field *fs)
{
	for (; fs->key; fs++)
		if (present(base, fs))
			return true;
	return false;
}

static bool present(const void *base, const struct field *f)
{
	switch (f->kind) {
	case F_STR: return *CAT(base, f->off, char *) != NULL;
	case F_DATE: return CAT(base, f->off, struct vg_date)->prec != VG_DATE_NONE;
	case F_BOOL:
	case F_IDX: return true;
	case F_CODE:
	case F_INT: return *CAT(base, f->off, int) != 0;
	case F_NUM: return isfinite(*CAT(base, f->off, double));
	case F_SER: return (*CAT(base, f->off, unsigned) & VG_SER_ALL) != 0;
	case F_OBJ: return obj_present(base, f->sub);
	}
	return false;
}

static void enc_fields(struct enc *e, const void *base, const struct field *fs);

/* One present member: its key token, then its value. */
static void enc_member(struct enc *e, const void *base, const struct field *f)
{
	char tmp[MEMBER_MAX];
	size_t n = fmt_key(e, f, tmp);

	switch (f->kind) {
	case F_STR:
		put(e, tmp, n);
		put_str(e, *CAT(base, f->off, char *));
		break;
	case F_CODE: {
		const struct codec *c = f->sub;
		const char *name = c->name(*CAT(base, f->off, int));
		put(e, tmp, n);
		if (name)
			put_str(e, name);
		else if (!e->rc)
			e->rc = VG_EINVAL; /* a code outside its list: validate first */
		break;
	}
	case F_OBJ:
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

static void enc_fields(struct enc *e, const void *base, const struct field *fs)
{
	for (; fs->key; fs++)
		if (present(base, fs))
			enc_member(e, base, fs);
}

/* ,"key":[{...},...] for a non-empty array; tok is the key token. */
static void enc_array(struct enc *e, const char *tok, const void *arr, size_t n, size_t sz,
                      const struct field *fs)
{
	if (n == 0)
		return;
	put(e, tok + e->first, strlen(tok) - e->first);
	for (size_t i = 0; i < n; i++) {
		put(e, i ? ",{" : "[{", 2);
		e->first = true;
		enc_fields(e, (const char *)arr + i * sz, fs);
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

	if (isnan(v->age_value) && isfinite(v->age_years)) {
		tmp = *v; /* shallow: only the age changes */
		tmp.age_value = v->age_years;
		tmp.age_unit = "a";
		v = &tmp;
	}
	put(&e, "{", 1);
	enc_fields(&e, v, version_fields);
	enc_array(&e, ",\"products\":", v->products, v->nproducts, sizeof(*v->products),
	          product_fields);
	enc_array(&e, ",\"events\":", v->events, v->nevents, sizeof(*v->events), event_fields);
	enc_array(&e, ",\"causality\":", v->causality, v->ncausality, sizeof(*v->causality),
	          causality_fields);
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

static void dec_fields(struct dec *d, const json_t *obj, void *base, const struct field *fs,
                       const char *path);

static void dec_str(struct dec *d, const json_t *j, void *base, const struct field *f,
                    const char *path)
{
	if (!json_is_string(j)) {
		bad(d, path, "expected a string");
		return;
	}
	size_t n = json_string_length(j);
	*AT(base, f->off, const char *) = n ? vg_arena_strndup(d->a, json_string_value(j), n) : NULL;
}

static void dec_date(struct dec *d, const json_t *j, void *base, const struct field *f,
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

static void dec_code(struct dec *d, const json_t *j, void *base, const struct field *f,
                     const char *path)
{
	const struct codec *c = f->sub;
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

static void dec_ser(struct dec *d, const json_t *j, void *base, const struct field *f,
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

static void dec_value(struct dec *d, const json_t *j, void *base, const struct field *f,
                      const char *path)
{
	switch (f->kind) {
	case F_STR: dec_str(d, j, base, f, path); break;
	case F_DATE: dec_date(d, j, base, f, path); break;
	case F_CODE: dec_code(d, j, base, f, path); break;
	case F_SER: dec_ser(d, j, base, f, path); break;
	case F_BOOL:
		if (json_is_boolean(j))
			*AT(base, f->off, bool) = json_is_true(j);
		else
			bad(d, path, "expected true or false");
		break;
	case F_NUM:
		if (json_is_number(j))
			*AT(base, f->off, double) = json_number_value(j);
		else
			bad(d, path, "expected a number");
		break;
	case F_INT:
	case F_IDX:
		if (json_is_integer(j) && json_integer_value(j) >= INT_MIN &&
		    json_integer_value(j) <= INT_MAX)
			*AT(base, f->off, int) = (int)json_integer_value(j);
		else
			bad(d, path, "expected an integer");
		break;
	case F_OBJ:
		if (json_is_object(j))
			dec_fields(d, j, base, f->sub, path);
		else
			bad(d, path, "expected an object");
		break;
	}
}

static const struct field *find_field(const struct field *fs, const char *k)
{
	for (; fs->key; fs++)
		if (strcmp(fs->key, k) == 0)
			return fs;
	return NULL;
}

/* Known keys are decoded; the array keys are skipped here (the caller
 * handles them); anything else is an error. */
static bool is_array_key(const struct field *fs, const char *k)
{
	return fs == version_fields &&
	       (!strcmp(k, "products") || !strcmp(k, "events") || !strcmp(k, "causality"));
}

static void dec_fields(struct dec *d, const json_t *obj, void *base, const struct field *fs,
                       const char *path)
{
	const char *k;
	json_t *val;

	json_object_foreach((json_t *)obj, k, val) {
		const struct field *f = find_field(fs, k);
		const char *p = join(d, path, k);
		if (f && !json_is_null(val))
			dec_value(d, val, base, f, p);
		else if (!f && !is_array_key(fs, k))
			bad(d, p, "unknown key \"%.64s\"", k);
	}
}

typedef void *(*add_fn)(struct vg_case_version *, struct vg_arena *);

static void *add_p(struct vg_case_version *v, struct vg_arena *a) { return vg_case_add_product(v, a); }
static void *add_e(struct vg_case_version *v, struct vg_arena *a) { return vg_case_add_event(v, a); }
static void *add_c(struct vg_case_version *v, struct vg_arena *a) { return vg_case_add_causality(v, a); }

static void dec_array(struct dec *d, const json_t *root, const char *k, struct vg_case_version *v,
                      add_fn add, const struct field *fs)
{
	const json_t *arr = json_object_get(root, k);
	size_t i;
	json_t *it;

	if (!arr || json_is_null(arr))
		return;
	if (!json_is_array(arr)) {
		bad(d, k, "expected an array");
		return;
	}
	json_array_foreach(arr, i, it) {
		const char *p = vg_arena_printf(d->a, "%s[%zu]", k, i);
		void *elem = add(v, d->a); /* keep indices aligned even on errors */
		if (json_is_object(it))
			dec_fields(d, it, elem, fs, p);
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
	dec_fields(&d, root, v, version_fields, "");
	dec_array(&d, root, "products", v, add_p, product_fields);
	dec_array(&d, root, "events", v, add_e, event_fields);
	dec_array(&d, root, "causality", v, add_c, causality_fields);
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
