/*
 * sort.c - an external sorter with a fixed memory budget.
 *
 * Readers whose input does not keep a report's rows together (a FAERS
 * table out of primaryid order, an id-product-event table in any order)
 * push (key, data) records here and read them back grouped by key, in
 * bounded memory whatever the input size.
 *
 *   add:    records are copied into an arena, an index entry per record
 *           {key, klen, dlen, seq}; when arena + index pass the budget the
 *           index is sorted (key, then seq: stable) and written as a run
 *
 *               run file: ( u32 klen | u32 dlen | key | data )*
 *
 *           to an unlinked temporary file, and the arena is rewound.
 *   finish: with no run spilled, the in-memory index is sorted and walked;
 *           otherwise what is left is spilled as the last run, and next()
 *           merges the runs with a binary heap ordered by (key, run
 *           number).  Runs hold consecutive stretches of the input, so the
 *           run number keeps equal keys in input order.
 *
 * Memory: the budget, plus one 64 KiB stdio buffer and one record buffer
 * per run.  Disk: the input once (run files are deleted by the kernel when
 * closed, even if the process dies).
 */
#include "vg.h"
#include "util/util.h"
#include "ingest/ingest_int.h"

#include <unistd.h>

#define RECORD_MAX ((size_t)16 << 20)
#define RUN_BUF (64 * 1024)

struct ent {
	const unsigned char *key; /* data follows the key */
	uint32_t klen, dlen;
	uint64_t seq;
	uint64_t prefix; /* the key's first 8 bytes, big-endian, zero-padded */
};

struct run {
	FILE *f;
	unsigned char *rec; /* key then data of the current record */
	size_t cap;
	uint32_t klen, dlen;
	bool done;
};

struct vg_sorter {
	size_t budget;
	struct vg_arena arena;
	struct ent *ents;
	size_t n, cap, next_ent;
	uint64_t seq;
	struct run *runs;
	size_t nruns, runs_cap;
	size_t *heap, nheap;
	bool finished, merging, advance_top;
};

struct vg_sorter *vg_sorter_new(size_t mem_budget)
{
	struct vg_sorter *s = vg_xcalloc(1, sizeof(*s));

	s->budget = mem_budget ? mem_budget : ((size_t)64 << 20);
	vg_arena_init(&s->arena, 1 << 20);
	return s;
}

static int cmp_key(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

/* Ordered as the keys' bytes: prefixes that differ decide alone. */
static uint64_t key_prefix(const unsigned char *k, size_t len)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < len ? k[i] : 0);
	return v;
}

static int cmp_ent(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	int c = cmp_key(a->key, a->klen, b->key, b->klen);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static FILE *temp_file(struct vg_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vigil-sort-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		vg_err_set(err, VG_EIO, path, "cannot create a temporary file: %s", strerror(errno));
		return NULL;
	}
	unlink(path);
	f = fdopen(fd, "w+b");
	if (!f) {
		close(fd);
		vg_err_set(err, VG_EIO, path, "fdopen: %s", strerror(errno));
	}
	return f;
}

static int spill(struct vg_sorter *s, struct vg_err *err)
{
	struct run *r;
	FILE *f;

	qsort(s->ents, s->n, sizeof(*s->ents), cmp_ent);
	if (!(f = temp_file(err)))
		return VG_EIO;
	VG_GROW(s->runs, s->runs_cap, s->nruns + 1);
	r = &s->runs[s->nruns++];
	memset(r, 0, sizeof(*r));
	r->f = f;
	setvbuf(f, NULL, _IOFBF, RUN_BUF);
	for (size_t i = 0; i < s->n; i++) {
		const struct ent *e = &s->ents[i];
		uint32_t hdr[2] = {e->klen, e->dlen};
		if (fwrite(hdr, sizeof(hdr), 1, f) != 1 ||
		    fwrite(e->key, 1, (size_t)e->klen + e->dlen, f) != (size_t)e->klen + e->dlen)
			return vg_err_set(err, VG_EIO, "sort", "writing a temporary file: %s",
			                  strerror(errno));
	}
	if (fflush(f) != 0)
		return vg_err_set(err, VG_EIO, "sort", "writing a temporary file: %s", strerror(errno));
	s->n = 0;
	vg_arena_reset(&s->arena);
	return 0;
}

