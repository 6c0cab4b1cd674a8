#include "core/flag_names.h"

#include <array>
#include <utility>

#include "core/kernel.h"

namespace fdlab {
namespace {

constexpr std::array<std::pair<std::string_view, std::uint32_t>, 8> kMsgFlags = {{
    {"MSG_PEEK", msg::peek},
    {"MSG_DONTWAIT", msg::dontwait},
    {"MSG_CMSG_CLOEXEC", msg::cmsg_cloexec},
    {"MSG_NOSIGNAL", msg::nosignal},
    {"MSG_WAITALL", msg::waitall},
    {"MSG_TRUNC", msg::trunc},
    {"MSG_CTRUNC", msg::ctrunc},
    {"MSG_EOR", msg::eor},
}};

constexpr std::array<std::pair<std::string_view, long>, 4> kStatusFlags = {{
    {"O_WRONLY", fl::wronly},
    {"O_RDWR", fl::rdwr},
    {"O_APPEND", fl::append},
    {"O_NONBLOCK", fl::nonblock},
}};

}  // namespace

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
  return false;
}

std::vector<std::string> fd_flag_names(long bits) {
  if (bits & 1) return {"FD_CLOEXEC"};
  return {};
}

}  // namespace fdlab
