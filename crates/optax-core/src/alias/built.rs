//! What every alias shares: the cache of the transformation it stands for ([`Built`]), the
//! `Transform` impl that runs that cached transformation ([`alias_transform!`]), and the
//! setters that empty the cache when an argument changes ([`alias_setters!`]).

use std::fmt;
use std::sync::OnceLock;

use crate::transform::GradientTransformation;

/// The transformation an alias stands for, built on first use and then reused.
///
/// An alias (`adamw(1e-3).weight_decay(0.1)`) only holds Optax's arguments; what runs is the
/// chain its `build` returns, wrapped in the fused kernel where the device and arguments
/// allow. Building allocates the chain and tries the fused adapter, which is too much to
/// redo in every `init`/`update`/`update_in_place`, so the first of those builds it and the
/// alias keeps the result here. Every setter empties the cache ([`alias_setters!`]), so no
/// transformation outlives the arguments it was built from. A clone of a filled cache keeps
/// the value (the clone has the same arguments); a setter on the clone empties only the
/// clone's.
#[derive(Clone, Default)]
pub(crate) struct Built(OnceLock<GradientTransformation>);

impl Built {
    /// The cached transformation, from `build` if the cache is empty.
    pub(crate) fn get_or_build(
        &self,
        build: impl FnOnce() -> GradientTransformation,
    ) -> &GradientTransformation {
        self.0.get_or_init(build)
    }
}

impl fmt::Debug for Built {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.get() {
            Some(_) => f.write_str("Built(filled)"),
            None => f.write_str("Built(empty)"),
        }
    }
}

/// Implements [`Transform`](crate::Transform) for an alias by running the transformation
/// its `build` method returns, built once ([`Built`]), so that an alias is usable as is
/// (`adam(1e-3).init(&params)`) and inside `chain!`.
///
/// The alias must have a field `built: Built`, a method `build(&self) ->
/// GradientTransformation` and a method `check(&self) -> Result<()>` that validates the
/// alias's own arguments (run by `init` and `validate`, before the built transformation's
/// checks). Also generates `built(&self) -> &GradientTransformation`, the cached value.
macro_rules! alias_transform {
    ($ty:ty) => {
        impl $ty {
            /// The transformation this alias stands for (what `build` returns), built on
            /// first use and kept until a setter changes an argument.
            pub(crate) fn built(&self) -> &$crate::GradientTransformation {
                self.built.get_or_build(|| self.build())
            }
        }

        impl $crate::Transform for $ty {
            fn init(&self, params: &$crate::Tree) -> $crate::Result<$crate::State> {
                self.check()?;
                self.built().init(params)
            }

            fn update(
                &self,
                updates: $crate::Tree,
                state: &$crate::State,
                params: Option<&$crate::Tree>,
                extra: &$crate::Extra,
            ) -> $crate::Result<($crate::Tree, $crate::State)> {
                self.built().update(updates, state, params, extra)
            }

            fn update_in_place(
                &self,
                updates: $crate::Tree,
                state: &mut $crate::State,
                params: Option<&$crate::Tree>,
                extra: &$crate::Extra,
            ) -> $crate::Result<$crate::Tree> {
                self.built().update_in_place(updates, state, params, extra)
            }

            fn validate(&self) -> $crate::Result<()> {
                self.check()?;
                self.built().validate()
            }
        }
    };
}

pub(crate) use alias_transform;

/// Generates an alias's by-value setters, each of which sets one field and empties the
/// alias's [`Built`] cache (field `built`): [`setters!`](crate::setters) with the hook that
/// empties it, so no alias setter can forget to. The entries are those of `setters!`:
///
/// ```text
/// /// Doc comment.
/// b1: impl Into<Hyper>;          // b1(b1: impl Into<Hyper>)      self.b1 = b1.into()
/// nesterov: bool;                // nesterov(nesterov: bool)      self.nesterov = nesterov
/// mask: Some(impl Into<Mask>);   // mask(mask: impl Into<Mask>)   self.mask = Some(mask.into())
/// key: Some(i64);                // key(key: i64)                 self.key = Some(key)
/// mask_opt(mask: Option<Mask>);  // mask_opt(mask: Option<Mask>)  self.mask = mask
/// ```
macro_rules! alias_setters {
    ($($entries:tt)*) => {
        $crate::setters::setters! {
            after |alias| {
                alias.built = $crate::alias::built::Built::default();
            }
            $($entries)*
        }
    };
}

