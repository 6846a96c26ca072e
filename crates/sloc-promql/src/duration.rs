//! Prometheus durations (`5m`, `1h30m`, `30d`, `4w`), in milliseconds.

use std::fmt;

/// A non-negative Prometheus duration in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub u64);

const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl Duration {
    pub const fn from_secs(secs: u64) -> Self {
        Duration(secs * 1000)
    }

    pub fn millis(self) -> u64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(*self))
    }
}

/// Parses a Prometheus duration: unit terms in decreasing order, each at most once
/// (`1h30m`, `90s`, `0s`), or `0` alone, as Prometheus' `model.ParseDuration` allows (rule
/// files write `for: "0"`). Unlike promql-parser's, `0s` is accepted (rule files use it).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let expected = "a duration such as 30s, 5m, 1h30m, 7d or 4w (units ms, s, m, h, d, w, y)";
    if text == "0" {
        return Ok(Duration::from_secs(0));
    }
    if text.is_empty() {
        return Err(format!("empty duration: expected {expected}"));
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_unit = usize::MAX;
    while i < bytes.len() {
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return Err(format!("`{text}` is not a valid duration: expected {expected}"));
        }
        let number: u64 = text[digits_start..i].parse().map_err(|_| format!("`{text}` is too large a duration"))?;
        if bytes.get(i) == Some(&b'.') {
            return Err(format!(
                "`{text}` has a fraction: Prometheus durations are whole numbers (write 1s500ms, not 1.5s)"
            ));
        }
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &text[unit_start..i];
        let Some(index) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(if unit.is_empty() {
                format!("`{text}` has no unit: expected {expected}")
            } else {
                format!("`{text}` has an unknown unit `{unit}`: expected {expected}")
            });
        };
        if last_unit != usize::MAX && index <= last_unit {
            return Err(format!("`{text}` is not a valid duration: units must go from largest to smallest, each once"));
        }
        last_unit = index;
        total = number
            .checked_mul(UNITS[index].1)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{text}` is too large a duration"))?;
    }
    Ok(Duration(total))
}

/// Formats a duration the way Prometheus does (`model.Duration.String` of prometheus/common):
/// largest units first, `0s` for zero, and years and weeks only when they divide the whole
/// (`30d`, not `4w2d`; `28d` is `4w`).
pub fn format_duration(d: Duration) -> String {
    if d.0 == 0 {
        return "0s".to_string();
    }
    let mut rest = d.0;
    let mut out = String::new();
    for (unit, ms) in UNITS {
        let only_exact = matches!(unit, "y" | "w");
        if rest >= ms && (!only_exact || rest.is_multiple_of(ms)) {
            out.push_str(&format!("{}{unit}", rest / ms));
            rest %= ms;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_like_prometheus() {
        for (text, ms, shown) in [
            ("5m", 300_000, "5m"),
            ("1h30m", 5_400_000, "1h30m"),
            ("90s", 90_000, "1m30s"),
            ("30d", 2_592_000_000, "30d"),
            ("28d", 2_419_200_000, "4w"),
            ("60d", 5_184_000_000, "60d"),
            ("84d", 7_257_600_000, "12w"),
            ("1y1d", 31_622_400_000, "366d"),
            ("0s", 0, "0s"),
            ("250ms", 250, "250ms"),
        ] {
            let d = parse_duration(text).unwrap();
            assert_eq!(d.millis(), ms, "{text}");
            assert_eq!(format_duration(d), shown);
        }
        for bad in ["", "5", "1.5h", "5M", "-5m", "30days", "1m1h", "5m5m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
