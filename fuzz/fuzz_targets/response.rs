//! Any answer of a server's rules endpoint through the client's decoding: never a panic, and
//! nothing decoded keeps a control character that could repaint a terminal or forge a CI line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&status, body)) = data.split_first() else { return };
    let Ok(body) = std::str::from_utf8(body) else { return };
    let status = 200 + u16::from(status % 4) * 100;
    let shown = match sloc_client::decode_rules(status, body) {
        Ok(groups) => groups.iter().flat_map(|g| g.rules.iter().map(|r| format!("{}{}{}", g.name, r.name, r.last_error))).collect(),
        Err(e) => e.to_string(),
    };
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
});
