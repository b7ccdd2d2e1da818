/*
 * count.c - pair counts, margins and expected counts from a snapshot.
 *
 * Counting is a bucket sort by product, then a dense tally per product:
 *
 *   1. margins: one pass over the reports counts n_product,s, n_event,s
 *      and n_s (64-bit; per stratum s when stratified, else s = 0).
 *   2. every report pair (p, e) puts e into product p's bucket
 *      (bucket offsets from a counting pass: an exact CSR, no hashing);
 *   3. for each product, a dense uint32 counter over event ids plus a list
 *      of touched events gives N for each of its pairs; the touched list,
 *      sorted, emits the pairs in (product, event) order.
 *
 * Products are split into contiguous ranges of about equal bucket volume,
 * one per thread; each range tallies compact (product, event, N) records,
 * then the table is allocated once at its size and each range expands its
 * records into it with margins and E (the table is never held twice).
 * Reports hold each product and event once (the snapshot guarantees it), so
 * a tally is a number of distinct reports.
 *
 * E (DuMouchel 1999; stratified: Empirica, openEBGM processRaw):
 *   unstratified  E = n_p * n_e / n
 *   stratified    E = sum_s n_p,s * n_e,s / n_s   over strata with n_s > 0
 */
#include "vg.h"
#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "signal/signal_int.h"

