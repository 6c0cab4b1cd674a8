#pragma once
// A step whose result depends on whether the AF_UNIX garbage collector has run yet. Linux runs
// the collector from a workqueue, at a time no scenario controls (docs/decisions.md, "The
// collector"), so a backend that knows the answer would differ (the sim) refuses to pick one:
// it raises this, naming the sockets of the garbage cycle by ObjectId. The replay, which
// knows the scenario's labels, says them by label.
#include <functional>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/machine_dependent.h"

namespace fdlab {

class CollectorTimingError : public MachineDependentError {
 public:
  explicit CollectorTimingError(std::vector<ObjectId> cycle)
      : MachineDependentError("", -1, "", reason(cycle, nullptr)), cycle_(std::move(cycle)) {}

  const std::vector<ObjectId>& cycle() const { return cycle_; }

  // "result depends on whether the collector has run yet (cycle: sockets a, b); add a collect
  // step before it", each socket by name(id) (null: "object N").
  static std::string reason(const std::vector<ObjectId>& cycle,
                            const std::function<std::string(ObjectId)>& name) {
    std::string s = "result depends on whether the collector has run yet (cycle: socket";
    s += cycle.size() == 1 ? " " : "s ";
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      if (i) s += ", ";
      s += name ? name(cycle[i]) : "object " + std::to_string(cycle[i]);
    }
    return s + "); add a collect step before it";
  }

 private:
  std::vector<ObjectId> cycle_;
};

}  // namespace fdlab
