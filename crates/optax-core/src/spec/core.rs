//! Spec entries of the combinators, the basic transformations and the Adam family.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, combine, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("chain", chain),
    ("named_chain", named_chain),
    ("masked", masked),
    ("partition", partition),
    ("multi_transform", partition),
    ("freeze", freeze),
    ("selective_transform", selective_transform),
    ("identity", identity),
    ("set_to_zero", set_to_zero),
    ("scale", scale),
    ("scale_by_schedule", scale_by_schedule),
    ("scale_by_learning_rate", scale_by_learning_rate),
    ("scale_by_adam", scale_by_adam),
    ("add_decayed_weights", add_decayed_weights),
    ("adam", adam),
    ("nadam", nadam),
    ("adamw", adamw),
    ("nadamw", nadamw),
];

fn chain(a: &mut Args) -> Result<GradientTransformation> {
    // `{"chain": [..]}` is the usual form; `{"chain": {"transforms": [..]}}` is accepted too.
    let at = a.at_arg("transforms");
    let items = a
        .list("transforms")?
        .ok_or_else(|| a.error("transforms", "missing required argument"))?;
    a.finish()?;
    super::registry::chain_list("chain", items, &at)
}

fn named_chain(a: &mut Args) -> Result<GradientTransformation> {
    let at = a.at_arg("transforms");
    let items = a
        .list("transforms")?
        .ok_or_else(|| a.error("transforms", "missing required argument"))?;
    a.finish()?;
    super::registry::chain_list("named_chain", items, &at)
}

fn masked(a: &mut Args) -> Result<GradientTransformation> {
    let inner = a.transform("inner")?;
    let mask = a
        .mask("mask")?
        .ok_or_else(|| a.error("mask", "missing required argument"))?;
    a.build(combine::masked(inner, mask))
}

fn partition(a: &mut Args) -> Result<GradientTransformation> {
    let transforms = a.transform_map("transforms")?;
    let labels = a.labels("param_labels")?;
    a.build(combine::partition(transforms, labels))
}

fn freeze(a: &mut Args) -> Result<GradientTransformation> {
    let mask = a
        .mask("mask")?
        .ok_or_else(|| a.error("mask", "missing required argument"))?;
    a.build(combine::freeze(mask))
}

fn selective_transform(a: &mut Args) -> Result<GradientTransformation> {
    let optimizer = a.transform("optimizer")?;
    let mask = a
        .mask("freeze_mask")?
        .ok_or_else(|| a.error("freeze_mask", "missing required argument"))?;
    a.build(combine::selective_transform(optimizer, mask))
}

fn identity(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::identity())
}

fn set_to_zero(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::set_to_zero())
}

fn scale(a: &mut Args) -> Result<GradientTransformation> {
    let step_size = a.num_req("step_size")?;
    a.build(transforms::scale(step_size))
}

fn scale_by_schedule(a: &mut Args) -> Result<GradientTransformation> {
    let f = a
        .schedule_fn("step_size_fn")?
        .ok_or_else(|| a.error("step_size_fn", "missing required argument"))?;
    a.build(transforms::scale_by_schedule(f))
}

fn scale_by_learning_rate(a: &mut Args) -> Result<GradientTransformation> {
    // Optax's default `learning_rate=None` is the identity (no sign flip).
    let lr = a.sched("learning_rate")?;
    let flip_sign = a.flag("flip_sign")?.unwrap_or(true);
    match lr {
        Some(lr) => a.build(transforms::scale_by_learning_rate(lr).flip_sign(flip_sign)),
        None => a.build(transforms::identity()),
    }
}

fn scale_by_adam(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_adam();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, mu_dtype: dtype, nesterov: flag);
    a.build(t)
}

fn add_decayed_weights(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::add_decayed_weights(a.sched("weight_decay")?.unwrap_or(0.0.into()));
    set_args!(a, t; mask: mask);
    a.build(t)
}

fn adam_like(a: &mut Args, nesterov: bool) -> Result<alias::Adam> {
    let mut t = alias::adam(a.sched_req("learning_rate")?).nesterov(nesterov);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, mu_dtype: dtype, nesterov: flag);
    Ok(t)
}

fn adam(a: &mut Args) -> Result<GradientTransformation> {
    let t = adam_like(a, false)?;
    a.build(t)
}

fn nadam(a: &mut Args) -> Result<GradientTransformation> {
    let t = adam_like(a, true)?;
    a.build(t)
}

fn adamw_like(a: &mut Args, nesterov: bool) -> Result<alias::AdamW> {
    let mut t = alias::adamw(a.sched_req("learning_rate")?).nesterov(nesterov);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, mu_dtype: dtype,
        weight_decay: sched, mask: mask, nesterov: flag);
    Ok(t)
}

fn adamw(a: &mut Args) -> Result<GradientTransformation> {
    let t = adamw_like(a, false)?;
    a.build(t)
}

fn nadamw(a: &mut Args) -> Result<GradientTransformation> {
    let t = adamw_like(a, true)?;
    a.build(t)
}
