#include "core/level.h"

#include "core/json_fields.h"
#include "core/json_input.h"
#include "core/usocket/kernel_named_sockets.h"
#include "core/usocket/usocket_replay.h"
#include "core/usocket/usocket_scenario.h"

namespace fdlab {

Scenario parse_scenario(const std::string& text, const std::string& file) {
  const nlohmann::json j = parse_json_input(text, file);
  Scenario sc = parse_scenario_header(j, file);
  const auto& steps = j.at("steps");  // the header checked it is an array
  if (sc.level == Level::usocket)
    usocket::parse_script(sc, steps);
  else
    parse_kernel_steps(sc, steps);
  return sc;
}

ReplayReport replay(const Scenario& sc, Kernel& kernel, const ReplayLimits& limits) {
  if (sc.level == Level::kernel) return replay_kernel_level(sc, kernel, limits);
  usocket::KernelNamedSockets named(kernel);
  return usocket::replay_script(sc, kernel, named, limits);
}

}  // namespace fdlab
