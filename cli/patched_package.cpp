#include "cli/patched_package.h"

#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "cli/readme_quick_usage.h"
#include "cli/scratch_dir.h"
#include "cli/usocket_adapter.h"

namespace fdlab {
namespace {

namespace fs = std::filesystem;

std::set<std::string> seen(const std::vector<ScenarioRun>& runs) {
  std::set<std::string> out;
  for (const auto& r : runs)
    for (const auto& v : r.variants)
      for (const auto& c : v.causes) out.insert(c);
  return out;
}

nlohmann::json minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& x : a)
    if (!b.count(x)) out.push_back(x);
  return out;
}

// Runs build-patched.sh OUTDIR PATCH...; throws with its exit status when it fails.
void build(const std::string& script, const std::string& out_dir,
           const std::vector<std::string>& patches) {
  std::vector<std::string> args{script, out_dir};
  args.insert(args.end(), patches.begin(), patches.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("build-patched.sh failed for " + out_dir);
}

}  // namespace

nlohmann::json measure_patches(const std::vector<ScenarioRun>& baseline,
                               const std::vector<FindingSpec>& findings, int jobs) {
  const UsocketAdapter base = default_usocket_adapter();
  const std::string here = fs::path(base.script).parent_path().string();
  std::vector<std::string> patches;
  for (const auto& e : fs::directory_iterator(here + "/patches"))
    if (e.path().extension() == ".patch") patches.push_back(e.path().string());
  std::sort(patches.begin(), patches.end());
  std::vector<std::string> files;
  for (const auto& r : baseline) files.push_back(r.file);
  const auto before = seen(baseline);

  const auto run_with = [&](const std::vector<std::string>& chosen, ReadmeRun* readme) {
    const ScratchDir dir("fdlab-patched");
    build(here + "/build-patched.sh", dir.path(), chosen);
    UsocketAdapter a = base;
    a.node_modules = dir.path();
    if (readme) *readme = run_readme_quick_usage(a);
    return seen(run_conformance(files, a, findings, jobs));
  };

  nlohmann::json out{{"patches", nlohmann::json::array()}};
  for (const auto& p : patches) {
    fmt::print("measuring {}\n", fs::path(p).filename().string());
    const auto after = run_with({p}, nullptr);
    out["patches"].push_back({{"patch", fs::path(p).filename().string()},
                              {"closes", minus(before, after)},
                              {"introduces", minus(after, before)}});
  }
  fmt::print("measuring all patches together\n");
  ReadmeRun readme;
  const auto after = run_with(patches, &readme);
  out["all"] = {{"closes", minus(before, after)},
                {"remaining", minus(after, {})},
                {"introduces", minus(after, before)},
                {"readme_quick_usage", readme.result}};
  return out;
}

}  // namespace fdlab
