#include "core/bytes.h"

#include <algorithm>
#include <cstring>

namespace fdlab {
namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool decode_hex(const std::string& hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string encode_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string pattern_bytes(std::size_t size) {
  std::string out(size, 'a');
  // "abc…z" once, then the filled part copied after itself: data_size runs up to 16 MiB, and
  // the fuzzer makes many large sends (a division per byte showed in its profile).
  for (std::size_t i = 0; i < size && i < 26; ++i) out[i] = static_cast<char>('a' + i);
  for (std::size_t done = 26; done < size; done *= 2)  // [0, done) and [done, 2 done): disjoint
    std::memcpy(&out[done], out.data(), std::min(done, size - done));
  return out;
}

bool is_printable_ascii(const std::string& bytes) {
  for (unsigned char c : bytes)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

std::uint64_t fnv1a64(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace fdlab
