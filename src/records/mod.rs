//! Enrolment records and audit events (SQLite).
