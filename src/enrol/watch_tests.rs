//! Unit tests of the status watchers: change detection, reader choice, the plain lines,
//! the demo reader watcher and the service watcher against a loopback listener.

use std::sync::mpsc::Receiver;
use std::time::Instant;

use super::*;

fn info(name: &str, card: bool) -> ReaderInfo {
    ReaderInfo { name: name.into(), card_present: card, atr: None }
}

/// The next status event within `within`, skipping nothing.
fn next_status(rx: &Receiver<Input>, within: Duration) -> Option<StatusEvent> {
    match rx.recv_timeout(within) {
        Ok(Input::Status(ev)) => Some(ev),
        Ok(other) => panic!("not a status: {other:?}"),
        Err(_) => None,
    }
}

#[test]
fn changes_hand_on_only_what_differs() {
    let mut c = Changes::default();
    let ready = ReaderStatus::Ready { name: "ACS ACR1252".into(), card: false };
    assert_eq!(c.offer(ready.clone()), Some(ready.clone()), "the first value is news");
    assert_eq!(c.offer(ready.clone()), None);
    let card = ReaderStatus::Ready { name: "ACS ACR1252".into(), card: true };
    assert_eq!(c.offer(card.clone()), Some(card));
    assert_eq!(c.offer(ready.clone()), Some(ready), "back again is news too");
    let mut s = Changes::default();
    assert!(s.offer(ServiceStatus::checking("h")).is_some());
    let down = ServiceStatus { host: "h".into(), reach: Reach::Unreachable };
    assert!(s.offer(down.clone()).is_some());
    assert!(s.offer(down).is_none(), "a second failed check is no news");
}

#[test]
fn the_configured_reader_or_the_first_is_picked() {
    let list = [
        info("ACS ACR1252 1S CL Reader [ACR1252 Dual Reader PICC] 00 00", true),
        info("Virtual PCD 00 00", false),
    ];
    assert_eq!(
        pick_reader(&list, None),
        ReaderStatus::Ready { name: list[0].name.clone(), card: true }
    );
    assert_eq!(
        pick_reader(&list, Some("Virtual PCD")),
        ReaderStatus::Ready { name: "Virtual PCD 00 00".into(), card: false },
        "a unique part of the name is enough"
    );
    assert_eq!(
        pick_reader(&list, Some("00 00")),
        ReaderStatus::NoReader { wanted: Some("00 00".into()) },
        "an ambiguous part picks nothing"
    );
    assert_eq!(pick_reader(&[], None), ReaderStatus::NoReader { wanted: None });
}

#[test]
fn status_lines_say_what_to_do() {
    let r = ReaderStatus::Ready { name: "ACS ACR1252".into(), card: false };
    assert_eq!(r.line(), "Reader: ACS ACR1252 — no passport");
    assert_eq!(
        ReaderStatus::NoReader { wanted: None }.line(),
        "Reader: none connected — plug in the NFC reader"
    );
    assert!(ReaderStatus::NoPcsc.line().contains("pcscd"));
    let up = ServiceStatus { host: "eu.rp.secure.iproov.me".into(), reach: Reach::Reachable };
    assert_eq!(up.line(), "iProov service: reachable (eu.rp.secure.iproov.me)");
    let down = ServiceStatus { reach: Reach::Unreachable, ..up };
    assert!(down.line().ends_with("not reachable (eu.rp.secure.iproov.me) — check the network"));
}

#[test]
fn demo_reader_watcher_reports_each_change_once() {
    let (sink, rx) = Sink::channel();
    let reader = DemoReader::default();
    let guard = watch_reader(ReaderFeed::Demo(reader.clone()), sink).unwrap();
    let first = next_status(&rx, Duration::from_secs(5));
    assert_eq!(
        first,
        Some(StatusEvent::Reader(ReaderStatus::Ready { name: DEMO_READER.into(), card: false }))
    );
    // Nothing changes: nothing is sent (the watcher sleeps on its condition variable).
    assert_eq!(next_status(&rx, Duration::from_millis(300)), None);
    reader.set_card(true);
    assert_eq!(
        next_status(&rx, Duration::from_secs(5)),
        Some(StatusEvent::Reader(ReaderStatus::Ready { name: DEMO_READER.into(), card: true }))
    );
    reader.set_card(true);
    assert_eq!(next_status(&rx, Duration::from_millis(300)), None, "same state: no news");
    reader.set_connected(false);
    assert_eq!(
        next_status(&rx, Duration::from_secs(5)),
        Some(StatusEvent::Reader(ReaderStatus::NoReader { wanted: None }))
    );
    // Dropping the guard ends the thread promptly (it is woken, not timed out).
    let t = Instant::now();
    drop(guard);
    assert_eq!(next_status(&rx, Duration::from_secs(5)), None);
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn service_watcher_reports_reachable_then_unreachable_after_a_poke() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let target = ServiceTarget { label: "loopback".into(), host: "127.0.0.1".into(), port };
    let (sink, rx) = Sink::channel();
    let poke = Arc::new(tokio::sync::Notify::new());
    let task = rt.spawn(watch_service(target, sink, poke.clone(), Duration::from_secs(3600)));
    let pump = |rx: &Receiver<Input>, within: Duration| {
        rt.block_on(async {
            let end = Instant::now() + within;
            loop {
                if let Ok(Input::Status(ev)) = rx.try_recv() {
                    return Some(ev);
                }
                if Instant::now() > end {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let up = ServiceStatus { host: "loopback".into(), reach: Reach::Reachable };
    assert_eq!(pump(&rx, Duration::from_secs(5)), Some(StatusEvent::Service(up.clone())));
    // Still reachable when poked: no news.
    poke.notify_one();
    assert_eq!(pump(&rx, Duration::from_millis(300)), None);
    drop(listener);
    poke.notify_one();
    let down = ServiceStatus { reach: Reach::Unreachable, ..up };
    assert_eq!(pump(&rx, Duration::from_secs(8)), Some(StatusEvent::Service(down)));
    task.abort();
}

#[test]
fn service_target_from_the_api_base_url() {
    let u = url::Url::parse("https://eu.rp.secure.iproov.me/api/v2").unwrap();
    let t = ServiceTarget::from_url(&u).unwrap();
    assert_eq!(
        (t.host.as_str(), t.port, t.label.as_str()),
        ("eu.rp.secure.iproov.me", 443, "eu.rp.secure.iproov.me")
    );
    let u = url::Url::parse("http://127.0.0.1:8080/api/v2").unwrap();
    assert_eq!(ServiceTarget::from_url(&u).unwrap().port, 8080);
}
