#pragma once
// One sendmsg or recvmsg while it runs: who calls, with what, and what the call has gathered so
// far. It is passed from step to step as an argument, so that nothing in SimKernel outlives the
// call that set it.
#include <cstddef>
#include <optional>
#include <vector>

#include "core/kernel.h"
#include "core/recv_queue.h"

namespace fdlab::sim {

// A sendmsg in progress (unix_stream_sendmsg, unix_dgram_sendmsg).
struct SendCall {
  ProcId proc;
  const SendArgs& args;
  bool nonblock;  // MSG_DONTWAIT, or O_NONBLOCK on the file (____sys_sendmsg)
  // unix_maybe_add_creds decides once per call: the credentials (a creds_key) that every
  // segment of this send carries as its SCM_CREDENTIALS, or -1 for none; a stated
  // SCM_CREDENTIALS replaces them.
  int creds;
  bool stated_creds = false;  // a stated SCM_CREDENTIALS set `creds`
  // The fds the message carries: args.fds, or those of a stated msg_control (check_send_fds).
  const std::vector<int>* fds = nullptr;
  std::uint32_t self = 0;  // the sending socket's index
};

// recv.creds at a stream's EOF: scm_recv_unix reports a zeroed cookie (pid 0, uid 0, gid 0).
constexpr int kEofCreds = -2;

// A recvmsg in progress (unix_stream_read_generic, __unix_dgram_recvmsg, then scm_recv_unix).
struct RecvCall {
  ProcId proc;
  const RecvArgs& args;
  bool nonblock;  // MSG_DONTWAIT, or O_NONBLOCK on the file
  bool peek;      // MSG_PEEK
  // What the read took from the queue, for scm_recv_unix: the fds (references the queue held,
  // or copies when peeking), and the credentials of the segment read (-1: sent without any,
  // kEofCreds: a stream's EOF), empty when it read no segment at all.
  std::vector<FileRef> taken;
  std::optional<int> creds;
  int from = -1;  // the sender's address key of what it read (SimKernel::addr_key)
};

}  // namespace fdlab::sim
