//! The workflow's photo-page (`oid`) and photo-on-file (`selfie`) paths: capture → read →
//! compare with the typed MRZ, and reference → fetch, each ending at Review or with a plain
//! Problem.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use zeroize::Zeroizing;

use crate::enrol::machine::Workflow;
use crate::enrol::personal::Personal;
use crate::enrol::signals::Effect;
use crate::enrol::sources::{self, Comparison, OnFilePhoto, PageReadout, PhotoFailure};
use crate::enrol::stage::Stage;
use crate::enrol::wording;

impl Workflow {
    /// The photo page path: any chip read stops, the page capture starts. The typed
    /// document stays: the page's MRZ is compared with it.
    pub(super) fn start_capture(&mut self) -> Vec<Effect> {
        if let Some(fx) = self.refuse_held_enrolment("a photo page was asked for") {
            return fx;
        }
        if self.key.is_none() {
            self.stage = Stage::Document { error: None };
            return Vec::new();
        }
        if let Some(c) = self.cancel.take() {
            c.store(true, Ordering::SeqCst);
        }
        self.personal = None;
        let job = self.next_job();
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancel = Some(cancel.clone());
        self.stage = Stage::PageCapture { note: None };
        vec![Effect::CapturePage { job, cancel }]
    }

    pub(super) fn page_captured(
        &mut self,
        result: Result<Zeroizing<Vec<u8>>, PhotoFailure>,
    ) -> Vec<Effect> {
        if !matches!(self.stage, Stage::PageCapture { .. }) {
            return Vec::new();
        }
        self.cancel = None;
        match result {
            Ok(page) => {
                let job = self.next_job();
                self.stage = Stage::PageReading;
                vec![Effect::ReadPage { job, page }]
            }
            Err(f) => {
                self.stage = wording::page_failed(f);
                Vec::new()
            }
        }
    }

    /// The page was read: its MRZ must have verified and match what was typed, else the path
    /// stops with a plain sentence.
    pub(super) fn page_read(
        &mut self,
        result: Result<Box<PageReadout>, PhotoFailure>,
    ) -> Vec<Effect> {
        if self.stage != Stage::PageReading {
            return Vec::new();
        }
        let page = match result {
            Ok(p) => p,
            Err(f) => {
                self.stage = wording::page_failed(f);
                return Vec::new();
            }
        };
        let (Some(key), Some(mrz)) = (&self.key, page.mrz.parsed.as_ref()) else {
            self.stage = wording::page_mrz_unreadable(&page.mrz.problems);
            return Vec::new();
        };
        let comparison = sources::compare(key, mrz);
        if let Comparison::Fields(_) = &comparison
            && !comparison.matches()
        {
            tracing::info!(differ = ?comparison.differing(), "photo page MRZ differs from the typed one");
            self.stage = wording::page_mismatch(&comparison);
            return Vec::new();
        }
        self.personal = Some(Personal::from_page(page, comparison));
        self.stage = Stage::Review;
        Vec::new()
    }

    pub(super) fn fetch_on_file(&mut self, typed: &str) -> Vec<Effect> {
        if let Some(fx) = self.refuse_held_enrolment("a photo on file was asked for") {
            return fx;
        }
        match sources::check_reference(typed) {
            Ok(reference) => {
                self.personal = None;
                let job = self.next_job();
                self.stage = Stage::Fetching;
                vec![Effect::FetchOnFile { job, reference }]
            }
            Err(e) => {
                self.stage = Stage::Reference { error: Some(e) };
                Vec::new()
            }
        }
    }

    pub(super) fn on_file(
        &mut self,
        result: Result<Box<OnFilePhoto>, PhotoFailure>,
    ) -> Vec<Effect> {
        if self.stage != Stage::Fetching {
            return Vec::new();
        }
        match result {
            Ok(photo) => {
                self.personal = Some(Personal::on_file(photo));
                self.stage = Stage::Review;
            }
            Err(f) => self.stage = wording::fetch_failed(f),
        }
        Vec::new()
    }
}
