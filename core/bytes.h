#pragma once
// Byte strings as scenarios write them and traces show them.
#include <cstdint>
#include <string>

namespace fdlab {

bool decode_hex(const std::string& hex, std::string& out);
std::string encode_hex(const std::string& bytes);
// `size` bytes of "abc…zabc…", for data_size.
std::string pattern_bytes(std::size_t size);
bool is_printable_ascii(const std::string& bytes);
std::uint64_t fnv1a64(const std::string& bytes);

}  // namespace fdlab
