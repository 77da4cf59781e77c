//! The matrix product every GEMM-bound step of the fast network goes through,
//! `C ← [C +] α·A·B` on column-major slices, so the backend (the `gemm` crate, chosen by
//! measurement: docs/design.md, "Q-AGREL kernels") and its threading sit in one place.

use super::real::Real;

/// A matrix inside a slice, element `(i, j)` at `i·rs + j·cs`: a column-major block
/// (`rs = 1`, `cs = rows`) or, with [`View::t`], its transpose without a copy.
#[derive(Debug, Clone, Copy)]
pub struct View<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a, T> View<'a, T> {
    /// The `rows × cols` column-major matrix at the start of `data`.
    pub fn col_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        View {
            data,
            rows,
            cols,
            rs: 1,
            cs: rows,
        }
    }

    /// The transpose (a stride swap).
    pub fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// Whether every element `(i, j)` lies inside the slice.
    fn fits(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.rs + (self.cols - 1) * self.cs < self.data.len()
    }
}

/// How many threads the products use: 1 runs on the caller's thread; more split each product's
/// output columns over the calling rayon pool (each output element is still summed by one
/// thread in one fixed order, so the result depends neither on scheduling nor on the count).
#[derive(Debug, Clone, Copy)]
pub struct Threads(pub usize);

/// `C ← α·A·B` (or `C ← C + α·A·B` when `accumulate`), `C` column-major `m × n` at the start
/// of `c`. Panics when the shapes disagree or a view leaves its slice (a bug of the caller, who
/// sizes every buffer from the network's layer sizes).
pub fn product<T: Real>(
    threads: Threads,
    c: &mut [T],
    accumulate: bool,
    alpha: T,
    a: View<'_, T>,
    b: View<'_, T>,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && c.len() >= m * n && a.fits() && b.fits(),
        "matrix product of {m}×{k} by {}×{n} into {} elements",
        b.rows,
        c.len()
    );
    if m == 0 || n == 0 {
        return;
    }
    // More than one thread: the columns of C (and B) in `threads` contiguous blocks, each block
    // one single-threaded product, one rayon split per product (the gemm crate's own threading
    // synchronises inside the product, at every block). Each element of C is the same sum in the same order either way (the
    // crate's k-blocking depends on k and the caches only, not on m or n), so the result is
    // bit-identical for any thread count (tested: `same_seed_same_bits_with_threads`).
    // Products below `SPLIT_WORK` (the 10-unit output layer's) stay on one thread.
    if threads.0 > 1 && n >= 2 * threads.0 && m * n * k >= SPLIT_WORK {
        use rayon::prelude::*;
        let width = n.div_ceil(threads.0);
        c[..m * n]
            .par_chunks_mut(m * width)
            .enumerate()
            .for_each(|(i, c)| {
                let j0 = i * width;
                let cols = c.len() / m;
                let b = View {
                    data: &b.data[j0 * b.cs..],
                    cols,
                    ..b
                };
                single(
                    c,
                    m,
                    cols,
                    k,
                    accumulate,
                    alpha,
                    a,
                    b,
                    gemm::Parallelism::None,
                );
            });
        return;
    }
    single(c, m, n, k, accumulate, alpha, a, b, gemm::Parallelism::None);
}

/// Multiply-adds below which a product is not worth splitting over threads (a 64³ product,
/// ~20 µs on one core, against a few µs of a rayon split).
const SPLIT_WORK: usize = 64 * 64 * 64;

/// One product on the gemm crate, `parallelism` as given.
#[allow(clippy::too_many_arguments)] // the product's dimensions, flags and operands
fn single<T: Real>(
    c: &mut [T],
    m: usize,
    n: usize,
    k: usize,
    accumulate: bool,
    alpha: T,
    a: View<'_, T>,
    b: View<'_, T>,
    parallelism: gemm::Parallelism,
) {
    // SAFETY: every element the product reads or writes lies inside its slice (checked above);
    // `c` is borrowed mutably, so it aliases neither `a` nor `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            m as isize,
            1,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            T::ONE,
            alpha,
            false,
            false,
            false,
            parallelism,
        );
    }
}
