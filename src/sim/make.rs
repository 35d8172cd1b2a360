//! The profile maker: builds EF.COM, DG1, DG2 (ISO/IEC 19794-5 face record), DG14 for PACE
//! and ECDSA Active Authentication chips (ICAO 9303 Part 11 §9.2 SecurityInfos), DG15 and the
//! chip's key for Active Authentication (§6.1), and an EF.SOD
//! (ICAO 9303 Part 10 §4.6.2 LDSSecurityObject with SHA-256 hashes in RFC 5652 CMS
//! SignedData) and, for PACE-CAM chips, an EF.CardSecurity (BSI TR-03110-3 SecurityObject),
//! signed by a freshly generated document signer under a generated test CSCA (ECDSA P-256,
//! ICAO 9303 Part 12), and writes them as a simulator profile folder.

use super::SimError;
use super::aa::ChipAaKey;
use super::behaviour::Behaviour;
use super::profile::{CHIP_AA_FILE, PaceSettings};
use crate::lds::card_access::ActiveAuthenticationInfo;
use crate::lds::card_access::CardAccess;
use crate::lds::dg2::{FaceImage, FeaturePoint, ImageFormat};
use crate::lds::sod::HashAlgorithm;
use crate::mrz::Can;
use cms::builder::{SignedDataBuilder, SignerInfoBuilder, create_signing_time_attribute};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::ObjectIdentifier;
use der::{Any, Encode, Tag};
use p256::ecdsa::{DerSignature, SigningKey};
use rand::RngCore;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use x509_cert::builder::{Builder, CertificateBuilder, Profile as CertProfile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

/// id-icao-mrtd-security-ldsSecurityObject (ICAO 9303 Part 10 §4.6.2.2).
const ID_LDS_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.1");
/// id-SecurityObject, EF.CardSecurity's eContentType (BSI TR-03110-3 §A.1.2.5).
const ID_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.3.2.1");
/// id-sha256 (NIST).
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// Feature-point type of a 2D point (ISO/IEC 19794-5:2005 §5.6.2).
const FEATURE_POINT_2D: u8 = 1;
/// Feature points 12.1 and 12.2: centres of the left and right eye (ISO/IEC 19794-5 §5.6.3).
const LEFT_EYE_CENTRE: u8 = 0xC1;
const RIGHT_EYE_CENTRE: u8 = 0xC2;
const YEAR: u64 = 365 * 24 * 3600;
/// ecdsa-with-SHA256 (RFC 5758 §3.2).
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// A P-256 signing key that names its algorithm (ecdsa-with-SHA256) for the certificate and
/// CMS builders.
struct EcdsaP256(SigningKey);

impl signature::Keypair for EcdsaP256 {
    type VerifyingKey = p256::ecdsa::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        *self.0.verifying_key()
    }
}

impl spki::DynSignatureAlgorithmIdentifier for EcdsaP256 {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None })
    }
}

impl signature::Signer<DerSignature> for EcdsaP256 {
    fn try_sign(&self, msg: &[u8]) -> Result<DerSignature, signature::Error> {
        signature::Signer::<DerSignature>::try_sign(&self.0, msg)
    }
}

/// Eye centres in image pixels: ((x, y), (x, y)).
pub type EyeCentres = ((u16, u16), (u16, u16));

