#include "cli/output_file.h"

#include <fstream>
#include <iostream>
#include <stdexcept>

namespace fdlab {

void write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text << std::flush;
    return;
  }
  std::ofstream file(path, std::ios::binary);
  file << text;
  if (!file.flush()) throw std::runtime_error(path + ": cannot be written");
}

}  // namespace fdlab
