//! GEMM backends (matrixmultiply, gemm, faer) on the products of the fast Q-AGREL kernels
//! (784-300-100-10, batch 100, column-major, `C += A·B`) and on a large square product:
//! GFLOP/s of the fastest of many repetitions (the machine is shared; the fastest is the least
//! disturbed). `gemm-compare THREADS BACKEND...`; matrixmultiply's threads come from
//! `MATMUL_NUM_THREADS` (it has no per-call setting), the driver sets it.
use std::time::Instant;

#[derive(Clone, Copy)]
struct Shape { name: &'static str, m: usize, n: usize, k: usize, ta: bool, tb: bool }

trait F: Copy + Send + Sync + 'static + std::fmt::Debug { fn v(x: f64) -> Self; fn name() -> &'static str; }
impl F for f32 { fn v(x: f64) -> Self { x as f32 } fn name() -> &'static str { "f32" } }
impl F for f64 { fn v(x: f64) -> Self { x } fn name() -> &'static str { "f64" } }

fn best(v: Vec<f64>) -> f64 { v.into_iter().fold(f64::INFINITY, f64::min) }

// C (m×n, col-major) += A·B where A is m×k (or its transpose stored k×m) and B k×n (or n×k stored).
fn run<T: F>(backend: &str, s: Shape, threads: usize, reps: usize) -> f64 {
    let (m, n, k) = (s.m, s.n, s.k);
    let a: Vec<T> = (0..m * k).map(|i| T::v(((i * 7) % 13) as f64 * 0.01)).collect();
    let b: Vec<T> = (0..k * n).map(|i| T::v(((i * 5) % 11) as f64 * 0.01)).collect();
    let mut c: Vec<T> = vec![T::v(0.0); m * n];
    // strides (row stride, col stride)
    let (ars, acs) = if s.ta { (k as isize, 1) } else { (1, m as isize) };
    let (brs, bcs) = if s.tb { (n as isize, 1) } else { (1, k as isize) };
    let mut times = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        unsafe {
            match backend {
                "matrixmultiply" => {
                    if T::name() == "f32" {
                        matrixmultiply::sgemm(m, k, n, 1.0, a.as_ptr() as *const f32, ars, acs, b.as_ptr() as *const f32, brs, bcs, 1.0, c.as_mut_ptr() as *mut f32, 1, m as isize);
                    } else {
                        matrixmultiply::dgemm(m, k, n, 1.0, a.as_ptr() as *const f64, ars, acs, b.as_ptr() as *const f64, brs, bcs, 1.0, c.as_mut_ptr() as *mut f64, 1, m as isize);
                    }
                }
                "gemm" => {
                    let par = if threads == 1 { gemm::Parallelism::None } else { gemm::Parallelism::Rayon(threads) };
                    gemm::gemm(m, n, k, c.as_mut_ptr(), m as isize, 1, true, a.as_ptr(), acs, ars, b.as_ptr(), bcs, brs, T::v(1.0), T::v(1.0), false, false, false, par);
                }
                "faer" => {
                    let par = if threads == 1 { faer::Par::Seq } else { faer::Par::rayon(threads) };
                    if T::name() == "f32" {
                        let am = faer::MatRef::<f32>::from_raw_parts(a.as_ptr() as *const f32, m, k, ars, acs);
                        let bm = faer::MatRef::<f32>::from_raw_parts(b.as_ptr() as *const f32, k, n, brs, bcs);
                        let cm = faer::MatMut::<f32>::from_raw_parts_mut(c.as_mut_ptr() as *mut f32, m, n, 1, m as isize);
                        faer::linalg::matmul::matmul(cm, faer::Accum::Add, am, bm, 1.0f32, par);
                    } else {
                        let am = faer::MatRef::<f64>::from_raw_parts(a.as_ptr() as *const f64, m, k, ars, acs);
                        let bm = faer::MatRef::<f64>::from_raw_parts(b.as_ptr() as *const f64, k, n, brs, bcs);
                        let cm = faer::MatMut::<f64>::from_raw_parts_mut(c.as_mut_ptr() as *mut f64, m, n, 1, m as isize);
                        faer::linalg::matmul::matmul(cm, faer::Accum::Add, am, bm, 1.0f64, par);
                    }
                }
                _ => unreachable!(),
            }
        }
        times.push(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&c);
    let t = best(times);
    2.0 * (m * n * k) as f64 / t / 1e9
}

fn main() {
    let threads: usize = std::env::args().nth(1).map_or(1, |a| a.parse().unwrap());
    let backends: Vec<String> = std::env::args().skip(2).collect();
    let shapes = [
        Shape { name: "fwd W0·X 300x100 k784", m: 300, n: 100, k: 784, ta: false, tb: false },
        Shape { name: "fwd W1·H1 100x100 k300", m: 100, n: 100, k: 300, ta: false, tb: false },
        Shape { name: "att W1t·A2 300x100 k100", m: 300, n: 100, k: 100, ta: true, tb: false },
        Shape { name: "dW1 P2·H1t 100x300 k100", m: 100, n: 300, k: 100, ta: false, tb: true },
        Shape { name: "dW0 P1·Xt 300x784 k100", m: 300, n: 784, k: 100, ta: false, tb: true },
        Shape { name: "square 2048^3", m: 2048, n: 2048, k: 2048, ta: false, tb: false },
    ];
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| for be in &backends {
        for s in shapes {
            let reps = if s.m > 1000 { 7 } else { 201 };
            let g32 = run::<f32>(be, s, threads, reps);
            let g64 = run::<f64>(be, s, threads, reps);
            println!("{be:15} threads {threads}  {:26} f32 {g32:6.1} GFLOP/s  f64 {g64:6.1} GFLOP/s", s.name);
        }
    });
}
