//! The bulk-enrolment manifest: RFC 4180 CSV whose header names `image` (a path relative to
//! the manifest's folder), optionally `user_id` (empty: one is generated) and `reference`.
//! Bounded in size, rows and field lengths; a bad row is reported with its row number (the
//! header is row 1, as a spreadsheet shows it) and a plain reason, never ending the batch.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::iproov::UserId;

/// Largest manifest read.
pub const MAX_MANIFEST_BYTES: u64 = 32 * 1024 * 1024;
/// Most data rows read; the rest are reported as one bad entry.
pub const MAX_ROWS: usize = 100_000;
/// Longest image path.
pub const MAX_PATH_CHARS: usize = 1024;
/// Longest customer reference.
pub const MAX_REFERENCE_CHARS: usize = 256;

/// Why a manifest cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest cannot be read: {0}")]
    Read(#[from] std::io::Error),
    #[error("the manifest is larger than {MAX_MANIFEST_BYTES} bytes; split it")]
    TooLarge,
    #[error(
        "the manifest's first row must be a header naming the columns (image, user_id, reference)"
    )]
    NoHeader,
    #[error("the manifest's header has no `image` column")]
    NoImageColumn,
    #[error("the manifest's header names the column `{0}` twice")]
    DuplicateColumn(String),
}

/// One usable row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Row number in the file (header = 1).
    pub row: usize,
    /// The user_id given, or `None` (generated at enrolment).
    pub user_id: Option<UserId>,
    /// The image path as written (relative, checked).
    pub image: PathBuf,
    /// The optional customer reference (kept out of results and logs).
    pub reference: Option<String>,
}

/// A row that cannot be enrolled, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub row: usize,
    pub reason: String,
}

/// A parsed manifest.
#[derive(Debug, Default)]
pub struct Manifest {
    pub rows: Vec<Row>,
    pub bad: Vec<BadRow>,
    /// Header columns that are not used (ignored).
    pub ignored_columns: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Columns {
    image: usize,
    user_id: Option<usize>,
    reference: Option<usize>,
    count: usize,
}

/// Reads and parses the manifest file.
pub fn read(path: &Path) -> Result<Manifest, ManifestError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge);
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path)?, MAX_MANIFEST_BYTES + 1),
        &mut bytes,
    )?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge);
    }
    parse(&bytes)
}

/// Parses manifest bytes (pure).
pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut records = rdr.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        _ => return Err(ManifestError::NoHeader),
    };
    let mut out = Manifest::default();
    let cols = columns(&header, &mut out.ignored_columns)?;
    let mut row = 1usize;
    for rec in records {
        row += 1;
        if out.rows.len() + out.bad.len() >= MAX_ROWS {
            out.bad.push(BadRow {
                row,
                reason: format!(
                    "the manifest has more than {MAX_ROWS} rows; this row and the rest were not read: split the manifest"
                ),
            });
            break;
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let reason = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "the row is not valid text".to_owned(),
                    _ => "the row is not valid CSV".to_owned(),
                };
                out.bad.push(BadRow { row, reason });
                continue;
            }
        };
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        match parse_row(row, &rec, cols) {
            Ok(r) => out.rows.push(r),
            Err(reason) => out.bad.push(BadRow { row, reason }),
        }
    }
    Ok(out)
}

fn columns(header: &csv::ByteRecord, ignored: &mut Vec<String>) -> Result<Columns, ManifestError> {
    let mut found: HashMap<&'static str, usize> = HashMap::new();
    for (i, raw) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(raw).trim().to_ascii_lowercase();
        let known = match name.as_str() {
            "image" => "image",
            "user_id" => "user_id",
            "reference" => "reference",
            _ => {
                if ignored.len() < 32 {
                    ignored.push(name.chars().take(64).collect());
                }
                continue;
            }
        };
        if found.insert(known, i).is_some() {
            return Err(ManifestError::DuplicateColumn(known.to_owned()));
        }
    }
    let image = *found.get("image").ok_or(ManifestError::NoImageColumn)?;
    Ok(Columns {
        image,
        user_id: found.get("user_id").copied(),
        reference: found.get("reference").copied(),
        count: header.len(),
    })
}

