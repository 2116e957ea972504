//! The names a spec may use, each with the function that reads its arguments.

use serde_json::Value;

use super::Args;
use crate::error::{OptaxError, Result};
use crate::schedules::Schedule;
use crate::transform::GradientTransformation;

/// Reads the arguments of a transformation or alias and builds it.
pub(crate) type TransformBuilder = fn(&mut Args) -> Result<GradientTransformation>;
/// Reads the arguments of a schedule and builds it.
pub(crate) type ScheduleBuilder = fn(&mut Args) -> Result<Schedule>;

/// The tables of transformations and aliases, one per family, each in its own file.
const TRANSFORM_TABLES: &[&[(&str, TransformBuilder)]] = &[
    super::combinators::TRANSFORMS,
    super::elementary::TRANSFORMS,
    super::clipping::TRANSFORMS,
    super::normalization::TRANSFORMS,
    super::constraints::TRANSFORMS,
    super::accumulation::TRANSFORMS,
    super::sgd::TRANSFORMS,
    super::sign::TRANSFORMS,
    super::adam::TRANSFORMS,
    super::adam_variants::TRANSFORMS,
    super::rms_adagrad::TRANSFORMS,
    super::memory_efficient::TRANSFORMS,
    super::layerwise::TRANSFORMS,
    super::step_size::TRANSFORMS,
    super::optimistic::TRANSFORMS,
    super::wrappers::TRANSFORMS,
    super::inject::TRANSFORMS,
    super::lbfgs::TRANSFORMS,
];
/// The tables of `optax.contrib`: their names are accepted bare (`muon`) and with the
/// `contrib.` prefix (`contrib.muon`).
const CONTRIB_TABLES: &[&[(&str, TransformBuilder)]] = &[
    super::contrib_adam_family::TRANSFORMS,
    super::contrib_lr_free::TRANSFORMS, // prodigy, dadapt_adamw, cocob, dog, dowg, mechanize, momo
    super::contrib_privacy::TRANSFORMS,
    super::contrib_matrix::TRANSFORMS,
];
const SCHEDULE_TABLES: &[&[(&str, ScheduleBuilder)]] = &[super::schedules::SCHEDULES];

pub(crate) fn transform(name: &str) -> Option<TransformBuilder> {
    if let Some(bare) = name.strip_prefix("contrib.") {
        return CONTRIB_TABLES
            .iter()
            .flat_map(|t| t.iter())
            .find(|(n, _)| *n == bare)
            .map(|(_, b)| *b);
    }
    TRANSFORM_TABLES
        .iter()
        .chain(CONTRIB_TABLES)
        .flat_map(|t| t.iter())
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
}

pub(crate) fn schedule(name: &str) -> Option<ScheduleBuilder> {
    SCHEDULE_TABLES
        .iter()
        .flat_map(|t| t.iter())
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
}

/// Every transformation and alias name a spec may use.
pub fn transform_names() -> Vec<&'static str> {
    TRANSFORM_TABLES
        .iter()
        .chain(CONTRIB_TABLES)
        .flat_map(|t| t.iter().map(|(n, _)| *n))
        .collect()
}

/// Every schedule name a spec may use.
pub fn schedule_names() -> Vec<&'static str> {
    SCHEDULE_TABLES
        .iter()
        .flat_map(|t| t.iter().map(|(n, _)| *n))
        .collect()
}

/// `{"chain": [spec, ...]}` and `{"named_chain": [["name", spec], ...]}`.
pub(crate) fn chain_list(name: &str, items: &[Value], at: &str) -> Result<GradientTransformation> {
    if name == "chain" {
        let members = items
            .iter()
            .enumerate()
            .map(|(i, v)| super::transform_at(v, &format!("{at}[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        return Ok(GradientTransformation::new(crate::combine::chain(members)));
    }
    let mut members = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let place = format!("{at}[{i}]");
        match item.as_array().map(Vec::as_slice) {
            Some([Value::String(n), spec]) => {
                members.push((n.clone(), super::transform_at(spec, &place)?))
            }
            _ => {
                return Err(OptaxError::Spec {
                    at: place,
                    reason: "expected a pair [\"name\", spec]".into(),
                })
            }
        }
    }
    let t = crate::combine::named_chain(members);
    crate::Transform::validate(&t).map_err(|e| OptaxError::Spec {
        at: at.to_string(),
        reason: e.to_string(),
    })?;
    Ok(GradientTransformation::new(t))
}