int vg_sorter_add(struct vg_sorter *s, const void *key, size_t klen, const void *data,
                  size_t dlen, struct vg_err *err)
{
	unsigned char *p;
	struct ent *e;

	if (klen + dlen > RECORD_MAX)
		return vg_err_set(err, VG_ETOOBIG, "sort", "record of %zu bytes", klen + dlen);
	if (s->arena.total + s->n * sizeof(struct ent) > s->budget && s->n > 0) {
		int rc = spill(s, err);
		if (rc < 0)
			return rc;
	}
	p = vg_arena_alloc(&s->arena, klen + dlen);
	memcpy(p, key, klen);
	if (dlen)
		memcpy(p + klen, data, dlen);
	VG_GROW(s->ents, s->cap, s->n + 1);
	e = &s->ents[s->n++];
	e->key = p;
	e->klen = (uint32_t)klen;
	e->dlen = (uint32_t)dlen;
	e->seq = s->seq++;
	e->prefix = key_prefix(p, klen);
	return 0;
}

/* Read the next record of run r into its buffer; sets done at its end. */
static int run_read(struct run *r, struct vg_err *err)
{
	uint32_t hdr[2];
	size_t n;

	if (fread(hdr, sizeof(hdr), 1, r->f) != 1) {
		if (ferror(r->f))
			return vg_err_set(err, VG_EIO, "sort", "reading a temporary file");
		r->done = true;
		return 0;
	}
	n = (size_t)hdr[0] + hdr[1];
	if (n > RECORD_MAX)
		return vg_err_set(err, VG_EINTERNAL, "sort", "corrupt temporary file");
	if (n > r->cap) {
		free(r->rec);
		r->cap = n;
		r->rec = vg_xmalloc(n ? n : 1);
	}
	if (fread(r->rec, 1, n, r->f) != n)
		return vg_err_set(err, VG_EIO, "sort", "short read on a temporary file");
	r->klen = hdr[0];
	r->dlen = hdr[1];
	return 0;
}

static bool heap_less(const struct vg_sorter *s, size_t a, size_t b)
{
	const struct run *ra = &s->runs[a], *rb = &s->runs[b];
	int c = cmp_key(ra->rec, ra->klen, rb->rec, rb->klen);

	return c < 0 || (c == 0 && a < b);
}

static void sift_down(struct vg_sorter *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->nheap && heap_less(s, s->heap[l], s->heap[m]))
			m = l;
		if (r < s->nheap && heap_less(s, s->heap[r], s->heap[m]))
			m = r;
		if (m == i)
			return;
		size_t t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

int vg_sorter_finish(struct vg_sorter *s, struct vg_err *err)
{
	int rc;

	s->finished = true;
	if (s->nruns == 0) {
		if (s->n > 1)
			qsort(s->ents, s->n, sizeof(*s->ents), cmp_ent);
		return 0;
	}
	if (s->n > 0 && (rc = spill(s, err)) < 0)
		return rc;
	free(s->ents);
	s->ents = NULL;
	s->cap = 0;
	vg_arena_release(&s->arena);
	s->merging = true;
	s->heap = vg_xcalloc(s->nruns, sizeof(*s->heap));
	for (size_t i = 0; i < s->nruns; i++) {
		if (fseek(s->runs[i].f, 0, SEEK_SET) != 0)
			return vg_err_set(err, VG_EIO, "sort", "rewinding a temporary file");
		if ((rc = run_read(&s->runs[i], err)) < 0)
			return rc;
		if (!s->runs[i].done)
			s->heap[s->nheap++] = i;
	}
	for (size_t i = s->nheap; i-- > 0;)
		sift_down(s, i);
	return 0;
}

int vg_sorter_next(struct vg_sorter *s, const void **key, size_t *klen, const void **data,
                   size_t *dlen, struct vg_err *err)
{
	const struct run *r;
	int rc;

	if (!s->merging) {
		if (s->next_ent >= s->n)
			return 0;
		const struct ent *e = &s->ents[s->next_ent++];
		*key = e->key;
		*klen = e->klen;
		*data = e->key + e->klen;
		*dlen = e->dlen;
		return 1;
	}
	if (s->advance_top) {
		struct run *top = &s->runs[s->heap[0]];
		if ((rc = run_read(top, err)) < 0)
			return rc;
		if (top->done)
			s->heap[0] = s->heap[--s->nheap];
		sift_down(s, 0);
		s->advance_top = false;
	}
	if (s->nheap == 0)
		return 0;
	r = &s->runs[s->heap[0]];
	*key = r->rec;
	*klen = r->klen;
	*data = r->rec + r->klen;
	*dlen = r->dlen;
	s->advance_top = true;
	return 1;
}

size_t vg_sorter_runs(const struct vg_sorter *s)
{
	return s->nruns;
}

void vg_sorter_free(struct vg_sorter *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nruns; i++) {
		if (s->runs[i].f)
			fclose(s->runs[i].f);
		free(s->runs[i].rec);
	}
	free(s->runs);
	free(s->heap);
	free(s->ents);
	vg_arena_release(&s->arena);
	free(s);
}
