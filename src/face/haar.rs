//! Viola–Jones boosted Haar cascade evaluator for OpenCV's `opencv-cascade-classifier`
//! XML format (stage thresholds, stump/tree weak classifiers, upright rectangle features,
//! window variance normalisation), with a sliding window over an image pyramid and the
//! usual neighbour grouping of detections.

use image::GrayImage;
use image::imageops::{FilterType, resize};

/// A rectangle in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f32,
    /// Top.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    /// Centre point.
    pub fn centre(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// A grouped detection with how many raw windows supported it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Averaged rectangle.
    pub rect: Rect,
    /// Number of raw detections in the group.
    pub neighbours: usize,
}

#[derive(Debug, Clone)]
struct Feature {
    /// (x, y, w, h, weight) in window coordinates.
    rects: Vec<(u32, u32, u32, u32, f32)>,
}

#[derive(Debug, Clone)]
struct Node {
    left: i32,
    right: i32,
    feature: usize,
    threshold: f32,
}

#[derive(Debug, Clone)]
struct Weak {
    nodes: Vec<Node>,
    leaves: Vec<f32>,
}

#[derive(Debug, Clone)]
struct Stage {
    threshold: f32,
    weak: Vec<Weak>,
}

/// A parsed cascade.
#[derive(Debug, Clone)]
pub struct Cascade {
    width: u32,
    height: u32,
    stages: Vec<Stage>,
    features: Vec<Feature>,
}

/// Why a cascade file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CascadeError {
    /// Not well-formed XML.
    #[error("cascade XML: {0}")]
    Xml(#[from] roxmltree::Error),
    /// Structure or values missing or wrong.
    #[error("cascade: {0}")]
    Invalid(String),
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name(name))
}

fn items<'a, 'i>(n: roxmltree::Node<'a, 'i>) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    n.children().filter(|c| c.has_tag_name("_"))
}

fn text<'a>(n: Option<roxmltree::Node<'a, '_>>, what: &str) -> Result<&'a str, CascadeError> {
    n.and_then(|n| n.text()).ok_or_else(|| CascadeError::Invalid(format!("missing {what}")))
}

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, CascadeError> {
    s.trim().parse().map_err(|_| CascadeError::Invalid(format!("bad number {s:?} in {what}")))
}

fn nums<T: std::str::FromStr>(s: &str, what: &str) -> Result<Vec<T>, CascadeError> {
    s.split_whitespace().map(|t| num(t, what)).collect()
}

impl Cascade {
    /// Parse an OpenCV cascade XML (new format, HAAR features, BOOST stages).
    pub fn from_xml(xml: &str) -> Result<Cascade, CascadeError> {
        let doc = roxmltree::Document::parse(xml)?;
        let cascade = doc
            .descendants()
            .find(|n| n.has_tag_name("cascade"))
            .ok_or_else(|| CascadeError::Invalid("no <cascade>".into()))?;
        if text(child(cascade, "featureType"), "featureType")?.trim() != "HAAR" {
            return Err(CascadeError::Invalid("only HAAR features are supported".into()));
        }
        let width: u32 = num(text(child(cascade, "width"), "width")?, "width")?;
        let height: u32 = num(text(child(cascade, "height"), "height")?, "height")?;
        let mut features = Vec::new();
        let fnode = child(cascade, "features")
            .ok_or_else(|| CascadeError::Invalid("no <features>".into()))?;
        for f in items(fnode) {
            if let Some(t) = child(f, "tilted").and_then(|t| t.text()) {
                if t.trim() != "0" {
                    return Err(CascadeError::Invalid("tilted features unsupported".into()));
                }
            }
            let rnode =
                child(f, "rects").ok_or_else(|| CascadeError::Invalid("feature rects".into()))?;
            let mut rects = Vec::new();
            for r in items(rnode) {
                let v: Vec<f32> = nums(text(Some(r), "rect")?, "rect")?;
                let [x, y, w, h, wt] = v[..] else {
                    return Err(CascadeError::Invalid("rect needs 5 numbers".into()));
                };
                if x < 0.0 || y < 0.0 || x + w > width as f32 || y + h > height as f32 {
                    return Err(CascadeError::Invalid("rect outside the window".into()));
                }
                rects.push((x as u32, y as u32, w as u32, h as u32, wt));
            }
            features.push(Feature { rects });
        }
        let mut stages = Vec::new();
        let snode =
            child(cascade, "stages").ok_or_else(|| CascadeError::Invalid("no <stages>".into()))?;
        for s in items(snode) {
            let threshold: f32 = num(text(child(s, "stageThreshold"), "stage")?, "stage")?;
            let wnode = child(s, "weakClassifiers")
                .ok_or_else(|| CascadeError::Invalid("no weakClassifiers".into()))?;
            let mut weak = Vec::new();
            for w in items(wnode) {
                let raw: Vec<f32> = nums(text(child(w, "internalNodes"), "nodes")?, "nodes")?;
                let leaves: Vec<f32> = nums(text(child(w, "leafValues"), "leaves")?, "leaves")?;
                if raw.is_empty() || raw.len() % 4 != 0 {
                    return Err(CascadeError::Invalid("internalNodes not in fours".into()));
                }
                let mut nodes = Vec::new();
                for c in raw.chunks_exact(4) {
                    let (l, r, fi, t) = (c[0] as i32, c[1] as i32, c[2], c[3]);
                    let feature = fi as usize;
                    let leaf_ok = |i: i32| {
                        if i <= 0 {
                            ((-i) as usize) < leaves.len()
                        } else {
                            (i as usize) < raw.len() / 4
                        }
                    };
                    if feature >= features.len() || !leaf_ok(l) || !leaf_ok(r) {
                        return Err(CascadeError::Invalid("node index out of range".into()));
                    }
                    nodes.push(Node { left: l, right: r, feature, threshold: t });
                }
                weak.push(Weak { nodes, leaves });
            }
            stages.push(Stage { threshold, weak });
        }
        if stages.is_empty() || width < 3 || height < 3 {
            return Err(CascadeError::Invalid("empty cascade".into()));
        }
        Ok(Cascade { width, height, stages, features })
    }

