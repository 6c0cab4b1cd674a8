#pragma once
// The scenarios `fdlab bench` measures how cost grows with: one shape, three knobs (the steps,
// the fds per message, the bytes per payload), and a live state that stays small while the
// history grows (every round closes what it received).
#include <cstddef>
#include <ostream>

namespace fdlab {

struct GrowthShape {
  std::size_t steps = 100;  // in all, padded with a harmless fcntl after the last whole round
  int fds = 1;              // per message: the file, that many times (1..253)
  std::size_t bytes = 1;    // per round: written to the file, passed, read back by the receiver
};

// The steps of one round: the file rewritten, sent, received, read back, its fds closed.
std::size_t growth_round_steps(int fds);
// The steps before the first round.
constexpr std::size_t kGrowthSetupSteps = 3;

// Writes a kernel-level scenario of exactly shape.steps steps (at least the setup's), every
// receive with an expectation, a round at a time (a 10^6-step one is never whole in memory).
// Its id names the shape.
void write_growth_scenario(std::ostream& out, const GrowthShape& shape);

}  // namespace fdlab
