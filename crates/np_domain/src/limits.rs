//! Fair use: how fast one tenant may submit deploys (a token bucket per tenant) and how many live streams
//! (app watches, log tails) one person or token may hold open at once. Both are per console process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::DomainError;
use crate::authz::{Caller, Principal};

/// The limits, from the configuration (`NP_DEPLOYS_PER_MINUTE`, `NP_STREAMS_PER_USER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Deploy submissions one tenant may make per minute, and in one burst; 0 for no limit.
    pub deploys_per_minute: u32,
    /// Live streams one person or token may hold open at once; 0 for no limit.
    pub streams_per_user: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            deploys_per_minute: 60,
            streams_per_user: 10,
        }
    }
}

/// A tenant's deploy allowance: `tokens` left at `at`, refilled continuously up to the per-minute limit.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The limits and what is being counted against them.
#[derive(Debug, Default)]
pub struct Limits {
    settings: LimitSettings,
    buckets: Mutex<HashMap<String, Bucket>>,
    streams: Arc<Mutex<HashMap<String, usize>>>,
}

/// One open stream, counted against its holder until dropped.
#[derive(Debug)]
pub struct StreamPermit {
    streams: Arc<Mutex<HashMap<String, usize>>>,
    holder: Option<String>,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let Some(holder) = self.holder.take() else {
            return;
        };
        let mut streams = lock(&self.streams);
        if let Some(n) = streams.get_mut(&holder) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                streams.remove(&holder);
            }
        }
    }
}

