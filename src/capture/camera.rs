//! A UVC camera or document camera through V4L2: the highest resolution it offers (MJPEG
//! or YUYV), a downscaled live preview, a full-resolution still on request.

use std::path::Path;

use super::{CaptureError, CaptureEvent, PageCapture};

/// An open camera.
pub struct Camera {
    _private: (),
}

impl Camera {
    /// Opens the V4L2 device.
    pub fn open(device: &Path) -> Result<Camera, CaptureError> {
        let _ = device;
        Err(CaptureError::Camera("camera capture is not available in this build".to_owned()))
    }
}

impl PageCapture for Camera {
    fn poll(&mut self) -> Option<CaptureEvent> {
        None
    }

    fn capture_now(&mut self) -> Result<(), CaptureError> {
        Err(CaptureError::CameraStopped)
    }

    fn resolution_note(&self) -> Option<String> {
        None
    }
}
