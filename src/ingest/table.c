/*
 * table.c - any delimited table of report-product-event rows.
 *
 *   vigil import table --id COL --product COL --event COL [--stratum COL] FILE...
 *
 * The long format of openEBGM and pvLRT (openEBGM_caers.csv: id, var1,
 * var2, strat1; pvLRT_faers22q3raw.csv: CASEID, DRUG, AE): one row per
 * (report, product, event), a report's rows anywhere in the file(s).
 *
 * Reading.  The delimiter is --delimiter, else guessed from the first line
 * (most frequent of , ; TAB | outside quotes).  RFC 4180 quoting, BOM, any
 * line end, Windows-1252 fallback (csv.c).  Columns are found by header
 * name, ASCII case-insensitively.  A row is rejected (file, line, reason)
 * when it is unreadable, too short for the named columns, or has an empty
 * id, product or event.
 *
 * Grouping in bounded memory.  Rows go to the external sorter (sort.c)
 * keyed by the id:
 *
 *   key  = id bytes
 *   data = u32 file index | i64 line | u32 len product | u32 len event |
 *          u32 len stratum | product | event | stratum
 *
 * and come back grouped by id (ids in byte order, rows of an id in input
 * order), so a report's rows need not be adjacent and memory stays within
 * the sort budget plus one report.  The budget, 256 MiB, holds about 3
 * million rows of short names (CAERS x 50, a million rows, ~90 MiB): such
 * tables are grouped in memory, without run files to write and merge.
 *
 * Versions.  One version per distinct id: case_id = report_id = the id
 * (verbatim: the table names its own reports), source "table"; products
 * are the distinct product values (suspect; name and ingredient both the
 * value: the table's column is what the user analyses), events the
 * distinct event values (term and coded term).  So a report's product x
 * event pairs are the cross product of its distinct values, which is what
 * openEBGM's long tables hold.  stratum (case.h) is the --stratum value of
 * the report's first row; a later row with a different non-empty value is
 * rejected (a report sits in one stratum).  At most 4096 distinct products
 * and 4096 events per report; rows past that are rejected.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <strings.h>

#define MAX_ITEMS 4096
#define SORT_BUDGET ((size_t)256 << 20)

struct treader {
	const struct vg_ingest_opts *opts;
	const struct vg_ingest_sink *sink;
	struct vg_ingest_stats *stats;
	struct vg_err *err;
	char **files;
	struct vg_sorter *sorter;
	struct vg_arena arena;
	struct vg_buf rec;
	struct vg_progress prog;
	int64_t rows_sorted;  /* rows handed to the sorter (progress total) */
};

/* One row back from the sorter. */
struct row {
	uint32_t file;
	int64_t line;
	struct vg_sv product, event, stratum;
};

static int delimiter(const struct vg_ingest_opts *o, const char *path, char *d,
                     struct vg_err *err)
{
	const char *s = o->delimiter;

	if (!s || !*s)
		return vg_csv_sniff(path, d, err);
	if (strcmp(s, "\\t") == 0 || strcasecmp(s, "tab") == 0)
		*d = '\t';
	else if (strlen(s) == 1 && s[0] != '"' && s[0] != '\n' && s[0] != '\r')
		*d = s[0];
	else
		return vg_err_set(err, VG_EUSAGE, "--delimiter", "one character or 'tab', not '%s'", s);
	return 0;
}

static int find_col(const struct vg_csv_header *h, const char *name, const char *opt,
                    const char *path, struct vg_err *err, int *out)
{
	*out = -1;
	if (!name)
		return 0;
	*out = vg_csv_header_find(h, name, (const char *)NULL);
	if (*out < 0)
		return vg_err_set(err, VG_EINVAL, path, "no column '%s' (%s) in the header", name, opt);
	return 0;
}

static void put_u32(struct vg_buf *b, size_t v)
{
	uint32_t u = (uint32_t)v;

	vg_buf_append(b, &u, sizeof(u));
}

