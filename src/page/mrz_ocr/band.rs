//! Finding the MRZ band on a page image (ICAO 9303 Part 3 §4.2–4.3: OCR-B at a fixed 10-cpi
//! pitch, every character cell filled, two or three parallel lines at the foot of the
//! document): dark connected components chained into rows of equal-height characters, the
//! rows' angle from a least-squares fit, and a deskewed, rescaled crop of each line.

use image::GrayImage;
use image::imageops::{FilterType, resize};

use crate::mrz::MrzFormat;

/// The longest side of the image the band search works on (the page is reduced to it).
const WORK_SIDE: u32 = 2400;
/// More dark components than this is not a document page (noise, a photograph).
const MAX_COMPONENTS: usize = 200_000;
/// A chain needs this many characters to be an MRZ line candidate (TD1 has 30).
const MIN_LINE_CHARS: usize = 24;
/// Cap heights of the characters in the crops handed to the recogniser, pixels: the first,
/// then the others in turn while the read does not verify.
pub(super) const CROP_CAP_HEIGHTS: [f32; 3] = [40.0, 30.0, 52.0];

/// A dark connected component's bounding box (work-image pixels, inclusive min, exclusive max).
#[derive(Debug, Clone, Copy)]
struct Blob {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Blob {
    fn h(&self) -> f32 {
        (self.y1 - self.y0) as f32
    }
    fn w(&self) -> f32 {
        (self.x1 - self.x0) as f32
    }
    fn cx(&self) -> f32 {
        (self.x0 + self.x1) as f32 / 2.0
    }
    fn cy(&self) -> f32 {
        (self.y0 + self.y1) as f32 / 2.0
    }
}

/// One row of characters: its blobs left to right and its fitted axis (work pixels).
#[derive(Debug, Clone)]
struct Row {
    blobs: Vec<Blob>,
    /// Cap height (median height of the tall characters).
    cap: f32,
    /// Axis: y = a + b·x through the tall characters' centres.
    a: f32,
    b: f32,
    /// Character pitch along the axis.
    pitch: f32,
}

impl Row {
    fn first(&self) -> Blob {
        self.blobs.first().copied().unwrap_or(Blob { x0: 0, y0: 0, x1: 0, y1: 0 })
    }
    fn last(&self) -> Blob {
        self.blobs.last().copied().unwrap_or(Blob { x0: 0, y0: 0, x1: 0, y1: 0 })
    }
    fn y_at(&self, x: f32) -> f32 {
        self.a + self.b * x
    }
    /// Characters the row spans at its pitch.
    fn cells(&self) -> usize {
        let span = self.last().cx() - self.first().cx();
        (span / self.pitch.max(1.0)).round() as usize + 1
    }
}

/// What the shape of the mark in one character cell says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Nothing found in the cell.
    Empty,
    /// The filler '<' (ink at the right-hand corners, none at the left-hand ones: the one
    /// OCR-B shape of the alphabet with that signature apart from round characters).
    FillerShape,
    /// Any other character.
    Other,
}

/// One MRZ line located on the page, in ORIGINAL page pixels.
#[derive(Debug, Clone)]
pub(super) struct LineAxis {
    /// Left edge of the first character cell on the line's centre axis.
    pub start: (f32, f32),
    /// Unit vector along the line.
    pub dir: (f32, f32),
    pub pitch: f32,
    pub cap: f32,
    /// The shape of the mark in each character cell.
    pub marks: Vec<Mark>,
}

/// The band: its format and lines, in original page pixels.
#[derive(Debug, Clone)]
pub(super) struct Band {
    pub format: MrzFormat,
    pub lines: Vec<LineAxis>,
}

/// Dark pixels by a local-mean threshold (integral image), robust to the tinted, patterned
/// paper of a data page.
fn binarise(g: &GrayImage) -> Vec<bool> {
    let (w, h) = (g.width() as usize, g.height() as usize);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(g.as_raw().get(y * w + x).copied().unwrap_or(255));
            let above = integral.get(y * (w + 1) + x + 1).copied().unwrap_or(0);
            if let Some(v) = integral.get_mut((y + 1) * (w + 1) + x + 1) {
                *v = above + row;
            }
        }
    }
    let r = (w.max(h) / 80).max(8);
    let mut out = vec![false; w * h];
    for y in 0..h {
        let (ya, yb) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (xa, xb) = (x.saturating_sub(r), (x + r + 1).min(w));
            let at = |xx: usize, yy: usize| integral.get(yy * (w + 1) + xx).copied().unwrap_or(0);
            let sum = at(xb, yb) + at(xa, ya) - at(xa, yb) - at(xb, ya);
            let n = ((xb - xa) * (yb - ya)) as f32;
            let mean = sum as f32 / n.max(1.0);
            let v = f32::from(g.as_raw().get(y * w + x).copied().unwrap_or(255));
            if let Some(o) = out.get_mut(y * w + x) {
                *o = v < mean * 0.75 && v < 170.0;
            }
        }
    }
    out
}

