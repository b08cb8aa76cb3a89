//! Demo data (`--demo`): fills an empty database with a believable Korean
//! community so the apps show something real on first start. Each feature
//! adds its own part here (places, reviews, chat, the shop, ...). Passwords are random
//! and shown once, on the console, for signing in.

pub mod community;
mod photos;
mod requests;
pub mod shop;

use moa_protocol::{Role, UpdateProfileRequest};

use crate::auth::service::{ValidSignup, create_account};
use crate::db::Db;
use crate::error::Result;
use crate::media::store::MediaStore;
use crate::users::service as users;
use crate::util::{now_ms, random_password};

/// Photos drawn for the demo reviews.
const DEMO_PHOTOS: usize = 12;

/// One demo account, as printed for the operator.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
}

/// (handle, display name, bio, role)
const PEOPLE: &[(&str, &str, &str, Role)] = &[
    (
        "moa_admin",
        "모아 관리자",
        "모아 커뮤니티 운영팀입니다. 문의는 언제든 환영해요.",
        Role::Admin,
    ),
    (
        "moa_mod",
        "운영지기 하늘",
        "신고는 빠르게 확인할게요 🙏",
        Role::Moderator,
    ),
    (
        "minji",
        "김민지",
        "성수동 카페 투어 중 ☕ 사진 찍는 걸 좋아해요.",
        Role::Member,
    ),
    (
        "seojun",
        "이서준",
        "자취 5년 차, 가성비 생활용품 리뷰합니다.",
        Role::Member,
    ),
    (
        "jiwoo",
        "박지우",
        "연남동 맛집 기록장. 매운 음식 러버 🌶️",
        Role::Member,
    ),
    (
        "haeun",
        "최하은",
        "캠핑과 등산 장비 덕후. 주말마다 산에 있어요.",
        Role::Member,
    ),
    (
        "doyoon",
        "정도윤",
        "대학생, 공동구매 자주 열어요. 학교 근처 소식 공유!",
        Role::Member,
    ),
    (
        "seoyeon",
        "강서연",
        "스킨케어 성분 분석하는 직장인 🧴",
        Role::Member,
    ),
];

/// Adds the demo community if the database has no accounts yet. Returns the
/// accounts created (empty when the database was not empty).
pub async fn seed(db: &Db, media_store: &MediaStore) -> Result<Vec<DemoAccount>> {
    let existing = {
        let mut conn = db.read().acquire().await?;
        users::count(&mut conn).await?
    };
    if existing > 0 {
        tracing::info!(
            accounts = existing,
            "database is not empty; demo data not added"
        );
        return Ok(vec![]);
    }
    let mut created = Vec::with_capacity(PEOPLE.len());
    let mut people = Vec::with_capacity(PEOPLE.len());
    for (handle, name, bio, role) in PEOPLE {
        let account = DemoAccount {
            email: format!("{handle}@moa.example"),
            handle: (*handle).to_owned(),
            display_name: (*name).to_owned(),
            password: random_password(14),
            role: *role,
        };
        let input = ValidSignup {
            email: account.email.clone(),
            handle: account.handle.clone(),
            display_name: account.display_name.clone(),
            password: account.password.clone(),
            community_id: None,
        };
        let user = create_account(db, input, *role).await?;
        let edit = UpdateProfileRequest {
            bio: Some((*bio).to_owned()),
            ..Default::default()
        };
        let mut tx = db.begin_write().await?;
        users::update_profile(&mut tx, &user.id, &edit, now_ms()).await?;
        tx.commit().await?;
        people.push((user.id, *role));
        created.push(account);
    }
    // The regulars' photos, the admin's too (for the shop's products).
    let owners: Vec<String> = people
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, (id, _))| id.clone())
        .collect();
    let photos = photos::store(db, media_store, &owners, DEMO_PHOTOS).await?;
    let mut tx = db.begin_write().await?;
    let reviews = community::seed(&mut tx, &people, &photos, now_ms()).await?;
    let campaigns = shop::seed(&mut tx, &people, &photos, now_ms()).await?;
    let requests = requests::seed(&mut tx, &people, now_ms()).await?;
    tx.commit().await?;
    tracing::info!(
        accounts = created.len(),
        reviews,
        campaigns,
        requests,
        "demo community created"
    );
    Ok(created)
}

/// The sign-in table printed once at start.
pub fn credentials_table(accounts: &[DemoAccount]) -> String {
    let mut out = String::from("\nDemo accounts (shown once; sign in with email and password):\n");
    for a in accounts {
        out.push_str(&format!(
            "  {:<10} {:<24} {:<16} {}\n",
            a.role.as_str(),
            a.email,
            a.password,
            a.display_name
        ));
    }
    out
}
