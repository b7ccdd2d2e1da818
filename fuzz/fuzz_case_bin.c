/*
 * fuzz_case_bin.c - libFuzzer harness for the binary case document (bin.c).
 *
 * An input that starts with '{' is case JSON: the version the JSON decoder
 * makes of it (problems or not), when vg_case_to_json encodes it, must go
 * through the binary form and come back with the same JSON, byte for byte
 * (case.h: the store's documents carry what the JSON carries).
 *
 * Any other input is a binary document.  Decoding must never crash, read
 * past the input (ASan) or fail to say so (VG_EPARSE with *out NULL).
 * When it decodes, the form's canonical property is checked: encoding the
 * version gives the input back; and then decode -> encode -> decode ->
 * encode gives identical bytes, and both decoded versions write the same
 * JSON.
 *
 * Seeds (fuzz/run.sh case_bin): the API's example cases tests/data/http
 * as JSON, and binary documents of real versions written by this file
 * compiled with -DVG_FUZZ_SEEDS (a small program, see seeds_main below):
 * FAERS quarters and E2B files of tests/data read by the ingest readers,
 * and the JSON examples.
 */
#include "vg.h"
#include "case/case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* JSON of v (aborts when it does not encode). */
static void json_of(const struct vg_case_version *v, struct vg_buf *out)
{
	vg_buf_reset(out);
	if (vg_case_to_json(v, out) != 0)
		abort();
}

/* v -> binary -> version: the same JSON as v's (in j). */
static void through_bin(const struct vg_case_version *v, const struct vg_buf *j,
                        struct vg_arena *a)
{
	struct vg_buf b = VG_BUF_INIT(0), j2 = VG_BUF_INIT(0);
	struct vg_case_version *w = NULL;

	if (vg_case_to_bin(v, &b) != 0 || vg_case_from_bin(b.p, b.len, a, &w) != 0)
		abort();
	json_of(w, &j2);
	if (j2.len != j->len || memcmp(j2.p, j->p, j->len) != 0)
		abort();
	vg_buf_release(&b);
	vg_buf_release(&j2);
}

static void json_input(const uint8_t *data, size_t size, struct vg_arena *a)
{
	struct vg_problems p;
	struct vg_case_version *v = NULL;
	struct vg_buf j = VG_BUF_INIT(0);

	vg_problems_init(&p, a);
	vg_case_from_json((const char *)data, size, a, &v, &p);
	if (v && vg_case_to_json(v, &j) == 0)
		through_bin(v, &j, a);
	vg_buf_release(&j);
}

/* A decoded document: canonical, and stable through a second round. */
static void round_trip(const uint8_t *data, size_t size, const struct vg_case_version *v,
                       struct vg_arena *a)
{
	struct vg_buf b1 = VG_BUF_INIT(0), b2 = VG_BUF_INIT(0);
	struct vg_buf j1 = VG_BUF_INIT(0), j2 = VG_BUF_INIT(0);
	struct vg_case_version *w = NULL;

	if (vg_case_to_bin(v, &b1) != 0)
		abort();
	if (b1.len != size || memcmp(b1.p, data, size) != 0)
		abort(); /* accepted bytes the encoder would not write */
	if (vg_case_from_bin(b1.p, b1.len, a, &w) != 0 || vg_case_to_bin(w, &b2) != 0)
		abort();
	if (b2.len != b1.len || memcmp(b2.p, b1.p, b1.len) != 0)
		abort();
	json_of(v, &j1);
	json_of(w, &j2);
	if (j2.len != j1.len || memcmp(j2.p, j1.p, j1.len) != 0)
		abort();
	vg_buf_release(&b1);
	vg_buf_release(&b2);
	vg_buf_release(&j1);
	vg_buf_release(&j2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_arena a;
	struct vg_case_version *v = (struct vg_case_version *)&v;
	int rc;

	vg_arena_init(&a, 0);
	if (size && data[0] == '{') {
		json_input(data, size, &a);
	} else {
		rc = vg_case_from_bin(data, size, &a, &v);
		if (rc != 0 && (rc != VG_EPARSE || v != NULL))
			abort();
		if (rc == 0)
			round_trip(data, size, v, &a);
	}
	vg_arena_release(&a);
	return 0;
}

#ifdef VG_FUZZ_SEEDS
/*
 * seeds OUTDIR FORMAT PATH [FORMAT PATH ...]: each version read from PATH
 * (FORMAT an ingest format such as faers or e2b, or json for one case JSON
 * file) written as OUTDIR/bin-NNNNN, the binary document; prints how many
 * and their JSON and binary sizes.
 */
#include "ingest/ingest.h"

struct seeds {
	const char *dir;
	unsigned n;
	size_t json_bytes, bin_bytes;
};

static int put_seed(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct seeds *s = ctx;
	struct vg_buf b = VG_BUF_INIT(0), j = VG_BUF_INIT(0);
	char path[4096];
	FILE *f;

	if (vg_case_to_bin(v, &b) != 0 || vg_case_to_json(v, &j) != 0)
		return 0; /* a code outside its list: not a document */
	snprintf(path, sizeof(path), "%s/bin-%05u", s->dir, s->n++);
	if (!(f = fopen(path, "wb")) || fwrite(b.p, 1, b.len, f) != b.len || fclose(f) != 0)
		vg_die("seeds: cannot write %s", path);
	s->json_bytes += j.len;
	s->bin_bytes += b.len;
	vg_buf_release(&b);
	vg_buf_release(&j);
	return 0;
}

static void seed_json(struct seeds *s, const char *path)
{
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_problems p;
	struct vg_case_version *v = NULL;
	struct vg_buf text = VG_BUF_INIT(1 << 24);
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		vg_die("seeds: cannot read %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (vg_buf_append(&text, chunk, n) != 0)
			vg_die("seeds: %s is too big", path);
	fclose(f);
	vg_arena_init(&a, 0);
	vg_problems_init(&p, &a);
	if (text.len && vg_case_from_json(text.p, text.len, &a, &v, &p) == 0)
		put_seed(s, v, NULL);
	vg_buf_release(&text);
	vg_arena_release(&a);
}

int main(int argc, char **argv)
{
	struct seeds s = {argc > 1 ? argv[1] : ".", 0, 0, 0};

	for (int i = 2; i + 1 < argc; i += 2) {
		const struct vg_ingest_format *f = vg_ingest_find(argv[i]);
		struct vg_ingest_opts o = {0};
		struct vg_rejects rj = {NULL, 0};
		struct vg_ingest_sink sink = {put_seed, NULL, &s};
		struct vg_ingest_stats st = {0};
		struct vg_err err = VG_ERR_INIT;
		o.rejects = &rj;
		if (!strcmp(argv[i], "json"))
			seed_json(&s, argv[i + 1]);
		else if (!f || f->run(&o, &argv[i + 1], 1, &sink, &st, &err) < 0)
			vg_die("seeds: cannot read %s %s: %s", argv[i], argv[i + 1], err.msg);
	}
	printf("seeds: %u versions, JSON %zu bytes, binary %zu bytes (%.1f %%)\n", s.n,
	       s.json_bytes, s.bin_bytes,
	       s.json_bytes ? 100.0 * (double)s.bin_bytes / (double)s.json_bytes : 0.0);
	return 0;
}
#endif