/// Options of [`make_profile`]; `Default` makes a plain profile.
#[derive(Debug, Clone, Default)]
pub struct MakeOptions {
    /// Eye centres in image pixels, (subject's right eye, subject's left eye) or either order.
    pub eye_centres: Option<EyeCentres>,
    /// More EFs to put on the chip (e.g. "EF.CardAccess", "EF.DG11"); DGs are hashed in the SOD.
    pub extra_files: BTreeMap<String, Vec<u8>>,
    /// A `[behaviour]` to write into profile.toml.
    pub behaviour: Option<BehaviourToml>,
    /// PACE for the chip (`[pace]` in profile.toml, EF.CardAccess.bin advertising it, and
    /// EF.DG14 listing it, hashed in EF.SOD, unless `extra_files` brings its own DG14).
    pub pace: Option<PaceSettings>,
    /// The Card Access Number (`can` in profile.toml).
    pub can: Option<Can>,
    /// Chip Authentication: its infos in EF.DG14 (with the PACEInfo), the key in chip-ca.key.
    pub ca: Option<super::make_ca::CaMake>,
    /// Active Authentication: the chip's key (written as `chip-aa.der`, its public key as
    /// EF.DG15, and for ECDSA an ActiveAuthenticationInfo in EF.DG14) and the hash it signs
    /// with (`[aa] hash`; default SHA-1 for RSA, SHA-256 for ECDSA).
    pub aa: Option<(ChipAaKey, Option<HashAlgorithm>)>,
    /// A fault: EF.DG14 leaves out the PACEInfo EF.CardAccess advertises (a stripped or
    /// altered chip; readers must find the contradiction, ICAO 9303 Part 11 §9.2).
    pub dg14_without_pace: bool,
    /// EF.SOD with BER indefinite lengths (`77 80 … 00 00`, the SignedData too), as some
    /// issuers write it; still signed and valid.
    pub sod_indefinite_length: bool,
    /// More PACEInfos EF.CardAccess (and DG14) list besides `pace` (`[pace] extra`).
    pub pace_extra: Vec<super::pace_infos::ExtraPaceInfo>,
}

impl MakeOptions {
    /// The PACEInfos EF.CardAccess lists, in file order (none without PACE).
    fn pace_infos(&self) -> Vec<crate::lds::card_access::PaceInfo> {
        let listed = |p| super::pace_infos::listed(p, &self.pace_extra);
        self.pace.as_ref().map(listed).unwrap_or_default()
    }
}

/// A `[behaviour]` table as TOML text (e.g. `max_le = 192`), written as given.
#[derive(Debug, Clone, Default)]
pub struct BehaviourToml(pub String);

/// What [`make_profile`] wrote.
#[derive(Debug)]
pub struct MadeProfile {
    /// The profile folder.
    pub dir: PathBuf,
    /// EF name → bytes, as written.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The test CSCA certificate (DER), also written as `csca.der`.
    pub csca_der: Vec<u8>,
    /// The document signer certificate (DER), also written as `dsc.der`.
    pub dsc_der: Vec<u8>,
    /// Path of `csca.der`.
    pub csca_path: PathBuf,
}