/// Whom `caller`'s streams are counted against: a person or a token; the console's own maintenance is not.
fn holder(caller: &Caller) -> Option<String> {
    match caller.principal {
        Principal::User { user_id, .. } => Some(format!("user:{user_id}")),
        Principal::Token { token_id } => Some(format!("token:{token_id}")),
        Principal::System => None,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Limits {
    /// Limits as configured.
    pub fn new(settings: LimitSettings) -> Arc<Self> {
        Arc::new(Self {
            settings,
            ..Self::default()
        })
    }

    /// The configured limits.
    pub fn settings(&self) -> LimitSettings {
        self.settings
    }

    /// Takes one deploy submission from `tenant`'s allowance.
    ///
    /// # Errors
    /// `TooMany`, with when the next one will be allowed, once the tenant has used its minute's worth.
    pub fn take_deploy(&self, tenant: &str) -> Result<(), DomainError> {
        self.take_deploy_at(tenant, Instant::now())
    }

    fn take_deploy_at(&self, tenant: &str, now: Instant) -> Result<(), DomainError> {
        let per_minute = self.settings.deploys_per_minute;
        if per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = lock(&self.buckets);
        // Forget tenants whose allowance is whole again, so the map holds only the recently busy.
        if buckets.len() > 1024 {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(tenant.to_owned()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refilled).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / per_second);
        let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Err(DomainError::TooMany {
            message: format!(
                "tenant {tenant} has submitted {per_minute} deploys in the last minute, its limit; \
                 try again in {retry_after} s"
            ),
            retry_after,
        })
    }

    /// Counts a stream `caller` opens; the permit gives it back when dropped (the console's own maintenance
    /// is not counted).
    ///
    /// # Errors
    /// `TooMany` when the caller already holds as many streams as allowed.
    pub fn open_stream(&self, caller: &Caller) -> Result<StreamPermit, DomainError> {
        let Some(holder) = holder(caller) else {
            return Ok(StreamPermit {
                streams: Arc::clone(&self.streams),
                holder: None,
            });
        };
        let cap = self.settings.streams_per_user;
        let mut streams = lock(&self.streams);
        let open = streams.entry(holder.clone()).or_default();
        if cap > 0 && *open >= cap {
            return Err(DomainError::TooMany {
                message: format!(
                    "you have {cap} live views open (app progress, log tails), the most allowed; \
                     close some tabs and try again"
                ),
                retry_after: 15,
            });
        }
        *open += 1;
        Ok(StreamPermit {
            streams: Arc::clone(&self.streams),
            holder: Some(holder),
        })
    }

    /// Streams open now, everyone's.
    pub fn open_streams(&self) -> usize {
        lock(&self.streams).values().sum()
    }

    /// Streams `caller` holds open now.
    pub fn streams_of(&self, caller: &Caller) -> usize {
        holder(caller).map_or(0, |h| lock(&self.streams).get(&h).copied().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn refused_for(result: Result<(), DomainError>) -> u64 {
        match result {
            Err(DomainError::TooMany { retry_after, .. }) => retry_after,
            other => panic!("expected TooMany, got {other:?}"),
        }
    }

    #[test]
    fn a_tenant_gets_its_minute_in_a_burst_then_one_deploy_per_refill() {
        let limits = Limits::new(LimitSettings {
            deploys_per_minute: 6,
            streams_per_user: 0,
        });
        let t0 = Instant::now();
        for _ in 0..6 {
            limits.take_deploy_at("acme", t0).unwrap();
        }
        // The seventh waits for a token: one every 10 s at 6 a minute.
        assert_eq!(refused_for(limits.take_deploy_at("acme", t0)), 10);
        assert_eq!(
            refused_for(limits.take_deploy_at("acme", t0 + Duration::from_secs(4))),
            6
        );
        // Another tenant is not affected.
        limits.take_deploy_at("globex", t0).unwrap();
        // After 10 s one more is allowed, and only one.
        let t1 = t0 + Duration::from_secs(10);
        limits.take_deploy_at("acme", t1).unwrap();
        assert!(limits.take_deploy_at("acme", t1).is_err());
        // A quiet minute refills the bucket, never beyond the burst.
        let t2 = t1 + Duration::from_secs(600);
        for _ in 0..6 {
            limits.take_deploy_at("acme", t2).unwrap();
        }
        assert!(limits.take_deploy_at("acme", t2).is_err());
    }

    #[test]
    fn the_refusal_says_when_to_come_back() {
        let limits = Limits::new(LimitSettings {
            deploys_per_minute: 1,
            streams_per_user: 0,
        });
        let t0 = Instant::now();
        limits.take_deploy_at("acme", t0).unwrap();
        let err = limits.take_deploy_at("acme", t0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "tenant acme has submitted 1 deploys in the last minute, its limit; try again in 60 s"
        );
    }

    #[test]
    fn zero_means_no_limit() {
        let limits = Limits::new(LimitSettings {
            deploys_per_minute: 0,
            streams_per_user: 0,
        });
        let t0 = Instant::now();
        for _ in 0..10_000 {
            limits.take_deploy_at("acme", t0).unwrap();
        }
        let caller = Caller::system("test");
        let _permits: Vec<_> = (0..100)
            .map(|_| limits.open_stream(&caller).unwrap())
            .collect();
    }

    fn user(id: Uuid) -> Caller {
        Caller {
            principal: Principal::User {
                user_id: id,
                session_id: Uuid::new_v4(),
            },
            ..Caller::system("test")
        }
    }

    #[test]
    fn a_person_holds_at_most_the_cap_of_streams_and_gets_them_back_when_closed() {
        let limits = Limits::new(LimitSettings {
            deploys_per_minute: 0,
            streams_per_user: 3,
        });
        let (alice, bob) = (user(Uuid::new_v4()), user(Uuid::new_v4()));
        let mut held: Vec<_> = (0..3)
            .map(|_| limits.open_stream(&alice).unwrap())
            .collect();
        let err = limits.open_stream(&alice).unwrap_err();
        assert!(
            matches!(
                err,
                DomainError::TooMany {
                    retry_after: 15,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("3 live views"), "{err}");
        // Bob is counted on his own.
        let _bob = limits.open_stream(&bob).unwrap();
        assert_eq!(limits.streams_of(&alice), 3);
        held.pop();
        assert_eq!(limits.streams_of(&alice), 2);
        held.push(limits.open_stream(&alice).unwrap());
        drop(held);
        assert_eq!(limits.streams_of(&alice), 0);
        assert_eq!(limits.streams_of(&bob), 1);
    }
}
