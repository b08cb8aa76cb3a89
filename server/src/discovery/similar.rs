//! "비슷한 리뷰" and "비슷한 상품": items like the one on screen.
//!
//! Candidates come from four places: the item's collaborative neighbours
//! (`item_neighbours`), the search index for its most telling words, its
//! tags and its subject. Each candidate is then scored by
//!
//! ```text
//! 0.55 · text + 0.25 · co-occurrence + 0.10 · tags + 0.10 · same subject
//! ```
//!
//! (for products: `0.6 · text + 0.4 · co-occurrence`), where `text` is the
//! cosine of TF-IDF vectors over the character bigrams of the normaliser's
//! words (Korean attaches particles to nouns, so "텀블러는" and "텀블러가"
//! share the bigrams 텀블 and 블러; no dictionary needed), the IDF taken
//! over the candidates and the item itself; `co-occurrence` the neighbour
//! similarity over the best one; `tags` the Jaccard overlap of the tags.

use std::collections::{HashMap, HashSet};

use moa_hangul::query::{self, Query};
use moa_protocol::limits::MAX_SIMILAR;
use moa_protocol::{Product, Review, SearchType};
use sqlx::AnyConnection;

use super::neighbours;
use crate::actor::Reader;
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::reviews::service as reviews;

/// Words of the item looked up in the search index.
const SEARCH_WORDS: usize = 4;
/// Hits read per word, per tag and from the subject.
const PER_SOURCE: u32 = 20;

/// The words of `text` compared and searched for: the vocabulary's
/// ([`query::words`]), one-character ones left out (particles, 이 and 잘).
fn words(text: &str) -> Vec<String> {
    let mut ws = query::words(&[text]);
    ws.retain(|w| w.chars().count() > 1);
    ws
}

/// Character bigrams of `text`'s words, with counts.
pub fn bigrams(text: &str) -> HashMap<String, f64> {
    let mut out: HashMap<String, f64> = HashMap::new();
    for w in words(text) {
        let chars: Vec<char> = w.chars().collect();
        for pair in chars.windows(2) {
            *out.entry(pair.iter().collect()).or_insert(0.0) += 1.0;
        }
    }
    out
}

/// TF-IDF cosine of `docs[0]` against each of `docs` (the first is 1).
pub fn text_similarity(docs: &[HashMap<String, f64>]) -> Vec<f64> {
    let n = docs.len() as f64;
    let mut df: HashMap<&str, f64> = HashMap::new();
    for d in docs {
        for term in d.keys() {
            *df.entry(term).or_insert(0.0) += 1.0;
        }
    }
    let weigh = |d: &HashMap<String, f64>| -> HashMap<String, f64> {
        d.iter()
            .map(|(t, &tf)| {
                let idf = (1.0 + n / df.get(t.as_str()).copied().unwrap_or(1.0)).ln();
                (t.clone(), (1.0 + tf.ln()) * idf)
            })
            .collect()
    };
    let Some(first) = docs.first() else {
        return Vec::new();
    };
    let q = weigh(first);
    let qn = q.values().map(|v| v * v).sum::<f64>().sqrt();
    docs.iter()
        .map(|d| {
            let v = weigh(d);
            let vn = v.values().map(|x| x * x).sum::<f64>().sqrt();
            if qn == 0.0 || vn == 0.0 {
                return 0.0;
            }
            let dot: f64 = q.iter().filter_map(|(t, a)| v.get(t).map(|b| a * b)).sum();
            dot / (qn * vn)
        })
        .collect()
}

/// The item's words most worth searching for: the longest, a Hangul word
/// cut to its first three syllables (the stem, before particles).
fn telling_words(text: &str) -> Vec<String> {
    let mut ws = words(text);
    ws.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    let mut out: Vec<String> = Vec::new();
    for w in ws {
        let hangul = w.chars().all(|c| ('가'..='힣').contains(&c));
        let w = if hangul && w.chars().count() > 3 {
            w.chars().take(3).collect()
        } else {
            w
        };
        if !out.contains(&w) {
            out.push(w);
        }
        if out.len() == SEARCH_WORDS {
            break;
        }
    }
    out
}

