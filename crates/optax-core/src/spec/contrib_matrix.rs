//! Spec entries of `optax.contrib`'s matrix and curvature optimizers: Muon (`muon`,
//! `scale_by_muon`), SAM (`sam`, `normalize`), Sophia (`sophia`,
//! `hutchinson_estimator_diag_hessian`), GaLore (`galore`, `scale_by_galore`).
//!
//! Dimension numbers (`muon_weight_dimension_numbers`, `weight_dimension_numbers`) are
//! `{"reduction_axis": a, "output_axis": b}` (ints or lists of ints) for every leaf, or an
//! object from leaf path (or prefix) to such an object or `null` (not a Muon matrix).
//! `ns_coeffs` is `[a, b, c]`, a list of such rows, or (for `muon`) a preset name.

use serde_json::{Map, Value};

use super::registry::TransformBuilder;
use super::Args;
use crate::contrib::{
    self, MuonDimensionNumbers, NsCoeffs, Preconditioning, WeightDimensionNumbers,
};
use crate::error::Result;
use crate::set_args;
use crate::transform::GradientTransformation;

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("muon", muon),
    ("scale_by_muon", scale_by_muon),
    ("sam", sam),
    ("normalize", normalize),
    ("sophia", sophia),
    (
        "hutchinson_estimator_diag_hessian",
        hutchinson_estimator_diag_hessian,
    ),
    ("galore", galore),
    ("scale_by_galore", scale_by_galore),
];

fn coeff_row(v: &Value) -> Option<[f64; 3]> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b, c]) => Some([a.as_f64()?, b.as_f64()?, c.as_f64()?]),
        _ => None,
    }
}

fn ns_coeffs(a: &mut Args, presets: bool) -> Result<Option<NsCoeffs>> {
    match a.raw("ns_coeffs") {
        None => Ok(None),
        Some(Value::String(s)) if presets => contrib::ns_coeffs_preset(s)
            .map(Some)
            .map_err(|e| a.error("ns_coeffs", e.to_string())),
        Some(v) => {
            if let Some(r) = coeff_row(v) {
                return Ok(Some(NsCoeffs::Row(r)));
            }
            let rows: Option<Vec<[f64; 3]>> =
                v.as_array().and_then(|l| l.iter().map(coeff_row).collect());
            match rows {
                Some(r) if !r.is_empty() => Ok(Some(NsCoeffs::Table(r))),
                _ => Err(a.error(
                    "ns_coeffs",
                    "expected [a, b, c], a list of such rows, or a preset name",
                )),
            }
        }
    }
}

fn axes(v: &Value) -> Option<Vec<i64>> {
    match v {
        Value::Number(n) => Some(vec![n.as_i64()?]),
        Value::Array(l) => l.iter().map(Value::as_i64).collect(),
        _ => None,
    }
}

fn dim_nums(m: &Map<String, Value>) -> Option<MuonDimensionNumbers> {
    if m.keys()
        .any(|k| k != "reduction_axis" && k != "output_axis")
    {
        return None;
    }
    let d = MuonDimensionNumbers::default();
    Some(MuonDimensionNumbers::new(
        match m.get("reduction_axis") {
            Some(v) => axes(v)?,
            None => d.reduction_axis,
        },
        match m.get("output_axis") {
            Some(v) => axes(v)?,
            None => d.output_axis,
        },
    ))
}

fn weight_dims(a: &mut Args, name: &str) -> Result<Option<WeightDimensionNumbers>> {
    let bad = "expected {\"reduction_axis\": .., \"output_axis\": ..} or an object from leaf \
               paths to such objects or null";
    match a.raw(name) {
        None => Ok(None),
        Some(Value::Object(m)) => {
            let is_single = !m.is_empty()
                && m.keys()
                    .all(|k| k == "reduction_axis" || k == "output_axis");
            if is_single {
                return dim_nums(m)
                    .map(|d| Some(WeightDimensionNumbers::All(d)))
                    .ok_or_else(|| a.error(name, bad));
            }
            let mut entries = Vec::with_capacity(m.len());
            for (path, v) in m {
                let d = match v {
                    Value::Null => None,
                    Value::Object(o) => {
                        Some(dim_nums(o).ok_or_else(|| a.error(name, format!("`{path}`: {bad}")))?)
                    }
                    _ => return Err(a.error(name, format!("`{path}`: {bad}"))),
                };
                entries.push((path.clone(), d));
            }
            Ok(Some(WeightDimensionNumbers::PerPath(entries)))
        }
        Some(_) => Err(a.error(name, bad)),
    }
}

