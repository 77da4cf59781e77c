//! Rosenbrock (linearly implicit) methods in the transformed form of Hairer & Wanner II, IV.7.
//!
//! Each stage solves `(I/(hγ) − J) k_i = f(t + α_i h, y + Σ_{j<i} a_ij k_j) + Σ_{j<i} (C_ij/h) k_j
//! + h d_i ∂f/∂t` with one LU factorisation per step; then `y_1 = y + Σ m_i k_i` and the error
//! estimate is `Σ e_i k_i`.

/// Coefficients of a Rosenbrock method in transformed form.
#[derive(Debug)]
pub struct RosenbrockTableau {
    /// Short name, as in the literature.
    pub name: &'static str,
    /// Order of the propagated solution.
    pub order: u32,
    /// Order of the embedded solution (the controller's estimator order).
    pub error_order: u32,
    /// Diagonal `γ`.
    pub gamma: f64,
    /// Row `i − 1` holds `a_ij`, `j < i`.
    pub a: &'static [&'static [f64]],
    /// Row `i − 1` holds `C_ij`, `j < i`.
    pub c: &'static [&'static [f64]],
    /// Stage times `α_i` (fractions of h).
    pub alpha: &'static [f64],
    /// Time-derivative weights `d_i = Σ_j γ_ij`.
    pub d: &'static [f64],
    /// Solution weights `m_i`.
    pub m: &'static [f64],
    /// Error weights `e_i = m_i − m̂_i`.
    pub e: &'static [f64],
    /// Dense output `y(θ) = (1−θ) y0 + θ (y1 + (1−θ)(Σ h1_i k_i + θ Σ h2_i k_i))`, if any.
    pub dense: Option<[&'static [f64]; 2]>,
}

/// RODAS4 (Hairer & Wanner 1996; `rodas.f`, METH = 1): order 4(3), six stages, L-stable and
/// stiffly accurate, with a third-order dense output.
pub const RODAS4: RosenbrockTableau = RosenbrockTableau {
    name: "rodas4",
    order: 4,
    error_order: 3,
    gamma: 0.25,
    a: &[
        &[1.544],
        &[0.9466785280815826, 0.2557011698983284],
        &[3.314825187068521, 2.896124015972201, 0.9986419139977817],
        &[
            1.221224509226641,
            6.019134481288629,
            12.53708332932087,
            -0.687886036105895,
        ],
        &[
            1.221224509226641,
            6.019134481288629,
            12.53708332932087,
            -0.687886036105895,
            1.0,
        ],
    ],
    c: &[
        &[-5.6688],
        &[-2.430093356833875, -0.2063599157091915],
        &[-0.1073529058151375, -9.594562251023355, -20.47028614809616],
        &[
            7.496443313967647,
            -10.24680431464352,
            -33.99990352819905,
            11.7089089320616,
        ],
        &[
            8.083246795921522,
            -7.981132988064893,
            -31.52159432874371,
            16.31930543123136,
            -6.058818238834054,
        ],
    ],
    alpha: &[0.0, 0.386, 0.21, 0.63, 1.0, 1.0],
    d: &[0.25, -0.1043, 0.1035, -0.03620000000000023, 0.0, 0.0],
    m: &[
        1.221224509226641,
        6.019134481288629,
        12.53708332932087,
        -0.687886036105895,
        1.0,
        1.0,
    ],
    e: &[0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    dense: Some([
        &[
            10.12623508344586,
            -7.487995877610167,
            -34.80091861555747,
            -7.992771707568823,
            1.025137723295662,
            0.0,
        ],
        &[
            -0.6762803392801253,
            6.087714651680015,
            16.43084320892478,
            24.76722511418386,
            -6.594389125716872,
            0.0,
        ],
    ]),
};
