//! Command-line front ends of the simulator: `enrol-kiosk simulate …` (a profile behind
//! pcscd through vpcd) and `enrol-kiosk make-profile …` (a signed test passport).

use super::SimError;
use super::aa::{AaCurve, ChipAaKey};
use super::behaviour::{Behaviour, LeOverflow};
use super::chip::Chip;
use super::make::{EyeCentres, MakeOptions, make_profile};
use super::profile::{MAX_EF_FILE, PaceSettings, Profile, hash_by_name, read_capped};
use super::vpcd::{self, DEFAULT_VPCD};
use crate::lds::sod::HashAlgorithm;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// `enrol-kiosk simulate`: a simulated passport attached to pcscd through vsmartcard's vpcd.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Profile folder (profile.toml + EF.*.bin), or `demo` for the built-in demo passport.
    #[arg(long, value_name = "DIR|demo", default_value = "demo")]
    pub profile: String,
    /// vpcd's address (35963: reader "Virtual PCD 00 00", 35964: "Virtual PCD 00 01").
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_VPCD)]
    pub vpcd: String,
    /// Largest plaintext Le the chip serves (default 65536 with extended length, else 256).
    #[arg(long, value_name = "N")]
    pub max_le: Option<usize>,
    /// Refuse extended-length APDUs (6700), as older chips and readers do.
    #[arg(long)]
    pub no_extended_length: bool,
    /// Answer at most --max-le bytes instead of 6700 when Le asks for more.
    #[arg(long)]
    pub truncate_le: bool,
    /// Delay added to every APDU, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Remove the card after APDU N (once; it comes back ~300 ms later).
    #[arg(long, value_name = "N")]
    pub remove_after_apdu: Option<u64>,
    /// Corrupt the response MAC of APDU N (or of the next protected response after it).
    #[arg(long, value_name = "N")]
    pub wrong_mac_at_apdu: Option<u64>,
    /// Leave DO'99' (the status word) out of protected responses.
    #[arg(long)]
    pub omit_do99: bool,
    /// Answer 6282 when a read runs past the end of a file.
    #[arg(long)]
    pub eof_6282: bool,
    /// Answer a protected read past the end of a file with 6282 and an encrypted DO'87'
    /// but no MAC (a quirk of some chips).
    #[arg(long)]
    pub overread_6282_no_mac: bool,
    /// Refuse reads past the end of a file with this status word, as hex (e.g. 6B00).
    #[arg(long, value_name = "HEX", value_parser = parse_sw)]
    pub overread_sw: Option<u16>,
    /// Answer SELECT of the master file with this status word, as hex (e.g. 6A86).
    #[arg(long, value_name = "HEX", value_parser = parse_sw)]
    pub select_mf_sw: Option<u16>,
    /// Have the eMRTD application, not the master file, selected at reset.
    #[arg(long)]
    pub application_selected_at_reset: bool,
    /// Refuse MSE:Set AT without DO'84' (domain parameter id) even with one PACEInfo.
    #[arg(long)]
    pub mse_requires_domain_id: bool,
    /// Announce extended length (or its absence) in the ATR's card capabilities.
    #[arg(long)]
    pub atr_capabilities: bool,
    /// Carry EF.ATR/INFO with the extended length information DO'7F66'.
    #[arg(long)]
    pub ef_atr_info: bool,
    /// Make FILE (e.g. EF.DG2) declare a huge length in its TLV header (see --declare-length).
    #[arg(long, value_name = "FILE")]
    pub evil_length: Option<String>,
    /// The length the --evil-length file declares (default 4294967295).
    #[arg(long, value_name = "BYTES")]
    pub declare_length: Option<u32>,
    /// The ATR to present, as hex.
    #[arg(long, value_name = "HEX")]
    pub atr: Option<String>,
    /// Status word for a wrong BAC key, as hex (default 6300; e.g. 6988, 6982, 63C2).
    #[arg(long, value_name = "HEX", value_parser = parse_sw)]
    pub denied_sw: Option<u16>,
    /// Answer PACE GENERAL AUTHENTICATE step N (1-4) with only its first byte (once).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=4))]
    pub truncate_ga: Option<u8>,
    /// Chip Authentication with another key than EF.DG14 lists (a cloned chip).
    #[arg(long)]
    pub ca_clone: bool,
    /// Refuse MSE:Set KAT (a 3DES chip wanting MSE:Set AT + GENERAL AUTHENTICATE for CA).
    #[arg(long)]
    pub ca_refuse_kat: bool,
    /// Active Authentication signs another challenge than the terminal's (a cloned chip).
    #[arg(long)]
    pub aa_wrong_challenge: bool,
    /// Active Authentication answers ECDSA in DER instead of plain r‖s.
    #[arg(long)]
    pub aa_ecdsa_der: bool,
}

