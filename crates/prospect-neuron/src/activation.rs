//! Activation functions `φ` and their derivatives `φ'`, per layer.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A neuron's rate function `r = φ(ŭ)`, applied to the look-ahead voltage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// `tanh(x)`.
    Tanh,
    /// `1 / (1 + e^{−x})`.
    Logistic,
    /// `max(0, x)`.
    Relu,
    /// `min(1, max(0, x))`, as in the Latent Equilibrium reference code.
    HardSigmoid,
    /// `ln(1 + e^x)`.
    Softplus,
    /// `0.3 ln(1 + e^{x/0.3})`: a ReLU smoothed over 0.3 voltage units, the rate of seed 000's
    /// reward-learning reference code (docs/equations.md §2).
    SoftRelu,
    /// `x` (linear output layers).
    Linear,
}

/// The smoothing width of [`Activation::SoftRelu`] (voltage units).
const SOFT_RELU_WIDTH: f64 = 0.3;

impl Activation {
    /// Every activation, in documentation order.
    pub const ALL: [Activation; 7] = [
        Activation::Tanh,
        Activation::Logistic,
        Activation::Relu,
        Activation::HardSigmoid,
        Activation::Softplus,
        Activation::SoftRelu,
        Activation::Linear,
    ];

    /// `φ(x)`.
    #[inline]
    pub fn value(self, x: f64) -> f64 {
        match self {
            Activation::Tanh => x.tanh(),
            Activation::Logistic => logistic(x),
            Activation::Relu => x.max(0.0),
            Activation::HardSigmoid => x.clamp(0.0, 1.0),
            Activation::Softplus => {
                // ln(1 + e^x) without overflow: max(x, 0) + ln(1 + e^{−|x|}).
                x.max(0.0) + (-x.abs()).exp().ln_1p()
            }
            Activation::SoftRelu => {
                SOFT_RELU_WIDTH * Activation::Softplus.value(x / SOFT_RELU_WIDTH)
            }
            Activation::Linear => x,
        }
    }

    /// `φ'(x)` (at the kinks of ReLU and hard-sigmoid: the right-hand value at 0, zero at 1).
    #[inline]
    pub fn derivative(self, x: f64) -> f64 {
        match self {
            Activation::Tanh => {
                let t = x.tanh();
                1.0 - t * t
            }
            Activation::Logistic => {
                let s = logistic(x);
                s * (1.0 - s)
            }
            Activation::Relu => f64::from(u8::from(x > 0.0)),
            Activation::HardSigmoid => f64::from(u8::from(x > 0.0 && x < 1.0)),
            Activation::Softplus => logistic(x),
            Activation::SoftRelu => logistic(x / SOFT_RELU_WIDTH),
            Activation::Linear => 1.0,
        }
    }

    /// `φ''(x)` (zero for the piecewise-linear ReLU, hard-sigmoid and linear), for the
    /// no-look-ahead Jacobian, whose hidden errors `φ'(u) ⊙ Wᵀ m` depend on `u` through `φ'`.
    #[inline]
    pub fn second_derivative(self, x: f64) -> f64 {
        match self {
            Activation::Tanh => {
                let t = x.tanh();
                -2.0 * t * (1.0 - t * t)
            }
            Activation::Logistic => {
                let s = logistic(x);
                s * (1.0 - s) * (1.0 - 2.0 * s)
            }
            Activation::Softplus => {
                let s = logistic(x);
                s * (1.0 - s)
            }
            Activation::SoftRelu => {
                let s = logistic(x / SOFT_RELU_WIDTH);
                s * (1.0 - s) / SOFT_RELU_WIDTH
            }
            Activation::Relu | Activation::HardSigmoid | Activation::Linear => 0.0,
        }
    }

    /// Whether `φ'` is continuous (no kinks), so fixed-point sweeps may follow it throughout.
    pub fn is_smooth(self) -> bool {
        !matches!(self, Activation::Relu | Activation::HardSigmoid)
    }

    /// The name used in model files.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Logistic => "logistic",
            Activation::Relu => "relu",
            Activation::HardSigmoid => "hard-sigmoid",
            Activation::Softplus => "softplus",
            Activation::SoftRelu => "soft-relu",
            Activation::Linear => "linear",
        }
    }
}

#[inline]
fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Activation::ALL.iter().map(|a| a.name()).collect();
                format!(
                    "unknown activation {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences_away_from_kinks() {
        for act in Activation::ALL {
            for x in [-2.3, -0.4, 0.3, 0.7, 1.9] {
                let h = 1e-6;
                let numeric = (act.value(x + h) - act.value(x - h)) / (2.0 * h);
                assert!((act.derivative(x) - numeric).abs() < 1e-6, "{act} at {x}");
            }
            assert_eq!(act.name().parse::<Activation>().unwrap(), act);
        }
        assert_eq!(Activation::Softplus.value(800.0), 800.0);
        assert!(Activation::Softplus.value(-800.0) >= 0.0);
    }
}
