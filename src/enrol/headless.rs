//! The enrolment workflow without a window: feeds the MRZ, consents (the operator of a
//! headless run has), and drives the [`Workflow`] with its [`Executor`] until a result or a
//! problem. Shared by the headless `run` command and the tests; `scan` decides how the face
//! scan ends (demo: the fake service; real: an operator).

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::exec::Executor;
use super::machine::Workflow;
use super::signals::{DocumentInput, Input};
use super::stage::Stage;

/// How a headless enrolment ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub passed: bool,
    pub reason: Option<String>,
    pub user_id: String,
    /// Stage names in the order they were entered.
    pub stages: Vec<&'static str>,
    /// Time spent in the state machine plus interpreting the chip data (no I/O).
    pub overhead: Duration,
}

/// Why a headless enrolment stopped without a result.
#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    #[error("enrolment: the MRZ was refused: {0}")]
    Document(String),
    #[error("enrolment stopped at {stage}: {title}. {detail}")]
    Problem { stage: &'static str, title: String, detail: String },
    #[error("enrolment: nothing happened for {secs} s while at {stage}")]
    Stalled { secs: u64, stage: &'static str },
}

/// Runs one enrolment. `scan` is called once per face scan (with the verify token's job
/// pending); it must end the scan through the executor (`simulate_scan`, `scan_ended`).
pub fn run(
    exec: &mut Executor,
    inputs: &Receiver<Input>,
    mrz: Zeroizing<String>,
    mut scan: impl FnMut(&mut Executor),
    quiet_limit: Duration,
) -> Result<Outcome, HeadlessError> {
    let mut w = Workflow::new(Duration::from_secs(24 * 3600));
    let mut overhead = Duration::ZERO;
    let mut stages = Vec::new();
    let mut step = |w: &mut Workflow, exec: &mut Executor, input: Input| {
        let t = Instant::now();
        let effects = w.apply(input);
        overhead += t.elapsed();
        for e in effects {
            exec.run(e);
        }
        let name = w.stage().name();
        if stages.last() != Some(&name) {
            stages.push(name);
        }
    };
    step(&mut w, exec, Input::Start);
    step(&mut w, exec, Input::Submit(DocumentInput::Mrz(mrz)));
    if let Stage::Document { error } = w.stage() {
        return Err(HeadlessError::Document(error.clone().unwrap_or_default()));
    }
    let mut interpret = Duration::ZERO;
    loop {
        match w.stage() {
            Stage::Result { passed, reason, user_id } => {
                return Ok(Outcome {
                    passed: *passed,
                    reason: reason.clone(),
                    user_id: user_id.clone(),
                    stages,
                    overhead: overhead + interpret,
                });
            }
            Stage::Problem { title, detail, .. } => {
                return Err(HeadlessError::Problem {
                    stage: stages.iter().rev().nth(1).copied().unwrap_or("start"),
                    title: title.clone(),
                    detail: detail.clone(),
                });
            }
            _ => {}
        }
        let input = inputs.recv_timeout(quiet_limit).map_err(|_| HeadlessError::Stalled {
            secs: quiet_limit.as_secs(),
            stage: w.stage().name(),
        })?;
        step(&mut w, exec, input);
        match w.stage() {
            Stage::Review => {
                if let Some(c) = w.personal().and_then(|p| p.chip()) {
                    interpret += c.interpret;
                }
                step(&mut w, exec, Input::Confirm { consent: true });
            }
            Stage::FaceScan { .. } => scan(exec),
            _ => {}
        }
    }
}
