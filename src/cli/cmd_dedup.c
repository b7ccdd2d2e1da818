/*
 * cmd_dedup.c - `vigil dedup`: probable duplicate cases, and the reviewer's
 * verdict on a pair.
 *
 *   vigil dedup --db PATH [--threshold X] [--format table|csv|json] [--limit N]
 *       scans the latest version of every case that counts for statistics,
 *       scores pairs (quality/dedup.c) and lists those at or above the
 *       threshold, best first, the suggested master (better documented)
 *       first; pairs a reviewer rejected are not listed again.  --groups
 *       lists connected groups of pairs instead (vg_dedup_groups).
 *   vigil dedup confirm --db PATH CASE_A CASE_B
 *       links CASE_B as a duplicate of CASE_A (the store audits it); CASE_B
 *       leaves statistics and the unit evaluation counts it as a duplicate.
 *   vigil dedup reject --db PATH CASE_A CASE_B
 *       records "not duplicates" (setting dedup.rejected.<A>|<B>, ids in
 *       byte order) and an audit row.
 */
#include "vg.h"
#include "cli/cli.h"
#include "store/store.h"
#include "quality/quality.h"

static int run_dedup(int argc, char **argv);
static int run_confirm(int argc, char **argv);
static int run_reject(int argc, char **argv);

static const struct vg_cli_cmd dedup_confirm = {
	.name = "confirm",
	.summary = "link CASE_B as a duplicate of CASE_A",
	.usage = "vigil dedup confirm --db PATH CASE_A CASE_B",
	.help = "CASE_A stays (the master); CASE_B leaves statistics.  Audited.\n",
	.run = run_confirm,
};

static const struct vg_cli_cmd dedup_reject = {
	.name = "reject",
	.summary = "record that two cases are not duplicates",
	.usage = "vigil dedup reject --db PATH CASE_A CASE_B",
	.help = "The pair is no longer listed by `vigil dedup`.  Audited.\n",
	.run = run_reject,
};

static const struct vg_cli_cmd *const dedup_sub[] = {&dedup_confirm, &dedup_reject, NULL};

const struct vg_cli_cmd vg_cmd_dedup = {
	.name = "dedup",
	.summary = "list probable duplicate cases; confirm or reject a pair",
	.usage = "vigil dedup --db PATH [--threshold X] [--format table|csv|json] [--limit N]\n"
	         "       [--groups] [--since DATE]\n"
	         "       vigil dedup confirm|reject --db PATH CASE_A CASE_B",
	.help = "Fellegi-Sunter record linkage on sex, age, onset date, country, products,\n"
	        "events, reporter and patient initials, with weights from the data (rare\n"
	        "drugs and events weigh more).  Score = sum of log2 likelihood ratios; the\n"
	        "default threshold 17 was calibrated on bench/gen_dups (docs/QUALITY.md).\n"
	        "Columns: score, suggested master, duplicate, reasons (field and weight).\n"
	        "--groups: connected groups of pairs (one literature case sent by four\n"
	        "companies is one group of four), with the best documented member as master.\n"
	        "--since DATE: the daily review - only pairs involving a case received on or\n"
	        "after DATE (compared with every case).\n",
	.run = run_dedup,
	.subcommands = dedup_sub,
};

static int collect(const struct vg_case_version *v, int flags, void *ctx)
{
	VG_UNUSED(flags);
	if (v->case_id)
		vg_dedup_add_case(ctx, v);
	return 0;
}

/* "dedup.rejected.A|B" with the ids in byte order. */
static void reject_key(const char *a, const char *b, char *out, size_t outsz)
{
	if (strcmp(a, b) > 0) {
		const char *t = a;
		a = b, b = t;
	}
	snprintf(out, outsz, "dedup.rejected.%s|%s", a, b);
}

static bool rejected(struct vg_store *st, struct vg_arena *a, const char *x, const char *y)
{
	char key[512];
	const char *val = NULL;
	struct vg_err err = VG_ERR_INIT;
	reject_key(x, y, key, sizeof(key));
	return vg_store_setting_get(st, key, a, &val, &err) == 0;
}

