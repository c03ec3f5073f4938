//! What the validator-set pallet asks of the session layer when a validator misbehaves.
//!
//! The validator-set pallet (`pallet-validator-set`) receives offences (a GRANDPA equivocation
//! proven on chain) and decides what happens to the offender; taking it out of block production
//! for the rest of the session is the session pallet's business. The runtime wires one into the
//! other through [`DisableValidator`], so that neither reads the other's storage.

/// Takes a validator out of the current session's block production and finality voting.
pub trait DisableValidator<ValidatorId> {
	/// Disables `validator` for the rest of the current session. Returns whether it is
	/// disabled now (false if it is not in the current session's set, or if disabling it
	/// would leave too few validators to finalize).
	fn disable(validator: &ValidatorId) -> bool;

	/// Enables every validator disabled so far: a new session starts.
	fn enable_all();
}

impl<ValidatorId> DisableValidator<ValidatorId> for () {
	fn disable(_: &ValidatorId) -> bool {
		false
	}

	fn enable_all() {}
}
