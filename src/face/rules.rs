//! The photo-enrol API's image rules (docs/iproov-api.md §2): PNG, JPEG or JP2; at most
//! 2 MB; at least 85 pixels between the eye centres (ISO/IEC 19794-5 face).

use super::encode::OutputFormat;

/// Minimum inter-eye distance the API requires, in pixels.
pub const MIN_EYE_DISTANCE_PX: f32 = 85.0;

/// How the inter-eye distance was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EyeDistanceMethod {
    /// From the ISO/IEC 19794-5 record's eye-centre feature points (12.1 and 12.2).
    FeaturePoints,
    /// From the bundled face and eye detector.
    Detector,
    /// Not measured: no feature points and the detector found no eyes.
    None,
}

impl EyeDistanceMethod {
    /// A plain description for reports.
    pub fn describe(&self) -> &'static str {
        match self {
            EyeDistanceMethod::FeaturePoints => {
                "ISO/IEC 19794-5 eye-centre feature points (12.1, 12.2)"
            }
            EyeDistanceMethod::Detector => super::detect::METHOD_NAME,
            EyeDistanceMethod::None => "not measured",
        }
    }
}

/// Euclidean distance between two points.
pub fn distance(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// Check the rules; returns one plain sentence per failed rule (empty when all pass).
pub fn check(format: OutputFormat, len: usize, max_bytes: usize, eyes: Option<f32>) -> Vec<String> {
    let mut problems = Vec::new();
    // Every OutputFormat is an accepted media type; kept explicit so a new variant is seen.
    match format {
        OutputFormat::Jpeg | OutputFormat::Png | OutputFormat::Jp2 => {}
    }
    if len > max_bytes {
        problems
            .push(format!("The image is {len} bytes; the API accepts at most {max_bytes} bytes."));
    }
    match eyes {
        Some(d) if d < MIN_EYE_DISTANCE_PX => problems.push(format!(
            "The eyes are {d:.1} pixels apart; the API needs at least {MIN_EYE_DISTANCE_PX:.0}."
        )),
        Some(_) => {}
        None => problems.push(
            "The eyes could not be located, so the 85-pixel eye distance rule could not be \
             checked."
                .to_string(),
        ),
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eye_distance_line_is_85_inclusive() {
        assert!(check(OutputFormat::Png, 10, 100, Some(85.0)).is_empty());
        assert_eq!(check(OutputFormat::Png, 10, 100, Some(84.9)).len(), 1);
        assert_eq!(check(OutputFormat::Png, 10, 100, None).len(), 1);
    }

    #[test]
    fn size_limit_is_inclusive() {
        assert!(check(OutputFormat::Jpeg, 100, 100, Some(90.0)).is_empty());
        let p = check(OutputFormat::Jpeg, 101, 100, Some(90.0));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("101 bytes"));
    }

    #[test]
    fn distance_is_euclidean() {
        assert_eq!(distance((0.0, 0.0), (3.0, 4.0)), 5.0);
    }
}
