//! The command-line client of the console's API: `np deploy`, `np status`, `np logs`, `np scale`, `np stop`.
//!
//! Errors print the console's own message (and each field error of a refused document); the exit status is 2
//! when the console refused the request (bad input, no permission), 1 when it could not be reached.

use std::io::Read;

use serde_json::Value;

use crate::cli::{AppArgs, ClientArgs, DeployArgs, LogsArgs, RenderFormat, ScaleArgs, StopArgs};

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The console answered with an error.
    #[error("{0}")]
    Refused(String),
    /// The console could not be reached, or the input could not be read.
    #[error("{0}")]
    Failed(String),
}

impl ClientError {
    /// The process exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Refused(_) => 2,
            Self::Failed(_) => 1,
        }
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    tenant: String,
}

impl Client {
    fn new(args: &ClientArgs) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(|e| ClientError::Failed(e.to_string()))?;
        Ok(Self {
            http,
            base: args.addr.trim_end_matches('/').to_owned(),
            token: args.token.clone(),
            tenant: args.tenant.clone(),
        })
    }

    fn url(&self, rest: &str) -> String {
        format!(
            "{}/api/v1/tenants/{}{rest}",
            self.base,
            percent(&self.tenant)
        )
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let response = request.bearer_auth(&self.token).send().await.map_err(|e| {
            ClientError::Failed(format!("cannot reach the console at {}: {e}", self.base))
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let mut message = body["error"]["message"]
            .as_str()
            .map_or_else(|| format!("the console answered {status}"), str::to_owned);
        if let Some(errors) = body["error"]["errors"].as_array() {
            for e in errors {
                message.push_str(&format!(
                    "\n  {}: {}",
                    e["field"].as_str().unwrap_or(""),
                    e["message"].as_str().unwrap_or("")
                ));
            }
        }
        Err(if status.is_server_error() {
            ClientError::Failed(message)
        } else {
            ClientError::Refused(message)
        })
    }

    async fn json(&self, request: reqwest::RequestBuilder) -> Result<Value, ClientError> {
        self.send(request)
            .await?
            .json()
            .await
            .map_err(|e| ClientError::Failed(format!("unexpected answer: {e}")))
    }
}

/// Percent-encodes a path segment or query value.
pub fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `np deploy`.
///
/// # Errors
/// As [`ClientError`].
pub async fn deploy(args: &DeployArgs) -> Result<String, ClientError> {
    let text = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| ClientError::Failed(format!("reading standard input: {e}")))?;
        text
    } else {
        std::fs::read_to_string(&args.file)
            .map_err(|e| ClientError::Failed(format!("reading {}: {e}", args.file.display())))?
    };
    let client = Client::new(&args.client)?;
    let mut query = Vec::new();
    if let Some(format) = args.format {
        query.push((
            "format",
            match format {
                RenderFormat::Spec => "spec",
                RenderFormat::NpYaml => "np-yaml",
                RenderFormat::Oam => "oam",
            }
            .to_owned(),
        ));
    }
    if let Some(app) = &args.app {
        query.push(("app", app.clone()));
    }
    let answer = client
        .json(
            client
                .http
                .post(client.url("/apps"))
                .query(&query)
                .header(reqwest::header::CONTENT_TYPE, "application/yaml")
                .body(text),
        )
        .await?;
    let mut out = String::new();
    for d in answer["deployed"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "deployed {} as job {} (evaluation {}, deploy {})\n",
            d["app"].as_str().unwrap_or(""),
            d["job_id"].as_str().unwrap_or(""),
            d["eval_id"].as_str().unwrap_or(""),
            d["deploy_id"].as_str().unwrap_or("")
        ));
        for url in d["urls"].as_array().into_iter().flatten() {
            out.push_str(&format!("  {}\n", url.as_str().unwrap_or("")));
        }
        for w in d["warnings"].as_array().into_iter().flatten() {
            out.push_str(&format!("  warning: {}\n", w.as_str().unwrap_or("")));
        }
    }
    Ok(out)
}

/// `np status`.
///
/// # Errors
/// As [`ClientError`].
pub async fn status(args: &AppArgs) -> Result<String, ClientError> {
    let client = Client::new(&args.client)?;
    let s = client
        .json(
            client
                .http
                .get(client.url(&format!("/apps/{}", percent(&args.app)))),
        )
        .await?;
    if args.json {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&s).unwrap_or_default()
        ));
    }
    let mut out = format!(
        "{} (job {}, version {}): {}, {}/{} running, {} pending, {} failed{}\n",
        s["app"].as_str().unwrap_or(""),
        s["job_id"].as_str().unwrap_or(""),
        s["version"],
        s["status"].as_str().unwrap_or(""),
        s["running"],
        s["desired"],
        s["pending"],
        s["failed"],
        s["deployment"]
            .as_str()
            .map(|d| format!(", deployment {d}"))
            .unwrap_or_default(),
    );
    for i in s["instances"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  {}  {:<10} v{}  {}\n",
            i["id"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(8)
                .collect::<String>(),
            i["status"].as_str().unwrap_or(""),
            i["version"],
            i["node"].as_str().unwrap_or("")
        ));
    }
    Ok(out)
}

/// `np logs`.
///
/// # Errors
/// As [`ClientError`].
pub async fn logs(args: &LogsArgs) -> Result<String, ClientError> {
    let client = Client::new(&args.client)?;
    let mut query = vec![
        (
            "stream",
            if args.stderr { "stderr" } else { "stdout" }.to_owned(),
        ),
        ("bytes", args.bytes.to_string()),
    ];
    if let Some(instance) = &args.instance {
        query.push(("instance", instance.clone()));
    }
    client
        .send(
            client
                .http
                .get(client.url(&format!("/apps/{}/logs", percent(&args.app))))
                .query(&query),
        )
        .await?
        .text()
        .await
        .map_err(|e| ClientError::Failed(e.to_string()))
}

/// `np scale`.
///
/// # Errors
/// As [`ClientError`].
pub async fn scale(args: &ScaleArgs) -> Result<String, ClientError> {
    let client = Client::new(&args.client)?;
    let answer = client
        .json(
            client
                .http
                .post(client.url(&format!("/apps/{}/scale", percent(&args.app))))
                .json(&serde_json::json!({"count": args.count})),
        )
        .await?;
    Ok(format!(
        "scaled {} to {} (evaluation {})\n",
        args.app,
        args.count,
        answer["eval_id"].as_str().unwrap_or("")
    ))
}

/// `np stop`.
///
/// # Errors
/// As [`ClientError`].
pub async fn stop(args: &StopArgs) -> Result<String, ClientError> {
    let client = Client::new(&args.client)?;
    let answer = client
        .json(
            client
                .http
                .post(client.url(&format!("/apps/{}/stop", percent(&args.app))))
                .json(&serde_json::json!({"purge": args.purge})),
        )
        .await?;
    Ok(format!(
        "{} {} (evaluation {})\n",
        if args.purge { "purged" } else { "stopped" },
        args.app,
        answer["eval_id"].as_str().unwrap_or("")
    ))
}
