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

/// Extra keyword arguments of an update (Optax's `**extra_args`): the loss `value` that
/// `scale_by_polyak` reads, the `grad` tree and `value_fn` of the line searches, the `obj_fn` of
/// Sophia, the `grad_fn` of SAM's opaque mode. Transformations ignore the arguments they do not
/// use.
///
/// An argument is a scalar ([`Extra::with`]), a tree shaped like the parameters
/// ([`Extra::with_tree`]) or a function ([`Extra::with_fn`]): any `Send + Sync` value, typically
/// an `Arc<dyn Fn(..)>` of the type the consuming transformation documents, read back by type
/// with [`Extra::get_fn`].
#[derive(Clone, Default)]
pub struct Extra {
    args: Vec<(String, ExtraArg)>,
}

/// One extra argument.
// A scalar may hold a tensor (large next to a tree's handle); the arguments are few and built
// per step, so boxing would add an allocation for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum ExtraArg {
    Scalar(Scalar),
    Tree(Tree),
    Fn(Arc<dyn Any + Send + Sync>),
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.args {
            match v {
                ExtraArg::Scalar(s) => m.entry(k, s),
                ExtraArg::Tree(t) => m.entry(k, &format_args!("tree of {} leaves", t.len())),
                ExtraArg::Fn(_) => m.entry(k, &format_args!("function")),
            };
        }
        m.finish()
    }
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

    fn put(mut self, name: &str, arg: ExtraArg) -> Self {
        self.args.retain(|(k, _)| k != name);
        self.args.push((name.to_string(), arg));
        self
    }

    /// Adds the scalar argument `name` (replacing any argument of that name).
    pub fn with(self, name: &str, value: impl Into<Scalar>) -> Self {
        self.put(name, ExtraArg::Scalar(value.into()))
    }

    /// Adds the tree argument `name`, e.g. the line searches' `grad`.
    pub fn with_tree(self, name: &str, tree: Tree) -> Self {
        self.put(name, ExtraArg::Tree(tree))
    }

    /// Adds the function argument `name`, e.g. the line searches' `value_fn`. `f` is stored as
    /// given; the transformation that reads it asks for its type with [`Extra::get_fn`].
    pub fn with_fn<F: Any + Send + Sync>(self, name: &str, f: F) -> Self {
        self.put(name, ExtraArg::Fn(Arc::new(f)))
    }

    /// The scalar argument `name`, if given.
    pub fn get(&self, name: &str) -> Option<&Scalar> {
        match self.find(name)? {
            ExtraArg::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The tree argument `name`, if given.
    pub fn get_tree(&self, name: &str) -> Option<&Tree> {
        match self.find(name)? {
            ExtraArg::Tree(t) => Some(t),
            _ => None,
        }
    }

    /// The function argument `name`, if given with type `F`.
    pub fn get_fn<F: Any + Send + Sync>(&self, name: &str) -> Option<&F> {
        match self.find(name)? {
            ExtraArg::Fn(f) => f.downcast_ref::<F>(),
            _ => None,
        }
    }

    /// Whether an argument `name` of any kind is given.
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The names of the arguments, in the order given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|(k, _)| k.as_str())
    }

    /// These arguments without `name` (e.g. a wrapper that consumes one before forwarding).
    pub fn without(&self, name: &str) -> Extra {
        let mut out = self.clone();
        out.args.retain(|(k, _)| k != name);
        out
    }

    fn find(&self, name: &str) -> Option<&ExtraArg> {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use burn::tensor::{Device, Tensor};

    use super::Extra;
    use crate::tree::Tree;

    type ValueFn = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

    #[test]
    fn extra_arguments_are_read_back_by_kind() {
        let device = Device::flex();
        let grad = Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &device))
            .build()
            .unwrap();
        let f: ValueFn = Arc::new(|x| 2.0 * x);
        let extra = Extra::value(1.5)
            .with_tree("grad", grad)
            .with_fn("value_fn", f)
            .with("value", 2.5);

        assert_eq!(extra.get("value").and_then(|v| v.value()), Some(2.5));
        assert_eq!(extra.get_tree("grad").map(|t| t.len()), Some(1));
        assert_eq!(
            extra.get_fn::<ValueFn>("value_fn").map(|f| f(3.0)),
            Some(6.0)
        );
        // The wrong kind or type reads as absent, not as a panic.
        assert!(extra.get("grad").is_none());
        assert!(extra.get_tree("value").is_none());
        assert!(extra.get_fn::<fn(f64) -> f64>("value_fn").is_none());
        assert!(extra.contains("value_fn") && !extra.contains("missing"));
        assert_eq!(
            extra.names().collect::<Vec<_>>(),
            ["grad", "value_fn", "value"]
        );
        assert!(!extra.without("grad").contains("grad"));
        assert!(format!("{extra:?}").contains("value_fn"));
    }
}
