//! The methods a user can pick, by name.

use crate::linear::JacobianStructure;
use crate::stepper::{Bdf, ExplicitRk, ExponentialEuler, Rosenbrock, Stepper};
use crate::tableau::{BS3, DOPRI5, EULER, RK4, RODAS4};
use crate::{OdeError, OdeSystem};
use std::fmt;
use std::str::FromStr;

/// Left end of classical RK4's stability region on the real axis: the real root of
/// `1 + z + z²/2 + z³/6 + z⁴/24 = 1` other than 0, negated.
const RK4_REAL_AXIS_LIMIT: f64 = 2.785_293_563_405_282;

/// An integration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Explicit Euler, fixed step, order 1.
    Euler,
    /// Classic Runge–Kutta, fixed step, order 4.
    Rk4,
    /// Exponential Euler, fixed step, order 1, exact on the system's diagonal linear part.
    ExponentialEuler,
    /// Bogacki–Shampine 3(2), adaptive, explicit.
    Bs3,
    /// Dormand–Prince 5(4), adaptive, explicit, with dense output.
    Dopri5,
    /// RODAS4, adaptive, L-stable Rosenbrock method for stiff systems, with dense output.
    Rodas4,
    /// Variable-order NDF/BDF (orders 1–5), adaptive, for stiff systems; Newton iterations
    /// with a Jacobian kept across steps; dense output.
    Bdf,
}

impl Method {
    /// Every method, in the order of the documentation.
    pub const ALL: [Method; 7] = [
        Method::Euler,
        Method::Rk4,
        Method::ExponentialEuler,
        Method::Bs3,
        Method::Dopri5,
        Method::Rodas4,
        Method::Bdf,
    ];

    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Method::Euler => "euler",
            Method::Rk4 => "rk4",
            Method::ExponentialEuler => "exponential-euler",
            Method::Bs3 => "bs3",
            Method::Dopri5 => "dopri5",
            Method::Rodas4 => "rodas4",
            Method::Bdf => "bdf",
        }
    }

    /// Whether the method takes steps of a fixed size `dt` (no error control).
    pub fn is_fixed_step(self) -> bool {
        matches!(self, Method::Euler | Method::Rk4 | Method::ExponentialEuler)
    }

    /// The largest `h·|λ|` for which a fixed-step method is stable on `y' = λ y` with real
    /// `λ < 0`: the left end of its stability region on the negative real axis. Forward Euler,
    /// `|1 + z| ≤ 1`, gives 2 (so `dt ≤ 2 τ` for `τ u̇ = −u`); classical RK4,
    /// `|1 + z + z²/2 + z³/6 + z⁴/24| ≤ 1`, gives 2.785293563405282 (Hairer & Wanner II, IV.2,
    /// Fig. 2.1). `None` where no such limit exists or applies: exponential Euler integrates
    /// the linear part exactly, and adaptive methods choose their own steps.
    pub fn real_axis_stability_limit(self) -> Option<f64> {
        match self {
            Method::Euler => Some(2.0),
            Method::Rk4 => Some(RK4_REAL_AXIS_LIMIT),
            _ => None,
        }
    }

    /// Whether the method is implicit in the stiff sense (stable on stiff systems).
    pub fn is_stiff(self) -> bool {
        matches!(self, Method::Rodas4 | Method::Bdf)
    }

    /// Builds the stepper for a system.
    pub fn stepper<S: OdeSystem + ?Sized>(
        self,
        system: &S,
        rtol: f64,
    ) -> Result<Box<dyn Stepper<S>>, OdeError> {
        let n = system.dim();
        let structure = || -> Result<JacobianStructure, OdeError> {
            let structure = system.jacobian_structure();
            structure.check(n).map_err(OdeError::invalid)?;
            Ok(structure)
        };
        Ok(match self {
            Method::Euler => Box::new(ExplicitRk::new(&EULER, n)),
            Method::Rk4 => Box::new(ExplicitRk::new(&RK4, n)),
            Method::Bs3 => Box::new(ExplicitRk::new(&BS3, n)),
            Method::Dopri5 => Box::new(ExplicitRk::new(&DOPRI5, n)),
            Method::ExponentialEuler => Box::new(ExponentialEuler::new(system)?),
            Method::Rodas4 => Box::new(Rosenbrock::with_structure(&RODAS4, n, structure()?)),
            Method::Bdf => Box::new(Bdf::with_structure(n, rtol, structure()?)),
        })
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Method::ALL.iter().map(|m| m.name()).collect();
                format!("unknown method {s:?}; expected one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_listed() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>().unwrap(), m);
        }
        let err = "rk45".parse::<Method>().unwrap_err();
        assert!(err.contains("rk45") && err.contains("dopri5"), "{err}");
    }

    /// The limit is where the amplification factor of `y' = −y/τ` reaches magnitude 1: just
    /// inside it a fixed-step run of the decay shrinks, just outside it grows.
    #[test]
    fn real_axis_limits_bound_the_stable_decay() {
        for m in [Method::Euler, Method::Rk4] {
            let limit = m.real_axis_stability_limit().unwrap();
            let amplification = |z: f64| match m {
                Method::Euler => 1.0 + z,
                _ => 1.0 + z + z * z / 2.0 + z.powi(3) / 6.0 + z.powi(4) / 24.0,
            };
            assert!((amplification(-limit).abs() - 1.0).abs() < 1e-12, "{m}");
            assert!(amplification(-limit * (1.0 - 1e-6)).abs() < 1.0, "{m}");
            assert!(amplification(-limit * (1.0 + 1e-6)).abs() > 1.0, "{m}");
        }
        assert_eq!(Method::ExponentialEuler.real_axis_stability_limit(), None);
        assert_eq!(Method::Dopri5.real_axis_stability_limit(), None);
    }
}
