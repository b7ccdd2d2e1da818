/*
 * ingest_int.h - internals shared by the readers of src/ingest/.
 *
 * Two tools every reader stands on:
 *
 *   csv.c    the delimited record reader (FAERS '$', MAUDE '|', CSV ',',
 *            TSV, ';'): streaming, fixed read buffer, hard record cap,
 *            optional RFC 4180 quoting, BOM, CR / LF / CRLF, Windows-1252.
 *   sort.c   an external (spill-to-disk) sorter with a fixed memory budget,
 *            for inputs whose rows of one report are not adjacent (FAERS
 *            tables out of primaryid order, id-product-event tables).
 *
 * plus rejects.c (vg_rejects_add and the excerpt helper below).
 *
 * ------------------------------------------------------------- csv reader
 *
 *   struct vg_csv c;
 *   struct vg_csv_opts o = VG_CSV_OPTS_INIT('|');   // no quoting, UTF-8
 *   o.encoding = VG_CSV_AUTO;                       // cp1252 fallback
 *   if ((rc = vg_csv_open(&c, path, &o, err)) < 0) goto out;
 *   while ((rc = vg_csv_next(&c, err)) != 0) {
 *       if (rc == VG_ETOOBIG || rc == VG_EPARSE) {  // bad record: reject
 *           vg_rejects_add(rej, c.path, c.line, "...");  // and go on
 *           continue;
 *       }
 *       if (rc < 0) goto out;                       // I/O error: stop
 *       use c.f[0 .. c.nf-1]                        // valid until next call
 *   }
 *   vg_csv_close(&c);
 *
 * Records and fields
 *   - A record ends at LF, CRLF or a lone CR (each counts as one line; the
 *     three may be mixed in one file).  The last record needs no line end.
 *   - Empty records (zero bytes between two line ends) are skipped; a
 *     record of only spaces is returned (one field).  A UTF-8 BOM at the
 *     start of the input is dropped.
 *   - c.f[i] is a view whose bytes are NUL-terminated (f[i].p[f[i].len] ==
 *     0), so fields can be used as C strings; fields are NOT trimmed.
 *     They live in the reader's buffer until the next vg_csv_next/close.
 *   - c.line is the physical line (1-based) where the record starts, the
 *     number to print in rejects; c.bytes counts input bytes consumed (for
 *     progress bars against the file size).
 *
 * Quoting (opts.quotes)
 *   - false (FAERS, MAUDE): '"' is an ordinary byte, even unbalanced; a
 *     record is one physical line.
 *   - true (CSV, VAERS, CAERS): RFC 4180 - a field that starts with '"'
 *     runs to the matching '"'; '""' inside is one '"'; delimiters and line
 *     ends inside are data (c.line stays the first line; the line counter
 *     still advances).  Lenient: bytes after a closing quote and before the
 *     next delimiter are kept; a '"' inside an unquoted field is data.
 *     A quoted field still open at end of input gives VG_EPARSE with the
 *     record as parsed so far in c.f (reject it).
 *
 * Caps and errors
 *   - opts.max_record (0: 1 MiB) bounds the bytes of one record.  A longer
 *     record returns VG_ETOOBIG once (c.line = its first line); the reader
 *     has skipped to the end of that physical line (quoting state is not
 *     trusted past a cap), and the next call continues after it.
 *   - opts.max_fields (0: 4096) bounds the number of fields: VG_ETOOBIG.
 *   - The read buffer is max_record + read_size (256 KiB), allocated once:
 *     memory does not grow with the input.
 *   - Only I/O failures are fatal (VG_EIO with err set).
 *
 * Encoding (opts.encoding)
 *   - VG_CSV_UTF8: bytes pass through unchanged.
 *   - VG_CSV_CP1252: every byte >= 0x80 is read as Windows-1252 and
 *     converted to UTF-8 (VAERS).  Undefined 0x81 0x8D 0x8F 0x90 0x9D map to
 *     U+FFFD.
 *   - VG_CSV_AUTO: a field that is valid UTF-8 passes; one that is not is
 *     converted from Windows-1252 (MAUDE's Latin-1, odd FAERS bytes).
 *   Converted fields live in a second buffer (capped at 3 x max_record).
 *
 * Headers
 *   vg_csv_header_read takes the next record as a header: names trimmed of
 *   spaces (the 2012Q4 FAERS " rept_dt") and lower-cased; lookups are then
 *   case-insensitive.  vg_csv_header_find(h, "sex", "gndr_cod", NULL)
 *   returns the index of the first alias present, or -1.
 *
 * ------------------------------------------------------------- sorter
 *
 *   struct vg_sorter *s = vg_sorter_new(64 << 20);  // memory budget
 *   vg_sorter_add(s, key, klen, data, dlen, err);   // any number of times
 *   vg_sorter_finish(s, err);                       // no more adds
 *   while ((rc = vg_sorter_next(s, &k, &kl, &d, &dl, err)) == 1) ...
 *   vg_sorter_free(s);
 *
 * Records come back ordered by key (memcmp, shorter first on a common
 * prefix) and, for equal keys, in the order they were added (stable).
 * While the records fit in the budget nothing touches the disk; past it,
 * sorted runs are spilled to unlinked temporary files ($TMPDIR or /tmp)
 * and merged with a heap at the end, reading each run through a 64 KiB
 * buffer.  Keys and data returned by next stay valid until the next call.
 * One record is capped at 16 MiB (VG_ETOOBIG).
 */
