//! `MLPLOpt` (learned_optimization's `learned_optimizers/mlp_lopt.py`, "LOLv2"; the
//! per-parameter MLP of Metz et al., *Understanding and correcting pathologies in the training
//! of learned optimizers*, ICML 2019, arXiv 1810.10180).
//!
//! Every parameter is stepped by the same small MLP (`theta`), applied to 19 features of that
//! parameter. For a tensor `p` with gradient `g`, at iteration `t`:
//!
//! ```text
//! m_d ← d·m_d + (1 − d)·g                     d ∈ {0.1, 0.5, 0.9, 0.99, 0.999, 0.9999}
//! x = [g, p, m_0.1, …, m_0.9999]              8 features per element
//! x_f ← x_f / √(1e-5 + mean over the tensor's elements of x_f²)      (per tensor, per feature)
//! τ_k = tanh(t / s_k − 1)                     s ∈ {1, 3, 10, …, 3·10⁴, 10⁵}: 11 features,
//!                                             the same for every element, not normalised
//! (d, m) = MLP_θ([x, τ])                      hidden 32, 32 with ReLU, 2 outputs
//! p ← p − d · exp(m · exp_mult) · step_mult   exp_mult = step_mult = 1e-3
//! ```
//!
//! `theta` is haiku's `MLP([32, 32, 2])` on 19 inputs: `mlp/~/linear_{0,1,2}/{w,b}`, 1,762
//! values, `w` from a normal truncated at ±2 standard deviations scaled by `1/√fan_in`, `b = 0`.
//! The step is tensor ops of `theta` throughout, so unrolls of it have exact meta-gradients.

use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use optax_core::{OptaxError, Result, State, Tree};

use crate::haiku_mlp;
use crate::learned_optimizer::LearnedOptimizer;
use crate::optimizer::{OptState, Optimizer};

/// The decays of the six momentum accumulators.
pub const MOMENTUM_DECAYS: [f32; 6] = [0.1, 0.5, 0.9, 0.99, 0.999, 0.9999];

/// The timescales of the eleven `tanh` step features.
pub const TIMESCALES: [f32; 11] = [
    1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0, 30000.0, 100000.0,
];

/// Inputs of the per-parameter MLP: g, p, 6 momenta, 11 time features.
pub const NUM_FEATURES: usize = 19;

/// `MLPLOpt(exp_mult=0.001, step_mult=0.001, hidden_size=32, hidden_layers=2)`.
///
/// ```
/// use burn::tensor::Device;
/// use optax_core::Tree;
/// use optax_learned::{LearnedOptimizer, MlpLOpt, Optimizer};
///
/// let device = Device::flex();
/// let lopt = MlpLOpt::default();
/// let theta = lopt.init(0, &device)?;
/// assert_eq!(theta.numel(), 1762);
/// let opt = lopt.opt_fn(&theta)?;
/// let params = Tree::builder().scalar("w", 1.0, &device).build()?;
/// let state = opt.init(params.clone(), None)?;
/// let state = opt.update(&state, params.map(|p| p.mul_scalar(2.0)), None)?;
/// // A random theta takes steps of about step_mult = 1e-3.
/// let w = opt.get_params(&state).to_vecs()?[0][0];
/// assert!((w - 1.0).abs() < 1e-2 && w != 1.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MlpLOpt {
    /// Scale of the magnitude output inside the exponential.
    pub exp_mult: f64,
    /// Scale of the step.
    pub step_mult: f64,
    /// Width of the hidden layers.
    pub hidden_size: usize,
    /// Number of hidden layers.
    pub hidden_layers: usize,
}

impl Default for MlpLOpt {
    fn default() -> Self {
        Self {
            exp_mult: 0.001,
            step_mult: 0.001,
            hidden_size: 32,
            hidden_layers: 2,
        }
    }
}

impl MlpLOpt {
    fn widths(&self) -> Vec<usize> {
        let mut w = vec![NUM_FEATURES];
        w.extend(std::iter::repeat_n(self.hidden_size, self.hidden_layers));
        w.push(2);
        w
    }
}

impl LearnedOptimizer for MlpLOpt {
    fn name(&self) -> String {
        "MLPLOpt".into()
    }

    fn init(&self, seed: u64, device: &Device) -> Result<Tree> {
        if self.hidden_size == 0 {
            return Err(OptaxError::invalid("hidden_size", "must be at least 1"));
        }
        haiku_mlp::init(&self.widths(), seed, device)
    }

    fn opt_fn(&self, theta: &Tree) -> Result<Box<dyn Optimizer>> {
        Ok(Box::new(MlpLOptOptimizer {
            layers: haiku_mlp::layers(theta, &self.widths(), "MLPLOpt")?,
            exp_mult: self.exp_mult,
            step_mult: self.step_mult,
        }))
    }
}

/// The optimizer an `MLPLOpt` theta defines.
struct MlpLOptOptimizer {
    layers: Vec<(Tensor<2>, Tensor<2>)>,
    exp_mult: f64,
    step_mult: f64,
}

