#include "core/control_space.h"

#include <algorithm>

namespace fdlab {

void ControlWriter::advance(std::size_t n) {
  n = std::min(n, left_);
  left_ -= n;
  used_ += n;
}

std::size_t ControlWriter::put(int type, std::size_t payload) {
  if (!has_control_ || left_ < abi_.header_size) {
    ctrunc_ = true;
    return 0;
  }
  std::size_t len = abi_.len(payload);
  if (left_ < len) {
    ctrunc_ = true;
    len = left_;
  }
  cmsgs_.push_back({type, len});
  advance(abi_.space(payload));
  return len - abi_.header_size;
}

std::size_t ControlWriter::fd_room() const { return abi_.max_fds(left_); }

void ControlWriter::put_fds(std::size_t installed, std::size_t queued) {
  if (installed > 0) {
    cmsgs_.push_back({1 /* SCM_RIGHTS */, abi_.len(installed * cmsg::fd_size)});
    advance(abi_.space(installed * cmsg::fd_size));
  }
  if (installed < queued) ctrunc_ = true;
}

FdDelivery deliver_fds(bool has_control, std::size_t control_len, std::size_t queued,
                       const cmsg::CmsgAbi& abi) {
  FdDelivery d;
  if (queued == 0) return d;
  if (!has_control) {
    d.ctrunc = true;
    return d;
  }
  d.installed = std::min(abi.max_fds(control_len), queued);
  d.ctrunc = d.installed < queued;
  return d;
}

}  // namespace fdlab