static void print_pair(const struct vg_dedup *d, const struct vg_dedup_pair *p, int fmt,
                       int n, struct vg_buf *b)
{
	char why[1024];
	const char *ca = vg_dedup_case_id(d, p->a), *cb = vg_dedup_case_id(d, p->b);
	vg_dedup_reasons(d, p, why, sizeof(why));
	vg_buf_reset(b);
	if (fmt == VG_FMT_JSON) {
		vg_buf_printf(b, "%s{\"score\":%.3f,\"case_a\":", n ? "," : "[", p->score);
		vg_buf_json_str(b, ca);
		vg_buf_puts(b, ",\"case_b\":");
		vg_buf_json_str(b, cb);
		vg_buf_puts(b, ",\"weights\":{");
		for (int f = 0; f < VG_DD_NFIELDS; f++)
			vg_buf_printf(b, "%s\"%s\":%.3f", f ? "," : "", vg_dd_field_name(f), p->weight[f]);
		vg_buf_printf(b, "},\"shared_products\":%d,\"shared_events\":%d,\"reasons\":",
		              p->shared_products, p->shared_events);
		vg_buf_json_str(b, why);
		vg_buf_puts(b, "}\n");
	} else if (fmt == VG_FMT_CSV || fmt == VG_FMT_TSV) {
		char sep = fmt == VG_FMT_CSV ? ',' : '\t';
		vg_buf_printf(b, "%.3f%c", p->score, sep);
		fmt == VG_FMT_CSV ? vg_buf_csv_str(b, ca) : vg_buf_puts(b, ca);
		vg_buf_putc(b, sep);
		fmt == VG_FMT_CSV ? vg_buf_csv_str(b, cb) : vg_buf_puts(b, cb);
		vg_buf_putc(b, sep);
		fmt == VG_FMT_CSV ? vg_buf_csv_str(b, why) : vg_buf_puts(b, why);
		vg_buf_putc(b, '\n');
	} else {
		vg_buf_printf(b, "%7.2f  %-20s %-20s %s\n", p->score, ca, cb, why);
	}
	fputs(b->p ? b->p : "", stdout);
}

static void print_head(int fmt)
{
	if (fmt == VG_FMT_CSV)
		puts("score,case_a,case_b,reasons");
	else if (fmt == VG_FMT_TSV)
		puts("score\tcase_a\tcase_b\treasons");
	else if (fmt == VG_FMT_TABLE)
		printf("%7s  %-20s %-20s %s\n", "score", "case_a (master)", "case_b", "reasons");
}

/* keep[k]: pair k was not rejected by a reviewer and, with since (a day
 * number, INT32_MIN: none), holds a case received that day or later. */
static bool *kept_pairs(struct vg_store *st, const struct vg_dedup *d, int32_t since)
{
	struct vg_arena a;
	size_t np = vg_dedup_npairs(d);
	bool *keep = vg_xcalloc(np ? np : 1, sizeof(*keep));
	vg_arena_init(&a, 4096);
	for (size_t k = 0; k < np; k++) {
		const struct vg_dedup_pair *p = vg_dedup_pair(d, k);
		vg_arena_reset(&a);
		bool recent = since == INT32_MIN || vg_dedup_received_day(d, p->a) >= since ||
		              vg_dedup_received_day(d, p->b) >= since;
		keep[k] = recent &&
		          !rejected(st, &a, vg_dedup_case_id(d, p->a), vg_dedup_case_id(d, p->b));
	}
	vg_arena_release(&a);
	return keep;
}

static int list_pairs(const struct vg_dedup *d, const bool *keep, int fmt, int64_t limit)
{
	struct vg_buf b = VG_BUF_INIT(0);
	int n = 0;
	print_head(fmt);
	for (size_t i = 0; i < vg_dedup_npairs(d) && (limit <= 0 || n < limit); i++)
		if (keep[i])
			print_pair(d, vg_dedup_pair(d, i), fmt, n++, &b);
	if (fmt == VG_FMT_JSON)
		puts(n ? "]" : "[]");
	if (fmt == VG_FMT_TABLE)
		fprintf(stderr, "%d candidate pair(s), %zu cases, %" PRIu64 " pairs compared\n", n,
		        vg_dedup_count(d), vg_dedup_compared(d));
	vg_buf_release(&b);
	return 0;
}

