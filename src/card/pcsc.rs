//! PC/SC backend (pcsc crate → pcscd). TODO
