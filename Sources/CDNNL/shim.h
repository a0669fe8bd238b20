// The C surface pairsmith uses from oneDNN 2.x (Debian's libdnnl-dev: no pkg-config file, headers in
// /usr/include/oneapi/dnnl, library -ldnnl, OpenMP threading through libgomp), plus the few constants that are
// macros in dnnl_types.h (Swift does not import macros defined through other macros) and two CPU probes.
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <cpuid.h>
#include <unistd.h>
#include <sys/syscall.h>

// libgomp's thread-count controls (oneDNN's CPU runtime here is OpenMP).
extern void omp_set_num_threads(int);
extern int omp_get_max_threads(void);

static const int pairsmith_dnnl_arg_src = DNNL_ARG_SRC;
static const int pairsmith_dnnl_arg_weights = DNNL_ARG_WEIGHTS;
static const int pairsmith_dnnl_arg_dst = DNNL_ARG_DST;
static const int pairsmith_dnnl_arg_from = DNNL_ARG_FROM;
static const int pairsmith_dnnl_arg_to = DNNL_ARG_TO;

// CPUID.(EAX=7,ECX=0):EDX bit 22 = AMX-BF16, bit 24 = AMX-TILE.
static inline int pairsmith_cpu_has_amx_bf16(void) {
    unsigned int a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return ((d >> 22) & 1) && ((d >> 24) & 1);
}

// Asks Linux for the AMX tile-data state (arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA = 18); 0 on success.
static inline int pairsmith_request_amx_permission(void) {
    return (int)syscall(SYS_arch_prctl, 0x1023, 18);
}
