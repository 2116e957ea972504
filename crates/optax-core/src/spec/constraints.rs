//! Spec entries of Optax's constraints (`optax/_src/constrain.py`): `keep_params_nonnegative`
//! and `zero_nans`.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::transforms;

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("keep_params_nonnegative", keep_params_nonnegative),
    ("zero_nans", zero_nans),
];

fn keep_params_nonnegative(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::keep_params_nonnegative())
}

fn zero_nans(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::zero_nans())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::assert_all_build;

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"keep_params_nonnegative": {}}),
            json!({"zero_nans": {}}),
        ]);
    }
}
