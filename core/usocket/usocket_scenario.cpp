#include "core/usocket/usocket_scenario.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/json_fields.h"
#include "core/label_scope.h"
#include "core/scenario_named.h"
#include "core/usocket/usocket_ops.h"

namespace fdlab::usocket {

enum class ScriptObjectKind : std::uint8_t { server, socket };

// Labels of usocket objects (scenario-wide, each living in one process) and of fds (the
// kernel level's tracker), followed through the steps so a wrong label fails before anything
// runs.
struct ScriptLabels {
  explicit ScriptLabels(std::size_t processes) : fds(processes) {}
  std::map<std::string, std::pair<ScriptObjectKind, ProcId>> objects;
  LabelScope fds;
};

namespace {

using Labels = ScriptLabels;
using Kind = ScriptObjectKind;

class UStepParser {
 public:
  UStepParser(const Scenario& sc, const nlohmann::json& j, int index, Labels& labels)
      : sc_(sc), j_(j), f_(j, sc.file, index), labels_(labels) {
    step_.index = index;
  }

  UStep parse() {
    step_.proc = process("proc", f_.req_string("proc"));
    const std::string op = f_.req_string("op");
    const UOpSpec* spec = find_uop(op);
    if (!spec) f_.fail("op", "unknown usocket-level op '" + op + "'");
    step_.op = spec->op;
    spec_ = spec;
    if (op.rfind(kSysPrefix, 0) == 0)
      sys_step();
    else
      arguments();
    if (f_.has("expect")) expectation(f_.raw("expect"));
    f_.allow({"comment"});
    f_.reject_unknown();
    return step_;
  }

 private:
  ProcId process(const char* field, const std::string& name) {
    auto it = std::find(sc_.processes.begin(), sc_.processes.end(), name);
    if (it == sc_.processes.end()) f_.fail(field, "unknown process '" + name + "'");
    return static_cast<ProcId>(it - sc_.processes.begin());
  }

  void arguments() {
    switch (step_.op) {
      case UOp::userver:
        create(Kind::server);
        break;
      case UOp::listen:
        listen();
        break;
      case UOp::pause:
      case UOp::resume:
      case UOp::server_close:
        object("server", Kind::server);
        break;
      case UOp::usocket:
        usocket();
        break;
      case UOp::connect:
        object("socket", Kind::socket);
        connect_target(false);
        step_.callback = f_.opt_bool("callback");
        break;
      case UOp::write:
        object("socket", Kind::socket);
        write_args(true);
        break;
      case UOp::end:
        object("socket", Kind::socket);
        write_args(false);
        break;
      case UOp::read:
        read_args();
        break;
      case UOp::read_until:
        object("socket", Kind::socket);
        step_.len = static_cast<std::size_t>(f_.integer(declared("size")));
        break;
      case UOp::unshift:
        object("socket", Kind::socket);
        step_.has_data = data();
        step_.has_fds = fd_list();
        break;
      case UOp::destroy:
        object("socket", Kind::socket);
        break;
      case UOp::run:
        step_.as = f_.opt_strings("as");
        bind_objects();
        break;
      case UOp::open_fds:  // the step's process is all it needs
        break;
      default:  // sys.*: sys_step()
        break;
    }
  }

  void create(Kind kind) {
    const auto as = f_.req_string("as");
    if (as.empty()) f_.fail("as", "a label must not be empty");
    if (labels_.objects.count(as)) f_.fail("as", "label '" + as + "' is already an object");
    labels_.objects[as] = {kind, step_.proc};
    step_.as = {as};
  }

  void object(const char* field, Kind kind) {
    step_.object = f_.req_string(field);
    auto it = labels_.objects.find(step_.object);
    if (it == labels_.objects.end()) f_.fail(field, "undefined object '" + step_.object + "'");
    if (it->second.first != kind)
      f_.fail(field,
              "'" + step_.object + "' is not a " + (kind == Kind::server ? "UServer" : "USocket"));
    if (it->second.second != step_.proc)
      f_.fail(field,
              "'" + step_.object + "' lives in process '" + sc_.processes[it->second.second] + "'");
  }

  std::string fd_label(const char* field) {
    const auto& v = f_.raw(field);
    if (!v.is_string()) f_.fail(field, "fds are labels at this level, never numbers");
    auto l = v.get<std::string>();
    labels_.fds.require(f_, field, step_.proc, l, sc_.processes);
    return l;
  }

  void bind_fd(const std::string& l) { labels_.fds.bind(f_, "as", step_.proc, l); }

  // A plain fd call: the kernel level's op of the same name, parsed by the kernel level's
  // parser (core/scenario.h, parse_sys_step), with only the fields usocket_ops declares.
  void sys_step() {
    step_.sys = parse_sys_step(sc_, j_, step_.index, labels_.fds);
    step_.as = step_.sys->as;
    // Only what usocket_ops declares: parse() refuses the rest (sys.socketpair takes no type).
    for (const auto& field : spec_->fields) f_.allow({field.name});
  }

  void bind_objects() {
    for (const auto& l : step_.as) {
      if (l.empty() || labels_.objects.count(l)) f_.fail("as", "label '" + l + "' is taken");
      labels_.objects[l] = {Kind::socket, step_.proc};
    }
  }

  void listen() {
    object("server", Kind::server);
    step_.path = parse_sock_addr(f_, false).name;
    if (f_.has("backlog")) step_.backlog = static_cast<int>(f_.integer(declared("backlog")));
    const auto form = f_.opt_string("form", "args");
    if (form == "args")
      step_.listen_form = ListenForm::args;
    else if (form == "options")
      step_.listen_form = ListenForm::options;
    else
      f_.fail("form", "expected args or options, got '" + form + "'");
    step_.callback = f_.opt_bool("callback");
  }

