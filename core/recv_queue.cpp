#include "core/recv_queue.h"

#include <algorithm>

namespace fdlab {

void RecvQueue::push(std::string_view bytes, const FileRef* fds, std::size_t nfds,
                     std::uint32_t truesize, int creds, int from) {
  if (tail_ == slots_.size()) {
    if (head_ > 0) {
      // Move the live segments to the front; the used-up slots go behind them for reuse.
      std::rotate(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_),
                  slots_.end());
      tail_ -= head_;
      head_ = 0;
    } else {
      slots_.emplace_back();
    }
  }
  Segment& s = slots_[tail_++];
  s.bytes.assign(bytes.data(), bytes.size());
  s.consumed = 0;
  s.fds.assign(fds, fds + nfds);
  s.truesize = truesize;
  s.creds = creds;
  s.from = from;
  s.peeked = false;
  unread_bytes_ += bytes.size();
  truesize_ += truesize;
}

void RecvQueue::pop_front() {
  Segment& s = slots_[head_++];
  unread_bytes_ -= s.unread();
  truesize_ -= s.truesize;
  s.fds.clear();
  if (head_ == tail_) head_ = tail_ = 0;
}

QueueRead RecvQueue::read_stream(std::size_t len, bool peek, std::string& out,
                                 std::vector<FileRef>& fds, bool check_creds,
                                 std::size_t skip) {
  QueueRead r;
  std::size_t i = head_;
  bool first = true;
  // unix_stream_read_generic: "while (skip >= unix_skb_len(skb))" passes over whole segments.
  if (peek) {
    while (i != tail_ && skip >= slots_[i].unread()) {
      skip -= slots_[i].unread();
      ++i;
    }
  }
  do {
    if (i == tail_) {
      r.ran_out = true;
      break;
    }
    Segment& s = slots_[i];
    // unix_stream_read_generic: the first segment sets the read's credentials; with
    // SO_PASSCRED a segment whose credentials differ ends the read (unix_skb_scm_eq).
    if (first) {
      r.creds = s.creds;
      r.from = s.from;
    }
    if (!first && check_creds && s.creds != r.creds)
      break;
    first = false;
    const std::size_t from = s.consumed + skip;
    std::size_t chunk = std::min(s.bytes.size() - from, len);
    out.append(s.bytes, from, chunk);
    skip = 0;
    r.copied += chunk;
    len -= chunk;
    const bool had_fds = !s.fds.empty();
    if (peek) {
      // A peek duplicates the fds (unix_peek_fds) and, like a read, stops after them.
      fds.insert(fds.end(), s.fds.begin(), s.fds.end());
      if (had_fds) break;
      ++i;
      if (len == 0) {
        // unix_stream_read_generic's peek branch goes back to `again` without checking the
        // size left, so once the bytes are copied it keeps walking (copying 0 bytes) and peeks
        // the fds of the next segment that carries some: a peek can return fds that belong to
        // bytes it did not return (measured on Linux 6.18; found by fdlab fuzz).
        // Reaching the end this way just returns what was copied, even 0: the peek branch
        // breaks out of the loop instead of going through the empty-queue checks.
        for (; i != tail_; ++i) {
          if (!slots_[i].fds.empty()) {
            fds.insert(fds.end(), slots_[i].fds.begin(), slots_[i].fds.end());
            break;
          }
        }
        break;
      }
      continue;
    }
    s.consumed += chunk;
    unread_bytes_ -= chunk;
    if (had_fds) {
      // unix_detach_fds: the remainder of this segment no longer carries them.
      fds.insert(fds.end(), s.fds.begin(), s.fds.end());
      s.fds.clear();
    }
    if (s.unread() > 0) break;
    r.freed_truesize += s.truesize;
    pop_front();
    i = head_;
    if (had_fds) break;
  } while (len > 0);
  return r;
}

QueueRead RecvQueue::read_message(std::size_t len, bool peek, std::string& out,
                                  std::vector<FileRef>& fds, std::size_t skip) {
  QueueRead r;
  std::size_t i = head_;
  // __skb_try_recv_from_queue: with MSG_PEEK and an offset, a message is passed over when the
  // offset reaches past it (and, for an empty one, when it was peeked before).
  if (peek) {
    while (i != tail_ && skip >= slots_[i].bytes.size() && (skip > 0 || slots_[i].peeked)) {
      skip -= slots_[i].bytes.size();
      ++i;
    }
  } else {
    skip = 0;
  }
  if (i == tail_) return r;
  Segment& s = slots_[i];
  r.got_message = true;
  r.message_len = s.bytes.size() - skip;
  r.creds = s.creds;
  r.from = s.from;
  r.copied = std::min(len, r.message_len);
  out.append(s.bytes, skip, r.copied);
  fds.insert(fds.end(), s.fds.begin(), s.fds.end());
  if (peek) s.peeked = true;
  if (!peek) {
    r.freed_truesize = s.truesize;
    s.fds.clear();
    pop_front();
  }
  return r;
}

void RecvQueue::clear(std::vector<FileRef>& fds) {
  while (!empty()) {
    Segment& s = slots_[head_];
    fds.insert(fds.end(), s.fds.begin(), s.fds.end());
    pop_front();
  }
}

}  // namespace fdlab
