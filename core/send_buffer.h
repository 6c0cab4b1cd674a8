#pragma once
// The sender's side of AF_UNIX buffer accounting, as Linux 6.x x86-64 does it.
//
// A stream sendmsg cuts its data into skbs (unix_stream_sendmsg) and only the first carries the
// fds. Each skb is charged to the sender's sk_wmem_alloc by its truesize until the receiver has
// consumed all of it; a new skb may be allocated while wmem < sk_sndbuf
// (sock_alloc_send_pskb), so the last one may overshoot the buffer.
//
// truesize is modelled from the allocator, and matches SIOCOUTQ measured on this kernel for
// every size probed (1 B .. 100 kB): the linear head is a kmalloc of
// SKB_DATA_ALIGN(head) + SKB_DATA_ALIGN(sizeof(skb_shared_info)) rounded up to a power of two
// (at least 512), plus SKB_DATA_ALIGN(sizeof(sk_buff)); paged data is charged in whole pages.
#include <cstddef>
#include <cstdint>

namespace fdlab {
namespace skb {

constexpr std::size_t page_size = 4096;
constexpr std::size_t shinfo_size = 320;   // SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
constexpr std::size_t sk_buff_size = 256;  // SKB_DATA_ALIGN(sizeof(struct sk_buff))
constexpr std::size_t max_head = page_size - shinfo_size;  // SKB_MAX_HEAD(0) = 3776
constexpr std::size_t frags_size = 32768;                  // UNIX_SKB_FRAGS_SZ (net/unix/af_unix.c)

// net.core.wmem_default: the sk_sndbuf of a new AF_UNIX socket (SO_SNDBUF reads 212992).
constexpr std::size_t default_sndbuf = 212992;

// The size of the next skb of a stream send with `remaining` bytes left (unix_stream_sendmsg):
// at most sndbuf/2 - 64 and at most SKB_MAX_HEAD(0) + UNIX_SKB_FRAGS_SZ (36544 bytes).
std::size_t stream_chunk(std::size_t remaining, std::size_t sndbuf);

// The truesize charged for an skb of `len` bytes built like unix_stream_sendmsg builds it
// (head of len - data_len bytes, data_len = min(len, PAGE_ALIGN(len - SKB_MAX_HEAD(0)))).
std::uint32_t stream_truesize(std::size_t len);

// The truesize of a dgram/seqpacket skb of `len` bytes (unix_dgram_sendmsg: all linear up to
// SKB_MAX_ALLOC). Approximation: pages beyond the head are charged like the stream case.
std::uint32_t dgram_truesize(std::size_t len);

// sock_alloc_send_pskb: allocation proceeds while the charged memory is below sndbuf.
constexpr bool may_allocate(std::size_t wmem, std::size_t sndbuf) { return wmem < sndbuf; }

}  // namespace skb
}  // namespace fdlab
