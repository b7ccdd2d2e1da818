/*
 * gen_faers.c - write synthetic FAERS quarterly ASCII files of any size.
 *
 *   gen_faers --reports N --out DIR [--quarters Q] [--seed S] [--unsorted]
 *
 * Writes DIR/ASCII/{DEMO,DRUG,REAC,OUTC,RPSR,THER,INDI}<yy>Q<q>.txt and
 * DIR/Deleted/DELETE<yy>Q<q>.txt for Q consecutive quarters from 2023Q1,
 * N reports each, in the current FDA layout (FORMATS.md 1.3) with the
 * skew of the real thing:
 *
 *   - drugs from a vocabulary of 8,000 names and events from 6,000 PTs,
 *     drawn from Zipf(1.1) distributions (a few very frequent, a long tail);
 *   - 1 + Geometric drugs (mean ~3.3) and reactions (mean ~2.5) per report,
 *     role PS for the first drug, then SS/C/I; 0-3 outcomes; RPSR for one
 *     report in 20; THER for half the drugs, INDI for 60%;
 *   - follow-ups: caseversion 1..9 (40% above 1); from the second quarter
 *     on, 20% of a quarter's reports are newer versions of cases of the
 *     previous quarter (versions_superseded > 0 on import);
 *   - a DELETE list per quarter: 0.5% of that quarter's cases plus as many
 *     ids never seen.
 *
 * primaryid = caseid (8 digits) followed by caseversion (1 digit), rows in
 * primaryid order as FDA ships them; --unsorted writes the DRUG and REAC
 * rows of each block of 1,000 reports with the reports in reverse order
 * (rows of one report together, in order): the reader then sorts them.
 * The generator keeps nothing per report: memory is constant.  Output is a
 * pure function of the arguments (xorshift64* seeded by --seed).
 */
#include "vg.h"
#include "util/util.h"

#include <math.h>
#include <sys/stat.h>

#define NDRUGS 8000
#define NEVENTS 6000

static uint64_t rng = 88172645463325252ull;

static uint64_t next_u64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static double unif(void)
{
	return (double)(next_u64() >> 11) / 9007199254740992.0;
}

/* Zipf by inverse CDF over a precomputed table. */
struct zipf {
	double *cdf;
	int n;
};

static void zipf_init(struct zipf *z, int n, double s)
{
	double sum = 0;

	z->n = n;
	z->cdf = vg_xmalloc(sizeof(double) * (size_t)n);
	for (int i = 0; i < n; i++)
		z->cdf[i] = (sum += 1.0 / pow(i + 1, s));
	for (int i = 0; i < n; i++)
		z->cdf[i] /= sum;
}

