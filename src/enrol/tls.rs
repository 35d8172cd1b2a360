//! A self-signed TLS certificate for the face-scan page on loopback, made in memory when the
//! kiosk starts (its key never touches the disk), and the rustls server configuration for it.

use std::sync::Arc;

/// Why the page's TLS set-up failed.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot make the face-scan page's certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("cannot configure TLS for the face-scan page: {0}")]
    Config(#[from] rustls::Error),
}

/// The page's certificate (DER, for browsers and tests to trust) and server configuration.
pub struct LocalTls {
    pub cert_der: Vec<u8>,
    /// Base64 SHA-256 of the certificate's public key, as Chromium's
    /// `--ignore-certificate-errors-spki-list` takes it (trusts this key and nothing else).
    pub spki_pin: String,
    pub config: Arc<rustls::ServerConfig>,
}

/// Makes a certificate for `127.0.0.1` and `localhost` and a TLS 1.2/1.3 server config.
pub fn local_tls() -> Result<LocalTls, TlsError> {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    let cert_der = certified.cert.der().to_vec();
    let spki_pin = {
        use base64::Engine;
        use sha2::Digest;
        let digest = sha2::Sha256::digest(certified.key_pair.public_key_der());
        base64::engine::general_purpose::STANDARD.encode(digest)
    };
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone().into()], key)?;
    Ok(LocalTls { cert_der, spki_pin, config: Arc::new(config) })
}
