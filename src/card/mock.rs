//! A scripted card for unit tests: it expects exact command bytes and replays responses.

use super::{CardChannel, CardError};

/// Replays `(expected command, response)` pairs in order; a different command is an error.
pub struct ScriptedCard {
    script: std::collections::VecDeque<(Vec<u8>, Vec<u8>)>,
}

impl ScriptedCard {
    /// A card that will answer the given exchanges in order.
    pub fn new(script: Vec<(Vec<u8>, Vec<u8>)>) -> Self {
        Self { script: script.into() }
    }

    /// True when every scripted exchange happened.
    pub fn is_done(&self) -> bool {
        self.script.is_empty()
    }
}

impl CardChannel for ScriptedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        match self.script.pop_front() {
            Some((expected, response)) if expected == command => Ok(response),
            Some((expected, _)) => Err(CardError::Io(std::io::Error::other(format!(
                "scripted card expected {} but got {}",
                hex::encode_upper(expected),
                hex::encode_upper(command)
            )))),
            None => Err(CardError::CardRemoved),
        }
    }
}
