#pragma once
// The core's flag bits (msg::, fl::, FD_CLOEXEC as 1) and socket types to and from the host's
// MSG_*, O_* and SOCK_*. Host values stay inside native/; see core/kernel.h for the core's bits.
#include <cstdint>
#include <optional>

#include "core/kernel.h"

namespace fdlab::native {

// socket(2)'s type argument: SOCK_STREAM etc., with SOCK_NONBLOCK and SOCK_CLOEXEC as asked.
int host_sock_type(SockType type, bool nonblock, bool cloexec);
// accept4(2)'s flags: SOCK_NONBLOCK and SOCK_CLOEXEC as asked.
int host_sock_flags(bool nonblock, bool cloexec);
// SO_TYPE's value; nullopt for a type the core does not model.
std::optional<SockType> sock_type_from_host(int host_type);

int host_msg_flags(std::uint32_t core_bits);
// Host bits the core does not model are dropped (e.g. MSG_CMSG_CLOEXEC never appears in
// msg_flags; MSG_OOB/MSG_ERRQUEUE cannot occur on AF_UNIX).
std::uint32_t msg_flags_from_host(int host_flags);

int host_status_flags(long core_bits);
// O_LARGEFILE, which F_GETFL reports on 64-bit kernels for every file, is not modelled.
long status_flags_from_host(int host_flags);

int host_fd_flags(long core_bits);
long fd_flags_from_host(int host_flags);

}  // namespace fdlab::native
