//! How to reach a server: the URL's companions shared by `check`, `status` and `report`
//! (headers, credentials, TLS, bounds).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use sloc_client::{Client, ClientConfig, Secret};

use crate::files::io_reason;

#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// An HTTP header for every request, such as `X-Scope-OrgID: team` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// A file holding a bearer token.
    #[arg(long, value_name = "FILE", conflicts_with = "bearer_token_env")]
    bearer_token_file: Option<PathBuf>,
    /// An environment variable holding a bearer token.
    #[arg(long, value_name = "VAR")]
    bearer_token_env: Option<String>,
    /// Basic-auth user; the password comes from --password-file or $SLOC_PASSWORD.
    #[arg(long, value_name = "USER")]
    basic_auth: Option<String>,
    /// A file holding the basic-auth password.
    #[arg(long, value_name = "FILE", requires = "basic_auth")]
    password_file: Option<PathBuf>,
    /// PEM certificates of the CAs to trust, besides the system's.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Do not verify the server's TLS certificate.
    #[arg(long)]
    insecure: bool,
    /// The bound of each call to the server, retries included.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    timeout: Duration,
    /// The largest answer read from the server, in MiB, counted after decompression.
    #[arg(long, value_name = "MIB", default_value_t = sloc_client::DEFAULT_MAX_RESPONSE_BYTES / (1024 * 1024))]
    max_response_size: u64,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let d = sloc_promql::parse_duration(text)?;
    if d.is_zero() {
        return Err("the timeout must be longer than 0".into());
    }
    Ok(Duration::from_millis(d.millis()))
}

impl ConnectionArgs {
    /// A client for the server at `url`.
    pub fn client(&self, url: &str) -> Result<Client, String> {
        self.client_with_headers(url, &[])
    }

    /// A client for the server at `url` that also sends `headers` (a tenant's
    /// `X-Scope-OrgID`, treated as a secret as every header is).
    pub fn client_with_headers(&self, url: &str, headers: &[(&str, String)]) -> Result<Client, String> {
        let mut config = self.config(url)?;
        config.headers.extend(headers.iter().map(|(name, value)| (name.to_string(), Secret::new(value.as_str()))));
        Client::new(config).map_err(|e| e.to_string())
    }

    fn config(&self, url: &str) -> Result<ClientConfig, String> {
        let mut config = ClientConfig::new(url.to_string());
        for header in &self.headers {
            let Some((name, value)) = header.split_once(':') else {
                // Never echo the argument: it may be a token written without its colon.
                return Err(
                    "--header: expected `Name: value`, with a colon after the name (the value is not shown)".into()
                );
            };
            config.headers.push((name.trim().to_string(), Secret::new(value.trim())));
        }
        let read_secret = |path: &PathBuf, what: &str| -> Result<Secret, String> {
            std::fs::read_to_string(path)
                .map(|t| Secret::new(t.trim()))
                .map_err(|e| format!("cannot read the {what} file {}: {}", crate::shown(path), io_reason(&e)))
        };
        if let Some(path) = &self.bearer_token_file {
            config.bearer_token = Some(read_secret(path, "bearer token")?);
        }
        if let Some(var) = &self.bearer_token_env {
            let value = std::env::var(var).map_err(|_| format!("--bearer-token-env: ${var} is not set"))?;
            config.bearer_token = Some(Secret::new(value.trim()));
        }
        if let Some(user) = &self.basic_auth {
            let password = match &self.password_file {
                Some(path) => read_secret(path, "password")?,
                None => Secret::new(
                    std::env::var("SLOC_PASSWORD")
                        .map_err(|_| "--basic-auth needs --password-file or $SLOC_PASSWORD".to_string())?,
                ),
            };
            config.basic_auth = Some((user.clone(), password));
        }
        if let Some(path) = &self.ca_file {
            config.ca_certificate = Some(
                std::fs::read(path).map_err(|e| format!("cannot read {}: {}", crate::shown(path), io_reason(&e)))?,
            );
        }
        config.insecure = self.insecure;
        config.timeout = self.timeout;
        config.max_response_bytes = self.max_response_size.saturating_mul(1024 * 1024);
        Ok(config)
    }
}
