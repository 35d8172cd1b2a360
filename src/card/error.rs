//! Transport errors: reader and card events, each worded with what to do about it.

use crate::iso7816::ApduError;

/// Why a transmit or connect failed.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(
        "the PC/SC service (pcscd) is not running: start it with `sudo systemctl start pcscd` (or `sudo pcscd`)"
    )]
    ServiceNotRunning,
    #[error("no card reader is connected: plug in the NFC reader")]
    NoReader,
    #[error("card reader {0:?} was not found: check `enrol-kiosk readers` for the names")]
    ReaderNotFound(String),
    #[error("no passport on the reader")]
    NoCard,
    #[error("no passport was placed on the reader in time")]
    Timeout,
    #[error("waiting for the passport was cancelled")]
    Cancelled,
    #[error("the passport was moved away from the reader: place it again")]
    CardRemoved,
    #[error("the passport chip was reset: place it again")]
    CardReset,
    #[error("the card does not answer: place the passport flat on the reader")]
    Unresponsive,
    #[error("the card sent a chained response longer than {0} bytes")]
    ResponseTooLong(usize),
    #[error("malformed APDU: {0}")]
    Apdu(#[from] ApduError),
    #[error("PC/SC error: {0}")]
    Pcsc(#[from] ::pcsc::Error),
    #[error("card simulator link: {0}")]
    Io(#[from] std::io::Error),
}
