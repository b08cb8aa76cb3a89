//! The demo shop: communities (서울대학교, 연세대학교, 성수동) with demo
//! members in them, sellable products with options and photos, open
//! group-buys at different progress (one ending in a few minutes, which
//! reaches its minimum and succeeds while you watch), and closed ones that
//! succeeded or failed, with their orders and histories. Everything goes
//! through the shop's own functions (the same checks, counts, history and
//! change log as real use), back-dated where it is the past.
//!
//! Paid demo orders are paid at the embedded fake PortOne too
//! ([`held_payments`], told to it at every start), so refunds of demo
//! orders work like any other.

use moa_protocol::{
    CampaignStatus, CommunityKind, CreateCampaignRequest, CreateCommunityRequest,
    OptionChoiceInput, OptionGroupInput, OrderStatus, PlaceOrderRequest, Role, ShopProductRequest,
    UpdateProfileRequest,
};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::shop::{campaigns, communities, jobs, orders, products};
use crate::users::service as users;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;

pub(super) fn actor(id: &str, role: Role) -> Actor {
    Actor {
        user_id: id.to_owned(),
        session_id: String::new(),
        role,
        suspended_until: None,
    }
}

/// (name, kind, email domain)
const COMMUNITIES: &[(&str, CommunityKind, Option<&str>)] = &[
    ("서울대학교", CommunityKind::University, Some("snu.ac.kr")),
    (
        "연세대학교",
        CommunityKind::University,
        Some("yonsei.ac.kr"),
    ),
    ("성수동", CommunityKind::Neighbourhood, None),
];

/// Which community each regular (by position after the two staff
/// accounts) belongs to: an index into [`COMMUNITIES`].
const MEMBERSHIP: &[Option<usize>] = &[Some(2), Some(0), Some(1), Some(2), Some(0), Some(1)];

fn choice(name: &str, delta: i64, stock: i64) -> OptionChoiceInput {
    OptionChoiceInput {
        id: None,
        name: name.to_owned(),
        price_delta_krw: delta,
        stock,
    }
}

fn group(name: &str, choices: Vec<OptionChoiceInput>) -> OptionGroupInput {
    OptionGroupInput {
        name: name.to_owned(),
        choices,
    }
}

/// The demo's products.
fn products(photos: &[String]) -> Vec<ShopProductRequest> {
    let photo = |n: usize| {
        if photos.is_empty() {
            vec![]
        } else {
            vec![
                photos[n % photos.len()].clone(),
                photos[(n + 5) % photos.len()].clone(),
            ]
        }
    };
    vec![
        ShopProductRequest {
            name: "학교 로고 후드티".into(),
            description: "도톰한 기모 안감의 오버핏 후드티예요.\n가슴에 학교 로고 자수, 등판은 무지.\n\n사이즈: S(90) M(95) L(100) XL(105)".into(),
            photos: photo(0),
            base_price_krw: 49_000,
            option_groups: vec![
                group("색상", vec![choice("네이비", 0, 120), choice("멜란지 그레이", 0, 120), choice("크림", 2_000, 40)]),
                group("사이즈", vec![choice("S", 0, 60), choice("M", 0, 80), choice("L", 0, 80), choice("XL", 1_000, 40)]),
            ],
            catalog_product_id: None,
        },
        ShopProductRequest {
            name: "스테인리스 진공 텀블러 473ml".into(),
            description: "보온 12시간, 보냉 24시간. 뚜껑까지 분리 세척돼요.\n각인은 주문 후 일괄 진행합니다.".into(),
            photos: photo(1),
            base_price_krw: 32_000,
            option_groups: vec![group(
                "색상",
                vec![choice("매트 블랙", 0, 80), choice("화이트", 0, 80), choice("세이지 그린", 1_500, 8)],
            )],
            catalog_product_id: None,
        },
        ShopProductRequest {
            name: "제주 감귤 5kg (로열과)".into(),
            description: "서귀포 농가 직송, 수확 다음 날 발송해요. 당도 11brix 이상만 골랐어요.".into(),
            photos: photo(2),
            base_price_krw: 29_900,
            option_groups: vec![],
            catalog_product_id: None,
        },
        ShopProductRequest {
            name: "무선 기계식 키보드 (저소음 적축)".into(),
            description: "블루투스 5.1 + 2.4GHz 동글, 한글 각인. 도서관에서도 조용해요.".into(),
            photos: photo(3),
            base_price_krw: 89_000,
            option_groups: vec![group(
                "배열",
                vec![choice("풀배열", 0, 30), choice("텐키리스", -5_000, 30)],
            )],
            catalog_product_id: None,
        },
        ShopProductRequest {
            name: "성수 로스터리 원두 1kg".into(),
            description: "이번 주 로스팅한 하우스 블렌드. 홀빈 또는 분쇄 중에 골라 주세요.".into(),
            photos: photo(4),
            base_price_krw: 38_000,
            option_groups: vec![group(
                "분쇄",
                vec![choice("홀빈", 0, 50), choice("핸드드립용", 0, 50), choice("에스프레소용", 0, 50)],
            )],
            catalog_product_id: None,
        },
    ]
}

