#pragma once
// The host calls behind `open`, `poll`, `count_fds` and `list_fds` (native/host_open_ops.cpp,
// native/host_poll.cpp, native/host_fd_listing.cpp), run like every other host call
// (native/host_ops.h), but for the fd listings, which the driver reads.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "native/host_ops.h"

namespace fdlab::native {

// open: the scenario's directory `dir` (O_RDONLY|O_DIRECTORY), O_PATH of dir or of `name` in it,
// /dev/null (O_RDWR) or memfd_create. The new fd is described as a new object; every kind but
// memfd can open one inode twice, so its key is marked shared (native/object_identity.h).
void host_open(HostResult& r, OpenKind kind, const std::string& dir, const std::string& name,
               bool cloexec);

// poll of one fd with timeout 0: r.ret is poll's, r.value the revents in pollev:: bits.
void host_poll(HostResult& r, int fd, std::uint32_t events);

// How many fds the thread `tid` has open, read from /proc/self/task/<tid>/fd by the caller (the
// driver, never the worker itself: see PosixKernel::op_count_fds); -errno on failure
// (native/host_fd_listing.cpp).
int host_count_fds_of(pid_t tid);

// One open fd of a worker as /proc shows it: its number, the key of the file behind it
// (native/object_identity.h) and FD_CLOEXEC.
struct ListedFd {
  int fd = -1;
  FileKey key;
  bool cloexec = false;
};

// Every open fd of the thread `tid`, in fd order, read by the driver like host_count_fds_of:
// /proc/self/task/<tid>/fd for the numbers and the files, fdinfo for the flags. False, with
// `failure` saying why, when /proc cannot be read.
bool host_list_fds_of(pid_t tid, std::vector<ListedFd>& out, std::string& failure);

}  // namespace fdlab::native
