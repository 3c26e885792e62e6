/*
 * test_hashmap.c - the open-addressing index: adding and finding, growth
 * across many keys, keys whose hashes all collide, removal, reserving room,
 * and a failed allocation.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "err.h"
#include "hashmap.h"

/*
 * A caller's side as the table's users have it: keys[k] is entry k, and
 * hashfn gives its hash (the identity, a multiply, or a constant to make
 * every key collide).
 */
struct keys {
	struct hashmap map;
	int64_t keys[4096];
	int gone[4096];
	size_t n;
	uint64_t (*hashfn)(int64_t key);
};

static uint64_t hash_identity(int64_t key)
{
	return (uint64_t)key;
}

static uint64_t hash_constant(int64_t key)
{
	(void)key;
	return 42;
}

/* find returns the entry number of key, HASHMAP_NONE when not there. */
static size_t find(const struct keys *t, int64_t key, struct hashmap_iter *it)
{
	size_t k;

	for (k = hashmap_first(&t->map, t->hashfn(key), it); k != HASHMAP_NONE;
	     k = hashmap_next(&t->map, it))
		if (t->keys[k] == key && !t->gone[k])
			return k;
	return HASHMAP_NONE;
}

static void add(struct keys *t, int64_t key)
{
	cr_assert_lt(t->n, sizeof(t->keys) / sizeof(t->keys[0]));
	cr_assert_eq(hashmap_add(&t->map, t->hashfn(key), t->n), 0, "adding key %lld failed",
		     (long long)key);
	t->keys[t->n++] = key;
}

static void expect_found(const struct keys *t, int64_t key, size_t want)
{
	struct hashmap_iter it;
	size_t got = find(t, key, &it);

	cr_expect_eq(got, want, "key %lld: entry %zu, expected %zu", (long long)key, got, want);
}

Test(hashmap, empty_table_finds_nothing)
{
	struct hashmap m = {0};
	struct hashmap_iter it;

	cr_expect_eq(hashmap_first(&m, 7, &it), HASHMAP_NONE);
	cr_expect_eq(hashmap_next(&m, &it), HASHMAP_NONE);
	cr_expect_eq(m.n, 0);
	hashmap_release(&m); /* nothing allocated: nothing to free */
	cr_expect_null(m.slot);
}

Test(hashmap, add_then_find)
{
	struct keys t = {.hashfn = hash_identity};

	add(&t, 10);
	add(&t, -3);
	add(&t, 0);
	expect_found(&t, 10, 0);
	expect_found(&t, -3, 1);
	expect_found(&t, 0, 2);
	expect_found(&t, 11, HASHMAP_NONE);
	cr_expect_eq(t.map.n, 3);
	hashmap_release(&t.map);
}

Test(hashmap, grows_across_many_keys_and_stays_half_full)
{
	struct keys t = {.hashfn = hash_identity};
	size_t cap = 0, doublings = 0;

	for (int64_t i = 0; i < 4000; i++) {
		add(&t, i * 1000003 - 7);
		cr_assert_leq(2 * t.map.n, t.map.cap, "%zu entries in %zu slots", t.map.n,
			      t.map.cap);
		cr_assert_eq(t.map.cap & (t.map.cap - 1), 0, "cap %zu is no power of two",
			     t.map.cap);
		if (t.map.cap != cap) {
			doublings += cap != 0;
			cr_assert(cap == 0 || t.map.cap == 2 * cap, "cap %zu after %zu", t.map.cap,
				  cap);
			cap = t.map.cap;
		}
	}
	cr_expect_eq(t.map.cap, 8192);
	cr_expect_eq(doublings, 9, "16 to 8192 is 9 doublings, got %zu", doublings);
	for (int64_t i = 0; i < 4000; i++)
		expect_found(&t, i * 1000003 - 7, (size_t)i);
	for (int64_t i = 0; i < 4000; i++)
		expect_found(&t, i * 1000003 - 6, HASHMAP_NONE);
	hashmap_release(&t.map);
}

Test(hashmap, colliding_hashes_are_told_apart_by_the_caller)
{
	struct keys t = {.hashfn = hash_constant};
	struct hashmap_iter it;
	size_t k, seen = 0;

	for (int64_t i = 0; i < 100; i++)
		add(&t, i * 3);
	for (int64_t i = 0; i < 100; i++)
		expect_found(&t, i * 3, (size_t)i);
	expect_found(&t, 1, HASHMAP_NONE);
	/* every entry comes back under the one hash, each once */
	for (k = hashmap_first(&t.map, 42, &it); k != HASHMAP_NONE; k = hashmap_next(&t.map, &it))
		seen += k;
	cr_expect_eq(seen, 99 * 100 / 2);
	cr_expect_eq(hashmap_first(&t.map, 43, &it), HASHMAP_NONE);
	hashmap_release(&t.map);
}

