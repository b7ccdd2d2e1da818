/*
 * fuzz_case.c - libFuzzer harness for the case JSON codec and validation.
 *
 * Any input is decoded (problems collected, never a crash), validated, and
 * encoded; when it decoded without errors, the round trip must be exact:
 * decode(encode(v)) encodes to the same bytes (the store hashes this text).
 * Seeds: the API's example cases in tests/data/http.
 */
#include "vg.h"
#include "case/case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct vg_buf *b, struct vg_arena *a)
{
	struct vg_case_version *w = NULL;
	struct vg_problems q;
	struct vg_buf c = VG_BUF_INIT(0);

	vg_problems_init(&q, a);
	if (vg_case_from_json(b->p, b->len, a, &w, &q) != 0)
		abort(); /* our own output must decode */
	if (vg_case_to_json(w, &c) != 0 || strcmp(b->p, c.p) != 0)
		abort(); /* and encode to the same bytes */
	vg_buf_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_arena a;
	struct vg_problems p;
	struct vg_case_version *v = NULL;
	struct vg_buf b = VG_BUF_INIT(0);
	int rc;

	vg_arena_init(&a, 0);
	vg_problems_init(&p, &a);
	rc = vg_case_from_json((const char *)data, size, &a, &v, &p);
	if (v) {
		vg_case_validate(v, &p);
		if (vg_case_to_json(v, &b) == 0 && rc == 0)
			round_trip(&b, &a);
	}
	vg_buf_release(&b);
	vg_arena_release(&a);
	return 0;
}
