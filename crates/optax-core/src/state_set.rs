//! `optax.tree.set` (`optax.tree_utils.tree_set`) on a [`State`]: a copy of the state with the
//! values of some fields replaced, found by name anywhere in it.
//!
//! Optax's rule: a key matches a record field or a map entry of that name, or a record whose
//! kind (Optax's NamedTuple class name) is that name; every match is replaced (the search does
//! not descend into what it replaces); a key found nowhere is an error (`KeyError` in Optax,
//! [`OptaxError::KeyNotFound`] here). An optional `filtering(path, value)` keeps only the
//! matches it accepts (`path` as [`State::get_all`] writes it, e.g. `0.mu`).

use crate::error::{OptaxError, Result};
use crate::state::State;

impl State {
    /// `optax.tree.set(state, **{name: value})`: a copy of the state in which every field or
    /// map entry called `name` (and every record of kind `name`) holds `value`. Errors with
    /// [`OptaxError::KeyNotFound`] when there is none; `self` is never changed.
    ///
    /// ```
    /// use optax_core::prelude::*;
    /// use burn::tensor::{Device, Tensor};
    ///
    /// let device = Device::flex();
    /// let params = Tree::builder()
    ///     .leaf("a", Tensor::<1>::ones([1], &device))
    ///     .leaf("b", Tensor::<1>::ones([2], &device))
    ///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
    ///     .build()?;
    /// let state = optax_core::adam(1.0).init(&params)?;
    /// let state = state.set("count", State::Int(2))?;
    /// assert_eq!(state.get("count")?.as_int()?, 2);
    /// assert!(state.set("nope", State::Int(0)).is_err());
    /// # Ok::<(), optax_core::OptaxError>(())
    /// ```
    pub fn set(&self, name: &str, value: State) -> Result<State> {
        self.set_where(name, value, |_, _| true)
    }

    /// [`State::set`] restricted to the matches `filtering(path, value)` accepts (Optax's
    /// positional `filtering` argument).
    pub fn set_where(
        &self,
        name: &str,
        value: State,
        filtering: impl Fn(&str, &State) -> bool,
    ) -> Result<State> {
        let mut out = self.clone();
        let n = replace(&mut out, false, "", name, &value, &filtering);
        if n == 0 {
            return Err(OptaxError::KeyNotFound(name.to_string()));
        }
        Ok(out)
    }

    /// Several keys at once (`optax.tree.set(state, a=.., b=..)`): every key must be found.
    pub fn set_many(&self, values: &[(&str, State)]) -> Result<State> {
        let mut out = self.clone();
        for (name, value) in values {
            out = out.set(name, value.clone())?;
        }
        Ok(out)
    }
}

fn join(at: &str, k: &str) -> String {
    if at.is_empty() {
        k.to_string()
    } else {
        format!("{at}.{k}")
    }
}

/// Replaces the matches under `node` (the node itself included); returns how many.
fn replace(
    node: &mut State,
    key_matches: bool,
    path: &str,
    name: &str,
    value: &State,
    filtering: &dyn Fn(&str, &State) -> bool,
) -> usize {
    let kind_matches = matches!(node, State::Record { kind, .. } if kind == name);
    if (key_matches || kind_matches) && filtering(path, node) {
        *node = value.clone();
        return 1;
    }
    match node {
        State::Record { fields: v, .. } | State::Map(v) => v
            .iter_mut()
            .map(|(k, s)| {
                let here = join(path, k);
                replace(s, k.as_str() == name, &here, name, value, filtering)
            })
            .sum(),
        State::Tuple(v) => v
            .iter_mut()
            .enumerate()
            .map(|(i, s)| {
                replace(
                    s,
                    false,
                    &join(path, &i.to_string()),
                    name,
                    value,
                    filtering,
                )
            })
            .sum(),
        _ => 0,
    }
}