/* Validate one row and hand it to the sorter. */
static int take_row(struct treader *r, struct vg_csv *c, uint32_t fileno, const int col[4])
{
	struct vg_sv id = vg_csv_field(c, col[0]), pr = vg_csv_field(c, col[1]),
	             ev = vg_csv_field(c, col[2]), st = vg_csv_field(c, col[3]);
	int need = col[0] > col[1] ? col[0] : col[1];
	char ex[256];

	need = need > col[2] ? need : col[2];
	need = need > col[3] ? need : col[3];
	const char *why = (int)c->nf <= need        ? "too few fields"
	                  : !id.len                  ? "empty id"
	                  : memchr(id.p, 0, id.len)  ? "NUL byte in id"
	                  : !pr.len                  ? "empty product"
	                  : !ev.len                  ? "empty event"
	                                             : NULL;

	if (why) {
		vg_csv_excerpt(c, ex, sizeof(ex));
		vg_rejects_add_excerpt(r->opts->rejects, c->path, c->line, ex, "%s", why);
		return 0;
	}
	vg_buf_reset(&r->rec);
	vg_buf_append(&r->rec, &fileno, sizeof(fileno));
	vg_buf_append(&r->rec, &c->line, sizeof(c->line));
	put_u32(&r->rec, pr.len);
	put_u32(&r->rec, ev.len);
	put_u32(&r->rec, st.len);
	vg_buf_append(&r->rec, pr.p, pr.len);
	vg_buf_append(&r->rec, ev.p, ev.len);
	vg_buf_append(&r->rec, st.p, st.len);
	r->rows_sorted++;
	return vg_sorter_add(r->sorter, id.p, id.len, r->rec.p, r->rec.len, r->err);
}

static int read_file(struct treader *r, uint32_t fileno)
{
	const char *path = r->files[fileno];
	struct vg_csv_opts o = VG_CSV_OPTS_INIT(',');
	struct vg_csv c;
	struct vg_csv_header h = {NULL, 0};
	struct vg_err herr = VG_ERR_INIT;
	int col[4], rc;

	o.quotes = true;
	o.encoding = VG_CSV_AUTO;
	o.max_record = r->opts->max_line;
	if ((rc = delimiter(r->opts, path, &o.delim, r->err)) < 0)
		return rc;
	if ((rc = vg_csv_open(&c, path, &o, r->err)) < 0)
		return rc;
	if ((rc = vg_csv_header_read(&c, &h, &herr)) < 0) {
		if (herr.code == VG_EPARSE && c.nf == 0) /* an empty file: no rows */
			rc = 0;
		else
			vg_err_set(r->err, herr.code, herr.field, "%s", herr.msg);
		goto out;
	}
	if ((rc = find_col(&h, r->opts->id_col, "--id", path, r->err, &col[0])) < 0 ||
	    (rc = find_col(&h, r->opts->product_col, "--product", path, r->err, &col[1])) < 0 ||
	    (rc = find_col(&h, r->opts->event_col, "--event", path, r->err, &col[2])) < 0 ||
	    (rc = find_col(&h, r->opts->stratum_col, "--stratum", path, r->err, &col[3])) < 0)
		goto out;
	while ((rc = vg_csv_next(&c, r->err)) != 0 && rc != VG_EIO) {
		r->stats->rows_read++;
		if (rc != 1) {
			vg_rejects_add(r->opts->rejects, path, c.line, "%s",
			               rc == VG_ETOOBIG ? "record longer than the cap"
			                                : "quoted field not closed at end of file");
			continue;
		}
		if ((rc = take_row(r, &c, fileno, col)) < 0)
			goto out;
		if ((r->stats->rows_read & 65535) == 0)
			vg_progress_update(&r->prog, (uint64_t)r->stats->rows_read);
	}
out:
	vg_csv_header_release(&h);
	vg_csv_close(&c);
	return rc;
}

static void parse_row(const void *d, size_t dl, struct row *w)
{
	const char *p = d;
	uint32_t lp, le, ls;

	VG_UNUSED(dl);
	memcpy(&w->file, p, 4);
	memcpy(&w->line, p + 4, 8);
	memcpy(&lp, p + 12, 4);
	memcpy(&le, p + 16, 4);
	memcpy(&ls, p + 20, 4);
	w->product = (struct vg_sv){p + 24, lp};
	w->event = (struct vg_sv){p + 24 + lp, le};
	w->stratum = (struct vg_sv){p + 24 + lp + le, ls};
}

static bool has_product(const struct vg_case_version *v, struct vg_sv s)
{
	for (size_t i = 0; i < v->nproducts; i++)
		if (vg_sv_eq_cstr(s, v->products[i].name))
			return true;
	return false;
}

static bool has_event(const struct vg_case_version *v, struct vg_sv s)
{
	for (size_t i = 0; i < v->nevents; i++)
		if (vg_sv_eq_cstr(s, v->events[i].term))
			return true;
	return false;
}

