#include "web/playground.h"

#include <algorithm>
#include <iterator>

#include "core/harness_error.h"
#include "core/level.h"
#include "core/trace.h"
#include "core/usocket/usocket_scenario.h"
#include "web/journey.h"

namespace fdlab::web {
namespace {

nlohmann::json located(const HarnessError& e) {
  return {{"file", e.file()},
          {"step", e.step()},
          {"field", e.field()},
          {"reason", e.reason()},
          {"message", e.what()}};
}

nlohmann::json unlocated(const std::string& file, const std::string& message) {
  return {{"file", file}, {"step", -1}, {"field", ""}, {"reason", message}, {"message", message}};
}

nlohmann::json failed(nlohmann::json error) { return {{"ok", false}, {"error", std::move(error)}}; }

const char* level_name(Level l) { return l == Level::usocket ? "usocket" : "kernel"; }

std::size_t step_count(const Scenario& sc) {
  return sc.level == Level::usocket && sc.usocket ? sc.usocket->steps.size() : sc.steps.size();
}

nlohmann::json summary(const Scenario& sc) {
  return {{"ok", true},         {"id", sc.id},
          {"level", level_name(sc.level)}, {"title", sc.title},
          {"description", sc.description}, {"rules", sc.rules},
          {"steps", step_count(sc)}};
}

// The rules a step applied, in id order (the sink is cleared for the next step).
std::vector<std::string> take_rules(RulesReached& sink) {
  std::vector<std::string> ids;
  for (const auto& entry : sink.counts()) ids.emplace_back(entry.first);
  sink.clear();
  return ids;
}

// A usocket-level scenario's kernel state after k steps: the snapshot with the process names;
// its objects have no labels (the usocket model opens them itself).
std::string whole_state(const SimKernel& kernel, int k, const std::vector<std::string>& names) {
  nlohmann::json j = kernel.snapshot();
  j["step"] = k;
  j["names"] = names;
  j["labels"] = {{"objects", nlohmann::json::object()}, {"fds", nlohmann::json::array()}};
  return j.dump();
}

}  // namespace

std::string parse_result(const std::string& text, const std::string& file) {
  try {
    return summary(parse_scenario(text, file)).dump();
  } catch (const HarnessError& e) {
    return failed(located(e)).dump();
  } catch (const std::exception& e) {
    return failed(unlocated(file, e.what())).dump();
  }
}

// The recording run's simulator is copied every interval_ steps. The copies of a long scenario
// with a large state would fill the memory: past this many bytes (estimated from the state's
// JSON and the labels the session keeps) every other one goes and the interval doubles, so a
// move replays at most interval_ steps however long the scenario.
constexpr int kFirstInterval = 64;
constexpr std::size_t kCheckpointBytes = 48u << 20;

Playground::Playground() = default;
Playground::~Playground() = default;

std::string Playground::load(const std::string& text, const std::string& file) {
  session_.reset();
  kernel_.reset();
  scenario_.reset();
  records_.clear();
  step_rules_.clear();
  whole_states_.clear();
  failures_.clear();
  run_error_ = nullptr;
  position_ = 0;
  viewed_ = 0;
  recent_.clear();
  recent_bytes_ = 0;
  checkpoints_.clear();
  checkpoint_bytes_ = 0;
  interval_ = kFirstInterval;
  replayed_ = 0;
  restores_ = 0;
  try {
    scenario_ = std::make_unique<Scenario>(parse_scenario(text, file));
  } catch (const HarnessError& e) {
    return failed(located(e)).dump();
  } catch (const std::exception& e) {
    return failed(unlocated(file, e.what())).dump();
  }
  // usocket-level scenarios replay in one run through core's usocket model; the kernel state
  // after each step is kept whole (such scenarios are short), so they step like the others.
  if (scenario_->level == Level::usocket) {
    try {
      SimKernel kernel;
      RulesReached rules;
      kernel.set_rules_sink(&rules);
      std::unique_ptr<ReplayRun> run = start_replay(*scenario_, kernel);
      whole_states_.push_back(whole_state(kernel, 0, scenario_->processes));
      nlohmann::json record;
      while (run->next(record)) {
        records_.push_back(std::move(record));
        step_rules_.push_back(take_rules(rules));
        whole_states_.push_back(
            whole_state(kernel, static_cast<int>(records_.size()), scenario_->processes));
      }
      ReplayReport report = run->finish();
      failures_ = std::move(report.failures);
      if (report.leftovers.leaked)
        failures_.push_back({-1, "leaked after the scenario: " + report.leftovers.detail});
      if (!report.error.empty()) run_error_ = unlocated(file, report.error);
    } catch (const HarnessError& e) {
      run_error_ = located(e);
    } catch (const std::exception& e) {
      run_error_ = unlocated(file, e.what());
    }
    nlohmann::json out = summary(*scenario_);
    out["ran"] = records_.size();
    out["stepwise"] = true;
    return out.dump();
  }
  // The recording run, step by step so that a harness error keeps its step and field.
  try {
    SimKernel kernel;
    RulesReached rules;
    kernel.set_rules_sink(&rules);
    ReplayReport report;
    ReplaySession session(*scenario_, kernel);
    checkpoint(kernel, session, 0);
    try {
      for (;;) {
        const bool more = session.step(report);
        if (report.trace.size() > step_rules_.size()) step_rules_.push_back(take_rules(rules));
        if (!more) break;
        checkpoint(kernel, session, static_cast<int>(session.next_step()));
      }
    } catch (const HarnessError& e) {
      run_error_ = located(e);
    }
    report.leftovers = kernel.finish();
    if (report.leftovers.leaked)
      report.failures.push_back({-1, "leaked after the scenario: " + report.leftovers.detail});
    records_ = std::move(report.trace);
    failures_ = std::move(report.failures);
  } catch (const std::exception& e) {
    run_error_ = unlocated(file, e.what());
  }
  restart();
  nlohmann::json out = summary(*scenario_);
  out["ran"] = records_.size();
  out["stepwise"] = true;
  return out.dump();
}

void Playground::checkpoint(const SimKernel& kernel, const ReplaySession& session, int step) {
  if (step % interval_ != 0) return;
  std::unique_ptr<SimKernel> k = kernel.copy();
  k->set_rules_sink(nullptr);  // the recording run's sink does not outlive load()
  auto s = std::make_unique<ReplaySession>(session, *k);
  // A map node and its string: about 48 bytes besides the label's characters.
  std::size_t bytes = kernel.snapshot().dump().size();
  for (const auto& labels : session.fd_labels())
    for (const auto& entry : labels) bytes += 48 + entry.first.size();
  for (const auto& entry : session.object_labels()) bytes += 48 + entry.second.size();
  checkpoint_bytes_ += bytes;
  checkpoints_.push_back({step, std::move(k), std::move(s), bytes});
  while (checkpoint_bytes_ > kCheckpointBytes && checkpoints_.size() > 1) {
    interval_ *= 2;
    std::vector<Checkpoint> kept;
    checkpoint_bytes_ = 0;
    for (auto& c : checkpoints_) {
      if (c.step % interval_ != 0) continue;
      checkpoint_bytes_ += c.bytes;
      kept.push_back(std::move(c));
    }
    checkpoints_ = std::move(kept);
  }
}

void Playground::restart() { restore(0); }

void Playground::restore(int k) {
  session_.reset();
  if (checkpoints_.empty()) {  // the recording run failed before its first step
    kernel_ = std::make_unique<SimKernel>();
    session_ = std::make_unique<ReplaySession>(*scenario_, *kernel_);
    position_ = 0;
    return;
  }
  const Checkpoint& c = *nearest_checkpoint(k);
  kernel_ = c.kernel->copy();
  session_ = std::make_unique<ReplaySession>(*c.session, *kernel_);
  position_ = c.step;
  ++restores_;
}

std::vector<Playground::Checkpoint>::const_iterator Playground::nearest_checkpoint(int k) const {
  auto it = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), k,
                             [](int step, const Checkpoint& c) { return step < c.step; });
  return it == checkpoints_.begin() ? it : std::prev(it);
}

