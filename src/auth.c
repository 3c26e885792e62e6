/*
 * auth.c - argon2id password hashing and random tokens with libsodium.
 */
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "err.h"

#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024u * 1024u)

/* A fixed hash of a random password, verified against when the user is unknown. */
static char burn_hash[AUTH_HASH_LEN];

int auth_init(void)
{
	if (sodium_init() < 0)
		return ERR_IO;
	return 0;
}

int auth_password_hash(const char *pw, char out[AUTH_HASH_LEN])
{
	char tmp[crypto_pwhash_STRBYTES];

	if (crypto_pwhash_str_alg(tmp, pw, strlen(pw), PW_OPSLIMIT, PW_MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ERR_NOMEM;
	memcpy(out, tmp, sizeof(tmp) < AUTH_HASH_LEN ? sizeof(tmp) : AUTH_HASH_LEN);
	out[AUTH_HASH_LEN - 1] = '\0';
	return 0;
}

int auth_password_verify(const char *hash, const char *pw)
{
	if (crypto_pwhash_str_verify(hash, pw, strlen(pw)) != 0)
		return ERR_UNAUTH;
	return 0;
}

void auth_password_burn(const char *pw)
{
	/* The hash is made once; a benign race makes at most two of them. */
	if (!burn_hash[0]) {
		char tmp[AUTH_HASH_LEN];
		char pwr[17];

		auth_random_password(pwr);
		if (auth_password_hash(pwr, tmp) == 0)
			memcpy(burn_hash, tmp, sizeof(tmp));
	}
	if (burn_hash[0] && crypto_pwhash_str_verify(burn_hash, pw, strlen(pw)) == 0)
		burn_hash[0] = '\0'; /* guessed a random password: make a new one next time */
}

void auth_token_new(char text[AUTH_TOKEN_LEN], unsigned char hash[32])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(text, AUTH_TOKEN_LEN, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(hash, 32, (const unsigned char *)text, strlen(text), NULL, 0);
	sodium_memzero(raw, sizeof(raw));
}

int auth_token_hash(const char *text, unsigned char hash[32])
{
	size_t len = strlen(text);

	if (len != 43)
		return ERR_UNAUTH;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return ERR_UNAUTH;
	}
	crypto_generichash(hash, 32, (const unsigned char *)text, len, NULL, 0);
	return 0;
}

void auth_csrf(const char *text, char out[65])
{
	static const unsigned char key[] = "litecrm csrf token derivation v1";
	unsigned char mac[32];

	crypto_generichash(mac, sizeof(mac), (const unsigned char *)text, strlen(text), key,
			   sizeof(key) - 1);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
}

void auth_random_password(char out[17])
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

	for (int i = 0; i < 16; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[16] = '\0';
}
