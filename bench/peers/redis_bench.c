// redis_bench: the omnistock reservation workloads against Redis, a closed-loop load generator.
//
//   redis_bench load --workload uniform|skewed|flash [--port P]
//       Writes the catalog: every position a hash inv:<sku>:<location> {on_hand, reserved 0}
//       (10,000 SKUs x 50 locations at 1,000,000, or the one flash position at 100,000),
//       with pipelined HSETs.
//   redis_bench run --workload W --clients N --duration S --warmup S [--port P]
//       N threads, each with its own connection, each sending one EVALSHA of the reserve script
//       at a time and the next as soon as the reply is in (no pipelining). Prints one JSON
//       object on stdout: ops/s, ok / stock-out / other-error counts and the latency
//       percentiles of the ops that completed in the measured window; for flash, the
//       no-oversell check. Progress goes to stderr every 5 s.
//
// Built by bench/peers/redis.sh:  gcc -O2 -pthread redis_bench.c -lhiredis -lm
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// KEYS[1..n]: the positions of the order's lines (distinct), KEYS[n+1]: the reservation record.
// ARGV[1..n]: the quantities. All-or-nothing: every line is checked before any is touched, and
// a script runs alone in Redis, so nothing can change in between. Returns 1 (reserved) or 0
// (a line cannot be covered: nothing changed).
static const char kReserveLua[] =
    "local n = #KEYS - 1\n"
    "if redis.call('EXISTS', KEYS[n + 1]) == 1 then\n"
    "  return redis.error_reply('ERR duplicate reservation ' .. KEYS[n + 1])\n"
    "end\n"
    "for i = 1, n do\n"
    "  local v = redis.call('HMGET', KEYS[i], 'on_hand', 'reserved')\n"
    "  if not v[1] then return redis.error_reply('ERR unknown position ' .. KEYS[i]) end\n"
    "  if tonumber(v[1]) - tonumber(v[2]) < tonumber(ARGV[i]) then return 0 end\n"
    "end\n"
    "local record = {}\n"
    "for i = 1, n do\n"
    "  redis.call('HINCRBY', KEYS[i], 'reserved', ARGV[i])\n"
    "  record[#record + 1] = KEYS[i]\n"
    "  record[#record + 1] = ARGV[i]\n"
    "end\n"
    "redis.call('HSET', KEYS[n + 1], unpack(record))\n"
    "return 1\n";

enum Workload { kUniform, kSkewed, kFlash };

static struct {
  const char* mode;
  const char* host;
  int port;
  enum Workload workload;
  const char* workload_name;
  int skus;
  int locations;
  long long on_hand;
  int clients;
  int duration;
  int warmup;
  uint64_t seed;
  double zipf_s;
  const char* system;
  const char* variant;
} cfg = {
    .host = "127.0.0.1", .port = 56379, .workload = kUniform, .workload_name = "uniform",
    .skus = 10000, .locations = 50, .on_hand = -1, .clients = 16, .duration = 30, .warmup = 5,
    .seed = 42, .zipf_s = 0.99, .system = "redis", .variant = "lua",
};

static void die(const char* fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "redis_bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void position_key(char* buf, size_t size, int sku, int location) {
  snprintf(buf, size, "inv:SKU-%06d:%d", sku, location);
}

static redisContext* connect_or_die(void) {
  struct timeval tv = {5, 0};
  redisContext* c = redisConnectWithTimeout(cfg.host, cfg.port, tv);
  if (c == NULL || c->err) die("cannot connect to %s:%d: %s", cfg.host, cfg.port, c ? c->errstr : "out of memory");
  return c;
}

static redisReply* command_or_die(redisContext* c, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  redisReply* r = redisvCommand(c, fmt, ap);
  va_end(ap);
  if (r == NULL) die("command failed: %s", c->errstr);
  if (r->type == REDIS_REPLY_ERROR) die("command failed: %s", r->str);
  return r;
}

// ------------------------------------------------------------------------------------------
// load