/// Ids of `kind` the search index finds for `text`'s telling words.
async fn searched(
    conn: &mut AnyConnection,
    backend: Backend,
    text: &str,
    kind: SearchType,
    now: i64,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for w in telling_words(text) {
        let Ok(q) = Query::parse(&w) else { continue };
        let found =
            crate::search::service::search(conn, backend, &q, kind, None, Some(PER_SOURCE), now)
                .await?;
        out.extend(found.hits.into_iter().map(|h| h.id));
    }
    Ok(out)
}

/// The neighbours of `item` whose names start with `prefix`, similarity
/// over the best one.
async fn co_occurring(
    conn: &mut AnyConnection,
    item: &str,
    prefix: &str,
) -> Result<HashMap<String, f64>> {
    let lists = neighbours::lists(conn, &[item.to_owned()]).await?;
    let list: Vec<(String, f32)> = lists.into_iter().flat_map(|(_, l)| l).collect();
    let best = list.iter().map(|(_, s)| f64::from(*s)).fold(0.0, f64::max);
    Ok(list
        .into_iter()
        .filter_map(|(n, s)| {
            let id = n.strip_prefix(prefix)?;
            (best > 0.0).then(|| (id.to_owned(), f64::from(s) / best))
        })
        .collect())
}

fn jaccard(a: &[String], b: &[String]) -> f64 {
    let a: HashSet<&String> = a.iter().collect();
    let b: HashSet<&String> = b.iter().collect();
    let union = a.union(&b).count();
    if union == 0 {
        0.0
    } else {
        a.intersection(&b).count() as f64 / union as f64
    }
}

/// Reviews like review `id`, best first (at most `limit`, default and
/// most [`MAX_SIMILAR`]); `NotFound` when the reader cannot see it.
pub async fn reviews_like(
    conn: &mut AnyConnection,
    backend: Backend,
    reader: &Reader,
    id: &str,
    limit: Option<u32>,
    now: i64,
) -> Result<Vec<Review>> {
    let limit = limit.unwrap_or(MAX_SIMILAR).clamp(1, MAX_SIMILAR) as usize;
    let not_found = || Error::NotFound("no such review".into());
    let Some(row) = reviews::get(conn, reader.id(), reader.is_moderator(), id).await? else {
        return Err(not_found());
    };
    let me = &row.review;
    if me.deleted || me.hidden {
        return Err(not_found());
    }
    let text_of = |r: &Review| format!("{} {} {}", r.title, r.body, r.tags.join(" "));
    let mut ids: Vec<String> = Vec::new();
    let co = co_occurring(conn, &format!("r:{id}"), "r:").await?;
    ids.extend(co.keys().cloned());
    ids.extend(searched(conn, backend, &text_of(me), SearchType::Reviews, now).await?);
    for tag in me.tags.iter().take(5) {
        let tagged: Vec<String> = sqlx::query_scalar(
            "SELECT review_id FROM review_tags WHERE tag = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(tag)
        .bind(i64::from(PER_SOURCE))
        .fetch_all(&mut *conn)
        .await?;
        ids.extend(tagged);
    }
    if let Some((_, subject)) = &row.subject {
        let same: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM reviews WHERE subject_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(subject)
        .bind(i64::from(PER_SOURCE))
        .fetch_all(&mut *conn)
        .await?;
        ids.extend(same);
    }
    let mut seen = HashSet::new();
    ids.retain(|c| c != id && seen.insert(c.clone()));
    let candidates: Vec<Review> = super::for_you::reviews(conn, reader.id(), &ids)
        .await?
        .into_iter()
        .filter(|r| !r.deleted && !r.hidden && !r.author.deleted)
        .collect();
    let mut docs = vec![bigrams(&text_of(me))];
    docs.extend(candidates.iter().map(|r| bigrams(&text_of(r))));
    let text = text_similarity(&docs);
    let subject_of = |r: &Review| r.subject.as_ref().map(|s| s.id.clone());
    let mut scored: Vec<(f64, Review)> = candidates
        .into_iter()
        .enumerate()
        .map(|(k, r)| {
            let same_subject = subject_of(me).is_some() && subject_of(me) == subject_of(&r);
            let score = 0.55 * text[k + 1]
                + 0.25 * co.get(&r.id).copied().unwrap_or(0.0)
                + 0.10 * jaccard(&me.tags, &r.tags)
                + 0.10 * f64::from(u8::from(same_subject));
            (score, r)
        })
        .filter(|(s, _)| *s > 0.02)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| b.1.id.cmp(&a.1.id)));
    Ok(scored.into_iter().take(limit).map(|(_, r)| r).collect())
}

