#include "core/scenario.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/bytes.h"
#include "core/control_space.h"
#include "core/expectation.h"
#include "core/flag_names.h"
#include "core/json_fields.h"
#include "core/label_scope.h"
#include "core/scenario_named.h"
#include "core/step_source.h"

namespace fdlab {
namespace {

std::string known_ops() {
  std::string s;
  for (const auto& e : kernel_ops()) s += (s.empty() ? "" : ", ") + std::string(e.name);
  for (const auto& a : op_aliases()) s += ", " + std::string(a.alias);
  return s;
}

class StepParser {
 public:
  StepParser(const Scenario& sc, const nlohmann::json& j, int index, LabelScope& labels, bool sys)
      : sc_(sc), f_(j, sc.file, index), labels_(labels), sys_(sys) {
    step_.index = index;
  }

  Step parse() {
    const std::string proc = f_.req_string("proc");
    auto it = std::find(sc_.processes.begin(), sc_.processes.end(), proc);
    if (it == sc_.processes.end()) f_.fail("proc", "unknown process '" + proc + "'");
    step_.proc = static_cast<ProcId>(it - sc_.processes.begin());

    std::string op = f_.req_string("op");
    if (sys_) op.erase(0, std::string(kSysPrefix).size());  // the caller checked the prefix
    const OpSpec* spec = find_op(op);
    if (!spec) f_.fail("op", "unknown op '" + op + "' (known: " + known_ops() + ")");
    step_.op = spec->kind;

    for (Arg a : spec->args) parse_arg(a);
    // A sys.* step's expectation is the usocket level's ({result, events}): its parser's.
    if (sys_)
      f_.allow({"expect"});
    else if (f_.has("expect"))
      step_.expect = parse_expectation(f_.raw("expect"), f_);
    f_.allow({"comment"});
    f_.reject_unknown();
    return step_;
  }

 private:
  // One case per kind of argument, whatever op takes it (core/op_table.h says which).
  void parse_arg(Arg a) {
    const auto& fields = arg_spec(a).fields;
    const Field& first = fields.front();
    switch (a) {
      case Arg::sock:
      case Arg::fd:
        step_.fd = fd_arg(first);
        break;
      case Arg::fd_label:
        step_.fd = fd_arg(first);
        if (!step_.fd.is_label())
          f_.fail(first.name, "needs a label, so the fd can be named after");
        break;
      case Arg::fds:
        step_.fds = fd_list(first);
        break;
      case Arg::sock_type:
        step_.type = static_cast<SockType>(choice(first));
        break;
      case Arg::nonblock:
        step_.nonblock = f_.opt_bool(first.name);
        break;
      case Arg::cloexec:
        step_.cloexec = f_.opt_bool(first.name);
        break;
      case Arg::one_label:
      case Arg::two_labels:
      case Arg::labels:
        bind_labels(first);
        break;
      case Arg::data:
      case Arg::optional_data:
        if (!read_step_bytes(f_, step_.data) && a == Arg::data)
          f_.fail("data", "is required (or data_hex, data_size)");
        break;
      case Arg::msg_flags:
        step_.flags = msg_flags(first);
        break;
      case Arg::len:
        step_.len = static_cast<std::size_t>(integer(first));
        break;
      case Arg::control:
        control_arg();
        break;
      case Arg::send_control:
        send_control_arg(fields);
        break;
      case Arg::dest:
        if (f_.has(first.name)) step_.dest = parse_sock_addr(f_, true, first.name);
        break;
      case Arg::msg_name:
        step_.msg_name = f_.opt_bool(first.name);
        break;
      case Arg::offset:
        step_.offset = static_cast<long>(integer(first));
        break;
      case Arg::whence:
        step_.whence = static_cast<Whence>(choice(first));
        break;
      case Arg::fcntl_cmd:
        fcntl_args(fields);
        break;
      case Arg::shut_how:
        step_.how = static_cast<ShutHow>(choice(first));
        break;
      case Arg::to:
        give_to(first);
        break;
      case Arg::address:
        step_.addr = parse_sock_addr(f_, true);
        break;
      case Arg::file_path:
        step_.addr = parse_sock_addr(f_, false);
        break;
      case Arg::backlog:
        step_.backlog = static_cast<int>(integer(first));
        break;
      case Arg::sockopt:
        step_.opt = static_cast<SockOpt>(choice(first));
        break;
      case Arg::sockopt_value:
        step_.value = parse_sock_opt_value(f_);
        break;
      case Arg::ids:
        step_.value = static_cast<long>(integer(fields[0]));
        step_.gid = static_cast<long>(integer(fields[1]));
        break;
      case Arg::nofile:
        if (choice(fields[0]) != 0) f_.fail(fields[0].name, "only RLIMIT_NOFILE is modelled");
        step_.value = static_cast<long>(integer(fields[1]));
        break;
      case Arg::open_kind:
        step_.open_kind = static_cast<OpenKind>(choice(fields[0]));
        f_.allow({fields[1].name});
        if (f_.has(fields[1].name)) {
          if (step_.open_kind != OpenKind::o_path)
            f_.fail(fields[1].name, "only kind o_path opens a name; the others know their file");
          step_.addr = parse_sock_addr(f_, false);
        }
        break;
      case Arg::poll_events:
        for (const auto& name : f_.opt_strings(first.name)) {
          std::uint32_t bit = 0;
          const bool known =
              std::find(first.choices.begin(), first.choices.end(), name) != first.choices.end();
          if (!known || !poll_event_from_name(name, bit))
            f_.fail(first.name, "unknown or answer-only poll event '" + name + "'");
          step_.events |= bit;
        }
        break;
    }
  }

