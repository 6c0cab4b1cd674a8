#include "corpus/scenario_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/json_input.h"

namespace fdlab {
namespace fs = std::filesystem;

std::vector<std::string> collect_scenario_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    // Anything but a folder is the user's own file: a FIFO, a device or a missing path is kept
    // so that read_text_file says what it is, for that file alone, while the others still run.
    if (!fs::is_directory(p, ec)) {
      out.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    auto it = fs::recursive_directory_iterator(p, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto name = it->path().filename().string();
      std::error_code type_ec;
      if (it->is_directory(type_ec) && (name == "bad" || name == "expected-fail")) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->path().extension() == ".json" && !it->is_directory(type_ec))
        found.push_back(it->path().string());
    }
    if (ec) throw std::runtime_error(p + ": cannot list the folder: " + ec.message());
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a folder";
  return "not a regular file";
}

// Closes the fd on every path out.
struct OpenFd {
  int fd;
  ~OpenFd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_text_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked on the open fd,
  // so the file cannot be swapped between the check and the read.
  OpenFd f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) throw std::runtime_error(path + ": no such file or folder");
    throw std::runtime_error(path + ": cannot be read: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw std::runtime_error(path + ": cannot be read: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw std::runtime_error(path + ": " + kind_of(st.st_mode) +
                             ", not a scenario file (only regular files are read)");
  if (static_cast<std::uint64_t>(st.st_size) > kMaxScenarioBytes)
    throw std::runtime_error(path + ": " + std::to_string(st.st_size) + " bytes, over the " +
                             std::to_string(kMaxScenarioBytes >> 20) +
                             " MiB limit for a scenario file: not read");
  std::string text;
  // Room for what fstat promised and one byte more, to see whether the file grew past the cap
  // without growing the string (a copy: twice a large file's size for a moment).
  text.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t got = 0;
  for (;;) {
    if (got == text.size()) {
      if (text.size() > kMaxScenarioBytes)
        throw std::runtime_error(path + ": grew past the " +
                                 std::to_string(kMaxScenarioBytes >> 20) + " MiB limit: not read");
      text.resize(text.size() + 4096);
    }
    const ssize_t n = ::read(f.fd, &text[got], text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(path + ": cannot be read: " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

}  // namespace fdlab