#ifndef VG_INGEST_INT_H
#define VG_INGEST_INT_H

#include "vg.h"
#include "util/util.h"
#include "ingest/ingest.h"

/* ---------------------------------------------------------------- csv */

enum vg_csv_enc { VG_CSV_UTF8 = 0, VG_CSV_CP1252 = 1, VG_CSV_AUTO = 2 };

struct vg_csv_opts {
	char delim;        /* '$' '|' ',' '\t' ';' */
	bool quotes;       /* RFC 4180 quoting (see above) */
	int encoding;      /* enum vg_csv_enc */
	size_t max_record; /* bytes; 0 = 1 MiB */
	size_t max_fields; /* 0 = 4096 */
	size_t read_size;  /* bytes per read(2); 0 = 256 KiB.  Tests and fuzzers
	                      set a few bytes to push records across refills. */
	bool portable;     /* unquoted records scanned eight bytes at a time in
	                      portable C even where SSE2 would do sixteen: tests
	                      and fuzzers check that both scans agree */
};
#define VG_CSV_OPTS_INIT(d) {(d), false, VG_CSV_UTF8, 0, 0, 0, false}

struct vg_csv {
	/* read-only for callers */
	struct vg_sv *f;   /* fields of the current record */
	size_t nf;
	int64_t line;      /* first physical line of the current record */
	uint64_t bytes;    /* input bytes consumed so far */
	const char *path;  /* as given to open (not copied) */

	/* private */
	struct vg_csv_opts o;
	int fd;
	const unsigned char *mem; /* open_mem input, else NULL */
	size_t mem_len, mem_pos;
	char *buf;                /* read buffer, bufsz + 1 bytes */
	size_t bufsz, pos, end;
	bool eof, started, skip_lf;
	int64_t next_line;        /* line number of the byte at pos */
	size_t fcap;
	char *cbuf;               /* converted fields (encoding) */
	size_t ccap;
	size_t *cut;              /* unquoted mode: delimiter offsets of the
	                             record being read (max_fields of them) */
};

/* Open path for reading ("-" is stdin).  On failure c is left closed
 * (vg_csv_close is still safe) and err names the file. */
int vg_csv_open(struct vg_csv *c, const char *path, const struct vg_csv_opts *o,
                struct vg_err *err);
/* Read from memory (not copied: data must outlive the reader); name is
 * used in messages.  Used by tests and fuzz harnesses. */
void vg_csv_open_mem(struct vg_csv *c, const char *name, const void *data, size_t len,
                     const struct vg_csv_opts *o);
/* 1 = a record in c->f, 0 = end of input, VG_ETOOBIG / VG_EPARSE = a bad
 * record (reject it and call again), VG_EIO = read failure (stop). */
int vg_csv_next(struct vg_csv *c, struct vg_err *err);
void vg_csv_close(struct vg_csv *c);
/* Split an in-memory record (one physical line, no line end) with c's
 * options into c->f; rec is modified in place and must stay alive while
 * the fields are used.  Returns 1, or VG_ETOOBIG (too many fields). */
int vg_csv_split(struct vg_csv *c, char *rec, size_t len);
/* The current record re-joined with the delimiter, at most n-1 bytes, for
 * reject excerpts.  Returns out. */
const char *vg_csv_excerpt(const struct vg_csv *c, char *out, size_t n);

/* Guess the delimiter of a table from its first line: the most frequent
 * of , ; TAB | outside quotes (',' on a tie or when none occurs). */
int vg_csv_sniff(const char *path, char *delim, struct vg_err *err);

struct vg_csv_header {
	char **names; /* lower-cased, trimmed, malloc'd */
	size_t n;
};
/* Read the next record of c as the header.  VG_EPARSE when the input is
 * empty (err says "empty file"). */
int vg_csv_header_read(struct vg_csv *c, struct vg_csv_header *h, struct vg_err *err);
/* Index of the first of the NULL-terminated aliases present, or -1. */
int vg_csv_header_find(const struct vg_csv_header *h, ...);
void vg_csv_header_release(struct vg_csv_header *h);

