/* smux frame header codec (wire-spec §3.2): VER, CMD, LENGTH u16le, SID u32le. Pure code. */
#ifndef GOST_CODEC_SMUX_FRAME_H
#define GOST_CODEC_SMUX_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define GOST_SMUX_HDR_LEN 8
#define GOST_SMUX_UPD_LEN 8 /* UPD payload: consumed u32le, window u32le */

enum gost_smux_cmd {
  GOST_SMUX_SYN = 0,
  GOST_SMUX_FIN = 1,
  GOST_SMUX_PSH = 2,
  GOST_SMUX_NOP = 3,
  GOST_SMUX_UPD = 4, /* version 2 only */
};

struct gost_smux_frame {
  uint8_t version; /* 1 or 2 */
  uint8_t cmd;     /* enum gost_smux_cmd */
  uint16_t length; /* payload bytes after the header */
  uint32_t sid;
};

/* Writes the 8 header bytes. GOST_EINVAL when the header would not pass decode
 * (bad version, cmd invalid for the version, wrong length for the cmd). */
int gost__smux_frame_encode(uint8_t out[GOST_SMUX_HDR_LEN], const struct gost_smux_frame *f);

/* Decodes a header from the first len bytes of in, for a session configured with version.
 * GOST_OK, GOST_EAGAIN when len < 8, GOST_EPROTO on a version mismatch, an unknown cmd,
 * UPD on v1, UPD length != 8, or a payload on SYN/FIN/NOP. */
int gost__smux_frame_decode(struct gost_smux_frame *f, const uint8_t *in, size_t len, uint8_t version);

void gost__smux_upd_encode(uint8_t out[GOST_SMUX_UPD_LEN], uint32_t consumed, uint32_t window);
void gost__smux_upd_decode(const uint8_t in[GOST_SMUX_UPD_LEN], uint32_t *consumed, uint32_t *window);

#endif
