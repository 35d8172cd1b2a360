//! The CSCA trust store (ICAO 9303 Part 12 §5, §9): certificates from DER or PEM files and
//! from CSCA master lists (CMS SignedData with CscaMasterList), loaded from files and
//! folders. A master list's own signature is checked; it counts as verified when its signer
//! chains to a CSCA given as a file, otherwise its certificates are taken as a plain list and
//! the load notes say so. CRL files are kept for `chain` to check. Files, counts and sizes are capped; hostile files give errors.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use asn1_rs::Tag;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::crl::Crl;
use super::policy::Policy;
use super::sod_signature::verify_signed_data;
use super::{Certificate, TrustError, cms, oid};
use crate::lds::sod::ber::{Ber, small_uint};

/// Largest file read (a full ICAO master list is a few MB).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// Most files taken from the folders of one load.
pub const MAX_FILES: usize = 4096;
/// Most certificates in a store.
pub const MAX_CERTIFICATES: usize = 50_000;
/// The simulated demo passport's CSCA.
const DEMO_CSCA: &[u8] = include_bytes!("../../assets/demo-passport/csca.der");
/// Deepest folder nesting followed.
const MAX_DEPTH: usize = 4;

/// A trusted certificate and where it came from.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub cert: Certificate,
    /// The file (and master list) it came from.
    pub origin: String,
    /// Whether it was given as a file of its own (not only in a master list).
    pub direct: bool,
}

/// Trusted CSCA certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Anchor>,
    crls: Vec<Crl>,
    seen: HashSet<[u8; 32]>,
    notes: Vec<String>,
    policy: Policy,
}

impl TrustStore {
    /// An empty store: nothing is trusted, passive authentication says "unverified".
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    /// The store of the demo: the test CSCA that signed the simulated demo passport's
    /// document signer (assets/demo-passport/csca.der, built in). Never for real passports.
    pub fn demo() -> Result<TrustStore, TrustError> {
        let mut store = TrustStore::new();
        store.add_certificates(DEMO_CSCA, "built-in demo CSCA (assets/demo-passport/csca.der)")?;
        Ok(store)
    }

