#pragma once
// An object's journey through a scenario: after each step, where the object is (the fds that
// refer to it in each process, the queues it is in flight on, whether it still exists), and the
// steps at which that changed. The page shows it as "opened in p at step 2 → in flight on b
// (step 3) → fd 4 in q (step 5) → closed (step 7)", each a link to its step.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fdlab::web {

// Where one object is in one state (a snapshot as Playground::state() gives it).
struct Whereabouts {
  bool exists = false;
  std::vector<std::string> fds;        // "fd 4 in q", in process then fd order
  std::vector<std::string> queued_on;  // "b", or "a pending connection of l"; once per queue
  int inflight = 0;
  bool operator==(const Whereabouts& o) const {
    return exists == o.exists && fds == o.fds && queued_on == o.queued_on &&
           inflight == o.inflight;
  }
};

// `names`: object id -> the scenario's label (others are shown as #id).
Whereabouts whereabouts(const nlohmann::json& state, long long object,
                        const std::map<long long, std::string>& names);

// Collects the journey one state at a time: state k is the state after k steps.
class Journey {
 public:
  explicit Journey(long long object) : object_(object) {}
  void add(int k, const nlohmann::json& state, const std::map<long long, std::string>& names);
  // {"object", "name", "events": [{"step": the step that moved it (-1: before the first),
  //  "after": k, "exists", "fds", "queued_on", "inflight"}]}: one event per change.
  nlohmann::json json() const;

 private:
  long long object_;
  std::string name_;
  bool first_ = true;
  Whereabouts last_;
  nlohmann::json events_ = nlohmann::json::array();
};

}  // namespace fdlab::web
