//! `flatten`: run the inner transformation on all leaves raveled into one vector.
//!
//! Fewer, larger tensor operations for many small leaves (Optax's quickstart suggests it for
//! Shampoo-like optimizers), at the cost of a copy each way.
//!
//! ```text
//! flat(x)   = concat(x_0.reshape(-1), x_1.reshape(-1), ...)
//! state_0   = inner.init(flat(params))
//! (v, s')   = inner.update(flat(u), s, flat(params))
//! u'        = unravel(v) like u        (cut at the cumulative leaf sizes, reshaped)
//! ```

use std::sync::Arc;

use crate::error::Result;
use crate::second_order::{ravel, unravel};
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{Tree, TreeDef};

/// The path of the one leaf the inner transformation of [`flatten`] sees.
pub const FLAT_PATH: &str = "flat";

/// The inner transformation on raveled leaves (`optax.flatten`). Its state is the inner
/// state, on a one-leaf tree (`"flat"`, shape `[n]`).
#[derive(Clone, Debug)]
pub struct Flatten {
    pub(crate) inner: GradientTransformation,
}

/// `optax.flatten(inner)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::{adam, wrappers::flatten};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = flatten(adam(0.1));
/// let state = opt.init(&params)?;
/// let (updates, _) = opt.update(params.clone(), &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.shapes(), params.shapes());
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn flatten(inner: impl IntoTransformation) -> Flatten {
    Flatten {
        inner: inner.into_transformation(),
    }
}

/// `tree` as a one-leaf tree holding its raveled leaves.
fn flat(tree: &Tree) -> Result<Tree> {
    let v = ravel(tree)?;
    let n = v.dims()[0];
    let def = TreeDef::new(vec![FLAT_PATH.to_string()], vec![vec![n]])?;
    Tree::from_flat(Arc::new(def), vec![v])
}

impl Transform for Flatten {
    fn init(&self, params: &Tree) -> Result<State> {
        self.inner.init(&flat(params)?)
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let flat_params = params.map(flat).transpose()?;
        let (out, next) = self
            .inner
            .update(flat(&updates)?, state, flat_params.as_ref(), extra)?;
        let v = out.get_flat(FLAT_PATH)?;
        Ok((unravel(v, &updates)?, next))
    }

    fn validate(&self) -> Result<()> {
        self.inner.validate()
    }
}
