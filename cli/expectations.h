#pragma once
// Known deviations as data (docs/expectations.md, docs/expectations.schema.json): per backend
// and kernel range, a scenario, or one of its steps, is expected to FAIL or to be SKIPped, with
// a reason and a link, as web-platform-tests' metadata files say of a test on a browser.
#include <optional>
#include <string>
#include <vector>

#include "cli/run_results.h"

namespace fdlab {

struct ExpectationEntry {
  std::string scenario;       // an id, or a prefix ending in '*' ("peers/gvisor/*")
  std::string backend;        // "" for every backend
  std::string kernel_from;    // "" or the first kernel release it holds on
  std::string kernel_before;  // "" or the first release it no longer holds on
  ExpectedResult result;
};

class Expectations {
 public:
  // Reads expectation files; a bad one throws a HarnessError naming the file and the field.
  static Expectations read(const std::vector<std::string>& files);

  // The first entry that matches the scenario on the backend under `kernel` (a release such
  // as "6.18.44-fc"), if any.
  std::optional<ExpectedResult> find(const std::string& scenario_id, const std::string& backend,
                                     const std::string& kernel) const;

 private:
  std::vector<ExpectationEntry> entries_;
};

}  // namespace fdlab