static int zipf_draw(const struct zipf *z)
{
	double u = unif();
	int lo = 0, hi = z->n - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int geometric(double p, int max)
{
	int k = 0;

	while (k < max && unif() > p)
		k++;
	return k;
}

static const char *const syll[] = {"ab", "ce", "dol", "fen", "gli", "hy", "ix", "lam",
                                   "mo", "nex", "pra", "quin", "ro", "sta", "tin", "vir",
                                   "xa", "zol", "bu", "cor"};
static const char *const forms[] = {"Tablet", "Film-coated tablet", "Capsule", "Injection",
                                    "Solution", "Unknown"};
static const char *const routes[] = {"Oral", "Intravenous (not otherwise specified)",
                                     "Subcutaneous", "Unknown", "Topical"};
static const char *const roles[] = {"SS", "C", "C", "C", "I"};
static const char *const outcs[] = {"OT", "HO", "DE", "LT", "DS", "RI", "CA"};
static const char *const occps[] = {"MD", "HP", "CN", "PH", "OT", "LW"};
static const char *const countries[] = {"US", "US", "US", "JP", "GB", "FR", "DE", "CA", "BR"};
static const char *const mfrs[] = {"PFIZER", "NOVARTIS", "MERCK", "AMGEN", "ROCHE",
                                   "FDA-CTU", "SANOFI", "GSK", "ABBVIE", "TAKEDA"};

/* Deterministic pronounceable name number i ("Glitinvir"). */
static void name_of(int i, bool upper, char *out, size_t n)
{
	size_t w = 0;
	int v = i + 7;

	for (int k = 0; k < 3 && w + 5 < n; k++) {
		const char *s = syll[v % 20];
		v = v / 20 + k * 7 + 3;
		for (; *s && w + 1 < n; s++, w++)
			out[w] = (char)(upper || w == 0 ? *s - 32 : *s);
	}
	snprintf(out + w, n - w, upper ? "%04d" : " %d", i);
}

struct out {
	FILE *f[8];
};

enum { DEMO, DRUG, REAC, OUTC, RPSR, THER, INDI, DEL };
static const char *const tabs[] = {"DEMO", "DRUG", "REAC", "OUTC", "RPSR", "THER", "INDI",
                                   "DELETE"};
static const char *const headers[] = {
	"primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$"
	"auth_num$mfr_num$mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$"
	"to_mfr$occp_cod$reporter_country$occr_country",
	"primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$val_vbm$route$dose_vbm$"
	"cum_dose_chr$cum_dose_unit$dechal$rechal$lot_num$exp_dt$nda_num$dose_amt$dose_unit$"
	"dose_form$dose_freq",
	"primaryid$caseid$pt$drug_rec_act",
	"primaryid$caseid$outc_cod",
	"primaryid$caseid$rpsr_cod",
	"primaryid$caseid$dsg_drug_seq$start_dt$end_dt$dur$dur_cod",
	"primaryid$caseid$indi_drug_seq$indi_pt",
	NULL,
};

static void open_quarter(struct out *o, const char *dir, int yy, int q)
{
	char path[4096];

	for (int t = 0; t <= DEL; t++) {
		snprintf(path, sizeof(path), "%s/%s/%s%02dQ%d.txt", dir, t == DEL ? "Deleted" : "ASCII",
		         tabs[t], yy, q);
		o->f[t] = fopen(path, "w");
		if (!o->f[t])
			vg_die("cannot create %s: %s", path, strerror(errno));
		setvbuf(o->f[t], NULL, _IOFBF, 1 << 20);
		if (headers[t])
			fprintf(o->f[t], "%s\n", headers[t]);
		else
			fputs(" \n", o->f[t]); /* FDA's DELETE lists start with one space */
	}
}

static void close_quarter(struct out *o)
{
	for (int t = 0; t <= DEL; t++)
		if (fclose(o->f[t]) != 0)
			vg_die("write failed: %s", strerror(errno));
}

struct gen {
	struct zipf drugs, events;
	int64_t reports, quarters;
	bool unsorted;
	struct vg_buf blk[2]; /* DRUG and REAC rows of the current block (--unsorted) */
	size_t *ends[2], nends[2], capends[2];
};

static void date_in(int year, int q, char out[16])
{
	int m = (q - 1) * 3 + 1 + (int)(next_u64() % 3), d = 1 + (int)(next_u64() % 28);

	snprintf(out, 16, "%04d%02d%02d", year, m, d);
}

/* One row to table t, or to the block buffer when reversing. */
static void emit(struct gen *g, struct out *o, int t, const char *fmt, ...) VG_PRINTF(4, 5);
static void emit(struct gen *g, struct out *o, int t, const char *fmt, ...)
{
	va_list ap;
	int b = t == DRUG ? 0 : t == REAC ? 1 : -1;

	va_start(ap, fmt);
	if (!g->unsorted || b < 0) {
		vfprintf(o->f[t], fmt, ap);
	} else {
		vg_buf_vprintf(&g->blk[b], fmt, ap);
	}
	va_end(ap);
}

/* --unsorted: the rows of one report stay together, in order. */
static void end_report(struct gen *g)
{
	for (int b = 0; g->unsorted && b < 2; b++) {
		VG_GROW(g->ends[b], g->capends[b], g->nends[b] + 1);
		g->ends[b][g->nends[b]++] = g->blk[b].len;
	}
}

/* Write the buffered reports of a block in reverse order. */
static void flush_block(struct gen *g, struct out *o)
{
	for (int b = 0; b < 2; b++) {
		for (size_t i = g->nends[b]; i-- > 0;) {
			size_t start = i ? g->ends[b][i - 1] : 0;
			fwrite(g->blk[b].p + start, 1, g->ends[b][i] - start, o->f[b ? REAC : DRUG]);
		}
		vg_buf_reset(&g->blk[b]);
		g->nends[b] = 0;
	}
}

static void drugs_of(struct gen *g, struct out *o, int64_t pid, int64_t cid, int year, int q)
{
	int nd = 1 + geometric(0.3, 30);
	char name[48], ai[48], start[16], end[16];

	for (int k = 1; k <= nd; k++) {
		int d = zipf_draw(&g->drugs);
		name_of(d, true, name, sizeof(name));
		name_of(d % 3000, true, ai, sizeof(ai));
		emit(g, o, DRUG,
		     "%" PRId64 "$%" PRId64 "$%d$%s$%s$%s$1$%s$%d MG QD$$$%s$$$$%06d$%d$MG$%s$QD\n", pid,
		     cid, k, k == 1 ? "PS" : roles[next_u64() % 5], name, ai, routes[d % 5],
		     10 * (1 + d % 50), k == 1 ? "Y" : "", d % 100000, 10 * (1 + d % 50), forms[d % 6]);
		if (unif() < 0.5) {
			date_in(year - 1, q, start);
			date_in(year, q, end);
			fprintf(o->f[THER], "%" PRId64 "$%" PRId64 "$%d$%s$%s$$\n", pid, cid, k, start, end);
		}
		if (unif() < 0.6) {
			name_of(zipf_draw(&g->events), false, name, sizeof(name));
			fprintf(o->f[INDI], "%" PRId64 "$%" PRId64 "$%d$%s\n", pid, cid, k, name);
		}
	}
}

static void report(struct gen *g, struct out *o, int64_t cid, int ver, int year, int q)
{
	int64_t pid = cid * 10 + ver;
	int ne = 1 + geometric(0.4, 30), no = geometric(0.55, 3);
	char ev[16], fda[16], init[16], name[48];
	int age = 1 + (int)(next_u64() % 90);

	date_in(year, q, fda);
	date_in(year - (ver > 1), q, init);
	date_in(year - 1, q, ev);
	fprintf(o->f[DEMO],
	        "%" PRId64 "$%" PRId64 "$%d$%s$%s$%s$%s$%s$EXP$$US-X-%" PRId64 "$%s$$%d$YR$$%s$Y$"
	        "%d$KG$%s$$%s$%s$%s\n",
	        pid, cid, ver, ver == 1 ? "I" : "F", ev, fda, init, fda, cid, mfrs[cid % 10], age,
	        (cid & 1) ? "F" : "M", 40 + age % 60, fda, occps[next_u64() % 6],
	        countries[cid % 9], countries[cid % 9]);
	drugs_of(g, o, pid, cid, year, q);
	for (int k = 0; k < ne; k++) {
		name_of(zipf_draw(&g->events), false, name, sizeof(name));
		emit(g, o, REAC, "%" PRId64 "$%" PRId64 "$%s$\n", pid, cid, name);
	}
	for (int k = 0; k < no; k++)
		fprintf(o->f[OUTC], "%" PRId64 "$%" PRId64 "$%s\n", pid, cid, outcs[(k + cid) % 7]);
	if (next_u64() % 20 == 0)
		fprintf(o->f[RPSR], "%" PRId64 "$%" PRId64 "$%s\n", pid, cid,
		        (cid % 3) ? "HP" : "SDY");
}

/*
 * Quarter k holds report slots i = 0..N-1.  Slot i of quarter k > 0 is,
 * with probability 0.2, a follow-up of the case in slot i of quarter k-1
 * (same caseid, next caseversion), else a new case.  A case created in
 * quarter c for slot i has caseid 10000000 + 2 (i Q + c): increasing in i
 * within a quarter whatever c is, so rows stay in primaryid order; odd ids
 * are never used, so DELETE lists can name unknown cases.
 */
static bool is_follow(int64_t i, int k)
{
	return k > 0 && (((uint64_t)i * 0x9E3779B97F4A7C15ull ^ (uint64_t)k) >> 40) % 5 == 0;
}

static int64_t created_in(int64_t i, int k)
{
	return is_follow(i, k) ? created_in(i, k - 1) : k;
}

static int version_of(int64_t i, int k)
{
	uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull ^ (uint64_t)k;
	int v = is_follow(i, k) ? version_of(i, k - 1) + 1
	                        : 1 + ((h >> 20) % 10 < 4 ? 1 + (int)((h >> 8) % 7) : 0);

	return v > 9 ? 9 : v;
}

static void quarter(struct gen *g, struct out *o, int k)
{
	int year = 2023 + k / 4, q = k % 4 + 1;
	int64_t n = g->reports;

	for (int64_t i = 0; i < n; i++) {
		int64_t cid = 10000000 + 2 * (i * g->quarters + created_in(i, k));
		report(g, o, cid, version_of(i, k), year, q);
		end_report(g);
		if (next_u64() % 200 == 0)
			fprintf(o->f[DEL], "%" PRId64 "\n%" PRId64 "\n", cid, cid + 1);
		if (g->unsorted && (i % 1000 == 999 || i == n - 1))
			flush_block(g, o);
	}
}

static void mkdirs(const char *dir)
{
	char path[4096];

	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/ASCII", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/Deleted", dir);
	mkdir(path, 0755);
}

