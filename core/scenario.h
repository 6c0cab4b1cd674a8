#pragma once
// The scenario model (docs/scenario-format.md) and its parser. Parsing checks everything that
// can be checked before running: JSON syntax, fields and their types, ops, process names, and
// that every label is bound in the process that uses it. Errors are HarnessErrors naming the
// file, the step and the field.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/op_table.h"

namespace fdlab {

namespace usocket {
struct Script;  // core/usocket/usocket_scenario.h
}
class StepSource;  // core/step_source.h

enum class Level : std::uint8_t { kernel, usocket };

// An fd argument: a label bound in the step's process, or a raw number used as is.
struct FdArg {
  std::string label;  // empty when raw
  int number = -1;
  bool is_label() const { return !label.empty(); }
};

struct Step {
  int index = 0;
  ProcId proc = 0;
  OpKind op = OpKind::close;

  FdArg fd;                     // sock / fd
  std::vector<FdArg> fds;       // sendmsg's SCM_RIGHTS
  std::vector<std::string> as;  // labels this step binds
  std::string data;             // sendmsg / write bytes
  std::uint32_t flags = 0;      // msg:: bits for sendmsg / recvmsg
  SockType type = SockType::stream;
  bool nonblock = false;
  bool cloexec = false;
  std::size_t len = 0;       // recvmsg / read
  bool has_control = false;  // recvmsg: fd_space or control_len given
  std::size_t control_len = 0;
  long offset = 0;
  Whence whence = Whence::set;
  FcntlCmd cmd = FcntlCmd::getfd;
  long arg = 0;  // fcntl setter argument, in core bits
  ShutHow how = ShutHow::rdwr;
  ProcId to = 0;                  // give
  SockAddr addr;                  // bind / connect / unlink (unlink: a path, never abstract)
  int backlog = 0;                // listen
  SockOpt opt = SockOpt::sndbuf;  // setsockopt / getsockopt
  long value = 0;                 // setsockopt's value; setrlimit's soft limit; set_ids' uid
  long gid = 0;                   // set_ids
  bool creds_space = false;       // recvmsg: room for SCM_CREDENTIALS in front of the fds
  // sendmsg's msg_control as data; each rights cmsg's fds are resolved at replay from
  // control_fds (one list per cmsg, empty for the others).
  SendControl control;
  std::vector<std::vector<FdArg>> control_fds;
  std::optional<SockAddr> dest;              // sendmsg: msg_name
  bool msg_name = false;                     // recvmsg: report the sender's address
  OpenKind open_kind = OpenKind::directory;  // open (o_path of a name: the name in addr)
  std::uint32_t events = 0;                  // poll: pollev:: bits

  std::optional<nlohmann::json> expect;  // validated object
};

struct Scenario {
  std::string file;  // where it came from, for messages
  std::string id;
  std::string title;
  std::string description;
  Level level = Level::kernel;
  std::vector<std::string> tags;
  std::vector<std::string> provenance;
  std::vector<std::string> rules;
  std::string min_kernel;  // "" when any kernel will do
  std::vector<std::string> processes;
  std::vector<Step> steps;                         // level kernel
  std::shared_ptr<const usocket::Script> usocket;  // level usocket
  // Level kernel, when parsed lazily (core/level.h): the steps are read from the scenario's text
  // as they are replayed, and `steps` stays empty.
  std::shared_ptr<StepSource> lazy_steps;

  // The kernel level's steps, however they are held.
  std::size_t step_count() const;
  const Step& step(std::size_t i) const;
};

class JsonFields;

// Reads a step's bytes from whichever of `data` (a string), `data_hex` or `data_size` (the
// pattern abc…) it gives, at most one of them and kMaxStepBytes long. Returns false when none
// is given. Shared by both levels' parsers; throws HarnessError naming the field.
bool read_step_bytes(JsonFields& f, std::string& out);

// The top level of a scenario (everything but its steps), checked; throws HarnessError. `file`
// only names the source in messages. core/level.h parses a whole file, at either level.
Scenario parse_scenario_header(const nlohmann::json& scenario, const std::string& file);
// The kernel level's steps into sc.steps; throws HarnessError naming the step and the field.
void parse_kernel_steps(Scenario& sc, const nlohmann::json& steps);

class LabelScope;  // core/label_scope.h

// The same parser a step at a time, with the labels bound so far: the fuzzer's generator adds a
// step, runs it, and only then picks the next one.
class KernelStepReader {
 public:
  explicit KernelStepReader(Scenario& sc);
  ~KernelStepReader();
  KernelStepReader(const KernelStepReader&) = delete;
  KernelStepReader& operator=(const KernelStepReader&) = delete;
  // Parses `step` as the next of sc.steps and appends it; throws HarnessError.
  const Step& add(const nlohmann::json& step);
  // Parses `step` as the next step without keeping it (a reader uses add() or read(), not
  // both): a lazily parsed scenario's steps are checked once, then read again as replayed.
  Step read(const nlohmann::json& step);

 private:
  Scenario& sc_;
  std::unique_ptr<LabelScope> labels_;
  int read_ = 0;  // steps read()
};

// The usocket level's plain fd calls are kernel ops written "sys.NAME", parsed by the kernel
// level's step parser with two differences: fds are labels only, and creations name their
// fds. The usocket parser checks the prefix, the fields it allows, and the expectation.
constexpr const char* kSysPrefix = "sys.";
Step parse_sys_step(const Scenario& sc, const nlohmann::json& step, int index, LabelScope& labels);

}  // namespace fdlab
