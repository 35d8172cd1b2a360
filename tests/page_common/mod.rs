//! Synthetic photo pages for the page tests: an ICAO 9303 Part 4 TD3 passport data page
//! (125 × 88 mm) or a Part 5 TD1 card (85.6 × 54 mm, front and back scanned onto one sheet)
//! rendered at a chosen resolution and small rotation, with a public-domain face in the
//! portrait zone, visible-zone text, a light background pattern, and the MRZ in OCR-B at the
//! Part 3 geometry (10 characters per inch) — together with the truth (eye centres, MRZ lines,
//! MRZ axis) in page pixels.
//!
//! Geometry (mm, from the document's top-left corner; nominal values close to the Part 4/5
//! figures, the same for every render so tests can rely on them):
//! - TD3: portrait zone V x 6–41, y 16–61 (35 × 45); MRZ first character's left edge 6.0 mm
//!   from the left edge; the centre lines of MRZ lines 1 and 2 at 11.0 and 6.8 mm above the
//!   bottom edge (line pitch 4.2 mm).
//! - TD1: the front side (portrait zone x 4–30, y 11–46, 26 × 35) above the back side (MRZ,
//!   three lines with centre lines at 13.4, 9.2 and 5.0 mm above the back's bottom edge, first
//!   character 4.7 mm from its left edge), with a 6 mm gap, as a flatbed scan of both sides.
//!
//! OCR-B glyphs: cap height 2.4 mm, character pitch 2.54 mm. A scanner-bed margin of 8 mm
//! surrounds the document so a rotation of a few degrees keeps every corner in the image.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments,
    clippy::needless_range_loop
)] // test code

use ab_glyph::{Font, FontRef, PxScale, point};
use enrol_kiosk::mrz::{Mrz, MrzFormat};
use image::imageops::{FilterType, crop_imm, resize};
use image::{Rgb, RgbImage};

pub const PAGE_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/page");
pub const FACES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/faces");

/// Millimetres per inch.
const MM_PER_INCH: f32 = 25.4;
/// OCR-B size 1 at 10 characters per inch (Part 3 §4.2).
pub const CHAR_PITCH_MM: f32 = 2.54;
/// Cap height of the printed OCR-B characters.
pub const CAP_HEIGHT_MM: f32 = 2.4;
/// Scanner-bed margin around the document.
pub const MARGIN_MM: f32 = 8.0;

/// Which document to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// Part 4 passport data page, 125 × 88 mm, MRZ 2 × 44.
    Td3,
    /// Part 5 card, 85.6 × 54 mm, front above back, MRZ 3 × 30 on the back.
    Td1,
}

/// Which public-domain face goes into the portrait zone (tests/data/faces/PROVENANCE.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceSource {
    Astronaut,
    GraceHopper,
}

impl FaceSource {
    fn load(self) -> RgbImage {
        let name = match self {
            FaceSource::Astronaut => "astronaut.png",
            FaceSource::GraceHopper => "grace_hopper.jpg",
        };
        image::open(format!("{FACES_DIR}/{name}")).unwrap().into_rgb8()
    }

    /// The hand-annotated eye centres (image left first) from PROVENANCE.md.
    pub fn eyes(self) -> [(f32, f32); 2] {
        match self {
            FaceSource::Astronaut => [(203.5, 101.0), (246.5, 103.0)],
            FaceSource::GraceHopper => [(222.0, 189.0), (306.0, 186.5)],
        }
    }
}

/// What to render.
#[derive(Debug, Clone)]
pub struct PageSpec {
    pub doc: Doc,
    /// Scan resolution, dots per inch (600, 400, 300, 150 …).
    pub dpi: u32,
    /// Rotation of the document on the scanner bed, degrees, counter-clockwise positive (as
    /// `MrzBand::angle_deg`).
    pub rotation_deg: f32,
    pub face: FaceSource,
    /// The MRZ printed on the page; its format must match `doc` (TD3 for `Td3`, TD1 for `Td1`).
    pub mrz: Mrz,
}

impl PageSpec {
    /// The ICAO specimen (Part 4 Appendix A / Part 5 Appendix A: ERIKSSON, ANNA MARIA, Utopia)
    /// for the document, with the astronaut's face.
    pub fn specimen(doc: Doc, dpi: u32, rotation_deg: f32) -> PageSpec {
        let mrz = match doc {
            Doc::Td3 => specimen_td3(),
            Doc::Td1 => specimen_td1(),
        };
        PageSpec { doc, dpi, rotation_deg, face: FaceSource::Astronaut, mrz }
    }
}

