//! `optax.contrib`: the newer optimizers Optax keeps outside its core (Muon, Schedule-Free,
//! Prodigy, D-Adaptation, COCOB, ADOPT, AdEMAMix, ACProp, MADGRAD, DoG, DoWG, Mechanic, MoMo,
//! reduce-on-plateau, SAM, Sophia, GaLore), with Optax's names, arguments and defaults.
//!
//! Every name here is also a spec name, bare (`{"muon": {..}}`) or with the `contrib.` prefix
//! (`{"contrib.muon": {..}}`). `docs/coverage.md` lists each one with its status.

// Learning-rate-free optimizers.
pub mod cocob;
pub mod dadapt_adamw;
pub mod dog;
pub mod dowg;
mod lr_free_common;
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
