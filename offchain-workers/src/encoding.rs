//! Base64 (RFC 4648): standard with padding for HTTP Basic authentication, and base64url
//! without padding, Arweave's encoding of every binary field. One encoder, two alphabets.

use alloc::{string::String, vec::Vec};

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
	let mut out = String::with_capacity(bytes.len().div_ceil(3).saturating_mul(4));
	for chunk in bytes.chunks(3) {
		let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
		let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
		for (index, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
			if index <= chunk.len() {
				out.push(char::from(alphabet[((n >> shift) & 63) as usize]));
			} else if pad {
				out.push('=');
			}
		}
	}
	out
}

/// Standard base64 (RFC 4648 §4), with padding.
pub fn base64(bytes: &[u8]) -> String {
	encode(bytes, STANDARD, true)
}

/// Base64url (RFC 4648 §5) without padding.
pub fn b64url(bytes: &[u8]) -> String {
	encode(bytes, URL_SAFE, false)
}

/// Decodes base64url or standard base64, with or without padding; `None` if a character is
/// outside both alphabets.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
	let mut out = Vec::with_capacity(text.len() * 3 / 4);
	let mut buffer: u32 = 0;
	let mut bits = 0;
	for c in text.bytes().filter(|c| *c != b'=') {
		let value = match c {
			b'A'..=b'Z' => c - b'A',
			b'a'..=b'z' => c - b'a' + 26,
			b'0'..=b'9' => c - b'0' + 52,
			b'-' | b'+' => 62,
			b'_' | b'/' => 63,
			_ => return None,
		};
		buffer = (buffer << 6) | u32::from(value);
		bits += 6;
		if bits >= 8 {
			bits -= 8;
			out.push((buffer >> bits) as u8);
		}
	}
	Some(out)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn both_alphabets_follow_rfc_4648() {
		// RFC 4648 §10.
		for (plain, padded, unpadded) in [
			("", "", ""),
			("f", "Zg==", "Zg"),
			("fo", "Zm8=", "Zm8"),
			("foo", "Zm9v", "Zm9v"),
			("foob", "Zm9vYg==", "Zm9vYg"),
			("fooba", "Zm9vYmE=", "Zm9vYmE"),
			("foobar", "Zm9vYmFy", "Zm9vYmFy"),
		] {
			assert_eq!(base64(plain.as_bytes()), padded);
			assert_eq!(b64url(plain.as_bytes()), unpadded);
			assert_eq!(b64url_decode(unpadded).as_deref(), Some(plain.as_bytes()));
			assert_eq!(b64url_decode(padded).as_deref(), Some(plain.as_bytes()));
		}
		assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
		assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
		assert_eq!(b64url_decode("-_8"), Some(alloc::vec![0xfb, 0xff]));
		assert_eq!(b64url_decode("a b"), None);
	}
}
