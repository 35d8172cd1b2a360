//! Process hardening at start: no core dump of the kiosk and no other user's process
//! attaching to it (prctl(2) `PR_SET_DUMPABLE` 0, setrlimit(2) `RLIMIT_CORE` 0). Its memory
//! holds chip data, face images and keys; a core file would write them to disk.

/// What [`harden`] could not do (the kiosk runs on, and logs it).
#[derive(Debug, thiserror::Error)]
pub enum HardeningError {
    #[error("could not forbid core dumps (RLIMIT_CORE): {0}")]
    CoreLimit(std::io::Error),
    #[error("could not make the process non-dumpable (PR_SET_DUMPABLE): {0}")]
    Dumpable(std::io::Error),
}

/// Sets the core-file size limit to 0 (soft and hard, inherited by the browser the kiosk
/// starts) and marks the process non-dumpable. Call first thing in `main`.
pub fn harden() -> Result<(), HardeningError> {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    let zero = Rlimit { current: Some(0), maximum: Some(0) };
    let core = setrlimit(Resource::Core, zero).map_err(|e| HardeningError::CoreLimit(e.into()));
    let dump = set_dumpable_behavior(DumpableBehavior::NotDumpable)
        .map_err(|e| HardeningError::Dumpable(e.into()));
    core.and(dump)
}
