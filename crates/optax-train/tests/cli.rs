//! The `optax-train` binary: bad options fail with one line and no panic; a short run writes
//! its files; `--json` prints one JSON document; `--help` documents every option.

use std::process::{Command, Output};

fn optax_train(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optax-train"))
        .args(args)
        .output()
        .expect("the optax-train binary runs")
}

/// Exits with `code`, prints exactly one line on stderr containing `needle`, and no panic.
fn fails_with_one_line(args: &[&str], code: i32, needle: &str) {
    let out = optax_train(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: stderr {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    assert!(
        stderr.contains(needle),
        "{args:?}: {stderr:?} does not mention {needle:?}"
    );
    assert!(
        out.stdout.is_empty(),
        "{args:?}: printed {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn unknown_device_is_one_line() {
    fails_with_one_line(&["--device", "tpu"], 1, "unknown device `tpu`");
}

#[test]
fn wgpu_without_adapter_names_the_fix() {
    // Hide every Vulkan driver from the loader; where wgpu still finds an adapter (GL, Metal,
    // DX12), there is nothing to check.
    let out = Command::new(env!("CARGO_BIN_EXE_optax-train"))
        .args(["--device", "wgpu", "--steps", "1", "--quiet", "--out"])
        .arg(std::env::temp_dir().join(format!("optax-train-noadapter-{}", std::process::id())))
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .output()
        .unwrap();
    if out.status.success() {
        eprintln!(
            "skipping wgpu_without_adapter_names_the_fix: wgpu found an adapter without Vulkan"
        );
        return;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        last.contains("no WebGPU adapter") && last.contains("mesa-vulkan-drivers"),
        "{stderr}"
    );
}

#[test]
fn malformed_spec_is_one_line() {
    fails_with_one_line(
        &["--optimizer", r#"{"adam": {"learning_rate": "#],
        1,
        "--optimizer",
    );
    fails_with_one_line(
        &["--optimizer", r#"{"adamm": {"learning_rate": 0.1}}"#],
        1,
        "unknown transformation",
    );
    fails_with_one_line(&["--optimizer", "missing-spec.json"], 1, "no spec file");
}

#[test]
fn zero_batch_size_is_one_line() {
    fails_with_one_line(&["--batch-size", "0"], 2, "must be at least 1");
    fails_with_one_line(&["--steps", "0"], 2, "must be at least 1");
    fails_with_one_line(&["--steps", "many"], 2, "--steps");
    fails_with_one_line(&["--frobnicate"], 2, "--frobnicate");
}

#[test]
fn help_documents_every_option() {
    let out = optax_train(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--device",
        "--optimizer",
        "--steps",
        "--batch-size",
        "--seed",
        "--out",
        "--quiet",
        "--json",
    ] {
        assert!(help.contains(option), "--help does not document {option}");
    }
}

#[test]
fn short_run_writes_results_and_json() {
    let dir = std::env::temp_dir().join(format!("optax-train-cli-{}", std::process::id()));
    let dir_s = dir.to_str().unwrap();
    let spec = r#"{"adam": {"learning_rate": 0.05}}"#;
    let out = optax_train(&[
        "--steps",
        "3",
        "--json",
        "--out",
        dir_s,
        "--optimizer",
        spec,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(report["steps"], 3);
    assert_eq!(report["runs"].as_array().map(Vec::len), Some(2));
    assert!(report["runs"][0]["optimizer"]
        .as_str()
        .unwrap()
        .contains("0.05"));
    assert!(dir.join("losses.csv").is_file());
    assert!(dir.join("loss.png").is_file());

    let out = optax_train(&["--steps", "3", "--out", dir_s]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("step 0, loss: "), "{stdout}");
    assert!(stdout.contains("run 2: accuracy "), "{stdout}");
    assert!(stdout.contains("loss.png"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
