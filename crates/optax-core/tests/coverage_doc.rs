//! Keeps `docs/coverage.md` true to the code: every name the spec registry knows is documented
//! as done, and every transformation, combinator, optimizer or schedule documented as done (and
//! not marked as Rust-only) is in the registry.

use optax_core::spec::{schedule_names, transform_names};

/// `(section, symbol, status)` for every symbol of every table row.
fn documented() -> Vec<(String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/coverage.md");
    let text = std::fs::read_to_string(path).expect("docs/coverage.md");
    let mut section = String::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            section = title.to_string();
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || cells[1] == "symbol" || cells[1].starts_with("---") {
            continue;
        }
        for name in cells[1].split(',') {
            // "`partition` (and the deprecated alias ...)": the symbol is the first word.
            let name = name
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches('`');
            if !name.is_empty() {
                rows.push((section.clone(), name.to_string(), cells[2].to_string()));
            }
        }
    }
    rows
}

#[test]
fn every_registered_name_is_documented_as_done() {
    let docs = documented();
    for name in transform_names().into_iter().chain(schedule_names()) {
        if name == "multi_transform" {
            continue; // documented beside `partition`
        }
        match docs.iter().find(|(_, n, _)| n == name) {
            Some((_, _, status)) => assert!(
                status.starts_with("done"),
                "{name} is registered but documented as `{status}`"
            ),
            None => panic!("{name} is registered but missing from docs/coverage.md"),
        }
    }
}

#[test]
fn every_documented_transformation_is_registered() {
    let registered: Vec<&str> = transform_names()
        .into_iter()
        .chain(schedule_names())
        .collect();
    let spec_sections = [
        "Building blocks",
        "Combinators",
        "Optimizers",
        "Schedules",
        "optax.contrib",
    ];
    let mut checked = 0;
    for (section, name, status) in documented() {
        let in_spec_section = spec_sections.iter().any(|s| section.starts_with(s));
        if in_spec_section && status.starts_with("done") && !status.contains("Rust") {
            assert!(
                registered.contains(&name.as_str()),
                "{name} is documented as done but not in the spec registry"
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "only {checked} documented names checked");
}

/// Every name in `optax.losses` of Optax 0.2.8 (`dir(optax.losses)`, public names), and the
/// second-order and Monte Carlo functions: each must be listed in its section of
/// docs/coverage.md, as done or with the reason it is not.
#[test]
fn every_optax_loss_second_order_and_monte_carlo_function_is_listed() {
    const LOSSES: [&str; 32] = [
        "binary_dice_loss",
        "convex_kl_divergence",
        "cosine_distance",
        "cosine_similarity",
        "ctc_loss",
        "ctc_loss_with_forward_probs",
        "dice_loss",
        "generalized_kl_divergence",
        "hinge_loss",
        "huber_loss",
        "kl_divergence",
        "kl_divergence_with_log_targets",
        "l2_loss",
        "log_cosh",
        "make_fenchel_young_loss",
        "multiclass_generalized_dice_loss",
        "multiclass_hinge_loss",
        "multiclass_perceptron_loss",
        "multiclass_sparsemax_loss",
        "ntxent",
        "perceptron_loss",
        "poly_loss_cross_entropy",
        "ranking_softmax_loss",
        "safe_softmax_cross_entropy",
        "sigmoid_binary_cross_entropy",
        "sigmoid_focal_loss",
        "smooth_labels",
        "softmax_cross_entropy",
        "softmax_cross_entropy_with_integer_labels",
        "sparsemax_loss",
        "squared_error",
        "triplet_margin_loss",
    ];
    const SECOND_ORDER: [&str; 3] = ["fisher_diag", "hessian_diag", "hvp"];
    const MONTE_CARLO: [&str; 7] = [
        "control_delta_method",
        "control_variates_jacobians",
        "measure_valued_jacobians",
        "moving_avg_baseline",
        "multi_normal",
        "pathwise_jacobians",
        "score_function_jacobians",
    ];
    let docs = documented();
    for (section, names) in [
        ("Losses", &LOSSES[..]),
        ("Second order", &SECOND_ORDER[..]),
        ("Monte Carlo", &MONTE_CARLO[..]),
    ] {
        for name in names {
            let row = docs
                .iter()
                .find(|(s, n, _)| s.starts_with(section) && n == name)
                .unwrap_or_else(|| panic!("{name} is missing from the {section} section"));
            assert!(!row.2.is_empty(), "{name}: no status");
        }
    }
}
