//! Error tolerances and the weighted error norm used by every adaptive method.

/// A tolerance: one value for all components, or one per component.
#[derive(Debug, Clone, PartialEq)]
pub enum Tolerance {
    /// The same value for every component.
    Scalar(f64),
    /// One value per component; its length must equal the system dimension.
    PerComponent(Vec<f64>),
}

impl Tolerance {
    /// The tolerance of component `i`.
    #[inline]
    pub fn get(&self, i: usize) -> f64 {
        match self {
            Tolerance::Scalar(v) => *v,
            Tolerance::PerComponent(v) => v[i],
        }
    }

    fn check(&self, name: &str, dim: usize) -> Result<(), String> {
        let values: &[f64] = match self {
            Tolerance::Scalar(v) => std::slice::from_ref(v),
            Tolerance::PerComponent(v) => {
                if v.len() != dim {
                    return Err(format!(
                        "{name} has {} components, the system {dim}",
                        v.len()
                    ));
                }
                v
            }
        };
        match values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            Some(i) => Err(format!(
                "{name}[{i}] = {} is not a finite number ≥ 0",
                values[i]
            )),
            None => Ok(()),
        }
    }
}

impl From<f64> for Tolerance {
    fn from(v: f64) -> Self {
        Tolerance::Scalar(v)
    }
}

impl From<Vec<f64>> for Tolerance {
    fn from(v: Vec<f64>) -> Self {
        Tolerance::PerComponent(v)
    }
}

/// Relative and absolute tolerances. A component's error `e_i` is scaled by
/// `sc_i = atol_i + rtol_i · max(|y0_i|, |y1_i|)`; a step is accepted when the root mean square
/// of `e_i / sc_i` is at most 1 (Hairer, Nørsett & Wanner I, II.4).
#[derive(Debug, Clone, PartialEq)]
pub struct Tolerances {
    /// Relative tolerance (dimensionless).
    pub rtol: Tolerance,
    /// Absolute tolerance (in the unit of the state).
    pub atol: Tolerance,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            rtol: Tolerance::Scalar(1e-6),
            atol: Tolerance::Scalar(1e-9),
        }
    }
}

impl Tolerances {
    /// Scalar tolerances.
    pub fn new(rtol: f64, atol: f64) -> Self {
        Tolerances {
            rtol: rtol.into(),
            atol: atol.into(),
        }
    }

    /// Checks lengths and values against a system of dimension `dim`.
    pub fn check(&self, dim: usize) -> Result<(), String> {
        self.rtol.check("rtol", dim)?;
        self.atol.check("atol", dim)?;
        if let (Tolerance::Scalar(r), Tolerance::Scalar(a)) = (&self.rtol, &self.atol)
            && *r == 0.0
            && *a == 0.0
        {
            return Err("rtol and atol are both zero".into());
        }
        Ok(())
    }

    /// Weighted RMS norm of an error estimate `err` for a step from `y0` to `y1`.
    pub fn error_norm(&self, err: &[f64], y0: &[f64], y1: &[f64]) -> f64 {
        let n = err.len();
        if n == 0 {
            return 0.0;
        }
        let mut sum = 0.0;
        for i in 0..n {
            let sc = self.atol.get(i) + self.rtol.get(i) * y0[i].abs().max(y1[i].abs());
            let q = err[i] / sc;
            sum += q * q;
        }
        (sum / n as f64).sqrt()
    }

    /// Weighted RMS norm of a vector `v` relative to the scale of `y` (for initial step sizes).
    pub fn scaled_norm(&self, v: &[f64], y: &[f64]) -> f64 {
        self.error_norm(v, y, y)
    }
}