/// Builds a profile for `mrz_text` with `face` (JPEG or JPEG 2000 bytes, stored as given) and
/// writes it to `out_dir`: EF.COM.bin, EF.DG1.bin, EF.DG2.bin, EF.SOD.bin (+ extra files),
/// profile.toml, csca.der and dsc.der; for PACE-CAM also chip-ca.key and
/// EF.CardSecurity.bin, signed by the same document signer as EF.SOD.
pub fn make_profile(
    mrz_text: &str,
    face: &[u8],
    out_dir: &Path,
    options: &MakeOptions,
) -> Result<MadeProfile, SimError> {
    let ca = options
        .ca
        .as_ref()
        .map(|c| super::make_ca::chip_ca(c, options.pace.as_ref(), out_dir))
        .transpose()?;
    let with_ca;
    let options = match &ca {
        Some(ca) if !options.extra_files.contains_key("EF.DG14") => {
            let mut o = options.clone();
            let pace = if o.dg14_without_pace { Vec::new() } else { o.pace_infos() };
            o.extra_files.insert("EF.DG14".into(), super::make_ca::dg14(&pace, ca));
            with_ca = o;
            &with_ca
        }
        _ => options,
    };
    let files = build_files(mrz_text, face, options)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SimError::Io { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    if let Some(ca) = &ca {
        super::make_ca::write_key(out_dir, ca)?;
    }
    let security_object = match &options.pace {
        Some(p) => {
            write_cam_key(out_dir, p)?.map(|key| card_security_content(p, &key)).transpose()?
        }
        None => None,
    };
    let Signed { csca_der, dsc_der, sod, card_security } = sign_sod(&files, security_object)?;
    let mut files = files;
    let sod =
        if options.sod_indefinite_length { super::sod_ber::indefinite_sod(&sod)? } else { sod };
    files.insert("EF.SOD".into(), sod);
    if let Some(cs) = card_security {
        files.insert("EF.CardSecurity".into(), cs);
    }
    if options.pace.is_some() {
        files.insert("EF.CardAccess".into(), CardAccess::encode_pace(&options.pace_infos()));
    }
    for (name, bytes) in &files {
        let path = out_dir.join(format!("{name}.bin"));
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    let mut toml_text = String::from(
        "# Simulator profile made by `enrol-kiosk make-profile` (fictitious test data).\n",
    );
    toml_text.push_str(&format!("mrz = {:?}\n", canonical_mrz(mrz_text)?));
    if let Some(can) = &options.can {
        toml_text.push_str(&format!("can = {:?}\n", can.digits()));
    }
    if let Some(p) = &options.pace {
        toml_text.push_str(&format!(
            "\n[pace]\nparameter_id = {}\nmapping = {:?}\ncipher = {:?}\nbac = {}\n",
            p.params.group.parameter_id(),
            p.mapping_name(),
            p.params.cipher().name(),
            p.bac
        ));
        let extra: Vec<String> = options.pace_extra.iter().map(|e| e.toml()).collect();
        if !extra.is_empty() {
            toml_text.push_str(&format!("extra = [{}]\n", extra.join(", ")));
        }
    }
    if let Some(BehaviourToml(b)) = &options.behaviour {
        toml::from_str::<Behaviour>(b).map_err(|source| SimError::ProfileToml {
            path: out_dir.join("profile.toml"),
            source,
        })?;
        toml_text.push_str("\n[behaviour]\n");
        toml_text.push_str(b);
        toml_text.push('\n');
    }
    if let Some((key, hash)) = &options.aa {
        if let Some(h) = hash {
            toml_text.push_str(&format!("\n[aa]\nhash = {:?}\n", h.name()));
        }
        write_private(&out_dir.join(CHIP_AA_FILE), &key.to_pkcs8_der()?)?;
    }
    let toml_path = out_dir.join("profile.toml");
    std::fs::write(&toml_path, toml_text).map_err(io(&toml_path))?;
    let csca_path = out_dir.join("csca.der");
    std::fs::write(&csca_path, &csca_der).map_err(io(&csca_path))?;
    let dsc_path = out_dir.join("dsc.der");
    std::fs::write(&dsc_path, &dsc_der).map_err(io(&dsc_path))?;
    Ok(MadeProfile { dir: out_dir.to_path_buf(), files, csca_der, dsc_der, csca_path })
}

/// A PACE-CAM chip proves a static key: a fresh one in `chip-ca.key` (kept when the folder
/// already has one, so EF.CardSecurity made for it stays true). Returns the chip's key for
/// a PACE-CAM chip, `None` for other mappings.
fn write_cam_key(
    out_dir: &Path,
    p: &PaceSettings,
) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, SimError> {
    use crate::lds::card_access::Mapping;
    let path = out_dir.join(super::profile::CHIP_CA_KEY_FILE);
    let Some(curve) = p.params.group.curve() else { return Ok(None) };
    if p.params.mapping() != Mapping::ChipAuthentication {
        return Ok(None);
    }
    if path.exists() {
        let key = super::profile::read_capped(&path, 1024)?;
        return Ok(Some(zeroize::Zeroizing::new(key)));
    }
    let key = curve.random_secret(&mut rand::rngs::OsRng);
    std::fs::write(&path, &*key).map_err(|source| SimError::Io { path: path.clone(), source })?;
    Ok(Some(key))
}

/// EF.CardSecurity's SecurityInfos (BSI TR-03110-3 §A.1.2): the PACEInfo, a
/// ChipAuthenticationInfo (id-CA-ECDH-AES-CBC-CMAC-128, version 1) and the
/// ChipAuthenticationPublicKeyInfo of the chip's key (standardized domain parameters by
/// parameterId, keyId = parameterId as German chips do).
fn card_security_content(p: &PaceSettings, key: &[u8]) -> Result<Vec<u8>, SimError> {
    use crate::iso7816::tlv::tlv;
    use crate::lds::card_security::{PublicKeyAgreement, encode_public_key_info};
    let curve = p.params.group.curve().ok_or_else(|| {
        SimError::Pace("EF.CardSecurity needs an elliptic-curve PACE group".into())
    })?;
    let id = p.params.group.parameter_id();
    let public = curve
        .mul(key, None)
        .map_err(|e| SimError::Pace(format!("chip-ca.key is not a key of the PACE curve: {e}")))?;
    // id-ecc-standardized 0.4.0.127.0.7.1.2 with the parameterId (TR-03110-3 §A.2.1.1).
    let algorithm = tlv(0x30, &[tlv(0x06, &[4, 0, 0x7F, 0, 7, 1, 2]), tlv(0x02, &[id])].concat());
    let bits = tlv(0x03, &[&[0u8][..], &public].concat());
    let spki = tlv(0x30, &[algorithm, bits].concat());
    let pk_info = encode_public_key_info(PublicKeyAgreement::Ecdh, &spki, Some(u64::from(id)));
    let ca_info = tlv(
        0x30,
        &[tlv(0x06, &[4, 0, 0x7F, 0, 7, 2, 2, 3, 2, 2]), tlv(0x02, &[1]), tlv(0x02, &[id])]
            .concat(),
    );
    let set = [p.params.info().encode(), ca_info, pk_info].concat();
    Ok(tlv(0x31, &set))
}

/// Writes a private key file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| SimError::Io { path: path.to_path_buf(), source };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)
}

/// The MRZ lines joined with newlines, as profile.toml stores them.
fn canonical_mrz(mrz_text: &str) -> Result<String, SimError> {
    let mrz = crate::mrz::Mrz::parse(mrz_text)?;
    Ok(mrz.lines().join("\n"))
}

/// EF.COM, DG1, DG2 and the extra files (everything but the SOD).
fn build_files(
    mrz_text: &str,
    face: &[u8],
    options: &MakeOptions,
) -> Result<BTreeMap<String, Vec<u8>>, SimError> {
    let mrz = crate::mrz::Mrz::parse(mrz_text)?;
    let (width, height) = image_size(face).ok_or(SimError::FaceImage)?;
    let feature_points = options
        .eye_centres
        .map(|(a, b)| {
            // 12.1 is the subject's left eye: on the image's right, so the larger x.
            let (right, left) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            vec![
                FeaturePoint {
                    kind: FEATURE_POINT_2D,
                    code: LEFT_EYE_CENTRE,
                    x: left.0,
                    y: left.1,
                },
                FeaturePoint {
                    kind: FEATURE_POINT_2D,
                    code: RIGHT_EYE_CENTRE,
                    x: right.0,
                    y: right.1,
                },
            ]
        })
        .unwrap_or_default();
    let mut image = FaceImage::new(face.to_vec(), width, height).ok_or(SimError::FaceImage)?;
    image.feature_points = feature_points;
    image.source_type = 2; // digital still camera (ISO/IEC 19794-5 §5.7.3)
    let mut files = BTreeMap::new();
    files.insert("EF.DG1".to_owned(), crate::lds::dg1::encode(&mrz));
    files.insert("EF.DG2".to_owned(), crate::lds::dg2::encode(&[image]));
    for (name, bytes) in &options.extra_files {
        if super::fs::locate(name).is_none() || name == "EF.SOD" || name == "EF.COM" {
            return Err(SimError::UnknownFile { name: name.clone() });
        }
        files.insert(name.clone(), bytes.clone());
    }
    // A PACE chip lists its PACEInfo in DG14 too, under the SOD signature (ICAO 9303
    // Part 11 §9.2), so readers can tell a stripped EF.CardAccess from a BAC-only chip; an
    // ECDSA Active Authentication chip names its signature algorithm there.
    let pace_infos = if options.dg14_without_pace { Vec::new() } else { options.pace_infos() };
    let mut infos: Vec<Vec<u8>> = pace_infos.iter().map(|p| p.encode()).collect();
    if let Some((key, hash)) = &options.aa {
        files.insert("EF.DG15".to_owned(), crate::lds::dg15::encode(&key.spki_der()?));
        if key.is_ec() {
            infos.push(aa_info(hash.unwrap_or(HashAlgorithm::Sha256))?);
        }
    }
    if !infos.is_empty() || (options.dg14_without_pace && options.pace.is_some()) {
        files.entry("EF.DG14".to_owned()).or_insert_with(|| crate::lds::dg14::encode_infos(&infos));
    }
    let mut data_groups: Vec<u8> = files.keys().filter_map(|n| dg_number(n)).collect();
    data_groups.sort_unstable();
    let com = crate::lds::com::EfCom {
        lds_version: "0107".into(),
        unicode_version: "040000".into(),
        data_groups,
    };
    files.insert("EF.COM".to_owned(), com.encode());
    Ok(files)
}

/// ActiveAuthenticationInfo naming ecdsa-with-SHAx (RFC 5758 §3.2; ANSI X9.62 for SHA-1).
fn aa_info(hash: HashAlgorithm) -> Result<Vec<u8>, SimError> {
    let oid = match hash {
        HashAlgorithm::Sha1 => "1.2.840.10045.4.1",
        HashAlgorithm::Sha224 => "1.2.840.10045.4.3.1",
        HashAlgorithm::Sha256 => "1.2.840.10045.4.3.2",
        HashAlgorithm::Sha384 => "1.2.840.10045.4.3.3",
        HashAlgorithm::Sha512 => "1.2.840.10045.4.3.4",
    };
    let info = ActiveAuthenticationInfo { version: 1, signature_algorithm: oid.into() };
    info.encode().ok_or_else(|| SimError::AaKey(format!("cannot encode {oid}")))
}

fn dg_number(name: &str) -> Option<u8> {
    name.strip_prefix("EF.DG")?.parse().ok()
}

/// The outputs of [`sign_sod`].
struct Signed {
    csca_der: Vec<u8>,
    dsc_der: Vec<u8>,
    sod: Vec<u8>,
    /// EF.CardSecurity, when SecurityInfos were given.
    card_security: Option<Vec<u8>>,
}

/// Signs an LDSSecurityObject over the DGs in `files` and, when given, the SecurityObject of
/// EF.CardSecurity, with one document signer; returns the CSCA, the DSC and the files.
fn sign_sod(
    files: &BTreeMap<String, Vec<u8>>,
    security_object: Option<Vec<u8>>,
) -> Result<Signed, SimError> {
    let hashes: BTreeMap<u8, Vec<u8>> = files
        .iter()
        .filter_map(|(n, b)| Some((dg_number(n)?, HashAlgorithm::Sha256.digest(b))))
        .collect();
    let lds_so = crate::lds::sod::encode_lds_security_object(HashAlgorithm::Sha256, &hashes);

    let mut rng = rand::rngs::OsRng;
    let csca_key = EcdsaP256(SigningKey::random(&mut rng));
    let dsc_key = EcdsaP256(SigningKey::random(&mut rng));
    let csca_name = Name::from_str("CN=enrol-kiosk Test CSCA,O=enrol-kiosk test passports,C=UT")?;
    let dsc_name =
        Name::from_str("CN=enrol-kiosk Test Document Signer,O=enrol-kiosk test passports,C=UT")?;

    let csca_spki = SubjectPublicKeyInfoOwned::from_key(*csca_key.0.verifying_key())?;
    let csca = CertificateBuilder::new(
        CertProfile::Root,
        serial(&mut rng)?,
        Validity::from_now(Duration::from_secs(15 * YEAR))?,
        csca_name.clone(),
        csca_spki,
        &csca_key,
    )?
    .build::<DerSignature>()?;

    let dsc_serial = serial(&mut rng)?;
    let dsc_spki = SubjectPublicKeyInfoOwned::from_key(*dsc_key.0.verifying_key())?;
    let dsc = CertificateBuilder::new(
        CertProfile::Leaf {
            issuer: csca_name.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        dsc_serial.clone(),
        Validity::from_now(Duration::from_secs(10 * YEAR))?,
        dsc_name,
        dsc_spki,
        &csca_key,
    )?
    .build::<DerSignature>()?;

    // EF.SOD and EF.CardSecurity: the same document signer (BSI TR-03110-3 §A.1.2).
    let sign = |econtent_type: ObjectIdentifier, econtent: Vec<u8>| -> Result<Vec<u8>, SimError> {
        let content = EncapsulatedContentInfo {
            econtent_type,
            econtent: Some(Any::new(Tag::OctetString, econtent)?),
        };
        let digest = AlgorithmIdentifierOwned { oid: ID_SHA256, parameters: None };
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: csca_name.clone(),
            serial_number: dsc_serial.clone(),
        });
        let mut signer = SignerInfoBuilder::new(&dsc_key, sid, digest.clone(), &content, None)?;
        signer.add_signed_attribute(create_signing_time_attribute()?)?;
        let signed: ContentInfo = SignedDataBuilder::new(&content)
            .add_digest_algorithm(digest)?
            .add_certificate(CertificateChoices::Certificate(dsc.clone()))?
            .add_signer_info::<EcdsaP256, DerSignature>(signer)?
            .build()?;
        Ok(signed.to_der()?)
    };
    let cms_der = sign(ID_LDS_SECURITY_OBJECT, lds_so)?;
    let card_security = security_object.map(|c| sign(ID_SECURITY_OBJECT, c)).transpose()?;
    Ok(Signed {
        csca_der: csca.to_der()?,
        dsc_der: dsc.to_der()?,
        sod: crate::iso7816::tlv::tlv(0x77, &cms_der),
        card_security,
    })
}