/// One demo campaign: the product (index), its communities (indexes; none
/// = everyone), prices and counts, its timing relative to now, how many
/// demo members order (and pay), and how it ended.
struct Plan {
    product: usize,
    title: &'static str,
    communities: &'static [usize],
    group_price: i64,
    min: i64,
    stock: i64,
    limit: i64,
    /// When it opened and closes, from now.
    starts_in: i64,
    deadline_in: i64,
    buyers: usize,
    ending: Ending,
}

#[derive(Clone, Copy, PartialEq)]
enum Ending {
    Open,
    Succeeded,
    Failed,
}

const PLANS: &[Plan] = &[
    Plan {
        product: 1,
        title: "[모두] 진공 텀블러 공동구매",
        communities: &[],
        group_price: 24_000,
        min: 3,
        stock: 60,
        limit: 2,
        starts_in: -2 * DAY,
        deadline_in: 12 * MINUTE,
        buyers: 4,
        ending: Ending::Open,
    },
    Plan {
        product: 0,
        title: "서울대 로고 후드티 2차",
        communities: &[0],
        group_price: 39_000,
        min: 20,
        stock: 200,
        limit: 3,
        starts_in: -3 * DAY,
        deadline_in: 4 * DAY + 6 * HOUR,
        buyers: 2,
        ending: Ending::Open,
    },
    Plan {
        product: 0,
        title: "연세대 과잠 대신 후드티",
        communities: &[1],
        group_price: 38_000,
        min: 15,
        stock: 150,
        limit: 2,
        starts_in: -DAY,
        deadline_in: 20 * HOUR,
        buyers: 2,
        ending: Ending::Open,
    },
    Plan {
        product: 4,
        title: "성수 로스터리 원두 이웃 공구",
        communities: &[2],
        group_price: 29_000,
        min: 5,
        stock: 40,
        limit: 4,
        starts_in: -5 * HOUR,
        deadline_in: 2 * DAY,
        buyers: 2,
        ending: Ending::Open,
    },
    Plan {
        product: 2,
        title: "[모두] 제주 감귤 산지 직송",
        communities: &[],
        group_price: 21_900,
        min: 30,
        stock: 300,
        limit: 5,
        starts_in: -DAY,
        deadline_in: 6 * DAY,
        buyers: 5,
        ending: Ending::Open,
    },
    Plan {
        product: 3,
        title: "[모두] 저소음 키보드 (지난 공구)",
        communities: &[],
        group_price: 69_000,
        min: 3,
        stock: 50,
        limit: 1,
        starts_in: -12 * DAY,
        deadline_in: -5 * DAY,
        buyers: 4,
        ending: Ending::Succeeded,
    },
    Plan {
        product: 2,
        title: "서울대 감귤 공구 (인원 미달)",
        communities: &[0],
        group_price: 19_900,
        min: 25,
        stock: 200,
        limit: 3,
        starts_in: -9 * DAY,
        deadline_in: -2 * DAY,
        buyers: 2,
        ending: Ending::Failed,
    },
];

