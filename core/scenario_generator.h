#pragma once
// Random kernel-level scenarios for differential fuzzing (`fdlab fuzz`): sim and native must
// produce identical traces for every one. Deterministic: the same seed gives the same scenario.
// Every generated step is nonblocking (nonblocking socket pairs, MSG_DONTWAIT, no reads of
// pipes), so no scenario waits on the watchdog.
#include <cstdint>
#include <string>

namespace fdlab {

struct GeneratorOptions {
  int steps = 20;
  int processes = 2;
};

// The scenario as JSON text, parsed like any other file (so the parser is exercised too).
std::string generate_scenario(std::uint64_t seed, const GeneratorOptions& options);

}  // namespace fdlab
