#include "core/usocket/usocket_replay.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/bytes.h"
#include "core/harness_error.h"
#include "core/rules_reached.h"
#include "core/trace.h"
#include "core/usocket/event_loop.h"
#include "core/usocket/usocket_scenario.h"

namespace fdlab::usocket {

void put_bytes(nlohmann::json& into, const std::string& bytes) {
  if (bytes.size() > kTraceBytesInline) {
    into["data_len"] = bytes.size();
    into["data_fnv1a"] = trace_hash(bytes);
  } else if (is_printable_ascii(bytes)) {
    into["data"] = bytes;
  } else {
    into["data_hex"] = encode_hex(bytes);
  }
}

namespace {

nlohmann::json error_result(const std::string& code) { return {{"error", code}}; }
nlohmann::json accepted(const CallResult& r) {
  if (!r.ok()) return error_result(r.code());
  if (r.value()) return *r.value();
  return nullptr;
}

class Session {
 public:
  Session(const Scenario& sc, Kernel& k, NamedSockets& named)
      : sc_(sc), k_(k), loop_(k, named), fds_(sc.processes.size()) {
    for (std::size_t i = 0; i < sc.processes.size(); ++i) procs_.push_back(k_.add_process());
  }

  // Runs one step; returns its record. Sets `stop` when the run cannot go on.
  nlohmann::json step(const UStep& s, bool& stop) {
    step_ = &s;
    nlohmann::json r{{"step", s.index}, {"proc", sc_.processes[s.proc]}, {"op", uop_name(s.op)}};
    const std::size_t before = static_cast<std::size_t>(loop_.objects());
    r["result"] = execute(s, stop);
    name_new_objects(s, before);
    auto events = events_json(canonical_order(loop_.log().take()));
    if (!events.empty()) r["events"] = std::move(events);
    return r;
  }

  bool fd_bound(std::size_t proc, const std::string& label) const {
    return proc < fds_.size() && fds_[proc].count(label) != 0;
  }
  bool object_made(const std::string& label) const { return objects_.count(label) != 0; }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw HarnessError(sc_.file, step_->index, field, what);
  }

  ProcId proc(const UStep& s) const { return procs_[s.proc]; }

  const NewFd& fd(const UStep& s, const std::string& label) const {
    auto it = fds_[s.proc].find(label);
    if (it == fds_[s.proc].end())
      fail("fd", "fd label '" + label +
                     "' was never bound (did a read return fewer fds than "
                     "its 'as' named?)");
    return it->second;
  }

  USocket& sock(const UStep& s) { return *loop_.socket(object(s, "socket")); }
  UServer& server(const UStep& s) { return *loop_.server(object(s, "server")); }

  // The parser knows every label a step may name, but not whether a run's 'connection' events
  // really created the sockets its `as` named (found by the parser fuzzer).
  int object(const UStep& s, const char* field) const {
    auto it = objects_.find(s.object);
    if (it == objects_.end())
      fail(field, "object '" + s.object +
                      "' was never created: a run's 'as' expected more connections than arrived");
    return it->second;
  }

  NamedSockets& named() { return loop_.named(); }

  // A sys.* step: the kernel level's op, its fd labels resolved in this process.
  Outcome sys_call(const UStep& s) {
    const Step& k = *s.sys;
    const auto fd_of = [&](const FdArg& a) { return a.is_label() ? fd(s, a.label).fd : a.number; };
    SendArgs send;  // the Call points at it
    Call c = make_call(k, fd_of, procs_[static_cast<std::size_t>(k.to)], send);
    // What the scenario makes is close-on-exec, as the adapter's helper and node's
    // fs.openSync make it (docs/usocket-semantics.md, "Close-on-exec").
    if (s.op == UOp::sys_socketpair || s.op == UOp::sys_pipe || s.op == UOp::sys_open_temp)
      c.cloexec = true;
    return k_.call(proc(s), c);
  }

  void bind_created(const UStep& s, const Outcome& o) {
    for (std::size_t i = 0; i < o.fds.size() && i < s.as.size(); ++i) {
      fds_[s.proc][s.as[i]] = o.fds[i];
      kernel_objects_[o.fds[i].object] = s.as[i];
    }
  }

  WriteRequest request(const UStep& s) {
    WriteRequest w;
    // A string chunk is Buffer.from(string): its UTF-8 bytes, which is how the step holds it.
    if (s.write_form == WriteForm::string) reached(k_.rules_sink(), "usocket.write-string");
    w.data = s.data;
    for (const auto& l : s.fds) w.fds.push_back(fd(s, l).fd);
    w.callback = s.callback ? s.index : -1;
    w.has_payload = s.has_data || s.has_fds;
    return w;
  }

