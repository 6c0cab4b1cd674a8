// The reading side of USocket: receiving into the byte buffer and the side fd queue, and the
// README's read rules.
#include "core/usocket/usocket.h"

namespace fdlab::usocket {
namespace {
// CMSG_SPACE(253 * sizeof(int)) on 64-bit Linux: room for the most fds one message can carry.
constexpr std::size_t kControlSpace = 16 + ((kMaxFdsPerWrite * 4 + 7) & ~std::size_t{7});
}  // namespace

bool USocket::receive() {
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
    in_ += o.data;
    arrived = true;
    if (!o.fds.empty()) {
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
  // README: null unless both the data and the descriptors asked for are there.
  if (count && in_fds_.size() < *count) return r;
  const std::size_t fds = count ? *count : in_fds_.size();
  const std::size_t have = in_.size() - in_start_;
  std::size_t n = 0;
  if (!size)
    n = have;
  else if (have >= *size)
    n = *size;
  else if (eof_)
    n = have;
  else
    return r;
  // Nothing at all to hand over is null, as the one-argument read says for an empty buffer.
  if (n == 0 && fds == 0) {
    note_consumed();
    return r;
  }
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
  in_ = bytes + in_.substr(in_start_);
  in_start_ = 0;
  // Back in front, in their order: the next read gets fds[0] first.
  in_fds_.insert(in_fds_.begin(), fds.begin(), fds.end());
}

}  // namespace fdlab::usocket
