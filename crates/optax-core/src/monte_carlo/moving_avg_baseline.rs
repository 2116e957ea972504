//! `optax.monte_carlo.moving_avg_baseline` (Optax 0.2.6): a baseline, the moving average of
//! `f` over the samples seen, as a control variate.
//!
//! ```text
//! h(x) = b,   E h = b                       (no dependence on x or θ)
//! δ    = min(decay, (1 + i)/(10 + i))       with the early-training heuristic, else decay
//! b'   = δ·b + (1 - δ)·mean_i f(x_i),   b' /= 1 - δ^(i+1) with zero_debias;   i' = i + 1
//! ```

use burn::tensor::Tensor;

use super::{checks, ControlVariate};
use crate::{OptaxError, Result};

const NAME: &str = "moving_avg_baseline";

/// The state of [`moving_avg_baseline`]: Optax's tuple `(value, i)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MovingAvgBaselineState {
    /// The baseline `b`.
    pub value: f32,
    /// The number of updates so far.
    pub i: u32,
}

/// The control variate [`moving_avg_baseline`] returns.
#[derive(Clone, Debug)]
pub struct MovingAvgBaseline<F> {
    function: F,
    decay: f64,
    zero_debias: bool,
    use_decay_early_training_heuristic: bool,
}

/// `optax.monte_carlo.moving_avg_baseline(function, decay=0.99, zero_debias=True,
/// use_decay_early_training_heuristic=True)`: the baseline control variate, a moving average of
/// `function`'s value over the samples seen.
///
/// ```text
/// h(x) = b,   E h = b
/// δ    = min(decay, (1 + i)/(10 + i)) if use_decay_early_training_heuristic else decay
/// b'   = δ·b + (1 - δ)·mean_i f(x_i);   b' /= 1 - δ^(i+1) if zero_debias;   i' = i + 1
/// ```
///
/// It reduces the score-function estimator's variance (by centring `f`); it does not change
/// the pathwise or measure-valued estimates (`h` does not depend on `x`). The debiasing divides
/// the stored value itself, as Optax 0.2.6 does. Optax's defaults: `decay = 0.99`,
/// `zero_debias = true`, `use_decay_early_training_heuristic = true`. `function` maps
/// `[n, D]` to `[n]`.
///
/// # Errors
/// The control variate's methods return [`OptaxError::InvalidInput`] if the parameters are not
/// two `[D]` tensors, the samples are not `[n, D]`, or `function` does not return `[n]`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::{moving_avg_baseline, ControlVariate, MovingAvgBaselineState};
/// let device = Device::flex();
/// let baseline = moving_avg_baseline(|x: Tensor<2>| x.sum_dim(1).squeeze_dim::<1>(1), 0.99, false, true);
/// let params = [Tensor::<1>::zeros([2], &device), Tensor::<1>::zeros([2], &device)];
/// let samples = Tensor::<2>::from_floats([[1.0, 1.0], [2.0, 2.0]], &device);
/// let state = baseline.update_state(&params, samples, MovingAvgBaselineState { value: 0.0, i: 0 })?;
/// // δ = min(0.99, 1/10) = 0.1: b' = 0.9·mean(2, 4) = 2.7.
/// assert!((state.value - 2.7).abs() < 1e-6 && state.i == 1);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn moving_avg_baseline<F>(
    function: F,
    decay: f64,
    zero_debias: bool,
    use_decay_early_training_heuristic: bool,
) -> MovingAvgBaseline<F>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
{
    MovingAvgBaseline {
        function,
        decay,
        zero_debias,
        use_decay_early_training_heuristic,
    }
}

impl<F> ControlVariate for MovingAvgBaseline<F>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
{
    type State = MovingAvgBaselineState;

    fn control_variate(
        &self,
        params: &[Tensor<1>],
        samples: Tensor<2>,
        state: &MovingAvgBaselineState,
    ) -> Result<Tensor<1>> {
        let (_, _, d) = checks::gaussian_params(NAME, params)?;
        let n = checks::draws(NAME, "samples", &samples, d)?;
        Ok(Tensor::full([n], state.value, &samples.device().inner()))
    }

    fn expected_value(
        &self,
        params: &[Tensor<1>],
        state: &MovingAvgBaselineState,
    ) -> Result<Tensor<1>> {
        let (mean, _, _) = checks::gaussian_params(NAME, params)?;
        Ok(Tensor::full([1], state.value, &mean.device().inner()))
    }

    fn update_state(
        &self,
        params: &[Tensor<1>],
        samples: Tensor<2>,
        state: MovingAvgBaselineState,
    ) -> Result<MovingAvgBaselineState> {
        let (_, _, d) = checks::gaussian_params(NAME, params)?;
        let n = checks::draws(NAME, "samples", &samples, d)?;
        let values = (self.function)(samples.inner());
        if values.dims() != [n] {
            return Err(OptaxError::input(
                NAME,
                format!(
                    "function returned shape {:?} for {n} samples; it must be [{n}]",
                    values.dims()
                ),
            ));
        }
        let mean: f32 = values.mean().into_scalar();
        let i = state.i;
        let decay = if self.use_decay_early_training_heuristic {
            let early = ((1.0 + f64::from(i)) / (10.0 + f64::from(i))) as f32;
            (self.decay as f32).min(early)
        } else {
            self.decay as f32
        };
        let mut value = decay * state.value;
        value += (1.0 - decay) * mean;
        if self.zero_debias {
            value /= 1.0 - decay.powi(i as i32 + 1);
        }
        Ok(MovingAvgBaselineState { value, i: i + 1 })
    }
}
