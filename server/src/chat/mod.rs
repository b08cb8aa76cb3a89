//! `/v1/rooms...`: chat rooms, members, messages and read markers over
//! REST. Every write commits through [`crate::realtime::Realtime::commit`],
//! which fans its events out to the members' sockets.

pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::ErrorBody;
use moa_protocol::chat::{
    CreateRoomRequest, EditMessageRequest, Message, MessagePage, MuteRequest, ReadRequest, Room,
    RoomCreated, RoomList, SendMessageRequest, TransferOwnerRequest, UpdateRoomRequest,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::Result;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::util::{created_status, now_ms};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_room, list_rooms))
        .routes(routes!(get_room, update_room))
        .routes(routes!(invite, remove_member))
        .routes(routes!(transfer))
        .routes(routes!(mute))
        .routes(routes!(read))
        .routes(routes!(send, history))
        .routes(routes!(edit, delete))
}

/// Start a direct room (answers the pair's existing room, 200) or a group.
#[utoipa::path(
    post, path = "/rooms", tag = "chat", security(("bearer" = [])),
    request_body = CreateRoomRequest,
    responses(
        (status = 201, body = RoomCreated), (status = 200, description = "The pair's existing direct room", body = RoomCreated),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn create_room(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<CreateRoomRequest>,
) -> Result<(StatusCode, Json<RoomCreated>)> {
    let created = state
        .write(async |tx| service::create_room(tx, &member, &req, now_ms()).await)
        .await?;
    Ok((created_status(created.created), Json(created)))
}

/// Your rooms, most recently active first, with the last message and the
/// unread count.
#[utoipa::path(
    get, path = "/rooms", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = RoomList), (status = 401, body = ErrorBody))
)]
async fn list_rooms(State(state): State<AppState>, member: Actor) -> Result<Json<RoomList>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(service::list_rooms(&mut conn, &member).await?))
}

/// One of your rooms with its members.
#[utoipa::path(
    get, path = "/rooms/{id}", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Room), (status = 401, body = ErrorBody), (status = 403, description = "Not a member (or no such room)", body = ErrorBody))
)]
async fn get_room(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<Room>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(service::get_room(&mut conn, &member, &id).await?))
}

/// Rename a group room or change its photo (owner).
#[utoipa::path(
    patch, path = "/rooms/{id}", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateRoomRequest,
    responses((status = 200, body = Room), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn update_room(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateRoomRequest>,
) -> Result<Json<Room>> {
    let room = state
        .write(async |tx| service::update_room(tx, &member, &id, &req, now_ms()).await)
        .await?;
    Ok(Json(room))
}

/// Add a member to a group room (any member may invite).
#[utoipa::path(
    put, path = "/rooms/{id}/members/{user_id}", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = Room), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn invite(
    State(state): State<AppState>,
    member: Actor,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Room>> {
    let room = state
        .write(async |tx| service::invite(tx, &member, &id, &user_id, now_ms()).await)
        .await?;
    Ok(Json(room))
}

/// Leave a room (yourself) or remove a member (group owner).
#[utoipa::path(
    delete, path = "/rooms/{id}/members/{user_id}", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody))
)]
async fn remove_member(
    State(state): State<AppState>,
    member: Actor,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    state
        .write(async |tx| {
            let events = service::remove(tx, &member, &id, &user_id, now_ms()).await?;
            Ok(((), events))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hand a group room to another member (owner).
#[utoipa::path(
    post, path = "/rooms/{id}/owner", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TransferOwnerRequest,
    responses((status = 200, body = Room), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn transfer(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TransferOwnerRequest>,
) -> Result<Json<Room>> {
    let room = state
        .write(async |tx| service::transfer(tx, &member, &id, &req.user_id, now_ms()).await)
        .await?;
    Ok(Json(room))
}

/// Mute or unmute a room for yourself.
#[utoipa::path(
    put, path = "/rooms/{id}/mute", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = MuteRequest,
    responses((status = 204, description = "Saved"), (status = 403, body = ErrorBody))
)]
async fn mute(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MuteRequest>,
) -> Result<StatusCode> {
    state
        .write_quiet(async |tx| service::set_muted(tx, &member, &id, req.muted, now_ms()).await)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Move your read marker forward.
#[utoipa::path(
    put, path = "/rooms/{id}/read", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReadRequest,
    responses((status = 204, description = "Saved"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn read(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReadRequest>,
) -> Result<StatusCode> {
    state
        .write(async |tx| service::mark_read(tx, &member, &id, req.seq, now_ms()).await)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a message. Sending the same `id` again answers the stored message.
#[utoipa::path(
    post, path = "/rooms/{id}/messages", operation_id = "send_message", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SendMessageRequest,
    responses(
        (status = 201, body = Message), (status = 200, description = "Sent before (same id)", body = Message),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn send(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<Message>)> {
    let (message, created) = state
        .write(async |tx| service::send(tx, &member, &id, &req, now_ms()).await)
        .await?;
    Ok((created_status(created), Json(message)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Messages with a `seq` below this (absent: the newest); 1 or more.
    #[serde(default, deserialize_with = "crate::pagination::positive")]
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// 1 to 100 (default 50).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// A page of history, newest first.
#[utoipa::path(
    get, path = "/rooms/{id}/messages", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 403, body = ErrorBody))
)]
async fn history(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<MessagePage>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::history(&mut conn, &member, &id, q.before, q.limit).await?,
    ))
}

/// Edit your message.
#[utoipa::path(
    patch, path = "/rooms/{id}/messages/{message_id}", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path), ("message_id" = String, Path)), request_body = EditMessageRequest,
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn edit(
    State(state): State<AppState>,
    member: Actor,
    Path((id, message_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<EditMessageRequest>,
) -> Result<Json<Message>> {
    let message = state
        .write(async |tx| service::edit(tx, &member, &id, &message_id, &req.body, now_ms()).await)
        .await?;
    Ok(Json(message))
}

/// Delete your message (a tombstone stays in its place).
#[utoipa::path(
    delete, path = "/rooms/{id}/messages/{message_id}", tag = "chat", security(("bearer" = [])),
    params(("id" = String, Path), ("message_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn delete(
    State(state): State<AppState>,
    member: Actor,
    Path((id, message_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    state
        .write(async |tx| service::delete(tx, &member, &id, &message_id, now_ms()).await)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