  void usocket() {
    create(Kind::socket);
    connect_target(true);
    step_.callback = f_.opt_bool("callback");
  }

  void connect_target(bool optional) {
    if (f_.has("path") && f_.has("fd")) f_.fail("fd", "give path or fd, not both");
    const auto form = f_.opt_string("form", "");
    if (f_.has("path")) {
      step_.path = parse_sock_addr(f_, false).name;
      step_.connect_form = form == "options" ? ConnectForm::path_options : ConnectForm::path;
      if (!form.empty() && form != "options" && form != "string")
        f_.fail("form", "expected string or options, got '" + form + "'");
    } else if (f_.has("fd")) {
      step_.fd = fd_label("fd");
      labels_.fds.release(step_.proc, step_.fd);  // the socket owns it now
      step_.connect_form = ConnectForm::fd_options;
      if (!form.empty() && form != "options") f_.fail("form", "an fd is given as {fd}");
    } else if (!optional) {
      f_.fail("path", "connect needs a path or an fd");
    }
  }

  bool data() { return read_step_bytes(f_, step_.data); }

  bool fd_list() {
    if (!f_.has("fds")) return false;
    const auto& v = f_.raw("fds");
    if (!v.is_array()) f_.fail("fds", "expected an array of fd labels");
    if (v.size() > 1024) f_.fail("fds", "at most 1024 fds per step");
    for (const auto& item : v) {
      if (!item.is_string()) f_.fail("fds", "fds are labels at this level, never numbers");
      const auto l = item.get<std::string>();
      labels_.fds.require(f_, "fds", step_.proc, l, sc_.processes);
      step_.fds.push_back(l);
    }
    return true;
  }

  void write_args(bool required) {
    step_.has_data = data();
    step_.has_fds = fd_list();
    step_.callback = f_.opt_bool("callback");
    const auto form = f_.opt_string("form", "");
    if (form.empty()) {
      if (step_.has_data && step_.has_fds)
        step_.write_form = WriteForm::object;
      else if (step_.has_fds)
        step_.write_form = WriteForm::fds;
      else if (step_.has_data)
        step_.write_form = WriteForm::buffer;
      else if (required)
        step_.write_form = WriteForm::object;  // write({})
    } else if (form == "buffer" || form == "string") {
      if (step_.has_fds) f_.fail("form", "a " + form + " carries no fds: use form object");
      if (!step_.has_data) f_.fail("data", "form " + form + " needs data");
      step_.write_form = form == "buffer" ? WriteForm::buffer : WriteForm::string;
    } else if (form == "fds") {
      if (step_.has_data) f_.fail("form", "an fd array carries no data: use form object");
      step_.has_fds = true;
      step_.write_form = WriteForm::fds;
    } else if (form == "object") {
      step_.write_form = WriteForm::object;
    } else {
      f_.fail("form", "expected buffer, string, fds or object, got '" + form + "'");
    }
  }

  void read_args() {
    object("socket", Kind::socket);
    step_.has_size = f_.has("size");
    if (step_.has_size && !f_.raw("size").is_null())
      step_.size = static_cast<std::size_t>(f_.integer(declared("size")));
    step_.two_arg = f_.has("count");
    if (step_.two_arg && !f_.raw("count").is_null())
      step_.count = static_cast<std::size_t>(f_.integer(declared("count")));
    if (step_.two_arg) step_.has_size = true;  // read(undefined, n) is read(null, n)
    step_.as = f_.opt_strings("as");
    if (!step_.as.empty() && !step_.two_arg)
      f_.fail("as", "only the two-argument read returns fds");
    for (const auto& l : step_.as) bind_fd(l);
  }

  void expectation(const nlohmann::json& e) {
    if (!e.is_object()) f_.fail("expect", "expected an object");
    for (const auto& item : e.items()) {
      if (item.key() == "result") continue;
      if (item.key() == "events" && item.value().is_array()) continue;
      f_.fail("expect",
              "keys are result (any JSON) and events (an array), not '" + item.key() + "'");
    }
    step_.expect = e;
  }

  // The declaration of this op's field `name` (core/usocket/usocket_ops.cpp): its range.
  const Field& declared(const char* name) const {
    for (const auto& field : spec_->fields)
      if (std::string(field.name) == name) return field;
    f_.fail(name, "is not a field of this op");
  }

  const Scenario& sc_;
  const nlohmann::json& j_;
  JsonFields f_;
  Labels& labels_;
  UStep step_;
  const UOpSpec* spec_ = nullptr;
};

}  // namespace

const char* uop_name(UOp op) { return uop_spec(op).name; }

void parse_script(Scenario& sc, const nlohmann::json& steps) {
  ScriptReader reader(sc);
  for (const auto& s : steps) reader.add(s);
}

ScriptReader::ScriptReader(Scenario& sc)
    : sc_(sc),
      script_(std::make_shared<Script>()),
      labels_(std::make_unique<ScriptLabels>(sc.processes.size())) {
  sc_.usocket = script_;
}

ScriptReader::~ScriptReader() = default;

const UStep& ScriptReader::add(const nlohmann::json& step) {
  const int index = static_cast<int>(script_->steps.size());
  script_->steps.push_back(UStepParser(sc_, step, index, *labels_).parse());
  return script_->steps.back();
}

void ScriptReader::take_back() { script_->steps.pop_back(); }

}  // namespace fdlab::usocket