impl MlpLOptOptimizer {
    /// `[d, 1 − d]` for the six decays, as `[1, 6]` rows on `device`.
    fn decays(device: &Device) -> (Tensor<2>, Tensor<2>) {
        let d = Tensor::<2>::from_data(TensorData::new(MOMENTUM_DECAYS.to_vec(), [1, 6]), device);
        let one_minus = Tensor::<2>::from_data(
            TensorData::new(MOMENTUM_DECAYS.map(|d| 1.0 - d).to_vec(), [1, 6]),
            device,
        );
        (d, one_minus)
    }

    fn mlp(&self, mut h: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        for (l, (w, b)) in self.layers.iter().enumerate() {
            h = h.matmul(w.clone()) + b.clone();
            if l < last {
                h = relu(h);
            }
        }
        h
    }
}

/// The MLP's 19 inputs for one tensor of `n` elements, `[n, 19]`: `[g, p, m]` normalised over
/// the tensor (`m`: the six momenta after this step's update, `[n, 6]`), then the time
/// features of `iteration`.
pub fn features(p: &Tensor<1>, g: &Tensor<1>, m: &Tensor<2>, iteration: i64) -> Tensor<2> {
    let n = p.dims()[0];
    let device = p.device();
    let x = Tensor::cat(
        vec![
            g.clone().reshape([n, 1]),
            p.clone().reshape([n, 1]),
            m.clone(),
        ],
        1,
    );
    // x / √(1e-5 + mean(x²)), over the tensor's elements, per feature.
    let norm = (x.clone() * x.clone())
        .mean_dim(0)
        .add_scalar(1e-5)
        .sqrt()
        .recip();
    let time = time_features(iteration);
    let tau = Tensor::<2>::from_data(
        TensorData::new(time.to_vec(), [1, TIMESCALES.len()]),
        &device,
    )
    .expand([n, TIMESCALES.len()]);
    Tensor::cat(vec![x * norm, tau], 1)
}

/// `tanh(t / s − 1)` for the eleven timescales.
pub fn time_features(iteration: i64) -> [f32; 11] {
    TIMESCALES.map(|s| (iteration as f32 / s - 1.0).tanh())
}

impl Optimizer for MlpLOptOptimizer {
    fn name(&self) -> String {
        "MLPLOpt".into()
    }

    fn init(&self, params: Tree, _num_steps: Option<usize>) -> Result<OptState> {
        let mut m = Tree::builder();
        for (path, shape, p) in params.iter() {
            let mut s = shape.to_vec();
            s.push(MOMENTUM_DECAYS.len());
            m = m.flat(
                path,
                s,
                Tensor::zeros([p.dims()[0] * MOMENTUM_DECAYS.len()], &p.device()),
            );
        }
        let state = State::record(
            "MLPLOptState",
            vec![("rolling_features", State::Tree(m.build()?))],
        );
        Ok(OptState {
            params,
            state,
            iteration: 0,
        })
    }

    fn update(
        &self,
        opt_state: &OptState,
        grad: Tree,
        _loss: Option<&Tensor<1>>,
    ) -> Result<OptState> {
        let params = &opt_state.params;
        params.check_same_structure(&grad)?;
        let m_tree = opt_state.state.field("rolling_features")?.as_tree()?;
        if m_tree.len() != params.len() {
            return Err(OptaxError::state(
                "rolling_features",
                format!(
                    "{} accumulators for {} parameters",
                    m_tree.len(),
                    params.len()
                ),
            ));
        }
        let mut new_p = Vec::with_capacity(params.len());
        let mut new_m = Vec::with_capacity(params.len());
        for ((p, g), m) in params
            .leaves()
            .iter()
            .zip(grad.leaves())
            .zip(m_tree.leaves())
        {
            let n = p.dims()[0];
            if n == 0 {
                new_p.push(p.clone());
                new_m.push(m.clone());
                continue;
            }
            let (d, one_minus_d) = Self::decays(&p.device());
            let m = m.clone().reshape([n, MOMENTUM_DECAYS.len()]) * d
                + g.clone().reshape([n, 1]) * one_minus_d;
            let out = self.mlp(features(p, g, &m, opt_state.iteration));
            let direction = out.clone().slice([0..n, 0..1]).reshape([n]);
            let magnitude = out.slice([0..n, 1..2]).reshape([n]);
            let step = direction
                * magnitude
                    .mul_scalar(self.exp_mult)
                    .exp()
                    .mul_scalar(self.step_mult);
            new_p.push(p.clone() - step);
            new_m.push(m.reshape([n * MOMENTUM_DECAYS.len()]));
        }
        Ok(OptState {
            params: Tree::from_flat(params.def().clone(), new_p)?,
            state: State::record(
                "MLPLOptState",
                vec![(
                    "rolling_features",
                    State::Tree(Tree::from_flat(m_tree.def().clone(), new_m)?),
                )],
            ),
            iteration: opt_state.iteration + 1,
        })
    }
}
