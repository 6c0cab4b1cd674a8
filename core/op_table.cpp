#include "core/op_table.h"

namespace fdlab {

#define FDLAB_UNPAREN(...) __VA_ARGS__

const std::vector<OpSpec>& kernel_ops() {
  static const std::vector<OpSpec> ops = {
#define FDLAB_OP_SPEC(op, args, result) {OpKind::op, #op, {FDLAB_UNPAREN args}, result},
      FDLAB_KERNEL_OPS(FDLAB_OP_SPEC)
#undef FDLAB_OP_SPEC
  };
  return ops;
}

const std::vector<OpAlias>& op_aliases() {
  // accept4 is accept with flags; traces name it accept either way.
  static const std::vector<OpAlias> aliases = {{"accept4", OpKind::accept}};
  return aliases;
}

const OpSpec& op_spec(OpKind op) { return kernel_ops()[static_cast<std::size_t>(op)]; }

const OpSpec* find_op(std::string_view name) {
  for (const auto& spec : kernel_ops())
    if (name == spec.name) return &spec;
  for (const auto& a : op_aliases())
    if (name == a.alias) return &op_spec(a.op);
  return nullptr;
}

const char* op_name(OpKind op) { return op_spec(op).name; }

}  // namespace fdlab
