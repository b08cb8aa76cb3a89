//! Who acts: the signed-in member a write or read is done for, as the
//! services see it. It lives outside the HTTP layer so that every caller —
//! a REST handler (whose extractor in `extract.rs` produces it), the sync
//! push, the socket writer, the demo seeder — hands services the same type,
//! and the rules about who may do what are written once, here.

use moa_protocol::{ErrorCode, Role};

use crate::error::{Error, Result};
use crate::util::now_ms;

/// A signed-in member: their id, the session they act in, and the role and
/// suspension read fresh for this request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub session_id: String,
    pub role: Role,
    pub suspended_until: Option<i64>,
}

impl Actor {
    /// Suspended members may read but not write: 403 `account_suspended`.
    pub fn ensure_can_write(&self) -> Result<()> {
        match self.suspended_until {
            Some(until) if until > now_ms() => Err(Error::Forbidden {
                code: ErrorCode::AccountSuspended,
                message: format!("this account is suspended until {until} (Unix ms)"),
            }),
            _ => Ok(()),
        }
    }

    /// The rule for changing content: it must exist and not be deleted (404),
    /// be the member's own (403 `not_author`), and the member may write.
    pub fn ensure_author(&self, author_id: &str, deleted: bool, what: &str) -> Result<()> {
        if deleted {
            return Err(Error::NotFound(format!("no such {what}")));
        }
        if author_id != self.user_id {
            return Err(Error::Forbidden {
                code: ErrorCode::NotAuthor,
                message: format!("only the author can change this {what}"),
            });
        }
        self.ensure_can_write()
    }

    /// 403 unless the member has at least `role`.
    pub fn ensure_role(&self, role: Role) -> Result<()> {
        if self.role >= role {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "this needs the {} role",
                role.as_str()
            )))
        }
    }
}

/// Whoever reads: a signed-in member, or nobody (anonymous).
#[derive(Debug, Clone)]
pub struct Reader(pub Option<Actor>);

impl Reader {
    /// The member's id, or `""` (matches no row) when anonymous.
    pub fn id(&self) -> &str {
        self.0.as_ref().map_or("", |m| m.user_id.as_str())
    }

    /// Whether the reader may see hidden and deleted content (marked).
    pub fn is_moderator(&self) -> bool {
        self.0.as_ref().is_some_and(|m| m.role.can_moderate())
    }
}

impl From<Actor> for Reader {
    fn from(actor: Actor) -> Reader {
        Reader(Some(actor))
    }
}