/// ICAO 9303 Part 4's specimen passport MRZ.
pub fn specimen_td3() -> Mrz {
    Mrz::parse(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
         L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )
    .unwrap()
}

/// ICAO 9303 Part 5's specimen card MRZ.
pub fn specimen_td1() -> Mrz {
    Mrz::parse(
        "I<UTOD231458907<<<<<<<<<<<<<<<\n\
         7408122F1204159UTO<<<<<<<<<<<6\n\
         ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    )
    .unwrap()
}

/// What the page shows, in page pixels of the returned (rotated) image (x right, y down).
#[derive(Debug, Clone)]
pub struct PageTruth {
    pub doc: Doc,
    pub dpi: u32,
    pub rotation_deg: f32,
    /// Page pixels per millimetre.
    pub px_per_mm: f32,
    /// Eye centres, the one on the image's left first.
    pub eyes: [(f32, f32); 2],
    /// Distance between the eye centres, page pixels.
    pub eye_distance: f32,
    /// The printed MRZ lines.
    pub mrz_lines: Vec<String>,
    /// The first MRZ line's centre-line axis: left edge of its first character cell to the
    /// right edge of its last (as `MrzBand::first_line_start` / `first_line_end`).
    pub mrz_first_line_start: (f32, f32),
    pub mrz_first_line_end: (f32, f32),
    /// Distance between consecutive MRZ lines' centre lines, page pixels.
    pub mrz_line_pitch: f32,
    /// Character pitch, page pixels.
    pub mrz_char_pitch: f32,
    /// The portrait zone's corners (top-left, top-right, bottom-right, bottom-left).
    pub portrait_zone: [(f32, f32); 4],
    /// The document's corners (the TD1 back side's for `Td1`), same order.
    pub document: [(f32, f32); 4],
}

/// Layout of one document in mm (document coordinates, origin at its top-left corner).
struct Layout {
    /// Whole sheet drawn (without the margin): width, height.
    sheet: (f32, f32),
    /// Document rectangles (x, y, w, h): the data page, or the card's front and back.
    sides: Vec<(f32, f32, f32, f32)>,
    portrait: (f32, f32, f32, f32),
    /// Left edge of the first MRZ character, and the centre line of each MRZ line.
    mrz_left: f32,
    mrz_centres: Vec<f32>,
    /// The side carrying the MRZ.
    mrz_side: (f32, f32, f32, f32),
}

fn layout(doc: Doc) -> Layout {
    match doc {
        Doc::Td3 => {
            let page = (0.0, 0.0, 125.0, 88.0);
            Layout {
                sheet: (125.0, 88.0),
                sides: vec![page],
                portrait: (6.0, 16.0, 35.0, 45.0),
                mrz_left: 6.0,
                mrz_centres: vec![88.0 - 11.0, 88.0 - 6.8],
                mrz_side: page,
            }
        }
        Doc::Td1 => {
            let front = (0.0, 0.0, 85.6, 54.0);
            let back = (0.0, 60.0, 85.6, 54.0);
            let bottom = back.1 + back.3;
            Layout {
                sheet: (85.6, bottom),
                sides: vec![front, back],
                portrait: (4.0, 11.0, 26.0, 35.0),
                mrz_left: 4.7,
                mrz_centres: vec![bottom - 13.4, bottom - 9.2, bottom - 5.0],
                mrz_side: back,
            }
        }
    }
}

fn font_bytes() -> Vec<u8> {
    std::fs::read(format!("{PAGE_DATA}/OCRB.otf")).unwrap()
}

/// A tiny deterministic generator for the paper noise (no dependency on `rand`'s streams).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32) / ((1u64 << 24) as f32)
    }
}

/// A canvas in millimetre coordinates over an `RgbImage`.
struct Canvas {
    img: RgbImage,
    s: f32,
    /// mm offset of the document's origin in the image (the margin).
    off: f32,
}

impl Canvas {
    fn px(&self, x_mm: f32, y_mm: f32) -> (f32, f32) {
        ((x_mm + self.off) * self.s, (y_mm + self.off) * self.s)
    }

