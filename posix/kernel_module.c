/* fdlab_kernel.js: the C API (capi/include/fdlab/sim.h) as a module of its own, the one
 * simulated kernel that every process of a run shares (posix/host.js). It has no code of its
 * own: the exported functions are the library's. */
#include <fdlab/sim.h>

/* Keeps the C API's object file in the link even though nothing here calls it. */
size_t (*const fdlab_kernel_anchor)(void) = fdlab_sim_cmsghdr_size;
