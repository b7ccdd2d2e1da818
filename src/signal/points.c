/*
 * points.c - the distinct (N, E) points of a pair table.
 *
 * The MGPS likelihood, the posterior of a pair and its IC bounds depend on
 * (N, E) alone.  On real and generated data many pairs share both (rare
 * products and events have small, equal margins), so grouping them first
 * is exact and saves most of the work: weight w = the number of pairs.
 * Grouping hashes (N, bits of E); E values are equal only when their bits
 * are, so nothing is approximated.  Points come out sorted by (N, E).
 */
#include "vg.h"
#include "util/util.h"

#include "signal/signal_int.h"

/* Distinct points in first-seen order while grouping. */
struct uniq {
	uint64_t *n, *ebits;
	double *w;
	size_t m;
	uint32_t *slot; /* open addressing: point index + 1, 0 empty */
	size_t mask;
};

static uint64_t mix(uint64_t n, uint64_t eb)
{
	uint64_t h = (n * UINT64_C(0x9E3779B97F4A7C15)) ^ eb;
	h ^= h >> 31;
	h *= UINT64_C(0xBF58476D1CE4E5B9);
	return h ^ (h >> 29);
}

static uint32_t uniq_id(struct uniq *u, uint64_t n, double e)
{
	uint64_t eb;
	memcpy(&eb, &e, sizeof(eb));
	for (size_t h = mix(n, eb) & u->mask;; h = (h + 1) & u->mask) {
		uint32_t s = u->slot[h];
		if (s == 0) {
			u->n[u->m] = n, u->ebits[u->m] = eb, u->w[u->m] = 0.0;
			u->slot[h] = (uint32_t)++u->m;
			return (uint32_t)(u->m - 1);
		}
		if (u->n[s - 1] == n && u->ebits[s - 1] == eb)
			return s - 1;
	}
}

struct ord {
	uint64_t n;
	double e;
	uint32_t id;
};

/* The bits of a positive double order like the double. */
static uint64_t ebits_of(const struct ord *o)
{
	uint64_t b;
	memcpy(&b, &o->e, sizeof(b));
	return b;
}

/* One stable counting pass on an 11-bit digit of E's bits (word 0) or of
 * N (word 1); false (nothing moved) when every record has the same digit. */
static bool radix_pass(struct ord *src, struct ord *dst, size_t m, int word, int shift)
{
	size_t cnt[2048] = {0};
	for (size_t i = 0; i < m; i++)
		cnt[((word ? src[i].n : ebits_of(&src[i])) >> shift) & 2047]++;
	for (size_t d = 0; d < 2048; d++)
		if (cnt[d] == m)
			return false;
	for (size_t d = 0, sum = 0; d < 2048; d++) {
		size_t c = cnt[d];
		cnt[d] = sum;
		sum += c;
	}
	for (size_t i = 0; i < m; i++)
		dst[cnt[((word ? src[i].n : ebits_of(&src[i])) >> shift) & 2047]++] = src[i];
	return true;
}

/* LSD radix sort by (N, E): E's 64 bits, then N's; *o may be swapped with
 * the scratch buffer (both m records). */
static void sort_points(struct ord **o, struct ord **tmp, size_t m)
{
	uint64_t maxn = 0;
	for (size_t i = 0; i < m; i++)
		maxn = (*o)[i].n > maxn ? (*o)[i].n : maxn;
	for (int word = 0; word < 2; word++) {
		for (int shift = 0; shift < 64; shift += 11) {
			if (word && (shift >= 64 || maxn >> shift == 0))
				break;
			if (radix_pass(*o, *tmp, m, word, shift)) {
				struct ord *t = *o;
				*o = *tmp, *tmp = t;
			}
		}
	}
}

/*
 * Group by hashing (N, bits of E) - one pass over the pairs, no sort of the
 * pair table - then radix-sort only the distinct points by (N, E) (E > 0:
 * its bits order like its value) and renumber.
 */
struct vg_signal_points *vg_signal_points_build(const struct vg_signal_table *t)
{
	struct vg_signal_points *pts = vg_xcalloc(1, sizeof(*pts));
	size_t np = t->npairs, cap = np ? np : 1, slots = 16;
	struct uniq u = {0};

	while (slots < 2 * cap)
		slots *= 2;
	u.n = vg_xmalloc(cap * sizeof(*u.n));
	u.ebits = vg_xmalloc(cap * sizeof(*u.ebits));
	u.w = vg_xmalloc(cap * sizeof(*u.w));
	u.slot = vg_xcalloc(slots, sizeof(*u.slot));
	u.mask = slots - 1;
	pts->of_pair = vg_xmalloc(cap * sizeof(*pts->of_pair));
	for (size_t i = 0; i < np; i++) {
		uint32_t id = uniq_id(&u, t->pairs[i].n, t->pairs[i].e);
		u.w[id] += 1.0;
		pts->of_pair[i] = id;
	}
	free(u.slot);
	struct ord *o = vg_xmalloc((u.m ? u.m : 1) * sizeof(*o));
	struct ord *scratch = vg_xmalloc((u.m ? u.m : 1) * sizeof(*o));
	for (size_t k = 0; k < u.m; k++) {
		o[k].n = u.n[k], o[k].id = (uint32_t)k;
		memcpy(&o[k].e, &u.ebits[k], sizeof(double));
	}
	sort_points(&o, &scratch, u.m);
	free(scratch);
	uint32_t *rank = vg_xmalloc((u.m ? u.m : 1) * sizeof(*rank));
	pts->m = u.m;
	pts->n = vg_xmalloc((u.m ? u.m : 1) * sizeof(*pts->n));
	pts->e = vg_xmalloc((u.m ? u.m : 1) * sizeof(*pts->e));
	pts->w = vg_xmalloc((u.m ? u.m : 1) * sizeof(*pts->w));
	for (size_t k = 0; k < u.m; k++) {
		pts->n[k] = o[k].n, pts->e[k] = o[k].e, pts->w[k] = u.w[o[k].id];
		rank[o[k].id] = (uint32_t)k;
	}
	for (size_t i = 0; i < np; i++)
		pts->of_pair[i] = rank[pts->of_pair[i]];
	free(o);
	free(rank);
	free(u.n);
	free(u.ebits);
	free(u.w);
	return pts;
}

void vg_signal_points_free(struct vg_signal_points *pts)
{
	if (!pts)
		return;
	free(pts->n);
	free(pts->e);
	free(pts->w);
	free(pts->of_pair);
	free(pts);
}
