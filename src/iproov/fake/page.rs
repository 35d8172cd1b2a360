//! The fake's HTML pages: the face-scan stand-in for a verify token (pass, or fail with a
//! GPA feedback reason), posting to the control endpoint.

/// GPA failure feedback codes from the contract, offered as fail reasons.
const REASONS: &[&str] = &[
    "eyes_closed",
    "face_too_far",
    "face_too_close",
    "misaligned_face",
    "multiple_faces",
    "obscured_face",
    "sunglasses",
    "too_bright",
    "too_dark",
    "too_much_movement",
    "unknown",
];

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}\
         button{{font-size:1.4em;padding:.5em 1em;margin:.3em}}</style></head><body>{body}</body></html>"
    )
}

/// The scan page for a verify token (`token` is 64 hex, checked by the router).
pub fn scan_page(token: &str, scannable: bool) -> String {
    if !scannable {
        return shell(
            "Face scan",
            "<h1>Face scan</h1><p role=\"alert\">This token cannot be scanned: it is unknown, \
             not a verify token, invalidated or already scanned.</p>",
        );
    }
    let options: String =
        REASONS.iter().map(|r| format!("<option value=\"{r}\">{r}</option>")).collect();
    shell(
        "Face scan (fake iProov)",
        &format!(
            "<h1>Face scan — fake iProov</h1>\
             <p>Stand-in for the iProov Web SDK. Choose the outcome of the scan for token \
             <code>{short}…</code>; the kiosk then validates it.</p>\
             <form method=\"post\" action=\"/control/scan/{token}\">\
             <input type=\"hidden\" name=\"outcome\" value=\"passed\">\
             <button type=\"submit\" id=\"pass\">Simulate pass</button></form>\
             <form method=\"post\" action=\"/control/scan/{token}\">\
             <input type=\"hidden\" name=\"outcome\" value=\"failed\">\
             <label>Reason <select name=\"reason\">{options}</select></label>\
             <button type=\"submit\" id=\"fail\">Simulate fail</button></form>",
            short = token.get(..8).unwrap_or(token)
        ),
    )
}

/// After the page's form was posted.
pub fn done_page(passed: bool) -> String {
    shell(
        "Face scan done",
        &format!(
            "<h1>Scan finished</h1><p role=\"status\">The scan was recorded as <strong>{}</strong>. \
             Return to the kiosk: it validates the result.</p>",
            if passed { "passed" } else { "failed" }
        ),
    )
}

/// A refusal, in words (`text` comes from the fake's own fixed descriptions).
pub fn error_page(text: &str) -> String {
    let escaped: String =
        text.chars().filter(|c| c.is_ascii_alphanumeric() || " .,;:'-_()".contains(*c)).collect();
    shell("Face scan", &format!("<h1>Face scan</h1><p role=\"alert\">{escaped}</p>"))
}

/// `GET /`.
pub fn index_page() -> String {
    shell(
        "fake iProov",
        "<h1>fake iProov API v2</h1><p>Endpoints under <code>/api/v2</code>: \
         <code>POST /claim/enrol/token</code>, <code>POST /claim/enrol/image</code>, \
         <code>POST /claim/verify/token</code>, <code>POST /claim/verify/validate</code>, \
         <code>GET /availability</code>, <code>POST /claim/{token}/invalidate</code>. \
         Scan page: <code>GET /scan/{token}</code>; control: <code>POST /control/scan/{token}</code>, \
         <code>POST /control/fault</code>.</p>",
    )
}
