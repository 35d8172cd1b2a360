//! iProov REST API v2 photo-enrol client and the local fake service (wire contract
//! in `shared/docs/iproov-api.md`).
//!
//! The sequence: enrol token → enrol image → verify token → (face scan) → validate.
//! [`client`] speaks it over HTTPS (plain HTTP only to loopback), [`journey`] runs it while
//! writing the records before and after every call, [`fake`] is a strict stand-in for the
//! service, and [`cli`] holds the headless commands.

pub mod batch;
pub mod cli;
pub mod client;
pub mod config;
mod error;
pub mod fake;
pub mod journey;
pub mod rate_limit;
pub mod settle;
mod types;

pub use client::{IproovClient, RetryPolicy};
pub use config::{AssuranceType, ConfigError, IproovConfig, Region, Secret};
pub use error::{ApiErrorCode, Call, IproovError};
pub use types::{
    ImageAccepted, ImageFormat, ImageSource, MAX_IMAGE_BYTES, TokenGrant, UserId, Validation,
    sniff_image_format,
};
