//! The iteration matrix of the stiff methods, `M = a I − b J`, and its solves, for Jacobians of
//! any declared structure (the `jac_prototype` / W-operator of DifferentialEquations.jl).
//!
//! A system declares the structure of `J = ∂f/∂y` once ([`OdeSystem::jacobian_structure`]);
//! RODAS4 (`a = 1/(hγ)`, `b = 1`) and BDF (`a = 1`, `b = h/α`) then factorise and solve in that
//! structure. A dense `dim × dim` matrix exists only for [`JacobianStructure::Dense`], and is
//! allocated at the first Jacobian evaluation, not when the stepper is built.

use crate::jacobian::{JacobianScratch, evaluate_jacobian};
use crate::{OdeSystem, Stats};
use nalgebra::linalg::LU;
use nalgebra::{DMatrix, DVector, Dyn};

/// The structure of a system's Jacobian `∂f/∂y`, which the stiff steppers exploit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum JacobianStructure {
    /// Any `dim × dim` matrix: [`OdeSystem::jacobian`] or forward differences (`dim` extra
    /// right-hand-side evaluations), dense LU (`O(dim³)`).
    #[default]
    Dense,
    /// `J = diag(d)`: [`OdeSystem::jacobian_diagonal`]; factorisation and solve `O(dim)`.
    Diagonal,
    /// `J` is block-diagonal after a permutation: block `k` couples the state components
    /// `index[k·size .. (k+1)·size]` among themselves only (each component in exactly one
    /// block). [`OdeSystem::jacobian_blocks`]; factorisation `O(blocks · size³)`.
    BlockDiagonal {
        /// Size of every block.
        size: usize,
        /// State index of position `p` of block `k` at `index[k·size + p]` (length `dim`).
        index: Vec<usize>,
    },
}

impl JacobianStructure {
    /// Checks that the structure covers a system of dimension `dim`: a block-diagonal index is a
    /// permutation of `0..dim` cut into blocks of `size`. Returns the reason when not.
    pub fn check(&self, dim: usize) -> Result<(), String> {
        if let JacobianStructure::BlockDiagonal { size, index } = self {
            if *size == 0 || index.len() != dim || !dim.is_multiple_of(*size) {
                return Err(format!(
                    "block-diagonal index of length {} with blocks of {size} does not cover dimension {dim}",
                    index.len()
                ));
            }
            let mut seen = vec![false; dim];
            for &i in index {
                if i >= dim || std::mem::replace(&mut seen[i], true) {
                    return Err(format!("block-diagonal index {i} out of range or repeated"));
                }
            }
        }
        Ok(())
    }
}

/// Storage of one Jacobian in its structure, and the factorised `a I − b J`.
enum Storage {
    Dense {
        jac: Option<DMatrix<f64>>,
        lu: Option<LU<f64, Dyn, Dyn>>,
        rhs: DVector<f64>,
        scratch: JacobianScratch,
    },
    Diagonal {
        jac: Vec<f64>,
        /// `1 / (a − b d_i)`.
        inverse: Vec<f64>,
    },
    Blocks {
        size: usize,
        index: Vec<usize>,
        /// Block `k` column-major at `k·size²`.
        jac: Vec<f64>,
        /// LU factors of `a I − b J_k` in place, with row pivots.
        lu: Vec<f64>,
        pivots: Vec<usize>,
        x: Vec<f64>,
    },
}

/// The iteration matrix `M = a I − b J` of a stiff stepper: evaluate `J`, factorise `M`, solve
/// `M x = r` in place, in the structure the system declares. Factorisation and solves of the
/// diagonal and block-diagonal structures do not allocate.
pub struct IterationMatrix {
    storage: Storage,
    factored: Option<(f64, f64)>,
}

/// `M` is singular (a zero pivot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Singular;

