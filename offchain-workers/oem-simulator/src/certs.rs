//! The simulator's certificates: a test CA and a leaf for `localhost`, `127.0.0.1` and any
//! other names asked for (the simulator's service name in a compose network) that it signs.
//!
//! The collector's node checks the OEM's certificate chain against its trust store, as it
//! would in production; so the simulator is trusted through a real CA, never by switching the
//! checks off. `gen-certs` makes a fresh CA, signs the leaf with it, and **drops the CA's key
//! without writing it anywhere**: trusting the CA (in a bundle that the node reads through
//! `SSL_CERT_FILE`, or in the system store) trusts this one leaf and nothing else that could
//! ever be made. Two calls make two unrelated CAs: the tests use the second to play an
//! impostor that the node must refuse.

use rcgen::{
	BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
	KeyUsagePurpose,
};
use std::{fs, path::Path};

/// The CA certificate (PEM), to add to a trust store.
pub const CA_FILE: &str = "ca.pem";
/// The leaf certificate (DER), followed by nothing: the chain is leaf → CA.
pub const LEAF_CERT_FILE: &str = "localhost.crt.der";
/// The leaf's private key (PKCS#8 DER).
pub const LEAF_KEY_FILE: &str = "localhost.key.der";
/// The leaf certificate in PEM, for servers that read PEM (the dev MQTT broker, mosquitto).
pub const LEAF_CERT_PEM_FILE: &str = "localhost.crt.pem";
/// The leaf's private key in PEM.
pub const LEAF_KEY_PEM_FILE: &str = "localhost.key.pem";

/// Makes a CA named `name` and a leaf for `localhost`, `127.0.0.1` and `extra_hosts`, and writes
/// the CA's certificate, the leaf's certificate and the leaf's key into `dir`.
pub fn generate(dir: &Path, name: &str, extra_hosts: &[String]) -> Result<(), String> {
	let error = |what: &str, e: rcgen::Error| format!("{what}: {e}");
	let ca_key = KeyPair::generate().map_err(|e| error("CA key", e))?;
	let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| error("CA", e))?;
	ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
	ca.distinguished_name.push(DnType::CommonName, name);
	ca.distinguished_name.push(DnType::OrganizationName, "DIMO Chain dev");
	ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
	let ca = ca.self_signed(&ca_key).map_err(|e| error("CA certificate", e))?;

	let leaf_key = KeyPair::generate().map_err(|e| error("leaf key", e))?;
	let names = ["localhost", "127.0.0.1"]
		.into_iter()
		.map(str::to_string)
		.chain(extra_hosts.iter().cloned())
		.collect::<Vec<_>>();
	let mut leaf = CertificateParams::new(names).map_err(|e| error("leaf", e))?;
	leaf.distinguished_name.push(DnType::CommonName, "localhost");
	leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
	leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
	let leaf = leaf.signed_by(&leaf_key, &ca, &ca_key).map_err(|e| error("leaf certificate", e))?;

	fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
	let write = |file: &str, bytes: &[u8]| {
		fs::write(dir.join(file), bytes).map_err(|e| format!("{}: {e}", dir.join(file).display()))
	};
	write(LEAF_CERT_FILE, leaf.der())?;
	write(LEAF_KEY_FILE, &leaf_key.serialize_der())?;
	write(LEAF_CERT_PEM_FILE, leaf.pem().as_bytes())?;
	write(LEAF_KEY_PEM_FILE, leaf_key.serialize_pem().as_bytes())?;
	// The CA last, through a rename: whoever waits for it (a node in the same compose stack)
	// finds it whole, and the leaf already there.
	let partial = format!("{CA_FILE}.partial");
	write(&partial, ca.pem().as_bytes())?;
	fs::rename(dir.join(&partial), dir.join(CA_FILE))
		.map_err(|e| format!("{}: {e}", dir.join(CA_FILE).display()))
}

/// The vehicle CA's certificate (PEM and DER: DER is what governance registers as a Fleet
/// Telemetry feed's `vehicleCa`).
pub const VEHICLE_CA_FILE: &str = "vehicle-ca.pem";
/// The vehicle CA's certificate, DER.
pub const VEHICLE_CA_DER_FILE: &str = "vehicle-ca.der";

/// The client certificate (PEM) of vehicle `vin`, in a folder `generate_vehicles` wrote.
pub fn vehicle_cert_file(vin: &str) -> String {
	format!("{vin}.crt.pem")
}

/// The private key (PEM) of vehicle `vin`.
pub fn vehicle_key_file(vin: &str) -> String {
	format!("{vin}.key.pem")
}

/// Makes a vehicle CA named `name` (as Tesla's "Tesla Issuing CA" signs its cars' certificates)
/// and a client certificate for each of `vins`, whose common name is the VIN, valid from now
/// for a year, or expired a year ago if `expired`. Writes them into `dir`; the CA's key is
/// dropped unwritten.
pub fn generate_vehicles(
	dir: &Path,
	name: &str,
	vins: &[String],
	expired: bool,
) -> Result<(), String> {
	let error = |what: &str, e: rcgen::Error| format!("{what}: {e}");
	let ca_key = KeyPair::generate().map_err(|e| error("CA key", e))?;
	let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| error("CA", e))?;
	ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
	ca.distinguished_name.push(DnType::CommonName, name);
	ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
	let ca = ca.self_signed(&ca_key).map_err(|e| error("CA certificate", e))?;
	fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
	let write = |file: &str, bytes: &[u8]| {
		fs::write(dir.join(file), bytes).map_err(|e| format!("{}: {e}", dir.join(file).display()))
	};
	for vin in vins {
		let key = KeyPair::generate().map_err(|e| error("vehicle key", e))?;
		let mut params =
			CertificateParams::new(Vec::<String>::new()).map_err(|e| error("vehicle", e))?;
		params.distinguished_name.push(DnType::CommonName, vin.as_str());
		params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
		params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
		let now = std::time::SystemTime::now();
		let year = std::time::Duration::from_secs(365 * 24 * 3600);
		let (from, until) = if expired {
			(now - 2 * year, now - year)
		} else {
			(now - std::time::Duration::from_secs(3600), now + year)
		};
		params.not_before = from.into();
		params.not_after = until.into();
		let leaf =
			params.signed_by(&key, &ca, &ca_key).map_err(|e| error("vehicle certificate", e))?;
		write(&vehicle_cert_file(vin), leaf.pem().as_bytes())?;
		write(&vehicle_key_file(vin), key.serialize_pem().as_bytes())?;
	}
	write(VEHICLE_CA_DER_FILE, ca.der())?;
	write(VEHICLE_CA_FILE, ca.pem().as_bytes())
}
