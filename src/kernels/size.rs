//! Reading a workload size typed by a person, and the limits it must respect.
//!
//! People who know Python write `10_000_000` or `1e7`; both are accepted, as are `10,000,000`
//! and `10 000 000`. Anything else gets a message that says what was expected.

use std::fmt;

use crate::quote::quoted;

/// The sizes a workload accepts and the one it starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub min: u64,
    pub max: u64,
    pub default: u64,
}

impl Limits {
    pub fn check(&self, size: u64) -> Result<u64, SizeError> {
        if size < self.min {
            Err(SizeError::TooSmall { min: self.min })
        } else if size > self.max {
            Err(SizeError::TooLarge { max: self.max })
        } else {
            Ok(size)
        }
    }

    /// Parses `text` and checks it against these limits. A number too large for any size
    /// names these limits' maximum, not the largest number a u64 holds.
    pub fn parse(&self, text: &str) -> Result<u64, SizeError> {
        match parse_whole_number(text) {
            Err(SizeError::TooLarge { .. }) => Err(SizeError::TooLarge { max: self.max }),
            parsed => self.check(parsed?),
        }
    }
}

/// Why a size was refused. `Display` gives the message shown beside the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeError {
    Empty,
    NotANumber(String),
    NotWhole(String),
    TooSmall { min: u64 },
    TooLarge { max: u64 },
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::Empty => write!(f, "Enter a size, for example 100_000_000."),
            SizeError::NotANumber(text) => write!(
                f,
                "{} is not a number: write digits (100_000_000) or 1e8.",
                quoted(text)
            ),
            SizeError::NotWhole(text) => write!(f, "{} is not a whole number.", quoted(text)),
            SizeError::TooSmall { min } => write!(f, "The size must be at least {}.", group(*min)),
            SizeError::TooLarge { max } => write!(f, "The size must be at most {}.", group(*max)),
        }
    }
}

impl std::error::Error for SizeError {}

/// Formats `n` with `_` between groups of three digits, as Python writes big literals.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(ch);
    }
    out
}

/// Parses a non-negative whole number written with optional digit separators or in `1e8` form.
pub fn parse_whole_number(text: &str) -> Result<u64, SizeError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(SizeError::Empty);
    }
    let compact: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '_' | ',' | ' '))
        .collect();
    if let Ok(n) = compact.parse::<u64>() {
        return Ok(n);
    }
    let too_large = || SizeError::TooLarge { max: u64::MAX };
    if compact.chars().all(|c| c.is_ascii_digit()) {
        return Err(too_large());
    }
    // Scientific notation: only mantissa digits and a small exponent, so the value is exact.
    let not_a_number = || SizeError::NotANumber(trimmed.to_string());
    let (mantissa, exponent) = compact.split_once(['e', 'E']).ok_or_else(not_a_number)?;
    let exponent: u32 = exponent.parse().map_err(|_| not_a_number())?;
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(not_a_number());
    }
    let fraction = fraction.trim_end_matches('0');
    let shift = exponent
        .checked_sub(fraction.len() as u32)
        .ok_or_else(|| SizeError::NotWhole(trimmed.to_string()))?;
    let digits: u64 = format!("{whole}{fraction}")
        .parse()
        .map_err(|_| too_large())?;
    10u64
        .checked_pow(shift)
        .and_then(|scale| digits.checked_mul(scale))
        .ok_or_else(too_large)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        min: 1_000,
        max: 1_000_000,
        default: 10_000,
    };

    #[test]
    fn accepts_the_ways_people_write_numbers() {
        assert_eq!(parse_whole_number("1234"), Ok(1234));
        assert_eq!(parse_whole_number(" 10_000_000 "), Ok(10_000_000));
        assert_eq!(parse_whole_number("10,000,000"), Ok(10_000_000));
        assert_eq!(parse_whole_number("10 000 000"), Ok(10_000_000));
        assert_eq!(parse_whole_number("1e8"), Ok(100_000_000));
        assert_eq!(parse_whole_number("2.5E3"), Ok(2_500));
        assert_eq!(parse_whole_number("1.50e2"), Ok(150));
    }

    #[test]
    fn refuses_what_is_not_a_whole_number() {
        assert_eq!(parse_whole_number(""), Err(SizeError::Empty));
        assert_eq!(parse_whole_number("   "), Err(SizeError::Empty));
        assert!(matches!(
            parse_whole_number("ten"),
            Err(SizeError::NotANumber(_))
        ));
        assert!(matches!(
            parse_whole_number("-5"),
            Err(SizeError::NotANumber(_))
        ));
        assert!(matches!(
            parse_whole_number("1e"),
            Err(SizeError::NotANumber(_))
        ));
        assert!(matches!(
            parse_whole_number("e5"),
            Err(SizeError::NotANumber(_))
        ));
        assert!(matches!(
            parse_whole_number("1.5"),
            Err(SizeError::NotANumber(_))
        ));
        assert!(matches!(
            parse_whole_number("1.25e1"),
            Err(SizeError::NotWhole(_))
        ));
        assert!(matches!(
            parse_whole_number("1e30"),
            Err(SizeError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_whole_number("99999999999999999999999"),
            Err(SizeError::TooLarge { .. }) | Err(SizeError::NotANumber(_))
        ));
    }

    #[test]
    fn limits_name_the_bound_that_was_broken() {
        assert_eq!(LIMITS.parse("5e4"), Ok(50_000));
        assert_eq!(LIMITS.parse("999"), Err(SizeError::TooSmall { min: 1_000 }));
        assert_eq!(
            LIMITS.parse("2e6"),
            Err(SizeError::TooLarge { max: 1_000_000 })
        );
        assert_eq!(
            LIMITS.parse("2e6").unwrap_err().to_string(),
            "The size must be at most 1_000_000."
        );
        // Beyond what any number here holds: still these limits' maximum.
        for huge in ["1e20", "99999999999999999999999"] {
            assert_eq!(
                LIMITS.parse(huge),
                Err(SizeError::TooLarge { max: 1_000_000 })
            );
        }
    }

    #[test]
    fn groups_digits_like_python_literals() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1_000");
        assert_eq!(group(20_000_000_000), "20_000_000_000");
    }
}
