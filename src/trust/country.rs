//! Issuing-state codes of ICAO 9303 Part 3 §5 (ISO 3166-1 alpha-3 plus ICAO's own codes)
//! mapped to the ISO 3166-1 alpha-2 `countryName` that CSCA and document signer
//! certificates carry (ICAO 9303 Part 12 §7.1.1), so that a document's issuing state can be
//! compared with its certificates' country.

/// ISO 3166-1 alpha-3 → alpha-2 (ISO 3166-1:2020, the officially assigned codes).
const ISO_3166: &str = "AFGAF ALAAX ALBAL DZADZ ASMAS ANDAD AGOAO AIAAI ATAAQ ATGAG ARGAR ARMAM \
    ABWAW AUSAU AUTAT AZEAZ BHSBS BHRBH BGDBD BRBBB BLRBY BELBE BLZBZ BENBJ BMUBM BTNBT BOLBO \
    BESBQ BIHBA BWABW BVTBV BRABR IOTIO BRNBN BGRBG BFABF BDIBI CPVCV KHMKH CMRCM CANCA CYMKY \
    CAFCF TCDTD CHLCL CHNCN CXRCX CCKCC COLCO COMKM COGCG CODCD COKCK CRICR CIVCI HRVHR CUBCU \
    CUWCW CYPCY CZECZ DNKDK DJIDJ DMADM DOMDO ECUEC EGYEG SLVSV GNQGQ ERIER ESTEE SWZSZ ETHET \
    FLKFK FROFO FJIFJ FINFI FRAFR GUFGF PYFPF ATFTF GABGA GMBGM GEOGE DEUDE GHAGH GIBGI GRCGR \
    GRLGL GRDGD GLPGP GUMGU GTMGT GGYGG GINGN GNBGW GUYGY HTIHT HMDHM VATVA HNDHN HKGHK HUNHU \
    ISLIS INDIN IDNID IRNIR IRQIQ IRLIE IMNIM ISRIL ITAIT JAMJM JPNJP JEYJE JORJO KAZKZ KENKE \
    KIRKI PRKKP KORKR KWTKW KGZKG LAOLA LVALV LBNLB LSOLS LBRLR LBYLY LIELI LTULT LUXLU MACMO \
    MDGMG MWIMW MYSMY MDVMV MLIML MLTMT MHLMH MTQMQ MRTMR MUSMU MYTYT MEXMX FSMFM MDAMD MCOMC \
    MNGMN MNEME MSRMS MARMA MOZMZ MMRMM NAMNA NRUNR NPLNP NLDNL NCLNC NZLNZ NICNI NERNE NGANG \
    NIUNU NFKNF MKDMK MNPMP NORNO OMNOM PAKPK PLWPW PSEPS PANPA PNGPG PRYPY PERPE PHLPH PCNPN \
    POLPL PRTPT PRIPR QATQA REURE ROURO RUSRU RWARW BLMBL SHNSH KNAKN LCALC MAFMF SPMPM VCTVC \
    WSMWS SMRSM STPST SAUSA SENSN SRBRS SYCSC SLESL SGPSG SXMSX SVKSK SVNSI SLBSB SOMSO ZAFZA \
    SGSGS SSDSS ESPES LKALK SDNSD SURSR SJMSJ SWESE CHECH SYRSY TWNTW TJKTJ TZATZ THATH TLSTL \
    TGOTG TKLTK TONTO TTOTT TUNTN TURTR TKMTM TCATC TUVTV UGAUG UKRUA AREAE GBRGB USAUS UMIUM \
    URYUY UZBUZ VUTVU VENVE VNMVN VGBVG VIRVI WLFWF ESHEH YEMYE ZMBZM ZWEZW";

/// ICAO's codes that are not ISO 3166-1 alpha-3 (ICAO 9303 Part 3 §5): Germany's "D", the
/// British nationality classes issued by the United Kingdom, Kosovo, and ICAO's specimen
/// state Utopia (whose test certificates carry C=UT).
const ICAO_EXCEPTIONS: &[(&str, &str)] = &[
    ("D", "DE"),
    ("GBD", "GB"),
    ("GBN", "GB"),
    ("GBO", "GB"),
    ("GBP", "GB"),
    ("GBS", "GB"),
    ("RKS", "XK"),
    ("UTO", "UT"),
];

/// The alpha-2 country code for a DG1 issuing state ("D<<" and "DEU" → "DE"), or `None` for
/// codes with no country (organisations such as UNO or EUE) and unknown codes.
pub fn alpha2_of_issuing_state(code: &str) -> Option<&'static str> {
    let code = code.trim_end_matches('<').trim().to_ascii_uppercase();
    if let Some((_, a2)) = ICAO_EXCEPTIONS.iter().find(|(c, _)| *c == code) {
        return Some(a2);
    }
    if code.len() != 3 {
        return None;
    }
    ISO_3166.split_whitespace().find_map(|e| {
        let (a3, a2) = (e.get(..3)?, e.get(3..)?);
        (a3 == code).then_some(a2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuing_states_map_to_certificate_countries() {
        assert_eq!(alpha2_of_issuing_state("D<<"), Some("DE"));
        assert_eq!(alpha2_of_issuing_state("DEU"), Some("DE"));
        assert_eq!(alpha2_of_issuing_state("NLD"), Some("NL"));
        assert_eq!(alpha2_of_issuing_state("GBD"), Some("GB"));
        assert_eq!(alpha2_of_issuing_state("utO"), Some("UT"));
        assert_eq!(alpha2_of_issuing_state("ZWE"), Some("ZW"));
        assert_eq!(alpha2_of_issuing_state("UNO"), None);
        assert_eq!(alpha2_of_issuing_state("DE"), None);
        assert_eq!(alpha2_of_issuing_state(""), None);
    }

    #[test]
    fn the_table_is_well_formed() {
        let entries: Vec<&str> = ISO_3166.split_whitespace().collect();
        assert_eq!(entries.len(), 249, "ISO 3166-1 has 249 officially assigned codes");
        let mut a3: Vec<&str> = entries.iter().map(|e| &e[..3]).collect();
        let mut a2: Vec<&str> = entries.iter().map(|e| &e[3..]).collect();
        assert!(entries.iter().all(|e| e.len() == 5 && e.bytes().all(|b| b.is_ascii_uppercase())));
        a3.sort_unstable();
        a3.dedup();
        a2.sort_unstable();
        a2.dedup();
        assert_eq!((a3.len(), a2.len()), (249, 249), "no code twice");
    }
}
