//! Exact decimal numbers, so that objectives and thresholds print as written (`0.999`, never
//! `0.9990000000000001`).

use std::cmp::Ordering;
use std::fmt;

/// `digits / 10^scale`, always normalised (no trailing zero digits after the point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    digits: i128,
    scale: u32,
}

/// Digits kept when a division does not terminate (e.g. `0.1 * 28 / 3`).
const SIGNIFICANT_DIGITS: u32 = 6;
const MAX_SCALE: u32 = 24;

impl Decimal {
    pub const ZERO: Decimal = Decimal { digits: 0, scale: 0 };
    pub const ONE: Decimal = Decimal { digits: 1, scale: 0 };
    pub const HUNDRED: Decimal = Decimal { digits: 100, scale: 0 };

    pub fn from_int(value: i64) -> Self {
        Decimal { digits: i128::from(value), scale: 0 }
    }

    /// Parses `95`, `99.9`, `-0.5`, `.5`, `1e-3`. Returns `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (negative, mantissa) = match mantissa.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        if int.len() + frac.len() > 30 {
            return None;
        }
        let digits: i128 = format!("{int}{frac}").parse().ok()?;
        let mut scale = i32::try_from(frac.len()).ok()? - exponent;
        let mut digits = if negative { -digits } else { digits };
        while scale < 0 {
            digits = digits.checked_mul(10)?;
            scale += 1;
        }
        if scale > MAX_SCALE as i32 {
            return None;
        }
        Some(Decimal { digits, scale: scale as u32 }.normalized())
    }

    fn normalized(mut self) -> Self {
        while self.scale > 0 && self.digits % 10 == 0 {
            self.digits /= 10;
            self.scale -= 1;
        }
        if self.digits == 0 {
            self.scale = 0;
        }
        self
    }

    fn aligned(self, other: Decimal) -> (i128, i128, u32) {
        let scale = self.scale.max(other.scale);
        let a = self.digits * 10i128.pow(scale - self.scale);
        let b = other.digits * 10i128.pow(scale - other.scale);
        (a, b, scale)
    }

    fn difference(self, other: Decimal) -> Decimal {
        let (a, b, scale) = self.aligned(other);
        Decimal { digits: a - b, scale }.normalized()
    }

    fn sum(self, other: Decimal) -> Decimal {
        let (a, b, scale) = self.aligned(other);
        Decimal { digits: a + b, scale }.normalized()
    }

    fn product(self, other: Decimal) -> Decimal {
        let mut d = Decimal { digits: self.digits * other.digits, scale: self.scale + other.scale };
        while d.scale > MAX_SCALE {
            d.digits /= 10;
            d.scale -= 1;
        }
        d.normalized()
    }

    /// `self × numerator / denominator`: exact when the quotient terminates within 24 decimal
    /// places, else rounded to 6 significant digits.
    pub fn mul_ratio(self, numerator: u64, denominator: u64) -> Decimal {
        assert!(denominator > 0, "denominator must be positive");
        let product = self.digits * i128::from(numerator);
        let den = i128::from(denominator);
        let mut scale = self.scale;
        let mut value = product;
        while value % den != 0 && scale < MAX_SCALE {
            value *= 10;
            scale += 1;
        }
        if value % den == 0 {
            return Decimal { digits: value / den, scale }.normalized();
        }
        let quotient = Decimal { digits: (value * 10 / den + 5 * value.signum()) / 10, scale };
        quotient.round_significant(SIGNIFICANT_DIGITS)
    }

    fn round_significant(self, keep: u32) -> Decimal {
        let len = self.digits.unsigned_abs().to_string().len() as u32;
        if len <= keep {
            return self.normalized();
        }
        let drop = (len - keep).min(self.scale);
        let divisor = 10i128.pow(drop);
        let half = divisor / 2 * self.digits.signum();
        Decimal { digits: (self.digits + half) / divisor, scale: self.scale - drop }.normalized()
    }

    pub fn is_positive(self) -> bool {
        self.digits > 0
    }

    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }
}

impl std::ops::Add for Decimal {
    type Output = Decimal;
    fn add(self, other: Decimal) -> Decimal {
        self.sum(other)
    }
}

impl std::ops::Sub for Decimal {
    type Output = Decimal;
    fn sub(self, other: Decimal) -> Decimal {
        self.difference(other)
    }
}

impl std::ops::Mul for Decimal {
    type Output = Decimal;
    fn mul(self, other: Decimal) -> Decimal {
        self.product(other)
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b, _) = self.aligned(*other);
        a.cmp(&b)
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.digits < 0 { "-" } else { "" };
        let abs = self.digits.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{abs}");
        }
        let padded = format!("{abs:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!((Decimal::HUNDRED - d("99.9")).to_string(), "0.1");
        assert_eq!((d("14.4") * d("0.001")).to_string(), "0.0144");
        assert_eq!(d("0.02").mul_ratio(720, 1).to_string(), "14.4");
        assert_eq!(d("0.1").mul_ratio(28, 3).to_string(), "0.933333");
        assert_eq!(d("0.05").mul_ratio(28 * 24, 6).to_string(), "5.6");
        assert_eq!(d("1e-3").to_string(), "0.001");
        assert_eq!(d("99.90").to_string(), "99.9");
        assert!(d("0.5") < d("0.75"));
        assert!(Decimal::parse("abc").is_none() && Decimal::parse("1.2.3").is_none() && Decimal::parse("").is_none());
    }
}