fn preconditioning(a: &mut Args) -> Result<Option<Preconditioning>> {
    match a.text("preconditioning")? {
        None => Ok(None),
        Some(s) => Preconditioning::from_name(&s)
            .map(Some)
            .map_err(|e| a.error("preconditioning", e.to_string())),
    }
}

fn scale_by_muon(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::scale_by_muon();
    if let Some(c) = ns_coeffs(a, false)? {
        t = t.ns_coeffs(c);
    }
    set_args!(a, t; ns_steps: int, beta: num, eps: num, mu_dtype: dtype, nesterov: flag,
        adaptive: flag);
    if let Some(p) = preconditioning(a)? {
        t = t.preconditioning(p);
    }
    if let Some(w) = weight_dims(a, "weight_dimension_numbers")? {
        t = t.weight_dimension_numbers(Some(w));
    }
    a.build(t)
}

fn muon(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::muon(a.sched_req("learning_rate")?);
    if let Some(c) = ns_coeffs(a, true)? {
        t = t.ns_coeffs(c);
    }
    set_args!(a, t; ns_steps: int, beta: num, eps: num, weight_decay: sched,
        weight_decay_mask: mask, mu_dtype: dtype, nesterov: flag, adaptive: flag);
    if let Some(p) = preconditioning(a)? {
        t = t.preconditioning(p);
    }
    set_args!(a, t; adam_b1: num, adam_b2: num, adam_eps_root: num, adam_weight_decay: sched,
        adam_learning_rate: sched, consistent_rms: num);
    if let Some(w) = weight_dims(a, "muon_weight_dimension_numbers")? {
        t = t.muon_weight_dimension_numbers(w);
    }
    a.build(t)
}

/// `optimizer` and `adv_optimizer` are nested specs; `batch_axis_name` is accepted (a string
/// or null) and unused on one device.
fn sam(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::sam(a.transform("optimizer")?, a.transform("adv_optimizer")?);
    set_args!(a, t; sync_period: int, reset_state: flag, opaque_mode: flag);
    if let Some(s) = a.text("batch_axis_name")? {
        t = t.batch_axis_name(Some(s));
    }
    a.build(t)
}

fn normalize(a: &mut Args) -> Result<GradientTransformation> {
    a.build(contrib::normalize())
}

/// `random_seed` is an integer seed (Optax takes a JAX key).
fn hutchinson_estimator_diag_hessian(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::hutchinson_estimator_diag_hessian();
    if let Some(s) = a.int("random_seed")? {
        t = t.random_seed(Some(s));
    }
    a.build(t)
}

/// `hessian_diagonal_fn` is a nested spec (default `hutchinson_estimator_diag_hessian`);
/// `clip_threshold: null` disables clipping.
fn sophia(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::sophia(a.sched_req("learning_rate")?);
    set_args!(a, t; weight_decay: sched, weight_decay_mask: mask);
    let mut s = contrib::scale_by_sophia();
    set_args!(a, s; b1: num, b2: num, eps: num, gamma: num, update_interval: int,
        mu_dtype: dtype, verbose: flag, print_win_rate_every_n_steps: int);
    if a.is_null("clip_threshold") {
        s = s.clip_threshold_opt(None);
    }
    if let Some(c) = a.num("clip_threshold")? {
        s = s.clip_threshold(c);
    }
    if a.raw("hessian_diagonal_fn").is_some() {
        s = s.hessian_diagonal_fn(a.transform("hessian_diagonal_fn")?);
    }
    t = t.with_scaling(|_| s);
    a.build(t)
}

/// `base_optimizer` is a nested spec (default `scale_by_adam`); `weight_dimension_numbers`
/// as Muon's (GaLore's dimension numbers have the same two fields).
fn scale_by_galore(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::scale_by_galore();
    set_args!(a, t; rank: int, update_proj_gap: int, scale: num);
    if a.raw("base_optimizer").is_some() {
        t = t.base_optimizer(Some(a.transform("base_optimizer")?));
    }
    if let Some(w) = weight_dims(a, "weight_dimension_numbers")? {
        t = t.weight_dimension_numbers(Some(w));
    }
    a.build(t)
}