/* One group: master, members, size, weakest and best kept pair. */
static void print_group(const struct vg_dedup *d, const bool *keep, const uint32_t *group,
                        uint32_t g, int fmt, struct vg_buf *b)
{
	double best = -1e300, weakest = 1e300;
	size_t size = 0, master = vg_dedup_master(d, group, g);
	for (size_t k = 0; k < vg_dedup_npairs(d); k++) {
		const struct vg_dedup_pair *p = vg_dedup_pair(d, k);
		if (keep[k] && group[p->a] == g) {
			best = p->score > best ? p->score : best;
			weakest = p->score < weakest ? p->score : weakest;
		}
	}
	vg_buf_reset(b);
	if (fmt == VG_FMT_JSON) {
		vg_buf_printf(b, "%s{\"group\":%u,\"master\":", g ? "," : "[", (unsigned)g + 1);
		vg_buf_json_str(b, vg_dedup_case_id(d, master));
		vg_buf_puts(b, ",\"members\":[");
	} else if (fmt == VG_FMT_TABLE) {
		vg_buf_printf(b, "%-6u %-24s ", (unsigned)g + 1, vg_dedup_case_id(d, master));
	} else {
		vg_buf_printf(b, "%u,", (unsigned)g + 1);
		vg_buf_csv_str(b, vg_dedup_case_id(d, master));
		vg_buf_putc(b, ',');
	}
	for (size_t i = 0; i < vg_dedup_count(d); i++) {
		if (group[i] != g)
			continue;
		if (fmt == VG_FMT_JSON) {
			vg_buf_puts(b, size ? "," : "");
			vg_buf_json_str(b, vg_dedup_case_id(d, i));
		} else {
			vg_buf_puts(b, size ? " " : "");
			vg_buf_puts(b, vg_dedup_case_id(d, i));
		}
		size++;
	}
	if (fmt == VG_FMT_JSON)
		vg_buf_printf(b, "],\"size\":%zu,\"weakest\":%.3f,\"best\":%.3f}\n", size, weakest,
		              best);
	else if (fmt == VG_FMT_TABLE)
		vg_buf_printf(b, "  (%zu, %.2f..%.2f)\n", size, weakest, best);
	else
		vg_buf_printf(b, ",%zu,%.3f,%.3f\n", size, weakest, best);
	fputs(b->p ? b->p : "", stdout);
}

static int list_groups(const struct vg_dedup *d, const bool *keep, int fmt, int64_t limit)
{
	size_t n = vg_dedup_count(d);
	uint32_t *group = vg_xmalloc((n ? n : 1) * sizeof(*group));
	struct vg_buf b = VG_BUF_INIT(0);
	size_t ng = vg_dedup_groups(d, keep, group);
	if (fmt == VG_FMT_TABLE)
		printf("%-6s %-24s %s\n", "group", "master", "members  (size, weakest..best score)");
	else if (fmt != VG_FMT_JSON)
		puts("group,master,members,size,weakest,best");
	for (size_t g = 0; g < ng && (limit <= 0 || g < (size_t)limit); g++)
		print_group(d, keep, group, (uint32_t)g, fmt == VG_FMT_TSV ? VG_FMT_CSV : fmt, &b);
	if (fmt == VG_FMT_JSON)
		puts(ng ? "]" : "[]");
	vg_buf_release(&b);
	free(group);
	return 0;
}

