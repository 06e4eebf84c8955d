//! Durations in specs: whole seconds, written as `30`, `"30s"`, `"5m"` or `"1h30m"`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Seconds(pub u32);

impl Seconds {
    /// In nanoseconds, as Nomad's JSON carries durations.
    pub fn nanos(self) -> i64 {
        i64::from(self.0) * 1_000_000_000
    }

    /// Parses `30`, `30s`, `5m`, `2h`, `1h30m` (whole seconds only).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(plain) = text.parse::<u32>() {
            return Ok(Self(plain));
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        let mut seen_unit = false;
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let factor = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => {
                    return Err(format!(
                        "{text:?} is not a duration (use seconds, or a form like 30s, 5m or 1h30m)"
                    ));
                }
            };
            let value: u64 = digits.parse().map_err(|_| {
                format!("{text:?} is not a duration (a number must come before {c:?})")
            })?;
            total = total.saturating_add(value.saturating_mul(factor));
            digits.clear();
            seen_unit = true;
        }
        if !digits.is_empty() || !seen_unit {
            return Err(format!(
                "{text:?} is not a duration (end it with a unit: s, m, h or d)"
            ));
        }
        u32::try_from(total)
            .map(Self)
            .map_err(|_| format!("{text:?} is too long"))
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, (self.0 % 3600) / 60, self.0 % 60);
        let mut out = String::new();
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        if s > 0 || out.is_empty() {
            out.push_str(&format!("{s}s"));
        }
        f.write_str(&out)
    }
}

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u32),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(n) => Ok(Self(n)),
            Raw::Text(text) => Self::parse(&text).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print_back() {
        for (text, secs) in [
            ("30", 30),
            ("30s", 30),
            ("5m", 300),
            ("1h30m", 5400),
            ("2d", 172_800),
            ("1m5s", 65),
        ] {
            assert_eq!(Seconds::parse(text), Ok(Seconds(secs)), "{text}");
            assert_eq!(
                Seconds::parse(&Seconds(secs).to_string()),
                Ok(Seconds(secs))
            );
        }
        for bad in ["", "5x", "m", "10s5", "-1s", "1.5s", "99999999999s"] {
            assert!(Seconds::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Seconds(0).to_string(), "0s");
        assert_eq!(Seconds(90).nanos(), 90_000_000_000);
    }

    #[test]
    fn numbers_and_strings_deserialize() {
        let from_number: Seconds = serde_json::from_str("45").unwrap();
        let from_text: Seconds = serde_json::from_str("\"45s\"").unwrap();
        assert_eq!(from_number, from_text);
        assert!(serde_json::from_str::<Seconds>("\"soon\"").is_err());
    }
}