static void load(void) {
  redisContext* c = connect_or_die();
  int skus = cfg.workload == kFlash ? 1 : cfg.skus;
  int locations = cfg.workload == kFlash ? 1 : cfg.locations;
  long long on_hand = cfg.on_hand >= 0 ? cfg.on_hand : (cfg.workload == kFlash ? 100000 : 1000000);
  const int batch = 1000;
  long long pending = 0, total = 0;
  char key[64];
  for (int s = 1; s <= skus; ++s) {
    for (int l = 1; l <= locations; ++l) {
      position_key(key, sizeof key, s, l);
      redisAppendCommand(c, "HSET %s on_hand %lld reserved 0", key, on_hand);
      if (++pending == batch) {
        for (; pending > 0; --pending) {
          redisReply* r;
          if (redisGetReply(c, (void**)&r) != REDIS_OK) die("load failed: %s", c->errstr);
          if (r->type == REDIS_REPLY_ERROR) die("load failed: %s", r->str);
          freeReplyObject(r);
        }
      }
      ++total;
    }
  }
  for (; pending > 0; --pending) {
    redisReply* r;
    if (redisGetReply(c, (void**)&r) != REDIS_OK) die("load failed: %s", c->errstr);
    if (r->type == REDIS_REPLY_ERROR) die("load failed: %s", r->str);
    freeReplyObject(r);
  }
  redisReply* r = command_or_die(c, "DBSIZE");
  fprintf(stderr, "redis_bench: loaded %lld positions (on_hand %lld), DBSIZE %lld\n", total, on_hand, r->integer);
  freeReplyObject(r);
  redisFree(c);
}

// ------------------------------------------------------------------------------------------
// run

typedef struct {
  uint64_t s;
} Rng;

