/*
 * auth.h - passwords and tokens (libsodium). Pure functions: no SQL, no HTTP.
 *
 * Passwords are hashed with argon2id at t=2, m=19 MiB, p=1 (OWASP's minimum
 * recommendation), giving libsodium's self-describing "$argon2id$..." string.
 * Tokens are 32 random bytes, shown to their owner once as base64url text;
 * only their BLAKE2b-256 hash is stored.
 */
#ifndef LITECRM_AUTH_H
#define LITECRM_AUTH_H

#include <stddef.h>

#define AUTH_HASH_LEN  128 /* room for an argon2id string, NUL included */
#define AUTH_TOKEN_LEN 48  /* base64url of 32 bytes (43 chars) plus NUL */

/* auth_init initialises libsodium; call once before anything else. 0 or ERR_IO. */
int auth_init(void);

/* auth_password_hash hashes pw into out. Slow (tens of ms). 0 or ERR_NOMEM. */
int auth_password_hash(const char *pw, char out[AUTH_HASH_LEN]);

/* auth_password_verify: 0 when pw matches hash, ERR_UNAUTH otherwise. Slow. */
int auth_password_verify(const char *hash, const char *pw);

/*
 * auth_password_burn spends the time of one verification without a user, so
 * that an unknown username takes as long to refuse as a wrong password.
 */
void auth_password_burn(const char *pw);

/* auth_token_new makes a random token: its text for the user and its hash to store. */
void auth_token_new(char text[AUTH_TOKEN_LEN], unsigned char hash[32]);

/* auth_token_hash hashes a token text; ERR_UNAUTH when it cannot be a token. */
int auth_token_hash(const char *text, unsigned char hash[32]);

/* auth_csrf derives the CSRF token of a session token text: 64 hex digits and NUL. */
void auth_csrf(const char *text, char out[65]);

/* auth_random_password writes a random 16-character password (letters and digits). */
void auth_random_password(char out[17]);

#endif
