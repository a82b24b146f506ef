#include "limit/bucket.h"

static void refill(struct gost_bucket *b, double now) {
  if (now > b->last) {
    b->tokens += (now - b->last) * b->rate;
    if (b->tokens > b->burst) b->tokens = b->burst;
  }
  b->last = now;
}

void gost__bucket_init(struct gost_bucket *b, double rate, double burst, double now) {
  b->rate = rate > 0 ? rate : 0;
  b->burst = burst > 0 ? burst : 0;
  b->tokens = b->burst;
  b->last = now;
}

void gost__bucket_set(struct gost_bucket *b, double rate, double burst, double now) {
  if (b->rate > 0) refill(b, now);
  else b->tokens = burst, b->last = now; /* was unlimited: start full */
  b->rate = rate > 0 ? rate : 0;
  b->burst = burst > 0 ? burst : 0;
  if (b->tokens > b->burst) b->tokens = b->burst;
}

double gost__bucket_charge(struct gost_bucket *b, double n, double now) {
  if (b->rate <= 0) return 0;
  refill(b, now);
  b->tokens -= n;
  return b->tokens < 0 ? -b->tokens / b->rate : 0;
}

int gost__bucket_take(struct gost_bucket *b, double n, double now) {
  if (b->rate <= 0) return 1;
  refill(b, now);
  if (b->tokens < n) return 0;
  b->tokens -= n;
  return 1;
}

int gost__bucket_full(struct gost_bucket *b, double now) {
  if (b->rate <= 0) return 1;
  refill(b, now);
  return b->tokens >= b->burst;
}
