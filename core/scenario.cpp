#include "core/scenario.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/bytes.h"
#include "core/expectation.h"
#include "core/flag_names.h"
#include "core/json_fields.h"
#include "core/json_input.h"
#include "core/scenario_named.h"
#include "core/usocket/usocket_scenario.h"

namespace fdlab {
namespace {

struct OpEntry {
  const char* name;
  OpKind op;
};
constexpr OpEntry kOps[] = {
    {"socketpair", OpKind::socketpair},
    {"pipe", OpKind::pipe},
    {"open_temp", OpKind::open_temp},
    {"sendmsg", OpKind::sendmsg},
    {"recvmsg", OpKind::recvmsg},
    {"read", OpKind::read},
    {"write", OpKind::write},
    {"lseek", OpKind::lseek},
    {"fcntl", OpKind::fcntl},
    {"dup", OpKind::dup},
    {"close", OpKind::close},
    {"shutdown", OpKind::shutdown},
    {"give", OpKind::give},
    {"socket", OpKind::socket},
    {"bind", OpKind::bind},
    {"listen", OpKind::listen},
    {"connect", OpKind::connect},
    {"accept", OpKind::accept},
    {"accept4", OpKind::accept},
    {"unlink", OpKind::unlink},
    {"setsockopt", OpKind::setsockopt},
    {"getsockopt", OpKind::getsockopt},
    {"setrlimit", OpKind::setrlimit},
};

std::string known_ops() {
  std::string s;
  for (const auto& e : kOps) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

constexpr std::int64_t kMaxFd = 1 << 20;
constexpr std::size_t kMaxFdsPerSend = 1024;  // well past SCM_MAX_FD, so EINVAL stays testable

// Where each label is bound, step by step, so a wrong label is caught before anything runs.
class LabelScope {
 public:
  explicit LabelScope(std::size_t processes) : bound_(processes) {}

  void bind(JsonFields& f, const char* field, ProcId p, const std::string& label) {
    if (label.empty()) f.fail(field, "a label must not be empty");
    // A label names one object for the whole scenario (traces report fds by it): bound again,
    // two objects would show under one name.
    if (ever_.count(label))
      f.fail(field, "label '" + label + "' is already taken by an earlier step; pick a new name");
    for (std::size_t q = 0; q < bound_.size(); ++q)
      if (static_cast<ProcId>(q) != p && bound_[q].count(label))
        f.fail(field, "label '" + label + "' is already bound in another process");
    bound_[p].insert(label);
    ever_.insert(label);
  }
  // give moves a label to another process: the same object, so not a new binding.
  void move(JsonFields& f, const char* field, ProcId from, ProcId to, const std::string& label) {
    bound_[from].erase(label);
    for (std::size_t q = 0; q < bound_.size(); ++q)
      if (static_cast<ProcId>(q) != to && bound_[q].count(label))
        f.fail(field, "label '" + label + "' is still bound in another process");
    bound_[to].insert(label);
  }

  void require(JsonFields& f, const char* field, ProcId p, const std::string& label,
               const std::vector<std::string>& names) const {
    if (bound_[p].count(label)) return;
    for (std::size_t q = 0; q < bound_.size(); ++q)
      if (bound_[q].count(label))
        f.fail(field, "label '" + label + "' is bound in process '" + names[q] + "', not in '" +
                          names[p] + "'");
    f.fail(field, "undefined label '" + label + "'");
  }

 private:
  std::vector<std::set<std::string>> bound_;
  std::set<std::string> ever_;  // every label bound so far, in any process
};

class StepParser {
 public:
  StepParser(Scenario& sc, const nlohmann::json& j, int index, LabelScope& labels)
      : sc_(sc), f_(j, sc.file, index), labels_(labels) {
    step_.index = index;
  }

  Step parse() {
    const std::string proc = f_.req_string("proc");
    auto it = std::find(sc_.processes.begin(), sc_.processes.end(), proc);
    if (it == sc_.processes.end()) f_.fail("proc", "unknown process '" + proc + "'");
    step_.proc = static_cast<ProcId>(it - sc_.processes.begin());

    const std::string op = f_.req_string("op");
    const OpEntry* entry = nullptr;
    for (const auto& e : kOps)
      if (op == e.name) entry = &e;
    if (!entry) f_.fail("op", "unknown op '" + op + "' (known: " + known_ops() + ")");
    step_.op = entry->op;

    parse_arguments();
    if (f_.has("expect")) step_.expect = parse_expectation(f_.raw("expect"), f_, step_.op);
    f_.allow({"comment"});
    f_.reject_unknown();
    return step_;
  }

 private:
  void parse_arguments() {
    switch (step_.op) {
      case OpKind::socketpair: {
        step_.type = sock_type();
        step_.nonblock = f_.opt_bool("nonblock");
        step_.cloexec = f_.opt_bool("cloexec");
        bind_new("as", 2);
        break;
      }
      case OpKind::pipe:
        bind_new("as", 2);
        break;
      case OpKind::open_temp:
        bind_new("as", 1);
        break;
      case OpKind::sendmsg:
        step_.fd = fd_arg("sock");
        step_.data = data_arg(true);
        step_.fds = fd_list("fds");
        step_.flags = msg_flags("flags");
        break;
      case OpKind::recvmsg:
        step_.fd = fd_arg("sock");
        step_.len = size_arg("len");
        step_.flags = msg_flags("flags");
        control_arg();
        bind_optional("as");
        break;
      case OpKind::read:
        step_.fd = fd_arg("fd");
        step_.len = size_arg("len");
        break;
      case OpKind::write:
        step_.fd = fd_arg("fd");
        step_.data = data_arg(false);
        break;
      case OpKind::lseek:
        lseek_args();
        break;
      case OpKind::fcntl:
        fcntl_args();
        break;
      case OpKind::dup:
        step_.fd = fd_arg("fd");
        bind_optional("as");
        break;
      case OpKind::close:
        step_.fd = fd_arg("fd");
        break;
      case OpKind::shutdown:
        shutdown_args();
        break;
      case OpKind::give:
        give_args();
        break;
      case OpKind::socket:
        step_.type = sock_type();
        step_.nonblock = f_.opt_bool("nonblock");
        step_.cloexec = f_.opt_bool("cloexec");
        bind_new("as", 1);
        break;
      case OpKind::bind:
      case OpKind::connect:
        step_.fd = fd_arg("sock");
        step_.addr = address(true);
        break;
      case OpKind::listen:
        step_.fd = fd_arg("sock");
        step_.backlog = static_cast<int>(f_.req_int("backlog", -1, 65535));
        break;
      case OpKind::accept:
        step_.fd = fd_arg("sock");
        step_.nonblock = f_.opt_bool("nonblock");
        step_.cloexec = f_.opt_bool("cloexec");
        bind_new("as", 1);
        break;
      case OpKind::unlink:
        step_.addr = address(false);
        break;
      case OpKind::setsockopt:
      case OpKind::getsockopt:
        sockopt_args();
        break;
      case OpKind::setrlimit:
        if (f_.req_string("resource") != "RLIMIT_NOFILE")
          f_.fail("resource", "only RLIMIT_NOFILE is modelled");
        step_.value = static_cast<long>(f_.req_int("soft", 0, 1024));
        break;
    }
  }

  SockType sock_type() {
    const auto type = f_.opt_string("type", "stream");
    if (type == "stream") return SockType::stream;
    if (type == "seqpacket") return SockType::seqpacket;
    if (type == "dgram") return SockType::dgram;
    f_.fail("type", "expected stream, seqpacket or dgram, got '" + type + "'");
  }

  SockAddr address(bool may_be_abstract) { return parse_sock_addr(f_, may_be_abstract); }

  void sockopt_args() {
    step_.fd = fd_arg("sock");
    step_.opt = parse_sock_opt(f_);
    if (step_.op == OpKind::setsockopt) step_.value = parse_sock_opt_value(f_);
  }

  FdArg fd_value(const nlohmann::json& v, const char* field) {
    FdArg a;
    if (v.is_string()) {
      a.label = v.get<std::string>();
      labels_.require(f_, field, step_.proc, a.label, sc_.processes);
    } else if (v.is_number_integer()) {
      // An unsigned above INT64_MAX would read as a negative int64: check it as unsigned.
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxFd))
        f_.fail(field, "fd number out of range: " + v.dump());
      const auto n = v.get<std::int64_t>();
      if (n < -1 || n > kMaxFd) f_.fail(field, "fd number out of range: " + v.dump());
      a.number = static_cast<int>(n);
    } else {
      f_.fail(field, "expected a label or an fd number, got " + json_kind(v));
    }
    return a;
  }