    fn blend(&mut self, x: i64, y: i64, c: [u8; 3], a: f32) {
        if x < 0 || y < 0 || x >= self.img.width() as i64 || y >= self.img.height() as i64 {
            return;
        }
        let a = a.clamp(0.0, 1.0);
        let p = self.img.get_pixel_mut(x as u32, y as u32);
        for k in 0..3 {
            p.0[k] = (p.0[k] as f32 * (1.0 - a) + c[k] as f32 * a).round() as u8;
        }
    }

    /// Fills a document rectangle with the security-paper tint, a guilloche-like pattern
    /// and a little noise.
    fn paper(&mut self, r: (f32, f32, f32, f32), seed: u64) {
        let (x0, y0) = self.px(r.0, r.1);
        let (x1, y1) = self.px(r.0 + r.2, r.1 + r.3);
        let mut rng = Lcg(seed);
        let s = self.s;
        for y in y0.round() as u32..(y1.round() as u32).min(self.img.height()) {
            for x in x0.round() as u32..(x1.round() as u32).min(self.img.width()) {
                let (xm, ym) = (x as f32 / s, y as f32 / s);
                let wave = ((xm * 0.9 + (ym * 0.35).sin() * 4.0).sin()
                    * (ym * 0.7 + (xm * 0.21).cos() * 3.0).cos())
                    * 9.0;
                let n = (rng.next() - 0.5) * 10.0;
                let base = [236.0 + wave + n, 240.0 + wave * 0.5 + n, 229.0 - wave * 0.6 + n];
                self.img.put_pixel(x, y, Rgb(base.map(|v| v.clamp(0.0, 255.0) as u8)));
            }
        }
    }

    /// Places `face` (already cropped to the zone's aspect) into the zone, scaled to fit.
    fn portrait(&mut self, face: &RgbImage, zone: (f32, f32, f32, f32)) -> (f32, f32, f32) {
        let (x0, y0) = self.px(zone.0, zone.1);
        let w = (zone.2 * self.s).round() as u32;
        let h = (zone.3 * self.s).round() as u32;
        let scaled = resize(face, w, h, FilterType::CatmullRom);
        let (ox, oy) = (x0.round() as u32, y0.round() as u32);
        for (x, y, p) in scaled.enumerate_pixels() {
            if ox + x < self.img.width() && oy + y < self.img.height() {
                self.img.put_pixel(ox + x, oy + y, *p);
            }
        }
        // Scale from the face crop to page pixels, and the crop's placement.
        (w as f32 / face.width() as f32, ox as f32, oy as f32)
    }
}

/// A font with metrics in millimetres.
struct Type<'a> {
    font: FontRef<'a>,
}

impl<'a> Type<'a> {
    /// The `PxScale` that gives capitals `cap_mm` high on a canvas of `s` px/mm.
    fn scale_for_cap(&self, cap_mm: f32, s: f32) -> PxScale {
        // The drawn outline of 'H' at a reference scale gives the cap height per scale unit.
        let h = self.font.glyph_id('H').with_scale(PxScale::from(1000.0));
        let cap = self.font.outline_glyph(h).unwrap().px_bounds().height();
        PxScale::from(cap_mm * s * 1000.0 / cap)
    }

    /// Draws one character centred in a cell of `pitch_mm` whose left edge is `x_mm`, with
    /// its baseline at `base_mm`.
    fn char(
        &self,
        cv: &mut Canvas,
        c: char,
        x_mm: f32,
        base_mm: f32,
        pitch_mm: f32,
        scale: PxScale,
        ink: [u8; 3],
    ) {
        let id = self.font.glyph_id(c);
        let adv = self.font.as_scaled_h_advance(id, scale);
        let (x, y) = cv.px(x_mm, base_mm);
        let x = x + (pitch_mm * cv.s - adv) / 2.0;
        let glyph = id.with_scale_and_position(scale, point(x, y));
        if let Some(g) = self.font.outline_glyph(glyph) {
            let b = g.px_bounds();
            let mut cover = Vec::new();
            g.draw(|gx, gy, a| cover.push((gx, gy, a)));
            for (gx, gy, a) in cover {
                cv.blend(b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64, ink, a);
            }
        }
    }

    /// Draws a string with a fixed pitch (OCR-B is monospaced).
    fn text(&self, cv: &mut Canvas, s: &str, x_mm: f32, base_mm: f32, cap_mm: f32, ink: [u8; 3]) {
        let scale = self.scale_for_cap(cap_mm, cv.s);
        let pitch = cap_mm * CHAR_PITCH_MM / CAP_HEIGHT_MM;
        for (i, c) in s.chars().enumerate() {
            self.char(cv, c, x_mm + i as f32 * pitch, base_mm, pitch, scale, ink);
        }
    }
}

