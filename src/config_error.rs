//! Configuration-file errors worded without the file's text: the TOML parser's own message
//! quotes the offending line and serde's quotes the offending value, and either may be a
//! credential. What is said instead: the line, the key (when the line has a plain one) and
//! the kind of mistake.

/// A place and a kind of mistake in a TOML configuration file, safe to show and log.
pub fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    let kind = kind(err.message());
    match err.span() {
        Some(span) => {
            let start = span.start.min(text.len());
            let before = text.get(..start).unwrap_or("");
            let line_no = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let line = text.get(line_start..).and_then(|l| l.lines().next()).unwrap_or("");
            match key_of(line) {
                Some(key) => format!("line {line_no}, key `{key}`: {kind}"),
                None => format!("line {line_no}: {kind}"),
            }
        }
        None => kind,
    }
}

/// The kind of mistake, from the start of the parser's message (never its quoted parts,
/// except a missing field's name, which comes from this program).
fn kind(message: &str) -> String {
    let m = message.trim_start();
    if m.starts_with("unknown field") {
        "unknown key".to_owned()
    } else if let Some(rest) = m.strip_prefix("missing field") {
        let name = rest.trim().trim_matches('`');
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            format!("the key `{name}` is missing")
        } else {
            "a required key is missing".to_owned()
        }
    } else if m.starts_with("invalid type") {
        "the value has the wrong type".to_owned()
    } else if m.starts_with("invalid value")
        || m.starts_with("unknown variant")
        || m.starts_with("invalid length")
    {
        "the value is not one of those allowed".to_owned()
    } else if m.starts_with("duplicate key") {
        "the key is given twice".to_owned()
    } else {
        "not valid TOML (check the quotes, brackets and `key = value` form)".to_owned()
    }
}

/// The key of a `key = value` line, when it looks like a key this program could have
/// (short, lower case, starting with a letter), not like a credential pasted on the left.
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let plain = key.len() <= 32
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b));
    plain.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        secret: String,
        port: Option<u16>,
    }

    fn describe(text: &str) -> String {
        let e = toml::from_str::<T>(text).unwrap_err();
        describe_toml_error(text, &e)
    }

    const SECRET: &str = "Zq9SECRETzq9SECRETzq9SECRETzq9SECRET1234";

    #[test]
    fn the_line_and_key_are_named_never_the_text() {
        let cases = [
            // An unterminated string: the parser's message would quote the whole line.
            (format!("port = 1\nsecret = \"{SECRET}\n"), "line 2, key `secret`: not valid TOML"),
            // A value of the wrong type: serde's message would quote the value.
            (format!("secret = {{ x = \"{SECRET}\" }}\n"), "line 1, key `secret`: the value has"),
            (format!("secret = \"a\"\nport = \"{SECRET}\"\n"), "line 2, key `port`: the value has"),
            // A secret pasted without a key.
            (format!("secret = \"a\"\n{SECRET}\n"), "line 2: not valid TOML"),
            (format!("secret = \"a\"\n{SECRET} = 1\n"), "line 2: unknown key"),
            ("secret = \"a\"\npaht = 1\n".to_owned(), "line 2, key `paht`: unknown key"),
            ("port = 1\n".to_owned(), "the key `secret` is missing"),
        ];
        for (text, want) in cases {
            let raw = toml::from_str::<T>(&text).unwrap_err().to_string();
            let got = describe(&text);
            assert!(got.starts_with(want) || got.contains(want), "{got:?} for {text:?}");
            assert!(!got.contains("SECRET"), "{got}");
            // The parser's own wording does echo it (what this module is for), except for
            // the missing-key case which has no secret.
            assert!(raw.contains("SECRET") || !text.contains("SECRET"), "{raw}");
        }
    }
}
