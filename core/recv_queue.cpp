#include "core/recv_queue.h"

#include <algorithm>

namespace fdlab {

void RecvQueue::push(std::string_view bytes, const FileRef* fds, std::size_t nfds,
                     std::uint32_t truesize, int creds, int from, bool oob) {
  if (oob && oob_) {
    for (std::size_t i = head_; i != tail_; ++i) slots_[i].oob = false;
  }
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
  s.oob = oob;
  if (oob) oob_ = true;
  unread_bytes_ += bytes.size();
  truesize_ += truesize;
}

void RecvQueue::pop_front() {
  Segment& s = slots_[head_++];
  if (s.oob) oob_ = false;
  s.oob = false;
  unread_bytes_ -= s.unread();
  truesize_ -= s.truesize;
  s.fds.clear();
  if (head_ == tail_) head_ = tail_ = 0;
}

// unix_stream_read_generic's loop, segment by segment; each `continue` without `restart` is its
// `goto again` (the next segment of a peek, or past the peek offset).
QueueRead RecvQueue::read_stream(std::size_t len, bool peek, std::string& out,
                                 std::vector<FileRef>& fds, bool check_creds, std::size_t skip,
                                 bool oob_inline) {
  QueueRead r;
  std::size_t i = head_;
  bool first = true;
  bool restart = false;
  for (;;) {
    if (restart) i = head_;
    restart = false;
    if (i != tail_) {
      i = manage_oob(i, peek, oob_inline, r);
      if (i == tail_ && r.copied > 0) break;  // stopped at the mark
    }
    if (i == tail_) {
      r.ran_out = true;
      break;
    }
    // "while (skip >= unix_skb_len(skb))" passes over whole segments (SO_PEEK_OFF).
    bool past_end = false;
    while (skip >= slots_[i].unread()) {
      skip -= slots_[i].unread();
      if (++i == tail_) {
        past_end = true;
        break;
      }
    }
    if (past_end) continue;
    Segment& s = slots_[i];
    // The first segment sets the read's credentials; with SO_PASSCRED a segment whose
    // credentials differ ends the read (unix_skb_scm_eq): "Never glue messages from different
    // writers".
    if (first) {
      r.creds = s.creds;
      r.from = s.from;
    } else if (check_creds || s.creds != r.creds) {
      // Glued, or not, by the credentials.
      reached(rules_, "credentials.not-glued");
      if (check_creds && s.creds != r.creds) break;
    }
    first = false;
    const std::size_t from = s.consumed + skip;
    const std::size_t chunk = std::min(s.bytes.size() - from, len);
    out.append(s.bytes, from, chunk);
    r.copied += chunk;
    len -= chunk;
    skip = 0;
    const bool had_fds = !s.fds.empty();
    if (had_fds && rules_ != nullptr)
      mark_fd_segment(i, s.bytes.size() - from, chunk, r.copied, len, peek);
    if (peek) {
      // A peek duplicates the fds (unix_peek_fds) and stops after them. Otherwise it goes on to
      // the next segment without looking at the size left ("goto again"), so once the bytes are
      // copied it keeps walking, copying 0 bytes, and peeks the fds of the next segment that
      // carries some: a peek can return fds of bytes it did not return (measured on 6.18).
      fds.insert(fds.end(), s.fds.begin(), s.fds.end());
      if (had_fds) break;
      if (++i == tail_) break;
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
    erase(i, r.dropped);  // emptied: nothing left on it to drop
    if (had_fds || len == 0) break;
    restart = true;
  }
  return r;
}

// The stream rules that apply when a read takes the fds of segment i, having copied `chunk` of
// the `rest` bytes it found there (`copied` in all, this chunk included), `len` still wanted.
void RecvQueue::mark_fd_segment(std::size_t i, std::size_t rest, std::size_t chunk,
                                std::size_t copied, std::size_t len, bool peek) {
  if (copied > chunk) reached(rules_, "stream.glue-before-fds");
  if (copied == 0) reached(rules_, "stream.recv-len-zero");
  if (peek && chunk == 0) reached(rules_, "stream.peek-walks-to-next-fds");
  if (!peek && rest > chunk) reached(rules_, "stream.partial-read-fds-first");
  // The read stops after this segment though more is queued and wanted.
  const bool more = i + 1 != tail_;
  if (more && len > 0 && rest == chunk) reached(rules_, "stream.fd-boundary");
  if (more && !slots_[i + 1].fds.empty()) reached(rules_, "stream.fd-segments-not-merged");
}

// manage_oob (net/unix/af_unix.c, CONFIG_AF_UNIX_OOB), at segment i: returns the segment the read
// goes on with, or tail_ for none.
std::size_t RecvQueue::manage_oob(std::size_t i, bool peek, bool oob_inline, QueueRead& r) {
  if (slots_[i].unread() > 0 && !slots_[i].oob) return i;
  if (slots_[i].unread() == 0) {
    if (r.copied > 0 && (!oob_ || slots_[i].oob)) return tail_;
    // A segment emptied by a MSG_OOB read: a read frees it (with any fds it still carried).
    if (!peek && !slots_[i].fds.empty()) reached(rules_, "oob.fds");
    i = peek ? i + 1 : erase(i, r.dropped);
    if (i == tail_) return tail_;
  }
  if (!slots_[i].oob) return i;
  reached(rules_, "oob.mark");  // the read stops here, drops the byte, or keeps it in line
  if (r.copied > 0) return tail_;
  if (!peek) {
    slots_[i].oob = false;
    oob_ = false;
    if (!oob_inline) {
      // The byte is dropped unread, fds and all (kfree_skb: SKB_DROP_REASON_UNIX_SKIP_OOB).
      if (!slots_[i].fds.empty()) reached(rules_, "oob.fds");
      r.freed_truesize += slots_[i].truesize;
      inq_stale_ += slots_[i].unread();
      erase(i, r.dropped);
      i = head_;
    }
  } else if (!oob_inline) {
    ++i;
  }
  return i;
}

// Removes the segment at slot i (its fds go to `dropped`, to be released) and returns the slot
// of the segment after it.
std::size_t RecvQueue::erase(std::size_t i, std::vector<FileRef>& dropped) {
  dropped.insert(dropped.end(), slots_[i].fds.begin(), slots_[i].fds.end());
  slots_[i].fds.clear();
  if (i == head_) {
    pop_front();
    return head_;
  }
  Segment& s = slots_[i];
  unread_bytes_ -= s.unread();
  truesize_ -= s.truesize;
  if (s.oob) oob_ = false;
  s.fds.clear();
  s.oob = false;
  std::rotate(slots_.begin() + static_cast<std::ptrdiff_t>(i),
              slots_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
              slots_.begin() + static_cast<std::ptrdiff_t>(tail_));
  --tail_;
  return i;
}

OobRead RecvQueue::read_oob(bool peek, bool oob_inline) {
  OobRead o;
  if (oob_inline || !oob_) return o;
  std::size_t j = head_;
  while (j != tail_ && !slots_[j].oob) ++j;
  if (j == tail_) return o;
  o.got = true;
  o.byte = slots_[j].bytes[slots_[j].consumed];
  reached(rules_, "oob.mark");
  if (peek) return o;
  // The fds stay on the skb the byte leaves empty, for the next read to free.
  if (!slots_[j].fds.empty()) reached(rules_, "oob.fds");
  slots_[j].oob = false;
  oob_ = false;
  if (j != head_ && slots_[j - 1].unread() == 0) {
    if (!slots_[j - 1].fds.empty()) reached(rules_, "oob.fds");
    o.freed_truesize += slots_[j - 1].truesize;
    erase(j - 1, o.dropped);
    --j;
  }
  slots_[j].consumed += 1;
  unread_bytes_ -= 1;
  return o;
}

QueueRead RecvQueue::read_message(std::size_t len, bool peek, std::string& out,
                                  std::vector<FileRef>& fds, long peek_off) {
  QueueRead r;
  std::size_t i = head_;
  std::size_t skip = 0;
  // __skb_try_recv_from_queue: with MSG_PEEK and an offset (peek_at_off), a message is passed
  // over when the offset reaches past it (and, for an empty one, when it was peeked before).
  // Without SO_PEEK_OFF nothing is ever passed over (found by the fuzzer: a second peek of an
  // empty message returns it again).
  if (peek && peek_off >= 0) {
    skip = static_cast<std::size_t>(peek_off);
    while (i != tail_ && skip >= slots_[i].bytes.size() && (skip > 0 || slots_[i].peeked)) {
      skip -= slots_[i].bytes.size();
      ++i;
    }
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
