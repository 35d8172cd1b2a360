//! Ring 2 for the live reader status: the kiosk's PC/SC watcher against pcscd
//! with vpcd. The simulated passport is attached and removed through vpcd; the watcher
//! (its own context, blocked in `SCardGetStatusChange` with the PnP pseudo-reader) reports
//! each change once, and blocks without answering while nothing changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod common;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::{READER, attach, ensure_pcscd};
use enrol_kiosk::card::pcsc_watch::ReaderWatch;
use enrol_kiosk::enrol::exec::Sink;
use enrol_kiosk::enrol::watch::watch_reader;
use enrol_kiosk::enrol::{Input, ReaderFeed, ReaderStatus, StatusEvent};
use enrol_kiosk::sim::{Behaviour, Profile};

fn next_reader(rx: &Receiver<Input>, within: Duration) -> Option<ReaderStatus> {
    match rx.recv_timeout(within) {
        Ok(Input::Status(StatusEvent::Reader(r))) => Some(r),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(_) => None,
    }
}

#[test]
fn the_watcher_reports_the_passport_placed_and_lifted_once_each() {
    ensure_pcscd();
    let profile = Profile::demo().unwrap();
    let (sink, rx) = Sink::channel();
    let guard = watch_reader(ReaderFeed::Pcsc { configured: Some(READER.into()) }, sink).unwrap();
    // pcscd may still be settling a card from an earlier test: wait for the empty reader.
    let empty = ReaderStatus::Ready { name: READER.into(), card: false };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = None;
    while last.as_ref() != Some(&empty) {
        assert!(Instant::now() < deadline, "never saw the empty reader; last {last:?}");
        last = next_reader(&rx, Duration::from_secs(10)).or(last);
    }

    let card = attach(&profile, Behaviour::default());
    let with_card = ReaderStatus::Ready { name: READER.into(), card: true };
    assert_eq!(next_reader(&rx, Duration::from_secs(10)), Some(with_card));
    // Nothing changes: the watcher says nothing.
    assert_eq!(next_reader(&rx, Duration::from_millis(800)), None);

    drop(card);
    assert_eq!(next_reader(&rx, Duration::from_secs(10)), Some(empty));
    drop(guard);
}

#[test]
fn a_watch_blocks_until_something_changes() {
    ensure_pcscd();
    let _lock = common::reader_lock();
    assert!(common::wait_card(false, Duration::from_secs(10)));
    let mut watch = ReaderWatch::establish().unwrap();
    let first = watch.next(Duration::from_secs(5)).unwrap();
    let vpcd = first.iter().find(|r| r.name == READER).expect("the vpcd reader is listed");
    assert!(!vpcd.card_present);
    let t = Instant::now();
    let again = watch.next(Duration::from_millis(700)).unwrap();
    assert!(t.elapsed() >= Duration::from_millis(650), "returned early: {:?}", t.elapsed());
    assert_eq!(again.iter().find(|r| r.name == READER).map(|r| r.card_present), Some(false));

    // A cancel from another thread wakes a long wait at once.
    let c = watch.canceller();
    let t = Instant::now();
    let waker = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        c.cancel();
    });
    let r = watch.next(Duration::from_secs(30));
    waker.join().unwrap();
    assert!(matches!(r, Err(enrol_kiosk::card::CardError::Cancelled)), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(5));
}
