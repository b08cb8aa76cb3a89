//! Korean text for the search benchmarks (server and client-core): reviews,
//! places, products and members made from real words, drawn from a
//! deterministic PRNG with a Zipf-like skew (the first words of
//! [`VOCABULARY`] are the most common, as in real reviews), and the query
//! mix both benchmarks time.
//!
//! Shared by `server/benches/search.rs` and `client-core/benches/search.rs`
//! (included by `#[path]`; it lives under `common/` so Cargo does not take
//! it for a bench of its own).

#![allow(dead_code)] // each bench uses part of it

/// The words of reviews, most common first (a word's weight is 1 / rank).
/// 장바구니, 텀블러, 커피, 스테인리스 and 자전거 are in it; 얼룩말 is not.
pub const VOCABULARY: &[&str] = &[
    // 1-30: what nearly every review says
    "정말",
    "너무",
    "진짜",
    "좋아요",
    "맛있어요",
    "커피",
    "분위기",
    "가격",
    "추천합니다",
    "완전",
    "다시",
    "오늘",
    "친구",
    "많이",
    "사진",
    "만족해요",
    "최고",
    "주말",
    "조금",
    "그리고",
    "가성비",
    "깔끔해요",
    "친절해요",
    "예뻐요",
    "카페",
    "라떼",
    "매장",
    "메뉴",
    "배송",
    "구매",
    // 31-100
    "편해요",
    "괜찮아요",
    "좋았어요",
    "재구매",
    "포장",
    "디자인",
    "색상",
    "크기",
    "용량",
    "품질",
    "후기",
    "사용",
    "텀블러",
    "디저트",
    "케이크",
    "빵",
    "브런치",
    "맛집",
    "음식",
    "점심",
    "저녁",
    "아침",
    "여행",
    "캠핑",
    "스테인리스",
    "보온",
    "보냉",
    "뚜껑",
    "손잡이",
    "가방",
    "주차",
    "웨이팅",
    "자리",
    "창가",
    "테라스",
    "인테리어",
    "조용해요",
    "시끄러워요",
    "넓어요",
    "좁아요",
    "따뜻해요",
    "시원해요",
    "달아요",
    "고소해요",
    "부드러워요",
    "진해요",
    "향",
    "원두",
    "산미",
    "아메리카노",
    "카푸치노",
    "에스프레소",
    "콜드브루",
    "녹차",
    "말차",
    "우유",
    "두유",
    "장바구니",
    "할인",
    "쿠폰",
    "이벤트",
    "선물",
    "생일",
    "가족",
    "아이",
    "강아지",
    "산책",
    "공원",
    "바다",
    "하늘",
    // 101 on
    "서울",
    "부산",
    "제주",
    "강릉",
    "성수동",
    "연남동",
    "망원동",
    "을지로",
    "한남동",
    "익선동",
    "해운대",
    "광안리",
    "동네",
    "골목",
    "역",
    "근처",
    "버스",
    "지하철",
    "자전거",
    "걸어서",
    "도보",
    "주차장",
    "화장실",
    "콘센트",
    "와이파이",
    "노트북",
    "공부",
    "작업",
    "회의",
    "데이트",
    "혼자",
    "연인",
    "부모님",
    "동생",
    "회사",
    "출근",
    "퇴근",
    "휴일",
    "평일",
    "오전",
    "오후",
    "밤",
    "봄",
    "여름",
    "가을",
    "겨울",
    "비",
    "눈",
    "날씨",
    "햇살",
    "바람",
    "풍경",
    "뷰",
    "노을",
    "야경",
    "조명",
    "음악",
    "소파",
    "의자",
    "테이블",
    "컵",
    "머그컵",
    "유리컵",
    "빨대",
    "보온병",
    "물병",
    "도시락",
    "도시락통",
    "밀폐용기",
    "냄비",
    "프라이팬",
    "수저",
    "접시",
    "그릇",
    "앞치마",
    "수건",
    "휴지",
    "세제",
    "수세미",
    "고무장갑",
    "에코백",
    "파우치",
    "지갑",
    "우산",
    "모자",
    "양말",
    "운동화",
    "텐트",
    "침낭",
    "캠핑의자",
    "랜턴",
    "버너",
    "코펠",
    "아이스박스",
    "타프",
    "화로대",
    "장작",
    "바비큐",
    "고기",
    "삼겹살",
    "김치",
    "라면",
    "떡볶이",
    "김밥",
    "국밥",
    "냉면",
    "비빔밥",
    "칼국수",
    "만두",
    "치킨",
    "피자",
    "파스타",
    "샐러드",
    "샌드위치",
    "베이글",
    "크루아상",
    "스콘",
    "마카롱",
    "쿠키",
    "타르트",
    "푸딩",
    "빙수",
    "아이스크림",
    "과일",
    "딸기",
    "바나나",
    "사과",
    "레몬",
    "복숭아",
    "초콜릿",
    "치즈",
    "버터",
    "꿀",
    "설탕",
    "소금",
    "매워요",
    "짜요",
    "싱거워요",
    "비싸요",
    "저렴해요",
    "무거워요",
    "가벼워요",
    "튼튼해요",
    "약해요",
    "새어요",
    "안새요",
    "든든해요",
    "귀여워요",
    "세련됐어요",
    "아늑해요",
    "복잡해요",
    "한적해요",
    "붐벼요",
    "빨라요",
    "느려요",
    "꼼꼼해요",
    "실망했어요",
    "감동했어요",
    "놀랐어요",
    "기대돼요",
    "아쉬웠어요",
    "샀어요",
    "먹었어요",
    "마셨어요",
    "갔어요",
    "왔어요",
    "봤어요",
    "썼어요",
    "받았어요",
    "기다렸어요",
    "들렀어요",
    "담았어요",
    "씻었어요",
    "챙겼어요",
    "빌렸어요",
    "바꿨어요",
    "골랐어요",
    "주문했어요",
    "예약했어요",
    "포장했어요",
    "배달",
    "택배",
    "반품",
    "교환",
    "환불",
    "사장님",
    "직원",
    "서비스",
    "리필",
    "샷추가",
    "디카페인",
    "시그니처",
    "신메뉴",
    "한정판",
    "블랙",
    "화이트",
    "그레이",
    "네이비",
    "베이지",
    "민트",
    "핑크",
    "소형",
    "중형",
    "대형",
    "실리콘",
    "세라믹",
    "유리",
    "나무",
    "대나무",
    "면",
    "린넨",
    "가죽",
    "플라스틱",
    "알루미늄",
    "진공",
    "단열",
    "세척",
    "식기세척기",
    "전자레인지",
    "냉장고",
    "냉동실",
    "살림",
    "주방",
    "욕실",
    "거실",
    "베란다",
    "정리",
    "수납",
    "청소",
    "분리수거",
    "제로웨이스트",
    "친환경",
    "일회용",
    "다회용",
];

