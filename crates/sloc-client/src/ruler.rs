//! A Mimir, Cortex or Loki ruler's configuration API, as Grafana Mimir's "HTTP API" reference
//! documents it (docs/sources/mimir/references/http-api/index.md, "Ruler"):
//!
//! - `GET <prefix>/config/v1/rules` lists the tenant's rule groups as YAML, a mapping from
//!   namespace to its groups; `GET <prefix>/config/v1/rules/{namespace}` one namespace's;
//! - `POST <prefix>/config/v1/rules/{namespace}` creates or replaces one group, sent as
//!   `Content-Type: application/yaml`, and answers `202`;
//! - `DELETE <prefix>/config/v1/rules/{namespace}/{groupName}` and `DELETE
//!   <prefix>/config/v1/rules/{namespace}` answer `202`;
//! - the tenant is the `X-Scope-OrgID` header (a header of the client's configuration).
//!
//! A tenant without rule groups is answered `404` with a message that says so (Cortex's and
//! Mimir's "no rule groups found"), which is an empty list here; any other 404 means the API
//! is not there (the ruler is disabled, or the prefix is wrong).

use crate::{Client, ClientError, sanitize};

/// The ruler's configuration API at `rules`, the path of its rules collection.
pub struct Ruler<'c> {
    client: &'c Client,
    rules: String,
}

impl Client {
    /// The ruler API under `prefix`: the rules collection's path itself when it ends in
    /// `/rules` (Cortex's `/api/v1/rules`, Loki's `/loki/api/v1/rules`), else the prefix of
    /// `<prefix>/config/v1/rules` (Mimir's `/prometheus`).
    pub fn ruler(&self, prefix: &str) -> Ruler<'_> {
        let prefix = prefix.trim_end_matches('/');
        let rules = if prefix.ends_with("/rules") { prefix.to_string() } else { format!("{prefix}/config/v1/rules") };
        Ruler { client: self, rules }
    }
}

/// A path segment percent-encoded but for RFC 3986's unreserved characters: namespaces and
/// group names may hold spaces, slashes or anything else.
pub fn escape_path_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Ruler<'_> {
    fn path(&self, namespace: Option<&str>, group: Option<&str>) -> String {
        let mut path = self.rules.clone();
        for segment in [namespace, group].into_iter().flatten() {
            path.push('/');
            path.push_str(&escape_path_segment(segment));
        }
        path
    }

    /// The rule groups as the ruler's YAML (namespace → groups), of every namespace or of one;
    /// empty when the tenant has none.
    pub fn groups(&self, namespace: Option<&str>) -> Result<String, ClientError> {
        let path = self.path(namespace, None);
        match self.client.request(reqwest::Method::GET, &path, &[], None)? {
            (200, body) => Ok(body),
            (404, body) if body.to_lowercase().contains("no rule group") => Ok(String::new()),
            (404, _) => Err(ClientError::NotFound { url: self.client.url(&path) }),
            (status, body) => Err(self.refused(&path, status, &body)),
        }
    }

    /// Creates or replaces one group of `namespace` (its YAML: `name:`, `rules:`...).
    pub fn set_group(&self, namespace: &str, group_yaml: &str) -> Result<(), ClientError> {
        let path = self.path(Some(namespace), None);
        let answer = self.client.request(
            reqwest::Method::POST,
            &path,
            &[],
            Some(("application/yaml", group_yaml.to_string())),
        )?;
        self.accepted(&path, answer)
    }

    pub fn delete_group(&self, namespace: &str, group: &str) -> Result<(), ClientError> {
        let path = self.path(Some(namespace), Some(group));
        let answer = self.client.request(reqwest::Method::DELETE, &path, &[], None)?;
        self.accepted(&path, answer)
    }

    pub fn delete_namespace(&self, namespace: &str) -> Result<(), ClientError> {
        let path = self.path(Some(namespace), None);
        let answer = self.client.request(reqwest::Method::DELETE, &path, &[], None)?;
        self.accepted(&path, answer)
    }

    fn accepted(&self, path: &str, (status, body): (u16, String)) -> Result<(), ClientError> {
        match status {
            200..=299 => Ok(()),
            404 => Err(ClientError::NotFound { url: self.client.url(path) }),
            _ => Err(self.refused(path, status, &body)),
        }
    }

    /// The ruler's own words (a 400's reason), escaped and cut short: they are printed.
    fn refused(&self, path: &str, status: u16, body: &str) -> ClientError {
        let message = sanitize(&self.client.secrets.scrub(body.trim()), 300);
        ClientError::Server { url: self.client.url(path), status, message }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(super::escape_path_segment("oneflow"), "oneflow");
        assert_eq!(super::escape_path_segment("a b/c?d%"), "a%20b%2Fc%3Fd%25");
        assert_eq!(super::escape_path_segment("é"), "%C3%A9");
    }
}
