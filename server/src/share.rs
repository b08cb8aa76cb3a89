//! Share links: `/r/{id}` (a review), `/p/{id}` (a place) and `/c/{id}` (a
//! group-buy) answer a small server-rendered page with Open Graph tags —
//! title, description, the first photo's thumbnail — so KakaoTalk and other
//! messengers show a preview, and a button that opens the app at
//! `moa://review/{id}` (`moa://place/…`, `moa://campaign/…`). Hidden,
//! deleted or unknown content answers 404 with a plain page and no preview.
//!
//! Absolute addresses (the preview image, `og:url`) come from
//! `--public-url`, else from the request's `Host`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use moa_protocol::{CampaignStatus, links};

use crate::error::Result;
use crate::state::AppState;

/// The routes (outside `/v1` and the API document: pages, not API).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{id}", get(review))
        .route("/p/{id}", get(place))
        .route("/c/{id}", get(campaign))
}

/// What a page shows and previews.
struct Card {
    /// The page's and the preview's title.
    title: String,
    /// One or two lines under it.
    description: String,
    /// A media id whose thumbnail is the preview picture.
    photo: Option<String>,
    /// Extra lines on the page (not in the preview).
    facts: Vec<String>,
    /// What the app opens (`moa://review/{id}`).
    app_link: String,
    /// The share link itself (`/r/{id}`).
    path: String,
}

async fn review(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    page(&state, &headers, review_card(&state, &id).await)
}

async fn place(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    page(&state, &headers, place_card(&state, &id).await)
}

async fn campaign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    page(&state, &headers, campaign_card(&state, &id).await)
}

async fn review_card(state: &AppState, id: &str) -> Result<Option<Card>> {
    if !crate::util::is_uuid(id) {
        return Ok(None);
    }
    let mut conn = state.db.read().acquire().await?;
    // As a reader who is signed out sees it: hidden and deleted are gone.
    let Some(row) = crate::reviews::service::get(&mut conn, "", false, id).await? else {
        return Ok(None);
    };
    let r = row.review;
    if r.hidden || r.deleted {
        return Ok(None);
    }
    let first_line = r.body.lines().next().unwrap_or_default();
    let title = if r.title.trim().is_empty() {
        clip(first_line, 60)
    } else {
        r.title.clone()
    };
    let mut facts = vec![format!(
        "{} · ♥ {} · 💬 {}",
        r.author.display_name, r.like_count, r.comment_count
    )];
    if let Some(subject) = &r.subject {
        facts.insert(0, subject.name.clone());
    }
    if let Some(rating) = r.rating {
        facts.push("★".repeat(usize::try_from(rating.clamp(0, 5)).unwrap_or(0)));
    }
    Ok(Some(Card {
        title,
        description: clip(&r.body.replace('\n', " "), 160),
        photo: r.photos.first().cloned(),
        facts,
        app_link: links::app_link(links::LinkKind::Review, &r.id),
        path: links::share_path(links::LinkKind::Review, &r.id),
    }))
}

