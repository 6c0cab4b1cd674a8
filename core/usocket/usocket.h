#pragma once
// USocket, the reference model of usocket's stream socket (docs/usocket-semantics.md): a byte
// buffer and a side queue of received fds on the reading side, a queue of pending writes on
// the writing side, and the events of the README. It makes only nonblocking Kernel calls, so it
// runs unchanged on the simulator and on the real kernel; the EventLoop drives it.
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/usocket/call_result.h"
#include "core/usocket/events.h"
#include "core/usocket/named_sockets.h"

namespace fdlab::usocket {

// node's default readable highWaterMark: receiving stops while this much is buffered unread,
// which is what keeps a fast writer from filling the reader's memory.
constexpr std::size_t kHighWaterMark = 16 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxFdsPerWrite = 253;  // SCM_MAX_FD: the kernel refuses more
// node's writable highWaterMark in object mode, which the package asks for
// (writableObjectMode: true): 16 chunks, whatever their size.
constexpr std::size_t kWriteHighWaterMark = 16;

struct WriteRequest {
  std::string data;
  std::vector<int> fds;     // fd numbers in the socket's process
  int callback = -1;        // the step whose callback fires once all was sent; -1: none
  bool has_payload = true;  // false for write({}): neither data nor fds given
};

// What read() hands back. `null` is JavaScript's null; otherwise `data` (absent when no bytes:
// null in JavaScript) and, for the two-argument form, `fds`.
struct ReadResult {
  bool null = true;
  std::optional<std::string> data;
  std::vector<NewFd> fds;
};

class USocket {
 public:
  USocket(Kernel& kernel, ProcId proc, int id, EventLog& log);
  USocket(const USocket&) = delete;
  USocket& operator=(const USocket&) = delete;

  int id() const { return id_; }
  ProcId proc() const { return proc_; }
  int fd() const { return fd_; }

  // connect(path[, callback]): the calls happen now; 'connected' (then the callback) or
  // 'error' and 'close' are emitted by the loop, never from inside the call.
  CallResult connect_path(NamedSockets& named, const std::string& path, int callback);
  // connect({fd}[, callback]): adopts a connected stream socket (made nonblocking). Announces
  // 'connected' like connect(path) unless it comes from a server's accept.
  CallResult adopt(int fd, int callback, bool announce);
  // new USocket(callback) with no options: the callback waits for a later connect.
  void add_connected_listener(int step);

  // Accepted (the data is then sent or queued) with node's return value: false once the
  // chunks not yet sent, this one counted, reach kWriteHighWaterMark ('drain' follows when
  // they are all sent); or refused with a usage error.
  CallResult write(WriteRequest w);
  // end([write]): writes, then shuts the sending side once everything queued was sent.
  CallResult end(std::optional<WriteRequest> w, int callback);
  void destroy();

  ReadResult read(std::optional<std::size_t> size);  // read([size])
  ReadResult read(std::optional<std::size_t> size, std::optional<std::size_t> count);
  void unshift(const std::string& bytes, const std::vector<NewFd>& fds);

  // One pass of the event loop over this socket; true when anything happened.
  bool poll();
  bool open() const { return fd_ >= 0; }

 private:
  struct PendingWrite {
    WriteRequest req;
    std::size_t sent = 0;
    bool fds_sent = false;
  };
  bool receive();
  bool flush();
  void fail(Errno e);  // closes the socket; the loop reports 'error' then 'close'
  void report_error();
  void close_fd();
  void emit(const char* name);
  void emit_callback(int step);
  CallResult validate(const WriteRequest& w) const;
  std::string take_bytes(std::size_t n);
  void note_consumed();

  Kernel& k_;
  ProcId proc_;
  int id_;
  EventLog& log_;
  int fd_ = -1;
  bool ever_connected_ = false;
  bool destroyed_ = false;

  // Emitted by the next pass of the loop.
  bool connected_due_ = false;
  std::vector<int> connect_callbacks_;
  Errno error_due_ = Errno::ok;
  std::vector<int> callbacks_due_;

  // Reading side.
  std::string in_;
  std::size_t in_start_ = 0;  // consumed prefix of in_, dropped lazily
  std::deque<NewFd> in_fds_;
  bool eof_ = false;
  bool end_due_ = false;  // a read found the stream drained at EOF: 'end' is next
  bool end_emitted_ = false;

  // Writing side.
  std::deque<PendingWrite> out_;
  bool drain_due_ = false;  // a write returned false: 'drain' once all queued was sent
  bool end_requested_ = false;
  int end_callback_ = -1;
  bool shut_ = false;
};

}  // namespace fdlab::usocket
