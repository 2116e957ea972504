//! `muon`: Muon for the matrices, AdamW for every other leaf.
//!
//! Jordan, *modded-nanogpt* (2024), <https://github.com/KellerJordan/modded-nanogpt>; Liu et
//! al., *Muon is Scalable for LLM Training* (<https://arxiv.org/abs/2502.16982>) for the
//! consistent-RMS scale.
//!
//! ```text
//! matrices (labels "muon"):  u = -lr · (s · scale_by_muon(g) + wd · p)
//!     s = sqrt(max(1, fan_out / fan_in))                 (consistent_rms = None)
//!     s = sqrt(max(fan_in, fan_out)) · consistent_rms
//! other leaves ("adam"):     adamw(adam_learning_rate or lr, adam_b1, adam_b2, eps,
//!                                  adam_eps_root, adam_weight_decay, nesterov)
//! ```

use burn::tensor::DType;

use super::newton_schulz::{MuonDimensionNumbers, Preconditioning, WeightDimensionNumbers};
use super::scale_by_muon::{scale_by_muon, NsCoeffs};
use crate::alias::adamw;
use crate::alias::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::{partition, Labels, Mask};
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{add_decayed_weights, scale_by_learning_rate};
use crate::tree::Tree;

/// Muon (`optax.contrib.muon`): a `partition` of the leaves labelled `"muon"` (by default the
/// rank-2 leaves) into `chain(scale_by_muon, scale_by_shape, add_decayed_weights,
/// scale_by_learning_rate)` and the others into `adamw`.
///
/// Optax's signature: `muon(learning_rate, ns_coeffs=(3.4445, -4.7750, 2.0315), ns_steps=5,
/// beta=0.95, eps=1e-8, weight_decay=0.0, weight_decay_mask=None, mu_dtype=None, *,
/// nesterov=True, adaptive=False, preconditioning='frobenius', adam_b1=0.9, adam_b2=0.999,
/// adam_eps_root=0.0, adam_weight_decay=0.0, adam_learning_rate=None,
/// muon_weight_dimension_numbers=None, consistent_rms=None)`. A preset name for `ns_coeffs`
/// (`"standard"`, `"dion"`) is [`Muon::ns_coeffs_preset`].
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::muon;
/// use optax_core::{Extra, Transform, Tree};
///
/// let device = Device::flex();
/// let p = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([3], &device))
///     .leaf("w", Tensor::<2>::ones([2, 3], &device))
///     .build()
///     .unwrap();
/// let opt = muon(0.01);
/// let state = opt.init(&p).unwrap();
/// let (u, _) = opt.update(p.clone(), &state, Some(&p), &Extra::none()).unwrap();
/// assert_eq!(u.len(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct Muon {
    pub(crate) learning_rate: Hyper,
    pub(crate) ns_coeffs: NsCoeffs,
    pub(crate) ns_steps: i64,
    pub(crate) beta: Hyper,
    pub(crate) eps: f64,
    pub(crate) weight_decay: Hyper,
    pub(crate) weight_decay_mask: Option<Mask>,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) nesterov: bool,
    pub(crate) adaptive: bool,
    pub(crate) preconditioning: Preconditioning,
    pub(crate) adam_b1: Hyper,
    pub(crate) adam_b2: Hyper,
    pub(crate) adam_eps_root: Hyper,
    pub(crate) adam_weight_decay: Hyper,
    pub(crate) adam_learning_rate: Option<Hyper>,
    pub(crate) muon_weight_dimension_numbers: Option<WeightDimensionNumbers>,
    pub(crate) consistent_rms: Option<f64>,
    built: Built,
}

