#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "native/host_files.h"

namespace fdlab::native {

void host_open(HostResult& r, OpenKind kind, const std::string& dir, const std::string& name,
               bool cloexec) {
  const int o_cloexec = cloexec ? O_CLOEXEC : 0;
  int fd = -1;
  switch (kind) {
    case OpenKind::directory:
      fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | o_cloexec);
      break;
    case OpenKind::o_path: {
      // Only ever inside the scenario's private directory: the parser allows a plain name only.
      const std::string path = name.empty() ? dir : dir + "/" + name;
      fd = ::open(path.c_str(), O_PATH | o_cloexec);
      break;
    }
    case OpenKind::dev_null:
      fd = ::open("/dev/null", O_RDWR | o_cloexec);
      break;
    case OpenKind::memfd:
      fd = ::memfd_create("fdlab", cloexec ? MFD_CLOEXEC : 0U);
      break;
  }
  if (!r.record(fd)) return;
  if (host_describe(r, fd, Description::opened) && kind != OpenKind::memfd)
    r.fds.back().key.shared = true;
}

}  // namespace fdlab::native
