#include "core/usocket/usocket.h"

#include "core/rules_reached.h"

namespace fdlab::usocket {

USocket::USocket(Kernel& kernel, ProcId proc, int id, EventLog& log)
    : k_(kernel), proc_(proc), id_(id), log_(log) {}

void USocket::emit(const char* name) {
  UEvent e;
  e.on = id_;
  e.name = name;
  log_.emit(std::move(e));
}

void USocket::emit_callback(int step) {
  // Only poll() emits callbacks: each runs from the loop, after its call returned.
  reached(k_.rules_sink(), "usocket.callback-from-loop");
  UEvent e;
  e.on = id_;
  e.name = "callback";
  e.step = step;
  log_.emit(std::move(e));
}

void USocket::add_connected_listener(int step) {
  // Kept, as a 'connected' listener, for the connect that comes later.
  reached(k_.rules_sink(), "usocket.connect-fd");
  connect_callbacks_.push_back(step);
}

CallResult USocket::connect_path(NamedSockets& named, const std::string& path, int callback) {
  if (ever_connected_ || destroyed_) {
    if (ever_connected_) reached(k_.rules_sink(), "usocket.connect-fd");  // a second: EISCONN
    return CallResult::refused(error::already_connected);
  }
  ever_connected_ = true;
  if (callback >= 0) connect_callbacks_.push_back(callback);
  const Outcome o = named.connect(proc_, path);
  // A failed connect is reported the way a successful one is: by the loop, as an event.
  if (o.err != Errno::ok) {
    error_due_ = o.err;
    return CallResult::accepted();
  }
  fd_ = o.fds.at(0).fd;
  connected_due_ = true;
  return CallResult::accepted();
}

CallResult USocket::adopt(int fd, int callback, bool announce) {
  if (ever_connected_ || destroyed_) {
    if (ever_connected_) reached(k_.rules_sink(), "usocket.connect-fd");  // a second: EISCONN
    return CallResult::refused(error::already_connected);
  }
  ever_connected_ = true;
  if (callback >= 0) connect_callbacks_.push_back(callback);
  // The loop must never block, and the fd may come from anywhere: make it nonblocking. The
  // flag is on the open file description, so a dup elsewhere becomes nonblocking too.
  const Outcome fl = k_.fcntl(proc_, fd, FcntlCmd::getfl, 0);
  if (fl.err == Errno::ok) {
    const Outcome set = k_.fcntl(proc_, fd, FcntlCmd::setfl, fl.ret | fl::nonblock);
    if (set.err != Errno::ok) error_due_ = set.err;
  } else {
    error_due_ = fl.err;
  }
  if (error_due_ != Errno::ok) return CallResult::accepted();
  fd_ = fd;
  connected_due_ = announce;
  // connect({fd}) adopts it and 'connected' follows from the loop; an accepted socket's does not.
  if (announce) reached(k_.rules_sink(), "usocket.connect-fd");
  return CallResult::accepted();
}

CallResult USocket::validate(const WriteRequest& w) const {
  RulesReached* rules = k_.rules_sink();
  if (destroyed_) {
    reached(rules, "usocket.destroy");  // a write after destroy(): EDESTROYED
    return CallResult::refused(error::destroyed);
  }
  if (end_requested_) {
    reached(rules, "usocket.end");  // a write after end()
    return CallResult::refused(error::write_after_end);
  }
  if (!ever_connected_ || fd_ < 0) {
    // Never connected: ENOTCONN (usocket.write-buffer's second sentence).
    if (!ever_connected_) reached(rules, "usocket.write-buffer");
    return CallResult::refused(error::not_connected);
  }
  // A zero-byte stream sendmsg returns 0 and the kernel drops its fds without a trace
  // (unix_stream_sendmsg sends no skb): refuse rather than lose them.
  if (!w.has_payload) {
    reached(rules, "usocket.write-object");  // write({}): neither data nor fds
    return CallResult::refused(error::empty_write);
  }
  if (w.data.empty() && !w.fds.empty()) {
    reached(rules, "usocket.fds-need-data");
    return CallResult::refused(error::fds_without_data);
  }
  if (w.fds.size() > kMaxFdsPerWrite) {
    reached(rules, "usocket.many-fds");  // more than SCM_MAX_FD: EINVAL, nothing sent
    return CallResult::refused(std::string(errno_name(Errno::einval)));
  }
  for (int fd : w.fds) {
    const Outcome o = k_.fcntl(proc_, fd, FcntlCmd::getfd, 0);
    if (o.err != Errno::ok) {
      if (o.err == Errno::ebadf) reached(rules, "usocket.bad-fd-refused");
      return CallResult::refused(std::string(errno_name(o.err)));
    }
  }
  return CallResult::accepted();
}

CallResult USocket::write(WriteRequest w) {
  CallResult checked = validate(w);
  if (!checked.ok()) {
    // The refusal is the result: the request, its callback with it, is dropped here.
    if (w.callback >= 0) reached(k_.rules_sink(), "usocket.refused-no-callback");
    return checked;
  }
  // node's Writable (writeOrBuffer): length counts the chunks whose send has not completed,
  // this one included, before any of it is tried; at the high-water mark write() says stop.
  const bool below = out_.size() + 1 < kWriteHighWaterMark;
  reached(k_.rules_sink(), "usocket.write-return");  // true below 16 unsent chunks, else false
  if (!below) drain_due_ = true;
  out_.push_back(PendingWrite{std::move(w), 0, false});
  // Send what the kernel takes now, as libuv's uv_try_write does; the callback still waits
  // for the loop, so it is never called from inside write().
  if (out_.size() == 1) flush();
  // ...and a stream that errored in the attempt (EPIPE) answers false, as node's writeOrBuffer
  // does (`ret && !state.errored && !state.destroyed`): the failed _write runs inside write().
  return CallResult::returned(below && error_due_ == Errno::ok);
}

CallResult USocket::end(std::optional<WriteRequest> w, int callback) {
  if (destroyed_) {
    reached(k_.rules_sink(), "usocket.destroy");  // end() after destroy(): EDESTROYED
    if (callback >= 0) reached(k_.rules_sink(), "usocket.refused-no-callback");
    return CallResult::refused(error::destroyed);
  }
  if (end_requested_) {
    reached(k_.rules_sink(), "usocket.end");  // a second end(): a write after end
    if (callback >= 0) reached(k_.rules_sink(), "usocket.refused-no-callback");
    return CallResult::refused(error::write_after_end);
  }
  if (w) {
    CallResult written = write(std::move(*w));
    if (!written.ok()) {
      if (callback >= 0) reached(k_.rules_sink(), "usocket.refused-no-callback");
      return written;
    }
  }
  end_requested_ = true;
  end_callback_ = callback;
  if (fd_ >= 0) flush();
  return CallResult::accepted();
}

void USocket::destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  // At once: the fd is closed here, and poll() emits nothing from now on.
  reached(k_.rules_sink(), "usocket.destroy");
  close_fd();
  // Fds received but never read belong to the socket: release them with it.
  if (!in_fds_.empty()) reached(k_.rules_sink(), "usocket.received-fds-owned");
  for (const auto& nf : in_fds_) k_.close(proc_, nf.fd);
  in_fds_.clear();
  in_.clear();
  in_start_ = 0;
  out_.clear();
  callbacks_due_.clear();
}

