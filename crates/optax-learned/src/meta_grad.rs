//! The meta-loss of an unrolled training run and its exact gradient with respect to a
//! learned optimizer's `theta` (learned_optimization's Part 1 `meta_loss` and
//! `jax.value_and_grad(meta_loss)`).

use burn::tensor::Tensor;
use optax_core::{OptaxError, Result, Tree};

use crate::data::batches::Batch;
use crate::learned_optimizer::LearnedOptimizer;
use crate::task::Task;

/// Which losses of the unroll the meta-loss is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaLoss {
    /// The task's loss after the last step (learned_optimization's Part 1).
    LastStep,
    /// The mean of the task's loss at the parameters before each step, `(1/T) Σ_{t<T} L(p_t)`.
    Mean,
}

/// Trains `task` from `params0` for `steps` steps with the optimizer `theta` defines, each
/// step on the task's exact gradient ([`Task::grad`]) on `batch` (the same batch every step,
/// as learned_optimization's Part 1; `None` for a task without data), and returns the
/// meta-loss on that batch, as the task's loss gives it (Part 1's meta-loss is not passed
/// through [`Task::normalizer`]). With `theta` tracked by autodiff the result is a differentiable
/// function of `theta` through every step.
pub fn unrolled_meta_loss(
    task: &dyn Task,
    lopt: &dyn LearnedOptimizer,
    theta: &Tree,
    params0: Tree,
    batch: Option<&Batch>,
    steps: usize,
    kind: MetaLoss,
) -> Result<Tensor<1>> {
    if steps == 0 {
        return Err(OptaxError::invalid(
            "steps",
            "an unroll needs at least one step",
        ));
    }
    let opt = lopt.opt_fn(theta)?;
    let mut state = opt.init(params0, Some(steps))?;
    let mut sum: Option<Tensor<1>> = None;
    for _ in 0..steps {
        let params = opt.get_params(&state).clone();
        let (loss, grad) = task.value_and_grad(&params, batch).ok_or_else(|| {
            OptaxError::invalid(
                "task",
                format!(
                    "{} gives no gradient in tensor ops (Task::grad), which an exact \
                     meta-gradient needs: Burn's autodiff has no gradient of a gradient",
                    task.name()
                ),
            )
        })??;
        if kind == MetaLoss::Mean {
            sum = Some(match sum {
                None => loss.clone(),
                Some(s) => s + loss.clone(),
            });
        }
        state = opt.update(&state, grad, Some(&loss))?;
    }
    let meta = match kind {
        MetaLoss::LastStep => task.loss(opt.get_params(&state), batch)?,
        MetaLoss::Mean => sum.expect("steps > 0").div_scalar(steps as f64),
    };
    Ok(meta)
}

/// The meta-loss of [`unrolled_meta_loss`] and its exact gradient with respect to `theta`
/// (the shape of `theta`, without autodiff), from one backward pass through the unroll.
/// `theta`, `params0` and `batch` may be on a plain device: they enter the graph on its
/// autodiff version (`params0` and `batch` as constants).
///
/// Exact: the task's inner gradients are tensor ops of the parameters ([`Task::grad`]), so the
/// backward pass sees how each step's gradient depends on `theta` through the earlier steps,
/// the second-order terms that JAX's `grad` through an unroll includes. A task without
/// [`Task::grad`] is an error, not a silent first-order approximation.
///
/// ```
/// use burn::tensor::Device;
/// use optax_learned::{meta_value_and_grad, LearnableSgd, LearnedOptimizer, MetaLoss, QuadraticTask, Task};
///
/// let device = Device::flex();
/// let task = QuadraticTask::new(10);
/// let lopt = LearnableSgd::new(0.1);
/// let theta = lopt.init(0, &device)?;
/// let p0 = task.init(0, &device)?;
/// // Loss after 4 SGD steps on Σp²: (1 - 2 lr)^8 |p0|², falling as lr rises towards 0.5.
/// let (loss, grad) = meta_value_and_grad(&task, &lopt, &theta, &p0, None, 4, MetaLoss::LastStep)?;
/// assert!(loss > 0.0 && grad.to_vecs()?[0][0] < 0.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn meta_value_and_grad(
    task: &dyn Task,
    lopt: &dyn LearnedOptimizer,
    theta: &Tree,
    params0: &Tree,
    batch: Option<&Batch>,
    steps: usize,
    kind: MetaLoss,
) -> Result<(f32, Tree)> {
    let theta = theta.require_grad();
    // The parameters join the graph as constants (on the autodiff device, no gradient).
    let params0 = params0.map(|p| p.inner().autodiff());
    let batch = batch.map(Batch::autodiff);
    let loss = unrolled_meta_loss(task, lopt, &theta, params0, batch.as_ref(), steps, kind)?;
    let grads = loss.backward();
    let value = loss.inner().into_scalar::<f32>();
    Ok((value, theta.grad(&grads).inner()))
}
