//! Validation rules for account fields. Each returns the normalized value or
//! a 422 naming the field, so a handler can `?` its way through a request.

use moa_protocol::limits::*;

use crate::error::{Error, Result};

/// Trimmed, lowercased, `local@domain.tld`, at most 254 characters.
pub fn email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    let bad = |why: &str| Err(Error::invalid("email", why));
    if email.is_empty() {
        return bad("an email address is required");
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return bad("the email address is too long");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return bad("not an email address (no @)");
    };
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '@');
    if !local_ok || !labels_ok {
        return bad("not an email address");
    }
    Ok(email)
}

/// 3 to 30 of `a-z`, `0-9`, `_`, returned lowercase.
pub fn handle(raw: &str) -> Result<String> {
    let handle = raw.trim().to_lowercase();
    let n = handle.chars().count();
    if !(MIN_HANDLE_CHARS..=MAX_HANDLE_CHARS).contains(&n) {
        return Err(Error::invalid(
            "handle",
            format!("must be {MIN_HANDLE_CHARS} to {MAX_HANDLE_CHARS} characters"),
        ));
    }
    if !handle
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Error::invalid("handle", "may contain only a-z, 0-9 and _"));
    }
    if handle.chars().all(|c| c == '_') {
        return Err(Error::invalid("handle", "must contain a letter or a digit"));
    }
    Ok(handle)
}

/// 8 to 128 characters, not only white space.
pub fn password(field: &str, raw: &str) -> Result<()> {
    let n = raw.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if raw.trim().is_empty() {
        return Err(Error::invalid(field, "must not be only spaces"));
    }
    Ok(())
}

/// 1 to 40 characters after trimming, no control characters.
pub fn display_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::invalid("display_name", "a display name is required"));
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(Error::invalid(
            "display_name",
            format!("must be at most {MAX_DISPLAY_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "display_name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// At most 500 characters, trimmed; line breaks allowed.
pub fn bio(raw: &str) -> Result<String> {
    let bio = raw.trim();
    if bio.chars().count() > MAX_BIO_CHARS {
        return Err(Error::invalid(
            "bio",
            format!("must be at most {MAX_BIO_CHARS} characters"),
        ));
    }
    if bio
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid("bio", "must not contain control characters"));
    }
    Ok(bio.to_owned())
}

/// Up to 3 `http`/`https` URLs of at most 300 characters.
pub fn links(raw: &[String]) -> Result<Vec<String>> {
    if raw.len() > MAX_PROFILE_LINKS {
        return Err(Error::invalid(
            "links",
            format!("at most {MAX_PROFILE_LINKS} links"),
        ));
    }
    raw.iter()
        .enumerate()
        .map(|(i, link)| {
            let field = format!("links[{i}]");
            let url = optional_url(&field, link, MAX_LINK_CHARS)?;
            if url.is_empty() {
                return Err(Error::invalid(field, "must be an http:// or https:// URL"));
            }
            Ok(url)
        })
        .collect()
}

/// A media id: the lowercase hex SHA-256 of an uploaded file.
pub fn media_id(field: &str, raw: &str) -> Result<String> {
    if moa_protocol::is_media_id(raw) {
        Ok(raw.to_owned())
    } else {
        Err(Error::invalid(
            field,
            "must be a media id (the lowercase hex SHA-256 of an uploaded photo)",
        ))
    }
}

/// Trimmed text of `min..=max` characters without control characters other
/// than line breaks and tabs.
pub fn text(field: &str, raw: &str, min: usize, max: usize) -> Result<String> {
    let text = raw.trim();
    let n = text.chars().count();
    if n < min {
        return Err(Error::invalid(
            field,
            if min == 1 {
                "must not be empty".to_owned()
            } else {
                format!("must be at least {min} characters")
            },
        ));
    }
    if n > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(text.to_owned())
}

/// Up to `max` media ids.
pub fn media_ids(field: &str, ids: &[String], max: usize) -> Result<Vec<String>> {
    if ids.len() > max {
        return Err(Error::invalid(field, format!("at most {max} photos")));
    }
    ids.iter()
        .enumerate()
        .map(|(i, id)| media_id(&format!("{field}[{i}]"), id))
        .collect()
}

/// A client-generated id (a UUID), or a new one when absent.
pub fn client_id(field: &str, id: Option<&str>) -> Result<String> {
    match id {
        None => Ok(crate::util::new_id()),
        Some(id) => uuid(field, id).map(|()| id.to_owned()),
    }
}

/// A client-generated id that must be a UUID in canonical lowercase form.
pub fn uuid(field: impl Into<String>, id: &str) -> Result<()> {
    if crate::util::is_uuid(id) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "must be a lowercase UUID (v7 preferred)",
        ))
    }
}

/// An http(s) URL of at most `max` characters, or empty.
pub fn optional_url(field: &str, raw: &str, max: usize) -> Result<String> {
    let url = raw.trim();
    if url.is_empty() {
        return Ok(String::new());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest
        .and_then(|r| r.split(['/', '?', '#']).next())
        .unwrap_or("");
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(field, "must be an http:// or https:// URL"));
    }
    if url.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(url.to_owned())
}