fn text(rec: &csv::ByteRecord, i: Option<usize>, what: &str) -> Result<String, String> {
    let Some(raw) = i.and_then(|i| rec.get(i)) else { return Ok(String::new()) };
    std::str::from_utf8(raw)
        .map(|s| s.trim().to_owned())
        .map_err(|_| format!("the {what} is not valid text"))
}

fn parse_row(row: usize, rec: &csv::ByteRecord, cols: Columns) -> Result<Row, String> {
    if rec.len() != cols.count {
        return Err(format!("the row has {} fields; the header has {}", rec.len(), cols.count));
    }
    let image = text(rec, Some(cols.image), "image path")?;
    let image = check_image_path(&image)?;
    let user_id = text(rec, cols.user_id, "user_id")?;
    let user_id = if user_id.is_empty() {
        None
    } else if user_id.chars().count() > 256 {
        return Err("the user_id is longer than 256 characters".to_owned());
    } else {
        Some(UserId::parse(&user_id).map_err(|_| {
            "the user_id may only hold letters, digits and ' + _ @ . - (at most 256)".to_owned()
        })?)
    };
    let reference = text(rec, cols.reference, "reference")?;
    if reference.chars().count() > MAX_REFERENCE_CHARS {
        return Err(format!("the reference is longer than {MAX_REFERENCE_CHARS} characters"));
    }
    if reference.chars().any(char::is_control) {
        return Err("the reference holds control characters".to_owned());
    }
    let reference = Some(reference).filter(|r| !r.is_empty());
    Ok(Row { row, user_id, image, reference })
}

/// An image path must be relative and stay inside the manifest's folder.
fn check_image_path(p: &str) -> Result<PathBuf, String> {
    if p.is_empty() {
        return Err("the image path is empty".to_owned());
    }
    if p.chars().count() > MAX_PATH_CHARS {
        return Err(format!("the image path is longer than {MAX_PATH_CHARS} characters"));
    }
    if p.chars().any(char::is_control) {
        return Err("the image path holds control characters".to_owned());
    }
    let path = PathBuf::from(p);
    let mut depth = 0i64;
    for c in path.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return Err("the image path leads out of the manifest's folder".to_owned());
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err("the image path must be relative to the manifest's folder".to_owned());
            }
        }
    }
    if depth == 0 {
        return Err("the image path names no file".to_owned());
    }
    Ok(path)
}

/// Rows sharing a key with other rows: row → the other rows with the same key (pure). Every
/// row of such a group is reported — which one is right cannot be told.
pub fn duplicates<K: std::hash::Hash + Eq>(keys: &[(usize, K)]) -> HashMap<usize, Vec<usize>> {
    let mut groups: HashMap<&K, Vec<usize>> = HashMap::new();
    for (row, k) in keys {
        groups.entry(k).or_default().push(*row);
    }
    let mut out = HashMap::new();
    for rows in groups.into_values().filter(|g| g.len() > 1) {
        for r in &rows {
            out.insert(*r, rows.iter().copied().filter(|o| o != r).collect());
        }
    }
    out
}