  std::int64_t integer(const Field& field) { return f_.integer(field); }
  std::size_t choice(const Field& field) { return f_.choice(field); }

  FdArg fd_value(const nlohmann::json& v, const Field& field) {
    FdArg a;
    if (v.is_string()) {
      a.label = v.get<std::string>();
      labels_.require(f_, field.name, step_.proc, a.label, sc_.processes);
    } else if (v.is_number_integer() && sys_) {
      // One node process runs every scenario process on the usocket backend: numbers there
      // name nothing the scenario made.
      f_.fail(field.name, "fds are labels at this level, never numbers");
    } else if (v.is_number_integer()) {
      // An unsigned above INT64_MAX would read as a negative int64: check it as unsigned.
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(field.max))
        f_.fail(field.name, "fd number out of range: " + v.dump());
      const auto n = v.get<std::int64_t>();
      if (n < field.min || n > field.max)
        f_.fail(field.name, "fd number out of range: " + v.dump());
      a.number = static_cast<int>(n);
    } else {
      f_.fail(field.name, "expected a label or an fd number, got " + json_kind(v));
    }
    return a;
  }

  FdArg fd_arg(const Field& field) { return fd_value(f_.raw(field.name), field); }

  std::vector<FdArg> fd_list(const Field& field) {
    f_.allow({field.name});
    if (!f_.has(field.name)) return {};
    const auto& v = f_.raw(field.name);
    if (!v.is_array()) f_.fail(field.name, "expected an array of labels or fd numbers");
    if (v.size() > static_cast<std::size_t>(field.max))
      f_.fail(field.name, "at most " + std::to_string(field.max) + " fds per step");
    const Field& entry = arg_field(Arg::fd, "fd");  // each entry is an fd argument
    std::vector<FdArg> out;
    for (const auto& item : v) out.push_back(fd_value(item, entry));
    return out;
  }

  std::uint32_t msg_flags(const Field& field) {
    std::uint32_t bits = 0;
    for (const auto& name : f_.opt_strings(field.name)) {
      std::uint32_t bit = 0;
      const bool known =
          std::find(field.choices.begin(), field.choices.end(), name) != field.choices.end();
      if (!known || !msg_flag_from_name(name, bit))
        f_.fail(field.name, "unknown flag '" + name + "'");
      bits |= bit;
    }
    return bits;
  }

