// A worker's fd table as /proc shows it, read by the driver between two steps while the worker
// waits for its next job (`count_fds`, `list_fds`; native/host_files.h).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "native/host_files.h"

namespace fdlab::native {
namespace {

std::string task_dir(pid_t tid) { return "/proc/self/task/" + std::to_string(tid); }

// The fd numbers in /proc/self/task/<tid>/fd, in readdir's order; -errno on failure.
int fd_numbers(pid_t tid, std::vector<int>& out) {
  const std::string dir = task_dir(tid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -errno;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') out.push_back(std::atoi(e->d_name));
  ::closedir(d);
  return 0;
}

// The `flags:` line of /proc/self/task/<tid>/fdinfo/<fd>: the description's f_flags in octal,
// with O_CLOEXEC added when the fd has FD_CLOEXEC (fs/proc/fd.c, seq_show). -1 when unreadable.
long fdinfo_flags(pid_t tid, int fd) {
  std::ifstream in(task_dir(tid) + "/fdinfo/" + std::to_string(fd));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags:", 0) != 0) continue;
    std::istringstream field(line.substr(6));
    long flags = -1;
    field >> std::oct >> flags;
    return field ? flags : -1;
  }
  return -1;
}

}  // namespace

int host_count_fds_of(pid_t tid) {
  std::vector<int> fds;
  const int err = fd_numbers(tid, fds);
  return err < 0 ? err : static_cast<int>(fds.size());
}

bool host_list_fds_of(pid_t tid, std::vector<ListedFd>& out, std::string& failure) {
  std::vector<int> fds;
  if (const int err = fd_numbers(tid, fds); err < 0) {
    failure = task_dir(tid) + "/fd: " + std::strerror(-err);
    return false;
  }
  std::sort(fds.begin(), fds.end());
  for (int fd : fds) {
    ListedFd l;
    l.fd = fd;
    // stat follows the magic link to the file itself: the same (st_dev, st_ino) as an fstat
    // of the fd inside the worker (host_describe).
    struct stat st {};
    const std::string link = task_dir(tid) + "/fd/" + std::to_string(fd);
    if (::stat(link.c_str(), &st) != 0) {
      failure = "stat " + link + ": " + std::strerror(errno);
      return false;
    }
    const long flags = fdinfo_flags(tid, fd);
    if (flags < 0) {
      failure = "no flags in " + task_dir(tid) + "/fdinfo/" + std::to_string(fd);
      return false;
    }
    l.key.dev = static_cast<std::uint64_t>(st.st_dev);
    l.key.ino = static_cast<std::uint64_t>(st.st_ino);
    // A pipe's two ends are two descriptions of one inode: the access mode tells them apart.
    if (S_ISFIFO(st.st_mode)) l.key.fifo_mode = static_cast<int>(flags & O_ACCMODE);
    l.cloexec = (flags & O_CLOEXEC) != 0;
    out.push_back(l);
  }
  return true;
}

}  // namespace fdlab::native
