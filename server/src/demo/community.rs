//! The demo community's content: places and products around Seoul, a few
//! hundred Korean reviews spread over the last month, comments and replies,
//! likes, scraps, follows, an official notice and a few reports. Everything
//! goes through the same service functions as real requests, so counters,
//! ranks, notifications and the change log are exactly what they would be.

use moa_protocol::{
    CreateCommentRequest, CreatePlaceRequest, CreateProductRequest, CreateReportRequest,
    CreateReviewRequest, CreateRoomRequest, PlaceCategory, ProductOption, ReportReason,
    ReportTarget, ReviewKind, Role, RoomKind, SendMessageRequest, SubjectRef, SubjectType,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::error::Result;
use crate::{catalog, chat, comments, moderation, reviews, social};

/// (name, address, category, latitude, longitude, tags)
type DemoPlace = (
    &'static str,
    &'static str,
    PlaceCategory,
    f64,
    f64,
    &'static [&'static str],
);
const PLACES: &[DemoPlace] = &[
    (
        "어니언 성수",
        "서울 성동구 아차산로9길 8",
        PlaceCategory::Cafe,
        37.5447,
        127.0582,
        &["카페", "성수", "빵"],
    ),
    (
        "대림창고",
        "서울 성동구 성수이로 78",
        PlaceCategory::Cafe,
        37.5418,
        127.0566,
        &["카페", "성수"],
    ),
    (
        "연남 돈까스 골목집",
        "서울 마포구 연남로 23",
        PlaceCategory::Restaurant,
        37.5621,
        126.9254,
        &["맛집", "연남동", "돈까스"],
    ),
    (
        "을지로 노가리 골목",
        "서울 중구 을지로13길 19",
        PlaceCategory::Bar,
        37.5663,
        126.9915,
        &["을지로", "맥주", "노포"],
    ),
    (
        "망원 시장 칼국수",
        "서울 마포구 포은로8길 14",
        PlaceCategory::Restaurant,
        37.5563,
        126.9062,
        &["망원", "시장", "칼국수"],
    ),
    (
        "태극당",
        "서울 중구 동호로24길 7",
        PlaceCategory::Bakery,
        37.5587,
        127.0053,
        &["빵집", "노포"],
    ),
    (
        "한남동 베이글 하우스",
        "서울 용산구 이태원로 238",
        PlaceCategory::Bakery,
        37.5355,
        127.0005,
        &["베이글", "한남동"],
    ),
    (
        "익선동 한옥 찻집",
        "서울 종로구 수표로28길 17",
        PlaceCategory::Cafe,
        37.5741,
        126.9895,
        &["한옥", "익선동", "차"],
    ),
    (
        "국립현대미술관 서울",
        "서울 종로구 삼청로 30",
        PlaceCategory::Culture,
        37.5786,
        126.9800,
        &["전시", "삼청동"],
    ),
    (
        "북촌 한옥마을",
        "서울 종로구 계동길 37",
        PlaceCategory::Travel,
        37.5826,
        126.9833,
        &["산책", "한옥"],
    ),
    (
        "광장시장 빈대떡",
        "서울 종로구 창경궁로 88",
        PlaceCategory::Restaurant,
        37.5700,
        126.9996,
        &["시장", "빈대떡", "맛집"],
    ),
    (
        "해방촌 루프탑 바",
        "서울 용산구 신흥로 95",
        PlaceCategory::Bar,
        37.5442,
        126.9860,
        &["루프탑", "야경"],
    ),
    (
        "서울숲",
        "서울 성동구 뚝섬로 273",
        PlaceCategory::Travel,
        37.5444,
        127.0374,
        &["산책", "공원", "성수"],
    ),
    (
        "홍대 독립서점 책방",
        "서울 마포구 와우산로29길 6",
        PlaceCategory::Shop,
        37.5556,
        126.9270,
        &["서점", "홍대"],
    ),
    (
        "부산 해운대 밀면집",
        "부산 해운대구 구남로 24",
        PlaceCategory::Restaurant,
        35.1628,
        129.1598,
        &["부산", "밀면", "여행"],
    ),
    (
        "제주 애월 감귤 카페",
        "제주 제주시 애월읍 애월해안로 272",
        PlaceCategory::Cafe,
        33.4621,
        126.3094,
        &["제주", "오션뷰", "카페"],
    ),
];