trait HAdvance {
    fn as_scaled_h_advance(&self, id: ab_glyph::GlyphId, scale: PxScale) -> f32;
}

impl HAdvance for FontRef<'_> {
    fn as_scaled_h_advance(&self, id: ab_glyph::GlyphId, scale: PxScale) -> f32 {
        use ab_glyph::ScaleFont;
        self.as_scaled(scale).h_advance(id)
    }
}

/// Crops the face image around its eyes to the zone's aspect, eyes at 42 % of the height
/// and the eye distance 30 % of the width (a full-frontal ICAO portrait).
fn crop_face(face: FaceSource, aspect_w_over_h: f32) -> (RgbImage, [(f32, f32); 2]) {
    let img = face.load();
    let [l, r] = face.eyes();
    let d = ((r.0 - l.0).powi(2) + (r.1 - l.1).powi(2)).sqrt();
    let w = d / 0.30;
    let h = w / aspect_w_over_h;
    let (cx, cy) = ((l.0 + r.0) / 2.0, (l.1 + r.1) / 2.0);
    let x0 = (cx - w / 2.0).round().max(0.0);
    let y0 = (cy - 0.42 * h).round().max(0.0);
    let w = (w.round() as u32).min(img.width() - x0 as u32);
    let h = (h.round() as u32).min(img.height() - y0 as u32);
    let c = crop_imm(&img, x0 as u32, y0 as u32, w, h).to_image();
    (c, [(l.0 - x0, l.1 - y0), (r.0 - x0, r.1 - y0)])
}

/// Rotates `img` about its centre by `deg` (counter-clockwise on screen), bilinear, filling
/// with `bg`; returns the image and the matching point transform.
fn rotate(img: &RgbImage, deg: f32, bg: [u8; 3]) -> RgbImage {
    if deg == 0.0 {
        return img.clone();
    }
    let (w, h) = img.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sn, cs) = deg.to_radians().sin_cos();
    let mut out = RgbImage::from_pixel(w, h, Rgb(bg));
    for y in 0..h {
        for x in 0..w {
            // Inverse map: output (x, y) comes from the source rotated back by -deg.
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let sx = cx + dx * cs - dy * sn - 0.5;
            let sy = cy + dx * sn + dy * cs - 0.5;
            if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
                continue;
            }
            let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
            let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
            let p = |xx, yy| img.get_pixel(xx, yy).0.map(f32::from);
            let (a, b, c, d) = (p(x0, y0), p(x0 + 1, y0), p(x0, y0 + 1), p(x0 + 1, y0 + 1));
            let mut v = [0u8; 3];
            for k in 0..3 {
                let top = a[k] * (1.0 - fx) + b[k] * fx;
                let bot = c[k] * (1.0 - fx) + d[k] * fx;
                v[k] = (top * (1.0 - fy) + bot * fy).round().clamp(0.0, 255.0) as u8;
            }
            out.put_pixel(x, y, Rgb(v));
        }
    }
    out
}

/// Where a point of the unrotated image lands after [`rotate`].
fn rotate_point(p: (f32, f32), deg: f32, w: u32, h: u32) -> (f32, f32) {
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sn, cs) = deg.to_radians().sin_cos();
    let (dx, dy) = (p.0 - cx, p.1 - cy);
    (cx + dx * cs + dy * sn, cy - dx * sn + dy * cs)
}

