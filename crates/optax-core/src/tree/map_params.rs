//! `optax.tree.map_params`: apply a function to the parameter-shaped parts of a state.

use burn::tensor::Tensor;

use crate::state::State;
use crate::tree::{Tree, TreeDef};

/// `optax.tree.map_params(initable, f, state, transform_non_params=None)`: `f` applied to
/// every leaf of every tree in `state` that has the parameters' structure `params`, other
/// values passed through `transform_non_params` (or kept).
///
/// Optax finds the parameter-shaped parts by initialising the optimizer with a placeholder;
/// here a state's trees carry their structure, so they are recognised by it: a tree is mapped
/// when its paths and shapes are those of `params`. Counts, keys and trees of other shapes are
/// "non-params".
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::{adam, tree, Transform, Tree};
/// let device = Device::flex();
/// let params = Tree::builder().leaf("w", Tensor::<1>::ones([2], &device)).build()?;
/// let state = adam(0.1).init(&params)?;
/// let doubled = tree::map_params(params.def(), |t| t.add_scalar(2.0), &state, None);
/// let mu = doubled.get("mu")?.as_tree()?.to_vecs()?;
/// assert_eq!(mu, vec![vec![2.0, 2.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn map_params(
    params: &TreeDef,
    mut f: impl FnMut(Tensor<1>) -> Tensor<1>,
    state: &State,
    mut transform_non_params: Option<&mut dyn FnMut(&State) -> State>,
) -> State {
    walk(params, &mut f, state, &mut transform_non_params)
}

fn walk(
    params: &TreeDef,
    f: &mut dyn FnMut(Tensor<1>) -> Tensor<1>,
    state: &State,
    other: &mut Option<&mut dyn FnMut(&State) -> State>,
) -> State {
    match state {
        State::Record { kind, fields } => State::Record {
            kind: kind.clone(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.clone(), walk(params, f, v, other)))
                .collect(),
        },
        State::Tuple(items) => {
            State::Tuple(items.iter().map(|v| walk(params, f, v, other)).collect())
        }
        State::Map(items) => State::Map(
            items
                .iter()
                .map(|(k, v)| (k.clone(), walk(params, f, v, other)))
                .collect(),
        ),
        State::Tree(t) if **t.def() == *params => State::Tree(Tree::map(t, &mut *f)),
        leaf => match other {
            Some(g) => g(leaf),
            None => leaf.clone(),
        },
    }
}
