#include "core/replay.h"

#include <map>
#include <optional>

#include "core/collector_timing.h"
#include "core/expectation.h"
#include "core/harness_error.h"
#include "core/trace.h"

namespace fdlab {

ReplaySession::ReplaySession(const Scenario& sc, Kernel& k)
    : sc_(sc), k_(k), fd_labels_(sc.processes.size()) {
  for (std::size_t i = 0; i < sc_.processes.size(); ++i) procs_.push_back(k_.add_process());
}

ReplaySession::ReplaySession(const ReplaySession& at, Kernel& kernel)
    : sc_(at.sc_),
      k_(kernel),
      next_(at.next_),
      stopped_(at.stopped_),
      procs_(at.procs_),
      fd_labels_(at.fd_labels_),
      object_labels_(at.object_labels_) {}

bool ReplaySession::step(ReplayReport& report) {
  if (stopped_ || next_ >= sc_.step_count()) return false;
  const Step& step = sc_.step(next_++);
  const Outcome o = execute(step);
  const auto objects = bind_results(step, o);
  report.trace.push_back(trace_record(sc_, step, o, objects));
  const nlohmann::json& record = report.trace.back();
  if (step.expect) {
    for (auto& m : match_expectation(*step.expect, record))
      report.failures.push_back({step.index, m});
  } else if (o.blocked) {
    report.failures.push_back({step.index, "blocked: the step would block forever"});
  }
  // Nothing after an unexpected block can be trusted to mean what the scenario meant.
  if (o.blocked && !(step.expect && step.expect->value("blocked", false))) stopped_ = true;
  return !stopped_ && next_ < sc_.step_count();
}

int ReplaySession::resolve(const Step& step, const FdArg& a) const {
  if (!a.is_label()) return a.number;
  const auto& bound = fd_labels_[step.proc];
  auto it = bound.find(a.label);
  if (it == bound.end())
    throw HarnessError(sc_.file, step.index, "fd",
                       "label '" + a.label + "' was never bound to an fd in process '" +
                           sc_.processes[step.proc] +
                           "' (did an earlier step receive fewer "
                           "fds than it named?)");
  return it->second;
}

Outcome ReplaySession::execute(const Step& s) {
  SendArgs send;  // the Call points at it
  const auto fd_of = [&](const FdArg& a) { return resolve(s, a); };
  return k_.call(procs_[s.proc], make_call(s, fd_of, procs_[s.to], send));
}

// Binds the step's labels to what it created and names every reported fd by its object.
std::vector<std::string> ReplaySession::bind_results(const Step& s, const Outcome& o) {
  const bool creates = s.op == OpKind::socketpair || s.op == OpKind::pipe ||
                       s.op == OpKind::open_temp || s.op == OpKind::socket ||
                       s.op == OpKind::accept || s.op == OpKind::open;
  // A recvmsg with SO_PASSPIDFD creates one object too: the pidfd of its SCM_PIDFD cmsg.
  int pidfd = -1;
  for (const RecvCmsg& c : o.cmsgs)
    if (c.type == cmsg::scm_pidfd) pidfd = static_cast<int>(c.value);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < o.fds.size(); ++i) {
    const NewFd& nf = o.fds[i];
    if ((s.op == OpKind::recvmsg && nf.fd == pidfd) || s.op == OpKind::getsockopt) {
      if (!object_labels_.count(nf.object))
        object_labels_[nf.object] = i < s.as.size() ? s.as[i] : "pidfd@" + std::to_string(s.index);
    } else if (creates) {
      const std::string label = i < s.as.size()
                                    ? s.as[i]
                                    : std::string(op_name(s.op)) + "@" + std::to_string(s.index) +
                                          "." + std::to_string(i);
      object_labels_[nf.object] = label;
    }
    if (s.op == OpKind::give) {
      fd_labels_[s.proc].erase(s.fd.label);
      fd_labels_[s.to][s.fd.label] = nf.fd;
    } else if (i < s.as.size()) {
      fd_labels_[s.proc][s.as[i]] = nf.fd;
    }
    auto it = object_labels_.find(nf.object);
    names.push_back(it != object_labels_.end() ? it->second
                                               : "object#" + std::to_string(nf.object));
  }
  return names;
}

namespace {

class KernelLevelRun final : public ReplayRun {
 public:
  KernelLevelRun(const Scenario& sc, Kernel& kernel, const ReplayLimits& limits)
      : sc_(sc), k_(kernel), limits_(limits) {
    report_.backend = kernel.name();
    try {
      session_.emplace(sc, kernel);
    } catch (const HarnessError& e) {
      stopped(e, 0);
    }
  }

