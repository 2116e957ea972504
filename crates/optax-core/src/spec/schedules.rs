//! Spec entries of the schedules (`optax.schedules`): every Optax argument by name.
//! `boundaries_and_scales` is an object from step (a string) to scale; `join_schedules` takes
//! `{"schedules": [spec, ...], "boundaries": [int, ...]}`; `sgdr_schedule` takes
//! `{"cosine_kwargs": [{warmup_cosine_decay_schedule arguments}, ...]}`.

use serde_json::Value;

use super::registry::ScheduleBuilder;
use super::Args;
use crate::error::Result;
use crate::schedules::{self, Schedule};
use crate::set_args;

pub(crate) const SCHEDULES: &[(&str, ScheduleBuilder)] = &[
    ("constant_schedule", constant_schedule),
    ("polynomial_schedule", polynomial_schedule),
    ("linear_schedule", linear_schedule),
    ("piecewise_constant_schedule", piecewise_constant_schedule),
    (
        "piecewise_interpolate_schedule",
        piecewise_interpolate_schedule,
    ),
    ("exponential_decay", exponential_decay),
    ("cosine_decay_schedule", cosine_decay_schedule),
    ("warmup_constant_schedule", warmup_constant_schedule),
    ("warmup_cosine_decay_schedule", warmup_cosine_decay_schedule),
    (
        "warmup_exponential_decay_schedule",
        warmup_exponential_decay_schedule,
    ),
    ("linear_onecycle_schedule", linear_onecycle_schedule),
    ("cosine_onecycle_schedule", cosine_onecycle_schedule),
    ("sgdr_schedule", sgdr_schedule),
    ("join_schedules", join_schedules),
];

fn constant_schedule(a: &mut Args) -> Result<Schedule> {
    let value = a.num_req("value")?;
    a.finish()?;
    Ok(schedules::constant_schedule(value))
}

fn polynomial_schedule(a: &mut Args) -> Result<Schedule> {
    let mut s = schedules::polynomial_schedule(
        a.num_req("init_value")?,
        a.num_req("end_value")?,
        a.num_req("power")?,
        a.int_req("transition_steps")?,
    );
    set_args!(a, s; transition_begin: int);
    a.finish()?;
    Ok(s.build())
}

fn linear_schedule(a: &mut Args) -> Result<Schedule> {
    let mut s = schedules::linear_schedule(
        a.num_req("init_value")?,
        a.num_req("end_value")?,
        a.int_req("transition_steps")?,
    );
    set_args!(a, s; transition_begin: int);
    a.finish()?;
    Ok(s.build())
}

/// `{"<step>": scale, ...}`; `None` when absent or `null`.
fn boundaries_and_scales(a: &mut Args) -> Result<Option<Vec<(i64, f64)>>> {
    let name = "boundaries_and_scales";
    let Some(map) = a.object(name)? else {
        return Ok(None);
    };
    let mut pairs = Vec::with_capacity(map.len());
    for (key, value) in map {
        let step = key
            .trim()
            .parse::<i64>()
            .map_err(|_| a.error(name, format!("key `{key}` is not an integer step")))?;
        let scale = value
            .as_f64()
            .ok_or_else(|| a.error(name, format!("`{key}`: expected a number, found {value}")))?;
        pairs.push((step, scale));
    }
    Ok(Some(pairs))
}

fn piecewise_constant_schedule(a: &mut Args) -> Result<Schedule> {
    let mut s = schedules::piecewise_constant_schedule(a.num_req("init_value")?);
    if let Some(pairs) = boundaries_and_scales(a)? {
        s = s.boundaries_and_scales(pairs);
    }
    a.finish()?;
    s.build().map_err(|e| a.locate(e))
}

fn piecewise_interpolate_schedule(a: &mut Args) -> Result<Schedule> {
    let kind = a
        .text("interpolate_type")?
        .ok_or_else(|| a.error("interpolate_type", "missing required argument"))?;
    let kind = kind
        .parse::<schedules::InterpolateType>()
        .map_err(|e| a.locate(e))?;
    let mut s = schedules::piecewise_interpolate_schedule(kind, a.num_req("init_value")?);
    if let Some(pairs) = boundaries_and_scales(a)? {
        s = s.boundaries_and_scales(pairs);
    }
    a.finish()?;
    s.build().map_err(|e| a.locate(e))
}

fn exponential_decay(a: &mut Args) -> Result<Schedule> {
    let mut s = schedules::exponential_decay(
        a.num_req("init_value")?,
        a.int_req("transition_steps")?,
        a.num_req("decay_rate")?,
    );
    set_args!(a, s; transition_begin: int, staircase: flag, end_value: num);
    a.finish()?;
    Ok(s.build())
}

