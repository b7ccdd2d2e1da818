/*
 * rcache.c - rendered responses of GET /api/v1/cases/{id}, kept in memory.
 *
 * Reading a case costs a SELECT, a JSON decode into a version and an
 * encode back; at tens of thousands of reads a second that is most of the
 * request.  The rendered body is kept here, tagged with the writer's
 * generation taken *before* the database read.  Any commit bumps the
 * generation, so an entry is served only if nothing was committed since it
 * was read: never stale, merely cold after writes.
 *
 *   set = xxh3(case id) & (SETS - 1): WAYS entries, one mutex per set
 *   {id, unit, gen, text, len}         (bodies over ENTRY_MAX not kept)
 *
 * A put replaces the same id, else an entry of an older generation, else
 * the set's entries in turn.
 *
 * The unit is kept so that the caller can apply the reporter's own-unit
 * rule before serving a hit.
 */
#include "vg.h"
#include "util/util.h"
#include "http/http_int.h"

#define SETS 8192
#define WAYS 4
#define SLOTS (SETS * WAYS)
#define STRIPES 256
#define ENTRY_MAX ((size_t)64 << 10)

struct entry {
	char *id, *text;
	size_t len;
	uint64_t gen;
	char unit[VG_HTTP_NAME_MAX];
};

struct vg_rcache {
	struct entry *slots;       /* SETS x WAYS */
	unsigned char *next;       /* per set: the way to replace next */
	pthread_mutex_t mu[STRIPES];
};

struct vg_rcache *vg_rcache_new(void)
{
	struct vg_rcache *c = vg_xcalloc(1, sizeof(*c));

	c->slots = vg_xcalloc(SLOTS, sizeof(*c->slots));
	c->next = vg_xcalloc(SETS, 1);
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
	free(c);
}

static size_t set_of(const char *id)
{
	return (size_t)(vg_hash64(id, strlen(id)) & (SETS - 1));
}

bool vg_rcache_get(struct vg_rcache *c, const char *id, uint64_t gen, struct vg_buf *out,
                   char unit[VG_HTTP_NAME_MAX])
{
	size_t set = set_of(id);
	struct entry *e = &c->slots[set * WAYS];
	bool hit = false;

	pthread_mutex_lock(&c->mu[set % STRIPES]);
	for (int w = 0; w < WAYS && !hit; w++) {
		if (!e[w].id || e[w].gen != gen || strcmp(e[w].id, id) != 0)
			continue;
		hit = vg_buf_append(out, e[w].text, e[w].len) == 0;
		if (hit)
			memcpy(unit, e[w].unit, VG_HTTP_NAME_MAX);
	}
	pthread_mutex_unlock(&c->mu[set % STRIPES]);
	return hit;
}

/* The way to fill: the same id, a stale one, else round robin. */
static int victim(struct vg_rcache *c, size_t set, const char *id, uint64_t gen)
{
	struct entry *e = &c->slots[set * WAYS];

	for (int w = 0; w < WAYS; w++)
		if (!e[w].id || strcmp(e[w].id, id) == 0)
			return w;
	for (int w = 0; w < WAYS; w++)
		if (e[w].gen != gen)
			return w;
	return c->next[set]++ % WAYS;
}

void vg_rcache_put(struct vg_rcache *c, const char *id, uint64_t gen, const char *unit,
                   const char *text, size_t len)
{
	size_t set = set_of(id);
	struct entry *e;
	char *t, *k;

	if (len > ENTRY_MAX)
		return;
	t = vg_xmalloc(len);
	memcpy(t, text, len);
	k = vg_xstrdup(id);
	pthread_mutex_lock(&c->mu[set % STRIPES]);
	e = &c->slots[set * WAYS + victim(c, set, id, gen)];
	free(e->id);
	free(e->text);
	e->id = k;
	e->text = t;
	e->len = len;
	e->gen = gen;
	vg_strlcpy(e->unit, unit ? unit : "", sizeof(e->unit));
	pthread_mutex_unlock(&c->mu[set % STRIPES]);
}