    /// The enrolment policy the kiosk applies with this store (strict unless set).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
    }

    /// Whether a trusted CSCA names `country` (ISO 3166-1 alpha-2, any case) as its own.
    pub fn has_country(&self, country: &str) -> bool {
        self.anchors
            .iter()
            .any(|a| a.cert.country().is_some_and(|c| c.eq_ignore_ascii_case(country)))
    }

    /// Loads every path (a certificate file, a master list, or a folder of them).
    pub fn load(paths: &[PathBuf]) -> Result<TrustStore, TrustError> {
        let mut store = TrustStore::new();
        store.add_paths(paths)?;
        Ok(store)
    }

    /// Adds files and folders. Certificates go in before master lists, so that a master
    /// list's signer can be checked against the CSCAs given. A named file that cannot be
    /// used is an error; a bad file found in a folder is skipped with a note.
    pub fn add_paths(&mut self, paths: &[PathBuf]) -> Result<(), TrustError> {
        let mut files = Vec::new();
        for path in paths {
            if path.is_dir() {
                collect(path, 0, &mut files)?;
            } else {
                files.push((path.clone(), true));
            }
        }
        let mut lists = Vec::new();
        for (path, named) in files {
            let bytes = read_capped(&path)?;
            if looks_like_master_list(&bytes) {
                lists.push((path, bytes, named));
                continue;
            }
            let origin = path.display().to_string();
            let added = self.add_certificates(&bytes, &origin).or_else(|cert_error| {
                // Not certificates: perhaps a CRL.
                self.add_crls(&bytes, &origin).map_err(|_| cert_error)
            });
            match added {
                Ok(_) => {}
                Err(e) if !named => self.notes.push(format!("{origin}: skipped: {e}")),
                Err(e) => return Err(e),
            }
        }
        for (path, bytes, named) in lists {
            let origin = path.display().to_string();
            match self.add_master_list(&bytes, &origin) {
                Ok(_) => {}
                Err(e) if !named => self.notes.push(format!("{origin}: skipped: {e}")),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Adds the certificates of one DER or PEM file; returns how many were new.
    pub fn add_certificates(&mut self, bytes: &[u8], origin: &str) -> Result<usize, TrustError> {
        let ders = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            pem_blocks(bytes, &["CERTIFICATE", "X509 CERTIFICATE"])?
        } else {
            vec![bytes.to_vec()]
        };
        let mut added = 0;
        for der in ders {
            let cert = Certificate::from_der(&der)?;
            added += usize::from(self.push(cert, origin.to_owned(), true)?);
        }
        self.notes.push(format!("{origin}: {added} certificate(s)"));
        Ok(added)
    }

    /// Adds the CRLs of one DER or PEM file; returns how many. A CRL is believed only when
    /// its signature verifies with the CSCA a chain chose.
    pub fn add_crls(&mut self, bytes: &[u8], origin: &str) -> Result<usize, TrustError> {
        let ders = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            pem_blocks(bytes, &["X509 CRL"])?
        } else {
            vec![bytes.to_vec()]
        };
        let mut crls = Vec::new();
        for der in &ders {
            crls.push(Crl::from_der(der, origin)?);
        }
        let n = crls.len();
        for crl in &crls {
            self.notes.push(format!(
                "{origin}: CRL of \"{}\" (this update {})",
                crl.issuer(),
                crl.this_update()
            ));
        }
        self.crls.extend(crls);
        Ok(n)
    }

    /// The CRLs loaded (not yet checked against any CSCA).
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// Adds the CSCAs of a master list; returns how many were new. The list is refused
    /// unless its signature verifies and its signer (the master list signer) is signed by a
    /// CA given as a certificate file of its own (ICAO 9303 Part 12 §9): a list signed by
    /// anyone else, with an unsupported algorithm or without its signer certificate, is not
    /// a trust anchor.
    pub fn add_master_list(&mut self, bytes: &[u8], origin: &str) -> Result<usize, TrustError> {
        let sd = cms::parse_content_info(bytes)?;
        if sd.content_type != oid::CSCA_MASTER_LIST {
            return Err(TrustError::invalid(format!(
                "{origin}: eContentType {} is not id-icao-cscaMasterList",
                sd.content_type
            )));
        }
        let v = match verify_signed_data(&sd, oid::CSCA_MASTER_LIST) {
            Ok(v) => v,
            Err(e @ (TrustError::Unsupported(_) | TrustError::NoCertificate(_))) => {
                return Err(TrustError::invalid(format!(
                    "{origin}: master list refused: its signature cannot be checked ({e})"
                )));
            }
            Err(e) => return Err(TrustError::invalid(format!("{origin}: master list: {e}"))),
        };
        let by = self.anchors.iter().filter(|a| a.direct && a.cert.is_ca()).find(|a| {
            a.cert.subject_is(v.signer.issuer()) && v.signer.verify_signed_by(&a.cert).is_ok()
        });
        let Some(by) = by else {
            return Err(TrustError::invalid(format!(
                "{origin}: master list refused: its signer \"{}\" (issued by \"{}\") is not \
                 signed by a CSCA given as a certificate file; add that country's CSCA \
                 certificate to [trust] csca (or --csca) next to the list",
                v.signer.subject_text(),
                v.signer.issuer_text()
            )));
        };
        let signature = format!(
            "signature verified; signer \"{}\" chains to \"{}\"",
            v.signer.subject_text(),
            by.cert.subject_text()
        );
        let mut top = Ber::new(&sd.content, "CscaMasterList");
        let list = top.universal(Tag::Sequence, "CscaMasterList")?;
        let mut l = Ber::new(list.data, "CscaMasterList");
        small_uint(&l.universal(Tag::Integer, "version")?, "CscaMasterList", "version")?;
        let set = l.universal(Tag::Set, "certList")?;
        let mut certs = Ber::new(set.data, "CscaMasterList");
        let (mut added, mut skipped) = (0, 0);
        while !certs.is_empty() {
            let (_, raw) = certs.next_raw("certificate")?;
            match Certificate::from_der(raw) {
                Ok(c) => added += usize::from(self.push(c, origin.to_owned(), false)?),
                Err(_) => skipped += 1,
            }
        }
        self.notes.push(format!(
            "{origin}: master list, {signature}; {added} new certificate(s){}",
            if skipped > 0 { format!(", {skipped} unreadable skipped") } else { String::new() }
        ));
        Ok(added)
    }

    fn push(
        &mut self,
        cert: Certificate,
        origin: String,
        direct: bool,
    ) -> Result<bool, TrustError> {
        let key: [u8; 32] = Sha256::digest(cert.der()).into();
        if !self.seen.insert(key) {
            if direct {
                // Given on its own as well: it now counts as given directly.
                if let Some(a) = self.anchors.iter_mut().find(|a| a.cert.der() == cert.der()) {
                    a.direct = true;
                }
            }
            return Ok(false);
        }
        if self.anchors.len() >= MAX_CERTIFICATES {
            return Err(TrustError::TooLarge {
                what: "trust store certificates".into(),
                actual: self.anchors.len() as u64 + 1,
                limit: MAX_CERTIFICATES as u64,
            });
        }
        self.anchors.push(Anchor { cert, origin, direct });
        Ok(true)
    }

    /// All trusted certificates.
    pub fn anchors(&self) -> &[Anchor] {
        &self.anchors
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// What each file contributed (and what was skipped and why), for the operator.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Trusted certificates whose subject is `cert`'s issuer.
    pub fn issuers_of<'s>(&'s self, cert: &Certificate) -> Vec<&'s Anchor> {
        self.anchors.iter().filter(|a| a.cert.subject_is(cert.issuer())).collect()
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> TrustError + '_ {
    move |source| TrustError::Io { path: path.to_owned(), source }
}

