#pragma once
// One scenario process of the native backend: a thread with its own fd table.
//
// Why a thread and not a forked child: an operation is handed over and answered through one
// cache line in shared memory, which costs well under a microsecond when both sides spin; a
// child process would need a pipe or a futex in shared memory plus a second address space, and
// kcmp/fstat results would have to be copied back. unshare(CLONE_FILES) gives the thread a
// private copy of the fd table, which is all a "process" means to the rules we model.
//
// The driver (the caller of PosixKernel) posts one job at a time and waits for it. A job that
// /proc shows blocked in its call (BlockCheck, native/blocked_call.h), or that does not finish
// within the timeout, is interrupted with kInterruptSignal, whose handler is installed without
// SA_RESTART, so the blocking syscall returns EINTR (or a partial count).
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <thread>
#include <type_traits>

#include "native/blocked_call.h"

namespace fdlab::native {

// How each side waits before sleeping on a futex. Measured here (bench/, 2 vCPUs, a PVM guest
// where a syscall costs ~1 µs): a futex wake of a sleeping thread costs ~8 µs, more than a raw
// round, so both sides spin first; a spinning handoff and back costs ~0.9 µs. But a scenario
// has a driver and >= 2 workers, and the machine two cores: when the idle workers spin with
// pause they starve the one that has work (a round took ~120 µs). Idle workers therefore spin
// with sched_yield, which gives the core to whichever thread has work (~20 µs a round). The
// driver yields too, every 64 spins: when the machine is busy (a parallel build, ctest -j2) a
// driver that only pauses keeps the worker it waits for off the core; measured at load average
// 3 on 2 cores, the whole corpus on native took 11.1 s without these yields and 2.2 s with them.
struct SpinPolicy {
  std::chrono::nanoseconds driver{200'000};  // waiting for a job's result: spin
  std::chrono::nanoseconds worker{20'000};   // waiting for the next job
  unsigned driver_yield_every = 64;          // sched_yield every n-th spin (0: never)
  unsigned worker_yield_every = 1;
  // A job that may block (BlockCheck) and is still running after the spin: how long the driver
  // naps between looks at it in /proc (native/blocked_call.h). Also the least time between the
  // two looks that must see one sleep.
  std::chrono::nanoseconds look_every{1'000'000};
  // ... and when it first looks, counted from the post: a look costs the driver ~10 syscalls, which
  // on a loaded machine (where a job often outlasts the spin) it should not spend on every job.
  std::chrono::nanoseconds first_look{2'000'000};
};

// How the driver may learn that a job blocked before the watchdog fires (native/blocked_call.h):
// the call the job may block in, judged from /proc while the job runs.
struct BlockCheck {
  BlockingCall call;  // no syscall named: the watchdog alone decides
  // Runs once the judge has seen the job blocked, before it is declared so; the thread must
  // then be seen still in the same sleep. False: it could not be done, and the watchdog decides
  // (PosixKernel waits here for the AF_UNIX collector when the scenario sent a socket).
  bool (*settle)(void* ctx) = nullptr;
  void* settle_ctx = nullptr;
};

class Worker {
 public:
  using JobFn = void (*)(void* ctx);

  // The thread starts with a table of its own that holds nothing of the harness's: fds 0, 1
  // and 2 are one fresh open of /dev/null (O_RDWR) and nothing else is open, so no number a
  // scenario can write reaches an fd of the harness (docs/decisions.md, "Scenario stdio").
  // Throws HarnessError if the thread cannot be set up.
  explicit Worker(SpinPolicy spin);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  pid_t tid() const { return tid_; }

  // Whether the last job blocked, and what found it (for tests).
  enum class BlockFound : std::uint8_t { none, seen, watchdog };
  BlockFound last_block() const { return last_block_; }

  // Runs f() on the worker thread and waits. Returns false when the job had to be interrupted:
  // `check` proved it blocked, or it ran past `timeout` (the watchdog); whatever it wrote into
  // its result is then unreliable.
  template <class F>
  bool run(F&& f, std::chrono::milliseconds timeout, const BlockCheck* check = nullptr) {
    return post(&call<std::remove_reference_t<F>>, &f, timeout, check);
  }

  // Makes the thread a fresh scenario process again, for the next scenario: an empty table but
  // one new open of /dev/null at 0, 1 and 2 (whatever the last scenario did to them), the cwd
  // it started in, umask 022. False when that failed: the worker must then be stopped. Its ids
  // are not restored: a worker whose scenario changed them (set_ids) is not reused.
  bool reset();

  // Stops and joins the thread; its fd table goes with it. Idempotent.
  void stop();

 private:
  struct alignas(64) Line {
    std::atomic<std::uint32_t> value{0};
    std::atomic<std::uint32_t> sleeping{0};
  };

  template <class F>
  static void call(void* ctx) {
    (*static_cast<F*>(ctx))();
  }

  bool post(JobFn fn, void* ctx, std::chrono::milliseconds timeout, const BlockCheck* check);
  BlockFound wait_or_judge(std::uint32_t seq, std::chrono::steady_clock::time_point deadline,
                           const BlockCheck& check);
  void main();
  bool setup();
  void wait_for_interrupts_to_land();

  static bool wait(Line& line, std::uint32_t want, std::chrono::nanoseconds spin,
                   std::chrono::steady_clock::time_point deadline, unsigned yield_every = 0);
  static void wake(Line& line);

  Line request_;  // the driver's sequence number of the posted job
  Line done_;     // the worker's sequence number of the last finished job
  Line started_;  // 1 once setup() has finished, well or not
  JobFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::exception_ptr error_;  // thrown by the last job, rethrown in the driver
  bool stopping_ = false;
  std::uint32_t seq_ = 0;
  SpinPolicy spin_;
  BlockFound last_block_ = BlockFound::none;

  // Interrupt signals sent by the driver and seen by the handler. They are realtime signals,
  // so each one is queued and counted; a job starts only when all have landed, so a late
  // signal can never cut short the next job.
  std::atomic<std::uint32_t> interrupts_sent_{0};
  std::atomic<std::uint32_t> interrupts_seen_{0};

  pid_t tid_ = 0;
  std::string start_dir_;  // the cwd it started in (its fs_struct is its own from then on)
  std::string setup_error_;
  std::thread thread_;
};

}  // namespace fdlab::native
