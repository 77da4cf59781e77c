benches/scripts/gemm_compare.sh   # = MATMUL_NUM_THREADS=T gemm-compare T gemm matrixmultiply faer, T = 1, 2
