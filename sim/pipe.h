#pragma once
// An anonymous pipe (fs/pipe.c): a ring of at most 16 page buffers. A write first tops up the
// last page when its remainder (len % PAGE_SIZE) fits there, then fills whole new pages; this
// is why 40 writes of 100 bytes fill a page and 640 fill the pipe (measured).
#include <cstddef>
#include <string>
#include <vector>

#include "core/errno_name.h"

namespace fdlab::sim {

struct PipeResult {
  std::size_t done = 0;
  Errno err = Errno::ok;
  bool sigpipe = false;
  bool blocked = false;
};

class Pipe {
 public:
  static constexpr std::size_t page_size = 4096;
  static constexpr std::size_t max_pages = 16;  // PIPE_DEF_BUFFERS

  bool reader_open = true;
  bool writer_open = true;

  // pipe_write: data is appended; `nonblock` gives a partial write or EAGAIN when full.
  PipeResult write(const std::string& data, bool nonblock);
  // pipe_read: up to len bytes appended to out.
  PipeResult read(std::size_t len, bool nonblock, std::string& out);

  std::size_t unread_bytes() const;
  std::size_t pages() const { return bufs_.size(); }

 private:
  struct Buf {
    std::string bytes;       // the page's contents up to its end of data
    std::size_t offset = 0;  // read position within the page
  };
  std::vector<Buf> bufs_;
};

}  // namespace fdlab::sim
