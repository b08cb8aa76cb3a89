//! The sync contract, typed: every mutation a client may push ([`Op`]) and
//! every kind of entity a pull may carry ([`EntityKind`]).
//!
//! The wire form is unchanged from the string days: a mutation is
//! `{"id", "name", "args"}` ([`crate::sync::Mutation`]) and a change names
//! its entity with a string. This module is the one place that maps those
//! strings to types; the server's push, the client's outbox, overlay and chat
//! rules all match on [`Op`] and [`EntityKind`], so a new mutation is one new
//! line in [`ops!`] plus the compiler pointing at every `match` that must
//! handle it. A name or kind this build does not know (a newer peer's)
//! decodes to `Unknown` instead of failing. See ARCHITECTURE.md "Sync".

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::chat::{CreateRoomRequest, args as chat};
use crate::sync::{
    CreateCommentArgs, EditCommentArgs, EditReviewArgs, IdArgs, SetFollowArgs, SetLikeArgs,
    SetScrapArgs,
};
use crate::{
    CreatePlaceRequest, CreateProductRequest, CreateReportRequest, CreateReviewRequest,
    MarkReadRequest, UpdateProfileRequest,
};
use crate::{requests, shop};

/// Decodes a mutation's `args` into its typed arguments. The default is
/// `serde_json::from_value`; the server passes one that names the field at
/// fault.
pub trait ArgsDecoder {
    type Error;
    fn decode<T: DeserializeOwned>(&self, args: &Value) -> Result<T, Self::Error>;
}

/// Plain `serde_json` decoding.
pub struct Json;

impl ArgsDecoder for Json {
    type Error = serde_json::Error;
    fn decode<T: DeserializeOwned>(&self, args: &Value) -> Result<T, serde_json::Error> {
        T::deserialize(args)
    }
}