  nlohmann::json sys_result(const Outcome& o, bool with_data) {
    if (o.blocked) return {{"blocked", true}};
    if (o.err != Errno::ok) return error_result(std::string(errno_name(o.err)));
    nlohmann::json j{{"ret", o.ret}};
    if (with_data) put_bytes(j, o.data);
    return j;
  }

  // fd numbers never reach a usocket-level trace: the package runs every process in one.
  static nlohmann::json created(const Outcome& o) {
    if (o.err != Errno::ok) return error_result(std::string(errno_name(o.err)));
    return nullptr;
  }

  nlohmann::json read_result(const UStep& s, const ReadResult& rr) {
    if (rr.null) return nullptr;
    nlohmann::json j = nlohmann::json::object();
    if (rr.data)
      put_bytes(j, *rr.data);
    else if (s.two_arg)
      j["data"] = nullptr;
    if (!s.two_arg) return j;
    auto& fds = j["fds"] = nlohmann::json::array();
    for (std::size_t i = 0; i < rr.fds.size(); ++i) {
      fds.push_back(object_label(rr.fds[i].object));
      if (i < s.as.size()) fds_[s.proc][s.as[i]] = rr.fds[i];
    }
    return j;
  }

  nlohmann::json read_until(const UStep& s, USocket& u) {
    std::string got;
    for (;;) {
      ReadResult r = u.read(s.len - got.size());
      if (r.null) r = u.read(std::nullopt);  // less than asked is there: take it and wait
      if (r.data) got += *r.data;
      if (got.size() >= s.len) break;
      loop_run();
      if (pending_events_.size() == last_events_) break;  // nothing more will come
      last_events_ = pending_events_.size();
    }
    nlohmann::json j = nlohmann::json::object();
    put_bytes(j, got);
    return j;
  }

  void loop_run() {
    if (!loop_.run()) fail("op", "the usocket event loop did not settle (a model bug)");
    for (auto& e : loop_.log().take()) pending_events_.push_back(std::move(e));
  }

  nlohmann::json execute(const UStep& s, bool& stop) {
    const ProcId p = proc(s);
    switch (s.op) {
      case UOp::userver:
        objects_[s.as[0]] = loop_.new_server(p).id();
        return nullptr;
      case UOp::listen: {
        const int backlog = s.backlog ? *s.backlog : kDefaultBacklog;
        return accepted(server(s).listen(named(), s.path, backlog, s.callback ? s.index : -1));
      }
      case UOp::pause:
        server(s).pause();
        return nullptr;
      case UOp::resume:
        server(s).resume();
        return nullptr;
      case UOp::server_close:
        server(s).close();
        return nullptr;
      case UOp::usocket: {
        USocket& u = loop_.new_socket(p);
        objects_[s.as[0]] = u.id();
        if (s.connect_form == ConnectForm::none) {
          if (s.callback) u.add_connected_listener(s.index);
          return nullptr;
        }
        return connect(s, u);
      }
      case UOp::connect:
        return connect(s, sock(s));
      case UOp::write:
        return accepted(sock(s).write(request(s)));
      case UOp::end: {
        std::optional<WriteRequest> w;
        if (s.write_form != WriteForm::none) w = request(s);
        if (w) w->callback = -1;  // end(chunk, cb): cb waits for the end, not the chunk
        return accepted(sock(s).end(std::move(w), s.callback ? s.index : -1));
      }
      case UOp::read: {
        USocket& u = sock(s);
        if (s.two_arg) return read_result(s, u.read(s.size, s.count));
        return read_result(s, u.read(s.has_size ? s.size : std::nullopt));
      }
      case UOp::read_until: {
        last_events_ = pending_events_.size();
        auto j = read_until(s, sock(s));
        for (auto& e : pending_events_) loop_.log().emit(std::move(e));
        pending_events_.clear();
        return j;
      }
      case UOp::unshift: {
        std::vector<NewFd> back;
        for (const auto& l : s.fds) back.push_back(fd(s, l));
        sock(s).unshift(s.data, back);
        return nullptr;
      }
      case UOp::destroy:
        sock(s).destroy();
        return nullptr;
      case UOp::run:
        if (!loop_.run()) fail("op", "the usocket event loop did not settle (a model bug)");
        return nullptr;
      case UOp::open_fds:
        return open_fds(s);
      case UOp::sys_socketpair:
      case UOp::sys_pipe:
      case UOp::sys_open_temp: {
        const Outcome o = sys_call(s);
        bind_created(s, o);
        return created(o);
      }
      case UOp::sys_read: {
        const Outcome o = sys_call(s);
        stop = o.blocked;
        return sys_result(o, true);
      }
      case UOp::sys_write:
      case UOp::sys_lseek:
      case UOp::sys_close:
        return sys_result(sys_call(s), false);
      case UOp::sys_give: {
        const std::string& label = s.sys->fd.label;
        const Outcome o = sys_call(s);
        if (o.err == Errno::ok && !o.fds.empty()) {
          fds_[s.proc].erase(label);
          fds_[s.sys->to][label] = o.fds[0];
        }
        return nullptr;
      }
    }
    fail("op", "unhandled op");
  }