/// Catalogued products like product `id`, best first; `NotFound` for an
/// unknown or deleted one.
pub async fn products_like(
    conn: &mut AnyConnection,
    backend: Backend,
    id: &str,
    limit: Option<u32>,
    now: i64,
) -> Result<Vec<Product>> {
    let limit = limit.unwrap_or(MAX_SIMILAR).clamp(1, MAX_SIMILAR) as usize;
    let not_found = || Error::NotFound("no such product".into());
    let me = crate::catalog::service::get_product(conn, id)
        .await?
        .filter(|p| !p.deleted)
        .ok_or_else(not_found)?;
    let co = co_occurring(conn, &format!("s:{id}"), "s:").await?;
    let mut ids: Vec<String> = co.keys().cloned().collect();
    ids.extend(searched(conn, backend, &me.name, SearchType::Products, now).await?);
    let mut seen = HashSet::new();
    ids.retain(|c| c != id && seen.insert(c.clone()));
    let mut candidates = Vec::with_capacity(ids.len());
    for c in &ids {
        if let Some(p) = crate::catalog::service::get_product(conn, c).await?
            && !p.deleted
        {
            candidates.push(p);
        }
    }
    // A product's text: its name and the tags of its reviews.
    let mut docs = Vec::with_capacity(candidates.len() + 1);
    for p in std::iter::once(&me).chain(candidates.iter()) {
        let tags: Vec<String> = sqlx::query_scalar(
            "SELECT t.tag FROM review_tags t JOIN reviews r ON r.id = t.review_id \
             WHERE r.subject_id = $1 AND r.deleted_at IS NULL AND r.hidden_at IS NULL LIMIT 50",
        )
        .bind(&p.id)
        .fetch_all(&mut *conn)
        .await?;
        docs.push(bigrams(&format!("{} {}", p.name, tags.join(" "))));
    }
    let text = text_similarity(&docs);
    let mut scored: Vec<(f64, Product)> = candidates
        .into_iter()
        .enumerate()
        .map(|(k, p)| {
            let score = 0.6 * text[k + 1] + 0.4 * co.get(&p.id).copied().unwrap_or(0.0);
            (score, p)
        })
        .filter(|(s, _)| *s > 0.02)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| b.1.id.cmp(&a.1.id)));
    Ok(scored.into_iter().take(limit).map(|(_, p)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_do_not_hide_a_shared_noun() {
        let docs = [
            bigrams("스테인리스 텀블러는 보온이 좋아요"),
            bigrams("이 텀블러가 최고예요 보온 잘 됨"),
            bigrams("성수동 라떼 맛집 추천"),
        ];
        let s = text_similarity(&docs);
        assert!((s[0] - 1.0).abs() < 1e-9);
        assert!(s[1] > 0.15, "{s:?}");
        assert!(s[2] < 0.05, "{s:?}");
    }

    #[test]
    fn telling_words_are_the_longest_stems() {
        let w = telling_words("스테인리스텀블러는 보온 좋아요 ok");
        assert_eq!(w[0], "스테인");
        assert!(w.contains(&"좋아요".to_owned()));
    }

    #[test]
    fn empty_text_is_similar_to_nothing() {
        let s = text_similarity(&[bigrams(""), bigrams("라떼")]);
        assert_eq!(s, vec![0.0, 0.0]);
    }
}
