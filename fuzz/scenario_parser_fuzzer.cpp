// libFuzzer target over the scenario parser, both levels, and over the replay of what it accepts
// on the simulator (issue 9, "Parser fuzzing"). A scenario file is untrusted input: for any bytes,
// parse_scenario either returns a Scenario or throws HarnessError, and a parsed scenario replays
// on a fresh SimKernel to a report whose trace dumps as JSON, with HarnessError again the only
// exception allowed. Anything else escaping (another exception type, which reaches
// std::terminate), a crash, an ASan or UBSan report, a hang or a huge allocation is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/harness_error.h"
#include "core/level.h"
#include "core/replay.h"
#include "core/scenario.h"
#include "core/trace.h"
#include "core/usocket/usocket_scenario.h"
#include "sim/sim_kernel.h"

namespace {

// The name parse errors must carry.
constexpr const char* kFile = "fuzz.json";

// The largest bundled scenario is 32 KiB; past twice that the fuzzer spends
// its time in the JSON lexer and finds nothing new.
constexpr std::size_t kMaxInputBytes = 64 * 1024;

// The sim is in memory, so replay is safe, but a step may ask for up to kMaxStepBytes and a
// 64 KiB file holds a thousand such steps. Scenarios asking for more than this in total are
// only parsed: what they would find is slowness, and they would crowd out everything else.
constexpr std::size_t kMaxReplayBytes = 4u << 20;

std::size_t requested_bytes(const fdlab::Scenario& sc) {
  std::size_t total = 0;
  for (const auto& s : sc.steps) total += s.data.size() + s.len + s.control_len;
  if (sc.usocket)
    for (const auto& s : sc.usocket->steps) total += s.data.size() + s.len + s.size.value_or(0);
  return total;
}

// A finding that is not a crash: say what it is, then abort so libFuzzer saves the input.
[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "==fuzz== FINDING: %s\n", what.c_str());
  std::abort();
}

fdlab::ReplayReport replay_on_sim(const fdlab::Scenario& sc) {
  fdlab::SimKernel kernel;
  fdlab::ReplayReport report = fdlab::replay(sc, kernel);
  // What `fdlab replay --json` and `fdlab record` do with a report: compare and dump it.
  (void)fdlab::first_divergence(report.trace, report.trace);
  for (const auto& record : report.trace) (void)record.dump();
  return report;
}

// The sim is deterministic (STYLE.md: no clocks, no unseeded randomness), so a second replay on
// a fresh SimKernel must give the very same report.
void check_same_report(const fdlab::ReplayReport& a, const fdlab::ReplayReport& b) {
  if (a.trace != b.trace) {
    const auto d = fdlab::first_divergence(a.trace, b.trace);
    finding("two replays on the sim differ at trace record " + std::to_string(d.index) + ": " +
            d.left.dump() + " vs " + d.right.dump());
  }
  if (a.error != b.error) finding("two replays on the sim end with different errors");
  if (a.failures.size() != b.failures.size())
    finding("two replays on the sim report different failures");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return -1;  // -1: never added to the corpus
  const std::string text(reinterpret_cast<const char*>(data), size);
  fdlab::Scenario sc;
  try {
    sc = fdlab::parse_scenario(text, kFile);
  } catch (const fdlab::HarnessError& e) {
    // The expected answer to bad input, and it must say where (SimCorpus's bad/ test).
    if (e.file() != kFile || std::string(e.what()).find(kFile) == std::string::npos)
      finding(std::string("a parse error that does not name the file: ") + e.what());
    return 0;
  }
  if (requested_bytes(sc) > kMaxReplayBytes) return 0;
  try {
    check_same_report(replay_on_sim(sc), replay_on_sim(sc));
  } catch (const fdlab::HarnessError&) {
    // A step the parser could not rule out (a label bound by a receive that got fewer fds).
  }
  return 0;
}