/// Adds the demo shop: `people` are the demo accounts (admin first, then
/// the moderator, then regulars), `photos` media ids the admin owns.
/// Answers how many campaigns were opened.
pub async fn seed(
    conn: &mut AnyConnection,
    people: &[(String, Role)],
    photos: &[String],
    now: i64,
) -> Result<usize> {
    let (admin_id, _) = people
        .first()
        .ok_or_else(|| Error::Internal("the demo has no admin".into()))?;
    let admin = actor(admin_id, Role::Admin);
    let mut community_ids = Vec::with_capacity(COMMUNITIES.len());
    for (name, kind, domain) in COMMUNITIES {
        let req = CreateCommunityRequest {
            name: (*name).to_owned(),
            kind: *kind,
            email_domain: domain.map(str::to_owned),
        };
        community_ids.push(
            communities::create(conn, &admin, &req, now - 30 * DAY)
                .await?
                .id,
        );
    }
    let regulars: Vec<&(String, Role)> = people.iter().skip(2).collect();
    for (n, ((id, _), home)) in regulars.iter().zip(MEMBERSHIP).enumerate() {
        // As a member does it (`PATCH /v1/me`), so their devices hear of it.
        // Most save a number; two in three of those agree to marketing
        // texts (the admin's texts screen has someone to reach).
        let edit = UpdateProfileRequest {
            community_id: Some(home.and_then(|i| community_ids.get(i)).cloned()),
            phone: (n % 4 != 3).then(|| Some(format!("010-5{n:03}-{:04}", 1000 + n * 37))),
            sms_opt_in: Some(n % 3 != 2),
            ..Default::default()
        };
        let user = users::update_profile(conn, id, &edit, now - 29 * DAY).await?;
        // Their numbers were verified by a texted code back then.
        if let Some(phone) = &user.phone {
            users::set_verified_phone(conn, id, phone, now - 29 * DAY).await?;
        }
    }
    let mut product_ids = Vec::new();
    for req in products(photos) {
        product_ids.push(products::save(conn, &admin, None, &req, now - 20 * DAY).await?);
    }
    for (n, plan) in PLANS.iter().enumerate() {
        let product = &product_ids[plan.product];
        let opened = now + plan.starts_in;
        let req = CreateCampaignRequest {
            product_id: product.id.clone(),
            title: Some(plan.title.to_owned()),
            community_ids: plan
                .communities
                .iter()
                .filter_map(|i| community_ids.get(*i).cloned())
                .collect(),
            group_price_krw: plan.group_price,
            min_participants: plan.min,
            stock: plan.stock,
            per_member_limit: plan.limit,
            starts_at: Some(opened),
            deadline_at: now + plan.deadline_in,
        };
        // Created as it was when it opened (a past one's deadline was then
        // in the future).
        let campaign = campaigns::create(conn, &admin, &req, opened).await?;
        let offered = |id: &String| {
            let home = regulars
                .iter()
                .position(|(r, _)| r == id)
                .and_then(|i| MEMBERSHIP.get(i).copied().flatten());
            req.community_ids.is_empty()
                || home.is_some_and(|i| req.community_ids.contains(&community_ids[i]))
        };
        let buyers: Vec<&String> = regulars
            .iter()
            .map(|(id, _)| id)
            .filter(|id| offered(id))
            .take(plan.buyers)
            .collect();
        for (k, buyer) in buyers.iter().enumerate() {
            // Spread over the first hours it was open, and always in the past.
            let at = (opened + (k as i64 + 1) * (plan.deadline_in - plan.starts_in).min(DAY) / 8)
                .min(now - (plan.buyers - k) as i64 * 10 * MINUTE);
            let choice_ids: Vec<String> = product
                .option_groups
                .iter()
                .map(|g| g.choices[(n + k) % g.choices.len()].id.clone())
                .collect();
            let place = PlaceOrderRequest {
                id: crate::util::new_id(),
                campaign_id: campaign.id.clone(),
                choice_ids,
                quantity: 1 + (k as i64 % plan.limit.min(2)),
            };
            let member = actor(buyer, Role::Member);
            let (order, _, _) = orders::place(conn, &member, &place, 15 * MINUTE, at).await?;
            let row = orders::row(conn, &order.id)
                .await?
                .ok_or_else(|| Error::Internal("a demo order is gone".into()))?;
            orders::transition(
                conn,
                &row,
                OrderStatus::Paid,
                None,
                "결제 확인 (데모)",
                at + MINUTE,
            )
            .await?;
            orders::publish(conn, &order.id, at + MINUTE).await?;
        }
        campaigns::recount(conn, &campaign.id, now).await?;
        campaigns::publish(conn, &campaign.id, now).await?;
        let closed = now + plan.deadline_in;
        match plan.ending {
            Ending::Open => {}
            Ending::Succeeded => {
                jobs::succeed(conn, &campaign.id, "최소 인원 달성", closed).await?;
                campaigns::publish(conn, &campaign.id, closed).await?;
            }
            Ending::Failed => {
                // Its refunds run as jobs once the server is up.
                jobs::fail(conn, &campaign.id, CampaignStatus::Failed, None, closed).await?;
                campaigns::publish(conn, &campaign.id, closed).await?;
            }
        }
    }
    Ok(PLANS.len())
}

/// The payments the database holds as taken (paid, confirmed, delivered,
/// or being refunded): (order id, name, amount). The embedded fake PortOne
/// forgets its payments when the server stops; these are told to it at
/// start so it agrees with the database.
pub async fn held_payments(db: &Db) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT o.id, c.title, o.amount_krw FROM orders o JOIN campaigns c ON c.id = o.campaign_id \
         WHERE o.status IN ('paid', 'confirmed', 'fulfilled', 'refund_pending')",
    )
    .fetch_all(db.read())
    .await?)
}
