//! Per-field character rules of the MRZ (ICAO 9303 Part 3 §4.2.2, Part 4 §4.2.2, Part 5
//! §4.2.2): digits where a field holds digits, letters where it holds letters, lines forced to
//! their width, and check-digit-guided repair of the usual OCR-B confusions — bounded.

use zeroize::{Zeroize, Zeroizing};

use super::band::Mark;
use crate::mrz::{MrzFormat, check_digit};

/// What a character position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// 0–9.
    Digit,
    /// A check digit: 0–9 (or '<' where the format allows an empty field).
    Check,
    /// A–Z or '<'.
    Alpha,
    /// A–Z, 0–9 or '<'.
    Any,
    /// M, F, X or '<'.
    Sex,
}

/// A check-digit-protected field: line, range of its characters, position of its check digit.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    /// The (line, start, end) pieces the check digit covers, in order.
    pub parts: Vec<(usize, usize, usize)>,
    /// (line, position) of the check digit.
    pub check: (usize, usize),
}

fn classes_td3_td2(width: usize) -> Vec<Vec<Class>> {
    use Class::*;
    let mut l1 = vec![Alpha; width];
    let mut l2 = vec![Any; width];
    for (i, c) in l2.iter_mut().enumerate() {
        *c = match i {
            9 | 19 | 27 => Check,
            10..=12 => Alpha,
            13..=18 | 21..=26 => Digit,
            20 => Sex,
            _ => Any,
        };
    }
    if let Some(c) = l2.last_mut() {
        *c = Check;
    }
    if width == 44
        && let Some(c) = l2.get_mut(42)
    {
        *c = Check;
    }
    if let Some(c) = l1.get_mut(1) {
        *c = Alpha;
    }
    vec![l1, l2]
}

/// The class of every character position of a format.
pub(super) fn classes(format: MrzFormat) -> Vec<Vec<Class>> {
    use Class::*;
    match format {
        MrzFormat::Td3 => classes_td3_td2(44),
        MrzFormat::Td2 => classes_td3_td2(36),
        MrzFormat::Td1 => {
            let mut l1 = vec![Any; 30];
            for (i, c) in l1.iter_mut().enumerate() {
                *c = match i {
                    0..=4 => Alpha,
                    14 => Check,
                    _ => Any,
                };
            }
            let mut l2 = vec![Any; 30];
            for (i, c) in l2.iter_mut().enumerate() {
                *c = match i {
                    0..=5 | 8..=13 => Digit,
                    6 | 14 | 29 => Check,
                    7 => Sex,
                    15..=17 => Alpha,
                    _ => Any,
                };
            }
            vec![l1, l2, vec![Alpha; 30]]
        }
    }
}

/// The check-digit-protected fields, composite last.
pub(super) fn checked(format: MrzFormat) -> Vec<Checked> {
    let c = |parts: Vec<(usize, usize, usize)>, check| Checked { parts, check };
    match format {
        MrzFormat::Td3 | MrzFormat::Td2 => {
            let w = if format == MrzFormat::Td3 { 44 } else { 36 };
            let mut v = vec![
                c(vec![(1, 0, 9)], (1, 9)),
                c(vec![(1, 13, 19)], (1, 19)),
                c(vec![(1, 21, 27)], (1, 27)),
            ];
            if format == MrzFormat::Td3 {
                v.push(c(vec![(1, 28, 42)], (1, 42)));
            }
            v.push(c(vec![(1, 0, 10), (1, 13, 20), (1, 21, w - 1)], (1, w - 1)));
            v
        }
        MrzFormat::Td1 => vec![
            c(vec![(0, 5, 14)], (0, 14)),
            c(vec![(1, 0, 6)], (1, 6)),
            c(vec![(1, 8, 14)], (1, 14)),
            c(vec![(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)], (1, 29)),
        ],
    }
}

/// The letter a digit is usually mistaken for, and back.
fn to_digit(c: u8) -> u8 {
    match c {
        b'O' | b'D' | b'Q' | b'U' => b'0',
        b'I' | b'L' | b'T' => b'1',
        b'Z' => b'2',
        b'B' => b'8',
        b'S' => b'5',
        b'G' => b'6',
        b'A' => b'4',
        _ => c,
    }
}

fn to_letter(c: u8) -> u8 {
    match c {
        b'0' => b'O',
        b'1' => b'I',
        b'2' => b'Z',
        b'8' => b'B',
        b'5' => b'S',
        b'6' => b'G',
        b'4' => b'A',
        _ => c,
    }
}

