//! The parameters of haiku's `hk.nets.MLP`, which learned_optimization's image tasks and its
//! MLP learned optimizers are made of: layer `l` is `mlp/~/linear_l/{w,b}`, `w` of shape
//! `[fan_in, fan_out]` drawn from a normal truncated at ±2 standard deviations and scaled by
//! `1/√fan_in` (haiku's `Linear` default), `b = 0`.

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::{OptaxError, Result, Tree};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// The paths of layer `l`'s weight and bias.
pub(crate) fn layer_paths(l: usize) -> (String, String) {
    (format!("mlp/~/linear_{l}/w"), format!("mlp/~/linear_{l}/b"))
}

/// Initial parameters of an MLP with layer widths `widths` (input first), drawn from `seed`.
pub(crate) fn init(widths: &[usize], seed: u64, device: &Device) -> Result<Tree> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tree = Tree::builder();
    for (l, pair) in widths.windows(2).enumerate() {
        let (fan_in, fan_out) = (pair[0], pair[1]);
        let scale = 1.0 / (fan_in as f32).sqrt();
        let w: Vec<f32> = (0..fan_in * fan_out)
            .map(|_| loop {
                let x: f32 = StandardNormal.sample(&mut rng);
                if x.abs() <= 2.0 {
                    break x * scale;
                }
            })
            .collect();
        let (pw, pb) = layer_paths(l);
        tree = tree
            .leaf(
                pw,
                Tensor::<2>::from_data(TensorData::new(w, [fan_in, fan_out]), device),
            )
            .leaf(pb, Tensor::<1>::zeros([fan_out], device));
    }
    tree.build()
}

/// The layers of `tree` as `(w [fan_in, fan_out], b [1, fan_out])`, checked against `widths`;
/// a missing or misshapen layer is an error naming it and `owner`.
pub(crate) fn layers(
    tree: &Tree,
    widths: &[usize],
    owner: &str,
) -> Result<Vec<(Tensor<2>, Tensor<2>)>> {
    widths
        .windows(2)
        .enumerate()
        .map(|(l, pair)| {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let (wp, bp) = layer_paths(l);
            let get = |p: &str| {
                tree.get_flat(p).map_err(|_| {
                    OptaxError::state(
                        p,
                        format!("{owner} reads `{p}`; the tree has {:?}", tree.paths()),
                    )
                })
            };
            let (w, b) = (get(&wp)?, get(&bp)?);
            if w.dims()[0] != fan_in * fan_out || b.dims()[0] != fan_out {
                return Err(OptaxError::state(
                    &wp,
                    format!(
                        "{owner}: layer {l} is {fan_in}×{fan_out}; the tree holds {} and {} values",
                        w.dims()[0],
                        b.dims()[0]
                    ),
                ));
            }
            Ok((w.reshape([fan_in, fan_out]), b.reshape([1, fan_out])))
        })
        .collect()
}
