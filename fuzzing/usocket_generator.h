#pragma once
// Random usocket-level scenarios (docs/scenario-format.md, "Level usocket") for differential
// fuzzing: the usocket reference model (core/usocket/) over the sim and over the real kernel
// must produce identical traces for every one.
//
// As the kernel level's generator does, it runs each step on a SimKernel (through the
// reference model) as it adds it and learns from the record: which connections a run
// accepted and under which labels, which fds a read handed back, which sockets are connected,
// errored, closed. So later steps name only objects and fds that exist, and a step the parser
// or the replay refuses is a generator bug. Nothing it makes blocks: the model's own calls are
// nonblocking, and the plain fd calls (sys.*) read only what cannot block and write only what
// fits; a step the sim still finds blocking ends the scenario. Deterministic: the same choices
// give the same scenario.
#include <cstdint>
#include <string>

#include "fuzzing/choice_source.h"
#include "fuzzing/scenario_generator.h"

namespace fdlab {

// Throws GeneratorBug (with the scenario up to the refused step).
GeneratedScenario generate_usocket_scenario(ChoiceSource& choices, const GeneratorOptions& options,
                                            const std::string& id);

// The usocket-level scenario of one seed as JSON text, id "fuzz/<seed>".
std::string generate_usocket_scenario(std::uint64_t seed, const GeneratorOptions& options);

}  // namespace fdlab
