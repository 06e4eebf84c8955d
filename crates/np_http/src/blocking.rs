//! Blocking queries, as Nomad and Consul implement them: `?index=N&wait=D` holds the request until the
//! index passes N or D elapses (default 5 minutes, at most 10, plus up to wait/16 of jitter).

use std::time::Duration;

/// A blocking query's position and patience.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Blocking {
    /// Return once the index passes this value (0: answer now).
    pub index: u64,
    /// Wait at most this long (`None`: the server's default, 5 minutes).
    pub wait: Option<Duration>,
}

impl Blocking {
    /// The `index` and `wait` query parameters (none for a non-blocking read).
    pub fn params(&self) -> Vec<(String, String)> {
        if self.index == 0 {
            return Vec::new();
        }
        let mut params = vec![("index".to_owned(), self.index.to_string())];
        if let Some(wait) = self.wait {
            params.push(("wait".to_owned(), format!("{}ms", wait.as_millis())));
        }
        params
    }

    /// The time limit a blocking request needs: its wait, the server's jitter and a margin.
    pub fn timeout(&self) -> Option<Duration> {
        if self.index == 0 {
            return None;
        }
        let wait = self.wait.unwrap_or(Duration::from_secs(300));
        Some(wait + wait / 16 + Duration::from_secs(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_set_index_blocks() {
        assert!(Blocking::default().params().is_empty());
        assert_eq!(Blocking::default().timeout(), None);
        let b = Blocking {
            index: 42,
            wait: Some(Duration::from_secs(16)),
        };
        assert_eq!(
            b.params(),
            vec![
                ("index".into(), "42".into()),
                ("wait".into(), "16000ms".into())
            ]
        );
        assert_eq!(b.timeout(), Some(Duration::from_secs(16 + 1 + 10)));
    }
}
