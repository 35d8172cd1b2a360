//! The access password staff type (ICAO 9303 Part 11 §4.4.1.1, §9.7.3): the MRZ (for BAC
//! and PACE) or the Card Access Number (PACE only), and the PACE key input f(π) it gives.

use crate::mrz::{AccessKey, Can};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

/// What opens the chip. `Debug` shows only which kind it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Password {
    /// The MRZ information (document number, birth and expiry dates with check digits).
    Mrz(AccessKey),
    /// The six-digit Card Access Number printed on the data page.
    Can(Can),
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Password::Mrz(_) => "Password::Mrz(REDACTED)",
            Password::Can(_) => "Password::Can(REDACTED)",
        })
    }
}

impl Password {
    /// The PACE password reference of MSE:Set AT (DO'83'): 01 MRZ, 02 CAN (§4.4.4.1).
    pub fn pace_reference(&self) -> u8 {
        match self {
            Password::Mrz(_) => 0x01,
            Password::Can(_) => 0x02,
        }
    }

    /// f(π) (§9.7.3): SHA-1 of the MRZ information (all 20 bytes), or the CAN's ASCII digits.
    pub fn pace_secret(&self) -> Zeroizing<Vec<u8>> {
        match self {
            Password::Mrz(key) => {
                Zeroizing::new(Sha1::digest(key.mrz_information().as_bytes()).to_vec())
            }
            Password::Can(can) => Zeroizing::new(can.digits().as_bytes().to_vec()),
        }
    }

    /// The MRZ key, when this is an MRZ password (BAC needs it).
    pub fn mrz(&self) -> Option<&AccessKey> {
        match self {
            Password::Mrz(key) => Some(key),
            Password::Can(_) => None,
        }
    }

    /// "MRZ" or "CAN", for logs and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Password::Mrz(_) => "MRZ",
            Password::Can(_) => "CAN",
        }
    }
}

impl From<AccessKey> for Password {
    fn from(key: AccessKey) -> Self {
        Password::Mrz(key)
    }
}

impl From<&AccessKey> for Password {
    fn from(key: &AccessKey) -> Self {
        Password::Mrz(key.clone())
    }
}

impl From<Can> for Password {
    fn from(can: Can) -> Self {
        Password::Can(can)
    }
}

impl From<&Password> for Password {
    fn from(p: &Password) -> Self {
        p.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_references_and_redaction() {
        let key = AccessKey::from_parts("T22000129", "640812", "101031").unwrap();
        let mrz = Password::from(&key);
        // ICAO 9303 Part 11 Appendix G.1: f(π) = SHA-1("T22000129364081251010318").
        assert_eq!(
            hex::encode_upper(&*mrz.pace_secret()),
            "7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD"
        );
        assert_eq!(mrz.pace_reference(), 1);
        let can = Password::from(Can::new("123456").unwrap());
        assert_eq!(&*can.pace_secret(), b"123456");
        assert_eq!(can.pace_reference(), 2);
        assert!(can.mrz().is_none() && mrz.mrz().is_some());
        for p in [&mrz, &can] {
            let d = format!("{p:?}");
            assert!(!d.contains("123456") && !d.contains("T2200"), "{d}");
        }
    }
}
