/*
 * bench_signal.c - times the whole signal pipeline: snapshot, stratified
 * counts, PRR/chi2/ROR/IC, the MGPS fit, EBGM/EB05/EB95 for every pair.
 *
 *   bench_signal [--reports N] [--seed S] [--threads T] [--unstratified]
 *       synthetic reports: 1-4 products and 1-5 events each, ids drawn
 *       log-uniformly (a Zipf-like 1/k law: a few products and events are
 *       everywhere, most are rare), products from N/10, events from 20,000,
 *       12 strata (sex x age group); a third of the events come from a
 *       pool of 5 tied to the report's first product, which plants signals
 *   bench_signal --csv FILE --id COL --product COL --event COL [--stratum COL]
 *       [--shape-min X] [--top K]
 *       a long table (one row per report, product, event), e.g. openEBGM's
 *       CAERS extract or pvLRT's FAERS 2022Q3 file; prints the fit as JSON
 *       and the top K pairs by EB05
 *
 * Prints one line per stage (seconds, wall clock) and the peak RSS.
 * docs/PERFORMANCE.md records the figures; docs/SIGNALS.md the FAERS fit.
 */
#include "vg.h"
#include "util/util.h"

#include <math.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "signal/signal.h"

struct args {
	uint64_t reports, seed;
	unsigned threads;
	bool unstratified;
	const char *csv, *id, *product, *event, *stratum;
	double shape_min;
	size_t top;
};

static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
	return (double)(rng(s) >> 11) * 0x1.0p-53;
}

/* id in [0, k) with P(id) ~ log((id + 2) / (id + 1)): a 1/k law */
static uint32_t skewed(uint64_t *s, uint32_t k)
{
	uint32_t id = (uint32_t)(exp(unit(s) * log((double)k + 1.0)) - 1.0);
	return id < k ? id : k - 1;
}

static struct vg_snap *synthetic(const struct args *a)
{
	struct vg_snap_builder *b = vg_snap_builder_new();
	struct vg_snap *snap = NULL;
	struct vg_err err = VG_ERR_INIT;
	uint32_t np = (uint32_t)(a->reports / 10 + 10), ne = 20000, prod[4], ev[5];
	uint64_t s = a->seed;
	char name[32];

	for (uint32_t i = 0; i < np; i++)
		vg_snap_builder_product(b, name, (size_t)snprintf(name, sizeof(name), "P%" PRIu32, i));
	for (uint32_t i = 0; i < ne; i++)
		vg_snap_builder_event(b, name, (size_t)snprintf(name, sizeof(name), "E%" PRIu32, i));
	for (int i = 0; i < 12; i++)
		vg_snap_builder_stratum(b, name, (size_t)snprintf(name, sizeof(name), "S%d", i));
	for (uint64_t r = 0; r < a->reports; r++) {
		size_t kp = 1 + (size_t)(rng(&s) % 4), ke = 1 + (size_t)(rng(&s) % 5);
		for (size_t k = 0; k < kp; k++)
			prod[k] = skewed(&s, np);
		/* a third of the events come from a small pool tied to the first
		 * product (its "true" reactions), so the table has signals and the
		 * prior is a real mixture, not pure Poisson noise */
		for (size_t k = 0; k < ke; k++)
			ev[k] = rng(&s) % 3 == 0
				? (uint32_t)((prod[0] * UINT64_C(2654435761) + rng(&s) % 5 * 7919) % ne)
				: skewed(&s, ne);
		if (vg_snap_builder_add(b, (uint32_t)(rng(&s) % 12), (int32_t)(r % 40), prod, kp, ev,
					ke, &err))
			vg_die("add: %s", err.msg);
	}
	if (vg_snap_build(b, &snap, &err))
		vg_die("build: %s", err.msg);
	return snap;
}

/* Split one CSV line (RFC 4180 quotes, no embedded newlines) in place. */
static size_t csv_split(char *line, char **f, size_t maxf)
{
	size_t n = 0;
	char *p = line;

	while (n < maxf) {
		char *out = p;
		f[n++] = p;
		if (*p == '"') {
			char *q = p + 1;
			while (*q && !(*q == '"' && q[1] != '"')) {
				if (*q == '"')
					q++;
				*out++ = *q++;
			}
			p = *q ? q + 1 : q;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		char sep = *p;
		*out = '\0';
		if (sep != ',')
			break;
		p++;
	}
	return n;
}

static int column(char **hdr, size_t nh, const char *name)
{
	for (size_t i = 0; name && i < nh; i++)
		if (strcmp(hdr[i], name) == 0)
			return (int)i;
	if (name)
		vg_die("no column %s", name);
	return -1;
}

static struct vg_snap *from_csv(const struct args *a)
{
	struct vg_snap_builder *b = vg_snap_builder_new();
	struct vg_snap *snap = NULL;
	struct vg_err err = VG_ERR_INIT;
	FILE *f = fopen(a->csv, "r");
	char *line = NULL, *hline = NULL, *hdr[64], *fld[64];
	size_t cap = 0, hcap = 0;
	ssize_t n;

	if (!f || getline(&hline, &hcap, f) < 0)
		vg_die("cannot read %s", a->csv);
	hline[strcspn(hline, "\r\n")] = '\0';
	size_t nh = csv_split(hline, hdr, 64);
	int ci = column(hdr, nh, a->id), cp = column(hdr, nh, a->product);
	int ce = column(hdr, nh, a->event), cs = column(hdr, nh, a->stratum);
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		size_t nf = csv_split(line, fld, 64);
		if (nf < nh)
			continue;
		if (vg_snap_builder_add_row(b, vg_sv_of(fld[ci]), vg_sv_of(fld[cp]), vg_sv_of(fld[ce]),
					    vg_sv_of(cs >= 0 ? fld[cs] : ""), &err))
			vg_die("%s: %s", a->csv, err.msg);
	}
	free(line);
	free(hline);
	fclose(f);
	if (vg_snap_build(b, &snap, &err))
		vg_die("build: %s", err.msg);
	return snap;
}