/// Applies the class rules to one character.
fn apply(c: u8, class: Class) -> u8 {
    match class {
        Class::Digit => to_digit(c),
        Class::Check if c != b'<' => to_digit(c),
        Class::Alpha => to_letter(c),
        Class::Sex => match c {
            b'H' | b'N' => b'M',
            b'E' | b'P' => b'F',
            b'K' => b'X',
            _ => c,
        },
        _ => c,
    }
}

/// Forces a recognised line to `width` characters: only MRZ characters kept, then '<' added
/// to or taken from the longest run of fillers (where OCR miscounts a run of '<').
pub(super) fn force_width(text: &str, width: usize) -> Zeroizing<String> {
    let mut s: Zeroizing<Vec<u8>> = Zeroizing::new(
        text.bytes()
            .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'<')
            .collect(),
    );
    // Bounded: at most `width` edits either way.
    for _ in 0..width {
        if s.len() == width {
            break;
        }
        let run = longest_filler_run(&s);
        if s.len() < width {
            let at = run.map_or(s.len(), |(start, _)| start);
            s.insert(at, b'<');
        } else {
            match run {
                Some((start, _)) => {
                    s.remove(start);
                }
                None => s.truncate(width),
            }
        }
    }
    s.truncate(width);
    Zeroizing::new(String::from_utf8_lossy(&s).into_owned())
}

/// Characters whose OCR-B shape has ink at the right-hand corners only, like the filler's.
const ROUND: &[u8] = b"CG";

/// Aligns the recognised text to the line's cells (edit distance against the cells' shapes)
/// so a dropped or doubled character shifts nothing, and takes the filler '<' where the
/// cell's shape says so and OCR read a letter with a stem instead (OCR-B '<' is often read as
/// 'K'). Falls back to [`force_width`] when the cells were not all found.
pub(super) fn align(text: &str, marks: &[Mark], width: usize) -> Zeroizing<String> {
    let ocr: Zeroizing<Vec<u8>> = Zeroizing::new(
        text.bytes()
            .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'<')
            .collect(),
    );
    if marks.len() != width || marks.iter().filter(|m| **m == Mark::Empty).count() > width / 8 {
        return force_width(text, width);
    }
    let cost = |m: Mark, c: u8| -> u32 {
        match (m, c) {
            (Mark::FillerShape, b'<') | (Mark::Other, b'A'..=b'Z' | b'0'..=b'9') => 0,
            (Mark::FillerShape, b'K') => 1,
            (Mark::Empty, _) => 2,
            (Mark::FillerShape, c) if ROUND.contains(&c) => 2,
            _ => 4,
        }
    };
    const GAP: u32 = 4;
    let (n, k) = (marks.len(), ocr.len());
    // d[i][j]: cost of the first i cells against the first j characters.
    let mut d = vec![vec![0u32; k + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        if let Some(v) = row.first_mut() {
            *v = i as u32 * GAP;
        }
    }
    for j in 0..=k {
        if let Some(v) = d.first_mut().and_then(|r| r.get_mut(j)) {
            *v = j as u32 * GAP;
        }
    }
    let at = |d: &Vec<Vec<u32>>, i: usize, j: usize| {
        d.get(i).and_then(|r| r.get(j)).copied().unwrap_or(u32::MAX / 2)
    };
    for i in 1..=n {
        for j in 1..=k {
            let m = marks.get(i - 1).copied().unwrap_or(Mark::Empty);
            let c = ocr.get(j - 1).copied().unwrap_or(b'<');
            let best = (at(&d, i - 1, j - 1) + cost(m, c))
                .min(at(&d, i - 1, j) + GAP)
                .min(at(&d, i, j - 1) + GAP);
            if let Some(v) = d.get_mut(i).and_then(|r| r.get_mut(j)) {
                *v = best;
            }
        }
    }
    // Trace back.
    let mut out = vec![b'<'; n];
    let (mut i, mut j) = (n, k);
    while i > 0 {
        let m = marks.get(i - 1).copied().unwrap_or(Mark::Empty);
        let here = at(&d, i, j);
        if j > 0 {
            let c = ocr.get(j - 1).copied().unwrap_or(b'<');
            if here == at(&d, i - 1, j - 1) + cost(m, c) {
                if let Some(o) = out.get_mut(i - 1) {
                    *o = match m {
                        Mark::FillerShape if !ROUND.contains(&c) => b'<',
                        _ => c,
                    };
                }
                i -= 1;
                j -= 1;
                continue;
            }
            if here == at(&d, i, j - 1) + GAP {
                j -= 1;
                continue;
            }
        }
        // A cell OCR gave nothing for.
        if let Some(o) = out.get_mut(i - 1) {
            *o = if m == Mark::FillerShape { b'<' } else { b'?' };
        }
        i -= 1;
    }
    d.iter_mut().for_each(|r| r.zeroize());
    let s = Zeroizing::new(String::from_utf8_lossy(&out).into_owned());
    out.zeroize();
    s
}

