/*
 * common.c - what both backends compute the same way, outside SQL: the
 * canonical document and its hash, the prepared form of a put, decoding a
 * stored document (binary or JSON, told apart by the first byte), the E2B
 * version order against a case's stored latest dates, the listing fields
 * of a case, and the JSON texts of the audit log.
 */
#include "vg.h"
#include "store/store_int.h"

#include <time.h>
#include <xxhash.h>

/* doc = encode(v), hash = XXH3-128 of its bytes, in canonical byte order. */
static int encode_hashed(const struct vg_case_version *v, int (*encode)(const struct
                         vg_case_version *, struct vg_buf *), struct vg_buf *doc,
                         unsigned char hash[16], struct vg_err *err)
{
	XXH128_hash_t h;
	int rc;

	vg_buf_reset(doc);
	rc = encode(v, doc);
	if (rc)
		return vg_err_set(err, rc, NULL, "case %s: cannot encode the version: %s", v->case_id,
		                  vg_strerror(rc));
	h = XXH3_128bits(doc->p, doc->len);
	XXH128_canonicalFromHash((XXH128_canonical_t *)hash, h);
	return 0;
}

int vg_st_encode(const struct vg_case_version *v, struct vg_buf *doc, unsigned char hash[16],
                 struct vg_err *err)
{
	return encode_hashed(v, vg_case_to_json, doc, hash, err);
}

int vg_st_decode(const char *doc, size_t len, struct vg_arena *a, struct vg_arena *scratch,
                 struct vg_case_version **out, struct vg_err *err)
{
	struct vg_problems probs;
	int rc;

	if (doc && len && (unsigned char)doc[0] == VG_CASE_BIN_MAGIC) {
		rc = vg_case_from_bin(doc, len, a, out);
		if (rc)
			return vg_err_set(err, VG_EDB, NULL, "a stored version does not decode: %s",
			                  vg_strerror(rc));
		return 0;
	}
	vg_arena_reset(scratch);
	vg_problems_init(&probs, scratch);
	rc = vg_case_from_json(doc ? doc : "", doc ? len : 0, a, out, &probs);
	if (rc)
		return vg_err_set(err, VG_EDB, probs.n ? probs.items[0].field : NULL,
		                  "a stored version does not decode: %s",
		                  probs.n ? probs.items[0].msg : vg_strerror(rc));
	return 0;
}

static const char *keep(struct vg_arena *a, const char *s)
{
	return a && s ? vg_arena_strdup(a, s) : s;
}

/* SQLite's stored form: the binary document (case.h), hashed as it is
 * (JSON documents of files written before were converted, hashes included,
 * by migration 4). */
static int encode_bin(const struct vg_case_version *v, struct vg_buf *bin,
                      unsigned char hash[16], struct vg_err *err)
{
	return encode_hashed(v, vg_case_to_bin, bin, hash, err);
}

int vg_st_rebin(const char *json, size_t len, struct vg_arena *a, struct vg_buf *bin,
                unsigned char hash[16], struct vg_err *err)
{
	struct vg_case_version *v = NULL;
	struct vg_arena scratch;
	int rc;

	vg_arena_init(&scratch, 4096);
	rc = vg_st_decode(json, len, a, &scratch, &v, err);
	vg_arena_release(&scratch);
	return rc ? rc : encode_bin(v, bin, hash, err);
}

int vg_st_prepare(const struct vg_case_version *v, struct vg_arena *a, struct vg_buf *json,
                  struct vg_buf *bin, struct vg_put_prep *pp, struct vg_err *err)
{
	int rc;

	memset(pp, 0, sizeof(*pp));
	if (!v->case_id || !*v->case_id)
		return vg_err_set(err, VG_EINVAL, "case_id",
		                  "a version needs its worldwide case id (E2B C.1.8.1)");
	rc = json ? vg_st_encode(v, json, pp->hash, err) : 0;
	if (rc == 0)
		rc = encode_bin(v, bin, pp->hash, err);
	if (rc)
		return rc;
	pp->json = json ? json->p : NULL;
	pp->doc_len = bin->len;
	pp->doc = a ? memcpy(vg_arena_alloc(a, bin->len), bin->p, bin->len) : bin->p;
	pp->case_id_len = strlen(v->case_id);
	pp->case_hash = vg_hash64(v->case_id, pp->case_id_len);
	pp->case_id = keep(a, v->case_id);
	pp->report_id = keep(a, v->report_id);
	pp->source = keep(a, v->source);
	pp->unit = keep(a, v->unit);
	pp->first_product = keep(a, vg_st_first_product(v));
	pp->first_event = keep(a, vg_st_first_event(v));
	pp->latest = v->latest;
	pp->created = v->created;
	pp->received = v->received;
	pp->nullified = v->nullified;
	pp->amendment = v->amendment;
	pp->valid = vg_case_is_valid(v);
	pp->serious = v->serious || v->seriousness != 0;
	pp->klass = v->klass;
	pp->nproducts = (int64_t)v->nproducts;
	pp->nevents = (int64_t)v->nevents;
	pp->arrived = (int64_t)time(NULL);
	return 0;
}

/* Which of the LIST_NBITS optional WHERE fragments a filter needs (both
 * backends number their fragments in this order). */