void USocket::close_fd() {
  if (fd_ < 0) return;
  k_.close(proc_, fd_);
  fd_ = -1;
}

void USocket::fail(Errno e) {
  // Reported by the loop ('error' then 'close'), even when found inside write().
  close_fd();
  out_.clear();
  callbacks_due_.clear();
  drain_due_ = false;  // an errored stream never drains (node: afterWrite checks destroyed)
  error_due_ = e;
}

void USocket::report_error() {
  reached(k_.rules_sink(), "usocket.error-then-close");  // 'error' with the code, then 'close'
  UEvent err;
  err.on = id_;
  err.name = "error";
  err.code = std::string(errno_name(error_due_));
  log_.emit(std::move(err));
  emit("close");
  error_due_ = Errno::ok;
}

bool USocket::flush() {
  bool progress = false;
  while (fd_ >= 0 && !out_.empty()) {
    PendingWrite& w = out_.front();
    if (w.req.data.empty()) {  // an empty write: nothing to send, only its callback
      reached(k_.rules_sink(), "usocket.write-buffer");  // all (no) bytes sent: its callback
      if (w.req.callback >= 0) callbacks_due_.push_back(w.req.callback);
      out_.pop_front();
      progress = true;
      continue;
    }
    SendArgs a;
    a.data = w.req.data.substr(w.sent);
    if (!w.fds_sent) a.fds = w.req.fds;
    // MSG_NOSIGNAL: a library must not kill its process when the peer goes away; EPIPE is
    // reported as an 'error' event instead.
    a.flags = msg::dontwait | msg::nosignal;
    const Outcome o = k_.sendmsg(proc_, fd_, a);
    RulesReached* rules = k_.rules_sink();
    // A nonblocking call that would block is EAGAIN, whichever way the backend says it.
    if (o.err == Errno::eagain || o.blocked) {
      // The kernel is full: what is queued waits, its callback (and an end() behind it) too,
      // and fds not yet taken stay with the bytes for the retry.
      reached(rules, "usocket.backpressure");
      if (!w.fds_sent && !w.req.fds.empty()) reached(rules, "usocket.fds-ride-once");
      break;
    }
    if (o.err != Errno::ok) {
      fail(o.err);
      return true;
    }
    progress = true;
    if (!w.req.fds.empty()) {
      if (w.fds_sent) {
        reached(rules, "usocket.fds-ride-once");  // the rest of a write goes without its fds
      } else {
        // Only write({data, fds}) carries both: one message, the fds with its first bytes.
        reached(rules, "usocket.write-object");
        if (w.req.fds.size() > 1) reached(rules, "usocket.many-fds");
      }
    }
    // The fds ride with the first chunk the kernel accepted (one skb carries them).
    w.fds_sent = true;
    w.sent += static_cast<std::size_t>(o.ret);
    if (w.sent < w.req.data.size()) continue;
    reached(rules, "usocket.write-buffer");  // every byte was sent: now its callback
    if (w.req.callback >= 0) callbacks_due_.push_back(w.req.callback);
    out_.pop_front();
  }
  if (fd_ >= 0 && out_.empty() && end_requested_ && !shut_) {
    const Outcome o = k_.shutdown(proc_, fd_, ShutHow::wr);
    if (o.err != Errno::ok && o.err != Errno::enotconn) {
      fail(o.err);
      return true;
    }
    shut_ = true;
    reached(k_.rules_sink(), "usocket.end");  // all queued was sent: the sending side shuts
    if (end_callback_ >= 0) callbacks_due_.push_back(end_callback_);
    progress = true;
  }
  return progress;
}