/* check_removal adds n keys, removes every third, and checks all the others. */
static void check_removal(uint64_t (*hashfn)(int64_t), int64_t n)
{
	struct keys t = {.hashfn = hashfn};
	struct hashmap_iter it;
	size_t removed = 0;

	for (int64_t i = 0; i < n; i++)
		add(&t, i * 7 + 1);
	for (int64_t i = 0; i < n; i += 3) {
		size_t k = find(&t, i * 7 + 1, &it);

		cr_assert_neq(k, HASHMAP_NONE, "key %lld not found before removal",
			      (long long)(i * 7 + 1));
		hashmap_remove(&t.map, &it);
		t.gone[k] = 1;
		removed++;
	}
	cr_expect_eq(t.map.n, (size_t)n - removed);
	for (int64_t i = 0; i < n; i++)
		expect_found(&t, i * 7 + 1, i % 3 ? (size_t)i : HASHMAP_NONE);
	/* the freed slots take new keys */
	for (int64_t i = 0; i < n; i += 3)
		add(&t, -i - 1);
	for (int64_t i = 0; i < n; i += 3)
		expect_found(&t, -i - 1, t.n - removed + (size_t)(i / 3));
	hashmap_release(&t.map);
}

Test(hashmap, removal_keeps_the_other_keys_reachable)
{
	check_removal(hash_identity, 1000);
}

Test(hashmap, removal_among_colliding_hashes)
{
	check_removal(hash_constant, 200);
}

Test(hashmap, removal_across_the_end_of_the_slots)
{
	struct keys t = {.hashfn = hash_identity};
	struct hashmap_iter it;
	int64_t keys[8];
	size_t nk = 0, k;

	/* keys whose home is the last slot of a 16-slot table: their run wraps to slot 0 */
	cr_assert_eq(hashmap_reserve(&t.map, 8), 0);
	cr_assert_eq(t.map.cap, 16);
	for (int64_t key = 0; nk < 4; key++)
		if (hashmap_home(&t.map, (uint64_t)key) == 15)
			keys[nk++] = key;
	for (size_t i = 0; i < nk; i++)
		add(&t, keys[i]);
	k = find(&t, keys[0], &it);
	cr_assert_eq(k, 0);
	hashmap_remove(&t.map, &it);
	t.gone[0] = 1;
	for (size_t i = 1; i < nk; i++)
		expect_found(&t, keys[i], i);
	cr_expect_eq(hashmap_home(&t.map, t.map.slot[15].hash), 15,
		     "the wrapped entries moved back into slot 15");
	hashmap_release(&t.map);
}

Test(hashmap, strings_by_their_fnv1a_hash)
{
	/* FNV-1a's published values for "" and "a" */
	cr_expect_eq(hashmap_hash_str(""), UINT64_C(0xcbf29ce484222325));
	cr_expect_eq(hashmap_hash_str("a"), UINT64_C(0xaf63dc4c8601ec8c));
	cr_expect_neq(hashmap_hash_str("acme"), hashmap_hash_str("acmf"));
}

Test(hashmap, reserve_makes_room_without_growth)
{
	struct keys t = {.hashfn = hash_identity};
	struct hashmap_slot *slot;

	cr_assert_eq(hashmap_reserve(&t.map, 1000), 0);
	cr_expect_eq(t.map.cap, 2048);
	slot = t.map.slot;
	for (int64_t i = 0; i < 1000; i++)
		add(&t, i);
	cr_expect_eq(t.map.slot, slot, "the slots were allocated again");
	cr_expect_eq(hashmap_reserve(&t.map, 10), 0, "less room than there is: nothing to do");
	cr_expect_eq(t.map.cap, 2048);
	hashmap_release(&t.map);
}

Test(hashmap, a_size_that_overflows_is_refused_and_keeps_the_table)
{
	struct keys t = {.hashfn = hash_identity};

	add(&t, 5);
	cr_expect_eq(hashmap_reserve(&t.map, SIZE_MAX / 2), ERR_NOMEM);
	cr_expect_eq(hashmap_reserve(&t.map, SIZE_MAX / 32 + 1), ERR_NOMEM);
	cr_expect_eq(t.map.cap, 16);
	expect_found(&t, 5, 0);
	add(&t, 6);
	expect_found(&t, 6, 1);
	hashmap_release(&t.map);
}

#if !defined(__SANITIZE_ADDRESS__)
/* vm_bytes is this process's virtual size (/proc/self/statm), 0 when unknown. */
static size_t vm_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return pages * 4096;
}
#endif

/*
 * Growth under an address-space limit a little above what the process uses:
 * the doubling's calloc fails, and the table says ERR_NOMEM and keeps what it
 * had. (Criterion runs each test in a process of its own, so the limit ends
 * with the test. The sanitizers reserve terabytes of address space and cannot
 * run under such a limit.)
 */
Test(hashmap, a_failed_allocation_is_an_error_and_keeps_the_table)
{
#if defined(__SANITIZE_ADDRESS__)
	cr_skip_test("an address-space limit and AddressSanitizer do not mix");
#else
	struct keys t = {.hashfn = hash_identity};
	struct rlimit lim;
	size_t vm, cap;

	for (int64_t i = 0; i < 100; i++)
		add(&t, i);
	cap = t.map.cap;
	vm = vm_bytes();
	if (!vm)
		cr_skip_test("no /proc/self/statm");
	lim.rlim_cur = lim.rlim_max = vm + (8u << 20);
	cr_assert_eq(setrlimit(RLIMIT_AS, &lim), 0);
	/* 2^22 slots of 16 bytes: 64 MiB, over the 8 MiB left */
	cr_expect_eq(hashmap_reserve(&t.map, (size_t)1 << 21), ERR_NOMEM);
	cr_expect_eq(t.map.cap, cap);
	for (int64_t i = 0; i < 100; i++)
		expect_found(&t, i, (size_t)i);
	hashmap_release(&t.map);
#endif
}