/// `optax.contrib.muon(learning_rate)` with Optax's defaults.
pub fn muon(learning_rate: impl Into<Hyper>) -> Muon {
    Muon {
        learning_rate: learning_rate.into(),
        ns_coeffs: NsCoeffs::Row(super::newton_schulz::DEFAULT_NS_COEFFS),
        ns_steps: 5,
        beta: 0.95.into(),
        eps: 1e-8,
        weight_decay: 0.0.into(),
        weight_decay_mask: None,
        mu_dtype: None,
        nesterov: true,
        adaptive: false,
        preconditioning: Preconditioning::Frobenius,
        adam_b1: 0.9.into(),
        adam_b2: 0.999.into(),
        adam_eps_root: 0.0.into(),
        adam_weight_decay: 0.0.into(),
        adam_learning_rate: None,
        muon_weight_dimension_numbers: None,
        consistent_rms: None,
        built: Built::default(),
    }
}

/// The coefficients of a preset name (`"standard"`, `"dion"`).
pub fn ns_coeffs_preset(name: &str) -> Result<NsCoeffs> {
    match name {
        "standard" => Ok(NsCoeffs::Row(super::newton_schulz::DEFAULT_NS_COEFFS)),
        "dion" => Ok(NsCoeffs::Table(
            super::newton_schulz::DION_NS_COEFFS.to_vec(),
        )),
        other => Err(OptaxError::invalid(
            "ns_coeffs",
            format!("Unknown ns_coeff preset string: {other}"),
        )),
    }
}

impl Muon {
    alias_setters! {
        /// Newton–Schulz coefficients (a row or a table).
        ns_coeffs: impl Into<NsCoeffs>;
        /// Number of Newton–Schulz steps.
        ns_steps: i64;
        /// Decay of the momentum.
        beta: impl Into<Hyper>;
        /// Added to denominators (Muon's norm and AdamW's).
        eps: f64;
        /// Decoupled weight decay of the Muon leaves.
        weight_decay: impl Into<Hyper>;
        /// Which Muon leaves are decayed.
        weight_decay_mask: Some(impl Into<Mask>);
        /// Sets or clears the weight-decay mask.
        weight_decay_mask_opt(weight_decay_mask: Option<Mask>);
        /// Storage dtype of the momenta.
        mu_dtype: Option<DType>;
        /// Nesterov momentum (Muon and AdamW).
        nesterov: bool;
        /// Dual-norm scaling.
        adaptive: bool;
        /// Preconditioning before the iteration.
        preconditioning: Preconditioning;
        /// AdamW's `b1`.
        adam_b1: impl Into<Hyper>;
        /// AdamW's `b2`.
        adam_b2: impl Into<Hyper>;
        /// AdamW's `eps_root`.
        adam_eps_root: impl Into<Hyper>;
        /// AdamW's weight decay.
        adam_weight_decay: impl Into<Hyper>;
        /// AdamW's learning rate (default: `learning_rate`).
        adam_learning_rate: Some(impl Into<Hyper>);
        /// Which leaves are Muon matrices and how (`None` entries go to AdamW).
        muon_weight_dimension_numbers: Some(WeightDimensionNumbers);
        /// Consistent-RMS scale instead of the width scale.
        consistent_rms: Some(f64);
    }

    /// `ns_coeffs` given by a preset name (`"standard"`, `"dion"`).
    pub fn ns_coeffs_preset(self, name: &str) -> Result<Self> {
        Ok(self.ns_coeffs(ns_coeffs_preset(name)?))
    }

    /// The label of a leaf (`"muon"` or `"adam"`), as Optax's `param_labels`.
    fn label(dims: &Option<WeightDimensionNumbers>, path: &str, shape: &[usize]) -> String {
        match dims {
            None if shape.len() == 2 => "muon".into(),
            None => "adam".into(),
            Some(w) => match w.lookup(path) {
                Ok(Some(_)) => "muon".into(),
                Ok(None) => "adam".into(),
                Err(_) => format!("<no muon_weight_dimension_numbers entry for `{path}`>"),
            },
        }
    }