unsigned vg_st_list_mask(const struct vg_case_filter *f)
{
	unsigned m = 0;

	m |= f->klass ? 1u << 0 : 0;
	m |= f->serious >= 0 ? 1u << 1 : 0;
	m |= f->status >= 0 ? 1u << 2 : 0;
	m |= f->unit ? 1u << 3 : 0;
	m |= f->from.prec != VG_DATE_NONE ? 1u << 4 : 0;
	m |= f->to.prec != VG_DATE_NONE ? 1u << 5 : 0;
	m |= !f->include_invalid ? 1u << 6 : 0;
	m |= !f->include_nullified ? 1u << 7 : 0;
	m |= !f->include_deleted ? 1u << 8 : 0;
	return m;
}

/* E2B(R3) C.1.5 then C.1.2 of a new version against a case's latest; a tie
 * goes to the later arrival (the new one). */
bool vg_st_dates_newer(const struct vg_date *latest, const struct vg_date *created,
                       const struct vg_date *cur_latest, const struct vg_date *cur_created)
{
	int c = vg_date_cmp(latest, cur_latest);

	return c ? c > 0 : vg_date_cmp(created, cur_created) >= 0;
}

/* E2B(R3) C.1.5 then C.1.2; a tie goes to the later arrival (v, the new one). */
bool vg_st_is_newer(const struct vg_case_version *v, const struct vg_date *latest,
                    const struct vg_date *created)
{
	struct vg_case_version cur;

	memset(&cur, 0, sizeof(cur));
	cur.latest = *latest;
	cur.created = *created;
	return vg_case_version_cmp(v, &cur) >= 0;
}

/* For listings: the first suspect or interacting product, else the first. */
const char *vg_st_first_product(const struct vg_case_version *v)
{
	const struct vg_product *pick = v->nproducts ? &v->products[0] : NULL;

	for (size_t i = 0; i < v->nproducts; i++) {
		if (v->products[i].role == VG_ROLE_SUSPECT || v->products[i].role == VG_ROLE_INTERACTING) {
			pick = &v->products[i];
			break;
		}
	}
	if (!pick)
		return NULL;
	return pick->name ? pick->name : pick->ingredient;
}

const char *vg_st_first_event(const struct vg_case_version *v)
{
	if (!v->nevents)
		return NULL;
	return v->events[0].term ? v->events[0].term : v->events[0].coded;
}

/* ------------------------------------------------------------ audit texts */

static const char *const status_names[] = {"submitted", "accepted", "returned"};
static const char *const role_names[] = {"", "reporter", "reviewer", "admin"};

/* {"status":"returned","comment":"..."} */
void vg_st_status_json(struct vg_buf *b, int status, const char *comment)
{
	vg_buf_puts(b, "{\"status\":");
	vg_buf_json_str(b, status_names[status >= 0 && status <= 2 ? status : 0]);
	if (comment) {
		vg_buf_puts(b, ",\"comment\":");
		vg_buf_json_str(b, comment);
	}
	vg_buf_putc(b, '}');
}

void vg_st_dup_json(struct vg_buf *b, const char *master)
{
	vg_buf_puts(b, "{\"duplicate_of\":");
	if (master)
		vg_buf_json_str(b, master);
	else
		vg_buf_puts(b, "null");
	vg_buf_putc(b, '}');
}

void vg_st_unit_json(struct vg_buf *b, const struct vg_unit *u)
{
	vg_buf_puts(b, "{\"code\":");
	vg_buf_json_str(b, u->code);
	vg_buf_puts(b, ",\"name\":");
	vg_buf_json_str(b, u->name);
	vg_buf_puts(b, ",\"kind\":");
	vg_buf_json_str(b, u->kind);
	vg_buf_puts(b, ",\"region\":");
	vg_buf_json_str(b, u->region);
	vg_buf_printf(b, ",\"beds\":%" PRId64 ",\"population\":%.17g}", u->beds, u->population);
}

/* Never the password hash: only whether it changed. */
void vg_st_user_json(struct vg_buf *b, const struct vg_user *u, bool pw_changed)
{
	vg_buf_puts(b, "{\"name\":");
	vg_buf_json_str(b, u->name);
	vg_buf_printf(b, ",\"role\":\"%s\",\"unit\":", role_names[u->role]);
	if (u->unit)
		vg_buf_json_str(b, u->unit);
	else
		vg_buf_puts(b, "null");
	vg_buf_printf(b, ",\"disabled\":%s,\"failed_logins\":%d,\"locked_until\":%" PRId64 "%s}",
	              u->disabled ? "true" : "false", u->failed_logins, u->locked_until,
	              pw_changed ? ",\"password_changed\":true" : "");
}

int vg_st_user_check(const struct vg_user *u, struct vg_err *err)
{
	if (!u->name || !*u->name)
		return vg_err_set(err, VG_EINVAL, "name", "a user needs a name");
	if (u->role < VG_USER_REPORTER || u->role > VG_USER_ADMIN)
		return vg_err_set(err, VG_EINVAL, "role", "unknown role %d", u->role);
	if (!u->pwhash || !*u->pwhash)
		return vg_err_set(err, VG_EINVAL, "pwhash", "a user needs a password hash");
	return 0;
}
