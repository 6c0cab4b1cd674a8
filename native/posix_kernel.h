#pragma once
// The native backend: every Kernel operation is a real syscall, made by the worker thread of
// the scenario process (native/worker.h), whose fd table is that process's. Results are mapped
// to the core's conventions (native/host_errno.h, native/host_flags.h) and every fd reports the
// open file description it refers to (native/object_identity.h says how that is established).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "native/host_ops.h"
#include "native/object_identity.h"
#include "native/worker.h"

namespace fdlab::native {

class PosixKernel final : public Kernel {
 public:
  struct Options {
    // How long an operation may take before it is declared blocked and interrupted.
    std::chrono::milliseconds block_timeout{300};
    SpinPolicy spin;
  };

  PosixKernel() : PosixKernel(Options{}) {}
  explicit PosixKernel(Options options);
  ~PosixKernel() override;
  PosixKernel(const PosixKernel&) = delete;
  PosixKernel& operator=(const PosixKernel&) = delete;

  ProcId add_process() override;

  Outcome call(ProcId p, const Call& c) override;

  // Also leaves the backend ready for another scenario: processes and ObjectIds start afresh.
  Leftovers finish() override;

  const char* name() const override { return "native"; }

  // The thread id owning process p's fd table (for tests that inspect /proc).
  pid_t tid(ProcId p) const;
  // Whether p's last job blocked, and what found it (for tests).
  Worker::BlockFound last_block(ProcId p) const {
    return workers_.at(static_cast<std::size_t>(p))->last_block();
  }

 private:
  // One handler per op of core/op_table.h, each running a host call on the process's worker
  // (native/posix_kernel.cpp, native/posix_named.cpp; the host calls: native/host_*.cpp).
  FDLAB_KERNEL_OPS(FDLAB_DECLARE_OP_HANDLER)
  // The one way an operation runs: host_call(r, args...) on p's worker (native/host_ops.h),
  // its HostResult r mapped to an Outcome by outcome(). A call that had to be interrupted
  // would have blocked forever: Outcome::would_block().
  template <class HostCall, class... Args>
  Outcome on_worker(ProcId p, HostCall host_call, const Args&... args) {
    return on_worker_may_block(p, BlockingCall{}, host_call, args...);
  }
  // The same for an operation that may block in `call`: the driver watches for that in /proc
  // as well as with the watchdog (native/blocked_call.h).
  template <class HostCall, class... Args>
  Outcome on_worker_may_block(ProcId p, const BlockingCall& call, HostCall host_call,
                              const Args&... args) {
    HostResult r;
    if (!run(
            p, [&] { host_call(r, args...); }, call))
      return Outcome::would_block();
    return outcome(p, r);
  }
  // The core's view of a host call's result in process p: the host errno and flags mapped, each
  // new fd identified (native/object_identity.h). Throws HarnessError when the harness failed.
  Outcome outcome(ProcId p, HostResult& r);

  // Runs job on p's worker, inside p's RLIMIT_NOFILE when the scenario set one; false when it
  // had to be interrupted (native/worker.h).
  template <class F>
  bool run(ProcId p, F&& job, const BlockingCall& call = {}) {
    Worker& w = worker(p);
    BlockCheck check{call, nullptr, this};
    if (collector_may_matter_) check.settle = &PosixKernel::settle_collector;
    const long soft = nofile(p);
    if (soft < 0) return w.run(job, options_.block_timeout, &check);
    auto limited = [&] {
      NofileWindow window(soft);
      job();
    };
    return w.run(limited, options_.block_timeout, &check);
  }
  // BlockCheck::settle once the scenario has sent a socket: a cycle the collector frees may be
  // what wakes the call (docs/decisions.md, "Knowing that a call blocks").
  static bool settle_collector(void* self);
  Worker& worker(ProcId p);
  long nofile(ProcId p) const;
  void enter_dir(ProcId p);  // p's cwd becomes the scenario's private directory
  const std::string& temp_dir();
  // Where open_temp makes its files: a tmpfs when there is one (shm_files_), else temp_dir().
  const std::string& unnamed_files_dir();
  void check_proc();  // /proc shows this process's tasks (finish() reads them)

  Options options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Workers of finished scenarios, reset, for the next add_process: a thread, its unshared
  // fs_struct and fd table cost more to make than a whole short scenario (bench/fuzz_bench.cpp).
  std::vector<std::unique_ptr<Worker>> idle_;
  ObjectIdentity identity_;
  std::string temp_dir_;      // mkdtemp'd on first use, removed by finish()
  bool shm_files_ = false;    // /dev/shm is a tmpfs this process may create files in
  std::vector<bool> in_dir_;  // by process: its cwd is temp_dir_ (named sockets)
  std::vector<long> nofile_;  // by process: RLIMIT_NOFILE soft limit, -1 when not set
  std::string abstract_tag_;  // prefix of abstract names, unique per run (kAbstractTagLen)
  // Held from a scenario's first set_ids to its finish(): a user's in-flight fd count
  // (user->unix_inflight) is the whole machine's, so two runs that drop to the same uid at
  // once would see each other's fds; fdlab runs take turns (docs/decisions.md).
  int ids_lock_ = -1;
  // A successful sendmsg of this scenario carried a socket (or an fd of unknown kind): from then
  // on a blocked call may be waiting for the collector, which runs asynchronously.
  bool collector_may_matter_ = false;
  void new_abstract_tag();
};

}  // namespace fdlab::native

namespace fdlab {
using native::PosixKernel;  // the backend's public name, next to SimKernel
}  // namespace fdlab
