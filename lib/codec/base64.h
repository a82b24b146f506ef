/* Standard base64 (RFC 4648 section 4), for HTTP Basic credentials. Pure. */
#ifndef GOST_CODEC_BASE64_H
#define GOST_CODEC_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Encoded size of n bytes, with padding, without a NUL. */
#define GOST__BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)

/* Writes the padded encoding plus a NUL. GOST_EINVAL when cap < encoded length + 1. */
int gost__base64_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *out_len);
/* Decodes with or without padding. GOST_EPROTO on a character outside the alphabet, misplaced
 * padding or an impossible length; GOST_EINVAL when the output does not fit in cap. */
int gost__base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len);

#endif