  nlohmann::json connect(const UStep& s, USocket& u) {
    const int cb = s.callback ? s.index : -1;
    if (s.connect_form == ConnectForm::fd_options)
      return accepted(u.adopt(fd(s, s.fd).fd, cb, true));
    return accepted(u.connect_path(named(), s.path, cb));
  }

  // The process's open fds as the kernel lists them, but for 0, 1 and 2, which every scenario
  // process starts with: the rest were made by the scenario or by the library. Each is named by
  // its object's label: what sys.* made (received copies included) by its own, a socket the
  // library made (listen, connect, accept) by the UServer or USocket holding it.
  nlohmann::json open_fds(const UStep& s) {
    const Outcome o = k_.list_fds(proc(s));
    if (o.err != Errno::ok) return error_result(std::string(errno_name(o.err)));
    std::map<int, std::string> held;  // fd -> the library object holding it, in this process
    for (int id = 0; id < loop_.objects(); ++id) {
      const USocket* u = loop_.socket(id);
      const UServer* v = loop_.server(id);
      const int fd = u ? u->fd() : v->fd();
      if (fd >= 0 && (u ? u->proc() : v->proc()) == proc(s)) held[fd] = names_.at(id);
    }
    std::vector<std::pair<std::string, bool>> open;
    for (const NewFd& nf : o.fds) {
      if (nf.fd <= 2) continue;
      std::string label = object_label(nf.object);
      if (!kernel_objects_.count(nf.object) && held.count(nf.fd)) label = held[nf.fd];
      open.emplace_back(std::move(label), nf.cloexec);
    }
    std::sort(open.begin(), open.end());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [label, cloexec] : open)
      list.push_back({{"object", label}, {"cloexec", cloexec}});
    return {{"open", std::move(list)}};
  }

  // Sockets made by the step (accepted during a run) take its `as` labels in creation order.
  void name_new_objects(const UStep& s, std::size_t before) {
    std::size_t next_label = 0;
    for (int id = static_cast<int>(before); id < loop_.objects(); ++id) {
      if (s.op == UOp::usocket || s.op == UOp::userver) {
        names_[id] = s.as[0];
        continue;
      }
      const bool labelled = next_label < s.as.size();
      std::string label = labelled ? s.as[next_label++]
                                   : "connection@" + std::to_string(s.index) + "." +
                                         std::to_string(id - static_cast<int>(before));
      // The parser let the run's process use its labels; an object lives in the process that
      // made it, the accepting server's, which only the replay knows.
      if (const USocket* u = loop_.socket(id); labelled && u != nullptr && u->proc() != proc(s))
        throw HarnessError(sc_.file, s.index, "as",
                           "connection '" + label +
                               "' was accepted by a server of another "
                               "process; a run's `as` names only connections accepted in its own "
                               "process: run it in the server's process");
      names_[id] = label;
      objects_[label] = id;
    }
  }

  std::string object_label(ObjectId o) const {
    auto it = kernel_objects_.find(o);
    return it != kernel_objects_.end() ? it->second : "object#" + std::to_string(o);
  }

