//! A UVC camera or document camera through V4L2: the highest resolution it offers in MJPEG
//! or YUYV ([`super::resolution::choose`]), a downscaled live preview about five times a
//! second, and on [`PageCapture::capture_now`] the next frame at full resolution — MJPEG as
//! the camera's JPEG completed with its Huffman tables, YUYV as lossless PNG.
//!
//! The device part is thin: frames are pulled on a named thread (`kiosk-camera`) and
//! everything done to them is the pure functions of [`super::frame`] and [`frame_to_still`].

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::{Duration, Instant};

use image::RgbImage;
use v4l::buffer::Type;
use v4l::framesize::FrameSizeEnum;
use v4l::io::mmap::Stream;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;
use v4l::{Device, Format, FourCC};
use zeroize::Zeroizing;

use super::frame::{self, FrameError};
use super::resolution::{self, FrameSize, PixelFormat};
use super::{CaptureError, CaptureEvent, PageCapture};

/// How often a preview frame is made.
pub const PREVIEW_EVERY: Duration = Duration::from_millis(200);
/// How long one frame is waited for before staff are told the camera sends nothing.
const FRAME_TIMEOUT: Duration = Duration::from_secs(2);
/// Frame sizes looked at per format (a driver's list is untrusted too).
const MAX_SIZES: usize = 256;

struct Shared {
    capture: AtomicBool,
    stop: AtomicBool,
    running: AtomicBool,
}

/// An open camera, streaming.
pub struct Camera {
    events: Receiver<CaptureEvent>,
    shared: Arc<Shared>,
    size: FrameSize,
}

fn fourcc_of(f: PixelFormat) -> FourCC {
    match f {
        PixelFormat::Mjpeg => FourCC::new(b"MJPG"),
        PixelFormat::Yuyv => FourCC::new(b"YUYV"),
    }
}

fn format_of(c: FourCC) -> Option<PixelFormat> {
    match &c.repr {
        b"MJPG" => Some(PixelFormat::Mjpeg),
        b"YUYV" => Some(PixelFormat::Yuyv),
        _ => None,
    }
}

/// The frame sizes the device offers in the formats the kiosk decodes.
fn offered(dev: &Device) -> std::io::Result<Vec<FrameSize>> {
    let mut out = Vec::new();
    for desc in dev.enum_formats()? {
        let Some(format) = format_of(desc.fourcc) else { continue };
        let sizes = dev.enum_framesizes(desc.fourcc).unwrap_or_default();
        for fs in sizes.into_iter().take(MAX_SIZES) {
            let (width, height) = match fs.size {
                FrameSizeEnum::Discrete(d) => (d.width, d.height),
                FrameSizeEnum::Stepwise(s) => {
                    match resolution::stepwise_largest(
                        (s.min_width, s.min_height),
                        (s.max_width, s.max_height),
                        (s.step_width, s.step_height),
                    ) {
                        Some(size) => size,
                        None => continue,
                    }
                }
            };
            out.push(FrameSize { format, width, height });
        }
    }
    Ok(out)
}

fn camera_error(what: &str, e: std::io::Error) -> CaptureError {
    CaptureError::Camera(format!("{what}: {e}"))
}

impl Camera {
    /// Opens `device`, sets the highest usable resolution, and starts streaming.
    pub fn open(device: &Path) -> Result<Camera, CaptureError> {
        let dev = Device::with_path(device).map_err(|e| camera_error("it cannot be opened", e))?;
        let want = resolution::choose(
            &offered(&dev).map_err(|e| camera_error("its formats cannot be read", e))?,
        )
        .ok_or(CaptureError::NoUsableFormat)?;
        let got = dev
            .set_format(&Format::new(want.width, want.height, fourcc_of(want.format)))
            .map_err(|e| camera_error("its picture format cannot be set", e))?;
        let format = format_of(got.fourcc).ok_or(CaptureError::NoUsableFormat)?;
        let size = FrameSize { format, width: got.width, height: got.height };
        let stride = got.stride as usize;
        tracing::info!(width = size.width, height = size.height, format = ?size.format, "camera opened");
        let shared = Arc::new(Shared {
            capture: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            running: AtomicBool::new(true),
        });
        let (tx, events) = mpsc::sync_channel(4);
        let s = shared.clone();
        std::thread::Builder::new()
            .name("kiosk-camera".to_owned())
            .spawn(move || {
                run(&dev, size, stride, &s, &tx);
                s.running.store(false, Ordering::SeqCst);
            })
            .map_err(|e| camera_error("its worker cannot start", e))?;
        Ok(Camera { events, shared, size })
    }

