/*
 * hashmap.c - the growth, removal and hashing of the open-addressing index
 * described in hashmap.h (the lookups are inline there).
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hashmap.h"

/* The smallest table allocated: 16 slots, room for 8 entries. */
#define MIN_CAP 16

void hashmap_init(struct hashmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hashmap_release(struct hashmap *m)
{
	free(m->slot);
	hashmap_init(m);
}

/*
 * rehash moves m's entries into a new table of cap slots (a power of two of
 * at least MIN_CAP, and at least twice m->n): 0, or ERR_NOMEM with m as it was.
 */
static int rehash(struct hashmap *m, size_t cap)
{
	struct hashmap new = {0};

	new.slot = calloc(cap, sizeof(*new.slot));
	if (!new.slot)
		return ERR_NOMEM;
	new.cap = cap;
	new.n = m->n;
	new.shift = 64;
	while (cap > 1) {
		new.shift--;
		cap >>= 1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t at;

		if (!m->slot[i].id)
			continue;
		at = hashmap_home(&new, m->slot[i].hash);
		while (new.slot[at].id)
			at = (at + 1) & (new.cap - 1);
		new.slot[at] = m->slot[i];
	}
	free(m->slot);
	*m = new;
	return 0;
}

int hashmap_reserve(struct hashmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : MIN_CAP;

	if (n > SIZE_MAX / 2 / sizeof(*m->slot))
		return ERR_NOMEM; /* 2n slots would not fit in memory */
	while (cap < 2 * n)
		cap *= 2;
	return cap == m->cap ? 0 : rehash(m, cap);
}

int hashmap_add(struct hashmap *m, uint64_t hash, size_t id)
{
	size_t at;

	if (2 * (m->n + 1) > m->cap && rehash(m, m->cap ? 2 * m->cap : MIN_CAP))
		return ERR_NOMEM;
	at = hashmap_home(m, hash);
	while (m->slot[at].id)
		at = (at + 1) & (m->cap - 1);
	m->slot[at].hash = hash;
	m->slot[at].id = id + 1;
	m->n++;
	return 0;
}

/*
 * Removal without tombstones: each entry after the freed slot in the same
 * probe run moves back into it when the freed slot lies between its home
 * and where it is now (cyclically), so every entry stays reachable from its
 * home without crossing a free slot.
 */
void hashmap_remove(struct hashmap *m, struct hashmap_iter *it)
{
	size_t mask = m->cap - 1, hole = (it->at - 1) & mask, at = hole;

	for (;;) {
		at = (at + 1) & mask;
		if (!m->slot[at].id)
			break;
		if (((at - hashmap_home(m, m->slot[at].hash)) & mask) >= ((at - hole) & mask)) {
			m->slot[hole] = m->slot[at];
			hole = at;
		}
	}
	m->slot[hole].id = 0;
	m->slot[hole].hash = 0;
	m->n--;
}

uint64_t hashmap_hash_str(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}