async fn place_card(state: &AppState, id: &str) -> Result<Option<Card>> {
    if !crate::util::is_uuid(id) {
        return Ok(None);
    }
    let mut conn = state.db.read().acquire().await?;
    let Some(p) = crate::catalog::service::get_place(&mut conn, id).await? else {
        return Ok(None);
    };
    if p.deleted {
        return Ok(None);
    }
    // The newest visible review's first photo pictures the place.
    let photo: Option<String> = sqlx::query_scalar(
        "SELECT photos FROM reviews WHERE subject_type = 'place' AND subject_id = $1 \
         AND deleted_at IS NULL AND hidden_at IS NULL AND photos <> '[]' \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(&p.id)
    .fetch_optional(&mut *conn)
    .await?;
    let photo = photo
        .and_then(|json| serde_json::from_str::<Vec<String>>(&json).ok())
        .and_then(|photos| photos.into_iter().next());
    let mut description = format!("{} · 리뷰 {}개", p.address, p.review_count);
    if let Some(avg) = p.average_rating {
        description.push_str(&format!(" · ★ {avg:.1}"));
    }
    Ok(Some(Card {
        title: p.name.clone(),
        description,
        photo,
        facts: vec![],
        app_link: links::app_link(links::LinkKind::Place, &p.id),
        path: links::share_path(links::LinkKind::Place, &p.id),
    }))
}

async fn campaign_card(state: &AppState, id: &str) -> Result<Option<Card>> {
    let mut conn = state.db.read().acquire().await?;
    let Some(row) = crate::shop::campaigns::row(&mut conn, id).await? else {
        return Ok(None);
    };
    let c = crate::shop::campaigns::to_wire(&mut conn, &row).await?;
    if c.product.archived && c.status != CampaignStatus::Open {
        return Ok(None);
    }
    let status = match c.status {
        CampaignStatus::Open => "모집 중",
        CampaignStatus::Succeeded => "성공",
        CampaignStatus::Failed => "무산",
        CampaignStatus::Cancelled => "취소됨",
    };
    let k = moa_protocol::kst::Kst::of(c.deadline_at);
    let deadline = format!("{} {:02}:{:02}", k.date(), k.hour, k.minute);
    Ok(Some(Card {
        title: c.title.clone(),
        description: format!(
            "{}원 · {} · {}/{}명 · {} 마감",
            group_thousands(c.group_price_krw),
            status,
            c.participants,
            c.min_participants,
            deadline
        ),
        photo: c.product.photos.first().cloned(),
        facts: vec![clip(&c.product.description.replace('\n', " "), 200)],
        app_link: links::app_link(links::LinkKind::Campaign, &c.id),
        path: links::share_path(links::LinkKind::Campaign, &c.id),
    }))
}

/// The page for `card`, a 404 page when there is none, a 503 when the
/// database cannot be read.
fn page(state: &AppState, headers: &HeaderMap, card: Result<Option<Card>>) -> Response {
    let card = match card {
        Ok(Some(card)) => card,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::warn!(error = %e, "a share page could not be read");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                shell(
                    "모아",
                    "<p>잠시 후 다시 열어 주세요.</p>".into(),
                    String::new(),
                ),
            )
                .into_response();
        }
    };
    let base = base_url(state, headers);
    let url = format!("{base}{}", card.path);
    let mut meta = vec![
        meta_property("og:type", "article"),
        meta_property("og:site_name", "모아"),
        meta_property("og:title", &card.title),
        meta_property("og:description", &card.description),
        meta_property("og:url", &url),
        meta_property("og:locale", "ko_KR"),
        format!(
            "<meta name=\"description\" content=\"{}\">",
            escape(&card.description)
        ),
        format!("<link rel=\"canonical\" href=\"{}\">", escape(&url)),
    ];
    let mut picture = String::new();
    if let Some(photo) = &card.photo {
        let image = format!("{base}/v1/media/{photo}/thumbnail");
        meta.push(meta_property("og:image", &image));
        meta.push("<meta name=\"twitter:card\" content=\"summary_large_image\">".into());
        picture = format!("<img class=\"photo\" src=\"{}\" alt=\"\">", escape(&image));
    }
    let facts: String = card
        .facts
        .iter()
        .filter(|f| !f.trim().is_empty())
        .map(|f| format!("<p class=\"fact\">{}</p>", escape(f)))
        .collect();
    let body = format!(
        "{picture}<h1>{title}</h1>{facts}<p class=\"desc\">{desc}</p>\
         <a class=\"open\" href=\"{app}\">모아 앱에서 열기</a>\
         <p class=\"hint\">앱이 없다면 모아를 설치한 뒤 이 링크를 다시 열어 주세요. · Open in the Moa app</p>",
        title = escape(&card.title),
        desc = escape(&card.description),
        app = escape(&card.app_link),
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Short: an edit or a hide reaches previews soon.
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        shell(&card.title, body, meta.join("\n")),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        shell(
            "찾을 수 없어요",
            "<h1>찾을 수 없어요</h1><p class=\"desc\">삭제되었거나 볼 수 없는 글이에요. · This is gone or not shown.</p>"
                .into(),
            "<meta name=\"robots\" content=\"noindex\">".into(),
        ),
    )
        .into_response()
}

/// The whole document around `body`.
fn shell(title: &str, body: String, meta: String) -> String {
    format!(
        "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · 모아</title>\n{meta}\n<style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>\n",
        title = escape(title),
    )
}

const STYLE: &str = "body{margin:0;font-family:'Noto Sans KR',system-ui,sans-serif;background:#f7f5f2;color:#222}\
main{max-width:520px;margin:0 auto;padding:24px 20px}\
.photo{width:100%;border-radius:12px;display:block;margin-bottom:16px}\
h1{font-size:22px;margin:0 0 8px}.fact{color:#777;margin:4px 0;font-size:14px}\
.desc{line-height:1.6;white-space:pre-wrap}\
.open{display:block;text-align:center;background:#ff6b3d;color:#fff;padding:14px;border-radius:12px;\
text-decoration:none;font-weight:700;margin-top:20px}.hint{color:#999;font-size:12px;text-align:center}";

fn meta_property(property: &str, content: &str) -> String {
    format!(
        "<meta property=\"{property}\" content=\"{}\">",
        escape(content)
    )
}

/// `--public-url`, else `http://` and the request's `Host` (when it is a
/// plausible host name), else a relative base.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.clone();
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
        })
        .map(|h| format!("http://{h}"))
        .unwrap_or_default()
}

/// Text for HTML, in element content and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with "…" when cut.
fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("성수동 카페"), "성수동 카페");
    }

    #[test]
    fn clipping_counts_characters_not_bytes() {
        assert_eq!(clip("가나다라마", 5), "가나다라마");
        assert_eq!(clip("가나다라마바", 5), "가나다라…");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(900), "900");
    }
}
