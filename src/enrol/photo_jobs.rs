//! The photo page (`oid`) and the photo on file (`selfie`) worked off the UI thread: a
//! capture thread (`kiosk-capture`) polls the page capture while one is wanted and a photo
//! thread (`kiosk-photo`) reads captured pages (OCR of the MRZ and the portrait crop, about
//! a second) and fetches photos on file. Every result goes back as an [`Input`] tagged with
//! its job; the workflow ignores those of jobs it has left.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::signals::{Effect, Input};
use super::sink::Sink;
use super::sources::{Offer, OnFilePhoto, PageReadout, PhotoFailure};
use crate::capture::{CaptureEvent, PageCapture};
use crate::face::EncodePolicy;
use crate::selfie::SelfieSource;

/// How often the page capture is polled while a capture is wanted.
const POLL: Duration = Duration::from_millis(40);
/// At most this many preview frames a second reach the UI.
const PREVIEW_EVERY: Duration = Duration::from_millis(66);

/// Reads a captured page image: the MRZ by OCR and the portrait made upload-ready.
pub trait PageReader: Send + Sync {
    fn read(&self, page: &[u8]) -> Result<PageReadout, PhotoFailure>;
}

/// The photo sources a kiosk was given: each is optional.
#[derive(Default)]
pub struct PhotoSources {
    /// Where photo pages come from (scanner folder, camera, or the demo's fixed page).
    pub capture: Option<Box<dyn PageCapture>>,
    /// Where photos on file come from, by customer reference.
    pub on_file: Option<Box<dyn SelfieSource>>,
    /// How a captured page is read (OCR and portrait); the photo page is offered only with
    /// a capture and a reader.
    pub reader: Option<Arc<dyn PageReader>>,
}

enum CaptureCmd {
    Start { job: u64, cancel: Arc<AtomicBool> },
    Shoot,
}

enum PhotoJob {
    Read { job: u64, page: Zeroizing<Vec<u8>> },
    Fetch { job: u64, reference: Zeroizing<String> },
}

/// The threads of the two photo sources.
pub struct PhotoJobs {
    capture: Option<Sender<CaptureCmd>>,
    photo: Sender<PhotoJob>,
    offer: Offer,
    sink: Sink,
}

impl PhotoJobs {
    /// Starts the threads the `sources` need.
    pub fn start(sink: Sink, sources: PhotoSources) -> std::io::Result<PhotoJobs> {
        let offer = Offer {
            photo_page: sources.capture.is_some() && sources.reader.is_some(),
            photo_on_file: sources.on_file.is_some(),
        };
        let capture = match sources.capture {
            Some(c) => {
                let (tx, rx) = mpsc::channel();
                let s = sink.clone();
                std::thread::Builder::new()
                    .name("kiosk-capture".into())
                    .spawn(move || capture_thread(c, &rx, &s))?;
                Some(tx)
            }
            None => None,
        };
        let (photo, rx) = mpsc::channel();
        let (s, reader, on_file) = (sink.clone(), sources.reader, sources.on_file);
        std::thread::Builder::new()
            .name("kiosk-photo".into())
            .spawn(move || photo_thread(&rx, &s, reader.as_deref(), on_file.as_deref()))?;
        Ok(PhotoJobs { capture, photo, offer, sink })
    }

    /// Which sources can be offered.
    pub fn offer(&self) -> Offer {
        self.offer
    }

    /// Starts a photo effect; its result arrives later as an input.
    pub fn run(&self, effect: Effect) {
        match effect {
            Effect::CapturePage { job, cancel } => {
                let sent = self
                    .capture
                    .as_ref()
                    .is_some_and(|c| c.send(CaptureCmd::Start { job, cancel }).is_ok());
                if !sent {
                    let result = Err(unavailable("No page scanner or camera is set up."));
                    self.sink.send(Input::PageCaptured { job, result });
                }
            }
            Effect::ReadPage { job, page } => {
                if self.photo.send(PhotoJob::Read { job, page }).is_err() {
                    let result = Err(unavailable("The photo page reader has stopped."));
                    self.sink.send(Input::PageRead { job, result });
                }
            }
            Effect::FetchOnFile { job, reference } => {
                if self.photo.send(PhotoJob::Fetch { job, reference }).is_err() {
                    let result = Err(unavailable("The photo-on-file fetcher has stopped."));
                    self.sink.send(Input::OnFileFetched { job, result });
                }
            }
            other => tracing::error!(effect = ?other, "not a photo effect"),
        }
    }

    /// Camera: take the full-resolution photo of the page now.
    pub fn capture_now(&self) {
        if let Some(c) = &self.capture {
            let _ = c.send(CaptureCmd::Shoot);
        }
    }
}

