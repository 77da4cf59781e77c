//! Column-major matrix products on flat slices, through `matrixmultiply` (the GEMM nalgebra uses),
//! with transposes expressed as strides so no copy is made.

/// A column-major `rows × cols` matrix in a slice, or its transpose (by strides).
#[derive(Clone, Copy)]
pub struct MatRef<'a> {
    data: &'a [f64],
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
}

impl<'a> MatRef<'a> {
    /// A column-major `rows × cols` matrix.
    pub fn new(data: &'a [f64], rows: usize, cols: usize) -> Self {
        assert_eq!(data.len(), rows * cols, "matrix buffer size");
        MatRef {
            data,
            rows,
            cols,
            row_stride: 1,
            col_stride: rows as isize,
        }
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The transpose (a view, no copy).
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

/// Products with at most this many multiply–adds use plain loops: for the small layers of
/// e.g. a 4-120-3 network, packing panels for a blocked kernel costs more than it saves
/// (measured with callgrind: about half the instructions per step).
const SMALL_GEMM: usize = 32 * 32 * 32;

/// `C = α A B + β C` with plain loops (see [`SMALL_GEMM`]) for A with contiguous columns, in
/// axpy form (`C[:, j] += α B[p, j] A[:, p]`), B with any strides. [`gemm`] uses it for tall A
/// only (e.g. the first layer's `W x` and its weight update): for short inner loops (a 3-unit
/// output layer) loop overhead made plain loops twice as expensive as `matrixmultiply`
/// (callgrind), so those go to the blocked kernel.
fn small_gemm(alpha: f64, a: MatRef<'_>, b: MatRef<'_>, beta: f64, c: &mut [f64]) {
    let (m, k) = (a.rows, a.cols);
    debug_assert_eq!(a.row_stride, 1, "columns of A must be contiguous");
    let acs = a.col_stride as usize;
    let (brs, bcs) = (b.row_stride as usize, b.col_stride as usize);
    if beta == 0.0 {
        c.fill(0.0);
    } else if beta != 1.0 {
        c.iter_mut().for_each(|x| *x *= beta);
    }
    for (j, col) in c.chunks_exact_mut(m).enumerate() {
        for p in 0..k {
            let s = alpha * b.data[p * brs + j * bcs];
            if s != 0.0 {
                let a_col = &a.data[p * acs..p * acs + m];
                for i in 0..m {
                    col[i] += s * a_col[i];
                }
            }
        }
    }
}

/// `C = α A B + β C` with `C` column-major `m × n` in `c`.
pub fn gemm(alpha: f64, a: MatRef<'_>, b: MatRef<'_>, beta: f64, c: &mut [f64]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner dimensions");
    assert_eq!(c.len(), m * n, "output size");
    if m == 0 || n == 0 {
        return;
    }
    if m * n * k <= SMALL_GEMM && m >= k && a.row_stride == 1 {
        small_gemm(alpha, a, b, beta, c);
        return;
    }
    // SAFETY: the asserts above bound every index matrixmultiply forms from these dimensions
    // and strides (column-major buffers of exactly rows × cols elements, or their transposes).
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.row_stride,
            a.col_stride,
            b.data.as_ptr(),
            b.row_stride,
            b.col_stride,
            beta,
            c.as_mut_ptr(),
            1,
            m as isize,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case runs through `gemm` and, where A has contiguous columns (the only layout
    /// `small_gemm` takes), through `small_gemm` directly; (4, 3, 2) and (30, 4, 20) are small
    /// and tall (m ≥ k), so `gemm` itself dispatches them to `small_gemm` too.
    #[test]
    fn small_and_blocked_products_agree_for_every_transpose() {
        let mut small_dispatches = 0;
        for (m, k, n) in [(3, 4, 2), (4, 3, 2), (30, 4, 20), (50, 40, 30)] {
            let a = nalgebra::DMatrix::from_fn(m, k, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
            let at = a.transpose();
            let b = nalgebra::DMatrix::from_fn(k, n, |i, j| ((i * 5 + j) % 7) as f64 - 3.0);
            let bt = b.transpose();
            let want = &a * &b * 1.5 + nalgebra::DMatrix::from_element(m, n, 0.25);
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let ar = if ta {
                    MatRef::new(at.as_slice(), k, m).t()
                } else {
                    MatRef::new(a.as_slice(), m, k)
                };
                let br = if tb {
                    MatRef::new(bt.as_slice(), n, k).t()
                } else {
                    MatRef::new(b.as_slice(), k, n)
                };
                let mut c = vec![0.5; m * n];
                gemm(1.5, ar, br, 0.5, &mut c);
                // Entries are integers times 1.5 plus 0.25: exact in f64 for either order of
                // summation, so any difference is a wrong index, not rounding.
                assert_eq!(c, want.as_slice(), "gemm {m}x{k}x{n} {ta} {tb}");
                if m * n * k <= SMALL_GEMM && m >= k && !ta {
                    small_dispatches += 1;
                }
                if !ta {
                    let mut c = vec![0.5; m * n];
                    small_gemm(1.5, ar, br, 0.5, &mut c);
                    assert_eq!(c, want.as_slice(), "small_gemm {m}x{k}x{n} {tb}");
                }
            }
        }
        // (4, 3, 2) and (30, 4, 20), each with B plain and transposed.
        assert_eq!(small_dispatches, 4);
    }

    #[test]
    fn products_and_transposes_match_nalgebra() {
        let a = nalgebra::DMatrix::from_fn(3, 4, |i, j| (i * 4 + j) as f64 * 0.3 - 1.0);
        let b = nalgebra::DMatrix::from_fn(4, 2, |i, j| (i + 2 * j) as f64 * 0.7 - 0.5);
        let mut c = vec![1.0; 6];
        gemm(
            2.0,
            MatRef::new(a.as_slice(), 3, 4),
            MatRef::new(b.as_slice(), 4, 2),
            0.5,
            &mut c,
        );
        let want = &a * &b * 2.0 + nalgebra::DMatrix::from_element(3, 2, 0.5);
        assert!(
            c.iter()
                .zip(want.as_slice())
                .all(|(x, y)| (x - y).abs() < 1e-12)
        );
        // Aᵀ C: (4×3)(3×2).
        let mut d = vec![0.0; 8];
        gemm(
            1.0,
            MatRef::new(a.as_slice(), 3, 4).t(),
            MatRef::new(&c, 3, 2),
            0.0,
            &mut d,
        );
        let want = a.transpose() * nalgebra::DMatrix::from_column_slice(3, 2, &c);
        assert!(
            d.iter()
                .zip(want.as_slice())
                .all(|(x, y)| (x - y).abs() < 1e-9)
        );
    }
}
