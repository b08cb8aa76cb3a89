//! Places and products: the subjects of reviews. Members add them; an entry
//! with the same folded name and address (places) or name and shop link
//! (products) is offered instead of being created twice. The member who
//! added one (or a moderator) edits and deletes it: a deleted one with
//! reviews keeps its page as a tombstone (`deleted`), one without is gone
//! (404); either way it leaves search, and adding it again brings it back.

use moa_protocol::limits::*;
use moa_protocol::{
    CreatePlaceRequest, CreateProductRequest, EditPlaceRequest, EditProductRequest, EntityKind,
    ErrorCode, Page, Place, PlaceCategory, Product, ProductOption, SearchKind,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use crate::actor::Actor;
use crate::changelog::{self, Change, PUBLIC};
use crate::db::json_column;
use crate::error::{Error, Result};
use crate::media::service::{self as media, RefType};
use crate::pagination::{self, into_page, page_size};
use crate::search::service as search;
use crate::util::{like_pattern, to_json};
use crate::validate;

const PLACE_COLUMNS: &str = "id, name, address, latitude, longitude, category, link, review_count, \
     rating_sum, rating_count, created_by, created_at, deleted_at";
const PRODUCT_COLUMNS: &str = "id, name, price_krw, options, photos, shop_url, review_count, \
     rating_sum, rating_count, created_by, created_at, deleted_at";

fn average(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 10.0).round() / 10.0)
}

/// The columns places and products share: their tally and who added them.
#[derive(sqlx::FromRow)]
struct SubjectColumns {
    review_count: i64,
    rating_sum: i64,
    rating_count: i64,
    created_by: String,
    created_at: i64,
    deleted_at: Option<i64>,
}

/// The columns of [`PLACE_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct PlaceColumns {
    id: String,
    name: String,
    address: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    category: String,
    link: String,
    #[sqlx(flatten)]
    common: SubjectColumns,
}

/// The columns of [`PRODUCT_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct ProductColumns {
    id: String,
    name: String,
    price_krw: i64,
    options: String,
    photos: String,
    shop_url: String,
    #[sqlx(flatten)]
    common: SubjectColumns,
}

fn place_from_row(row: &AnyRow) -> Result<Place> {
    let c = PlaceColumns::from_row(row)?;
    Ok(Place {
        id: c.id,
        name: c.name,
        address: c.address,
        latitude: c.latitude,
        longitude: c.longitude,
        category: PlaceCategory::parse(&c.category).unwrap_or(PlaceCategory::Other),
        review_count: c.common.review_count,
        average_rating: average(c.common.rating_sum, c.common.rating_count),
        created_by: c.common.created_by,
        created_at: c.common.created_at,
        link: c.link,
        deleted: c.common.deleted_at.is_some(),
    })
}

fn product_from_row(row: &AnyRow) -> Result<Product> {
    let c = ProductColumns::from_row(row)?;
    Ok(Product {
        id: c.id,
        name: c.name,
        price_krw: c.price_krw,
        options: json_column(&c.options, "options column")?,
        photos: json_column(&c.photos, "photos column")?,
        shop_url: c.shop_url,
        review_count: c.common.review_count,
        average_rating: average(c.common.rating_sum, c.common.rating_count),
        created_by: c.common.created_by,
        created_at: c.common.created_at,
        deleted: c.common.deleted_at.is_some(),
    })
}

