//! HTTP/1.1 server of the fake (hyper): routing, body limits, fault injection, control.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use super::state::{Refusal, ScanOutcome};
use super::{FaultKind, Shared, check, page};
use crate::iproov::{ApiErrorCode, Call};

/// Largest request body read: room for a 2 MB image plus form fields, so an image just over
/// the limit is judged (and refused) rather than cut off.
const MAX_BODY: usize = 3 * 1024 * 1024;

/// Returned by the handler to close the connection without an answer.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose (fault injection)")
    }
}
impl std::error::Error for Dropped {}

type Resp = Response<Full<Bytes>>;

pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(shared.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn json_response(status: u16, body: &Value) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn refusal(r: &Refusal) -> Resp {
    json_response(r.code.http_status(), &r.body())
}

fn html(status: u16, body: String) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn route(path: &str) -> Option<Call> {
    match path {
        "/api/v2/claim/enrol/token" => Some(Call::EnrolToken),
        "/api/v2/claim/enrol/image" => Some(Call::EnrolImage),
        "/api/v2/claim/verify/token" => Some(Call::VerifyToken),
        "/api/v2/claim/verify/validate" => Some(Call::Validate),
        "/api/v2/availability" => Some(Call::Availability),
        _ => None,
    }
}

fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

async fn read_body(body: Incoming) -> Result<Bytes, ()> {
    Limited::new(body, MAX_BODY).collect().await.map(|c| c.to_bytes()).map_err(|_| ())
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Dropped> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let ct = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    tracing::debug!(%method, %path, "fake iProov request");

    if let Some(call) = route(&path) {
        let expected = if call == Call::Availability { Method::GET } else { Method::POST };
        if method != expected {
            return Ok(json_response(
                405,
                &json!({"error": "method_not_allowed", "error_description": format!("use {expected}")}),
            ));
        }
        if let Ok(mut r) = shared.requests.lock() {
            *r.entry(call).or_insert(0) += 1;
        }
        let body = read_body(req.into_body()).await;
        if call == Call::EnrolImage {
            count_upload(&shared, ct.as_deref(), body.as_ref().ok()).await;
        }
        let fault = take_fault(&shared, call);
        let mut lose = false;
        match fault {
            Some(FaultKind::Delay(d)) => tokio::time::sleep(d).await,
            Some(FaultKind::TooManyRequests) => {
                return Ok(refusal(&Refusal::new(
                    ApiErrorCode::TooManyRequests,
                    "rate limit exceeded",
                )));
            }
            Some(FaultKind::ServerError) => {
                return Ok(refusal(&Refusal::new(
                    ApiErrorCode::ServerError,
                    "internal error (injected)",
                )));
            }
            Some(FaultKind::RateLimited { retry_after_secs, as_date }) => {
                return Ok(rate_limited(retry_after_secs, as_date));
            }
            Some(FaultKind::Respond(code)) => {
                return Ok(refusal(&Refusal::new(code, "injected error")));
            }
            Some(FaultKind::DropConnection) => return Err(Dropped),
            Some(FaultKind::LoseResponse) => lose = true,
            None => {}
        }
        let resp = match body {
            Ok(b) => api(&shared, call, ct.as_deref(), b).await,
            Err(()) => refusal(&Refusal::new(
                if call == Call::EnrolImage {
                    ApiErrorCode::InvalidEnrolImage
                } else {
                    ApiErrorCode::MissingData
                },
                format!("the request body is larger than {MAX_BODY} bytes"),
            )),
        };
        return if lose { Err(Dropped) } else { Ok(resp) };
    }

    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let resp = match (method, segs.as_slice()) {
        (Method::POST, ["api", "v2", "claim", token, "invalidate"]) => {
            let token = (*token).to_owned();
            return invalidate(&shared, token, ct.as_deref(), req.into_body()).await;
        }
        (Method::GET, ["scan", token]) if is_token(token) => {
            let scannable = shared.state.lock().map(|s| s.is_scannable(token)).unwrap_or(false);
            html(200, page::scan_page(token, scannable))
        }
        (Method::POST, ["control", "scan", token]) if is_token(token) => {
            let token = (*token).to_owned();
            let body = read_body(req.into_body()).await.unwrap_or_default();
            control_scan(&shared, &token, ct.as_deref(), &body)
        }
        (Method::GET, ["control", "images"]) => control_images(&shared),
        (Method::POST, ["control", "fault"]) => {
            let body = read_body(req.into_body()).await.unwrap_or_default();
            control_fault(&shared, &body)
        }
        (Method::GET, [""]) => html(200, page::index_page()),
        _ => json_response(
            404,
            &json!({"error": "not_found", "error_description": "no such endpoint"}),
        ),
    };
    Ok(resp)
}

/// `POST /claim/{token}/invalidate` with `{"reason"}`: counted, faults applied like the
/// other calls, and every request received kept (token and reason) for tests.
async fn invalidate(
    shared: &Shared,
    token: String,
    ct: Option<&str>,
    body: Incoming,
) -> Result<Resp, Dropped> {
    let call = Call::Invalidate;
    if let Ok(mut r) = shared.requests.lock() {
        *r.entry(call).or_insert(0) += 1;
    }
    let body = read_body(body).await.unwrap_or_default();
    let mut lose = false;
    match take_fault(shared, call) {
        Some(FaultKind::Delay(d)) => tokio::time::sleep(d).await,
        Some(FaultKind::TooManyRequests) => {
            return Ok(refusal(&Refusal::new(ApiErrorCode::TooManyRequests, "rate limit")));
        }
        Some(FaultKind::ServerError) => {
            return Ok(refusal(&Refusal::new(ApiErrorCode::ServerError, "injected")));
        }
        Some(FaultKind::RateLimited { retry_after_secs, as_date }) => {
            return Ok(rate_limited(retry_after_secs, as_date));
        }
        Some(FaultKind::Respond(code)) => return Ok(refusal(&Refusal::new(code, "injected"))),
        Some(FaultKind::DropConnection) => return Err(Dropped),
        Some(FaultKind::LoseResponse) => lose = true,
        None => {}
    }
    let m = match check::json_object(ct, &body) {
        Ok(m) => m,
        Err(r) => return Ok(refusal(&r)),
    };
    let Some(reason) = m.get("reason").and_then(Value::as_str).map(str::to_owned) else {
        return Ok(refusal(&Refusal::new(ApiErrorCode::MissingData, "reason is required")));
    };
    let resp = match shared.state.lock() {
        Ok(mut s) => match s.invalidate(&token) {
            Ok(v) => {
                if let Ok(mut log) = shared.invalidations.lock() {
                    log.push(super::Invalidation { token, reason });
                }
                json_response(200, &v)
            }
            Err(r) => refusal(&r),
        },
        Err(_) => refusal(&Refusal::new(ApiErrorCode::ServerError, "state lock poisoned")),
    };
    if lose { Err(Dropped) } else { Ok(resp) }
}

/// 429 `too_many_requests` with `Retry-After`: delay-seconds, or an HTTP date that far ahead.
fn rate_limited(secs: u32, as_date: bool) -> Resp {
    let mut r =
        refusal(&Refusal::new(ApiErrorCode::TooManyRequests, "rate limit exceeded; retry later"));
    let value = if as_date {
        let at = std::time::SystemTime::now() + Duration::from_secs(u64::from(secs));
        httpdate::fmt_http_date(at)
    } else {
        secs.to_string()
    };
    if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
        r.headers_mut().insert(hyper::header::RETRY_AFTER, v);
    }
    r
}

