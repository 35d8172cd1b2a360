//! Simulated passport chip: ISO 7816 file system, BAC, secure messaging, faults, vpcd link.
