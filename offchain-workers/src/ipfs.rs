//! The IPFS client's side of `/api/v0/add` and `/api/v0/dag/import` on a kubo-compatible RPC
//! API: the requests the collector sends and the checks of the answers.
//!
//! The collector never trusts the CID that IPFS returns: it computes the CID of the record
//! itself ([`Cid::of_raw`]) and refuses an answer that names another (a misconfigured node, a
//! different chunker or CID version, or a node that lies).

use crate::cid::{Cid, CidError};
use alloc::{format, string::String, vec::Vec};

/// The query of `/api/v0/add`: CIDv1, raw leaves, pinned, printed in base32 (kubo accepts
/// `cid-base` as a global option; js-ipfs otherwise prints base58btc).
pub const ADD_QUERY: &str = "cid-version=1&raw-leaves=true&pin=true&cid-base=base32";

/// The offchain-storage key of the IPFS RPC API's base URL, which the node writes at start
/// (`dimo-node --collector-ipfs-api`); [`DEFAULT_API_URL`] when absent.
pub const API_URL_KEY: &[u8] = b"dimo/collector/ipfs-api";

/// The IPFS RPC API of a kubo on the same machine.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:5001";

/// The IPFS RPC API's base URL from what offchain storage holds at [`API_URL_KEY`] (the bytes
/// of the URL): [`DEFAULT_API_URL`] if nothing, or not UTF-8.
pub fn api_url(stored: Option<Vec<u8>>) -> String {
	stored.and_then(|url| String::from_utf8(url).ok()).unwrap_or_else(|| DEFAULT_API_URL.into())
}

/// The boundary of the multipart body of an add request.
pub const BOUNDARY: &str = "dimo-record-boundary";

/// The URL of an add request to the IPFS RPC API at `api_base` (e.g. `http://127.0.0.1:5001`).
pub fn add_url(api_base: &str) -> String {
	format!("{}/api/v0/add?{ADD_QUERY}", api_base.trim_end_matches('/'))
}

/// The `content-type` of an add request.
pub fn add_content_type() -> String {
	format!("multipart/form-data; boundary={BOUNDARY}")
}

/// The multipart body of an add request for one file named `name`.
pub fn add_body(name: &str, data: &[u8]) -> Vec<u8> {
	let mut body = format!(
		"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
		 Content-Type: application/octet-stream\r\n\r\n"
	)
	.into_bytes();
	body.extend_from_slice(data);
	body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
	body
}

/// The query of `/api/v0/dag/import`: the archive's root pinned (and with it every block it
/// links), nothing else.
pub const IMPORT_QUERY: &str = "pin-roots=true";

/// The URL of an import request (one CAR, [`crate::car`]) to the IPFS RPC API at `api_base`.
/// Its body is a multipart body like an add's ([`add_body`]).
pub fn import_url(api_base: &str) -> String {
	format!("{}/api/v0/dag/import?{IMPORT_QUERY}", api_base.trim_end_matches('/'))
}

/// The URL of a `block/get` of `cid` on the IPFS RPC API at `api_base`: the block's bytes as
/// stored (an envelope is one raw block), which the caller checks against `cid`.
pub fn block_get_url(api_base: &str, cid: &Cid) -> String {
	format!("{}/api/v0/block/get?arg={}", api_base.trim_end_matches('/'), cid.to_base32())
}

/// Why an import answer is refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ImportError {
	/// No line of the answer is the JSON object of an imported root.
	Malformed,
	/// The root it names is not the archive's.
	RootMismatch,
	/// The root was imported but not pinned: the node says why.
	NotPinned(String),
}

#[derive(serde::Deserialize)]
struct ImportLine {
	#[serde(rename = "Root")]
	root: Option<ImportedRoot>,
}

#[derive(serde::Deserialize)]
struct ImportedRoot {
	#[serde(rename = "Cid")]
	cid: LinkJson,
	#[serde(rename = "PinErrorMsg", default)]
	pin_error: String,
}

#[derive(serde::Deserialize)]
struct LinkJson {
	#[serde(rename = "/")]
	text: String,
}

/// Checks the answer of an import of an archive whose root's binary CID is `root`: a line
/// (kubo answers one JSON object a line) naming that root, in base32 as kubo and js-ipfs print
/// CIDv1, pinned without error.
pub fn check_import_answer(answer: &[u8], root: &[u8]) -> Result<(), ImportError> {
	let expected = crate::cid::multibase32(root);
	let imported = answer
		.split(|byte| *byte == b'\n')
		.filter_map(|line| serde_json::from_slice::<ImportLine>(line).ok())
		.find_map(|line| line.root)
		.ok_or(ImportError::Malformed)?;
	if imported.cid.text != expected {
		return Err(ImportError::RootMismatch);
	}
	if !imported.pin_error.is_empty() {
		return Err(ImportError::NotPinned(imported.pin_error));
	}
	Ok(())
}

/// Why an add answer is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AddError {
	/// The answer is not the JSON object of an add.
	Malformed,
	/// Its `Hash` is not a CID this chain accepts.
	BadCid(CidError),
	/// Its `Hash` is not the CID of the data sent.
	CidMismatch,
	/// Its `Size` is not the length of the data sent.
	SizeMismatch,
}

