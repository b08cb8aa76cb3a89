//! Opaque keyset cursors for list endpoints.
//!
//! A cursor is the sort key of the last item of a page (e.g. `created_at` and
//! `id`), base64url encoded; the next page asks for items strictly after it
//! in the list's order. Unlike offsets, this stays correct while new items
//! arrive (they sort before the first page, never into later ones) and costs
//! the same at any depth with an index on the sort key.

use base64::Engine;
use moa_protocol::{ErrorCode, Page, limits};

use crate::error::{Error, Result};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes sort-key parts (none may contain `|`).
pub fn encode(parts: &[&str]) -> String {
    B64.encode(parts.join("|"))
}

fn bad() -> Error {
    Error::BadRequest {
        code: ErrorCode::InvalidParameter,
        message: "cursor: not a cursor from this list".into(),
    }
}

/// Decodes a cursor of exactly `n` parts.
pub fn decode(cursor: &str, n: usize) -> Result<Vec<String>> {
    let bytes = B64.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let parts: Vec<String> = text.split('|').map(str::to_owned).collect();
    if parts.len() == n {
        Ok(parts)
    } else {
        Err(bad())
    }
}

/// A cursor made of one id.
pub fn decode_id(cursor: &str) -> Result<String> {
    let id = decode(cursor, 1)?.remove(0);
    if crate::util::is_uuid(&id) {
        Ok(id)
    } else {
        Err(bad())
    }
}

/// A cursor made of a sort key and an id.
fn decode_key_id<T: std::str::FromStr>(cursor: &str) -> Result<(T, String)> {
    let mut parts = decode(cursor, 2)?;
    let id = parts
        .pop()
        .filter(|id| crate::util::is_uuid(id))
        .ok_or_else(bad)?;
    let key = parts[0].parse().map_err(|_| bad())?;
    Ok((key, id))
}

/// A cursor made of a millisecond time (or integer score) and an id.
pub fn decode_int_id(cursor: &str) -> Result<(i64, String)> {
    decode_key_id(cursor)
}

/// A cursor made of a float score and an id.
pub fn decode_float_id(cursor: &str) -> Result<(f64, String)> {
    let (score, id): (f64, String) = decode_key_id(cursor)?;
    if score.is_finite() {
        Ok((score, id))
    } else {
        Err(bad())
    }
}

/// Where a newest-first page of (time, id) keys starts: below the
/// cursor's key, or below a key above every row for the first page.
pub fn below_int_id(cursor: Option<&str>) -> Result<(i64, String)> {
    cursor.map_or_else(|| Ok((i64::MAX, "~".to_owned())), decode_int_id)
}

/// Where a highest-first page of (score, id) keys starts, as [`below_int_id`].
pub fn below_float_id(cursor: Option<&str>) -> Result<(f64, String)> {
    cursor.map_or_else(|| Ok((f64::MAX, "~".to_owned())), decode_float_id)
}

/// Where an oldest-first page of (time, id) keys starts: above the cursor's
/// key, or above a key below every row for the first page.
pub fn above_int_id(cursor: Option<&str>) -> Result<(i64, String)> {
    cursor.map_or_else(|| Ok((i64::MIN, String::new())), decode_int_id)
}

/// Page size: `limit` clamped to 1..=100, 20 by default.
pub fn page_size(limit: Option<u32>) -> i64 {
    i64::from(
        limit
            .unwrap_or(limits::DEFAULT_PAGE_SIZE)
            .clamp(1, limits::MAX_PAGE_SIZE),
    )
}

/// Turns `size + 1` fetched rows into a page of `size` items and the cursor
/// after the last one (`None` on the last page).
pub fn into_page<T>(mut items: Vec<T>, size: i64, cursor_of: impl Fn(&T) -> String) -> Page<T> {
    let size = usize::try_from(size).unwrap_or(0);
    let next_cursor = if items.len() > size {
        items.truncate(size);
        items.last().map(cursor_of)
    } else {
        None
    };
    Page { items, next_cursor }
}

/// Deserializes a page size (`limit`): 1 to [`limits::MAX_PAGE_SIZE`], or
/// absent. Out of range is refused (400 `invalid_parameter`, as the
/// document's bounds say), never silently clamped: one rule for every list.
pub fn limit<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<u32>, D::Error> {
    let value: Option<u32> = serde::Deserialize::deserialize(d)?;
    match value {
        Some(n) if !(1..=limits::MAX_PAGE_SIZE).contains(&n) => Err(serde::de::Error::custom(
            format!("limit must be 1 to {}", limits::MAX_PAGE_SIZE),
        )),
        other => Ok(other),
    }
}

/// Deserializes an optional number that must be 1 or more (a `before`
/// sequence number).
pub fn positive<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<i64>, D::Error> {
    let value: Option<i64> = serde::Deserialize::deserialize(d)?;
    match value {
        Some(n) if n < 1 => Err(serde::de::Error::custom("must be 1 or more")),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = crate::util::new_id();
        assert_eq!(decode_id(&encode(&[&id])).unwrap(), id);
        assert_eq!(
            decode_int_id(&encode(&["42", &id])).unwrap(),
            (42, id.clone())
        );
        assert_eq!(
            decode_float_id(&encode(&["1.5", &id])).unwrap(),
            (1.5, id.clone())
        );
        assert!(decode_id("!!").is_err());
        assert!(decode_id(&encode(&["' OR 1=1 --"])).is_err());
        assert!(decode_int_id(&encode(&["x", &id])).is_err());
        assert!(decode_float_id(&encode(&["NaN", &id])).is_err());
        assert!(decode_int_id(&encode(&[&id])).is_err());
    }

    #[test]
    fn pages_cut_at_the_size() {
        let page = into_page(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(
            (page.items, page.next_cursor),
            (vec![1, 2], Some("2".to_owned()))
        );
        let last = into_page(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(last.next_cursor, None);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(1000)), 100);
        assert_eq!(page_size(None), 20);
    }
}
