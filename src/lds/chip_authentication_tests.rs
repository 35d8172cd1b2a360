use super::*;
use crate::lds::card_access::{CardAccess, SecurityInfo};
use crate::lds::dg14;

fn vector(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/vectors/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn gmrtd_dg14(country: &str) -> (CardAccess, serde_json::Value) {
    let name = match country {
        "AT" => "ca-v1-gmrtd-AT-ecdh-bp256-aes128",
        "DE" => "ca-v1-gmrtd-DE-ecdh-bp256-aes128-keyid",
        "FR" => "ca-v1-gmrtd-FR-ecdh-p256-3des-msekat",
        _ => "ca-v1-gmrtd-MY-ecdh-bp256-3des",
    };
    let v = vector(name);
    let bytes = hex::decode(v["dg14"].as_str().unwrap()).unwrap();
    (dg14::parse(&bytes).unwrap(), v)
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

const BP256_P: &str = "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377";

#[test]
fn real_dg14s_give_their_ca_infos_and_keys() {
    // (country, protocol, version, key id, explicit p)
    let cases = [
        ("AT", Some("CA-ECDH-AES-128"), None, BP256_P, 1),
        ("DE", Some("CA-ECDH-AES-128"), Some(0xC3), BP256_P, 2),
        ("FR", None, None, "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF", 1),
        ("MY", Some("CA-ECDH-3DES"), None, BP256_P, 0),
    ];
    for (country, protocol, key_id, p, pace) in cases {
        let (infos, v) = gmrtd_dg14(country);
        let ca: Vec<_> = infos.ca_infos().collect();
        assert_eq!(ca.first().map(|c| c.protocol.name()).as_deref(), protocol, "{country}");
        if let Some(c) = ca.first() {
            assert_eq!((c.version, c.key_id), (1, key_id), "{country}");
        }
        let keys: Vec<_> = infos.ca_public_keys().collect();
        assert_eq!(keys.len(), 1, "{country}");
        assert_eq!(keys[0].key_id, key_id, "{country}");
        assert_eq!(keys[0].key_agreement, KeyAgreement::Ecdh);
        let CaPublicKey::Ec { domain: EcDomain::Explicit(c), point } = &keys[0].public_key else {
            panic!("{country}: {:?}", keys[0].public_key)
        };
        assert_eq!(hex::encode_upper(point), v["chip_ca_public_key_from_dg14"].as_str().unwrap());
        assert_eq!(hex::encode_upper(&c.p), p, "{country}");
        assert_eq!(c.cofactor.as_deref(), Some(&[1u8][..]), "{country}");
        assert_eq!(c.g.len(), 65);
        // The PACEInfos next to them are still found.
        assert_eq!(infos.pace_infos().count(), pace, "{country}");
    }
}

#[test]
fn jmrtd_bsi_2008_dg14_has_a_brainpool_p224_key() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lds/jmrtd-bsi2008/DG14.bin"
    ))
    .unwrap();
    let infos = dg14::parse(&bytes).unwrap();
    let keys: Vec<_> = infos.ca_public_keys().collect();
    assert_eq!(keys.len(), 1);
    let CaPublicKey::Ec { domain: EcDomain::Explicit(c), point } = &keys[0].public_key else {
        panic!()
    };
    assert_eq!(hex::encode_upper(&c.p), "D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF");
    assert_eq!(point.len(), 57);
}

