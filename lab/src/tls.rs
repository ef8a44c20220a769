//! The lab's real TLS server configurations, with certificates good and broken, signed by
//! the lab CA. (The DPI box reading the ClientHello is lab/src/server/dpi.rs.)

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The lab CA (`certs/ca.pem`, made once by `ajar-lab make-ca`): test browsers trust it
/// through an NSS database in a throwaway `HOME`, as a visitor's browser trusts a public CA;
/// no flag ever tells them to ignore certificate errors. Its key signs, at run time, a
/// certificate for each name a browser asks for (as the real web has one per site).
pub const CA_PEM: &str = include_str!("../certs/ca.pem");
const CA_KEY_PEM: &str = include_str!("../certs/ca.key");

/// Which certificate a TLS server presents: the real web's good and broken ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cert {
    /// Valid for the name asked, issued by the lab CA.
    Valid,
    /// For the name asked, but expired in 2025.
    Expired,
    /// Valid, but only for `wrong-name.invalid`.
    WrongName,
    /// For the name asked, from a CA no browser trusts (also what a block-page box shows).
    UnknownCa,
}

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("the lab CA key does not load: {0}")]
    CaKey(rcgen::Error),
    #[error("a certificate cannot be made: {0}")]
    Make(#[from] rcgen::Error),
    #[error("rustls refuses the certificate: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The lab CA's parameters: its certificate (`make-ca`) and the issuer that signs leaves
/// are built from the same ones, so their names and key identifiers agree.
fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = rcgen::date_time_ymd(2026, 1, 1);
    p.not_after = rcgen::date_time_ymd(2046, 1, 1);
    p
}
const CA_NAME: &str = "ajar lab CA";

/// Makes a new lab CA: (certificate PEM, key PEM). Only for `ajar-lab make-ca`.
pub fn make_ca() -> Result<(String, String), CertError> {
    let key = KeyPair::generate()?;
    let cert = ca_params(CA_NAME).self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Signs certificates per name and kind, and keeps the server configurations it made.
pub struct Configs {
    lab_ca: Issuer<'static, KeyPair>,
    rogue_ca: Issuer<'static, KeyPair>,
    leaf_key: KeyPair,
    made: Mutex<HashMap<(String, Cert), Arc<rustls::ServerConfig>>>,
    serial: AtomicU64,
}

impl Configs {
    pub fn new() -> Result<Configs, CertError> {
        let ca_key = KeyPair::from_pem(CA_KEY_PEM).map_err(CertError::CaKey)?;
        let rogue_key = KeyPair::generate()?;
        let started =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        Ok(Configs {
            lab_ca: Issuer::new(ca_params(CA_NAME), ca_key),
            rogue_ca: Issuer::new(ca_params("an untrusted CA"), rogue_key),
            leaf_key: KeyPair::generate()?,
            made: Mutex::new(HashMap::new()),
            // Unique serials across restarts too: a browser must never see two certificates
            // with one issuer and serial.
            serial: AtomicU64::new(started),
        })
    }

    /// The configuration presenting a `cert` certificate for `name`.
    pub fn get(&self, name: &str, cert: Cert) -> Result<Arc<rustls::ServerConfig>, CertError> {
        let key = (name.to_string(), cert);
        if let Some(c) = self.made.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(c);
        }
        let config = self.make(name, cert)?;
        if let Ok(mut m) = self.made.lock() {
            m.insert(key, config.clone());
        }
        Ok(config)
    }

    fn make(&self, name: &str, cert: Cert) -> Result<Arc<rustls::ServerConfig>, CertError> {
        let san = if cert == Cert::WrongName { "wrong-name.invalid" } else { name };
        let mut p = CertificateParams::new(vec![san.to_string()])?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, san);
        p.distinguished_name = dn;
        p.serial_number = Some(SerialNumber::from(self.serial.fetch_add(1, Ordering::SeqCst)));
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.use_authority_key_identifier_extension = true;
        (p.not_before, p.not_after) = match cert {
            Cert::Expired => (rcgen::date_time_ymd(2024, 1, 1), rcgen::date_time_ymd(2025, 1, 1)),
            _ => (rcgen::date_time_ymd(2026, 1, 1), rcgen::date_time_ymd(2036, 1, 1)),
        };
        let issuer = if cert == Cert::UnknownCa { &self.rogue_ca } else { &self.lab_ca };
        let leaf = p.signed_by(&self.leaf_key, issuer)?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key.serialize_der()));
        let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        // HTTP/1.1 only, so a browser never coalesces two names onto one connection.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn certificates_are_made_per_name_and_kind_and_kept() {
        let configs = super::Configs::new().expect("the lab CA loads");
        for cert in [super::Cert::Valid, super::Cert::Expired, super::Cert::WrongName, super::Cert::UnknownCa] {
            let a = configs.get("a.test", cert).unwrap();
            assert!(std::sync::Arc::ptr_eq(&a, &configs.get("a.test", cert).unwrap()), "made once");
        }
        assert!(super::CA_PEM.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