impl IterationMatrix {
    /// Buffers for a system of dimension `dim` with the given Jacobian structure.
    pub fn new(dim: usize, structure: JacobianStructure) -> Self {
        let storage = match structure {
            JacobianStructure::Dense => Storage::Dense {
                jac: None,
                lu: None,
                rhs: DVector::zeros(0),
                scratch: JacobianScratch::new(dim),
            },
            JacobianStructure::Diagonal => Storage::Diagonal {
                jac: vec![0.0; dim],
                inverse: vec![0.0; dim],
            },
            JacobianStructure::BlockDiagonal { size, index } => {
                let blocks = index.len() / size.max(1);
                Storage::Blocks {
                    size,
                    jac: vec![0.0; blocks * size * size],
                    lu: vec![0.0; blocks * size * size],
                    pivots: vec![0; blocks * size],
                    x: vec![0.0; size],
                    index,
                }
            }
        };
        IterationMatrix {
            storage,
            factored: None,
        }
    }

    /// Evaluates `J` at `(t, y)` (`f0 = f(t, y)`, read only by finite differences) and drops the
    /// factorisation. Counts one Jacobian evaluation; a dense one also in
    /// [`Stats::dense_jacobians`].
    pub fn evaluate<S: OdeSystem + ?Sized>(
        &mut self,
        system: &mut S,
        (t, y, f0): (f64, &[f64], &[f64]),
        stats: &mut Stats,
    ) {
        self.factored = None;
        match &mut self.storage {
            Storage::Dense {
                jac, rhs, scratch, ..
            } => {
                let n = y.len();
                let jac = jac.get_or_insert_with(|| DMatrix::zeros(n, n));
                if rhs.len() != n {
                    *rhs = DVector::zeros(n);
                }
                stats.dense_jacobians += 1;
                evaluate_jacobian(system, (t, y, f0), jac, scratch, stats);
            }
            Storage::Diagonal { jac, .. } => {
                stats.jacobian_evaluations += 1;
                system.jacobian_diagonal(t, y, jac);
            }
            Storage::Blocks { jac, .. } => {
                stats.jacobian_evaluations += 1;
                system.jacobian_blocks(t, y, jac);
            }
        }
    }

    /// Whether `a I − b J` is factorised for exactly these `a`, `b`.
    pub fn is_factored(&self, a: f64, b: f64) -> bool {
        self.factored == Some((a, b))
    }

    /// Factorises `M = a I − b J` (counted in [`Stats::lu_factorisations`]).
    pub fn factorize(&mut self, a: f64, b: f64, stats: &mut Stats) -> Result<(), Singular> {
        self.factored = None;
        stats.lu_factorisations += 1;
        match &mut self.storage {
            Storage::Dense { jac, lu, .. } => {
                let jac = jac.as_ref().expect("Jacobian evaluated before factorising");
                let mut m = if b == 1.0 { -jac } else { -jac * b };
                for i in 0..m.nrows() {
                    m[(i, i)] += a;
                }
                let f = m.lu();
                if !f.is_invertible() {
                    *lu = None;
                    return Err(Singular);
                }
                *lu = Some(f);
            }
            Storage::Diagonal { jac, inverse } => {
                for (inv, d) in inverse.iter_mut().zip(jac.iter()) {
                    let m = a - b * d;
                    if m == 0.0 {
                        return Err(Singular);
                    }
                    *inv = 1.0 / m;
                }
            }
            Storage::Blocks {
                size,
                jac,
                lu,
                pivots,
                ..
            } => {
                let s = *size;
                for (k, (block, factors)) in jac
                    .chunks_exact(s * s)
                    .zip(lu.chunks_exact_mut(s * s))
                    .enumerate()
                {
                    for (m, j) in factors.iter_mut().zip(block) {
                        *m = -b * j;
                    }
                    for i in 0..s {
                        factors[i * s + i] += a;
                    }
                    lu_in_place(factors, s, &mut pivots[k * s..(k + 1) * s])?;
                }
            }
        }
        self.factored = Some((a, b));
        Ok(())
    }