static uint64_t rng_next(Rng* r) {  // splitmix64
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double rng_unit(Rng* r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
static int rng_int(Rng* r, int lo, int hi) { return lo + (int)(rng_unit(r) * (hi - lo + 1)); }

static double* zipf_cdf;  // zipf_cdf[k - 1] = P(rank <= k), exact

static void build_zipf(void) {
  zipf_cdf = malloc(sizeof(double) * (size_t)cfg.skus);
  if (!zipf_cdf) die("out of memory");
  double sum = 0;
  for (int k = 1; k <= cfg.skus; ++k) {
    sum += pow((double)k, -cfg.zipf_s);
    zipf_cdf[k - 1] = sum;
  }
  for (int k = 0; k < cfg.skus; ++k) zipf_cdf[k] /= sum;
  zipf_cdf[cfg.skus - 1] = 1.0;
}

static int draw_sku(Rng* r) {
  if (cfg.workload != kSkewed) return rng_int(r, 1, cfg.skus);
  double u = rng_unit(r);
  int lo = 0, hi = cfg.skus - 1;  // first k with cdf[k] > u
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (zipf_cdf[mid] > u) hi = mid; else lo = mid + 1;
  }
  return lo + 1;
}

typedef struct {
  int id;
  pthread_t thread;
  redisContext* ctx;
  // every op of the run, warmup included (what the flash check compares with the store)
  uint64_t attempts_total, successes_total;
  // ops that completed in the measured window
  uint64_t ok, stock_out, other;
  uint64_t* lat;  // ns
  size_t lat_n, lat_cap;
  uint64_t progress;  // completed ops, read by the progress reporter
  int first_errors_printed;
} Client;

static char script_sha[64];
static pthread_barrier_t start_barrier;
static uint64_t t_start, t_warm_end, t_end;

static void record_latency(Client* c, uint64_t ns) {
  if (c->lat_n == c->lat_cap) {
    c->lat_cap = c->lat_cap ? c->lat_cap * 2 : 1 << 16;
    c->lat = realloc(c->lat, c->lat_cap * sizeof(uint64_t));
    if (!c->lat) die("out of memory");
  }
  c->lat[c->lat_n++] = ns;
}

static void* client_main(void* arg) {
  Client* c = arg;
  Rng rng = {cfg.seed ^ (0xD1B54A32D192ED03ull * (uint64_t)(c->id + 1))};
  char keys[4][64];
  const char* argv[3 + 4 + 3];
  size_t argvlen[3 + 4 + 3];
  char numkeys[16];
  uint64_t counter = 0;
  int sku[3], loc[3];

  pthread_barrier_wait(&start_barrier);
  for (;;) {
    uint64_t t0 = now_ns();
    if (t0 >= t_end) break;
    int n;
    if (cfg.workload == kFlash) {
      n = 1;
      sku[0] = 1;
      loc[0] = 1;
    } else {
      // 1-3 lines, each a distinct (sku, location): a repeat is drawn again (as omnistock-bench).
      n = rng_int(&rng, 1, 3);
      for (int i = 0; i < n;) {
        sku[i] = draw_sku(&rng);
        loc[i] = rng_int(&rng, 1, cfg.locations);
        int repeat = 0;
        for (int j = 0; j < i; ++j) repeat |= (sku[j] == sku[i] && loc[j] == loc[i]);
        if (!repeat) ++i;
      }
    }
    int argc = 0;
    argv[argc++] = "EVALSHA";
    argv[argc++] = script_sha;
    snprintf(numkeys, sizeof numkeys, "%d", n + 1);
    argv[argc++] = numkeys;
    for (int i = 0; i < n; ++i) {
      position_key(keys[i], sizeof keys[i], sku[i], loc[i]);
      argv[argc++] = keys[i];
    }
    snprintf(keys[3], sizeof keys[3], "res:c%d:%" PRIu64, c->id, ++counter);
    argv[argc++] = keys[3];
    for (int i = 0; i < n; ++i) argv[argc++] = "1";  // quantity
    for (int i = 0; i < argc; ++i) argvlen[i] = strlen(argv[i]);

    redisReply* r = redisCommandArgv(c->ctx, argc, argv, argvlen);
    uint64_t t1 = now_ns();
    int outcome;  // 0 ok, 1 stock-out, 2 other error
    if (r == NULL) {
      outcome = 2;
      if (c->first_errors_printed++ < 3) fprintf(stderr, "redis_bench: client %d: %s\n", c->id, c->ctx->errstr);
      if (redisReconnect(c->ctx) != REDIS_OK) {
        fprintf(stderr, "redis_bench: client %d: reconnect failed (%s), stopping\n", c->id, c->ctx->errstr);
        c->attempts_total++;
        if (t1 >= t_warm_end && t1 < t_end) c->other++;
        break;
      }
    } else if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
      outcome = 0;
    } else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) {
      outcome = 1;
    } else {
      outcome = 2;
      if (c->first_errors_printed++ < 3)
        fprintf(stderr, "redis_bench: client %d: unexpected reply: %s\n", c->id,
                r->type == REDIS_REPLY_ERROR ? r->str : "(not an integer)");
    }
    if (r) freeReplyObject(r);
    c->attempts_total++;
    if (outcome == 0) c->successes_total++;
    if (t1 >= t_warm_end && t1 < t_end) {
      if (outcome == 0) c->ok++;
      else if (outcome == 1) c->stock_out++;
      else c->other++;
      record_latency(c, t1 - t0);
    }
    __atomic_store_n(&c->progress, c->attempts_total, __ATOMIC_RELAXED);
  }
  return NULL;
}

static int cmp_u64(const void* a, const void* b) {
  uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
  return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t* v, size_t n, double q) {
  size_t rank = (size_t)ceil(q * (double)n);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return (double)v[rank - 1] / 1e6;
}

