//! Unit tests of the anchoring pallet, one file per feature.

mod anchors;
mod authorize;
mod commitments;
mod offchain;
mod registries;
