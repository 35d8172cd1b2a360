//! The fake refuses requests that break the wire contract, with the documented error body
//! `{"error", "error_description"}` and status; and its extra endpoints (availability,
//! invalidate, the scan page and the control endpoints) work.

// Test helpers outside #[test] fns: a panic there is a failed test, not a crashed kiosk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;

use enrol_kiosk::iproov::fake::{FAKE_API_KEY, FAKE_SECRET, FakeHandle, FakeIproov};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const FACE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lds/gmrtd-iso19794/ISO19794_Test1_Face.jpg");
/// The API's "2 MB": 2 000 000 bytes.
const MB2: usize = 2_000_000;

async fn fake() -> FakeHandle {
    FakeIproov::start("127.0.0.1:0".parse::<SocketAddr>().unwrap()).await.unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

fn token_body(user_id: &str) -> Value {
    json!({"api_key": FAKE_API_KEY, "secret": FAKE_SECRET, "resource": "test", "user_id": user_id})
}

async fn expect_error(resp: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(resp.status().as_u16(), status, "status for {code}");
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let v: Value = resp.json().await.unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 2, "{v}");
    assert_eq!(v["error"], code, "{v}");
    let d = v["error_description"].as_str().unwrap();
    assert!(!d.is_empty());
    d.to_owned()
}

async fn post_json(f: &FakeHandle, path: &str, body: &Value) -> reqwest::Response {
    http().post(format!("{}{path}", f.base_url())).json(body).send().await.unwrap()
}

