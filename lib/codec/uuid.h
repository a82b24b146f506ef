/* UUIDs as tunnel and connector IDs (wire-spec §2.7, §5.4). Pure. */
#ifndef GOST_CODEC_UUID_H
#define GOST_CODEC_UUID_H

#include <stddef.h>
#include <stdint.h>

#define GOST__UUID_LEN 16
#define GOST__UUID_STR_LEN 36 /* canonical text, without the NUL */

/* Lenient parse: hex in any case, with or without the four hyphens, optionally inside
 * braces or after "urn:uuid:". Returns GOST_OK or GOST_EINVAL; out untouched on error. */
int gost__uuid_parse(const char *s, size_t len, uint8_t out[GOST__UUID_LEN]);
/* Canonical lowercase 8-4-4-4-12 text plus NUL: the form hashed for endpoint names. */
void gost__uuid_format(const uint8_t id[GOST__UUID_LEN], char out[GOST__UUID_STR_LEN + 1]);
int gost__uuid_is_zero(const uint8_t id[GOST__UUID_LEN]);
/* Version-4 UUID from 16 caller-supplied random bytes (the codec has no RNG). */
void gost__uuid_v4_from_random(const uint8_t rnd[GOST__UUID_LEN], uint8_t out[GOST__UUID_LEN]);

#endif
