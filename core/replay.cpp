#include "core/replay.h"

#include <map>

#include "core/expectation.h"
#include "core/harness_error.h"
#include "core/trace.h"

namespace fdlab {

ReplaySession::ReplaySession(const Scenario& sc, Kernel& k)
    : sc_(sc), k_(k), fd_labels_(sc.processes.size()) {
  for (std::size_t i = 0; i < sc_.processes.size(); ++i) procs_.push_back(k_.add_process());
}

bool ReplaySession::step(ReplayReport& report) {
  if (stopped_ || next_ >= sc_.steps.size()) return false;
  const Step& step = sc_.steps[next_++];
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
  return !stopped_ && next_ < sc_.steps.size();
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
  const ProcId p = procs_[s.proc];
  switch (s.op) {
    case OpKind::socketpair:
      return k_.socketpair(p, s.type, s.nonblock, s.cloexec);
    case OpKind::pipe:
      return k_.pipe(p);
    case OpKind::open_temp:
      return k_.open_temp(p);
    case OpKind::sendmsg: {
      SendArgs a;
      a.data = s.data;
      a.flags = s.flags;
      a.fds.reserve(s.fds.size());
      for (const auto& f : s.fds) a.fds.push_back(resolve(s, f));
      return k_.sendmsg(p, resolve(s, s.fd), a);
    }
    case OpKind::recvmsg: {
      RecvArgs a;
      a.len = s.len;
      a.has_control = s.has_control;
      a.control_len = s.control_len;
      a.flags = s.flags;
      return k_.recvmsg(p, resolve(s, s.fd), a);
    }
    case OpKind::read:
      return k_.read(p, resolve(s, s.fd), s.len);
    case OpKind::write:
      return k_.write(p, resolve(s, s.fd), s.data);
    case OpKind::lseek:
      return k_.lseek(p, resolve(s, s.fd), s.offset, s.whence);
    case OpKind::fcntl:
      return k_.fcntl(p, resolve(s, s.fd), s.cmd, s.arg);
    case OpKind::dup:
      return k_.dup(p, resolve(s, s.fd));
    case OpKind::close:
      return k_.close(p, resolve(s, s.fd));
    case OpKind::shutdown:
      return k_.shutdown(p, resolve(s, s.fd), s.how);
    case OpKind::give:
      return k_.give(p, resolve(s, s.fd), procs_[s.to]);
    case OpKind::socket:
      return k_.socket(p, s.type, s.nonblock, s.cloexec);
    case OpKind::bind:
      return k_.bind(p, resolve(s, s.fd), s.addr);
    case OpKind::listen:
      return k_.listen(p, resolve(s, s.fd), s.backlog);
    case OpKind::connect:
      return k_.connect(p, resolve(s, s.fd), s.addr);
    case OpKind::accept:
      return k_.accept(p, resolve(s, s.fd), s.nonblock, s.cloexec);
    case OpKind::unlink:
      return k_.unlink(p, s.addr.name);
    case OpKind::setsockopt:
      return k_.setsockopt(p, resolve(s, s.fd), s.opt, s.value);
    case OpKind::getsockopt:
      return k_.getsockopt(p, resolve(s, s.fd), s.opt);
    case OpKind::setrlimit:
      return k_.setrlimit_nofile(p, s.value);
  }
  throw HarnessError(sc_.file, s.index, "op", "unhandled op");
}

// Binds the step's labels to what it created and names every reported fd by its object.
std::vector<std::string> ReplaySession::bind_results(const Step& s, const Outcome& o) {
  const bool creates = s.op == OpKind::socketpair || s.op == OpKind::pipe ||
                       s.op == OpKind::open_temp || s.op == OpKind::socket ||
                       s.op == OpKind::accept;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < o.fds.size(); ++i) {
    const NewFd& nf = o.fds[i];
    if (creates) {
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

ReplayReport replay_kernel_level(const Scenario& sc, Kernel& kernel, const ReplayLimits& limits) {
  ReplayReport report;
  report.backend = kernel.name();
  std::size_t at = 0;
  try {
    ReplaySession session(sc, kernel);
    do {
      at = session.next_step();
      if (at < sc.steps.size() && budget_spent(limits, sc.steps[at].index, report)) break;
    } while (session.step(report));
  } catch (const HarnessError& e) {
    report.error = e.located(sc.file, at < sc.steps.size() ? sc.steps[at].index : -1).what();
  }
  finish_replay(report, kernel, sc.file);
  return report;
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
