//! The trusted photo on file fetched from a customer system over HTTPS: a local server with
//! a self-signed certificate that the client is told to trust (`ca_file`), and one it is not;
//! a photo found, 404, 401 without the token, 503, a huge body with and without a declared
//! length, a body that is not a picture, a server slower than the timeout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use enrol_kiosk::selfie::{self, SelfieConfig, SelfieError, SelfieSource};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::TokioIo;

const TOKEN: &str = "bank-token-SECRET-42";
const LIMIT: usize = 64 * 1024;

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(30, 40, image::Rgb([160, 130, 110]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn full(status: u16, body: Vec<u8>) -> hyper::Response<Body> {
    hyper::Response::builder().status(status).body(Full::new(Bytes::from(body)).boxed()).unwrap()
}

async fn handle(
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Body>, Infallible> {
    let authorised = req
        .headers()
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == format!("Bearer {TOKEN}").as_bytes());
    let path = req.uri().path().to_owned();
    Ok(match path.as_str() {
        "/photos/C-1" => full(200, png()),
        "/photos/AUTH" if authorised => full(200, png()),
        "/photos/AUTH" => full(401, b"no".to_vec()),
        "/photos/BUSY" => full(503, Vec::new()),
        "/photos/MOVED" => hyper::Response::builder()
            .status(302)
            .header("location", "https://elsewhere.example/x")
            .body(Full::new(Bytes::new()).boxed())
            .unwrap(),
        "/photos/HTML" => full(200, b"<html>login</html>".to_vec()),
        "/photos/HUGE" => full(200, vec![0xFF; LIMIT + 1]),
        "/photos/ENDLESS" => {
            // No declared length: a stream of 1 MiB chunks that never ends on its own.
            let chunks = futures_util::stream::unfold((), |()| async {
                Some((Ok::<_, Infallible>(Frame::data(Bytes::from(vec![0xFFu8; 1 << 20]))), ()))
            });
            hyper::Response::builder().status(200).body(StreamBody::new(chunks).boxed()).unwrap()
        }
        "/photos/SLOW" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            full(200, png())
        }
        _ => full(404, Vec::new()),
    })
}

struct Server {
    addr: SocketAddr,
    cert_der: Vec<u8>,
    _rt: tokio::runtime::Runtime,
}

fn server() -> Server {
    let tls = enrol_kiosk::enrol::tls::local_tls().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else { return };
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(handle))
                    .await;
            });
        }
    });
    Server { addr, cert_der: tls.cert_der, _rt: rt }
}

fn config(s: &Server, dir: &std::path::Path, trust: bool) -> SelfieConfig {
    let ca = dir.join("customer-system.der");
    std::fs::write(&ca, &s.cert_der).unwrap();
    SelfieConfig {
        url: Some(format!("https://127.0.0.1:{}/photos/{{reference}}", s.addr.port())),
        ca_file: trust.then_some(ca),
        timeout_secs: 1,
        max_bytes: Some(LIMIT),
        ..SelfieConfig::default()
    }
}

fn source(cfg: &SelfieConfig, token: bool) -> Box<dyn SelfieSource> {
    let tok = |k: &str| (token && k == "ENROL_KIOSK_SELFIE_TOKEN").then(|| TOKEN.to_owned());
    Box::new(selfie::HttpsSource::with_vars(cfg, tok).unwrap())
}

#[test]
fn a_photo_is_fetched_from_a_trusted_customer_system() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let src = source(&config(&s, dir.path(), true), false);
    let photo = src.fetch("C-1").unwrap();
    assert_eq!(*photo.bytes, png());
    assert_eq!(photo.provenance, format!("customer system at https://127.0.0.1:{}", s.addr.port()));
    assert!(!photo.provenance.contains("C-1"));
    // from_config builds the same kind of source (the token variable is optional).
    let via_config = selfie::from_config(&config(&s, dir.path(), true)).unwrap().unwrap();
    assert_eq!(*via_config.fetch("C-1").unwrap().bytes, png());
}

#[test]
fn an_untrusted_certificate_is_refused_without_naming_the_reference() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let e = source(&config(&s, dir.path(), false), false).fetch("C-1").unwrap_err();
    assert!(matches!(e, SelfieError::Unreachable(_)), "{e:?}");
    let words = e.to_string();
    assert!(words.to_lowercase().contains("certificate"), "{words}");
    assert!(!words.contains("C-1") && !words.contains("/photos"), "{words}");
}

#[test]
fn statuses_become_typed_errors() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&s, dir.path(), true);
    let src = source(&cfg, false);
    assert!(matches!(src.fetch("NOBODY"), Err(SelfieError::NotFound)));
    assert!(matches!(src.fetch("AUTH"), Err(SelfieError::Refused(401))));
    assert!(matches!(src.fetch("BUSY"), Err(SelfieError::Unavailable(503))));
    assert!(matches!(src.fetch("MOVED"), Err(SelfieError::UnexpectedStatus(302))));
    assert!(matches!(src.fetch("HTML"), Err(SelfieError::NotAnImage(_))));
    assert!(matches!(src.fetch("../photos/C-1"), Err(SelfieError::BadReference)));
    // With the bearer token from the environment the protected photo comes.
    assert_eq!(*source(&cfg, true).fetch("AUTH").unwrap().bytes, png());
}

#[test]
fn a_huge_body_is_cut_off_at_the_limit() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let src = source(&config(&s, dir.path(), true), false);
    assert!(matches!(src.fetch("HUGE"), Err(SelfieError::TooLarge { limit: LIMIT })));
    let t = Instant::now();
    assert!(matches!(src.fetch("ENDLESS"), Err(SelfieError::TooLarge { limit: LIMIT })));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}

#[test]
fn a_slow_server_times_out() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let src = source(&config(&s, dir.path(), true), false);
    let t = Instant::now();
    let e = src.fetch("SLOW").unwrap_err();
    assert!(matches!(e, SelfieError::Timeout), "{e:?}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn a_fetch_works_from_inside_another_runtime() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let src = source(&config(&s, dir.path(), true), false);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let bytes = rt.block_on(async { src.fetch("C-1").map(|p| p.bytes.len()) }).unwrap();
    assert_eq!(bytes, png().len());
}