  FdArg fd_arg(const char* field) { return fd_value(f_.raw(field), field); }

  std::vector<FdArg> fd_list(const char* field) {
    f_.allow({field});
    if (!f_.has(field)) return {};
    const auto& v = f_.raw(field);
    if (!v.is_array()) f_.fail(field, "expected an array of labels or fd numbers");
    if (v.size() > kMaxFdsPerSend)
      f_.fail(field, "at most " + std::to_string(kMaxFdsPerSend) + " fds per step");
    std::vector<FdArg> out;
    for (const auto& item : v) out.push_back(fd_value(item, field));
    return out;
  }

  std::size_t size_arg(const char* field) {
    return static_cast<std::size_t>(f_.req_int(field, 0, kMaxStepBytes));
  }

  std::string data_arg(bool optional) {
    std::string bytes;
    if (!read_step_bytes(f_, bytes) && !optional)
      f_.fail("data", "is required (or data_hex, data_size)");
    return bytes;
  }

  std::uint32_t msg_flags(const char* field) {
    std::uint32_t bits = 0;
    for (const auto& name : f_.opt_strings(field)) {
      std::uint32_t bit = 0;
      if (!msg_flag_from_name(name, bit) || bit == msg::ctrunc)
        f_.fail(field, "unknown flag '" + name + "'");
      bits |= bit;
    }
    return bits;
  }

