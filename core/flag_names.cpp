#include "core/flag_names.h"

#include <array>
#include <utility>

#include "core/kernel.h"

namespace fdlab {
namespace {

constexpr std::array<std::pair<std::string_view, std::uint32_t>, 15> kMsgFlags = {{
    {"MSG_PEEK", msg::peek},
    {"MSG_DONTWAIT", msg::dontwait},
    {"MSG_CMSG_CLOEXEC", msg::cmsg_cloexec},
    {"MSG_NOSIGNAL", msg::nosignal},
    {"MSG_WAITALL", msg::waitall},
    {"MSG_TRUNC", msg::trunc},
    {"MSG_CTRUNC", msg::ctrunc},
    {"MSG_EOR", msg::eor},
    {"MSG_DONTROUTE", msg::dontroute},
    {"MSG_MORE", msg::more},
    {"MSG_CONFIRM", msg::confirm},
    {"MSG_ERRQUEUE", msg::errqueue},
    {"MSG_FASTOPEN", msg::fastopen},
    {"MSG_ZEROCOPY", msg::zerocopy},
    {"MSG_OOB", msg::oob},
}};

constexpr std::array<std::pair<std::string_view, long>, 4> kStatusFlags = {{
    {"O_WRONLY", fl::wronly},
    {"O_RDWR", fl::rdwr},
    {"O_APPEND", fl::append},
    {"O_NONBLOCK", fl::nonblock},
}};

// Reported by F_GETFL, never set by F_SETFL (so not in all_status_flag_names()). O_LARGEFILE,
// O_DIRECTORY and __O_TMPFILE are not reported at all: the first is forced on every 64-bit open,
// the others would make open_temp's answer depend on whether the file system has O_TMPFILE.
constexpr std::array<std::pair<std::string_view, long>, 1> kReportedStatusFlags = {{
    {"O_PATH", fl::path},
}};

constexpr std::array<std::pair<std::string_view, std::uint32_t>, 11> kPollEvents = {{
    {"POLLIN", pollev::in},
    {"POLLPRI", pollev::pri},
    {"POLLOUT", pollev::out},
    {"POLLERR", pollev::err},
    {"POLLHUP", pollev::hup},
    {"POLLNVAL", pollev::nval},
    {"POLLRDNORM", pollev::rdnorm},
    {"POLLRDBAND", pollev::rdband},
    {"POLLWRNORM", pollev::wrnorm},
    {"POLLWRBAND", pollev::wrband},
    {"POLLRDHUP", pollev::rdhup},
}};
constexpr std::uint32_t kPollAnswersOnly = pollev::err | pollev::hup | pollev::nval;

}  // namespace

std::vector<std::string> poll_event_names(std::uint32_t bits) {
  std::vector<std::string> out;
  for (const auto& [name, bit] : kPollEvents)
    if (bits & bit) out.emplace_back(name);
  return out;
}

bool poll_event_from_name(std::string_view name, std::uint32_t& bit) {
  for (const auto& [n, b] : kPollEvents) {
    if (n == name) {
      bit = b;
      return true;
    }
  }
  return false;
}

std::vector<std::string> all_poll_request_names() {
  std::vector<std::string> out;
  for (const auto& [name, bit] : kPollEvents)
    if (!(bit & kPollAnswersOnly)) out.emplace_back(name);
  return out;
}

std::vector<std::string> all_msg_flag_names() {
  std::vector<std::string> out;
  for (const auto& entry : kMsgFlags) out.emplace_back(entry.first);
  return out;
}

std::vector<std::string> all_status_flag_names() {
  std::vector<std::string> out;
  for (const auto& entry : kStatusFlags) out.emplace_back(entry.first);
  return out;
}

std::vector<std::string> msg_flag_names(std::uint32_t bits) {
  std::vector<std::string> out;
  for (const auto& [name, bit] : kMsgFlags)
    if (bits & bit) out.emplace_back(name);
  return out;
}

bool msg_flag_from_name(std::string_view name, std::uint32_t& bit) {
  for (const auto& [n, b] : kMsgFlags) {
    if (n == name) {
      bit = b;
      return true;
    }
  }
  return false;
}

std::vector<std::string> status_flag_names(long bits) {
  std::vector<std::string> out;
  if (!(bits & (fl::wronly | fl::rdwr))) out.emplace_back("O_RDONLY");
  for (const auto& [name, bit] : kStatusFlags)
    if (bits & bit) out.emplace_back(name);
  for (const auto& [name, bit] : kReportedStatusFlags)
    if (bits & bit) out.emplace_back(name);
  return out;
}

bool status_flag_from_name(std::string_view name, long& bit) {
  if (name == "O_RDONLY") {
    bit = fl::rdonly;
    return true;
  }
  for (const auto& [n, b] : kStatusFlags) {
    if (n == name) {
      bit = b;
      return true;
    }
  }
  for (const auto& [n, b] : kReportedStatusFlags) {
    if (n == name) {
      bit = b;
      return true;
    }
  }
  return false;
}

std::vector<std::string> fd_flag_names(long bits) {
  if (bits & 1) return {"FD_CLOEXEC"};
  return {};
}

}  // namespace fdlab
