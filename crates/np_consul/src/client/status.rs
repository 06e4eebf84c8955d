//! `/v1/status`: who leads the cluster.

use np_http::Method;

use crate::{Consul, Error};

/// The status endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Status<'a> {
    pub(crate) client: &'a Consul,
}

impl Status<'_> {
    /// The Raft address of the current leader, or `None` while the cluster has none.
    ///
    /// # Errors
    /// When Consul cannot be reached or answers with an error.
    pub async fn leader(&self) -> Result<Option<String>, Error> {
        let request = self
            .client
            .http
            .request(Method::GET, &["v1", "status", "leader"]);
        let reply = self.client.http.json::<String>(request).await?;
        Ok(Some(reply.value).filter(|leader| !leader.is_empty()))
    }
}
