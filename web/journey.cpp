#include "web/journey.h"

#include <algorithm>

namespace fdlab::web {
namespace {

std::string name_of(long long id, const std::map<long long, std::string>& names) {
  if (id == 0) return "stdio";
  auto it = names.find(id);
  return it != names.end() ? it->second : "#" + std::to_string(id);
}

bool carries(const nlohmann::json& queue, long long object) {
  for (const auto& seg : queue)
    for (const auto& id : seg["fds"])
      if (id.get<long long>() == object) return true;
  return false;
}

}  // namespace

Whereabouts whereabouts(const nlohmann::json& state, long long object,
                        const std::map<long long, std::string>& names) {
  Whereabouts w;
  for (const auto& o : state["objects"]) {
    if (o["object"].get<long long>() != object) continue;
    w.exists = true;
    w.inflight = o.value("inflight", 0);
  }
  const auto& procs = state["processes"];
  const auto& proc_names = state["names"];
  for (const auto& p : procs) {
    const auto proc = p["proc"].get<std::size_t>();
    const std::string who = proc < proc_names.size() ? proc_names[proc].get<std::string>()
                                                     : "process " + std::to_string(proc);
    for (const auto& f : p["fds"])
      if (f["object"].get<long long>() == object)
        w.fds.push_back("fd " + std::to_string(f["fd"].get<int>()) + " in " + who);
  }
  for (const auto& s : state["sockets"]) {
    const std::string sock = name_of(s["object"].get<long long>(), names);
    if (carries(s["queue"], object)) w.queued_on.push_back(sock);
    if (!s.contains("pending")) continue;
    for (const auto& p : s["pending"])
      if (carries(p["queue"], object)) w.queued_on.push_back("a pending connection of " + sock);
  }
  w.queued_on.erase(std::unique(w.queued_on.begin(), w.queued_on.end()), w.queued_on.end());
  return w;
}

void Journey::add(int k, const nlohmann::json& state,
                  const std::map<long long, std::string>& names) {
  Whereabouts now = whereabouts(state, object_, names);
  if (now.exists || name_.empty()) {
    auto it = names.find(object_);
    if (it != names.end()) name_ = it->second;
  }
  if (!first_ && now == last_) return;
  // Nothing to say before the object exists.
  if (first_ && !now.exists) {
    first_ = false;
    last_ = now;
    return;
  }
  first_ = false;
  events_.push_back({{"step", k - 1},
                     {"after", k},
                     {"exists", now.exists},
                     {"fds", now.fds},
                     {"queued_on", now.queued_on},
                     {"inflight", now.inflight}});
  last_ = std::move(now);
}

nlohmann::json Journey::json() const {
  return {{"object", object_},
          {"name", name_.empty() ? name_of(object_, {}) : name_},
          {"events", events_}};
}

}  // namespace fdlab::web
