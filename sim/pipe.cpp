#include "sim/pipe.h"

#include <algorithm>

namespace fdlab::sim {

PipeResult Pipe::write(const std::string& data, bool nonblock) {
  PipeResult r;
  if (data.empty()) return r;  // pipe_write returns 0 before looking at readers
  if (!reader_open) {
    r.err = Errno::epipe;
    r.sigpipe = true;
    return r;
  }
  std::size_t total = data.size();
  std::size_t chars = total & (page_size - 1);
  if (chars && !bufs_.empty() && bufs_.back().bytes.size() + chars <= page_size) {
    bufs_.back().bytes.append(data, 0, chars);
    r.done = chars;
  }
  while (r.done < total) {
    if (bufs_.size() == max_pages) {
      if (!nonblock) {
        r.blocked = true;
      } else if (r.done == 0) {
        r.err = Errno::eagain;
      }
      return r;
    }
    std::size_t n = std::min(page_size, total - r.done);
    bufs_.push_back(Buf{data.substr(r.done, n), 0});
    r.done += n;
  }
  return r;
}

PipeResult Pipe::read(std::size_t len, bool nonblock, std::string& out) {
  PipeResult r;
  if (len == 0) return r;
  if (bufs_.empty()) {
    if (!writer_open) return r;  // EOF
    if (nonblock) {
      r.err = Errno::eagain;
    } else {
      r.blocked = true;
    }
    return r;
  }
  std::size_t used = 0;
  while (used < bufs_.size() && r.done < len) {
    Buf& b = bufs_[used];
    std::size_t n = std::min(len - r.done, b.bytes.size() - b.offset);
    out.append(b.bytes, b.offset, n);
    b.offset += n;
    r.done += n;
    if (b.offset == b.bytes.size()) ++used;
  }
  bufs_.erase(bufs_.begin(), bufs_.begin() + static_cast<std::ptrdiff_t>(used));
  return r;
}

std::size_t Pipe::unread_bytes() const {
  std::size_t n = 0;
  for (const Buf& b : bufs_) n += b.bytes.size() - b.offset;
  return n;
}

}  // namespace fdlab::sim
