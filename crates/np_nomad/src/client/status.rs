//! `/v1/status`: who leads the cluster.

use np_http::Method;

use crate::{Error, Nomad};

/// The status endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Status<'a> {
    pub(crate) client: &'a Nomad,
}

impl Status<'_> {
    /// The RPC address of the current leader, or `None` while the cluster has none.
    ///
    /// # Errors
    /// When Nomad cannot be reached or answers with an error.
    pub async fn leader(&self) -> Result<Option<String>, Error> {
        let mut request = self
            .client
            .http
            .request(Method::GET, &["v1", "status", "leader"]);
        if let Some(region) = &self.client.region {
            request = request.query(&[("region", region)]);
        }
        let reply = self.client.http.json::<String>(request).await?;
        Ok(Some(reply.value).filter(|leader| !leader.is_empty()))
    }
}
