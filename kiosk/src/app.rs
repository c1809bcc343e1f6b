//! The kiosk's frame loop, joining the parts: scans from the [`Scanner`] (and the camera),
//! reports from the [`worker`](crate::worker), touches drawn by [`crate::ui`] — each turned
//! into a change of the [`KioskState`], whose jobs go to the worker. A frame never waits.

use std::time::Duration;

use antrian_proto::fonts;
use eframe::egui::{self, Ui};

use crate::config::KioskConfig;
use crate::scanner::{Read, Scanner};
use crate::state::{Action, KioskState};
use crate::ui;
use crate::worker::WorkerHandle;

pub struct KioskApp {
    pub config: KioskConfig,
    /// What the screen shows.
    pub state: KioskState,
    scanner: Scanner,
    worker: Option<WorkerHandle>,
    /// Scans read by the webcam (feature `camera`).
    camera: Option<std::sync::mpsc::Receiver<String>>,
    /// egui time of the last touch or scan.
    last_activity: f64,
}

impl KioskApp {
    pub fn new(config: KioskConfig) -> KioskApp {
        KioskApp {
            state: KioskState::new(&config),
            scanner: Scanner::new(config.scan_gap_ms),
            config,
            worker: None,
            camera: None,
            last_activity: 0.0,
        }
    }

    /// One frame: take scans and worker news, go back to the start when left alone, draw.
    pub fn ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        fonts::ensure(&ctx);
        if self.worker.is_none() {
            ctx.request_repaint();
            let waker = ctx.clone();
            self.worker = Some(WorkerHandle::start(self.config.clone(), move || waker.request_repaint()));
            self.camera = self.start_camera(&ctx);
            return;
        }
        while let Some(outcome) = self.worker.as_ref().and_then(WorkerHandle::try_recv) {
            self.state.apply(outcome);
        }
        let now = ctx.input(|i| i.time);
        let mut scans = self.scanner.take_scans(&ctx);
        scans.extend(self.camera.as_ref().into_iter().flat_map(|c| c.try_iter()).map(Read::Scan));
        for read in scans {
            self.last_activity = now;
            self.act(match read {
                Read::Scan(text) => Action::Scan(text),
                Read::Partial => Action::PartialScan,
            });
        }
        if ctx.input(|i| i.pointer.any_pressed()) {
            self.last_activity = now;
        }
        let idle = Duration::from_secs_f64((now - self.last_activity).max(0.0));
        if !self.state.resting() || self.state.notice.is_some() {
            if idle >= self.config.idle_timeout() {
                self.act(Action::Idle);
            }
            ctx.request_repaint_after(Duration::from_millis(500));
        }
        let touched = egui::Frame::new()
            .fill(ui::PAPER)
            .inner_margin(24.0)
            .show(ui, |ui| {
                ui.set_min_size(ui.available_size());
                ui::draw(ui, &self.state, &self.config.hub_url)
            })
            .inner;
        for action in touched {
            self.act(action);
        }
    }

    /// Applies an action; a job it gives goes to the worker.
    fn act(&mut self, action: Action) {
        if let Some((seq, job)) = self.state.act(action)
            && let Some(worker) = &self.worker
        {
            worker.send(seq, job);
        }
    }

    fn start_camera(&self, ctx: &egui::Context) -> Option<std::sync::mpsc::Receiver<String>> {
        if self.config.camera.is_empty() {
            return None;
        }
        #[cfg(feature = "camera")]
        {
            let waker = ctx.clone();
            match crate::camera::start(&self.config.camera, move || waker.request_repaint()) {
                Ok(scans) => return Some(scans),
                Err(error) => {
                    tracing::error!(%error, camera = %self.config.camera, "cannot start the camera")
                }
            }
        }
        #[cfg(not(feature = "camera"))]
        {
            let _ = ctx;
            tracing::error!(
                "camera = {:?} but this kiosk was built without the camera feature",
                self.config.camera
            );
        }
        None
    }
}