/// 8-connected components of the dark pixels; `None` when there are too many.
fn components(dark: &[bool], w: usize, h: usize) -> Option<Vec<Blob>> {
    let mut seen = vec![false; dark.len()];
    let mut blobs = Vec::new();
    let mut stack = Vec::new();
    for start in 0..dark.len() {
        if !dark.get(start).copied().unwrap_or(false) || seen.get(start).copied().unwrap_or(true) {
            continue;
        }
        if blobs.len() >= MAX_COMPONENTS {
            return None;
        }
        let (mut b, mut _n) = (
            Blob {
                x0: (start % w) as u32,
                y0: (start / w) as u32,
                x1: (start % w) as u32 + 1,
                y1: (start / w) as u32 + 1,
            },
            0usize,
        );
        if let Some(s) = seen.get_mut(start) {
            *s = true;
        }
        stack.push(start);
        while let Some(i) = stack.pop() {
            _n += 1;
            let (x, y) = (i % w, i / w);
            b.x0 = b.x0.min(x as u32);
            b.x1 = b.x1.max(x as u32 + 1);
            b.y0 = b.y0.min(y as u32);
            b.y1 = b.y1.max(y as u32 + 1);
            for (dx, dy) in
                [(-1i64, -1i64), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)]
            {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                if dark.get(j).copied().unwrap_or(false) && !seen.get(j).copied().unwrap_or(true) {
                    if let Some(s) = seen.get_mut(j) {
                        *s = true;
                    }
                    stack.push(j);
                }
            }
        }
        blobs.push(b);
    }
    Some(blobs)
}

/// Chains character-sized blobs left to right into rows: each blob joins the open row whose
/// last character is within about two cap heights to its left, on the same axis.
fn chain(mut blobs: Vec<Blob>, max_h: f32) -> Vec<Row> {
    blobs.retain(|b| b.h() >= 4.0 && b.h() <= max_h && b.w() <= 1.6 * b.h() + 2.0);
    blobs.sort_by(|p, q| p.cx().total_cmp(&q.cx()));
    // Open rows: (blobs, cap height so far, axis y of the last tall character).
    let mut open: Vec<(Vec<Blob>, f32, f32)> = Vec::new();
    let mut done: Vec<Vec<Blob>> = Vec::new();
    for b in blobs {
        let mut best: Option<(usize, f32)> = None;
        for (k, (row, cap, axis)) in open.iter().enumerate() {
            let Some(last) = row.last() else { continue };
            let dx = b.cx() - last.cx();
            let dy = (b.cy() - axis).abs();
            let fits = dx > 0.4 * cap
                && dx <= 1.9 * cap
                && dy <= 0.4 * cap
                && b.h() <= 1.25 * cap
                && b.h() >= 0.2 * cap;
            if fits && best.is_none_or(|(_, d)| dx + dy < d) {
                best = Some((k, dx + dy));
            }
        }
        match best.and_then(|(k, _)| open.get_mut(k)) {
            Some((row, cap, axis)) => {
                if b.h() >= 0.75 * *cap {
                    *axis = b.cy();
                    *cap = cap.max(b.h());
                }
                row.push(b);
            }
            None => open.push((vec![b], b.h(), b.cy())),
        }
        // Close rows left behind (keeps the open list short).
        let x = b.cx();
        let (keep, closed): (Vec<_>, Vec<_>) = open
            .into_iter()
            .partition(|(r, cap, _)| r.last().is_some_and(|l| x - l.cx() <= 2.0 * cap));
        open = keep;
        done.extend(closed.into_iter().map(|(r, _, _)| r));
    }
    done.extend(open.into_iter().map(|(r, _, _)| r));
    done.into_iter().filter(|r| r.len() >= MIN_LINE_CHARS).filter_map(fit_row).collect()
}

