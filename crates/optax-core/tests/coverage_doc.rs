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
    let spec_sections = ["Building blocks", "Combinators", "Optimizers", "Schedules"];
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
