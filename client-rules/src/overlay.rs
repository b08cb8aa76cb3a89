//! The local view = confirmed server state + pending mutations (no I/O).
//!
//! Reads load confirmed entities from the store, then call these functions
//! with the outbox rows still in view (queued, sending, or applied but not yet
//! pulled back). Every rule is written as "set", not "add": a like sets
//! `liked`, an edit sets fields, and counts move by the difference from the
//! confirmed state, so applying a mutation the server already reflected
//! changes nothing. A rejected mutation leaves the outbox view and its effect
//! disappears on the next read: that is the rebase.

use std::collections::HashSet;

use moa_protocol::sync::{IdArgs, LikeTarget};
use moa_protocol::{Author, Comment, Me, Notification, Op, Profile, Review, Subject};

/// The entity an op is about (for the outbox screen).
pub fn target_id(op: &Op) -> Option<&str> {
    match op {
        Op::ReviewCreate(r) => r.id.as_deref(),
        Op::ReviewEdit(a) => Some(&a.id),
        Op::ReviewDelete(IdArgs { id }) | Op::CommentDelete(IdArgs { id }) => Some(id),
        Op::CommentCreate(a) => a.comment.id.as_deref(),
        Op::CommentEdit(a) => Some(&a.id),
        Op::LikeSet(a) => Some(&a.target_id),
        Op::ScrapSet(a) => Some(&a.review_id),
        Op::FollowSet(a) => Some(&a.user_id),
        _ => None,
    }
}

/// Ids of entities the confirmed state already holds, for create ops (so a
/// create the server applied and the client pulled is not shown twice).
pub type Known = HashSet<String>;

/// A confirmed review with the reader's confirmed like and scrap.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewBase {
    pub review: Review,
    pub liked: bool,
    pub scrapped: bool,
}

fn delta(now: bool, before: bool) -> i64 {
    i64::from(now) - i64::from(before)
}

/// The review as the reader sees it with `ops` applied; `None` if a pending
/// delete removed it.
pub fn review(base: ReviewBase, ops: &[Op], known: &Known) -> Option<Review> {
    let ReviewBase {
        mut review,
        liked: liked0,
        scrapped: scrapped0,
    } = base;
    let (mut liked, mut scrapped) = (liked0, scrapped0);
    for op in ops {
        match op {
            Op::ReviewEdit(a) if a.id == review.id => {
                let e = &a.edit;
                if let Some(t) = &e.title {
                    review.title.clone_from(t);
                }
                if let Some(b) = &e.body {
                    review.body.clone_from(b);
                }
                if let Some(p) = &e.photos {
                    review.photos.clone_from(p);
                }
                if let Some(r) = e.rating {
                    review.rating = r;
                }
                if let Some(t) = &e.tags {
                    review.tags.clone_from(t);
                }
            }
            Op::ReviewDelete(IdArgs { id }) if *id == review.id => review.deleted = true,
            Op::LikeSet(a) if a.target_type == LikeTarget::Review && a.target_id == review.id => {
                liked = a.liked;
            }
            Op::ScrapSet(a) if a.review_id == review.id => scrapped = a.scrapped,
            Op::CommentCreate(a) if a.review_id == review.id => {
                let id = a.comment.id.as_deref().unwrap_or_default();
                if !known.contains(id) {
                    review.comment_count += 1;
                }
            }
            _ => {}
        }
    }
    review.like_count = (review.like_count + delta(liked, liked0)).max(0);
    review.scrap_count = (review.scrap_count + delta(scrapped, scrapped0)).max(0);
    review.liked_by_me = liked;
    review.scrapped_by_me = scrapped;
    (!review.deleted && !review.hidden).then_some(review)
}

/// Reviews created by pending ops and not yet confirmed, newest first.
pub fn new_reviews(
    ops: &[Op],
    known: &Known,
    me: &Author,
    subject: &dyn Fn(&moa_protocol::SubjectRef) -> Option<Subject>,
    now: i64,
) -> Vec<Review> {
    let mut out: Vec<Review> = ops
        .iter()
        .filter_map(|op| match op {
            Op::ReviewCreate(r) => Some(r),
            _ => None,
        })
        .filter(|r| r.id.as_deref().is_some_and(|id| !known.contains(id)))
        .map(|r| Review {
            id: r.id.clone().unwrap_or_default(),
            author: me.clone(),
            kind: r.kind,
            title: r.title.clone(),
            body: r.body.clone(),
            photos: r.photos.clone(),
            subject: r.subject.as_ref().and_then(subject),
            rating: r.rating,
            tags: r.tags.clone(),
            official: r.official,
            like_count: 0,
            comment_count: 0,
            scrap_count: 0,
            view_count: 0,
            liked_by_me: false,
            scrapped_by_me: false,
            version: 0,
            created_at: now,
            edited_at: None,
            hidden: false,
            deleted: false,
        })
        .collect();
    out.reverse();
    out
}