/// The row of `table` with `dedup_key`, if one was added before.
async fn by_dedup_key(
    conn: &mut AnyConnection,
    columns: &str,
    table: &str,
    dedup_key: &str,
) -> Result<Option<AnyRow>> {
    let sql = format!("SELECT {columns} FROM {table} WHERE dedup_key = $1");
    Ok(sqlx::query(&sql)
        .bind(dedup_key)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Records a new place or product in the public bucket.
async fn publish<T: serde::Serialize>(
    conn: &mut AnyConnection,
    kind: EntityKind,
    id: &str,
    entity: &T,
    now: i64,
) -> Result<()> {
    let change = Change::upsert(kind, id, to_json(entity)?, vec![PUBLIC.into()]);
    changelog::record(conn, change, now).await
}

/// Makes the place findable by its name and address.
pub async fn index_place(conn: &mut AnyConnection, place: &Place) -> Result<()> {
    let doc = search::Doc {
        kind: SearchKind::Place,
        id: &place.id,
        author_id: None,
        title: &place.name,
        body: &place.address,
        extra: "",
        photo_id: None,
        created_at: place.created_at,
    };
    search::put(conn, &doc).await
}

/// Makes the product findable by its name and options (moderation takes a
/// hidden one out with `search::remove`).
pub async fn index_product(conn: &mut AnyConnection, product: &Product) -> Result<()> {
    let options: Vec<&str> = product
        .options
        .iter()
        .flat_map(|o| std::iter::once(o.name.as_str()).chain(o.values.iter().map(String::as_str)))
        .collect();
    let doc = search::Doc {
        kind: SearchKind::Product,
        id: &product.id,
        author_id: None,
        title: &product.name,
        body: "",
        extra: &options.join(" "),
        photo_id: product.photos.first().map(String::as_str),
        created_at: product.created_at,
    };
    search::put(conn, &doc).await
}

pub async fn get_place(conn: &mut AnyConnection, id: &str) -> Result<Option<Place>> {
    let sql = format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(place_from_row).transpose()
}

pub async fn get_product(conn: &mut AnyConnection, id: &str) -> Result<Option<Product>> {
    let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(product_from_row).transpose()
}

/// Adds a place, or answers the existing one with the same name and address
/// (`created == false`). Replaying a create with the same id is harmless.
pub async fn create_place(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreatePlaceRequest,
    now: i64,
) -> Result<(Place, bool)> {
    actor.ensure_can_write()?;
    let id = validate::client_id("id", req.id.as_deref())?;
    let name = validate::text("name", &req.name, 1, MAX_NAME_CHARS)?;
    let address = validate::text("address", &req.address, 1, MAX_ADDRESS_CHARS)?;
    let link = validate::optional_url("link", &req.link, MAX_URL_CHARS)?;
    match (req.latitude, req.longitude) {
        (Some(lat), Some(lng)) => {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(Error::invalid("latitude", "must be between -90 and 90"));
            }
            if !(-180.0..=180.0).contains(&lng) {
                return Err(Error::invalid("longitude", "must be between -180 and 180"));
            }
        }
        (None, None) => {}
        (Some(_), None) => {
            return Err(Error::invalid("longitude", "give both coordinates or none"));
        }
        (None, Some(_)) => return Err(Error::invalid("latitude", "give both coordinates or none")),
    }
    if let Some(existing) = get_place(conn, &id).await? {
        return Ok((existing, false));
    }
    let dedup_key = format!("{}\n{}", validate::fold(&name), validate::fold(&address));
    if let Some(row) = by_dedup_key(conn, PLACE_COLUMNS, "places", &dedup_key).await? {
        let existing = place_from_row(&row)?;
        if existing.deleted {
            // Added again: the deleted place comes back.
            sqlx::query("UPDATE places SET deleted_at = NULL WHERE id = $1")
                .bind(&existing.id)
                .execute(&mut *conn)
                .await?;
            let place = refreshed_place(conn, &existing.id, now).await?;
            return Ok((place, true));
        }
        return Ok((existing, false));
    }
    sqlx::query(
        "INSERT INTO places (id, name, address, latitude, longitude, category, link, dedup_key, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $10, $7, $8, $9)",
    )
    .bind(&id)
    .bind(&name)
    .bind(&address)
    .bind(req.latitude)
    .bind(req.longitude)
    .bind(req.category.as_str())
    .bind(&dedup_key)
    .bind(&actor.user_id)
    .bind(now)
    .bind(&link)
    .execute(&mut *conn)
    .await?;
    let place = get_place(conn, &id)
        .await?
        .ok_or_else(|| Error::Internal("place vanished".into()))?;
    publish(conn, EntityKind::Place, &id, &place, now).await?;
    index_place(conn, &place).await?;
    Ok((place, true))
}

fn validate_options(options: &[ProductOption]) -> Result<Vec<ProductOption>> {
    if options.len() > MAX_PRODUCT_OPTIONS {
        return Err(Error::invalid(
            "options",
            format!("at most {MAX_PRODUCT_OPTIONS} options"),
        ));
    }
    options
        .iter()
        .enumerate()
        .map(|(i, option)| {
            let name = validate::text(
                &format!("options[{i}].name"),
                &option.name,
                1,
                MAX_OPTION_CHARS,
            )?;
            if option.values.is_empty() || option.values.len() > MAX_OPTION_VALUES {
                return Err(Error::invalid(
                    format!("options[{i}].values"),
                    format!("give 1 to {MAX_OPTION_VALUES} values"),
                ));
            }
            let values = option
                .values
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    validate::text(&format!("options[{i}].values[{j}]"), v, 1, MAX_OPTION_CHARS)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(ProductOption { name, values })
        })
        .collect()
}

/// Adds a product, or answers the existing one with the same name and shop
/// link (`created == false`).
pub async fn create_product(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreateProductRequest,
    now: i64,
) -> Result<(Product, bool)> {
    actor.ensure_can_write()?;
    let id = validate::client_id("id", req.id.as_deref())?;
    let name = validate::text("name", &req.name, 1, MAX_NAME_CHARS)?;
    if !(0..=MAX_PRICE_KRW).contains(&req.price_krw) {
        return Err(Error::invalid(
            "price_krw",
            format!("must be 0 to {MAX_PRICE_KRW}"),
        ));
    }
    let options = validate_options(&req.options)?;
    let photos = validate::media_ids("photos", &req.photos, MAX_PRODUCT_PHOTOS)?;
    let shop_url = validate::optional_url("shop_url", &req.shop_url, MAX_URL_CHARS)?;
    if let Some(existing) = get_product(conn, &id).await? {
        return Ok((existing, false));
    }
    media::attach_photos(
        conn,
        &actor.user_id,
        RefType::Product,
        &id,
        "photos",
        &photos,
    )
    .await?;
    let dedup_key = format!("{}\n{}", validate::fold(&name), shop_url.to_lowercase());
    if let Some(row) = by_dedup_key(conn, PRODUCT_COLUMNS, "products", &dedup_key).await? {
        let existing = product_from_row(&row)?;
        if existing.deleted {
            sqlx::query("UPDATE products SET deleted_at = NULL WHERE id = $1")
                .bind(&existing.id)
                .execute(&mut *conn)
                .await?;
            let product = refreshed_product(conn, &existing.id, now).await?;
            return Ok((product, true));
        }
        return Ok((existing, false));
    }
    sqlx::query(
        "INSERT INTO products (id, name, price_krw, options, photos, shop_url, dedup_key, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(&name)
    .bind(req.price_krw)
    .bind(to_json(&options)?.to_string())
    .bind(to_json(&photos)?.to_string())
    .bind(&shop_url)
    .bind(&dedup_key)
    .bind(&actor.user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let product = get_product(conn, &id)
        .await?
        .ok_or_else(|| Error::Internal("product vanished".into()))?;
    publish(conn, EntityKind::Product, &id, &product, now).await?;
    index_product(conn, &product).await?;
    Ok((product, true))
}

/// One page of a search, newest first: `sql` selects the rows with
/// `id < $1` whose text matches the pattern `$2`, at most `$3` of them.
async fn search<T>(
    conn: &mut AnyConnection,
    sql: &str,
    q: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
    from_row: fn(&AnyRow) -> Result<T>,
    id: fn(&T) -> &str,
) -> Result<Page<T>> {
    let size = page_size(limit);
    let after = cursor
        .map(pagination::decode_id)
        .transpose()?
        .unwrap_or_else(|| "~".into());
    let rows = sqlx::query(sql)
        .bind(after)
        .bind(like_pattern(q))
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(into_page(items, size, |item| {
        pagination::encode(&[id(item)])
    }))
}

/// Places whose name or address contains `q`, newest first.
pub async fn search_places(
    conn: &mut AnyConnection,
    q: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Place>> {
    let sql = format!(
        "SELECT {PLACE_COLUMNS} FROM places \
         WHERE id < $1 AND (LOWER(name) LIKE $2 ESCAPE '\\' OR LOWER(address) LIKE $2 ESCAPE '\\') \
         AND deleted_at IS NULL ORDER BY id DESC LIMIT $3"
    );
    search(conn, &sql, q, cursor, limit, place_from_row, |p| &p.id).await
}

/// Products whose name contains `q`, newest first.
pub async fn search_products(
    conn: &mut AnyConnection,
    q: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Product>> {
    let sql = format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE id < $1 AND LOWER(name) LIKE $2 ESCAPE '\\' \
         AND hidden_at IS NULL AND deleted_at IS NULL \
         ORDER BY id DESC LIMIT $3"
    );
    search(conn, &sql, q, cursor, limit, product_from_row, |p| &p.id).await
}

/// Whether moderators hid the product (members then cannot find or open it).
pub async fn product_hidden(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM products WHERE id = $1 AND hidden_at IS NOT NULL")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(n > 0)
}

/// Adjusts a subject's review count and rating aggregate after a review was
/// added (`sign = 1`) or removed (`sign = -1`).
pub async fn count_review(
    conn: &mut AnyConnection,
    subject_type: &str,
    subject_id: &str,
    rating: Option<i64>,
    sign: i64,
) -> Result<()> {
    let table = match subject_type {
        "place" => "places",
        "product" => "products",
        other => return Err(Error::Internal(format!("unknown subject type {other}"))),
    };
    let sql = format!(
        "UPDATE {table} SET review_count = review_count + $1, rating_sum = rating_sum + $2, \
         rating_count = rating_count + $3 WHERE id = $4"
    );
    sqlx::query(&sql)
        .bind(sign)
        .bind(sign * rating.unwrap_or(0))
        .bind(if rating.is_some() { sign } else { 0 })
        .bind(subject_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The place as stored now, published and indexed again (after a change).
async fn refreshed_place(conn: &mut AnyConnection, id: &str, now: i64) -> Result<Place> {
    let place = get_place(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("place vanished".into()))?;
    publish(conn, EntityKind::Place, id, &place, now).await?;
    if place.deleted {
        search::remove(conn, SearchKind::Place, id).await?;
    } else {
        index_place(conn, &place).await?;
    }
    Ok(place)
}

/// The product as stored now, published and indexed again.
async fn refreshed_product(conn: &mut AnyConnection, id: &str, now: i64) -> Result<Product> {
    let product = get_product(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("product vanished".into()))?;
    if product_hidden(conn, id).await? {
        // Hidden by moderators: it stays out of caches and search.
        let change = Change::delete(EntityKind::Product, id, vec![PUBLIC.into()]);
        changelog::record(conn, change, now).await?;
        search::remove(conn, SearchKind::Product, id).await?;
        return Ok(product);
    }
    publish(conn, EntityKind::Product, id, &product, now).await?;
    if product.deleted {
        search::remove(conn, SearchKind::Product, id).await?;
    } else {
        index_product(conn, &product).await?;
    }
    Ok(product)
}

/// A place or product a member may change: theirs, or any for moderators;
/// 404 when there is none (or it is deleted), 403 `not_author` otherwise.
fn may_change(actor: &Actor, created_by: &str, deleted: bool, what: &str) -> Result<()> {
    if actor.role.can_moderate() && !deleted {
        return actor.ensure_can_write();
    }
    actor.ensure_author(created_by, deleted, what)
}

/// A place or product as members may see it: a deleted one without
/// reviews is gone.
pub fn visible_subject(deleted: bool, review_count: i64) -> bool {
    !deleted || review_count > 0
}

/// Changes a place (its adder or a moderator). A name and address another
/// place has already is a 409.
pub async fn edit_place(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    edit: &EditPlaceRequest,
    now: i64,
) -> Result<Place> {
    let place = get_place(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such place".into()))?;
    may_change(actor, &place.created_by, place.deleted, "place")?;
    let name = match &edit.name {
        Some(n) => validate::text("name", n, 1, MAX_NAME_CHARS)?,
        None => place.name.clone(),
    };
    let address = match &edit.address {
        Some(a) => validate::text("address", a, 1, MAX_ADDRESS_CHARS)?,
        None => place.address.clone(),
    };
    let link = match &edit.link {
        Some(l) => validate::optional_url("link", l, MAX_URL_CHARS)?,
        None => place.link.clone(),
    };
    let category = edit.category.unwrap_or(place.category);
    let dedup_key = format!("{}\n{}", validate::fold(&name), validate::fold(&address));
    if let Some(row) = by_dedup_key(conn, PLACE_COLUMNS, "places", &dedup_key).await?
        && place_from_row(&row)?.id != place.id
    {
        return Err(Error::conflict(
            ErrorCode::Conflict,
            "another place has this name and address",
        ));
    }
    sqlx::query(
        "UPDATE places SET name = $1, address = $2, category = $3, link = $4, dedup_key = $5 WHERE id = $6",
    )
    .bind(&name)
    .bind(&address)
    .bind(category.as_str())
    .bind(&link)
    .bind(&dedup_key)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    refreshed_place(conn, id, now).await
}

/// Deletes a place (its adder or a moderator): a tombstone its reviews
/// still point at.
pub async fn delete_place(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> Result<()> {
    let place = get_place(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such place".into()))?;
    may_change(actor, &place.created_by, place.deleted, "place")?;
    sqlx::query("UPDATE places SET deleted_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    refreshed_place(conn, id, now).await?;
    Ok(())
}

/// Changes a product (its adder or a moderator).
pub async fn edit_product(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    edit: &EditProductRequest,
    now: i64,
) -> Result<Product> {
    let product = get_product(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such product".into()))?;
    may_change(actor, &product.created_by, product.deleted, "product")?;
    let name = match &edit.name {
        Some(n) => validate::text("name", n, 1, MAX_NAME_CHARS)?,
        None => product.name.clone(),
    };
    let price = edit.price_krw.unwrap_or(product.price_krw);
    if !(0..=MAX_PRICE_KRW).contains(&price) {
        return Err(Error::invalid(
            "price_krw",
            format!("must be 0 to {MAX_PRICE_KRW}"),
        ));
    }
    let options = match &edit.options {
        Some(o) => validate_options(o)?,
        None => product.options.clone(),
    };
    let shop_url = match &edit.shop_url {
        Some(u) => validate::optional_url("shop_url", u, MAX_URL_CHARS)?,
        None => product.shop_url.clone(),
    };
    let photos = match &edit.photos {
        Some(p) => {
            let photos = validate::media_ids("photos", p, MAX_PRODUCT_PHOTOS)?;
            // New photos must be the editor's own uploads; the ones the
            // product has stay (a moderator may drop one).
            let new: Vec<String> = photos
                .iter()
                .filter(|p| !product.photos.contains(p))
                .cloned()
                .collect();
            media::attach_photos(conn, &actor.user_id, RefType::Product, id, "photos", &new)
                .await?;
            photos
        }
        None => product.photos.clone(),
    };
    let dedup_key = format!("{}\n{}", validate::fold(&name), shop_url.to_lowercase());
    if let Some(row) = by_dedup_key(conn, PRODUCT_COLUMNS, "products", &dedup_key).await?
        && product_from_row(&row)?.id != product.id
    {
        return Err(Error::conflict(
            ErrorCode::Conflict,
            "another product has this name and shop link",
        ));
    }
    sqlx::query(
        "UPDATE products SET name = $1, price_krw = $2, options = $3, photos = $4, shop_url = $5, \
         dedup_key = $6 WHERE id = $7",
    )
    .bind(&name)
    .bind(price)
    .bind(to_json(&options)?.to_string())
    .bind(to_json(&photos)?.to_string())
    .bind(&shop_url)
    .bind(&dedup_key)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    refreshed_product(conn, id, now).await
}

/// Deletes a product (its adder or a moderator): a tombstone its reviews
/// still point at.
pub async fn delete_product(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> Result<()> {
    let product = get_product(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such product".into()))?;
    may_change(actor, &product.created_by, product.deleted, "product")?;
    sqlx::query("UPDATE products SET deleted_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    refreshed_product(conn, id, now).await?;
    Ok(())
}