fn cosine_decay_schedule(a: &mut Args) -> Result<Schedule> {
    let mut s =
        schedules::cosine_decay_schedule(a.num_req("init_value")?, a.int_req("decay_steps")?);
    set_args!(a, s; alpha: num, exponent: num);
    a.finish()?;
    s.build().map_err(|e| a.locate(e))
}

fn warmup_constant_schedule(a: &mut Args) -> Result<Schedule> {
    let s = schedules::warmup_constant_schedule(
        a.num_req("init_value")?,
        a.num_req("peak_value")?,
        a.int_req("warmup_steps")?,
    );
    a.finish()?;
    Ok(s)
}

/// The arguments of `warmup_cosine_decay_schedule` (also one entry of `sgdr_schedule`).
fn warmup_cosine_args(a: &mut Args) -> Result<schedules::WarmupCosineDecaySchedule> {
    let mut s = schedules::warmup_cosine_decay_schedule(
        a.num_req("init_value")?,
        a.num_req("peak_value")?,
        a.int_req("warmup_steps")?,
        a.int_req("decay_steps")?,
    );
    set_args!(a, s; end_value: num, exponent: num);
    a.finish()?;
    Ok(s)
}

fn warmup_cosine_decay_schedule(a: &mut Args) -> Result<Schedule> {
    let s = warmup_cosine_args(a)?;
    s.build().map_err(|e| a.locate(e))
}

fn warmup_exponential_decay_schedule(a: &mut Args) -> Result<Schedule> {
    let mut s = schedules::warmup_exponential_decay_schedule(
        a.num_req("init_value")?,
        a.num_req("peak_value")?,
        a.int_req("warmup_steps")?,
        a.int_req("transition_steps")?,
        a.num_req("decay_rate")?,
    );
    set_args!(a, s; transition_begin: int, staircase: flag, end_value: num);
    a.finish()?;
    Ok(s.build())
}

fn linear_onecycle_schedule(a: &mut Args) -> Result<Schedule> {
    let mut s = schedules::linear_onecycle_schedule(
        a.int_req("transition_steps")?,
        a.num_req("peak_value")?,
    );
    set_args!(a, s; pct_start: num, pct_final: num, div_factor: num, final_div_factor: num);
    a.finish()?;
    s.build().map_err(|e| a.locate(e))
}

fn cosine_onecycle_schedule(a: &mut Args) -> Result<Schedule> {
    let mut s = schedules::cosine_onecycle_schedule(
        a.int_req("transition_steps")?,
        a.num_req("peak_value")?,
    );
    set_args!(a, s; pct_start: num, div_factor: num, final_div_factor: num);
    a.finish()?;
    s.build().map_err(|e| a.locate(e))
}

fn sgdr_schedule(a: &mut Args) -> Result<Schedule> {
    let at = a.at_arg("cosine_kwargs");
    let items = a
        .list("cosine_kwargs")?
        .ok_or_else(|| a.error("cosine_kwargs", "missing required argument"))?;
    let mut cycles = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::Object(map) => cycles.push(warmup_cosine_args(&mut Args::new(format!("{at}[{i}]"), map))?),
            other => {
                return Err(a.error(
                    "cosine_kwargs",
                    format!("[{i}]: expected an object of warmup_cosine_decay_schedule arguments, found {other}"),
                ))
            }
        }
    }
    a.finish()?;
    schedules::sgdr_schedule(cycles).map_err(|e| a.locate(e))
}

fn join_schedules(a: &mut Args) -> Result<Schedule> {
    let at = a.at_arg("schedules");
    let items = a
        .list("schedules")?
        .ok_or_else(|| a.error("schedules", "missing required argument"))?;
    let parts = items
        .iter()
        .enumerate()
        .map(|(i, v)| super::schedule_at(v, &format!("{at}[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    let bounds = a
        .list("boundaries")?
        .ok_or_else(|| a.error("boundaries", "missing required argument"))?;
    let mut boundaries = Vec::with_capacity(bounds.len());
    for (i, v) in bounds.iter().enumerate() {
        let b = match (v.as_i64(), v.as_f64()) {
            (Some(b), _) => b,
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
            _ => {
                return Err(a.error(
                    "boundaries",
                    format!("[{i}]: expected an integer step, found {v}"),
                ))
            }
        };
        boundaries.push(b);
    }
    a.finish()?;
    schedules::join_schedules(parts, &boundaries).map_err(|e| a.locate(e))
}
