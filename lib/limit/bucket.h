/* Token bucket arithmetic (pure: the caller passes the clock). A bucket refills at `rate` units
 * per second up to `burst`; a charge may overdraw it, and the debt is the time the caller must
 * wait (traffic shaping pauses reading instead of splitting reads). rate 0 means unlimited. */
#ifndef GOST_LIMIT_BUCKET_H
#define GOST_LIMIT_BUCKET_H

struct gost_bucket {
  double rate;   /* units per second; 0: unlimited */
  double burst;  /* capacity */
  double tokens; /* may be negative after a charge: debt */
  double last;   /* clock of the last refill */
};

/* A full bucket at time now. */
void gost__bucket_init(struct gost_bucket *b, double rate, double burst, double now);
/* New rate and capacity, keeping the tokens earned so far (clamped to the new capacity). */
void gost__bucket_set(struct gost_bucket *b, double rate, double burst, double now);
/* Takes n units, overdrawing if need be: seconds until the bucket is out of debt (0: none). */
double gost__bucket_charge(struct gost_bucket *b, double n, double now);
/* Takes n units only if that many are there: 1 taken, 0 refused (nothing taken). */
int gost__bucket_take(struct gost_bucket *b, double n, double now);
/* 1 when the bucket is full at now (an idle entry that may be forgotten). */
int gost__bucket_full(struct gost_bucket *b, double now);

#endif
