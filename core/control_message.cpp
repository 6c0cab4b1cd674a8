#include "core/control_message.h"

#include <algorithm>

#include "core/control_space.h"

namespace fdlab {
namespace {

void put_le(std::string& out, std::size_t at, std::uint64_t v, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t get_le(std::string_view in, std::size_t at, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

std::int64_t resolve(const CredArg& a, std::int64_t own) {
  switch (a.kind) {
    case CredArg::Kind::own:
      return own;
    case CredArg::Kind::init:
      return 1;
    case CredArg::Kind::number:
      return a.number;
  }
  return a.number;
}

std::string payload_of(const SendCmsg& c, const CredNumbers& own) {
  std::string p;
  switch (c.kind) {
    case SendCmsg::Kind::rights:
      p.assign(c.fds.size() * cmsg::fd_size, '\0');
      for (std::size_t i = 0; i < c.fds.size(); ++i)
        put_le(p, i * cmsg::fd_size, static_cast<std::uint32_t>(c.fds[i]), cmsg::fd_size);
      return p;
    case SendCmsg::Kind::creds:
      p.assign(cmsg::ucred_size, '\0');
      put_le(p, 0, static_cast<std::uint32_t>(resolve(c.pid, own.pid)), 4);
      put_le(p, 4, static_cast<std::uint32_t>(resolve(c.uid, own.uid)), 4);
      put_le(p, 8, static_cast<std::uint32_t>(resolve(c.gid, own.gid)), 4);
      return p;
    case SendCmsg::Kind::raw:
      return c.payload;
  }
  return p;
}

std::size_t payload_size(const SendCmsg& c) {
  switch (c.kind) {
    case SendCmsg::Kind::rights:
      return c.fds.size() * cmsg::fd_size;
    case SendCmsg::Kind::creds:
      return cmsg::ucred_size;
    case SendCmsg::Kind::raw:
      return c.payload.size();
  }
  return 0;
}

std::size_t natural_length(const SendControl& control, const cmsg::CmsgAbi& abi) {
  std::size_t n = 0;
  for (const auto& c : control.cmsgs) n += abi.space(payload_size(c));
  return n;
}

}  // namespace

std::size_t control_length(const SendControl& control, const cmsg::CmsgAbi& abi) {
  if (control.image) return control.image->size();
  return control.controllen ? *control.controllen : natural_length(control, abi);
}

std::string control_image(const SendControl& control, const CredNumbers& own,
                          const cmsg::CmsgAbi& abi) {
  if (control.image) return *control.image;
  std::string out(std::max(natural_length(control, abi), control_length(control, abi)), '\0');
  std::size_t at = 0;
  for (const auto& c : control.cmsgs) {
    const std::string payload = payload_of(c, own);
    const std::size_t field = abi.len_size;  // cmsg_len, then cmsg_level and cmsg_type
    put_le(out, at, c.cmsg_len ? *c.cmsg_len : abi.len(payload.size()), field);
    const bool raw = c.kind == SendCmsg::Kind::raw;
    const std::int64_t type = raw                                ? c.type
                              : c.kind == SendCmsg::Kind::rights ? cmsg::scm_rights
                                                                 : cmsg::scm_credentials;
    put_le(out, at + field, static_cast<std::uint32_t>(raw ? c.level : cmsg::sol_socket), 4);
    put_le(out, at + field + 4, static_cast<std::uint32_t>(type), 4);
    std::copy(payload.begin(), payload.end(),
              out.begin() + static_cast<long>(at + abi.header_size));
    at += abi.space(payload.size());
  }
  out.resize(control_length(control, abi));
  return out;
}

ScmSend scm_send(std::string_view image, const ScmSendHost& host, RulesReached* rules,
                 const cmsg::CmsgAbi& abi) {
  ScmSend s;
  const std::size_t size = image.size();
  auto fail = [&](Errno e) {
    // The fds taken from earlier cmsgs are put back with the rest.
    if (!s.fds.empty()) reached(rules, "control.rights-merge");
    s.err = e;
    s.fds.clear();
    s.creds.reset();
    return s;
  };
  // for_each_cmsghdr: CMSG_FIRSTHDR needs a whole header; __cmsg_nxthdr stops when the next
  // header would not fit whole in msg_controllen.
  if (size < abi.header_size) reached(rules, "control.cmsg-walk");
  std::size_t at = 0;
  while (size >= abi.header_size && at + abi.header_size <= size) {
    const std::uint64_t len = get_le(image, at, abi.len_size);
    const auto level = static_cast<std::int32_t>(get_le(image, at + abi.len_size, 4));
    const auto type = static_cast<std::int32_t>(get_le(image, at + abi.len_size + 4, 4));
    // CMSG_OK: at least a header, and no further than msg_controllen.
    if (len < abi.header_size || len > size - at) {
      reached(rules, "control.cmsg-walk");
      return fail(Errno::einval);
    }
    if (level != cmsg::sol_socket) reached(rules, "control.unknown-cmsg");
    if (level == cmsg::sol_socket) {
      if (type == cmsg::scm_rights) {
        // scm_fp_copy: whole ints only; at most SCM_MAX_FD in one cmsg and in all of them.
        const std::uint64_t num = (len - abi.header_size) / cmsg::fd_size;
        if ((len - abi.header_size) % cmsg::fd_size != 0 || num == 0)
          reached(rules, "control.rights-whole-ints");
        if (num > cmsg::scm_max_fd) return fail(Errno::einval);
        if (!s.fds.empty() && num > 0) reached(rules, "control.rights-merge");
        if (s.fds.size() + num > cmsg::scm_max_fd) return fail(Errno::einval);
        for (std::uint64_t i = 0; i < num; ++i) {
          const auto fd = static_cast<std::int32_t>(
              get_le(image, at + abi.header_size + i * cmsg::fd_size, cmsg::fd_size));
          if (fd < 0 || !host.fd_open(fd)) return fail(Errno::ebadf);
          s.fds.push_back(fd);
        }
      } else if (type == cmsg::scm_credentials) {
        reached(rules, "control.creds-explicit");
        if (len != abi.len(cmsg::ucred_size)) return fail(Errno::einval);
        const std::size_t ucred = at + abi.header_size;
        const auto pid = static_cast<std::int32_t>(get_le(image, ucred, 4));
        const auto uid = get_le(image, ucred + 4, 4);
        const auto gid = get_le(image, ucred + 8, 4);
        // scm_check_creds: (uid_t)-1 and (gid_t)-1 are no ids (uid_valid) before anything
        // else is asked; as root every other id and every existing pid may be sent.
        if (uid == 0xffffffffu || gid == 0xffffffffu) return fail(Errno::einval);
        if (!host.privileged()) {
          reached(rules, "unprivileged.stated-creds");
          const auto has = [](const std::vector<std::int64_t>& ids, std::int64_t id) {
            return std::find(ids.begin(), ids.end(), id) != ids.end();
          };
          if (pid != host.own_pid() || !has(host.uids(), static_cast<std::int64_t>(uid)) ||
              !has(host.gids(), static_cast<std::int64_t>(gid)))
            return fail(Errno::eperm);
        }
        if (!host.pid_exists(pid)) return fail(Errno::esrch);  // find_get_pid
        s.creds = WireCreds{pid, static_cast<std::int64_t>(uid), static_cast<std::int64_t>(gid)};
      } else {
        reached(rules, "control.unknown-cmsg");
        return fail(Errno::einval);
      }
    }
    at += abi.align(static_cast<std::size_t>(len));
  }
  // Bytes short of a header after the last cmsg are not looked at.
  if (at < size && size >= abi.header_size) reached(rules, "control.cmsg-walk");
  return s;
}

}  // namespace fdlab
