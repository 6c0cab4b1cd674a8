#pragma once
// A socket's receive queue: segments (one per skb) of bytes with the fds sent with them, and the
// rules for reading it (net/unix/af_unix.c). Pure: the fds are opaque references owned by the
// backend; the queue only moves them around and hands them back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/rules_reached.h"

namespace fdlab {

// A reference to an open file description held by the backend (sim: a slot in its file table).
// A queued FileRef counts as one reference to that file, like an in-flight struct file.
struct FileRef {
  std::uint32_t slot = 0;
  // While queued: the real uid whose in-flight count (user->unix_inflight) this reference is
  // charged to; -1 otherwise.
  std::int64_t charged = -1;
  friend bool operator==(FileRef a, FileRef b) { return a.slot == b.slot; }
};

// One skb: its bytes, how many were already read (UNIXCB(skb).consumed), its fds
// (UNIXCB(skb).fp, detached by the first read that reaches them) and the truesize it charges
// to its sender.
struct Segment {
  std::string bytes;
  std::size_t consumed = 0;
  std::vector<FileRef> fds;
  std::uint32_t truesize = 0;
  // UNIXCB(skb).pid: who sent it, when credentials were attached (maybe_add_creds); -1 when
  // the segment carries none. Opaque to the queue except for comparing.
  int creds = -1;
  // The sender's address when it sent (for msg_name), as an opaque key of the backend; -1:
  // unnamed.
  int from = -1;
  bool peeked = false;  // skb->peeked: a peek has returned this message (dgram peek offsets)
  bool oob = false;     // u->oob_skb: the stream's out-of-band byte (MSG_OOB)
  std::size_t unread() const { return bytes.size() - consumed; }
};

// What a read took from the queue.
struct QueueRead {
  std::size_t copied = 0;            // bytes appended to the output
  std::size_t message_len = 0;       // message reads: the whole message's length
  std::uint32_t freed_truesize = 0;  // truesize of the segments it used up (back to the sender)
  bool ran_out = false;              // stream: stopped because the queue had no more segments
  bool got_message = false;          // message reads: a message was there
  int creds = -1;                    // the creds of the first segment read (-1: none or no segment)
  int from = -1;                     // the sender's address key of the first segment read
  // Segments manage_oob dropped (an out-of-band byte a read went past): their references go to
  // the caller, to be released.
  std::vector<FileRef> dropped;
};

// What a MSG_OOB read got (unix_stream_recv_urg).
struct OobRead {
  bool got = false;  // false: EINVAL (no out-of-band byte, or SO_OOBINLINE)
  char byte = 0;
  std::uint32_t freed_truesize = 0;
  std::vector<FileRef> dropped;  // an emptied segment before the mark, freed with its fds
};

class RecvQueue {
 public:
  // Where the stream reading rules decided here are marked (core/rules_reached.h); none by
  // default.
  void set_rules_sink(RulesReached* rules) { rules_ = rules; }

  bool empty() const { return head_ == tail_; }
  std::size_t segments() const { return tail_ - head_; }
  const Segment& segment(std::size_t i) const { return slots_[head_ + i]; }
  std::size_t unread_bytes() const { return unread_bytes_; }  // SIOCINQ on a stream
  std::size_t truesize() const { return truesize_; }          // what its sender is charged

  // Queues a segment; the queue takes over the references in fds[0..nfds). An out-of-band
  // segment (queue_oob) becomes the stream's mark; an older one is ordinary data from then on.
  void push(std::string_view bytes, const FileRef* fds, std::size_t nfds, std::uint32_t truesize,
            int creds = -1, int from = -1, bool oob = false);
  bool has_oob() const { return oob_; }
  // u->inq_len, what SCM_INQ reports: the unread bytes, plus one for every out-of-band byte a
  // read dropped (manage_oob unlinks it without taking it off inq_len; measured on 6.18).
  std::size_t inq_len() const { return unread_bytes_ + inq_stale_; }

  // unix_stream_recv_urg: the out-of-band byte; a read (not a peek) consumes it, leaving its
  // empty segment queued, and drops an empty segment just before it.
  OobRead read_oob(bool peek, bool oob_inline);

  // unix_stream_read_generic: copies up to `len` bytes from consecutive segments. Plain bytes
  // before a segment with fds are glued in front; the read stops after the segment whose fds
  // it took, and a partial read of that segment takes the fds with its first bytes (the rest
  // of the segment stays queued without them). Taken fds are appended to `fds`; a peek copies
  // the references (the caller must take new ones) and consumes nothing.
  // With check_creds (the reader has SO_PASSCRED) segments with other credentials than the
  // first one read are not glued: "Never glue messages from different writers".
  // A peek starts `skip` bytes in (SO_PEEK_OFF): whole segments within it are passed over, fds
  // and all, and a peek past the end finds nothing (ran_out).
  // At every segment it comes to, the read first applies manage_oob: it stops at the
  // out-of-band mark once it has copied something; a read (not a peek) at the mark drops the
  // byte unless oob_inline (SO_OOBINLINE); empty segments are passed over (a read drops them).
  QueueRead read_stream(std::size_t len, bool peek, std::string& out, std::vector<FileRef>& fds,
                        bool check_creds = false, std::size_t skip = 0, bool oob_inline = false);

  // __unix_dgram_recvmsg: one whole message (possibly empty), truncated to `len`; its fds
  // are appended to `fds` (copied when peeking). The rest of a truncated message is dropped.
  // A peek with an offset (SO_PEEK_OFF, `peek_off` >= 0; -1 is none) passes over whole
  // messages no longer than what is left of the offset (a message of 0 bytes only once
  // peeked) and starts that many bytes into the next; message_len is then what is left of it.
  QueueRead read_message(std::size_t len, bool peek, std::string& out, std::vector<FileRef>& fds,
                         long peek_off = -1);

  // Empties the queue (the socket is released); every queued reference is appended to `fds`.
  void clear(std::vector<FileRef>& fds);

 private:
  void pop_front();
  std::size_t erase(std::size_t i, std::vector<FileRef>& dropped);
  std::size_t manage_oob(std::size_t i, bool peek, bool oob_inline, QueueRead& r);
  void mark_fd_segment(std::size_t i, std::size_t rest, std::size_t chunk, std::size_t copied,
                       std::size_t len, bool peek);

  // Live segments are slots_[head_, tail_). Slots past tail_ are kept so that their buffers are
  // reused: a steady send/receive loop allocates nothing.
  std::vector<Segment> slots_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::size_t unread_bytes_ = 0;
  std::size_t truesize_ = 0;
  bool oob_ = false;  // one segment is flagged oob
  std::size_t inq_stale_ = 0;
  RulesReached* rules_ = nullptr;
};

}  // namespace fdlab