static void run(void) {
  if (cfg.clients < 1) die("--clients must be >= 1");
  if (cfg.workload == kSkewed) build_zipf();

  redisContext* admin = connect_or_die();
  redisReply* r = command_or_die(admin, "SCRIPT LOAD %s", kReserveLua);
  snprintf(script_sha, sizeof script_sha, "%s", r->str);
  freeReplyObject(r);

  Client* clients = calloc((size_t)cfg.clients, sizeof(Client));
  if (!clients) die("out of memory");
  for (int i = 0; i < cfg.clients; ++i) {
    clients[i].id = i;
    clients[i].ctx = connect_or_die();
  }
  pthread_barrier_init(&start_barrier, NULL, (unsigned)cfg.clients + 1);
  for (int i = 0; i < cfg.clients; ++i) {
    if (pthread_create(&clients[i].thread, NULL, client_main, &clients[i]) != 0) die("pthread_create failed");
  }
  t_start = now_ns();
  t_warm_end = t_start + (uint64_t)cfg.warmup * 1000000000ull;
  t_end = t_warm_end + (uint64_t)cfg.duration * 1000000000ull;
  pthread_barrier_wait(&start_barrier);  // publishes the times to the clients

  uint64_t last = 0, next_report = t_start + 5000000000ull;
  while (now_ns() < t_end) {
    usleep(100000);
    uint64_t t = now_ns();
    if (t >= next_report && t < t_end) {
      uint64_t sum = 0;
      for (int i = 0; i < cfg.clients; ++i) sum += __atomic_load_n(&clients[i].progress, __ATOMIC_RELAXED);
      fprintf(stderr, "progress: %.1f s, %.1f ops/s\n", (double)(t - t_start) / 1e9, (double)(sum - last) / 5.0);
      last = sum;
      next_report += 5000000000ull;
    }
  }
  uint64_t attempts = 0, successes = 0, ok = 0, stock_out = 0, other = 0;
  size_t n = 0;
  for (int i = 0; i < cfg.clients; ++i) {
    pthread_join(clients[i].thread, NULL);
    Client* c = &clients[i];
    attempts += c->attempts_total;
    successes += c->successes_total;
    ok += c->ok;
    stock_out += c->stock_out;
    other += c->other;
    n += c->lat_n;
  }
  uint64_t* all = malloc(sizeof(uint64_t) * (n ? n : 1));
  if (!all) die("out of memory");
  size_t k = 0;
  double sum_ns = 0;
  for (int i = 0; i < cfg.clients; ++i) {
    memcpy(all + k, clients[i].lat, clients[i].lat_n * sizeof(uint64_t));
    k += clients[i].lat_n;
  }
  qsort(all, n, sizeof(uint64_t), cmp_u64);
  for (size_t i = 0; i < n; ++i) sum_ns += (double)all[i];
  uint64_t ops = ok + stock_out + other;

  int skus = cfg.workload == kFlash ? 1 : cfg.skus;
  int locations = cfg.workload == kFlash ? 1 : cfg.locations;
  long long on_hand = cfg.on_hand >= 0 ? cfg.on_hand : (cfg.workload == kFlash ? 100000 : 1000000);

  printf("{\"system\":\"%s\",\"variant\":\"%s\",\"workload\":\"%s\",\"clients\":%d,"
         "\"duration_s\":%d,\"warmup_s\":%d,\"measured_s\":%d,"
         "\"ops\":%" PRIu64 ",\"ops_per_s\":%.1f,\"ok\":%" PRIu64 ","
         "\"errors\":{\"total\":%" PRIu64 ",\"stock_out\":%" PRIu64 ",\"other\":%" PRIu64 "},",
         cfg.system, cfg.variant, cfg.workload_name, cfg.clients, cfg.duration, cfg.warmup, cfg.duration,
         ops, (double)ops / cfg.duration, ok, stock_out + other, stock_out, other);
  if (n > 0) {
    printf("\"latency_ms\":{\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"p99_9\":%.4f,\"max\":%.4f,\"mean\":%.4f},",
           pct_ms(all, n, 0.50), pct_ms(all, n, 0.90), pct_ms(all, n, 0.99), pct_ms(all, n, 0.999),
           (double)all[n - 1] / 1e6, sum_ns / (double)n / 1e6);
  } else {
    printf("\"latency_ms\":{\"p50\":null,\"p90\":null,\"p99\":null,\"p99_9\":null,\"max\":null,\"mean\":null},");
  }
  printf("\"attempts_total\":%" PRIu64 ",\"successes_total\":%" PRIu64 ","
         "\"skus\":%d,\"locations\":%d,\"positions\":%lld,\"on_hand_per_position\":%lld,",
         attempts, successes, skus, locations, (long long)skus * locations, on_hand);
  if (cfg.workload == kFlash) {
    char key[64];
    position_key(key, sizeof key, 1, 1);
    r = command_or_die(admin, "HGET %s reserved", key);
    long long reserved = r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;
    freeReplyObject(r);
    r = command_or_die(admin, "DBSIZE");
    long long records = r->integer - 1;  // every key but the position is a reservation record
    freeReplyObject(r);
    uint64_t expected = attempts < (uint64_t)on_hand ? attempts : (uint64_t)on_hand;
    int passed = successes == (uint64_t)reserved && (uint64_t)reserved == expected && records == reserved;
    printf("\"flash_check\":{\"name\":\"flash: successes == reserved == min(attempts, on_hand)\","
           "\"passed\":%s,\"attempts\":%" PRIu64 ",\"successes\":%" PRIu64 ",\"reserved\":%lld,"
           "\"expected\":%" PRIu64 ",\"records\":%lld}}\n",
           passed ? "true" : "false", attempts, successes, reserved, expected, records);
  } else {
    printf("\"flash_check\":null}\n");
  }
  fflush(stdout);
  for (int i = 0; i < cfg.clients; ++i) {
    redisFree(clients[i].ctx);
    free(clients[i].lat);
  }
  free(clients);
  free(all);
  redisFree(admin);
}

