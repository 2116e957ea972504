//! `optax-train`: Optax's quickstart on Burn. See `optax-train --help`.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;
use optax_train::{run_meta, run_quickstart, Command, Config};

fn main() -> ExitCode {
    let config = match Config::try_parse() {
        Ok(config) => config,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line: clap's first line without its `error: ` prefix.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            eprintln!(
                "optax-train: {} (see --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    if let Some(Command::Meta(meta)) = &config.command {
        return match run_meta(meta) {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("optax-train meta: error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match run_quickstart(&config) {
        Ok(report) => {
            if config.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        eprintln!("optax-train: error: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("optax-train: error: {e}");
            ExitCode::FAILURE
        }
    }
}
