//! `/v1/places` and `/v1/products`: adding, finding, showing, editing and
//! deleting the subjects of reviews. Their review lists are in `reviews`.

pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{
    CreatePlaceRequest, CreateProductRequest, EditPlaceRequest, EditProductRequest, ErrorBody,
    Page, Place, PlaceCreated, Product, ProductCreated,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::{Actor, Reader};
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::util::{created_status, now_ms};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_place, search_places))
        .routes(routes!(get_place, edit_place, delete_place))
        .routes(routes!(create_product, search_products))
        .routes(routes!(get_product, edit_product, delete_product))
}

/// Search text and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Text the name (or address) contains; empty lists everything.
    #[serde(default)]
    q: String,
    /// Opaque cursor from the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Add a place. If one with the same name and address exists, it is
/// answered instead (200, `created: false`), so it is never added twice.
#[utoipa::path(
    post, path = "/places", tag = "catalog", security(("bearer" = [])),
    request_body = CreatePlaceRequest,
    responses(
        (status = 201, description = "Added", body = PlaceCreated),
        (status = 200, description = "An existing place with the same name and address", body = PlaceCreated),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn create_place(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<CreatePlaceRequest>,
) -> Result<(StatusCode, Json<PlaceCreated>)> {
    let (place, created) = state
        .write_quiet(async |tx| service::create_place(tx, &member, &req, now_ms()).await)
        .await?;
    Ok((
        created_status(created),
        Json(PlaceCreated { place, created }),
    ))
}

/// Find places by name or address (to pick a review's subject).
#[utoipa::path(
    get, path = "/places", tag = "catalog", params(SearchQuery),
    responses((status = 200, body = Page<Place>), (status = 400, body = ErrorBody))
)]
async fn search_places(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Page<Place>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::search_places(&mut conn, &q.q, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// A place.
#[utoipa::path(
    get, path = "/places/{id}", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 200, body = Place), (status = 404, body = ErrorBody))
)]
async fn get_place(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Place>> {
    let mut conn = state.db.read().acquire().await?;
    let place = service::get_place(&mut conn, &id).await?;
    place
        .filter(|p| service::visible_subject(p.deleted, p.review_count))
        .map(Json)
        .ok_or_else(|| Error::NotFound("no such place".into()))
}

/// Change a place (the member who added it, or a moderator).
#[utoipa::path(
    patch, path = "/places/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = EditPlaceRequest,
    responses(
        (status = 200, body = Place),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn edit_place(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EditPlaceRequest>,
) -> Result<Json<Place>> {
    let place = state
        .write_quiet(async |tx| service::edit_place(tx, &member, &id, &req, now_ms()).await)
        .await?;
    Ok(Json(place))
}

/// Delete a place (the member who added it, or a moderator). With reviews
/// its page stays, marked deleted; without, it is gone.
#[utoipa::path(
    delete, path = "/places/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn delete_place(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state
        .write_quiet(async |tx| service::delete_place(tx, &member, &id, now_ms()).await)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a product. If one with the same name and shop link exists, it is
/// answered instead (200, `created: false`).
#[utoipa::path(
    post, path = "/products", tag = "catalog", security(("bearer" = [])),
    request_body = CreateProductRequest,
    responses(
        (status = 201, description = "Added", body = ProductCreated),
        (status = 200, description = "An existing product with the same name and link", body = ProductCreated),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn create_product(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<CreateProductRequest>,
) -> Result<(StatusCode, Json<ProductCreated>)> {
    let (product, created) = state
        .write_quiet(async |tx| service::create_product(tx, &member, &req, now_ms()).await)
        .await?;
    let product = ProductCreated { product, created };
    Ok((created_status(created), Json(product)))
}

/// Find products by name.
#[utoipa::path(
    get, path = "/products", tag = "catalog", params(SearchQuery),
    responses((status = 200, body = Page<Product>), (status = 400, body = ErrorBody))
)]
async fn search_products(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Page<Product>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::search_products(&mut conn, &q.q, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// A product.
#[utoipa::path(
    get, path = "/products/{id}", tag = "catalog",
    params(("id" = String, Path)),
    responses((status = 200, body = Product), (status = 404, body = ErrorBody))
)]
async fn get_product(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Json<Product>> {
    let mut conn = state.db.read().acquire().await?;
    let hidden = !reader.is_moderator() && service::product_hidden(&mut conn, &id).await?;
    let product = if hidden {
        None
    } else {
        service::get_product(&mut conn, &id).await?
    };
    product
        .filter(|p| service::visible_subject(p.deleted, p.review_count))
        .map(Json)
        .ok_or_else(|| Error::NotFound("no such product".into()))
}

/// Change a product (the member who added it, or a moderator).
#[utoipa::path(
    patch, path = "/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = EditProductRequest,
    responses(
        (status = 200, body = Product),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn edit_product(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EditProductRequest>,
) -> Result<Json<Product>> {
    let product = state
        .write_quiet(async |tx| service::edit_product(tx, &member, &id, &req, now_ms()).await)
        .await?;
    Ok(Json(product))
}

/// Delete a product (the member who added it, or a moderator). With reviews
/// its page stays, marked deleted; without, it is gone.
#[utoipa::path(
    delete, path = "/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn delete_product(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state
        .write_quiet(async |tx| service::delete_product(tx, &member, &id, now_ms()).await)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
