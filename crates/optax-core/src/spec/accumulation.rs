//! Spec entries of the building blocks that accumulate updates over steps: `trace` (momentum),
//! `ema` (exponential moving average) and `apply_every` (gradient accumulation over `k` steps).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] =
    &[("trace", trace), ("ema", ema), ("apply_every", apply_every)];

fn trace(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::trace(a.num_req("decay")?);
    set_args!(a, t; nesterov: flag, accumulator_dtype: dtype);
    a.build(t)
}

fn ema(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::ema(a.num_req("decay")?);
    set_args!(a, t; debias: flag, accumulator_dtype: dtype);
    a.build(t)
}

fn apply_every(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::apply_every();
    set_args!(a, t; k: int);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"apply_every": {"k": 2}}),
            json!({"trace": {"decay": 0.9, "nesterov": true, "accumulator_dtype": "bfloat16"}}),
            json!({"ema": {"decay": 0.9, "debias": false, "accumulator_dtype": null}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"apply_every": {"k": 0}}), "apply_every.k"),
            (json!({"apply_every": {"k": 1.5}}), "apply_every.k"),
            (
                json!({"trace": {"decay": {"constant_schedule": {"value": 0.9}}}}),
                "trace.decay",
            ),
        ]);
    }
}
