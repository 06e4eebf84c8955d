//! Variables (`/v1/vars`, `/v1/var/:path`) with check-and-set.

use np_http::Method;

use super::{QueryMeta, QueryOptions, WriteOptions};
use crate::types::{Variable, VariableMetadata, is_valid_variable_path};
use crate::{Error, Nomad};

/// The variable endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Variables<'a> {
    pub(crate) client: &'a Nomad,
}

/// Why a variable write failed.
#[derive(Debug, thiserror::Error)]
pub enum VariableError {
    /// The check-and-set index did not match; this is the variable as it is now (`None`: it was deleted).
    #[error("the variable changed since it was read")]
    Conflict(Option<Box<Variable>>),
    /// The path is not one Nomad accepts (`^[a-zA-Z0-9-_~/]{1,128}$`).
    #[error("invalid variable path {0:?}")]
    InvalidPath(String),
    /// Any other failure.
    #[error(transparent)]
    Http(#[from] Error),
}

fn segments(path: &str) -> Result<Vec<&str>, VariableError> {
    if !is_valid_variable_path(path) || path.split('/').any(str::is_empty) {
        return Err(VariableError::InvalidPath(path.to_owned()));
    }
    Ok(["v1", "var"].into_iter().chain(path.split('/')).collect())
}

impl Variables<'_> {
    /// Lists variables under `query.prefix` (metadata only, never items).
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn list(
        &self,
        query: &QueryOptions,
    ) -> Result<(Vec<VariableMetadata>, QueryMeta), Error> {
        self.client.get(&["v1", "vars"], query).await
    }

    /// Reads a variable with its items; `None` when there is none.
    ///
    /// # Errors
    /// `InvalidPath`, transport and status errors.
    pub async fn read(
        &self,
        path: &str,
        query: &QueryOptions,
    ) -> Result<Option<Variable>, VariableError> {
        match self.client.get(&segments(path)?, query).await {
            Ok((variable, _)) => Ok(Some(variable)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes a variable. With `cas`, only if its `ModifyIndex` is `cas` (0: only if it does not exist).
    ///
    /// # Errors
    /// `Conflict` with the current variable when the check fails.
    pub async fn put(
        &self,
        variable: &Variable,
        cas: Option<u64>,
        options: &WriteOptions,
    ) -> Result<Variable, VariableError> {
        let extra: Vec<_> = cas
            .map(|index| ("cas", index.to_string()))
            .into_iter()
            .collect();
        let result = self
            .client
            .write(
                Method::PUT,
                &segments(&variable.path)?,
                Some(variable),
                &extra,
                options,
            )
            .await;
        match result {
            Ok((written, _)) => Ok(written),
            Err(Error::Status { status, body, .. }) if status.as_u16() == 409 => Err(
                VariableError::Conflict(serde_json::from_str::<Variable>(&body).ok().map(Box::new)),
            ),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a variable; with `cas`, only if its `ModifyIndex` is `cas`.
    ///
    /// # Errors
    /// `Conflict` when the check fails.
    pub async fn delete(
        &self,
        path: &str,
        cas: Option<u64>,
        options: &WriteOptions,
    ) -> Result<(), VariableError> {
        let extra: Vec<_> = cas
            .map(|index| ("cas", index.to_string()))
            .into_iter()
            .collect();
        let result: Result<(serde_json::Value, _), _> = self
            .client
            .write::<(), _>(Method::DELETE, &segments(path)?, None, &extra, options)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(Error::Status { status, body, .. }) if status.as_u16() == 409 => Err(
                VariableError::Conflict(serde_json::from_str::<Variable>(&body).ok().map(Box::new)),
            ),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_segments_and_bad_paths_are_refused() {
        assert_eq!(
            segments("nomad/jobs/web").unwrap(),
            ["v1", "var", "nomad", "jobs", "web"]
        );
        for bad in [
            "",
            "a//b",
            "/a",
            "a/../b",
            "x@other-ns",
            "sp ace",
            &"a".repeat(129),
        ] {
            assert!(
                matches!(segments(bad), Err(VariableError::InvalidPath(_))),
                "{bad}"
            );
        }
    }
}