int main(int argc, char **argv)
{
	struct gen g;
	const char *dir = NULL;
	struct out o;

	memset(&g, 0, sizeof(g));
	g.reports = 1000;
	g.quarters = 1;
	for (int i = 1; i < argc; i++) {
		struct vg_sv v = i + 1 < argc ? vg_sv_of(argv[i + 1]) : vg_sv_of("");
		int64_t x = 0;
		if (!strcmp(argv[i], "--unsorted")) {
			g.unsorted = true;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			dir = argv[++i];
		} else if (i + 1 < argc && vg_parse_i64(v, &x) == 0 && x > 0 &&
		           (!strcmp(argv[i], "--reports") || !strcmp(argv[i], "--quarters") ||
		            !strcmp(argv[i], "--seed"))) {
			if (argv[i][2] == 'r')
				g.reports = x;
			else if (argv[i][2] == 'q')
				g.quarters = x;
			else
				rng ^= (uint64_t)x * 0x9E3779B97F4A7C15ull;
			i++;
		} else {
			fprintf(stderr, "usage: gen_faers --reports N --out DIR [--quarters Q] "
			                "[--seed S] [--unsorted]\n");
			return 2;
		}
	}
	if (!dir || g.quarters > 40 || g.reports * g.quarters >= 44000000) {
		fprintf(stderr, "gen_faers: --out DIR is required; N x Q < 44e6, Q <= 40\n");
		return 2;
	}
	zipf_init(&g.drugs, NDRUGS, 1.1);
	zipf_init(&g.events, NEVENTS, 1.1);
	for (int i = 0; i < 2; i++)
		g.blk[i] = (struct vg_buf)VG_BUF_INIT(0);
	mkdirs(dir);
	for (int k = 0; k < g.quarters; k++) {
		open_quarter(&o, dir, 23 + k / 4, k % 4 + 1);
		quarter(&g, &o, k);
		close_quarter(&o);
	}
	free(g.drugs.cdf);
	free(g.events.cdf);
	for (int i = 0; i < 2; i++) {
		vg_buf_release(&g.blk[i]);
		free(g.ends[i]);
	}
	return 0;
}