/// Reads a regular file of at most `MAX_FILE_BYTES`. The cap is applied while reading (a
/// file may grow after it was looked at), and FIFOs or devices are refused, not read.
fn read_capped(path: &Path) -> Result<Vec<u8>, TrustError> {
    use std::io::Read;
    // Looked at before opening: opening a FIFO for reading would block until a writer comes.
    if !std::fs::metadata(path).map_err(io(path))?.is_file() {
        return Err(TrustError::invalid(format!("{}: not a regular file", path.display())));
    }
    let file = std::fs::File::open(path).map_err(io(path))?;
    let meta = file.metadata().map_err(io(path))?;
    let too_large = |actual| TrustError::TooLarge {
        what: path.display().to_string(),
        actual,
        limit: MAX_FILE_BYTES,
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io(path))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Files under `dir` (sorted, hidden files left out), marked as not named.
fn collect(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, bool)>) -> Result<(), TrustError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if depth < MAX_DEPTH {
                collect(&path, depth + 1, out)?;
            }
        } else {
            if out.len() >= MAX_FILES {
                return Err(TrustError::TooLarge {
                    what: format!("files under {}", dir.display()),
                    actual: out.len() as u64 + 1,
                    limit: MAX_FILES as u64,
                });
            }
            out.push((path, false));
        }
    }
    Ok(())
}

/// A ContentInfo (not a certificate): starts SEQUENCE, OID id-signedData.
fn looks_like_master_list(bytes: &[u8]) -> bool {
    let mut top = Ber::new(bytes, "file");
    let Ok(seq) = top.universal(Tag::Sequence, "file") else { return false };
    let mut s = Ber::new(seq.data, "file");
    s.universal(Tag::Oid, "contentType").is_ok_and(|o| oid::dotted(o.data) == oid::SIGNED_DATA)
}

/// The DER of each PEM block with one of `labels` (other blocks are ignored).
fn pem_blocks(bytes: &[u8], labels: &[&str]) -> Result<Vec<Vec<u8>>, TrustError> {
    let text = std::str::from_utf8(bytes).map_err(|_| TrustError::invalid("PEM is not text"))?;
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines().map(str::trim) {
        let begin = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----"));
        if let Some(label) = begin {
            block = labels.contains(&label).then(String::new);
        } else if line.starts_with("-----END") {
            if let Some(b64) = block.take() {
                let der = base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|e| TrustError::invalid(format!("PEM base64: {e}")))?;
                out.push(der);
            }
        } else if let Some(b) = block.as_mut() {
            b.push_str(line);
        }
    }
    if out.is_empty() {
        return Err(TrustError::invalid(format!("no {} block in the PEM file", labels.join("/"))));
    }
    Ok(out)
}