pub(crate) use alias_setters;

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use burn::tensor::{DType, Device, Tensor};

    use super::Built;
    use crate::alias::adamw;
    use crate::combine::Mask;
    use crate::error::Result;
    use crate::hyper::Hyper;
    use crate::state::State;
    use crate::transform::{Extra, GradientTransformation, Transform};
    use crate::transforms::scale_by_learning_rate;
    use crate::tree::Tree;

    /// An alias with a setter of every form, that counts its builds.
    #[derive(Clone, Debug)]
    struct Counted {
        learning_rate: Hyper,
        mask: Option<Mask>,
        key: Option<i64>,
        nesterov: bool,
        mu_dtype: Option<DType>,
        builds: Arc<AtomicUsize>,
        built: Built,
    }

    fn counted(learning_rate: f64) -> Counted {
        Counted {
            learning_rate: learning_rate.into(),
            mask: None,
            key: None,
            nesterov: false,
            mu_dtype: None,
            builds: Arc::new(AtomicUsize::new(0)),
            built: Built::default(),
        }
    }

    impl Counted {
        alias_setters! {
            /// The step size.
            learning_rate: impl Into<Hyper>;
            /// A mask.
            mask: Some(impl Into<Mask>);
            /// Sets or clears the mask.
            mask_opt(mask: Option<Mask>);
            /// A key.
            key: Some(i64);
            /// A flag.
            nesterov: bool;
            /// A dtype.
            mu_dtype: Option<DType>;
        }

        fn build(&self) -> GradientTransformation {
            self.builds.fetch_add(1, Ordering::SeqCst);
            let _unused = (&self.mask, self.key, self.nesterov, self.mu_dtype);
            GradientTransformation::new(scale_by_learning_rate(self.learning_rate.clone()))
        }

        fn check(&self) -> Result<()> {
            Ok(())
        }

        fn builds(&self) -> usize {
            self.builds.load(Ordering::SeqCst)
        }
    }

    alias_transform!(Counted);

    fn params() -> Tree {
        Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, 2.0], &Device::flex()))
            .build()
            .unwrap()
    }

    fn grads() -> Tree {
        params().map(|t| t.ones_like())
    }

    fn step(opt: &impl Transform, state: &State) -> (Vec<f32>, State) {
        let (u, s) = opt
            .update(grads(), state, Some(&params()), &Extra::none())
            .unwrap();
        (u.to_vecs().unwrap().remove(0), s)
    }

    #[test]
    fn one_build_serves_every_call() {
        let opt = counted(0.5);
        assert_eq!(opt.builds(), 0);
        opt.validate().unwrap();
        let mut state = opt.init(&params()).unwrap();
        for _ in 0..3 {
            let (u, next) = step(&opt, &state);
            assert_eq!(u, vec![-0.5, -0.5]);
            state = next;
        }
        opt.update_in_place(grads(), &mut state, None, &Extra::none())
            .unwrap();
        assert_eq!(opt.builds(), 1);

        // A clone keeps the built value; a setter (any form) empties the cache.
        let copy = opt.clone();
        step(&copy, &state);
        assert_eq!(opt.builds(), 1);
        let mut builds = 1;
        for changed in [
            opt.clone().learning_rate(0.25),
            opt.clone().mask(Mask::All(true)),
            opt.clone().mask_opt(None),
            opt.clone().key(3),
            opt.clone().nesterov(true),
            opt.clone().mu_dtype(None),
        ] {
            step(&changed, &state);
            step(&changed, &state);
            builds += 1;
            assert_eq!(changed.builds(), builds);
        }
        let (u, _) = step(&opt.clone().learning_rate(0.25), &state);
        assert_eq!(u, vec![-0.25, -0.25]);
        assert_eq!(format!("{:?}", counted(0.5).built), "Built(empty)");
        assert_eq!(format!("{:?}", opt.built), "Built(filled)");
    }

    #[test]
    fn repeated_updates_reuse_one_transformation() {
        let opt = adamw(0.1);
        let first: *const GradientTransformation = opt.built();
        let mut state = opt.init(&params()).unwrap();
        for _ in 0..3 {
            state = step(&opt, &state).1;
            opt.update_in_place(grads(), &mut state, Some(&params()), &Extra::none())
                .unwrap();
        }
        opt.validate().unwrap();
        assert!(std::ptr::eq(first, opt.built()));
    }

    fn close(a: &[f32], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (*x as f64 - y).abs() < 1e-6)
    }

    #[test]
    fn a_setter_after_use_rebuilds() {
        // First Adam step: the scaled gradient is g/(|g| + eps) = 1, then + wd·p, times -lr.
        let used = adamw(0.1);
        let state = used.init(&params()).unwrap();
        let (u, _) = step(&used, &state);
        assert!(
            close(&u, &[-0.1 * (1.0 + 1e-4), -0.1 * (1.0 + 2e-4)]),
            "{u:?}"
        );

        let changed = used.weight_decay(0.5);
        let state = changed.init(&params()).unwrap();
        let (u, _) = step(&changed, &state);
        assert!(close(&u, &[-0.15, -0.2]), "{u:?}");
        let fresh = adamw(0.1).weight_decay(0.5);
        assert_eq!(u, step(&fresh, &fresh.init(&params()).unwrap()).0);
    }

    #[test]
    fn a_changed_clone_leaves_the_original() {
        let original = adamw(0.1);
        let state = original.init(&params()).unwrap();
        let (before, _) = step(&original, &state);
        let first: *const GradientTransformation = original.built();

        let changed = original.clone().weight_decay(0.5).b1(0.5);
        let (u, _) = step(&changed, &changed.init(&params()).unwrap());
        assert!(close(&u, &[-0.15, -0.2]), "{u:?}");

        assert!(std::ptr::eq(first, original.built()));
        assert_eq!(step(&original, &state).0, before);
    }
}
