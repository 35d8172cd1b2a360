//! Request validation of the fake, as strict as the real service: content type, required
//! fields, regexes, credentials, `rotation`, `source`, image type by its bytes and size.

use bytes::Bytes;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::FakeOptions;
use super::state::{Refusal, TokenFields};
use crate::iproov::ApiErrorCode;
use crate::iproov::types::{ImageFormat, MAX_IMAGE_BYTES, is_valid_user_id, sniff_image_format};

fn missing(d: impl Into<String>) -> Refusal {
    Refusal::new(ApiErrorCode::MissingData, d)
}

fn media_type(content_type: Option<&str>) -> String {
    content_type
        .and_then(|c| c.split(';').next())
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// A JSON object body with `Content-Type: application/json`.
pub fn json_object(content_type: Option<&str>, body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    if media_type(content_type) != "application/json" {
        return Err(missing("the body must be JSON (Content-Type: application/json)"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(missing("the body is not a JSON object")),
    }
}

/// A required string field.
fn text<'a>(m: &'a Map<String, Value>, key: &str) -> Result<&'a str, Refusal> {
    match m.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(missing(format!("{key} is required")))
        }
        Some(_) => Err(missing(format!("{key} must be a string"))),
    }
}

/// An optional string field.
fn opt_text<'a>(m: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, Refusal> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(missing(format!("{key} must be a string"))),
    }
}

/// `api_key` and `secret`, compared in constant time.
pub fn credentials(
    api_key: Option<&str>,
    secret: Option<&str>,
    opts: &FakeOptions,
) -> Result<(), Refusal> {
    let (Some(k), Some(s)) = (api_key, secret) else {
        return Err(missing("api_key and secret are required"));
    };
    let ok_k: bool = k.as_bytes().ct_eq(opts.api_key.as_bytes()).into();
    let ok_s: bool = s.as_bytes().ct_eq(opts.secret.as_bytes()).into();
    if ok_k && ok_s {
        Ok(())
    } else {
        Err(Refusal::new(ApiErrorCode::InvalidKey, "invalid api_key or secret for this region"))
    }
}

fn user_id(m: &Map<String, Value>) -> Result<String, Refusal> {
    let u = text(m, "user_id")?;
    if !is_valid_user_id(u) {
        return Err(Refusal::new(
            ApiErrorCode::InvalidUserId,
            "user_id must match [a-zA-Z0-9'\\+_@\\.-]{1,256}",
        ));
    }
    Ok(u.to_owned())
}

/// Body of `/claim/enrol/token` and `/claim/verify/token`.
pub fn token_request(m: &Map<String, Value>, opts: &FakeOptions) -> Result<TokenFields, Refusal> {
    credentials(opt_text(m, "api_key")?, opt_text(m, "secret")?, opts)?;
    text(m, "resource")?;
    let user_id = user_id(m)?;
    let assurance_type = opt_text(m, "assurance_type")?.unwrap_or("genuine_presence").to_owned();
    if !matches!(assurance_type.as_str(), "genuine_presence" | "liveness")
        || !opts.assurance_types.iter().any(|a| a == &assurance_type)
    {
        return Err(Refusal::new(
            ApiErrorCode::InvalidAssuranceType,
            "this assurance_type is not available to this service provider",
        ));
    }
    let risk_profile = opt_text(m, "risk_profile")?.map(str::to_owned);
    if let Some(rp) = &risk_profile {
        let well_formed = rp.len() <= 100
            && rp.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !well_formed || (!rp.is_empty() && !opts.risk_profiles.iter().any(|p| p == rp)) {
            return Err(Refusal::new(ApiErrorCode::InvalidRiskAppetite, "unknown risk_profile"));
        }
    }
    opt_text(m, "client")?;
    Ok(TokenFields {
        user_id,
        assurance_type,
        risk_profile: risk_profile.filter(|r| !r.is_empty()),
    })
}

/// Body of `/claim/verify/validate` → (user_id, token).
pub fn validate_request(
    m: &Map<String, Value>,
    opts: &FakeOptions,
) -> Result<(String, String), Refusal> {
    credentials(opt_text(m, "api_key")?, opt_text(m, "secret")?, opts)?;
    let u = user_id(m)?;
    let token = text(m, "token")?.to_owned();
    text(m, "client")?;
    opt_text(m, "risk_profile")?;
    Ok((u, token))
}

