//! End to end: the quickstart learns parity on the CPU and on wgpu (where an adapter exists),
//! and both devices compute the same losses.

use std::path::PathBuf;

use optax_train::{run_quickstart_silent, Config, Report};

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("optax-train-tests-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(device: &str, steps: usize, name: &str) -> Report {
    let config = Config {
        device: device.into(),
        steps,
        out: out_dir(name),
        ..Config::default()
    };
    run_quickstart_silent(&config).unwrap_or_else(|e| panic!("{device}: {e}"))
}

/// The wgpu device, or `None` with a message saying why the test is skipped.
fn wgpu_or_skip(test: &str) -> Option<()> {
    match optax_core::device::wgpu() {
        Ok(_) => Some(()),
        Err(e) => {
            eprintln!("skipping {test}: {e}");
            None
        }
    }
}

fn check_learns(report: &Report) {
    let [run1, run2] = &report.runs[..] else {
        panic!("two runs")
    };
    let steps: Vec<usize> = run1.printed.iter().map(|&(s, _)| s).collect();
    assert_eq!(steps, (0..1000).step_by(100).collect::<Vec<_>>());
    assert!(
        run1.last_printed_loss() < 0.05,
        "run 1's last printed loss is {} on {}",
        run1.last_printed_loss(),
        report.device
    );
    assert_eq!(run1.correct, 256, "run 1's accuracy on {}", report.device);
    assert_eq!(run2.correct, 256, "run 2's accuracy on {}", report.device);
    assert!(run1
        .losses
        .iter()
        .chain(&run2.losses)
        .all(|l| l.is_finite()));

    let csv = std::fs::read_to_string(&report.csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("step,run1_loss,run2_loss"));
    assert_eq!(lines.count(), 1000);
    let png = std::fs::read(&report.plot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn cpu_both_runs_learn_parity() {
    check_learns(&run("cpu", 1000, "cpu"));
}

#[test]
fn wgpu_both_runs_learn_parity() {
    if wgpu_or_skip("wgpu_both_runs_learn_parity").is_none() {
        return;
    }
    check_learns(&run("wgpu", 1000, "wgpu"));
}

#[test]
fn cpu_and_wgpu_losses_agree_for_20_steps() {
    if wgpu_or_skip("cpu_and_wgpu_losses_agree_for_20_steps").is_none() {
        return;
    }
    let cpu = run("cpu", 20, "agree-cpu");
    let gpu = run("wgpu", 20, "agree-wgpu");
    for (c, g) in cpu.runs.iter().zip(&gpu.runs) {
        assert_eq!(c.losses.len(), 20);
        for (step, (a, b)) in c.losses.iter().zip(&g.losses).enumerate() {
            let tol = 1e-5 + 1e-4 * a.abs().max(b.abs());
            assert!(
                (a - b).abs() <= tol,
                "{} step {step}: cpu {a} vs wgpu {b} (|diff| {} > {tol})",
                c.name,
                (a - b).abs()
            );
        }
    }
}