/// Tags a review may carry (its `extra`).
pub const TAGS: &[&str] = &[
    "카페",
    "맛집",
    "캠핑",
    "살림",
    "여행",
    "주방",
    "디저트",
    "산책",
    "데이트",
    "제로웨이스트",
];

const SURNAMES: &[&str] = &[
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황",
    "안", "송", "류", "홍",
];
const GIVEN: &[&str] = &[
    "민", "서", "지", "현", "우", "준", "예", "수", "하", "윤", "도", "은", "영", "진", "호", "아",
    "연", "태", "성", "희", "재", "유", "나", "경", "혜", "주", "원", "빈", "린", "솔",
];
const HANDLES: &[&str] = &[
    "coffee", "camping", "daily", "moa", "seoul", "lover", "cook", "hana", "minji", "jun", "sol",
    "tumbler", "latte", "green", "zero", "home", "trip", "bread", "cafe", "note",
];

/// A district and its neighbourhoods.
type District = (&'static str, &'static [&'static str]);

const CITIES: &[(&str, &[District])] = &[
    (
        "서울",
        &[
            ("성동구", &["성수동", "옥수동", "금호동", "왕십리동"]),
            ("마포구", &["연남동", "망원동", "합정동", "서교동"]),
            ("용산구", &["한남동", "이태원동", "후암동"]),
            ("종로구", &["익선동", "삼청동", "혜화동"]),
            ("중구", &["을지로동", "명동", "신당동"]),
            ("강남구", &["역삼동", "신사동", "삼성동"]),
        ],
    ),
    (
        "부산",
        &[
            ("해운대구", &["우동", "중동", "송정동"]),
            ("수영구", &["광안동", "민락동"]),
        ],
    ),
    ("제주", &[("제주시", &["애월읍", "조천읍", "한림읍"])]),
    ("강원", &[("강릉시", &["교동", "초당동", "사천면"])]),
];
const PLACE_NAMES: &[&str] = &[
    "모아", "하루", "온기", "소담", "바람", "숲", "달빛", "햇살", "골목", "오롯", "느린", "작은",
    "푸른", "단골", "마당", "호수",
];
const PLACE_KINDS: &[&str] = &[
    "커피",
    "카페",
    "로스터스",
    "베이커리",
    "브런치",
    "식당",
    "국밥",
    "분식",
    "제로웨이스트샵",
    "리필스테이션",
    "캠핑장",
    "책방",
];
const BRANDS: &[&str] = &[
    "모아리빙",
    "하루살림",
    "데일리홈",
    "숲속공방",
    "오늘주방",
    "바른생활",
    "캠핑하우스",
    "그린데이",
];
const MATERIALS: &[&str] = &[
    "스테인리스",
    "유리",
    "세라믹",
    "실리콘",
    "대나무",
    "린넨",
    "면",
    "알루미늄",
];
const PRODUCTS: &[&str] = &[
    "텀블러",
    "머그컵",
    "장바구니",
    "보온병",
    "도시락통",
    "밀폐용기",
    "캠핑의자",
    "빨대",
    "에코백",
    "수세미",
    "물병",
    "랜턴",
];
const SIZES: &[&str] = &[
    "350ml", "500ml", "750ml", "1L", "소형", "중형", "대형", "2개입",
];
const COLOURS: &[&str] = &["블랙", "화이트", "그레이", "네이비", "베이지", "민트"];

/// The query mix: (what it exercises, the text typed).
pub const QUERIES: &[(&str, &str)] = &[
    ("full word", "텀블러"),
    ("2 syllables", "커피"),
    ("초성", "ㅈㅂㄱㄴ"),
    ("half-typed", "장바ㄱ"),
    ("typo", "텀블럭"),
    ("typo (no prefix)", "스테인러스"),
    ("두벌식", "xjaqmffj"),
    ("no match", "얼룩말자전거"),
];

/// SplitMix64: small, fast and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Draws words of [`VOCABULARY`] with weight 1 / rank.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Default for Zipf {
    fn default() -> Self {
        let mut total = 0.0;
        let cumulative = (1..=VOCABULARY.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Zipf { cumulative }
    }
}

impl Zipf {
    pub fn word(&self, rng: &mut Rng) -> &'static str {
        let total = *self.cumulative.last().expect("words");
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|c| *c < x);
        VOCABULARY[i.min(VOCABULARY.len() - 1)]
    }

    fn words(&self, rng: &mut Rng, lo: usize, hi: usize) -> String {
        let n = rng.between(lo, hi);
        (0..n).map(|_| self.word(rng)).collect::<Vec<_>>().join(" ")
    }
}