unsigned vg_signal_threads(unsigned asked)
{
	if (asked)
		return asked;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

void vg_signal_table_release(struct vg_signal_table *t)
{
	free(t->pairs);
	vg_signal_points_free(t->points);
	*t = (struct vg_signal_table)VG_SIGNAL_TABLE_INIT;
}

struct margins {
	uint32_t S, np, ne;
	uint64_t *n_p, *n_e; /* unstratified margins */
	double *np_s, *ne_s; /* [id * S + s] (exact: counts < 2^53) */
	double *n_s;
};

/* Whether report r counts (trends: only reports up to a period). */
static bool counted(const struct vg_snap *s, const struct vg_signal_opts *o, uint64_t r)
{
	return !o || !o->period_cut || (s->period[r] >= 0 && s->period[r] <= o->period_max);
}

static uint64_t margins_count(const struct vg_snap *s, const struct vg_signal_opts *o,
			      uint32_t S, struct margins *m)
{
	uint64_t nrep = 0;

	m->S = S;
	m->np = vg_map_count(s->products);
	m->ne = vg_map_count(s->events);
	m->n_p = vg_xcalloc(m->np, sizeof(uint64_t));
	m->n_e = vg_xcalloc(m->ne, sizeof(uint64_t));
	m->np_s = S > 1 ? vg_xcalloc((size_t)m->np * S, sizeof(double)) : NULL;
	m->ne_s = S > 1 ? vg_xcalloc((size_t)m->ne * S, sizeof(double)) : NULL;
	m->n_s = vg_xcalloc(S, sizeof(double));
	for (uint64_t r = 0; r < s->nreports; r++) {
		if (!counted(s, o, r))
			continue;
		uint32_t st = S > 1 ? s->stratum[r] : 0;
		nrep++;
		m->n_s[st] += 1.0;
		for (uint64_t i = s->prod_off[r]; i < s->prod_off[r + 1]; i++) {
			m->n_p[s->prod[i]]++;
			if (S > 1)
				m->np_s[(size_t)s->prod[i] * S + st] += 1.0;
		}
		for (uint64_t i = s->ev_off[r]; i < s->ev_off[r + 1]; i++) {
			m->n_e[s->ev[i]]++;
			if (S > 1)
				m->ne_s[(size_t)s->ev[i] * S + st] += 1.0;
		}
	}
	return nrep;
}

static void margins_release(struct margins *m)
{
	free(m->n_p);
	free(m->n_e);
	free(m->np_s);
	free(m->ne_s);
	free(m->n_s);
}

static bool explicit_pairs(const struct vg_snap *s, uint64_t r)
{
	return s->pair_off && s->pair_off[r + 1] > s->pair_off[r];
}

/* Buckets: for each product, the events of every report it pairs in. */
static void fill_buckets(const struct vg_snap *s, const struct vg_signal_opts *o, uint32_t np,
			 uint64_t **off_out, uint32_t **ev_out)
{
	uint64_t *off = vg_xcalloc((size_t)np + 1, sizeof(uint64_t));
	for (uint64_t r = 0; r < s->nreports; r++) {
		if (!counted(s, o, r))
			continue;
		if (explicit_pairs(s, r)) {
			for (uint64_t i = s->pair_off[r]; i < s->pair_off[r + 1]; i++)
				off[(s->pair[i] >> 32) + 1]++;
			continue;
		}
		uint64_t ne = s->ev_off[r + 1] - s->ev_off[r];
		for (uint64_t i = s->prod_off[r]; i < s->prod_off[r + 1]; i++)
			off[s->prod[i] + 1] += ne;
	}
	for (uint32_t p = 0; p < np; p++)
		off[p + 1] += off[p];
	uint32_t *ev = vg_xmalloc((off[np] ? off[np] : 1) * sizeof(uint32_t));
	uint64_t *pos = vg_xmalloc(((size_t)np + 1) * sizeof(uint64_t));
	memcpy(pos, off, ((size_t)np + 1) * sizeof(uint64_t));
	for (uint64_t r = 0; r < s->nreports; r++) {
		if (!counted(s, o, r))
			continue;
		if (explicit_pairs(s, r)) {
			for (uint64_t i = s->pair_off[r]; i < s->pair_off[r + 1]; i++)
				ev[pos[s->pair[i] >> 32]++] = (uint32_t)s->pair[i];
			continue;
		}
		for (uint64_t i = s->prod_off[r]; i < s->prod_off[r + 1]; i++) {
			uint64_t *pp = &pos[s->prod[i]];
			for (uint64_t j = s->ev_off[r]; j < s->ev_off[r + 1]; j++)
				ev[(*pp)++] = s->ev[j];
		}
	}
	free(pos);
	*off_out = off;
	*ev_out = ev;
}

/* A counted pair before expansion (the full record is 150-odd bytes; the
 * tally keeps these 12 and the table is allocated once, at its size). */
struct cpair {
	uint32_t p, e, n;
};

struct tally_job {
	const struct margins *m;
	const uint64_t *off;
	const uint32_t *ev;
	uint32_t p0, p1;
	uint64_t ntotal;
	struct cpair *cp;
	size_t npairs, cap;
	struct vg_signal_pair *out; /* expansion target */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static double expected(const struct margins *m, uint32_t p, uint32_t e, uint64_t ntotal)
{
	if (m->S <= 1)
		return (double)m->n_p[p] * (double)m->n_e[e] / (double)ntotal;
	double sum = 0.0;
	const double *a = m->np_s + (size_t)p * m->S, *b = m->ne_s + (size_t)e * m->S;
	for (uint32_t s = 0; s < m->S; s++)
		if (m->n_s[s] > 0.0)
			sum += a[s] * b[s] / m->n_s[s];
	return sum;
}

static void *tally_run(void *arg)
{
	struct tally_job *j = arg;
	uint32_t *cnt = vg_xcalloc(j->m->ne ? j->m->ne : 1, sizeof(uint32_t));
	uint32_t *touched = NULL;
	size_t tcap = 0;

	for (uint32_t p = j->p0; p < j->p1; p++) {
		size_t nt = 0;
		for (uint64_t i = j->off[p]; i < j->off[p + 1]; i++) {
			uint32_t e = j->ev[i];
			if (cnt[e]++ == 0) {
				VG_GROW(touched, tcap, nt + 1);
				touched[nt++] = e;
			}
		}
		if (nt > 1)
			qsort(touched, nt, sizeof(*touched), cmp_u32);
		VG_GROW(j->cp, j->cap, j->npairs + nt);
		for (size_t k = 0; k < nt; k++) {
			uint32_t e = touched[k];
			j->cp[j->npairs++] = (struct cpair){p, e, cnt[e]};
			cnt[e] = 0;
		}
	}
	free(cnt);
	free(touched);
	return NULL;
}

/* Full records of one range, with margins and E, into j->out. */
static void *expand_run(void *arg)
{
	struct tally_job *j = arg;
	for (size_t i = 0; i < j->npairs; i++) {
		const struct cpair *c = &j->cp[i];
		struct vg_signal_pair *q = &j->out[i];
		memset(q, 0, sizeof(*q));
		q->product = c->p, q->event = c->e, q->n = c->n;
		q->n_product = j->m->n_p[c->p], q->n_event = j->m->n_e[c->e];
		q->e = expected(j->m, c->p, c->e, j->ntotal);
		q->lrt_llr = q->lrt_p = NAN;
	}
	free(j->cp);
	j->cp = NULL;
	return NULL;
}

static void run_jobs(struct tally_job *jobs, unsigned nt, void *(*fn)(void *))
{
	pthread_t tid[16];
	for (unsigned k = 1; k < nt; k++)
		if (pthread_create(&tid[k], NULL, fn, &jobs[k]) != 0)
			tid[k] = 0, fn(&jobs[k]);
	fn(&jobs[0]);
	for (unsigned k = 1; k < nt; k++)
		if (tid[k])
			pthread_join(tid[k], NULL);
}

/* Split products into nt ranges of about equal bucket volume and run. */
static void tally_all(struct tally_job *jobs, unsigned nt, const struct margins *m,
		      const uint64_t *off, const uint32_t *ev, uint64_t ntotal)
{
	uint64_t total = off[m->np];
	uint32_t p = 0;

	for (unsigned k = 0; k < nt; k++) {
		uint64_t goal = total / nt * (k + 1);
		jobs[k] = (struct tally_job){m, off, ev, p, p, ntotal, NULL, 0, 0, NULL};
		while (jobs[k].p1 < m->np && (k == nt - 1 || off[jobs[k].p1] < goal))
			jobs[k].p1++;
		p = jobs[k].p1;
	}
	run_jobs(jobs, nt, tally_run);
}

int vg_signal_count(const struct vg_snap *s, const struct vg_signal_opts *o,
		    struct vg_signal_table *t, struct vg_err *err)
{
	struct margins m = {0};
	struct tally_job jobs[16];
	uint64_t *off = NULL;
	uint32_t *ev = NULL;
	uint32_t S = o && o->stratified ? vg_map_count(s->strata) : 1;
	unsigned nt = vg_signal_threads(o ? o->threads : 0);

	if (nt > 16)
		nt = 16;
	*t = (struct vg_signal_table)VG_SIGNAL_TABLE_INIT;
	if (s->nreports == 0)
		return vg_err_set(err, VG_EINVAL, NULL, "the snapshot holds no report");
	uint64_t nrep = margins_count(s, o, S ? S : 1, &m);
	if (nrep == 0) {
		margins_release(&m);
		return vg_err_set(err, VG_EINVAL, NULL, "no report in the period");
	}
	fill_buckets(s, o, m.np, &off, &ev);
	tally_all(jobs, nt, &m, off, ev, nrep);
	size_t total = 0;
	for (unsigned k = 0; k < nt; k++)
		total += jobs[k].npairs;
	t->pairs = vg_xmalloc((total ? total : 1) * sizeof(*t->pairs));
	for (unsigned k = 0; k < nt; k++) {
		jobs[k].out = t->pairs + t->npairs;
		t->npairs += jobs[k].npairs;
	}
	run_jobs(jobs, nt, expand_run);
	t->ntotal = nrep;
	t->nstrata = m.S;
	free(off);
	free(ev);
	margins_release(&m);
	return 0;
}