void Playground::advance() {
  // The recording run already reported this step's errors; here only the state matters.
  try {
    session_->step(scratch_);
  } catch (const HarnessError&) {
  }
  scratch_.trace.clear();
  scratch_.failures.clear();
  ++position_;
  ++replayed_;
}

std::string Playground::step_to(int k) {
  if (!scenario_) return failed(unlocated("", "no scenario loaded")).dump();
  try {
    const int target = std::clamp(k, 0, static_cast<int>(records_.size()));
    if (!session_) {  // a whole-run scenario: nothing to step
      position_ = target;
      return nlohmann::json{{"ok", true}, {"step", position_}}.dump();
    }
    if (target < position_ || jumps_ahead(target)) restore(target);
    while (position_ < target) advance();
    return nlohmann::json{{"ok", true}, {"step", position_}}.dump();
  } catch (const std::exception& e) {
    return failed(unlocated(scenario_->file, e.what())).dump();
  }
}

namespace {

// An fd's labels past its object's own and three more are not shown by the page (state()).
constexpr int kLabelsPerFd = 5;

// Bytes queued in a segment are shown up to this many characters; the rest only counted.
constexpr std::size_t kShownBytes = 256;

void shorten(nlohmann::json& segment, const char* key, std::size_t chars_per_byte) {
  if (!segment.contains(key)) return;
  auto& s = segment[key].get_ref<std::string&>();
  const std::size_t bytes = s.size() / chars_per_byte;
  if (s.size() <= kShownBytes) return;
  segment["bytes"] = bytes;
  s.resize(kShownBytes);
}

}  // namespace