static int run_dedup(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "confirm") == 0)
		return run_confirm(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "reject") == 0)
		return run_reject(argc - 1, argv + 1);
	const char *db = NULL, *format = NULL;
	double threshold = VG_DEDUP_DEFAULT_THRESHOLD;
	int64_t limit = 0, max_block = 0;
	bool groups = false;
	const char *since = NULL;
	int32_t since_day = INT32_MIN;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_DOUBLE("threshold", &threshold, "X", "minimum score (default 17)"),
		VG_OPT_STR("format", &format, "FMT", "table|csv|tsv|json"),
		VG_OPT_INT("limit", &limit, "N", "list at most N pairs"),
		VG_OPT_INT("max-block", &max_block, "N", "skip blocks larger than N (default 2000)"),
		VG_OPT_FLAG("groups", &groups, "list groups of linked cases instead of pairs"),
		VG_OPT_STR("since", &since, "DATE", "only pairs with a case received on or after DATE"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_dedup *d = vg_dedup_new();
	char **pos = NULL;
	int npos = 0, fmt = 0;
	int rc = vg_cli_parse(&vg_cmd_dedup, opts, argc, argv, &pos, &npos);
	if (rc) {
		rc = rc == 1 ? VG_EXIT_OK : rc;
		goto out;
	}
	if (npos) {
		rc = vg_cli_usage_error(&vg_cmd_dedup, "unknown subcommand '%s'", pos[0]);
		goto out;
	}
	if (since) {
		struct vg_date sd;
		if (vg_date_parse(vg_sv_of(since), &sd) < 0 || sd.prec < VG_DATE_YEAR) {
			rc = vg_cli_usage_error(&vg_cmd_dedup, "--since: '%s' is not a date", since);
			goto out;
		}
		since_day = vg_date_first_day(&sd);
	}
	if ((fmt = vg_cli_format(&vg_cmd_dedup, format)) < 0 || max_block < 0 ||
	    (rc = vg_cli_db(&vg_cmd_dedup, db, &db))) {
		rc = rc ? rc : vg_cli_usage_error(&vg_cmd_dedup, "bad --format or --max-block");
		goto out;
	}
	struct vg_dedup_opts o = {threshold, (size_t)max_block, 1};
	if (vg_store_open(db, VG_STORE_READONLY, &st, &err) ||
	    vg_store_scan_latest(st, false, collect, d, &err) || vg_dedup_run(d, &o, &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	bool *keep = kept_pairs(st, d, since_day);
	rc = groups ? list_groups(d, keep, fmt, limit) : list_pairs(d, keep, fmt, limit);
	free(keep);
out:
	vg_store_close(st);
	vg_dedup_free(d);
	free(pos);
	return rc;
}

/* Parse --db CASE_A CASE_B, open the store and check both cases exist. */
static int open_pair(const struct vg_cli_cmd *cmd, int argc, char **argv, struct vg_store **st,
                     char ***pos)
{
	const char *db = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"), VG_OPT_END};
	struct vg_err err = VG_ERR_INIT;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_case_version *v;
	int npos = 0;
	int rc = vg_cli_parse(cmd, opts, argc, argv, pos, &npos);
	if (rc)
		return rc == 1 ? -1 : rc;
	if (npos != 2 || strcmp((*pos)[0], (*pos)[1]) == 0)
		return vg_cli_usage_error(cmd, "expected two different case ids");
	if ((rc = vg_cli_db(cmd, db, &db)))
		return rc;
	vg_arena_init(&a, 16 * 1024);
	if (vg_store_open(db, 0, st, &err) || vg_store_case_latest(*st, (*pos)[0], &a, &v, &err) ||
	    vg_store_case_latest(*st, (*pos)[1], &a, &v, &err))
		rc = vg_cli_fail(db, &err);
	vg_arena_release(&a);
	return rc;
}

static const char *actor(void)
{
	const char *u = getenv("USER");
	return u && u[0] ? u : "cli";
}

static int run_confirm(int argc, char **argv)
{
	struct vg_store *st = NULL;
	struct vg_err err = VG_ERR_INIT;
	char **pos = NULL;
	int rc = open_pair(&dedup_confirm, argc, argv, &st, &pos);
	if (rc == 0 && vg_store_case_set_duplicate(st, pos[1], pos[0], actor(), &err))
		rc = vg_cli_fail("dedup confirm", &err);
	else if (rc == 0)
		printf("%s linked as a duplicate of %s\n", pos[1], pos[0]);
	vg_store_close(st);
	free(pos);
	return rc < 0 ? VG_EXIT_OK : rc;
}

static int run_reject(int argc, char **argv)
{
	struct vg_store *st = NULL;
	struct vg_err err = VG_ERR_INIT;
	char **pos = NULL, key[512];
	int rc = open_pair(&dedup_reject, argc, argv, &st, &pos);
	if (rc == 0) {
		reject_key(pos[0], pos[1], key, sizeof(key));
		if (vg_store_begin(st, &err) || vg_store_setting_put(st, key, "1", &err) ||
		    vg_store_audit(st, actor(), "dedup.reject", key + 15, NULL, NULL, &err) ||
		    vg_store_commit(st, &err)) {
			vg_store_rollback(st);
			rc = vg_cli_fail("dedup reject", &err);
		} else {
			printf("%s and %s recorded as not duplicates\n", pos[0], pos[1]);
		}
	}
	vg_store_close(st);
	free(pos);
	return rc < 0 ? VG_EXIT_OK : rc;
}
