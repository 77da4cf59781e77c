//! Explicit Runge–Kutta tableaux.

/// An explicit Runge–Kutta method `k_i = f(t + c_i h, y + h Σ_{j<i} a_ij k_j)`,
/// `y_1 = y_0 + h Σ b_i k_i`.
#[derive(Debug)]
pub struct ExplicitTableau {
    /// Short name, as in the literature.
    pub name: &'static str,
    /// Order of the propagated solution.
    pub order: u32,
    /// Nodes `c_i` (one per stage).
    pub c: &'static [f64],
    /// Row `i − 1` holds `a_ij` for `j < i` (stage 0 has no row).
    pub a: &'static [&'static [f64]],
    /// Weights `b_i`.
    pub b: &'static [f64],
    /// Embedded error estimate, for adaptive step sizes.
    pub error: Option<EmbeddedError>,
    /// First stage of the next step equals the last stage of this one (`f(t_1, y_1)`).
    pub fsal: bool,
    /// How to evaluate the solution inside a step.
    pub dense: DenseOutput,
}

/// Error weights `e_i = b_i − b̂_i` of an embedded method of order `order`:
/// the local error estimate is `h Σ e_i k_i`.
#[derive(Debug)]
pub struct EmbeddedError {
    /// `b − b̂`.
    pub e: &'static [f64],
    /// Order of the embedded (lower-order) solution.
    pub order: u32,
}

/// Dense output inside a step.
#[derive(Debug)]
pub enum DenseOutput {
    /// Cubic Hermite interpolation from `y` and `f` at both ends (third order).
    Hermite,
    /// Dormand–Prince continuous extension (Hairer's `CONTD5`), fourth order, with weights `d`
    /// over the seven stages.
    Dopri5 { d: &'static [f64] },
}

/// Explicit (forward) Euler, order 1.
pub const EULER: ExplicitTableau = ExplicitTableau {
    name: "euler",
    order: 1,
    c: &[0.0],
    a: &[],
    b: &[1.0],
    error: None,
    fsal: false,
    dense: DenseOutput::Hermite,
};

/// The classic fourth-order Runge–Kutta method.
pub const RK4: ExplicitTableau = ExplicitTableau {
    name: "rk4",
    order: 4,
    c: &[0.0, 0.5, 0.5, 1.0],
    a: &[&[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]],
    b: &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    error: None,
    fsal: false,
    dense: DenseOutput::Hermite,
};

/// Bogacki–Shampine 3(2), FSAL (the method of MATLAB's `ode23`).
pub const BS3: ExplicitTableau = ExplicitTableau {
    name: "bs3",
    order: 3,
    c: &[0.0, 0.5, 0.75, 1.0],
    a: &[&[0.5], &[0.0, 0.75], &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0]],
    b: &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0],
    error: Some(EmbeddedError {
        e: &[
            2.0 / 9.0 - 7.0 / 24.0,
            1.0 / 3.0 - 0.25,
            4.0 / 9.0 - 1.0 / 3.0,
            -0.125,
        ],
        order: 2,
    }),
    fsal: true,
    dense: DenseOutput::Hermite,
};

/// Dormand–Prince 5(4), FSAL, with Hairer's fourth-order dense output (Hairer, Nørsett &
/// Wanner I, Table II.5.2 and `DOPRI5`).
pub const DOPRI5: ExplicitTableau = ExplicitTableau {
    name: "dopri5",
    order: 5,
    c: &[0.0, 0.2, 0.3, 0.8, 8.0 / 9.0, 1.0, 1.0],
    a: &[
        &[0.2],
        &[3.0 / 40.0, 9.0 / 40.0],
        &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
        &[
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
        ],
        &[
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
        ],
        &[
            35.0 / 384.0,
            0.0,
            500.0 / 1113.0,
            125.0 / 192.0,
            -2187.0 / 6784.0,
            11.0 / 84.0,
        ],
    ],
    b: &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
        0.0,
    ],
    error: Some(EmbeddedError {
        e: &[
            71.0 / 57600.0,
            0.0,
            -71.0 / 16695.0,
            71.0 / 1920.0,
            -17253.0 / 339200.0,
            22.0 / 525.0,
            -1.0 / 40.0,
        ],
        order: 4,
    }),
    fsal: true,
    dense: DenseOutput::Dopri5 {
        d: &[
            -12715105075.0 / 11282082432.0,
            0.0,
            87487479700.0 / 32700410799.0,
            -10690763975.0 / 1880347072.0,
            701980252875.0 / 199316789632.0,
            -1453857185.0 / 822651844.0,
            69997945.0 / 29380423.0,
        ],
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Row sums of `a` equal `c`, weights sum to one, error weights sum to zero: the simplest
    /// order conditions, checked for every tableau.
    #[test]
    fn tableaux_satisfy_the_basic_order_conditions() {
        for tab in [&EULER, &RK4, &BS3, &DOPRI5] {
            assert_eq!(tab.a.len() + 1, tab.c.len(), "{}", tab.name);
            for (i, row) in tab.a.iter().enumerate() {
                let s: f64 = row.iter().sum();
                assert!((s - tab.c[i + 1]).abs() < 1e-14, "{} row {i}", tab.name);
            }
            assert!(
                (tab.b.iter().sum::<f64>() - 1.0).abs() < 1e-14,
                "{}",
                tab.name
            );
            if let Some(err) = &tab.error {
                assert!(err.e.iter().sum::<f64>().abs() < 1e-14, "{}", tab.name);
            }
            // Second-order condition Σ b_i c_i = 1/2 where the order is at least 2.
            if tab.order >= 2 {
                let s: f64 = tab.b.iter().zip(tab.c).map(|(b, c)| b * c).sum();
                assert!((s - 0.5).abs() < 1e-14, "{}", tab.name);
            }
        }
    }
}
