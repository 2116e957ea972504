//! Saving and loading meta-parameters: `theta` as an optax-core [`State`] checkpoint (Burn's
//! burnpack format, written atomically; see optax-core's `checkpoint`), so a meta-training run
//! can be resumed or its learned optimizer used elsewhere.

use std::path::Path;

use burn::tensor::Device;
use optax_core::{Result, State, Tree};

use crate::learned_optimizer::LearnedOptimizer;

/// Writes `theta` to `path` (atomically: a crash leaves any previous file intact).
pub fn save_theta(theta: &Tree, path: impl AsRef<Path>) -> Result<()> {
    State::Tree(theta.inner()).save(path)
}

/// Reads the `theta` of `lopt` from `path`, on `device`: a file of another learned optimizer
/// (other leaves or shapes) is an error naming the mismatch.
///
/// ```
/// use burn::tensor::Device;
/// use optax_learned::{load_theta, save_theta, LearnableAdam, LearnableSgd, LearnedOptimizer};
///
/// let device = Device::flex();
/// let path = std::env::temp_dir().join(format!("theta-doc-{}.bpk", std::process::id()));
/// let theta = LearnableAdam::default().init(0, &device)?;
/// save_theta(&theta, &path)?;
/// let back = load_theta(&path, &LearnableAdam::default(), &device)?;
/// assert_eq!(back.to_vecs()?, theta.to_vecs()?);
/// assert!(load_theta(&path, &LearnableSgd::default(), &device).is_err());
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn load_theta(
    path: impl AsRef<Path>,
    lopt: &dyn LearnedOptimizer,
    device: &Device,
) -> Result<Tree> {
    let template = State::Tree(lopt.init(0, device)?);
    Ok(State::load(path, &template, device)?.as_tree()?.clone())
}