    /// The frame size in use.
    pub fn frame_size(&self) -> FrameSize {
        self.size
    }
}

/// Pulls frames until stopped, sending previews and requested stills.
fn run(
    dev: &Device,
    size: FrameSize,
    stride: usize,
    shared: &Shared,
    tx: &SyncSender<CaptureEvent>,
) {
    let problem = |words: &str| {
        let _ = tx.send(CaptureEvent::Problem(words.to_owned()));
    };
    let mut stream = match Stream::with_buffers(dev, Type::VideoCapture, 4) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "the camera cannot stream");
            problem("The camera cannot send pictures: it may be in use by another program.");
            return;
        }
    };
    stream.set_timeout(FRAME_TIMEOUT);
    let mut last_preview: Option<Instant> = None;
    let mut silent = false;
    while !shared.stop.load(Ordering::SeqCst) {
        let (buf, meta) = match stream.next() {
            Ok(x) => x,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                if !silent {
                    problem("The camera sends no picture: check its cable and lens cover.");
                }
                silent = true;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "the camera stopped");
                problem("The camera stopped sending pictures: check its cable, then start again.");
                return;
            }
        };
        silent = false;
        let data = buf.get(..meta.bytesused as usize).unwrap_or(buf);
        if shared.capture.swap(false, Ordering::SeqCst) {
            let event = match frame_to_still(size, stride, data) {
                Ok(still) => CaptureEvent::Captured(still),
                Err(e) => {
                    tracing::warn!(error = %e, "a camera frame could not be used");
                    CaptureEvent::Problem("The picture could not be taken: try again.".to_owned())
                }
            };
            if tx.send(event).is_err() {
                return;
            }
            continue;
        }
        if last_preview.is_some_and(|t| t.elapsed() < PREVIEW_EVERY) {
            continue;
        }
        last_preview = Some(Instant::now());
        if let Ok(rgb) = frame_to_rgb(size, stride, data) {
            // A preview the kiosk has not taken yet is simply superseded.
            if let Err(mpsc::TrySendError::Disconnected(_)) =
                tx.try_send(CaptureEvent::Preview(frame::preview(&rgb)))
            {
                return;
            }
        }
    }
}

/// Why a frame could not become a picture.
#[derive(Debug, thiserror::Error)]
pub enum StillError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Face(#[from] crate::face::FaceError),
}

/// A frame decoded to RGB (bounded by the page limits).
pub fn frame_to_rgb(size: FrameSize, stride: usize, data: &[u8]) -> Result<RgbImage, StillError> {
    match size.format {
        PixelFormat::Yuyv => Ok(frame::yuyv_to_rgb(data, size.width, size.height, stride)?),
        PixelFormat::Mjpeg => {
            let jpeg = Zeroizing::new(frame::mjpeg_to_jpeg(data)?);
            let decoded = crate::face::decode_with_limits(&jpeg, &super::fixed::page_limits())?;
            Ok(decoded.image.clone())
        }
    }
}