macro_rules! ops {
    ($($(#[$doc:meta])* $variant:ident($args:ty) = $name:literal,)*) => {
        /// One mutation with its typed arguments.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Op {
            $($(#[$doc])* $variant($args),)*
            /// A mutation this build does not know (a newer peer's), kept as
            /// it came so it can be answered `unknown_mutation` or passed on.
            Unknown { name: String, args: Value },
        }

        impl Op {
            /// Every known name.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The mutation's name on the wire.
            pub fn name(&self) -> &str {
                match self {
                    $(Op::$variant(_) => $name,)*
                    Op::Unknown { name, .. } => name,
                }
            }

            /// The arguments as JSON (the `args` of the wire form).
            pub fn args(&self) -> Result<Value, serde_json::Error> {
                match self {
                    $(Op::$variant(a) => serde_json::to_value(a),)*
                    Op::Unknown { args, .. } => Ok(args.clone()),
                }
            }

            /// Each known mutation's name with the schema of its `args`
            /// (for the published API document).
            #[cfg(feature = "openapi")]
            pub fn arg_schemas() -> Vec<(&'static str, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)> {
                vec![$(($name, <$args as utoipa::PartialSchema>::schema()),)*]
            }

            /// The component schemas the `args` schemas refer to.
            #[cfg(feature = "openapi")]
            pub fn arg_components(
                out: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                $(<$args as utoipa::ToSchema>::schemas(out);)*
            }

            /// The op named `name` with `args` decoded by `decoder`; an
            /// unknown name is [`Op::Unknown`], known ones with bad args fail.
            pub fn decode_with<D: ArgsDecoder>(
                name: &str,
                args: &Value,
                decoder: &D,
            ) -> Result<Op, D::Error> {
                Ok(match name {
                    $($name => Op::$variant(decoder.decode(args)?),)*
                    _ => Op::Unknown { name: name.to_owned(), args: args.clone() },
                })
            }
        }
    };
}

ops! {
    /// A review (its `id` chosen by the client).
    ReviewCreate(CreateReviewRequest) = "review.create",
    ReviewEdit(EditReviewArgs) = "review.edit",
    ReviewDelete(IdArgs) = "review.delete",
    CommentCreate(CreateCommentArgs) = "comment.create",
    CommentEdit(EditCommentArgs) = "comment.edit",
    CommentDelete(IdArgs) = "comment.delete",
    /// The desired state, so races converge.
    LikeSet(SetLikeArgs) = "like.set",
    ScrapSet(SetScrapArgs) = "scrap.set",
    FollowSet(SetFollowArgs) = "follow.set",
    ReportCreate(CreateReportRequest) = "report.create",
    ProfileUpdate(UpdateProfileRequest) = "profile.update",
    PlaceCreate(CreatePlaceRequest) = "place.create",
    ProductCreate(CreateProductRequest) = "product.create",
    PlaceEdit(crate::EditPlaceArgs) = "place.edit",
    PlaceDelete(IdArgs) = "place.delete",
    ProductEdit(crate::EditProductArgs) = "product.edit",
    ProductDelete(IdArgs) = "product.delete",
    NotificationsRead(MarkReadRequest) = "notifications.read",
    ChatCreateRoom(CreateRoomRequest) = "chat.create_room",
    ChatUpdateRoom(chat::UpdateRoom) = "chat.update_room",
    /// Add a member to a group room.
    ChatInvite(chat::Member) = "chat.invite",
    /// Remove a member (oneself: leave).
    ChatRemove(chat::Member) = "chat.remove",
    /// Hand a group room to another member.
    ChatTransfer(chat::Member) = "chat.transfer",
    ChatMute(chat::Mute) = "chat.mute",
    ChatSend(chat::Send) = "chat.send",
    ChatEdit(chat::Edit) = "chat.edit",
    ChatDelete(chat::Delete) = "chat.delete",
    ChatRead(chat::Read) = "chat.read",
    /// A member's cancel of their order (refunded when it was paid).
    OrderCancel(shop::CancelOrderArgs) = "order.cancel",
    /// Saves (찜) a group-buy or lets it go: the desired state.
    CampaignScrap(shop::SetCampaignScrapArgs) = "campaign.scrap",
    /// A request for help (부탁), its `id` chosen by the client.
    RequestCreate(requests::RequestInput) = "request.create",
    /// The whole request again, while it is open (the requester's).
    RequestEdit(requests::RequestInput) = "request.edit",
    /// Either side's cancel before completion (held points released).
    RequestCancel(requests::CancelRequestArgs) = "request.cancel",
    /// The requester confirms the help: the held points go to the helper.
    RequestComplete(IdArgs) = "request.complete",
    /// The requester rates the helper of a completed request.
    RequestReview(requests::HelperReviewInput) = "request.review",
    /// A member's one quote on a request (made or edited).
    QuoteSet(requests::QuoteInput) = "quote.set",
    QuoteWithdraw(IdArgs) = "quote.withdraw",
    /// Reviews the member opened and read (a batch): counts unique viewers.
    ViewsRecord(crate::sync::RecordViewsArgs) = "views.record",
}

impl Op {
    /// The op named `name` with plain `serde_json` decoding.
    pub fn decode(name: &str, args: &Value) -> Result<Op, serde_json::Error> {
        Op::decode_with(name, args, &Json)
    }

    /// The op named `name`, or [`Op::Unknown`] when its args do not decode
    /// either (a stored mutation a client only needs to show or pass on).
    pub fn lenient(name: &str, args: &Value) -> Op {
        Op::decode(name, args).unwrap_or_else(|_| Op::Unknown {
            name: name.to_owned(),
            args: args.clone(),
        })
    }

    /// The chat room a chat op is about (`None` for others and for
    /// `chat.create_room`, whose room does not exist yet).
    pub fn room_id(&self) -> Option<&str> {
        match self {
            Op::ChatUpdateRoom(a) => Some(&a.room_id),
            Op::ChatInvite(a) | Op::ChatRemove(a) | Op::ChatTransfer(a) => Some(&a.room_id),
            Op::ChatMute(a) => Some(&a.room_id),
            Op::ChatSend(a) => Some(&a.room_id),
            Op::ChatEdit(a) => Some(&a.room_id),
            Op::ChatDelete(a) => Some(&a.room_id),
            Op::ChatRead(a) => Some(&a.room_id),
            _ => None,
        }
    }

    /// Points a chat op at room `to` (a room created offline got its server
    /// id); `false` if it has no room to move.
    pub fn set_room_id(&mut self, to: &str) -> bool {
        let room = match self {
            Op::ChatUpdateRoom(a) => &mut a.room_id,
            Op::ChatInvite(a) | Op::ChatRemove(a) | Op::ChatTransfer(a) => &mut a.room_id,
            Op::ChatMute(a) => &mut a.room_id,
            Op::ChatSend(a) => &mut a.room_id,
            Op::ChatEdit(a) => &mut a.room_id,
            Op::ChatDelete(a) => &mut a.room_id,
            Op::ChatRead(a) => &mut a.room_id,
            _ => return false,
        };
        to.clone_into(room);
        true
    }

    /// Whether this is one of the chat ops.
    pub fn is_chat(&self) -> bool {
        match self {
            Op::ChatCreateRoom(_)
            | Op::ChatUpdateRoom(_)
            | Op::ChatInvite(_)
            | Op::ChatRemove(_)
            | Op::ChatTransfer(_)
            | Op::ChatMute(_)
            | Op::ChatSend(_)
            | Op::ChatEdit(_)
            | Op::ChatDelete(_)
            | Op::ChatRead(_) => true,
            Op::Unknown { name, .. } => name.starts_with("chat."),
            _ => false,
        }
    }

    /// The media ids this op refers to (photos, avatars, attachments): they
    /// must be uploaded before it is pushed.
    pub fn media(&self) -> Vec<&str> {
        match self {
            Op::ReviewCreate(r) => r.photos.iter().map(String::as_str).collect(),
            Op::ReviewEdit(a) => a.edit.photos.iter().flatten().map(String::as_str).collect(),
            Op::ProductCreate(p) => p.photos.iter().map(String::as_str).collect(),
            Op::ProductEdit(a) => a.edit.photos.iter().flatten().map(String::as_str).collect(),
            Op::ProfileUpdate(p) => p
                .avatar_media_id
                .iter()
                .flatten()
                .map(String::as_str)
                .collect(),
            Op::ChatCreateRoom(r) => r.photo_media_id.iter().map(String::as_str).collect(),
            Op::ChatUpdateRoom(a) => a
                .update
                .photo_media_id
                .iter()
                .flatten()
                .map(String::as_str)
                .collect(),
            Op::ChatSend(a) => a.message.media.iter().map(String::as_str).collect(),
            Op::RequestCreate(r) | Op::RequestEdit(r) => {
                r.photos.iter().map(String::as_str).collect()
            }
            Op::RequestReview(r) => r.photos.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The entity an edit is based on, with its base version: `review.edit`
    /// and `comment.edit` carry `edit.base_version`.
    pub fn edited(&self) -> Option<(EntityKind, &str, i64)> {
        match self {
            Op::ReviewEdit(a) => Some((EntityKind::Review, &a.id, a.edit.base_version)),
            Op::CommentEdit(a) => Some((EntityKind::Comment, &a.id, a.edit.base_version)),
            _ => None,
        }
    }

    /// Sets the base version of an edit (see [`Op::edited`]); `false` for
    /// ops that are not edits.
    pub fn set_base_version(&mut self, version: i64) -> bool {
        match self {
            Op::ReviewEdit(a) => a.edit.base_version = version,
            Op::CommentEdit(a) => a.edit.base_version = version,
            _ => return false,
        }
        true
    }
}

/// `{"name", "args"}`, the shape the op has inside a mutation.
#[derive(Serialize, Deserialize)]
struct Named {
    name: String,
    #[serde(default)]
    args: Value,
}

impl Serialize for Op {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let args = self.args().map_err(serde::ser::Error::custom)?;
        Named {
            name: self.name().to_owned(),
            args,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Op {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let named = Named::deserialize(d)?;
        Op::decode(&named.name, &named.args).map_err(serde::de::Error::custom)
    }
}

wire_enum! {
    /// What a change in a pull is about (`Change::entity`); clients skip a
    /// kind they do not know.
    EntityKind {
        /// [`crate::Review`].
        Review = "review",
        /// [`crate::Comment`].
        Comment = "comment",
        /// Id `<target_type>:<target_id>`, data `{target_type, target_id, created_at}`.
        Like = "like",
        /// Id = review id, data `{review_id, created_at}`.
        Scrap = "scrap",
        /// Id `<follower>:<followee>`, data `{follower_id, followee_id, created_at}`.
        Follow = "follow",
        /// [`crate::Notification`].
        Notification = "notification",
        /// [`crate::Me`].
        Profile = "profile",
        /// [`crate::Place`].
        Place = "place",
        /// [`crate::Product`].
        Product = "product",
        /// [`crate::Room`].
        Room = "room",
        /// [`crate::Message`].
        Message = "message",
        /// A member's read marker in a room.
        Read = "read",
        /// Whether the member muted a room.
        Mute = "mute",
        /// A member's public profile as clients cache it from reads (the server
        /// sends the signed-in member's own as `profile`).
        User = "user",
        /// [`crate::Campaign`] (in the `public` bucket, or a community's).
        Campaign = "campaign",
        /// [`crate::Order`] (in its member's bucket).
        Order = "order",
        /// A group-buy the member saved (찜): id the campaign's, data
        /// [`crate::CampaignScrap`] (in the member's bucket).
        CampaignScrap = "campaign_scrap",
        HelpRequest = "request",
        Quote = "quote",
        Wallet = "wallet",
        PointEntry = "point_entry",
        PointCharge = "point_charge",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sync::Mutation;

    /// One mutation of every name, byte for byte as clients have sent them
    /// since the contract was strings (keys in the order serde_json writes
    /// them).
    const WIRE: &[&str] = &[
        r#"{"id":"m","name":"review.create","args":{"body":"맛있어요","id":"r","kind":"story","official":false,"photos":["p1"],"rating":5,"subject":{"id":"s","type":"place"},"tags":["카페"],"title":"t"}}"#,
        r#"{"id":"m","name":"review.edit","args":{"edit":{"base_version":3,"body":"b"},"id":"r"}}"#,
        r#"{"id":"m","name":"review.delete","args":{"id":"r"}}"#,
        r#"{"id":"m","name":"comment.create","args":{"comment":{"body":"좋아요","id":"c","parent_id":null},"review_id":"r"}}"#,
        r#"{"id":"m","name":"comment.edit","args":{"edit":{"base_version":1,"body":"b"},"id":"c"}}"#,
        r#"{"id":"m","name":"comment.delete","args":{"id":"c"}}"#,
        r#"{"id":"m","name":"like.set","args":{"liked":true,"target_id":"r","target_type":"review"}}"#,
        r#"{"id":"m","name":"scrap.set","args":{"review_id":"r","scrapped":false}}"#,
        r#"{"id":"m","name":"follow.set","args":{"following":true,"user_id":"u"}}"#,
        r#"{"id":"m","name":"report.create","args":{"detail":"","reason":"spam","target_id":"r","target_type":"review"}}"#,
        r#"{"id":"m","name":"profile.update","args":{"avatar_media_id":null,"bio":"안녕"}}"#,
        r#"{"id":"m","name":"place.create","args":{"address":"서울 성동구","category":"cafe","id":"p","latitude":null,"longitude":null,"name":"성수 카페"}}"#,
        r#"{"id":"m","name":"product.create","args":{"id":"p","name":"장바구니","options":[],"photos":[],"price_krw":12000,"shop_url":""}}"#,
        r#"{"id":"m","name":"notifications.read","args":{"all":true,"ids":[]}}"#,
        r#"{"id":"m","name":"chat.create_room","args":{"id":"r","kind":"group","members":["u"],"name":"모임","photo_media_id":null}}"#,
        r#"{"id":"m","name":"chat.update_room","args":{"name":"새 이름","room_id":"r"}}"#,
        r#"{"id":"m","name":"chat.invite","args":{"room_id":"r","user_id":"u"}}"#,
        r#"{"id":"m","name":"chat.remove","args":{"room_id":"r","user_id":"u"}}"#,
        r#"{"id":"m","name":"chat.transfer","args":{"room_id":"r","user_id":"u"}}"#,
        r#"{"id":"m","name":"chat.mute","args":{"muted":true,"room_id":"r"}}"#,
        r#"{"id":"m","name":"chat.send","args":{"body":"안녕","id":"x","media":["p"],"reply_to":null,"room_id":"r"}}"#,
        r#"{"id":"m","name":"chat.edit","args":{"body":"b","message_id":"x","room_id":"r"}}"#,
        r#"{"id":"m","name":"chat.delete","args":{"message_id":"x","room_id":"r"}}"#,
        r#"{"id":"m","name":"chat.read","args":{"room_id":"r","seq":7}}"#,
        r#"{"id":"m","name":"place.edit","args":{"address":null,"category":"bakery","id":"p","link":"https://map.example/p","name":"새 이름"}}"#,
        r#"{"id":"m","name":"place.delete","args":{"id":"p"}}"#,
        r#"{"id":"m","name":"product.edit","args":{"id":"p","name":null,"options":null,"photos":["p1"],"price_krw":9900,"shop_url":null}}"#,
        r#"{"id":"m","name":"product.delete","args":{"id":"p"}}"#,
        r#"{"id":"m","name":"order.cancel","args":{"id":"o","reason":"마음이 바뀌었어요"}}"#,
        r#"{"id":"m","name":"campaign.scrap","args":{"campaign_id":"c","scrapped":true}}"#,
        r#"{"id":"m","name":"request.create","args":{"budget_max_krw":50000,"budget_min_krw":10000,"category":"purchase","community_only":false,"details":"한정판","ends_on":"2026-12-20","id":"q","photos":["p"],"place_id":null,"region":"도쿄","starts_on":"2026-12-10","title":"굿즈 대신 사다 주실 분"}}"#,
        r#"{"id":"m","name":"request.edit","args":{"budget_max_krw":60000,"budget_min_krw":0,"category":"travel","community_only":true,"details":"","ends_on":"2026-12-12","id":"q","photos":[],"place_id":"p","region":"제주","starts_on":"2026-12-10","title":"제주 2박 3일"}}"#,
        r#"{"id":"m","name":"request.cancel","args":{"id":"q","reason":"일정이 바뀌었어요"}}"#,
        r#"{"id":"m","name":"request.complete","args":{"id":"q"}}"#,
        r#"{"id":"m","name":"request.review","args":{"photos":[],"rating":5,"request_id":"q","text":"최고"}}"#,
        r#"{"id":"m","name":"quote.set","args":{"id":"x","message":"제가 할게요","price_krw":30000,"request_id":"q"}}"#,
        r#"{"id":"m","name":"quote.withdraw","args":{"id":"x"}}"#,
        r#"{"id":"m","name":"views.record","args":{"review_ids":["a","b"]}}"#,
    ];

    #[test]
    fn every_mutation_keeps_its_bytes_through_the_typed_op() {
        let mut seen = Vec::new();
        for wire in WIRE {
            let raw: Mutation = serde_json::from_str(wire).unwrap();
            let op = raw.op().unwrap_or_else(|e| panic!("{wire}: {e}"));
            assert!(!matches!(op, Op::Unknown { .. }), "{wire}");
            let again = serde_json::to_string(&Mutation::new("m", &op).unwrap()).unwrap();
            assert_eq!(&again, wire);
            seen.push(op.name().to_owned());
        }
        let mut names: Vec<_> = Op::NAMES.iter().map(|n| (*n).to_owned()).collect();
        names.sort();
        seen.sort();
        assert_eq!(seen, names, "every op has a snapshot");
    }

    #[test]
    fn unknown_names_decode_and_pass_through_unchanged() {
        let wire = r#"{"id":"m","name":"order.create","args":{"campaign_id":"c","qty":2}}"#;
        let raw: Mutation = serde_json::from_str(wire).unwrap();
        let op = raw.op().unwrap();
        assert!(matches!(&op, Op::Unknown { name, .. } if name == "order.create"));
        assert!(!op.is_chat());
        assert_eq!(
            serde_json::to_string(&Mutation::new("m", &op).unwrap()).unwrap(),
            wire
        );
    }

    #[test]
    fn known_names_with_bad_args_are_errors() {
        assert!(Op::decode("like.set", &serde_json::json!({"liked": "yes"})).is_err());
        assert!(Op::decode("chat.read", &serde_json::json!({"room_id": "r"})).is_err());
        assert!(Op::decode("review.delete", &Value::Null).is_err());
    }

    #[test]
    fn ops_serialize_adjacently_tagged() {
        let op = Op::decode("chat.read", &serde_json::json!({"room_id": "r", "seq": 2})).unwrap();
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "chat.read", "args": {"room_id": "r", "seq": 2}})
        );
        assert_eq!(serde_json::from_value::<Op>(json).unwrap(), op);
    }

    #[test]
    fn chat_ops_move_rooms_and_edits_rebase() {
        let mut send: Op = serde_json::from_value(serde_json::json!({
            "name": "chat.send", "args": {"room_id": "local", "id": "x", "body": "b", "media": ["p"]}
        }))
        .unwrap();
        assert_eq!(send.room_id(), Some("local"));
        assert_eq!(send.media(), ["p"]);
        assert!(send.set_room_id("server"));
        assert_eq!(send.room_id(), Some("server"));
        let mut edit = Op::decode(
            "review.edit",
            &serde_json::json!({"id": "r", "edit": {"base_version": 1, "photos": ["a"]}}),
        )
        .unwrap();
        assert_eq!(edit.media(), ["a"]);
        assert!(edit.set_base_version(4));
        assert_eq!(edit.edited(), Some((EntityKind::Review, "r", 4)));
        let mut like = Op::decode(
            "like.set",
            &serde_json::json!({"target_type": "review", "target_id": "r", "liked": true}),
        )
        .unwrap();
        assert!(!like.set_base_version(1));
        assert!(!like.set_room_id("x"));
    }

    #[test]
    fn entity_kinds_round_trip_and_keep_unknown_spellings() {
        for kind in EntityKind::KNOWN {
            assert_eq!(&EntityKind::parse(kind.as_str()), kind);
        }
        let kind: EntityKind = serde_json::from_str(r#""group_call""#).unwrap();
        assert_eq!(kind, EntityKind::Unknown("group_call".into()));
        assert_eq!(serde_json::to_string(&kind).unwrap(), r#""group_call""#);
    }
}
