#pragma once
// `fdlab replay -j N`: the scenario files spread over N forked jobs. Processes, not threads: the
// native backend applies a scenario process's RLIMIT_NOFILE, cwd and umask to the whole
// process around its steps (docs/decisions.md, "RLIMIT_NOFILE"), so two kernels must never run
// in one process at once. Each job takes the next index from a counter in shared memory and
// sends each result back as soon as it has it; the caller gets them by
// index, so what it prints does not depend on which job ran what or when.
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace fdlab {

// One job per CPU this process may run on (sched_getaffinity), at least 1.
int default_replay_jobs();

// work(i) for every i in [0, n), in min(jobs, n) forked jobs (jobs <= 1: in this process, in
// order). A result is missing (nullopt) only when the job making it died; work() must not
// throw (it runs in a child that reports nothing else).
std::vector<std::optional<nlohmann::json>> run_in_jobs(
    std::size_t n, int jobs, const std::function<nlohmann::json(std::size_t)>& work);

}  // namespace fdlab