/// A review: title (2-5 words), body (8-25 words), tags (0-2).
pub struct Review {
    pub title: String,
    pub body: String,
    pub tags: Vec<&'static str>,
}

pub fn review(rng: &mut Rng, zipf: &Zipf) -> Review {
    let title = zipf.words(rng, 2, 5);
    let body = zipf.words(rng, 8, 25);
    let mut tags = Vec::new();
    for _ in 0..rng.below(3) {
        let t = rng.pick(TAGS);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    Review { title, body, tags }
}

/// A place: (name, address).
pub fn place(rng: &mut Rng) -> (String, String) {
    let (city, districts) = CITIES[rng.below(CITIES.len())];
    let (district, dongs) = districts[rng.below(districts.len())];
    let dong = rng.pick(dongs);
    let area = dong.trim_end_matches('동');
    let name = match rng.below(3) {
        0 => format!("{} {}", rng.pick(PLACE_NAMES), rng.pick(PLACE_KINDS)),
        1 => format!("{area} {}", rng.pick(PLACE_KINDS)),
        _ => format!(
            "{} {} {}",
            rng.pick(PLACE_NAMES),
            rng.pick(PLACE_KINDS),
            format_args!("{area}점")
        ),
    };
    let address = format!(
        "{city} {district} {dong} {}-{}",
        rng.between(1, 300),
        rng.between(1, 40)
    );
    (name, address)
}

/// A product: (name, its options as the index reads them).
pub fn product(rng: &mut Rng) -> (String, String) {
    let name = format!(
        "{} {} {} {}",
        rng.pick(BRANDS),
        rng.pick(MATERIALS),
        rng.pick(PRODUCTS),
        rng.pick(SIZES)
    );
    let options = format!(
        "색상 {} {} 용량 {}",
        rng.pick(COLOURS),
        rng.pick(COLOURS),
        rng.pick(SIZES)
    );
    (name, options)
}

/// A member: (handle, Korean name).
pub fn member(rng: &mut Rng, i: usize) -> (String, String) {
    let handle = format!("{}_{}{i}", rng.pick(HANDLES), rng.pick(HANDLES));
    let name = format!(
        "{}{}{}",
        rng.pick(SURNAMES),
        rng.pick(GIVEN),
        rng.pick(GIVEN)
    );
    (handle, name)
}