/// Tags: at most 10, each 1–20 characters without spaces, a leading `#`
/// dropped, lowercased, duplicates removed (order kept).
pub fn tags(raw: &[String]) -> Result<Vec<String>> {
    use moa_protocol::limits::{MAX_TAG_CHARS, MAX_TAGS};
    let mut out: Vec<String> = Vec::new();
    for (i, tag) in raw.iter().enumerate() {
        let tag = normalize_tag(tag);
        let field = format!("tags[{i}]");
        if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
            return Err(Error::invalid(
                field,
                format!("must be 1 to {MAX_TAG_CHARS} characters"),
            ));
        }
        if tag
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '|' || c == '#')
        {
            return Err(Error::invalid(field, "must not contain spaces or #"));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Error::invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    Ok(out)
}

/// A tag as stored and looked up: trimmed, without a leading `#`, lowercase.
pub fn normalize_tag(raw: &str) -> String {
    raw.trim().trim_start_matches('#').to_lowercase()
}

/// A Korean mobile number as its digits (`01012345678`; see
/// [`moa_protocol::korean_mobile`]); 422 otherwise.
pub fn phone(raw: &str) -> Result<String> {
    moa_protocol::korean_mobile(raw).ok_or_else(|| {
        Error::invalid(
            "phone",
            "must be a Korean mobile number such as 010-1234-5678",
        )
    })
}

/// Text folded for duplicate detection: lowercase, letters and digits only.
pub fn fold(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn korean_mobile_numbers() {
        for (raw, digits) in [
            ("010-1234-5678", "01012345678"),
            ("+82 10 1234 5678", "01012345678"),
            ("011.234.5678", "0112345678"),
        ] {
            assert_eq!(super::phone(raw).ok().as_deref(), Some(digits), "{raw}");
        }
        for bad in [
            "02-123-4567",
            "010-1234",
            "010-1234-56789",
            "abc",
            "",
            "+1 415 555 0100",
            "０１０",
        ] {
            assert!(super::phone(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email("  MinJi@Example.KR ").unwrap(), "minji@example.kr");
        assert!(email("user@학교.한국").is_ok());
        for bad in [
            "",
            "a",
            "a@b",
            "@b.kr",
            "a@.kr",
            "a b@c.kr",
            "a@b..kr",
            "a..b@c.kr",
            "a@-b.kr",
        ] {
            assert!(email(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(email(&format!("{}@x.kr", "a".repeat(65))).is_err());
    }

    #[test]
    fn handles() {
        assert_eq!(handle("Minji_92").unwrap(), "minji_92");
        for bad in ["ab", "김민지", "a-b-c", "has space", "___", &"a".repeat(31)] {
            assert!(handle(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        assert!(password("password", "비밀번호비밀번호").is_ok()); // 8 chars, 24 bytes
        assert!(password("password", "비밀번호").is_err());
        assert!(password("password", "        ").is_err());
        assert!(password("password", &"x".repeat(129)).is_err());
    }

    #[test]
    fn texts_tags_urls_and_ids() {
        assert_eq!(text("body", "  안녕  ", 1, 10).unwrap(), "안녕");
        assert!(text("body", "  ", 1, 10).is_err());
        assert!(text("body", "가나다", 1, 2).is_err());
        assert_eq!(
            tags(&["#카페".into(), "카페".into(), "Latte".into()]).unwrap(),
            ["카페", "latte"]
        );
        assert!(tags(&["두 단어".into()]).is_err());
        assert!(tags(&(0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()).is_err());
        assert_eq!(optional_url("shop_url", " ", 10).unwrap(), "");
        assert!(optional_url("shop_url", "ftp://x", 100).is_err());
        assert!(client_id("id", Some("nope")).is_err());
        assert!(crate::util::is_uuid(&client_id("id", None).unwrap()));
        assert_eq!(fold("서울 성동구, 연무장길 12!"), "서울성동구연무장길12");
    }

    #[test]
    fn names_bios_links_and_media() {
        assert_eq!(display_name("  김민지 ").unwrap(), "김민지");
        assert!(display_name("   ").is_err());
        assert!(display_name("a\u{0007}").is_err());
        assert!(bio("줄 하나\n줄 둘").is_ok());
        assert!(bio(&"가".repeat(501)).is_err());
        assert!(links(&["https://moa.example/a".into(), "http://b.kr".into()]).is_ok());
        let err = links(&["https://ok.kr".into(), "javascript:alert(1)".into()]).unwrap_err();
        assert!(matches!(err, Error::InvalidField { ref field, .. } if field == "links[1]"));
        assert!(links(&vec!["https://a.kr".to_owned(); 4]).is_err());
        assert!(media_id("avatar_media_id", &"0a".repeat(32)).is_ok());
        assert!(media_id("avatar_media_id", "0190b7a0-0000-7000-8000-000000000001").is_err());
        assert!(media_id("avatar_media_id", "../../etc/passwd").is_err());
    }
}