/* ' ' \t \n \v \f \r: isspace() of the C locale, without its lookups. */
static inline bool vg_csv_space(char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* Trimmed view of field i of the current record; empty when i is out of
 * range or negative (missing column).  Inline: readers call it for every
 * field they use, and most fields have nothing to trim. */
static inline struct vg_sv vg_csv_field(const struct vg_csv *c, int i)
{
	struct vg_sv s;

	if (i < 0 || (size_t)i >= c->nf)
		return (struct vg_sv){"", 0};
	s = c->f[i];
	if (s.len == 0 || ((unsigned char)s.p[0] > ' ' && (unsigned char)s.p[s.len - 1] > ' '))
		return s; /* nothing to trim: the usual field */
	while (s.len && vg_csv_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && vg_csv_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* ---------------------------------------------------------------- sorter */

struct vg_sorter;
struct vg_sorter *vg_sorter_new(size_t mem_budget);
int vg_sorter_add(struct vg_sorter *s, const void *key, size_t klen, const void *data,
                  size_t dlen, struct vg_err *err);
int vg_sorter_finish(struct vg_sorter *s, struct vg_err *err);
/* 1 = a record, 0 = done, < 0 = error (I/O on a spill file). */
int vg_sorter_next(struct vg_sorter *s, const void **key, size_t *klen, const void **data,
                   size_t *dlen, struct vg_err *err);
/* Runs spilled so far (0: everything stayed in memory). */
size_t vg_sorter_runs(const struct vg_sorter *s);
void vg_sorter_free(struct vg_sorter *s);

/* ---------------------------------------------------------------- rejects */

/* One reject line with an excerpt of the offending input (tabs and line
 * ends in reason and excerpt become spaces; excerpt cut at 200 bytes). */
void vg_rejects_add_excerpt(struct vg_rejects *r, const char *file, int64_t line,
                            const char *excerpt, const char *fmt, ...) VG_PRINTF(5, 6);

/* ---------------------------------------------------------------- formats */

extern const struct vg_ingest_format vg_ingest_faers;
extern const struct vg_ingest_format vg_ingest_table;
extern const struct vg_ingest_format vg_ingest_e2b;
extern const struct vg_ingest_format vg_ingest_maude;
extern const struct vg_ingest_format vg_ingest_vaers;
extern const struct vg_ingest_format vg_ingest_caers;

/* The MAUDE, VAERS and CAERS readers on in-memory files (tests, fuzz
 * harnesses): in[i].name names the file in rejects, as a path would. */
struct vg_ingest_mem {
	const char *name;
	const void *data;
	size_t len;
};
/* Open input i of a run: in[i] when in is non-NULL, else the file paths[i]
 * (returns vg_csv_open's code; in-memory inputs always open). */
int vg_ingest_open_input(struct vg_csv *c, const struct vg_ingest_mem *in, char **paths, int i,
                         const struct vg_csv_opts *o, struct vg_err *err);
/* The names of n in-memory inputs, NULL-terminated (malloc'd: free it). */
const char **vg_ingest_mem_names(const struct vg_ingest_mem *in, int n);

/* One run of a reader over its inputs: in-memory ones (in non-NULL, names
 * taken from them) or the files paths[0..n-1] (named by their paths).
 * vg_ingest_job_run fills the job and calls run with it; the MAUDE, VAERS
 * and CAERS readers' file and in-memory entries are both this call. */
struct vg_ingest_job {
	const struct vg_ingest_opts *opts;
	const struct vg_ingest_sink *sink;
	struct vg_ingest_stats *stats;
	struct vg_err *err;
	const struct vg_ingest_mem *in;
	char **paths;
	const char *const *names;
	int n;
};
int vg_ingest_job_run(int (*run)(const struct vg_ingest_job *job),
                      const struct vg_ingest_mem *in, char **paths, int n,
                      const struct vg_ingest_opts *opts, const struct vg_ingest_sink *sink,
                      struct vg_ingest_stats *stats, struct vg_err *err);

/* Progress over the bytes of a run's inputs (files or memory), for the
 * MAUDE, VAERS and CAERS readers: the bar's total is their summed size;
 * tick after each row (it draws every 4096), done after each input.
 * Everything is a no-op unless opts->progress. */
struct vg_ingest_meter {
	struct vg_progress bar;
	uint64_t base; /* bytes of the inputs already read */
	bool on;
};
void vg_ingest_meter_start(struct vg_ingest_meter *m, const struct vg_ingest_opts *opts,
                           const char *label, const struct vg_ingest_mem *in, char **paths,
                           int n);
void vg_ingest_meter_tick(struct vg_ingest_meter *m, int64_t rows_read, const struct vg_csv *c);
void vg_ingest_meter_done(struct vg_ingest_meter *m, const struct vg_csv *c);
void vg_ingest_meter_finish(struct vg_ingest_meter *m);
int vg_ingest_maude_mem(const struct vg_ingest_mem *in, int n, const struct vg_ingest_opts *opts,
                        const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                        struct vg_err *err);
int vg_ingest_vaers_mem(const struct vg_ingest_mem *in, int n, const struct vg_ingest_opts *opts,
                        const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                        struct vg_err *err);
int vg_ingest_caers_mem(const struct vg_ingest_mem *in, int n, const struct vg_ingest_opts *opts,
                        const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                        struct vg_err *err);

#endif
