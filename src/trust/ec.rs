//! Known prime curves (RFC 5480, RFC 5639) and the mapping of X9.62 explicit ECParameters
//! (common in passports) to them. ECDSA verifies through constant-time curve types
//! (`ec_key`); the generic verifier here (SEC 1 §4.1.4, BSI TR-03111 §4.2.1.2; Jacobian
//! coordinates over `num-bigint-dig`, variable time) is built for tests only, as an
//! independent reference the curve types are compared with.

use num_bigint_dig::BigUint;
#[cfg(test)]
use num_traits::{One, Zero};

use super::TrustError;

/// A curve's domain parameters as hex (from `openssl ecparam -param_enc explicit`).
struct Params {
    name: &'static str,
    oid: &'static str,
    p: &'static str,
    a: &'static str,
    b: &'static str,
    gx: &'static str,
    gy: &'static str,
    n: &'static str,
}

#[rustfmt::skip]
const CURVES: [Params; 9] = [
    Params { name: "P-256", oid: "1.2.840.10045.3.1.7",
        p: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
        a: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
        b: "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
        gx: "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
        gy: "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
        n: "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551" },
    Params { name: "P-384", oid: "1.3.132.0.34",
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
        a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC",
        b: "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
        gx: "AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7",
        gy: "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
        n: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973" },
    Params { name: "P-521", oid: "1.3.132.0.35",
        p: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        a: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC",
        b: "0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00",
        gx: "00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66",
        gy: "011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650",
        n: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409" },
    Params { name: "P-224", oid: "1.3.132.0.33",
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001",
        a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFE",
        b: "B4050A850C04B3ABF54132565044B0B7D7BFD8BA270B39432355FFB4",
        gx: "B70E0CBD6BB4BF7F321390B94A03C1D356C21122343280D6115C1D21",
        gy: "BD376388B5F723FB4C22DFE6CD4375A05A07476444D5819985007E34",
        n: "FFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D" },
    Params { name: "brainpoolP224r1", oid: "1.3.36.3.3.2.8.1.1.5",
        p: "D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF",
        a: "68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43",
        b: "2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B",
        gx: "0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D",
        gy: "58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD",
        n: "D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F" },
    Params { name: "brainpoolP256r1", oid: "1.3.36.3.3.2.8.1.1.7",
        p: "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
        a: "7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
        b: "26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
        gx: "8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
        gy: "547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
        n: "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7" },
    Params { name: "brainpoolP320r1", oid: "1.3.36.3.3.2.8.1.1.9",
        p: "D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27",
        a: "3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4",
        b: "520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6",
        gx: "43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611",
        gy: "14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1",
        n: "D35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311" },
    Params { name: "brainpoolP384r1", oid: "1.3.36.3.3.2.8.1.1.11",
        p: "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
        a: "7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
        b: "04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
        gx: "1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
        gy: "8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
        n: "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565" },
    Params { name: "brainpoolP512r1", oid: "1.3.36.3.3.2.8.1.1.13",
        p: "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
        a: "7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
        b: "3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
        gx: "81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
        gy: "7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
        n: "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069" },
];

/// A known curve with its parameters as numbers.
#[derive(Clone, PartialEq, Eq)]
pub struct Curve {
    pub name: &'static str,
    pub oid: &'static str,
    p: BigUint,
    a: BigUint,
    b: BigUint,
    gx: BigUint,
    gy: BigUint,
    n: BigUint,
}

impl std::fmt::Debug for Curve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

fn num(hex: &str) -> BigUint {
    BigUint::parse_bytes(hex.as_bytes(), 16).unwrap_or_default()
}

fn curve(p: &Params) -> Curve {
    Curve {
        name: p.name,
        oid: p.oid,
        p: num(p.p),
        a: num(p.a),
        b: num(p.b),
        gx: num(p.gx),
        gy: num(p.gy),
        n: num(p.n),
    }
}

impl Curve {
    /// The curve named by this OID (dotted).
    pub fn by_oid(oid: &str) -> Option<Curve> {
        CURVES.iter().find(|c| c.oid == oid).map(curve)
    }

    /// The known curve with exactly these explicit parameters (prime, a, b, generator, order).
    pub fn by_params(p: &[u8], a: &[u8], b: &[u8], g: &[u8], n: &[u8]) -> Option<Curve> {
        let (p, a, b, n) = (
            BigUint::from_bytes_be(p),
            BigUint::from_bytes_be(a),
            BigUint::from_bytes_be(b),
            BigUint::from_bytes_be(n),
        );
        CURVES.iter().map(curve).find(|c| {
            c.p == p
                && c.a == a
                && c.b == b
                && c.n == n
                && c.decode_point(g).is_ok_and(|(x, y)| x == c.gx && y == c.gy)
        })
    }

    /// Bytes of a field element.
    pub fn field_len(&self) -> usize {
        self.p.bits().div_ceil(8)
    }

    /// The order of the base point.
    pub fn order(&self) -> &BigUint {
        &self.n
    }

    /// Bytes of a scalar (for plain r‖s signatures).
    pub fn order_len(&self) -> usize {
        self.n.bits().div_ceil(8)
    }

    /// An uncompressed SEC 1 point (04 ‖ x ‖ y), checked to lie on the curve.
    pub fn decode_point(&self, bytes: &[u8]) -> Result<(BigUint, BigUint), TrustError> {
        let len = self.field_len();
        match bytes.split_first() {
            Some((0x04, xy)) if xy.len() == 2 * len => {
                let (x, y) = xy.split_at(len);
                let (x, y) = (BigUint::from_bytes_be(x), BigUint::from_bytes_be(y));
                if x >= self.p || y >= self.p || !self.on_curve(&x, &y) {
                    return Err(TrustError::invalid(format!(
                        "public key is not a point on {}",
                        self.name
                    )));
                }
                Ok((x, y))
            }
            Some((0x02 | 0x03, _)) => {
                Err(TrustError::unsupported(format!("compressed {} public key", self.name)))
            }
            _ => Err(TrustError::invalid(format!("malformed {} public key", self.name))),
        }
    }

    fn on_curve(&self, x: &BigUint, y: &BigUint) -> bool {
        let p = &self.p;
        let lhs = (y * y) % p;
        let rhs = (x * x % p * x + &self.a * x + &self.b) % p;
        lhs == rhs
    }

    #[cfg(test)]
    /// Verifies ECDSA (r, s) over the message digest `hash` with public key (qx, qy).
    pub fn verify(
        &self,
        q: &(BigUint, BigUint),
        hash: &[u8],
        r: &BigUint,
        s: &BigUint,
    ) -> Result<(), TrustError> {
        let n = &self.n;
        let bad = |why: &str| TrustError::BadSignature(format!("ECDSA {}: {why}", self.name));
        if r.is_zero() || s.is_zero() || r >= n || s >= n {
            return Err(bad("r or s out of range"));
        }
        // e: the leftmost bits of the hash, as many as the order has.
        let mut e = BigUint::from_bytes_be(hash);
        let hash_bits = hash.len() * 8;
        if hash_bits > n.bits() {
            e >>= hash_bits - n.bits();
        }
        let w = s.modpow(&(n - 2u32), n);
        let u1 = (e * &w) % n;
        let u2 = (r * &w) % n;
        let g = Jacobian::from_affine(&self.gx, &self.gy);
        let qj = Jacobian::from_affine(&q.0, &q.1);
        let sum = self.add(&self.mul(&u1, &g), &self.mul(&u2, &qj));
        let Some((x, _)) = self.to_affine(&sum) else {
            return Err(bad("point at infinity"));
        };
        if (x % n) == *r { Ok(()) } else { Err(bad("mismatch")) }
    }

    #[cfg(test)]
    fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        ((a + &self.p) - (b % &self.p)) % &self.p
    }

    #[cfg(test)]
    fn double(&self, pt: &Jacobian) -> Jacobian {
        let p = &self.p;
        if pt.z.is_zero() || pt.y.is_zero() {
            return Jacobian::infinity();
        }
        let xx = &pt.x * &pt.x % p;
        let yy = &pt.y * &pt.y % p;
        let yyyy = &yy * &yy % p;
        let zz = &pt.z * &pt.z % p;
        let s = BigUint::from(4u32) * &pt.x % p * &yy % p;
        let m = (BigUint::from(3u32) * &xx + &self.a * (&zz * &zz % p)) % p;
        let x3 = self.sub(&(&m * &m % p), &(BigUint::from(2u32) * &s % p));
        let y3 = self.sub(&(&m * self.sub(&s, &x3) % p), &(BigUint::from(8u32) * &yyyy % p));
        let z3 = BigUint::from(2u32) * &pt.y % p * &pt.z % p;
        Jacobian { x: x3, y: y3, z: z3 }
    }

    #[cfg(test)]
    fn add(&self, a: &Jacobian, b: &Jacobian) -> Jacobian {
        let p = &self.p;
        if a.z.is_zero() {
            return b.clone();
        }
        if b.z.is_zero() {
            return a.clone();
        }
        let z1z1 = &a.z * &a.z % p;
        let z2z2 = &b.z * &b.z % p;
        let u1 = &a.x * &z2z2 % p;
        let u2 = &b.x * &z1z1 % p;
        let s1 = &a.y * &b.z % p * &z2z2 % p;
        let s2 = &b.y * &a.z % p * &z1z1 % p;
        if u1 == u2 {
            return if s1 == s2 { self.double(a) } else { Jacobian::infinity() };
        }
        let h = self.sub(&u2, &u1);
        let r = self.sub(&s2, &s1);
        let hh = &h * &h % p;
        let hhh = &hh * &h % p;
        let u1hh = &u1 * &hh % p;
        let x3 = self.sub(&self.sub(&(&r * &r % p), &hhh), &(BigUint::from(2u32) * &u1hh % p));
        let y3 = self.sub(&(&r * self.sub(&u1hh, &x3) % p), &(&s1 * &hhh % p));
        let z3 = &h * &a.z % p * &b.z % p;
        Jacobian { x: x3, y: y3, z: z3 }
    }

    #[cfg(test)]
    fn mul(&self, k: &BigUint, pt: &Jacobian) -> Jacobian {
        let mut acc = Jacobian::infinity();
        for byte in k.to_bytes_be() {
            for i in (0..8).rev() {
                acc = self.double(&acc);
                if (byte >> i) & 1 == 1 {
                    acc = self.add(&acc, pt);
                }
            }
        }
        acc
    }

    #[cfg(test)]
    fn to_affine(&self, pt: &Jacobian) -> Option<(BigUint, BigUint)> {
        if pt.z.is_zero() {
            return None;
        }
        let p = &self.p;
        let zi = pt.z.modpow(&(p - 2u32), p);
        let zi2 = &zi * &zi % p;
        Some((&pt.x * &zi2 % p, &pt.y * &zi2 % p * &zi % p))
    }
}

#[cfg(test)]
#[derive(Clone)]
struct Jacobian {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

#[cfg(test)]
impl Jacobian {
    fn infinity() -> Self {
        Jacobian { x: BigUint::one(), y: BigUint::one(), z: BigUint::zero() }
    }
    fn from_affine(x: &BigUint, y: &BigUint) -> Self {
        Jacobian { x: x.clone(), y: y.clone(), z: BigUint::one() }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};
    use sha2::{Digest, Sha256};

    /// Signatures made by the RustCrypto `p256` crate verify here; altered ones do not.
    #[test]
    fn agrees_with_p256() {
        let curve = Curve::by_oid("1.2.840.10045.3.1.7").unwrap();
        for seed in 1u8..=8 {
            let key = SigningKey::from_slice(&[seed; 32]).unwrap();
            let point = key.verifying_key().to_encoded_point(false);
            let q = curve.decode_point(point.as_bytes()).unwrap();
            let msg = [seed; 100];
            let sig: Signature = key.sign(&msg);
            let (r, s) = sig.split_bytes();
            let (r, s) = (BigUint::from_bytes_be(&r), BigUint::from_bytes_be(&s));
            let hash = Sha256::digest(msg);
            curve.verify(&q, &hash, &r, &s).unwrap();
            let mut other = hash;
            other[0] ^= 1;
            assert!(curve.verify(&q, &other, &r, &s).is_err());
            assert!(curve.verify(&q, &hash, &(&r + 1u32), &s).is_err());
            assert!(curve.verify(&q, &hash, &r, &curve.n).is_err());
        }
    }

    #[test]
    fn points_off_the_curve_and_compressed_points_are_refused() {
        let curve = Curve::by_oid("1.3.36.3.3.2.8.1.1.7").unwrap();
        let mut g = vec![4u8];
        g.extend(curve.gx.to_bytes_be());
        g.extend(curve.gy.to_bytes_be());
        assert!(curve.decode_point(&g).is_ok());
        let last = g.len() - 1;
        g[last] ^= 1;
        assert!(matches!(curve.decode_point(&g), Err(TrustError::Invalid(_))));
        assert!(matches!(curve.decode_point(&[2u8; 33]), Err(TrustError::Unsupported(_))));
        assert!(curve.decode_point(&[4u8; 10]).is_err());
        assert!(curve.decode_point(&[]).is_err());
    }
}