  bool next(nlohmann::json& record) override {
    if (over_) return false;
    const std::size_t at = session_->next_step();
    if (at < sc_.step_count() && budget_spent(limits_, sc_.step(at).index, report_)) {
      over_ = true;
      return false;
    }
    try {
      over_ = !session_->step(report_);
    } catch (const CollectorTimingError& e) {
      // The sockets by the labels the scenario gave them.
      const auto name = [&](ObjectId id) {
        const auto& labels = session_->object_labels();
        auto it = labels.find(id);
        return it != labels.end() ? it->second : "object#" + std::to_string(id);
      };
      report_.error =
          HarnessError(sc_.file, step_index(at), "", CollectorTimingError::reason(e.cycle(), name))
              .what();
      over_ = true;
    } catch (const HarnessError& e) {
      stopped(e, at);
    }
    if (report_.trace.empty()) return false;  // no step ran
    record = std::move(report_.trace.back());
    report_.trace.clear();
    return true;
  }

  ReplayReport finish() override {
    finish_replay(report_, k_, sc_.file);
    return std::move(report_);
  }

 private:
  int step_index(std::size_t at) const { return at < sc_.step_count() ? sc_.step(at).index : -1; }
  void stopped(const HarnessError& e, std::size_t at) {
    report_.error = e.located(sc_.file, step_index(at)).what();
    over_ = true;
  }

  const Scenario& sc_;
  Kernel& k_;
  ReplayLimits limits_;
  ReplayReport report_;  // its trace holds at most the record being handed out
  std::optional<ReplaySession> session_;
  bool over_ = false;
};

}  // namespace

std::unique_ptr<ReplayRun> start_kernel_level(const Scenario& sc, Kernel& kernel,
                                              const ReplayLimits& limits) {
  return std::make_unique<KernelLevelRun>(sc, kernel, limits);
}

ReplayReport run_to_end(ReplayRun& run) {
  std::vector<nlohmann::json> trace;
  nlohmann::json record;
  while (run.next(record)) trace.push_back(std::move(record));
  ReplayReport report = run.finish();
  report.trace = std::move(trace);
  return report;
}

ReplayReport replay_kernel_level(const Scenario& sc, Kernel& kernel, const ReplayLimits& limits) {
  return run_to_end(*start_kernel_level(sc, kernel, limits));
}

Call make_call(const Step& s, const std::function<int(const FdArg&)>& fd_of, ProcId to,
               SendArgs& send) {
  Call c;
  c.op = s.op;
  c.fd = fd_of(s.fd);
  c.type = s.type;
  c.nonblock = s.nonblock;
  c.cloexec = s.cloexec;
  if (s.op == OpKind::sendmsg) {  // the one op that sends a message: its bytes are copied once
    send.data = s.data;
    send.flags = s.flags;
    for (const auto& f : s.fds) send.fds.push_back(fd_of(f));
    if (s.control.given) {
      send.control = s.control;
      for (std::size_t i = 0; i < s.control_fds.size(); ++i)
        for (const auto& f : s.control_fds[i]) send.control.cmsgs[i].fds.push_back(fd_of(f));
    }
    if (s.dest) send.dest = &*s.dest;
    c.send = &send;
  }
  c.data = &s.data;
  c.recv.len = s.len;
  c.recv.has_control = s.has_control;
  c.recv.control_len = s.control_len;
  c.recv.flags = s.flags;
  c.recv.want_name = s.msg_name;
  c.offset = s.offset;
  c.whence = s.whence;
  c.cmd = s.cmd;
  c.arg = s.arg;
  c.how = s.how;
  c.to = to;
  c.addr = &s.addr;
  c.backlog = s.backlog;
  c.opt = s.opt;
  c.value = s.value;
  c.gid = s.gid;
  c.open_kind = s.open_kind;
  c.events = s.events;
  return c;
}

bool budget_spent(const ReplayLimits& limits, int step, ReplayReport& report) {
  if (!limits.out_of_time || !limits.out_of_time()) return false;
  report.timed_out_at = step;
  return true;
}

void finish_replay(ReplayReport& report, Kernel& kernel, const std::string& file) {
  try {
    report.leftovers = kernel.finish();
  } catch (const HarnessError& e) {
    // The run's own error comes first; a failed cleanup is still said.
    const std::string what = e.located(file, -1).what();
    report.error += (report.error.empty() ? "" : "; then ") + what;
  }
  if (report.leftovers.leaked)
    report.failures.push_back({-1, "leaked after the scenario: " + report.leftovers.detail});
}

}  // namespace fdlab