/// Fits a row's axis through its tall characters' centres (least squares).
fn fit_row(blobs: Vec<Blob>) -> Option<Row> {
    let mut hs: Vec<f32> = blobs.iter().map(Blob::h).collect();
    hs.sort_by(f32::total_cmp);
    let cap = *hs.get(hs.len() * 3 / 4)?;
    let tall: Vec<&Blob> = blobs.iter().filter(|b| b.h() >= 0.8 * cap).collect();
    if tall.len() < 4 {
        return None;
    }
    let n = tall.len() as f32;
    let (sx, sy) = tall.iter().fold((0.0, 0.0), |(sx, sy), b| (sx + b.cx(), sy + b.cy()));
    let (mx, my) = (sx / n, sy / n);
    let (sxx, sxy) = tall.iter().fold((0.0, 0.0), |(sxx, sxy), b| {
        (sxx + (b.cx() - mx).powi(2), sxy + (b.cx() - mx) * (b.cy() - my))
    });
    if sxx <= 0.0 {
        return None;
    }
    let b = sxy / sxx;
    let mut gaps: Vec<f32> = blobs.windows(2).map(|p| p[1].cx() - p[0].cx()).collect();
    gaps.sort_by(f32::total_cmp);
    let pitch = *gaps.get(gaps.len() / 2)? * (1.0 + b * b).sqrt();
    Some(Row { blobs, cap, a: my - b * mx, b, pitch })
}

/// Picks the MRZ among the rows: the lowest group of 2 (TD3/TD2) or 3 (TD1) parallel,
/// left-aligned rows of the right length at a plausible line spacing.
fn group(rows: &[Row]) -> Option<(MrzFormat, Vec<Row>)> {
    let mut rows: Vec<&Row> = rows.iter().collect();
    rows.sort_by(|p, q| p.first().cy().total_cmp(&q.first().cy()));
    let mut found: Option<(MrzFormat, Vec<Row>)> = None;
    for (i, top) in rows.iter().enumerate() {
        let mut members = vec![(*top).clone()];
        for next in rows.iter().skip(i + 1) {
            let Some(prev) = members.last() else { break };
            let x = next.first().cx();
            let spacing = next.y_at(x) - prev.y_at(x);
            let aligned = (next.first().cx() - prev.first().cx()).abs() <= 1.5 * prev.pitch;
            let parallel = (next.b - prev.b).abs() <= 0.03;
            let same = (next.pitch / prev.pitch - 1.0).abs() <= 0.15
                && (next.cap / prev.cap - 1.0).abs() <= 0.25;
            if aligned && parallel && same && spacing >= 1.2 * prev.cap && spacing <= 3.0 * prev.cap
            {
                members.push((*next).clone());
            }
        }
        let cells: Vec<usize> = members.iter().map(Row::cells).collect();
        let near = |n: usize, want: usize| n.abs_diff(want) <= 3;
        let format = match cells.as_slice() {
            [a, b, c] if [a, b, c].iter().all(|n| near(**n, 30)) => Some(MrzFormat::Td1),
            [a, b] if near(*a, 44) && near(*b, 44) => Some(MrzFormat::Td3),
            [a, b] if near(*a, 36) && near(*b, 36) => Some(MrzFormat::Td2),
            _ => None,
        };
        if let Some(f) = format {
            found = Some((f, members)); // later (lower on the page) groups win
        }
    }
    found
}

/// Locates the MRZ band; `None` when the page holds no such rows.
pub(super) fn find(page: &GrayImage) -> Option<Band> {
    let side = page.width().max(page.height());
    let f = if side > WORK_SIDE { WORK_SIDE as f32 / side as f32 } else { 1.0 };
    let work = if f < 1.0 {
        let w = ((page.width() as f32 * f).round() as u32).max(1);
        let h = ((page.height() as f32 * f).round() as u32).max(1);
        resize(page, w, h, FilterType::Triangle)
    } else {
        page.clone()
    };
    let (w, h) = (work.width() as usize, work.height() as usize);
    let dark = binarise(&work);
    let blobs = components(&dark, w, h)?;
    let rows = chain(blobs, (h.min(w) / 8) as f32);
    let (format, rows) = group(&rows)?;
    let (_, chars) = format.shape();
    let lines = rows
        .iter()
        .map(|r| {
            let norm = (1.0 + r.b * r.b).sqrt();
            let dir = (1.0 / norm, r.b / norm);
            let c = r.first().cx();
            let (x, y) = (c - dir.0 * r.pitch / 2.0, r.y_at(c) - dir.1 * r.pitch / 2.0);
            let marks = marks(r, (x, y), dir, chars, &dark, w);
            LineAxis { start: (x / f, y / f), dir, pitch: r.pitch / f, cap: r.cap / f, marks }
        })
        .collect();
    Some(Band { format, lines })
}

