// The thread pool of pool.h. Pool threads sleep on a condition variable between calls (no
// spinning: on a machine whose cores are shared, a spinning thread slows the JavaScript thread
// beside it); the caller claims tasks too and then waits for the pool threads that joined the
// call before it had claimed the last task (a thread that wakes later does nothing). One call
// at a time: a second caller (another worker_thread's tfjs in this process) that finds the pool
// busy runs its tasks itself. The threads are detached and never destroyed, so the process
// exits whenever Node does.
#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace burnin_native {
namespace {

struct Pool {
  std::mutex m;
  std::condition_variable wake;
  std::condition_variable done;  // the last joiner of a call finished
  // the current call, guarded by m
  unsigned long generation = 0;
  int joiners = 0;      // pool threads that may take part
  bool closed = true;   // every task is claimed: late pool threads stay out
  int inflight = 0;     // pool threads working on it
  TaskFn fn = nullptr;
  const void *ctx = nullptr;
  int tasks = 0;
  std::atomic<int> next{0};
  std::mutex busy;   // held by the caller of the current call
  int started = 0;   // pool threads running (m)
};

// Each JavaScript thread (the main thread, each worker_thread with its own tfjs) sets its own
// count; the pool threads are shared by the process.
thread_local int wanted = 1;

Pool &pool() {
  static Pool *p = new Pool();  // never destroyed: its threads outlive static destructors
  return *p;
}

void claim(Pool &p, TaskFn fn, const void *ctx, int tasks) {
  for (;;) {
    const int t = p.next.fetch_add(1, std::memory_order_relaxed);
    if (t >= tasks) return;
    fn(ctx, t);
  }
}

void worker(int index) {
  Pool &p = pool();
  unsigned long seen = 0;
  std::unique_lock<std::mutex> lock(p.m);
  for (;;) {
    p.wake.wait(lock, [&] { return p.generation != seen; });
    seen = p.generation;
    // a thread that wakes after the caller claimed the last task has nothing to do, and the
    // caller does not wait for it
    if (index >= p.joiners || p.closed) continue;
    p.inflight++;
    const TaskFn fn = p.fn;
    const void *ctx = p.ctx;
    const int tasks = p.tasks;
    lock.unlock();
    claim(p, fn, ctx, tasks);
    lock.lock();
    if (--p.inflight == 0) p.done.notify_one();
  }
}

}  // namespace

int set_pool_threads(int threads) {
  Pool &p = pool();
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  {
    std::lock_guard<std::mutex> lock(p.m);
    for (; p.started < threads - 1; p.started++) std::thread(worker, p.started).detach();
  }
  wanted = threads;
  return threads;
}

int pool_threads() { return wanted; }

void run_tasks(int tasks, TaskFn fn, const void *ctx) {
  Pool &p = pool();
  if (!p.busy.try_lock()) {
    for (int t = 0; t < tasks; t++) fn(ctx, t);
    return;
  }
  int joiners = wanted - 1;
  if (joiners > tasks - 1) joiners = tasks - 1;
  {
    std::lock_guard<std::mutex> lock(p.m);
    p.fn = fn;
    p.ctx = ctx;
    p.tasks = tasks;
    p.joiners = joiners;
    p.closed = false;
    p.next.store(0, std::memory_order_relaxed);
    p.generation++;
  }
  p.wake.notify_all();
  claim(p, fn, ctx, tasks);
  {
    // wait for the pool threads that joined (they are finishing their last task)
    std::unique_lock<std::mutex> lock(p.m);
    p.closed = true;
    p.done.wait(lock, [&] { return p.inflight == 0; });
  }
  p.busy.unlock();
}

}  // namespace burnin_native