nlohmann::json Playground::state() const {
  if (!session_) {
    return {{"step", position_},
            {"names", scenario_->processes},
            {"stepwise", false},
            {"processes", nlohmann::json::array()},
            {"objects", nlohmann::json::array()},
            {"sockets", nlohmann::json::array()},
            {"pipes", nlohmann::json::array()},
            {"labels", {{"objects", nlohmann::json::object()}, {"fds", nlohmann::json::array()}}}};
  }
  nlohmann::json j = kernel_->snapshot();
  j["step"] = position_;
  j["names"] = scenario_->processes;
  for (auto& sock : j["sockets"])
    for (auto& seg : sock["queue"]) {
      shorten(seg, "data", 1);
      shorten(seg, "data_hex", 2);
    }
  // Labels of live objects and of open fds only: the labels of the past are history.
  auto& objects = j["labels"]["objects"] = nlohmann::json::object();
  const auto& names = session_->object_labels();
  for (const auto& o : j["objects"]) {
    auto it = names.find(o["object"].get<ObjectId>());
    if (it != names.end()) objects[std::to_string(it->first)] = it->second;
  }
  // The fd labels bound to each open number, kLabelsPerFd of them at most: the page names an
  // fd's labels only when there are three or fewer besides its object's own, and a long
  // scenario binds thousands of labels, over its rounds, to the same few numbers.
  auto& fds = j["labels"]["fds"] = nlohmann::json::array();
  const auto& bound = session_->fd_labels();
  for (std::size_t p = 0; p < bound.size(); ++p) {
    std::map<int, int> shown;  // open fd -> labels given so far
    for (const auto& fd : j["processes"][p]["fds"]) shown[fd["fd"].get<int>()] = 0;
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [label, fd] : bound[p]) {
      auto it = shown.find(fd);
      if (it != shown.end() && it->second++ < kLabelsPerFd) labels[label] = fd;
    }
    fds.push_back(std::move(labels));
  }
  return j;
}

std::string Playground::snapshot() const {
  if (!scenario_) return failed(unlocated("", "no scenario loaded")).dump();
  try {
    return state().dump();
  } catch (const std::exception& e) {
    return failed(unlocated(scenario_->file, e.what())).dump();
  }
}

