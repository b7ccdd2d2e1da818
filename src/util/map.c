/*
 * map.c - string interning hash map.
 *
 *   slots[cap]  : uint32 id+1 (0 = empty), linear probing, cap a power of 2
 *   hashes[id]  : the 64-bit XXH3 hash of key id (avoids re-hashing on grow)
 *   keys[id]    : pointer into the arena, lens[id] its length
 *
 * Ids are dense and stable: the n-th distinct key inserted gets id n-1.
 * Load factor is kept under 1/2.
 */
#include "vg.h"
#include "util/util.h"

#include <xxhash.h>

struct vg_map {
	uint32_t *slots;
	size_t cap; /* slots, power of two */
	uint64_t *hashes;
	const char **keys;
	uint32_t *lens;
	size_t count, kcap;
	struct vg_arena arena;
};

uint64_t vg_hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

struct vg_map *vg_map_new(size_t expected)
{
	struct vg_map *m = vg_xcalloc(1, sizeof(*m));

	m->cap = 64;
	while (m->cap < expected * 2)
		m->cap *= 2;
	m->slots = vg_xcalloc(m->cap, sizeof(*m->slots));
	vg_arena_init(&m->arena, 256 * 1024);
	return m;
}

void vg_map_free(struct vg_map *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->hashes);
	free(m->keys);
	free(m->lens);
	vg_arena_release(&m->arena);
	free(m);
}

static void rehash(struct vg_map *m)
{
	size_t ncap = m->cap * 2, mask = ncap - 1;
	uint32_t *ns = vg_xcalloc(ncap, sizeof(*ns));

	for (size_t id = 0; id < m->count; id++) {
		size_t i = (size_t)m->hashes[id] & mask;
		while (ns[i])
			i = (i + 1) & mask;
		ns[i] = (uint32_t)id + 1;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

static size_t probe(const struct vg_map *m, uint64_t h, const char *key, size_t len)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;

	for (;;) {
		uint32_t s = m->slots[i];
		if (!s)
			return i;
		s--;
		if (m->hashes[s] == h && m->lens[s] == len && memcmp(m->keys[s], key, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

uint32_t vg_map_find(const struct vg_map *m, const char *key, size_t len)
{
	size_t i = probe(m, vg_hash64(key, len), key, len);

	return m->slots[i] ? m->slots[i] - 1 : UINT32_MAX;
}

uint32_t vg_map_intern(struct vg_map *m, const char *key, size_t len, bool *added)
{
	return vg_map_intern_hashed(m, key, len, vg_hash64(key, len), added);
}

uint32_t vg_map_intern_hashed(struct vg_map *m, const char *key, size_t len, uint64_t h,
                              bool *added)
{
	size_t i = probe(m, h, key, len);
	uint32_t id;

	if (m->slots[i]) {
		if (added)
			*added = false;
		return m->slots[i] - 1;
	}
	if (m->count >= UINT32_MAX - 1 || len > UINT32_MAX)
		vg_die("interning table full");
	id = (uint32_t)m->count;
	if (m->count + 1 > m->kcap) {
		size_t nk = m->kcap ? m->kcap * 2 : 64;
		m->hashes = vg_xreallocarray(m->hashes, nk, sizeof(*m->hashes));
		m->keys = vg_xreallocarray(m->keys, nk, sizeof(*m->keys));
		m->lens = vg_xreallocarray(m->lens, nk, sizeof(*m->lens));
		m->kcap = nk;
	}
	m->hashes[id] = h;
	m->keys[id] = vg_arena_strndup(&m->arena, key, len);
	m->lens[id] = (uint32_t)len;
	m->slots[i] = id + 1;
	m->count++;
	if (m->count * 2 > m->cap)
		rehash(m);
	if (added)
		*added = true;
	return id;
}

uint32_t vg_map_count(const struct vg_map *m)
{
	return (uint32_t)m->count;
}

const char *vg_map_key(const struct vg_map *m, uint32_t id, size_t *len)
{
	if (id >= m->count)
		return NULL;
	if (len)
		*len = m->lens[id];
	return m->keys[id];
}
