#pragma once
// The `runner` backend: the Kernel interface served by runner/fdlab_posix_runner.c, a portable
// POSIX program (or any program speaking its protocol: a wasm build under node, a binary on
// another system reached over ssh) spawned as a shell command. fdlab resolves labels and keeps
// the trace; the runner makes the calls on its host and answers in names (docs/posix-runner.md).
//
// What the runner answers `unsupported` (an op, a flag or an option its host lacks, or that no
// POSIX call can do) stops the scenario as a HarnessError, and unsupported() says why, so that
// the replay reports the scenario skipped on this backend, never passed or failed. A runner
// that dies, hangs, or answers what the protocol does not allow is a HarnessError too.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/kernel.h"

namespace fdlab {

namespace runner {
struct Answer;
}

class RunnerKernel final : public Kernel {
 public:
  struct Options {
    std::string command;  // run with /bin/sh -c; default_runner_command() when empty
    // How long one answer may take before the runner is declared hung (the runner's own block
    // timeout, 300 ms, is far below it).
    std::chrono::milliseconds answer_timeout{30'000};
  };

  RunnerKernel() : RunnerKernel(Options{}) {}
  explicit RunnerKernel(Options options);
  ~RunnerKernel() override;
  RunnerKernel(const RunnerKernel&) = delete;
  RunnerKernel& operator=(const RunnerKernel&) = delete;

  ProcId add_process() override;
  Outcome call(ProcId p, const Call& c) override;
  Leftovers finish() override;
  const char* name() const override { return "runner"; }

  // "OP: why" of the first request the runner could not serve; "" when there was none.
  const std::string& unsupported() const { return unsupported_; }

 private:
  // Which object each fd refers to, from the (st_dev, st_ino) keys the runner reports.
  class Identity {
   public:
    // A new object; `shared` for `open`'s kinds, whose inode other descriptions may share.
    ObjectId create(const std::string& key, bool shared);
    // The object behind a received, duplicated or listed fd; 0 for none of the scenario's (its
    // stdio); throws the runner's "unsupported" when the key names more than one.
    ObjectId identify(const std::string& key, RunnerKernel& k) const;
    void set_stdio(const std::string& key) { stdio_ = key; }
    void clear();

   private:
    std::map<std::string, std::vector<ObjectId>> by_key_;
    std::string stdio_;
    ObjectId next_ = 1;
  };

  void start();
  void stop();
  runner::Answer ask(const std::string& line);
  std::string read_line();
  void send(const std::string& line);
  [[noreturn]] void failed(const std::string& why);
  [[noreturn]] void refuse(const std::string& what);  // an `unsupported` answer
  Outcome outcome(ProcId p, const Call& c, runner::Answer& a);
  Creds creds(const runner::Answer& a);

  Options options_;
  pid_t pid_ = -1;
  int io_ = -1;                       // the runner's stdin and stdout (one socket)
  int err_ = -1;                      // its stderr, kept for error messages
  std::string in_;                    // bytes read and not yet a line
  std::string stderr_tail_;           // the last of what it wrote on stderr
  std::int64_t uid_ = -1, gid_ = -1;  // the runner's own: "self" in credentials
  std::vector<std::int64_t> pids_;    // each scenario process's pid
  Identity identity_;
  std::string unsupported_;
  // The host's struct cmsghdr (its hello line). On another layout than x86-64's, which the
  // scenarios state sizes in, control lengths are translated both ways (translate_control).
  cmsg::CmsgAbi host_abi_ = cmsg::lp64;
  Call translate_control(const Call& c, RecvArgs& storage);
  void translate_control(const Call& c, Outcome& o) const;
};

// The runner command: set by --runner-cmd, else $FDLAB_RUNNER, else the fdlab_posix_runner
// built next to this fdlab binary.
std::string default_runner_command();
void set_runner_command(const std::string& command);

}  // namespace fdlab
