#include "core/control_space.h"

#include <algorithm>

namespace fdlab {

FdDelivery deliver_fds(bool has_control, std::size_t control_len, std::size_t queued) {
  FdDelivery d;
  if (queued == 0) return d;
  if (!has_control) {
    d.ctrunc = true;
    return d;
  }
  d.installed = std::min(cmsg::max_fds_for_control_len(control_len), queued);
  d.ctrunc = d.installed < queued;
  return d;
}

}  // namespace fdlab
