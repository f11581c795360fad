// Open-loop HTTP/1.1 load generator for the latency benchmarks (built by bench/lib.mjs with the system cc).
//
// Requests are scheduled before the run at a constant mean rate, with exponential gaps between them (a
// Poisson process: what the sum of many independent clients looks like to a gateway) or even gaps (--even).
// Each scheduled request goes out on the longest-idle keep-alive connection as soon as one is free; a
// request that finds none waits for one. Its latency is counted from its scheduled time, not from when it
// could be sent, so a stall in the proxy shows in full in every request it delayed (no coordinated omission).
// Sends are timed with a timerfd, to the microsecond: h2load's millisecond ticks send in bursts.
//
// usage: openloop --port P --rate R --seconds S [--connections C] [--host H] [--path /] [--even] [--seed N] [--log F]
// --log F writes one line per answered request: scheduled, sent and answered times (CLOCK_MONOTONIC ns, the clock
// `perf record -k mono` uses) and the connection, for lining slow requests up with a scheduler trace (bench/http/tail.mjs).
// prints one JSON object: requests, errors, rate achieved, latency percentiles (ms), the spread of sends per ms.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define BUF 16384

typedef struct {
  int fd;
  long req;     // the request in flight (-1: idle)
  size_t have;  // bytes buffered of the current response
  char buf[BUF];
} conn_t;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "openloop: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

