/* gost-linkemu: a packet-level WAN link emulator for tests and benchmarks on kernels without
 * the netem qdisc. It creates one TUN device in each of two network namespaces and carries every
 * IP packet read from one to the other after a one-way delay, with random loss, reordering
 * (some packets held back longer so later ones overtake them), a rate cap with a bounded queue
 * (tail drop, like a router port) and a link-down switch (SIGUSR1 down, SIGUSR2 up: packets
 * in flight and those sent while down are lost, like a cut cable).
 *
 *   gost-linkemu -A /run/netns/a -B /run/netns/b -a tunA -b tunB [-d ms] [-l pct] [-r pct]
 *                [-j ms] [-R mbit] [-q ms] [-s seed] [-D ms]
 *
 * -d one-way delay per direction, -l loss in percent per packet, -r share of packets reordered
 * (held back by an extra -j ms, default the delay/2), -R rate cap in Mbit/s per direction (0 =
 * none), -q queue limit in ms of backlog at the rate cap (default 50), -s PRNG seed, -D ms:
 * start with the link down for that long (0 = up). Prints "ready" once both devices exist; the
 * caller configures addresses with `ip -n`. On SIGTERM/SIGINT prints counters and exits 0.
 * Needs CAP_NET_ADMIN and /dev/net/tun. Single-threaded: enough for the 100 Mbit/s links of
 * bench-wan (about 8,300 full-size packets a second each way). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MTU_MAX 2048
#define HEAP_MAX (1u << 16) /* packets in flight per direction; beyond it: drop */

struct pkt {
  uint64_t due_ns, seq;
  uint16_t len;
  uint8_t data[MTU_MAX];
};

struct dir {
  int in, out;
  struct pkt **heap; /* min-heap by (due_ns, seq) */
  size_t n;
  uint64_t busy_until; /* rate cap: when the "wire" is free again */
  uint64_t fwd, lost, qdrop, downdrop;
};

static struct {
  uint64_t delay_ns, jitter_ns, queue_ns;
  double loss, reorder, rate_bps;
  uint64_t rng, seq;
} cfg;

static volatile sig_atomic_t link_down, stop;