  void control_arg() {
    const Field& fd_space = arg_field(Arg::control, "fd_space");
    const Field& control_len = arg_field(Arg::control, "control_len");
    if (f_.has(fd_space.name) && f_.has(control_len.name))
      f_.fail(control_len.name, "give fd_space or control_len, not both");
    if (f_.has(fd_space.name)) {
      const auto n = integer(fd_space);
      step_.has_control = true;
      step_.control_len = cmsg::space(static_cast<std::size_t>(n) * cmsg::fd_size);
    } else if (f_.has(control_len.name)) {
      if (f_.has("creds_space")) f_.fail("creds_space", "control_len already says it all");
      step_.has_control = true;
      step_.control_len = static_cast<std::size_t>(integer(control_len));
    }
    // SCM_CREDENTIALS comes first in the buffer (scm_recv_unix puts it before the fds), so
    // creds_space adds CMSG_SPACE(sizeof(struct ucred)) in front of fd_space's.
    if (f_.opt_bool("creds_space")) {
      step_.creds_space = true;
      step_.control_len =
          (step_.has_control ? step_.control_len : 0) + cmsg::space(cmsg::ucred_size);
      step_.has_control = true;
    }
    // A NULL msg_control with whatever msg_controllen the step gave.
    if (f_.opt_bool("null_control")) {
      if (f_.has("fd_space") || f_.has("creds_space"))
        f_.fail("null_control", "a NULL buffer has no fd_space or creds_space; give control_len");
      step_.has_control = false;
    }
  }

  // sendmsg's msg_control: cmsgs as data, an exact msg_controllen, or a NULL pointer.
  void send_control_arg(const std::vector<Field>& fields) {
    const Field& list = fields[0];
    const Field& controllen = fields[1];
    const Field& null = fields[2];
    f_.allow({list.name});
    SendControl& c = step_.control;
    c.null = f_.opt_bool(null.name);
    if (f_.has(controllen.name)) c.controllen = static_cast<std::size_t>(integer(controllen));
    if (f_.has(list.name)) {
      if (!step_.fds.empty() || f_.has("fds"))
        f_.fail(list.name, "give fds or control, not both (fds is one SCM_RIGHTS cmsg)");
      if (c.null) f_.fail(null.name, "a NULL msg_control carries no cmsgs");
      const auto& v = f_.raw(list.name);
      if (!v.is_array()) f_.fail(list.name, "expected an array of cmsgs, got " + json_kind(v));
      if (v.size() > static_cast<std::size_t>(list.max))
        f_.fail(list.name, "at most " + std::to_string(list.max) + " cmsgs");
      for (std::size_t i = 0; i < v.size(); ++i)
        parse_cmsg(v[i], std::string(list.name) + "[" + std::to_string(i) + "]");
    }
    if (c.null && !c.controllen) f_.fail(null.name, "needs msg_controllen (NULL with a length)");
    c.given = f_.has(list.name) || c.null || c.controllen.has_value();
    if (c.given && f_.has("fds") && !f_.has(list.name))
      f_.fail("fds", "with msg_controllen or null_control, give the fds as a control cmsg");
  }