/// A frame as an encoded page image: MJPEG as the completed JPEG (checked to decode), YUYV
/// as PNG.
pub fn frame_to_still(
    size: FrameSize,
    stride: usize,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, StillError> {
    match size.format {
        PixelFormat::Mjpeg => {
            let jpeg = Zeroizing::new(frame::mjpeg_to_jpeg(data)?);
            crate::face::decode_with_limits(&jpeg, &super::fixed::page_limits())?;
            Ok(jpeg)
        }
        PixelFormat::Yuyv => {
            let mut rgb = frame::yuyv_to_rgb(data, size.width, size.height, stride)?;
            // Room for the worst case up front, so the buffer is not moved (leaving copies).
            let raw = rgb.as_raw().len() + rgb.height() as usize;
            let mut out = Zeroizing::new(Vec::with_capacity(raw + raw / 64 + 4096));
            let written =
                rgb.write_to(&mut std::io::Cursor::new(&mut *out), image::ImageFormat::Png);
            zeroize::Zeroize::zeroize(&mut *rgb);
            written.map_err(|e| crate::face::FaceError::Encode(e.to_string()))?;
            Ok(out)
        }
    }
}

impl PageCapture for Camera {
    fn poll(&mut self) -> Option<CaptureEvent> {
        self.events.try_recv().ok()
    }

    fn capture_now(&mut self) -> Result<(), CaptureError> {
        if !self.shared.running.load(Ordering::SeqCst) {
            return Err(CaptureError::CameraStopped);
        }
        self.shared.capture.store(true, Ordering::SeqCst);
        Ok(())
    }

    fn resolution_note(&self) -> Option<String> {
        Some(resolution::note(self.size.width, self.size.height))
    }
}

impl Drop for Camera {
    /// Stops the worker; it ends within one frame or [`FRAME_TIMEOUT`] and closes the device.
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 3) as u8, (y * 3) as u8, 90]))
    }

    #[test]
    fn a_yuyv_frame_becomes_a_lossless_png_of_its_full_size() {
        let (w, h) = (64u32, 48u32);
        // Mid-grey luma ramp, neutral chroma.
        let mut data = Vec::new();
        for y in 0..h {
            for x in (0..w).step_by(2) {
                let l = (16 + (x + y) % 200) as u8;
                data.extend_from_slice(&[l, 128, l, 128]);
            }
        }
        let size = FrameSize { format: PixelFormat::Yuyv, width: w, height: h };
        let still = frame_to_still(size, w as usize * 2, &data).unwrap();
        assert_eq!(crate::face::InputFormat::sniff(&still), Some(crate::face::InputFormat::Png));
        let back = crate::face::decode(&still).unwrap();
        assert_eq!(back.image, frame::yuyv_to_rgb(&data, w, h, w as usize * 2).unwrap());
        assert_eq!(frame_to_rgb(size, w as usize * 2, &data).unwrap().dimensions(), (w, h));
        assert!(frame_to_still(size, w as usize * 2, &data[..100]).is_err());
    }

    #[test]
    fn an_mjpeg_frame_becomes_a_complete_jpeg_and_garbage_an_error() {
        let mut jpeg = Vec::new();
        img(80, 60)
            .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        let size = FrameSize { format: PixelFormat::Mjpeg, width: 80, height: 60 };
        let still = frame_to_still(size, 0, &jpeg).unwrap();
        assert_eq!(*still, jpeg);
        assert_eq!(frame_to_rgb(size, 0, &jpeg).unwrap().dimensions(), (80, 60));
        assert!(frame_to_still(size, 0, b"\xFF\xD8\xFF\xDA garbage").is_err());
        assert!(frame_to_still(size, 0, b"").is_err());
    }

    #[test]
    fn a_missing_device_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = Camera::open(&dir.path().join("video9")).err().unwrap();
        assert!(matches!(e, CaptureError::Camera(_)), "{e:?}");
        assert!(e.to_string().starts_with("the camera cannot be used: it cannot be opened"), "{e}");
        // A file that is not a V4L2 device.
        let not_a_camera = dir.path().join("video0");
        std::fs::write(&not_a_camera, b"x").unwrap();
        assert!(Camera::open(&not_a_camera).is_err());
    }
}
