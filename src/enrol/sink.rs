//! The way back from the workers to the UI thread: each [`Input`] goes over a channel,
//! followed by a wake-up call (the GUI's `ctx.request_repaint()`), so nothing polls.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use super::signals::Input;

/// Sends inputs to the UI thread and wakes it.
#[derive(Clone)]
pub struct Sink {
    tx: Sender<Input>,
    wake: Arc<Mutex<Arc<dyn Fn() + Send + Sync>>>,
}

impl Sink {
    /// A sink and the receiving end of its channel; it wakes nobody until
    /// [`Sink::set_wake`] gives it the UI's wake-up call.
    pub fn channel() -> (Sink, Receiver<Input>) {
        let (tx, rx) = mpsc::channel();
        let noop: Arc<dyn Fn() + Send + Sync> = Arc::new(|| {});
        (Sink { tx, wake: Arc::new(Mutex::new(noop)) }, rx)
    }

    /// The call made after every input sent (shared by every clone of this sink).
    pub fn set_wake(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        if let Ok(mut w) = self.wake.lock() {
            *w = wake;
        }
    }

    pub fn send(&self, input: Input) {
        self.send_checked(input);
    }

    /// Sends and wakes; false when the receiving side is gone.
    pub fn send_checked(&self, input: Input) -> bool {
        if self.tx.send(input).is_err() {
            return false;
        }
        if let Ok(w) = self.wake.lock() {
            (**w)();
        }
        true
    }
}