// xorshift64*: a fixed seed gives the same schedule on every run, so contenders face identical arrivals
static uint64_t rng_state = 88172645463325252ULL;
static double uniform01(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

/** The length of a complete response at the start of buf, 0 if incomplete, -1 if it cannot be framed. */
static long response_length(const char *buf, size_t n) {
  const char *end = memmem(buf, n, "\r\n\r\n", 4);
  if (!end) return n >= BUF ? -1 : 0;
  size_t head = (size_t)(end - buf) + 4;
  long body = -1;
  for (const char *p = buf; p < end;) {
    const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
    if (!eol) break;
    if ((size_t)(eol - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) body = strtol(p + 15, NULL, 10);
    p = eol + 2;
  }
  if (body < 0 || head + (size_t)body > BUF) return -1;  // only Content-Length framing: the benchmarks' backends
  return head + (size_t)body <= n ? (long)(head + body) : 0;
}

int main(int argc, char **argv) {
  int port = 0, conns_n = 64, even = 0;
  double rate = 0, seconds = 0;
  const char *host = "localhost", *path = "/", *addr = "127.0.0.1", *log_file = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--even")) { even = 1; continue; }
    if (!v) { fprintf(stderr, "openloop: %s needs a value\n", a); return 2; }
    if (!strcmp(a, "--port")) port = atoi(v);
    else if (!strcmp(a, "--rate")) rate = atof(v);
    else if (!strcmp(a, "--seconds")) seconds = atof(v);
    else if (!strcmp(a, "--connections")) conns_n = atoi(v);
    else if (!strcmp(a, "--host")) host = v;
    else if (!strcmp(a, "--path")) path = v;
    else if (!strcmp(a, "--address")) addr = v;
    else if (!strcmp(a, "--log")) log_file = v;
    else if (!strcmp(a, "--seed")) rng_state = strtoull(v, NULL, 10) * 2654435761ULL + 1;
    else { fprintf(stderr, "openloop: unknown option %s\n", a); return 2; }
    i++;
  }
  if (!port || rate <= 0 || seconds <= 0 || conns_n <= 0) {
    fprintf(stderr, "usage: openloop --port P --rate R --seconds S [--connections C] [--host H] [--path /] [--even] [--seed N]\n");
    return 2;
  }
  long total = (long)(rate * seconds);
  int64_t *sched = malloc(sizeof(int64_t) * total), *sent = malloc(sizeof(int64_t) * total);
  int64_t *lat = malloc(sizeof(int64_t) * total), *answered = calloc((size_t)total, sizeof(int64_t));
  int *conn_of = malloc(sizeof(int) * total);
  conn_t *conns = calloc((size_t)conns_n, sizeof(conn_t));
  int *idle = malloc(sizeof(int) * conns_n);  // ring of idle connections, longest idle first
  if (!sched || !sent || !lat || !answered || !conn_of || !conns || !idle) die("malloc");
  char req[1024];
  int req_len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: openloop\r\nAccept: */*\r\n\r\n", path, host);

  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
  inet_pton(AF_INET, addr, &sa.sin_addr);
  int ep = epoll_create1(0);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  if (ep < 0 || tfd < 0) die("epoll/timerfd");
  struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)conns_n };
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
  for (int i = 0; i < conns_n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns[i].fd = fd;
    conns[i].req = -1;
    idle[i] = i;
    ev.events = EPOLLIN;
    ev.data.u32 = (uint32_t)i;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  int idle_head = 0, idle_n = conns_n;

  int64_t start = now_ns() + 20000000LL;  // 20 ms from now
  double t = 0;
  for (long i = 0; i < total; i++) {
    sched[i] = start + (int64_t)(t * 1e9);
    t += even ? 1.0 / rate : -log(1.0 - uniform01()) / rate;
  }
  long next = 0, done = 0, errors = 0, waited = 0;
  int64_t deadline = sched[total - 1] + 10000000000LL;  // give up 10 s after the last send
  struct epoll_event evs[256];
  while (done + errors < total) {
    int64_t now = now_ns();
    if (now > deadline) break;
    while (next < total && sched[next] <= now && idle_n > 0) {
      int c = idle[idle_head];
      idle_head = (idle_head + 1) % conns_n;
      idle_n--;
      conn_t *k = &conns[c];
      k->req = next;
      k->have = 0;
      sent[next] = now;
      conn_of[next] = c;
      if (now - sched[next] > 1000000) waited++;  // sent over 1 ms late: every connection was busy
      if (write(k->fd, req, (size_t)req_len) != req_len) die("write");
      next++;
    }
    struct itimerspec its = { 0 };
    if (next < total && idle_n > 0) {
      its.it_value.tv_sec = sched[next] / 1000000000LL;
      its.it_value.tv_nsec = sched[next] % 1000000000LL;
    }
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    int n = epoll_wait(ep, evs, 256, 1000);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int e = 0; e < n; e++) {
      uint32_t id = evs[e].data.u32;
      if (id == (uint32_t)conns_n) {
        uint64_t x;
        if (read(tfd, &x, sizeof x) < 0 && errno != EAGAIN) die("timerfd");
        continue;
      }
      conn_t *k = &conns[id];
      ssize_t r = read(k->fd, k->buf + k->have, BUF - k->have);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "openloop: connection %u closed by the server (%s)\n", id, r == 0 ? "EOF" : strerror(errno));
        return 2;
      }
      k->have += (size_t)r;
      long len = response_length(k->buf, k->have);
      if (len < 0) {
        fprintf(stderr, "openloop: a response without Content-Length or over %d bytes\n", BUF);
        return 2;
      }
      if (len == 0) continue;
      if (k->req < 0) {
        fprintf(stderr, "openloop: a response nobody asked for on connection %u\n", id);
        return 2;
      }
      int64_t end = now_ns();
      answered[k->req] = end;
      if (strncmp(k->buf + 9, "2", 1) == 0 || strncmp(k->buf + 9, "3", 1) == 0) lat[done++] = end - sched[k->req];
      else errors++;
      k->req = -1;
      memmove(k->buf, k->buf + len, k->have - (size_t)len);
      k->have -= (size_t)len;
      idle[(idle_head + idle_n) % conns_n] = (int)id;
      idle_n++;
    }
  }
  if (log_file) {
    FILE *f = fopen(log_file, "w");
    if (!f) die(log_file);
    for (long i = 0; i < next; i++) fprintf(f, "%lld %lld %lld %d\n", (long long)sched[i], (long long)sent[i], (long long)answered[i], conn_of[i]);
    fclose(f);
  }
  // spread of sends per millisecond (a smooth open loop: close to the Poisson spread, sqrt of the mean)
  long span_ms = next > 1 ? (long)((sent[next - 1] - sent[0]) / 1000000) + 1 : 1;
  int *per_ms = calloc((size_t)span_ms, sizeof(int));
  for (long i = 0; i < next; i++) per_ms[(sent[i] - sent[0]) / 1000000]++;
  double mean = (double)next / span_ms, var = 0;
  int max_ms = 0;
  for (long i = 0; i < span_ms; i++) {
    var += (per_ms[i] - mean) * (per_ms[i] - mean);
    if (per_ms[i] > max_ms) max_ms = per_ms[i];
  }
  qsort(lat, (size_t)done, sizeof(int64_t), cmp_i64);
#define Q(p) (done ? lat[(long)((p) * done) < done ? (long)((p) * done) : done - 1] / 1e6 : 0)
  double span_s = next > 1 ? (sched[next - 1] - sched[0]) / 1e9 : 1;
  printf("{\"requests\":%ld,\"errors\":%ld,\"unanswered\":%ld,\"rps\":%.1f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f,"
         "\"sentOver1msLate\":%ld,\"pacing\":{\"sendsPerMsMean\":%.2f,\"sendsPerMsSd\":%.2f,\"poissonSd\":%.2f,\"sendsPerMsMax\":%d},"
         "\"arrivals\":\"%s\"}\n",
         done, errors, total - done - errors, done / span_s, Q(0.5), Q(0.9), Q(0.99), Q(0.999), done ? lat[done - 1] / 1e6 : 0,
         waited, mean, sqrt(var / span_ms), sqrt(mean), max_ms, even ? "even" : "poisson");
  return done + errors < total ? 1 : 0;
}