bool USocket::poll() {
  if (destroyed_) return false;
  bool progress = false;
  if (error_due_ != Errno::ok) {  // a failed connect
    report_error();
    return true;
  }
  if (connected_due_) {
    connected_due_ = false;
    emit("connected");
    // The callback is a listener of 'connected' (README), so it runs right after it.
    for (int step : connect_callbacks_) emit_callback(step);
    connect_callbacks_.clear();
    progress = true;
  }
  if (fd_ >= 0) progress |= receive();
  if (fd_ >= 0) progress |= flush();
  if (error_due_ != Errno::ok) {
    report_error();
    return true;
  }
  // node's afterWrite: 'drain' when nothing is left to send, unless end() was called, and
  // before the callbacks of the chunks that completed.
  if (drain_due_ && out_.empty()) {
    // After end() a stream never drains (node's afterWrite checks state.ending).
    reached(k_.rules_sink(), "usocket.drain");
    if (!end_requested_) {
      drain_due_ = false;
      emit("drain");
      progress = true;
    }
  }
  for (int step : callbacks_due_) {
    emit_callback(step);
    progress = true;
  }
  callbacks_due_.clear();
  if (end_due_ && !end_emitted_) {
    end_emitted_ = true;
    reached(k_.rules_sink(), "usocket.end");  // a read found the stream drained at EOF
    emit("end");
    progress = true;
  }
  // Both directions are finished: the socket is completely closed (README, 'close'). What
  // was received stays readable; it lives in the socket's buffers, not in the kernel.
  if (fd_ >= 0 && eof_ && shut_) {
    reached(k_.rules_sink(), "usocket.close");  // both sides ended; the buffers stay readable
    close_fd();
    emit("close");
    progress = true;
  }
  return progress;
}

}  // namespace fdlab::usocket