async fn enrol_token(f: &FakeHandle, user_id: &str) -> String {
    let r = post_json(f, "/claim/enrol/token", &token_body(user_id)).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

fn image_form(token: &str, image: Vec<u8>) -> Form {
    Form::new()
        .text("api_key", FAKE_API_KEY)
        .text("secret", FAKE_SECRET)
        .text("rotation", "0")
        .text("token", token.to_owned())
        .text("source", "eid")
        .part("image", Part::bytes(image).file_name("face.jpg"))
}

async fn post_image(f: &FakeHandle, form: Form) -> reqwest::Response {
    http().post(format!("{}/claim/enrol/image", f.base_url())).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn token_calls_reject_contract_breaks() {
    let f = fake().await;
    // Wrong content type: form fields instead of JSON.
    let r = http()
        .post(format!("{}/claim/enrol/token", f.base_url()))
        .form(&[
            ("api_key", FAKE_API_KEY),
            ("secret", FAKE_SECRET),
            ("resource", "r"),
            ("user_id", "u1"),
        ])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "missing_data").await;
    // Missing fields.
    for key in ["resource", "user_id"] {
        let mut b = token_body("u1");
        b.as_object_mut().unwrap().remove(key);
        let d =
            expect_error(post_json(&f, "/claim/enrol/token", &b).await, 400, "missing_data").await;
        assert!(d.contains(key), "{d}");
    }
    // Bad user_ids.
    for bad in ["has space", "semi;colon", "é", &"x".repeat(257)] {
        let r = post_json(&f, "/claim/verify/token", &token_body(bad)).await;
        expect_error(r, 400, "invalid_user_id").await;
    }
    // Credentials.
    let mut b = token_body("u1");
    b["secret"] = json!("y".repeat(40));
    expect_error(post_json(&f, "/claim/enrol/token", &b).await, 401, "invalid_key").await;
    // Assurance type and risk profile.
    let mut b = token_body("u1");
    b["assurance_type"] = json!("GPA");
    expect_error(post_json(&f, "/claim/enrol/token", &b).await, 403, "invalid_assurance_type")
        .await;
    let mut b = token_body("u1");
    b["risk_profile"] = json!("not allowed!");
    expect_error(post_json(&f, "/claim/enrol/token", &b).await, 400, "invalid_risk_appetite").await;
    // Not a JSON object.
    let r = http()
        .post(format!("{}/claim/enrol/token", f.base_url()))
        .header("content-type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "missing_data").await;
    // Wrong method.
    let r = http().get(format!("{}/claim/enrol/token", f.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 405);
    // The well-formed request passes.
    let t = enrol_token(&f, "u1'+_@.-ok").await;
    assert_eq!(t.len(), 64);
}

#[tokio::test]
async fn image_upload_rejects_contract_breaks() {
    let f = fake().await;
    let face = std::fs::read(FACE).unwrap();
    let token = enrol_token(&f, "img-user").await;

    // JSON instead of multipart.
    let mut b = token_body("img-user");
    b["token"] = json!(token);
    let r = post_json(&f, "/claim/enrol/image", &b).await;
    expect_error(r, 400, "missing_data").await;
    // Uppercase source.
    let form2 = Form::new()
        .text("api_key", FAKE_API_KEY)
        .text("secret", FAKE_SECRET)
        .text("rotation", "0")
        .text("token", token.clone())
        .text("source", "EID")
        .part("image", Part::bytes(face.clone()).file_name("f.jpg"));
    expect_error(post_image(&f, form2).await, 400, "invalid_source").await;
    // Non-zero rotation.
    let form = Form::new()
        .text("api_key", FAKE_API_KEY)
        .text("secret", FAKE_SECRET)
        .text("rotation", "90")
        .text("token", token.clone())
        .part("image", Part::bytes(face.clone()).file_name("f.jpg"));
    let d = expect_error(post_image(&f, form).await, 400, "invalid_enrol_image").await;
    assert!(d.contains("rotation"), "{d}");
    // Missing token field.
    let form = Form::new()
        .text("api_key", FAKE_API_KEY)
        .text("secret", FAKE_SECRET)
        .text("rotation", "0")
        .part("image", Part::bytes(face.clone()).file_name("f.jpg"));
    expect_error(post_image(&f, form).await, 400, "missing_data").await;
    // Missing image part.
    let form = Form::new()
        .text("api_key", FAKE_API_KEY)
        .text("secret", FAKE_SECRET)
        .text("rotation", "0")
        .text("token", token.clone());
    expect_error(post_image(&f, form).await, 400, "invalid_enrol_image").await;
    // Not an image by its bytes, and a truncated JPEG.
    let gif = b"GIF89a\x01\x00\x01\x00".to_vec();
    expect_error(post_image(&f, image_form(&token, gif)).await, 400, "invalid_enrol_image").await;
    let cut = face[..face.len() / 2].to_vec();
    expect_error(post_image(&f, image_form(&token, cut)).await, 400, "invalid_enrol_image").await;
    // 2 MB + 1 byte is refused …
    let mut big = face.clone();
    big.resize(MB2 + 1, 0);
    let d = expect_error(post_image(&f, image_form(&token, big)).await, 400, "invalid_enrol_image")
        .await;
    assert!(d.contains("2 MB"), "{d}");
    // … wrong credentials are refused …
    let form = Form::new()
        .text("api_key", FAKE_API_KEY)
        .text("secret", "z".repeat(40))
        .text("rotation", "0")
        .text("token", token.clone())
        .part("image", Part::bytes(face.clone()).file_name("f.jpg"));
    expect_error(post_image(&f, form).await, 401, "invalid_key").await;
    // … and exactly 2 MB is accepted; none of the refusals used the token up.
    let mut exact = face.clone();
    exact.resize(MB2, 0);
    let r = post_image(&f, image_form(&token, exact)).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(v["user_id"], "img-user");
    // The token registers one image only.
    expect_error(post_image(&f, image_form(&token, face)).await, 400, "invalid_token").await;
}

#[tokio::test]
async fn validate_rejects_contract_breaks() {
    let f = fake().await;
    let base = json!({"api_key": FAKE_API_KEY, "secret": FAKE_SECRET, "user_id": "v1",
                      "token": "0".repeat(64), "client": "test"});
    for key in ["client", "token", "user_id"] {
        let mut b = base.clone();
        b.as_object_mut().unwrap().remove(key);
        expect_error(post_json(&f, "/claim/verify/validate", &b).await, 400, "missing_data").await;
    }
    expect_error(post_json(&f, "/claim/verify/validate", &base).await, 400, "invalid_token").await;
    let mut b = base.clone();
    b["user_id"] = json!("bad user");
    expect_error(post_json(&f, "/claim/verify/validate", &b).await, 400, "invalid_user_id").await;
}

#[tokio::test]
async fn availability_invalidate_scan_page_and_control() {
    let f = fake().await;
    let r = http().get(format!("{}/availability", f.base_url())).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"up": true}));

    // Invalidate an enrol token: the image can no longer be registered.
    let t = enrol_token(&f, "inv").await;
    let r =
        post_json(&f, &format!("/claim/{t}/invalidate"), &json!({"reason": "customer left"})).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["claim_aborted"], true);
    assert!(v.get("user_informed").is_some());
    let face = std::fs::read(FACE).unwrap();
    expect_error(post_image(&f, image_form(&t, face.clone())).await, 400, "invalid_token").await;

    // Enrol properly, then run the scan through the HTML page's form.
    let t = enrol_token(&f, "scan").await;
    assert_eq!(post_image(&f, image_form(&t, face)).await.status(), 200);
    let r = post_json(&f, "/claim/verify/token", &token_body("scan")).await;
    let vt = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let page = http().get(f.scan_url(&vt)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Simulate pass") && page.contains("Simulate fail"), "{page}");
    assert!(page.contains(&format!("/control/scan/{vt}")));
    let origin = format!("http://{}", f.addr());
    let r = http()
        .post(format!("{origin}/control/scan/{vt}"))
        .form(&[("outcome", "failed"), ("reason", "too_dark")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("failed"));
    // A second scan of the same token is refused.
    let r = http()
        .post(format!("{origin}/control/scan/{vt}"))
        .json(&json!({"outcome": "passed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = post_json(
        &f,
        "/claim/verify/validate",
        &json!({"api_key": FAKE_API_KEY, "secret": FAKE_SECRET, "user_id": "scan", "token": vt, "client": "t"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["reason"], "too_dark");
    assert_eq!(v["type"], "verify");

    // Fault injection through the control endpoint.
    let r = http()
        .post(format!("{origin}/control/fault"))
        .json(&json!({"call": "enrol_token", "kind": "too_many_requests", "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post_json(&f, "/claim/enrol/token", &token_body("rl")).await;
    expect_error(r, 429, "too_many_requests").await;
    assert_eq!(post_json(&f, "/claim/enrol/token", &token_body("rl")).await.status(), 200);
}

#[tokio::test]
async fn malformed_multipart_and_oversized_bodies_get_error_bodies_not_crashes() {
    let f = fake().await;
    let url = format!("{}/claim/enrol/image", f.base_url());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("multipart/form-data", b"--x\r\n".to_vec()),
        ("multipart/form-data; boundary=abc", b"no boundary here at all".to_vec()),
        (
            "multipart/form-data; boundary=abc",
            b"--abc\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\nk".to_vec(),
        ),
        ("multipart/form-data; boundary=abc", vec![0xFF; 4096]),
        ("image/jpeg", std::fs::read(FACE).unwrap()),
    ];
    for (ct, body) in cases {
        let r = http().post(&url).header("content-type", ct).body(body).send().await.unwrap();
        expect_error(r, 400, "missing_data").await;
    }
    // A body far past the limit is refused with the documented body, and the fake lives on.
    let huge = vec![b'a'; 4 * 1024 * 1024];
    let r = http()
        .post(&url)
        .header("content-type", "multipart/form-data; boundary=abc")
        .body(huge)
        .send()
        .await;
    if let Ok(r) = r {
        expect_error(r, 400, "invalid_enrol_image").await;
    }
    let r = http().get(format!("{}/availability", f.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
