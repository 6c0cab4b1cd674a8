#include "cli/repro_scripts.h"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "cli/usocket_adapter.h"

namespace fdlab {
namespace {

struct Occurrence {
  const ScenarioRun* run = nullptr;
  const VariantRun* variant = nullptr;
  const Delta* delta = nullptr;
};

// The occurrence with the fewest steps to replay; the earliest scenario among equals.
std::map<std::string, Occurrence> shortest(const std::vector<ScenarioRun>& runs) {
  std::map<std::string, Occurrence> best;
  for (const auto& r : runs)
    for (const auto& v : r.variants)
      for (std::size_t i = 0; i < v.deltas.size(); ++i) {
        const auto& id = v.causes[i];
        if (id == "unexplained") continue;
        auto it = best.find(id);
        if (it == best.end() || v.deltas[i].step < it->second.delta->step)
          best[id] = {&r, &v, &v.deltas[i]};
      }
  return best;
}

}  // namespace

std::map<std::string, ReproScript> write_repro_scripts(const std::vector<ScenarioRun>& runs,
                                                       const std::vector<FindingSpec>& findings,
                                                       const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".js") fs::remove(e.path());
  const UsocketAdapter adapter = default_usocket_adapter();
  const std::string generator = fs::path(adapter.script).parent_path().string() + "/repro.js";
  std::map<std::string, ReproScript> out;
  for (const auto& [id, occ] : shortest(runs)) {
    std::string title;
    for (const auto& f : findings)
      if (f.id == id) title = f.title;
    const nlohmann::json spec{{"finding", id},
                              {"title", title},
                              {"scenario", occ.run->id},
                              {"variant", occ.variant->variant},
                              {"upto", occ.delta->step},
                              {"difference", occ.delta->what},
                              {"reference", occ.run->reference}};
    const std::string spec_file = dir + "/." + id + ".spec.json";
    std::ofstream(spec_file) << spec.dump();
    const auto r = run_node_script(adapter, {generator, spec_file, occ.run->file}, 20);
    fs::remove(spec_file);
    if (!r.exited || r.status != 0)
      throw std::runtime_error("repro.js could not write the script of finding " + id + ": " +
                               r.err_tail);
    const std::string path = dir + "/" + id + ".js";
    std::ofstream(path) << r.out;
    out[id] = {"adapters/usocket/repro/" + id + ".js", occ.run->id, occ.variant->variant,
               occ.delta->step};
  }
  return out;
}

}  // namespace fdlab
