// ComputeThreads' workers: threads kept awake between the parallel loops of a forward pass.
//
// libdispatch's concurrentPerform puts its worker to sleep after every loop and wakes it for the
// next one. On the 2-vCPU VMs measured that wake-up costs about 40 us: a loop of two 83 us halves
// took 124 us (docs/PERFORMANCE.md, Threads), and a forward pass of the 120M model runs about
// 150 loops. Here each worker spins on its own post word for a while (UK_POOL_SPIN_NS) after
// a loop before it sleeps on a condition variable, so loops that follow each other within a
// pass start at once, and an idle process does not keep a core busy.
//
// One caller at a time: uk_pool_run returns 0 when another thread is inside it, and the caller
// runs its loop another way (ComputeThreads falls back to libdispatch).

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "unmask_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define UK_SPIN_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define UK_SPIN_PAUSE() __asm__ __volatile__("yield")
#else
#define UK_SPIN_PAUSE() ((void)0)
#endif

enum { UK_POOL_MAX_WORKERS = 255 };

/// How long a worker spins after its last loop before it sleeps: longer than the gaps between
/// the loops of one pass (about 1 us), shorter than a step's sampler. 250 us measured the same
/// on a quiet machine, and no better beside a busy process.
static const int64_t UK_POOL_SPIN_NS = 50 * 1000;

/// Pauses the caller spins through while it waits for the workers to finish a loop before it
/// yields (tens of microseconds: longer than two halves of a loop usually end apart).
enum { UK_POOL_WAIT_SPINS = 1 << 11 };

/// One worker's words, a cache line each so that posting to one does not disturb another.
typedef struct uk_pool_worker {
  _Alignas(64) _Atomic uint64_t post;  // the generation of the last loop handed to it
  _Alignas(64) _Atomic uint64_t done;  // the generation of the last loop it finished
} uk_pool_worker;

static struct {
  _Atomic int busy;  // a caller is inside uk_pool_run
  pthread_mutex_t lock;
  pthread_cond_t wake;
  _Atomic int sleepers;
  int started;  // workers created so far (only grows; changed under `busy`)
  uk_pool_worker workers[UK_POOL_MAX_WORKERS];
  // The loop being run, written before the posts of its generation.
  uint64_t generation;
  uk_pool_body body;
  void *context;
  long chunks;
  _Alignas(64) _Atomic long next;  // the next chunk to take
} uk_pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static int64_t uk_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/// Takes chunks until none is left; the caller and every posted worker run this.
static void uk_pool_take_chunks(void) {
  for (;;) {
    long chunk = atomic_fetch_add_explicit(&uk_pool.next, 1, memory_order_relaxed);
    if (chunk >= uk_pool.chunks) return;
    uk_pool.body(uk_pool.context, chunk);
  }
}

/// Waits until `worker->post` differs from `seen`: spinning first, then asleep.
static uint64_t uk_pool_wait_for_post(uk_pool_worker *worker, uint64_t seen) {
  int64_t deadline = uk_now_ns() + UK_POOL_SPIN_NS;
  for (int spins = 0;; spins++) {
    uint64_t post = atomic_load_explicit(&worker->post, memory_order_acquire);
    if (post != seen) return post;
    UK_SPIN_PAUSE();
    if ((spins & 63) == 63 && uk_now_ns() > deadline) break;
  }
  pthread_mutex_lock(&uk_pool.lock);
  atomic_fetch_add(&uk_pool.sleepers, 1);  // seq_cst: ordered against the caller's post
  uint64_t post;
  while ((post = atomic_load(&worker->post)) == seen) pthread_cond_wait(&uk_pool.wake, &uk_pool.lock);
  atomic_fetch_sub(&uk_pool.sleepers, 1);
  pthread_mutex_unlock(&uk_pool.lock);
  return post;
}

static void *uk_pool_worker_main(void *argument) {
  uk_pool_worker *worker = argument;
  uint64_t seen = 0;
  for (;;) {
    seen = uk_pool_wait_for_post(worker, seen);
    uk_pool_take_chunks();
    atomic_store_explicit(&worker->done, seen, memory_order_release);
  }
  return NULL;
}

/// Starts workers until there are `count` (under `busy`); returns how many there are.
static int uk_pool_grow(int count) {
  while (uk_pool.started < count) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    // Loop bodies are Swift closures that may use a few hundred KiB of stack.
    pthread_attr_setstacksize(&attributes, 8 << 20);
    int failed = pthread_create(
      &thread, &attributes, uk_pool_worker_main, &uk_pool.workers[uk_pool.started]);
    pthread_attr_destroy(&attributes);
    if (failed) break;
    uk_pool.started++;
  }
  return uk_pool.started;
}

int uk_pool_run(int threads, long chunks, uk_pool_body body, void *context) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&uk_pool.busy, &expected, 1)) return 0;
  int helpers = threads - 1;
  if (helpers > UK_POOL_MAX_WORKERS) helpers = UK_POOL_MAX_WORKERS;
  if ((long)helpers > chunks - 1) helpers = (int)(chunks - 1);
  if (helpers > 0) helpers = uk_pool_grow(helpers) < helpers ? uk_pool.started : helpers;

  uint64_t generation = ++uk_pool.generation;
  uk_pool.body = body;
  uk_pool.context = context;
  uk_pool.chunks = chunks;
  atomic_store_explicit(&uk_pool.next, 0, memory_order_relaxed);
  for (int w = 0; w < helpers; w++) atomic_store(&uk_pool.workers[w].post, generation);
  if (helpers > 0 && atomic_load(&uk_pool.sleepers) > 0) {
    pthread_mutex_lock(&uk_pool.lock);
    pthread_cond_broadcast(&uk_pool.wake);
    pthread_mutex_unlock(&uk_pool.lock);
  }

  uk_pool_take_chunks();

  // Every posted worker must be done with this loop's words before the next loop rewrites them.
  // Past a short spin the caller yields its core: where the workers share cores with it (more
  // threads than the cgroup's quota, other processes), spinning would keep them from running.
  for (int w = 0; w < helpers; w++) {
    for (int spins = 0;
         atomic_load_explicit(&uk_pool.workers[w].done, memory_order_acquire) != generation;
         spins++) {
      if (spins < UK_POOL_WAIT_SPINS) UK_SPIN_PAUSE();
      else sched_yield();
    }
  }
  atomic_store(&uk_pool.busy, 0);
  return 1;
}