/// Fraction of dark pixels in a box (work pixels, half-open).
fn ink(dark: &[bool], w: usize, x0: u32, y0: u32, x1: u32, y1: u32) -> f32 {
    let mut n = 0u32;
    let mut d = 0u32;
    for y in y0..y1.max(y0) {
        for x in x0..x1.max(x0) {
            n += 1;
            if dark.get(y as usize * w + x as usize).copied().unwrap_or(false) {
                d += 1;
            }
        }
    }
    if n == 0 { 0.0 } else { d as f32 / n as f32 }
}

/// Classifies the blob in each of the line's `chars` cells by its corners.
fn marks(
    r: &Row,
    start: (f32, f32),
    dir: (f32, f32),
    chars: usize,
    dark: &[bool],
    w: usize,
) -> Vec<Mark> {
    let mut out = vec![Mark::Empty; chars];
    for b in &r.blobs {
        let t = ((b.cx() - start.0) * dir.0 + (b.cy() - start.1) * dir.1) / r.pitch.max(1.0);
        if t < 0.0 {
            continue;
        }
        let Some(cell) = out.get_mut(t as usize) else { continue };
        let (cw, ch) = ((b.w() * 0.3).ceil() as u32, (b.h() * 0.3).ceil() as u32);
        let tl = ink(dark, w, b.x0, b.y0, b.x0 + cw, b.y0 + ch);
        let bl = ink(dark, w, b.x0, b.y1 - ch, b.x0 + cw, b.y1);
        let tr = ink(dark, w, b.x1 - cw, b.y0, b.x1, b.y0 + ch);
        let br = ink(dark, w, b.x1 - cw, b.y1 - ch, b.x1, b.y1);
        let right = tr.min(br);
        let filler = right > 0.05 && tl.max(bl) < 0.25 * right;
        *cell = match (*cell, filler) {
            (Mark::Other, _) | (_, false) => Mark::Other,
            _ => Mark::FillerShape,
        };
    }
    out
}

/// A deskewed crop of one MRZ line of `chars` cells, rescaled so the cap height is
/// `cap_px`, binarised (Otsu) to black text on white with a white margin.
pub(super) fn crop_line(page: &GrayImage, line: &LineAxis, chars: usize, cap_px: f32) -> GrayImage {
    let z = cap_px / line.cap.max(1.0);
    let pad = line.pitch;
    let len = chars as f32 * line.pitch + 2.0 * pad;
    let half = 1.1 * line.cap;
    let (ow, oh) = ((len * z).round().max(1.0) as u32, (2.0 * half * z).round().max(1.0) as u32);
    let (dx, dy) = line.dir;
    let (nx, ny) = (-dy, dx);
    let mut out = GrayImage::new(ow, oh);
    for (ox, oy, p) in out.enumerate_pixels_mut() {
        let along = ox as f32 / z - pad;
        let across = oy as f32 / z - half;
        let sx = line.start.0 + along * dx + across * nx;
        let sy = line.start.1 + along * dy + across * ny;
        p.0[0] = sample(page, sx, sy);
    }
    otsu(&mut out);
    out
}

/// Bilinear sample, white outside the page.
fn sample(g: &GrayImage, x: f32, y: f32) -> u8 {
    if !(x >= 0.0 && y >= 0.0 && x < (g.width() - 1) as f32 && y < (g.height() - 1) as f32) {
        return 255;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |xx: u32, yy: u32| f32::from(g.get_pixel(xx, yy).0[0]);
    let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
    let bot = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
    (top * (1.0 - fy) + bot * fy).round().clamp(0.0, 255.0) as u8
}

/// Otsu's threshold, applied in place (dark → 0, light → 255).
fn otsu(g: &mut GrayImage) {
    let mut hist = [0u64; 256];
    for p in g.pixels() {
        if let Some(h) = hist.get_mut(usize::from(p.0[0])) {
            *h += 1;
        }
    }
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist.iter().enumerate().map(|(i, n)| i as f64 * *n as f64).sum();
    let (mut wb, mut sb, mut best, mut t) = (0f64, 0f64, -1f64, 128u8);
    for (i, n) in hist.iter().enumerate() {
        wb += *n as f64;
        let wf = total as f64 - wb;
        if wb == 0.0 || wf <= 0.0 {
            continue;
        }
        sb += i as f64 * *n as f64;
        let (mb, mf) = (sb / wb, (sum - sb) / wf);
        let between = wb * wf * (mb - mf).powi(2);
        if between > best {
            best = between;
            t = i as u8;
        }
    }
    for p in g.pixels_mut() {
        p.0[0] = if p.0[0] <= t { 0 } else { 255 };
    }
}