  void parse_cmsg(const nlohmann::json& v, const std::string& where) {
    if (!v.is_object()) f_.fail(where, "expected a cmsg object, got " + json_kind(v));
    JsonFields e(v, sc_.file, step_.index, where);
    SendCmsg c;
    std::vector<FdArg> fds;
    const int kinds = e.has("rights") + e.has("creds") + (e.has("level") || e.has("type"));
    if (kinds != 1) e.fail("", "give exactly one of rights, creds, or level and type (a raw cmsg)");
    if (e.has("rights")) {
      c.kind = SendCmsg::Kind::rights;
      const Field& field = cmsg_field("rights");
      const auto& list = e.raw("rights");
      if (!list.is_array()) e.fail("rights", "expected an array of labels or fd numbers");
      if (list.size() > static_cast<std::size_t>(field.max))
        e.fail("rights", "at most " + std::to_string(field.max) + " fds per cmsg");
      // Each entry is an fd argument; errors name it where it is: control[i].rights.
      const std::string name = where + ".rights";
      Field entry = arg_field(Arg::fd, "fd");
      entry.name = name.c_str();
      for (const auto& item : list) fds.push_back(fd_value(item, entry));
    } else if (e.has("creds")) {
      c.kind = SendCmsg::Kind::creds;
      const auto& cv = e.raw("creds");
      if (!cv.is_object()) e.fail("creds", "expected {pid, uid, gid}, got " + json_kind(cv));
      JsonFields cf(cv, sc_.file, step_.index, where + ".creds");
      c.pid = cred_arg(cf, cred_field("pid"), true);
      c.uid = cred_arg(cf, cred_field("uid"), false);
      c.gid = cred_arg(cf, cred_field("gid"), false);
      cf.reject_unknown();
    } else {
      c.kind = SendCmsg::Kind::raw;
      if (!e.has("level") || !e.has("type")) e.fail("type", "a raw cmsg needs level and type");
      c.level = name_or_integer(e, cmsg_field("level"), {cmsg::sol_socket});
      c.type = name_or_integer(e, cmsg_field("type"),
                               {cmsg::scm_rights, cmsg::scm_credentials, cmsg::scm_pidfd});
      if (e.has("data_hex") && !decode_hex(e.req_string("data_hex"), c.payload))
        e.fail("data_hex", "expected an even number of hex digits");
      if (c.payload.size() > 4096) e.fail("data_hex", "at most 4096 bytes");
      // Raw SCM_CREDENTIALS bytes state a pid too (the first 4, zero-padded as sent): the same
      // rule as `creds`, or the answer would depend on which pids the machine has.
      if (c.level == cmsg::sol_socket && c.type == cmsg::scm_credentials) {
        std::uint32_t bits = 0;
        for (std::size_t i = 0; i < 4 && i < c.payload.size(); ++i)
          bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(c.payload[i])) << (8 * i);
        const auto pid = static_cast<std::int32_t>(bits);
        if (pid > 1 && pid <= cmsg::pid_max_limit)
          e.fail("data_hex",
                 "the pid in raw SCM_CREDENTIALS bytes must be <= 1 or above 4194304 (one no "
                 "machine has, or init); state credentials with \"creds\" to name your own");
      }
    }
    if (e.has("cmsg_len"))
      c.cmsg_len = static_cast<std::uint64_t>(e.integer(cmsg_field("cmsg_len")));
    e.reject_unknown();
    step_.control.cmsgs.push_back(std::move(c));
    step_.control_fds.push_back(std::move(fds));
  }

  static std::int64_t name_or_integer(JsonFields& e, const Field& field,
                                      const std::vector<std::int64_t>& values) {
    const auto& v = e.raw(field.name);
    if (v.is_string()) return values.at(e.choice(field));
    return e.integer(field);
  }

  static CredArg cred_arg(JsonFields& e, const Field& field, bool is_pid) {
    CredArg a;
    if (!e.has(field.name)) return a;
    const auto& v = e.raw(field.name);
    if (v.is_string()) {
      a.kind = e.choice(field) == 0 ? CredArg::Kind::own : CredArg::Kind::init;
      return a;
    }
    a.kind = CredArg::Kind::number;
    a.number = e.integer(field);
    if (is_pid && a.number > 0 && a.number <= cmsg::pid_max_limit)
      e.fail(field.name,
             "a pid number must be <= 0 or above 4194304 (one no machine has); "
             "use \"own\" or \"init\"");
    return a;
  }

