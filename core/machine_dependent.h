#pragma once
// A step whose result depends on the machine it runs on, not on the scenario: when Linux's
// collector runs (CollectorTimingError), or which pids exist. The sim refuses to pick an answer
// the kernel may contradict on another day or machine, and says why; the fuzzer's generators
// take such a step back and end the scenario there.
#include "core/harness_error.h"

namespace fdlab {

class MachineDependentError : public HarnessError {
 public:
  using HarnessError::HarnessError;
};

}  // namespace fdlab