static void parse_args(int argc, char **argv, struct args *a)
{
	*a = (struct args){1000000, 1, 0, false, NULL, NULL, NULL, NULL, NULL, 0, 10};
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t iv = 0;
		double dv = 0;
		if (strcmp(k, "--unstratified") == 0) {
			a->unstratified = true;
			continue;
		}
		if (!v)
			vg_die("%s needs a value", k);
		i++;
		if (strcmp(k, "--csv") == 0)
			a->csv = v;
		else if (strcmp(k, "--id") == 0)
			a->id = v;
		else if (strcmp(k, "--product") == 0)
			a->product = v;
		else if (strcmp(k, "--event") == 0)
			a->event = v;
		else if (strcmp(k, "--stratum") == 0)
			a->stratum = v;
		else if (strcmp(k, "--shape-min") == 0 && !vg_parse_double(vg_sv_of(v), &dv))
			a->shape_min = dv;
		else if (vg_parse_i64(vg_sv_of(v), &iv) || iv < 0)
			vg_die("bad value for %s: %s", k, v);
		else if (strcmp(k, "--reports") == 0)
			a->reports = (uint64_t)iv;
		else if (strcmp(k, "--seed") == 0)
			a->seed = (uint64_t)iv;
		else if (strcmp(k, "--threads") == 0)
			a->threads = (unsigned)iv;
		else if (strcmp(k, "--top") == 0)
			a->top = (size_t)iv;
		else
			vg_die("unknown option %s", k);
	}
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double rss_mib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return (double)rss * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* One line per stage: wall seconds, CPU seconds of all threads (the
 * meaningful figure on a shared machine), resident memory after it. */
static double lap(double *t0, double *c0, const char *what)
{
	double now = vg_now_seconds(), d = now - *t0, c = cpu_seconds();
	printf("%-28s %8.3f s wall %8.3f s cpu  rss %7.1f MiB\n", what, d, c - *c0, rss_mib());
	*t0 = now;
	*c0 = c;
	return d;
}

int main(int argc, char **argv)
{
	struct args a;
	struct vg_err err = VG_ERR_INIT;
	struct vg_signal_table t = VG_SIGNAL_TABLE_INIT;
	struct vg_signal_fit fit;
	struct vg_signal_fit_opts fo = VG_SIGNAL_FIT_OPTS_INIT;
	struct vg_snap_info info;

	parse_args(argc, argv, &a);
	double t0 = vg_now_seconds(), start = t0, work = 0, c0 = cpu_seconds(), cstart = c0;
	struct vg_snap *s = a.csv ? from_csv(&a) : synthetic(&a);
	lap(&t0, &c0, a.csv ? "read csv + snapshot" : "generate + snapshot");
	vg_snap_info(s, &info);
	printf("reports %" PRIu64 ", products %" PRIu32 ", events %" PRIu32 ", strata %" PRIu32
	       ", product links %" PRIu64 ", event links %" PRIu64 "\n",
	       info.nreports, info.nproducts, info.nevents, info.nstrata, info.nproduct_links,
	       info.nevent_links);
	struct vg_signal_opts o = VG_SIGNAL_OPTS_INIT;
	o.stratified = !a.unstratified && (a.csv == NULL || a.stratum);
	o.threads = a.threads;
	if (vg_signal_count(s, &o, &t, &err))
		vg_die("count: %s", err.msg);
	work += lap(&t0, &c0, "count pairs, margins, E");
	printf("pairs %zu\n", t.npairs);
	vg_signal_disprop(&t);
	work += lap(&t0, &c0, "PRR, chi2, ROR, IC");
	fo.threads = a.threads;
	fo.shape_min = a.shape_min;
	if (vg_signal_fit(&t, &fo, &fit, &err))
		vg_die("fit: %s", err.msg);
	work += lap(&t0, &c0, "MGPS fit");
	struct vg_buf jb = VG_BUF_INIT(0);
	vg_signal_fit_json(&fit, &jb);
	printf("fit over %zu distinct (N, E) points: %s\n", fit.npoints, jb.p);
	vg_buf_release(&jb);
	if (vg_signal_eb(&t, &fit.theta, a.threads, &err))
		vg_die("eb: %s", err.msg);
	work += lap(&t0, &c0, "EBGM, EB05, EB95");
	printf("%-28s %8.3f s wall\n", "statistics total", work);
	printf("%-28s %8.3f s wall %8.3f s cpu\n", "total", vg_now_seconds() - start,
	       cpu_seconds() - cstart);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	if (a.csv && a.top) {
		struct vg_signal_write_opts wo = VG_SIGNAL_WRITE_OPTS_INIT;
		wo.format = VG_SIGNAL_TSV;
		wo.limit = a.top;
		vg_signal_sort(&t, "EB05", false, &err);
		vg_signal_write(&t, s, &wo, stdout, &err);
	}
	vg_signal_table_release(&t);
	vg_snap_free(s);
	return 0;
}
