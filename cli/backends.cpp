#include "cli/backends.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "cli/runner_kernel.h"
#include "native/posix_kernel.h"
#include "sim/sim_kernel.h"

namespace fdlab {

std::unique_ptr<Kernel> make_kernel(const std::string& backend) {
  if (backend == "sim") return std::make_unique<SimKernel>();
  if (backend == "native") return std::make_unique<PosixKernel>();
  if (backend == "runner") return std::make_unique<RunnerKernel>();
  throw std::invalid_argument("unknown backend '" + backend + "'");
}

std::vector<std::string> expand_backends(const std::string& choice) {
  if (choice == "both") return {"sim", "native"};
  if (choice == "all") return {"sim", "native", "usocket"};
  // One backend, or several in the order given ("sim,runner"): the first two are compared.
  std::vector<std::string> out;
  std::string::size_type at = 0;
  for (;;) {
    const auto comma = choice.find(',', at);
    const std::string one = choice.substr(at, comma == std::string::npos ? comma : comma - at);
    if (one != "sim" && one != "native" && one != "usocket" && one != "runner")
      throw std::invalid_argument("unknown backend '" + one +
                                  "' (sim, native, runner, usocket, a list of them such as "
                                  "sim,runner, both or all)");
    if (std::find(out.begin(), out.end(), one) != out.end())
      throw std::invalid_argument("backend '" + one + "' named twice");
    out.push_back(one);
    if (comma == std::string::npos) return out;
    at = comma + 1;
  }
}

std::string host_kernel_release() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return u.release;
}

namespace {
// "6.18.44-fc" -> {6, 18, 44}
std::vector<int> version_parts(const std::string& v) {
  std::vector<int> out;
  int n = 0;
  bool in_number = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      in_number = true;
    } else if (c == '.' && in_number) {
      out.push_back(n);
      n = 0;
      in_number = false;
    } else {
      break;
    }
  }
  if (in_number) out.push_back(n);
  return out;
}
}  // namespace

bool kernel_older_than(const std::string& release, const std::string& version) {
  return version_parts(release) < version_parts(version);
}

std::string skip_reason(const Scenario& sc, const std::string& backend) {
  // The npm package has no kernel-level API: it plays only usocket-level scenarios.
  if (backend == "usocket" && sc.level != Level::usocket) return "kernel level";
  // The POSIX runner (docs/posix-runner.md) makes kernel-level calls only.
  if (backend == "runner" && sc.level != Level::kernel) return "usocket level";
  // The runner's host is this machine unless --runner-cmd says otherwise: its kernel is ours.
  if ((backend != "native" && backend != "runner") || sc.min_kernel.empty()) return "";
  const auto host = host_kernel_release();
  if (kernel_older_than(host, sc.min_kernel))
    return "needs Linux " + sc.min_kernel + ", this is " + host;
  return "";
}

}  // namespace fdlab
