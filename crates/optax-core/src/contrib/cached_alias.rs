//! The build cache of the contrib aliases in this family (`muon`, `sophia`, `galore`): the
//! same scheme as the core aliases' `Built` (private to `alias`), built on first use and
//! emptied by every setter.

use std::fmt;
use std::sync::OnceLock;

use crate::transform::GradientTransformation;

/// The transformation an alias stands for, built on first use.
#[derive(Clone, Default)]
pub(crate) struct CachedBuild(OnceLock<GradientTransformation>);

impl CachedBuild {
    /// The cached transformation, from `build` if the cache is empty.
    pub(crate) fn get_or_build(
        &self,
        build: impl FnOnce() -> GradientTransformation,
    ) -> &GradientTransformation {
        self.0.get_or_init(build)
    }
}

impl fmt::Debug for CachedBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "CachedBuild(filled)"
        } else {
            "CachedBuild(empty)"
        })
    }
}

/// Setters that empty the alias's `built: CachedBuild` field.
macro_rules! cached_setters {
    ($($entries:tt)*) => {
        $crate::setters::setters! {
            after |alias| {
                alias.built = $crate::contrib::cached_alias::CachedBuild::default();
            }
            $($entries)*
        }
    };
}

/// `Transform` for an alias with a `built: CachedBuild` field, `build(&self)` and
/// `check(&self) -> Result<()>`.
macro_rules! cached_alias_transform {
    ($ty:ty) => {
        impl $ty {
            fn built(&self) -> &$crate::GradientTransformation {
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

            fn validate(&self) -> $crate::Result<()> {
                self.check()?;
                self.built().validate()
            }
        }
    };
}

pub(crate) use {cached_alias_transform, cached_setters};
