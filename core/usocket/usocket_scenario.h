#pragma once
// Scenarios at the usocket level (docs/scenario-format.md, "Level usocket"): the steps drive
// UServer and USocket objects and the event loop, plus a few plain fd calls (sys.*) to make
// files to pass and to check what was received.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.h"

namespace fdlab::usocket {

enum class UOp : std::uint8_t {
  userver,
  listen,
  pause,
  resume,
  server_close,
  usocket,
  connect,
  write,
  end,
  read,
  read_until,
  unshift,
  destroy,
  run,
  open_fds,
  sys_socketpair,
  sys_pipe,
  sys_open_temp,
  sys_write,
  sys_read,
  sys_lseek,
  sys_close,
  sys_give
};

const char* uop_name(UOp op);

// How the JavaScript call is written, where the README offers several.
enum class WriteForm : std::uint8_t { none, buffer, string, fds, object };
enum class ListenForm : std::uint8_t { args, options };
enum class ConnectForm : std::uint8_t { none, path, path_options, fd_options };

struct UStep {
  int index = 0;
  ProcId proc = 0;
  UOp op = UOp::run;

  std::string object;           // the server or socket the step acts on
  std::vector<std::string> as;  // labels this step binds
  std::string path;             // listen, connect
  std::string fd;               // connect {fd}, sys.* (an fd label)
  std::optional<int> backlog;   // listen
  ListenForm listen_form = ListenForm::args;
  ConnectForm connect_form = ConnectForm::none;
  bool callback = false;  // register a callback (listen, connect, write, end, usocket)

  WriteForm write_form = WriteForm::none;  // write, end (none: end() without a chunk)
  bool has_data = false;
  std::string data;
  bool has_fds = false;
  std::vector<std::string> fds;  // fd labels (write, unshift)

  bool two_arg = false;             // read(size, count) rather than read([size])
  bool has_size = false;            // read: an argument given at all (one-argument form)
  std::optional<std::size_t> size;  // nullopt: null
  std::optional<std::size_t> count;

  std::size_t len = 0;      // read_until
  std::optional<Step> sys;  // sys.*: the kernel level's step (core/scenario.h, parse_sys_step)

  std::optional<nlohmann::json> expect;  // {"result": ..., "events": [...]}
};

struct Script {
  std::vector<UStep> steps;
};

// Parses the steps of a usocket-level scenario into sc.usocket. Throws HarnessError naming the
// file, the step and the field.
void parse_script(Scenario& sc, const nlohmann::json& steps);

struct ScriptLabels;  // the labels bound so far (usocket_scenario.cpp)

// The same parser a step at a time, with the labels bound so far: the fuzzer's usocket
// generator adds a step, runs it, and only then picks the next one (as KernelStepReader).
class ScriptReader {
 public:
  explicit ScriptReader(Scenario& sc);  // sc.usocket becomes this reader's script
  ~ScriptReader();
  ScriptReader(const ScriptReader&) = delete;
  ScriptReader& operator=(const ScriptReader&) = delete;
  // Parses `step` as the next step and appends it; throws HarnessError.
  const UStep& add(const nlohmann::json& step);
  // Drops the last step added (its labels stay taken).
  void take_back();

 private:
  Scenario& sc_;
  std::shared_ptr<Script> script_;
  std::unique_ptr<ScriptLabels> labels_;
};

}  // namespace fdlab::usocket
