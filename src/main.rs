//! The `enrol-kiosk` binary: see `enrol_kiosk::cli`.

fn main() -> std::process::ExitCode {
    enrol_kiosk::cli::main()
}