#[test]
fn encodings_round_trip() {
    let info = ChipAuthenticationInfo {
        protocol: CaProtocol { key_agreement: KeyAgreement::Dh, cipher: PaceCipher::Aes256 },
        version: 1,
        key_id: Some(0x1_0000),
    };
    let ec = ChipAuthenticationPublicKeyInfo {
        key_agreement: KeyAgreement::Ecdh,
        public_key: CaPublicKey::Ec {
            domain: EcDomain::Named("1.3.36.3.3.2.8.1.1.7".into()),
            point: vec![4; 65],
        },
        key_id: None,
    };
    let (real, _) = gmrtd_dg14("DE");
    let explicit = real.ca_public_keys().next().unwrap().clone();
    let dh = ChipAuthenticationPublicKeyInfo {
        key_agreement: KeyAgreement::Dh,
        public_key: CaPublicKey::Dh {
            p: vec![0xF7; 128],
            g: vec![2],
            q: Some(vec![0x80; 20]),
            y: vec![0x91; 128],
        },
        key_id: Some(7),
    };
    let pkcs3 = ChipAuthenticationPublicKeyInfo {
        public_key: CaPublicKey::Dh { p: vec![0x17; 64], g: vec![5], q: None, y: vec![1, 2] },
        ..dh.clone()
    };
    let mut set = info.encode();
    for k in [&ec, &explicit, &dh, &pkcs3] {
        set.extend(k.encode());
    }
    let parsed = dg14::parse(&tlv::tlv(0x6E, &tlv::tlv(0x31, &set))).unwrap();
    assert_eq!(parsed.ca_infos().collect::<Vec<_>>(), [&info]);
    assert_eq!(parsed.ca_public_keys().collect::<Vec<_>>(), [&ec, &explicit, &dh, &pkcs3]);
    // The DE key re-encodes to the bytes the chip had.
    let de =
        hex::decode(vector("ca-v1-gmrtd-DE-ecdh-bp256-aes128-keyid")["dg14"].as_str().unwrap())
            .unwrap();
    let enc = explicit.encode();
    assert!(de.windows(enc.len()).any(|w| w == enc.as_slice()));
    assert_eq!(oid_string(&oid_bytes("1.2.840.10045.3.1.7")), "1.2.840.10045.3.1.7");
}

#[test]
fn hostile_ca_infos_are_kept_as_unknown_never_an_error() {
    let (real, _) = gmrtd_dg14("DE");
    let key = real.ca_public_keys().next().unwrap().encode();
    let info = real.ca_infos().next().unwrap().encode();
    let mut bad: Vec<Vec<u8>> = Vec::new();
    // Every truncation of the inner fields that still leaves a well-formed outer SEQUENCE:
    // rewrite the outer length so the element itself parses as TLV.
    // (After the OID: an element without a whole OID is a broken file, as before.)
    for cut in (15..key.len() - 1).filter(|c| *c != key.len() - 4) {
        let body = &key[4..cut];
        bad.push(tlv::tlv(0x30, body));
    }
    for cut in (14..info.len() - 1).filter(|c| *c != info.len() - 4) {
        bad.push(tlv::tlv(0x30, &info[2..cut]));
    }
    // Unknown cipher arc, negative version, huge key id, unused bits in the BIT STRING,
    // an oversize integer.
    bad.push(h("300F060A04007F00070202030209020101"));
    bad.push(h("300F060A04007F000702020302020201FF"));
    bad.push(h("301A060A04007F000702020302020201010209010000000000000000"));
    let mut unused = key.clone();
    let at = unused.windows(3).position(|w| w == [0x03, 0x42, 0x00]).unwrap();
    unused[at + 2] = 0x01;
    bad.push(unused);
    let big = ChipAuthenticationPublicKeyInfo {
        key_agreement: KeyAgreement::Dh,
        public_key: CaPublicKey::Dh {
            p: vec![0x7F; MAX_KEY_FIELD + 1],
            g: vec![2],
            q: None,
            y: vec![1],
        },
        key_id: None,
    };
    bad.push(big.encode());
    for element in bad {
        let file = tlv::tlv(0x6E, &tlv::tlv(0x31, &element));
        let parsed =
            dg14::parse(&file).unwrap_or_else(|e| panic!("{e}: {}", hex::encode_upper(&element)));
        assert!(
            matches!(parsed.infos.as_slice(), [SecurityInfo::Unknown { .. }]),
            "{}: {:?}",
            hex::encode_upper(&element),
            parsed.infos
        );
    }
}
