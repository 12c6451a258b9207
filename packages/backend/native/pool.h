// A small thread pool for the native kernels: `parallel_for(tasks, f)` runs f(0) .. f(tasks - 1)
// on the calling thread and up to `pool_threads() - 1` pool threads, each task claimed by
// exactly one of them. Tasks must write disjoint memory; then the results are the same bits
// whatever the thread count or the order the tasks ran in. With 1 thread (the default) or 1 task
// everything runs on the caller, in order.
#pragma once

namespace burnin_native {

using TaskFn = void (*)(const void *ctx, int task);

/** Sets the threads a parallel_for may use (the caller included), 1 .. 64; returns it. */
int set_pool_threads(int threads);
int pool_threads();
void run_tasks(int tasks, TaskFn fn, const void *ctx);

template <class F> inline void parallel_for(int tasks, const F &f) {
  if (tasks <= 1 || pool_threads() <= 1) {
    for (int t = 0; t < tasks; t++) f(t);
    return;
  }
  run_tasks(tasks, [](const void *ctx, int t) { (*static_cast<const F *>(ctx))(t); }, &f);
}

/** Tasks of `chunk` consecutive items each, for `items` items spread over the pool. */
inline int chunk_size(int items) {
  const int parts = pool_threads() * 4;
  const int chunk = (items + parts - 1) / parts;
  return chunk < 1 ? 1 : chunk;
}

}  // namespace burnin_native
