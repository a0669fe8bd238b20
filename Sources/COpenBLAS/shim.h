// The C surface pairsmith uses from OpenBLAS: CBLAS plus the OpenBLAS extensions
// (openblas_get_config, openblas_set_num_threads). The include path comes from pkg-config.
#include <cblas.h>