  void fcntl_args(const std::vector<Field>& fields) {
    step_.cmd = static_cast<FcntlCmd>(choice(fields[0]));
    const bool setter = step_.cmd == FcntlCmd::setfd || step_.cmd == FcntlCmd::setfl;
    f_.allow({fields[1].name});
    if (!setter) return;
    for (const auto& name : f_.opt_strings(fields[1].name)) {
      long bit = 0;
      if (step_.cmd == FcntlCmd::setfd) {
        if (name != "FD_CLOEXEC")
          f_.fail(fields[1].name, "F_SETFD takes only FD_CLOEXEC, got '" + name + "'");
        bit = 1;
      } else if (!status_flag_from_name(name, bit) || bit == fl::path) {
        f_.fail(fields[1].name, "unknown status flag '" + name + "'");
      }
      step_.arg |= bit;
    }
  }

  // give: the fd's label moves to the other process.
  void give_to(const Field& field) {
    const auto to = f_.req_string(field.name);
    auto it = std::find(sc_.processes.begin(), sc_.processes.end(), to);
    if (it == sc_.processes.end()) f_.fail(field.name, "unknown process '" + to + "'");
    step_.to = static_cast<ProcId>(it - sc_.processes.begin());
    if (step_.to == step_.proc) f_.fail(field.name, "a process cannot give an fd to itself");
    labels_.move(f_, "fd", step_.proc, step_.to, step_.fd.label);
  }

  // Creation ops: exactly field.min labels, or none (then objects get generated names);
  // recvmsg and dup (min 0): any number.
  void bind_labels(const Field& field) {
    step_.as = f_.opt_strings(field.name);
    // sys.* steps name what they create: the usocket level has no generated names.
    if (sys_ && field.min > 0 && step_.as.empty()) f_.fail(field.name, "is required");
    if (field.min > 0 && !step_.as.empty() &&
        step_.as.size() != static_cast<std::size_t>(field.min))
      f_.fail(field.name, "expected " + std::to_string(field.min) + " label(s), got " +
                              std::to_string(step_.as.size()));
    bind_all(field.name);
  }
  void bind_all(const char* field) {
    std::set<std::string> seen;
    for (const auto& l : step_.as) {
      if (!seen.insert(l).second) f_.fail(field, "label '" + l + "' given twice");
      labels_.bind(f_, field, step_.proc, l);
    }
  }

  const Scenario& sc_;
  JsonFields f_;
  LabelScope& labels_;
  bool sys_;  // a usocket-level sys.* step
  Step step_;
};

}  // namespace

Step parse_sys_step(const Scenario& sc, const nlohmann::json& step, int index, LabelScope& labels) {
  return StepParser(sc, step, index, labels, true).parse();
}

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
    out = pattern_bytes(static_cast<std::size_t>(f.integer(arg_field(Arg::data, "data_size"))));
  }
  if (out.size() > kMaxStepBytes) f.fail("data", "longer than 16 MiB");
  return true;
}

Scenario parse_scenario_header(const nlohmann::json& j, const std::string& file) {
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
  return sc;
}

void parse_kernel_steps(Scenario& sc, const nlohmann::json& steps) {
  KernelStepReader reader(sc);
  for (const auto& s : steps) reader.add(s);
}

KernelStepReader::KernelStepReader(Scenario& sc)
    : sc_(sc), labels_(std::make_unique<LabelScope>(sc.processes.size())) {}

KernelStepReader::~KernelStepReader() = default;

Step KernelStepReader::read(const nlohmann::json& step) {
  return StepParser(sc_, step, read_++, *labels_, false).parse();
}

std::size_t Scenario::step_count() const { return lazy_steps ? lazy_steps->size() : steps.size(); }

const Step& Scenario::step(std::size_t i) const {
  return lazy_steps ? lazy_steps->at(i) : steps[i];
}

const Step& KernelStepReader::add(const nlohmann::json& step) {
  const int index = static_cast<int>(sc_.steps.size());
  sc_.steps.push_back(StepParser(sc_, step, index, *labels_, false).parse());
  return sc_.steps.back();
}

}  // namespace fdlab