fn parse_sw(s: &str) -> Result<u16, String> {
    u16::from_str_radix(s.trim_start_matches("0x"), 16)
        .map_err(|_| format!("{s:?} is not a status word in hex, e.g. 6988"))
}

impl SimulateArgs {
    /// The behaviour these flags ask for (to be applied over the profile's own).
    pub fn behaviour(&self) -> Behaviour {
        Behaviour {
            max_le: self.max_le,
            extended_length: self.no_extended_length.then_some(false),
            le_overflow: if self.truncate_le {
                LeOverflow::Truncate
            } else {
                LeOverflow::default()
            },
            latency_ms: self.latency_ms.unwrap_or(0),
            remove_after_apdu: self.remove_after_apdu,
            wrong_mac_at_apdu: self.wrong_mac_at_apdu,
            omit_do99: self.omit_do99,
            eof_6282: self.eof_6282,
            overread_6282_no_mac: self.overread_6282_no_mac,
            overread_sw: self.overread_sw,
            select_mf_sw: self.select_mf_sw,
            application_selected_at_reset: self.application_selected_at_reset,
            mse_requires_domain_id: self.mse_requires_domain_id,
            atr_capabilities: self.atr_capabilities,
            ef_atr_info: self.ef_atr_info,
            evil_file: self.evil_length.clone(),
            declare_length: self.declare_length,
            atr: self.atr.clone(),
            denied_sw: self.denied_sw,
            truncate_ga: self.truncate_ga,
            ca_clone: self.ca_clone,
            ca_refuse_kat: self.ca_refuse_kat,
            aa_wrong_challenge: self.aa_wrong_challenge,
            aa_ecdsa_der: self.aa_ecdsa_der,
        }
    }
}

/// Runs the simulator until the process is killed (reconnecting to vpcd as needed).
pub fn run_simulate(args: SimulateArgs) -> Result<(), SimError> {
    let profile = Profile::from_arg(&args.profile)?;
    let behaviour = profile.behaviour().clone().overridden_by(&args.behaviour());
    if let Some(name) = &behaviour.evil_file
        && super::fs::locate(name).is_none()
    {
        return Err(SimError::UnknownFile { name: name.clone() });
    }
    let access = match profile.pace() {
        Some(p) if p.bac => format!("{} and BAC", p.params.name()),
        Some(p) => p.params.name(),
        None => "BAC".into(),
    };
    eprintln!(
        "simulating passport {:?} on vpcd {} ({access}{}; files: {}); stop with Ctrl-C",
        args.profile,
        args.vpcd,
        if profile.can().is_some() { ", with a CAN" } else { "" },
        profile.file_names().collect::<Vec<_>>().join(", ")
    );
    let mut chip = Chip::new(&profile, behaviour);
    vpcd::run(&mut chip, &args.vpcd, Arc::new(AtomicBool::new(false)))
}

