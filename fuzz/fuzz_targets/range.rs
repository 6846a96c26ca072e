//! Any answer of a server's range-query endpoint through the client's decoding: never a
//! panic, and no label keeps a control character that could repaint a terminal.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&status, body)) = data.split_first() else { return };
    let Ok(body) = std::str::from_utf8(body) else { return };
    let status = 200 + u16::from(status % 4) * 100;
    if let Ok(series) = sloc_client::decode_range(status, body) {
        for (labels, _) in &series {
            let shown: String = labels.iter().map(|(k, v)| format!("{k}{v}")).collect();
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
        }
    }
});
