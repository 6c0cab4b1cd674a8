#include "cli/growth_scenario.h"

#include <fmt/core.h>

namespace fdlab {

namespace {

// q holds 0, 1, 2 and b (3): the fds it receives are 4 and up, lowest first.
constexpr int kFirstReceived = 4;

void round(std::ostream& out, const GrowthShape& s) {
  std::string fds;
  for (int i = 0; i < s.fds; ++i) fds += i ? ",\"f\"" : "\"f\"";
  out << fmt::format(
      ",\n  {{\"proc\":\"p\",\"op\":\"lseek\",\"fd\":\"f\",\"offset\":0,\"whence\":\"SEEK_SET\"}}"
      ",\n  {{\"proc\":\"p\",\"op\":\"write\",\"fd\":\"f\",\"data_size\":{0},"
      "\"expect\":{{\"ret\":{0}}}}}"
      ",\n  {{\"proc\":\"p\",\"op\":\"sendmsg\",\"sock\":\"a\",\"data\":\"x\",\"fds\":[{1}],"
      "\"expect\":{{\"ret\":1}}}}"
      ",\n  {{\"proc\":\"q\",\"op\":\"recvmsg\",\"sock\":\"b\",\"len\":1,\"fd_space\":{2},"
      "\"expect\":{{\"ret\":1,\"fds\":[{1}]}}}}"
      ",\n  {{\"proc\":\"q\",\"op\":\"lseek\",\"fd\":{3},\"offset\":0,\"whence\":\"SEEK_SET\"}}"
      ",\n  {{\"proc\":\"q\",\"op\":\"read\",\"fd\":{3},\"len\":{0},\"expect\":{{\"ret\":{0}}}}}",
      s.bytes, fds, s.fds, kFirstReceived);
  for (int i = 0; i < s.fds; ++i)
    out << fmt::format(",\n  {{\"proc\":\"q\",\"op\":\"close\",\"fd\":{}}}", kFirstReceived + i);
}

}  // namespace

std::size_t growth_round_steps(int fds) { return 6 + static_cast<std::size_t>(fds); }

void write_growth_scenario(std::ostream& out, const GrowthShape& s) {
  out << fmt::format(
      "{{\"fdlab\":1,\"id\":\"bench/growth-{0}-steps-{1}-fds-{2}-bytes\",\"level\":\"kernel\","
      "\"title\":\"{0} steps: a file of {2} bytes passed {1} times a message, read back\","
      "\"tags\":[\"generated\",\"performance\"],\"provenance\":\"cli/growth_scenario.cpp\","
      "\"processes\":[\"p\",\"q\"],\"steps\":[\n"
      "  {{\"proc\":\"p\",\"op\":\"socketpair\",\"type\":\"stream\",\"as\":[\"a\",\"b\"]}}"
      ",\n  {{\"proc\":\"p\",\"op\":\"give\",\"fd\":\"b\",\"to\":\"q\"}}"
      ",\n  {{\"proc\":\"p\",\"op\":\"open_temp\",\"as\":\"f\"}}",
      s.steps, s.fds, s.bytes);
  std::size_t n = kGrowthSetupSteps;
  for (; n + growth_round_steps(s.fds) <= s.steps; n += growth_round_steps(s.fds)) round(out, s);
  for (; n < s.steps; ++n)
    out << ",\n  {\"proc\":\"p\",\"op\":\"fcntl\",\"fd\":\"a\",\"cmd\":\"F_GETFD\","
           "\"expect\":{\"flags\":[]}}";
  out << "]}\n";
}

}  // namespace fdlab
