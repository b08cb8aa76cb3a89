//! Sellable products: admin-managed, with photos through the media
//! pipeline, a base price, and up to three option groups whose choices carry
//! a price difference and their own stock (`shop_choices`, one row per
//! choice, `reserved` counting the units pending and paid orders hold).

use moa_protocol::limits::{MAX_PRICE_KRW, MAX_PRODUCT_PHOTOS};
use moa_protocol::shop::{
    MAX_CAMPAIGN_STOCK, MAX_OPTION_CHOICES, MAX_OPTION_GROUPS, MAX_SHOP_DESCRIPTION_CHARS,
    MAX_SHOP_NAME_CHARS,
};
use moa_protocol::{OptionChoice, OptionGroup, Role, ShopProduct, ShopProductRequest};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::db::json_column;
use crate::error::{Error, Result};
use crate::media::service::{self as media, RefType};
use crate::util::{new_id, to_json_text};
use crate::validate;

/// A price in won: 0 to [`MAX_PRICE_KRW`].
pub fn price(field: &str, value: i64) -> Result<i64> {
    if (0..=MAX_PRICE_KRW).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            format!("must be 0 to {MAX_PRICE_KRW} won"),
        ))
    }
}

/// The choices of a request, checked, with the ids they will have.
fn checked_groups(req: &ShopProductRequest) -> Result<Vec<OptionGroup>> {
    if req.option_groups.len() > MAX_OPTION_GROUPS {
        return Err(Error::invalid(
            "option_groups",
            format!("at most {MAX_OPTION_GROUPS} option groups"),
        ));
    }
    let mut groups = Vec::new();
    for (g, group) in req.option_groups.iter().enumerate() {
        let field = format!("option_groups[{g}]");
        let name = validate::text(
            &format!("{field}.name"),
            &group.name,
            1,
            MAX_SHOP_NAME_CHARS,
        )?;
        if group.choices.is_empty() || group.choices.len() > MAX_OPTION_CHOICES {
            return Err(Error::invalid(
                format!("{field}.choices"),
                format!("1 to {MAX_OPTION_CHOICES} choices"),
            ));
        }
        let mut choices: Vec<OptionChoice> = Vec::new();
        for (c, choice) in group.choices.iter().enumerate() {
            let field = format!("{field}.choices[{c}]");
            let name = validate::text(
                &format!("{field}.name"),
                &choice.name,
                1,
                MAX_SHOP_NAME_CHARS,
            )?;
            if choices.iter().any(|other| other.name == name) {
                return Err(Error::invalid(
                    format!("{field}.name"),
                    "two choices of a group have this name",
                ));
            }
            let delta = choice.price_delta_krw;
            if !(-MAX_PRICE_KRW..=MAX_PRICE_KRW).contains(&delta) {
                return Err(Error::invalid(
                    format!("{field}.price_delta_krw"),
                    "out of range",
                ));
            }
            if delta < 0 && delta.abs() > req.base_price_krw {
                return Err(Error::invalid(
                    format!("{field}.price_delta_krw"),
                    "would make the price negative",
                ));
            }
            if !(0..=MAX_CAMPAIGN_STOCK).contains(&choice.stock) {
                return Err(Error::invalid(
                    format!("{field}.stock"),
                    format!("must be 0 to {MAX_CAMPAIGN_STOCK}"),
                ));
            }
            if let Some(id) = &choice.id {
                validate::uuid(format!("{field}.id"), id)?;
            }
            choices.push(OptionChoice {
                id: choice.id.clone().unwrap_or_else(new_id),
                name,
                price_delta_krw: delta,
                stock: choice.stock,
            });
        }
        groups.push(OptionGroup { name, choices });
    }
    Ok(groups)
}

/// A `shop_products` row: id, name, description, photos (JSON), base price,
/// catalog product, archived at, created at, updated at.
type ProductRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    i64,
    i64,
);

