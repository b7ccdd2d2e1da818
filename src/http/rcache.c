/*
 * rcache.c - rendered responses of GET /api/v1/cases/{id}, kept in memory.
 *
 * Reading a case costs a SELECT, a JSON decode into a version and an
 * encode back; at tens of thousands of reads a second that is most of the
 * request.  The rendered body is kept here.  Staleness rules:
 *
 *   own writes      the writer, after each commit and before it resumes the
 *                   writing requests, bumps the epoch of the set of every
 *                   case it changed (vg_rcache_invalidate), or of all sets
 *                   (vg_rcache_invalidate_all) for a job that may touch many
 *   readers         take a ticket (the set's epoch and the global one)
 *                   *before* reading the database and put with it; a put
 *                   whose ticket is outdated is dropped, so a read that
 *                   raced a commit is never kept
 *   other writers   (vigil import, another server on the same file) are not
 *                   seen by the writer: an entry is served for at most TTL
 *                   seconds after it was read
 *
 *   set = xxh3(case id) & (SETS - 1): WAYS entries and an epoch per set,
 *   one mutex per STRIPES-th set; {id, unit, epoch, all, at, text, len}
 *   (bodies over ENTRY_MAX are not kept)
 *
 * A put replaces the same id, else an outdated entry, else the set's
 * entries in turn.  The unit is kept so that the caller can apply the
 * reporter's own-unit rule before serving a hit.
 */
#include "vg.h"
#include "util/util.h"
#include "http/http_int.h"

#define SETS 8192
#define WAYS 4
#define SLOTS (SETS * WAYS)
#define STRIPES 256
#define ENTRY_MAX ((size_t)64 << 10)
#define TTL 5.0

struct entry {
	char *id, *text;
	size_t len;
	uint64_t epoch, all;
	double at;
	char unit[VG_HTTP_NAME_MAX];
};

struct vg_rcache {
	struct entry *slots;       /* SETS x WAYS */
	unsigned char *next;       /* per set: the way to replace next */
	uint64_t *epoch;           /* per set, under the set's mutex */
	atomic_uint_fast64_t all;
	pthread_mutex_t mu[STRIPES];
};

struct vg_rcache *vg_rcache_new(void)
{
	struct vg_rcache *c = vg_xcalloc(1, sizeof(*c));

	c->slots = vg_xcalloc(SLOTS, sizeof(*c->slots));
	c->next = vg_xcalloc(SETS, 1);
	c->epoch = vg_xcalloc(SETS, sizeof(*c->epoch));
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&c->mu[i], NULL);
	return c;
}

void vg_rcache_free(struct vg_rcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SLOTS; i++) {
		free(c->slots[i].id);
		free(c->slots[i].text);
	}
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->mu[i]);
	free(c->slots);
	free(c->next);
	free(c->epoch);
	free(c);
}

static size_t set_of(const char *id)
{
	return (size_t)(vg_hash64(id, strlen(id)) & (SETS - 1));
}

static bool current(const struct vg_rcache *c, size_t set, const struct entry *e, double now)
{
	return e->epoch == c->epoch[set] && e->all == atomic_load(&c->all) && now - e->at < TTL;
}

void vg_rcache_ticket(struct vg_rcache *c, const char *id, struct vg_rcache_ticket *t)
{
	size_t set = set_of(id);

	pthread_mutex_lock(&c->mu[set % STRIPES]);
	t->epoch = c->epoch[set];
	pthread_mutex_unlock(&c->mu[set % STRIPES]);
	t->all = atomic_load(&c->all);
	t->at = vg_now_seconds();
}

bool vg_rcache_get(struct vg_rcache *c, const char *id, struct vg_buf *out,
                   char unit[VG_HTTP_NAME_MAX])
{
	size_t set = set_of(id);
	struct entry *e = &c->slots[set * WAYS];
	double now = vg_now_seconds();
	bool hit = false;

	pthread_mutex_lock(&c->mu[set % STRIPES]);
	for (int w = 0; w < WAYS && !hit; w++) {
		if (!e[w].id || !current(c, set, &e[w], now) || strcmp(e[w].id, id) != 0)
			continue;
		hit = vg_buf_append(out, e[w].text, e[w].len) == 0;
		if (hit)
			memcpy(unit, e[w].unit, VG_HTTP_NAME_MAX);
	}
	pthread_mutex_unlock(&c->mu[set % STRIPES]);
	return hit;
}

/* The way to fill: the same id, an outdated one, else round robin. */
static int victim(struct vg_rcache *c, size_t set, const char *id, double now)
{
	struct entry *e = &c->slots[set * WAYS];

	for (int w = 0; w < WAYS; w++)
		if (!e[w].id || strcmp(e[w].id, id) == 0)
			return w;
	for (int w = 0; w < WAYS; w++)
		if (!current(c, set, &e[w], now))
			return w;
	return c->next[set]++ % WAYS;
}

void vg_rcache_put(struct vg_rcache *c, const char *id, const struct vg_rcache_ticket *t,
                   const char *unit, const char *text, size_t len)
{
	size_t set = set_of(id);
	struct entry *e;
	char *tx, *k;

	if (len > ENTRY_MAX)
		return;
	tx = vg_xmalloc(len);
	memcpy(tx, text, len);
	k = vg_xstrdup(id);
	pthread_mutex_lock(&c->mu[set % STRIPES]);
	if (t->epoch != c->epoch[set] || t->all != atomic_load(&c->all)) {
		pthread_mutex_unlock(&c->mu[set % STRIPES]); /* a commit raced the read */
		free(tx);
		free(k);
		return;
	}
	e = &c->slots[set * WAYS + victim(c, set, id, t->at)];
	free(e->id);
	free(e->text);
	e->id = k;
	e->text = tx;
	e->len = len;
	e->epoch = t->epoch;
	e->all = t->all;
	e->at = t->at;
	vg_strlcpy(e->unit, unit ? unit : "", sizeof(e->unit));
	pthread_mutex_unlock(&c->mu[set % STRIPES]);
}

void vg_rcache_invalidate(struct vg_rcache *c, const char *id)
{
	size_t set = set_of(id);

	pthread_mutex_lock(&c->mu[set % STRIPES]);
	c->epoch[set]++;
	pthread_mutex_unlock(&c->mu[set % STRIPES]);
}

void vg_rcache_invalidate_all(struct vg_rcache *c)
{
	atomic_fetch_add(&c->all, 1);
}
