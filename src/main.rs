//! The `enrol-kiosk` binary: see `enrol_kiosk::cli`. Before anything else the process is
//! hardened (`enrol_kiosk::hardening`: no core dumps, not dumpable).

fn main() -> std::process::ExitCode {
    if let Err(e) = enrol_kiosk::hardening::harden() {
        eprintln!("warning: {e}");
    }
    enrol_kiosk::cli::main()
}
