//! What the tests of the receivers share around a real broker (mosquitto, tansu behind
//! stunnel): a test CA that signs `localhost`'s certificate, a state folder and free ports.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use std::path::{Path, PathBuf};

/// A test CA: its certificate (DER) and what signs with it.
pub(crate) struct TestCa {
	pub der: Vec<u8>,
	params: CertificateParams,
	key: KeyPair,
}

impl TestCa {
	pub(crate) fn new(name: &str) -> Self {
		let key = KeyPair::generate().expect("key");
		let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
		params.distinguished_name.push(DnType::CommonName, name);
		params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
		let der = params.clone().self_signed(&key).expect("CA").der().to_vec();
		Self { der, params, key }
	}

	/// Writes a certificate for `localhost` that this CA signed, and its key, to
	/// `dir/server.pem` and `dir/server.key`.
	pub(crate) fn write_localhost_certificate(&self, dir: &Path) {
		let issuer = self.params.clone().self_signed(&self.key).expect("issuer");
		let key = KeyPair::generate().expect("key");
		let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
		// A DN of its own: OpenSSL (librdkafka) takes a leaf named like its CA for a
		// self-issued certificate and fails the chain.
		leaf.distinguished_name.push(DnType::CommonName, "localhost");
		let leaf = leaf.signed_by(&key, &issuer, &self.key).expect("leaf");
		std::fs::write(dir.join("server.pem"), leaf.pem()).expect("write");
		std::fs::write(dir.join("server.key"), key.serialize_pem()).expect("write");
	}
}

/// A fresh folder for one broker of this test process, `dimo-{kind}-test-{pid}-{n}`.
pub(crate) fn broker_dir(kind: &str) -> PathBuf {
	static BROKERS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
	let dir = std::env::temp_dir().join(format!(
		"dimo-{kind}-test-{}-{}",
		std::process::id(),
		BROKERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
	));
	std::fs::create_dir_all(&dir).expect("dir");
	dir
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
pub(crate) fn free_port() -> u16 {
	std::net::TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.expect("a free port")
		.port()
}