fn longest_filler_run(s: &[u8]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < s.len() {
        if s.get(i) == Some(&b'<') {
            let start = i;
            while s.get(i) == Some(&b'<') {
                i += 1;
            }
            if best.is_none_or(|(_, n)| i - start >= n) {
                best = Some((start, i - start));
            }
        } else {
            i += 1;
        }
    }
    best
}

/// Applies every position's class rule.
pub(super) fn apply_classes(lines: &mut [Vec<u8>], format: MrzFormat) {
    for (line, cls) in lines.iter_mut().zip(classes(format)) {
        for (c, class) in line.iter_mut().zip(cls) {
            *c = apply(*c, class);
        }
    }
}

/// Alternatives OCR-B is read as, per class, to try when a check digit fails.
fn alternatives(c: u8, class: Class) -> &'static [u8] {
    match (class, c) {
        (Class::Any, b'0') => b"OD",
        (Class::Any, b'O') => b"0D",
        (Class::Any, b'D') => b"0O",
        (Class::Any, b'1') => b"I",
        (Class::Any, b'I') => b"1",
        (Class::Any, b'8') => b"B",
        (Class::Any, b'B') => b"8",
        (Class::Any, b'5') => b"S",
        (Class::Any, b'S') => b"5",
        (Class::Any, b'2') => b"Z",
        (Class::Any, b'Z') => b"2",
        (Class::Any, b'6') => b"G",
        (Class::Any, b'G') => b"6",
        (Class::Digit | Class::Check, b'8') => b"036",
        (Class::Digit | Class::Check, b'3') => b"8",
        (Class::Digit | Class::Check, b'?') => b"0123456789",
        (Class::Any, b'?') => b"0123456789<",
        (Class::Digit | Class::Check, b'6') => b"85",
        (Class::Digit | Class::Check, b'5') => b"6",
        (Class::Digit | Class::Check, b'1') => b"7",
        (Class::Digit | Class::Check, b'7') => b"1",
        (Class::Digit | Class::Check, b'0') => b"8",
        _ => b"",
    }
}

/// Character replacements: ((line, position), new character).
type Edits = Vec<((usize, usize), u8)>;

/// Largest number of candidate spellings tried for one field.
const MAX_CANDIDATES: usize = 256;

fn field_ok(lines: &[Vec<u8>], f: &Checked) -> bool {
    let mut data = Zeroizing::new(String::new());
    for (l, a, b) in &f.parts {
        let Some(piece) = lines.get(*l).and_then(|line| line.get(*a..*b)) else {
            return false;
        };
        data.push_str(&String::from_utf8_lossy(piece));
    }
    let Some(cd) = lines.get(f.check.0).and_then(|l| l.get(f.check.1)).copied() else {
        return false;
    };
    match check_digit(&data) {
        Ok(d) => cd == b'0' + d || (cd == b'<' && data.bytes().all(|c| c == b'<')),
        Err(_) => false,
    }
}

