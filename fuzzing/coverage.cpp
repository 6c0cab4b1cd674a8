#include "fuzzing/coverage.h"

#include "core/op_table.h"
#include "core/usocket/usocket_ops.h"

namespace fdlab {
namespace {

void count(std::map<std::string, long>& m, const std::string& key) { ++m[key]; }

void merge_into(std::map<std::string, long>& to, const std::map<std::string, long>& from) {
  for (const auto& [k, n] : from) to[k] += n;
}

nlohmann::json counts(const std::map<std::string, long>& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, n] : m) j[k] = n;
  return j;
}

// The step's arguments that select a branch of the rules: flags, commands, options, kinds.
const char* const kSelectors[] = {"cmd", "how", "opt", "kind", "type", "whence", "resource"};

}  // namespace

void Coverage::add_step(const nlohmann::json& step, const nlohmann::json& record,
                        const std::string& target_kind) {
  ++steps_;
  const std::string op = step.value("op", "");
  count(ops_, op);
  count(op_errno_,
        op + " " + record.value("errno", record.value("blocked", false) ? "blocked" : "ok"));
  if (step.contains("flags"))
    for (const auto& f : step["flags"]) count(op_flags_, op + " " + f.get<std::string>());
  for (const char* key : kSelectors)
    if (step.contains(key) && step[key].is_string())
      count(op_flags_, op + " " + step[key].get<std::string>());
  for (const char* key : {"fds", "control", "dest", "null_control", "msg_controllen", "fd_space",
                          "control_len", "creds_space", "msg_name", "data_size"})
    if (step.contains(key) && op != "list_fds") count(op_flags_, op + " +" + key);
  if (record.contains("msg_flags"))
    for (const auto& f : record["msg_flags"]) count(op_flags_, op + " -> " + f.get<std::string>());
  if (!target_kind.empty()) count(op_kinds_, op + " " + target_kind);
}

void Coverage::add_usocket_step(const nlohmann::json& step, const nlohmann::json& record,
                                const std::string& target_kind) {
  ++steps_;
  const std::string op = "usocket " + step.value("op", "");
  count(ops_, op);
  const nlohmann::json result = record.value("result", nlohmann::json());
  std::string outcome = "ok";
  if (result.is_null())
    outcome = "null";
  else if (result.is_boolean())
    outcome = result.get<bool>() ? "true" : "false";
  else if (result.is_object() && result.contains("error") && result["error"].is_string())
    outcome = result["error"].get<std::string>();
  else if (result.is_object() && result.contains("fds") && !result["fds"].empty())
    outcome = "fds";
  else if (result.is_object() && result.contains("blocked"))
    outcome = "blocked";
  count(op_errno_, op + " " + outcome);
  for (const char* key : {"form", "whence"})
    if (step.contains(key) && step[key].is_string())
      count(op_flags_, op + " " + step[key].get<std::string>());
  for (const char* key :
       {"fds", "callback", "backlog", "data_size", "data_hex", "size", "count", "path", "fd", "as"})
    if (step.contains(key)) count(op_flags_, op + " +" + key);
  if (step.contains("fds") && step["fds"].is_array() && step["fds"].size() >= 64)
    count(op_flags_, op + " +fds>=" + std::to_string(step["fds"].size() >= 253 ? 253 : 64));
  if (record.contains("events"))
    for (const auto& e : record["events"])
      if (e.contains("event") && e["event"].is_string())
        count(op_flags_,
              op + " -> " + e["event"].get<std::string>() +
                  (e.contains("code") && e["code"].is_string() ? " " + e["code"].get<std::string>()
                                                               : ""));
  if (!target_kind.empty()) count(op_kinds_, op + " " + target_kind);
}

void Coverage::merge(const Coverage& o) {
  scenarios_ += o.scenarios_;
  steps_ += o.steps_;
  merge_into(ops_, o.ops_);
  merge_into(op_errno_, o.op_errno_);
  merge_into(op_flags_, o.op_flags_);
  merge_into(op_kinds_, o.op_kinds_);
  merge_into(rules_, o.rules_);
}

std::vector<std::string> Coverage::unreached_ops() const {
  // Each level's ops once a run generated any at that level.
  bool kernel = false, usocket = false;
  for (const auto& [op, n] : ops_) (op.rfind("usocket ", 0) == 0 ? usocket : kernel) = true;
  std::vector<std::string> out;
  if (kernel)
    for (const auto& spec : kernel_ops())
      if (!ops_.count(spec.name)) out.emplace_back(spec.name);
  if (usocket)
    for (const auto& spec : usocket::usocket_ops())
      if (!ops_.count("usocket " + std::string(spec.name)))
        out.push_back("usocket " + std::string(spec.name));
  return out;
}

std::vector<std::string> Coverage::unreached_rules(const std::vector<std::string>& rules) const {
  std::vector<std::string> out;
  for (const auto& r : rules)
    if (!rules_.count(r)) out.push_back(r);
  return out;
}

nlohmann::json Coverage::to_json(const std::vector<std::string>& rules) const {
  return {{"scenarios", scenarios_},
          {"steps", steps_},
          {"ops", counts(ops_)},
          {"op_errno", counts(op_errno_)},
          {"op_flags", counts(op_flags_)},
          {"op_kinds", counts(op_kinds_)},
          {"rules", counts(rules_)},
          {"unreached_ops", unreached_ops()},
          {"unreached_rules", unreached_rules(rules)}};
}

Coverage Coverage::from_json(const nlohmann::json& j) {
  Coverage c;
  c.scenarios_ = j.at("scenarios").get<long>();
  c.steps_ = j.at("steps").get<long>();
  const auto read = [&](const char* key, std::map<std::string, long>& m) {
    for (const auto& [k, n] : j.at(key).items()) m[k] = n.get<long>();
  };
  read("ops", c.ops_);
  read("op_errno", c.op_errno_);
  read("op_flags", c.op_flags_);
  read("op_kinds", c.op_kinds_);
  read("rules", c.rules_);
  return c;
}

std::string Coverage::summary(const std::vector<std::string>& rules) const {
  const auto ops = unreached_ops();
  const auto missed = unreached_rules(rules);
  const auto n = [](std::size_t x) { return std::to_string(x); };
  std::size_t levels_ops = 0;
  bool kernel = false, usocket = false;
  for (const auto& [op, count] : ops_) (op.rfind("usocket ", 0) == 0 ? usocket : kernel) = true;
  if (kernel) levels_ops += kernel_ops().size();
  if (usocket) levels_ops += usocket::usocket_ops().size();
  std::string s = "coverage: " + n(levels_ops - ops.size()) + " of " + n(levels_ops) +
                  (kernel && usocket ? " ops (both levels), " : " ops, ") + n(op_errno_.size()) +
                  " op x errno, " + n(op_flags_.size()) + " op x flag/argument, " +
                  n(op_kinds_.size()) + " op x object kind, " + n(rules.size() - missed.size()) +
                  " of " + n(rules.size()) + " rules\n";
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  if (!ops.empty()) s += "  ops never run: " + list(ops) + "\n";
  if (!missed.empty())
    s += "  rules never reached (" + n(missed.size()) + "): " + list(missed) + "\n";
  return s;
}

}  // namespace fdlab
