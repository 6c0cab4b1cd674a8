#pragma once
// Replays a usocket-level scenario on one Kernel through the reference model (UServer,
// USocket, EventLoop) and records one trace record per step: {"step", "proc", "op", "result",
// "events"}. Received fds appear only by their object's label (docs/scenario-format.md).
#include <nlohmann/json.hpp>
#include <vector>

#include "core/replay.h"
#include "core/scenario.h"
#include "core/usocket/named_sockets.h"

namespace fdlab::usocket {

// `named` supplies socket/bind/listen/connect/accept (core/usocket/kernel_named_sockets.h).
ReplayReport replay_script(const Scenario& sc, Kernel& kernel, NamedSockets& named,
                           const ReplayLimits& limits = {});

// One line per key of `expect` ({"result", "events"}) that the record does not satisfy.
std::vector<std::string> match_usocket_expectation(const nlohmann::json& expect,
                                                   const nlohmann::json& record);

// {"data": "..."} / {"data_hex"} / {"data_len", "data_fnv1a"}, as kernel-level traces show bytes.
void put_bytes(nlohmann::json& into, const std::string& bytes);

}  // namespace fdlab::usocket
