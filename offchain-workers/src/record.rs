//! The canonical record of one reading of a vehicle: the exact bytes that are stored and whose
//! CID is anchored.
//!
//! ## Format, version 1
//!
//! UTF-8 JSON with no whitespace, keys in this order, every number an integer:
//!
//! ```text
//! {"v":1,"vehicle":<id>,"oem":"<adapter name>","from":<unix ms>,"to":<unix ms>,
//!  "signals":{"<name>":<integer>,...}}
//! ```
//!
//! Signal names are sorted (bytewise) and appear once. Values are integers in fixed units, named
//! by the signal's suffix, so that no float formatting can make two collectors write different
//! bytes for the same reading: `odometerM` (metres), `batteryPermille` (0–1000),
//! `latE7`/`lonE7` (degrees × 10^7), `speedKph`, `chargingW`, ... Anyone holding the OEM's
//! response can rebuild the record, and anyone holding the record can re-hash it
//! (`sha256sum`) and compare with the anchored CID.

use alloc::{collections::BTreeMap, string::String, vec::Vec};
use core::fmt::Write;

/// The format version written by this code.
pub const RECORD_VERSION: u32 = 1;

/// The largest record, in bytes: sealed alone with the owner's wrap, it fits one envelope
/// ([`crate::envelope::MAX_ENVELOPE_LEN`], one IPFS chunk), so that the envelope's CID is that
/// of a single raw block ([`crate::cid`]). A reading whose parts and wraps together do not fit
/// is sealed without its raw part, or not at all (pallets/anchoring's offchain worker).
pub const MAX_RECORD_LEN: usize = crate::envelope::MAX_ENVELOPE_LEN
	- crate::envelope::HEADER_V3_FIXED_LEN
	- crate::envelope::PART_DESCRIPTOR_LEN
	- crate::key_wrap::WRAP_LEN
	- crate::envelope::TAG_LEN;

/// One reading of a vehicle.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Record {
	/// The vehicle's id on chain.
	pub vehicle: u64,
	/// The adapter that read it, e.g. `tesla`, `smartcar`.
	pub oem: String,
	/// The start of the observed window, in Unix milliseconds.
	pub from: u64,
	/// The end of the observed window, in Unix milliseconds.
	pub to: u64,
	/// The signals, by name.
	pub signals: BTreeMap<String, i64>,
}

/// Why a record cannot be written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RecordError {
	/// The window ends before it starts.
	BadWindow,
	/// A name holds a character other than ASCII letters and digits.
	BadName,
	/// The record would be larger than [`MAX_RECORD_LEN`].
	TooLarge,
}

fn is_plain_name(name: &str) -> bool {
	!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Record {
	/// The record's canonical bytes (format version 1).
	pub fn to_canonical_bytes(&self) -> Result<Vec<u8>, RecordError> {
		if self.to < self.from {
			return Err(RecordError::BadWindow);
		}
		if !is_plain_name(&self.oem) || !self.signals.keys().all(|name| is_plain_name(name)) {
			return Err(RecordError::BadName);
		}
		let mut text = String::new();
		// Writing to a String cannot fail.
		let _ = write!(
			text,
			"{{\"v\":{},\"vehicle\":{},\"oem\":\"{}\",\"from\":{},\"to\":{},\"signals\":{{",
			RECORD_VERSION, self.vehicle, self.oem, self.from, self.to
		);
		for (index, (name, value)) in self.signals.iter().enumerate() {
			if index > 0 {
				text.push(',');
			}
			let _ = write!(text, "\"{name}\":{value}");
		}
		text.push_str("}}");
		if text.len() > MAX_RECORD_LEN {
			return Err(RecordError::TooLarge);
		}
		Ok(text.into_bytes())
	}
}

impl Record {
	/// The record that `bytes` hold, if they are a record of this format (what
	/// [`to_canonical_bytes`](Self::to_canonical_bytes) wrote; key order and spacing are not
	/// checked).
	pub fn from_canonical_bytes(bytes: &[u8]) -> Option<Self> {
		#[derive(serde::Deserialize)]
		struct Canonical {
			v: u32,
			vehicle: u64,
			oem: String,
			from: u64,
			to: u64,
			signals: BTreeMap<String, i64>,
		}
		let canonical: Canonical = serde_json::from_slice(bytes).ok()?;
		(canonical.v == RECORD_VERSION).then_some(Self {
			vehicle: canonical.vehicle,
			oem: canonical.oem,
			from: canonical.from,
			to: canonical.to,
			signals: canonical.signals,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::cid::Cid;

	fn reading() -> Record {
		Record {
			vehicle: 7,
			oem: "tesla".into(),
			from: 1_764_000_000_000,
			to: 1_764_000_060_000,
			signals: [
				("odometerM", 12_345_678),
				("batteryPermille", 815),
				("latE7", 523_520_000),
				("lonE7", -13_400_000),
			]
			.into_iter()
			.map(|(name, value)| (String::from(name), value))
			.collect(),
		}
	}

	#[test]
	fn the_canonical_form_is_byte_exact_with_sorted_signals() {
		let bytes = reading().to_canonical_bytes().expect("a valid record");
		assert_eq!(
			core::str::from_utf8(&bytes).expect("utf-8"),
			r#"{"v":1,"vehicle":7,"oem":"tesla","from":1764000000000,"to":1764000060000,"signals":{"batteryPermille":815,"latE7":523520000,"lonE7":-13400000,"odometerM":12345678}}"#
		);
		// Anyone re-hashes it: the CID is the sha256 of exactly these bytes.
		let cid = Cid::of_raw(&bytes);
		assert_eq!(cid.digest(), sp_io::hashing::sha2_256(&bytes));
	}

	#[test]
	fn canonical_bytes_read_back_to_the_record() {
		let bytes = reading().to_canonical_bytes().expect("a valid record");
		assert_eq!(Record::from_canonical_bytes(&bytes), Some(reading()));
		let other_version =
			core::str::from_utf8(&bytes).expect("utf-8").replace("\"v\":1", "\"v\":2");
		assert_eq!(Record::from_canonical_bytes(other_version.as_bytes()), None);
		assert_eq!(Record::from_canonical_bytes(b"DENV"), None);
	}

	#[test]
	fn the_same_reading_gives_the_same_bytes_whatever_the_insertion_order() {
		let mut other = reading();
		let signals: Vec<_> = other.signals.clone().into_iter().rev().collect();
		other.signals = signals.into_iter().collect();
		assert_eq!(other.to_canonical_bytes(), reading().to_canonical_bytes());
		let mut changed = reading();
		changed.signals.insert("odometerM".into(), 12_345_679);
		assert_ne!(changed.to_canonical_bytes(), reading().to_canonical_bytes());
	}

	#[test]
	fn bad_records_are_refused() {
		let mut backwards = reading();
		backwards.to = backwards.from - 1;
		assert_eq!(backwards.to_canonical_bytes(), Err(RecordError::BadWindow));
		let mut quoted = reading();
		quoted.signals.insert("a\"b".into(), 1);
		assert_eq!(quoted.to_canonical_bytes(), Err(RecordError::BadName));
		let mut empty_oem = reading();
		empty_oem.oem = String::new();
		assert_eq!(empty_oem.to_canonical_bytes(), Err(RecordError::BadName));
		let mut huge = reading();
		for index in 0..20_000 {
			huge.signals.insert(alloc::format!("signal{index}"), i64::MIN);
		}
		assert_eq!(huge.to_canonical_bytes(), Err(RecordError::TooLarge));
	}
}