// Enough for a few hundred states of a small scenario, and a bound for a big one.
constexpr std::size_t kRecentBytes = 8u << 20;
constexpr int kRecentBehind = 128;

void Playground::remember(int k, std::string state) {
  if (recent_.count(k)) return;
  recent_bytes_ += state.size();
  recent_.emplace(k, std::move(state));
  // Forget the states farthest from the viewed step first.
  while (recent_bytes_ > kRecentBytes && recent_.size() > 2) {
    auto first = recent_.begin();
    auto last = std::prev(recent_.end());
    auto far = (viewed_ - first->first) > (last->first - viewed_) ? first : last;
    recent_bytes_ -= far->second.size();
    recent_.erase(far);
  }
}

// Replaying forward from where the simulator stands is cheaper than copying a checkpoint until
// it would take more than interval_ steps.
bool Playground::jumps_ahead(int k) const {
  return !checkpoints_.empty() && k - position_ > interval_ &&
         nearest_checkpoint(k)->step > position_;
}

// Stepping back, the states just behind are the next ones asked for (a step back at a time):
// they are kept on the way from the checkpoint, this many at most, within this many bytes.
constexpr int kBehindOnMiss = 64;
constexpr std::size_t kMissBytes = 1u << 20;

std::string Playground::state_at(int k) {
  if (!whole_states_.empty()) return whole_states_[static_cast<std::size_t>(k)];
  auto it = recent_.find(k);
  if (it != recent_.end()) return it->second;
  if (session_ && (k < position_ || jumps_ahead(k))) {
    // A jump back wants one state; a step back, the next ones behind it too.
    const bool back = stepping_back_ && k < position_;
    restore(k);
    std::size_t bytes = 0;
    while (position_ < k) {
      if (back && k - position_ <= kBehindOnMiss && bytes < kMissBytes &&
          !recent_.count(position_)) {
        std::string s = state().dump();
        bytes += s.size();
        remember(position_, std::move(s));
      }
      advance();
    }
  }
  step_to(k);
  std::string s = state().dump();
  remember(k, s);
  return s;
}

std::string Playground::view(int k) {
  if (!scenario_) return failed(unlocated("", "no scenario loaded")).dump();
  try {
    const int target = std::clamp(k, 0, static_cast<int>(records_.size()));
    stepping_back_ = target < viewed_ && viewed_ - target <= 2;
    viewed_ = target;
    std::string out = "{\"ok\":true,\"step\":" + std::to_string(target) + ",\"before\":";
    out += target > 0 ? state_at(target - 1) : std::string("null");
    out += ",\"after\":" + state_at(target) + "}";
    return out;
  } catch (const std::exception& e) {
    return failed(unlocated(scenario_->file, e.what())).dump();
  }
}

std::string Playground::state_json(int k) {
  if (!scenario_) return failed(unlocated("", "no scenario loaded")).dump();
  try {
    const int target = std::clamp(k, 0, static_cast<int>(records_.size()));
    stepping_back_ = target < viewed_ && viewed_ - target <= 2;
    viewed_ = target;
    return state_at(target);
  } catch (const std::exception& e) {
    return failed(unlocated(scenario_->file, e.what())).dump();
  }
}

std::string Playground::stats() const {
  return nlohmann::json{{"replayed", replayed_},
                        {"restores", restores_},
                        {"interval", interval_},
                        {"checkpoints", checkpoints_.size()},
                        {"checkpoint_bytes", checkpoint_bytes_},
                        {"cached", recent_.size()},
                        {"cached_bytes", recent_bytes_}}
      .dump();
}