/// The comments of `review_id` with `ops` applied, in thread order.
pub fn comments(
    review_id: &str,
    confirmed: Vec<(Comment, bool)>,
    ops: &[Op],
    me: &Author,
    now: i64,
) -> Vec<Comment> {
    let mut list: Vec<(Comment, bool, bool)> = confirmed
        .into_iter()
        .map(|(c, liked)| (c, liked, liked))
        .collect();
    for op in ops {
        match op {
            Op::CommentCreate(a) if a.review_id == review_id => {
                let id = a.comment.id.clone().unwrap_or_default();
                if list.iter().any(|(c, _, _)| c.id == id) {
                    continue;
                }
                let comment = Comment {
                    id,
                    review_id: review_id.to_owned(),
                    parent_id: a.comment.parent_id.clone(),
                    author: me.clone(),
                    body: a.comment.body.clone(),
                    like_count: 0,
                    reply_count: 0,
                    liked_by_me: false,
                    version: 0,
                    created_at: now,
                    edited_at: None,
                    hidden: false,
                    deleted: false,
                };
                if let Some(parent) = &comment.parent_id
                    && let Some(p) = list.iter_mut().find(|(c, _, _)| c.id == *parent)
                {
                    p.0.reply_count += 1;
                }
                list.push((comment, false, false));
            }
            Op::CommentEdit(a) => {
                if let Some(c) = list.iter_mut().find(|(c, _, _)| c.id == a.id) {
                    c.0.body.clone_from(&a.edit.body);
                }
            }
            Op::CommentDelete(IdArgs { id }) => {
                if let Some(c) = list.iter_mut().find(|(c, _, _)| c.id == *id) {
                    c.0.deleted = true;
                }
            }
            Op::LikeSet(a) if a.target_type == LikeTarget::Comment => {
                if let Some(c) = list.iter_mut().find(|(c, _, _)| c.id == a.target_id) {
                    c.2 = a.liked;
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<Comment> = list
        .into_iter()
        .map(|(mut c, liked0, liked)| {
            c.like_count = (c.like_count + delta(liked, liked0)).max(0);
            c.liked_by_me = liked;
            c
        })
        .filter(|c| {
            let gone = c.hidden || (c.deleted && c.reply_count == 0);
            !gone
        })
        .collect();
    thread_order(&mut out);
    out
}

/// Top-level comments oldest first, each followed by its replies.
fn thread_order(comments: &mut Vec<Comment>) {
    let key = |c: &Comment| (c.created_at, c.id.clone());
    let mut top: Vec<Comment> = comments
        .iter()
        .filter(|c| c.parent_id.is_none())
        .cloned()
        .collect();
    top.sort_by_key(key);
    let mut out = Vec::with_capacity(comments.len());
    for t in top {
        let mut replies: Vec<Comment> = comments
            .iter()
            .filter(|c| c.parent_id.as_deref() == Some(&t.id))
            .cloned()
            .collect();
        replies.sort_by_key(key);
        out.push(t);
        out.extend(replies);
    }
    // Replies whose parent is not here (not loaded yet) keep their place at
    // the end rather than vanish.
    let placed: HashSet<String> = out.iter().map(|c| c.id.clone()).collect();
    let mut orphans: Vec<Comment> = comments
        .iter()
        .filter(|c| !placed.contains(&c.id))
        .cloned()
        .collect();
    orphans.sort_by_key(key);
    out.extend(orphans);
    *comments = out;
}

/// The member's own profile with pending profile edits applied.
pub fn me(mut me: Me, ops: &[Op]) -> Me {
    for op in ops {
        if let Op::ProfileUpdate(p) = op {
            if let Some(v) = &p.display_name {
                me.display_name.clone_from(v);
            }
            if let Some(v) = &p.bio {
                me.bio.clone_from(v);
            }
            if let Some(v) = &p.links {
                me.links.clone_from(v);
            }
            if let Some(v) = &p.avatar_media_id {
                me.avatar_media_id.clone_from(v);
            }
            if let Some(v) = &p.community_id {
                me.community_id.clone_from(v);
            }
            if let Some(v) = &p.phone {
                // Shown as the server stores it; another number is not
                // verified until its own code comes back.
                let phone = v.as_deref().and_then(moa_protocol::korean_mobile);
                if phone != me.phone {
                    me.phone_verified = false;
                }
                me.phone = phone;
            }
            if let Some(v) = p.sms_opt_in {
                me.sms_opt_in = v;
            }
        }
    }
    me
}

/// Another member's profile with pending follows applied; `followed` is the
/// confirmed follow.
pub fn profile(mut profile: Profile, followed: bool, ops: &[Op]) -> Profile {
    let mut now = followed;
    for op in ops {
        if let Op::FollowSet(f) = op
            && f.user_id == profile.id
        {
            now = f.following;
        }
    }
    profile.counts.followers = (profile.counts.followers + delta(now, followed)).max(0);
    profile.followed_by_me = now;
    profile
}

/// Whether the member follows `user_id` once pending ops apply.
pub fn following(user_id: &str, confirmed: bool, ops: &[Op]) -> bool {
    ops.iter().fold(confirmed, |state, op| match op {
        Op::FollowSet(f) if f.user_id == user_id => f.following,
        _ => state,
    })
}

/// Notifications with pending "mark read" applied.
pub fn notifications(mut list: Vec<Notification>, ops: &[Op]) -> Vec<Notification> {
    for op in ops {
        if let Op::NotificationsRead(r) = op {
            for n in list.iter_mut() {
                if r.all || r.ids.contains(&n.id) {
                    n.read = true;
                }
            }
        }
    }
    list
}

/// Scrapped review ids once pending scraps apply, given the confirmed ones
/// newest first.
pub fn scrapped_ids(confirmed: Vec<String>, ops: &[Op]) -> Vec<String> {
    let mut ids = confirmed;
    for op in ops {
        if let Op::ScrapSet(s) = op {
            ids.retain(|id| *id != s.review_id);
            if s.scrapped {
                ids.insert(0, s.review_id.clone());
            }
        }
    }
    ids
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use moa_protocol::sync::{
        CreateCommentArgs, EditReviewArgs, SetFollowArgs, SetLikeArgs, SetScrapArgs,
    };
    use moa_protocol::{CreateReviewRequest, EditReviewRequest, ReviewKind};
    use serde_json::json;

    pub(crate) fn author(id: &str) -> Author {
        Author {
            id: id.into(),
            handle: id.into(),
            display_name: id.into(),
            avatar_media_id: None,
            deleted: false,
        }
    }

    fn sample(id: &str, likes: i64) -> Review {
        serde_json::from_value(json!({
            "id": id, "author": author("a"), "kind": "story", "title": "t", "body": "b",
            "photos": [], "subject": null, "rating": 4, "tags": [], "official": false,
            "like_count": likes, "comment_count": 0, "scrap_count": 0, "view_count": 0,
            "liked_by_me": false, "scrapped_by_me": false, "version": 1, "created_at": 1,
            "edited_at": null, "hidden": false, "deleted": false
        }))
        .unwrap()
    }

    fn like(id: &str, liked: bool) -> Op {
        Op::LikeSet(SetLikeArgs {
            target_type: LikeTarget::Review,
            target_id: id.into(),
            liked,
        })
    }

    #[test]
    fn a_pending_like_counts_once_and_is_idempotent_over_the_confirmed_state() {
        let known = Known::new();
        let base = ReviewBase {
            review: sample("r", 3),
            liked: false,
            scrapped: false,
        };
        let r = review(base, &[like("r", true)], &known).unwrap();
        assert!(r.liked_by_me);
        assert_eq!(r.like_count, 4);
        // The server already counted it: nothing more is added.
        let base = ReviewBase {
            review: sample("r", 4),
            liked: true,
            scrapped: false,
        };
        assert_eq!(
            review(base, &[like("r", true)], &known).unwrap().like_count,
            4
        );
        // Like then unlike while offline: back where it was.
        let base = ReviewBase {
            review: sample("r", 3),
            liked: false,
            scrapped: false,
        };
        let ops = [like("r", true), like("r", false)];
        assert_eq!(review(base, &ops, &known).unwrap().like_count, 3);
    }

    #[test]
    fn edits_set_fields_and_deletes_hide() {
        let edit = Op::ReviewEdit(EditReviewArgs {
            id: "r".into(),
            edit: EditReviewRequest {
                base_version: 1,
                title: None,
                body: Some("새 본문".into()),
                photos: None,
                rating: Some(None),
                tags: None,
            },
        });
        let base = ReviewBase {
            review: sample("r", 0),
            liked: false,
            scrapped: false,
        };
        let r = review(base.clone(), std::slice::from_ref(&edit), &Known::new()).unwrap();
        assert_eq!(r.body, "새 본문");
        assert_eq!(r.rating, None);
        assert_eq!(r.title, "t");
        assert!(
            review(
                base,
                &[edit, Op::ReviewDelete(IdArgs { id: "r".into() })],
                &Known::new()
            )
            .is_none()
        );
    }

    #[test]
    fn a_created_review_shows_until_the_server_copy_arrives() {
        let create = Op::ReviewCreate(CreateReviewRequest {
            id: Some("n".into()),
            kind: ReviewKind::Snap,
            title: String::new(),
            body: "오늘의 커피".into(),
            photos: vec![],
            subject: None,
            rating: None,
            tags: vec![],
            official: false,
        });
        let me = author("me");
        let ops = [create];
        let shown = new_reviews(&ops, &Known::new(), &me, &|_| None, 5);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].author.id, "me");
        let known: Known = ["n".to_string()].into();
        assert!(new_reviews(&ops, &known, &me, &|_| None, 5).is_empty());
    }

    #[test]
    fn comments_thread_with_pending_replies_and_likes() {
        let me = author("me");
        let c = |id: &str, parent: Option<&str>, at: i64| Comment {
            id: id.into(),
            review_id: "r".into(),
            parent_id: parent.map(str::to_owned),
            author: author("x"),
            body: id.into(),
            like_count: 1,
            reply_count: 0,
            liked_by_me: false,
            version: 1,
            created_at: at,
            edited_at: None,
            hidden: false,
            deleted: false,
        };
        let confirmed = vec![(c("c2", None, 2), false), (c("c1", None, 1), false)];
        let ops = [
            Op::CommentCreate(CreateCommentArgs {
                review_id: "r".into(),
                comment: moa_protocol::CreateCommentRequest {
                    id: Some("c3".into()),
                    body: "답글".into(),
                    parent_id: Some("c1".into()),
                },
            }),
            Op::LikeSet(SetLikeArgs {
                target_type: LikeTarget::Comment,
                target_id: "c2".into(),
                liked: true,
            }),
        ];
        let out = comments("r", confirmed, &ops, &me, 9);
        let ids: Vec<&str> = out.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c3", "c2"]);
        assert_eq!(out[0].reply_count, 1);
        assert_eq!(out[2].like_count, 2);
        assert!(out[2].liked_by_me);
    }

    #[test]
    fn unknown_or_unparsable_mutations_show_nothing() {
        let bad = Op::lenient("like.set", &json!({"liked": "yes"}));
        assert!(matches!(bad, Op::Unknown { .. }));
        assert_eq!(target_id(&bad), None);
        let base = ReviewBase {
            review: sample("r", 1),
            liked: false,
            scrapped: false,
        };
        let shown = review(base.clone(), &[bad], &Known::new());
        assert_eq!(shown, Some(base.review));
    }

    #[test]
    fn scraps_and_follows_follow_the_last_pending_state() {
        let ops = [
            Op::ScrapSet(SetScrapArgs {
                review_id: "b".into(),
                scrapped: true,
            }),
            Op::ScrapSet(SetScrapArgs {
                review_id: "a".into(),
                scrapped: false,
            }),
            Op::FollowSet(SetFollowArgs {
                user_id: "u".into(),
                following: true,
            }),
        ];
        assert_eq!(scrapped_ids(vec!["a".into(), "c".into()], &ops), ["b", "c"]);
        assert!(following("u", false, &ops));
        assert!(!following("v", false, &ops));
    }
}