/// Counts an image upload against the token its form names (before any fault or check, so
/// a dropped or refused upload counts too). Only the small text fields are looked at.
async fn count_upload(shared: &Shared, ct: Option<&str>, body: Option<&Bytes>) {
    let Some(body) = body else { return };
    let Some(token) = check::form_token(ct, body.clone()).await else { return };
    if let Ok(mut u) = shared.uploads.lock()
        && (u.len() < 1_000_000 || u.contains_key(&token))
    {
        *u.entry(token).or_insert(0) += 1;
    }
}

fn take_fault(shared: &Shared, call: Call) -> Option<FaultKind> {
    let mut faults = shared.faults.lock().ok()?;
    let f = faults.get_mut(&call)?;
    if let Some(every) = f.every {
        f.seen = f.seen.saturating_add(1);
        if f.seen % every.max(1) != 0 {
            return None;
        }
    }
    let kind = f.kind.clone();
    match &mut f.times {
        None => {}
        Some(0) => {
            faults.remove(&call);
            return None;
        }
        Some(n) => {
            *n -= 1;
            if *n == 0 {
                faults.remove(&call);
            }
        }
    }
    Some(kind)
}

async fn api(shared: &Shared, call: Call, ct: Option<&str>, body: Bytes) -> Resp {
    let opts = &shared.options;
    if call == Call::Availability {
        return json_response(200, &json!({"up": true}));
    }
    if call == Call::EnrolImage {
        let upload = match check::image_request(ct, body, opts).await {
            Ok(u) => u,
            Err(r) => return refusal(&r),
        };
        tracing::debug!(bytes = upload.bytes, format = ?upload.format, source = %upload.source, "fake: image accepted for checking");
        return match shared.state.lock() {
            Ok(mut s) => match s.enrol_image(&upload.token, upload.seen) {
                Ok(v) => json_response(200, &v),
                Err(r) => refusal(&r),
            },
            Err(_) => refusal(&Refusal::new(ApiErrorCode::ServerError, "state lock poisoned")),
        };
    }
    let m = match check::json_object(ct, &body) {
        Ok(m) => m,
        Err(r) => return refusal(&r),
    };
    let result = match call {
        Call::EnrolToken | Call::VerifyToken => check::token_request(&m, opts).and_then(|f| {
            let mut s = shared
                .state
                .lock()
                .map_err(|_| Refusal::new(ApiErrorCode::ServerError, "state lock poisoned"))?;
            if call == Call::EnrolToken { s.enrol_token(f) } else { s.verify_token(f) }
        }),
        _ => check::validate_request(&m, opts).and_then(|(u, t)| {
            let mut s = shared
                .state
                .lock()
                .map_err(|_| Refusal::new(ApiErrorCode::ServerError, "state lock poisoned"))?;
            s.validate(&u, &t)
        }),
    };
    match result {
        Ok(v) => json_response(200, &v),
        Err(r) => refusal(&r),
    }
}

