#include <poll.h>

#include <array>
#include <cerrno>
#include <utility>

#include "native/host_files.h"

namespace fdlab::native {
namespace {

constexpr std::array<std::pair<std::uint32_t, short>, 11> kPoll = {{
    {pollev::in, POLLIN},
    {pollev::pri, POLLPRI},
    {pollev::out, POLLOUT},
    {pollev::err, POLLERR},
    {pollev::hup, POLLHUP},
    {pollev::nval, POLLNVAL},
    {pollev::rdnorm, POLLRDNORM},
    {pollev::rdband, POLLRDBAND},
    {pollev::wrnorm, POLLWRNORM},
    {pollev::wrband, POLLWRBAND},
    {pollev::rdhup, POLLRDHUP},
}};

}  // namespace

void host_poll(HostResult& r, int fd, std::uint32_t events) {
  pollfd p{};
  p.fd = fd;
  for (const auto& [core, host] : kPoll)
    if (events & core) p.events = static_cast<short>(p.events | host);
  if (!r.record(::poll(&p, 1, 0))) return;
  std::uint32_t revents = 0;
  unsigned known = 0;
  for (const auto& [core, host] : kPoll) {
    known |= static_cast<unsigned short>(host);
    if (p.revents & host) revents |= core;
  }
  if ((static_cast<unsigned short>(p.revents) & ~known) != 0) {
    r.failure = "poll answered revents " + std::to_string(p.revents) +
                " with a bit the model has no name for";
    return;
  }
  r.value = static_cast<long>(revents);
}

}  // namespace fdlab::native