    /// Detect objects between `min_size` and `max_size` pixels wide in `img`, grouping raw
    /// windows that overlap and keeping groups of more than `min_neighbours`.
    pub fn detect(
        &self,
        img: &GrayImage,
        scale_factor: f32,
        min_size: f32,
        max_size: f32,
        min_neighbours: usize,
    ) -> Vec<Detection> {
        let mut raw = Vec::new();
        let mut factor = 1.0f32;
        let step = scale_factor.max(1.01);
        // At most ~200 pyramid levels; in practice a dozen.
        for _ in 0..200 {
            let win = self.width as f32 * factor;
            if win > max_size {
                break;
            }
            let sw = (img.width() as f32 / factor) as u32;
            let sh = (img.height() as f32 / factor) as u32;
            if sw < self.width || sh < self.height {
                break;
            }
            if win >= min_size {
                let scaled = resize(img, sw, sh, FilterType::Triangle);
                let ii = Integral::new(&scaled);
                let ystep = if factor > 2.0 { 1 } else { 2 };
                let mut y = 0;
                while y + self.height <= sh {
                    let mut x = 0;
                    while x + self.width <= sw {
                        if self.passes(&ii, x, y) {
                            raw.push(Rect {
                                x: x as f32 * factor,
                                y: y as f32 * factor,
                                w: win,
                                h: self.height as f32 * factor,
                            });
                        }
                        x += ystep;
                    }
                    y += ystep;
                }
            }
            factor *= step;
        }
        group(&raw, min_neighbours, 0.2)
    }

    fn passes(&self, ii: &Integral, x: u32, y: u32) -> bool {
        let (w, h) = (self.width, self.height);
        let area = ((w - 2) * (h - 2)) as f64;
        let s = ii.sum(x + 1, y + 1, w - 2, h - 2);
        let sq = ii.sq_sum(x + 1, y + 1, w - 2, h - 2);
        let nf = area * sq - s * s;
        let nf = if nf > 0.0 { nf.sqrt() } else { 1.0 };
        let inv = 1.0 / nf;
        for stage in &self.stages {
            let mut total = 0.0f32;
            for weak in &stage.weak {
                let mut idx = 0usize;
                let leaf = loop {
                    let Some(node) = weak.nodes.get(idx) else {
                        return false;
                    };
                    let value = self.feature_value(ii, node.feature, x, y) * inv;
                    let next = if (value as f32) < node.threshold { node.left } else { node.right };
                    if next <= 0 {
                        break weak.leaves.get((-next) as usize).copied().unwrap_or(0.0);
                    }
                    idx = next as usize;
                };
                total += leaf;
            }
            if total < stage.threshold {
                return false;
            }
        }
        true
    }

    fn feature_value(&self, ii: &Integral, f: usize, x: u32, y: u32) -> f64 {
        self.features.get(f).map_or(0.0, |f| {
            f.rects
                .iter()
                .map(|&(rx, ry, rw, rh, wt)| f64::from(wt) * ii.sum(x + rx, y + ry, rw, rh))
                .sum()
        })
    }
}

