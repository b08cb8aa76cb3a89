//! [`SearchHandle`] (`client.search()`): one search box over everything,
//! answered from the device first and from the server when it can be.
//!
//! The device indexes what it has cached with the server's rules (see
//! `store::search`), so [`SearchHandle::local`] answers at once, online or
//! not. [`SearchHandle::query`] adds the server's answer below the local
//! hits, without duplicates; offline it answers the local hits alone and
//! says so (`offline`). Recent searches stay on the device; suggestions
//! while typing come from the cache (the caller debounces).

use moa_hangul::query::{Query, QueryError};
use moa_protocol::limits::{DEFAULT_PAGE_SIZE, SEARCH_ALL_PER_KIND};
use moa_protocol::{SearchHit, SearchKind, SearchResults, SearchType};

use crate::api::with_query;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::store::search as index;

/// Suggestions offered while typing.
const SUGGESTIONS: usize = 8;

/// Hits of a search, local ones first.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOutcome {
    pub hits: Vec<SearchHit>,
    /// The next page of the server's answer (one kind only).
    pub next_cursor: Option<String>,
    /// The server could not be reached: these are the device's hits only.
    pub offline: bool,
}

impl Client {
    /// Search, on the device and on the server. Cheap.
    pub fn search(&self) -> SearchHandle {
        SearchHandle {
            client: self.clone(),
        }
    }
}

/// Search and recent searches, from [`Client::search`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SearchHandle {
    client: Client,
}

fn parse(text: &str) -> Result<Query> {
    Query::parse(text).map_err(|e| {
        let reason = match e {
            QueryError::Empty => "enter something to search for".to_owned(),
            QueryError::TooLong => e.to_string(),
        };
        Error::Invalid {
            field: "q".into(),
            reason,
        }
    })
}

/// `local` then those of `server` it does not hold, per kind in
/// [`SearchKind::ALL`] order, at most `per_kind` of each (`None`: all).
fn merge(local: Vec<SearchHit>, server: Vec<SearchHit>, per_kind: Option<usize>) -> Vec<SearchHit> {
    let mut out: Vec<SearchHit> = Vec::with_capacity(local.len() + server.len());
    for kind in SearchKind::ALL {
        let mut n = 0;
        for hit in local.iter().chain(&server).filter(|h| h.kind == kind) {
            if per_kind.is_some_and(|max| n >= max) {
                break;
            }
            if !out.iter().any(|o| o.kind == hit.kind && o.id == hit.id) {
                out.push(hit.clone());
                n += 1;
            }
        }
    }
    out
}

impl SearchHandle {
    /// What the device finds for `text` among what it has cached: for
    /// [`SearchType::All`] the best few of each kind, else a first page of
    /// one kind. Signed out, nothing is cached: no hits.
    pub async fn local(&self, text: &str, kind: SearchType) -> Result<Vec<SearchHit>> {
        let q = parse(text)?;
        let Ok(account) = self.client.account() else {
            return Ok(Vec::new());
        };
        let size = match kind {
            SearchType::All => SEARCH_ALL_PER_KIND as usize,
            _ => DEFAULT_PAGE_SIZE as usize,
        };
        account
            .store
            .read(move |conn| {
                let mut hits = Vec::new();
                for k in kind.kinds() {
                    hits.extend(index::search(conn, &q, k, size)?);
                }
                Ok(hits)
            })
            .await
    }

    /// Searches for `text`: the device's hits, then the server's below them
    /// without duplicates. Offline, the device's hits with `offline` set; an
    /// empty or over-long `text` is [`Error::Invalid`]. (What the member
    /// submitted is kept with [`SearchHandle::remember`]; a picker's lookups
    /// are not.)
    pub async fn query(
        &self,
        text: &str,
        kind: SearchType,
        cursor: Option<String>,
    ) -> Result<SearchOutcome> {
        let q = parse(text)?;
        let local = self.local(text, kind).await?;
        let path = with_query(
            "/search",
            &[
                ("q", Some(q.text())),
                ("type", Some(kind.as_str())),
                ("cursor", cursor.as_deref()),
            ],
        );
        let per_kind = (kind == SearchType::All).then_some(SEARCH_ALL_PER_KIND as usize);
        match self.client.online_get::<SearchResults>(&path).await {
            Ok(server) => {
                let hits = if cursor.is_none() {
                    merge(local, server.hits, per_kind)
                } else {
                    // Later pages: what the first page (local hits) did not show.
                    server
                        .hits
                        .into_iter()
                        .filter(|h| !local.iter().any(|l| l.kind == h.kind && l.id == h.id))
                        .collect()
                };
                Ok(SearchOutcome {
                    hits,
                    next_cursor: server.next_cursor,
                    offline: false,
                })
            }
            Err(e) if e.is_transient() => Ok(SearchOutcome {
                hits: if cursor.is_none() { local } else { Vec::new() },
                next_cursor: None,
                offline: true,
            }),
            Err(e) => Err(e),
        }
    }

    /// Titles of cached things `text` finds, to offer while typing (empty
    /// for text that cannot be searched). The caller debounces.
    pub async fn suggestions(&self, text: &str) -> Result<Vec<String>> {
        let Ok(q) = Query::parse(text) else {
            return Ok(Vec::new());
        };
        let Ok(account) = self.client.account() else {
            return Ok(Vec::new());
        };
        account
            .store
            .read(move |conn| index::suggestions(conn, &q, SUGGESTIONS))
            .await
    }

    /// Keeps `text` (cleaned as a query is) as the newest recent search; the
    /// last 20 are kept. Text that cannot be searched is not kept.
    pub async fn remember(&self, text: &str) -> Result<()> {
        let q = parse(text)?;
        let account = self.client.account()?;
        let text = q.text().to_owned();
        let now = crate::view::now_ms();
        account
            .store
            .write(move |tx| index::remember(tx, &text, now))
            .await
    }

    /// Recent searches, newest first (none signed out).
    pub async fn recent(&self) -> Result<Vec<String>> {
        match self.client.account() {
            Ok(account) => account.store.read(index::recent).await,
            Err(_) => Ok(Vec::new()),
        }
    }

    /// Forgets one recent search.
    pub async fn forget(&self, text: &str) -> Result<()> {
        let account = self.client.account()?;
        let text = text.to_owned();
        account
            .store
            .write(move |tx| index::forget(tx, Some(&text)))
            .await
    }

    /// Forgets every recent search.
    pub async fn clear_recent(&self) -> Result<()> {
        let account = self.client.account()?;
        account.store.write(|tx| index::forget(tx, None)).await
    }
}