int Playground::prefetch() {
  if (!session_) return 0;
  try {
    // As many states behind as fit in kMissBytes, judged by the one viewed: a page runs this
    // when idle, and a key pressed meanwhile waits for it.
    auto shown = recent_.find(viewed_);
    const std::size_t size = shown != recent_.end() ? shown->second.size() + 1 : kMissBytes;
    const int behind = static_cast<int>(
        std::clamp<std::size_t>(kMissBytes / size, 1, static_cast<std::size_t>(kRecentBehind)));
    int missing = std::max(0, viewed_ - behind);
    while (missing < viewed_ && recent_.count(missing)) ++missing;
    if (missing >= viewed_) return 0;
    // One replay from the nearest checkpoint (or from where the simulator stands) records them.
    int added = 0;
    for (int k = missing; k < viewed_; ++k) {
      step_to(k);
      if (!recent_.count(k)) {
        remember(k, state().dump());
        ++added;
      }
    }
    return added;
  } catch (const std::exception&) {
    return 0;
  }
}

std::string Playground::trace() const {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : failures_) failures.push_back({{"step", f.step}, {"message", f.message}});
  nlohmann::json expects = nlohmann::json::array();
  if (scenario_ && scenario_->level == Level::usocket && scenario_->usocket) {
    for (const auto& s : scenario_->usocket->steps)
      expects.push_back(s.expect ? *s.expect : nullptr);
  } else if (scenario_) {
    for (const auto& s : scenario_->steps) expects.push_back(s.expect ? *s.expect : nullptr);
  }
  return nlohmann::json{{"records", records_},
                        {"rules", step_rules_},
                        {"failures", std::move(failures)},
                        {"expects", std::move(expects)},
                        {"error", run_error_},
                        {"ran", records_.size()}}
      .dump();
}

std::string Playground::journey(int object) {
  if (!scenario_) return failed(unlocated("", "no scenario loaded")).dump();
  try {
    Journey journey(object);
    const int ran = static_cast<int>(records_.size());
    if (!whole_states_.empty()) {
      for (int k = 0; k <= ran && k < static_cast<int>(whole_states_.size()); ++k)
        journey.add(k, nlohmann::json::parse(state_at(k)), {});
    } else if (session_) {
      restart();
      std::map<long long, std::string> names;
      for (int k = 0;; ++k) {
        for (const auto& [id, label] : session_->object_labels()) names[id] = label;
        nlohmann::json state = kernel_->snapshot();
        state["names"] = scenario_->processes;
        journey.add(k, state, names);
        if (k == ran) break;
        advance();
      }
    }
    nlohmann::json out = journey.json();
    out["ok"] = true;
    return out.dump();
  } catch (const std::exception& e) {
    return failed(unlocated(scenario_->file, e.what())).dump();
  }
}

std::string Playground::divergence(const std::string& trace_file) const {
  try {
    const auto file = nlohmann::json::parse(trace_file);
    if (!file.is_object() || file.value("fdlab_trace", 0) != 1 || !file.contains("trace") ||
        !file["trace"].is_array())
      return failed(unlocated("",
                              "not an fdlab trace file (expected {\"fdlab_trace\": 1, "
                              "\"trace\": [...]}, as written by fdlab record)"))
          .dump();
    const std::vector<nlohmann::json> other = file["trace"].get<std::vector<nlohmann::json>>();
    const Divergence d = first_divergence(records_, other);
    // Every record that differs, for the side-by-side trace (the same equality as
    // first_divergence: a record is the same only when it is equal as JSON).
    std::vector<std::size_t> differs;
    for (std::size_t i = 0; i < std::max(records_.size(), other.size()); ++i)
      if (i >= records_.size() || i >= other.size() || records_[i] != other[i]) differs.push_back(i);
    return nlohmann::json{{"ok", true},
                          {"differs", differs},
                          {"other_records", other},
                          {"found", d.found},
                          {"index", d.index},
                          {"sim", d.left},
                          {"other", d.right},
                          {"records", other.size()},
                          {"scenario", file.value("scenario", "")},
                          {"backend", file.value("backend", "")},
                          {"kernel", file.value("kernel", "")},
                          {"passed", file.value("passed", false)}}
        .dump();
  } catch (const std::exception& e) {
    return failed(unlocated("", std::string("the trace file is not valid JSON: ") + e.what()))
        .dump();
  }
}

}  // namespace fdlab::web