/// Summed-area tables of values and squared values, (w+1)×(h+1).
struct Integral {
    stride: usize,
    sum: Vec<f64>,
    sq: Vec<f64>,
}

impl Integral {
    fn new(img: &GrayImage) -> Integral {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let stride = w + 1;
        let mut sum = vec![0.0; stride * (h + 1)];
        let mut sq = vec![0.0; stride * (h + 1)];
        for (y, row) in img.as_raw().chunks_exact(w.max(1)).take(h).enumerate() {
            let (mut rs, mut rq) = (0.0f64, 0.0f64);
            for (x, &p) in row.iter().enumerate() {
                let v = f64::from(p);
                rs += v;
                rq += v * v;
                let i = (y + 1) * stride + x + 1;
                sum[i] = sum[i - stride] + rs;
                sq[i] = sq[i - stride] + rq;
            }
        }
        Integral { stride, sum, sq }
    }

    fn rect(t: &[f64], stride: usize, x: u32, y: u32, w: u32, h: u32) -> f64 {
        let (x, y, w, h) = (x as usize, y as usize, w as usize, h as usize);
        let at = |xx: usize, yy: usize| t.get(yy * stride + xx).copied().unwrap_or(0.0);
        at(x + w, y + h) - at(x, y + h) - at(x + w, y) + at(x, y)
    }

    fn sum(&self, x: u32, y: u32, w: u32, h: u32) -> f64 {
        Self::rect(&self.sum, self.stride, x, y, w, h)
    }

    fn sq_sum(&self, x: u32, y: u32, w: u32, h: u32) -> f64 {
        Self::rect(&self.sq, self.stride, x, y, w, h)
    }
}

/// Cluster similar rectangles (union of pairs closer than `eps` of their size), average each
/// cluster and keep those with more than `min_neighbours` members.
fn group(rects: &[Rect], min_neighbours: usize, eps: f32) -> Vec<Detection> {
    let n = rects.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for i in 0..n {
        for j in (i + 1)..n {
            let (a, b) = (rects[i], rects[j]);
            let delta = eps * (a.w.min(b.w) + a.h.min(b.h)) * 0.5;
            if (a.x - b.x).abs() <= delta
                && (a.y - b.y).abs() <= delta
                && (a.x + a.w - b.x - b.w).abs() <= delta
                && (a.y + a.h - b.y - b.h).abs() <= delta
            {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                parent[ri] = rj;
            }
        }
    }
    let mut acc: std::collections::BTreeMap<usize, (Rect, usize)> = Default::default();
    for (i, r) in rects.iter().enumerate() {
        let e =
            acc.entry(root(&mut parent, i)).or_insert((Rect { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }, 0));
        e.0.x += r.x;
        e.0.y += r.y;
        e.0.w += r.w;
        e.0.h += r.h;
        e.1 += 1;
    }
    acc.into_values()
        .filter(|(_, c)| *c > min_neighbours)
        .map(|(r, c)| {
            let k = c as f32;
            Detection {
                rect: Rect { x: r.x / k, y: r.y / k, w: r.w / k, h: r.h / k },
                neighbours: c,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_eye_cascade_parses() {
        let c = Cascade::from_xml(super::super::detect::EYE_CASCADE_XML).unwrap();
        assert_eq!((c.width, c.height), (20, 20));
        assert_eq!(c.stages.len(), 24);
        assert!(c.features.len() > 100);
    }

    #[test]
    fn integral_sums_match_direct_sums() {
        let img = GrayImage::from_fn(7, 5, |x, y| image::Luma([(x * 13 + y * 7) as u8]));
        let ii = Integral::new(&img);
        let direct: f64 = (1..4)
            .flat_map(|y| (2..6).map(move |x| (x, y)))
            .map(|(x, y)| f64::from(img.get_pixel(x, y).0[0]))
            .sum();
        assert_eq!(ii.sum(2, 1, 4, 3), direct);
    }

    #[test]
    fn grouping_keeps_dense_clusters_only() {
        let r = |x: f32| Rect { x, y: 10.0, w: 20.0, h: 20.0 };
        let rects = vec![r(10.0), r(11.0), r(12.0), r(10.5), r(100.0)];
        let g = group(&rects, 3, 0.2);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].neighbours, 4);
        assert!((g[0].rect.x - 10.875).abs() < 1e-4);
    }

    #[test]
    fn malformed_cascades_are_errors() {
        assert!(Cascade::from_xml("<x/>").is_err());
        assert!(Cascade::from_xml("not xml").is_err());
    }
}