/* Add one row to the version of its id (or reject it). */
static void add_row(struct treader *r, struct vg_case_version *v, const struct row *w)
{
	struct vg_arena *a = &r->arena;
	const char *file = r->files[w->file];
	bool np = !has_product(v, w->product), ne = !has_event(v, w->event);

	if (w->stratum.len && v->stratum && !vg_sv_eq_cstr(w->stratum, v->stratum)) {
		vg_rejects_add(r->opts->rejects, file, w->line,
		               "stratum '%.*s' differs from '%s' on an earlier row of id %s",
		               (int)w->stratum.len, w->stratum.p, v->stratum, v->case_id);
		return;
	}
	if ((np && v->nproducts >= MAX_ITEMS) || (ne && v->nevents >= MAX_ITEMS)) {
		vg_rejects_add(r->opts->rejects, file, w->line,
		               "more than %d distinct products or events for id %s", MAX_ITEMS,
		               v->case_id);
		return;
	}
	if (w->stratum.len && !v->stratum)
		v->stratum = vg_arena_strndup(a, w->stratum.p, w->stratum.len);
	if (np) {
		struct vg_product *p = vg_case_add_product(v, a);
		p->role = VG_ROLE_SUSPECT;
		p->name = p->ingredient = vg_arena_strndup(a, w->product.p, w->product.len);
	}
	if (ne) {
		struct vg_event *e = vg_case_add_event(v, a);
		e->term = e->coded = vg_arena_strndup(a, w->event.p, w->event.len);
	}
}

static struct vg_case_version *new_version(struct treader *r, const void *key, size_t klen)
{
	struct vg_case_version *v;

	vg_arena_reset(&r->arena);
	v = vg_case_new(&r->arena);
	v->case_id = v->report_id = vg_arena_strndup(&r->arena, key, klen);
	v->source = "table";
	v->redacted = true; /* analysis table: no identifiers (docs/DECISIONS.md) */
	return v;
}

static int emit(struct treader *r, struct vg_case_version *v)
{
	int rc;

	if (!v)
		return 0;
	if ((rc = r->sink->version(r->sink->ctx, v, r->err)) != 0)
		return rc < 0 ? rc : VG_EINTERNAL;
	r->stats->versions++;
	return 0;
}

/* Walk the sorted rows, one version per run of equal ids. */
static int group(struct treader *r)
{
	struct vg_case_version *v = NULL;
	const void *k, *d;
	size_t kl, dl;
	uint64_t done = 0;
	int rc;

	while ((rc = vg_sorter_next(r->sorter, &k, &kl, &d, &dl, r->err)) == 1) {
		struct row w;
		if ((++done & 16383) == 0 && r->opts->progress)
			vg_progress_update(&r->prog, done);
		if (!v || !vg_sv_eq(vg_sv_of(v->case_id), (struct vg_sv){k, kl})) {
			if ((rc = emit(r, v)) < 0)
				return rc;
			v = new_version(r, k, kl);
		}
		parse_row(d, dl, &w);
		add_row(r, v, &w);
	}
	if (rc < 0)
		return rc;
	return emit(r, v);
}

static int run_table(const struct vg_ingest_opts *opts, char **files, int nfiles,
                     const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                     struct vg_err *err)
{
	struct treader r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.opts = opts;
	r.sink = sink;
	r.stats = stats;
	r.err = err;
	r.files = files;
	r.rec = (struct vg_buf)VG_BUF_INIT(0);
	if (!opts->id_col || !opts->product_col || !opts->event_col)
		return vg_err_set(err, VG_EUSAGE, NULL, "table import needs --id, --product and --event");
	r.sorter = vg_sorter_new(SORT_BUDGET);
	vg_arena_init(&r.arena, 64 * 1024);
	if (opts->progress)
		vg_progress_start(&r.prog, "table rows", 0);
	for (int i = 0; i < nfiles && rc >= 0; i++)
		rc = read_file(&r, (uint32_t)i);
	if (opts->progress) { /* then the rows again, grouped into reports */
		vg_progress_finish(&r.prog);
		vg_progress_start(&r.prog, "table reports", (uint64_t)r.rows_sorted);
	}
	if (rc >= 0 && (rc = vg_sorter_finish(r.sorter, err)) >= 0)
		rc = group(&r);
	if (opts->progress)
		vg_progress_finish(&r.prog);
	stats->rows_rejected = opts->rejects ? opts->rejects->count : 0;
	vg_sorter_free(r.sorter);
	vg_arena_release(&r.arena);
	vg_buf_release(&r.rec);
	return rc < 0 ? rc : 0;
}

const struct vg_ingest_format vg_ingest_table = {
	.name = "table",
	.summary = "any CSV/TSV of report-product-event rows (--id --product --event [--stratum])",
	.run = run_table,
};
