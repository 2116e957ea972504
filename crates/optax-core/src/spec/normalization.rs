//! Spec entries of the stateless normalizations of the updates: `centralize` (gradient
//! centralization) and `normalize_by_update_norm`.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("centralize", centralize),
    ("normalize_by_update_norm", normalize_by_update_norm),
];

fn centralize(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::centralize())
}

fn normalize_by_update_norm(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::normalize_by_update_norm();
    set_args!(a, t; scale_factor: num, eps: num);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::assert_all_build;

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"centralize": {}}),
            json!({"centralize": null}),
            json!({"normalize_by_update_norm": {"scale_factor": -1.0, "eps": 1e-6}}),
        ]);
    }
}