/// `enrol-kiosk make-profile`: a simulator profile from an MRZ and a face image.
#[derive(Debug, Clone, clap::Args)]
pub struct MakeProfileArgs {
    /// The full MRZ (all lines, newline- or space-separated).
    #[arg(long, value_name = "MRZ")]
    pub mrz: String,
    /// The face image (JPEG or JPEG 2000), stored in DG2 as given.
    #[arg(long, value_name = "FILE")]
    pub face: PathBuf,
    /// Eye centres in the image as X1,Y1,X2,Y2 pixels (stored as ISO 19794-5 feature points).
    #[arg(long, value_name = "X1,Y1,X2,Y2", value_parser = parse_eyes)]
    pub eyes: Option<EyeCentres>,
    /// The profile folder to write (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The chip offers PACE, advertised in EF.CardAccess.
    #[arg(long)]
    pub pace: bool,
    /// PACE standardized domain parameters: 0–2 (RFC 5114 DH groups), 8–18 (P-192,
    /// brainpoolP192r1, P-224, brainpoolP224r1, P-256, brainpoolP256r1, brainpoolP320r1, P-384,
    /// brainpoolP384r1, brainpoolP512r1, P-521).
    #[arg(long, value_name = "ID", default_value_t = 13, requires = "pace")]
    pub pace_parameter_id: u64,
    /// PACE mapping: gm (Generic), im (Integrated) or cam (Chip Authentication Mapping; writes
    /// the chip's key to chip-ca.key).
    #[arg(long, value_name = "MAPPING", default_value = "gm", requires = "pace")]
    pub pace_mapping: String,
    /// PACE cipher: 3DES, AES-128, AES-192 or AES-256.
    #[arg(long, value_name = "CIPHER", default_value = "AES-128", requires = "pace")]
    pub pace_cipher: String,
    /// The chip refuses BAC (PACE only).
    #[arg(long, requires = "pace")]
    pub no_bac: bool,
    /// One more PACEInfo EF.CardAccess (and DG14) list after the chip's own, as
    /// MAPPING:ID:CIPHER, e.g. gm:15:AES-128 (repeatable; one not implemented here, e.g.
    /// im:10:AES-128, is advertised only). A chip listing several requires DO'84'.
    #[arg(long, value_name = "MAPPING:ID:CIPHER", requires = "pace")]
    pub pace_extra: Vec<String>,
    /// The --pace-extra PACEInfos come before the chip's own in EF.CardAccess.
    #[arg(long, requires = "pace_extra")]
    pub pace_extra_first: bool,
    /// Fault: EF.DG14 leaves out the PACEInfo EF.CardAccess advertises (a stripped chip).
    #[arg(long, requires = "pace")]
    pub dg14_without_pace: bool,
    /// EF.SOD with BER indefinite lengths (`77 80 … 00 00`, the SignedData inside too), as
    /// US and New Zealand passports carry it; passive authentication stays valid.
    #[arg(long)]
    pub sod_indefinite_length: bool,
    /// The Card Access Number printed on the data page (6 digits; a PACE password).
    #[arg(long, value_name = "DIGITS")]
    pub can: Option<String>,
    /// Chip Authentication: ecdh (on the PACE curve, else brainpoolP256r1) or dh (RFC 5114
    /// 2048-bit group); DG14 lists the key, chip-ca.key holds the private key.
    #[arg(long, value_name = "ecdh|dh")]
    pub ca: Option<String>,
    /// Chip Authentication cipher: 3DES, AES-128, AES-192 or AES-256.
    #[arg(long, value_name = "CIPHER", default_value = "AES-128", requires = "ca")]
    pub ca_cipher: String,
    /// The keyId DG14 gives the Chip Authentication key.
    #[arg(long, value_name = "N", requires = "ca")]
    pub ca_key_id: Option<u64>,
    /// Active Authentication: `rsa` (ISO/IEC 9796-2) or `ecdsa`; generates the chip's key
    /// (chip-aa.der) and writes EF.DG15 (RSA-1024 keygen takes well under a second).
    #[arg(long, value_name = "rsa|ecdsa", value_parser = ["rsa", "ecdsa"])]
    pub aa: Option<String>,
    /// RSA key size for --aa rsa (multiple of 8, 512..=4096).
    #[arg(long, value_name = "BITS", default_value_t = 1024, requires = "aa")]
    pub aa_bits: usize,
    /// Curve for --aa ecdsa: P-256, brainpoolP256r1, P-384 or brainpoolP384r1.
    #[arg(long, value_name = "CURVE", default_value = "P-256", requires = "aa")]
    pub aa_curve: String,
    /// Hash the chip signs with (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512; default SHA-1
    /// with trailer BC for RSA, SHA-256 for ECDSA).
    #[arg(long, value_name = "HASH", requires = "aa")]
    pub aa_hash: Option<String>,
    /// One `[behaviour]` setting of profile.toml as a TOML line, e.g. `max_le = 192` or
    /// `overread_sw = 0x6B00` (repeatable; checked before anything is written).
    #[arg(long = "behaviour", value_name = "KEY=VALUE")]
    pub behaviour: Vec<String>,
}

/// The Active Authentication key and hash `make-profile` flags ask for.
fn aa_option(
    args: &MakeProfileArgs,
) -> Result<Option<(ChipAaKey, Option<HashAlgorithm>)>, SimError> {
    let Some(kind) = args.aa.as_deref() else { return Ok(None) };
    let hash = args
        .aa_hash
        .as_deref()
        .map(|h| {
            hash_by_name(h)
                .ok_or_else(|| SimError::AaKey(format!("--aa-hash {h:?} is not SHA-1 … SHA-512")))
        })
        .transpose()?;
    let key = if kind == "rsa" {
        ChipAaKey::generate_rsa(args.aa_bits)?
    } else {
        let curve = AaCurve::from_name(&args.aa_curve).ok_or_else(|| {
            SimError::AaKey(format!(
                "--aa-curve {:?} is not a curve the simulator signs on",
                args.aa_curve
            ))
        })?;
        ChipAaKey::generate_ec(curve)
    };
    Ok(Some((key, hash)))
}

