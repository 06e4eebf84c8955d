//! Kubernetes-style quantities, as OAM components give CPU and memory: `cpu: "0.5"` or `500m` (cores),
//! `memory: 512Mi`, `1Gi` or `512M`. Nomad counts CPU in MHz (1 core = 1000 MHz here) and memory in MiB.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// A quantity as written: text, or a plain number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quantity(pub String);

impl<'de> serde::Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as \"0.5\", \"500m\" or \"512Mi\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Splits `12.5Mi` into the decimal `12.5` as (integer, fraction digits) and the suffix.
fn split(text: &str) -> Option<(u128, u32, &str)> {
    let text = text.trim();
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') || fraction.len() > 6 {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let value: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    Some((value, u32::try_from(fraction.len()).ok()?, suffix))
}

/// CPU in MHz: `"0.5"` and `"500m"` are both 500.
pub(crate) fn cpu_mhz(q: &Quantity) -> Result<u32, String> {
    let err = || {
        format!(
            "\"{}\" is not a CPU quantity; write cores as \"0.5\" or \"2\", or millicores as \"500m\"",
            q.0
        )
    };
    let (value, scale, suffix) = split(&q.0).ok_or_else(err)?;
    let millicores = match suffix {
        "" => value * 1000 / 10u128.pow(scale),
        "m" if scale == 0 => value,
        _ => return Err(err()),
    };
    u32::try_from(millicores)
        .ok()
        .filter(|m| *m > 0)
        .ok_or_else(|| {
            format!(
                "\"{}\" must be more than 0 and at most 4000000 millicores",
                q.0
            )
        })
}

/// Memory in MiB, rounded up: `512Mi` is 512, `1Gi` is 1024, `512M` (decimal megabytes) is 489.
pub(crate) fn memory_mib(q: &Quantity) -> Result<u32, String> {
    let err = || {
        format!(
            "\"{}\" is not a memory quantity; write it as \"512Mi\", \"1Gi\" or \"512M\"",
            q.0
        )
    };
    let (value, scale, suffix) = split(&q.0).ok_or_else(err)?;
    let multiplier: u128 = match suffix {
        "" => 1,
        "k" => 1_000,
        "Ki" => 1 << 10,
        "M" => 1_000_000,
        "Mi" => 1 << 20,
        "G" => 1_000_000_000,
        "Gi" => 1 << 30,
        "T" => 1_000_000_000_000,
        "Ti" => 1 << 40,
        _ => return Err(err()),
    };
    let bytes = value * multiplier / 10u128.pow(scale);
    let mib = bytes.div_ceil(1 << 20);
    u32::try_from(mib)
        .ok()
        .filter(|m| *m > 0)
        .ok_or_else(|| format!("\"{}\" must be at least 1Mi", q.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity(s.into())
    }

    #[test]
    fn cpu_quantities() {
        assert_eq!(cpu_mhz(&q("0.5")), Ok(500));
        assert_eq!(cpu_mhz(&q("500m")), Ok(500));
        assert_eq!(cpu_mhz(&q("2")), Ok(2000));
        assert_eq!(cpu_mhz(&q("0.25")), Ok(250));
        assert!(cpu_mhz(&q("0")).is_err());
        assert!(cpu_mhz(&q("1.5m")).is_err());
        assert!(cpu_mhz(&q("half")).is_err());
        assert!(cpu_mhz(&q("1..2")).is_err());
        assert!(cpu_mhz(&q("99999999999999999999999")).is_err());
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(memory_mib(&q("512Mi")), Ok(512));
        assert_eq!(memory_mib(&q("1Gi")), Ok(1024));
        assert_eq!(memory_mib(&q("0.5Gi")), Ok(512));
        assert_eq!(memory_mib(&q("512M")), Ok(489));
        assert_eq!(memory_mib(&q("536870912")), Ok(512));
        assert!(memory_mib(&q("512MB")).is_err());
        assert!(memory_mib(&q("0Mi")).is_err());
        assert!(memory_mib(&q("lots")).is_err());
    }
}
