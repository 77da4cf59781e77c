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

/// `C = α A B + β C` with `C` column-major `m × n` in `c`.
pub fn gemm(alpha: f64, a: MatRef<'_>, b: MatRef<'_>, beta: f64, c: &mut [f64]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner dimensions");
    assert_eq!(c.len(), m * n, "output size");
    if m == 0 || n == 0 {
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
