#include "core/level.h"

#include <exception>
#include <memory>

#include "core/json_fields.h"
#include "core/json_input.h"
#include "core/step_source.h"
#include "core/usocket/kernel_named_sockets.h"
#include "core/usocket/usocket_replay.h"
#include "core/usocket/usocket_scenario.h"

namespace fdlab {
namespace {

// A kernel-level scenario's steps parsed while the JSON is read, each dropped from the document
// as soon as it is a Step: a long scenario never exists as JSON whole. Lazily, the Steps are
// dropped too, once checked, and read again from the text as they are replayed. It needs the
// level and the processes before the steps (as every writer puts them); otherwise the steps stay
// in the document and are parsed after it, as before. Errors come out in the same order either
// way: the JSON's, the header's, then the first step's.
class StreamedSteps {
 public:
  StreamedSteps(const std::string& file, bool lazy) : lazy_(lazy) { partial_.file = file; }

  JsonInputHooks hooks() {
    JsonInputHooks h;
    h.member = [this](const std::string& key, const nlohmann::json& v) { header(key, v); };
    h.step = [this](std::size_t, nlohmann::json& step) { return take(step); };
    return h;
  }

  // Whether the steps were parsed while reading (then the document has none left).
  bool streamed() const { return reader_ != nullptr; }

  // The parsed steps into `sc`, whose header has been checked, lazily from `text`; rethrows
  // the first step error.
  void finish(Scenario& sc, std::string& text) {
    if (error_) std::rethrow_exception(error_);
    if (lazy_)
      sc.lazy_steps = std::make_shared<StepSource>(std::move(text), sc, checked_);
    else
      sc.steps = std::move(partial_.steps);
  }

 private:
  void header(const std::string& key, const nlohmann::json& v) {
    if (key == "level") kernel_level_ = v == "kernel";
    if (key != "processes" || !v.is_array()) return;
    partial_.processes.clear();
    for (const auto& p : v) {
      if (!p.is_string()) return;  // the header will say what is wrong
      partial_.processes.push_back(p.get<std::string>());
    }
    processes_known_ = true;
  }

  bool take(const nlohmann::json& step) {
    if (!reader_ && !decided_) {
      decided_ = true;
      if (kernel_level_ && processes_known_) reader_ = std::make_unique<KernelStepReader>(partial_);
    }
    if (!reader_) return true;  // kept: parsed after the document
    if (error_) return false;   // only the first error is said; the rest is only read
    try {
      if (lazy_)
        reader_->read(step);
      else
        reader_->add(step);
      ++checked_;
    } catch (...) {
      error_ = std::current_exception();
    }
    return false;
  }

  bool lazy_;
  std::size_t checked_ = 0;
  Scenario partial_;  // the file, the processes and the steps so far
  bool kernel_level_ = false;
  bool processes_known_ = false;
  bool decided_ = false;
  std::unique_ptr<KernelStepReader> reader_;
  std::exception_ptr error_;
};

// `keep` is where a lazy scenario's text is taken from once parsed (it may be `text` itself).
Scenario parse(const std::string& text, const std::string& file, bool lazy, std::string& keep) {
  StreamedSteps streamed(file, lazy);
  const nlohmann::json j = parse_json_input(text, file, streamed.hooks());
  Scenario sc = parse_scenario_header(j, file);
  if (streamed.streamed()) {
    streamed.finish(sc, keep);
    return sc;
  }
  const auto& steps = j.at("steps");  // the header checked it is an array
  if (sc.level == Level::usocket)
    usocket::parse_script(sc, steps);
  else
    parse_kernel_steps(sc, steps);
  return sc;
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file) {
  std::string unused;
  return parse(text, file, false, unused);
}

Scenario parse_scenario_lazily(std::string text, const std::string& file) {
  // The text is read whole before the source takes it over.
  return parse(text, file, true, text);
}

ReplayReport replay(const Scenario& sc, Kernel& kernel, const ReplayLimits& limits) {
  return run_to_end(*start_replay(sc, kernel, limits));
}

std::unique_ptr<ReplayRun> start_replay(const Scenario& sc, Kernel& kernel,
                                        const ReplayLimits& limits) {
  if (sc.level == Level::kernel) return start_kernel_level(sc, kernel, limits);
  return usocket::start_script(sc, kernel, std::make_unique<usocket::KernelNamedSockets>(kernel),
                               limits);
}

}  // namespace fdlab
