#pragma once
// Where a command's output goes: a file, or standard output for "-".
#include <string>

namespace fdlab {

// Writes `text` to `path` ("-": standard output, flushed); throws std::runtime_error naming
// the path when it cannot be written.
void write_output(const std::string& path, const std::string& text);

}  // namespace fdlab
