#include "native/worker.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <utility>

#include "native/backend_failure.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FDLAB_CPU_RELAX() _mm_pause()
#else
#define FDLAB_CPU_RELAX() std::atomic_signal_fence(std::memory_order_seq_cst)
#endif

namespace fdlab::native {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStarvedRounds = 20;

// glibc keeps SIGRTMIN and the two below it for itself; +6 leaves room for other libraries
// that take the first few. Not constexpr: SIGRTMIN is a function call in glibc.
int interrupt_signal() { return SIGRTMIN + 6; }

thread_local std::atomic<std::uint32_t>* t_interrupts_seen = nullptr;

extern "C" void on_interrupt(int) {
  // Only counts: the point of the signal is that it makes the blocked syscall return.
  if (t_interrupts_seen != nullptr) t_interrupts_seen->fetch_add(1, std::memory_order_relaxed);
}

void install_interrupt_handler() {
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocked recvmsg must come back with EINTR
    if (::sigaction(interrupt_signal(), &sa, nullptr) != 0)
      error = std::string("sigaction: ") + std::strerror(errno);
  });
  if (!error.empty()) backend_failure(error);
}

long futex(std::atomic<std::uint32_t>* addr, int op, std::uint32_t val, const timespec* ts) {
  return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), op, val, ts, nullptr, 0);
}

// Every scenario process starts with exactly fds 0, 1 and 2 open (core/kernel.h), and they are
// its own: one open of /dev/null, O_RDWR, at all three, as a login session's terminal is one
// open file description at 0, 1 and 2 (so F_SETFL on fd 0 shows on fd 1, as it would there).
// Not the harness's stdio: a scenario's lseek + write on fd 1 would overwrite fdlab's output,
// its O_NONBLOCK on fd 0 would outlive fdlab on the user's terminal, its read would eat
// fdlab's stdin. The sim models the same thing (FileKind::dev_null, sim/open_file.h).
// Called with an empty table, so the open lands at 0.
const char* install_stdio() {
  if (::open("/dev/null", O_RDWR) != 0) return "open /dev/null O_RDWR as fd 0";
  if (::dup2(0, 1) != 1 || ::dup2(0, 2) != 2) return "dup2 /dev/null to fds 1 and 2";
  return nullptr;
}

}  // namespace

Worker::Worker(SpinPolicy spin) : spin_(spin) {
  install_interrupt_handler();

  // The thread starts with every signal blocked (it inherits this mask), so process-directed
  // signals keep going to the harness's own threads and SIGPIPE stays pending where the
  // operation that raised it can see it; setup() unblocks only the interrupt signal.
  sigset_t all, old;
  sigfillset(&all);
  if (int rc = ::pthread_sigmask(SIG_SETMASK, &all, &old); rc != 0)
    backend_failure("pthread_sigmask", rc);
  thread_ = std::thread([this] {
    bool ok = setup();
    started_.value.store(1, std::memory_order_seq_cst);
    wake(started_);
    if (ok) main();
  });
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  wait(started_, 1, std::chrono::nanoseconds(0), Clock::time_point::max());
  if (!setup_error_.empty()) {
    thread_.join();
    backend_failure("cannot start a scenario process: " + setup_error_);
  }
}

Worker::~Worker() { stop(); }

bool Worker::setup() {
  tid_ = static_cast<pid_t>(::syscall(SYS_gettid));
  t_interrupts_seen = &interrupts_seen_;
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, interrupt_signal());
  const char* failed = nullptr;
  if (::pthread_sigmask(SIG_UNBLOCK, &s, nullptr) != 0) failed = "pthread_sigmask";
  // CLONE_FS: a cwd of its own, the scenario's private directory once it uses named sockets.
  else if (::unshare(CLONE_FS) != 0)
    failed = "unshare(CLONE_FS)";
  // A private fd table with nothing in it: CLOSE_RANGE_UNSHARE over the whole range unshares
  // without copying the harness's fds first (fs/file.c: __close_range).
  else if (::close_range(0, ~0U, CLOSE_RANGE_UNSHARE) != 0)
    failed = "close_range(0, ~0U, CLOSE_RANGE_UNSHARE)";
  else
    failed = install_stdio();
  if (failed == nullptr) {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) != nullptr) start_dir_ = cwd;  // "": reset() fails
    // The worker's own umask (its fs_struct, unshared above): socket files it binds are 0755,
    // as the sim has them.
    ::umask(022);
    return true;
  }
  setup_error_ = std::string(failed) + ": " + std::strerror(errno);
  return false;
}

void Worker::main() {
  std::uint32_t seen = 0;
  for (;;) {
    wait(request_, seen + 1, spin_.worker, Clock::time_point::max(), spin_.worker_yield_every);
    ++seen;
    if (stopping_) return;
    wait_for_interrupts_to_land();
    try {
      fn_(ctx_);
    } catch (...) {
      error_ = std::current_exception();
    }
    done_.value.store(seen, std::memory_order_seq_cst);
    wake(done_);
  }
}

void Worker::wait_for_interrupts_to_land() {
  // Each interrupt the driver sent is pending on this thread; any syscall's return delivers it.
  while (interrupts_seen_.load(std::memory_order_relaxed) !=
         interrupts_sent_.load(std::memory_order_acquire))
    ::sched_yield();
}

