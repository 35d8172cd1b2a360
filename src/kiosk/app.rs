//! The kiosk application: one [`Workflow`] and its [`Executor`], drawn by [`screens`].
//! Each frame: apply the inputs that arrived from the workers, draw, apply what staff
//! chose. Workers wake the UI with `request_repaint`; the only timed repaint is the idle
//! timeout, so an idle kiosk draws nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use eframe::egui::{self, ColorImage, TextureHandle, TextureOptions};

use super::screens::{self, Action, Form};
use super::status::Status;
use super::theme;
use crate::enrol::{Executor, Input, Offer, Stage, Workflow};

/// The kiosk's state.
pub struct KioskApp {
    workflow: Workflow,
    exec: Executor,
    inputs: Receiver<Input>,
    form: Form,
    status: Status,
    face: Option<TextureHandle>,
    /// The page capture's live preview (camera), while the capture screen shows.
    preview: Option<TextureHandle>,
    placer: Option<Arc<AtomicBool>>,
    installed: bool,
    /// The workflow was at the face scan last frame.
    scan_open: bool,
    /// Frames drawn (for tests and the idle measurement).
    pub frames: u64,
    /// When the process started the window (time to first frame is logged).
    pub launched: Option<Instant>,
}

impl KioskApp {
    /// `placer`: demo mode's "place the passport" flag ([`crate::enrol::DemoCard::placer`]).
    pub fn new(
        exec: Executor,
        inputs: Receiver<Input>,
        status: Status,
        placer: Option<Arc<AtomicBool>>,
        idle_timeout: Duration,
    ) -> KioskApp {
        KioskApp {
            workflow: Workflow::new(idle_timeout),
            exec,
            inputs,
            form: Form::default(),
            status,
            face: None,
            preview: None,
            placer,
            installed: false,
            scan_open: false,
            frames: 0,
            launched: None,
        }
    }

    /// Offers the photo page and the photo on file as `offer` says (before the first frame).
    pub fn with_offer(mut self, offer: Offer) -> KioskApp {
        self.workflow = std::mem::take(&mut self.workflow).with_offer(offer);
        self.status.offer = offer;
        self
    }

    pub fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    pub fn executor(&self) -> &Executor {
        &self.exec
    }

    pub fn executor_mut(&mut self) -> &mut Executor {
        &mut self.exec
    }

    /// What Home shows of the reader and the service.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Applies one input to the workflow and starts its effects.
    pub fn apply(&mut self, input: Input) {
        for effect in self.workflow.apply(input) {
            self.exec.run(effect);
        }
    }

    /// One frame.
    pub fn ui(&mut self, ctx: &egui::Context) {
        self.frames += 1;
        if !self.installed {
            theme::install(ctx);
            let c = ctx.clone();
            self.exec.set_wake(Arc::new(move || c.request_repaint()));
            self.installed = true;
            if let Some(t) = self.launched {
                tracing::info!(ms = t.elapsed().as_millis() as u64, "first frame");
            }
        }
        while let Ok(input) = self.inputs.try_recv() {
            match input {
                Input::Status(event) => self.status.apply(event),
                Input::PagePreview { job, frame } => self.show_preview(ctx, job, &frame),
                other => self.apply(other),
            }
        }
        if let Some(effects) = self.workflow.tick(Instant::now()) {
            tracing::info!("idle timeout: back to Home, customer data wiped");
            for effect in effects {
                self.exec.run(effect);
            }
        }
        self.sync_personal(ctx);
        self.follow_scan();

        let mut action = None;
        let shortcuts =
            ctx.input(|i| (i.key_pressed(egui::Key::Escape), i.key_pressed(egui::Key::F2)));
        egui::TopBottomPanel::top("header").show(ctx, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Passport face enrolment");
                if self.workflow.stage() != &Stage::Home {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.add(egui::Button::new("New customer (F2)")).clicked() {
                            action = Some(Action::Do(Input::NewCustomer));
                        }
                    });
                }
            });
        });
        egui::CentralPanel::default().show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.set_max_width(1100.0);
                let chosen = screens::stage(
                    ui,
                    self.workflow.stage(),
                    self.workflow.personal(),
                    self.face.as_ref(),
                    self.preview.as_ref(),
                    &mut self.form,
                    &self.status,
                );
                if chosen.is_some() {
                    action = chosen;
                }
            });
        });
        if action.is_none() {
            if shortcuts.1 && self.workflow.stage() != &Stage::Home {
                action = Some(Action::Do(Input::NewCustomer));
            } else if shortcuts.0 {
                action = Some(Action::Do(Input::Cancel));
            }
        }
        if let Some(a) = action {
            self.act(a);
            self.sync_personal(ctx);
            self.follow_scan();
            ctx.request_repaint();
        }
        if let Some(left) = self.workflow.idle_remaining(Instant::now()) {
            ctx.request_repaint_after(left + Duration::from_millis(20));
        }
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Do(input) => self.apply(input),
            Action::PlaceDemoPassport => {
                if let Some(p) = &self.placer {
                    p.store(true, Ordering::SeqCst);
                }
            }
            Action::SimulateScan(passed) => {
                self.exec.simulate_scan(passed);
            }
            Action::ScanEnded => self.exec.scan_ended(),
            Action::CapturePage => self.exec.capture_now(),
        }
    }

    /// Closes the face-scan browser when the workflow leaves the scan by any other way than
    /// the page's own end event (cancel, New customer, idle timeout), so the customer is not
    /// left facing a camera page.
    fn follow_scan(&mut self) {
        let scanning = matches!(self.workflow.stage(), Stage::FaceScan { .. });
        if self.scan_open && !scanning {
            self.exec.close_scan_browser();
        }
        self.scan_open = scanning;
    }

    /// Shows a live frame of the current page capture (frames of an earlier one are dropped).
    fn show_preview(&mut self, ctx: &egui::Context, job: u64, frame: &image::RgbImage) {
        if job != self.workflow.job() || !matches!(self.workflow.stage(), Stage::PageCapture { .. })
        {
            return;
        }
        let size = [frame.width() as usize, frame.height() as usize];
        let img = ColorImage::from_rgb(size, frame.as_raw());
        match &mut self.preview {
            Some(t) => t.set(img, TextureOptions::LINEAR),
            None => {
                self.preview = Some(ctx.load_texture("page-preview", img, TextureOptions::LINEAR))
            }
        }
    }

    /// Keeps the UI's copies of personal data (typed text, photo texture) no longer than
    /// the workflow keeps its own.
    fn sync_personal(&mut self, ctx: &egui::Context) {
        if !matches!(self.workflow.stage(), Stage::PageCapture { .. }) {
            self.preview = None;
        }
        if !matches!(self.workflow.stage(), Stage::Reference { .. }) {
            self.form.reference = Default::default();
        }
        match self.workflow.stage() {
            Stage::Home | Stage::Result { .. } => self.form.clear(),
            Stage::Review => {}
            _ => self.form.consent = false,
        }
        match (self.workflow.personal(), &self.face) {
            (None, Some(_)) => self.face = None,
            (Some(p), None) if self.workflow.stage() == &Stage::Review => {
                if let Some(f) = p.face() {
                    let size = [f.display.width() as usize, f.display.height() as usize];
                    let img = ColorImage::from_rgb(size, f.display.as_raw());
                    self.face = Some(ctx.load_texture("chip-face", img, TextureOptions::LINEAR));
                }
            }
            _ => {}
        }
    }
}

impl eframe::App for KioskApp {
    fn update(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.ui(ctx);
    }
}