fn unavailable(detail: &str) -> PhotoFailure {
    PhotoFailure { title: "The photo page cannot be used here".into(), detail: detail.into() }
}

fn capture_thread(mut capture: Box<dyn PageCapture>, cmds: &Receiver<CaptureCmd>, sink: &Sink) {
    let mut next = cmds.recv().ok();
    while let Some(cmd) = next.take() {
        if let CaptureCmd::Start { job, cancel } = cmd {
            next = capture_one(capture.as_mut(), job, &cancel, cmds, sink);
        } else {
            next = cmds.recv().ok();
        }
    }
}

/// Polls the capture for job `job` until a page arrives, `cancel` is set or another
/// capture is asked for (returned, to be run next).
fn capture_one(
    capture: &mut dyn PageCapture,
    job: u64,
    cancel: &AtomicBool,
    cmds: &Receiver<CaptureCmd>,
    sink: &Sink,
) -> Option<CaptureCmd> {
    // A page a source held before this capture started (a scan saved while no capture was
    // wanted) is taken as this customer's: it is only enrolled if its MRZ matches the
    // document typed for them.
    if let Some(note) = capture.resolution_note() {
        sink.send(Input::CaptureNote { job, note });
    }
    let mut last_preview: Option<Instant> = None;
    loop {
        if cancel.load(Ordering::SeqCst) {
            return cmds.recv().ok();
        }
        match capture.poll() {
            Some(CaptureEvent::Captured(page)) => {
                sink.send(Input::PageCaptured { job, result: Ok(page) });
                return cmds.recv().ok();
            }
            Some(CaptureEvent::Preview(frame))
                if last_preview.is_none_or(|t| t.elapsed() >= PREVIEW_EVERY) =>
            {
                last_preview = Some(Instant::now());
                sink.send(Input::PagePreview { job, frame: Box::new(frame) });
            }
            Some(CaptureEvent::Preview(_)) => {}
            Some(CaptureEvent::Problem(note)) => sink.send(Input::CaptureNote { job, note }),
            None => {}
        }
        // Every turn waits (a source with a frame ready at each poll never spins a core).
        match cmds.recv_timeout(POLL) {
            Ok(CaptureCmd::Shoot) => {
                if let Err(e) = capture.capture_now() {
                    tracing::warn!(error = %e, "the page capture could not take a photo");
                    let note = "The camera could not take the photo. Try again.".to_owned();
                    sink.send(Input::CaptureNote { job, note });
                }
            }
            Ok(start @ CaptureCmd::Start { .. }) => return Some(start),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

fn photo_thread(
    jobs: &Receiver<PhotoJob>,
    sink: &Sink,
    reader: Option<&dyn PageReader>,
    on_file: Option<&dyn SelfieSource>,
) {
    for j in jobs {
        match j {
            PhotoJob::Read { job, page } => {
                let result = match reader {
                    Some(r) => r.read(&page).map(Box::new),
                    None => Err(unavailable("This kiosk has no photo page reader.")),
                };
                drop(page);
                sink.send(Input::PageRead { job, result });
            }
            PhotoJob::Fetch { job, reference } => {
                let result = match on_file {
                    Some(s) => fetch_on_file(s, &reference).map(Box::new),
                    None => Err(PhotoFailure {
                        title: "Photos on file are not set up".into(),
                        detail: "This kiosk has no photo-on-file source configured.".into(),
                    }),
                };
                sink.send(Input::OnFileFetched { job, result });
            }
        }
    }
}

/// Fetches the photo on file for `reference` and makes it upload-ready.
pub fn fetch_on_file(
    source: &dyn SelfieSource,
    reference: &str,
) -> Result<OnFilePhoto, PhotoFailure> {
    let photo = source.fetch(reference).map_err(|e| {
        tracing::info!(error = %e, "the photo on file could not be fetched");
        PhotoFailure {
            title: "The photo on file could not be fetched".into(),
            detail: e.to_string(),
        }
    })?;
    let unusable = |e: String| PhotoFailure {
        title: "The photo on file cannot be used".into(),
        detail: format!("{e}. Check the photo in the customer system, or enrol from the passport."),
    };
    let (image, eyes) = crate::face::input_image(&photo.bytes).map_err(unusable)?;
    let image = Zeroizing::new(image);
    let face = crate::face::prepare(&image, eyes, &EncodePolicy::default())
        .map_err(|e| unusable(format!("The image is unusable: {e}")))?;
    Ok(OnFilePhoto { face, provenance: photo.provenance.clone() })
}