#[derive(serde::Deserialize)]
struct AddAnswer {
	#[serde(rename = "Hash")]
	hash: String,
	#[serde(rename = "Size")]
	size: serde_json::Value,
}

/// Checks the answer of an add of `data`: its CID must be the one computed locally, and its
/// size (a string on kubo, a number on js-ipfs) the data's length. Returns the CID.
pub fn check_add_answer(answer: &[u8], data: &[u8]) -> Result<Cid, AddError> {
	let answer: AddAnswer = serde_json::from_slice(answer).map_err(|_| AddError::Malformed)?;
	let cid = Cid::parse(&answer.hash).map_err(AddError::BadCid)?;
	if cid != Cid::of_raw(data) {
		return Err(AddError::CidMismatch);
	}
	let size = match &answer.size {
		serde_json::Value::String(text) => text.parse::<u64>().ok(),
		serde_json::Value::Number(number) => number.as_u64(),
		_ => None,
	};
	if size != Some(data.len() as u64) {
		return Err(AddError::SizeMismatch);
	}
	Ok(cid)
}

#[cfg(test)]
mod tests {
	use super::*;

	const HELLO_WORLD: &str = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";

	#[test]
	fn the_request_asks_for_cidv1_raw_leaves_pinned() {
		assert_eq!(
			add_url("http://127.0.0.1:5001/"),
			"http://127.0.0.1:5001/api/v0/add?cid-version=1&raw-leaves=true&pin=true&cid-base=base32"
		);
		let body = add_body("record.json", b"hello world");
		let text = core::str::from_utf8(&body).expect("utf-8");
		assert!(text.starts_with("--dimo-record-boundary\r\n"));
		assert!(text.contains("filename=\"record.json\""));
		assert!(text.contains("\r\n\r\nhello world\r\n--dimo-record-boundary--\r\n"));
		assert_eq!(add_content_type(), "multipart/form-data; boundary=dimo-record-boundary");
	}

	#[test]
	fn answers_of_kubo_and_js_ipfs_are_accepted() {
		// kubo: Size as a string.
		let kubo = format!(r#"{{"Name":"record.json","Hash":"{HELLO_WORLD}","Size":"11"}}"#);
		assert_eq!(
			check_add_answer(kubo.as_bytes(), b"hello world"),
			Ok(Cid::of_raw(b"hello world"))
		);
		// js-ipfs: Size as a number, CID in base58btc if cid-base was ignored.
		let js = r#"{"Name":"record.json","Hash":"zb2rhj7crUKTQYRGCRATFaQ6YFLTde2YzdqbbhAASkL9uRDXn","Size":11}"#;
		assert_eq!(
			check_add_answer(js.as_bytes(), b"hello world"),
			Ok(Cid::of_raw(b"hello world"))
		);
	}

	#[test]
	fn an_import_answer_must_name_the_archives_root_pinned() {
		assert_eq!(
			import_url("http://127.0.0.1:5001/"),
			"http://127.0.0.1:5001/api/v0/dag/import?pin-roots=true"
		);
		let object = crate::car::commitment_object(&[b"one", b"two", b"three"]);
		// What js-ipfs 0.66 answered for this archive (kubo adds a Stats line when asked).
		let js = br#"{"Root":{"Cid":{"/":"bafyreid53nijxx5eupqk3pzzduxlqo2dven2acijx6jkwnm23ruyxbtypu"},"PinErrorMsg":""}}"#;
		assert_eq!(check_import_answer(js, &object.root), Ok(()));
		let kubo =
			[&js[..], b"\n", br#"{"Stats":{"BlockCount":5,"BlockBytesCount":449}}"#].concat();
		assert_eq!(check_import_answer(&kubo, &object.root), Ok(()));
		let other = crate::car::commitment_object(&[b"one"]);
		assert_eq!(check_import_answer(js, &other.root), Err(ImportError::RootMismatch));
		let unpinned = br#"{"Root":{"Cid":{"/":"bafyreid53nijxx5eupqk3pzzduxlqo2dven2acijx6jkwnm23ruyxbtypu"},"PinErrorMsg":"no space"}}"#;
		assert_eq!(
			check_import_answer(unpinned, &object.root),
			Err(ImportError::NotPinned("no space".into()))
		);
		assert_eq!(check_import_answer(b"<html>", &object.root), Err(ImportError::Malformed));
	}

	#[test]
	fn answers_that_do_not_match_the_data_are_refused() {
		let kubo = format!(r#"{{"Name":"r","Hash":"{HELLO_WORLD}","Size":"11"}}"#);
		assert_eq!(check_add_answer(kubo.as_bytes(), b"hello world!"), Err(AddError::CidMismatch));
		let wrong_size = format!(r#"{{"Name":"r","Hash":"{HELLO_WORLD}","Size":"12"}}"#);
		assert_eq!(
			check_add_answer(wrong_size.as_bytes(), b"hello world"),
			Err(AddError::SizeMismatch)
		);
		let v0 =
			r#"{"Name":"r","Hash":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o","Size":"11"}"#;
		assert_eq!(
			check_add_answer(v0.as_bytes(), b"hello world"),
			Err(AddError::BadCid(CidError::UnknownBase))
		);
		assert_eq!(check_add_answer(b"<html>", b"hello world"), Err(AddError::Malformed));
	}
}