/// For each failing check, tries the confusion alternatives of that field's characters (one
/// or two changes, at most [`MAX_CANDIDATES`] spellings) and keeps a repair only when it is
/// the single one that verifies. Returns the fields still failing (by index).
pub(super) fn repair(lines: &mut [Vec<u8>], format: MrzFormat) -> Vec<usize> {
    let cls = classes(format);
    let fields = checked(format);
    let mut failing = Vec::new();
    for (k, f) in fields.iter().enumerate() {
        if field_ok(lines, f) {
            continue;
        }
        // Positions of this field (the composite: only its own check digit; the parts are
        // already repaired through their own fields).
        let mut pos: Vec<(usize, usize)> = Vec::new();
        if k + 1 < fields.len() {
            for (l, a, b) in &f.parts {
                pos.extend((*a..*b).map(|i| (*l, i)));
            }
        }
        pos.push(f.check);
        let class_at = |(l, i): (usize, usize)| {
            cls.get(l).and_then(|c| c.get(i)).copied().unwrap_or(Class::Any)
        };
        let options: Vec<((usize, usize), &'static [u8])> = pos
            .iter()
            .filter_map(|p| {
                let c = lines.get(p.0).and_then(|l| l.get(p.1)).copied()?;
                let alt = alternatives(c, class_at(*p));
                (!alt.is_empty()).then_some((*p, alt))
            })
            .collect();
        let mut found: Vec<Vec<((usize, usize), u8)>> = Vec::new();
        let mut tried = 0usize;
        'search: for depth in 1..=2usize {
            let mut stack: Vec<(usize, Edits)> = vec![(0, Vec::new())];
            while let Some((from, edits)) = stack.pop() {
                if edits.len() == depth {
                    tried += 1;
                    if tried > MAX_CANDIDATES {
                        break 'search;
                    }
                    let mut trial: Vec<Vec<u8>> = lines.to_vec();
                    for ((l, i), c) in &edits {
                        if let Some(x) = trial.get_mut(*l).and_then(|line| line.get_mut(*i)) {
                            *x = *c;
                        }
                    }
                    if field_ok(&trial, f) {
                        found.push(edits);
                    }
                    trial.iter_mut().for_each(Zeroize::zeroize);
                    continue;
                }
                for (j, (p, alts)) in options.iter().enumerate().skip(from) {
                    for a in alts.iter() {
                        let mut e = edits.clone();
                        e.push((*p, *a));
                        stack.push((j + 1, e));
                    }
                }
            }
            if !found.is_empty() {
                break;
            }
        }
        // Several spellings verify the field: the composite check digit decides, if it can.
        if found.len() > 1
            && let Some(composite) = fields.last()
        {
            found.retain(|edits| {
                let mut trial: Vec<Vec<u8>> = lines.to_vec();
                for ((l, i), c) in edits {
                    if let Some(x) = trial.get_mut(*l).and_then(|line| line.get_mut(*i)) {
                        *x = *c;
                    }
                }
                let ok = field_ok(&trial, composite);
                trial.iter_mut().for_each(Zeroize::zeroize);
                ok
            });
        }
        match found.as_slice() {
            [only] => {
                for ((l, i), c) in only {
                    if let Some(x) = lines.get_mut(*l).and_then(|line| line.get_mut(*i)) {
                        *x = *c;
                    }
                }
            }
            _ => failing.push(k),
        }
    }
    failing
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    fn bytes(lines: &[&str]) -> Vec<Vec<u8>> {
        lines.iter().map(|l| l.as_bytes().to_vec()).collect()
    }

    #[test]
    fn digits_and_letters_by_position() {
        let mut l = bytes(&[
            "P<UT0ERIKSS0N<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO74O8I22F12O4I59ZE184226B<<<<<1O",
        ]);
        apply_classes(&mut l, MrzFormat::Td3);
        assert_eq!(l, bytes(&TD3));
    }

    #[test]
    fn filler_runs_forced_to_width() {
        let long = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<<<";
        assert_eq!(force_width(long, 44).as_str(), TD3[0]);
        let short = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<";
        assert_eq!(force_width(short, 44).as_str(), TD3[0]);
        assert_eq!(
            force_width(" L898902C36UTO7408122F1204159ZE184226B<<<<<10\n", 44).as_str(),
            TD3[1]
        );
    }

    #[test]
    fn one_confusion_in_the_document_number_is_repaired() {
        // 'O' read for the '0' of the (alphanumeric) document number.
        let mut l = bytes(&[TD3[0], "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"]);
        assert!(repair(&mut l, MrzFormat::Td3).is_empty());
        assert_eq!(l, bytes(&TD3));
    }

    #[test]
    fn an_ambiguous_repair_is_not_guessed() {
        // 'B' for the second '8': "LB9B…" verifies the document number and the composite
        // exactly as "L898…" does, so neither is chosen.
        let read = "L89B902C36UTO7408122F1204159ZE184226B<<<<<10";
        let mut l = bytes(&[TD3[0], read]);
        assert_eq!(repair(&mut l, MrzFormat::Td3), vec![0, 4]);
        assert_eq!(l, bytes(&[TD3[0], read]));
    }

    #[test]
    fn a_digit_confusion_in_a_date_is_repaired() {
        // '3' read for the '8' of the date of birth.
        let mut l = bytes(&[TD3[0], "L898902C36UTO7403122F1204159ZE184226B<<<<<10"]);
        assert!(repair(&mut l, MrzFormat::Td3).is_empty());
        assert_eq!(l, bytes(&TD3));
    }

    #[test]
    fn an_unrepairable_field_is_reported() {
        // '9' for '4' in the expiry: not a confusion pair, so no repair is guessed.
        let mut l = bytes(&[TD3[0], "L898902C36UTO7408122F1209159ZE184226B<<<<<10"]);
        let failing = repair(&mut l, MrzFormat::Td3);
        assert!(failing.contains(&2), "{failing:?}");
    }
}