static void on_signal(int sig) {
  if (sig == SIGUSR1) link_down = 1;
  else if (sig == SIGUSR2) link_down = 0;
  else stop = 1;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible with -s, good enough for loss decisions */
static double rnd(void) {
  cfg.rng ^= cfg.rng >> 12;
  cfg.rng ^= cfg.rng << 25;
  cfg.rng ^= cfg.rng >> 27;
  return (double)((cfg.rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int before(const struct pkt *a, const struct pkt *b) {
  return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void heap_push(struct dir *d, struct pkt *p) {
  size_t i = d->n++;
  d->heap[i] = p;
  while (i && before(d->heap[i], d->heap[(i - 1) / 2])) {
    struct pkt *t = d->heap[i];
    d->heap[i] = d->heap[(i - 1) / 2];
    d->heap[(i - 1) / 2] = t;
    i = (i - 1) / 2;
  }
}

static struct pkt *heap_pop(struct dir *d) {
  struct pkt *top = d->heap[0];
  d->heap[0] = d->heap[--d->n];
  for (size_t i = 0;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < d->n && before(d->heap[l], d->heap[m])) m = l;
    if (r < d->n && before(d->heap[r], d->heap[m])) m = r;
    if (m == i) break;
    struct pkt *t = d->heap[i];
    d->heap[i] = d->heap[m];
    d->heap[m] = t;
    i = m;
  }
  return top;
}

/* Opens a TUN device named name inside the network namespace at nspath. */
static int open_tun(const char *nspath, const char *name) {
  int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int ns = open(nspath, O_RDONLY | O_CLOEXEC);
  if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
    fprintf(stderr, "linkemu: cannot enter %s: %s\n", nspath, strerror(errno));
    exit(2);
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
  if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
    fprintf(stderr, "linkemu: cannot create TUN %s in %s: %s\n", name, nspath, strerror(errno));
    exit(2);
  }
  if (setns(self, CLONE_NEWNET) < 0) exit(2);
  close(self);
  close(ns);
  return fd;
}

/* Reads every waiting packet of d->in and schedules (or drops) it. */
static void ingest(struct dir *d, uint64_t now) {
  for (;;) {
    struct pkt *p = malloc(sizeof *p);
    if (!p) return;
    ssize_t n = read(d->in, p->data, sizeof p->data);
    if (n <= 0) {
      free(p);
      return;
    }
    p->len = (uint16_t)n;
    uint64_t tx_ns = cfg.rate_bps > 0 ? (uint64_t)((double)n * 8e9 / cfg.rate_bps) : 0;
    uint64_t start = d->busy_until > now ? d->busy_until : now;
    if (link_down) {
      d->downdrop++;
      free(p);
    } else if (cfg.loss > 0 && rnd() < cfg.loss) {
      d->lost++;
      free(p);
    } else if ((cfg.rate_bps > 0 && start - now > cfg.queue_ns) || d->n >= HEAP_MAX) {
      d->qdrop++; /* queue full: tail drop, as a router would */
      free(p);
    } else {
      d->busy_until = start + tx_ns;
      p->due_ns = d->busy_until + cfg.delay_ns;
      if (cfg.reorder > 0 && rnd() < cfg.reorder) p->due_ns += cfg.jitter_ns;
      p->seq = cfg.seq++;
      heap_push(d, p);
    }
  }
}

/* Delivers every packet that is due; returns the next due time (UINT64_MAX if none). */
static uint64_t deliver(struct dir *d, uint64_t now) {
  if (link_down)
    while (d->n) {
      free(heap_pop(d));
      d->downdrop++;
    }
  while (d->n && d->heap[0]->due_ns <= now) {
    struct pkt *p = heap_pop(d);
    if (write(d->out, p->data, p->len) == (ssize_t)p->len) d->fwd++;
    else d->qdrop++; /* device queue full or down: lost like on a real wire */
    free(p);
  }
  return d->n ? d->heap[0]->due_ns : UINT64_MAX;
}

static void usage(void) {
  fprintf(stderr, "usage: gost-linkemu -A NSPATH -B NSPATH -a IF -b IF [-d ms] [-l pct] [-r pct] [-j ms]"
                  " [-R mbit] [-q ms] [-s seed] [-D ms]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *nsa = NULL, *nsb = NULL, *ifa = NULL, *ifb = NULL;
  double delay_ms = 0, jitter_ms = -1, queue_ms = 50, down_ms = 0;
  cfg.rng = 0x9e3779b97f4a7c15ull;
  int c;
  while ((c = getopt(argc, argv, "A:B:a:b:d:l:r:j:R:q:s:D:")) != -1) {
    switch (c) {
    case 'A': nsa = optarg; break;
    case 'B': nsb = optarg; break;
    case 'a': ifa = optarg; break;
    case 'b': ifb = optarg; break;
    case 'd': delay_ms = atof(optarg); break;
    case 'l': cfg.loss = atof(optarg) / 100; break;
    case 'r': cfg.reorder = atof(optarg) / 100; break;
    case 'j': jitter_ms = atof(optarg); break;
    case 'R': cfg.rate_bps = atof(optarg) * 1e6; break;
    case 'q': queue_ms = atof(optarg); break;
    case 's': cfg.rng = strtoull(optarg, NULL, 0) | 1; break;
    case 'D': down_ms = atof(optarg); break;
    default: usage();
    }
  }
  if (!nsa || !nsb || !ifa || !ifb || delay_ms < 0 || cfg.loss < 0 || cfg.loss > 1 || queue_ms < 0) usage();
  if (jitter_ms < 0) jitter_ms = delay_ms / 2 > 1 ? delay_ms / 2 : 1;
  cfg.delay_ns = (uint64_t)(delay_ms * 1e6);
  cfg.jitter_ns = (uint64_t)(jitter_ms * 1e6);
  cfg.queue_ns = (uint64_t)(queue_ms * 1e6);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGUSR2, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  struct dir d[2];
  memset(d, 0, sizeof d);
  int fa = open_tun(nsa, ifa), fb = open_tun(nsb, ifb);
  d[0].in = fa, d[0].out = fb; /* a -> b */
  d[1].in = fb, d[1].out = fa; /* b -> a */
  for (int i = 0; i < 2; i++)
    if (!(d[i].heap = calloc(HEAP_MAX, sizeof *d[i].heap))) return 2;
  if (down_ms > 0) link_down = 1;
  uint64_t up_at = down_ms > 0 ? now_ns() + (uint64_t)(down_ms * 1e6) : 0;
  printf("ready\n");
  fflush(stdout);

  while (!stop) {
    uint64_t now = now_ns();
    if (up_at && now >= up_at) link_down = 0, up_at = 0;
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < 2; i++) {
      uint64_t t = deliver(&d[i], now);
      if (t < next) next = t;
    }
    if (up_at && up_at < next) next = up_at;
    struct pollfd pfd[2] = {{fa, POLLIN, 0}, {fb, POLLIN, 0}};
    struct timespec ts, *tsp = NULL;
    if (next != UINT64_MAX) {
      uint64_t wait = next > now ? next - now : 0;
      ts.tv_sec = (time_t)(wait / 1000000000u);
      ts.tv_nsec = (long)(wait % 1000000000u);
      tsp = &ts;
    }
    int n = ppoll(pfd, 2, tsp, NULL);
    if (n < 0 && errno != EINTR) break;
    now = now_ns();
    if (n > 0) {
      if (pfd[0].revents & POLLIN) ingest(&d[0], now);
      if (pfd[1].revents & POLLIN) ingest(&d[1], now);
    }
  }
  for (int i = 0; i < 2; i++) {
    fprintf(stderr, "linkemu %s: forwarded %llu lost %llu queue-dropped %llu down-dropped %llu\n",
            i ? "b->a" : "a->b", (unsigned long long)d[i].fwd, (unsigned long long)d[i].lost,
            (unsigned long long)d[i].qdrop, (unsigned long long)d[i].downdrop);
    while (d[i].n) free(heap_pop(&d[i]));
    free(d[i].heap);
  }
  return 0;
}