    /// The transformation Muon stands for.
    pub fn build(&self) -> GradientTransformation {
        let dims = self.muon_weight_dimension_numbers.clone();
        let resolved = dims
            .clone()
            .unwrap_or(WeightDimensionNumbers::All(MuonDimensionNumbers::default()));
        let scaling = scale_by_muon()
            .ns_coeffs(self.ns_coeffs.clone())
            .ns_steps(self.ns_steps)
            .beta(self.beta.clone())
            .eps(self.eps)
            .mu_dtype(self.mu_dtype)
            .nesterov(self.nesterov)
            .adaptive(self.adaptive)
            .preconditioning(self.preconditioning)
            .weight_dimension_numbers(Some(resolved.clone()));
        let shape_scale = ScaleByShape {
            weight_dimension_numbers: resolved,
            consistent_rms: self.consistent_rms,
        };
        let muon_chain = GradientTransformation::new(chain![
            scaling,
            shape_scale,
            add_decayed_weights(self.weight_decay.clone())
                .mask_opt(self.weight_decay_mask.clone().map(subset_mask)),
            scale_by_learning_rate(self.learning_rate.clone()),
        ]);
        let adam = adamw(
            self.adam_learning_rate
                .clone()
                .unwrap_or_else(|| self.learning_rate.clone()),
        )
        .b1(self.adam_b1.clone())
        .b2(self.adam_b2.clone())
        .eps(self.eps)
        .eps_root(self.adam_eps_root.clone())
        .weight_decay(self.adam_weight_decay.clone())
        .mu_dtype(self.mu_dtype)
        .nesterov(self.nesterov);
        let labels = Labels::by(move |path, shape| Self::label(&dims, path, shape));
        GradientTransformation::new(partition(
            vec![
                ("muon".to_string(), muon_chain),
                ("adam".to_string(), GradientTransformation::new(adam)),
            ],
            labels,
        ))
    }

    fn check(&self) -> Result<()> {
        if let Some(c) = self.consistent_rms {
            if !c.is_finite() {
                return Err(OptaxError::invalid("consistent_rms", "must be finite"));
            }
        }
        Ok(())
    }
}

alias_transform!(Muon);

/// A mask of the whole tree, usable on the subset of Muon leaves: a per-path mask becomes a
/// function of the path (the longest covering entry; `false` where none covers), since the
/// Muon chain sees only its own leaves while Optax's mask names them all.
fn subset_mask(mask: Mask) -> Mask {
    match mask {
        Mask::Map(pairs) => Mask::Fn(std::sync::Arc::new(move |path: &str, _: &[usize]| {
            pairs
                .iter()
                .filter(|(k, _)| {
                    path == k || (path.starts_with(k.as_str()) && path[k.len()..].starts_with('.'))
                })
                .max_by_key(|(k, _)| k.len())
                .map(|(_, v)| *v)
                .unwrap_or(false)
        })),
        other => other,
    }
}

/// Muon's width scale (Optax's `scale_by_shape`, not exported by Optax's `contrib`):
/// stateless, `s·u` per leaf with `s` from the leaf's fan-in and fan-out.
#[derive(Clone, Debug)]
pub(crate) struct ScaleByShape {
    weight_dimension_numbers: WeightDimensionNumbers,
    consistent_rms: Option<f64>,
}

impl Transform for ScaleByShape {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let mut scales = Vec::with_capacity(updates.len());
        for (path, shape, _) in updates.iter() {
            let dims = self
                .weight_dimension_numbers
                .lookup(path)?
                .cloned()
                .unwrap_or_default();
            let (fan_in, fan_out) = dims.fans(shape);
            // Float32 as Optax computes it: `jnp.sqrt` of a weakly typed value.
            let s = match self.consistent_rms {
                None => ((fan_out as f64 / fan_in as f64).max(1.0) as f32).sqrt(),
                Some(c) => (fan_in.max(fan_out) as f32).sqrt() * c as f32,
            };
            scales.push(s as f64);
        }
        let mut i = 0;
        let out = updates.map(|u| {
            let s = scales[i];
            i += 1;
            u.mul_scalar(s)
        });
        Ok((out, State::Empty))
    }
}