/// A product by id, archived ones too.
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<ShopProduct>> {
    let row: Option<ProductRow> = sqlx::query_as(
        "SELECT id, name, description, photos, base_price_krw, catalog_product_id, \
             archived_at, created_at, updated_at FROM shop_products WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, name, description, photos, base, catalog, archived, created, updated)) = row
    else {
        return Ok(None);
    };
    Ok(Some(ShopProduct {
        option_groups: groups(conn, &id).await?,
        id,
        name,
        description,
        photos: json_column(&photos, "photos column")?,
        base_price_krw: base,
        catalog_product_id: catalog,
        archived: archived.is_some(),
        created_at: created,
        updated_at: updated,
    }))
}

/// The option groups of a product, with each choice's stock left.
async fn groups(conn: &mut AnyConnection, product_id: &str) -> Result<Vec<OptionGroup>> {
    let rows: Vec<(i64, String, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT group_position, group_name, id, name, price_delta_krw, stock, reserved \
         FROM shop_choices WHERE product_id = $1 AND removed = 0 \
         ORDER BY group_position, position",
    )
    .bind(product_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<(i64, OptionGroup)> = Vec::new();
    for (g, group_name, id, name, delta, stock, reserved) in rows {
        if out.last().is_none_or(|(pos, _)| *pos != g) {
            out.push((
                g,
                OptionGroup {
                    name: group_name,
                    choices: Vec::new(),
                },
            ));
        }
        if let Some((_, group)) = out.last_mut() {
            group.choices.push(OptionChoice {
                id,
                name,
                price_delta_krw: delta,
                stock: (stock - reserved).max(0),
            });
        }
    }
    Ok(out.into_iter().map(|(_, g)| g).collect())
}

/// Creates (`id` = `None`) or replaces a product (admins). Choices named by
/// id keep their row (and what is reserved of them); a choice's stock may
/// not go below what orders hold; choices left out are kept for past
/// orders but offered no more.
pub async fn save(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Option<&str>,
    req: &ShopProductRequest,
    now: i64,
) -> Result<ShopProduct> {
    actor.ensure_role(Role::Admin)?;
    let name = validate::text("name", &req.name, 1, MAX_SHOP_NAME_CHARS)?;
    let description = validate::text(
        "description",
        &req.description,
        0,
        MAX_SHOP_DESCRIPTION_CHARS,
    )?;
    let base = price("base_price_krw", req.base_price_krw)?;
    let photos = validate::media_ids("photos", &req.photos, MAX_PRODUCT_PHOTOS)?;
    let groups = checked_groups(req)?;
    if let Some(catalog) = &req.catalog_product_id {
        let exists = crate::catalog::service::get_product(conn, catalog).await?;
        if exists.is_none() {
            return Err(Error::invalid("catalog_product_id", "no such product"));
        }
    }
    let product_id = match id {
        Some(id) => {
            let existing = get(conn, id).await?;
            if existing.is_none() {
                return Err(Error::NotFound("no such product".into()));
            }
            sqlx::query(
                "UPDATE shop_products SET name = $1, description = $2, photos = $3, \
                 base_price_krw = $4, catalog_product_id = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(&name)
            .bind(&description)
            .bind(to_json_text(&photos)?)
            .bind(base)
            .bind(&req.catalog_product_id)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            id.to_owned()
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO shop_products (id, name, description, photos, base_price_krw, \
                 catalog_product_id, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(&id)
            .bind(&name)
            .bind(&description)
            .bind(to_json_text(&photos)?)
            .bind(base)
            .bind(&req.catalog_product_id)
            .bind(&actor.user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            id
        }
    };
    media::attach_photos(
        conn,
        &actor.user_id,
        RefType::ShopProduct,
        &product_id,
        "photos",
        &photos,
    )
    .await?;
    save_choices(conn, &product_id, &groups).await?;
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        if id.is_some() {
            "update_shop_product"
        } else {
            "create_shop_product"
        },
        ("shop_product", &product_id),
        serde_json::json!({ "name": name, "base_price_krw": base }),
        now,
    )
    .await?;
    get(conn, &product_id)
        .await?
        .ok_or_else(|| Error::Internal("a saved product is gone".into()))
}

/// Writes the choices of a product: known ids updated in place, new ones
/// inserted, the rest marked removed.
async fn save_choices(
    conn: &mut AnyConnection,
    product_id: &str,
    groups: &[OptionGroup],
) -> Result<()> {
    sqlx::query("UPDATE shop_choices SET removed = 1 WHERE product_id = $1")
        .bind(product_id)
        .execute(&mut *conn)
        .await?;
    for (g, group) in groups.iter().enumerate() {
        for (c, choice) in group.choices.iter().enumerate() {
            let field = format!("option_groups[{g}].choices[{c}]");
            let existing: Option<(String, i64)> =
                sqlx::query_as("SELECT product_id, reserved FROM shop_choices WHERE id = $1")
                    .bind(&choice.id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let (g, c) = (i64::try_from(g).unwrap_or(0), i64::try_from(c).unwrap_or(0));
            match existing {
                Some((owner, _)) if owner != product_id => {
                    return Err(Error::invalid(
                        format!("{field}.id"),
                        "a choice of another product",
                    ));
                }
                Some((_, reserved)) => {
                    if choice.stock < reserved {
                        return Err(Error::invalid(
                            format!("{field}.stock"),
                            format!("orders hold {reserved} units of this choice"),
                        ));
                    }
                    sqlx::query(
                        "UPDATE shop_choices SET group_position = $1, group_name = $2, \
                         position = $3, name = $4, price_delta_krw = $5, stock = $6, removed = 0 \
                         WHERE id = $7",
                    )
                    .bind(g)
                    .bind(&group.name)
                    .bind(c)
                    .bind(&choice.name)
                    .bind(choice.price_delta_krw)
                    .bind(choice.stock)
                    .bind(&choice.id)
                    .execute(&mut *conn)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO shop_choices (id, product_id, group_position, group_name, \
                         position, name, price_delta_krw, stock) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&choice.id)
                    .bind(product_id)
                    .bind(g)
                    .bind(&group.name)
                    .bind(c)
                    .bind(&choice.name)
                    .bind(choice.price_delta_krw)
                    .bind(choice.stock)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
    }
    Ok(())
}

/// Archives a product (admins): no new campaigns of it; running ones go on.
pub async fn archive(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> Result<ShopProduct> {
    actor.ensure_role(Role::Admin)?;
    let done = sqlx::query(
        "UPDATE shop_products SET archived_at = $1, updated_at = $1 \
         WHERE id = $2 AND archived_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let product = get(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such product".into()))?;
    if done.rows_affected() > 0 {
        crate::admin::service::audit(
            conn,
            &actor.user_id,
            "archive_shop_product",
            ("shop_product", id),
            serde_json::json!({}),
            now,
        )
        .await?;
    }
    Ok(product)
}

/// Every product, newest first (admins).
pub async fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<ShopProduct>> {
    actor.ensure_role(Role::Admin)?;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM shop_products ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(p) = get(conn, &id).await? {
            out.push(p);
        }
    }
    Ok(out)
}
