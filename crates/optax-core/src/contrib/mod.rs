//! `optax.contrib`: the newer optimizers Optax keeps outside its core (Muon, Schedule-Free,
//! Prodigy, D-Adaptation, COCOB, ADOPT, AdEMAMix, ACProp, MADGRAD, DoG, DoWG, Mechanic, MoMo,
//! reduce-on-plateau, SAM, Sophia, GaLore), with Optax's names, arguments and defaults.
//!
//! Every name here is also a spec name, bare (`{"muon": {..}}`) or with the `contrib.` prefix
//! (`{"contrib.muon": {..}}`). `docs/coverage.md` lists each one with its status.

mod privacy;
pub use privacy::{
    differentially_private_aggregate, dpsgd, DifferentiallyPrivateAggregate, Dpsgd,
};
