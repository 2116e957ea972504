//! Optimizers that hold their parameters (learned_optimization's `optimizers/base.py`).

use burn::tensor::Tensor;
use optax_core::{
    apply_updates, Extra, GradientTransformation, IntoTransformation, Result, State, Tree,
};

/// An optimizer's state with the parameters in it (learned_optimization's `OptaxState`:
/// `params`, the optimizer's own `state`, `iteration`).
#[derive(Clone, Debug)]
pub struct OptState {
    /// The parameters being optimized.
    pub params: Tree,
    /// The optimizer's own state (an optax-core [`State`] for [`OptaxOptimizer`]).
    pub state: State,
    /// Steps taken.
    pub iteration: i64,
}

/// learned_optimization's `Optimizer`: the state holds the parameters, `update` returns the
/// next state, and the parameters are read back with [`Optimizer::get_params`].
pub trait Optimizer {
    /// The optimizer's name.
    fn name(&self) -> String;

    /// The state before the first step (`num_steps`: the length of the training run, for
    /// optimizers that use it).
    fn init(&self, params: Tree, num_steps: Option<usize>) -> Result<OptState>;

    /// One step on `grad` (`loss`: the loss at the current parameters, for optimizers that
    /// use it).
    fn update(
        &self,
        opt_state: &OptState,
        grad: Tree,
        loss: Option<&Tensor<1>>,
    ) -> Result<OptState>;

    /// The parameters held in `opt_state`.
    fn get_params<'a>(&self, opt_state: &'a OptState) -> &'a Tree {
        &opt_state.params
    }
}

/// Any optax-core transformation as an [`Optimizer`] (learned_optimization's
/// `OptaxOptimizer`): `update` runs the transformation, then `apply_updates`.
///
/// Its hyperparameters may be one-element tensors tracked by autodiff (a learned optimizer's
/// `theta`): the step is then differentiable with respect to them.
#[derive(Clone)]
pub struct OptaxOptimizer {
    opt: GradientTransformation,
}

impl OptaxOptimizer {
    /// Wraps `opt`.
    pub fn new(opt: impl IntoTransformation) -> Self {
        Self {
            opt: opt.into_transformation(),
        }
    }

    /// learned_optimization's `SGD(learning_rate=0.01)`: `p ← p − lr·g`.
    pub fn sgd(learning_rate: f64) -> Self {
        Self::new(optax_core::sgd(learning_rate))
    }

    /// learned_optimization's `SGDM(learning_rate=0.01, momentum=0.9)`: `optax.sgd(lr,
    /// momentum)`, `b ← g + μ·b`, `p ← p − lr·b`.
    pub fn sgdm(learning_rate: f64, momentum: f64) -> Self {
        Self::new(optax_core::sgd(learning_rate).momentum(momentum))
    }

    /// learned_optimization's `Adam(learning_rate=0.01, beta1=0.9, beta2=0.999,
    /// epsilon=1e-8)`: optax's `adam` with `eps_root = 1e-8` (learned_optimization's default,
    /// not optax's 0).
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use optax_core::Tree;
    /// use optax_learned::{OptaxOptimizer, Optimizer};
    ///
    /// let device = Device::flex();
    /// let opt = OptaxOptimizer::adam(0.01, 0.9, 0.999, 1e-8);
    /// let params = Tree::builder().scalar("w", 1.0, &device).build()?;
    /// let state = opt.init(params.clone(), None)?;
    /// let state = opt.update(&state, params.map(|p| p.mul_scalar(2.0)), None)?;
    /// // The first Adam step has size lr (up to eps and eps_root).
    /// let w = opt.get_params(&state).to_vecs()?[0][0];
    /// assert!((w - 0.99).abs() < 1e-6, "{w}");
    /// # Ok::<(), optax_core::OptaxError>(())
    /// ```
    pub fn adam(learning_rate: f64, beta1: f64, beta2: f64, epsilon: f64) -> Self {
        Self::new(
            optax_core::adam(learning_rate)
                .b1(beta1)
                .b2(beta2)
                .eps(epsilon)
                .eps_root(1e-8),
        )
    }
}

impl Optimizer for OptaxOptimizer {
    fn name(&self) -> String {
        "OptaxOptimizer".into()
    }

    fn init(&self, params: Tree, _num_steps: Option<usize>) -> Result<OptState> {
        let state = self.opt.init(&params)?;
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
        loss: Option<&Tensor<1>>,
    ) -> Result<OptState> {
        let extra = match loss {
            Some(l) => Extra::value(l.clone()),
            None => Extra::default(),
        };
        let (updates, state) =
            self.opt
                .update(grad, &opt_state.state, Some(&opt_state.params), &extra)?;
        Ok(OptState {
            params: apply_updates(&opt_state.params, &updates)?,
            state,
            iteration: opt_state.iteration + 1,
        })
    }
}
