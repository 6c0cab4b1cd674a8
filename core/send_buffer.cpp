#include "core/send_buffer.h"

#include <algorithm>

namespace fdlab {
namespace skb {
namespace {

constexpr std::size_t cache_align(std::size_t n) { return (n + 63) & ~std::size_t{63}; }
constexpr std::size_t page_align(std::size_t n) { return (n + page_size - 1) & ~(page_size - 1); }

// __alloc_skb: the head is kmalloc'ed and truesize counts the whole slab object.
std::size_t head_truesize(std::size_t head_len) {
  std::size_t want = cache_align(head_len) + shinfo_size;
  std::size_t slab = 512;
  while (slab < want) slab <<= 1;
  return slab + sk_buff_size;
}

}  // namespace

std::size_t stream_chunk(std::size_t remaining, std::size_t sndbuf) {
  std::size_t half = sndbuf / 2 > 64 ? sndbuf / 2 - 64 : 0;
  return std::min({remaining, half, max_head + frags_size});
}

std::uint32_t stream_truesize(std::size_t len) {
  std::size_t data_len = len > max_head ? std::min(len, page_align(len - max_head)) : 0;
  return static_cast<std::uint32_t>(head_truesize(len - data_len) + page_align(data_len));
}

std::uint32_t dgram_truesize(std::size_t len) {
  // SKB_MAX_ALLOC = SKB_MAX_ORDER(0, 2): up to four pages stay linear.
  constexpr std::size_t max_alloc = 4 * page_size - shinfo_size;
  if (len <= max_alloc) return static_cast<std::uint32_t>(head_truesize(len));
  std::size_t data_len = page_align(len - max_alloc);
  return static_cast<std::uint32_t>(head_truesize(len - data_len) + data_len);
}

}  // namespace skb
}  // namespace fdlab
