#pragma once
// The line protocol of runner/fdlab_posix_runner.c (docs/posix-runner.md), fdlab's side: a Call
// as a request line, an answer line as the pieces of an Outcome. Pure: no process, no I/O
// (cli/runner_kernel.h drives the program). Values cross as names (EAGAIN, MSG_CTRUNC,
// SO_PASSCRED) so that a runner built for another system answers in the model's terms.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/kernel.h"

namespace fdlab::runner {

// "call P OP key=value ..." for every op but the runner's own requests (proc, finish).
std::string request_line(ProcId p, const Call& c);

// An fd as an answer names it: its number, the key of its object (st_dev:st_ino, and :r/:w for
// a FIFO end), FD_CLOEXEC.
struct AnsweredFd {
  int fd = -1;
  std::string key;
  bool cloexec = false;
};

// A received SCM_CREDENTIALS, in numbers (the kernel names the pid: it knows its processes').
struct AnsweredCreds {
  bool present = false;
  int fields = 0;
  std::int64_t pid = 0, uid = 0, gid = 0;
};

// One answer line, parsed. kind says which of the protocol's five it is; what follows `ok` or
// `err` is in the other fields, still in the runner's terms (names, keys, numbers).
struct Answer {
  enum class Kind : std::uint8_t { ok, err, blocked, unsupported, fail } kind = Kind::fail;
  long ret = 0;
  Errno err = Errno::ok;
  std::string text;  // unsupported: "OP: why"; fail: why
  std::string data;
  bool has_data = false;
  std::vector<AnsweredFd> fds;
  std::uint32_t msg_flags = 0;
  std::size_t controllen = 0;
  RecvCmsgs cmsgs;
  AnsweredCreds creds;    // recvmsg's SCM_CREDENTIALS, or SO_PEERCRED (peercred=)
  bool has_name = false;  // getsockname/getpeername's name=, recvmsg's from=
  ReportedAddr name;
  long value = 0;          // getsockopt's value=; poll's revents
  bool has_flags = false;  // fcntl getters: flags= as core bits, in value
  bool sigpipe = false;
  // Other key=value fields (proc's pid= and stdio=, finish's open=, leaked=, detail=).
  std::vector<std::pair<std::string, std::string>> extra;
  const std::string* find(std::string_view key) const;
};

// Parses an answer; throws HarnessError (naming the line) when it is not one: an unknown
// errno, flag or cmsg name, bad hex, an unknown field.
Answer parse_answer(const std::string& line);

// The hello line the runner prints first: "fdlab-posix-runner VERSION key=value ...".
struct Hello {
  int version = 0;
  std::string variant, system, identity;
  std::int64_t uid = -1, gid = -1;
  // "cmsg=HEADER,ALIGN": the host's struct cmsghdr (16,8 on x86-64; 12,4 on wasm32, i386)
  std::size_t cmsg_header = 16, cmsg_align = 8;
};
Hello parse_hello(const std::string& line);

}  // namespace fdlab::runner