/// A checked enrol-image upload.
#[derive(Debug)]
pub struct ImageUpload {
    pub token: String,
    pub source: String,
    pub format: ImageFormat,
    pub bytes: usize,
    pub seen: super::state::ImageSeen,
}

fn bad_image(d: impl Into<String>) -> Refusal {
    Refusal::new(ApiErrorCode::InvalidEnrolImage, d)
}

/// Body of `/claim/enrol/image` (multipart/form-data).
pub async fn image_request(
    content_type: Option<&str>,
    body: Bytes,
    opts: &FakeOptions,
) -> Result<ImageUpload, Refusal> {
    if media_type(content_type) != "multipart/form-data" {
        return Err(missing("the body must be multipart/form-data with an image part"));
    }
    let boundary = content_type
        .and_then(|c| multer::parse_boundary(c).ok())
        .ok_or_else(|| missing("multipart boundary missing"))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut fields: std::collections::HashMap<String, String> = Default::default();
    let mut image: Option<Bytes> = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(missing(format!("malformed multipart body: {e}"))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let data =
            field.bytes().await.map_err(|e| missing(format!("malformed multipart body: {e}")))?;
        if name == "image" {
            if image.is_some() {
                return Err(bad_image("more than one image part"));
            }
            image = Some(data);
        } else if !is_file {
            let value = String::from_utf8(data.to_vec())
                .map_err(|_| missing(format!("field {name} is not text")))?;
            if fields.insert(name.clone(), value).is_some() {
                return Err(missing(format!("field {name} given twice")));
            }
        }
    }
    credentials(
        fields.get("api_key").map(String::as_str),
        fields.get("secret").map(String::as_str),
        opts,
    )?;
    let token = fields
        .get("token")
        .filter(|t| !t.is_empty())
        .cloned()
        .ok_or_else(|| missing("token is required"))?;
    match fields.get("rotation").map(String::as_str) {
        Some("0") => {}
        None | Some("") => return Err(missing("rotation is required (0)")),
        Some(_) => return Err(bad_image("rotation must be 0, the only value supported")),
    }
    let source = fields.get("source").cloned().unwrap_or_else(|| "eid".into());
    if !matches!(source.as_str(), "eid" | "oid" | "selfie") {
        return Err(Refusal::new(
            ApiErrorCode::InvalidSource,
            "source must be one of eid, oid, selfie (lowercase)",
        ));
    }
    let image = image.ok_or_else(|| bad_image("the image part is missing"))?;
    if image.is_empty() {
        return Err(bad_image("the image is empty"));
    }
    if image.len() > MAX_IMAGE_BYTES {
        return Err(bad_image(format!(
            "the image is {} bytes; at most {MAX_IMAGE_BYTES} (2 MB) are accepted",
            image.len()
        )));
    }
    let format = sniff_image_format(&image)
        .ok_or_else(|| bad_image("the image is not PNG, JPEG or JP2 (judged by its bytes)"))?;
    if !looks_complete(format, &image) {
        return Err(bad_image("the image data is truncated or cannot be decoded"));
    }
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&image));
    let seen =
        super::state::ImageSeen { format, bytes: image.len(), sha256, source: source.clone() };
    Ok(ImageUpload { token, source, format, bytes: image.len(), seen })
}

/// The `token` field of a multipart image upload, when the body is well formed enough to
/// name one (for counting uploads per token; nothing else is judged here).
pub async fn form_token(content_type: Option<&str>, body: Bytes) -> Option<String> {
    if media_type(content_type) != "multipart/form-data" {
        return None;
    }
    let boundary = content_type.and_then(|c| multer::parse_boundary(c).ok())?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("token") && field.file_name().is_none() {
            let t = field.text().await.ok()?;
            return (!t.is_empty() && t.len() <= 256).then_some(t);
        }
    }
    None
}

/// Cheap structural completeness: JPEG ends with EOI, PNG has IEND, JP2 has a codestream box.
fn looks_complete(format: ImageFormat, b: &[u8]) -> bool {
    match format {
        ImageFormat::Jpeg => {
            let trimmed = b.iter().rposition(|&x| x != 0).and_then(|i| b.get(..=i)).unwrap_or(b);
            trimmed.ends_with(&[0xFF, 0xD9])
        }
        ImageFormat::Png => b.windows(4).any(|w| w == b"IEND"),
        ImageFormat::Jp2 => b.windows(4).any(|w| w == b"jp2c"),
    }
}
