//! Prints what sealing a record in an envelope costs per record, for the README's figures:
//!
//! ```sh
//! cargo run --release -p dimo-offchain --example envelope_cost
//! ```
//!
//! Native code (the offchain worker runs the same Rust compiled to wasm, which is slower by a
//! small factor). Records of a typical reading (about 180 bytes), of a Tesla answer kept raw
//! (10 KiB) and of the largest part (256 KiB less the envelope's overhead), each sealed as one
//! part wrapped to the owner.

use dimo_offchain::{
	envelope::{self, PartToSeal},
	key_wrap,
	streams::Class,
};
use std::time::Instant;

fn measure(label: &str, record: &[u8], rounds: u32) {
	let key = [7u8; 32];
	// Every part carries its key wrapped to the owner: made once per key, copied here.
	let wraps =
		[key_wrap::wrap(&key_wrap::public_key(&[8; 32]), &[9; 32], 9, 1, &key).expect("wraps")];
	let part = |nonce| PartToSeal {
		class: Class::NonLocation,
		key_id: 1,
		key: &key,
		wraps: &wraps,
		nonce,
		plaintext: record,
	};
	let started = Instant::now();
	let mut total = 0usize;
	for round in 0..rounds {
		let mut nonce = [0u8; 24];
		nonce[..4].copy_from_slice(&round.to_le_bytes());
		let sealed = envelope::seal(9, 1, 1, &[part(nonce)]).expect("seals");
		total = total.wrapping_add(sealed.len());
	}
	let per_seal = started.elapsed() / rounds;
	let sealed = envelope::seal(9, 1, 1, &[part([0; 24])]).expect("seals");
	let started = Instant::now();
	for _ in 0..rounds {
		let (_, opened) = envelope::open_part(&sealed, Class::NonLocation, &key, 1).expect("opens");
		total = total.wrapping_add(opened.len());
	}
	let per_open = started.elapsed() / rounds;
	println!(
		"{label:>22}: {:>7} bytes  seal {:>9.2?}  open {:>9.2?}  ({} rounds, checksum {total})",
		record.len(),
		per_seal,
		per_open,
		rounds
	);
}

fn main() {
	let typical = br#"{"v":1,"vehicle":7,"oem":"tesla","from":1764000000000,"to":1764000000000,"signals":{"batteryPermille":815,"chargingW":0,"latE7":523520000,"lonE7":-13400000,"odometerM":12345678,"speedKph":50}}"#;
	measure("a typical record", typical, 20_000);
	measure("10 KiB", &vec![b'x'; 10 * 1024], 2_000);
	// The largest part that fits one envelope with one wrap.
	let largest = envelope::MAX_ENVELOPE_LEN
		- envelope::HEADER_V3_FIXED_LEN
		- envelope::PART_DESCRIPTOR_LEN
		- key_wrap::WRAP_LEN
		- envelope::TAG_LEN;
	measure("the largest part", &vec![b'x'; largest], 100);
}