fn serial(rng: &mut impl RngCore) -> Result<SerialNumber, SimError> {
    let mut bytes = [0u8; 9];
    rng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x3F) | 0x10; // positive, no leading zero
    Ok(SerialNumber::new(&bytes)?)
}

/// Width and height of a JPEG (SOFn marker), JP2 (ihdr box) or J2K codestream (SIZ marker).
pub fn image_size(bytes: &[u8]) -> Option<(u16, u16)> {
    match ImageFormat::sniff(bytes)? {
        ImageFormat::Jpeg => jpeg_size(bytes),
        ImageFormat::Jp2 => {
            let at = bytes.windows(4).position(|w| w == b"ihdr")?;
            let h = be32(bytes, at + 4)?;
            let w = be32(bytes, at + 8)?;
            Some((u16::try_from(w).ok()?, u16::try_from(h).ok()?))
        }
        ImageFormat::J2k => {
            // SIZ: FF51 Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4)
            let w = be32(bytes, 8)?.checked_sub(be32(bytes, 16)?)?;
            let h = be32(bytes, 12)?.checked_sub(be32(bytes, 20)?)?;
            Some((u16::try_from(w).ok()?, u16::try_from(h).ok()?))
        }
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn jpeg_size(b: &[u8]) -> Option<(u16, u16)> {
    let mut i = 2usize;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = u16::from_be_bytes([*b.get(i + 5)?, *b.get(i + 6)?]);
            let w = u16::from_be_bytes([*b.get(i + 7)?, *b.get(i + 8)?]);
            return Some((w, h));
        }
        i = i.checked_add(2 + len)?;
    }
}

#[cfg(test)]
#[path = "make_tests.rs"]
mod tests;