bool Worker::post(JobFn fn, void* ctx, std::chrono::milliseconds timeout, const BlockCheck* check) {
  fn_ = fn;
  ctx_ = ctx;
  std::uint32_t seq = ++seq_;
  request_.value.store(seq, std::memory_order_seq_cst);
  wake(request_);
  const auto deadline = Clock::now() + timeout;
  if (check != nullptr && check->call.syscalls[0] >= 0)
    last_block_ = wait_or_judge(seq, deadline, *check);
  else
    last_block_ = wait(done_, seq, spin_.driver, deadline, spin_.driver_yield_every)
                      ? BlockFound::none
                      : BlockFound::watchdog;
  // A job still runnable at the deadline is starved, not blocked (a loaded machine: found with
  // load average 24 on 2 cores, where a 1-byte send missed the 300 ms): it gets more time, up
  // to kStarvedRounds timeouts in all. A blocked one sleeps, and the watchdog stands.
  for (int round = 1; last_block_ == BlockFound::watchdog && round < kStarvedRounds; ++round) {
    const TaskLook look = look_at_task(tid_);
    if (!look.ok || look.state != 'R') break;
    if (wait(done_, seq, std::chrono::nanoseconds(0), Clock::now() + timeout))
      last_block_ = BlockFound::none;
  }
  bool finished = last_block_ == BlockFound::none;
  const bool blocked = !finished;
  // Blocked: interrupt until the job gives up. One signal may land before the syscall starts
  // (then it is handled and the syscall blocks anyway), hence the loop.
  while (!finished) {
    interrupts_sent_.fetch_add(1, std::memory_order_release);
    if (::syscall(SYS_tgkill, ::getpid(), tid_, interrupt_signal()) != 0)
      backend_failure("tgkill", errno);
    finished =
        wait(done_, seq, std::chrono::nanoseconds(0), Clock::now() + std::chrono::milliseconds(2));
  }
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return !blocked;
}

// Waits for the job like wait(), and between naps looks at the thread in /proc: blocked as soon
// as the judge has seen the same sleep in the job's call twice, a look interval apart (and,
// with a settle step, once more after it). Anything the judge cannot prove leaves the decision
// to the deadline.
Worker::BlockFound Worker::wait_or_judge(std::uint32_t seq, Clock::time_point deadline,
                                         const BlockCheck& check) {
  const auto until = [deadline](Clock::duration d) { return std::min(deadline, Clock::now() + d); };
  const auto first_look = std::min(deadline, Clock::now() + spin_.first_look);
  if (wait(done_, seq, spin_.driver, first_look, spin_.driver_yield_every)) return BlockFound::none;
  BlockJudge judge(check.call);
  bool judging = true;
  for (;;) {
    if (judging) {
      BlockJudge::Verdict v = judge.see(look_at_task(tid_));
      if (v == BlockJudge::Verdict::blocked && check.settle != nullptr) {
        judging = check.settle(check.settle_ctx);
        v = judging ? judge.see(look_at_task(tid_)) : BlockJudge::Verdict::not_asleep;
      }
      if (v == BlockJudge::Verdict::blocked) return BlockFound::seen;
    }
    if (wait(done_, seq, std::chrono::nanoseconds(0), until(spin_.look_every)))
      return BlockFound::none;
    if (Clock::now() >= deadline) return BlockFound::watchdog;
  }
}

bool Worker::reset() {
  bool ok = false;
  const bool finished = run(
      [&] {
        // Everything, stdio too: a scenario may have closed, replaced or changed fds 0-2.
        ok = !start_dir_.empty() && ::close_range(0, ~0U, 0) == 0 && install_stdio() == nullptr &&
             ::chdir(start_dir_.c_str()) == 0;
        ::umask(022);
      },
      std::chrono::milliseconds(1000));
  return finished && ok;
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  request_.value.store(++seq_, std::memory_order_seq_cst);
  wake(request_);
  thread_.join();
}

bool Worker::wait(Line& line, std::uint32_t want, std::chrono::nanoseconds spin,
                  Clock::time_point deadline, unsigned yield_every) {
  if (line.value.load(std::memory_order_acquire) == want) return true;
  if (spin.count() > 0) {
    const auto spin_end = Clock::now() + spin;
    for (unsigned i = 1;; ++i) {
      if (line.value.load(std::memory_order_acquire) == want) return true;
      if (yield_every != 0 && i % yield_every == 0)
        ::sched_yield();
      else
        FDLAB_CPU_RELAX();
      if ((i & 15) == 0 && Clock::now() >= spin_end) break;
    }
  }
  // Dekker with wake(): we publish "sleeping" before the last look at the value, the waker
  // publishes the value before looking at "sleeping"; both seq_cst, so one of us sees the other.
  line.sleeping.store(1, std::memory_order_seq_cst);
  bool got = false;
  for (;;) {
    std::uint32_t cur = line.value.load(std::memory_order_seq_cst);
    if (cur == want) {
      got = true;
      break;
    }
    timespec ts{};
    const timespec* tsp = nullptr;
    if (deadline != Clock::time_point::max()) {
      auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) break;
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      tsp = &ts;
    }
    // EAGAIN (value already changed), EINTR and ETIMEDOUT all mean: look again.
    futex(&line.value, FUTEX_WAIT_PRIVATE, cur, tsp);
  }
  line.sleeping.store(0, std::memory_order_relaxed);
  return got;
}

void Worker::wake(Line& line) {
  if (line.sleeping.load(std::memory_order_seq_cst) != 0)
    futex(&line.value, FUTEX_WAKE_PRIVATE, 1, nullptr);
}

}  // namespace fdlab::native
