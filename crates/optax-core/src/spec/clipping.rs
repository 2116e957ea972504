//! Spec entries of the clipping building blocks: `clip` (element-wise), `clip_by_block_rms`
//! (per leaf), `clip_by_global_norm` (whole tree) and `adaptive_grad_clip` (unit-wise, relative to
//! the parameters' norm).

use serde_json::Value;

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("clip", clip),
    ("clip_by_block_rms", clip_by_block_rms),
    ("clip_by_global_norm", clip_by_global_norm),
    ("adaptive_grad_clip", adaptive_grad_clip),
];

fn clip(a: &mut Args) -> Result<GradientTransformation> {
    let t = transforms::clip(a.num_req("max_delta")?);
    a.build(t)
}

fn clip_by_block_rms(a: &mut Args) -> Result<GradientTransformation> {
    let t = transforms::clip_by_block_rms(a.num_req("threshold")?);
    a.build(t)
}

fn clip_by_global_norm(a: &mut Args) -> Result<GradientTransformation> {
    let t = transforms::clip_by_global_norm(a.num_req("max_norm")?);
    a.build(t)
}

/// `axis`: `null`, an integer, or a list of integers (Optax's `int | tuple[int, ...] | None`).
fn axes(a: &mut Args, name: &str) -> Result<Option<Vec<i64>>> {
    let as_int = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    };
    match a.raw(name) {
        None => Ok(None),
        Some(v @ Value::Number(_)) => as_int(v)
            .map(|i| Some(vec![i]))
            .ok_or_else(|| a.error(name, format!("expected an integer, found {v}"))),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                as_int(v)
                    .ok_or_else(|| a.error(name, format!("expected a list of integers, found {v}")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(other) => Err(a.error(
            name,
            format!("expected an integer or a list of integers, found {other}"),
        )),
    }
}

fn adaptive_grad_clip(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::adaptive_grad_clip(a.num_req("clipping")?);
    set_args!(a, t; eps: num);
    let axis = axes(a, "axis")?;
    t = t.axis(axis);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"clip": {"max_delta": 1.0}}),
            json!({"clip_by_block_rms": {"threshold": 1.0}}),
            json!({"clip_by_global_norm": {"max_norm": 1.0}}),
            json!({"adaptive_grad_clip": {"clipping": 0.1, "eps": 1e-3, "axis": null}}),
            json!({"adaptive_grad_clip": {"clipping": 0.1, "axis": [0, -1]}}),
            json!({"adaptive_grad_clip": {"clipping": 0.1, "axis": 0}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (
                json!({"clip_by_global_norm": {}}),
                "clip_by_global_norm.max_norm",
            ),
            (
                json!({"clip_by_global_norm": {"max_norm": -1.0}}),
                "clip_by_global_norm.max_norm",
            ),
            (
                json!({"adaptive_grad_clip": {"clipping": 0.1, "axis": "x"}}),
                "adaptive_grad_clip.axis",
            ),
        ]);
    }
}
