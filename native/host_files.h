#pragma once
// The host calls behind `open`, `poll` and `count_fds` (native/host_open_ops.cpp,
// native/host_poll.cpp), run like every other host call (native/host_ops.h).
#include <sys/types.h>

#include <cstdint>
#include <string>

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
// driver, never the worker itself: see PosixKernel::op_count_fds); -errno on failure.
int host_count_fds_of(pid_t tid);

}  // namespace fdlab::native