/// (name, price, shop url, options with their values, tags)
type DemoProduct = (
    &'static str,
    i64,
    &'static str,
    &'static [(&'static str, &'static [&'static str])],
    &'static [&'static str],
);
const PRODUCTS: &[DemoProduct] = &[
    (
        "노이즈캔슬링 무선 이어폰",
        189000,
        "https://shop.example.kr/p/earbuds",
        &[("색상", &["블랙", "화이트"])],
        &["전자기기", "이어폰"],
    ),
    (
        "초경량 캠핑 의자",
        79000,
        "https://shop.example.kr/p/chair",
        &[("색상", &["카키", "베이지"])],
        &["캠핑", "의자"],
    ),
    (
        "약산성 수분 토너 200ml",
        18900,
        "https://shop.example.kr/p/toner",
        &[],
        &["스킨케어", "토너"],
    ),
    (
        "무기자차 선크림 SPF50+",
        22000,
        "https://shop.example.kr/p/suncream",
        &[],
        &["스킨케어", "선크림"],
    ),
    (
        "스테인리스 보온 텀블러 473ml",
        32000,
        "https://shop.example.kr/p/tumbler",
        &[("색상", &["실버", "네이비", "민트"])],
        &["주방", "텀블러"],
    ),
    (
        "저소음 기계식 키보드",
        129000,
        "https://shop.example.kr/p/keyboard",
        &[("축", &["적축", "갈축"])],
        &["전자기기", "키보드"],
    ),
    (
        "원두 1kg 에티오피아 예가체프",
        38000,
        "https://shop.example.kr/p/beans",
        &[("분쇄", &["홀빈", "핸드드립용"])],
        &["커피", "원두"],
    ),
    (
        "접이식 전기 자전거",
        890000,
        "https://shop.example.kr/p/ebike",
        &[],
        &["자전거", "출퇴근"],
    ),
    (
        "자취생 미니 밥솥 3인용",
        59000,
        "https://shop.example.kr/p/ricecooker",
        &[],
        &["자취", "주방"],
    ),
    (
        "등산 스틱 2개 세트",
        45000,
        "https://shop.example.kr/p/poles",
        &[],
        &["등산", "캠핑"],
    ),
    (
        "대용량 보조배터리 20000mAh",
        35000,
        "https://shop.example.kr/p/battery",
        &[],
        &["전자기기", "여행"],
    ),
    (
        "린넨 셔츠",
        49000,
        "https://shop.example.kr/p/linen",
        &[("사이즈", &["S", "M", "L", "XL"])],
        &["패션", "여름"],
    ),
];

const OPENERS: &[&str] = &[
    "주말에 다녀왔어요.",
    "친구 추천으로 가봤는데",
    "한 달째 쓰는 중인데",
    "기대 반 걱정 반이었는데",
    "드디어 후기 남겨요!",
    "재방문 의사 100%.",
    "솔직 후기입니다.",
    "퇴근길에 들렀어요.",
];
const MIDDLES: &[&str] = &[
    "분위기가 정말 좋고 직원분들도 친절했어요.",
    "가격 대비 만족도가 높아요.",
    "사진보다 실물이 훨씬 나아요.",
    "웨이팅이 조금 있었지만 기다릴 만했어요.",
    "생각보다 양이 많아서 둘이 나눠 먹었어요.",
    "마감이 꼼꼼하고 튼튼해요.",
    "배송이 빨라서 좋았어요.",
    "향이 은은하고 자극이 없어요.",
    "주차가 어려운 게 아쉬웠어요.",
    "평일 오전에 가면 한적해요.",
    "조금 비싸지만 그만한 가치가 있어요.",
];
const CLOSERS: &[&str] = &[
    "다음에 또 갈게요 😊",
    "강력 추천합니다!",
    "호불호는 있을 것 같아요.",
    "가족들도 다 좋아했어요.",
    "재구매 각이에요.",
    "사진 몇 장 같이 올려요.",
    "궁금한 점은 댓글로 물어보세요!",
];
const TITLES: &[&str] = &[
    "인생 맛집 발견",
    "한 달 사용 후기",
    "솔직하게 써본 후기",
    "주말 나들이 기록",
    "가성비 끝판왕",
    "기대 이상이었어요",
    "재방문 후기",
    "자취생 필수템",
    "데이트 코스 추천",
    "선물용으로 최고",
];
const COMMENTS: &[&str] = &[
    "저도 가보고 싶네요!",
    "정보 감사합니다 🙏",
    "여기 주차 되나요?",
    "사진 너무 예뻐요",
    "가격 정보도 알 수 있을까요?",
    "저도 이거 쓰는데 공감해요",
    "웨이팅 얼마나 했어요?",
    "오 저장해둘게요",
    "다음 주에 가볼게요!",
    "색상 고민 중인데 추천해주세요",
];
const REPLIES: &[&str] = &[
    "네 근처 공영주차장 있어요!",
    "30분 정도요",
    "블랙 추천해요",
    "감사합니다 😊",
    "꼭 가보세요!",
];