  void control_arg() {
    if (f_.has("fd_space") && f_.has("control_len"))
      f_.fail("control_len", "give fd_space or control_len, not both");
    if (f_.has("fd_space")) {
      const auto n = f_.req_int("fd_space", 0, 4096);
      step_.has_control = true;
      // CMSG_SPACE(n * sizeof(int)) on 64-bit Linux: a 16-byte header, data aligned to 8.
      step_.control_len = 16 + ((static_cast<std::size_t>(n) * 4 + 7) & ~std::size_t{7});
    } else if (f_.has("control_len")) {
      if (f_.has("creds_space")) f_.fail("creds_space", "control_len already says it all");
      step_.has_control = true;
      step_.control_len = static_cast<std::size_t>(f_.req_int("control_len", 0, 65536));
    }
    // SCM_CREDENTIALS comes first in the buffer (scm_recv_unix puts it before the fds), so
    // creds_space adds CMSG_SPACE(sizeof(struct ucred)) = 32 bytes in front of fd_space's.
    if (f_.opt_bool("creds_space")) {
      step_.creds_space = true;
      step_.control_len = (step_.has_control ? step_.control_len : 0) + 32;
      step_.has_control = true;
    }
    f_.allow({"fd_space", "control_len", "creds_space"});
  }

  void lseek_args() {
    step_.fd = fd_arg("fd");
    step_.offset = static_cast<long>(f_.req_int("offset", -(1LL << 40), 1LL << 40));
    const auto w = f_.opt_string("whence", "SEEK_SET");
    if (w == "SEEK_SET")
      step_.whence = Whence::set;
    else if (w == "SEEK_CUR")
      step_.whence = Whence::cur;
    else if (w == "SEEK_END")
      step_.whence = Whence::end;
    else
      f_.fail("whence", "expected SEEK_SET, SEEK_CUR or SEEK_END, got '" + w + "'");
  }

  void fcntl_args() {
    step_.fd = fd_arg("fd");
    const auto cmd = f_.req_string("cmd");
    if (cmd == "F_GETFD")
      step_.cmd = FcntlCmd::getfd;
    else if (cmd == "F_SETFD")
      step_.cmd = FcntlCmd::setfd;
    else if (cmd == "F_GETFL")
      step_.cmd = FcntlCmd::getfl;
    else if (cmd == "F_SETFL")
      step_.cmd = FcntlCmd::setfl;
    else
      f_.fail("cmd", "expected F_GETFD, F_SETFD, F_GETFL or F_SETFL, got '" + cmd + "'");
    const bool setter = step_.cmd == FcntlCmd::setfd || step_.cmd == FcntlCmd::setfl;
    if (!setter) return;
    for (const auto& name : f_.opt_strings("arg")) {
      long bit = 0;
      if (step_.cmd == FcntlCmd::setfd) {
        if (name != "FD_CLOEXEC")
          f_.fail("arg", "F_SETFD takes only FD_CLOEXEC, got '" + name + "'");
        bit = 1;
      } else if (!status_flag_from_name(name, bit)) {
        f_.fail("arg", "unknown status flag '" + name + "'");
      }
      step_.arg |= bit;
    }
  }

  void shutdown_args() {
    step_.fd = fd_arg("sock");
    const auto how = f_.req_string("how");
    if (how == "SHUT_RD")
      step_.how = ShutHow::rd;
    else if (how == "SHUT_WR")
      step_.how = ShutHow::wr;
    else if (how == "SHUT_RDWR")
      step_.how = ShutHow::rdwr;
    else
      f_.fail("how", "expected SHUT_RD, SHUT_WR or SHUT_RDWR, got '" + how + "'");
  }