fn galore(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::galore(a.sched_req("learning_rate")?);
    set_args!(a, t; rank: int, update_proj_gap: int, scale: num, weight_decay: sched,
        mask: mask);
    if a.raw("base_optimizer").is_some() {
        t = t.base_optimizer(Some(a.transform("base_optimizer")?));
    }
    if let Some(w) = weight_dims(a, "weight_dimension_numbers")? {
        t = t.weight_dimension_numbers(Some(w));
    }
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"muon": {"learning_rate": 0.1, "ns_coeffs": "dion", "ns_steps": 5,
                "beta": 0.9, "eps": 1e-8, "weight_decay": 0.1, "weight_decay_mask": null,
                "mu_dtype": null, "nesterov": false, "adaptive": true,
                "preconditioning": "aol", "adam_b1": 0.8, "adam_b2": 0.99,
                "adam_eps_root": 0.0, "adam_weight_decay": 0.01, "adam_learning_rate": 0.05,
                "muon_weight_dimension_numbers": {"c": {"reduction_axis": 0, "output_axis": 1},
                    "b": null},
                "consistent_rms": 0.2}}),
            json!({"contrib.muon": {"learning_rate": 0.1, "ns_coeffs": [3.0, -4.0, 2.0]}}),
            json!({"scale_by_muon": {"ns_coeffs": [[3.0, -4.0, 2.0], [3.0, -4.0, 2.0]],
                "ns_steps": 2, "preconditioning": "schatten",
                "weight_dimension_numbers": {"reduction_axis": [1], "output_axis": [2]}}}),
            json!({"sam": {"optimizer": {"sgd": {"learning_rate": 0.1}},
                "adv_optimizer": {"chain": [{"normalize": {}}, {"sgd": {"learning_rate": 0.05}}]},
                "sync_period": 3, "reset_state": false, "opaque_mode": false,
                "batch_axis_name": null}}),
            json!({"sophia": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.99, "eps": 1e-8,
                "weight_decay": 0.0, "weight_decay_mask": null, "gamma": 0.05,
                "clip_threshold": null, "update_interval": 5,
                "hessian_diagonal_fn": {"hutchinson_estimator_diag_hessian": {"random_seed": 3}},
                "mu_dtype": null, "verbose": false, "print_win_rate_every_n_steps": 0}}),
            json!({"galore": {"learning_rate": 0.1, "rank": 2, "update_proj_gap": 5,
                "scale": 0.5, "base_optimizer": {"scale_by_adam": {"b1": 0.8}},
                "weight_decay": 0.01, "mask": null, "weight_dimension_numbers": null}}),
            json!({"contrib.scale_by_galore": {"rank": 2,
                "weight_dimension_numbers": {"reduction_axis": 0, "output_axis": [1, 2]}}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"muon": {}}), "muon.learning_rate"),
            (
                json!({"muon": {"learning_rate": 0.1, "ns_coeffs": "nope"}}),
                "muon.ns_coeffs",
            ),
            (
                json!({"scale_by_muon": {"preconditioning": "qr"}}),
                "scale_by_muon.preconditioning",
            ),
            (
                json!({"scale_by_muon": {"ns_coeffs": [1.0, 2.0]}}),
                "scale_by_muon.ns_coeffs",
            ),
            (
                json!({"sam": {"optimizer": {"sgd": {"learning_rate": 0.1}}}}),
                "sam.adv_optimizer",
            ),
            (
                json!({"sam": {"optimizer": {"sgd": {"learning_rate": 0.1}},
                    "adv_optimizer": {"sgd": {"learning_rate": 0.1}}, "sync_period": 0}}),
                "sam.sync_period",
            ),
            (
                json!({"sophia": {"learning_rate": 0.1, "update_interval": 0}}),
                "sophia.update_interval",
            ),
            (
                json!({"galore": {"learning_rate": 0.1, "rank": 0}}),
                "galore.rank",
            ),
        ]);
    }
}