/// Renders the page described by `spec`.
pub fn render(spec: &PageSpec) -> (RgbImage, PageTruth) {
    let expected = match spec.doc {
        Doc::Td3 => MrzFormat::Td3,
        Doc::Td1 => MrzFormat::Td1,
    };
    assert_eq!(spec.mrz.format, expected, "the MRZ format must match the document");
    let lay = layout(spec.doc);
    let s = spec.dpi as f32 / MM_PER_INCH;
    let w = ((lay.sheet.0 + 2.0 * MARGIN_MM) * s).round() as u32;
    let h = ((lay.sheet.1 + 2.0 * MARGIN_MM) * s).round() as u32;
    let bed = [250, 250, 248];
    let mut cv = Canvas { img: RgbImage::from_pixel(w, h, Rgb(bed)), s, off: MARGIN_MM };
    for (i, side) in lay.sides.iter().enumerate() {
        cv.paper(*side, 0x5eed + i as u64);
    }

    let bytes = font_bytes();
    let ty = Type { font: FontRef::try_from_slice(&bytes).unwrap() };
    let ink = [28, 30, 40];
    let label = [90, 80, 110];
    let m = &spec.mrz;

    // Visible zone: header and personal data beside the portrait (on the front for TD1).
    let front = lay.sides[0];
    let (px, py, pw, _) = lay.portrait;
    let tx = px + pw + 5.0;
    let header = match spec.doc {
        Doc::Td3 => "PASSPORT PASSEPORT",
        Doc::Td1 => "IDENTITY CARD",
    };
    ty.text(&mut cv, header, tx, front.1 + 8.0, 2.6, label);
    ty.text(&mut cv, "UTOPIA", front.0 + 4.0, front.1 + 8.0, 2.6, label);
    let fields: [(&str, String); 6] = [
        ("SURNAME", m.primary_identifier.clone()),
        ("GIVEN NAMES", m.secondary_identifier.clone()),
        ("NATIONALITY", m.nationality.clone()),
        ("DATE OF BIRTH", m.date_of_birth.clone()),
        ("SEX", m.sex.clone()),
        ("DOCUMENT NO", m.document_number.clone()),
    ];
    let step = match spec.doc {
        Doc::Td3 => 7.2,
        Doc::Td1 => 5.6,
    };
    for (i, (name, value)) in fields.iter().enumerate() {
        let y = py + 2.0 + i as f32 * step;
        ty.text(&mut cv, name, tx, y, 1.3, label);
        ty.text(&mut cv, value, tx, y + 3.0, 2.0, ink);
    }
    if spec.doc == Doc::Td1 {
        let back = lay.sides[1];
        ty.text(&mut cv, "PLACE OF BIRTH UTOPIA CITY", back.0 + 5.0, back.1 + 8.0, 1.8, ink);
        ty.text(&mut cv, "AUTHORITY MINISTRY", back.0 + 5.0, back.1 + 14.0, 1.8, ink);
    }

    // Portrait.
    let (face, eyes_crop) = crop_face(spec.face, lay.portrait.2 / lay.portrait.3);
    let (k, ox, oy) = cv.portrait(&face, lay.portrait);
    let eyes_flat = eyes_crop.map(|(x, y)| (ox + x * k, oy + y * k));

    // MRZ.
    let lines = m.lines();
    let scale = ty.scale_for_cap(CAP_HEIGHT_MM, s);
    for (line, centre) in lines.iter().zip(&lay.mrz_centres) {
        let base = centre + CAP_HEIGHT_MM / 2.0;
        for (i, c) in line.chars().enumerate() {
            let x = lay.mrz_left + i as f32 * CHAR_PITCH_MM;
            ty.char(&mut cv, c, x, base, CHAR_PITCH_MM, scale, [10, 10, 14]);
        }
    }

    let img = rotate(&cv.img, spec.rotation_deg, bed);
    let rot = |p: (f32, f32)| rotate_point(p, spec.rotation_deg, w, h);
    let eyes = eyes_flat.map(rot);
    let n = lines.first().map_or(0, |l| l.len()) as f32;
    let start = rot(cv.px(lay.mrz_left, lay.mrz_centres[0]));
    let end = rot(cv.px(lay.mrz_left + n * CHAR_PITCH_MM, lay.mrz_centres[0]));
    let rect = |r: (f32, f32, f32, f32)| {
        [
            rot(cv.px(r.0, r.1)),
            rot(cv.px(r.0 + r.2, r.1)),
            rot(cv.px(r.0 + r.2, r.1 + r.3)),
            rot(cv.px(r.0, r.1 + r.3)),
        ]
    };
    let truth = PageTruth {
        doc: spec.doc,
        dpi: spec.dpi,
        rotation_deg: spec.rotation_deg,
        px_per_mm: s,
        eyes,
        eye_distance: ((eyes[1].0 - eyes[0].0).powi(2) + (eyes[1].1 - eyes[0].1).powi(2)).sqrt(),
        mrz_lines: lines,
        mrz_first_line_start: start,
        mrz_first_line_end: end,
        mrz_line_pitch: (lay.mrz_centres[1] - lay.mrz_centres[0]) * s,
        mrz_char_pitch: CHAR_PITCH_MM * s,
        portrait_zone: rect(lay.portrait),
        document: rect(lay.mrz_side),
    };
    (img, truth)
}

/// Encodes a page as PNG bytes (what a scanner would save).
pub fn png_bytes(img: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