  void give_args() {
    step_.fd = fd_arg("fd");
    if (!step_.fd.is_label()) f_.fail("fd", "give needs a label, so the fd can be named after");
    const auto to = f_.req_string("to");
    auto it = std::find(sc_.processes.begin(), sc_.processes.end(), to);
    if (it == sc_.processes.end()) f_.fail("to", "unknown process '" + to + "'");
    step_.to = static_cast<ProcId>(it - sc_.processes.begin());
    if (step_.to == step_.proc) f_.fail("to", "a process cannot give an fd to itself");
    labels_.move(f_, "fd", step_.proc, step_.to, step_.fd.label);
  }

  // Creation ops: exactly `count` labels, or none (then objects get generated names).
  void bind_new(const char* field, std::size_t count) {
    step_.as = f_.opt_strings(field);
    if (!step_.as.empty() && step_.as.size() != count)
      f_.fail(field, "expected " + std::to_string(count) + " label(s), got " +
                         std::to_string(step_.as.size()));
    bind_all(field);
  }
  void bind_optional(const char* field) {
    step_.as = f_.opt_strings(field);
    bind_all(field);
  }
  void bind_all(const char* field) {
    std::set<std::string> seen;
    for (const auto& l : step_.as) {
      if (!seen.insert(l).second) f_.fail(field, "label '" + l + "' given twice");
      labels_.bind(f_, field, step_.proc, l);
    }
  }

  Scenario& sc_;
  JsonFields f_;
  LabelScope& labels_;
  Step step_;
};

}  // namespace

bool read_step_bytes(JsonFields& f, std::string& out) {
  const int given = f.has("data") + f.has("data_hex") + f.has("data_size");
  f.allow({"data", "data_hex", "data_size"});
  if (given > 1) f.fail("data", "give only one of data, data_hex, data_size");
  if (given == 0) return false;
  if (f.has("data")) {
    out = f.req_string("data");
  } else if (f.has("data_hex")) {
    if (!decode_hex(f.req_string("data_hex"), out))
      f.fail("data_hex", "expected an even number of hex digits");
  } else {
    out = pattern_bytes(static_cast<std::size_t>(f.req_int("data_size", 0, kMaxStepBytes)));
  }
  if (out.size() > kMaxStepBytes) f.fail("data", "longer than 16 MiB");
  return true;
}

const char* op_name(OpKind op) {
  for (const auto& e : kOps)
    if (e.op == op) return e.name;
  return "?";
}

Scenario parse_scenario(const std::string& text, const std::string& file) {
  const nlohmann::json j = parse_json_input(text, file);
  Scenario sc;
  sc.file = file;
  JsonFields top(j, file, -1);
  if (top.req_int("fdlab", 1, 1) != 1) top.fail("fdlab", "unsupported format version");
  sc.id = top.req_string("id");
  sc.title = top.opt_string("title");
  sc.description = top.opt_string("description");
  const auto level = top.req_string("level");
  if (level == "kernel")
    sc.level = Level::kernel;
  else if (level == "usocket")
    sc.level = Level::usocket;
  else
    top.fail("level", "expected 'kernel' or 'usocket', got '" + level + "'");
  sc.tags = top.opt_strings("tags");
  sc.provenance = top.req_strings("provenance");
  sc.rules = top.opt_strings("rules");
  sc.min_kernel = top.opt_string("min_kernel");
  sc.processes = top.req_strings("processes");
  if (sc.processes.empty()) top.fail("processes", "needs at least one process");
  if (sc.processes.size() > 64) top.fail("processes", "at most 64 processes");
  for (std::size_t i = 0; i < sc.processes.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (sc.processes[i] == sc.processes[k])
        top.fail("processes", "process '" + sc.processes[i] + "' named twice");
  const auto& steps = top.raw("steps");
  if (!steps.is_array()) top.fail("steps", "expected an array, got " + json_kind(steps));
  top.allow({"comment"});
  top.reject_unknown();

  // The usocket level has its own ops and labels (core/usocket/usocket_scenario.cpp).
  if (sc.level == Level::usocket) {
    usocket::parse_script(sc, steps);
    return sc;
  }
  LabelScope labels(sc.processes.size());
  int index = 0;
  for (const auto& s : steps) {
    sc.steps.push_back(StepParser(sc, s, index, labels).parse());
    ++index;
  }
  return sc;
}

}  // namespace fdlab
