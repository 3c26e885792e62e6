/*
 * hashmap.h - a small open-addressing index from a hash to an entry number.
 *
 * The table holds neither keys nor values. The caller keeps its entries in an
 * array of its own, numbered 0, 1, 2..., and tells the table each entry's
 * hash and number; a lookup hands back the numbers of the entries stored under
 * the same hash, and the caller compares the keys itself. So the table never
 * frees, copies or compares anything of the caller's, and needs no callbacks:
 *
 *	struct hashmap_iter it;
 *	uint64_t h = hashmap_hash_str(name);
 *	size_t k;
 *
 *	for (k = hashmap_first(&map, h, &it); k != HASHMAP_NONE; k = hashmap_next(&map, &it))
 *		if (!strcmp(v[k].name, name))
 *			return &v[k];
 *	(not there: append it to v as entry n, then)
 *	if (hashmap_add(&map, h, n))
 *		return ERR_NOMEM;
 *
 * The slots keep each entry's full hash, so a lookup compares keys only where
 * the hashes are equal. The hash need not be well mixed (an integer key can
 * be its own hash): the table spreads it by a Fibonacci multiply. Linear
 * probing over a power-of-two capacity, kept at most half full, doubling when
 * an addition would pass that; removal shifts the probe run back, leaving no
 * tombstones. No global state; a zeroed struct hashmap is an empty table.
 */
#ifndef LITECRM_HASHMAP_H
#define LITECRM_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

/* What hashmap_first and hashmap_next return when no entry is left. */
#define HASHMAP_NONE SIZE_MAX

struct hashmap_slot {
	uint64_t hash;
	size_t id; /* the entry's number + 1; 0: a free slot */
};

struct hashmap {
	struct hashmap_slot *slot;
	size_t cap;	/* 0, or a power of two at least twice n */
	size_t n;	/* the entries added and not removed */
	unsigned shift; /* 64 - log2(cap): the hash's top bits pick the home slot */
};

/* A lookup in progress: the hash asked for and the slot last looked at. */
struct hashmap_iter {
	uint64_t hash;
	size_t at;
};

/* hashmap_init makes m an empty table (the same as zeroing it). */
void hashmap_init(struct hashmap *m);

/* hashmap_release frees m's slots (not the caller's entries) and empties it. */
void hashmap_release(struct hashmap *m);

/*
 * hashmap_reserve makes room for n entries in all, so that adding up to n
 * grows nothing. Returns 0, or ERR_NOMEM (m unchanged) when the slots cannot
 * be allocated or their size overflows.
 */
int hashmap_reserve(struct hashmap *m, size_t n);

/*
 * hashmap_add files entry number id (below SIZE_MAX) under hash, doubling the
 * table first when it would be more than half full. It does not look for an
 * entry with an equal key: a caller that wants each key once looks it up
 * first. Returns 0, or ERR_NOMEM with m unchanged.
 */
int hashmap_add(struct hashmap *m, uint64_t hash, size_t id);

/*
 * hashmap_remove takes out of m the entry the lookup it last returned (that
 * must not be HASHMAP_NONE), shifting back the entries probed after it. The
 * lookup ends there: a further hashmap_next is not allowed. The caller's entry
 * itself is the caller's to drop.
 */
void hashmap_remove(struct hashmap *m, struct hashmap_iter *it);

/* hashmap_hash_str is the 64-bit FNV-1a hash of the NUL-terminated s. */
uint64_t hashmap_hash_str(const char *s);

/*
 * hashmap_next returns the number of the next entry filed under it->hash,
 * HASHMAP_NONE when there is none left. Entries come in probe order, which is
 * no order the caller may rely on.
 */
static inline size_t hashmap_next(const struct hashmap *m, struct hashmap_iter *it)
{
	if (!m->cap)
		return HASHMAP_NONE;
	for (;; it->at = (it->at + 1) & (m->cap - 1)) {
		const struct hashmap_slot *s = &m->slot[it->at];

		if (!s->id)
			return HASHMAP_NONE;
		if (s->hash == it->hash) {
			size_t id = s->id - 1;

			it->at = (it->at + 1) & (m->cap - 1);
			return id;
		}
	}
}

/* hashmap_home is the slot where probing for hash starts (cap must not be 0). */
static inline size_t hashmap_home(const struct hashmap *m, uint64_t hash)
{
	return (size_t)((hash * UINT64_C(0x9E3779B97F4A7C15)) >> m->shift);
}

/*
 * hashmap_first starts a lookup of hash in m and returns the number of the
 * first entry filed under it, HASHMAP_NONE when there is none; hashmap_next
 * gives the others. Adding to or removing from m ends the lookup.
 */
static inline size_t hashmap_first(const struct hashmap *m, uint64_t hash, struct hashmap_iter *it)
{
	it->hash = hash;
	it->at = m->cap ? hashmap_home(m, hash) : 0;
	return hashmap_next(m, it);
}

#endif
