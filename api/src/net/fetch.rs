//! Fetching a file from another server: through the SSRF guard, with a
//! time limit, a few redirects (each checked), and a bound on the bytes.

use std::time::Duration;

use reqwest::redirect::{Attempt, Policy};

use super::guard::{self, GuardedResolver};

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 5;

/// A guarded HTTP client for files.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    allow_private: bool,
    /// The switch that allows private addresses, named in refusals.
    setting: &'static str,
    timeout: Duration,
}

/// A file fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    /// Where it was found, after redirects.
    pub url: String,
}

impl Fetcher {
    /// A client; `setting` names the switch behind `allow_private`.
    pub fn new(
        user_agent: &str,
        timeout: Duration,
        allow_private: bool,
        setting: &'static str,
    ) -> anyhow::Result<Self> {
        let redirects = Policy::custom(move |attempt: Attempt<'_>| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            if !matches!(attempt.url().scheme(), "http" | "https") {
                return attempt.error("a redirect to another scheme than http or https");
            }
            match guard::literal_refused(attempt.url().as_str(), allow_private) {
                Some(why) => attempt.error(format!("a redirect {why}")),
                None => attempt.follow(),
            }
        });
        let client = reqwest::Client::builder()
            .redirect(redirects)
            // A proxy would resolve names itself, past the guard.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .dns_resolver(GuardedResolver { allow_private }.shared())
            .user_agent(user_agent)
            .build()?;
        Ok(Self {
            client,
            allow_private,
            setting,
            timeout,
        })
    }

    /// The file at `url`, at most `max_bytes` long; the error says why not,
    /// for a report.
    pub async fn get(&self, url: &str, max_bytes: usize) -> Result<Fetched, String> {
        guard::check_url(url, self.allow_private, self.setting).await?;
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|err| super::describe(&err, self.timeout))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered {status}"));
        }
        let too_large = || format!("is larger than {max_bytes} bytes");
        let announced = response.content_length().unwrap_or(0);
        if usize::try_from(announced).map_or(true, |n| n > max_bytes) {
            return Err(too_large());
        }
        let found = response.url().to_string();
        let mut bytes = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| super::describe(&err, self.timeout))?
        {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched { bytes, url: found })
    }
}
