// The reading side of USocket: receiving into the byte buffer and the side fd queue, and the
// README's read rules.
#include <set>

#include "core/rules_reached.h"
#include "core/usocket/usocket.h"

namespace fdlab::usocket {
namespace {
// CMSG_SPACE(253 * sizeof(int)) on 64-bit Linux: room for the most fds one message can carry.
constexpr std::size_t kControlSpace = 16 + ((kMaxFdsPerWrite * 4 + 7) & ~std::size_t{7});
}  // namespace

bool USocket::receive() {
  RulesReached* rules = k_.rules_sink();
  bool arrived = false;
  // Stop at the high-water mark: the data stays in the kernel, whose full buffer then holds
  // the writer back (node's Readable does the same with push() returning false).
  while (fd_ >= 0 && !eof_ && in_.size() - in_start_ < kHighWaterMark) {
    RecvArgs a;
    a.len = kReadChunk;
    a.has_control = true;
    a.control_len = kControlSpace;
    // MSG_CMSG_CLOEXEC: received fds are close-on-exec, as libuv's own recvmsg makes them.
    a.flags = msg::dontwait | msg::cmsg_cloexec;
    Outcome o = k_.recvmsg(proc_, fd_, a);
    // A nonblocking call that would block is EAGAIN, whichever way the backend says it.
    if (o.err == Errno::eagain || o.blocked) break;
    if (o.err != Errno::ok) {
      fail(o.err);
      return true;
    }
    if (o.ret == 0 && o.fds.empty()) {
      eof_ = true;
      arrived = true;  // 'readable' at EOF, so a reader learns of it by reading
      break;
    }
    // The sending side was ended, and this side still receives (allowHalfOpen).
    if (end_requested_) reached(rules, "usocket.half-close");
    in_ += o.data;
    arrived = true;
    if (!o.fds.empty()) {
      // 'fds' now, before this pass's 'readable'; the fds join the side queue behind those of
      // earlier messages, each the received fd itself (no dup: the sender's open file).
      reached(rules, "usocket.fds-event");
      reached(rules, "usocket.received-fd-same-file");
      reached(rules, "usocket.cloexec");  // received with MSG_CMSG_CLOEXEC
      if (!in_fds_.empty()) reached(rules, "usocket.many-fds");
      std::set<ObjectId> objects;
      for (const auto& nf : o.fds)
        if (!objects.insert(nf.object).second) reached(rules, "usocket.same-fd-twice");
      UEvent e;
      e.on = id_;
      e.name = "fds";
      for (const auto& nf : o.fds) {
        e.fds.push_back(nf.object);
        in_fds_.push_back(nf);
      }
      log_.emit(std::move(e));
    }
  }
  // Stopped at the high-water mark: the rest stays in the kernel and holds the writer back.
  if (fd_ >= 0 && !eof_ && in_.size() - in_start_ >= kHighWaterMark)
    reached(rules, "usocket.backpressure");
  if (arrived) emit("readable");
  return arrived;
}

std::string USocket::take_bytes(std::size_t n) {
  std::string out = in_.substr(in_start_, n);
  in_start_ += n;
  // Drop the consumed prefix once it dominates, so reading stays linear in the bytes.
  if (in_start_ == in_.size() || in_start_ > kReadChunk) {
    in_.erase(0, in_start_);
    in_start_ = 0;
  }
  return out;
}

void USocket::note_consumed() {
  // A paused-mode Readable emits 'end' once a read finds it drained after EOF.
  if (eof_ && in_.size() == in_start_) end_due_ = true;
}

ReadResult USocket::read(std::optional<std::size_t> size) {
  ReadResult r;
  if (destroyed_) return r;
  const std::size_t have = in_.size() - in_start_;
  std::size_t n = 0;
  // Bytes only: the fd queue is left as it is, whichever branch decides.
  reached(k_.rules_sink(), "usocket.read-one-arg");
  if (size && *size == 0)
    n = 0;  // read(0) only asks for a refill: null
  else if (!size)
    n = have;
  else if (have >= *size)
    n = *size;
  else if (eof_)
    n = have;  // the end of the stream: what is left, though shorter
  if (n > 0) {
    r.null = false;
    r.data = take_bytes(n);
  }
  note_consumed();
  return r;
}

ReadResult USocket::read(std::optional<std::size_t> size, std::optional<std::size_t> count) {
  ReadResult r;
  if (destroyed_) return r;
  RulesReached* rules = k_.rules_sink();
  // README: null unless both the data and the descriptors asked for are there.
  if (count && in_fds_.size() < *count) {
    reached(rules, "usocket.read-two-args");  // too few fds: null
    return r;
  }
  const std::size_t fds = count ? *count : in_fds_.size();
  const std::size_t have = in_.size() - in_start_;
  std::size_t n = 0;
  if (!size)
    n = have;
  else if (have >= *size)
    n = *size;
  else if (eof_)
    n = have;
  else {
    reached(rules, "usocket.read-two-args");  // too few bytes: null
    return r;
  }
  // Nothing at all to hand over is null, as the one-argument read says for an empty buffer.
  if (n == 0 && fds == 0) {
    reached(rules, "usocket.read-two-args");  // nothing at all: null
    note_consumed();
    return r;
  }
  reached(rules, "usocket.read-two-args");  // both are there: {data, fds}
  // The fds handed over are the user's from now on: the socket keeps no copy.
  if (fds > 0) reached(rules, "usocket.received-fds-owned");
  r.null = false;
  if (n > 0) r.data = take_bytes(n);
  for (std::size_t i = 0; i < fds; ++i) {
    r.fds.push_back(in_fds_.front());
    in_fds_.pop_front();
  }
  note_consumed();
  return r;
}

void USocket::unshift(const std::string& bytes, const std::vector<NewFd>& fds) {
  if (destroyed_) return;
  reached(k_.rules_sink(), "usocket.unshift");  // in front, bytes and fds in their order
  in_ = bytes + in_.substr(in_start_);
  in_start_ = 0;
  // Back in front, in their order: the next read gets fds[0] first.
  in_fds_.insert(in_fds_.begin(), fds.begin(), fds.end());
}

}  // namespace fdlab::usocket
