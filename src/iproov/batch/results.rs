//! One result line per manifest row — CSV (`row,user_id,outcome,reason`) or JSON lines —
//! written as each row ends and flushed, so a crash loses no finished row. No image bytes,
//! no reference, no personal data: the user_id is random or the operator's own.

use std::io::Write;

use serde::Serialize;

/// How a row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// The image was registered by this run.
    #[serde(rename = "enrolled")]
    Enrolled,
    /// Not enrolled: the reason says why (bad row, image rules, refused by the service).
    #[serde(rename = "failed")]
    Failed,
    /// Not attempted or not finished now (interrupted, outcome still to settle): a re-run
    /// takes it up.
    #[serde(rename = "skipped")]
    Skipped,
    /// Enrolled by an earlier run (the records say so): nothing sent.
    #[serde(rename = "already done")]
    AlreadyDone,
}

impl Outcome {
    /// The word in the results.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Enrolled => "enrolled",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::AlreadyDone => "already done",
        }
    }
}

/// One row's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowResult {
    pub row: usize,
    pub user_id: Option<String>,
    pub outcome: Outcome,
    pub reason: String,
}

impl RowResult {
    pub fn new(
        row: usize,
        user_id: Option<&str>,
        outcome: Outcome,
        reason: impl Into<String>,
    ) -> Self {
        let reason: String = reason.into();
        RowResult {
            row,
            user_id: user_id.map(str::to_owned),
            outcome,
            // One line, bounded.
            reason: reason.replace(['\n', '\r'], " ").chars().take(400).collect(),
        }
    }
}

/// Counts per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub enrolled: usize,
    pub failed: usize,
    pub skipped: usize,
    pub already_done: usize,
}

impl Tally {
    pub fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Enrolled => self.enrolled += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::AlreadyDone => self.already_done += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.enrolled + self.failed + self.skipped + self.already_done
    }
    /// Every row enrolled, now or before.
    pub fn all_done(&self) -> bool {
        self.failed == 0 && self.skipped == 0
    }
}

/// Writes result lines.
pub struct ResultWriter {
    out: Box<dyn Write + Send>,
    json: bool,
    header_done: bool,
    pub tally: Tally,
}

impl ResultWriter {
    /// CSV with a header, or (`json`) one JSON object per line.
    pub fn new(out: Box<dyn Write + Send>, json: bool) -> ResultWriter {
        ResultWriter { out, json, header_done: false, tally: Tally::default() }
    }

    /// Writes one line and flushes it.
    pub fn write(&mut self, r: &RowResult) -> std::io::Result<()> {
        self.tally.add(r.outcome);
        let line = if self.json {
            let mut s = serde_json::to_string(r).map_err(std::io::Error::other)?;
            s.push('\n');
            s
        } else {
            let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
            if !self.header_done {
                w.write_record(["row", "user_id", "outcome", "reason"])
                    .map_err(std::io::Error::other)?;
                self.header_done = true;
            }
            let row = r.row.to_string();
            w.write_record([
                row.as_str(),
                r.user_id.as_deref().unwrap_or(""),
                r.outcome.as_str(),
                &r.reason,
            ])
            .map_err(std::io::Error::other)?;
            let bytes = w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
            String::from_utf8_lossy(&bytes).into_owned()
        };
        self.out.write_all(line.as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn csv_lines_are_quoted_and_json_lines_parse() {
        let sink = Sink::default();
        let mut w = ResultWriter::new(Box::new(sink.clone()), false);
        w.write(&RowResult::new(2, Some("u1"), Outcome::Enrolled, "")).unwrap();
        w.write(&RowResult::new(3, None, Outcome::Failed, "bad, \"quoted\"\nline")).unwrap();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "row,user_id,outcome,reason\n2,u1,enrolled,\n3,,failed,\"bad, \"\"quoted\"\" line\"\n"
        );
        let sink = Sink::default();
        let mut w = ResultWriter::new(Box::new(sink.clone()), true);
        w.write(&RowResult::new(4, Some("u2"), Outcome::AlreadyDone, "before")).unwrap();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["outcome"], "already done");
        assert_eq!(v["row"], 4);
        assert_eq!(w.tally, Tally { already_done: 1, ..Tally::default() });
    }
}