    /// Solves `M x = r` in place (`r` of length `dim`), counted in [`Stats::linear_solves`].
    pub fn solve(&mut self, r: &mut [f64], stats: &mut Stats) {
        stats.linear_solves += 1;
        match &mut self.storage {
            Storage::Dense { lu, rhs, .. } => {
                let lu = lu.as_ref().expect("factorised before solving");
                rhs.as_mut_slice().copy_from_slice(r);
                lu.solve_mut(rhs);
                r.copy_from_slice(rhs.as_slice());
            }
            Storage::Diagonal { inverse, .. } => {
                for (x, inv) in r.iter_mut().zip(inverse.iter()) {
                    *x *= inv;
                }
            }
            Storage::Blocks {
                size,
                index,
                lu,
                pivots,
                x,
                ..
            } => {
                let s = *size;
                for (k, idx) in index.chunks_exact(s).enumerate() {
                    for (xi, &i) in x.iter_mut().zip(idx) {
                        *xi = r[i];
                    }
                    lu_solve(
                        &lu[k * s * s..(k + 1) * s * s],
                        s,
                        &pivots[k * s..(k + 1) * s],
                        x,
                    );
                    for (xi, &i) in x.iter().zip(idx) {
                        r[i] = *xi;
                    }
                }
            }
        }
    }
}

/// LU factorisation with partial pivoting of the column-major `n × n` matrix `a`, in place
/// (`L` unit lower, `U` upper); `pivots[k]` is the row swapped with row `k` at step `k`.
fn lu_in_place(a: &mut [f64], n: usize, pivots: &mut [usize]) -> Result<(), Singular> {
    for k in 0..n {
        let col = &a[k * n..(k + 1) * n];
        let (mut p, mut best) = (k, col[k].abs());
        for (i, v) in col.iter().enumerate().skip(k + 1) {
            if v.abs() > best {
                (p, best) = (i, v.abs());
            }
        }
        if best == 0.0 || !best.is_finite() {
            return Err(Singular);
        }
        pivots[k] = p;
        if p != k {
            for j in 0..n {
                a.swap(j * n + k, j * n + p);
            }
        }
        let inv = 1.0 / a[k * n + k];
        for i in k + 1..n {
            a[k * n + i] *= inv;
        }
        for j in k + 1..n {
            let ukj = a[j * n + k];
            if ukj != 0.0 {
                for i in k + 1..n {
                    a[j * n + i] -= a[k * n + i] * ukj;
                }
            }
        }
    }
    Ok(())
}

