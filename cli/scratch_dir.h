#pragma once
// A private directory under $TMPDIR that fdlab owns, not the program it hands it to: removed
// when this object goes, whatever that program did (crashed, hung, was killed).
#include <stdlib.h>  // mkdtemp

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace fdlab {

class ScratchDir {
 public:
  // `prefix` names the directory: $TMPDIR/PREFIX-XXXXXX.
  explicit ScratchDir(const std::string& prefix) {
    const char* env = std::getenv("TMPDIR");
    const std::string base = env && *env ? env : "/tmp";
    std::string tmpl = base + "/" + prefix + "-XXXXXX";
    if (!mkdtemp(tmpl.data()))
      throw std::runtime_error(prefix + ": cannot create a directory in " + base + ": " +
                               std::strerror(errno));
    path_ = std::filesystem::absolute(tmpl).string();
  }
  ~ScratchDir() {
    std::error_code ignored;  // nothing useful to do if it is already gone
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace fdlab
