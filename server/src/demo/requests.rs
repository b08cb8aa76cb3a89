//! The demo's requests (부탁) and points: welcome points granted by the
//! admin, and requests in every state — open ones with quotes, one matched
//! (points held, the pair's room open), one completed and reviewed, one
//! cancelled, one offered to a community only — made through the same
//! service functions as members' own.

use moa_protocol::{
    CancelRequestArgs, GrantPointsRequest, HelperReviewInput, QuoteInput, RequestCategory,
    RequestInput, Role, kst,
};
use sqlx::AnyConnection;

use crate::error::{Error, Result};
use crate::requests::{points, service};
use crate::util::new_id;

use super::shop::actor;

const DAY: i64 = 86_400_000;

/// One demo request: who asks (index among the regulars), what, and what
/// happens to it.
struct Plan {
    by: usize,
    title: &'static str,
    category: RequestCategory,
    region: &'static str,
    /// Days from today of the first and last day.
    days: (i64, i64),
    budget: (i64, i64),
    details: &'static str,
    community_only: bool,
    /// Quotes: (regular, price, message).
    quotes: &'static [(usize, i64, &'static str)],
    end: End,
}

enum End {
    Open,
    /// The first quote accepted.
    Matched,
    /// Accepted, completed and reviewed (rating, text).
    Reviewed(i64, &'static str),
    Cancelled(&'static str),
}

const PLANS: &[Plan] = &[
    Plan {
        by: 0,
        title: "도쿄에서 한정판 굿즈 대신 사다 주실 분",
        category: RequestCategory::Purchase,
        region: "도쿄 시부야",
        days: (10, 14),
        budget: (30_000, 80_000),
        details: "시부야 파르코 팝업에서만 파는 키링 2개 부탁드려요. 영수증 사진도 같이 주시면 좋아요.",
        community_only: false,
        quotes: &[
            (
                1,
                45_000,
                "다음 주에 도쿄 출장 가요! 사진으로 실물 먼저 보여 드릴게요.",
            ),
            (3, 60_000, "시부야 근처 숙소라 오픈런 가능합니다."),
        ],
        end: End::Open,
    },
    Plan {
        by: 1,
        title: "제주 2박 3일 대신 여행 기록해 주실 분",
        category: RequestCategory::Travel,
        region: "제주",
        days: (20, 22),
        budget: (100_000, 200_000),
        details: "부모님 여행 코스 짜기 전에 동쪽 해안 카페와 숙소 사진 기록이 필요해요.",
        community_only: false,
        quotes: &[(
            2,
            150_000,
            "제주 사는 사진 찍는 사람이에요. 하루 20곳 기록 가능!",
        )],
        end: End::Open,
    },
    Plan {
        by: 0,
        title: "성수동 팝업스토어 줄 서 주실 분",
        category: RequestCategory::Errand,
        region: "서울 성동구",
        days: (3, 3),
        budget: (20_000, 40_000),
        details: "오전 10시 오픈 전에 대기 번호만 받아 주세요.",
        community_only: false,
        quotes: &[(2, 30_000, "성수 살아요. 9시부터 줄 설게요.")],
        end: End::Matched,
    },
    Plan {
        by: 3,
        title: "오사카 약국에서 파스 대리 구매",
        category: RequestCategory::Purchase,
        region: "오사카",
        days: (1, 2),
        budget: (10_000, 30_000),
        details: "동전파스 3박스, 가능하면 큰 사이즈로요.",
        community_only: false,
        quotes: &[(0, 20_000, "이번 주말 오사카 가요!")],
        end: End::Reviewed(5, "빠르고 친절했어요. 포장까지 꼼꼼하게 해 주셨어요 👍"),
    },
    Plan {
        by: 2,
        title: "부산 돼지국밥 맛집 투어 기록",
        category: RequestCategory::Travel,
        region: "부산",
        days: (5, 6),
        budget: (50_000, 90_000),
        details: "서면과 남포동 위주로 5곳 정도요.",
        community_only: false,
        quotes: &[],
        end: End::Cancelled("일정이 바뀌어서 취소할게요"),
    },
    Plan {
        by: 1,
        title: "주말 강아지 산책 부탁드려요",
        category: RequestCategory::Errand,
        region: "관악구 봉천동",
        days: (2, 4),
        budget: (15_000, 25_000),
        details: "순한 말티즈예요. 30분 정도 산책해 주시면 돼요.",
        community_only: true,
        quotes: &[],
        end: End::Open,
    },
];

/// Adds the demo's points and requests. `people`: admin, moderator, then
/// regulars. Answers how many requests were posted.
pub async fn seed(conn: &mut AnyConnection, people: &[(String, Role)], now: i64) -> Result<usize> {
    let (admin_id, _) = people
        .first()
        .ok_or_else(|| Error::Internal("the demo has no admin".into()))?;
    let admin = actor(admin_id, Role::Admin);
    let regulars: Vec<&String> = people.iter().skip(2).map(|(id, _)| id).collect();
    let regular = |i: usize| {
        regulars
            .get(i)
            .map(|id| actor(id, Role::Member))
            .ok_or_else(|| Error::Internal(format!("the demo has no regular {i}")))
    };
    for (i, amount) in [(0, 100_000), (1, 50_000), (3, 30_000)] {
        let member = regular(i)?;
        let req = GrantPointsRequest {
            user_id: member.user_id.clone(),
            amount,
            reason: "가입 환영 포인트".into(),
        };
        points::grant(conn, &admin, &req, now - 7 * DAY).await?;
    }
    for (n, plan) in PLANS.iter().enumerate() {
        let at = now - (PLANS.len() - n) as i64 * 3_600_000;
        let by = regular(plan.by)?;
        let id = new_id();
        let input = RequestInput {
            id: id.clone(),
            title: plan.title.into(),
            category: plan.category,
            region: plan.region.into(),
            place_id: None,
            starts_on: kst::date_of(now + plan.days.0 * DAY),
            ends_on: kst::date_of(now + plan.days.1 * DAY),
            budget_min_krw: plan.budget.0,
            budget_max_krw: plan.budget.1,
            details: plan.details.into(),
            photos: Vec::new(),
            community_only: plan.community_only,
        };
        service::create(conn, &by, &input, at).await?;
        let mut first_quote = None;
        for (k, (who, price, message)) in plan.quotes.iter().enumerate() {
            let quote_id = new_id();
            let q = QuoteInput {
                id: quote_id.clone(),
                request_id: id.clone(),
                price_krw: *price,
                message: (*message).into(),
            };
            service::set_quote(conn, &regular(*who)?, &q, at + (k as i64 + 1) * 600_000).await?;
            first_quote.get_or_insert(quote_id);
        }
        let later = at + 1_800_000;
        match (&plan.end, first_quote) {
            (End::Open, _) => {}
            (End::Matched, Some(q)) => {
                service::accept(conn, &by, &id, &q, later).await?;
            }
            (End::Reviewed(rating, text), Some(q)) => {
                service::accept(conn, &by, &id, &q, later).await?;
                service::complete(conn, &by, &id, later + 600_000).await?;
                let review = HelperReviewInput {
                    request_id: id.clone(),
                    rating: *rating,
                    text: (*text).into(),
                    photos: Vec::new(),
                };
                service::review(conn, &by, &review, later + 1_200_000).await?;
            }
            (End::Cancelled(reason), _) => {
                let args = CancelRequestArgs {
                    id: id.clone(),
                    reason: (*reason).into(),
                };
                service::cancel(conn, &by, &args, later).await?;
            }
            (_, None) => return Err(Error::Internal("a demo plan needs a quote".into())),
        }
    }
    Ok(PLANS.len())
}