/// `POST /control/scan/{token}`: JSON `{"outcome": "passed"|"failed", "reason"?}` or the
/// page's form (`outcome=…&reason=…`).
fn control_scan(shared: &Shared, token: &str, ct: Option<&str>, body: &[u8]) -> Resp {
    let is_form = ct.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let (outcome, reason) = if is_form {
        let mut o = None;
        let mut r = None;
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "outcome" => o = Some(v.into_owned()),
                "reason" => r = Some(v.into_owned()).filter(|s| !s.is_empty()),
                _ => {}
            }
        }
        (o, r)
    } else {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        (
            v.get("outcome").and_then(Value::as_str).map(str::to_owned),
            v.get("reason").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned),
        )
    };
    let outcome = match outcome.as_deref() {
        Some("passed") => ScanOutcome::Passed,
        Some("failed") => {
            ScanOutcome::Failed { reason: reason.map(|r| r.chars().take(200).collect()) }
        }
        _ => {
            return json_response(
                400,
                &json!({"error": "missing_data", "error_description": "outcome must be passed or failed"}),
            );
        }
    };
    let passed = outcome == ScanOutcome::Passed;
    let res = match shared.state.lock() {
        Ok(mut s) => s.complete_scan(token, outcome),
        Err(_) => Err(Refusal::new(ApiErrorCode::ServerError, "state lock poisoned")),
    };
    match (res, is_form) {
        (Ok(()), false) => json_response(200, &json!({"scanned": true, "passed": passed})),
        (Ok(()), true) => html(200, page::done_page(passed)),
        (Err(r), false) => refusal(&r),
        (Err(r), true) => html(400, page::error_page(&r.description)),
    }
}

