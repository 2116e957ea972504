//! The abstraction: a gradient transformation is a pair of functions, `init(params) -> state`
//! and `update(updates, state, params, extra) -> (updates, state)`.
//!
//! Sign convention (Optax's): updates are *added* to the parameters by [`apply_updates`];
//! `scale_by_learning_rate` flips the sign of the step.
//!
//! [`apply_updates`]: crate::apply_updates

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::error::Result;
use crate::hyper::Scalar;
use crate::state::State;
use crate::tree::Tree;

/// Extra keyword arguments of an update (Optax's `**extra_args`), e.g. the loss `value` that
/// `scale_by_polyak` reads. Transformations ignore the arguments they do not use.
#[derive(Clone, Debug, Default)]
pub struct Extra {
    args: Vec<(String, Scalar)>,
}

impl Extra {
    /// No extra arguments.
    pub fn none() -> Self {
        Self::default()
    }

    /// Only the loss `value`.
    pub fn value(value: impl Into<Scalar>) -> Self {
        Self::default().with("value", value)
    }

    /// Adds the argument `name`.
    pub fn with(mut self, name: &str, value: impl Into<Scalar>) -> Self {
        self.args.retain(|(k, _)| k != name);
        self.args.push((name.to_string(), value.into()));
        self
    }

    /// The argument `name`, if given.
    pub fn get(&self, name: &str) -> Option<&Scalar> {
        self.args.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// A gradient transformation: Optax's `GradientTransformationExtraArgs`.
///
/// `update` takes the state by reference and returns the next one, so a failed update (a tree
/// mismatch, a missing argument) leaves the caller's state as it was.
///
/// The one-pass step (`update` and `apply_updates` together) and the fusion report of any
/// transformation are the methods of [`TransformExt`](crate::TransformExt); the fused kernels
/// are found by type (`Any`), so this trait holds only Optax's abstraction.
pub trait Transform: Any + Send + Sync {
    /// The initial state for `params`.
    fn init(&self, params: &Tree) -> Result<State>;

    /// Transforms `updates` (e.g. gradients) given the state and, for transformations that need
    /// them, the current parameters.
    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)>;

    /// Checks the hyperparameters (ranges, consistency). Called by `init`.
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// `update` that replaces `state` with the next state; on error `state` is unchanged.
    fn update_in_place(
        &self,
        updates: Tree,
        state: &mut State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<Tree> {
        let (updates, next) = self.update(updates, state, params, extra)?;
        *state = next;
        Ok(updates)
    }
}

/// A type-erased, cheaply cloneable [`Transform`]: what `chain`, the aliases and specs return.
#[derive(Clone)]
pub struct GradientTransformation(Arc<dyn Transform>);

impl fmt::Debug for GradientTransformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GradientTransformation")
    }
}

impl GradientTransformation {
    /// Wraps a transformation.
    pub fn new(t: impl Transform + 'static) -> Self {
        // A transformation already wrapped is shared, not wrapped again.
        if let Some(g) = (&t as &dyn Any).downcast_ref::<GradientTransformation>() {
            return g.clone();
        }
        GradientTransformation(Arc::new(t))
    }

    /// The initial state for `params` (checks the hyperparameters first).
    pub fn init(&self, params: &Tree) -> Result<State> {
        self.0.validate()?;
        self.0.init(params)
    }

    /// Optax's `update(updates, state, params=None, **extra_args)`.
    pub fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        self.0.update(updates, state, params, extra)
    }

    /// `update` that replaces `state` with the next state; on error `state` is unchanged.
    /// (Forwarded, so that a transformation can update its state's buffers in place.)
    pub fn update_in_place(
        &self,
        updates: Tree,
        state: &mut State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<Tree> {
        self.0.update_in_place(updates, state, params, extra)
    }

    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        self.0.validate()
    }

    /// The wrapped transformation.
    pub(crate) fn inner(&self) -> &dyn Transform {
        &*self.0
    }
}

impl Transform for GradientTransformation {
    fn init(&self, params: &Tree) -> Result<State> {
        self.0.init(params)
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        self.0.update(updates, state, params, extra)
    }

    fn update_in_place(
        &self,
        updates: Tree,
        state: &mut State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<Tree> {
        self.0.update_in_place(updates, state, params, extra)
    }

    fn validate(&self) -> Result<()> {
        self.0.validate()
    }
}

/// Conversion into a [`GradientTransformation`], implemented by every transformation and alias.
pub trait IntoTransformation {
    /// The type-erased transformation.
    fn into_transformation(self) -> GradientTransformation;
}

impl<T: Transform + 'static> IntoTransformation for T {
    fn into_transformation(self) -> GradientTransformation {
        GradientTransformation::new(self)
    }
}
