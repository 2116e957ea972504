//! Combinators: transformations built from other transformations.

mod chain;
mod freeze;
mod mask;
mod masked;
mod partition;

pub(crate) use chain::chain_unfused;
pub use chain::{chain, named_chain, Chain, NamedChain};
pub use freeze::{freeze, selective_transform};
pub use mask::{Labels, Mask};
pub(crate) use masked::MaskedState;
pub use masked::{masked, Masked};
pub use partition::{partition, Partition};
