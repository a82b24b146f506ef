#include "codec/smux_frame.h"

#include "gost/error.h"

static void put_u16le(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_u32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Shared by encode and decode so that we never emit what we would refuse. */
static int check(uint8_t version, uint8_t cmd, uint16_t length) {
  switch (cmd) {
  case GOST_SMUX_SYN:
  case GOST_SMUX_FIN:
  case GOST_SMUX_NOP:
    /* Stock peers never send a payload here; Go would misparse one, so refuse it. */
    return length == 0 ? GOST_OK : GOST_EPROTO;
  case GOST_SMUX_PSH:
    return GOST_OK;
  case GOST_SMUX_UPD:
    return version == 2 && length == GOST_SMUX_UPD_LEN ? GOST_OK : GOST_EPROTO;
  default:
    return GOST_EPROTO;
  }
}

int gost__smux_frame_encode(uint8_t out[GOST_SMUX_HDR_LEN], const struct gost_smux_frame *f) {
  if ((f->version != 1 && f->version != 2) || check(f->version, f->cmd, f->length) != GOST_OK)
    return GOST_EINVAL;
  out[0] = f->version;
  out[1] = f->cmd;
  put_u16le(out + 2, f->length);
  put_u32le(out + 4, f->sid);
  return GOST_OK;
}

int gost__smux_frame_decode(struct gost_smux_frame *f, const uint8_t *in, size_t len, uint8_t version) {
  if (len < GOST_SMUX_HDR_LEN) return GOST_EAGAIN;
  if (in[0] != version) return GOST_EPROTO;
  f->version = in[0];
  f->cmd = in[1];
  f->length = (uint16_t)(in[2] | in[3] << 8);
  f->sid = get_u32le(in + 4);
  return check(f->version, f->cmd, f->length);
}

void gost__smux_upd_encode(uint8_t out[GOST_SMUX_UPD_LEN], uint32_t consumed, uint32_t window) {
  put_u32le(out, consumed);
  put_u32le(out + 4, window);
}

void gost__smux_upd_decode(const uint8_t in[GOST_SMUX_UPD_LEN], uint32_t *consumed, uint32_t *window) {
  *consumed = get_u32le(in);
  *window = get_u32le(in + 4);
}
