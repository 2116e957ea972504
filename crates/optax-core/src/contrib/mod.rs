//! `optax.contrib`: the newer optimizers Optax keeps outside its core (Muon, Schedule-Free,
//! Prodigy, D-Adaptation, COCOB, ADOPT, AdEMAMix, ACProp, MADGRAD, DoG, DoWG, Mechanic, MoMo,
//! reduce-on-plateau, SAM, Sophia, GaLore), with Optax's names, arguments and defaults.
//!
//! Every name here is also a spec name, bare (`{"muon": {..}}`) or with the `contrib.` prefix
//! (`{"contrib.muon": {..}}`). `docs/coverage.md` lists each one with its status.

mod acprop;
mod ademamix;
mod adopt;
mod madgrad;
mod reduce_on_plateau;
mod schedule_free;
mod schedule_free_adamw;
mod schedule_free_sgd;
mod simplified_ademamix;

pub use acprop::{acprop, scale_by_acprop, Acprop, ScaleByAcprop};
pub use ademamix::{ademamix, scale_by_ademamix, Ademamix, ScaleByAdemamix};
pub use adopt::{adopt, scale_by_adopt, Adopt, ClipValueFn, ScaleByAdopt};
pub use madgrad::{madgrad, scale_by_madgrad, Madgrad, ScaleByMadgrad};
pub use reduce_on_plateau::{reduce_on_plateau, ReduceOnPlateau};
pub use schedule_free::{schedule_free, schedule_free_eval_params, ScheduleFree};
pub use schedule_free_adamw::{schedule_free_adamw, ScheduleFreeAdamW};
pub use schedule_free_sgd::{schedule_free_sgd, ScheduleFreeSgd};
pub use simplified_ademamix::{
    scale_by_simplified_ademamix, simplified_ademamix, ScaleBySimplifiedAdemamix,
    SimplifiedAdemamix,
};
// Learning-rate-free optimizers.
pub mod cocob;
mod common;
pub mod dadapt_adamw;
pub mod dog;
pub mod dowg;
pub mod mechanize;
pub mod momo;
pub mod momo_adam;
pub mod prodigy;
pub mod scale_by_cocob;
pub mod scale_by_dog;
pub mod scale_by_dowg;
pub use cocob::{cocob, Cocob};
pub use dadapt_adamw::{dadapt_adamw, DAdaptAdamW};
pub use dog::{dog, Dog};
pub use dowg::{dowg, Dowg};
pub use mechanize::{mechanize, Mechanize};
pub use momo::{momo, Momo};
pub use momo_adam::{momo_adam, MomoAdam};
pub use prodigy::{prodigy, Prodigy};
pub use scale_by_cocob::{scale_by_cocob, ScaleByCocob};
pub use scale_by_dog::{scale_by_dog, ScaleByDog};
pub use scale_by_dowg::{scale_by_dowg, ScaleByDowg};
mod privacy;
pub use privacy::{differentially_private_aggregate, dpsgd, DifferentiallyPrivateAggregate, Dpsgd};
mod galore;
mod hutchinson_estimator;
mod muon;
mod newton_schulz;
mod normalize;
mod sam;
mod scale_by_muon;
mod sophia;
mod symmetric_eigen;

pub use galore::{galore, scale_by_galore, GaLoreDimensionNumbers, Galore, ScaleByGalore};
pub use hutchinson_estimator::{
    hutchinson_estimator_diag_hessian, HutchinsonEstimatorDiagHessian, ObjGradFn,
};
pub use muon::{muon, ns_coeffs_preset, Muon};
pub use newton_schulz::{
    MuonDimensionNumbers, Preconditioning, WeightDimensionNumbers, DEFAULT_NS_COEFFS,
    DION_NS_COEFFS,
};
pub use normalize::{normalize, Normalize};
pub use sam::{sam, Sam, SamGradFn};
pub use scale_by_muon::{scale_by_muon, NsCoeffs, ScaleByMuon};
pub use sophia::{scale_by_sophia, sophia, ScaleBySophia, Sophia};