  nlohmann::json events_json(const std::vector<UEvent>& events) const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : events) {
      nlohmann::json j{{"on", names_.at(e.on)}, {"event", e.name}};
      if (e.name == "fds") {
        auto& fds = j["fds"] = nlohmann::json::array();
        for (ObjectId o : e.fds) fds.push_back(object_label(o));
      }
      if (e.name == "error") j["code"] = e.code;
      if (e.name == "callback") j["step"] = e.step;
      if (e.name == "callback" && !e.error.empty()) j["error"] = e.error;
      if (e.name == "connection") j["socket"] = names_.at(e.socket);
      out.push_back(std::move(j));
    }
    return out;
  }

  const Scenario& sc_;
  Kernel& k_;
  EventLoop loop_;
  const UStep* step_ = nullptr;
  std::vector<ProcId> procs_;
  std::vector<std::map<std::string, NewFd>> fds_;   // fd labels, per scenario process
  std::map<ObjectId, std::string> kernel_objects_;  // labels of the files and sockets made
  std::map<std::string, int> objects_;              // usocket object label -> creation index
  std::map<int, std::string> names_;                // and back
  std::vector<UEvent> pending_events_;              // read_until's, until the step ends
  std::size_t last_events_ = 0;
};

}  // namespace

class ScriptSession::Impl : public Session {
 public:
  using Session::Session;
};

ScriptSession::ScriptSession(const Scenario& sc, Kernel& kernel, NamedSockets& named)
    : impl_(std::make_unique<Impl>(sc, kernel, named)) {}

ScriptSession::~ScriptSession() = default;

nlohmann::json ScriptSession::step(const UStep& s, bool& stop) { return impl_->step(s, stop); }

bool ScriptSession::fd_bound(std::size_t proc, const std::string& label) const {
  return impl_->fd_bound(proc, label);
}

bool ScriptSession::object_made(const std::string& label) const {
  return impl_->object_made(label);
}

std::vector<std::string> match_usocket_expectation(const nlohmann::json& expect,
                                                   const nlohmann::json& record) {
  std::vector<std::string> out;
  if (expect.contains("result") && expect["result"] != record.value("result", nlohmann::json()))
    out.push_back("result: expected " + expect["result"].dump() + ", got " +
                  record.value("result", nlohmann::json()).dump());
  if (expect.contains("events")) {
    const auto got = record.value("events", nlohmann::json::array());
    if (expect["events"] != got)
      out.push_back("events: expected " + expect["events"].dump() + ", got " + got.dump());
  }
  return out;
}

namespace {

class ScriptRun final : public ReplayRun {
 public:
  ScriptRun(const Scenario& sc, Kernel& kernel, NamedSockets& named, const ReplayLimits& limits,
            std::unique_ptr<NamedSockets> owned)
      : sc_(sc), k_(kernel), limits_(limits), owned_(std::move(owned)) {
    report_.backend = kernel.name();
    try {
      session_ = std::make_unique<ScriptSession>(sc, kernel, named);
    } catch (const HarnessError& e) {
      report_.error = e.located(sc.file, -1).what();
    }
  }

  bool next(nlohmann::json& record) override {
    if (!session_ || next_ >= sc_.usocket->steps.size()) return false;
    const UStep& s = sc_.usocket->steps[next_++];
    if (budget_spent(limits_, s.index, report_)) return stop();
    bool blocked = false;
    try {
      record = session_->step(s, blocked);
    } catch (const HarnessError& e) {
      report_.error = e.located(sc_.file, s.index).what();
      return stop();
    }
    if (s.expect)
      for (auto& m : match_usocket_expectation(*s.expect, record))
        report_.failures.push_back({s.index, m});
    if (blocked) {
      report_.failures.push_back({s.index, "blocked: the step would block forever"});
      stop();
    }
    return true;
  }

  ReplayReport finish() override {
    session_.reset();
    finish_replay(report_, k_, sc_.file);
    return std::move(report_);
  }

 private:
  bool stop() {
    next_ = sc_.usocket->steps.size();
    return false;
  }

  const Scenario& sc_;
  Kernel& k_;
  ReplayLimits limits_;
  std::unique_ptr<NamedSockets> owned_;  // when the run was given its own
  ReplayReport report_;                  // its trace stays empty
  std::unique_ptr<ScriptSession> session_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<ReplayRun> start_script(const Scenario& sc, Kernel& kernel,
                                        std::unique_ptr<NamedSockets> named,
                                        const ReplayLimits& limits) {
  NamedSockets& ref = *named;
  return std::make_unique<ScriptRun>(sc, kernel, ref, limits, std::move(named));
}

ReplayReport replay_script(const Scenario& sc, Kernel& kernel, NamedSockets& named,
                           const ReplayLimits& limits) {
  ScriptRun run(sc, kernel, named, limits, nullptr);
  return run_to_end(run);
}

}  // namespace fdlab::usocket
