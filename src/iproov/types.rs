//! Typed requests and responses of the photo-enrol calls, the `user_id` and image rules.

use serde::{Deserialize, Serialize};

/// The API's image size limit: "2 MB", read as 2 000 000 bytes (the strict reading of a
/// decimal megabyte; 2 MiB would let through images the service may refuse).
pub const MAX_IMAGE_BYTES: usize = 2_000_000;

/// A `user_id`: `[a-zA-Z0-9'\+_@\.-]{1,256}`, random, free of personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// 32 random base64url-alphabet characters (192 bits) from the OS generator.
    pub fn generate() -> UserId {
        Self::generate_with(&mut rand::rngs::OsRng)
    }

    /// As [`UserId::generate`] with an injected generator.
    pub fn generate_with<R: rand::RngCore + ?Sized>(rng: &mut R) -> UserId {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        let s: String = bytes.iter().map(|b| char::from(ALPHABET[usize::from(b & 63)])).collect();
        UserId(s)
    }

    /// Checks the documented pattern.
    pub fn parse(s: &str) -> Result<UserId, String> {
        if is_valid_user_id(s) {
            Ok(UserId(s.to_owned()))
        } else {
            Err("user_id must be 1 to 256 of the characters a-z A-Z 0-9 ' + _ @ . -".into())
        }
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `[a-zA-Z0-9'\+_@\.-]{1,256}` over the whole string.
pub fn is_valid_user_id(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"'+_@.-".contains(&b))
}

/// Where the enrol image comes from (`source` field; sent lowercase).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ImageSource {
    /// Electronic ID: the photo on a passport or ID card chip.
    #[default]
    Eid,
    /// Optical ID: a photo of the printed document.
    Oid,
    /// A selfie.
    Selfie,
}

impl ImageSource {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageSource::Eid => "eid",
            ImageSource::Oid => "oid",
            ImageSource::Selfie => "selfie",
        }
    }
}

/// Image types the API accepts, as told by their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Jp2,
}

impl ImageFormat {
    /// MIME type for the multipart part.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Jp2 => "image/jp2",
        }
    }
    /// File name for the multipart part.
    pub fn file_name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image.jpg",
            ImageFormat::Png => "image.png",
            ImageFormat::Jp2 => "image.jp2",
        }
    }
}

/// Identifies PNG, JPEG or a JP2 file by its first bytes.
pub fn sniff_image_format(bytes: &[u8]) -> Option<ImageFormat> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    const JP2: &[u8] = b"\x00\x00\x00\x0cjP  \r\n\x87\n";
    if bytes.starts_with(PNG) {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(JP2) {
        Some(ImageFormat::Jp2)
    } else {
        None
    }
}

/// A token from `/claim/enrol/token` or `/claim/verify/token`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct TokenGrant {
    pub token: String,
    #[serde(default)]
    pub user_id: Option<String>,
    /// Streaming host ("pod") the SDK should use, when sent.
    #[serde(default)]
    pub pod: Option<String>,
    #[serde(default)]
    pub primary: Option<String>,
    #[serde(default)]
    pub risk_profile: Option<String>,
}

/// The answer of `/claim/enrol/image`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ImageAccepted {
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    pub success: bool,
}

/// The outcome from `/claim/verify/validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    pub passed: bool,
    pub token: Option<String>,
    /// Provider-configured reason (top level or under `result`).
    pub reason: Option<String>,
    pub assurance_type: Option<String>,
    pub risk_profile: Option<String>,
    /// `frame_available`, sent as a boolean or a string.
    pub frame_available: Option<bool>,
}

impl Validation {
    /// Reads the validate answer tolerantly: `passed` at top level (or under `result`),
    /// `reason` at top level or under `result`, `frame_available` as bool or string.
    pub fn from_json(v: &serde_json::Value) -> Result<Validation, String> {
        let result = v.get("result");
        let passed = v
            .get("passed")
            .or_else(|| result.and_then(|r| r.get("passed")))
            .and_then(serde_json::Value::as_bool)
            .ok_or("the answer has no boolean `passed`")?;
        let text = |key: &str| -> Option<String> {
            v.get(key)
                .or_else(|| result.and_then(|r| r.get(key)))
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(500).collect())
        };
        let frame_available = match v.get("frame_available") {
            Some(serde_json::Value::Bool(b)) => Some(*b),
            Some(serde_json::Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" | "" => Some(false),
                _ => None,
            },
            _ => None,
        };
        Ok(Validation {
            passed,
            token: text("token"),
            reason: text("reason"),
            assurance_type: text("assurance_type"),
            risk_profile: text("risk_profile"),
            frame_available,
        })
    }
}

/// JSON body of the two token calls. Holds the secrets; deliberately no `Debug`.
#[derive(Serialize)]
pub(crate) struct TokenRequest<'a> {
    pub api_key: &'a str,
    pub secret: &'a str,
    pub resource: &'a str,
    pub user_id: &'a str,
    pub assurance_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_profile: Option<&'a str>,
    pub client: &'a str,
}

/// JSON body of validate. Holds the secrets; deliberately no `Debug`.
#[derive(Serialize)]
pub(crate) struct ValidateRequest<'a> {
    pub api_key: &'a str,
    pub secret: &'a str,
    pub user_id: &'a str,
    pub token: &'a str,
    pub client: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_profile: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generated_user_ids_conform_and_differ() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let a = UserId::generate_with(&mut rng);
        let b = UserId::generate_with(&mut rng);
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(is_valid_user_id(a.as_str()));
        assert!(is_valid_user_id(UserId::generate().as_str()));
    }

    #[test]
    fn user_id_pattern() {
        for ok in ["a", "A9'+_@.-", &"x".repeat(256)] {
            assert!(UserId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "é", "a/b", &"x".repeat(257), "a\n"] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_image_format(b"\xFF\xD8\xFF\xE0rest"), Some(ImageFormat::Jpeg));
        assert_eq!(sniff_image_format(b"\x89PNG\r\n\x1a\n...."), Some(ImageFormat::Png));
        assert_eq!(
            sniff_image_format(b"\x00\x00\x00\x0cjP  \r\n\x87\n..."),
            Some(ImageFormat::Jp2)
        );
        assert_eq!(sniff_image_format(b"\xFF\x4F\xFF\x51"), None);
        assert_eq!(sniff_image_format(b"GIF89a"), None);
        assert_eq!(sniff_image_format(b""), None);
    }

    #[test]
    fn validation_accepts_both_shapes() {
        let a = Validation::from_json(&serde_json::json!({
            "passed": false, "token": "t", "type": "verify", "reason": "Please Keep Still",
            "frame_available": "true"
        }))
        .unwrap();
        assert_eq!(a.reason.as_deref(), Some("Please Keep Still"));
        assert_eq!(a.frame_available, Some(true));
        let b = Validation::from_json(&serde_json::json!({
            "passed": false, "result": {"reason": "Too dark"}, "frame_available": false
        }))
        .unwrap();
        assert_eq!(b.reason.as_deref(), Some("Too dark"));
        assert_eq!(b.frame_available, Some(false));
        let c = Validation::from_json(&serde_json::json!({"passed": true})).unwrap();
        assert!(c.passed && c.reason.is_none() && c.frame_available.is_none());
        assert!(Validation::from_json(&serde_json::json!({"passed": "yes"})).is_err());
    }
}
