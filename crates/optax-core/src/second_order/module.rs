//! The second-order functions on a Burn [`Module`]: the loss takes the model, the parameters
//! are its float parameters as a [`Tree`] ([`Tree::from_module`]'s structure and order).

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::Tensor;

use super::fisher_diag::fisher_diag_named;
use super::hessian_diag::hessian_diag_named;
use super::hvp::hvp_named;
use crate::error::Result;
use crate::tree::Tree;

/// `module` with its float parameters replaced by the leaves of `params` (a tree of
/// [`Tree::from_module`]'s structure), without detaching them: the loss of the returned
/// module is differentiable with respect to the leaves of `params`.
fn with_params<M: Module>(module: &M, params: &Tree) -> M {
    let mut mapper = Load {
        leaves: params.leaves(),
        next: 0,
    };
    module.clone().map(&mut mapper)
}

struct Load<'a> {
    leaves: &'a [Tensor<1>],
    next: usize,
}

impl ModuleMapper for Load<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let leaf = self.leaves[self.next].clone();
        self.next += 1;
        let value = leaf.reshape(tensor.dims()).cast(tensor.dtype());
        Param::from_mapped_value(id, value, mapper)
    }
}

/// [`hvp`](super::hvp) on a Burn module: `optax.second_order.hvp(loss, v, params, inputs,
/// targets)` with `params` the module's float parameters and `loss(module, inputs, targets)`.
/// `v` is raveled in [`Tree::from_module`]'s order; the result is a tree in that structure.
/// Same method (central differences of exact gradients, not exact), cost and accuracy as
/// [`hvp`](super::hvp).
///
/// # Errors
/// As [`hvp`](super::hvp), naming `hvp_module`.
///
/// ```
/// use burn::module::{Module, Param};
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::hvp_module;
///
/// #[derive(Module, Debug)]
/// struct Line {
///     w: Param<Tensor<1>>,
/// }
///
/// let device = Device::flex();
/// let model = Line { w: Param::from_tensor(Tensor::from_floats([1.0, 2.0], &device)) };
/// // loss = ‖w ⊙ x‖² / 2: H = diag(x²).
/// let x = Tensor::<1>::from_floats([2.0, 3.0], &device);
/// let loss = |m: &Line, x: &Tensor<1>, _: &()| -> optax_core::Result<Tensor<1>> {
///     let y = m.w.val() * x.clone();
///     Ok((y.clone() * y).sum().div_scalar(2.0))
/// };
/// let v = Tensor::<1>::from_floats([1.0, -1.0], &device);
/// let hv = hvp_module(loss, v, &model, &x, &())?.to_vecs()?;
/// assert!((hv[0][0] - 4.0).abs() < 1e-3 && (hv[0][1] + 9.0).abs() < 1e-3);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn hvp_module<M, I, T, F>(
    mut loss: F,
    v: Tensor<1>,
    module: &M,
    inputs: &I,
    targets: &T,
) -> Result<Tree>
where
    M: Module,
    F: FnMut(&M, &I, &T) -> Result<Tensor<1>>,
{
    let params = Tree::from_module(module)?;
    let mut tree_loss = |p: &Tree, i: &I, t: &T| loss(&with_params(module, p), i, t);
    hvp_named("hvp_module", &mut tree_loss, v, &params, inputs, targets)
}

/// [`hessian_diag`](super::hessian_diag) on a Burn module: the diagonal of the Hessian of
/// `loss(module, inputs, targets)` with respect to the module's float parameters, raveled in
/// [`Tree::from_module`]'s order. Same method (central differences of exact gradients, not
/// exact), cost (`2·n` gradient evaluations) and accuracy as
/// [`hessian_diag`](super::hessian_diag).
///
/// # Errors
/// As [`hessian_diag`](super::hessian_diag), naming `hessian_diag_module`.
///
/// ```
/// use burn::module::{Module, Param};
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::hessian_diag_module;
///
/// #[derive(Module, Debug)]
/// struct Line {
///     w: Param<Tensor<1>>,
/// }
///
/// let device = Device::flex();
/// let model = Line { w: Param::from_tensor(Tensor::from_floats([1.0, 2.0], &device)) };
/// let x = Tensor::<1>::from_floats([2.0, 3.0], &device);
/// let loss = |m: &Line, x: &Tensor<1>, _: &()| -> optax_core::Result<Tensor<1>> {
///     let y = m.w.val() * x.clone();
///     Ok((y.clone() * y).sum().div_scalar(2.0))
/// };
/// let diag: Vec<f32> = hessian_diag_module(loss, &model, &x, &())?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert!((diag[0] - 4.0).abs() < 1e-3 && (diag[1] - 9.0).abs() < 1e-3);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn hessian_diag_module<M, I, T, F>(
    mut loss: F,
    module: &M,
    inputs: &I,
    targets: &T,
) -> Result<Tensor<1>>
where
    M: Module,
    F: FnMut(&M, &I, &T) -> Result<Tensor<1>>,
{
    let params = Tree::from_module(module)?;
    let mut tree_loss = |p: &Tree, i: &I, t: &T| loss(&with_params(module, p), i, t);
    hessian_diag_named(
        "hessian_diag_module",
        &mut tree_loss,
        &params,
        inputs,
        targets,
    )
}

/// [`fisher_diag`](super::fisher_diag) on a Burn module: the squared gradient of
/// `negative_log_likelihood(module, inputs, targets)` with respect to the module's float
/// parameters, raveled in [`Tree::from_module`]'s order. Exact, as
/// [`fisher_diag`](super::fisher_diag).
///
/// # Errors
/// As [`fisher_diag`](super::fisher_diag), naming `fisher_diag_module`.
///
/// ```
/// use burn::module::{Module, Param};
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::fisher_diag_module;
///
/// #[derive(Module, Debug)]
/// struct Line {
///     w: Param<Tensor<1>>,
/// }
///
/// let device = Device::flex();
/// let model = Line { w: Param::from_tensor(Tensor::from_floats([1.0, 2.0], &device)) };
/// let x = Tensor::<1>::from_floats([2.0, 3.0], &device);
/// // nll = ‖w ⊙ x‖² / 2: the gradient is w ⊙ x².
/// let nll = |m: &Line, x: &Tensor<1>, _: &()| -> optax_core::Result<Tensor<1>> {
///     let y = m.w.val() * x.clone();
///     Ok((y.clone() * y).sum().div_scalar(2.0))
/// };
/// let f: Vec<f32> = fisher_diag_module(nll, &model, &x, &())?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert_eq!(f, vec![16.0, 324.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn fisher_diag_module<M, I, T, F>(
    mut negative_log_likelihood: F,
    module: &M,
    inputs: &I,
    targets: &T,
) -> Result<Tensor<1>>
where
    M: Module,
    F: FnMut(&M, &I, &T) -> Result<Tensor<1>>,
{
    let params = Tree::from_module(module)?;
    let mut tree_loss =
        |p: &Tree, i: &I, t: &T| negative_log_likelihood(&with_params(module, p), i, t);
    fisher_diag_named(
        "fisher_diag_module",
        &mut tree_loss,
        &params,
        inputs,
        targets,
    )
}