fn member(id: &str, role: Role) -> Actor {
    Actor {
        user_id: id.to_owned(),
        session_id: String::new(),
        role,
        suspended_until: None,
    }
}

fn id() -> String {
    crate::util::new_id()
}

/// Fills the demo content for `people` (ids with roles; the first is an
/// admin, the second a moderator). Deterministic apart from ids and times.
pub async fn seed(
    conn: &mut AnyConnection,
    people: &[(String, Role)],
    photos: &[String],
    now: i64,
) -> Result<usize> {
    let mut rng = StdRng::seed_from_u64(20_261_121);
    let members: Vec<Actor> = people.iter().map(|(id, role)| member(id, *role)).collect();
    let regulars = &members[2..];
    let month = 30 * 86_400_000_i64;
    let start = now - month;

    let mut subjects: Vec<(SubjectRef, &[&str])> = Vec::new();
    for (i, (name, address, category, lat, lng, tags)) in PLACES.iter().enumerate() {
        let req = CreatePlaceRequest {
            id: Some(id()),
            name: (*name).into(),
            address: (*address).into(),
            latitude: Some(*lat),
            longitude: Some(*lng),
            category: *category,
            link: String::new(),
        };
        let (place, _) =
            catalog::service::create_place(conn, &regulars[i % regulars.len()], &req, start)
                .await?;
        subjects.push((
            SubjectRef {
                kind: SubjectType::Place,
                id: place.id,
            },
            tags,
        ));
    }
    for (i, (name, price, url, options, tags)) in PRODUCTS.iter().enumerate() {
        let req = CreateProductRequest {
            id: Some(id()),
            name: (*name).into(),
            price_krw: *price,
            options: options
                .iter()
                .map(|(n, v)| ProductOption {
                    name: (*n).into(),
                    values: v.iter().map(|s| (*s).into()).collect(),
                })
                .collect(),
            photos: vec![],
            shop_url: (*url).into(),
        };
        let (product, _) =
            catalog::service::create_product(conn, &regulars[i % regulars.len()], &req, start)
                .await?;
        subjects.push((
            SubjectRef {
                kind: SubjectType::Product,
                id: product.id,
            },
            tags,
        ));
    }

    // Follows first, so the following tab has something.
    for (i, m) in regulars.iter().enumerate() {
        let mut others: Vec<&Actor> = regulars.iter().filter(|o| o.user_id != m.user_id).collect();
        others.shuffle(&mut rng);
        for other in others.iter().take(2 + i % 3) {
            social::service::follow(conn, m, &other.user_id, start).await?;
        }
    }

    let official = CreateReviewRequest {
        id: Some(id()),
        kind: ReviewKind::Story,
        title: "모아에 오신 것을 환영합니다 👋".into(),
        body: "모아는 장소와 물건의 솔직한 리뷰를 모으는 커뮤니티예요. 사진과 함께 경험을 나누고, \
               마음에 드는 리뷰는 스크랩해 두세요. 광고나 욕설은 신고해 주시면 운영진이 빠르게 확인합니다."
            .into(),
        photos: vec![],
        subject: None,
        rating: None,
        tags: vec!["공지".into()],
        official: true,
    };
    reviews::service::create(conn, &members[0], &official, start).await?;

    // Reviews, spread over the month, oldest first.
    let count = 320;
    let mut times: Vec<i64> = (0..count)
        .map(|_| rng.gen_range(start..now - 60_000))
        .collect();
    times.sort_unstable();
    let mut review_ids = Vec::with_capacity(count);
    for at in times {
        let author = &regulars[rng.gen_range(0..regulars.len())];
        let subject =
            (rng.gen_range(0..100) < 85).then(|| &subjects[rng.gen_range(0..subjects.len())]);
        let story = rng.gen_range(0..100) < 30;
        let body = format!(
            "{} {} {}",
            OPENERS[rng.gen_range(0..OPENERS.len())],
            MIDDLES[rng.gen_range(0..MIDDLES.len())],
            CLOSERS[rng.gen_range(0..CLOSERS.len())]
        );
        let tags: Vec<String> = subject
            .map(|(_, tags)| {
                tags.iter()
                    .take(rng.gen_range(1..=tags.len()))
                    .map(|t| (*t).to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let req = CreateReviewRequest {
            id: Some(id()),
            kind: if story {
                ReviewKind::Story
            } else {
                ReviewKind::Snap
            },
            title: if story {
                TITLES[rng.gen_range(0..TITLES.len())].into()
            } else {
                String::new()
            },
            body: if story {
                format!("{body}\n\n{}", MIDDLES[rng.gen_range(0..MIDDLES.len())])
            } else {
                body
            },
            photos: if photos.is_empty() || rng.gen_range(0..100) >= 45 {
                vec![]
            } else {
                let first = rng.gen_range(0..photos.len());
                (0..rng.gen_range(1..=3))
                    .map(|k| photos[(first + k) % photos.len()].clone())
                    .collect()
            },
            subject: subject.map(|(s, _)| s.clone()),
            rating: subject.map(|_| [3, 4, 4, 5, 5, 5][rng.gen_range(0..6)]),
            tags,
            official: false,
        };
        let (review, _) = reviews::service::create(conn, author, &req, at).await?;
        review_ids.push((review.id, at));
    }

    // Reactions, a little after each review.
    for (rid, at) in &review_ids {
        let later = |rng: &mut StdRng| (at + rng.gen_range(60_000..6 * 3_600_000)).min(now);
        for m in regulars.iter() {
            if rng.gen_range(0..100) < 35 {
                social::service::like(
                    conn,
                    m,
                    social::service::Target::Review,
                    rid,
                    later(&mut rng),
                )
                .await?;
            }
            if rng.gen_range(0..100) < 8 {
                social::service::scrap(conn, m, rid, later(&mut rng)).await?;
            }
        }
        for _ in 0..rng.gen_range(0..4) {
            let who = &regulars[rng.gen_range(0..regulars.len())];
            let req = CreateCommentRequest {
                id: Some(id()),
                body: COMMENTS[rng.gen_range(0..COMMENTS.len())].into(),
                parent_id: None,
            };
            let when = later(&mut rng);
            let (comment, _) = comments::service::create(conn, who, rid, &req, when).await?;
            if rng.gen_range(0..100) < 40 {
                let replier = &regulars[rng.gen_range(0..regulars.len())];
                let reply = CreateCommentRequest {
                    id: Some(id()),
                    body: REPLIES[rng.gen_range(0..REPLIES.len())].into(),
                    parent_id: Some(comment.id),
                };
                comments::service::create(conn, replier, rid, &reply, (when + 600_000).min(now))
                    .await?;
            }
        }
    }

    // A spammy review and a few reports for the moderators' queue.
    let spammer = &regulars[regulars.len() - 1];
    let spam = CreateReviewRequest {
        id: Some(id()),
        kind: ReviewKind::Snap,
        title: String::new(),
        body: "🔥 지금 가입하면 쿠폰 100% 증정 🔥 링크 클릭!!".into(),
        photos: vec![],
        subject: None,
        rating: None,
        tags: vec!["이벤트".into()],
        official: false,
    };
    let (spam, _) = reviews::service::create(conn, spammer, &spam, now - 3_600_000).await?;
    for (i, reporter) in regulars.iter().take(3).enumerate() {
        let req = CreateReportRequest {
            target_type: ReportTarget::Review,
            target_id: spam.id.clone(),
            reason: if i == 2 {
                ReportReason::Other
            } else {
                ReportReason::Spam
            },
            detail: if i == 2 {
                "같은 광고를 여러 번 올려요".into()
            } else {
                String::new()
            },
        };
        moderation::service::create_report(
            conn,
            reporter,
            &req,
            crate::state::DEFAULT_AUTO_HIDE_REPORTS,
            now - 1_800_000 + i as i64 * 60_000,
        )
        .await?;
    }
    let (some_review, _) = &review_ids[review_ids.len() / 2];
    let req = CreateReportRequest {
        target_type: ReportTarget::Review,
        target_id: some_review.clone(),
        reason: ReportReason::FalseInformation,
        detail: "영업시간이 틀렸어요".into(),
    };
    let hide_at = crate::state::DEFAULT_AUTO_HIDE_REPORTS;
    moderation::service::create_report(conn, &regulars[0], &req, hide_at, now - 600_000).await?;
    seed_chat(conn, regulars, now).await?;
    Ok(review_ids.len() + 2)
}

/// A group room and two direct rooms with some conversation, so chat is not
/// empty in the demo (and in the screenshots). The first regular has read
/// everything but the last few messages of the group.
async fn seed_chat(conn: &mut AnyConnection, regulars: &[Actor], now: i64) -> Result<()> {
    let group = CreateRoomRequest {
        id: id(),
        kind: RoomKind::Group,
        name: Some("성수 카페 탐방 모임 ☕".into()),
        photo_media_id: None,
        members: regulars[1..4].iter().map(|m| m.user_id.clone()).collect(),
    };
    let (group, _) =
        chat::service::create_room(conn, &regulars[0], &group, now - 7_200_000).await?;
    let lines: &[(usize, &str)] = &[
        (0, "이번 주 토요일에 성수 카페 투어 어때요?"),
        (1, "좋아요! 어니언 성수 가보고 싶었어요"),
        (2, "저는 오후 2시 이후에 가능해요 🙌"),
        (3, "대림창고도 같이 가요. 사진 찍기 좋아요"),
        (0, "그럼 2시에 성수역 3번 출구에서 만나요"),
        (1, "네 좋아요! 우산 챙기세요, 비 소식 있어요 ☔"),
        (2, "빵 맛집도 하나 추가할게요 🥐"),
    ];
    let mut seqs = Vec::new();
    for (i, (who, body)) in lines.iter().enumerate() {
        let req = SendMessageRequest {
            id: id(),
            body: (*body).into(),
            media: vec![],
            reply_to: None,
        };
        let at = now - 3_600_000 + i as i64 * 240_000;
        let ((message, _), _) =
            chat::service::send(conn, &regulars[*who], &group.room.id, &req, at).await?;
        seqs.push(message.seq);
    }
    for (reader, upto) in [(0usize, 5usize), (1, 7), (2, 7), (3, 6)] {
        chat::service::mark_read(conn, &regulars[reader], &group.room.id, seqs[upto - 1], now)
            .await?;
    }
    let direct: &[(usize, &[(bool, &str)])] = &[
        (
            1,
            &[
                (false, "민지님 지난번 추천해주신 라떼 정말 맛있었어요!"),
                (true, "그쵸? 다음엔 바닐라빈도 드셔보세요 😊"),
                (false, "꼭 먹어볼게요 감사해요"),
            ],
        ),
        (
            4,
            &[
                (true, "공동구매 아직 자리 있나요?"),
                (false, "네! 두 자리 남았어요. 링크 보내드릴게요"),
            ],
        ),
    ];
    for (other, talk) in direct {
        let req = CreateRoomRequest {
            id: id(),
            kind: RoomKind::Direct,
            name: None,
            photo_media_id: None,
            members: vec![regulars[*other].user_id.clone()],
        };
        let (room, _) =
            chat::service::create_room(conn, &regulars[0], &req, now - 86_400_000).await?;
        for (i, (mine, body)) in talk.iter().enumerate() {
            let sender = if *mine {
                &regulars[0]
            } else {
                &regulars[*other]
            };
            let req = SendMessageRequest {
                id: id(),
                body: (*body).into(),
                media: vec![],
                reply_to: None,
            };
            let at = now - 80_000_000 + i as i64 * 300_000;
            chat::service::send(conn, sender, &room.room.id, &req, at).await?;
        }
    }
    Ok(())
}