fn parse_eyes(s: &str) -> Result<EyeCentres, String> {
    let v: Vec<u16> = s
        .split(',')
        .map(|p| p.trim().parse::<u16>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("eye centres must be four pixel numbers X1,Y1,X2,Y2: {e}"))?;
    match v.as_slice() {
        [x1, y1, x2, y2] => Ok(((*x1, *y1), (*x2, *y2))),
        _ => Err("eye centres must be four numbers: X1,Y1,X2,Y2".into()),
    }
}

/// Writes the profile folder (EF files, profile.toml, csca.der, dsc.der).
pub fn run_make_profile(args: MakeProfileArgs) -> Result<(), SimError> {
    let face = read_capped(&args.face, MAX_EF_FILE)?;
    let pace = if args.pace {
        Some(PaceSettings::with_mapping(
            args.pace_parameter_id,
            &args.pace_mapping,
            &args.pace_cipher,
            !args.no_bac,
        )?)
    } else {
        None
    };
    let can = args.can.as_deref().map(crate::mrz::Can::new).transpose()?;
    let ca = args
        .ca
        .as_deref()
        .map(|kind| super::make_ca::CaMake::new(kind, &args.ca_cipher, args.ca_key_id))
        .transpose()?;
    let aa = aa_option(&args)?;
    let behaviour =
        (!args.behaviour.is_empty()).then(|| super::make::BehaviourToml(args.behaviour.join("\n")));
    let options = MakeOptions {
        eye_centres: args.eyes,
        pace,
        can,
        ca,
        aa,
        behaviour,
        dg14_without_pace: args.dg14_without_pace,
        sod_indefinite_length: args.sod_indefinite_length,
        pace_extra: args
            .pace_extra
            .iter()
            .map(|e| super::pace_infos::ExtraPaceInfo::from_arg(e, args.pace_extra_first))
            .collect::<Result<_, _>>()?,
        ..MakeOptions::default()
    };
    let made = make_profile(&args.mrz, &face, &args.out, &options)?;
    eprintln!(
        "wrote profile {} ({} files; trust anchor {})",
        args.out.display(),
        made.files.len(),
        made.csca_path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimulateArgs,
    }

    #[test]
    fn flags_become_behaviour() {
        let cli = Cli::try_parse_from([
            "x",
            "--profile",
            "demo",
            "--max-le",
            "192",
            "--no-extended-length",
            "--latency-ms",
            "37",
            "--remove-after-apdu",
            "12",
            "--wrong-mac-at-apdu",
            "9",
            "--omit-do99",
            "--eof-6282",
            "--overread-6282-no-mac",
            "--evil-length",
            "EF.DG2",
            "--denied-sw",
            "6988",
            "--truncate-ga",
            "3",
        ])
        .unwrap();
        let b = cli.sim.behaviour();
        assert_eq!(b.max_le, Some(192));
        assert_eq!(b.extended_length, Some(false));
        assert_eq!(b.latency_ms, 37);
        assert_eq!(b.remove_after_apdu, Some(12));
        assert_eq!(b.wrong_mac_at_apdu, Some(9));
        assert!(b.omit_do99 && b.eof_6282 && b.overread_6282_no_mac);
        assert_eq!(b.evil_file.as_deref(), Some("EF.DG2"));
        assert_eq!(b.denied_sw, Some(0x6988));
        assert_eq!(b.truncate_ga, Some(3));
        assert_eq!(cli.sim.vpcd, "127.0.0.1:35963");
        let defaults = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(defaults.sim.behaviour(), Behaviour::default());
        assert_eq!(defaults.sim.profile, "demo");
    }

    #[test]
    fn eyes_parse() {
        assert_eq!(parse_eyes("150,250, 270,250"), Ok(((150, 250), (270, 250))));
        assert!(parse_eyes("1,2,3").is_err());
        assert!(parse_eyes("a,b,c,d").is_err());
    }

    #[test]
    fn make_profile_command_writes_a_loadable_profile() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("p");
        let face = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-face.jp2");
        #[derive(Parser)]
        struct MakeCli {
            #[command(flatten)]
            make: MakeProfileArgs,
        }
        let mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<< L898902C<3UTO6908061F9406236ZE184226B<<<<<14";
        let cli = MakeCli::try_parse_from([
            "x",
            "--mrz",
            mrz,
            "--face",
            face,
            "--eyes",
            "160,250,260,250",
            "--out",
            out.to_str().unwrap(),
        ])
        .unwrap();
        run_make_profile(cli.make).unwrap();
        let p = Profile::load(&out).unwrap();
        assert_eq!(p.mrz_information(), "L898902C<369080619406236");
        let dg2 = crate::lds::dg2::parse(p.file("EF.DG2").unwrap()).unwrap();
        assert_eq!(dg2.faces[0].format, crate::lds::dg2::ImageFormat::Jp2);
        assert!(out.join("csca.der").exists() && out.join("dsc.der").exists());
        assert!(p.pace().is_none() && p.can().is_none() && p.file("EF.CardAccess").is_none());

        // Behaviour knobs go into profile.toml's [behaviour]; an unknown one is refused.
        let quirky = dir.path().join("quirky");
        let args = ["x", "--mrz", mrz, "--face", face, "--out", quirky.to_str().unwrap()];
        let knobs = ["--behaviour", "max_le = 192", "--behaviour", "overread_sw = 0x6B00"];
        let cli = MakeCli::try_parse_from(args.iter().chain(&knobs)).unwrap();
        run_make_profile(cli.make).unwrap();
        let b = Profile::load(&quirky).unwrap().behaviour().clone();
        assert_eq!((b.max_le, b.overread_sw), (Some(192), Some(0x6B00)));
        let bad = ["--behaviour", "no_such_knob = true"];
        let cli = MakeCli::try_parse_from(args.iter().chain(&bad)).unwrap();
        assert!(matches!(run_make_profile(cli.make), Err(SimError::ProfileToml { .. })));

        let out = dir.path().join("pace");
        let cli = MakeCli::try_parse_from([
            "x",
            "--mrz",
            mrz,
            "--face",
            face,
            "--pace",
            "--pace-parameter-id",
            "12",
            "--pace-cipher",
            "AES-256",
            "--no-bac",
            "--can",
            "987654",
            "--out",
            out.to_str().unwrap(),
        ])
        .unwrap();
        run_make_profile(cli.make).unwrap();
        let p = Profile::load(&out).unwrap();
        assert_eq!(p.can().unwrap().digits(), "987654");
        assert!(!p.bac_allowed());
        assert_eq!(p.pace().unwrap().params.name(), "PACE-ECDH-GM-AES-256");
        assert!(out.join("EF.CardAccess.bin").is_file());
        // The chip made from it opens with the CAN.
        let read = crate::reader::passport::read_passport(
            Chip::with_seed(&p, Behaviour::default(), 1),
            crate::access::Password::Can(crate::mrz::Can::new("987654").unwrap()),
            &crate::reader::passport::ReadOptions::default(),
            &mut |_, _, _| {},
        )
        .unwrap();
        assert_eq!(read.access, "PACE-ECDH-GM-AES-256");
        assert!(p.chip_ca_key.is_none());

        // --pace-mapping cam writes the chip's key, and the read proves it.
        let out = dir.path().join("cam");
        let cli = MakeCli::try_parse_from([
            "x",
            "--mrz",
            mrz,
            "--face",
            face,
            "--pace",
            "--pace-mapping",
            "cam",
            "--pace-parameter-id",
            "14",
            "--out",
            out.to_str().unwrap(),
        ])
        .unwrap();
        run_make_profile(cli.make).unwrap();
        let p = Profile::load(&out).unwrap();
        assert_eq!(p.pace().unwrap().params.name(), "PACE-ECDH-CAM-AES-128");
        let key = std::fs::read(out.join("chip-ca.key")).unwrap();
        assert_eq!(key.len(), 40);
        let read = crate::reader::passport::read_passport(
            Chip::with_seed(&p, Behaviour::default(), 1),
            crate::mrz::AccessKey::from_mrz_text(p.mrz_text()).unwrap(),
            &crate::reader::passport::ReadOptions::default(),
            &mut |_, _, _| {},
        )
        .unwrap();
        let public = crate::access::pace::Curve::BrainpoolP320r1.mul(&key, None).unwrap();
        assert!(read.cam.unwrap().verify(&public));
        // --pace-cipher needs --pace; a bad CAN is refused.
        assert!(
            MakeCli::try_parse_from([
                "x",
                "--mrz",
                mrz,
                "--face",
                face,
                "--out",
                "o",
                "--pace-cipher",
                "3DES"
            ])
            .is_err()
        );
        let cli = MakeCli::try_parse_from([
            "x", "--mrz", mrz, "--face", face, "--out", "o", "--can", "12",
        ])
        .unwrap();
        assert!(matches!(run_make_profile(cli.make), Err(SimError::Mrz(_))));
    }
}
