#pragma once
// What goes wrong in the harness (a bad scenario, a dead backend), as opposed to what the
// modelled kernel returns. Carries where it happened so the message can name it.
#include <stdexcept>
#include <string>

namespace fdlab {

class HarnessError : public std::runtime_error {
 public:
  HarnessError(std::string file, int step, std::string field, std::string what)
      : std::runtime_error(format(file, step, field, what)),
        file_(std::move(file)),
        step_(step),
        field_(std::move(field)),
        what_(std::move(what)) {}

  const std::string& file() const { return file_; }
  int step() const { return step_; }  // -1 when not about a step
  const std::string& field() const { return field_; }
  const std::string& reason() const { return what_; }

  // The same error placed in `file` and `step` where it did not say (errors raised deep in a
  // backend know what failed, not which scenario step asked for it).
  HarnessError located(const std::string& file, int step) const {
    return HarnessError(file_.empty() ? file : file_, step_ >= 0 ? step_ : step, field_, what_);
  }

 private:
  static std::string format(const std::string& file, int step, const std::string& field,
                            const std::string& what) {
    std::string s = file.empty() ? std::string("<scenario>") : file;
    if (step >= 0) s += ": step " + std::to_string(step);
    if (!field.empty()) s += ": field '" + field + "'";
    return s + ": " + what;
  }
  std::string file_;
  int step_;
  std::string field_;
  std::string what_;
};

}  // namespace fdlab
