#pragma once
// A kernel-level scenario's steps read from its text as they are replayed, instead of held:
// a 10^6-step scenario costs its text (one copy of the input) and one Step at a time, not a
// Step and a JSON object per step (docs/performance.md, "How cost grows"). The text was
// checked whole when it was parsed (core/level.h), so reading it again cannot fail.
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/scenario.h"

namespace fdlab {

class StepSource {
 public:
  // `text` is the scenario, already parsed and checked with `count` steps; `header` names its
  // file and processes.
  StepSource(std::string text, const Scenario& header, std::size_t count);
  ~StepSource();
  StepSource(const StepSource&) = delete;
  StepSource& operator=(const StepSource&) = delete;

  std::size_t size() const { return count_; }

  // Step i, parsed again. Cheap when i is one of the last two read or the next one (replays
  // go forward, two backends side by side); any other i reads forward from the nearest start.
  // The reference holds until two other steps have been read.
  const Step& at(std::size_t i);

 private:
  void restart();
  void read_next();

  std::string text_;
  Scenario header_;  // the file and processes the reader checks labels against
  std::size_t count_;
  std::unique_ptr<KernelStepReader> reader_;
  std::size_t pos_ = 0;   // in text_: after the last step read
  std::size_t next_ = 0;  // the index of the next step to read
  Step recent_[2];        // steps next_ - 1 and next_ - 2, by index % 2
};

// The byte ranges of the top-level "steps" array's elements are found by a small scanner of
// valid JSON (strings, nesting): where `text` begins the array's first element (or its end).
// Throws std::logic_error when text has no top-level "steps" array (it was checked: a bug).
std::size_t find_steps_array(const std::string& text);
// From `pos` (after '[' or after an element), the next element's [begin, end); false at ']'.
bool next_array_element(const std::string& text, std::size_t& pos, std::size_t& begin,
                        std::size_t& end);

}  // namespace fdlab
