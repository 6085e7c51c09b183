// The thread pool: persistent workers, woken per op, so an op pays a wake-up, not a thread.
//
// One job at a time. The caller takes the pool (an atomic flag), publishes the job, bumps a
// generation counter and works as thread 0; each worker sees the new generation (spinning a
// little first, then sleeping on a condition variable), claims its share, runs it and counts
// itself done. A share is claimed exactly once, by its worker or by the caller: when the
// caller is done with its own share it runs every share no worker has claimed yet, so a
// worker the OS has not scheduled (a busy machine) never holds up an op. When the pool is
// taken already (a parallel test, or a task that calls in again), the op simply runs on its
// caller: no queue, no deadlock.
#include "brrr.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sched.h>

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield")
#else
#define cpu_relax() ((void)0)
#endif

// Spinning answers in well under a microsecond but burns a core that another process (or a
// descheduled worker) may need: spin briefly, then sleep (workers) or yield (the caller).
enum { MAX_THREADS = 256, SPINS = 4000 };

static int pool_size = 1;              // threads in all, the caller included
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static atomic_flag pool_busy = ATOMIC_FLAG_INIT;
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_ulong generation = 0;
static atomic_int finished = 0;
// claim[t] == the current generation while share t is still free; claiming swaps it to 0
static atomic_ulong claim[MAX_THREADS];
static brrr_task job_task;
static void *job_context;
static int job_threads;

static void *worker(void *arg) {
    int id = (int)(intptr_t)arg;
    unsigned long seen = 0;
    for (;;) {
        unsigned long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
            if (++spins < SPINS) { cpu_relax(); continue; }
            pthread_mutex_lock(&wake_lock);
            while (atomic_load_explicit(&generation, memory_order_acquire) == seen)
                pthread_cond_wait(&wake, &wake_lock);
            pthread_mutex_unlock(&wake_lock);
        }
        seen = g;
        unsigned long expected = g;
        if (atomic_compare_exchange_strong_explicit(&claim[id], &expected, 0, memory_order_acq_rel, memory_order_relaxed)) {
            job_task(job_context, id, job_threads);
            atomic_fetch_add_explicit(&finished, 1, memory_order_release);
        }
    }
    return NULL;
}

static void start_pool(void) {
    int n = brrr_cpu_count();
    const char *env = getenv("PICOGRAD_THREADS");
    if (env && atoi(env) > 0) n = atoi(env);
    if (n > MAX_THREADS) n = MAX_THREADS;
    pool_size = n;
    for (int i = 1; i < n; i++) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, worker, (void *)(intptr_t)i) != 0) { pool_size = i; break; }
        pthread_attr_destroy(&attr);
    }
}

int brrr_pool_threads(void) {
    pthread_once(&pool_once, start_pool);
    return pool_size;
}

void brrr_parallel(int threads, brrr_task task, void *context) {
    pthread_once(&pool_once, start_pool);
    if (threads > pool_size) threads = pool_size;
    if (threads <= 1 || atomic_flag_test_and_set_explicit(&pool_busy, memory_order_acquire)) {
        task(context, 0, 1);
        return;
    }
    job_task = task;
    job_context = context;
    job_threads = threads;
    atomic_store_explicit(&finished, 0, memory_order_relaxed);
    unsigned long g = atomic_load_explicit(&generation, memory_order_relaxed) + 1;
    for (int t = 1; t < threads; t++) atomic_store_explicit(&claim[t], g, memory_order_relaxed);
    pthread_mutex_lock(&wake_lock);
    atomic_store_explicit(&generation, g, memory_order_release);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&wake_lock);
    task(context, 0, threads);
    int stolen = 0;
    for (int t = 1; t < threads; t++) {   // shares no worker has started: the caller runs them
        unsigned long expected = g;
        if (atomic_compare_exchange_strong_explicit(&claim[t], &expected, 0, memory_order_acq_rel, memory_order_relaxed)) {
            task(context, t, threads);
            stolen++;
        }
    }
    int spins = 0;
    while (atomic_load_explicit(&finished, memory_order_acquire) < threads - 1 - stolen) {
        if (++spins < SPINS) cpu_relax(); else sched_yield();
    }
    atomic_flag_clear_explicit(&pool_busy, memory_order_release);
}

void brrr_split(int64_t n, int thread, int threads, int64_t *begin, int64_t *end) {
    // BEGIN SOLUTION brrr.5: give thread `thread` of `threads` its contiguous share [*begin, *end) of n items; shares differ by at most one, in thread order
    int64_t base = n / threads, extra = n % threads;
    *begin = thread * base + (thread < extra ? thread : extra);
    *end = *begin + base + (thread < extra ? 1 : 0);
    // END SOLUTION brrr.5
}