/// "row 3" / "rows 3, 7" for a reason.
pub fn rows_text(rows: &[usize]) -> String {
    let mut v = rows.to_vec();
    v.sort_unstable();
    let shown: Vec<String> = v.iter().take(5).map(ToString::to_string).collect();
    let more = if v.len() > 5 { format!(" and {} more", v.len() - 5) } else { String::new() };
    match v.len() {
        1 => format!("row {}", shown.join("")),
        _ => format!("rows {}{more}", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(m: &Manifest, row: usize) -> &str {
        &m.bad
            .iter()
            .find(|b| b.row == row)
            .unwrap_or_else(|| panic!("row {row} not bad: {m:?}"))
            .reason
    }

    #[test]
    fn rows_are_read_with_optional_columns_in_any_order() {
        let m = parse(b"\xEF\xBB\xBFReference,image,User_ID\nref-1,a.jpg,cust.1\n,sub/b.png,\n\n")
            .unwrap();
        assert!(m.bad.is_empty(), "{:?}", m.bad);
        assert_eq!(m.rows.len(), 2);
        assert_eq!(m.rows[0].row, 2);
        assert_eq!(m.rows[0].user_id.as_ref().map(UserId::as_str), Some("cust.1"));
        assert_eq!(m.rows[0].reference.as_deref(), Some("ref-1"));
        assert_eq!(m.rows[1].row, 3);
        assert_eq!(m.rows[1].user_id, None);
        assert_eq!(m.rows[1].image, PathBuf::from("sub/b.png"));
        let only_image = parse(b"image\nx.jpg\n").unwrap();
        assert_eq!(only_image.rows.len(), 1);
    }

    #[test]
    fn bad_rows_are_reported_by_row_number_and_the_rest_kept() {
        let csv = "user_id,image\n\
                   ok,a.jpg\n\
                   too,many,fields\n\
                   nopath,\n\
                   bad id!,b.jpg\n\
                   abs,/etc/passwd\n\
                   up,../../x.jpg\n\
                   \"quoted, id\",c.jpg\n\
                   fine,\"d,e.jpg\"\n";
        let m = parse(csv.as_bytes()).unwrap();
        assert_eq!(m.rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 9]);
        assert!(bad(&m, 3).contains("3 fields; the header has 2"));
        assert!(bad(&m, 4).contains("empty"));
        assert!(bad(&m, 5).contains("user_id may only hold"));
        assert!(bad(&m, 6).contains("relative"));
        assert!(bad(&m, 7).contains("out of the manifest's folder"));
        assert!(bad(&m, 8).contains("user_id"));
        assert_eq!(m.rows[1].image, PathBuf::from("d,e.jpg"));
        let m = parse(b"image\n\xFF\xFE.jpg\nok.jpg\n").unwrap();
        assert!(bad(&m, 2).contains("not valid text"));
        assert_eq!(m.rows.len(), 1);
    }

    #[test]
    fn unusable_headers_refuse_the_manifest() {
        assert!(matches!(parse(b""), Err(ManifestError::NoHeader)));
        assert!(matches!(parse(b"user_id,photo\nx,y\n"), Err(ManifestError::NoImageColumn)));
        assert!(matches!(parse(b"image,IMAGE\n"), Err(ManifestError::DuplicateColumn(_))));
        let m = parse(b"image,name\na.jpg,Jane\n").unwrap();
        assert_eq!(m.ignored_columns, ["name"]);
    }

    #[test]
    fn hostile_sizes_are_bounded() {
        let long = format!("image\n{}.jpg\n", "a".repeat(MAX_PATH_CHARS + 1));
        assert!(bad(&parse(long.as_bytes()).unwrap(), 2).contains("longer than"));
        let many = format!("image\n{}", "a.jpg\n".repeat(MAX_ROWS + 10));
        let m = parse(many.as_bytes()).unwrap();
        assert_eq!(m.rows.len(), MAX_ROWS);
        assert_eq!(m.bad.len(), 1);
        assert!(m.bad[0].reason.contains("split the manifest"));
        let unclosed = parse(b"image,user_id\n\"a.jpg,u\nb.jpg,v\n").unwrap();
        assert!(unclosed.rows.is_empty() || unclosed.rows.iter().all(|r| r.row >= 2));
        assert!(!unclosed.rows.is_empty() || !unclosed.bad.is_empty());
        assert!(check_image_path("a/../../b").is_err());
        assert!(check_image_path("a/..").is_err());
        assert!(check_image_path("./a/../b.jpg").is_ok());
    }

    #[test]
    fn every_row_of_a_duplicate_group_is_named() {
        let d = duplicates(&[(2, "a"), (3, "b"), (4, "a"), (5, "a")]);
        assert_eq!(d.len(), 3);
        let mut g = d[&2].clone();
        g.sort_unstable();
        assert_eq!(g, [4, 5]);
        assert!(!d.contains_key(&3));
        assert_eq!(rows_text(&[7]), "row 7");
        assert_eq!(rows_text(&[9, 3]), "rows 3, 9");
        assert_eq!(rows_text(&[1, 2, 3, 4, 5, 6, 7]), "rows 1, 2, 3, 4, 5 and 2 more");
    }
}
