#pragma once
// Finding and reading scenario files: the CLI's side of I/O (core reads nothing itself).
#include <string>
#include <vector>

namespace fdlab {

// Expands files and folders (recursively, *.json, sorted) into a list of files. A folder named
// "bad" or "expected-fail" below a given folder is skipped: those hold scenarios that must fail,
// and are replayed only when named directly. Throws std::runtime_error for a missing path.
std::vector<std::string> collect_scenario_files(const std::vector<std::string>& paths);

// The whole file; throws std::runtime_error naming the file when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace fdlab
