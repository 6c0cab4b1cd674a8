#pragma once
// Random kernel-level scenarios over everything the model has, for differential fuzzing (`fdlab
// fuzz`, the libFuzzer target fuzz/differential_fuzzer.cpp): the sim and the real kernel must
// produce identical traces for every one.
//
// The generator runs each step on a SimKernel as it adds it, and picks the next step from what
// that step did: which fds a recvmsg received, which labels are bound where, whether garbage
// waits for the collector. So it can name received fds, pass sockets (cycles included), and
// stay away from the one thing a differential run cannot afford, a call that blocks (every
// socket is nonblocking, pipes' read ends too, and pipe writes are bounded). If the sim is
// wrong, the choices are merely less apt: the comparison with the kernel still judges them.
// Deterministic: the same choices give the same scenario.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/harness_error.h"
#include "fuzzing/choice_source.h"
#include "fuzzing/generator_weights.h"

namespace fdlab {

struct GeneratorOptions {
  int steps = 20;
  int processes = 2;
  GeneratorWeights weights;
};

struct GeneratedScenario {
  nlohmann::json scenario;
  // For coverage: per step, the kind of object its first fd argument named when the step was
  // generated ("stream", "seqpacket", "dgram", "file", "pipe", "other" or "" for none).
  std::vector<std::string> target_kinds;
  // The generator stopped early because the next step's result depended on the collector's
  // timing, or would have blocked, on the sim (the scenario ends before that step).
  bool stopped_early = false;
};

// A step the generator made that the parser or the replay refuses: a bug in the generator.
// Carries the scenario up to and including that step, so that it can be saved and read.
class GeneratorBug : public HarnessError {
 public:
  GeneratorBug(const HarnessError& e, nlohmann::json partial)
      : HarnessError(e), partial_(std::move(partial)) {}
  const nlohmann::json& partial() const { return partial_; }

 private:
  nlohmann::json partial_;
};

GeneratedScenario generate_scenario(ChoiceSource& choices, const GeneratorOptions& options,
                                    const std::string& id);

// The scenario of one seed as JSON text, id "fuzz/<seed>".
std::string generate_scenario(std::uint64_t seed, const GeneratorOptions& options);

}  // namespace fdlab
