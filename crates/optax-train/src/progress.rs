//! Console output: the quickstart's `step {i}, loss: {v}` lines on stdout and, when stderr is a
//! terminal, a one-line progress bar on stderr that the lines scroll past.
//!
//! The bar redraws itself at most every 80 ms and never reads the device, so it costs the
//! training loop nothing.
//!
//! Not `indicatif`: it turns on `portable-atomic/default` (its `fallback`), a crate Burn's tree
//! (cubecl-ir, spin) is built with under other features, so Burn would be compiled a second time;
//! see docs/quickstart.md.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Where the human-readable output goes.
pub(crate) struct Console {
    /// Print the step lines and the summaries.
    lines: bool,
    /// Draw a progress bar (stderr is a terminal and output is not quiet).
    bar: Option<Bar>,
}

struct Bar {
    label: String,
    total: usize,
    done: usize,
    start: Instant,
    last_draw: Option<Instant>,
    drawn: bool,
}

impl Console {
    /// `lines`: print step lines and summaries; `bar`: a progress bar where stderr is a
    /// terminal.
    pub(crate) fn new(lines: bool, bar: bool) -> Self {
        let bar = (bar && std::io::stderr().is_terminal()).then(|| Bar {
            label: String::new(),
            total: 0,
            done: 0,
            start: Instant::now(),
            last_draw: None,
            drawn: false,
        });
        Self { lines, bar }
    }

    /// A console that prints nothing.
    pub(crate) fn silent() -> Self {
        Self {
            lines: false,
            bar: None,
        }
    }

    /// Prints a line on stdout (the bar, if any, is cleared first and drawn again after).
    pub(crate) fn line(&mut self, text: &str) {
        if !self.lines {
            return;
        }
        self.clear_bar();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
        drop(out);
        self.draw_bar(true);
    }

    /// Starts a bar of `total` steps.
    pub(crate) fn start(&mut self, label: &str, total: usize) {
        if let Some(bar) = &mut self.bar {
            bar.label = label.to_string();
            bar.total = total;
            bar.done = 0;
            bar.start = Instant::now();
            bar.last_draw = None;
        }
        self.draw_bar(true);
    }

    /// Marks `done` steps as done.
    pub(crate) fn tick(&mut self, done: usize) {
        if let Some(bar) = &mut self.bar {
            bar.done = done;
        }
        self.draw_bar(false);
    }

    /// Removes the bar.
    pub(crate) fn finish(&mut self) {
        self.clear_bar();
    }

    fn clear_bar(&mut self) {
        if let Some(bar) = &mut self.bar {
            if bar.drawn {
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
                bar.drawn = false;
            }
        }
    }

    fn draw_bar(&mut self, force: bool) {
        let Some(bar) = &mut self.bar else { return };
        if bar.total == 0 {
            return;
        }
        let now = Instant::now();
        if !force
            && bar
                .last_draw
                .is_some_and(|t| now - t < Duration::from_millis(80))
            && bar.done < bar.total
        {
            return;
        }
        bar.last_draw = Some(now);
        const WIDTH: usize = 30;
        let filled = WIDTH * bar.done / bar.total;
        let secs = bar.start.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            bar.done as f64 / secs
        } else {
            0.0
        };
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2K{} [{}{}] {}/{} {:.0} steps/s",
            bar.label,
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            bar.done,
            bar.total,
            rate
        );
        bar.drawn = true;
    }
}
