//! Size and save/load time of an AdamW state in the two checkpoint forms: Burn's burnpack
//! (`State::save` / `State::load`) and JSON (`State::to_json` / `State::from_json`).
//!
//! ```sh
//! cargo run --release -p optax-core --example checkpoint_formats -- [PARAMS] [DIR]
//! ```
//!
//! `PARAMS` (default 124000000, GPT-2 small) parameters are split into leaves of at most
//! 4 Mi elements, filled with normal noise, and AdamW takes one step so that both moments hold
//! non-trivial float32 values (a zero-filled state would flatter JSON). The files go to `DIR`
//! (default: the system's temporary folder) and are removed afterwards. Each load is checked
//! bit for bit against the saved state. Results are in `docs/checkpoints.md`.

use std::time::Instant;

use burn::tensor::{Device, Distribution, Tensor};
use optax_core::{adamw, State, Tree};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(124_000_000);
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let device = Device::flex();

    let chunk = 4 << 20;
    let mut builder = Tree::builder();
    let mut left = n;
    let mut i = 0;
    while left > 0 {
        let m = left.min(chunk);
        builder = builder.leaf(
            format!("layer{i}.weight"),
            Tensor::<1>::random([m], Distribution::Normal(0.0, 1.0), &device),
        );
        left -= m;
        i += 1;
    }
    let params = builder.build()?;
    let opt = adamw(1e-3).build();
    let mut state = opt.init(&params)?;
    let grads = params.map(|p| p.mul_scalar(0.01));
    opt.update_in_place(grads, &mut state, Some(&params), &Default::default())?;
    let template = opt.init(&params)?;
    println!(
        "AdamW state of {n} parameters ({i} leaves), {} floats",
        2 * n
    );

    let bpk = dir.join("optax-checkpoint-formats.bpk");
    let t = Instant::now();
    state.save(&bpk)?;
    let save_bpk = t.elapsed().as_secs_f64();
    let size_bpk = std::fs::metadata(&bpk)?.len();
    let t = Instant::now();
    let loaded = State::load(&bpk, &template, &device)?;
    let load_bpk = t.elapsed().as_secs_f64();
    let same_bpk = loaded.to_record()? == state.to_record()?;
    std::fs::remove_file(&bpk)?;
    drop(loaded);

    let json_path = dir.join("optax-checkpoint-formats.json");
    let t = Instant::now();
    std::fs::write(&json_path, state.to_json()?)?;
    let save_json = t.elapsed().as_secs_f64();
    let size_json = std::fs::metadata(&json_path)?.len();
    let t = Instant::now();
    let loaded = State::from_json(&std::fs::read_to_string(&json_path)?, &template, &device)?;
    let load_json = t.elapsed().as_secs_f64();
    let same_json = loaded.to_record()? == state.to_record()?;
    std::fs::remove_file(&json_path)?;

    let mb = |b: u64| b as f64 / 1e6;
    println!("| form | size (MB) | save (s) | load (s) | loads back bit for bit |");
    println!("|---|---|---|---|---|");
    println!(
        "| burnpack (`State::save`) | {:.1} | {save_bpk:.2} | {load_bpk:.2} | {same_bpk} |",
        mb(size_bpk)
    );
    println!(
        "| JSON (`State::to_json`) | {:.1} | {save_json:.2} | {load_json:.2} | {same_json} |",
        mb(size_json)
    );
    println!(
        "burnpack is {:.2}x the raw float32 size; JSON is {:.2}x burnpack's size",
        size_bpk as f64 / (8.0 * n as f64),
        size_json as f64 / size_bpk as f64
    );
    Ok(())
}