static void usage(void) {
  fprintf(stderr,
          "usage: redis_bench load|run [--host H] [--port P] [--workload uniform|skewed|flash]\n"
          "         [--skus N] [--locations N] [--on-hand N] [--clients N] [--duration S]\n"
          "         [--warmup S] [--seed N] [--zipf-s S] [--system NAME] [--variant NAME]\n");
  exit(2);
}

int main(int argc, char** argv) {
  if (argc < 2) usage();
  cfg.mode = argv[1];
  static const struct option opts[] = {
      {"host", required_argument, 0, 'h'},     {"port", required_argument, 0, 'p'},
      {"workload", required_argument, 0, 'w'}, {"skus", required_argument, 0, 's'},
      {"locations", required_argument, 0, 'l'}, {"on-hand", required_argument, 0, 'o'},
      {"clients", required_argument, 0, 'c'},  {"duration", required_argument, 0, 'd'},
      {"warmup", required_argument, 0, 'W'},   {"seed", required_argument, 0, 'S'},
      {"zipf-s", required_argument, 0, 'z'},   {"system", required_argument, 0, 'y'},
      {"variant", required_argument, 0, 'v'},  {0, 0, 0, 0}};
  optind = 2;
  int ch;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
      case 'h': cfg.host = optarg; break;
      case 'p': cfg.port = atoi(optarg); break;
      case 'w':
        cfg.workload_name = optarg;
        if (strcmp(optarg, "uniform") == 0) cfg.workload = kUniform;
        else if (strcmp(optarg, "skewed") == 0) cfg.workload = kSkewed;
        else if (strcmp(optarg, "flash") == 0) cfg.workload = kFlash;
        else die("unknown workload '%s'", optarg);
        break;
      case 's': cfg.skus = atoi(optarg); break;
      case 'l': cfg.locations = atoi(optarg); break;
      case 'o': cfg.on_hand = atoll(optarg); break;
      case 'c': cfg.clients = atoi(optarg); break;
      case 'd': cfg.duration = atoi(optarg); break;
      case 'W': cfg.warmup = atoi(optarg); break;
      case 'S': cfg.seed = strtoull(optarg, NULL, 10); break;
      case 'z': cfg.zipf_s = atof(optarg); break;
      case 'y': cfg.system = optarg; break;
      case 'v': cfg.variant = optarg; break;
      default: usage();
    }
  }
  if (cfg.skus < 1 || cfg.locations < 3 || cfg.duration < 1 || cfg.warmup < 0) die("bad sizes or times");
  if (strcmp(cfg.mode, "load") == 0) load();
  else if (strcmp(cfg.mode, "run") == 0) run();
  else usage();
  return 0;
}
