//! Calendar dates in UTC, as far as reports need them: parsing `2026-10`, `2026-10-01` and RFC
//! 3339 times, and writing them back.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number: (year, month, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let next = if m == 12 { days_from_civil(y + 1, 1, 1) } else { days_from_civil(y, m + 1, 1) };
    next - days_from_civil(y, m, 1)
}

fn date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (number(parts.next()?, 4)?, number(parts.next()?, 2)?, number(parts.next()?, 2)?);
    if parts.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// A month `2026-10`: its first second and the first second of the next month.
pub fn parse_month(text: &str) -> Result<(i64, i64), String> {
    let bad = || format!("`{text}` is not a month: expected YYYY-MM, such as 2026-10");
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    let (y, m) = (number(y, 4).ok_or_else(bad)?, number(m, 2).ok_or_else(bad)?);
    if !(1..=12).contains(&m) {
        return Err(bad());
    }
    let start = days_from_civil(y, m, 1) * 86_400;
    Ok((start, start + days_in_month(y, m) * 86_400))
}

/// `2026-10-01` (midnight UTC), `2026-10-01T12:30:00Z` or with an offset (`+02:00`), or a Unix
/// time in seconds: Unix seconds.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "`{text}` is not a time: expected a date (2026-10-01), an RFC 3339 time (2026-10-01T00:00:00Z) or Unix seconds"
        )
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    let Some((day, clock)) = text.split_once(['T', 't', ' ']) else {
        return date(text).map(|d| d * 86_400).ok_or_else(bad);
    };
    let day = date(day).ok_or_else(bad)?;
    let (clock, offset) = if let Some(c) = clock.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let at = clock.rfind(['+', '-']).ok_or_else(bad)?;
        let (c, o) = clock.split_at(at);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (h, m) = o[1..].split_once(':').ok_or_else(bad)?;
        (c, sign * (number(h, 2).ok_or_else(bad)? * 3600 + number(m, 2).ok_or_else(bad)? * 60))
    };
    let clock = clock.split('.').next().unwrap_or_default();
    let mut hms = clock.split(':');
    let h = number(hms.next().ok_or_else(bad)?, 2).ok_or_else(bad)?;
    let m = number(hms.next().ok_or_else(bad)?, 2).ok_or_else(bad)?;
    let s = hms.next().map_or(Some(0), |s| number(s, 2)).ok_or_else(bad)?;
    if h > 23 || m > 59 || s > 60 || hms.next().is_some() {
        return Err(bad());
    }
    Ok(day * 86_400 + h * 3600 + m * 60 + s - offset)
}

/// `2026-10-01T12:30:00Z`.
pub fn format_time(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// `2026-10-01`.
pub fn format_date(t: i64) -> String {
    format_time(t)[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_time("1970-01-01").unwrap(), 0);
        assert_eq!(parse_time("2026-10-01T00:00:00Z").unwrap(), 1_790_812_800);
        assert_eq!(parse_time("2026-10-01T02:00:00+02:00").unwrap(), 1_790_812_800);
        assert_eq!(parse_time("2026-10-01T00:00:00.250Z").unwrap(), 1_790_812_800);
        assert_eq!(parse_time("1790812800").unwrap(), 1_790_812_800);
        assert_eq!(format_time(1_790_812_800), "2026-10-01T00:00:00Z");
        assert_eq!(parse_month("2026-10").unwrap(), (1_790_812_800, 1_790_812_800 + 31 * 86_400));
        assert_eq!(parse_month("2028-02").map(|(a, b)| (b - a) / 86_400).unwrap(), 29);
        for bad in ["2026-13-01", "2026-02-30", "yesterday", "2026-10-01T25:00:00Z", "2026-1"] {
            assert!(parse_time(bad).is_err() && parse_month(bad).is_err(), "{bad}");
        }
    }
}
