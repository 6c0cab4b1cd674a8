#pragma once
// Where each fd label is bound, step by step, so that a wrong label is caught before anything
// runs. One tracker for both levels: the kernel level's steps and the usocket level's sys.* ops
// and fd arguments.
#include <set>
#include <string>
#include <vector>

#include "core/json_fields.h"
#include "core/kernel.h"

namespace fdlab {

class LabelScope {
 public:
  explicit LabelScope(std::size_t processes) : bound_(processes) {}

  void bind(JsonFields& f, const char* field, ProcId p, const std::string& label) {
    if (label.empty()) f.fail(field, "a label must not be empty");
    // A label names one object for the whole scenario (traces report fds by it): bound again,
    // two objects would show under one name.
    if (ever_.count(label))
      f.fail(field, "label '" + label + "' is already taken by an earlier step; pick a new name");
    for (std::size_t q = 0; q < bound_.size(); ++q)
      if (static_cast<ProcId>(q) != p && bound_[q].count(label))
        f.fail(field, "label '" + label + "' is already bound in another process");
    bound_[p].insert(label);
    ever_.insert(label);
  }
  // give moves a label to another process: the same object, so not a new binding.
  void move(JsonFields& f, const char* field, ProcId from, ProcId to, const std::string& label) {
    bound_[from].erase(label);
    for (std::size_t q = 0; q < bound_.size(); ++q)
      if (static_cast<ProcId>(q) != to && bound_[q].count(label))
        f.fail(field, "label '" + label + "' is still bound in another process");
    bound_[to].insert(label);
  }

  // The label's fd now belongs to something else (a usocket that adopted it): no longer usable
  // by its name, and the name stays taken.
  void release(ProcId p, const std::string& label) { bound_[p].erase(label); }

  bool bound(ProcId p, const std::string& label) const { return bound_[p].count(label) > 0; }

  void require(JsonFields& f, const char* field, ProcId p, const std::string& label,
               const std::vector<std::string>& names) const {
    if (bound_[p].count(label)) return;
    for (std::size_t q = 0; q < bound_.size(); ++q)
      if (bound_[q].count(label))
        f.fail(field, "label '" + label + "' is bound in process '" + names[q] + "', not in '" +
                          names[p] + "'");
    f.fail(field, "undefined label '" + label + "'");
  }

 private:
  std::vector<std::set<std::string>> bound_;
  std::set<std::string> ever_;  // every label bound so far, in any process
};

}  // namespace fdlab
