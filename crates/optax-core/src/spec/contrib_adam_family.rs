//! Spec entries of `optax.contrib`'s Adam family and relatives: ADOPT (`scale_by_adopt`,
//! `adopt`), AdEMAMix (`scale_by_ademamix`, `ademamix`, `scale_by_simplified_ademamix`,
//! `simplified_ademamix`), ACProp (`scale_by_acprop`, `acprop`), MADGRAD (`scale_by_madgrad`,
//! `madgrad`), Schedule-Free (`schedule_free`, whose `base_optimizer` is a nested spec,
//! `schedule_free_sgd`, `schedule_free_adamw`) and `reduce_on_plateau`.
//!
//! ADOPT's `clip_value_fn` is a Python function: it is not a spec argument (the Rust builder
//! takes it as a closure); the default `count ** 0.25` is used.

use super::registry::TransformBuilder;
use super::Args;
use crate::contrib;
use crate::error::Result;
use crate::set_args;
use crate::transform::GradientTransformation;

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_adopt", scale_by_adopt),
    ("adopt", adopt),
    ("scale_by_ademamix", scale_by_ademamix),
    ("ademamix", ademamix),
    ("scale_by_simplified_ademamix", scale_by_simplified_ademamix),
    ("simplified_ademamix", simplified_ademamix),
    ("scale_by_acprop", scale_by_acprop),
    ("acprop", acprop),
    ("scale_by_madgrad", scale_by_madgrad),
    ("madgrad", madgrad),
    ("schedule_free", schedule_free),
    ("schedule_free_sgd", schedule_free_sgd),
    ("schedule_free_adamw", schedule_free_adamw),
    ("reduce_on_plateau", reduce_on_plateau),
];

fn scale_by_adopt(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::scale_by_adopt();
    set_args!(a, t; b1: num, b2: num, eps: num, mu_dtype: dtype, nesterov: flag,
        use_clipping: flag);
    a.build(t)
}

fn adopt(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::adopt(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, mu_dtype: dtype, nesterov: flag,
        use_clipping: flag);
    a.build(t)
}

fn scale_by_ademamix(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::scale_by_ademamix();
    set_args!(a, t; b1: num, b2: num, b3: sched, alpha: sched, eps: num, eps_root: num,
        mu_dtype: dtype);
    a.build(t)
}

fn ademamix(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::ademamix(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, b3: sched, alpha: sched, eps: num, eps_root: num,
        mu_dtype: dtype, weight_decay: sched, mask: mask);
    a.build(t)
}

fn scale_by_simplified_ademamix(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::scale_by_simplified_ademamix();
    set_args!(a, t; b1: num, b2: num, alpha: sched, eps: num, eps_root: num);
    a.build(t)
}

fn simplified_ademamix(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::simplified_ademamix(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, alpha: sched, eps: num, eps_root: num,
        weight_decay: sched, mask: mask);
    a.build(t)
}

fn scale_by_acprop(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::scale_by_acprop();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num);
    a.build(t)
}

fn acprop(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::acprop(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, weight_decay: sched,
        mask: mask);
    a.build(t)
}

fn scale_by_madgrad(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::scale_by_madgrad(a.sched_req("learning_rate")?);
    set_args!(a, t; momentum: num, eps: num);
    a.build(t)
}

fn madgrad(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::madgrad(a.sched_req("learning_rate")?);
    set_args!(a, t; momentum: num, weight_decay: sched, eps: num);
    a.build(t)
}

fn schedule_free(a: &mut Args) -> Result<GradientTransformation> {
    let base = a.transform("base_optimizer")?;
    let mut t = contrib::schedule_free(base, a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, weight_lr_power: num, state_dtype: dtype);
    a.build(t)
}

fn schedule_free_sgd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::schedule_free_sgd();
    set_args!(a, t; learning_rate: sched, warmup_steps: int, b1: num, weight_decay: num,
        weight_lr_power: num, state_dtype: dtype);
    a.build(t)
}

fn schedule_free_adamw(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::schedule_free_adamw();
    set_args!(a, t; learning_rate: sched, warmup_steps: int, b1: num, b2: num, eps: num,
        weight_decay: num, weight_lr_power: num, state_dtype: dtype);
    a.build(t)
}

fn reduce_on_plateau(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::reduce_on_plateau();
    set_args!(a, t; factor: num, patience: int, rtol: num, atol: num, cooldown: int,
        accumulation_size: int, min_scale: num);
    a.build(t)
}
