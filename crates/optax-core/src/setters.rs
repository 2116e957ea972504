//! The by-value setters of the building blocks, the combinators and the aliases
//! ([`setters!`]).

/// Generates by-value setters, each of which sets one field (and runs the `after` hook, if
/// given). Used inside the type's `impl` block; each entry is the setter's doc comment, then
/// its name (Optax's argument name) and what it takes. Each form, with the setter it
/// generates (`pub fn NAME(mut self, ARG: TYPE) -> Self`) and what that setter does:
///
/// ```text
/// /// Doc comment.
/// b1: impl Into<Hyper>;          // b1(b1: impl Into<Hyper>)      self.b1 = b1.into()
/// nesterov: bool;                // nesterov(nesterov: bool)      self.nesterov = nesterov
/// mask: Some(impl Into<Mask>);   // mask(mask: impl Into<Mask>)   self.mask = Some(mask.into())
/// key: Some(i64);                // key(key: i64)                 self.key = Some(key)
/// mask_opt(mask: Option<Mask>);  // mask_opt(mask: Option<Mask>)  self.mask = mask
/// ```
///
/// The last form names the setter and the field (its argument) separately, for the `_opt`
/// half of a pair such as `mask` / `mask_opt` (macro_rules cannot build `mask_opt` from
/// `mask`, and the crate takes no `paste` dependency).
///
/// The entries may be preceded by a hook, a block run by every setter after its assignment,
/// with `&mut self` bound to the name between the bars (a macro cannot hand the caller's
/// `self` to the function it generates):
///
/// ```text
/// after |alias| { alias.built = Built::default(); }
/// ```
///
/// The aliases use it to empty their cache ([`alias_setters!`](crate::alias::built) is this
/// macro with that hook).
///
/// A local macro rather than a derive crate (`derive_setters`, `derive_builder`): those
/// generate the assignment only, with no hook to empty an alias's cache
/// ([`Built`](crate::alias::built)) in every setter (a setter that forgot to would leave an
/// alias running the transformation of its old arguments), and they would not give the
/// `Some(..)` / `_opt` pairs Optax's argument names without an attribute per field and a new
/// dependency.
macro_rules! setters {
    // The hook, then the entries.
    (after |$this:ident| $after:block $($rest:tt)*) => {
        $crate::setters::setters!(@[$this $after] $($rest)*);
    };

    // The entries, one at a time, behind the hook (`@[]`: none).
    (@[$($this:ident $after:block)?]) => {};
    (@[$($this:ident $after:block)?]
        $(#[$attr:meta])* $name:ident: Some(impl Into<$t:ty>); $($rest:tt)*) => {
        $(#[$attr])*
        pub fn $name(mut self, $name: impl Into<$t>) -> Self {
            self.$name = Some($name.into());
            $({
                let $this = &mut self;
                $after
            })?
            self
        }

        $crate::setters::setters!(@[$($this $after)?] $($rest)*);
    };
    (@[$($this:ident $after:block)?]
        $(#[$attr:meta])* $name:ident: Some($t:ty); $($rest:tt)*) => {
        $(#[$attr])*
        pub fn $name(mut self, $name: $t) -> Self {
            self.$name = Some($name);
            $({
                let $this = &mut self;
                $after
            })?
            self
        }

        $crate::setters::setters!(@[$($this $after)?] $($rest)*);
    };
    (@[$($this:ident $after:block)?]
        $(#[$attr:meta])* $name:ident: impl Into<$t:ty>; $($rest:tt)*) => {
        $(#[$attr])*
        pub fn $name(mut self, $name: impl Into<$t>) -> Self {
            self.$name = $name.into();
            $({
                let $this = &mut self;
                $after
            })?
            self
        }

        $crate::setters::setters!(@[$($this $after)?] $($rest)*);
    };
    (@[$($this:ident $after:block)?]
        $(#[$attr:meta])* $name:ident: $t:ty; $($rest:tt)*) => {
        $(#[$attr])*
        pub fn $name(mut self, $name: $t) -> Self {
            self.$name = $name;
            $({
                let $this = &mut self;
                $after
            })?
            self
        }

        $crate::setters::setters!(@[$($this $after)?] $($rest)*);
    };
    (@[$($this:ident $after:block)?]
        $(#[$attr:meta])* $name:ident($field:ident: $t:ty); $($rest:tt)*) => {
        $(#[$attr])*
        pub fn $name(mut self, $field: $t) -> Self {
            self.$field = $field;
            $({
                let $this = &mut self;
                $after
            })?
            self
        }

        $crate::setters::setters!(@[$($this $after)?] $($rest)*);
    };
    (@[$($hook:tt)*] $($bad:tt)+) => {
        compile_error!(concat!("setters!: unrecognised entry: ", stringify!($($bad)+)));
    };

    // The entries alone (no hook).
    ($($rest:tt)*) => {
        $crate::setters::setters!(@[] $($rest)*);
    };
}

pub(crate) use setters;

#[cfg(test)]
mod tests {
    use burn::tensor::DType;

    use crate::combine::Mask;
    use crate::hyper::Hyper;

    /// A type with a setter of every form, without a hook.
    #[derive(Clone, Debug)]
    struct Plain {
        learning_rate: Hyper,
        mask: Option<Mask>,
        key: Option<i64>,
        nesterov: bool,
        mu_dtype: Option<DType>,
    }

    impl Plain {
        setters! {
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
    }

    fn plain() -> Plain {
        Plain {
            learning_rate: 1.0.into(),
            mask: None,
            key: None,
            nesterov: false,
            mu_dtype: None,
        }
    }

    /// The same setters with a hook that counts the calls.
    #[derive(Clone, Debug, Default)]
    struct Hooked {
        nesterov: bool,
        key: Option<i64>,
        mask: Option<Mask>,
        changes: usize,
    }

    impl Hooked {
        setters! {
            after |hooked| {
                hooked.changes += 1;
            }
            /// A flag.
            nesterov: bool;
            /// A key.
            key: Some(i64);
            /// A mask.
            mask: Some(impl Into<Mask>);
            /// Sets or clears the mask.
            mask_opt(mask: Option<Mask>);
        }
    }

    #[test]
    fn every_form_sets_its_field() {
        let p = plain()
            .learning_rate(0.5)
            .mask(Mask::All(false))
            .key(3)
            .nesterov(true)
            .mu_dtype(Some(DType::BF16));
        assert_eq!(p.learning_rate.constant(), Some(0.5));
        assert!(matches!(p.mask, Some(Mask::All(false))));
        assert_eq!(p.key, Some(3));
        assert!(p.nesterov);
        assert_eq!(p.mu_dtype, Some(DType::BF16));
        assert!(p.mask_opt(None).mask.is_none());
    }

    #[test]
    fn the_hook_runs_after_every_setter() {
        let h = Hooked::default()
            .nesterov(true)
            .key(7)
            .mask(Mask::All(true))
            .mask_opt(None);
        assert!(h.nesterov);
        assert_eq!(h.key, Some(7));
        assert!(h.mask.is_none());
        assert_eq!(h.changes, 4);
    }
}