/// `GET /control/images`: `{"uploads": {token: n}, "users": {user_id: images registered}}`
/// — what a test of another process reads to prove no token was sent two images.
fn control_images(shared: &Shared) -> Resp {
    let uploads = shared.uploads.lock().map(|u| u.clone()).unwrap_or_default();
    let users = shared.state.lock().map(|s| s.images_per_user()).unwrap_or_default();
    json_response(200, &json!({ "uploads": uploads, "users": users }))
}

/// `POST /control/fault` with `{"call": "enrol_token"|"enrol_image"|"verify_token"|
/// "validate"|"availability"|"invalidate", "kind": "delay"|"too_many_requests"|"server_error"|"drop_connection"|
/// "lose_response"|"respond"|"none", "delay_ms"?, "code"?, "times"?, "every"?,
/// "retry_after_secs"?, "retry_after_as_date"?}`: `every` n-th request only; a
/// `too_many_requests` with `retry_after_secs` sends `Retry-After` (seconds, or an HTTP date).
fn control_fault(shared: &Shared, body: &[u8]) -> Resp {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let bad =
        |d: &str| json_response(400, &json!({"error": "missing_data", "error_description": d}));
    let call = match v.get("call").and_then(Value::as_str) {
        Some("enrol_token") => Call::EnrolToken,
        Some("enrol_image") => Call::EnrolImage,
        Some("verify_token") => Call::VerifyToken,
        Some("validate") => Call::Validate,
        Some("availability") => Call::Availability,
        Some("invalidate") => Call::Invalidate,
        _ => return bad("call must be enrol_token, enrol_image, verify_token or validate"),
    };
    let kind = match v.get("kind").and_then(Value::as_str) {
        Some("delay") => FaultKind::Delay(Duration::from_millis(
            v.get("delay_ms").and_then(Value::as_u64).unwrap_or(1000).min(600_000),
        )),
        Some("too_many_requests") => match v.get("retry_after_secs").and_then(Value::as_u64) {
            Some(secs) => FaultKind::RateLimited {
                retry_after_secs: u32::try_from(secs.min(3600)).unwrap_or(3600),
                as_date: v.get("retry_after_as_date").and_then(Value::as_bool).unwrap_or(false),
            },
            None => FaultKind::TooManyRequests,
        },
        Some("server_error") => FaultKind::ServerError,
        Some("drop_connection") => FaultKind::DropConnection,
        Some("lose_response") => FaultKind::LoseResponse,
        Some("respond") => match v.get("code").and_then(Value::as_str) {
            Some(c) => FaultKind::Respond(ApiErrorCode::parse(c)),
            None => return bad("respond needs a code"),
        },
        Some("none") => {
            if let Ok(mut f) = shared.faults.lock() {
                f.remove(&call);
            }
            return json_response(200, &json!({"fault": null}));
        }
        _ => return bad("unknown fault kind"),
    };
    let times =
        v.get("times").and_then(Value::as_u64).map(|t| u32::try_from(t).unwrap_or(u32::MAX));
    let every =
        v.get("every").and_then(Value::as_u64).map(|t| u32::try_from(t.max(1)).unwrap_or(u32::MAX));
    if let Ok(mut f) = shared.faults.lock() {
        f.insert(call, super::Fault { kind, times, every, seen: 0 });
    }
    json_response(200, &json!({"fault": "set"}))
}