/// Solves `A x = b` in place from [`lu_in_place`]'s factors.
fn lu_solve(lu: &[f64], n: usize, pivots: &[usize], x: &mut [f64]) {
    for k in 0..n {
        x.swap(k, pivots[k]);
    }
    for j in 0..n {
        let xj = x[j];
        if xj != 0.0 {
            for i in j + 1..n {
                x[i] -= lu[j * n + i] * xj;
            }
        }
    }
    for j in (0..n).rev() {
        x[j] /= lu[j * n + j];
        let xj = x[j];
        for i in 0..j {
            x[i] -= lu[j * n + i] * xj;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lu_solves_a_pivoting_system() {
        // [[0, 2, 1], [1, 1, 0], [3, 0, 1]] x = b with x = (1, −2, 3): needs a row swap.
        let rows = [[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0]];
        let x_true = [1.0, -2.0, 3.0];
        let mut a = vec![0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                a[j * 3 + i] = rows[i][j];
            }
        }
        let mut b: Vec<f64> = (0..3)
            .map(|i| (0..3).map(|j| rows[i][j] * x_true[j]).sum())
            .collect();
        let mut piv = [0; 3];
        lu_in_place(&mut a, 3, &mut piv).unwrap();
        lu_solve(&a, 3, &piv, &mut b);
        for (x, t) in b.iter().zip(x_true) {
            // Exact small integers: only rounding in the eliminations (a few ulps).
            assert!((x - t).abs() < 1e-14, "{b:?}");
        }
        let mut singular = vec![1.0, 2.0, 2.0, 4.0];
        assert_eq!(lu_in_place(&mut singular, 2, &mut [0; 2]), Err(Singular));
    }

    /// Two dense, non-triangular 3 × 3 blocks on the permuted state components (4, 0, 2) and
    /// (1, 5, 3), as [`OdeSystem::jacobian_blocks`] writes them.
    struct TwoBlocks;

    /// Row-major blocks `J_k[p][q]`.
    const BLOCKS: [[[f64; 3]; 3]; 2] = [
        [[0.5, 4.0, -2.0], [3.0, -1.0, 5.0], [-6.0, 2.0, 1.5]],
        [[-0.25, -3.0, 7.0], [2.0, 0.75, -4.0], [5.0, 6.0, -1.0]],
    ];
    const BLOCK_INDEX: [usize; 6] = [4, 0, 2, 1, 5, 3];

    impl OdeSystem for TwoBlocks {
        fn dim(&self) -> usize {
            6
        }
        fn rhs(&mut self, _t: f64, _y: &[f64], _dy: &mut [f64]) {}
        fn jacobian_blocks(&mut self, _t: f64, _y: &[f64], blocks: &mut [f64]) {
            for (k, block) in blocks.chunks_exact_mut(9).enumerate() {
                for p in 0..3 {
                    for q in 0..3 {
                        block[q * 3 + p] = BLOCKS[k][p][q];
                    }
                }
            }
        }
    }

    #[test]
    fn block_diagonal_solves_match_a_dense_lu_of_the_whole_matrix() {
        // M = a I − b J with a = 0.1, b = 1: the blocks' off-diagonal entries dominate, so the
        // factorisation pivots and fills L below the diagonal (forward substitution does work).
        let (a, b) = (0.1, 1.0);
        let structure = JacobianStructure::BlockDiagonal {
            size: 3,
            index: BLOCK_INDEX.to_vec(),
        };
        let mut stats = Stats::default();
        let mut m = IterationMatrix::new(6, structure);
        m.evaluate(&mut TwoBlocks, (0.0, &[0.0; 6], &[0.0; 6]), &mut stats);
        m.factorize(a, b, &mut stats).unwrap();
        if let Storage::Blocks { pivots, lu, .. } = &m.storage {
            assert!(
                pivots.iter().enumerate().any(|(i, &p)| p != i % 3),
                "no row swap"
            );
            let below = |k: usize| (0..3).flat_map(move |q| (q + 1..3).map(move |p| (p, q, k)));
            assert!(
                (0..2)
                    .flat_map(below)
                    .all(|(p, q, k)| lu[k * 9 + q * 3 + p] != 0.0),
                "L is not full"
            );
        }
        // The independent solve: nalgebra's LU of the whole 6 × 6 M, built from the blocks.
        let mut dense = DMatrix::<f64>::identity(6, 6) * a;
        for (k, block) in BLOCKS.iter().enumerate() {
            for p in 0..3 {
                for q in 0..3 {
                    let (i, j) = (BLOCK_INDEX[k * 3 + p], BLOCK_INDEX[k * 3 + q]);
                    dense[(i, j)] -= b * block[p][q];
                }
            }
        }
        let r = [1.0, -2.0, 0.5, 3.0, -1.5, 2.5];
        let want = dense
            .clone()
            .lu()
            .solve(&DVector::from_row_slice(&r))
            .unwrap();
        let mut got = r;
        m.solve(&mut got, &mut stats);
        // M's entries are O(1)–O(10) and well conditioned (the residual below checks it): both
        // solves agree to rounding, ~1e-15 relative; a wrong sign in either substitution moves
        // the answer by O(1).
        let scale = want.amax();
        for (g, w) in got.iter().zip(want.iter()) {
            assert!((g - w).abs() < 1e-12 * scale, "{got:?} vs {want}");
        }
        let residual =
            (&dense * DVector::from_row_slice(&got) - DVector::from_row_slice(&r)).amax();
        assert!(residual < 1e-12, "residual {residual:e}");
    }

    #[test]
    fn a_structure_must_cover_the_state() {
        let ok = JacobianStructure::BlockDiagonal {
            size: 2,
            index: vec![0, 2, 1, 3],
        };
        assert!(ok.check(4).is_ok());
        let repeated = JacobianStructure::BlockDiagonal {
            size: 2,
            index: vec![0, 0, 1, 3],
        };
        assert!(repeated.check(4).is_err());
        assert!(ok.check(6).is_err());
    }
}
