#pragma once
// Where the bundled scenarios are, for the tests that replay them.
#include <string>

#ifndef FDLAB_SOURCE_DIR
#error "FDLAB_SOURCE_DIR must name the source tree"
#endif

namespace fdlab::testing {
inline std::string scenarios_dir() { return std::string(FDLAB_SOURCE_DIR) + "/scenarios"; }
}  // namespace fdlab::testing
